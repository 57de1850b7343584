// Test program for the demangler: every function below is kept out of line so that it has its own
// mangled symbol, and main() runs all of them in a loop so that perf samples land in most of them.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#define NOINLINE __attribute__((noinline))

namespace zoo {

static volatile unsigned long sink;

NOINLINE void tick(unsigned long x) { sink = x; }

// Not a leaf (it calls tick), so GCC gives it a frame pointer and perf's unwinder sees its caller.
NOINLINE unsigned long spin(unsigned long n) {
    tick(n);
    unsigned long x = n;
    for (unsigned long i = 0; i < n; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
    sink = x;
    return x;
}

template <typename T, int N>
struct Matrix {
    T v[N];
    NOINLINE T sum() const {
        T s = T();
        for (int i = 0; i < N; i++) s += v[i] + (T)spin(2000);
        return s;
    }
    NOINLINE Matrix operator+(const Matrix& o) const {
        Matrix r;
        for (int i = 0; i < N; i++) r.v[i] = v[i] + o.v[i];
        spin(3000);
        return r;
    }
    NOINLINE bool operator==(const Matrix& o) const { spin(1000); return std::memcmp(v, o.v, sizeof v) == 0; }
    NOINLINE explicit operator bool() const { spin(1000); return v[0] != T(); }
    NOINLINE T& operator[](int i) { spin(500); return v[i]; }
};

struct Base {
    virtual ~Base() {}
    virtual unsigned long work(int n) = 0;
};

struct Left : virtual Base {
    unsigned long work(int n) override { return spin(n * 10); }
};

struct Right : virtual Base {
    virtual unsigned long other(int n) { return spin(n * 7); }
};

struct Diamond : Left, Right {
    unsigned long work(int n) override { return spin(n * 11) + Left::work(1); }
    unsigned long other(int n) override { return spin(n * 13); }
};

namespace {
NOINLINE unsigned long anon_helper(const std::string& s) { return spin(s.size() * 100); }
}

inline namespace v2 {
struct [[gnu::abi_tag("tagged")]] Tagged {
    NOINLINE unsigned long run(unsigned long n) const volatile { return spin(n); }
};
}  // namespace v2

template <typename... Ts>
NOINLINE unsigned long variadic(Ts... ts) {
    return (spin(static_cast<unsigned long>(ts) + 1000) + ...);
}

template <typename F>
NOINLINE unsigned long apply_twice(F f, int x) { return f(x) + f(x + 1); }

NOINLINE unsigned long by_ptr(unsigned long (*fp)(unsigned long), unsigned long (Diamond::*mp)(int), Diamond& d) {
    return fp(1500) + (d.*mp)(100);
}

// A deliberately enormous name (over 1024 characters when mangled), to find whether perf's demangler has a
// length limit like c++filt's.
template <int A>
struct AVeryLongClassNameNumberOneThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberTwoThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberThreeThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberFourThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberFiveThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberSixThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberSevenThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberEightThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberNineThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberTenThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberElevenThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
template <int A>
struct AVeryLongClassNameNumberTwelveThatMakesTheMangledNameHugeSoItExceedsTheLimit {};
using L1 = AVeryLongClassNameNumberOneThatMakesTheMangledNameHugeSoItExceedsTheLimit<1>;
using L2 = AVeryLongClassNameNumberTwoThatMakesTheMangledNameHugeSoItExceedsTheLimit<2>;
using L3 = AVeryLongClassNameNumberThreeThatMakesTheMangledNameHugeSoItExceedsTheLimit<3>;
using L4 = AVeryLongClassNameNumberFourThatMakesTheMangledNameHugeSoItExceedsTheLimit<4>;
using L5 = AVeryLongClassNameNumberFiveThatMakesTheMangledNameHugeSoItExceedsTheLimit<5>;
using L6 = AVeryLongClassNameNumberSixThatMakesTheMangledNameHugeSoItExceedsTheLimit<6>;
using L7 = AVeryLongClassNameNumberSevenThatMakesTheMangledNameHugeSoItExceedsTheLimit<7>;
using L8 = AVeryLongClassNameNumberEightThatMakesTheMangledNameHugeSoItExceedsTheLimit<8>;
using L9 = AVeryLongClassNameNumberNineThatMakesTheMangledNameHugeSoItExceedsTheLimit<9>;
using L10 = AVeryLongClassNameNumberTenThatMakesTheMangledNameHugeSoItExceedsTheLimit<10>;
using L11 = AVeryLongClassNameNumberElevenThatMakesTheMangledNameHugeSoItExceedsTheLimit<11>;
using L12 = AVeryLongClassNameNumberTwelveThatMakesTheMangledNameHugeSoItExceedsTheLimit<12>;

template <typename... Ts>
NOINLINE unsigned long huge(Ts...) { return spin(2500); }

// isra / constprop / part / cold clones come from GCC's IPA passes at -O2.
NOINLINE static unsigned long clone_me(const std::vector<int>& v, int unused_flag, int k) {
    unsigned long s = 0;
    if (__builtin_expect(v.empty(), 0)) {
        std::fprintf(stderr, "empty vector %d\n", unused_flag);
        std::abort();
    }
    for (int i = 0; i < k; i++) s += v[i % v.size()] + spin(300);
    return s;
}

unsigned long thread_local_counter_user();
thread_local unsigned long tls_counter = 1;
NOINLINE unsigned long thread_local_counter_user() { tls_counter += spin(700); return tls_counter; }

}  // namespace zoo

int main(int argc, char** argv) {
    using namespace zoo;
    long rounds = argc > 1 ? std::atol(argv[1]) : 20000;
    unsigned long total = 0;
    std::vector<int> v = {1, 2, 3};
    Diamond d;
    Base* b = &d;
    Right* r = &d;
    Matrix<double, 4> m1 = {{1, 2, 3, 4}};
    Matrix<int, 3> m2 = {{1, 2, 3}};
    std::map<std::string, int> names = {{"a", 1}};
    for (long i = 0; i < rounds; i++) {
        total += (unsigned long)m1.sum() + (unsigned long)m2.sum();
        total += (m1 + m1)[0] == 0 ? 0 : 1;
        total += (m2 == m2) ? 1 : 0;
        total += static_cast<bool>(m2) ? 1 : 0;
        total += b->work(50) + r->other(60);
        total += anon_helper(std::string("hello") + std::to_string(i));
        Tagged t;
        total += t.run(900);
        total += variadic(1, 2L, 3u, 'c');
        int captured = (int)i;
        total += apply_twice([captured](int x) { return spin(400 + captured % 3 + x); }, 5);
        total += apply_twice([](auto x) { return spin(300 + x); }, 7);
        total += by_ptr(&spin, &Diamond::other, d);
        total += huge(L1{}, L2{}, L3{}, L4{}, L5{}, L6{}, L7{}, L8{}, L9{}, L10{}, L11{}, L12{});
        total += clone_me(v, 0, 20);
        total += thread_local_counter_user();
        std::function<unsigned long(int)> fn = [&](int k) { return spin(k + names.size()); };
        total += fn(800);
    }
    std::printf("%lu\n", total);
    return 0;
}
