/* tissue.c - composition to viscoelastic layers (see tissue.h). */
#include "derm/mech/tissue.h"

#include <math.h>

static double pos(double x) { return x > 0 && isfinite(x) ? x : 0.0; }

/* bulk modulus for shear modulus g at Poisson ratio nu */
static double bulk_of(double g, double nu) { return g * 2.0 * (1.0 + nu) / (3.0 * (1.0 - 2.0 * nu)); }

double derm_tissue_water_ratio(const struct derm_mech_coef *c, double ha_ratio)
{
    return (1.0 - c->ha_water_share) + c->ha_water_share * pos(ha_ratio);
}

double derm_tissue_water_content(const struct derm_mech_coef *c, double ha_ratio)
{
    double w = c->water_fraction * derm_tissue_water_ratio(c, ha_ratio);
    return w < 0.95 ? w : 0.95;
}

struct derm_mech_layer derm_tissue_dermal_layer(const struct derm_mech_coef *c, const struct derm_mech_composition *x,
                                                double f0)
{
    const double floor = 1e-6;
    double intact = 1.0 - x->fragmented, intact0 = 1.0 - f0;
    double k = intact0 > 0 ? pow(pos(intact) / intact0, c->fragment_exponent) : 1.0;
    double age = pos(x->age_excess);
    double net = pos(x->collagen) * pos(x->collagen) * k * (1.0 + c->age_network_stiffening * age);
    double el = pos(x->elastin);
    struct derm_mech_layer l = {0};
    double g0y = c->elastin_modulus + c->collagen_instant_modulus;
    l.g0 = c->elastin_modulus * el + c->collagen_instant_modulus * net;
    if (l.g0 < floor * g0y) l.g0 = floor * g0y;
    double g1y = c->collagen_delayed_modulus + c->elastin_delayed_modulus;
    l.g1 = c->collagen_delayed_modulus * net + c->elastin_delayed_modulus * el;
    if (l.g1 < floor * g1y) l.g1 = floor * g1y;
    double solid = (1.0 - derm_tissue_water_content(c, x->ha)) / (1.0 - c->water_fraction);
    double eta1 = c->delay_time_s * g1y * pow(solid, c->permeability_exponent) * (1.0 + c->age_delay_slowing * age);
    l.tau1 = eta1 / l.g1;
    if (l.tau1 < 1e-3 * c->delay_time_s) l.tau1 = 1e-3 * c->delay_time_s;
    double hold = c->flow_elastin_share * el + (1.0 - c->flow_elastin_share) * net;
    if (hold < floor) hold = floor;
    l.eta_f = c->flow_viscosity * pow(hold, c->flow_exponent) / (1.0 + c->elastotic_flow * pos(x->elastotic));
    l.bulk = bulk_of(l.g0, c->poisson);
    return l;
}

double derm_tissue_dermis_mm(const struct derm_mech_coef *c, double rel)
{
    return c->dermis_mm * (rel > 0.01 ? rel : 0.01);
}

int derm_tissue_column(const struct derm_mech_coef *c, const struct derm_mech_layer *d, int nz, double dermis_mm,
                       struct derm_mech_layer *out)
{
    const int ns = c->sublayers;
    out[0] = (struct derm_mech_layer){
        c->epidermis_mm, c->epidermis_modulus, 0, 0, 0, bulk_of(c->epidermis_modulus, c->poisson)};
    for (int j = 0; j < ns; j++) {
        /* model layers [k0, k1) by their overlap with slice j of the profile depth [0, nz) */
        double a = (double)nz * j / ns, b = (double)nz * (j + 1) / ns;
        double w = 0, c0 = 0, c1 = 0, e1 = 0, cf = 0;
        for (int k = (int)floor(a); k < nz && k < b; k++) {
            double lo = k > a ? k : a, hi = k + 1 < b ? k + 1 : b, ov = hi - lo;
            if (ov <= 0) continue;
            w += ov;
            c0 += ov / d[k].g0;
            c1 += ov / d[k].g1;
            e1 += ov / (d[k].g1 * d[k].tau1);
            cf += ov / d[k].eta_f;
        }
        struct derm_mech_layer *l = &out[1 + j];
        l->thick_mm = dermis_mm / ns;
        l->g0 = w / c0;
        l->g1 = w / c1;
        l->tau1 = (w / e1) / l->g1;
        l->eta_f = w / cf;
        l->bulk = bulk_of(l->g0, c->poisson);
    }
    out[ns + 1] = (struct derm_mech_layer){
        c->hypodermis_mm, c->hypodermis_modulus, 0, 0, 0, bulk_of(c->hypodermis_modulus, c->poisson)};
    return ns + 2;
}
