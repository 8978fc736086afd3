/* test_schedule.c - inputs/schedule: entry keys, validation messages, and the exact
 * integration of every pattern (delivered dose independent of the step, closed forms for
 * daily windows, weekdays, seasons, courses, sunscreen and level inputs); --set and the
 * resolved YAML round trip through io/config (the schedule beside the parameters); the
 * integration constants taken from the parameter table (MED by skin type, UVA share and
 * the UVA:UVB ratio it is given at); a key that does nothing for its entry's input or
 * timing form is rejected at the key's own FILE:LINE:COL (the entry's position when the key
 * came from --set), naming the key, the input and why, while every key that acts is
 * accepted. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "derm/inputs/schedule.h"
#include "derm/io/config.h"
#include "derm/io/params.h"
#include "derm/sim/coef.h"

static const double Y = 8766.0;
static const struct derm_schedule_consts KC = {5.0, 2.5, 0.15, 20.0};

static struct derm_schedule_entry *add(struct derm_schedule *s, const char *name, const char *input)
{
    struct derm_schedule_entry *e = NULL;
    struct derm_err err = {0};
    assert_int_equal(derm_schedule_add(s, name, "t", 1, 1, &e, &err), DERM_OK);
    assert_int_equal(derm_schedule_entry_set(e, "input", input, "t", &err), DERM_OK);
    return e;
}

static void set(struct derm_schedule_entry *e, const char *k, const char *v)
{
    struct derm_err err = {0};
    if (derm_schedule_entry_set(e, k, v, "t", &err) != DERM_OK) fail_msg("%s", err.msg);
}

/* Total of x.dose[i] (and friends) over [a, b) in steps of dt. */
static void total(const struct derm_schedule *s, double a, double b, double dt, double *dose0, double *uv, double *glu)
{
    *dose0 = *uv = *glu = 0.0;
    for (double t = a; t < b - 1e-9; t += dt) {
        double t1 = t + dt < b ? t + dt : b;
        struct derm_exposure x;
        derm_schedule_integrate(s, &KC, t, t1, &x);
        *dose0 += x.dose[0];
        *uv += x.uvb_sed + x.uva_sed;
        *glu += x.glucose_mM * (t1 - t);
    }
}

static void test_daily_window_weekdays_exact(void **state)
{
    (void)state;
    struct derm_schedule s = {0};
    struct derm_schedule_entry *e = add(&s, "work", "uv");
    set(e, "dose", "1.5");
    set(e, "from_age", "20");
    set(e, "to_age", "21");
    set(e, "hour_from", "10");
    set(e, "hour_to", "16");
    set(e, "days_per_week", "5");
    /* one year from a Monday-aligned start: count active weekdays exactly */
    double a = 20 * Y, b = 21 * Y;
    int64_t d0 = (int64_t)floor(a / 24.0), d1 = (int64_t)ceil(b / 24.0);
    double expect = 0.0;
    for (int64_t d = d0; d < d1; d++) {
        if (d % 7 >= 5) continue;
        double u = d * 24.0 + 10, v = d * 24.0 + 16;
        if (u < a) u = a;
        if (v > b) v = b;
        if (v > u) expect += 1.5 * (v - u) / 6.0;
    }
    const double steps[] = {0.25, 1.0, 7.3, 24.0, 168.0, 1000.0};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        double d, uv, glu;
        total(&s, 19.9 * Y, 21.1 * Y, steps[i], &d, &uv, &glu);
        assert_true(fabs(d - expect) <= 1e-9 * expect);
        assert_true(fabs(uv - expect) <= 1e-9 * expect); /* no sunscreen: everything arrives */
    }
    assert_true(expect > 1.5 * 250 && expect < 1.5 * 262);
    /* weekends only: days 5 and 6 of the week */
    set(e, "days_per_week", "2");
    set(e, "first_weekday", "5");
    double wk = 0.0;
    for (int64_t d = d0; d < d1; d++) {
        if (d % 7 < 5) continue;
        double u = d * 24.0 + 10, v = d * 24.0 + 16;
        if (u < a) u = a;
        if (v > b) v = b;
        if (v > u) wk += 1.5 * (v - u) / 6.0;
    }
    double d, uv, glu;
    total(&s, 19.9 * Y, 21.1 * Y, 5.0, &d, &uv, &glu);
    assert_true(fabs(d - wk) <= 1e-9 * wk);
    assert_true(fabs(wk + expect - 1.5 * 365.25) < 1.5 * 2); /* the two patterns tile the year */
}

