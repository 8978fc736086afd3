/* readouts.c - tissue-level readouts (definitions in readouts.h). */
#include "derm/model/readouts.h"

#include "derm/core/simd.h"

double derm_readout_thickness(const struct derm_readout_coef *c, double lz_um, double cr, double er, double zr,
                              double hr)
{
    double rest = 1.0 - c->collagen_volume - c->elastin_volume - c->ha_volume;
    if (rest < 0) rest = 0;
    return lz_um * (c->collagen_volume * cr + c->elastin_volume * (er + c->elastotic_volume_factor * zr) +
                    c->ha_volume * hr + rest);
}

void derm_readout_mmp_susceptibility_sums(const struct derm_readout_coef *c, int64_t n, const derm_real *ci,
                                          const derm_real *cf, const derm_real *ga, double sums[2])
{
    sums[0] = sums[1] = 0.0;
    derm_readout_mmp_susceptibility_add(c, n, ci, cf, ga, sums);
}

DERM_SIMD_CLONES void derm_readout_mmp_susceptibility_add(const struct derm_readout_coef *c, int64_t n,
                                                          const derm_real *ci, const derm_real *cf, const derm_real *ga,
                                                          double sums[2])
{
    /* in strips: the per-voxel weights in a loop that vectorises (core/simd.h), then the two
     * sums voxel by voxel, in order: the bits of one serial loop */
    enum { STRIP = 256 };
    const double xh = c->age_protection;
    double wsum = sums[0], gsum = sums[1], gv[STRIP];
    for (int64_t q0 = 0; q0 < n; q0 += STRIP) {
        const int m = n - q0 < STRIP ? (int)(n - q0) : STRIP;
        const derm_real *restrict a = ci + q0, *restrict b = cf + q0, *restrict g = ga + q0;
#pragma omp simd
        for (int i = 0; i < m; i++) {
            const double tot = a[i] + b[i];
            const double x = tot > 0 ? g[i] / (tot > 0 ? tot : 1.0) : 0.0;
            gv[i] = a[i] / (1.0 + x / xh);
        }
        for (int i = 0; i < m; i++) {
            wsum += a[i];
            gsum += gv[i];
        }
    }
    sums[0] = wsum;
    sums[1] = gsum;
}

double derm_readout_mmp_susceptibility_of(const double sums[2]) { return sums[0] > 0 ? sums[1] / sums[0] : 1.0; }

double derm_readout_mmp_susceptibility(const struct derm_readout_coef *c, int64_t n, const derm_real *ci,
                                       const derm_real *cf, const derm_real *ga)
{
    double sums[2];
    derm_readout_mmp_susceptibility_sums(c, n, ci, cf, ga, sums);
    return derm_readout_mmp_susceptibility_of(sums);
}

double derm_readout_attached_area(const struct derm_readout_coef *c, double intact_mg_per_ml, double attachment)
{
    if (!(intact_mg_per_ml > 0.0) || !(attachment > 0.0)) return 0.0;
    if (attachment > 1.0) attachment = 1.0;
    return attachment * intact_mg_per_ml / (intact_mg_per_ml + c->attachment_binding_half);
}
