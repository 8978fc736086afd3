/* cli.c - options, configuration loading and messages shared by the commands (app.h). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "app.h"
#include "derm/io/config.h"

volatile sig_atomic_t app_interrupted = 0;

static void on_signal(int sig)
{
    (void)sig;
    app_interrupted = 1;
}

void app_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int app_fail(derm_status s, const char *msg)
{
    fprintf(stderr, "dermsim: %s\n", msg);
    return derm_status_exit_code(s);
}

/* The errors of a configuration: every one found in the file (one line each), else the one. */
static int app_fail_config(derm_status s, const struct derm_err *err, const struct derm_config_report *rep)
{
    if (!rep || rep->n < 2) return app_fail(s, err->msg);
    for (int i = 0; i < rep->n; i++) fprintf(stderr, "dermsim: %s\n", rep->msg[i]);
    if (rep->more) fprintf(stderr, "dermsim: ... and %d more error(s) in the file\n", rep->more);
    return derm_status_exit_code(s);
}

int app_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "dermsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; see 'dermsim --help'\n");
    return 2;
}

int app_dir_of_run_file(const char *arg, const char *const *names, int nnames, char *dir, size_t n)
{
    const char *slash = strrchr(arg, '/'), *base = slash ? slash + 1 : arg;
    for (int i = 0; i < nnames; i++)
        if (!strcmp(base, names[i])) {
            if (!slash)
                snprintf(dir, n, ".");
            else
                snprintf(dir, n, "%.*s", slash == arg ? 1 : (int)(slash - arg), arg);
            return 1;
        }
    return 0;
}

int app_run_dir(const char *cmd, const char *arg, char *dir, size_t n)
{
    const size_t len = strlen(arg);
    if (len >= n) {
        fprintf(stderr, "dermsim: %s: '%.64s...': path too long\n", cmd, arg);
        return 2;
    }
    snprintf(dir, n, "%s", arg);
    static const char *const files[] = {"run.h5", "run.partial.h5"};
    if (len > 3 && !strcmp(arg + len - 3, ".h5") && !app_dir_of_run_file(arg, files, 2, dir, n)) {
        fprintf(stderr, "dermsim: %s: '%s' is not a run's file; expected a run directory or its run.h5\n", cmd, arg);
        return 2;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "dermsim: %s: '%s' is not a run directory\n", cmd, arg);
        return 2;
    }
    char h5[4200];
    snprintf(h5, sizeof h5, "%s/run.h5", dir);
    if (stat(h5, &sb) != 0) {
        snprintf(h5, sizeof h5, "%s/run.partial.h5", dir);
        if (stat(h5, &sb) == 0) {
            fprintf(stderr,
                    "dermsim: %s: '%s' is an unfinished run (run.partial.h5); finish it with 'dermsim resume %s' "
                    "first\n",
                    cmd, arg, dir);
            return 2;
        }
    }
    return 0;
}

int app_load_run_config(const char *cmd, const char *yaml, struct derm_params *p, struct derm_schedule *sched)
{
    const struct app_cli c = {.cmd = cmd, .config = yaml, .made = 1};
    struct derm_param_origin *orig = calloc(derm_params_count(), sizeof *orig); /* errors at file:line:column */
    if (!orig) return app_fail(DERM_ENOMEM, "out of memory");
    char *text = NULL;
    const int rc = app_load_config(&c, p, sched, orig, &text); /* prints the errors of the file */
    free(text);
    free(orig);
    return rc;
}

/* text as one shell word into out (size n): as it is when it holds only safe characters,
 * else in single quotes (a ' as '\''). */
