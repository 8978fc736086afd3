/* test_sim.c - sim/sim: the owning simulation object: creation, the step loop, totals,
 * reproducibility.
 *
 * On small grids (8x8x12 voxels of 20 um, ~135 fibroblasts) with default parameters:
 * the initial state is the young-adult steady state (fragmented fraction kI/(kI + kF) and
 * collagen per area to 1e-12, synthesis = cleavage = clearance, thickness = depth); without
 * spin-up and settle the cells are the placed ones (layer counts rounded) and every signal
 * with young_level 1 has mean 1 within 1e-6, exosome 0; after the default spin-up and settle
 * (16x16x12) the population is near the reference density (20 %), the signal means near
 * their young levels (25 %) and the deposition near turnover (15 %), the matrix exactly
 * young, the cells binned where the settle left them and the first synthesis their rates'; runs starting before the
 * young-adult age begin at the start age in a developing dermis (collagen and elastin below young, the closed form of
 * derm_initial_develop; AGE x a0 / y), runs starting after it begin at the young-adult age with the years up to the
 * start as history (derm_sim_begin_age, age0, out_step0, nsteps); with the ageing switches
 * systemic, menopause and glycation off a 16x16x12 subject stays near its start totals over
 * 4 years at 25 (collagen, elastin, HA, AGE, fibroblast count, fragmented fraction,
 * thickness, estrogen; loose) while the same with glycation on accumulates AGE; 20 steps
 * keep every field finite and
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

#include "derm/io/config.h"
#include "derm/sim/sim.h"
#include "derm/sim/totals.h"
#include "sim_fields.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

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

/* Every series at s's state (derm_totals_compute). */
static void totals_of(struct derm_sim *s, double *t)
{
    struct derm_err err = {0};
    if (derm_totals_compute(s, t, &err) != DERM_OK) fail_msg("derm_totals_compute: %s", err.msg);
}

static void run(struct derm_sim *s, int nsteps)
{
    struct derm_err err = {0};
    for (int q = 0; q < nsteps; q++) {
        derm_status st = derm_sim_step(s, &err);
        if (st != DERM_OK) fail_msg("derm_sim_step %d: %s", q, err.msg);
    }
}

static void check_state_sane(struct derm_sim *s)
{
    const struct derm_grid *g = &s->grid;
    for (int q = 0; q < DERM_NMATRIX; q++)
        for (int64_t v = 0; v < g->n; v++)
            if (!(isfinite(s->f.matrix[q][v]) && s->f.matrix[q][v] >= 0.0))
                fail_msg("matrix field %d voxel %lld = %g", q, (long long)v, s->f.matrix[q][v]);
    derm_real *buf = signal_buffer(s);
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        const derm_real *c = signal_field(s, q, buf);
        for (int64_t v = 0; v < g->n; v++)
            if (!(isfinite(c[v]) && c[v] >= 0.0)) fail_msg("signal field %d voxel %lld = %g", q, (long long)v, c[v]);
    }
    free(buf);
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
    totals_of(s, t);
    for (int q = 0; q < DERM_NTOTALS; q++)
        if (!isfinite(t[q])) fail_msg("total %s = %g", derm_total_desc(q)->name, t[q]);
}

/* Bitwise comparison of two simulations: totals, every field, every agent column. */
static void assert_sims_identical(struct derm_sim *a, struct derm_sim *b)
{
    double ta[DERM_NTOTALS], tb[DERM_NTOTALS];
    totals_of(a, ta);
    totals_of(b, tb);
    assert_memory_equal(ta, tb, sizeof ta);
    const size_t nv = (size_t)a->grid.n * sizeof(double);
    for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a->f.matrix[q], b->f.matrix[q], nv);
    derm_real *ba = signal_buffer(a), *bb = signal_buffer(b);
    for (int q = 0; q < DERM_NSIGNAL; q++) assert_memory_equal(signal_field(a, q, ba), signal_field(b, q, bb), nv);
    free(ba);
    free(bb);
    assert_int_equal(a->a.n, b->a.n);
    assert_int_equal(a->a.next_id, b->a.next_id);
    const size_t n = (size_t)a->a.n;
#define X_CMP(name, ctype, kind, units, desc) assert_memory_equal(a->a.name, b->a.name, n * sizeof(ctype));
    DERM_AGENT_COLUMNS(X_CMP)
