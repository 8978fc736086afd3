/* test_bins.c - store/bins: agent rows grouped by voxel (a stable radix sort).
 *
 * Checked against the definition: every row listed exactly once, under
 * derm_grid_voxel_of of its position (x, y wrapped, z clamped), rows ascending within a
 * voxel, the occupied voxels listed once each, ascending, with the offsets of their runs
 * (derm_bins_voxel finds any voxel's run, empty for the others); a->voxel refreshed for
 * every row. Also: init allocates nothing per voxel, the row list grows with the population and is not reallocated
 * when the population shrinks or stays within capacity (no per-step allocation), the
 * result does not depend on the thread count (bitwise), fini releases and zeroes.
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

#include "derm/store/bins.h"

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

/* n agents at random positions, some outside the domain in x, y (wrap) and z (clamp). */
static void add_random_agents(struct derm_agents *a, const struct derm_grid *g, int64_t n, uint64_t seed)
{
    uint64_t s = seed;
    const double lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    for (int64_t q = 0; q < n; q++) {
        int64_t r = -1;
        assert_int_equal(derm_agents_append(a, &r, NULL), DERM_OK);
        a->x[r] = (urand(&s) * 1.4 - 0.2) * lx;
        a->y[r] = (urand(&s) * 1.4 - 0.2) * ly;
        a->z[r] = (urand(&s) * 1.2 - 0.1) * lz;
        a->type[r] = (int8_t)(urand(&s) < 0.3 ? DERM_AGENT_STEM : DERM_AGENT_FIBROBLAST);
    }
}

static void check_bins(const struct derm_grid *g, const struct derm_bins *b, const struct derm_agents *a)
{
    assert_int_equal(b->n, a->n);
    assert_true(b->nocc >= 0 && b->nocc <= a->n);
    assert_int_equal(b->occ_start[0], 0);
    assert_int_equal(b->occ_start[b->nocc], a->n);
    char *seen = calloc((size_t)a->n + 1, 1);
    assert_non_null(seen);
    int64_t occupied = 0, listed = 0;
    for (int64_t v = 0; v < g->n; v++) {
        int64_t q0 = -1, q1 = -1;
        derm_bins_voxel(b, v, &q0, &q1);
        assert_true(q0 >= 0 && q0 <= q1 && q1 <= a->n);
        assert_int_equal(q0, listed); /* the voxels' runs follow one another in voxel order */
        occupied += q1 > q0;
        for (int64_t q = q0; q < q1; q++) {
            int64_t r = b->rows[q];
            assert_true(r >= 0 && r < a->n);
            assert_false(seen[r]);
            seen[r] = 1;
            assert_int_equal(a->voxel[r], v);
            if (q > q0) assert_true(b->rows[q - 1] < r); /* ascending row order */
        }
        listed = q1;
    }
    assert_int_equal(listed, a->n);
    assert_int_equal(occupied, b->nocc); /* exactly the occupied voxels are listed, ascending */
    for (int64_t j = 0; j + 1 < b->nocc; j++) assert_true(b->occ[j] < b->occ[j + 1]);
    for (int64_t j = 0; j < b->nocc; j++) assert_true(b->occ_start[j] < b->occ_start[j + 1]);
    for (int64_t r = 0; r < a->n; r++) {
        assert_true(seen[r]);
        assert_int_equal(a->voxel[r], derm_grid_voxel_of(g, a->x[r], a->y[r], a->z[r]));
    }
    free(seen);
}

/* ---- binning ------------------------------------------------------------------------- */

