/* matrix.h - voxel kinetics of the extracellular matrix.
 *
 * Owns: the per-voxel ODEs of collagen (intact -> fragmented -> cleared, with AGE
 * cross-links carried by the collagen), elastin (functional -> elastotic -> cleared) and
 * hyaluronan (high MW -> low MW -> cleared), each integrated EXACTLY over a step with the
 * signal levels and deposition held constant (two-compartment chain, solve/chain.h).
 *   collagen:  I' = P - a I,            F' = a I - b F
 *              a = kI [(1 - s1) + s1 A1 g(AGE)],  b = kF [(1 - s3 - su) + s3 A3 g(AGE) + su U]
 *              (fragments are cleared by MMP-3/-9 and by cellular uptake U, uPARAP/Endo180
 *              endocytosis by fibroblasts and macrophages, which follows the subject's
 *              phagocytic capacity (Madsen 2013); AGE cross-links slow the MMP routes only)
 *              A_m = (M_m / (1 + TIMP/Ki)) / (1 / (1 + 1/Ki))  (1 at young baseline)
 *              g(X) = (1 + X0/Xh) / (1 + X/Xh) for X > X0, else 1; X = AGE per collagen,
 *              X0 the young-adult load at which the cleavage constants hold (Bourne 2014;
 *              a growing dermis below X0 cleaves at the young rate, so its development
 *              reaches the young-adult amounts: test_initial)
 *   AGE:       G' = kG (glucose/reference) (I + F) - (cleared/(I+F)) G / (1 + X/Xh)
 *              (leaves with fragments; the least glycated molecules go first: over an
 *              exponential spread of loads the removal that gives the mean g above takes
 *              1/(1 + X/Xh) of the mean load, so AGE builds up on the collagen that stays)
 *   elastin:   E' = PE - (kE + o) E,    Z' = o E + PZ - kZ Z,   o = kox ROS, PZ = UVA elastosis
 *   elastin AGE: GE' = kGE (glucose/reference) (E + Z) - (cleared/(E+Z)) GE
 *   HA:        H' = PH + supply - c H,  L' = y c H - d L,
 *              c = kH ((1 - r) + r (w ROS + (1 - w) IL))
 * ROS acts linearly: it is local (half-life of seconds) and concentrated in the voxels of
 * the cells that make it, so only linear laws give the right tissue average.
 * Sources: Verzijl 2000 (collagen residence), Shapiro 1991 (elastin), Reed 1988 and
 * Stern & Maibach 2008 (HA turnover), Sell & Monnier 1990 (AGEs).
 * Does not: decide how much cells deposit (model/fibroblast.c, model/coupling.c).
 */
#ifndef DERM_MODEL_MATRIX_H
#define DERM_MODEL_MATRIX_H

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/model/coupling.h"
#include "derm/model/readouts.h"
#include "derm/solve/signal_grids.h"
#include "derm/store/fields.h"

/** Rate constants of the matrix kinetics, per hour (built once from the parameters). */
struct derm_matrix_coef {
    double k_cleave_h;        /* intact collagen cleavage at baseline MMP activity, 1/h */
    double k_clear_h;         /* fragment clearance at baseline, 1/h */
    double mmp1_share;        /* share of cleavage scaling with MMP-1 activity */
    double mmp3_share;        /* share of clearance scaling with MMP-3 activity */
    double timp_ki;           /* au */
    double age_form_ref_h;    /* AGE formation on collagen at reference glucose, pmol/mg/h */
    double age_form_el_ref_h; /* AGE formation on elastin at reference glucose, pmol/mg/h */
    double age_ref;           /* AGE per collagen at which g = 1, pmol/mg */
    double age_half;          /* AGE load scale of resistance to turnover (g, removal), pmol/mg */
    double k_elastin_h;       /* functional elastin loss, 1/h */
    double k_oxidation_h;     /* elastin -> elastotic per unit ROS, 1/h/au */
    double k_elastotic_h;     /* elastotic clearance, 1/h */
    double k_ha_h;            /* HMW HA degradation at baseline, 1/h */
    double k_lmw_h;           /* LMW HA clearance, 1/h */
    double lmw_yield;         /* fraction of degraded HMW entering the LMW pool */
    double ha_ros_frag;       /* share of baseline HMW degradation driven by ROS and IL */
    double ha_ros_weight;     /* weight of ROS (vs IL) in that drive */
    double uptake_share;      /* share of young fragment clearance by cellular uptake */
    double endo_gain;         /* uptake divided by 1 + endo_gain x UV memory (SED/day), day/SED */
    double ha_supply;         /* non-fibroblast HMW HA supply, mg/mL/h */
};

