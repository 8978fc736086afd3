/* test_matrix.c - model/matrix: the exact per-voxel matrix kinetics.
 *
 * derm_matrix_step is checked for: the young balance staying put (deposition = k I0, every
 * activity 1; 1e-12 relative per step), non-negativity under strong degradation, flux
 * totals (synthesis = P dt, synthesis - cleared = change of the collagen pool, cleaved =
 * synthesis - change of intact collagen; 1e-10 relative), MMP-1 activity raising cleavage
 * by its share, ROS and IL driving HA degradation with the weight ecm.ha_ros_weight (0.5,
 * the default, is the old (ROS + IL)/2) and ROS oxidising elastin, AGE per collagen
 * approaching formation x residence time (cross-links leave with cleared fragments; 1e-6
 * relative after 300 one-year steps), AGE slowing the MMP-dependent part of cleavage and of
 * fragment clearance only, fragment clearance by cellular uptake in its share and scaling
 * with the uptake argument and divided by 1 + endo_gain x the local UV memory (voxel by
 * voxel: a uniform memory M is the uptake argument / (1 + endo_gain M)), every pool's budget closing to round-off over
 * voxel sums (collagen, intact collagen, elastin, HA, HMW HA, AGE: change = made - removed per the 12-member flux), AGE
 * formation on collagen and elastin scaling with the glucose ratio argument, UVA elastotic deposition, the MMP-1
 * activity output, step-halving invariance for constant coefficients, bitwise thread
 * independence, the same bits with deposits made layer by layer as with their arrays, the scalar loop's bits from the
 * vectorised strips (a voxel-by-voxel reference written here; steps of 6 h to a year; strips that do not divide a
 * layer) and DERM_ENUMERIC on negative or non-finite input; derm_matrix_settle_ha puts HA at the steady state of the
 * step. The chain itself is tested in test_chain.c. The coefficient set is built from derm_params_defaults with the
 * same unit conversions as sim/coef.c (matrix_coef.h, shared with lean/test_lean_kernels.c).
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

#include "derm/io/params.h"
#include "derm/model/matrix.h"
#include "derm/sim/totals.h"
#include "derm/solve/chain.h"
#include "derm/solve/signal_grids.h"
#include "derm/store/fields.h"
#include "matrix_coef.h"

/* ---- helpers ------------------------------------------------------------------------- */

static int rel_close(double got, double want, double rtol)
{
    double scale = fmax(fabs(want), 1e-300);
    return fabs(got - want) <= rtol * scale;
}
#define assert_rel(got, want, rtol)                                                    \
    do {                                                                               \
        double g_ = (got), w_ = (want);                                                \
        if (!rel_close(g_, w_, (rtol)))                                                \
            fail_msg("%s = %.17g, expected %.17g (rel err %.3g > %.3g)", #got, g_, w_, \
                     fabs(g_ - w_) / fmax(fabs(w_), 1e-300), (double)(rtol));          \
    } while (0)

/* Matrix and signal storage for a small grid, plus deposition arrays, the glucose ratio
 * passed to the step (subject.glucose_mM / glycation.reference_glucose_mM of the defaults),
 * the cellular fragment uptake passed to it (1: young) and the step's layer scratch. */
struct state {
    struct derm_grid g;
    double *m[DERM_NMATRIX];
    double *sig[DERM_NSIGNAL];
    double *dep_col, *dep_el, *dep_ha;
    double *dep_ez; /* UVA elastosis; NULL unless a test sets it */
    double *uvm;    /* UV memory (SED/day) lowering fragment uptake; NULL unless a test sets it */
    double glucose_ratio;
    double uptake;
    double *layer_sums;
};

static void state_init(struct state *s, int64_t nx, int64_t ny, int64_t nz)
{
    assert_int_equal(derm_grid_init(&s->g, nx, ny, nz, 20.0, NULL), DERM_OK);
    size_t n = (size_t)s->g.n;
    struct derm_params p;
    derm_params_defaults(&p);
    s->glucose_ratio = p.subject_glucose_mM / p.glycation_reference_glucose_mM;
    s->dep_ez = NULL;
    s->uvm = NULL;
    s->uptake = 1.0;
    assert_non_null(s->layer_sums = calloc((DERM_MATRIX_NFLUX + 1) * (size_t)nz, sizeof(double)));
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
    free(s->layer_sums);
}

/* Young-adult balance: every signal 1, the steady matrix for the given coefficients and
 * deposition balancing turnover. */
static void young_balance(struct state *s, const struct derm_matrix_coef *c)
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
static void random_state(struct state *s, const struct derm_matrix_coef *c, uint64_t seed)
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

/* Two identical random states (random_state with the same seed) of nx x ny x nz voxels. */
static void twin_states(struct state *a, struct state *b, const struct derm_matrix_coef *c, int64_t nx, int64_t ny,
                        int64_t nz, uint64_t seed)
{
    state_init(a, nx, ny, nz);
    state_init(b, nx, ny, nz);
    random_state(a, c, seed);
    random_state(b, c, seed);
}

static double total(const double *x, int64_t n)
{
    double s = 0.0;
    for (int64_t q = 0; q < n; q++) s += x[q];
    return s;
}

static derm_status step(struct state *s, const struct derm_matrix_coef *c, double dt, struct derm_matrix_flux *fl,
                        struct derm_err *err)
{
    const struct derm_matrix_deposition dep = {s->dep_col, s->dep_el, s->dep_ha, s->dep_ez, s->uvm,
                                               NULL,       NULL,      NULL,      NULL};
    return derm_matrix_step(&s->g, s->m, (const double *const *)s->sig, &dep, s->glucose_ratio, s->uptake, c, dt, NULL,
                            s->layer_sums, fl, err);
}

/* AGE formation on collagen in effect, pmol/mg/h: the reference rate x the glucose ratio. */
static double form_h(const struct derm_matrix_coef *c, const struct state *s)
{
    return c->age_form_ref_h * s->glucose_ratio;
}

/* ---- derm_matrix_step ---------------------------------------------------------------- */

