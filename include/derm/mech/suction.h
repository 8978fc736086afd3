/* suction.h - a suction probe (Cutometer) on a layered viscoelastic skin column.
 *
 * Owns: the axisymmetric finite-element solution of the time-dependent deformation of a
 * laterally homogeneous stack of layers (epidermis, dermal sublayers, hypodermis, rigid
 * base) under a circular aperture held at a pressure below ambient, the standard
 * on/off protocol, and the Cutometer parameters of the first cycle.
 *
 * Geometry and boundary conditions (r radial, z depth below the skin surface, u_z > 0
 * downwards): inside the aperture (r < a) the surface carries the suction (a normal
 * traction -dp pulling it up, no shear); outside (r >= a) it rests on the flat probe face,
 * modelled as a rigid, frictionless, infinitely wide wall (u_z = 0, no shear); the base
 * and the far side wall (r = R) are fixed. For a homogeneous elastic half-space this is
 * Sneddon's penny-shaped crack: the dome height is w0 = 4 (1 - nu^2) dp a / (pi E)
 * exactly, i.e. Theret et al. 1988's L = 3 a dp Phi / (2 pi E) with Phi = 2.0 at nu = 1/2
 * (Theret's 2.0-2.1 are for walls of finite width).
 *
 * Material: per layer an isotropic Burgers solid in shear (instantaneous spring G0, a
 * Kelvin-Voigt element G1 with time constant tau1 for the delayed extension, a series
 * dashpot eta_f for the irreversible part) and an elastic bulk modulus K. Each element's
 * internal strains are advanced exactly for a stress held at its end-of-step value
 * (exponential update of the Kelvin element, linear dashpot), so a homogeneous column
 * reproduces the Burgers creep and recovery curve for any time step. Bilinear quadrilateral
 * elements with a mean-dilatation (B-bar) volumetric part (no locking at nu -> 1/2); the stiffness matrix is factorised
 * once (CHOLMOD, simplicial, serial and deterministic) and every time step is one forward/back substitution. Does not:
 * read the simulation state (mech/tissue.h maps composition to layers).
 */
#ifndef DERM_MECH_SUCTION_H
#define DERM_MECH_SUCTION_H

#include "derm/core/status.h"

/* One layer of the column, top to bottom. Moduli in kPa, times in s, viscosity kPa s.
 * g1 <= 0 means no delayed element; eta_f <= 0 means no irreversible flow. */
struct derm_mech_layer {
    double thick_mm;
    double g0, g1, tau1, eta_f, bulk;
};

/* The test: aperture diameter, pressure below ambient, on/off times and cycles, the
 * solver's time step and the delay at which "immediate" extension and retraction are read
 * (the device's 0.1 s). */
struct derm_suction_protocol {
    double probe_mm, pressure_mbar, on_s, off_s;
    int cycles;
    double dt_s, immediate_s;
};

/* Mesh density: elements across the aperture radius, the growth ratio of element sizes
 * away from the aperture and the surface, and the extent of the domain in aperture radii
 * (side wall and, if the layers stop short of it, nothing: the base is the last layer's
 * bottom). `refine` multiplies every element count (convergence studies). */
struct derm_suction_mesh {
    int n_aperture;
    double growth, extent;
    int refine;
};

/* First-cycle Cutometer parameters (Ryu 2008; Krueger 2011; VALIDATION.md C18):
 * Ue immediate extension (at immediate_s after the pressure is applied), Uv = Uf - Ue
 * delayed extension, Uf final extension (end of the on time), Ur immediate retraction
 * (within immediate_s of release), Ua total retraction (at the end of the off time);
 * R0 = Uf, R1 = Uf - Ua, R2 = Ua / Uf, R5 = Ur / Ue, R6 = Uv / Ue, R7 = Ur / Uf, R8 = Ua. */
struct derm_cutometer {
    double ue, uv, uf, ur, ua;
    double r0, r1, r2, r5, r6, r7, r8;
};

/* The deformation-time curve: dome height (mm, upwards) at n samples t (s). */
struct derm_suction_curve {
    int n;
    double *t, *h;
};

/** Solve the protocol on the column (nl layers, top first; the base below the last is
 *  rigid). Fills *out (never NaN: a failure is an error) and, if curve != NULL, the whole
 *  curve (arrays allocated here; free with derm_suction_curve_free). Checks every input
 *  (finite, positive where it must be) and returns DERM_ECONFIG naming the bad one. */
derm_status derm_suction_solve(const struct derm_mech_layer *layers, int nl, const struct derm_suction_protocol *p,
                               const struct derm_suction_mesh *m, struct derm_cutometer *out,
                               struct derm_suction_curve *curve, struct derm_err *err);

void derm_suction_curve_free(struct derm_suction_curve *c);

/** The Cutometer parameters of a curve sampled at dt (first cycle of protocol p). */
void derm_suction_readouts(const struct derm_suction_protocol *p, const double *h, int n, double dt,
                           struct derm_cutometer *out);

/** Closed forms for the tests and the documentation: the dome height of a homogeneous
 *  elastic half-space under the frictionless wall (Sneddon; mm), and the Burgers shear
 *  creep compliance J(t) = 1/G0 + (1 - exp(-t/tau1))/G1 + t/eta_f (1/kPa). */
double derm_suction_halfspace_mm(double probe_mm, double pressure_mbar, double young_kpa, double poisson);
double derm_suction_burgers_compliance(const struct derm_mech_layer *l, double t);

#endif
