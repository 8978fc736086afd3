/* test_chain.c - solve/chain: exact update of the linear two-compartment chain.
 *
 * derm_chain_step (x' = P - a x, y' = yield a x - b y over t) is checked against its closed
 * forms (a != b, a == b, a = 0, b = 0, a = b = 0, yield < 1), on both sides of the
 * series / exponential switch (a t, b t and |a - b| t around 0.05), against a fine RK4
 * integration (1e-9 relative), for mass balance (P t = dx + out, 1e-12) and for step
 * invariance (one step of t equals two of t/2 for constant coefficients, 1e-12).
 * derm_chain_phi1 is checked against -expm1(-x)/x on both sides of its series switch, the
 * inline derm_chain_advance against derm_chain_step (bitwise), and derm_exp_neg (the
 * exponential of the decays) against libm's exp within 1 ulp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "derm/solve/chain.h"

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
    double i1;                                  /* int_0^t e^{-b(t-s)} e^{-a s} ds */
    if (a == b)
        i1 = t * ea;
    else if (b > a)
        i1 = ea * (-expm1(-(b - a) * t)) / (b - a);
    else
        i1 = eb * (-expm1(-(a - b) * t)) / (a - b);
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
    {0.01, 0.02}, {0.02, 0.01}, {0.3, 1.7},     {1.7, 0.3},     {0.04, 0.06}, {0.06, 0.04},
    {2.0, 2.01},  {2.01, 2.0},  {0.5, 0.5},     {0.001, 0.001}, {3.0, 3.0},   {0.7, 0.0},
    {0.0, 0.7},   {0.0, 0.0},   {0.049, 0.051}, {25.0, 0.1},    {0.1, 25.0},  {1e-7, 2e-7},
};
#define NCASES (sizeof CASES / sizeof *CASES)

/* ---- derm_chain_step ------------------------------------------------------------------ */

static void test_chain_closed_forms(void **state)
{
    (void)state;
    const double yields[] = {1.0, 0.35, 0.0};
    for (size_t c = 0; c < NCASES; c++)
        for (size_t yi = 0; yi < 3; yi++) {
            const double a = CASES[c][0], b = CASES[c][1], P = 2.5, t = 1.0, x0 = 3.0, y0 = 0.8;
            double x = x0, y = y0, xr, yr, outr;
            double out = derm_chain_step(P, a, b, yields[yi], t, &x, &y);
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
    double out = derm_chain_step(3.0, 0.0, 0.0, 1.0, 2.0, &x, &y); /* pure accumulation */
    assert_rel(x, 10.0, 1e-15);
    assert_rel(y, 1.0, 1e-15);
    assert_true(fabs(out) <= 1e-15);
    x = 4.0, y = 1.0;
    out = derm_chain_step(0.0, 0.0, 0.5, 1.0, 2.0, &x, &y); /* a = 0: y decays alone */
    assert_rel(x, 4.0, 1e-15);
    assert_rel(y, exp(-1.0), 1e-14);
    x = 4.0, y = 1.0;
    out = derm_chain_step(0.0, 0.5, 0.0, 0.25, 2.0, &x, &y); /* b = 0: y gains yield x out */
    assert_rel(x, 4.0 * exp(-1.0), 1e-14);
    assert_rel(out, 4.0 * (1.0 - exp(-1.0)), 1e-14);
    assert_rel(y, 1.0 + 0.25 * out, 1e-14);
    /* a == b: y = y0 e^{-at} + yield a x0 t e^{-at} for P = 0 */
    x = 2.0, y = 0.0;
    derm_chain_step(0.0, 0.4, 0.4, 1.0, 3.0, &x, &y);
    assert_rel(y, 0.4 * 2.0 * 3.0 * exp(-1.2), 1e-14);
    /* large t reaches the steady state x = P / a, y = yield P / b */
    x = 0.0, y = 0.0;
    derm_chain_step(1.5, 0.3, 0.7, 0.6, 500.0, &x, &y);
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
        double out = derm_chain_step(P, a, b, yield, t, &x, &y);
        chain_rk4(P, a, b, yield, t, 20000, &xr, &yr, &outr);
        assert_rel(x, xr, 1e-9);
        assert_rel(y, yr, 1e-9);
        if (outr > 1e-12)
            assert_rel(out, outr, 1e-9);
        else
            assert_true(fabs(out) <= 1e-12);
    }
}

