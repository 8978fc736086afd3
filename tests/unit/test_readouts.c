/* test_readouts.c - model/readouts: tissue-level quantities computed from the state.
 *
 * Closed forms (1e-15 relative unless noted): dermal thickness lz (wc C + wh H + rest) with
 * rest = 1 - wc - wh (never negative), so the young state (ratios 1) has the block's depth;
 * MMP susceptibility, the intact-collagen-weighted mean of 1 / (1 + X / Xh), 1 without intact
 * collagen; stiffening (1 + c X) / (1 + c X0), 1 at the young AGE load, viscous recovery its
 * reciprocal; the attached area, the mean attachment times the area of a fully attached
 * cell. The coefficients built from the parameter table are the documented ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "derm/model/readouts.h"
#include "derm/sim/coef.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

static struct derm_readout_coef defaults(void)
{
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 2, 2, 2, 20.0, NULL), DERM_OK);
    static struct derm_coefs c;
    derm_coef_build(&p, &g, &c);
    /* the documented parameters */
    assert_true(c.readout.thickness_collagen_weight == p.ecm_thickness_collagen_weight);
    assert_true(c.readout.thickness_ha_weight == p.ecm_thickness_ha_weight);
    assert_true(c.readout.age_protection == p.ecm_age_protection_pmol_per_mg);
    assert_true(c.readout.stiffness_per_age == p.glycation_stiffness_per_age);
    assert_true(c.readout.age_young == p.ecm_age_initial_pmol_per_mg);
    assert_true(c.readout.attached_area_young == p.fibroblast_attached_area_young);
    return c.readout;
}

static void test_thickness(void **state)
{
    (void)state;
    struct derm_readout_coef c = defaults();
    const double lz = 240.0, wc = c.thickness_collagen_weight, wh = c.thickness_ha_weight;
    assert_true(wc + wh <= 1.0);
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 1.0), lz, 1e-15);
    assert_rel(derm_readout_thickness(&c, lz, 0.5, 1.0), lz * (1.0 - 0.5 * wc), 1e-15);
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 0.0), lz * (1.0 - wh), 1e-15);
    assert_rel(derm_readout_thickness(&c, lz, 0.7, 1.3), lz * (wc * 0.7 + wh * 1.3 + 1.0 - wc - wh), 1e-15);
    /* weights over 1: no negative remainder */
    c.thickness_collagen_weight = 0.9;
    c.thickness_ha_weight = 0.3;
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 1.0), lz * 1.2, 1e-15);
    assert_true(derm_readout_thickness(&c, lz, 0.0, 0.0) == 0.0);
}

static void test_mmp_susceptibility(void **state)
{
    (void)state;
    const struct derm_readout_coef c = defaults();
    const double xh = c.age_protection;
    /* uniform AGE load X: 1 / (1 + X / Xh) */
    double ci[3] = {200.0, 100.0, 50.0}, cf[3] = {20.0, 10.0, 5.0}, ga[3];
    const double X = 30.0;
    for (int q = 0; q < 3; q++) ga[q] = X * (ci[q] + cf[q]);
    assert_rel(derm_readout_mmp_susceptibility(&c, 3, ci, cf, ga), 1.0 / (1.0 + X / xh), 1e-14);
    /* weighted by intact collagen */
    ga[0] = 0.0;
    ga[1] = 60.0 * (ci[1] + cf[1]);
    ga[2] = 10.0 * (ci[2] + cf[2]);
    const double want = (200.0 * 1.0 + 100.0 / (1.0 + 60.0 / xh) + 50.0 / (1.0 + 10.0 / xh)) / 350.0;
    assert_rel(derm_readout_mmp_susceptibility(&c, 3, ci, cf, ga), want, 1e-14);
    /* no intact collagen: 1; an empty voxel does not count */
    double zero[3] = {0.0, 0.0, 0.0};
    assert_rel(derm_readout_mmp_susceptibility(&c, 3, zero, cf, ga), 1.0, 1e-15);
    double ci2[2] = {0.0, 80.0}, cf2[2] = {0.0, 0.0}, ga2[2] = {5.0, 0.0};
    assert_rel(derm_readout_mmp_susceptibility(&c, 2, ci2, cf2, ga2), 1.0, 1e-15);
}

static void test_stiffness_and_recovery(void **state)
{
    (void)state;
    const struct derm_readout_coef c = defaults();
    const double ks = c.stiffness_per_age, x0 = c.age_young;
    assert_rel(derm_readout_stiffness(&c, x0), 1.0, 1e-15);
    assert_rel(derm_readout_stiffness(&c, 60.0), (1.0 + ks * 60.0) / (1.0 + ks * x0), 1e-15);
    assert_true(derm_readout_stiffness(&c, 60.0) > derm_readout_stiffness(&c, 30.0));
    for (double x = 0.0; x < 100.0; x += 7.5) {
        const double st = derm_readout_stiffness(&c, x);
        assert_rel(derm_readout_viscous_recovery(st) * st, 1.0, 1e-15);
    }
    assert_rel(derm_readout_viscous_recovery(2.0), 0.5, 1e-15);
}

static void test_attached_area(void **state)
{
    (void)state;
    const struct derm_readout_coef c = defaults();
    assert_rel(derm_readout_attached_area(&c, 1.0), c.attached_area_young, 1e-15);
    assert_rel(derm_readout_attached_area(&c, 0.4), 0.4 * c.attached_area_young, 1e-15);
    assert_true(derm_readout_attached_area(&c, 0.0) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thickness),
        cmocka_unit_test(test_mmp_susceptibility),
        cmocka_unit_test(test_stiffness_and_recovery),
        cmocka_unit_test(test_attached_area),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
