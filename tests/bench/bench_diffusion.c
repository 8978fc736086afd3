/* bench_diffusion.c - wall time of derm_diffusion_step on the production-size grid.
 *
 * Grid 100 x 100 x 100 voxels, h = 10 um, vascular bottom (the params.def default), the
 * nine signals of params.def with their default D and half-lives, dt = 168 h (one week),
 * sources from 3000 scattered "cells" plus a layer at the DEJ, so every transform signal
 * takes the residual (source) path. Two signal sets are timed:
 *   "defaults":  D and half-lives exactly as in params.def (ROS, D = 1 um^2/s with a 3.6 s
 *                half-life, fails the local criterion 12 D/h^2 < 1e-3 k and is transformed);
 *   "ros local": the same with D_ros = 0, so ROS takes the per-voxel path (8 transforms).
 * For each set it prints the per-signal path, then for 1 thread and for the maximum thread
 * count (omp_get_max_threads at start) the median and minimum wall time of one step of all
 * signals, the signal-voxel updates per second, the speed-up, and whether both thread
 * counts gave bit-identical fields (exit status 1 if not).
 * Usage: bench_diffusion [n [reps [bottom_vascular]]]   (defaults 100, 7, 1; grid n^3)
 */
#include "derm/solve/diffusion.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSIG 9

struct bench_timing {
    double median_s, min_s;
};

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/** Time `reps` steps from the same initial state with `nthreads` (after one untimed step,
 *  which also builds the dt-dependent multipliers). */
static struct bench_timing time_steps(struct derm_diffusion *d, int nthreads, int reps, double **c, double *const *c0,
                                      const double *const *src, int64_t n, double dt)
{
    double t[64];
    if (reps > 64) reps = 64;
    if (reps < 1) reps = 1;
    omp_set_num_threads(nthreads);
    struct derm_err err;
    for (int r = 0; r < reps + 1; ++r) {
        for (int s = 0; s < NSIG; ++s) memcpy(c[s], c0[s], (size_t)n * sizeof(double));
        const double t0 = omp_get_wtime();
        if (derm_diffusion_step(d, c, src, dt, &err) != DERM_OK) {
            fprintf(stderr, "bench_diffusion: %s\n", err.msg);
            exit(1);
        }
        const double t1 = omp_get_wtime();
        if (r > 0) t[r - 1] = t1 - t0;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp_double);
    struct bench_timing bt = {t[reps / 2], t[0]};
    return bt;
}

/** Create a solver for one signal set, time it at 1 and `maxthreads` threads, print.
 *  Returns 1 if the two thread counts gave different bits. */
static int run_set(const char *label, const struct derm_grid *g, const char *const *name, const double *D,
                   const double *k, int vascular, int reps, int maxthreads, double **c, double *const *c0,
                   const double *const *src, double **ref, double dt)
{
    const int64_t n = g->n;
    struct derm_diffusion *d = NULL;
    struct derm_err err;
    if (derm_diffusion_create(&d, g, NSIG, D, k, vascular, &err) != DERM_OK) {
        fprintf(stderr, "bench_diffusion: %s\n", err.msg);
        exit(1);
    }
    printf("\n[%s]\n", label);
    int nlocal = 0;
    for (int s = 0; s < NSIG; ++s) {
        const int local = D[s] == 0.0 || 12.0 * D[s] / (g->h_um * g->h_um) < 1e-3 * k[s];
        nlocal += local;
        printf("  %-9s D = %9.1f um^2/h  k = %9.4f 1/h  (12 D/h^2)/k = %9.3g  -> %s\n", name[s], D[s], k[s],
               12.0 * D[s] / (g->h_um * g->h_um) / k[s], local ? "local" : "transform");
    }
    const struct bench_timing t1 = time_steps(d, 1, reps, c, c0, src, n, dt);
    for (int s = 0; s < NSIG; ++s) memcpy(ref[s], c[s], (size_t)n * sizeof(double));
    const struct bench_timing tn = time_steps(d, maxthreads, reps, c, c0, src, n, dt);
    int same = 1;
    for (int s = 0; s < NSIG; ++s) same &= memcmp(ref[s], c[s], (size_t)n * sizeof(double)) == 0;
    derm_diffusion_free(d);

    const double updates = (double)NSIG * (double)n;
    printf("  1 thread : median %7.1f ms/step, min %7.1f ms  (%d signals, %d transformed), "
           "%.3g signal-voxel updates/s\n",
           t1.median_s * 1e3, t1.min_s * 1e3, NSIG, NSIG - nlocal, updates / t1.median_s);
    printf("  %d threads: median %7.1f ms/step, min %7.1f ms, %.3g signal-voxel updates/s\n", maxthreads,
           tn.median_s * 1e3, tn.min_s * 1e3, updates / tn.median_s);
    printf("  speed-up %d threads / 1 thread: %.2f (median), %.2f (min); bit-identical: %s\n", maxthreads,
           t1.median_s / tn.median_s, t1.min_s / tn.min_s, same ? "yes" : "NO");
    return !same;
}