static void test_bins_group_rows_by_voxel(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(5, 4, 3, 20.0);
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    /* empty store */
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    assert_int_equal(b.nocc, 0);
    check_bins(&g, &b, &a);
    /* 300 agents (rows > voxels), then more after moving them (capacity grows) */
    add_random_agents(&a, &g, 300, 1);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    check_bins(&g, &b, &a);
    for (int64_t r = 0; r < a.n; r++) a.x[r] += 13.0;
    add_random_agents(&a, &g, 700, 2);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    check_bins(&g, &b, &a);
    /* after removals the bins shrink accordingly */
    for (int q = 0; q < 500; q++) derm_agents_swap_remove(&a, q);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    check_bins(&g, &b, &a);
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

static void test_init_and_fini(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(5, 4, 3, 20.0);
    struct derm_bins b;
    struct derm_err err = {0};
    assert_int_equal(derm_bins_init(&b, &g, &err), DERM_OK);
    assert_int_equal(b.nvox, g.n);
    assert_int_equal(b.nocc, 0);
    assert_int_equal(b.cap, 0); /* nothing per voxel, and no rows until agents are binned */
    derm_bins_fini(&b);
    assert_null(b.occ);
    assert_null(b.occ_start);
    assert_null(b.scratch);
    assert_null(b.rows);
    assert_int_equal(b.nvox, 0);
    assert_int_equal(b.cap, 0);
    derm_bins_fini(&b); /* second fini is harmless */
}

static void test_voxel_refreshed_and_clamped(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(4, 3, 5, 10.0);
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    /* hand-placed rows: centre of (2,1,3); wrapped in x and y; above the DEJ; below the bottom */
    const double pos[][3] = {{25.0, 15.0, 35.0}, {-5.0, 35.0, 5.0}, {45.0, -25.0, -7.0}, {5.0, 5.0, 1e4}};
    const int64_t vox[] = {derm_grid_idx(&g, 2, 1, 3), derm_grid_idx(&g, 3, 0, 0), derm_grid_idx(&g, 0, 0, 0),
                           derm_grid_idx(&g, 0, 0, 4)};
    for (int q = 0; q < 4; q++) {
        int64_t r = -1;
        assert_int_equal(derm_agents_append(&a, &r, NULL), DERM_OK);
        a.x[r] = pos[q][0];
        a.y[r] = pos[q][1];
        a.z[r] = pos[q][2];
        a.voxel[r] = -99; /* stale */
    }
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    for (int q = 0; q < 4; q++) assert_int_equal(a.voxel[q], vox[q]);
    /* rows 2 (clamped from above) and nothing else share voxel 0; offsets count them */
    int64_t q0, q1;
    derm_bins_voxel(&b, vox[2], &q0, &q1);
    assert_int_equal(q1 - q0, 1);
    derm_bins_voxel(&b, vox[0], &q0, &q1);
    assert_int_equal(b.rows[q0], 0);
    derm_bins_voxel(&b, vox[3], &q0, &q1);
    assert_int_equal(b.rows[q0], 3);
    check_bins(&g, &b, &a);
    /* two rows in the same voxel are listed in row order */
    a.x[1] = 25.5;
    a.y[1] = 14.0;
    a.z[1] = 39.0;
    a.x[0] = 21.0;
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    derm_bins_voxel(&b, vox[0], &q0, &q1);
    assert_int_equal(q1 - q0, 2);
    assert_int_equal(b.rows[q0], 0);
    assert_int_equal(b.rows[q0 + 1], 1);
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

static void test_rows_not_reallocated_when_population_shrinks(void **state)
{
    (void)state;
    struct derm_grid g = make_grid(6, 5, 4, 20.0);
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    add_random_agents(&a, &g, 1000, 11);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    assert_true(b.cap >= a.n);
    const int64_t cap = b.cap;
    const int64_t *rows = b.rows, *occ = b.occ, *start = b.occ_start, *scratch = b.scratch;
    /* rebuilding at the same or a smaller population keeps every buffer */
    for (int round = 0; round < 5; round++) {
        for (int64_t r = 0; r < a.n; r++) a.z[r] += 3.0;
        for (int q = 0; q < 50; q++) derm_agents_swap_remove(&a, q * 7 % a.n);
        assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
        assert_int_equal(b.cap, cap);
        /* the sort may leave its result in either buffer (an odd number of passes swaps them) */
        assert_true((b.rows == rows && b.scratch == scratch) || (b.rows == scratch && b.scratch == rows));
        assert_ptr_equal(b.occ, occ);
        assert_ptr_equal(b.occ_start, start);
        check_bins(&g, &b, &a);
    }
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

/* The bins of n random agents on g at 1 thread, then at 2, 3 and 4: the same rows, runs and
 * voxels, bit for bit (g's voxel count sets the sort's passes: one for < 2^11 voxels), with
 * the sort on the threads from min_rows rows. */
static void thread_invariant_on(struct derm_grid g, int64_t n, int64_t min_rows)
{
    struct derm_agents a;
    struct derm_bins b;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&b, &g, NULL), DERM_OK);
    assert_int_equal(b.sort_min_rows, DERM_BINS_SORT_MIN_ROWS);
    b.sort_min_rows = min_rows;
    add_random_agents(&a, &g, n, 4);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
    const int64_t nocc1 = b.nocc;
    int64_t *start1 = malloc((size_t)(nocc1 + 1) * sizeof *start1), *rows1 = malloc((size_t)a.n * sizeof *rows1);
    int64_t *vox1 = malloc((size_t)a.n * sizeof *vox1);
    assert_non_null(start1);
    assert_non_null(rows1);
    assert_non_null(vox1);
    memcpy(start1, b.occ_start, (size_t)(nocc1 + 1) * sizeof *start1);
    memcpy(rows1, b.rows, (size_t)a.n * sizeof *rows1);
    memcpy(vox1, a.voxel, (size_t)a.n * sizeof *vox1);
    for (int t = 2; t <= 4; t++) {
        omp_set_num_threads(t);
        assert_int_equal(derm_bins_build(&b, &g, &a, NULL), DERM_OK);
        check_bins(&g, &b, &a);
        assert_int_equal(b.nocc, nocc1);
        assert_memory_equal(start1, b.occ_start, (size_t)(nocc1 + 1) * sizeof *start1);
        assert_memory_equal(rows1, b.rows, (size_t)a.n * sizeof *rows1);
        assert_memory_equal(vox1, a.voxel, (size_t)a.n * sizeof *vox1);
    }
    omp_set_num_threads(saved);
    free(start1);
    free(rows1);
    free(vox1);
    derm_bins_fini(&b);
    derm_agents_fini(&a);
}

static void test_thread_invariant(void **state)
{
    (void)state;
    for (int64_t min_rows = 0; min_rows <= DERM_BINS_SORT_MIN_ROWS; min_rows += DERM_BINS_SORT_MIN_ROWS) {
        thread_invariant_on(make_grid(16, 12, 10, 20.0), 20000, min_rows);  /* 1920 voxels: one pass */
        thread_invariant_on(make_grid(64, 64, 40, 10.0), 9001, min_rows);   /* 163840 voxels: two passes */
        thread_invariant_on(make_grid(256, 256, 80, 10.0), 3000, min_rows); /* 5.2e6 voxels: three passes */
        thread_invariant_on(make_grid(2, 3, 1, 10.0), 7, min_rows);         /* fewer rows than threads */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_fini),
        cmocka_unit_test(test_bins_group_rows_by_voxel),
        cmocka_unit_test(test_voxel_refreshed_and_clamped),
        cmocka_unit_test(test_rows_not_reallocated_when_population_shrinks),
        cmocka_unit_test(test_thread_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
