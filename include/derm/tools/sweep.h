/* sweep.h - parameter sweeps and ensembles: plan, run, collect.
 *
 * Owns: the sweep file (YAML read with libyaml; every error located as FILE:LINE:COL),
 * its validation against the parameter table (each swept value is applied exactly as a
 * user's `--set key=value` on top of the base config), the expansion of a design (full
 * grid, Latin hypercube, Morris trajectories) times replicates into a manifest of runs
 * with seeds derived from (sweep seed, point, replicate) by Philox, the sweep directory
 * (base.yaml, sweep.yaml, runs.csv, factors.csv, runs/<run_id>/), running the pending
 * rows as child processes of the dermsim binary with per-run status files, and
 * collecting named endpoints of every run into a tidy summary.csv.
 * Does not: parse argv, print, install signal handlers or exit (app/cmd_sweep.c does); know the
 * model; write HDF5 (the children do; io/output.c reads the results).
 * Sampling: McKay, Beckman & Conover 1979 (Latin hypercube); Morris 1991 and Campolongo,
 * Cariboni & Saltelli 2007 (elementary effects, mu*).
 */
#ifndef DERM_SWEEP_H
#define DERM_SWEEP_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "derm/core/status.h"
#include "derm/io/params.h"

enum derm_sweep_design { DERM_SWEEP_GRID = 0, DERM_SWEEP_LHS, DERM_SWEEP_MORRIS };

enum derm_sweep_endpoint_kind {
    DERM_SWEEP_AT_AGE = 0, /* value at `age` (linear interpolation in age_years) */
    DERM_SWEEP_AT_END,     /* value at the last series row */
    DERM_SWEEP_TIME_TO     /* first age at which value / reference crosses `fraction` */
};

#define DERM_SWEEP_KEY_MAX 256
#define DERM_SWEEP_NAME_MAX 64

/** One swept parameter (a "factor"). */
struct derm_sweep_factor {
    char key[DERM_SWEEP_KEY_MAX]; /* dotted parameter path, as for --set */
    unsigned long line, col;      /* of the key in the sweep file (1-based) */
    int is_range;                 /* 1: min/max (lhs, morris); 0: value list (grid) */
    double lo, hi;                /* range, in the parameter's units */
    int log_scale;                /* sample uniformly in log(value) */
    int integer;                  /* INT parameter: sampled values are rounded */
    int nvalues;                  /* grid: number of values */
    char **values;                /* grid: value texts as written in the sweep file */
};

/** One named endpoint of a run, computed by `sweep collect` from the run's series. */
struct derm_sweep_endpoint {
    char name[DERM_SWEEP_NAME_MAX];     /* column name in summary.csv */
    char variable[DERM_SWEEP_NAME_MAX]; /* a series of run.h5 (e.g. collagen_total) */
    enum derm_sweep_endpoint_kind kind;
    double age_years;     /* AT_AGE: the age */
    int has_ref;          /* divide by the value at ref_age_years */
    double ref_age_years; /* reference age (TIME_TO: default = first row) */
    double fraction;      /* TIME_TO: threshold on value / reference */
};

/** A loaded, validated and expanded sweep. */
struct derm_sweep {
    char *path;      /* sweep file as given */
    char *text;      /* its verbatim text */
    char *base_path; /* base config actually loaded */
    char *base_text; /* its verbatim text */
    enum derm_sweep_design design;
    int64_t replicates;
    uint64_t seed; /* sweep seed: `seed:` or the base config's run.seed */
    int nsets;
    char **sets; /* fixed overrides "key=value" from `set:` */
    int nfactors;
    struct derm_sweep_factor *factors;
    int64_t samples, trajectories, levels; /* lhs N; morris r and p */
    int nendpoints;
    struct derm_sweep_endpoint *endpoints;
    /* expansion */
    int64_t npoints, nruns; /* nruns = npoints * replicates */
    char **cells;           /* npoints x nfactors value texts (row-major) */
    double *units;          /* npoints x nfactors coordinates in [0, 1] (grid: NaN) */
    uint64_t *seeds;        /* nruns seeds, run r = point * replicates + replicate */
    double core_seconds;    /* estimated CPU time of all runs, core-seconds */
    int64_t max_runs;       /* the largest manifest this load accepts */
};

