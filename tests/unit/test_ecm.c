/* test_ecm.c - exact matrix kinetics: the two-compartment chain and the per-voxel step.
 *
 * derm_ecm_chain (x' = P - a x, y' = yield a x - b y over t) is checked against its closed
 * forms (a != b, a == b, a = 0, b = 0, a = b = 0, yield < 1), on both sides of the
 * series / exponential switch (a t, b t and |a - b| t around 0.05), against a fine RK4
 * integration (1e-9 relative), for mass balance (P t = dx + out, 1e-12) and for step
 * invariance (one step of t equals two of t/2 for constant coefficients, 1e-12).
 * derm_ecm_step is checked for: the young balance staying put (deposition = k I0, every
 * activity 1; 1e-12 relative per step), non-negativity under strong degradation, flux
 * totals (synthesis = P dt, synthesis - cleared = change of the collagen pool, cleaved =
 * synthesis - change of intact collagen; 1e-10 relative), AGE per collagen approaching
 * formation x residence time (cross-links leave with cleared fragments; 1e-6 relative
 * after 300 one-year steps), step-halving invariance for constant coefficients, bitwise
 * thread independence and DERM_ENUMERIC on negative or non-finite input.
 * The coefficient set is built here from derm_params_defaults with the same unit
 * conversions as sim.c.
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

#include "derm/model/matrix.h"
#include "derm/store/fields.h"
#include "derm/io/params.h"

static const double LN2 = 0.6931471805599453;

/* ---- helpers ------------------------------------------------------------------------- */

static int rel_close(double got, double want, double rtol)
{
    double scale = fmax(fabs(want), 1e-300);
    return fabs(got - want) <= rtol * scale;
}
#define assert_rel(got, want, rtol)                                                          \
    do {                                                                                     \
        double g_ = (got), w_ = (want);                                                      \
        if (!rel_close(g_, w_, (rtol)))                                                      \
            fail_msg("%s = %.17g, expected %.17g (rel err %.3g > %.3g)", #got, g_, w_,        \
                     fabs(g_ - w_) / fmax(fabs(w_), 1e-300), (double)(rtol));                 \
    } while (0)

static struct derm_ecm_coef default_coef(void)
{
    struct derm_params p;
    derm_params_defaults(&p);
    const double Y = DERM_HOURS_PER_YEAR;
    struct derm_ecm_coef e = {0};
    e.k_cleave_h = LN2 / (p.ecm_collagen_half_life_years * Y);
    e.k_clear_h = LN2 / (p.ecm_fragment_half_life_years * Y);
    e.mmp1_share = p.ecm_mmp1_share;
    e.mmp3_share = p.ecm_mmp3_share;
    e.timp_ki = p.ecm_timp_ki;
    e.age_form_h = p.ecm_age_formation_per_year / Y * (p.subject_glucose_mM / 5.0);
    e.age_ref = p.ecm_age_initial_pmol_per_mg;
    e.age_half = p.ecm_age_protection_pmol_per_mg;
    e.k_elastin_h = LN2 / (p.ecm_elastin_half_life_years * Y);
    e.k_oxidation_h = p.ecm_elastin_oxidation_per_year / Y;
    e.k_elastotic_h = LN2 / (p.ecm_elastotic_half_life_years * Y);
    e.k_ha_h = LN2 / (p.ecm_ha_half_life_days * 24.0);
    e.k_lmw_h = LN2 / (p.ecm_ha_lmw_half_life_days * 24.0);
    e.lmw_yield = p.ecm_ha_lmw_yield;
    e.ha_ros_frag = p.ecm_ha_ros_fragmentation;
    e.ha_supply = (1.0 - p.ecm_ha_fibroblast_share) * e.k_ha_h * p.ecm_ha_density_mg_per_ml;
    return e;
}

/* Matrix and signal storage for a small grid, plus deposition arrays. */
struct state {
    struct derm_grid g;
    double *m[DERM_NMATRIX];
    double *sig[DERM_NSIGNAL];
    double *dep_col, *dep_el, *dep_ha;
};

static void state_init(struct state *s, int64_t nx, int64_t ny, int64_t nz)
{
    assert_int_equal(derm_grid_init(&s->g, nx, ny, nz, 20.0), 0);
    size_t n = (size_t)s->g.n;
    for (int q = 0; q < DERM_NMATRIX; q++) assert_non_null(s->m[q] = calloc(n, sizeof(double)));
    for (int q = 0; q < DERM_NSIGNAL; q++) assert_non_null(s->sig[q] = calloc(n, sizeof(double)));
    assert_non_null(s->dep_col = calloc(n, sizeof(double)));
    assert_non_null(s->dep_el = calloc(n, sizeof(double)));
    assert_non_null(s->dep_ha = calloc(n, sizeof(double)));
}

