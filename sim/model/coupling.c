/* coupling.c - race-free deposition of agent values into voxels and the separable box filter. */
#include "derm/model/coupling.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/simd.h"

/* The bins hold only the occupied voxels: every other voxel's deposit is the empty sum (0,
 * plus the constant when there is one), written as a fill; each occupied voxel then sums its
 * rows in row order, as before the bins were sparse (the same bits: 0 + add is add). */

/* The deposit of the bins' occupied voxel j: val over its rows, added in row order from 0. */
static inline double occ_sum(const struct derm_bins *b, int64_t j, const double *val)
{
    double s = 0.0;
    for (int64_t q = b->occ_start[j]; q < b->occ_start[j + 1]; q++) s += val[b->rows[q]];
    return s;
}

void derm_coupling_deposit(const struct derm_grid *g, const struct derm_bins *b, const double *val, derm_real *out)
{
    const int64_t nvox = g->n, nocc = b->nocc;
    memset(out, 0, (size_t)nvox * sizeof *out);
#pragma omp parallel for schedule(static) default(none) shared(b, val, out) firstprivate(nocc)
    for (int64_t j = 0; j < nocc; j++) out[b->occ[j]] = occ_sum(b, j, val);
}

void derm_coupling_deposit_many(const struct derm_grid *g, const struct derm_bins *b, int n, const double *const *val,
                                const double *add, derm_real *const *out)
{
    const int64_t nvox = g->n, nocc = b->nocc;
#pragma omp parallel default(none) shared(b, val, add, out) firstprivate(nvox, nocc, n)
    {
        for (int i = 0; i < n; i++) {
            derm_real *o = out[i];
            const double a = add ? add[i] : 0.0;
#pragma omp for schedule(static) nowait
            for (int64_t v = 0; v < nvox; v++) o[v] = a;
        }
#pragma omp barrier
#pragma omp for schedule(static)
        for (int64_t j = 0; j < nocc; j++)
            for (int i = 0; i < n; i++) {
                double s = occ_sum(b, j, val[i]);
                if (add) s += add[i];
                out[i][b->occ[j]] = s;
            }
    }
}

void derm_coupling_deposit_coarse(const struct derm_grid *g, const struct derm_bins *b, int64_t f, int n,
                                  const double *const *val, const double *add, derm_real *const *out)
{
    const int64_t nx = g->nx, ny = g->ny, nxy = g->nx * g->ny, nxc = g->nx / f, pc = (g->nx / f) * (g->ny / f),
                  nzc = g->nz / f;
    const double inv = 1.0 / (double)(f * f * f);
    /* slabs in any order, each whole on one thread (its cells' sums in ascending voxel order:
     * the bits do not depend on the schedule); dynamic, as the cells crowd the upper slabs */
#pragma omp parallel for schedule(dynamic, 1) default(none) shared(b, val, add, out) \
    firstprivate(nx, ny, nxy, nxc, pc, nzc, f, n, inv)
    for (int64_t K = 0; K < nzc; K++) {
        for (int i = 0; i < n; i++) memset(out[i] + K * pc, 0, (size_t)pc * sizeof(derm_real));
        /* the occupied voxels of the slab's f layers, ascending (the order of a sweep over
         * layers, rows and columns); their row followed along, not divided out of each voxel */
        const int64_t v0 = K * f * nxy, j1 = derm_bins_first_at(b, v0 + f * nxy);
        int64_t row_v = v0, jy = 0, crow = K * pc; /* first voxel, y and coarse row of the row */
        for (int64_t j = derm_bins_first_at(b, v0); j < j1; j++) {
            const int64_t v = b->occ[j];
            while (v >= row_v + nx) {
                row_v += nx;
                if (++jy == ny) jy = 0;
                crow = K * pc + (jy / f) * nxc;
            }
            const int64_t c = crow + (v - row_v) / f;
            for (int i = 0; i < n; i++) out[i][c] += occ_sum(b, j, val[i]);
        }
        for (int i = 0; i < n; i++) {
            const double a = add ? add[i] : 0.0;
            for (int64_t V = K * pc; V < (K + 1) * pc; V++) out[i][V] = a + out[i][V] * inv;
        }
    }
}

void derm_coupling_count(const struct derm_grid *g, const struct derm_bins *b, const struct derm_agents *a, int type,
                         derm_real *out)
{
    /* the agents of the bins (voxel of every row as binned), not the voxels: a count is a
     * sum of ones, exact in any order, so this equals summing each voxel's rows */
    (void)b;
    memset(out, 0, (size_t)g->n * sizeof *out);
    const int64_t n = a->n;
    for (int64_t r = 0; r < n; r++)
        if (a->type[r] == type) out[a->voxel[r]] += 1.0;
}

/* Sums made side by side in registers by the window sums below (vectors of them). */
enum { SUM_LANES = 16 };

static int cap_radius(int r, int64_t n) { return (int64_t)(2 * r + 1) > n ? (int)((n - 1) / 2) : r; }

/* The three passes of the box filter. Each output element is the sum of its window in
 * the order d = -r..r, so results do not depend on the thread count; every pass works on
 * contiguous rows or planes. */
/* Window sum of row a at i, d = -r..r in order, indices wrapped (periodic), each element
 * times w (1: unscaled, exact). */
static inline double box_wrap_sum(const derm_real *a, int64_t nx, int64_t i, int r, double w)
{
    double sum = 0.0;
    for (int64_t d = -r; d <= r; d++) {
        int64_t m = i + d;
        m = m < 0 ? m + nx : (m >= nx ? m - nx : m);
        sum += a[m] * w;
    }
    return sum;
}

/* 1 / n_in(k): n_in(k) = lateral x the number of in-domain layers within rz of k. */
static double box_layer_weight(int64_t k, int64_t nz, int rz, double lateral)
{
    int64_t lo = k - rz < 0 ? 0 : k - rz, hi = k + rz >= nz ? nz - 1 : k + rz;
    return 1.0 / (lateral * (double)(hi - lo + 1));
}

