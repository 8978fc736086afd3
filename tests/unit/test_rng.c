/* test_rng.c - counter-based random numbers (Philox) keyed by (seed, id, step, purpose, slot).
 *
 * Checks: a draw is a pure function of its key (bitwise repeatable, independent of the
 * order and number of other draws); changing any one key component changes the value;
 * uniforms lie strictly inside (0, 1) with mean 1/2 and variance 1/12, a flat histogram
 * and no correlation between neighbouring ids, steps or slots; normals have mean 0,
 * variance 1, kurtosis 3 and P(|z| < 1) = 0.6827; derm_rng_event fires with frequency
 * 1 - exp(-h dt) and never for h dt <= 0. Statistical tolerances are 5 standard errors
 * of the estimator over N = 1e5 draws (the keys are fixed, so the tests are
 * deterministic; 5 sigma only makes them robust to a change of the key layout).
 * derm_rng_key (a daughter's random-stream key from its parent's): a pure function of (key,
 * n, purpose), different for each of them, positive as an int64 (top bit clear), never the
 * parent's key, no collisions over 1e5 siblings or over three generations of a lineage tree,
 * and its bits balanced.
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

#define N 100000

static void test_deterministic(void **state)
{
    (void)state;
    double a = derm_rng_uniform(42, 7, 3, DERM_RNG_MOVE, 1);
    /* other draws in between must not matter (no hidden state) */
    for (int q = 0; q < 1000; q++) (void)derm_rng_uniform(42, (uint64_t)q, 3, DERM_RNG_MOVE, 1);
    double b = derm_rng_uniform(42, 7, 3, DERM_RNG_MOVE, 1);
    assert_memory_equal(&a, &b, sizeof a);
    double na = derm_rng_normal(9, 123456789ULL, 77, DERM_RNG_DAUGHTER, 2);
    double nb = derm_rng_normal(9, 123456789ULL, 77, DERM_RNG_DAUGHTER, 2);
    assert_memory_equal(&na, &nb, sizeof na);
    /* the normal is Box-Muller on uniform slots 2s and 2s+1 of the same key */
    double u1 = derm_rng_uniform(9, 123456789ULL, 77, DERM_RNG_DAUGHTER, 4);
    double u2 = derm_rng_uniform(9, 123456789ULL, 77, DERM_RNG_DAUGHTER, 5);
    double bm = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2) /* 2 pi */;
    assert_true(fabs(na - bm) <= 1e-14 * (1.0 + fabs(bm)));
}

static void test_each_key_component_matters(void **state)
{
    (void)state;
    const uint64_t seed = 1, id = 1000, step = 50;
    const uint32_t pur = DERM_RNG_DIVIDE, slot = 0;
    double base = derm_rng_uniform(seed, id, step, pur, slot);
    assert_true(derm_rng_uniform(seed + 1, id, step, pur, slot) != base);
    assert_true(derm_rng_uniform(seed, id + 1, step, pur, slot) != base);
    assert_true(derm_rng_uniform(seed, id, step + 1, pur, slot) != base);
    assert_true(derm_rng_uniform(seed, id, step, DERM_RNG_DIE, slot) != base);
    assert_true(derm_rng_uniform(seed, id, step, pur, 1) != base);
    /* slots beyond one Philox block (4 words) use a new counter, not a repeat */
    for (uint32_t s = 1; s < 16; s++) assert_true(derm_rng_uniform(seed, id, step, pur, s) != base);
    /* id and step are not interchangeable */
    assert_true(derm_rng_uniform(seed, 5, 9, pur, slot) != derm_rng_uniform(seed, 9, 5, pur, slot));
    /* seed and purpose are not interchangeable (both in the key) */
    assert_true(derm_rng_uniform(3, id, step, 4, slot) != derm_rng_uniform(4, id, step, 3, slot));
    /* distinct purposes give distinct streams for every purpose pair */
    double v[DERM_RNG_CLEAR + 1];
    for (uint32_t p = DERM_RNG_INIT_POS; p <= DERM_RNG_CLEAR; p++) v[p] = derm_rng_uniform(seed, id, step, p, 0);
    for (uint32_t p = DERM_RNG_INIT_POS; p <= DERM_RNG_CLEAR; p++)
        for (uint32_t q = p + 1; q <= DERM_RNG_CLEAR; q++) assert_true(v[p] != v[q]);
    /* extreme ids (layer keys near 2^62 in sim.c) work and differ */
    assert_true(derm_rng_uniform(seed, 1ULL << 62, 0, 1, 0) != derm_rng_uniform(seed, (1ULL << 62) + 1, 0, 1, 0));
}

