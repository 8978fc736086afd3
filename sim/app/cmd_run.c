/* cmd_run.c - `dermsim run` and `dermsim resume`: create (or restore) the simulation, step
 * it, decide when to write a series row, a frame and a checkpoint, show progress on a
 * terminal, and hand the files over when the run completes (outdir.c, app.h).
 *
 * A checkpoint (output.checkpoint_interval_days, and on Ctrl-C/SIGTERM) is taken between
 * steps, after the rows and frames of the current step: it holds the simulation's state
 * (sim/state.h), the configuration the simulation was created from, and how much of
 * run.partial.h5 was written. `resume` recreates the simulation from that configuration,
 * restores the state, cuts run.partial.h5 back to the recorded position and continues, so
 * the finished file equals the one an uninterrupted run writes (every dataset; the root
 * attributes are those of the first start).
 */
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
#include "derm/core/crc.h"
#include "derm/io/checkpoint.h"
#include "derm/io/config.h"
#include "derm/io/output.h"
#include "derm/io/report.h"
#include "derm/sim/sim.h"
#include "derm/sim/state.h"
#include "derm/sim/totals.h"
#include "derm/version.h"

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

/* Everything a run holds, released by one function. */
struct run_state {
    struct derm_params p;
    struct derm_schedule sched;
    struct derm_param_origin *orig;
    char *text;     /* the config file as given */
    char *creation; /* resolved YAML the simulation is created from (derived values not filled in) */
    char *resolved; /* resolved YAML with the derived values: resolved.yaml */
    char config_name[2048];
    struct derm_sim *sim;
    struct derm_output *out;
    struct derm_lockfile *lock;
    struct app_paths P;
    char reproduce[4600], cmdline[4096], title[2200];
    struct app_threads threads; /* used, asked for, and the voxels per thread */
    int made_dir;
    int handed_over; /* resume found a completed run and only finished handing its files over */
    /* the run loop: a series row every series_every steps, a frame every frame_every steps
     * (and both at the end), a checkpoint every ckpt_every steps (0: none) */
    int64_t series_every, frame_every, ckpt_every, last_series, last_frame;
    int show, skip_writes;
    double t_start;
};

static void run_state_free(struct run_state *r)
{
    if (r->out) {
        struct derm_err e2 = {0};
        derm_output_close(r->out, 0, &e2);
    }
    derm_sim_free(r->sim);
    derm_lockfile_release(r->lock);
    free(r->orig);
    free(r->text);
    free(r->creation);
    free(r->resolved);
    free(r);
}

static derm_status write_row(struct run_state *r, int frame, struct derm_err *err)
{
    struct derm_sim *sim = r->sim;
    double totals[DERM_NTOTALS];
    const double day = (double)(sim->step - sim->out_step0) * sim->dt_h / 24.0, age = derm_sim_age(sim, sim->step);
    if (!frame) { /* the simulated Cutometer (cutometer_* series) and every series, the lazy
                   * signals summed from their coarse states */
        DERM_TRY(derm_totals_row(sim, totals, err));
        return derm_output_series(r->out, sim->step, day, age, totals, err);
    }
    /* the layers of the suction mechanics as depth profiles (G0, G1, tau1, eta_f) */
    const int64_t nz = sim->grid.nz;
    double *prof = malloc(sizeof(double) * DERM_NFRAME_PROFILES * (size_t)nz);
    struct derm_mech_layer *lay = malloc(sizeof *lay * (size_t)nz);
    if (!prof || !lay) {
        free(prof);
        free(lay);
        return derm_err_set(err, DERM_ENOMEM, "out of memory (frame profiles)");
    }
    double dermis_mm, water;
    derm_firmness_layers(sim, lay, &dermis_mm, &water);
    for (int64_t k = 0; k < nz; k++) {
        prof[k] = lay[k].g0;
        prof[nz + k] = lay[k].g1;
        prof[2 * nz + k] = lay[k].tau1;
        prof[3 * nz + k] = lay[k].eta_f;
    }
    _Static_assert(DERM_NFRAME_PROFILES == 4, "fill the new frame profile here");
    /* the lazy signals made from their coarse states as they are written (sim->f.make) */
    derm_status st = derm_output_frame(r->out, sim->step, day, age, &sim->f, prof, &sim->a, err);
    free(prof);
    free(lay);
    return st;
}

