/* test_diffusion.c - the spectral signal solver against closed forms and serial references.
 *
 * References used here are independent of the solver's code: the discrete operator is
 * applied directly with ghost cells (periodic x, y; c[-1] = c[0] at the top; c[nz] =
 * +-c[nz-1] at the bottom), integrated with many small RK4 steps or solved with the
 * Thomas algorithm, and compared with closed forms (exponential decay, the discrete and
 * continuous steady profiles, lattice variance growth 2 D t). Tolerances are stated at
 * each assertion; the product requirement is 1 %, most checks hold to ~1e-10 or better.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derm/solve/diffusion.h"

/* ---- helpers ------------------------------------------------------------------------- */

static struct derm_grid make_grid(int64_t nx, int64_t ny, int64_t nz, double h_um)
{
    struct derm_grid g = {.nx = nx, .ny = ny, .nz = nz, .h_um = h_um, .n = nx * ny * nz};
    return g;
}

static double *alloc_field(int64_t n)
{
    double *p = calloc((size_t)n, sizeof(double));
    assert_non_null(p);
    return p;
}

/** Deterministic uniform [0, 1) numbers (64-bit LCG), independent of libc rand(). */
static double urand(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) * (1.0 / 9007199254740992.0);
}

static void fill_random(double *c, int64_t n, uint64_t seed, double lo, double hi)
{
    uint64_t s = seed;
    for (int64_t v = 0; v < n; ++v) c[v] = lo + (hi - lo) * urand(&s);
}

static double max_abs(const double *a, int64_t n)
{
    double m = 0.0;
    for (int64_t v = 0; v < n; ++v) m = fmax(m, fabs(a[v]));
    return m;
}

static double max_abs_diff(const double *a, const double *b, int64_t n)
{
    double m = 0.0;
    for (int64_t v = 0; v < n; ++v) m = fmax(m, fabs(a[v] - b[v]));
    return m;
}

static double sum_field(const double *a, int64_t n)
{
    long double s = 0.0L; /* extended precision so the checks measure the solver only */
    for (int64_t v = 0; v < n; ++v) s += a[v];
    return (double)s;
}

/** out = D L c - k c + S by direct ghost-cell stencil (S may be NULL). */
static void ref_rhs(const struct derm_grid *g, int vascular, double D, double k, const double *c, const double *S,
                    double *out)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz;
    const double a = D / (g->h_um * g->h_um);
    for (int64_t q = 0; q < nz; ++q)
        for (int64_t j = 0; j < ny; ++j)
            for (int64_t i = 0; i < nx; ++i) {
                const int64_t v = derm_grid_idx(g, i, j, q);
                const double cv = c[v];
                const double xm = c[derm_grid_idx(g, (i + nx - 1) % nx, j, q)];
                const double xp = c[derm_grid_idx(g, (i + 1) % nx, j, q)];
                const double ym = c[derm_grid_idx(g, i, (j + ny - 1) % ny, q)];
                const double yp = c[derm_grid_idx(g, i, (j + 1) % ny, q)];
                const double zm = q > 0 ? c[derm_grid_idx(g, i, j, q - 1)] : cv;
                const double zp = q < nz - 1 ? c[derm_grid_idx(g, i, j, q + 1)] : (vascular ? -cv : cv);
                out[v] = a * (xm + xp + ym + yp + zm + zp - 6.0 * cv) - k * cv + (S ? S[v] : 0.0);
            }
}

/** Classical RK4 on dc/dt = D L c - k c + S over time T (h) with enough sub-steps that
 *  the largest eigenvalue times the sub-step is <= 0.004 (error ~1e-14 relative). */
static void ref_rk4(const struct derm_grid *g, int vascular, double D, double k, double *c, const double *S, double T)
{
    const double lam_max = k + 12.0 * D / (g->h_um * g->h_um);
    const int64_t nsub = (int64_t)ceil(lam_max * T / 0.004) + 1;
    const double h = T / (double)nsub;
    const int64_t n = g->n;
    double *k1 = alloc_field(n), *k2 = alloc_field(n), *k3 = alloc_field(n), *k4 = alloc_field(n),
           *tmp = alloc_field(n);
    for (int64_t s = 0; s < nsub; ++s) {
        ref_rhs(g, vascular, D, k, c, S, k1);
        for (int64_t v = 0; v < n; ++v) tmp[v] = c[v] + 0.5 * h * k1[v];
        ref_rhs(g, vascular, D, k, tmp, S, k2);
        for (int64_t v = 0; v < n; ++v) tmp[v] = c[v] + 0.5 * h * k2[v];
        ref_rhs(g, vascular, D, k, tmp, S, k3);
        for (int64_t v = 0; v < n; ++v) tmp[v] = c[v] + h * k3[v];
        ref_rhs(g, vascular, D, k, tmp, S, k4);
        for (int64_t v = 0; v < n; ++v) c[v] += h / 6.0 * (k1[v] + 2.0 * k2[v] + 2.0 * k3[v] + k4[v]);
    }
    free(k1);
    free(k2);
    free(k3);
    free(k4);
    free(tmp);
}

static struct derm_diffusion *create_or_fail(const struct derm_grid *g, int nsig, const double *D, const double *k,
                                             int vascular)
{
    struct derm_diffusion *d = NULL;
    struct derm_err err = {0};
    const derm_status st = derm_diffusion_create(&d, g, nsig, D, k, vascular, &err);
    if (st != DERM_OK) fail_msg("derm_diffusion_create: %s", err.msg);
    assert_non_null(d);
    return d;
}

