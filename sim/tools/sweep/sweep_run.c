/* sweep_run.c - running the rows of a planned sweep (`sweep run DIR [-j N] [--index I]`).
 *
 * Owns: deciding which rows are pending (a row is done when runs/<id>/run.h5 is completed
 * and passes derm_output_verify), taking each row's lock runs/<id>/row.lock
 * (io/lockfile.h: a row run by another process - a resubmitted array task, a second
 * `sweep run` - is left to it and counted busy), spawning it as a child process of the
 * dermsim binary
 *   dermsim run DIR/base.yaml -o DIR/runs/<id> --set <fixed> --set <swept> --seed S
 *           --threads T --quiet --overwrite
 * or, when the row has a checkpoint from this build, `dermsim resume DIR/runs/<id>`, with
 * its stdout and stderr in runs/<id>/stderr.log, at most N at a time and
 * T = max(1, threads / N), and the per-run status file runs/<id>/status (key=value lines,
 * written with tmp + rename under the row lock): status running|ok|failed|interrupted,
 * exit_code, last_error, wall_s, seed, host, pid, started (run or resume).
 * `--index I` reads row I from the manifest (derm_sweep_read_row) without expanding the
 * sweep. Stopping: when the caller's stop flag is set, children get SIGTERM (dermsim run
 * then checkpoints and closes its file marked completed = 0), are waited for and marked
 * interrupted; an error of the sweep itself (a status file that cannot be written) stops
 * the remaining rows the same way.
 * Does not: install signal handlers or print (the caller's progress callback does).
 */
#define _POSIX_C_SOURCE 200809L
#include "derm/tools/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "derm/io/checkpoint.h"
#include "derm/io/lockfile.h"
#include "derm/io/output.h"
#include "derm/version.h"

extern char **environ;

struct run_slot {
    pid_t pid;
    struct derm_sweep_row row;
    struct derm_lockfile *lock;
    double t0;
    int resumed; /* started as `dermsim resume` from the row's checkpoint */
};

static double run_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A row is done when its run.h5 is completed, passes the checks and is the row's run (a
 * damaged one, or one made with another configuration or seed, is redone). */
static int run_is_done(const char *dir, const struct derm_sweep_row *row)
{
    char h5[4400], why[8];
    snprintf(h5, sizeof h5, "%s/runs/%s/run.h5", dir, row->id);
    struct stat sb;
    if (lstat(h5, &sb) != 0 || !S_ISREG(sb.st_mode)) return 0;
    struct derm_output_summary sum;
    struct derm_err e = {0};
    return derm_output_verify(h5, 0, &sum, &e) == DERM_OK && sum.completed &&
           derm_sweep_run_matches(dir, row, h5, why, sizeof why);
}

/* 1 if runs/<id> holds a checkpoint this build can resume (else the row starts again). */
static int can_resume(const char *rundir)
{
    char ck[4400], part[4400];
    snprintf(ck, sizeof ck, "%s/checkpoint.h5", rundir);
    snprintf(part, sizeof part, "%s/run.partial.h5", rundir);
    if (access(ck, F_OK) != 0 || access(part, F_OK) != 0) return 0;
    struct derm_checkpoint *c = NULL;
    struct derm_err e = {0};
    if (derm_checkpoint_open(ck, &c, &e) != DERM_OK) return 0;
    const struct derm_ckpt_meta *m = derm_checkpoint_meta(c);
    int ok = !strcmp(m->git_describe, DERM_GIT_DESCRIBE) && !strcmp(m->software_version, DERM_VERSION);
    derm_checkpoint_close(c);
    return ok;
}

/* The last non-empty line of a text file, made safe for a key=value line. */
static void last_line(const char *path, char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) return;
    char tail[2048];
    long size = (fseek(f, 0, SEEK_END) == 0) ? ftell(f) : -1;
    long from = size > (long)sizeof tail - 1 ? size - (long)sizeof tail + 1 : 0;
    size_t got = 0;
    if (size >= 0 && fseek(f, from, SEEK_SET) == 0) got = fread(tail, 1, sizeof tail - 1, f);
    fclose(f);
    tail[got] = '\0';
    while (got > 0 && (tail[got - 1] == '\n' || tail[got - 1] == '\r' || tail[got - 1] == ' ')) tail[--got] = '\0';
    char *start = strrchr(tail, '\n');
    start = start ? start + 1 : tail;
    char *cr = strrchr(start, '\r'); /* progress lines overwrite themselves with \r */
    if (cr) start = cr + 1;
    snprintf(buf, n, "%s", start);
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 0x20) *c = ' ';
}

