/* matrix.c - exact per-voxel matrix kinetics (equations and sources in matrix.h). */
#include "derm/model/matrix.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/simd.h"
#include "derm/solve/chain.h"
#include "derm/store/fields.h"

/* The MMP activity per unit MMP left free by TIMP (matrix.h): (1 + 1/Ki) / (1 + TIMP/Ki),
 * one division for MMP-1 and MMP-3 alike. free_num = 1 + 1/Ki, inv_ki = 1/Ki. */
static inline double free_share(double timp, double free_num, double inv_ki)
{
    timp = timp < 0.0 ? 0.0 : timp;
    return free_num / (1.0 + timp * inv_ki);
}

/* Per-step constants: the decays of the rates that are the same in every voxel (elastotic
 * material and low-MW HA clearance, derm_chain_decay), the elastotic deposit's phi1, and
 * the constant parts of the collagen rates. */
struct step_const {
    double e_ez, p_ez, e_hl, p_hl, phi_ez;
    double a0, b0, g_num;                  /* 1 - s1, 1 - s3 - su, 1 + X0/Xh */
    double inv_age_half, free_num, inv_ki; /* 1/Xh, 1 + 1/Ki, 1/Ki */
    double age_form_h, age_form_el_h, uptake, dt;
};

/* The arrays one step reads and writes (fields.h order), grid.n each. */
struct matrix_arrays {
    derm_real *ci, *cf, *ga, *ef, *ez, *hh, *hl, *ea;
    const derm_real *m1, *m3, *ti, *ros, *il;
    const derm_real *dep_col, *dep_el, *dep_ha, *dep_ez; /* dep_ez may be NULL */
    const derm_real *uvm;                                /* UV memory, SED/day; may be NULL */
    derm_real *mmp_act;                                  /* may be NULL */
    const struct derm_readout_coef *readout;             /* with field sums */
};

/* The five signals the kernel reads (m1, m3, ti, ros, il) and, for the lazy ones, where
 * their strips are made (derm_signal_grids_span): per thread, per signal, a cached coarse
 * row of nx doubles. */
enum { NSIG_IN = DERM_MATRIX_NSIGNAL_IN };
const int derm_matrix_signal_in[DERM_MATRIX_NSIGNAL_IN] = {DERM_S_MMP1, DERM_S_MMP3, DERM_S_TIMP, DERM_S_ROS,
                                                           DERM_S_IL};
struct signal_in {
    const struct derm_signal_grids *sg; /* NULL: every array is current */
    int id[NSIG_IN], lazy[NSIG_IN];
    int64_t nx;
    double *rows; /* threads x NSIG_IN x nx */
};

/* The voxel loop runs over strips of a layer in passes, so that each pass is a plain loop
 * that vectorises: (1) the rates of every pool (one division for the free share of both
 * MMPs, one for the AGE load), (2) their decays over the step (the series where the rate
 * times the step is below 0.05, derm_exp_neg where it is not: each loop only when a value
 * of the strip needs it), (3) the exact chains and the AGE loads, with selects instead of
 * branches, and (4) the flux sums, in four lanes per layer. Every voxel's
 * arithmetic is the scalar loop's, operation for operation, so the bits do not depend on
 * the vector width (no FMA contraction: ISO C, -ffp-contract=off) nor on the strip. */
enum { STRIP = 128 };

/* DERM_SIMD_CLONES_512 (core/simd.h): the passes are also built for AVX-512F and AVX2, with
 * the same bits. */

struct strip {
    double a[STRIP], b[STRIP], ra[STRIP], rb[STRIP], ea[STRIP], pa[STRIP], eb[STRIP], pb[STRIP];
    double kel[STRIP], yz[STRIP], rk[STRIP], ek[STRIP], pk[STRIP];
    double kh[STRIP], rh[STRIP], eh[STRIP], ph[STRIP];
    double load_out[STRIP], act[STRIP], bad[STRIP];
    double flux[DERM_MATRIX_NFLUX][STRIP];
    derm_real sig[NSIG_IN][STRIP]; /* the strips of lazy signals */
#if DERM_REAL_IS_FLOAT
    double io[DERM_NMATRIX][STRIP]; /* the strip of every matrix field, widened (lean build) */
#endif
};

