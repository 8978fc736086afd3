/* progenitor.h - dermal stem/progenitor cells: death, self-renewal in a niche, and
 * asymmetric divisions that give rise to fresh fibroblasts.
 *
 * Owns: the per-step decisions of progenitor rows: death (a constant hazard), differentiation
 * (a daughter fibroblast; driven by growth factor, raised by exosomes, scaled by the
 * subject's progenitor vigour) and symmetric self-renewal damped logistically as the pool
 * fills its niche (stem_niche in struct derm_homeostasis). Dermal progenitors are ~1-3 % of
 * fibroblasts; their number and vigour fall with age (bone-marrow MSCs ~1/200 of a
 * newborn's in the ninth decade; BIOLOGY.md).
 * Does not: create the daughters (model/lifecycle.c) or decide for fibroblasts.
 */
#ifndef DERM_MODEL_PROGENITOR_H
#define DERM_MODEL_PROGENITOR_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/model/fibroblast.h"
#include "derm/store/agents.h"
#include "derm/store/step_inputs.h"

/** Constant progenitor coefficients (per hour, at young vigour). */
struct derm_progenitor_coef {
    double differentiation_h; /* asymmetric divisions yielding a fibroblast */
    double self_renewal_h;    /* symmetric self-renewal with an empty niche */
    double death_h;           /* loss (death, exhaustion) */
    double gf_half;           /* growth factor of half-maximal stimulus (au) */
    double exo_gain;          /* rise of differentiation x (1 + g x/(1+x)) with exosome level x */
};

/** Decide every progenitor row over dt_h: sets a->die, or a->divide = 2 (a fibroblast
 *  daughter) or 1 (a progenitor daughter). Fibroblast rows are left untouched. sensed: the
 *  signals per agent row (struct derm_cell_sensed, model/fibroblast.h). */
void derm_progenitor_decide(struct derm_agents *a, const struct derm_progenitor_coef *c,
                            const struct derm_homeostasis *h, const struct derm_step_inputs *in,
                            const derm_real *const *sensed, uint64_t seed, int64_t step, double dt_h);

/** Number of live progenitor rows. */
int64_t derm_progenitor_count(const struct derm_agents *a);

#endif
