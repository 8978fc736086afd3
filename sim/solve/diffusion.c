/* diffusion.c - exact exponential integrator for the diffusing, decaying signals.
 *
 * Owns: struct derm_diffusion (FFTW plans, eigenvalues of the discrete Laplacian, the
 * per-signal spectral multipliers cached for one dt, per-thread transform scratch) and
 * derm_diffusion_create/_free/_step.
 * Does not: know about cells, secretion or uptake (coupling builds the sources), own the
 * concentration arrays, or choose dt.
 *
 * Equations. For each signal, on the cell-centred grid of grid.h with spacing h,
 *     dc/dt = D L c - k c + S,        S constant over the step,
 * L the 7-point Laplacian: periodic in x and y, ghost cell c[-1] = c[0] at the top
 * (no flux through the DEJ), and at the bottom either c[nz] = c[nz-1] (no flux) or
 * c[nz] = -c[nz-1] (c = 0 on the bottom face: vascular sink). A = k - D L is symmetric
 * and diagonalised by separable transforms whose basis vectors are eigenvectors of L:
 *   x, y: real DFT, mu(m) = 4 sin^2(pi m / n) / h^2, m = 0..n-1;
 *   z, no flux:  DCT-II / DCT-III, mu(q) = 4 sin^2(pi q / (2 nz)) / h^2;
 *   z, vascular: DCT-IV (its own inverse), mu(q) = 4 sin^2(pi (q + 1/2) / (2 nz)) / h^2.
 * (4 sin^2(x/2) = 2 - 2 cos x, written without the cancellation for small x; in FFTW's
 * names the z transforms are REDFT10/REDFT01 and REDFT11.) Each mode, with
 * lam = k + D (mu_x + mu_y + mu_z), then advances exactly:
 *     c_hat(t + dt) = E c_hat + F S_hat,
 *     E = exp(-lam dt),  F = (1 - E) / lam = -expm1(-lam dt) / lam
 * (F = dt when lam dt underflows). Unconditionally stable, no time-discretisation error
 * for the discrete operator, and the steady state A^-1 S is reached in one step when
 * k dt >> 1. Two algebraically identical forms of the update are used, each needing one
 * forward and one inverse transform per signal:
 *   no source:  c <- T^-1 [ E T c ];
 *   source:     c <- c + T^-1 [ F T g ],  g = S - A c evaluated with the stencil in space,
 * equal to E c_hat + F S_hat because F lam = 1 - E (this saves a third transform). The
 * second form adds an absolute rounding error of order eps |c_old|, the size of the
 * transform rounding anyway.
 * Signals with D = 0, or whose exchange with neighbours is negligible at the voxel scale
 * (12 D / h^2 < 1e-3 k), skip the transforms and use E and F with lam = k per voxel.
 *
 * Transforms. Per z-plane, fused with the stencil (forward) and the update of c (inverse)
 * so each plane is touched while in cache: FFTW r2c 2D forward; inverse as an
 * out-of-place y DFT then a batched x c2r. Along z, on blocks of lateral coefficients
 * gathered column-major into a cache-sized buffer, forward, multiply and inverse are fused:
 * no flux uses Makhoul's algorithm (DCT-II from an nz-point complex DFT of the even/odd
 * permuted column, the real and imaginary parts separated through Hermitian symmetry);
 * vascular with even nz uses the DCT-IV from an nz/2-point complex DFT with pre- and
 * post-twiddles; vascular with odd nz falls back to FFTW's REDFT11 (2-3x slower). For
 * nz ~ 100 this z stage is about twice as fast as FFTW's strided REDFT plans.
 *
 * Parallelism and reproducibility: plans are created once in create() (the FFTW planner
 * is not thread-safe) with FFTW_ESTIMATE, which is deterministic, and executed with the
 * new-array functions on per-thread scratch from fftw_malloc (same alignment as the
 * planning buffers; plane strides padded to 64 bytes). Signals are solved one after the
 * other and the threads share the work within a signal: the forward and inverse lateral
 * transforms split the z-planes, the z stage splits the blocks of lateral coefficients,
 * the per-voxel path splits the voxels. Every plane, block and voxel is computed by one
 * thread with the same operations whichever thread it is, so results are bit-identical
 * for any thread count, and up to nz threads are useful (earlier versions gave each
 * thread whole signals: 7 transformed signals on 2 threads could not exceed 1.75x).
 *
 * References: Strang, SIAM Review 41 (1999) 135 (the DCTs as eigenvector bases of the
 * second difference under the ghost-cell boundary conditions); Makhoul, IEEE Trans. ASSP
 * 28 (1980) 27 (DCT-II via an N-point DFT); Britanak, Yip & Rao, "Discrete Cosine and Sine
 * Transforms" (2007) ch. 4 (DCT-IV via an N/2-point DFT); Frigo & Johnson, Proc. IEEE 93
 * (2005) 216 (FFTW); Cox & Matthews, J. Comput. Phys. 176 (2002) 430 (exponential time
 * differencing, of which this is the exact constant-source case).
 */
#include "derm/solve/diffusion.h"

#include <fftw3.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/** How the z transform is done (chosen from the bottom boundary and the parity of nz). */
enum derm_diffusion_zkind {
    DERM_DIFFUSION_Z_MAKHOUL = 0, /* no flux: DCT-II/III through an nz-point complex DFT */
    DERM_DIFFUSION_Z_DCT4 = 1,    /* vascular, nz even: DCT-IV through an nz/2-point DFT */
    DERM_DIFFUSION_Z_R2R = 2      /* vascular, nz odd: FFTW REDFT11 on the gathered block */
};

/** Target size of the per-thread z block buffer, bytes (about half an L2 cache). */
#define DERM_DIFFUSION_BLOCK_BYTES (256 * 1024)

/** Fewest voxels per thread in a step: a grid smaller than two of these is solved on one
 *  thread. The coarse signal grids are small (10^3 and 20^3 voxels for the reference run's
 *  MMPs and interleukins): there, waking sleeping threads (passive waiting) at each of a
 *  transform's barriers cost more than the work, and the signals phase ran slower on 2
 *  threads than on 1 (2026-12-04: x0.83). */
#define DERM_DIFFUSION_VOXELS_PER_THREAD 32768

/** 1: each signal keeps its multipliers per mode (two arrays of nz * ny * (nx/2 + 1)
 *  doubles, rebuilt when dt changes); 0 (the lean build, core/real.h): each z block's
 *  multipliers are formed as the block is used, into a per-thread buffer of block * nz
 *  doubles, so no array grows with the grid (one exp per mode per step instead: the signals
 *  phase of the reference took 7.3-8.7 vs 6.8-7.0 ms per step, 2026-12-04, busy machine;
 *  the whole step within the noise). The values are the same either way. */
