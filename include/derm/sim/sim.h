/* sim.h - the one owning simulation object and its step.
 *
 * Owns: struct derm_sim (the parameters and schedule it was made from, every mechanism's
 * coefficients, the homeostatic references, grid, fields, agents, bins, cell rates, the
 * signal solver, scratch, the current step's inputs and the integer step counter;
 * t = step * dt, never an accumulated float), the creation of the young-adult initial
 * state, and the step, which reads top to bottom in derm_sim_step as a list of named
 * phases.
 * Does not: read or write files, parse arguments or print (app/ and io/ do); hold any
 * model equation (model/, inputs/ and solve/ do).
 *
 * Homeostatic calibration (model/calibration.h): per-cell synthesis and secretion rates
 * are derived so that the young-adult state given in the parameters is a steady state;
 * ageing then runs through the subject's systemic inputs (model/subject.h) and the
 * feedbacks of the model (damage, senescence, SASP, fragmentation).
 */
#ifndef DERM_SIM_SIM_H
#define DERM_SIM_SIM_H

#include <signal.h>
#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/inputs/exposure.h"
#include "derm/inputs/schedule.h"
#include "derm/io/params.h"
#include "derm/model/calibration.h"
#include "derm/model/fibroblast.h"
#include "derm/model/matrix.h"
#include "derm/sim/coef.h"
#include "derm/sim/firmness.h"
#include "derm/solve/signal_grids.h"
#include "derm/store/agents.h"
#include "derm/store/bins.h"
#include "derm/store/fields.h"
#include "derm/store/step_inputs.h"

/* Per-layer scratch of the simulation, in values per layer: the matrix step's flux sums and
 * a series row's full-grid sums (sim/totals.c) use it in turn. */
#define DERM_SIM_LAYER_SUMS (DERM_NFIELDS > DERM_MATRIX_NFLUX + 1 ? DERM_NFIELDS : DERM_MATRIX_NFLUX + 1)

/** The phases of a step as the benchmark reports them (wall time summed per phase; the
 *  last, output, is timed by the driver around series rows, frames and checkpoints). */
#define DERM_SIM_PHASES(X)           \
    X(SUBJECT, "subject")            \
    X(BINS, "bins_crowding")         \
    X(EXPOSURES, "exposures")        \
    X(CELL_RULES, "cell_rules")      \
    X(SECRETION, "secretion")        \
    X(DEPOSIT, "deposit_treatments") \
    X(SIGNALS, "signals")            \
    X(MATRIX, "matrix")              \
    X(MOTILITY, "motility")          \
    X(LIFECYCLE, "lifecycle")        \
    X(OUTPUT, "output")
enum derm_sim_phase {
#define DERM_SIM_PHASE_ENUM(id, name) DERM_PHASE_##id,
    DERM_SIM_PHASES(DERM_SIM_PHASE_ENUM)
#undef DERM_SIM_PHASE_ENUM
        DERM_SIM_NPHASE
};
/** The phase names in order ("subject", ..., "output"). */
extern const char *const derm_sim_phase_name[DERM_SIM_NPHASE];

