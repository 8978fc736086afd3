/* test_config.c - io/config: loading YAML text onto parameters (and the schedule beside
 * them), the origin of every value, each kind of configuration error (status, location,
 * key, expected form), all-or-nothing loading, files, --set overrides, whole-configuration
 * validation, and the YAML written by derm_params_write_yaml reading back to identical
 * values. Schedule entries through the config are tested in test_schedule.c. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "derm/io/config.h"
#include "derm/io/params.h"

#define assert_contains(hay, needle)                                                     \
    do {                                                                                 \
        if (!strstr((hay), (needle))) {                                                  \
            print_error("message \"%s\"\n  does not contain \"%s\"\n", (hay), (needle)); \
            fail();                                                                      \
        }                                                                                \
    } while (0)

static size_t idx_of(const char *path)
{
    const struct derm_param_desc *d = derm_params_find(path);
    if (!d) {
        print_error("no parameter '%s'\n", path);
        fail();
    }
    return (size_t)(d - derm_params_table());
}

/* Member-by-member equality (bitwise, so -0.0 != 0.0 and NaN == NaN; padding ignored). */
static void assert_params_equal(const struct derm_params *a, const struct derm_params *b)
{
    const struct derm_param_desc *t = derm_params_table();
    for (size_t i = 0; i < derm_params_count(); i++) {
        size_t size = (t[i].type == DERM_PT_REAL)  ? sizeof(double)
                      : (t[i].type == DERM_PT_INT) ? sizeof(int64_t)
                                                   : sizeof(int);
        if (memcmp((const char *)a + t[i].offset, (const char *)b + t[i].offset, size) != 0) {
            print_error("%s differs: %.17g vs %.17g\n", t[i].path, derm_params_get(a, &t[i]),
                        derm_params_get(b, &t[i]));
            fail();
        }
    }
}

struct fixture {
    struct derm_params p;
    struct derm_schedule s; /* loaded beside the parameters; stays empty in these tests */
    struct derm_param_origin *o;
    struct derm_err err;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    f->o = calloc(derm_params_count(), sizeof *f->o);
    if (!f->o) return -1;
    derm_params_defaults(&f->p);
    derm_err_clear(&f->err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f->o);
    free(f);
    return 0;
}

/* ---- good configurations ---------------------------------------------------------------- */

static void test_load_good(void **state)
{
    struct fixture *f = *state;
    const char *text = "# a comment\n"
                       "run:\n"
                       "  seed: 42\n"
                       "  age_start_years: 30      # trailing comment\n"
                       "  age_end_years: 40.5\n"
                       "domain: {nx: 8, ny: 4, nz: 6, bottom_boundary: vascular}\n"
                       "subject:\n"
                       "  sex: male\n"
                       "output:\n"
                       "  write_agents: no\n"
                       "signals:\n"
                       "  tgfb:\n"
                       "    half_life_h: 3.5\n"
                       "  gf_systemic_share: 0.25\n"
                       "fibroblast.lifespan_years: 2\n"
                       "stem:\n"
                       "  # every key commented out: an empty section is allowed\n";
    assert_int_equal(derm_config_load_string(text, "good.yaml", &f->p, &f->s, f->o, &f->err), DERM_OK);
    assert_true(f->p.run_seed == 42);
    assert_true(f->p.run_age_start_years == 30.0);
    assert_true(f->p.run_age_end_years == 40.5);
    assert_int_equal(f->p.domain_nx, 8);
    assert_int_equal(f->p.domain_ny, 4);
    assert_int_equal(f->p.domain_nz, 6);
    assert_int_equal(f->p.domain_bottom_boundary, DERM_BOTTOM_VASCULAR);
    assert_int_equal(f->p.subject_sex, DERM_SEX_MALE);
    assert_int_equal(f->p.output_write_agents, 0);
    assert_true(f->p.signal[DERM_S_TGFB].half_life_h == 3.5);
    assert_true(f->p.signals_gf_systemic_share == 0.25);
    assert_true(f->p.fibroblast_lifespan_years == 2.0);
    /* untouched keys keep their defaults */
    assert_true(f->p.run_dt_hours == 168.0);
    assert_int_equal(f->p.output_write_fields, 1);

    /* origins: 1-based line:column of each key */
    assert_string_equal(f->o[idx_of("run.seed")].where, "good.yaml:3:3");
    assert_string_equal(f->o[idx_of("run.age_start_years")].where, "good.yaml:4:3");
    assert_string_equal(f->o[idx_of("domain.nx")].where, "good.yaml:6:10");
    assert_string_equal(f->o[idx_of("domain.bottom_boundary")].where, "good.yaml:6:31");
    assert_string_equal(f->o[idx_of("signals.tgfb.half_life_h")].where, "good.yaml:13:5");
    assert_string_equal(f->o[idx_of("fibroblast.lifespan_years")].where, "good.yaml:15:1");
    assert_string_equal(f->o[idx_of("run.dt_hours")].where, "");
    assert_int_equal(derm_config_validate(&f->p, &f->s, f->o, &f->err), DERM_OK);
    assert_int_equal(f->s.n, 0); /* no schedule section: an empty schedule */
}

