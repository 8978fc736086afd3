/* test_cells.c - fibroblast and progenitor rules: attachment, decide, secrete, move, apply.
 *
 * Small worlds (4x4x4 voxels, ~10 agents) with hand-set fields. The rule constants are
 * built here from derm_params_defaults with sim.c's unit conversions, all signal
 * references at 1, and individual hazards switched on or off per test.
 * Checks: attachment(0) = 1, attachment(f50) = 1/2, monotone; secretion ratios of
 * senescent / quiescent / activated / collapsed cells equal the documented factors
 * (VALIDATION C6, C8; 1e-12 relative); stem and apoptotic cells secrete nothing; decide
 * with zero hazards changes nothing; certain death, division, replicative senescence,
 * contact inhibition and progenitor differentiation / self-renewal set the right flags
 * and derm_cells_apply turns them into the right rows (ids unique and new, divisions,
 * damage, types); move keeps agents in the domain, reflects at the z faces, wraps x, has
 * mean-square displacement 6 D dt (10 %; s.e. ~2 % with 4000 agents), drifts chi grad c
 * dt exactly; decide / secrete / move / apply are bitwise identical at 1 and 2 threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "derm/model/fibroblast.h"
#include "derm/model/coupling.h"
#include "derm/io/params.h"
#include "derm/core/rng.h"

#define assert_rel(got, want, rtol)                                                       \
    do {                                                                                  \
        double g_ = (got), w_ = (want);                                                   \
        if (!(fabs(g_ - w_) <= (rtol) * fmax(fabs(w_), 1e-300)))                          \
            fail_msg("%s = %.17g, expected %.17g", #got, g_, w_);                         \
    } while (0)

#define MAXNZ 16

/* A small world: grid, fields, agents, bins, rates, crowding and rule constants. */
struct world {
    struct derm_grid g;
    struct derm_fields f;
    struct derm_agents a;
    struct derm_bins b;
    struct derm_cell_rates rt;
    struct derm_cell_coef c;
    double col_k[MAXNZ], el_k[MAXNZ], ha_k[MAXNZ];
    double *crowd;
};

static void coef_defaults(struct world *w)
{
    struct derm_params p;
    derm_params_defaults(&p);
    const double Y = DERM_HOURS_PER_YEAR, Dd = 24.0;
    struct derm_cell_coef *c = &w->c;
    memset(c, 0, sizeof *c);
    for (int k = 0; k < MAXNZ; k++) {
        w->col_k[k] = 1e-3 * (1.0 + 0.1 * k); /* distinct per layer */
        w->el_k[k] = 2e-5;
        w->ha_k[k] = 3e-4;
    }
    c->collagen_ref_k = w->col_k;
    c->elastin_ref_k = w->el_k;
    c->ha_ref_k = w->ha_k;
    c->voxel_ml = derm_grid_voxel_mm3(&w->g) * 1e-3;
    for (int q = 0; q < DERM_NSIGNAL; q++) c->secretion_ref[q] = c->sensed_ref[q] = 1.0;
    c->gf_autocrine_share = 1.0 - p.signals_gf_systemic_share;
    c->apoptosis_h = 1.0 / (p.fibroblast_lifespan_years * Y);
    c->damage_h = p.fibroblast_damage_per_year / Y;
    c->damage_per_division = p.fibroblast_damage_per_division;
    c->damage_apoptosis_gain = p.fibroblast_damage_apoptosis_gain;
    c->senescence_h = p.fibroblast_senescence_per_year / Y;
    c->clearance_h = p.fibroblast_senescent_clearance_per_year / Y;
    c->activation_h = p.fibroblast_activation_per_day / Dd;
    c->deactivation_h = p.fibroblast_deactivation_per_day / Dd;
    c->division_h = 0.01 / Dd;
    c->quiescent_division_factor = p.fibroblast_quiescent_division_factor;
    c->crowding_factor = p.fibroblast_crowding_density_factor;
    c->replicative_limit = p.fibroblast_replicative_limit;
    c->gf_half = p.fibroblast_gf_half;
    c->tgfb_half = p.fibroblast_tgfb_half;
    c->activated_synthesis = p.fibroblast_activated_synthesis_factor;
    c->senescent_synthesis = p.fibroblast_senescent_synthesis_factor;
    c->estrogen_synthesis = 1.0;
    c->il_inhibition = p.fibroblast_il_synthesis_inhibition;
    c->ros_inhibition = p.fibroblast_ros_synthesis_inhibition;
    c->collapse_half = p.fibroblast_collapse_fragment_half;
    c->collapse_hill = p.fibroblast_collapse_hill;
    c->collapse_synthesis_loss = p.fibroblast_collapse_synthesis_loss;
    c->collapse_mmp1_gain = p.fibroblast_collapse_mmp1_gain;
    c->collapse_division_loss = p.fibroblast_collapse_division_loss;
    c->attached_area_young = p.fibroblast_attached_area_young;
    c->sasp_mmp1 = p.fibroblast_sasp_mmp1_factor;
    c->sasp_mmp3 = p.fibroblast_sasp_mmp3_factor;
    c->sasp_il = p.fibroblast_sasp_il_factor;
    c->sasp_ros = p.fibroblast_sasp_ros_factor;
    c->il_mmp_gain = p.fibroblast_il_mmp_gain;
    c->ros_mmp_gain = p.fibroblast_ros_mmp_gain;
    c->activated_tgfb = p.fibroblast_activated_tgfb_factor;
    c->ros_damage_gain = p.fibroblast_ros_damage_gain;
    c->ros_ageing = 1.0;
    c->elastin_synthesis = 1.0;
    double tq = p.fibroblast_persistence_h / 3.0;
    c->motility_quiescent = p.fibroblast_speed_um_per_h * p.fibroblast_speed_um_per_h * tq;
    c->motility_activated = p.fibroblast_activated_speed_um_per_h * p.fibroblast_activated_speed_um_per_h * tq;
    c->matrix_hindrance = p.fibroblast_matrix_hindrance;
    c->matrix_ref = p.ecm_collagen_density_mg_per_ml;
    c->chemotaxis = p.fibroblast_chemotaxis_um2_per_h;
    c->daughter_spread_um = 0.5 * p.fibroblast_crowding_radius_um;
    c->stem_differentiation_h = p.stem_differentiation_per_year / Y;
    c->stem_self_renewal_h = p.stem_self_renewal_per_year / Y;
    c->stem_death_h = p.stem_death_per_year / Y;
    c->stem_niche = 10.0;
    c->stem_count = 5;
    c->ap1_time_h = p.uv_ap1_time_h;
    c->ap1_threshold = p.uv_ap1_threshold;
    c->ap1_adapt_h = p.uv_ap1_adaptation_days * Dd;
    c->tgfbr_loss_h = p.uv_tgfbr_loss_per_h;
    c->tgfbr_recovery_h = p.uv_tgfbr_recovery_h;
    c->procollagen_threshold = p.uv_procollagen_threshold;
    c->procollagen_inhibition = p.uv_procollagen_inhibition;
    c->ha_inhibition = p.uv_ha_inhibition;
    c->uv_damage_per_sed = p.uv_damage_per_sed;
    c->age_young = p.ecm_age_initial_pmol_per_mg;
    c->rage_ros = p.glycation_rage_ros_gain;
    c->rage_apoptosis = p.glycation_rage_apoptosis_gain;
    c->exo_uptake_h = p.treatment_exosome_uptake_per_h;
    c->exo_effect_h = p.treatment_exosome_effect_days * Dd;
    c->exo_syn_gain = p.treatment_exosome_synthesis_gain;
    c->exo_mmp_inh = p.treatment_exosome_mmp_inhibition;
    c->exo_il_inh = p.treatment_exosome_il_inhibition;
    c->exo_repair_h = p.treatment_exosome_repair_per_year / Y;
    c->exo_progenitor_gain = p.treatment_exosome_progenitor_gain;
    for (int q = 0; q < 5; q++) c->exo_mult[q] = 1.0;
}