#define DERM_DIFFUSION_CACHE_MULT (!DERM_REAL_IS_FLOAT)

/** One signal's constants and its dt-dependent multiplier cache. */
struct derm_diffusion_signal {
    double D_um2_per_h; /* diffusion coefficient, um^2/h */
    double k_per_h;     /* first-order decay rate, 1/h */
    int local;          /* 1: per-voxel update, no transforms */
    double *mult_e;     /* E / norm per mode, [j*nxh + i][slot(q)] (see build_mult); lazily */
    double *mult_f;     /* F / norm per mode, h, same layout; lazily */
    double dt_e_h;      /* dt the E array was built for, h; NAN when not built */
    double dt_f_h;      /* dt the F array was built for, h; NAN when not built */
    int64_t nbad;       /* non-finite values produced in the last step */
    int idle;           /* the last step found the field exactly zero and no source */
};

/** Per-thread scratch: all from fftw_malloc so every execution sees the planning alignment. */
struct derm_diffusion_scratch {
    double *plane;    /* one real x-y plane, nx*ny doubles */
    fftw_complex *yt; /* one plane of lateral coefficients after the inverse y DFT, pc */
    fftw_complex *w;  /* z block buffer, zrows * (block or 2 block) coefficients */
    double *mb;       /* one block's multipliers, block * nz (only without DERM_DIFFUSION_CACHE_MULT) */
};

struct derm_diffusion {
    struct derm_grid g;
    int nsig;
    int vascular; /* 0: no-flux bottom, 1: c = 0 at the bottom face */
    enum derm_diffusion_zkind zkind;
    struct derm_diffusion_signal *sig;

    int64_t nxh;     /* nx / 2 + 1: complex columns of the r2c output */
    int64_t pc;      /* ny * nxh: complex coefficients per x-y plane */
    int64_t pstride; /* pc rounded up to 4 (64 bytes): plane stride in the z scratch */
    int64_t nspec;   /* nz * pc: spectral modes per signal */
    double norm;     /* scale of the unnormalised forward + inverse pair */
    double *mu_x;    /* eigenvalues along x for r2c column i = 0..nxh-1, 1/um^2 */
    double *mu_y;    /* eigenvalues along y for row j = 0..ny-1, 1/um^2 */
    double *mu_z;    /* eigenvalues along z for coefficient q = 0..nz-1, 1/um^2 */
    double *tw_c;    /* z twiddles: Makhoul cos(pi q / 2nz), DCT-IV cos(pi (q + 1/8) / nz) */
    double *tw_s;    /* the matching sines */

    int64_t block;      /* lateral coefficients per z block */
    int64_t block_last; /* size of the last (possibly shorter) block */
    int64_t nblocks;    /* ceil(pc / block) */
    fftw_plan fwd_xy;   /* r2c 2D of one plane: scratch.plane -> scratch.z */
    fftw_plan bwd_y;    /* inverse y DFT of one plane: scratch.z -> scratch.yt */
    fftw_plan bwd_x;    /* c2r along x of one plane: scratch.yt -> scratch.plane */
    fftw_plan zf[2];    /* z forward on the block buffer: [0] full block, [1] last block */
    fftw_plan zb[2];    /* z inverse (Makhoul: backward DFT; others: same as zf) */

    fftw_complex *z;                        /* lateral spectrum of every plane of the signal being solved (shared by
                                             * the threads), nz planes of pstride coefficients */
    int unchanged;                          /* derm_diffusion_promise_unchanged, for the next step */
    int nscratch;                           /* number of per-thread scratch sets */
    struct derm_diffusion_scratch *scratch; /* [nscratch] */
};

/** 4 sin^2(theta / 2) / h^2 = (2 - 2 cos theta) / h^2, the 1D second-difference eigenvalue. */
static double derm_diffusion_mu(double theta, double h_um)
{
    const double s = sin(0.5 * theta);
    return 4.0 * s * s / (h_um * h_um);
}

/** True when a signal skips the transforms: no diffusion, or voxel exchange << decay. */
static int derm_diffusion_is_local(double D, double k, double h_um)
{
    return D == 0.0 || 12.0 * D / (h_um * h_um) < 1e-3 * k;
}

/** F = (1 - exp(-lam dt)) / lam for lam >= 0 and dt in h, accurate for small lam dt. */
static double derm_diffusion_phi(double lam, double dt)
{
    const double x = lam * dt;
    if (x < 1e-12) return dt * (1.0 - 0.5 * x);
    return -expm1(-x) / lam;
}

/** Length of the z transforms in the block buffer, and how many of them a block of
 *  `ncoef` lateral coefficients needs (one per coefficient, or one per real and imaginary
 *  part on the DCT-IV and REDFT11 paths). */
static int64_t derm_diffusion_zrows(const struct derm_diffusion *d)
{
    return d->zkind == DERM_DIFFUSION_Z_DCT4 ? d->g.nz / 2 : d->g.nz;
}
static int64_t derm_diffusion_zwidth(const struct derm_diffusion *d, int64_t ncoef)
{
    return d->zkind == DERM_DIFFUSION_Z_MAKHOUL ? ncoef : 2 * ncoef;
}

/** Number of signals on the transform path. */
static int derm_diffusion_count_spectral(const struct derm_diffusion *d)
{
    int m = 0;
    for (int s = 0; s < d->nsig; ++s) m += !d->sig[s].local;
    return m;
}

/** Make sure at least `want` per-thread scratch sets exist (serial; keeps existing ones).
 *  Returns 0 on success, -1 when out of memory (what exists is kept and stays valid). */
static int derm_diffusion_grow_scratch(struct derm_diffusion *d, int want)
{
    if (want <= d->nscratch) return 0;
    struct derm_diffusion_scratch *sc = realloc(d->scratch, (size_t)want * sizeof *sc);
    if (!sc) return -1;
    d->scratch = sc;
    const size_t wlen = (size_t)(derm_diffusion_zrows(d) * derm_diffusion_zwidth(d, d->block));
    for (int t = d->nscratch; t < want; ++t) {
        struct derm_diffusion_scratch *s = &d->scratch[t];
        s->plane = fftw_malloc((size_t)(d->g.nx * d->g.ny) * sizeof(double));
        s->yt = fftw_malloc((size_t)d->pc * sizeof(fftw_complex));
        s->w = fftw_malloc(wlen * sizeof(fftw_complex));
        s->mb = DERM_DIFFUSION_CACHE_MULT ? NULL : fftw_malloc((size_t)(d->block * d->g.nz) * sizeof(double));
        if (!s->plane || !s->yt || !s->w || (!DERM_DIFFUSION_CACHE_MULT && !s->mb)) {
            fftw_free(s->plane);
            fftw_free(s->yt);
            fftw_free(s->w);
            fftw_free(s->mb);
            return -1;
        }
        d->nscratch = t + 1;
    }
    return 0;
}

