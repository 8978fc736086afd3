/* test_progenitor.c - model/progenitor: death, differentiation and niche-limited
 * self-renewal of dermal progenitors.
 *
 * Small worlds from cell_world.h (constants from derm_params_defaults, signal references 1,
 * niche 10 with 5 progenitors counted, young-adult step inputs).
 * Checks: certain differentiation flags divide = 2 and the daughter (model/lifecycle.c) is a
 * fresh quiescent fibroblast while the progenitor is unchanged; self-renewal flags divide = 1
 * (a copy of the progenitor) while the niche has room and stops when in->stem_count fills it;
 * zero hazards change nothing and clear stale flags of progenitor rows only (fibroblast rows
 * untouched); certain death; every decision is the documented race of event clocks
 * (model/clock.h): death at death_h, differentiation at differentiation_h x stem_vigour x gf
 * response x (1 + g exo_mult x/(1+x)), self-renewal at self_renewal_h x stem_vigour x (1 -
 * count/niche), each kind a Poisson process whose thresholds are keyed by (seed, lineage key,
 * count of such events, DERM_RNG_CLOCK + kind); the step's division is the first of them
 * before death and the end of the step, a progenitor that divided and then died in the step
 * is flagged for both (its daughter is still born), and the event counts and the clocks left
 * over are those of the processes (closed form); no vigour, no divisions; a daughter gets its
 * own lineage key (derm_rng_key of the parent's key and its count of such births, purpose
 * DERM_RNG_STEM for a fibroblast daughter, DERM_RNG_DAUGHTER for a progenitor one) and fresh
 * clocks; derm_progenitor_count counts live progenitor rows.
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

#include "cell_world.h"

/* The documented outcome of one step for a progenitor whose clocks are fresh (never drawn,
 * counts 0): each kind k with hazard hz[k] > 0 fires at the partial sums of its thresholds
 * E_k(j) = -log U(seed, key, j, DERM_RNG_CLOCK + kind_k) divided by hz[k]. */
struct expect {
    int die, divide;
    int32_t count[3]; /* events of death, differentiation, self-renewal in the step */
    double left[3];   /* integrated hazard left on each clock at the end (NaN: renewed) */
};

static const int KIND[3] = {DERM_CLOCK_DEATH, DERM_CLOCK_DIFFERENTIATE, DERM_CLOCK_DIVIDE};

static double thr(uint64_t seed, uint64_t key, int j, int kind)
{
    return -log(derm_rng_uniform(seed, key, (uint64_t)j, DERM_RNG_CLOCK + (uint32_t)kind, 0));
}

static struct expect expected(uint64_t seed, uint64_t key, const double hz[3], double dt)
{
    struct expect e = {0, 0, {0, 0, 0}, {NAN, NAN, NAN}};
    const double t_death = hz[0] > 0.0 ? thr(seed, key, 0, KIND[0]) / hz[0] : INFINITY;
    e.die = t_death < dt;
    const double t_end = e.die ? t_death : dt;
    double first[3] = {INFINITY, INFINITY, INFINITY};
    for (int k = 1; k < 3; k++) {
        if (!(hz[k] > 0.0)) continue;
        double T = 0.0;
        int j = 0;
        for (;; j++) {
            T += thr(seed, key, j, KIND[k]) / hz[k];
            if (j == 0) first[k] = T;
            if (!(T < t_end)) break;
        }
        e.count[k] = j;
        e.left[k] = (T - t_end) * hz[k];
    }
    if (hz[0] > 0.0) {
        e.count[0] = e.die;
        e.left[0] = e.die ? NAN : (t_death - t_end) * hz[0];
    }
    const double tdiv = fmin(first[1], first[2]);
    if (tdiv < t_end) e.divide = first[1] < first[2] ? 2 : 1;
    return e;
}

