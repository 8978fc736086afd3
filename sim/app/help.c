/* help.c - the help text of every command (`dermsim CMD --help`, `dermsim help CMD`) and
 * the dispatch of a help request found anywhere on the command line (app.h). */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "derm/core/desc.h"

static const char *const EXIT_CODES =
    "\nexit codes: 0 success, 2 bad usage or invalid configuration, 1 runtime or I/O failure,\n"
    "130 interrupted (the output is closed and marked incomplete)\n";

struct cmd_help {
    const char *name, *text;
};

static const struct cmd_help helps[] = {
    {"run", "usage: dermsim run CONFIG [-o OUTDIR] [--set section.key=value ...] [--seed N] [--threads N]\n"
            "                   [--quiet] [--overwrite]\n"
            "\n"
            "Simulate CONFIG (YAML; `dermsim params` lists every key) and write into OUTDIR\n"
            "(default: out/<config name without .yaml>) when the run completes (until then\n"
            "run.partial.h5, run.partial.xdmf, resolved.partial.yaml, and checkpoint.h5 every\n"
            "output.checkpoint_interval_days and on Ctrl-C/SIGTERM: `dermsim resume OUTDIR`):\n"
            "  run.h5           everything: series over age, 3-D fields, depth profiles, agents\n"
            "  run.xdmf         ParaView sidecar (fields and agents over age); run_paraview.py\n"
            "                   opens a first view: paraview --script=OUTDIR/run_paraview.py\n"
            "  resolved.yaml    every parameter used; `dermsim run resolved.yaml` reproduces the run\n"
            "  report.md        what happened, in numbers and words\n"
            "  report.html      the same with figures, for a browser (needs /usr/bin/python3 with\n"
            "                   matplotlib; without it, report.md only: `dermsim report OUTDIR` later)\n"
            "\n"
            "options:\n"
            "  -o OUTDIR                 output directory (created if missing)\n"
            "  --set section.key=value   override one parameter or schedule key (repeatable), e.g.\n"
            "                            --set subject.sex=male --set schedule.sun.dose=2\n"
            "  --seed N                  random seed (as --set run.seed=N; the last one given wins)\n"
            "  --threads N               OpenMP threads (results do not depend on it)\n"
            "  -q, --quiet               print nothing (no progress line on a terminal)\n"
            "  --overwrite               replace a run already in OUTDIR (refused otherwise, exit 2);\n"
            "                            the old files stay until the new run completes\n"
            "  -h, --help                show this help\n"
            "\n"
            "environment: DERMSIM_REPORT_HTML=0 skips report.html (sweep runs set it).\n"},
    {"resume", "usage: dermsim resume OUTDIR [--threads N] [--quiet]\n"
               "\n"
               "Continue an interrupted or killed run of OUTDIR from its checkpoint.h5 (written every\n"
               "output.checkpoint_interval_days and when a run is interrupted): run.partial.h5 is cut\n"
               "back to the checkpoint and appended to, so the finished run.h5 equals that of an\n"
               "uninterrupted run. The configuration is the one the run started with.\n"
               "\n"
               "options:\n"
               "  --threads N               OpenMP threads (results do not depend on it)\n"
               "  -q, --quiet               print nothing\n"
               "  -h, --help                show this help\n"},
    {"check", "usage: dermsim check CONFIG [--set section.key=value ...] [--seed N]\n"
              "\n"
              "Validate CONFIG with the overrides as `run` would, write nothing, and say what it\n"
              "would run (grid, ages, steps, memory). Errors name file:line:column, the key, the\n"
              "value and what is expected.\n"
              "\n"
              "options:\n"
              "  --set section.key=value   override one key (repeatable)\n"
              "  --seed N                  random seed (as --set run.seed=N; the last one given wins)\n"
              "  -h, --help                show this help\n"},
    {"params", "usage: dermsim params [SECTION | KEY | --search WORD]\n"
               "\n"
               "List parameters with units, default, allowed range and source or rationale.\n"
               "  dermsim params                   every parameter and the keys of a schedule entry\n"
               "  dermsim params fibroblast        one section (also sub-sections: signals.tgfb)\n"
               "  dermsim params run.dt_hours      one parameter\n"
               "  dermsim params --search collagen parameters whose name or text mention WORD\n"
               "                                   (case-insensitive)\n"
               "\n"
               "Exit 0 when something is listed; 2 for an unknown section (with a suggestion);\n"
               "1 when --search finds nothing.\n"},
    {"info", "usage: dermsim info RUN.h5 [--verify]\n"
             "\n"
             "Check and summarise a run file: provenance (version, seed, threads), completed or\n"
             "not, grid, series and frames, agents, and the first and last value of key totals.\n"
             "Works on a run that is still being written (shows what has been flushed). The\n"
             "structure, lengths, row and frame checksums and the last frame's chunks are checked;\n"
             "exit 1 on a damaged file.\n"
             "\n"
             "options:\n"
             "  --verify                  read and check every chunk of every frame\n"
             "  -h, --help                show this help\n"},
    {"sweep", "usage: dermsim sweep plan SWEEP.yaml -o DIR\n"
              "       dermsim sweep run DIR [-j N] [--index I] [--quiet]\n"
              "       dermsim sweep collect DIR\n"
              "\n"
              "Parameter sweeps (docs/SWEEPS.md):\n"
              "  plan      expand SWEEP.yaml (a base config, fixed overrides, a grid, Latin hypercube or\n"
              "            Morris design, replicates, endpoints) into DIR/runs.csv; prints the run\n"
              "            count and estimated core-hours\n"
              "  run       run the pending rows, N at a time (-j N), or only row I (--index I, for\n"
              "            Slurm arrays); resumable; failures are isolated and reported\n"
              "  collect   write DIR/summary.csv: one row per run (swept values, seed, status,\n"
              "            endpoints); analysis/sweep.ipynb reads it\n"},
    {"compare", "usage: dermsim compare RUN RUN... [--ages 40,60,80] [--vars NAME,...] [--ref-age AGE]\n"
                "                       [-o DIR] [--force] [--allow-different]\n"
                "\n"
                "Compare runs (directories or run.h5 files; the first is the reference) at chosen\n"
                "ages: a terminal table and DIR/compare.csv with each variable's value in every run,\n"
                "its difference from the first run and the ratio to it, plus one overlay figure per\n"
                "variable over age (DIR/compare_<variable>.png). Runs are aligned on age and\n"
                "interpolated between their rows, so runs written at different intervals compare.\n"
                "\n"
                "options:\n"
                "  --ages A,B,...       ages in years (default: every 10 years inside all runs)\n"
                "  --vars NAME,...      series to compare (default: collagen_total,\n"
                "                       collagen_fragmented_fraction, elastin_functional_total,\n"
                "                       ha_hmw_total, fibroblast_density, senescent_fraction,\n"
                "                       mmp1_mean, dermal_thickness)\n"
                "  --ref-age AGE        also divide each run by its own value at AGE\n"
                "  -o DIR               output directory (default: out/compare)\n"
                "  --force              replace an earlier comparison in DIR (refused without it)\n"
                "  --allow-different    compare runs whose grids or subjects differ (refused by\n"
                "                       default: their differences would not be the schedule's)\n"
                "\n"
                "Needs /usr/bin/python3 with numpy, pandas, xarray, h5netcdf and matplotlib (Debian\n"
                "packages; installed by bash .ci/setup quickstart).\n"},
    {"report", "usage: dermsim report RUN_DIR\n"
               "\n"
               "(Re)write RUN_DIR/report.md from RUN_DIR/run.h5 and RUN_DIR/resolved.yaml, and\n"
               "RUN_DIR/report.html: one self-contained page (figures embedded) to open in a\n"
               "browser: the story of the run, totals over age, depth-by-age maps, a field young\n"
               "vs old, cell states, the inputs and their doses, and the reproduce command.\n"
               "report.html needs /usr/bin/python3 with matplotlib, h5py, xarray and h5netcdf;\n"
               "without them report.md is still written and the command exits 1 saying so.\n"},
    {"cutometer", "usage: dermsim cutometer RUN [--age A]... [--probe-mm D] [--pressure-mbar P]\n"
                  "                         [--protocol ON,OFF[,CYCLES]] [--out DIR] [--force]\n"
                  "\n"
                  "The simulated Cutometer on a run's matrix: at the frame nearest each --age\n"
                  "(default: the first and the last frame) the layers the run wrote\n"
                  "(mech_*_profile) and its dermal thickness make the skin column under the probe,\n"
                  "and the suction test is solved (the run's cutometer.* protocol unless given here:\n"
                  "aperture D mm, P mbar below ambient, ON s of suction then OFF s, CYCLES times).\n"
                  "Prints R0 (= Uf, mm), R1, R2 (Ua/Uf), R5 (Ur/Ue), R6 (Uv/Ue), R7 (Ur/Uf), R8 and\n"
                  "Ue, Uv per age; writes cutometer_curve.csv (t, dome height per age) and\n"
                  "cutometer_curve.png into RUN (or --out DIR). An existing curve file is kept\n"
                  "unless --force is given. The curve's time step is a fifth of the run's\n"
                  "cutometer.dt_s, so its readouts agree with the cutometer_* series to ~1 %\n"
                  "(the run re-solves only when the column moved by cutometer.resolve_tolerance).\n"},
    {"notebook", "usage: dermsim notebook [RUN_DIR]\n"
                 "\n"
                 "Print how to open the analysis notebooks (analysis/quickstart.ipynb on RUN_DIR,\n"
                 "default out/quickstart; analysis/sweep.ipynb on sweep directories) in Jupyter,\n"
                 "and the one command that installs Debian's Jupyter if it is missing.\n"},
    {"help", "usage: dermsim help [COMMAND]\n\nShow the overview, or the help of one command.\n"},
};

