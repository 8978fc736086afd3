/* test_fibroblast.c - model/fibroblast: attachment, decisions and secretion of fibroblasts.
 *
 * Small worlds (4x4x4 voxels, ~10 agents) with hand-set fields (cell_world.h: constants
 * from derm_params_defaults with the coefficient builder's unit conversions, all signal
 * references at 1, young-adult step inputs, individual hazards switched on or off per test).
 * Checks: attachment(0) = 1, attachment(f50) = 1/2, monotone; secretion ratios of
 * senescent / quiescent / activated / collapsed cells equal the documented factors
 * (VALIDATION C6, C8; 1e-12 relative); IL, ROS, TGF-beta and damage responses in closed
 * form; cells sense their own ROS (production factor: SASP, damage, RAGE, over the young
 * cells' mean h->ros_own_ref) plus the exposure excess of their layer (in->ros_ex_k), never
 * the voxel ROS field; RAGE (AGE per collagen above the young load) cuts collagen synthesis
 * and raises ROS and IL output; UV-driven AP-1 (ap1_uv) and the level adapted to
 * (ap1_uv_adapted) relax exactly, and adapted UV AP-1 induces MMPs only at
 * uv.ap1_chronic_share while ROS-driven AP-1 never desensitises; stem and apoptotic rows
 * secrete nothing; decide with zero hazards changes nothing and leaves progenitor rows
 * alone; damage accumulates with sensed ROS; divisions are flagged except at the
 * replicative limit (senescence), under contact inhibition and for senescent cells; AP-1
 * follows the ROS excess with its lag exactly and strips TGF-beta receptors above the
 * threshold; exosome cargo relaxes exactly and wears off; UV adds damage per SED; the step
 * inputs act as documented: clearance x immune, estrogen-dependent synthesis, developmental
 * collagen synthesis, elastin synthesis, the exposure ROS excess, the direct UV drive of
 * AP-1 and the exosome emphasis (derm_step_inputs.exo_mult). Events run on exact event
 * clocks (model/clock.h): clearance of senescent cells is the documented clock draw keyed by
 * the lineage key; activation and deactivation switch any number of times within a step,
 * so the activated fraction relaxes to a/(a+b) as 1 - e^{-(a+b)t} and each cell's state at
 * every 168 h is the same whether the step is 168, 42 or 12 h.
 * Births, deaths and the rules' thread independence are in test_lifecycle.c; progenitors in
 * test_progenitor.c; motility in test_motility.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/rng.h"

#include "cell_world.h"

/* ---- attachment and secretion ------------------------------------------------------ */

