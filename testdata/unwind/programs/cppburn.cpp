// cppburn: CPU-bound C++ program for Stackweave's --call-graph dwarf captures.
// Built with -O2 -g -fomit-frame-pointer: the stacks can only be unwound with CFI.
// Usage: cppburn [milliseconds] (default 1500). Prints one checksum line.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using Clock = std::chrono::steady_clock;

__attribute__((noinline)) unsigned long fib(unsigned n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) std::uint64_t mix(std::uint64_t h, int n) {
    for (int i = 0; i < n; i++) {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
    }
    return h;
}

// uses a local array so the frame has a real stack adjustment
__attribute__((noinline)) std::uint64_t table(std::uint64_t seed) {
    volatile std::uint64_t t[64];
    for (int i = 0; i < 64; i++) t[i] = mix(seed + i, 50);
    std::uint64_t s = 0;
    for (int i = 0; i < 64; i++) s += t[i];
    return s;
}

__attribute__((noinline)) std::uint64_t level3(int r) { return mix(r, 3000) + fib(16); }
__attribute__((noinline)) std::uint64_t level2(int r) { return level3(r) + table(r); }
__attribute__((noinline)) std::uint64_t level1(int r) { return level2(r) ^ fib(14); }

int main(int argc, char** argv) {
    long ms = argc > 1 ? std::atol(argv[1]) : 1500;
    auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    std::uint64_t sum = 0;
    int rounds = 0;
    while (Clock::now() < deadline) { sum += level1(rounds); rounds++; }
    std::printf("cppburn: %d rounds, checksum %llx\n", rounds, (unsigned long long)sum);
    return 0;
}
