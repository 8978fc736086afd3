/* sim.c - the owning simulation object: initial homeostatic state, the step loop and totals.
 * See sim.h for the calibration principle; equations live in ecm.c and cells.c. */
#include "derm/sim/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/rng.h"
#include "derm/inputs/schedule.h"
#include "derm/model/subject.h"

static const double LN2 = 0.6931471805599453;

/* ---- signal parameters by signal id (same order as DERM_SIGNAL_FIELDS) ---------------- */
static void signal_params(const struct derm_params *p, double *D_um2_h, double *k_h, double *level)
{
#define SIG(id, nm)                                                        \
    D_um2_h[DERM_S_##id] = p->signals_##nm##_diffusion_um2_per_s * 3600.0; \
    k_h[DERM_S_##id] = LN2 / p->signals_##nm##_half_life_h;                \
    level[DERM_S_##id] = p->signals_##nm##_young_level;
    SIG(TGFB, tgfb)
    SIG(MMP1, mmp1)
    SIG(MMP3, mmp3)
    SIG(TIMP, timp)
    SIG(ROS, ros)
    SIG(IL, il)
    SIG(GF, gf)
    SIG(CHEMOKINE, chemokine)
    SIG(EXOSOME, exosome)
#undef SIG
}

double derm_sim_age(const struct derm_sim *s, int64_t step)
{
    return s->p.run_age_start_years + (double)step * s->dt_h / DERM_HOURS_PER_YEAR;
}

/* Layer sums of an array: parallel over layers, serial inside, layers added in order. */
static double layered_sum(const struct derm_grid *g, const double *x)
{
    const int64_t nz = g->nz, nxy = g->nx * g->ny;
    double *part = malloc((size_t)nz * sizeof *part);
    if (!part) { /* fall back to a serial sum: same order, same result */
        double s = 0.0;
        for (int64_t q = 0; q < g->n; q++) s += x[q];
        return s;
    }
#pragma omp parallel for schedule(static) default(none) shared(part, x) firstprivate(nz, nxy)
    for (int64_t k = 0; k < nz; k++) {
        double s = 0.0;
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) s += x[q];
        part[k] = s;
    }
    double s = 0.0;
    for (int64_t k = 0; k < nz; k++) s += part[k];
    free(part);
    return s;
}

/* Refresh the age-dependent members of the rule constants. */
static void update_age_terms(struct derm_sim *s, double age)
{
    const struct derm_params *p = &s->p;
    struct derm_cell_coef *c = &s->cell;
    c->clearance_h = p->fibroblast_senescent_clearance_per_year / DERM_HOURS_PER_YEAR * derm_subject_immune(p, age);
    c->estrogen_synthesis = derm_subject_estrogen_synthesis(p, age);
    c->ros_ageing = derm_subject_ros_ageing(p, age);
    c->elastin_synthesis = derm_subject_elastin_synthesis(p, age);
    double vig = derm_subject_stem_vigour(p, age);
    c->stem_differentiation_h = p->stem_differentiation_per_year / DERM_HOURS_PER_YEAR * vig;
    c->stem_self_renewal_h = p->stem_self_renewal_per_year / DERM_HOURS_PER_YEAR * vig;
}

static void count_stem(struct derm_sim *s)
{
    int64_t n = 0;
    for (int64_t r = 0; r < s->a.n; r++) n += s->a.type[r] == DERM_AGENT_STEM;
    s->cell.stem_count = n;
}

/* Crowding: local fibroblast density (box mean) relative to the young layer density. */
static void compute_crowding(struct derm_sim *s)
{
    const struct derm_grid *g = &s->grid;
    derm_coupling_count(g, &s->bins, &s->a, DERM_AGENT_FIBROBLAST, s->tmp1);
    derm_coupling_box(g, s->crowd_radius, DERM_BOX_MEAN, s->tmp1, s->crowd, s->tmp2);
    const int64_t nxy = g->nx * g->ny;
    for (int64_t k = 0; k < g->nz; k++) {
        double inv = s->density_ref_k[k] > 0 ? 1.0 / s->density_ref_k[k] : 0.0;
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) s->crowd[q] *= inv;
    }
}

/* Scheduled exposures and treatments over [t, t + dt): glucose for AGE formation, UV
 * reaching each layer (damage, ROS, elastosis, the dose record), the ROS excess to hold
 * per layer (UV where absorbed, smoking and pollution everywhere) and the cumulative
 * dose of every input. Treatment sources are added after deposition (add_exposures). */
static void take_exposures(struct derm_sim *s)
{
    const struct derm_params *p = &s->p;
    const struct derm_grid *g = &s->grid;
    const double Y = DERM_HOURS_PER_YEAR, dt = s->dt_h;
    static const double med_sed[7] = {2.5, 2.0, 2.5, 3.5, 4.5, 6.0, 10.0}; /* by skin type (params.def) */
    const struct derm_sched_consts kc = {p->subject_glucose_mM, med_sed[p->subject_skin_type],
                                         p->uv_uva_erythemal_share};
    const double t0 = p->run_age_start_years * Y + (double)s->step * dt;
    struct derm_exposure *x = &s->expo;
    derm_schedule_integrate(&p->schedule, &kc, t0, t0 + dt, x);
    s->glucose_mM = x->glucose_mM;
    s->ecm.age_form_h = p->ecm_age_formation_per_year / Y * (x->glucose_mM / 5.0);
    s->ecm.age_form_el_h = p->glycation_elastin_formation_per_year / Y * (x->glucose_mM / 5.0);
    derm_exposure_uv_layers(g, p, x, s->uvb_k, s->uva_k);
    const double sys = p->oxidative_ros_per_cigarette * x->cigarettes_per_day + p->oxidative_ros_per_pollution * x->pollution;
    int any_uv = 0;
    const int64_t nxy = g->nx * g->ny;
    for (int64_t k = 0; k < g->nz; k++) {
        s->uv_k[k] = s->uvb_k[k] + s->uva_k[k];
        any_uv |= s->uv_k[k] > 0.0;
        const double weighted = (s->uvb_k[k] + p->uv_uva_ros_weight * s->uva_k[k]) / dt; /* SED/h */
        s->ros_ex_k[k] = sys + p->uv_ros_per_sed_h * weighted;
        s->uv_ap1_k[k] = p->uv_ap1_per_sed_h * weighted;
    }
    if (any_uv) /* dose records and UVA elastosis (by local fibroblast density) for every layer */
        for (int64_t k = 0; k < g->nz; k++)
            for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) {
                s->f.state[DERM_ST_UV_DOSE][q] += s->uv_k[k];
                s->f.state[DERM_ST_UVA_DOSE][q] += s->uva_k[k];
                s->dep_elastotic[q] = p->uv_elastosis_mg_per_ml_per_sed * s->uva_k[k] / dt * s->crowd[q];
            }
    s->cell.uv_dose_k = any_uv ? s->uv_k : NULL;
    s->cell.uv_ap1_k = any_uv ? s->uv_ap1_k : NULL;
    for (int i = 0; i < p->schedule.n; i++) s->cum_dose[p->schedule.e[i].input] += x->dose[i];
    s->cum_dose[DERM_IN_SMOKING] += x->cigarettes_per_day / 20.0 * dt / Y;
    s->cum_dose[DERM_IN_POLLUTION] += x->pollution * dt / Y;
    s->cum_uv_unprotected += x->uv_sed_unprotected;
    const double keep = exp(-LN2 / p->signals_exosome_half_life_h * dt);
    for (int q = 0; q < DERM_SOURCE_COUNT; q++) s->exo_mix[q] *= keep;
}

