/* test_lifecycle.c - model/lifecycle: births and deaths applied after the rules decided,
 * and the rules pipeline (decide, secrete, move, apply) as the simulation step runs it.
 *
 * Small worlds from cell_world.h (constants from derm_params_defaults, signal references 1,
 * hazards switched on or off per test).
 * Checks: decide with zero hazards then apply changes nothing; certain death removes
 * everyone; partial death removes exactly the flagged ids; divisions give daughters with
 * new ids appended in parent row order, the shared new division count and division damage,
 * quiescent state, placed at the parent plus the documented offset wrapped in x, keyed by
 * the parent's lineage key and its count of divisions (never by the step or the seed's
 * order of births elsewhere); each daughter gets its own lineage key derm_rng_key(parent's
 * key, parent's count of such births, DERM_RNG_DAUGHTER), fresh event clocks and no walk
 * window: deterministic, different between siblings (successive divisions of one parent)
 * and between cousins, unchanged when other cells divide too; a cell that divided and
 * died in the same step still leaves its daughter and deaths swap-remove in descending row
 * order; daughters at the bottom face are reflected into the domain and a one-voxel-wide
 * grid keeps y; the counts out-parameters may be NULL and the store grows as needed;
 * decide / secrete / move / apply are bitwise identical at 1 and 2 threads, and so is a
 * step of 200 births (the parallel path) with deaths among them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/rng.h"

#include "cell_world.h"

static void test_decide_zero_hazards_changes_nothing(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    populate(&w, 10, 3);
    hazards_off(&w);
    for (int64_t r = 0; r < w.a.n; r++) w.a.die[r] = w.a.divide[r] = 1; /* stale flags are cleared */
    struct derm_agents before;
    assert_int_equal(derm_agents_init(&before, w.a.n, NULL), DERM_OK);
    for (int64_t r = 0; r < w.a.n; r++) {
        int64_t row = -1;
        assert_int_equal(derm_agents_append(&before, &row, NULL), DERM_OK);
        before.id[r] = w.a.id[r];
        before.state[r] = w.a.state[r];
        before.divisions[r] = w.a.divisions[r];
        before.damage[r] = w.a.damage[r];
        before.x[r] = w.a.x[r];
    }
    for (int step = 0; step < 5; step++) decide_all(&w, 7, step, 168.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        assert_int_equal(w.a.die[r], 0);
        assert_int_equal(w.a.divide[r], 0);
        assert_int_equal(w.a.id[r], before.id[r]);
        assert_int_equal(w.a.state[r], before.state[r]);
        assert_int_equal(w.a.divisions[r], before.divisions[r]);
        assert_true(w.a.damage[r] == before.damage[r]);
        assert_true(w.a.x[r] == before.x[r]);
        if (w.a.type[r] == DERM_AGENT_FIBROBLAST)
            assert_rel(w.a.attachment[r], derm_fibroblast_attachment(&w.fc, 0.05), 1e-14);
    }
    int64_t births = -1, deaths = -1;
    assert_int_equal(apply(&w, 7, 5, &births, &deaths), DERM_OK);
    assert_int_equal(births, 0);
    assert_int_equal(deaths, 0);
    assert_int_equal(w.a.n, 10);
    derm_agents_fini(&before);
    world_fini(&w);
}

static void test_certain_death_and_apply(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    populate(&w, 10, 5);
    hazards_off(&w);
    w.fc.apoptosis_h = w.fc.clearance_h = w.pc.death_h = 1e6;
    decide_all(&w, 9, 3, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        assert_int_equal(w.a.die[r], 1);
        assert_int_equal(w.a.state[r], DERM_STATE_APOPTOTIC);
        assert_int_equal(w.a.divide[r], 0);
    }
    int64_t births = -1, deaths = -1;
    assert_int_equal(apply(&w, 9, 3, &births, &deaths), DERM_OK);
    assert_int_equal(deaths, 10);
    assert_int_equal(births, 0);
    assert_int_equal(w.a.n, 0);
    world_fini(&w);
}