/* The simulation's state, the output position and the loop position into checkpoint.h5. */
static derm_status checkpoint(struct run_state *r, struct derm_err *err)
{
    struct derm_output_pos pos;
    DERM_TRY(derm_output_sync(r->out, err)); /* what the checkpoint claims is on disk first */
    derm_output_get_pos(r->out, &pos);
    struct derm_ckpt_item extra[] = {
        {"output.rows", DERM_CKPT_I64, 1, &pos.rows},
        {"output.frames", DERM_CKPT_I64, 1, &pos.frames},
        {"output.agent_rows", DERM_CKPT_I64, 1, &pos.agent_rows},
        {"loop.last_series", DERM_CKPT_I64, 1, &r->last_series},
        {"loop.last_frame", DERM_CKPT_I64, 1, &r->last_frame},
    };
    struct derm_ckpt_meta meta = {r->creation, r->text ? r->text : "", r->config_name, DERM_VERSION, DERM_GIT_DESCRIBE};
    return derm_state_save(r->sim, r->P.ckpt, &meta, extra, (int)(sizeof extra / sizeof extra[0]), err);
}

static void show_progress(struct run_state *r, double *t_last)
{
    const struct derm_sim *sim = r->sim;
    double t = now_s();
    if (!r->show || t - *t_last <= 0.5) return;
    double rate = (double)sim->step / (t - r->t_start);
    progress(derm_sim_age(sim, sim->step), (double)sim->step / (double)sim->nsteps, rate,
             rate > 0 ? (double)(sim->nsteps - sim->step) / rate : 0.0);
    *t_last = t;
}

/* Stops at the end, on an error or when interrupted (state of the current step written). */
static derm_status run_loop(struct run_state *r, struct derm_err *err)
{
    struct derm_sim *sim = r->sim;
    double t_last = r->t_start;
    for (;;) {
        const int64_t step = sim->step, rel = step - sim->out_step0; /* rel < 0: the subject's history */
        const int end = step >= sim->nsteps, out = !r->skip_writes && rel >= 0;
        double t = omp_get_wtime(); /* series rows, frames and checkpoints: the output phase */
        if (out && (rel % r->series_every == 0 || end)) {
            DERM_TRY(write_row(r, 0, err));
            r->last_series = step;
        }
        if (out && (rel % r->frame_every == 0 || end)) {
            DERM_TRY(write_row(r, 1, err));
            r->last_frame = step;
        }
        if (end) {
            derm_sim_lap(sim, DERM_PHASE_OUTPUT, &t);
            return DERM_OK;
        }
        if (app_interrupted) return DERM_EINTR;
        if (!r->skip_writes && r->ckpt_every > 0 && step > 0 && step % r->ckpt_every == 0) DERM_TRY(checkpoint(r, err));
        derm_sim_lap(sim, DERM_PHASE_OUTPUT, &t);
        r->skip_writes = 0;
        /* a series row after this step: the matrix kernel sums its fields as it goes */
        sim->want_field_sums = (rel + 1) % r->series_every == 0 || step + 1 >= sim->nsteps;
        DERM_TRY(derm_sim_step(sim, err));
        show_progress(r, &t_last);
    }
}

/* The loop intervals in steps, from the parameters. */
static void loop_setup(struct run_state *r, int quiet)
{
    const double dt = r->sim->dt_h;
    r->series_every = llround(r->p.output_series_interval_days * 24.0 / dt);
    r->frame_every = llround(r->p.output_frame_interval_days * 24.0 / dt);
    r->ckpt_every =
        r->p.output_checkpoint_interval_days > 0 ? llround(r->p.output_checkpoint_interval_days * 24.0 / dt) : 0;
    if (r->series_every < 1) r->series_every = 1;
    if (r->frame_every < 1) r->frame_every = 1;
    if (r->p.output_checkpoint_interval_days > 0 && r->ckpt_every < 1) r->ckpt_every = 1;
    r->show = !quiet && isatty(STDERR_FILENO);
    r->t_start = now_s();
}

/* Sets the threads of the run (app_threads). */
static derm_status use_threads(struct run_state *r, int64_t requested, struct derm_err *err)
{
    DERM_TRY(app_threads(&r->p, requested, &r->threads, err));
    omp_set_num_threads(r->threads.use);
    return DERM_OK;
}

/* The simulation from r->p (threads set), and the resolved texts: r->creation as created,
 * r->resolved for resolved.yaml (the same text: nothing derived is filled in). */