static void state_fini(struct state *s)
{
    for (int q = 0; q < DERM_NMATRIX; q++) free(s->m[q]);
    for (int q = 0; q < DERM_NSIGNAL; q++) free(s->sig[q]);
    free(s->dep_col);
    free(s->dep_el);
    free(s->dep_ha);
}

/* Young-adult balance: every signal 1, the steady matrix for the given coefficients and
 * deposition balancing turnover. */
static void young_balance(struct state *s, const struct derm_ecm_coef *c)
{
    const double I0 = 250.0, F0 = I0 * c->k_cleave_h / c->k_clear_h, E0 = 10.0, H0 = 0.5;
    const double kel = c->k_elastin_h + c->k_oxidation_h; /* ROS = 1 */
    for (int64_t v = 0; v < s->g.n; v++) {
        for (int q = 0; q < DERM_NSIGNAL; q++) s->sig[q][v] = 1.0;
        s->m[DERM_M_COLLAGEN_INTACT][v] = I0;
        s->m[DERM_M_COLLAGEN_FRAGMENTED][v] = F0;
        s->m[DERM_M_AGE_AMOUNT][v] = c->age_ref * (I0 + F0);
        s->m[DERM_M_ELASTIN_FUNCTIONAL][v] = E0;
        s->m[DERM_M_ELASTIN_ELASTOTIC][v] = c->k_oxidation_h * E0 / c->k_elastotic_h;
        s->m[DERM_M_HA_HMW][v] = H0;
        s->m[DERM_M_HA_LMW][v] = c->lmw_yield * c->k_ha_h * H0 / c->k_lmw_h;
        s->dep_col[v] = c->k_cleave_h * I0;
        s->dep_el[v] = kel * E0;
        s->dep_ha[v] = c->k_ha_h * H0 - c->ha_supply;
    }
}

static double urand(uint64_t *st)
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*st >> 11) * (1.0 / 9007199254740992.0);
}

/* A non-uniform state: matrix 0.3-1.7x young, signals 0.2-5, deposition 0-2x balance. */
static void random_state(struct state *s, const struct derm_ecm_coef *c, uint64_t seed)
{
    young_balance(s, c);
    uint64_t st = seed;
    for (int64_t v = 0; v < s->g.n; v++) {
        for (int q = 0; q < DERM_NMATRIX; q++) s->m[q][v] *= 0.3 + 1.4 * urand(&st);
        for (int q = 0; q < DERM_NSIGNAL; q++) s->sig[q][v] = 0.2 + 4.8 * urand(&st);
        s->dep_col[v] *= 2.0 * urand(&st);
        s->dep_el[v] *= 2.0 * urand(&st);
        s->dep_ha[v] *= 2.0 * urand(&st);
    }
}

static double total(const double *x, int64_t n)
{
    double s = 0.0;
    for (int64_t q = 0; q < n; q++) s += x[q];
    return s;
}

static derm_status step(struct state *s, const struct derm_ecm_coef *c, double dt, struct derm_ecm_flux *fl,
                        struct derm_err *err)
{
    return derm_ecm_step(&s->g, s->m, (const double *const *)s->sig, s->dep_col, s->dep_el, s->dep_ha, NULL, NULL, c, dt,
                         fl, err);
}

/* Closed form of the chain, written with expm1 so it stays accurate for small and
 * nearly equal rates (independent of the library's series / branch structure). */
static void chain_closed(double P, double a, double b, double yield, double t, double x0, double y0, double *x,
                         double *y, double *out)
{
    double ea = exp(-a * t), eb = exp(-b * t);
    double pa_t = a > 0 ? -expm1(-a * t) / a : t; /* int_0^t e^{-a s} ds */
    *x = x0 * ea + P * pa_t;
    *out = P * t - (*x - x0);
    double i0 = b > 0 ? -expm1(-b * t) / b : t; /* int_0^t e^{-b(t-s)} ds */
    double i1;                                   /* int_0^t e^{-b(t-s)} e^{-a s} ds */
    if (a == b) i1 = t * ea;
    else if (b > a) i1 = ea * (-expm1(-(b - a) * t)) / (b - a);
    else i1 = eb * (-expm1(-(a - b) * t)) / (a - b);
    *y = y0 * eb + yield * (P * i0 + (a * x0 - P) * i1);
}

