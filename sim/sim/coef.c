/* coef.c - the parameter table to each mechanism's coefficients (see coef.h). */
#include "derm/sim/coef.h"

#include <math.h>
#include <string.h>

#include "derm/core/units.h"

static void build_signals(const struct derm_params *p, struct derm_signal_coef *c)
{
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        c->D_um2_h[q] = p->signal[q].diffusion_um2_per_s * 3600.0;
        c->k_h[q] = DERM_LN2 / p->signal[q].half_life_h;
        c->level[q] = p->signal[q].young_level;
    }
}

static void build_matrix(const struct derm_params *p, struct derm_matrix_coef *e)
{
    const double Y = DERM_HOURS_PER_YEAR, LN2 = DERM_LN2;
    e->k_cleave_h = LN2 / (p->ecm_collagen_half_life_years * Y);
    e->k_clear_h = LN2 / (p->ecm_fragment_half_life_years * Y);
    e->mmp1_share = p->ecm_mmp1_share;
    e->mmp3_share = p->ecm_mmp3_share;
    e->timp_ki = p->ecm_timp_ki;
    e->age_form_ref_h = p->ecm_age_formation_per_year / Y;
    e->age_form_el_ref_h = p->glycation_elastin_formation_per_year / Y;
    e->age_ref = p->ecm_age_initial_pmol_per_mg;
    e->age_half = p->ecm_age_protection_pmol_per_mg;
    e->k_elastin_h = LN2 / (p->ecm_elastin_half_life_years * Y);
    e->k_oxidation_h = p->ecm_elastin_oxidation_per_year / Y;
    e->k_elastotic_h = LN2 / (p->ecm_elastotic_half_life_years * Y);
    e->k_ha_h = LN2 / (p->ecm_ha_half_life_days * DERM_HOURS_PER_DAY);
    e->k_lmw_h = LN2 / (p->ecm_ha_lmw_half_life_days * DERM_HOURS_PER_DAY);
    e->lmw_yield = p->ecm_ha_lmw_yield;
    e->ha_ros_frag = p->ecm_ha_ros_fragmentation;
    e->ha_ros_weight = p->ecm_ha_ros_weight;
    e->uptake_share = p->ecm_fragment_uptake_share;
    e->endo_gain = p->uv_endo180_suppression;
    e->ha_supply = (1.0 - p->ecm_ha_fibroblast_share) * e->k_ha_h * p->ecm_ha_density_mg_per_ml;
}

/* Hazards, responses and the SASP of fibroblasts. */
static void build_fibroblast_rules(const struct derm_params *p, const struct derm_grid *g,
                                   struct derm_fibroblast_coef *c)
{
    const double Y = DERM_HOURS_PER_YEAR, Dd = DERM_HOURS_PER_DAY;
    c->voxel_ml = derm_grid_voxel_mm3(g) * 1e-3;
    c->gf_autocrine_share = 1.0 - p->signals_gf_systemic_share;
    c->apoptosis_h = 1.0 / (p->fibroblast_lifespan_years * Y);
    c->damage_h = p->fibroblast_damage_per_year / Y;
    c->damage_apoptosis_gain = p->fibroblast_damage_apoptosis_gain;
    c->senescence_h = p->fibroblast_senescence_per_year / Y;
    c->clearance_h = p->fibroblast_senescent_clearance_per_year / Y;
    c->activation_h = p->fibroblast_activation_per_day / Dd;
    c->deactivation_h = p->fibroblast_deactivation_per_day / Dd;
    c->quiescent_division_factor = p->fibroblast_quiescent_division_factor;
    c->crowding_factor = p->fibroblast_crowding_density_factor;
    c->replicative_limit = p->fibroblast_replicative_limit;
    c->gf_half = p->fibroblast_gf_half;
    c->tgfb_half = p->fibroblast_tgfb_half;
    c->activated_synthesis = p->fibroblast_activated_synthesis_factor;
    c->senescent_synthesis = p->fibroblast_senescent_synthesis_factor;
    c->il_inhibition = p->fibroblast_il_synthesis_inhibition;
    c->ros_inhibition = p->fibroblast_ros_synthesis_inhibition;
    c->collapse_half = p->fibroblast_collapse_fragment_half;
    c->collapse_hill = p->fibroblast_collapse_hill;
    c->collapse_synthesis_loss = p->fibroblast_collapse_synthesis_loss;
    c->collapse_mmp1_gain = p->fibroblast_collapse_mmp1_gain;
    c->collapse_division_loss = p->fibroblast_collapse_division_loss;
    c->sasp_mmp1 = p->fibroblast_sasp_mmp1_factor;
    c->sasp_mmp3 = p->fibroblast_sasp_mmp3_factor;
    c->sasp_il = p->fibroblast_sasp_il_factor;
    c->sasp_ros = p->fibroblast_sasp_ros_factor;
    c->il_mmp_gain = p->fibroblast_il_mmp_gain;
    c->ros_mmp_gain = p->fibroblast_ros_mmp_gain;
    c->activated_tgfb = p->fibroblast_activated_tgfb_factor;
    c->ros_damage_gain = p->fibroblast_ros_damage_gain;
}