int main(int argc, char **argv)
{
    const int64_t nx = argc > 1 ? atoll(argv[1]) : 100;
    const int reps = argc > 2 ? atoi(argv[2]) : 7;
    const int vascular = argc > 3 ? atoi(argv[3]) : 1;
    if (nx < 1 || reps < 1 || (vascular != 0 && vascular != 1)) {
        fprintf(stderr, "usage: bench_diffusion [n >= 1 [reps >= 1 [bottom_vascular 0|1]]]\n");
        return 2;
    }
    const struct derm_grid g = {.nx = nx, .ny = nx, .nz = nx, .h_um = 10.0, .n = nx * nx * nx};
    const int64_t n = g.n;
    const double dt = 168.0;
    /* params.def defaults: D in um^2/s, half-life in h */
    const char *const name[NSIG] = {"tgfb", "mmp1", "mmp3", "timp", "ros", "il", "gf", "chemokine", "exosome"};
    const double D_um2_per_s[NSIG] = {5, 10, 10, 15, 1, 20, 20, 30, 0.05};
    const double half_life_h[NSIG] = {2, 24, 24, 24, 0.001, 6, 12, 4, 48};
    const int ros = 4;
    double D[NSIG], k[NSIG], D_roslocal[NSIG];
    for (int s = 0; s < NSIG; ++s) {
        D[s] = D_um2_per_s[s] * 3600.0;
        k[s] = log(2.0) / half_life_h[s];
        D_roslocal[s] = s == ros ? 0.0 : D[s];
    }

    double *c[NSIG], *c0[NSIG], *src[NSIG], *ref[NSIG];
    srand(12345);
    for (int s = 0; s < NSIG; ++s) {
        c[s] = malloc((size_t)n * sizeof(double));
        c0[s] = malloc((size_t)n * sizeof(double));
        src[s] = calloc((size_t)n, sizeof(double));
        ref[s] = malloc((size_t)n * sizeof(double));
        if (!c[s] || !c0[s] || !src[s] || !ref[s]) {
            fprintf(stderr, "bench_diffusion: out of memory\n");
            return 1;
        }
        for (int64_t v = 0; v < n; ++v) c0[s][v] = 1.0 + 0.1 * (double)rand() / RAND_MAX;
        for (int64_t v = 0; v < g.nx * g.ny; ++v) src[s][v] = 0.5; /* DEJ layer */
        for (int a = 0; a < 3000; ++a) src[s][rand() % n] += 1.0;  /* scattered cells */
    }

    const int maxthreads = omp_get_max_threads();
    printf("grid %lldx%lldx%lld (%lld voxels), h = %g um, %s bottom, dt = %g h, %d signals, "
           "%d reps (+1 warm-up), max threads %d\n",
           (long long)g.nx, (long long)g.ny, (long long)g.nz, (long long)n, g.h_um, vascular ? "vascular" : "no-flux",
           dt, NSIG, reps, maxthreads);
    int bad = 0;
    bad |= run_set("defaults", &g, name, D, k, vascular, reps, maxthreads, c, c0, (const double *const *)src, ref, dt);
    bad |= run_set("ros local (D_ros = 0)", &g, name, D_roslocal, k, vascular, reps, maxthreads, c, c0,
                   (const double *const *)src, ref, dt);

    for (int s = 0; s < NSIG; ++s) {
        free(c[s]);
        free(c0[s]);
        free(src[s]);
        free(ref[s]);
    }
    return bad;
}
