/* test_mech.c - mech/tissue + mech/suction: the simulated Cutometer responds to the matrix
 * for the right reasons.
 *
 * Every test builds the default column (epidermis, 8 dermal slices of the young 1.2 mm dermis whose
 * 40 layers have the given composition, hypodermis, rigid base), runs the default protocol
 * (2 mm probe, 450 mbar, 2 s on, 2 s off) and compares with the young-adult column:
 * - young: C18's calibrated bands (R0 0.20-0.35 mm, R2 0.80-0.90, R7 0.50-0.60);
 * - more intact collagen or functional elastin: firmer (smaller R0) and more elastic
 *   (R2, R7 up); less of them: the reverse;
 * - fragmentation at the same intact amount... (connectivity) or elastosis: more irreversible
 *   deformation (R1 = Uf - Ua up, R2 down);
 * - AGE cross-links: stiffer (R0 down, slightly) and slower recovery (R2 down; the delayed
 *   time up);
 * - HA-bound water: a shorter viscous time (the delayed element's tau1; less of the
 *   deformation delayed past 0.1 s, R6 down, R7 up) and dermal water content up;
 * - a collapsed dermis: finite readouts;
 * - the time step: readouts at dt and dt/4 within 0.5 %; the in-run mesh against the same
 *   refined x2 within 2 % (an old, very deformable column; 0.3 % on a young one);
 * - the column: slices average the layers they cover as compliances in series.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "derm/mech/suction.h"
#include "derm/mech/tissue.h"
#include "derm/sim/coef.h"

#define NZ 40
#define F0 0.05 /* young fragmented share */

static struct derm_coefs C;

static int setup(void **st)
{
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_grid g;
    if (derm_grid_init(&g, 2, 2, 2, 20.0, NULL) != DERM_OK) return -1;
    derm_coef_build(&p, &g, &C);
    return 0;
}

static const struct derm_mech_composition YOUNG = {1.0, F0, 1.0, 0.0, 0.0, 1.0};

static struct derm_cutometer measure(const struct derm_mech_composition *x, double dermis_mm,
                                     const struct derm_suction_protocol *p, int refine)
{
    struct derm_mech_layer d[NZ], col[260];
    for (int k = 0; k < NZ; k++) d[k] = derm_tissue_dermal_layer(&C.mech, x, F0);
    int n = derm_tissue_column(&C.mech, d, NZ, dermis_mm, col);
    struct derm_suction_mesh m = C.cutometer_mesh;
    m.refine = refine;
    struct derm_cutometer c;
    struct derm_err err = {0};
    assert_int_equal(derm_suction_solve(col, n, p ? p : &C.cutometer, &m, &c, NULL, &err), DERM_OK);
    assert_true(isfinite(c.r0) && isfinite(c.r2) && isfinite(c.r5) && isfinite(c.r6) && isfinite(c.r7));
    return c;
}

static void show(const char *what, const struct derm_cutometer *c)
{
    printf("%-28s R0 %.4f R1 %.4f R2 %.4f R5 %.4f R6 %.4f R7 %.4f\n", what, c->r0, c->r1, c->r2, c->r5, c->r6, c->r7);
}

static void test_young_in_c18(void **st)
{
    struct derm_cutometer y = measure(&YOUNG, C.mech.dermis_mm, NULL, 1);
    show("young", &y);
    assert_true(y.r0 > 0.20 && y.r0 < 0.35);
    assert_true(y.r2 > 0.80 && y.r2 < 0.90);
    assert_true(y.r7 > 0.50 && y.r7 < 0.60);
    assert_true(fabs(y.uf - (y.ue + y.uv)) < 1e-12 && fabs(y.r1 - (y.uf - y.ua)) < 1e-12 && y.r8 == y.ua);
}

static void test_collagen_and_elastin_firm(void **st)
{
    struct derm_cutometer y = measure(&YOUNG, C.mech.dermis_mm, NULL, 1);
    struct derm_mech_composition lo = YOUNG, hi = YOUNG, el_lo = YOUNG;
    lo.collagen = 0.7, hi.collagen = 1.2, el_lo.elastin = 0.5;
    struct derm_cutometer a = measure(&lo, C.mech.dermis_mm, NULL, 1), b = measure(&hi, C.mech.dermis_mm, NULL, 1),
                          e = measure(&el_lo, C.mech.dermis_mm, NULL, 1);
    show("collagen 0.7", &a), show("collagen 1.2", &b), show("elastin 0.5", &e);
    assert_true(b.r0 < y.r0 && y.r0 < a.r0);                /* more collagen: firmer */
    assert_true(b.r2 > y.r2 && y.r2 > a.r2);                /* and more elastic */
    assert_true(e.r0 > y.r0 && e.r7 < y.r7 && e.r2 < y.r2); /* less elastin: softer, less elastic */
}

