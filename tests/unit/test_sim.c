/* test_sim.c - sim/sim: the owning simulation object: creation, the step loop, totals,
 * reproducibility.
 *
 * On small grids (8x8x12 voxels of 20 um, ~135 fibroblasts) with default parameters:
 * the initial state is the young-adult steady state (fragmented fraction kI/(kI + kF) and
 * collagen per area to 1e-12, every signal with young_level 1 at mean 1 within 1e-6,
 * exosome 0, synthesis = cleavage = clearance); 20 steps keep every field finite and
 * non-negative and every agent inside the domain with unique ids; the same seed gives
 * bitwise identical totals, fields and agents, a different seed different agents; 1 and
 * 2 threads give bitwise identical totals, fields and agent columns (memcmp); over 2
 * simulated years at 25-27 on a 24x24x12 grid (~1200 fibroblasts, so birth-death noise
 * is ~3 %) collagen changes by < 2 % and the fibroblast count by < 15 %; impossible
 * domains fail with DERM_ECONFIG and a message; the parameter copy is never written and the
 * division hazard in use is the derived or the given one.
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

#include "derm/sim/sim.h"
#include "derm/sim/totals.h"

static struct derm_params small_params(void)
{
    struct derm_params p;
    derm_params_defaults(&p);
    p.domain_nx = 8;
    p.domain_ny = 8;
    p.domain_nz = 12;
    p.domain_voxel_um = 20.0;
    p.run_age_start_years = 25.0;
    p.run_age_end_years = 27.0;
    p.run_seed = 1;
    return p;
}

/* An empty schedule (no exposures, no treatments). */
static const struct derm_schedule *no_schedule(void)
{
    static struct derm_schedule empty; /* zero: n = 0 */
    return &empty;
}

static struct derm_sim *create(const struct derm_params *p)
{
    struct derm_sim *s = NULL;
    struct derm_err err = {0};
    derm_status st = derm_sim_create(&s, p, no_schedule(), &err);
    if (st != DERM_OK) fail_msg("derm_sim_create: %s", err.msg);
    assert_non_null(s);
    return s;
}

static void run(struct derm_sim *s, int nsteps)
{
    struct derm_err err = {0};
    for (int q = 0; q < nsteps; q++) {
        derm_status st = derm_sim_step(s, &err);
        if (st != DERM_OK) fail_msg("derm_sim_step %d: %s", q, err.msg);
    }
}

static void check_state_sane(const struct derm_sim *s)
{
    const struct derm_grid *g = &s->grid;
    for (int q = 0; q < DERM_NMATRIX; q++)
        for (int64_t v = 0; v < g->n; v++)
            if (!(isfinite(s->f.matrix[q][v]) && s->f.matrix[q][v] >= 0.0))
                fail_msg("matrix field %d voxel %lld = %g", q, (long long)v, s->f.matrix[q][v]);
    for (int q = 0; q < DERM_NSIGNAL; q++)
        for (int64_t v = 0; v < g->n; v++)
            if (!(isfinite(s->f.signal[q][v]) && s->f.signal[q][v] >= 0.0))
                fail_msg("signal field %d voxel %lld = %g", q, (long long)v, s->f.signal[q][v]);
    const double lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    for (int64_t r = 0; r < s->a.n; r++) {
        assert_true(s->a.x[r] >= 0.0 && s->a.x[r] < lx);
        assert_true(s->a.y[r] >= 0.0 && s->a.y[r] < ly);
        assert_true(s->a.z[r] >= 0.0 && s->a.z[r] < lz);
        assert_true(s->a.id[r] >= 1 && s->a.id[r] < s->a.next_id);
        assert_true(s->a.type[r] == DERM_AGENT_FIBROBLAST || s->a.type[r] == DERM_AGENT_STEM);
        assert_true(s->a.state[r] != DERM_STATE_APOPTOTIC); /* removed in the same step */
        assert_true(s->a.damage[r] >= 0.0 && isfinite(s->a.damage[r]));
    }
    /* unique ids (sort a copy) */
    int64_t *ids = malloc((size_t)s->a.n * sizeof *ids + 1);
    assert_non_null(ids);
    memcpy(ids, s->a.id, (size_t)s->a.n * sizeof *ids);
    for (int64_t r = 1; r < s->a.n; r++) { /* insertion sort: n ~ 100-200 */
        int64_t x = ids[r], q = r - 1;
        while (q >= 0 && ids[q] > x) ids[q + 1] = ids[q], q--;
        ids[q + 1] = x;
    }
    for (int64_t r = 1; r < s->a.n; r++) assert_true(ids[r] > ids[r - 1]);
    free(ids);
    double t[DERM_NTOTALS];
    derm_totals_compute(s, t);
    for (int q = 0; q < DERM_NTOTALS; q++)
        if (!isfinite(t[q])) fail_msg("total %s = %g", derm_total_desc(q)->name, t[q]);
}

