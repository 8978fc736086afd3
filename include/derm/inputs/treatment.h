/* treatment.h - what scheduled treatments put into the tissue.
 *
 * Owns: the depth profile of a dose by route (intradermal Gaussian at depth_um +- spread_um,
 * topical exp(-z / penetration_um), uniform over the needled depth while microneedling
 * channels are open, systemic uniform), the sources it adds (each unit dose raises its
 * signal by treatment.*_level over a column of treatment.column_um; exosomes, PRP-like
 * growth-factor cocktails, conditioned medium as both; microneedling's own response is the
 * wound it makes, model/wound.h),
 * and the exosome source mix still present with the effect emphasis of that mix
 * (exosome_source.* presets, 1 = generic MSC exosome; qualitative, from the reviews
 * behind BIOLOGY.md: adipose exosomes raise type I collagen and lower MMP-1/-3 in photoaged
 * skin (Liang 2020; Hu 2019), umbilical-cord exosomes are the most regenerative (Zhang
 * 2015), bone-marrow the most immunomodulatory, dental-pulp anti-oxidative and
 * anti-senescent, amnion anti-inflammatory).
 * Does not: integrate the schedule (schedule.c) or act on cells (model/fibroblast.c reads
 * the emphasis through the step inputs).
 */
#ifndef DERM_INPUTS_TREATMENT_H
#define DERM_INPUTS_TREATMENT_H

#include "derm/core/grid.h"
#include "derm/inputs/schedule.h"
#include "derm/store/step_inputs.h"

struct derm_treatment_coef {
    double column_um;                                    /* column that normalises a dose, um */
    double exosome_level;                                /* exosome level over the column per unit dose, au */
    double gf_level, gf_tgfb_level;                      /* growth factor and TGF-beta per unit cocktail dose, au */
    double cm_exosome_share;                             /* conditioned medium: share acting as exosomes */
    double topical_intact_fraction;                      /* share of a topical dose crossing intact skin */
    double exosome_decay_h;                              /* decay rate of the exosome signal, 1/h (ages the mix) */
    double presets[DERM_SOURCE_COUNT][DERM_EXO_NEFFECT]; /* emphasis by source and effect */
};

/** Emphasis of a mix (DERM_SOURCE_COUNT amounts by source still present): the
 *  amount-weighted mean of the presets; generic when the mix is empty. */
void derm_treatment_mix_emphasis(const struct derm_treatment_coef *c, const double *mix, double *mult);

/** Age the exosome mix over dt_h with the exosome signal's decay. */
void derm_treatment_decay_mix(const struct derm_treatment_coef *c, double dt_h, double *mix);

/** Depth weights (nz entries, per um) of a treatment entry's dose: sum w_k h is the share
 *  of the dose inside the block (1, or less when the profile reaches below the block: an
 *  injection's normal profile, normalised over the tissue below the surface, what reaches
 *  the skin surface reflected back in; a topical product's exponential; open channels deeper
 *  than the block). `open_depth_um` > 0 gives the uniform profile of a topical product
 *  through open microneedling channels. A systemic dose is uniform in the block (sum 1).
 *  Returns that share (the profile's mass in the block over its normalisation). */
double derm_treatment_profile(const struct derm_grid *g, const struct derm_schedule_entry *e, double open_depth_um,
                              double *w_k);

/** Add the step's treatment sources (au/h) to the signal sources `src` from x->dose; `mix`
 *  receives the exosome amounts added by source; `delivered` (DERM_IN_COUNT entries, or
 *  NULL) receives, per input, the doses that reached the simulated dermis (au: a topical
 *  dose on intact skin x treatment.topical_intact_fraction, through open channels all of it,
 *  each times the share of its depth profile inside the block); w_k: nz scratch. */
void derm_treatment_add_sources(const struct derm_grid *g, const struct derm_treatment_coef *c,
                                const struct derm_schedule *s, const struct derm_exposure *x, double dt_h,
                                derm_real *const *src, double *mix, double *delivered, double *w_k);

#endif
