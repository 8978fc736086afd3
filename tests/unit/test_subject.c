/* test_subject.c - model/subject: the subject's systemic state versus age (pure functions
 * of the subject coefficients and age).
 *
 * Checks against the closed forms documented in subject.h and params.def (1e-12
 * relative): estrogen is 1 before menopause, falls as post + (1 - post) e^{-t/tau} after
 * it, is raised to the HRT level inside the therapy window only (and only if that is
 * higher), and is constant for male subjects; the estrogen synthesis factor is 1 at 25
 * for either sex and falls by w (1 - post) late after menopause; systemic support, immune
 * clearance and progenitor vigour are 1 up to 25 and then fall strictly and
 * exponentially; functional elastin synthesis is 1 at 25 and falls with age at every age;
 * ROS ageing is 1 up to 25 and rises linearly after; derm_subject_inputs writes every
 * factor into the step inputs and leaves the exposure members alone. The coefficients are
 * built here from the parameters as documented in params.def (and checked against
 * derm_coef_build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "derm/io/params.h"
#include "derm/model/subject.h"
#include "derm/sim/coef.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

static struct derm_params defaults(void)
{
    struct derm_params p;
    derm_params_defaults(&p);
    return p;
}

/* The subject coefficients of a parameter set (the parameters each one documents). */
static struct derm_subject_coef subject_coef(const struct derm_params *p)
{
    struct derm_subject_coef c = {0};
    c.male = p->subject_sex == DERM_SEX_MALE;
    c.menopause_age_years = p->subject_menopause_age_years;
    c.estrogen_postmenopause = p->subject_estrogen_postmenopause;
    c.estrogen_decline_years = p->subject_estrogen_decline_years;
    c.hrt_start_years = p->subject_hrt_start_years;
    c.hrt_end_years = p->subject_hrt_end_years;
    c.hrt_level = p->subject_hrt_level;
    c.male_estrogen = p->subject_male_estrogen;
    c.estrogen_synthesis_weight = p->fibroblast_estrogen_synthesis_weight;
    c.systemic_decline_per_year = p->subject_systemic_decline_per_year;
    c.immune_decline_years = p->fibroblast_immune_decline_years;
    c.stem_vigour_decline_years = p->stem_vigour_decline_years;
    c.elastin_decline_years = p->ecm_elastin_synthesis_decline_years;
    c.ros_age_gain_per_year = p->signals_ros_age_gain_per_year;
    return c;
}

/* Pointer to the subject coefficients of p, built afresh at the call (so a test that edits
 * p sees the edit). */
#define C(p) ((const struct derm_subject_coef[1]){subject_coef(p)})

static void test_estrogen_female_menopause(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    const double m = p.subject_menopause_age_years, post = p.subject_estrogen_postmenopause;
    const double tau = p.subject_estrogen_decline_years;
    assert_true(p.subject_sex == DERM_SEX_FEMALE);
    /* 1 at any age up to menopause */
    const double before[] = {0.0, 15.0, 25.0, 40.0, m - 1e-9, m};
    for (size_t q = 0; q < sizeof before / sizeof *before; q++)
        assert_rel(derm_subject_estrogen(C(&p), before[q]), 1.0, 1e-15);
    /* after: post + (1 - post) exp(-t / tau), one and three time constants */
    assert_rel(derm_subject_estrogen(C(&p), m + tau), post + (1.0 - post) * exp(-1.0), 1e-12);
    assert_rel(derm_subject_estrogen(C(&p), m + 3.0 * tau), post + (1.0 - post) * exp(-3.0), 1e-12);
    /* continuous at menopause, strictly decreasing after, tends to post */
    assert_rel(derm_subject_estrogen(C(&p), m + 1e-9), 1.0, 1e-8);
    double prev = 1.0;
    for (double a = m + 0.25; a < 100.0; a += 0.25) {
        double e = derm_subject_estrogen(C(&p), a);
        assert_true(e < prev && e > post);
        prev = e;
    }
    assert_rel(derm_subject_estrogen(C(&p), m + 40.0 * tau), post, 1e-12);
    /* a different time constant changes the decay accordingly */
    p.subject_estrogen_decline_years = 5.0;
    assert_rel(derm_subject_estrogen(C(&p), m + 5.0), post + (1.0 - post) * exp(-1.0), 1e-12);
}

