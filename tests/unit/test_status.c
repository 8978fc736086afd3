/* test_status.c - core/status: the error record.
 * - a message wrapped in context with the record's own message as an argument (the pattern
 *   "damaged checkpoint: %s", err->msg) reads the message as it was, once;
 * - a message is one line whatever its arguments held (control characters replaced), and
 *   a long one is cut at the record's size, terminated;
 * - exit codes: 0 success, 2 usage and configuration, 1 runtime, 130 interrupted; every
 *   status has a description.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "derm/core/status.h"

static void test_wrapping_its_own_message(void **state)
{
    (void)state;
    struct derm_err err = {0};
    derm_err_set(&err, DERM_EHDF5, "run.h5: no dataset '%s'", "exosome");
    assert_int_equal(derm_err_set(&err, DERM_ECORRUPT, "damaged checkpoint: %s", err.msg), DERM_ECORRUPT);
    assert_string_equal(err.msg, "damaged checkpoint: run.h5: no dataset 'exosome'");
    assert_int_equal(err.code, DERM_ECORRUPT);
    /* wrapped twice, and with the message in the middle */
    derm_err_set(&err, DERM_EIO, "%s (resume) %s", err.msg, "x");
    assert_string_equal(err.msg, "damaged checkpoint: run.h5: no dataset 'exosome' (resume) x");
    /* nothing but the message and its end is written: what follows stays as it was (a
     * reader that scans the whole record, as the fuzz targets do, finds no stray byte) */
    struct derm_err z = {0};
    derm_err_set(&z, DERM_EIO, "short");
    for (size_t i = strlen(z.msg); i < sizeof z.msg; i++) assert_int_equal(z.msg[i], 0);
}

static void test_one_line_and_bounded(void **state)
{
    (void)state;
    struct derm_err err = {0};
    derm_err_set(&err, DERM_ECONFIG, "a.yaml:1:1: key 'x': '%s'", "two\nlines\tand\x7f");
    assert_string_equal(err.msg, "a.yaml:1:1: key 'x': 'two lines and?'");
    char big[3 * DERM_ERR_MSG_MAX];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    derm_err_set(&err, DERM_EIO, "%s", big);
    assert_int_equal(strlen(err.msg), DERM_ERR_MSG_MAX - 1);
    derm_err_set(&err, DERM_ECORRUPT, "damaged: %s", err.msg); /* a full message wrapped: cut, terminated */
    assert_int_equal(strlen(err.msg), DERM_ERR_MSG_MAX - 1);
    assert_int_equal(strncmp(err.msg, "damaged: aaa", 12), 0);
    assert_int_equal(derm_err_set(NULL, DERM_ENOMEM, "no record"), DERM_ENOMEM);
    derm_err_clear(&err);
    assert_int_equal(err.code, DERM_OK);
    assert_string_equal(err.msg, "");
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(derm_status_exit_code(DERM_OK), 0);
    assert_int_equal(derm_status_exit_code(DERM_EUSAGE), 2);
    assert_int_equal(derm_status_exit_code(DERM_ECONFIG), 2);
    assert_int_equal(derm_status_exit_code(DERM_ECORRUPT), 1);
    assert_int_equal(derm_status_exit_code(DERM_EINTR), 130);
    for (int s = 0; s < DERM_STATUS_COUNT; s++) assert_true(strlen(derm_status_str((derm_status)s)) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrapping_its_own_message),
        cmocka_unit_test(test_one_line_and_bounded),
        cmocka_unit_test(test_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