/* Responses to UV (AP-1), glycation (RAGE) and exosome cargo. */
static void build_fibroblast_exposures(const struct derm_params *p, struct derm_fibroblast_coef *c)
{
    const double Y = DERM_HOURS_PER_YEAR, Dd = DERM_HOURS_PER_DAY;
    c->ap1_time_h = p->uv_ap1_time_h;
    c->ap1_threshold = p->uv_ap1_threshold;
    c->ap1_adapt_h = p->uv_ap1_adaptation_days * Dd;
    c->tgfbr_loss_h = p->uv_tgfbr_loss_per_h;
    c->tgfbr_recovery_h = p->uv_tgfbr_recovery_h;
    c->procollagen_threshold = p->uv_procollagen_threshold;
    c->procollagen_inhibition = p->uv_procollagen_inhibition;
    c->ha_inhibition = p->uv_ha_inhibition;
    c->uv_damage_per_sed = p->uv_damage_per_sed;
    c->uv_chronic_share = p->uv_ap1_chronic_share;
    c->age_young = p->ecm_age_initial_pmol_per_mg > 0.0 ? p->ecm_age_initial_pmol_per_mg : 1.0;
    c->rage_ros = p->glycation_rage_ros_gain;
    c->rage_apoptosis = p->glycation_rage_apoptosis_gain;
    c->rage_synthesis = p->glycation_rage_synthesis_inhibition;
    c->rage_proliferation = p->glycation_rage_proliferation_inhibition;
    c->exo_uptake_h = p->treatment_exosome_uptake_per_h;
    c->exo_effect_h = p->treatment_exosome_effect_days * Dd;
    c->exo_syn_gain = p->treatment_exosome_synthesis_gain;
    c->exo_mmp_inh = p->treatment_exosome_mmp_inhibition;
    c->exo_il_inh = p->treatment_exosome_il_inhibition;
    c->exo_repair_h = p->treatment_exosome_repair_per_year / Y;
}

static void build_cells(const struct derm_params *p, struct derm_coefs *c)
{
    const double Y = DERM_HOURS_PER_YEAR;
    struct derm_progenitor_coef *pc = &c->progenitor;
    pc->differentiation_h = p->stem_differentiation_per_year / Y;
    pc->self_renewal_h = p->stem_self_renewal_per_year / Y;
    pc->death_h = p->stem_death_per_year / Y;
    pc->gf_half = p->fibroblast_gf_half;
    pc->exo_gain = p->treatment_exosome_progenitor_gain;
    struct derm_motility_coef *mo = &c->motility;
    double tq = p->fibroblast_persistence_h / 3.0; /* 3D persistent random walk: D = v^2 tau / 3 */
    mo->motility_quiescent = p->fibroblast_speed_um_per_h * p->fibroblast_speed_um_per_h * tq;
    mo->motility_activated = p->fibroblast_activated_speed_um_per_h * p->fibroblast_activated_speed_um_per_h * tq;
    mo->matrix_hindrance = p->fibroblast_matrix_hindrance;
    mo->matrix_ref = p->ecm_collagen_density_mg_per_ml;
    mo->chemotaxis = p->fibroblast_chemotaxis_um2_per_h;
    c->lifecycle.daughter_spread_um = 0.5 * p->fibroblast_crowding_radius_um;
    c->lifecycle.damage_per_division = p->fibroblast_damage_per_division;
}

