/* Built with -fno-asynchronous-unwind-tables -fno-unwind-tables: its CFI is only in .debug_frame (issue 10 point 1/2). */
extern long chain_cb(long n);
extern volatile long g_sink;

__attribute__((noinline)) long chain_inner(long n) { long r = chain_cb(n * 2); g_sink = r; return r - 1; }
__attribute__((noinline)) long chain_outer(long n) { long r = chain_inner(n + 4); g_sink = r; return r + 9; }
