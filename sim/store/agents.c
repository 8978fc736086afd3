/* agents.c - structure-of-arrays agent store: growth, append, copy, swap-remove.
 * Every column list comes from DERM_AGENT_COLUMNS, so adding a variable is one line. */
#include "derm/store/agents.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static derm_status grow(struct derm_agents *a, int64_t cap, struct derm_err *err)
{
    if (cap <= a->cap) return DERM_OK;
#define DERM_X_GROW(name, ctype, kind, units, desc)               \
    {                                                             \
        void *p_ = realloc(a->name, (size_t)cap * sizeof(ctype)); \
        if (!p_) goto fail;                                       \
        a->name = p_;                                             \
    }
    DERM_AGENT_COLUMNS(DERM_X_GROW)
#undef DERM_X_GROW
    for (int k = 0; k < DERM_NCLOCK; k++) {
        void *p_ = realloc(a->clock[k], (size_t)cap * sizeof *a->clock[k]);
        if (!p_) goto fail;
        a->clock[k] = p_;
        p_ = realloc(a->clock_n[k], (size_t)cap * sizeof *a->clock_n[k]);
        if (!p_) goto fail;
        a->clock_n[k] = p_;
    }
    for (int k = 0; k < 3; k++) {
        void *p_ = realloc(a->walk[k], (size_t)cap * sizeof *a->walk[k]);
        if (!p_) goto fail;
        a->walk[k] = p_;
    }
    for (int k = 0; k < 3; k++) {
        void *p_ = realloc(a->walk_end[k], (size_t)cap * sizeof *a->walk_end[k]);
        if (!p_) goto fail;
        a->walk_end[k] = p_;
    }
    {
        void *p_ = realloc(a->walk_window, (size_t)cap * sizeof *a->walk_window);
        if (!p_) goto fail;
        a->walk_window = p_;
        p_ = realloc(a->walk_end_window, (size_t)cap * sizeof *a->walk_end_window);
        if (!p_) goto fail;
        a->walk_end_window = p_;
    }
    {
        void *p_ = realloc(a->voxel, (size_t)cap * sizeof *a->voxel);
        if (!p_) goto fail;
        a->voxel = p_;
        p_ = realloc(a->divide, (size_t)cap);
        if (!p_) goto fail;
        a->divide = p_;
        p_ = realloc(a->die, (size_t)cap);
        if (!p_) goto fail;
        a->die = p_;
    }
    a->cap = cap;
    return DERM_OK;
fail:
    return derm_err_set(err, DERM_ENOMEM, "cannot grow agent store to %lld rows", (long long)cap);
}

derm_status derm_agents_init(struct derm_agents *a, int64_t cap, struct derm_err *err)
{
    memset(a, 0, sizeof *a);
    a->next_id = 1;
    derm_status s = grow(a, cap < 16 ? 16 : cap, err);
    if (s != DERM_OK) derm_agents_fini(a);
    return s;
}

void derm_agents_fini(struct derm_agents *a)
{
#define DERM_X_FREE(name, ctype, kind, units, desc) free(a->name);
    DERM_AGENT_COLUMNS(DERM_X_FREE)
#undef DERM_X_FREE
    for (int k = 0; k < DERM_NCLOCK; k++) {
        free(a->clock[k]);
        free(a->clock_n[k]);
    }
    for (int k = 0; k < 3; k++) {
        free(a->walk[k]);
        free(a->walk_end[k]);
    }
    free(a->walk_window);
    free(a->walk_end_window);
    free(a->voxel);
    free(a->divide);
    free(a->die);
    memset(a, 0, sizeof *a);
}

derm_status derm_agents_reserve(struct derm_agents *a, int64_t extra, struct derm_err *err)
{
    int64_t need = a->n + extra;
    if (need <= a->cap) return DERM_OK;
    int64_t cap = a->cap;
    while (cap < need) cap = cap + cap / 2 + 16;
    return grow(a, cap, err);
}

derm_status derm_agents_append(struct derm_agents *a, int64_t *row, struct derm_err *err)
{
    DERM_TRY(derm_agents_reserve(a, 1, err));
    const int64_t r = a->n; /* zeroed here, then counted with its id by extend */
#define DERM_X_ZERO(name, ctype, kind, units, desc) a->name[r] = (ctype)0;
    DERM_AGENT_COLUMNS(DERM_X_ZERO)
#undef DERM_X_ZERO
    for (int k = 0; k < DERM_NCLOCK; k++) {
        a->clock[k][r] = NAN; /* drawn when first needed */
        a->clock_n[k][r] = 0;
    }
    for (int k = 0; k < 3; k++) a->walk[k][r] = a->walk_end[k][r] = 0.0;
    a->walk_window[r] = a->walk_end_window[r] = INT64_MIN;
    a->voxel[r] = 0;
    a->divide[r] = 0;
    a->die[r] = 0;
    return derm_agents_extend(a, 1, row, err);
}

derm_status derm_agents_extend(struct derm_agents *a, int64_t count, int64_t *row0, struct derm_err *err)
{
    DERM_TRY(derm_agents_reserve(a, count, err));
    *row0 = a->n;
    for (int64_t r = a->n; r < a->n + count; r++) a->lineage[r] = a->id[r] = a->next_id++;
    a->n += count;
    return DERM_OK;
}

void derm_agents_copy_row(struct derm_agents *a, int64_t dst, int64_t src)
{
    if (dst == src) return;
#define DERM_X_COPY(name, ctype, kind, units, desc) a->name[dst] = a->name[src];
    DERM_AGENT_COLUMNS(DERM_X_COPY)
#undef DERM_X_COPY
    for (int k = 0; k < DERM_NCLOCK; k++) {
        a->clock[k][dst] = a->clock[k][src];
        a->clock_n[k][dst] = a->clock_n[k][src];
    }
    for (int k = 0; k < 3; k++) {
        a->walk[k][dst] = a->walk[k][src];
        a->walk_end[k][dst] = a->walk_end[k][src];
    }
    a->walk_window[dst] = a->walk_window[src];
    a->walk_end_window[dst] = a->walk_end_window[src];
    a->voxel[dst] = a->voxel[src];
    a->divide[dst] = a->divide[src];
    a->die[dst] = a->die[src];
}

void derm_agents_swap_remove(struct derm_agents *a, int64_t r)
{
    if (r < 0 || r >= a->n) return;
    derm_agents_copy_row(a, r, a->n - 1);
    a->n--;
}
