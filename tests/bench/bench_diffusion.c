/* bench_diffusion.c - wall time of derm_diffusion_step for the reference run's signals and
 * for a PhysiCell-sized problem.
 *
 * Two signal sets, each timed at 1 thread and at N = omp_get_max_threads() threads:
 *   "reference": what configs/reference.yaml runs. The signals, their D, half-lives and
 *       young levels and the bottom boundary come from the parameter table (reference.yaml
 *       sets none of them; -c CONFIG loads a configuration on top instead), the grid is
 *       reference.yaml's (100^3 voxels of 10 um) and dt is run.dt_hours (168 h). Sources are
 *       what resident cells make: one point source per fibroblast (density x volume, papillary
 *       layer denser) in every signal with a young level > 0, plus the systemic growth factor
 *       as a uniform source; no source and a zero field for the others (the exosome, made only
 *       by treatments). So, as in the run, ROS (D = 0) takes the per-voxel path, the exosome
 *       field is skipped (zero field, no source) and seven signals are transformed.
 *   "physicell-equivalent": six transformed signals (the first six transformed signals of
 *       the reference set, with their D and k) on the same 1e6 voxels at 10 um, no-flux
 *       bottom, 1e4 point-source cells, dt = the reference step. The settings of the
 *       comparison in issue 10 (PhysiCell 1.14.2, 6 substrates, 1e4 cells, same grid).
 * For each set it prints the path of every signal and the transformed ones, the median and
 * minimum wall time of one step of all signals at 1 and N threads, the signal-voxel updates
 * per second (signals advanced, i.e. transformed + per-voxel, times voxels, per second), the
 * speed-up N / 1 and whether both thread counts gave bit-identical fields (exit status 1 if
 * not).
 * Each set is timed twice: every signal on the voxel grid, then each on the coarser grid
 * its decay length allows (sim/solve/signal_grids.c, domain.signal_voxel_ratio = RATIO,
 * default 0.125); it prints the factors, the speed-up and how far the coarse fields are from
 * the voxel-grid ones after one step (worst voxel; mean at the cells' voxels).
 * Usage: bench_diffusion [-c CONFIG] [-r RATIO] [n [reps [bottom_vascular]]]
 *   n: grid n^3 for both sets (default: the reference grid, 100); reps: timed steps per
 *   thread count (default 7, after one untimed warm-up); bottom_vascular 0|1 overrides the
 *   reference set's bottom boundary.
 */
#include "derm/solve/diffusion.h"
#include "derm/solve/signal_grids.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"
#include "derm/core/units.h"
#include "derm/inputs/schedule.h"
#include "derm/io/config.h"
#include "derm/io/params.h"
#include "derm/store/fields.h"

#define BENCH_MAXSIG DERM_NSIGNAL
#define BENCH_MAXREPS 64
#define BENCH_PHYSICELL_SIGNALS 6
#define BENCH_PHYSICELL_CELLS 10000

enum bench_path { PATH_TRANSFORM, PATH_LOCAL, PATH_IDLE };
static const char *const path_name[] = {"transform", "local (per voxel)", "idle (zero field, no source: skipped)"};

/* One signal set: coefficients, which signals have sources, where the sources sit. */
struct bench_set {
    const char *label;
    struct derm_grid g;
    int vascular;
    double dt_h;
    int nsig;
    const char *name[BENCH_MAXSIG];
    double D[BENCH_MAXSIG], k[BENCH_MAXSIG]; /* um^2/h, 1/h */
    int secreted[BENCH_MAXSIG];              /* point sources at the cells */
    double uniform[BENCH_MAXSIG];            /* plus a uniform source (systemic growth factor) */
    int64_t ncells;
    double papillary_ratio, papillary_um; /* cell density above papillary_um is ratio x below */
};

struct bench_timing {
    double median_s, min_s;
};

/* splitmix64: a deterministic stream independent of the C library */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }

/** The path the solver takes for a signal: its own criterion (sim/solve/diffusion.c:
 *  D = 0 or 12 D/h^2 < 1e-3 k is per voxel), and a transformed signal with a zero field and
 *  no source is skipped. */
