/* fields.c - field registry lookups and contiguous storage of every per-voxel quantity. */
#include "derm/store/fields.h"

#include <stdlib.h>

static const struct derm_field_desc field_table[DERM_NFIELDS] = {
#define DERM_X_M(id, name, units, ln) {name, units, ln, 0},
    DERM_MATRIX_FIELDS(DERM_X_M)
#undef DERM_X_M
#define DERM_X_S(id, name, ln, D, hl, lvl, src) {name, "au", ln, 1},
        DERM_SIGNALS(DERM_X_S)
#undef DERM_X_S
#define DERM_X_T(id, name, units, ln) {name, units, ln, 0},
            DERM_STATE_FIELDS(DERM_X_T)
#undef DERM_X_T
};

const struct derm_field_desc *derm_field_desc(int f)
{
    if (f < 0 || f >= DERM_NFIELDS) return NULL;
    return &field_table[f];
}

derm_status derm_fields_init(struct derm_fields *f, const struct derm_grid *g, unsigned absent_states,
                             struct derm_err *err)
{
    *f = (struct derm_fields){.grid = *g};
    for (int m = 0; m < DERM_NMATRIX; m++) {
        f->matrix[m] = calloc((size_t)g->n, sizeof(derm_real));
        if (!f->matrix[m]) goto fail;
    }
    for (int s = 0; s < DERM_NSIGNAL; s++) {
        f->signal[s] = calloc((size_t)g->n, sizeof(derm_real));
        if (!f->signal[s]) goto fail;
    }
    for (int s = 0; s < DERM_NSTATE; s++) {
        if (absent_states >> s & 1u) continue; /* NULL: made by `make` (the caller's) */
        f->state[s] = calloc((size_t)g->n, sizeof(derm_real));
        if (!f->state[s]) goto fail;
    }
    return DERM_OK;
fail:
    derm_fields_fini(f);
    return derm_err_set(err, DERM_ENOMEM, "cannot allocate fields for %lld voxels", (long long)g->n);
}

void derm_fields_fini(struct derm_fields *f)
{
    for (int m = 0; m < DERM_NMATRIX; m++) {
        free(f->matrix[m]);
        f->matrix[m] = NULL;
    }
    for (int s = 0; s < DERM_NSIGNAL; s++) {
        free(f->signal[s]);
        f->signal[s] = NULL;
    }
    for (int s = 0; s < DERM_NSTATE; s++) {
        free(f->state[s]);
        f->state[s] = NULL;
    }
}

derm_real *derm_fields_get(const struct derm_fields *f, int id)
{
    if (id < 0 || id >= DERM_NFIELDS) return NULL;
    if (id < DERM_NMATRIX) return f->matrix[id];
    if (id < DERM_NMATRIX + DERM_NSIGNAL) return f->signal[id - DERM_NMATRIX];
    return f->state[id - DERM_NMATRIX - DERM_NSIGNAL];
}
