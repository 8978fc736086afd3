/* main.c - the dermsim command line: the only place that sees argv, prints for the user,
 * decides when to write output and maps statuses to exit codes (0 ok, 2 usage/config,
 * 1 runtime/I-O, 130 interrupted). Everything else lives in the library. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "derm/core/status.h"
#include "derm/io/config.h"
#include "derm/io/output.h"
#include "derm/io/params.h"
#include "derm/io/report.h"
#include "derm/sim/sim.h"
#include "derm/sim/totals.h"
#include "derm/tools/sweep.h"
#include "derm/version.h"

static volatile sig_atomic_t g_interrupted = 0;
static void on_signal(int sig)
{
    (void)sig;
    g_interrupted = 1;
}

static const char *USAGE =
    "usage: dermsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run CONFIG [-o OUTDIR] [--set section.key=value ...] [--seed N] [--threads N] [--quiet]\n"
    "        run a simulation; writes OUTDIR/run.h5, run.xdmf, resolved.yaml and report.md\n"
    "        (OUTDIR defaults to out/<config name>)\n"
    "  check CONFIG [--set section.key=value ...]\n"
    "        validate a configuration without running it\n"
    "  params\n"
    "        list every parameter with units, default, allowed range and source\n"
    "  info RUN.h5\n"
    "        summarise a run file\n"
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

static int fail(derm_status s, const char *msg)
{
    fprintf(stderr, "dermsim: %s\n", msg);
    return derm_status_exit_code(s);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "dermsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; see 'dermsim --help'\n");
    return 2;
}

struct cli {
    const char *cmd, *config, *outdir;
    const char *sets[256];
    int nsets;
    const char *seed, *threads;
    int quiet;
};

static int parse_cli(int argc, char **argv, struct cli *c)
{
    memset(c, 0, sizeof *c);
    c->cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int takes = !strcmp(a, "-o") || !strcmp(a, "--set") || !strcmp(a, "--seed") || !strcmp(a, "--threads");
        if (takes && i + 1 >= argc) return usage_error("option '%s' needs a value", a);
        if (!strcmp(a, "-o")) c->outdir = argv[++i];
        else if (!strcmp(a, "--set")) {
            if (c->nsets >= 256) return usage_error("too many --set options (max 256)%s", "");
            c->sets[c->nsets++] = argv[++i];
        } else if (!strncmp(a, "--set=", 6)) {
            if (c->nsets >= 256) return usage_error("too many --set options (max 256)%s", "");
            c->sets[c->nsets++] = a + 6;
        } else if (!strcmp(a, "--seed")) c->seed = argv[++i];
        else if (!strcmp(a, "--threads")) c->threads = argv[++i];
        else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) c->quiet = 1;
        else if (a[0] == '-' && a[1] != '\0') return usage_error("unknown option '%s'", a);
        else if (!c->config) c->config = a;
        else return usage_error("unexpected argument '%s'", a);
    }
    return 0;
}

/* Defaults, config file, --seed/--threads, --set, then whole-set validation. */
static derm_status load_params(const struct cli *c, struct derm_params *p, struct derm_schedule *sched,
                               struct derm_param_origin *orig, char **text, struct derm_err *err)
{
    derm_params_defaults(p);
    memset(sched, 0, sizeof *sched);
    DERM_TRY(derm_config_load(c->config, p, sched, orig, text, err));
    const char *opt_val[2] = {c->seed, c->threads}, *opt_key[2] = {"run.seed", "run.threads"};
    const char *opt_name[2] = {"--seed", "--threads"};
    for (int i = 0; i < 2; i++) {
        if (!opt_val[i]) continue;
        const struct derm_param_desc *d = derm_params_find(opt_key[i]);
        DERM_TRY(derm_params_set_text(p, d, opt_val[i], opt_name[i], err));
        if (orig) snprintf(orig[d - derm_params_table()].where, DERM_WHERE_MAX, "%s", opt_name[i]);
    }
    for (int i = 0; i < c->nsets; i++) DERM_TRY(derm_config_apply_set(p, sched, orig, c->sets[i], err));
    return derm_config_validate(p, sched, orig, err);
}