static enum bench_path signal_path(const struct bench_set *b, int s)
{
    const double h2 = b->g.h_um * b->g.h_um;
    if (b->D[s] == 0.0 || 12.0 * b->D[s] / h2 < 1e-3 * b->k[s]) return PATH_LOCAL;
    if (!b->secreted[s] && b->uniform[s] == 0.0) return PATH_IDLE; /* the bench starts idle fields at 0 */
    return PATH_TRANSFORM;
}

/** Time `reps` steps from the same initial state with `nthreads` (after one untimed step,
 *  which also builds the dt-dependent multipliers). */
static struct bench_timing time_steps(struct derm_signal_grids *d, const struct bench_set *b, int nthreads, int reps,
                                      double **c, double *const *c0, const double *const *src)
{
    double t[BENCH_MAXREPS];
    const size_t bytes = (size_t)b->g.n * sizeof(double);
    omp_set_num_threads(nthreads);
    struct derm_err err;
    for (int r = 0; r < reps + 1; ++r) {
        for (int s = 0; s < b->nsig; ++s) memcpy(c[s], c0[s], bytes);
        if (derm_signal_grids_load(d, c) != 0) { /* coarse states from the initial fields (untimed) */
            fprintf(stderr, "bench_diffusion: out of memory\n");
            exit(1);
        }
        const double t0 = omp_get_wtime();
        if (derm_signal_grids_step(d, c, src, b->dt_h, &err) != DERM_OK) {
            fprintf(stderr, "bench_diffusion: %s\n", err.msg);
            exit(1);
        }
        const double t1 = omp_get_wtime();
        if (r > 0) t[r - 1] = t1 - t0;
    }
    qsort(t, (size_t)reps, sizeof t[0], bench_cmp_double);
    return (struct bench_timing){t[reps / 2], t[0]};
}

