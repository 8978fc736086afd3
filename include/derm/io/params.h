/* params.h - the typed parameter set and its descriptor table.
 *
 * Owns: struct derm_params (one member per row of params.def; the three parameters of every
 * signal as signal[DERM_S_<ID>], generated from the signal registry in store/fields.h), the
 * descriptor table (path, type, units, default, range, choices, documentation), defaults,
 * lookup by path, "did you mean" suggestions, whole-set cross-checks, and writing the
 * resolved set as YAML or as a table.
 * Does not: read files (config.c does), hold the schedule (inputs/schedule.h; config.c
 * loads both), or know what any parameter means to the model (sim/coef.c turns the set
 * into each mechanism's coefficients).
 */
#ifndef DERM_IO_PARAMS_H
#define DERM_IO_PARAMS_H

#include <stdint.h>
#include <stdio.h>

#include "derm/core/desc.h"
#include "derm/core/status.h"
#include "derm/core/units.h"
#include "derm/store/fields.h"

/** The parameters of one signal (signals.<name>.*). */
struct derm_signal_params {
    double diffusion_um2_per_s; /* um^2/s */
    double half_life_h;         /* h */
    double young_level;         /* au */
};

struct derm_params {
#define X(member, path, type, units, def, lo, hi, choices, doc) DERM_PT_CTYPE_##type member;
#include "derm/io/params.def"
#undef X
    struct derm_signal_params signal[DERM_NSIGNAL];
};

/* Enum values (indices into the choices strings of params.def). */
enum { DERM_BOTTOM_NOFLUX = 0, DERM_BOTTOM_VASCULAR = 1 };
enum { DERM_SEX_FEMALE = 0, DERM_SEX_MALE = 1 };

/** Number of parameters and the table itself (in params.def order). */
size_t derm_params_count(void);
const struct derm_param_desc *derm_params_table(void);

/** Fill every member with its default. */
void derm_params_defaults(struct derm_params *p);

/** Descriptor for a dotted path, or NULL. */
const struct derm_param_desc *derm_params_find(const char *path);

/** Closest known path to `path` (edit distance, for "did you mean"), or NULL if nothing
 *  is reasonably close. Also suggests a known section when only the key is wrong. */
const char *derm_params_suggest(const char *path);

/** True when `prefix` names a section or sub-section ("run", "signals", "signals.tgfb"). */
int derm_params_is_section(const char *prefix);

/** Parse `text` as the descriptor's type, range-check it and store it into `p`
 *  (derm_desc_set_text on the parameter set). */
derm_status derm_params_set_text(struct derm_params *p, const struct derm_param_desc *d, const char *text,
                                 const char *where, struct derm_err *err);

/** Read a member as double (REAL/INT/BOOL/ENUM). */
double derm_params_get(const struct derm_params *p, const struct derm_param_desc *d);

/** Format a member's value as YAML scalar text (derm_desc_format). */
void derm_params_format(const struct derm_params *p, const struct derm_param_desc *d, char *buf, size_t n);

/** Where each parameter got its value: "FILE:LINE:COL", "--set" or "" (default).
 *  Arrays of these have derm_params_count() entries in table order. */
#define DERM_WHERE_MAX 512
struct derm_param_origin {
    char where[DERM_WHERE_MAX];
};

/** Cross-parameter checks: age_end > age_start, hrt period inside the run, output
 *  intervals, grid size overflow (the memory a run needs is checked with its schedule:
 *  derm_params_check_memory, from derm_config_validate), ...
 *  `origins` (may be NULL) lets the message cite the offending key's location, as in
 *  "cfg.yaml:4:18: key 'run.age_end_years': 20 is not after run.age_start_years (25);
 *  expected a value > 25". The schedule is validated beside it (derm_schedule_validate). */
derm_status derm_params_validate(const struct derm_params *p, const struct derm_param_origin *origins,
                                 struct derm_err *err);

/** What a run's schedule makes that a run without it holds no arrays for (the `needs` of
 *  derm_params_memory_estimate; derm_config_memory_needs makes them from a schedule). */
enum {
    DERM_MEM_UV = 1u,       /* UV: the UV records and the elastotic deposit (sim/sim.h derm_sim_uv_records) */
    DERM_MEM_EXOSOMES = 2u, /* exosomes: their field and source on the voxel grid (derm_sim_signal_arrays) */
    DERM_MEM_ALL = 3u       /* when unknown */
};

/** Estimated peak memory of a run with these parameters, bytes: the arrays on the voxel grid,
 *  each signal's arrays on its own grid (domain.signal_voxel_ratio), and the agents at twice
 *  the papillary density everywhere (within ~3 % of the measured peak of the reference run,
 *  at ratio 0.125 and 0). needs: DERM_MEM_* bits of what the schedule delivers (DERM_MEM_ALL
 *  when unknown): without DERM_MEM_UV a run never allocates its UV records (four voxel-grid
 *  arrays), and without DERM_MEM_EXOSOMES, when some signal is on a coarser grid, never
 *  the exosomes' two. */
double derm_params_memory_estimate(const struct derm_params *p, unsigned needs);

/** The crowding radius in voxels (fibroblast.crowding_radius_um over domain.voxel_um,
 *  rounded): the reach over which cells crowd and spread their matrix synthesis. */
int derm_params_crowd_radius(const struct derm_params *p);

/** 1 if a run makes the cells' matrix deposits layer by layer instead of holding their three
 *  arrays (core/grid.h DERM_LAYER_DEPOSITS and derm_grid_layers_worth at the threads the
 *  memory estimate counts: run.threads, or every processor when it is 0): the one rule of
 *  the simulation's choice (sim/sim.c) and of the estimate. A run on more threads
 *  (OMP_NUM_THREADS, resume --threads) holds more per-thread scratch than counted. */
int derm_params_layer_deposits(const struct derm_params *p);

/** DERM_ECONFIG, citing the first grid key the configuration set, when the estimate
 *  (derm_params_memory_estimate with needs) exceeds 80 % of the memory available to a new
 *  process; DERM_OK otherwise or when that is unknown. derm_config_validate runs it with the
 *  schedule's needs. */
derm_status derm_params_check_memory(const struct derm_params *p, const struct derm_param_origin *origins,
                                     unsigned needs, struct derm_err *err);

/** Write the full resolved parameter set as nested YAML with units comments. */
void derm_params_write_yaml(const struct derm_params *p, FILE *fp);

/** Print every parameter: path, units, default, range, description (dermsim params). */
void derm_params_print_table(FILE *fp);

#endif