static void add_exposures(struct derm_sim *s)
{
    const double k_ros = LN2 / s->p.signals_ros_half_life_h;
    derm_exposure_add_sources(&s->grid, &s->p, &s->expo, s->ros_ex_k, s->cell.sensed_ref[DERM_S_ROS], k_ros, s->dt_h,
                              s->src, s->exo_mix, s->w_k);
    derm_exposure_mix_emphasis(s->exo_mix, s->cell.exo_mult);
}

/* Deposit per-agent secretion into signal sources and spread matrix synthesis. */
static void deposit(struct derm_sim *s, double age)
{
    const struct derm_grid *g = &s->grid;
    for (int q = 0; q < DERM_NSIGNAL; q++) derm_coupling_deposit(g, &s->bins, s->rates.signal[q], s->src[q]);
    /* systemic growth factor from the vasculature, uniform, falling with age */
    double kgf = LN2 / s->p.signals_gf_half_life_h;
    double perfusion = 1.0 - s->p.oxidative_perfusion_loss_per_cigarette * s->expo.cigarettes_per_day;
    if (perfusion < 0.0) perfusion = 0.0;
    double sys = s->p.signals_gf_systemic_share * s->p.signals_gf_young_level * kgf * derm_subject_systemic(&s->p, age) *
                 perfusion;
    for (int64_t q = 0; q < g->n; q++) s->src[DERM_S_GF][q] += sys;
    derm_coupling_deposit(g, &s->bins, s->rates.collagen, s->tmp1);
    derm_coupling_box(g, s->crowd_radius, DERM_BOX_CONSERVE, s->tmp1, s->dep_collagen, s->tmp2);
    derm_coupling_deposit(g, &s->bins, s->rates.elastin, s->tmp1);
    derm_coupling_box(g, s->crowd_radius, DERM_BOX_CONSERVE, s->tmp1, s->dep_elastin, s->tmp2);
    derm_coupling_deposit(g, &s->bins, s->rates.ha, s->tmp1);
    derm_coupling_box(g, s->crowd_radius, DERM_BOX_CONSERVE, s->tmp1, s->dep_ha, s->tmp2);
}

static derm_status alloc_scratch(struct derm_sim *s, struct derm_err *err)
{
    const size_t n = (size_t)s->grid.n, nz = (size_t)s->grid.nz;
    double **grid_arrays[] = {&s->dep_collagen, &s->dep_elastin, &s->dep_ha, &s->crowd, &s->tmp1, &s->tmp2};
    for (size_t i = 0; i < sizeof grid_arrays / sizeof *grid_arrays; i++)
        if (!(*grid_arrays[i] = calloc(n, sizeof(double)))) goto fail;
    for (int q = 0; q < DERM_NSIGNAL; q++)
        if (!(s->src[q] = calloc(n, sizeof(double)))) goto fail;
    if (!(s->dep_elastotic = calloc(n, sizeof(double)))) goto fail;
    double **layer_arrays[] = {&s->density_ref_k, &s->collagen_ref_k, &s->elastin_ref_k, &s->ha_ref_k,
                               &s->uvb_k, &s->uva_k, &s->uv_k, &s->ros_ex_k, &s->w_k, &s->uv_ap1_k};
    for (size_t i = 0; i < sizeof layer_arrays / sizeof *layer_arrays; i++)
        if (!(*layer_arrays[i] = calloc(nz, sizeof(double)))) goto fail;
    return DERM_OK;
fail:
    return derm_err_set(err, DERM_ENOMEM, "cannot allocate scratch arrays for %lld voxels", (long long)s->grid.n);
}

/* Place the initial cells: fibroblasts layer by layer at the reference density, then
 * progenitors; states, division counts and damage drawn from the young-adult mix. */
