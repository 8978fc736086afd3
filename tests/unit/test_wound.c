/* test_wound.c - model/wound: micro-wounds of microneedling and their repair.
 *
 * Checks: a session opens dose x microneedling_fraction in every layer inside the needled
 * depth, the part of the layer the needles reach in a partial layer, none below, at least the
 * first layer for a shallow depth, of the tissue not yet wounded only, so open + repair stays
 * <= 1 over any number of sessions; a session tau hours into a step gives the state and the
 * integrated means of steps that end at the session (any step); the chain follows its closed form
 * (w = w0 e^{-t/tc}, r = w0 tr/(tr - tc) (e^{-t/tr} - e^{-t/tc})) and gives the same state
 * after one long step as after many short ones; the step means integrate exactly (mean x dt
 * summed over steps equals the closed-form integral at any step); fractions stay in [0, 1];
 * the synthesis factor is 1 without wounds, 1 + (F - 1) f and F at f >= 1; the signal
 * sources are level x decay x open mean in every voxel of the layer and nothing for other
 * signals; the coefficients come from the wound.* parameters (derm_coef_build).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "derm/core/units.h"
#include "derm/io/params.h"
#include "derm/model/wound.h"
#include "derm/sim/coef.h"

#define NZ 10

static struct derm_wound_coef default_coef(void)
{
    static struct derm_coefs all;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 2, 2, NZ, 20.0, NULL), DERM_OK);
    derm_coef_build(&p, &g, &all);
    return all.wound;
}

static void test_coefficients_from_parameters(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_wound_coef c = default_coef();
    assert_true(c.microneedling_fraction == p.wound_microneedling_fraction);
    assert_true(fabs(c.close_h * p.wound_closure_days * DERM_HOURS_PER_DAY - 1.0) < 1e-15);
    assert_true(fabs(c.remodel_h * p.wound_remodel_days * DERM_HOURS_PER_DAY - 1.0) < 1e-15);
    const double k_tgfb = DERM_LN2 / p.signal[DERM_S_TGFB].half_life_h;
    assert_true(fabs(c.release_h[DERM_S_TGFB] - p.wound_tgfb_level * k_tgfb) < 1e-12 * c.release_h[DERM_S_TGFB]);
    assert_true(c.release_h[DERM_S_MMP1] == 0.0 && c.release_h[DERM_S_IL] == 0.0);
    assert_true(c.repair_synthesis == p.wound_repair_synthesis_factor);
}

static void test_session_depth_profile(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 2, 2, NZ, 20.0, NULL), DERM_OK);
    struct derm_wound_coef c = default_coef();
    c.microneedling_fraction = 0.1;
    double open[NZ] = {0}, none[NZ] = {0};
    derm_wound_session(&g, &c, 2.0, 50.0, open, none, NULL); /* two layers and half of the third */
    assert_true(fabs(open[0] - 0.2) < 1e-15 && fabs(open[1] - 0.2) < 1e-15);
    assert_true(fabs(open[2] - 0.1) < 1e-15);
    for (int k = 3; k < NZ; k++) assert_true(open[k] == 0.0);
    double shallow[NZ] = {0};
    derm_wound_session(&g, &c, 1.0, 1.0, shallow, none, NULL); /* at least the first layer */
    assert_true(fabs(shallow[0] - 0.1) < 1e-15 && shallow[1] == 0.0);
    /* only unwounded tissue is wounded: 0.1 of the 0.7 left */
    double o2[NZ] = {0}, r2[NZ] = {0};
    o2[0] = 0.2;
    r2[0] = 0.1;
    double opened[NZ] = {0};
    derm_wound_session(&g, &c, 1.0, 1.0, o2, r2, opened);
    assert_true(fabs(o2[0] - (0.2 + 0.1 * 0.7)) < 1e-15);
    assert_true(fabs(opened[0] - 0.1 * 0.7) < 1e-15 && opened[1] == 0.0);
    /* many heavy sessions, every 3 days, wounds closing in between: never above 1 */
    c.microneedling_fraction = 0.5;
    double op[NZ] = {0}, rp[NZ] = {0}, om[NZ], rm[NZ], syn[NZ], work[2 * NZ], od[NZ];
    struct derm_wound_layers L = {op, rp, om, rm, syn, work, od, NULL, NULL, 0.0};
    const double dose[1] = {2.0}, depth[1] = {1e4};
    double most = 0.0;
    for (int i = 0; i < 200; i++) {
        derm_wound_step(&g, &c, 72.0, 10.0, 1, dose, depth, &L);
        for (int k = 0; k < NZ; k++) {
            assert_true(op[k] >= 0.0 && rp[k] >= 0.0 && op[k] + rp[k] <= 1.0 + 1e-15);
            assert_true(om[k] + rm[k] <= 1.0 + 1e-15 && syn[k] <= c.repair_synthesis);
            if (op[k] + rp[k] > most) most = op[k] + rp[k];
        }
    }
    assert_true(most > 0.9); /* the cap is reached, not avoided */
}