static derm_status write_status(const char *rundir, const char *status, int exit_code, const char *last_error,
                                double wall_s, uint64_t seed, int resumed, struct derm_err *err)
{
    char path[4400], host[256] = "?", text[2048];
    snprintf(path, sizeof path, "%s/status", rundir);
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    int n = snprintf(text, sizeof text,
                     "status=%s\nexit_code=%d\nlast_error=%s\nwall_s=%.3f\nseed=%llu\nhost=%s\npid=%ld\nstarted=%s\n",
                     status, exit_code, last_error ? last_error : "", wall_s, (unsigned long long)seed, host,
                     (long)getpid(), resumed ? "resume" : "run");
    return derm_sweep_write_atomic(path, text, (size_t)n, err);
}

derm_status derm_sweep_row_of(const struct derm_sweep *s, int64_t row, struct derm_sweep_row *r, struct derm_err *err)
{
    memset(r, 0, sizeof *r);
    r->row = row;
    derm_sweep_run_id(s, row, r->id, sizeof r->id);
    r->seed = s->seeds[row];
    r->sets = calloc((size_t)(s->nsets + s->nfactors) + 1, sizeof *r->sets);
    if (!r->sets) return derm_err_set(err, DERM_ENOMEM, "out of memory");
    const int64_t pt = row / s->replicates;
    for (int i = 0; i < s->nsets + s->nfactors; i++) {
        const char *k = i < s->nsets ? s->sets[i] : s->factors[i - s->nsets].key;
        const char *v = i < s->nsets ? NULL : s->cells[pt * s->nfactors + (i - s->nsets)];
        size_t n = strlen(k) + (v ? strlen(v) : 0) + 2;
        if (!(r->sets[i] = malloc(n))) {
            derm_sweep_row_free(r);
            return derm_err_set(err, DERM_ENOMEM, "out of memory");
        }
        snprintf(r->sets[i], n, v ? "%s=%s" : "%s", k, v);
        r->nsets++;
    }
    return DERM_OK;
}

/* argv of the child: a fresh run of the row (--overwrite: whatever an earlier, unfinished
 * attempt left is replaced) or a resume from its checkpoint. */
static char **child_argv(const char *dir, const char *exe, const char *rundir, const struct derm_sweep_row *r,
                         int resume, char *base, char *seed, const char *thr)
{
    char **argv = calloc(12 + 2 * (size_t)r->nsets, sizeof *argv);
    if (!argv) return NULL;
    size_t a = 0;
    argv[a++] = (char *)exe;
    if (resume) {
        argv[a++] = "resume";
        argv[a++] = (char *)rundir;
    } else {
        snprintf(base, 4300, "%s/base.yaml", dir);
        snprintf(seed, 32, "%llu", (unsigned long long)r->seed);
        argv[a++] = "run";
        argv[a++] = base;
        argv[a++] = "-o";
        argv[a++] = (char *)rundir;
        for (int i = 0; i < r->nsets; i++) {
            argv[a++] = "--set";
            argv[a++] = r->sets[i];
        }
        argv[a++] = "--seed";
        argv[a++] = seed;
        argv[a++] = "--overwrite";
    }
    argv[a++] = "--threads";
    argv[a++] = (char *)thr;
    argv[a++] = "--quiet";
    argv[a] = NULL;
    return argv;
}

static int spawn_child(const char *exe, char **argv, const char *log, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc) return rc;
    if (!rc) rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc) rc = posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!rc) rc = posix_spawn_file_actions_adddup2(&fa, 2, 1);
    int attr_ok = 0;
    if (!rc) attr_ok = !(rc = posix_spawnattr_init(&attr));
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    if (!rc) rc = posix_spawnattr_setsigmask(&attr, &none);
    if (!rc) rc = posix_spawnattr_setsigdefault(&attr, &def);
    if (!rc) rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (!rc) rc = posix_spawn(pid, exe, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (attr_ok) posix_spawnattr_destroy(&attr);
    return rc;
}