/* Switch every event hazard off (damage accumulation included). */
static void hazards_off(struct derm_cell_coef *c)
{
    c->apoptosis_h = c->damage_h = c->senescence_h = c->clearance_h = 0.0;
    c->activation_h = c->deactivation_h = c->division_h = 0.0;
    c->stem_differentiation_h = c->stem_self_renewal_h = c->stem_death_h = 0.0;
    c->exo_uptake_h = 0.0;
}

static void world_init(struct world *w, int64_t nx, int64_t ny, int64_t nz, double h)
{
    memset(w, 0, sizeof *w);
    assert_true(nz <= MAXNZ);
    assert_int_equal(derm_grid_init(&w->g, nx, ny, nz, h), 0);
    assert_int_equal(derm_fields_init(&w->f, &w->g, NULL), DERM_OK);
    assert_int_equal(derm_agents_init(&w->a, 16, NULL), DERM_OK);
    assert_int_equal(derm_bins_init(&w->b, &w->g, NULL), DERM_OK);
    assert_non_null(w->crowd = calloc((size_t)w->g.n, sizeof(double)));
    coef_defaults(w);
    /* young matrix (fragmented fraction 5 %), every signal at 1 */
    for (int64_t v = 0; v < w->g.n; v++) {
        w->f.matrix[DERM_M_COLLAGEN_INTACT][v] = 237.5;
        w->f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 12.5;
        for (int q = 0; q < DERM_NSIGNAL; q++) w->f.signal[q][v] = 1.0;
    }
}

static void world_fini(struct world *w)
{
    derm_fields_fini(&w->f);
    derm_agents_fini(&w->a);
    derm_bins_fini(&w->b);
    derm_cell_rates_fini(&w->rt);
    free(w->crowd);
}

/* Append a fibroblast at the centre of voxel (i, j, k). */
static int64_t add_cell(struct world *w, int type, int state, int64_t i, int64_t j, int64_t k)
{
    int64_t r = derm_agents_append(&w->a, NULL);
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

static void rebin(struct world *w)
{
    assert_int_equal(derm_bins_build(&w->b, &w->g, &w->a, NULL), DERM_OK);
    assert_int_equal(derm_cell_rates_reserve(&w->rt, w->a.cap, NULL), DERM_OK);
}

static const double *const *M(const struct world *w) { return (const double *const *)w->f.matrix; }
static const double *const *S(const struct world *w) { return (const double *const *)w->f.signal; }

static void decide(struct world *w, uint64_t seed, int64_t step, double dt)
{
    rebin(w);
    derm_cells_decide(&w->g, &w->a, &w->c, M(w), S(w), w->crowd, seed, step, dt);
}

static void secrete(struct world *w)
{
    rebin(w);
    derm_cells_secrete(&w->g, &w->a, &w->c, M(w), S(w), &w->rt);
}

static void check_ids_unique(const struct derm_agents *a)
{
    for (int64_t r = 0; r < a->n; r++) {
        assert_true(a->id[r] >= 1 && a->id[r] < a->next_id);
        for (int64_t q = r + 1; q < a->n; q++) assert_true(a->id[r] != a->id[q]);
    }
}

static void check_in_domain(const struct world *w)
{
    const double lx = derm_grid_lx(&w->g), ly = derm_grid_ly(&w->g), lz = derm_grid_lz(&w->g);
    for (int64_t r = 0; r < w->a.n; r++) {
        assert_true(w->a.x[r] >= 0.0 && w->a.x[r] < lx);
        assert_true(w->a.y[r] >= 0.0 && w->a.y[r] < ly);
        assert_true(w->a.z[r] >= 0.0 && w->a.z[r] < lz);
    }
}

/* ---- attachment ---------------------------------------------------------------------- */

static void test_attachment(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    const struct derm_cell_coef *c = &w.c;
    assert_rel(derm_cells_attachment(c, 0.0), 1.0, 1e-15);
    assert_rel(derm_cells_attachment(c, -0.1), 1.0, 1e-15);
    assert_rel(derm_cells_attachment(c, NAN), 1.0, 1e-15);
    assert_rel(derm_cells_attachment(c, c->collapse_half), 0.5, 1e-15);
    /* Hill form 1 / (1 + (f/f50)^n) */
    assert_rel(derm_cells_attachment(c, 0.6), 1.0 / (1.0 + pow(0.6 / c->collapse_half, c->collapse_hill)), 1e-14);
    double prev = 1.0;
    for (double f = 0.01; f <= 1.0; f += 0.01) {
        double a = derm_cells_attachment(c, f);
        assert_true(a < prev && a > 0.0);
        prev = a;
    }
    world_fini(&w);
}

/* ---- secretion ----------------------------------------------------------------------- */

static void test_secrete_senescent_vs_quiescent(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    /* same voxel, same attachment; ~10 agents in all */
    int64_t q = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 2, 1);
    int64_t s = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_SENESCENT, 1, 2, 1);
    int64_t act = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 1, 2, 1);
    for (int n = 0; n < 7; n++) add_cell(&w, DERM_AGENT_FIBROBLAST, n % 3, n % 4, (n + 1) % 4, n % 4);
    secrete(&w);
    const struct derm_cell_rates *rt = &w.rt;
    const struct derm_cell_coef *c = &w.c;
    /* VALIDATION C8: senescent cells secrete more MMP-1 and IL, make less collagen */
    assert_true(rt->signal[DERM_S_MMP1][s] > rt->signal[DERM_S_MMP1][q]);
    assert_true(rt->signal[DERM_S_IL][s] > rt->signal[DERM_S_IL][q]);
    assert_true(rt->collagen[s] < rt->collagen[q]);
    assert_rel(rt->signal[DERM_S_MMP1][s] / rt->signal[DERM_S_MMP1][q], c->sasp_mmp1, 1e-12);
    assert_rel(rt->signal[DERM_S_MMP3][s] / rt->signal[DERM_S_MMP3][q], c->sasp_mmp3, 1e-12);
    assert_rel(rt->signal[DERM_S_IL][s] / rt->signal[DERM_S_IL][q], c->sasp_il, 1e-12);
    assert_rel(rt->signal[DERM_S_ROS][s] / rt->signal[DERM_S_ROS][q], c->sasp_ros, 1e-12);
    assert_rel(rt->collagen[s] / rt->collagen[q], c->senescent_synthesis, 1e-12);
    assert_rel(w.a.mmp1_secretion[s] / w.a.mmp1_secretion[q], c->sasp_mmp1, 1e-12);
    assert_rel(w.a.mmp1_secretion[q], 1.0, 1e-12); /* young quiescent reference */
    /* activated: more matrix and TGF-beta */
    assert_rel(rt->collagen[act] / rt->collagen[q], c->activated_synthesis, 1e-12);
    assert_rel(rt->signal[DERM_S_TGFB][act] / rt->signal[DERM_S_TGFB][q], c->activated_tgfb, 1e-12);
    /* quiescent cell at the young reference: collagen = layer reference (k = 1) */
    assert_rel(rt->collagen[q], w.col_k[1], 1e-12);
    assert_rel(w.a.collagen_synthesis[q], w.col_k[1] * c->voxel_ml * 1e9, 1e-12);
    assert_rel(rt->signal[DERM_S_GF][q], c->gf_autocrine_share, 1e-12);
    world_fini(&w);
}