static void test_load_on_top_of_existing(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(derm_config_load_string("domain: {nx: 8}\n", "a.yaml", &f->p, &f->s, f->o, &f->err), DERM_OK);
    assert_int_equal(derm_config_load_string("domain: {ny: 5}\n", "b.yaml", &f->p, &f->s, f->o, &f->err), DERM_OK);
    assert_int_equal(f->p.domain_nx, 8);
    assert_int_equal(f->p.domain_ny, 5);
    assert_string_equal(f->o[idx_of("domain.nx")].where, "a.yaml:1:10");
    assert_string_equal(f->o[idx_of("domain.ny")].where, "b.yaml:1:10");
    /* origins may be NULL */
    assert_int_equal(derm_config_load_string("domain: {nz: 7}\n", "c.yaml", &f->p, &f->s, NULL, &f->err), DERM_OK);
    assert_int_equal(f->p.domain_nz, 7);
}

static void test_quoted_and_null_spellings(void **state)
{
    struct fixture *f = *state;
    /* a quoted number is text that still parses; a quoted "null" is not a null */
    assert_int_equal(derm_config_load_string("domain:\n  nx: \"12\"\n", "q.yaml", &f->p, &f->s, f->o, &f->err),
                     DERM_OK);
    assert_int_equal(f->p.domain_nx, 12);
    static const char *const nulls[] = {"run:\n  seed:\n", "run:\n  seed: ~\n", "run:\n  seed: null\n",
                                        "run:\n  seed: NULL\n"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++) {
        assert_int_equal(derm_config_load_string(nulls[i], "n.yaml", &f->p, &f->s, f->o, &f->err), DERM_ECONFIG);
        assert_string_equal(f->err.msg, "n.yaml:2:3: key 'run.seed': missing value; expected an "
                                        "integer in [0, 9.2e+18]");
    }
    assert_int_equal(derm_config_load_string("run:\n  seed: 'null'\n", "n.yaml", &f->p, &f->s, f->o, &f->err),
                     DERM_ECONFIG);
    assert_contains(f->err.msg, "'null' is not an integer");
}

/* ---- errors ----------------------------------------------------------------------------- */

struct bad_case {
    const char *text;
    derm_status status;
    const char *expect[3]; /* substrings the message must contain */
};