/* RK4 on the chain with nsteps steps. */
static void chain_rk4(double P, double a, double b, double yield, double t, int nsteps, double *x, double *y,
                      double *out)
{
    double h = t / nsteps, X = *x, Y = *y, O = 0.0;
    for (int q = 0; q < nsteps; q++) {
        double k1x = P - a * X, k1y = yield * a * X - b * Y, k1o = a * X;
        double x2 = X + 0.5 * h * k1x, y2 = Y + 0.5 * h * k1y;
        double k2x = P - a * x2, k2y = yield * a * x2 - b * y2, k2o = a * x2;
        double x3 = X + 0.5 * h * k2x, y3 = Y + 0.5 * h * k2y;
        double k3x = P - a * x3, k3y = yield * a * x3 - b * y3, k3o = a * x3;
        double x4 = X + h * k3x, y4 = Y + h * k3y;
        double k4x = P - a * x4, k4y = yield * a * x4 - b * y4, k4o = a * x4;
        X += h / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x);
        Y += h / 6.0 * (k1y + 2 * k2y + 2 * k3y + k4y);
        O += h / 6.0 * (k1o + 2 * k2o + 2 * k3o + k4o);
    }
    *x = X;
    *y = Y;
    *out = O;
}

/* Rate pairs (per unit time, t = 1) covering: both series paths, both exponential paths,
 * near-equal rates on both sides (series for the cross term), equal rates, zero rates. */
static const double CASES[][2] = {
    {0.01, 0.02},  {0.02, 0.01},  {0.3, 1.7},   {1.7, 0.3},   {0.04, 0.06}, {0.06, 0.04},
    {2.0, 2.01},   {2.01, 2.0},   {0.5, 0.5},   {0.001, 0.001}, {3.0, 3.0},  {0.7, 0.0},
    {0.0, 0.7},    {0.0, 0.0},    {0.049, 0.051}, {25.0, 0.1}, {0.1, 25.0},  {1e-7, 2e-7},
};
#define NCASES (sizeof CASES / sizeof *CASES)

/* ---- derm_ecm_chain ------------------------------------------------------------------ */

static void test_chain_closed_forms(void **state)
{
    (void)state;
    const double yields[] = {1.0, 0.35, 0.0};
    for (size_t c = 0; c < NCASES; c++)
        for (size_t yi = 0; yi < 3; yi++) {
            const double a = CASES[c][0], b = CASES[c][1], P = 2.5, t = 1.0, x0 = 3.0, y0 = 0.8;
            double x = x0, y = y0, xr, yr, outr;
            double out = derm_ecm_chain(P, a, b, yields[yi], t, &x, &y);
            chain_closed(P, a, b, yields[yi], t, x0, y0, &xr, &yr, &outr);
            /* scale: the amounts involved (P t + x0 + y0); y = y0 + yield (inflow - ...) is a
             * difference of terms of that size for slow rates */
            const double scale = P * t + x0 + y0;
            assert_rel(x, xr, 1e-13);
            assert_true(fabs(y - yr) <= 1e-13 * scale);
            assert_true(fabs(out - outr) <= 1e-13 * scale);
        }
    /* special cases by hand */
    double x = 4.0, y = 1.0;
    double out = derm_ecm_chain(3.0, 0.0, 0.0, 1.0, 2.0, &x, &y); /* pure accumulation */
    assert_rel(x, 10.0, 1e-15);
    assert_rel(y, 1.0, 1e-15);
    assert_true(fabs(out) <= 1e-15);
    x = 4.0, y = 1.0;
    out = derm_ecm_chain(0.0, 0.0, 0.5, 1.0, 2.0, &x, &y); /* a = 0: y decays alone */
    assert_rel(x, 4.0, 1e-15);
    assert_rel(y, exp(-1.0), 1e-14);
    x = 4.0, y = 1.0;
    out = derm_ecm_chain(0.0, 0.5, 0.0, 0.25, 2.0, &x, &y); /* b = 0: y gains yield x out */
    assert_rel(x, 4.0 * exp(-1.0), 1e-14);
    assert_rel(out, 4.0 * (1.0 - exp(-1.0)), 1e-14);
    assert_rel(y, 1.0 + 0.25 * out, 1e-14);
    /* a == b: y = y0 e^{-at} + yield a x0 t e^{-at} for P = 0 */
    x = 2.0, y = 0.0;
    derm_ecm_chain(0.0, 0.4, 0.4, 1.0, 3.0, &x, &y);
    assert_rel(y, 0.4 * 2.0 * 3.0 * exp(-1.2), 1e-14);
    /* large t reaches the steady state x = P / a, y = yield P / b */
    x = 0.0, y = 0.0;
    derm_ecm_chain(1.5, 0.3, 0.7, 0.6, 500.0, &x, &y);
    assert_rel(x, 5.0, 1e-14);
    assert_rel(y, 0.6 * 1.5 / 0.7, 1e-14);
}

