/* ecm.c - exact per-voxel matrix kinetics (equations and sources in ecm.h). */
#include "derm/model/matrix.h"

#include <math.h>
#include <stdlib.h>

#include "derm/store/fields.h"

/* (1 - e^{-x}) / x. For |x| < 0.05 an 8-term series (truncation < x^8/9! < 1e-16):
 * collagen and elastin rates times a week's step are ~1e-3 to 2e-2, so this path avoids
 * the transcendental calls that would otherwise dominate the matrix update. */
static inline double phi1(double x)
{
    if (fabs(x) < 0.05)
        return 1.0 - x * (1.0 / 2 - x * (1.0 / 6 - x * (1.0 / 24 - x * (1.0 / 120 - x * (1.0 / 720 -
               x * (1.0 / 5040 - x * (1.0 / 40320)))))));
    return -expm1(-x) / x;
}

/* The exact chain, inlined in the voxel loop. Two exponentials at most (none when both
 * rates times t are below 0.05); phi1 and the cross term are formed from them, which is
 * accurate to ~1e-14 relative once the argument exceeds 0.05. */
static inline double chain(double P, double a, double b, double yield, double t, double *x, double *y)
{
    const double x0 = *x, y0 = *y;
    const double at = a * t, bt = b * t;
    double ea, pa, eb, pb;
    if (fabs(at) < 0.05) {
        pa = phi1(at);
        ea = 1.0 - at * pa;
    } else {
        ea = exp(-at);
        pa = (1.0 - ea) / at;
    }
    if (fabs(bt) < 0.05) {
        pb = phi1(bt);
        eb = 1.0 - bt * pb;
    } else {
        eb = exp(-bt);
        pb = (1.0 - eb) / bt;
    }
    /* x(t) = x0 e^{-a t} + P t phi1(a t) */
    const double x1 = x0 * ea + P * t * pa;
    const double out = P * t - (x1 - x0); /* mass balance: what left x */
    /* y' = yield a x - b y with a x(s) = P (1 - e^{-a s}) + a x0 e^{-a s}:
     * y(t) = y0 e^{-b t} + yield [P I0 + (a x0 - P) I1], I0 = t phi1(b t),
     * I1 = int_0^t e^{-b(t-s)} e^{-a s} ds = (e^{-a t} - e^{-b t}) / (b - a). */
    const double dt_ = bt - at;
    double i1;
    if (fabs(dt_) < 0.05)
        i1 = (dt_ >= 0.0 ? ea : eb) * t * phi1(fabs(dt_));
    else
        i1 = (ea - eb) / (b - a);
    double y1 = y0 * eb + yield * (P * t * pb + (a * x0 - P) * i1);
    if (y1 < 0.0) y1 = 0.0; /* guards round-off only: every term is non-negative in exact arithmetic */
    *x = x1;
    *y = y1;
    return out;
}

double derm_ecm_chain(double P, double a, double b, double yield, double t, double *x, double *y)
{
    return chain(P, a, b, yield, t, x, y);
}

static inline double mmp_activity(double mmp, double timp, double ki)
{
    if (mmp < 0.0) mmp = 0.0;
    if (timp < 0.0) timp = 0.0;
    return (mmp / (1.0 + timp / ki)) * (1.0 + 1.0 / ki);
}

derm_status derm_ecm_step(const struct derm_grid *g, double *const *m, const double *const *sig,
                          const double *dep_col, const double *dep_el, const double *dep_ha,
                          const double *dep_ez, double *mmp_act, const struct derm_ecm_coef *c, double dt_h,
                          struct derm_ecm_flux *flux, struct derm_err *err)
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
    const struct derm_ecm_coef cc = *c;
    const double dt = dt_h;

    double *part = calloc((size_t)nz * 5, sizeof(double));
    if (!part) return derm_err_set(err, DERM_ENOMEM, "ecm: cannot allocate %lld layer sums", (long long)nz);

#pragma omp parallel for schedule(static) default(none) \
    shared(ci, cf, ga, ef, ez, hh, hl, ea, m1, m3, ti, ros, il_f, dep_col, dep_el, dep_ha, dep_ez, mmp_act, part) \
    firstprivate(cc, dt, nz, nxy)
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
            double cleaved = chain(P, a, b, 1.0, dt, &ci[q], &cf[q]);
            double cleared = cleaved - (cf[q] - f0);
            if (cleared < 0.0) cleared = 0.0;
            s_syn += P * dt;
            s_clv += cleaved;
            s_clr += cleared;
            /* AGE cross-links: leave with cleared fragments, form on all collagen */
            double frac_out = total0 > 0.0 ? cleared / total0 : 0.0;
            if (frac_out > 1.0) frac_out = 1.0;
            double total1 = ci[q] + cf[q];
            ga[q] = ga[q] * (1.0 - frac_out) + cc.age_form_h * total1 * dt;
            /* elastin */
            double rx = ros[q] > 0.0 ? ros[q] : 0.0;
            double ox = cc.k_oxidation_h * rx;
            double kel = cc.k_elastin_h + ox;
            double yield_z = kel > 0.0 ? ox / kel : 0.0;
            const double e0 = ef[q] + ez[q];
            chain(dep_el[q], kel, cc.k_elastotic_h, yield_z, dt, &ef[q], &ez[q]);
            double pz = dep_ez ? dep_ez[q] : 0.0; /* elastotic deposition (UVA): linear, superposed exactly */
            if (pz > 0.0) ez[q] += pz * dt * phi1(cc.k_elastotic_h * dt);
            /* AGE on elastin: leaves with cleared elastin, forms on all of it */
            const double e1 = ef[q] + ez[q];
            double e_out = e0 > 0.0 ? (e0 + (dep_el[q] + pz) * dt - e1) / e0 : 0.0;
            if (e_out < 0.0) e_out = 0.0;
            if (e_out > 1.0) e_out = 1.0;
            ea[q] = ea[q] * (1.0 - e_out) + cc.age_form_el_h * e1 * dt;
            /* hyaluronan */
            double il = il_f[q] > 0.0 ? il_f[q] : 0.0;
            double kh = cc.k_ha_h * ((1.0 - cc.ha_ros_frag) + cc.ha_ros_frag * 0.5 * (rx + il));
            s_ha += chain(dep_ha[q] + cc.ha_supply, kh, cc.k_lmw_h, cc.lmw_yield, dt, &hh[q], &hl[q]);
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
    struct derm_ecm_flux fl = {0};
    double nbad = 0.0;
    for (int64_t k = 0; k < nz; k++) {
        fl.collagen_synth += part[5 * k + 0];
        fl.collagen_cleave += part[5 * k + 1];
        fl.collagen_clear += part[5 * k + 2];
        nbad += part[5 * k + 3];
        fl.ha_degraded += part[5 * k + 4];
    }
    free(part);
    if (flux) *flux = fl;
    if (nbad > 0.0)
        return derm_err_set(err, DERM_ENUMERIC,
                            "ecm: %.0f voxel(s) became negative or non-finite during a step of %g h",
                            nbad, dt_h);
    return DERM_OK;
}