static void test_errors(void **state)
{
    struct fixture *f = *state;
    static const struct bad_case cases[] = {
        /* syntax */
        {"run:\n  seed: [1, 2\ndomain:\n  nx: 4\n",
         DERM_ECONFIG,
         {"bad.yaml:3:", "YAML syntax error", "flow sequence"}},
        {"run:\n  seed: 1\n   age_end_years: 30\n", DERM_ECONFIG, {"bad.yaml:3:", "YAML syntax error", NULL}},
        {"run:\n\tseed: 1\n", DERM_ECONFIG, {"bad.yaml:2:", "YAML syntax error", NULL}},
        {"run: {seed: 1\n", DERM_ECONFIG, {"bad.yaml:2:1: YAML syntax error", "flow mapping", NULL}},
        /* unknown keys and sections */
        {"fibroblast:\n  lifspan_years: 2\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: unknown key 'fibroblast.lifspan_years'; did you mean "
          "'fibroblast.lifespan_years'?",
          NULL, NULL}},
        {"fibroblst:\n  lifespan_years: 2\n",
         DERM_ECONFIG,
         {"bad.yaml:1:1: unknown section 'fibroblst'; did you mean 'fibroblast'?", NULL, NULL}},
        {"signals:\n  tgfbb:\n    half_life_h: 2\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: unknown section 'signals.tgfbb'; did you mean 'signals.tgfb'?", NULL, NULL}},
        {"zzzqqqxx:\n  a: 1\n",
         DERM_ECONFIG,
         {"bad.yaml:1:1: unknown section 'zzzqqqxx'; valid sections are: run, output, domain", NULL, NULL}},
        {"run:\n  qqqqqqqqqq: 1\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: unknown key 'run.qqqqqqqqqq'; valid keys in 'run' are: seed, "
          "age_start_years",
          NULL, NULL}},
        /* duplicates */
        {"run:\n  seed: 1\n  seed: 2\n",
         DERM_ECONFIG,
         {"bad.yaml:3:3: duplicate key 'run.seed'; first at 2:3", NULL, NULL}},
        {"run:\n  seed: 1\ndomain:\n  nx: 4\nrun:\n  age_end_years: 30\n",
         DERM_ECONFIG,
         {"bad.yaml:5:1: duplicate key 'run'; first at 1:1", NULL, NULL}},
        {"run.seed: 3\nrun:\n  seed: 4\n",
         DERM_ECONFIG,
         {"bad.yaml:3:3: duplicate key 'run.seed'; first set at 1:1", NULL, NULL}},
        /* wrong node kinds */
        {"domain:\n  nx: [1, 2]\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: key 'domain.nx': found a sequence; expected a scalar", NULL, NULL}},
        {"domain:\n  nx: {a: 1}\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: key 'domain.nx': found a mapping; expected a scalar", NULL, NULL}},
        {"domain: 5\n",
         DERM_ECONFIG,
         {"bad.yaml:1:1: key 'domain' is a section but holds a scalar; expected a mapping", "nx", NULL}},
        {"domain:\n  - nx\n  - ny\n",
         DERM_ECONFIG,
         {"bad.yaml:1:1: key 'domain' is a section but holds a sequence", NULL, NULL}},
        {"? [a, b]\n: 1\n", DERM_ECONFIG, {"bad.yaml:1:3: a key is a sequence", NULL, NULL}},
        /* document shape */
        {"",
         DERM_ECONFIG,
         {"bad.yaml: empty configuration; expected a mapping of sections such as run:, domain:", NULL, NULL}},
        {"# only\n# comments\n\n", DERM_ECONFIG, {"bad.yaml: empty configuration", NULL, NULL}},
        {"---\n", DERM_ECONFIG, {"bad.yaml: empty configuration", NULL, NULL}},
        {"- run\n- domain\n",
         DERM_ECONFIG,
         {"bad.yaml:1:1: top level is a sequence; expected a mapping of sections", NULL, NULL}},
        {"hello\n", DERM_ECONFIG, {"bad.yaml:1:1: top level is a scalar", NULL, NULL}},
        {"run: {seed: 1}\n---\nrun: {seed: 2}\n",
         DERM_ECONFIG,
         {"bad.yaml:2:1: a second YAML document starts here", NULL, NULL}},
        /* values (checked by params.c, located by config.c) */
        {"domain:\n  nx: -4\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: key 'domain.nx': '-4' is out of range; expected an integer in [1, 4096]", NULL, NULL}},
        {"domain:\n  nz: 0\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: key 'domain.nz': '0' is out of range; expected an integer in [2, 4096]", NULL, NULL}},
        {"domain:\n  voxel_um: 12abc\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: key 'domain.voxel_um': '12abc' is not a number", NULL, NULL}},
        {"subject:\n  sex: Female\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: key 'subject.sex': 'Female' is not a valid choice", "expected one of: female, male", NULL}},
        {"run:\n  age_end_years: .nan\n",
         DERM_ECONFIG,
         {"bad.yaml:2:3: key 'run.age_end_years': '.nan' is not a finite number", NULL, NULL}},
        {"domain:\n  nx: \"a\\0b\"\n", DERM_ECONFIG, {"bad.yaml:2:7: a key or value contains a NUL", NULL, NULL}},
        /* a key with a line break stays on one line in the message */
        {"\"run\\nx\": 1\n", DERM_ECONFIG, {"bad.yaml:1:1: unknown key 'run?x'", NULL, NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct derm_params before = f->p;
        derm_err_clear(&f->err);
        derm_status st = derm_config_load_string(cases[i].text, "bad.yaml", &f->p, &f->s, f->o, &f->err);
        if (st != cases[i].status) {
            print_error("case %zu (%s): status %d, expected %d; message: %s\n", i, cases[i].text, (int)st,
                        (int)cases[i].status, f->err.msg);
            fail();
        }
        assert_int_equal(f->err.code, st);
        for (int k = 0; k < 3 && cases[i].expect[k]; k++) assert_contains(f->err.msg, cases[i].expect[k]);
        assert_null(strchr(f->err.msg, '\n'));
        /* nothing was applied */
        assert_params_equal(&before, &f->p);
        assert_int_equal(f->s.n, 0);
        for (size_t j = 0; j < derm_params_count(); j++) assert_string_equal(f->o[j].where, "");
    }
}

