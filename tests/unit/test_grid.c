/* test_grid.c - grid geometry: the one index function, point-to-voxel mapping, init checks.
 *
 * Checks: idx = (k ny + j) nx + i is a bijection onto 0..n-1 with x fastest; voxel_of maps
 * cell centres to their voxel, wraps x and y periodically (also several periods away and
 * for negative coordinates) and clamps z; derm_grid_init rejects non-positive sizes,
 * non-positive / non-finite voxel sizes and products that overflow int64 with DERM_ECONFIG
 * and a message, leaving the grid unchanged; extents and
 * voxel volume follow from nx, ny, nz and h. All comparisons are exact (integers) or to
 * 1e-15 relative (extents, volume). derm_grid_sums_serial equals the plain serial loop bit
 * for bit, for 1 to 13 arrays, lengths 0 to 40000 and 1 to 3 threads, and
 * derm_grid_sums8_add over strips equals derm_grid_sums8 over the whole.
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

#include "derm/core/grid.h"

static struct derm_grid make(int64_t nx, int64_t ny, int64_t nz, double h)
{
    struct derm_grid g;
    struct derm_err err = {0};
    assert_int_equal(derm_grid_init(&g, nx, ny, nz, h, &err), DERM_OK);
    return g;
}

/* init must fail with DERM_ECONFIG and a message, leaving the grid untouched */
static void rejects(int64_t nx, int64_t ny, int64_t nz, double h)
{
    struct derm_grid g = {7, 7, 7, 7.0, 343};
    struct derm_err err = {0};
    assert_int_equal(derm_grid_init(&g, nx, ny, nz, h, &err), DERM_ECONFIG);
    assert_int_equal(err.code, DERM_ECONFIG);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(g.n, 343);
    /* a NULL error record is allowed */
    assert_int_equal(derm_grid_init(&g, nx, ny, nz, h, NULL), DERM_ECONFIG);
}

static void accepts(struct derm_grid *g, int64_t nx, int64_t ny, int64_t nz, double h)
{
    struct derm_err err = {0};
    assert_int_equal(derm_grid_init(g, nx, ny, nz, h, &err), DERM_OK);
}

static void test_init_sets_members(void **state)
{
    (void)state;
    struct derm_grid g = make(5, 3, 7, 20.0);
    assert_int_equal(g.nx, 5);
    assert_int_equal(g.ny, 3);
    assert_int_equal(g.nz, 7);
    assert_int_equal(g.n, 105);
    assert_true(g.h_um == 20.0);
    /* extents and voxel volume: 20 um voxel = 8000 um^3 = 8e-6 mm^3 */
    assert_true(fabs(derm_grid_lx(&g) - 100.0) <= 1e-15 * 100.0);
    assert_true(fabs(derm_grid_ly(&g) - 60.0) <= 1e-15 * 60.0);
    assert_true(fabs(derm_grid_lz(&g) - 140.0) <= 1e-15 * 140.0);
    assert_true(fabs(derm_grid_voxel_mm3(&g) - 8e-6) <= 1e-15 * 8e-6);
    /* a single-voxel grid is valid */
    struct derm_grid one = make(1, 1, 1, 0.5);
    assert_int_equal(one.n, 1);
}

static void test_init_rejects_bad_sizes(void **state)
{
    (void)state;
    rejects(0, 4, 4, 20.0);
    rejects(4, 0, 4, 20.0);
    rejects(4, 4, 0, 20.0);
    rejects(-1, 4, 4, 20.0);
    rejects(4, -3, 4, 20.0);
    rejects(4, 4, -2, 20.0);
    rejects(4, 4, 4, 0.0);
    rejects(4, 4, 4, -20.0);
    rejects(4, 4, 4, NAN);
    rejects(4, 4, 4, INFINITY);
}

static void test_init_rejects_overflow(void **state)
{
    (void)state;
    struct derm_grid g;
    /* nx * ny overflows */
    rejects(INT64_MAX / 2, 3, 1, 1.0);
    /* nx * ny fits, times nz overflows */
    rejects((int64_t)1 << 31, (int64_t)1 << 31, 4, 1.0);
    rejects(1, 2, INT64_MAX, 1.0);
    /* just fits: 2^31 * 2^31 * 2 = 2^63 overflows, * 1 does not */
    accepts(&g, (int64_t)1 << 31, (int64_t)1 << 31, 1, 1.0);
    assert_int_equal(g.n, (int64_t)1 << 62);
    accepts(&g, INT64_MAX, 1, 1, 1.0);
}

