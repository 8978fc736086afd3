/* fibroblast.h - what a fibroblast decides and secretes, from its local environment.
 *
 * Owns:
 *  - attachment to intact collagen a = 1 / (1 + (f / f50)^n), f = local fragmented fraction;
 *    collapsed cells make less collagen, more MMP-1, divide less (Varani 2001/2006, Fligiel
 *    2003, Fisher 2009; VALIDATION C6);
 *  - the per-cell linear states, each relaxed exactly over the step: AP-1 following sensed
 *    ROS above the young level and direct UV signalling with a lag; the AP-1 level the cell
 *    has adapted to; TGF-beta receptor loss while acute AP-1 exceeds a threshold (Quan 2004);
 *    exosome cargo taken up and wearing off;
 *  - DNA damage accumulating with sensed ROS, UV and divisions; senescence (hazard ~
 *    damage^2, or the replicative limit) with a SASP (MMP-1, MMP-3, IL, ROS up; synthesis
 *    down); apoptosis rising with damage and RAGE; immune clearance of senescent cells;
 *  - activation by growth factor and division driven by it, contact-inhibited;
 *  - synthesis of collagen (TGF-beta responsive, estrogen dependent, inhibited by IL, ROS and
 *    AP-1), elastin and HA, and secretion of every signal.
 * Kernels write only their own agent's row and intent flags; events come from each cell's
 * own exact event clocks, keyed by (seed, lineage key, the clock's kind and its count of
 * events) and never by the step (store/agents.h). Constant coefficients come in struct
 * derm_fibroblast_coef, the young-adult references derived at start-up in struct
 * derm_homeostasis (model/calibration.h), what changes per step in struct
 * derm_step_inputs.
 * Does not: touch fields (model/coupling.c deposits what cells report), move cells
 * (model/motility.c), apply births and deaths (model/lifecycle.c), or decide for
 * progenitors (model/progenitor.c).
 */
#ifndef DERM_MODEL_FIBROBLAST_H
#define DERM_MODEL_FIBROBLAST_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/store/agents.h"
#include "derm/store/fields.h"
#include "derm/store/step_inputs.h"

/* Per-agent outputs of derm_fibroblast_secrete, each an array of agent capacity. */
struct derm_cell_rates {
    double *signal[DERM_NSIGNAL]; /* au/h added to the agent's voxel */
    double *collagen;             /* mg/mL/h deposited (before spreading) */
    double *elastin;              /* mg/mL/h */
    double *ha;                   /* mg/mL/h */
    int64_t cap;
};

/** Constant rule coefficients (hazards per hour), built once from the parameters. */
struct derm_fibroblast_coef {
    double voxel_ml;           /* voxel volume, mL */
    double gf_autocrine_share; /* 1 - systemic share of growth factor */
    /* hazards, 1/h */
    double apoptosis_h, damage_h, damage_apoptosis_gain, senescence_h;
    double clearance_h; /* immune clearance of senescent cells at young immunity */
    double activation_h, deactivation_h, quiescent_division_factor, crowding_factor;
    int64_t replicative_limit;
    /* responses */
    double gf_half, tgfb_half, activated_synthesis, senescent_synthesis, il_inhibition, ros_inhibition;
    double collapse_half, collapse_hill, collapse_synthesis_loss, collapse_mmp1_gain, collapse_division_loss;
    double sasp_mmp1, sasp_mmp3, sasp_il, sasp_ros, il_mmp_gain, ros_mmp_gain, activated_tgfb, ros_damage_gain;
    /* UV and AP-1 (uv.*) */
    double ap1_time_h, ap1_adapt_h, ap1_threshold, tgfbr_loss_h, tgfbr_recovery_h;
    double procollagen_threshold, procollagen_inhibition, ha_inhibition, uv_damage_per_sed;
    double uv_chronic_share; /* weight of adapted UV-driven AP-1 in MMP induction */
    /* glycation through RAGE: X = AGE per collagen, excess = max(X/age_young - 1, 0) */
    double age_young, rage_ros, rage_apoptosis, rage_synthesis, rage_proliferation;
    /* exosome cargo (treatment.*): effect e relaxes to uptake x tau x level; s = e/(1+e)
     * scales every effect, each weighted by the source mix (derm_step_inputs.exo_mult) */
    double exo_uptake_h, exo_effect_h, exo_syn_gain, exo_mmp_inh, exo_il_inh, exo_repair_h;
};

/** The young-adult references derived at start-up (model/calibration.c), so that the
 *  configured young state is a steady state. */
