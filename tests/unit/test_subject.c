/* test_subject.c - model/subject: the subject's systemic state versus age (pure functions
 * of the subject coefficients and age).
 *
 * Checks against the closed forms documented in subject.h and params.def (1e-12
 * relative): estrogen is 1 before menopause, falls as post + (1 - post) e^{-t/tau} after
 * it, is raised to the HRT level inside the therapy window only (and only if that is
 * higher), and is constant for male subjects; the estrogen synthesis factor is 1 at the
 * young-adult age for either sex and falls by w (1 - post) late after menopause; systemic
 * support, immune clearance and progenitor vigour are 1 up to the young-adult age and then
 * fall strictly and exponentially (a different young-adult age shifts them); functional
 * elastin synthesis is (1 + A) / (1 + A exp((age - young) / w)), 1 at the young-adult age
 * and falling at every age; collagen synthesis of the growing dermis is 1 + excess (young -
 * age) / young before the young-adult age and 1 after; with ageing.systemic off every
 * systemic and developmental curve is 1 at every age, with ageing.menopause off estrogen
 * and its synthesis factor stay at the premenopausal level; derm_subject_inputs writes every
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
    c.young_age = p->subject_young_adult_age_years;
    c.systemic_on = p->ageing_systemic;
    c.menopause_on = p->ageing_menopause;
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
    c.collagen_youth_excess = p->subject_collagen_youth_excess;
    c.elastin_youth_excess = p->subject_elastin_youth_excess;
    c.elastin_switch_years = p->subject_elastin_switch_years;
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
    assert_true(p.subject_young_adult_age_years == 25.0);
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

/* f(age) is 1 up to the young-adult age y, then exp(-(age - y) * rate), strictly decreasing. */
static void check_decline(double (*f)(const struct derm_subject_coef *, double), const struct derm_subject_coef *c,
                          double rate_per_year)
{
    const double y = c->young_age;
    for (double a = 0.0; a <= y; a += 2.5) assert_rel(f(c, a), 1.0, 1e-15);
    assert_rel(f(c, y), 1.0, 1e-15);
    double prev = 1.0;
    for (double a = y + 1.0; a <= 110.0; a += 1.0) {
        double v = f(c, a);
        assert_true(v < prev && v > 0.0);
        assert_rel(v, exp(-(a - y) * rate_per_year), 1e-12);
        prev = v;
    }
}

static void test_systemic_immune_vigour(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    assert_true(p.subject_young_adult_age_years == 25.0);
    check_decline(derm_subject_systemic, C(&p), p.subject_systemic_decline_per_year);
    check_decline(derm_subject_immune, C(&p), 1.0 / p.fibroblast_immune_decline_years);
    check_decline(derm_subject_stem_vigour, C(&p), 1.0 / p.stem_vigour_decline_years);
    /* one decade after 25 */
    assert_rel(derm_subject_systemic(C(&p), 35.0), exp(-10.0 * p.subject_systemic_decline_per_year), 1e-15);
    /* the curves are relative to the young-adult age */
    p.subject_young_adult_age_years = 32.0;
    assert_rel(derm_subject_systemic(C(&p), 30.0), 1.0, 1e-15);
    assert_rel(derm_subject_systemic(C(&p), 42.0), exp(-10.0 * p.subject_systemic_decline_per_year), 1e-15);
    check_decline(derm_subject_systemic, C(&p), p.subject_systemic_decline_per_year);
    check_decline(derm_subject_immune, C(&p), 1.0 / p.fibroblast_immune_decline_years);
    check_decline(derm_subject_stem_vigour, C(&p), 1.0 / p.stem_vigour_decline_years);
    /* zero decline keeps 1 */
    p.subject_systemic_decline_per_year = 0.0;
    assert_rel(derm_subject_systemic(C(&p), 90.0), 1.0, 1e-15);
}