static void test_attachment(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    const struct derm_fibroblast_coef *c = &w.fc;
    assert_rel(derm_fibroblast_attachment(c, 0.0), 1.0, 1e-15);
    assert_rel(derm_fibroblast_attachment(c, -0.1), 1.0, 1e-15);
    assert_rel(derm_fibroblast_attachment(c, NAN), 1.0, 1e-15);
    assert_rel(derm_fibroblast_attachment(c, c->collapse_half), 0.5, 1e-15);
    /* Hill form 1 / (1 + (f/f50)^n) */
    assert_rel(derm_fibroblast_attachment(c, 0.6), 1.0 / (1.0 + pow(0.6 / c->collapse_half, c->collapse_hill)), 1e-14);
    double prev = 1.0;
    for (double f = 0.01; f <= 1.0; f += 0.01) {
        double a = derm_fibroblast_attachment(c, f);
        assert_true(a < prev && a > 0.0);
        prev = a;
    }
    world_fini(&w);
}

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
    const struct derm_fibroblast_coef *c = &w.fc;
    /* VALIDATION C8: senescent cells secrete more MMP-1 and IL, make less collagen */
    assert_true(rt->signal[DERM_S_MMP1][s] > rt->signal[DERM_S_MMP1][q]);
    assert_true(rt->signal[DERM_S_IL][s] > rt->signal[DERM_S_IL][q]);
    assert_true(rt->collagen[s] < rt->collagen[q]);
    assert_rel(rt->signal[DERM_S_MMP1][s] / rt->signal[DERM_S_MMP1][q], c->sasp_mmp1, 1e-12);
    assert_rel(rt->signal[DERM_S_MMP3][s] / rt->signal[DERM_S_MMP3][q], c->sasp_mmp3, 1e-12);
    assert_rel(rt->signal[DERM_S_IL][s] / rt->signal[DERM_S_IL][q], c->sasp_il, 1e-12);
    assert_rel(rt->signal[DERM_S_ROS][s] / rt->signal[DERM_S_ROS][q], c->sasp_ros, 1e-12);
    /* synthesis: the senescent factor, and the cell senses its own SASP ROS */
    assert_rel(rt->collagen[s] / rt->collagen[q],
               c->senescent_synthesis * (1.0 + c->ros_inhibition) / (1.0 + c->ros_inhibition * c->sasp_ros), 1e-12);
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
    hazards_off(&w);
    decide_fibroblasts(&w, 1, 0, 168.0);
    const struct derm_fibroblast_coef *c = &w.fc;
    double a_sp = derm_fibroblast_attachment(c, 0.05), a_co = derm_fibroblast_attachment(c, 0.6);
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
    int64_t ox = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 2, 0, 1); /* layer 1 */
    int64_t tg = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 3, 0, 0);
    w.f.signal[DERM_S_IL][derm_grid_idx(&w.g, 1, 0, 0)] = 3.0;
    w.f.signal[DERM_S_TGFB][derm_grid_idx(&w.g, 3, 0, 0)] = 2.0;
    /* exposure ROS excess 1 in layer 1: the cell there senses its own 1 + 1 = 2 */
    const double ex_k[4] = {0.0, 1.0, 0.0, 0.0};
    w.in.ros_ex_k = ex_k;
    /* collagen per voxel: the young AGE load (no RAGE excess) */
    for (int64_t v = 0; v < w.g.n; v++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = 250.0;
        w.f.matrix[DERM_M_AGE_AMOUNT][v] = 250.0 * w.fc.age_young;
    }
    w.a.ap1[ox] = 1.0; /* AP-1 at its steady state for ROS 2 (excess 1) */
    secrete(&w);
    const struct derm_fibroblast_coef *c = &w.fc;
    /* IL = 3: synthesis x (1 + c)/(1 + 3c); MMP induction 1 + gain (IL - 1) */
    assert_rel(w.rt.collagen[inf] / w.rt.collagen[ref], (1.0 + c->il_inhibition) / (1.0 + 3.0 * c->il_inhibition),
               1e-12);
    assert_rel(w.a.mmp1_secretion[inf], 1.0 + c->il_mmp_gain * 2.0, 1e-12);
    /* ROS = 2: synthesis x (1 + c)/(1 + 2c) (per layer reference); saturating MMP induction
     * 1 + gain x/(1 + x), x = 1 */
    assert_rel(w.rt.collagen[ox] / w.col_k[1] / (w.rt.collagen[ref] / w.col_k[0]),
               (1.0 + c->ros_inhibition) / (1.0 + 2.0 * c->ros_inhibition), 1e-12);
    assert_rel(w.a.mmp1_secretion[ox], 1.0 + c->ros_mmp_gain * 0.5, 1e-12);
    /* the exposure excess is sensed, not made: ROS output is the cell's own production */
    assert_rel(w.rt.signal[DERM_S_ROS][ox], w.rt.signal[DERM_S_ROS][ref], 1e-15);
    /* TGF-beta = 2: saturating response x (1 + K)/(K + x) */
    assert_rel(w.rt.collagen[tg] / w.rt.collagen[ref], 2.0 * (1.0 + c->tgfb_half) / (c->tgfb_half + 2.0), 1e-12);
    /* the voxel ROS field is not what a cell senses: raising it changes nothing */
    const double col_ref = w.rt.collagen[ref], mmp_ref = w.a.mmp1_secretion[ref];
    for (int64_t v = 0; v < w.g.n; v++) w.f.signal[DERM_S_ROS][v] = 5.0;
    secrete(&w);
    assert_rel(w.rt.collagen[ref], col_ref, 1e-15);
    assert_rel(w.a.mmp1_secretion[ref], mmp_ref, 1e-15);
    /* damage raises ROS output x (1 + gain d), which the cell itself senses */
    w.a.damage[ref] = 0.4;
    secrete(&w);
    const double own = 1.0 + c->ros_damage_gain * 0.4;
    assert_rel(w.rt.signal[DERM_S_ROS][ref], own, 1e-12);
    assert_rel(w.rt.collagen[ref] / col_ref, (1.0 + c->ros_inhibition) / (1.0 + own * c->ros_inhibition), 1e-12);
    /* relative to the young cells' own mean (h->ros_own_ref): a cell at the mean senses 1 */
    w.h.ros_own_ref = own;
    secrete(&w);
    assert_rel(w.rt.collagen[ref], col_ref, 1e-12);
    assert_rel(w.rt.signal[DERM_S_ROS][ref], own, 1e-12); /* output unchanged */
    world_fini(&w);
}

