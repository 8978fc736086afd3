/* cell_world.h - a small world for the cell-rule tests (test_fibroblast, test_progenitor,
 * test_motility, test_lifecycle): grid, fields, agents, bins, rates, crowding, and every
 * cell mechanism's constants.
 *
 * The constants are built here from derm_params_defaults with the unit conversions of
 * sim/coef.c written out (so a test does not depend on the coefficient builder), all signal
 * references at 1 (and the young cells' own ROS reference at 1), per-layer synthesis
 * references distinct per layer, the division hazard 0.01/day, a progenitor niche of 10 with 5 progenitors counted, and
 * the young-adult step inputs (derm_step_inputs_young). Tests switch individual hazards on or off. Include after
 * <cmocka.h>. Not a test itself (CMake builds tests/unit/test_*.c only).
 */
#ifndef DERM_TEST_CELL_WORLD_H
#define DERM_TEST_CELL_WORLD_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/units.h"
#include "derm/io/params.h"
#include "derm/model/fibroblast.h"
#include "derm/model/lifecycle.h"
#include "derm/model/motility.h"
#include "derm/model/progenitor.h"
#include "derm/store/bins.h"
#include "derm/store/step_inputs.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

#define MAXNZ 16

struct world {
    struct derm_grid g;
    struct derm_fields f;
    struct derm_agents a;
    struct derm_bins b;
    struct derm_cell_rates rt;
    struct derm_cell_sensed sn; /* the signals per agent row, gathered from f by S() */
    struct derm_fibroblast_coef fc;
    struct derm_progenitor_coef pc;
    struct derm_motility_coef mc;
    struct derm_lifecycle_coef lc;
    struct derm_homeostasis h;
    struct derm_step_inputs in;
    double col_k[MAXNZ], el_k[MAXNZ], ha_k[MAXNZ];
    double *crowd;      /* per voxel (the tests set it) */
    double *crowd_rows; /* at each row's voxel, made by C() */
};