static int mkdir_p(const char *path, char *msg, size_t n)
{
    char tmp[4096];
    if (strlen(path) >= sizeof tmp) {
        snprintf(msg, n, "output directory path is too long: %s", path);
        return -1;
    }
    strcpy(tmp, path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
            snprintf(msg, n, "cannot create output directory '%s': %s", tmp, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
        snprintf(msg, n, "cannot create output directory '%s': %s", tmp, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (stat(tmp, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(msg, n, "output path '%s' is not a directory", tmp);
        return -1;
    }
    if (access(tmp, W_OK) != 0) {
        snprintf(msg, n, "output directory '%s' is not writable: %s", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

static char *resolved_yaml(const struct derm_params *p, const struct derm_schedule *sched)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) return NULL;
    derm_config_write_yaml(p, sched, fp);
    fclose(fp);
    return buf;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void progress(double age, double frac, double rate, double eta)
{
    int h = (int)(eta / 3600), mi = (int)fmod(eta / 60, 60), se = (int)fmod(eta, 60);
    fprintf(stderr, "\r  age %6.2f y  %5.1f %%  %8.1f steps/s  ETA %d:%02d:%02d ", age, 100.0 * frac, rate, h, mi, se);
    fflush(stderr);
}

static int cmd_run(const struct cli *c, int argc, char **argv)
{
    struct derm_err err = {0};
    struct derm_params p;
    static struct derm_schedule sched;
    size_t np = derm_params_count();
    struct derm_param_origin *orig = calloc(np, sizeof *orig);
    char *text = NULL, *resolved = NULL;
    struct derm_sim *sim = NULL;
    struct derm_output *out = NULL;
    int rc = 0;
    if (!orig) return fail(DERM_ENOMEM, "out of memory");
    derm_status st = load_params(c, &p, &sched, orig, &text, &err);
    if (st != DERM_OK) {
        rc = fail(st, err.msg);
        goto done;
    }
    char outdir[2048];
    if (c->outdir) snprintf(outdir, sizeof outdir, "%s", c->outdir);
    else {
        const char *base = strrchr(c->config, '/');
        base = base ? base + 1 : c->config;
        snprintf(outdir, sizeof outdir, "out/%s", base);
        char *dot = strrchr(outdir, '.');
        if (dot && dot > outdir + 4) *dot = '\0';
    }
    char msg[4096];
    if (mkdir_p(outdir, msg, sizeof msg) != 0) {
        rc = fail(DERM_EIO, msg);
        goto done;
    }
    if (p.run_threads > 0) omp_set_num_threads((int)p.run_threads);
    int threads = omp_get_max_threads();
    st = derm_sim_create(&sim, &p, &sched, &err);
    if (st != DERM_OK) {
        rc = fail(st, err.msg);
        goto done;
    }
    /* record the derived division hazard in the resolved config, so it reproduces the run */
    if (!(p.fibroblast_division_per_day > 0.0)) p.fibroblast_division_per_day = derm_sim_division_per_day(sim);
    resolved = resolved_yaml(&p, &sched);
    char path_h5[2300], path_xdmf[2300], path_yaml[2300], path_md[2300], tmp[2400];
    snprintf(path_h5, sizeof path_h5, "%s/run.h5", outdir);
    snprintf(path_xdmf, sizeof path_xdmf, "%s/run.xdmf", outdir);
    snprintf(path_yaml, sizeof path_yaml, "%s/resolved.yaml", outdir);
    snprintf(path_md, sizeof path_md, "%s/report.md", outdir);
    {
        snprintf(tmp, sizeof tmp, "%s.tmp", path_yaml);
        FILE *fp = fopen(tmp, "w");
        if (!fp || fputs(resolved ? resolved : "", fp) < 0 || fclose(fp) != 0 || rename(tmp, path_yaml) != 0) {
            snprintf(msg, sizeof msg, "cannot write %s: %s", path_yaml, strerror(errno));
            rc = fail(DERM_EIO, msg);
            goto done;
        }
    }
    char cmdline[4096] = "", reproduce[4096];
    for (int i = 0; i < argc; i++) {
        strncat(cmdline, argv[i], sizeof cmdline - strlen(cmdline) - 2);
        strncat(cmdline, " ", sizeof cmdline - strlen(cmdline) - 1);
    }
    snprintf(reproduce, sizeof reproduce, "dermsim run %s -o %s", path_yaml, outdir);
    char title[2200];
    snprintf(title, sizeof title, "dermsim run of %s", c->config);
    struct derm_output_meta meta = {
        .title = title, .software_version = DERM_VERSION, .git_describe = DERM_GIT_DESCRIBE,
        .compiler = DERM_COMPILER, .build_flags = DERM_BUILD_FLAGS, .config_text = text ? text : "",
        .config_resolved = resolved ? resolved : "", .command_line = cmdline, .seed = (uint64_t)p.run_seed,
        .omp_threads = threads, .voxel_um = p.domain_voxel_um};
    struct derm_output_opts opts = {.series = derm_totals_table(),
                                    .nseries = DERM_NTOTALS,
                                    .write_fields = p.output_write_fields, .write_agents = p.output_write_agents,
                                    .compression = (int)p.output_compression};
    st = derm_output_create(&out, path_h5, path_xdmf, &meta, &sim->grid, &opts, &err);
    if (st != DERM_OK) {
        rc = fail(st, err.msg);
        goto done;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    const int64_t nsteps = sim->nsteps;
    int64_t series_every = (int64_t)llround(p.output_series_interval_days * 24.0 / sim->dt_h);
    int64_t frame_every = (int64_t)llround(p.output_frame_interval_days * 24.0 / sim->dt_h);
    if (series_every < 1) series_every = 1;
    if (frame_every < 1) frame_every = 1;
    const int show = !c->quiet && isatty(STDERR_FILENO);
    double totals[DERM_NTOTALS];
    double t_start = now_s(), t_last = t_start;
    int64_t last_series = -1, last_frame = -1;
    for (;;) {
        int64_t step = sim->step;
        double day = (double)step * sim->dt_h / 24.0, age = derm_sim_age(sim, step);
        int end = step >= nsteps;
        if (step % series_every == 0 || end) {
            derm_totals_compute(sim, totals);
            if ((st = derm_output_series(out, step, day, age, totals, &err)) != DERM_OK) break;
            last_series = step;
        }
        if (step % frame_every == 0 || end) {
            if ((st = derm_output_frame(out, step, day, age, &sim->f, &sim->a, &err)) != DERM_OK) break;
            last_frame = step;
        }
        if (end) break;
        if (g_interrupted) {
            st = DERM_EINTR;
            break;
        }
        if ((st = derm_sim_step(sim, &err)) != DERM_OK) break;
        if (show) {
            double t = now_s();
            if (t - t_last > 0.5) {
                double rate = (double)sim->step / (t - t_start);
                progress(derm_sim_age(sim, sim->step), (double)sim->step / (double)nsteps, rate,
                         rate > 0 ? (double)(nsteps - sim->step) / rate : 0.0);
                t_last = t;
            }
        }
    }
    double wall = now_s() - t_start;
    if (show) fprintf(stderr, "\n");
    if (st == DERM_EINTR || st != DERM_OK) {
        /* leave a readable file with the last state, marked incomplete */
        struct derm_err e2 = {0};
        if (st == DERM_EINTR && sim->step != last_series) {
            derm_totals_compute(sim, totals);
            derm_output_series(out, sim->step, (double)sim->step * sim->dt_h / 24.0, derm_sim_age(sim, sim->step),
                               totals, &e2);
        }
        if (st == DERM_EINTR && sim->step != last_frame)
            derm_output_frame(out, sim->step, (double)sim->step * sim->dt_h / 24.0, derm_sim_age(sim, sim->step),
                              &sim->f, &sim->a, &e2);
        derm_output_close(out, 0, &e2);
        out = NULL;
        if (st == DERM_EINTR) {
            struct derm_report_info ri = {c->config, reproduce, DERM_VERSION, DERM_GIT_DESCRIBE, threads, wall, 0};
            derm_report_write(path_md, path_h5, &p, &sched, &ri, &e2);
            rc = fail(st, "interrupted: output closed and marked incomplete (completed = 0)");
        } else {
            rc = fail(st, err.msg);
        }
        goto done;
    }
    st = derm_output_close(out, 1, &err);
    out = NULL;
    if (st != DERM_OK) {
        rc = fail(st, err.msg);
        goto done;
    }
    struct derm_report_info ri = {c->config, reproduce, DERM_VERSION, DERM_GIT_DESCRIBE, threads, wall, 1};
    if ((st = derm_report_write(path_md, path_h5, &p, &sched, &ri, &err)) != DERM_OK) {
        rc = fail(st, err.msg);
        goto done;
    }
    if (show)
        fprintf(stderr, "dermsim: %lld steps (age %.1f -> %.1f y) in %.1f s on %d thread(s); output in %s/\n",
                (long long)nsteps, p.run_age_start_years, derm_sim_age(sim, sim->step), wall, threads, outdir);
done:
    if (out) {
        struct derm_err e2 = {0};
        derm_output_close(out, 0, &e2);
    }
    derm_sim_free(sim);
    free(orig);
    free(text);
    free(resolved);
    return rc;
}

static int cmd_check(const struct cli *c)
{
    struct derm_err err = {0};
    struct derm_params p;
    static struct derm_schedule sched;
    struct derm_param_origin *orig = calloc(derm_params_count(), sizeof *orig);
    char *text = NULL;
    if (!orig) return fail(DERM_ENOMEM, "out of memory");
    derm_status st = load_params(c, &p, &sched, orig, &text, &err);
    free(text);
    free(orig);
    if (st != DERM_OK) return fail(st, err.msg);
    double steps = ceil((p.run_age_end_years - p.run_age_start_years) * DERM_HOURS_PER_YEAR / p.run_dt_hours);
    printf("%s: valid; %lld x %lld x %lld voxels of %g um, ages %g to %g y in %.0f steps of %g h, "
           "about %.0f MiB\n",
           c->config, (long long)p.domain_nx, (long long)p.domain_ny, (long long)p.domain_nz, p.domain_voxel_um,
           p.run_age_start_years, p.run_age_end_years, steps, p.run_dt_hours,
           derm_params_memory_estimate(&p) / 1048576.0);
    return 0;
}

/* ---- dermsim sweep plan|run|collect (library: sim/sweep*.c; docs/SWEEPS.md) ---------- */
static void sweep_progress(const struct derm_sweep_progress *p, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "\r  sweep: %lld/%lld done, %lld failed, %lld running", (long long)(p->done + p->skipped),
            (long long)p->total, (long long)p->failed, (long long)p->running);
    if (p->eta_s >= 0) {
        int e = (int)p->eta_s;
        fprintf(stderr, ", ETA %d:%02d:%02d ", e / 3600, e / 60 % 60, e % 60);
    } else {
        fprintf(stderr, ", ETA ?      ");
    }
    fflush(stderr);
}

static int cmd_sweep(int argc, char **argv)
{
    static const char *SWEEP_USAGE = "'sweep plan SWEEP.yaml -o DIR', 'sweep run DIR [-j N] [--index I] [--quiet]' "
                                     "or 'sweep collect DIR'";
    if (argc < 3) return usage_error("'sweep' needs %s", SWEEP_USAGE);
    const char *sub = argv[2], *pos = NULL, *outdir = NULL;
    long long jobs = 1, index = -1;
    int quiet = 0;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strncmp(a, "-j", 2) && a[2]) v = a + 2, a = "-j";               /* -j4 */
        else if (!strncmp(a, "--index=", 8)) v = a + 8, a = "--index";       /* --index=3 */
        else if (!strncmp(a, "--jobs=", 7)) v = a + 7, a = "-j";
        else if (!strcmp(a, "--jobs")) a = "-j";
        int takes = !v && (!strcmp(a, "-o") || !strcmp(a, "-j") || !strcmp(a, "--index"));
        if (takes && i + 1 >= argc) return usage_error("option '%s' needs a value", a);
        if (!strcmp(a, "-o") && !strcmp(sub, "plan")) outdir = argv[++i];
        else if ((!strcmp(a, "-j") || !strcmp(a, "--index")) && !strcmp(sub, "run")) {
            char *end = NULL;
            if (!v) v = argv[++i];
            errno = 0;
            long long x = strtoll(v, &end, 10);
            if (end == v || *end || errno || x < (a[1] == 'j' ? 1 : 0) || x > (a[1] == 'j' ? 4096 : INT64_MAX / 2)) {
                fprintf(stderr, "dermsim: option '%s': '%s' is not valid; expected %s\n", a, v,
                        a[1] == 'j' ? "an integer in [1, 4096]" : "a row number >= 0");
                return 2;
            }
            if (a[1] == 'j') jobs = x;
            else index = x;
        } else if ((!strcmp(a, "--quiet") || !strcmp(a, "-q")) && !strcmp(sub, "run")) quiet = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) return usage_error("unknown option '%s' for this sweep command", a);
        else if (!pos) pos = a;
        else return usage_error("unexpected argument '%s'", a);
    }
    struct derm_err err = {0};
    derm_status st;
    if (!strcmp(sub, "plan")) {
        if (!pos || !outdir) return usage_error("'sweep plan' needs SWEEP.yaml and -o DIR%s", "");
        struct derm_sweep *s = NULL;
        if ((st = derm_sweep_plan(pos, outdir, &s, &err)) != DERM_OK) return fail(st, err.msg);
        static const char *design[] = {"grid", "lhs", "morris"};
        printf("%lld runs (%lld design points x %lld replicates, %s) in %s/runs.csv; estimated %.3g core-hours\n",
               (long long)s->nruns, (long long)s->npoints, (long long)s->replicates, design[s->design], outdir,
               s->core_seconds / 3600.0);
        derm_sweep_free(s);
        return 0;
    }
    if (!strcmp(sub, "collect")) {
        if (!pos) return usage_error("'sweep collect' needs the sweep directory%s", "");
        int64_t n = 0, ok = 0;
        if ((st = derm_sweep_collect(pos, &n, &ok, &err)) != DERM_OK) return fail(st, err.msg);
        printf("%s/summary.csv: %lld rows, %lld ok\n", pos, (long long)n, (long long)ok);
        return 0;
    }
    if (strcmp(sub, "run") != 0) return usage_error("unknown sweep command '%s'; expected plan, run or collect", sub);
    if (!pos) return usage_error("'sweep run' needs the sweep directory%s", "");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    const int show = !quiet && isatty(STDERR_FILENO);
    struct derm_sweep_run_opts o = {.jobs = (int)jobs, .index = index, .stop = &g_interrupted,
                                    .progress = show ? sweep_progress : NULL};
    struct derm_sweep_run_result r;
    /* concurrent simulations share the cores: OpenMP threads that spin while waiting steal
     * them from each other (runs 100x slower under load), so children sleep instead unless
     * the user chose a policy */
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    st = derm_sweep_run(pos, &o, &r, &err);
    if (show) fprintf(stderr, "\n");
    if (st != DERM_OK) return fail(st, err.msg);
    if (r.failed > 0) {
        fprintf(stderr, "dermsim: sweep: %lld of %lld runs failed (first %s: %s); see %s/runs/*/status\n",
                (long long)r.failed, (long long)r.total, r.first_failed, r.first_error, pos);
        return 1;
    }
    if (show)
        fprintf(stderr, "dermsim: sweep: %lld runs ok, %lld already done\n", (long long)r.ok, (long long)r.skipped);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("dermsim %s (%s; %s; HDF5 %s)\n", DERM_VERSION, DERM_GIT_DESCRIBE, DERM_COMPILER,
               derm_output_hdf5_version());
        return 0;
    }
    if (!strcmp(cmd, "params")) {
        if (argc > 2) return usage_error("'params' takes no arguments, got '%s'", argv[2]);
        derm_config_print_keys(stdout);
        return 0;
    }
    if (!strcmp(cmd, "info")) {
        if (argc != 3) return usage_error("'info' needs exactly one run file%s", "");
        struct derm_err err = {0};
        derm_status st = derm_output_info(argv[2], stdout, &err);
        return st == DERM_OK ? 0 : fail(st, err.msg);
    }
    if (!strcmp(cmd, "sweep")) return cmd_sweep(argc, argv);
    if (strcmp(cmd, "run") != 0 && strcmp(cmd, "check") != 0) return usage_error("unknown command '%s'", cmd);
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(USAGE, stdout);
            return 0;
        }
    struct cli c;
    int rc = parse_cli(argc, argv, &c);
    if (rc != 0) return rc;
    if (!c.config) return usage_error("'%s' needs a configuration file", cmd);
    if (!strcmp(cmd, "check")) {
        if (c.outdir || c.quiet || c.threads) return usage_error("'check' takes only CONFIG, --set and --seed%s", "");
        return cmd_check(&c);
    }
    return cmd_run(&c, argc, argv);
}