static void check_outcome(const struct world *w, int64_t r, const struct expect *e)
{
    assert_int_equal(w->a.die[r], e->die);
    assert_int_equal(w->a.divide[r], e->divide);
    if (e->die) assert_int_equal(w->a.state[r], DERM_STATE_APOPTOTIC);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(w->a.clock_n[KIND[k]][r], e->count[k]);
        const double got = w->a.clock[KIND[k]][r];
        if (isnan(e->left[k]))
            assert_true(isnan(got));
        else if (!(fabs(got - e->left[k]) <= 1e-9 * (1.0 + e->left[k])))
            fail_msg("row %lld clock %d: %.17g, expected %.17g", (long long)r, k, got, e->left[k]);
    }
}

static void test_progenitor_divisions(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    hazards_off(&w);
    w.pc.differentiation_h = 1e6;
    int64_t s0 = add_cell(&w, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, 1, 1, 1);
    int64_t s1 = add_cell(&w, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, 2, 2, 2);
    w.a.divisions[s0] = 4;
    w.a.damage[s0] = 0.3;
    w.a.tgfb_response[s0] = 0.5;
    add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    decide_all(&w, 3, 1, 1.0);
    assert_int_equal(w.a.divide[s0], 2);
    assert_int_equal(w.a.divide[s1], 2);
    int64_t n0 = w.a.n, births;
    assert_int_equal(apply(&w, 3, 1, &births, NULL), DERM_OK);
    assert_int_equal(births, 2);
    int64_t d = n0; /* daughter of s0 */
    /* its own random-stream key: the parent's key mixed with its count of differentiations */
    const int32_t nth = w.a.clock_n[DERM_CLOCK_DIFFERENTIATE][s0];
    assert_true(nth >= 1);
    assert_int_equal(w.a.lineage[d], (int64_t)derm_rng_key((uint64_t)w.a.lineage[s0], (uint64_t)nth, DERM_RNG_STEM));
    assert_true(w.a.lineage[d] != w.a.lineage[s0] && w.a.lineage[d] != w.a.lineage[n0 + 1]);
    assert_true(w.a.lineage[d] > 0);
    for (int k = 0; k < DERM_NCLOCK; k++) {
        assert_true(isnan(w.a.clock[k][d]));
        assert_int_equal(w.a.clock_n[k][d], 0);
    }
    assert_int_equal(w.a.walk_window[d], INT64_MIN);
    const int64_t lin_diff = w.a.lineage[d];
    assert_int_equal(w.a.type[d], DERM_AGENT_FIBROBLAST);
    assert_int_equal(w.a.state[d], DERM_STATE_QUIESCENT);
    assert_int_equal(w.a.divisions[d], 0);
    assert_true(w.a.damage[d] == 0.0);
    assert_true(w.a.tgfb_response[d] == 1.0);
    assert_true(w.a.attachment[d] > 0.0);
    /* the progenitor itself is unchanged */
    assert_int_equal(w.a.type[s0], DERM_AGENT_STEM);
    assert_int_equal(w.a.divisions[s0], 4);
    assert_true(w.a.damage[s0] == 0.3);
    check_ids_unique(&w.a);

    /* self-renewal: divide = 1 gives another progenitor while the niche has room */
    hazards_off(&w);
    w.pc.self_renewal_h = 1e6;
    w.h.stem_niche = 10.0;
    w.in.stem_count = 2;
    decide_all(&w, 3, 2, 1.0);
    assert_int_equal(w.a.divide[s0], 1);
    n0 = w.a.n;
    assert_int_equal(apply(&w, 3, 2, &births, NULL), DERM_OK);
    assert_int_equal(births, 2);
    assert_int_equal(w.a.type[n0], DERM_AGENT_STEM);
    assert_int_equal(w.a.divisions[n0], 4); /* a copy of the progenitor */
    /* a self-renewal daughter is keyed by the parent's count of self-renewals, purpose
     * DERM_RNG_DAUGHTER: a different key from the fibroblast daughter's */
    assert_int_equal(w.a.lineage[n0],
                     (int64_t)derm_rng_key((uint64_t)w.a.lineage[s0], (uint64_t)w.a.clock_n[DERM_CLOCK_DIVIDE][s0],
                                           DERM_RNG_DAUGHTER));
    assert_true(w.a.lineage[n0] != lin_diff && w.a.lineage[n0] != w.a.lineage[s0]);
    assert_int_equal(w.a.state[n0], DERM_STATE_QUIESCENT);
    /* a full niche stops self-renewal */
    w.in.stem_count = 10;
    decide_all(&w, 3, 3, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) assert_int_equal(w.a.divide[r], 0);
    world_fini(&w);
}

