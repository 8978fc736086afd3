/* test_motility.c - model/motility: random motility, matrix hindrance and chemotaxis.
 *
 * Small worlds from cell_world.h (motility constants from derm_params_defaults).
 * Checks: move keeps agents in the domain, reflects at the z faces, wraps x; has
 * mean-square displacement 6 D dt (10 %; s.e. ~2 % with 4000 agents), 2 D dt per axis, no
 * drift; D / (1 + h C / C0) with C intact plus fragmented collagen; activated fibroblasts
 * move with their own D and progenitors with the quiescent one; drift chi grad c dt exactly
 * (central differences, one-sided at the z faces); agents flagged to die stay put;
 * derm_motility_wrap / derm_motility_reflect fold exactly into [0, L); the result does not
 * depend on the thread count (bitwise). The walk is keyed by the cell's lineage key and by
 * windows of DERM_MOTILITY_WINDOW_H hours of the walk's clock: over a whole window the same cell
 * (seed, window) moves by the same standard walk scaled by sqrt(2 D W), so a hindered cell's
 * displacement is sqrt(D'/D) times the free one's exactly; runs at different steps
 * (168, 42, 12 h) meet at every window end (same cell, same seed, uniform D); the
 * displacement over a window has variance 1 per axis in units of sqrt(2 D W), within a
 * window the Brownian bridge gives variance e (the elapsed share) and a cell entering a
 * window part-way moves with variance 1 - s to its end; a cell that leaves the window
 * state (walk, window) as the store documents; the step number plays no part (only time); a
 * step draws at most three normal triples per cell and window it touches, whatever its ends
 * (the draws counted through a link-time wrapper of derm_rng_normal3).
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
#include "derm/solve/signal_grids.h"

#include "cell_world.h"

/* Every normal triple the walk draws passes here: the test executable is linked with
 * -Wl,--wrap=derm_rng_normal3 (CMakeLists.txt), so the library's calls come to
 * __wrap_derm_rng_normal3, which counts them and draws through the real function. */
void __real_derm_rng_normal3(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t block,
                             double out[3]);
void __wrap_derm_rng_normal3(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t block,
                             double out[3]);
static long long normal3_calls;
void __wrap_derm_rng_normal3(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t block, double out[3])
{
    __atomic_add_fetch(&normal3_calls, 1, __ATOMIC_RELAXED);
    __real_derm_rng_normal3(seed, id, step, purpose, block, out);
}

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
        derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], NULL, 4, (double)step, 1.0);
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
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], NULL, 21, 0, dt);
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
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], NULL, 21, dt, dt);
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
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), w.f.signal[DERM_S_CHEMOKINE], NULL, 21, 2.0 * dt, dt);
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
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), chem, NULL, 1, 0, dt);
    assert_rel(w.a.z[mid], zm + 12.0, 1e-12);
    assert_rel(w.a.x[mid], xm, 1e-15);
    assert_rel(w.a.z[bot], lz - 7.0, 1e-12); /* Lz - 5 + 12 reflected at Lz */
    assert_true(w.a.z[dead] == zd);
    /* chemokine decreasing with depth: a cell 5 um below the DEJ is reflected to 7 um */
    for (int64_t k = 0; k < w.g.nz; k++)
        for (int64_t q = 0; q < 16; q++) chem[k * 16 + q] = slope * (lz - ((double)k + 0.5) * h);
    w.a.z[mid] = 5.0;
    rebin(&w);
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), chem, NULL, 1, dt, dt);
    assert_rel(w.a.z[mid], 7.0, 1e-12);
    /* lateral drift wraps periodically: chem linear in x across columns 1..3 */
    for (int64_t v = 0; v < w.g.n; v++) chem[v] = slope * ((double)(v % 4) + 0.5) * h;
    w.mc.chemotaxis = 40.0; /* drift 48 um */
    w.a.x[mid] = 2.5 * h;   /* 50 um (column 2) -> 98 um = 18 um after wrapping at 80 */
    w.a.z[mid] = 2.5 * h;
    rebin(&w);
    derm_motility_move(&w.g, &w.a, &w.mc, M(&w), chem, NULL, 1, 2.0 * dt, dt);
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
    /* the shortcuts inside one period give fmod's folding bit for bit: signed zeros, the
     * ends of the period, values an ulp away, and random values across several periods */
    const double Ls[3] = {80.0, 1000.0, 0.1 * 3.0};
    for (int li = 0; li < 3; li++) {
        const double Lq = Ls[li];
        double xs[64];
        int nxs = 0;
        const double edges[] = {0.0, -0.0, Lq, -Lq, 2.0 * Lq, -2.0 * Lq, 0.5 * Lq, -0.5 * Lq};
        for (int e = 0; e < 8; e++) {
            xs[nxs++] = edges[e];
            xs[nxs++] = nextafter(edges[e], INFINITY);
            xs[nxs++] = nextafter(edges[e], -INFINITY);
        }
        uint64_t s = 17 + (uint64_t)li;
        for (int q = 0; q < 4000; q++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            const double x = q < nxs ? xs[q] : ((double)(s >> 11) * 0x1.0p-53 - 0.5) * 6.0 * Lq;
            double w = fmod(x, Lq);
            w = w < 0.0 ? w + Lq : w;
            double p = fmod(x, 2.0 * Lq);
            if (p < 0.0) p += 2.0 * Lq;
            if (p >= Lq) p = 2.0 * Lq - p;
            if (p >= Lq) p = nextafter(Lq, 0.0);
            const double gw = derm_motility_wrap(x, Lq), gr = derm_motility_reflect(x, Lq);
            if (memcmp(&gw, &w, sizeof w) != 0) fail_msg("wrap(%a, %a) = %a, fmod gives %a", x, Lq, gw, w);
            if (memcmp(&gr, &p, sizeof p) != 0) fail_msg("reflect(%a, %a) = %a, fmod gives %a", x, Lq, gr, p);
        }
    }
}