#undef X_CMP
}

/* The matrix of the young adult and the first row's balance, whatever the cells did. */
static void check_young_matrix(const struct derm_params *p, const struct derm_sim *s, const double *t)
{
    const double kI = 1.0 / p->ecm_collagen_half_life_years, kF = 1.0 / p->ecm_fragment_half_life_years;
    assert_true(fabs(t[DERM_T_COLLAGEN_FRAGMENTED_FRACTION] - kI / (kI + kF)) < 1e-12);
    const double depth_cm = derm_grid_lz(&s->grid) * 1e-4;
    const double col = p->ecm_collagen_density_mg_per_ml * (1.0 + kI / kF) * depth_cm;
    assert_true(fabs(t[DERM_T_COLLAGEN_TOTAL] - col) <= 1e-12 * col);
    assert_true(fabs(t[DERM_T_AGE_CROSSLINKS_MEAN] - p->ecm_age_initial_pmol_per_mg) <=
                1e-12 * p->ecm_age_initial_pmol_per_mg);
    /* in balance: synthesis = cleavage = clearance */
    assert_true(fabs(t[DERM_T_COLLAGEN_SYNTHESIS_RATE] - t[DERM_T_COLLAGEN_DEGRADATION_RATE]) <=
                1e-12 * t[DERM_T_COLLAGEN_SYNTHESIS_RATE]);
    assert_true(t[DERM_T_COLLAGEN_SYNTHESIS_RATE] > 0.0);
    assert_true(fabs(t[DERM_T_ELASTIN_FUNCTIONAL_TOTAL] - p->ecm_elastin_density_mg_per_ml * depth_cm) <=
                1e-12 * p->ecm_elastin_density_mg_per_ml * depth_cm);
    assert_true(t[DERM_T_ELASTIN_ELASTOTIC_TOTAL] == 0.0);
    assert_true(t[DERM_T_ESTROGEN] == 1.0);
    assert_true(fabs(t[DERM_T_DERMAL_THICKNESS] - derm_grid_lz(&s->grid)) <= 1e-9 * derm_grid_lz(&s->grid));
    assert_true(t[DERM_T_SIGNAL_MEAN + DERM_S_EXOSOME] == 0.0);
}

/* Expected fibroblasts: the layer densities x voxels. */
static double expected_fibroblasts(const struct derm_params *p, const struct derm_sim *s)
{
    double expect = 0.0;
    const double vox = derm_grid_voxel_mm3(&s->grid);
    for (int64_t k = 0; k < p->domain_nz; k++) {
        double zc = ((double)k + 0.5) * p->domain_voxel_um;
        double rho = p->fibroblast_density_per_mm3 *
                     (zc < p->domain_papillary_depth_um ? p->fibroblast_papillary_density_ratio : 1.0);
        expect += rho * vox * (double)(p->domain_nx * p->domain_ny);
    }
    return expect;
}

static const int with_level_1[] = {DERM_S_TGFB, DERM_S_MMP1, DERM_S_MMP3, DERM_S_TIMP,
                                   DERM_S_ROS,  DERM_S_IL,   DERM_S_GF,   DERM_S_CHEMOKINE};

