/* bench_step.c - the speed-up of N threads over 1 on the reference step, measured interleaved.
 *
 * The 2-thread target of issue 10 is a ratio of two runs; on a shared VM whose speed drifts by
 * 10-30 % within minutes, a lifetime at 1 thread and another at 2 taken one after the other
 * gave ratios from 1.61 to 1.96 on the same build (docs/PERFORMANCE.md, 2026-12-06). Here one
 * simulation alternates: blocks of B steps at 1 thread and at N = omp_get_max_threads()
 * threads in the order 1 N N 1 1 N ..., so both counts meet the same drift. Results never
 * depend on the thread count (tests/integration/test_reproducibility.py), so switching between
 * blocks changes nothing but the time. It prints, per thread count, the wall ms per step of the
 * whole step and of each phase (derm_sim_lap's), the ratios 1 / N, and the median over the
 * pairs of adjacent blocks of the step's ratio (robust to a slow block).
 * The simulation is CONFIG (default configs/reference.yaml, run from the repository's root)
 * with --set overrides, created at N threads (its setup, untimed), then stepped from its start
 * age: two warm-up blocks, then `pairs` pairs of blocks.
 * Usage: bench_step [-c CONFIG] [--set key=value ...] [pairs [block]]   (default 20 pairs of 10 steps)
 */
#include <errno.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"
#include "derm/io/config.h"
#include "derm/sim/sim.h"

/* 1 if a is a whole number from 1 to 100000 (then in *v). */
static int whole(const char *a, long *v)
{
    char *end = NULL;
    errno = 0;
    const long x = strtol(a, &end, 10);
    if (errno || end == a || *end || x < 1 || x > 100000) return 0;
    *v = x;
    return 1;
}

/* Runs `n` steps at `threads`; adds the wall seconds of the step and of each phase. */
static int block(struct derm_sim *s, int n, int threads, double *wall, double *phase)
{
    omp_set_num_threads(threads);
    double before[DERM_SIM_NPHASE];
    memcpy(before, s->phase_s, sizeof before);
    struct derm_err err = {0};
    const double t0 = omp_get_wtime();
    for (int i = 0; i < n; i++)
        if (derm_sim_step(s, &err) != DERM_OK) {
            fprintf(stderr, "bench_step: step %lld: %s\n", (long long)s->step, err.msg);
            return -1;
        }
    *wall += omp_get_wtime() - t0;
    for (int p = 0; p < DERM_SIM_NPHASE; p++) phase[p] += s->phase_s[p] - before[p];
    return 0;
}

int main(int argc, char **argv)
{
    const char *config = "configs/reference.yaml";
    static struct derm_params p;
    static struct derm_schedule sched;
    struct derm_err err = {0};
    derm_params_defaults(&p);
    int pos = 0;
    long args[2] = {20, 10};
    const char *sets[64];
    int nsets = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp(argv[i], "--set") && i + 1 < argc && nsets < 64)
            sets[nsets++] = argv[++i];
        else if (pos < 2 && whole(argv[i], &args[pos]))
            pos++;
        else {
            fprintf(stderr, "usage: bench_step [-c CONFIG] [--set key=value ...] [pairs [block]] (each 1..100000)\n");
            return 2;
        }
    }
    const int pairs = (int)args[0], B = (int)args[1];
    if (derm_config_load(config, &p, &sched, NULL, NULL, &err) != DERM_OK) {
        fprintf(stderr, "bench_step: %s\n", err.msg);
        return 2;
    }
    for (int i = 0; i < nsets; i++)
        if (derm_config_apply_set(&p, &sched, NULL, sets[i], &err) != DERM_OK) {
            fprintf(stderr, "bench_step: %s\n", err.msg);
            return 2;
        }
    if (derm_config_validate(&p, &sched, NULL, &err) != DERM_OK) {
        fprintf(stderr, "bench_step: %s\n", err.msg);
        return 2;
    }
    const int N = omp_get_max_threads();
    struct derm_sim *s = NULL;
    printf("bench_step: %s, %lld x %lld x %lld voxels; OMP_WAIT_POLICY %s, GOMP_SPINCOUNT %s; setup at %d threads "
           "(untimed)...\n",
           config, (long long)p.domain_nx, (long long)p.domain_ny, (long long)p.domain_nz,
           getenv("OMP_WAIT_POLICY") ? getenv("OMP_WAIT_POLICY") : "(unset)",
           getenv("GOMP_SPINCOUNT") ? getenv("GOMP_SPINCOUNT") : "(unset)", N);
    fflush(stdout);
    if (derm_sim_create(&s, &p, &sched, &err) != DERM_OK) {
        fprintf(stderr, "bench_step: %s\n", err.msg);
        return 1;
    }
    const int64_t need = (int64_t)(2 + 2 * pairs) * B;
    if (s->nsteps - s->step < need) {
        fprintf(stderr, "bench_step: the run has %lld steps; %d pairs of %d need %lld\n",
                (long long)(s->nsteps - s->step), pairs, B, (long long)need);
        derm_sim_free(s);
        return 2;
    }
    double wall[2] = {0}, phase[2][DERM_SIM_NPHASE] = {{0}}, junk = 0.0, junkp[DERM_SIM_NPHASE] = {0};
    double *ratio = malloc(sizeof(double) * (size_t)pairs);
    int rc = !ratio || block(s, B, 1, &junk, junkp) || block(s, B, N, &junk, junkp); /* warm-up */
    for (int i = 0; i < pairs && !rc; i++) {
        double w[2] = {0};
        const int first = i % 2; /* 1 N, then N 1: ABBA */
        for (int j = 0; j < 2 && !rc; j++) {
            const int c = j == 0 ? first : 1 - first;
            rc = block(s, B, c == 0 ? 1 : N, &w[c], phase[c]);
        }
        wall[0] += w[0];
        wall[1] += w[1];
        ratio[i] = w[0] / w[1];
    }
    if (!rc) {
        const double steps = (double)pairs * B;
        printf("%d pairs of %d steps (%s steps from age %.2f), ms per step:\n", pairs, B,
               s->dt_h == 168.0 ? "weekly" : "run's", p.run_age_start_years);
        printf("  %-20s %10s %10s %8s\n", "phase", "1 thread", "N threads", "1 / N");
        for (int ph = 0; ph < DERM_SIM_NPHASE; ph++)
            if (phase[0][ph] > 0.0 && phase[1][ph] > 0.0)
                printf("  %-20s %10.2f %10.2f %8.2f\n", derm_sim_phase_name[ph], 1e3 * phase[0][ph] / steps,
                       1e3 * phase[1][ph] / steps, phase[0][ph] / phase[1][ph]);
        printf("  %-20s %10.2f %10.2f %8.2f\n", "step", 1e3 * wall[0] / steps, 1e3 * wall[1] / steps,
               wall[0] / wall[1]);
        qsort(ratio, (size_t)pairs, sizeof *ratio, bench_cmp_double);
        printf("N = %d threads; the step's ratio by pair of blocks: median %.2f, range %.2f-%.2f\n", N,
               ratio[pairs / 2], ratio[0], ratio[pairs - 1]);
    }
    free(ratio);
    derm_sim_free(s);
    return rc ? 1 : 0;
}
