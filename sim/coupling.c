/* coupling.c - agent binning, race-free deposition and the separable box filter. */
#include "derm/coupling.h"

#include <stdlib.h>
#include <string.h>

derm_status derm_bins_init(struct derm_bins *b, const struct derm_grid *g, struct derm_err *err)
{
    memset(b, 0, sizeof *b);
    b->nvox = g->n;
    b->start = calloc((size_t)g->n + 1, sizeof *b->start);
    if (!b->start) return derm_err_set(err, DERM_ENOMEM, "bins: cannot allocate %lld voxels", (long long)g->n);
    return DERM_OK;
}

void derm_bins_fini(struct derm_bins *b)
{
    free(b->start);
    free(b->rows);
    memset(b, 0, sizeof *b);
}

derm_status derm_bins_build(struct derm_bins *b, const struct derm_grid *g, struct derm_agents *a,
                            struct derm_err *err)
{
    const int64_t n = a->n, nvox = g->n;
    if (n > b->cap) {
        int64_t cap = n + n / 2 + 64;
        int64_t *r = realloc(b->rows, (size_t)cap * sizeof *r);
        if (!r) return derm_err_set(err, DERM_ENOMEM, "bins: cannot allocate %lld rows", (long long)cap);
        b->rows = r;
        b->cap = cap;
    }
    const double *restrict x = a->x, *restrict y = a->y, *restrict z = a->z;
    int64_t *restrict vox = a->voxel;
    const struct derm_grid gg = *g;
#pragma omp parallel for schedule(static) default(none) shared(x, y, z, vox) firstprivate(gg, n)
    for (int64_t r = 0; r < n; r++) vox[r] = derm_grid_voxel_of(&gg, x[r], y[r], z[r]);

    int64_t *start = b->start;
    memset(start, 0, (size_t)(nvox + 1) * sizeof *start);
    for (int64_t r = 0; r < n; r++) start[vox[r] + 1]++;
    for (int64_t v = 0; v < nvox; v++) start[v + 1] += start[v];
    /* stable placement: rows ascend within each voxel */
    int64_t *fill = malloc((size_t)nvox * sizeof *fill);
    if (!fill) return derm_err_set(err, DERM_ENOMEM, "bins: cannot allocate fill counters");
    memcpy(fill, start, (size_t)nvox * sizeof *fill);
    for (int64_t r = 0; r < n; r++) b->rows[fill[vox[r]]++] = r;
    free(fill);
    return DERM_OK;
}

void derm_coupling_deposit(const struct derm_grid *g, const struct derm_bins *b,
                           const double *val, double *out)
{
    const int64_t nvox = g->n;
    const int64_t *restrict start = b->start, *restrict rows = b->rows;
#pragma omp parallel for schedule(static) default(none) shared(start, rows, val, out) firstprivate(nvox)
    for (int64_t v = 0; v < nvox; v++) {
        double s = 0.0;
        for (int64_t q = start[v]; q < start[v + 1]; q++) s += val[rows[q]];
        out[v] = s;
    }
}

void derm_coupling_count(const struct derm_grid *g, const struct derm_bins *b,
                         const struct derm_agents *a, int type, double *out)
{
    const int64_t nvox = g->n;
    const int64_t *restrict start = b->start, *restrict rows = b->rows;
    const int8_t *restrict ty = a->type;
#pragma omp parallel for schedule(static) default(none) shared(start, rows, ty, out) firstprivate(nvox, type)
    for (int64_t v = 0; v < nvox; v++) {
        double s = 0.0;
        for (int64_t q = start[v]; q < start[v + 1]; q++) s += (ty[rows[q]] == type);
        out[v] = s;
    }
}

/* Sum along one axis with a window of half-width r, line by line. Each line is copied into
 * a padded buffer (periodic wrap or zeros beyond truncated faces), then summed with plain
 * contiguous loops: exact sums in a fixed order, independent of thread count. */
