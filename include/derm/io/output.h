/* output.h - the run file (run.h5), its ParaView sidecar (run.xdmf) and `dermsim info`.
 *
 * Owns: every HDF5 call of the run file (io/output.c writes, io/output_read.c reads and
 * verifies). The layout follows ../shared/OUTPUT.md: netCDF-4-compatible HDF5, everything at
 * the root group, dimension scales x, y, z (fixed, um, cell centres), time, frame and agent
 * (unlimited); totals as 1-D (time) doubles from the totals registry; fields as
 * (frame, z, y, x) float32; depth profiles (frame, z); agents as a CF contiguous ragged
 * array (agent_count(frame) + one column per agent variable from the agents registry).
 * Every variable carries units and long_name. The root attribute `completed` is 0 until
 * derm_output_close(..., completed = 1).
 *
 * Crash consistency: nothing that has been flushed is ever rewritten with different bytes.
 * Fields and profiles are chunked one frame per chunk, so each chunk is written once
 * (shuffle + deflate + Fletcher32 checksum); the appended 1-D variables (series, frame
 * coordinates, agent columns) are stored unfiltered, so appending rewrites their last
 * chunk in place with identical bytes for the rows already there, and their integrity is
 * checked by two CRC-32 variables: row_checksum(time) over each series row and
 * frame_checksum(frame) over each frame's coordinates and agent rows. The file is flushed
 * after every batch of series rows (DERM_OUTPUT_ROW_BATCH) and every frame
 * (and fsync'd after every frame), disk space is reserved before each batch of rows and
 * each frame, and the first failed write freezes the file at its last flushed
 * state (io/h5file.c), so a killed run, a full disk or a read-only file system leaves a file
 * that reads correctly up to its last complete row and frame. HDF5 1.10 flushes in its own
 * order and a kill can tear a write, so every flush is made atomic by an undo log
 * (PATH.undo, io/h5file.c) that derm_output_recover restores.
 * Does not: compute totals (sim/totals.c), decide when to write or name files (app/).
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
    const char *omp_wait_policy; /* OMP_WAIT_POLICY in effect (NULL: the runtime's default) */
    double voxel_um;
};

/** One scalar time series: its name, units and long name (the totals registry,
 *  sim/totals.h, is a table of these). */
struct derm_series_desc {
    const char *name, *units, *long_name;
};

/* Depth profiles the simulation computes per layer (not lateral means of a field), written
 * with every frame as NAME(frame, z) after the field profiles: the layers of the suction
 * mechanics (sim/firmness.h). X(name, units, long_name) */
#define DERM_FRAME_PROFILES(X)                                                                 \
    X("mech_g0_profile", "kPa",                                                                \
      "instantaneous shear modulus G0 of each layer (Burgers solid of the suction mechanics)") \
    X("mech_g1_profile", "kPa", "delayed (Kelvin) shear modulus G1 of each layer")             \
    X("mech_tau1_profile", "s", "time constant of the delayed extension of each layer")        \
    X("mech_eta_f_profile", "kPa.s", "viscosity of the irreversible flow of each layer")

enum {
#define DERM_X_COUNT(name, units, ln) +1
    DERM_NFRAME_PROFILES = 0 DERM_FRAME_PROFILES(DERM_X_COUNT)
#undef DERM_X_COUNT
};

/** Name, units and long name of frame profile i in [0, DERM_NFRAME_PROFILES). */
const struct derm_series_desc *derm_output_frame_profile(int i);

struct derm_output_opts {
    const struct derm_series_desc *series; /* the 1-D series written at every row, in order */
    int nseries;
    int write_fields; /* 4-D field snapshots per frame */
    int write_agents; /* ragged agent table per frame */
    int compression;  /* deflate level 0..9 */
};

/** The largest chunk of a 4-D field dataset (one frame or less), bytes of float32. A frame
 *  keeps two buffers of one chunk per thread while its chunks are filtered in parallel. */
#define DERM_OUTPUT_FIELD_CHUNK_MAX_BYTES (4u << 20)