/* derm_fibroblast_ros_factor and derm_fibroblast_ros_sensed in closed form. */
static void test_own_ros_closed_form(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 2, 2, 3, 20.0);
    const struct derm_fibroblast_coef *c = &w.fc;
    int64_t q = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    int64_t s = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_SENESCENT, 1, 0, 1);
    int64_t g = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 1, 1, 2);
    const double X0 = c->age_young;
    for (int64_t v = 0; v < w.g.n; v++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = 200.0;
        w.f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 50.0;
        w.f.matrix[DERM_M_AGE_AMOUNT][v] = 250.0 * X0;
        w.f.signal[DERM_S_ROS][v] = 7.0; /* ignored */
    }
    /* RAGE: AGE per collagen 2.5 x the young load in g's voxel (excess 1.5) */
    w.f.matrix[DERM_M_AGE_AMOUNT][derm_grid_idx(&w.g, 1, 1, 2)] = 250.0 * 2.5 * X0;
    w.a.damage[s] = 0.3;
    rebin(&w);
    const struct derm_step_inputs *in = &w.in;
    assert_rel(derm_fibroblast_ros_factor(c, in, &w.a, q, M(&w)), 1.0, 1e-15);
    assert_rel(derm_fibroblast_ros_factor(c, in, &w.a, s, M(&w)), c->sasp_ros * (1.0 + c->ros_damage_gain * 0.3),
               1e-14);
    assert_rel(derm_fibroblast_ros_factor(c, in, &w.a, g, M(&w)), 1.0 + c->rage_ros * 1.5, 1e-14);
    /* AGE below the young load is no excess */
    w.f.matrix[DERM_M_AGE_AMOUNT][derm_grid_idx(&w.g, 1, 1, 2)] = 0.5 * 250.0 * X0;
    assert_rel(derm_fibroblast_ros_factor(c, in, &w.a, g, M(&w)), 1.0, 1e-15);
    w.f.matrix[DERM_M_AGE_AMOUNT][derm_grid_idx(&w.g, 1, 1, 2)] = 250.0 * 2.5 * X0;
    /* sensed: own / ros_own_ref + the layer's exposure excess */
    w.h.ros_own_ref = 1.25;
    const int64_t nxy = w.g.nx * w.g.ny;
    for (int64_t r = 0; r < w.a.n; r++)
        assert_rel(derm_fibroblast_ros_sensed(c, &w.h, in, &w.a, r, M(&w), nxy),
                   derm_fibroblast_ros_factor(c, in, &w.a, r, M(&w)) / 1.25, 1e-15);
    const double ex[3] = {0.5, 2.0, 0.0};
    w.in.ros_ex_k = ex;
    for (int64_t r = 0; r < w.a.n; r++)
        assert_rel(derm_fibroblast_ros_sensed(c, &w.h, &w.in, &w.a, r, M(&w), nxy),
                   derm_fibroblast_ros_factor(c, &w.in, &w.a, r, M(&w)) / 1.25 + ex[w.a.voxel[r] / nxy], 1e-15);
    /* RAGE in secretion: collagen / (1 + rs ex) and the cell's own ROS inhibits it; IL x (1 + rr ex) */
    w.in.ros_ex_k = NULL;
    w.h.ros_own_ref = 1.0;
    const int64_t g2 = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 0, 1, 2); /* no excess there */
    secrete(&w);
    const double ex_g = 1.5, own = 1.0 + c->rage_ros * ex_g;
    assert_rel(w.rt.collagen[g] / w.rt.collagen[g2],
               (1.0 + c->ros_inhibition) / (1.0 + c->ros_inhibition * own) / (1.0 + c->rage_synthesis * ex_g), 1e-12);
    assert_rel(w.rt.signal[DERM_S_IL][g] / w.rt.signal[DERM_S_IL][g2], 1.0 + c->rage_ros * ex_g, 1e-12);
    assert_rel(w.rt.signal[DERM_S_ROS][g] / w.rt.signal[DERM_S_ROS][g2], own, 1e-12);
    assert_true(c->rage_synthesis > 0.0 && c->rage_ros > 0.0);
    world_fini(&w);
}

/* UV-driven AP-1 and the level a cell has adapted to relax exactly; adapted UV AP-1 induces
 * MMPs only at uv.ap1_chronic_share (desensitisation), ROS-driven AP-1 always fully. */
static void test_uv_ap1_desensitisation(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 2, 2, 2, 20.0);
    hazards_off(&w);
    const struct derm_fibroblast_coef *c = &w.fc;
    for (int64_t v = 0; v < w.g.n; v++) {
        w.f.matrix[DERM_M_COLLAGEN_INTACT][v] = 250.0;
        w.f.matrix[DERM_M_AGE_AMOUNT][v] = 250.0 * c->age_young;
    }
    int64_t r = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    const double u = 2.0, dt = 36.0;
    const double ap1_k[2] = {u, 0.0};
    w.in.uv_ap1_k = ap1_k;
    decide_fibroblasts(&w, 1, 0, dt);
    const double k1 = exp(-dt / c->ap1_time_h), ka = exp(-dt / c->ap1_adapt_h);
    const double uv1 = u * (1.0 - k1), ad1 = uv1 * (1.0 - ka);
    assert_rel(w.a.ap1_uv[r], uv1, 1e-13);
    assert_rel(w.a.ap1_uv_adapted[r], ad1, 1e-13);
    assert_rel(w.a.ap1[r], uv1, 1e-13); /* no ROS excess: all of AP-1 is UV-driven */
    /* a second step from there: the same exact relaxation */
    decide_fibroblasts(&w, 1, 1, dt);
    const double uv2 = u + (uv1 - u) * k1, ad2 = uv2 + (ad1 - uv2) * ka;
    assert_rel(w.a.ap1_uv[r], uv2, 1e-13);
    assert_rel(w.a.ap1_uv_adapted[r], ad2, 1e-13);
    w.in.uv_ap1_k = NULL;

    /* MMP induction: three cells with AP-1 2, (a) from ROS, (b) UV not adapted to, (c) UV fully
     * adapted to; and (d) half adapted */
    int64_t a = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 0, 0);
    int64_t b = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 1, 0);
    int64_t d = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 1, 0);
    int64_t e = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 1, 1);
    const int64_t rows[4] = {a, b, d, e};
    for (int i = 0; i < 4; i++) w.a.ap1[rows[i]] = 2.0;
    w.a.ap1_uv[b] = w.a.ap1_uv[d] = w.a.ap1_uv[e] = 2.0;
    w.a.ap1_uv_adapted[d] = 2.0;
    w.a.ap1_uv_adapted[e] = 1.0;
    secrete(&w);
    const double G = c->ros_mmp_gain, f = c->uv_chronic_share;
    assert_true(f > 0.0 && f < 1.0);
    assert_rel(w.a.mmp1_secretion[a], 1.0 + G * 2.0 / 3.0, 1e-12);
    assert_rel(w.a.mmp1_secretion[b], 1.0 + G * 2.0 / 3.0, 1e-12);
    const double xd = f * 2.0, xe = 1.0 + f * 1.0;
    assert_rel(w.a.mmp1_secretion[d], 1.0 + G * xd / (1.0 + xd), 1e-12);
    assert_rel(w.a.mmp1_secretion[e], 1.0 + G * xe / (1.0 + xe), 1e-12);
    assert_true(w.a.mmp1_secretion[d] < w.a.mmp1_secretion[e] && w.a.mmp1_secretion[e] < w.a.mmp1_secretion[b]);
    assert_rel(w.rt.signal[DERM_S_MMP3][d] / w.rt.signal[DERM_S_MMP3][a],
               (1.0 + G * xd / (1.0 + xd)) / (1.0 + G * 2.0 / 3.0), 1e-12);
    /* a ROS-driven cell adapted to its AP-1 is not desensitised (the UV part only) */
    w.a.ap1_adapted[a] = 2.0;
    secrete(&w);
    assert_rel(w.a.mmp1_secretion[a], 1.0 + G * 2.0 / 3.0, 1e-12);
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

