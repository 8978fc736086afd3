/* vascular.c - systemic growth-factor supply (model in vascular.h). */
#include "derm/model/vascular.h"

double derm_vascular_gf_source(const struct derm_vascular_coef *c, double systemic, double cigarettes_per_day)
{
    double perfusion = 1.0 - c->perfusion_loss_per_cigarette * cigarettes_per_day;
    if (perfusion < 0.0) perfusion = 0.0;
    return c->gf_source_h * systemic * perfusion;
}