/** Series rows are kept in memory and appended together: at most DERM_OUTPUT_ROW_BATCH rows
 *  or DERM_OUTPUT_ROW_SECONDS of wall time after the first kept row, and at every frame,
 *  derm_output_sync and derm_output_close. One row's append and flush (~150 variables, their
 *  headers rewritten through the undo log) took ~3 ms, a tenth of a step of the reference
 *  tissue. */
#define DERM_OUTPUT_ROW_BATCH 32
#define DERM_OUTPUT_ROW_SECONDS 2.0

/** How much of a run file is written: series rows, frames, rows of the agent table. */
struct derm_output_pos {
    int64_t rows, frames, agent_rows;
};

struct derm_output;

/** Create `h5_path`, which must not exist (never truncates, never follows a symlink: an
 *  existing path is DERM_EIO "... exists"). If `xdmf_path` is not NULL the sidecar is
 *  rewritten after every frame, referring to the HDF5 file by its base name. */
derm_status derm_output_create(struct derm_output **out, const char *h5_path, const char *xdmf_path,
                               const struct derm_output_meta *meta, const struct derm_grid *g,
                               const struct derm_output_opts *opts, struct derm_err *err);

/** Reopen an unfinished run file written with the same grid and options to append to it
 *  (resume): every appendable variable is cut back to `pos` (what a checkpoint recorded),
 *  which must not exceed what the file holds. */
derm_status derm_output_reopen(struct derm_output **out, const char *h5_path, const char *xdmf_path,
                               const struct derm_grid *g, const struct derm_output_opts *opts,
                               const struct derm_output_pos *pos, struct derm_err *err);

/** Bring an unfinished run file back to its state after its writer's last completed flush
 *  (restore and remove its undo log, PATH.undo, which a kill mid-flush leaves; io/h5file.c).
 *  Only for a file no process writes. DERM_EIO with one line naming the file if that fails. */
derm_status derm_output_recover(const char *h5_path, struct derm_err *err);

/** What is in the file so far (series rows still kept in memory are not: derm_output_sync
 *  writes them). */
void derm_output_get_pos(const struct derm_output *o, struct derm_output_pos *pos);

/** Append one row of the time series: step, time (day), age (years), totals[nseries]; kept
 *  in memory until its batch is written (DERM_OUTPUT_ROW_BATCH). */
derm_status derm_output_series(struct derm_output *o, int64_t step, double time_day, double age_years,
                               const double *totals, struct derm_err *err);

/** Append one frame: fields (if enabled), lateral-mean depth profiles of every field, the
 *  computed profiles `profiles` (DERM_NFRAME_PROFILES x nz, in registry order; NULL writes
 *  zeros, for tests of the file layer), agents (if enabled). */
derm_status derm_output_frame(struct derm_output *o, int64_t step, double time_day, double age_years,
                              const struct derm_fields *f, const double *profiles, const struct derm_agents *a,
                              struct derm_err *err);

/** Flush and fsync what is written (before a checkpoint records the positions). */
derm_status derm_output_sync(struct derm_output *o, struct derm_err *err);

/** Set root attribute `completed` (0/1), flush, fsync, close and free. Always frees `o`.
 *  After a failed write the file is left as it was at its last flush and `completed` is
 *  not changed. */
/** Root attributes phase_names (the n names joined by commas), phase_seconds (wall time
 *  per phase, s), phase_steps (the steps they cover: those this process ran, so a resumed
 *  run's count starts at the resume) and, when peak_bytes > 0, peak_memory_bytes (the
 *  process's resident peak so far); replaced if present. Provenance for the benchmark, not
 *  compared between runs. */
derm_status derm_output_timing(struct derm_output *o, const char *const *names, const double *seconds, int n,
                               int64_t steps, double peak_bytes, struct derm_err *err);
derm_status derm_output_close(struct derm_output *o, int completed, struct derm_err *err);

/** (Re)write the XDMF sidecar `xdmf_path` (and its view script, io/xdmf.h) for run file
 *  `h5_path` (which it names by its base name): write PATH.tmp, then rename. Nothing is
 *  written for a file with neither 4-D fields nor agents. */
