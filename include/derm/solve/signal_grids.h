/* signal_grids.h - each signal solved on the coarsest grid its decay length allows.
 *
 * A signal with diffusion D and decay k varies over its decay length lambda = sqrt(D / k)
 * (0.23-1.4 mm for the default signals), far above the 10 um voxel that the matrix and
 * the cells need. Signal s is solved on a grid coarser by the factor f_s: the largest
 * common divisor of nx, ny and nz with
 *     f_s h <= ratio * lambda_s            (ratio: domain.signal_voxel_ratio, e.g. 1/8)
 * and f_s = 1 when ratio = 0, D = 0 or k = 0. Per step, for a coarse signal:
 *   1. restriction: the coarse source is the mean of its f^3 fine sources (conservative:
 *      the coarse voxel holds exactly the amount secreted into it);
 *   2. the coarse state advances exactly over dt with the solver of diffusion.h on the
 *      coarse grid (same boundary conditions, spacing f h), so no time-step error enters;
 *   3. prolongation: the fine field is the trilinear interpolation of the coarse one
 *      between coarse cell centres (periodic in x and y; at the top c[-1] = c[0]; at the
 *      bottom c[nz] = c[nz-1] for no flux or -c[nz-1] for the vascular sink, i.e. linear
 *      to zero at the face). With no-flux or periodic faces the fine total equals f^3 times
 *      the coarse total, so the signal's amount is kept; weights are non-negative, so is
 *      the field.
 * The coarse states are the prognostic variables (they are checkpointed); the fine fields
 * are always their prolongation, except that a signal set lazy (below) has its fine field
 * made only where and when the caller reads it. Signals with f = 1 are solved on the voxel grid as
 * before. Every loop writes each output from a fixed order of inputs, so results do not
 * depend on the thread count.
 * Does not: build sources, choose the ratio, or own the fine fields.
 */
#ifndef DERM_SOLVE_SIGNAL_GRIDS_H
#define DERM_SOLVE_SIGNAL_GRIDS_H

#include "derm/core/grid.h"
#include "derm/core/real.h"
#include "derm/core/status.h"

struct derm_signal_grids;

/** The coarsening factor rule above (pure; 1 when nothing coarser qualifies). */
int64_t derm_signal_grids_choose(const struct derm_grid *g, double D_um2_per_h, double k_per_h, double ratio);

/** Create solvers for `nsignals` signals on their grids (factors from the rule). */
derm_status derm_signal_grids_create(struct derm_signal_grids **out, const struct derm_grid *g, int nsignals,
                                     const double *D_um2_per_h, const double *decay_per_h, int bottom_vascular,
                                     double ratio, struct derm_err *err);
void derm_signal_grids_free(struct derm_signal_grids *sg);

/** Coarsening factor of signal s (1: the voxel grid). */
int64_t derm_signal_grids_factor(const struct derm_signal_grids *sg, int s);

/** The coarse source array of signal s (gc.n = n / f^3 entries, owned by sg), to deposit
 *  into directly; NULL when s is solved on the voxel grid. */
derm_real *derm_signal_grids_source(struct derm_signal_grids *sg, int s);

/** Add per-layer source values (one per voxel layer of the fine grid, au/h) to signal s's
 *  source `src`: the fine array for a voxel-grid signal, its coarse source for a coarse one
 *  (each coarse layer gets the mean of its f fine layers). */
void derm_signal_grids_add_layers(const struct derm_signal_grids *sg, int s, const derm_real *per_layer,
                                  derm_real *src);

/** Advance every signal by dt_h hours; c[s] is a fine-grid array (NULL allowed for a lazy
 *  signal, and for an absent one on the voxel grid: +0 without a source, derm_diffusion_step);
 *  src[s] is the fine source (restricted here) or, for a coarse signal, its own
 *  coarse source from derm_signal_grids_source (used as it is); src or src[s] may be NULL
 *  for no source. Coarse signals' fine fields, unless lazy, are overwritten by the
 *  prolongation of their new coarse states. */
derm_status derm_signal_grids_step(struct derm_signal_grids *sg, derm_real *const *c, const derm_real *const *src,
                                   double dt_h, struct derm_err *err);

/** The caller's promise for the next derm_signal_grids_step only (call it just before): no
 *  field of a voxel-grid signal and no coarse state has been written outside the solver since
 *  its last step (no load, scale or restore). Idle signals then skip the scan of their whole
 *  field (derm_diffusion_promise_unchanged). */
void derm_signal_grids_promise_unchanged(struct derm_signal_grids *sg);

/** The fine fields c were set from outside (zeroed, rescaled): each coarse state becomes
 *  the block mean of its fine field, and the fine field its prolongation; a coarse signal
 *  with no fine field (c[s] NULL: a lazy signal kept without one) becomes zero. Returns -1
 *  (fields unchanged past the failing signal) if its interpolation rows cannot be
 *  allocated. */
int derm_signal_grids_load(struct derm_signal_grids *sg, derm_real *const *c);

