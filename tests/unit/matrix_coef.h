/* matrix_coef.h - the matrix kinetics' coefficients of the default parameters, for the unit
 * tests of model/matrix (test_matrix.c, lean/test_lean_kernels.c): built from
 * derm_params_defaults with the same unit conversions as sim/sim/coef.c (AGE on elastin is
 * left at 0: a test that wants it sets age_form_el_ref_h). */
#ifndef DERM_TEST_MATRIX_COEF_H
#define DERM_TEST_MATRIX_COEF_H

#include "derm/core/units.h"
#include "derm/io/params.h"
#include "derm/model/matrix.h"

static inline struct derm_matrix_coef default_coef(void)
{
    struct derm_params p;
    derm_params_defaults(&p);
    const double Y = DERM_HOURS_PER_YEAR, ln2 = 0.6931471805599453;
    struct derm_matrix_coef e = {0};
    e.k_cleave_h = ln2 / (p.ecm_collagen_half_life_years * Y);
    e.k_clear_h = ln2 / (p.ecm_fragment_half_life_years * Y);
    e.mmp1_share = p.ecm_mmp1_share;
    e.mmp3_share = p.ecm_mmp3_share;
    e.timp_ki = p.ecm_timp_ki;
    e.age_form_ref_h = p.ecm_age_formation_per_year / Y; /* at glycation.reference_glucose_mM */
    e.age_ref = p.ecm_age_initial_pmol_per_mg;
    e.age_half = p.ecm_age_protection_pmol_per_mg;
    e.k_elastin_h = ln2 / (p.ecm_elastin_half_life_years * Y);
    e.k_oxidation_h = p.ecm_elastin_oxidation_per_year / Y;
    e.k_elastotic_h = ln2 / (p.ecm_elastotic_half_life_years * Y);
    e.k_ha_h = ln2 / (p.ecm_ha_half_life_days * 24.0);
    e.k_lmw_h = ln2 / (p.ecm_ha_lmw_half_life_days * 24.0);
    e.lmw_yield = p.ecm_ha_lmw_yield;
    e.ha_ros_frag = p.ecm_ha_ros_fragmentation;
    e.ha_ros_weight = p.ecm_ha_ros_weight;
    e.uptake_share = p.ecm_fragment_uptake_share;
    e.endo_gain = p.uv_endo180_suppression;
    e.ha_supply = (1.0 - p.ecm_ha_fibroblast_share) * e.k_ha_h * p.ecm_ha_density_mg_per_ml;
    return e;
}

#endif
