/* lifecycle.c - births and deaths applied in a fixed order (model in lifecycle.h). */
#include "derm/model/lifecycle.h"

#include <math.h>
#include <stdlib.h>

#include "derm/core/rng.h"
#include "derm/model/motility.h"

/* Parent row r's daughter into the new row d (its id given): the parent's row copied, then
 * the daughter's own clocks, key, path and placement; the parent's division count and damage.
 * Touches rows r and d only, so births run side by side. */
static void birth(const struct derm_grid *g, struct derm_agents *a, const struct derm_lifecycle_coef *c, uint64_t seed,
                  int64_t r, int64_t d)
{
    const double lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    /* daughters migrate away within the contact-inhibition neighbourhood: without this,
     * clonal patches form and crowding no longer tracks tissue density */
    const double spread = c->daughter_spread_um;
    const int kind = a->divide[r];
    const int64_t id = a->id[d];
    a->divide[r] = 0;
    derm_agents_copy_row(a, d, r);
    a->id[d] = id;
    for (int k = 0; k < DERM_NCLOCK; k++) { /* a new cell's own event clocks */
        a->clock[k][d] = NAN;
        a->clock_n[k][d] = 0;
    }
    /* the daughter's key and placement come from the parent's key and its count of such
     * births, not from the step or the order of births elsewhere */
    const uint64_t pid = (uint64_t)a->lineage[r];
    const int clock = kind == 2 ? DERM_CLOCK_DIFFERENTIATE : DERM_CLOCK_DIVIDE;
    const uint64_t nth = (uint64_t)a->clock_n[clock][r];
    const uint32_t purpose = kind == 2 ? DERM_RNG_STEM : DERM_RNG_DAUGHTER;
    a->lineage[d] = (int64_t)derm_rng_key(pid, nth, purpose);
    for (int q = 0; q < 3; q++) a->walk[q][d] = 0.0;
    a->walk_window[d] = a->walk_end_window[d] = INT64_MIN; /* a new lineage, a new path */
    a->die[d] = 0;                                         /* the daughter of a cell that divided and then died lives */
    if (a->state[d] == DERM_STATE_APOPTOTIC) a->state[d] = DERM_STATE_QUIESCENT;
    double off[3];
    derm_rng_normal3(seed, pid, nth, purpose, 0u, off);
    const double ox = spread * off[0], oy = spread * off[1], oz = spread * off[2];
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
}

derm_status derm_lifecycle_apply(const struct derm_grid *g, struct derm_agents *a, const struct derm_lifecycle_coef *c,
                                 uint64_t seed, int64_t step, int64_t *births, int64_t *deaths, struct derm_err *err)
{
    const int64_t n0 = a->n;
    int64_t nb = 0, nd = 0;
    for (int64_t r = 0; r < n0; r++) nb += a->divide[r] != 0;
    if (nb > 0) {
        /* the parents in row order; daughter i takes row n0 + i and the i-th new id, as
         * appending them one by one in row order would (a cell that divided and then died
         * in the step leaves its daughter) */
        int64_t *parent = malloc((size_t)nb * sizeof *parent);
        if (!parent) return derm_err_set(err, DERM_ENOMEM, "cannot allocate the %lld births of a step", (long long)nb);
        int64_t d0 = 0;
        derm_status st = derm_agents_extend(a, nb, &d0, err);
        if (st != DERM_OK) {
            free(parent);
            return st;
        }
        for (int64_t r = 0, i = 0; r < n0; r++)
            if (a->divide[r]) parent[i++] = r;
#pragma omp parallel for schedule(static) if (nb >= 32) default(none) shared(g, a, c, parent) firstprivate(nb, d0, seed)
        for (int64_t i = 0; i < nb; i++) birth(g, a, c, seed, parent[i], d0 + i);
        free(parent);
    }
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
