/* bins.h - agents grouped by voxel.
 *
 * Owns: a stable counting sort of agent rows by voxel (each voxel lists its agents in row
 * order), refreshing each agent's voxel index from its position. The preallocated fill
 * counters and row list grow with the population, never per step.
 * Does not: deposit or sample (model/coupling.c), decide anything about cells.
 */
#ifndef DERM_STORE_BINS_H
#define DERM_STORE_BINS_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/store/agents.h"

struct derm_bins {
    int64_t nvox;
    int64_t *start; /* nvox + 1 offsets into rows */
    int64_t *fill;  /* nvox placement counters (scratch) */
    int64_t *rows;  /* agent rows grouped by voxel, ascending within a voxel */
    int64_t cap;    /* capacity of rows */
};

derm_status derm_bins_init(struct derm_bins *b, const struct derm_grid *g, struct derm_err *err);
void derm_bins_fini(struct derm_bins *b);

/** Refresh a->voxel from positions and rebuild the bins. */
derm_status derm_bins_build(struct derm_bins *b, const struct derm_grid *g, struct derm_agents *a,
                            struct derm_err *err);

#endif
