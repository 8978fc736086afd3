/* grid.c - grid geometry: initialisation with overflow checks and point-to-voxel mapping. */
#include "derm/core/grid.h"

#include <math.h>

int derm_grid_init(struct derm_grid *g, int64_t nx, int64_t ny, int64_t nz, double h_um)
{
    if (nx < 1 || ny < 1 || nz < 1 || !(h_um > 0.0) || !isfinite(h_um)) return -1;
    if (nx > INT64_MAX / ny || nx * ny > INT64_MAX / nz) return -1;
    g->nx = nx;
    g->ny = ny;
    g->nz = nz;
    g->h_um = h_um;
    g->n = nx * ny * nz;
    return 0;
}

static int64_t wrap_index(double pos, double h, int64_t n)
{
    int64_t i = (int64_t)floor(pos / h);
    i %= n;
    if (i < 0) i += n;
    return i;
}

int64_t derm_grid_voxel_of(const struct derm_grid *g, double x, double y, double z)
{
    int64_t i = wrap_index(x, g->h_um, g->nx);
    int64_t j = wrap_index(y, g->h_um, g->ny);
    int64_t k = (int64_t)floor(z / g->h_um);
    if (k < 0) k = 0;
    if (k >= g->nz) k = g->nz - 1;
    return derm_grid_idx(g, i, j, k);
}