static void test_index_order_x_fastest(void **state)
{
    (void)state;
    struct derm_grid g = make(5, 3, 4, 10.0);
    assert_int_equal(derm_grid_idx(&g, 0, 0, 0), 0);
    assert_int_equal(derm_grid_idx(&g, 1, 0, 0), 1);
    assert_int_equal(derm_grid_idx(&g, 0, 1, 0), 5);
    assert_int_equal(derm_grid_idx(&g, 0, 0, 1), 15);
    assert_int_equal(derm_grid_idx(&g, 4, 2, 3), g.n - 1);
    /* bijection onto 0..n-1 and consecutive in the (k, j, i) loop order */
    int64_t expect = 0;
    for (int64_t k = 0; k < g.nz; k++)
        for (int64_t j = 0; j < g.ny; j++)
            for (int64_t i = 0; i < g.nx; i++) assert_int_equal(derm_grid_idx(&g, i, j, k), expect++);
    assert_int_equal(expect, g.n);
}

static void test_voxel_of_centres(void **state)
{
    (void)state;
    struct derm_grid g = make(5, 3, 4, 20.0);
    for (int64_t k = 0; k < g.nz; k++)
        for (int64_t j = 0; j < g.ny; j++)
            for (int64_t i = 0; i < g.nx; i++) {
                double x = ((double)i + 0.5) * g.h_um, y = ((double)j + 0.5) * g.h_um;
                double z = ((double)k + 0.5) * g.h_um;
                assert_int_equal(derm_grid_voxel_of(&g, x, y, z), derm_grid_idx(&g, i, j, k));
                /* faces belong to the voxel they open: [i h, (i+1) h) */
                assert_int_equal(derm_grid_voxel_of(&g, (double)i * g.h_um, (double)j * g.h_um, (double)k * g.h_um),
                                 derm_grid_idx(&g, i, j, k));
            }
}

static void test_voxel_of_wraps_xy(void **state)
{
    (void)state;
    struct derm_grid g = make(5, 3, 4, 20.0);
    const double h = g.h_um, lx = derm_grid_lx(&g), ly = derm_grid_ly(&g);
    const double zc = 1.5 * h; /* k = 1 */
    /* just left of x = 0 -> last column; just right of Lx -> first column */
    assert_int_equal(derm_grid_voxel_of(&g, -0.5 * h, 0.5 * h, zc), derm_grid_idx(&g, 4, 0, 1));
    assert_int_equal(derm_grid_voxel_of(&g, lx + 0.5 * h, 0.5 * h, zc), derm_grid_idx(&g, 0, 0, 1));
    assert_int_equal(derm_grid_voxel_of(&g, lx, 0.5 * h, zc), derm_grid_idx(&g, 0, 0, 1));
    /* several periods away in either direction */
    assert_int_equal(derm_grid_voxel_of(&g, 2.5 * h + 7.0 * lx, 1.5 * h - 4.0 * ly, zc), derm_grid_idx(&g, 2, 1, 1));
    assert_int_equal(derm_grid_voxel_of(&g, 2.5 * h - 3.0 * lx, 2.5 * h + 11.0 * ly, zc), derm_grid_idx(&g, 2, 2, 1));
    /* y wrap */
    assert_int_equal(derm_grid_voxel_of(&g, 0.5 * h, -0.5 * h, zc), derm_grid_idx(&g, 0, 2, 1));
    assert_int_equal(derm_grid_voxel_of(&g, 0.5 * h, ly + 0.5 * h, zc), derm_grid_idx(&g, 0, 0, 1));
    /* the result is always a valid index for a sweep of positions */
    for (int q = -500; q <= 500; q++) {
        /* offsets keep every position >= 0.003 h away from a voxel face */
        double x = (0.37 * q + 0.013) * h, y = (-0.53 * q + 0.017) * h;
        int64_t v = derm_grid_voxel_of(&g, x, y, zc);
        assert_true(v >= 0 && v < g.n);
        int64_t i = v % g.nx, j = (v / g.nx) % g.ny;
        /* the wrapped position lies in voxel (i, j) */
        double xw = x - floor(x / lx) * lx, yw = y - floor(y / ly) * ly;
        assert_int_equal(i, (int64_t)floor(xw / h) % g.nx);
        assert_int_equal(j, (int64_t)floor(yw / h) % g.ny);
    }
}

static void test_voxel_of_clamps_z(void **state)
{
    (void)state;
    struct derm_grid g = make(5, 3, 4, 20.0);
    const double h = g.h_um, lz = derm_grid_lz(&g);
    assert_int_equal(derm_grid_voxel_of(&g, 0.5 * h, 0.5 * h, -1.0), derm_grid_idx(&g, 0, 0, 0));
    assert_int_equal(derm_grid_voxel_of(&g, 0.5 * h, 0.5 * h, -1e6), derm_grid_idx(&g, 0, 0, 0));
    assert_int_equal(derm_grid_voxel_of(&g, 0.5 * h, 0.5 * h, lz), derm_grid_idx(&g, 0, 0, 3));
    assert_int_equal(derm_grid_voxel_of(&g, 0.5 * h, 0.5 * h, lz + 1e6), derm_grid_idx(&g, 0, 0, 3));
    /* z is not periodic: Lz + half a voxel is the deepest layer, not the top one */
    assert_int_equal(derm_grid_voxel_of(&g, 0.5 * h, 0.5 * h, lz + 0.5 * h), derm_grid_idx(&g, 0, 0, 3));
}

