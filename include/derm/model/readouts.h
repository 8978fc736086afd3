/* readouts.h - tissue-level quantities computed from the state, for the output series.
 *
 * Owns: dermal thickness from the matrix volume relative to the young state, the AGE
 * protection of intact collagen against MMP cleavage (the susceptibility a collagenase
 * assay sees), the matrix stiffening by AGE cross-links and its viscous-recovery
 * counterpart, and the attached cell-surface fraction of fibroblasts. Pure functions with
 * explicit arguments.
 * Does not: decide when they are written (sim/totals.c lists the series).
 */
#ifndef DERM_MODEL_READOUTS_H
#define DERM_MODEL_READOUTS_H

#include <stdint.h>

struct derm_readout_coef {
    double thickness_collagen_weight; /* volume share of collagen in dermal thickness */
    double thickness_ha_weight;       /* volume share of HA-bound water */
    double age_protection;            /* AGE per collagen halving MMP cleavage, pmol/mg */
    double stiffness_per_age;         /* stiffening per AGE per collagen, mg/pmol */
    double age_young;                 /* young-adult AGE per collagen, pmol/mg */
    double attached_area_young;       /* attached surface of a fully attached cell */
};

/** Dermal thickness (um) of a block of depth lz_um whose collagen and HA are the given
 *  ratios of their young amounts: lz (wc C + wh H + rest). */
double derm_readout_thickness(const struct derm_readout_coef *c, double lz_um, double collagen_ratio, double ha_ratio);

/** Intact-collagen-weighted mean of 1 / (1 + X / Xh) over n voxels, X = AGE per collagen:
 *  the MMP cleavage rate relative to unglycated collagen at the same activity. */
double derm_readout_mmp_susceptibility(const struct derm_readout_coef *c, int64_t n, const double *intact,
                                       const double *fragmented, const double *age_amount);

/** Matrix stiffening by AGE cross-links relative to the young load: (1 + c X)/(1 + c X0). */
double derm_readout_stiffness(const struct derm_readout_coef *c, double age_per_collagen);

/** Viscous recovery relative to young: the reciprocal of the stiffening. */
double derm_readout_viscous_recovery(double stiffness);

/** Mean attached cell-surface fraction for a mean attachment (0..1). */
double derm_readout_attached_area(const struct derm_readout_coef *c, double attachment_mean);

#endif