struct derm_homeostasis {
    double secretion_ref[DERM_NSIGNAL]; /* au/h per cell at modifier 1 */
    double sensed_ref[DERM_NSIGNAL];    /* mean level sensed by young fibroblasts (au); responses
                                           use level / sensed_ref, so a young cell senses 1 */
    const double *collagen_ref_k;       /* synthesis per cell at modifier 1, mg/mL/h, per layer (nz) */
    const double *elastin_ref_k;
    const double *ha_ref_k;
    double ros_own_ref; /* mean ROS production factor of young fibroblasts */
    double division_h;  /* division hazard of an activated cell, 1/h */
    double stem_niche;  /* progenitor niche capacity (cells) */
};

derm_status derm_cell_rates_reserve(struct derm_cell_rates *r, int64_t cap, struct derm_err *err);
void derm_cell_rates_fini(struct derm_cell_rates *r);

/** What each agent row senses: signal[s][r] is signal s at the voxel of row r. The caller
 *  makes the values the rules read (DERM_CELLS_SENSE; every signal for the calibration)
 *  after the agents were binned and before a row is added or removed: a field's value at
 *  the voxel, or a lazy signal's there (solve/signal_grids.h). The rules read them in row
 *  order, not scattered over the voxel grid. */
struct derm_cell_sensed {
    derm_real *signal[DERM_NSIGNAL];
    int64_t cap;
};

/** Room for cap rows in every signal's array (contents of new rows undefined). */
derm_status derm_cell_sensed_reserve(struct derm_cell_sensed *s, int64_t cap, struct derm_err *err);
void derm_cell_sensed_fini(struct derm_cell_sensed *s);

/** ROS production of fibroblast row r relative to a young quiescent undamaged cell: SASP,
 *  dysfunctional mitochondria with damage, the subject's ROS factor and RAGE. */
double derm_fibroblast_ros_factor(const struct derm_fibroblast_coef *c, const struct derm_step_inputs *in,
                                  const struct derm_agents *a, int64_t r, const derm_real *const *m);

/** ROS a fibroblast senses, 1 for a young cell: its own production relative to young cells
 *  (ROS acts within micrometres of where it is made, so a cell senses its own, not its voxel
 *  neighbours') plus the exposure excess of its layer (UV, smoking, pollution). */
double derm_fibroblast_ros_sensed(const struct derm_fibroblast_coef *c, const struct derm_homeostasis *h,
                                  const struct derm_step_inputs *in, const struct derm_agents *a, int64_t r,
                                  const derm_real *const *m, int64_t nxy);

/** Attachment to intact collagen for a local fragmented fraction f. */
double derm_fibroblast_attachment(const struct derm_fibroblast_coef *c, double frag_fraction);

/** The signals the cell rules read, each at its cell's voxel (derm_fibroblast_decide,
 *  derm_fibroblast_secrete, derm_progenitor_decide), one bit per signal id: the step makes
 *  these current in its struct derm_cell_sensed (sim/sim.c, sense); test_fibroblast checks
 *  that the rules read no other signal. */
#define DERM_CELLS_SENSE ((1u << DERM_S_TGFB) | (1u << DERM_S_IL) | (1u << DERM_S_GF) | (1u << DERM_S_EXOSOME))

/** Decide state changes, deaths and divisions of every fibroblast over dt_h; updates damage,
 *  state, attachment and the per-cell linear states; sets a->die / a->divide. sensed: the
 *  signals per agent row (struct derm_cell_sensed's arrays). crowd: local fibroblast
 *  density relative to the young layer density at each agent row's voxel, per row
 *  (derm_coupling_crowding_cells). Progenitor rows are left to
 *  derm_progenitor_decide. */
void derm_fibroblast_decide(const struct derm_grid *g, struct derm_agents *a, const struct derm_fibroblast_coef *c,
                            const struct derm_homeostasis *h, const struct derm_step_inputs *in,
                            const derm_real *const *m, const derm_real *const *sensed, const derm_real *crowd,
                            uint64_t seed, int64_t step, double dt_h);

/** Each agent's secretion and synthesis for its current state and environment into r (zero
 *  for progenitors and dead cells), and the phenotype output columns (collagen_synthesis in
 *  pg/h, mmp1_secretion). sensed: the signals per agent row (struct derm_cell_sensed). */
void derm_fibroblast_secrete(const struct derm_grid *g, struct derm_agents *a, const struct derm_fibroblast_coef *c,
                             const struct derm_homeostasis *h, const struct derm_step_inputs *in,
                             const derm_real *const *m, const derm_real *const *sensed, struct derm_cell_rates *r);

#endif
