/* test_desc.c - core/desc: typed members of a plain struct described by descriptors.
 *
 * On a small table of this file's own (one member of each type), independent of the
 * parameter and schedule tables: parsing text with type and range checks and the exact
 * one-line messages "<where>: key '<path>': '<text>' <problem>; expected <form>"; storing and
 * reading members; the expected forms; YAML-safe formatting (floats always carry '.', the
 * shortest text that reads back exactly, enums by name); the `dermsim params` row (a REAL
 * below its range prints "none"); the Levenshtein distance, the suggestion threshold and the
 * one "did you mean" rule.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/desc.h"

struct demo {
    double len;
    int64_t count;
    int on;
    int mode;
};

static const struct derm_param_desc T[] = {
    {"box.len", DERM_PT_REAL, "um", 1.5, 0, 10, "", "length of the box", offsetof(struct demo, len)},
    {"box.count", DERM_PT_INT, "1", 3, 1, 100, "", "how many", offsetof(struct demo, count)},
    {"box.on", DERM_PT_BOOL, "", 0, 0, 1, "", "switch", offsetof(struct demo, on)},
    {"box.mode", DERM_PT_ENUM, "1", 0, 0, 2, "noflux|vascular|mixed", "bottom boundary", offsetof(struct demo, mode)},
};
enum { LEN, COUNT, ON, MODE };

static void expect_ok(struct demo *d, int k, const char *text)
{
    struct derm_err err = {0};
    if (derm_desc_set_text(d, &T[k], text, "t.yaml:1:2", &err) != DERM_OK) fail_msg("'%s': %s", text, err.msg);
}

static void expect_msg(struct demo *d, int k, const char *text, const char *msg)
{
    struct demo before = *d;
    struct derm_err err = {0};
    assert_int_equal(derm_desc_set_text(d, &T[k], text, "t.yaml:1:2", &err), DERM_ECONFIG);
    assert_int_equal(err.code, DERM_ECONFIG);
    if (strcmp(err.msg, msg) != 0) fail_msg("'%s' gave\n  %s\nexpected\n  %s", text, err.msg, msg);
    assert_memory_equal(&before, d, sizeof before); /* nothing stored */
}

static void test_set_text_types_and_ranges(void **state)
{
    (void)state;
    struct demo d = {0};
    expect_ok(&d, LEN, "2.25");
    assert_true(d.len == 2.25);
    expect_ok(&d, LEN, "1e-3");
    assert_true(d.len == 1e-3);
    expect_ok(&d, LEN, "10");
    assert_true(d.len == 10.0);
    expect_msg(&d, LEN, "10.5", "t.yaml:1:2: key 'box.len': '10.5' is out of range; expected a number in [0, 10] um");
    expect_msg(&d, LEN, "abc", "t.yaml:1:2: key 'box.len': 'abc' is not a number; expected a number in [0, 10] um");
    expect_msg(&d, LEN, " 2", "t.yaml:1:2: key 'box.len': ' 2' is not a number; expected a number in [0, 10] um");
    expect_msg(&d, LEN, ".inf",
               "t.yaml:1:2: key 'box.len': '.inf' is not a finite number; expected a number in [0, 10] um");
    expect_msg(&d, LEN, "", "t.yaml:1:2: key 'box.len': missing value; expected a number in [0, 10] um");
    expect_ok(&d, COUNT, "42");
    assert_int_equal(d.count, 42);
    expect_ok(&d, COUNT, "1e1"); /* an integer written as a float */
    assert_int_equal(d.count, 10);
    expect_ok(&d, COUNT, "16.0");
    assert_int_equal(d.count, 16);
    expect_msg(&d, COUNT, "16.5",
               "t.yaml:1:2: key 'box.count': '16.5' is not an integer; expected an integer in [1, 100]");
    expect_msg(&d, COUNT, "0", "t.yaml:1:2: key 'box.count': '0' is out of range; expected an integer in [1, 100]");
    expect_msg(&d, COUNT, "99999999999999999999",
               "t.yaml:1:2: key 'box.count': '99999999999999999999' is out of range; expected an integer in [1, 100]");
    const char *yes[] = {"true", "Yes", "ON", "1"}, *no[] = {"false", "no", "Off", "0"};
    for (int i = 0; i < 4; i++) {
        expect_ok(&d, ON, yes[i]);
        assert_int_equal(d.on, 1);
        expect_ok(&d, ON, no[i]);
        assert_int_equal(d.on, 0);
    }
    expect_msg(
        &d, ON, "maybe",
        "t.yaml:1:2: key 'box.on': 'maybe' is not a boolean; expected a boolean (true/false, yes/no, on/off or 1/0)");
    expect_ok(&d, MODE, "mixed");
    assert_int_equal(d.mode, 2);
    expect_ok(&d, MODE, "noflux");
    assert_int_equal(d.mode, 0);
    expect_msg(&d, MODE, "Vascular",
               "t.yaml:1:2: key 'box.mode': 'Vascular' is not a valid choice (choices are case-sensitive); expected "
               "one of: noflux, vascular, mixed");
    expect_msg(&d, MODE, "sink",
               "t.yaml:1:2: key 'box.mode': 'sink' is not a valid choice; expected one of: noflux, vascular, mixed");
    /* a long or control-character value is quoted safely on one line */
    struct derm_err err = {0};
    assert_int_equal(derm_desc_set_text(&d, &T[LEN], "1\n2", "w", &err), DERM_ECONFIG);
    assert_null(strchr(err.msg, '\n'));
    char longv[200];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    assert_int_equal(derm_desc_set_text(&d, &T[LEN], longv, "w", &err), DERM_ECONFIG);
    assert_non_null(strstr(err.msg, "...'"));
    /* no place given: "<default>" */
    assert_int_equal(derm_desc_set_text(&d, &T[LEN], "x", NULL, &err), DERM_ECONFIG);
    assert_int_equal(strncmp(err.msg, "<default>: key 'box.len'", 24), 0);
}

