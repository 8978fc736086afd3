/* test_exposure.c - inputs/exposure: what scheduled exposures put into the tissue.
 *
 * UV per layer against the closed form of the layer-averaged exponential (and its depth
 * integral), UVA reaching deeper than UVB; the per-layer quantities of a step: UV = UVB +
 * UVA, the ROS excess = smoking + pollution everywhere + UV where absorbed (UVA weighted),
 * the direct AP-1 drive, any_uv; the ROS excess held per layer in the sources (excess x
 * what young cells sense x decay rate); the per-voxel dose records and the UVA elastosis
 * deposition in proportion to the local cell density; the cumulative delivered amounts
 * (doses by input, pack-years, index-years, unprotected UV); photoadaptation relaxing
 * exactly toward adapt_per_med_day x MED/day with its time constant (one step of 2 dt is two
 * steps of dt; the returned factor 1 / (1 + step mean level); 1 with no UV on unadapted
 * skin; fading without sun), and the factor scaling every UV quantity of the step but not
 * smoking or pollution; skin type sets the epidermal transmission and the MED. The UV
 * coefficients are built here from derm_params_defaults as documented in params.def (uv.*,
 * oxidative.*) and checked against derm_coef_build. The UV memory behind the loss of fragment
 * uptake (Endo180) relaxes exactly toward the step's dose rate per layer: a constant rate
 * gives rate (1 - exp(-t/tau)) whatever the step, and it fades as exp(-t/tau) without UV.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "derm/inputs/exposure.h"
#include "derm/io/params.h"
#include "derm/sim/coef.h"

#define NZ 30

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

static void grid(struct derm_grid *g, int64_t nz)
{
    assert_int_equal(derm_grid_init(g, 3, 2, nz, 20.0, NULL), DERM_OK);
}

static struct derm_uv_coef uv_coef(const struct derm_params *p)
{
    struct derm_uv_coef uv = {0};
    uv.uvb_transmission = p->uv_uvb_transmission;
    uv.uvb_depth_um = p->uv_uvb_depth_um;
    uv.uva_transmission = p->uv_uva_transmission;
    uv.uva_depth_um = p->uv_uva_depth_um;
    uv.uva_ros_weight = p->uv_uva_ros_weight;
    uv.ros_per_sed_h = p->uv_ros_per_sed_h;
    uv.ap1_per_sed_h = p->uv_ap1_per_sed_h;
    uv.elastosis_per_sed = p->uv_elastosis_mg_per_ml_per_sed;
    /* skin type II (the default): relative epidermal transmission 1 */
    assert_int_equal(p->subject_skin_type, 2);
    uv.uvb_transmission *= p->uv_epidermis_uvb_type2;
    uv.uva_transmission *= p->uv_epidermis_uva_type2;
    uv.med_sed = p->uv_med_sed_type2;
    uv.adapt_per_med_day = p->uv_adaptation_per_med_day;
    uv.adapt_time_h = p->uv_adaptation_days * DERM_HOURS_PER_DAY;
    uv.endo_memory_h = p->uv_endo180_memory_days * DERM_HOURS_PER_DAY;
    return uv;
}