void derm_diffusion_free(struct derm_diffusion *d)
{
    if (!d) return;
    fftw_plan plans[7] = {d->fwd_xy, d->bwd_y, d->bwd_x, d->zf[0], d->zf[1], d->zb[0], d->zb[1]};
    for (int p = 0; p < 7; ++p) {
        int dup = 0; /* zb may alias zf, zf[1] may alias zf[0] */
        for (int q = 0; q < p; ++q) dup |= plans[q] == plans[p];
        if (plans[p] && !dup) fftw_destroy_plan(plans[p]);
    }
    for (int t = 0; t < d->nscratch; ++t) {
        fftw_free(d->scratch[t].plane);
        fftw_free(d->scratch[t].yt);
        fftw_free(d->scratch[t].w);
        fftw_free(d->scratch[t].mb);
    }
    free(d->scratch);
    fftw_free(d->z);
    if (d->sig) {
        for (int s = 0; s < d->nsig; ++s) {
            fftw_free(d->sig[s].mult_e);
            fftw_free(d->sig[s].mult_f);
        }
    }
    free(d->sig);
    free(d->mu_x);
    free(d->mu_y);
    free(d->mu_z);
    free(d->tw_c);
    free(d->tw_s);
    free(d);
}

/** Plan the z transforms for a block of `ncoef` lateral coefficients on buffer w. */
static void derm_diffusion_plan_z(const struct derm_diffusion *d, int64_t ncoef, fftw_complex *w, fftw_plan *f,
                                  fftw_plan *b)
{
    const unsigned flags = FFTW_ESTIMATE;
    const int width = (int)derm_diffusion_zwidth(d, ncoef);
    int n[1] = {(int)derm_diffusion_zrows(d)};
    /* column-major block: unit stride along z, columns n[0] apart */
    if (d->zkind == DERM_DIFFUSION_Z_R2R) {
        const fftw_r2r_kind kind = FFTW_REDFT11;
        *f = fftw_plan_many_r2r(1, n, width, (double *)w, NULL, 1, n[0], (double *)w, NULL, 1, n[0], &kind, flags);
        *b = *f;
    } else {
        *f = fftw_plan_many_dft(1, n, width, w, NULL, 1, n[0], w, NULL, 1, n[0], FFTW_FORWARD, flags);
        *b = d->zkind == DERM_DIFFUSION_Z_MAKHOUL
                 ? fftw_plan_many_dft(1, n, width, w, NULL, 1, n[0], w, NULL, 1, n[0], FFTW_BACKWARD, flags)
                 : *f;
    }
}

/** Create all FFTW plans on scratch set 0 (serial: the planner is not thread-safe).
 *  The inverse lateral transform is split into an out-of-place y DFT and a batched x c2r:
 *  for nx = ny = 100 that is 1.7x faster than FFTW_ESTIMATE's 2D c2r plan, whose in-place
 *  strided y pass is buffered. */
static derm_status derm_diffusion_make_plans(struct derm_diffusion *d, struct derm_err *err)
{
    const int nx = (int)d->g.nx, ny = (int)d->g.ny, nz = (int)d->g.nz, nxh = (int)d->nxh;
    struct derm_diffusion_scratch *s = &d->scratch[0];
    int nyv[1] = {ny}, nxv[1] = {nx};
    d->fwd_xy = fftw_plan_dft_r2c_2d(ny, nx, s->plane, d->z, FFTW_ESTIMATE);
    d->bwd_y = fftw_plan_many_dft(1, nyv, nxh, d->z, NULL, nxh, 1, s->yt, NULL, nxh, 1, FFTW_BACKWARD, FFTW_ESTIMATE);
    d->bwd_x = fftw_plan_many_dft_c2r(1, nxv, ny, s->yt, NULL, 1, nxh, s->plane, NULL, 1, nx, FFTW_ESTIMATE);
    derm_diffusion_plan_z(d, d->block, s->w, &d->zf[0], &d->zb[0]);
    if (d->block_last != d->block) {
        derm_diffusion_plan_z(d, d->block_last, s->w, &d->zf[1], &d->zb[1]);
    } else {
        d->zf[1] = d->zf[0];
        d->zb[1] = d->zb[0];
    }
    if (!d->fwd_xy || !d->bwd_y || !d->bwd_x || !d->zf[0] || !d->zb[0] || !d->zf[1] || !d->zb[1])
        return derm_err_set(err, DERM_EINTERNAL, "diffusion: FFTW could not plan the %dx%dx%d transforms", nx, ny, nz);
    return DERM_OK;
}

/* Eigenvalues of the discrete Laplacian along x, y (periodic) and z (no-flux top; no-flux or
 * sink bottom), and the twiddles of the z transform. */
static void set_eigenvalues(struct derm_diffusion *d)
{
    const struct derm_grid *g = &d->g;
    const int64_t nz = g->nz;
    const int bottom_vascular = d->vascular;
    const double pi = 3.14159265358979323846;
    for (int64_t i = 0; i < d->nxh; ++i) d->mu_x[i] = derm_diffusion_mu(2.0 * pi * (double)i / (double)g->nx, g->h_um);
    for (int64_t j = 0; j < g->ny; ++j) d->mu_y[j] = derm_diffusion_mu(2.0 * pi * (double)j / (double)g->ny, g->h_um);
    for (int64_t q = 0; q < nz; ++q) {
        const double qq = bottom_vascular ? (double)q + 0.5 : (double)q;
        d->mu_z[q] = derm_diffusion_mu(pi * qq / (double)nz, g->h_um);
        const double a = d->zkind == DERM_DIFFUSION_Z_MAKHOUL ? pi * (double)q / (2.0 * (double)nz)
                                                              : pi * ((double)q + 0.125) / (double)nz;
        d->tw_c[q] = cos(a);
        d->tw_s[q] = sin(a);
    }
}