/* ---- decide ------------------------------------------------------------------------ */

static void test_decide_zero_hazards_changes_nothing(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    populate(&w, 10, 3);
    hazards_off(&w);
    for (int64_t r = 0; r < w.a.n; r++) w.a.die[r] = w.a.divide[r] = 1; /* stale flags */
    struct derm_agents before;
    assert_int_equal(derm_agents_init(&before, w.a.n, NULL), DERM_OK);
    for (int64_t r = 0; r < w.a.n; r++) {
        int64_t row = -1;
        assert_int_equal(derm_agents_append(&before, &row, NULL), DERM_OK);
        assert_int_equal(row, r);
        before.id[r] = w.a.id[r];
        before.state[r] = w.a.state[r];
        before.divisions[r] = w.a.divisions[r];
        before.damage[r] = w.a.damage[r];
        before.x[r] = w.a.x[r];
        before.attachment[r] = w.a.attachment[r];
    }
    int stems = 0;
    for (int step = 0; step < 5; step++) decide_fibroblasts(&w, 7, step, 168.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        assert_int_equal(w.a.id[r], before.id[r]);
        assert_int_equal(w.a.state[r], before.state[r]);
        assert_int_equal(w.a.divisions[r], before.divisions[r]);
        assert_true(w.a.damage[r] == before.damage[r]);
        assert_true(w.a.x[r] == before.x[r]);
        if (w.a.type[r] == DERM_AGENT_FIBROBLAST) {
            /* stale flags of fibroblasts are cleared */
            assert_int_equal(w.a.die[r], 0);
            assert_int_equal(w.a.divide[r], 0);
            assert_rel(w.a.attachment[r], derm_fibroblast_attachment(&w.fc, 0.05), 1e-14);
        } else {
            /* progenitor rows are left to derm_progenitor_decide: flags and attachment untouched */
            stems++;
            assert_int_equal(w.a.die[r], 1);
            assert_int_equal(w.a.divide[r], 1);
            assert_true(w.a.attachment[r] == before.attachment[r]);
        }
    }
    assert_int_equal(stems, 1);
    derm_agents_fini(&before);
    world_fini(&w);
}

/* The cell rules read no signal outside DERM_CELLS_SENSE (the step makes only those current
 * at the cells' voxels): with every other signal at 1 or at 37, the decisions, the cells'
 * states and their secretion are the same bits. */
static void test_cells_sense_only_their_signals(void **state)
{
    (void)state;
    struct world w[2];
    for (int x = 0; x < 2; x++) {
        world_init(&w[x], 4, 4, 4, 20.0);
        populate(&w[x], 40, 17);
        for (int64_t v = 0; v < w[x].g.n; v++) {
            w[x].f.matrix[DERM_M_COLLAGEN_INTACT][v] = 200.0 + (double)(v % 7);
            w[x].f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] = 10.0 + (double)(v % 3);
            w[x].f.matrix[DERM_M_AGE_AMOUNT][v] = 210.0 * w[x].fc.age_young * 1.2;
            for (int q = 0; q < DERM_NSIGNAL; q++)
                w[x].f.signal[q][v] = (DERM_CELLS_SENSE >> q & 1u) ? 0.5 + 0.25 * (double)(v % 5) : x ? 37.0 : 1.0;
        }
        w[x].fc.exo_uptake_h = 0.01;
        decide_all(&w[x], 9, 3, 168.0);
        secrete(&w[x]);
    }
    const size_t n = (size_t)w[0].a.n;
    assert_true(n == (size_t)w[1].a.n && n >= 40);
#define X_CMP(name, ctype, kind, units, desc) assert_memory_equal(w[0].a.name, w[1].a.name, n * sizeof(ctype));
    DERM_AGENT_COLUMNS(X_CMP)