static void test_partial_death_removes_exactly_flagged(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    populate(&w, 200, 6);
    hazards_off(&w);
    w.fc.apoptosis_h = w.fc.clearance_h = w.pc.death_h = log(2.0); /* p = 1/2 in 1 h (x damage term) */
    decide_all(&w, 11, 0, 1.0);
    int64_t n0 = w.a.n, ndie = 0;
    int64_t *keep = malloc((size_t)n0 * sizeof *keep), nkeep = 0;
    assert_non_null(keep);
    for (int64_t r = 0; r < n0; r++) {
        if (w.a.die[r])
            ndie++;
        else
            keep[nkeep++] = w.a.id[r];
    }
    assert_true(ndie > 50 && ndie < 180); /* both outcomes occur */
    int64_t births, deaths;
    assert_int_equal(apply(&w, 11, 0, &births, &deaths), DERM_OK);
    assert_int_equal(deaths, ndie);
    assert_int_equal(w.a.n, nkeep);
    check_ids_unique(&w.a);
    /* survivors are exactly the unflagged ids */
    for (int64_t q = 0; q < nkeep; q++) {
        int found = 0;
        for (int64_t r = 0; r < w.a.n; r++) found += w.a.id[r] == keep[q];
        assert_int_equal(found, 1);
        assert_int_equal(w.a.die[q], 0);
    }
    free(keep);
    world_fini(&w);
}