/** Signal s's fine field as its coarse state makes it (the prolongation that
 *  derm_signal_grids_step writes) into fine (g.n values): 0; 1 if s is solved on the voxel
 *  grid (fine untouched: its field is its own state); -1 if its interpolation rows
 *  cannot be allocated. */
int derm_signal_grids_fine(const struct derm_signal_grids *sg, int s, derm_real *fine);

/** Multiply signal s's coarse state by r (the caller scales the fine field the same way). */
void derm_signal_grids_scale(struct derm_signal_grids *sg, int s, double r);

/** The persistent state for checkpoints: the nsignals factors (as doubles) followed by the
 *  coarse states of the coarse signals in signal order; *len receives its length. */
derm_real *derm_signal_grids_state(struct derm_signal_grids *sg, int64_t *len);

/* ---- lazy signals: fine values made where and when they are read ----
 * A coarse signal set lazy keeps its coarse state as before, but derm_signal_grids_step no
 * longer writes its fine field (a whole-grid write per signal and step, bound by memory
 * bandwidth): the caller makes the values it reads with the functions below, which give the
 * prolongation's values bit for bit (the same operations; no FMA contraction, ISO C), and
 * calls derm_signal_grids_fine for a whole field. */

/** Mark signal s lazy (or not); a signal on the voxel grid is never lazy. */
void derm_signal_grids_set_lazy(struct derm_signal_grids *sg, int s, int lazy);

/** 1 if signal s is lazy. */
int derm_signal_grids_lazy(const struct derm_signal_grids *sg, int s);

/** Most signals one call of derm_signal_grids_gather or _span takes. */
#define DERM_SIGNAL_GRIDS_MAX_SPAN 16

/** For the n lazy signals ids (n <= DERM_SIGNAL_GRIDS_MAX_SPAN), out[x][q] = the
 *  prolongation of signal ids[x] at voxel vox[q], q < nvox (repeats allowed; in parallel).
 *  Nothing if a signal is not lazy. */
void derm_signal_grids_gather(const struct derm_signal_grids *sg, int n, const int *ids, const int64_t *vox,
                              int64_t nvox, derm_real *const *out);
/** For the n lazy signals ids, out[x][0 .. len) = the prolongation of signal ids[x] at voxels
 *  q0 .. q0 + len - 1 (index order; rows and layers may be crossed), serially, for use inside
 *  a parallel loop. rows (n x nx doubles) caches each signal's coarse row of the fine row
 *  keys[x] (k ny + j; -1: none), so consecutive spans of a row interpolate it once; keep one
 *  rows and keys per thread. Nothing if a signal is not lazy. */
void derm_signal_grids_span(const struct derm_signal_grids *sg, int n, const int *ids, int64_t q0, int len,
                            double *rows, int64_t *keys, derm_real *const *out);

/** One lazy signal read at single voxels (derm_signal_grids_probe): its coarse state and
 *  prolongation tables. Valid until the solver is freed; the values follow the state. */
struct derm_signal_probe {
    const void *tables;     /* the group's prolongation tables */
    const derm_real *state; /* the signal's coarse state */
};

/** Set *p to read signal s at single voxels: 0, or -1 (p untouched) if s is not lazy. */
int derm_signal_grids_probe(const struct derm_signal_grids *sg, int s, struct derm_signal_probe *p);

/** The prolongation of the probe's signal at voxel (i, j, k): the value derm_signal_grids_fine
 *  writes there, bit for bit (safe to call from many threads). */
derm_real derm_signal_grids_probe_at(const struct derm_signal_probe *p, int64_t i, int64_t j, int64_t k);

/** The six neighbours' values of voxel (i, j, k) at once, each what
 *  derm_signal_grids_probe_at gives there, bit for bit: out[0], out[1] at (nb[0], j, k) and
 *  (nb[1], j, k); out[2], out[3] at (i, nb[2], k) and (i, nb[3], k); out[4], out[5] at
 *  (i, j, nb[4]) and (i, j, nb[5]) (every index inside the grid). The two x neighbours
 *  share their rows, and a coarse column they share is interpolated once (motility's
 *  gradient: about a quarter less work than six probes). */
void derm_signal_grids_probe_star(const struct derm_signal_probe *p, int64_t i, int64_t j, int64_t k,
                                  const int64_t nb[6], derm_real out[6]);

/** Check the factors in a restored state against this solver's; DERM_ECONFIG if they differ. */
derm_status derm_signal_grids_check_state(const struct derm_signal_grids *sg, struct derm_err *err);

/** Block mean of a fine array into a coarse one (factor f; coarse grid nx/f, ny/f, nz/f). */
void derm_signal_grids_restrict(const struct derm_grid *g, int64_t f, const derm_real *fine, derm_real *coarse);

/** Trilinear prolongation of a coarse array (factor f) onto the fine grid g; -1 if its
 *  small tables cannot be allocated (fine untouched), 0 otherwise. */
int derm_signal_grids_prolong(const struct derm_grid *g, int64_t f, int bottom_vascular, const derm_real *coarse,
                              derm_real *fine);

#endif
