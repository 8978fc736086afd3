/* motility.c - random motility and chemotaxis of cells (model in motility.h). */
#include "derm/model/motility.h"

#include <math.h>

#include "derm/core/rng.h"
#include "derm/store/fields.h"

double derm_motility_wrap(double x, double L)
{
    x = fmod(x, L);
    return x < 0.0 ? x + L : x;
}

double derm_motility_reflect(double z, double L)
{
    /* fold into [0, L) by mirror reflection at both faces */
    double p = fmod(z, 2.0 * L);
    if (p < 0.0) p += 2.0 * L;
    if (p >= L) p = 2.0 * L - p;
    if (p >= L) p = nextafter(L, 0.0);
    return p;
}

void derm_motility_move(const struct derm_grid *g, struct derm_agents *a, const struct derm_motility_coef *c,
                        const double *const *m, const double *chem, uint64_t seed, int64_t step, double dt_h)
{
    const int64_t n = a->n, nx = g->nx, ny = g->ny, nz = g->nz;
    const double h = g->h_um, lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    const double *ci = m[DERM_M_COLLAGEN_INTACT], *cf = m[DERM_M_COLLAGEN_FRAGMENTED];
    const uint64_t st = (uint64_t)step;
    const double dt = dt_h;
#pragma omp parallel for schedule(static) default(none) shared(a, c, ci, cf, chem) \
    firstprivate(n, nx, ny, nz, h, lx, ly, lz, st, dt, seed)
    for (int64_t r = 0; r < n; r++) {
        if (a->die[r]) continue;
        const int64_t v = a->voxel[r];
        const int64_t i = v % nx, j = (v / nx) % ny, k = v / (nx * ny);
        double D = a->state[r] == DERM_STATE_ACTIVATED ? c->motility_activated : c->motility_quiescent;
        if (a->type[r] == DERM_AGENT_STEM) D = c->motility_quiescent;
        D /= 1.0 + c->matrix_hindrance * (ci[v] + cf[v]) / c->matrix_ref;
        /* chemokine gradient by central differences (one-sided at the z faces) */
        double gx = 0, gy = 0, gz = 0;
        if (nx > 1) {
            int64_t ip = (i + 1) % nx, im = (i + nx - 1) % nx;
            gx = (chem[v - i + ip] - chem[v - i + im]) / (2.0 * h);
        }
        if (ny > 1) {
            int64_t jp = (j + 1) % ny, jm = (j + ny - 1) % ny;
            gy = (chem[v + (jp - j) * nx] - chem[v + (jm - j) * nx]) / (2.0 * h);
        }
        {
            int64_t kp = k + 1 < nz ? k + 1 : k, km = k > 0 ? k - 1 : k;
            if (kp != km) gz = (chem[v + (kp - k) * nx * ny] - chem[v + (km - k) * nx * ny]) / ((double)(kp - km) * h);
        }
        double sd = sqrt(2.0 * D * dt);
        uint64_t id = (uint64_t)a->id[r];
        double dx = sd * derm_rng_normal(seed, id, st, DERM_RNG_MOVE, 0) + c->chemotaxis * gx * dt;
        double dy = sd * derm_rng_normal(seed, id, st, DERM_RNG_MOVE, 1) + c->chemotaxis * gy * dt;
        double dz = sd * derm_rng_normal(seed, id, st, DERM_RNG_MOVE, 2) + c->chemotaxis * gz * dt;
        if (nx > 1) a->x[r] = derm_motility_wrap(a->x[r] + dx, lx);
        if (ny > 1) a->y[r] = derm_motility_wrap(a->y[r] + dy, ly);
        a->z[r] = derm_motility_reflect(a->z[r] + dz, lz);
    }
}
