/* bench_machine.c - what this machine gives a second thread, for work shaped like a step.
 *
 * The 2-thread target of issue 10 (>= 1.8x of 1 thread on the reference step) is bounded
 * by the machine as well as by the code: a phase that streams the voxel grid from memory
 * cannot scale past the memory system, and a phase of many short parallel loops pays the
 * wake-up of the sleeping threads at every loop (OMP_WAIT_POLICY=PASSIVE alone; dermsim's
 * default adds GOMP_SPINCOUNT=1000: README, Threads). This benchmark measures those ceilings with plain loops, no
 * dermsim code, each at 1 thread and at N = omp_get_max_threads() threads, printing the median and minimum wall time
 * and the speed-up N over 1 (of the minima):
 *   - stream: the matrix kernel's traffic, K arrays of n doubles (default 8 of 10^6: the
 *     reference's eight matrix fields, 64 MB, far beyond the caches) each read and
 *     written back (x = a x + b), plus four arrays only read (the deposits and a signal),
 *     as bytes per second;
 *   - compute: the same number of voxels, but each an exp() and a division on values that
 *     stay in the first-level cache (no memory traffic): how far the cores themselves scale;
 *   - gather: 1.4e4 reads per pass at random voxels of one array of n doubles, as the
 *     agent phases read the fields at the cells' voxels (latency-bound);
 *   - regions: an empty parallel loop of N iterations, in microseconds per loop: the cost of
 *     waking the threads, which a step pays about 60-70 times (141 futex calls per step of
 *     the reference at 2 threads, counted with perf stat);
 *   - balance: every thread the same in-cache work (~1 ms), BALANCE_SAMPLES times back to
 *     back, then as many BALANCE_GAP_MS (15) ms apart (~10 s; a waiting thread then sleeps, as one does at a
 *     step's long serial gaps under passive waiting). In each sample a static split of work
 *     among the N threads reaches (sum of their times) / (the slowest's time), N when every
 *     core runs the same work as fast: printed as its median, 10th percentile and minimum
 *     over the samples. A core that runs the same work slower in some samples (on a shared
 *     virtual machine, the host's doing) lowers it, and with it the ceiling of every static
 *     loop of the step; the speed-ups above, taken of the minima, do not show that.
 * Numbers, not pass/fail (the machines are shared and noisy: quote `uptime` with them).
 * Usage: bench_machine [n [K [reps]]]
 */
#include "bench_stats.h"
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum {
    NREAD = 4,
    LOCAL = 4096,
    NGATHER = 14000,
    REGIONS = 2000,
    BALANCE_SAMPLES = 600,
    BALANCE_WORK = 150000,
    BALANCE_GAP_MS = 15
};

static double sink; /* keeps results alive */

/* One pass of each kind on `threads` threads; returns its wall seconds. */
static double stream_pass(double **x, double **r, int K, int64_t n, int threads)
{
    const double t0 = omp_get_wtime();
    double s = 0.0;
#pragma omp parallel for schedule(static) num_threads(threads) reduction(+ : s)
    for (int64_t v = 0; v < n; v++) {
        double in = 0.0;
        for (int j = 0; j < NREAD; j++) in += r[j][v];
        for (int j = 0; j < K; j++) x[j][v] = 0.999 * x[j][v] + 1e-3 * in;
        s += in;
    }
    sink += s;
    return omp_get_wtime() - t0;
}

static double compute_pass(int64_t n, int threads)
{
    const double t0 = omp_get_wtime();
    double s = 0.0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
    {
        double local[LOCAL];
        for (int i = 0; i < LOCAL; i++) local[i] = 1e-3 * (double)(i + omp_get_thread_num());
#pragma omp for schedule(static)
        for (int64_t v = 0; v < n; v++) {
            const int i = (int)(v & (LOCAL - 1));
            local[i] = exp(-local[i]) / (1.0 + local[i]);
            s += local[i];
        }
    }
    sink += s;
    return omp_get_wtime() - t0;
}

