/* cmd_cutometer.c - `dermsim cutometer RUN [--age A]... [options]`: the simulated suction
 * test on a run's matrix, as a curve (app.h).
 *
 * At the frame nearest each requested age (default: the first and the last frame) the
 * layers the run wrote (mech_*_profile) and its dermal thickness make the column
 * (mech/tissue.h); the suction test (mech/suction.h) is solved with the run's protocol or
 * the one given here, on a 5x finer time step than the in-run readout so the curve is
 * smooth. Prints the Cutometer parameters per age, writes cutometer_curve.csv (t, then the
 * dome height at each age) and cutometer_curve.png (analysis/cutometer_plot.py) into the
 * run directory or --out DIR; an existing file is never overwritten without --force.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "derm/io/output.h"
#include "derm/mech/suction.h"
#include "derm/mech/tissue.h"
#include "derm/sim/coef.h"

#define MAX_AGES 16

struct cuto_opts {
    char dir[4096], h5[4200], yaml[4200], out[4096];
    double ages[MAX_AGES];
    int nages, force;
    double probe_mm, pressure_mbar, on_s, off_s; /* < 0: the run's */
    int cycles;
};

/* A number in [lo, hi] from option `opt`, or an error (returns 2). */
static int number(const char *opt, const char *s, double lo, double hi, const char *unit, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || end == s || *end || errno || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "dermsim: cutometer: %s '%s': expected a number in [%g, %g]%s%s\n", opt, s ? s : "", lo, hi,
                *unit ? " " : "", unit);
        return 2;
    }
    *out = v;
    return 0;
}

/* --protocol ON,OFF[,CYCLES]: two or three fields, each a whole number to its end */
static int protocol(const char *s, struct cuto_opts *o)
{
    double on, off, cyc = 1;
    char buf[256], *f[4] = {NULL, NULL, "1", NULL};
    int n = 0;
    if (s && strlen(s) < sizeof buf) {
        snprintf(buf, sizeof buf, "%s", s);
        for (char *p = buf; p && n < 4;) {
            f[n++] = p;
            char *comma = strchr(p, ',');
            if (comma) *comma = '\0';
            p = comma ? comma + 1 : NULL;
        }
    }
    if (n != 2 && n != 3) {
        fprintf(stderr,
                "dermsim: cutometer: --protocol '%s': expected ON,OFF[,CYCLES] (seconds, seconds, count), "
                "e.g. 2,2 or 2,2,3\n",
                s ? s : "");
        return 2;
    }
    if (number("--protocol (on time)", f[0], 0.1, 60, "s", &on) ||
        number("--protocol (off time)", f[1], 0.1, 60, "s", &off) ||
        number("--protocol (cycles)", f[2], 1, 20, "", &cyc))
        return 2;
    if (cyc != floor(cyc)) {
        fprintf(stderr, "dermsim: cutometer: --protocol (cycles) '%s': expected a whole number in [1, 20]\n", f[2]);
        return 2;
    }
    o->on_s = on, o->off_s = off, o->cycles = (int)cyc;
    return 0;
}

static int parse(int argc, char **argv, struct cuto_opts *o)
{
    memset(o, 0, sizeof *o);
    o->probe_mm = o->pressure_mbar = o->on_s = o->off_s = -1;
    const char *run = NULL, *out = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0, val = 1;
        if (!strcmp(a, "--age")) {
            if (o->nages == MAX_AGES) return app_usage_error("cutometer: at most 16 ages%s", "");
            rc = number("--age", v, 0, 150, "years", &o->ages[o->nages++]);
        } else if (!strcmp(a, "--probe-mm"))
            rc = number("--probe-mm", v, 0.5, 10, "mm", &o->probe_mm);
        else if (!strcmp(a, "--pressure-mbar"))
            rc = number("--pressure-mbar", v, 10, 900, "mbar", &o->pressure_mbar);
        else if (!strcmp(a, "--protocol"))
            rc = protocol(v, o);
        else if (!strcmp(a, "--out"))
            out = v, rc = v ? 0 : app_usage_error("cutometer: --out needs a directory%s", "");
        else if (!strcmp(a, "--force"))
            o->force = 1, val = 0;
        else if (a[0] == '-')
            return app_usage_error("cutometer: unknown option '%s'", a);
        else if (run)
            return app_usage_error("cutometer: one run only (got a second: '%s')", a);
        else
            run = a, val = 0;
        if (rc) return rc;
        i += val;
    }
    if (!run) return app_usage_error("'cutometer' needs a run directory or its run.h5%s", "");
    const int rc_dir = app_run_dir("cutometer", run, o->dir, sizeof o->dir);
    if (rc_dir != 0) return rc_dir;
    snprintf(o->h5, sizeof o->h5, "%s/run.h5", o->dir);
    snprintf(o->yaml, sizeof o->yaml, "%s/resolved.yaml", o->dir);
    snprintf(o->out, sizeof o->out, "%s", out ? out : o->dir);
    return 0;
}