/* Bitwise comparison of two simulations: totals, every field, every agent column. */
static void assert_sims_identical(const struct derm_sim *a, const struct derm_sim *b)
{
    double ta[DERM_NTOTALS], tb[DERM_NTOTALS];
    derm_totals_compute(a, ta);
    derm_totals_compute(b, tb);
    assert_memory_equal(ta, tb, sizeof ta);
    const size_t nv = (size_t)a->grid.n * sizeof(double);
    for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a->f.matrix[q], b->f.matrix[q], nv);
    for (int q = 0; q < DERM_NSIGNAL; q++) assert_memory_equal(a->f.signal[q], b->f.signal[q], nv);
    assert_int_equal(a->a.n, b->a.n);
    assert_int_equal(a->a.next_id, b->a.next_id);
    const size_t n = (size_t)a->a.n;
#define X_CMP(name, ctype, kind, units, desc) assert_memory_equal(a->a.name, b->a.name, n * sizeof(ctype));
    DERM_AGENT_COLUMNS(X_CMP)
#undef X_CMP
}

static void test_create_young_steady_state(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    struct derm_sim *s = create(&p);
    const double Y = DERM_HOURS_PER_YEAR;
    assert_int_equal(s->step, 0);
    assert_int_equal(s->nsteps, (int64_t)ceil(2.0 * Y / p.run_dt_hours));
    assert_true(derm_sim_age(s, 0) == 25.0);
    assert_true(fabs(derm_sim_age(s, 10) - (25.0 + 10.0 * p.run_dt_hours / Y)) < 1e-12);
    /* fibroblasts at the layer densities: each layer rounds its expectation up or down */
    double expect = 0.0;
    const double vox = derm_grid_voxel_mm3(&s->grid);
    for (int64_t k = 0; k < p.domain_nz; k++) {
        double zc = ((double)k + 0.5) * p.domain_voxel_um;
        double rho = p.fibroblast_density_per_mm3 *
                     (zc < p.domain_papillary_depth_um ? p.fibroblast_papillary_density_ratio : 1.0);
        expect += rho * vox * (double)(p.domain_nx * p.domain_ny);
    }
    double t[DERM_NTOTALS];
    derm_totals_compute(s, t);
    assert_true(fabs(t[DERM_T_FIBROBLAST_COUNT] - expect) <= (double)p.domain_nz);
    assert_true(fabs(t[DERM_T_STEM_CELL_COUNT] - p.stem_fraction * t[DERM_T_FIBROBLAST_COUNT]) <= 1.0);
    /* matrix: the two-compartment steady state F/(I + F) = kI/(kI + kF) */
    const double kI = 1.0 / p.ecm_collagen_half_life_years, kF = 1.0 / p.ecm_fragment_half_life_years;
    assert_true(fabs(t[DERM_T_COLLAGEN_FRAGMENTED_FRACTION] - kI / (kI + kF)) < 1e-12);
    const double depth_cm = derm_grid_lz(&s->grid) * 1e-4;
    const double col = p.ecm_collagen_density_mg_per_ml * (1.0 + kI / kF) * depth_cm;
    assert_true(fabs(t[DERM_T_COLLAGEN_TOTAL] - col) <= 1e-12 * col);
    assert_true(fabs(t[DERM_T_AGE_CROSSLINKS_MEAN] - p.ecm_age_initial_pmol_per_mg) <=
                1e-12 * p.ecm_age_initial_pmol_per_mg);
    /* in balance: synthesis = cleavage = clearance */
    assert_true(fabs(t[DERM_T_COLLAGEN_SYNTHESIS_RATE] - t[DERM_T_COLLAGEN_DEGRADATION_RATE]) <=
                1e-12 * t[DERM_T_COLLAGEN_SYNTHESIS_RATE]);
    assert_true(t[DERM_T_COLLAGEN_SYNTHESIS_RATE] > 0.0);
    assert_true(fabs(t[DERM_T_ELASTIN_FUNCTIONAL_TOTAL] - p.ecm_elastin_density_mg_per_ml * depth_cm) <=
                1e-12 * p.ecm_elastin_density_mg_per_ml * depth_cm);
    /* signals: the steady state of the calibrated secretion has mean = young level */
    const int with_level_1[] = {DERM_S_TGFB, DERM_S_MMP1, DERM_S_MMP3, DERM_S_TIMP,
                                DERM_S_ROS,  DERM_S_IL,   DERM_S_GF,   DERM_S_CHEMOKINE};
    for (size_t q = 0; q < sizeof with_level_1 / sizeof *with_level_1; q++) {
        const int i = DERM_T_SIGNAL_MEAN + with_level_1[q];
        assert_true(p.signal[with_level_1[q]].young_level == 1.0);
        if (!(fabs(t[i] - 1.0) < 1e-6)) fail_msg("%s = %.12g, expected 1", derm_total_desc(i)->name, t[i]);
    }
    assert_true(p.signal[DERM_S_EXOSOME].young_level == 0.0);
    assert_true(t[DERM_T_SIGNAL_MEAN + DERM_S_EXOSOME] == 0.0);
    assert_true(t[DERM_T_ESTROGEN] == 1.0);
    assert_true(fabs(t[DERM_T_DERMAL_THICKNESS] - derm_grid_lz(&s->grid)) <= 1e-9 * derm_grid_lz(&s->grid));
    check_state_sane(s);
    derm_sim_free(s);
    derm_sim_free(NULL); /* harmless */
}

