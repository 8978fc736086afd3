/* state.h - the persistent state of a simulation: what a checkpoint holds.
 *
 * Owns: the one list of the members of struct derm_sim that change from step to step
 * (DERM_SIM_STATE below, plus every field of the field registry and every agent column of
 * DERM_AGENT_COLUMNS), saving them with io/checkpoint.h and restoring them into a
 * simulation freshly made by derm_sim_create from the same configuration. Everything else
 * in struct derm_sim (coefficients, homeostatic references, young-adult totals, grid,
 * scratch) is rebuilt identically by derm_sim_create (checked by tests/unit/test_state.c),
 * so a restored simulation continues bit for bit as the one that wrote the checkpoint.
 * Random numbers need no state: they are a pure function of (seed, agent id, step, purpose).
 * Adding a member of struct derm_sim that carries over between steps = one line of
 * DERM_SIM_STATE.
 * Does not: name files or know the output (app/ adds the output positions).
 */
#ifndef DERM_SIM_STATE_H
#define DERM_SIM_STATE_H

#include "derm/io/checkpoint.h"
#include "derm/sim/sim.h"

/* X(name, type, count, pointer): plain members of struct derm_sim `s` (structs of doubles
 * are saved whole: see the static assertions in state.c). */
#define DERM_SIM_STATE(X)                                                                        \
    X("step", DERM_CKPT_I64, 1, &s->step)                                                        \
    X("births", DERM_CKPT_I64, 1, &s->births)                                                    \
    X("deaths", DERM_CKPT_I64, 1, &s->deaths)                                                    \
    X("glucose_mM", DERM_CKPT_F64, 1, &s->glucose_mM)                                            \
    X("exo_mix", DERM_CKPT_F64, DERM_SOURCE_COUNT, s->exo_mix)                                   \
    X("exo_mult", DERM_CKPT_F64, DERM_EXO_NEFFECT, s->exo_mult)                                  \
    X("cum", DERM_CKPT_F64, sizeof s->cum / sizeof(double), (double *)&s->cum)                   \
    X("last_flux", DERM_CKPT_F64, sizeof s->last_flux / sizeof(double), (double *)&s->last_flux) \
    X("agents.next_id", DERM_CKPT_I64, 1, &s->a.next_id)

/** Number of items derm_state_items fills for s (its agent count included). */
int derm_state_count(void);

/** The items of s's persistent state, pointing into s (valid until s changes);
 *  items has derm_state_count() entries. */
void derm_state_items(struct derm_sim *s, struct derm_ckpt_item *items);

/** Write s's state and the caller's `extra` items to checkpoint `path`. */
derm_status derm_state_save(struct derm_sim *s, const char *path, const struct derm_ckpt_meta *meta,
                            const struct derm_ckpt_item *extra, int nextra, struct derm_err *err);

/** Restore the state of checkpoint ck into s, made by derm_sim_create from the checkpoint's
 *  resolved configuration. DERM_ECORRUPT if an item is missing or of another size. */
derm_status derm_state_restore(struct derm_sim *s, struct derm_checkpoint *ck, struct derm_err *err);

#endif