static void test_elastin_synthesis_falls(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    const double A = p.subject_elastin_youth_excess, w = p.subject_elastin_switch_years;
    const double y = p.subject_young_adult_age_years;
    assert_true(A > 0.0);
    assert_rel(derm_subject_elastin_synthesis(C(&p), y), 1.0, 1e-15);
    double prev = INFINITY;
    for (double a = 0.0; a <= 100.0; a += 0.5) {
        double v = derm_subject_elastin_synthesis(C(&p), a);
        assert_true(v < prev && v > 0.0 && isfinite(v));
        assert_rel(v, (1.0 + A) / (1.0 + A * exp((a - y) / w)), 1e-12);
        prev = v;
    }
    /* high in growth (toward 1 + A), half of it where A exp(x) = 1, ~0 in later adulthood */
    assert_rel(derm_subject_elastin_synthesis(C(&p), 0.0), (1.0 + A) / (1.0 + A * exp(-y / w)), 1e-12);
    assert_true(derm_subject_elastin_synthesis(C(&p), 0.0) > 0.9 * (1.0 + A));
    assert_rel(derm_subject_elastin_synthesis(C(&p), y - w * log(A)), 0.5 * (1.0 + A), 1e-12);
    assert_true(derm_subject_elastin_synthesis(C(&p), 20.0) > 1.0);
    assert_true(derm_subject_elastin_synthesis(C(&p), 45.0) < 0.01);
    /* a wider switch falls more slowly after the young-adult age */
    p.subject_elastin_switch_years = 2.0 * w;
    assert_true(derm_subject_elastin_synthesis(C(&p), y + 5.0) > (1.0 + A) / (1.0 + A * exp(5.0 / w)));
    /* no youth excess: 1 / ... = 2 / (1 + exp(x)) */
    p.subject_elastin_youth_excess = 1.0;
    assert_rel(derm_subject_elastin_synthesis(C(&p), y + 3.0), 2.0 / (1.0 + exp(3.0 / (2.0 * w))), 1e-12);
    /* extreme age with a narrow switch stays finite and positive (capped exponent) */
    p.subject_elastin_switch_years = 0.5;
    assert_true(isfinite(derm_subject_elastin_synthesis(C(&p), 130.0)));
    assert_true(derm_subject_elastin_synthesis(C(&p), 130.0) >= 0.0);
}

static void test_collagen_synthesis_development(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    const double X = p.subject_collagen_youth_excess, y = p.subject_young_adult_age_years;
    assert_true(X > 0.0);
    /* 1 from the young-adult age on */
    for (double a = y; a <= 110.0; a += 5.0) assert_rel(derm_subject_collagen_synthesis(C(&p), a), 1.0, 1e-15);
    /* 1 + X at birth, falling linearly to 1 at the young-adult age */
    assert_rel(derm_subject_collagen_synthesis(C(&p), 0.0), 1.0 + X, 1e-15);
    for (double a = 0.5; a < y; a += 0.5)
        assert_rel(derm_subject_collagen_synthesis(C(&p), a), 1.0 + X * (y - a) / y, 1e-14);
    assert_rel(derm_subject_collagen_synthesis(C(&p), 0.5 * y), 1.0 + 0.5 * X, 1e-14);
    /* continuous at the young-adult age */
    assert_rel(derm_subject_collagen_synthesis(C(&p), y - 1e-9), 1.0, 1e-9);
    /* a different young-adult age stretches the course */
    p.subject_young_adult_age_years = 30.0;
    assert_rel(derm_subject_collagen_synthesis(C(&p), 10.0), 1.0 + X * 20.0 / 30.0, 1e-14);
    assert_rel(derm_subject_collagen_synthesis(C(&p), 27.0), 1.0 + X * 0.1, 1e-14);
    p.subject_collagen_youth_excess = 0.0;
    assert_rel(derm_subject_collagen_synthesis(C(&p), 10.0), 1.0, 1e-15);
}

/* ageing.systemic = false holds every systemic and developmental curve at its young-adult
 * value (1) at every age; ageing.menopause = false keeps premenopausal estrogen. */