static void build_subject(const struct derm_params *p, struct derm_subject_coef *s, struct derm_vascular_coef *v)
{
    s->young_age = p->subject_young_adult_age_years;
    s->systemic_on = p->ageing_systemic;
    s->menopause_on = p->ageing_menopause;
    s->male = p->subject_sex == DERM_SEX_MALE;
    s->menopause_age_years = p->subject_menopause_age_years;
    s->estrogen_postmenopause = p->subject_estrogen_postmenopause;
    s->estrogen_decline_years = p->subject_estrogen_decline_years;
    s->hrt_start_years = p->subject_hrt_start_years;
    s->hrt_end_years = p->subject_hrt_end_years;
    s->hrt_level = p->subject_hrt_level;
    s->male_estrogen = p->subject_male_estrogen;
    s->estrogen_synthesis_weight = p->fibroblast_estrogen_synthesis_weight;
    s->systemic_decline_per_year = p->subject_systemic_decline_per_year;
    s->immune_decline_years = p->fibroblast_immune_decline_years;
    s->stem_vigour_decline_years = p->stem_vigour_decline_years;
    s->collagen_youth_excess = p->subject_collagen_youth_excess;
    s->elastin_youth_excess = p->subject_elastin_youth_excess;
    s->elastin_switch_years = p->subject_elastin_switch_years;
    const double kgf = DERM_LN2 / p->signal[DERM_S_GF].half_life_h;
    v->gf_source_h = p->signals_gf_systemic_share * p->signal[DERM_S_GF].young_level * kgf;
    v->perfusion_loss_per_cigarette = p->oxidative_perfusion_loss_per_cigarette;
}

static void build_start(const struct derm_params *p, struct derm_coefs *c)
{
    struct derm_calibration_coef *cc = &c->calibration;
    cc->collagen_density = p->ecm_collagen_density_mg_per_ml;
    cc->elastin_density = p->ecm_elastin_density_mg_per_ml;
    cc->ha_density = p->ecm_ha_density_mg_per_ml;
    cc->ha_fibroblast_share = p->ecm_ha_fibroblast_share;
    cc->division_per_day = p->fibroblast_division_per_day;
    cc->stem_differentiation_per_year = p->stem_differentiation_per_year;
    cc->stem_self_renewal_per_year = p->stem_self_renewal_per_year;
    cc->stem_death_per_year = p->stem_death_per_year;
    struct derm_initial_coef *ic = &c->initial;
    ic->seed = (uint64_t)p->run_seed;
    ic->age_start_years = p->subject_young_adult_age_years; /* the initial state is the young adult's */
    ic->activation_per_day = p->fibroblast_activation_per_day;
    ic->deactivation_per_day = p->fibroblast_deactivation_per_day;
    ic->initial_divisions_max = p->fibroblast_initial_divisions_max;
    ic->damage_per_year = p->fibroblast_damage_per_year;
    ic->senescence_per_year = p->fibroblast_senescence_per_year;
    ic->clearance_per_year =
        p->fibroblast_senescent_clearance_per_year * derm_subject_immune(&c->subject, ic->age_start_years);
    ic->stem_fraction = p->stem_fraction;
    ic->collagen_density = p->ecm_collagen_density_mg_per_ml;
    ic->elastin_density = p->ecm_elastin_density_mg_per_ml;
    ic->ha_density = p->ecm_ha_density_mg_per_ml;
    ic->age_per_collagen = p->ecm_age_initial_pmol_per_mg;
    ic->elastin_age_form_per_year = p->glycation_elastin_formation_per_year;
    ic->elastin_half_life_years = p->ecm_elastin_half_life_years;
    ic->glucose_ratio = p->subject_glucose_mM / p->glycation_reference_glucose_mM;
    ic->elastin_age_young_per_mg =
        ic->elastin_age_form_per_year * ic->elastin_half_life_years / DERM_LN2 * ic->glucose_ratio *
        (1.0 - exp(-DERM_LN2 * p->subject_young_adult_age_years / ic->elastin_half_life_years));
}