/* A session tau hours into a step of dt gives, at the end of the step, the state and the
 * integrals of two steps split at the session. */
static void test_session_inside_a_step(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 2, 2, NZ, 20.0, NULL), DERM_OK);
    struct derm_wound_coef c = default_coef();
    const double dt = 168.0, tau = 58.0, dose[2] = {1.0, 0.5}, depth[2] = {100.0, 40.0};
    double o1[NZ], r1[NZ], om1[NZ], rm1[NZ], s1[NZ], w1[2 * NZ], d1[NZ];
    double o2[NZ], r2[NZ], om2[NZ], rm2[NZ], s2[NZ], w2[2 * NZ], d2[NZ];
    for (int k = 0; k < NZ; k++) {
        o1[k] = o2[k] = 0.01 * k;
        r1[k] = r2[k] = 0.02;
    }
    struct derm_wound_layers A = {o1, r1, om1, rm1, s1, w1, d1, NULL, NULL, 0.0};
    struct derm_wound_layers B = {o2, r2, om2, rm2, s2, w2, d2, NULL, NULL, 0.0};
    derm_wound_step(&g, &c, dt, tau, 2, dose, depth, &A);
    assert_true(A.tau_h == tau);
    for (int k = 0; k < NZ; k++) assert_true(k < 5 ? d1[k] > 0.0 : d1[k] == 0.0);
    /* the same as two steps that meet at the session */
    double io[NZ], ir[NZ];
    derm_wound_step(&g, &c, tau, 0.0, 0, NULL, NULL, &B);
    for (int k = 0; k < NZ; k++) {
        io[k] = om2[k] * tau;
        ir[k] = rm2[k] * tau;
    }
    derm_wound_step(&g, &c, dt - tau, 0.0, 2, dose, depth, &B);
    for (int k = 0; k < NZ; k++) {
        assert_true(fabs(o1[k] - o2[k]) < 1e-15 && fabs(r1[k] - r2[k]) < 1e-15);
        assert_true(fabs(om1[k] * dt - (io[k] + om2[k] * (dt - tau))) < 1e-12);
        assert_true(fabs(rm1[k] * dt - (ir[k] + rm2[k] * (dt - tau))) < 1e-12);
        assert_true(s1[k] == derm_wound_synthesis_factor(&c, om1[k], rm1[k]));
    }
    /* the needled layers (0-4, 100 um) were wounded; below, the open wounds only closed */
    for (int k = 0; k < NZ; k++) {
        const double closed_only = 0.01 * k * exp(-c.close_h * dt);
        if (k < 5)
            assert_true(o1[k] > closed_only + 0.01);
        else
            assert_true(fabs(o1[k] - closed_only) <= 1e-14 * (closed_only + 1e-300));
    }
}

/* Closed forms for w(0) = w0, r(0) = 0. */
static double w_exact(const struct derm_wound_coef *c, double w0, double t) { return w0 * exp(-c->close_h * t); }
static double r_exact(const struct derm_wound_coef *c, double w0, double t)
{
    const double a = c->close_h, b = c->remodel_h;
    return w0 * a / (b - a) * (exp(-a * t) - exp(-b * t));
}
static double int_w(const struct derm_wound_coef *c, double w0, double t)
{
    return w0 * (1.0 - exp(-c->close_h * t)) / c->close_h;
}
static double int_r(const struct derm_wound_coef *c, double w0, double t)
{
    const double a = c->close_h, b = c->remodel_h;
    return w0 * a / (b - a) * ((1.0 - exp(-a * t)) / a - (1.0 - exp(-b * t)) / b);
}