static void test_store_get_range_and_forms(void **state)
{
    (void)state;
    struct demo d = {0};
    derm_desc_store(&d, &T[LEN], 7.5);
    derm_desc_store(&d, &T[COUNT], 12.0);
    derm_desc_store(&d, &T[ON], 1.0);
    derm_desc_store(&d, &T[MODE], 1.0);
    assert_true(d.len == 7.5 && d.count == 12 && d.on == 1 && d.mode == 1);
    assert_true(derm_desc_get(&d, &T[LEN]) == 7.5);
    assert_true(derm_desc_get(&d, &T[COUNT]) == 12.0);
    assert_true(derm_desc_get(&d, &T[ON]) == 1.0);
    assert_true(derm_desc_get(&d, &T[MODE]) == 1.0);
    assert_true(derm_desc_in_range(&T[LEN], 0.0) && derm_desc_in_range(&T[LEN], 10.0));
    assert_false(derm_desc_in_range(&T[LEN], -1e-300) || derm_desc_in_range(&T[LEN], 10.000001));
    assert_false(derm_desc_in_range(&T[LEN], NAN));
    char buf[256];
    derm_desc_expected_form(&T[LEN], buf, sizeof buf);
    assert_string_equal(buf, "a number in [0, 10] um");
    derm_desc_expected_form(&T[COUNT], buf, sizeof buf);
    assert_string_equal(buf, "an integer in [1, 100]"); /* units "1" are not shown */
    derm_desc_expected_form(&T[MODE], buf, sizeof buf);
    assert_string_equal(buf, "one of: noflux, vascular, mixed");
    struct derm_err err = {0};
    assert_int_equal(derm_desc_value_error(&err, "--set", &T[COUNT], "7x", "is odd"), DERM_ECONFIG);
    assert_string_equal(err.msg, "--set: key 'box.count': '7x' is odd; expected an integer in [1, 100]");
}

