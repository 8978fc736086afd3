/* test_coupling.c - model/coupling: race-free deposition and the separable box filter.
 *
 * References are written independently of coupling.c (binning itself is checked in
 * test_bins.c): deposition against a serial loop over rows in row order
 * (bitwise equal: the same additions in the same order); the box filter against a
 * brute-force triple loop over the window (periodic x, y with the documented radius cap,
 * truncated z), to 1e-13 relative. Conservation of DERM_BOX_CONSERVE is checked to 1e-12
 * relative, including sources on the z faces and radii larger than the grid; BOX_MEAN of
 * a constant to 1e-14. Thread independence is bitwise (memcmp at 1 and 2 threads).
 * The fused deposit of several columns (with constants added) equals single deposits
 * bitwise; the box filtered in place equals the out-of-place box bitwise; the running-sum
 * box of integer counts equals DERM_BOX_MEAN bitwise (every partial sum is exact); the box
 * with x and y fused through layer buffers equals the three passes one by one bitwise. On a
 * sparsely occupied grid (the bins list only occupied voxels) the fused and the coarse
 * deposits equal references written here bitwise, empty voxels included; the deposit
 * filtered as it is summed equals the deposit then its box bitwise, and so does crowding in
 * one fused pass against counting, the box of the counts and the layer factors in turn. The
 * layer cursor gives each layer of that deposit bitwise, in any order of layers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "derm/model/coupling.h"

/* ---- helpers ------------------------------------------------------------------------- */

static struct derm_grid make_grid(int64_t nx, int64_t ny, int64_t nz, double h)
{
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, nx, ny, nz, h, NULL), DERM_OK);
    return g;
}

static double urand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

static double *alloc_d(int64_t n)
{
    double *p = calloc((size_t)n, sizeof(double));
    assert_non_null(p);
    return p;
}

/* n agents at random positions, some outside the domain in x, y (wrap) and z (clamp). */
static void add_random_agents(struct derm_agents *a, const struct derm_grid *g, int64_t n, uint64_t seed)
{
    uint64_t s = seed;
    const double lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    for (int64_t q = 0; q < n; q++) {
        int64_t r = -1;
        assert_int_equal(derm_agents_append(a, &r, NULL), DERM_OK);
        assert_true(r >= 0);
        a->x[r] = (urand(&s) * 1.4 - 0.2) * lx;
        a->y[r] = (urand(&s) * 1.4 - 0.2) * ly;
        a->z[r] = (urand(&s) * 1.2 - 0.1) * lz;
        a->type[r] = (int8_t)(urand(&s) < 0.3 ? DERM_AGENT_STEM : DERM_AGENT_FIBROBLAST);
    }
}

/* n random agents (add_random_agents) in a and binned in b, both initialised here. */
static void binned_agents(const struct derm_grid *g, struct derm_agents *a, struct derm_bins *b, int64_t n,
                          uint64_t seed)
{
    assert_int_equal(derm_agents_init(a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(b, g, NULL), DERM_OK);
    add_random_agents(a, g, n, seed);
    assert_int_equal(derm_bins_build(b, g, a, NULL), DERM_OK);
}

/* Brute-force box filter: periodic x, y with radius capped to (n - 1) / 2, truncated z. */
static void box_reference(const struct derm_grid *g, int r, enum derm_box_mode mode, const double *in, double *out)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz;
    int64_t rx = 2 * r + 1 > nx ? (nx - 1) / 2 : r, ry = 2 * r + 1 > ny ? (ny - 1) / 2 : r, rz = r;
    /* n_in(k): number of in-domain voxels in the window of a voxel in layer k */
    double *nin = alloc_d(nz);
    for (int64_t k = 0; k < nz; k++) {
        int64_t layers = 0;
        for (int64_t d = -rz; d <= rz; d++) layers += (k + d >= 0 && k + d < nz);
        nin[k] = (double)((2 * rx + 1) * (2 * ry + 1) * layers);
    }
    for (int64_t k = 0; k < nz; k++)
        for (int64_t j = 0; j < ny; j++)
            for (int64_t i = 0; i < nx; i++) {
                double s = 0.0;
                for (int64_t dk = -rz; dk <= rz; dk++) {
                    int64_t kk = k + dk;
                    if (kk < 0 || kk >= nz) continue;
                    for (int64_t dj = -ry; dj <= ry; dj++)
                        for (int64_t di = -rx; di <= rx; di++) {
                            int64_t ii = ((i + di) % nx + nx) % nx, jj = ((j + dj) % ny + ny) % ny;
                            double v = in[derm_grid_idx(g, ii, jj, kk)];
                            s += mode == DERM_BOX_CONSERVE ? v / nin[kk] : v;
                        }
                }
                out[derm_grid_idx(g, i, j, k)] = mode == DERM_BOX_MEAN ? s / nin[k] : s;
            }
    free(nin);
}

