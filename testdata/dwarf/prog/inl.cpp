// inl: a tiny CPU-bound C++ program whose hot code is inlined, for Stackweave's DWARF line/inline tests.
// Usage: inl [milliseconds]   (default 300)
// Build: g++ -O2 -g -fno-omit-frame-pointer -o inl inl.cpp   (see testdata/regen-dwarf.sh for every variant)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include "mathx.h"

// Milliseconds on CLOCK_MONOTONIC (no <chrono>: keeps the debug info small).
static long now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

namespace {

// Inlined into mix_table(): a loop over a small table (a second inlined frame from this file).
__attribute__((always_inline)) inline std::uint64_t table_sum(const std::uint64_t* t, int n) {
    std::uint64_t s = 0;
    for (int i = 0; i < n; i++) s += mathx::churn(t[i], 8);
    return s;
}

} // namespace

template <typename T>
struct Accumulator {
    T total{};
    // Member template inlined into run(): DW_AT_specification + abstract origin chains.
    __attribute__((always_inline)) void add(T v) { total += mathx::step(v) ^ (total >> 3); }
};

__attribute__((noinline)) std::uint64_t mix_table(std::uint64_t seed) {
    std::uint64_t t[16];
    for (int i = 0; i < 16; i++) t[i] = seed + static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ULL;
    return table_sum(t, 16);
}

__attribute__((noinline)) std::uint64_t run(int round) {
    Accumulator<std::uint64_t> acc;
    for (int i = 0; i < 4000; i++) acc.add(static_cast<std::uint64_t>(round) * 31 + static_cast<std::uint64_t>(i));
    return acc.total + mix_table(static_cast<std::uint64_t>(round)) + mathx::churn(acc.total, 2000);
}

int main(int argc, char** argv) {
    long ms = argc > 1 ? std::atol(argv[1]) : 300;
    long deadline = now_ms() + ms;
    std::uint64_t sum = 0;
    int rounds = 0;
    while (now_ms() < deadline) sum += run(rounds++);
    std::printf("%d rounds, %llu\n", rounds, static_cast<unsigned long long>(sum));
    return 0;
}