static void test_chain_against_rk4(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        const double a = CASES[c][0], b = CASES[c][1];
        /* t chosen so the fastest rate makes at most ~25 e-folds: RK4 with 20000 steps */
        const double t = 1.0, P = 0.7, yield = 0.8;
        double x = 1.3, y = 0.4, xr = 1.3, yr = 0.4, outr;
        double out = derm_ecm_chain(P, a, b, yield, t, &x, &y);
        chain_rk4(P, a, b, yield, t, 20000, &xr, &yr, &outr);
        assert_rel(x, xr, 1e-9);
        assert_rel(y, yr, 1e-9);
        if (outr > 1e-12) assert_rel(out, outr, 1e-9);
        else assert_true(fabs(out) <= 1e-12);
    }
}

static void test_chain_mass_balance(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        const double a = CASES[c][0], b = CASES[c][1], P = 1.1, t = 0.9;
        double x0 = 2.0, y0 = 0.5, x = x0, y = y0;
        double out = derm_ecm_chain(P, a, b, 1.0, t, &x, &y);
        assert_true(fabs(P * t - ((x - x0) + out)) <= 1e-12 * (P * t + x0));
        assert_true(out >= -1e-15 && x >= 0.0 && y >= 0.0);
        /* with b = 0 nothing leaves y: y gains exactly yield x out */
        x = x0, y = y0;
        out = derm_ecm_chain(P, a, 0.0, 0.4, t, &x, &y);
        assert_true(fabs((y - y0) - 0.4 * out) <= 1e-12 * (y0 + P * t + x0));
    }
}

static void test_chain_step_invariance(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        const double a = CASES[c][0], b = CASES[c][1], P = 0.9, t = 1.3, yield = 0.7;
        double x1 = 1.0, y1 = 2.0, x2 = 1.0, y2 = 2.0;
        double o1 = derm_ecm_chain(P, a, b, yield, t, &x1, &y1);
        double o2 = derm_ecm_chain(P, a, b, yield, 0.5 * t, &x2, &y2);
        o2 += derm_ecm_chain(P, a, b, yield, 0.5 * t, &x2, &y2);
        assert_rel(x2, x1, 1e-12);
        assert_rel(y2, y1, 1e-12);
        assert_true(fabs(o2 - o1) <= 1e-12 * (P * t + 1.0));
    }
}

/* ---- derm_ecm_step ------------------------------------------------------------------- */

static void test_step_young_balance_is_steady(void **state)
{
    (void)state;
    struct derm_ecm_coef c = default_coef();
    struct state s;
    state_init(&s, 4, 4, 4);
    young_balance(&s, &c);
    /* AGE formation at the rate that holds AGE per collagen at age_ref: X* = form x
     * residence, residence = (I0 + F0) / (k_cleave I0) */
    {
        const double I0 = s.m[DERM_M_COLLAGEN_INTACT][0], F0 = s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
        c.age_form_h = c.age_ref * c.k_cleave_h * I0 / (I0 + F0);
    }
    double m0[DERM_NMATRIX];
    for (int q = 0; q < DERM_NMATRIX; q++) m0[q] = s.m[q][0];
    struct derm_ecm_flux fl;
    for (int n = 0; n < 52; n++) assert_int_equal(step(&s, &c, 168.0, &fl, NULL), DERM_OK);
    for (int64_t v = 0; v < s.g.n; v++) {
        assert_rel(s.m[DERM_M_COLLAGEN_INTACT][v], m0[DERM_M_COLLAGEN_INTACT], 1e-12);
        assert_rel(s.m[DERM_M_COLLAGEN_FRAGMENTED][v], m0[DERM_M_COLLAGEN_FRAGMENTED], 1e-12);
        assert_rel(s.m[DERM_M_AGE_AMOUNT][v], m0[DERM_M_AGE_AMOUNT], 1e-12);
        assert_rel(s.m[DERM_M_ELASTIN_FUNCTIONAL][v], m0[DERM_M_ELASTIN_FUNCTIONAL], 1e-12);
        assert_rel(s.m[DERM_M_ELASTIN_ELASTOTIC][v], m0[DERM_M_ELASTIN_ELASTOTIC], 1e-11);
        assert_rel(s.m[DERM_M_HA_HMW][v], m0[DERM_M_HA_HMW], 1e-12);
        assert_rel(s.m[DERM_M_HA_LMW][v], m0[DERM_M_HA_LMW], 1e-12);
    }
    /* in balance the fluxes are equal: synthesis = cleavage = clearance per step */
    assert_rel(fl.collagen_cleave, fl.collagen_synth, 1e-12);
    assert_rel(fl.collagen_clear, fl.collagen_synth, 1e-12);
    assert_rel(fl.collagen_synth, c.k_cleave_h * 250.0 * 168.0 * (double)s.g.n, 1e-14);
    assert_rel(fl.ha_degraded, c.k_ha_h * 0.5 * 168.0 * (double)s.g.n, 1e-12);
    state_fini(&s);
}