static void test_season_integral_exact(void **state)
{
    (void)state;
    struct derm_schedule s = {0};
    struct derm_schedule_entry *e = add(&s, "sun", "uv");
    set(e, "dose", "2");
    set(e, "from_age", "30");
    set(e, "to_age", "40");
    set(e, "season_amplitude", "0.8");
    /* whole years of 365.25 d: the seasonal factor averages to exactly 1 */
    double d1, d2, uv, glu;
    total(&s, 30 * Y, 40 * Y, 168.0, &d1, &uv, &glu);
    assert_true(fabs(d1 - 2.0 * 3652.5) <= 1e-7 * d1);
    total(&s, 29 * Y, 41 * Y, 13.7, &d2, &uv, &glu);
    assert_true(fabs(d2 - d1) <= 1e-9 * d1);
    /* summer delivers more than winter (peak day 172) */
    struct derm_exposure xs, xw;
    derm_schedule_integrate(&s, &KC, 35 * Y + 172 * 24.0 - 0.5 * Y / 12, 35 * Y + 172 * 24.0 + 0.5 * Y / 12, &xs);
    derm_schedule_integrate(&s, &KC, 35 * Y + 355 * 24.0 - 0.5 * Y / 12, 35 * Y + 355 * 24.0 + 0.5 * Y / 12, &xw);
    assert_true(xs.dose[0] > 5.0 * xw.dose[0]);
}

static void test_course_of_boluses(void **state)
{
    (void)state;
    struct derm_schedule s = {0};
    struct derm_schedule_entry *e = add(&s, "exo", "exosome");
    set(e, "dose", "1");
    set(e, "at_age", "50");
    set(e, "count", "3");
    set(e, "every_days", "21");
    set(e, "hour", "9");
    const double steps[] = {0.1, 1.0, 24.0, 168.0, 2000.0};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        double d, uv, glu;
        total(&s, 49.9 * Y, 50.5 * Y, steps[i], &d, &uv, &glu);
        assert_true(fabs(d - 3.0) < 1e-12);
    }
    /* the first dose falls at 09:00 of the day of age 50 */
    double t = floor(50 * Y / 24.0) * 24.0 + 9.0;
    struct derm_exposure x;
    derm_schedule_integrate(&s, &KC, t - 0.01, t, &x);
    assert_true(x.dose[0] == 0.0);
    derm_schedule_integrate(&s, &KC, t, t + 0.01, &x);
    assert_true(x.dose[0] == 1.0);
}

static void test_single_pulse_with_med(void **state)
{
    (void)state;
    struct derm_schedule s = {0};
    struct derm_schedule_entry *e = add(&s, "pulse", "uv");
    set(e, "dose", "2");
    set(e, "dose_unit", "med");
    set(e, "spectrum", "uvb");
    set(e, "at_age", "30");
    set(e, "duration_days", "1");
    set(e, "hour_from", "12");
    set(e, "hour_to", "12.5");
    double d, uv, glu;
    total(&s, 29.99 * Y, 30.01 * Y, 0.05, &d, &uv, &glu);
    assert_true(fabs(d - 2.0 * 2.5) < 1e-9); /* 2 MED of 2.5 SED */
    assert_true(fabs(uv - 5.0) < 1e-9);
    struct derm_exposure x;
    double noon = floor(30 * Y / 24.0) * 24.0 + 12.0;
    derm_schedule_integrate(&s, &KC, noon, noon + 0.5, &x);
    assert_true(fabs(x.uvb_sed - 5.0) < 1e-9 && x.uva_sed == 0.0);
}

static void test_sunscreen_divides_dose(void **state)
{
    (void)state;
    struct derm_schedule s = {0};
    struct derm_schedule_entry *e = add(&s, "sun", "uv");
    set(e, "dose", "1");
    set(e, "from_age", "30");
    set(e, "to_age", "50");
    set(e, "hour_from", "10");
    set(e, "hour_to", "16");
    struct derm_schedule_entry *p = add(&s, "spf", "sunscreen");
    set(p, "dose", "30");
    set(p, "from_age", "40");
    set(p, "hour_from", "8");
    set(p, "hour_to", "13"); /* covers half of the exposure window */
    struct derm_exposure x;
    derm_schedule_integrate(&s, &KC, 35 * Y, 35 * Y + 24 * 7, &x);
    assert_true(fabs(x.uvb_sed + x.uva_sed - 7.0) < 1e-9);
    derm_schedule_integrate(&s, &KC, 45 * Y, 45 * Y + 24 * 7, &x);
    assert_true(fabs(x.uvb_sed + x.uva_sed - 7.0 * (0.5 + 0.5 / 30.0)) < 1e-9);
    assert_true(fabs(x.uv_sed_unprotected - 7.0) < 1e-9);
    /* sunlight: UVA carries uva_erythemal_share of the erythemal dose at 20:1 */
    assert_true(fabs(x.uva_sed / (x.uva_sed + x.uvb_sed) - 0.15) < 1e-12);
}

static void test_level_inputs_time_mean(void **state)
{
    (void)state;
    struct derm_schedule s = {0};
    struct derm_schedule_entry *g = add(&s, "t2d", "glucose");
    set(g, "dose", "8");
    set(g, "dose_unit", "hba1c"); /* 1.59 x 8 - 2.59 = 10.13 mM */
    set(g, "from_age", "55");
    struct derm_exposure x;
    derm_schedule_integrate(&s, &KC, 55 * Y - 100, 55 * Y + 300, &x);
    assert_true(fabs(x.glucose_mM - (5.0 * 100 + 10.13 * 300) / 400) < 1e-9);
    struct derm_schedule_entry *c = add(&s, "smoke", "smoking");
    set(c, "dose", "20");
    set(c, "from_age", "18");
    set(c, "to_age", "50");
    derm_schedule_integrate(&s, &KC, 50 * Y - 30, 50 * Y + 10, &x);
    assert_true(fabs(x.cigarettes_per_day - 20.0 * 30 / 40) < 1e-9);
}