static void test_step_young_balance_is_steady(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    struct state s;
    state_init(&s, 4, 4, 4);
    young_balance(&s, &c);
    /* AGE formation at the rate that holds AGE per collagen at age_ref: x_star = form x
     * residence x (1 + x_star / Xh), the cleared molecules carrying 1/(1 + x_star / Xh) of
     * the mean load; residence = (I0 + F0) / (k_cleave I0) */
    {
        const double I0 = s.m[DERM_M_COLLAGEN_INTACT][0], F0 = s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
        c.age_form_ref_h = c.age_ref * c.k_cleave_h * I0 / (I0 + F0) / (1.0 + c.age_ref / c.age_half) / s.glucose_ratio;
    }
    double m0[DERM_NMATRIX];
    for (int q = 0; q < DERM_NMATRIX; q++) m0[q] = s.m[q][0];
    struct derm_matrix_flux fl;
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
    struct derm_matrix_coef c = default_coef();
    struct state s;
    state_init(&s, 5, 3, 4);
    random_state(&s, &c, 11);
    const double dts[] = {1.0, 168.0, 8766.0};
    for (size_t d = 0; d < 3; d++) {
        const int64_t n = s.g.n;
        double I0 = total(s.m[DERM_M_COLLAGEN_INTACT], n), F0 = total(s.m[DERM_M_COLLAGEN_FRAGMENTED], n);
        double H0 = total(s.m[DERM_M_HA_HMW], n);
        struct derm_matrix_flux fl;
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

/* Every pool's budget closes over the domain: change = made - removed, from the 12 flux
 * members, to round-off, for short and long steps, with UVA elastosis, AGE formation,
 * uptake below young and a non-uniform state. */
static void test_step_budgets_close(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_matrix_coef c = default_coef();
    c.age_form_el_ref_h = p.glycation_elastin_formation_per_year / DERM_HOURS_PER_YEAR;
    struct state s;
    state_init(&s, 5, 3, 4);
    random_state(&s, &c, 17);
    const int64_t n = s.g.n;
    double *pz = calloc((size_t)n, sizeof(double));
    assert_non_null(pz);
    for (int64_t v = 0; v < n; v++) pz[v] = 2e-5 * (double)(v % 5);
    s.dep_ez = pz;
    s.uptake = 0.6;
    s.glucose_ratio = 1.3;
    const double dts[] = {1.0, 168.0, 8766.0, 5.0 * 8766.0};
    struct derm_matrix_flux cum = {0};
    double start[DERM_NMATRIX];
    for (int q = 0; q < DERM_NMATRIX; q++) start[q] = total(s.m[q], n);
    for (size_t d = 0; d < sizeof dts / sizeof *dts; d++) {
        double m0[DERM_NMATRIX];
        for (int q = 0; q < DERM_NMATRIX; q++) m0[q] = total(s.m[q], n);
        struct derm_matrix_flux fl;
        assert_int_equal(step(&s, &c, dts[d], &fl, NULL), DERM_OK);
        double m1[DERM_NMATRIX];
        for (int q = 0; q < DERM_NMATRIX; q++) m1[q] = total(s.m[q], n);
        const double ha0 = m0[DERM_M_HA_HMW] + m0[DERM_M_HA_LMW];
        /* what is made is what was deposited */
        assert_rel(fl.collagen_synth, total(s.dep_col, n) * dts[d], 1e-13);
        assert_rel(fl.elastin_synth, total(s.dep_el, n) * dts[d], 1e-13);
        assert_rel(fl.elastotic_dep, total(pz, n) * dts[d], 1e-13);
        assert_rel(fl.ha_synth, (total(s.dep_ha, n) + c.ha_supply * (double)n) * dts[d], 1e-13);
        /* budgets: change = made - removed (round-off of the pool sizes) */
        assert_matrix_budgets_close(m0, m1, &fl, 1e-12);
        /* every flux is a non-negative amount; oxidised elastin at most what left the pool */
        const double *fv = (const double *)&fl;
        for (int i = 0; i < DERM_MATRIX_NFLUX; i++) assert_true(fv[i] >= 0.0 && isfinite(fv[i]));
        assert_true(fl.elastin_oxidised > 0.0 && fl.age_formed > 0.0 && fl.age_removed > 0.0);
        assert_true(fl.ha_removed <= fl.ha_degraded + ha0);
        double *cv = (double *)&cum;
        for (int i = 0; i < DERM_MATRIX_NFLUX; i++) cv[i] += fv[i];
    }
    /* cumulative amounts rebuild the budgets since the start (as the output series do) */
    double end[DERM_NMATRIX];
    for (int q = 0; q < DERM_NMATRIX; q++) end[q] = total(s.m[q], n);
    const double c0 = start[DERM_M_COLLAGEN_INTACT] + start[DERM_M_COLLAGEN_FRAGMENTED];
    const double c1 = end[DERM_M_COLLAGEN_INTACT] + end[DERM_M_COLLAGEN_FRAGMENTED];
    assert_true(fabs((c1 - c0) - (cum.collagen_synth - cum.collagen_clear)) <= 1e-12 * (c0 + c1 + cum.collagen_synth));
    assert_true(fabs((end[DERM_M_AGE_AMOUNT] - start[DERM_M_AGE_AMOUNT]) - (cum.age_formed - cum.age_removed)) <=
                1e-12 * (start[DERM_M_AGE_AMOUNT] + end[DERM_M_AGE_AMOUNT] + cum.age_formed));
    free(pz);
    state_fini(&s);
}

static void test_step_non_negative(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
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
    struct derm_matrix_coef c = default_coef();
    struct state s1, s2;
    state_init(&s1, 2, 2, 2);
    state_init(&s2, 2, 2, 2);
    young_balance(&s1, &c);
    young_balance(&s2, &c);
    for (int64_t v = 0; v < s2.g.n; v++) s2.sig[DERM_S_MMP1][v] = 2.0;
    struct derm_matrix_flux f1, f2;
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
     * Over a short step the fluxes are rate x pool (1 + O(rate dt)). The default weight of
     * ROS in the HA drive (ecm.ha_ros_weight) is 1/2, which is this equal-weight form. */
    struct derm_matrix_coef c = default_coef();
    assert_true(c.ha_ros_weight == 0.5);
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
    struct derm_matrix_coef c = default_coef();
    c.age_half = 1e15; /* AGE does not slow cleavage here, so the collagen stays steady */
    struct state s;
    state_init(&s, 2, 2, 2);
    young_balance(&s, &c);
    const double I0 = s.m[DERM_M_COLLAGEN_INTACT][0], F0 = s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
    const double T = I0 + F0;
    /* residence = pool / clearance flux = (I0 + F0) / (k_cleave I0), h */
    const double residence_h = T / (c.k_cleave_h * I0);
    const double x_star = form_h(&c, &s) * residence_h; /* pmol/mg */
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
    c.age_form_ref_h = 0.0;
    double g0 = s.m[DERM_M_AGE_AMOUNT][0];
    struct derm_matrix_flux fl;
    assert_int_equal(step(&s, &c, 168.0, &fl, NULL), DERM_OK);
    double cleared_v = fl.collagen_clear / (double)s.g.n;
    assert_rel(s.m[DERM_M_AGE_AMOUNT][0], g0 * (1.0 - cleared_v / T), 1e-10);
    state_fini(&s);
}

/* The least glycated collagen leaves first: what is cleared carries 1/(1 + X/Xh) of the
 * mean load X, the collagen fluxes do not depend on it, and without formation the load of
 * the collagen that stays rises while the amount falls. */
static void test_step_age_leaves_with_the_least_glycated(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef(), flat = default_coef();
    c.age_form_ref_h = flat.age_form_ref_h = 0.0;
    flat.age_half = 1e15; /* no selection (and no protection) */
    struct state s, t;
    state_init(&s, 2, 2, 2);
    state_init(&t, 2, 2, 2);
    young_balance(&s, &c);
    young_balance(&t, &flat);
    for (int64_t v = 0; v < s.g.n; v++) { /* no synthesis: the collagen only leaves */
        s.dep_col[v] = t.dep_col[v] = 0.0;
    }
    const double T0 = s.m[DERM_M_COLLAGEN_INTACT][0] + s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
    const double g0 = s.m[DERM_M_AGE_AMOUNT][0], x0 = g0 / T0;
    assert_rel(x0, c.age_ref, 1e-12); /* at the young load g = 1: cleavage is the same in both */
    struct derm_matrix_flux fs, ft;
    assert_int_equal(step(&s, &c, 168.0, &fs, NULL), DERM_OK);
    assert_int_equal(step(&t, &flat, 168.0, &ft, NULL), DERM_OK);
    assert_rel(fs.collagen_clear, ft.collagen_clear, 1e-12);
    assert_rel(s.m[DERM_M_COLLAGEN_INTACT][0], t.m[DERM_M_COLLAGEN_INTACT][0], 1e-12);
    const double cleared_v = fs.collagen_clear / (double)s.g.n;
    assert_rel(s.m[DERM_M_AGE_AMOUNT][0], g0 * (1.0 - cleared_v / T0 / (1.0 + x0 / c.age_half)), 1e-10);
    assert_rel(t.m[DERM_M_AGE_AMOUNT][0], g0 * (1.0 - cleared_v / T0), 1e-10);
    assert_rel(fs.age_removed, g0 * cleared_v / T0 / (1.0 + x0 / c.age_half) * (double)s.g.n, 1e-10);
    /* a year of losses: the load per collagen rises in s, stays in t */
    double prev = x0;
    for (int n = 0; n < 52; n++) {
        assert_int_equal(step(&s, &c, 168.0, NULL, NULL), DERM_OK);
        assert_int_equal(step(&t, &flat, 168.0, NULL, NULL), DERM_OK);
        const double x =
            s.m[DERM_M_AGE_AMOUNT][0] / (s.m[DERM_M_COLLAGEN_INTACT][0] + s.m[DERM_M_COLLAGEN_FRAGMENTED][0]);
        assert_true(x > prev);
        prev = x;
        const double xt =
            t.m[DERM_M_AGE_AMOUNT][0] / (t.m[DERM_M_COLLAGEN_INTACT][0] + t.m[DERM_M_COLLAGEN_FRAGMENTED][0]);
        assert_rel(xt, x0, 1e-9);
    }
    state_fini(&s);
    state_fini(&t);
}

static void test_step_age_slows_cleavage(void **state)
{
    (void)state;
    /* AGE cross-links protect against the MMPs only: the MMP-1 part of cleavage scales with
     * g(X) = (1 + X0/Xh) / (1 + X/Xh), X = AGE per collagen, the rest does not:
     * a = k [(1 - s1) + s1 A1 g] */
    struct derm_matrix_coef c = default_coef();
    c.age_form_ref_h = 0.0;
    struct state s1, s2;
    state_init(&s1, 2, 2, 2);
    state_init(&s2, 2, 2, 2);
    young_balance(&s1, &c);
    young_balance(&s2, &c);
    const double X = 60.0; /* pmol/mg */
    for (int64_t v = 0; v < s2.g.n; v++)
        s2.m[DERM_M_AGE_AMOUNT][v] = X * (s2.m[DERM_M_COLLAGEN_INTACT][v] + s2.m[DERM_M_COLLAGEN_FRAGMENTED][v]);
    struct derm_matrix_flux f1, f2;
    assert_int_equal(step(&s1, &c, 0.01, &f1, NULL), DERM_OK);
    assert_int_equal(step(&s2, &c, 0.01, &f2, NULL), DERM_OK);
    const double g = (1.0 + c.age_ref / c.age_half) / (1.0 + X / c.age_half);
    const double s1m = c.mmp1_share;
    assert_true(g < 1.0 && s1m > 0.0 && s1m < 1.0);
    assert_rel(f2.collagen_cleave / f1.collagen_cleave, (1.0 - s1m) + s1m * g, 1e-6); /* O(a dt) ~ 1e-7 */
    assert_true(f2.collagen_cleave < f1.collagen_cleave);
    /* fragment clearance: b = kF [(1 - s3 - su) + s3 A3 g + su U]; only the MMP-3 part is slowed */
    const double s3 = c.mmp3_share, su = c.uptake_share;
    assert_rel(f2.collagen_clear / f1.collagen_clear, (1.0 - s3 - su) + s3 * g + su, 1e-6);
    /* without MMP activity AGE no longer changes cleavage or clearance at all */
    young_balance(&s1, &c);
    young_balance(&s2, &c);
    for (int64_t v = 0; v < s1.g.n; v++) {
        s1.sig[DERM_S_MMP1][v] = s2.sig[DERM_S_MMP1][v] = 0.0;
        s1.sig[DERM_S_MMP3][v] = s2.sig[DERM_S_MMP3][v] = 0.0;
        s2.m[DERM_M_AGE_AMOUNT][v] = X * (s2.m[DERM_M_COLLAGEN_INTACT][v] + s2.m[DERM_M_COLLAGEN_FRAGMENTED][v]);
    }
    assert_int_equal(step(&s1, &c, 0.01, &f1, NULL), DERM_OK);
    assert_int_equal(step(&s2, &c, 0.01, &f2, NULL), DERM_OK);
    assert_rel(f2.collagen_cleave, f1.collagen_cleave, 1e-13);
    assert_rel(f2.collagen_clear, f1.collagen_clear, 1e-13);
    assert_rel(f1.collagen_cleave / (c.k_cleave_h * 250.0 * 0.01 * (double)s1.g.n), 1.0 - s1m, 1e-6);
    state_fini(&s1);
    state_fini(&s2);
}

/* Fragments are cleared partly by cellular uptake: its share of young clearance follows the
 * uptake argument (the subject's phagocytic capacity); cleavage does not depend on it. */
static void test_step_fragment_uptake_share(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    c.age_form_ref_h = 0.0;
    const double su = c.uptake_share;
    assert_true(su > 0.0 && su + c.mmp3_share <= 1.0);
    const double U[] = {1.0, 0.0, 0.5, 2.0};
    struct derm_matrix_flux f[4];
    for (int i = 0; i < 4; i++) {
        struct state s;
        state_init(&s, 2, 2, 2);
        young_balance(&s, &c);
        s.uptake = U[i];
        assert_int_equal(step(&s, &c, 0.01, &f[i], NULL), DERM_OK);
        state_fini(&s);
    }
    /* young (U = 1): the full fragment clearance b = kF */
    const double F0 = 250.0 * c.k_cleave_h / c.k_clear_h, n = 8.0;
    assert_rel(f[0].collagen_clear, c.k_clear_h * F0 * 0.01 * n, 1e-6);
    for (int i = 1; i < 4; i++) {
        /* b(U) / b(1) = 1 - su + su U */
        assert_rel(f[i].collagen_clear / f[0].collagen_clear, 1.0 - su + su * U[i], 1e-6);
        assert_rel(f[i].collagen_cleave, f[0].collagen_cleave, 1e-13);
    }
    /* the share 0: uptake has no effect; the share 1 (no MMP-3 share): clearance is all uptake */
    struct derm_matrix_coef c0 = c, c1 = c;
    c0.uptake_share = 0.0;
    c1.uptake_share = 1.0;
    c1.mmp3_share = 0.0;
    struct state a, b;
    state_init(&a, 2, 2, 2);
    state_init(&b, 2, 2, 2);
    young_balance(&a, &c0);
    young_balance(&b, &c0);
    a.uptake = 1.0;
    b.uptake = 0.25;
    struct derm_matrix_flux fa, fb;
    assert_int_equal(step(&a, &c0, 0.01, &fa, NULL), DERM_OK);
    assert_int_equal(step(&b, &c0, 0.01, &fb, NULL), DERM_OK);
    assert_rel(fb.collagen_clear, fa.collagen_clear, 1e-14);
    young_balance(&a, &c1);
    young_balance(&b, &c1);
    assert_int_equal(step(&a, &c1, 0.01, &fa, NULL), DERM_OK);
    assert_int_equal(step(&b, &c1, 0.01, &fb, NULL), DERM_OK);
    assert_rel(fb.collagen_clear / fa.collagen_clear, 0.25, 1e-6);
    /* no uptake at all with the share 1: fragments accumulate, none cleared */
    young_balance(&b, &c1);
    b.uptake = 0.0;
    assert_int_equal(step(&b, &c1, 168.0, &fb, NULL), DERM_OK);
    assert_true(fb.collagen_clear == 0.0);
    state_fini(&a);
    state_fini(&b);
}

static void test_step_uv_memory_lowers_uptake(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    c.endo_gain = 40.0;
    const double M = 0.03, u = 0.8;
    struct state a, b;
    twin_states(&a, &b, &c, 3, 2, 2, 11);
    double *mem = calloc((size_t)a.g.n, sizeof(double));
    assert_non_null(mem);
    for (int64_t v = 0; v < a.g.n; v++) mem[v] = M;
    a.uvm = mem;
    a.uptake = u;
    b.uptake = u / (1.0 + c.endo_gain * M);
    struct derm_matrix_flux fa, fb;
    assert_int_equal(step(&a, &c, 168.0, &fa, NULL), DERM_OK);
    assert_int_equal(step(&b, &c, 168.0, &fb, NULL), DERM_OK);
    for (int q = 0; q < DERM_NMATRIX; q++)
        for (int64_t v = 0; v < a.g.n; v++) assert_true(a.m[q][v] == b.m[q][v]);
    /* less uptake, fewer fragments cleared, the same cleavage */
    struct state n;
    state_init(&n, 3, 2, 2);
    random_state(&n, &c, 11);
    n.uptake = u;
    struct derm_matrix_flux fn;
    assert_int_equal(step(&n, &c, 168.0, &fn, NULL), DERM_OK);
    assert_true(fa.collagen_clear < fn.collagen_clear);
    assert_rel(fa.collagen_cleave, fn.collagen_cleave, 1e-12);
    /* local: a voxel without UV memory steps as without the array */
    random_state(&a, &c, 11);
    mem[0] = 0.0;
    assert_int_equal(step(&a, &c, 168.0, &fa, NULL), DERM_OK);
    random_state(&n, &c, 11);
    assert_int_equal(step(&n, &c, 168.0, &fn, NULL), DERM_OK);
    for (int q = 0; q < DERM_NMATRIX; q++) assert_true(a.m[q][0] == n.m[q][0]);
    assert_true(a.m[DERM_M_COLLAGEN_FRAGMENTED][1] > n.m[DERM_M_COLLAGEN_FRAGMENTED][1]);
    a.uvm = NULL;
    free(mem);
    state_fini(&a);
    state_fini(&b);
    state_fini(&n);
}

static void test_step_halving_invariance(void **state)
{
    (void)state;
    /* constant coefficients: no AGE formation and no AGE effect on cleavage */
    struct derm_matrix_coef c = default_coef();
    c.age_form_ref_h = 0.0;
    c.age_half = 1e300;
    struct state a, b;
    twin_states(&a, &b, &c, 4, 3, 3, 21);
    const double dt = 4.0 * 168.0;
    assert_int_equal(step(&a, &c, dt, NULL, NULL), DERM_OK);
    assert_int_equal(step(&b, &c, 0.5 * dt, NULL, NULL), DERM_OK);
    assert_int_equal(step(&b, &c, 0.5 * dt, NULL, NULL), DERM_OK);
    const int pools[] = {DERM_M_COLLAGEN_INTACT,
                         DERM_M_COLLAGEN_FRAGMENTED,
                         DERM_M_ELASTIN_FUNCTIONAL,
                         DERM_M_ELASTIN_ELASTOTIC,
                         DERM_M_HA_HMW,
                         DERM_M_HA_LMW};
    for (size_t q = 0; q < sizeof pools / sizeof *pools; q++)
        for (int64_t v = 0; v < a.g.n; v++) assert_rel(b.m[pools[q]][v], a.m[pools[q]][v], 1e-12);
    state_fini(&a);
    state_fini(&b);
}

/* Regression: AGE formed during a step must be credited on the collagen left at the end
 * of the step (T1), not on (T0 + T1)/2; the old mean-credit rule inflated X by 7 orders of
 * magnitude when one step cleared most of the collagen, which made g(X) ~ 0 and froze the
 * rest. Exact bounds for one step: AGE leaving with the cleared collagen never adds, so
 * G1 <= G0 + form T1 dt; the least glycated molecules leave first, so the load of what stays
 * does not fall: X1 >= X0 + form dt. */
static void test_step_age_bounded_when_collagen_collapses(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    struct state s;
    state_init(&s, 1, 1, 1);
    young_balance(&s, &c);
    s.dep_col[0] = 0.0;
    s.sig[DERM_S_MMP1][0] = s.sig[DERM_S_MMP3][0] = 1e3; /* strong MMP activity, no TIMP */
    s.sig[DERM_S_TIMP][0] = 0.0;
    const double dt = DERM_HOURS_PER_YEAR; /* one year: a dt ~ 18 */
    const double T0 = s.m[DERM_M_COLLAGEN_INTACT][0] + s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
    const double G0 = s.m[DERM_M_AGE_AMOUNT][0], x0 = G0 / T0;
    assert_int_equal(step(&s, &c, dt, NULL, NULL), DERM_OK);
    const double T1 = s.m[DERM_M_COLLAGEN_INTACT][0] + s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
    const double G1 = s.m[DERM_M_AGE_AMOUNT][0], x1 = G1 / T1, form = form_h(&c, &s);
    state_fini(&s);
    assert_true(T1 < 0.5 * T0); /* the collapse happened */
    if (!(G1 <= (G0 + form * T1 * dt) * (1.0 + 1e-12)))
        fail_msg("AGE after the step = %.6g, exceeds the exact bound %.6g", G1, G0 + form * T1 * dt);
    if (!(x1 >= (x0 + form * dt) * (1.0 - 1e-12)))
        fail_msg("AGE per collagen after the step = %.6g pmol/mg, below %.6g", x1, x0 + form * dt);
}

/* Signals held lazy (solve/signal_grids.h) are read from their coarse states strip by strip:
 * the step gives the bits it gives with their prolonged fields, and never reads their fine
 * arrays (NaN here), at 1 and 2 threads; strips cross rows (nx 20 < 128). So does the HA
 * settle (derm_matrix_settle_ha). */
static void test_step_lazy_signals_same_bits(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    struct state a, b;
    twin_states(&a, &b, &c, 20, 20, 40, 77);
    /* MMP-1, MMP-3, TIMP and IL on a grid coarser by 5 (20 um voxels), the others on the voxel grid */
    double D[DERM_NSIGNAL], k[DERM_NSIGNAL];
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        const int coarse = q == DERM_S_MMP1 || q == DERM_S_MMP3 || q == DERM_S_TIMP || q == DERM_S_IL;
        D[q] = coarse ? 10.0 * 3600.0 : 0.0;
        k[q] = log(2.0) / 24.0;
    }
    struct derm_err err = {0};
    struct derm_signal_grids *eager = NULL, *lazy = NULL;
    assert_int_equal(derm_signal_grids_create(&eager, &a.g, DERM_NSIGNAL, D, k, 0, 0.125, &err), DERM_OK);
    assert_int_equal(derm_signal_grids_create(&lazy, &a.g, DERM_NSIGNAL, D, k, 0, 0.125, &err), DERM_OK);
    assert_true(derm_signal_grids_factor(lazy, DERM_S_MMP1) == 5 && derm_signal_grids_factor(lazy, DERM_S_ROS) == 1);
    for (int q = 0; q < DERM_NSIGNAL; q++) derm_signal_grids_set_lazy(lazy, q, 1);
    /* both from the random fields as sources; a's fine fields are the prolongation */
    assert_int_equal(derm_signal_grids_step(eager, a.sig, (const double *const *)b.sig, 48.0, &err), DERM_OK);
    assert_int_equal(derm_signal_grids_step(lazy, b.sig, (const double *const *)b.sig, 48.0, &err), DERM_OK);
    for (int q = 0; q < DERM_NSIGNAL; q++)
        if (derm_signal_grids_lazy(lazy, q))
            for (int64_t v = 0; v < b.g.n; v++) b.sig[q][v] = NAN;
        else
            memcpy(b.sig[q], a.sig[q], (size_t)a.g.n * sizeof(double));
    const int nt = omp_get_max_threads();
    for (int th = 1; th <= 2; th++) {
        omp_set_num_threads(th);
        struct state *st[2] = {&a, &b};
        struct derm_matrix_flux fl[2];
        double *act[2] = {malloc((size_t)a.g.n * sizeof(double)), malloc((size_t)a.g.n * sizeof(double))};
        for (int x = 0; x < 2; x++) {
            const struct derm_matrix_deposition dep = {st[x]->dep_col,  st[x]->dep_el, st[x]->dep_ha, NULL, NULL,
                                                       x ? lazy : NULL, NULL,          NULL,          NULL};
            assert_non_null(act[x]);
            assert_int_equal(derm_matrix_step(&st[x]->g, st[x]->m, (const double *const *)st[x]->sig, &dep,
                                              st[x]->glucose_ratio, st[x]->uptake, &c, 168.0, act[x], st[x]->layer_sums,
                                              &fl[x], &err),
                             DERM_OK);
        }
        for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a.m[q], b.m[q], (size_t)a.g.n * sizeof(double));
        assert_memory_equal(act[0], act[1], (size_t)a.g.n * sizeof(double));
        assert_memory_equal(&fl[0], &fl[1], sizeof fl[0]);
        free(act[0]);
        free(act[1]);
    }
    omp_set_num_threads(nt);
    /* the HA settle reads IL (lazy here) from its coarse state too: the same bits, its NaN
     * array unread */
    assert_int_equal(derm_matrix_settle_ha(&a.g, a.m, (const double *const *)a.sig, NULL, a.dep_ha, NULL, &c, &err),
                     DERM_OK);
    assert_int_equal(derm_matrix_settle_ha(&b.g, b.m, (const double *const *)b.sig, lazy, b.dep_ha, NULL, &c, &err),
                     DERM_OK);
    assert_true(derm_signal_grids_lazy(lazy, DERM_S_IL));
    assert_memory_equal(a.m[DERM_M_HA_HMW], b.m[DERM_M_HA_HMW], (size_t)a.g.n * sizeof(double));
    assert_memory_equal(a.m[DERM_M_HA_LMW], b.m[DERM_M_HA_LMW], (size_t)a.g.n * sizeof(double));
    assert_false(isnan(b.m[DERM_M_HA_HMW][0]));
    derm_signal_grids_free(eager);
    derm_signal_grids_free(lazy);
    state_fini(&a);
    state_fini(&b);
}

