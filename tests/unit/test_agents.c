/* test_agents.c - the structure-of-arrays agent store: ids, append, copy, swap-remove, growth.
 *
 * Invariants checked: ids are handed out 1, 2, 3, ... and never reused after removals;
 * an appended row is zero in every column (even when it reuses memory of a removed row)
 * except its lineage key, which is its own id (a founder), with every event clock undrawn
 * (NaN, count 0) and no random-walk window (walk 0, window INT64_MIN);
 * copy_row copies every X-macro column, the event clocks, the walk and the voxel / intent
 * columns; swap-remove moves
 * the last row into the hole and is a no-op out of range; growth through reserve and
 * append keeps every stored value; extend hands out the ids appends would; fini releases and zeroes the store (safe
 * twice). The column list is walked with DERM_AGENT_COLUMNS itself, so a new column is covered without editing this
 * file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/store/agents.h"

/* Append a row (must succeed) and return its index. */
static int64_t append(struct derm_agents *a)
{
    struct derm_err err = {0};
    int64_t r = -1;
    assert_int_equal(derm_agents_append(a, &r, &err), DERM_OK);
    assert_int_equal(err.code, DERM_OK);
    assert_int_equal(r, a->n - 1);
    return r;
}

/* Fill row r with values that encode (r, column number, salt), different per column. */
static void fill_row(struct derm_agents *a, int64_t r, int salt)
{
    int col = 0;
#define X_FILL(name, ctype, kind, units, desc)                                      \
    if (strcmp(#name, "id") != 0) a->name[r] = (ctype)(r * 7 + col * 3 + salt + 1); \
    col++;
    DERM_AGENT_COLUMNS(X_FILL)
#undef X_FILL
    (void)col;
    for (int k = 0; k < DERM_NCLOCK; k++) {
        a->clock[k][r] = 0.25 * (double)(r * 5 + k + salt);
        a->clock_n[k][r] = (int32_t)(r * 13 + k + salt);
    }
    for (int q = 0; q < 3; q++) a->walk[q][r] = -0.5 * (double)(r * 3 + q + salt);
    a->walk_window[r] = r * 17 + salt - 4;
    a->voxel[r] = r * 11 + salt;
    a->divide[r] = (uint8_t)(1 + (r + salt) % 2);
    a->die[r] = (uint8_t)((r + salt) % 2);
}

/* Assert that row r holds exactly what fill_row(expect_r, salt) wrote (id not checked). */
static void check_row(const struct derm_agents *a, int64_t r, int64_t expect_r, int salt)
{
    int col = 0;
#define X_CHECK(name, ctype, kind, units, desc)                                                          \
    if (strcmp(#name, "id") != 0) assert_true(a->name[r] == (ctype)(expect_r * 7 + col * 3 + salt + 1)); \
    col++;
    DERM_AGENT_COLUMNS(X_CHECK)
#undef X_CHECK
    (void)col;
    for (int k = 0; k < DERM_NCLOCK; k++) {
        assert_true(a->clock[k][r] == 0.25 * (double)(expect_r * 5 + k + salt));
        assert_int_equal(a->clock_n[k][r], expect_r * 13 + k + salt);
    }
    for (int q = 0; q < 3; q++) assert_true(a->walk[q][r] == -0.5 * (double)(expect_r * 3 + q + salt));
    assert_int_equal(a->walk_window[r], expect_r * 17 + salt - 4);
    assert_int_equal(a->voxel[r], expect_r * 11 + salt);
    assert_int_equal(a->divide[r], 1 + (expect_r + salt) % 2);
    assert_int_equal(a->die[r], (expect_r + salt) % 2);
}

static void check_row_zero(const struct derm_agents *a, int64_t r)
{
#define X_ZERO(name, ctype, kind, units, desc) \
    if (strcmp(#name, "id") != 0 && strcmp(#name, "lineage") != 0) assert_true(a->name[r] == (ctype)0);
    DERM_AGENT_COLUMNS(X_ZERO)
#undef X_ZERO
    assert_int_equal(a->lineage[r], a->id[r]); /* a founder keys its own random stream */
    for (int k = 0; k < DERM_NCLOCK; k++) {
        assert_true(isnan(a->clock[k][r]));
        assert_int_equal(a->clock_n[k][r], 0);
    }
    for (int q = 0; q < 3; q++) assert_true(a->walk[q][r] == 0.0);
    assert_int_equal(a->walk_window[r], INT64_MIN);
    assert_int_equal(a->voxel[r], 0);
    assert_int_equal(a->divide[r], 0);
    assert_int_equal(a->die[r], 0);
}

static void check_ids_unique(const struct derm_agents *a)
{
    for (int64_t r = 0; r < a->n; r++) {
        assert_true(a->id[r] >= 1 && a->id[r] < a->next_id);
        for (int64_t q = r + 1; q < a->n; q++) assert_true(a->id[r] != a->id[q]);
    }
}

static void test_init_and_fini(void **state)
{
    (void)state;
    struct derm_agents a;
    struct derm_err err = {0};
    assert_int_equal(derm_agents_init(&a, 0, &err), DERM_OK);
    assert_int_equal(a.n, 0);
    assert_true(a.cap >= 16); /* small requests are rounded up */
    assert_int_equal(a.next_id, 1);
    assert_non_null(a.id);
    assert_non_null(a.voxel);
    assert_non_null(a.die);
    derm_agents_fini(&a);
    assert_int_equal(a.n, 0);
    assert_int_equal(a.cap, 0);
    assert_null(a.id);
    assert_null(a.x);
    derm_agents_fini(&a); /* second fini is harmless */
    assert_int_equal(derm_agents_init(&a, 1000, &err), DERM_OK);
    assert_true(a.cap >= 1000);
    derm_agents_fini(&a);
}

static void test_append_ids_and_zero_rows(void **state)
{
    (void)state;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
    for (int64_t q = 0; q < 10; q++) {
        int64_t r = append(&a);
        assert_int_equal(r, q);
        assert_int_equal(a.id[r], q + 1);
        check_row_zero(&a, r);
        fill_row(&a, r, 0);
    }
    assert_int_equal(a.n, 10);
    assert_int_equal(a.next_id, 11);
    /* remove a row, then append: the new row reuses memory that held data but is zero
     * in every column and gets a fresh id */
    derm_agents_swap_remove(&a, 3);
    derm_agents_swap_remove(&a, a.n - 1);
    int64_t r = append(&a);
    assert_int_equal(r, 8);
    assert_int_equal(a.id[r], 11);
    check_row_zero(&a, r);
    derm_agents_fini(&a);
}

static void test_ids_never_reused(void **state)
{
    (void)state;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 16, NULL), DERM_OK);
    int64_t max_seen = 0;
    uint64_t lcg = 12345;
    for (int round = 0; round < 20; round++) {
        int64_t first_new = a.next_id;
        for (int q = 0; q < 50; q++) {
            int64_t r = append(&a);
            assert_true(r >= 0);
            assert_true(a.id[r] > max_seen); /* strictly increasing over the run */
            max_seen = a.id[r];
        }
        assert_int_equal(max_seen, first_new + 49);
        for (int q = 0; q < 30 && a.n > 0; q++) {
            lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
            derm_agents_swap_remove(&a, (int64_t)((lcg >> 33) % (uint64_t)a.n));
        }
        check_ids_unique(&a);
    }
    assert_int_equal(a.n, 20 * 20);
    assert_int_equal(a.next_id, 20 * 50 + 1);
    derm_agents_fini(&a);
}

static void test_copy_row_all_columns(void **state)
{
    (void)state;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
    for (int q = 0; q < 3; q++) fill_row(&a, append(&a), 5);
    int64_t id0 = a.id[0];
    derm_agents_copy_row(&a, 0, 2);
    check_row(&a, 0, 2, 5);
    assert_int_equal(a.id[0], a.id[2]); /* ids included: the caller re-assigns */
    assert_true(a.id[0] != id0);
    check_row(&a, 1, 1, 5);         /* untouched */
    check_row(&a, 2, 2, 5);         /* source unchanged */
    derm_agents_copy_row(&a, 1, 1); /* self-copy is a no-op */
    check_row(&a, 1, 1, 5);
    derm_agents_fini(&a);
}

static void test_swap_remove_semantics(void **state)
{
    (void)state;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
    for (int q = 0; q < 5; q++) fill_row(&a, append(&a), 0);
    /* ids 1..5 in rows 0..4; remove row 1: row 4 moves into it */
    derm_agents_swap_remove(&a, 1);
    assert_int_equal(a.n, 4);
    assert_int_equal(a.id[0], 1);
    assert_int_equal(a.id[1], 5);
    assert_int_equal(a.id[2], 3);
    assert_int_equal(a.id[3], 4);
    check_row(&a, 1, 4, 0);
    check_row(&a, 0, 0, 0);
    /* removing the last row only shrinks */
    derm_agents_swap_remove(&a, 3);
    assert_int_equal(a.n, 3);
    assert_int_equal(a.id[2], 3);
    check_row(&a, 2, 2, 0);
    /* out-of-range rows are ignored */
    derm_agents_swap_remove(&a, -1);
    derm_agents_swap_remove(&a, 3);
    derm_agents_swap_remove(&a, 1000);
    assert_int_equal(a.n, 3);
    /* descending-row removal (as in derm_lifecycle_apply) removes exactly the flagged ids */
    derm_agents_swap_remove(&a, 2);
    derm_agents_swap_remove(&a, 0);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.id[0], 5);
    derm_agents_swap_remove(&a, 0);
    assert_int_equal(a.n, 0);
    derm_agents_swap_remove(&a, 0); /* empty store: no-op */
    assert_int_equal(a.n, 0);
    derm_agents_fini(&a);
}

static void test_growth_keeps_data(void **state)
{
    (void)state;
    struct derm_agents a;
    struct derm_err err = {0};
    assert_int_equal(derm_agents_init(&a, 16, &err), DERM_OK);
    for (int q = 0; q < 20; q++) fill_row(&a, append(&a), 9); /* one growth */
    assert_true(a.cap >= 20);
    assert_int_equal(derm_agents_reserve(&a, 10000, &err), DERM_OK);
    assert_true(a.cap >= a.n + 10000);
    for (int64_t r = 0; r < 20; r++) {
        check_row(&a, r, r, 9);
        assert_int_equal(a.id[r], r + 1);
    }
    /* reserve within capacity does not shrink or move anything */
    int64_t cap = a.cap;
    double *x = a.x;
    assert_int_equal(derm_agents_reserve(&a, 5, &err), DERM_OK);
    assert_int_equal(a.cap, cap);
    assert_ptr_equal(a.x, x);
    assert_int_equal(derm_agents_reserve(&a, 0, &err), DERM_OK);
    assert_int_equal(a.cap, cap);
    /* many appends through several growths keep every row */
    for (int q = 20; q < 30000; q++) fill_row(&a, append(&a), 9);
    assert_int_equal(a.n, 30000);
    for (int64_t r = 0; r < a.n; r += 997) {
        check_row(&a, r, r, 9);
        assert_int_equal(a.id[r], r + 1);
    }
    check_row(&a, a.n - 1, a.n - 1, 9);
    assert_int_equal(err.code, DERM_OK);
    derm_agents_fini(&a);
}

/* extend: count rows at the end with the ids (and founder keys) count appends would give,
 * growing the store; zero rows is a no-op. */
static void test_extend_ids(void **state)
{
    (void)state;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 2, NULL), DERM_OK);
    int64_t r = -1, r0 = -1;
    assert_int_equal(derm_agents_append(&a, &r, NULL), DERM_OK);
    assert_int_equal(derm_agents_extend(&a, 5, &r0, NULL), DERM_OK);
    assert_int_equal(r0, 1);
    assert_int_equal(a.n, 6);
    assert_true(a.cap >= 6);
    for (int64_t q = 0; q < 6; q++) {
        assert_int_equal(a.id[q], q + 1);
        assert_int_equal(a.lineage[q], q + 1);
    }
    assert_int_equal(derm_agents_extend(&a, 0, &r0, NULL), DERM_OK);
    assert_int_equal(r0, 6);
    assert_int_equal(a.n, 6);
    assert_int_equal(derm_agents_append(&a, &r, NULL), DERM_OK);
    assert_int_equal(a.id[r], 7);
    derm_agents_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_fini),
        cmocka_unit_test(test_append_ids_and_zero_rows),
        cmocka_unit_test(test_ids_never_reused),
        cmocka_unit_test(test_copy_row_all_columns),
        cmocka_unit_test(test_swap_remove_semantics),
        cmocka_unit_test(test_growth_keeps_data),
        cmocka_unit_test(test_extend_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