static double sum_of(const double *x, int64_t n)
{
    /* compensated sum so the reference total is not the limiting error */
    double s = 0.0, c = 0.0;
    for (int64_t q = 0; q < n; q++) {
        double y = x[q] - c, t = s + y;
        c = (t - s) - y;
        s = t;
    }
    return s;
}

/* ---- deposition and counting ----------------------------------------------------------- */

static void test_deposit_matches_serial_reference(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(6, 5, 4, 20.0);
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    add_random_agents(&a, &g, 2000, 3);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    double *val = alloc_d(a.n), *out = alloc_d(g.n), *ref = alloc_d(g.n), *cnt = alloc_d(g.n);
    uint64_t s = 77;
    /* values spanning magnitudes so that a different summation order would show */
    for (int64_t r = 0; r < a.n; r++) val[r] = pow(10.0, 8.0 * urand(&s) - 4.0) * (urand(&s) - 0.3);
    for (int64_t r = 0; r < a.n; r++) ref[derm_grid_voxel_of(&g, a.x[r], a.y[r], a.z[r])] += val[r];
    for (int64_t v = 0; v < g.n; v++) out[v] = NAN; /* out is overwritten, including empty voxels */
    derm_coupling_deposit(&g, &b, val, out);
    assert_memory_equal(out, ref, (size_t)g.n * sizeof(double));
    /* total deposit = total value (1e-12 relative to the sum of magnitudes) */
    double mag = 0.0;
    for (int64_t r = 0; r < a.n; r++) mag += fabs(val[r]);
    assert_true(fabs(sum_of(out, g.n) - sum_of(val, a.n)) <= 1e-12 * mag);
    /* counts by type */
    for (int type = 0; type <= 1; type++) {
        derm_coupling_count(&g, &b, &a, type, cnt);
        memset(ref, 0, (size_t)g.n * sizeof(double));
        for (int64_t r = 0; r < a.n; r++)
            if (a.type[r] == type) ref[a.voxel[r]] += 1.0;
        assert_memory_equal(cnt, ref, (size_t)g.n * sizeof(double));
    }
    free(val);
    free(out);
    free(ref);
    free(cnt);
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

static void test_deposit_thread_invariant(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(16, 12, 10, 20.0);
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    add_random_agents(&a, &g, 20000, 4);
    double *val = alloc_d(a.n), *o1 = alloc_d(g.n), *o2 = alloc_d(g.n);
    uint64_t s = 5;
    for (int64_t r = 0; r < a.n; r++) val[r] = urand(&s) * 1e3 - 100.0;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    derm_coupling_deposit(&g, &b, val, o1);
    omp_set_num_threads(2);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    derm_coupling_deposit(&g, &b, val, o2);
    omp_set_num_threads(saved);
    assert_memory_equal(o1, o2, (size_t)g.n * sizeof(double));
    free(val);
    free(o1);
    free(o2);
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

/* ---- box filter ------------------------------------------------------------------------ */

static void test_box_against_bruteforce(void **state)
{
    (void)state;
    /* odd and even sizes, a 2D slice (ny = 1), radii below, at and above the caps */
    const int64_t dims[][3] = {{6, 5, 4}, {7, 4, 6}, {5, 1, 5}, {3, 3, 2}};
    const int radii[] = {1, 2, 3, 7};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        struct derm_grid g = make_grid(dims[d][0], dims[d][1], dims[d][2], 10.0);
        double *in = alloc_d(g.n), *out = alloc_d(g.n), *tmp = alloc_d(g.n), *ref = alloc_d(g.n);
        uint64_t s = 100 + d;
        for (int64_t v = 0; v < g.n; v++) in[v] = urand(&s) * 10.0;
        for (size_t ri = 0; ri < sizeof radii / sizeof *radii; ri++)
            for (int mode = DERM_BOX_MEAN; mode <= DERM_BOX_CONSERVE; mode++) {
                derm_coupling_box(&g, radii[ri], (enum derm_box_mode)mode, in, out, tmp);
                box_reference(&g, radii[ri], (enum derm_box_mode)mode, in, ref);
                for (int64_t v = 0; v < g.n; v++) assert_true(fabs(out[v] - ref[v]) <= 1e-13 * fabs(ref[v]));
            }
        free(in);
        free(out);
        free(tmp);
        free(ref);
    }
}

static void test_box_radius_zero_copies(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(4, 3, 5, 10.0);
    double *in = alloc_d(g.n), *out = alloc_d(g.n), *tmp = alloc_d(g.n);
    uint64_t s = 9;
    for (int64_t v = 0; v < g.n; v++) in[v] = urand(&s);
    for (int mode = DERM_BOX_MEAN; mode <= DERM_BOX_CONSERVE; mode++) {
        derm_coupling_box(&g, 0, (enum derm_box_mode)mode, in, out, tmp);
        assert_memory_equal(in, out, (size_t)g.n * sizeof(double));
    }
    free(in);
    free(out);
    free(tmp);
}

static void test_box_conserve_preserves_total(void **state)
{
    (void)state;
    const int64_t dims[][3] = {{8, 6, 10}, {4, 4, 4}, {5, 1, 7}, {2, 3, 3}};
    const int radii[] = {1, 2, 5, 20};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        struct derm_grid g = make_grid(dims[d][0], dims[d][1], dims[d][2], 20.0);
        double *in = alloc_d(g.n), *out = alloc_d(g.n), *tmp = alloc_d(g.n);
        uint64_t s = 200 + d;
        for (int64_t v = 0; v < g.n; v++) in[v] = urand(&s) < 0.7 ? 0.0 : urand(&s) * 1e3;
        /* sources on both z faces and in a corner */
        in[derm_grid_idx(&g, 0, 0, 0)] = 5e3;
        in[derm_grid_idx(&g, g.nx - 1, g.ny - 1, g.nz - 1)] = 7e3;
        const double total = sum_of(in, g.n);
        for (size_t ri = 0; ri < sizeof radii / sizeof *radii; ri++) {
            derm_coupling_box(&g, radii[ri], DERM_BOX_CONSERVE, in, out, tmp);
            assert_true(fabs(sum_of(out, g.n) - total) <= 1e-12 * total);
            for (int64_t v = 0; v < g.n; v++) assert_true(out[v] >= 0.0);
        }
        /* a single source on the top face: the total is kept and spread evenly over its
         * window (all receiving voxels get the same share) */
        memset(in, 0, (size_t)g.n * sizeof(double));
        in[derm_grid_idx(&g, 1 % g.nx, 0, 0)] = 1.0;
        derm_coupling_box(&g, 1, DERM_BOX_CONSERVE, in, out, tmp);
        assert_true(fabs(sum_of(out, g.n) - 1.0) <= 1e-12);
        double share = 0.0;
        for (int64_t v = 0; v < g.n; v++)
            if (out[v] != 0.0) {
                if (share == 0.0) share = out[v];
                assert_true(fabs(out[v] - share) <= 1e-15);
            }
        free(in);
        free(out);
        free(tmp);
    }
}