static void test_estrogen_hrt_window(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    const double m = p.subject_menopause_age_years;
    p.subject_hrt_start_years = m + 2.0;
    p.subject_hrt_end_years = m + 10.0;
    p.subject_hrt_level = 0.8;
    struct derm_params none = defaults();
    /* inside the window: the therapy level; start inclusive, end exclusive */
    assert_rel(derm_subject_estrogen(C(&p), m + 2.0), 0.8, 1e-15);
    assert_rel(derm_subject_estrogen(C(&p), m + 5.0), 0.8, 1e-15);
    assert_rel(derm_subject_estrogen(C(&p), m + 9.999), 0.8, 1e-15);
    /* outside: the natural course */
    assert_rel(derm_subject_estrogen(C(&p), m + 1.0), derm_subject_estrogen(C(&none), m + 1.0), 1e-15);
    assert_rel(derm_subject_estrogen(C(&p), m + 10.0), derm_subject_estrogen(C(&none), m + 10.0), 1e-15);
    assert_rel(derm_subject_estrogen(C(&p), m + 20.0), derm_subject_estrogen(C(&none), m + 20.0), 1e-15);
    /* therapy never lowers estrogen: a window before menopause keeps 1 */
    p.subject_hrt_start_years = 30.0;
    p.subject_hrt_end_years = 40.0;
    assert_rel(derm_subject_estrogen(C(&p), 35.0), 1.0, 1e-15);
    /* end <= start means no therapy */
    p.subject_hrt_start_years = m + 10.0;
    p.subject_hrt_end_years = m + 2.0;
    assert_rel(derm_subject_estrogen(C(&p), m + 5.0), derm_subject_estrogen(C(&none), m + 5.0), 1e-15);
    p.subject_hrt_end_years = p.subject_hrt_start_years;
    assert_rel(derm_subject_estrogen(C(&p), m + 10.0), derm_subject_estrogen(C(&none), m + 10.0), 1e-15);
}

static void test_estrogen_male_constant(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    p.subject_sex = DERM_SEX_MALE;
    for (double a = 0.0; a <= 120.0; a += 5.0)
        assert_rel(derm_subject_estrogen(C(&p), a), p.subject_male_estrogen, 1e-15);
    /* therapy settings do not apply to the male constant */
    p.subject_hrt_start_years = 50.0;
    p.subject_hrt_end_years = 60.0;
    p.subject_hrt_level = 2.0;
    assert_rel(derm_subject_estrogen(C(&p), 55.0), p.subject_male_estrogen, 1e-15);
    /* synthesis factor: 1 at every age for a constant level */
    for (double a = 20.0; a <= 100.0; a += 10.0) assert_rel(derm_subject_estrogen_synthesis(C(&p), a), 1.0, 1e-15);
}

static void test_estrogen_synthesis(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    const double w = p.fibroblast_estrogen_synthesis_weight, post = p.subject_estrogen_postmenopause;
    assert_rel(derm_subject_estrogen_synthesis(C(&p), 25.0), 1.0, 1e-15);
    assert_rel(derm_subject_estrogen_synthesis(C(&p), 45.0), 1.0, 1e-15);
    /* long after menopause: 1 - w + w post */
    assert_rel(derm_subject_estrogen_synthesis(C(&p), 100.0), 1.0 - w + w * post, 1e-9);
    /* in between: 1 - w + w E(age) */
    double a = p.subject_menopause_age_years + 2.0;
    assert_rel(derm_subject_estrogen_synthesis(C(&p), a), 1.0 - w + w * derm_subject_estrogen(C(&p), a), 1e-14);
    /* weight 0: no dependence; weight 1: proportional to estrogen */
    p.fibroblast_estrogen_synthesis_weight = 0.0;
    assert_rel(derm_subject_estrogen_synthesis(C(&p), 80.0), 1.0, 1e-15);
    p.fibroblast_estrogen_synthesis_weight = 1.0;
    assert_rel(derm_subject_estrogen_synthesis(C(&p), 80.0), derm_subject_estrogen(C(&p), 80.0), 1e-14);
}