static void test_steps_stay_finite_and_non_negative(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    struct derm_sim *s = create(&p);
    for (int q = 0; q < 20; q++) {
        run(s, 1);
        check_state_sane(s);
    }
    assert_int_equal(s->step, 20);
    double t[DERM_NTOTALS];
    derm_totals_compute(s, t);
    /* after 20 weeks the young state has barely moved */
    assert_true(fabs(t[DERM_T_COLLAGEN_FRAGMENTED_FRACTION] - 0.7 / 9.7) < 0.01);
    assert_true(t[DERM_T_FIBROBLAST_COUNT] > 0.0);
    derm_sim_free(s);
}

static void test_seed_reproducibility(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    struct derm_sim *a = create(&p), *b = create(&p);
    run(a, 10);
    run(b, 10);
    assert_sims_identical(a, b);
    /* a different seed places and moves the cells differently */
    p.run_seed = 2;
    struct derm_sim *c = create(&p);
    run(c, 10);
    int64_t n = a->a.n < c->a.n ? a->a.n : c->a.n, same = 0;
    for (int64_t r = 0; r < n; r++) same += a->a.x[r] == c->a.x[r];
    assert_true(same < n / 10);
    derm_sim_free(a);
    derm_sim_free(b);
    derm_sim_free(c);
}

static void test_thread_count_invariance(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    struct derm_sim *a = create(&p);
    run(a, 20);
    omp_set_num_threads(2);
    struct derm_sim *b = create(&p);
    run(b, 20);
    omp_set_num_threads(saved);
    assert_sims_identical(a, b);
    /* a run that switches thread count mid-way agrees too */
    omp_set_num_threads(1);
    struct derm_sim *c = create(&p);
    run(c, 10);
    omp_set_num_threads(2);
    run(c, 10);
    omp_set_num_threads(saved);
    assert_sims_identical(a, c);
    derm_sim_free(a);
    derm_sim_free(b);
    derm_sim_free(c);
}