/* The arguments of derm_diffusion_create: sizes FFTW can take, rates finite and >= 0. */
static derm_status check_create_args(const struct derm_grid *g, int nsignals, const double *D_um2_per_h,
                                     const double *decay_per_h, int bottom_vascular, struct derm_err *err)
{
    if (!g || !D_um2_per_h || !decay_per_h)
        return derm_err_set(err, DERM_EINTERNAL, "diffusion_create: NULL grid, diffusion or decay array");
    if (nsignals < 1)
        return derm_err_set(err, DERM_EINTERNAL, "diffusion_create: nsignals = %d, need at least 1", nsignals);
    if (bottom_vascular != 0 && bottom_vascular != 1)
        return derm_err_set(err, DERM_EINTERNAL,
                            "diffusion_create: bottom_vascular = %d, allowed 0 (no flux) "
                            "or 1 (sink)",
                            bottom_vascular);
    if (g->nx < 1 || g->ny < 1 || g->nz < 1 || !(g->h_um > 0.0) || !isfinite(g->h_um))
        return derm_err_set(err, DERM_EINTERNAL, "diffusion_create: invalid grid %lldx%lldx%lld, h = %g um",
                            (long long)g->nx, (long long)g->ny, (long long)g->nz, g->h_um);
    /* FFTW takes int sizes and batch counts; keep every product well inside int. */
    if ((double)g->nz * (double)g->ny * (double)(g->nx / 2 + 4) * 2.0 > (double)INT_MAX ||
        (double)g->nx * (double)g->ny * (double)g->nz > (double)INT_MAX)
        return derm_err_set(err, DERM_EINTERNAL, "diffusion_create: grid %lldx%lldx%lld too large for FFTW int sizes",
                            (long long)g->nx, (long long)g->ny, (long long)g->nz);
    if (g->n != g->nx * g->ny * g->nz)
        return derm_err_set(err, DERM_EINTERNAL, "diffusion_create: grid n = %lld, expected %lldx%lldx%lld",
                            (long long)g->n, (long long)g->nx, (long long)g->ny, (long long)g->nz);
    for (int s = 0; s < nsignals; ++s) {
        if (!(D_um2_per_h[s] >= 0.0) || !isfinite(D_um2_per_h[s]))
            return derm_err_set(err, DERM_EINTERNAL, "diffusion_create: signal %d: D = %g um^2/h, need finite >= 0", s,
                                D_um2_per_h[s]);
        if (!(decay_per_h[s] >= 0.0) || !isfinite(decay_per_h[s]))
            return derm_err_set(err, DERM_EINTERNAL, "diffusion_create: signal %d: decay = %g 1/h, need finite >= 0", s,
                                decay_per_h[s]);
    }

    return DERM_OK;
}

derm_status derm_diffusion_create(struct derm_diffusion **out, const struct derm_grid *g, int nsignals,
                                  const double *D_um2_per_h, const double *decay_per_h, int bottom_vascular,
                                  struct derm_err *err)
{
    if (!out) return derm_err_set(err, DERM_EINTERNAL, "diffusion_create: out is NULL");
    *out = NULL;
    DERM_TRY(check_create_args(g, nsignals, D_um2_per_h, decay_per_h, bottom_vascular, err));
    struct derm_diffusion *d = calloc(1, sizeof *d);
    if (!d) return derm_err_set(err, DERM_ENOMEM, "diffusion_create: out of memory");
    const int64_t nz = g->nz;
    d->g = *g;
    d->nsig = nsignals;
    d->vascular = bottom_vascular;
    d->zkind = !bottom_vascular ? DERM_DIFFUSION_Z_MAKHOUL : nz % 2 == 0 ? DERM_DIFFUSION_Z_DCT4 : DERM_DIFFUSION_Z_R2R;
    d->nxh = g->nx / 2 + 1;
    d->pc = g->ny * d->nxh;
    d->pstride = (d->pc + 3) / 4 * 4;
    d->nspec = nz * d->pc;
    /* forward + inverse scale: nx ny for the lateral DFTs times the z pair's factor */
    const double zscale = d->zkind == DERM_DIFFUSION_Z_MAKHOUL ? (double)nz
                          : d->zkind == DERM_DIFFUSION_Z_DCT4  ? 0.5 * (double)nz
                                                               : 2.0 * (double)nz;
    d->norm = (double)g->nx * (double)g->ny * zscale;
    {
        /* blocks of about DERM_DIFFUSION_BLOCK_BYTES, as many as a multiple of the threads, so
         * that the threads share the z transforms evenly (a 50^3 grid's 1300 columns were four
         * blocks of 324 and one of 4: 972 columns against 328 on 2 threads) */
        const int64_t per = DERM_DIFFUSION_BLOCK_BYTES / (int64_t)sizeof(fftw_complex) / nz;
        int64_t b = per >= 8 ? per / 4 * 4 : 4, nt = omp_get_max_threads();
        if (b > d->pc) b = d->pc;
        int64_t nb = (d->pc + b - 1) / b;
        if (nt > 1 && nb > 1 && nb % nt != 0) {
            nb = (nb + nt - 1) / nt * nt;
            b = (d->pc + nb - 1) / nb;
            b = b < 4 ? 4 : (b + 3) / 4 * 4;
        }
        d->block = b;
        d->nblocks = (d->pc + b - 1) / b;
        d->block_last = d->pc - (d->nblocks - 1) * b;
    }
    d->sig = calloc((size_t)nsignals, sizeof *d->sig);
    d->mu_x = malloc((size_t)d->nxh * sizeof(double));
    d->mu_y = malloc((size_t)g->ny * sizeof(double));
    d->mu_z = malloc((size_t)nz * sizeof(double));
    d->tw_c = malloc((size_t)nz * sizeof(double));
    d->tw_s = malloc((size_t)nz * sizeof(double));
    if (!d->sig || !d->mu_x || !d->mu_y || !d->mu_z || !d->tw_c || !d->tw_s) {
        derm_diffusion_free(d);
        return derm_err_set(err, DERM_ENOMEM, "diffusion_create: out of memory");
    }
    set_eigenvalues(d);
    for (int s = 0; s < nsignals; ++s) {
        struct derm_diffusion_signal *sg = &d->sig[s];
        sg->D_um2_per_h = D_um2_per_h[s];
        sg->k_per_h = decay_per_h[s];
        sg->local = derm_diffusion_is_local(sg->D_um2_per_h, sg->k_per_h, g->h_um);
        sg->dt_e_h = NAN;
        sg->dt_f_h = NAN;
    }

    const int nspectral = derm_diffusion_count_spectral(d);
    if (nspectral > 0) {
        int want = omp_get_max_threads();
        if (want > nz) want = (int)nz;
        if (want < 1) want = 1;
        d->z = fftw_malloc((size_t)(nz * d->pstride) * sizeof(fftw_complex));
        if (!d->z || derm_diffusion_grow_scratch(d, want) != 0) {
            derm_diffusion_free(d);
            return derm_err_set(err, DERM_ENOMEM,
                                "diffusion_create: out of memory for %d transform buffers "
                                "of %lld voxels",
                                want, (long long)g->n);
        }
        derm_status st = derm_diffusion_make_plans(d, err);
        if (st != DERM_OK) {
            derm_diffusion_free(d);
            return st;
        }
    }
    *out = d;
    return DERM_OK;
}

