/* matrix_coef.h - for the unit tests of model/matrix (test_matrix.c,
 * lean/test_lean_kernels.c): the matrix kinetics' coefficients of the default parameters,
 * built from derm_params_defaults with the same unit conversions as sim/sim/coef.c (AGE on
 * elastin is left at 0: a test that wants it sets age_form_el_ref_h), and the check that
 * every pool's budget closes. Include after <cmocka.h>. */
#ifndef DERM_TEST_MATRIX_COEF_H
#define DERM_TEST_MATRIX_COEF_H

#include <math.h>

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

/* Every pool's budget over the domain closes: change = made - removed per the 12-member
 * flux, to tol relative to the pools (m0, m1: the domain totals of the matrix fields, in
 * fields.h order, before and after the step). */
static inline void assert_matrix_budgets_close(const double *m0, const double *m1, const struct derm_matrix_flux *fl,
                                               double tol)
{
    const double col0 = m0[DERM_M_COLLAGEN_INTACT] + m0[DERM_M_COLLAGEN_FRAGMENTED];
    const double col1 = m1[DERM_M_COLLAGEN_INTACT] + m1[DERM_M_COLLAGEN_FRAGMENTED];
    const double el0 = m0[DERM_M_ELASTIN_FUNCTIONAL] + m0[DERM_M_ELASTIN_ELASTOTIC];
    const double el1 = m1[DERM_M_ELASTIN_FUNCTIONAL] + m1[DERM_M_ELASTIN_ELASTOTIC];
    const double ha0 = m0[DERM_M_HA_HMW] + m0[DERM_M_HA_LMW], ha1 = m1[DERM_M_HA_HMW] + m1[DERM_M_HA_LMW];
    assert_true(fabs((col1 - col0) - (fl->collagen_synth - fl->collagen_clear)) <= tol * (col0 + col1));
    assert_true(fabs((m1[DERM_M_COLLAGEN_INTACT] - m0[DERM_M_COLLAGEN_INTACT]) -
                     (fl->collagen_synth - fl->collagen_cleave)) <= tol * (col0 + col1));
    assert_true(fabs((el1 - el0) - (fl->elastin_synth + fl->elastotic_dep - fl->elastin_removed)) <= tol * (el0 + el1));
    assert_true(fabs((ha1 - ha0) - (fl->ha_synth - fl->ha_removed)) <= tol * (ha0 + ha1 + fl->ha_synth));
    assert_true(fabs((m1[DERM_M_HA_HMW] - m0[DERM_M_HA_HMW]) - (fl->ha_synth - fl->ha_degraded)) <=
                tol * (ha0 + ha1 + fl->ha_synth));
    assert_true(fabs((m1[DERM_M_AGE_AMOUNT] - m0[DERM_M_AGE_AMOUNT]) - (fl->age_formed - fl->age_removed)) <=
                tol * (m0[DERM_M_AGE_AMOUNT] + m1[DERM_M_AGE_AMOUNT]));
}

#endif