static void test_division_and_apply(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 100.0); /* 400 um: daughters' offsets (s.d. 15 um) are resolvable */
    hazards_off(&w);
    w.h.division_h = 1e6;
    int64_t rows[6];
    for (int q = 0; q < 6; q++) {
        rows[q] = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, q % 4, 1, q % 4);
        w.a.divisions[rows[q]] = 3 + q;
        w.a.damage[rows[q]] = 0.1 * q;
        w.a.attachment[rows[q]] = 1.0;
    }
    /* one at the replicative limit: senesces instead of dividing */
    int64_t old = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 2, 2, 2);
    w.a.divisions[old] = (int32_t)w.fc.replicative_limit;
    /* contact-inhibited: local crowding at and beyond the stop density */
    int64_t crowded = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 3, 3, 3);
    w.crowd[derm_grid_idx(&w.g, 3, 3, 3)] = w.fc.crowding_factor;
    int64_t packed = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 3, 0, 3);
    w.crowd[derm_grid_idx(&w.g, 3, 0, 3)] = 3.0 * w.fc.crowding_factor;
    /* one senescent: does not divide */
    int64_t sen = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_SENESCENT, 0, 3, 0);
    decide_fibroblasts(&w, 5, 2, 1.0);
    for (int q = 0; q < 6; q++) assert_int_equal(w.a.divide[rows[q]], 1);
    assert_int_equal(w.a.divide[old], 0);
    assert_int_equal(w.a.state[old], DERM_STATE_SENESCENT);
    assert_int_equal(w.a.divide[crowded], 0);
    assert_int_equal(w.a.divide[packed], 0);
    assert_int_equal(w.a.divide[sen], 0);
    const int64_t n0 = w.a.n, max_id = w.a.next_id - 1;
    int64_t births, deaths;
    assert_int_equal(apply(&w, 5, 2, &births, &deaths), DERM_OK);
    assert_int_equal(births, 6);
    assert_int_equal(deaths, 0);
    assert_int_equal(w.a.n, n0 + 6);
    check_ids_unique(&w.a);
    check_in_domain(&w);
    const double lx = derm_grid_lx(&w.g), ly = derm_grid_ly(&w.g);
    for (int q = 0; q < 6; q++) {
        int64_t p = rows[q], d = n0 + q; /* daughters appended in parent row order */
        assert_true(w.a.id[d] > max_id);
        assert_int_equal(w.a.divisions[p], 3 + q + 1);
        assert_int_equal(w.a.divisions[d], 3 + q + 1);
        assert_rel(w.a.damage[p], 0.1 * q + w.lc.damage_per_division, 1e-14);
        assert_true(w.a.damage[d] == w.a.damage[p]);
        assert_int_equal(w.a.type[d], DERM_AGENT_FIBROBLAST);
        assert_int_equal(w.a.state[d], DERM_STATE_QUIESCENT);
        assert_int_equal(w.a.state[p], DERM_STATE_ACTIVATED);
        assert_int_equal(w.a.divide[p], 0);
        /* daughter near the parent (periodic distance; 6 s.d. of the spread per axis) */
        double dx = fabs(w.a.x[d] - w.a.x[p]), dy = fabs(w.a.y[d] - w.a.y[p]);
        dx = fmin(dx, lx - dx);
        dy = fmin(dy, ly - dy);
        assert_true(dx < 6.0 * w.lc.daughter_spread_um && dy < 6.0 * w.lc.daughter_spread_um);
        assert_true(w.a.x[d] != w.a.x[p]);
        /* the offset is keyed by the parent's lineage key and its count of divisions (seed 5),
         * which the division's event clock counted */
        const uint64_t key = (uint64_t)w.a.lineage[p], nth = (uint64_t)w.a.clock_n[DERM_CLOCK_DIVIDE][p];
        assert_true(nth >= 1);
        double off[3];
        derm_rng_normal3(5, key, nth, DERM_RNG_DAUGHTER, 0u, off);
        double ox = w.lc.daughter_spread_um * off[0];
        double xe = fmod(w.a.x[p] + ox, lx);
        if (xe < 0.0) xe += lx;
        assert_rel(w.a.x[d], xe, 1e-12);
        /* the daughter's own key, fresh clocks, no walk window */
        assert_int_equal(w.a.lineage[d], (int64_t)derm_rng_key(key, nth, DERM_RNG_DAUGHTER));
        assert_true(w.a.lineage[d] != w.a.lineage[p] && w.a.lineage[d] > 0);
        for (int k = 0; k < DERM_NCLOCK; k++) {
            assert_true(isnan(w.a.clock[k][d]));
            assert_int_equal(w.a.clock_n[k][d], 0);
        }
        assert_int_equal(w.a.walk_window[d], INT64_MIN);
        for (int k = 0; k < 3; k++) assert_true(w.a.walk[k][d] == 0.0);
        for (int q2 = 0; q2 < q; q2++) assert_true(w.a.lineage[d] != w.a.lineage[n0 + q2]);
    }
    world_fini(&w);
}

static void test_die_and_divide_same_step(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    for (int q = 0; q < 5; q++) add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, q % 4, 0, 0);
    /* flags set directly: rows 1 and 3 divide, rows 3 and 4 die (row 3 divided, then died) */
    w.a.divide[1] = w.a.divide[3] = 1;
    w.a.die[3] = w.a.die[4] = 1;
    w.a.state[3] = w.a.state[4] = DERM_STATE_APOPTOTIC;
    const int64_t id1 = w.a.id[1], id3 = w.a.id[3], id4 = w.a.id[4];
    const int64_t key3 = (int64_t)derm_rng_key((uint64_t)w.a.lineage[3], 0, DERM_RNG_DAUGHTER);
    int64_t births, deaths;
    assert_int_equal(apply(&w, 1, 0, &births, &deaths), DERM_OK);
    assert_int_equal(births, 2); /* the dying cell's division happened before its death */
    assert_int_equal(deaths, 2);
    assert_int_equal(w.a.n, 5);
    check_ids_unique(&w.a);
    int found1 = 0, found3 = 0, orphan = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        found1 += w.a.id[r] == id1;
        found3 += w.a.id[r] == id3 || w.a.id[r] == id4;
        if (w.a.lineage[r] == key3) {
            orphan++;
            assert_int_equal(w.a.state[r], DERM_STATE_QUIESCENT);
            assert_int_equal(w.a.type[r], DERM_AGENT_FIBROBLAST);
            assert_true(w.a.id[r] > id4);
        }
        assert_int_equal(w.a.die[r], 0); /* surviving parents and every daughter, the orphan included */
        assert_true(w.a.state[r] != DERM_STATE_APOPTOTIC);
        assert_int_equal(w.a.divide[r], 0);
    }
    assert_int_equal(found1, 1);
    assert_int_equal(found3, 0);
    assert_int_equal(orphan, 1);
    world_fini(&w);
}