static void test_topical_through_open_channels(void **state)
{
    (void)state;
    struct derm_schedule s = {0};
    struct derm_schedule_entry *m = add(&s, "mn", "microneedling");
    set(m, "dose", "1");
    set(m, "at_age", "50");
    set(m, "count", "2");
    set(m, "every_days", "14");
    set(m, "open_hours", "24");
    set(m, "depth_um", "600");
    struct derm_schedule_entry *e = add(&s, "exo", "exosome");
    set(e, "route", "topical");
    set(e, "dose", "1");
    set(e, "at_age", "50");
    set(e, "count", "4");
    set(e, "every_days", "7"); /* days 0 and 14 fall in open windows, 7 and 21 do not */
    struct derm_schedule_entry *d = add(&s, "serum", "growth_factor"); /* continuous, daily */
    set(d, "route", "topical");
    set(d, "dose", "1");
    set(d, "from_age", "50");
    /* a session of dose 0 is no session: it opens no channel (both kinds of entry) */
    for (int pass = 0; pass < 2; pass++) {
        set(m, "dose", pass ? "0" : "1");
        double open = 0.0, all = 0.0, open_c = 0.0, all_c = 0.0;
        for (double t = 50 * Y - 24; t < 50 * Y + 40 * 24; t += 24) {
            struct derm_exposure x;
            derm_schedule_integrate(&s, &KC, t, t + 24, &x);
            open += x.dose_open[1];
            all += x.dose[1];
            open_c += x.dose_open[2];
            all_c += x.dose[2];
            if (x.dose_open[1] > 0 || x.dose_open[2] > 0) assert_true(x.open_depth_um == 600.0);
            if (pass) assert_true(x.open_depth_um == 0.0 && x.dose_open[1] == 0.0 && x.dose_open[2] == 0.0);
        }
        assert_true(fabs(all - 4.0) < 1e-12 && fabs(all_c - 40.0) < 1e-9);
        assert_true(fabs(open - (pass ? 0.0 : 2.0)) < 1e-12);
        assert_true(fabs(open_c - (pass ? 0.0 : 2.0)) < 1e-9); /* two open days of 24 h */
    }
}