/* n cells at the centre of voxel (1, 2, 1) of a 4 mm cube, moved over one whole window of
 * the walk's clock (window 1000) with D / (1 + h C / C0); displacements into d[3 n]. */
static void hindered_window(int n, double D, double hindrance, double intact, double fragmented, double *d,
                            int64_t *window_after)
{
    struct world w;
    world_init(&w, 4, 4, 4, 1000.0); /* walls far away */
    const double W = DERM_MOTILITY_WINDOW_H;
    w.mc.motility_quiescent = w.mc.motility_activated = D;
    w.mc.matrix_hindrance = hindrance;
    w.mc.chemotaxis = 0.0;
    for (int64_t v = 0; v < w.g.n; v++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = intact * w.mc.matrix_ref;
        w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = fragmented * w.mc.matrix_ref;
    }
    for (int q = 0; q < n; q++) add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 2, 1);
    move(&w, w.f.signal[DERM_S_CHEMOKINE], 8, 1000.0 * W, W);
    for (int r = 0; r < n; r++) {
        d[3 * r] = w.a.x[r] - 1500.0;
        d[3 * r + 1] = w.a.y[r] - 2500.0;
        d[3 * r + 2] = w.a.z[r] - 1500.0;
        if (window_after) window_after[r] = w.a.walk_window[r];
        /* the cell is at the start of the next window, with no bridge value pending */
        for (int k = 0; k < 3; k++) assert_true(w.a.walk[k][r] == 0.0);
    }
    world_fini(&w);
}

static void test_hindrance_counts_fragments(void **state)
{
    (void)state;
    const int n = 4000;
    const double D = 100.0, W = DERM_MOTILITY_WINDOW_H;
    double *free_ = malloc(3 * (size_t)n * sizeof(double)), *hind = malloc(3 * (size_t)n * sizeof(double));
    double *frag = malloc(3 * (size_t)n * sizeof(double));
    int64_t *win = malloc((size_t)n * sizeof(int64_t));
    assert_true(free_ && hind && frag && win);
    hindered_window(n, D, 0.0, 1.0, 0.0, free_, NULL);
    /* C = C0 / 2 intact + C0 / 2 fragmented: D / (1 + 3) */
    hindered_window(n, D, 3.0, 0.5, 0.5, hind, win);
    /* the same total as intact collagen only: the same hindrance */
    hindered_window(n, D, 3.0, 1.0, 0.0, frag, NULL);
    double msd = 0.0;
    for (int r = 0; r < n; r++) {
        assert_int_equal(win[r], 1001);
        for (int k = 0; k < 3; k++) {
            msd += hind[3 * r + k] * hind[3 * r + k];
            /* the same cell, seed and window: the same walk scaled by sqrt(D'/D) exactly */
            assert_rel(hind[3 * r + k] + 1e3, 0.5 * free_[3 * r + k] + 1e3, 1e-13);
            assert_true(frag[3 * r + k] == hind[3 * r + k]);
        }
    }
    assert_rel(msd / n, 6.0 * D / 4.0 * W, 0.10);
    free(free_);
    free(hind);
    free(frag);
    free(win);
}