#undef X_CMP
    assert_memory_equal(w[0].a.die, w[1].a.die, n);
    assert_memory_equal(w[0].a.divide, w[1].a.divide, n);
    for (int q = 0; q < DERM_NSIGNAL; q++)
        assert_memory_equal(w[0].rt.signal[q], w[1].rt.signal[q], n * sizeof(double));
    assert_memory_equal(w[0].rt.collagen, w[1].rt.collagen, n * sizeof(double));
    assert_memory_equal(w[0].rt.elastin, w[1].rt.elastin, n * sizeof(double));
    assert_memory_equal(w[0].rt.ha, w[1].rt.ha, n * sizeof(double));
    /* and the sensed ones are read: a sensed signal at another level changes the secretion */
    for (int64_t v = 0; v < w[1].g.n; v++) w[1].f.signal[DERM_S_TGFB][v] *= 2.0;
    secrete(&w[1]);
    assert_memory_not_equal(w[0].rt.collagen, w[1].rt.collagen, n * sizeof(double));
    world_fini(&w[0]);
    world_fini(&w[1]);
}

static void test_decide_damage_accumulates_with_ros(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    int64_t r0 = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 0, 0, 0);
    int64_t r1 = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 0, 1);
    hazards_off(&w);
    w.fc.damage_h = 1e-4;
    const double ex[4] = {0.0, 2.0, 0.0, 0.0}; /* r1 senses 1 + 2 */
    w.in.ros_ex_k = ex;
    w.f.signal[DERM_S_ROS][derm_grid_idx(&w.g, 0, 0, 0)] = 5.0; /* the voxel field: not sensed */
    decide_fibroblasts(&w, 1, 0, 100.0);
    assert_rel(w.a.damage[r0], 1e-4 * 1.0 * 100.0, 1e-14);
    assert_rel(w.a.damage[r1], 1e-4 * 3.0 * 100.0, 1e-14);
    world_fini(&w);
}

static void test_decide_division_flags(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 100.0); /* 400 um: daughters' offsets (s.d. 15 um) are resolvable */
    hazards_off(&w);
    w.h.division_h = 1e6;
    int64_t rows[6];
    for (int q = 0; q < 6; q++) {
        rows[q] = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, q % 4, 1, q % 4);
        w.a.divisions[rows[q]] = 3 + q;
        w.a.damage[rows[q]] = 0.1 * q;
        w.a.attachment[rows[q]] = 1.0;
    }
    /* one at the replicative limit: senesces instead of dividing */
    int64_t old = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 2, 2, 2);
    w.a.divisions[old] = (int32_t)w.fc.replicative_limit;
    /* contact-inhibited: local crowding at and beyond the stop density */
    int64_t crowded = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 3, 3, 3);
    w.crowd[derm_grid_idx(&w.g, 3, 3, 3)] = w.fc.crowding_factor;
    int64_t packed = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_ACTIVATED, 3, 0, 3);
    w.crowd[derm_grid_idx(&w.g, 3, 0, 3)] = 3.0 * w.fc.crowding_factor;
    /* one senescent: does not divide */
    int64_t sen = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_SENESCENT, 0, 3, 0);
    decide_fibroblasts(&w, 5, 2, 1.0);
    for (int q = 0; q < 6; q++) assert_int_equal(w.a.divide[rows[q]], 1);
    assert_int_equal(w.a.divide[old], 0);
    assert_int_equal(w.a.state[old], DERM_STATE_SENESCENT);
    assert_int_equal(w.a.divide[crowded], 0);
    assert_int_equal(w.a.divide[packed], 0);
    assert_int_equal(w.a.divide[sen], 0);
    /* the dividing cells are unchanged until the division is applied (model/lifecycle.c) */
    for (int q = 0; q < 6; q++) {
        assert_int_equal(w.a.divisions[rows[q]], 3 + q);
        assert_true(w.a.damage[rows[q]] == 0.1 * q);
        assert_int_equal(w.a.state[rows[q]], DERM_STATE_ACTIVATED);
        assert_int_equal(w.a.die[rows[q]], 0);
    }
    /* quiescent cells divide at quiescent_division_factor x the activated hazard: with the
     * factor at 0 none does, with the activated hazard they all do */
    w.fc.quiescent_division_factor = 0.0;
    for (int q = 0; q < 6; q++) w.a.state[rows[q]] = DERM_STATE_QUIESCENT;
    decide_fibroblasts(&w, 5, 3, 1.0);
    for (int q = 0; q < 6; q++) assert_int_equal(w.a.divide[rows[q]], 0);
    world_fini(&w);
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
        w.f.matrix[DERM_M_AGE_AMOUNT][q] = 250.0 * w.fc.age_young;
        for (int s = 0; s < DERM_NSIGNAL; s++) w.f.signal[s][q] = 1.0;
    }
    hazards_off(&w);
    const double tau = w.fc.ap1_time_h, thr = w.fc.ap1_threshold;
    double ex[2] = {3.0, 0.0}; /* excess 3 sensed in layer 0, below the threshold */
    w.in.ros_ex_k = ex;
    (void)v;
    decide_fibroblasts(&w, 1, 0, tau);
    assert_rel(w.a.ap1[r], 3.0 * (1.0 - exp(-1.0)), 1e-12);
    assert_rel(w.a.tgfb_response[r], 1.0, 1e-15);
    /* a strong burst: receptors fall toward kr/(kl + kr) */
    w.a.ap1[r] = thr + 30.0;
    w.a.ap1_adapted[r] = 0.0;
    ex[0] = thr + 30.0;
    decide_fibroblasts(&w, 1, 1, 8.0);
    /* acute AP-1 = AP-1 above the level adapted to over the step (it started from 0) */
    const double acute = (thr + 30.0) * exp(-8.0 / w.fc.ap1_adapt_h);
    const double kl = w.fc.tgfbr_loss_h * (acute - thr), kr = 1.0 / w.fc.tgfbr_recovery_h;
    const double rinf = kr / (kl + kr);
    assert_rel(w.a.tgfb_response[r], rinf + (1.0 - rinf) * exp(-(kl + kr) * 8.0), 1e-12);
    assert_true(w.a.tgfb_response[r] < 0.2);
    secrete(&w);
    double col_burst = w.rt.collagen[r];
    /* ROS back to normal: AP-1 decays, receptors recover */
    ex[0] = 0.0;
    for (int n = 0; n < 10; n++) decide_fibroblasts(&w, 1, 2 + n, 24.0);
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
        w.f.matrix[DERM_M_AGE_AMOUNT][q] = 250.0 * w.fc.age_young;
        for (int s = 0; s < DERM_NSIGNAL; s++) w.f.signal[s][q] = 1.0;
        w.f.signal[DERM_S_EXOSOME][q] = 0.0;
    }
    hazards_off(&w);
    w.fc.exo_uptake_h = 0.01;
    w.f.signal[DERM_S_EXOSOME][derm_grid_idx(&w.g, 1, 0, 0)] = 5.0;
    w.a.damage[ref] = w.a.damage[tr] = 0.5;
    const double tau = w.fc.exo_effect_h;
    decide_fibroblasts(&w, 3, 0, tau);
    assert_rel(w.a.exosome_effect[tr], w.fc.exo_uptake_h * tau * 5.0 * (1.0 - exp(-1.0)), 1e-12);
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
    decide_fibroblasts(&w, 3, 1, tau);
    assert_rel(w.a.exosome_effect[tr], e0 * exp(-1.0), 1e-12);
    /* UV reaching the layer adds damage per SED */
    double uv_k[2] = {10.0, 0.0};
    w.in.uv_sed_k = uv_k;
    double d0 = w.a.damage[ref];
    w.fc.exo_uptake_h = 0.0;
    decide_fibroblasts(&w, 3, 2, 1.0);
    assert_rel(w.a.damage[ref] - d0, 10.0 * w.fc.uv_damage_per_sed, 1e-9);
    w.in.uv_sed_k = NULL;
    world_fini(&w);
}