static const derm_real zeros[STRIP]; /* stands for an absent array (UV memory, elastotic deposit) */

/* e = e^{-rt}, p = phi1(rt) for n values: derm_chain_decay, bit for bit. The series where
 * |rt| < 0.05, the exponential elsewhere, each loop only when a value of the strip needs it
 * (collagen and elastin rates are small, HA's large). */
DERM_SIMD_CLONES_512 static void decay_strip(int n, const double *restrict rt, double *restrict e, double *restrict p)
{
    int nfar = 0;
#pragma omp simd reduction(+ : nfar)
    for (int i = 0; i < n; i++) nfar += !(fabs(rt[i]) < 0.05);
    if (nfar < n)
#pragma omp simd
        for (int i = 0; i < n; i++) {
            const double ps = derm_chain_phi1_series(rt[i]);
            p[i] = ps;
            e[i] = 1.0 - rt[i] * ps;
        }
    if (nfar > 0)
#pragma omp simd
        for (int i = 0; i < n; i++) {
            const int far = !(fabs(rt[i]) < 0.05);
            const double x = far ? rt[i] : 1.0, ex = derm_exp_neg(x);
            e[i] = far ? ex : e[i];
            p[i] = far ? (1.0 - ex) / x : p[i];
        }
}

/* Pass 1: the rates of voxels q0 .. q0 + n - 1. */
DERM_SIMD_CLONES_512 static void rates_strip(const struct matrix_arrays *A, int64_t q0, int n,
                                             const derm_real *const sp[NSIG_IN],
                                             const struct derm_matrix_coef *restrict cc,
                                             const struct step_const *restrict K, struct strip *restrict S)
{
    const derm_real *restrict ci = A->ci + q0, *restrict cf = A->cf + q0, *restrict ga = A->ga + q0;
    const derm_real *restrict m1 = sp[0], *restrict m3 = sp[1], *restrict ti = sp[2];
    const derm_real *restrict ros = sp[3], *restrict il = sp[4];
    const derm_real *restrict uvm = A->uvm ? A->uvm + q0 : zeros;
    /* coefficients as locals: a load inside a select's arm would keep the branch */
    const double dt = K->dt, age_ref = cc->age_ref, inv_age_half = K->inv_age_half, g_num = K->g_num;
    const double free_num = K->free_num, inv_ki = K->inv_ki;
    const double k_cleave = cc->k_cleave_h, a0 = K->a0, s1 = cc->mmp1_share, k_clear = cc->k_clear_h, b0 = K->b0;
    const double s3 = cc->mmp3_share, su = cc->uptake_share, uptake = K->uptake, endo = cc->endo_gain;
    const double k_ox = cc->k_oxidation_h, k_el = cc->k_elastin_h;
    const struct derm_matrix_coef ha = *cc;
#pragma omp simd
    for (int i = 0; i < n; i++) {
        /* collagen: I' = P - a I, F' = a I - b F */
        const double total0 = (double)ci[i] + cf[i];
        const double x_age = total0 > 0.0 ? ga[i] / (total0 > 0.0 ? total0 : 1.0) : age_ref;
        /* 1 / (1 + X/Xh): the AGE load of what clearance removes (advance_strip), and
         * with g_num the MMPs' relative susceptibility g above the reference load */
        const double load = 1.0 / (1.0 + x_age * inv_age_half);
        const double g_age = x_age > age_ref ? g_num * load : 1.0;
        const double free = free_share(ti[i], free_num, inv_ki);
        const double a1 = (m1[i] < 0.0 ? 0.0 : (double)m1[i]) * free; /* NaN stays NaN: reported */
        const double a3 = (m3[i] < 0.0 ? 0.0 : (double)m3[i]) * free;
        /* AGE cross-links protect against the MMPs (Bourne 2014), not the other routes */
        const double a = k_cleave * (a0 + s1 * a1 * g_age);
        /* UV lowers the fibroblasts' fragment receptor Endo180 (Tang 2013); without UV
         * memory uptake / (1 + 0) is uptake exactly */
        const double up = uptake / (1.0 + endo * uvm[i]);
        const double b = k_clear * (b0 + s3 * a3 * g_age + su * up);
        S->load_out[i] = load;
        S->act[i] = a1;
        S->a[i] = a;
        S->b[i] = b;
        S->ra[i] = a * dt;
        S->rb[i] = b * dt;
        /* elastin: E' = PE - (kE + o) E, o = kox ROS (linear in ROS) */
        const double rx = ros[i] > 0.0 ? (double)ros[i] : 0.0;
        const double ox = k_ox * rx;
        const double kel = k_el + ox;
        S->kel[i] = kel;
        S->yz[i] = kel > 0.0 ? ox / (kel > 0.0 ? kel : 1.0) : 0.0;
        S->rk[i] = kel * dt;
        /* HA */
        const double kh = derm_matrix_ha_rate(&ha, ros[i], il[i]);
        S->kh[i] = kh;
        S->rh[i] = kh * dt;
    }
}