static void test_error_leaves_everything_untouched(void **state)
{
    struct fixture *f = *state;
    /* the first keys are valid, the last is not: no partial application */
    const char *text = "domain:\n  nx: 8\n  ny: 8\n  nz: 1\n";
    assert_int_equal(derm_config_load_string(text, "p.yaml", &f->p, &f->s, f->o, &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "p.yaml:4:3: key 'domain.nz'");
    assert_int_equal(f->p.domain_nx, 16);
    assert_int_equal(f->p.domain_ny, 16);
    assert_string_equal(f->o[idx_of("domain.nx")].where, "");
}

static void test_validate_cites_file_location(void **state)
{
    struct fixture *f = *state;
    const char *text = "run:\n  age_start_years: 25\n  age_end_years: 20\n";
    assert_int_equal(derm_config_load_string(text, "cfg.yaml", &f->p, &f->s, f->o, &f->err), DERM_OK);
    assert_int_equal(derm_config_validate(&f->p, &f->s, f->o, &f->err), DERM_ECONFIG);
    assert_string_equal(f->err.msg, "cfg.yaml:3:3: key 'run.age_end_years': 20.0 is not after "
                                    "run.age_start_years (25.0); expected a value > 25.0");
    /* the parameter checks alone give the same message */
    derm_err_clear(&f->err);
    assert_int_equal(derm_params_validate(&f->p, f->o, &f->err), DERM_ECONFIG);
    assert_string_equal(f->err.msg, "cfg.yaml:3:3: key 'run.age_end_years': 20.0 is not after "
                                    "run.age_start_years (25.0); expected a value > 25.0");
}

/* ---- files ------------------------------------------------------------------------------ */

static void test_load_file(void **state)
{
    struct fixture *f = *state;
    char dir[] = "/tmp/derm_test_config_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/cfg.yaml", dir);
    const char *text = "run:\n  seed: 7\ndomain:\n  nx: 4\n";
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);

    char *verbatim = NULL;
    assert_int_equal(derm_config_load(path, &f->p, &f->s, f->o, &verbatim, &f->err), DERM_OK);
    assert_non_null(verbatim);
    assert_string_equal(verbatim, text);
    free(verbatim);
    assert_true(f->p.run_seed == 7);
    char where[600];
    snprintf(where, sizeof where, "%s:4:3", path);
    assert_string_equal(f->o[idx_of("domain.nx")].where, where);

    /* text_out may be NULL */
    assert_int_equal(derm_config_load(path, &f->p, &f->s, f->o, NULL, &f->err), DERM_OK);

    /* errors name the file */
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("domain:\n  nx: 0\n", fp);
    fclose(fp);
    verbatim = (char *)0x1;
    assert_int_equal(derm_config_load(path, &f->p, &f->s, f->o, &verbatim, &f->err), DERM_ECONFIG);
    assert_null(verbatim);
    snprintf(where, sizeof where, "%s:2:3: key 'domain.nx'", path);
    assert_contains(f->err.msg, where);
    remove(path);

    /* missing file */
    assert_int_equal(derm_config_load(path, &f->p, &f->s, f->o, NULL, &f->err), DERM_ECONFIG);
    snprintf(where, sizeof where, "%s: cannot open: No such file or directory", path);
    assert_string_equal(f->err.msg, where);

    /* a directory */
    assert_int_equal(derm_config_load(dir, &f->p, &f->s, f->o, NULL, &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, dir);
    assert_contains(f->err.msg, "cannot");
    rmdir(dir);
}