static void test_uniform_moments(void **state)
{
    (void)state;
    double sum = 0.0, sum2 = 0.0, lo = 1.0, hi = 0.0;
    enum { NB = 100 };
    long hist[NB] = {0};
    for (int q = 0; q < N; q++) {
        /* mix ids and slots (every key distinct) as the model does */
        double u = derm_rng_uniform(12345, (uint64_t)(q / 6), 3, DERM_RNG_MOVE, (uint32_t)(q % 6));
        assert_true(u > 0.0 && u < 1.0);
        lo = fmin(lo, u);
        hi = fmax(hi, u);
        sum += u;
        sum2 += u * u;
        hist[(int)(u * NB)]++;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    /* s.e. of the mean sqrt(1/12/N) = 9.1e-4; of the variance sqrt((1/80 - 1/144)/N) = 2.4e-4 */
    assert_true(fabs(mean - 0.5) < 5.0 * sqrt(1.0 / 12.0 / N));
    assert_true(fabs(var - 1.0 / 12.0) < 5.0 * sqrt((1.0 / 80.0 - 1.0 / 144.0) / N));
    assert_true(lo < 1e-3 && hi > 1.0 - 1e-3);
    /* chi-square over 100 equal bins: 99 d.o.f., mean 99, s.d. 14; 5 sigma -> 169 */
    double chi2 = 0.0, e = (double)N / NB;
    for (int b = 0; b < NB; b++) chi2 += (hist[b] - e) * (hist[b] - e) / e;
    assert_true(chi2 < 99.0 + 5.0 * sqrt(2.0 * 99.0));
}

static void test_uniform_uncorrelated(void **state)
{
    (void)state;
    /* lag-1 correlation between neighbouring ids, steps and slots; s.e. 1/sqrt(N) */
    double c_id = 0.0, c_step = 0.0, c_slot = 0.0;
    for (int q = 0; q < N; q++) {
        double u = derm_rng_uniform(7, (uint64_t)q, 11, DERM_RNG_DIE, 0) - 0.5;
        c_id += u * (derm_rng_uniform(7, (uint64_t)q + 1, 11, DERM_RNG_DIE, 0) - 0.5);
        c_step += u * (derm_rng_uniform(7, (uint64_t)q, 12, DERM_RNG_DIE, 0) - 0.5);
        c_slot += u * (derm_rng_uniform(7, (uint64_t)q, 11, DERM_RNG_DIE, 1) - 0.5);
    }
    const double norm = N / 12.0, tol = 5.0 / sqrt((double)N);
    assert_true(fabs(c_id / norm) < tol);
    assert_true(fabs(c_step / norm) < tol);
    assert_true(fabs(c_slot / norm) < tol);
}

static void test_normal_moments(void **state)
{
    (void)state;
    double s1 = 0.0, s2 = 0.0, s4 = 0.0, c01 = 0.0;
    long inside = 0;
    for (int q = 0; q < N; q++) {
        double z = derm_rng_normal(2024, (uint64_t)q, 5, DERM_RNG_MOVE, 0);
        double z1 = derm_rng_normal(2024, (uint64_t)q, 5, DERM_RNG_MOVE, 1);
        assert_true(isfinite(z) && isfinite(z1));
        s1 += z;
        s2 += z * z;
        s4 += z * z * z * z;
        c01 += z * z1;
        inside += fabs(z) < 1.0;
    }
    double mean = s1 / N, var = s2 / N - mean * mean, kurt = (s4 / N) / (var * var);
    assert_true(fabs(mean) < 5.0 / sqrt((double)N));            /* s.e. 1/sqrt(N) */
    assert_true(fabs(var - 1.0) < 5.0 * sqrt(2.0 / N));         /* s.e. sqrt(2/N) */
    assert_true(fabs(kurt - 3.0) < 5.0 * sqrt(24.0 / N));       /* s.e. sqrt(24/N) */
    assert_true(fabs(c01 / N) < 5.0 / sqrt((double)N));         /* slots 0, 1 independent */
    double p = erf(1.0 / sqrt(2.0)), frac = (double)inside / N; /* 0.6827 */
    assert_true(fabs(frac - p) < 5.0 * sqrt(p * (1.0 - p) / N));
}

/* The three normals of one block: each standard normal, pairwise uncorrelated (also the
 * cos/sin pair of one Box-Muller draw), deterministic, and different blocks differ. */
static void test_normal3_moments(void **state)
{
    (void)state;
    double s1[3] = {0}, s2[3] = {0}, s4[3] = {0}, c[3] = {0};
    for (int q = 0; q < N; q++) {
        double z[3], again[3], other[3];
        derm_rng_normal3(2024, (uint64_t)q, 5, DERM_RNG_MOVE_BRIDGE, 7u, z);
        derm_rng_normal3(2024, (uint64_t)q, 5, DERM_RNG_MOVE_BRIDGE, 7u, again);
        derm_rng_normal3(2024, (uint64_t)q, 5, DERM_RNG_MOVE_BRIDGE, 8u, other);
        for (int k = 0; k < 3; k++) {
            assert_true(isfinite(z[k]) && z[k] == again[k] && z[k] != other[k]);
            s1[k] += z[k];
            s2[k] += z[k] * z[k];
            s4[k] += z[k] * z[k] * z[k] * z[k];
            c[k] += z[k] * z[(k + 1) % 3];
        }
    }
    for (int k = 0; k < 3; k++) {
        double mean = s1[k] / N, var = s2[k] / N - mean * mean, kurt = (s4[k] / N) / (var * var);
        assert_true(fabs(mean) < 5.0 / sqrt((double)N));
        assert_true(fabs(var - 1.0) < 5.0 * sqrt(2.0 / N));
        assert_true(fabs(kurt - 3.0) < 5.0 * sqrt(24.0 / N));
        assert_true(fabs(c[k] / N) < 5.0 / sqrt((double)N));
    }
}

static void test_event_frequency(void **state)
{
    (void)state;
    const double hdt[] = {0.01, 0.3, 1.0, 3.0};
    for (size_t t = 0; t < sizeof hdt / sizeof *hdt; t++) {
        long hits = 0;
        for (int q = 0; q < N; q++) hits += derm_rng_event(99, (uint64_t)q, 17, DERM_RNG_DIE, hdt[t]);
        double p = 1.0 - exp(-hdt[t]), f = (double)hits / N;
        assert_true(fabs(f - p) < 5.0 * sqrt(p * (1.0 - p) / N));
    }
    /* non-positive and NaN hazards never fire; a huge one always does */
    for (int q = 0; q < 1000; q++) {
        assert_false(derm_rng_event(99, (uint64_t)q, 1, DERM_RNG_DIE, 0.0));
        assert_false(derm_rng_event(99, (uint64_t)q, 1, DERM_RNG_DIE, -1.0));
        assert_false(derm_rng_event(99, (uint64_t)q, 1, DERM_RNG_DIE, NAN));
        assert_true(derm_rng_event(99, (uint64_t)q, 1, DERM_RNG_DIE, 50.0));
    }
    /* the event is the slot-0 uniform compared with 1 - exp(-h dt): monotone in h dt */
    for (int q = 0; q < 1000; q++) {
        double u = derm_rng_uniform(99, (uint64_t)q, 1, DERM_RNG_SENESCE, 0);
        assert_int_equal(derm_rng_event(99, (uint64_t)q, 1, DERM_RNG_SENESCE, 0.5), u < -expm1(-0.5));
        if (derm_rng_event(99, (uint64_t)q, 1, DERM_RNG_SENESCE, 0.2))
            assert_true(derm_rng_event(99, (uint64_t)q, 1, DERM_RNG_SENESCE, 0.4));
    }
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_lineage_keys(void **state)
{
    (void)state;
    const uint64_t k = derm_rng_key(12345, 3, DERM_RNG_DAUGHTER);
    assert_true(k == derm_rng_key(12345, 3, DERM_RNG_DAUGHTER)); /* no state */
    assert_true(k != derm_rng_key(12346, 3, DERM_RNG_DAUGHTER));
    assert_true(k != derm_rng_key(12345, 4, DERM_RNG_DAUGHTER));
    assert_true(k != derm_rng_key(12345, 3, DERM_RNG_STEM));
    assert_true(derm_rng_key(3, 12345, DERM_RNG_DAUGHTER) != k); /* key and count not interchangeable */
    /* siblings: n = 0 .. N-1 of one parent; cousins: the same n of other parents; and a
     * three-generation tree; all distinct, positive, never a parent's key */
    uint64_t *keys = malloc(3 * (size_t)N * sizeof *keys);
    assert_non_null(keys);
    size_t m = 0;
    for (uint64_t n = 0; n < N; n++) {
        const uint64_t sib = derm_rng_key(777, n, DERM_RNG_DAUGHTER);
        assert_true(sib != 777 && sib > 0 && (int64_t)sib > 0);
        keys[m++] = sib;
        keys[m++] = derm_rng_key(n + 1000000, 1, DERM_RNG_DAUGHTER);
    }
    for (uint64_t a = 0; a < 46; a++)
        for (uint64_t b = 0; b < 46; b++) {
            const uint64_t child = derm_rng_key(999, a, DERM_RNG_DAUGHTER);
            const uint64_t grand = derm_rng_key(child, b, DERM_RNG_DAUGHTER);
            assert_true(grand != child && (int64_t)grand > 0);
            keys[m++] = derm_rng_key(grand, a ^ b, b % 2 ? DERM_RNG_STEM : DERM_RNG_DAUGHTER);
        }
    qsort(keys, m, sizeof *keys, cmp_u64);
    for (size_t i = 1; i < m; i++) assert_true(keys[i] != keys[i - 1]);
    /* every one of the 63 bits is set about half the time over siblings (s.e. 0.0016) */
    for (int bit = 0; bit < 63; bit++) {
        int64_t ones = 0;
        for (uint64_t n = 0; n < N; n++) ones += (derm_rng_key(42, n, DERM_RNG_DAUGHTER) >> bit) & 1u;
        assert_true(fabs((double)ones / N - 0.5) < 5.0 * 0.5 / sqrt((double)N));
    }
    free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),   cmocka_unit_test(test_each_key_component_matters),
        cmocka_unit_test(test_uniform_moments), cmocka_unit_test(test_uniform_uncorrelated),
        cmocka_unit_test(test_normal_moments),  cmocka_unit_test(test_event_frequency),
        cmocka_unit_test(test_lineage_keys),    cmocka_unit_test(test_normal3_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