static inline void world_coef_defaults(struct world *w)
{
    struct derm_params p;
    derm_params_defaults(&p);
    const double Y = DERM_HOURS_PER_YEAR, Dd = DERM_HOURS_PER_DAY;
    for (int k = 0; k < MAXNZ; k++) {
        w->col_k[k] = 1e-3 * (1.0 + 0.1 * k); /* distinct per layer */
        w->el_k[k] = 2e-5;
        w->ha_k[k] = 3e-4;
    }
    struct derm_homeostasis *h = &w->h;
    memset(h, 0, sizeof *h);
    h->collagen_ref_k = w->col_k;
    h->elastin_ref_k = w->el_k;
    h->ha_ref_k = w->ha_k;
    for (int q = 0; q < DERM_NSIGNAL; q++) h->secretion_ref[q] = h->sensed_ref[q] = 1.0;
    h->ros_own_ref = 1.0; /* a young quiescent undamaged cell senses ROS 1 */
    h->division_h = 0.01 / Dd;
    h->stem_niche = 10.0;
    w->in = derm_step_inputs_young();
    w->in.stem_count = 5;

    struct derm_fibroblast_coef *c = &w->fc;
    memset(c, 0, sizeof *c);
    c->voxel_ml = derm_grid_voxel_mm3(&w->g) * 1e-3;
    c->gf_autocrine_share = 1.0 - p.signals_gf_systemic_share;
    c->apoptosis_h = 1.0 / (p.fibroblast_lifespan_years * Y);
    c->damage_h = p.fibroblast_damage_per_year / Y;
    c->damage_apoptosis_gain = p.fibroblast_damage_apoptosis_gain;
    c->senescence_h = p.fibroblast_senescence_per_year / Y;
    c->clearance_h = p.fibroblast_senescent_clearance_per_year / Y;
    c->activation_h = p.fibroblast_activation_per_day / Dd;
    c->deactivation_h = p.fibroblast_deactivation_per_day / Dd;
    c->quiescent_division_factor = p.fibroblast_quiescent_division_factor;
    c->crowding_factor = p.fibroblast_crowding_density_factor;
    c->replicative_limit = p.fibroblast_replicative_limit;
    c->gf_half = p.fibroblast_gf_half;
    c->tgfb_half = p.fibroblast_tgfb_half;
    c->activated_synthesis = p.fibroblast_activated_synthesis_factor;
    c->senescent_synthesis = p.fibroblast_senescent_synthesis_factor;
    c->il_inhibition = p.fibroblast_il_synthesis_inhibition;
    c->ros_inhibition = p.fibroblast_ros_synthesis_inhibition;
    c->collapse_half = p.fibroblast_collapse_fragment_half;
    c->collapse_hill = p.fibroblast_collapse_hill;
    c->collapse_synthesis_loss = p.fibroblast_collapse_synthesis_loss;
    c->collapse_mmp1_gain = p.fibroblast_collapse_mmp1_gain;
    c->collapse_division_loss = p.fibroblast_collapse_division_loss;
    c->sasp_mmp1 = p.fibroblast_sasp_mmp1_factor;
    c->sasp_mmp3 = p.fibroblast_sasp_mmp3_factor;
    c->sasp_il = p.fibroblast_sasp_il_factor;
    c->sasp_ros = p.fibroblast_sasp_ros_factor;
    c->il_mmp_gain = p.fibroblast_il_mmp_gain;
    c->ros_mmp_gain = p.fibroblast_ros_mmp_gain;
    c->activated_tgfb = p.fibroblast_activated_tgfb_factor;
    c->ros_damage_gain = p.fibroblast_ros_damage_gain;
    c->ap1_time_h = p.uv_ap1_time_h;
    c->ap1_threshold = p.uv_ap1_threshold;
    c->ap1_adapt_h = p.uv_ap1_adaptation_days * Dd;
    c->tgfbr_loss_h = p.uv_tgfbr_loss_per_h;
    c->tgfbr_recovery_h = p.uv_tgfbr_recovery_h;
    c->procollagen_threshold = p.uv_procollagen_threshold;
    c->procollagen_inhibition = p.uv_procollagen_inhibition;
    c->ha_inhibition = p.uv_ha_inhibition;
    c->uv_damage_per_sed = p.uv_damage_per_sed;
    c->uv_chronic_share = p.uv_ap1_chronic_share;
    c->age_young = p.ecm_age_initial_pmol_per_mg;
    c->rage_ros = p.glycation_rage_ros_gain;
    c->rage_apoptosis = p.glycation_rage_apoptosis_gain;
    c->rage_synthesis = p.glycation_rage_synthesis_inhibition;
    c->rage_proliferation = p.glycation_rage_proliferation_inhibition;
    c->exo_uptake_h = p.treatment_exosome_uptake_per_h;
    c->exo_effect_h = p.treatment_exosome_effect_days * Dd;
    c->exo_syn_gain = p.treatment_exosome_synthesis_gain;
    c->exo_mmp_inh = p.treatment_exosome_mmp_inhibition;
    c->exo_il_inh = p.treatment_exosome_il_inhibition;
    c->exo_repair_h = p.treatment_exosome_repair_per_year / Y;

    w->pc.differentiation_h = p.stem_differentiation_per_year / Y;
    w->pc.self_renewal_h = p.stem_self_renewal_per_year / Y;
    w->pc.death_h = p.stem_death_per_year / Y;
    w->pc.gf_half = p.fibroblast_gf_half;
    w->pc.exo_gain = p.treatment_exosome_progenitor_gain;

    const double tq = p.fibroblast_persistence_h / 3.0;
    w->mc.motility_quiescent = p.fibroblast_speed_um_per_h * p.fibroblast_speed_um_per_h * tq;
    w->mc.motility_activated = p.fibroblast_activated_speed_um_per_h * p.fibroblast_activated_speed_um_per_h * tq;
    w->mc.matrix_hindrance = p.fibroblast_matrix_hindrance;
    w->mc.matrix_ref = p.ecm_collagen_density_mg_per_ml;
    w->mc.chemotaxis = p.fibroblast_chemotaxis_um2_per_h;

    w->lc.daughter_spread_um = 0.5 * p.fibroblast_crowding_radius_um;
    w->lc.damage_per_division = p.fibroblast_damage_per_division;
}

