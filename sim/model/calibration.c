/* calibration.c - the homeostatic calibration (principle in calibration.h). */
#include "derm/model/calibration.h"

#include <stdlib.h>

#include "derm/core/units.h"

/* What young fibroblasts sense of their own ROS (the mean production factor), and each
 * cell's AP-1 at its steady state for that ROS (a young cell with more damage than the mean
 * makes more ROS and has some AP-1 activity), so MMP secretion is calibrated with it. */
static void young_ros_and_ap1(struct derm_agents *a, const struct derm_fibroblast_coef *c,
                              const struct derm_step_inputs *young, const derm_real *const *m,
                              struct derm_homeostasis *h)
{
    double sum = 0.0;
    int64_t nfib = 0;
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        sum += derm_fibroblast_ros_factor(c, young, a, r, m);
        nfib++;
    }
    h->ros_own_ref = nfib > 0 && sum > 0.0 ? sum / (double)nfib : 1.0;
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        const double excess = derm_fibroblast_ros_factor(c, young, a, r, m) / h->ros_own_ref - 1.0;
        a->ap1[r] = a->ap1_adapted[r] = excess > 0.0 ? excess : 0.0;
    }
}

derm_status derm_calibration_measure(const struct derm_grid *g, struct derm_agents *a,
                                     const struct derm_fibroblast_coef *c, const derm_real *const *m,
                                     const derm_real *const *ones, struct derm_cell_rates *rates,
                                     struct derm_calibration_mean *out, struct derm_err *err)
{
    double *ones_k = malloc((size_t)g->nz * sizeof *ones_k); /* every layer reference 1 */
    if (!ones_k) return derm_err_set(err, DERM_ENOMEM, "calibration: out of memory for %lld layers", (long long)g->nz);
    for (int64_t k = 0; k < g->nz; k++) ones_k[k] = 1.0;
    /* all growth factor made locally, every reference 1, a young-adult step */
    struct derm_fibroblast_coef all_local = *c;
    all_local.gf_autocrine_share = 1.0;
    struct derm_homeostasis unit = {0};
    for (int q = 0; q < DERM_NSIGNAL; q++) unit.secretion_ref[q] = unit.sensed_ref[q] = 1.0;
    unit.collagen_ref_k = unit.elastin_ref_k = unit.ha_ref_k = ones_k;
    unit.ros_own_ref = 1.0;
    double own = 0.0;
    int64_t nfib = 0;
    const struct derm_step_inputs young = derm_step_inputs_young();
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        own += derm_fibroblast_ros_factor(c, &young, a, r, m);
        nfib++;
    }
    unit.ros_own_ref = nfib > 0 && own > 0.0 ? own / (double)nfib : 1.0;
    derm_fibroblast_secrete(g, a, &all_local, &unit, &young, m, ones, rates);
    struct derm_calibration_mean x = {{0}, 0, 0, 0, 1};
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        for (int q = 0; q < DERM_NSIGNAL; q++) x.signal[q] += rates->signal[q][r];
        x.collagen += rates->collagen[r];
        x.elastin += rates->elastin[r];
        x.ha += rates->ha[r];
    }
    const double inv = nfib > 0 ? 1.0 / (double)nfib : 0.0;
    for (int q = 0; q < DERM_NSIGNAL; q++) x.signal[q] *= inv;
    x.collagen *= inv;
    x.elastin *= inv;
    x.ha *= inv;
    *out = x;
    free(ones_k);
    return DERM_OK;
}

void derm_calibration_accumulate(struct derm_calibration_mean *sum, const struct derm_calibration_mean *x)
{
    for (int q = 0; q < DERM_NSIGNAL; q++) sum->signal[q] += x->signal[q];
    sum->collagen += x->collagen;
    sum->elastin += x->elastin;
    sum->ha += x->ha;
    sum->n += 1.0;
}

