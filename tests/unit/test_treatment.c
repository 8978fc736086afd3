/* test_treatment.c - inputs/treatment: depth profiles of treatment doses, the sources they
 * add, and the exosome source mix with its preset emphasis.
 *
 * Checks: every route's profile is normalised (sum w_k h = 1), intradermal peaks in the
 * layer holding depth_um, topical falls as exp(-z / penetration) through closed skin and is
 * uniform over the needled depth through open channels, microneedling is uniform over its
 * depth (at least the first layer); sources conserve every dose (each unit raises its signal
 * by treatment.*_level over treatment.column_um; conditioned medium split by
 * treatment.cm_exosome_share; a topical dose partly through open channels keeps its total;
 * microneedling adds none: its response is the wound, model/wound.h) and record the exosome amount by source;
 * the mix emphasis is generic (1) for an empty mix and the amount-weighted mean of the
 * presets otherwise; the presets come from the parameter rows exosome_source.<source>.<effect>
 * (derm_coef_build), keep the pre-refactor values as defaults and follow a --set override;
 * the mix decays with the exosome signal's half-life.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "derm/inputs/treatment.h"
#include "derm/io/config.h"
#include "derm/io/params.h"
#include "derm/sim/coef.h"

#define NZ 30

static void grid(struct derm_grid *g, int64_t nz)
{
    assert_int_equal(derm_grid_init(g, 3, 2, nz, 20.0, NULL), DERM_OK);
}

/* The treatment coefficients of p, through the coefficient builder (the one place that maps
 * the parameter table, presets included). */
static struct derm_treatment_coef treatment_coef(const struct derm_params *p)
{
    static struct derm_coefs all;
    struct derm_grid g;
    grid(&g, NZ);
    derm_coef_build(p, &g, &all);
    return all.treatment;
}

