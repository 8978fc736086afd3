/* test_initial.c - model/initial: the cells and matrix of a young adult.
 *
 * Checks: every layer holds its expected fibroblast count rounded down or up (reference
 * density x voxels per layer), placed inside its layer and the domain; division counts in
 * [0, initial_divisions_max]; lineage damage in [0, damage rate x start age]; the state mix
 * (no senescence without damage or senescence rate; the activated share near
 * activation / (activation + deactivation)); progenitors the stem fraction of the
 * fibroblasts (rounded), quiescent, attached; ids 1..n; the same seed gives the same cells,
 * another seed other positions. The matrix is the steady state of every pool: F = I
 * kI / kF, AGE = X0 (I + F), LMW HA = yield kH H / kL, no elastotic material, elastin AGE
 * formed since birth at the glucose ratio and cleared with elastin turnover (closed form).
 * Initial cells are founders: each one's lineage key is its id. A developing dermis
 * (derm_initial_develop at a0 below the young-adult age y) holds less collagen and
 * functional elastin than the young adult, at the amount x(a0) from which the pool's own
 * ODE x' = k (r(t) - x) (r: the subject's developmental synthesis, k: the pool's turnover,
 * for collagen kI kF / (kI + kF)) reaches 1 at y: for collagen in closed form
 * x(a0) = 1 - X (e^{kD} - 1 - kD) / (k y), D = y - a0; for elastin against an independent
 * quadrature; integrating the ODE forward from x(a0) gives 1 at y, and so does the library's
 * own matrix kinetics (derm_matrix_step, elastin exactly, the two-compartment collagen chain
 * within 1 %); AGE per collagen and per elastin are the young loads x a0 / y; HA and
 * elastotic material are untouched; at or above y, or with the systemic curves off, the
 * pools stay young.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/units.h"
#include "derm/io/params.h"
#include "derm/model/initial.h"
#include "derm/model/matrix.h"
#include "derm/model/subject.h"
#include "derm/store/fields.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

static struct derm_initial_coef coef(void)
{
    struct derm_initial_coef c = {0};
    c.seed = 11;
    c.age_start_years = 25.0;
    c.activation_per_day = 0.1;
    c.deactivation_per_day = 0.3;
    c.initial_divisions_max = 20;
    c.damage_per_year = 0.01;
    c.senescence_per_year = 0.0;
    c.clearance_per_year = 10.0;
    c.stem_fraction = 0.05;
    c.collagen_density = 250.0;
    c.elastin_density = 10.0;
    c.ha_density = 0.5;
    c.age_per_collagen = 5.0;
    c.elastin_age_form_per_year = 0.2;
    c.elastin_half_life_years = 70.0;
    c.glucose_ratio = 1.2;
    return c;
}

static void test_cells_by_layer(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 6, 5, 4, 20.0, NULL), DERM_OK);
    const double rho[4] = {2.3, 1.0, 0.55, 3.0}; /* per voxel */
    const struct derm_initial_coef c = coef();
    struct derm_agents a;
    struct derm_err err = {0};
    assert_int_equal(derm_agents_init(&a, 4, &err), DERM_OK);
    assert_int_equal(derm_initial_cells(&g, &a, &c, rho, &err), DERM_OK);
    const double nxy = (double)(g.nx * g.ny), h = g.h_um;
    int64_t per_layer[4] = {0}, nfib = 0, nstem = 0, nact = 0;
    for (int64_t r = 0; r < a.n; r++) {
        assert_int_equal(a.id[r], r + 1);
        assert_int_equal(a.lineage[r], a.id[r]); /* founders key their own streams */
        assert_true(a.x[r] >= 0.0 && a.x[r] < derm_grid_lx(&g));
        assert_true(a.y[r] >= 0.0 && a.y[r] < derm_grid_ly(&g));
        assert_true(a.z[r] >= 0.0 && a.z[r] < derm_grid_lz(&g));
        assert_true(a.attachment[r] == 1.0 && a.tgfb_response[r] == 1.0);
        if (a.type[r] == DERM_AGENT_STEM) {
            nstem++;
            assert_int_equal(a.state[r], DERM_STATE_QUIESCENT);
            continue;
        }
        assert_int_equal(nstem, 0); /* fibroblasts first, then progenitors */
        nfib++;
        per_layer[(int64_t)floor(a.z[r] / h)]++;
        assert_true(a.divisions[r] >= 0 && a.divisions[r] <= c.initial_divisions_max);
        assert_true(a.damage[r] >= 0.0 && a.damage[r] <= c.damage_per_year * c.age_start_years);
        assert_true(a.state[r] != DERM_STATE_SENESCENT && a.state[r] != DERM_STATE_APOPTOTIC);
        nact += a.state[r] == DERM_STATE_ACTIVATED;
    }
    for (int k = 0; k < 4; k++) {
        const double expect = rho[k] * nxy;
        assert_true((double)per_layer[k] == floor(expect) || (double)per_layer[k] == ceil(expect));
    }
    /* activated share 0.1 / (0.1 + 0.3) = 1/4 of ~206 cells: s.d. ~0.03 */
    const double share = (double)nact / (double)nfib;
    assert_true(share > 0.25 - 0.12 && share < 0.25 + 0.12);
    const double sexp = c.stem_fraction * (double)nfib;
    assert_true((double)nstem == floor(sexp) || (double)nstem == ceil(sexp));
    /* the same seed gives the same cells; another seed other positions */
    struct derm_agents b;
    assert_int_equal(derm_agents_init(&b, 4, &err), DERM_OK);
    assert_int_equal(derm_initial_cells(&g, &b, &c, rho, &err), DERM_OK);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.x, b.x, (size_t)a.n * sizeof(double));
    assert_memory_equal(a.state, b.state, (size_t)a.n);
    derm_agents_fini(&b);
    struct derm_initial_coef c2 = c;
    c2.seed = 12;
    assert_int_equal(derm_agents_init(&b, 4, &err), DERM_OK);
    assert_int_equal(derm_initial_cells(&g, &b, &c2, rho, &err), DERM_OK);
    int64_t same = 0;
    for (int64_t r = 0; r < (a.n < b.n ? a.n : b.n); r++) same += a.x[r] == b.x[r];
    assert_true(same < a.n / 10);
    derm_agents_fini(&b);
    derm_agents_fini(&a);
}