static derm_status place_cells(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_params *p = &s->p;
    const struct derm_grid *g = &s->grid;
    const uint64_t seed = (uint64_t)p->run_seed;
    const double lx = derm_grid_lx(g), ly = derm_grid_ly(g), h = g->h_um;
    const double f_act = p->fibroblast_activation_per_day /
                         (p->fibroblast_activation_per_day + p->fibroblast_deactivation_per_day + 1e-300);
    const uint64_t layer_key = 1ULL << 62; /* keys for per-layer draws, disjoint from agent ids */
    int64_t nfib = 0;
    for (int64_t k = 0; k < g->nz; k++) {
        double expect = s->density_ref_k[k] * (double)(g->nx * g->ny);
        int64_t cnt = (int64_t)floor(expect);
        if (derm_rng_uniform(seed, layer_key + (uint64_t)k, 0, DERM_RNG_INIT_POS, 0) < expect - (double)cnt) cnt++;
        DERM_TRY(derm_agents_reserve(&s->a, cnt, err));
        for (int64_t c = 0; c < cnt; c++) {
            int64_t r = derm_agents_append(&s->a, err);
            if (r < 0) return err ? err->code : DERM_ENOMEM;
            uint64_t id = (uint64_t)s->a.id[r];
            s->a.type[r] = DERM_AGENT_FIBROBLAST;
            s->a.x[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 0) * lx;
            s->a.y[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 1) * ly;
            s->a.z[r] = ((double)k + derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 2)) * h;
            s->a.divisions[r] = (int32_t)floor(derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_STATE, 0) *
                                               (double)(p->fibroblast_initial_divisions_max + 1));
            /* damage accumulated along the lineage so far at young ROS */
            double dmg = p->fibroblast_damage_per_year * p->run_age_start_years *
                         derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_STATE, 1);
            s->a.damage[r] = dmg;
            double hs = p->fibroblast_senescence_per_year * dmg * dmg;
            double clear = p->fibroblast_senescent_clearance_per_year * derm_subject_immune(p, p->run_age_start_years);
            double p_sen = hs > 0 ? hs / (hs + clear + 1e-300) : 0.0;
            double u = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_STATE, 2);
            s->a.state[r] = u < p_sen ? DERM_STATE_SENESCENT
                                      : (u < p_sen + (1 - p_sen) * f_act ? DERM_STATE_ACTIVATED : DERM_STATE_QUIESCENT);
            s->a.attachment[r] = 1.0;
            s->a.tgfb_response[r] = 1.0;
            nfib++;
        }
    }
    double sexp = p->stem_fraction * (double)nfib;
    int64_t nstem = (int64_t)floor(sexp);
    if (derm_rng_uniform(seed, layer_key - 1, 0, DERM_RNG_INIT_POS, 0) < sexp - (double)nstem) nstem++;
    for (int64_t c = 0; c < nstem; c++) {
        int64_t r = derm_agents_append(&s->a, err);
        if (r < 0) return err ? err->code : DERM_ENOMEM;
        uint64_t id = (uint64_t)s->a.id[r];
        s->a.type[r] = DERM_AGENT_STEM;
        s->a.state[r] = DERM_STATE_QUIESCENT;
        s->a.x[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 0) * lx;
        s->a.y[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 1) * ly;
        s->a.z[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 2) * derm_grid_lz(g);
        s->a.attachment[r] = 1.0;
        s->a.tgfb_response[r] = 1.0;
    }
    return DERM_OK;
}

static void build_ecm_coef(struct derm_sim *s)
{
    const struct derm_params *p = &s->p;
    const double Y = DERM_HOURS_PER_YEAR;
    struct derm_ecm_coef *e = &s->ecm;
    e->k_cleave_h = LN2 / (p->ecm_collagen_half_life_years * Y);
    e->k_clear_h = LN2 / (p->ecm_fragment_half_life_years * Y);
    e->mmp1_share = p->ecm_mmp1_share;
    e->mmp3_share = p->ecm_mmp3_share;
    e->timp_ki = p->ecm_timp_ki;
    e->age_form_h = p->ecm_age_formation_per_year / Y * (p->subject_glucose_mM / 5.0);
    e->age_form_el_h = p->glycation_elastin_formation_per_year / Y * (p->subject_glucose_mM / 5.0);
    e->age_ref = p->ecm_age_initial_pmol_per_mg;
    e->age_half = p->ecm_age_protection_pmol_per_mg;
    e->k_elastin_h = LN2 / (p->ecm_elastin_half_life_years * Y);
    e->k_oxidation_h = p->ecm_elastin_oxidation_per_year / Y;
    e->k_elastotic_h = LN2 / (p->ecm_elastotic_half_life_years * Y);
    e->k_ha_h = LN2 / (p->ecm_ha_half_life_days * 24.0);
    e->k_lmw_h = LN2 / (p->ecm_ha_lmw_half_life_days * 24.0);
    e->lmw_yield = p->ecm_ha_lmw_yield;
    e->ha_ros_frag = p->ecm_ha_ros_fragmentation;
    e->ha_supply = (1.0 - p->ecm_ha_fibroblast_share) * e->k_ha_h * p->ecm_ha_density_mg_per_ml;
}

