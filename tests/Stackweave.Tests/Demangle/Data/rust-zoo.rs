// Rust half of the demangler test data: generic functions, trait impls, closures and a non-ASCII name.
use std::collections::HashMap;
use std::hint::black_box;

#[inline(never)]
fn spin(n: u64) -> u64 {
    let mut x = n;
    for _ in 0..n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    }
    black_box(x)
}

trait Work {
    fn work(&self, n: u64) -> u64;
}

struct Plain;
struct Generic<T>(T);

impl Work for Plain {
    #[inline(never)]
    fn work(&self, n: u64) -> u64 { spin(n * 3) }
}

impl<T: Copy + Into<u64>> Work for Generic<T> {
    #[inline(never)]
    fn work(&self, n: u64) -> u64 { spin(n + self.0.into()) }
}

#[inline(never)]
fn generic_sum<T: Copy + Into<u64>, const N: usize>(a: [T; N]) -> u64 {
    a.iter().map(|&v| spin(v.into() * 10)).sum()
}

#[inline(never)]
fn größe(n: u64) -> u64 { spin(n + 7) }

#[inline(never)]
fn with_closure(f: &dyn Fn(u64) -> u64) -> u64 { f(500) + f(600) }

fn main() {
    let rounds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3000);
    let mut total = 0u64;
    let mut m: HashMap<u64, u64> = HashMap::new();
    let objs: Vec<Box<dyn Work>> = vec![Box::new(Plain), Box::new(Generic(5u8)), Box::new(Generic(7u32))];
    for i in 0..rounds {
        for o in &objs {
            total = total.wrapping_add(o.work(800));
        }
        total = total.wrapping_add(generic_sum([1u8, 2, 3]));
        total = total.wrapping_add(generic_sum([1u16, 2]));
        total = total.wrapping_add(größe(900));
        let k = i % 7;
        total = total.wrapping_add(with_closure(&|x| spin(x + k)));
        *m.entry(k).or_insert(0) += 1;
    }
    println!("{} {}", total, m.len());
}