/* What the run file holds for the column: frame ages, the four layer profiles, the rows'
 * ages and dermal thickness. */
struct run_data {
    double *fage, *age, *thick, *prof[4];
    int64_t nf, nrow, nz;
};

static void run_data_free(struct run_data *d)
{
    free(d->fage);
    free(d->age);
    free(d->thick);
    for (int i = 0; i < 4; i++) free(d->prof[i]);
}

static derm_status read_run(const char *h5, struct run_data *d, struct derm_err *err)
{
    memset(d, 0, sizeof *d);
    int64_t n2;
    DERM_TRY(derm_output_read_series(h5, "frame_age_years", &d->fage, &d->nf, err));
    DERM_TRY(derm_output_read_series(h5, "age_years", &d->age, &d->nrow, err));
    DERM_TRY(derm_output_read_series(h5, "dermal_thickness", &d->thick, &n2, err));
    static const char *const names[4] = {"mech_g0_profile", "mech_g1_profile", "mech_tau1_profile",
                                         "mech_eta_f_profile"};
    for (int i = 0; i < 4; i++) {
        int64_t nf;
        DERM_TRY(derm_output_read_profile(h5, names[i], &d->prof[i], &nf, &d->nz, err));
        if (nf < d->nf) d->nf = nf;
    }
    if (n2 < d->nrow) d->nrow = n2;
    if (d->nf < 1 || d->nrow < 1 || d->nz < 1)
        return derm_err_set(err, DERM_EIO, "%s: no complete frame with the mechanics profiles", h5);
    return DERM_OK;
}

static int64_t nearest(const double *v, int64_t n, double x)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (fabs(v[i] - x) < fabs(v[best] - x)) best = i;
    return best;
}

