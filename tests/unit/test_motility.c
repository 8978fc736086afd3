/* test_motility.c - model/motility: random motility, matrix hindrance and chemotaxis.
 *
 * Small worlds from cell_world.h (motility constants from derm_params_defaults).
 * Checks: move keeps agents in the domain, reflects at the z faces, wraps x; has
 * mean-square displacement 6 D dt (10 %; s.e. ~2 % with 4000 agents), 2 D dt per axis, no
 * drift; D / (1 + h C / C0) with C intact plus fragmented collagen; activated fibroblasts
 * move with their own D and progenitors with the quiescent one; drift chi grad c dt exactly
 * (central differences, one-sided at the z faces); agents flagged to die stay put;
 * derm_motility_wrap / derm_motility_reflect fold exactly into [0, L); the result does not
 * depend on the thread count (bitwise).
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

static void test_move_stays_in_domain(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 3, 5, 20.0);
    populate(&w, 300, 8);
    /* fast random motility, from the faces */
    w.mc.motility_quiescent = w.mc.motility_activated = 5e4;
    for (int64_t r = 0; r < w.a.n; r++) w.a.z[r] = (r % 2) ? 1e-9 : derm_grid_lz(&w.g) - 1e-9;
    for (int step = 0; step < 30; step++) {
        rebin(&w);
        derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], 4, step, 1.0);
        check_in_domain(&w);
    }
    world_fini(&w);
}

static void test_move_mean_square_displacement(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 1000.0); /* 4 mm cube: walls far away */
    const int n = 4000;
    const double D = 100.0, dt = 2.0; /* s.d. per axis 20 um */
    w.mc.motility_quiescent = w.mc.motility_activated = D;
    for (int q = 0; q < n; q++) add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 2, 1);
    for (int64_t v = 0; v < w.g.n; v++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 0.0;
        w.f.signal[DERM_S_CHEMOKINE][v] = 0.0;
    }
    double *x0 = malloc(3 * (size_t)n * sizeof(double));
    assert_non_null(x0);
    for (int r = 0; r < n; r++) {
        x0[3 * r] = w.a.x[r];
        x0[3 * r + 1] = w.a.y[r];
        x0[3 * r + 2] = w.a.z[r];
    }
    rebin(&w);
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], 21, 0, dt);
    double msd = 0.0, mx = 0.0, msd_ax[3] = {0};
    for (int r = 0; r < n; r++) {
        double d[3] = {w.a.x[r] - x0[3 * r], w.a.y[r] - x0[3 * r + 1], w.a.z[r] - x0[3 * r + 2]};
        for (int k = 0; k < 3; k++) {
            msd += d[k] * d[k];
            msd_ax[k] += d[k] * d[k];
        }
        mx += d[0];
    }
    msd /= n;
    /* 6 D dt, relative s.e. sqrt(2/3/n) = 1.3 %; tolerance 10 % */
    assert_rel(msd, 6.0 * D * dt, 0.10);
    for (int k = 0; k < 3; k++) assert_rel(msd_ax[k] / n, 2.0 * D * dt, 0.10);
    assert_true(fabs(mx / n) < 5.0 * sqrt(2.0 * D * dt / n)); /* no drift */

    /* matrix hindrance: D / (1 + h C / C0) halves the MSD at C = C0, h = 1 */
    w.mc.matrix_hindrance = 1.0;
    for (int64_t v = 0; v < w.g.n; v++) w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = w.mc.matrix_ref;
    for (int r = 0; r < n; r++) {
        x0[3 * r] = w.a.x[r];
        x0[3 * r + 1] = w.a.y[r];
        x0[3 * r + 2] = w.a.z[r];
    }
    rebin(&w);
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], 21, 1, dt);
    msd = 0.0;
    for (int r = 0; r < n; r++) {
        double dx = w.a.x[r] - x0[3 * r], dy = w.a.y[r] - x0[3 * r + 1], dz = w.a.z[r] - x0[3 * r + 2];
        msd += dx * dx + dy * dy + dz * dz;
    }
    assert_rel(msd / n, 3.0 * D * dt, 0.10);

    /* activated fibroblasts move with their own D; progenitors always with the quiescent
     * one, whatever their state */
    w.mc.matrix_hindrance = 0.0;
    w.mc.motility_activated = 4.0 * D;
    for (int r = 0; r < n; r++) {
        w.a.type[r] = (int8_t)(r % 2 ? DERM_AGENT_FIBROBLAST : DERM_AGENT_STEM);
        w.a.state[r] = DERM_STATE_ACTIVATED;
        x0[3 * r] = w.a.x[r];
        x0[3 * r + 1] = w.a.y[r];
        x0[3 * r + 2] = w.a.z[r];
    }
    rebin(&w);
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], 21, 2, dt);
    double msd_type[2] = {0};
    for (int r = 0; r < n; r++) {
        double dx = w.a.x[r] - x0[3 * r], dy = w.a.y[r] - x0[3 * r + 1], dz = w.a.z[r] - x0[3 * r + 2];
        msd_type[w.a.type[r]] += dx * dx + dy * dy + dz * dz;
    }
    assert_rel(msd_type[DERM_AGENT_FIBROBLAST] / (n / 2), 6.0 * 4.0 * D * dt, 0.10);
    assert_rel(msd_type[DERM_AGENT_STEM] / (n / 2), 6.0 * D * dt, 0.10);
    free(x0);
    world_fini(&w);
}