/* Positions of n cells after moving from t0 for `span` hours in steps of dt (chemotaxis off,
 * uniform matrix), into out[3 n]; optionally positions at every window end too. */
static void walk_positions(int n, double D, uint64_t seed, double t0, double span, double dt, double *out,
                           double *window_ends, int nwin)
{
    struct world w;
    world_init(&w, 4, 4, 4, 2000.0); /* 8 mm: walls far away for s.d. ~ 100 um */
    w.mc.motility_quiescent = w.mc.motility_activated = D;
    w.mc.chemotaxis = 0.0;
    w.mc.matrix_hindrance = 0.0;
    for (int q = 0; q < n; q++) add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 2, 1);
    const double W = DERM_MOTILITY_WINDOW_H;
    int iw = 0;
    for (double t = t0; t < t0 + span - 1e-9; t += dt) {
        move(&w, w.f.signal[DERM_S_CHEMOKINE], seed, t, dt);
        const double te = t + dt;
        if (window_ends && iw < nwin && fabs(te / W - floor(te / W + 0.5)) < 1e-12) {
            for (int r = 0; r < n; r++) {
                window_ends[(size_t)iw * 3 * n + 3 * r] = w.a.x[r];
                window_ends[(size_t)iw * 3 * n + 3 * r + 1] = w.a.y[r];
                window_ends[(size_t)iw * 3 * n + 3 * r + 2] = w.a.z[r];
            }
            iw++;
        }
    }
    if (window_ends) assert_int_equal(iw, nwin);
    for (int r = 0; r < n; r++) {
        out[3 * r] = w.a.x[r];
        out[3 * r + 1] = w.a.y[r];
        out[3 * r + 2] = w.a.z[r];
    }
    world_fini(&w);
}

/* Runs at different steps meet at every window end; the walk is keyed by time, not steps. */
static void test_walk_meets_at_window_ends(void **state)
{
    (void)state;
    const int n = 50;
    const double W = DERM_MOTILITY_WINDOW_H, D = 20.0;
    const double t0 = 1304.0 * W; /* a window start near age 25 */
    double *p168 = malloc(3 * (size_t)n * sizeof(double)), *p42 = malloc(3 * (size_t)n * sizeof(double));
    double *p12 = malloc(3 * (size_t)n * sizeof(double));
    double *e168 = malloc(3 * 3 * (size_t)n * sizeof(double)), *e12 = malloc(3 * 3 * (size_t)n * sizeof(double));
    double *e42 = malloc(3 * 3 * (size_t)n * sizeof(double));
    assert_true(p168 && p42 && p12 && e168 && e12 && e42);
    walk_positions(n, D, 3, t0, 3.0 * W, 168.0, p168, e168, 3);
    walk_positions(n, D, 3, t0, 3.0 * W, 42.0, p42, e42, 3);
    walk_positions(n, D, 3, t0, 3.0 * W, 12.0, p12, e12, 3);
    for (int i = 0; i < 3 * 3 * n; i++) {
        if (!(fabs(e12[i] - e168[i]) < 1e-9 && fabs(e42[i] - e168[i]) < 1e-9))
            fail_msg("window end %d: 168 h %.15g, 42 h %.15g, 12 h %.15g", i / (3 * n), e168[i], e42[i], e12[i]);
    }
    /* ... and the cells did move (by ~ sqrt(2 D W) = 82 um per axis and window) */
    double moved = 0.0;
    for (int r = 0; r < n; r++) moved += fabs(e168[3 * r] - 1.5 * 2000.0); /* x0: centre of voxel 1 */
    assert_true(moved / n > 10.0);
    /* inside a window the paths differ (a Brownian bridge each): 12 h vs 168 h over half a
     * window ending mid-window */
    double *h12 = malloc(3 * (size_t)n * sizeof(double)), *h42 = malloc(3 * (size_t)n * sizeof(double));
    assert_true(h12 && h42);
    walk_positions(n, D, 3, t0, 84.0, 12.0, h12, NULL, 0);
    walk_positions(n, D, 3, t0, 84.0, 42.0, h42, NULL, 0);
    int differ = 0;
    for (int i = 0; i < 3 * n; i++) differ += h12[i] != h42[i];
    assert_true(differ > 3 * n / 2);
    /* another seed: another path */
    walk_positions(n, D, 4, t0, W, 168.0, h12, NULL, 0);
    differ = 0;
    for (int i = 0; i < 3 * n; i++) differ += h12[i] != e168[i];
    assert_true(differ == 3 * n);
    free(h12);
    free(h42);
    free(p168);
    free(p42);
    free(p12);
    free(e168);
    free(e12);
    free(e42);
}