static void test_senescent_share_at_balance(void **state)
{
    (void)state;
    /* with senescence on, the senescent share is the balance hs / (hs + clearance), where
     * hs = senescence x damage^2: all cells senescent when clearance is 0 and damage > 0 */
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 4, 4, 2, 20.0, NULL), DERM_OK);
    const double rho[2] = {2.0, 2.0};
    struct derm_initial_coef c = coef();
    c.senescence_per_year = 5.0;
    c.clearance_per_year = 0.0;
    c.stem_fraction = 0.0;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
    assert_int_equal(derm_initial_cells(&g, &a, &c, rho, NULL), DERM_OK);
    assert_int_equal(a.n, 64);
    for (int64_t r = 0; r < a.n; r++) {
        assert_int_equal(a.type[r], DERM_AGENT_FIBROBLAST);
        if (a.damage[r] > 0.0) assert_int_equal(a.state[r], DERM_STATE_SENESCENT);
    }
    derm_agents_fini(&a);
}

static void test_matrix_steady_state(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 3, 2, 2, 20.0, NULL), DERM_OK);
    struct derm_fields f;
    assert_int_equal(derm_fields_init(&f, &g, 0, NULL), DERM_OK);
    const struct derm_initial_coef c = coef();
    struct derm_matrix_coef mc = {0};
    mc.k_cleave_h = 1e-5;
    mc.k_clear_h = 1.3e-4;
    mc.k_ha_h = 0.03;
    mc.k_lmw_h = 0.2;
    mc.lmw_yield = 0.6;
    derm_initial_matrix(&g, f.matrix, &c, &mc);
    const double I0 = 250.0, F0 = I0 * 1e-5 / 1.3e-4, L0 = 0.6 * 0.03 * 0.5 / 0.2;
    const double ke = DERM_LN2 / 70.0;
    const double el_age = 0.2 * 1.2 / ke * 10.0 * (1.0 - exp(-ke * 25.0));
    for (int64_t v = 0; v < g.n; v++) {
        assert_rel(f.matrix[DERM_M_COLLAGEN_INTACT][v], I0, 1e-15);
        assert_rel(f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v], F0, 1e-15);
        assert_rel(f.matrix[DERM_M_AGE_AMOUNT][v], 5.0 * (I0 + F0), 1e-15);
        assert_rel(f.matrix[DERM_M_ELASTIN_FUNCTIONAL][v], 10.0, 1e-15);
        assert_true(f.matrix[DERM_M_ELASTIN_ELASTOTIC][v] == 0.0);
        assert_rel(f.matrix[DERM_M_HA_HMW][v], 0.5, 1e-15);
        assert_rel(f.matrix[DERM_M_HA_LMW][v], L0, 1e-15);
        assert_rel(f.matrix[DERM_M_ELASTIN_AGE_AMOUNT][v], el_age, 1e-14);
    }
    derm_fields_fini(&f);
}