static void test_chain_mass_balance(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        const double a = CASES[c][0], b = CASES[c][1], P = 1.1, t = 0.9;
        double x0 = 2.0, y0 = 0.5, x = x0, y = y0;
        double out = derm_chain_step(P, a, b, 1.0, t, &x, &y);
        assert_true(fabs(P * t - ((x - x0) + out)) <= 1e-12 * (P * t + x0));
        assert_true(out >= -1e-15 && x >= 0.0 && y >= 0.0);
        /* with b = 0 nothing leaves y: y gains exactly yield x out */
        x = x0, y = y0;
        out = derm_chain_step(P, a, 0.0, 0.4, t, &x, &y);
        assert_true(fabs((y - y0) - 0.4 * out) <= 1e-12 * (y0 + P * t + x0));
    }
}

static void test_chain_step_invariance(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        const double a = CASES[c][0], b = CASES[c][1], P = 0.9, t = 1.3, yield = 0.7;
        double x1 = 1.0, y1 = 2.0, x2 = 1.0, y2 = 2.0;
        double o1 = derm_chain_step(P, a, b, yield, t, &x1, &y1);
        double o2 = derm_chain_step(P, a, b, yield, 0.5 * t, &x2, &y2);
        o2 += derm_chain_step(P, a, b, yield, 0.5 * t, &x2, &y2);
        assert_rel(x2, x1, 1e-12);
        assert_rel(y2, y1, 1e-12);
        assert_true(fabs(o2 - o1) <= 1e-12 * (P * t + 1.0));
    }
}

static void test_phi1_and_inline_form(void **state)
{
    (void)state;
    /* phi1(x) = (1 - e^{-x}) / x on both sides of the series switch at |x| = 0.05 */
    const double xs[] = {0.0,       1e-300, 1e-12, 1e-6, 0.01,  0.0499999, 0.05,
                         0.0500001, 0.3,    2.0,   40.0, -0.01, -0.049,    -1.0};
    for (size_t q = 0; q < sizeof xs / sizeof *xs; q++) {
        const double x = xs[q];
        const double want = x == 0.0 ? 1.0 : -expm1(-x) / x;
        assert_rel(derm_chain_phi1(x), want, 2e-16 * 8);
    }
    /* the series and the exponential branch agree where they meet */
    assert_rel(derm_chain_phi1(nextafter(0.05, 0.0)), derm_chain_phi1(0.05), 1e-14);
    /* the inline form the matrix kernel uses is the same computation as the function */
    for (size_t c = 0; c < NCASES; c++) {
        double x1 = 1.7, y1 = 0.2, x2 = 1.7, y2 = 0.2;
        double o1 = derm_chain_step(0.6, CASES[c][0], CASES[c][1], 0.9, 1.1, &x1, &y1);
        double o2 = derm_chain_advance(0.6, CASES[c][0], CASES[c][1], 0.9, 1.1, &x2, &y2);
        assert_true(o1 == o2 && x1 == x2 && y1 == y2);
    }
}

/* derm_exp_neg, the matrix kernel's vectorisable e^{-x}: within 1 ulp of libm's exp(-x)
 * (itself within a fraction of an ulp) on a dense sweep of [-700, 708] and at the ends; 1 at
 * 0; arguments above 708 give e^{-708}. */
static void test_exp_neg(void **state)
{
    (void)state;
    double worst = 0.0;
    for (double x = -700.0; x <= 708.0; x += 0.0013717) {
        const double want = exp(-x), ulp = nextafter(want, INFINITY) - want;
        const double err = fabs(derm_exp_neg(x) - want) / ulp;
        worst = err > worst ? err : worst;
    }
    const double ends[] = {0.05, 1e-300, 0.3465735902799727, 0.34657359027997264, 707.9999999, 708.0};
    for (size_t q = 0; q < sizeof ends / sizeof *ends; q++) {
        const double want = exp(-ends[q]), ulp = nextafter(want, INFINITY) - want;
        const double err = fabs(derm_exp_neg(ends[q]) - want) / ulp;
        worst = err > worst ? err : worst;
    }
    if (worst > 1.0) fail_msg("derm_exp_neg is %.3g ulp from exp(-x)", worst);
    assert_true(derm_exp_neg(0.0) == 1.0);
    assert_true(derm_exp_neg(1e4) == derm_exp_neg(708.0) && derm_exp_neg(708.0) > 0.0);
    assert_true(derm_exp_neg(INFINITY) == derm_exp_neg(708.0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_closed_forms),   cmocka_unit_test(test_chain_against_rk4),
        cmocka_unit_test(test_chain_mass_balance),   cmocka_unit_test(test_chain_step_invariance),
        cmocka_unit_test(test_phi1_and_inline_form), cmocka_unit_test(test_exp_neg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