/* Start the row in slot sl (whose lock is held): status running, then the child. */
static derm_status spawn_run(const char *dir, const char *exe, struct run_slot *sl, int threads, struct derm_err *err)
{
    char rundir[4300], log[4400], base[4300], seed[32], thr[16];
    snprintf(rundir, sizeof rundir, "%s/runs/%s", dir, sl->row.id);
    snprintf(log, sizeof log, "%s/stderr.log", rundir);
    snprintf(thr, sizeof thr, "%d", threads);
    sl->resumed = can_resume(rundir);
    DERM_TRY(write_status(rundir, "running", -1, "", 0.0, sl->row.seed, sl->resumed, err));
    char **argv = child_argv(dir, exe, rundir, &sl->row, sl->resumed, base, seed, thr);
    if (!argv) return derm_err_set(err, DERM_ENOMEM, "out of memory");
    int rc = spawn_child(exe, argv, log, &sl->pid);
    free(argv);
    if (rc) return derm_err_set(err, DERM_EIO, "cannot start %s for run %s: %s", exe, sl->row.id, strerror(rc));
    return DERM_OK;
}

/* A child ended: decide and record its status. */
static derm_status finish_run(const char *dir, const struct run_slot *sl, int wstatus, int stopping,
                              struct derm_sweep_run_result *res, struct derm_err *err)
{
    char rundir[4300], log[4400], last[400];
    const char *id = sl->row.id;
    snprintf(rundir, sizeof rundir, "%s/runs/%s", dir, id);
    snprintf(log, sizeof log, "%s/stderr.log", rundir);
    int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : -1;
    int done = code == 0 && run_is_done(dir, &sl->row);
    last_line(log, last, sizeof last);
    const char *status;
    if (done) {
        status = "ok";
        last[0] = '\0';
        res->ok++;
    } else if (stopping || code == 130 ||
               (WIFSIGNALED(wstatus) && (WTERMSIG(wstatus) == SIGTERM || WTERMSIG(wstatus) == SIGINT))) {
        status = "interrupted";
        res->interrupted++;
    } else {
        status = "failed";
        if (code == 0 && !last[0]) snprintf(last, sizeof last, "exited 0 but run.h5 is not completed and verified");
        if (sl->resumed && code == 2) { /* resume refused the row's files (not its run): the next
                                           attempt starts the row again instead */
            char ck[4400];
            snprintf(ck, sizeof ck, "%s/checkpoint.h5", rundir);
            unlink(ck);
        }
        if (res->failed++ == 0) {
            snprintf(res->first_failed, sizeof res->first_failed, "%s", id);
            snprintf(res->first_error, sizeof res->first_error, "exit %d: %s", code, last[0] ? last : "(no message)");
        }
    }
    return write_status(rundir, status, code, last, run_now() - sl->t0, sl->row.seed, sl->resumed, err);
}

/* The state of one `sweep run`: rows pending, children running, the first error. */
struct run_loop {
    const struct derm_sweep *s; /* NULL with --index: the row comes from the manifest */
    const char *dir, *exe;
    const struct derm_sweep_run_opts *opts;
    struct derm_sweep_run_result *res;
    struct run_slot *slots;
    int jobs, per_run;
    int64_t *pending, npend, next, running, finished;
    int stopping;
    double t_start, last_report;
    derm_status st;
    struct derm_err err; /* the first error of the sweep itself */
};

static void stop_children(const struct run_loop *L)
{
    for (int i = 0; i < L->jobs; i++)
        if (L->slots[i].pid > 0) kill(L->slots[i].pid, SIGTERM);
}

/* Record the first error of the sweep itself and stop: no new row starts, running ones are
 * terminated and marked interrupted, and the loop ends when they have ended. */
static void loop_fail(struct run_loop *L, derm_status st, const struct derm_err *e)
{
    if (L->st == DERM_OK) {
        L->st = st;
        L->err = *e;
    }
    if (!L->stopping) {
        L->stopping = 1;
        stop_children(L);
    }
}

