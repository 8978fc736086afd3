/* fibroblast.c - fibroblast decisions and secretion (model and sources in fibroblast.h). */
#include "derm/model/fibroblast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/rng.h"
#include "derm/core/simd.h"
#include "derm/model/clock.h"

derm_status derm_cell_rates_reserve(struct derm_cell_rates *r, int64_t cap, struct derm_err *err)
{
    if (cap <= r->cap) return DERM_OK;
    cap = cap + cap / 2 + 64;
    double **arrs[DERM_NSIGNAL + 3];
    for (int s = 0; s < DERM_NSIGNAL; s++) arrs[s] = &r->signal[s];
    arrs[DERM_NSIGNAL] = &r->collagen;
    arrs[DERM_NSIGNAL + 1] = &r->elastin;
    arrs[DERM_NSIGNAL + 2] = &r->ha;
    for (int i = 0; i < DERM_NSIGNAL + 3; i++) {
        double *p = realloc(*arrs[i], (size_t)cap * sizeof(double));
        if (!p) return derm_err_set(err, DERM_ENOMEM, "cells: cannot allocate rates for %lld agents", (long long)cap);
        *arrs[i] = p;
    }
    r->cap = cap;
    return DERM_OK;
}

void derm_cell_rates_fini(struct derm_cell_rates *r)
{
    for (int s = 0; s < DERM_NSIGNAL; s++) free(r->signal[s]);
    free(r->collagen);
    free(r->elastin);
    free(r->ha);
    memset(r, 0, sizeof *r);
}

derm_status derm_cell_sensed_reserve(struct derm_cell_sensed *s, int64_t cap, struct derm_err *err)
{
    if (cap <= s->cap) return DERM_OK;
    cap = cap + cap / 2 + 64;
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        derm_real *p = realloc(s->signal[q], (size_t)cap * sizeof(derm_real));
        if (!p)
            return derm_err_set(err, DERM_ENOMEM, "cells: cannot allocate sensed signals for %lld agents",
                                (long long)cap);
        s->signal[q] = p;
    }
    s->cap = cap;
    return DERM_OK;
}

void derm_cell_sensed_fini(struct derm_cell_sensed *s)
{
    for (int q = 0; q < DERM_NSIGNAL; q++) free(s->signal[q]);
    memset(s, 0, sizeof *s);
}

double derm_fibroblast_attachment(const struct derm_fibroblast_coef *c, double f)
{
    if (!(f > 0.0)) return 1.0;
    return 1.0 / (1.0 + pow(f / c->collapse_half, c->collapse_hill));
}

/* Saturating response normalised to 1 at level 1: x (1 + K) / (K + x). */
static inline double response(double x, double half)
{
    if (x < 0.0) x = 0.0;
    return x * (1.0 + half) / (half + x);
}

static inline double local_frag(const derm_real *const *m, int64_t v)
{
    double i = m[DERM_M_COLLAGEN_INTACT][v], f = m[DERM_M_COLLAGEN_FRAGMENTED][v];
    return (i + f) > 0.0 ? f / (i + f) : 0.0;
}

/* RAGE signal: AGE per collagen above the young load, relative to it (0 when young). */
static inline double age_excess(const struct derm_fibroblast_coef *c, const derm_real *const *m, int64_t v)
{
    const double col = m[DERM_M_COLLAGEN_INTACT][v] + m[DERM_M_COLLAGEN_FRAGMENTED][v];
    const double x = col > 0.0 ? m[DERM_M_AGE_AMOUNT][v] / col : c->age_young;
    return x > c->age_young ? x / c->age_young - 1.0 : 0.0;
}

double derm_fibroblast_ros_factor(const struct derm_fibroblast_coef *c, const struct derm_step_inputs *in,
                                  const struct derm_agents *a, int64_t r, const derm_real *const *m)
{
    const int64_t v = a->voxel[r];
    return (a->state[r] == DERM_STATE_SENESCENT ? c->sasp_ros : 1.0) * (1.0 + c->ros_damage_gain * a->damage[r]) *
           (1.0 + c->rage_ros * age_excess(c, m, v));
}

