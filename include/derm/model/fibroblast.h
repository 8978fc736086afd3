/* cells.h - fibroblast and progenitor rules: decisions, secretion, motility, births/deaths.
 *
 * Owns: the phenotype of each cell from its local environment:
 *  - attachment to intact collagen a = 1 / (1 + (f / f50)^n), f = local fragmented fraction;
 *    collapsed cells make less collagen, more MMP-1, divide less (Varani 2001/2006, Fligiel
 *    2003, Fisher 2009; VALIDATION C6);
 *  - DNA damage accumulating with local ROS and divisions; senescence (hazard ~ damage^2,
 *    or replicative limit) with a SASP (MMP-1, MMP-3, IL, ROS up; synthesis down);
 *    apoptosis rising with damage; immune clearance of senescent cells declining with age;
 *  - activation by growth factor, division driven by growth factor, contact-inhibited and
 *    limited by replicative age; progenitors that self-renew in a niche, decline in vigour
 *    with age and give rise to new fibroblasts;
 *  - synthesis of collagen (TGF-beta responsive, estrogen dependent, inhibited by IL and
 *    ROS), elastin and HA, and secretion of every signal;
 *  - random motility (Brownian increments with D = v^2 tau / 3, slower in dense matrix)
 *    plus chemotaxis up the chemokine gradient; exact for any step in uniform fields.
 * Kernels write only their own agent's row and intent flags; randomness is keyed by
 * (seed, agent id, step, purpose). Births and deaths are applied in one serial phase in
 * a fixed order (births in row order, then deaths in descending row order).
 * Does not: touch fields directly (coupling.c deposits what cells report).
 */
#ifndef DERM_CELLS_H
#define DERM_CELLS_H

#include <stdint.h>

#include "derm/store/agents.h"
#include "derm/store/fields.h"
#include "derm/core/grid.h"
#include "derm/core/status.h"

/* Per-agent outputs of derm_cells_secrete, each an array of agent capacity. */
struct derm_cell_rates {
    double *signal[DERM_NSIGNAL]; /* au/h added to the agent's voxel */
    double *collagen;             /* mg/mL/h deposited (before spreading) */
    double *elastin;              /* mg/mL/h */
    double *ha;                   /* mg/mL/h */
    int64_t cap;
};

/** Rule constants. Members marked (age) are refreshed by sim.c every step. */
struct derm_cell_coef {
    /* synthesis per cell, mg/mL/h in its voxel, per depth layer (young reference / mean
     * modifier); arrays of nz */
    const double *collagen_ref_k, *elastin_ref_k, *ha_ref_k;
    double voxel_ml;                    /* voxel volume, mL */
    double secretion_ref[DERM_NSIGNAL]; /* au/h per cell at modifier 1 */
    double sensed_ref[DERM_NSIGNAL];    /* mean level sensed by young fibroblasts at homeostasis
                                           (au); responses use level / sensed_ref, so a young
                                           cell senses 1 even for local signals such as ROS */
    double gf_autocrine_share;          /* 1 - systemic share */
    /* hazards, 1/h */
    double apoptosis_h, damage_h, damage_per_division, damage_apoptosis_gain;
    double senescence_h, clearance_h /* (age) */, activation_h, deactivation_h;
    double division_h, quiescent_division_factor, crowding_factor;
    int64_t replicative_limit;
    /* responses */
    double gf_half, tgfb_half, activated_synthesis, senescent_synthesis;
    double estrogen_synthesis /* (age) */, il_inhibition, ros_inhibition;
    double collapse_half, collapse_hill, collapse_synthesis_loss, collapse_mmp1_gain;
    double collapse_division_loss, attached_area_young;
    double sasp_mmp1, sasp_mmp3, sasp_il, sasp_ros, il_mmp_gain, ros_mmp_gain, activated_tgfb;
    double ros_damage_gain, ros_ageing /* (age) */, elastin_synthesis /* (age) */;
    /* motility: um^2/h */
    double motility_quiescent, motility_activated, matrix_hindrance, matrix_ref, chemotaxis;
    double daughter_spread_um; /* s.d. per axis of a daughter's offset from its parent */
    /* progenitors, 1/h */
    double stem_differentiation_h /* (age) */, stem_self_renewal_h /* (age) */, stem_death_h;
    double stem_niche;    /* niche capacity (cells) */
    int64_t stem_count;   /* (step) current progenitor count */
    /* UV and AP-1 (uv.*): AP-1 follows sensed ROS excess with a lag; above a threshold it
     * removes TGF-beta receptors and represses procollagen and HA synthesis */
    const double *uv_dose_k; /* (step) SED reaching each depth layer in this step, nz entries; NULL = none */
    const double *uv_ap1_k;  /* (step) direct UV drive of AP-1 per layer (au), nz entries; NULL = none */
    double ap1_time_h, ap1_adapt_h, ap1_threshold, tgfbr_loss_h, tgfbr_recovery_h;
    double procollagen_threshold, procollagen_inhibition, ha_inhibition, uv_damage_per_sed;
    /* glycation through RAGE: X = AGE per collagen, excess = max(X/age_young - 1, 0) */
    double age_young, rage_ros, rage_apoptosis;
    /* exosomes (treatment.*): effect e relaxes to uptake x tau x level; s = e/(1+e) scales
     * every effect, each multiplied by the current source mix (exo_mult) */
    double exo_uptake_h, exo_effect_h, exo_syn_gain, exo_mmp_inh, exo_il_inh, exo_repair_h, exo_progenitor_gain;
    double exo_mult[5]; /* (step) synthesis, MMP, IL/SASP, repair, progenitor emphasis of the mix */
};

derm_status derm_cell_rates_reserve(struct derm_cell_rates *r, int64_t cap, struct derm_err *err);
void derm_cell_rates_fini(struct derm_cell_rates *r);

/** Attachment to intact collagen for a local fragmented fraction f. */
double derm_cells_attachment(const struct derm_cell_coef *c, double frag_fraction);

/** Decide state changes, deaths and divisions of every agent over dt_h; updates damage,
 *  state, attachment; sets a->die / a->divide (1: same-type daughter, 2: fibroblast
 *  daughter of a progenitor). crowd: local fibroblast density relative to the young
 *  layer density, per voxel. */
void derm_cells_decide(const struct derm_grid *g, struct derm_agents *a, const struct derm_cell_coef *c,
                       const double *const *m, const double *const *sig, const double *crowd,
                       uint64_t seed, int64_t step, double dt_h);

/** Compute each agent's secretion and synthesis for its current state and environment
 *  into r, and the phenotype output columns (collagen_synthesis in pg/h, mmp1_secretion). */
void derm_cells_secrete(const struct derm_grid *g, struct derm_agents *a, const struct derm_cell_coef *c,
                        const double *const *m, const double *const *sig, struct derm_cell_rates *r);

/** Move agents: random motility plus chemotaxis on the chemokine field; periodic in x/y,
 *  reflecting at the z faces. */
void derm_cells_move(const struct derm_grid *g, struct derm_agents *a, const struct derm_cell_coef *c,
                     const double *const *m, const double *chemokine, uint64_t seed, int64_t step,
                     double dt_h);

/** Apply births (row order) then deaths (descending rows). Returns counts via out-params. */
derm_status derm_cells_apply(const struct derm_grid *g, struct derm_agents *a, const struct derm_cell_coef *c,
                             uint64_t seed, int64_t step, int64_t *births, int64_t *deaths,
                             struct derm_err *err);

#endif