/* Variance of the walk: over a whole window 1 per axis (units of sqrt(2 D W)) whatever the
 * step; at a share e of a window, e; from a part-way entry at share s to the window end,
 * 1 - s; consecutive windows uncorrelated. */
static void test_walk_variance(void **state)
{
    (void)state;
    const int n = 4000;
    const double W = DERM_MOTILITY_WINDOW_H, D = 30.0, unit = sqrt(2.0 * D * W);
    const double t0 = 2000.0 * W;
    double *p = malloc(3 * (size_t)n * sizeof(double)), *e = malloc(2 * 3 * (size_t)n * sizeof(double));
    assert_true(p && e);
    const double x0[3] = {1.5 * 2000.0, 2.5 * 2000.0, 1.5 * 2000.0};
    const double steps[2] = {168.0, 12.0};
    for (int si = 0; si < 2; si++) {
        walk_positions(n, D, 9, t0, 2.0 * W, steps[si], p, e, 2);
        double var[3] = {0}, mean[3] = {0}, cov = 0.0;
        for (int r = 0; r < n; r++)
            for (int k = 0; k < 3; k++) {
                const double d1 = (e[3 * r + k] - x0[k]) / unit, d2 = (e[3 * n + 3 * r + k] - e[3 * r + k]) / unit;
                var[k] += d1 * d1;
                mean[k] += d1;
                if (k == 0) cov += d1 * d2;
            }
        for (int k = 0; k < 3; k++) {
            /* s.e. of the variance sqrt(2/n) = 2.2 %; of the mean 1/sqrt(n) = 0.016 */
            if (!(fabs(var[k] / n - 1.0) < 0.08)) fail_msg("dt %g axis %d: variance %.4f", steps[si], k, var[k] / n);
            assert_true(fabs(mean[k] / n) < 5.0 / sqrt((double)n));
        }
        assert_true(fabs(cov / n) < 5.0 / sqrt((double)n));
    }
    /* at a share e = 1/4 of a window (3 steps of 14 h): variance e per axis */
    walk_positions(n, D, 9, t0, 42.0, 14.0, p, NULL, 0);
    double v = 0.0;
    for (int r = 0; r < n; r++)
        for (int k = 0; k < 3; k++) v += (p[3 * r + k] - x0[k]) * (p[3 * r + k] - x0[k]);
    assert_rel(v / (3.0 * n) / (unit * unit), 0.25, 0.06);
    /* entering a window part-way (s = 3/4): to its end the variance is 1 - s */
    walk_positions(n, D, 9, t0 + 126.0, 42.0, 42.0, p, NULL, 0);
    v = 0.0;
    for (int r = 0; r < n; r++)
        for (int k = 0; k < 3; k++) v += (p[3 * r + k] - x0[k]) * (p[3 * r + k] - x0[k]);
    assert_rel(v / (3.0 * n) / (unit * unit), 0.25, 0.06);
    free(p);
    free(e);
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
    for (int step = 0; step < 5; step++) move(&w, w.f.signal[DERM_S_CHEMOKINE], 99, (double)step * 1.0, 1.0);
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
    assert_memory_equal(a1.walk_window, a2.walk_window, n * sizeof(int64_t));
    for (int k = 0; k < 3; k++) assert_memory_equal(a1.walk[k], a2.walk[k], n * sizeof(double));
    derm_agents_fini(&a1);
    derm_agents_fini(&a2);
}

/* The chemokine read through a probe of a lazy coarse signal (the run's path) moves every
 * cell exactly as its prolonged field does (the path of the tests above), for both bottom
 * faces, at 1 and 2 threads; cells in every layer, the faces included. */