/** Estimated cost of one simulation step per voxel, core-seconds, and the fixed cost per
 *  run (start-up, output). Measured at one thread on the 2-core development machine:
 *  configs/quickstart.yaml (16000 voxels x 2609 steps, 10.4 core-s) and the same on
 *  16 x 16 x 32 voxels (8192 x 2609, 5.1 core-s) give 2.4-2.5e-7; tiny runs of
 *  tests/bench/bench_sweep.py (~0.07 s each) bound the fixed cost. See docs/SWEEPS.md. */
#define DERM_SWEEP_CORE_S_PER_VOXEL_STEP 2.5e-7
#define DERM_SWEEP_CORE_S_PER_RUN 0.05

/** Read, validate and expand the sweep file `path`. The base config named in it is
 *  loaded relative to the sweep file's directory, unless `base_override` is not NULL.
 *  Errors (DERM_ECONFIG) read "FILE:LINE:COL: ...". Free with derm_sweep_free. */
derm_status derm_sweep_load(const char *path, const char *base_override, struct derm_sweep **out, struct derm_err *err);

/** derm_sweep_load refusing designs of more than max_runs runs (DERM_ECONFIG) before they
 *  are expanded: a big design is slow and large by nature (the fuzz harness bounds it). */
derm_status derm_sweep_load_bounded(const char *path, const char *base_override, int64_t max_runs,
                                    struct derm_sweep **out, struct derm_err *err);

void derm_sweep_free(struct derm_sweep *s);

/** The run seed of (point, replicate): a pure function of (sweep seed, point, replicate,
 *  attempt) through Philox; `attempt` > 0 only resolves the (astronomically rare) clash of
 *  two runs. Result in [0, 2^62). */
uint64_t derm_sweep_seed(uint64_t sweep_seed, uint64_t point, uint64_t replicate, uint64_t attempt);

/** The run id of run `row` ("p0003_r1"); ids sort in row order. */
void derm_sweep_run_id(const struct derm_sweep *s, int64_t row, char *buf, size_t n);

/** Write runs.csv (header: run_id,point,replicate,seed,<factor keys>). Floats use %.17g. */
derm_status derm_sweep_write_runs(const struct derm_sweep *s, FILE *fp, struct derm_err *err);

/** Plan into `dir` (created if needed): base.yaml, sweep.yaml, runs.csv, factors.csv.
 *  Refuses (DERM_EUSAGE) a directory that holds results of a different plan. */
derm_status derm_sweep_plan(const char *sweep_path, const char *dir, struct derm_sweep **out, struct derm_err *err);

/** Load the plan of a sweep directory (dir/sweep.yaml with dir/base.yaml), check base.yaml,
 *  sweep.yaml and runs.csv against dir/plan.txt and that runs.csv is the manifest the plan
 *  expands to. An edited file is DERM_EUSAGE naming it. */
derm_status derm_sweep_open(const char *dir, struct derm_sweep **out, struct derm_err *err);

/** Write dir/plan.txt: CRC-32 and size of base.yaml, sweep.yaml and runs.csv, the row count
 *  and the fixed overrides (sweep_plan.c). */
derm_status derm_sweep_plan_record(const struct derm_sweep *s, const char *dir, struct derm_err *err);

/** 1 if DIR holds a plan.txt that derm_sweep_plan_record wrote (by its first line), else 0. */
int derm_sweep_plan_recorded(const char *dir);

/** Check base.yaml, sweep.yaml and runs.csv of dir against dir/plan.txt. */
derm_status derm_sweep_check_plan(const char *dir, struct derm_err *err);

/** One row of a planned sweep, as `sweep run` passes it to `dermsim run`. */
struct derm_sweep_row {
    int64_t row;
    char id[DERM_SWEEP_NAME_MAX];
    uint64_t seed;
    int nsets;
    char **sets; /* "key=value": the fixed overrides, then the swept values */
};