/* The per-step inputs act on the kernels as documented (store/step_inputs.h). */
static void test_step_inputs_scale_kernels(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    int64_t q = add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, 1, 1, 2);
    secrete(&w);
    const double col0 = w.rt.collagen[q], ha0 = w.rt.ha[q], el0 = w.rt.elastin[q];
    const double ros0 = w.rt.signal[DERM_S_ROS][q], mmp0 = w.rt.signal[DERM_S_MMP1][q];
    assert_rel(col0, w.col_k[2], 1e-12);
    assert_rel(el0, w.el_k[2], 1e-12);
    assert_rel(ha0, w.ha_k[2], 1e-12);
    /* estrogen-dependent synthesis scales collagen and HA, not elastin */
    w.in.estrogen_synthesis = 0.6;
    secrete(&w);
    assert_rel(w.rt.collagen[q], 0.6 * col0, 1e-12);
    assert_rel(w.rt.ha[q], 0.6 * ha0, 1e-12);
    assert_rel(w.rt.elastin[q], el0, 1e-12);
    /* developmental fall of elastin synthesis */
    w.in.estrogen_synthesis = 1.0;
    w.in.elastin_synthesis = 0.25;
    secrete(&w);
    assert_rel(w.rt.elastin[q], 0.25 * el0, 1e-12);
    assert_rel(w.rt.collagen[q], col0, 1e-12);
    /* developmental collagen synthesis scales collagen only */
    w.in.elastin_synthesis = 1.0;
    w.in.collagen_synthesis = 1.3;
    secrete(&w);
    assert_rel(w.rt.collagen[q], 1.3 * col0, 1e-12);
    assert_rel(w.rt.ha[q], ha0, 1e-12);
    assert_rel(w.rt.elastin[q], el0, 1e-12);
    assert_rel(w.rt.signal[DERM_S_ROS][q], ros0, 1e-12);
    w.in.collagen_synthesis = 1.0;
    /* the exposure ROS excess of the cell's layer is sensed (synthesis inhibited, MMPs
     * induced through AP-1 over time) but is not ROS the cell makes */
    const double ex_k[4] = {0.0, 0.0, 0.5, 0.0};
    w.in.ros_ex_k = ex_k;
    secrete(&w);
    assert_rel(w.rt.collagen[q], col0 * (1.0 + w.fc.ros_inhibition) / (1.0 + 1.5 * w.fc.ros_inhibition), 1e-12);
    assert_rel(w.rt.signal[DERM_S_ROS][q], ros0, 1e-12);
    assert_rel(w.rt.signal[DERM_S_MMP1][q], mmp0, 1e-12); /* AP-1 has not risen yet */
    w.in.ros_ex_k = NULL;

    /* exosome emphasis: with cargo taken up (e = 1, s = 1/2) the synthesis gain, MMP and IL
     * suppression are weighted by exo_mult; generic (1) against doubled */
    w.a.exosome_effect[q] = 1.0;
    secrete(&w);
    const double s = 0.5, col_g = w.rt.collagen[q], mmp_g = w.rt.signal[DERM_S_MMP1][q];
    const double il_g = w.rt.signal[DERM_S_IL][q];
    const struct derm_fibroblast_coef *c = &w.fc;
    assert_rel(col_g, col0 * (1.0 + c->exo_syn_gain * s), 1e-12);
    assert_rel(mmp_g, mmp0 / (1.0 + c->exo_mmp_inh * s), 1e-12);
    w.in.exo_mult[DERM_EXO_SYNTHESIS] = 2.0;
    w.in.exo_mult[DERM_EXO_MMP] = 2.0;
    w.in.exo_mult[DERM_EXO_IL] = 0.0;
    secrete(&w);
    assert_rel(w.rt.collagen[q], col0 * (1.0 + 2.0 * c->exo_syn_gain * s), 1e-12);
    assert_rel(w.rt.signal[DERM_S_MMP1][q], mmp0 / (1.0 + 2.0 * c->exo_mmp_inh * s), 1e-12);
    assert_rel(w.rt.signal[DERM_S_IL][q], il_g * (1.0 + c->exo_il_inh * s), 1e-12);
    w.in = derm_step_inputs_young();
    w.in.stem_count = 5;
    w.a.exosome_effect[q] = 0.0;

    /* the direct UV drive of AP-1 (per layer) adds to the ROS excess as a drive */
    hazards_off(&w);
    double ap1_k[4] = {0.0, 0.0, 2.0, 0.0};
    w.in.uv_ap1_k = ap1_k;
    decide_fibroblasts(&w, 2, 0, c->ap1_time_h);
    assert_rel(w.a.ap1[q], 2.0 * (1.0 - exp(-1.0)), 1e-12);
    assert_rel(w.a.ap1_uv[q], 2.0 * (1.0 - exp(-1.0)), 1e-12); /* all of it UV-driven */
    w.in.uv_ap1_k = NULL;
    world_fini(&w);
}