static void step_or_fail(struct derm_diffusion *d, double **c, double **S, double dt)
{
    struct derm_err err = {0};
    const derm_status st = derm_diffusion_step(d, c, (const double *const *)S, dt, &err);
    if (st != DERM_OK) fail_msg("derm_diffusion_step: %s", err.msg);
}

/* ---- 0. eigen-relations of the discrete operator and exact modal decay ------------------ */

/** The solver's eigenvalues (from the header comment of diffusion.c) against a direct
 *  application of the ghost-cell operator, then one solver step of each eigenvector. */
static void test_eigen_relations(void **state)
{
    (void)state;
    const double pi = 3.14159265358979323846;
    const int64_t sizes[2][3] = {{8, 6, 10}, {5, 3, 9}};
    for (int sz = 0; sz < 2; ++sz)
        for (int vascular = 0; vascular <= 1; ++vascular) {
            const struct derm_grid g = make_grid(sizes[sz][0], sizes[sz][1], sizes[sz][2], 2.5);
            const double D = 1.3, k = 0.2, dt = 0.7, h = g.h_um;
            double *v = alloc_field(g.n), *Lv = alloc_field(g.n), *c = alloc_field(g.n);
            struct derm_diffusion *d = create_or_fail(&g, 1, &D, &k, vascular);
            const int modes[4][3] = {{0, 0, 0}, {1, 0, 2}, {3, 2, 1}, {2, 1, (int)g.nz - 1}};
            for (int md = 0; md < 4; ++md) {
                const int mx = modes[md][0] % (int)g.nx, my = modes[md][1] % (int)g.ny;
                const int q = modes[md][2];
                const double qq = vascular ? q + 0.5 : q;
                for (int64_t kz = 0; kz < g.nz; ++kz)
                    for (int64_t j = 0; j < g.ny; ++j)
                        for (int64_t i = 0; i < g.nx; ++i)
                            v[derm_grid_idx(&g, i, j, kz)] = cos(2.0 * pi * mx * (double)i / (double)g.nx) *
                                                             cos(2.0 * pi * my * (double)j / (double)g.ny + 0.3) *
                                                             cos(pi * qq * ((double)kz + 0.5) / (double)g.nz);
                const double mu = (2.0 - 2.0 * cos(2.0 * pi * mx / (double)g.nx)) / (h * h) +
                                  (2.0 - 2.0 * cos(2.0 * pi * my / (double)g.ny)) / (h * h) +
                                  (2.0 - 2.0 * cos(pi * qq / (double)g.nz)) / (h * h);
                /* L v = -mu v with L applied through the ghost cells (D = 1, k = 0) */
                ref_rhs(&g, vascular, 1.0, 0.0, v, NULL, Lv);
                for (int64_t p = 0; p < g.n; ++p) assert_true(fabs(Lv[p] + mu * v[p]) <= 1e-12 * (1.0 + mu));
                /* the solver advances the eigenvector by exactly exp(-(k + D mu) dt) */
                memcpy(c, v, (size_t)g.n * sizeof(double));
                double *cs[1] = {c};
                step_or_fail(d, cs, NULL, dt);
                const double f = exp(-(k + D * mu) * dt);
                for (int64_t p = 0; p < g.n; ++p) assert_true(fabs(c[p] - f * v[p]) <= 1e-13);
            }
            derm_diffusion_free(d);
            free(v);
            free(Lv);
            free(c);
        }
}

/* ---- 1. uniform decay --------------------------------------------------------------------- */

static void test_uniform_decay(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(6, 5, 7, 10.0);
    /* signal 0 on the transform path, signal 1 local (D = 0), both k = 0.3 / h */
    const double D[2] = {50.0, 0.0}, k[2] = {0.3, 0.3};
    struct derm_diffusion *d = create_or_fail(&g, 2, D, k, 0);
    double *c0 = alloc_field(g.n), *c1 = alloc_field(g.n);
    const double cinit = 2.5;
    for (int64_t v = 0; v < g.n; ++v) c0[v] = c1[v] = cinit;
    double *cs[2] = {c0, c1};
    const double dts[5] = {0.1, 1.0, 7.5, 0.1, 30.0}; /* dt changes rebuild the multipliers */
    double t = 0.0;
    for (int s = 0; s < 5; ++s) {
        step_or_fail(d, cs, NULL, dts[s]);
        t += dts[s];
        const double want = cinit * exp(-k[0] * t);
        for (int64_t v = 0; v < g.n; ++v) {
            assert_true(fabs(c0[v] - want) <= 1e-12 * want); /* relative 1e-12 */
            assert_true(fabs(c1[v] - want) <= 1e-14 * want);
        }
    }
    derm_diffusion_free(d);

    /* a solver whose signals are all local needs no transforms; with a source the local
     * formula is c E + S (1 - E) / k */
    const double Dl[2] = {0.0, 1e-6}, kl[2] = {0.3, 50.0}, dt = 0.4;
    d = create_or_fail(&g, 2, Dl, kl, 1);
    double *S = alloc_field(g.n);
    fill_random(c0, g.n, 61, 0.0, 1.0);
    fill_random(c1, g.n, 62, 0.0, 1.0);
    fill_random(S, g.n, 63, 0.0, 1.0);
    double *want[2] = {alloc_field(g.n), alloc_field(g.n)};
    for (int s = 0; s < 2; ++s)
        for (int64_t v = 0; v < g.n; ++v) {
            const double e = exp(-kl[s] * dt);
            want[s][v] = cs[s][v] * e + S[v] * (1.0 - e) / kl[s];
        }
    double *ss[2] = {S, S};
    step_or_fail(d, cs, ss, dt);
    for (int s = 0; s < 2; ++s) {
        for (int64_t v = 0; v < g.n; ++v) assert_true(fabs(cs[s][v] - want[s][v]) <= 1e-14 * fabs(want[s][v]));
        free(want[s]);
    }
    derm_diffusion_free(d);
    free(S);
    free(c0);
    free(c1);
}

