/* test_clock.c - model/clock: per-agent event clocks and the race between them.
 *
 * Checks: derm_clock_left draws the threshold -log(U) keyed by (seed, lineage key, count of
 * such events, DERM_RNG_CLOCK + kind, slot 0) on first use only and then keeps it; it does
 * not depend on the agent's id or row, only on its lineage key; derm_clock_race picks the
 * clock that runs out first (clock / hazard smallest), reports that time, renews the winner
 * (NaN, count + 1) and advances every other running clock by hazard x time exactly (closed
 * form, 1e-15 relative); a clock with zero hazard is neither drawn nor advanced; when nothing
 * fires within the span every running clock is advanced by hazard x span and -1 is returned;
 * consecutive races over pieces of a span fire at the same times as one race over the whole
 * span (the events do not depend on how time is cut into steps); over many agents the first
 * event time of a single clock is exponential with the hazard (mean 1/h) and the winner of
 * two is kind i with probability h_i / (h_1 + h_2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/rng.h"
#include "derm/model/clock.h"
#include "derm/store/agents.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

static int64_t add(struct derm_agents *a)
{
    int64_t r = -1;
    assert_int_equal(derm_agents_append(a, &r, NULL), DERM_OK);
    return r;
}

/* The documented threshold of row r's n-th event of kind k. */
static double threshold(uint64_t seed, int64_t lineage, int32_t n, int k)
{
    return -log(derm_rng_uniform(seed, (uint64_t)lineage, (uint64_t)n, DERM_RNG_CLOCK + (uint32_t)k, 0));
}

static void test_left_draws_once_keyed_by_lineage(void **state)
{
    (void)state;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
    const int64_t r = add(&a), q = add(&a);
    const uint64_t seed = 11;
    for (int k = 0; k < DERM_NCLOCK; k++) {
        assert_true(isnan(a.clock[k][r]));
        const double e = derm_clock_left(&a, r, k, seed);
        assert_true(e > 0.0 && isfinite(e));
        assert_true(e == threshold(seed, a.lineage[r], 0, k));
        assert_true(a.clock[k][r] == e);
        assert_int_equal(a.clock_n[k][r], 0); /* drawing is not an event */
        /* kept, not redrawn */
        a.clock[k][r] = 0.5 * e;
        assert_true(derm_clock_left(&a, r, k, seed) == 0.5 * e);
    }
    /* the key is the lineage, not the id or the row: a row with another id but the same
     * lineage key and event count draws the same thresholds */
    a.lineage[q] = a.lineage[r];
    assert_true(a.id[q] != a.id[r]);
    for (int k = 0; k < DERM_NCLOCK; k++)
        assert_true(derm_clock_left(&a, q, k, seed) == threshold(seed, a.lineage[r], 0, k));
    /* the count of events of the kind keys the next draw; the seed matters */
    a.clock[DERM_CLOCK_DIVIDE][q] = NAN;
    a.clock_n[DERM_CLOCK_DIVIDE][q] = 3;
    const double e3 = derm_clock_left(&a, q, DERM_CLOCK_DIVIDE, seed);
    assert_true(e3 == threshold(seed, a.lineage[r], 3, DERM_CLOCK_DIVIDE));
    assert_true(e3 != threshold(seed, a.lineage[r], 0, DERM_CLOCK_DIVIDE));
    a.clock[DERM_CLOCK_DIVIDE][q] = NAN;
    assert_true(derm_clock_left(&a, q, DERM_CLOCK_DIVIDE, seed + 1) != e3);
    /* kinds draw independent thresholds */
    for (int k = 1; k < DERM_NCLOCK; k++) assert_true(a.clock[k][r] != a.clock[0][r]);
    derm_agents_fini(&a);
}

