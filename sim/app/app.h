/* app.h - what the command-line driver's files share (sim/app: not part of the library).
 *
 * Owns: the parsed options of `run` and `check`, the exit-code and message helpers, the
 * interrupt flag set by SIGINT/SIGTERM, and one entry point per command.
 * Only sim/app sees argv, prints for the user and decides exit codes (0 ok, 2 usage or
 * configuration, 1 runtime or I/O, 130 interrupted).
 */
#ifndef DERM_APP_H
#define DERM_APP_H

#include <signal.h>
#include <stddef.h>

#include "derm/core/status.h"
#include "derm/inputs/schedule.h"
#include "derm/io/lockfile.h"
#include "derm/io/params.h"

extern volatile sig_atomic_t app_interrupted;
extern const char *const app_usage;

/** Catch SIGINT and SIGTERM into app_interrupted. */
void app_catch_signals(void);

/** Print "dermsim: MSG" on stderr; returns the exit code of s. */
int app_fail(derm_status s, const char *msg);

/** Print "dermsim: " fmt(arg) "; see 'dermsim --help'" on stderr; returns 2. */
int app_usage_error(const char *fmt, const char *arg);

/** The run directory of ARG, a finished run's directory or its run.h5, into dir (size n),
 *  for `cmd`: 0, or 2 after one line on stderr when ARG names another .h5 file, is not a
 *  directory, or is an unfinished run (run.partial.h5: `dermsim resume` finishes it). */
int app_run_dir(const char *cmd, const char *arg, char *dir, size_t n);

/** 1 if the last component of arg is one of the nnames file names (a run's own file): its
 *  directory into dir (size n; "." for a bare name, "/" for one at the root), else 0. */
int app_dir_of_run_file(const char *arg, const char *const *names, int nnames, char *dir, size_t n);

struct app_cli {
    const char *cmd, *config, *outdir;
    const char *sets[256];
    int nsets;
    const char *seed, *threads;
    int seed_at, threads_at; /* the --set options before the last --seed / --threads: applied in order */
    int quiet;
    int overwrite; /* run: replace the run in OUTDIR once the new one completes */
    int made;      /* the configuration of a run already made (its resolved.yaml): no memory check */
};

/** Options of `run` and `check` (argv[2..]); returns 0 or an exit code. */
int app_parse_cli(int argc, char **argv, struct app_cli *c);

/** Defaults, the config file, --seed/--threads, --set, then whole-configuration validation.
 *  Returns 0, or the exit code after printing every error of the file (one line each). */
int app_load_config(const struct app_cli *c, struct derm_params *p, struct derm_schedule *sched,
                    struct derm_param_origin *orig, char **text);

/** A finished run's resolved.yaml (`yaml`) into p and sched for `cmd` (report, cutometer):
 *  validated as a run's, errors at file:line:column, but no memory check (reading it builds
 *  no grid). Returns 0, or the exit code after printing the file's errors. */
int app_load_run_config(const char *cmd, const char *yaml, struct derm_params *p, struct derm_schedule *sched);

/** The command that makes the run of resolved.yaml `yaml` again, into a new directory beside
 *  `dir` (which holds the run: `run` refuses it), into buf (size n). */
void app_reproduce_command(char *buf, size_t n, const char *yaml, const char *dir);

/** The threads a run uses and why. */
struct app_threads {
    int use;     /* at most one per `per` voxels */
    int wanted;  /* asked for (run.threads, --threads), else OpenMP's default */
    int64_t per; /* DERMSIM_VOXELS_PER_THREAD, else APP_VOXELS_PER_THREAD(_ASLEEP) */
};

/** Voxels per thread at most, by default: waking a thread that sleeps costs more than a small
 *  grid's work between two barriers. Measured on the 2-core VM (quickstart-like runs, N x N
 *  x 40 voxels, wall time on 1 thread over 2; tests/bench/bench_threads_small.py): with
 *  dermsim's default waiting (a waiter checks for work GOMP_SPINCOUNT=1000 times, about
 *  10-20 us, before it sleeps; main.c), 2026-12-06: 5760 voxels 1.02, 10240 1.10, 16000 1.20-1.26,
 *  31360 1.28; with waiters that sleep at once (OMP_WAIT_POLICY=PASSIVE set by the user,
 *  no spin count; about 20 us to wake one), 2026-12-04 and 06: 16000 voxels 0.71-0.88,
 *  23040 0.93, 31360 1.03-1.09, 40960 1.20, 92160 1.29-1.37; a 216-voxel test run 1.7 s on 1
 *  thread and 4.4 s on 2. */
#define APP_VOXELS_PER_THREAD 5000
#define APP_VOXELS_PER_THREAD_ASLEEP 16384

/** The checks a waiting thread makes before it sleeps when the user set neither
 *  OMP_WAIT_POLICY nor GOMP_SPINCOUNT (main.c sets GOMP_SPINCOUNT to it; libgomp only). */
#define APP_SPIN_CHECKS "1000"