/* ---- 2. steady profile below a planar source, no-flux bottom ------------------------------ */

static void test_steady_planar_source(void **state)
{
    (void)state;
    /* lambda = sqrt(D / k) = 10 um = 10 voxels; depth 200 voxels = 20 lambda */
    const struct derm_grid g = make_grid(4, 3, 200, 1.0);
    const double D = 100.0, k = 1.0, S0 = 2.0, h = g.h_um, lambda = sqrt(D / k);
    struct derm_diffusion *d = create_or_fail(&g, 1, &D, &k, 0);
    double *c = alloc_field(g.n), *S = alloc_field(g.n);
    for (int64_t v = 0; v < g.nx * g.ny; ++v) S[v] = S0; /* top layer only */
    double *cs[1] = {c}, *ss[1] = {S};
    step_or_fail(d, cs, ss, 1000.0); /* k dt = 1000: exactly steady */

    /* discrete closed form: c_q = A (r^q + r^(2 nz - 1 - q)), r + 1/r = 2 + k h^2 / D
     * (the image term makes c[nz] = c[nz-1]); A from the top-layer balance
     * D (c_1 - c_0) / h^2 - k c_0 + S0 = 0. */
    const double x = k * h * h / D;
    const double r = 1.0 + 0.5 * x - sqrt(x + 0.25 * x * x);
    const int64_t nz = g.nz;
    const double u0 = 1.0 + pow(r, (double)(2 * nz - 1)), u1 = r + pow(r, (double)(2 * nz - 2));
    const double A = S0 / (k * u0 - D / (h * h) * (u1 - u0));
    const double c_top = c[0];
    for (int64_t q = 0; q < nz; ++q) {
        const double want = A * (pow(r, (double)q) + pow(r, (double)(2 * nz - 1 - q)));
        for (int64_t j = 0; j < g.ny; ++j)
            for (int64_t i = 0; i < g.nx; ++i) {
                const double got = c[derm_grid_idx(&g, i, j, q)];
                assert_true(fabs(got - want) <= 1e-10 * c_top); /* discrete: 1e-10 of c(0) */
            }
        /* continuous shape exp(-(z - z0) / lambda) within 1 % over the top 6 lambda */
        if (q <= 60) {
            const double ratio = c[derm_grid_idx(&g, 0, 0, q)] / c_top;
            const double cont = exp(-(double)q * h / lambda);
            assert_true(fabs(ratio / cont - 1.0) < 0.01);
        }
    }
    /* steady total: everything the source makes decays, sum c = sum S / k (no-flux walls) */
    const double total = sum_field(c, g.n), want_total = S0 * (double)(g.nx * g.ny) / k;
    assert_true(fabs(total - want_total) <= 1e-10 * want_total);
    derm_diffusion_free(d);
    free(c);
    free(S);
}

/* ---- 3. Gaussian spreading ------------------------------------------------------------------ */

static void moments(const struct derm_grid *g, const double *c, double m[3], double var[3], double *mass)
{
    long double s = 0, sx[3] = {0, 0, 0}, sxx[3] = {0, 0, 0};
    for (int64_t q = 0; q < g->nz; ++q)
        for (int64_t j = 0; j < g->ny; ++j)
            for (int64_t i = 0; i < g->nx; ++i) {
                const long double w = c[derm_grid_idx(g, i, j, q)];
                const long double p[3] = {(i + 0.5) * g->h_um, (j + 0.5) * g->h_um, (q + 0.5) * g->h_um};
                s += w;
                for (int a = 0; a < 3; ++a) {
                    sx[a] += w * p[a];
                    sxx[a] += w * p[a] * p[a];
                }
            }
    for (int a = 0; a < 3; ++a) {
        m[a] = (double)(sx[a] / s);
        var[a] = (double)(sxx[a] / s - (sx[a] / s) * (sx[a] / s));
    }
    *mass = (double)s;
}