static void test_race_picks_earliest_and_advances_exactly(void **state)
{
    (void)state;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
    const int64_t r = add(&a);
    const int kinds[4] = {DERM_CLOCK_DEATH, DERM_CLOCK_SENESCE, DERM_CLOCK_DIVIDE, DERM_CLOCK_SWITCH};
    /* clocks set by hand: times to fire 2/0.1 = 20, 0.9/0.05 = 18, 3/0.5 = 6, 1.2/0.1 = 12 */
    const double clk[4] = {2.0, 0.9, 3.0, 1.2};
    const double hz[4] = {0.1, 0.05, 0.5, 0.1};
    for (int i = 0; i < 4; i++) {
        a.clock[kinds[i]][r] = clk[i];
        a.clock_n[kinds[i]][r] = 10 + i;
    }
    double tf = -1.0;
    int ev = derm_clock_race(&a, r, kinds, hz, 4, 100.0, 5, &tf);
    assert_int_equal(ev, 2);
    assert_rel(tf, 6.0, 1e-15);
    /* the winner is renewed, the others advanced by hazard x 6 h */
    assert_true(isnan(a.clock[DERM_CLOCK_DIVIDE][r]));
    assert_int_equal(a.clock_n[DERM_CLOCK_DIVIDE][r], 13);
    for (int i = 0; i < 4; i++) {
        if (i == 2) continue;
        assert_rel(a.clock[kinds[i]][r], clk[i] - hz[i] * 6.0, 1e-15);
        assert_int_equal(a.clock_n[kinds[i]][r], 10 + i);
    }
    /* the next race continues from there: SWITCH fires at (1.2 - 0.6)/0.1 = 6 h more; the
     * renewed DIVIDE clock draws its 14th threshold */
    ev = derm_clock_race(&a, r, kinds, hz, 4, 100.0, 5, &tf);
    const double e13 = threshold(5, a.lineage[r], 13, DERM_CLOCK_DIVIDE);
    if (e13 / 0.5 < 6.0) { /* the fresh divide clock may win */
        assert_int_equal(ev, 2);
        assert_rel(tf, e13 / 0.5, 1e-15);
    } else {
        assert_int_equal(ev, 3);
        assert_rel(tf, 6.0, 1e-14);
        assert_rel(a.clock[DERM_CLOCK_DIVIDE][r], e13 - 0.5 * 6.0, 1e-14);
        assert_rel(a.clock[DERM_CLOCK_DEATH][r], 2.0 - 0.1 * 12.0, 1e-14);
        assert_rel(a.clock[DERM_CLOCK_SENESCE][r], 0.9 - 0.05 * 12.0, 1e-14);
        assert_int_equal(a.clock_n[DERM_CLOCK_SWITCH][r], 14);
    }

    /* nothing within the span: -1, t_fire = span, every running clock advanced by h span */
    for (int i = 0; i < 4; i++) {
        a.clock[kinds[i]][r] = clk[i];
        a.clock_n[kinds[i]][r] = 0;
    }
    ev = derm_clock_race(&a, r, kinds, hz, 4, 5.0, 5, &tf);
    assert_int_equal(ev, -1);
    assert_true(tf == 5.0);
    for (int i = 0; i < 4; i++) {
        assert_rel(a.clock[kinds[i]][r], clk[i] - hz[i] * 5.0, 1e-15);
        assert_int_equal(a.clock_n[kinds[i]][r], 0);
    }

    /* zero (or negative, or NaN) hazards: not drawn, not advanced, never fire */
    const int64_t q = add(&a);
    const double hz0[4] = {0.0, -1.0, NAN, 0.25};
    ev = derm_clock_race(&a, q, kinds, hz0, 4, 1e9, 5, &tf);
    assert_int_equal(ev, 3);
    assert_rel(tf, threshold(5, a.lineage[q], 0, DERM_CLOCK_SWITCH) / 0.25, 1e-15);
    for (int i = 0; i < 3; i++) {
        assert_true(isnan(a.clock[kinds[i]][q]));
        assert_int_equal(a.clock_n[kinds[i]][q], 0);
    }
    /* all zero: nothing fires however long the span */
    const double none[4] = {0.0, 0.0, 0.0, 0.0};
    ev = derm_clock_race(&a, q, kinds, none, 4, 1e12, 5, &tf);
    assert_int_equal(ev, -1);
    assert_true(tf == 1e12);
    derm_agents_fini(&a);
}

