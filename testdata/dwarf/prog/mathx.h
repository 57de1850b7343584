// mathx.h: small helpers that g++ -O2 inlines into their callers (force-inlined so every build inlines them alike).
#pragma once
#include <cstdint>

namespace mathx {

// Innermost inlined helper: one xorshift step.
__attribute__((always_inline)) inline std::uint64_t step(std::uint64_t h) {
    h ^= h << 13;
    h ^= h >> 7;
    h ^= h << 17;
    return h;
}

// Inlined twice deep: calls step() in a loop.
__attribute__((always_inline)) inline std::uint64_t churn(std::uint64_t h, int n) {
    for (int i = 0; i < n; i++) h = step(h) + static_cast<std::uint64_t>(i);
    return h;
}

} // namespace mathx
