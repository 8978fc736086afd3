/* motility.c - random motility and chemotaxis of cells (model in motility.h). */
#include "derm/model/motility.h"

#include <math.h>

#include "derm/core/rng.h"
#include "derm/core/simd.h"
#include "derm/store/fields.h"

double derm_motility_wrap(double x, double L)
{
    /* within one period of the domain (nearly every call) fmod(x, L) is x itself, exactly:
     * the same result without the call (x = -L is left to fmod, which gives -0) */
    if (x > -L && x < L) return x < 0.0 ? x + L : x;
    x = fmod(x, L);
    return x < 0.0 ? x + L : x;
}

double derm_motility_reflect(double z, double L)
{
    if (z >= 0.0 && z < L) return z; /* inside (nearly every call): what the folding below gives */
    /* fold into [0, L) by mirror reflection at both faces */
    double p = fmod(z, 2.0 * L);
    if (p < 0.0) p += 2.0 * L;
    if (p >= L) p = 2.0 * L - p;
    if (p >= L) p = nextafter(L, 0.0);
    return p;
}

/* The standard Brownian path of row r over [t0, t1) hours, as the sum of its increments in
 * each window of DERM_MOTILITY_WINDOW_H hours: a window's end value is keyed by the cell's
 * lineage key and the window's index (so paths at different steps meet at every window
 * end), and values inside a window are drawn from the Brownian bridge to it. Writes the
 * increment per axis in units of sqrt(window). */
static void walk(struct derm_agents *a, int64_t r, uint64_t seed, double t0, double t1, double inc[3])
{
    const double W = DERM_MOTILITY_WINDOW_H;
    const uint64_t key = (uint64_t)a->lineage[r];
    inc[0] = inc[1] = inc[2] = 0.0;
    double t = t0;
    for (int guard = 0; guard < 1000000 && t < t1; guard++) {
        const double wf = floor(t / W);
        const int64_t w = (int64_t)wf;
        const double T = wf * W, s = (t - T) / W;
        const double e = (t1 < T + W ? t1 - T : W) / W;
        double z1[3], ze[3] = {0, 0, 0}, zb[3] = {0, 0, 0};
        const int entering = a->walk_window[r] != w, bridged = e < 1.0;
        if (a->walk_end_window[r] == w) { /* drawn by the step before, which ended in this window */
            for (int q = 0; q < 3; q++) z1[q] = a->walk_end[q][r];
        } else {
            derm_rng_normal3(seed, key, (uint64_t)w, DERM_RNG_MOVE, 0u, z1);
            for (int q = 0; q < 3; q++) a->walk_end[q][r] = z1[q];
            a->walk_end_window[r] = w;
        }
        if (entering && s > 0.0) derm_rng_normal3(seed, key, (uint64_t)w, DERM_RNG_MOVE_ENTRY, 0u, ze);
        if (bridged) derm_rng_normal3(seed, key, (uint64_t)w, DERM_RNG_MOVE_BRIDGE, (uint32_t)(e * 1048576.0), zb);
        for (int q = 0; q < 3; q++) {
            double b = a->walk[q][r];
            if (entering) /* entering the window mid-way: the bridge at s */
                b = s > 0.0 ? s * z1[q] + sqrt(s * (1.0 - s)) * ze[q] : 0.0;
            double bn = z1[q];
            if (bridged) bn = b + (z1[q] - b) * (e - s) / (1.0 - s) + sqrt((e - s) * (1.0 - e) / (1.0 - s)) * zb[q];
            inc[q] += bn - b;
            a->walk[q][r] = bridged ? bn : 0.0;
        }
        a->walk_window[r] = e < 1.0 ? w : w + 1;
        /* on to the next window, or done: a step that ends inside this window ends at t1
         * itself (T + e W can fall an ulp short of t1 and would redo the window, with a
         * bridge of zero length, until the guard) */
        t = e < 1.0 ? t1 : T + W;
    }
}

