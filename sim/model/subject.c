/* subject.c - systemic state of the subject versus age (shapes and sources in subject.h). */
#include "derm/model/subject.h"

#include <math.h>

static double years_after_young(const struct derm_subject_coef *c, double age)
{
    return c->systemic_on && age > c->young_age ? age - c->young_age : 0.0;
}

double derm_subject_estrogen(const struct derm_subject_coef *c, double age)
{
    if (c->male) return c->male_estrogen;
    double e = 1.0;
    if (c->menopause_on && age > c->menopause_age_years) {
        double post = c->estrogen_postmenopause;
        double t = age - c->menopause_age_years;
        e = post + (1.0 - post) * exp(-t / c->estrogen_decline_years);
    }
    if (c->hrt_end_years > c->hrt_start_years && age >= c->hrt_start_years && age < c->hrt_end_years &&
        c->hrt_level > e)
        e = c->hrt_level;
    return e;
}

double derm_subject_estrogen_synthesis(const struct derm_subject_coef *c, double age)
{
    double w = c->estrogen_synthesis_weight;
    double young = derm_subject_estrogen(c, c->young_age < c->menopause_age_years ? c->young_age : 0.0);
    if (!(young > 0.0)) return 1.0;
    return 1.0 - w + w * derm_subject_estrogen(c, age) / young;
}

double derm_subject_systemic(const struct derm_subject_coef *c, double age)
{
    return exp(-c->systemic_decline_per_year * years_after_young(c, age));
}

double derm_subject_immune(const struct derm_subject_coef *c, double age)
{
    return exp(-years_after_young(c, age) / c->immune_decline_years);
}

double derm_subject_stem_vigour(const struct derm_subject_coef *c, double age)
{
    return exp(-years_after_young(c, age) / c->stem_vigour_decline_years);
}

double derm_subject_collagen_synthesis(const struct derm_subject_coef *c, double age)
{
    if (!c->systemic_on || age >= c->young_age) return 1.0;
    const double before = age > 0.0 ? (c->young_age - age) / c->young_age : 1.0;
    return 1.0 + c->collagen_youth_excess * before;
}

double derm_subject_elastin_synthesis(const struct derm_subject_coef *c, double age)
{
    if (!c->systemic_on) return 1.0;
    const double A = c->elastin_youth_excess;
    double x = (age - c->young_age) / c->elastin_switch_years;
    if (x > 50.0) x = 50.0;
    return (1.0 + A) / (1.0 + A * exp(x));
}

void derm_subject_inputs(const struct derm_subject_coef *c, double age, struct derm_step_inputs *in)
{
    in->estrogen_synthesis = derm_subject_estrogen_synthesis(c, age);
    in->collagen_synthesis = derm_subject_collagen_synthesis(c, age);
    in->elastin_synthesis = derm_subject_elastin_synthesis(c, age);
    in->immune = derm_subject_immune(c, age);
    in->stem_vigour = derm_subject_stem_vigour(c, age);
    in->systemic = derm_subject_systemic(c, age);
}