static void *xmalloc(size_t bytes, int zero)
{
    void *p = zero ? calloc(1, bytes) : malloc(bytes);
    if (!p) {
        fprintf(stderr, "bench_diffusion: out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return p;
}

/** Fields and sources of a set: fields 1 + 10 % noise where the signal is present (0 where
 *  it is idle), sources at the cells' voxels (depth-weighted placement) and uniform ones. */
static void fill_set(const struct bench_set *b, double **c0, double **src)
{
    const struct derm_grid *g = &b->g;
    const int64_t n = g->n, np = g->nx * g->ny;
    uint64_t seed = 12345;
    for (int s = 0; s < b->nsig; ++s) {
        const int idle = signal_path(b, s) == PATH_IDLE;
        for (int64_t v = 0; v < n; ++v) c0[s][v] = idle ? 0.0 : 1.0 + 0.1 * rng_unit(&seed);
        for (int64_t v = 0; v < n; ++v) src[s][v] = b->uniform[s];
    }
    /* cells: papillary layer (depth < papillary_um) papillary_ratio times as dense */
    const int64_t npap = (int64_t)fmin((double)g->nz, ceil(b->papillary_um / g->h_um));
    const double wpap = b->papillary_ratio * (double)npap, wall = wpap + (double)(g->nz - npap);
    for (int64_t a = 0; a < b->ncells; ++a) {
        const int64_t kz = rng_unit(&seed) * wall < wpap ? (int64_t)(rng_unit(&seed) * (double)npap)
                                                         : npap + (int64_t)(rng_unit(&seed) * (double)(g->nz - npap));
        const int64_t v = (kz < g->nz ? kz : g->nz - 1) * np + (int64_t)(rng_next(&seed) % (uint64_t)np);
        for (int s = 0; s < b->nsig; ++s)
            if (b->secreted[s]) src[s][v] += 1.0;
    }
}

/** Create a solver for one set with signal grid ratio `ratio` (0: every signal on the voxel
 *  grid), time it at 1 and `maxthreads` threads, print; the fields after one step are left
 *  in out[] (if given) and the median 1-thread time in *t1_s. Returns 1 if the two thread
 *  counts gave different bits. */
static int run_set(const struct bench_set *b, int reps, int maxthreads, double ratio, double **out, double *t1_s)
{
    const int64_t n = b->g.n;
    const size_t bytes = (size_t)n * sizeof(double);
    double *c[BENCH_MAXSIG], *c0[BENCH_MAXSIG], *src[BENCH_MAXSIG], *ref[BENCH_MAXSIG];
    for (int s = 0; s < b->nsig; ++s) {
        c[s] = xmalloc(bytes, 0);
        c0[s] = xmalloc(bytes, 0);
        src[s] = xmalloc(bytes, 0);
        ref[s] = xmalloc(bytes, 0);
    }
    fill_set(b, c0, src);

    int count[3] = {0, 0, 0};
    printf("\n[%s]%s\n", b->label, ratio > 0.0 ? " on coarser signal grids" : "");
    printf("  grid %lldx%lldx%lld (%lld voxels), h = %g um, %s bottom, dt = %g h, %lld point-source cells\n",
           (long long)b->g.nx, (long long)b->g.ny, (long long)b->g.nz, (long long)n, b->g.h_um,
           b->vascular ? "vascular" : "no-flux", b->dt_h, (long long)b->ncells);
    for (int s = 0; s < b->nsig; ++s) {
        const enum bench_path p = signal_path(b, s);
        count[p]++;
        const char *srcs = b->secreted[s] ? (b->uniform[s] > 0.0 ? "cells + uniform" : "cells")
                                          : (b->uniform[s] > 0.0 ? "uniform" : "none");
        printf("  %-9s D = %9.1f um^2/h  k = %9.4g 1/h  (12 D/h^2)/k = %9.3g  source %-15s -> %s\n", b->name[s],
               b->D[s], b->k[s], 12.0 * b->D[s] / (b->g.h_um * b->g.h_um) / b->k[s], srcs, path_name[p]);
    }
    printf("  %d signals: %d transformed (", b->nsig, count[PATH_TRANSFORM]);
    for (int s = 0, first = 1; s < b->nsig; ++s)
        if (signal_path(b, s) == PATH_TRANSFORM) {
            printf("%s%s", first ? "" : " ", b->name[s]);
            first = 0;
        }
    printf("), %d local, %d idle\n", count[PATH_LOCAL], count[PATH_IDLE]);

    struct derm_signal_grids *d = NULL;
    struct derm_err err;
    if (derm_signal_grids_create(&d, &b->g, b->nsig, b->D, b->k, b->vascular, ratio, &err) != DERM_OK) {
        fprintf(stderr, "bench_diffusion: %s\n", err.msg);
        exit(1);
    }
    printf("  domain.signal_voxel_ratio = %g: grid factor per signal:", ratio);
    for (int s = 0; s < b->nsig; ++s) printf(" %s %lld", b->name[s], (long long)derm_signal_grids_factor(d, s));
    printf("\n");
    const struct bench_timing t1 = time_steps(d, b, 1, reps, c, c0, (const double *const *)src);
    for (int s = 0; s < b->nsig; ++s) memcpy(ref[s], c[s], bytes);
    const struct bench_timing tn = time_steps(d, b, maxthreads, reps, c, c0, (const double *const *)src);
    int same = 1;
    for (int s = 0; s < b->nsig; ++s) same &= memcmp(ref[s], c[s], bytes) == 0;
    derm_signal_grids_free(d);
    if (out)
        for (int s = 0; s < b->nsig; ++s) memcpy(out[s], c[s], bytes);
    *t1_s = t1.median_s;

    /* signals advanced: transformed and per-voxel ones (idle ones are not touched) */
    const int advanced = count[PATH_TRANSFORM] + count[PATH_LOCAL];
    const double updates = (double)advanced * (double)n;
    printf("  1 thread : median %8.1f ms/step, min %8.1f ms, %.3g signal-voxel updates/s (%d signals advanced x "
           "%lld voxels)\n",
           t1.median_s * 1e3, t1.min_s * 1e3, updates / t1.median_s, advanced, (long long)n);
    printf("  %d threads: median %8.1f ms/step, min %8.1f ms, %.3g signal-voxel updates/s\n", maxthreads,
           tn.median_s * 1e3, tn.min_s * 1e3, updates / tn.median_s);
    if (count[PATH_TRANSFORM] > 0)
        printf("  step time per transformed signal: %.1f ms (1 thread, median)\n",
               t1.median_s * 1e3 / count[PATH_TRANSFORM]);
    printf("  speed-up %d threads / 1 thread: %.2f (median), %.2f (min); bit-identical: %s\n", maxthreads,
           t1.median_s / tn.median_s, t1.min_s / tn.min_s, same ? "yes" : "NO");

    for (int s = 0; s < b->nsig; ++s) {
        free(c[s]);
        free(c0[s]);
        free(src[s]);
        free(ref[s]);
    }
    return !same;
}

/** One set on the voxel grid and on the coarser signal grids: both timings, the ratio, and
 *  how far the coarse fields are from the voxel-grid ones after one step (the largest
 *  relative difference in any voxel, and the difference of the field's mean at the cells'
 *  voxels, i.e. what the cells sense). */
static int compare_grids(const struct bench_set *b, int reps, int maxthreads, double ratio)
{
    const size_t bytes = (size_t)b->g.n * sizeof(double);
    double *fine[BENCH_MAXSIG], *coarse[BENCH_MAXSIG], *src[BENCH_MAXSIG], *c0[BENCH_MAXSIG];
    for (int s = 0; s < b->nsig; ++s) {
        fine[s] = xmalloc(bytes, 0);
        coarse[s] = xmalloc(bytes, 0);
        src[s] = xmalloc(bytes, 0);
        c0[s] = xmalloc(bytes, 0);
    }
    double tf = 0.0, tc = 0.0;
    int bad = run_set(b, reps, maxthreads, 0.0, fine, &tf);
    bad |= run_set(b, reps, maxthreads, ratio, coarse, &tc);
    fill_set(b, c0, src); /* the same sources: where the cells are */
    printf("  coarser signal grids vs the voxel grid: %.2fx faster (1 thread, median)\n", tf / tc);
    for (int s = 0; s < b->nsig; ++s) {
        if (signal_path(b, s) != PATH_TRANSFORM) continue;
        double worst = 0.0, at = 0.0, at_ref = 0.0;
        for (int64_t v = 0; v < b->g.n; ++v) {
            if (fine[s][v] > 0.0) worst = fmax(worst, fabs(coarse[s][v] - fine[s][v]) / fine[s][v]);
            if (src[s][v] > b->uniform[s]) {
                at += coarse[s][v];
                at_ref += fine[s][v];
            }
        }
        printf("  %-9s worst voxel %6.3f %%, mean at the cells %+6.3f %%\n", b->name[s], 100.0 * worst,
               at_ref > 0.0 ? 100.0 * (at - at_ref) / at_ref : 0.0);
    }
    for (int s = 0; s < b->nsig; ++s) {
        free(fine[s]);
        free(coarse[s]);
        free(src[s]);
        free(c0[s]);
    }
    return bad;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_diffusion [-c CONFIG] [-r RATIO] [n >= 2 [reps 1..%d [bottom_vascular 0|1]]]\n",
            BENCH_MAXREPS);
    return 2;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    int a = 1;
    if (a < argc && strcmp(argv[a], "-c") == 0) {
        if (a + 1 >= argc) return usage();
        config = argv[a + 1];
        a += 2;
    }
    double ratio = 0.125;
    if (a < argc && strcmp(argv[a], "-r") == 0) {
        if (a + 1 >= argc) return usage();
        char *end = NULL;
        ratio = strtod(argv[a + 1], &end);
        if (!end || *end || !(ratio > 0.0 && ratio <= 1.0)) return usage();
        a += 2;
    }
    const char *arg_n = a < argc ? argv[a] : NULL;
    const char *arg_reps = a + 1 < argc ? argv[a + 1] : NULL;
    const char *arg_bottom = a + 2 < argc ? argv[a + 2] : NULL;
    if (a + 3 < argc) return usage();

    /* the reference run's parameters: the table's defaults with reference.yaml's domain
     * (it sets no signal or boundary key), or a configuration on top of the defaults */
    static struct derm_params p;
    static struct derm_schedule sched;
    derm_params_defaults(&p);
    if (config) {
        struct derm_err err = {0};
        if (derm_config_load(config, &p, &sched, NULL, NULL, &err) != DERM_OK) {
            fprintf(stderr, "bench_diffusion: %s\n", err.msg);
            return 2;
        }
    } else {
        p.domain_nx = p.domain_ny = p.domain_nz = 100;
        p.domain_voxel_um = 10.0;
    }
    int64_t nx = p.domain_nx, ny = p.domain_ny, nz = p.domain_nz;
    if (arg_n) nx = ny = nz = atoll(arg_n);
    const int reps = arg_reps ? atoi(arg_reps) : 7;
    const int vascular = arg_bottom ? atoi(arg_bottom) : p.domain_bottom_boundary == DERM_BOTTOM_VASCULAR;
    if (nx < 2 || ny < 1 || nz < 2 || reps < 1 || reps > BENCH_MAXREPS || (vascular != 0 && vascular != 1))
        return usage();

    static struct bench_set ref, pc;
    ref.label = "reference: the signals configs/reference.yaml runs";
    ref.g = (struct derm_grid){.nx = nx, .ny = ny, .nz = nz, .h_um = p.domain_voxel_um, .n = nx * ny * nz};
    ref.vascular = vascular;
    ref.dt_h = p.run_dt_hours;
    ref.nsig = DERM_NSIGNAL;
    static const char *const names[DERM_NSIGNAL] = {
#define BENCH_NAME(id, name, ln, D, hl, lvl, src) name,
        DERM_SIGNALS(BENCH_NAME)
#undef BENCH_NAME
    };
    for (int s = 0; s < DERM_NSIGNAL; ++s) {
        ref.name[s] = names[s];
        ref.D[s] = p.signal[s].diffusion_um2_per_s * 3600.0;
        ref.k[s] = DERM_LN2 / p.signal[s].half_life_h;
        ref.secreted[s] = p.signal[s].young_level > 0.0;
    }
    ref.uniform[DERM_S_GF] = 0.1; /* the systemic growth factor reaches every voxel */
    ref.papillary_ratio = p.fibroblast_papillary_density_ratio;
    ref.papillary_um = p.domain_papillary_depth_um;
    {
        const double vol_mm3 = (double)ref.g.n * ref.g.h_um * ref.g.h_um * ref.g.h_um * 1e-9;
        const double dpap = fmin(ref.papillary_um, (double)nz * ref.g.h_um) / ((double)nz * ref.g.h_um);
        ref.ncells = llround(p.fibroblast_density_per_mm3 * vol_mm3 * (1.0 - dpap + ref.papillary_ratio * dpap));
        if (ref.ncells < 1) ref.ncells = 1;
    }

    pc.label = "physicell-equivalent: 6 transformed signals, 1e4 cells, 10 um voxels";
    pc.g = (struct derm_grid){.nx = nx, .ny = nx, .nz = nx, .h_um = 10.0, .n = nx * nx * nx};
    pc.vascular = 0;
    pc.dt_h = ref.dt_h;
    pc.ncells = BENCH_PHYSICELL_CELLS;
    pc.papillary_ratio = 1.0;
    for (int s = 0; s < DERM_NSIGNAL && pc.nsig < BENCH_PHYSICELL_SIGNALS; ++s) {
        struct bench_set probe = ref;
        probe.g = pc.g;
        probe.secreted[s] = 1;
        if (signal_path(&probe, s) != PATH_TRANSFORM) continue;
        pc.name[pc.nsig] = ref.name[s];
        pc.D[pc.nsig] = ref.D[s];
        pc.k[pc.nsig] = ref.k[s];
        pc.secreted[pc.nsig] = 1;
        pc.nsig++;
    }

    const int maxthreads = omp_get_max_threads();
    printf("bench_diffusion: derm_signal_grids_step, %d timed reps (+1 warm-up) per thread count, 1 and %d threads\n",
           reps, maxthreads);
    printf("reference parameters: %s%s; dt = run.dt_hours = %g h (also used for the physicell-equivalent set; "
           "the cost of a step does not depend on dt)\n",
           config ? config : "the parameter table's defaults (configs/reference.yaml sets no signal or boundary key)",
           config && sched.n > 0 ? " (its schedule's exposures and treatments are not modelled)" : "", ref.dt_h);
    int bad = compare_grids(&ref, reps, maxthreads, ratio);
    if (pc.nsig == BENCH_PHYSICELL_SIGNALS)
        bad |= compare_grids(&pc, reps, maxthreads, ratio);
    else
        printf("\n[%s]\n  skipped: only %d transformed signals in the reference set\n", pc.label, pc.nsig);
    return bad;
}
