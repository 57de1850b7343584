// rustburn: CPU-bound Rust program for Stackweave's --call-graph dwarf captures
// (rustc omits frame pointers by default). Usage: rustburn [milliseconds] (default 1500).
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[inline(never)]
fn fib(n: u32) -> u64 {
    if n < 2 { n as u64 } else { fib(n - 1) + fib(n - 2) }
}

#[inline(never)]
fn mix(mut h: u64, n: u32) -> u64 {
    for _ in 0..n {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
    }
    h
}

#[inline(never)]
fn sort_words(v: &mut Vec<u64>, seed: u64) -> u64 {
    let mut s = seed;
    for x in v.iter_mut() { s = mix(s, 1); *x = s; }
    v.sort_unstable_by(|a, b| (a % 1000).cmp(&(b % 1000)).then(a.cmp(b)));
    v[v.len() / 2]
}

#[inline(never)]
fn count(n: u64) -> u64 {
    let mut m: HashMap<u64, u64> = HashMap::new();
    for i in 0..n { *m.entry(mix(i, 2) % 512).or_insert(0) += i; }
    m.values().sum()
}

#[inline(never)]
fn round(r: u64, v: &mut Vec<u64>) -> u64 {
    fib(20) + mix(r, 20000) + sort_words(v, r) + count(3000)
}

fn main() {
    let ms: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1500);
    let deadline = Instant::now() + Duration::from_millis(ms);
    let mut v = vec![0u64; 5000];
    let (mut sum, mut rounds) = (0u64, 0u64);
    while Instant::now() < deadline { sum = sum.wrapping_add(round(rounds, &mut v)); rounds += 1; }
    println!("rustburn: {} rounds, checksum {:x}", rounds, sum);
}
