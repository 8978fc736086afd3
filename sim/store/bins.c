/* bins.c - agents grouped by voxel: a stable radix sort of the rows by voxel (see bins.h). */
#include "derm/store/bins.h"

#include <stdlib.h>
#include <string.h>

derm_status derm_bins_init(struct derm_bins *b, const struct derm_grid *g, struct derm_err *err)
{
    (void)err;
    memset(b, 0, sizeof *b);
    b->nvox = g->n;
    return DERM_OK;
}

void derm_bins_fini(struct derm_bins *b)
{
    free(b->rows);
    free(b->occ);
    free(b->occ_start);
    free(b->scratch);
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

derm_status derm_bins_build(struct derm_bins *b, const struct derm_grid *g, struct derm_agents *a, struct derm_err *err)
{
    const int64_t n = a->n, nvox = g->n;
    DERM_TRY(reserve(b, n > 0 ? n : 1, err)); /* occ_start has n + 1 >= 1 entries */
    b->nvox = nvox;
    const double *restrict x = a->x, *restrict y = a->y, *restrict z = a->z;
    int64_t *restrict vox = a->voxel;
    const struct derm_grid gg = *g;
#pragma omp parallel for schedule(static) default(none) shared(x, y, z, vox) firstprivate(gg, n)
    for (int64_t r = 0; r < n; r++) vox[r] = derm_grid_voxel_of(&gg, x[r], y[r], z[r]);

    /* least-significant-digit radix sort of the rows by voxel: each pass is stable, so rows
     * end ascending within a voxel (they start in row order) */
    int64_t *src = b->rows, *dst = b->scratch;
    for (int64_t r = 0; r < n; r++) src[r] = r;
    for (int shift = 0; nvox > 1 && ((nvox - 1) >> shift) > 0; shift += DIGIT_BITS) {
        int64_t count[DIGITS + 1] = {0};
        for (int64_t q = 0; q < n; q++) count[((vox[src[q]] >> shift) & (DIGITS - 1)) + 1]++;
        for (int d = 0; d < DIGITS; d++) count[d + 1] += count[d];
        for (int64_t q = 0; q < n; q++) dst[count[(vox[src[q]] >> shift) & (DIGITS - 1)]++] = src[q];
        int64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != b->rows) { /* an odd number of passes: the sorted list is in scratch */
        b->scratch = b->rows;
        b->rows = src;
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