/* One row of the x pass: o = window sums of row a, each element times w (the layer's
 * weight when conserving, as it is read: the same values as dividing first). [lo, hi) is
 * the interior, where no window wraps. */
DERM_SIMD_CLONES static void box_row_x(const derm_real *a, derm_real *o, int64_t nx, int r, int64_t lo, int64_t hi,
                                       double w)
{
    for (int64_t i = 0; i < lo; i++) o[i] = box_wrap_sum(a, nx, i, r, w);
        /* the interior: the same sums in the same order, vectorised across i */
#pragma omp simd
    for (int64_t i = lo; i < hi; i++) {
        double sum = 0.0;
        for (int64_t d = -r; d <= r; d++) sum += a[i + d] * w;
        o[i] = sum;
    }
    for (int64_t i = hi; i < nx; i++) o[i] = box_wrap_sum(a, nx, i, r, w);
}

/* One layer of the y pass: rows of o = sums of the rows of a within r, d = -r..r in order
 * (periodic); rows m with nonzero[m] == 0 are known to be all +0 and skipped (nonzero may be
 * NULL: none known). */
DERM_SIMD_CLONES static void box_layer_y(const derm_real *a, derm_real *o, int64_t nx, int64_t ny, int r,
                                         const unsigned char *nonzero)
{
    enum { MAXR = 64 }; /* rows summed in registers; wider windows add through the output row */
    for (int64_t j = 0; j < ny; j++) {
        derm_real *oj = o + j * nx;
        if (r <= MAXR) { /* the sums in registers, the rows in the same order: the same bits */
            const derm_real *rows[2 * MAXR + 1];
            int np = 0;
            for (int64_t d = -r; d <= r; d++) {
                int64_t m = j + d;
                m = m < 0 ? m + ny : (m >= ny ? m - ny : m);
                if (nonzero && !nonzero[m]) continue; /* a row of +0: adding it changes no bit */
                rows[np++] = a + m * nx;
            }
            int64_t i = 0;
            for (; i + SUM_LANES <= nx; i += SUM_LANES) {
                derm_real sum[SUM_LANES] = {0};
                for (int p = 0; p < np; p++)
                    for (int l = 0; l < SUM_LANES; l++) sum[l] += rows[p][i + l];
                for (int l = 0; l < SUM_LANES; l++) oj[i + l] = sum[l];
            }
            for (; i < nx; i++) {
                derm_real sum = 0.0;
                for (int p = 0; p < np; p++) sum += rows[p][i];
                oj[i] = sum;
            }
            continue;
        }
        for (int64_t i = 0; i < nx; i++) oj[i] = 0.0;
        for (int64_t d = -r; d <= r; d++) {
            int64_t m = j + d;
            m = m < 0 ? m + ny : (m >= ny ? m - ny : m);
            if (nonzero && !nonzero[m]) continue;
            const derm_real *am = a + m * nx;
#pragma omp simd
            for (int64_t i = 0; i < nx; i++) oj[i] += am[i];
        }
    }
}

/* The x then y passes of whole layers, each layer through a buffer of one layer per thread
 * (bufs: nthreads x nx ny), so the x pass's output stays in cache instead of making a round
 * trip through memory: the same sums in the same order as box_pass_x then box_pass_y. */
static void box_pass_xy(const struct derm_grid *g, int rx, int ry, const derm_real *in, derm_real *out, int conserve,
                        int rz, double lateral, derm_real *bufs, int nthreads)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz, nxy = g->nx * g->ny;
    const int64_t lo = rx < nx ? rx : nx, hi = nx - rx > lo ? nx - rx : lo;
#pragma omp parallel for schedule(static) num_threads(nthreads) default(none) shared(in, out, bufs) \
    firstprivate(nx, ny, nz, nxy, rx, ry, lo, hi, conserve, rz, lateral)
    for (int64_t k = 0; k < nz; k++) {
        derm_real *buf = bufs + (int64_t)omp_get_thread_num() * nxy;
        const double w = conserve ? box_layer_weight(k, nz, rz, lateral) : 1.0;
        for (int64_t j = 0; j < ny; j++) box_row_x(in + (k * ny + j) * nx, buf + j * nx, nx, rx, lo, hi, w);
        box_layer_y(buf, out + k * nxy, nx, ny, ry, NULL);
    }
}

/* The passes one by one through whole-grid arrays (derm_coupling_box_passes). */
static void box_pass_x(const struct derm_grid *g, int r, const derm_real *in, derm_real *out, int conserve, int rz,
                       double lateral)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz, nrows = g->ny * g->nz;
    const int64_t lo = r < nx ? r : nx, hi = nx - r > lo ? nx - r : lo; /* [lo, hi): no wrap */
#pragma omp parallel for schedule(static) default(none) shared(in, out) \
    firstprivate(nx, ny, nz, nrows, r, lo, hi, conserve, rz, lateral)
    for (int64_t row = 0; row < nrows; row++) {
        const double w = conserve ? box_layer_weight(row / ny, nz, rz, lateral) : 1.0;
        box_row_x(in + row * nx, out + row * nx, nx, r, lo, hi, w);
    }
}

static void box_pass_y(const struct derm_grid *g, int r, const derm_real *in, derm_real *out)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz;
#pragma omp parallel for schedule(static) default(none) shared(in, out) firstprivate(nx, ny, nz, r)
    for (int64_t k = 0; k < nz; k++) box_layer_y(in + k * nx * ny, out + k * nx * ny, nx, ny, r, NULL);
}

/* Blocks of lateral positions, so the running window sums stay in L1 (the same sums in the
 * same order as adding whole planes). */
enum { BOX_BLOCK = 256 };