static derm_status make_sim(struct run_state *r, struct derm_err *err)
{
    DERM_TRY(use_threads(r, r->p.run_threads, err));
    if (!r->creation && !(r->creation = derm_config_yaml_text(&r->p, &r->sched)))
        return derm_err_set(err, DERM_ENOMEM, "out of memory");
    DERM_TRY(derm_sim_create_until(&r->sim, &r->p, &r->sched, &app_interrupted, err)); /* Ctrl-C in the setup */
    /* a derived division hazard (0) stays 'derive' in resolved.yaml: the spin-up adapts it
     * as the young population forms, so a fixed value would not reproduce the run */
    if (!(r->resolved = derm_config_yaml_text(&r->p, &r->sched)))
        return derm_err_set(err, DERM_ENOMEM, "out of memory");
    app_reproduce_command(r->reproduce, sizeof r->reproduce, r->P.yaml, r->P.dir);
    return DERM_OK;
}

static struct derm_output_opts output_opts(const struct run_state *r)
{
    return (struct derm_output_opts){.series = derm_totals_table(),
                                     .nseries = DERM_NTOTALS,
                                     .write_fields = r->p.output_write_fields,
                                     .write_agents = r->p.output_write_agents,
                                     .compression = (int)r->p.output_compression};
}

/* Configuration, output directory and its lock, the simulation, run.partial.h5, then
 * resolved.partial.yaml (only once the run file exists). */
static derm_status start_run(struct run_state *r, const struct app_cli *c, int argc, char **argv, struct derm_err *err)
{
    char outdir[2048];
    snprintf(r->config_name, sizeof r->config_name, "%s", c->config);
    output_dir(c, outdir, sizeof outdir);
    DERM_TRY(app_paths_init(&r->P, outdir, err));
    DERM_TRY(app_mkdir_p(r->P.dir, &r->made_dir, err));
    DERM_TRY(derm_lockfile_acquire(r->P.lock, r->P.dir, &r->lock, NULL, err));
    DERM_TRY(app_outdir_check_fresh(&r->P, c->overwrite, err));
    DERM_TRY(make_sim(r, err));
    for (int i = 0; i < argc; i++) {
        strncat(r->cmdline, argv[i], sizeof r->cmdline - strlen(r->cmdline) - 2);
        strncat(r->cmdline, " ", sizeof r->cmdline - strlen(r->cmdline) - 1);
    }
    snprintf(r->title, sizeof r->title, "dermsim run of %s", c->config);
    /* the OpenMP waiting in effect (main.c prefer_passive_waiting): the policy, and libgomp's
     * checks before a waiter sleeps when set */
    const char *policy = getenv("OMP_WAIT_POLICY"), *spin = getenv("GOMP_SPINCOUNT");
    char waiting[128];
    if (policy && spin)
        snprintf(waiting, sizeof waiting, "%s, GOMP_SPINCOUNT=%s", policy, spin);
    else if (spin)
        snprintf(waiting, sizeof waiting, "GOMP_SPINCOUNT=%s", spin);
    else
        snprintf(waiting, sizeof waiting, "%s", policy ? policy : "");
    struct derm_output_meta meta = {.title = r->title,
                                    .software_version = DERM_VERSION,
                                    .git_describe = DERM_GIT_DESCRIBE,
                                    .compiler = DERM_COMPILER,
                                    .build_flags = DERM_BUILD_FLAGS,
                                    .config_text = r->text ? r->text : "",
                                    .config_resolved = r->resolved,
                                    .command_line = r->cmdline,
                                    .seed = (uint64_t)r->p.run_seed,
                                    .omp_threads = r->threads.use,
                                    .omp_wait_policy = policy || spin ? waiting : NULL,
                                    .voxel_um = r->p.domain_voxel_um};
    struct derm_output_opts opts = output_opts(r);
    DERM_TRY(derm_output_create(&r->out, r->P.part_h5, r->P.part_xdmf, &meta, &r->sim->grid, &opts, err));
    return app_write_text(r->P.part_yaml, r->resolved, err);
}

/* After an error or an interrupt: a readable file with the last state, marked incomplete;
 * on an interrupt also a checkpoint (taken before the extra row and frame, which a resume
 * cuts off again) and report.partial.md. */