/* 1 if any of the eight values is negative, else r: a flag kept as a double, so that the
 * voxel loop has one data width and vectorises. */
static inline double flag_negative(double r, double a, double b, double c, double d, double e, double f, double g,
                                   double h)
{
    r = a < 0.0 ? 1.0 : r;
    r = b < 0.0 ? 1.0 : r;
    r = c < 0.0 ? 1.0 : r;
    r = d < 0.0 ? 1.0 : r;
    r = e < 0.0 ? 1.0 : r;
    r = f < 0.0 ? 1.0 : r;
    r = g < 0.0 ? 1.0 : r;
    return h < 0.0 ? 1.0 : r;
}

/* Pass 3: the exact chains of voxels q0 .. q0 + n - 1, their AGE loads, the per-voxel flux
 * terms and the bad-voxel flags. io: the strip of each matrix field in fields.h order, read
 * and written in place (the fields themselves, or their widened copies in the lean build);
 * dep: the strip of the collagen, elastin and HA deposits. */
DERM_SIMD_CLONES_512 static void advance_strip(const struct matrix_arrays *A, double *const *io,
                                               const derm_real *const dep[3], int64_t q0, int n,
                                               const struct derm_matrix_coef *restrict cc,
                                               const struct step_const *restrict K, struct strip *restrict S)
{
    double *restrict ci = io[DERM_M_COLLAGEN_INTACT], *restrict cf = io[DERM_M_COLLAGEN_FRAGMENTED],
                     *restrict ga = io[DERM_M_AGE_AMOUNT];
    double *restrict ef = io[DERM_M_ELASTIN_FUNCTIONAL], *restrict ez = io[DERM_M_ELASTIN_ELASTOTIC],
                     *restrict hh = io[DERM_M_HA_HMW], *restrict hl = io[DERM_M_HA_LMW];
    double *restrict ea = io[DERM_M_ELASTIN_AGE_AMOUNT];
    const derm_real *restrict dep_col = dep[0], *restrict dep_el = dep[1], *restrict dep_ha = dep[2];
    const derm_real *restrict dep_ez = A->dep_ez ? A->dep_ez + q0 : zeros;
    /* coefficients as locals: a load inside a select's arm would keep the branch */
    const double dt = K->dt, age_form_h = K->age_form_h, age_form_el_h = K->age_form_el_h;
    const double k_ez = cc->k_elastotic_h, e_ez = K->e_ez, p_ez = K->p_ez, phi_ez = K->phi_ez;
    const double ha_supply = cc->ha_supply, k_lmw = cc->k_lmw_h, lmw_yield = cc->lmw_yield, e_hl = K->e_hl,
                 p_hl = K->p_hl;
#pragma omp simd
    for (int i = 0; i < n; i++) {
        /* inputs must be non-negative: the chain's round-off guard must not hide a bad state */
        const double bad_in = flag_negative(0.0, ci[i], cf[i], ga[i], ef[i], ez[i], hh[i], hl[i], ea[i]);
        /* collagen (intact -> fragmented -> cleared) and the AGE it carries */
        const double total0 = ci[i] + cf[i];
        const double P = dep_col[i], f0 = cf[i];
        /* the arrays' own elements, not addressed locals (which omp simd would keep as
         * per-lane arrays and so not vectorise) */
        const double cleaved = derm_chain_advance_with(P, S->a[i], S->b[i], 1.0, dt, S->ea[i], S->pa[i], S->eb[i],
                                                       S->pb[i], &ci[i], &cf[i]);
        const double x = ci[i], y = cf[i];
        double cleared = cleaved - (y - f0);
        cleared = cleared < 0.0 ? 0.0 : cleared;
        /* AGE cross-links form on all collagen and leave with cleared fragments, but the
         * least glycated molecules go first: glycated fibrils resist turnover. Over an
         * exponential spread of loads with mean x, a removal that prefers load y in
         * proportion to exp(-y/h) has the relative mean susceptibility g, and what it
         * removes carries 1/(1 + x/h) of the mean load. The collagen fluxes are not changed
         * by this choice of molecules, only the AGE that leaves with them. */
        double frac_out = total0 > 0.0 ? cleared / (total0 > 0.0 ? total0 : 1.0) * S->load_out[i] : 0.0;
        frac_out = frac_out > 1.0 ? 1.0 : frac_out;
        const double total1 = x + y;
        const double age_out = ga[i] * frac_out, age_in = age_form_h * total1 * dt;
        ga[i] = ga[i] - age_out + age_in;
        S->flux[0][i] = P * dt;
        S->flux[1][i] = cleaved;
        S->flux[2][i] = cleared;
        S->flux[10][i] = age_in;
        S->flux[11][i] = age_out;

        /* elastin (functional -> elastotic -> cleared, plus UVA elastosis) and its AGE */
        const double e0 = ef[i] + ez[i];
        const double left = derm_chain_advance_with(dep_el[i], S->kel[i], k_ez, S->yz[i], dt, S->ek[i], S->pk[i], e_ez,
                                                    p_ez, &ef[i], &ez[i]);
        const double pz = dep_ez[i]; /* elastotic deposition (UVA): linear, superposed exactly */
        ez[i] = pz > 0.0 ? ez[i] + pz * dt * phi_ez : ez[i];
        const double fe = ef[i], ze = ez[i];
        const double pe = dep_el[i];
        S->flux[3][i] = pe * dt;
        S->flux[4][i] = pz * dt;
        S->flux[5][i] = left * S->yz[i];
        S->flux[6][i] = e0 + (pe + pz) * dt - (fe + ze);
        /* AGE on elastin: leaves with cleared elastin, forms on all of it */
        const double e1 = fe + ze;
        double e_out = e0 > 0.0 ? (e0 + (pe + pz) * dt - e1) / (e0 > 0.0 ? e0 : 1.0) : 0.0;
        e_out = e_out < 0.0 ? 0.0 : e_out;
        e_out = e_out > 1.0 ? 1.0 : e_out;
        ea[i] = ea[i] * (1.0 - e_out) + age_form_el_h * e1 * dt;

        /* hyaluronan (high MW -> low MW -> cleared) */
        const double ph_ = dep_ha[i];
        const double h0 = hh[i] + hl[i], made = (ph_ + ha_supply) * dt;
        S->flux[8][i] = derm_chain_advance_with(ph_ + ha_supply, S->kh[i], k_lmw, lmw_yield, dt, S->eh[i], S->ph[i],
                                                e_hl, p_hl, &hh[i], &hl[i]);
        const double hx = hh[i], hy = hl[i];
        S->flux[7][i] = made;
        S->flux[9][i] = h0 + made - (hx + hy);

        const double chk = x + y + ga[i] + fe + ze + hx + hy + ea[i];
        const double bad_fin = fabs(chk) <= DBL_MAX ? bad_in : 1.0; /* not finite: NaN or inf */
        S->bad[i] = flag_negative(bad_fin, x, y, ga[i], fe, ze, hx, hy, ea[i]);
    }
}