static void test_zero_hazards_and_certain_death(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    populate(&w, 40, 13);
    hazards_off(&w);
    for (int64_t r = 0; r < w.a.n; r++) w.a.die[r] = w.a.divide[r] = 1; /* stale flags */
    decide_progenitors(&w, 7, 0, 168.0);
    int stems = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        if (w.a.type[r] == DERM_AGENT_STEM) {
            stems++;
            assert_int_equal(w.a.die[r], 0);
            assert_int_equal(w.a.divide[r], 0);
            assert_int_equal(w.a.state[r], DERM_STATE_QUIESCENT);
        } else {
            /* fibroblast rows are left to derm_fibroblast_decide */
            assert_int_equal(w.a.die[r], 1);
            assert_int_equal(w.a.divide[r], 1);
        }
    }
    assert_int_equal(stems, 4);
    assert_int_equal(derm_progenitor_count(&w.a), 4);
    /* certain death (no division hazard): every progenitor flagged and apoptotic */
    for (int64_t r = 0; r < w.a.n; r++) w.a.die[r] = w.a.divide[r] = 0;
    w.pc.death_h = 1e6;
    decide_progenitors(&w, 7, 1, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        if (w.a.type[r] != DERM_AGENT_STEM) {
            assert_int_equal(w.a.die[r], 0);
            continue;
        }
        assert_int_equal(w.a.die[r], 1);
        assert_int_equal(w.a.divide[r], 0);
        assert_int_equal(w.a.state[r], DERM_STATE_APOPTOTIC);
        assert_int_equal(w.a.clock_n[DERM_CLOCK_DEATH][r], 1);
        assert_int_equal(w.a.clock_n[DERM_CLOCK_DIVIDE][r], 0);
        assert_true(isnan(w.a.clock[DERM_CLOCK_DIVIDE][r])); /* zero hazard: never drawn */
    }
    /* the count is of rows, dying or not, and ignores fibroblasts */
    assert_int_equal(derm_progenitor_count(&w.a), 4);
    int64_t births = -1, deaths = -1;
    assert_int_equal(apply(&w, 7, 1, &births, &deaths), DERM_OK);
    assert_int_equal(deaths, 4);
    assert_int_equal(births, 0);
    assert_int_equal(derm_progenitor_count(&w.a), 0);
    world_fini(&w);

    /* certain death with certain divisions too: the events race; a progenitor whose division
     * came first is flagged for both and its daughter is born while it dies */
    world_init(&w, 4, 4, 4, 20.0);
    hazards_off(&w);
    for (int n = 0; n < 60; n++) add_cell(&w, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, n % 4, (n / 4) % 4, n % 4);
    w.pc.death_h = w.pc.differentiation_h = w.pc.self_renewal_h = 1e6;
    w.in.stem_count = 5; /* room 1/2 */
    w.f.signal[DERM_S_EXOSOME][0] = 1.0;
    decide_progenitors(&w, 9, 0, 1.0);
    const double gfr = 1.0; /* growth factor at its reference */
    int both = 0, died_first = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        const double x = w.f.signal[DERM_S_EXOSOME][w.a.voxel[r]];
        const double hz[3] = {1e6, 1e6 * gfr * (1.0 + w.pc.exo_gain * x / (1.0 + x)), 1e6 * 0.5};
        const struct expect e = expected(9, (uint64_t)w.a.lineage[r], hz, 1.0);
        assert_int_equal(e.die, 1);
        check_outcome(&w, r, &e);
        both += w.a.divide[r] != 0;
        died_first += w.a.divide[r] == 0;
    }
    assert_true(both > 0 && died_first > 0);
    const int64_t n_before = w.a.n;
    /* each daughter's expected key and type, from its parent */
    int64_t want_key[60];
    int want_type[60], nw = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        if (!w.a.divide[r]) continue;
        const int diff = w.a.divide[r] == 2;
        const int32_t nth = w.a.clock_n[diff ? DERM_CLOCK_DIFFERENTIATE : DERM_CLOCK_DIVIDE][r];
        want_key[nw] =
            (int64_t)derm_rng_key((uint64_t)w.a.lineage[r], (uint64_t)nth, diff ? DERM_RNG_STEM : DERM_RNG_DAUGHTER);
        want_type[nw++] = diff ? DERM_AGENT_FIBROBLAST : DERM_AGENT_STEM;
    }
    assert_int_equal(apply(&w, 9, 0, &births, &deaths), DERM_OK);
    assert_int_equal(births, both);
    assert_int_equal(deaths, n_before);
    assert_int_equal(w.a.n, both);
    /* every survivor is a daughter: a new id, its own lineage key, the type its kind says */
    for (int64_t r = 0; r < w.a.n; r++) {
        assert_true(w.a.id[r] > 60);
        int found = 0;
        for (int q = 0; q < nw; q++)
            if (want_key[q] == w.a.lineage[r]) {
                found++;
                assert_int_equal(w.a.type[r], want_type[q]);
            }
        assert_int_equal(found, 1);
    }
    check_ids_unique(&w.a);
    world_fini(&w);
}