static void build_cell_coef(struct derm_sim *s)
{
    const struct derm_params *p = &s->p;
    const double Y = DERM_HOURS_PER_YEAR, Dd = 24.0;
    struct derm_cell_coef *c = &s->cell;
    memset(c, 0, sizeof *c);
    c->collagen_ref_k = s->collagen_ref_k;
    c->elastin_ref_k = s->elastin_ref_k;
    c->ha_ref_k = s->ha_ref_k;
    c->voxel_ml = derm_grid_voxel_mm3(&s->grid) * 1e-3;
    c->gf_autocrine_share = 1.0 - p->signals_gf_systemic_share;
    c->apoptosis_h = 1.0 / (p->fibroblast_lifespan_years * Y);
    c->damage_h = p->fibroblast_damage_per_year / Y;
    c->damage_per_division = p->fibroblast_damage_per_division;
    c->damage_apoptosis_gain = p->fibroblast_damage_apoptosis_gain;
    c->senescence_h = p->fibroblast_senescence_per_year / Y;
    c->activation_h = p->fibroblast_activation_per_day / Dd;
    c->deactivation_h = p->fibroblast_deactivation_per_day / Dd;
    c->division_h = p->fibroblast_division_per_day / Dd;
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
    c->attached_area_young = p->fibroblast_attached_area_young;
    c->sasp_mmp1 = p->fibroblast_sasp_mmp1_factor;
    c->sasp_mmp3 = p->fibroblast_sasp_mmp3_factor;
    c->sasp_il = p->fibroblast_sasp_il_factor;
    c->sasp_ros = p->fibroblast_sasp_ros_factor;
    c->il_mmp_gain = p->fibroblast_il_mmp_gain;
    c->ros_mmp_gain = p->fibroblast_ros_mmp_gain;
    c->activated_tgfb = p->fibroblast_activated_tgfb_factor;
    c->ros_damage_gain = p->fibroblast_ros_damage_gain;
    double tq = p->fibroblast_persistence_h / 3.0;
    c->motility_quiescent = p->fibroblast_speed_um_per_h * p->fibroblast_speed_um_per_h * tq;
    c->motility_activated = p->fibroblast_activated_speed_um_per_h * p->fibroblast_activated_speed_um_per_h * tq;
    c->matrix_hindrance = p->fibroblast_matrix_hindrance;
    c->chemotaxis = p->fibroblast_chemotaxis_um2_per_h;
    c->daughter_spread_um = 0.5 * p->fibroblast_crowding_radius_um;
    c->matrix_ref = p->ecm_collagen_density_mg_per_ml;
    c->stem_death_h = p->stem_death_per_year / Y;
    c->uv_dose_k = NULL;
    c->uv_ap1_k = NULL;
    c->ap1_time_h = p->uv_ap1_time_h;
    c->ap1_threshold = p->uv_ap1_threshold;
    c->ap1_adapt_h = p->uv_ap1_adaptation_days * Dd;
    c->tgfbr_loss_h = p->uv_tgfbr_loss_per_h;
    c->tgfbr_recovery_h = p->uv_tgfbr_recovery_h;
    c->procollagen_threshold = p->uv_procollagen_threshold;
    c->procollagen_inhibition = p->uv_procollagen_inhibition;
    c->ha_inhibition = p->uv_ha_inhibition;
    c->uv_damage_per_sed = p->uv_damage_per_sed;
    c->age_young = p->ecm_age_initial_pmol_per_mg > 0.0 ? p->ecm_age_initial_pmol_per_mg : 1.0;
    c->rage_ros = p->glycation_rage_ros_gain;
    c->rage_apoptosis = p->glycation_rage_apoptosis_gain;
    c->exo_uptake_h = p->treatment_exosome_uptake_per_h;
    c->exo_effect_h = p->treatment_exosome_effect_days * Dd;
    c->exo_syn_gain = p->treatment_exosome_synthesis_gain;
    c->exo_mmp_inh = p->treatment_exosome_mmp_inhibition;
    c->exo_il_inh = p->treatment_exosome_il_inhibition;
    c->exo_repair_h = p->treatment_exosome_repair_per_year / Y;
    c->exo_progenitor_gain = p->treatment_exosome_progenitor_gain;
    for (int q = 0; q < DERM_EXO_NEFFECT; q++) c->exo_mult[q] = 1.0;
    for (int q = 0; q < DERM_NSIGNAL; q++) c->secretion_ref[q] = c->sensed_ref[q] = 1.0;
    /* age-dependent factors at their age-25 reference until update_age_terms runs */
    c->estrogen_synthesis = c->ros_ageing = c->elastin_synthesis = 1.0;
}

/* Homeostatic calibration, part 1: per-cell secretion so that every signal's domain mean
 * equals its young level. Secretion modifiers are measured on the initial population
 * with every signal at its reference. */
static derm_status calibrate_secretion(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    struct derm_cell_coef *c = &s->cell;
    double D[DERM_NSIGNAL], k[DERM_NSIGNAL], level[DERM_NSIGNAL];
    signal_params(&s->p, D, k, level);
    for (int q = 0; q < DERM_NSIGNAL; q++)
        for (int64_t v = 0; v < g->n; v++) s->f.signal[q][v] = 1.0;
    DERM_TRY(derm_bins_build(&s->bins, g, &s->a, err));
    DERM_TRY(derm_cell_rates_reserve(&s->rates, s->a.cap, err));
    const double *ci = s->f.matrix[DERM_M_COLLAGEN_INTACT], *cf = s->f.matrix[DERM_M_COLLAGEN_FRAGMENTED];
    for (int64_t r = 0; r < s->a.n; r++) {
        int64_t v = s->a.voxel[r];
        s->a.attachment[r] = derm_cells_attachment(c, cf[v] / (ci[v] + cf[v]));
    }
    double auto_share = c->gf_autocrine_share;
    c->gf_autocrine_share = 1.0;
    derm_cells_secrete(g, &s->a, c, (const double *const *)s->f.matrix, (const double *const *)s->f.signal, &s->rates);
    c->gf_autocrine_share = auto_share;
    double sum[DERM_NSIGNAL] = {0};
    int64_t nfib = 0;
    for (int64_t r = 0; r < s->a.n; r++) {
        if (s->a.type[r] != DERM_AGENT_FIBROBLAST) continue;
        nfib++;
        for (int q = 0; q < DERM_NSIGNAL; q++) sum[q] += s->rates.signal[q][r];
    }
    if (nfib == 0)
        return derm_err_set(err, DERM_ECONFIG,
                            "the domain holds no fibroblasts (fibroblast.density_per_mm3 = %g over %g mm^3); "
                            "expected a larger domain or density",
                            s->p.fibroblast_density_per_mm3, (double)g->n * derm_grid_voxel_mm3(g));
    for (int q = 0; q < DERM_NSIGNAL; q++)
        c->secretion_ref[q] = (sum[q] > 0 && level[q] > 0) ? k[q] * level[q] * (double)g->n / sum[q] : 0.0;
    return DERM_OK;
}

/* Part 2, after the signals reached their quasi-steady state: what young cells sense,
 * then matrix synthesis per cell (per depth layer) so that deposition balances turnover,
 * the derived division hazard (births balance losses) and the progenitor niche. */