static void test_move_chemotaxis_reflect_wrap(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 6, 20.0);
    const double h = w.g.h_um, lx = derm_grid_lx(&w.g), lz = derm_grid_lz(&w.g);
    w.mc.motility_quiescent = w.mc.motility_activated = 0.0; /* pure drift */
    w.mc.chemotaxis = 10.0;
    const double slope = 0.6, dt = 2.0; /* au/um: drift chi slope dt = 12 um */
    double *chem = w.f.signal[DERM_S_CHEMOKINE];
    /* chemokine increasing with depth */
    for (int64_t k = 0; k < w.g.nz; k++)
        for (int64_t q = 0; q < 16; q++) chem[k * 16 + q] = slope * ((double)k + 0.5) * h;
    int64_t mid = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 1, 2);
    int64_t bot = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 2, 2, 5);
    int64_t dead = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 2);
    w.a.z[bot] = lz - 5.0;
    w.a.die[dead] = 1; /* agents about to die do not move */
    rebin(&w);
    double xm = w.a.x[mid], zm = w.a.z[mid], zd = w.a.z[dead];
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), chem, 1, 0, dt);
    assert_rel(w.a.z[mid], zm + 12.0, 1e-12);
    assert_rel(w.a.x[mid], xm, 1e-15);
    assert_rel(w.a.z[bot], lz - 7.0, 1e-12); /* Lz - 5 + 12 reflected at Lz */
    assert_true(w.a.z[dead] == zd);
    /* chemokine decreasing with depth: a cell 5 um below the DEJ is reflected to 7 um */
    for (int64_t k = 0; k < w.g.nz; k++)
        for (int64_t q = 0; q < 16; q++) chem[k * 16 + q] = slope * (lz - ((double)k + 0.5) * h);
    w.a.z[mid] = 5.0;
    rebin(&w);
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), chem, 1, 1, dt);
    assert_rel(w.a.z[mid], 7.0, 1e-12);
    /* lateral drift wraps periodically: chem linear in x across columns 1..3 */
    for (int64_t v = 0; v < w.g.n; v++) chem[v] = slope * ((double)(v % 4) + 0.5) * h;
    w.mc.chemotaxis = 40.0; /* drift 48 um */
    w.a.x[mid] = 2.5 * h;   /* 50 um (column 2) -> 98 um = 18 um after wrapping at 80 */
    w.a.z[mid] = 2.5 * h;
    rebin(&w);
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), chem, 1, 2, dt);
    assert_rel(w.a.x[mid], 2.5 * h + 48.0 - lx, 1e-12);
    assert_rel(w.a.z[mid], 2.5 * h, 1e-15);
    world_fini(&w);
}

static void test_wrap_and_reflect(void **state)
{
    (void)state;
    const double L = 80.0;
    assert_true(derm_motility_wrap(0.0, L) == 0.0);
    assert_true(derm_motility_wrap(18.0, L) == 18.0);
    assert_true(derm_motility_wrap(98.0, L) == 18.0);
    assert_true(derm_motility_wrap(-2.0, L) == 78.0);
    assert_true(derm_motility_wrap(L, L) == 0.0);
    assert_rel(derm_motility_wrap(-3.0 * L + 5.0, L), 5.0, 1e-14);
    assert_rel(derm_motility_wrap(7.0 * L + 5.0, L), 5.0, 1e-13);
    /* mirror at both faces: -5 -> 5, L + 5 -> L - 5, 2L + 5 -> 5 */
    assert_true(derm_motility_reflect(30.0, L) == 30.0);
    assert_true(derm_motility_reflect(-5.0, L) == 5.0);
    assert_true(derm_motility_reflect(L + 5.0, L) == L - 5.0);
    assert_true(derm_motility_reflect(2.0 * L + 5.0, L) == 5.0);
    assert_true(derm_motility_reflect(-L - 5.0, L) == L - 5.0);
    /* exactly on the bottom face: folded strictly inside [0, L) */
    assert_true(derm_motility_reflect(L, L) < L);
    assert_true(derm_motility_reflect(L, L) > L - 1e-9);
    for (int q = -1000; q <= 1000; q++) {
        double x = 0.731 * q;
        double wx = derm_motility_wrap(x, L), rz = derm_motility_reflect(x, L);
        assert_true(wx >= 0.0 && wx < L);
        assert_true(rz >= 0.0 && rz < L);
        /* wrapping moves by whole periods; reflection keeps the distance to a face */
        assert_true(fabs(remainder(x - wx, L)) < 1e-9);
        double f = fmod(fabs(x), 2.0 * L);
        assert_true(fabs(rz - (f < L ? f : 2.0 * L - f)) < 1e-9);
    }
}