/* Lineage keys: a daughter's key is a function of its parent's key and the parent's count
 * of divisions only: deterministic, different for each division of a parent, and the same
 * whatever other cells do or which step it is. */
static void test_lineage_keys_of_daughters(void **state)
{
    (void)state;
    int64_t keys[2][3];
    double xs[2][3];
    for (int run = 0; run < 2; run++) {
        struct world w;
        world_init(&w, 6, 6, 6, 50.0);
        /* run 1 has two unrelated cells before the parent, dividing too */
        if (run == 1)
            for (int q = 0; q < 2; q++)
                w.a.divide[add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, q, 0)] = 1;
        const int64_t p = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 3, 3, 3);
        w.a.lineage[p] = 424242; /* a founder key independent of the id the row got */
        for (int div = 0; div < 3; div++) {
            w.a.clock_n[DERM_CLOCK_DIVIDE][p] = div + 1; /* the division's clock counted it */
            w.a.divide[p] = 1;
            for (int64_t r = 0; r < p; r++) w.a.divide[r] = 1; /* the others keep dividing */
            const int64_t n0 = w.a.n;
            assert_int_equal(apply(&w, 13, 100 * run + div, NULL, NULL), DERM_OK);
            assert_int_equal(w.a.n, n0 + 1 + p);
            const int64_t d = n0 + p; /* appended in parent row order */
            keys[run][div] = w.a.lineage[d];
            xs[run][div] = w.a.x[d] - w.a.x[p];
            assert_int_equal(keys[run][div], (int64_t)derm_rng_key(424242, (uint64_t)div + 1, DERM_RNG_DAUGHTER));
        }
        world_fini(&w);
    }
    for (int div = 0; div < 3; div++) {
        /* deterministic and independent of the other cells and of the step */
        assert_int_equal(keys[1][div], keys[0][div]);
        assert_true(xs[1][div] == xs[0][div]);
        assert_true(keys[0][div] != 424242 && keys[0][div] > 0);
        /* siblings differ */
        for (int e = 0; e < div; e++) assert_true(keys[0][div] != keys[0][e]);
    }
    /* a grand-daughter's key derives from her mother's: different from her aunts' */
    const int64_t g1 = (int64_t)derm_rng_key((uint64_t)keys[0][0], 1, DERM_RNG_DAUGHTER);
    for (int div = 0; div < 3; div++) assert_true(g1 != keys[0][div]);
}