static void test_gaussian_spreading(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(40, 40, 40, 1.0);
    const double D = 1.0, k = 0.0, t = 2.0, sigma0 = 1.5, ctr = 20.0;
    struct derm_diffusion *d = create_or_fail(&g, 1, &D, &k, 0);
    double *c = alloc_field(g.n);
    for (int64_t q = 0; q < g.nz; ++q)
        for (int64_t j = 0; j < g.ny; ++j)
            for (int64_t i = 0; i < g.nx; ++i) {
                const double dx = i + 0.5 - ctr, dy = j + 0.5 - ctr, dz = q + 0.5 - ctr;
                c[derm_grid_idx(&g, i, j, q)] = exp(-(dx * dx + dy * dy + dz * dz) / (2.0 * sigma0 * sigma0));
            }
    double m0[3], v0[3], mass0, m1[3], v1[3], mass1;
    moments(&g, c, m0, v0, &mass0);
    double *cs[1] = {c};
    step_or_fail(d, cs, NULL, 0.5 * t); /* two steps: also exercises the cached multipliers */
    step_or_fail(d, cs, NULL, 0.5 * t);
    moments(&g, c, m1, v1, &mass1);
    assert_true(fabs(mass1 - mass0) <= 1e-12 * mass0); /* mass: 1e-12 relative */
    for (int a = 0; a < 3; ++a) {
        /* on the lattice the variance grows by exactly 2 D t; the walls are 8 sigma away */
        const double growth = v1[a] - v0[a];
        assert_true(fabs(growth - 2.0 * D * t) <= 1e-8 * 2.0 * D * t);
        assert_true(fabs(m1[a] - m0[a]) <= 1e-10);
    }
    derm_diffusion_free(d);
    free(c);
}

/* ---- 4. mass conservation with sources and no-flux walls ------------------------------------ */

static void test_mass_conservation_sources(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(8, 6, 10, 5.0);
    const double D[2] = {30.0, 0.0}, k[2] = {0.0, 0.0}, dt = 0.37;
    struct derm_diffusion *d = create_or_fail(&g, 2, D, k, 0);
    double *c0 = alloc_field(g.n), *c1 = alloc_field(g.n), *S = alloc_field(g.n);
    fill_random(c0, g.n, 11, 0.0, 1.0);
    memcpy(c1, c0, (size_t)g.n * sizeof(double));
    fill_random(S, g.n, 12, 0.0, 0.2);
    double *cs[2] = {c0, c1}, *ss[2] = {S, S};
    const double sS = sum_field(S, g.n);
    for (int step = 0; step < 50; ++step) {
        const double before0 = sum_field(c0, g.n), before1 = sum_field(c1, g.n);
        step_or_fail(d, cs, ss, dt);
        const double after0 = sum_field(c0, g.n), after1 = sum_field(c1, g.n);
        assert_true(fabs(after0 - (before0 + sS * dt)) <= 1e-12 * after0); /* 1e-12 rel */
        assert_true(fabs(after1 - (before1 + sS * dt)) <= 1e-12 * after1);
    }
    derm_diffusion_free(d);
    free(c0);
    free(c1);
    free(S);
}

/* ---- 5. vascular bottom: steady profile against a Thomas solve ------------------------------ */

/** Steady 1D profile: D (c[q-1] - 2 c[q] + c[q+1]) / h^2 - k c[q] + s[q] = 0 with
 *  c[-1] = c[0] and c[nz] = -c[nz-1] (vascular), by the Thomas algorithm. */
static void thomas_vascular(int64_t nz, double D, double k, double h, const double *s, double *c)
{
    const double a = D / (h * h);
    double *cp = calloc((size_t)nz, sizeof(double)), *dp = calloc((size_t)nz, sizeof(double));
    assert_non_null(cp);
    assert_non_null(dp);
    /* row q: -a c[q-1] + (2a + k) c[q] - a c[q+1] = s[q], ghosts folded into the diagonal */
    for (int64_t q = 0; q < nz; ++q) {
        double diag = 2.0 * a + k;
        if (q == 0) diag -= a;      /* c[-1] = c[0] */
        if (q == nz - 1) diag += a; /* c[nz] = -c[nz-1] */
        const double lower = q > 0 ? -a : 0.0, upper = q < nz - 1 ? -a : 0.0;
        const double den = diag - (q > 0 ? lower * cp[q - 1] : 0.0);
        cp[q] = upper / den;
        dp[q] = (s[q] - (q > 0 ? lower * dp[q - 1] : 0.0)) / den;
    }
    c[nz - 1] = dp[nz - 1];
    for (int64_t q = nz - 2; q >= 0; --q) c[q] = dp[q] - cp[q] * c[q + 1];
    free(cp);
    free(dp);
}

static void test_vascular_steady_thomas(void **state)
{
    (void)state;
    const int64_t nzs[2] = {60, 61}; /* even nz: DCT-IV path; odd nz: REDFT11 path */
    for (int t = 0; t < 2; ++t) {
        const struct derm_grid g = make_grid(3, 4, nzs[t], 2.0);
        const double D = 40.0, k = 0.02, S0 = 1.5;
        struct derm_diffusion *d = create_or_fail(&g, 1, &D, &k, 1);
        double *c = alloc_field(g.n), *S = alloc_field(g.n);
        double *s1 = calloc((size_t)g.nz, sizeof(double));
        double *ref = calloc((size_t)g.nz, sizeof(double));
        assert_non_null(s1);
        assert_non_null(ref);
        for (int64_t v = 0; v < g.nx * g.ny; ++v) S[v] = S0;
        s1[0] = S0;
        double *cs[1] = {c}, *ss[1] = {S};
        step_or_fail(d, cs, ss, 5e4); /* k dt = 1000 */
        thomas_vascular(g.nz, D, k, g.h_um, s1, ref);
        for (int64_t q = 0; q < g.nz; ++q)
            for (int64_t j = 0; j < g.ny; ++j)
                for (int64_t i = 0; i < g.nx; ++i)
                    assert_true(fabs(c[derm_grid_idx(&g, i, j, q)] - ref[q]) <= 1e-10 * ref[0]);
        /* the sink holds the bottom near zero: the last layer is the half-step of a nearly
         * linear profile, a small fraction of the top value, and the profile decreases */
        const double bottom = c[derm_grid_idx(&g, 0, 0, g.nz - 1)];
        assert_true(bottom > 0.0 && bottom < 0.02 * c[0]);
        for (int64_t q = 1; q < g.nz; ++q)
            assert_true(c[derm_grid_idx(&g, 1, 2, q)] < c[derm_grid_idx(&g, 1, 2, q - 1)]);
        derm_diffusion_free(d);
        free(c);
        free(S);
        free(s1);
        free(ref);
    }
}