struct derm_sim {
    struct derm_params p; /* as given (provenance; the model reads c) */
    struct derm_schedule schedule;
    struct derm_coefs c;       /* every mechanism's constants */
    struct derm_homeostasis h; /* young-adult references derived at creation */
    struct derm_grid grid;
    struct derm_fields f;
    struct derm_agents a;
    struct derm_bins bins;
    struct derm_cell_rates rates;
    struct derm_signal_grids *diff; /* the signals' solvers, each on its grid */
    int lazy_signals;               /* any signal lazy (solve/signal_grids.h): kept as its coarse state,
                                     * with no array in f (f.make gives its values) */
    int signals_touched;            /* a signal's field or coarse state was written outside its solver
                                     * since the solver's last step (creation, restore): the next
                                     * step does not promise them unchanged (derm_signal_grids_promise_unchanged) */
    unsigned absent_signals;        /* bit q: signal q, on the voxel grid, is +0 with a +0 source and
                                     * holds neither array (f.signal[q] and src[q] NULL, read as +0):
                                     * a signal whose young level is 0 (the exosomes) until something
                                     * makes it (derm_sim_signal_arrays) */
    derm_real *sig_state;           /* their coarse states (owned by diff), checkpointed */
    int64_t sig_state_len;
    /* the UV memory field is +0 at every voxel (no UV so far): the step skips its update (+0
     * stays +0 without UV) and the matrix kernel's read of it (derm_sim_note_uv_memory) */
    int uv_memory_zero;
    /* the matrix kernel's layer sums (derm_matrix_deposition.field_sums, nz x
     * DERM_MATRIX_NSUMS) for a series row: made by a step when want_field_sums was set before it (one
     * step only), valid while field_sums_step == step, used once (derm_totals_row) */
    double *field_sums;
    int want_field_sums;
    int64_t field_sums_step;
    int64_t step;      /* completed steps */
    double dt_h;       /* step length, h */
    int64_t nsteps;    /* steps from the model's first age to age_end */
    double age0;       /* the model's first age: min(run start, young-adult age), years */
    int64_t out_step0; /* first step written: the run's start age (later steps are the history) */
    /* per-layer young references (nz each) */
    double *density_ref_k;  /* fibroblasts per voxel */
    double *crowd_factor_k; /* 1 / density_ref_k (0 where that is 0): crowding's layer factors */
    double *collagen_ref_k, *elastin_ref_k, *ha_ref_k;
    /* scratch (grid.n each, unless noted) */
    derm_real *src[DERM_NSIGNAL]; /* sources: grid.n, or a coarse signal's own coarse source */
    int src_owned[DERM_NSIGNAL];  /* 1: src[q] allocated here; 0: owned by diff */
    int src_zero[DERM_NSIGNAL];   /* 1: src[q] (on the voxel grid) is all +0, as the last deposit and
                                     treatments left it: skipped by the next deposit of nothing and
                                     passed to the solver as NULL (no scan) */
    int coarse_signals;           /* any signal on a coarser grid: sources go through src_col */
    derm_real *src_col;           /* DERM_NSIGNAL x nz: per-layer sources of exposures and treatments */
    derm_real *dep_collagen, *dep_elastin, *dep_ha, *dep_elastotic, *tmp;
    int layer_deposits;    /* 1: the first three are not held: the cells' matrix synthesis is made
                              layer by layer where it is read (DERM_LAYER_DEPOSITS) */
    derm_real *crowd;      /* grid.n: crowding at every voxel, for UV elastosis (allocated with the
                              UV records: derm_sim_uv_records) */
    derm_real *crowd_rows; /* crowd_rows_cap: crowding at each agent row's voxel (the rules') */
    int64_t crowd_rows_cap;
    double *layer_sums; /* DERM_SIM_LAYER_SUMS nz: the matrix step's and a row's sums */
    double *w_k;        /* nz: a treatment's depth profile */
    int crowd_radius;   /* voxels */
    derm_real *ones;    /* ones_cap ones: every signal at its reference, per agent row
                           (creation only; freed after) */
    int64_t ones_cap;
    derm_real *ones_sig[DERM_NSIGNAL];    /* ... as sensed signals */
    struct derm_cell_sensed sensed;       /* the signals at each agent row's voxel, as the rules read them */
    struct derm_calibration_mean cal_avg; /* young output averaged over the spin-up */
    struct derm_calibration_mean cal_now; /* the same, of the population calibrated */
    /* the current step */
    struct derm_step_inputs in;         /* what the kernels receive */
    struct derm_exposure expo;          /* what the schedule delivered over the step */
    struct derm_exposure_layers layers; /* per-layer UV, ROS and AP-1 drive (nz arrays) */
    double exo_mix[DERM_SOURCE_COUNT];  /* exosome amounts by source still present (au) */
    double exo_mult[DERM_EXO_NEFFECT];  /* emphasis of that mix, for the next step */
    double glucose_mM;                  /* plasma glucose over the last step */
    double photoadaptation;             /* the epidermis's UV adaptation level (inputs/exposure.h) */
    struct derm_wound_layers wound;     /* per-layer micro-wounds (model/wound.h; nz arrays) */
    struct derm_matrix_flux wound_flux; /* the wounds' matrix exchange of the step (in last_flux) */
    int wound_on;                       /* the schedule needles: wounds are advanced */
    /* bookkeeping for the output */
    struct derm_exposure_totals cum;   /* cumulative delivered amounts */
    struct derm_matrix_flux last_flux; /* over the last step */
    struct derm_matrix_flux cum_flux;  /* since the start of the run */
    double young_matrix[DERM_NMATRIX]; /* domain sums of every matrix field at the start */
    double *young_profile;             /* DERM_NMATRIX x nz: their lateral means per layer */
    struct derm_firmness firm;         /* the simulated Cutometer (readouts and their cache) */
    int64_t births, deaths;
    /* wall time per phase over the steps this process ran (not saved in checkpoints) */
    double phase_s[DERM_SIM_NPHASE];
    int64_t phase_steps;
    const volatile sig_atomic_t *stop; /* the setup gives up when *stop is set (derm_sim_create_until) */
};

