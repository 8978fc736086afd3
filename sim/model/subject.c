/* subject.c - systemic state of the subject versus age (see subject.h for sources). */
#include "derm/model/subject.h"

#include <math.h>

static double years_after_25(double age) { return age > 25.0 ? age - 25.0 : 0.0; }

double derm_subject_estrogen(const struct derm_params *p, double age)
{
    if (p->subject_sex == DERM_SEX_MALE) return p->subject_male_estrogen;
    double e = 1.0;
    if (age > p->subject_menopause_age_years) {
        double post = p->subject_estrogen_postmenopause;
        double t = age - p->subject_menopause_age_years;
        e = post + (1.0 - post) * exp(-t / p->subject_estrogen_decline_years);
    }
    if (p->subject_hrt_end_years > p->subject_hrt_start_years && age >= p->subject_hrt_start_years &&
        age < p->subject_hrt_end_years && p->subject_hrt_level > e)
        e = p->subject_hrt_level;
    return e;
}

double derm_subject_estrogen_synthesis(const struct derm_params *p, double age)
{
    double w = p->fibroblast_estrogen_synthesis_weight;
    double young = derm_subject_estrogen(p, 25.0 < p->subject_menopause_age_years ? 25.0 : 0.0);
    if (!(young > 0.0)) return 1.0;
    return 1.0 - w + w * derm_subject_estrogen(p, age) / young;
}

double derm_subject_systemic(const struct derm_params *p, double age)
{
    return exp(-p->subject_systemic_decline_per_year * years_after_25(age));
}

double derm_subject_immune(const struct derm_params *p, double age)
{
    return exp(-years_after_25(age) / p->fibroblast_immune_decline_years);
}

double derm_subject_stem_vigour(const struct derm_params *p, double age)
{
    return exp(-years_after_25(age) / p->stem_vigour_decline_years);
}

double derm_subject_elastin_synthesis(const struct derm_params *p, double age)
{
    /* exp(-(age - 25)/tau) for all ages: elastin synthesis is high in youth and falls
     * steeply; relative to the balance point at 25 */
    double x = -(age - 25.0) / p->ecm_elastin_synthesis_decline_years;
    if (x > 50.0) x = 50.0;
    return exp(x);
}

double derm_subject_ros_ageing(const struct derm_params *p, double age)
{
    return 1.0 + p->signals_ros_age_gain_per_year * years_after_25(age);
}
