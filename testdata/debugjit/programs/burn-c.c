/* CPU-bound workload for testdata/regen-debugjit.sh: static functions that only a symbol table
 * (stripped into a detached debug file) can name. VARIANT changes the code, hence the build id. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef VARIANT
#define VARIANT 0
#endif

static volatile unsigned long sink;

static __attribute__((noinline)) unsigned long leaf_mix(unsigned long x)
{
    for (int i = 0; i < 64; i++) x = x * 6364136223846793005UL + 1442695040888963407UL + VARIANT;
    return x;
}

static __attribute__((noinline)) unsigned long middle_loop(unsigned long n)
{
    unsigned long acc = 0;
    for (unsigned long i = 0; i < n; i++) acc ^= leaf_mix(i);
    return acc;
}

static __attribute__((noinline)) unsigned long outer_work(unsigned long n)
{
    return middle_loop(n) + middle_loop(n / 2);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double ms = argc > 1 ? atof(argv[1]) : 300;
    double end = now() + ms / 1000;
    while (now() < end) sink += outer_work(20000);
    printf("%lu\n", sink & 0xff);
    return 0;
}
