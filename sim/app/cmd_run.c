/* cmd_run.c - `dermsim run`: create the simulation, step it, decide when to write a
 * series row and a frame, show progress on a terminal, write report.md (app.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "derm/io/config.h"
#include "derm/io/output.h"
#include "derm/io/report.h"
#include "derm/sim/sim.h"
#include "derm/sim/totals.h"
#include "derm/version.h"

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

/* OUTDIR from -o, or out/<config name without extension>. */
static void output_dir(const struct app_cli *c, char *outdir, size_t n)
{
    if (c->outdir) {
        snprintf(outdir, n, "%s", c->outdir);
        return;
    }
    const char *base = strrchr(c->config, '/');
    base = base ? base + 1 : c->config;
    snprintf(outdir, n, "out/%s", base);
    char *dot = strrchr(outdir, '.');
    if (dot && dot > outdir + 4) *dot = '\0';
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

/* Write text to path through path.tmp and a rename. */
static derm_status write_text(const char *path, const char *text, struct derm_err *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (!fp || fputs(text ? text : "", fp) < 0 || fclose(fp) != 0 || rename(tmp, path) != 0)
        return derm_err_set(err, DERM_EIO, "cannot write %s: %s", path, strerror(errno));
    return DERM_OK;
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

/* The run loop: a series row every series_every steps, a frame every frame_every steps
 * (and both at the end); stops at the end, on an error or when interrupted. */
struct loop {
    int64_t series_every, frame_every, last_series, last_frame;
    int show;
    double t_start;
};

static derm_status write_row(struct derm_sim *sim, struct derm_output *out, int frame, struct derm_err *err)
{
    double totals[DERM_NTOTALS];
    const double day = (double)(sim->step - sim->out_step0) * sim->dt_h / 24.0, age = derm_sim_age(sim, sim->step);
    if (!frame) {
        derm_totals_compute(sim, totals);
        return derm_output_series(out, sim->step, day, age, totals, err);
    }
    return derm_output_frame(out, sim->step, day, age, &sim->f, &sim->a, err);
}

static derm_status run_loop(struct derm_sim *sim, struct derm_output *out, struct loop *L, struct derm_err *err)
{
    derm_status st;
    double t_last = L->t_start;
    for (;;) {
        const int64_t step = sim->step, rel = step - sim->out_step0; /* rel < 0: the subject's history */
        const int end = step >= sim->nsteps;
        if (rel >= 0 && (rel % L->series_every == 0 || end)) {
            DERM_TRY(write_row(sim, out, 0, err));
            L->last_series = step;
        }
        if (rel >= 0 && (rel % L->frame_every == 0 || end)) {
            DERM_TRY(write_row(sim, out, 1, err));
            L->last_frame = step;
        }
        if (end) return DERM_OK;
        if (app_interrupted) return DERM_EINTR;
        if ((st = derm_sim_step(sim, err)) != DERM_OK) return st;
        if (L->show) {
            double t = now_s();
            if (t - t_last > 0.5) {
                double rate = (double)sim->step / (t - L->t_start);
                progress(derm_sim_age(sim, sim->step), (double)sim->step / (double)sim->nsteps, rate,
                         rate > 0 ? (double)(sim->nsteps - sim->step) / rate : 0.0);
                t_last = t;
            }
        }
    }
}

/* Everything a run holds, released by one function. */
struct run_state {
    struct derm_params p;
    struct derm_schedule sched;
    struct derm_param_origin *orig;
    char *text, *resolved;
    struct derm_sim *sim;
    struct derm_output *out;
    char outdir[2048], path_h5[2300], path_xdmf[2300], path_yaml[2300], path_md[2300];
    char reproduce[4096], cmdline[4096], title[2200];
    int threads;
};

static void run_state_free(struct run_state *r)
{
    if (r->out) {
        struct derm_err e2 = {0};
        derm_output_close(r->out, 0, &e2);
    }
    derm_sim_free(r->sim);
    free(r->orig);
    free(r->text);
    free(r->resolved);
    free(r);
}

/* Configuration, output directory, the simulation, resolved.yaml and an open run.h5. */
static derm_status start_run(struct run_state *r, const struct app_cli *c, int argc, char **argv, struct derm_err *err)
{
    DERM_TRY(app_load_config(c, &r->p, &r->sched, r->orig, &r->text, err));
    output_dir(c, r->outdir, sizeof r->outdir);
    char msg[4096];
    if (mkdir_p(r->outdir, msg, sizeof msg) != 0) return derm_err_set(err, DERM_EIO, "%s", msg);
    if (r->p.run_threads > 0) omp_set_num_threads((int)r->p.run_threads);
    r->threads = omp_get_max_threads();
    DERM_TRY(derm_sim_create(&r->sim, &r->p, &r->sched, err));
    /* a derived division hazard (0) stays 'derive' in resolved.yaml: the spin-up adapts it
     * as the young population forms, so a fixed value would not reproduce the run */
    r->resolved = resolved_yaml(&r->p, &r->sched);
    snprintf(r->path_h5, sizeof r->path_h5, "%s/run.h5", r->outdir);
    snprintf(r->path_xdmf, sizeof r->path_xdmf, "%s/run.xdmf", r->outdir);
    snprintf(r->path_yaml, sizeof r->path_yaml, "%s/resolved.yaml", r->outdir);
    snprintf(r->path_md, sizeof r->path_md, "%s/report.md", r->outdir);
    DERM_TRY(write_text(r->path_yaml, r->resolved, err));
    for (int i = 0; i < argc; i++) {
        strncat(r->cmdline, argv[i], sizeof r->cmdline - strlen(r->cmdline) - 2);
        strncat(r->cmdline, " ", sizeof r->cmdline - strlen(r->cmdline) - 1);
    }
    snprintf(r->reproduce, sizeof r->reproduce, "dermsim run %s -o %s", r->path_yaml, r->outdir);
    snprintf(r->title, sizeof r->title, "dermsim run of %s", c->config);
    struct derm_output_meta meta = {.title = r->title,
                                    .software_version = DERM_VERSION,
                                    .git_describe = DERM_GIT_DESCRIBE,
                                    .compiler = DERM_COMPILER,
                                    .build_flags = DERM_BUILD_FLAGS,
                                    .config_text = r->text ? r->text : "",
                                    .config_resolved = r->resolved ? r->resolved : "",
                                    .command_line = r->cmdline,
                                    .seed = (uint64_t)r->p.run_seed,
                                    .omp_threads = r->threads,
                                    .voxel_um = r->p.domain_voxel_um};
    struct derm_output_opts opts = {.series = derm_totals_table(),
                                    .nseries = DERM_NTOTALS,
                                    .write_fields = r->p.output_write_fields,
                                    .write_agents = r->p.output_write_agents,
                                    .compression = (int)r->p.output_compression};
    return derm_output_create(&r->out, r->path_h5, r->path_xdmf, &meta, &r->sim->grid, &opts, err);
}

/* After an error or an interrupt: a readable file with the last state, marked incomplete. */
static int abort_run(struct run_state *r, const struct app_cli *c, const struct loop *L, derm_status st,
                     const struct derm_err *err, double wall)
{
    struct derm_err e2 = {0};
    const int written = r->sim->step >= r->sim->out_step0; /* not during the history */
    if (st == DERM_EINTR && written && r->sim->step != L->last_series) write_row(r->sim, r->out, 0, &e2);
    if (st == DERM_EINTR && written && r->sim->step != L->last_frame) write_row(r->sim, r->out, 1, &e2);
    derm_output_close(r->out, 0, &e2);
    r->out = NULL;
    if (st != DERM_EINTR) return app_fail(st, err->msg);
    struct derm_report_info ri = {c->config, r->reproduce, DERM_VERSION, DERM_GIT_DESCRIBE, r->threads, wall, 0};
    derm_report_write(r->path_md, r->path_h5, &r->p, &r->sched, &ri, &e2);
    return app_fail(st, "interrupted: output closed and marked incomplete (completed = 0)");
}

int app_cmd_run(const struct app_cli *c, int argc, char **argv)
{
    struct derm_err err = {0};
    struct run_state *r = calloc(1, sizeof *r);
    if (r) r->orig = calloc(derm_params_count(), sizeof *r->orig);
    if (!r || !r->orig) {
        free(r);
        return app_fail(DERM_ENOMEM, "out of memory");
    }
    int rc = 0;
    derm_status st = start_run(r, c, argc, argv, &err);
    if (st != DERM_OK) {
        rc = app_fail(st, err.msg);
        goto done;
    }
    app_catch_signals();
    struct loop L = {llround(r->p.output_series_interval_days * 24.0 / r->sim->dt_h),
                     llround(r->p.output_frame_interval_days * 24.0 / r->sim->dt_h),
                     -1,
                     -1,
                     !c->quiet && isatty(STDERR_FILENO),
                     now_s()};
    if (L.series_every < 1) L.series_every = 1;
    if (L.frame_every < 1) L.frame_every = 1;
    st = run_loop(r->sim, r->out, &L, &err);
    const double wall = now_s() - L.t_start;
    if (L.show) fprintf(stderr, "\n");
    if (st != DERM_OK) {
        rc = abort_run(r, c, &L, st, &err, wall);
        goto done;
    }
    st = derm_output_close(r->out, 1, &err);
    r->out = NULL;
    struct derm_report_info ri = {c->config, r->reproduce, DERM_VERSION, DERM_GIT_DESCRIBE, r->threads, wall, 1};
    if (st == DERM_OK) st = derm_report_write(r->path_md, r->path_h5, &r->p, &r->sched, &ri, &err);
    if (st != DERM_OK) {
        rc = app_fail(st, err.msg);
        goto done;
    }
    app_report_html(r->outdir, c->quiet); /* report.html beside report.md, if Python is there */
    if (L.show)
        fprintf(stderr, "dermsim: %lld steps (age %.1f -> %.1f y) in %.1f s on %d thread(s); output in %s/\n",
                (long long)r->sim->nsteps, r->p.run_age_start_years, derm_sim_age(r->sim, r->sim->step), wall,
                r->threads, r->outdir);
done:
    run_state_free(r);
    return rc;
}