double derm_fibroblast_ros_sensed(const struct derm_fibroblast_coef *c, const struct derm_homeostasis *h,
                                  const struct derm_step_inputs *in, const struct derm_agents *a, int64_t r,
                                  const derm_real *const *m, int64_t nxy)
{
    const double own = derm_fibroblast_ros_factor(c, in, a, r, m) / h->ros_own_ref;
    return own + (in->ros_ex_k ? in->ros_ex_k[a->voxel[r] / nxy] : 0.0);
}

/* Exact relaxation factors of the per-cell linear states over one step; tgfbr: the TGF-beta
 * responsiveness's while nothing drives its loss (exp(-(0 + kr) dt), the per-cell formula's
 * value then, made once a step instead of once a cell). */
struct keep_factors {
    double ap1, adapt, exo, tgfbr;
};

/* AP-1 (lagged ROS excess plus direct UV drive), the adapted level, TGF-beta receptor
 * loss and recovery, and exosome cargo, each advanced exactly for a constant drive. */
static inline void linear_states(struct derm_agents *a, int64_t r, const struct derm_fibroblast_coef *c, double ros_rel,
                                 double uv_drive, double exo_level, const struct keep_factors *kf, double dt)
{
    const double ros_ex = ros_rel > 1.0 ? ros_rel - 1.0 : 0.0;
    const double drive = ros_ex + uv_drive;
    a->ap1[r] = drive + (a->ap1[r] - drive) * kf->ap1;
    a->ap1_adapted[r] = a->ap1[r] + (a->ap1_adapted[r] - a->ap1[r]) * kf->adapt;
    a->ap1_uv[r] = uv_drive + (a->ap1_uv[r] - uv_drive) * kf->ap1;
    a->ap1_uv_adapted[r] = a->ap1_uv[r] + (a->ap1_uv_adapted[r] - a->ap1_uv[r]) * kf->adapt;
    /* TGF-beta responsiveness: lost while acute AP-1 (above the adapted level) exceeds the
     * threshold, recovers toward 1 */
    const double acute = a->ap1[r] - a->ap1_adapted[r];
    const double over = acute > c->ap1_threshold ? acute - c->ap1_threshold : 0.0;
    const double kl = c->tgfbr_loss_h * over, kr = 1.0 / c->tgfbr_recovery_h;
    const double r_inf = kr / (kl + kr);
    const double keep = over > 0.0 ? exp(-(kl + kr) * dt) : kf->tgfbr; /* kl = +0: the same value */
    a->tgfb_response[r] = r_inf + (a->tgfb_response[r] - r_inf) * keep;
    /* exosome cargo: uptake from the local level, wearing off */
    const double target = c->exo_uptake_h * c->exo_effect_h * (exo_level > 0.0 ? exo_level : 0.0);
    a->exosome_effect[r] = target + (a->exosome_effect[r] - target) * kf->exo;
}

/* Damage over the step, then the events of a live non-senescent cell in time order with
 * the step's hazards: apoptosis, senescence, division (or replicative senescence), and any
 * number of switches between quiescent and activated, which change the division hazard. */
