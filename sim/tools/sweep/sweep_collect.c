/* sweep_collect.c - one tidy table of a sweep's results (`sweep collect DIR`).
 *
 * Owns: the endpoints of a run (values at an age, at the end, relative to a reference
 * age, or the age at which a series first crosses a fraction of its reference value;
 * linear interpolation in age_years between series rows) and DIR/summary.csv, one row
 * per manifest row: run_id, point, replicate, seed, every swept parameter, status, error,
 * every endpoint. A run's status is "ok" when its run.h5 is completed and passes
 * derm_output_verify and is the row's run (derm_sweep_run_matches), "foreign" when it is a
 * sound run of another configuration or seed, "damaged" (with the reason in `error`) when
 * a run.h5 is there but is not sound, else the status recorded by `sweep run` (failed, interrupted, running; `error`
 * holds its last error line) or "pending" when it never ran; endpoints of runs that are not ok are left empty (pandas
 * reads them as NaN). A damaged run never stops the summary. Does not: run anything; write HDF5.
 */
#define _POSIX_C_SOURCE 200809L
#include "derm/tools/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "derm/io/output.h"

/* Value at age a by linear interpolation; NaN outside [age[0], age[n-1]]. */
static double interp(const double *age, const double *v, int64_t n, double a)
{
    if (n <= 0 || !(a >= age[0] - 1e-9) || !(a <= age[n - 1] + 1e-9)) return NAN;
    if (n == 1 || a <= age[0]) return v[0];
    for (int64_t i = 1; i < n; i++)
        if (a <= age[i]) {
            double w = age[i] > age[i - 1] ? (a - age[i - 1]) / (age[i] - age[i - 1]) : 1.0;
            return v[i - 1] + w * (v[i] - v[i - 1]);
        }
    return v[n - 1];
}

double derm_sweep_endpoint_eval(const struct derm_sweep_endpoint *e, const double *age, const double *v, int64_t n)
{
    if (n <= 0) return NAN;
    double ref = 1.0;
    if (e->has_ref)
        ref = interp(age, v, n, e->ref_age_years);
    else if (e->kind == DERM_SWEEP_TIME_TO)
        ref = v[0];
    if (!isfinite(ref) || ref == 0.0) return NAN;
    if (e->kind == DERM_SWEEP_AT_AGE) return interp(age, v, n, e->age_years) / ref;
    if (e->kind == DERM_SWEEP_AT_END) return v[n - 1] / ref;
    /* TIME_TO: first crossing of value/ref through `fraction` after the reference age */
    double a0 = e->has_ref ? e->ref_age_years : age[0];
    double f = e->fraction, prev_a = a0, prev_r = interp(age, v, n, a0) / ref;
    int falling = f < 1.0;
    if (falling ? prev_r <= f : prev_r >= f) return a0;
    for (int64_t i = 0; i < n; i++) {
        if (age[i] <= a0) continue;
        double r = v[i] / ref;
        if (falling ? r <= f : r >= f) {
            double w = r != prev_r ? (f - prev_r) / (r - prev_r) : 1.0;
            return prev_a + w * (age[i] - prev_a);
        }
        prev_a = age[i];
        prev_r = r;
    }
    return NAN;
}

/* "status=..." and "last_error=..." from runs/<id>/status, or "pending" when there is none. */
static void read_status(const char *rundir, char *status, size_t n, char *error, size_t en)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/status", rundir);
    snprintf(status, n, "pending");
    error[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strncmp(line, "status=", 7)) snprintf(status, n, "%.40s", line + 7);
        if (!strncmp(line, "last_error=", 11)) snprintf(error, en, "%s", line + 11);
    }
    fclose(f);
    for (char *c = status; *c; c++) /* a status is one plain word */
        if (!((*c >= 'a' && *c <= 'z') || *c == '_')) *c = '_';
}

/* A CSV field: quoted when it holds a comma, quote or line break (quotes doubled). */
static void csv_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s == '\r' || *s == '\n' ? ' ' : *s, fp);
    }
    fputc('"', fp);
}

/* The endpoints of a completed run into vals (NaN when not computable). */
static derm_status row_endpoints(const struct derm_sweep *s, const char *h5, double *vals, struct derm_err *err)
{
    double *age = NULL;
    int64_t n = 0;
    DERM_TRY(derm_output_read_series(h5, "age_years", &age, &n, err));
    derm_status st = DERM_OK;
    for (int k = 0; k < s->nendpoints && st == DERM_OK; k++) {
        double *v = NULL;
        int64_t nv = 0;
        st = derm_output_read_series(h5, s->endpoints[k].variable, &v, &nv, err);
        if (st == DERM_OK) vals[k] = derm_sweep_endpoint_eval(&s->endpoints[k], age, v, nv < n ? nv : n);
        free(v);
    }
    free(age);
    return st;
}

