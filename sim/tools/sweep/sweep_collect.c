/* sweep_collect.c - one tidy table of a sweep's results (`sweep collect DIR`).
 *
 * Owns: the endpoints of a run (values at an age, at the end, relative to a reference
 * age, or the age at which a series first crosses a fraction of its reference value;
 * linear interpolation in age_years between series rows) and DIR/summary.csv, one row
 * per manifest row: run_id, point, replicate, seed, every swept parameter, status, every
 * endpoint. A run's status is "ok" when its run.h5 is marked completed, else the status
 * recorded by `sweep run` (failed, interrupted, running) or "pending" when it never ran;
 * endpoints of runs that are not ok are left empty (pandas reads them as NaN).
 * Does not: run anything; write HDF5.
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

/* "status=..." from runs/<id>/status, or "pending" when there is none. */
static void read_status(const char *rundir, char *buf, size_t n)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/status", rundir);
    snprintf(buf, n, "pending");
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "status=", 7)) {
            line[strcspn(line, "\r\n")] = '\0';
            snprintf(buf, n, "%s", line + 7);
            break;
        }
    fclose(f);
}

derm_status derm_sweep_collect(const char *dir, int64_t *nrows, int64_t *nok, struct derm_err *err)
{
    struct derm_sweep *s = NULL;
    DERM_TRY(derm_sweep_open(dir, &s, err));
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) {
        derm_sweep_free(s);
        return derm_err_set(err, DERM_ENOMEM, "out of memory");
    }
    fputs("run_id,point,replicate,seed", fp);
    for (int j = 0; j < s->nfactors; j++) fprintf(fp, ",%s", s->factors[j].key);
    fputs(",status", fp);
    for (int k = 0; k < s->nendpoints; k++) fprintf(fp, ",%s", s->endpoints[k].name);
    fputc('\n', fp);
    int64_t ok = 0;
    derm_status st = DERM_OK;
    for (int64_t row = 0; row < s->nruns && st == DERM_OK; row++) {
        char id[64], rundir[4300], h5[4400], status[64];
        derm_sweep_run_id(s, row, id, sizeof id);
        snprintf(rundir, sizeof rundir, "%s/runs/%s", dir, id);
        snprintf(h5, sizeof h5, "%s/run.h5", rundir);
        int64_t pt = row / s->replicates;
        fprintf(fp, "%s,%lld,%lld,%llu", id, (long long)pt, (long long)(row % s->replicates),
                (unsigned long long)s->seeds[row]);
        for (int j = 0; j < s->nfactors; j++) fprintf(fp, ",%s", s->cells[pt * s->nfactors + j]);
        read_status(rundir, status, sizeof status);
        int completed = 0;
        struct derm_err e = {0};
        struct stat sb;
        if (stat(h5, &sb) == 0 && S_ISREG(sb.st_mode) && derm_output_read_completed(h5, &completed, &e) == DERM_OK &&
            completed)
            snprintf(status, sizeof status, "ok");
        else if (!strcmp(status, "ok")) /* recorded ok, but the file is gone or incomplete now */
            snprintf(status, sizeof status, "missing");
        fprintf(fp, ",%s", status);
        double *age = NULL;
        int64_t n = 0;
        if (completed) {
            st = derm_output_read_series(h5, "age_years", &age, &n, err);
            ok++;
        }
        for (int k = 0; k < s->nendpoints && st == DERM_OK; k++) {
            fputc(',', fp);
            if (!completed) continue;
            double *v = NULL;
            int64_t nv = 0;
            st = derm_output_read_series(h5, s->endpoints[k].variable, &v, &nv, err);
            if (st != DERM_OK) break;
            double x = derm_sweep_endpoint_eval(&s->endpoints[k], age, v, nv < n ? nv : n);
            if (isfinite(x)) fprintf(fp, "%.17g", x);
            free(v);
        }
        free(age);
        fputc('\n', fp);
    }
    fclose(fp);
    char path[4300];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (st == DERM_OK) st = derm_sweep_write_atomic(path, buf, len, err);
    free(buf);
    if (st == DERM_OK) {
        if (nrows) *nrows = s->nruns;
        if (nok) *nok = ok;
    }
    derm_sweep_free(s);
    return st;
}