/* ---- 6. step-size invariance (exact semigroup) ---------------------------------------------- */

static void test_semigroup(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(7, 6, 9, 3.0);
    for (int vascular = 0; vascular <= 1; ++vascular)
        for (int with_src = 0; with_src <= 1; ++with_src) {
            const double D = 20.0, k = 0.15, dt = 4.0;
            struct derm_diffusion *da = create_or_fail(&g, 1, &D, &k, vascular);
            struct derm_diffusion *db = create_or_fail(&g, 1, &D, &k, vascular);
            double *a = alloc_field(g.n), *b = alloc_field(g.n), *S = alloc_field(g.n);
            fill_random(a, g.n, 21, 0.0, 1.0);
            memcpy(b, a, (size_t)g.n * sizeof(double));
            if (with_src) fill_random(S, g.n, 22, 0.0, 0.5);
            double *ca[1] = {a}, *cb[1] = {b}, *ss[1] = {S};
            step_or_fail(da, ca, with_src ? ss : NULL, dt);
            step_or_fail(db, cb, with_src ? ss : NULL, 0.5 * dt);
            step_or_fail(db, cb, with_src ? ss : NULL, 0.5 * dt);
            /* S = 0: exact semigroup to 1e-12 of the field; with a constant source the
             * residual form adds rounding of order eps |c| per step: 1e-12 as well */
            assert_true(max_abs_diff(a, b, g.n) <= 1e-12 * max_abs(a, g.n));
            derm_diffusion_free(da);
            derm_diffusion_free(db);
            free(a);
            free(b);
            free(S);
        }
}

/* ---- 7. thread invariance ------------------------------------------------------------------- */

static void test_thread_invariance(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(12, 10, 9, 10.0);
    enum { NS = 5 };
    /* transform, transform, local (D = 0), local (12 D / h^2 << k), transform without source */
    const double D[NS] = {3600.0, 180.0, 0.0, 1e-4, 72000.0};
    const double k[NS] = {0.35, 0.014, 0.1, 700.0, 0.06};
    for (int vascular = 0; vascular <= 1; ++vascular) {
        double *init[NS], *S[NS], *out[3][NS];
        for (int s = 0; s < NS; ++s) {
            init[s] = alloc_field(g.n);
            S[s] = alloc_field(g.n);
            fill_random(init[s], g.n, 100 + (uint64_t)s, 0.0, 2.0);
            if (s != NS - 1) fill_random(S[s], g.n, 200 + (uint64_t)s, 0.0, 1.0);
        }
        const int nthreads[3] = {1, 2, 3};
        for (int t = 0; t < 3; ++t) {
            omp_set_num_threads(nthreads[t]);
            struct derm_diffusion *d = create_or_fail(&g, NS, D, k, vascular);
            for (int s = 0; s < NS; ++s) {
                out[t][s] = alloc_field(g.n);
                memcpy(out[t][s], init[s], (size_t)g.n * sizeof(double));
            }
            double *ss[NS] = {S[0], S[1], S[2], S[3], NULL};
            for (int step = 0; step < 3; ++step) step_or_fail(d, out[t], ss, 24.0 + step);
            derm_diffusion_free(d);
        }
        for (int t = 1; t < 3; ++t)
            for (int s = 0; s < NS; ++s) assert_memory_equal(out[0][s], out[t][s], (size_t)g.n * sizeof(double));
        for (int s = 0; s < NS; ++s) {
            free(init[s]);
            free(S[s]);
            for (int t = 0; t < 3; ++t) free(out[t][s]);
        }
    }
    /* the same solver reused with a larger thread count than at creation */
    omp_set_num_threads(1);
    struct derm_diffusion *d = create_or_fail(&g, NS, D, k, 1);
    double *a[NS], *b[NS];
    for (int s = 0; s < NS; ++s) {
        a[s] = alloc_field(g.n);
        b[s] = alloc_field(g.n);
        fill_random(a[s], g.n, 300 + (uint64_t)s, 0.0, 1.0);
        memcpy(b[s], a[s], (size_t)g.n * sizeof(double));
    }
    step_or_fail(d, a, NULL, 5.0);
    omp_set_num_threads(3);
    step_or_fail(d, b, NULL, 5.0);
    for (int s = 0; s < NS; ++s) {
        assert_memory_equal(a[s], b[s], (size_t)g.n * sizeof(double));
        free(a[s]);
        free(b[s]);
    }
    derm_diffusion_free(d);

    /* more threads than transformed signals: the transform signal is last (thread 2 of 3
     * under schedule(static, 1)) while only one scratch set is needed */
    const double D3[3] = {0.0, 0.0, 100.0}, k3[3] = {0.1, 0.2, 0.05};
    double *e[2][3];
    for (int t = 0; t < 2; ++t) {
        omp_set_num_threads(t == 0 ? 1 : 3);
        struct derm_diffusion *d3 = create_or_fail(&g, 3, D3, k3, 0);
        for (int s = 0; s < 3; ++s) {
            e[t][s] = alloc_field(g.n);
            fill_random(e[t][s], g.n, 500 + (uint64_t)s, 0.0, 1.0);
        }
        step_or_fail(d3, e[t], NULL, 2.0);
        derm_diffusion_free(d3);
    }
    for (int s = 0; s < 3; ++s) {
        assert_memory_equal(e[0][s], e[1][s], (size_t)g.n * sizeof(double));
        free(e[0][s]);
        free(e[1][s]);
    }
    omp_set_num_threads(2);
}

