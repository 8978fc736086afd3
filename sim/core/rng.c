/* rng.c - counter-based random numbers (Random123 Philox4x64-10).
 * Key = (seed, purpose); counter = (agent id, step, slot / 4, 0). A draw is a pure
 * function of (seed, id, step, purpose, slot): no state, no per-thread generators. */
#include "derm/core/rng.h"

#include <math.h>

#include <Random123/philox.h>

static uint64_t draw_u64(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t slot)
{
    philox4x64_key_t key = {{seed, (uint64_t)purpose}};
    philox4x64_ctr_t ctr = {{id, step, (uint64_t)(slot / 4u), 0x6465726d73696dULL}};
    philox4x64_ctr_t r = philox4x64(ctr, key);
    return r.v[slot % 4u];
}

double derm_rng_uniform(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t slot)
{
    /* 53 random bits, shifted to the open interval (0, 1) */
    uint64_t u = draw_u64(seed, id, step, purpose, slot) >> 11;
    return ((double)u + 0.5) * 0x1.0p-53;
}

double derm_rng_normal(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t slot)
{
    double u1 = derm_rng_uniform(seed, id, step, purpose, 2u * slot);
    double u2 = derm_rng_uniform(seed, id, step, purpose, 2u * slot + 1u);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void derm_rng_normal3(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, uint32_t block, double out[3])
{
    philox4x64_key_t key = {{seed, (uint64_t)purpose}};
    philox4x64_ctr_t ctr = {{id, step, (uint64_t)block, 0x6e6f726d616c33ULL}};
    philox4x64_ctr_t r = philox4x64(ctr, key);
    double u[4];
    for (int q = 0; q < 4; q++) u[q] = ((double)(r.v[q] >> 11) + 0.5) * 0x1.0p-53;
    const double r1 = sqrt(-2.0 * log(u[0])), a1 = 6.283185307179586 * u[1];
    out[0] = r1 * cos(a1);
    out[1] = r1 * sin(a1);
    out[2] = sqrt(-2.0 * log(u[2])) * cos(6.283185307179586 * u[3]);
}

int derm_rng_event(uint64_t seed, uint64_t id, uint64_t step, uint32_t purpose, double hazard_dt)
{
    if (!(hazard_dt > 0.0)) return 0;
    return derm_rng_uniform(seed, id, step, purpose, 0) < -expm1(-hazard_dt);
}

/* splitmix64 finaliser: a bijection of 64-bit words with good avalanche */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t derm_rng_key(uint64_t key, uint64_t n, uint32_t purpose)
{
    /* keep the top bit clear so keys stay positive as int64 and never meet founder ids' range
     * by design: founders have small ids, mixed keys are spread over 2^63 */
    return mix64(mix64(key) ^ mix64(n + 0x9e3779b97f4a7c15ULL * (uint64_t)(purpose + 1))) >> 1;
}
