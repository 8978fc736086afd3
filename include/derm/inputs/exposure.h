/* exposure.h - what scheduled exposures put into the tissue over one step.
 *
 * Owns: turning what the schedule delivered over a step (struct derm_exposure) into
 *  - photoadaptation: regular sun makes the epidermis let less UV through (tanning and
 *    epidermal thickening raise the MED 2-4x over weeks and fade over about a month;
 *    Sheehan 1998), so a regular dose harms less than the same dose on unadapted skin;
 *  - UV reaching each depth layer: surface dose x transmission at the junction x
 *    exp(-z / depth) averaged over the layer, separately for UVB (papillary) and UVA
 *    (reticular) (Bruls 1984; Meinhardt 2008; VALIDATION C17);
 *  - the ROS level above young to hold in each layer over the step: UV where it is absorbed
 *    (UVA weighted by uv.uva_ros_weight) plus systemic ROS from smoking and pollution, and
 *    the direct UV drive of AP-1;
 *  - the per-voxel UV dose records and UVA elastosis (elastotic material laid down by
 *    fibroblasts in proportion to their local density; Bernstein 1994);
 *  - the cumulative delivered amount of every input (the dose series).
 * Does not: integrate the schedule (schedule.c), shape treatments (treatment.c), or act on
 * cells and matrix (model/).
 */
#ifndef DERM_INPUTS_EXPOSURE_H
#define DERM_INPUTS_EXPOSURE_H

#include "derm/core/grid.h"
#include "derm/inputs/schedule.h"

struct derm_uv_coef {
    double uvb_transmission, uvb_depth_um; /* fraction reaching the junction; e-folding depth */
    double uva_transmission, uva_depth_um;
    double uva_ros_weight;    /* ROS per erythemal SED of UVA relative to UVB */
    double ros_per_sed_h;     /* ROS above young per SED/h reaching a voxel, au h/SED */
    double ap1_per_sed_h;     /* direct AP-1 drive per SED/h, au h/SED */
    double elastosis_per_sed; /* elastotic material per SED of UVA at young cell density, mg/mL/SED */
    double med_sed;           /* SED per MED of the subject's skin type */
    double adapt_per_med_day; /* photoadaptation at steady state per MED/day received */
    double adapt_time_h;      /* time constant of photoadaptation (build-up and fading), h */
    double endo_memory_h;     /* averaging time of the dermal UV dose rate for fragment uptake, h */
};

struct derm_oxidative_coef {
    double ros_per_cigarette; /* ROS above young per cigarette per day, au day */
    double ros_per_pollution; /* ROS above young per unit pollution index, au */
};

/** Per-layer results of one step (nz each; storage owned by the caller). */
struct derm_exposure_layers {
    double *uvb_k, *uva_k, *uv_k; /* SED reaching the layer over the step */
    double *ros_ex_k;             /* ROS above young to hold over the step, au (of what young cells sense) */
    double *uv_ap1_k;             /* direct UV drive of AP-1, au */
    int any_uv;                   /* some layer received UV */
    int any_ros;                  /* some layer has an exposure ROS excess */
};

/** Cumulative delivered amounts since the start. */
struct derm_exposure_totals {
    double dose[DERM_IN_COUNT];      /* per input: amounts as scheduled; smoking in pack-years,
                                        pollution in index-years */
    double uv_unprotected;           /* surface UV before sunscreen, SED */
    double delivered[DERM_IN_COUNT]; /* treatments: the doses that reached the simulated dermis
                                        (derm_treatment_add_sources), au */
};

/** Photoadaptation over a step: *level (dimensionless; the epidermis lets 1/(1 + level) of
 *  the unadapted UV through: tanning, epidermal thickening) relaxes exactly toward
 *  adapt_per_med_day x the step's surface dose rate in MED/day; returns the transmission
 *  factor for the step (from the step's mean level). */
double derm_exposure_photoadapt(const struct derm_uv_coef *uv, const struct derm_exposure *x, double dt_h,
                                double *level);

/** SED of UVB and UVA reaching each depth layer (nz entries each) over the step. */
void derm_exposure_uv_layers(const struct derm_grid *g, const struct derm_uv_coef *uv, const struct derm_exposure *x,
                             double *uvb_k, double *uva_k);

/** Every per-layer quantity of the step into L. */
void derm_exposure_layers(const struct derm_grid *g, const struct derm_uv_coef *uv,
                          const struct derm_oxidative_coef *ox, const struct derm_exposure *x, double uv_factor,
                          double dt_h, struct derm_exposure_layers *L);

/** Add the step's UV to the per-voxel dose records and set the UVA elastosis deposition
 *  (mg/mL/h, grid.n) from the local fibroblast density relative to young (crowd). */
void derm_exposure_uv_records(const struct derm_grid *g, const struct derm_uv_coef *uv,
                              const struct derm_exposure_layers *L, const derm_real *crowd, double dt_h,
                              derm_real *uv_dose, derm_real *uva_dose, derm_real *dep_elastotic);

/** Relax the per-voxel dermal UV dose rate memory (SED/day) exactly toward the step's mean
 *  rate in each layer over endo_memory_h (piecewise-constant rate within the step). */
void derm_exposure_uv_memory(const struct derm_grid *g, const struct derm_uv_coef *uv, const double *uv_k, double dt_h,
                             derm_real *memory);

/** src += ros_ex_k[k] x ros_sense x k_ros in every voxel of layer k: holds the ROS excess
 *  (ROS is local and decays in milliseconds). */
void derm_exposure_add_ros(const struct derm_grid *g, const double *ros_ex_k, double ros_sense, double k_ros,
                           derm_real *src);

/** Add what the schedule delivered over [t, t + dt_h) to the cumulative totals. */
void derm_exposure_accumulate(struct derm_exposure_totals *t, const struct derm_schedule *s,
                              const struct derm_exposure *x, double dt_h);

#endif
