/* state.c - saving and restoring the persistent state of a simulation (see state.h). */
#include "derm/sim/state.h"

#include <stdlib.h>
#include <string.h>

/* Structs saved whole as arrays of doubles must hold nothing else. */
_Static_assert(sizeof(struct derm_exposure_totals) % sizeof(double) == 0, "exposure totals: doubles only");
_Static_assert(sizeof(struct derm_matrix_flux) % sizeof(double) == 0, "matrix flux: doubles only");

enum {
#define DERM_X_COUNT(name, type, count, ptr) +1
    NSCALAR = 0 DERM_SIM_STATE(DERM_X_COUNT),
#undef DERM_X_COUNT
#define DERM_X_COUNT(name, ctype, kind, units, desc) +1
    NCOLS = 0 DERM_AGENT_COLUMNS(DERM_X_COUNT)
#undef DERM_X_COUNT
};

/* items: the scalars of DERM_SIM_STATE, "agents.n", every field, every agent column. */
int derm_state_count(void) { return NSCALAR + 1 + DERM_NFIELDS + NCOLS; }

static enum derm_ckpt_type col_type(enum derm_col_kind k)
{
    switch (k) {
    case DERM_COL_I64:
        return DERM_CKPT_I64;
    case DERM_COL_I32:
        return DERM_CKPT_I32;
    case DERM_COL_I8:
        return DERM_CKPT_I8;
    default:
        return DERM_CKPT_F64;
    }
}

void derm_state_items(struct derm_sim *s, struct derm_ckpt_item *items)
{
    int i = 0;
#define DERM_X_ITEM(nm, type, count, ptr) \
    items[i++] = (struct derm_ckpt_item){nm, type, (int64_t)(count), (void *)(ptr)};
    DERM_SIM_STATE(DERM_X_ITEM)
#undef DERM_X_ITEM
    items[i++] = (struct derm_ckpt_item){"agents.n", DERM_CKPT_I64, 1, &s->a.n};
    for (int f = 0; f < DERM_NFIELDS; f++)
        items[i++] =
            (struct derm_ckpt_item){derm_field_desc(f)->name, DERM_CKPT_F64, s->grid.n, derm_fields_get(&s->f, f)};
#define DERM_X_COL(name, ctype, kind, units, desc) \
    items[i++] = (struct derm_ckpt_item){"agent." #name, col_type(kind), s->a.n, s->a.name};
    DERM_AGENT_COLUMNS(DERM_X_COL)
#undef DERM_X_COL
}

derm_status derm_state_save(struct derm_sim *s, const char *path, const struct derm_ckpt_meta *meta,
                            const struct derm_ckpt_item *extra, int nextra, struct derm_err *err)
{
    const int n = derm_state_count();
    struct derm_ckpt_item *items = malloc((size_t)(n + nextra) * sizeof *items);
    if (!items) return derm_err_set(err, DERM_ENOMEM, "out of memory for a checkpoint");
    derm_state_items(s, items);
    if (nextra > 0) memcpy(items + n, extra, (size_t)nextra * sizeof *items);
    derm_status st = derm_checkpoint_write(path, meta, items, n + nextra, err);
    free(items);
    return st;
}

derm_status derm_state_restore(struct derm_sim *s, struct derm_checkpoint *ck, struct derm_err *err)
{
    int64_t na = 0;
    DERM_TRY(derm_checkpoint_read(ck, "agents.n", DERM_CKPT_I64, 1, &na, err));
    if (na < 0 || na > (INT64_C(1) << 40))
        return derm_err_set(err, DERM_ECORRUPT, "damaged checkpoint: %lld agents", (long long)na);
    /* room for every agent first, so the column pointers below are final */
    if (na > s->a.n) DERM_TRY(derm_agents_reserve(&s->a, na - s->a.n, err));
    s->a.n = na;
    const int n = derm_state_count();
    struct derm_ckpt_item *items = malloc((size_t)n * sizeof *items);
    if (!items) return derm_err_set(err, DERM_ENOMEM, "out of memory for a checkpoint");
    derm_state_items(s, items);
    derm_status st = DERM_OK;
    for (int i = 0; i < n && st == DERM_OK; i++)
        if (strcmp(items[i].name, "agents.n") != 0)
            st = derm_checkpoint_read(ck, items[i].name, items[i].type, items[i].n, items[i].data, err);
    free(items);
    if (st != DERM_OK) return st;
    /* intent flags and voxels are rebuilt every step; clear them as a fresh append would */
    memset(s->a.divide, 0, (size_t)s->a.n);
    memset(s->a.die, 0, (size_t)s->a.n);
    return DERM_OK;
}