static void calibrate_synthesis(struct derm_sim *s)
{
    struct derm_params *p = &s->p;
    const struct derm_grid *g = &s->grid;
    struct derm_cell_coef *c = &s->cell;
    double D[DERM_NSIGNAL], k[DERM_NSIGNAL], level[DERM_NSIGNAL];
    signal_params(p, D, k, level);
    int64_t nfib = 0, nstem = 0;
    double sensed[DERM_NSIGNAL] = {0};
    for (int64_t r = 0; r < s->a.n; r++) {
        if (s->a.type[r] != DERM_AGENT_FIBROBLAST) {
            nstem++;
            continue;
        }
        nfib++;
        for (int q = 0; q < DERM_NSIGNAL; q++) sensed[q] += s->f.signal[q][s->a.voxel[r]];
    }
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        double m = nfib ? sensed[q] / (double)nfib : 0.0;
        c->sensed_ref[q] = (level[q] > 0 && m > 0) ? m / level[q] : 1.0;
    }
    /* matrix synthesis: measure mean modifiers with unit per-layer references */
    for (int64_t kk = 0; kk < g->nz; kk++) s->collagen_ref_k[kk] = s->elastin_ref_k[kk] = s->ha_ref_k[kk] = 1.0;
    double est = c->estrogen_synthesis, ros = c->ros_ageing, el = c->elastin_synthesis;
    c->estrogen_synthesis = c->ros_ageing = c->elastin_synthesis = 1.0; /* age-25 reference */
    derm_cells_secrete(g, &s->a, c, (const double *const *)s->f.matrix, (const double *const *)s->f.signal, &s->rates);
    c->estrogen_synthesis = est;
    c->ros_ageing = ros;
    c->elastin_synthesis = el;
    double sum_col = 0, sum_el = 0, sum_ha = 0;
    for (int64_t r = 0; r < s->a.n; r++) {
        if (s->a.type[r] != DERM_AGENT_FIBROBLAST) continue;
        sum_col += s->rates.collagen[r];
        sum_el += s->rates.elastin[r];
        sum_ha += s->rates.ha[r];
    }
    const double m_col = sum_col / (double)nfib, m_el = sum_el / (double)nfib, m_ha = sum_ha / (double)nfib;
    const double I0 = p->ecm_collagen_density_mg_per_ml, E0 = p->ecm_elastin_density_mg_per_ml;
    const double H0 = p->ecm_ha_density_mg_per_ml;
    for (int64_t kk = 0; kk < g->nz; kk++) {
        double rho = s->density_ref_k[kk];
        s->collagen_ref_k[kk] = rho > 0 ? s->ecm.k_cleave_h * I0 / (rho * m_col) : 0.0;
        s->elastin_ref_k[kk] = rho > 0 ? s->ecm.k_elastin_h * E0 / (rho * m_el) : 0.0;
        s->ha_ref_k[kk] = rho > 0 ? p->ecm_ha_fibroblast_share * s->ecm.k_ha_h * H0 / (rho * m_ha) : 0.0;
    }
    /* derived division hazard: births balance losses at the reference density */
    if (!(p->fibroblast_division_per_day > 0.0)) {
        double loss = 0.0, capacity = 0.0;
        double clear_h = p->fibroblast_senescent_clearance_per_year / DERM_HOURS_PER_YEAR * derm_subject_immune(p, 25.0);
        for (int64_t r = 0; r < s->a.n; r++) {
            if (s->a.type[r] != DERM_AGENT_FIBROBLAST) continue;
            if (s->a.state[r] == DERM_STATE_SENESCENT) {
                loss += clear_h;
                continue;
            }
            loss += c->apoptosis_h * (1.0 + c->damage_apoptosis_gain * s->a.damage[r]);
            double st = s->a.state[r] == DERM_STATE_ACTIVATED ? 1.0 : c->quiescent_division_factor;
            capacity += st * (1.0 - c->collapse_division_loss * (1.0 - s->a.attachment[r])) *
                        (1.0 - 1.0 / c->crowding_factor);
        }
        double inflow = (double)nstem * p->stem_differentiation_per_year / DERM_HOURS_PER_YEAR;
        double need = loss - inflow;
        c->division_h = (need > 0 && capacity > 0) ? need / capacity : 0.0;
        p->fibroblast_division_per_day = c->division_h * 24.0; /* recorded as derived */
    }
    /* progenitor niche: the initial pool is the logistic equilibrium at young vigour */
    double sr = p->stem_self_renewal_per_year, sd = p->stem_death_per_year;
    double frac = sr > sd ? 1.0 - sd / sr : 0.5;
    c->stem_niche = nstem > 0 ? (double)nstem / frac : 1.0;
}

/* HA turns over in days: start each voxel at its local steady state for the initial
 * deposition and ROS, so the first output row is already in balance. */
static void settle_hyaluronan(struct derm_sim *s)
{
    const struct derm_ecm_coef *e = &s->ecm;
    double *hh = s->f.matrix[DERM_M_HA_HMW], *hl = s->f.matrix[DERM_M_HA_LMW];
    const double *ros = s->f.signal[DERM_S_ROS];
    for (int64_t v = 0; v < s->grid.n; v++) {
        double rx = ros[v] > 0 ? ros[v] : 0.0;
        double il = s->f.signal[DERM_S_IL][v] > 0 ? s->f.signal[DERM_S_IL][v] : 0.0;
        double kh = e->k_ha_h * ((1.0 - e->ha_ros_frag) + e->ha_ros_frag * 0.5 * (rx + il));
        hh[v] = kh > 0 ? (s->dep_ha[v] + e->ha_supply) / kh : hh[v];
        hl[v] = e->lmw_yield * kh * hh[v] / e->k_lmw_h;
    }
}