static void test_step_fluxes_balance_pools(void **state)
{
    (void)state;
    struct derm_ecm_coef c = default_coef();
    struct state s;
    state_init(&s, 5, 3, 4);
    random_state(&s, &c, 11);
    const double dts[] = {1.0, 168.0, 8766.0};
    for (size_t d = 0; d < 3; d++) {
        const int64_t n = s.g.n;
        double I0 = total(s.m[DERM_M_COLLAGEN_INTACT], n), F0 = total(s.m[DERM_M_COLLAGEN_FRAGMENTED], n);
        double H0 = total(s.m[DERM_M_HA_HMW], n);
        struct derm_ecm_flux fl;
        assert_int_equal(step(&s, &c, dts[d], &fl, NULL), DERM_OK);
        double I1 = total(s.m[DERM_M_COLLAGEN_INTACT], n), F1 = total(s.m[DERM_M_COLLAGEN_FRAGMENTED], n);
        double H1 = total(s.m[DERM_M_HA_HMW], n);
        double scale = I0 + F0;
        assert_rel(fl.collagen_synth, total(s.dep_col, n) * dts[d], 1e-13);
        /* synthesis - clearance = change of the collagen pool */
        assert_true(fabs((fl.collagen_synth - fl.collagen_clear) - ((I1 + F1) - (I0 + F0))) <= 1e-10 * scale);
        /* synthesis - cleavage = change of intact collagen */
        assert_true(fabs((fl.collagen_synth - fl.collagen_cleave) - (I1 - I0)) <= 1e-10 * scale);
        /* HA: deposition + supply - degraded = change of HMW HA */
        double ha_in = (total(s.dep_ha, n) + c.ha_supply * (double)n) * dts[d];
        assert_true(fabs((ha_in - fl.ha_degraded) - (H1 - H0)) <= 1e-10 * (H0 + ha_in));
        assert_true(fl.collagen_cleave >= 0.0 && fl.collagen_clear >= 0.0 && fl.ha_degraded >= 0.0);
    }
    /* flux may be NULL */
    assert_int_equal(step(&s, &c, 168.0, NULL, NULL), DERM_OK);
    state_fini(&s);
}

static void test_step_non_negative(void **state)
{
    (void)state;
    struct derm_ecm_coef c = default_coef();
    c.k_oxidation_h *= 1e4; /* strong elastin oxidation */
    c.ha_supply = 0.0;      /* so that HA can empty */
    struct state s;
    state_init(&s, 4, 4, 4);
    random_state(&s, &c, 12);
    for (int64_t v = 0; v < s.g.n; v++) {
        /* no deposition, very high MMP and ROS/IL, no TIMP: everything degrades */
        s.dep_col[v] = s.dep_el[v] = s.dep_ha[v] = 0.0;
        s.sig[DERM_S_MMP1][v] = s.sig[DERM_S_MMP3][v] = 1e3;
        s.sig[DERM_S_ROS][v] = s.sig[DERM_S_IL][v] = 50.0;
        s.sig[DERM_S_TIMP][v] = 0.0;
        if (v % 3 == 0) s.sig[DERM_S_TIMP][v] = -1.0; /* negative inputs are treated as 0 */
    }
    const double dts[] = {0.5, 168.0, 8766.0, 1e6};
    for (size_t d = 0; d < 4; d++) {
        assert_int_equal(step(&s, &c, dts[d], NULL, NULL), DERM_OK);
        for (int q = 0; q < DERM_NMATRIX; q++)
            for (int64_t v = 0; v < s.g.n; v++) assert_true(s.m[q][v] >= 0.0 && isfinite(s.m[q][v]));
    }
    /* the pools are essentially empty (collagen: < 1e-4 mg/mL of ~250; see
     * test_step_age_bounded_when_collagen_collapses for why it is not ~0) */
    for (int64_t v = 0; v < s.g.n; v++) {
        assert_true(s.m[DERM_M_COLLAGEN_INTACT][v] < 1e-4);
        assert_true(s.m[DERM_M_HA_HMW][v] < 1e-6);
    }
    state_fini(&s);
}