static void test_profiles_normalised_and_shaped(void **state)
{
    (void)state;
    struct derm_grid g;
    grid(&g, NZ);
    struct derm_schedule_entry e;
    derm_schedule_entry_defaults(&e, "t");
    e.input = DERM_IN_EXOSOME;
    double w[NZ];
    /* the share inside the block (600 um): an injection at 300 +- 150 um loses its tail below
     * the block, what reaches above the surface reflected back in; a topical product's
     * exponential its part below 600 um; a drip is uniform in the block */
    const double lz = 20.0 * NZ, r2 = 150.0 * sqrt(2.0);
    const double in_block[3] = {(erf((lz - 300.0) / r2) + erf(300.0 / r2)) / (1.0 + erf(300.0 / r2)),
                                1.0 - exp(-lz / 30.0), 1.0};
    const int routes[] = {DERM_ROUTE_INTRADERMAL, DERM_ROUTE_TOPICAL, DERM_ROUTE_SYSTEMIC};
    for (int r = 0; r < 3; r++) {
        e.route = routes[r];
        const double share = derm_treatment_profile(&g, &e, 0.0, w);
        double sum = 0.0;
        for (int k = 0; k < NZ; k++) sum += w[k] * 20.0;
        assert_true(fabs(sum - in_block[r]) < 1e-12);
        assert_true(fabs(share - in_block[r]) < 1e-12); /* the share it returns: the same */
    }
    assert_true(in_block[0] < 0.98 && in_block[0] > 0.96);
    /* an injection below the block leaves (almost) nothing in it; channels deeper than the
     * block bring it the share of their depth it holds */
    e.route = DERM_ROUTE_INTRADERMAL;
    e.depth_um = 5000.0;
    e.spread_um = 150.0;
    const double deep_share = derm_treatment_profile(&g, &e, 0.0, w);
    double deep = 0.0;
    for (int k = 0; k < NZ; k++) deep += w[k] * 20.0;
    assert_true(deep < 1e-12 && deep_share < 1e-12);
    e.route = DERM_ROUTE_TOPICAL;
    /* channels to 1200 um in a 400 um block: a third of what goes through them is inside */
    assert_true(fabs(derm_treatment_profile(&g, &e, 1200.0, w) - 20.0 * NZ / 1200.0) < 1e-12);
    for (int k = 0; k < NZ; k++) assert_true(fabs(w[k] - 1.0 / 1200.0) < 1e-15);
    e.route = DERM_ROUTE_SYSTEMIC;
    derm_treatment_profile(&g, &e, 0.0, w);
    /* systemic: uniform */
    for (int k = 0; k < NZ; k++) assert_true(fabs(w[k] - 1.0 / (20.0 * NZ)) < 1e-15);
    e.route = DERM_ROUTE_INTRADERMAL;
    e.depth_um = 310.0;
    e.spread_um = 60.0;
    derm_treatment_profile(&g, &e, 0.0, w);
    int kmax = 0;
    for (int k = 1; k < NZ; k++)
        if (w[k] > w[kmax]) kmax = k;
    assert_int_equal(kmax, 15); /* the layer holding 310 um */
    e.route = DERM_ROUTE_TOPICAL;
    e.penetration_um = 30.0;
    double closed[NZ], open[NZ];
    derm_treatment_profile(&g, &e, 0.0, closed);
    derm_treatment_profile(&g, &e, 200.0, open);
    assert_true(closed[0] > 0.4 / 20.0 && closed[20] < 1e-7);
    /* consecutive layers in the ratio e^{-h / penetration} */
    for (int k = 1; k < 10; k++) assert_true(fabs(closed[k] / closed[k - 1] - exp(-20.0 / 30.0)) < 1e-12);
    for (int k = 0; k < NZ; k++) assert_true(fabs(open[k] - (k < 10 ? 1.0 / 200.0 : 0.0)) < 1e-15);
    /* microneedling: uniform over its depth, at least the first layer */
    e.input = DERM_IN_MICRONEEDLING;
    e.depth_um = 100.0;
    derm_treatment_profile(&g, &e, 0.0, w);
    for (int k = 0; k < NZ; k++) assert_true(fabs(w[k] - (k < 5 ? 1.0 / 100.0 : 0.0)) < 1e-15);
    e.depth_um = 5.0;
    derm_treatment_profile(&g, &e, 0.0, w);
    for (int k = 0; k < NZ; k++) assert_true(fabs(w[k] - (k < 1 ? 1.0 / 20.0 : 0.0)) < 1e-15);
}

/* Column-integrated amount of a source over dt: sum over voxels x dt x h / (nx ny). */
static double column(const struct derm_grid *g, const double *src, double dt)
{
    double s = 0.0;
    for (int64_t v = 0; v < g->n; v++) s += src[v] * dt * g->h_um / (double)(g->nx * g->ny);
    return s;
}

static void test_sources_conserve_doses(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    const struct derm_treatment_coef tc = treatment_coef(&p);
    struct derm_grid g;
    grid(&g, NZ);
    struct derm_schedule sched = {0};
    struct derm_schedule_entry *e = &sched.e[0];
    derm_schedule_entry_defaults(e, "cm");
    e->input = DERM_IN_CONDITIONED_MEDIUM;
    e->source = DERM_SOURCE_AMNION;
    e->route = DERM_ROUTE_SYSTEMIC; /* uniform: the whole dose in the block */
    sched.n = 1;
    struct derm_exposure x = {0};
    x.dose[0] = 2.0;
    double *src[DERM_NSIGNAL];
    for (int q = 0; q < DERM_NSIGNAL; q++) assert_non_null(src[q] = calloc((size_t)g.n, sizeof(double)));
    double w[NZ], mix[DERM_SOURCE_COUNT] = {0};
    const double dt = 6.0;
    double got[DERM_IN_COUNT] = {0};
    derm_treatment_add_sources(&g, &tc, &sched, &x, dt, src, mix, got, w);
    /* a systemic dose reaches the block whole */
    assert_true(fabs(got[DERM_IN_CONDITIONED_MEDIUM] - 2.0) < 1e-12);
    /* every unit of dose raises its signal by level over the normalising column */
    const double col = p.treatment_column_um;
    const double se = column(&g, src[DERM_S_EXOSOME], dt), sg = column(&g, src[DERM_S_GF], dt);
    const double st = column(&g, src[DERM_S_TGFB], dt);
    const double fe = p.treatment_cm_exosome_share;
    assert_true(fabs(se - 2.0 * fe * p.treatment_exosome_level * col) < 1e-9 * se);
    assert_true(fabs(sg - 2.0 * (1 - fe) * p.treatment_gf_level * col) < 1e-9 * sg);
    assert_true(fabs(st - 2.0 * (1 - fe) * p.treatment_gf_tgfb_level * col) < 1e-9 * st);
    assert_true(fabs(mix[DERM_SOURCE_AMNION] - 2.0 * fe * p.treatment_exosome_level) < 1e-12);
    for (int s = 0; s < DERM_SOURCE_COUNT; s++)
        if (s != DERM_SOURCE_AMNION) assert_true(mix[s] == 0.0);
    /* treatments add no ROS, IL or MMP */
    for (int64_t v = 0; v < g.n; v++)
        assert_true(src[DERM_S_ROS][v] == 0.0 && src[DERM_S_IL][v] == 0.0 && src[DERM_S_MMP1][v] == 0.0);
    for (int q = 0; q < DERM_NSIGNAL; q++) free(src[q]);
}

