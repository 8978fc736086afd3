/* bins.h - agents grouped by voxel.
 *
 * Owns: a stable sort of agent rows by voxel (each voxel lists its agents in row order) and
 * the list of occupied voxels, refreshing each agent's voxel index from its position. Only
 * the occupied voxels are stored (a grid of 10^6 voxels holds ~10^4 cells): nothing here is
 * per voxel, so binning costs O(agents) per step, not O(voxels). Buffers grow with the
 * population, never per step. The voxels are refreshed on the threads; the sort runs on
 * them too once there are sort_min_rows rows or more (each thread a fixed share of the
 * rows, counts per thread and digit, a stable scatter), on one below (at ~1e4 rows the
 * threads' shared counts and interleaved writes cost more than the work: 14567 rows on
 * 100^3 voxels 0.14 ms on one thread, 0.20 on two; 2e6 rows on 2e8 voxels 55 -> 47 ms):
 * the same order for any thread count either way.
 * Does not: deposit or sample (model/coupling.c), decide anything about cells.
 */
#ifndef DERM_STORE_BINS_H
#define DERM_STORE_BINS_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/store/agents.h"

struct derm_bins {
    int64_t nvox;          /* voxels of the grid */
    int64_t n;             /* rows binned */
    int64_t cap;           /* capacity of rows, occ, occ_start - 1 and scratch */
    int64_t *rows;         /* agent rows grouped by voxel, voxels ascending, rows ascending within one */
    int64_t nocc;          /* occupied voxels */
    int64_t *occ;          /* the occupied voxels, ascending */
    int64_t *occ_start;    /* nocc + 1 offsets: voxel occ[j] holds rows[occ_start[j] .. occ_start[j + 1]) */
    int64_t *scratch;      /* the sort's second buffer */
    int64_t *hist;         /* the sort's digit counts, one row per thread */
    int hist_threads;      /* rows of hist */
    int64_t sort_min_rows; /* rows from which the sort runs on the threads (init: DERM_BINS_SORT_MIN_ROWS) */
};

#define DERM_BINS_SORT_MIN_ROWS 65536

derm_status derm_bins_init(struct derm_bins *b, const struct derm_grid *g, struct derm_err *err);
void derm_bins_fini(struct derm_bins *b);

/** Refresh a->voxel from positions and rebuild the bins (on the threads; the result does not
 *  depend on their count). */
derm_status derm_bins_build(struct derm_bins *b, const struct derm_grid *g, struct derm_agents *a,
                            struct derm_err *err);

/** The rows of voxel v: rows[*q0 .. *q1) (empty, *q0 == *q1, if v holds none); O(log nocc). */
void derm_bins_voxel(const struct derm_bins *b, int64_t v, int64_t *q0, int64_t *q1);

/** The first occupied-voxel index j with occ[j] >= v (nocc if none); O(log nocc). */
int64_t derm_bins_first_at(const struct derm_bins *b, int64_t v);

#endif