derm_status derm_output_xdmf(const char *h5_path, const char *xdmf_path, struct derm_err *err);

/* ---- reading (io/output_read.c): every read checks types, shapes and sizes ---------------- */

/** What derm_output_verify found. */
struct derm_output_summary {
    int completed;           /* root attribute completed */
    int64_t rows, frames;    /* complete series rows and frames (every variable present) */
    int64_t agent_rows;      /* rows of the agent table of the complete frames */
    int64_t last_step;       /* step of the last complete row (-1: none) */
    int64_t last_frame_step; /* step of the last complete frame (-1: none) */
    int64_t nx, ny, nz;
    int has_fields, has_agents;
    int has_checksums;   /* row_checksum and frame_checksum (files of dermsim since issue 12) */
    int64_t chunks_read; /* compressed chunks read and checksummed */
    int trailing;        /* 1 if an unfinished row or frame follows the complete ones */
    int has_config;      /* the root attribute config_resolved is there: */
    uint32_t config_crc; /* its CRC-32 (core/crc.h), to tell which run a file holds */
};

/** Check a run file: its structure (every variable the writer makes, with the types and
 *  shapes it writes), that lengths agree, the row and frame checksums, that the last
 *  frame is not newer than the last series row (in a completed run's file), and that
 *  compressed chunks decompress and pass their Fletcher32 checksum: every chunk if `full`,
 *  else the last frame's. A file of a run that did not complete may end in one unfinished
 *  row and one unfinished frame
 *  (killed while HDF5 flushed them, in HDF5's own order: lengths, chunks or values not all
 *  on disk); those are not counted (s->trailing) and everything before them must verify.
 *  A damaged file is DERM_ECORRUPT with one line naming the file and what is wrong; a file
 *  that is not a run file is DERM_EIO. `s` may be NULL. */
derm_status derm_output_verify(const char *h5_path, int full, struct derm_output_summary *s, struct derm_err *err);

/** derm_output_verify(full) of only the first pos->rows rows and pos->frames frames of an
 *  unfinished run file (what a checkpoint recorded as flushed and fsync'd; resume appends
 *  after them): all of them must be there and verify; whatever follows is not read, as it
 *  is cut off. A completed file is verified whole. */
derm_status derm_output_verify_prefix(const char *h5_path, const struct derm_output_pos *pos,
                                      struct derm_output_summary *s, struct derm_err *err);

/** Print a human summary of a run file (dermsim info), after derm_output_verify(full). */
derm_status derm_output_info(const char *h5_path, int full, FILE *fp, struct derm_err *err);

/** Read the named 1-D double series (e.g. "collagen_total", "age_years") of a run file;
 *  *vals is malloc'd (caller frees), *n its length. Used by report.c, sweeps and tests. */
derm_status derm_output_read_series(const char *h5_path, const char *name, double **vals, int64_t *n,
                                    struct derm_err *err);

/** Read the named (frame, z) double profile (e.g. "mech_g0_profile") of a run file;
 *  *vals is malloc'd (nframes x nz, frame-major; caller frees). */
derm_status derm_output_read_profile(const char *h5_path, const char *name, double **vals, int64_t *nframes,
                                     int64_t *nz, struct derm_err *err);

/** Root attribute `completed` of a run file: *completed = 1 only after a clean finish.
 *  DERM_EIO if the file cannot be opened, DERM_ECORRUPT if the attribute is absent or not
 *  a single integer (*completed = 0). */
derm_status derm_output_read_completed(const char *h5_path, int *completed, struct derm_err *err);

/** A root text attribute of a run file ("config_resolved": the resolved configuration it was
 *  made with; "software_version", "git_describe": the build that made it); *text is malloc'd
 *  (caller frees). Read in this process: verify the file first. */
derm_status derm_output_read_text(const char *h5_path, const char *name, char **text, struct derm_err *err);

/** HDF5 library version string, e.g. "1.10.8". */
const char *derm_output_hdf5_version(void);

#endif
