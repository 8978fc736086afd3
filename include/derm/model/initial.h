/* initial.h - the initial state of a run: cells and matrix of a young adult.
 *
 * Owns: placing the initial fibroblasts layer by layer at the reference density (uniform
 * within a layer, counts rounded stochastically), their division counts and lineage damage,
 * their states drawn from the young-adult mix (senescent at the balance of senescence and
 * clearance, activated at the balance of activation and deactivation), then the
 * progenitors; and the young-adult steady state of every matrix pool. Randomness keyed by
 * agent id (and by layer for the counts).
 * Does not: calibrate rates (model/calibration.c) or settle the signals (the sim layer).
 */
#ifndef DERM_MODEL_INITIAL_H
#define DERM_MODEL_INITIAL_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/model/matrix.h"
#include "derm/model/subject.h"
#include "derm/store/agents.h"

struct derm_initial_coef {
    uint64_t seed;
    double age_start_years;
    double activation_per_day, deactivation_per_day; /* activated share of live cells */
    int64_t initial_divisions_max;                   /* uniform 0..max divisions (donor history) */
    double damage_per_year;                          /* lineage damage at young ROS, au/year */
    double senescence_per_year;                      /* at damage 1 */
    double clearance_per_year;                       /* clearance of senescent cells at the start age */
    double stem_fraction;                            /* progenitors per fibroblast */
    /* matrix */
    double collagen_density, elastin_density, ha_density; /* mg/mL */
    double age_per_collagen;                              /* pmol/mg */
    double elastin_age_form_per_year;                     /* AGE on elastin at reference glucose */
    double elastin_age_young_per_mg;                      /* the young-adult AGE load of elastin, pmol/mg */
    double elastin_half_life_years;
    double glucose_ratio; /* baseline glucose / reference */
};

/** Append the initial fibroblasts (density_ref_k: per voxel, by layer) and progenitors. */
derm_status derm_initial_cells(const struct derm_grid *g, struct derm_agents *a, const struct derm_initial_coef *c,
                               const double *density_ref_k, struct derm_err *err);

/** Young-adult steady state of every matrix pool in every voxel (m: matrix arrays). */
void derm_initial_matrix(const struct derm_grid *g, derm_real *const *m, const struct derm_initial_coef *c,
                         const struct derm_matrix_coef *mc);

/** A developing dermis at age a0 (below the young-adult age): collagen and functional
 *  elastin scaled to the amounts from which the subject's developmental synthesis
 *  (derm_subject_collagen_synthesis, derm_subject_elastin_synthesis) against the pools'
 *  turnover reaches the young-adult state at the young-adult age, and AGE loads that grow
 *  in proportion to age (Sell & Monnier 1990: ~linear early). m must hold the young-adult
 *  state. */
void derm_initial_develop(const struct derm_grid *g, derm_real *const *m, const struct derm_initial_coef *c,
                          const struct derm_matrix_coef *mc, const struct derm_subject_coef *sc, double a0);

#endif