/** Build the initial state from validated parameters and schedule. */
derm_status derm_sim_create(struct derm_sim **out, const struct derm_params *p, const struct derm_schedule *sched,
                            struct derm_err *err);

/** derm_sim_create that gives up, DERM_EINTR and nothing kept, when *stop becomes non-zero
 *  during the setup: each step of the cells' spin-up and of the settle checks it (the setup
 *  of a large grid takes minutes). stop NULL: never. */
derm_status derm_sim_create_until(struct derm_sim **out, const struct derm_params *p, const struct derm_schedule *sched,
                                  const volatile sig_atomic_t *stop, struct derm_err *err);
void derm_sim_free(struct derm_sim *s);

/** The age at which the model begins: the run's start age or, if later, the young-adult
 *  age (the years between are the subject's history, simulated and not written). */
double derm_sim_begin_age(const struct derm_params *p);

/** Subject age (years) after `step` steps. */
double derm_sim_age(const struct derm_sim *s, int64_t step);

/** The division hazard in use, 1/day (derived at creation unless given). */
double derm_sim_division_per_day(const struct derm_sim *s);

/** Add the wall time since *t (omp_get_wtime seconds) to phase ph; *t becomes now. */
void derm_sim_lap(struct derm_sim *s, enum derm_sim_phase ph, double *t);

/** Advance one step. */
derm_status derm_sim_step(struct derm_sim *s, struct derm_err *err);

/** Set uv_memory_zero from the UV memory field (after creation and after a restore): the step
 *  then leaves the field and its read alone until UV first reaches the dermis. */
void derm_sim_note_uv_memory(struct derm_sim *s);

/** The UV records (states uv_dose, uva_dose, uv_memory), the elastotic deposit and the
 *  crowding at every voxel that drives it, allocated and zeroed if absent. They are +0 until UV first reaches the
 * dermis, and absent (NULL, read as +0) until then: the first step with UV allocates them, as does a restore from a
 *  checkpoint that holds them. */
derm_status derm_sim_uv_records(struct derm_sim *s, struct derm_err *err);

/** The UV records absent again (freed, NULL), as in a simulation that has not met UV. */
void derm_sim_uv_records_free(struct derm_sim *s);

/** Signal q's field and source on the voxel grid, allocated and zeroed if absent (bit q of
 *  absent_signals, cleared): before a treatment, a cell or a checkpoint first makes it. */
derm_status derm_sim_signal_arrays(struct derm_sim *s, int q, struct derm_err *err);

/** Signal q absent again (its field and source freed, NULL; bit q of absent_signals set).
 *  Only for a signal on the voxel grid with its own source whose field and source are +0. */
void derm_sim_signal_arrays_free(struct derm_sim *s, int q);

/** 1 if signal q may be held absent: on the voxel grid, its source its own array there, its
 *  young level 0, and the sources of exposures and treatments written per layer (any
 *  signal on a coarser grid: phase_treatments adds them where they are non-zero). */
int derm_sim_signal_may_be_absent(const struct derm_sim *s, int q);

#endif