static void test_secrete_collapsed_cells(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    int64_t spread = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 2);
    int64_t coll = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 3, 3, 2);
    /* VALIDATION C6 end to end: a voxel with 60 % fragmented collagen against 5 % */
    int64_t v = derm_grid_idx(&w.g, 3, 3, 2);
    w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = 100.0;
    w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 150.0;
    hazards_off(&w.c);
    decide(&w, 1, 0, 168.0);
    const struct derm_cell_coef *c = &w.c;
    double a_sp = derm_cells_attachment(c, 0.05), a_co = derm_cells_attachment(c, 0.6);
    assert_rel(w.a.attachment[spread], a_sp, 1e-14);
    assert_rel(w.a.attachment[coll], a_co, 1e-14);
    secrete(&w);
    assert_true(w.rt.collagen[coll] < w.rt.collagen[spread]);
    assert_true(w.rt.signal[DERM_S_MMP1][coll] > w.rt.signal[DERM_S_MMP1][spread]);
    assert_rel(w.rt.collagen[coll] / w.rt.collagen[spread],
               (1.0 - c->collapse_synthesis_loss * (1.0 - a_co)) / (1.0 - c->collapse_synthesis_loss * (1.0 - a_sp)),
               1e-12);
    assert_rel(w.a.mmp1_secretion[coll] / w.a.mmp1_secretion[spread],
               (1.0 + c->collapse_mmp1_gain * (1.0 - a_co)) / (1.0 + c->collapse_mmp1_gain * (1.0 - a_sp)), 1e-12);
    /* fully collapsed: synthesis x (1 - loss), MMP-1 x (1 + gain) */
    w.a.attachment[spread] = 1.0;
    w.a.attachment[coll] = 0.0;
    secrete(&w);
    assert_rel(w.rt.collagen[coll] / w.rt.collagen[spread], 1.0 - c->collapse_synthesis_loss, 1e-12);
    assert_rel(w.a.mmp1_secretion[coll] / w.a.mmp1_secretion[spread], 1.0 + c->collapse_mmp1_gain, 1e-12);
    world_fini(&w);
}

static void test_secrete_environment_responses(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    int64_t ref = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    int64_t inf = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 0, 0);
    int64_t ox = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 2, 0, 0);
    int64_t tg = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 3, 0, 0);
    w.f.signal[DERM_S_IL][derm_grid_idx(&w.g, 1, 0, 0)] = 3.0;
    w.f.signal[DERM_S_ROS][derm_grid_idx(&w.g, 2, 0, 0)] = 2.0;
    w.f.signal[DERM_S_TGFB][derm_grid_idx(&w.g, 3, 0, 0)] = 2.0;
    /* collagen per layer-0 voxel: the young AGE load (no RAGE excess) */
    for (int64_t v = 0; v < w.g.n; v++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = 250.0;
        w.f.matrix[DERM_M_AGE_AMOUNT][v] = 250.0 * w.c.age_young;
    }
    w.a.ap1[ox] = 1.0; /* AP-1 at its steady state for ROS 2 (excess 1) */
    secrete(&w);
    const struct derm_cell_coef *c = &w.c;
    /* IL = 3: synthesis x (1 + c)/(1 + 3c); MMP induction 1 + gain (IL - 1) */
    assert_rel(w.rt.collagen[inf] / w.rt.collagen[ref], (1.0 + c->il_inhibition) / (1.0 + 3.0 * c->il_inhibition), 1e-12);
    assert_rel(w.a.mmp1_secretion[inf], 1.0 + c->il_mmp_gain * 2.0, 1e-12);
    /* ROS = 2: synthesis x (1 + c)/(1 + 2c); saturating MMP induction 1 + gain x/(1 + x), x = 1 */
    assert_rel(w.rt.collagen[ox] / w.rt.collagen[ref], (1.0 + c->ros_inhibition) / (1.0 + 2.0 * c->ros_inhibition), 1e-12);
    assert_rel(w.a.mmp1_secretion[ox], 1.0 + c->ros_mmp_gain * 0.5, 1e-12);
    /* TGF-beta = 2: saturating response x (1 + K)/(K + x) */
    assert_rel(w.rt.collagen[tg] / w.rt.collagen[ref], 2.0 * (1.0 + c->tgfb_half) / (c->tgfb_half + 2.0), 1e-12);
    /* damage raises ROS output: x (1 + gain d) */
    w.a.damage[ref] = 0.4;
    secrete(&w);
    assert_rel(w.rt.signal[DERM_S_ROS][ref], 1.0 + c->ros_damage_gain * 0.4, 1e-12);
    world_fini(&w);
}