/* The most scratch per thread the rings take (derm_coupling_set_ring_budget); the largest
 * radius summed over a ring is DERM_GRID_RING_MAX_R (core/grid.h, which the memory estimate
 * reads too). */
static size_t ring_budget = DERM_COUPLING_RING_BYTES;

size_t derm_coupling_set_ring_budget(size_t bytes)
{
    const size_t old = ring_budget;
    ring_budget = bytes;
    return old;
}

/* o[0 .. len) = the sums of planes[0 .. np)[q] in that order, from +0, in double: the sums
 * made side by side in registers, SUM_LANES at a time (the same bits as adding whole planes
 * into a row of sums one after the other, with a store and a load less per term). */
DERM_SIMD_CLONES static void sum_planes(const derm_real *const *planes, int np, int64_t len, derm_real *restrict o)
{
    int64_t q = 0;
    for (; q + SUM_LANES <= len; q += SUM_LANES) {
        double acc[SUM_LANES] = {0};
        for (int p = 0; p < np; p++)
            for (int l = 0; l < SUM_LANES; l++) acc[l] += planes[p][q + l];
        for (int l = 0; l < SUM_LANES; l++) o[q + l] = (derm_real)acc[l];
    }
    for (; q < len; q++) {
        double acc = 0.0;
        for (int p = 0; p < np; p++) acc += planes[p][q];
        o[q] = (derm_real)acc;
    }
}

/* One block of the z pass: out[k][q0, q0 + len) = the sum over the in-domain layers within
 * r of k, d = -r..r in order (r <= DERM_GRID_RING_MAX_R: the planes' list; wider, the
 * planes added into a row of sums one by one, the same bits). */
DERM_SIMD_CLONES static void box_block_z(const derm_real *in, derm_real *out, int64_t nxy, int64_t nz, int64_t k, int r,
                                         int64_t q0, int64_t len)
{
    if (r <= DERM_GRID_RING_MAX_R) {
        const derm_real *planes[2 * DERM_GRID_RING_MAX_R + 1];
        int np = 0;
        for (int64_t d = -r; d <= r; d++)
            if (k + d >= 0 && k + d < nz) planes[np++] = in + (k + d) * nxy + q0;
        sum_planes(planes, np, len, out + k * nxy + q0);
        return;
    }
    double acc[BOX_BLOCK];
    for (int64_t q = 0; q < len; q++) acc[q] = 0.0;
    for (int64_t d = -r; d <= r; d++) {
        const int64_t m = k + d;
        if (m < 0 || m >= nz) continue;
        const derm_real *a = in + m * nxy + q0;
#pragma omp simd
        for (int64_t q = 0; q < len; q++) acc[q] += a[q];
    }
    if (DERM_REAL_IS_FLOAT)
        for (int64_t q = 0; q < len; q++) out[k * nxy + q0 + q] = (derm_real)acc[q];
    else
        memcpy(out + k * nxy + q0, acc, (size_t)len * sizeof(double));
}

static void box_pass_z(const struct derm_grid *g, int r, const derm_real *in, derm_real *out)
{
    const int64_t nxy = g->nx * g->ny, nz = g->nz, nb = (nxy + BOX_BLOCK - 1) / BOX_BLOCK;
#pragma omp parallel for collapse(2) schedule(static) default(none) shared(in, out) firstprivate(nxy, nz, r, nb)
    for (int64_t k = 0; k < nz; k++)
        for (int64_t b = 0; b < nb; b++) {
            const int64_t q0 = b * BOX_BLOCK, len = q0 + BOX_BLOCK <= nxy ? BOX_BLOCK : nxy - q0;
            box_block_z(in, out, nxy, nz, k, r, q0, len);
        }
}

/* out = sums / n_in(k) layer by layer (sums may be out). */
static void box_mean_scale(const struct derm_grid *g, int rz, double lateral, const derm_real *sums, derm_real *out)
{
    const int64_t nxy = g->nx * g->ny, nz = g->nz;
    for (int64_t k = 0; k < nz; k++) {
        const double w = box_layer_weight(k, nz, rz, lateral);
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) out[q] = sums[q] * w;
    }
}

void derm_coupling_box(const struct derm_grid *g, int r, enum derm_box_mode mode, const derm_real *in, derm_real *out,
                       derm_real *tmp)
{
    const int64_t nx = g->nx, ny = g->ny;
    const int nthreads = omp_get_max_threads();
    derm_real *bufs = r > 0 ? malloc(sizeof(derm_real) * (size_t)nthreads * (size_t)(nx * ny)) : NULL;
    if (!bufs) { /* r = 0 (a copy), or no buffers: the same bits, one more whole-grid round trip */
        derm_coupling_box_passes(g, r, mode, in, out, tmp);
        return;
    }
    const int rx = cap_radius(r, nx), ry = cap_radius(r, ny), rz = r;
    const double lateral = (double)(2 * rx + 1) * (double)(2 * ry + 1);
    /* x and y through cache, then z from tmp into out: two whole-grid passes */
    box_pass_xy(g, rx, ry, in, tmp, mode == DERM_BOX_CONSERVE, rz, lateral, bufs, nthreads);
    free(bufs);
    box_pass_z(g, rz, tmp, out);
    if (mode == DERM_BOX_MEAN) box_mean_scale(g, rz, lateral, out, out);
}

/* One x row of the bins' deposit, voxels row0 .. row0 + nx - 1, into row: for each occupied
 * voxel the sum of val over its rows in row order (derm_coupling_deposit's), or with val
 * NULL the number of its rows of `type` (derm_coupling_count's); 0 elsewhere. *j walks the
 * occupied voxels, ascending, and is left at the next row's first. Returns 0, row untouched,
 * when the row holds no cell. */
