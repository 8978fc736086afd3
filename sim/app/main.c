/* main.c - the dermsim command line: usage and dispatch to one command per file (app.h).
 * sim/app is the only place that sees argv, prints for the user and maps statuses to exit
 * codes (0 ok, 2 usage/config, 1 runtime/I-O, 130 interrupted); everything else lives in the
 * library (dermsim_core) and the sweep tool (dermsim_sweep). */
#define _POSIX_C_SOURCE 200809L /* setenv, execv */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "derm/io/output.h"
#include "derm/version.h"

const char *const app_usage =
    "usage: dermsim <command> [options]      (dermsim <command> --help: that command's options)\n"
    "\n"
    "commands:\n"
    "  run CONFIG [-o OUTDIR] [--set section.key=value ...] [--seed N] [--threads N] [--quiet]\n"
    "      [--overwrite]\n"
    "        run a simulation; writes OUTDIR/run.h5, run.xdmf, resolved.yaml, report.md and\n"
    "        report.html when it completes (until then run.partial.h5, ...; OUTDIR defaults to\n"
    "        out/<config name>); an OUTDIR holding a run is refused unless --overwrite is given\n"
    "  resume OUTDIR [--threads N] [--quiet]\n"
    "        continue an interrupted or killed run from its checkpoint.h5\n"
    "  check CONFIG [--set section.key=value ...]\n"
    "        validate a configuration without running it\n"
    "  params [SECTION | KEY | --search WORD]\n"
    "        list parameters with units, default, allowed range and source\n"
    "  info RUN.h5 [--verify]\n"
    "        check and summarise a run file (--verify: every chunk and checksum); exit 1 if damaged\n"
    "  compare RUN RUN... [--ages 40,60,80] [--vars NAME,...] [-o DIR]\n"
    "        compare runs at chosen ages: table (terminal and CSV) and overlay figures\n"
    "  report RUN_DIR\n"
    "        (re)write report.md and report.html (figures embedded) of a run\n"
    "  cutometer RUN [--age A]... [--probe-mm D] [--pressure-mbar P] [--protocol ON,OFF[,N]]\n"
    "        the simulated Cutometer at chosen ages: R-parameters, curve (CSV and PNG)\n"
    "  notebook [RUN_DIR]\n"
    "        how to open the analysis notebooks in Jupyter\n"
    "  sweep plan SWEEP.yaml -o DIR     expand a sweep into DIR/runs.csv (prints runs and core-hours)\n"
    "  sweep run DIR [-j N] [--index I] [--quiet]\n"
    "        run the pending rows, N at a time (or only row I); resumable\n"
    "  sweep collect DIR                write DIR/summary.csv (see docs/SWEEPS.md)\n"
    "  help [COMMAND]\n"
    "        this overview, or the help of one command\n"
    "\n"
    "options:\n"
    "  -h, --help      show this help\n"
    "  -V, --version   show the version\n"
    "\n"
    "exit codes: 0 success, 2 bad usage or invalid configuration, 1 runtime or I/O failure,\n"
    "130 interrupted (the output is closed and marked incomplete)\n";

/* OpenMP threads that wait at a barrier sleep instead of spinning, unless the user chose
 * (OMP_WAIT_POLICY set to anything). libgomp reads the variables once, when it is loaded,
 * so the process sets them and executes itself again (about a millisecond, once). Spinning
 * waiters cost a shared 2-core machine dearly: 2 threads were measured 1.6x slower than 1
 * with 37 % of the samples spinning (issue 10), with libgomp's default of 300000 checks
 * before sleeping. Sleeping at once costs a wake-up of about 20 us at each of the step's
 * ~65 parallel loops on 2 threads (tests/bench/bench_machine.c: 1.3 us on one thread, 3 us
 * when the waiter still spins), so a waiter first checks APP_SPIN_CHECKS times (GOMP_SPINCOUNT,
 * unless the user set it; about 10-20 us here) and then sleeps: the back-to-back loops of a
 * step find it awake, a busy core loses at most that much to it at each wait. `sweep` runs
 * several simulations at once and keeps them strictly passive (spin: 0). Results never
 * depend on it. If the exec fails the run goes on with the runtime's default. GOMP_SPINCOUNT
 * is libgomp's: other runtimes get PASSIVE alone. */