/* validation messages: through the whole config path, so line numbers are real */
static void expect_config_error(const char *yaml, const char *needle)
{
    struct derm_params p;
    derm_params_defaults(&p);
    static struct derm_schedule sched;
    memset(&sched, 0, sizeof sched);
    struct derm_err err = {0};
    derm_status st = derm_config_load_string(yaml, "cfg.yaml", &p, &sched, NULL, &err);
    if (st == DERM_OK) st = derm_config_validate(&p, &sched, NULL, &err);
    assert_int_equal(st, DERM_ECONFIG);
    if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void test_validation_messages(void **state)
{
    (void)state;
    const char *head = "run: {age_start_years: 25, age_end_years: 75}\nschedule:\n";
    char buf[1024];
#define CASE(body, needle)                         \
    snprintf(buf, sizeof buf, "%s%s", head, body); \
    expect_config_error(buf, needle)
    CASE("  sun: {dose: 1, from_age: 30}\n", "cfg.yaml:3:3: schedule entry 'sun' has no input");
    CASE("  sun: {input: uv, dose: -1, from_age: 30}\n", "key 'schedule.sun.dose': '-1' is out of range");
    CASE("  sun: {input: uv, dose: 1, from_age: 80}\n",
         "cfg.yaml:3:3: schedule entry 'sun': starts at age 80, outside the run");
    CASE("  sun: {input: uv, dose: 1, from_age: 20}\n", "outside the run");
    CASE("  sun: {input: uv, dose: 1, from_age: 40, to_age: 30}\n", "to_age 30 is not after the start");
    CASE("  sun: {input: ultraviolet, dose: 1}\n",
         "cfg.yaml:3:9: key 'schedule.sun.input': 'ultraviolet' is not a valid choice");
    CASE("  sun: {input: uv, dos: 1}\n", "did you mean 'schedule.sun.dose'?");
    CASE("  a: {input: glucose, dose: 9, from_age: 50}\n  b: {input: glucose, dose: 7, from_age: 60, to_age: 70}\n",
         "cfg.yaml:4:3: schedule entries 'b' and 'a' (line 3) both set glucose at age 60;");
    /* spans that cross, active times that meet: on the first weekday both smoke */
    CASE("  wd: {input: smoking, dose: 10, from_age: 30, days_per_week: 5, first_weekday: 0}\n"
         "  we: {input: smoking, dose: 20, from_age: 40, days_per_week: 3, first_weekday: 4}\n",
         "cfg.yaml:4:3: schedule entries 'we' and 'wd' (line 3) both set smoking at age 40");
    /* a holiday course's SPF over a daily one: the first holiday's first morning */
    CASE("  work: {input: sunscreen, dose: 15, from_age: 30, hour_from: 8, hour_to: 18}\n"
         "  beach: {input: sunscreen, dose: 50, at_age: 31, duration_days: 14, count: 20, every_days: 365}\n",
         "schedule entries 'beach' and 'work' (line 3) both set sunscreen at age 31");
    CASE("  exo: {input: exosome, dose: 1, at_age: 74.9, count: 10, every_days: 30}\n", "after the end of the run");
    CASE("  exo: {input: exosome, dose: 1, at_age: 50, count: 3}\n", "count 3 needs every_days > 0");
    CASE("  sun: {input: uv, dose: 1, at_age: 50}\n", "needs duration_days > 0");
    CASE("  spf: {input: sunscreen, dose: 0.5, from_age: 40}\n", "SPF 0.5 is below 1");
    CASE("  sun: {input: uv, dose: 1, from_age: 30, hour_from: 16, hour_to: 10}\n", "daily window 16-10 h is empty");
    CASE("  sun: [uv, 1]\n", "cfg.yaml:3:3: schedule entry 'sun' holds a sequence");
    CASE("  sun: {input: uv, dose: 1}\n  sun: {input: uv, dose: 2}\n", "duplicate schedule entry 'sun'");
    CASE("  g: {input: glucose, dose: 50, from_age: 50}\n", "glucose 50 mM is implausible");
    /* `hour` moves a dose to that hour of its day: the day of age 25 began before the run */
    CASE("  exo: {input: exosome, dose: 1, at_age: 25, hour: 0}\n",
         "cfg.yaml:3:3: schedule entry 'exo': key 'schedule.exo.hour': hour 0 of the day of age 25 puts the first "
         "administration at age 24.999");
#undef CASE
}

/* Keys that would do nothing are errors, located at the key. */
static void test_inert_keys_rejected(void **state)
{
    (void)state;
    const char *head = "run: {age_start_years: 25, age_end_years: 75}\nschedule:\n";
    char buf[1024];
#define CASE(body, needle)                         \
    snprintf(buf, sizeof buf, "%s%s", head, body); \
    expect_config_error(buf, needle)
    /* the examples of the issue: route on uv, season on glucose, hour_from on an
     * instantaneous course, count with from_age */
    CASE("  sun: {input: uv, dose: 1, from_age: 30, route: topical}\n",
         "cfg.yaml:3:43: schedule entry 'sun': key 'schedule.sun.route' does nothing for input uv: it applies to "
         "exosome, conditioned_medium and growth_factor");
    CASE("  g: {input: glucose, dose: 6, from_age: 30, season_amplitude: 0.5}\n",
         "cfg.yaml:3:46: schedule entry 'g': key 'schedule.g.season_amplitude' does nothing for input glucose");
    CASE("  exo: {input: exosome, dose: 1, at_age: 50, hour_from: 8}\n",
         "cfg.yaml:3:46: schedule entry 'exo': key 'schedule.exo.hour_from' does nothing for input exosome: it shapes "
         "delivery over time, and this course's administrations are instantaneous");
    CASE("  sun: {input: uv, dose: 1, from_age: 30, count: 3, every_days: 7}\n",
         "cfg.yaml:3:43: schedule entry 'sun': key 'schedule.sun.count' does nothing for input uv: it shapes a course");
    /* the other keys tied to an input, a route or a timing form */
    CASE("  cig: {input: smoking, dose: 10, from_age: 30, spectrum: uvb}\n", "cfg.yaml:3:49: schedule entry 'cig': "
                                                                             "key 'schedule.cig.spectrum'");
    CASE("  sun: {input: uv, dose: 1, from_age: 30, spectrum: uvb, uva_uvb_ratio: 10}\n",
         "cfg.yaml:3:58: schedule entry 'sun': key 'schedule.sun.uva_uvb_ratio' does nothing for input uv: it "
         "applies to spectrum sun");
    CASE("  exo: {input: exosome, dose: 1, at_age: 50, route: topical, depth_um: 200}\n",
         "cfg.yaml:3:62: schedule entry 'exo': key 'schedule.exo.depth_um'");
    CASE("  exo: {input: exosome, dose: 1, at_age: 50, route: intradermal, penetration_um: 50}\n",
         "cfg.yaml:3:66: schedule entry 'exo': key 'schedule.exo.penetration_um' does nothing for input exosome: it "
         "applies to topical treatments");
    CASE("  gf: {input: growth_factor, dose: 1, at_age: 50, source: adipose}\n",
         "cfg.yaml:3:51: schedule entry 'gf': key 'schedule.gf.source' does nothing for input growth_factor");
    CASE("  exo: {input: exosome, dose: 1, at_age: 50, open_hours: 12}\n",
         "cfg.yaml:3:46: schedule entry 'exo': key 'schedule.exo.open_hours' does nothing for input exosome: it "
         "applies to microneedling");
    CASE("  sun: {input: uv, dose: 1, from_age: 30, hour: 12}\n",
         "cfg.yaml:3:43: schedule entry 'sun': key 'schedule.sun.hour'");
    CASE("  sun: {input: uv, dose: 1, at_age: 30, duration_days: 14, hour: 12}\n",
         "cfg.yaml:3:60: schedule entry 'sun': key 'schedule.sun.hour' does nothing for input uv: it times "
         "instantaneous administrations; use hour_from/hour_to");
    CASE("  exo: {input: exosome, dose: 1, at_age: 50, days_per_week: 5}\n",
         "cfg.yaml:3:46: schedule entry 'exo': key 'schedule.exo.days_per_week'");
    CASE("  mn: {input: microneedling, dose: 1, at_age: 50, spread_um: 100}\n",
         "cfg.yaml:3:51: schedule entry 'mn': key 'schedule.mn.spread_um' does nothing for input microneedling");
    /* block style: the key's own line and column */
    CASE("  ok: {input: uv, dose: 1, from_age: 30}\n  sun:\n    input: uv\n    dose: 1\n    from_age: 40\n"
         "    route: topical\n",
         "cfg.yaml:8:5: schedule entry 'sun': key 'schedule.sun.route'");
    /* a key given even at its default value is given: still an error */
    CASE("  sun: {input: uv, dose: 1, from_age: 30, count: 1}\n", "cfg.yaml:3:43: schedule entry 'sun': key "
                                                                  "'schedule.sun.count'");
#undef CASE
    /* a key from --set: located at that option (the key has no position in the file) */
    struct derm_params p;
    derm_params_defaults(&p);
    static struct derm_schedule sched;
    memset(&sched, 0, sizeof sched);
    struct derm_err err = {0};
    assert_int_equal(derm_config_load_string("schedule:\n  sun: {input: uv, dose: 1, from_age: 30}\n", "cfg.yaml", &p,
                                             &sched, NULL, &err),
                     DERM_OK);
    assert_int_equal(derm_config_validate(&p, &sched, NULL, &err), DERM_OK);
    assert_int_equal(derm_config_apply_set(&p, &sched, NULL, "schedule.sun.open_hours=5", &err), DERM_OK);
    assert_int_equal(derm_config_validate(&p, &sched, NULL, &err), DERM_ECONFIG);
    if (!strstr(err.msg, "--set 'schedule.sun.open_hours=5': schedule entry 'sun': key 'schedule.sun.open_hours' does "
                         "nothing for input uv"))
        fail_msg("%s", err.msg);
    /* an entry made by --set alone */
    static struct derm_schedule s2;
    memset(&s2, 0, sizeof s2);
    assert_int_equal(derm_config_apply_set(&p, &s2, NULL, "schedule.g.input=glucose", &err), DERM_OK);
    assert_int_equal(derm_config_apply_set(&p, &s2, NULL, "schedule.g.dose=6", &err), DERM_OK);
    assert_int_equal(derm_config_apply_set(&p, &s2, NULL, "schedule.g.peak_day=100", &err), DERM_OK);
    assert_int_equal(derm_config_validate(&p, &s2, NULL, &err), DERM_ECONFIG);
    if (!strstr(err.msg,
                "--set 'schedule.g.peak_day=100': schedule entry 'g': key 'schedule.g.peak_day' does nothing for input "
                "glucose"))
        fail_msg("%s", err.msg);
}

/* A configuration text that must load and validate, into p and sched. */
static void load_valid(const char *yaml, struct derm_params *p, struct derm_schedule *sched)
{
    derm_params_defaults(p);
    memset(sched, 0, sizeof *sched);
    struct derm_err err = {0};
    if (derm_config_load_string(yaml, "ok.yaml", p, sched, NULL, &err) != DERM_OK) fail_msg("%s", err.msg);
    if (derm_config_validate(p, sched, NULL, &err) != DERM_OK) fail_msg("%s", err.msg);
}

/* Every key that acts for its entry is accepted. */
static void test_acting_keys_accepted(void **state)
{
    (void)state;
    const char *yaml =
        "run: {age_start_years: 25, age_end_years: 75}\n"
        "schedule:\n"
        "  sun: {input: uv, dose: 1.5, dose_unit: med, from_age: 30, to_age: 60, hour_from: 10, hour_to: 16,\n"
        "        days_per_week: 2, first_weekday: 5, season_amplitude: 0.6, peak_day: 355, spectrum: sun,\n"
        "        uva_uvb_ratio: 30}\n"
        "  lamp: {input: uv, dose: 2, at_age: 40, duration_days: 10, count: 3, every_days: 60, hour_from: 8,\n"
        "         hour_to: 9, days_per_week: 3, spectrum: uvb}\n"
        "  spf: {input: sunscreen, dose: 15, from_age: 35, hour_from: 9, hour_to: 18, days_per_week: 5}\n"
        "  g: {input: glucose, dose: 7, dose_unit: hba1c, from_age: 50}\n"
        "  cig: {input: smoking, dose: 10, from_age: 30, to_age: 50, hour_from: 7, hour_to: 23}\n"
        "  air: {input: pollution, dose: 2, from_age: 25}\n"
        "  exo: {input: exosome, dose: 1, at_age: 55, count: 3, every_days: 21, hour: 9, route: intradermal,\n"
        "        depth_um: 400, spread_um: 100, source: adipose, season_amplitude: 0.2}\n"
        "  cm: {input: conditioned_medium, dose: 1, at_age: 56, route: topical, penetration_um: 40,\n"
        "       source: amnion}\n"
        "  gf: {input: growth_factor, dose: 1, at_age: 57, duration_days: 7, route: systemic, hour_from: 8,\n"
        "       hour_to: 20, first_weekday: 2, days_per_week: 4}\n"
        "  mn: {input: microneedling, dose: 1, at_age: 58, count: 2, every_days: 30, depth_um: 1000,\n"
        "       open_hours: 12}\n";
    struct derm_params p;
    static struct derm_schedule sched;
    load_valid(yaml, &p, &sched);
    assert_int_equal(sched.n, 10);
    /* the given bits and positions were recorded for the keys given, and only for them */
    const struct derm_schedule_entry *e = derm_schedule_find(&sched, "air");
    assert_non_null(e);
    for (size_t k = 0; k < derm_schedule_key_count(); k++) {
        const char *key = derm_schedule_keys()[k].path;
        const int want = !strcmp(key, "input") || !strcmp(key, "dose") || !strcmp(key, "from_age");
        assert_int_equal((e->given >> k) & 1u, want);
        if (want) {
            assert_int_equal(e->key_line[k], 11);
            assert_true(e->key_col[k] > 8);
        }
    }
}

/* Level inputs whose whole spans cross but whose active times never meet: weekday and
 * weekend smoking, a glucose course in the gaps of another, evening and morning SPF. */
static void test_level_inputs_apart_accepted(void **state)
{
    (void)state;
    const char *yaml =
        "run: {age_start_years: 25, age_end_years: 75}\n"
        "schedule:\n"
        "  wd: {input: smoking, dose: 10, from_age: 30, to_age: 60, days_per_week: 5, first_weekday: 0}\n"
        "  we: {input: smoking, dose: 20, from_age: 30, to_age: 60, days_per_week: 2, first_weekday: 5}\n"
        "  g1: {input: glucose, dose: 9, at_age: 40, duration_days: 30, count: 200, every_days: 60}\n"
        "  g2: {input: glucose, dose: 11, at_age: 40.1, duration_days: 20, count: 200, every_days: 60}\n"
        "  am: {input: sunscreen, dose: 30, from_age: 30, hour_from: 7, hour_to: 12}\n"
        "  pm: {input: sunscreen, dose: 15, from_age: 30, hour_from: 12, hour_to: 19}\n";
    struct derm_params p;
    static struct derm_schedule sched;
    load_valid(yaml, &p, &sched);
    /* the interleaved courses give one level at a time: their time mean over a year of both */
    struct derm_exposure x;
    derm_schedule_integrate(&sched, &KC, 41.0 * Y, 42.0 * Y, &x);
    assert_true(x.glucose_mM > 8.5 && x.glucose_mM < 9.5); /* (30 d x 9 + 20 x 11 + 10 x 5) / 60 = 9 */
}

static void test_set_and_resolved_roundtrip(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    static struct derm_schedule sched, q_sched;
    memset(&sched, 0, sizeof sched);
    struct derm_err err = {0};
    assert_int_equal(
        derm_config_load_string("schedule:\n  sun: {input: uv, dose: 1, from_age: 30, season_amplitude: 0.5}\n",
                                "a.yaml", &p, &sched, NULL, &err),
        DERM_OK);
    assert_int_equal(derm_config_apply_set(&p, &sched, NULL, "schedule.sun.dose=2.5", &err), DERM_OK);
    assert_int_equal(derm_config_apply_set(&p, &sched, NULL, "schedule.spf.input=sunscreen", &err), DERM_OK);
    assert_int_equal(derm_config_apply_set(&p, &sched, NULL, "schedule.spf.dose=15", &err), DERM_OK);
    assert_int_equal(derm_config_apply_set(&p, &sched, NULL, "schedule.nope.dose=1", &err), DERM_ECONFIG);
    assert_non_null(strstr(err.msg, "no schedule entry 'nope' (entries: sun, spf)"));
    if (derm_config_validate(&p, &sched, NULL, &err) != DERM_OK) fail_msg("%s", err.msg);
    /* the resolved YAML reads back to the same schedule */
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    derm_config_write_yaml(&p, &sched, fp);
    fclose(fp);
    struct derm_params q;
    derm_params_defaults(&q);
    memset(&q_sched, 0, sizeof q_sched);
    if (derm_config_load_string(buf, "resolved.yaml", &q, &q_sched, NULL, &err) != DERM_OK) fail_msg("%s", err.msg);
    free(buf);
    assert_int_equal(q_sched.n, 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(q_sched.e[i].name, sched.e[i].name);
        for (size_t k = 0; k < derm_schedule_key_count(); k++)
            assert_true(derm_desc_get(&q_sched.e[i], &derm_schedule_keys()[k]) ==
                        derm_desc_get(&sched.e[i], &derm_schedule_keys()[k]));
    }
    /* the direct form of --set on a schedule alone, and its messages */
    static struct derm_schedule s2;
    memset(&s2, 0, sizeof s2);
    assert_int_equal(derm_schedule_apply_set(&s2, "schedule.exo.input", "exosome", &err), DERM_OK);
    assert_int_equal(derm_schedule_apply_set(&s2, "schedule.exo.dose", "3", &err), DERM_OK);
    assert_int_equal(s2.n, 1);
    assert_int_equal(s2.e[0].input, DERM_IN_EXOSOME);
    assert_true(s2.e[0].dose == 3.0);
    assert_ptr_equal(derm_schedule_find(&s2, "exo"), &s2.e[0]);
    assert_null(derm_schedule_find(&s2, "sun"));
    assert_int_equal(derm_schedule_apply_set(&s2, "schedule.exo.dos", "3", &err), DERM_ECONFIG);
    if (!strstr(err.msg, "did you mean 'schedule.exo.dose'?")) fail_msg("%s", err.msg);
}

/* The integration constants a run takes from the parameter table: MED by skin type (the
 * pre-refactor table: 2, 2.5, 3.5, 4.5, 6, 10 SED), glucose, the UVA erythemal share and the
 * UVA:UVB ratio it is given at. The share of a sunlight entry follows its own ratio relative
 * to that reference. */
static void test_consts_from_parameters(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 2, 2, 2, 20.0, NULL), DERM_OK);
    static struct derm_coefs c;
    const double med[6] = {2.0, 2.5, 3.5, 4.5, 6.0, 10.0};
    for (int type = 1; type <= 6; type++) {
        p.subject_skin_type = type;
        derm_coef_build(&p, &g, &c);
        assert_true(c.schedule.med_sed == med[type - 1]);
    }
    assert_true(c.schedule.glucose_mM == p.subject_glucose_mM);
    assert_true(c.schedule.uva_erythemal_share == p.uv_uva_erythemal_share);
    assert_true(c.schedule.reference_uva_uvb_ratio == p.uv_reference_uva_uvb_ratio);
    assert_true(p.uv_reference_uva_uvb_ratio == 20.0); /* the reference before it was a parameter */
    /* a sunlight entry at twice the reference ratio: q = s/(1-s) x 2, share q/(1+q) */
    struct derm_schedule s = {0};
    struct derm_schedule_entry *e = add(&s, "sun", "uv");
    set(e, "dose", "1");
    set(e, "from_age", "30");
    set(e, "uva_uvb_ratio", "40");
    struct derm_exposure x;
    derm_schedule_integrate(&s, &KC, 35 * Y, 35 * Y + 24, &x);
    const double q = 0.15 / 0.85 * 2.0;
    assert_true(fabs(x.uva_sed / (x.uva_sed + x.uvb_sed) - q / (1.0 + q)) < 1e-12);
    /* the same entry against a reference of 40: the reference share */
    struct derm_schedule_consts k40 = KC;
    k40.reference_uva_uvb_ratio = 40.0;
    derm_schedule_integrate(&s, &k40, 35 * Y, 35 * Y + 24, &x);
    assert_true(fabs(x.uva_sed / (x.uva_sed + x.uvb_sed) - 0.15) < 1e-12);
}