static int bins_row(const struct derm_bins *b, int64_t *j, int64_t row0, int64_t nx, const double *val,
                    const int8_t *type_of, int type, derm_real *row)
{
    const int64_t nocc = b->nocc, *occ = b->occ;
    int64_t jj = *j;
    if (jj >= nocc || occ[jj] >= row0 + nx) return 0;
    memset(row, 0, (size_t)nx * sizeof *row);
    for (; jj < nocc && occ[jj] < row0 + nx; jj++) {
        int64_t c = 0;
        if (!val)
            for (int64_t q = b->occ_start[jj]; q < b->occ_start[jj + 1]; q++) c += type_of[b->rows[q]] == type;
        row[occ[jj] - row0] = val ? occ_sum(b, jj, val) : (double)c;
    }
    *j = jj;
    return 1;
}

/* One x row of the box of the bins' deposit (voxels row0 .. row0 + nx - 1) into o, from
 * the row's occupied voxels alone: the window sums of box_row_x over the row bins_row makes,
 * with the same bits. Each output's non-zero terms are added in the same order (d = -r..r,
 * through acc, nx doubles, and rounded to derm_real once), and a term of +0 leaves any sum
 * unchanged, so skipping the empty voxels changes nothing; the cost is 2r + 1 additions per
 * occupied voxel instead of per voxel. vals: scratch of nx. *j as for bins_row. Returns 0,
 * o untouched, when the row holds no cell. */
static int deposit_row_x(const struct derm_bins *b, int64_t *j, int64_t row0, int64_t nx, const double *val, int r,
                         double w, derm_real *vals, double *acc, derm_real *o)
{
    const int64_t nocc = b->nocc, *occ = b->occ, j0 = *j;
    int64_t j1 = j0;
    if (j1 >= nocc || occ[j1] >= row0 + nx) return 0;
    for (; j1 < nocc && occ[j1] < row0 + nx; j1++) vals[j1 - j0] = (derm_real)occ_sum(b, j1, val);
    *j = j1;
    memset(acc, 0, (size_t)nx * sizeof *acc);
    for (int64_t d = -r; d <= r; d++)
        for (int64_t m = j0; m < j1; m++) {
            int64_t i = occ[m] - row0 - d;
            i = i < 0 ? i + nx : (i >= nx ? i - nx : i);
            acc[i] += vals[m - j0] * w;
        }
    for (int64_t i = 0; i < nx; i++) o[i] = (derm_real)acc[i];
    return 1;
}

/* Layer k of the x then y passes of the bins' deposit into o (nxy): each x row summed from
 * the bins and filtered in a row buffer (deposit_row_x), the rows of the layer into buf,
 * then y (box_layer_y, skipping the rows known to be +0). Scratch: buf (nxy), vals (nx),
 * acc (nx doubles), nonzero (ny flags). */
static void deposit_layer_xy(const struct derm_grid *g, const struct derm_bins *b, const double *val, int64_t k, int rx,
                             int ry, int rz, int conserve, double lateral, derm_real *buf, derm_real *vals, double *acc,
                             unsigned char *nonzero, derm_real *o)
{
    const int64_t nx = g->nx, ny = g->ny, nxy = g->nx * g->ny;
    const double w = conserve ? box_layer_weight(k, g->nz, rz, lateral) : 1.0;
    int64_t j = derm_bins_first_at(b, k * nxy); /* the layer's occupied voxels, ascending */
    for (int64_t y = 0; y < ny; y++) {
        nonzero[y] = (unsigned char)deposit_row_x(b, &j, (k * ny + y) * nx, nx, val, rx, w, vals, acc, buf + y * nx);
        if (!nonzero[y]) /* no cell in this row: its window sums are all +0 */
            memset(buf + y * nx, 0, (size_t)nx * sizeof *buf);
    }
    box_layer_y(buf, o, nx, ny, ry, nonzero);
}

/* Layer k of the z pass from a ring of R layers (layer m in slot m % R; r <=
 * DERM_GRID_RING_MAX_R) into the layer o (nxy values): box_block_z's sums, term for term. */
static void box_layer_ring(const derm_real *ring, int64_t R, int64_t nxy, int64_t nz, int64_t k, int r, derm_real *o)
{
    const derm_real *planes[2 * DERM_GRID_RING_MAX_R + 1];
    int np = 0;
    for (int64_t d = -r; d <= r; d++)
        if (k + d >= 0 && k + d < nz) planes[np++] = ring + ((k + d) % R) * nxy;
    sum_planes(planes, np, nxy, o);
}

/* Output layers [k0, k1) of derm_coupling_deposit_box on one thread: the x and y passes of
 * layers k0 - rz .. k1 - 1 + rz in turn into a ring of R = 2 rz + 1 layers (the thread's
 * layers of the two-pass path plus rz on each side, made again by each neighbour), and
 * each output layer summed over the ring once its window is there, so the x-y output never
 * goes through a whole-grid array. */
static void deposit_box_range(const struct derm_grid *g, const struct derm_bins *b, const double *val, int rx, int ry,
                              int rz, int conserve, double lateral, int64_t k0, int64_t k1, derm_real *ring,
                              derm_real *buf, derm_real *vals, double *acc, unsigned char *nonzero, derm_real *out)
{
    const int64_t nxy = g->nx * g->ny, nz = g->nz, R = 2 * (int64_t)rz + 1;
    int64_t next = k0 - rz < 0 ? 0 : k0 - rz; /* the next layer to make */
    for (int64_t k = k0; k < k1; k++) {
        const int64_t hi = k + rz >= nz ? nz - 1 : k + rz;
        for (; next <= hi; next++)
            deposit_layer_xy(g, b, val, next, rx, ry, rz, conserve, lateral, buf, vals, acc, nonzero,
                             ring + (next % R) * nxy);
        box_layer_ring(ring, R, nxy, nz, k, rz, out + k * nxy);
    }
}