/* ---- a developing dermis ----------------------------------------------------------- */

struct develop {
    struct derm_params p;
    struct derm_subject_coef sc;
    struct derm_matrix_coef mc;
    struct derm_initial_coef ic;
};

static void develop_setup(struct develop *d)
{
    derm_params_defaults(&d->p);
    const struct derm_params *p = &d->p;
    memset(&d->sc, 0, sizeof d->sc);
    d->sc.young_age = p->subject_young_adult_age_years;
    d->sc.systemic_on = 1;
    d->sc.menopause_on = 1;
    d->sc.menopause_age_years = p->subject_menopause_age_years;
    d->sc.estrogen_postmenopause = p->subject_estrogen_postmenopause;
    d->sc.estrogen_decline_years = p->subject_estrogen_decline_years;
    d->sc.systemic_decline_per_year = p->subject_systemic_decline_per_year;
    d->sc.immune_decline_years = p->fibroblast_immune_decline_years;
    d->sc.stem_vigour_decline_years = p->stem_vigour_decline_years;
    d->sc.collagen_youth_excess = p->subject_collagen_youth_excess;
    d->sc.elastin_youth_excess = p->subject_elastin_youth_excess;
    d->sc.elastin_switch_years = p->subject_elastin_switch_years;
    const double Y = DERM_HOURS_PER_YEAR;
    memset(&d->mc, 0, sizeof d->mc);
    d->mc.k_cleave_h = DERM_LN2 / (p->ecm_collagen_half_life_years * Y);
    d->mc.k_clear_h = DERM_LN2 / (p->ecm_fragment_half_life_years * Y);
    d->mc.mmp1_share = p->ecm_mmp1_share;
    d->mc.mmp3_share = p->ecm_mmp3_share;
    d->mc.uptake_share = p->ecm_fragment_uptake_share;
    d->mc.timp_ki = p->ecm_timp_ki;
    d->mc.age_ref = p->ecm_age_initial_pmol_per_mg;
    d->mc.age_half = p->ecm_age_protection_pmol_per_mg;
    d->mc.k_elastin_h = DERM_LN2 / (p->ecm_elastin_half_life_years * Y);
    d->mc.k_oxidation_h = p->ecm_elastin_oxidation_per_year / Y;
    d->mc.k_elastotic_h = DERM_LN2 / (p->ecm_elastotic_half_life_years * Y);
    d->mc.k_ha_h = DERM_LN2 / (p->ecm_ha_half_life_days * DERM_HOURS_PER_DAY);
    d->mc.k_lmw_h = DERM_LN2 / (p->ecm_ha_lmw_half_life_days * DERM_HOURS_PER_DAY);
    d->mc.lmw_yield = p->ecm_ha_lmw_yield;
    d->ic = coef();
    d->ic.collagen_density = p->ecm_collagen_density_mg_per_ml;
    d->ic.elastin_density = p->ecm_elastin_density_mg_per_ml;
    d->ic.age_per_collagen = p->ecm_age_initial_pmol_per_mg;
    d->ic.elastin_half_life_years = p->ecm_elastin_half_life_years;
}

