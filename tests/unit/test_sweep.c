/* test_sweep.c - sweep files and their expansion (sim/sweep.c, sim/sweep_collect.c).
 *
 * Checks: grid counts and order (last factor fastest, replicates innermost); Latin
 * hypercube stratification (exactly one sample per stratum in every dimension, on the
 * log scale for log factors) and integer rounding; Morris trajectories (k + 1 points,
 * each step moves exactly one factor by delta = p / (2 (p - 1)) in unit coordinates, every
 * factor once per trajectory, coordinates on the level grid); seeds (a pure function of
 * (sweep seed, point, replicate), identical on re-loading, all distinct, different for
 * another sweep seed); byte-identical runs.csv on re-loading; located YAML errors; the
 * endpoint arithmetic against hand-computed values; the plan record (plan.txt) and reading
 * one row of the manifest without re-planning; a `sweep run` whose status file cannot be
 * written stops instead of spinning.
 * Sweep files are written to a fresh temporary directory.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "derm/tools/sweep.h"

static char g_dir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *BASE = "run: {seed: 5, age_start_years: 25, age_end_years: 26, dt_hours: 730.5}\n"
                          "domain: {nx: 4, ny: 4, nz: 4}\n";

static struct derm_sweep *load(const char *name, const char *text, struct derm_err *err)
{
    write_file(name, text);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    struct derm_sweep *s = NULL;
    derm_status st = derm_sweep_load(path, NULL, &s, err);
    if (st != DERM_OK) return NULL;
    return s;
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/derm_test_sweep_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    write_file("base.yaml", BASE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_grid_counts_and_order(void **state)
{
    (void)state;
    struct derm_err err = {0};
    struct derm_sweep *s = load("grid.yaml",
                                "base: base.yaml\ndesign: grid\nreplicates: 2\nparameters:\n"
                                "  subject.glucose_mM: {values: [5, 7, 10]}\n"
                                "  fibroblast.lifespan_years: [1, 3]\n",
                                &err);
    assert_non_null(s);
    assert_int_equal(s->design, DERM_SWEEP_GRID);
    assert_int_equal(s->nfactors, 2);
    assert_int_equal(s->npoints, 6);
    assert_int_equal(s->nruns, 12);
    assert_int_equal(s->seed, 5); /* default: the base config's run.seed */
    static const char *g[6] = {"5", "5", "7", "7", "10", "10"}, *l[6] = {"1", "3", "1", "3", "1", "3"};
    for (int pt = 0; pt < 6; pt++) {
        assert_string_equal(s->cells[pt * 2 + 0], g[pt]);
        assert_string_equal(s->cells[pt * 2 + 1], l[pt]);
    }
    char id[64];
    derm_sweep_run_id(s, 5, id, sizeof id);
    assert_string_equal(id, "p0002_r1");
    assert_true(s->core_seconds > 0);
    derm_sweep_free(s);
}

static void test_lhs_stratified(void **state)
{
    (void)state;
    struct derm_err err = {0};
    enum { N = 37 };
    struct derm_sweep *s = load("lhs.yaml",
                                "base: base.yaml\ndesign: lhs\nsamples: 37\nseed: 99\nparameters:\n"
                                "  subject.glucose_mM: {min: 3, max: 30, scale: log}\n"
                                "  ecm.mmp1_share: {min: 0.05, max: 0.4}\n"
                                "  fibroblast.lifespan_years: {min: 0.5, max: 5, scale: linear}\n",
                                &err);
    assert_non_null(s);
    assert_int_equal(s->npoints, N);
    assert_int_equal(s->nruns, N);
    for (int j = 0; j < 3; j++) {
        const struct derm_sweep_factor *f = &s->factors[j];
        int seen[N] = {0};
        for (int i = 0; i < N; i++) {
            double v = strtod(s->cells[i * 3 + j], NULL);
            assert_true(v >= f->lo && v <= f->hi);
            double u = f->log_scale ? (log(v) - log(f->lo)) / (log(f->hi) - log(f->lo)) : (v - f->lo) / (f->hi - f->lo);
            assert_true(fabs(u - s->units[i * 3 + j]) < 1e-12);
            int stratum = (int)floor(u * N);
            assert_true(stratum >= 0 && stratum < N);
            seen[stratum]++;
        }
        for (int k = 0; k < N; k++) assert_int_equal(seen[k], 1); /* one sample per stratum */
    }
    assert_int_equal(s->factors[0].log_scale, 1);
    assert_int_equal(s->factors[1].log_scale, 0);
    derm_sweep_free(s);
}