/** Row `index` of dir/runs.csv and the overrides of dir/plan.txt (after checking the plan),
 *  without loading or expanding the sweep. Free with derm_sweep_row_free. */
derm_status derm_sweep_read_row(const char *dir, int64_t index, struct derm_sweep_row *row, struct derm_err *err);

void derm_sweep_row_free(struct derm_sweep_row *row);

/** Row `row` of a loaded sweep, as derm_sweep_read_row gives it from the manifest. */
derm_status derm_sweep_row_of(const struct derm_sweep *s, int64_t row, struct derm_sweep_row *r, struct derm_err *err);

/** 1 if the run file h5 (verified first) was made for `row` of the sweep in dir: its resolved
 *  configuration is dir/base.yaml with the row's overrides and seed, its run.threads aside;
 *  else 0, with what differs (the row's first line that the file does not have) in why. */
int derm_sweep_run_matches(const char *dir, const struct derm_sweep_row *row, const char *h5, char *why, size_t n);

/** Progress of `sweep run`, passed to the caller's callback. */
struct derm_sweep_progress {
    int64_t total, skipped, done, failed, running, pending;
    double eta_s; /* < 0: unknown */
};

struct derm_sweep_run_opts {
    int jobs;                    /* concurrent simulations (>= 1) */
    int64_t index;               /* run only this row; -1: every pending row */
    int threads;                 /* threads to share out; <= 0: omp_get_max_threads() */
    const char *exe;             /* dermsim binary; NULL: /proc/self/exe */
    volatile sig_atomic_t *stop; /* set by the caller's signal handler; may be NULL */
    void (*progress)(const struct derm_sweep_progress *, void *ctx); /* may be NULL */
    void *progress_ctx;
};

struct derm_sweep_run_result {
    int64_t total;   /* rows considered */
    int64_t skipped; /* already complete */
    int64_t busy;    /* being run by another process (its row lock is held) */
    int64_t ok, failed, interrupted;
    char first_busy[512];                   /* the first busy row and who holds it */
    char first_failed[DERM_SWEEP_NAME_MAX]; /* run id of the first failure */
    char first_error[512];                  /* its exit code and last error line */
};

/** Run the pending rows of a planned sweep directory (or only row opts->index).
 *  Returns DERM_OK when every attempted run finished (result->failed may be > 0),
 *  DERM_EINTR when stopped through opts->stop (children are terminated and marked
 *  interrupted), other statuses for errors of the sweep itself. */
derm_status derm_sweep_run(const char *dir, const struct derm_sweep_run_opts *opts,
                           struct derm_sweep_run_result *result, struct derm_err *err);

/** Value of one endpoint from a run's series (age_years[n], values[n]); NaN when it cannot
 *  be computed (age outside the run, reference of zero, threshold never crossed). */
double derm_sweep_endpoint_eval(const struct derm_sweep_endpoint *e, const double *age_years, const double *values,
                                int64_t n);

/** Write dir/summary.csv: run_id,point,replicate,seed,<factors>,status,error,<endpoints>.
 *  status is ok (run.h5 completed and verified), damaged (run.h5 present but failing its
 *  checks: error says why), failed, interrupted, running (from runs/<id>/status) or
 *  pending; endpoints are filled for ok rows only. A damaged row never stops the summary.
 *  *nrows (may be NULL) receives the row count and *nok the runs with status ok. */
derm_status derm_sweep_collect(const char *dir, int64_t *nrows, int64_t *nok, struct derm_err *err);

/* Internal helpers shared by sweep*.c (derm_ prefix: they are external symbols). */
derm_status derm_sweep_write_atomic(const char *path, const char *text, size_t len, struct derm_err *err);
derm_status derm_sweep_read_text(const char *path, char **out, struct derm_err *err);
derm_status derm_sweep_mkdir(const char *path, struct derm_err *err);

#endif
