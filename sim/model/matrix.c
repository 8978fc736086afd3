/* matrix.c - exact per-voxel matrix kinetics (equations and sources in matrix.h). */
#include "derm/model/matrix.h"

#include <math.h>

#include "derm/solve/chain.h"
#include "derm/store/fields.h"

static inline double mmp_activity(double mmp, double timp, double ki)
{
    if (mmp < 0.0) mmp = 0.0;
    if (timp < 0.0) timp = 0.0;
    return (mmp / (1.0 + timp / ki)) * (1.0 + 1.0 / ki);
}

/* Decays over the step of the rates that are the same in every voxel (elastotic material
 * and low-MW HA clearance), formed once per step (derm_chain_decay). */
struct step_decays {
    double e_ez, p_ez, e_hl, p_hl;
};

/* The arrays one step reads and writes (fields.h order), grid.n each. */
struct matrix_arrays {
    double *ci, *cf, *ga, *ef, *ez, *hh, *hl, *ea;
    const double *m1, *m3, *ti, *ros, *il;
    const double *dep_col, *dep_el, *dep_ha, *dep_ez; /* dep_ez may be NULL */
    const double *uvm;                                /* UV memory, SED/day; may be NULL */
    double *mmp_act;                                  /* may be NULL */
};

/* Collagen of voxel q (intact -> fragmented -> cleared) and the AGE it carries; adds the
 * amounts deposited, cleaved and cleared to sums[0..2]. */
static inline void collagen_voxel(const struct matrix_arrays *A, int64_t q, const struct derm_matrix_coef *cc,
                                  double age_form_h, double uptake, double dt, double *sums)
{
    double total0 = A->ci[q] + A->cf[q];
    double x_age = total0 > 0.0 ? A->ga[q] / total0 : cc->age_ref;
    double g_age = x_age > cc->age_ref ? (1.0 + cc->age_ref / cc->age_half) / (1.0 + x_age / cc->age_half) : 1.0;
    double a1 = mmp_activity(A->m1[q], A->ti[q], cc->timp_ki);
    double a3 = mmp_activity(A->m3[q], A->ti[q], cc->timp_ki);
    if (A->mmp_act) A->mmp_act[q] = a1;
    /* AGE cross-links protect against the MMPs (Bourne 2014), not the other routes */
    double a = cc->k_cleave_h * ((1.0 - cc->mmp1_share) + cc->mmp1_share * a1 * g_age);
    /* UV lowers the fibroblasts' fragment receptor Endo180 (Tang 2013) */
    const double up = A->uvm ? uptake / (1.0 + cc->endo_gain * A->uvm[q]) : uptake;
    double b = cc->k_clear_h *
               ((1.0 - cc->mmp3_share - cc->uptake_share) + cc->mmp3_share * a3 * g_age + cc->uptake_share * up);
    double P = A->dep_col[q];
    double f0 = A->cf[q];
    double cleaved = derm_chain_advance(P, a, b, 1.0, dt, &A->ci[q], &A->cf[q]);
    double cleared = cleaved - (A->cf[q] - f0);
    if (cleared < 0.0) cleared = 0.0;
    sums[0] += P * dt;
    sums[1] += cleaved;
    sums[2] += cleared;
    /* AGE cross-links form on all collagen and leave with cleared fragments, but the least
     * glycated molecules go first: glycated fibrils resist turnover. Over an exponential
     * spread of loads with mean x, a removal that prefers load y in proportion to
     * exp(-y/h) has the relative mean susceptibility g above, and what it removes carries
     * 1/(1 + x/h) of the mean load. The collagen fluxes are not changed by this choice of
     * molecules, only the AGE that leaves with them. */
    const double load_out = 1.0 / (1.0 + x_age / cc->age_half);
    double frac_out = total0 > 0.0 ? cleared / total0 * load_out : 0.0;
    if (frac_out > 1.0) frac_out = 1.0;
    double total1 = A->ci[q] + A->cf[q];
    const double age_out = A->ga[q] * frac_out, age_in = age_form_h * total1 * dt;
    A->ga[q] = A->ga[q] - age_out + age_in;
    sums[10] += age_in;
    sums[11] += age_out;
}

/* Elastin of voxel q (functional -> elastotic -> cleared, plus UVA elastosis) and its AGE. */
static inline void elastin_voxel(const struct matrix_arrays *A, int64_t q, const struct derm_matrix_coef *cc,
                                 const struct step_decays *K, double age_form_el_h, double dt, double *sums)
{
    double rx = A->ros[q] > 0.0 ? A->ros[q] : 0.0;
    double ox = cc->k_oxidation_h * rx;
    double kel = cc->k_elastin_h + ox;
    double yield_z = kel > 0.0 ? ox / kel : 0.0;
    const double e0 = A->ef[q] + A->ez[q];
    double e_el, p_el;
    derm_chain_decay(kel * dt, &e_el, &p_el);
    const double left = derm_chain_advance_with(A->dep_el[q], kel, cc->k_elastotic_h, yield_z, dt, e_el, p_el, K->e_ez,
                                                K->p_ez, &A->ef[q], &A->ez[q]);
    double pz = A->dep_ez ? A->dep_ez[q] : 0.0; /* elastotic deposition (UVA): linear, superposed exactly */
    if (pz > 0.0) A->ez[q] += pz * dt * derm_chain_phi1(cc->k_elastotic_h * dt);
    sums[3] += A->dep_el[q] * dt;
    sums[4] += pz * dt;
    sums[5] += left * yield_z;
    sums[6] += e0 + (A->dep_el[q] + pz) * dt - (A->ef[q] + A->ez[q]);
    /* AGE on elastin: leaves with cleared elastin, forms on all of it */
    const double e1 = A->ef[q] + A->ez[q];
    double e_out = e0 > 0.0 ? (e0 + (A->dep_el[q] + pz) * dt - e1) / e0 : 0.0;
    if (e_out < 0.0) e_out = 0.0;
    if (e_out > 1.0) e_out = 1.0;
    A->ea[q] = A->ea[q] * (1.0 - e_out) + age_form_el_h * e1 * dt;
}

