/* exposure.c - exposures to per-layer UV, ROS and dose records (model and sources in
 * exposure.h). */
#include "derm/inputs/exposure.h"

#include <math.h>

#include "derm/core/units.h"

void derm_exposure_uv_layers(const struct derm_grid *g, const struct derm_uv_coef *uv, const struct derm_exposure *x,
                             double *uvb_k, double *uva_k)
{
    for (int64_t k = 0; k < g->nz; k++) {
        /* mean over the layer of T exp(-z/d): exact layer average, not the centre value */
        const double z0 = (double)k * g->h_um, z1 = z0 + g->h_um;
        double db = uv->uvb_depth_um, da = uv->uva_depth_um;
        double fb = db / g->h_um * (exp(-z0 / db) - exp(-z1 / db));
        double fa = da / g->h_um * (exp(-z0 / da) - exp(-z1 / da));
        uvb_k[k] = x->uvb_sed * uv->uvb_transmission * fb;
        uva_k[k] = x->uva_sed * uv->uva_transmission * fa;
    }
}

double derm_exposure_photoadapt(const struct derm_uv_coef *uv, const struct derm_exposure *x, double dt_h,
                                double *level)
{
    if (!(uv->adapt_time_h > 0.0) || !(uv->med_sed > 0.0)) return 1.0;
    const double med_per_day = (x->uvb_sed + x->uva_sed) / uv->med_sed / dt_h * 24.0;
    const double target = uv->adapt_per_med_day * med_per_day, p0 = *level;
    const double tau = uv->adapt_time_h, keep = exp(-dt_h / tau);
    const double mean = target + (p0 - target) * tau / dt_h * (1.0 - keep);
    *level = target + (p0 - target) * keep;
    return 1.0 / (1.0 + (mean > 0.0 ? mean : 0.0));
}

void derm_exposure_layers(const struct derm_grid *g, const struct derm_uv_coef *uv,
                          const struct derm_oxidative_coef *ox, const struct derm_exposure *x, double uv_factor,
                          double dt_h, struct derm_exposure_layers *L)
{
    derm_exposure_uv_layers(g, uv, x, L->uvb_k, L->uva_k);
    for (int64_t k = 0; k < g->nz; k++) {
        L->uvb_k[k] *= uv_factor;
        L->uva_k[k] *= uv_factor;
    }
    const double sys = ox->ros_per_cigarette * x->cigarettes_per_day + ox->ros_per_pollution * x->pollution;
    L->any_uv = L->any_ros = 0;
    for (int64_t k = 0; k < g->nz; k++) {
        L->uv_k[k] = L->uvb_k[k] + L->uva_k[k];
        L->any_uv |= L->uv_k[k] > 0.0;
        const double weighted = (L->uvb_k[k] + uv->uva_ros_weight * L->uva_k[k]) / dt_h; /* SED/h */
        L->ros_ex_k[k] = sys + uv->ros_per_sed_h * weighted;
        L->any_ros |= L->ros_ex_k[k] != 0.0;
        L->uv_ap1_k[k] = uv->ap1_per_sed_h * weighted;
    }
}

void derm_exposure_uv_records(const struct derm_grid *g, const struct derm_uv_coef *uv,
                              const struct derm_exposure_layers *L, const derm_real *crowd, double dt_h,
                              derm_real *uv_dose, derm_real *uva_dose, derm_real *dep_elastotic)
{
    const int64_t nxy = g->nx * g->ny;
    for (int64_t k = 0; k < g->nz; k++)
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) {
            uv_dose[q] += L->uv_k[k];
            uva_dose[q] += L->uva_k[k];
            dep_elastotic[q] = uv->elastosis_per_sed * L->uva_k[k] / dt_h * crowd[q];
        }
}

void derm_exposure_uv_memory(const struct derm_grid *g, const struct derm_uv_coef *uv, const double *uv_k, double dt_h,
                             derm_real *memory)
{
    const int64_t nxy = g->nx * g->ny;
    const double keep = exp(-dt_h / uv->endo_memory_h);
    for (int64_t k = 0; k < g->nz; k++) {
        const double rate = uv_k ? uv_k[k] / dt_h * DERM_HOURS_PER_DAY : 0.0; /* SED/day */
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) memory[q] = memory[q] * keep + rate * (1.0 - keep);
    }
}

void derm_exposure_add_ros(const struct derm_grid *g, const double *ros_ex_k, double ros_sense, double k_ros,
                           derm_real *src)
{
    const int64_t nxy = g->nx * g->ny;
    const double scale = ros_sense * k_ros;
    for (int64_t k = 0; k < g->nz; k++) {
        const double add = scale * ros_ex_k[k];
        if (add == 0.0) continue;
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) src[q] += add;
    }
}

void derm_exposure_accumulate(struct derm_exposure_totals *t, const struct derm_schedule *s,
                              const struct derm_exposure *x, double dt_h)
{
    const double Y = DERM_HOURS_PER_YEAR;
    for (int i = 0; i < s->n; i++) t->dose[s->e[i].input] += x->dose[i];
    t->dose[DERM_IN_SMOKING] += x->cigarettes_per_day / DERM_CIGARETTES_PER_PACK * dt_h / Y;
    t->dose[DERM_IN_POLLUTION] += x->pollution * dt_h / Y;
    t->uv_unprotected += x->uv_sed_unprotected;
}
