/* wound.c - micro-wounds and their repair (model and sources in wound.h). */
#include "derm/model/wound.h"

#include <math.h>

#include "derm/solve/chain.h"

void derm_wound_session(const struct derm_grid *g, const struct derm_wound_coef *c, double dose, double depth_um,
                        double *open, const double *repair, double *opened)
{
    const double h = g->h_um, lz = (double)g->nz * h;
    double top = depth_um < lz ? depth_um : lz;
    if (top < h) top = h; /* at least the first layer */
    for (int64_t k = 0; k < g->nz; k++) {
        const double share = derm_grid_layer_inside(g, k, top) / h;
        if (!(share > 0.0)) continue;
        double hit = dose * c->microneedling_fraction * share;
        if (hit > 1.0) hit = 1.0;
        double intact = 1.0 - open[k] - repair[k];
        if (intact < 0.0) intact = 0.0;
        open[k] += hit * intact;
        if (opened) opened[k] += hit * intact;
    }
}

void derm_wound_advance(const struct derm_wound_coef *c, int64_t nz, double dt_h, struct derm_wound_layers *w)
{
    const double a = c->close_h, b = c->remodel_h;
    for (int64_t k = 0; k < nz; k++) {
        const double w0 = w->open[k], r0 = w->repair[k];
        if (w0 == 0.0 && r0 == 0.0) {
            w->open_mean[k] = w->repair_mean[k] = 0.0;
            w->synthesis[k] = 1.0;
            continue;
        }
        derm_chain_advance(0.0, a, b, 1.0, dt_h, &w->open[k], &w->repair[k]);
        if (w->open[k] < 0.0) w->open[k] = 0.0;
        if (w->repair[k] < 0.0) w->repair[k] = 0.0;
        /* exact time integrals from the balances: int w = (w0 - w1) / a, int r = (r0 + w0 - w1 - r1) / b */
        const double closed = w0 - w->open[k];
        const double om = closed / (a * dt_h), rm = (r0 + closed - w->repair[k]) / (b * dt_h);
        w->open_mean[k] = om > 0.0 ? om : 0.0;
        w->repair_mean[k] = rm > 0.0 ? rm : 0.0;
        w->synthesis[k] = derm_wound_synthesis_factor(c, w->open_mean[k], w->repair_mean[k]);
    }
}

void derm_wound_step(const struct derm_grid *g, const struct derm_wound_coef *c, double dt_h, double tau_h, int n,
                     const double *dose, const double *depth_um, struct derm_wound_layers *w)
{
    const int64_t nz = g->nz;
    for (int64_t k = 0; k < nz; k++) w->opened[k] = 0.0;
    tau_h = tau_h > 0.0 ? (tau_h < dt_h ? tau_h : dt_h) : 0.0;
    w->tau_h = tau_h;
    if (n == 0 || tau_h == 0.0) { /* no session, or all at the start */
        for (int i = 0; i < n; i++) derm_wound_session(g, c, dose[i], depth_um[i], w->open, w->repair, w->opened);
        derm_wound_advance(c, nz, dt_h, w);
        return;
    }
    derm_wound_advance(c, nz, tau_h, w);
    double *om = w->work, *rm = w->work + nz; /* integrals over [0, tau) */
    for (int64_t k = 0; k < nz; k++) {
        om[k] = w->open_mean[k] * tau_h;
        rm[k] = w->repair_mean[k] * tau_h;
    }
    for (int i = 0; i < n; i++) derm_wound_session(g, c, dose[i], depth_um[i], w->open, w->repair, w->opened);
    const double rest = dt_h - tau_h;
    if (rest > 0.0) derm_wound_advance(c, nz, rest, w);
    for (int64_t k = 0; k < nz; k++) {
        w->open_mean[k] = (om[k] + (rest > 0.0 ? w->open_mean[k] * rest : 0.0)) / dt_h;
        w->repair_mean[k] = (rm[k] + (rest > 0.0 ? w->repair_mean[k] * rest : 0.0)) / dt_h;
        w->synthesis[k] = derm_wound_synthesis_factor(c, w->open_mean[k], w->repair_mean[k]);
    }
}

void derm_wound_add_sources(const struct derm_grid *g, const struct derm_wound_coef *c, const double *open_mean,
                            derm_real *const *src)
{
    for (int s = 0; s < DERM_NSIGNAL; s++)
        if (c->release_h[s] > 0.0) derm_grid_add_layers(g, open_mean, c->release_h[s], src[s]);
}

/* Clear the share d of every field of layer k (voxels q0..q1); returns the layer sums removed
 * per field in rm. */
static void clear_layer(derm_real *const *m, int64_t q0, int64_t q1, double d, double *rm)
{
    for (int f = 0; f < DERM_NMATRIX; f++) {
        double sum = 0.0;
        for (int64_t q = q0; q < q1; q++) {
            const double x = m[f][q] * d;
            m[f][q] -= x;
            sum += x;
        }
        rm[f] = sum;
    }
}

/* Refill of one pool of a layer over the step: the deficit d0 before the step decays by e0
 * (over dt), the new deficit dn by en (over the rest after the sessions); *d receives what
 * is still missing. */
static double refill(double e0, double en, double d0, double dn, double *d)
{
    *d = d0 * e0 + dn * en;
    return d0 * (1.0 - e0) + dn * (1.0 - en);
}

void derm_wound_exchange(const struct derm_grid *g, const struct derm_wound_coef *c, double dt_h,
                         struct derm_wound_layers *w, derm_real *const *m, struct derm_matrix_flux *flux)
{
    const int64_t nxy = g->nx * g->ny;
    const double e0 = exp(-c->fill_h * dt_h), en = exp(-c->fill_h * (dt_h - w->tau_h));
    for (int64_t k = 0; k < g->nz; k++) {
        const int64_t q0 = k * nxy, q1 = q0 + nxy;
        double rm[DERM_NMATRIX] = {0};
        const double d = w->opened[k];
        if (d > 0.0) clear_layer(m, q0, q1, d < 1.0 ? d : 1.0, rm);
        const double new_col = (rm[DERM_M_COLLAGEN_INTACT] + rm[DERM_M_COLLAGEN_FRAGMENTED]) / (double)nxy;
        const double new_el = rm[DERM_M_ELASTIN_FUNCTIONAL] / (double)nxy;
        if (!(w->fill_collagen[k] > 0.0) && !(w->fill_elastin[k] > 0.0) && !(d > 0.0)) continue;
        const double add_col = refill(e0, en, w->fill_collagen[k], new_col, &w->fill_collagen[k]);
        const double add_el = refill(e0, en, w->fill_elastin[k], new_el, &w->fill_elastin[k]);
        for (int64_t q = q0; q < q1; q++) {
            m[DERM_M_COLLAGEN_INTACT][q] += add_col;
            m[DERM_M_ELASTIN_FUNCTIONAL][q] += add_el;
        }
        flux->collagen_cleave += rm[DERM_M_COLLAGEN_INTACT]; /* torn fibres are fragments, then cleared */
        flux->collagen_clear += rm[DERM_M_COLLAGEN_INTACT] + rm[DERM_M_COLLAGEN_FRAGMENTED];
        flux->collagen_synth += add_col * (double)nxy;
        flux->elastin_removed += rm[DERM_M_ELASTIN_FUNCTIONAL] + rm[DERM_M_ELASTIN_ELASTOTIC];
        flux->elastin_synth += add_el * (double)nxy;
        flux->ha_removed += rm[DERM_M_HA_HMW] + rm[DERM_M_HA_LMW];
        flux->age_removed += rm[DERM_M_AGE_AMOUNT];
    }
}
