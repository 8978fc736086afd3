/* bench_sums.c - whole-grid sums in index order: one serial loop per array against
 * derm_grid_sums_serial (the same bits; the settle's twelve sums per step use it).
 *
 * For K arrays of n values (default 12 arrays of 10^6, what the settle adds per step for the
 * reference: nine signal levels and three deposits) it prints the median and minimum wall
 * time of the K plain serial loops and of derm_grid_sums_serial at 1 and N =
 * omp_get_max_threads() threads, the ratios, and whether every sum is bit-identical (exit
 * status 1 if not).
 * Usage: bench_sums [n [K [reps]]]
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"
#include "derm/core/grid.h"

int main(int argc, char **argv)
{
    const int64_t n = argc > 1 ? atoll(argv[1]) : 1000000;
    const int K = argc > 2 ? atoi(argv[2]) : 12, reps = argc > 3 ? atoi(argv[3]) : 21;
    if (n < 1 || K < 1 || K > 64 || reps < 1 || reps > 10000) {
        fprintf(stderr, "usage: bench_sums [n >= 1 [K in 1..64 [reps in 1..10000]]]\n");
        return 2;
    }
    double *x[64], want[64], got[64], *t = malloc(sizeof(double) * (size_t)reps);
    if (!t) return 1;
    uint64_t r = 88172645463325252ull;
    for (int j = 0; j < K; j++) {
        if (!(x[j] = malloc(sizeof(double) * (size_t)n))) return 1;
        for (int64_t v = 0; v < n; v++) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            x[j][v] = (double)(r >> 11) * 0x1.0p-53;
        }
    }
    const int N = omp_get_max_threads();
    printf("%d sums of %lld values, %d reps (median / min wall ms)\n", K, (long long)n, reps);
    double serial_med = 0.0, med, min;
    for (int i = 0; i < reps; i++) {
        const double t0 = omp_get_wtime();
        for (int j = 0; j < K; j++) {
            double s = 0.0;
            for (int64_t v = 0; v < n; v++) s += x[j][v];
            want[j] = s;
        }
        t[i] = omp_get_wtime() - t0;
    }
    bench_median_min(t, reps, &serial_med, &min);
    printf("  serial loops, one per array     %8.3f / %8.3f\n", 1e3 * serial_med, 1e3 * min);
    int same = 1;
    const int counts[2] = {1, N};
    for (int c = 0; c < (N > 1 ? 2 : 1); c++) {
        omp_set_num_threads(counts[c]);
        for (int i = 0; i < reps; i++) {
            memset(got, 0, sizeof got);
            const double t0 = omp_get_wtime();
            derm_grid_sums_serial((const double *const *)x, K, n, got);
            t[i] = omp_get_wtime() - t0;
            for (int j = 0; j < K; j++) same &= memcmp(&got[j], &want[j], sizeof(double)) == 0;
        }
        bench_median_min(t, reps, &med, &min);
        printf("  derm_grid_sums_serial, %d thread(s) %8.3f / %8.3f   serial / this: %.2f\n", counts[c], 1e3 * med,
               1e3 * min, serial_med / med);
    }
    printf("bit-identical to the serial loops: %s\n", same ? "yes" : "NO");
    for (int j = 0; j < K; j++) free(x[j]);
    free(t);
    return same ? 0 : 1;
}