/* ---- 8. 2D slices, odd and degenerate sizes, multi-block z stage: against RK4 ---------------- */

static void check_against_rk4(int64_t nx, int64_t ny, int64_t nz, int vascular, double D, double k, double dt,
                              double tol)
{
    const struct derm_grid g = make_grid(nx, ny, nz, 1.0);
    struct derm_diffusion *d = create_or_fail(&g, 1, &D, &k, vascular);
    double *c = alloc_field(g.n), *ref = alloc_field(g.n), *S = alloc_field(g.n);
    fill_random(c, g.n, (uint64_t)(nx * 1000 + ny * 100 + nz + vascular), 0.0, 1.0);
    fill_random(S, g.n, (uint64_t)(7 + nx + ny + nz), 0.0, 0.5);
    memcpy(ref, c, (size_t)g.n * sizeof(double));
    double *cs[1] = {c}, *ss[1] = {S};
    step_or_fail(d, cs, ss, dt);
    ref_rk4(&g, vascular, D, k, ref, S, dt);
    const double err = max_abs_diff(c, ref, g.n), scale = max_abs(ref, g.n);
    if (!(err <= tol * scale))
        fail_msg("%lldx%lldx%lld %s: max error %.3g vs RK4 (scale %.3g, tol %.1g)", (long long)nx, (long long)ny,
                 (long long)nz, vascular ? "vascular" : "no-flux", err, scale, tol);
    /* and the pure (source-free) form */
    fill_random(c, g.n, 5, 0.0, 1.0);
    memcpy(ref, c, (size_t)g.n * sizeof(double));
    step_or_fail(d, cs, NULL, dt);
    ref_rk4(&g, vascular, D, k, ref, NULL, dt);
    assert_true(max_abs_diff(c, ref, g.n) <= tol * max_abs(ref, g.n));
    derm_diffusion_free(d);
    free(c);
    free(ref);
    free(S);
}

static void test_odd_and_small_sizes(void **state)
{
    (void)state;
    const int64_t sizes[][3] = {{6, 5, 7}, {6, 1, 7}, {7, 1, 6}, {1, 1, 8}, {1, 1, 7},
                                {5, 3, 1}, {2, 2, 2}, {1, 1, 1}, {3, 2, 2}, {9, 1, 5}};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; ++t)
        for (int vascular = 0; vascular <= 1; ++vascular)
            check_against_rk4(sizes[t][0], sizes[t][1], sizes[t][2], vascular, 0.8, 0.3, 0.5,
                              1e-10); /* 1e-10 of the field maximum */
}

static void test_multiblock_z(void **state)
{
    (void)state;
    /* nz ~ 200 makes the z block (256 KiB) shorter than the 7 x 16 lateral coefficients:
     * two blocks, the second one partial; even and odd nz for both boundaries */
    const int64_t nzs[2] = {200, 201};
    for (int t = 0; t < 2; ++t)
        for (int vascular = 0; vascular <= 1; ++vascular)
            check_against_rk4(30, 7, nzs[t], vascular, 0.8, 0.3, 0.05, 1e-10);
}

/* ---- 9. non-negativity ---------------------------------------------------------------------- */

static void test_nonnegativity(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(16, 12, 20, 10.0);
    const double D[3] = {180.0, 36000.0, 108000.0}, k[3] = {0.0144, 0.0289, 0.1733};
    for (int vascular = 0; vascular <= 1; ++vascular) {
        struct derm_diffusion *d = create_or_fail(&g, 3, D, k, vascular);
        double *c[3], *S[3];
        for (int s = 0; s < 3; ++s) {
            c[s] = alloc_field(g.n);
            S[s] = alloc_field(g.n);
            uint64_t st = 400 + (uint64_t)s;
            for (int a = 0; a < 25; ++a) S[s][(int64_t)(urand(&st) * (double)g.n)] += 10.0;
            c[s][(int64_t)(urand(&st) * (double)g.n)] = 50.0; /* one sharp initial spike */
        }
        const double dts[4] = {0.01, 1.0, 168.0, 0.5};
        for (int st = 0; st < 4; ++st) {
            step_or_fail(d, c, S, dts[st]);
            for (int s = 0; s < 3; ++s) {
                const double mx = max_abs(c[s], g.n);
                for (int64_t v = 0; v < g.n; ++v) assert_true(c[s][v] >= -1e-12 * mx);
            }
        }
        for (int s = 0; s < 3; ++s) {
            free(c[s]);
            free(S[s]);
        }
        derm_diffusion_free(d);
    }
}

