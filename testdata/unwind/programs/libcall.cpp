// libcall: a C++ program whose hot paths run inside libc and libstdc++ (and call back out of them),
// for Stackweave's --call-graph dwarf captures: unwinding must cross shared libraries.
// Built with -O2 -g -fomit-frame-pointer. Usage: libcall [milliseconds] (default 1500).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <functional>
#include <vector>

using Clock = std::chrono::steady_clock;

// qsort callback: called from inside libc (msort_with_tmp)
__attribute__((noinline)) static int cmp_u32(const void* a, const void* b) {
    std::uint32_t x = *static_cast<const std::uint32_t*>(a), y = *static_cast<const std::uint32_t*>(b);
    return x < y ? -1 : x > y;
}

__attribute__((noinline)) std::uint64_t do_qsort(std::vector<std::uint32_t>& v, std::uint32_t seed) {
    for (auto& x : v) { seed = seed * 1103515245u + 12345u; x = seed; }
    std::qsort(v.data(), v.size(), sizeof(std::uint32_t), cmp_u32);
    return v[v.size() / 2];
}

// std::map insertions rebalance in libstdc++ (_Rb_tree_insert_and_rebalance) and allocate in libc (malloc)
__attribute__((noinline)) std::uint64_t do_map(int n, std::uint32_t seed) {
    std::map<std::uint32_t, std::uint32_t> m;
    for (int i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; m[seed] = i; }
    return m.begin()->first + m.size();
}

// std::hash<std::string> calls std::_Hash_bytes in libstdc++
__attribute__((noinline)) std::uint64_t do_hash(const std::string& s, int n) {
    std::uint64_t h = 0;
    for (int i = 0; i < n; i++) h += std::hash<std::string>{}(s) + i;
    return h;
}

// memcpy/memset of large buffers run in libc's vectorised routines
__attribute__((noinline)) std::uint64_t do_copy(char* a, char* b, std::size_t n, int rounds) {
    std::uint64_t s = 0;
    for (int i = 0; i < rounds; i++) {
        std::memset(a, i & 0xff, n);
        std::memcpy(b, a, n);
        s += static_cast<unsigned char>(b[i % n]);
    }
    return s;
}

int main(int argc, char** argv) {
    long ms = argc > 1 ? std::atol(argv[1]) : 1500;
    auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    std::vector<std::uint32_t> v(20000);
    std::string text(4096, 'x');
    std::vector<char> a(1 << 20), b(1 << 20);
    std::uint64_t sum = 0;
    int rounds = 0;
    while (Clock::now() < deadline) {
        sum += do_qsort(v, rounds);
        sum += do_map(5000, rounds);
        sum += do_hash(text, 200);
        sum += do_copy(a.data(), b.data(), a.size(), 20);
        rounds++;
    }
    std::printf("libcall: %d rounds, checksum %llx\n", rounds, (unsigned long long)sum);
    return 0;
}