derm_status derm_sim_create(struct derm_sim **out, const struct derm_params *p, struct derm_err *err)
{
    *out = NULL;
    struct derm_sim *s = calloc(1, sizeof *s);
    if (!s) return derm_err_set(err, DERM_ENOMEM, "cannot allocate the simulation");
    s->p = *p;
    derm_status st = DERM_OK;
    if (derm_grid_init(&s->grid, p->domain_nx, p->domain_ny, p->domain_nz, p->domain_voxel_um) != 0) {
        st = derm_err_set(err, DERM_ECONFIG, "invalid grid %lld x %lld x %lld at %g um",
                          (long long)p->domain_nx, (long long)p->domain_ny, (long long)p->domain_nz, p->domain_voxel_um);
        goto fail;
    }
    const struct derm_grid *g = &s->grid;
    s->dt_h = p->run_dt_hours;
    double span_h = (p->run_age_end_years - p->run_age_start_years) * DERM_HOURS_PER_YEAR;
    s->nsteps = (int64_t)ceil(span_h / s->dt_h - 1e-9);
    if (s->nsteps < 1) s->nsteps = 1;
    if ((st = derm_fields_init(&s->f, g, err)) != DERM_OK) goto fail;
    if ((st = alloc_scratch(s, err)) != DERM_OK) goto fail;
    if ((st = derm_bins_init(&s->bins, g, err)) != DERM_OK) goto fail;
    {
        double vol = derm_grid_voxel_mm3(g);
        for (int64_t k = 0; k < g->nz; k++) {
            double zc = ((double)k + 0.5) * g->h_um;
            double rho = p->fibroblast_density_per_mm3 *
                         (zc < p->domain_papillary_depth_um ? p->fibroblast_papillary_density_ratio : 1.0);
            s->density_ref_k[k] = rho * vol;
        }
        double r = p->fibroblast_crowding_radius_um / g->h_um;
        s->crowd_radius = (int)floor(r + 0.5);
    }
    if ((st = derm_agents_init(&s->a, 1024, err)) != DERM_OK) goto fail;
    if ((st = place_cells(s, err)) != DERM_OK) goto fail;
    build_ecm_coef(s);
    build_cell_coef(s);
    /* matrix: young-adult steady state */
    {
        const double I0 = p->ecm_collagen_density_mg_per_ml;
        const double F0 = I0 * s->ecm.k_cleave_h / s->ecm.k_clear_h;
        const double H0 = p->ecm_ha_density_mg_per_ml;
        const double L0 = s->ecm.lmw_yield * s->ecm.k_ha_h * H0 / s->ecm.k_lmw_h;
        for (int64_t v = 0; v < g->n; v++) {
            s->f.matrix[DERM_M_COLLAGEN_INTACT][v] = I0;
            s->f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = F0;
            s->f.matrix[DERM_M_AGE_AMOUNT][v] = p->ecm_age_initial_pmol_per_mg * (I0 + F0);
            s->f.matrix[DERM_M_ELASTIN_FUNCTIONAL][v] = p->ecm_elastin_density_mg_per_ml;
            s->f.matrix[DERM_M_ELASTIN_ELASTOTIC][v] = 0.0;
            s->f.matrix[DERM_M_HA_HMW][v] = H0;
            s->f.matrix[DERM_M_HA_LMW][v] = L0;
            s->f.matrix[DERM_M_ELASTIN_AGE_AMOUNT][v] =
                p->glycation_elastin_formation_per_year * p->ecm_elastin_half_life_years / LN2 *
                (p->subject_glucose_mM / 5.0) * p->ecm_elastin_density_mg_per_ml *
                (1.0 - exp(-LN2 * p->run_age_start_years / p->ecm_elastin_half_life_years));
            s->f.state[DERM_ST_MMP1_ACTIVITY][v] = 1.0;
        }
    }
    if ((st = calibrate_secretion(s, err)) != DERM_OK) goto fail;
    {
        double D[DERM_NSIGNAL], k[DERM_NSIGNAL], level[DERM_NSIGNAL];
        signal_params(&s->p, D, k, level);
        if ((st = derm_diffusion_create(&s->diff, g, DERM_NSIGNAL, D, k,
                                        p->domain_bottom_boundary == DERM_BOTTOM_VASCULAR, err)) != DERM_OK)
            goto fail;
    }
    /* signals: the quasi-steady state of the initial secretion; then what cells sense,
     * matrix synthesis and division calibrated against it */
    {
        double age = derm_sim_age(s, 0);
        update_age_terms(s, age);
        count_stem(s);
        derm_cells_secrete(g, &s->a, &s->cell, (const double *const *)s->f.matrix,
                           (const double *const *)s->f.signal, &s->rates);
        deposit(s, age);
        for (int q = 0; q < DERM_NSIGNAL; q++) memset(s->f.signal[q], 0, (size_t)g->n * sizeof(double));
        if ((st = derm_diffusion_step(s->diff, s->f.signal, (const double *const *)s->src, 1e6, err)) != DERM_OK)
            goto fail;
        calibrate_synthesis(s);
        derm_cells_secrete(g, &s->a, &s->cell, (const double *const *)s->f.matrix,
                           (const double *const *)s->f.signal, &s->rates);
        deposit(s, age);
        settle_hyaluronan(s);
    }
    {
        const double depth_cm = derm_grid_lz(g) * 1e-4;
        double n = (double)g->n;
        s->young_matrix[0] = (layered_sum(g, s->f.matrix[DERM_M_COLLAGEN_INTACT]) +
                              layered_sum(g, s->f.matrix[DERM_M_COLLAGEN_FRAGMENTED])) / n * depth_cm;
        s->young_matrix[1] = (layered_sum(g, s->f.matrix[DERM_M_HA_HMW]) +
                              layered_sum(g, s->f.matrix[DERM_M_HA_LMW])) / n * depth_cm;
        s->young_matrix[2] = p->ecm_collagen_density_mg_per_ml;
    }
    s->last_flux.collagen_synth = layered_sum(g, s->dep_collagen) * s->dt_h;
    s->last_flux.collagen_cleave = s->last_flux.collagen_clear = s->last_flux.collagen_synth;
    s->last_flux.ha_degraded = (layered_sum(g, s->dep_ha) + s->ecm.ha_supply * (double)g->n) * s->dt_h;
    s->glucose_mM = p->subject_glucose_mM;
    *out = s;
    return DERM_OK;
fail:
    derm_sim_free(s);
    return st;
}

void derm_sim_free(struct derm_sim *s)
{
    if (!s) return;
    derm_diffusion_free(s->diff);
    derm_fields_fini(&s->f);
    derm_agents_fini(&s->a);
    derm_bins_fini(&s->bins);
    derm_cell_rates_fini(&s->rates);
    free(s->dep_collagen);
    free(s->dep_elastin);
    free(s->dep_ha);
    free(s->crowd);
    free(s->tmp1);
    free(s->tmp2);
    for (int q = 0; q < DERM_NSIGNAL; q++) free(s->src[q]);
    free(s->density_ref_k);
    free(s->collagen_ref_k);
    free(s->elastin_ref_k);
    free(s->ha_ref_k);
    free(s->uvb_k);
    free(s->uva_k);
    free(s->uv_k);
    free(s->ros_ex_k);
    free(s->w_k);
    free(s->uv_ap1_k);
    free(s->dep_elastotic);
    free(s);
}