static void test_hindrance_counts_fragments(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 1000.0); /* walls far away */
    const int n = 4000;
    const double D = 100.0, dt = 2.0;
    w.mc.motility_quiescent = w.mc.motility_activated = D;
    w.mc.matrix_hindrance = 3.0;
    w.mc.chemotaxis = 0.0;
    /* C = C0 / 2 intact + C0 / 2 fragmented: D / (1 + 3) */
    for (int64_t v = 0; v < w.g.n; v++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = 0.5 * w.mc.matrix_ref;
        w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 0.5 * w.mc.matrix_ref;
    }
    for (int q = 0; q < n; q++) add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 2, 1);
    double *x0 = malloc(3 * (size_t)n * sizeof(double));
    assert_non_null(x0);
    for (int r = 0; r < n; r++) {
        x0[3 * r] = w.a.x[r];
        x0[3 * r + 1] = w.a.y[r];
        x0[3 * r + 2] = w.a.z[r];
    }
    move(&w, w.f.signal[DERM_S_CHEMOKINE], 8, 0, dt);
    double msd = 0.0;
    for (int r = 0; r < n; r++) {
        double dx = w.a.x[r] - x0[3 * r], dy = w.a.y[r] - x0[3 * r + 1], dz = w.a.z[r] - x0[3 * r + 2];
        msd += dx * dx + dy * dy + dz * dz;
    }
    assert_rel(msd / n, 6.0 * D / 4.0 * dt, 0.10);
    /* the displacement is the documented draw: sqrt(2 D' dt) x normal(seed, id, step, MOVE, axis) */
    const double sd = sqrt(2.0 * D / 4.0 * dt);
    for (int r = 0; r < n; r += 97) {
        double ex = x0[3 * r] + sd * derm_rng_normal(8, (uint64_t)w.a.id[r], 0, DERM_RNG_MOVE, 0);
        assert_rel(w.a.x[r], derm_motility_wrap(ex, derm_grid_lx(&w.g)), 1e-12);
    }
    free(x0);
    world_fini(&w);
}

static void move_run(int threads, struct derm_agents *out)
{
    struct world w;
    world_init(&w, 8, 8, 8, 20.0);
    populate(&w, 400, 77);
    uint64_t s = 5;
    for (int64_t v = 0; v < w.g.n; v++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(s >> 11) * 0x1.0p-53;
        w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 250.0 * u;
        w.f.signal[DERM_S_CHEMOKINE][v] = 0.5 + 3.0 * u;
    }
    for (int64_t r = 0; r < w.a.n; r += 7) w.a.die[r] = 1;
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    for (int step = 0; step < 5; step++) move(&w, w.f.signal[DERM_S_CHEMOKINE], 99, step, 1.0);
    omp_set_num_threads(saved);
    *out = w.a;
    memset(&w.a, 0, sizeof w.a);
    world_fini(&w);
}

static void test_move_thread_invariant(void **state)
{
    (void)state;
    struct derm_agents a1, a2;
    move_run(1, &a1);
    move_run(2, &a2);
    assert_int_equal(a1.n, a2.n);
    const size_t n = (size_t)a1.n;
    assert_memory_equal(a1.x, a2.x, n * sizeof(double));
    assert_memory_equal(a1.y, a2.y, n * sizeof(double));
    assert_memory_equal(a1.z, a2.z, n * sizeof(double));
    derm_agents_fini(&a1);
    derm_agents_fini(&a2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_move_stays_in_domain),         cmocka_unit_test(test_move_mean_square_displacement),
        cmocka_unit_test(test_move_chemotaxis_reflect_wrap), cmocka_unit_test(test_wrap_and_reflect),
        cmocka_unit_test(test_hindrance_counts_fragments),   cmocka_unit_test(test_move_thread_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
