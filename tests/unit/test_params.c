/* test_params.c - unit tests of params.c: the descriptor table, defaults, typed parsing with
 * range checks and their messages, suggestions, value formatting, cross-checks, the table
 * printout, the three rows per signal generated from the signal registry and the constants
 * that became rows (MED table, references, HA drive weight, exosome presets). (Reading
 * YAML is tested in test_config.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derm/io/params.h"

#define assert_contains(hay, needle)                                                     \
    do {                                                                                 \
        if (!strstr((hay), (needle))) {                                                  \
            print_error("message \"%s\"\n  does not contain \"%s\"\n", (hay), (needle)); \
            fail();                                                                      \
        }                                                                                \
    } while (0)

static const struct derm_param_desc *must_find(const char *path)
{
    const struct derm_param_desc *d = derm_params_find(path);
    if (!d) {
        print_error("no parameter '%s'\n", path);
        fail();
    }
    return d;
}

static size_t count_choices(const char *choices)
{
    size_t n = 1;
    for (; *choices; choices++) n += *choices == '|';
    return n;
}

/* ---- table and defaults ----------------------------------------------------------------- */

static void test_table_well_formed(void **state)
{
    (void)state;
    const struct derm_param_desc *t = derm_params_table();
    size_t n = derm_params_count();
    assert_true(n > 50);
    for (size_t i = 0; i < n; i++) {
        const struct derm_param_desc *d = &t[i];
        assert_non_null(strchr(d->path, '.'));
        assert_true(d->lo <= d->hi);
        assert_true(strlen(d->doc) > 0);
        assert_true(strlen(d->units) > 0);
        assert_ptr_equal(derm_params_find(d->path), d);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(t[j].path, d->path);
        /* path components are lower-case identifiers (dots between) */
        for (const char *c = d->path; *c; c++)
            assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' ||
                        (*c >= 'A' && *c <= 'Z'));
        if (d->type == DERM_PT_ENUM) {
            assert_true(strlen(d->choices) > 0);
            assert_true(d->lo == 0);
            assert_true(d->hi == (double)(count_choices(d->choices) - 1));
        } else {
            assert_string_equal(d->choices, "");
        }
        if (d->type == DERM_PT_BOOL) assert_true(d->lo == 0 && d->hi == 1);
        /* a parameter path is never also a section */
        assert_false(derm_params_is_section(d->path));
    }
}

static void test_defaults_in_range(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    const struct derm_param_desc *t = derm_params_table();
    for (size_t i = 0; i < derm_params_count(); i++) {
        double v = derm_params_get(&p, &t[i]);
        if (!(v >= t[i].lo && v <= t[i].hi)) {
            print_error("default of %s = %g outside [%g, %g]\n", t[i].path, v, t[i].lo, t[i].hi);
            fail();
        }
        assert_true(v == t[i].def);
        if (t[i].type != DERM_PT_REAL) assert_true(v == floor(v));
    }
    assert_int_equal(p.domain_nx, 16);
    assert_true(p.run_age_start_years == 25.0);
}

static void test_defaults_validate(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    derm_err_clear(&err);
    derm_params_defaults(&p);
    assert_int_equal(derm_params_validate(&p, NULL, &err), DERM_OK);
    assert_string_equal(err.msg, "");
    struct derm_param_origin *o = calloc(derm_params_count(), sizeof *o);
    assert_non_null(o);
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_OK);
    free(o);
}

/* ---- set_text --------------------------------------------------------------------------- */