derm_status derm_sim_step(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    const uint64_t seed = (uint64_t)s->p.run_seed;
    const double dt = s->dt_h;
    const double age_mid = derm_sim_age(s, s->step) + 0.5 * dt / DERM_HOURS_PER_YEAR;
    double *const *m = s->f.matrix;
    const double *const *cm = (const double *const *)s->f.matrix;
    const double *const *cs = (const double *const *)s->f.signal;

    /* 1. age-dependent inputs of the subject */
    update_age_terms(s, age_mid);
    count_stem(s);
    /* 2. bin agents by voxel; local crowding */
    DERM_TRY(derm_bins_build(&s->bins, g, &s->a, err));
    compute_crowding(s);
    /* 2b. scheduled exposures and treatments delivered over this step */
    take_exposures(s);
    /* 3. cell rules write intents (death, division, state changes) */
    derm_cells_decide(g, &s->a, &s->cell, cm, cs, s->crowd, seed, s->step, dt);
    /* 4. secretion and synthesis for the new states; deposit into sources */
    DERM_TRY(derm_cell_rates_reserve(&s->rates, s->a.cap, err));
    derm_cells_secrete(g, &s->a, &s->cell, cm, cs, &s->rates);
    deposit(s, age_mid);
    add_exposures(s);
    /* 5. solve the signals over the step */
    DERM_TRY(derm_diffusion_step(s->diff, s->f.signal, (const double *const *)s->src, dt, err));
    /* 6. matrix kinetics with the new signals */
    DERM_TRY(derm_ecm_step(g, m, cs, s->dep_collagen, s->dep_elastin, s->dep_ha,
                           s->cell.uv_dose_k ? s->dep_elastotic : NULL, s->f.state[DERM_ST_MMP1_ACTIVITY], &s->ecm,
                           dt, &s->last_flux, err));
    /* 7. move agents (motility + chemotaxis) */
    derm_cells_move(g, &s->a, &s->cell, cm, s->f.signal[DERM_S_CHEMOKINE], seed, s->step, dt);
    /* 8. births then deaths, in a fixed order */
    DERM_TRY(derm_cells_apply(g, &s->a, &s->cell, seed, s->step, &s->births, &s->deaths, err));
    /* 9. advance the step counter (t = step * dt) */
    s->step++;
    return DERM_OK;
}