static void test_step_mmp_raises_cleavage(void **state)
{
    (void)state;
    /* doubling MMP-1 raises cleavage by the MMP-1 share: a = k [(1 - s) + s A] */
    struct derm_ecm_coef c = default_coef();
    struct state s1, s2;
    state_init(&s1, 2, 2, 2);
    state_init(&s2, 2, 2, 2);
    young_balance(&s1, &c);
    young_balance(&s2, &c);
    for (int64_t v = 0; v < s2.g.n; v++) s2.sig[DERM_S_MMP1][v] = 2.0;
    struct derm_ecm_flux f1, f2;
    const double dt = 0.01; /* short: cleavage = a I dt (1 + O(a dt)), a dt ~ 1e-7 */
    assert_int_equal(step(&s1, &c, dt, &f1, NULL), DERM_OK);
    assert_int_equal(step(&s2, &c, dt, &f2, NULL), DERM_OK);
    /* activity A = (M/(1 + T/Ki)) (1 + 1/Ki) = 2 at M = 2, T = 1, Ki = 1 */
    assert_rel(f2.collagen_cleave / f1.collagen_cleave, (1.0 - c.mmp1_share) + c.mmp1_share * 2.0, 1e-6);
    state_fini(&s1);
    state_fini(&s2);
}

static void test_step_ros_il_drive_ha_and_elastin(void **state)
{
    (void)state;
    /* HA: c = kH [(1 - r) + r (ROS + IL)/2]; elastin: o = kox ROS feeds the elastotic pool.
     * Over a short step the fluxes are rate x pool (1 + O(rate dt)). */
    struct derm_ecm_coef c = default_coef();
    struct state s;
    state_init(&s, 3, 1, 1);
    young_balance(&s, &c);
    for (int64_t v = 0; v < 3; v++) s.m[DERM_M_ELASTIN_ELASTOTIC][v] = 0.0;
    s.sig[DERM_S_IL][1] = 3.0;  /* voxel 1: inflammation */
    s.sig[DERM_S_ROS][2] = 3.0; /* voxel 2: oxidative stress */
    const double dt = 1e-4, H0 = s.m[DERM_M_HA_HMW][0], E0 = s.m[DERM_M_ELASTIN_FUNCTIONAL][0];
    double ha_before[3];
    for (int v = 0; v < 3; v++) ha_before[v] = s.m[DERM_M_HA_HMW][v];
    assert_int_equal(step(&s, &c, dt, NULL, NULL), DERM_OK);
    const double kh1 = c.k_ha_h, kh3 = c.k_ha_h * ((1.0 - c.ha_ros_frag) + c.ha_ros_frag * 0.5 * (1.0 + 3.0));
    const double in = (s.dep_ha[0] + c.ha_supply) * dt;
    double deg[3];
    for (int v = 0; v < 3; v++) deg[v] = in - (s.m[DERM_M_HA_HMW][v] - ha_before[v]);
    assert_rel(deg[0], kh1 * H0 * dt, 1e-4);
    assert_rel(deg[1], kh3 * H0 * dt, 1e-4);
    assert_rel(deg[2], kh3 * H0 * dt, 1e-4);
    /* elastotic material forms at kox ROS E */
    assert_rel(s.m[DERM_M_ELASTIN_ELASTOTIC][0], c.k_oxidation_h * 1.0 * E0 * dt, 1e-4);
    assert_rel(s.m[DERM_M_ELASTIN_ELASTOTIC][1], c.k_oxidation_h * 1.0 * E0 * dt, 1e-4);
    assert_rel(s.m[DERM_M_ELASTIN_ELASTOTIC][2], c.k_oxidation_h * 3.0 * E0 * dt, 1e-4);
    state_fini(&s);
}

static void test_step_age_follows_formation_times_residence(void **state)
{
    (void)state;
    struct derm_ecm_coef c = default_coef();
    c.age_half = 1e15; /* AGE does not slow cleavage here, so the collagen stays steady */
    struct state s;
    state_init(&s, 2, 2, 2);
    young_balance(&s, &c);
    const double I0 = s.m[DERM_M_COLLAGEN_INTACT][0], F0 = s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
    const double T = I0 + F0;
    /* residence = pool / clearance flux = (I0 + F0) / (k_cleave I0), h */
    const double residence_h = T / (c.k_cleave_h * I0);
    const double x_star = c.age_form_h * residence_h; /* pmol/mg */
    double prev = c.age_ref;
    for (int n = 0; n < 300; n++) {
        assert_int_equal(step(&s, &c, DERM_HOURS_PER_YEAR, NULL, NULL), DERM_OK);
        double x = s.m[DERM_M_AGE_AMOUNT][0] / (s.m[DERM_M_COLLAGEN_INTACT][0] + s.m[DERM_M_COLLAGEN_FRAGMENTED][0]);
        assert_true(x > prev); /* starts below x* and rises monotonically */
        assert_true(x < x_star * (1.0 + 1e-9));
        prev = x;
    }
    assert_rel(prev, x_star, 1e-6);
    /* without formation AGE only leaves, at the clearance rate per collagen */
    c.age_form_h = 0.0;
    double g0 = s.m[DERM_M_AGE_AMOUNT][0];
    struct derm_ecm_flux fl;
    assert_int_equal(step(&s, &c, 168.0, &fl, NULL), DERM_OK);
    double cleared_v = fl.collagen_clear / (double)s.g.n;
    assert_rel(s.m[DERM_M_AGE_AMOUNT][0], g0 * (1.0 - cleared_v / T), 1e-10);
    state_fini(&s);
}