/** The multipliers of lateral coefficients c0 .. c0 + nb - 1 (c = j*nxh + i), kind 0
 *  E / norm, kind 1 F / norm, into out in the order the z stage reads them: one contiguous
 *  column of nz values per coefficient; within it coefficient q sits at slot q, except on
 *  the DCT-IV path, which reads q = 2p and q = nz-1-2p together (slots 2p, 2p+1). */
static void derm_diffusion_mult_cols(const struct derm_diffusion *d, const struct derm_diffusion_signal *sg, int kind,
                                     double dt, int64_t c0, int64_t nb, double *restrict out)
{
    const double *restrict mx = d->mu_x, *restrict my = d->mu_y, *restrict mz = d->mu_z;
    const int64_t nxh = d->nxh, nz = d->g.nz;
    const int dct4 = d->zkind == DERM_DIFFUSION_Z_DCT4;
    const double D = sg->D_um2_per_h, k = sg->k_per_h, inv_norm = 1.0 / d->norm;
    for (int64_t c = c0; c < c0 + nb; ++c) {
        double *restrict col = out + (c - c0) * nz;
        const double base = my[c / nxh] + mx[c % nxh];
        for (int64_t q = 0; q < nz; ++q) {
            const int64_t slot = !dct4 || q % 2 == 0 ? q : nz - q; /* odd q = nz-1-2p */
            const double lam = k + D * (base + mz[q]);
            col[slot] = (kind ? derm_diffusion_phi(lam, dt) : exp(-lam * dt)) * inv_norm;
        }
    }
}

/** Build (or rebuild for a new dt, h) one signal's multipliers: kind 0 E / norm,
 *  kind 1 F / norm, rows split over nthreads. Returns 0, or -1 (no memory). */
static int derm_diffusion_build_mult(const struct derm_diffusion *d, struct derm_diffusion_signal *sg, int kind,
                                     double dt, int nthreads)
{
    double **store = kind ? &sg->mult_f : &sg->mult_e;
    if (!*store) {
        *store = fftw_malloc((size_t)d->nspec * sizeof(double));
        if (!*store) return -1;
    }
    double *m = *store;
    const int64_t nxh = d->nxh, ny = d->g.ny, nz = d->g.nz;
#pragma omp parallel for schedule(static) num_threads(nthreads) default(none) shared(d, sg, m) \
    firstprivate(nxh, ny, nz, kind, dt)
    for (int64_t j = 0; j < ny; ++j) derm_diffusion_mult_cols(d, sg, kind, dt, j * nxh, nxh, m + j * nxh * nz);
    if (kind)
        sg->dt_f_h = dt;
    else
        sg->dt_e_h = dt;
    return 0;
}

/** out = S - (k c - D L c) on plane q: the rate of change under the discrete operator
 *  with the ghost-cell boundary conditions (the stencil counterpart of lam in spectral
 *  space). Neighbour differences are summed so that a uniform field gives exactly zero. */
static void derm_diffusion_rate_plane(const struct derm_grid *g, int vascular, double D, double k, int64_t q,
                                      const derm_real *restrict c, const derm_real *restrict S, double *restrict out)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz, np = nx * ny;
    const double a = D / (g->h_um * g->h_um);
    const double sp = q < nz - 1 ? 1.0 : (vascular ? -1.0 : 1.0); /* bottom ghost +-c */
    for (int64_t j = 0; j < ny; ++j) {
        const int64_t row = q * np + j * nx;
        const int64_t jm = j == 0 ? ny - 1 : j - 1, jp = j == ny - 1 ? 0 : j + 1;
        const derm_real *restrict cc = c + row;
        const derm_real *restrict cym = c + q * np + jm * nx;
        const derm_real *restrict cyp = c + q * np + jp * nx;
        const derm_real *restrict czm = q > 0 ? cc - np : cc;
        const derm_real *restrict czp = q < nz - 1 ? cc + np : cc;
        const derm_real *restrict ss = S + row;
        double *restrict o = out + j * nx;
#define DERM_DIFFUSION_RATE(i, im, ip)                                        \
    do {                                                                      \
        const double v_ = cc[i];                                              \
        const double lap_ = (((double)cc[im] - v_) + ((double)cc[ip] - v_)) + \
                            (((double)cym[i] - v_) + ((double)cyp[i] - v_)) + \
                            (((double)czm[i] - v_) + (sp * czp[i] - v_));     \
        o[i] = ss[i] - k * v_ + a * lap_;                                     \
    } while (0)
        if (nx == 1) {
            DERM_DIFFUSION_RATE(0, 0, 0);
            continue;
        }
        DERM_DIFFUSION_RATE(0, nx - 1, 1);
#pragma omp simd
        for (int64_t i = 1; i < nx - 1; ++i) DERM_DIFFUSION_RATE(i, i - 1, i + 1);
        DERM_DIFFUSION_RATE(nx - 1, nx - 2, 0);
#undef DERM_DIFFUSION_RATE
    }
}

/* The z stage works on blocks of `nb` lateral coefficients gathered into the per-thread
 * buffer w in column-major order: each column (one lateral coefficient, or for the DCT-IV
 * and REDFT11 paths one real or imaginary part of it) holds its zrows values contiguously,
 * so FFTW runs unit-stride transforms (1.4-1.5x faster than interleaved columns under
 * FFTW_ESTIMATE). The multipliers are stored column by column in the same order (see
 * derm_diffusion_build_mult); m points at the block's first column. */

/** z plane that holds row r of the Makhoul-permuted column: evens down, odds back up. */
static int64_t derm_diffusion_makhoul_src(int64_t r, int64_t N) { return 2 * r < N ? 2 * r : 2 * (N - 1 - r) + 1; }

/** Makhoul gather: w[c][r] = z[plane src(r)][c0 + c], i.e. each column is permuted to
 *  v = (x0, x2, x4, ..., x5, x3, x1). */
static void derm_diffusion_makhoul_gather(const struct derm_diffusion *d, const fftw_complex *z, int64_t c0, int64_t nb,
                                          fftw_complex *w)
{
    const int64_t N = d->g.nz, ps = d->pstride;
    for (int64_t r = 0; r < N; ++r) {
        const int64_t q = derm_diffusion_makhoul_src(r, N);
        const double *restrict in = (const double *)(z + q * ps + c0);
        double *restrict o = (double *)(w + r);
        for (int64_t c = 0; c < nb; ++c) {
            o[2 * c * N] = in[2 * c];
            o[2 * c * N + 1] = in[2 * c + 1];
        }
    }
}