#define NHELPS (sizeof helps / sizeof helps[0])

static const struct cmd_help *find_help(const char *cmd)
{
    for (size_t i = 0; i < NHELPS; i++)
        if (cmd && strcmp(helps[i].name, cmd) == 0) return &helps[i];
    return NULL;
}

int app_is_command(const char *cmd) { return find_help(cmd) != NULL; }

const char *app_suggest_command(const char *cmd)
{
    const char *names[NHELPS];
    for (size_t i = 0; i < NHELPS; i++) names[i] = helps[i].name;
    return derm_desc_suggest_word(cmd, names, NHELPS);
}

int app_print_help(const char *cmd)
{
    const struct cmd_help *h = find_help(cmd);
    if (!h) {
        const char *s = app_suggest_command(cmd);
        if (s)
            fprintf(stderr, "dermsim: no command '%s'; did you mean '%s'? See 'dermsim --help'\n", cmd, s);
        else
            fprintf(stderr, "dermsim: no command '%s'; see 'dermsim --help'\n", cmd);
        return 2;
    }
    fputs(h->text, stdout);
    if (strcmp(cmd, "help") != 0 && strcmp(cmd, "notebook") != 0) fputs(EXIT_CODES, stdout);
    return 0;
}

int app_wants_help(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--")) return 0;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
        /* the value of an option is not a help request (e.g. --set note=-h) */
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--set") || !strcmp(argv[i], "--seed") ||
            !strcmp(argv[i], "--threads") || !strcmp(argv[i], "--ages") || !strcmp(argv[i], "--vars") ||
            !strcmp(argv[i], "--search") || !strcmp(argv[i], "--ref-age") || !strcmp(argv[i], "-j") ||
            !strcmp(argv[i], "--index"))
            i++;
    }
    return 0;
}