static void test_open_channels_and_microneedling(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    const struct derm_treatment_coef tc = treatment_coef(&p);
    struct derm_grid g;
    grid(&g, NZ);
    struct derm_schedule sched = {0};
    derm_schedule_entry_defaults(&sched.e[0], "serum");
    sched.e[0].input = DERM_IN_EXOSOME;
    sched.e[0].route = DERM_ROUTE_TOPICAL;
    sched.e[0].penetration_um = 30.0;
    sched.e[0].source = DERM_SOURCE_ADIPOSE;
    derm_schedule_entry_defaults(&sched.e[1], "needles");
    sched.e[1].input = DERM_IN_MICRONEEDLING;
    sched.e[1].depth_um = 200.0;
    derm_schedule_entry_defaults(&sched.e[2], "sun"); /* not a treatment: ignored */
    sched.e[2].input = DERM_IN_UV;
    sched.n = 3;
    struct derm_exposure x = {0};
    x.dose[0] = 3.0;
    x.dose_open[0] = 1.0; /* a third goes through open channels, 200 um deep */
    x.open_depth_um = 200.0;
    x.dose[1] = 0.5;
    x.dose[2] = 10.0;
    double *src[DERM_NSIGNAL];
    for (int q = 0; q < DERM_NSIGNAL; q++) assert_non_null(src[q] = calloc((size_t)g.n, sizeof(double)));
    double w[NZ], mix[DERM_SOURCE_COUNT] = {0};
    const double dt = 24.0, col = tc.column_um;
    double got[DERM_IN_COUNT] = {0};
    derm_treatment_add_sources(&g, &tc, &sched, &x, dt, src, mix, got, w);
    /* through the channels the whole third enters; of the two thirds on intact skin only
     * treatment.topical_intact_fraction crosses (its exponential's share in the block) */
    double wc[NZ], share = 0.0;
    derm_treatment_profile(&g, &sched.e[0], 0.0, wc);
    for (int k = 0; k < NZ; k++) share += wc[k] * 20.0;
    const double f = tc.topical_intact_fraction, delivered = 1.0 + 2.0 * f * share;
    assert_true(f > 0.0 && f < 0.05);
    assert_true(fabs(column(&g, src[DERM_S_EXOSOME], dt) - delivered * tc.exosome_level * col) <
                1e-9 * delivered * col);
    assert_true(fabs(mix[DERM_SOURCE_ADIPOSE] - (1.0 + 2.0 * f) * tc.exosome_level) < 1e-12);
    /* what reached the dermis: the third through the channels, the trace through intact skin */
    assert_true(fabs(got[DERM_IN_EXOSOME] - delivered) < 1e-12);
    for (int i = 0; i < DERM_IN_COUNT; i++)
        if (i != DERM_IN_EXOSOME) assert_true(got[i] == 0.0);
    /* 160-180 um: what came through the channels (uniform over 200 um), plus the trace that
     * crossed intact skin */
    const int64_t k8 = 8 * g.nx * g.ny;
    const double through = 1.0 * tc.exosome_level * col / 200.0 / dt;
    const double closed = 2.0 * f * tc.exosome_level * col * wc[8] / dt;
    assert_true(closed < 0.01 * through);
    assert_true(fabs(src[DERM_S_EXOSOME][k8] - (through + closed)) < 1e-12 * through);
    /* below the channels only that trace's tail arrives */
    assert_true(fabs(src[DERM_S_EXOSOME][12 * g.nx * g.ny] - 2.0 * f * tc.exosome_level * col * wc[12] / dt) <
                1e-12 * through);
    /* the same serum on intact skin alone: 1 % of what the channels let in */
    for (int q = 0; q < DERM_NSIGNAL; q++) memset(src[q], 0, (size_t)g.n * sizeof(double));
    x.dose_open[0] = 0.0;
    derm_treatment_add_sources(&g, &tc, &sched, &x, dt, src, mix, NULL, w);
    assert_true(fabs(column(&g, src[DERM_S_EXOSOME], dt) - 3.0 * f * share * tc.exosome_level * col) < 1e-9 * col);
    /* microneedling adds no treatment source: its response is the wound (test_wound.c) */
    assert_true(column(&g, src[DERM_S_CHEMOKINE], dt) == 0.0);
    assert_true(column(&g, src[DERM_S_GF], dt) == 0.0);
    assert_true(column(&g, src[DERM_S_TGFB], dt) == 0.0);
    for (int q = 0; q < DERM_NSIGNAL; q++) free(src[q]);
}

