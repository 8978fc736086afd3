/* test_wound.c - model/wound: micro-wounds of microneedling and their repair.
 *
 * Checks: a session opens dose x microneedling_fraction in every layer inside the needled
 * depth, the part of the layer the needles reach in a partial layer, none below, at least the
 * first layer for a shallow depth, and caps at 1; the chain follows its closed form
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
    double open[NZ] = {0};
    derm_wound_session(&g, &c, 2.0, 50.0, open); /* two layers and half of the third */
    assert_true(fabs(open[0] - 0.2) < 1e-15 && fabs(open[1] - 0.2) < 1e-15);
    assert_true(fabs(open[2] - 0.1) < 1e-15);
    for (int k = 3; k < NZ; k++) assert_true(open[k] == 0.0);
    double shallow[NZ] = {0};
    derm_wound_session(&g, &c, 1.0, 1.0, shallow); /* at least the first layer */
    assert_true(fabs(shallow[0] - 0.1) < 1e-15 && shallow[1] == 0.0);
    double deep[NZ] = {0};
    for (int i = 0; i < 30; i++) derm_wound_session(&g, &c, 1.0, 1e4, deep); /* capped at 1 */
    for (int k = 0; k < NZ; k++) assert_true(deep[k] == 1.0);
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
        double open[1] = {w0}, rep[1] = {0}, om[1], rm[1], syn[1];
        struct derm_wound_layers L = {open, rep, om, rm, syn};
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
    double open[1] = {0}, rep[1] = {0}, om[1] = {9}, rm[1] = {9}, syn[1] = {9};
    struct derm_wound_layers L = {open, rep, om, rm, syn};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coefficients_from_parameters),
        cmocka_unit_test(test_session_depth_profile),
        cmocka_unit_test(test_chain_closed_form_and_step_independence),
        cmocka_unit_test(test_synthesis_factor),
        cmocka_unit_test(test_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