static void test_secrete_stem_and_apoptotic_silent(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    int64_t st = add_cell(&w, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, 0, 0, 0);
    int64_t ap = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_APOPTOTIC, 0, 0, 0);
    int64_t fb = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    secrete(&w);
    const int64_t silent[] = {st, ap};
    for (int k = 0; k < 2; k++) {
        int64_t r = silent[k];
        for (int q = 0; q < DERM_NSIGNAL; q++) assert_true(w.rt.signal[q][r] == 0.0);
        assert_true(w.rt.collagen[r] == 0.0 && w.rt.elastin[r] == 0.0 && w.rt.ha[r] == 0.0);
        assert_true(w.a.collagen_synthesis[r] == 0.0 && w.a.mmp1_secretion[r] == 0.0);
    }
    assert_true(w.rt.collagen[fb] > 0.0 && w.rt.elastin[fb] > 0.0 && w.rt.ha[fb] > 0.0);
    world_fini(&w);
}

/* ---- decide + apply ------------------------------------------------------------------ */

static void populate(struct world *w, int n, uint64_t seed)
{
    uint64_t s = seed;
    for (int q = 0; q < n; q++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        int type = q % 10 == 9 ? DERM_AGENT_STEM : DERM_AGENT_FIBROBLAST;
        int st = type == DERM_AGENT_STEM ? DERM_STATE_QUIESCENT : (int)((s >> 40) % 3);
        int64_t r = add_cell(w, type, st, (int64_t)((s >> 20) % (uint64_t)w->g.nx), (int64_t)((s >> 30) % (uint64_t)w->g.ny),
                             (int64_t)((s >> 50) % (uint64_t)w->g.nz));
        w->a.divisions[r] = (int32_t)((s >> 10) % 30);
        w->a.damage[r] = (double)((s >> 5) % 100) / 200.0;
        w->a.x[r] += ((double)((s >> 3) % 7) - 3.0);
    }
}

static void test_decide_zero_hazards_changes_nothing(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    populate(&w, 10, 3);
    hazards_off(&w.c);
    for (int64_t r = 0; r < w.a.n; r++) w.a.die[r] = w.a.divide[r] = 1; /* stale flags are cleared */
    struct derm_agents before;
    assert_int_equal(derm_agents_init(&before, w.a.n, NULL), DERM_OK);
    for (int64_t r = 0; r < w.a.n; r++) {
        derm_agents_append(&before, NULL);
        before.id[r] = w.a.id[r];
        before.state[r] = w.a.state[r];
        before.divisions[r] = w.a.divisions[r];
        before.damage[r] = w.a.damage[r];
        before.x[r] = w.a.x[r];
    }
    for (int step = 0; step < 5; step++) decide(&w, 7, step, 168.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        assert_int_equal(w.a.die[r], 0);
        assert_int_equal(w.a.divide[r], 0);
        assert_int_equal(w.a.id[r], before.id[r]);
        assert_int_equal(w.a.state[r], before.state[r]);
        assert_int_equal(w.a.divisions[r], before.divisions[r]);
        assert_true(w.a.damage[r] == before.damage[r]);
        assert_true(w.a.x[r] == before.x[r]);
        if (w.a.type[r] == DERM_AGENT_FIBROBLAST) assert_rel(w.a.attachment[r], derm_cells_attachment(&w.c, 0.05), 1e-14);
    }
    int64_t births = -1, deaths = -1;
    assert_int_equal(derm_cells_apply(&w.g, &w.a, &w.c, 7, 5, &births, &deaths, NULL), DERM_OK);
    assert_int_equal(births, 0);
    assert_int_equal(deaths, 0);
    assert_int_equal(w.a.n, 10);
    derm_agents_fini(&before);
    world_fini(&w);
}

static void test_decide_damage_accumulates_with_ros(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    int64_t r0 = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    int64_t r1 = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 0, 0);
    hazards_off(&w.c);
    w.c.damage_h = 1e-4;
    w.f.signal[DERM_S_ROS][derm_grid_idx(&w.g, 1, 0, 0)] = 3.0;
    decide(&w, 1, 0, 100.0);
    assert_rel(w.a.damage[r0], 1e-4 * 1.0 * 100.0, 1e-14);
    assert_rel(w.a.damage[r1], 1e-4 * 3.0 * 100.0, 1e-14);
    world_fini(&w);
}

static void test_certain_death_and_apply(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    populate(&w, 10, 5);
    hazards_off(&w.c);
    w.c.apoptosis_h = w.c.clearance_h = w.c.stem_death_h = 1e6;
    decide(&w, 9, 3, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        assert_int_equal(w.a.die[r], 1);
        assert_int_equal(w.a.state[r], DERM_STATE_APOPTOTIC);
        assert_int_equal(w.a.divide[r], 0);
    }
    int64_t births = -1, deaths = -1;
    assert_int_equal(derm_cells_apply(&w.g, &w.a, &w.c, 9, 3, &births, &deaths, NULL), DERM_OK);
    assert_int_equal(deaths, 10);
    assert_int_equal(births, 0);
    assert_int_equal(w.a.n, 0);
    world_fini(&w);
}

static void test_partial_death_removes_exactly_flagged(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    populate(&w, 200, 6);
    hazards_off(&w.c);
    w.c.apoptosis_h = w.c.clearance_h = w.c.stem_death_h = log(2.0); /* p = 1/2 in 1 h (x damage term) */
    decide(&w, 11, 0, 1.0);
    int64_t n0 = w.a.n, ndie = 0;
    int64_t *keep = malloc((size_t)n0 * sizeof *keep), nkeep = 0;
    assert_non_null(keep);
    for (int64_t r = 0; r < n0; r++) {
        if (w.a.die[r]) ndie++;
        else keep[nkeep++] = w.a.id[r];
    }
    assert_true(ndie > 50 && ndie < 180); /* both outcomes occur */
    int64_t births, deaths;
    assert_int_equal(derm_cells_apply(&w.g, &w.a, &w.c, 11, 0, &births, &deaths, NULL), DERM_OK);
    assert_int_equal(deaths, ndie);
    assert_int_equal(w.a.n, nkeep);
    check_ids_unique(&w.a);
    /* survivors are exactly the unflagged ids */
    for (int64_t q = 0; q < nkeep; q++) {
        int found = 0;
        for (int64_t r = 0; r < w.a.n; r++) found += w.a.id[r] == keep[q];
        assert_int_equal(found, 1);
        assert_int_equal(w.a.die[q], 0);
    }
    free(keep);
    world_fini(&w);
}

