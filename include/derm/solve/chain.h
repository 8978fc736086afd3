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

/* The 8-term series of (1 - e^{-x}) / x (truncation < x^8/9! < 1e-16 for |x| < 0.05),
 * branch-free so that voxel loops vectorise (model/matrix.c). */
static inline double derm_chain_phi1_series(double x)
{
    return 1.0 - x * (1.0 / 2 -
                      x * (1.0 / 6 -
                           x * (1.0 / 24 - x * (1.0 / 120 - x * (1.0 / 720 - x * (1.0 / 5040 - x * (1.0 / 40320)))))));
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
 * 0.05, from one exponential above. */
static inline void derm_chain_decay(double rt, double *e, double *p)
{
    if (fabs(rt) < 0.05) {
        *p = derm_chain_phi1(rt);
        *e = 1.0 - rt * *p;
    } else {
        *e = exp(-rt);
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