static void test_chain_closed_form_and_step_independence(void **state)
{
    (void)state;
    struct derm_wound_coef c = default_coef();
    const double w0 = 0.15, T = 84.0 * 24.0; /* 12 weeks */
    const double steps[] = {0.25, 6.0, 24.0, 168.0, T};
    for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
        double open[1] = {w0}, rep[1] = {0}, om[1], rm[1], syn[1], work[2];
        struct derm_wound_layers L = {open, rep, om, rm, syn, work, NULL, NULL, NULL, 0.0};
        const int n = (int)llround(T / steps[s]);
        double iw = 0.0, ir = 0.0;
        for (int i = 0; i < n; i++) {
            derm_wound_advance(&c, 1, steps[s], &L);
            iw += om[0] * steps[s];
            ir += rm[0] * steps[s];
            assert_true(open[0] >= 0.0 && open[0] <= 1.0 && rep[0] >= 0.0 && rep[0] <= 1.0);
            assert_true(syn[0] >= 1.0 && syn[0] <= c.repair_synthesis);
        }
        assert_true(fabs(open[0] - w_exact(&c, w0, T)) < 1e-12 * w0);
        assert_true(fabs(rep[0] - r_exact(&c, w0, T)) < 1e-12 * w0);
        assert_true(fabs(iw - int_w(&c, w0, T)) < 1e-9 * int_w(&c, w0, T));
        assert_true(fabs(ir - int_r(&c, w0, T)) < 1e-9 * int_r(&c, w0, T));
    }
    /* no wound: nothing moves, factor exactly 1 */
    double open[1] = {0}, rep[1] = {0}, om[1] = {9}, rm[1] = {9}, syn[1] = {9}, work[2];
    struct derm_wound_layers L = {open, rep, om, rm, syn, work, NULL, NULL, NULL, 0.0};
    derm_wound_advance(&c, 1, 168.0, &L);
    assert_true(open[0] == 0.0 && rep[0] == 0.0 && om[0] == 0.0 && rm[0] == 0.0 && syn[0] == 1.0);
}

static void test_synthesis_factor(void **state)
{
    (void)state;
    struct derm_wound_coef c = default_coef();
    c.repair_synthesis = 4.0;
    assert_true(derm_wound_synthesis_factor(&c, 0.0, 0.0) == 1.0);
    assert_true(fabs(derm_wound_synthesis_factor(&c, 0.05, 0.15) - 1.6) < 1e-15);
    assert_true(derm_wound_synthesis_factor(&c, 0.7, 0.6) == 4.0);
}

static void test_sources(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 3, 2, NZ, 20.0, NULL), DERM_OK);
    struct derm_wound_coef c = default_coef();
    double *src[DERM_NSIGNAL];
    for (int q = 0; q < DERM_NSIGNAL; q++) assert_non_null(src[q] = calloc((size_t)g.n, sizeof(double)));
    double om[NZ] = {0};
    om[1] = 0.2;
    derm_wound_add_sources(&g, &c, om, src);
    const int64_t nxy = g.nx * g.ny;
    for (int q = 0; q < DERM_NSIGNAL; q++)
        for (int64_t v = 0; v < g.n; v++) {
            const double want = v / nxy == 1 ? c.release_h[q] * 0.2 : 0.0;
            assert_true(fabs(src[q][v] - want) <= 1e-15 * (want > 0 ? want : 1.0));
        }
    assert_true(src[DERM_S_TGFB][nxy] > 0.0 && src[DERM_S_GF][nxy] > 0.0 && src[DERM_S_CHEMOKINE][nxy] > 0.0);
    for (int q = 0; q < DERM_NSIGNAL; q++) free(src[q]);
}

/* A matrix block of 3 x 2 x NZ voxels, every field different per voxel. */
static double **matrix_block(const struct derm_grid *g)
{
    double **m = calloc(DERM_NMATRIX, sizeof *m);
    assert_non_null(m);
    for (int f = 0; f < DERM_NMATRIX; f++) {
        assert_non_null(m[f] = malloc(sizeof(double) * (size_t)g->n));
        for (int64_t q = 0; q < g->n; q++) m[f][q] = 1.0 + 0.1 * f + 0.01 * (double)(q % 7) + 0.001 * (double)q;
    }
    return m;
}