static void test_set_text_real(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    derm_params_defaults(&p);
    const struct derm_param_desc *d = must_find("domain.voxel_um");

    assert_int_equal(derm_params_set_text(&p, d, "25", "f:1:1", &err), DERM_OK);
    assert_true(p.domain_voxel_um == 25.0);
    assert_int_equal(derm_params_set_text(&p, d, "2.5e1", "f:1:1", &err), DERM_OK);
    assert_true(p.domain_voxel_um == 25.0);
    assert_int_equal(derm_params_set_text(&p, d, "1", "f:1:1", &err), DERM_OK); /* inclusive lo */
    assert_int_equal(derm_params_set_text(&p, d, "500.0", "f:1:1", &err), DERM_OK);
    assert_true(p.domain_voxel_um == 500.0);

    assert_int_equal(derm_params_set_text(&p, d, "12abc", "cfg.yaml:7:3", &err), DERM_ECONFIG);
    assert_int_equal(err.code, DERM_ECONFIG);
    assert_string_equal(err.msg, "cfg.yaml:7:3: key 'domain.voxel_um': '12abc' is not a number; "
                                 "expected a number in [1, 500] um");
    assert_true(p.domain_voxel_um == 500.0); /* unchanged on error */

    assert_int_equal(derm_params_set_text(&p, d, "0.5", "f:2:3", &err), DERM_ECONFIG);
    assert_contains(err.msg, "f:2:3: key 'domain.voxel_um': '0.5' is out of range");
    assert_int_equal(derm_params_set_text(&p, d, "500.0001", "f", &err), DERM_ECONFIG);

    static const char *const nonfinite[] = {"nan", "NaN", "inf", "-inf", ".inf", "-.inf", ".nan", "1e999"};
    for (size_t i = 0; i < sizeof nonfinite / sizeof nonfinite[0]; i++) {
        assert_int_equal(derm_params_set_text(&p, d, nonfinite[i], "f", &err), DERM_ECONFIG);
        assert_contains(err.msg, "is not a finite number");
    }
    static const char *const junk[] = {" 5", "5 ", "5,0", "five", "1_000", "--5", "5e"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        assert_int_equal(derm_params_set_text(&p, d, junk[i], "f", &err), DERM_ECONFIG);
        assert_contains(err.msg, "is not a number; expected a number in [1, 500] um");
    }
    assert_int_equal(derm_params_set_text(&p, d, "", "f:9:9", &err), DERM_ECONFIG);
    assert_string_equal(err.msg, "f:9:9: key 'domain.voxel_um': missing value; expected a number in [1, 500] um");
    /* dimensionless units are not printed */
    assert_int_equal(derm_params_set_text(&p, must_find("ecm.mmp1_share"), "2", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "expected a number in [0, 1]");
    assert_true(err.msg[strlen(err.msg) - 1] == ']');
    assert_true(p.domain_voxel_um == 500.0);
}

static void test_set_text_int(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    derm_params_defaults(&p);
    const struct derm_param_desc *nx = must_find("domain.nx");

    assert_int_equal(derm_params_set_text(&p, nx, "-4", "cfg.yaml:12:5", &err), DERM_ECONFIG);
    assert_string_equal(err.msg, "cfg.yaml:12:5: key 'domain.nx': '-4' is out of range; "
                                 "expected an integer in [1, 4096]");
    assert_int_equal(p.domain_nx, 16);

    assert_int_equal(derm_params_set_text(&p, nx, "4096", "f", &err), DERM_OK);
    assert_int_equal(p.domain_nx, 4096);
    assert_int_equal(derm_params_set_text(&p, nx, "1e3", "f", &err), DERM_OK);
    assert_int_equal(p.domain_nx, 1000);
    assert_int_equal(derm_params_set_text(&p, nx, "+32", "f", &err), DERM_OK);
    assert_int_equal(p.domain_nx, 32);
    assert_int_equal(derm_params_set_text(&p, nx, "16.0", "f", &err), DERM_OK);
    assert_int_equal(p.domain_nx, 16);

    assert_int_equal(derm_params_set_text(&p, nx, "16.5", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "'16.5' is not an integer; expected an integer in [1, 4096]");
    assert_int_equal(derm_params_set_text(&p, nx, "1.55e1", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "is not an integer");
    assert_int_equal(derm_params_set_text(&p, nx, "1.5e1", "f", &err), DERM_OK);
    assert_int_equal(p.domain_nx, 15);
    p.domain_nx = 16;
    assert_int_equal(derm_params_set_text(&p, nx, "sixteen", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "'sixteen' is not an integer");
    assert_int_equal(derm_params_set_text(&p, nx, "12abc", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "'12abc' is not an integer");
    assert_int_equal(derm_params_set_text(&p, nx, "5000", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "'5000' is out of range");
    assert_int_equal(derm_params_set_text(&p, nx, "99999999999999999999", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "is out of range");
    assert_int_equal(derm_params_set_text(&p, nx, "inf", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "is not a finite number");
    assert_int_equal(p.domain_nx, 16);

    /* 64-bit seeds survive exactly (no trip through double) */
    const struct derm_param_desc *seed = must_find("run.seed");
    assert_int_equal(derm_params_set_text(&p, seed, "9000000000000000001", "f", &err), DERM_OK);
    assert_true(p.run_seed == INT64_C(9000000000000000001));
    assert_int_equal(derm_params_set_text(&p, seed, "-1", "f", &err), DERM_ECONFIG);
}

static void test_set_text_bool(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    derm_params_defaults(&p);
    const struct derm_param_desc *d = must_find("output.write_fields");
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "on", "1"};
    static const char *const no[] = {"false", "False", "no", "off", "OFF", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        p.output_write_fields = 0;
        assert_int_equal(derm_params_set_text(&p, d, yes[i], "f", &err), DERM_OK);
        assert_int_equal(p.output_write_fields, 1);
        assert_int_equal(derm_params_set_text(&p, d, no[i], "f", &err), DERM_OK);
        assert_int_equal(p.output_write_fields, 0);
    }
    assert_int_equal(derm_params_set_text(&p, d, "maybe", "x.yaml:3:4", &err), DERM_ECONFIG);
    assert_string_equal(err.msg, "x.yaml:3:4: key 'output.write_fields': 'maybe' is not a "
                                 "boolean; expected a boolean (true/false, yes/no, on/off or 1/0)");
    assert_int_equal(derm_params_set_text(&p, d, "2", "f", &err), DERM_ECONFIG);
    assert_int_equal(p.output_write_fields, 0);
}

static void test_set_text_enum(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    derm_params_defaults(&p);
    const struct derm_param_desc *d = must_find("subject.sex");
    assert_int_equal(p.subject_sex, DERM_SEX_FEMALE);
    assert_int_equal(derm_params_set_text(&p, d, "male", "f", &err), DERM_OK);
    assert_int_equal(p.subject_sex, DERM_SEX_MALE);
    assert_int_equal(derm_params_set_text(&p, d, "female", "f", &err), DERM_OK);
    assert_int_equal(p.subject_sex, DERM_SEX_FEMALE);

    assert_int_equal(derm_params_set_text(&p, d, "other", "c.yaml:5:3", &err), DERM_ECONFIG);
    assert_string_equal(err.msg, "c.yaml:5:3: key 'subject.sex': 'other' is not a valid choice; "
                                 "expected one of: female, male");
    assert_int_equal(derm_params_set_text(&p, d, "Male", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "case-sensitive");
    assert_int_equal(derm_params_set_text(&p, d, "1", "f", &err), DERM_ECONFIG);
    assert_int_equal(derm_params_set_text(&p, d, "mal", "f", &err), DERM_ECONFIG);
    assert_int_equal(derm_params_set_text(&p, d, "males", "f", &err), DERM_ECONFIG);
    assert_int_equal(p.subject_sex, DERM_SEX_FEMALE);

    const struct derm_param_desc *b = must_find("domain.bottom_boundary");
    assert_int_equal(derm_params_set_text(&p, b, "vascular", "f", &err), DERM_OK);
    assert_int_equal(p.domain_bottom_boundary, DERM_BOTTOM_VASCULAR);
    assert_int_equal(derm_params_set_text(&p, b, "sink", "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "expected one of: noflux, vascular");
}

static void test_set_text_control_chars_stay_on_one_line(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    derm_params_defaults(&p);
    assert_int_equal(derm_params_set_text(&p, must_find("domain.nx"), "1\n2\r3", "f", &err), DERM_ECONFIG);
    assert_null(strchr(err.msg, '\n'));
    assert_null(strchr(err.msg, '\r'));
    char longtext[300];
    memset(longtext, '9', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    longtext[0] = 'x';
    assert_int_equal(derm_params_set_text(&p, must_find("domain.nx"), longtext, "f", &err), DERM_ECONFIG);
    assert_contains(err.msg, "...' is not an integer");
    assert_true(strlen(err.msg) < 200);
}

/* ---- lookup and suggestions ------------------------------------------------------------- */

static void test_find_and_sections(void **state)
{
    (void)state;
    assert_non_null(derm_params_find("run.seed"));
    assert_non_null(derm_params_find("signals.tgfb.half_life_h"));
    assert_null(derm_params_find("run"));
    assert_null(derm_params_find("run.seed.x"));
    assert_null(derm_params_find(""));
    assert_null(derm_params_find(NULL));

    assert_true(derm_params_is_section("run"));
    assert_true(derm_params_is_section("domain"));
    assert_true(derm_params_is_section("signals"));
    assert_true(derm_params_is_section("signals.tgfb"));
    assert_false(derm_params_is_section("signals.tgf"));
    assert_false(derm_params_is_section("ru"));
    assert_false(derm_params_is_section("run.seed"));
    assert_false(derm_params_is_section(""));
    assert_false(derm_params_is_section(NULL));
}

static void test_suggest(void **state)
{
    (void)state;
    const char *s;
    s = derm_params_suggest("fibroblast.lifspan_years");
    assert_non_null(s);
    assert_string_equal(s, "fibroblast.lifespan_years");
    s = derm_params_suggest("domain.nxx");
    assert_non_null(s);
    assert_string_equal(s, "domain.nx");
    s = derm_params_suggest("fibroblats.lifespan_years"); /* typo in the section */
    assert_non_null(s);
    assert_string_equal(s, "fibroblast.lifespan_years");
    s = derm_params_suggest("domain.seed"); /* right key, wrong section */
    assert_non_null(s);
    assert_string_equal(s, "run.seed");
    s = derm_params_suggest("run.age_end_yrs");
    assert_non_null(s);
    assert_string_equal(s, "run.age_end_years");
    s = derm_params_suggest("signals.tgfb.halflife_h");
    assert_non_null(s);
    assert_string_equal(s, "signals.tgfb.half_life_h");

    assert_null(derm_params_suggest("completely.unrelated_thing"));
    assert_null(derm_params_suggest("qqqq"));
    s = derm_params_suggest("domain.zz"); /* short keys: one edit away still counts */
    assert_non_null(s);
    assert_string_equal(s, "domain.nz");
    assert_null(derm_params_suggest(""));
    assert_null(derm_params_suggest(NULL));

    /* section queries end in '.' and return a path inside the closest section */
    s = derm_params_suggest("fibroblst.");
    assert_non_null(s);
    assert_int_equal(strncmp(s, "fibroblast.", 11), 0);
    s = derm_params_suggest("domian.");
    assert_non_null(s);
    assert_int_equal(strncmp(s, "domain.", 7), 0);
    s = derm_params_suggest("signals.tgfbb.");
    assert_non_null(s);
    assert_int_equal(strncmp(s, "signals.tgfb.", 13), 0);
    assert_null(derm_params_suggest("qqqqqqqq."));
}

/* ---- formatting ------------------------------------------------------------------------- */

static void test_format(void **state)
{
    (void)state;
    struct derm_params p;
    char buf[128];
    derm_params_defaults(&p);
    const struct derm_param_desc *age = must_find("run.age_start_years");
    derm_params_format(&p, age, buf, sizeof buf);
    assert_string_equal(buf, "25.0");

    static const struct {
        double v;
        const char *text;
    } cases[] = {{1e-5, "1.0e-05"},
                 {0.1, "0.1"},
                 {1e20, "1.0e+20"},
                 {-0.0, "-0.0"},
                 {2.5e-7, "2.5e-07"},
                 {123456.0, "123456.0"},
                 {1.0 / 3.0, "0.3333333333333333"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p.run_age_start_years = cases[i].v;
        derm_params_format(&p, age, buf, sizeof buf);
        assert_string_equal(buf, cases[i].text);
    }
    /* exact round trip over many magnitudes */
    double v = 1.2345678901234567e-12;
    for (int i = 0; i < 200; i++, v *= -3.7) {
        p.run_age_start_years = v;
        derm_params_format(&p, age, buf, sizeof buf);
        assert_true(strtod(buf, NULL) == v);
        assert_non_null(strchr(buf, '.'));
    }

    p.domain_nx = 4096;
    derm_params_format(&p, must_find("domain.nx"), buf, sizeof buf);
    assert_string_equal(buf, "4096");
    p.run_seed = INT64_C(9000000000000000001);
    derm_params_format(&p, must_find("run.seed"), buf, sizeof buf);
    assert_string_equal(buf, "9000000000000000001");
    p.output_write_agents = 0;
    derm_params_format(&p, must_find("output.write_agents"), buf, sizeof buf);
    assert_string_equal(buf, "false");
    p.output_write_agents = 1;
    derm_params_format(&p, must_find("output.write_agents"), buf, sizeof buf);
    assert_string_equal(buf, "true");
    p.subject_sex = DERM_SEX_MALE;
    derm_params_format(&p, must_find("subject.sex"), buf, sizeof buf);
    assert_string_equal(buf, "male");
    p.domain_bottom_boundary = DERM_BOTTOM_NOFLUX;
    derm_params_format(&p, must_find("domain.bottom_boundary"), buf, sizeof buf);
    assert_string_equal(buf, "noflux");
}

/* ---- cross-checks ----------------------------------------------------------------------- */

static struct derm_param_origin *new_origins(void)
{
    struct derm_param_origin *o = calloc(derm_params_count(), sizeof *o);
    assert_non_null(o);
    return o;
}

static void set_origin(struct derm_param_origin *o, const char *path, const char *where)
{
    snprintf(o[must_find(path) - derm_params_table()].where, DERM_WHERE_MAX, "%s", where);
}

static void test_validate_ages(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    struct derm_param_origin *o = new_origins();
    derm_params_defaults(&p);

    p.run_age_end_years = 20;
    set_origin(o, "run.age_end_years", "cfg.yaml:4:18");
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_ECONFIG);
    assert_string_equal(err.msg, "cfg.yaml:4:18: key 'run.age_end_years': 20.0 is not after "
                                 "run.age_start_years (25.0); expected a value > 25.0");

    /* equal ages are not a run */
    p.run_age_end_years = 25;
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_ECONFIG);
    assert_contains(err.msg, "is not after");

    /* only the start was set: cite it */
    memset(o, 0, derm_params_count() * sizeof *o);
    set_origin(o, "run.age_start_years", "c.yaml:2:3");
    p.run_age_start_years = 80;
    p.run_age_end_years = 75;
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_ECONFIG);
    assert_contains(err.msg, "c.yaml:2:3: key 'run.age_start_years': 80.0 is not before "
                             "run.age_end_years (75.0)");

    /* no origins at all */
    assert_int_equal(derm_params_validate(&p, NULL, &err), DERM_ECONFIG);
    assert_int_equal(strncmp(err.msg, "<default>: ", 11), 0);

    p.run_age_start_years = 25;
    p.run_age_end_years = 25.1;
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_OK);
    free(o);
}

static void test_validate_hrt(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    struct derm_param_origin *o = new_origins();
    derm_params_defaults(&p); /* run 25..75 */

    p.subject_hrt_start_years = 80;
    p.subject_hrt_end_years = 85;
    set_origin(o, "subject.hrt_start_years", "h.yaml:6:3");
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_ECONFIG);
    assert_contains(err.msg, "h.yaml:6:3: key 'subject.hrt_start_years': hormone therapy from "
                             "80.0 to 85.0 years lies outside the run (ages 25.0 to 75.0)");
    p.subject_hrt_start_years = 10;
    p.subject_hrt_end_years = 25; /* ends exactly when the run starts: no overlap */
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_ECONFIG);

    p.subject_hrt_end_years = 30; /* overlaps */
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_OK);
    p.subject_hrt_start_years = 50;
    p.subject_hrt_end_years = 55;
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_OK);
    /* end <= start means no therapy, wherever it lies */
    p.subject_hrt_start_years = 100;
    p.subject_hrt_end_years = 90;
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_OK);
    free(o);
}

static void test_validate_ranges(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    derm_params_defaults(&p);
    /* members written directly, bypassing set_text, are still checked */
    p.domain_nz = 1;
    assert_int_equal(derm_params_validate(&p, NULL, &err), DERM_ECONFIG);
    assert_contains(err.msg, "<default>: key 'domain.nz': '1' is out of range; expected an integer in [2, 4096]");
    derm_params_defaults(&p);
    p.ecm_mmp1_share = NAN;
    assert_int_equal(derm_params_validate(&p, NULL, &err), DERM_ECONFIG);
    assert_contains(err.msg, "key 'ecm.mmp1_share': '.nan' is not a finite number");
    derm_params_defaults(&p);
    p.output_series_interval_days = -1;
    assert_int_equal(derm_params_validate(&p, NULL, &err), DERM_ECONFIG);
    assert_contains(err.msg, "output.series_interval_days");
}

static void test_validate_grid_memory(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_err err;
    struct derm_param_origin *o = new_origins();
    derm_params_defaults(&p);

    /* the estimate is the documented closed form: with every signal on the voxel grid, the
     * fields, 6 scratch arrays (and 4 bytes of a float32 frame when frames are written
     * uncompressed); per signal a source, and for the 8 that diffuse (ROS does not) their multipliers; one
     * transform buffer; the agents (208 B) and their bins (32 B), nothing per voxel; a frame's
     * chunk buffers, two per thread (here one thread, the whole frame of a field in a chunk);
     * per thread the deposits' ring: the crowding radius of 30 um is r = 2 voxels of 20 um,
     * so 5 + 1 layers of 16 x 16 and a row of 16 values (8 B each: 12416 B, a multiple of 64),
     * a row of 16 sums (8 B) and 16 flags */
    double nvox = 16.0 * 16 * 32, vol = nvox * 0.02 * 0.02 * 0.02;
    double agents = 1.2e4 * 2.0 * vol * 2 * (208 + 32), ring = (6.0 * 256 + 16) * 8 + 16 * 8 + 16;
    assert_true(p.fibroblast_crowding_radius_um == 30.0 && p.domain_voxel_um == 20.0);
    p.domain_signal_voxel_ratio = 0;
    p.run_threads = 1;
    double expect =
        nvox * 8 * (DERM_NFIELDS + 6 + DERM_NSIGNAL + (DERM_NSIGNAL - 1) + 1) + agents + 2.0 * 1.01 * 4.0 * nvox + ring;
    assert_true(p.output_compression > 0);
    assert_true(fabs(derm_params_memory_estimate(&p, DERM_MEM_ALL) - expect) <= 1e-9 * expect);
    p.output_compression = 0; /* frames written whole: their float32 buffer */
    assert_true(fabs(derm_params_memory_estimate(&p, DERM_MEM_ALL) - (expect + 4.0 * nvox)) <= 1e-9 * expect);
    p.output_compression = 4;
    p.output_write_fields = 0; /* no frames of fields: no chunk buffers */
    assert_true(fabs(derm_params_memory_estimate(&p, DERM_MEM_ALL) - (expect - 2.0 * 1.01 * 4.0 * nvox)) <=
                1e-9 * expect);
    p.output_write_fields = 1;
    p.run_threads = 3; /* two more threads: four more chunks and two more rings */
    const double three = expect + 4.0 * 1.01 * 4.0 * nvox + 2.0 * ring;
    assert_true(fabs(derm_params_memory_estimate(&p, DERM_MEM_ALL) - three) <= 1e-9 * expect);
    p.fibroblast_crowding_radius_um = 0; /* no spreading: no ring */
    assert_true(fabs(derm_params_memory_estimate(&p, DERM_MEM_ALL) - (three - 3.0 * ring)) <= 1e-9 * expect);
    p.fibroblast_crowding_radius_um = 30;
    /* on coarser grids (the default): less (a coarse signal has no voxel-grid field), but never
     * below the matrix and state fields and the scratch */
    derm_params_defaults(&p);
    assert_true(p.domain_signal_voxel_ratio == 0.125);
    p.run_threads = 1; /* as above (0 would count every processor of the machine) */
    const double coarse = derm_params_memory_estimate(&p, DERM_MEM_ALL);
    assert_true(coarse < expect - nvox * 8 * 8);
    assert_true(coarse > nvox * 8 * (DERM_NMATRIX + DERM_NSTATE + 6) + agents);

    /* a run whose schedule delivers no UV never allocates its UV records, the elastotic
     * deposit or the crowding at every voxel: five arrays less;
     * one without exosomes (a signal on the voxel grid here) neither their field nor their
     * source: two less; neither when no signal is coarse (every source written in place) */
    const double arr = (double)sizeof(derm_real) * nvox;
    assert_true(fabs(derm_params_memory_estimate(&p, DERM_MEM_EXOSOMES) - (coarse - 5.0 * arr)) <= 1e-9 * coarse);
    assert_true(fabs(derm_params_memory_estimate(&p, DERM_MEM_UV) - (coarse - 2.0 * arr)) <= 1e-9 * coarse);
    assert_true(fabs(derm_params_memory_estimate(&p, 0) - (coarse - 7.0 * arr)) <= 1e-9 * coarse);
    p.domain_signal_voxel_ratio = 0;
    assert_true(fabs(derm_params_memory_estimate(&p, DERM_MEM_UV) - derm_params_memory_estimate(&p, DERM_MEM_ALL)) <=
                1e-9 * coarse);
    p.domain_signal_voxel_ratio = 0.125;

    p.domain_nx = p.domain_ny = p.domain_nz = 4096;
    set_origin(o, "domain.nx", "big.yaml:3:3");
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_OK); /* addressable: memory is checked apart */
    assert_int_equal(derm_params_check_memory(&p, o, DERM_MEM_EXOSOMES, &err), DERM_ECONFIG);
    assert_int_equal(strncmp(err.msg, "big.yaml:3:3: key 'domain.nx': grid 4096 x 4096 x 4096", 54), 0);
    assert_contains(err.msg, "GiB but only");
    assert_contains(err.msg, "domain.voxel_um");
    assert_true(derm_params_memory_estimate(&p, DERM_MEM_ALL) > 2e13);

    /* a modest grid passes */
    p.domain_nx = p.domain_ny = 8;
    p.domain_nz = 8;
    assert_int_equal(derm_params_validate(&p, o, &err), DERM_OK);
    assert_int_equal(derm_params_check_memory(&p, o, DERM_MEM_ALL, &err), DERM_OK);
    free(o);
}

/* ---- output ----------------------------------------------------------------------------- */

static char *slurp(FILE *f)
{
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    return s;
}

static void test_print_table(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    derm_params_print_table(f);
    char *s = slurp(f);
    fclose(f);
    const struct derm_param_desc *t = derm_params_table();
    for (size_t i = 0; i < derm_params_count(); i++) assert_contains(s, t[i].path);
    assert_contains(s, "[run]\n");
    assert_contains(s, "[signals]\n");
    assert_contains(s, "one of: female, male");
    /* descriptions are wrapped: no description line (indented 6) is wider than 92 */
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, "      ", 6) == 0) assert_true(strlen(line) <= 92);
    free(s);
}