/* Every error of a file is reported, each located, in file order; nothing is applied. A
 * file over the size limit and brackets nested too deep are refused before libyaml parses
 * them (its scanner is quadratic in flow nesting: 1e5 levels took ~28 s). */
static void test_all_errors_and_limits(void **state)
{
    struct fixture *f = *state;
    char dir[] = "/tmp/derm_test_config_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/many.yaml", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("run:\n  seed: abc\n  age_end_years: -3\ndomain:\n  nq: 3\nbogus: 1\n"
          "schedule:\n  a: {input: uvv, dose: 1}\n  b: 7\n  bad name: {input: uv}\n  c: {input: uv, dos: 1}\n"
          "  a: {input: uv}\n  d: {input: smoking, dose: x}\n",
          fp);
    fclose(fp);
    struct derm_config_report *rep = calloc(1, sizeof *rep);
    assert_non_null(rep);
    struct derm_params before = f->p;
    assert_int_equal(derm_config_load_report(path, &f->p, &f->s, f->o, NULL, rep, &f->err), DERM_ECONFIG);
    assert_int_equal(rep->n, 10);
    assert_int_equal(rep->more, 0);
    /* past a refused entry name (malformed, twice) the next entries are still read */
    const char *where[10] = {":2:3: key 'run.seed'",
                             ":3:3: key 'run.age_end_years'",
                             ":5:3: unknown key 'domain.nq'",
                             ":6:1: unknown key 'bogus'",
                             ":8:7: key 'schedule.a.input'",
                             ":9:3: schedule entry 'b'",
                             ":10:3: schedule entry name 'bad name' is not valid",
                             ":11:18: unknown key 'schedule.c.dos'",
                             ":12:3: duplicate schedule entry 'a'",
                             ":13:23: key 'schedule.d.dose'"};
    for (int i = 0; i < 10; i++) {
        assert_contains(rep->msg[i], path);
        assert_contains(rep->msg[i], where[i]);
    }
    assert_string_equal(f->err.msg, rep->msg[0]);
    assert_params_equal(&before, &f->p);
    assert_int_equal(f->s.n, 0);

    /* more errors than kept: counted */
    fp = fopen(path, "w");
    for (int i = 0; i < DERM_CONFIG_MAX_ERRORS + 5; i++) fprintf(fp, "bogus%d: 1\n", i);
    fclose(fp);
    assert_int_equal(derm_config_load_report(path, &f->p, &f->s, f->o, NULL, rep, &f->err), DERM_ECONFIG);
    assert_int_equal(rep->n, DERM_CONFIG_MAX_ERRORS);
    assert_int_equal(rep->more, 5);

    /* nesting: 64 levels are a (wrong) config, 65 are refused by the pre-scan, fast */
    char *deep = malloc(400000);
    assert_non_null(deep);
    const int depths[3] = {64, 65, 100000};
    for (int t = 0; t < 3; t++) {
        const int depth = depths[t];
        int n = snprintf(deep, 20, "run: ");
        for (int i = 0; i < depth; i++) deep[n++] = '[';
        for (int i = 0; i < depth; i++) deep[n++] = ']';
        deep[n++] = '\n';
        deep[n] = '\0';
        derm_status st = derm_config_load_string(deep, "deep.yaml", &f->p, &f->s, f->o, &f->err);
        assert_int_equal(st, DERM_ECONFIG);
        if (depth == 64)
            assert_contains(f->err.msg, "section but holds a sequence");
        else
            assert_contains(f->err.msg, "deep.yaml:1:70: brackets nested deeper than 64 levels");
    }
    /* brackets inside quotes and comments do not count */
    snprintf(deep, 400000, "run: {seed: 3} # %s\ntitle_like: '%s'\n",
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
             "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{");
    assert_int_equal(derm_config_prescan(deep, strlen(deep), "q.yaml", &f->err), DERM_OK);
    /* an apostrophe inside a plain scalar opens no quote: the brackets after it still count */
    {
        int n = snprintf(deep, 400000, "note: it's\nrun: ");
        for (int i = 0; i < 100; i++) deep[n++] = '[';
        deep[n++] = '\n';
        deep[n] = '\0';
        assert_int_equal(derm_config_prescan(deep, strlen(deep), "q.yaml", &f->err), DERM_ECONFIG);
        assert_contains(f->err.msg, "q.yaml:2:70: brackets nested deeper than 64 levels");
        /* a quoted scalar may span lines; one that starts a value is still skipped */
        snprintf(deep, 400000,
                 "a: 'x\n [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ y'\nb: [1]\n");
        assert_int_equal(derm_config_prescan(deep, strlen(deep), "q.yaml", &f->err), DERM_OK);
    }
    /* size */
    char *big = malloc((1u << 20) + 2);
    assert_non_null(big);
    memset(big, ' ', (1u << 20) + 1);
    big[(1u << 20) + 1] = '\0';
    assert_int_equal(derm_config_prescan(big, strlen(big), "big.yaml", &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "big.yaml: 1048577 bytes; expected a configuration file of at most 1024 KiB");
    free(big);
    free(deep);
    free(rep);
    remove(path);
    rmdir(dir);
}

/* ---- --set ------------------------------------------------------------------------------ */

static void test_apply_set(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "domain.nx=32", &f->err), DERM_OK);
    assert_int_equal(f->p.domain_nx, 32);
    assert_string_equal(f->o[idx_of("domain.nx")].where, "--set 'domain.nx=32'");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "signals.tgfb.half_life_h=0.5", &f->err), DERM_OK);
    assert_true(f->p.signal[DERM_S_TGFB].half_life_h == 0.5);
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, NULL, "subject.sex=male", &f->err), DERM_OK);
    assert_int_equal(f->p.subject_sex, DERM_SEX_MALE);

    struct derm_params before = f->p;
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "domain.nx", &f->err), DERM_ECONFIG);
    /* every message names the argument */
    assert_string_equal(f->err.msg, "--set 'domain.nx': no '='; expected section.key=value, e.g. domain.nx=32");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "=3", &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "--set '=3': no key");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "domain.nq=3", &f->err), DERM_ECONFIG);
    assert_string_equal(f->err.msg, "--set 'domain.nq=3': unknown key 'domain.nq'; did you mean 'domain.nx'?");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "qqqqqq.zzzzzzzz=3", &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "--set 'qqqqqq.zzzzzzzz=3': unknown key 'qqqqqq.zzzzzzzz'");
    assert_contains(f->err.msg, "run, output, domain");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "domain=3", &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "--set 'domain=3': 'domain' is a section");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "domain.nx=abc", &f->err), DERM_ECONFIG);
    assert_string_equal(f->err.msg, "--set 'domain.nx=abc': key 'domain.nx': 'abc' is not an integer; expected an "
                                    "integer in [1, 4096]");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "domain.nx=", &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "missing value");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "domain.nx=5000", &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "out of range");
    assert_params_equal(&before, &f->p);

    /* the value may itself contain '=' (only the first splits) */
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "run.seed=1=2", &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "'1=2' is not an integer");
    /* a number too small to read (it underflows to 0) is no integer; "1e4" still is one */
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "run.seed=1e-400", &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "'1e-400' is not an integer");
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "run.seed=1e4", &f->err), DERM_OK);
    assert_int_equal(f->p.run_seed, 10000);
}