/* Immune clearance of senescent cells runs at clearance_h x in->immune. */
static void test_clearance_scaled_by_immunity(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    for (int n = 0; n < 200; n++) add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_SENESCENT, n % 4, (n / 4) % 4, n % 3);
    hazards_off(&w);
    w.fc.clearance_h = 1e6;
    /* no immunity: nobody is cleared, however large the young rate */
    w.in.immune = 0.0;
    decide_fibroblasts(&w, 4, 0, 1.0);
    for (int64_t r = 0; r < w.a.n; r++) {
        assert_int_equal(w.a.die[r], 0);
        assert_int_equal(w.a.state[r], DERM_STATE_SENESCENT);
    }
    /* hazard ln 2 / h at immunity 1/2 of a young rate 2 ln 2 / h: about half cleared in 1 h */
    w.fc.clearance_h = 2.0 * log(2.0);
    w.in.immune = 0.5;
    decide_fibroblasts(&w, 4, 1, 1.0);
    int64_t cleared = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        cleared += w.a.die[r];
        if (w.a.die[r]) assert_int_equal(w.a.state[r], DERM_STATE_APOPTOTIC);
        /* the documented clock draw: the death clock's first threshold (keyed by the lineage
         * key, never the step) against hazard x dt; survivors keep what is left of it */
        const double e0 = -log(derm_rng_uniform(4, (uint64_t)w.a.lineage[r], 0, DERM_RNG_CLOCK + DERM_CLOCK_DEATH, 0));
        assert_int_equal(w.a.die[r], e0 < log(2.0));
        if (!w.a.die[r]) {
            assert_rel(w.a.clock[DERM_CLOCK_DEATH][r], e0 - log(2.0), 1e-13);
            assert_int_equal(w.a.clock_n[DERM_CLOCK_DEATH][r], 0);
        } else {
            assert_int_equal(w.a.clock_n[DERM_CLOCK_DEATH][r], 1);
        }
    }
    assert_true(cleared > 70 && cleared < 130); /* binomial(200, 1/2): mean 100, s.d. 7 */
    /* the survivors' clocks carry on: after the cleared cells are removed, one more hour
     * clears exactly the cells whose first threshold is below 2 ln 2 */
    int64_t deaths = 0;
    assert_int_equal(apply(&w, 4, 1, NULL, &deaths), DERM_OK);
    assert_int_equal(deaths, cleared);
    decide_fibroblasts(&w, 4, 2, 1.0);
    int64_t second = 0;
    for (int64_t r = 0; r < w.a.n; r++) {
        const double e0 = -log(derm_rng_uniform(4, (uint64_t)w.a.lineage[r], 0, DERM_RNG_CLOCK + DERM_CLOCK_DEATH, 0));
        assert_true(e0 >= log(2.0));
        assert_int_equal(w.a.die[r], e0 < 2.0 * log(2.0));
        second += w.a.die[r];
    }
    assert_true(second > 0 && second < w.a.n);
    world_fini(&w);
}

/* Activation and deactivation are exact for any step: the activated fraction relaxes as
 * a/(a+b) (1 - e^{-(a+b) t}) from all quiescent, and each cell's state at every 168 h is the
 * same with steps of 168, 42 and 12 h (several switches within a long step). */
