/* sweep_run.c - running the rows of a planned sweep (`sweep run DIR [-j N] [--index I]`).
 *
 * Owns: deciding which rows are pending (a row is done when runs/<id>/run.h5 carries
 * completed = 1), spawning each as a child process of the dermsim binary
 *   dermsim run DIR/base.yaml -o DIR/runs/<id> --set <fixed> --set <swept> --seed S
 *           --threads T --quiet
 * with its stdout and stderr in runs/<id>/stderr.log, at most N at a time and
 * T = max(1, threads / N), and the per-run status file runs/<id>/status (key=value
 * lines, written with tmp + rename so many machines running `--index` never share a
 * file): status running|ok|failed|interrupted, exit_code, last_error, wall_s, seed, host.
 * Stopping: when the caller's stop flag is set, children get SIGTERM (dermsim run then
 * closes its file marked completed = 0), are waited for and marked interrupted.
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

#include "derm/io/output.h"

extern char **environ;

struct run_slot {
    pid_t pid;
    int64_t row;
    double t0;
};

static double run_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int run_is_done(const char *dir, const char *id)
{
    char h5[4400];
    snprintf(h5, sizeof h5, "%s/runs/%s/run.h5", dir, id);
    struct stat sb;
    if (stat(h5, &sb) != 0 || !S_ISREG(sb.st_mode)) return 0;
    int completed = 0;
    struct derm_err e = {0};
    return derm_output_read_completed(h5, &completed, &e) == DERM_OK && completed;
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
                                double wall_s, uint64_t seed, struct derm_err *err)
{
    char path[4400], host[256] = "?", text[2048];
    snprintf(path, sizeof path, "%s/status", rundir);
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    int n = snprintf(text, sizeof text,
                     "status=%s\nexit_code=%d\nlast_error=%s\nwall_s=%.3f\nseed=%llu\nhost=%s\npid=%ld\n", status,
                     exit_code, last_error ? last_error : "", wall_s, (unsigned long long)seed, host, (long)getpid());
    return derm_sweep_write_atomic(path, text, (size_t)n, err);
}

static derm_status spawn_run(const struct derm_sweep *s, const char *dir, const char *exe, int64_t row, int threads,
                             pid_t *pid, struct derm_err *err)
{
    char id[64], rundir[4300], log[4400], base[4300], seed[32], thr[16];
    derm_sweep_run_id(s, row, id, sizeof id);
    snprintf(rundir, sizeof rundir, "%s/runs/%s", dir, id);
    snprintf(log, sizeof log, "%s/stderr.log", rundir);
    snprintf(base, sizeof base, "%s/base.yaml", dir);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seeds[row]);
    snprintf(thr, sizeof thr, "%d", threads);
    DERM_TRY(derm_sweep_mkdir(rundir, err));
    DERM_TRY(write_status(rundir, "running", -1, "", 0.0, s->seeds[row], err));

    int64_t pt = row / s->replicates;
    size_t nargs = 12 + 2 * (size_t)(s->nsets + s->nfactors);
    char **argv = calloc(nargs, sizeof *argv);
    char **owned = calloc((size_t)s->nfactors + 1, sizeof *owned);
    if (!argv || !owned) {
        free(argv);
        free(owned);
        return derm_err_set(err, DERM_ENOMEM, "out of memory");
    }
    size_t a = 0;
    argv[a++] = (char *)exe;
    argv[a++] = "run";
    argv[a++] = base;
    argv[a++] = "-o";
    argv[a++] = rundir;
    for (int i = 0; i < s->nsets; i++) {
        argv[a++] = "--set";
        argv[a++] = s->sets[i];
    }
    derm_status st = DERM_OK;
    for (int j = 0; j < s->nfactors && st == DERM_OK; j++) {
        size_t n = strlen(s->factors[j].key) + strlen(s->cells[pt * s->nfactors + j]) + 2;
        if (!(owned[j] = malloc(n))) {
            st = derm_err_set(err, DERM_ENOMEM, "out of memory");
            break;
        }
        snprintf(owned[j], n, "%s=%s", s->factors[j].key, s->cells[pt * s->nfactors + j]);
        argv[a++] = "--set";
        argv[a++] = owned[j];
    }
    argv[a++] = "--seed";
    argv[a++] = seed;
    argv[a++] = "--threads";
    argv[a++] = thr;
    argv[a++] = "--quiet";
    argv[a] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int fa_ok = 0, attr_ok = 0;
    if (st == DERM_OK) {
        int rc = posix_spawn_file_actions_init(&fa);
        fa_ok = rc == 0;
        if (!rc) rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (!rc) rc = posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (!rc) rc = posix_spawn_file_actions_adddup2(&fa, 2, 1);
        if (!rc) rc = posix_spawnattr_init(&attr);
        attr_ok = !rc;
        sigset_t none, def;
        sigemptyset(&none);
        sigemptyset(&def);
        sigaddset(&def, SIGINT);
        sigaddset(&def, SIGTERM);
        if (!rc) rc = posix_spawnattr_setsigmask(&attr, &none);
        if (!rc) rc = posix_spawnattr_setsigdefault(&attr, &def);
        if (!rc) rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (!rc) rc = posix_spawn(pid, exe, &fa, &attr, argv, environ);
        if (rc) st = derm_err_set(err, DERM_EIO, "cannot start %s for run %s: %s", exe, id, strerror(rc));
    }
    if (fa_ok) posix_spawn_file_actions_destroy(&fa);
    if (attr_ok) posix_spawnattr_destroy(&attr);
    for (int j = 0; j < s->nfactors; j++) free(owned[j]);
    free(owned);
    free(argv);
    return st;
}

/* A child ended: decide and record its status. */
static derm_status finish_run(const struct derm_sweep *s, const char *dir, const struct run_slot *sl, int wstatus,
                              int stopping, struct derm_sweep_run_result *res, struct derm_err *err)
{
    char id[64], rundir[4300], log[4400], h5[4400], last[400];
    derm_sweep_run_id(s, sl->row, id, sizeof id);
    snprintf(rundir, sizeof rundir, "%s/runs/%s", dir, id);
    snprintf(log, sizeof log, "%s/stderr.log", rundir);
    snprintf(h5, sizeof h5, "%s/run.h5", rundir);
    int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : -1;
    int completed = 0;
    struct derm_err e = {0};
    if (code == 0 && derm_output_read_completed(h5, &completed, &e) != DERM_OK) completed = 0;
    last_line(log, last, sizeof last);
    const char *status;
    if (code == 0 && completed) {
        status = "ok";
        last[0] = '\0';
        res->ok++;
    } else if (stopping || code == 130 ||
               (WIFSIGNALED(wstatus) && (WTERMSIG(wstatus) == SIGTERM || WTERMSIG(wstatus) == SIGINT))) {
        status = "interrupted";
        res->interrupted++;
    } else {
        status = "failed";
        if (code == 0 && !last[0]) snprintf(last, sizeof last, "exited 0 but run.h5 is not marked completed");
        if (res->failed++ == 0) {
            snprintf(res->first_failed, sizeof res->first_failed, "%s", id);
            snprintf(res->first_error, sizeof res->first_error, "exit %d: %s", code, last[0] ? last : "(no message)");
        }
    }
    return write_status(rundir, status, code, last, run_now() - sl->t0, s->seeds[sl->row], err);
}