/* A schedule entry's validation names the --set options that made or changed it. */
static void test_apply_set_schedule_messages(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "schedule.g.input=glucose", &f->err), DERM_OK);
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "schedule.g.dose=99", &f->err), DERM_OK);
    assert_int_equal(derm_config_validate_model(&f->p, &f->s, f->o, &f->err), DERM_ECONFIG);
    assert_string_equal(f->err.msg, "--set 'schedule.g.input=glucose', 'schedule.g.dose=99': schedule entry 'g': key "
                                    "'schedule.g.dose': glucose 99 mM is implausible; expected 2-40 mM (HbA1c 3-26 %)");
    /* many --set options of one entry: the record ends in "...", within its room, and nothing
     * beside it changes (the entry's dose) */
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "schedule.g.dose=9.3", &f->err), DERM_OK);
    for (int i = 0; i < 12; i++)
        assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "schedule.g.from_age=30.00", &f->err), DERM_OK);
    const struct derm_schedule_entry *g = derm_schedule_find(&f->s, "g");
    assert_non_null(g);
    assert_true(g->dose == 9.3);
    assert_true(strlen(g->set_arg) < sizeof g->set_arg);
    assert_string_equal(g->set_arg + strlen(g->set_arg) - 3, "...");
    /* an entry of the file changed on the command line: both places */
    memset(&f->s, 0, sizeof f->s);
    assert_int_equal(derm_config_load_string("schedule:\n  sun: {input: uv, dose: 1, from_age: 30}\n", "c.yaml", &f->p,
                                             &f->s, f->o, &f->err),
                     DERM_OK);
    assert_int_equal(derm_config_apply_set(&f->p, &f->s, f->o, "schedule.sun.from_age=99", &f->err), DERM_OK);
    assert_int_equal(derm_config_validate_model(&f->p, &f->s, f->o, &f->err), DERM_ECONFIG);
    assert_contains(f->err.msg, "c.yaml:2:3 (with --set 'schedule.sun.from_age=99'): schedule entry 'sun': starts at "
                                "age 99, outside the run");
}

