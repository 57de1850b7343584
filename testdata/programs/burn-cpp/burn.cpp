// burn: a small CPU-bound C++ program used to make Stackweave's perf.data test captures.
// Usage: burn-cpp [milliseconds [threads [write-every]]]
//   milliseconds: how long to run (default 500)
//   threads:      worker threads (pthreads via std::thread; default 1 = run on main thread)
//   write-every:  if > 0, each worker write()s a short line to stdout every N rounds (default 0)
// Build: g++ -O2 -g -fno-omit-frame-pointer -pthread -o burn-cpp burn.cpp
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>
#include <unistd.h>

using Clock = std::chrono::steady_clock;

__attribute__((noinline)) unsigned long fib(unsigned n) {
    // recursive on purpose: deep, repetitive stacks
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

__attribute__((noinline)) int compare_buffers(const std::vector<char>& a, const std::vector<char>& b) {
    int r = 0;
    for (int i = 0; i < 64; i++) r += std::memcmp(a.data(), b.data(), a.size()) == 0;
    return r;
}

__attribute__((noinline)) std::uint64_t inner(int round) {
    return fib(20) + mix(round + 1, 20000);
}

__attribute__((noinline)) std::uint64_t outer(int round, const std::vector<char>& a, const std::vector<char>& b) {
    return inner(round) + compare_buffers(a, b);
}

static void worker(int id, long ms, int writeEvery, std::uint64_t* out) {
    std::vector<char> a(4096, 'x'), b(4096, 'x');
    auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    std::uint64_t sum = 0;
    int rounds = 0;
    while (Clock::now() < deadline) {
        sum += outer(rounds, a, b);
        rounds++;
        if (writeEvery > 0 && rounds % writeEvery == 0) {
            char line[64];
            int len = std::snprintf(line, sizeof line, "worker %d round %d\n", id, rounds);
            if (write(1, line, len) < 0) break;
        }
    }
    *out = sum ^ static_cast<std::uint64_t>(rounds);
}

int main(int argc, char** argv) {
    long ms = argc > 1 ? std::atol(argv[1]) : 500;
    int threads = argc > 2 ? std::atoi(argv[2]) : 1;
    int writeEvery = argc > 3 ? std::atoi(argv[3]) : 0;
    if (threads < 1) threads = 1;
    std::vector<std::uint64_t> results(threads);
    if (threads == 1) {
        worker(0, ms, writeEvery, &results[0]);
    } else {
        std::vector<std::thread> pool;
        for (int i = 0; i < threads; i++) pool.emplace_back(worker, i, ms, writeEvery, &results[i]);
        for (auto& t : pool) t.join();
    }
    std::uint64_t total = 0;
    for (auto r : results) total ^= r;
    std::printf("burn-cpp: %d thread(s), checksum %llx\n", threads, (unsigned long long)total);
    return 0;
}