static void test_activation_exact_for_any_step(void **state)
{
    (void)state;
    const int n = 2000;
    const double ka = 0.02, kd = 0.03, T = 1008.0; /* 1/h: ~4 switches per cell and week */
    const double steps[3] = {168.0, 42.0, 12.0};
    int8_t *st[3];
    double frac_end[3];
    for (int si = 0; si < 3; si++) {
        struct world w;
        world_init(&w, 4, 4, 4, 20.0);
        hazards_off(&w);
        w.fc.activation_h = ka; /* x growth factor 1 */
        w.fc.deactivation_h = kd;
        for (int q = 0; q < n; q++)
            add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, q % 4, (q / 4) % 4, (q / 16) % 4);
        assert_non_null(st[si] = malloc((size_t)n * 6));
        int64_t step = 0;
        for (double t = 0.0; t < T - 1e-9; t += steps[si]) {
            decide_fibroblasts(&w, 31, step++, steps[si]);
            const double te = t + steps[si];
            if (fmod(te, 168.0) == 0.0)
                for (int q = 0; q < n; q++) st[si][(size_t)(te / 168.0 - 1.0) * n + q] = w.a.state[q];
            if (si == 2 && te == 12.0) { /* the transient after one short step */
                int na = 0;
                for (int q = 0; q < n; q++) na += w.a.state[q] == DERM_STATE_ACTIVATED;
                const double p = ka / (ka + kd) * (1.0 - exp(-(ka + kd) * 12.0));
                if (!(fabs((double)na / n - p) < 5.0 * sqrt(p * (1.0 - p) / n)))
                    fail_msg("activated after 12 h: %.4f, expected %.4f", (double)na / n, p);
            }
        }
        int na = 0, switched = 0;
        for (int q = 0; q < n; q++) {
            na += w.a.state[q] == DERM_STATE_ACTIVATED;
            switched += w.a.clock_n[DERM_CLOCK_SWITCH][q];
            assert_int_equal(w.a.die[q], 0);
            assert_int_equal(w.a.divide[q], 0);
        }
        frac_end[si] = (double)na / n;
        /* ~ 2 ka kd / (ka + kd) T switches per cell at the balance */
        assert_true((double)switched / n > 10.0);
        world_fini(&w);
    }
    const double p = ka / (ka + kd), se = sqrt(p * (1.0 - p) / n);
    for (int si = 0; si < 3; si++)
        if (!(fabs(frac_end[si] - p) < 5.0 * se))
            fail_msg("dt %g h: activated fraction %.4f, expected %.4f", steps[si], frac_end[si], p);
    /* cell by cell, week by week: the same states whatever the step */
    for (int si = 1; si < 3; si++) assert_memory_equal(st[si], st[0], (size_t)n * 6);
    /* at the end of the first week the fraction is already p (1 - e^{-8.4}) */
    int na = 0;
    for (int q = 0; q < n; q++) na += st[0][q] == DERM_STATE_ACTIVATED;
    assert_true(fabs((double)na / n - p * (1.0 - exp(-(ka + kd) * 168.0))) < 5.0 * se);
    for (int si = 0; si < 3; si++) free(st[si]);
}

/* The default rates too: quiescent cells activate at activation_per_day x growth factor and
 * the balance a/(a+b) holds at the default weekly step. */
static void test_activation_balance_default_rates(void **state)
{
    (void)state;
    const int n = 3000;
    struct world w;
    world_init(&w, 4, 4, 4, 20.0);
    hazards_off(&w);
    world_coef_defaults(&w);
    const double a = w.fc.activation_h, b = w.fc.deactivation_h;
    w.fc.apoptosis_h = w.fc.damage_h = w.fc.senescence_h = 0.0;
    w.h.division_h = 0.0;
    w.fc.exo_uptake_h = 0.0;
    for (int q = 0; q < n; q++)
        add_cell(&w, DERM_AGENT_FIBROBLAST, DERM_STATE_QUIESCENT, q % 4, (q / 4) % 4, (q / 16) % 4);
    for (int step = 0; step < 30; step++) decide_fibroblasts(&w, 8, step, 168.0);
    int na = 0;
    for (int q = 0; q < n; q++) na += w.a.state[q] == DERM_STATE_ACTIVATED;
    const double p = a / (a + b) * (1.0 - exp(-(a + b) * 30.0 * 168.0)), se = sqrt(p * (1.0 - p) / n);
    if (!(fabs((double)na / n - p) < 5.0 * se)) fail_msg("activated %.4f, expected %.4f", (double)na / n, p);
    world_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attachment),
        cmocka_unit_test(test_secrete_senescent_vs_quiescent),
        cmocka_unit_test(test_secrete_collapsed_cells),
        cmocka_unit_test(test_secrete_environment_responses),
        cmocka_unit_test(test_own_ros_closed_form),
        cmocka_unit_test(test_uv_ap1_desensitisation),
        cmocka_unit_test(test_secrete_stem_and_apoptotic_silent),
        cmocka_unit_test(test_decide_zero_hazards_changes_nothing),
        cmocka_unit_test(test_cells_sense_only_their_signals),
        cmocka_unit_test(test_decide_damage_accumulates_with_ros),
        cmocka_unit_test(test_decide_division_flags),
        cmocka_unit_test(test_decide_ap1_lag_and_receptor_loss),
        cmocka_unit_test(test_exosome_effect_and_uv_damage),
        cmocka_unit_test(test_step_inputs_scale_kernels),
        cmocka_unit_test(test_clearance_scaled_by_immunity),
        cmocka_unit_test(test_activation_exact_for_any_step),
        cmocka_unit_test(test_activation_balance_default_rates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