/* Every decision is the documented race of event clocks, drawn with the documented keys. */
static void test_decisions_are_documented_draws(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    for (int n = 0; n < 300; n++) add_cell(&w, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, n % 4, (n / 4) % 4, (n / 16) % 4);
    /* growth factor 2 and exosomes 3 in layer 1; growth factor 0.5, no exosomes elsewhere */
    for (int64_t v = 0; v < w.g.n; v++) {
        const int l1 = v / (w.g.nx * w.g.ny) == 1;
        w.f.signal[DERM_S_GF][v] = l1 ? 2.0 : 0.5;
        w.f.signal[DERM_S_EXOSOME][v] = l1 ? 3.0 : 0.0;
    }
    /* rates chosen so every outcome occurs in a 1 h step */
    w.pc.death_h = 0.2;
    w.pc.differentiation_h = 0.5;
    w.pc.self_renewal_h = 0.8;
    w.in.stem_vigour = 0.75;
    w.in.stem_count = 4;
    w.h.stem_niche = 10.0;
    w.in.exo_mult[DERM_EXO_PROGENITOR] = 1.5;
    const uint64_t seed = 17;
    const int64_t step = 3;
    const double dt = 1.0, K = w.pc.gf_half, room = 1.0 - 4.0 / 10.0;
    decide_progenitors(&w, seed, step, dt);
    int n_die = 0, n_diff = 0, n_renew = 0, n_both = 0, n_multi = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        const int64_t v = w.a.voxel[r];
        const double gf = w.f.signal[DERM_S_GF][v], x = w.f.signal[DERM_S_EXOSOME][v];
        const double gfr = gf * (1.0 + K) / (K + gf);
        const double hz[3] = {0.2, 0.5 * 0.75 * gfr * (1.0 + w.pc.exo_gain * 1.5 * x / (1.0 + x)), 0.8 * 0.75 * room};
        const struct expect e = expected(seed, (uint64_t)w.a.lineage[r], hz, dt);
        check_outcome(&w, r, &e);
        n_die += e.die;
        n_diff += e.divide == 2;
        n_renew += e.divide == 1;
        n_both += e.die && e.divide;
        n_multi += e.count[1] + e.count[2] > 1;
    }
    assert_true(n_die > 0 && n_diff > 0 && n_renew > 0 && n_both > 0 && n_multi > 0);
    /* more growth factor and exosomes: more differentiation in layer 1 than elsewhere */
    int diff_l1 = 0, diff_other = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        if (w.a.divide[r] != 2) continue;
        if (w.a.voxel[r] / (w.g.nx * w.g.ny) == 1)
            diff_l1++;
        else
            diff_other++;
    }
    assert_true(diff_l1 > diff_other / 3); /* layer 1 holds a quarter of the cells */
    /* the step does not key anything: the same rows decided at another step number give
     * the same outcome */
    struct world w2;
    world_init(&w2, 4, 4, 4, 20.0);
    for (int n = 0; n < 300; n++)
        add_cell(&w2, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, n % 4, (n / 4) % 4, (n / 16) % 4);
    memcpy(w2.f.signal[DERM_S_GF], w.f.signal[DERM_S_GF], (size_t)w.g.n * sizeof(double));
    memcpy(w2.f.signal[DERM_S_EXOSOME], w.f.signal[DERM_S_EXOSOME], (size_t)w.g.n * sizeof(double));
    w2.pc = w.pc;
    w2.in = w.in;
    w2.h = w.h;
    decide_progenitors(&w2, seed, step + 1000, dt);
    assert_memory_equal(w2.a.die, w.a.die, (size_t)w.a.n);
    assert_memory_equal(w2.a.divide, w.a.divide, (size_t)w.a.n);
    world_fini(&w2);
    world_fini(&w);
}