/* f(age) is 1 up to 25, then exp(-(age - 25) * rate), strictly decreasing. */
static void check_decline(double (*f)(const struct derm_subject_coef *, double), const struct derm_subject_coef *c,
                          double rate_per_year)
{
    for (double a = 0.0; a <= 25.0; a += 2.5) assert_rel(f(c, a), 1.0, 1e-15);
    double prev = 1.0;
    for (double a = 26.0; a <= 110.0; a += 1.0) {
        double v = f(c, a);
        assert_true(v < prev && v > 0.0);
        assert_rel(v, exp(-(a - 25.0) * rate_per_year), 1e-12);
        prev = v;
    }
}

static void test_systemic_immune_vigour(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    check_decline(derm_subject_systemic, C(&p), p.subject_systemic_decline_per_year);
    check_decline(derm_subject_immune, C(&p), 1.0 / p.fibroblast_immune_decline_years);
    check_decline(derm_subject_stem_vigour, C(&p), 1.0 / p.stem_vigour_decline_years);
    /* one decade after 25 */
    assert_rel(derm_subject_systemic(C(&p), 35.0), exp(-10.0 * p.subject_systemic_decline_per_year), 1e-15);
    /* zero decline keeps 1 */
    p.subject_systemic_decline_per_year = 0.0;
    assert_rel(derm_subject_systemic(C(&p), 90.0), 1.0, 1e-15);
}

static void test_elastin_synthesis_falls(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    const double tau = p.ecm_elastin_synthesis_decline_years;
    assert_rel(derm_subject_elastin_synthesis(C(&p), 25.0), 1.0, 1e-15);
    double prev = INFINITY;
    for (double a = 0.0; a <= 100.0; a += 0.5) {
        double v = derm_subject_elastin_synthesis(C(&p), a);
        assert_true(v < prev && v > 0.0 && isfinite(v));
        assert_rel(v, exp(-(a - 25.0) / tau), 1e-12);
        prev = v;
    }
    assert_true(derm_subject_elastin_synthesis(C(&p), 20.0) > 1.0);  /* large in youth */
    assert_true(derm_subject_elastin_synthesis(C(&p), 45.0) < 0.01); /* ~0 after 40 */
    /* extreme youth with a short time constant stays finite (capped exponent) */
    p.ecm_elastin_synthesis_decline_years = 0.1;
    assert_true(isfinite(derm_subject_elastin_synthesis(C(&p), 0.0)));
}

static void test_ros_ageing(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    const double k = p.signals_ros_age_gain_per_year;
    for (double a = 0.0; a <= 25.0; a += 5.0) assert_rel(derm_subject_ros_ageing(C(&p), a), 1.0, 1e-15);
    assert_rel(derm_subject_ros_ageing(C(&p), 75.0), 1.0 + 50.0 * k, 1e-14);
    assert_true(derm_subject_ros_ageing(C(&p), 60.0) > derm_subject_ros_ageing(C(&p), 50.0));
}

