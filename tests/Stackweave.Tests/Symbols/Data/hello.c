/* Small test program for Stackweave's ELF symbol tests (see README.md). */
#include <stdio.h>
#include <stdlib.h>

static int counter;

__attribute__((noinline)) static int local_helper(int x) { return x * 3 + counter; }
__attribute__((noinline)) int global_work(int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += local_helper(i);
    return s;
}
__attribute__((weak, noinline)) int weak_fn(int x) { return x + 1; }
int alias_target(int x) { return x - 1; }
int alias_name(int x) __attribute__((alias("alias_target")));

/* A zero-size label in .text: perf extends it to the next symbol. */
__asm__(".text\n.globl asm_label\nasm_label:\n  nop\n  nop\n  ret\n");

int main(int argc, char **argv) {
    (void)argv;
    counter = argc;
    printf("%d\n", global_work(argc * 10) + weak_fn(argc) + alias_name(argc));
    return 0;
}