static void test_division_and_apply(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 100.0); /* 400 um: daughters' offsets (s.d. 15 um) are resolvable */
    hazards_off(&w.c);
    w.c.division_h = 1e6;
    int64_t rows[6];
    for (int q = 0; q < 6; q++) {
        rows[q] = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, q % 4, 1, q % 4);
        w.a.divisions[rows[q]] = 3 + q;
        w.a.damage[rows[q]] = 0.1 * q;
        w.a.attachment[rows[q]] = 1.0;
    }
    /* one at the replicative limit: senesces instead of dividing */
    int64_t old = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 2, 2, 2);
    w.a.divisions[old] = (int32_t)w.c.replicative_limit;
    /* contact-inhibited: local crowding at and beyond the stop density */
    int64_t crowded = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 3, 3, 3);
    w.crowd[derm_grid_idx(&w.g, 3, 3, 3)] = w.c.crowding_factor;
    int64_t packed = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 3, 0, 3);
    w.crowd[derm_grid_idx(&w.g, 3, 0, 3)] = 3.0 * w.c.crowding_factor;
    /* one senescent: does not divide */
    int64_t sen = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_SENESCENT, 0, 3, 0);
    decide(&w, 5, 2, 1.0);
    for (int q = 0; q < 6; q++) assert_int_equal(w.a.divide[rows[q]], 1);
    assert_int_equal(w.a.divide[old], 0);
    assert_int_equal(w.a.state[old], DERM_STATE_SENESCENT);
    assert_int_equal(w.a.divide[crowded], 0);
    assert_int_equal(w.a.divide[packed], 0);
    assert_int_equal(w.a.divide[sen], 0);
    const int64_t n0 = w.a.n, max_id = w.a.next_id - 1;
    int64_t births, deaths;
    assert_int_equal(derm_cells_apply(&w.g, &w.a, &w.c, 5, 2, &births, &deaths, NULL), DERM_OK);
    assert_int_equal(births, 6);
    assert_int_equal(deaths, 0);
    assert_int_equal(w.a.n, n0 + 6);
    check_ids_unique(&w.a);
    check_in_domain(&w);
    const double lx = derm_grid_lx(&w.g), ly = derm_grid_ly(&w.g);
    for (int q = 0; q < 6; q++) {
        int64_t p = rows[q], d = n0 + q; /* daughters appended in parent row order */
        assert_true(w.a.id[d] > max_id);
        assert_int_equal(w.a.divisions[p], 3 + q + 1);
        assert_int_equal(w.a.divisions[d], 3 + q + 1);
        assert_rel(w.a.damage[p], 0.1 * q + w.c.damage_per_division, 1e-14);
        assert_true(w.a.damage[d] == w.a.damage[p]);
        assert_int_equal(w.a.type[d], DERM_AGENT_FIBROBLAST);
        assert_int_equal(w.a.state[d], DERM_STATE_QUIESCENT);
        assert_int_equal(w.a.state[p], DERM_STATE_ACTIVATED);
        assert_int_equal(w.a.divide[p], 0);
        /* daughter near the parent (periodic distance; 6 s.d. of the spread per axis) */
        double dx = fabs(w.a.x[d] - w.a.x[p]), dy = fabs(w.a.y[d] - w.a.y[p]);
        dx = fmin(dx, lx - dx);
        dy = fmin(dy, ly - dy);
        assert_true(dx < 6.0 * w.c.daughter_spread_um && dy < 6.0 * w.c.daughter_spread_um);
        assert_true(w.a.x[d] != w.a.x[p]);
        /* the offset is keyed by the parent's id and the step (seed 5, step 2) */
        double ox = w.c.daughter_spread_um * derm_rng_normal(5, (uint64_t)w.a.id[p], 2, DERM_RNG_DAUGHTER, 0);
        double xe = fmod(w.a.x[p] + ox, lx);
        if (xe < 0.0) xe += lx;
        assert_rel(w.a.x[d], xe, 1e-12);
    }
    world_fini(&w);
}

static void test_progenitor_divisions(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    hazards_off(&w.c);
    w.c.stem_differentiation_h = 1e6;
    int64_t s0 = add_cell(&w, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, 1, 1, 1);
    int64_t s1 = add_cell(&w, DERM_AGENT_STEM, DERM_STATE_QUIESCENT, 2, 2, 2);
    w.a.divisions[s0] = 4;
    w.a.damage[s0] = 0.3;
    w.a.tgfb_response[s0] = 0.5;
    add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    decide(&w, 3, 1, 1.0);
    assert_int_equal(w.a.divide[s0], 2);
    assert_int_equal(w.a.divide[s1], 2);
    int64_t n0 = w.a.n, births;
    assert_int_equal(derm_cells_apply(&w.g, &w.a, &w.c, 3, 1, &births, NULL, NULL), DERM_OK);
    assert_int_equal(births, 2);
    int64_t d = n0; /* daughter of s0 */
    assert_int_equal(w.a.type[d], DERM_AGENT_FIBROBLAST);
    assert_int_equal(w.a.state[d], DERM_STATE_QUIESCENT);
    assert_int_equal(w.a.divisions[d], 0);
    assert_true(w.a.damage[d] == 0.0);
    assert_true(w.a.tgfb_response[d] == 1.0);
    assert_true(w.a.attachment[d] > 0.0);
    /* the progenitor itself is unchanged */
    assert_int_equal(w.a.type[s0], DERM_AGENT_STEM);
    assert_int_equal(w.a.divisions[s0], 4);
    assert_true(w.a.damage[s0] == 0.3);
    check_ids_unique(&w.a);

    /* self-renewal: divide = 1 gives another progenitor while the niche has room */
    hazards_off(&w.c);
    w.c.stem_self_renewal_h = 1e6;
    w.c.stem_niche = 10.0;
    w.c.stem_count = 2;
    decide(&w, 3, 2, 1.0);
    assert_int_equal(w.a.divide[s0], 1);
    n0 = w.a.n;
    assert_int_equal(derm_cells_apply(&w.g, &w.a, &w.c, 3, 2, &births, NULL, NULL), DERM_OK);
    assert_int_equal(births, 2);
    assert_int_equal(w.a.type[n0], DERM_AGENT_STEM);
    assert_int_equal(w.a.divisions[n0], 4); /* a copy of the progenitor */
    /* a full niche stops self-renewal */
    w.c.stem_count = 10;
    decide(&w, 3, 3, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) assert_int_equal(w.a.divide[r], 0);
    world_fini(&w);
}