static void test_box_mean_of_constant(void **state)
{
    (void)state;
    const int64_t dims[][3] = {{8, 6, 10}, {4, 4, 4}, {5, 1, 7}, {2, 3, 3}};
    const int radii[] = {1, 2, 5, 20};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        struct derm_grid g = make_grid(dims[d][0], dims[d][1], dims[d][2], 20.0);
        double *in = alloc_d(g.n), *out = alloc_d(g.n), *tmp = alloc_d(g.n);
        for (int64_t v = 0; v < g.n; v++) in[v] = 3.7;
        for (size_t ri = 0; ri < sizeof radii / sizeof *radii; ri++) {
            derm_coupling_box(&g, radii[ri], DERM_BOX_MEAN, in, out, tmp);
            for (int64_t v = 0; v < g.n; v++) assert_true(fabs(out[v] - 3.7) <= 1e-14 * 3.7);
        }
        free(in);
        free(out);
        free(tmp);
    }
}

static void test_box_thread_invariant(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(24, 20, 16, 20.0);
    double *in = alloc_d(g.n), *o1 = alloc_d(g.n), *o2 = alloc_d(g.n), *tmp = alloc_d(g.n);
    uint64_t s = 31;
    for (int64_t v = 0; v < g.n; v++) in[v] = urand(&s) * 100.0;
    int saved = omp_get_max_threads();
    for (int mode = DERM_BOX_MEAN; mode <= DERM_BOX_CONSERVE; mode++)
        for (int r = 1; r <= 3; r++) {
            omp_set_num_threads(1);
            derm_coupling_box(&g, r, (enum derm_box_mode)mode, in, o1, tmp);
            omp_set_num_threads(2);
            derm_coupling_box(&g, r, (enum derm_box_mode)mode, in, o2, tmp);
            assert_memory_equal(o1, o2, (size_t)g.n * sizeof(double));
        }
    omp_set_num_threads(saved);
    free(in);
    free(o1);
    free(o2);
    free(tmp);
}

/* ---- the fused deposit, the in-place box, the box of counts ------------------------------ */