static void test_daughters_in_domain_and_store_grows(void **state)
{
    (void)state;
    /* ny = 1: a slab; y stays at the parent's, z reflected at the bottom face */
    struct world w;
    world_init(&w, 6, 1, 3, 20.0);
    const int64_t cap0 = w.a.cap;
    const int n = (int)cap0 + 5; /* enough daughters to force growth of the store */
    for (int q = 0; q < n; q++) {
        int64_t r = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, q % 6, 0, 2);
        w.a.z[r] = derm_grid_lz(&w.g) - 1e-3;                  /* on the bottom face */
        w.a.x[r] = (q % 2) ? 1e-3 : derm_grid_lx(&w.g) - 1e-3; /* on a lateral face */
        w.a.divide[r] = 1;
    }
    assert_int_equal(apply(&w, 8, 4, NULL, NULL), DERM_OK);
    assert_int_equal(w.a.n, 2 * n);
    assert_true(w.a.cap >= 2 * n);
    check_in_domain(&w);
    check_ids_unique(&w.a);
    const double lz = derm_grid_lz(&w.g);
    for (int q = 0; q < n; q++) {
        const int64_t d = n + q;
        assert_true(w.a.y[d] == w.a.y[q]);
        /* reflected: the documented offset folded back at Lz */
        /* parents with no division counted yet (flags set directly): count 0, key = founder id */
        assert_int_equal(w.a.lineage[q], w.a.id[q]);
        double off[3];
        derm_rng_normal3(8, (uint64_t)w.a.lineage[q], (uint64_t)w.a.clock_n[DERM_CLOCK_DIVIDE][q], DERM_RNG_DAUGHTER,
                         0u, off);
        double oz = w.lc.daughter_spread_um * off[2];
        assert_rel(w.a.z[d], derm_motility_reflect(w.a.z[q] + oz, lz), 1e-12);
        assert_int_equal(w.a.divide[q], 0);
    }
    /* nothing flagged: a no-op */
    const int64_t n1 = w.a.n, next = w.a.next_id;
    int64_t births = -1, deaths = -1;
    assert_int_equal(apply(&w, 8, 5, &births, &deaths), DERM_OK);
    assert_int_equal(births, 0);
    assert_int_equal(deaths, 0);
    assert_int_equal(w.a.n, n1);
    assert_int_equal(w.a.next_id, next);
    world_fini(&w);
}

/* ---- thread independence of the rules pipeline -------------------------------------- */

/* Two stores equal row for row: every column, the event clocks, the walks and the flags. */
static void assert_stores_equal(const struct derm_agents *a1, const struct derm_agents *a2)
{
    assert_int_equal(a1->n, a2->n);
    assert_int_equal(a1->next_id, a2->next_id);
    const size_t n = (size_t)a1->n;
#define X_CMP(name, ctype, kind, units, desc) assert_memory_equal(a1->name, a2->name, n * sizeof(ctype));
    DERM_AGENT_COLUMNS(X_CMP)
#undef X_CMP
    for (int k = 0; k < DERM_NCLOCK; k++) {
        assert_memory_equal(a1->clock[k], a2->clock[k], n * sizeof *a1->clock[k]);
        assert_memory_equal(a1->clock_n[k], a2->clock_n[k], n * sizeof *a1->clock_n[k]);
    }
    for (int q = 0; q < 3; q++) assert_memory_equal(a1->walk[q], a2->walk[q], n * sizeof *a1->walk[q]);
    assert_memory_equal(a1->walk_window, a2->walk_window, n * sizeof *a1->walk_window);
    assert_memory_equal(a1->die, a2->die, n);
    assert_memory_equal(a1->divide, a2->divide, n);
}

struct snapshot {
    struct derm_agents a;
    double *rates[DERM_NSIGNAL + 3];
};

