/* The benchmarked workload of scripts/verdict-quality-real.py: real work whose amount is
 * scaled, so a "+10 %" build really does 10 % more iterations.
 *
 *   work cpu|mem ITERATIONS SAMPLES
 *
 * cpu: an integer hash loop (registers only). mem: a dependent random walk over a 64 MiB
 * table (cache and memory bound, sensitive to neighbours on a shared machine). One warmup
 * sample, then SAMPLES samples, each printed as "wall_ns cpu_ns" (CLOCK_MONOTONIC and
 * CLOCK_PROCESS_CPUTIME_ID around the loop), as a benchmark harness measures in-process. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#define TABLE (8u << 20) /* 8 Mi entries of 4 bytes: 32 MiB */

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: work cpu|mem ITERATIONS SAMPLES\n");
        return 2;
    }
    int mem = strcmp(argv[1], "mem") == 0;
    uint64_t iters = strtoull(argv[2], 0, 10);
    int samples = atoi(argv[3]);
    uint32_t *table = 0;
    if (mem) {
        table = malloc(sizeof(uint32_t) * TABLE);
        if (!table) return 1;
        uint64_t s = 88172645463325252ull;
        for (uint32_t i = 0; i < TABLE; i++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            table[i] = (uint32_t)(s & (TABLE - 1));
        }
    }
    volatile uint64_t sink = 0;
    for (int k = 0; k <= samples; k++) {
        uint64_t w0 = ns(CLOCK_MONOTONIC), c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
        uint64_t acc = 0x9E3779B97F4A7C15ull;
        if (mem) {
            uint32_t at = (uint32_t)k;
            for (uint64_t i = 0; i < iters; i++) { at = table[at] ^ (uint32_t)i; at &= TABLE - 1; acc += at; }
        } else {
            for (uint64_t i = 0; i < iters; i++) { acc ^= acc << 13; acc ^= acc >> 7; acc ^= acc << 17; acc *= 0xff51afd7ed558ccdull; }
        }
        sink += acc;
        uint64_t w1 = ns(CLOCK_MONOTONIC), c1 = ns(CLOCK_PROCESS_CPUTIME_ID);
        if (k > 0) printf("%llu %llu\n", (unsigned long long)(w1 - w0), (unsigned long long)(c1 - c0));
    }
    return (int)(sink & 0) ;
}