/* derm_grid_coarsening: the largest common divisor of nx, ny, nz whose block is no longer
 * than the given length; 1 when none fits or the length is not a positive number. */
static void test_coarsening(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 100, 100, 100, 10.0, NULL), DERM_OK);
    assert_int_equal(derm_grid_coarsening(&g, 139.5), 10); /* the MMPs at 0.125 */
    assert_int_equal(derm_grid_coarsening(&g, 99.9), 5);   /* 10 does not fit, 5 does */
    assert_int_equal(derm_grid_coarsening(&g, 20.0), 2);   /* f h = length fits */
    assert_int_equal(derm_grid_coarsening(&g, 19.9), 1);
    assert_int_equal(derm_grid_coarsening(&g, 1e9), 100);
    assert_int_equal(derm_grid_coarsening(&g, 0.0), 1);
    assert_int_equal(derm_grid_coarsening(&g, -5.0), 1);
    assert_int_equal(derm_grid_coarsening(&g, NAN), 1);
    assert_int_equal(derm_grid_init(&g, 12, 12, 40, 20.0, NULL), DERM_OK); /* common divisors 1, 2, 4 */
    assert_int_equal(derm_grid_coarsening(&g, 139.5), 4);
    assert_int_equal(derm_grid_init(&g, 7, 1, 40, 20.0, NULL), DERM_OK); /* a 2D slice: ny 1 */
    assert_int_equal(derm_grid_coarsening(&g, 1e9), 1);
}

static void test_sums_serial_bitwise(void **state)
{
    (void)state;
    const int64_t lengths[] = {0, 1, 7, 40000};
    enum { K = 13 };
    double *x[K];
    uint64_t r = 88172645463325252ull;
    for (int j = 0; j < K; j++) {
        x[j] = malloc(40000 * sizeof(double));
        assert_non_null(x[j]);
        for (int64_t v = 0; v < 40000; v++) { /* xorshift: magnitudes over 12 decades, so the order matters */
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            x[j][v] = (double)(r >> 11) * 0x1.0p-53 * pow(10.0, (double)(r % 12) - 6.0);
        }
    }
    const int saved = omp_get_max_threads();
    for (int t = 1; t <= 3; t++) {
        omp_set_num_threads(t);
        for (size_t L = 0; L < sizeof lengths / sizeof lengths[0]; L++)
            for (int k = 1; k <= K; k++) {
                double sum[K], want[K];
                memset(sum, 0xff, sizeof sum);
                derm_grid_sums_serial((const double *const *)x, k, lengths[L], sum);
                for (int j = 0; j < k; j++) {
                    want[j] = 0.0;
                    for (int64_t v = 0; v < lengths[L]; v++) want[j] += x[j][v];
                    assert_memory_equal(&sum[j], &want[j], sizeof(double));
                }
            }
    }
    omp_set_num_threads(saved);
    double pair[2];
    const double *in[2] = {x[0], x[1]};
    derm_grid_sums_serial(in, 2, 40000, pair);
    double reversed = 0.0; /* the check can fail: another order gives other bits */
    for (int64_t v = 39999; v >= 0; v--) reversed += x[0][v];
    assert_true(reversed != pair[0]);
    /* derm_grid_sums8_add over strips of 256, 97 and the rest continues each chain: the bits
     * of one pass */
    const derm_real *p8[8];
    double whole[8], parts[8] = {0};
    for (int j = 0; j < 8; j++) p8[j] = x[j];
    derm_grid_sums8(p8, 40000, whole);
    const int64_t cut[] = {0, 256, 353, 40000};
    for (int c = 0; c < 3; c++) {
        const derm_real *q8[8];
        for (int j = 0; j < 8; j++) q8[j] = x[j] + cut[c];
        derm_grid_sums8_add(q8, cut[c + 1] - cut[c], parts);
    }
    assert_memory_equal(parts, whole, sizeof whole);
    for (int j = 0; j < K; j++) free(x[j]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_sets_members),     cmocka_unit_test(test_init_rejects_bad_sizes),
        cmocka_unit_test(test_init_rejects_overflow), cmocka_unit_test(test_index_order_x_fastest),
        cmocka_unit_test(test_voxel_of_centres),      cmocka_unit_test(test_voxel_of_wraps_xy),
        cmocka_unit_test(test_voxel_of_clamps_z),     cmocka_unit_test(test_coarsening),
        cmocka_unit_test(test_sums_serial_bitwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
