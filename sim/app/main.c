/* main.c - the dermsim command line: usage and dispatch to one command per file (app.h).
 * sim/app is the only place that sees argv, prints for the user and maps statuses to exit
 * codes (0 ok, 2 usage/config, 1 runtime/I-O, 130 interrupted); everything else lives in the
 * library (dermsim_core) and the sweep tool (dermsim_sweep). */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "derm/io/config.h"
#include "derm/io/output.h"
#include "derm/version.h"

const char *const app_usage =
    "usage: dermsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run CONFIG [-o OUTDIR] [--set section.key=value ...] [--seed N] [--threads N] [--quiet]\n"
    "      [--overwrite]\n"
    "        run a simulation; writes OUTDIR/run.h5, run.xdmf, resolved.yaml and report.md when it\n"
    "        completes (until then run.partial.h5, ...; OUTDIR defaults to out/<config name>);\n"
    "        an OUTDIR holding a run is refused unless --overwrite is given\n"
    "  resume OUTDIR [--threads N] [--quiet]\n"
    "        continue an interrupted or killed run from its checkpoint.h5\n"
    "  check CONFIG [--set section.key=value ...]\n"
    "        validate a configuration without running it\n"
    "  params\n"
    "        list every parameter with units, default, allowed range and source\n"
    "  info RUN.h5 [--verify]\n"
    "        check and summarise a run file (--verify: every chunk and checksum); exit 1 if damaged\n"
    "  sweep plan SWEEP.yaml -o DIR     expand a sweep into DIR/runs.csv (prints runs and core-hours)\n"
    "  sweep run DIR [-j N] [--index I] [--quiet]\n"
    "        run the pending rows, N at a time (or only row I); resumable\n"
    "  sweep collect DIR                write DIR/summary.csv (see docs/SWEEPS.md)\n"
    "\n"
    "options:\n"
    "  -h, --help      show this help\n"
    "  -V, --version   show the version\n"
    "\n"
    "exit codes: 0 success, 2 bad usage or invalid configuration, 1 runtime or I/O failure,\n"
    "130 interrupted (the output is closed and marked incomplete)\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(app_usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(app_usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("dermsim %s (%s; %s; HDF5 %s)\n", DERM_VERSION, DERM_GIT_DESCRIBE, DERM_COMPILER,
               derm_output_hdf5_version());
        return 0;
    }
    if (!strcmp(cmd, "params")) {
        if (argc > 2) return app_usage_error("'params' takes no arguments, got '%s'", argv[2]);
        derm_config_print_keys(stdout);
        return 0;
    }
    if (!strcmp(cmd, "info")) return app_cmd_info(argc, argv);
    if (!strcmp(cmd, "sweep")) return app_cmd_sweep(argc, argv);
    if (!strcmp(cmd, "resume")) return app_cmd_resume(argc, argv);
    if (strcmp(cmd, "run") != 0 && strcmp(cmd, "check") != 0) return app_usage_error("unknown command '%s'", cmd);
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(app_usage, stdout);
            return 0;
        }
    struct app_cli c;
    int rc = app_parse_cli(argc, argv, &c);
    if (rc != 0) return rc;
    if (!c.config) return app_usage_error("'%s' needs a configuration file", cmd);
    if (!strcmp(cmd, "check")) {
        if (c.outdir || c.quiet || c.threads || c.overwrite)
            return app_usage_error("'check' takes only CONFIG, --set and --seed%s", "");
        return app_cmd_check(&c);
    }
    return app_cmd_run(&c, argc, argv);
}
