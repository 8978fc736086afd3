/* wound.h - micro-wounds and their repair (microneedling channels).
 *
 * Owns: two per-layer states, each a volume fraction of the layer:
 *   open   w: wounded tissue not yet closed (clot, then granulation tissue),
 *   repair r: closed wounds whose new matrix is still being laid down and remodelled,
 * with  w' = -w / closure,  r' = w / closure - r / remodel  (a linear chain, advanced exactly
 * with the matrix pools' chain solver). A microneedling session wounds, in every layer it
 * reaches (by overlap with [0, depth_um)), the share dose x wound.microneedling_fraction of
 * the tissue not already wounded (so w + r <= 1), at the time it is given: the step is
 * advanced to the session, the session added, and the rest of the step advanced (sessions
 * of one step act together at their dose-weighted time). Over the step:
 *   - open wounds release TGF-beta (platelets, then macrophages), growth factors (PDGF, FGF)
 *     and chemokines: a source w_mean x level x decay rate per signal, so tissue that is wholly
 *     open wound holds `level` above the young mean;
 *   - fibroblasts in tissue under repair make collagen at wound.repair_synthesis_factor times
 *     their rate elsewhere: the layer's synthesis x (1 + (factor - 1) min(w_mean + r_mean, 1)).
 * w_mean and r_mean are the exact means of w and r over the step (from the chain's mass
 * balance), so the integrated release and repair do not depend on the step; only sessions
 * closer together than one step are merged.
 * The matrix of the tissue a session wounds (the share d of the layer it opens) is torn along
 * the needle tracks and cleared in the inflammatory phase: every matrix field of the layer
 * loses the share d (collagen intact and fragmented with its AGE cross-links, functional and
 * elastotic elastin, HA). The defect is refilled with new matrix: intact collagen and
 * functional elastin at the layer's density before the session (the collagen and elastin the
 * session removed, fragments included), laid down as D' = -D / fill (D: the amount still to
 * refill, per voxel of the layer), exactly over any step (a session tau into the step refills
 * over dt - tau). What is not restored is what made the old matrix old: fragments, AGE
 * cross-links and elastotic material in the cleared share are replaced by new fibres
 * (microneedling: more collagen I/III and elastin, less elastotic material at 3 months;
 * El-Domyati 2015 Int J Dermatol 54:1361; Aust 2008). Removal and refill enter the pools'
 * budgets (collagen, elastin, HA and AGE removed; collagen and elastin synthesised).
 * Sources: closure from the healing of laser micro-zones (Hantash 2007, C14: open zones close
 * over 1-4 weeks; needle channels are narrower); remodelling from the procollagen response
 * still raised 3 months after a fractional laser (Orringer 2012, C14); the wound's signals and
 * the raised synthesis of granulation-tissue fibroblasts from wound-healing reviews. Every
 * value is an estimate (params.def), none fitted to a treatment's outcome.
 * Does not: kill the cells in the channels, change hyaluronan synthesis, resolve the
 * channels laterally (the state and the exchange are layer means), or scar: the refill
 * always regenerates, so wounding far beyond clinical courses rejuvenates the whole
 * needled matrix instead of scarring it.
 */
#ifndef DERM_MODEL_WOUND_H
#define DERM_MODEL_WOUND_H

#include "derm/core/grid.h"
#include "derm/model/matrix.h"
#include "derm/store/fields.h"

struct derm_wound_coef {
    double microneedling_fraction;  /* wounded volume fraction of the needled depth per unit session dose */
    double close_h;                 /* 1/h: open -> repair */
    double remodel_h;               /* 1/h: end of repair */
    double release_h[DERM_NSIGNAL]; /* au/h per unit open fraction (level x the signal's decay rate) */
    double repair_synthesis;        /* collagen synthesis in repairing tissue relative to elsewhere */
    double fill_h;                  /* 1/h: refill of the cleared matrix with new collagen and elastin */
};

/** Per-layer wound states (nz each): open and repair fractions; their means over the last
 *  step advanced and the collagen synthesis factor from those means. */
struct derm_wound_layers {
    double *open, *repair;
    double *open_mean, *repair_mean, *synthesis;
    double *work;                         /* 2 nz doubles of scratch */
    double *opened;                       /* share of each layer the last step's sessions opened */
    double *fill_collagen, *fill_elastin; /* per voxel of the layer, mg/mL still to refill */
    double tau_h;                         /* the last step's sessions' time into it (h) */
};

/** A session of `dose` reaching `depth_um` (at least the first layer): in each layer the
 *  share min(dose x fraction x reach, 1) of the tissue not yet wounded (1 - open - repair)
 *  becomes open wound; that share is added to opened[k] (opened may be NULL). */
void derm_wound_session(const struct derm_grid *g, const struct derm_wound_coef *c, double dose, double depth_um,
                        double *open, const double *repair, double *opened);

/** One step of dt_h with n sessions (doses, depths) given together tau_h into it
 *  (0 <= tau_h <= dt_h): advance to tau, add them, advance to dt; the step means and
 *  synthesis factors cover the whole step; w->opened and w->tau_h record the sessions for
 *  derm_wound_exchange. */
void derm_wound_step(const struct derm_grid *g, const struct derm_wound_coef *c, double dt_h, double tau_h, int n,
                     const double *dose, const double *depth_um, struct derm_wound_layers *w);

/** Advance every layer's (open, repair) over dt_h exactly; set the step means and the
 *  synthesis factors. */
void derm_wound_advance(const struct derm_wound_coef *c, int64_t nz, double dt_h, struct derm_wound_layers *w);

/** The matrix exchange of the step derm_wound_step has just advanced: clear the share
 *  w->opened[k] of every matrix field m (fields.h order) in layer k, add the collagen and
 *  elastin it held to the refill, and lay down the refill of the step (the earlier refill
 *  over dt_h, the new one over dt_h - w->tau_h) as intact collagen and functional elastin.
 *  Adds the amounts (mg/mL x voxels) to *flux: the torn intact collagen as cleaved and,
 *  with the fragments, cleared (collagen_cleave, collagen_clear), collagen_synth,
 *  elastin_removed, elastin_synth, ha_removed, age_removed. Layers are summed in index
 *  order: the result does not depend on the thread count. */
void derm_wound_exchange(const struct derm_grid *g, const struct derm_wound_coef *c, double dt_h,
                         struct derm_wound_layers *w, derm_real *const *m, struct derm_matrix_flux *flux);

/** Add the open wounds' signal release (au/h) of the step to the sources. */
void derm_wound_add_sources(const struct derm_grid *g, const struct derm_wound_coef *c, const double *open_mean,
                            derm_real *const *src);

/** Collagen synthesis factor of a layer whose step-mean fractions are open_mean, repair_mean. */
static inline double derm_wound_synthesis_factor(const struct derm_wound_coef *c, double open_mean, double repair_mean)
{
    double f = open_mean + repair_mean;
    if (f > 1.0) f = 1.0;
    if (!(f > 0.0)) return 1.0;
    return 1.0 + (c->repair_synthesis - 1.0) * f;
}

#endif