/* Take row `row`'s lock and decide: 1 = start it, 0 = skip it (done, or busy elsewhere). */
static int claim_row(struct run_loop *L, struct run_slot *sl, int64_t row, struct derm_err *err)
{
    struct derm_err e = {0};
    derm_status st = L->s ? derm_sweep_row_of(L->s, row, &sl->row, &e) : derm_sweep_read_row(L->dir, row, &sl->row, &e);
    char rundir[4300], lock[4400];
    if (st == DERM_OK) {
        snprintf(rundir, sizeof rundir, "%s/runs/%s", L->dir, sl->row.id);
        snprintf(lock, sizeof lock, "%s/row.lock", rundir);
        st = derm_sweep_mkdir(rundir, &e);
    }
    if (st == DERM_OK) st = derm_lockfile_acquire(lock, sl->row.id, &sl->lock, NULL, &e);
    if (st == DERM_EBUSY) { /* another process runs this row: it is not lost, and not ours */
        if (L->res->busy++ == 0) snprintf(L->res->first_busy, sizeof L->res->first_busy, "%s", e.msg);
        derm_sweep_row_free(&sl->row);
        return 0;
    }
    if (st == DERM_OK && run_is_done(L->dir, &sl->row)) { /* finished meanwhile elsewhere */
        L->res->skipped++;
        derm_lockfile_release(sl->lock);
        sl->lock = NULL;
        derm_sweep_row_free(&sl->row);
        return 0;
    }
    if (st != DERM_OK) {
        derm_lockfile_release(sl->lock);
        sl->lock = NULL;
        derm_sweep_row_free(&sl->row);
        loop_fail(L, st, &e);
        *err = e;
        return 0;
    }
    return 1;
}

static void release_slot(struct run_slot *sl)
{
    derm_lockfile_release(sl->lock);
    sl->lock = NULL;
    derm_sweep_row_free(&sl->row);
    sl->pid = 0;
}

/* Fill the free slots with pending rows. */
static void start_runs(struct run_loop *L, struct derm_err *err)
{
    for (int i = 0; i < L->jobs && !L->stopping && L->next < L->npend; i++) {
        struct run_slot *sl = &L->slots[i];
        if (sl->pid > 0) continue;
        int64_t row = L->pending[L->next++];
        if (!claim_row(L, sl, row, err)) continue;
        sl->t0 = run_now();
        struct derm_err e = {0};
        derm_status st = spawn_run(L->dir, L->exe, sl, L->per_run, &e);
        if (st != DERM_OK) {
            sl->pid = 0;
            release_slot(sl);
            loop_fail(L, st, &e); /* the sweep itself is broken: stop the others too */
            *err = e;
            break;
        }
        L->running++;
    }
}

/* Record the children that ended; 1 if any did. */
static int reap_runs(struct run_loop *L, struct derm_err *err)
{
    int reaped = 0;
    for (int i = 0; i < L->jobs; i++) {
        struct run_slot *sl = &L->slots[i];
        if (sl->pid <= 0) continue;
        int ws = 0;
        pid_t r = waitpid(sl->pid, &ws, WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR)) continue;
        if (r < 0) ws = 0xff00; /* lost child: treat as exit 255 */
        struct derm_err e2 = {0};
        derm_status fs = finish_run(L->dir, sl, ws, L->stopping, L->res, &e2);
        release_slot(sl);
        if (fs != DERM_OK) {
            loop_fail(L, fs, &e2);
            *err = e2;
        }
        L->running--;
        L->finished++;
        reaped = 1;
    }
    return reaped;
}

static void report_progress(struct run_loop *L, int reaped)
{
    const struct derm_sweep_run_result *res = L->res;
    double now = run_now();
    if (!L->opts->progress || !(reaped || now - L->last_report > 0.5)) return;
    struct derm_sweep_progress pr = {res->total, res->skipped,       res->ok, res->failed + res->interrupted,
                                     L->running, L->npend - L->next, -1.0};
    if (L->finished > 0) pr.eta_s = (double)(L->npend - L->finished) * (now - L->t_start) / (double)L->finished;
    L->opts->progress(&pr, L->opts->progress_ctx);
    L->last_report = now;
}