static void test_move_probe_same_bits(void **state)
{
    (void)state;
    for (int vascular = 0; vascular <= 1; vascular++) {
        struct world w[2];
        struct derm_signal_grids *eager = NULL, *lazy = NULL;
        struct derm_err err = {0};
        for (int x = 0; x < 2; x++) {
            world_init(&w[x], 20, 20, 15, 10.0);
            populate(&w[x], 600, 31);
        }
        const struct derm_grid g = w[0].g;
        const double D[1] = {30.0 * 3600.0}, k[1] = {log(2.0) / 4.0}; /* the chemokine's defaults */
        assert_int_equal(derm_signal_grids_create(&eager, &g, 1, D, k, vascular, 0.125, &err), DERM_OK);
        assert_int_equal(derm_signal_grids_create(&lazy, &g, 1, D, k, vascular, 0.125, &err), DERM_OK);
        assert_int_equal(derm_signal_grids_factor(lazy, 0), 5);
        derm_signal_grids_set_lazy(lazy, 0, 1);
        double *src = calloc((size_t)g.n, sizeof(double)), *scratch = calloc((size_t)g.n, sizeof(double));
        assert_true(src && scratch);
        uint64_t s = 3 + (uint64_t)vascular;
        for (int64_t v = 0; v < g.n; v += 3) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            src[v] = (double)(s >> 11) * 0x1.0p-53;
        }
        const double *S1[1] = {src};
        double *fine = w[0].f.signal[DERM_S_CHEMOKINE];
        for (int step = 0; step < 2; step++) {
            assert_int_equal(derm_signal_grids_step(eager, &fine, S1, 24.0, &err), DERM_OK);
            assert_int_equal(derm_signal_grids_step(lazy, &scratch, S1, 24.0, &err), DERM_OK);
        }
        struct derm_signal_probe pr;
        assert_int_equal(derm_signal_grids_probe(eager, 0, &pr), -1); /* not lazy: no probe */
        assert_int_equal(derm_signal_grids_probe(lazy, 0, &pr), 0);
        /* strong chemotaxis so that the gradient moves cells by many ulps */
        for (int x = 0; x < 2; x++) w[x].mc.chemotaxis = 1e5;
        const int nt = omp_get_max_threads();
        for (int step = 0; step < 4; step++) {
            omp_set_num_threads(1 + step % 2);
            derm_motility_move(&w[0].g, &w[0].a, &w[0].mc, M(&w[0]), fine, NULL, 5, (double)step * 30.0, 30.0);
            derm_motility_move(&w[1].g, &w[1].a, &w[1].mc, M(&w[1]), NULL, &pr, 5, (double)step * 30.0, 30.0);
        }
        omp_set_num_threads(nt);
        const size_t n = (size_t)w[0].a.n;
        assert_memory_equal(w[0].a.x, w[1].a.x, n * sizeof(double));
        assert_memory_equal(w[0].a.y, w[1].a.y, n * sizeof(double));
        assert_memory_equal(w[0].a.z, w[1].a.z, n * sizeof(double));
        /* and the gradient did move them: against a flat chemokine, positions differ */
        struct world flat;
        world_init(&flat, 20, 20, 15, 10.0);
        populate(&flat, 600, 31);
        flat.mc.chemotaxis = 1e5;
        for (int step = 0; step < 4; step++)
            derm_motility_move(&flat.g, &flat.a, &flat.mc, M(&flat), flat.f.signal[DERM_S_CHEMOKINE], NULL, 5,
                               (double)step * 30.0, 30.0);
        int64_t moved = 0;
        for (size_t r = 0; r < n; r++) moved += flat.a.x[r] != w[0].a.x[r] || flat.a.z[r] != w[0].a.z[r];
        assert_true(moved > (int64_t)n / 2);
        world_fini(&flat);
        for (int x = 0; x < 2; x++) world_fini(&w[x]);
        derm_signal_grids_free(eager);
        derm_signal_grids_free(lazy);
        free(src);
        free(scratch);
    }
}

/* The window ends a step keeps (walk_end) give the same paths as drawing every end again:
 * steps that end inside windows (a weekly step out of phase with the windows, short steps,
 * a step longer than a window) and a change of seed, against the same moves with the kept
 * ends cleared before each; the kept ends were used (the first step keeps some). */