static void box_axis(const double *in, double *out, int64_t nlines, int64_t n, int64_t stride,
                     int64_t (*line_base)(int64_t, const struct derm_grid *), const struct derm_grid *g,
                     int r, int periodic)
{
#pragma omp parallel default(none) shared(in, out, line_base, g) firstprivate(nlines, n, stride, r, periodic)
    {
        /* a failed allocation of this small line buffer falls back to index arithmetic */
        double *buf = malloc((size_t)(n + 2 * r) * sizeof *buf);
        if (!buf) {
#pragma omp for schedule(static)
            for (int64_t l = 0; l < nlines; l++) {
                const int64_t base = line_base(l, g);
                for (int64_t i = 0; i < n; i++) {
                    double sum = 0.0;
                    for (int64_t d = -r; d <= r; d++) {
                        int64_t m = i + d;
                        if (periodic) m = ((m % n) + n) % n;
                        else if (m < 0 || m >= n) continue;
                        sum += in[base + m * stride];
                    }
                    out[base + i * stride] = sum;
                }
            }
        } else {
#pragma omp for schedule(static)
            for (int64_t l = 0; l < nlines; l++) {
                const int64_t base = line_base(l, g);
                for (int64_t i = 0; i < n; i++) buf[r + i] = in[base + i * stride];
                for (int d = 1; d <= r; d++) {
                    buf[r - d] = periodic ? buf[r + ((n - d % n) % n)] : 0.0;
                    buf[r + n - 1 + d] = periodic ? buf[r + ((d - 1) % n)] : 0.0;
                }
                for (int64_t i = 0; i < n; i++) {
                    double sum = 0.0;
                    const double *w = buf + i;
                    for (int d = 0; d <= 2 * r; d++) sum += w[d];
                    out[base + i * stride] = sum;
                }
            }
            free(buf);
        }
    }
}

static int64_t base_x(int64_t l, const struct derm_grid *g) { return l * g->nx; }
static int64_t base_y(int64_t l, const struct derm_grid *g)
{
    int64_t k = l / g->nx, i = l % g->nx;
    return k * g->nx * g->ny + i;
}
static int64_t base_z(int64_t l, const struct derm_grid *g) { return l; }

static int cap_radius(int r, int64_t n) { return (int64_t)(2 * r + 1) > n ? (int)((n - 1) / 2) : r; }

void derm_coupling_box(const struct derm_grid *g, int r, enum derm_box_mode mode, const double *in,
                       double *out, double *tmp)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz, nxy = nx * ny;
    if (r <= 0) {
        memcpy(out, in, (size_t)g->n * sizeof *out);
        return;
    }
    int rx = cap_radius(r, nx), ry = cap_radius(r, ny), rz = r;
    double lateral = (double)(2 * rx + 1) * (double)(2 * ry + 1);
    /* n_in(k) = lateral * number of in-domain layers within rz of k */
    const double *src = in;
    if (mode == DERM_BOX_CONSERVE) {
        for (int64_t k = 0; k < nz; k++) {
            int64_t lo = k - rz < 0 ? 0 : k - rz, hi = k + rz >= nz ? nz - 1 : k + rz;
            double w = 1.0 / (lateral * (double)(hi - lo + 1));
            for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) out[q] = in[q] * w;
        }
        src = out;
    }
    box_axis(src, tmp, ny * nz, nx, 1, base_x, g, rx, 1);
    box_axis(tmp, out, nx * nz, ny, nx, base_y, g, ry, 1);
    box_axis(out, tmp, nxy, nz, nxy, base_z, g, rz, 0);
    if (mode == DERM_BOX_MEAN) {
        for (int64_t k = 0; k < nz; k++) {
            int64_t lo = k - rz < 0 ? 0 : k - rz, hi = k + rz >= nz ? nz - 1 : k + rz;
            double w = 1.0 / (lateral * (double)(hi - lo + 1));
            for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) out[q] = tmp[q] * w;
        }
    } else {
        memcpy(out, tmp, (size_t)g->n * sizeof *out);
    }
}
