/* test_vascular.c - model/vascular: the systemic growth-factor supply from the blood.
 *
 * Checks: at young support and full perfusion the source per voxel holds the systemic share
 * of the young growth-factor level against its decay (source / k = share x level, with the
 * coefficients built from the parameter table); it scales linearly with the subject's
 * systemic support; smoking lowers perfusion by perfusion_loss_per_cigarette per cigarette a
 * day, never below zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "derm/model/vascular.h"
#include "derm/sim/coef.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

static void test_young_source_holds_systemic_share(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 2, 2, 2, 20.0, NULL), DERM_OK);
    static struct derm_coefs c;
    derm_coef_build(&p, &g, &c);
    const double k = DERM_LN2 / p.signal[DERM_S_GF].half_life_h;
    const double src = derm_vascular_gf_source(&c.vascular, 1.0, 0.0);
    assert_true(src > 0.0);
    assert_rel(src / k, p.signals_gf_systemic_share * p.signal[DERM_S_GF].young_level, 1e-14);
    assert_rel(k, c.signal.k_h[DERM_S_GF], 1e-15);
    assert_true(c.vascular.perfusion_loss_per_cigarette == p.oxidative_perfusion_loss_per_cigarette);
    /* no systemic share: no supply */
    p.signals_gf_systemic_share = 0.0;
    derm_coef_build(&p, &g, &c);
    assert_true(derm_vascular_gf_source(&c.vascular, 1.0, 0.0) == 0.0);
}

static void test_support_and_smoking(void **state)
{
    (void)state;
    const struct derm_vascular_coef c = {2.0, 0.01};
    assert_rel(derm_vascular_gf_source(&c, 1.0, 0.0), 2.0, 1e-15);
    assert_rel(derm_vascular_gf_source(&c, 0.6, 0.0), 1.2, 1e-15);
    /* 20 a day: perfusion 1 - 0.01 x 20 */
    assert_rel(derm_vascular_gf_source(&c, 1.0, 20.0), 2.0 * 0.8, 1e-15);
    assert_rel(derm_vascular_gf_source(&c, 0.5, 20.0), 0.5 * 2.0 * 0.8, 1e-15);
    /* more than 1 / loss a day: no perfusion left, never a negative source */
    assert_true(derm_vascular_gf_source(&c, 1.0, 100.0) == 0.0);
    assert_true(derm_vascular_gf_source(&c, 1.0, 250.0) == 0.0);
    /* monotone in cigarettes */
    double prev = INFINITY;
    for (double cig = 0.0; cig <= 120.0; cig += 5.0) {
        const double v = derm_vascular_gf_source(&c, 0.9, cig);
        assert_true(v <= prev && v >= 0.0);
        prev = v;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_young_source_holds_systemic_share),
        cmocka_unit_test(test_support_and_smoking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
