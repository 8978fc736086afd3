/* readouts.c - tissue-level readouts (definitions in readouts.h). */
#include "derm/model/readouts.h"

double derm_readout_thickness(const struct derm_readout_coef *c, double lz_um, double cr, double hr)
{
    double wc = c->thickness_collagen_weight, wh = c->thickness_ha_weight;
    double rest = 1.0 - wc - wh;
    if (rest < 0) rest = 0;
    return lz_um * (wc * cr + wh * hr + rest);
}

double derm_readout_mmp_susceptibility(const struct derm_readout_coef *c, int64_t n, const double *ci, const double *cf,
                                       const double *ga)
{
    const double xh = c->age_protection;
    double wsum = 0.0, gsum = 0.0;
    for (int64_t q = 0; q < n; q++) {
        double tot = ci[q] + cf[q];
        double x = tot > 0 ? ga[q] / tot : 0.0;
        wsum += ci[q];
        gsum += ci[q] / (1.0 + x / xh);
    }
    return wsum > 0 ? gsum / wsum : 1.0;
}

double derm_readout_stiffness(const struct derm_readout_coef *c, double x)
{
    const double ks = c->stiffness_per_age, x25 = c->age_young;
    return (1.0 + ks * x) / (1.0 + ks * x25);
}

double derm_readout_viscous_recovery(double stiffness) { return 1.0 / stiffness; }

double derm_readout_attached_area(const struct derm_readout_coef *c, double attachment_mean)
{
    return attachment_mean * c->attached_area_young;
}
