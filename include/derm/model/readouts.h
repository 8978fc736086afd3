/* readouts.h - tissue-level quantities computed from the state, for the output series.
 *
 * Owns: dermal thickness from the volume of the matrix per skin area, the AGE
 * protection of intact collagen against MMP cleavage (the susceptibility a collagenase
 * assay sees), and the attached cell-surface fraction of fibroblasts (tissue mechanics and
 * the Cutometer: mech/ and sim/firmness.h). Pure functions with
 * explicit arguments.
 * Does not: decide when they are written (sim/totals.c lists the series).
 */
#ifndef DERM_MODEL_READOUTS_H
#define DERM_MODEL_READOUTS_H

#include <stdint.h>

#include "derm/core/real.h"

struct derm_readout_coef {
    double collagen_volume, elastin_volume, ha_volume; /* young-adult volume shares of the pools */
    double elastotic_volume_factor;                    /* elastotic volume per mass, relative to elastin */
    double age_protection;                             /* AGE per collagen halving MMP cleavage, pmol/mg */
    double age_young;                                  /* young-adult AGE per collagen, pmol/mg */
    double attachment_binding_half; /* intact collagen giving half the cell surface attached, mg/mL */
};

/** Dermal thickness (um): the matrix volume per skin area of a block of depth lz_um whose
 *  pools are the given ratios of their young-adult amounts (elastotic material relative to
 *  young functional elastin): lz (vc C + ve (E + f Z) + vh H + rest), rest = 1 - vc - ve - vh. */
double derm_readout_thickness(const struct derm_readout_coef *c, double lz_um, double collagen_ratio,
                              double elastin_ratio, double elastotic_ratio, double ha_ratio);

/** Intact-collagen-weighted mean of 1 / (1 + X / Xh) over n voxels, X = AGE per collagen:
 *  the MMP cleavage rate relative to unglycated collagen at the same activity. */
double derm_readout_mmp_susceptibility(const struct derm_readout_coef *c, int64_t n, const derm_real *intact,
                                       const derm_real *fragmented, const derm_real *age_amount);

/** Its two sums over n voxels, each in index order: sums[0] the intact collagen, sums[1]
 *  the intact collagen times 1 / (1 + X / Xh). Sums of parts (depth layers, say) added up
 *  give the mean by derm_readout_mmp_susceptibility_of. */
void derm_readout_mmp_susceptibility_sums(const struct derm_readout_coef *c, int64_t n, const derm_real *intact,
                                          const derm_real *fragmented, const derm_real *age_amount, double sums[2]);

/** derm_readout_mmp_susceptibility_sums continued: adds the n voxels to sums, each sum in
 *  index order, so that calls over consecutive runs of voxels give the bits of one call over
 *  all of them (the matrix kernel sums its strips as it writes them). */
void derm_readout_mmp_susceptibility_add(const struct derm_readout_coef *c, int64_t n, const derm_real *intact,
                                         const derm_real *fragmented, const derm_real *age_amount, double sums[2]);

/** The mean from the two sums: sums[1] / sums[0], 1 without intact collagen. */
double derm_readout_mmp_susceptibility_of(const double sums[2]);

/** Attached cell-surface fraction of a cell in a voxel with the given intact collagen and
 *  its integrin attachment (the collapse switch, 1 / (1 + (f/f50)^n) of the local fragmented
 *  fraction f): the share of its contacts that find intact fibrils, C / (C + Kb), on the
 *  share of its surface still spread, the attachment. Fragments offer no binding sites and
 *  collapse the cell, so collagen loss and fragmentation both lower it (Varani 2006: 78 %
 *  young, 58 % old, C6). Kb is fitted to the young-adult 78 %; the old value is the model's
 *  (with the collapse threshold f50 calibrated to it). 0 for a bad or non-positive input. */
double derm_readout_attached_area(const struct derm_readout_coef *c, double intact_mg_per_ml, double attachment);

#endif