/* fs[f] += the n stored values of matrix field f from q0, in index order, and fs[DERM_NMATRIX]
 * those of act (when not NULL): a chain of additions per array, the chains advanced voxel by
 * voxel together rather than one after the other (the same sums; a lone chain waits on each
 * addition's latency). Nine chains, not derm_grid_sums8's eight, so that the MMP-1
 * activity's is not left alone. */
static void strip_sums(derm_real *const *mat, const derm_real *act, int64_t q0, int n, double *fs)
{
    if (act)
        for (int i = 0; i < n; i++) {
#pragma GCC unroll 8
            for (int f = 0; f < DERM_NMATRIX; f++) fs[f] += mat[f][q0 + i];
            fs[DERM_NMATRIX] += act[q0 + i];
        }
    else
        for (int i = 0; i < n; i++) {
#pragma GCC unroll 8
            for (int f = 0; f < DERM_NMATRIX; f++) fs[f] += mat[f][q0 + i];
        }
}

/* fs[x] += the n values of strip sp[x] of the signals the kernel reads, in index order: five
 * chains advanced together. */
static void signal_sums(const derm_real *const sp[NSIG_IN], int n, double *fs)
{
    for (int i = 0; i < n; i++)
        for (int x = 0; x < NSIG_IN; x++) fs[x] += sp[x][i];
}