static void test_step_age_slows_cleavage(void **state)
{
    (void)state;
    /* cleavage scales with g(X) = (1 + X0/Xh) / (1 + X/Xh), X = AGE per collagen */
    struct derm_ecm_coef c = default_coef();
    c.age_form_h = 0.0;
    struct state s1, s2;
    state_init(&s1, 2, 2, 2);
    state_init(&s2, 2, 2, 2);
    young_balance(&s1, &c);
    young_balance(&s2, &c);
    const double X = 60.0; /* pmol/mg */
    for (int64_t v = 0; v < s2.g.n; v++)
        s2.m[DERM_M_AGE_AMOUNT][v] = X * (s2.m[DERM_M_COLLAGEN_INTACT][v] + s2.m[DERM_M_COLLAGEN_FRAGMENTED][v]);
    struct derm_ecm_flux f1, f2;
    assert_int_equal(step(&s1, &c, 0.01, &f1, NULL), DERM_OK);
    assert_int_equal(step(&s2, &c, 0.01, &f2, NULL), DERM_OK);
    double g = (1.0 + c.age_ref / c.age_half) / (1.0 + X / c.age_half);
    assert_rel(f2.collagen_cleave / f1.collagen_cleave, g, 1e-6); /* O(a dt) ~ 1e-7 */
    assert_true(f2.collagen_cleave < f1.collagen_cleave);
    state_fini(&s1);
    state_fini(&s2);
}

static void test_step_halving_invariance(void **state)
{
    (void)state;
    /* constant coefficients: no AGE formation and no AGE effect on cleavage */
    struct derm_ecm_coef c = default_coef();
    c.age_form_h = 0.0;
    c.age_half = 1e300;
    struct state a, b;
    state_init(&a, 4, 3, 3);
    state_init(&b, 4, 3, 3);
    random_state(&a, &c, 21);
    random_state(&b, &c, 21);
    const double dt = 4.0 * 168.0;
    assert_int_equal(step(&a, &c, dt, NULL, NULL), DERM_OK);
    assert_int_equal(step(&b, &c, 0.5 * dt, NULL, NULL), DERM_OK);
    assert_int_equal(step(&b, &c, 0.5 * dt, NULL, NULL), DERM_OK);
    const int pools[] = {DERM_M_COLLAGEN_INTACT, DERM_M_COLLAGEN_FRAGMENTED, DERM_M_ELASTIN_FUNCTIONAL,
                         DERM_M_ELASTIN_ELASTOTIC, DERM_M_HA_HMW, DERM_M_HA_LMW};
    for (size_t q = 0; q < sizeof pools / sizeof *pools; q++)
        for (int64_t v = 0; v < a.g.n; v++) assert_rel(b.m[pools[q]][v], a.m[pools[q]][v], 1e-12);
    state_fini(&a);
    state_fini(&b);
}

/* Regression: AGE formed during a step must be credited on the collagen left at the end
 * of the step (T1), not on (T0 + T1)/2. With no deposition X = G/(I+F) obeys X' = form
 * exactly (AGE leaves with cleared collagen in proportion), so X(t) <= X0 + form t; the
 * old mean-credit rule inflated X by 7 orders of magnitude when one step cleared most of
 * the collagen, which made g(X) ~ 0 and froze the rest. */
static void test_step_age_bounded_when_collagen_collapses(void **state)
{
    (void)state;
    struct derm_ecm_coef c = default_coef();
    struct state s;
    state_init(&s, 1, 1, 1);
    young_balance(&s, &c);
    s.dep_col[0] = 0.0;
    s.sig[DERM_S_MMP1][0] = s.sig[DERM_S_MMP3][0] = 1e3; /* strong MMP activity, no TIMP */
    s.sig[DERM_S_TIMP][0] = 0.0;
    const double x0 = c.age_ref, dt = DERM_HOURS_PER_YEAR; /* one year: a dt ~ 18 */
    assert_int_equal(step(&s, &c, dt, NULL, NULL), DERM_OK);
    double T1 = s.m[DERM_M_COLLAGEN_INTACT][0] + s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
    double x1 = s.m[DERM_M_AGE_AMOUNT][0] / T1;
    /* exact bound X1 <= X0 + form dt (= 6 pmol/mg) */
    state_fini(&s);
    const double bound = x0 + c.age_form_h * dt;
    if (!(x1 <= bound * (1.0 + 1e-9)))
        fail_msg("AGE per collagen after the step = %.6g pmol/mg, exceeds the exact bound %.6g", x1, bound);
}

