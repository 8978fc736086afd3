/* bench_deposit.c - the matrix deposits of a step, three ways with the same bits:
 * derm_coupling_deposit_box with its per-thread rings (what a run does), the same with a
 * ring budget of 0 (its x-y output through the whole-grid scratch, then the z pass), and the
 * deposit as a whole-grid array then derm_coupling_box.
 *
 * On the reference grid (default 100 x 100 x 100 voxels of 10 um, 14000 cells at random
 * positions, radius 3: configs/reference.yaml's crowding radius) it times the three
 * deposits of a step (collagen, elastin, HA) each way at 1 thread and at N =
 * omp_get_max_threads() threads, the six taken in turn in each repetition so a drift of the
 * machine touches them alike. It prints the median and minimum wall ms per step of three
 * deposits, the ratios (each way over the rings at each thread count; N threads over 1 for
 * each way), and whether every output is bit-identical across ways and thread counts (exit
 * status 1 if not). Numbers, not pass/fail: how fast the second core's share runs depends on
 * which core wrote its memory last, so the order of the ways matters on some machines.
 * Usage: bench_deposit [nx [cells [reps [r]]]]   (nx: the grid is nx x nx x nx)
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"
#include "derm/core/grid.h"
#include "derm/model/coupling.h"
#include "derm/store/agents.h"
#include "derm/store/bins.h"

static double next_unit(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) * 0x1.0p-53;
}

enum { NDEP = 3, NWAY = 6 };

/* The three deposits of val into out: way 0 derm_coupling_deposit_box, 1 the same without
 * rings, 2 a whole-grid deposit then its box. */
static void deposits(const struct derm_grid *g, const struct derm_bins *b, double *const *val, int r, int way,
                     derm_real *const *out, derm_real *tmp)
{
    for (int i = 0; i < NDEP; i++) {
        if (way < 2) {
            derm_coupling_set_ring_budget(way == 0 ? DERM_COUPLING_RING_BYTES : 0);
            derm_coupling_deposit_box(g, b, val[i], r, DERM_BOX_CONSERVE, out[i], tmp);
            derm_coupling_set_ring_budget(DERM_COUPLING_RING_BYTES);
        } else {
            derm_coupling_deposit(g, b, val[i], out[i]);
            derm_coupling_box(g, r, DERM_BOX_CONSERVE, out[i], out[i], tmp);
        }
    }
}

int main(int argc, char **argv)
{
    const int64_t nx = argc > 1 ? atoll(argv[1]) : 100, cells = argc > 2 ? atoll(argv[2]) : 14000;
    const int reps = argc > 3 ? atoi(argv[3]) : 41, r = argc > 4 ? atoi(argv[4]) : 3;
    if (nx < 1 || nx > 1000 || cells < 0 || reps < 1 || reps > 10000 || r < 0 || r > 100) {
        fprintf(stderr, "usage: bench_deposit [nx in 1..1000 [cells >= 0 [reps in 1..10000 [r in 0..100]]]]\n");
        return 2;
    }
    struct derm_grid g;
    struct derm_agents a;
    struct derm_bins b;
    if (derm_grid_init(&g, nx, nx, nx, 10.0, NULL) != DERM_OK || derm_agents_init(&a, 16, NULL) != DERM_OK ||
        derm_bins_init(&b, &g, NULL) != DERM_OK)
        return 1;
    uint64_t s = 20261206u;
    for (int64_t q = 0; q < cells; q++) {
        int64_t row = -1;
        if (derm_agents_append(&a, &row, NULL) != DERM_OK) return 1;
        a.x[row] = next_unit(&s) * derm_grid_lx(&g);
        a.y[row] = next_unit(&s) * derm_grid_ly(&g);
        a.z[row] = next_unit(&s) * derm_grid_lz(&g);
    }
    if (derm_bins_build(&b, &g, &a, NULL) != DERM_OK) return 1;
    double *val[NDEP];
    derm_real *out[NWAY][NDEP], *tmp = malloc(sizeof(derm_real) * (size_t)g.n);
    double *t[NWAY];
    if (!tmp) return 1;
    for (int i = 0; i < NDEP; i++) {
        if (!(val[i] = malloc(sizeof(double) * (size_t)(cells > 0 ? cells : 1)))) return 1;
        for (int64_t q = 0; q < cells; q++) val[i][q] = 1e-3 * (0.5 + next_unit(&s));
    }
    for (int w = 0; w < NWAY; w++) {
        if (!(t[w] = malloc(sizeof(double) * (size_t)reps))) return 1;
        for (int i = 0; i < NDEP; i++)
            if (!(out[w][i] = calloc((size_t)g.n, sizeof(derm_real)))) return 1;
    }
    const int N = omp_get_max_threads();
    /* w: way w / 2 at 1 thread (w even) or N (w odd) */
    for (int i = 0; i < reps + 1; i++)
        for (int w = 0; w < NWAY; w++) {
            omp_set_num_threads(w % 2 ? N : 1);
            const double t0 = omp_get_wtime();
            deposits(&g, &b, val, r, w / 2, out[w], tmp);
            if (i > 0) t[w][i - 1] = omp_get_wtime() - t0; /* the first round warms up */
        }
    int same = 1;
    for (int w = 1; w < NWAY; w++)
        for (int i = 0; i < NDEP; i++) same &= memcmp(out[w][i], out[0][i], sizeof(derm_real) * (size_t)g.n) == 0;
    double med[NWAY], min[NWAY];
    for (int w = 0; w < NWAY; w++) {
        qsort(t[w], (size_t)reps, sizeof(double), bench_cmp_double);
        med[w] = t[w][reps / 2];
        min[w] = t[w][0];
    }
    printf("%d deposits of %lld cells on %lld^3 voxels, radius %d, %d reps (median / min wall ms per step)\n", NDEP,
           (long long)cells, (long long)nx, r, reps);
    static const char *const name[NWAY] = {"rings, 1 thread",        "rings, N threads", "through tmp, 1 thread",
                                           "through tmp, N threads", "deposit + box, 1", "deposit + box, N"};
    for (int w = 0; w < NWAY; w++) printf("  %-24s %8.3f / %8.3f\n", name[w], 1e3 * med[w], 1e3 * min[w]);
    printf("N = %d threads\n", N);
    printf("over the rings (medians):  through tmp %.2fx at 1 thread, %.2fx at N; deposit + box %.2fx, %.2fx\n",
           med[2] / med[0], med[3] / med[1], med[4] / med[0], med[5] / med[1]);
    printf("N threads over 1 (medians): rings %.2fx, through tmp %.2fx, deposit + box %.2fx\n", med[0] / med[1],
           med[2] / med[3], med[4] / med[5]);
    printf("outputs bit-identical:            %s\n", same ? "yes" : "NO");
    for (int w = 0; w < NWAY; w++) {
        free(t[w]);
        for (int i = 0; i < NDEP; i++) free(out[w][i]);
    }
    for (int i = 0; i < NDEP; i++) free(val[i]);
    free(tmp);
    derm_bins_fini(&b);
    derm_agents_fini(&a);
    return same ? 0 : 1;
}