/* The flux sums of a layer go in FLUX_LANES partial sums per flux: voxel i of the layer
 * (strips start at multiples of STRIP) adds to lane i % FLUX_LANES, in index order, and
 * the lanes are added pairwise at the end of the layer. Twelve four-wide chains advance
 * together, a vector addition each (one chain per flux, voxel by voxel, waited on each
 * addition's latency). The sums are diagnostics (budgets, rates in the series): nothing
 * in the model reads them. */
enum { FLUX_LANES = 4 };
_Static_assert(STRIP % FLUX_LANES == 0, "strips start on a lane boundary");

#if defined(__GNUC__)
/* four doubles added lane by lane (GCC and Clang vector extension): one AVX2 addition, or
 * two SSE2 ones; the same IEEE additions as the plain loop below */
typedef double flux_lanes __attribute__((vector_size(FLUX_LANES * sizeof(double))));
#endif

DERM_SIMD_CLONES_512 static void flux_sums(const struct strip *S, int n, double sums[DERM_MATRIX_NFLUX][FLUX_LANES])
{
    int i = 0;
#if defined(__GNUC__)
    flux_lanes acc[DERM_MATRIX_NFLUX];
    memcpy(acc, sums, sizeof acc);
    for (; i + FLUX_LANES <= n; i += FLUX_LANES) {
#pragma GCC unroll 12
        for (int j = 0; j < DERM_MATRIX_NFLUX; j++) {
            flux_lanes v;
            memcpy(&v, &S->flux[j][i], sizeof v);
            acc[j] += v;
        }
    }
    memcpy(sums, acc, sizeof acc);
#else
    for (; i + FLUX_LANES <= n; i += FLUX_LANES)
        for (int j = 0; j < DERM_MATRIX_NFLUX; j++)
            for (int l = 0; l < FLUX_LANES; l++) sums[j][l] += S->flux[j][i + l];
#endif
    for (int j = 0; j < DERM_MATRIX_NFLUX; j++) /* the strip's last n % FLUX_LANES voxels */
        for (int l = 0; i + l < n; l++) sums[j][l] += S->flux[j][i + l];
}

/* One depth layer, serially, strip by strip, dl its collagen, elastin and HA deposits (nxy
 * each); its flux sums (struct derm_matrix_flux order) into part[0..DERM_MATRIX_NFLUX) and
 * the count of bad voxels into part[DERM_MATRIX_NFLUX]. */