static void test_lhs_integer_rounded(void **state)
{
    (void)state;
    struct derm_err err = {0};
    struct derm_sweep *s = load("lhsint.yaml",
                                "base: base.yaml\ndesign: lhs\nsamples: 10\nparameters:\n"
                                "  fibroblast.replicative_limit: {min: 10, max: 60}\n",
                                &err);
    assert_non_null(s);
    assert_int_equal(s->factors[0].integer, 1);
    for (int i = 0; i < 10; i++) {
        const char *c = s->cells[i];
        assert_null(strpbrk(c, ".e"));
        long v = strtol(c, NULL, 10);
        assert_true(v >= 10 && v <= 60);
    }
    derm_sweep_free(s);
}

static void test_morris_one_factor_at_a_time(void **state)
{
    (void)state;
    struct derm_err err = {0};
    enum { R = 6, K = 4, P = 4 };
    struct derm_sweep *s = load("morris.yaml",
                                "base: base.yaml\ndesign: morris\ntrajectories: 6\nlevels: 4\nreplicates: 2\n"
                                "parameters:\n"
                                "  fibroblast.lifespan_years: {min: 1, max: 3, scale: log}\n"
                                "  fibroblast.sasp_mmp1_factor: {min: 5, max: 40}\n"
                                "  ecm.mmp1_share: {min: 0.05, max: 0.3}\n"
                                "  ecm.collagen_half_life_years: {min: 5, max: 15}\n",
                                &err);
    assert_non_null(s);
    assert_int_equal(s->npoints, R * (K + 1));
    assert_int_equal(s->nruns, 2 * R * (K + 1));
    const double delta = (double)P / (2.0 * (P - 1));
    for (int t = 0; t < R; t++) {
        int moved[K] = {0};
        for (int m = 0; m <= K; m++)
            for (int j = 0; j < K; j++) {
                double u = s->units[(t * (K + 1) + m) * K + j];
                assert_true(u >= -1e-12 && u <= 1 + 1e-12);
                assert_true(fabs(u * (P - 1) - nearbyint(u * (P - 1))) < 1e-9); /* on the level grid */
            }
        for (int m = 0; m < K; m++) {
            const double *a = &s->units[(t * (K + 1) + m) * K], *b = a + K;
            int changed = 0;
            for (int j = 0; j < K; j++)
                if (fabs(a[j] - b[j]) > 1e-12) {
                    changed++;
                    assert_true(fabs(fabs(b[j] - a[j]) - delta) < 1e-9);
                    moved[j]++;
                }
            assert_int_equal(changed, 1);
        }
        for (int j = 0; j < K; j++) assert_int_equal(moved[j], 1);
    }
    /* values are the unit coordinates mapped through the range (log for the first) */
    const struct derm_sweep_factor *f = &s->factors[0];
    for (int i = 0; i < R * (K + 1); i++) {
        double v = strtod(s->cells[i * K], NULL);
        double expect = exp(log(f->lo) + s->units[i * K] * (log(f->hi) - log(f->lo)));
        assert_true(fabs(v - expect) <= 1e-12 * expect);
    }
    derm_sweep_free(s);
}

