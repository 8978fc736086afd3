/* coupling.h - the only bridge between agents and fields.
 *
 * Owns: race-free deposition (each voxel sums its own agents in row order, from the bins of
 * store/bins.h:
 * bit-reproducible for any thread count, no atomics), and the separable box filter used
 * to spread matrix deposition over a cell's reach and to measure local crowding.
 * Does not: decide what cells do (model/fibroblast.c) or solve fields.
 */
#ifndef DERM_MODEL_COUPLING_H
#define DERM_MODEL_COUPLING_H

#include <stddef.h>
#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/store/agents.h"

#include "derm/store/bins.h"

/** out[v] = sum over agents in voxel v (row order) of val[row].
 *  `out` has grid.n entries and is overwritten. */
void derm_coupling_deposit(const struct derm_grid *g, const struct derm_bins *b, const double *val, derm_real *out);

/** For each of n value columns i: out[i][v] = (sum over agents in voxel v, row order, of
 *  val[i][row]) + add[i] (add may be NULL: nothing added). One pass over the bins for all
 *  n (same sums, same bits as n calls of derm_coupling_deposit). */
void derm_coupling_deposit_many(const struct derm_grid *g, const struct derm_bins *b, int n, const double *const *val,
                                const double *add, derm_real *const *out);

/** As derm_coupling_deposit_many onto a grid coarser by f (f divides nx, ny, nz): out[i][V]
 *  = add[i] + (sum over the f^3 voxels of coarse cell V, in index order, of their agents'
 *  val[i] in row order) / f^3, i.e. the block mean of what derm_coupling_deposit_many makes
 *  (equal up to rounding). out[i] has n / f^3 entries and is overwritten. */
void derm_coupling_deposit_coarse(const struct derm_grid *g, const struct derm_bins *b, int64_t f, int n,
                                  const double *const *val, const double *add, derm_real *const *out);

/** Number of agents of `type` in each voxel (as double), from the voxel of every agent of
 *  `a` as b was built from it (derm_bins_build refreshes them). */
void derm_coupling_count(const struct derm_grid *g, const struct derm_bins *b, const struct derm_agents *a, int type,
                         derm_real *out);

enum derm_box_mode {
    DERM_BOX_MEAN,    /* out(v) = mean of in over the in-domain neighbourhood of v */
    DERM_BOX_CONSERVE /* out(v) = sum_u in(u) / n_in(u): spreads each voxel's amount evenly
                         over its in-domain neighbourhood; preserves the total exactly */
};

/** Box filter of half-width r voxels (capped so a periodic window never wraps onto
 *  itself); periodic in x and y, truncated at the z faces. tmp: grid.n scratch. `in` may
 *  be `out` (filtered in place); tmp must differ from both. */
void derm_coupling_box(const struct derm_grid *g, int r, enum derm_box_mode mode, const derm_real *in, derm_real *out,
                       derm_real *tmp);

/** derm_coupling_box of what derm_coupling_deposit makes from val, without the deposit as a
 *  whole-grid array: each x row of it is summed from the bins into a row buffer and filtered
 *  there. Each thread makes the x-y output of its range of layers (and r layers on each
 *  side) into a ring of 2r + 1 layers of its own and sums each output layer's z window from
 *  the ring, so the x-y output makes no round trip through memory (r <= 32 and a ring within
 *  the budget, derm_coupling_set_ring_budget; else the x-y output goes through tmp). The
 *  same bits as derm_coupling_deposit then derm_coupling_box, for any thread count. tmp:
 *  grid.n scratch, distinct from out. */
void derm_coupling_deposit_box(const struct derm_grid *g, const struct derm_bins *b, const double *val, int r,
                               enum derm_box_mode mode, derm_real *out, derm_real *tmp);

/** Up to this many values' deposits made together layer by layer (derm_coupling_layers_*). */
#define DERM_COUPLING_LAYERS_MAX 3

/** What derm_coupling_layers_* deposit: the box (DERM_BOX_CONSERVE, radius r) of what
 *  derm_coupling_deposit makes from each val[i], i < n, over the bins b. */
struct derm_coupling_layers_spec {
    const struct derm_bins *b;
    int n, r;
    const double *val[DERM_COUPLING_LAYERS_MAX];
};

/** One thread's cursor over the output layers of those deposits (fields private). */
struct derm_coupling_layers {
    const struct derm_grid *g;
    struct derm_coupling_layers_spec sp;
    int rx, ry;
    double lateral;
    unsigned char *mem, *nonzero;
    derm_real *ring[DERM_COUPLING_LAYERS_MAX], *out[DERM_COUPLING_LAYERS_MAX], *buf, *vals;
    double *acc;
    int64_t next, last;
};

/** Open a cursor (its scratch allocated by the calling thread, for its caches). -1 when
 *  r is not in 1 .. DERM_GRID_RING_MAX_R, n not in 1 .. DERM_COUPLING_LAYERS_MAX, or out of
 *  memory; close it either way. */
