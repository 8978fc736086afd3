/* calibration.h - the homeostatic calibration: the young adult as a steady state.
 *
 * Owns: deriving, once at start-up and never during a run, the per-cell rates that the
 * parameters do not give directly, so that the configured young-adult state (matrix
 * densities, signal levels, cell density) is a steady state of the model:
 *  1. secretion per cell of every signal, so that each signal's domain mean equals its
 *     young level when every signal is at its reference (sources = decay);
 *  2. after the signals have settled: what young fibroblasts sense (sensed_ref), matrix
 *     synthesis per cell and depth layer so that deposition balances turnover, the
 *     division hazard (births balance losses at the reference density; unless given), and
 *     the progenitor niche (the initial pool is the logistic equilibrium).
 * Results go into struct derm_homeostasis (model/fibroblast.h); the measurements use a
 * young-adult step (derm_step_inputs_young) and local copies of coefficients, so no
 * coefficient is overwritten.
 * Does not: solve the signals (the sim layer does, between the two parts).
 */
#ifndef DERM_MODEL_CALIBRATION_H
#define DERM_MODEL_CALIBRATION_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/model/fibroblast.h"
#include "derm/model/matrix.h"
#include "derm/store/agents.h"

/** What the calibration needs beyond the mechanisms' own coefficients. */
struct derm_calibration_coef {
    double collagen_density;    /* young intact collagen, mg/mL */
    double elastin_density;     /* young functional elastin, mg/mL */
    double ha_density;          /* young HMW HA, mg/mL */
    double ha_fibroblast_share; /* share of HA synthesis made by fibroblasts */
    double division_per_day;    /* given division hazard, 1/day; 0 = derive it */
    double stem_differentiation_per_year, stem_self_renewal_per_year, stem_death_per_year;
};

/** Part 1. Every signal field must hold 1 and a->voxel be current; sets each agent's
 *  attachment from its local fragmented fraction and h->secretion_ref (decay_h: 1/h,
 *  level: young levels, per signal). DERM_ECONFIG when the domain holds no fibroblast. */
derm_status derm_calibration_secretion(const struct derm_grid *g, struct derm_agents *a,
                                       const struct derm_fibroblast_coef *c, const double *const *m,
                                       const double *const *sig, const double *decay_h, const double *level,
                                       struct derm_cell_rates *rates, struct derm_homeostasis *h, struct derm_err *err);

/** Part 2, with the signals at their quasi-steady state: h->sensed_ref, the per-layer
 *  synthesis references (written into the nz arrays collagen_ref_k, elastin_ref_k,
 *  ha_ref_k, which h then points to), h->division_h and h->stem_niche. density_ref_k:
 *  young fibroblasts per voxel by layer. */
void derm_calibration_synthesis(const struct derm_grid *g, struct derm_agents *a, const struct derm_fibroblast_coef *c,
                                const struct derm_matrix_coef *mc, const struct derm_calibration_coef *cc,
                                const double *density_ref_k, const double *const *m, const double *const *sig,
                                const double *level, struct derm_cell_rates *rates, double *collagen_ref_k,
                                double *elastin_ref_k, double *ha_ref_k, struct derm_homeostasis *h);

#endif