/* ---- round trip ------------------------------------------------------------------------- */

/* Give every parameter a valid, non-default value with many significant digits. */
static void fill_unusual_values(struct derm_params *p)
{
    const struct derm_param_desc *t = derm_params_table();
    for (size_t i = 0; i < derm_params_count(); i++) {
        const struct derm_param_desc *d = &t[i];
        char text[64];
        double frac = fmod(0.1234567891234567 * (double)(i + 1), 1.0);
        struct derm_err err;
        switch (d->type) {
        case DERM_PT_REAL: {
            double v = d->lo + (d->hi - d->lo) * frac;
            snprintf(text, sizeof text, "%.17g", v);
            break;
        }
        case DERM_PT_INT:
            snprintf(text, sizeof text, "%lld", (long long)floor(d->lo + (d->hi - d->lo) * frac));
            break;
        case DERM_PT_BOOL:
            snprintf(text, sizeof text, "%s", d->def != 0 ? "false" : "true");
            break;
        case DERM_PT_ENUM: { /* the last choice */
            const char *c = strrchr(d->choices, '|');
            snprintf(text, sizeof text, "%s", c ? c + 1 : d->choices);
            break;
        }
        }
        if (derm_params_set_text(p, d, text, "test", &err) != DERM_OK) {
            print_error("%s\n", err.msg);
            fail();
        }
    }
}

static char *write_yaml_string(const struct derm_params *p)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    derm_params_write_yaml(p, fp);
    long n = ftell(fp);
    assert_true(n > 0);
    rewind(fp);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

static void test_write_yaml_round_trip(void **state)
{
    struct fixture *f = *state;
    struct derm_params src, back;
    for (int variant = 0; variant < 2; variant++) {
        derm_params_defaults(&src);
        if (variant) fill_unusual_values(&src);
        char *yaml = write_yaml_string(&src);

        /* load onto a differently-valued set so every key must really be read */
        derm_params_defaults(&back);
        if (!variant) fill_unusual_values(&back);
        memset(f->o, 0, derm_params_count() * sizeof *f->o);
        if (derm_config_load_string(yaml, "resolved.yaml", &back, &f->s, f->o, &f->err) != DERM_OK) {
            print_error("%s\n", f->err.msg);
            fail();
        }
        const struct derm_param_desc *t = derm_params_table();
        for (size_t i = 0; i < derm_params_count(); i++) {
            double a = derm_params_get(&src, &t[i]), b = derm_params_get(&back, &t[i]);
            if (memcmp(&a, &b, sizeof a) != 0) {
                print_error("%s: wrote %.17g, read %.17g\n", t[i].path, a, b);
                fail();
            }
            assert_true(f->o[i].where[0] != '\0'); /* every key is in the file */
        }
        assert_params_equal(&src, &back);

        /* shape: each top-level section exactly once, signals nested two levels, units */
        const char *sections[] = {"\nrun:\n", "\ndomain:\n", "\nsignals:\n", "\nfibroblast:\n"};
        for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
            const char *first = strstr(yaml, sections[k]);
            assert_non_null(first);
            assert_null(strstr(first + 1, sections[k]));
        }
        assert_contains(yaml, "\nsignals:\n  tgfb:\n    diffusion_um2_per_s: ");
        assert_contains(yaml, "# um^2/s\n");
        assert_contains(yaml, "\n  gf_systemic_share: ");
        free(yaml);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_on_top_of_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quoted_and_null_spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_leaves_everything_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_cites_file_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_errors_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_set_schedule_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_yaml_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