static void test_deposit_many_equals_single_deposits(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(9, 7, 6, 20.0);
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    add_random_agents(&a, &g, 3000, 9);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    enum { N = 3 };
    double *val[N], *many[N], *one[N];
    const double add[N] = {0.0, 0.37, -1e-3};
    uint64_t s = 11;
    for (int i = 0; i < N; i++) {
        val[i] = alloc_d(a.n);
        many[i] = alloc_d(g.n);
        one[i] = alloc_d(g.n);
        for (int64_t r = 0; r < a.n; r++) val[i][r] = pow(10.0, 6.0 * urand(&s) - 3.0);
        derm_coupling_deposit(&g, &b, val[i], one[i]);
        for (int64_t v = 0; v < g.n; v++) one[i][v] += add[i];
    }
    derm_coupling_deposit_many(&g, &b, N, (const double *const *)val, add, many);
    for (int i = 0; i < N; i++) assert_memory_equal(many[i], one[i], (size_t)g.n * sizeof(double));
    derm_coupling_deposit_many(&g, &b, N, (const double *const *)val, NULL, many); /* nothing added */
    derm_coupling_deposit(&g, &b, val[1], one[1]);
    assert_memory_equal(many[1], one[1], (size_t)g.n * sizeof(double));
    for (int i = 0; i < N; i++) {
        free(val[i]);
        free(many[i]);
        free(one[i]);
    }
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

/* Deposition onto a coarser grid (signals solved there) is the block mean of the voxel-grid
 * deposit plus the uniform term: equal to rounding, and the amount is kept; the same bits at
 * 1 and 2 threads. */
static void test_deposit_coarse_is_block_mean(void **state)
{
    (void)state;
    const int64_t f = 3;
    struct derm_grid g = make_grid(9, 6, 12, 20.0);
    const int64_t nc = g.n / (f * f * f), nxc = g.nx / f, nyc = g.ny / f;
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    add_random_agents(&a, &g, 2000, 5);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    enum { N = 2 };
    double *val[N], *fine[N], *coarse[N], *again[N];
    const double add[N] = {0.25, 0.0};
    uint64_t s = 3;
    for (int i = 0; i < N; i++) {
        val[i] = alloc_d(a.n);
        fine[i] = alloc_d(g.n);
        coarse[i] = alloc_d(nc);
        again[i] = alloc_d(nc);
        for (int64_t r = 0; r < a.n; r++) val[i][r] = urand(&s);
    }
    derm_coupling_deposit_many(&g, &b, N, (const double *const *)val, add, fine);
    omp_set_num_threads(1);
    derm_coupling_deposit_coarse(&g, &b, f, N, (const double *const *)val, add, coarse);
    omp_set_num_threads(2);
    derm_coupling_deposit_coarse(&g, &b, f, N, (const double *const *)val, add, again);
    for (int i = 0; i < N; i++) {
        assert_memory_equal(coarse[i], again[i], (size_t)nc * sizeof(double));
        double tf = 0.0, tc = 0.0;
        for (int64_t v = 0; v < g.n; v++) tf += fine[i][v];
        for (int64_t V = 0; V < nc; V++) tc += coarse[i][V];
        assert_true(fabs(tc * (double)(f * f * f) - tf) <= 1e-12 * tf);
        for (int64_t K = 0; K < g.nz / f; K++)
            for (int64_t J = 0; J < nyc; J++)
                for (int64_t I = 0; I < nxc; I++) {
                    double m = 0.0;
                    for (int64_t k = K * f; k < (K + 1) * f; k++)
                        for (int64_t j = J * f; j < (J + 1) * f; j++)
                            for (int64_t x = I * f; x < (I + 1) * f; x++) m += fine[i][(k * g.ny + j) * g.nx + x];
                    m /= (double)(f * f * f);
                    assert_true(fabs(coarse[i][(K * nyc + J) * nxc + I] - m) <= 1e-13 * (1.0 + fabs(m)));
                }
    }
    for (int i = 0; i < N; i++) {
        free(val[i]);
        free(fine[i]);
        free(coarse[i]);
        free(again[i]);
    }
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

/* The bins list only occupied voxels: on a sparsely occupied grid (as in a run: ~1 cell per
 * 100 voxels) every empty voxel must still get the constant (or 0), and the coarse deposit
 * must add its voxels in the order of a sweep over the fine grid. Both checked bitwise
 * against references written here (per voxel: its rows in row order). */
static void test_deposit_sparse_grid_bitwise(void **state)
{
    (void)state;
    const int64_t f = 3;
    struct derm_grid g = make_grid(12, 9, 12, 20.0);
    const int64_t nc = g.n / (f * f * f), nxc = g.nx / f, pc = (g.nx / f) * (g.ny / f);
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    add_random_agents(&a, &g, 40, 21);
    for (int q = 0; q < 6; q++) { /* a few crowded voxels: three or more rows each */
        int64_t r = -1;
        assert_int_equal(derm_agents_append(&a, &r, NULL), DERM_OK);
        a.x[r] = a.x[q % 2];
        a.y[r] = a.y[q % 2];
        a.z[r] = a.z[q % 2];
    }
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    assert_true(b.nocc > 10 && b.nocc < g.n / 10);
    enum { N = 2 };
    double *val[N], *many[N], *coarse[N], *ref[N], *refc[N];
    const double add[N] = {0.25, 0.0};
    uint64_t s = 8;
    for (int i = 0; i < N; i++) {
        val[i] = alloc_d(a.n);
        many[i] = alloc_d(g.n);
        coarse[i] = alloc_d(nc);
        ref[i] = alloc_d(g.n);
        refc[i] = alloc_d(nc);
        for (int64_t r = 0; r < a.n; r++) val[i][r] = pow(10.0, 6.0 * urand(&s) - 3.0);
        for (int64_t v = 0; v < g.n; v++) many[i][v] = NAN; /* every voxel is written */
        for (int64_t v = 0; v < nc; v++) coarse[i][v] = NAN;
        /* references: each voxel sums its rows in row order, then adds the constant; the
         * coarse cell adds its voxels' sums in voxel order, then takes the mean */
        for (int64_t v = 0; v < g.n; v++) {
            double sum = 0.0;
            int any = 0;
            for (int64_t r = 0; r < a.n; r++)
                if (derm_grid_voxel_of(&g, a.x[r], a.y[r], a.z[r]) == v) {
                    sum += val[i][r];
                    any = 1;
                }
            ref[i][v] = sum + add[i];
            const int64_t x = v % g.nx, j = (v / g.nx) % g.ny, k = v / (g.nx * g.ny);
            if (any) refc[i][(k / f) * pc + (j / f) * nxc + x / f] += sum;
        }
        for (int64_t V = 0; V < nc; V++) refc[i][V] = add[i] + refc[i][V] * (1.0 / (double)(f * f * f));
    }
    derm_coupling_deposit_many(&g, &b, N, (const double *const *)val, add, many);
    derm_coupling_deposit_coarse(&g, &b, f, N, (const double *const *)val, add, coarse);
    for (int i = 0; i < N; i++) {
        assert_memory_equal(many[i], ref[i], (size_t)g.n * sizeof(double));
        assert_memory_equal(coarse[i], refc[i], (size_t)nc * sizeof(double));
    }
    for (int i = 0; i < N; i++) {
        free(val[i]);
        free(many[i]);
        free(coarse[i]);
        free(ref[i]);
        free(refc[i]);
    }
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

/* The deposit filtered as it is summed equals the deposit then its box, bitwise: sparse and
 * crowded grids, both modes, a radius capped by the grid, r = 0, 1 to 3 threads (layer
 * ranges that cut the rings differently), the rings and, with a budget of 0, the passes
 * through tmp. */
static void test_deposit_box_equals_deposit_then_box(void **state)
{
    (void)state;
    const int64_t dims[][3] = {{12, 9, 12}, {6, 5, 4}, {40, 40, 40}};
    const int64_t counts[] = {40, 3000, 900};
    const int radii[] = {3, 0, 9};
    for (int c = 0; c < 3; c++) {
        struct derm_grid g = make_grid(dims[c][0], dims[c][1], dims[c][2], 20.0);
        struct derm_agents a;
        struct derm_bins b;
        binned_agents(&g, &a, &b, counts[c], 31 + c);
        double *val = alloc_d(a.n), *ref = alloc_d(g.n), *out = alloc_d(g.n), *tmp = alloc_d(g.n);
        uint64_t s = 17;
        for (int64_t r = 0; r < a.n; r++) val[r] = pow(10.0, 6.0 * urand(&s) - 3.0);
        for (int ri = 0; ri < 3; ri++)
            for (int mode = 0; mode < 2; mode++)
                for (int threads = 1; threads <= 3; threads++)
                    for (int budget = 0; budget < 2; budget++) {
                        const enum derm_box_mode m = mode ? DERM_BOX_CONSERVE : DERM_BOX_MEAN;
                        omp_set_num_threads(1);
                        derm_coupling_deposit(&g, &b, val, ref);
                        derm_coupling_box(&g, radii[ri], m, ref, ref, tmp);
                        omp_set_num_threads(threads);
                        for (int64_t v = 0; v < g.n; v++) out[v] = NAN;
                        derm_coupling_set_ring_budget(budget ? DERM_COUPLING_RING_BYTES : 0);
                        derm_coupling_deposit_box(&g, &b, val, radii[ri], m, out, tmp);
                        derm_coupling_set_ring_budget(DERM_COUPLING_RING_BYTES);
                        assert_memory_equal(out, ref, (size_t)g.n * sizeof(double));
                    }
        omp_set_num_threads(2);
        free(val);
        free(ref);
        free(out);
        free(tmp);
        derm_bins_fini(&b);
        derm_agents_fini(&a);
    }
}

/* The layer cursor (derm_coupling_layers_*) gives layer k of derm_coupling_deposit_box
 * (DERM_BOX_CONSERVE) bitwise, for each of 1 to 3 values: layers asked in order, in reverse,
 * by jumps and again, on a grid with fewer layers than the ring and with a radius capped in
 * x; it does not open for r = 0. It is worth using (derm_grid_layers_worth) only where the
 * threads' cursors take at most half the arrays they replace: on a deep grid, not on a thin
 * one nor with many threads, nor for r = 0, r beyond DERM_GRID_RING_MAX_R or more than
 * DERM_COUPLING_LAYERS_MAX values. */
static void test_layers_equal_deposit_box(void **state)
{
    (void)state;
    const int64_t dims[][3] = {{12, 9, 12}, {5, 11, 4}, {30, 20, 17}};
    const int radii[] = {3, 2, 1};
    for (int c = 0; c < 3; c++) {
        struct derm_grid g = make_grid(dims[c][0], dims[c][1], dims[c][2], 20.0);
        struct derm_agents a;
        struct derm_bins b;
        binned_agents(&g, &a, &b, 60 + 400 * c, 71 + c);
        double *val[3], *ref[3], *tmp = alloc_d(g.n);
        uint64_t s = 5;
        for (int i = 0; i < 3; i++) {
            val[i] = alloc_d(a.n);
            ref[i] = alloc_d(g.n);
            for (int64_t r = 0; r < a.n; r++) val[i][r] = pow(10.0, 4.0 * urand(&s) - 2.0);
            derm_coupling_deposit_box(&g, &b, val[i], radii[c], DERM_BOX_CONSERVE, ref[i], tmp);
        }
        const int64_t nz = g.nz, nxy = g.nx * g.ny;
        int64_t order[64], no = 0;
        for (int64_t k = 0; k < nz; k++) order[no++] = k;      /* up */
        for (int64_t k = nz - 1; k >= 0; k--) order[no++] = k; /* down */
        order[no++] = 0;
        order[no++] = nz - 1; /* a jump, */
        order[no++] = nz / 2; /* back, */
        order[no++] = nz / 2; /* the same again */
        for (int n = 1; n <= 3; n++) {
            struct derm_coupling_layers_spec sp = {.b = &b, .n = n, .r = radii[c]};
            for (int i = 0; i < n; i++) sp.val[i] = val[i];
            struct derm_coupling_layers cur;
            assert_int_equal(derm_coupling_layers_open(&cur, &g, &sp), 0);
            for (int64_t o = 0; o < no; o++) {
                const int64_t k = order[o];
                const double *const *l = derm_coupling_layers_at(&cur, k);
                for (int i = 0; i < n; i++) assert_memory_equal(l[i], ref[i] + k * nxy, (size_t)nxy * sizeof(double));
            }
            derm_coupling_layers_close(&cur);
        }
        struct derm_coupling_layers_spec none = {.b = &b, .n = 1, .r = 0, .val = {val[0]}};
        struct derm_coupling_layers cur;
        assert_int_equal(derm_coupling_layers_open(&cur, &g, &none), -1);
        derm_coupling_layers_close(&cur);
        for (int i = 0; i < 3; i++) {
            free(val[i]);
            free(ref[i]);
        }
        free(tmp);
        derm_bins_fini(&b);
        derm_agents_fini(&a);
    }
}

static void test_layers_worth(void **state)
{
    (void)state;
    /* 3 cursors of 25 layers (and a row) against 3 x 200 layers: worth it up to 11 threads */
    assert_true(derm_grid_layers_worth(20, 20, 200, 3, 3, 2));
    assert_true(derm_grid_layers_worth(20, 20, 200, 3, 3, 11));
    assert_false(derm_grid_layers_worth(20, 20, 200, 3, 3, 12));
    assert_false(derm_grid_layers_worth(20, 20, 8, 3, 3, 1)); /* a thin domain */
    assert_false(derm_grid_layers_worth(20, 20, 200, 0, 3, 2));
    assert_false(derm_grid_layers_worth(20, 20, 200, DERM_GRID_RING_MAX_R + 1, 3, 2));
    assert_false(derm_grid_layers_worth(20, 20, 200, 3, DERM_COUPLING_LAYERS_MAX + 1, 2));
    assert_false(derm_grid_layers_worth(20, 20, 200, 3, 3, 0));
}

/* Crowding in one fused pass equals counting, the box mean of the counts and the layer
 * factors one after the other, bitwise; crowding at the cells equals it at every occupied
 * voxel and at every agent row's voxel (per row, with or without the voxels' array) and,
 * with its rings (its own, or in the scratch when a budget of 0 forbids those, on as many
 * threads as have a ring there), writes nothing else; else (not one ring fits) it is the
 * whole-grid crowding, which derm_coupling_crowding_cells_grid foretells. Sparse and crowded
 * grids, a thin domain (fewer layers than the ring), radii 3, 0 and one capped by the grid,
 * a zero factor, 1 to 3 threads (layer ranges that cut the rings differently). */
static void test_crowding_equals_count_box_factor(void **state)
{
    (void)state;
    const int64_t dims[][3] = {{12, 9, 12}, {6, 5, 4}, {40, 40, 40}};
    const int64_t counts[] = {60, 3000, 900};
    const int radii[] = {3, 0, 9};
    int rings = 0, in_tmp = 0, whole = 0;
    for (int c = 0; c < 3; c++) {
        struct derm_grid g = make_grid(dims[c][0], dims[c][1], dims[c][2], 20.0);
        const int64_t nxy = g.nx * g.ny;
        struct derm_agents a;
        struct derm_bins b;
        binned_agents(&g, &a, &b, counts[c], 41 + c);
        double *ref = alloc_d(g.n), *out = alloc_d(g.n), *tmp = alloc_d(g.n), *factor = alloc_d(g.nz),
               *rows = alloc_d(a.n);
        char *occupied = calloc((size_t)g.n, 1);
        assert_non_null(occupied);
        for (int64_t j = 0; j < b.nocc; j++) occupied[b.occ[j]] = 1;
        for (int64_t k = 0; k < g.nz; k++) factor[k] = k == 1 ? 0.0 : 1.0 / (0.37 + 0.11 * (double)k);
        for (int ri = 0; ri < 3; ri++)
            for (int type = 0; type <= 1; type++)
                for (int threads = 1; threads <= 3; threads++) {
                    omp_set_num_threads(1);
                    derm_coupling_count(&g, &b, &a, type, tmp);
                    derm_coupling_box_counts(&g, radii[ri], tmp, ref, tmp);
                    for (int64_t k = 0; k < g.nz; k++)
                        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) ref[q] *= factor[k];
                    omp_set_num_threads(threads);
                    for (int64_t v = 0; v < g.n; v++) out[v] = NAN;
                    derm_coupling_crowding(&g, &b, &a, type, radii[ri], factor, out, tmp);
                    assert_memory_equal(out, ref, (size_t)g.n * sizeof(double));
                    /* at the cells: with the rings (each thread's own, or with a budget of 0
                     * in tmp when they all fit there), nothing but the cells' voxels is
                     * written; else the whole-grid crowding */
                    const int own = (ri + type + threads) % 2 == 0;
                    const int64_t rr = 2 * radii[ri] + 1 < g.nz ? 2 * radii[ri] + 1 : g.nz;
                    const int ring = own || rr * nxy + nxy + g.nx <= g.n; /* in tmp: as many threads as fit */
                    rings += ring;
                    in_tmp += ring && !own;
                    whole += !ring;
                    for (int64_t v = 0; v < g.n; v++) out[v] = -7.0;
                    for (int64_t q = 0; q < a.n; q++) rows[q] = -7.0;
                    derm_coupling_set_ring_budget(own ? DERM_COUPLING_RING_BYTES : 0);
                    assert_int_equal(derm_coupling_crowding_cells_grid(&g, radii[ri]), !ring);
                    assert_int_equal(derm_coupling_crowding_cells(&g, &b, &a, type, radii[ri], factor, out, rows, tmp),
                                     0);
                    int64_t nonzero = 0;
                    for (int64_t v = 0; v < g.n; v++) {
                        if (occupied[v] || !ring) assert_memory_equal(&out[v], &ref[v], sizeof(double));
                        if (!occupied[v] && ring) assert_true(out[v] == -7.0);
                        nonzero += occupied[v] && out[v] > 0.0;
                    }
                    if (type == 0) assert_true(nonzero > 0); /* the check saw counts, not only zeros */
                    /* per row: every row (any type) the crowding at its voxel, with or without
                     * the voxels' array (then the whole-grid way makes its own) */
                    for (int64_t q = 0; q < a.n; q++) assert_memory_equal(&rows[q], &ref[a.voxel[q]], sizeof(double));
                    for (int64_t q = 0; q < a.n; q++) rows[q] = -7.0;
                    assert_int_equal(derm_coupling_crowding_cells(&g, &b, &a, type, radii[ri], factor, NULL, rows, tmp),
                                     0);
                    derm_coupling_set_ring_budget(DERM_COUPLING_RING_BYTES);
                    for (int64_t q = 0; q < a.n; q++) assert_memory_equal(&rows[q], &ref[a.voxel[q]], sizeof(double));
                }
        omp_set_num_threads(2);
        free(occupied);
        free(ref);
        free(rows);
        free(out);
        free(tmp);
        free(factor);
        derm_bins_fini(&b);
        derm_agents_fini(&a);
    }
    assert_true(rings >= 12 && in_tmp >= 3 && whole >= 6); /* every way was taken */
}

static void test_box_in_place_equals_out_of_place(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(11, 8, 9, 10.0);
    double *in = alloc_d(g.n), *io = alloc_d(g.n), *out = alloc_d(g.n), *tmp = alloc_d(g.n);
    uint64_t s = 21;
    for (int64_t v = 0; v < g.n; v++) in[v] = urand(&s) < 0.1 ? urand(&s) * 5.0 : 0.0;
    for (int mode = DERM_BOX_MEAN; mode <= DERM_BOX_CONSERVE; mode++)
        for (int r = 0; r <= 4; r++) {
            memcpy(io, in, (size_t)g.n * sizeof(double));
            derm_coupling_box(&g, r, (enum derm_box_mode)mode, in, out, tmp);
            derm_coupling_box(&g, r, (enum derm_box_mode)mode, io, io, tmp);
            assert_memory_equal(io, out, (size_t)g.n * sizeof(double));
        }
    free(in);
    free(io);
    free(out);
    free(tmp);
}

static void test_box_counts_bitwise_equal_to_box_mean(void **state)
{
    (void)state;
    /* the sizes of test_box_against_bruteforce, a production-like one, radii past the caps */
    const int64_t dims[][3] = {{6, 5, 4}, {7, 4, 6}, {5, 1, 5}, {3, 3, 2}, {20, 20, 40}, {1, 1, 9}};
    const int radii[] = {0, 1, 2, 3, 7};
    int saved = omp_get_max_threads();
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        struct derm_grid g = make_grid(dims[d][0], dims[d][1], dims[d][2], 10.0);
        double *in = alloc_d(g.n), *ref = alloc_d(g.n), *out = alloc_d(g.n), *tmp = alloc_d(g.n);
        uint64_t s = 300 + d;
        for (int64_t v = 0; v < g.n; v++) in[v] = floor(urand(&s) * 4.0) * (urand(&s) < 0.3); /* 0..3 */
        for (size_t ri = 0; ri < sizeof radii / sizeof *radii; ri++)
            for (int t = 1; t <= 2; t++) {
                omp_set_num_threads(t);
                derm_coupling_box(&g, radii[ri], DERM_BOX_MEAN, in, ref, tmp);
                for (int64_t v = 0; v < g.n; v++) out[v] = NAN;
                derm_coupling_box_counts(&g, radii[ri], in, out, tmp);
                assert_memory_equal(out, ref, (size_t)g.n * sizeof(double));
                /* the scratch may be the input (the simulation counts into it) */
                memcpy(tmp, in, (size_t)g.n * sizeof(double));
                for (int64_t v = 0; v < g.n; v++) out[v] = NAN;
                derm_coupling_box_counts(&g, radii[ri], tmp, out, tmp);
                assert_memory_equal(out, ref, (size_t)g.n * sizeof(double));
            }
        free(in);
        free(ref);
        free(out);
        free(tmp);
    }
    omp_set_num_threads(saved);
}

/* derm_coupling_box runs x and y through per-thread layer buffers; it must give the bits of
 * the three passes one by one (derm_coupling_box_passes, also its fallback), in both modes,
 * in place and not, at 1 and 2 threads, on odd grids and with radii past the caps. */
static void test_box_fused_equals_passes(void **state)
{
    (void)state;
    const int64_t dims[][3] = {{6, 5, 4}, {7, 4, 6}, {5, 1, 5}, {1, 1, 9}, {20, 20, 40}, {13, 9, 7}};
    const int radii[] = {0, 1, 2, 3, 7};
    int saved = omp_get_max_threads();
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        struct derm_grid g = make_grid(dims[d][0], dims[d][1], dims[d][2], 10.0);
        double *in = alloc_d(g.n), *ref = alloc_d(g.n), *out = alloc_d(g.n), *io = alloc_d(g.n), *tmp = alloc_d(g.n);
        uint64_t s = 500 + d;
        for (int64_t v = 0; v < g.n; v++) in[v] = urand(&s) < 0.2 ? urand(&s) * 3.0 : 0.0;
        for (int mode = DERM_BOX_MEAN; mode <= DERM_BOX_CONSERVE; mode++)
            for (size_t ri = 0; ri < sizeof radii / sizeof *radii; ri++)
                for (int t = 1; t <= 2; t++) {
                    omp_set_num_threads(t);
                    derm_coupling_box_passes(&g, radii[ri], (enum derm_box_mode)mode, in, ref, tmp);
                    derm_coupling_box(&g, radii[ri], (enum derm_box_mode)mode, in, out, tmp);
                    assert_memory_equal(out, ref, (size_t)g.n * sizeof(double));
                    memcpy(io, in, (size_t)g.n * sizeof(double));
                    derm_coupling_box(&g, radii[ri], (enum derm_box_mode)mode, io, io, tmp);
                    assert_memory_equal(io, ref, (size_t)g.n * sizeof(double));
                }
        free(in);
        free(ref);
        free(out);
        free(io);
        free(tmp);
    }
    omp_set_num_threads(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deposit_matches_serial_reference),
        cmocka_unit_test(test_deposit_thread_invariant),
        cmocka_unit_test(test_box_against_bruteforce),
        cmocka_unit_test(test_box_radius_zero_copies),
        cmocka_unit_test(test_box_conserve_preserves_total),
        cmocka_unit_test(test_box_mean_of_constant),
        cmocka_unit_test(test_box_fused_equals_passes),
        cmocka_unit_test(test_box_thread_invariant),
        cmocka_unit_test(test_deposit_many_equals_single_deposits),
        cmocka_unit_test(test_deposit_coarse_is_block_mean),
        cmocka_unit_test(test_deposit_sparse_grid_bitwise),
        cmocka_unit_test(test_deposit_box_equals_deposit_then_box),
        cmocka_unit_test(test_layers_equal_deposit_box),
        cmocka_unit_test(test_layers_worth),
        cmocka_unit_test(test_crowding_equals_count_box_factor),
        cmocka_unit_test(test_box_in_place_equals_out_of_place),
        cmocka_unit_test(test_box_counts_bitwise_equal_to_box_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