/* ---- rows generated from the signal registry and constants moved into the table ------ */

/* Three rows per signal of DERM_SIGNALS (store/fields.h), with the registry's defaults,
 * stored in p.signal[id]. */
static void test_signal_rows_from_registry(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        double D, hl, lvl;
    } reg[DERM_NSIGNAL] = {
#define X_REG(id, name, ln, D, hl, lvl, src) [DERM_S_##id] = {name, D, hl, lvl},
        DERM_SIGNALS(X_REG)
#undef X_REG
    };
    struct derm_params p;
    derm_params_defaults(&p);
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        const char *keys[3] = {"diffusion_um2_per_s", "half_life_h", "young_level"};
        const double defs[3] = {reg[q].D, reg[q].hl, reg[q].lvl};
        double *members[3] = {&p.signal[q].diffusion_um2_per_s, &p.signal[q].half_life_h, &p.signal[q].young_level};
        char section[64];
        snprintf(section, sizeof section, "signals.%s", reg[q].name);
        assert_true(derm_params_is_section(section));
        for (int k = 0; k < 3; k++) {
            char path[96];
            snprintf(path, sizeof path, "signals.%s.%s", reg[q].name, keys[k]);
            const struct derm_param_desc *d = derm_params_find(path);
            if (!d) fail_msg("no parameter %s", path);
            assert_int_equal(d->type, DERM_PT_REAL);
            assert_true(d->def == defs[k]);
            assert_true(*members[k] == defs[k]);
            /* the row writes the member of its own signal */
            struct derm_err err = {0};
            assert_int_equal(derm_params_set_text(&p, d, "0.125", "t", &err), DERM_OK);
            assert_true(*members[k] == 0.125);
            assert_true(derm_params_get(&p, d) == 0.125);
            *members[k] = defs[k];
        }
    }
    /* nothing else in the table points into the signal array */
    const size_t lo = offsetof(struct derm_params, signal), hi = lo + sizeof p.signal;
    size_t inside = 0;
    for (size_t i = 0; i < derm_params_count(); i++)
        inside += derm_params_table()[i].offset >= lo && derm_params_table()[i].offset < hi;
    assert_int_equal(inside, 3 * DERM_NSIGNAL);
}