static void matrix_layer(const struct matrix_arrays *A, const struct signal_in *in, const derm_real *const dl[3],
                         int64_t k, int64_t nxy, const struct derm_matrix_coef *cc, const struct step_const *K,
                         double *part, double *fsum)
{
    double sums[DERM_MATRIX_NFLUX][FLUX_LANES] = {{0}}, bad = 0.0, fs[DERM_MATRIX_NSUMS] = {0};
    struct strip S;
    const derm_real *const arr[NSIG_IN] = {A->m1, A->m3, A->ti, A->ros, A->il};
    double *rows = in->sg ? in->rows + (size_t)omp_get_thread_num() * NSIG_IN * (size_t)in->nx : NULL;
    int64_t key[NSIG_IN] = {-1, -1, -1, -1, -1};
    int lazy_ids[NSIG_IN], nl = 0;
    derm_real *lazy_out[NSIG_IN];
    for (int x = 0; x < NSIG_IN; x++)
        if (in->sg && in->lazy[x]) {
            lazy_ids[nl] = in->id[x];
            lazy_out[nl++] = S.sig[x];
        }
    for (int64_t q0 = k * nxy; q0 < (k + 1) * nxy; q0 += STRIP) {
        const int n = (int)((k + 1) * nxy - q0 < STRIP ? (k + 1) * nxy - q0 : STRIP);
        const derm_real *sp[NSIG_IN];
        if (nl) derm_signal_grids_span(in->sg, nl, lazy_ids, q0, n, rows, key, lazy_out);
        for (int x = 0; x < NSIG_IN; x++) sp[x] = in->sg && in->lazy[x] ? S.sig[x] : arr[x] + q0;
        if (fsum) signal_sums(sp, n, fs + DERM_MATRIX_SUM_SIGNAL);
        rates_strip(A, q0, n, sp, cc, K, &S);
        if (A->mmp_act) {
            if (DERM_REAL_IS_FLOAT)
                for (int i = 0; i < n; i++) A->mmp_act[q0 + i] = (derm_real)S.act[i];
            else
                memcpy(A->mmp_act + q0, S.act, (size_t)n * sizeof(double));
        }
        decay_strip(n, S.ra, S.ea, S.pa);
        decay_strip(n, S.rb, S.eb, S.pb);
        decay_strip(n, S.rk, S.ek, S.pk);
        decay_strip(n, S.rh, S.eh, S.ph);
        derm_real *const mat[DERM_NMATRIX] = {A->ci, A->cf, A->ga, A->ef, A->ez, A->hh, A->hl, A->ea};
        double *io[DERM_NMATRIX];
#if DERM_REAL_IS_FLOAT
        for (int f = 0; f < DERM_NMATRIX; f++) {
            for (int i = 0; i < n; i++) S.io[f][i] = mat[f][q0 + i];
            io[f] = S.io[f];
        }
#else
        for (int f = 0; f < DERM_NMATRIX; f++) io[f] = mat[f] + q0;
#endif
        const derm_real *const dep[3] = {dl[0] + (q0 - k * nxy), dl[1] + (q0 - k * nxy), dl[2] + (q0 - k * nxy)};
        advance_strip(A, io, dep, q0, n, cc, K, &S);
#if DERM_REAL_IS_FLOAT
        for (int f = 0; f < DERM_NMATRIX; f++)
            for (int i = 0; i < n; i++) mat[f][q0 + i] = (derm_real)S.io[f][i];
#endif
        if (fsum) { /* the stored values, in index order: one chain per array, advanced together */
            strip_sums(mat, A->mmp_act, q0, n, fs);
            derm_readout_mmp_susceptibility_add(A->readout, n, mat[DERM_M_COLLAGEN_INTACT] + q0,
                                                mat[DERM_M_COLLAGEN_FRAGMENTED] + q0, mat[DERM_M_AGE_AMOUNT] + q0,
                                                fs + DERM_MATRIX_SUM_SUSC);
        }
        flux_sums(&S, n, sums);
        for (int i = 0; i < n; i++) bad += S.bad[i]; /* 0 or 1 each: exact in any order */
    }
    for (int j = 0; j < DERM_MATRIX_NFLUX; j++) part[j] = (sums[j][0] + sums[j][1]) + (sums[j][2] + sums[j][3]);
    part[DERM_MATRIX_NFLUX] = bad;
    if (fsum)
        for (int f = 0; f < DERM_MATRIX_NSUMS; f++) fsum[f] = fs[f];
}

/* Every layer, each thread a range of layers in order (a layer's result does not depend on
 * which thread), so that a cursor of the deposits (made: NULL, or derm_matrix_deposition's
 * layers) makes each of their x-y layers once. 1 if a thread could not open its cursor (its
 * layers not advanced), else 0. */
