/* coef.h - every mechanism's constant coefficients, made once from the parameter table.
 *
 * Owns: struct derm_coefs (one const coefficient struct per mechanism, in model units:
 * hours, um, mg/mL, au) and derm_coef_build, the one place that reads struct derm_params
 * for the model. Unit conversions (per year and per day to per hour, half-lives to rates,
 * speeds to motility coefficients) happen here, once; nothing rewrites a coefficient
 * during a run. Per-step inputs travel in struct derm_step_inputs instead.
 * Does not: derive the homeostatic references (model/calibration.c).
 */
#ifndef DERM_SIM_COEF_H
#define DERM_SIM_COEF_H

#include "derm/core/grid.h"
#include "derm/inputs/exposure.h"
#include "derm/inputs/schedule.h"
#include "derm/inputs/treatment.h"
#include "derm/io/params.h"
#include "derm/mech/tissue.h"
#include "derm/model/calibration.h"
#include "derm/model/fibroblast.h"
#include "derm/model/initial.h"
#include "derm/model/lifecycle.h"
#include "derm/model/matrix.h"
#include "derm/model/motility.h"
#include "derm/model/progenitor.h"
#include "derm/model/readouts.h"
#include "derm/model/subject.h"
#include "derm/model/vascular.h"
#include "derm/model/wound.h"

/** Solver constants of every signal, from the signal registry's parameters. */
struct derm_signal_coef {
    double D_um2_h[DERM_NSIGNAL]; /* diffusion, um^2/h */
    double k_h[DERM_NSIGNAL];     /* decay, 1/h */
    double level[DERM_NSIGNAL];   /* young-adult level, au */
};

struct derm_coefs {
    struct derm_signal_coef signal;
    struct derm_matrix_coef matrix;
    struct derm_fibroblast_coef fibroblast;
    struct derm_progenitor_coef progenitor;
    struct derm_motility_coef motility;
    struct derm_lifecycle_coef lifecycle;
    struct derm_subject_coef subject;
    struct derm_vascular_coef vascular;
    struct derm_readout_coef readout;
    struct derm_mech_coef mech;              /* composition to the suction column */
    struct derm_suction_protocol cutometer;  /* the simulated suction test */
    struct derm_suction_mesh cutometer_mesh; /* its finite-element mesh */
    double cutometer_tolerance;              /* relative column change that triggers a new solve */
    struct derm_calibration_coef calibration;
    struct derm_initial_coef initial;
    struct derm_uv_coef uv;
    struct derm_oxidative_coef oxidative;
    struct derm_treatment_coef treatment;
    struct derm_wound_coef wound;
    struct derm_schedule_consts schedule; /* what the schedule's integration needs */
};

/** Every mechanism's coefficients from validated parameters on grid g. */
void derm_coef_build(const struct derm_params *p, const struct derm_grid *g, struct derm_coefs *c);

#endif