static void test_create_young_steady_state(void **state)
{
    (void)state;
    /* without spin-up and settle: the placed cells and the static calibration */
    struct derm_params p = small_params();
    p.run_spinup_years = 0.0;
    p.run_settle_years = 0.0;
    struct derm_sim *s = create(&p);
    const double Y = DERM_HOURS_PER_YEAR;
    assert_int_equal(s->step, 0);
    assert_int_equal(s->nsteps, (int64_t)ceil(2.0 * Y / p.run_dt_hours));
    assert_true(s->age0 == 25.0 && s->out_step0 == 0);
    assert_true(derm_sim_age(s, 0) == 25.0);
    assert_true(fabs(derm_sim_age(s, 10) - (25.0 + 10.0 * p.run_dt_hours / Y)) < 1e-12);
    /* fibroblasts at the layer densities: each layer rounds its expectation up or down */
    const double expect = expected_fibroblasts(&p, s);
    double t[DERM_NTOTALS];
    totals_of(s, t);
    assert_true(fabs(t[DERM_T_FIBROBLAST_COUNT] - expect) <= (double)p.domain_nz);
    assert_true(fabs(t[DERM_T_STEM_CELL_COUNT] - p.stem_fraction * t[DERM_T_FIBROBLAST_COUNT]) <= 1.0);
    check_young_matrix(&p, s, t);
    /* signals: the steady state of the calibrated secretion has mean = young level */
    for (size_t q = 0; q < sizeof with_level_1 / sizeof *with_level_1; q++) {
        const int i = DERM_T_SIGNAL_MEAN + with_level_1[q];
        assert_true(p.signal[with_level_1[q]].young_level == 1.0);
        if (!(fabs(t[i] - 1.0) < 1e-6)) fail_msg("%s = %.12g, expected 1", derm_total_desc(i)->name, t[i]);
    }
    assert_true(p.signal[DERM_S_EXOSOME].young_level == 0.0);
    check_state_sane(s);
    derm_sim_free(s);
    derm_sim_free(NULL); /* harmless */

    /* the defaults (spin-up and settle) on a 16x16x12 grid (~540 fibroblasts): the young
     * population at its own balance, the signals and deposition near the young state */
    p = small_params();
    p.domain_nx = p.domain_ny = 16;
    assert_true(p.run_spinup_years > 0.0 && p.run_settle_years > 0.0);
    s = create(&p);
    assert_int_equal(s->step, 0);
    totals_of(s, t);
    check_young_matrix(&p, s, t);
    const double e16 = expected_fibroblasts(&p, s);
    if (!(fabs(t[DERM_T_FIBROBLAST_COUNT] / e16 - 1.0) < 0.2))
        fail_msg("fibroblasts after the spin-up: %g, reference %g", t[DERM_T_FIBROBLAST_COUNT], e16);
    assert_true(t[DERM_T_STEM_CELL_COUNT] > 0.0);
    assert_true(t[DERM_T_SENESCENT_FRACTION] < 0.1);
    for (size_t q = 0; q < sizeof with_level_1 / sizeof *with_level_1; q++) {
        const int i = DERM_T_SIGNAL_MEAN + with_level_1[q];
        if (!(fabs(t[i] - 1.0) < 0.25))
            fail_msg("%s = %.4f after the settle, expected ~1", derm_total_desc(i)->name, t[i]);
    }
    double dc = 0.0;
    for (int64_t v = 0; v < s->grid.n; v++) dc += s->dep_collagen[v];
    const double turnover = s->c.matrix.k_cleave_h * p.ecm_collagen_density_mg_per_ml * (double)s->grid.n;
    if (!(fabs(dc / turnover - 1.0) < 0.15)) fail_msg("collagen deposition / turnover = %.4f", dc / turnover);
    /* the start's deposits are those of the cells as the settle left them, binned where they
     * are (after its last walk, births and deaths): every row at its position's voxel, every
     * row binned once, and the first row's synthesis the sum of the rows' rates */
    assert_int_equal(s->bins.n, s->a.n);
    double rates = 0.0;
    for (int64_t r = 0; r < s->a.n; r++) {
        assert_int_equal(s->a.voxel[r], derm_grid_voxel_of(&s->grid, s->a.x[r], s->a.y[r], s->a.z[r]));
        rates += s->rates.collagen[r];
    }
    assert_rel(s->last_flux.collagen_synth, rates * s->dt_h, 1e-12);
    assert_rel(dc, rates, 1e-12);
    check_state_sane(s);
    derm_sim_free(s);
}

/* Runs starting before the young-adult age begin in a developing dermis at the start age;
 * runs starting after it simulate the history from the young-adult age. */