static void test_step_thread_invariant(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    struct state a, b;
    twin_states(&a, &b, &c, 12, 10, 16, 31);
    struct derm_matrix_flux fa, fb;
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

/* Deposits made layer by layer where the kernel reads them (derm_matrix_deposition.layers,
 * the lean build's way) give the bits of the same deposits as whole-grid arrays
 * (derm_coupling_deposit_box), at 1 to 3 threads (layer ranges cut differently), for the
 * step and for the HA settle; a spec of another count of values is refused. */
static void test_step_layer_deposits_same_bits(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    struct state a, b;
    twin_states(&a, &b, &c, 13, 11, 9, 77);
    struct derm_agents ag;
    struct derm_bins bins;
    assert_int_equal(derm_agents_init(&ag, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&bins, &a.g, NULL), DERM_OK);
    uint64_t st = 3;
    for (int64_t q = 0; q < 300; q++) {
        int64_t r;
        assert_int_equal(derm_agents_append(&ag, &r, NULL), DERM_OK);
        ag.x[r] = urand(&st) * derm_grid_lx(&a.g);
        ag.y[r] = urand(&st) * derm_grid_ly(&a.g);
        ag.z[r] = urand(&st) * derm_grid_lz(&a.g);
    }
    assert_int_equal(derm_bins_build(&bins, &a.g, &ag, NULL), DERM_OK);
    double *val[3], *tmp = calloc((size_t)a.g.n, sizeof(double));
    assert_non_null(tmp);
    double *dep[3] = {a.dep_col, a.dep_el, a.dep_ha};
    const double scale[3] = {c.k_cleave_h * 250.0, c.k_elastin_h * 10.0, c.k_ha_h * 0.5};
    for (int i = 0; i < 3; i++) {
        assert_non_null(val[i] = malloc((size_t)ag.n * sizeof(double)));
        for (int64_t r = 0; r < ag.n; r++) val[i][r] = scale[i] * 30.0 * urand(&st);
        derm_coupling_deposit_box(&a.g, &bins, val[i], 2, DERM_BOX_CONSERVE, dep[i], tmp);
    }
    const struct derm_coupling_layers_spec made = {&bins, 3, 2, {val[0], val[1], val[2]}};
    const struct derm_coupling_layers_spec ha = {&bins, 1, 2, {val[2]}};
    double *m0[DERM_NMATRIX]; /* the matrix before the steps */
    for (int q = 0; q < DERM_NMATRIX; q++) {
        assert_non_null(m0[q] = malloc((size_t)a.g.n * sizeof(double)));
        memcpy(m0[q], a.m[q], (size_t)a.g.n * sizeof(double));
    }
    struct derm_matrix_flux fa, fb;
    assert_int_equal(step(&a, &c, 168.0, &fa, NULL), DERM_OK);
    const int saved = omp_get_max_threads();
    for (int threads = 1; threads <= 3; threads++) {
        for (int q = 0; q < DERM_NMATRIX; q++) memcpy(b.m[q], m0[q], (size_t)b.g.n * sizeof(double));
        omp_set_num_threads(threads);
        const struct derm_matrix_deposition dl = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &made};
        assert_int_equal(derm_matrix_step(&b.g, b.m, (const double *const *)b.sig, &dl, b.glucose_ratio, b.uptake, &c,
                                          168.0, NULL, b.layer_sums, &fb, NULL),
                         DERM_OK);
        for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a.m[q], b.m[q], (size_t)a.g.n * sizeof(double));
        assert_memory_equal(&fa, &fb, sizeof fa);
    }
    omp_set_num_threads(saved);
    assert_int_equal(derm_matrix_settle_ha(&a.g, a.m, (const double *const *)a.sig, NULL, a.dep_ha, NULL, &c, NULL),
                     DERM_OK);
    assert_int_equal(derm_matrix_settle_ha(&b.g, b.m, (const double *const *)b.sig, NULL, NULL, &ha, &c, NULL),
                     DERM_OK);
    for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a.m[q], b.m[q], (size_t)a.g.n * sizeof(double));
    struct derm_err err = {0};
    const struct derm_matrix_deposition bad = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &ha};
    assert_int_equal(derm_matrix_step(&b.g, b.m, (const double *const *)b.sig, &bad, b.glucose_ratio, b.uptake, &c,
                                      168.0, NULL, b.layer_sums, NULL, &err),
                     DERM_EINTERNAL);
    assert_int_equal(derm_matrix_settle_ha(&b.g, b.m, (const double *const *)b.sig, NULL, NULL, &made, &c, &err),
                     DERM_EINTERNAL);
    for (int i = 0; i < 3; i++) free(val[i]);
    for (int q = 0; q < DERM_NMATRIX; q++) free(m0[q]);
    free(tmp);
    derm_bins_fini(&bins);
    derm_agents_fini(&ag);
    state_fini(&a);
    state_fini(&b);
}