/* Preset emphasis by source and effect before the refactor (then a table in the code). */
static const double OLD_PRESETS[DERM_SOURCE_COUNT][DERM_EXO_NEFFECT] = {
    [DERM_SOURCE_GENERIC] = {1.0, 1.0, 1.0, 1.0, 1.0},        [DERM_SOURCE_ADIPOSE] = {1.3, 1.3, 1.0, 1.0, 0.8},
    [DERM_SOURCE_UMBILICAL_CORD] = {1.1, 1.0, 1.1, 1.1, 1.5}, [DERM_SOURCE_BONE_MARROW] = {0.9, 1.0, 1.4, 1.0, 1.1},
    [DERM_SOURCE_DENTAL_PULP] = {1.0, 1.0, 1.1, 1.5, 1.0},    [DERM_SOURCE_AMNION] = {1.1, 1.1, 1.4, 1.0, 0.9},
};
static const char *const SOURCE_NAMES[DERM_SOURCE_COUNT] = {"generic",     "adipose",     "umbilical_cord",
                                                            "bone_marrow", "dental_pulp", "amnion"};
static const char *const EFFECT_NAMES[DERM_EXO_NEFFECT] = {"synthesis", "mmp", "il", "repair", "progenitor"};

static void test_presets_from_parameter_table(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_treatment_coef tc = treatment_coef(&p);
    for (int s = 0; s < DERM_SOURCE_COUNT; s++)
        for (int e = 0; e < DERM_EXO_NEFFECT; e++) {
            char path[96];
            snprintf(path, sizeof path, "exosome_source.%s.%s", SOURCE_NAMES[s], EFFECT_NAMES[e]);
            const struct derm_param_desc *d = derm_params_find(path);
            if (!d) fail_msg("no parameter %s", path);
            assert_true(derm_params_get(&p, d) == tc.presets[s][e]);
            assert_true(tc.presets[s][e] == OLD_PRESETS[s][e]); /* defaults unchanged */
        }
    /* the source names are the choices of the schedule key `source`, in enum order */
    const struct derm_param_desc *src_key = derm_schedule_key_find("source");
    assert_non_null(src_key);
    char choices[256];
    snprintf(choices, sizeof choices, "%s|%s|%s|%s|%s|%s", SOURCE_NAMES[0], SOURCE_NAMES[1], SOURCE_NAMES[2],
             SOURCE_NAMES[3], SOURCE_NAMES[4], SOURCE_NAMES[5]);
    assert_string_equal(src_key->choices, choices);
    /* an override reaches exactly its cell of the table */
    struct derm_schedule sched = {0};
    struct derm_err err = {0};
    if (derm_config_apply_set(&p, &sched, NULL, "exosome_source.dental_pulp.il=2.5", &err) != DERM_OK)
        fail_msg("%s", err.msg);
    struct derm_treatment_coef t2 = treatment_coef(&p);
    for (int s = 0; s < DERM_SOURCE_COUNT; s++)
        for (int e = 0; e < DERM_EXO_NEFFECT; e++) {
            const double want = (s == DERM_SOURCE_DENTAL_PULP && e == DERM_EXO_IL) ? 2.5 : OLD_PRESETS[s][e];
            assert_true(t2.presets[s][e] == want);
        }
}