static int advance_layers(const struct derm_grid *g, const struct matrix_arrays *A, const struct signal_in *in,
                          const struct derm_coupling_layers_spec *made, const struct derm_matrix_coef *cc,
                          const struct step_const *K, int nt, double *part, double *fsum)
{
    const int64_t nz = g->nz, nxy = g->nx * g->ny;
    int failed = 0;
#pragma omp parallel num_threads(nt) default(none) shared(A, in, cc, K, part, fsum, g, made, failed) \
    firstprivate(nz, nxy)
    {
        const int t = omp_get_thread_num(), nth = omp_get_num_threads();
        const int64_t k0 = nz * t / nth, k1 = nz * (t + 1) / nth;
        struct derm_coupling_layers cur;
        const int ok = !made || k0 >= k1 || derm_coupling_layers_open(&cur, g, made) == 0;
        for (int64_t k = k0; ok && k < k1; k++) {
            const derm_real *const *dl =
                made ? derm_coupling_layers_at(&cur, k)
                     : (const derm_real *const[3]){A->dep_col + k * nxy, A->dep_el + k * nxy, A->dep_ha + k * nxy};
            matrix_layer(A, in, dl, k, nxy, cc, K, part + (DERM_MATRIX_NFLUX + 1) * k,
                         fsum ? fsum + DERM_MATRIX_NSUMS * k : NULL);
        }
        if (made && k0 < k1) derm_coupling_layers_close(&cur);
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
    }
    return failed;
}

derm_status derm_matrix_step(const struct derm_grid *g, derm_real *const *m, const derm_real *const *sig,
                             const struct derm_matrix_deposition *dep, double glucose_ratio, double uptake,
                             const struct derm_matrix_coef *c, double dt_h, derm_real *mmp_act, double *part,
                             struct derm_matrix_flux *flux, struct derm_err *err)
{
    if (dep->field_sums && !dep->readout)
        return derm_err_set(err, DERM_EINTERNAL, "matrix: field sums asked for without the readout coefficients");
    if (dep->layers && dep->layers->n != 3)
        return derm_err_set(err, DERM_EINTERNAL, "matrix: the deposits made by layer are 3, not %d", dep->layers->n);
    const int64_t nz = g->nz;
    const struct matrix_arrays A = {m[DERM_M_COLLAGEN_INTACT],
                                    m[DERM_M_COLLAGEN_FRAGMENTED],
                                    m[DERM_M_AGE_AMOUNT],
                                    m[DERM_M_ELASTIN_FUNCTIONAL],
                                    m[DERM_M_ELASTIN_ELASTOTIC],
                                    m[DERM_M_HA_HMW],
                                    m[DERM_M_HA_LMW],
                                    m[DERM_M_ELASTIN_AGE_AMOUNT],
                                    sig[DERM_S_MMP1],
                                    sig[DERM_S_MMP3],
                                    sig[DERM_S_TIMP],
                                    sig[DERM_S_ROS],
                                    sig[DERM_S_IL],
                                    dep->collagen,
                                    dep->elastin,
                                    dep->ha,
                                    dep->elastotic,
                                    dep->uv_memory,
                                    mmp_act,
                                    dep->readout};
    const struct derm_matrix_coef cc = *c;
    struct step_const K;
    K.age_form_h = c->age_form_ref_h * glucose_ratio;       /* pmol/mg/h at this glucose */
    K.age_form_el_h = c->age_form_el_ref_h * glucose_ratio; /* on elastin */
    K.uptake = uptake;
    K.dt = dt_h;
    K.a0 = 1.0 - c->mmp1_share;
    K.b0 = 1.0 - c->mmp3_share - c->uptake_share;
    K.g_num = 1.0 + c->age_ref / c->age_half;
    K.inv_age_half = 1.0 / c->age_half;
    K.free_num = 1.0 + 1.0 / c->timp_ki;
    K.inv_ki = 1.0 / c->timp_ki;
    derm_chain_decay(c->k_elastotic_h * dt_h, &K.e_ez, &K.p_ez);
    derm_chain_decay(c->k_lmw_h * dt_h, &K.e_hl, &K.p_hl);
    K.phi_ez = derm_chain_phi1(c->k_elastotic_h * dt_h);
    struct signal_in in = {dep->signals, {0}, {0}, g->nx, NULL};
    int any_lazy = 0;
    for (int x = 0; x < NSIG_IN; x++) {
        in.id[x] = derm_matrix_signal_in[x];
        any_lazy |= in.lazy[x] = in.sg && derm_signal_grids_lazy(in.sg, in.id[x]);
    }
    if (!any_lazy) in.sg = NULL;
    const int nt = omp_get_max_threads();
    if (in.sg && !(in.rows = malloc((size_t)nt * NSIG_IN * (size_t)g->nx * sizeof(double))))
        return derm_err_set(err, DERM_ENOMEM, "matrix: out of memory for the signals' interpolation rows");
    double *fsum = dep->field_sums;
    const int failed = advance_layers(g, &A, &in, dep->layers, &cc, &K, nt, part, fsum);
    free(in.rows);
    if (failed)
        return derm_err_set(err, DERM_ENOMEM,
                            "matrix: out of memory for the deposits' layer scratch (matrix partly advanced)");
    double fl[DERM_MATRIX_NFLUX] = {0}, nbad = 0.0;
    for (int64_t k = 0; k < nz; k++) { /* layers added in order: independent of the thread count */
        const double *pk = part + (DERM_MATRIX_NFLUX + 1) * k;
        for (int i = 0; i < DERM_MATRIX_NFLUX; i++) fl[i] += pk[i];
        nbad += pk[DERM_MATRIX_NFLUX];
    }
    if (flux) {
        struct derm_matrix_flux f = {fl[0], fl[1], fl[2], fl[3], fl[4],  fl[5],
                                     fl[6], fl[7], fl[8], fl[9], fl[10], fl[11]};
        *flux = f;
    }
    if (nbad > 0.0)
        return derm_err_set(err, DERM_ENUMERIC,
                            "matrix: %.0f voxel(s) became negative or non-finite during a step of %g h", nbad, dt_h);
    return DERM_OK;
}