/* The layer sums the kernel makes on request (field_sums) are derm_totals_layer_sums of the
 * fields and the MMP-1 activity it wrote, derm_readout_mmp_susceptibility_sums of the fields
 * and derm_totals_layer_sums of the signals it read, bitwise, on strips that do not divide
 * the layer (13 x 11 voxels), at 1 and 2 threads; without the request the step's fields are
 * the same. */
static void test_step_field_sums(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    const struct derm_readout_coef rc = {.age_protection = 40.0};
    struct state a, b;
    twin_states(&a, &b, &c, 13, 11, 9, 57);
    const int64_t nz = a.g.nz, n = a.g.n, nxy = a.g.nx * a.g.ny, ns = DERM_MATRIX_NSUMS;
    double *fsum = calloc((size_t)(ns * nz), sizeof(double));
    double *ref = calloc((size_t)((DERM_NMATRIX + 1) * nz), sizeof(double));
    double *sref = calloc((size_t)(DERM_MATRIX_NSIGNAL_IN * nz), sizeof(double));
    double *act = calloc((size_t)n, sizeof(double)), *act_b = calloc((size_t)n, sizeof(double));
    assert_true(fsum && ref && sref && act && act_b);
    { /* the susceptibility's sums need the readout coefficients: refused, nothing changed */
        const struct derm_matrix_deposition bad = {a.dep_col, a.dep_el, a.dep_ha, NULL, NULL, NULL, fsum, NULL, NULL};
        struct derm_err err = {0};
        assert_int_equal(derm_matrix_step(&a.g, a.m, (const double *const *)a.sig, &bad, a.glucose_ratio, a.uptake, &c,
                                          168.0, act, a.layer_sums, NULL, &err),
                         DERM_EINTERNAL);
        for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a.m[q], b.m[q], (size_t)n * sizeof(double));
    }
    const int saved = omp_get_max_threads();
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        const struct derm_matrix_deposition da = {a.dep_col, a.dep_el, a.dep_ha, NULL, NULL, NULL, fsum, &rc, NULL};
        const struct derm_matrix_deposition db = {b.dep_col, b.dep_el, b.dep_ha, NULL, NULL, NULL, NULL, NULL, NULL};
        assert_int_equal(derm_matrix_step(&a.g, a.m, (const double *const *)a.sig, &da, a.glucose_ratio, a.uptake, &c,
                                          168.0, act, a.layer_sums, NULL, NULL),
                         DERM_OK);
        assert_int_equal(derm_matrix_step(&b.g, b.m, (const double *const *)b.sig, &db, b.glucose_ratio, b.uptake, &c,
                                          168.0, act_b, b.layer_sums, NULL, NULL),
                         DERM_OK);
        for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a.m[q], b.m[q], (size_t)n * sizeof(double));
        const double *x[DERM_NMATRIX + 1], *sx[DERM_MATRIX_NSIGNAL_IN];
        for (int q = 0; q < DERM_NMATRIX; q++) x[q] = a.m[q];
        x[DERM_NMATRIX] = act;
        for (int i = 0; i < DERM_MATRIX_NSIGNAL_IN; i++) sx[i] = a.sig[derm_matrix_signal_in[i]];
        derm_totals_layer_sums(&a.g, DERM_NMATRIX + 1, x, ref);
        derm_totals_layer_sums(&a.g, DERM_MATRIX_NSIGNAL_IN, sx, sref);
        for (int64_t k = 0; k < nz; k++) {
            const double *fk = fsum + k * ns;
            assert_memory_equal(fk, ref + k * (DERM_NMATRIX + 1), sizeof(double) * (DERM_NMATRIX + 1));
            double susc[2];
            derm_readout_mmp_susceptibility_sums(&rc, nxy, a.m[DERM_M_COLLAGEN_INTACT] + k * nxy,
                                                 a.m[DERM_M_COLLAGEN_FRAGMENTED] + k * nxy,
                                                 a.m[DERM_M_AGE_AMOUNT] + k * nxy, susc);
            assert_memory_equal(fk + DERM_MATRIX_SUM_SUSC, susc, sizeof susc);
            assert_true(susc[0] > 0.0 && susc[1] > 0.0 && susc[1] < susc[0]); /* AGE protects */
            assert_memory_equal(fk + DERM_MATRIX_SUM_SIGNAL, sref + k * DERM_MATRIX_NSIGNAL_IN,
                                sizeof(double) * DERM_MATRIX_NSIGNAL_IN);
        }
        assert_true(fsum[DERM_M_COLLAGEN_INTACT] > 0.0 && fsum[DERM_MATRIX_SUM_ACT] > 0.0);
        for (int i = 0; i < DERM_MATRIX_NSIGNAL_IN; i++) assert_true(fsum[DERM_MATRIX_SUM_SIGNAL + i] > 0.0);
    }
    omp_set_num_threads(saved);
    free(fsum);
    free(ref);
    free(sref);
    free(act);
    free(act_b);
    state_fini(&a);
    state_fini(&b);
}