void derm_coupling_deposit_box(const struct derm_grid *g, const struct derm_bins *b, const double *val, int r,
                               enum derm_box_mode mode, derm_real *out, derm_real *tmp)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz, nxy = g->nx * g->ny;
    const int nthreads = omp_get_max_threads();
    const int rx = cap_radius(r, nx), ry = cap_radius(r, ny), rz = r;
    const double lateral = (double)(2 * rx + 1) * (double)(2 * ry + 1);
    const int conserve = mode == DERM_BOX_CONSERVE;
    /* The fused path: each thread its own scratch, allocated and first written by itself so
     * that its lines stay in its core's caches (a ring in the shared tmp, whose lines other
     * phases' threads wrote last, ran 1.3-1.8x slower on the second thread: bench_deposit):
     * a ring of R layers, a layer, a row of values, a row of sums and a flag per row. */
    const int64_t R = 2 * (int64_t)(r > 0 ? r : 0) + 1;
    size_t off_acc, off_flags;
    const size_t bytes = derm_grid_ring_bytes(nx, ny, r > 0 ? r : 0, &off_acc, &off_flags);
    if (r > 0 && r <= DERM_GRID_RING_MAX_R && bytes <= ring_budget) {
        int failed = 0;
#pragma omp parallel num_threads(nthreads) default(none) shared(g, b, val, out, failed) \
    firstprivate(nz, nxy, rx, ry, rz, conserve, lateral, R, off_acc, off_flags, bytes)
        {
            const int t = omp_get_thread_num(), nt = omp_get_num_threads();
            const int64_t k0 = nz * t / nt, k1 = nz * (t + 1) / nt;
            unsigned char *mem = k0 < k1 ? malloc(bytes) : NULL;
            if (mem) {
                derm_real *ring = (derm_real *)mem, *buf = ring + R * nxy, *vals = buf + nxy;
                deposit_box_range(g, b, val, rx, ry, rz, conserve, lateral, k0, k1, ring, buf, vals,
                                  (double *)(mem + off_acc), mem + off_flags, out);
                free(mem);
            } else if (k0 < k1) {
#pragma omp atomic write
                failed = 1;
            }
        }
        if (!failed) {
            if (mode == DERM_BOX_MEAN) box_mean_scale(g, rz, lateral, out, out);
            return;
        } /* a thread without scratch: out is written again whole below (the same bits) */
    }
    double *accs = r > 0 ? malloc(sizeof(double) * (size_t)nthreads * (size_t)nx) : NULL;
    unsigned char *flags = r > 0 ? malloc((size_t)nthreads * (size_t)ny) : NULL;
    /* per thread: a layer of the x pass's output and a row of values */
    derm_real *bufs = accs && flags ? malloc(sizeof(derm_real) * (size_t)nthreads * (size_t)(nxy + nx)) : NULL;
    if (!bufs) { /* r = 0, or no buffers: the deposit as a whole-grid array, then its box */
        free(bufs);
        free(accs);
        free(flags);
        derm_coupling_deposit(g, b, val, out);
        derm_coupling_box(g, r, mode, out, out, tmp);
        return;
    }
    /* r or the ring too large for the fused path, or no scratch: x and y layer by layer into
     * tmp, then z into out */
#pragma omp parallel for schedule(static) num_threads(nthreads) default(none) \
    shared(g, b, val, tmp, bufs, accs, flags) firstprivate(nxy, nx, ny, nz, rx, ry, rz, conserve, lateral)
    for (int64_t k = 0; k < nz; k++) {
        const int t = omp_get_thread_num();
        derm_real *buf = bufs + (size_t)t * (size_t)(nxy + nx);
        deposit_layer_xy(g, b, val, k, rx, ry, rz, conserve, lateral, buf, buf + nxy, accs + (size_t)t * (size_t)nx,
                         flags + (size_t)t * (size_t)ny, tmp + k * nxy);
    }
    free(bufs);
    free(accs);
    free(flags);
    box_pass_z(g, rz, tmp, out);
    if (mode == DERM_BOX_MEAN) box_mean_scale(g, rz, lateral, out, out);
}

/* Layer by layer (derm_coupling_layers_*): each value's ring of R = 2 rz + 1 x-y layers, the
 * layer buffer and row of values deposit_layer_xy works in, then each value's output layer,
 * all in one allocation of derm_grid_layers_bytes (its layout); acc and the row flags from
 * the offsets it gives. */
int derm_coupling_layers_open(struct derm_coupling_layers *c, const struct derm_grid *g,
                              const struct derm_coupling_layers_spec *sp)
{
    memset(c, 0, sizeof *c);
    if (sp->r < 1 || sp->r > DERM_GRID_RING_MAX_R || sp->n < 1 || sp->n > DERM_COUPLING_LAYERS_MAX) return -1;
    size_t off_acc, off_flags;
    const size_t bytes = derm_grid_layers_bytes(g->nx, g->ny, sp->r, sp->n, &off_acc, &off_flags);
    if (!(c->mem = malloc(bytes))) return -1;
    const int64_t nxy = g->nx * g->ny, R = 2 * (int64_t)sp->r + 1;
    c->g = g;
    c->sp = *sp;
    c->rx = cap_radius(sp->r, g->nx);
    c->ry = cap_radius(sp->r, g->ny);
    c->lateral = (double)(2 * c->rx + 1) * (double)(2 * c->ry + 1);
    derm_real *p = (derm_real *)c->mem;
    for (int i = 0; i < sp->n; i++, p += R * nxy) c->ring[i] = p;
    c->buf = p;
    c->vals = p + nxy;
    p = c->vals + g->nx;
    for (int i = 0; i < sp->n; i++, p += nxy) c->out[i] = p;
    c->acc = (double *)(c->mem + off_acc);
    c->nonzero = c->mem + off_flags;
    c->next = INT64_MIN; /* nothing made yet */
    return 0;
}

