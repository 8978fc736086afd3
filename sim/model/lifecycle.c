/* lifecycle.c - births and deaths applied in a fixed order (model in lifecycle.h). */
#include "derm/model/lifecycle.h"

#include "derm/core/rng.h"
#include "derm/model/motility.h"

derm_status derm_lifecycle_apply(const struct derm_grid *g, struct derm_agents *a, const struct derm_lifecycle_coef *c,
                                 uint64_t seed, int64_t step, int64_t *births, int64_t *deaths, struct derm_err *err)
{
    const int64_t n0 = a->n;
    int64_t nb = 0, nd = 0;
    for (int64_t r = 0; r < n0; r++) nb += a->divide[r] != 0 && !a->die[r];
    DERM_TRY(derm_agents_reserve(a, nb, err));
    const double lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    /* daughters migrate away within the contact-inhibition neighbourhood: without this,
     * clonal patches form and crowding no longer tracks tissue density */
    const double spread = c->daughter_spread_um;
    for (int64_t r = 0; r < n0; r++) {
        if (!a->divide[r] || a->die[r]) continue;
        int kind = a->divide[r];
        a->divide[r] = 0;
        int64_t d;
        DERM_TRY(derm_agents_append(a, &d, err));
        int64_t new_id = a->id[d];
        derm_agents_copy_row(a, d, r);
        a->id[d] = new_id;
        uint64_t pid = (uint64_t)a->id[r];
        double ox = spread * derm_rng_normal(seed, pid, (uint64_t)step, DERM_RNG_DAUGHTER, 0);
        double oy = spread * derm_rng_normal(seed, pid, (uint64_t)step, DERM_RNG_DAUGHTER, 1);
        double oz = spread * derm_rng_normal(seed, pid, (uint64_t)step, DERM_RNG_DAUGHTER, 2);
        if (g->nx > 1) a->x[d] = derm_motility_wrap(a->x[r] + ox, lx);
        if (g->ny > 1) a->y[d] = derm_motility_wrap(a->y[r] + oy, ly);
        a->z[d] = derm_motility_reflect(a->z[r] + oz, lz);
        if (kind == 2) { /* progenitor -> fresh fibroblast */
            a->type[d] = DERM_AGENT_FIBROBLAST;
            a->state[d] = DERM_STATE_QUIESCENT;
            a->divisions[d] = 0;
            a->damage[d] = 0.0;
            a->attachment[d] = a->attachment[r] > 0 ? a->attachment[r] : 1.0;
            a->tgfb_response[d] = 1.0;
        } else if (a->type[r] == DERM_AGENT_FIBROBLAST) {
            a->divisions[r] += 1;
            a->divisions[d] = a->divisions[r];
            a->damage[r] += c->damage_per_division;
            a->damage[d] = a->damage[r];
            a->state[d] = DERM_STATE_QUIESCENT;
        }
        nb++;
    }
    nb = a->n - n0;
    for (int64_t r = n0 - 1; r >= 0; r--) {
        if (a->die[r]) {
            derm_agents_swap_remove(a, r);
            nd++;
        }
    }
    if (births) *births = nb;
    if (deaths) *deaths = nd;
    return DERM_OK;
}