static inline void fate(struct derm_agents *a, int64_t r, const struct derm_fibroblast_coef *c,
                        const struct derm_homeostasis *h, const struct derm_step_inputs *in, double ros_rel,
                        double uv_sed, double gfl, double att, double age_ex, double crowd, uint64_t seed, double dt)
{
    const double es = a->exosome_effect[r] / (1.0 + a->exosome_effect[r]);
    a->damage[r] += c->damage_h * ros_rel * dt;
    if (in->uv_sed_k) a->damage[r] += c->uv_damage_per_sed * uv_sed;
    if (es > 0.0) a->damage[r] *= exp(-c->exo_repair_h * in->exo_mult[DERM_EXO_REPAIR] * es * dt);
    const double dmg = a->damage[r];
    double crowd_term = 1.0 - crowd / c->crowding_factor;
    if (crowd_term < 0.0) crowd_term = 0.0;
    const double div_act = h->division_h * response(gfl, c->gf_half) * (1.0 - c->collapse_division_loss * (1.0 - att)) *
                           crowd_term / (1.0 + c->rage_proliferation * age_ex);
    const double ka = c->activation_h * (gfl > 0 ? gfl : 0), kd = c->deactivation_h;
    static const int kinds[4] = {DERM_CLOCK_DEATH, DERM_CLOCK_SENESCE, DERM_CLOCK_DIVIDE, DERM_CLOCK_SWITCH};
    double hz[4] = {c->apoptosis_h * (1.0 + c->damage_apoptosis_gain * dmg) * (1.0 + c->rage_apoptosis * age_ex),
                    c->senescence_h * dmg * dmg, 0.0, 0.0};
    double t = 0.0, tf;
    for (int guard = 0; guard < 64 && t < dt; guard++) {
        const int act = a->state[r] == DERM_STATE_ACTIVATED;
        hz[2] = div_act * (act ? 1.0 : c->quiescent_division_factor);
        hz[3] = act ? kd : ka;
        const int ev = derm_clock_race(a, r, kinds, hz, 4, dt - t, seed, &tf);
        t += tf;
        if (ev == 0) {
            a->die[r] = 1;
            a->state[r] = DERM_STATE_APOPTOTIC;
            return;
        }
        if (ev == 1 || (ev == 2 && a->divisions[r] >= c->replicative_limit)) {
            a->state[r] = DERM_STATE_SENESCENT; /* damage or replicative senescence */
            return;
        }
        if (ev == 2) a->divide[r] = 1; /* one daughter per step at most */
        if (ev == 3) a->state[r] = act ? DERM_STATE_QUIESCENT : DERM_STATE_ACTIVATED;
        if (ev < 0) return;
    }
}

void derm_fibroblast_decide(const struct derm_grid *g, struct derm_agents *a, const struct derm_fibroblast_coef *c,
                            const struct derm_homeostasis *h, const struct derm_step_inputs *in,
                            const derm_real *const *m, const derm_real *const *sensed, const derm_real *crowd,
                            uint64_t seed, int64_t step, double dt_h)
{
    const int64_t n = a->n;
    const double dt = dt_h;
    const derm_real *gf = sensed[DERM_S_GF], *exo = sensed[DERM_S_EXOSOME];
    const double gf_ref = h->sensed_ref[DERM_S_GF];
    const int64_t nxy = g->nx * g->ny;
    const struct keep_factors kf = {exp(-dt / c->ap1_time_h), exp(-dt / c->ap1_adapt_h),
                                    c->exo_effect_h > 0.0 ? exp(-dt / c->exo_effect_h) : 0.0,
                                    exp(-(0.0 + 1.0 / c->tgfbr_recovery_h) * dt)};
#pragma omp parallel for schedule(static) default(none) shared(a, c, h, in, m, gf, exo, crowd, kf) \
    firstprivate(n, dt, seed, gf_ref, nxy)
    for (int64_t r = 0; r < n; r++) {
        if (r + DERM_PREFETCH_ROWS < n) { /* the fields this loop reads at a later row's voxel */
            const int64_t vp = a->voxel[r + DERM_PREFETCH_ROWS];
            DERM_PREFETCH(m[DERM_M_COLLAGEN_INTACT] + vp); /* local_frag, age_excess */
            DERM_PREFETCH(m[DERM_M_COLLAGEN_FRAGMENTED] + vp);
            DERM_PREFETCH(m[DERM_M_AGE_AMOUNT] + vp);
        }
        if (a->type[r] != DERM_AGENT_FIBROBLAST) continue;
        const int64_t v = a->voxel[r];
        a->die[r] = 0;
        a->divide[r] = 0;
        const double gfl = gf[r] / gf_ref;
        const double att = derm_fibroblast_attachment(c, local_frag(m, v));
        a->attachment[r] = att;
        /* per-cell linear states, for every fibroblast (senescent cells keep signalling) */
        const double rl = derm_fibroblast_ros_sensed(c, h, in, a, r, m, nxy);
        linear_states(a, r, c, rl, in->uv_ap1_k ? in->uv_ap1_k[v / nxy] : 0.0, exo[r], &kf, dt);
        if (a->state[r] == DERM_STATE_SENESCENT) {
            const int kind = DERM_CLOCK_DEATH;
            const double hz = c->clearance_h * in->immune;
            double tf;
            if (derm_clock_race(a, r, &kind, &hz, 1, dt, seed, &tf) == 0) {
                a->die[r] = 1;
                a->state[r] = DERM_STATE_APOPTOTIC;
            }
            continue;
        }
        fate(a, r, c, h, in, rl, in->uv_sed_k ? in->uv_sed_k[v / nxy] : 0.0, gfl, att, age_excess(c, m, v), crowd[r],
             seed, dt);
    }
}