static char *runs_csv(const struct derm_sweep *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    struct derm_err err = {0};
    assert_int_equal(derm_sweep_write_runs(s, fp, &err), DERM_OK);
    fclose(fp);
    return buf;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_seeds_deterministic_and_distinct(void **state)
{
    (void)state;
    const char *text = "base: base.yaml\ndesign: lhs\nsamples: 50\nreplicates: 8\nseed: 1234\nparameters:\n"
                       "  subject.glucose_mM: {min: 3, max: 30, scale: log}\n";
    struct derm_err err = {0};
    struct derm_sweep *a = load("s1.yaml", text, &err), *b = load("s2.yaml", text, &err);
    assert_non_null(a);
    assert_non_null(b);
    char *ta = runs_csv(a), *tb = runs_csv(b);
    assert_string_equal(ta, tb); /* re-planning gives the same manifest, byte for byte */
    assert_int_equal(a->nruns, 400);
    uint64_t *sorted = malloc(400 * sizeof *sorted);
    memcpy(sorted, a->seeds, 400 * sizeof *sorted);
    qsort(sorted, 400, sizeof *sorted, cmp_u64);
    for (int i = 1; i < 400; i++) assert_true(sorted[i] != sorted[i - 1]);
    for (int i = 0; i < 400; i++) {
        assert_true(a->seeds[i] < (1ULL << 62));
        assert_true(a->seeds[i] == derm_sweep_seed(1234, (uint64_t)(i / 8), (uint64_t)(i % 8), 0));
    }
    /* another sweep seed changes every run seed and the sample */
    struct derm_sweep *c = load("s3.yaml",
                                "base: base.yaml\ndesign: lhs\nsamples: 50\nreplicates: 8\nseed: 1235\n"
                                "parameters:\n  subject.glucose_mM: {min: 3, max: 30, scale: log}\n",
                                &err);
    assert_non_null(c);
    int same = 0;
    for (int i = 0; i < 400; i++) same += c->seeds[i] == a->seeds[i];
    assert_int_equal(same, 0);
    assert_string_not_equal(c->cells[0], a->cells[0]);
    assert_true(derm_sweep_seed(1, 2, 3, 0) == derm_sweep_seed(1, 2, 3, 0));
    assert_true(derm_sweep_seed(1, 2, 3, 0) != derm_sweep_seed(1, 3, 2, 0));
    free(sorted);
    free(ta);
    free(tb);
    derm_sweep_free(a);
    derm_sweep_free(b);
    derm_sweep_free(c);
}

static void expect_error(const char *name, const char *text, const char *where, const char *what)
{
    struct derm_err err = {0};
    struct derm_sweep *s = load(name, text, &err);
    assert_null(s);
    assert_int_equal(err.code, DERM_ECONFIG);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s/%s:%s: ", g_dir, name, where);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, what))
        fail_msg("%s: got '%s'; expected prefix '%s' and '%s'", name, err.msg, prefix, what);
}

static void test_errors_located(void **state)
{
    (void)state;
    expect_error("e1.yaml", "base: base.yaml\ndesign: grid\nparameters:\n  subject.glucse_mM: [5, 7]\n", "4:3",
                 "did you mean 'subject.glucose_mM'?");
    expect_error("e2.yaml",
                 "base: base.yaml\ndesign: lhs\nsamples: 3\nparameters:\n  subject.glucose_mM: {min: 3, max: 99}\n",
                 "5:37", "outside the allowed range");
    expect_error("e3.yaml", "base: base.yaml\ndesign: grid\nparameters: {}\n", "3:1", "empty design");
    expect_error("e4.yaml", "base: base.yaml\ndesign: latin\nparameters: {a.b: [1]}\n", "2:9", "expected grid, lhs");
    expect_error("e5.yaml", "base: nothere.yaml\ndesign: grid\nparameters: {subject.glucose_mM: [5]}\n", "1:7",
                 "cannot open");
    expect_error("e6.yaml", "base: base.yaml\ndesign: grid\nparameters: {subject.glucose_mM: [5, 5]}\n", "3:38",
                 "listed twice");
    expect_error("e7.yaml",
                 "base: base.yaml\ndesign: morris\ntrajectories: 0\nparameters: {ecm.mmp1_share: {min: 0, "
                 "max: 1}}\n",
                 "3:15", "expected an integer in [1, 100000]");
}

static void test_endpoint_eval(void **state)
{
    (void)state;
    const double age[5] = {25, 30, 35, 40, 45}, v[5] = {100, 90, 80, 70, 60};
    struct derm_sweep_endpoint e = {.kind = DERM_SWEEP_AT_AGE, .age_years = 32.5};
    assert_true(fabs(derm_sweep_endpoint_eval(&e, age, v, 5) - 85.0) < 1e-12);
    e.has_ref = 1;
    e.ref_age_years = 27.5; /* 95 */
    assert_true(fabs(derm_sweep_endpoint_eval(&e, age, v, 5) - 85.0 / 95.0) < 1e-12);
    e.age_years = 50; /* outside the run */
    assert_true(isnan(derm_sweep_endpoint_eval(&e, age, v, 5)));
    struct derm_sweep_endpoint end = {.kind = DERM_SWEEP_AT_END};
    assert_true(derm_sweep_endpoint_eval(&end, age, v, 5) == 60.0);
    /* 20 % loss relative to 25: value 80 reached at 35 exactly; 25 % loss (75) at 37.5 */
    struct derm_sweep_endpoint t = {.kind = DERM_SWEEP_TIME_TO, .has_ref = 1, .ref_age_years = 25, .fraction = 0.8};
    assert_true(fabs(derm_sweep_endpoint_eval(&t, age, v, 5) - 35.0) < 1e-12);
    t.fraction = 0.75;
    assert_true(fabs(derm_sweep_endpoint_eval(&t, age, v, 5) - 37.5) < 1e-12);
    t.ref_age_years = 30; /* 90 * 0.75 = 67.5, between 70 at 40 and 60 at 45: 41.25 */
    assert_true(fabs(derm_sweep_endpoint_eval(&t, age, v, 5) - 41.25) < 1e-12);
    t.fraction = 0.1; /* never reached */
    assert_true(isnan(derm_sweep_endpoint_eval(&t, age, v, 5)));
    const double up[5] = {1, 2, 3, 4, 5};
    struct derm_sweep_endpoint g = {.kind = DERM_SWEEP_TIME_TO, .fraction = 2.5}; /* relative to the first row */
    assert_true(fabs(derm_sweep_endpoint_eval(&g, age, up, 5) - 32.5) < 1e-12);
}

/* plan.txt records the plan; `--index` reads one row from the manifest without expanding
 * the sweep (a 20000-row Latin hypercube: row 19999 read much faster than re-planning); an
 * edited base.yaml or manifest is refused by name. */
static void test_plan_record_and_rows(void **state)
{
    (void)state;
    char sweep[512], dir[512], path[600];
    write_file("big.yaml", "base: base.yaml\nset: {run.age_end_years: 25.5}\ndesign: lhs\nsamples: 20000\n"
                           "parameters:\n  subject.glucose_mM: {min: 4, max: 12}\n"
                           "  fibroblast.lifespan_years: {min: 1, max: 5, scale: log}\n");
    snprintf(sweep, sizeof sweep, "%s/big.yaml", g_dir);
    snprintf(dir, sizeof dir, "%s/bigplan", g_dir);
    struct derm_err err = {0};
    struct derm_sweep *s = NULL;
    assert_int_equal(derm_sweep_plan(sweep, dir, &s, &err), DERM_OK);
    derm_sweep_free(s);
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(derm_sweep_open(dir, &s, &err), DERM_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct derm_sweep_row row;
    assert_int_equal(derm_sweep_read_row(dir, 19999, &row, &err), DERM_OK);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    double t_open = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    double t_row = (double)(t2.tv_sec - t1.tv_sec) + 1e-9 * (double)(t2.tv_nsec - t1.tv_nsec);
    print_message("sweep of 20000 rows: open (re-plan) %.3f s, read one row %.4f s\n", t_open, t_row);
    assert_true(t_row * 5 < t_open);
    char id[64];
    derm_sweep_run_id(s, 19999, id, sizeof id);
    assert_string_equal(row.id, id);
    assert_true(row.seed == s->seeds[19999]);
    assert_int_equal(row.nsets, 3);
    assert_string_equal(row.sets[0], "run.age_end_years=25.5");
    char want[256];
    snprintf(want, sizeof want, "subject.glucose_mM=%s", s->cells[19999 * 2]);
    assert_string_equal(row.sets[1], want);
    derm_sweep_row_free(&row);
    assert_int_equal(derm_sweep_read_row(dir, 20000, &row, &err), DERM_EUSAGE);
    assert_non_null(strstr(err.msg, "outside the manifest"));
    derm_sweep_free(s);

    /* base.yaml edited after planning: refused, naming it */
    snprintf(path, sizeof path, "%s/base.yaml", dir);
    FILE *f = fopen(path, "a");
    fputs("subject: {sex: male}\n", f);
    fclose(f);
    assert_int_equal(derm_sweep_open(dir, &s, &err), DERM_EUSAGE);
    assert_non_null(strstr(err.msg, "base.yaml changed after the sweep was planned"));
    assert_int_equal(derm_sweep_read_row(dir, 3, &row, &err), DERM_EUSAGE);
    assert_non_null(strstr(err.msg, "base.yaml changed"));
    assert_int_equal(derm_sweep_check_plan(dir, &err), DERM_EUSAGE);
    /* no plan.txt: planned by an earlier dermsim */
    snprintf(path, sizeof path, "%s/plan.txt", dir);
    remove(path);
    assert_int_equal(derm_sweep_check_plan(dir, &err), DERM_EUSAGE);
    assert_non_null(strstr(err.msg, "no plan.txt"));
}

/* The loop of `sweep run` used to spin forever when writing a finished run's status failed
 * while rows were pending (no new run started, the loop never ended). A stand-in for the
 * dermsim binary turns the status file into a directory, so the parent cannot record the
 * row: the sweep must stop with that error, start no other row, and return. */
static void test_status_failure_stops_the_sweep(void **state)
{
    (void)state;
    char sweep[512], dir[512], exe[512], path[600];
    write_file("three.yaml", "base: base.yaml\ndesign: grid\nparameters:\n  subject.glucose_mM: [4, 5, 6]\n");
    snprintf(sweep, sizeof sweep, "%s/three.yaml", g_dir);
    snprintf(dir, sizeof dir, "%s/threeplan", g_dir);
    write_file("fake_dermsim.sh", "#!/bin/sh\n# dermsim run BASE -o RUNDIR ...: sabotage RUNDIR/status\n"
                                  "rm -f \"$4/status\"; mkdir -p \"$4/status/x\"; exit 0\n");
    snprintf(exe, sizeof exe, "%s/fake_dermsim.sh", g_dir);
    assert_int_equal(chmod(exe, 0755), 0);
    struct derm_err err = {0};
    struct derm_sweep *s = NULL;
    assert_int_equal(derm_sweep_plan(sweep, dir, &s, &err), DERM_OK);
    derm_sweep_free(s);
    struct derm_sweep_run_opts opts = {.jobs = 1, .index = -1, .threads = 1, .exe = exe};
    struct derm_sweep_run_result res;
    alarm(120); /* the old loop never returned: fail by SIGALRM rather than hang ctest */
    derm_status st = derm_sweep_run(dir, &opts, &res, &err);
    alarm(0);
    assert_int_equal(st, DERM_EIO);
    assert_non_null(strstr(err.msg, "status"));
    assert_int_equal(res.failed, 1);
    snprintf(path, sizeof path, "%s/runs/p0001_r0", dir);
    assert_int_not_equal(access(path, F_OK), 0); /* no other row was started */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_counts_and_order),
        cmocka_unit_test(test_lhs_stratified),
        cmocka_unit_test(test_lhs_integer_rounded),
        cmocka_unit_test(test_morris_one_factor_at_a_time),
        cmocka_unit_test(test_seeds_deterministic_and_distinct),
        cmocka_unit_test(test_errors_located),
        cmocka_unit_test(test_endpoint_eval),
        cmocka_unit_test(test_plan_record_and_rows),
        cmocka_unit_test(test_status_failure_stops_the_sweep),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