static void test_step_thread_invariant(void **state)
{
    (void)state;
    struct derm_ecm_coef c = default_coef();
    struct state a, b;
    state_init(&a, 12, 10, 16);
    state_init(&b, 12, 10, 16);
    random_state(&a, &c, 31);
    random_state(&b, &c, 31);
    struct derm_ecm_flux fa, fb;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    for (int n = 0; n < 3; n++) assert_int_equal(step(&a, &c, 168.0, &fa, NULL), DERM_OK);
    omp_set_num_threads(2);
    for (int n = 0; n < 3; n++) assert_int_equal(step(&b, &c, 168.0, &fb, NULL), DERM_OK);
    omp_set_num_threads(saved);
    for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a.m[q], b.m[q], (size_t)a.g.n * sizeof(double));
    assert_memory_equal(&fa, &fb, sizeof fa);
    state_fini(&a);
    state_fini(&b);
}

static void test_step_reports_numeric_errors(void **state)
{
    (void)state;
    struct derm_ecm_coef c = default_coef();
    struct state s;
    state_init(&s, 3, 3, 3);
    struct derm_err err;

    /* negative intact collagen and no deposition: stays negative -> ENUMERIC */
    young_balance(&s, &c);
    s.m[DERM_M_COLLAGEN_INTACT][5] = -1.0;
    s.dep_col[5] = 0.0;
    derm_err_clear(&err);
    assert_int_equal(step(&s, &c, 168.0, NULL, &err), DERM_ENUMERIC);
    assert_int_equal(err.code, DERM_ENUMERIC);
    assert_non_null(strstr(err.msg, "1 voxel"));

    /* negative deposition driving a pool below zero */
    young_balance(&s, &c);
    s.dep_el[2] = -1e3;
    derm_err_clear(&err);
    assert_int_equal(step(&s, &c, 168.0, NULL, &err), DERM_ENUMERIC);

    /* non-finite signal */
    young_balance(&s, &c);
    s.sig[DERM_S_MMP1][7] = NAN;
    derm_err_clear(&err);
    assert_int_equal(step(&s, &c, 168.0, NULL, &err), DERM_ENUMERIC);

    /* infinite matrix */
    young_balance(&s, &c);
    s.m[DERM_M_HA_HMW][0] = INFINITY;
    s.m[DERM_M_COLLAGEN_INTACT][1] = -2.0;
    s.dep_col[1] = 0.0;
    derm_err_clear(&err);
    assert_int_equal(step(&s, &c, 168.0, NULL, &err), DERM_ENUMERIC);
    assert_non_null(strstr(err.msg, "2 voxel"));

    /* err may be NULL; the status is still returned */
    young_balance(&s, &c);
    s.m[DERM_M_ELASTIN_FUNCTIONAL][3] = -5.0;
    s.dep_el[3] = 0.0;
    assert_int_equal(step(&s, &c, 168.0, NULL, NULL), DERM_ENUMERIC);

    /* a clean state after all this is fine */
    young_balance(&s, &c);
    assert_int_equal(step(&s, &c, 168.0, NULL, &err), DERM_OK);
    state_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_closed_forms),
        cmocka_unit_test(test_chain_against_rk4),
        cmocka_unit_test(test_chain_mass_balance),
        cmocka_unit_test(test_chain_step_invariance),
        cmocka_unit_test(test_step_young_balance_is_steady),
        cmocka_unit_test(test_step_fluxes_balance_pools),
        cmocka_unit_test(test_step_non_negative),
        cmocka_unit_test(test_step_mmp_raises_cleavage),
        cmocka_unit_test(test_step_ros_il_drive_ha_and_elastin),
        cmocka_unit_test(test_step_age_follows_formation_times_residence),
        cmocka_unit_test(test_step_age_slows_cleavage),
        cmocka_unit_test(test_step_halving_invariance),
        cmocka_unit_test(test_step_age_bounded_when_collagen_collapses),
        cmocka_unit_test(test_step_thread_invariant),
        cmocka_unit_test(test_step_reports_numeric_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
