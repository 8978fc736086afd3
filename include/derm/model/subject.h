/* subject.h - the subject's systemic state as a function of age.
 *
 * Owns: estrogen (menopause, hormone therapy), systemic growth support (IGF-1 decline),
 * immune clearance of senescent cells, progenitor vigour, the developmental fall of
 * functional elastin synthesis and mitochondrial ROS production, each relative to the
 * young-adult reference; derm_subject_inputs writes them into the step's inputs. Pure
 * functions of (coefficients, age in years).
 * Does not: touch fields or cells.
 * Sources: menopause ~51 y and postmenopausal estradiol ~10-20 % of premenopausal;
 * collagen falls ~30 % in the 5 years after menopause (Brincat 1987); IGF-1 falls
 * ~10-15 % per decade; elastin synthesis negligible after ~30 y (Shapiro 1991).
 */
#ifndef DERM_MODEL_SUBJECT_H
#define DERM_MODEL_SUBJECT_H

#include "derm/store/step_inputs.h"

struct derm_subject_coef {
    int male; /* 1: constant estrogen, no menopause */
    double menopause_age_years, estrogen_postmenopause, estrogen_decline_years;
    double hrt_start_years, hrt_end_years, hrt_level; /* no therapy when end <= start */
    double male_estrogen;
    double estrogen_synthesis_weight; /* share of synthesis that depends on estrogen */
    double systemic_decline_per_year; /* fractional fall of systemic growth support after 25 y */
    double immune_decline_years;      /* e-folding time of senescent-cell clearance after 25 y */
    double stem_vigour_decline_years; /* e-folding time of progenitor vigour after 25 y */
    double elastin_decline_years;     /* time constant of the fall of elastin synthesis */
    double ros_age_gain_per_year;     /* rise of cellular ROS production per year after 25 y */
};

/** Estrogen level relative to the premenopausal female mean (male: constant). */
double derm_subject_estrogen(const struct derm_subject_coef *c, double age_years);

/** Factor on estrogen-dependent synthesis, 1 at the subject's own level at age 25:
 *  1 - w + w * E(age) / E(25). */
double derm_subject_estrogen_synthesis(const struct derm_subject_coef *c, double age_years);

/** Systemic growth support relative to age 25 (1 before 25). */
double derm_subject_systemic(const struct derm_subject_coef *c, double age_years);

/** Immune clearance of senescent cells relative to age 25. */
double derm_subject_immune(const struct derm_subject_coef *c, double age_years);

/** Progenitor vigour relative to age 25. */
double derm_subject_stem_vigour(const struct derm_subject_coef *c, double age_years);

/** Functional elastin synthesis relative to age 25 (large before 25, ~0 after 40). */
double derm_subject_elastin_synthesis(const struct derm_subject_coef *c, double age_years);

/** Cellular ROS production factor from mitochondrial ageing, 1 at 25. */
double derm_subject_ros_ageing(const struct derm_subject_coef *c, double age_years);

/** Write every subject factor at `age_years` into the step's inputs. */
void derm_subject_inputs(const struct derm_subject_coef *c, double age_years, struct derm_step_inputs *in);

#endif