/* Collagen's effective turnover (1/year) and elastin's. */
static double k_collagen(const struct derm_matrix_coef *mc)
{
    return mc->k_cleave_h * mc->k_clear_h / (mc->k_cleave_h + mc->k_clear_h) * DERM_HOURS_PER_YEAR;
}

/* x(a0) from which x' = k (r - x) reaches 1 at y, by composite Simpson (independent of the
 * library's quadrature): e^{kD} (1 - k int_{a0}^{y} r(t) e^{-k (y - t)} dt). */
static double start_ratio(const struct derm_subject_coef *sc, int elastin, double k, double a0)
{
    const int n = 20000;
    const double y = sc->young_age, h = (y - a0) / n;
    double sum = 0.0;
    for (int i = 0; i <= n; i++) {
        const double t = a0 + i * h;
        const double r = elastin ? derm_subject_elastin_synthesis(sc, t) : derm_subject_collagen_synthesis(sc, t);
        const double w = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        sum += w * r * exp(-k * (y - t));
    }
    return exp(k * (y - a0)) * (1.0 - k * sum * h / 3.0);
}

/* x(y) from x(a0) by RK4 on x' = k (r(t) - x). */
static double forward(const struct derm_subject_coef *sc, int elastin, double k, double a0, double x0)
{
    const int n = 20000;
    const double h = (sc->young_age - a0) / n;
    double x = x0;
#define RATE(t, x) \
    (k * ((elastin ? derm_subject_elastin_synthesis(sc, (t)) : derm_subject_collagen_synthesis(sc, (t))) - (x)))
    for (int i = 0; i < n; i++) {
        const double t = a0 + i * h;
        const double k1 = RATE(t, x), k2 = RATE(t + 0.5 * h, x + 0.5 * h * k1);
        const double k3 = RATE(t + 0.5 * h, x + 0.5 * h * k2), k4 = RATE(t + h, x + h * k3);
        x += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
    }
#undef RATE
    return x;
}