int derm_coupling_layers_open(struct derm_coupling_layers *c, const struct derm_grid *g,
                              const struct derm_coupling_layers_spec *sp);

/** Layer k of each deposit (n pointers to nx ny values, valid until the next call): bit for
 *  bit layer k of derm_coupling_deposit_box(g, b, val[i], r, DERM_BOX_CONSERVE, ...). Made
 *  from a ring of the x-y layers within r of k, so that calls for k, k + 1, ... make each
 *  x-y layer once (any other order is correct, and slower). */
const derm_real *const *derm_coupling_layers_at(struct derm_coupling_layers *c, int64_t k);

void derm_coupling_layers_close(struct derm_coupling_layers *c);

/** derm_coupling_box with its three passes one by one through whole-grid arrays, the same
 *  bits: what derm_coupling_box does when its per-thread layer buffers (x then y in cache)
 *  cannot be allocated, and the reference its tests compare with. Same arguments. */
void derm_coupling_box_passes(const struct derm_grid *g, int r, enum derm_box_mode mode, const derm_real *in,
                              derm_real *out, derm_real *tmp);

/** The DERM_BOX_MEAN of derm_coupling_box for integer-valued input (agent counts), with
 *  running sums: bit-identical to derm_coupling_box(..., DERM_BOX_MEAN, ...) on such input
 *  (every partial sum is an exact integer), O(1) per element whatever r. out differs from
 *  in and tmp; tmp may be in (only the first pass reads in, and tmp is first written after
 *  it), so the counts can be made in the scratch itself. */
void derm_coupling_box_counts(const struct derm_grid *g, int r, const derm_real *in, derm_real *out, derm_real *tmp);

/** Local crowding: out[v] = factor[k] x the box mean of radius r of the number of agents of
 *  `type` per voxel (k: v's layer), i.e. derm_coupling_count, then derm_coupling_box_counts,
 *  then each layer times its factor, with the same bits, without the counts or their
 *  partial sums as whole-grid arrays (rows are counted from the bins in cache; x and y pass
 *  through a layer buffer; the z pass scales as it writes). factor: nz values; tmp: grid.n
 *  scratch, distinct from out. */
void derm_coupling_crowding(const struct derm_grid *g, const struct derm_bins *b, const struct derm_agents *a, int type,
                            int r, const double *factor, derm_real *out, derm_real *tmp);

/** derm_coupling_crowding at the occupied voxels of the bins alone, the same bits there,
 *  written per voxel into out (grid.n, or NULL) and per agent row into rows (rows[q] for
 *  every row q of the bins, any type: the crowding at its voxel; or NULL); every other
 *  element of out is left as it was (except in the fallback below). The cell rules and the
 *  calibrations read crowding only where cells are, per row; a reader of the whole grid (UV
 *  elastosis) needs derm_coupling_crowding. Per thread, the lateral counts of a range of
 *  layers go through a ring of 2r + 1 layers of the thread's own, and nothing is written
 *  but the cells' own. When a ring exceeds the budget (derm_coupling_set_ring_budget) or
 *  cannot be allocated, the rings are held in tmp (grid.n scratch, distinct from out), the
 *  same writes, on as many threads as have a ring there; when not one fits there (a thin
 *  domain: 2r + 1 layers or more) it is derm_coupling_crowding, which writes every voxel of
 *  out (of a grid it allocates for the call when out is NULL). Returns 0, or -1 if that grid
 *  could not be allocated (rows partly written). */
int derm_coupling_crowding_cells(const struct derm_grid *g, const struct derm_bins *b, const struct derm_agents *a,
                                 int type, int r, const double *factor, derm_real *out, derm_real *rows,
                                 derm_real *tmp);

/** 1 if derm_coupling_crowding_cells of radius r on g takes the whole-grid way at the current
 *  ring budget (not one ring fits in grid.n values, nor in the budget): a caller that calls
 *  it every step then holds out itself rather than have a grid made per call. */
int derm_coupling_crowding_cells_grid(const struct derm_grid *g, int r);

/** The default of the most bytes of scratch per thread that the rings of
 *  derm_coupling_deposit_box and derm_coupling_crowding_cells take: each thread allocates
 *  its ring and first writes it itself, so its lines sit in that core's cache (in the shared
 *  whole-grid scratch, whose lines other phases' threads wrote last, the second thread ran
 *  1.3-1.8x slower: tests/bench/bench_deposit.c). A ring bigger than a core's cache (1 MiB of
 *  L2 on the development machine; 0.64 MiB for the reference's radius 3 on 100 x 100 layers)
 *  gains nothing over the whole-grid passes. */
#define DERM_COUPLING_RING_BYTES DERM_GRID_RING_BYTES

/** Set the ring budget (bytes per thread; beyond it the whole-grid paths, the same bits) and
 *  return the previous one: for tests and benchmarks that take both paths. Set it outside
 *  parallel regions. */
size_t derm_coupling_set_ring_budget(size_t bytes);

#endif