/* The state of one `sweep run`: rows pending, children running, the first error. */
struct run_loop {
    const struct derm_sweep *s;
    const char *dir, *exe;
    const struct derm_sweep_run_opts *opts;
    struct derm_sweep_run_result *res;
    struct run_slot *slots;
    int jobs, per_run;
    int64_t *pending, npend, next, running, finished;
    int stopping;
    double t_start, last_report;
    derm_status st;
};

static void stop_children(const struct run_loop *L)
{
    for (int i = 0; i < L->jobs; i++)
        if (L->slots[i].pid > 0) kill(L->slots[i].pid, SIGTERM);
}

/* Fill the free slots with pending rows. */
static void start_runs(struct run_loop *L, struct derm_err *err)
{
    for (int i = 0; i < L->jobs && !L->stopping && L->st == DERM_OK && L->next < L->npend; i++) {
        struct run_slot *sl = &L->slots[i];
        if (sl->pid > 0) continue;
        sl->row = L->pending[L->next++];
        sl->t0 = run_now();
        L->st = spawn_run(L->s, L->dir, L->exe, sl->row, L->per_run, &sl->pid, err);
        if (L->st != DERM_OK) {
            sl->pid = 0;
            L->stopping = 1; /* the sweep itself is broken: stop the others too */
            stop_children(L);
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
        derm_status fs = finish_run(L->s, L->dir, sl, ws, L->stopping, L->res, &e2);
        if (fs != DERM_OK && L->st == DERM_OK) {
            L->st = fs;
            *err = e2;
        }
        sl->pid = 0;
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

static void run_loop(struct run_loop *L, struct derm_err *err)
{
    while (L->next < L->npend || L->running > 0) {
        if (L->opts->stop && *L->opts->stop && !L->stopping) {
            L->stopping = 1;
            stop_children(L);
        }
        start_runs(L, err);
        int reaped = reap_runs(L, err);
        report_progress(L, reaped);
        if (!reaped) {
            struct timespec ts = {0, 5000000}; /* 5 ms: negligible next to a run */
            nanosleep(&ts, NULL);
        }
        if (L->stopping && L->running == 0) break;
    }
}

/* The binary to spawn, the row range and DIR/runs/. */
static derm_status run_setup(const struct derm_sweep *s, const char *dir, const struct derm_sweep_run_opts *opts,
                             char *exe, size_t exe_len, struct derm_err *err)
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
    if (opts->index >= s->nruns || opts->index < -1)
        return derm_err_set(err, DERM_EUSAGE, "--index %lld is outside the manifest; expected 0 to %lld (%s/runs.csv)",
                            (long long)opts->index, (long long)s->nruns - 1, dir);
    char rd[4300];
    snprintf(rd, sizeof rd, "%s/runs", dir);
    return derm_sweep_mkdir(rd, err);
}

/* Run the rows not done yet, at most opts->jobs at a time. */
static derm_status run_rows(const struct derm_sweep *s, const char *dir, const char *exe,
                            const struct derm_sweep_run_opts *opts, struct derm_sweep_run_result *res,
                            struct derm_err *err)
{
    int64_t first = opts->index >= 0 ? opts->index : 0, last = opts->index >= 0 ? opts->index + 1 : s->nruns;
    struct run_loop L = {.s = s, .dir = dir, .exe = exe, .opts = opts, .res = res, .st = DERM_OK};
    L.jobs = opts->jobs > 0 ? opts->jobs : 1;
    L.pending = malloc((size_t)(last - first) * sizeof *L.pending);
    L.slots = calloc((size_t)L.jobs, sizeof *L.slots);
    if (!L.pending || !L.slots) {
        free(L.pending);
        free(L.slots);
        return derm_err_set(err, DERM_ENOMEM, "out of memory");
    }
    for (int64_t row = first; row < last; row++) {
        char id[64];
        derm_sweep_run_id(s, row, id, sizeof id);
        res->total++;
        if (run_is_done(dir, id))
            res->skipped++;
        else
            L.pending[L.npend++] = row;
    }
    int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
    L.per_run = threads / L.jobs > 1 ? threads / L.jobs : 1;
    L.t_start = run_now();
    run_loop(&L, err);
    free(L.pending);
    free(L.slots);
    if (L.st != DERM_OK) return L.st;
    if (L.stopping)
        return derm_err_set(err, DERM_EINTR,
                            "sweep interrupted: %lld run(s) marked interrupted; run "
                            "'dermsim sweep run %s' again to resume",
                            (long long)res->interrupted, dir);
    return DERM_OK;
}

derm_status derm_sweep_run(const char *dir, const struct derm_sweep_run_opts *opts, struct derm_sweep_run_result *res,
                           struct derm_err *err)
{
    memset(res, 0, sizeof *res);
    struct derm_sweep *s = NULL;
    DERM_TRY(derm_sweep_open(dir, &s, err));
    char exe[4096];
    derm_status st = run_setup(s, dir, opts, exe, sizeof exe, err);
    if (st == DERM_OK) st = run_rows(s, dir, exe, opts, res, err);
    derm_sweep_free(s);
    return st;
}
