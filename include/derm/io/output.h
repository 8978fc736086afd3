/* io.h - the run file (run.h5), its ParaView sidecar (run.xdmf) and `dermsim info`.
 *
 * Owns: every HDF5 call in the project (output.c is the only file that includes hdf5.h).
 * The layout follows ../shared/OUTPUT.md: netCDF-4-compatible HDF5, everything at the
 * root group, dimension scales x, y, z (fixed, um, cell centres), time, frame and agent
 * (unlimited); totals as 1-D (time) doubles from the totals registry; fields as
 * (frame, z, y, x) float32, chunked, shuffle + deflate; depth profiles (frame, z);
 * agents as a CF contiguous ragged array (agent_count(frame) + one column per agent
 * variable from the agents registry). Every variable carries units and long_name.
 * The file is flushed after every row and frame; the root attribute `completed` is 0
 * until derm_output_close(..., completed = 1).
 * Does not: compute totals (sim/totals.c) or decide when to write (app/main.c).
 */
#ifndef DERM_IO_OUTPUT_H
#define DERM_IO_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"
#include "derm/store/agents.h"
#include "derm/store/fields.h"

struct derm_output_meta {
    const char *title;            /* e.g. "dermsim run of configs/quickstart.yaml" */
    const char *software_version; /* DERM_VERSION */
    const char *git_describe;     /* from the build */
    const char *compiler;         /* e.g. "GNU 12.2.0" */
    const char *build_flags;
    const char *config_text;     /* verbatim config file */
    const char *config_resolved; /* full resolved YAML */
    const char *command_line;    /* command that reproduces the run */
    uint64_t seed;
    int omp_threads;
    double voxel_um;
};

/** One scalar time series: its name, units and long name (the totals registry,
 *  sim/totals.h, is a table of these). */
struct derm_series_desc {
    const char *name, *units, *long_name;
};

struct derm_output_opts {
    const struct derm_series_desc *series; /* the 1-D series written at every row, in order */
    int nseries;
    int write_fields; /* 4-D field snapshots per frame */
    int write_agents; /* ragged agent table per frame */
    int compression;  /* deflate level 0..9 */
};

struct derm_output;

/** Create (truncate) `h5_path`; if `xdmf_path` is not NULL the sidecar is rewritten after
 *  every frame, referring to the HDF5 file by its base name. */
derm_status derm_output_create(struct derm_output **out, const char *h5_path, const char *xdmf_path,
                               const struct derm_output_meta *meta, const struct derm_grid *g,
                               const struct derm_output_opts *opts, struct derm_err *err);

/** Append one row of the time series: step, time (day), age (years), totals[nseries]. */
derm_status derm_output_series(struct derm_output *o, int64_t step, double time_day, double age_years,
                               const double *totals, struct derm_err *err);

/** Append one frame: fields (if enabled), lateral-mean depth profiles of every field,
 *  agents (if enabled). */
derm_status derm_output_frame(struct derm_output *o, int64_t step, double time_day, double age_years,
                              const struct derm_fields *f, const struct derm_agents *a, struct derm_err *err);

/** Set root attribute `completed` (0/1), flush, close and free. Always frees `o`. */
derm_status derm_output_close(struct derm_output *o, int completed, struct derm_err *err);

/** Print a human summary of a run file (dermsim info). */
derm_status derm_output_info(const char *h5_path, FILE *fp, struct derm_err *err);

/** Read the named 1-D double series (e.g. "collagen_total", "age_years") of a run file;
 *  *vals is malloc'd (caller frees), *n its length. Used by report.c and tests. */
derm_status derm_output_read_series(const char *h5_path, const char *name, double **vals, int64_t *n,
                                    struct derm_err *err);

/** Root attribute `completed` of a run file: *completed = 1 only after a clean finish.
 *  DERM_EIO if the file cannot be opened or has no such attribute (*completed = 0). */
derm_status derm_output_read_completed(const char *h5_path, int *completed, struct derm_err *err);

/** HDF5 library version string, e.g. "1.10.8". */
const char *derm_output_hdf5_version(void);

#endif