/* Switch every event hazard off (damage accumulation and exosome uptake included). */
static inline void hazards_off(struct world *w)
{
    struct derm_fibroblast_coef *c = &w->fc;
    c->apoptosis_h = c->damage_h = c->senescence_h = c->clearance_h = 0.0;
    c->activation_h = c->deactivation_h = 0.0;
    c->exo_uptake_h = 0.0;
    w->h.division_h = 0.0;
    w->pc.differentiation_h = w->pc.self_renewal_h = w->pc.death_h = 0.0;
}

static inline void world_init(struct world *w, int64_t nx, int64_t ny, int64_t nz, double h)
{
    memset(w, 0, sizeof *w);
    assert_true(nz <= MAXNZ);
    assert_int_equal(derm_grid_init(&w->g, nx, ny, nz, h, NULL), DERM_OK);
    assert_int_equal(derm_fields_init(&w->f, &w->g, 0, NULL), DERM_OK);
    assert_int_equal(derm_agents_init(&w->a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&w->b, &w->g, NULL), DERM_OK);
    assert_non_null(w->crowd = calloc((size_t)w->g.n, sizeof(double)));
    world_coef_defaults(w);
    /* young matrix (fragmented fraction 5 %), every signal at 1 */
    for (int64_t v = 0; v < w->g.n; v++) {
        w->f.matrix[DERM_M_COLLAGEN_INTACT][v] = 237.5;
        w->f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 12.5;
        for (int q = 0; q < DERM_NSIGNAL; q++) w->f.signal[q][v] = 1.0;
    }
}

static inline void world_fini(struct world *w)
{
    derm_fields_fini(&w->f);
    derm_agents_fini(&w->a);
    derm_bins_fini(&w->b);
    derm_cell_rates_fini(&w->rt);
    derm_cell_sensed_fini(&w->sn);
    free(w->crowd);
    free(w->crowd_rows);
}

/* Append an agent at the centre of voxel (i, j, k). */
static inline int64_t add_cell(struct world *w, int type, int state, int64_t i, int64_t j, int64_t k)
{
    int64_t r = -1;
    assert_int_equal(derm_agents_append(&w->a, &r, NULL), DERM_OK);
    assert_true(r >= 0);
    w->a.type[r] = (int8_t)type;
    w->a.state[r] = (int8_t)state;
    w->a.x[r] = ((double)i + 0.5) * w->g.h_um;
    w->a.y[r] = ((double)j + 0.5) * w->g.h_um;
    w->a.z[r] = ((double)k + 0.5) * w->g.h_um;
    w->a.attachment[r] = 1.0;
    w->a.tgfb_response[r] = 1.0;
    return r;
}

/* n agents, every tenth a progenitor, fibroblasts in mixed states, spread over the grid. */
static inline void populate(struct world *w, int n, uint64_t seed)
{
    uint64_t s = seed;
    for (int q = 0; q < n; q++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        int type = q % 10 == 9 ? DERM_AGENT_STEM : DERM_AGENT_FIBROBLAST;
        int st = type == DERM_AGENT_STEM ? DERM_STATE_QUIESCENT : (int)((s >> 40) % 3);
        int64_t r = add_cell(w, type, st, (int64_t)((s >> 20) % (uint64_t)w->g.nx),
                             (int64_t)((s >> 30) % (uint64_t)w->g.ny), (int64_t)((s >> 50) % (uint64_t)w->g.nz));
        w->a.divisions[r] = (int32_t)((s >> 10) % 30);
        w->a.damage[r] = (double)((s >> 5) % 100) / 200.0;
        w->a.x[r] += ((double)((s >> 3) % 7) - 3.0);
    }
}

static inline void rebin(struct world *w)
{
    assert_int_equal(derm_bins_build(&w->b, &w->g, &w->a, NULL), DERM_OK);
    assert_int_equal(derm_cell_rates_reserve(&w->rt, w->a.cap, NULL), DERM_OK);
}