/* One summary row: status, error and endpoints of run `row`; *ok counts the ok rows. */
static void summary_row(const struct derm_sweep *s, const char *dir, int64_t row, double *vals, FILE *fp, int64_t *ok)
{
    char id[64], rundir[4300], h5[4400], status[64], error[1100];
    derm_sweep_run_id(s, row, id, sizeof id);
    snprintf(rundir, sizeof rundir, "%s/runs/%s", dir, id);
    snprintf(h5, sizeof h5, "%s/run.h5", rundir);
    const int64_t pt = row / s->replicates;
    fprintf(fp, "%s,%lld,%lld,%llu", id, (long long)pt, (long long)(row % s->replicates),
            (unsigned long long)s->seeds[row]);
    for (int j = 0; j < s->nfactors; j++) fprintf(fp, ",%s", s->cells[pt * s->nfactors + j]);
    read_status(rundir, status, sizeof status, error, sizeof error);
    struct derm_err e = {0};
    struct derm_output_summary sum;
    struct stat sb;
    int good = 0;
    if (lstat(h5, &sb) == 0 && S_ISREG(sb.st_mode)) {
        derm_status vs = derm_output_verify(h5, 0, &sum, &e);
        /* the row's own run: the row's configuration and seed, not a file put there */
        char why[400] = "";
        struct derm_sweep_row r;
        int mine = 0;
        if (vs == DERM_OK && sum.completed && derm_sweep_row_of(s, row, &r, &e) == DERM_OK) {
            mine = derm_sweep_run_matches(dir, &r, h5, why, sizeof why);
            derm_sweep_row_free(&r);
        }
        if (vs == DERM_OK && sum.completed && mine) vs = row_endpoints(s, h5, vals, &e);
        good = vs == DERM_OK && sum.completed && mine;
        if (vs == DERM_OK && sum.completed && !mine) { /* sound, but another run's */
            snprintf(status, sizeof status, "foreign");
            snprintf(error, sizeof error, "run.h5 is not this row's run: %s", why);
        } else if (!good) { /* a run.h5 that is not a completed, sound run: say what is wrong */
            snprintf(status, sizeof status, "damaged");
            snprintf(error, sizeof error, "%s", vs != DERM_OK ? e.msg : "run.h5 is not marked completed");
        } else {
            snprintf(status, sizeof status, "ok");
            error[0] = '\0';
        }
    } else if (!strcmp(status, "ok")) { /* recorded ok, but the file is gone now */
        snprintf(status, sizeof status, "missing");
        snprintf(error, sizeof error, "run.h5 is missing");
    }
    fprintf(fp, ",%s,", status);
    csv_field(fp, error);
    for (int k = 0; k < s->nendpoints; k++) {
        fputc(',', fp);
        if (good && isfinite(vals[k])) fprintf(fp, "%.17g", vals[k]);
    }
    fputc('\n', fp);
    *ok += good;
}

derm_status derm_sweep_collect(const char *dir, int64_t *nrows, int64_t *nok, struct derm_err *err)
{
    struct derm_sweep *s = NULL;
    DERM_TRY(derm_sweep_open(dir, &s, err));
    char *buf = NULL;
    size_t len = 0;
    double *vals = calloc((size_t)(s->nendpoints > 0 ? s->nendpoints : 1), sizeof *vals);
    FILE *fp = vals ? open_memstream(&buf, &len) : NULL;
    if (!fp) {
        free(vals);
        derm_sweep_free(s);
        return derm_err_set(err, DERM_ENOMEM, "out of memory");
    }
    fputs("run_id,point,replicate,seed", fp);
    for (int j = 0; j < s->nfactors; j++) fprintf(fp, ",%s", s->factors[j].key);
    fputs(",status,error", fp);
    for (int k = 0; k < s->nendpoints; k++) fprintf(fp, ",%s", s->endpoints[k].name);
    fputc('\n', fp);
    int64_t ok = 0;
    for (int64_t row = 0; row < s->nruns; row++) summary_row(s, dir, row, vals, fp, &ok);
    fclose(fp);
    free(vals);
    char path[4300];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    derm_status st = derm_sweep_write_atomic(path, buf, len, err);
    free(buf);
    if (st == DERM_OK) {
        if (nrows) *nrows = s->nruns;
        if (nok) *nok = ok;
    }
    derm_sweep_free(s);
    return st;
}
