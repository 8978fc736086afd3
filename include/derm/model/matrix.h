/* ecm.h - voxel kinetics of the extracellular matrix.
 *
 * Owns: the per-voxel ODEs of collagen (intact -> fragmented -> cleared, with AGE
 * cross-links carried by the collagen), elastin (functional -> elastotic -> cleared) and
 * hyaluronan (high MW -> low MW -> cleared), each integrated EXACTLY over a step with the
 * signal levels and deposition held constant (two-compartment chain, derm_ecm_chain).
 *   collagen:  I' = P - a I,            F' = a I - b F
 *              a = kI [(1 - s1) + s1 A1] g(AGE),  b = kF [(1 - s3) + s3 A3]
 *              A_m = (M_m / (1 + TIMP/Ki)) / (1 / (1 + 1/Ki))  (1 at young baseline)
 *              g(X) = (1 + X0/Xh) / (1 + X/Xh), X = AGE per collagen (Bourne 2014)
 *   AGE:       G' = kG (glucose/5 mM) (I + F) - (cleared/(I+F)) G   (leaves with fragments)
 *   elastin:   E' = PE - (kE + o) E,    Z' = o E + PZ - kZ Z,   o = kox ROS, PZ = UVA elastosis
 *   elastin AGE: GE' = kGE (glucose/5 mM) (E + Z) - (cleared/(E+Z)) GE
 *   HA:        H' = PH + supply - c H,  L' = y c H - d L,  c = kH ((1 - r) + r (ROS + IL)/2)
 * ROS acts linearly: it is local (half-life of seconds) and concentrated in the voxels of
 * the cells that make it, so only linear laws give the right tissue average.
 * Sources: Verzijl 2000 (collagen residence), Shapiro 1991 (elastin), Reed 1988 and
 * Stern & Maibach 2008 (HA turnover), Sell & Monnier 1990 (AGEs).
 * Does not: decide how much cells deposit (cells.c / coupling.c).
 */
#ifndef DERM_ECM_H
#define DERM_ECM_H

#include "derm/core/grid.h"
#include "derm/core/status.h"

/** Rate constants of the matrix kinetics, per hour (built once from params). */
struct derm_ecm_coef {
    double k_cleave_h;    /* intact collagen cleavage at baseline MMP activity, 1/h */
    double k_clear_h;     /* fragment clearance at baseline, 1/h */
    double mmp1_share;    /* share of cleavage scaling with MMP-1 activity */
    double mmp3_share;    /* share of clearance scaling with MMP-3 activity */
    double timp_ki;       /* au */
    double age_form_h;    /* AGE formation on collagen, pmol/mg/h at the current glucose */
    double age_form_el_h; /* AGE formation on elastin, pmol/mg/h at the current glucose */
    double age_ref;       /* AGE per collagen at which g = 1, pmol/mg */
    double age_half;      /* AGE per collagen halving cleavage, pmol/mg */
    double k_elastin_h;   /* functional elastin loss, 1/h */
    double k_oxidation_h; /* elastin -> elastotic per unit ROS, 1/h/au */
    double k_elastotic_h; /* elastotic clearance, 1/h */
    double k_ha_h;        /* HMW HA degradation at baseline, 1/h */
    double k_lmw_h;       /* LMW HA clearance, 1/h */
    double lmw_yield;     /* fraction of degraded HMW entering the LMW pool */
    double ha_ros_frag;   /* share of baseline HMW degradation scaling with ROS */
    double ha_supply;     /* non-fibroblast HMW HA supply, mg/mL/h */
};

/** Matrix amounts moved during one step, summed over the domain (mg/mL x voxels). */
struct derm_ecm_flux {
    double collagen_synth;  /* deposited */
    double collagen_cleave; /* intact -> fragmented */
    double collagen_clear;  /* fragments removed */
    double ha_degraded;     /* high-MW HA degraded */
};

/** Exact solution over t of x' = P - a x, y' = yield a x - b y; updates *x, *y and
 *  returns the amount that left x (integral of a x dt). Requires a, b >= 0. */
double derm_ecm_chain(double P, double a, double b, double yield, double t, double *x, double *y);

/** Advance every voxel by dt_h. m: matrix arrays (fields.h order); sig: signal arrays;
 *  dep_col, dep_el, dep_ha: cell deposition, mg/mL/h; dep_ez: elastotic deposition, mg/mL/h
 *  (NULL = none); mmp_act (NULL = not wanted) receives the MMP-1 activity per voxel. Fluxes are reduced in a fixed order
 *  (per depth layer, then layers in order), so they do not depend on thread count.
 *  Returns DERM_ENUMERIC if any voxel becomes negative or non-finite. */
derm_status derm_ecm_step(const struct derm_grid *g, double *const *m, const double *const *sig,
                          const double *dep_col, const double *dep_el, const double *dep_ha,
                          const double *dep_ez, double *mmp_act, const struct derm_ecm_coef *c, double dt_h,
                          struct derm_ecm_flux *flux, struct derm_err *err);

#endif