derm_status derm_calibration_secretion(const struct derm_grid *g, struct derm_agents *a,
                                       const struct derm_fibroblast_coef *c, const derm_real *const *m,
                                       const derm_real *const *ones, const double *decay_h, const double *level,
                                       const struct derm_calibration_mean *avg, struct derm_cell_rates *rates,
                                       struct derm_homeostasis *h, struct derm_calibration_mean *now,
                                       struct derm_err *err)
{
    const derm_real *ci = m[DERM_M_COLLAGEN_INTACT], *cf = m[DERM_M_COLLAGEN_FRAGMENTED];
    int64_t nfib = 0;
    for (int64_t r = 0; r < a->n; r++) {
        int64_t v = a->voxel[r];
        a->attachment[r] = derm_fibroblast_attachment(c, cf[v] / (ci[v] + cf[v]));
        nfib += a->type[r] == DERM_AGENT_FIBROBLAST;
    }
    if (nfib == 0)
        return derm_err_set(err, DERM_ECONFIG,
                            "the domain holds no fibroblasts (%g mm^3); expected a larger domain or "
                            "fibroblast.density_per_mm3",
                            (double)g->n * derm_grid_voxel_mm3(g));
    for (int q = 0; q < DERM_NSIGNAL; q++) h->secretion_ref[q] = h->sensed_ref[q] = 1.0;
    const struct derm_step_inputs young = derm_step_inputs_young();
    young_ros_and_ap1(a, c, &young, m, h);
    DERM_TRY(derm_calibration_measure(g, a, c, m, ones, rates, now, err));
    /* per cell, what the young population makes on average (over the spin-up when given) */
    const struct derm_calibration_mean *ref = avg && avg->n > 0 ? avg : now;
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        const double per_cell = ref->signal[q] / ref->n;
        h->secretion_ref[q] =
            (per_cell > 0 && level[q] > 0) ? decay_h[q] * level[q] * (double)g->n / ((double)nfib * per_cell) : 0.0;
    }
    return DERM_OK;
}

/* (public) Division hazard of an activated cell such that births balance losses (apoptosis,
 * clearance of senescent cells, less the progenitor inflow) at the young state, with each
 * cell's own crowding, growth-factor response and attachment as the rule sees them. */
double derm_calibration_division(const struct derm_agents *a, const struct derm_fibroblast_coef *c,
                                 const struct derm_calibration_coef *cc, const struct derm_homeostasis *h,
                                 const derm_real *gf, const derm_real *crowd, double density_scale)
{
    if (cc->division_per_day > 0.0) return cc->division_per_day / DERM_HOURS_PER_DAY;
    int64_t nstem = 0;
    for (int64_t r = 0; r < a->n; r++) nstem += a->type[r] == DERM_AGENT_STEM;
    double loss = 0.0, capacity = 0.0;
    const double clear_h = c->clearance_h; /* young immunity */
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        if (a->state[r] == DERM_STATE_SENESCENT) {
            loss += clear_h;
            continue;
        }
        loss += c->apoptosis_h * (1.0 + c->damage_apoptosis_gain * a->damage[r]);
        double gfl = gf[r] / h->sensed_ref[DERM_S_GF];
        if (gfl < 0.0) gfl = 0.0;
        /* the share of time activated at the activation balance, not the state drawn now */
        const double ka = c->activation_h * gfl, p_act = ka + c->deactivation_h > 0 ? ka / (ka + c->deactivation_h) : 0;
        double st = p_act + (1.0 - p_act) * c->quiescent_division_factor;
        double crowd_term = 1.0 - density_scale * crowd[r] / c->crowding_factor;
        if (crowd_term < 0.0) crowd_term = 0.0;
        capacity += st * gfl * (1.0 + c->gf_half) / (c->gf_half + gfl) *
                    (1.0 - c->collapse_division_loss * (1.0 - a->attachment[r])) * crowd_term;
    }
    double inflow = (double)nstem * cc->stem_differentiation_per_year / DERM_HOURS_PER_YEAR / density_scale;
    double need = loss - inflow;
    return (need > 0 && capacity > 0) ? need / capacity : 0.0;
}

double derm_calibration_density_scale(const struct derm_grid *g, const struct derm_agents *a,
                                      const double *density_ref_k)
{
    double ref = 0.0;
    for (int64_t k = 0; k < g->nz; k++) ref += density_ref_k[k] * (double)(g->nx * g->ny);
    int64_t now = 0;
    for (int64_t r = 0; r < a->n; r++) now += a->type[r] == DERM_AGENT_FIBROBLAST;
    return (now > 0 && ref > 0.0) ? ref / (double)now : 1.0;
}

