/* tissue.h - from matrix composition to the viscoelastic layers under a suction probe.
 *
 * Owns: the constitutive law of a dermal layer from its composition relative to the
 * young-adult layer (a Burgers solid: instantaneous spring G0, delayed Kelvin element G1
 * with time tau1, irreversible dashpot eta_f; suction.h), HA-bound dermal water, and the
 * column a Cutometer probe sees: a fixed epidermis, the dermis as `sublayers` equal slices
 * of the simulated depth profile stretched to the simulated dermal thickness, a soft
 * hypodermis, a rigid base.
 *
 * The mappings (each documented at its parameter in io/params.def):
 * - collagen network N = C^2 k(f) (1 + s_age e_age): intact collagen C (relative to the
 *   young layer) carries load as a connected network; the modulus of fibre networks rises
 *   with concentration about as c^2 (semiflexible networks; MacKintosh 1995, collagen gels
 *   c^2.1); fragmentation cuts load paths beyond the mass it removes,
 *   k(f) = ((1 - f) / (1 - f0))^m (Witt 2024: fragmentation lowers network stiffness);
 *   AGE cross-links stiffen fibres but barely the network (Witt 2024): a small s_age per
 *   young AGE load above the young one, e_age = max(0, X / X0 - 1).
 * - G0 = Ge E + Gci N: functional elastin E sets the low-strain response the 2 s suction
 *   probes and springs back at once (Pond 2018), with the part of the collagen network
 *   already straight;
 * - G1 = Gcd N + Ged E: crimped collagen fibres are recruited as the matrix creeps (the
 *   delayed extension Uv, collagen's linear regime, Pond 2018) and elastic fibres pull the
 *   crept matrix back;
 * - eta1 = tau0 G1y ((1 - w)/(1 - w0))^q (1 + t_age e_age), tau1 = eta1 / G1: the delayed
 *   part is interstitial fluid moving through the fibre network (Sachs / Mazza 2021:
 *   poroelastic dermis), whose resistance rises with the solid fraction 1 - w (w: dermal
 *   water, HA-bound in part; Jackson & James 1986), so a drier dermis is slower; AGE
 *   cross-links slow fibre sliding and recovery (Fessel 2014: less stress relaxation in
 *   cross-linked tissue); a weaker network creeps further and returns more slowly;
 * - eta_f = eta0 (ve E + vc N)^q / (1 + z Zx): the share of the deformation that does not
 *   come back is flow past fibres the elastic network does not hold, and the resistance to
 *   flow past fibres rises faster than their amount (q = 2); elastotic material
 *   (Zx: elastotic above the young amount, relative to young functional elastin) is
 *   non-functional amorphous matrix that deforms and stays deformed.
 * Pure functions with explicit arguments.
 */
#ifndef DERM_MECH_TISSUE_H
#define DERM_MECH_TISSUE_H

#include "derm/mech/suction.h"

struct derm_mech_coef {
    double elastin_modulus, collagen_instant_modulus;         /* G0 shares, kPa, young layer */
    double collagen_delayed_modulus, elastin_delayed_modulus; /* G1 shares, kPa, young layer */
    double delay_time_s, flow_viscosity;                      /* s; kPa s, young layer */
    double fragment_exponent, age_network_stiffening, age_delay_slowing;
    double elastotic_flow, flow_elastin_share, flow_exponent; /* z; ve (vc = 1 - ve); q */
    double poisson;                                           /* instantaneous Poisson ratio of every layer */
    double water_fraction, ha_water_share;    /* young dermal water (volume fraction); share bound by HA */
    double permeability_exponent;             /* q: flow resistance ~ solid fraction^q */
    double epidermis_mm, epidermis_modulus;   /* thickness; shear modulus kPa (elastic) */
    double hypodermis_mm, hypodermis_modulus; /* thickness; shear modulus kPa (elastic) */
    double dermis_mm;                         /* young-adult dermal thickness of the column */
    int sublayers;                            /* dermal slices of the column */
};

/* Composition of one dermal layer relative to the young-adult layer. */
struct derm_mech_composition {
    double collagen;   /* intact collagen / young intact collagen */
    double fragmented; /* fragmented / total collagen (absolute share) */
    double elastin;    /* functional elastin / young functional elastin */
    double elastotic;  /* elastotic material above the young amount / young functional elastin */
    double age_excess; /* AGE per collagen / young AGE per collagen - 1, floored at 0 */
    double ha;         /* high-MW HA / young high-MW HA */
};

/** The Burgers layer (thickness left 0) of a dermal layer of composition x, given the
 *  young fragmented share f0. Moduli are floored at 1e-6 of the young ones, so a collapsed
 *  dermis stays solvable (the readouts then show a very soft, very irreversible skin). */
struct derm_mech_layer derm_tissue_dermal_layer(const struct derm_mech_coef *c, const struct derm_mech_composition *x,
                                                double f0);

/** HA-bound water relative to young: (1 - s) + s H (s: the share of dermal water HA binds). */
double derm_tissue_water_ratio(const struct derm_mech_coef *c, double ha_ratio);

/** Dermal water content (volume fraction): the young fraction times the water ratio,
 *  at most 0.95. */
double derm_tissue_water_content(const struct derm_mech_coef *c, double ha_ratio);

/** The column's dermal thickness (mm): the young c->dermis_mm times the simulated
 *  thickness relative to the young block; a collapsed dermis keeps 1 % (finite readouts). */
double derm_tissue_dermis_mm(const struct derm_mech_coef *c, double relative_thickness);

/** The column under the probe: epidermis, c->sublayers dermal slices of thickness
 *  dermis_mm / sublayers each averaging the nz layers of the simulated profile that fall in
 *  it (compliances in series: 1/G and 1/eta averaged, tau1 from the averaged G1 and
 *  eta1 = G1 tau1), hypodermis. `out` holds c->sublayers + 2 layers; returns that count. */
int derm_tissue_column(const struct derm_mech_coef *c, const struct derm_mech_layer *dermal, int nz, double dermis_mm,
                       struct derm_mech_layer *out);

#endif