static int abort_run(struct run_state *r, derm_status st, const struct derm_err *err, double wall)
{
    struct derm_err e2 = {0};
    int saved = 0;
    if (st == DERM_EINTR) saved = checkpoint(r, &e2) == DERM_OK;
    const int written = r->sim->step >= r->sim->out_step0; /* not during the history */
    if (st == DERM_EINTR && written && r->sim->step != r->last_series) write_row(r, 0, &e2);
    if (st == DERM_EINTR && written && r->sim->step != r->last_frame) write_row(r, 1, &e2);
    derm_output_close(r->out, 0, &e2);
    r->out = NULL;
    if (st != DERM_EINTR) return app_fail(st, err->msg);
    struct derm_report_info ri = {
        r->config_name, r->reproduce, DERM_VERSION, DERM_GIT_DESCRIBE, r->threads.use, wall, 0};
    derm_report_write(r->P.part_md, r->P.part_h5, &r->p, &r->sched, &ri, &e2);
    char msg[2600];
    snprintf(msg, sizeof msg, "interrupted: %s closed and marked incomplete (completed = 0)%s%s", r->P.part_h5,
             saved ? "; continue with: dermsim resume " : "", saved ? r->P.dir : "");
    return app_fail(st, msg);
}

/* This process's resident peak in bytes (VmHWM of /proc/self/status: its own address space,
 * not the parent's that getrusage's ru_maxrss carries over an exec from a vfork), 0 where
 * unknown. */
static double peak_resident_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0.0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) break;
    fclose(f);
    return (double)kb * 1024.0;
}

/* Step to the end, then hand the files over (or stop as abort_run says). */
static int run_and_finish(struct run_state *r, int quiet)
{
    struct derm_err err = {0};
    derm_status st = run_loop(r, &err);
    const double wall = now_s() - r->t_start;
    if (r->show) fprintf(stderr, "\n");
    if (st != DERM_OK) return abort_run(r, st, &err, wall);
    st = derm_output_timing(r->out, derm_sim_phase_name, r->sim->phase_s, DERM_SIM_NPHASE, r->sim->phase_steps,
                            peak_resident_bytes(), &err);
    if (st != DERM_OK) return abort_run(r, st, &err, wall); /* closed, marked incomplete */
    st = derm_output_close(r->out, 1, &err);
    r->out = NULL;
    struct derm_report_info ri = {
        r->config_name, r->reproduce, DERM_VERSION, DERM_GIT_DESCRIBE, r->threads.use, wall, 1};
    if (st == DERM_OK) st = derm_report_write(r->P.part_md, r->P.part_h5, &r->p, &r->sched, &ri, &err);
    if (st == DERM_OK) st = app_outdir_finish(&r->P, &err);
    if (st != DERM_OK) return app_fail(st, err.msg);
    app_report_html(r->P.dir, quiet); /* report.html beside report.md, if Python is there */
    if (r->show && !quiet) {
        char note[120];
        fprintf(stderr, "dermsim: %lld steps (age %.1f -> %.1f y) in %.1f s on %d thread(s)%s; output in %s/\n",
                (long long)r->sim->nsteps, r->p.run_age_start_years, derm_sim_age(r->sim, r->sim->step), wall,
                r->threads.use, app_threads_note(&r->threads, note, sizeof note), r->P.dir);
    }
    return 0;
}

static struct run_state *run_state_new(void)
{
    struct run_state *r = calloc(1, sizeof *r);
    if (r) r->orig = calloc(derm_params_count(), sizeof *r->orig);
    if (r && !r->orig) {
        free(r);
        r = NULL;
    }
    return r;
}

int app_cmd_run(const struct app_cli *c, int argc, char **argv)
{
    struct derm_err err = {0};
    struct run_state *r = run_state_new();
    if (!r) return app_fail(DERM_ENOMEM, "out of memory");
    signal(SIGXFSZ, SIG_IGN); /* a file-size limit is a write error (EFBIG), not a kill */
    app_catch_signals(); /* from here an interrupt ends the setup (nothing kept) or the run at its step, checkpointed */
    int rc = app_load_config(c, &r->p, &r->sched, r->orig, &r->text);
    if (rc != 0) { /* the configuration's errors are printed; nothing is written */
        run_state_free(r);
        return rc;
    }
    derm_status st = start_run(r, c, argc, argv, &err);
    if (st != DERM_OK) {
        rc = app_fail(st, err.msg);
        if (r->out) {
            struct derm_err e2 = {0};
            derm_output_close(r->out, 0, &e2);
            r->out = NULL;
        }
        /* nothing of this run is worth keeping: leave the directory as it was */
        if (r->lock && st != DERM_EUSAGE) app_outdir_discard(&r->P);
        if (r->lock) {
            derm_lockfile_release(r->lock);
            r->lock = NULL;
        }
        if (r->made_dir) rmdir(r->P.dir);
    } else {
        loop_setup(r, c->quiet);
        r->last_series = r->last_frame = -1;
        rc = run_and_finish(r, c->quiet);
    }
    run_state_free(r);
    return rc;
}

