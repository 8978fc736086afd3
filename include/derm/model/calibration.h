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

/** What one young fibroblast makes on average, measured with every signal at its reference
 *  (secretion of each signal with all growth factor made locally; synthesis with unit
 *  layer references). A sum of n such samples when accumulated. */
struct derm_calibration_mean {
    double signal[DERM_NSIGNAL];
    double collagen, elastin, ha;
    double n; /* samples */
};

/** One sample of the present population (a->voxel, attachment and AP-1 current); ones:
 *  DERM_NSIGNAL pointers to arrays of a->n ones (every signal at its reference, per agent
 *  row). DERM_ENOMEM if its nz layer references
 *  cannot be allocated. */
derm_status derm_calibration_measure(const struct derm_grid *g, struct derm_agents *a,
                                     const struct derm_fibroblast_coef *c, const derm_real *const *m,
                                     const derm_real *const *ones, struct derm_cell_rates *rates,
                                     struct derm_calibration_mean *out, struct derm_err *err);

/** sum += x (one more sample). */
void derm_calibration_accumulate(struct derm_calibration_mean *sum, const struct derm_calibration_mean *x);

/** Part 1. Sets each agent's attachment from its local fragmented fraction, each
 *  fibroblast's AP-1 at its steady state for its own ROS, h->ros_own_ref and
 *  h->secretion_ref, so that every signal's mean equals its young level for a population
 *  making what `avg` says a young cell makes on average (NULL: the present population), and
 *  *now (the present population's sample). DERM_ECONFIG when the domain holds no fibroblast. */
derm_status derm_calibration_secretion(const struct derm_grid *g, struct derm_agents *a,
                                       const struct derm_fibroblast_coef *c, const derm_real *const *m,
                                       const derm_real *const *ones, const double *decay_h, const double *level,
                                       const struct derm_calibration_mean *avg, struct derm_cell_rates *rates,
                                       struct derm_homeostasis *h, struct derm_calibration_mean *now,
                                       struct derm_err *err);

/** Part 2, with the signals at their quasi-steady state: h->sensed_ref, the per-layer
 *  synthesis references (written into the nz arrays collagen_ref_k, elastin_ref_k,
 *  ha_ref_k, which h then points to), h->division_h and h->stem_niche, each for the
 *  expected composition of the population (avg against now; NULL: as it is). density_ref_k:
 *  young fibroblasts per voxel by layer; crowd: local density relative to it, per agent row;
 *  sensed: every signal per agent row (struct derm_cell_sensed, model/fibroblast.h). */
void derm_calibration_synthesis(const struct derm_grid *g, struct derm_agents *a, const struct derm_fibroblast_coef *c,
                                const struct derm_matrix_coef *mc, const struct derm_calibration_coef *cc,
                                const double *density_ref_k, const derm_real *crowd, const derm_real *const *m,
                                const derm_real *const *sensed, const double *level,
                                const struct derm_calibration_mean *avg, const struct derm_calibration_mean *now,
                                struct derm_cell_rates *rates, double *collagen_ref_k, double *elastin_ref_k,
                                double *ha_ref_k, struct derm_homeostasis *h);

/** The division hazard of an activated cell (1/h) such that births balance losses for the
 *  population as it is (each cell's growth-factor response and attachment; the activation
 *  share at its balance) brought to the young-adult density: each cell's crowding is
 *  multiplied by density_scale (young-adult over present fibroblast number,
 *  derm_calibration_density_scale; 1 = the population as it is) and the progenitor inflow
 *  divided by it, so a population that drifted by chance is calibrated to return to the
 *  young density rather than to stay where it drifted. cc->division_per_day when given. gf:
 *  the growth factor per agent row (struct derm_cell_sensed); crowd: per agent row (at its
 *  voxel: derm_coupling_crowding_cells). */
double derm_calibration_division(const struct derm_agents *a, const struct derm_fibroblast_coef *c,
                                 const struct derm_calibration_coef *cc, const struct derm_homeostasis *h,
                                 const derm_real *gf, const derm_real *crowd, double density_scale);

/** Young-adult fibroblast number of the block (density_ref_k, cells per voxel per layer,
 *  times the voxels of each layer) over the present number; 1 when there are none. */
double derm_calibration_density_scale(const struct derm_grid *g, const struct derm_agents *a,
                                      const double *density_ref_k);

#endif
