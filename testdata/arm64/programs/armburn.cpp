// aarch64 test program for testdata/arm64 (issue 10 point 2): stop points for gdb snapshots.
// Built -O2 -g -fomit-frame-pointer; chain.c is built without unwind tables so its CFI lives in .debug_frame only.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <streambuf>
#include <ucontext.h>

extern "C" long chain_outer(long n); // chain.c (.debug_frame only)
extern "C" long chain_cb(long n);    // called back from chain.c

volatile long g_sink;
volatile sig_atomic_t g_ticks;

// Leaf functions the snapshots stop in: they do their own work so the compiler keeps them as real frames.
extern "C" __attribute__((noinline)) long cpp_leaf(long n)
{
    long s = 0;
    for (long i = 0; i < n; i++) s += i * g_sink;
    g_sink = s;
    return s + 1;
}

__attribute__((noinline)) long level3(long n) { long r = cpp_leaf(n + 3); g_sink = r; return r * 3 + 1; }
__attribute__((noinline)) long level2(long n) { long r = level3(n + 2); g_sink = r; return r * 5 + 2; }
__attribute__((noinline)) long level1(long n) { long r = level2(n + 1); g_sink = r; return r * 7 + 3; }

extern "C" long chain_cb(long n) { long r = cpp_leaf(n); g_sink = r; return r + 11; }

// qsort calls back into our comparator from libc.
extern "C" __attribute__((noinline)) int compare_longs(const void* a, const void* b)
{
    long x = *static_cast<const long*>(a), y = *static_cast<const long*>(b);
    g_sink = x ^ y;
    return x < y ? -1 : x > y;
}

// std::ostream's inserter in libstdc++.so calls xsputn/overflow of our stream buffer.
class CountingBuf : public std::streambuf
{
public:
    long count = 0;
protected:
    int_type overflow(int_type c) override;
};

__attribute__((noinline)) std::streambuf::int_type CountingBuf::overflow(int_type c)
{
    count++;
    g_sink = count;
    return c;
}

// Signal path: trap_leaf executes an undefined instruction (SIGILL at a fixed pc, so every run stops in the same state);
// trap_leaf is a leaf, so its return address is still in x30 and only the signal frame on the stack holds it.
extern "C" __attribute__((noinline)) long handler_leaf(int sig)
{
    long s = sig;
    for (int i = 0; i < 50; i++) s = s * 31 + g_sink;
    g_sink = s;
    return s;
}

extern "C" __attribute__((noinline)) void on_ill(int sig, siginfo_t*, void* context)
{
    long r = handler_leaf(sig);
    g_sink = r;
    g_ticks = g_ticks + 1;
    static_cast<ucontext_t*>(context)->uc_mcontext.pc += 4; // resume after the 4-byte udf
}

extern "C" __attribute__((noinline)) long trap_leaf(long n)
{
    long s = n * 3 + g_sink;
    asm volatile("udf #0" ::: "memory");
    return s + g_sink;
}

__attribute__((noinline)) long trap_caller(long n) { long r = trap_leaf(n); g_sink = r; return r + 5; }

int main(int argc, char** argv)
{
    long n = argc > 1 ? std::atol(argv[1]) : 10;
    g_sink = level1(n);
    g_sink = chain_outer(n);

    long values[16];
    for (int i = 0; i < 16; i++) values[i] = (i * 7919L) % 31;
    std::qsort(values, 16, sizeof values[0], compare_longs);

    CountingBuf buf;
    std::ostream os(&buf);
    os << "hello, aarch64" << 42 << '\n';
    g_sink = buf.count;

    struct sigaction sa{};
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, nullptr);
    g_sink = trap_caller(n);
    g_sink = trap_caller(n + 1);
    std::printf("done %ld\n", static_cast<long>(g_sink));
    return 0;
}
