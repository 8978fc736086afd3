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

derm_status derm_matrix_step(const struct derm_grid *g, double *const *m, const double *const *sig,
                             const struct derm_matrix_deposition *dep, double glucose_ratio,
                             const struct derm_matrix_coef *c, double dt_h, double *mmp_act, double *part,
                             struct derm_matrix_flux *flux, struct derm_err *err)
{
    const int64_t nz = g->nz, nxy = g->nx * g->ny;
    double *restrict ci = m[DERM_M_COLLAGEN_INTACT];
    double *restrict cf = m[DERM_M_COLLAGEN_FRAGMENTED];
    double *restrict ga = m[DERM_M_AGE_AMOUNT];
    double *restrict ef = m[DERM_M_ELASTIN_FUNCTIONAL];
    double *restrict ez = m[DERM_M_ELASTIN_ELASTOTIC];
    double *restrict hh = m[DERM_M_HA_HMW];
    double *restrict hl = m[DERM_M_HA_LMW];
    double *restrict ea = m[DERM_M_ELASTIN_AGE_AMOUNT];
    const double *restrict m1 = sig[DERM_S_MMP1];
    const double *restrict m3 = sig[DERM_S_MMP3];
    const double *restrict ti = sig[DERM_S_TIMP];
    const double *restrict ros = sig[DERM_S_ROS];
    const double *restrict il_f = sig[DERM_S_IL];
    const double *restrict dep_col = dep->collagen, *restrict dep_el = dep->elastin, *restrict dep_ha = dep->ha;
    const double *restrict dep_ez = dep->elastotic;
    const struct derm_matrix_coef cc = *c;
    const double age_form_h = c->age_form_ref_h * glucose_ratio;       /* pmol/mg/h at this glucose */
    const double age_form_el_h = c->age_form_el_ref_h * glucose_ratio; /* on elastin */
    const double dt = dt_h;

#pragma omp parallel for schedule(static) default(none) \
    shared(ci, cf, ga, ef, ez, hh, hl, ea, m1, m3, ti, ros, il_f, dep_col, dep_el, dep_ha, dep_ez, mmp_act, part) \
    firstprivate(cc, dt, nz, nxy, age_form_h, age_form_el_h)
    for (int64_t k = 0; k < nz; k++) {
        double s_syn = 0.0, s_clv = 0.0, s_clr = 0.0, s_ha = 0.0, bad = 0.0;
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) {
            /* inputs must be non-negative: the chain's round-off guard must not hide a bad state */
            const int bad_in = ci[q] < 0.0 || cf[q] < 0.0 || ga[q] < 0.0 || ef[q] < 0.0 || ez[q] < 0.0 ||
                               hh[q] < 0.0 || hl[q] < 0.0 || ea[q] < 0.0;
            /* collagen */
            double total0 = ci[q] + cf[q];
            double x_age = total0 > 0.0 ? ga[q] / total0 : cc.age_ref;
            double g_age = (1.0 + cc.age_ref / cc.age_half) / (1.0 + x_age / cc.age_half);
            double a1 = mmp_activity(m1[q], ti[q], cc.timp_ki);
            double a3 = mmp_activity(m3[q], ti[q], cc.timp_ki);
            if (mmp_act) mmp_act[q] = a1;
            double a = cc.k_cleave_h * ((1.0 - cc.mmp1_share) + cc.mmp1_share * a1) * g_age;
            double b = cc.k_clear_h * ((1.0 - cc.mmp3_share) + cc.mmp3_share * a3);
            double P = dep_col[q];
            double f0 = cf[q];
            double cleaved = derm_chain_advance(P, a, b, 1.0, dt, &ci[q], &cf[q]);
            double cleared = cleaved - (cf[q] - f0);
            if (cleared < 0.0) cleared = 0.0;
            s_syn += P * dt;
            s_clv += cleaved;
            s_clr += cleared;
            /* AGE cross-links: leave with cleared fragments, form on all collagen */
            double frac_out = total0 > 0.0 ? cleared / total0 : 0.0;
            if (frac_out > 1.0) frac_out = 1.0;
            double total1 = ci[q] + cf[q];
            ga[q] = ga[q] * (1.0 - frac_out) + age_form_h * total1 * dt;
            /* elastin */
            double rx = ros[q] > 0.0 ? ros[q] : 0.0;
            double ox = cc.k_oxidation_h * rx;
            double kel = cc.k_elastin_h + ox;
            double yield_z = kel > 0.0 ? ox / kel : 0.0;
            const double e0 = ef[q] + ez[q];
            derm_chain_advance(dep_el[q], kel, cc.k_elastotic_h, yield_z, dt, &ef[q], &ez[q]);
            double pz = dep_ez ? dep_ez[q] : 0.0; /* elastotic deposition (UVA): linear, superposed exactly */
            if (pz > 0.0) ez[q] += pz * dt * derm_chain_phi1(cc.k_elastotic_h * dt);
            /* AGE on elastin: leaves with cleared elastin, forms on all of it */
            const double e1 = ef[q] + ez[q];
            double e_out = e0 > 0.0 ? (e0 + (dep_el[q] + pz) * dt - e1) / e0 : 0.0;
            if (e_out < 0.0) e_out = 0.0;
            if (e_out > 1.0) e_out = 1.0;
            ea[q] = ea[q] * (1.0 - e_out) + age_form_el_h * e1 * dt;
            /* hyaluronan */
            double kh = derm_matrix_ha_rate(&cc, ros[q], il_f[q]);
            s_ha += derm_chain_advance(dep_ha[q] + cc.ha_supply, kh, cc.k_lmw_h, cc.lmw_yield, dt, &hh[q], &hl[q]);
            double chk = ci[q] + cf[q] + ga[q] + ef[q] + ez[q] + hh[q] + hl[q] + ea[q];
            if (bad_in || !isfinite(chk) || ci[q] < 0.0 || cf[q] < 0.0 || ga[q] < 0.0 || ef[q] < 0.0 ||
                ez[q] < 0.0 || hh[q] < 0.0 || hl[q] < 0.0)
                bad += 1.0;
        }
        part[5 * k + 0] = s_syn;
        part[5 * k + 1] = s_clv;
        part[5 * k + 2] = s_clr;
        part[5 * k + 3] = bad;
        part[5 * k + 4] = s_ha;
    }
    struct derm_matrix_flux fl = {0};
    double nbad = 0.0;
    for (int64_t k = 0; k < nz; k++) {
        fl.collagen_synth += part[5 * k + 0];
        fl.collagen_cleave += part[5 * k + 1];
        fl.collagen_clear += part[5 * k + 2];
        nbad += part[5 * k + 3];
        fl.ha_degraded += part[5 * k + 4];
    }
    if (flux) *flux = fl;
    if (nbad > 0.0)
        return derm_err_set(err, DERM_ENUMERIC,
                            "matrix: %.0f voxel(s) became negative or non-finite during a step of %g h",
                            nbad, dt_h);
    return DERM_OK;
}

void derm_matrix_settle_ha(const struct derm_grid *g, double *const *m, const double *const *sig,
                           const double *dep_ha, const struct derm_matrix_coef *c)
{
    double *hh = m[DERM_M_HA_HMW], *hl = m[DERM_M_HA_LMW];
    const double *ros = sig[DERM_S_ROS], *il = sig[DERM_S_IL];
    for (int64_t v = 0; v < g->n; v++) {
        double kh = derm_matrix_ha_rate(c, ros[v], il[v]);
        hh[v] = kh > 0 ? (dep_ha[v] + c->ha_supply) / kh : hh[v];
        hl[v] = c->lmw_yield * kh * hh[v] / c->k_lmw_h;
    }
}
