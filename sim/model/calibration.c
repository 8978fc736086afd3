/* calibration.c - the homeostatic calibration (principle in calibration.h). */
#include "derm/model/calibration.h"

#include "derm/core/units.h"

derm_status derm_calibration_secretion(const struct derm_grid *g, struct derm_agents *a,
                                       const struct derm_fibroblast_coef *c, const double *const *m,
                                       const double *const *sig, const double *decay_h, const double *level,
                                       struct derm_cell_rates *rates, struct derm_homeostasis *h, struct derm_err *err)
{
    const double *ci = m[DERM_M_COLLAGEN_INTACT], *cf = m[DERM_M_COLLAGEN_FRAGMENTED];
    for (int64_t r = 0; r < a->n; r++) {
        int64_t v = a->voxel[r];
        a->attachment[r] = derm_fibroblast_attachment(c, cf[v] / (ci[v] + cf[v]));
    }
    /* measured with all growth factor made locally and unit references */
    struct derm_fibroblast_coef all_local = *c;
    all_local.gf_autocrine_share = 1.0;
    for (int q = 0; q < DERM_NSIGNAL; q++) h->secretion_ref[q] = h->sensed_ref[q] = 1.0;
    const struct derm_step_inputs young = derm_step_inputs_young();
    derm_fibroblast_secrete(g, a, &all_local, h, &young, m, sig, rates);
    double sum[DERM_NSIGNAL] = {0};
    int64_t nfib = 0;
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        nfib++;
        for (int q = 0; q < DERM_NSIGNAL; q++) sum[q] += rates->signal[q][r];
    }
    if (nfib == 0)
        return derm_err_set(err, DERM_ECONFIG,
                            "the domain holds no fibroblasts (%g mm^3); expected a larger domain or "
                            "fibroblast.density_per_mm3",
                            (double)g->n * derm_grid_voxel_mm3(g));
    for (int q = 0; q < DERM_NSIGNAL; q++)
        h->secretion_ref[q] = (sum[q] > 0 && level[q] > 0) ? decay_h[q] * level[q] * (double)g->n / sum[q] : 0.0;
    return DERM_OK;
}

/* Division hazard of an activated cell such that births balance losses (apoptosis,
 * clearance of senescent cells, less the progenitor inflow) at the young state. */
static double derived_division_h(const struct derm_agents *a, const struct derm_fibroblast_coef *c,
                                 const struct derm_calibration_coef *cc, int64_t nstem)
{
    double loss = 0.0, capacity = 0.0;
    const double clear_h = c->clearance_h * 1.0; /* young immunity */
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        if (a->state[r] == DERM_STATE_SENESCENT) {
            loss += clear_h;
            continue;
        }
        loss += c->apoptosis_h * (1.0 + c->damage_apoptosis_gain * a->damage[r]);
        double st = a->state[r] == DERM_STATE_ACTIVATED ? 1.0 : c->quiescent_division_factor;
        capacity +=
            st * (1.0 - c->collapse_division_loss * (1.0 - a->attachment[r])) * (1.0 - 1.0 / c->crowding_factor);
    }
    double inflow = (double)nstem * cc->stem_differentiation_per_year / DERM_HOURS_PER_YEAR;
    double need = loss - inflow;
    return (need > 0 && capacity > 0) ? need / capacity : 0.0;
}

void derm_calibration_synthesis(const struct derm_grid *g, struct derm_agents *a, const struct derm_fibroblast_coef *c,
                                const struct derm_matrix_coef *mc, const struct derm_calibration_coef *cc,
                                const double *density_ref_k, const double *const *m, const double *const *sig,
                                const double *level, struct derm_cell_rates *rates, double *collagen_ref_k,
                                double *elastin_ref_k, double *ha_ref_k, struct derm_homeostasis *h)
{
    int64_t nfib = 0, nstem = 0;
    double sensed[DERM_NSIGNAL] = {0};
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) {
            nstem++;
            continue;
        }
        nfib++;
        for (int q = 0; q < DERM_NSIGNAL; q++) sensed[q] += sig[q][a->voxel[r]];
    }
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        double mean = nfib ? sensed[q] / (double)nfib : 0.0;
        h->sensed_ref[q] = (level[q] > 0 && mean > 0) ? mean / level[q] : 1.0;
    }
    /* matrix synthesis: measure mean modifiers with unit per-layer references */
    for (int64_t kk = 0; kk < g->nz; kk++) collagen_ref_k[kk] = elastin_ref_k[kk] = ha_ref_k[kk] = 1.0;
    h->collagen_ref_k = collagen_ref_k;
    h->elastin_ref_k = elastin_ref_k;
    h->ha_ref_k = ha_ref_k;
    const struct derm_step_inputs young = derm_step_inputs_young();
    derm_fibroblast_secrete(g, a, c, h, &young, m, sig, rates);
    double sum_col = 0, sum_el = 0, sum_ha = 0;
    for (int64_t r = 0; r < a->n; r++) {
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        sum_col += rates->collagen[r];
        sum_el += rates->elastin[r];
        sum_ha += rates->ha[r];
    }
    const double m_col = sum_col / (double)nfib, m_el = sum_el / (double)nfib, m_ha = sum_ha / (double)nfib;
    const double I0 = cc->collagen_density, E0 = cc->elastin_density, H0 = cc->ha_density;
    for (int64_t kk = 0; kk < g->nz; kk++) {
        double rho = density_ref_k[kk];
        collagen_ref_k[kk] = rho > 0 ? mc->k_cleave_h * I0 / (rho * m_col) : 0.0;
        elastin_ref_k[kk] = rho > 0 ? mc->k_elastin_h * E0 / (rho * m_el) : 0.0;
        ha_ref_k[kk] = rho > 0 ? cc->ha_fibroblast_share * mc->k_ha_h * H0 / (rho * m_ha) : 0.0;
    }
    h->division_h =
        cc->division_per_day > 0.0 ? cc->division_per_day / DERM_HOURS_PER_DAY : derived_division_h(a, c, cc, nstem);
    /* progenitor niche: the initial pool is the logistic equilibrium at young vigour */
    double sr = cc->stem_self_renewal_per_year, sd = cc->stem_death_per_year;
    double frac = sr > sd ? 1.0 - sd / sr : 0.5;
    h->stem_niche = nstem > 0 ? (double)nstem / frac : 1.0;
}