/* A bad dose names the unit of its entry's input (and dose_unit) when the input is known. */
static void test_dose_error_names_units(void **state)
{
    (void)state;
    static const struct {
        const char *input, *unit, *want;
    } cases[] = {{"uv", NULL, "SED (or MED, dose_unit: med) per active day"},
                 {"uv", "med", "MED per active day"},
                 {"glucose", "hba1c", "% HbA1c"},
                 {"glucose", NULL, "mM plasma glucose (or % HbA1c"},
                 {"smoking", NULL, "cigarettes per day"},
                 {"exosome", NULL, "au per administration"},
                 {"microneedling", NULL, "sessions"},
                 {NULL, NULL, "in the units of the entry's input"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        static struct derm_schedule s;
        memset(&s, 0, sizeof s);
        struct derm_schedule_entry *e = NULL;
        struct derm_err err = {0};
        assert_int_equal(derm_schedule_add(&s, "e", "t", 1, 1, &e, &err), DERM_OK);
        if (cases[i].input) set(e, "input", cases[i].input);
        if (cases[i].unit) set(e, "dose_unit", cases[i].unit);
        assert_int_equal(derm_schedule_entry_set(e, "dose", "-1", "f.yaml:3:9", &err), DERM_ECONFIG);
        if (!strstr(err.msg, cases[i].want) || !strstr(err.msg, "f.yaml:3:9: key 'schedule.e.dose': '-1'"))
            fail_msg("%s: %s", cases[i].want, err.msg);
        assert_null(strstr(err.msg, "varies"));
    }
}

/* --set values: a message quotes the last option as typed; format_key gives the resolved value. */
static void test_set_values_as_typed_and_resolved(void **state)
{
    (void)state;
    static struct derm_schedule s;
    memset(&s, 0, sizeof s);
    struct derm_err err = {0};
    assert_int_equal(derm_schedule_apply_set(&s, "schedule.x.input", "uv", &err), DERM_OK);
    assert_int_equal(derm_schedule_apply_set(&s, "schedule.x.depth_um", "0x10", &err), DERM_OK);
    assert_int_equal(derm_schedule_apply_set(&s, "schedule.x.depth_um", "2e2", &err), DERM_OK);
    char buf[64];
    assert_int_equal(derm_schedule_format_key(&s, "schedule.x.depth_um", buf, sizeof buf), 1);
    assert_string_equal(buf, "200.0");
    assert_int_equal(derm_schedule_format_key(&s, "schedule.x.input", buf, sizeof buf), 1);
    assert_string_equal(buf, "uv");
    const char *bad[] = {"schedule.x.nokey", "schedule.y.dose", "schedule.dose", "run.seed", "schedule..dose"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(derm_schedule_format_key(&s, bad[i], buf, sizeof buf), 0);
        assert_string_equal(buf, "");
    }
    assert_int_equal(derm_schedule_validate(&s, 20.0, 30.0, &err), DERM_ECONFIG);
    if (!strstr(err.msg, "--set 'schedule.x.depth_um=2e2': schedule entry 'x': key 'schedule.x.depth_um' does "
                         "nothing for input uv"))
        fail_msg("%s", err.msg);
    /* options past set_arg's room end in "..."; every value still recorded reads as typed
     * (the mark may overwrite the end of the last one: then that one is not recorded) */
    static const char *const keys[] = {"spread_um",     "penetration_um",   "open_hours", "peak_day",
                                       "uva_uvb_ratio", "season_amplitude", "hour_from"};
    static const char *const typed[] = {"150.00000000000000000000000", "30.000000000000000000000000",
                                        "24.000000000000000000000000", "172.00000000000000000000000",
                                        "20.000000000000000000000000", "0.0000000000000000000000000",
                                        "0.0000000000000000000000000"};
    for (int pad = 0; pad < 46; pad++) { /* each length of the first option: every way the room ends */
        static struct derm_schedule t;
        memset(&t, 0, sizeof t);
        char first[64];
        snprintf(first, sizeof first, "%.*s", 3 + pad, "250.000000000000000000000000000000000000000000000000");
        assert_int_equal(derm_schedule_apply_set(&t, "schedule.y.input", "uv", &err), DERM_OK);
        assert_int_equal(derm_schedule_apply_set(&t, "schedule.y.depth_um", first, &err), DERM_OK);
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            char path[64];
            snprintf(path, sizeof path, "schedule.y.%s", keys[i]);
            assert_int_equal(derm_schedule_apply_set(&t, path, typed[i], &err), DERM_OK);
        }
        const struct derm_schedule_entry *y = &t.e[0];
        const size_t len = strlen(y->set_arg);
        assert_true(len < sizeof y->set_arg && len >= 3 && !strcmp(y->set_arg + len - 3, "..."));
        for (size_t k = 0; k < derm_schedule_key_count(); k++) {
            if (!y->set_value_len[k]) continue;
            const char *path = derm_schedule_keys()[k].path, *want = NULL;
            if (!strcmp(path, "depth_um")) want = first;
            if (!strcmp(path, "input")) want = "uv";
            for (size_t i = 0; i < sizeof keys / sizeof *keys && !want; i++)
                if (!strcmp(path, keys[i])) want = typed[i];
            assert_non_null(want);
            assert_true(y->set_value_off[k] + y->set_value_len[k] <= len);
            if (strlen(want) != y->set_value_len[k] || memcmp(y->set_arg + y->set_value_off[k], want, strlen(want)))
                fail_msg("pad %d: key %s recorded as '%.*s', typed '%s'", pad, path, (int)y->set_value_len[k],
                         y->set_arg + y->set_value_off[k], want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_values_as_typed_and_resolved),
        cmocka_unit_test(test_dose_error_names_units),
        cmocka_unit_test(test_daily_window_weekdays_exact),
        cmocka_unit_test(test_season_integral_exact),
        cmocka_unit_test(test_course_of_boluses),
        cmocka_unit_test(test_single_pulse_with_med),
        cmocka_unit_test(test_sunscreen_divides_dose),
        cmocka_unit_test(test_level_inputs_time_mean),
        cmocka_unit_test(test_topical_through_open_channels),
        cmocka_unit_test(test_validation_messages),
        cmocka_unit_test(test_inert_keys_rejected),
        cmocka_unit_test(test_acting_keys_accepted),
        cmocka_unit_test(test_level_inputs_apart_accepted),
        cmocka_unit_test(test_set_and_resolved_roundtrip),
        cmocka_unit_test(test_consts_from_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