/* Secretion and synthesis of one live fibroblast in voxel v of layer k. */
static inline double secrete_one(const struct derm_agents *a, int64_t r, int64_t v, int64_t k, int64_t nxy,
                                 const struct derm_fibroblast_coef *c, const struct derm_homeostasis *h,
                                 const struct derm_step_inputs *in, const derm_real *const *m,
                                 const derm_real *const *sensed, double out[DERM_NSIGNAL], double *col, double *el,
                                 double *ha)
{
    const int st = a->state[r];
    const int sen = st == DERM_STATE_SENESCENT, act = st == DERM_STATE_ACTIVATED;
    const double att = a->attachment[r];
    const double il = sensed[DERM_S_IL][r] > 0 ? sensed[DERM_S_IL][r] / h->sensed_ref[DERM_S_IL] : 0;
    const double ros = derm_fibroblast_ros_sensed(c, h, in, a, r, m, nxy);
    const double il_ex = il > 1.0 ? il - 1.0 : 0.0;
    const double ap1 = a->ap1[r];
    const double ap1_over = ap1 > c->procollagen_threshold ? ap1 - c->procollagen_threshold : 0.0;
    const double es = a->exosome_effect[r] / (1.0 + a->exosome_effect[r]);
    const double age_ex = age_excess(c, m, v);
    const double exo_syn = 1.0 + c->exo_syn_gain * in->exo_mult[DERM_EXO_SYNTHESIS] * es;
    const double exo_mmp = 1.0 / (1.0 + c->exo_mmp_inh * in->exo_mult[DERM_EXO_MMP] * es);
    const double exo_il = 1.0 / (1.0 + c->exo_il_inh * in->exo_mult[DERM_EXO_IL] * es);
    /* matrix synthesis */
    double state_syn = sen ? c->senescent_synthesis : (act ? c->activated_synthesis : 1.0);
    double tgfb = sensed[DERM_S_TGFB][r] / h->sensed_ref[DERM_S_TGFB] * a->tgfb_response[r];
    double syn_mod = state_syn * in->estrogen_synthesis * in->collagen_synthesis *
                     (1.0 - c->collapse_synthesis_loss * (1.0 - att)) * (1.0 + c->il_inhibition) /
                     (1.0 + c->il_inhibition * il) * (1.0 + c->ros_inhibition) / (1.0 + c->ros_inhibition * ros);
    *col = h->collagen_ref_k[k] * syn_mod * response(tgfb, c->tgfb_half) * exo_syn /
           (1.0 + c->procollagen_inhibition * ap1_over) / (1.0 + c->rage_synthesis * age_ex);
    if (in->wound_synthesis_k) *col *= in->wound_synthesis_k[k]; /* repairing micro-wounds */
    *el = h->elastin_ref_k[k] * state_syn *
          (in->elastin_synthesis + c->exo_syn_gain * in->exo_mult[DERM_EXO_SYNTHESIS] * es);
    *ha = h->ha_ref_k[k] * state_syn * in->estrogen_synthesis / (1.0 + c->ha_inhibition * ap1_over);
    /* signals: MMP induction through AP-1 (ROS, lagged) and IL; the SASP is damped by exosomes */
    /* MMP induction: AP-1 from ROS fully; of the UV-driven part, what exceeds the level the
     * cell has adapted to fully and the adapted part at uv_chronic_share (desensitisation) */
    const double uv = a->ap1_uv[r], uv_ad = a->ap1_uv_adapted[r];
    const double ap1_mmp =
        (ap1 - uv) + (uv > uv_ad ? uv - uv_ad : 0.0) + c->uv_chronic_share * (uv < uv_ad ? uv : uv_ad);
    double induce = 1.0 + c->il_mmp_gain * il_ex + c->ros_mmp_gain * ap1_mmp / (1.0 + ap1_mmp);
    const double sasp = exo_il;
    const double mmp1_rel = (sen ? 1.0 + (c->sasp_mmp1 - 1.0) * sasp : 1.0) *
                            (1.0 + c->collapse_mmp1_gain * (1.0 - att)) * induce * exo_mmp;
    out[DERM_S_MMP1] = mmp1_rel;
    out[DERM_S_MMP3] = (sen ? 1.0 + (c->sasp_mmp3 - 1.0) * sasp : 1.0) * induce * exo_mmp;
    out[DERM_S_TGFB] = act ? c->activated_tgfb : 1.0;
    out[DERM_S_TIMP] = 1.0;
    out[DERM_S_ROS] = derm_fibroblast_ros_factor(c, in, a, r, m);
    out[DERM_S_IL] = (sen ? 1.0 + (c->sasp_il - 1.0) * sasp : 1.0) * (1.0 + c->rage_ros * age_ex) * exo_il;
    out[DERM_S_GF] = c->gf_autocrine_share;
    out[DERM_S_CHEMOKINE] = sen ? 1.0 + (c->sasp_il - 1.0) * sasp : 1.0;
    out[DERM_S_EXOSOME] = 1.0;
    for (int s = 0; s < DERM_NSIGNAL; s++) out[s] *= h->secretion_ref[s];
    return mmp1_rel;
}

