/* grid.c - grid geometry: initialisation with overflow checks and point-to-voxel mapping. */
#include "derm/core/grid.h"

#include <math.h>
#include <omp.h>

derm_status derm_grid_init(struct derm_grid *g, int64_t nx, int64_t ny, int64_t nz, double h_um, struct derm_err *err)
{
    if (nx < 1 || ny < 1 || nz < 1 || !(h_um > 0.0) || !isfinite(h_um))
        return derm_err_set(err, DERM_ECONFIG,
                            "invalid grid %lld x %lld x %lld at %g um; expected sizes >= 1 and a "
                            "positive finite voxel",
                            (long long)nx, (long long)ny, (long long)nz, h_um);
    if (nx > INT64_MAX / ny || nx * ny > INT64_MAX / nz)
        return derm_err_set(err, DERM_ECONFIG, "grid %lld x %lld x %lld has too many voxels to address", (long long)nx,
                            (long long)ny, (long long)nz);
    g->nx = nx;
    g->ny = ny;
    g->nz = nz;
    g->h_um = h_um;
    g->n = nx * ny * nz;
    return DERM_OK;
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

void derm_grid_add_layers(const struct derm_grid *g, const double *per_layer, double scale, derm_real *x)
{
    const int64_t nxy = g->nx * g->ny, nz = g->nz;
#pragma omp parallel for schedule(static) default(none) shared(per_layer, x) firstprivate(nxy, nz, scale)
    for (int64_t k = 0; k < nz; k++) {
        const double add = scale * per_layer[k];
        if (add == 0.0) continue;
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) x[q] += add;
    }
}

int64_t derm_grid_coarsening(const struct derm_grid *g, double length_um)
{
    if (!(length_um > 0.0) || !isfinite(length_um)) return 1;
    int64_t best = 1;
    const int64_t m = g->nx < g->ny ? (g->nx < g->nz ? g->nx : g->nz) : (g->ny < g->nz ? g->ny : g->nz);
    for (int64_t f = 2; f <= m; f++)
        if (g->nx % f == 0 && g->ny % f == 0 && g->nz % f == 0 && (double)f * g->h_um <= length_um) best = f;
    return best;
}

void derm_grid_sums8(const derm_real *const p[8], int64_t len, double s[8])
{
    for (int j = 0; j < 8; j++) s[j] = 0.0;
    derm_grid_sums8_add(p, len, s);
}

void derm_grid_sums8_add(const derm_real *const p[8], int64_t len, double s[8])
{
    double s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3], s4 = s[4], s5 = s[5], s6 = s[6], s7 = s[7];
    for (int64_t v = 0; v < len; v++) { /* independent chains, each in index order */
        s0 += p[0][v];
        s1 += p[1][v];
        s2 += p[2][v];
        s3 += p[3][v];
        s4 += p[4][v];
        s5 += p[5][v];
        s6 += p[6][v];
        s7 += p[7][v];
    }
    s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3, s[4] = s4, s[5] = s5, s[6] = s6, s[7] = s7;
}

/* Up to 8 sums share one pass (derm_grid_sums8); the arrays are split into about as many
 * groups as threads. A run on a small grid has fewer threads already (app/cli.c). */
void derm_grid_sums_serial(const derm_real *const *x, int k, int64_t n, double *sum)
{
    const int threads = omp_get_max_threads();
    int per = (k + threads - 1) / threads;
    if (per > 8) per = 8;
    if (per < 1) per = 1;
    const int groups = (k + per - 1) / per;
#pragma omp parallel for schedule(static, 1) default(none) shared(x, sum) firstprivate(k, n, per, groups) \
    num_threads(groups < threads ? groups : threads)
    for (int gi = 0; gi < groups; gi++) {
        const int j0 = per * gi, m = k - j0 < per ? k - j0 : per;
        const derm_real *p[8];
        for (int j = 0; j < 8; j++) p[j] = x[j0 + (j < m ? j : m - 1)]; /* unused chains repeat the last */
        double sv[8];
        derm_grid_sums8(p, n, sv);
        for (int j = 0; j < m; j++) sum[j0 + j] = sv[j];
    }
}

/* The layout of both: `rings` rings of 2r + 1 layers, a layer and a row of nx values, `outs`
 * output layers (derm_real), then a row of nx sums (double, 64-byte aligned), then ny flags. */
static size_t ring_scratch_bytes(int64_t nx, int64_t ny, int r, int rings, int outs, size_t *off_acc, size_t *off_flags)
{
    const int64_t nxy = nx * ny;
    const size_t reals = (size_t)((int64_t)rings * (2 * (int64_t)r + 1) * nxy + nxy + nx + (int64_t)outs * nxy);
    const size_t acc = (reals * sizeof(derm_real) + 63) / 64 * 64, flags = acc + (size_t)nx * sizeof(double);
    if (off_acc) *off_acc = acc;
    if (off_flags) *off_flags = flags;
    return flags + (size_t)ny;
}

size_t derm_grid_ring_bytes(int64_t nx, int64_t ny, int r, size_t *off_acc, size_t *off_flags)
{
    return ring_scratch_bytes(nx, ny, r, 1, 0, off_acc, off_flags);
}

size_t derm_grid_layers_bytes(int64_t nx, int64_t ny, int r, int n, size_t *off_acc, size_t *off_flags)
{
    return ring_scratch_bytes(nx, ny, r, n, n, off_acc, off_flags);
}

int derm_grid_layers_worth(int64_t nx, int64_t ny, int64_t nz, int r, int n, int threads)
{
    if (r < 1 || r > DERM_GRID_RING_MAX_R || n < 1 || n > 3 || threads < 1) return 0;
    const double arrays = (double)n * (double)nx * (double)ny * (double)nz * (double)sizeof(derm_real);
    return (double)threads * (double)derm_grid_layers_bytes(nx, ny, r, n, NULL, NULL) <= 0.5 * arrays;
}
