/* rng.h - counter-based random numbers keyed by (seed, agent id, step, purpose).
 *
 * Owns: a thin wrapper over Random123 Philox4x64-10. Every draw is a pure function of
 * its key, so results do not depend on thread count, agent order or how many other
 * draws were made. Each call yields 4 independent 64-bit words; `slot` picks one and
 * larger slot values advance the counter.
 * Does not: keep state.
 */
#ifndef DERM_RNG_H
#define DERM_RNG_H

#include <stdint.h>

/* Purposes: one per distinct random decision, never reused for two decisions. */
enum derm_rng_purpose {
    DERM_RNG_INIT_POS = 1,
    DERM_RNG_INIT_STATE,
    DERM_RNG_MOVE,
    DERM_RNG_DIVIDE,
    DERM_RNG_DAUGHTER,
    DERM_RNG_DIE,
    DERM_RNG_SENESCE,
    DERM_RNG_ACTIVATE,
    DERM_RNG_STEM,
    DERM_RNG_CLEAR,
    DERM_RNG_MOVE_BRIDGE, /* a random walk's value inside a window (model/motility.c) */
    DERM_RNG_MOVE_ENTRY,  /* its value where a cell enters a window mid-way */
    DERM_RNG_CLOCK = 32   /* + the kind of event clock (store/agents.h): DERM_RNG_CLOCK + k */
};

/** A 64-bit key derived from (key, n, purpose) by a bijective mixing of the three (for the
 *  random-stream key of a daughter from its parent's); never 0 in practice. */
uint64_t derm_rng_key(uint64_t key, uint64_t n, uint32_t purpose);

/** Uniform double in (0, 1) (never exactly 0 or 1). */
double derm_rng_uniform(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t slot);

/** Standard normal (Box-Muller on two uniforms of the same key; slot selects the pair). */
double derm_rng_normal(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t slot);

/** Three independent standard normals from one Philox block (block = slot): two Box-Muller
 *  pairs of its four words, the fourth normal discarded. For draws needed together (the
 *  three axes of a step of a random walk): a quarter of the cost of three derm_rng_normal. */
void derm_rng_normal3(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t block, double out[3]);

/** True with probability 1 - exp(-hazard * dt), hazard*dt >= 0. */
int derm_rng_event(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, double hazard_dt);

#endif
