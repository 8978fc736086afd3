/* test_exposure.c - exposures to tissue: UV per layer against the closed form of the
 * layer-averaged exponential, treatment depth profiles (normalised, shaped by route,
 * deeper through open channels), conservation of every dose in the sources, ROS excess
 * held per layer, and the source-mix emphasis of exosome presets. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "derm/inputs/exposure.h"
#include "derm/io/params.h"

#define NZ 30

static void grid(struct derm_grid *g, int64_t nz) { assert_int_equal(derm_grid_init(g, 3, 2, nz, 20.0), 0); }

static void test_uv_layers_closed_form(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_grid g;
    grid(&g, NZ);
    struct derm_exposure x = {0};
    x.uvb_sed = 4.0;
    x.uva_sed = 1.0;
    double b[NZ], a[NZ];
    derm_exposure_uv_layers(&g, &p, &x, b, a);
    double sb = 0.0, sa = 0.0;
    for (int k = 0; k < NZ; k++) {
        double z0 = 20.0 * k, z1 = z0 + 20.0;
        double eb = 4.0 * p.uv_uvb_transmission * p.uv_uvb_depth_um / 20.0 *
                    (exp(-z0 / p.uv_uvb_depth_um) - exp(-z1 / p.uv_uvb_depth_um));
        assert_true(fabs(b[k] - eb) <= 1e-12 * eb);
        if (k) assert_true(b[k] < b[k - 1] && a[k] < a[k - 1]);
        sb += b[k] * 20.0;
        sa += a[k] * 20.0;
    }
    /* depth integral = surface dose x transmission x depth x (1 - e^{-L/depth}) */
    double L = 20.0 * NZ;
    assert_true(fabs(sb - 4.0 * p.uv_uvb_transmission * p.uv_uvb_depth_um * (1 - exp(-L / p.uv_uvb_depth_um))) < 1e-9);
    assert_true(fabs(sa - 1.0 * p.uv_uva_transmission * p.uv_uva_depth_um * (1 - exp(-L / p.uv_uva_depth_um))) < 1e-9);
    /* UVA reaches deeper: its bottom/top ratio is larger */
    assert_true(a[NZ - 1] / a[0] > 10.0 * b[NZ - 1] / b[0]);
}

static void test_profiles_normalised_and_shaped(void **state)
{
    (void)state;
    struct derm_grid g;
    grid(&g, NZ);
    struct derm_sched_entry e;
    derm_sched_entry_defaults(&e, "t");
    e.input = DERM_IN_EXOSOME;
    double w[NZ];
    const int routes[] = {DERM_ROUTE_INTRADERMAL, DERM_ROUTE_TOPICAL, DERM_ROUTE_SYSTEMIC};
    for (int r = 0; r < 3; r++) {
        e.route = routes[r];
        derm_exposure_profile(&g, &e, 0.0, w);
        double sum = 0.0;
        for (int k = 0; k < NZ; k++) sum += w[k] * 20.0;
        assert_true(fabs(sum - 1.0) < 1e-12);
    }
    e.route = DERM_ROUTE_INTRADERMAL;
    e.depth_um = 310.0;
    e.spread_um = 60.0;
    derm_exposure_profile(&g, &e, 0.0, w);
    int kmax = 0;
    for (int k = 1; k < NZ; k++)
        if (w[k] > w[kmax]) kmax = k;
    assert_int_equal(kmax, 15); /* the layer holding 310 um */
    e.route = DERM_ROUTE_TOPICAL;
    e.penetration_um = 30.0;
    double closed[NZ], open[NZ];
    derm_exposure_profile(&g, &e, 0.0, closed);
    derm_exposure_profile(&g, &e, 200.0, open);
    assert_true(closed[0] > 0.4 / 20.0 && closed[20] < 1e-7);
    for (int k = 0; k < NZ; k++) assert_true(fabs(open[k] - (k < 10 ? 1.0 / 200.0 : 0.0)) < 1e-15);
}

