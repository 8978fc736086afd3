/* firmness.h - firmness as clinics measure it: the simulated Cutometer on the current
 * matrix.
 *
 * Owns: the viscoelastic layer of every depth layer of the grid from its lateral-mean
 * composition relative to the young-adult layer (mech/tissue.h), the column under the probe
 * (epidermis, dermis of the simulated dermal thickness, hypodermis) and its suction test
 * (mech/suction.h), and the cache that keeps the readout cheap: the test is solved again
 * only when some layer of the column moved by more than cutometer.resolve_tolerance
 * (relative) since the last solve, otherwise the last readouts stand. The cache is part of
 * the persistent state (sim/state.h), so a resumed run writes the same numbers.
 * Does not: write anything (app/ passes the readouts to the output).
 */
#ifndef DERM_SIM_FIRMNESS_H
#define DERM_SIM_FIRMNESS_H

#include "derm/core/status.h"
#include "derm/mech/suction.h"

#define DERM_FIRMNESS_MAX_LAYERS 258 /* mechanics.sublayers (at most 256) + epidermis + hypodermis */
#define DERM_FIRMNESS_KEY (5 * DERM_FIRMNESS_MAX_LAYERS)

/* Doubles only (saved whole in a checkpoint). */
struct derm_firmness {
    double solved;                 /* 1 once a test was solved */
    double solves;                 /* tests solved so far (statistics) */
    double nkey;                   /* doubles of key in use */
    double key[DERM_FIRMNESS_KEY]; /* the column of the last solve: thickness, G0, G1, tau1, eta_f */
    struct derm_cutometer cut;     /* its readouts (doubles only, saved whole) */
    double water;                  /* dermal water content now */
};

struct derm_sim;

/** Bring s->firm up to date with the current matrix (solving the test if the column moved
 *  beyond the tolerance). */
derm_status derm_firmness_update(struct derm_sim *s, struct derm_err *err);

/** The Burgers layer of each of the nz depth layers now (thickness 0) and the dermal
 *  thickness of the column, mm. */
void derm_firmness_layers(const struct derm_sim *s, struct derm_mech_layer *out, double *dermis_mm, double *water);

/** derm_firmness_update and derm_firmness_layers given the matrix fields' layer sums:
 *  sums[k stride + f] = the sum of matrix field f over layer k, as derm_totals_layer_sums
 *  makes it (the same bits then), for the callers that have them already (a series row);
 *  NULL: taken here. */
derm_status derm_firmness_update_from(struct derm_sim *s, const double *sums, int stride, struct derm_err *err);
void derm_firmness_layers_from(const struct derm_sim *s, const double *sums, int stride, struct derm_mech_layer *out,
                               double *dermis_mm, double *water);

/** The readouts of s->firm as a struct. */
struct derm_cutometer derm_firmness_readouts(const struct derm_sim *s);

#endif
