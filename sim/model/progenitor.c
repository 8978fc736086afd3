/* progenitor.c - progenitor decisions (model and sources in progenitor.h). */
#include "derm/model/progenitor.h"

#include "derm/core/rng.h"
#include "derm/model/clock.h"

void derm_progenitor_decide(struct derm_agents *a, const struct derm_progenitor_coef *c,
                            const struct derm_homeostasis *h, const struct derm_step_inputs *in,
                            const derm_real *const *sensed, uint64_t seed, int64_t step, double dt_h)
{
    const int64_t n = a->n;
    const double dt = dt_h;
    const derm_real *gf = sensed[DERM_S_GF], *exo = sensed[DERM_S_EXOSOME];
    const double gf_ref = h->sensed_ref[DERM_S_GF];
    double room = 1.0 - (double)in->stem_count / h->stem_niche;
    if (room < 0.0) room = 0.0;
#pragma omp parallel for schedule(static) default(none) shared(a, c, in, gf, exo) \
    firstprivate(n, dt, seed, gf_ref, room)
    for (int64_t r = 0; r < n; r++) {
        if (a->type[r] != DERM_AGENT_STEM) continue;
        a->die[r] = 0;
        a->divide[r] = 0;
        double gfl = gf[r] / gf_ref;
        if (gfl < 0.0) gfl = 0.0;
        const double gfr = gfl * (1.0 + c->gf_half) / (c->gf_half + gfl);
        static const int kinds[3] = {DERM_CLOCK_DEATH, DERM_CLOCK_DIFFERENTIATE, DERM_CLOCK_DIVIDE};
        const double hz[3] = {c->death_h,
                              c->differentiation_h * in->stem_vigour * gfr *
                                  (1.0 + c->exo_gain * in->exo_mult[DERM_EXO_PROGENITOR] * exo[r] / (1.0 + exo[r])),
                              c->self_renewal_h * in->stem_vigour * room};
        double t = 0.0, tf;
        for (int guard = 0; guard < 64 && t < dt; guard++) {
            const int ev = derm_clock_race(a, r, kinds, hz, 3, dt - t, seed, &tf);
            t += tf;
            if (ev < 0) break;
            if (ev == 0) {
                a->die[r] = 1;
                a->state[r] = DERM_STATE_APOPTOTIC;
                break;
            }
            if (!a->divide[r]) a->divide[r] = ev == 1 ? 2 : 1; /* one daughter per step at most */
        }
    }
}

int64_t derm_progenitor_count(const struct derm_agents *a)
{
    int64_t n = 0;
    for (int64_t r = 0; r < a->n; r++) n += a->type[r] == DERM_AGENT_STEM;
    return n;
}