static double gather_pass(const double *a, const int64_t *idx, int passes, int threads)
{
    const double t0 = omp_get_wtime();
    double s = 0.0;
    for (int p = 0; p < passes; p++) {
#pragma omp parallel for schedule(static) num_threads(threads) reduction(+ : s)
        for (int64_t q = 0; q < NGATHER; q++) s += a[idx[(q + p) % NGATHER]];
    }
    sink += s;
    return omp_get_wtime() - t0;
}

static double region_pass(int threads)
{
    const double t0 = omp_get_wtime();
    double s = 0.0;
    for (int i = 0; i < REGIONS; i++) {
#pragma omp parallel for schedule(static) num_threads(threads) reduction(+ : s)
        for (int t = 0; t < threads; t++) s += (double)(t + i);
    }
    sink += s;
    return (omp_get_wtime() - t0) / REGIONS;
}

/* The share of the n sorted values below x. */
static double below(const double *sorted, int n, double x)
{
    int i = 0;
    while (i < n && sorted[i] < x) i++;
    return (double)i / n;
}

/* BALANCE_SAMPLES samples of the same work on each of `threads` threads: cap[i] = (sum of the
 * threads' times) / (the slowest's) in sample i, the speed-up a static split reaches there. */
static void balance_pass(int threads, int gap_ms, double *cap)
{
    double *tt = malloc(sizeof(double) * (size_t)threads);
    const struct timespec gap = {0, gap_ms * 1000000L};
    if (!tt) return;
    for (int i = 0; i < BALANCE_SAMPLES; i++) {
        double s = 0.0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
        {
            const int t = omp_get_thread_num();
            double x = 1e-3 * (double)(t + 1), acc = 0.0;
            const double t0 = omp_get_wtime();
            for (int v = 0; v < BALANCE_WORK; v++) {
                x = exp(-x) / (1.0 + x);
                acc += x;
            }
            tt[t] = omp_get_wtime() - t0;
            s += acc;
        }
        sink += s;
        double sum = 0.0, max = 0.0;
        for (int t = 0; t < threads; t++) {
            sum += tt[t];
            max = tt[t] > max ? tt[t] : max;
        }
        cap[i] = max > 0.0 ? sum / max : (double)threads;
        if (gap_ms > 0) nanosleep(&gap, NULL); /* the threads asleep between samples */
    }
    free(tt);
}

