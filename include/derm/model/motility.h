/* motility.h - how cells move: random motility plus chemotaxis.
 *
 * Owns: Brownian increments with motility coefficient D = v^2 tau / 3 (persistent random
 * walk in 3D), slower in dense matrix (D / (1 + h C / C0)), plus a drift chi grad(chemokine);
 * exact for any step in uniform fields; the path is keyed by time windows (below). Periodic in x and y, reflecting at
 * the z faces. Fibroblast speeds: quiescent cells barely move in vivo, activated ones 10-30 um/h in 3D collagen
 * (Grinnell & Petroll 2010). Does not: decide states (model/fibroblast.c) or rebin agents (store/bins.c).
 */
#ifndef DERM_MODEL_MOTILITY_H
#define DERM_MODEL_MOTILITY_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/solve/signal_grids.h"
#include "derm/store/agents.h"

struct derm_motility_coef {
    double motility_quiescent; /* D of quiescent cells and progenitors, um^2/h */
    double motility_activated; /* D of activated fibroblasts, um^2/h */
    double matrix_hindrance;   /* slowdown per unit collagen relative to matrix_ref */
    double matrix_ref;         /* young collagen density, mg/mL */
    double chemotaxis;         /* drift per unit chemokine gradient, um^2/h/au */
};

/* The random walk is keyed by the cell and by windows of this many hours of the walk's
 * clock, never by the step: runs at different steps share their paths at every window end
 * and differ only inside a window (a Brownian bridge). The simulation's clock counts hours
 * from its first step (sim/sim.c), so a weekly step is one whole window and draws one normal
 * triple per cell; a step that ends inside a window also draws the bridge to its end. */
#define DERM_MOTILITY_WINDOW_H 168.0

/** Move every live agent over [t0_h, t0_h + dt_h) hours of the walk's clock (agents flagged
 *  to die stay put). The chemokine's gradient is read from its field `chemokine` or, when
 *  `chem_probe` is not NULL (a lazy signal, solve/signal_grids.h), from the prolongation of
 *  its coarse state at the six neighbours of each cell's voxel: the same values bit for
 *  bit, without a whole fine field written per step. */
void derm_motility_move(const struct derm_grid *g, struct derm_agents *a, const struct derm_motility_coef *c,
                        const derm_real *const *m, const derm_real *chemokine,
                        const struct derm_signal_probe *chem_probe, uint64_t seed, double t0_h, double dt_h);

/** x folded into [0, L) periodically. */
double derm_motility_wrap(double x, double L);

/** z folded into [0, L) by mirror reflection at both faces. */
double derm_motility_reflect(double z, double L);

#endif
