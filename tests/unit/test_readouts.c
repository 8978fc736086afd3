/* test_readouts.c - model/readouts: tissue-level quantities computed from the state.
 *
 * Closed forms (1e-15 relative unless noted): dermal thickness from the matrix volume,
 * lz (vc C + ve (E + f Z) + vh H + rest) with rest = 1 - vc - ve - vh (never negative), so the
 * young state (ratios 1, no elastotic material) has the block's depth and elastotic material
 * takes f times the volume of the same mass of functional elastin;
 * MMP susceptibility, the intact-collagen-weighted mean of 1 / (1 + X / Xh), 1 without intact
 * collagen; the attached area, the share of a cell's contacts that find intact fibrils,
 * C / (C + Kb), 0 without intact collagen, near C6's young 78 % at the young-adult collagen.
 * The coefficients built from the parameter table are the documented ones.
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
    assert_true(c.readout.collagen_volume == p.ecm_collagen_volume_share);
    assert_true(c.readout.elastin_volume == p.ecm_elastin_volume_share);
    assert_true(c.readout.ha_volume == p.ecm_ha_volume_share);
    assert_true(c.readout.elastotic_volume_factor == p.ecm_elastotic_volume_factor);
    assert_true(c.readout.age_protection == p.ecm_age_protection_pmol_per_mg);
    assert_true(c.readout.age_young == p.ecm_age_initial_pmol_per_mg);
    assert_true(c.readout.attachment_binding_half == p.fibroblast_attachment_binding_half_mg_per_ml);
    return c.readout;
}

static void test_thickness(void **state)
{
    (void)state;
    struct derm_readout_coef c = defaults();
    const double lz = 240.0, vc = c.collagen_volume, ve = c.elastin_volume, vh = c.ha_volume;
    const double f = c.elastotic_volume_factor, rest = 1.0 - vc - ve - vh;
    assert_true(rest >= 0.0 && f > 1.0);
    /* the young state (every pool at its young amount, no elastotic material): the block */
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 1.0, 0.0, 1.0), lz, 1e-15);
    /* each pool in turn */
    assert_rel(derm_readout_thickness(&c, lz, 0.5, 1.0, 0.0, 1.0), lz * (1.0 - 0.5 * vc), 1e-15);
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 0.0, 0.0, 1.0), lz * (1.0 - ve), 1e-15);
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 1.0, 0.0, 0.0), lz * (1.0 - vh), 1e-15);
    /* elastotic material (relative to young functional elastin) adds f times its mass's
     * elastin volume: turning functional elastin into elastotic material thickens */
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 1.0, 2.0, 1.0), lz * (1.0 + 2.0 * f * ve), 1e-15);
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 0.4, 0.6, 1.0), lz * (1.0 + ve * (0.4 + 0.6 * f - 1.0)), 1e-15);
    assert_true(derm_readout_thickness(&c, lz, 1.0, 0.4, 0.6, 1.0) > lz);
    /* everything at once */
    assert_rel(derm_readout_thickness(&c, lz, 0.7, 0.8, 0.5, 1.3),
               lz * (vc * 0.7 + ve * (0.8 + f * 0.5) + vh * 1.3 + rest), 1e-15);
    /* linear in the block depth */
    assert_rel(derm_readout_thickness(&c, 2.0 * lz, 0.7, 0.8, 0.5, 1.3),
               2.0 * derm_readout_thickness(&c, lz, 0.7, 0.8, 0.5, 1.3), 1e-15);
    /* shares over 1: no negative remainder */
    c.collagen_volume = 0.9;
    c.elastin_volume = 0.1;
    c.ha_volume = 0.3;
    c.elastotic_volume_factor = 2.0;
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 1.0, 0.0, 1.0), lz * 1.3, 1e-15);
    assert_rel(derm_readout_thickness(&c, lz, 1.0, 0.0, 1.0, 1.0), lz * 1.4, 1e-15);
    assert_true(derm_readout_thickness(&c, lz, 0.0, 0.0, 0.0, 0.0) == 0.0);
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
    /* the sums of parts (voxel 0, then voxels 1 and 2), added, give the same mean (the
     * series row sums the layers this way) */
    double part[2], sums[2] = {0.0, 0.0};
    derm_readout_mmp_susceptibility_sums(&c, 1, ci, cf, ga, part);
    sums[0] += part[0], sums[1] += part[1];
    derm_readout_mmp_susceptibility_sums(&c, 2, ci + 1, cf + 1, ga + 1, part);
    sums[0] += part[0], sums[1] += part[1];
    assert_rel(sums[0], 350.0, 1e-15);
    assert_rel(derm_readout_mmp_susceptibility_of(sums), want, 1e-14);
    const double none[2] = {0.0, 0.0};
    assert_true(derm_readout_mmp_susceptibility_of(none) == 1.0);
}

static void test_attached_area(void **state)
{
    (void)state;
    const struct derm_readout_coef c = defaults();
    const double kb = c.attachment_binding_half;
    assert_true(kb > 0.0);
    /* a spread cell: the share of contacts finding intact fibrils, C / (C + Kb) */
    assert_rel(derm_readout_attached_area(&c, kb, 1.0), 0.5, 1e-15);
    assert_rel(derm_readout_attached_area(&c, 3.0 * kb, 1.0), 0.75, 1e-15);
    assert_rel(derm_readout_attached_area(&c, 120.0, 1.0), 120.0 / (120.0 + kb), 1e-15);
    /* a collapsing cell: times its attachment */
    assert_rel(derm_readout_attached_area(&c, 3.0 * kb, 0.5), 0.375, 1e-15);
    assert_rel(derm_readout_attached_area(&c, 120.0, 0.8), 0.8 * 120.0 / (120.0 + kb), 1e-15);
    /* no intact collagen, a fully collapsed cell, or a bad value: nothing attached */
    assert_true(derm_readout_attached_area(&c, 0.0, 1.0) == 0.0);
    assert_true(derm_readout_attached_area(&c, -5.0, 1.0) == 0.0);
    assert_true(derm_readout_attached_area(&c, NAN, 1.0) == 0.0);
    assert_true(derm_readout_attached_area(&c, 100.0, 0.0) == 0.0);
    assert_true(derm_readout_attached_area(&c, 100.0, NAN) == 0.0);
    /* an attachment above 1 (not produced by the model) counts as fully spread */
    assert_rel(derm_readout_attached_area(&c, kb, 1.5), 0.5, 1e-15);
    /* rises with intact collagen and with attachment, below 1 */
    double prev = 0.0;
    for (double x = 1.0; x < 2000.0; x *= 1.5) {
        const double a = derm_readout_attached_area(&c, x, 1.0);
        assert_true(a > prev && a < 1.0);
        prev = a;
    }
    prev = 0.0;
    for (double at = 0.05; at <= 1.0; at += 0.05) {
        const double a = derm_readout_attached_area(&c, 200.0, at);
        assert_true(a > prev);
        prev = a;
    }
    /* at the young-adult intact collagen, fully spread: C6's young 78 % (fitted) */
    struct derm_params p;
    derm_params_defaults(&p);
    const double young = derm_readout_attached_area(&c, p.ecm_collagen_density_mg_per_ml, 1.0);
    if (!(fabs(young - 0.78) < 0.02)) fail_msg("young attached area %.4f, C6: 0.78", young);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thickness),
        cmocka_unit_test(test_mmp_susceptibility),
        cmocka_unit_test(test_attached_area),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