/* Constants that were literals in the code before the restructuring are table rows with
 * the old values as defaults. */
static void test_constants_are_rows(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        double def;
    } rows[] = {
        {"uv.med_sed.type_1", 2.0},           {"uv.med_sed.type_2", 2.5},
        {"uv.med_sed.type_3", 3.5},           {"uv.med_sed.type_4", 4.5},
        {"uv.med_sed.type_5", 6.0},           {"uv.med_sed.type_6", 10.0},
        {"uv.reference_uva_uvb_ratio", 20.0}, {"glycation.reference_glucose_mM", 5.0},
        {"ecm.ha_ros_weight", 0.5},
    };
    struct derm_params p;
    derm_params_defaults(&p);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const struct derm_param_desc *d = derm_params_find(rows[i].path);
        if (!d) fail_msg("no parameter %s", rows[i].path);
        if (derm_params_get(&p, d) != rows[i].def)
            fail_msg("%s defaults to %g, was %g", rows[i].path, derm_params_get(&p, d), rows[i].def);
    }
    /* 6 sources x 5 effects of exosome emphasis */
    size_t nexo = 0;
    for (size_t i = 0; i < derm_params_count(); i++)
        nexo += strncmp(derm_params_table()[i].path, "exosome_source.", 15) == 0;
    assert_int_equal(nexo, 30);
    assert_true(derm_params_is_section("exosome_source"));
    assert_true(derm_params_is_section("exosome_source.umbilical_cord"));
    assert_true(derm_params_is_section("uv.med_sed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_well_formed),
        cmocka_unit_test(test_defaults_in_range),
        cmocka_unit_test(test_defaults_validate),
        cmocka_unit_test(test_set_text_real),
        cmocka_unit_test(test_set_text_int),
        cmocka_unit_test(test_set_text_bool),
        cmocka_unit_test(test_set_text_enum),
        cmocka_unit_test(test_set_text_control_chars_stay_on_one_line),
        cmocka_unit_test(test_find_and_sections),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_validate_ages),
        cmocka_unit_test(test_validate_hrt),
        cmocka_unit_test(test_validate_ranges),
        cmocka_unit_test(test_validate_grid_memory),
        cmocka_unit_test(test_print_table),
        cmocka_unit_test(test_signal_rows_from_registry),
        cmocka_unit_test(test_constants_are_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