static void test_switches_off(void **state)
{
    (void)state;
    struct derm_params p = defaults();
    const double m = p.subject_menopause_age_years;
    p.ageing_systemic = 0;
    for (double a = 0.0; a <= 120.0; a += 0.5) {
        assert_true(derm_subject_systemic(C(&p), a) == 1.0);
        assert_true(derm_subject_immune(C(&p), a) == 1.0);
        assert_true(derm_subject_stem_vigour(C(&p), a) == 1.0);
        assert_true(derm_subject_collagen_synthesis(C(&p), a) == 1.0);
        assert_true(derm_subject_elastin_synthesis(C(&p), a) == 1.0);
    }
    /* estrogen is not systemic: it still falls at menopause */
    assert_true(derm_subject_estrogen(C(&p), m + 10.0) < 1.0);
    assert_true(derm_subject_estrogen_synthesis(C(&p), m + 10.0) < 1.0);
    /* menopause off: estrogen and its synthesis factor are 1 at every age */
    p.ageing_menopause = 0;
    for (double a = 0.0; a <= 120.0; a += 0.5) {
        assert_true(derm_subject_estrogen(C(&p), a) == 1.0);
        assert_true(derm_subject_estrogen_synthesis(C(&p), a) == 1.0);
    }
    struct derm_step_inputs in = derm_step_inputs_young(), young = derm_step_inputs_young();
    in.estrogen_synthesis = in.collagen_synthesis = in.elastin_synthesis = 0.0;
    in.immune = in.stem_vigour = in.systemic = 0.0;
    derm_subject_inputs(C(&p), 83.0, &in);
    assert_true(in.estrogen_synthesis == young.estrogen_synthesis);
    assert_true(in.collagen_synthesis == young.collagen_synthesis);
    assert_true(in.elastin_synthesis == young.elastin_synthesis);
    assert_true(in.immune == young.immune && in.stem_vigour == young.stem_vigour && in.systemic == young.systemic);
    /* with the systemic curves on again, menopause off still keeps estrogen (only) */
    p.ageing_systemic = 1;
    assert_true(derm_subject_estrogen_synthesis(C(&p), 90.0) == 1.0);
    assert_true(derm_subject_systemic(C(&p), 90.0) < 1.0);
    /* a male subject's constant level does not depend on the switch */
    p.subject_sex = DERM_SEX_MALE;
    assert_rel(derm_subject_estrogen(C(&p), 70.0), p.subject_male_estrogen, 1e-15);
    p.ageing_menopause = 1;
    assert_rel(derm_subject_estrogen(C(&p), 70.0), p.subject_male_estrogen, 1e-15);
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
        assert_true(in.collagen_synthesis == derm_subject_collagen_synthesis(c, a));
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
    /* a developing subject: collagen and elastin synthesis above the adult balance */
    {
        struct derm_step_inputs kid = derm_step_inputs_young();
        derm_subject_inputs(c, 10.0, &kid);
        assert_true(kid.collagen_synthesis > 1.0 && kid.elastin_synthesis > 1.0);
    }
    /* at the young-adult age (25) every factor is the young reference */
    struct derm_step_inputs in = derm_step_inputs_young(), young = derm_step_inputs_young();
    derm_subject_inputs(c, 25.0, &in);
    assert_rel(in.estrogen_synthesis, young.estrogen_synthesis, 1e-15);
    assert_rel(in.collagen_synthesis, young.collagen_synthesis, 1e-15);
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
    assert_int_equal(b->systemic_on, c->systemic_on);
    assert_int_equal(b->menopause_on, c->menopause_on);
    const double mine[] = {c->young_age,
                           c->menopause_age_years,
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
                           c->collagen_youth_excess,
                           c->elastin_youth_excess,
                           c->elastin_switch_years};
    const double built[] = {b->young_age,
                            b->menopause_age_years,
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
                            b->collagen_youth_excess,
                            b->elastin_youth_excess,
                            b->elastin_switch_years};
    for (size_t q = 0; q < sizeof mine / sizeof *mine; q++) assert_true(mine[q] == built[q]);
    p.subject_sex = DERM_SEX_MALE;
    p.ageing_systemic = 0;
    p.ageing_menopause = 0;
    derm_coef_build(&p, &g, &all);
    assert_int_equal(all.subject.male, 1);
    assert_int_equal(all.subject.systemic_on, 0);
    assert_int_equal(all.subject.menopause_on, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estrogen_female_menopause),      cmocka_unit_test(test_estrogen_hrt_window),
        cmocka_unit_test(test_estrogen_male_constant),         cmocka_unit_test(test_estrogen_synthesis),
        cmocka_unit_test(test_systemic_immune_vigour),         cmocka_unit_test(test_elastin_synthesis_falls),
        cmocka_unit_test(test_collagen_synthesis_development), cmocka_unit_test(test_switches_off),
        cmocka_unit_test(test_inputs_written_and_coef_built),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
