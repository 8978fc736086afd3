/* subject.h - the subject's systemic state as a function of age.
 *
 * Owns: estrogen (menopause, hormone therapy), systemic growth support (IGF-1 decline),
 * immune clearance of senescent cells, progenitor vigour and the developmental fall of
 * functional elastin synthesis. Pure functions of (params, age in years).
 * Does not: touch fields or cells.
 * Sources: menopause ~51 y and postmenopausal estradiol ~10-20 % of premenopausal;
 * collagen falls ~30 % in the 5 years after menopause (Brincat 1987); IGF-1 falls
 * ~10-15 % per decade; elastin synthesis negligible after ~30 y (Shapiro 1991).
 */
#ifndef DERM_SUBJECT_H
#define DERM_SUBJECT_H

#include "derm/io/params.h"

/** Estrogen level relative to the premenopausal female mean (male: constant). */
double derm_subject_estrogen(const struct derm_params *p, double age_years);

/** Factor on estrogen-dependent synthesis, 1 at the subject's own level at age 25:
 *  1 - w + w * E(age) / E(25), w = fibroblast.estrogen_synthesis_weight. */
double derm_subject_estrogen_synthesis(const struct derm_params *p, double age_years);

/** Systemic growth support relative to age 25 (1 before 25). */
double derm_subject_systemic(const struct derm_params *p, double age_years);

/** Immune clearance of senescent cells relative to age 25. */
double derm_subject_immune(const struct derm_params *p, double age_years);

/** Progenitor vigour relative to age 25. */
double derm_subject_stem_vigour(const struct derm_params *p, double age_years);

/** Functional elastin synthesis relative to age 25 (large before 25, ~0 after 40). */
double derm_subject_elastin_synthesis(const struct derm_params *p, double age_years);

/** Cellular ROS production factor from mitochondrial ageing, 1 at 25. */
double derm_subject_ros_ageing(const struct derm_params *p, double age_years);

#endif
