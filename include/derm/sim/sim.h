/* sim.h - the one owning simulation object and its step loop.
 *
 * Owns: struct derm_sim (grid, fields, agents, bins, cell rates, solver, derived
 * constants, the integer step counter; t = step * dt, never an accumulated float),
 * creation of the young-adult homeostatic initial state, the step (read top to bottom
 * in derm_sim_step), and the scalar totals written to the output.
 * Does not: read files, write files, parse arguments or print (main.c and io.c do).
 *
 * Homeostatic calibration: per-cell synthesis and secretion rates are DERIVED so that
 * the young-adult state (the matrix densities, signal levels and cell density given in
 * the parameters) is a steady state at age 25; ageing then emerges from the age-dependent
 * inputs (estrogen, systemic growth support, immune clearance, progenitor vigour,
 * mitochondrial ROS) and from the feedbacks (damage, senescence, fragmentation).
 */
#ifndef DERM_SIM_H
#define DERM_SIM_H

#include <stdint.h>

#include "derm/store/agents.h"
#include "derm/model/fibroblast.h"
#include "derm/model/coupling.h"
#include "derm/solve/diffusion.h"
#include "derm/model/matrix.h"
#include "derm/inputs/exposure.h"
#include "derm/store/fields.h"
#include "derm/core/grid.h"
#include "derm/io/params.h"
#include "derm/core/status.h"
#include "derm/sim/totals.h"

struct derm_sim {
    struct derm_params p;
    struct derm_grid grid;
    struct derm_fields f;
    struct derm_agents a;
    struct derm_bins bins;
    struct derm_cell_rates rates;
    struct derm_diffusion *diff;
    struct derm_ecm_coef ecm;
    struct derm_cell_coef cell;
    int64_t step;   /* completed steps */
    double dt_h;    /* step length, h */
    int64_t nsteps; /* steps to reach age_end */
    /* per-layer young references (nz each) */
    double *density_ref_k; /* fibroblasts per voxel */
    double *collagen_ref_k, *elastin_ref_k, *ha_ref_k;
    /* scratch (grid.n each) */
    double *src[DERM_NSIGNAL];
    double *dep_collagen, *dep_elastin, *dep_ha, *crowd, *tmp1, *tmp2;
    int crowd_radius;    /* voxels */
    /* bookkeeping for totals */
    struct derm_ecm_flux last_flux;
    double young_matrix[3]; /* domain-mean collagen total, HA total, fibroblast density at start */
    int64_t births, deaths;
    /* scheduled exposures and treatments (schedule.h, exposure.h) */
    struct derm_exposure expo;      /* delivered over the last step */
    double *uvb_k, *uva_k, *uv_k;   /* SED reaching each layer in the last step (nz each) */
    double *ros_ex_k, *w_k;         /* ROS excess to hold per layer; profile scratch (nz each) */
    double *uv_ap1_k;               /* direct UV drive of AP-1 per layer over the last step (nz) */
    double *dep_elastotic;          /* UVA elastosis deposition, mg/mL/h (grid.n) */
    double exo_mix[DERM_SOURCE_COUNT]; /* exosome amounts by source still present (au) */
    double cum_dose[DERM_IN_COUNT]; /* cumulative delivered amount per input (see totals) */
    double cum_uv_unprotected;      /* cumulative surface UV before sunscreen, SED */
    double glucose_mM;              /* plasma glucose over the last step */
};

/** Build the initial state from validated parameters. */
derm_status derm_sim_create(struct derm_sim **out, const struct derm_params *p, struct derm_err *err);
void derm_sim_free(struct derm_sim *s);

/** Subject age (years) after `step` steps. */
double derm_sim_age(const struct derm_sim *s, int64_t step);

/** Advance one step. */
derm_status derm_sim_step(struct derm_sim *s, struct derm_err *err);

/** Current totals, DERM_NTOTALS values in totals.h order; thread-count independent. */
void derm_sim_totals(const struct derm_sim *s, double *out);

#endif