static void test_develop_reaches_young_adult(void **state)
{
    (void)state;
    struct develop d;
    develop_setup(&d);
    const double y = d.sc.young_age, X = d.sc.collagen_youth_excess, kc = k_collagen(&d.mc);
    const double ke = d.mc.k_elastin_h * DERM_HOURS_PER_YEAR;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 2, 2, 2, 20.0, NULL), DERM_OK);
    struct derm_fields young, f;
    assert_int_equal(derm_fields_init(&young, &g, 0, NULL), DERM_OK);
    assert_int_equal(derm_fields_init(&f, &g, 0, NULL), DERM_OK);
    derm_initial_matrix(&g, young.matrix, &d.ic, &d.mc);
    const double ages[] = {10.0, 15.0, 20.0, 24.5};
    for (size_t i = 0; i < sizeof ages / sizeof *ages; i++) {
        const double a0 = ages[i], D = y - a0;
        derm_initial_matrix(&g, f.matrix, &d.ic, &d.mc);
        derm_initial_develop(&g, f.matrix, &d.ic, &d.mc, &d.sc, a0);
        const double rc = f.matrix[DERM_M_COLLAGEN_INTACT][0] / young.matrix[DERM_M_COLLAGEN_INTACT][0];
        const double re = f.matrix[DERM_M_ELASTIN_FUNCTIONAL][0] / young.matrix[DERM_M_ELASTIN_FUNCTIONAL][0];
        /* less than the young adult */
        assert_true(rc < 1.0 && re < 1.0 && rc > 0.05 && re > 0.05);
        /* collagen: the closed form of its ODE */
        const double want_c = 1.0 - X * (expm1(kc * D) - kc * D) / (kc * y);
        if (!(fabs(rc - want_c) < 1e-7)) fail_msg("a0 %g: collagen ratio %.10f, closed form %.10f", a0, rc, want_c);
        /* elastin: an independent quadrature of the same ODE */
        const double want_e = start_ratio(&d.sc, 1, ke, a0);
        if (!(fabs(re - want_e) < 1e-6)) fail_msg("a0 %g: elastin ratio %.10f, expected %.10f", a0, re, want_e);
        /* and from there the ODE reaches the young adult at the young-adult age */
        assert_rel(forward(&d.sc, 0, kc, a0, rc), 1.0, 1e-7);
        assert_rel(forward(&d.sc, 1, ke, a0, re), 1.0, 1e-6);
        for (int64_t v = 0; v < g.n; v++) {
            assert_rel(f.matrix[DERM_M_COLLAGEN_INTACT][v], rc * young.matrix[DERM_M_COLLAGEN_INTACT][v], 1e-15);
            assert_rel(f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v], rc * young.matrix[DERM_M_COLLAGEN_FRAGMENTED][v],
                       1e-15);
            assert_rel(f.matrix[DERM_M_ELASTIN_FUNCTIONAL][v], re * young.matrix[DERM_M_ELASTIN_FUNCTIONAL][v], 1e-15);
            /* AGE loads grow in proportion to age: per collagen and per elastin x a0 / y */
            const double col = f.matrix[DERM_M_COLLAGEN_INTACT][v] + f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v];
            assert_rel(f.matrix[DERM_M_AGE_AMOUNT][v] / col, d.ic.age_per_collagen * a0 / y, 1e-13);
            const double el_young =
                young.matrix[DERM_M_ELASTIN_AGE_AMOUNT][v] / young.matrix[DERM_M_ELASTIN_FUNCTIONAL][v];
            assert_rel(f.matrix[DERM_M_ELASTIN_AGE_AMOUNT][v] / f.matrix[DERM_M_ELASTIN_FUNCTIONAL][v],
                       el_young * a0 / y, 1e-13);
            /* untouched */
            assert_true(f.matrix[DERM_M_HA_HMW][v] == young.matrix[DERM_M_HA_HMW][v]);
            assert_true(f.matrix[DERM_M_HA_LMW][v] == young.matrix[DERM_M_HA_LMW][v]);
            assert_true(f.matrix[DERM_M_ELASTIN_ELASTOTIC][v] == 0.0);
        }
        /* younger starts hold less */
        if (i) {
            struct derm_fields prev;
            assert_int_equal(derm_fields_init(&prev, &g, 0, NULL), DERM_OK);
            derm_initial_matrix(&g, prev.matrix, &d.ic, &d.mc);
            derm_initial_develop(&g, prev.matrix, &d.ic, &d.mc, &d.sc, ages[i - 1]);
            assert_true(prev.matrix[DERM_M_COLLAGEN_INTACT][0] < f.matrix[DERM_M_COLLAGEN_INTACT][0]);
            assert_true(prev.matrix[DERM_M_ELASTIN_FUNCTIONAL][0] < f.matrix[DERM_M_ELASTIN_FUNCTIONAL][0]);
            derm_fields_fini(&prev);
        }
    }
    /* at or above the young-adult age: nothing to develop */
    const double later[] = {y, y + 10.0};
    for (size_t i = 0; i < 2; i++) {
        derm_initial_matrix(&g, f.matrix, &d.ic, &d.mc);
        derm_initial_develop(&g, f.matrix, &d.ic, &d.mc, &d.sc, later[i]);
        for (int q = 0; q < DERM_NMATRIX; q++)
            assert_memory_equal(f.matrix[q], young.matrix[q], (size_t)g.n * sizeof(double));
    }
    /* the systemic (developmental) curves off: synthesis at the adult balance, so the pools
     * start at the young amounts; the AGE loads still grow with age */
    d.sc.systemic_on = 0;
    derm_initial_matrix(&g, f.matrix, &d.ic, &d.mc);
    derm_initial_develop(&g, f.matrix, &d.ic, &d.mc, &d.sc, 10.0);
    assert_rel(f.matrix[DERM_M_COLLAGEN_INTACT][0], young.matrix[DERM_M_COLLAGEN_INTACT][0], 1e-7);
    assert_rel(f.matrix[DERM_M_ELASTIN_FUNCTIONAL][0], young.matrix[DERM_M_ELASTIN_FUNCTIONAL][0], 1e-7);
    assert_rel(f.matrix[DERM_M_AGE_AMOUNT][0] /
                   (f.matrix[DERM_M_COLLAGEN_INTACT][0] + f.matrix[DERM_M_COLLAGEN_FRAGMENTED][0]),
               d.ic.age_per_collagen * 10.0 / y, 1e-13);
    derm_fields_fini(&young);
    derm_fields_fini(&f);
}

