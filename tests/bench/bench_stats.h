/* bench_stats.h - the order statistics the benchmarks print (header only: each benchmark is
 * one source file, built on request; tests/bench/README.md). */
#ifndef DERM_BENCH_STATS_H
#define DERM_BENCH_STATS_H

#include <stdlib.h>

/* qsort's comparison of doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and minimum of t[0..n) (sorts t). */
static inline void bench_median_min(double *t, int n, double *med, double *min)
{
    qsort(t, (size_t)n, sizeof *t, bench_cmp_double);
    *med = t[n / 2];
    *min = t[0];
}

#endif