static void matrix_free(double **m)
{
    for (int f = 0; f < DERM_NMATRIX; f++) free(m[f]);
    free(m);
}

static double field_sum(const struct derm_grid *g, double *const *m, int f)
{
    double s = 0.0;
    for (int64_t q = 0; q < g->n; q++) s += m[f][q];
    return s;
}

/* A session clears the share it opens of every field of the layers it reaches; the collagen
 * and elastin it held refill over the rest of the step as intact collagen and functional
 * elastin by the closed form; the budgets of the flux close; deeper layers are untouched. */
static void test_exchange_clears_and_refills(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 3, 2, NZ, 20.0, NULL), DERM_OK);
    struct derm_wound_coef c = default_coef();
    double **m = matrix_block(&g), **m0 = matrix_block(&g);
    double op[NZ] = {0}, rp[NZ] = {0}, om[NZ], rm[NZ], syn[NZ], work[2 * NZ], od[NZ], fc[NZ] = {0}, fe[NZ] = {0};
    struct derm_wound_layers L = {op, rp, om, rm, syn, work, od, fc, fe, 0.0};
    const double dt = 24.0, tau = 10.0, dose[1] = {1.0}, depth[1] = {100.0};
    derm_wound_step(&g, &c, dt, tau, 1, dose, depth, &L);
    struct derm_matrix_flux fl = {0};
    derm_wound_exchange(&g, &c, dt, &L, m, &fl);
    const int64_t nxy = g.nx * g.ny;
    const double grow = 1.0 - exp(-c.fill_h * (dt - tau));
    for (int64_t k = 0; k < NZ; k++) {
        const double d = od[k];
        assert_true(k < 5 ? fabs(d - c.microneedling_fraction) < 1e-15 : d == 0.0);
        double col = 0.0, el = 0.0; /* the layer's collagen and functional elastin before */
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) {
            col += m0[DERM_M_COLLAGEN_INTACT][q] + m0[DERM_M_COLLAGEN_FRAGMENTED][q];
            el += m0[DERM_M_ELASTIN_FUNCTIONAL][q];
        }
        const double add_col = d * col / (double)nxy * grow, add_el = d * el / (double)nxy * grow;
        assert_true(fabs(fc[k] - d * col / (double)nxy * (1.0 - grow)) < 1e-14);
        assert_true(fabs(fe[k] - d * el / (double)nxy * (1.0 - grow)) < 1e-14);
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++)
            for (int f = 0; f < DERM_NMATRIX; f++) {
                double want = m0[f][q] * (1.0 - d);
                if (f == DERM_M_COLLAGEN_INTACT) want += add_col;
                if (f == DERM_M_ELASTIN_FUNCTIONAL) want += add_el;
                assert_true(fabs(m[f][q] - want) < 1e-14 * want);
                if (d == 0.0) assert_true(m[f][q] == m0[f][q]);
            }
    }
    /* the budgets: change = made - removed, per pool */
    const double dcol = field_sum(&g, m, DERM_M_COLLAGEN_INTACT) + field_sum(&g, m, DERM_M_COLLAGEN_FRAGMENTED) -
                        field_sum(&g, m0, DERM_M_COLLAGEN_INTACT) - field_sum(&g, m0, DERM_M_COLLAGEN_FRAGMENTED);
    assert_true(fabs(dcol - (fl.collagen_synth - fl.collagen_clear)) < 1e-12);
    const double dint = field_sum(&g, m, DERM_M_COLLAGEN_INTACT) - field_sum(&g, m0, DERM_M_COLLAGEN_INTACT);
    assert_true(fabs(dint - (fl.collagen_synth - fl.collagen_cleave)) < 1e-12 && fl.collagen_cleave > 0.0);
    const double del = field_sum(&g, m, DERM_M_ELASTIN_FUNCTIONAL) + field_sum(&g, m, DERM_M_ELASTIN_ELASTOTIC) -
                       field_sum(&g, m0, DERM_M_ELASTIN_FUNCTIONAL) - field_sum(&g, m0, DERM_M_ELASTIN_ELASTOTIC);
    assert_true(fabs(del - (fl.elastin_synth - fl.elastin_removed)) < 1e-12);
    const double dha = field_sum(&g, m, DERM_M_HA_HMW) + field_sum(&g, m, DERM_M_HA_LMW) -
                       field_sum(&g, m0, DERM_M_HA_HMW) - field_sum(&g, m0, DERM_M_HA_LMW);
    assert_true(fabs(dha + fl.ha_removed) < 1e-12 && fl.ha_removed > 0.0);
    const double dage = field_sum(&g, m, DERM_M_AGE_AMOUNT) - field_sum(&g, m0, DERM_M_AGE_AMOUNT);
    assert_true(fabs(dage + fl.age_removed) < 1e-12 && fl.age_removed > 0.0);
    /* what made the matrix old is replaced by new fibres: lower fragmented share, AGE per
     * collagen and elastotic material in the needled layers */
    const double f1 =
        m[DERM_M_COLLAGEN_FRAGMENTED][0] / (m[DERM_M_COLLAGEN_FRAGMENTED][0] + m[DERM_M_COLLAGEN_INTACT][0]);
    const double f0 =
        m0[DERM_M_COLLAGEN_FRAGMENTED][0] / (m0[DERM_M_COLLAGEN_FRAGMENTED][0] + m0[DERM_M_COLLAGEN_INTACT][0]);
    assert_true(f1 < f0 && m[DERM_M_ELASTIN_ELASTOTIC][0] < m0[DERM_M_ELASTIN_ELASTOTIC][0]);
    matrix_free(m);
    matrix_free(m0);
}

