/* subject.h - the subject's systemic state as a function of age.
 *
 * Owns: the inputs the tissue receives from the rest of the body, each relative to the
 * young-adult age at which the configured state is a steady state, and each with the shape
 * and size of its source: estrogen (menopause, hormone therapy), systemic growth support
 * (IGF-1), immune clearance of senescent cells, progenitor vigour, and the developmental
 * course of matrix synthesis (collagen growth before adulthood, functional elastin laid down
 * during growth and switched off in early adulthood). derm_subject_inputs writes them into
 * the step's inputs; the ageing.* switches hold any of them at young-adult values. Pure
 * functions of (coefficients, age in years). The tissue's decline runs through the model's
 * mechanisms in response to these inputs, not through curves here.
 * Does not: touch fields or cells.
 * Sources (docs/SOURCES.md): menopause ~51 y, estradiol -67 % over ~4 years around the final
 * period (Sowers 2008, SWAN); serum IGF-1 ~2 %/yr (reference cohort); immune clearance and
 * progenitor vigour declines are estimates (senescent fibroblasts escape NK/T cells in old
 * skin, Pereira 2019; marrow MSC frequency falls ~200-fold over life, Caplan 2007); elastin
 * synthesis high in growth, little after maturity (Shapiro 1991; Sephel & Davidson 1986).
 */
#ifndef DERM_MODEL_SUBJECT_H
#define DERM_MODEL_SUBJECT_H

#include "derm/store/step_inputs.h"

struct derm_subject_coef {
    double young_age;              /* young-adult age, years */
    int systemic_on, menopause_on; /* ageing.systemic, ageing.menopause */
    int male;                      /* 1: constant estrogen, no menopause */
    double menopause_age_years, estrogen_postmenopause, estrogen_decline_years;
    double hrt_start_years, hrt_end_years, hrt_level; /* no therapy when end <= start */
    double male_estrogen;
    double estrogen_synthesis_weight; /* share of synthesis that depends on estrogen */
    double systemic_decline_per_year; /* fractional fall of systemic growth support */
    double immune_decline_years;      /* e-folding time of senescent-cell clearance */
    double stem_vigour_decline_years; /* e-folding time of progenitor vigour */
    double collagen_youth_excess;     /* extra collagen synthesis at birth */
    double elastin_youth_excess;      /* A of the elastin synthesis switch */
    double elastin_switch_years;      /* w of the elastin synthesis switch */
};

/** Estrogen level relative to the premenopausal female mean (male: constant). */
double derm_subject_estrogen(const struct derm_subject_coef *c, double age_years);

/** Factor on estrogen-dependent synthesis, 1 at the subject's own young-adult level:
 *  1 - w + w * E(age) / E(young). */
double derm_subject_estrogen_synthesis(const struct derm_subject_coef *c, double age_years);

/** Systemic growth support relative to the young adult (1 before). */
double derm_subject_systemic(const struct derm_subject_coef *c, double age_years);

/** Immune clearance of senescent cells relative to the young adult. */
double derm_subject_immune(const struct derm_subject_coef *c, double age_years);

/** Progenitor vigour relative to the young adult. */
double derm_subject_stem_vigour(const struct derm_subject_coef *c, double age_years);

/** Collagen synthesis of the growing dermis relative to the young-adult balance (1 after). */
double derm_subject_collagen_synthesis(const struct derm_subject_coef *c, double age_years);

/** Functional elastin synthesis relative to the young-adult balance: high in growth, ~0 in
 *  later adulthood. */
double derm_subject_elastin_synthesis(const struct derm_subject_coef *c, double age_years);

/** Write every subject factor at `age_years` into the step's inputs. */
void derm_subject_inputs(const struct derm_subject_coef *c, double age_years, struct derm_step_inputs *in);

#endif