void derm_motility_move(const struct derm_grid *g, struct derm_agents *a, const struct derm_motility_coef *c,
                        const derm_real *const *m, const derm_real *chem, const struct derm_signal_probe *chem_probe,
                        uint64_t seed, double t0_h, double dt_h)
{
    const int64_t n = a->n, nx = g->nx, ny = g->ny, nz = g->nz, nxy = nx * ny, nvox = nxy * nz;
    const double h = g->h_um, lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    const derm_real *ci = m[DERM_M_COLLAGEN_INTACT], *cf = m[DERM_M_COLLAGEN_FRAGMENTED];
    const double dt = dt_h, t0 = t0_h;
    if (a->walk_end_seed != seed) { /* the kept end values are of another seed's paths */
        for (int64_t r = 0; r < n; r++) a->walk_end_window[r] = INT64_MIN;
        a->walk_end_seed = seed;
    }
    const struct derm_signal_probe *probe = chem_probe;
    /* The draws first, each cell's end value of the window the step begins in, kept where
     * walk() looks for it (walk_end, walk_end_window) and the value walk() would draw there
     * itself: a loop of draws alone lets the processor run several cells' chains of
     * dependent operations (the generator's rounds, log, sqrt, sin, cos) side by side. */
    if (t0 < t0 + dt) { /* walk()'s first window, when it has one */
        const double wf = floor(t0 / DERM_MOTILITY_WINDOW_H);
        const int64_t w = (int64_t)wf;
#pragma omp parallel for schedule(static) default(none) shared(a) firstprivate(n, w, seed)
        for (int64_t r = 0; r < n; r++) {
            if (a->die[r] || a->walk_end_window[r] == w) continue;
            double z1[3];
            derm_rng_normal3(seed, (uint64_t)a->lineage[r], (uint64_t)w, DERM_RNG_MOVE, 0u, z1);
            for (int q = 0; q < 3; q++) a->walk_end[q][r] = z1[q];
            a->walk_end_window[r] = w;
        }
    }
#pragma omp parallel for schedule(static) default(none) shared(a, c, ci, cf, chem, probe) \
    firstprivate(n, nx, ny, nz, nxy, nvox, h, lx, ly, lz, dt, t0, seed)
    for (int64_t r = 0; r < n; r++) {
        if (r + DERM_PREFETCH_ROWS < n) { /* what this loop reads at a later row's voxel */
            const int64_t vp = a->voxel[r + DERM_PREFETCH_ROWS];
            DERM_PREFETCH(ci + vp);
            DERM_PREFETCH(cf + vp);
            if (!probe) { /* the gradient's neighbours: other cache lines (x's mostly share vp's) */
                DERM_PREFETCH(chem + vp);
                if (vp >= nx) DERM_PREFETCH(chem + vp - nx);
                if (vp + nx < nvox) DERM_PREFETCH(chem + vp + nx);
                if (vp >= nxy) DERM_PREFETCH(chem + vp - nxy);
                if (vp + nxy < nvox) DERM_PREFETCH(chem + vp + nxy);
            }
        }
        if (a->die[r]) continue;
        const int64_t v = a->voxel[r];
        const int64_t i = v % nx, j = (v / nx) % ny, k = v / (nx * ny);
        double D = a->state[r] == DERM_STATE_ACTIVATED ? c->motility_activated : c->motility_quiescent;
        if (a->type[r] == DERM_AGENT_STEM) D = c->motility_quiescent;
        D /= 1.0 + c->matrix_hindrance * (ci[v] + cf[v]) / c->matrix_ref;
        /* chemokine gradient by central differences (one-sided at the z faces) */
        const int64_t ip = (i + 1) % nx, im = (i + nx - 1) % nx, jp = (j + 1) % ny, jm = (j + ny - 1) % ny;
        const int64_t kp = k + 1 < nz ? k + 1 : k, km = k > 0 ? k - 1 : k;
        derm_real nb[6]; /* at (ip|im, j, k), (i, jp|jm, k), (i, j, kp|km) */
        if (probe) {
            const int64_t at[6] = {ip, im, jp, jm, kp, km};
            derm_signal_grids_probe_star(probe, i, j, k, at, nb);
        } else {
            nb[0] = chem[v - i + ip], nb[1] = chem[v - i + im];
            nb[2] = chem[v + (jp - j) * nx], nb[3] = chem[v + (jm - j) * nx];
            nb[4] = chem[v + (kp - k) * nxy], nb[5] = chem[v + (km - k) * nxy];
        }
        const double gx = nx > 1 ? (nb[0] - nb[1]) / (2.0 * h) : 0.0;
        const double gy = ny > 1 ? (nb[2] - nb[3]) / (2.0 * h) : 0.0;
        const double gz = kp != km ? (nb[4] - nb[5]) / ((double)(kp - km) * h) : 0.0;
        double inc[3];
        walk(a, r, seed, t0, t0 + dt, inc);
        const double sd = sqrt(2.0 * D * DERM_MOTILITY_WINDOW_H);
        double dx = sd * inc[0] + c->chemotaxis * gx * dt;
        double dy = sd * inc[1] + c->chemotaxis * gy * dt;
        double dz = sd * inc[2] + c->chemotaxis * gz * dt;
        if (nx > 1) a->x[r] = derm_motility_wrap(a->x[r] + dx, lx);
        if (ny > 1) a->y[r] = derm_motility_wrap(a->y[r] + dy, ly);
        a->z[r] = derm_motility_reflect(a->z[r] + dz, lz);
    }
}
