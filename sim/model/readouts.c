/* readouts.c - tissue-level readouts (definitions in readouts.h). */
#include "derm/model/readouts.h"

double derm_readout_thickness(const struct derm_readout_coef *c, double lz_um, double cr, double er, double zr,
                              double hr)
{
    double rest = 1.0 - c->collagen_volume - c->elastin_volume - c->ha_volume;
    if (rest < 0) rest = 0;
    return lz_um * (c->collagen_volume * cr + c->elastin_volume * (er + c->elastotic_volume_factor * zr) +
                    c->ha_volume * hr + rest);
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

double derm_readout_attached_area(const struct derm_readout_coef *c, double intact_mg_per_ml, double attachment)
{
    if (!(intact_mg_per_ml > 0.0) || !(attachment > 0.0)) return 0.0;
    if (attachment > 1.0) attachment = 1.0;
    return attachment * intact_mg_per_ml / (intact_mg_per_ml + c->attachment_binding_half);
}