/* ---- resume ------------------------------------------------------------------------------------ */

/* A run without a checkpoint, killed after it completed (before or while its files were
 * handed over): its report written again if it is missing, then the hand-over finished. */
static derm_status finish_completed(struct run_state *r, struct derm_err *err)
{
    if (access(r->P.part_md, F_OK) != 0) {
        derm_params_defaults(&r->p);
        DERM_TRY(derm_config_load(r->P.part_yaml, &r->p, &r->sched, NULL, NULL, err));
        app_reproduce_command(r->reproduce, sizeof r->reproduce, r->P.yaml, r->P.dir);
        struct derm_report_info ri = {r->P.yaml, r->reproduce, DERM_VERSION, DERM_GIT_DESCRIBE, 0, -1.0, 1};
        DERM_TRY(derm_report_write(r->P.part_md, r->P.part_h5, &r->p, &r->sched, &ri, err));
    }
    r->handed_over = 1;
    return app_outdir_finish(&r->P, err);
}

/* The run of a checkpoint: its configuration, the simulation restored, run.partial.h5
 * reopened at the checkpoint's position. */
static derm_status start_resume(struct run_state *r, const char *threads, struct derm_err *err)
{
    struct derm_checkpoint *ck = NULL;
    DERM_TRY(derm_lockfile_acquire(r->P.lock, r->P.dir, &r->lock, NULL, err));
    if (access(r->P.handover, F_OK) == 0 && access(r->P.part_h5, F_OK) != 0 && access(r->P.h5, F_OK) == 0) {
        /* killed while handing a completed run's files over (app_outdir_finish): finish that */
        r->handed_over = 1;
        return app_outdir_finish(&r->P, err);
    }
    if (access(r->P.ckpt, F_OK) != 0 && access(r->P.part_h5, F_OK) == 0 && app_outdir_completed(r->P.part_h5))
        return finish_completed(r, err);
    if (access(r->P.ckpt, F_OK) != 0)
        return derm_err_set(err, DERM_EUSAGE, "%s has no checkpoint.h5 to resume from (%s)", r->P.dir,
                            access(r->P.h5, F_OK) == 0 && access(r->P.part_h5, F_OK) != 0
                                ? "its run has completed"
                                : "no checkpoint was written");
    if (access(r->P.part_h5, F_OK) != 0) /* a checkpoint continues run.partial.h5: without it, nothing to resume */
        return derm_err_set(err, DERM_EUSAGE,
                            "%s has checkpoint.h5 but not run.partial.h5, the file it continues: the unfinished run "
                            "cannot be resumed (the other files there are left as they are); run it again with "
                            "--overwrite",
                            r->P.dir);
    DERM_TRY(derm_checkpoint_open(r->P.ckpt, &ck, err));
    const struct derm_ckpt_meta *m = derm_checkpoint_meta(ck);
    derm_status st = DERM_OK;
    if (strcmp(m->git_describe, DERM_GIT_DESCRIBE) != 0 || strcmp(m->software_version, DERM_VERSION) != 0)
        st = derm_err_set(err, DERM_EUSAGE,
                          "%s was written by dermsim %.40s (git %.80s); this is %s (git %s): resume it with that "
                          "build, or run again",
                          r->P.ckpt, m->software_version, m->git_describe, DERM_VERSION, DERM_GIT_DESCRIBE);
    snprintf(r->config_name, sizeof r->config_name, "%s", m->config_name);
    r->creation = strdup(m->config_resolved);
    r->text = strdup(m->config_text);
    if (st == DERM_OK && (!r->creation || !r->text)) st = derm_err_set(err, DERM_ENOMEM, "out of memory");
    if (st == DERM_OK) {
        derm_params_defaults(&r->p);
        st = derm_config_load_string(r->creation, r->P.ckpt, &r->p, &r->sched, r->orig, err);
    }
    struct derm_params with_threads = r->p; /* --threads checked as for run, kept out of resolved.yaml */
    if (st == DERM_OK && threads)
        st = derm_params_set_text(&with_threads, derm_params_find("run.threads"), threads, "--threads", err);
    if (st == DERM_OK) st = derm_config_validate(&r->p, &r->sched, r->orig, err);
    if (st == DERM_OK) st = make_sim(r, err);
    if (st == DERM_OK && threads && with_threads.run_threads > 0) /* results do not depend on it */
        st = use_threads(r, with_threads.run_threads, err);
    if (st == DERM_OK) st = derm_state_restore(r->sim, ck, err);
    struct derm_output_pos pos = {0, 0, 0};
    int64_t *into[] = {&pos.rows, &pos.frames, &pos.agent_rows, &r->last_series, &r->last_frame};
    const char *names[] = {"output.rows", "output.frames", "output.agent_rows", "loop.last_series", "loop.last_frame"};
    for (int i = 0; i < 5 && st == DERM_OK; i++)
        st = derm_checkpoint_read(ck, names[i], DERM_CKPT_I64, 1, into[i], err);
    derm_checkpoint_close(ck);
    if (st != DERM_OK) return st;
    struct derm_output_opts opts = output_opts(r);
    struct derm_output_summary sum;
    /* what is appended to must be sound: the rows and frames the checkpoint recorded as on
     * disk; anything after them (a run killed later, while HDF5 flushed in its own order)
     * is untrusted, not read, and cut off by the reopen */
    DERM_TRY(derm_output_recover(r->P.part_h5, err)); /* a kill mid-flush: back to the last flush */
    DERM_TRY(derm_output_verify_prefix(r->P.part_h5, &pos, &sum, err));
    /* the file must be the checkpoint's run: the same resolved configuration (seed included) */
    if (!sum.has_config || sum.config_crc != derm_crc_32(0, r->creation, strlen(r->creation)))
        return derm_err_set(err, DERM_EUSAGE,
                            "%s is not the run of %s (another configuration or seed): the unfinished run cannot be "
                            "resumed; run it again with --overwrite",
                            r->P.part_h5, r->P.ckpt);
    /* its resolved.partial.yaml as the checkpoint has it (the file may have been removed or edited) */
    DERM_TRY(app_write_text(r->P.part_yaml, r->creation, err));
    if (sum.completed) { /* killed after the run completed, before its files were handed over */
        struct derm_report_info ri = {
            r->config_name, r->reproduce, DERM_VERSION, DERM_GIT_DESCRIBE, r->threads.use, 0.0, 1};
        DERM_TRY(derm_report_write(r->P.part_md, r->P.part_h5, &r->p, &r->sched, &ri, err));
        r->handed_over = 1;
        return app_outdir_finish(&r->P, err);
    }
    return derm_output_reopen(&r->out, r->P.part_h5, r->P.part_xdmf, &r->sim->grid, &opts, &pos, err);
}