static inline const double *const *M(const struct world *w) { return (const double *const *)w->f.matrix; }
/* The signals as the rules read them: each field at every agent row's voxel (a->voxel, set by
 * rebin), gathered now into w->sn, as the simulation does after binning. */
static inline const double *const *S(struct world *w)
{
    assert_int_equal(derm_cell_sensed_reserve(&w->sn, w->a.cap, NULL), DERM_OK);
    for (int q = 0; q < DERM_NSIGNAL; q++)
        for (int64_t r = 0; r < w->a.n; r++) w->sn.signal[q][r] = w->f.signal[q][w->a.voxel[r]];
    return (const double *const *)w->sn.signal;
}

/* The crowding as the rules read it: w->crowd (per voxel, as the tests set it) at every agent
 * row's voxel, gathered now into w->crowd_rows, as the simulation's crowding writes it. */
static inline const double *C(struct world *w)
{
    free(w->crowd_rows);
    assert_non_null(w->crowd_rows = malloc((size_t)(w->a.n > 0 ? w->a.n : 1) * sizeof(double)));
    for (int64_t r = 0; r < w->a.n; r++) w->crowd_rows[r] = w->crowd[w->a.voxel[r]];
    return w->crowd_rows;
}

/* The fibroblast rules only (progenitor rows untouched). */
static inline void decide_fibroblasts(struct world *w, uint64_t seed, int64_t step, double dt)
{
    rebin(w);
    derm_fibroblast_decide(&w->g, &w->a, &w->fc, &w->h, &w->in, M(w), S(w), C(w), seed, step, dt);
}

/* The progenitor rules only (fibroblast rows untouched). */
static inline void decide_progenitors(struct world *w, uint64_t seed, int64_t step, double dt)
{
    rebin(w);
    derm_progenitor_decide(&w->a, &w->pc, &w->h, &w->in, S(w), seed, step, dt);
}

/* Every row decided, as the simulation step does (fibroblasts, then progenitors). */
static inline void decide_all(struct world *w, uint64_t seed, int64_t step, double dt)
{
    rebin(w);
    derm_fibroblast_decide(&w->g, &w->a, &w->fc, &w->h, &w->in, M(w), S(w), C(w), seed, step, dt);
    derm_progenitor_decide(&w->a, &w->pc, &w->h, &w->in, S(w), seed, step, dt);
}

static inline void secrete(struct world *w)
{
    rebin(w);
    derm_fibroblast_secrete(&w->g, &w->a, &w->fc, &w->h, &w->in, M(w), S(w), &w->rt);
}

/* Move every agent over [t0_h, t0_h + dt) hours of the walk's clock (the walk is keyed by time). */
static inline void move(struct world *w, const double *chem, uint64_t seed, double t0_h, double dt)
{
    rebin(w);
    derm_motility_move(&w->g, &w->a, &w->mc, M(w), chem, NULL, seed, t0_h, dt);
}

static inline derm_status apply(struct world *w, uint64_t seed, int64_t step, int64_t *births, int64_t *deaths)
{
    return derm_lifecycle_apply(&w->g, &w->a, &w->lc, seed, step, births, deaths, NULL);
}

static inline void check_ids_unique(const struct derm_agents *a)
{
    for (int64_t r = 0; r < a->n; r++) {
        assert_true(a->id[r] >= 1 && a->id[r] < a->next_id);
        for (int64_t q = r + 1; q < a->n; q++) assert_true(a->id[r] != a->id[q]);
    }
}

static inline void check_in_domain(const struct world *w)
{
    const double lx = derm_grid_lx(&w->g), ly = derm_grid_ly(&w->g), lz = derm_grid_lz(&w->g);
    for (int64_t r = 0; r < w->a.n; r++) {
        assert_true(w->a.x[r] >= 0.0 && w->a.x[r] < lx);
        assert_true(w->a.y[r] >= 0.0 && w->a.y[r] < ly);
        assert_true(w->a.z[r] >= 0.0 && w->a.z[r] < lz);
    }
}

#endif