/** Makhoul scatter: the inverse of the gather. */
static void derm_diffusion_makhoul_scatter(const struct derm_diffusion *d, const fftw_complex *w, int64_t c0,
                                           int64_t nb, fftw_complex *z)
{
    const int64_t N = d->g.nz, ps = d->pstride;
    for (int64_t r = 0; r < N; ++r) {
        double *restrict o = (double *)(z + derm_diffusion_makhoul_src(r, N) * ps + c0);
        const double *restrict in = (const double *)(w + r);
        for (int64_t c = 0; c < nb; ++c) {
            o[2 * c] = in[2 * c * N];
            o[2 * c + 1] = in[2 * c * N + 1];
        }
    }
}

/** Makhoul middle step on columns already forward-DFT'd (V = DFT(v)): the DCT-II of the
 *  real and imaginary parts, X = Re(w_k A_k) + i Re(w_k B_k) with A, B the Hermitian parts
 *  A_k = (V_k + conj V_{N-k}) / 2, B_k = (V_k - conj V_{N-k}) / 2i and w_k = exp(-i pi k / 2N);
 *  Y = m X; then the input of the inverse DFT, U_k = conj(w_k) (Y_k - i Y_{N-k}), Y_N = 0. */
static void derm_diffusion_makhoul_mid(const struct derm_diffusion *d, fftw_complex *w, int64_t nb, const double *m)
{
    const int64_t N = d->g.nz;
    const double *restrict tc = d->tw_c, *restrict ts = d->tw_s;
    for (int64_t c = 0; c < nb; ++c) {
        double *restrict col = (double *)(w + c * N);
        const double *restrict mc = m + c * N;
        col[0] *= mc[0]; /* k = 0: X_0 = V_0 and U_0 = Y_0 */
        col[1] *= mc[0];
        for (int64_t k = 1; 2 * k < N; ++k) {
            const int64_t kk = N - k;
            const double ca = tc[k], sa = ts[k], cb = tc[kk], sb = ts[kk];
            const double ar = col[2 * k], ai = col[2 * k + 1];   /* V_k */
            const double br = col[2 * kk], bi = col[2 * kk + 1]; /* V_{N-k} */
            const double xkr = 0.5 * (ca * (ar + br) + sa * (ai - bi));
            const double xki = 0.5 * (ca * (ai + bi) - sa * (ar - br));
            const double xkkr = 0.5 * (cb * (br + ar) + sb * (bi - ai));
            const double xkki = 0.5 * (cb * (bi + ai) - sb * (br - ar));
            const double ykr = mc[k] * xkr, yki = mc[k] * xki;
            const double ykkr = mc[kk] * xkkr, ykki = mc[kk] * xkki;
            const double tr = ykr + ykki, ti = yki - ykkr; /* Y_k - i Y_kk */
            const double ur = ykkr + yki, ui = ykki - ykr; /* Y_kk - i Y_k */
            col[2 * k] = ca * tr - sa * ti;
            col[2 * k + 1] = ca * ti + sa * tr;
            col[2 * kk] = cb * ur - sb * ui;
            col[2 * kk + 1] = cb * ui + sb * ur;
        }
        if (N % 2 == 0 && N > 1) {
            /* k = N/2 pairs with itself: X = Re(w) V, U = conj(w) (1 - i) Y */
            const int64_t k = N / 2;
            const double ca = tc[k], sa = ts[k];
            const double yr = ca * col[2 * k] * mc[k], yi = ca * col[2 * k + 1] * mc[k];
            const double tr = yr + yi, ti = yi - yr;
            col[2 * k] = ca * tr - sa * ti;
            col[2 * k + 1] = ca * ti + sa * tr;
        }
    }
}

/** DCT-IV gather (nz even, M = nz/2): real column col (part col % 2 of coefficient col / 2)
 *  becomes w[col][m] = (x_{2m} + i x_{N-1-2m}) t_m with t_m = exp(-i pi (m + 1/8) / N). */
static void derm_diffusion_dct4_gather(const struct derm_diffusion *d, const fftw_complex *z, int64_t c0, int64_t nb,
                                       fftw_complex *w)
{
    const int64_t N = d->g.nz, M = N / 2, ps = d->pstride, width = 2 * nb;
    for (int64_t mm = 0; mm < M; ++mm) {
        const double *restrict a = (const double *)(z + 2 * mm * ps + c0);
        const double *restrict b = (const double *)(z + (N - 1 - 2 * mm) * ps + c0);
        double *restrict o = (double *)(w + mm);
        const double cr = d->tw_c[mm], ci = -d->tw_s[mm];
        for (int64_t col = 0; col < width; ++col) {
            o[2 * col * M] = a[col] * cr - b[col] * ci;
            o[2 * col * M + 1] = a[col] * ci + b[col] * cr;
        }
    }
}

/** DCT-IV middle step on columns already DFT'd (Z): X_{2p} = Re(t_p Z_p) and
 *  X_{N-1-2p} = -Im(t_p Z_p); multiply; repack as (X_{2p} + i X_{N-1-2p}) t_p for the
 *  second DFT (the DCT-IV is its own inverse up to N/2). */
static void derm_diffusion_dct4_mid(const struct derm_diffusion *d, fftw_complex *w, int64_t nb, const double *m)
{
    const int64_t N = d->g.nz, M = N / 2, width = 2 * nb;
    const double *restrict tc = d->tw_c, *restrict ts = d->tw_s;
    for (int64_t col = 0; col < width; ++col) {
        double *restrict o = (double *)(w + col * M);
        const double *restrict mc = m + (col >> 1) * N; /* slots 2p, 2p+1: q = 2p, N-1-2p */
        for (int64_t p = 0; p < M; ++p) {
            const double cr = tc[p], ci = -ts[p];
            const double re = o[2 * p], im = o[2 * p + 1];
            const double x1 = (re * cr - im * ci) * mc[2 * p];
            const double x2 = -(re * ci + im * cr) * mc[2 * p + 1];
            o[2 * p] = x1 * cr - x2 * ci;
            o[2 * p + 1] = x1 * ci + x2 * cr;
        }
    }
}

/** DCT-IV scatter: x_{2m} = Re(t_m W_m), x_{N-1-2m} = -Im(t_m W_m). */
static void derm_diffusion_dct4_scatter(const struct derm_diffusion *d, const fftw_complex *w, int64_t c0, int64_t nb,
                                        fftw_complex *z)
{
    const int64_t N = d->g.nz, M = N / 2, ps = d->pstride, width = 2 * nb;
    for (int64_t mm = 0; mm < M; ++mm) {
        double *restrict a = (double *)(z + 2 * mm * ps + c0);
        double *restrict b = (double *)(z + (N - 1 - 2 * mm) * ps + c0);
        const double *restrict in = (const double *)(w + mm);
        const double cr = d->tw_c[mm], ci = -d->tw_s[mm];
        for (int64_t col = 0; col < width; ++col) {
            const double re = in[2 * col * M], im = in[2 * col * M + 1];
            a[col] = re * cr - im * ci;
            b[col] = -(re * ci + im * cr);
        }
    }
}