static void test_inputs_written_and_coef_built(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    p.subject_hrt_start_years = 55.0;
    p.subject_hrt_end_years = 60.0;
    const struct derm_subject_coef *c = C(&p);
    const double uv[2] = {1.0, 2.0};
    const double ages[] = {20.0, 25.0, 57.0, 83.5};
    for (size_t q = 0; q < sizeof ages / sizeof *ages; q++) {
        const double a = ages[q];
        struct derm_step_inputs in = derm_step_inputs_young();
        in.glucose_ratio = 1.7;
        in.uv_sed_k = uv;
        in.stem_count = 42;
        in.exo_mult[DERM_EXO_MMP] = 3.0;
        derm_subject_inputs(c, a, &in);
        assert_true(in.estrogen_synthesis == derm_subject_estrogen_synthesis(c, a));
        assert_true(in.ros_ageing == derm_subject_ros_ageing(c, a));
        assert_true(in.elastin_synthesis == derm_subject_elastin_synthesis(c, a));
        assert_true(in.immune == derm_subject_immune(c, a));
        assert_true(in.stem_vigour == derm_subject_stem_vigour(c, a));
        assert_true(in.systemic == derm_subject_systemic(c, a));
        /* what the subject does not own is left alone */
        assert_true(in.glucose_ratio == 1.7);
        assert_ptr_equal(in.uv_sed_k, uv);
        assert_null(in.uv_ap1_k);
        assert_int_equal(in.stem_count, 42);
        assert_true(in.exo_mult[DERM_EXO_MMP] == 3.0 && in.exo_mult[DERM_EXO_SYNTHESIS] == 1.0);
    }
    /* at 25 every factor is the young reference */
    struct derm_step_inputs in = derm_step_inputs_young(), young = derm_step_inputs_young();
    derm_subject_inputs(c, 25.0, &in);
    assert_rel(in.estrogen_synthesis, young.estrogen_synthesis, 1e-15);
    assert_rel(in.ros_ageing, young.ros_ageing, 1e-15);
    assert_rel(in.elastin_synthesis, young.elastin_synthesis, 1e-15);
    assert_rel(in.immune, young.immune, 1e-15);
    assert_rel(in.stem_vigour, young.stem_vigour, 1e-15);
    assert_rel(in.systemic, young.systemic, 1e-15);
    /* the coefficient builder maps the same parameters */
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 4, 4, 4, 20.0, NULL), DERM_OK);
    static struct derm_coefs all;
    derm_coef_build(&p, &g, &all);
    const struct derm_subject_coef *b = &all.subject;
    assert_int_equal(b->male, c->male);
    const double mine[] = {c->menopause_age_years,
                           c->estrogen_postmenopause,
                           c->estrogen_decline_years,
                           c->hrt_start_years,
                           c->hrt_end_years,
                           c->hrt_level,
                           c->male_estrogen,
                           c->estrogen_synthesis_weight,
                           c->systemic_decline_per_year,
                           c->immune_decline_years,
                           c->stem_vigour_decline_years,
                           c->elastin_decline_years,
                           c->ros_age_gain_per_year};
    const double built[] = {b->menopause_age_years,
                            b->estrogen_postmenopause,
                            b->estrogen_decline_years,
                            b->hrt_start_years,
                            b->hrt_end_years,
                            b->hrt_level,
                            b->male_estrogen,
                            b->estrogen_synthesis_weight,
                            b->systemic_decline_per_year,
                            b->immune_decline_years,
                            b->stem_vigour_decline_years,
                            b->elastin_decline_years,
                            b->ros_age_gain_per_year};
    for (size_t q = 0; q < sizeof mine / sizeof *mine; q++) assert_true(mine[q] == built[q]);
    p.subject_sex = DERM_SEX_MALE;
    derm_coef_build(&p, &g, &all);
    assert_int_equal(all.subject.male, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estrogen_female_menopause),
        cmocka_unit_test(test_estrogen_hrt_window),
        cmocka_unit_test(test_estrogen_male_constant),
        cmocka_unit_test(test_estrogen_synthesis),
        cmocka_unit_test(test_systemic_immune_vigour),
        cmocka_unit_test(test_elastin_synthesis_falls),
        cmocka_unit_test(test_ros_ageing),
        cmocka_unit_test(test_inputs_written_and_coef_built),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