static void test_fragmentation_and_elastosis_irreversible(void **st)
{
    struct derm_cutometer y = measure(&YOUNG, C.mech.dermis_mm, NULL, 1);
    struct derm_mech_composition fr = YOUNG, zz = YOUNG;
    fr.fragmented = 0.3; /* same intact collagen, more fragments: connectivity lost */
    zz.elastotic = 1.0;
    struct derm_cutometer f = measure(&fr, C.mech.dermis_mm, NULL, 1), z = measure(&zz, C.mech.dermis_mm, NULL, 1);
    show("fragmented 0.3", &f), show("elastotic 1", &z);
    assert_true(f.r1 > y.r1 && f.r2 < y.r2 && f.r0 > y.r0);
    assert_true(z.r1 > y.r1 && z.r2 < y.r2);
}

static void test_age_stiffer_slower(void **st)
{
    struct derm_cutometer y = measure(&YOUNG, C.mech.dermis_mm, NULL, 1);
    struct derm_mech_composition ag = YOUNG;
    ag.age_excess = 3.0;
    struct derm_mech_layer ly = derm_tissue_dermal_layer(&C.mech, &YOUNG, F0),
                           la = derm_tissue_dermal_layer(&C.mech, &ag, F0);
    struct derm_cutometer a = measure(&ag, C.mech.dermis_mm, NULL, 1);
    show("AGE 4x young", &a);
    assert_true(la.g0 > ly.g0 && la.g1 > ly.g1 && la.tau1 > ly.tau1); /* stiffer, slower */
    assert_true(a.r0 < y.r0);                                         /* firmer ... */
    assert_true(a.r2 < y.r2);                                         /* ... but recovers less in 2 s */
}

static void test_ha_water_viscous_time(void **st)
{
    struct derm_mech_composition wet = YOUNG, dry = YOUNG;
    wet.ha = 1.5, dry.ha = 0.5;
    struct derm_mech_layer lw = derm_tissue_dermal_layer(&C.mech, &wet, F0),
                           ld = derm_tissue_dermal_layer(&C.mech, &dry, F0);
    assert_true(lw.tau1 < ld.tau1); /* more water: a more open matrix, faster fluid flow */
    assert_true(derm_tissue_water_content(&C.mech, 1.5) > derm_tissue_water_content(&C.mech, 1.0));
    assert_true(fabs(derm_tissue_water_content(&C.mech, 1.0) - C.mech.water_fraction) < 1e-15);
    struct derm_cutometer w = measure(&wet, C.mech.dermis_mm, NULL, 1), d = measure(&dry, C.mech.dermis_mm, NULL, 1);
    show("HA 1.5", &w), show("HA 0.5", &d);
    /* faster delayed element: more of the delayed extension within 0.1 s (Ue), less after */
    assert_true(w.r6 < d.r6 && w.r7 > d.r7);
}

static void test_collapsed_dermis_finite(void **st)
{
    struct derm_mech_composition gone = {0.0, 1.0, 0.0, 0.0, 0.0, 0.0};
    struct derm_cutometer c = measure(&gone, 0.01, NULL, 1);
    show("collapsed", &c);
    assert_true(c.r0 > 0 && isfinite(c.r0));
}

static void test_step_and_mesh_convergence(void **st)
{
    struct derm_mech_composition old = {0.75, 0.2, 0.7, 0.5, 1.5, 0.8};
    struct derm_suction_protocol fine = C.cutometer;
    fine.dt_s /= 4;
    struct derm_cutometer a = measure(&old, 0.7, NULL, 1), b = measure(&old, 0.7, &fine, 1),
                          m = measure(&old, 0.7, NULL, 2);
    show("old, dt", &a), show("old, dt/4", &b), show("old, mesh x2", &m);
    const double *x = &a.r0, *y = &b.r0, *z = &m.r0;
    for (int k = 0; k < 7; k++) {
        if (k == 1) continue; /* R1 is a difference */
        assert_true(fabs(x[k] / y[k] - 1) < 0.005);
        assert_true(fabs(x[k] / z[k] - 1) < 0.02);
    }
}

static void test_column_series_average(void **st)
{
    struct derm_mech_layer d[4], col[8];
    for (int k = 0; k < 4; k++) d[k] = (struct derm_mech_layer){0, 100.0 * (k + 1), 50, 0.2, 1000, 1};
    struct derm_mech_coef m = C.mech;
    m.sublayers = 2;
    int n = derm_tissue_column(&m, d, 4, 1.0, col);
    assert_int_equal(n, 4);
    assert_true(fabs(col[1].g0 - 2.0 / (1.0 / 100 + 1.0 / 200)) < 1e-9);
    assert_true(fabs(col[2].g0 - 2.0 / (1.0 / 300 + 1.0 / 400)) < 1e-9);
    assert_true(fabs(col[1].thick_mm - 0.5) < 1e-15 && fabs(col[0].thick_mm - C.mech.epidermis_mm) < 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_young_in_c18),
        cmocka_unit_test(test_collagen_and_elastin_firm),
        cmocka_unit_test(test_fragmentation_and_elastosis_irreversible),
        cmocka_unit_test(test_age_stiffer_slower),
        cmocka_unit_test(test_ha_water_viscous_time),
        cmocka_unit_test(test_collapsed_dermis_finite),
        cmocka_unit_test(test_step_and_mesh_convergence),
        cmocka_unit_test(test_column_series_average),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