static void shell_word(const char *text, char *out, size_t n)
{
    const int safe =
        text[0] &&
        strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+-=:,@%") == strlen(text);
    size_t k = 0;
    if (safe) {
        snprintf(out, n, "%s", text);
        return;
    }
    if (k + 1 < n) out[k++] = '\'';
    for (const char *c = text; *c && k + 5 < n; c++) {
        if (*c == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else
            out[k++] = *c;
    }
    if (k + 1 < n) out[k++] = '\'';
    out[k < n ? k : n - 1] = '\0';
}

void app_reproduce_command(char *buf, size_t n, const char *yaml, const char *dir)
{
    char y[4400], d[4400], rerun[4200];
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--; /* "out/x/" names out/x: the new run beside it */
    snprintf(rerun, sizeof rerun, "%.*s-rerun", (int)len, dir);
    shell_word(yaml, y, sizeof y);
    shell_word(rerun, d, sizeof d);
    snprintf(buf, n, "dermsim run %s -o %s", y, d);
}

int app_parse_cli(int argc, char **argv, struct app_cli *c)
{
    memset(c, 0, sizeof *c);
    c->cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int takes = !strcmp(a, "-o") || !strcmp(a, "--set") || !strcmp(a, "--seed") || !strcmp(a, "--threads");
        if (takes && i + 1 >= argc) return app_usage_error("option '%s' needs a value", a);
        if (!strcmp(a, "-o"))
            c->outdir = argv[++i];
        else if (!strcmp(a, "--set")) {
            if (c->nsets >= 256) return app_usage_error("too many --set options (max 256)%s", "");
            c->sets[c->nsets++] = argv[++i];
        } else if (!strncmp(a, "--set=", 6)) {
            if (c->nsets >= 256) return app_usage_error("too many --set options (max 256)%s", "");
            c->sets[c->nsets++] = a + 6;
        } else if (!strcmp(a, "--seed")) {
            c->seed = argv[++i];
            c->seed_at = c->nsets;
        } else if (!strcmp(a, "--threads")) {
            c->threads = argv[++i];
            c->threads_at = c->nsets;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
            c->quiet = 1;
        else if (!strcmp(a, "--overwrite"))
            c->overwrite = 1;
        else if (a[0] == '-' && a[1] != '\0')
            return app_usage_error("unknown option '%s'", a);
        else if (!c->config)
            c->config = a;
        else
            return app_usage_error("unexpected argument '%s'", a);
    }
    return 0;
}

/* Defaults, config file, --seed/--threads and --set in their order on the command line (the
 * last of run.seed's wins, as between two --set), then whole-set validation. */
static derm_status load_config(const struct app_cli *c, struct derm_params *p, struct derm_schedule *sched,
                               struct derm_param_origin *orig, char **text, struct derm_config_report *rep,
                               struct derm_err *err)
{
    derm_params_defaults(p);
    memset(sched, 0, sizeof *sched);
    DERM_TRY(derm_config_load_report(c->config, p, sched, orig, text, rep, err));
    const char *opt_val[2] = {c->seed, c->threads}, *opt_key[2] = {"run.seed", "run.threads"};
    const char *opt_name[2] = {"--seed", "--threads"};
    const int opt_at[2] = {c->seed_at, c->threads_at};
    if (rep) rep->n = 0; /* from here on, one error at a time */
    for (int i = 0; i <= c->nsets; i++) {
        for (int o = 0; o < 2; o++) {
            if (!opt_val[o] || opt_at[o] != i) continue;
            const struct derm_param_desc *d = derm_params_find(opt_key[o]);
            DERM_TRY(derm_params_set_text(p, d, opt_val[o], opt_name[o], err));
            if (orig) snprintf(orig[d - derm_params_table()].where, DERM_WHERE_MAX, "%s", opt_name[o]);
        }
        if (i < c->nsets) DERM_TRY(derm_config_apply_set(p, sched, orig, c->sets[i], err));
    }
    /* a run already made, read to describe it, builds no grid: no memory check (a run made
     * on a large node can be reported on a small machine) */
    return c->made ? derm_config_validate_model(p, sched, orig, err) : derm_config_validate(p, sched, orig, err);
}

int app_load_config(const struct app_cli *c, struct derm_params *p, struct derm_schedule *sched,
                    struct derm_param_origin *orig, char **text)
{
    struct derm_err err = {0};
    struct derm_config_report *rep = calloc(1, sizeof *rep);
    derm_status st = load_config(c, p, sched, orig, text, rep, &err);
    int rc = st == DERM_OK ? 0 : app_fail_config(st, &err, rep);
    free(rep);
    return rc;
}

/* OMP_WAIT_POLICY as libgomp reads it: 1 passive, 0 active, -1 unset or invalid (spaces
 * around the word allowed, any case). */
static int passive_policy(const char *w)
{
    if (!w) return -1;
    while (isspace((unsigned char)*w)) w++;
    int r = -1;
    if (!strncasecmp(w, "passive", 7)) {
        r = 1;
        w += 7;
    } else if (!strncasecmp(w, "active", 6)) {
        r = 0;
        w += 6;
    }
    while (isspace((unsigned char)*w)) w++;
    return *w ? -1 : r;
}

/* GOMP_SPINCOUNT as libgomp reads it (env.c parse_spincount): "infinite"/"infinity", or a
 * whole decimal number with one optional k, M, G or T suffix, spaces around; anything else
 * counts 0 (and libgomp says it is invalid). */
static unsigned long long spin_count(const char *c)
{
    while (isspace((unsigned char)*c)) c++;
    if (!strncasecmp(c, "infinite", 8) || !strncasecmp(c, "infinity", 8)) return ULLONG_MAX;
    if (!*c) return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(c, &end, 10);
    if (errno || end == c) return 0;
    unsigned long long mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = 1000ULL;
    else if (*end == 'M')
        mult = 1000000ULL;
    else if (*end == 'G')
        mult = 1000000000ULL;
    else if (*end == 'T')
        mult = 1000000000000ULL;
    if (mult > 1) end++;
    while (isspace((unsigned char)*end)) end++;
    if (*end) return 0;
    return v > ULLONG_MAX / mult ? ULLONG_MAX : v * mult;
}

/* 1 if waiting OpenMP threads of a run started now would sleep at once: the policy is PASSIVE
 * (set, or dermsim's default when unset) and the spin count, as libgomp reads GOMP_SPINCOUNT
 * (or dermsim's default when neither is set), is 0; with another runtime than libgomp,
 * whenever the policy is PASSIVE or unset. */
static int waits_asleep(void)
{
    const char *w = getenv("OMP_WAIT_POLICY"), *c = getenv("GOMP_SPINCOUNT");
    const int passive = passive_policy(w);
#if defined(DERM_OMP_LIBGOMP)
    if (!w) return spin_count(c ? c : APP_SPIN_CHECKS) == 0; /* main.c sets PASSIVE, and the spin count if unset */
    if (passive <= 0) return 0;                              /* active, or unparsable: libgomp's default spins */
    return !c || spin_count(c) == 0;
#else
    (void)c;
    return passive != 0;
#endif
}

derm_status app_threads(const struct derm_params *p, int64_t requested, struct app_threads *t, struct derm_err *err)
{
    t->per = waits_asleep() ? APP_VOXELS_PER_THREAD_ASLEEP : APP_VOXELS_PER_THREAD;
    const char *v = getenv("DERMSIM_VOXELS_PER_THREAD");
    if (v) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (!*v || *end || errno || n < 1 || n > 1000000000000LL)
            return derm_err_set(err, DERM_EUSAGE,
                                "environment variable DERMSIM_VOXELS_PER_THREAD is '%.80s'; expected a whole number "
                                "of voxels from 1 to 1e12 (default %d, %d when threads sleep at once)",
                                v, APP_VOXELS_PER_THREAD, APP_VOXELS_PER_THREAD_ASLEEP);
        t->per = n;
    }
    const int64_t voxels = p->domain_nx * p->domain_ny * p->domain_nz;
    const int64_t useful = voxels / t->per > 1 ? voxels / t->per : 1;
    t->wanted = requested > 0 ? (int)requested : omp_get_max_threads();
    t->use = t->wanted < useful ? t->wanted : (int)useful;
    return DERM_OK;
}

const char *app_threads_note(const struct app_threads *t, char *buf, size_t n)
{
    if (n == 0) return "";
    buf[0] = '\0';
    if (t->use < t->wanted) snprintf(buf, n, " (at most one per %lld voxels, not %d)", (long long)t->per, t->wanted);
    return buf;
}