int main(int argc, char **argv)
{
    const int64_t n = argc > 1 ? atoll(argv[1]) : 1000000;
    const int K = argc > 2 ? atoi(argv[2]) : 8, reps = argc > 3 ? atoi(argv[3]) : 11;
    if (n < 1 || n > (INT64_C(1) << 32) || K < 1 || K > 64 || reps < 1 || reps > 1000) {
        fprintf(stderr, "usage: bench_machine [n in 1..2^32 [K in 1..64 [reps in 1..1000]]]\n");
        return 2;
    }
    double *x[64], *r[NREAD], *t = malloc(sizeof(double) * (size_t)reps);
    int64_t *idx = malloc(sizeof(int64_t) * NGATHER);
    if (!t || !idx) return 1;
    for (int j = 0; j < K; j++)
        if (!(x[j] = malloc(sizeof(double) * (size_t)n))) return 1;
    for (int j = 0; j < NREAD; j++)
        if (!(r[j] = malloc(sizeof(double) * (size_t)n))) return 1;
            /* first touch in parallel, as the simulator's arrays are written by its loops */
#pragma omp parallel for schedule(static)
    for (int64_t v = 0; v < n; v++) {
        for (int j = 0; j < K; j++) x[j][v] = 1.0;
        for (int j = 0; j < NREAD; j++) r[j][v] = 1e-3 * (double)j;
    }
    uint64_t s = 88172645463325252ull;
    for (int q = 0; q < NGATHER; q++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        idx[q] = (int64_t)(s % (uint64_t)n);
    }
    const int N = omp_get_max_threads();
    const double bytes = (double)n * (double)(2 * K + NREAD) * sizeof(double);
    printf("bench_machine: %d threads against 1 (OMP_WAIT_POLICY %s, GOMP_SPINCOUNT %s); %d reps, median / min\n", N,
           getenv("OMP_WAIT_POLICY") ? getenv("OMP_WAIT_POLICY") : "(unset)",
           getenv("GOMP_SPINCOUNT") ? getenv("GOMP_SPINCOUNT") : "(unset)", reps);
    printf("%-9s %-44s %18s %18s %8s\n", "kind", "what", "1 thread", "N threads", "N / 1");
    const char *const kinds[4] = {"stream", "compute", "gather", "regions"};
    for (int kind = 0; kind < 4; kind++) {
        double med[2], min[2];
        for (int c = 0; c < 2; c++) {
            const int threads = c == 0 ? 1 : N;
            for (int i = 0; i < reps; i++)
                t[i] = kind == 0   ? stream_pass(x, r, K, n, threads)
                       : kind == 1 ? compute_pass(n, threads)
                       : kind == 2 ? gather_pass(r[0], idx, 20, threads)
                                   : region_pass(threads);
            bench_median_min(t, reps, &med[c], &min[c]);
        }
        char what[64], v1[40], vn[40];
        if (kind == 0) {
            snprintf(what, sizeof what, "%d arrays read+written, %d read (%.0f MB)", K, NREAD, bytes / 1e6);
            snprintf(v1, sizeof v1, "%.1f / %.1f GB/s", bytes / med[0] / 1e9, bytes / min[0] / 1e9);
            snprintf(vn, sizeof vn, "%.1f / %.1f GB/s", bytes / med[1] / 1e9, bytes / min[1] / 1e9);
        } else if (kind == 1) {
            snprintf(what, sizeof what, "%lld exp and divide, in cache", (long long)n);
            snprintf(v1, sizeof v1, "%.2f / %.2f ms", 1e3 * med[0], 1e3 * min[0]);
            snprintf(vn, sizeof vn, "%.2f / %.2f ms", 1e3 * med[1], 1e3 * min[1]);
        } else if (kind == 2) {
            snprintf(what, sizeof what, "20 x %d random reads of one array", NGATHER);
            snprintf(v1, sizeof v1, "%.2f / %.2f ms", 1e3 * med[0], 1e3 * min[0]);
            snprintf(vn, sizeof vn, "%.2f / %.2f ms", 1e3 * med[1], 1e3 * min[1]);
        } else {
            snprintf(what, sizeof what, "an empty parallel loop");
            snprintf(v1, sizeof v1, "%.2f / %.2f us", 1e6 * med[0], 1e6 * min[0]);
            snprintf(vn, sizeof vn, "%.2f / %.2f us", 1e6 * med[1], 1e6 * min[1]);
        }
        if (kind == 3)
            printf("%-9s %-44s %18s %18s %8s\n", kinds[kind], what, v1, vn, "-");
        else
            printf("%-9s %-44s %18s %18s %8.2f\n", kinds[kind], what, v1, vn, min[0] / min[1]);
    }
    double *cap = malloc(sizeof(double) * BALANCE_SAMPLES);
    for (int gi = 0; cap && N > 1 && gi < 2; gi++) {
        const int gap = gi == 0 ? 0 : BALANCE_GAP_MS;
        balance_pass(N, gap, cap);
        qsort(cap, BALANCE_SAMPLES, sizeof *cap, bench_cmp_double);
        char what[64];
        if (gap > 0)
            snprintf(what, sizeof what, "the same work on each thread, %d ms apart", gap);
        else
            snprintf(what, sizeof what, "the same work on each thread, back to back");
        printf("%-9s %-44s a static split reaches %.2f (median), %.2f (10th percentile), %.2f (min); %.1f %% of "
               "%d samples below 1.8\n",
               "balance", what, cap[BALANCE_SAMPLES / 2], cap[BALANCE_SAMPLES / 10], cap[0],
               100.0 * below(cap, BALANCE_SAMPLES, 1.8), BALANCE_SAMPLES);
    }
    free(cap);
    printf("(speed-ups are of the minima; the stream's is the most a phase bound by memory traffic can reach)\n");
    for (int j = 0; j < K; j++) free(x[j]);
    for (int j = 0; j < NREAD; j++) free(r[j]);
    free(t);
    free(idx);
    return sink == 12345.678 ? 3 : 0;
}
