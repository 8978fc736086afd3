/* coupling.c - race-free deposition of agent values into voxels and the separable box filter. */
#include "derm/model/coupling.h"

#include <stdlib.h>
#include <string.h>

void derm_coupling_deposit(const struct derm_grid *g, const struct derm_bins *b, const double *val, double *out)
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

void derm_coupling_count(const struct derm_grid *g, const struct derm_bins *b, const struct derm_agents *a, int type,
                         double *out)
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

static int cap_radius(int r, int64_t n) { return (int64_t)(2 * r + 1) > n ? (int)((n - 1) / 2) : r; }

/* The three passes of the box filter. Each output element is the sum of its window in
 * the order d = -r..r, so results do not depend on the thread count; every pass works on
 * contiguous rows or planes. */
static void box_pass_x(const struct derm_grid *g, int r, const double *in, double *out)
{
    const int64_t nx = g->nx, nrows = g->ny * g->nz;
#pragma omp parallel for schedule(static) default(none) shared(in, out) firstprivate(nx, nrows, r)
    for (int64_t row = 0; row < nrows; row++) {
        const double *a = in + row * nx;
        double *o = out + row * nx;
        for (int64_t i = 0; i < nx; i++) {
            double sum = 0.0;
            for (int64_t d = -r; d <= r; d++) {
                int64_t m = i + d;
                m = m < 0 ? m + nx : (m >= nx ? m - nx : m);
                sum += a[m];
            }
            o[i] = sum;
        }
    }
}

static void box_pass_y(const struct derm_grid *g, int r, const double *in, double *out)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz;
#pragma omp parallel for schedule(static) default(none) shared(in, out) firstprivate(nx, ny, nz, r)
    for (int64_t k = 0; k < nz; k++) {
        for (int64_t j = 0; j < ny; j++) {
            double *o = out + (k * ny + j) * nx;
            for (int64_t i = 0; i < nx; i++) o[i] = 0.0;
            for (int64_t d = -r; d <= r; d++) {
                int64_t m = j + d;
                m = m < 0 ? m + ny : (m >= ny ? m - ny : m);
                const double *a = in + (k * ny + m) * nx;
                for (int64_t i = 0; i < nx; i++) o[i] += a[i];
            }
        }
    }
}

static void box_pass_z(const struct derm_grid *g, int r, const double *in, double *out)
{
    const int64_t nxy = g->nx * g->ny, nz = g->nz;
#pragma omp parallel for schedule(static) default(none) shared(in, out) firstprivate(nxy, nz, r)
    for (int64_t k = 0; k < nz; k++) {
        double *o = out + k * nxy;
        for (int64_t q = 0; q < nxy; q++) o[q] = 0.0;
        for (int64_t d = -r; d <= r; d++) {
            int64_t m = k + d;
            if (m < 0 || m >= nz) continue;
            const double *a = in + m * nxy;
            for (int64_t q = 0; q < nxy; q++) o[q] += a[q];
        }
    }
}

void derm_coupling_box(const struct derm_grid *g, int r, enum derm_box_mode mode, const double *in, double *out,
                       double *tmp)
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
    box_pass_x(g, rx, src, tmp);
    box_pass_y(g, ry, tmp, out);
    box_pass_z(g, rz, out, tmp);
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
