/* cmd_sweep.c - `dermsim sweep plan|run|collect` (tool: sim/tools/sweep; docs/SWEEPS.md; app.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "derm/tools/sweep.h"

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

struct sweep_opts {
    const char *sub, *pos, *outdir;
    long long jobs, index;
    int quiet;
};

/* Options of a sweep command; returns -1 to go on, or an exit code (help, usage error). */
static int sweep_options(int argc, char **argv, struct sweep_opts *o)
{
    const char *sub = o->sub;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strncmp(a, "-j", 2) && a[2])
            v = a + 2, a = "-j"; /* -j4 */
        else if (!strncmp(a, "--index=", 8))
            v = a + 8, a = "--index"; /* --index=3 */
        else if (!strncmp(a, "--jobs=", 7))
            v = a + 7, a = "-j";
        else if (!strcmp(a, "--jobs"))
            a = "-j";
        int takes = !v && (!strcmp(a, "-o") || !strcmp(a, "-j") || !strcmp(a, "--index"));
        if (takes && i + 1 >= argc) return app_usage_error("option '%s' needs a value", a);
        if (!strcmp(a, "-o") && !strcmp(sub, "plan"))
            o->outdir = argv[++i];
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
            if (a[1] == 'j')
                o->jobs = x;
            else
                o->index = x;
        } else if ((!strcmp(a, "--quiet") || !strcmp(a, "-q")) && !strcmp(sub, "run"))
            o->quiet = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(app_usage, stdout);
            return 0;
        } else if (a[0] == '-' && a[1])
            return app_usage_error("unknown option '%s' for this sweep command", a);
        else if (!o->pos)
            o->pos = a;
        else
            return app_usage_error("unexpected argument '%s'", a);
    }
    return -1;
}

int app_cmd_sweep(int argc, char **argv)
{
    static const char *SWEEP_USAGE = "'sweep plan SWEEP.yaml -o DIR', 'sweep run DIR [-j N] [--index I] [--quiet]' "
                                     "or 'sweep collect DIR'";
    if (argc < 3) return app_usage_error("'sweep' needs %s", SWEEP_USAGE);
    struct sweep_opts so = {argv[2], NULL, NULL, 1, -1, 0};
    int rc = sweep_options(argc, argv, &so);
    if (rc >= 0) return rc;
    const char *sub = so.sub, *pos = so.pos, *outdir = so.outdir;
    const long long jobs = so.jobs, index = so.index;
    const int quiet = so.quiet;
    struct derm_err err = {0};
    derm_status st;
    if (!strcmp(sub, "plan")) {
        if (!pos || !outdir) return app_usage_error("'sweep plan' needs SWEEP.yaml and -o DIR%s", "");
        struct derm_sweep *s = NULL;
        if ((st = derm_sweep_plan(pos, outdir, &s, &err)) != DERM_OK) return app_fail(st, err.msg);
        static const char *design[] = {"grid", "lhs", "morris"};
        printf("%lld runs (%lld design points x %lld replicates, %s) in %s/runs.csv; estimated %.3g core-hours\n",
               (long long)s->nruns, (long long)s->npoints, (long long)s->replicates, design[s->design], outdir,
               s->core_seconds / 3600.0);
        derm_sweep_free(s);
        return 0;
    }
    if (!strcmp(sub, "collect")) {
        if (!pos) return app_usage_error("'sweep collect' needs the sweep directory%s", "");
        int64_t n = 0, ok = 0;
        if ((st = derm_sweep_collect(pos, &n, &ok, &err)) != DERM_OK) return app_fail(st, err.msg);
        printf("%s/summary.csv: %lld rows, %lld ok\n", pos, (long long)n, (long long)ok);
        return 0;
    }
    if (strcmp(sub, "run") != 0)
        return app_usage_error("unknown sweep command '%s'; expected plan, run or collect", sub);
    if (!pos) return app_usage_error("'sweep run' needs the sweep directory%s", "");
    app_catch_signals();
    const int show = !quiet && isatty(STDERR_FILENO);
    struct derm_sweep_run_opts o = {
        .jobs = (int)jobs, .index = index, .stop = &app_interrupted, .progress = show ? sweep_progress : NULL};
    struct derm_sweep_run_result r;
    /* concurrent simulations share the cores: OpenMP threads that spin while waiting steal
     * them from each other (runs 100x slower under load), so children sleep instead unless
     * the user chose a policy */
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    /* a sweep's runs are read through summary.csv: no report.html per run (seconds of
     * Python each); `dermsim report DIR/runs/ID` writes one when wanted */
    setenv("DERMSIM_REPORT_HTML", "0", 0);
    st = derm_sweep_run(pos, &o, &r, &err);
    if (show) fprintf(stderr, "\n");
    if (st != DERM_OK) return app_fail(st, err.msg);
    if (r.failed > 0) {
        fprintf(stderr, "dermsim: sweep: %lld of %lld runs failed (first %s: %s); see %s/runs/*/status\n",
                (long long)r.failed, (long long)r.total, r.first_failed, r.first_error, pos);
        return 1;
    }
    if (r.busy > 0) /* another process runs them: not lost, not ours to run (exit 0) */
        fprintf(stderr, "dermsim: sweep: %lld row(s) left to the process running them: %s\n", (long long)r.busy,
                r.first_busy);
    if (show)
        fprintf(stderr, "dermsim: sweep: %lld runs ok, %lld already done\n", (long long)r.ok, (long long)r.skipped);
    return 0;
}