/* Cutting a span into steps does not change when events happen: races over consecutive
 * pieces (renewing clocks as events fire) give the same event times and kinds as races over
 * the whole span, with constant hazards. */
static void test_race_independent_of_step(void **state)
{
    (void)state;
    const int kinds[3] = {DERM_CLOCK_DEATH, DERM_CLOCK_DIVIDE, DERM_CLOCK_SWITCH};
    const double hz[3] = {0.002, 0.03, 0.05};
    const double T = 1000.0;
    const double steps[] = {T, 168.0, 42.0, 12.0, 1.0};
    double times[5][256];
    int kinds_fired[5][256], nev[5];
    for (int s = 0; s < 5; s++) {
        struct derm_agents a;
        assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
        const int64_t r = add(&a);
        a.lineage[r] = 987654321;
        int n = 0;
        for (double t0 = 0.0; t0 < T - 1e-9; t0 += steps[s]) {
            const double span = fmin(steps[s], T - t0);
            double t = 0.0, tf;
            for (int guard = 0; guard < 1000 && t < span; guard++) {
                const int ev = derm_clock_race(&a, r, kinds, hz, 3, span - t, 7, &tf);
                t += tf;
                if (ev < 0) break;
                assert_true(n < 256);
                times[s][n] = t0 + t;
                kinds_fired[s][n++] = ev;
            }
        }
        nev[s] = n;
        derm_agents_fini(&a);
    }
    assert_true(nev[0] > 20); /* ~80 events expected */
    for (int s = 1; s < 5; s++) {
        assert_int_equal(nev[s], nev[0]);
        for (int i = 0; i < nev[0]; i++) {
            assert_int_equal(kinds_fired[s][i], kinds_fired[0][i]);
            assert_rel(times[s][i], times[0][i], 1e-9);
        }
    }
}

/* Over many agents: the first event of one clock at hazard h is exponential (mean 1/h, P(t
 * < 1/h) = 1 - 1/e); of two clocks, kind i wins with probability h_i / (h_1 + h_2). */
static void test_race_statistics(void **state)
{
    (void)state;
    const int n = 20000;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, n, NULL), DERM_OK);
    for (int q = 0; q < n; q++) add(&a);
    const int one[1] = {DERM_CLOCK_DEATH};
    const double h1 = 0.2;
    double sum = 0.0, tf;
    int below = 0;
    for (int64_t r = 0; r < n; r++) {
        assert_int_equal(derm_clock_race(&a, r, one, &h1, 1, 1e9, 3, &tf), 0);
        sum += tf;
        below += tf < 1.0 / h1;
    }
    /* s.e. of the mean 1/(h sqrt n) = 0.035; of the fraction 0.0034 */
    assert_true(fabs(sum / n - 1.0 / h1) < 5.0 * (1.0 / h1) / sqrt((double)n));
    assert_true(fabs((double)below / n - (1.0 - exp(-1.0))) < 5.0 * 0.0034);
    const int two[2] = {DERM_CLOCK_SENESCE, DERM_CLOCK_SWITCH};
    const double h2[2] = {0.01, 0.03};
    int first0 = 0;
    for (int64_t r = 0; r < n; r++) {
        const int ev = derm_clock_race(&a, r, two, h2, 2, 1e9, 3, &tf);
        assert_true(ev == 0 || ev == 1);
        first0 += ev == 0;
    }
    /* p = 1/4, s.e. 0.0031 */
    assert_true(fabs((double)first0 / n - 0.25) < 5.0 * 0.0031);
    derm_agents_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_left_draws_once_keyed_by_lineage),
        cmocka_unit_test(test_race_picks_earliest_and_advances_exactly),
        cmocka_unit_test(test_race_independent_of_step),
        cmocka_unit_test(test_race_statistics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