derm_status derm_matrix_settle_ha(const struct derm_grid *g, derm_real *const *m, const derm_real *const *sig,
                                  const struct derm_signal_grids *signals, const derm_real *dep_ha,
                                  const struct derm_coupling_layers_spec *ha_layers, const struct derm_matrix_coef *c,
                                  struct derm_err *err)
{
    if (ha_layers && ha_layers->n != 1)
        return derm_err_set(err, DERM_EINTERNAL, "matrix: the HA settle takes one deposit, not %d", ha_layers->n);
    derm_real *hh = m[DERM_M_HA_HMW], *hl = m[DERM_M_HA_LMW];
    const int id[2] = {DERM_S_ROS, DERM_S_IL}; /* the signals read, each a row at a time */
    const int64_t nx = g->nx;
    int lazy[2];
    for (int x = 0; x < 2; x++) lazy[x] = signals && derm_signal_grids_lazy(signals, id[x]);
    double *rows = malloc(2 * (size_t)nx * sizeof *rows);
    derm_real *made = malloc(2 * (size_t)nx * sizeof *made);
    struct derm_coupling_layers cur;
    const int no_layers = ha_layers && derm_coupling_layers_open(&cur, g, ha_layers) != 0;
    if (!rows || !made || no_layers) {
        free(rows);
        free(made);
        if (ha_layers) derm_coupling_layers_close(&cur);
        return derm_err_set(err, DERM_ENOMEM,
                            "matrix: out of memory for the HA settle's signal rows or deposit layers");
    }
    int64_t keys[2] = {-1, -1};
    const int64_t nxy = g->nx * g->ny;
    const derm_real *layer = NULL; /* the deposit's layer of q0 */
    for (int64_t q0 = 0; q0 < g->n; q0 += nx) {
        const int64_t k = q0 / nxy;
        if (q0 % nxy == 0) layer = ha_layers ? derm_coupling_layers_at(&cur, k)[0] : dep_ha + k * nxy;
        const derm_real *p[2];
        for (int x = 0; x < 2; x++) {
            derm_real *out = made + (size_t)x * (size_t)nx;
            if (lazy[x])
                derm_signal_grids_span(signals, 1, &id[x], q0, (int)nx, rows + (size_t)x * (size_t)nx, &keys[x], &out);
            p[x] = lazy[x] ? out : sig[id[x]] + q0;
        }
        for (int64_t i = 0; i < nx; i++) {
            const int64_t v = q0 + i;
            double kh = derm_matrix_ha_rate(c, p[0][i], p[1][i]);
            hh[v] = kh > 0 ? (layer[v - k * nxy] + c->ha_supply) / kh : hh[v];
            hl[v] = c->lmw_yield * kh * hh[v] / c->k_lmw_h;
        }
    }
    free(rows);
    free(made);
    if (ha_layers) derm_coupling_layers_close(&cur);
    return DERM_OK;
}