static void test_step_reports_numeric_errors(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
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

/* ---- the vectorised kernel against the voxel-by-voxel formulas -------------------------- */

/* The exact chain as a scalar loop would write it (branches, not selects). */
static double ref_chain(double P, double a, double b, double yield, double t, double ea, double pa, double eb,
                        double pb, double *x, double *y)
{
    const double x0 = *x, y0 = *y, at = a * t, bt = b * t;
    const double x1 = x0 * ea + P * t * pa;
    const double out = P * t - (x1 - x0);
    const double d = bt - at;
    double i1;
    if (fabs(d) < 0.05)
        i1 = (d >= 0.0 ? ea : eb) * t * derm_chain_phi1(fabs(d));
    else
        i1 = (ea - eb) / (b - a);
    double y1 = y0 * eb + yield * (P * t * pb + (a * x0 - P) * i1);
    if (y1 < 0.0) y1 = 0.0;
    *x = x1;
    *y = y1;
    return out;
}

/* MMP activity: MMP x (1 + 1/Ki) / (1 + TIMP/Ki), the free share formed once per voxel */
static double ref_activity(double mmp, double timp, double ki)
{
    if (mmp < 0.0) mmp = 0.0;
    if (timp < 0.0) timp = 0.0;
    return mmp * ((1.0 + 1.0 / ki) / (1.0 + timp * (1.0 / ki)));
}

/* The matrix step voxel by voxel, in the scalar loop's order (equations in matrix.h). */
static void ref_step(struct state *s, const struct derm_matrix_coef *cc, double dt, double *act, double *fl,
                     double *nbad)
{
    double **m = s->m;
    double *ci = m[DERM_M_COLLAGEN_INTACT], *cf = m[DERM_M_COLLAGEN_FRAGMENTED], *ga = m[DERM_M_AGE_AMOUNT];
    double *ef = m[DERM_M_ELASTIN_FUNCTIONAL], *ez = m[DERM_M_ELASTIN_ELASTOTIC], *hh = m[DERM_M_HA_HMW];
    double *hl = m[DERM_M_HA_LMW], *ea = m[DERM_M_ELASTIN_AGE_AMOUNT];
    const double age_form_h = cc->age_form_ref_h * s->glucose_ratio,
                 age_form_el_h = cc->age_form_el_ref_h * s->glucose_ratio;
    double e_ez, p_ez, e_hl, p_hl;
    derm_chain_decay(cc->k_elastotic_h * dt, &e_ez, &p_ez);
    derm_chain_decay(cc->k_lmw_h * dt, &e_hl, &p_hl);
    for (int i = 0; i < DERM_MATRIX_NFLUX; i++) fl[i] = 0.0;
    *nbad = 0.0;
    for (int64_t k = 0; k < s->g.nz; k++) {
        /* each flux in four partial sums, voxel q of the layer in lane q % 4 (matrix.c) */
        double lanes[DERM_MATRIX_NFLUX][4] = {{0}};
        for (int64_t q = k * s->g.nx * s->g.ny; q < (k + 1) * s->g.nx * s->g.ny; q++) {
            const int64_t l = (q - k * s->g.nx * s->g.ny) % 4;
            const int bad_in = ci[q] < 0.0 || cf[q] < 0.0 || ga[q] < 0.0 || ef[q] < 0.0 || ez[q] < 0.0 || hh[q] < 0.0 ||
                               hl[q] < 0.0 || ea[q] < 0.0;
            /* collagen */
            const double total0 = ci[q] + cf[q];
            const double x_age = total0 > 0.0 ? ga[q] / total0 : cc->age_ref;
            const double load_out = 1.0 / (1.0 + x_age * (1.0 / cc->age_half));
            const double g_age = x_age > cc->age_ref ? (1.0 + cc->age_ref / cc->age_half) * load_out : 1.0;
            const double a1 = ref_activity(s->sig[DERM_S_MMP1][q], s->sig[DERM_S_TIMP][q], cc->timp_ki);
            const double a3 = ref_activity(s->sig[DERM_S_MMP3][q], s->sig[DERM_S_TIMP][q], cc->timp_ki);
            if (act) act[q] = a1;
            const double a = cc->k_cleave_h * ((1.0 - cc->mmp1_share) + cc->mmp1_share * a1 * g_age);
            const double up = s->uvm ? s->uptake / (1.0 + cc->endo_gain * s->uvm[q]) : s->uptake;
            const double b = cc->k_clear_h * ((1.0 - cc->mmp3_share - cc->uptake_share) + cc->mmp3_share * a3 * g_age +
                                              cc->uptake_share * up);
            const double P = s->dep_col[q], f0 = cf[q];
            double e1a, p1a, e1b, p1b;
            derm_chain_decay(a * dt, &e1a, &p1a);
            derm_chain_decay(b * dt, &e1b, &p1b);
            const double cleaved = ref_chain(P, a, b, 1.0, dt, e1a, p1a, e1b, p1b, &ci[q], &cf[q]);
            double cleared = cleaved - (cf[q] - f0);
            if (cleared < 0.0) cleared = 0.0;
            lanes[0][l] += P * dt;
            lanes[1][l] += cleaved;
            lanes[2][l] += cleared;
            double frac_out = total0 > 0.0 ? cleared / total0 * load_out : 0.0;
            if (frac_out > 1.0) frac_out = 1.0;
            const double total1 = ci[q] + cf[q];
            const double age_out = ga[q] * frac_out, age_in = age_form_h * total1 * dt;
            ga[q] = ga[q] - age_out + age_in;
            lanes[10][l] += age_in;
            lanes[11][l] += age_out;
            /* elastin */
            const double rx = s->sig[DERM_S_ROS][q] > 0.0 ? s->sig[DERM_S_ROS][q] : 0.0;
            const double ox = cc->k_oxidation_h * rx, kel = cc->k_elastin_h + ox;
            const double yz = kel > 0.0 ? ox / kel : 0.0;
            const double e0 = ef[q] + ez[q];
            double ee, pe;
            derm_chain_decay(kel * dt, &ee, &pe);
            const double left =
                ref_chain(s->dep_el[q], kel, cc->k_elastotic_h, yz, dt, ee, pe, e_ez, p_ez, &ef[q], &ez[q]);
            const double pz = s->dep_ez ? s->dep_ez[q] : 0.0;
            if (pz > 0.0) ez[q] += pz * dt * derm_chain_phi1(cc->k_elastotic_h * dt);
            lanes[3][l] += s->dep_el[q] * dt;
            lanes[4][l] += pz * dt;
            lanes[5][l] += left * yz;
            lanes[6][l] += e0 + (s->dep_el[q] + pz) * dt - (ef[q] + ez[q]);
            const double e1 = ef[q] + ez[q];
            double e_out = e0 > 0.0 ? (e0 + (s->dep_el[q] + pz) * dt - e1) / e0 : 0.0;
            if (e_out < 0.0) e_out = 0.0;
            if (e_out > 1.0) e_out = 1.0;
            ea[q] = ea[q] * (1.0 - e_out) + age_form_el_h * e1 * dt;
            /* HA */
            const double h0 = hh[q] + hl[q], made = (s->dep_ha[q] + cc->ha_supply) * dt;
            const double kh = derm_matrix_ha_rate(cc, s->sig[DERM_S_ROS][q], s->sig[DERM_S_IL][q]);
            double eh, ph;
            derm_chain_decay(kh * dt, &eh, &ph);
            lanes[8][l] += ref_chain(s->dep_ha[q] + cc->ha_supply, kh, cc->k_lmw_h, cc->lmw_yield, dt, eh, ph, e_hl,
                                     p_hl, &hh[q], &hl[q]);
            lanes[7][l] += made;
            lanes[9][l] += h0 + made - (hh[q] + hl[q]);
            const double chk = ci[q] + cf[q] + ga[q] + ef[q] + ez[q] + hh[q] + hl[q] + ea[q];
            const int bad_out = ci[q] < 0.0 || cf[q] < 0.0 || ga[q] < 0.0 || ef[q] < 0.0 || ez[q] < 0.0 ||
                                hh[q] < 0.0 || hl[q] < 0.0 || ea[q] < 0.0;
            if (bad_in || !isfinite(chk) || bad_out) *nbad += 1.0;
        }
        for (int i = 0; i < DERM_MATRIX_NFLUX; i++) fl[i] += (lanes[i][0] + lanes[i][1]) + (lanes[i][2] + lanes[i][3]);
    }
}

/* derm_matrix_step runs its voxels in strips of vectorised passes (and, on x86-64, in an
 * AVX-512F or AVX2 copy where the processor has one; test_matrix_avx2 and test_matrix_sse2
 * run this file on the AVX2 copy alone and on the baseline alone). It must give the scalar
 * loop's bits: every field, the MMP-1 activity and the flux sums, over strips that do not
 * divide a layer (13 x 11 = 143 voxels: 128 + 15), for steps from 6 h to a year (series and
 * exponential paths of every decay), with and without UV memory and elastotic deposition,
 * empty and glycated voxels, and negative signals. */
static void test_step_matches_voxel_formulas(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    const double dts[] = {6.0, 168.0, 8766.0};
    for (int variant = 0; variant < 2; variant++)
        for (int d = 0; d < 3; d++) {
            struct state a, b;
            state_init(&a, 13, 11, 3);
            state_init(&b, 13, 11, 3);
            random_state(&a, &c, 77 + (uint64_t)d);
            random_state(&b, &c, 77 + (uint64_t)d);
            const size_t n = (size_t)a.g.n;
            double *pz = calloc(n, sizeof(double)), *uvm = calloc(n, sizeof(double));
            double *act_a = calloc(n, sizeof(double)), *act_b = calloc(n, sizeof(double));
            assert_true(pz && uvm && act_a && act_b);
            for (size_t v = 0; v < n; v++) {
                pz[v] = v % 3 == 0 ? 0.0 : 1e-5 * (double)(v % 7);
                uvm[v] = 0.01 * (double)(v % 5);
                struct state *t[2] = {&a, &b};
                for (int w = 0; w < 2; w++) {
                    if (v % 17 == 3) { /* empty of collagen */
                        t[w]->m[DERM_M_COLLAGEN_INTACT][v] = t[w]->m[DERM_M_COLLAGEN_FRAGMENTED][v] = 0.0;
                        t[w]->m[DERM_M_AGE_AMOUNT][v] = 0.0;
                    }
                    if (v % 11 == 5) t[w]->m[DERM_M_AGE_AMOUNT][v] *= 0.1; /* below the reference */
                    if (v % 13 == 7) t[w]->sig[DERM_S_MMP1][v] = -0.5;     /* clamped */
                    if (v % 19 == 2) t[w]->sig[DERM_S_ROS][v] = 0.0;       /* no oxidation */
                    if (v % 23 == 9) t[w]->m[DERM_M_ELASTIN_FUNCTIONAL][v] = t[w]->m[DERM_M_ELASTIN_ELASTOTIC][v] = 0.0;
                }
            }
            if (variant == 1) {
                a.dep_ez = b.dep_ez = pz;
                a.uvm = b.uvm = uvm;
                a.uptake = b.uptake = 0.7;
            }
            double fl_ref[DERM_MATRIX_NFLUX], nbad;
            ref_step(&a, &c, dts[d], act_a, fl_ref, &nbad);
            assert_true(nbad == 0.0);
            struct derm_matrix_flux fl;
            const struct derm_matrix_deposition dep = {b.dep_col, b.dep_el, b.dep_ha, b.dep_ez, b.uvm,
                                                       NULL,      NULL,     NULL,     NULL};
            assert_int_equal(derm_matrix_step(&b.g, b.m, (const double *const *)b.sig, &dep, b.glucose_ratio, b.uptake,
                                              &c, dts[d], act_b, b.layer_sums, &fl, NULL),
                             DERM_OK);
            for (int q = 0; q < DERM_NMATRIX; q++) assert_memory_equal(a.m[q], b.m[q], n * sizeof(double));
            assert_memory_equal(act_a, act_b, n * sizeof(double));
            assert_memory_equal(fl_ref, &fl, sizeof fl);
            free(pz);
            free(uvm);
            free(act_a);
            free(act_b);
            state_fini(&a);
            state_fini(&b);
        }
}

/* ---- new in the matrix module -------------------------------------------------------- */

/* The weight of ROS against IL in the HA drive: 1 = ROS only, 0 = IL only. */
static void test_ha_ros_weight(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    const double k = c.k_ha_h, r = c.ha_ros_frag;
    assert_rel(derm_matrix_ha_rate(&c, 1.0, 1.0), k, 1e-15);               /* young: the baseline rate */
    assert_rel(derm_matrix_ha_rate(&c, -4.0, -1.0), k * (1.0 - r), 1e-15); /* negative levels count as 0 */
    for (int wi = 0; wi <= 2; wi++) {
        c.ha_ros_weight = 0.5 * wi;
        const double w = c.ha_ros_weight;
        assert_rel(derm_matrix_ha_rate(&c, 3.0, 2.0), k * ((1.0 - r) + r * (w * 3.0 + (1.0 - w) * 2.0)), 1e-15);
        /* the step degrades HMW HA at that rate (short step: rate x pool (1 + O(rate dt))) */
        struct state s;
        state_init(&s, 2, 1, 1);
        young_balance(&s, &c);
        s.sig[DERM_S_ROS][1] = 3.0;
        s.sig[DERM_S_IL][1] = 2.0;
        const double dt = 1e-4, H0 = s.m[DERM_M_HA_HMW][1];
        struct derm_matrix_flux fl;
        assert_int_equal(step(&s, &c, dt, &fl, NULL), DERM_OK);
        assert_rel(fl.ha_degraded, (k + derm_matrix_ha_rate(&c, 3.0, 2.0)) * H0 * dt, 1e-4);
        state_fini(&s);
    }
}

/* AGE formation on collagen and on elastin scales with the glucose ratio argument. */
static void test_glucose_ratio_scales_age_formation(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_matrix_coef c = default_coef();
    c.age_form_el_ref_h = p.glycation_elastin_formation_per_year / DERM_HOURS_PER_YEAR;
    assert_true(c.age_form_ref_h > 0.0 && c.age_form_el_ref_h > 0.0);
    struct state s1, s2;
    state_init(&s1, 2, 2, 1);
    state_init(&s2, 2, 2, 1);
    random_state(&s1, &c, 41);
    random_state(&s2, &c, 41);
    s1.glucose_ratio = 1.0;
    s2.glucose_ratio = 2.5;
    const double dt = 168.0;
    assert_int_equal(step(&s1, &c, dt, NULL, NULL), DERM_OK);
    assert_int_equal(step(&s2, &c, dt, NULL, NULL), DERM_OK);
    for (int64_t v = 0; v < s1.g.n; v++) {
        /* pools are untouched by glucose (AGE does not act within the step) */
        assert_true(s1.m[DERM_M_COLLAGEN_INTACT][v] == s2.m[DERM_M_COLLAGEN_INTACT][v]);
        assert_true(s1.m[DERM_M_ELASTIN_FUNCTIONAL][v] == s2.m[DERM_M_ELASTIN_FUNCTIONAL][v]);
        /* formation is credited on the pool at the end of the step: the extra 1.5 x form */
        const double T1 = s1.m[DERM_M_COLLAGEN_INTACT][v] + s1.m[DERM_M_COLLAGEN_FRAGMENTED][v];
        const double E1 = s1.m[DERM_M_ELASTIN_FUNCTIONAL][v] + s1.m[DERM_M_ELASTIN_ELASTOTIC][v];
        assert_rel(s2.m[DERM_M_AGE_AMOUNT][v] - s1.m[DERM_M_AGE_AMOUNT][v], 1.5 * c.age_form_ref_h * T1 * dt, 1e-9);
        assert_rel(s2.m[DERM_M_ELASTIN_AGE_AMOUNT][v] - s1.m[DERM_M_ELASTIN_AGE_AMOUNT][v],
                   1.5 * c.age_form_el_ref_h * E1 * dt, 1e-9);
    }
    state_fini(&s1);
    state_fini(&s2);
}

/* UVA elastosis adds P_Z dt phi1(k_Z dt) to the elastotic pool (exact superposition); the
 * MMP-1 activity output is (M / (1 + T/Ki)) (1 + 1/Ki), 1 at the young baseline. */
static void test_elastosis_and_mmp_activity_output(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    struct state s1, s2;
    state_init(&s1, 3, 2, 2);
    state_init(&s2, 3, 2, 2);
    young_balance(&s1, &c);
    young_balance(&s2, &c);
    double *pz = calloc((size_t)s2.g.n, sizeof(double));
    assert_non_null(pz);
    for (int64_t v = 0; v < s2.g.n; v++) pz[v] = 1e-4 * (double)(v % 3);
    s2.dep_ez = pz;
    for (int64_t v = 0; v < s2.g.n; v++) s2.sig[DERM_S_MMP1][v] = s1.sig[DERM_S_MMP1][v] = 0.5 * (double)(v % 4);
    s1.sig[DERM_S_TIMP][1] = s2.sig[DERM_S_TIMP][1] = 3.0;
    double *act = calloc((size_t)s1.g.n, sizeof(double));
    assert_non_null(act);
    const double dt = 8766.0;
    const struct derm_matrix_deposition dep1 = {s1.dep_col, s1.dep_el, s1.dep_ha, NULL, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(derm_matrix_step(&s1.g, s1.m, (const double *const *)s1.sig, &dep1, s1.glucose_ratio, 1.0, &c, dt,
                                      act, s1.layer_sums, NULL, NULL),
                     DERM_OK);
    assert_int_equal(step(&s2, &c, dt, NULL, NULL), DERM_OK);
    const double kz = c.k_elastotic_h, phi = -expm1(-kz * dt) / (kz * dt);
    for (int64_t v = 0; v < s1.g.n; v++) {
        assert_rel(s2.m[DERM_M_ELASTIN_ELASTOTIC][v] - s1.m[DERM_M_ELASTIN_ELASTOTIC][v] + 1.0, 1.0 + pz[v] * dt * phi,
                   1e-12);
        assert_true(s2.m[DERM_M_ELASTIN_FUNCTIONAL][v] == s1.m[DERM_M_ELASTIN_FUNCTIONAL][v]);
        const double M = 0.5 * (double)(v % 4), T = v == 1 ? 3.0 : 1.0, Ki = c.timp_ki;
        assert_rel(act[v] + 1.0, (M / (1.0 + T / Ki)) * (1.0 + 1.0 / Ki) + 1.0, 1e-14);
    }
    /* at the young baseline (MMP-1 = TIMP = 1) the activity is exactly 1 */
    young_balance(&s1, &c);
    assert_int_equal(derm_matrix_step(&s1.g, s1.m, (const double *const *)s1.sig, &dep1, s1.glucose_ratio, 1.0, &c, 1.0,
                                      act, s1.layer_sums, NULL, NULL),
                     DERM_OK);
    for (int64_t v = 0; v < s1.g.n; v++) assert_rel(act[v], 1.0, 1e-15);
    free(act);
    free(pz);
    state_fini(&s1);
    state_fini(&s2);
}

/* derm_matrix_settle_ha puts both HA pools at the steady state of the current deposition,
 * ROS and IL: a following step leaves them unchanged. */
static void test_settle_ha_is_steady(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    struct state s;
    state_init(&s, 4, 3, 2);
    random_state(&s, &c, 51);
    assert_int_equal(derm_matrix_settle_ha(&s.g, s.m, (const double *const *)s.sig, NULL, s.dep_ha, NULL, &c, NULL),
                     DERM_OK);
    double *h0 = malloc(2 * (size_t)s.g.n * sizeof(double));
    assert_non_null(h0);
    for (int64_t v = 0; v < s.g.n; v++) {
        h0[2 * v] = s.m[DERM_M_HA_HMW][v];
        h0[2 * v + 1] = s.m[DERM_M_HA_LMW][v];
        const double kh = derm_matrix_ha_rate(&c, s.sig[DERM_S_ROS][v], s.sig[DERM_S_IL][v]);
        assert_rel(h0[2 * v], (s.dep_ha[v] + c.ha_supply) / kh, 1e-14);
    }
    assert_int_equal(step(&s, &c, 168.0, NULL, NULL), DERM_OK);
    for (int64_t v = 0; v < s.g.n; v++) {
        assert_rel(s.m[DERM_M_HA_HMW][v], h0[2 * v], 1e-12);
        assert_rel(s.m[DERM_M_HA_LMW][v], h0[2 * v + 1], 1e-12);
    }
    free(h0);
    state_fini(&s);
}

int main(void)
{
#if defined(DERM_SIMD_ONLY_AVX2)
    /* test_matrix_avx2 (CMakeLists.txt): the kernel's AVX2 copy alone, which this processor
     * cannot run (77: ctest's skip code for it; CI's machines have AVX2, and a skip fails
     * the CI run) */
    if (!__builtin_cpu_supports("avx2")) {
        fputs("test_matrix_avx2: this processor has no AVX2\n", stderr);
        return 77;
    }
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_young_balance_is_steady),
        cmocka_unit_test(test_step_fluxes_balance_pools),
        cmocka_unit_test(test_step_budgets_close),
        cmocka_unit_test(test_step_non_negative),
        cmocka_unit_test(test_step_mmp_raises_cleavage),
        cmocka_unit_test(test_step_ros_il_drive_ha_and_elastin),
        cmocka_unit_test(test_step_age_follows_formation_times_residence),
        cmocka_unit_test(test_step_age_leaves_with_the_least_glycated),
        cmocka_unit_test(test_step_age_slows_cleavage),
        cmocka_unit_test(test_step_fragment_uptake_share),
        cmocka_unit_test(test_step_uv_memory_lowers_uptake),
        cmocka_unit_test(test_step_halving_invariance),
        cmocka_unit_test(test_step_age_bounded_when_collagen_collapses),
        cmocka_unit_test(test_step_lazy_signals_same_bits),
        cmocka_unit_test(test_step_thread_invariant),
        cmocka_unit_test(test_step_layer_deposits_same_bits),
        cmocka_unit_test(test_step_field_sums),
        cmocka_unit_test(test_step_reports_numeric_errors),
        cmocka_unit_test(test_step_matches_voxel_formulas),
        cmocka_unit_test(test_ha_ros_weight),
        cmocka_unit_test(test_glucose_ratio_scales_age_formation),
        cmocka_unit_test(test_elastosis_and_mmp_activity_output),
        cmocka_unit_test(test_settle_ha_is_steady),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