static void test_die_and_divide_same_step(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    for (int q = 0; q < 5; q++) add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, q % 4, 0, 0);
    /* flags set directly: rows 1 and 3 divide, rows 3 and 4 die */
    w.a.divide[1] = w.a.divide[3] = 1;
    w.a.die[3] = w.a.die[4] = 1;
    int64_t id1 = w.a.id[1], births, deaths;
    assert_int_equal(derm_cells_apply(&w.g, &w.a, &w.c, 1, 0, &births, &deaths, NULL), DERM_OK);
    assert_int_equal(births, 1); /* a dying cell does not divide */
    assert_int_equal(deaths, 2);
    assert_int_equal(w.a.n, 4);
    check_ids_unique(&w.a);
    int found = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        found += w.a.id[r] == id1;
        assert_int_equal(w.a.die[r], 0);
    }
    assert_int_equal(found, 1);
    world_fini(&w);
}

/* ---- motility ------------------------------------------------------------------------ */

static void test_move_stays_in_domain(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 3, 5, 20.0);
    populate(&w, 300, 8);
    /* fast random motility, from the faces */
    w.c.motility_quiescent = w.c.motility_activated = 5e4;
    for (int64_t r = 0; r < w.a.n; r++) w.a.z[r] = (r % 2) ? 1e-9 : derm_grid_lz(&w.g) - 1e-9;
    for (int step = 0; step < 30; step++) {
        rebin(&w);
        derm_cells_move(&w.g, &w.a, &w.c, M(&w), w.f.signal[DERM_S_CHEMOKINE], 4, step, 1.0);
        check_in_domain(&w);
    }
    world_fini(&w);
}

static void test_move_mean_square_displacement(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 1000.0); /* 4 mm cube: walls far away */
    const int n = 4000;
    const double D = 100.0, dt = 2.0; /* s.d. per axis 20 um */
    w.c.motility_quiescent = w.c.motility_activated = D;
    for (int q = 0; q < n; q++) add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 2, 1);
    for (int64_t v = 0; v < w.g.n; v++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 0.0;
        w.f.signal[DERM_S_CHEMOKINE][v] = 0.0;
    }
    double *x0 = malloc(3 * (size_t)n * sizeof(double));
    assert_non_null(x0);
    for (int r = 0; r < n; r++) {
        x0[3 * r] = w.a.x[r];
        x0[3 * r + 1] = w.a.y[r];
        x0[3 * r + 2] = w.a.z[r];
    }
    rebin(&w);
    derm_cells_move(&w.g, &w.a, &w.c, M(&w), w.f.signal[DERM_S_CHEMOKINE], 21, 0, dt);
    double msd = 0.0, mx = 0.0, msd_ax[3] = {0};
    for (int r = 0; r < n; r++) {
        double d[3] = {w.a.x[r] - x0[3 * r], w.a.y[r] - x0[3 * r + 1], w.a.z[r] - x0[3 * r + 2]};
        for (int k = 0; k < 3; k++) {
            msd += d[k] * d[k];
            msd_ax[k] += d[k] * d[k];
        }
        mx += d[0];
    }
    msd /= n;
    /* 6 D dt, relative s.e. sqrt(2/3/n) = 1.3 %; tolerance 10 % */
    assert_rel(msd, 6.0 * D * dt, 0.10);
    for (int k = 0; k < 3; k++) assert_rel(msd_ax[k] / n, 2.0 * D * dt, 0.10);
    assert_true(fabs(mx / n) < 5.0 * sqrt(2.0 * D * dt / n)); /* no drift */

    /* matrix hindrance: D / (1 + h C / C0) halves the MSD at C = C0, h = 1 */
    w.c.matrix_hindrance = 1.0;
    for (int64_t v = 0; v < w.g.n; v++) w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = w.c.matrix_ref;
    for (int r = 0; r < n; r++) {
        x0[3 * r] = w.a.x[r];
        x0[3 * r + 1] = w.a.y[r];
        x0[3 * r + 2] = w.a.z[r];
    }
    rebin(&w);
    derm_cells_move(&w.g, &w.a, &w.c, M(&w), w.f.signal[DERM_S_CHEMOKINE], 21, 1, dt);
    msd = 0.0;
    for (int r = 0; r < n; r++) {
        double dx = w.a.x[r] - x0[3 * r], dy = w.a.y[r] - x0[3 * r + 1], dz = w.a.z[r] - x0[3 * r + 2];
        msd += dx * dx + dy * dy + dz * dz;
    }
    assert_rel(msd / n, 3.0 * D * dt, 0.10);

    /* activated fibroblasts move with their own D; progenitors always with the quiescent
     * one, whatever their state */
    w.c.matrix_hindrance = 0.0;
    w.c.motility_activated = 4.0 * D;
    for (int r = 0; r < n; r++) {
        w.a.type[r] = (int8_t)(r % 2 ? DERM_AGENT_FIBROBLAST : DERM_AGENT_STEM);
        w.a.state[r] = DERM_STATE_ACTIVATED;
        x0[3 * r] = w.a.x[r];
        x0[3 * r + 1] = w.a.y[r];
        x0[3 * r + 2] = w.a.z[r];
    }
    rebin(&w);
    derm_cells_move(&w.g, &w.a, &w.c, M(&w), w.f.signal[DERM_S_CHEMOKINE], 21, 2, dt);
    double msd_type[2] = {0};
    for (int r = 0; r < n; r++) {
        double dx = w.a.x[r] - x0[3 * r], dy = w.a.y[r] - x0[3 * r + 1], dz = w.a.z[r] - x0[3 * r + 2];
        msd_type[w.a.type[r]] += dx * dx + dy * dy + dz * dz;
    }
    assert_rel(msd_type[DERM_AGENT_FIBROBLAST] / (n / 2), 6.0 * 4.0 * D * dt, 0.10);
    assert_rel(msd_type[DERM_AGENT_STEM] / (n / 2), 6.0 * D * dt, 0.10);
    free(x0);
    world_fini(&w);
}

