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

#endif