void derm_fibroblast_secrete(const struct derm_grid *g, struct derm_agents *a, const struct derm_fibroblast_coef *c,
                             const struct derm_homeostasis *h, const struct derm_step_inputs *in,
                             const derm_real *const *m, const derm_real *const *sensed, struct derm_cell_rates *rt)
{
    const int64_t n = a->n, nxy = g->nx * g->ny;
#pragma omp parallel for schedule(static) default(none) shared(a, c, h, in, m, sensed, rt) firstprivate(n, nxy)
    for (int64_t r = 0; r < n; r++) {
        if (r + DERM_PREFETCH_ROWS < n) { /* what secrete_one reads at a later row's voxel */
            const int64_t vp = a->voxel[r + DERM_PREFETCH_ROWS];
            DERM_PREFETCH(m[DERM_M_COLLAGEN_INTACT] + vp); /* age_excess, the ROS factor */
            DERM_PREFETCH(m[DERM_M_COLLAGEN_FRAGMENTED] + vp);
            DERM_PREFETCH(m[DERM_M_AGE_AMOUNT] + vp);
        }
        const int64_t v = a->voxel[r];
        double out[DERM_NSIGNAL] = {0};
        double col = 0.0, el = 0.0, ha = 0.0, mmp1_rel = 0.0;
        if (a->type[r] == DERM_AGENT_FIBROBLAST && a->state[r] != DERM_STATE_APOPTOTIC)
            mmp1_rel = secrete_one(a, r, v, v / nxy, nxy, c, h, in, m, sensed, out, &col, &el, &ha);
        for (int s = 0; s < DERM_NSIGNAL; s++) rt->signal[s][r] = out[s];
        rt->collagen[r] = col;
        rt->elastin[r] = el;
        rt->ha[r] = ha;
        a->collagen_synthesis[r] = col * c->voxel_ml * 1e9; /* mg/mL/h in one voxel -> pg/h */
        a->mmp1_secretion[r] = mmp1_rel;
    }
}