/** What cells (and UVA) deposit into each voxel over the step, mg/mL/h (grid.n each). */
struct derm_matrix_deposition {
    const derm_real *collagen, *elastin, *ha;
    const derm_real *elastotic; /* UVA elastosis; NULL = none */
    const derm_real *uv_memory; /* averaged dermal UV dose rate, SED/day (uptake loss); NULL = none */
    /* NULL, or the signal solvers: a signal they hold lazy (solve/signal_grids.h) is read
     * strip by strip from its coarse state, its sig[] array not at all */
    const struct derm_signal_grids *signals;
    /* NULL, or nz x DERM_MATRIX_NSUMS doubles receiving, per layer k at [k DERM_MATRIX_NSUMS
     * + column], sums over the layer, each serial in index order (the bits of
     * derm_totals_layer_sums): every matrix field after the step (column f), mmp_act (if
     * given), the MMP susceptibility's two sums of the fields after the step
     * (derm_readout_mmp_susceptibility_sums with readout) and the signals the kernel reads
     * (derm_matrix_signal_in), lazy ones as interpolated. A series row after the step needs
     * them, and the kernel has the values in cache */
    double *field_sums;
    const struct derm_readout_coef *readout; /* required with field_sums, else unused */
    /* NULL, or the cells' collagen, elastin and HA deposits (n = 3, in that order) to be made
     * layer by layer as the kernel reads them (model/coupling.h: the same bits as whole-grid
     * deposits, without their arrays); collagen, elastin and ha are then not read */
    const struct derm_coupling_layers_spec *layers;
};

/** The columns of derm_matrix_deposition.field_sums. */
enum {
    DERM_MATRIX_SUM_ACT = DERM_NMATRIX,                /* mmp_act */
    DERM_MATRIX_SUM_SUSC,                              /* and + 1 */
    DERM_MATRIX_SUM_SIGNAL = DERM_MATRIX_SUM_SUSC + 2, /* + x: signal derm_matrix_signal_in[x] */
    DERM_MATRIX_NSIGNAL_IN = 5,                        /* the signals the kernel reads */
    DERM_MATRIX_NSUMS = DERM_MATRIX_SUM_SIGNAL + DERM_MATRIX_NSIGNAL_IN
};
extern const int derm_matrix_signal_in[DERM_MATRIX_NSIGNAL_IN]; /* MMP-1, MMP-3, TIMP, ROS, IL */

/** Matrix amounts moved during one step, summed over the domain (mg/mL x voxels), in the
 *  pools' own units. Each pool's change over the step is made - removed exactly (to
 *  round-off), so budgets rebuilt from these close. */
struct derm_matrix_flux {
    double collagen_synth;   /* collagen deposited by cells */
    double collagen_cleave;  /* intact -> fragmented */
    double collagen_clear;   /* fragments removed */
    double elastin_synth;    /* functional elastin deposited */
    double elastotic_dep;    /* elastotic material laid down (UVA) */
    double elastin_oxidised; /* functional -> elastotic */
    double elastin_removed;  /* functional and elastotic elastin cleared */
    double ha_synth;         /* high-MW HA made (cells and the constant supply) */
    double ha_degraded;      /* high-MW HA degraded (into low-MW fragments or internalised) */
    double ha_removed;       /* HA leaving both pools */
    double age_formed;       /* AGE formed on collagen, pmol/mL x voxels */
    double age_removed;      /* AGE leaving with cleared collagen */
};
#define DERM_MATRIX_NFLUX 12

/** to += from, flux by flux. */
static inline void derm_matrix_flux_add(struct derm_matrix_flux *to, const struct derm_matrix_flux *from)
{
    double *t = (double *)to;
    const double *f = (const double *)from;
    for (int i = 0; i < DERM_MATRIX_NFLUX; i++) t[i] += f[i];
}

/** Rate of HMW HA degradation (1/h) at local ROS and IL (au). */
static inline double derm_matrix_ha_rate(const struct derm_matrix_coef *c, double ros, double il)
{
    const double rx = ros > 0.0 ? ros : 0.0, ix = il > 0.0 ? il : 0.0;
    return c->k_ha_h *
           ((1.0 - c->ha_ros_frag) + c->ha_ros_frag * (c->ha_ros_weight * rx + (1.0 - c->ha_ros_weight) * ix));
}

/** Advance every voxel by dt_h. m: matrix arrays (fields.h order); sig: signal arrays;
 *  glucose_ratio: plasma glucose over the reference of the AGE rates; uptake: cellular
 *  (phagocytic) uptake of collagen fragments relative to the young adult; mmp_act (NULL =
 *  not wanted) receives the MMP-1 activity per voxel; layer_sums: (DERM_MATRIX_NFLUX + 1) * nz
 *  doubles of scratch.
 *  Fluxes are reduced in a fixed order (per depth layer, then layers in order), so they do
 *  not depend on the thread count. Returns DERM_ENUMERIC if any voxel becomes negative or
 *  non-finite. */
derm_status derm_matrix_step(const struct derm_grid *g, derm_real *const *m, const derm_real *const *sig,
                             const struct derm_matrix_deposition *dep, double glucose_ratio, double uptake,
                             const struct derm_matrix_coef *c, double dt_h, derm_real *mmp_act, double *layer_sums,
                             struct derm_matrix_flux *flux, struct derm_err *err);

/** Put high- and low-MW HA of every voxel at their steady state for the given cell
 *  deposition (mg/mL/h) and the current ROS and IL (HA turns over in days). signals: NULL,
 *  or the signal solvers, whose lazy signals are read from their coarse states (their sig[]
 *  arrays not at all). The deposition: dep_ha, or, when ha_layers is not NULL, its one
 *  deposit (n = 1) made layer by layer. DERM_ENOMEM if the rows or layers for that cannot
 *  be allocated (HA untouched). */
derm_status derm_matrix_settle_ha(const struct derm_grid *g, derm_real *const *m, const derm_real *const *sig,
                                  const struct derm_signal_grids *signals, const derm_real *dep_ha,
                                  const struct derm_coupling_layers_spec *ha_layers, const struct derm_matrix_coef *c,
                                  struct derm_err *err);

#endif
