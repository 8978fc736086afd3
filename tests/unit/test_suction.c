/* test_suction.c - the suction-probe solver (mech/suction.h): an elastic half-space against
 * Sneddon's dome height (Theret's Phi = 2.0) and a homogeneous Burgers solid against its
 * creep-and-recovery curve, both within 2 %; a layered column converged in time step and
 * mesh; bad input as an error. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define M_PI 3.14159265358979323846

#include "derm/mech/suction.h"

static const struct derm_suction_mesh MESH = {8, 1.25, 60.0, 1};
static const struct derm_suction_protocol PROTO = {2.0, 450.0, 2.0, 2.0, 1, 0.05, 0.1};

static double poisson(double g, double k) { return (3 * k - 2 * g) / (2 * (3 * k + g)); }

/* A homogeneous elastic half-space: Sneddon's dome height within 2 %. */
static void test_elastic_halfspace(void **st)
{
    struct derm_mech_layer l = {60.0, 40.0, 0, 0, 0, 40.0 * 1000};
    struct derm_cutometer c;
    struct derm_err err = {0};
    assert_int_equal(derm_suction_solve(&l, 1, &PROTO, &MESH, &c, NULL, &err), DERM_OK);
    const double nu = poisson(l.g0, l.bulk), E = 2 * l.g0 * (1 + nu);
    const double w = derm_suction_halfspace_mm(2.0, 450.0, E, nu);
    printf("elastic: FE %.5f mm, Sneddon %.5f mm (ratio %.4f; Phi %.3f)\n", c.uf, w, c.uf / w,
           c.uf * 2 * M_PI * E / (3 * 1.0 * 45.0));
    assert_true(fabs(c.uf / w - 1) < 0.02);
    assert_true(fabs(c.ue - c.uf) < 1e-9 * c.uf); /* elastic: no delayed part */
    assert_true(fabs(c.r2 - 1) < 1e-9 && fabs(c.r7 - 1) < 1e-9);
}

/* A homogeneous Burgers solid: creep and recovery follow p a J(t) / pi (x 2 (1 - nu))
 * within 2 % at every sample, loading and unloading. */
static void test_burgers_creep_recovery(void **st)
{
    struct derm_mech_layer l = {60.0, 60.0, 30.0, 0.4, 400.0, 60.0 * 2000};
    struct derm_suction_curve cv = {0};
    struct derm_cutometer c;
    struct derm_err err = {0};
    assert_int_equal(derm_suction_solve(&l, 1, &PROTO, &MESH, &c, &cv, &err), DERM_OK);
    const double nu = poisson(l.g0, l.bulk), pa = 45.0 * 1.0;
    /* the elastic solution's mesh factor (FE / exact), measured on the same mesh */
    struct derm_mech_layer el = l;
    el.g1 = 0, el.eta_f = 0;
    struct derm_cutometer ce;
    assert_int_equal(derm_suction_solve(&el, 1, &PROTO, &MESH, &ce, NULL, &err), DERM_OK);
    double worst = 0;
    for (int n = 1; n < cv.n; n++) {
        double t = cv.t[n], T = 2.0;
        double J =
            derm_suction_burgers_compliance(&l, t) - (t > T + 1e-9 ? derm_suction_burgers_compliance(&l, t - T) : 0);
        double w = 2 * (1 - nu) * pa * J / M_PI;
        double e = fabs(cv.h[n] - w) / (2 * (1 - nu) * pa * derm_suction_burgers_compliance(&l, T) / M_PI);
        if (e > worst) worst = e;
    }
    printf("Burgers: worst deviation %.4f of the final extension\n", worst);
    assert_true(worst < 0.02);
    derm_suction_curve_free(&cv);
}

/* A layered column (stiff epidermis, two viscoelastic dermal layers, soft hypodermis):
 * the readouts at a 4x smaller time step within 0.5 %, on a mesh refined 2x within 1 %. */
static void test_layered_convergence(void **st)
{
    const double kf = 2 * 1.495 / (3 * 0.01); /* K / G at nu = 0.495 */
    const struct derm_mech_layer L[4] = {{0.05, 333, 0, 0, 0, 333 * kf},
                                         {0.3, 150, 120, 0.4, 600, 150 * kf},
                                         {0.5, 220, 200, 0.3, 1100, 220 * kf},
                                         {3.0, 1, 0, 0, 0, 1 * kf}};
    struct derm_suction_protocol fine = PROTO;
    fine.dt_s /= 4;
    struct derm_suction_mesh m2 = MESH;
    m2.refine = 2;
    struct derm_cutometer a, b, c;
    struct derm_err err = {0};
    assert_int_equal(derm_suction_solve(L, 4, &PROTO, &MESH, &a, NULL, &err), DERM_OK);
    assert_int_equal(derm_suction_solve(L, 4, &fine, &MESH, &b, NULL, &err), DERM_OK);
    assert_int_equal(derm_suction_solve(L, 4, &PROTO, &m2, &c, NULL, &err), DERM_OK);
    printf("layered: R0 %.4f / %.4f / %.4f  R2 %.4f / %.4f / %.4f  R7 %.4f / %.4f / %.4f (dt, dt/4, mesh x2)\n", a.r0,
           b.r0, c.r0, a.r2, b.r2, c.r2, a.r7, b.r7, c.r7);
    const double *x = &a.r0, *y = &b.r0, *z = &c.r0;
    for (int k = 0; k < 7; k++) {
        if (k == 1) continue; /* R1 = Uf - Ua, a difference */
        assert_true(fabs(x[k] / y[k] - 1) < 0.005);
        assert_true(fabs(x[k] / z[k] - 1) < 0.01);
    }
}

/* Bad input is an error naming what is wrong, never a crash or NaN. */
static void test_bad_input(void **st)
{
    struct derm_mech_layer l = {1.0, 40.0, 0, 0, 0, 4000};
    struct derm_cutometer c;
    struct derm_err err = {0};
    struct derm_mech_layer bad = l;
    bad.g0 = 0;
    assert_int_equal(derm_suction_solve(&bad, 1, &PROTO, &MESH, &c, NULL, &err), DERM_ECONFIG);
    assert_non_null(strstr(err.msg, "layer 0"));
    struct derm_suction_protocol p = PROTO;
    p.on_s = 2.03;
    assert_int_equal(derm_suction_solve(&l, 1, &p, &MESH, &c, NULL, &err), DERM_ECONFIG);
    assert_non_null(strstr(err.msg, "not a whole number"));
    p = PROTO;
    p.pressure_mbar = NAN;
    assert_int_equal(derm_suction_solve(&l, 1, &p, &MESH, &c, NULL, &err), DERM_ECONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elastic_halfspace),
        cmocka_unit_test(test_burgers_creep_recovery),
        cmocka_unit_test(test_layered_convergence),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