static void test_format_yaml_safe_and_exact(void **state)
{
    (void)state;
    struct demo d = {0};
    char buf[64];
    const double vals[] = {25.0, 1e-5, 0.1, 2.5, 1e20, 123456789.0, 0.3333333333333333, 6.02214076e23, 0.0, -4.0};
    const char *want[] = {"25.0", "1.0e-05", "0.1", "2.5", "1.0e+20", "123456789.0", NULL, NULL, "0.0", "-4.0"};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        d.len = vals[i];
        derm_desc_format(&d, &T[LEN], buf, sizeof buf);
        if (want[i] && strcmp(buf, want[i]) != 0)
            fail_msg("%.17g formatted as '%s', expected '%s'", vals[i], buf, want[i]);
        assert_non_null(strchr(buf, '.')); /* a float to YAML 1.1 readers */
        assert_true(strtod(buf, NULL) == vals[i]);
    }
    /* the shortest exact text for many values */
    uint64_t s = 99;
    for (int q = 0; q < 2000; q++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = ldexp((double)(s >> 11), (int)(s % 80) - 90);
        d.len = v;
        derm_desc_format(&d, &T[LEN], buf, sizeof buf);
        if (strtod(buf, NULL) != v) fail_msg("%.17g formatted as '%s'", v, buf);
        assert_non_null(strchr(buf, '.'));
    }
    d.count = -7;
    derm_desc_format(&d, &T[COUNT], buf, sizeof buf);
    assert_string_equal(buf, "-7");
    d.on = 1;
    derm_desc_format(&d, &T[ON], buf, sizeof buf);
    assert_string_equal(buf, "true");
    d.mode = 2;
    derm_desc_format(&d, &T[MODE], buf, sizeof buf);
    assert_string_equal(buf, "mixed");
    /* formatted text parses back to the same member */
    struct demo back = {0};
    d.len = 0.1 + 0.2;
    d.count = 42;
    for (int k = 0; k < 4; k++) {
        derm_desc_format(&d, &T[k], buf, sizeof buf);
        expect_ok(&back, k, buf);
        assert_true(derm_desc_get(&back, &T[k]) == derm_desc_get(&d, &T[k]));
    }
}

static void test_print_row(void **state)
{
    (void)state;
    struct demo d = {1.5, 3, 0, 1};
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    derm_desc_print(fp, &d, &T[LEN], NULL);
    derm_desc_print(fp, &d, &T[MODE], "schedule.x.mode");
    d.len = -1.0; /* below the range: "not given" */
    derm_desc_print(fp, &d, &T[LEN], NULL);
    fclose(fp);
    assert_non_null(strstr(text, "  box.len "));
    assert_non_null(strstr(text, "default 1.5"));
    assert_non_null(strstr(text, "[0, 10]"));
    assert_non_null(strstr(text, "      length of the box\n"));
    assert_non_null(strstr(text, "  schedule.x.mode "));
    assert_non_null(strstr(text, "default vascular"));
    assert_non_null(strstr(text, "one of: noflux, vascular, mixed"));
    assert_non_null(strstr(text, "default none"));
    free(text);
}

static void test_distance_and_suggestions(void **state)
{
    (void)state;
    assert_int_equal(derm_desc_distance("kitten", 6, "sitting", 7), 3);
    assert_int_equal(derm_desc_distance("sitting", 7, "kitten", 6), 3);
    assert_int_equal(derm_desc_distance("", 0, "abc", 3), 3);
    assert_int_equal(derm_desc_distance("same", 4, "same", 4), 0);
    assert_int_equal(derm_desc_distance("flaw", 4, "lawn", 4), 2);
    /* only the given lengths are compared */
    assert_int_equal(derm_desc_distance("abcdef", 3, "abcxyz", 3), 0);
    assert_int_equal(derm_desc_suggest_threshold(3), 2);
    assert_int_equal(derm_desc_suggest_threshold(9), 3);
    assert_int_equal(derm_desc_suggest_threshold(30), 10);
    const char *const words[] = {"dose", "dose_unit", "from_age", "to_age", "at_age", "every_days"};
    const size_t n = sizeof words / sizeof *words;
    assert_string_equal(derm_desc_suggest_word("dos", words, n), "dose");
    assert_string_equal(derm_desc_suggest_word("dose_units", words, n), "dose_unit");
    assert_string_equal(derm_desc_suggest_word("from_ages", words, n), "from_age");
    assert_string_equal(derm_desc_suggest_word("evry_day", words, n), "every_days");
    /* the first of equally close words wins: "t_age" is one edit from to_age and at_age */
    assert_string_equal(derm_desc_suggest_word("t_age", words, n), "to_age");
    assert_string_equal(derm_desc_suggest_word("xt_age", words, n), "at_age");
    assert_null(derm_desc_suggest_word("completely_different", words, n));
    assert_null(derm_desc_suggest_word("zz", words, n)); /* every word is as far as its length */
    assert_null(derm_desc_suggest_word("", words, n));
    assert_null(derm_desc_suggest_word(NULL, words, n));
    assert_null(derm_desc_suggest_word("dose", words, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_text_types_and_ranges),  cmocka_unit_test(test_store_get_range_and_forms),
        cmocka_unit_test(test_format_yaml_safe_and_exact), cmocka_unit_test(test_print_row),
        cmocka_unit_test(test_distance_and_suggestions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