/* Until every row has run, or - after a stop request or an error of the sweep itself -
 * until the children running have ended. */
static void run_loop(struct run_loop *L, struct derm_err *err)
{
    for (;;) {
        if (L->opts->stop && *L->opts->stop && !L->stopping) {
            L->stopping = 1;
            stop_children(L);
        }
        start_runs(L, err);
        if (L->running == 0 && (L->stopping || L->next >= L->npend)) break;
        int reaped = reap_runs(L, err);
        report_progress(L, reaped);
        if (!reaped) {
            struct timespec ts = {0, 5000000}; /* 5 ms: negligible next to a run */
            nanosleep(&ts, NULL);
        }
    }
}

/* The binary to spawn and DIR/runs/. */
static derm_status run_setup(const char *dir, const struct derm_sweep_run_opts *opts, char *exe, size_t exe_len,
                             struct derm_err *err)
{
    if (opts->exe) {
        snprintf(exe, exe_len, "%s", opts->exe);
    } else {
        ssize_t n = readlink("/proc/self/exe", exe, exe_len - 1);
        if (n <= 0)
            return derm_err_set(err, DERM_EIO, "cannot resolve the dermsim binary (/proc/self/exe): %s",
                                strerror(errno));
        exe[n] = '\0';
    }
    char rd[4300];
    snprintf(rd, sizeof rd, "%s/runs", dir);
    return derm_sweep_mkdir(rd, err);
}

/* Run rows [first, last) that are not done yet, at most opts->jobs at a time. */
static derm_status run_rows(struct run_loop *L, int64_t first, int64_t last, struct derm_err *err)
{
    L->jobs = L->opts->jobs > 0 ? L->opts->jobs : 1;
    L->pending = malloc((size_t)(last - first) * sizeof *L->pending);
    L->slots = calloc((size_t)L->jobs, sizeof *L->slots);
    if (!L->pending || !L->slots) {
        free(L->pending);
        free(L->slots);
        return derm_err_set(err, DERM_ENOMEM, "out of memory");
    }
    for (int64_t row = first; row < last; row++) {
        L->res->total++;
        struct derm_sweep_row r;
        int done = 0;
        if (L->s && derm_sweep_row_of(L->s, row, &r, err) == DERM_OK) {
            done = run_is_done(L->dir, &r);
            derm_sweep_row_free(&r);
        }
        if (done)
            L->res->skipped++;
        else
            L->pending[L->npend++] = row; /* --index: claim_row checks */
    }
    int threads = L->opts->threads > 0 ? L->opts->threads : omp_get_max_threads();
    L->per_run = threads / L->jobs > 1 ? threads / L->jobs : 1;
    L->t_start = run_now();
    run_loop(L, err);
    free(L->pending);
    free(L->slots);
    if (L->st != DERM_OK) {
        *err = L->err;
        return L->st;
    }
    if (L->stopping)
        return derm_err_set(err, DERM_EINTR,
                            "sweep interrupted: %lld run(s) marked interrupted; run "
                            "'dermsim sweep run %s' again to resume",
                            (long long)L->res->interrupted, L->dir);
    return DERM_OK;
}

derm_status derm_sweep_run(const char *dir, const struct derm_sweep_run_opts *opts, struct derm_sweep_run_result *res,
                           struct derm_err *err)
{
    memset(res, 0, sizeof *res);
    char exe[4096];
    struct run_loop L = {.dir = dir, .exe = exe, .opts = opts, .res = res, .st = DERM_OK};
    if (opts->index < -1) return derm_err_set(err, DERM_EUSAGE, "--index %lld is negative", (long long)opts->index);
    if (opts->index >= 0) { /* one row, read from the manifest (claim_row): no re-planning */
        DERM_TRY(run_setup(dir, opts, exe, sizeof exe, err));
        return run_rows(&L, opts->index, opts->index + 1, err);
    }
    struct derm_sweep *s = NULL;
    DERM_TRY(derm_sweep_open(dir, &s, err));
    L.s = s;
    derm_status st = run_setup(dir, opts, exe, sizeof exe, err);
    if (st == DERM_OK) st = run_rows(&L, 0, s->nruns, err);
    derm_sweep_free(s);
    return st;
}