static void build_inputs(const struct derm_params *p, struct derm_coefs *c)
{
    struct derm_uv_coef *uv = &c->uv;
    const double mel_b[6] = {p->uv_epidermis_uvb_type1, p->uv_epidermis_uvb_type2, p->uv_epidermis_uvb_type3,
                             p->uv_epidermis_uvb_type4, p->uv_epidermis_uvb_type5, p->uv_epidermis_uvb_type6};
    const double mel_a[6] = {p->uv_epidermis_uva_type1, p->uv_epidermis_uva_type2, p->uv_epidermis_uva_type3,
                             p->uv_epidermis_uva_type4, p->uv_epidermis_uva_type5, p->uv_epidermis_uva_type6};
    uv->uvb_transmission = p->uv_uvb_transmission * mel_b[p->subject_skin_type - 1];
    uv->uvb_depth_um = p->uv_uvb_depth_um;
    uv->uva_transmission = p->uv_uva_transmission * mel_a[p->subject_skin_type - 1];
    uv->uva_depth_um = p->uv_uva_depth_um;
    uv->uva_ros_weight = p->uv_uva_ros_weight;
    uv->ros_per_sed_h = p->uv_ros_per_sed_h;
    uv->ap1_per_sed_h = p->uv_ap1_per_sed_h;
    uv->elastosis_per_sed = p->uv_elastosis_mg_per_ml_per_sed;
    uv->adapt_per_med_day = p->uv_adaptation_per_med_day;
    uv->adapt_time_h = p->uv_adaptation_days * DERM_HOURS_PER_DAY;
    uv->endo_memory_h = p->uv_endo180_memory_days * DERM_HOURS_PER_DAY;
    c->oxidative.ros_per_cigarette = p->oxidative_ros_per_cigarette;
    c->oxidative.ros_per_pollution = p->oxidative_ros_per_pollution;
    struct derm_treatment_coef *t = &c->treatment;
    t->column_um = p->treatment_column_um;
    t->exosome_level = p->treatment_exosome_level;
    t->gf_level = p->treatment_gf_level;
    t->gf_tgfb_level = p->treatment_gf_tgfb_level;
    t->cm_exosome_share = p->treatment_cm_exosome_share;
    t->topical_intact_fraction = p->treatment_topical_intact_fraction;
    t->exosome_decay_h = DERM_LN2 / p->signal[DERM_S_EXOSOME].half_life_h;
    struct derm_wound_coef *w = &c->wound;
    w->microneedling_fraction = p->wound_microneedling_fraction;
    w->close_h = 1.0 / (p->wound_closure_days * DERM_HOURS_PER_DAY);
    w->remodel_h = 1.0 / (p->wound_remodel_days * DERM_HOURS_PER_DAY);
    w->release_h[DERM_S_TGFB] = p->wound_tgfb_level * DERM_LN2 / p->signal[DERM_S_TGFB].half_life_h;
    w->release_h[DERM_S_GF] = p->wound_gf_level * DERM_LN2 / p->signal[DERM_S_GF].half_life_h;
    w->release_h[DERM_S_CHEMOKINE] = p->wound_chemokine_level * DERM_LN2 / p->signal[DERM_S_CHEMOKINE].half_life_h;
    w->repair_synthesis = p->wound_repair_synthesis_factor;
    w->fill_h = 1.0 / (p->wound_fill_days * DERM_HOURS_PER_DAY);
#define PRESET(src, name)                                                       \
    t->presets[src][DERM_EXO_SYNTHESIS] = p->exosome_source_##name##_synthesis; \
    t->presets[src][DERM_EXO_MMP] = p->exosome_source_##name##_mmp;             \
    t->presets[src][DERM_EXO_IL] = p->exosome_source_##name##_il;               \
    t->presets[src][DERM_EXO_REPAIR] = p->exosome_source_##name##_repair;       \
    t->presets[src][DERM_EXO_PROGENITOR] = p->exosome_source_##name##_progenitor;
    PRESET(DERM_SOURCE_GENERIC, generic)
    PRESET(DERM_SOURCE_ADIPOSE, adipose)
    PRESET(DERM_SOURCE_UMBILICAL_CORD, umbilical_cord)
    PRESET(DERM_SOURCE_BONE_MARROW, bone_marrow)
    PRESET(DERM_SOURCE_DENTAL_PULP, dental_pulp)
    PRESET(DERM_SOURCE_AMNION, amnion)
#undef PRESET
    const double med[6] = {p->uv_med_sed_type1, p->uv_med_sed_type2, p->uv_med_sed_type3,
                           p->uv_med_sed_type4, p->uv_med_sed_type5, p->uv_med_sed_type6};
    c->schedule.glucose_mM = p->subject_glucose_mM;
    c->schedule.med_sed = med[p->subject_skin_type - 1];
    c->uv.med_sed = c->schedule.med_sed;
    c->schedule.uva_erythemal_share = p->uv_uva_erythemal_share;
    c->schedule.reference_uva_uvb_ratio = p->uv_reference_uva_uvb_ratio;
}

/* The ageing.* switches that act on mechanisms' coefficients (the subject's curves read
 * theirs in model/subject.c). */