void derm_calibration_synthesis(const struct derm_grid *g, struct derm_agents *a, const struct derm_fibroblast_coef *c,
                                const struct derm_matrix_coef *mc, const struct derm_calibration_coef *cc,
                                const double *density_ref_k, const derm_real *crowd, const derm_real *const *m,
                                const derm_real *const *sensed, const double *level,
                                const struct derm_calibration_mean *avg, const struct derm_calibration_mean *now,
                                struct derm_cell_rates *rates, double *collagen_ref_k, double *elastin_ref_k,
                                double *ha_ref_k, struct derm_homeostasis *h)
{
    /* the population's expected composition instead of the one drawn now: ratios of the
     * average to the present per-cell output, both measured with unit references */
    double fs[DERM_NSIGNAL], fc = 1.0, fe = 1.0, fh = 1.0;
    for (int q = 0; q < DERM_NSIGNAL; q++) fs[q] = 1.0;
    if (avg && avg->n > 0 && now) {
        for (int q = 0; q < DERM_NSIGNAL; q++)
            if (now->signal[q] > 0) fs[q] = avg->signal[q] / avg->n / now->signal[q];
        if (now->collagen > 0) fc = avg->collagen / avg->n / now->collagen;
        if (now->elastin > 0) fe = avg->elastin / avg->n / now->elastin;
        if (now->ha > 0) fh = avg->ha / avg->n / now->ha;
    }
    int64_t nfib = 0, nstem = 0;
    double sum[DERM_NSIGNAL] = {0};
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) {
            nstem++;
            continue;
        }
        nfib++;
        for (int q = 0; q < DERM_NSIGNAL; q++) sum[q] += sensed[q][r];
    }
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        double mean = nfib ? sum[q] / (double)nfib : 0.0;
        h->sensed_ref[q] = (level[q] > 0 && mean > 0) ? mean / level[q] * fs[q] : 1.0;
    }
    /* matrix synthesis: measure mean modifiers with unit per-layer references */
    for (int64_t kk = 0; kk < g->nz; kk++) collagen_ref_k[kk] = elastin_ref_k[kk] = ha_ref_k[kk] = 1.0;
    h->collagen_ref_k = collagen_ref_k;
    h->elastin_ref_k = elastin_ref_k;
    h->ha_ref_k = ha_ref_k;
    const struct derm_step_inputs young = derm_step_inputs_young();
    derm_fibroblast_secrete(g, a, c, h, &young, m, sensed, rates);
    double sum_col = 0, sum_el = 0, sum_ha = 0;
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        sum_col += rates->collagen[r];
        sum_el += rates->elastin[r];
        sum_ha += rates->ha[r];
    }
    const double m_col = sum_col / (double)nfib * fc, m_el = sum_el / (double)nfib * fe;
    const double m_ha = sum_ha / (double)nfib * fh;
    const double I0 = cc->collagen_density, E0 = cc->elastin_density, H0 = cc->ha_density;
    for (int64_t kk = 0; kk < g->nz; kk++) {
        double rho = density_ref_k[kk];
        collagen_ref_k[kk] = rho > 0 ? mc->k_cleave_h * I0 / (rho * m_col) : 0.0;
        elastin_ref_k[kk] = rho > 0 ? mc->k_elastin_h * E0 / (rho * m_el) : 0.0;
        ha_ref_k[kk] = rho > 0 ? cc->ha_fibroblast_share * mc->k_ha_h * H0 / (rho * m_ha) : 0.0;
    }
    h->division_h = derm_calibration_division(a, c, cc, h, sensed[DERM_S_GF], crowd,
                                              derm_calibration_density_scale(g, a, density_ref_k));
    /* progenitor niche: the initial pool is the logistic equilibrium at young vigour */
    double sr = cc->stem_self_renewal_per_year, sd = cc->stem_death_per_year;
    double frac = sr > sd ? 1.0 - sd / sr : 0.5;
    h->stem_niche = nstem > 0 ? (double)nstem / frac : 1.0;
}