/* The refill of a defect over 12 weeks is the closed form D (1 - exp(-t / fill)) whatever the
 * step, and the matrix it leaves agrees to round-off. */
static void test_refill_step_independence(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 3, 2, NZ, 20.0, NULL), DERM_OK);
    struct derm_wound_coef c = default_coef();
    const double T = 84.0 * 24.0, steps[] = {6.0, 24.0, 168.0}, D = 0.3;
    double first = 0.0;
    for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
        double **m = matrix_block(&g);
        const double c0 = field_sum(&g, m, DERM_M_COLLAGEN_INTACT);
        double op[NZ] = {0}, rp[NZ] = {0}, om[NZ], rm[NZ], syn[NZ], work[2 * NZ], od[NZ], fc[NZ] = {0}, fe[NZ] = {0};
        fc[2] = D;
        struct derm_wound_layers L = {op, rp, om, rm, syn, work, od, fc, fe, 0.0};
        double made = 0.0;
        for (int i = 0; i < (int)llround(T / steps[s]); i++) {
            struct derm_matrix_flux fl = {0};
            derm_wound_step(&g, &c, steps[s], 0.0, 0, NULL, NULL, &L);
            derm_wound_exchange(&g, &c, steps[s], &L, m, &fl);
            assert_true(fl.collagen_clear == 0.0 && fl.elastin_synth == 0.0);
            made += fl.collagen_synth;
        }
        const double want = D * (1.0 - exp(-c.fill_h * T)) * (double)(g.nx * g.ny);
        assert_true(fabs(made - want) < 1e-12 * want);
        assert_true(fabs(field_sum(&g, m, DERM_M_COLLAGEN_INTACT) - c0 - want) < 1e-12 * c0);
        assert_true(fabs(fc[2] - D * exp(-c.fill_h * T)) < 1e-14);
        if (s == 0) first = m[DERM_M_COLLAGEN_INTACT][2 * g.nx * g.ny];
        assert_true(fabs(m[DERM_M_COLLAGEN_INTACT][2 * g.nx * g.ny] - first) < 1e-13);
        matrix_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coefficients_from_parameters),
        cmocka_unit_test(test_session_depth_profile),
        cmocka_unit_test(test_session_inside_a_step),
        cmocka_unit_test(test_chain_closed_form_and_step_independence),
        cmocka_unit_test(test_synthesis_factor),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_exchange_clears_and_refills),
        cmocka_unit_test(test_refill_step_independence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