const derm_real *const *derm_coupling_layers_at(struct derm_coupling_layers *c, int64_t k)
{
    const struct derm_grid *g = c->g;
    const int64_t nxy = g->nx * g->ny, nz = g->nz, rz = c->sp.r, R = 2 * rz + 1;
    /* the layers of k's window not made yet (all of them on the first call, or after a step
     * back); each made once while the calls go up one layer at a time */
    const int64_t lo = k - rz < 0 ? 0 : k - rz, hi = k + rz >= nz ? nz - 1 : k + rz;
    if (c->next < lo || c->next > k + rz + 1 || k < c->last) c->next = lo;
    for (; c->next <= hi; c->next++)
        for (int i = 0; i < c->sp.n; i++)
            deposit_layer_xy(g, c->sp.b, c->sp.val[i], c->next, c->rx, c->ry, (int)rz, 1, c->lateral, c->buf, c->vals,
                             c->acc, c->nonzero, c->ring[i] + (c->next % R) * nxy);
    c->last = k;
    for (int i = 0; i < c->sp.n; i++) box_layer_ring(c->ring[i], R, nxy, nz, k, (int)rz, c->out[i]);
    return (const derm_real *const *)c->out;
}

void derm_coupling_layers_close(struct derm_coupling_layers *c)
{
    free(c->mem);
    c->mem = NULL;
}

void derm_coupling_box_passes(const struct derm_grid *g, int r, enum derm_box_mode mode, const derm_real *in,
                              derm_real *out, derm_real *tmp)
{
    const int64_t nx = g->nx, ny = g->ny;
    if (r <= 0) {
        if (out != in) memcpy(out, in, (size_t)g->n * sizeof *out);
        return;
    }
    int rx = cap_radius(r, nx), ry = cap_radius(r, ny), rz = r;
    double lateral = (double)(2 * rx + 1) * (double)(2 * ry + 1);
    box_pass_x(g, rx, in, tmp, mode == DERM_BOX_CONSERVE, rz, lateral);
    box_pass_y(g, ry, tmp, out);
    box_pass_z(g, rz, out, tmp);
    if (mode == DERM_BOX_MEAN) {
        box_mean_scale(g, rz, lateral, tmp, out);
    } else {
        memcpy(out, tmp, (size_t)g->n * sizeof *out);
    }
}

/* ---- the box mean of counts: running sums ------------------------------------------------ */

/* Integer-valued input (counts): every partial sum is an integer below 2^53, so running
 * sums (add the entering element, subtract the leaving one) give exactly the sums of the
 * direct passes above, in O(1) per element instead of O(r). count_row_x: one row of the x
 * pass, window sums of row a by running sums (periodic). */
static void count_row_x(const derm_real *a, derm_real *o, int64_t nx, int r)
{
    double sum = box_wrap_sum(a, nx, 0, r, 1.0);
    o[0] = sum;
    for (int64_t i = 1; i < nx; i++) {
        int64_t add = i + r, sub = i - r - 1;
        add = add >= nx ? add - nx : add;
        sub = sub < 0 ? sub + nx : sub;
        sum += a[add] - a[sub];
        o[i] = sum;
    }
}

static void count_pass_x(const struct derm_grid *g, int r, const derm_real *in, derm_real *out)
{
    const int64_t nx = g->nx, nrows = g->ny * g->nz;
#pragma omp parallel for schedule(static) default(none) shared(in, out) firstprivate(nx, nrows, r)
    for (int64_t row = 0; row < nrows; row++) count_row_x(in + row * nx, out + row * nx, nx, r);
}

/* One layer of the y pass of counts (running sums over rows). */
DERM_SIMD_CLONES static void count_layer_y(const derm_real *a, derm_real *o, int64_t nx, int64_t ny, int r)
{
    for (int64_t i = 0; i < nx; i++) o[i] = 0.0;
    for (int64_t d = -r; d <= r; d++) {
        const derm_real *row = a + (d < 0 ? d + ny : d) * nx;
#pragma omp simd
        for (int64_t i = 0; i < nx; i++) o[i] += row[i];
    }
    for (int64_t j = 1; j < ny; j++) {
        int64_t add = j + r, sub = j - r - 1;
        add = add >= ny ? add - ny : add;
        sub = sub < 0 ? sub + ny : sub;
        const derm_real *pa = a + add * nx, *ps = a + sub * nx, *prev = o + (j - 1) * nx;
        derm_real *oj = o + j * nx;
#pragma omp simd
        for (int64_t i = 0; i < nx; i++) oj[i] = prev[i] + (pa[i] - ps[i]);
    }
}

static void count_pass_y(const struct derm_grid *g, int r, const derm_real *in, derm_real *out)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz;
#pragma omp parallel for schedule(static) default(none) shared(in, out) firstprivate(nx, ny, nz, r)
    for (int64_t k = 0; k < nz; k++) count_layer_y(in + k * ny * nx, out + k * ny * nx, nx, ny, r);
}

/* Lateral positions [q0, q1) of the z pass of counts (running sums over layers). */
DERM_SIMD_CLONES static void count_chunk_z(const derm_real *in, derm_real *out, int64_t nxy, int64_t nz, int r,
                                           int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q++) out[q] = 0.0;
    for (int64_t m = 0; m <= r && m < nz; m++)
#pragma omp simd
        for (int64_t q = q0; q < q1; q++) out[q] += in[m * nxy + q];
    for (int64_t k = 1; k < nz; k++) {
        /* (prev + entering) - leaving; a layer outside the domain enters or leaves as 0 x a
         * layer inside it, which changes no bit of these integer sums */
        const int64_t add = k + r, sub = k - r - 1;
        const double wa = add < nz ? 1.0 : 0.0, ws = sub >= 0 ? 1.0 : 0.0;
        const derm_real *prev = out + (k - 1) * nxy, *pa = in + (add < nz ? add : k) * nxy,
                        *ps = in + (sub >= 0 ? sub : k) * nxy;
        derm_real *ok = out + k * nxy;
#pragma omp simd
        for (int64_t q = q0; q < q1; q++) ok[q] = (prev[q] + wa * pa[q]) - ws * ps[q];
    }
}

