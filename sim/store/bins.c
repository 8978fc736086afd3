/* bins.c - agents grouped by voxel: a stable counting sort (see bins.h). */
#include "derm/store/bins.h"

#include <stdlib.h>
#include <string.h>

derm_status derm_bins_init(struct derm_bins *b, const struct derm_grid *g, struct derm_err *err)
{
    memset(b, 0, sizeof *b);
    b->nvox = g->n;
    b->start = calloc((size_t)g->n + 1, sizeof *b->start);
    b->fill = calloc((size_t)g->n, sizeof *b->fill);
    if (!b->start || !b->fill) {
        derm_bins_fini(b);
        return derm_err_set(err, DERM_ENOMEM, "bins: cannot allocate %lld voxels", (long long)g->n);
    }
    return DERM_OK;
}

void derm_bins_fini(struct derm_bins *b)
{
    free(b->start);
    free(b->fill);
    free(b->rows);
    memset(b, 0, sizeof *b);
}

derm_status derm_bins_build(struct derm_bins *b, const struct derm_grid *g, struct derm_agents *a, struct derm_err *err)
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
    int64_t *fill = b->fill; /* only the occupied voxels' cursors are set and used */
    for (int64_t r = 0; r < n; r++) fill[vox[r]] = start[vox[r]];
    for (int64_t r = 0; r < n; r++) b->rows[fill[vox[r]]++] = r;
    return DERM_OK;
}