static void test_kept_window_ends_same_paths(void **state)
{
    (void)state;
    struct world w1, w2;
    world_init(&w1, 8, 8, 8, 20.0);
    world_init(&w2, 8, 8, 8, 20.0);
    populate(&w1, 300, 31);
    populate(&w2, 300, 31);
    const double steps[][2] = {{1000.0, 168.0}, {1168.0, 168.0}, {1336.0, 5.0},  {1341.0, 400.0},
                               {1741.0, 168.0}, {1909.0, 24.0},  {1933.0, 168.0}};
    int64_t kept = 0;
    for (int i = 0; i < 7; i++) {
        const uint64_t seed = i < 5 ? 99 : 100;
        for (int64_t r = 0; r < w2.a.n; r++) w2.a.walk_end_window[r] = INT64_MIN;
        for (int64_t r = 0; r < w1.a.n; r++) {
            const int64_t w = (int64_t)floor(steps[i][0] / DERM_MOTILITY_WINDOW_H);
            kept += w1.a.walk_end_window[r] == w && w1.a.walk_end_seed == seed;
        }
        move(&w1, w1.f.signal[DERM_S_CHEMOKINE], seed, steps[i][0], steps[i][1]);
        move(&w2, w2.f.signal[DERM_S_CHEMOKINE], seed, steps[i][0], steps[i][1]);
        const size_t n = (size_t)w1.a.n;
        assert_memory_equal(w1.a.x, w2.a.x, n * sizeof(double));
        assert_memory_equal(w1.a.y, w2.a.y, n * sizeof(double));
        assert_memory_equal(w1.a.z, w2.a.z, n * sizeof(double));
        for (int k = 0; k < 3; k++) assert_memory_equal(w1.a.walk[k], w2.a.walk[k], n * sizeof(double));
    }
    assert_true(kept >= 4 * 300); /* steps 2, 3, 4 and 5 start in a window whose end was kept */
    world_fini(&w1);
    world_fini(&w2);
}

/* A step draws at most three normal triples per cell for each window it touches (the
 * window's end, the bridge inside it, the entry part-way), however its ends round: hourly
 * steps over a week of clock values on both sides of 0 (where T + e W falls an ulp short of
 * the step's end for some of them, e.g. [-72, -71): the walk redid that window with bridges
 * of zero length up to its guard, a million times per cell), quarter hours, and steps of
 * 5, 42, 168 and 400 h at clock values of every sign. */
static void test_walk_draws_bounded(void **state)
{
    (void)state;
    const double W = DERM_MOTILITY_WINDOW_H;
    struct world w;
    world_init(&w, 4, 4, 4, 200.0);
    populate(&w, 20, 5);
    /* -200: hourly through -72, -67, -51 and -46 h */
    const double starts[] = {-200.0, -13149.0, -1.0e5 - 0.3, -336.0, 0.0, 219144.0, 1304.46 * 168.0};
    const double dts[] = {1.0, 0.25, 5.0, 42.0, 168.0, 400.0};
    for (size_t di = 0; di < sizeof dts / sizeof *dts; di++)
        for (size_t si = 0; si < sizeof starts / sizeof *starts; si++) {
            const int nsteps = dts[di] < 2.0 ? (int)(200.0 / dts[di]) : 12;
            for (int i = 0; i < nsteps; i++) {
                const double a = starts[si] + (double)i * dts[di], b = a + dts[di];
                const long long windows = (long long)(ceil(b / W) - floor(a / W));
                normal3_calls = 0;
                move(&w, w.f.signal[DERM_S_CHEMOKINE], 7, a, dts[di]);
                if (normal3_calls > 3LL * windows * w.a.n)
                    fail_msg("step [%.17g, %.17g): %lld normal triples for %lld cells over %lld windows", a, b,
                             normal3_calls, (long long)w.a.n, windows);
            }
        }
    world_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_move_stays_in_domain),
        cmocka_unit_test(test_move_mean_square_displacement),
        cmocka_unit_test(test_move_chemotaxis_reflect_wrap),
        cmocka_unit_test(test_wrap_and_reflect),
        cmocka_unit_test(test_hindrance_counts_fragments),
        cmocka_unit_test(test_walk_meets_at_window_ends),
        cmocka_unit_test(test_walk_variance),
        cmocka_unit_test(test_move_thread_invariant),
        cmocka_unit_test(test_move_probe_same_bits),
        cmocka_unit_test(test_kept_window_ends_same_paths),
        cmocka_unit_test(test_walk_draws_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