/** REDFT11 fallback (vascular, nz odd): w (as doubles)[col][q] = real column col of plane q;
 *  transform, multiply, transform back, scatter. */
static void derm_diffusion_r2r_block(const struct derm_diffusion *d, fftw_complex *z, int64_t c0, int64_t nb, double *w,
                                     fftw_plan p, const double *m)
{
    const int64_t N = d->g.nz, ps = d->pstride, width = 2 * nb;
    for (int64_t q = 0; q < N; ++q) {
        const double *restrict in = (const double *)(z + q * ps + c0);
        for (int64_t col = 0; col < width; ++col) w[col * N + q] = in[col];
    }
    fftw_execute_r2r(p, w, w);
    for (int64_t col = 0; col < width; ++col) {
        double *restrict o = w + col * N;
        const double *restrict mc = m + (col >> 1) * N;
        for (int64_t q = 0; q < N; ++q) o[q] *= mc[q];
    }
    fftw_execute_r2r(p, w, w);
    for (int64_t q = 0; q < N; ++q) {
        double *restrict o = (double *)(z + q * ps + c0);
        for (int64_t col = 0; col < width; ++col) o[col] = w[col * N + q];
    }
}

/** Forward z transform, multiplication by the block's multipliers mb and inverse z
 *  transform of the lateral coefficients of block blk of z (nz planes, stride pstride),
 *  through the buffer w. */
static void derm_diffusion_z_block(const struct derm_diffusion *d, int64_t blk, fftw_complex *z, fftw_complex *w,
                                   const double *mb)
{
    const int64_t c0 = blk * d->block;
    const int last = blk == d->nblocks - 1;
    const int64_t nb = last ? d->block_last : d->block;
    const fftw_plan pf = d->zf[last], pb = d->zb[last];
    switch (d->zkind) {
    case DERM_DIFFUSION_Z_MAKHOUL:
        derm_diffusion_makhoul_gather(d, z, c0, nb, w);
        fftw_execute_dft(pf, w, w);
        derm_diffusion_makhoul_mid(d, w, nb, mb);
        fftw_execute_dft(pb, w, w);
        derm_diffusion_makhoul_scatter(d, w, c0, nb, z);
        break;
    case DERM_DIFFUSION_Z_DCT4:
        derm_diffusion_dct4_gather(d, z, c0, nb, w);
        fftw_execute_dft(pf, w, w);
        derm_diffusion_dct4_mid(d, w, nb, mb);
        fftw_execute_dft(pf, w, w);
        derm_diffusion_dct4_scatter(d, w, c0, nb, z);
        break;
    case DERM_DIFFUSION_Z_R2R:
        derm_diffusion_r2r_block(d, z, c0, nb, (double *)w, pf, mb);
        break;
    }
}

/* Non-finite values are counted in a double (exact below 2^53) as fabs(x) <= DBL_MAX is
 * false for NaN and +-inf; unlike an int64 count of isfinite() this vectorises with SSE2. */

/** Per-voxel exact update for a signal on the local path, voxels split over nthreads;
 *  returns the non-finite count. */
static int64_t derm_diffusion_step_local(int64_t n, double k, double dt, derm_real *restrict c,
                                         const derm_real *restrict S, int nthreads)
{
    const double e = exp(-k * dt), f = derm_diffusion_phi(k, dt);
    double bad = 0.0;
    if (S) {
#pragma omp parallel for simd schedule(static) num_threads(nthreads) default(none) shared(c, S) \
    firstprivate(n, e, f) reduction(+ : bad)
        for (int64_t v = 0; v < n; ++v) {
            const double x = (double)c[v] * e + (double)S[v] * f;
            bad += fabs(x) <= DERM_REAL_MAX ? 0.0 : 1.0;
            c[v] = (derm_real)x;
        }
    } else {
#pragma omp parallel for simd schedule(static) num_threads(nthreads) default(none) shared(c) firstprivate(n, e) \
    reduction(+ : bad)
        for (int64_t v = 0; v < n; ++v) {
            const double x = (double)c[v] * e;
            bad += fabs(x) <= DERM_REAL_MAX ? 0.0 : 1.0;
            c[v] = (derm_real)x;
        }
    }
    return (int64_t)bad;
}

/** 1 if S is non-NULL and has a non-zero entry. The first block serially, stopping at the
 *  first (a source usually has one there), then the rest in parallel: an idle signal's
 *  zero field and source (no exosomes) are read whole every step. */
static int derm_diffusion_any_nonzero(int64_t n, const derm_real *S, int nthreads)
{
    if (!S) return 0;
    const int64_t head = n < 65536 ? n : 65536;
    for (int64_t v = 0; v < head; ++v)
        if (S[v] != 0.0) return 1;
    int64_t nonzero = 0;
#pragma omp parallel for schedule(static) num_threads(nthreads) default(none) shared(S) firstprivate(head, n) \
    reduction(+ : nonzero)
    for (int64_t v = head; v < n; ++v) nonzero += S[v] != 0.0;
    return nonzero > 0;
}

/** Forward lateral transform of plane q into z: of c (pure form) or of g = S - A c
 *  (residual form). */
static void derm_diffusion_forward_plane(const struct derm_diffusion *d, const struct derm_diffusion_signal *sg,
                                         int64_t q, const derm_real *c, const derm_real *S, double *plane)
{
    const int64_t np = d->g.nx * d->g.ny;
    if (S)
        derm_diffusion_rate_plane(&d->g, d->vascular, sg->D_um2_per_h, sg->k_per_h, q, c, S, plane);
    else if (DERM_REAL_IS_FLOAT)
        for (int64_t v = 0; v < np; ++v) plane[v] = c[q * np + v];
    else
        memcpy(plane, c + q * np, (size_t)np * sizeof(double));
    fftw_execute_dft_r2c(d->fwd_xy, plane, d->z + q * d->pstride);
}

/** Inverse lateral transform of plane q of z, then c = result (pure form) or c += result
 *  (residual form); returns the non-finite count. */