static void test_homeostasis_two_years_at_25(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    p.domain_nx = 24;
    p.domain_ny = 24;
    struct derm_sim *s = create(&p);
    double t0[DERM_NTOTALS], t1[DERM_NTOTALS];
    derm_totals_compute(s, t0);
    run(s, (int)s->nsteps);
    derm_totals_compute(s, t1);
    assert_true(fabs(derm_sim_age(s, s->step) - 27.0) < p.run_dt_hours / DERM_HOURS_PER_YEAR);
    double dcol = t1[DERM_T_COLLAGEN_TOTAL] / t0[DERM_T_COLLAGEN_TOTAL] - 1.0;
    double dfib = t1[DERM_T_FIBROBLAST_COUNT] / t0[DERM_T_FIBROBLAST_COUNT] - 1.0;
    if (!(fabs(dcol) < 0.02)) fail_msg("collagen changed by %.2f %% in 2 years at 25", 100.0 * dcol);
    if (!(fabs(dfib) < 0.15)) fail_msg("fibroblast count changed by %.2f %% in 2 years at 25", 100.0 * dfib);
    /* the young state stays young: few senescent cells, fragmented fraction near 7 % */
    assert_true(t1[DERM_T_SENESCENT_FRACTION] < 0.1);
    assert_true(fabs(t1[DERM_T_COLLAGEN_FRAGMENTED_FRACTION] - t0[DERM_T_COLLAGEN_FRAGMENTED_FRACTION]) < 0.01);
    check_state_sane(s);
    derm_sim_free(s);
}

static void test_impossible_domains_fail(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    struct derm_sim *s = (struct derm_sim *)&p; /* must be reset to NULL on failure */
    struct derm_err err = {0};
    /* far too small for one fibroblast: 2 voxels of 1 um^3 at 10 cells/mm^3 */
    p.domain_nx = 1;
    p.domain_ny = 1;
    p.domain_nz = 2;
    p.domain_voxel_um = 1.0;
    p.fibroblast_density_per_mm3 = 10.0;
    assert_int_equal(derm_sim_create(&s, &p, no_schedule(), &err), DERM_ECONFIG);
    assert_null(s);
    assert_int_equal(err.code, DERM_ECONFIG);
    assert_non_null(strstr(err.msg, "no fibroblasts"));
    /* an invalid grid (bypassing config validation) */
    p = small_params();
    p.domain_nx = 0;
    derm_err_clear(&err);
    assert_int_equal(derm_sim_create(&s, &p, no_schedule(), &err), DERM_ECONFIG);
    assert_null(s);
    assert_non_null(strstr(err.msg, "grid"));
}

/* Every parameter of the table (signal rows included) bitwise equal; padding ignored. */
static void assert_params_same(const struct derm_params *a, const struct derm_params *b)
{
    const struct derm_param_desc *t = derm_params_table();
    assert_non_null(derm_params_find("signals.tgfb.half_life_h"));
    for (size_t i = 0; i < derm_params_count(); i++) {
        const double x = derm_params_get(a, &t[i]), y = derm_params_get(b, &t[i]);
        if (memcmp(&x, &y, sizeof x) != 0) fail_msg("%s: %.17g vs %.17g", t[i].path, x, y);
    }
}

/* The parameter copy is provenance only: creating and stepping never write into it; the
 * division hazard in use is derived at creation (parameter 0) or the given one. */
static void test_params_copy_untouched_and_division(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    assert_true(p.fibroblast_division_per_day == 0.0); /* default: derive it */
    struct derm_sim *s = create(&p);
    const double derived = derm_sim_division_per_day(s);
    assert_true(derived > 0.0 && isfinite(derived));
    assert_true(fabs(derived - s->h.division_h * DERM_HOURS_PER_DAY) <= 1e-15 * derived);
    run(s, 3);
    assert_params_same(&s->p, &p);
    assert_true(derm_sim_division_per_day(s) == derived); /* fixed for the run */
    assert_int_equal(s->schedule.n, 0);
    derm_sim_free(s);
    p.fibroblast_division_per_day = 0.05;
    s = create(&p);
    assert_true(fabs(derm_sim_division_per_day(s) - 0.05) <= 1e-15);
    assert_params_same(&s->p, &p);
    derm_sim_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_young_steady_state),
        cmocka_unit_test(test_steps_stay_finite_and_non_negative),
        cmocka_unit_test(test_seed_reproducibility),
        cmocka_unit_test(test_thread_count_invariance),
        cmocka_unit_test(test_homeostasis_two_years_at_25),
        cmocka_unit_test(test_impossible_domains_fail),
        cmocka_unit_test(test_params_copy_untouched_and_division),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