/* The column at frame k of the run. */
static int column_at(const struct run_data *d, int64_t k, const struct derm_coefs *c, double lz_um,
                     struct derm_mech_layer *col)
{
    struct derm_mech_layer *lay = calloc((size_t)d->nz, sizeof *lay);
    if (!lay) return -1;
    for (int64_t z = 0; z < d->nz; z++) {
        const int64_t q = k * d->nz + z;
        lay[z] = (struct derm_mech_layer){0, d->prof[0][q], d->prof[1][q], d->prof[2][q], d->prof[3][q], 0};
    }
    const double rel = d->thick[nearest(d->age, d->nrow, d->fage[k])] / lz_um;
    int n = derm_tissue_column(&c->mech, lay, (int)d->nz, derm_tissue_dermis_mm(&c->mech, rel), col);
    free(lay);
    return n;
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* The run's coefficients (resolved.yaml) with the options' protocol; the curve's step is
 * a fifth of the readout's. Returns 0 or an exit code. */
static int coefs_of(const struct cuto_opts *o, struct derm_coefs *c, double *lz_um)
{
    struct derm_params *p = calloc(1, sizeof *p);
    static struct derm_schedule sched;
    if (!p) return app_fail(DERM_ENOMEM, "out of memory");
    int rc = app_load_run_config("cutometer", o->yaml, p, &sched);
    struct derm_grid g;
    struct derm_err err = {0};
    if (rc == 0 && derm_grid_init(&g, p->domain_nx, p->domain_ny, p->domain_nz, p->domain_voxel_um, &err) != DERM_OK)
        rc = app_fail(err.code, err.msg);
    if (rc == 0) {
        derm_coef_build(p, &g, c);
        *lz_um = derm_grid_lz(&g);
    }
    free(p);
    if (rc) return rc;
    struct derm_suction_protocol *pr = &c->cutometer;
    if (o->probe_mm > 0) pr->probe_mm = o->probe_mm;
    if (o->pressure_mbar > 0) pr->pressure_mbar = o->pressure_mbar;
    if (o->on_s > 0) pr->on_s = o->on_s, pr->off_s = o->off_s, pr->cycles = o->cycles;
    pr->dt_s /= 5;
    const double t[2] = {pr->on_s, pr->off_s};
    for (int k = 0; k < 2; k++)
        if (fabs(t[k] / pr->dt_s - round(t[k] / pr->dt_s)) > 1e-6 * t[k] / pr->dt_s) {
            fprintf(stderr,
                    "dermsim: cutometer: --protocol '%g,%g': the %s time %g s is not a multiple of the "
                    "curve's step %g s; expected multiples of %g s\n",
                    pr->on_s, pr->off_s, k ? "off" : "on", t[k], pr->dt_s, pr->dt_s);
            return 2;
        }
    return 0;
}

/* Curves at every age into out/cutometer_curve.csv (t_s, then one column per age). */
static int write_csv(const char *path, const struct derm_suction_curve *cv, const double *ages, int n)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "dermsim: cutometer: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "t_s");
    for (int a = 0; a < n; a++) fprintf(f, ",height_mm_age_%.2f", ages[a]);
    fprintf(f, "\n");
    for (int i = 0; i < cv[0].n; i++) {
        fprintf(f, "%.6g", cv[0].t[i]);
        for (int a = 0; a < n; a++) fprintf(f, ",%.8g", cv[a].h[i]);
        fprintf(f, "\n");
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        fprintf(stderr, "dermsim: cutometer: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

/* Solve at every requested age, print the parameters, fill the curves. */
static int solve_ages(const struct cuto_opts *o, const struct run_data *d, const struct derm_coefs *c, double lz_um,
                      double *ages, int nages, struct derm_suction_curve *cv)
{
    struct derm_mech_layer col[260];
    printf("dermsim cutometer: %s; probe %g mm, %g mbar, %g s on / %g s off x %d\n", o->h5, c->cutometer.probe_mm,
           c->cutometer.pressure_mbar, c->cutometer.on_s, c->cutometer.off_s, c->cutometer.cycles);
    printf("%8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "age", "R0_mm", "R1_mm", "R2", "R5", "R6", "R7", "R8_mm",
           "Ue_mm", "Uv_mm");
    for (int a = 0; a < nages; a++) {
        const int64_t k = nearest(d->fage, d->nf, ages[a]);
        ages[a] = d->fage[k];
        int n = column_at(d, k, c, lz_um, col);
        if (n < 0) return app_fail(DERM_ENOMEM, "out of memory");
        struct derm_cutometer r;
        struct derm_err err = {0};
        derm_status st = derm_suction_solve(col, n, &c->cutometer, &c->cutometer_mesh, &r, &cv[a], &err);
        if (st != DERM_OK) return app_fail(st, err.msg);
        printf("%8.2f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f\n", ages[a], r.r0, r.r1, r.r2, r.r5, r.r6,
               r.r7, r.r8, r.ue, r.uv);
    }
    return 0;
}

int app_cmd_cutometer(int argc, char **argv)
{
    struct cuto_opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    char csv[4200], png[4200];
    snprintf(csv, sizeof csv, "%s/cutometer_curve.csv", o.out);
    snprintf(png, sizeof png, "%s/cutometer_curve.png", o.out);
    if (!o.force && (exists(csv) || exists(png))) {
        fprintf(stderr, "dermsim: cutometer: %s exists; give --force to replace it or --out DIR for another place\n",
                exists(csv) ? csv : png);
        return 1;
    }
    static struct derm_coefs c;
    double lz_um = 0;
    if ((rc = coefs_of(&o, &c, &lz_um))) return rc;
    struct run_data d;
    struct derm_err err = {0};
    derm_status st = read_run(o.h5, &d, &err);
    if (st != DERM_OK) {
        run_data_free(&d);
        return app_fail(st, err.msg);
    }
    double ages[MAX_AGES];
    int nages = o.nages;
    memcpy(ages, o.ages, sizeof ages);
    if (!nages) ages[nages++] = d.fage[0], ages[nages++] = d.fage[d.nf - 1];
    for (int a = 0; a < nages; a++) /* the nearest frame, but not one years away from the age asked */
        if (ages[a] < d.fage[0] - 0.5 || ages[a] > d.fage[d.nf - 1] + 0.5) {
            fprintf(stderr,
                    "dermsim: cutometer: --age %g: outside the run's frames (ages %.2f to %.2f y); expected an age "
                    "within half a year of them\n",
                    ages[a], d.fage[0], d.fage[d.nf - 1]);
            run_data_free(&d);
            return 2;
        }
    struct derm_suction_curve cv[MAX_AGES] = {{0}};
    rc = solve_ages(&o, &d, &c, lz_um, ages, nages, cv);
    run_data_free(&d);
    if (!rc) rc = write_csv(csv, cv, ages, nages);
    for (int a = 0; a < nages; a++) derm_suction_curve_free(&cv[a]);
    if (rc) return rc;
    printf("curve: %s\n", csv);
    char script[4096], msg[1024] = "";
    if (app_analysis_script("cutometer_plot.py", script, sizeof script) != 0) {
        fprintf(stderr, "dermsim: cutometer: %s written; %s not: %s not found\n", csv, png, script);
        return 1;
    }
    const char *args[] = {csv, png, NULL};
    if (app_run_python(script, args, 0, msg, sizeof msg) != 0) {
        fprintf(stderr, "dermsim: cutometer: %s written; %s not%s%s\n", csv, png, *msg ? ": " : "", msg);
        return 1;
    }
    printf("figure: %s\n", png);
    return 0;
}