static void count_pass_z(const struct derm_grid *g, int r, const derm_real *in, derm_real *out)
{
    const int64_t nxy = g->nx * g->ny, nz = g->nz, chunk = 512;
    const int64_t nchunks = (nxy + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) default(none) shared(in, out) firstprivate(nxy, nz, r, chunk, nchunks)
    for (int64_t c = 0; c < nchunks; c++) {
        const int64_t q0 = c * chunk, q1 = q0 + chunk < nxy ? q0 + chunk : nxy;
        count_chunk_z(in, out, nxy, nz, r, q0, q1);
    }
}

void derm_coupling_box_counts(const struct derm_grid *g, int r, const derm_real *in, derm_real *out, derm_real *tmp)
{
    const int64_t nx = g->nx, ny = g->ny;
    if (r <= 0) {
        if (out != in) memcpy(out, in, (size_t)g->n * sizeof *out);
        return;
    }
    int rx = cap_radius(r, nx), ry = cap_radius(r, ny), rz = r;
    double lateral = (double)(2 * rx + 1) * (double)(2 * ry + 1);
    count_pass_x(g, rx, in, out);
    count_pass_y(g, ry, out, tmp);
    count_pass_z(g, rz, tmp, out);
    box_mean_scale(g, rz, lateral, out, out);
}

/* Lateral positions [q0, q0 + len) of the z pass of counts, as count_chunk_z, each result
 * then scaled as box_mean_scale and by the layer's factor: out = (sum w(k)) f(k). The running
 * sums stay in acc, so the scaled results can go straight to out. */
DERM_SIMD_CLONES static void crowd_chunk_z(const derm_real *in, derm_real *out, int64_t nxy, int64_t nz, int r,
                                           double lateral, const double *factor, int64_t q0, int64_t len)
{
    double acc[BOX_BLOCK];
    for (int64_t q = 0; q < len; q++) acc[q] = 0.0;
    for (int64_t m = 0; m <= r && m < nz; m++)
#pragma omp simd
        for (int64_t q = 0; q < len; q++) acc[q] += in[m * nxy + q0 + q];
    for (int64_t k = 0; k < nz; k++) {
        if (k > 0) {
            const int64_t add = k + r, sub = k - r - 1;
            const double wa = add < nz ? 1.0 : 0.0, ws = sub >= 0 ? 1.0 : 0.0;
            const derm_real *pa = in + (add < nz ? add : k) * nxy + q0, *ps = in + (sub >= 0 ? sub : k) * nxy + q0;
#pragma omp simd
            for (int64_t q = 0; q < len; q++) acc[q] = (acc[q] + wa * pa[q]) - ws * ps[q];
        }
        const double w = box_layer_weight(k, nz, r, lateral), f = factor[k];
        derm_real *ok = out + k * nxy + q0;
#pragma omp simd
        for (int64_t q = 0; q < len; q++) {
            const double m = acc[q] * w;
            ok[q] = m * f;
        }
    }
}

/* The lateral box counts of layer k (radii rx, ry) into o (nxy): x, the running sums of each
 * row's counts made from the bins in a row buffer, then y through buf (nxy + nx scratch). */
static void crowd_layer_xy(const struct derm_grid *g, const struct derm_bins *b, const int8_t *ty, int type, int64_t k,
                           int rx, int ry, derm_real *buf, derm_real *o)
{
    const int64_t nx = g->nx, ny = g->ny;
    derm_real *row = buf + nx * ny;
    int64_t j = derm_bins_first_at(b, k * nx * ny);
    for (int64_t y = 0; y < ny; y++) {
        if (bins_row(b, &j, (k * ny + y) * nx, nx, NULL, ty, type, row))
            count_row_x(row, buf + y * nx, nx, rx);
        else /* no cell in this row: its window sums are all 0 */
            memset(buf + y * nx, 0, (size_t)nx * sizeof *buf);
    }
    count_layer_y(buf, o, nx, ny, ry);
}

void derm_coupling_crowding(const struct derm_grid *g, const struct derm_bins *b, const struct derm_agents *a, int type,
                            int r, const double *factor, derm_real *out, derm_real *tmp)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz, nxy = g->nx * g->ny;
    const int nthreads = omp_get_max_threads();
    derm_real *bufs = r > 0 ? malloc(sizeof(derm_real) * (size_t)nthreads * (size_t)(nxy + nx)) : NULL;
    if (!bufs) { /* r = 0, or no buffers: the counts as a whole-grid array, their box, the factors */
        derm_coupling_count(g, b, a, type, tmp);
        derm_coupling_box_counts(g, r, tmp, out, tmp);
        for (int64_t k = 0; k < nz; k++)
            for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) out[q] *= factor[k];
        return;
    }
    const int rx = cap_radius(r, nx), ry = cap_radius(r, ny), rz = r;
    const double lateral = (double)(2 * rx + 1) * (double)(2 * ry + 1);
    const int8_t *ty = a->type;
    /* x and y, layer by layer through cache, into tmp */
#pragma omp parallel for schedule(static) num_threads(nthreads) default(none) shared(g, b, ty, tmp, bufs) \
    firstprivate(nx, nxy, nz, rx, ry, type)
    for (int64_t k = 0; k < nz; k++)
        crowd_layer_xy(g, b, ty, type, k, rx, ry, bufs + (int64_t)omp_get_thread_num() * (nxy + nx), tmp + k * nxy);
    free(bufs);
    /* z, scaled to the mean and by the layer factors, into out */
    const int64_t nb = (nxy + BOX_BLOCK - 1) / BOX_BLOCK;