/* ---- contracts: caching, zero sources, errors ------------------------------------------------ */

static void test_dt_change_matches_fresh_solver(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(10, 6, 8, 4.0);
    const double D = 25.0, k = 0.2;
    const double dts[4] = {2.0, 0.5, 2.0, 9.0};
    struct derm_diffusion *reused = create_or_fail(&g, 1, &D, &k, 1);
    double *a = alloc_field(g.n), *b = alloc_field(g.n), *S = alloc_field(g.n);
    fill_random(a, g.n, 31, 0.0, 1.0);
    fill_random(S, g.n, 32, 0.0, 1.0);
    memcpy(b, a, (size_t)g.n * sizeof(double));
    double *ca[1] = {a}, *cb[1] = {b}, *ss[1] = {S};
    for (int s = 0; s < 4; ++s) {
        step_or_fail(reused, ca, (s % 2) ? NULL : ss, dts[s]);
        struct derm_diffusion *fresh = create_or_fail(&g, 1, &D, &k, 1);
        step_or_fail(fresh, cb, (s % 2) ? NULL : ss, dts[s]);
        derm_diffusion_free(fresh);
        assert_memory_equal(a, b, (size_t)g.n * sizeof(double)); /* bitwise */
    }
    derm_diffusion_free(reused);
    free(a);
    free(b);
    free(S);
}

static void test_zero_source_equals_null(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(6, 4, 5, 2.0);
    const double D[2] = {3.0, 0.0}, k[2] = {0.1, 0.4};
    struct derm_diffusion *d = create_or_fail(&g, 2, D, k, 0);
    double *a[2], *b[2], *zero[2];
    for (int s = 0; s < 2; ++s) {
        a[s] = alloc_field(g.n);
        b[s] = alloc_field(g.n);
        zero[s] = alloc_field(g.n);
        fill_random(a[s], g.n, 41 + (uint64_t)s, 0.0, 1.0);
        memcpy(b[s], a[s], (size_t)g.n * sizeof(double));
    }
    step_or_fail(d, a, NULL, 3.0);
    step_or_fail(d, b, zero, 3.0);
    for (int s = 0; s < 2; ++s) {
        assert_memory_equal(a[s], b[s], (size_t)g.n * sizeof(double));
        free(a[s]);
        free(b[s]);
        free(zero[s]);
    }
    derm_diffusion_free(d);
}

/* An idle signal (zero field, no source) stays idle without its scan only under the
 * caller's promise, for one step: a field written from outside after a false promise is
 * left as it is (so the scan was skipped), and without the promise it is stepped; a field
 * that had a source is stepped even under the promise. */
