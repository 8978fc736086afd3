/* clock.h - event clocks of agents: exact event times for piecewise-constant hazards.
 *
 * Owns: the integrated hazard each agent still has to run before its next event of a kind
 * (store/agents.h: struct derm_agents clock/clock_n). The threshold is an exponential
 * variate keyed by (seed, the agent's lineage key, number of such events so far, kind), never by the
 * step, so the same events happen at the same times whatever the step (up to how the
 * hazards themselves are sampled), and a cell may switch state several times within a
 * long step. derm_clock_race advances a set of clocks with given hazards over a time and
 * says which fires first.
 * Does not: decide what an event does (model/fibroblast.c, model/progenitor.c).
 */
#ifndef DERM_MODEL_CLOCK_H
#define DERM_MODEL_CLOCK_H

#include <math.h>
#include <stdint.h>

#include "derm/core/rng.h"
#include "derm/store/agents.h"

/** Integrated hazard to row r's next event of kind k, drawn on first use. */
static inline double derm_clock_left(struct derm_agents *a, int64_t r, int k, uint64_t seed)
{
    if (isnan(a->clock[k][r]))
        a->clock[k][r] = -log(derm_rng_uniform(seed, (uint64_t)a->lineage[r], (uint64_t)a->clock_n[k][r],
                                               DERM_RNG_CLOCK + (uint32_t)k, 0));
    return a->clock[k][r];
}

/** Run the clocks kinds[0..n) of row r with hazards hz (1/h) for up to `span` hours.
 *  Returns the index i in 0..n of the first to fire (its clock is renewed, *t_fire gets the
 *  time it fired, the others are advanced to then) or -1 if none fires within span (all are
 *  advanced by span). */
static inline int derm_clock_race(struct derm_agents *a, int64_t r, const int *kinds, const double *hz, int n,
                                  double span, uint64_t seed, double *t_fire)
{
    int first = -1;
    double tf = span;
    for (int i = 0; i < n; i++) {
        if (!(hz[i] > 0.0)) continue;
        const double ti = derm_clock_left(a, r, kinds[i], seed) / hz[i];
        if (ti < tf) {
            tf = ti;
            first = i;
        }
    }
    for (int i = 0; i < n; i++) {
        if (!(hz[i] > 0.0) || i == first) continue;
        double left = a->clock[kinds[i]][r] - hz[i] * tf;
        a->clock[kinds[i]][r] = left > 0.0 ? left : 0.0;
    }
    if (first >= 0) {
        a->clock_n[kinds[first]][r]++;
        a->clock[kinds[first]][r] = NAN;
    }
    *t_fire = tf;
    return first;
}

#endif
