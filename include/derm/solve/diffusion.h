/* diffusion.h - exact-in-time solver for the diffusing, decaying signals.
 *
 * Solves, for each signal s independently, on the cell-centred grid of grid.h:
 *     dc/dt = D_s * L c - k_s * c + S(x)        (S constant over the step, au/h)
 * where L is the standard 7-point discrete Laplacian with periodic x and y, a no-flux
 * top face (the DEJ) and at the bottom face either no flux or c = 0 (vascular sink).
 * L is diagonalised by real FFTs in x and y and a DCT (no-flux: REDFT10/REDFT01;
 * vascular: REDFT11) in z, so each mode is advanced exactly:
 *     c_hat(t+dt) = c_hat e^{-lam dt} + S_hat (1 - e^{-lam dt}) / lam,  lam = k + D mu
 * This is unconditionally stable and exact for any dt (no time-discretisation error) for
 * the discrete operator; the steady state is reached in one step when k dt >> 1.
 * Signals whose diffusion is negligible at the voxel scale (12 D/h^2 < 1e-3 k) skip the
 * transforms and use the same formula per voxel.
 * Threads: signals are solved one after the other and the threads share the planes, the
 * blocks of lateral coefficients and the voxels of each; every item is computed the same
 * way by whichever thread gets it, so results do not depend on the thread count.
 * Does not: know about cells or secretion (coupling builds S), or uptake.
 */
#ifndef DERM_DIFFUSION_H
#define DERM_DIFFUSION_H

#include "derm/core/grid.h"
#include "derm/core/real.h"
#include "derm/core/status.h"

struct derm_diffusion;

/** Create a solver for `nsignals` signals. D in um^2/h, decay in 1/h (>= 0; a signal with
 *  D = 0 and k = 0 just accumulates its source). bottom_vascular: 0 no-flux, 1 sink. */
derm_status derm_diffusion_create(struct derm_diffusion **out, const struct derm_grid *g, int nsignals,
                                  const double *D_um2_per_h, const double *decay_per_h, int bottom_vascular,
                                  struct derm_err *err);
void derm_diffusion_free(struct derm_diffusion *d);

/** Advance every signal by dt_h hours in place. c[s] and src[s] are grid.n arrays;
 *  src may be NULL or src[s] NULL for no source. c[s] NULL is an absent field, +0
 *  everywhere: left so, and DERM_EINTERNAL if src[s] has a non-zero value. Coefficients depending on dt are
 *  cached and rebuilt when dt changes. Returns DERM_ENUMERIC if a non-finite value
 *  appears. */
derm_status derm_diffusion_step(struct derm_diffusion *d, derm_real *const *c, const derm_real *const *src, double dt_h,
                                struct derm_err *err);

/** The caller's promise for the next derm_diffusion_step only: no field c[s] has been written
 *  outside this solver since its last step. A signal that step found idle (its field exactly
 *  zero and no source: nothing makes it, e.g. no exosomes) then stays idle without the scan
 *  of its whole field that otherwise proves the field still zero. Without the promise every
 *  field is scanned. */
void derm_diffusion_promise_unchanged(struct derm_diffusion *d);

#endif