void derm_sim_totals(const struct derm_sim *s, double *t)
{
    const struct derm_grid *g = &s->grid;
    const double n = (double)g->n, depth_cm = derm_grid_lz(g) * 1e-4;
    const double areal = depth_cm / n; /* sum of mg/mL over voxels -> mg/cm^2 */
    double msum[DERM_NMATRIX];
    for (int q = 0; q < DERM_NMATRIX; q++) msum[q] = layered_sum(g, s->f.matrix[q]);
    for (int q = 0; q < DERM_NTOTALS; q++) t[q] = 0.0;
    double col = msum[DERM_M_COLLAGEN_INTACT] + msum[DERM_M_COLLAGEN_FRAGMENTED];
    t[DERM_T_COLLAGEN_TOTAL] = col * areal;
    t[DERM_T_COLLAGEN_INTACT_TOTAL] = msum[DERM_M_COLLAGEN_INTACT] * areal;
    t[DERM_T_COLLAGEN_FRAGMENTED_FRACTION] = col > 0 ? msum[DERM_M_COLLAGEN_FRAGMENTED] / col : 0.0;
    double per_year = DERM_HOURS_PER_YEAR / s->dt_h;
    t[DERM_T_COLLAGEN_SYNTHESIS_RATE] = s->last_flux.collagen_synth * areal * per_year;
    t[DERM_T_COLLAGEN_DEGRADATION_RATE] = s->last_flux.collagen_clear * areal * per_year;
    t[DERM_T_COLLAGEN_CLEAVAGE_RATE] = s->last_flux.collagen_cleave * areal * per_year;
    t[DERM_T_COLLAGEN_RESIDENCE_TIME] = s->last_flux.collagen_clear > 0 ? col / s->last_flux.collagen_clear * s->dt_h / DERM_HOURS_PER_YEAR : 0.0;
    t[DERM_T_HA_HALF_LIFE] = s->last_flux.ha_degraded > 0 ? LN2 * msum[DERM_M_HA_HMW] / s->last_flux.ha_degraded * s->dt_h / 24.0 : 0.0;
    t[DERM_T_ELASTIN_FUNCTIONAL_TOTAL] = msum[DERM_M_ELASTIN_FUNCTIONAL] * areal;
    t[DERM_T_ELASTIN_ELASTOTIC_TOTAL] = msum[DERM_M_ELASTIN_ELASTOTIC] * areal;
    t[DERM_T_HA_HMW_TOTAL] = msum[DERM_M_HA_HMW] * areal;
    t[DERM_T_HA_LMW_TOTAL] = msum[DERM_M_HA_LMW] * areal;
    t[DERM_T_AGE_CROSSLINKS_MEAN] = col > 0 ? msum[DERM_M_AGE_AMOUNT] / col : 0.0;
    int64_t nf = 0, nq = 0, na = 0, ns = 0, nstem = 0;
    double syn = 0, att = 0, mmp = 0, ap1 = 0, tgr = 0, dmg = 0, exo = 0;
    for (int64_t r = 0; r < s->a.n; r++) {
        if (s->a.type[r] == DERM_AGENT_STEM) {
            nstem++;
            continue;
        }
        nf++;
        nq += s->a.state[r] == DERM_STATE_QUIESCENT;
        na += s->a.state[r] == DERM_STATE_ACTIVATED;
        ns += s->a.state[r] == DERM_STATE_SENESCENT;
        syn += s->a.collagen_synthesis[r];
        att += s->a.attachment[r];
        mmp += s->a.mmp1_secretion[r];
        ap1 += s->a.ap1[r];
        tgr += s->a.tgfb_response[r];
        dmg += s->a.damage[r];
        exo += s->a.exosome_effect[r];
    }
    t[DERM_T_AP1_MEAN] = nf ? ap1 / (double)nf : 0.0;
    t[DERM_T_TGFB_RESPONSE_MEAN] = nf ? tgr / (double)nf : 0.0;
    t[DERM_T_DAMAGE_MEAN] = nf ? dmg / (double)nf : 0.0;
    t[DERM_T_EXOSOME_EFFECT_MEAN] = nf ? exo / (double)nf : 0.0;
    double vol_mm3 = n * derm_grid_voxel_mm3(g);
    t[DERM_T_COLLAGEN_SYNTHESIS_PER_CELL] = nf ? syn / (double)nf : 0.0;
    t[DERM_T_FIBROBLAST_COUNT] = (double)nf;
    t[DERM_T_FIBROBLAST_QUIESCENT] = (double)nq;
    t[DERM_T_FIBROBLAST_ACTIVATED] = (double)na;
    t[DERM_T_FIBROBLAST_SENESCENT] = (double)ns;
    t[DERM_T_FIBROBLAST_DENSITY] = (double)nf / vol_mm3;
    t[DERM_T_SENESCENT_FRACTION] = nf ? (double)ns / (double)nf : 0.0;
    t[DERM_T_STEM_CELL_COUNT] = (double)nstem;
    t[DERM_T_ATTACHMENT_MEAN] = nf ? att / (double)nf : 0.0;
    t[DERM_T_ATTACHED_AREA_MEAN] = t[DERM_T_ATTACHMENT_MEAN] * s->p.fibroblast_attached_area_young;
    t[DERM_T_MMP1_SECRETION_PER_CELL] = nf ? mmp / (double)nf : 0.0;
    {
        double wc = s->p.ecm_thickness_collagen_weight, wh = s->p.ecm_thickness_ha_weight;
        double rest = 1.0 - wc - wh;
        if (rest < 0) rest = 0;
        double cr = s->young_matrix[0] > 0 ? t[DERM_T_COLLAGEN_TOTAL] / s->young_matrix[0] : 1.0;
        double hr = s->young_matrix[1] > 0 ? (t[DERM_T_HA_HMW_TOTAL] + t[DERM_T_HA_LMW_TOTAL]) / s->young_matrix[1] : 1.0;
        t[DERM_T_DERMAL_THICKNESS] = derm_grid_lz(g) * (wc * cr + wh * hr + rest);
    }
    t[DERM_T_ESTROGEN] = derm_subject_estrogen(&s->p, derm_sim_age(s, s->step));
    /* exposures */
    t[DERM_T_GLUCOSE] = s->glucose_mM;
    t[DERM_T_UV_DOSE_CUMULATIVE] = s->cum_dose[DERM_IN_UV];
    t[DERM_T_UV_DOSE_UNPROTECTED_CUMULATIVE] = s->cum_uv_unprotected;
    t[DERM_T_UV_DOSE_DERMAL_CUMULATIVE] = layered_sum(g, s->f.state[DERM_ST_UV_DOSE]) / n;
    t[DERM_T_SMOKING_PACK_YEARS] = s->cum_dose[DERM_IN_SMOKING];
    t[DERM_T_POLLUTION_INDEX_YEARS] = s->cum_dose[DERM_IN_POLLUTION];
    t[DERM_T_EXOSOME_DOSE_CUMULATIVE] = s->cum_dose[DERM_IN_EXOSOME];
    t[DERM_T_CONDITIONED_MEDIUM_DOSE_CUMULATIVE] = s->cum_dose[DERM_IN_CONDITIONED_MEDIUM];
    t[DERM_T_GROWTH_FACTOR_DOSE_CUMULATIVE] = s->cum_dose[DERM_IN_GROWTH_FACTOR];
    t[DERM_T_MICRONEEDLING_CUMULATIVE] = s->cum_dose[DERM_IN_MICRONEEDLING];
    t[DERM_T_MMP1_ACTIVITY_MEAN] = layered_sum(g, s->f.state[DERM_ST_MMP1_ACTIVITY]) / n;
    {
        double el = msum[DERM_M_ELASTIN_FUNCTIONAL] + msum[DERM_M_ELASTIN_ELASTOTIC];
        t[DERM_T_ELASTIN_AGE_MEAN] = el > 0 ? msum[DERM_M_ELASTIN_AGE_AMOUNT] / el : 0.0;
        /* AGE protection of intact collagen, weighted by intact collagen (ecm.h g(X)) */
        const double *ci = s->f.matrix[DERM_M_COLLAGEN_INTACT], *cf = s->f.matrix[DERM_M_COLLAGEN_FRAGMENTED];
        const double *ga = s->f.matrix[DERM_M_AGE_AMOUNT];
        const double xh = s->p.ecm_age_protection_pmol_per_mg;
        double wsum = 0.0, gsum = 0.0;
        for (int64_t q = 0; q < g->n; q++) {
            double tot = ci[q] + cf[q];
            double x = tot > 0 ? ga[q] / tot : 0.0;
            wsum += ci[q];
            gsum += ci[q] / (1.0 + x / xh);
        }
        t[DERM_T_COLLAGEN_MMP_SUSCEPTIBILITY] = wsum > 0 ? gsum / wsum : 1.0;
        const double ks = s->p.glycation_stiffness_per_age, x25 = s->p.ecm_age_initial_pmol_per_mg;
        t[DERM_T_STIFFNESS_FACTOR] = (1.0 + ks * t[DERM_T_AGE_CROSSLINKS_MEAN]) / (1.0 + ks * x25);
        t[DERM_T_VISCOUS_RECOVERY_FACTOR] = 1.0 / t[DERM_T_STIFFNESS_FACTOR];
    }
    for (int q = 0; q < DERM_NSIGNAL; q++) t[DERM_T_TGFB_MEAN + q] = layered_sum(g, s->f.signal[q]) / n;
}