/* The library's own matrix kinetics, fed the developmental synthesis, carries the developed
 * pools to the young-adult amounts at the young-adult age: elastin (one pool) exactly, the
 * two-compartment collagen chain within 1 %. */
static void test_develop_with_matrix_kinetics(void **state)
{
    (void)state;
    struct develop d;
    develop_setup(&d);
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 1, 1, 1, 20.0, NULL), DERM_OK);
    struct derm_fields f;
    assert_int_equal(derm_fields_init(&f, &g, 0, NULL), DERM_OK);
    const double a0 = 10.0, y = d.sc.young_age, dt = 168.0;
    derm_initial_matrix(&g, f.matrix, &d.ic, &d.mc);
    const double I0 = f.matrix[DERM_M_COLLAGEN_INTACT][0], F0 = f.matrix[DERM_M_COLLAGEN_FRAGMENTED][0];
    const double E0 = f.matrix[DERM_M_ELASTIN_FUNCTIONAL][0];
    derm_initial_develop(&g, f.matrix, &d.ic, &d.mc, &d.sc, a0);
    /* young-adult signals (MMPs, TIMP at 1), no ROS (elastin leaves at its own rate only) */
    for (int q = 0; q < DERM_NSIGNAL; q++) f.signal[q][0] = 1.0;
    f.signal[DERM_S_ROS][0] = 0.0;
    double dc = 0.0, de = 0.0, dh = 0.0;
    const struct derm_matrix_deposition dep = {&dc, &de, &dh, NULL, NULL, NULL, NULL, NULL, NULL};
    double sums[DERM_MATRIX_NFLUX + 1];
    const int64_t nsteps = (int64_t)llround((y - a0) * DERM_HOURS_PER_YEAR / dt);
    for (int64_t i = 0; i < nsteps; i++) {
        const double age = a0 + ((double)i + 0.5) * dt / DERM_HOURS_PER_YEAR;
        dc = d.mc.k_cleave_h * I0 * derm_subject_collagen_synthesis(&d.sc, age);
        de = d.mc.k_elastin_h * E0 * derm_subject_elastin_synthesis(&d.sc, age);
        assert_int_equal(derm_matrix_step(&g, f.matrix, (const double *const *)f.signal, &dep, 1.0, 1.0, &d.mc, dt,
                                          NULL, sums, NULL, NULL),
                         DERM_OK);
    }
    const double col = f.matrix[DERM_M_COLLAGEN_INTACT][0] + f.matrix[DERM_M_COLLAGEN_FRAGMENTED][0];
    if (!(fabs(col / (I0 + F0) - 1.0) < 0.01)) fail_msg("collagen at %g y: %.4f of young", y, col / (I0 + F0));
    if (!(fabs(f.matrix[DERM_M_ELASTIN_FUNCTIONAL][0] / E0 - 1.0) < 2e-3))
        fail_msg("elastin at %g y: %.5f of young", y, f.matrix[DERM_M_ELASTIN_FUNCTIONAL][0] / E0);
    derm_fields_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells_by_layer),
        cmocka_unit_test(test_senescent_share_at_balance),
        cmocka_unit_test(test_matrix_steady_state),
        cmocka_unit_test(test_develop_reaches_young_adult),
        cmocka_unit_test(test_develop_with_matrix_kinetics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