/** The threads a run of p uses: those asked for (requested > 0, else OpenMP's default), but at
 *  most one per DERMSIM_VOXELS_PER_THREAD voxels (default APP_VOXELS_PER_THREAD, or
 *  APP_VOXELS_PER_THREAD_ASLEEP when OMP_WAIT_POLICY is PASSIVE without a positive
 *  GOMP_SPINCOUNT). Results never depend on the count; the variable lets tests of that run
 *  small grids on several threads. A malformed variable is DERM_EUSAGE. Sets nothing. */
derm_status app_threads(const struct derm_params *p, int64_t requested, struct app_threads *t, struct derm_err *err);

/** " (at most one per N voxels, not W)" when t uses fewer threads than wanted, else "". */
const char *app_threads_note(const struct app_threads *t, char *buf, size_t n);

int app_cmd_run(const struct app_cli *c, int argc, char **argv);
int app_cmd_resume(int argc, char **argv);
int app_cmd_check(const struct app_cli *c);
int app_cmd_info(int argc, char **argv);
int app_cmd_sweep(int argc, char **argv);
int app_cmd_params(int argc, char **argv);
int app_cmd_compare(int argc, char **argv);
int app_cmd_report(int argc, char **argv);
int app_cmd_notebook(int argc, char **argv);
int app_cmd_cutometer(int argc, char **argv);

/* help.c: per-command help */

/** True if `cmd` is a command (run, check, params, ...). */
int app_is_command(const char *cmd);

/** The closest command name to `cmd` (for "did you mean"), or NULL. */
const char *app_suggest_command(const char *cmd);

/** Print the help of `cmd` on stdout (exit code 0), or an error for an unknown command (2). */
int app_print_help(const char *cmd);

/** True if argv[2..] asks for help (-h or --help, not as the value of an option). */
int app_wants_help(int argc, char **argv);

/* python.c: the analysis scripts (analysis/NAME.py), run with Debian's python3 */

/** The Python interpreter: $DERMSIM_PYTHON, else the one CMake found (/usr/bin/python3). */
const char *app_python(void);

/** Path of analysis/<script> under $DERMSIM_SOURCE_DIR, else the source tree dermsim was
 *  built from, into buf. Returns 0 if the file exists, else -1 (buf still holds the path). */
int app_analysis_script(const char *script, char *buf, size_t n);

/** Run `python script args...` (args NULL-terminated) and wait. Returns its exit status;
 *  -1 (with a message in msg) if the interpreter or the script is missing or cannot start.
 *  quiet: the child's stdout and stderr go to /dev/null. */
int app_run_python(const char *script_path, const char *const *args, int quiet, char *msg, size_t n);

/** Write OUTDIR/report.html with analysis/report_html.py (unless DERMSIM_REPORT_HTML=0).
 *  Never fails the caller: returns 0 if written, else prints why (unless quiet) and
 *  returns 1. */
int app_report_html(const char *outdir, int quiet);

/* ---- the output directory of a run (outdir.c) ---------------------------------------------- */

/* The files of a run directory: final names, and the names used until the run completes. */
struct app_paths {
    char dir[2048];
    char h5[2300], xdmf[2300], yaml[2300], md[2300];                     /* a completed run */
    char part_h5[2300], part_xdmf[2300], part_yaml[2300], part_md[2300]; /* until it completes */
    char part_view[2300];        /* the view script beside run.partial.xdmf (run.xdmf's: io/xdmf.h) */
    char view[2300], html[2300]; /* run_paraview.py beside run.xdmf; report.html (analysis/report_html.py) */
    char ckpt[2300], lock[2300];
    char handover[2300]; /* run.handover: present while a completed run's files are renamed into place */
};

/** Fill the paths of run directory `dir`; DERM_EUSAGE if the name is too long. */
derm_status app_paths_init(struct app_paths *P, const char *dir, struct derm_err *err);

/** mkdir -p; *created = 1 if the last component was made here. */
derm_status app_mkdir_p(const char *path, int *created, struct derm_err *err);

/** Before a new run: DERM_EUSAGE (exit 2) if `dir` holds a run or an unfinished one and
 *  !overwrite; with overwrite, remove what an abandoned unfinished run left (a completed
 *  run stays until the new one completes). */
derm_status app_outdir_check_fresh(const struct app_paths *P, int overwrite, struct derm_err *err);

/** 1 if path is a run file that completed (verified in a child process: it may be damaged). */
int app_outdir_completed(const char *path);

/** A completed run: rename the unfinished files to their final names, write run.xdmf and
 *  run_paraview.py, remove the checkpoint, fsync the directory. */
derm_status app_outdir_finish(const struct app_paths *P, struct derm_err *err);

/** After a run that failed before it wrote anything worth keeping: remove its files. */
void app_outdir_discard(const struct app_paths *P);

/** Write text to path through an exclusive temporary file, fsync and rename (never
 *  follows a symlink; the temporary file is removed on failure). */
derm_status app_write_text(const char *path, const char *text, struct derm_err *err);

#endif