static void test_start_ages(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    p.run_spinup_years = 0.0;
    p.run_settle_years = 0.0;
    const double Y = DERM_HOURS_PER_YEAR, ya = p.subject_young_adult_age_years;
    assert_true(ya == 25.0);
    /* before: age0 = the start age, everything written, a developing dermis */
    p.run_age_start_years = 15.0;
    p.run_age_end_years = 16.0;
    assert_true(derm_sim_begin_age(&p) == 15.0);
    struct derm_sim *s = create(&p);
    assert_true(s->age0 == 15.0);
    assert_int_equal(s->out_step0, 0);
    assert_int_equal(s->nsteps, (int64_t)ceil(Y / p.run_dt_hours - 1e-9));
    assert_true(derm_sim_age(s, 0) == 15.0);
    double t[DERM_NTOTALS];
    totals_of(s, t);
    const double kI = DERM_LN2 / p.ecm_collagen_half_life_years, kF = DERM_LN2 / p.ecm_fragment_half_life_years;
    const double k = kI * kF / (kI + kF), D = ya - 15.0, X = p.subject_collagen_youth_excess;
    const double rc = 1.0 - X * (expm1(k * D) - k * D) / (k * ya);
    const double depth_cm = derm_grid_lz(&s->grid) * 1e-4;
    const double young_col = p.ecm_collagen_density_mg_per_ml * (1.0 + kI / kF) * depth_cm;
    if (!(fabs(t[DERM_T_COLLAGEN_TOTAL] / young_col - rc) < 1e-6))
        fail_msg("collagen at 15 = %.6f of young, expected %.6f", t[DERM_T_COLLAGEN_TOTAL] / young_col, rc);
    assert_true(t[DERM_T_ELASTIN_FUNCTIONAL_TOTAL] < p.ecm_elastin_density_mg_per_ml * depth_cm);
    assert_rel(t[DERM_T_AGE_CROSSLINKS_MEAN], p.ecm_age_initial_pmol_per_mg * 15.0 / ya, 1e-12);
    /* the growing dermis makes more than it loses */
    run(s, 4);
    double t1[DERM_NTOTALS];
    totals_of(s, t1);
    assert_true(t1[DERM_T_COLLAGEN_TOTAL] > t[DERM_T_COLLAGEN_TOTAL]);
    assert_true(t1[DERM_T_ELASTIN_FUNCTIONAL_TOTAL] > t[DERM_T_ELASTIN_FUNCTIONAL_TOTAL]);
    check_state_sane(s);
    derm_sim_free(s);
    /* after: the model begins at the young adult; the first written step is the start age */
    p.run_age_start_years = 26.0;
    p.run_age_end_years = 27.0;
    assert_true(derm_sim_begin_age(&p) == ya);
    s = create(&p);
    assert_true(s->age0 == ya);
    assert_int_equal(s->out_step0, (int64_t)llround(1.0 * Y / p.run_dt_hours));
    assert_int_equal(s->nsteps, (int64_t)ceil(2.0 * Y / p.run_dt_hours - 1e-9));
    totals_of(s, t);
    check_young_matrix(&p, s, t);
    assert_true(fabs(derm_sim_age(s, s->out_step0) - 26.0) <= 0.5 * p.run_dt_hours / Y);
    run(s, (int)s->out_step0);
    assert_true(fabs(derm_sim_age(s, s->step) - 26.0) <= 0.5 * p.run_dt_hours / Y);
    check_state_sane(s);
    derm_sim_free(s);
    /* exactly at the young-adult age: nothing before it */
    p.run_age_start_years = ya;
    assert_true(derm_sim_begin_age(&p) == ya);
}

/* With the systemic curves, menopause and glycation switched off, a young subject stays near
 * its start over a few years; with glycation on, the AGE load rises. */