static void apply_switches(const struct derm_params *p, struct derm_coefs *c)
{
    struct derm_fibroblast_coef *f = &c->fibroblast;
    if (!p->ageing_senescence) {
        f->sasp_mmp1 = f->sasp_mmp3 = f->sasp_il = f->sasp_ros = 1.0;
        f->senescent_synthesis = 1.0;
    }
    if (!p->ageing_fragmentation) f->collapse_synthesis_loss = f->collapse_mmp1_gain = f->collapse_division_loss = 0.0;
    if (!p->ageing_oxidative) {
        f->damage_h = 0.0;
        f->ros_damage_gain = 0.0;
    }
    if (!p->ageing_glycation) {
        /* formation equal to what young-adult turnover clears from the young load (the
         * cleared molecules carry 1/(1 + x0/h) of the mean load; model/matrix.c) */
        struct derm_matrix_coef *m = &c->matrix;
        const double turnover = m->k_cleave_h * m->k_clear_h / (m->k_cleave_h + m->k_clear_h);
        m->age_form_ref_h = m->age_ref * turnover / (1.0 + m->age_ref / m->age_half);
        m->age_form_el_ref_h = c->initial.elastin_age_young_per_mg * m->k_elastin_h;
    }
}

/* The suction column's constitutive constants and the Cutometer protocol. */
static void build_mechanics(const struct derm_params *p, struct derm_coefs *c)
{
    struct derm_mech_coef *m = &c->mech;
    m->elastin_modulus = p->mechanics_elastin_modulus_kpa;
    m->collagen_instant_modulus = p->mechanics_collagen_instant_modulus_kpa;
    m->collagen_delayed_modulus = p->mechanics_collagen_delayed_modulus_kpa;
    m->elastin_delayed_modulus = p->mechanics_elastin_delayed_modulus_kpa;
    m->delay_time_s = p->mechanics_delay_time_s;
    m->flow_viscosity = p->mechanics_flow_viscosity_kpa_s;
    m->fragment_exponent = p->mechanics_fragment_exponent;
    m->age_network_stiffening = p->mechanics_age_network_stiffening;
    m->age_delay_slowing = p->mechanics_age_delay_slowing;
    m->elastotic_flow = p->mechanics_elastotic_flow;
    m->flow_elastin_share = p->mechanics_flow_elastin_share;
    m->flow_exponent = p->mechanics_flow_network_exponent;
    m->poisson = p->mechanics_poisson;
    m->water_fraction = p->mechanics_water_fraction;
    m->ha_water_share = p->mechanics_ha_water_share;
    m->permeability_exponent = p->mechanics_permeability_exponent;
    m->epidermis_mm = 1e-3 * p->mechanics_epidermis_um;
    m->epidermis_modulus = p->mechanics_epidermis_modulus_kpa;
    m->hypodermis_mm = p->mechanics_hypodermis_mm;
    m->dermis_mm = p->mechanics_dermis_mm;
    m->hypodermis_modulus = p->mechanics_hypodermis_modulus_kpa;
    m->sublayers = (int)p->mechanics_sublayers;
    c->cutometer = (struct derm_suction_protocol){
        p->cutometer_probe_mm,    p->cutometer_pressure_mbar, p->cutometer_on_s,       p->cutometer_off_s,
        (int)p->cutometer_cycles, p->cutometer_dt_s,          p->cutometer_immediate_s};
    /* the in-run mesh: 4 elements across the aperture radius, sizes growing 50 % per element,
     * the side wall at 15 radii: readouts within 1 % of the verification mesh (8, 1.25, 60;
     * Sneddon's half-space within 0.1 %) at a quarter of its cost (tests/unit/test_mech.c) */
    c->cutometer_mesh = (struct derm_suction_mesh){4, 1.5, 15.0, 1};
    c->cutometer_tolerance = p->cutometer_resolve_tolerance;
}

void derm_coef_build(const struct derm_params *p, const struct derm_grid *g, struct derm_coefs *c)
{
    memset(c, 0, sizeof *c);
    build_signals(p, &c->signal);
    build_matrix(p, &c->matrix);
    build_fibroblast_rules(p, g, &c->fibroblast);
    build_fibroblast_exposures(p, &c->fibroblast);
    build_cells(p, c);
    build_subject(p, &c->subject, &c->vascular);
    struct derm_readout_coef *r = &c->readout;
    r->collagen_volume = p->ecm_collagen_volume_share;
    r->elastin_volume = p->ecm_elastin_volume_share;
    r->ha_volume = p->ecm_ha_volume_share;
    r->elastotic_volume_factor = p->ecm_elastotic_volume_factor;
    r->age_protection = p->ecm_age_protection_pmol_per_mg;
    r->age_young = p->ecm_age_initial_pmol_per_mg;
    r->attachment_binding_half = p->fibroblast_attachment_binding_half_mg_per_ml;
    build_mechanics(p, c);
    build_start(p, c);
    build_inputs(p, c);
    apply_switches(p, c);
}
