/* lifecycle.h - births and deaths, applied after every rule has decided.
 *
 * Owns: turning the intent flags set by the rules (a->divide: 1 same-type daughter, 2 a
 * fibroblast daughter of a progenitor; a->die) into rows, in a fixed order: births in row
 * order, daughter i of the step in row n + i with the i-th new id (each daughter placed near
 * its parent, randomness keyed by the parent's lineage key and its count of such births,
 * never by the step or the order of births elsewhere; a dividing fibroblast and its daughter
 * share the new division count and the damage of the division; a birth touches only its
 * parent's row and its daughter's, so births are made side by side on the threads), then
 * deaths swap-removed in descending row order, serially. So the store evolves identically
 * for any thread count.
 * Does not: decide who divides or dies (model/fibroblast.c, model/progenitor.c).
 */
#ifndef DERM_MODEL_LIFECYCLE_H
#define DERM_MODEL_LIFECYCLE_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/store/agents.h"

struct derm_lifecycle_coef {
    double daughter_spread_um;  /* s.d. per axis of a daughter's offset from its parent, um */
    double damage_per_division; /* DNA damage added by each fibroblast division, au */
};

/** Apply births (row order) then deaths (descending rows); counts via out-params (may be
 *  NULL). */
derm_status derm_lifecycle_apply(const struct derm_grid *g, struct derm_agents *a, const struct derm_lifecycle_coef *c,
                                 uint64_t seed, int64_t step, int64_t *births, int64_t *deaths, struct derm_err *err);

#endif