#pragma omp parallel for schedule(static) default(none) shared(tmp, out, factor) firstprivate(nxy, nz, rz, lateral, nb)
    for (int64_t c = 0; c < nb; c++) {
        const int64_t q0 = c * BOX_BLOCK, len = q0 + BOX_BLOCK <= nxy ? BOX_BLOCK : nxy - q0;
        crowd_chunk_z(tmp, out, nxy, nz, rz, lateral, factor, q0, len);
    }
}

/* Layers [k0, k1) of derm_coupling_crowding_cells on one thread: the lateral counts of the
 * layers k0 - rz .. k1 - 1 + rz in turn into a ring of 2 rz + 1 layers, and each layer's
 * occupied voxels, once the layers of their window are in the ring, summed over it. */
static void crowd_cells_range(const struct derm_grid *g, const struct derm_bins *b, const int8_t *ty, int type, int rx,
                              int ry, int rz, double lateral, const double *factor, int64_t k0, int64_t k1,
                              derm_real *ring, derm_real *buf, derm_real *out, derm_real *rows)
{
    const int64_t nxy = g->nx * g->ny, nz = g->nz, R = 2 * (int64_t)rz + 1;
    int64_t next = k0 - rz < 0 ? 0 : k0 - rz; /* the next layer to count */
    for (int64_t k = k0; k < k1; k++) {
        const int64_t lo = k - rz < 0 ? 0 : k - rz, hi = k + rz >= nz ? nz - 1 : k + rz;
        for (; next <= hi; next++) crowd_layer_xy(g, b, ty, type, next, rx, ry, buf, ring + (next % R) * nxy);
        const double w = box_layer_weight(k, nz, rz, lateral), f = factor[k];
        for (int64_t j = derm_bins_first_at(b, k * nxy); j < b->nocc && b->occ[j] < (k + 1) * nxy; j++) {
            const int64_t q = b->occ[j] - k * nxy;
            double acc = 0.0; /* an exact integer, in any order */
            for (int64_t m = lo; m <= hi; m++) acc += ring[(m % R) * nxy + q];
            const double mean = acc * w;
            if (out) out[b->occ[j]] = mean * f;
            if (rows)
                for (int64_t e = b->occ_start[j]; e < b->occ_start[j + 1]; e++) rows[b->rows[e]] = mean * f;
        }
    }
}

/* Values of one thread's crowding ring of radius r: min(2r + 1, nz) layers, a layer buffer
 * and a row. */
static int64_t crowding_ring_values(const struct derm_grid *g, int r)
{
    const int64_t nz = g->nz, nxy = g->nx * g->ny, R = 2 * (int64_t)(r > 0 ? r : 0) + 1;
    return (R < nz ? R : nz) * nxy + nxy + g->nx;
}

int derm_coupling_crowding_cells_grid(const struct derm_grid *g, int r)
{
    const int64_t per_thread = crowding_ring_values(g, r);
    return (size_t)per_thread * sizeof(derm_real) > ring_budget && g->n / per_thread < 1;
}

int derm_coupling_crowding_cells(const struct derm_grid *g, const struct derm_bins *b, const struct derm_agents *a,
                                 int type, int r, const double *factor, derm_real *out, derm_real *rows, derm_real *tmp)
{
    const int64_t nx = g->nx, nxy = g->nx * g->ny, nz = g->nz;
    const int nthreads = omp_get_max_threads();
    const int rz = r > 0 ? r : 0, rx = cap_radius(rz, nx), ry = cap_radius(rz, g->ny);
    const int64_t R = 2 * (int64_t)rz + 1, per_thread = crowding_ring_values(g, r);
    /* each thread its own ring, allocated and first written by itself (see
     * derm_coupling_deposit_box); beyond the budget, or without memory for one, its slot of
     * tmp, with as many threads as have a slot there (the results do not depend on the
     * count); else (not one ring fits: a thin domain) the whole-grid crowding */
    const size_t bytes = (size_t)per_thread * sizeof(derm_real);
    const int64_t fit = g->n / per_thread; /* rings that fit in tmp */
    const int own = bytes <= ring_budget, nrun = own || fit >= nthreads ? nthreads : (int)fit;
    int failed = nrun < 1;
    const double lateral = (double)(2 * rx + 1) * (double)(2 * ry + 1);
    const int8_t *ty = a->type;
    if (!failed) {
#pragma omp parallel num_threads(nrun) default(none) shared(g, b, ty, factor, out, rows, tmp, failed) \
    firstprivate(type, rx, ry, rz, lateral, nz, nxy, R, per_thread, bytes, own, fit)
        {
            const int t = omp_get_thread_num(), nt = omp_get_num_threads();
            const int64_t k0 = nz * t / nt, k1 = nz * (t + 1) / nt;
            if (k0 < k1) {
                derm_real *mine = own ? malloc(bytes) : NULL;
                derm_real *ring = mine ? mine : t < fit ? tmp + (int64_t)t * per_thread : NULL;
                if (ring) {
                    crowd_cells_range(g, b, ty, type, rx, ry, rz, lateral, factor, k0, k1, ring,
                                      ring + (R < nz ? R : nz) * nxy, out, rows);
                } else {
#pragma omp atomic write
                    failed = 1;
                }
                free(mine);
            }
        }
    }
    if (!failed) return 0;
    /* a thin domain beyond the ring budget, or no memory: the whole-grid crowding (into a
     * grid of its own when out is NULL: derm_coupling_crowding_cells_grid says when a
     * caller should hold one), read at the rows' voxels */
    derm_real *grid = out ? out : malloc((size_t)g->n * sizeof *grid);
    if (!grid) return -1;
    derm_coupling_crowding(g, b, a, type, r, factor, grid, tmp);
    if (rows)
        for (int64_t q = 0; q < b->n; q++) rows[b->rows[q]] = grid[a->voxel[b->rows[q]]];
    if (grid != out) free(grid);
    return 0;
}