static inline int negative_state(const struct matrix_arrays *A, int64_t q)
{
    return A->ci[q] < 0.0 || A->cf[q] < 0.0 || A->ga[q] < 0.0 || A->ef[q] < 0.0 || A->ez[q] < 0.0 || A->hh[q] < 0.0 ||
           A->hl[q] < 0.0 || A->ea[q] < 0.0;
}

/* One depth layer, serially; its flux sums (struct derm_matrix_flux order) into
 * part[0..DERM_MATRIX_NFLUX) and the count of bad voxels into part[DERM_MATRIX_NFLUX]. */
static void matrix_layer(const struct matrix_arrays *A, int64_t k, int64_t nxy, const struct derm_matrix_coef *cc,
                         const struct step_decays *K, double age_form_h, double age_form_el_h, double uptake, double dt,
                         double *part)
{
    double sums[DERM_MATRIX_NFLUX] = {0}, bad = 0.0;
    for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) {
        /* inputs must be non-negative: the chain's round-off guard must not hide a bad state */
        const int bad_in = negative_state(A, q);
        collagen_voxel(A, q, cc, age_form_h, uptake, dt, sums);
        elastin_voxel(A, q, cc, K, age_form_el_h, dt, sums);
        const double h0 = A->hh[q] + A->hl[q], made = (A->dep_ha[q] + cc->ha_supply) * dt;
        double kh = derm_matrix_ha_rate(cc, A->ros[q], A->il[q]), e_h, p_h;
        derm_chain_decay(kh * dt, &e_h, &p_h);
        sums[8] += derm_chain_advance_with(A->dep_ha[q] + cc->ha_supply, kh, cc->k_lmw_h, cc->lmw_yield, dt, e_h, p_h,
                                           K->e_hl, K->p_hl, &A->hh[q], &A->hl[q]);
        sums[7] += made;
        sums[9] += h0 + made - (A->hh[q] + A->hl[q]);
        double chk = A->ci[q] + A->cf[q] + A->ga[q] + A->ef[q] + A->ez[q] + A->hh[q] + A->hl[q] + A->ea[q];
        if (bad_in || !isfinite(chk) || negative_state(A, q)) bad += 1.0;
    }
    for (int i = 0; i < DERM_MATRIX_NFLUX; i++) part[i] = sums[i];
    part[DERM_MATRIX_NFLUX] = bad;
}

derm_status derm_matrix_step(const struct derm_grid *g, double *const *m, const double *const *sig,
                             const struct derm_matrix_deposition *dep, double glucose_ratio, double uptake,
                             const struct derm_matrix_coef *c, double dt_h, double *mmp_act, double *part,
                             struct derm_matrix_flux *flux, struct derm_err *err)
{
    const int64_t nz = g->nz, nxy = g->nx * g->ny;
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
                                    mmp_act};
    const struct derm_matrix_coef cc = *c;
    const double age_form_h = c->age_form_ref_h * glucose_ratio;       /* pmol/mg/h at this glucose */
    const double age_form_el_h = c->age_form_el_ref_h * glucose_ratio; /* on elastin */
    const double dt = dt_h;
    struct step_decays K;
    derm_chain_decay(c->k_elastotic_h * dt, &K.e_ez, &K.p_ez);
    derm_chain_decay(c->k_lmw_h * dt, &K.e_hl, &K.p_hl);
#pragma omp parallel for schedule(static) default(none) shared(A, cc, K, part) \
    firstprivate(dt, nz, nxy, age_form_h, age_form_el_h, uptake)
    for (int64_t k = 0; k < nz; k++)
        matrix_layer(&A, k, nxy, &cc, &K, age_form_h, age_form_el_h, uptake, dt, part + (DERM_MATRIX_NFLUX + 1) * k);
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

void derm_matrix_settle_ha(const struct derm_grid *g, double *const *m, const double *const *sig, const double *dep_ha,
                           const struct derm_matrix_coef *c)
{
    double *hh = m[DERM_M_HA_HMW], *hl = m[DERM_M_HA_LMW];
    const double *ros = sig[DERM_S_ROS], *il = sig[DERM_S_IL];
    for (int64_t v = 0; v < g->n; v++) {
        double kh = derm_matrix_ha_rate(c, ros[v], il[v]);
        hh[v] = kh > 0 ? (dep_ha[v] + c->ha_supply) / kh : hh[v];
        hl[v] = c->lmw_yield * kh * hh[v] / c->k_lmw_h;
    }
}