static double derm_diffusion_inverse_plane(const struct derm_diffusion *d, int64_t q, int with_source, derm_real *c,
                                           struct derm_diffusion_scratch *sc)
{
    const int64_t np = d->g.nx * d->g.ny;
    double *restrict plane = sc->plane;
    double bad = 0.0;
    fftw_execute_dft(d->bwd_y, d->z + q * d->pstride, sc->yt);
    fftw_execute_dft_c2r(d->bwd_x, sc->yt, plane);
    derm_real *restrict cq = c + q * np;
    if (with_source) {
#pragma omp simd reduction(+ : bad)
        for (int64_t v = 0; v < np; ++v) {
            const double x = (double)cq[v] + plane[v];
            bad += fabs(x) <= DERM_REAL_MAX ? 0.0 : 1.0;
            cq[v] = (derm_real)x;
        }
    } else {
#pragma omp simd reduction(+ : bad)
        for (int64_t v = 0; v < np; ++v) {
            bad += fabs(plane[v]) <= DERM_REAL_MAX ? 0.0 : 1.0;
            cq[v] = (derm_real)plane[v];
        }
    }
    return bad;
}

/** Advance one signal on the transform path, planes and blocks split over nthreads (each
 *  with its scratch set). Returns the number of non-finite results, or -1 when out of
 *  memory. */
static int64_t derm_diffusion_step_spectral(struct derm_diffusion *d, struct derm_diffusion_signal *sg, double dt,
                                            derm_real *c, const derm_real *S, int with_source, int nthreads)
{
    const int64_t nz = d->g.nz, nblocks = d->nblocks;
    if (DERM_DIFFUSION_CACHE_MULT && (with_source ? !(sg->dt_f_h == dt) : !(sg->dt_e_h == dt)))
        if (derm_diffusion_build_mult(d, sg, with_source, dt, nthreads) != 0) return -1;
    const double *m = !DERM_DIFFUSION_CACHE_MULT ? NULL : with_source ? sg->mult_f : sg->mult_e;
    const derm_real *Sx = with_source ? S : NULL;
    double bad = 0.0;
#pragma omp parallel num_threads(nthreads) default(none) shared(d, sg, c, Sx, m) \
    firstprivate(nz, nblocks, with_source, dt) reduction(+ : bad)
    {
        struct derm_diffusion_scratch *sc = &d->scratch[omp_get_thread_num()];
#pragma omp for schedule(static)
        for (int64_t q = 0; q < nz; ++q) derm_diffusion_forward_plane(d, sg, q, c, Sx, sc->plane);
#pragma omp for schedule(static)
        for (int64_t blk = 0; blk < nblocks; ++blk) {
            const int64_t c0 = blk * d->block, nb = blk == nblocks - 1 ? d->block_last : d->block;
            if (!m) derm_diffusion_mult_cols(d, sg, with_source, dt, c0, nb, sc->mb); /* formed as used */
            derm_diffusion_z_block(d, blk, d->z, sc->w, m ? m + c0 * nz : sc->mb);
        }
#pragma omp for schedule(static)
        for (int64_t q = 0; q < nz; ++q) bad += derm_diffusion_inverse_plane(d, q, with_source, c, sc);
    }
    return (int64_t)bad;
}

void derm_diffusion_promise_unchanged(struct derm_diffusion *d)
{
    if (d) d->unchanged = 1;
}

derm_status derm_diffusion_step(struct derm_diffusion *d, derm_real *const *c, const derm_real *const *src, double dt_h,
                                struct derm_err *err)
{
    if (!d || !c) return derm_err_set(err, DERM_EINTERNAL, "diffusion_step: NULL solver or fields");
    if (!(dt_h >= 0.0) || !isfinite(dt_h))
        return derm_err_set(err, DERM_EINTERNAL, "diffusion_step: dt = %g h, need finite >= 0", dt_h);
    const int unchanged = d->unchanged; /* the promise holds for this step only */
    d->unchanged = 0;
    if (dt_h == 0.0) return DERM_OK;

    /* Signals one after the other, the threads sharing each (up to one per plane, each
     * with its own scratch set, and one per DERM_DIFFUSION_VOXELS_PER_THREAD voxels). The
     * thread count never changes the results. */
    int nthreads = omp_get_max_threads();
    if (nthreads > d->g.nz) nthreads = (int)d->g.nz;
    if (nthreads > d->g.n / DERM_DIFFUSION_VOXELS_PER_THREAD)
        nthreads = (int)(d->g.n / DERM_DIFFUSION_VOXELS_PER_THREAD);
    if (nthreads < 1) nthreads = 1;
    if (derm_diffusion_count_spectral(d) > 0) {
        if (derm_diffusion_grow_scratch(d, nthreads) != 0 && d->nscratch < 1)
            return derm_err_set(err, DERM_ENOMEM, "diffusion_step: out of memory for transform buffers");
        if (nthreads > d->nscratch) nthreads = d->nscratch;
    }

    const int nsig = d->nsig;
    const int64_t n = d->g.n;
    struct derm_diffusion_signal *const sig = d->sig;
    int64_t nomem = 0;
    for (int s = 0; s < nsig; ++s) {
        const derm_real *S = src ? src[s] : NULL;
        if (!c[s]) { /* an absent field: +0 everywhere, and it stays so without a source */
            if (derm_diffusion_any_nonzero(n, S, nthreads))
                return derm_err_set(err, DERM_EINTERNAL, "diffusion_step: signal %d has a source but no field", s);
            sig[s].idle = 1;
            sig[s].nbad = 0;
            continue;
        }
        if (sig[s].local) {
            sig[s].nbad = derm_diffusion_step_local(n, sig[s].k_per_h, dt_h, c[s], S, nthreads);
            continue;
        }
        const int with_source = derm_diffusion_any_nonzero(n, S, nthreads); /* scanned once per signal */
        /* an idle field left alone since (the caller's promise) is still zero: not scanned */
        const int zero = !with_source && ((unchanged && sig[s].idle) || !derm_diffusion_any_nonzero(n, c[s], nthreads));
        sig[s].idle = zero;
        if (zero) {
            sig[s].nbad = 0; /* zero field, no source: stays exactly zero (e.g. no exosomes) */
        } else {
            const int64_t b = derm_diffusion_step_spectral(d, &sig[s], dt_h, c[s], S, with_source, nthreads);
            sig[s].nbad = b < 0 ? 0 : b;
            nomem += b < 0;
        }
    }
    if (nomem)
        return derm_err_set(err, DERM_ENOMEM,
                            "diffusion_step: out of memory for multiplier arrays "
                            "(%lld doubles each)",
                            (long long)d->nspec);
    for (int s = 0; s < nsig; ++s)
        if (sig[s].nbad)
            return derm_err_set(err, DERM_ENUMERIC,
                                "diffusion_step: signal %d: %lld non-finite values after a step of "
                                "%g h (D = %g um^2/h, decay = %g 1/h)",
                                s, (long long)sig[s].nbad, dt_h, sig[s].D_um2_per_h, sig[s].k_per_h);
    return DERM_OK;
}
