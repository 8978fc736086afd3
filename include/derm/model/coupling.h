/* coupling.h - the only bridge between agents and fields.
 *
 * Owns: binning agents by voxel (a stable counting sort, so each voxel lists its agents
 * in row order), race-free deposition (each voxel sums its own agents in row order:
 * bit-reproducible for any thread count, no atomics), and the separable box filter used
 * to spread matrix deposition over a cell's reach and to measure local crowding.
 * Does not: decide what cells do (cells.c) or solve fields.
 */
#ifndef DERM_COUPLING_H
#define DERM_COUPLING_H

#include <stdint.h>

#include "derm/store/agents.h"
#include "derm/core/grid.h"
#include "derm/core/status.h"

struct derm_bins {
    int64_t nvox;
    int64_t *start; /* nvox + 1 offsets into rows */
    int64_t *rows;  /* agent rows grouped by voxel, ascending within a voxel */
    int64_t cap;    /* capacity of rows */
};

derm_status derm_bins_init(struct derm_bins *b, const struct derm_grid *g, struct derm_err *err);
void derm_bins_fini(struct derm_bins *b);

/** Refresh a->voxel from positions and rebuild the bins. */
derm_status derm_bins_build(struct derm_bins *b, const struct derm_grid *g, struct derm_agents *a,
                            struct derm_err *err);

/** out[v] = sum over agents in voxel v (row order) of val[row].
 *  `out` has grid.n entries and is overwritten. */
void derm_coupling_deposit(const struct derm_grid *g, const struct derm_bins *b,
                           const double *val, double *out);

/** Number of agents of `type` in each voxel (as double). */
void derm_coupling_count(const struct derm_grid *g, const struct derm_bins *b,
                         const struct derm_agents *a, int type, double *out);

enum derm_box_mode {
    DERM_BOX_MEAN,    /* out(v) = mean of in over the in-domain neighbourhood of v */
    DERM_BOX_CONSERVE /* out(v) = sum_u in(u) / n_in(u): spreads each voxel's amount evenly
                         over its in-domain neighbourhood; preserves the total exactly */
};

/** Box filter of half-width r voxels (capped so a periodic window never wraps onto
 *  itself); periodic in x and y, truncated at the z faces. tmp: grid.n scratch. */
void derm_coupling_box(const struct derm_grid *g, int r, enum derm_box_mode mode, const double *in,
                       double *out, double *tmp);

#endif
