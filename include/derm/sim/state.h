/* state.h - the persistent state of a simulation: what a checkpoint holds.
 *
 * Owns: the one list of the members of struct derm_sim that change from step to step or are
 * calibrated at creation (DERM_SIM_STATE below, plus every field of the field registry, every
 * agent column of DERM_AGENT_COLUMNS and the agents' other per-row arrays: event clocks and
 * their counts, random-walk state and window, voxel), saving them with io/checkpoint.h and
 * restoring them into a simulation freshly made by derm_sim_create from the same
 * configuration. Everything else in struct derm_sim (coefficients, grid, scratch, the
 * current step's inputs, which every step recomputes before use) is rebuilt identically by
 * derm_sim_create (checked by tests/unit/test_state.c), so a restored simulation continues
 * bit for bit as the one that wrote the checkpoint.
 * Random numbers need no generator state: they are a pure function of (seed, the agent's
 * lineage key, its event count or the step, purpose); the event clocks and walk state drawn
 * from them are per-row arrays of the table.
 * Adding a member of struct derm_sim that carries over between steps = one line of
 * DERM_SIM_STATE (a new member of struct derm_homeostasis or a per-row array of struct
 * derm_agents fails a static assertion in state.c until it is listed).
 * Does not: name files or know the output (app/ adds the output positions).
 */
#ifndef DERM_SIM_STATE_H
#define DERM_SIM_STATE_H

#include "derm/io/checkpoint.h"
#include "derm/sim/sim.h"

/* X(name, type, count, pointer): plain members of struct derm_sim `s` (structs of doubles
 * are saved whole: see the static assertions in state.c). Besides what changes from step to
 * step, the table holds what derm_sim_create derives by calibration (homeostatic and
 * per-layer young references, young-adult matrix sums, the model's first age and first
 * written step): a restore puts back the values the run used, so a resumed run does not
 * rely on the calibration being rebuilt bit for bit. */
#define DERM_SIM_STATE(X)                                                                        \
    X("step", DERM_CKPT_I64, 1, &s->step)                                                        \
    X("births", DERM_CKPT_I64, 1, &s->births)                                                    \
    X("deaths", DERM_CKPT_I64, 1, &s->deaths)                                                    \
    X("age0", DERM_CKPT_F64, 1, &s->age0)                                                        \
    X("out_step0", DERM_CKPT_I64, 1, &s->out_step0)                                              \
    X("glucose_mM", DERM_CKPT_F64, 1, &s->glucose_mM)                                            \
    X("photoadaptation", DERM_CKPT_F64, 1, &s->photoadaptation)                                  \
    X("exo_mix", DERM_CKPT_F64, DERM_SOURCE_COUNT, s->exo_mix)                                   \
    X("exo_mult", DERM_CKPT_F64, DERM_EXO_NEFFECT, s->exo_mult)                                  \
    X("cum", DERM_CKPT_F64, sizeof s->cum / sizeof(double), (double *)&s->cum)                   \
    X("last_flux", DERM_CKPT_F64, sizeof s->last_flux / sizeof(double), (double *)&s->last_flux) \
    X("cum_flux", DERM_CKPT_F64, sizeof s->cum_flux / sizeof(double), (double *)&s->cum_flux)    \
    X("young_matrix", DERM_CKPT_F64, DERM_NMATRIX, s->young_matrix)                              \
    X("young_profile", DERM_CKPT_F64, DERM_NMATRIX * s->grid.nz, s->young_profile)               \
    X("firm", DERM_CKPT_F64, sizeof s->firm / sizeof(double), (double *)&s->firm)                \
    X("h.secretion_ref", DERM_CKPT_F64, DERM_NSIGNAL, s->h.secretion_ref)                        \
    X("h.sensed_ref", DERM_CKPT_F64, DERM_NSIGNAL, s->h.sensed_ref)                              \
    X("h.ros_own_ref", DERM_CKPT_F64, 1, &s->h.ros_own_ref)                                      \
    X("h.division_h", DERM_CKPT_F64, 1, &s->h.division_h)                                        \
    X("h.stem_niche", DERM_CKPT_F64, 1, &s->h.stem_niche)                                        \
    X("density_ref_k", DERM_CKPT_F64, s->grid.nz, s->density_ref_k)                              \
    X("collagen_ref_k", DERM_CKPT_F64, s->grid.nz, s->collagen_ref_k)                            \
    X("elastin_ref_k", DERM_CKPT_F64, s->grid.nz, s->elastin_ref_k)                              \
    X("ha_ref_k", DERM_CKPT_F64, s->grid.nz, s->ha_ref_k)                                        \
    X("cal_avg", DERM_CKPT_F64, sizeof s->cal_avg / sizeof(double), (double *)&s->cal_avg)       \
    X("cal_now", DERM_CKPT_F64, sizeof s->cal_now / sizeof(double), (double *)&s->cal_now)       \
    X("wound.open", DERM_CKPT_F64, s->grid.nz, s->wound.open)                                    \
    X("wound.repair", DERM_CKPT_F64, s->grid.nz, s->wound.repair)                                \
    X("wound.fill_collagen", DERM_CKPT_F64, s->grid.nz, s->wound.fill_collagen)                  \
    X("wound.fill_elastin", DERM_CKPT_F64, s->grid.nz, s->wound.fill_elastin)                    \
    X("signals.coarse", DERM_CKPT_REAL, s->sig_state_len, s->sig_state)                          \
    X("agents.next_id", DERM_CKPT_I64, 1, &s->a.next_id)

/** Number of items derm_state_items fills for s (its agent count included). */
int derm_state_count(void);

/** The items of s's persistent state, pointing into s (valid until s changes);
 *  items has derm_state_count() entries. */
void derm_state_items(struct derm_sim *s, struct derm_ckpt_item *items);

/** Write s's state and the caller's `extra` items to checkpoint `path`. The field of a
 *  signal on a coarser grid is left out when it is the prolongation of its coarse state (as
 *  after every step) and rebuilt by derm_state_restore. The UV records are left out while
 *  they are absent (before the first UV: derm_sim_uv_records), and the item `uv_records`
 *  (int64, 0 or 1) says whether the file holds them; derm_state_restore allocates them when
 *  it does, and refuses the file as damaged when it says so but one is missing. */
derm_status derm_state_save(struct derm_sim *s, const char *path, const struct derm_ckpt_meta *meta,
                            const struct derm_ckpt_item *extra, int nextra, struct derm_err *err);

/** Restore the state of checkpoint ck into s, made by derm_sim_create from the checkpoint's
 *  resolved configuration. DERM_ECORRUPT if an item is missing or of another size (a
 *  coarse signal's field may be missing: it is made from the coarse state). */
derm_status derm_state_restore(struct derm_sim *s, struct derm_checkpoint *ck, struct derm_err *err);

#endif