int app_cmd_resume(int argc, char **argv)
{
    const char *dir = NULL, *threads = NULL;
    int quiet = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = argv[++i];
        else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
            quiet = 1;
        else if (argv[i][0] == '-')
            return app_usage_error("'resume' takes OUTDIR [--threads N] [--quiet]; unknown option '%s'", argv[i]);
        else if (!dir)
            dir = argv[i];
        else
            return app_usage_error("unexpected argument '%s'", argv[i]);
    }
    if (!dir) return app_usage_error("'resume' needs the output directory of a run%s", "");
    /* the run's directory, or one of its unfinished files (as report and cutometer take a file) */
    char parent[2048];
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return app_usage_error("'resume': %s does not exist; expected the output directory of an unfinished run", dir);
    static const char *const unfinished[] = {"run.partial.h5", "checkpoint.h5"};
    if (!S_ISDIR(sb.st_mode)) {
        if (!app_dir_of_run_file(dir, unfinished, 2, parent, sizeof parent))
            return app_usage_error("'resume': %s is not a directory; expected the output directory of an unfinished "
                                   "run",
                                   dir);
        dir = parent;
    }
    struct derm_err err = {0};
    struct run_state *r = run_state_new();
    if (!r) return app_fail(DERM_ENOMEM, "out of memory");
    signal(SIGXFSZ, SIG_IGN);
    app_catch_signals();
    derm_status st = app_paths_init(&r->P, dir, &err);
    if (st == DERM_OK) st = start_resume(r, threads, &err);
    int rc;
    if (st != DERM_OK) {
        rc = app_fail(st, err.msg);
    } else if (r->handed_over) {
        app_report_html(r->P.dir, quiet);
        rc = 0;
    } else {
        loop_setup(r, quiet);
        r->skip_writes = 1; /* the rows and frames of the checkpoint's step are in the file */
        rc = run_and_finish(r, quiet);
    }
    run_state_free(r);
    return rc;
}
