/* vascular.h - what the blood supply brings: systemic growth factor.
 *
 * Owns: the uniform source of plasma growth factors (IGF-1, PDGF) that diffuse in from the
 * microvasculature: a share of the young-adult growth-factor level (signals.gf_systemic_share)
 * replaced at the signal's decay rate, scaled by the subject's systemic growth support and
 * by perfusion, which smoking lowers (vasoconstriction).
 * Does not: model vessels explicitly (the bottom boundary's vascular sink is in
 * solve/diffusion.c).
 */
#ifndef DERM_MODEL_VASCULAR_H
#define DERM_MODEL_VASCULAR_H

struct derm_vascular_coef {
    double gf_source_h;                  /* au/h in every voxel at young support and full perfusion */
    double perfusion_loss_per_cigarette; /* fractional perfusion loss per cigarette per day */
};

/** Growth-factor source (au/h per voxel) for systemic support `systemic` (1 young) and
 *  `cigarettes_per_day` smoked over the step. */
double derm_vascular_gf_source(const struct derm_vascular_coef *c, double systemic, double cigarettes_per_day);

#endif
