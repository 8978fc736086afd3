/* bins.c - agents grouped by voxel: a stable radix sort of the rows by voxel (see bins.h). */
#include "derm/store/bins.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

derm_status derm_bins_init(struct derm_bins *b, const struct derm_grid *g, struct derm_err *err)
{
    (void)err;
    memset(b, 0, sizeof *b);
    b->nvox = g->n;
    b->sort_min_rows = DERM_BINS_SORT_MIN_ROWS;
    return DERM_OK;
}

void derm_bins_fini(struct derm_bins *b)
{
    free(b->rows);
    free(b->occ);
    free(b->occ_start);
    free(b->scratch);
    free(b->hist);
    memset(b, 0, sizeof *b);
}

static derm_status reserve(struct derm_bins *b, int64_t n, struct derm_err *err)
{
    if (n <= b->cap) return DERM_OK;
    const int64_t cap = n + n / 2 + 64;
    int64_t **bufs[] = {&b->rows, &b->occ, &b->occ_start, &b->scratch};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
        int64_t *p = realloc(*bufs[i], (size_t)(cap + 1) * sizeof *p);
        if (!p) return derm_err_set(err, DERM_ENOMEM, "bins: cannot allocate %lld rows", (long long)cap);
        *bufs[i] = p;
    }
    b->cap = cap;
    return DERM_OK;
}

enum { DIGIT_BITS = 11, DIGITS = 1 << DIGIT_BITS };

/* h: the counts of the digit of vox at shift over rows [q0, q1) of src. */
static void count_digit(int64_t *h, int shift, const int64_t *vox, const int64_t *src, int64_t q0, int64_t q1)
{
    memset(h, 0, DIGITS * sizeof *h);
    for (int64_t q = q0; q < q1; q++) h[(vox[src[q]] >> shift) & (DIGITS - 1)]++;
}

/* Thread t of nt: rows [q0, q1) of src scattered into dst by the digit of vox at shift,
 * stably: after the counts of every thread (hist, nt rows of DIGITS) are in, a row goes to
 * the rows of all smaller digits, then those of its digit in smaller threads' shares, then
 * its own share's before it: the order of one serial stable pass. */
static void scatter_digit(const int64_t *hist, int t, int nt, int shift, const int64_t *vox, const int64_t *src,
                          int64_t q0, int64_t q1, int64_t *dst)
{
    int64_t at[DIGITS], base = 0;
    for (int d = 0; d < DIGITS; d++) {
        int64_t before = 0;
        for (int u = 0; u < t; u++) before += hist[(int64_t)u * DIGITS + d];
        int64_t all = before;
        for (int u = t; u < nt; u++) all += hist[(int64_t)u * DIGITS + d];
        at[d] = base + before;
        base += all;
    }
    for (int64_t q = q0; q < q1; q++) dst[at[(vox[src[q]] >> shift) & (DIGITS - 1)]++] = src[q];
}

derm_status derm_bins_build(struct derm_bins *b, const struct derm_grid *g, struct derm_agents *a, struct derm_err *err)
{
    const int64_t n = a->n, nvox = g->n;
    DERM_TRY(reserve(b, n > 0 ? n : 1, err)); /* occ_start has n + 1 >= 1 entries */
    const int nt = omp_get_max_threads();
    if (b->hist_threads < nt) {
        int64_t *h = realloc(b->hist, (size_t)nt * DIGITS * sizeof *h);
        if (!h) return derm_err_set(err, DERM_ENOMEM, "bins: cannot allocate the sort's counts for %d threads", nt);
        b->hist = h;
        b->hist_threads = nt;
    }
    b->nvox = nvox;
    const double *restrict x = a->x, *restrict y = a->y, *restrict z = a->z;
    int64_t *restrict vox = a->voxel, *hist = b->hist, *rows = b->rows, *scratch = b->scratch;
    const struct derm_grid gg = *g;
    /* the voxels, then a least-significant-digit radix sort of the rows by voxel: each pass
     * is stable, so rows end ascending within a voxel (they start in row order) */
    int passes = 0;
    for (int shift = 0; nvox > 1 && ((nvox - 1) >> shift) > 0; shift += DIGIT_BITS) passes++;
    if (n < b->sort_min_rows) { /* the voxels on the threads, the sort on this one */
#pragma omp parallel for schedule(static) num_threads(nt) default(none) shared(x, y, z, vox, rows) firstprivate(gg, n)
        for (int64_t r = 0; r < n; r++) {
            vox[r] = derm_grid_voxel_of(&gg, x[r], y[r], z[r]);
            rows[r] = r;
        }
        int64_t *src = rows, *dst = scratch;
        for (int p = 0, shift = 0; p < passes; p++, shift += DIGIT_BITS) {
            count_digit(hist, shift, vox, src, 0, n);
            scatter_digit(hist, 0, 1, shift, vox, src, 0, n, dst);
            int64_t *tmp = src;
            src = dst;
            dst = tmp;
        }
    } else {
#pragma omp parallel num_threads(nt) default(none) shared(x, y, z, vox, hist, rows, scratch) firstprivate(gg, n, passes)
        {
            const int t = omp_get_thread_num(), m = omp_get_num_threads();
            const int64_t q0 = n * t / m, q1 = n * (t + 1) / m;
            int64_t *src = rows, *dst = scratch;
            for (int64_t r = q0; r < q1; r++) {
                vox[r] = derm_grid_voxel_of(&gg, x[r], y[r], z[r]);
                src[r] = r;
            }
            for (int p = 0, shift = 0; p < passes; p++, shift += DIGIT_BITS) {
                count_digit(hist + (int64_t)t * DIGITS, shift, vox, src, q0, q1);
#pragma omp barrier
                scatter_digit(hist, t, m, shift, vox, src, q0, q1, dst);
#pragma omp barrier
                int64_t *tmp = src;
                src = dst;
                dst = tmp;
            }
        }
    }
    if (passes % 2) { /* an odd number of passes: the sorted list is in scratch */
        b->scratch = rows;
        b->rows = scratch;
    }
    /* the occupied voxels and their runs */
    int64_t nocc = 0;
    for (int64_t q = 0; q < n; q++) {
        const int64_t v = vox[b->rows[q]];
        if (nocc == 0 || b->occ[nocc - 1] != v) {
            b->occ[nocc] = v;
            b->occ_start[nocc] = q;
            nocc++;
        }
    }
    b->occ_start[nocc] = n;
    b->nocc = nocc;
    b->n = n;
    return DERM_OK;
}

int64_t derm_bins_first_at(const struct derm_bins *b, int64_t v)
{
    int64_t lo = 0, hi = b->nocc; /* the first j in [lo, hi) with occ[j] >= v */
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (b->occ[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void derm_bins_voxel(const struct derm_bins *b, int64_t v, int64_t *q0, int64_t *q1)
{
    const int64_t j = derm_bins_first_at(b, v);
    if (j < b->nocc && b->occ[j] == v) {
        *q0 = b->occ_start[j];
        *q1 = b->occ_start[j + 1];
    } else {
        *q0 = *q1 = j < b->nocc ? b->occ_start[j] : b->n;
    }
}