static void test_uv_layers_closed_form(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    const struct derm_uv_coef uv = uv_coef(&p);
    struct derm_grid g;
    grid(&g, NZ);
    struct derm_exposure x = {0};
    x.uvb_sed = 4.0;
    x.uva_sed = 1.0;
    double b[NZ], a[NZ];
    derm_exposure_uv_layers(&g, &uv, &x, b, a);
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

static void test_layers_ros_and_ap1(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    const struct derm_uv_coef uv = uv_coef(&p);
    const struct derm_oxidative_coef ox = {p.oxidative_ros_per_cigarette, p.oxidative_ros_per_pollution};
    assert_true(uv.ros_per_sed_h > 0.0 && uv.ap1_per_sed_h > 0.0 && ox.ros_per_cigarette > 0.0);
    struct derm_grid g;
    grid(&g, NZ);
    double uvb[NZ], uva[NZ], uvk[NZ], ros[NZ], ap1[NZ], b[NZ], a[NZ];
    struct derm_exposure_layers L = {uvb, uva, uvk, ros, ap1, -1, -1};
    struct derm_exposure x = {0};
    const double dt = 6.0;
    /* nothing delivered: no UV, no excess */
    derm_exposure_layers(&g, &uv, &ox, &x, 1.0, dt, &L);
    assert_int_equal(L.any_uv, 0);
    assert_int_equal(L.any_ros, 0);
    for (int k = 0; k < NZ; k++) assert_true(uvk[k] == 0.0 && ros[k] == 0.0 && ap1[k] == 0.0);
    /* smoking and pollution: the same excess in every layer */
    x.cigarettes_per_day = 10.0;
    x.pollution = 2.0;
    derm_exposure_layers(&g, &uv, &ox, &x, 1.0, dt, &L);
    assert_int_equal(L.any_uv, 0);
    assert_int_equal(L.any_ros, 1);
    const double sys = 10.0 * ox.ros_per_cigarette + 2.0 * ox.ros_per_pollution;
    for (int k = 0; k < NZ; k++) {
        assert_true(fabs(ros[k] - sys) <= 1e-15 * sys);
        assert_true(ap1[k] == 0.0);
    }
    /* UV on top: where it is absorbed, per SED/h, UVA weighted */
    x.uvb_sed = 3.0;
    x.uva_sed = 5.0;
    derm_exposure_layers(&g, &uv, &ox, &x, 1.0, dt, &L);
    derm_exposure_uv_layers(&g, &uv, &x, b, a);
    assert_int_equal(L.any_uv, 1);
    assert_int_equal(L.any_ros, 1);
    for (int k = 0; k < NZ; k++) {
        assert_true(uvb[k] == b[k] && uva[k] == a[k]);
        assert_true(uvk[k] == b[k] + a[k]);
        const double w = (b[k] + uv.uva_ros_weight * a[k]) / dt;
        assert_true(fabs(ros[k] - (sys + uv.ros_per_sed_h * w)) <= 1e-13 * ros[k]);
        assert_true(fabs(ap1[k] - uv.ap1_per_sed_h * w) <= 1e-13 * ap1[k]);
    }
    assert_true(ros[0] > ros[NZ - 1]);
    /* a photoadaptation factor f scales every UV quantity, not smoking or pollution */
    const double f = 0.4;
    derm_exposure_layers(&g, &uv, &ox, &x, f, dt, &L);
    for (int k = 0; k < NZ; k++) {
        assert_true(fabs(uvb[k] - f * b[k]) <= 1e-15 * b[k] && fabs(uva[k] - f * a[k]) <= 1e-15 * a[k]);
        assert_true(fabs(uvk[k] - f * (b[k] + a[k])) <= 1e-14 * uvk[k]);
        const double w = f * (b[k] + uv.uva_ros_weight * a[k]) / dt;
        assert_true(fabs(ros[k] - (sys + uv.ros_per_sed_h * w)) <= 1e-13 * ros[k]);
        assert_true(fabs(ap1[k] - uv.ap1_per_sed_h * w) <= 1e-13 * ap1[k]);
    }
    /* UV alone: any_ros from the UV excess */
    x.cigarettes_per_day = x.pollution = 0.0;
    derm_exposure_layers(&g, &uv, &ox, &x, 1.0, dt, &L);
    assert_int_equal(L.any_uv, 1);
    assert_int_equal(L.any_ros, 1);
}

/* Photoadaptation: level' = (target - level) / tau with target = adapt_per_med_day x MED/day
 * of the step's surface dose, solved exactly; the factor is 1 / (1 + mean level over the step). */
static void test_photoadaptation_closed_form(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    const struct derm_uv_coef uv = uv_coef(&p);
    const double tau = uv.adapt_time_h, A = uv.adapt_per_med_day, med = uv.med_sed;
    assert_true(tau > 0.0 && A > 0.0 && med > 0.0);
    struct derm_exposure none = {0};
    /* no UV on unadapted skin: transmission 1, level stays 0 */
    double level = 0.0;
    assert_true(derm_exposure_photoadapt(&uv, &none, 168.0, &level) == 1.0);
    assert_true(level == 0.0);
    /* 1 MED a day (UVB + UVA), delivered over a week: target A */
    const double dt = 168.0;
    struct derm_exposure x = {0};
    x.uvb_sed = 0.75 * med * dt / 24.0;
    x.uva_sed = 0.25 * med * dt / 24.0;
    const double keep = exp(-dt / tau);
    level = 0.0;
    double fac = derm_exposure_photoadapt(&uv, &x, dt, &level);
    assert_rel(level, A * (1.0 - keep), 1e-13);
    const double mean = A * (1.0 - tau / dt * (1.0 - keep));
    assert_rel(fac, 1.0 / (1.0 + mean), 1e-13);
    assert_true(fac < 1.0 && fac > 1.0 / (1.0 + A));
    /* from any level: target + (level0 - target) e^{-dt/tau} */
    level = 2.5 * A;
    fac = derm_exposure_photoadapt(&uv, &x, dt, &level);
    assert_rel(level, A + 1.5 * A * keep, 1e-13);
    assert_rel(fac, 1.0 / (1.0 + A + 1.5 * A * tau / dt * (1.0 - keep)), 1e-13);
    /* exact for any step: one step of 2 dt is two steps of dt at the same dose rate */
    double l1 = 0.3, l2 = 0.3;
    struct derm_exposure x2 = x;
    x2.uvb_sed *= 2.0;
    x2.uva_sed *= 2.0;
    derm_exposure_photoadapt(&uv, &x2, 2.0 * dt, &l1);
    derm_exposure_photoadapt(&uv, &x, dt, &l2);
    derm_exposure_photoadapt(&uv, &x, dt, &l2);
    assert_rel(l1, l2, 1e-13);
    /* steady state under regular sun: the level is A x MED/day, transmission 1 / (1 + A) */
    level = 0.0;
    for (int n = 0; n < 200; n++) fac = derm_exposure_photoadapt(&uv, &x, dt, &level);
    assert_rel(level, A, 1e-9);
    assert_rel(fac, 1.0 / (1.0 + A), 1e-9);
    /* without sun the adaptation fades with the same time constant */
    const double l0 = level;
    fac = derm_exposure_photoadapt(&uv, &none, tau, &level);
    assert_rel(level, l0 * exp(-1.0), 1e-13);
    assert_rel(fac, 1.0 / (1.0 + l0 * (1.0 - exp(-1.0))), 1e-13);
    /* twice the dose rate: twice the target */
    struct derm_exposure x3 = x;
    x3.uvb_sed *= 2.0;
    x3.uva_sed *= 2.0;
    level = 0.0;
    derm_exposure_photoadapt(&uv, &x3, dt, &level);
    assert_rel(level, 2.0 * A * (1.0 - keep), 1e-13);
    /* a darker skin type (larger MED) adapts less to the same SED */
    struct derm_uv_coef dark = uv;
    dark.med_sed = p.uv_med_sed_type6;
    level = 0.0;
    derm_exposure_photoadapt(&dark, &x, dt, &level);
    assert_rel(level, A * med / p.uv_med_sed_type6 * (1.0 - keep), 1e-13);
    /* no adaptation configured: factor 1, level untouched */
    struct derm_uv_coef off = uv;
    off.adapt_per_med_day = 0.0;
    level = 0.0;
    assert_true(derm_exposure_photoadapt(&off, &x, dt, &level) == 1.0);
    assert_true(level == 0.0);
}

/* Skin type: the coefficient builder scales the epidermal transmission of UVB and UVA by the
 * type's melanin factors and takes the type's MED. */
static void test_skin_type_transmission(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_grid g;
    grid(&g, 4);
    static struct derm_coefs c;
    const double mb[6] = {p.uv_epidermis_uvb_type1, p.uv_epidermis_uvb_type2, p.uv_epidermis_uvb_type3,
                          p.uv_epidermis_uvb_type4, p.uv_epidermis_uvb_type5, p.uv_epidermis_uvb_type6};
    const double ma[6] = {p.uv_epidermis_uva_type1, p.uv_epidermis_uva_type2, p.uv_epidermis_uva_type3,
                          p.uv_epidermis_uva_type4, p.uv_epidermis_uva_type5, p.uv_epidermis_uva_type6};
    const double med[6] = {p.uv_med_sed_type1, p.uv_med_sed_type2, p.uv_med_sed_type3,
                           p.uv_med_sed_type4, p.uv_med_sed_type5, p.uv_med_sed_type6};
    double prev_b = INFINITY;
    for (int t = 1; t <= 6; t++) {
        p.subject_skin_type = t;
        derm_coef_build(&p, &g, &c);
        assert_rel(c.uv.uvb_transmission, p.uv_uvb_transmission * mb[t - 1], 1e-15);
        assert_rel(c.uv.uva_transmission, p.uv_uva_transmission * ma[t - 1], 1e-15);
        assert_true(c.uv.med_sed == med[t - 1]);
        assert_rel(c.uv.adapt_per_med_day, p.uv_adaptation_per_med_day, 1e-15);
        assert_rel(c.uv.adapt_time_h, p.uv_adaptation_days * DERM_HOURS_PER_DAY, 1e-15);
        /* darker skin lets less UVB through */
        assert_true(c.uv.uvb_transmission < prev_b);
        prev_b = c.uv.uvb_transmission;
    }
    /* the defaults: type II, relative transmission 1 */
    derm_params_defaults(&p);
    derm_coef_build(&p, &g, &c);
    const struct derm_uv_coef mine = uv_coef(&p);
    assert_true(c.uv.uvb_transmission == mine.uvb_transmission && c.uv.uva_transmission == mine.uva_transmission);
    assert_true(c.uv.med_sed == mine.med_sed);
}

static void test_add_ros_holds_excess_per_layer(void **state)
{
    (void)state;
    struct derm_grid g;
    grid(&g, NZ);
    double *src = calloc((size_t)g.n, sizeof(double));
    assert_non_null(src);
    for (int64_t v = 0; v < g.n; v++) src[v] = 0.25; /* adds to what is there */
    double ros_k[NZ];
    for (int k = 0; k < NZ; k++) ros_k[k] = 0.1 * k;
    const double k_ros = 500.0, sense = 3.0;
    derm_exposure_add_ros(&g, ros_k, sense, k_ros, src);
    /* ROS: the excess per layer, in units of what young cells sense, times the decay rate */
    for (int64_t v = 0; v < g.n; v++) {
        const int64_t k = v / 6;
        assert_true(fabs(src[v] - (0.25 + 0.1 * (double)k * sense * k_ros)) < 1e-9);
    }
    free(src);
}

static void test_uv_records_and_elastosis(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_uv_coef uv = uv_coef(&p);
    uv.elastosis_per_sed = 2e-3;
    struct derm_grid g;
    grid(&g, 4);
    double uvb[4] = {4, 3, 2, 1}, uva[4] = {0.5, 0.4, 0.3, 0.2}, uvk[4], ros[4] = {0}, ap1[4] = {0};
    for (int k = 0; k < 4; k++) uvk[k] = uvb[k] + uva[k];
    const struct derm_exposure_layers L = {uvb, uva, uvk, ros, ap1, 1, 0};
    double *crowd = calloc((size_t)g.n, sizeof(double)), *dose = calloc((size_t)g.n, sizeof(double));
    double *dose_a = calloc((size_t)g.n, sizeof(double)), *dep = calloc((size_t)g.n, sizeof(double));
    assert_true(crowd && dose && dose_a && dep);
    for (int64_t v = 0; v < g.n; v++) {
        crowd[v] = 0.5 * (double)(v % 3);
        dose[v] = 1.0;
        dep[v] = -7.0; /* overwritten, not added to */
    }
    const double dt = 8.0;
    derm_exposure_uv_records(&g, &uv, &L, crowd, dt, dose, dose_a, dep);
    derm_exposure_uv_records(&g, &uv, &L, crowd, dt, dose, dose_a, dep);
    for (int64_t v = 0; v < g.n; v++) {
        const int64_t k = v / 6;
        assert_true(fabs(dose[v] - (1.0 + 2.0 * uvk[k])) < 1e-14);
        assert_true(fabs(dose_a[v] - 2.0 * uva[k]) < 1e-15);
        assert_true(fabs(dep[v] - 2e-3 * uva[k] / dt * crowd[v]) < 1e-18);
    }
    free(crowd);
    free(dose);
    free(dose_a);
    free(dep);
}

static void test_uv_memory_closed_form(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_uv_coef uv = uv_coef(&p);
    uv.endo_memory_h = 30.0 * DERM_HOURS_PER_DAY;
    struct derm_grid g;
    grid(&g, 3);
    double *m1 = calloc((size_t)g.n, sizeof(double)), *m4 = calloc((size_t)g.n, sizeof(double));
    assert_true(m1 && m4);
    const double rate[3] = {0.05, 0.02, 0.0}; /* SED/day */
    const double dt = 168.0;
    double uv1[3], uv4[3];
    for (int k = 0; k < 3; k++) {
        uv1[k] = rate[k] * dt / DERM_HOURS_PER_DAY;
        uv4[k] = uv1[k] / 4.0;
    }
    for (int n = 0; n < 20; n++) {
        derm_exposure_uv_memory(&g, &uv, uv1, dt, m1);
        for (int i = 0; i < 4; i++) derm_exposure_uv_memory(&g, &uv, uv4, dt / 4.0, m4);
    }
    const double t = 20.0 * dt, want = 1.0 - exp(-t / uv.endo_memory_h);
    for (int64_t v = 0; v < g.n; v++) {
        const int64_t k = v / 6;
        assert_rel(m1[v] + 1.0, rate[k] * want + 1.0, 1e-13);
        assert_rel(m4[v] + 1.0, m1[v] + 1.0, 1e-13); /* one step of 4 dt is four steps of dt */
    }
    /* without UV it fades: NULL layers = no UV this step */
    const double before = m1[0];
    derm_exposure_uv_memory(&g, &uv, NULL, dt, m1);
    assert_rel(m1[0], before * exp(-dt / uv.endo_memory_h), 1e-13);
    assert_true(m1[g.n - 1] == 0.0);
    free(m1);
    free(m4);
}

static void test_accumulate_totals(void **state)
{
    (void)state;
    struct derm_schedule s = {0};
    s.n = 3;
    derm_schedule_entry_defaults(&s.e[0], "sun");
    s.e[0].input = DERM_IN_UV;
    derm_schedule_entry_defaults(&s.e[1], "exo");
    s.e[1].input = DERM_IN_EXOSOME;
    derm_schedule_entry_defaults(&s.e[2], "exo2");
    s.e[2].input = DERM_IN_EXOSOME;
    struct derm_exposure x = {0};
    x.dose[0] = 1.5;
    x.dose[1] = 2.0;
    x.dose[2] = 0.5;
    x.cigarettes_per_day = 20.0;
    x.pollution = 3.0;
    x.uv_sed_unprotected = 4.0;
    struct derm_exposure_totals t = {{0}, 0, {0}};
    const double Y = DERM_HOURS_PER_YEAR;
    derm_exposure_accumulate(&t, &s, &x, Y / 2.0);
    derm_exposure_accumulate(&t, &s, &x, Y / 2.0);
    assert_true(fabs(t.dose[DERM_IN_UV] - 3.0) < 1e-15);
    assert_true(fabs(t.dose[DERM_IN_EXOSOME] - 5.0) < 1e-15);
    /* a pack a day for a year is one pack-year; index 3 for a year is 3 index-years */
    assert_true(fabs(t.dose[DERM_IN_SMOKING] - 1.0) < 1e-15);
    assert_true(fabs(t.dose[DERM_IN_POLLUTION] - 3.0) < 1e-15);
    assert_true(fabs(t.uv_unprotected - 8.0) < 1e-15);
    assert_true(t.dose[DERM_IN_GROWTH_FACTOR] == 0.0 && t.dose[DERM_IN_MICRONEEDLING] == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uv_layers_closed_form),          cmocka_unit_test(test_layers_ros_and_ap1),
        cmocka_unit_test(test_photoadaptation_closed_form),    cmocka_unit_test(test_skin_type_transmission),
        cmocka_unit_test(test_add_ros_holds_excess_per_layer), cmocka_unit_test(test_uv_records_and_elastosis),
        cmocka_unit_test(test_uv_memory_closed_form),          cmocka_unit_test(test_accumulate_totals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