#if defined(DERM_OMP_LIBGOMP)
#define DERM_OMP_SPINCOUNT_READ 1
#else
#define DERM_OMP_SPINCOUNT_READ 0
#endif
static void prefer_passive_waiting(char **argv, int spin)
{
    if (getenv("OMP_WAIT_POLICY")) return;
    const int set_spin = DERM_OMP_SPINCOUNT_READ && spin && !getenv("GOMP_SPINCOUNT");
    if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
    if (set_spin && setenv("GOMP_SPINCOUNT", APP_SPIN_CHECKS, 1) != 0) {
        unsetenv("OMP_WAIT_POLICY");
        return;
    }
    execv("/proc/self/exe", argv);
    /* still here: the runtime keeps its default; the environment must not claim otherwise
     * (run.h5's record, app_threads) */
    unsetenv("OMP_WAIT_POLICY");
    if (set_spin) unsetenv("GOMP_SPINCOUNT");
}

/* The commands that compute (and so start OpenMP threads). */
static int computes(const char *cmd)
{
    static const char *const names[] = {"run", "resume", "sweep", "cutometer", "report", "compare"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(cmd, names[i])) return 1;
    return 0;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(app_usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || (!strcmp(cmd, "help") && argc == 2)) {
        fputs(app_usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "help")) {
        if (argc != 3) return app_usage_error("'help' takes one command%s", "");
        return app_print_help(!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help") ? "help" : argv[2]);
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("dermsim %s (%s; %s; HDF5 %s; %s fields%s)\n", DERM_VERSION, DERM_GIT_DESCRIBE, DERM_COMPILER,
               derm_output_hdf5_version(), DERM_REAL_NAME, DERM_REAL_IS_FLOAT ? ", the lean build" : "");
        return 0;
    }
    if (!app_is_command(cmd)) {
        const char *s = app_suggest_command(cmd);
        if (s) {
            fprintf(stderr, "dermsim: unknown command '%s'; did you mean '%s'? See 'dermsim --help'\n", cmd, s);
            return 2;
        }
        return app_usage_error("unknown command '%s'", cmd);
    }
    if (app_wants_help(argc, argv)) return app_print_help(cmd);
    if (computes(cmd)) prefer_passive_waiting(argv, strcmp(cmd, "sweep") != 0);
    if (!strcmp(cmd, "params")) return app_cmd_params(argc, argv);
    if (!strcmp(cmd, "info")) return app_cmd_info(argc, argv);
    if (!strcmp(cmd, "sweep")) return app_cmd_sweep(argc, argv);
    if (!strcmp(cmd, "resume")) return app_cmd_resume(argc, argv);
    if (!strcmp(cmd, "compare")) return app_cmd_compare(argc, argv);
    if (!strcmp(cmd, "report")) return app_cmd_report(argc, argv);
    if (!strcmp(cmd, "notebook")) return app_cmd_notebook(argc, argv);
    if (!strcmp(cmd, "cutometer")) return app_cmd_cutometer(argc, argv);
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

/* What a command printed must have reached its reader: a failed write to standard output
 * (a full disk, a closed pipe's reader gone, /dev/full) is an error, not exit 0. */
int main(int argc, char **argv)
{
    const int rc = dispatch(argc, argv);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        const int e = errno;
        fprintf(stderr, "dermsim: cannot write to standard output%s%s\n", e ? ": " : "", e ? strerror(e) : "");
        return rc ? rc : 1;
    }
    return rc;
}