static void test_mix_emphasis(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    const struct derm_treatment_coef tc = treatment_coef(&p);
    double mix[DERM_SOURCE_COUNT] = {0}, m[DERM_EXO_NEFFECT];
    derm_treatment_mix_emphasis(&tc, mix, m);
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) assert_true(m[e] == 1.0);
    mix[DERM_SOURCE_ADIPOSE] = 3.0;
    derm_treatment_mix_emphasis(&tc, mix, m);
    const double *pa = tc.presets[DERM_SOURCE_ADIPOSE];
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) assert_true(fabs(m[e] - pa[e]) < 1e-15);
    mix[DERM_SOURCE_BONE_MARROW] = 1.0;
    derm_treatment_mix_emphasis(&tc, mix, m);
    const double *pb = tc.presets[DERM_SOURCE_BONE_MARROW];
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) assert_true(fabs(m[e] - (3 * pa[e] + pb[e]) / 4) < 1e-15);
    /* presets differ in emphasis */
    assert_true(pa[DERM_EXO_SYNTHESIS] > pb[DERM_EXO_SYNTHESIS] && pb[DERM_EXO_IL] > pa[DERM_EXO_IL]);
    /* negative amounts count as none */
    mix[DERM_SOURCE_AMNION] = -5.0;
    double m2[DERM_EXO_NEFFECT];
    derm_treatment_mix_emphasis(&tc, mix, m2);
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) assert_true(m2[e] == m[e]);
}

static void test_mix_decays_with_exosome_half_life(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    const struct derm_treatment_coef tc = treatment_coef(&p);
    const double hl = p.signal[DERM_S_EXOSOME].half_life_h;
    assert_true(fabs(tc.exosome_decay_h - DERM_LN2 / hl) < 1e-15);
    double mix[DERM_SOURCE_COUNT] = {4.0, 2.0, 0.0, 1.0, 8.0, 0.5};
    derm_treatment_decay_mix(&tc, hl, mix);
    const double want[DERM_SOURCE_COUNT] = {2.0, 1.0, 0.0, 0.5, 4.0, 0.25};
    for (int s = 0; s < DERM_SOURCE_COUNT; s++) assert_true(fabs(mix[s] - want[s]) < 1e-14);
    /* the emphasis of a decayed mix is unchanged (every source decays alike) */
    double before[DERM_EXO_NEFFECT], after[DERM_EXO_NEFFECT];
    derm_treatment_mix_emphasis(&tc, mix, before);
    derm_treatment_decay_mix(&tc, 3.0 * hl, mix);
    derm_treatment_mix_emphasis(&tc, mix, after);
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) assert_true(fabs(after[e] - before[e]) < 1e-14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profiles_normalised_and_shaped),
        cmocka_unit_test(test_sources_conserve_doses),
        cmocka_unit_test(test_open_channels_and_microneedling),
        cmocka_unit_test(test_presets_from_parameter_table),
        cmocka_unit_test(test_mix_emphasis),
        cmocka_unit_test(test_mix_decays_with_exosome_half_life),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