static void test_move_chemotaxis_reflect_wrap(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 6, 20.0);
    const double h = w.g.h_um, lx = derm_grid_lx(&w.g), lz = derm_grid_lz(&w.g);
    w.c.motility_quiescent = w.c.motility_activated = 0.0; /* pure drift */
    w.c.chemotaxis = 10.0;
    const double slope = 0.6, dt = 2.0; /* au/um: drift chi slope dt = 12 um */
    double *chem = w.f.signal[DERM_S_CHEMOKINE];
    /* chemokine increasing with depth */
    for (int64_t k = 0; k < w.g.nz; k++)
        for (int64_t q = 0; q < 16; q++) chem[k * 16 + q] = slope * ((double)k + 0.5) * h;
    int64_t mid = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 1, 2);
    int64_t bot = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 2, 2, 5);
    int64_t dead = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 2);
    w.a.z[bot] = lz - 5.0;
    w.a.die[dead] = 1; /* agents about to die do not move */
    rebin(&w);
    double xm = w.a.x[mid], zm = w.a.z[mid], zd = w.a.z[dead];
    derm_cells_move(&w.g, &w.a, &w.c, M(&w), chem, 1, 0, dt);
    assert_rel(w.a.z[mid], zm + 12.0, 1e-12);
    assert_rel(w.a.x[mid], xm, 1e-15);
    assert_rel(w.a.z[bot], lz - 7.0, 1e-12); /* Lz - 5 + 12 reflected at Lz */
    assert_true(w.a.z[dead] == zd);
    /* chemokine decreasing with depth: a cell 5 um below the DEJ is reflected to 7 um */
    for (int64_t k = 0; k < w.g.nz; k++)
        for (int64_t q = 0; q < 16; q++) chem[k * 16 + q] = slope * (lz - ((double)k + 0.5) * h);
    w.a.z[mid] = 5.0;
    rebin(&w);
    derm_cells_move(&w.g, &w.a, &w.c, M(&w), chem, 1, 1, dt);
    assert_rel(w.a.z[mid], 7.0, 1e-12);
    /* lateral drift wraps periodically: chem linear in x across columns 1..3 */
    for (int64_t v = 0; v < w.g.n; v++) chem[v] = slope * ((double)(v % 4) + 0.5) * h;
    w.c.chemotaxis = 40.0;  /* drift 48 um */
    w.a.x[mid] = 2.5 * h;   /* 50 um (column 2) -> 98 um = 18 um after wrapping at 80 */
    w.a.z[mid] = 2.5 * h;
    rebin(&w);
    derm_cells_move(&w.g, &w.a, &w.c, M(&w), chem, 1, 2, dt);
    assert_rel(w.a.x[mid], 2.5 * h + 48.0 - lx, 1e-12);
    assert_rel(w.a.z[mid], 2.5 * h, 1e-15);
    world_fini(&w);
}

/* ---- thread independence -------------------------------------------------------------- */

struct snapshot {
    struct derm_agents a;
    double *rates[DERM_NSIGNAL + 3];
};

static void run_rules(int threads, struct snapshot *out)
{
    struct world w;
    world_init(&w, 8, 8, 8, 20.0);
    populate(&w, 400, 77);
    /* fast hazards so every branch fires within a few steps */
    w.c.apoptosis_h = 0.02;
    w.c.damage_h = 0.01;
    w.c.senescence_h = 0.05;
    w.c.clearance_h = 0.05;
    w.c.activation_h = w.c.deactivation_h = 0.1;
    w.c.division_h = 0.1;
    w.c.stem_differentiation_h = w.c.stem_self_renewal_h = w.c.stem_death_h = 0.05;
    w.c.stem_count = 40;
    w.c.stem_niche = 60;
    uint64_t s = 5;
    for (int64_t v = 0; v < w.g.n; v++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(s >> 11) * 0x1.0p-53;
        w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 250.0 * u;
        for (int q = 0; q < DERM_NSIGNAL; q++) w.f.signal[q][v] = 0.5 + u * (1.0 + q);
        w.crowd[v] = 2.0 * u;
    }
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    for (int step = 0; step < 5; step++) {
        decide(&w, 99, step, 1.0);
        secrete(&w);
        derm_cells_move(&w.g, &w.a, &w.c, M(&w), w.f.signal[DERM_S_CHEMOKINE], 99, step, 1.0);
        assert_int_equal(derm_cells_apply(&w.g, &w.a, &w.c, 99, step, NULL, NULL, NULL), DERM_OK);
    }
    decide(&w, 99, 5, 1.0);
    secrete(&w);
    omp_set_num_threads(saved);
    out->a = w.a; /* take ownership of the store */
    memset(&w.a, 0, sizeof w.a);
    for (int q = 0; q < DERM_NSIGNAL; q++) out->rates[q] = w.rt.signal[q], w.rt.signal[q] = NULL;
    out->rates[DERM_NSIGNAL] = w.rt.collagen, w.rt.collagen = NULL;
    out->rates[DERM_NSIGNAL + 1] = w.rt.elastin, w.rt.elastin = NULL;
    out->rates[DERM_NSIGNAL + 2] = w.rt.ha, w.rt.ha = NULL;
    world_fini(&w);
}

static void test_rules_thread_invariant(void **state)
{
    (void)state;
    struct snapshot s1, s2;
    run_rules(1, &s1);
    run_rules(2, &s2);
    assert_int_equal(s1.a.n, s2.a.n);
    assert_int_equal(s1.a.next_id, s2.a.next_id);
    assert_true(s1.a.next_id > 401); /* births happened */
    const size_t n = (size_t)s1.a.n;
#define X_CMP(name, ctype, kind, units, desc) assert_memory_equal(s1.a.name, s2.a.name, n * sizeof(ctype));
    DERM_AGENT_COLUMNS(X_CMP)
#undef X_CMP
    assert_memory_equal(s1.a.die, s2.a.die, n);
    assert_memory_equal(s1.a.divide, s2.a.divide, n);
    for (int q = 0; q < DERM_NSIGNAL + 3; q++) {
        assert_memory_equal(s1.rates[q], s2.rates[q], n * sizeof(double));
        free(s1.rates[q]);
        free(s2.rates[q]);
    }
    /* the run exercised deaths, senescence and both agent types */
    int sen = 0, stem = 0;
    for (size_t r = 0; r < n; r++) {
        sen += s1.a.state[r] == DERM_STATE_SENESCENT;
        stem += s1.a.type[r] == DERM_AGENT_STEM;
    }
    assert_true(sen > 0 && stem > 0);
    derm_agents_fini(&s1.a);
    derm_agents_fini(&s2.a);
}