/* Progenitor vigour scales both kinds of division; without it progenitors only die. */
static void test_vigour_scales_divisions(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    for (int n = 0; n < 50; n++) add_cell(&w, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, n % 4, (n / 4) % 4, n % 4);
    hazards_off(&w);
    w.pc.differentiation_h = w.pc.self_renewal_h = 1e6;
    w.in.stem_vigour = 0.0;
    decide_progenitors(&w, 5, 0, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        assert_int_equal(w.a.divide[r], 0);
        assert_int_equal(w.a.die[r], 0);
    }
    /* no hazard ran: no clock was drawn */
    for (int64_t r = 0; r < w.a.n; r++)
        for (int k = 0; k < DERM_NCLOCK; k++) assert_true(isnan(w.a.clock[k][r]));
    /* a little vigour with huge rates: every progenitor divides again, by whichever of its
     * differentiation and self-renewal clocks runs out first */
    w.in.stem_vigour = 1e-3;
    decide_progenitors(&w, 5, 1, 1.0);
    int n2 = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        const double x = w.f.signal[DERM_S_EXOSOME][w.a.voxel[r]];
        const double hd = 1e6 * 1e-3 * (1.0 + w.pc.exo_gain * x / (1.0 + x)), hs = 1e6 * 1e-3 * 0.5;
        const uint64_t key = (uint64_t)w.a.lineage[r];
        const int first =
            thr(5, key, 0, DERM_CLOCK_DIFFERENTIATE) / hd < thr(5, key, 0, DERM_CLOCK_DIVIDE) / hs ? 2 : 1;
        assert_int_equal(w.a.divide[r], first);
        assert_int_equal(w.a.die[r], 0);
        n2 += first == 2;
    }
    assert_true(n2 > 0 && n2 < w.a.n);
    /* an overfull niche blocks self-renewal only */
    w.pc.differentiation_h = 0.0;
    w.in.stem_count = 11;
    decide_progenitors(&w, 5, 2, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) assert_int_equal(w.a.divide[r], 0);
    w.in.stem_count = 9;
    decide_progenitors(&w, 5, 3, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) assert_int_equal(w.a.divide[r], 1);
    world_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progenitor_divisions),
        cmocka_unit_test(test_zero_hazards_and_certain_death),
        cmocka_unit_test(test_decisions_are_documented_draws),
        cmocka_unit_test(test_vigour_scales_divisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
