/* chain.h - exact update of a linear two-compartment chain over a step.
 *
 * Owns: the closed-form solution over t of
 *     x' = P - a x,   y' = yield a x - b y     (P, a, b, yield constant, a, b >= 0)
 * used by every matrix pool (collagen intact -> fragmented, elastin functional ->
 * elastotic, HA high -> low MW), and phi1(x) = (1 - e^{-x}) / x. Inline, so the matrix
 * kernel pays no call; derm_chain_step is the same as a function (tests, tools).
 * Does not: know what the compartments are (model/matrix.c does).
 */
#ifndef DERM_SOLVE_CHAIN_H
#define DERM_SOLVE_CHAIN_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The 8-term series of (1 - e^{-x}) / x (truncation < x^8/9! < 1e-16 for |x| < 0.05),
 * branch-free so that voxel loops vectorise (model/matrix.c). */
static inline double derm_chain_phi1_series(double x)
{
    return 1.0 - x * (1.0 / 2 -
                      x * (1.0 / 6 -
                           x * (1.0 / 24 - x * (1.0 / 120 - x * (1.0 / 720 - x * (1.0 / 5040 - x * (1.0 / 40320)))))));
}

/* e^{-x} for x >= -708 (x above 708 is taken as 708: e^{-708} ~ 3e-308 stands for
 * anything smaller), branch-free so that voxel loops vectorise it (glibc's exp is a call
 * per value): x = k ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, Cody-Waite), so
 * e^{-x} = 2^-k e^{-r}; e^{-r} by its Taylor polynomial of degree 13 (truncation below
 * 1e-17), and 2^-k written into the exponent bits. Within 1 ulp of the correctly rounded
 * value over [0, 708] (tests/unit/test_chain.c). Plain multiplications and additions
 * (no FMA: -ffp-contract=off), so scalar and vector copies give the same bits. */
static inline double derm_exp_neg(double x)
{
    x = x < 708.0 ? x : 708.0;
    const double y = -x, shifter = 0x1.8p52; /* 1.5 2^52: y / ln2 + shifter has k in its low bits */
    const double t = y * 0x1.71547652b82fep0 + shifter;
    const double kd = t - shifter;
    const double r = (y - kd * 0x1.62e42fefa3800p-1) - kd * 0x1.ef35793c7673p-45;
    double q = 1.0 / 6227020800.0;
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    q = q * r + 1.0;
    q = q * r + 1.0;
    int64_t tb, sb, bits;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&sb, &shifter, sizeof sb);
    bits = (tb - sb + 1023) * ((int64_t)1 << 52); /* 2^k, k = tb - sb in [-1021, 1022] */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return q * scale;
}

/* (1 - e^{-x}) / x. For |x| < 0.05 the series above: collagen and elastin rates times a
 * week's step are ~1e-3 to 2e-2, so this path avoids the transcendental calls that would
 * otherwise dominate the matrix update. */
static inline double derm_chain_phi1(double x)
{
    if (fabs(x) < 0.05) return derm_chain_phi1_series(x);
    return -expm1(-x) / x;
}

/* e = e^{-rt} and p = derm_chain_phi1(rt) for a rate times a time rt: by the series below
 * 0.05, from one exponential (derm_exp_neg) above. */
static inline void derm_chain_decay(double rt, double *e, double *p)
{
    if (fabs(rt) < 0.05) {
        *p = derm_chain_phi1(rt);
        *e = 1.0 - rt * *p;
    } else {
        *e = derm_exp_neg(rt);
        *p = (1.0 - *e) / rt;
    }
}

/* The exact chain given the decays of both compartments over t (derm_chain_decay of a t
 * and of b t): a caller whose b is the same in every voxel forms b's once per step, with
 * the same bits as derm_chain_advance. */
static inline double derm_chain_advance_with(double P, double a, double b, double yield, double t, double ea, double pa,
                                             double eb, double pb, double *x, double *y)
{
    const double x0 = *x, y0 = *y;
    const double at = a * t, bt = b * t;
    /* x(t) = x0 e^{-a t} + P t derm_chain_phi1(a t) */
    const double x1 = x0 * ea + P * t * pa;
    const double out = P * t - (x1 - x0); /* mass balance: what left x */
    /* y' = yield a x - b y with a x(s) = P (1 - e^{-a s}) + a x0 e^{-a s}:
     * y(t) = y0 e^{-b t} + yield [P I0 + (a x0 - P) I1], I0 = t derm_chain_phi1(b t),
     * I1 = int_0^t e^{-b(t-s)} e^{-a s} ds = (e^{-a t} - e^{-b t}) / (b - a). */
    const double dt_ = bt - at, adt = fabs(dt_);
    /* both forms, then a select (no branch, no division by zero): the voxel loop of
     * model/matrix.c vectorises with this inlined, with the same bits as the branch */
    const int near = adt < 0.05;
    const double i1_near = (dt_ >= 0.0 ? ea : eb) * t * derm_chain_phi1_series(adt);
    const double i1_far = (ea - eb) / (near ? 1.0 : b - a);
    const double i1 = near ? i1_near : i1_far;
    double y1 = y0 * eb + yield * (P * t * pb + (a * x0 - P) * i1);
    y1 = y1 < 0.0 ? 0.0 : y1; /* guards round-off only: every term is non-negative in exact arithmetic */
    *x = x1;
    *y = y1;
    return out;
}

/* The exact chain, inlined in the voxel loop. Two exponentials at most (none when both
 * rates times t are below 0.05); phi1 and the cross term are formed from them, which is
 * accurate to ~1e-14 relative once the argument exceeds 0.05. */
static inline double derm_chain_advance(double P, double a, double b, double yield, double t, double *x, double *y)
{
    double ea, pa, eb, pb;
    derm_chain_decay(a * t, &ea, &pa);
    derm_chain_decay(b * t, &eb, &pb);
    return derm_chain_advance_with(P, a, b, yield, t, ea, pa, eb, pb, x, y);
}

/** Exact solution over t of x' = P - a x, y' = yield a x - b y; updates *x, *y and
 *  returns the amount that left x (integral of a x dt). Requires a, b >= 0. */
double derm_chain_step(double P, double a, double b, double yield, double t, double *x, double *y);

#endif