/* AP-1 follows the ROS excess with the lag uv.ap1_time_h exactly; above the threshold it
 * removes TGF-beta receptors, which recover with uv.tgfbr_recovery_h; both cut synthesis. */
static void test_decide_ap1_lag_and_receptor_loss(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 2, 2, 2, 20.0);
    int64_t r = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    int64_t v = derm_grid_idx(&w.g, 0, 0, 0);
    for (int64_t q = 0; q < w.g.n; q++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][q] = 250.0;
        w.f.matrix[DERM_M_AGE_AMOUNT][q] = 250.0 * w.c.age_young;
        for (int s = 0; s < DERM_NSIGNAL; s++) w.f.signal[s][q] = 1.0;
    }
    hazards_off(&w.c);
    const double tau = w.c.ap1_time_h, thr = w.c.ap1_threshold;
    w.f.signal[DERM_S_ROS][v] = 1.0 + 3.0; /* excess 3, below the threshold */
    decide(&w, 1, 0, tau);
    assert_rel(w.a.ap1[r], 3.0 * (1.0 - exp(-1.0)), 1e-12);
    assert_rel(w.a.tgfb_response[r], 1.0, 1e-15);
    /* a strong burst: receptors fall toward kr/(kl + kr) */
    w.a.ap1[r] = thr + 30.0;
    w.a.ap1_adapted[r] = 0.0;
    w.f.signal[DERM_S_ROS][v] = 1.0 + thr + 30.0;
    decide(&w, 1, 1, 8.0);
    /* acute AP-1 = AP-1 above the level adapted to over the step (it started from 0) */
    const double acute = (thr + 30.0) * exp(-8.0 / w.c.ap1_adapt_h);
    const double kl = w.c.tgfbr_loss_h * (acute - thr), kr = 1.0 / w.c.tgfbr_recovery_h;
    const double rinf = kr / (kl + kr);
    assert_rel(w.a.tgfb_response[r], rinf + (1.0 - rinf) * exp(-(kl + kr) * 8.0), 1e-12);
    assert_true(w.a.tgfb_response[r] < 0.2);
    secrete(&w);
    double col_burst = w.rt.collagen[r];
    /* ROS back to normal: AP-1 decays, receptors recover */
    w.f.signal[DERM_S_ROS][v] = 1.0;
    for (int n = 0; n < 10; n++) decide(&w, 1, 2 + n, 24.0);
    assert_true(w.a.ap1[r] < 0.01 * (thr + 30.0));
    assert_true(w.a.tgfb_response[r] > 0.95);
    secrete(&w);
    assert_true(col_burst < 0.3 * w.rt.collagen[r]);
    world_fini(&w);
}

/* Exosome cargo: effect relaxes to uptake x tau x level; it raises synthesis, lowers MMPs
 * and IL, repairs damage; it wears off when the exosomes are gone. UV adds damage. */
static void test_exosome_effect_and_uv_damage(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 2, 2, 2, 20.0);
    int64_t ref = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    int64_t tr = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 0, 0);
    for (int64_t q = 0; q < w.g.n; q++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][q] = 250.0;
        w.f.matrix[DERM_M_AGE_AMOUNT][q] = 250.0 * w.c.age_young;
        for (int s = 0; s < DERM_NSIGNAL; s++) w.f.signal[s][q] = 1.0;
        w.f.signal[DERM_S_EXOSOME][q] = 0.0;
    }
    hazards_off(&w.c);
    w.c.exo_uptake_h = 0.01;
    w.f.signal[DERM_S_EXOSOME][derm_grid_idx(&w.g, 1, 0, 0)] = 5.0;
    w.a.damage[ref] = w.a.damage[tr] = 0.5;
    const double tau = w.c.exo_effect_h;
    decide(&w, 3, 0, tau);
    assert_rel(w.a.exosome_effect[tr], w.c.exo_uptake_h * tau * 5.0 * (1.0 - exp(-1.0)), 1e-12);
    assert_true(w.a.exosome_effect[ref] == 0.0);
    assert_true(w.a.damage[tr] < w.a.damage[ref]);
    secrete(&w);
    assert_true(w.rt.collagen[tr] > w.rt.collagen[ref]);
    assert_true(w.rt.signal[DERM_S_MMP1][tr] < w.rt.signal[DERM_S_MMP1][ref]);
    assert_true(w.rt.signal[DERM_S_MMP3][tr] < w.rt.signal[DERM_S_MMP3][ref]);
    assert_true(w.rt.signal[DERM_S_IL][tr] < w.rt.signal[DERM_S_IL][ref]);
    /* exosomes gone: the effect wears off with its time constant */
    double e0 = w.a.exosome_effect[tr];
    w.f.signal[DERM_S_EXOSOME][derm_grid_idx(&w.g, 1, 0, 0)] = 0.0;
    decide(&w, 3, 1, tau);
    assert_rel(w.a.exosome_effect[tr], e0 * exp(-1.0), 1e-12);
    /* UV reaching the layer adds damage per SED */
    double uv_k[2] = {10.0, 0.0};
    w.c.uv_dose_k = uv_k;
    double d0 = w.a.damage[ref];
    w.c.exo_uptake_h = 0.0;
    decide(&w, 3, 2, 1.0);
    assert_rel(w.a.damage[ref] - d0, 10.0 * w.c.uv_damage_per_sed, 1e-9);
    w.c.uv_dose_k = NULL;
    world_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attachment),
        cmocka_unit_test(test_secrete_senescent_vs_quiescent),
        cmocka_unit_test(test_secrete_collapsed_cells),
        cmocka_unit_test(test_secrete_environment_responses),
        cmocka_unit_test(test_secrete_stem_and_apoptotic_silent),
        cmocka_unit_test(test_decide_zero_hazards_changes_nothing),
        cmocka_unit_test(test_decide_damage_accumulates_with_ros),
        cmocka_unit_test(test_certain_death_and_apply),
        cmocka_unit_test(test_partial_death_removes_exactly_flagged),
        cmocka_unit_test(test_division_and_apply),
        cmocka_unit_test(test_progenitor_divisions),
        cmocka_unit_test(test_die_and_divide_same_step),
        cmocka_unit_test(test_move_stays_in_domain),
        cmocka_unit_test(test_move_mean_square_displacement),
        cmocka_unit_test(test_move_chemotaxis_reflect_wrap),
        cmocka_unit_test(test_rules_thread_invariant),
        cmocka_unit_test(test_decide_ap1_lag_and_receptor_loss),
        cmocka_unit_test(test_exosome_effect_and_uv_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