static void test_sources_conserve_doses(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_grid g;
    grid(&g, NZ);
    struct derm_sched_entry *e = &p.schedule.e[0];
    derm_sched_entry_defaults(e, "cm");
    e->input = DERM_IN_CONDITIONED_MEDIUM;
    e->source = DERM_SOURCE_AMNION;
    p.schedule.n = 1;
    struct derm_exposure x = {0};
    x.dose[0] = 2.0;
    double *src[DERM_NSIGNAL];
    for (int q = 0; q < DERM_NSIGNAL; q++) src[q] = calloc((size_t)g.n, sizeof(double));
    double ros_k[NZ], w[NZ], mix[DERM_SOURCE_COUNT] = {0};
    for (int k = 0; k < NZ; k++) ros_k[k] = 0.1 * k;
    const double dt = 6.0, k_ros = 500.0, sense = 3.0;
    derm_exposure_add_sources(&g, &p, &x, ros_k, sense, k_ros, dt, src, mix, w);
    /* every unit of dose raises its signal by level over the normalising column */
    double vox = (double)(g.nx * g.ny), col = p.treatment_column_um;
    double se = 0.0, sg = 0.0, st = 0.0;
    for (int64_t v = 0; v < g.n; v++) {
        se += src[DERM_S_EXOSOME][v] * dt * 20.0 / vox;
        sg += src[DERM_S_GF][v] * dt * 20.0 / vox;
        st += src[DERM_S_TGFB][v] * dt * 20.0 / vox;
    }
    const double fe = p.treatment_cm_exosome_share;
    assert_true(fabs(se - 2.0 * fe * p.treatment_exosome_level * col) < 1e-9 * se);
    assert_true(fabs(sg - 2.0 * (1 - fe) * p.treatment_gf_level * col) < 1e-9 * sg);
    assert_true(fabs(st - 2.0 * (1 - fe) * p.treatment_gf_tgfb_level * col) < 1e-9 * st);
    assert_true(fabs(mix[DERM_SOURCE_AMNION] - 2.0 * fe * p.treatment_exosome_level) < 1e-12);
    /* ROS: the excess per layer, in units of what young cells sense, times the decay rate */
    for (int k = 0; k < NZ; k++) assert_true(fabs(src[DERM_S_ROS][k * 6] - 0.1 * k * sense * k_ros) < 1e-9);
    for (int q = 0; q < DERM_NSIGNAL; q++) free(src[q]);
}

static void test_mix_emphasis(void **state)
{
    (void)state;
    double mix[DERM_SOURCE_COUNT] = {0}, m[DERM_EXO_NEFFECT];
    derm_exposure_mix_emphasis(mix, m);
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) assert_true(m[e] == 1.0);
    mix[DERM_SOURCE_ADIPOSE] = 3.0;
    derm_exposure_mix_emphasis(mix, m);
    const double *pa = derm_exposure_source_preset(DERM_SOURCE_ADIPOSE);
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) assert_true(fabs(m[e] - pa[e]) < 1e-15);
    mix[DERM_SOURCE_BONE_MARROW] = 1.0;
    derm_exposure_mix_emphasis(mix, m);
    const double *pb = derm_exposure_source_preset(DERM_SOURCE_BONE_MARROW);
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) assert_true(fabs(m[e] - (3 * pa[e] + pb[e]) / 4) < 1e-15);
    /* presets differ in emphasis */
    assert_true(pa[DERM_EXO_SYNTHESIS] > pb[DERM_EXO_SYNTHESIS] && pb[DERM_EXO_IL] > pa[DERM_EXO_IL]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uv_layers_closed_form),
        cmocka_unit_test(test_profiles_normalised_and_shaped),
        cmocka_unit_test(test_sources_conserve_doses),
        cmocka_unit_test(test_mix_emphasis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
