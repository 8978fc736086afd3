/* test_progenitor.c - model/progenitor: death, differentiation and niche-limited
 * self-renewal of dermal progenitors.
 *
 * Small worlds from cell_world.h (constants from derm_params_defaults, signal references 1,
 * niche 10 with 5 progenitors counted, young-adult step inputs).
 * Checks: certain differentiation flags divide = 2 and the daughter (model/lifecycle.c) is a
 * fresh quiescent fibroblast while the progenitor is unchanged; self-renewal flags divide = 1
 * (a copy of the progenitor) while the niche has room and stops when in->stem_count fills it;
 * zero hazards change nothing and clear stale flags of progenitor rows only (fibroblast rows
 * untouched); certain death; every decision is the documented draw: death at death_h dt,
 * differentiation at differentiation_h x stem_vigour x gf response x (1 + g exo_mult x/(1+x))
 * dt, self-renewal at self_renewal_h x stem_vigour x (1 - count/niche) dt, keyed by (seed,
 * id, step, purpose); no vigour, no divisions; derm_progenitor_count counts live progenitor
 * rows.
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
    /* certain death: every progenitor flagged and apoptotic, no division */
    for (int64_t r = 0; r < w.a.n; r++) w.a.die[r] = w.a.divide[r] = 0;
    w.pc.death_h = 1e6;
    w.pc.differentiation_h = w.pc.self_renewal_h = 1e6;
    decide_progenitors(&w, 7, 1, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        if (w.a.type[r] != DERM_AGENT_STEM) {
            assert_int_equal(w.a.die[r], 0);
            continue;
        }
        assert_int_equal(w.a.die[r], 1);
        assert_int_equal(w.a.divide[r], 0);
        assert_int_equal(w.a.state[r], DERM_STATE_APOPTOTIC);
    }
    /* the count is of rows, dying or not, and ignores fibroblasts */
    assert_int_equal(derm_progenitor_count(&w.a), 4);
    int64_t births = -1, deaths = -1;
    assert_int_equal(apply(&w, 7, 1, &births, &deaths), DERM_OK);
    assert_int_equal(deaths, 4);
    assert_int_equal(births, 0);
    assert_int_equal(derm_progenitor_count(&w.a), 0);
    world_fini(&w);
}

/* Every decision is the documented hazard, drawn with the documented key. */
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
    int n_die = 0, n_diff = 0, n_renew = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        const int64_t v = w.a.voxel[r];
        const uint64_t id = (uint64_t)w.a.id[r];
        const double gf = w.f.signal[DERM_S_GF][v], x = w.f.signal[DERM_S_EXOSOME][v];
        const double gfr = gf * (1.0 + K) / (K + gf);
        const double hz_diff = 0.5 * 0.75 * gfr * (1.0 + w.pc.exo_gain * 1.5 * x / (1.0 + x)) * dt;
        int die = 0, divide = 0;
        if (derm_rng_event(seed, id, (uint64_t)step, DERM_RNG_DIE, 0.2 * dt))
            die = 1;
        else if (derm_rng_event(seed, id, (uint64_t)step, DERM_RNG_STEM, hz_diff))
            divide = 2;
        else if (derm_rng_event(seed, id, (uint64_t)step, DERM_RNG_DIVIDE, 0.8 * 0.75 * room * dt))
            divide = 1;
        assert_int_equal(w.a.die[r], die);
        assert_int_equal(w.a.divide[r], divide);
        n_die += die;
        n_diff += divide == 2;
        n_renew += divide == 1;
    }
    assert_true(n_die > 0 && n_diff > 0 && n_renew > 0);
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
    /* a little vigour with huge rates: every progenitor divides again */
    w.in.stem_vigour = 1e-3;
    decide_progenitors(&w, 5, 1, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) assert_int_equal(w.a.divide[r], 2);
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
