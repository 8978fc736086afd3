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
#include "derm/io/params.h"

extern volatile sig_atomic_t app_interrupted;
extern const char *const app_usage;

/** Catch SIGINT and SIGTERM into app_interrupted. */
void app_catch_signals(void);

/** Print "dermsim: MSG" on stderr; returns the exit code of s. */
int app_fail(derm_status s, const char *msg);

/** Print "dermsim: " fmt(arg) "; see 'dermsim --help'" on stderr; returns 2. */
int app_usage_error(const char *fmt, const char *arg);

struct app_cli {
    const char *cmd, *config, *outdir;
    const char *sets[256];
    int nsets;
    const char *seed, *threads;
    int quiet;
};

/** Options of `run` and `check` (argv[2..]); returns 0 or an exit code. */
int app_parse_cli(int argc, char **argv, struct app_cli *c);

/** Defaults, the config file, --seed/--threads, --set, then whole-configuration validation. */
derm_status app_load_config(const struct app_cli *c, struct derm_params *p, struct derm_schedule *sched,
                            struct derm_param_origin *orig, char **text, struct derm_err *err);

int app_cmd_run(const struct app_cli *c, int argc, char **argv);
int app_cmd_check(const struct app_cli *c);
int app_cmd_sweep(int argc, char **argv);
int app_cmd_params(int argc, char **argv);
int app_cmd_compare(int argc, char **argv);
int app_cmd_report(int argc, char **argv);
int app_cmd_notebook(int argc, char **argv);

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

#endif