static void test_idle_promise(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(8, 6, 10, 2.0);
    const double D[1] = {3.0}, k[1] = {0.1};
    struct derm_diffusion *d = create_or_fail(&g, 1, D, k, 0);
    double *c[1] = {alloc_field(g.n)}, *src[1] = {alloc_field(g.n)};
    step_or_fail(d, c, NULL, 2.0); /* scanned: idle */
    derm_diffusion_promise_unchanged(d);
    step_or_fail(d, c, NULL, 2.0); /* idle without the scan */
    for (int64_t v = 0; v < g.n; v++) assert_true(c[0][v] == 0.0);
    c[0][g.n / 2] = 1.0; /* written from outside ... */
    derm_diffusion_promise_unchanged(d);
    step_or_fail(d, c, NULL, 2.0); /* ... under a false promise: not seen */
    assert_true(c[0][g.n / 2] == 1.0);
    step_or_fail(d, c, NULL, 2.0); /* the promise held for one step: scanned and stepped */
    assert_true(c[0][g.n / 2] < 1.0 && c[0][g.n / 2] > 0.0);
    const double total = sum_field(c[0], g.n);
    assert_true(fabs(total - exp(-0.1 * 2.0)) < 1e-9); /* no-flux faces: the amount decays as e^-k dt */
    /* a source, then the promise: not idle, so stepped (decays) */
    memset(c[0], 0, (size_t)g.n * sizeof(double));
    src[0][3] = 1.0;
    step_or_fail(d, c, src, 2.0);
    const double after_source = sum_field(c[0], g.n);
    assert_true(after_source > 0.0);
    derm_diffusion_promise_unchanged(d);
    step_or_fail(d, c, NULL, 2.0);
    assert_true(sum_field(c[0], g.n) < after_source);
    free(c[0]);
    free(src[0]);
    derm_diffusion_free(d);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(4, 4, 4, 10.0);
    struct derm_diffusion *d = NULL;
    struct derm_err err = {0};
    const double okD[2] = {1.0, 2.0}, okk[2] = {0.1, 0.1};
    const double badD[2] = {1.0, -2.0}, badk[2] = {0.1, -0.5}, nanD[2] = {NAN, 1.0};

    assert_int_equal(derm_diffusion_create(&d, &g, 0, okD, okk, 0, &err), DERM_EINTERNAL);
    assert_null(d);
    assert_non_null(strstr(err.msg, "nsignals = 0"));
    assert_int_equal(derm_diffusion_create(&d, &g, 2, badD, okk, 0, &err), DERM_EINTERNAL);
    assert_non_null(strstr(err.msg, "signal 1"));
    assert_non_null(strstr(err.msg, "D = -2"));
    assert_int_equal(derm_diffusion_create(&d, &g, 2, okD, badk, 0, &err), DERM_EINTERNAL);
    assert_non_null(strstr(err.msg, "decay = -0.5"));
    assert_int_equal(derm_diffusion_create(&d, &g, 2, nanD, okk, 0, &err), DERM_EINTERNAL);
    assert_non_null(strstr(err.msg, "signal 0"));
    assert_int_equal(derm_diffusion_create(&d, &g, 2, okD, okk, 2, &err), DERM_EINTERNAL);
    assert_non_null(strstr(err.msg, "bottom_vascular = 2"));
    struct derm_grid bad = g;
    bad.n = 63;
    assert_int_equal(derm_diffusion_create(&d, &bad, 2, okD, okk, 0, &err), DERM_EINTERNAL);
    bad = make_grid(4, 0, 4, 10.0);
    assert_int_equal(derm_diffusion_create(&d, &bad, 2, okD, okk, 0, &err), DERM_EINTERNAL);
    bad = make_grid(4, 4, 4, 0.0);
    assert_int_equal(derm_diffusion_create(&d, &bad, 2, okD, okk, 0, &err), DERM_EINTERNAL);
    bad = make_grid(100000, 100000, 1000, 10.0);
    assert_int_equal(derm_diffusion_create(&d, &bad, 2, okD, okk, 0, &err), DERM_EINTERNAL);
    assert_non_null(strstr(err.msg, "too large"));
    assert_null(d);

    d = create_or_fail(&g, 2, okD, okk, 0);
    double *c0 = alloc_field(g.n), *c1 = alloc_field(g.n);
    double *cs[2] = {c0, c1}, *half[2] = {c0, NULL};
    assert_int_equal(derm_diffusion_step(d, cs, NULL, -1.0, &err), DERM_EINTERNAL);
    assert_non_null(strstr(err.msg, "dt = -1"));
    assert_int_equal(derm_diffusion_step(d, cs, NULL, INFINITY, &err), DERM_EINTERNAL);
    /* an absent field (NULL) is +0 and stays so without a source; with one it is an error */
    c0[5] = 2.0;
    assert_int_equal(derm_diffusion_step(d, half, NULL, 1.0, &err), DERM_OK);
    assert_null(half[1]);
    assert_true(c0[5] != 2.0); /* the other signal stepped */
    double *s1 = alloc_field(g.n);
    const double *srcs[2] = {NULL, s1};
    assert_int_equal(derm_diffusion_step(d, half, srcs, 1.0, &err), DERM_OK); /* a +0 source */
    s1[7] = 1.0;
    assert_int_equal(derm_diffusion_step(d, half, srcs, 1.0, &err), DERM_EINTERNAL);
    assert_non_null(strstr(err.msg, "signal 1 has a source but no field"));
    free(s1);
    assert_int_equal(derm_diffusion_step(d, NULL, NULL, 1.0, &err), DERM_EINTERNAL);
    /* dt = 0 is a no-op */
    c0[3] = 1.25;
    assert_int_equal(derm_diffusion_step(d, cs, NULL, 0.0, &err), DERM_OK);
    assert_true(c0[3] == 1.25);
    derm_diffusion_free(d);
    derm_diffusion_free(NULL);
    free(c0);
    free(c1);
}

static void test_nonfinite_reported(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(5, 4, 6, 10.0);
    /* signal 0 transform path, 1 transform path, 2 local path */
    const double D[3] = {10.0, 10.0, 0.0}, k[3] = {0.1, 0.1, 0.1};
    struct derm_diffusion *d = create_or_fail(&g, 3, D, k, 1);
    double *c[3], *S[3];
    for (int s = 0; s < 3; ++s) {
        c[s] = alloc_field(g.n);
        S[s] = alloc_field(g.n);
    }
    struct derm_err err = {0};
    c[1][7] = NAN;
    assert_int_equal(derm_diffusion_step(d, c, NULL, 1.0, &err), DERM_ENUMERIC);
    assert_non_null(strstr(err.msg, "signal 1"));
    for (int s = 0; s < 3; ++s) memset(c[s], 0, (size_t)g.n * sizeof(double));
    S[2][3] = INFINITY;
    assert_int_equal(derm_diffusion_step(d, c, (const double *const *)S, 1.0, &err), DERM_ENUMERIC);
    assert_non_null(strstr(err.msg, "signal 2"));
    for (int s = 0; s < 3; ++s) {
        free(c[s]);
        free(S[s]);
    }
    derm_diffusion_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eigen_relations),
        cmocka_unit_test(test_uniform_decay),
        cmocka_unit_test(test_steady_planar_source),
        cmocka_unit_test(test_gaussian_spreading),
        cmocka_unit_test(test_mass_conservation_sources),
        cmocka_unit_test(test_vascular_steady_thomas),
        cmocka_unit_test(test_semigroup),
        cmocka_unit_test(test_thread_invariance),
        cmocka_unit_test(test_odd_and_small_sizes),
        cmocka_unit_test(test_multiblock_z),
        cmocka_unit_test(test_nonnegativity),
        cmocka_unit_test(test_dt_change_matches_fresh_solver),
        cmocka_unit_test(test_zero_source_equals_null),
        cmocka_unit_test(test_idle_promise),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_nonfinite_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