static void run_rules(int threads, struct snapshot *out)
{
    struct world w;
    world_init(&w, 8, 8, 8, 20.0);
    populate(&w, 400, 77);
    /* fast hazards so every branch fires within a few steps */
    w.fc.apoptosis_h = 0.02;
    w.fc.damage_h = 0.01;
    w.fc.senescence_h = 0.05;
    w.fc.clearance_h = 0.05;
    w.fc.activation_h = w.fc.deactivation_h = 0.1;
    w.h.division_h = 0.1;
    w.pc.differentiation_h = w.pc.self_renewal_h = w.pc.death_h = 0.05;
    w.in.stem_count = 40;
    w.h.stem_niche = 60;
    uint64_t s = 5;
    for (int64_t v = 0; v < w.g.n; v++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(s >> 11) * 0x1.0p-53;
        w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 250.0 * u;
        for (int q = 0; q < DERM_NSIGNAL; q++) w.f.signal[q][v] = 0.5 + u * (1.0 + q);
        w.crowd[v] = 2.0 * u;
    }
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    for (int step = 0; step < 5; step++) {
        decide_all(&w, 99, step, 1.0);
        secrete(&w);
        derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], NULL, 99, (double)step * 1.0, 1.0);
        assert_int_equal(apply(&w, 99, step, NULL, NULL), DERM_OK);
    }
    decide_all(&w, 99, 5, 1.0);
    secrete(&w);
    omp_set_num_threads(saved);
    out->a = w.a; /* take ownership of the store */
    memset(&w.a, 0, sizeof w.a);
    for (int q = 0; q < DERM_NSIGNAL; q++) out->rates[q] = w.rt.signal[q], w.rt.signal[q] = NULL;
    out->rates[DERM_NSIGNAL] = w.rt.collagen, w.rt.collagen = NULL;
    out->rates[DERM_NSIGNAL + 1] = w.rt.elastin, w.rt.elastin = NULL;
    out->rates[DERM_NSIGNAL + 2] = w.rt.ha, w.rt.ha = NULL;
    world_fini(&w);
}
static void test_rules_thread_invariant(void **state)
{
    (void)state;
    struct snapshot s1, s2;
    run_rules(1, &s1);
    run_rules(2, &s2);
    assert_stores_equal(&s1.a, &s2.a);
    assert_true(s1.a.next_id > 401); /* births happened */
    const size_t n = (size_t)s1.a.n;
    for (int q = 0; q < DERM_NSIGNAL + 3; q++) {
        assert_memory_equal(s1.rates[q], s2.rates[q], n * sizeof(double));
        free(s1.rates[q]);
        free(s2.rates[q]);
    }
    /* the run exercised deaths, senescence and both agent types */
    int sen = 0, stem = 0;
    for (size_t r = 0; r < n; r++) {
        sen += s1.a.state[r] == DERM_STATE_SENESCENT;
        stem += s1.a.type[r] == DERM_AGENT_STEM;
    }
    assert_true(sen > 0 && stem > 0);
    derm_agents_fini(&s1.a);
    derm_agents_fini(&s2.a);
}

/* Many births in one step (the parallel path: 32 or more) and deaths among them: the same
 * store, column by column (clocks, walks and flags too), at 1 and 2 threads. */
static void births_world(int threads, struct derm_agents *out)
{
    struct world w;
    world_init(&w, 6, 6, 6, 20.0);
    populate(&w, 300, 31);
    for (int64_t r = 0; r < w.a.n; r++) {
        w.a.divide[r] = (int8_t)(r % 3 == 0 ? 0 : 1 + (r % 7 == 0));
        w.a.die[r] = r % 5 == 0;
        w.a.clock_n[DERM_CLOCK_DIVIDE][r] = r % 4;
        w.a.clock[DERM_CLOCK_DIVIDE][r] = 0.5 * (double)r;
    }
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    int64_t births = 0, deaths = 0;
    assert_int_equal(apply(&w, 17, 3, &births, &deaths), DERM_OK);
    omp_set_num_threads(saved);
    assert_int_equal(births, 200);
    assert_int_equal(deaths, 60);
    *out = w.a; /* take ownership of the store */
    memset(&w.a, 0, sizeof w.a);
    world_fini(&w);
}

static void test_births_thread_invariant(void **state)
{
    (void)state;
    struct derm_agents a1, a2;
    births_world(1, &a1);
    births_world(2, &a2);
    assert_stores_equal(&a1, &a2);
    derm_agents_fini(&a1);
    derm_agents_fini(&a2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide_zero_hazards_changes_nothing),
        cmocka_unit_test(test_certain_death_and_apply),
        cmocka_unit_test(test_partial_death_removes_exactly_flagged),
        cmocka_unit_test(test_division_and_apply),
        cmocka_unit_test(test_die_and_divide_same_step),
        cmocka_unit_test(test_lineage_keys_of_daughters),
        cmocka_unit_test(test_daughters_in_domain_and_store_grows),
        cmocka_unit_test(test_rules_thread_invariant),
        cmocka_unit_test(test_births_thread_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
