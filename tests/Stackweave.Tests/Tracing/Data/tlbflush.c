// Two threads on two CPUs; one maps, touches and unmaps memory so the kernel sends TLB-flush IPIs to the other.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

static atomic_int stop;

static void *spin(void *arg)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(1, &set);
    sched_setaffinity(0, sizeof set, &set);
    while (!atomic_load(&stop)) { }
    return arg;
}

int main(void)
{
    pthread_t t;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
    pthread_create(&t, 0, spin, 0);
    for (int i = 0; i < 20; i++) {
        char *p = mmap(0, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int k = 0; k < (1 << 16); k += 4096) p[k] = 1;
        munmap(p, 1 << 16);
    }
    atomic_store(&stop, 1);
    pthread_join(t, 0);
    return 0;
}