static void test_switches_off_keep_young_totals(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    p.domain_nx = p.domain_ny = 16;
    p.run_age_start_years = 25.0;
    p.run_age_end_years = 29.0;
    p.ageing_systemic = 0;
    p.ageing_menopause = 0;
    p.ageing_glycation = 0;
    struct derm_sim *s = create(&p);
    double t0[DERM_NTOTALS], t1[DERM_NTOTALS];
    totals_of(s, t0);
    run(s, (int)s->nsteps);
    totals_of(s, t1);
    check_state_sane(s);
    const struct {
        int id;
        double rtol;
    } near[] = {
        {DERM_T_COLLAGEN_TOTAL, 0.03},        {DERM_T_ELASTIN_FUNCTIONAL_TOTAL, 0.02}, {DERM_T_HA_TOTAL, 0.05},
        {DERM_T_AGE_CROSSLINKS_MEAN, 0.03},   {DERM_T_FIBROBLAST_COUNT, 0.15},         {DERM_T_DERMAL_THICKNESS, 0.03},
        {DERM_T_COLLAGEN_INTACT_TOTAL, 0.03}, {DERM_T_ELASTIN_AGE_MEAN, 0.03}};
    for (size_t q = 0; q < sizeof near / sizeof *near; q++) {
        const double r = t1[near[q].id] / t0[near[q].id] - 1.0;
        if (!(fabs(r) < near[q].rtol))
            fail_msg("%s changed by %.2f %% in 4 years with the ageing switches off (tolerance %.0f %%)",
                     derm_total_desc(near[q].id)->name, 100.0 * r, 100.0 * near[q].rtol);
    }
    assert_true(fabs(t1[DERM_T_COLLAGEN_FRAGMENTED_FRACTION] - t0[DERM_T_COLLAGEN_FRAGMENTED_FRACTION]) < 0.01);
    assert_true(t1[DERM_T_ESTROGEN] == 1.0);
    assert_true(t1[DERM_T_SENESCENT_FRACTION] < 0.1);
    derm_sim_free(s);
    /* the control: glycation on (the rest as above, a smaller grid, the same 4 years): AGE
     * per collagen rises well beyond the tolerance used above */
    p.domain_nx = p.domain_ny = 8;
    p.run_age_end_years = 29.0;
    p.ageing_glycation = 1;
    s = create(&p);
    totals_of(s, t0);
    run(s, (int)s->nsteps);
    totals_of(s, t1);
    const double rise = t1[DERM_T_AGE_CROSSLINKS_MEAN] / t0[DERM_T_AGE_CROSSLINKS_MEAN] - 1.0;
    if (!(rise > 0.1)) fail_msg("AGE per collagen rose by only %.2f %% in 4 years with glycation on", 100.0 * rise);
    derm_sim_free(s);
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
    totals_of(s, t);
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
    totals_of(s, t0);
    run(s, (int)s->nsteps);
    totals_of(s, t1);
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

/* A source the step knows to be +0 (src_zero: the deposit skips it, the solver gets NULL)
 * is +0 after every step, bit for bit: an exosome source idle, then two intradermal doses
 * (written by the treatment in place), then idle again; the flag must be seen set before
 * and after the doses and cleared by them. */
static void test_idle_sources_known_zero(void **state)
{
    (void)state;
    const char *text = "run: {age_start_years: 25, age_end_years: 26, dt_hours: 24}\n"
                       "domain: {nx: 8, ny: 8, nz: 12, voxel_um: 20}\n"
                       "schedule:\n"
                       "  exo: {input: exosome, dose: 1, at_age: 25.02, count: 2, every_days: 3, route: intradermal}\n";
    struct derm_params p;
    derm_params_defaults(&p);
    static struct derm_schedule sched; /* zero: n = 0 */
    struct derm_err err = {0};
    if (derm_config_load_string(text, "idle.yaml", &p, &sched, NULL, &err) != DERM_OK) fail_msg("%s", err.msg);
    struct derm_sim *s = NULL;
    if (derm_sim_create(&s, &p, &sched, &err) != DERM_OK) fail_msg("derm_sim_create: %s", err.msg);
    int idle_before = 0, dosed = 0, idle_after = 0;
    /* before the first dose the exosomes hold no arrays (sim.h absent_signals); the dose
     * brings both, zeroed, and they stay */
    assert_int_equal(s->absent_signals, 1u << DERM_S_EXOSOME);
    assert_null(s->f.signal[DERM_S_EXOSOME]);
    assert_null(s->src[DERM_S_EXOSOME]);
    for (int step = 0; step < 40; step++) {
        run(s, 1);
        assert_int_equal(s->absent_signals != 0, !dosed && s->src_zero[DERM_S_EXOSOME]);
        assert_int_equal(s->f.signal[DERM_S_EXOSOME] == NULL, s->absent_signals != 0);
        for (int q = 0; q < DERM_NSIGNAL; q++) {
            if (!s->src_zero[q] || !s->src[q]) continue;
            for (int64_t v = 0; v < s->grid.n; v++)
                if (s->src[q][v] != 0.0 || signbit(s->src[q][v]))
                    fail_msg("step %d: signal %d's source is known +0 but holds %g at voxel %lld", step, q,
                             (double)s->src[q][v], (long long)v);
        }
        const int zero = s->src_zero[DERM_S_EXOSOME];
        idle_before += zero && !dosed;
        dosed += !zero;
        idle_after += zero && dosed;
    }
    assert_true(idle_before > 0 && dosed > 0 && idle_after > 0);
    derm_sim_free(s);
}

/* Only a signal nothing makes is held absent: the exosomes with their young level at 0 (the
 * default) and some signal on a coarser grid; not when the cells secrete them (a young
 * level above 0: made from the first step), nor when every signal is on the voxel grid
 * (exposures and treatments then write the sources in place). */
static void test_absent_only_when_nothing_makes_it(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    p.run_age_end_years = 25.1;
    struct derm_sim *s = create(&p);
    assert_int_equal(s->absent_signals, 1u << DERM_S_EXOSOME);
    derm_sim_free(s);
    p.signal[DERM_S_EXOSOME].young_level = 1.0; /* secreted by every fibroblast */
    s = create(&p);
    assert_int_equal(s->absent_signals, 0u);
    assert_non_null(s->f.signal[DERM_S_EXOSOME]);
    run(s, 2);
    double mean = 0.0;
    for (int64_t v = 0; v < s->grid.n; v++) mean += s->f.signal[DERM_S_EXOSOME][v] / (double)s->grid.n;
    assert_true(mean > 0.5 && mean < 2.0); /* near its young level */
    derm_sim_free(s);
    p = small_params();
    p.run_age_end_years = 25.1;
    p.domain_signal_voxel_ratio = 0; /* every signal on the voxel grid */
    s = create(&p);
    assert_int_equal(s->absent_signals, 0u);
    assert_non_null(s->f.signal[DERM_S_EXOSOME]);
    derm_sim_free(s);
}

/* A coarse signal is kept as its coarse state alone: no voxel-grid array from the creation
 * on; a frame's rows (f.make) are its prolongation's, bit for bit, at 1 and 2 threads (the
 * cells' values: test_signal_grids, the series: test_totals). */
static void test_coarse_signals_without_arrays(void **state)
{
    (void)state;
    struct derm_params p = small_params();
    struct derm_sim *s = create(&p);
    int ncoarse = 0;
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        const int coarse = derm_signal_grids_factor(s->diff, q) > 1;
        ncoarse += coarse;
        assert_int_equal(derm_signal_grids_lazy(s->diff, q), coarse);
        /* a signal on the voxel grid is held unless nothing has made it (the exosomes) */
        assert_int_equal(s->f.signal[q] == NULL, coarse || q == DERM_S_EXOSOME);
        assert_int_equal(s->absent_signals >> q & 1u, !coarse && q == DERM_S_EXOSOME);
    }
    assert_true(ncoarse >= 4 && s->lazy_signals && s->f.make);
    derm_real *buf = signal_buffer(s), *row = signal_buffer(s);
    const int saved = omp_get_max_threads();
    for (int th = 1; th <= 2; th++) {
        omp_set_num_threads(th);
        run(s, 3);
        for (int q = 0; q < DERM_NSIGNAL; q++) {
            if (s->f.signal[q]) continue;
            const derm_real *c = signal_field(s, q, buf);
            for (int64_t q0 = 0; q0 < s->grid.n; q0 += s->grid.nx)
                assert_int_equal(s->f.make(s->f.make_ctx, DERM_NMATRIX + q, q0, s->grid.nx, row + q0), 0);
            assert_memory_equal(row, c, (size_t)s->grid.n * sizeof c[0]);
        }
    }
    omp_set_num_threads(saved);
    assert_int_equal(s->f.make(s->f.make_ctx, 0, 0, s->grid.nx, row), -1); /* a field with an array: not made */
    free(buf);
    free(row);
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
        cmocka_unit_test(test_start_ages),
        cmocka_unit_test(test_switches_off_keep_young_totals),
        cmocka_unit_test(test_steps_stay_finite_and_non_negative),
        cmocka_unit_test(test_seed_reproducibility),
        cmocka_unit_test(test_thread_count_invariance),
        cmocka_unit_test(test_homeostasis_two_years_at_25),
        cmocka_unit_test(test_impossible_domains_fail),
        cmocka_unit_test(test_idle_sources_known_zero),
        cmocka_unit_test(test_coarse_signals_without_arrays),
        cmocka_unit_test(test_absent_only_when_nothing_makes_it),
        cmocka_unit_test(test_params_copy_untouched_and_division),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
