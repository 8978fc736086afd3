/* cells.c - fibroblast and progenitor rules (model and sources in cells.h). */
#include "derm/model/fibroblast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/rng.h"

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

double derm_cells_attachment(const struct derm_cell_coef *c, double f)
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

static inline double local_frag(const double *const *m, int64_t v)
{
    double i = m[DERM_M_COLLAGEN_INTACT][v], f = m[DERM_M_COLLAGEN_FRAGMENTED][v];
    return (i + f) > 0.0 ? f / (i + f) : 0.0;
}

/* RAGE signal: AGE per collagen above the young load, relative to it (0 when young). */
static inline double age_excess(const struct derm_cell_coef *c, const double *const *m, int64_t v)
{
    const double col = m[DERM_M_COLLAGEN_INTACT][v] + m[DERM_M_COLLAGEN_FRAGMENTED][v];
    const double x = col > 0.0 ? m[DERM_M_AGE_AMOUNT][v] / col : c->age_young;
    return x > c->age_young ? x / c->age_young - 1.0 : 0.0;
}

void derm_cells_decide(const struct derm_grid *g, struct derm_agents *a, const struct derm_cell_coef *c,
                       const double *const *m, const double *const *sig, const double *crowd,
                       uint64_t seed, int64_t step, double dt_h)
{
    const int64_t n = a->n;
    const double dt = dt_h;
    const uint64_t st = (uint64_t)step;
    const double *gf = sig[DERM_S_GF], *ros = sig[DERM_S_ROS], *exo = sig[DERM_S_EXOSOME];
    const double gf_ref = c->sensed_ref[DERM_S_GF], ros_ref = c->sensed_ref[DERM_S_ROS];
    const int64_t nxy = g->nx * g->ny;
    /* exact relaxation factors of the per-cell linear states over the step */
    const double ap1_keep = exp(-dt / c->ap1_time_h);
    const double adapt_keep = exp(-dt / c->ap1_adapt_h);
    const double exo_keep = c->exo_effect_h > 0.0 ? exp(-dt / c->exo_effect_h) : 0.0;
#pragma omp parallel for schedule(static) default(none) shared(a, c, m, gf, ros, exo, crowd) \
    firstprivate(n, dt, st, seed, gf_ref, ros_ref, nxy, ap1_keep, adapt_keep, exo_keep)
    for (int64_t r = 0; r < n; r++) {
        const int64_t v = a->voxel[r];
        const uint64_t id = (uint64_t)a->id[r];
        a->die[r] = 0;
        a->divide[r] = 0;
        const double gfl = gf[v] / gf_ref;
        const double gfr = response(gfl, c->gf_half);
        if (a->type[r] == DERM_AGENT_STEM) {
            if (derm_rng_event(seed, id, st, DERM_RNG_DIE, c->stem_death_h * dt)) {
                a->die[r] = 1;
                a->state[r] = DERM_STATE_APOPTOTIC;
            } else if (derm_rng_event(seed, id, st, DERM_RNG_STEM,
                                      c->stem_differentiation_h * gfr *
                                          (1.0 + c->exo_progenitor_gain * c->exo_mult[4] * exo[v] / (1.0 + exo[v])) *
                                          dt)) {
                a->divide[r] = 2;
            } else {
                double room = 1.0 - (double)c->stem_count / c->stem_niche;
                if (room > 0.0 && derm_rng_event(seed, id, st, DERM_RNG_DIVIDE, c->stem_self_renewal_h * room * dt))
                    a->divide[r] = 1;
            }
            continue;
        }
        const double att = derm_cells_attachment(c, local_frag(m, v));
        a->attachment[r] = att;
        /* per-cell linear states, for every fibroblast (senescent cells keep signalling) */
        double rl = ros[v] > 0.0 ? ros[v] / ros_ref : 0.0;
        /* AP-1 follows the sensed ROS excess and direct UV signalling with a lag (exact for a
         * constant drive over the step) */
        const double ros_ex = rl > 1.0 ? rl - 1.0 : 0.0;
        const double drive = ros_ex + (c->uv_ap1_k ? c->uv_ap1_k[v / nxy] : 0.0);
        a->ap1[r] = drive + (a->ap1[r] - drive) * ap1_keep;
        a->ap1_adapted[r] = a->ap1[r] + (a->ap1_adapted[r] - a->ap1[r]) * adapt_keep;
        /* TGF-beta responsiveness: lost while acute AP-1 (above the adapted level) exceeds
         * the threshold, recovers toward 1 */
        {
            const double acute = a->ap1[r] - a->ap1_adapted[r];
            const double over = acute > c->ap1_threshold ? acute - c->ap1_threshold : 0.0;
            const double kl = c->tgfbr_loss_h * over, kr = 1.0 / c->tgfbr_recovery_h;
            const double r_inf = kr / (kl + kr);
            a->tgfb_response[r] = r_inf + (a->tgfb_response[r] - r_inf) * exp(-(kl + kr) * dt);
        }
        /* exosome cargo: uptake from the local level, wearing off */
        {
            const double target = c->exo_uptake_h * c->exo_effect_h * (exo[v] > 0.0 ? exo[v] : 0.0);
            a->exosome_effect[r] = target + (a->exosome_effect[r] - target) * exo_keep;
        }
        if (a->state[r] == DERM_STATE_SENESCENT) {
            if (derm_rng_event(seed, id, st, DERM_RNG_CLEAR, c->clearance_h * dt)) {
                a->die[r] = 1;
                a->state[r] = DERM_STATE_APOPTOTIC;
            }
            continue;
        }
        const double es = a->exosome_effect[r] / (1.0 + a->exosome_effect[r]);
        a->damage[r] += c->damage_h * rl * dt;
        if (c->uv_dose_k) a->damage[r] += c->uv_damage_per_sed * c->uv_dose_k[v / nxy];
        if (es > 0.0) a->damage[r] *= exp(-c->exo_repair_h * c->exo_mult[3] * es * dt);
        const double dmg = a->damage[r];
        const double age_ex = age_excess(c, m, v);
        if (derm_rng_event(seed, id, st, DERM_RNG_DIE,
                           c->apoptosis_h * (1.0 + c->damage_apoptosis_gain * dmg) * (1.0 + c->rage_apoptosis * age_ex) *
                               dt)) {
            a->die[r] = 1;
            a->state[r] = DERM_STATE_APOPTOTIC;
            continue;
        }
        if (derm_rng_event(seed, id, st, DERM_RNG_SENESCE, c->senescence_h * dmg * dmg * dt)) {
            a->state[r] = DERM_STATE_SENESCENT;
            continue;
        }
        const int activated = a->state[r] == DERM_STATE_ACTIVATED;
        double crowd_term = 1.0 - crowd[v] / c->crowding_factor;
        if (crowd_term < 0.0) crowd_term = 0.0;
        double hz_div = c->division_h * (activated ? 1.0 : c->quiescent_division_factor) * gfr *
                        (1.0 - c->collapse_division_loss * (1.0 - att)) * crowd_term;
        if (derm_rng_event(seed, id, st, DERM_RNG_DIVIDE, hz_div * dt)) {
            if (a->divisions[r] >= c->replicative_limit)
                a->state[r] = DERM_STATE_SENESCENT; /* replicative senescence */
            else
                a->divide[r] = 1;
            continue;
        }
        if (activated) {
            if (derm_rng_event(seed, id, st, DERM_RNG_ACTIVATE, c->deactivation_h * dt))
                a->state[r] = DERM_STATE_QUIESCENT;
        } else if (derm_rng_event(seed, id, st, DERM_RNG_ACTIVATE, c->activation_h * (gfl > 0 ? gfl : 0) * dt)) {
            a->state[r] = DERM_STATE_ACTIVATED;
        }
    }
}

void derm_cells_secrete(const struct derm_grid *g, struct derm_agents *a, const struct derm_cell_coef *c,
                        const double *const *m, const double *const *sig, struct derm_cell_rates *rt)
{
    const int64_t n = a->n, nxy = g->nx * g->ny;
#pragma omp parallel for schedule(static) default(none) shared(a, c, m, sig, rt) firstprivate(n, nxy)
    for (int64_t r = 0; r < n; r++) {
        const int64_t v = a->voxel[r];
        double out[DERM_NSIGNAL] = {0};
        double col = 0.0, el = 0.0, ha = 0.0, mmp1_rel = 0.0;
        const int st = a->state[r];
        if (a->type[r] == DERM_AGENT_FIBROBLAST && st != DERM_STATE_APOPTOTIC) {
            const int64_t k = v / nxy;
            const int sen = st == DERM_STATE_SENESCENT, act = st == DERM_STATE_ACTIVATED;
            const double att = a->attachment[r];
            const double il = sig[DERM_S_IL][v] > 0 ? sig[DERM_S_IL][v] / c->sensed_ref[DERM_S_IL] : 0;
            const double ros = sig[DERM_S_ROS][v] > 0 ? sig[DERM_S_ROS][v] / c->sensed_ref[DERM_S_ROS] : 0;
            const double il_ex = il > 1.0 ? il - 1.0 : 0.0;
            const double ap1 = a->ap1[r];
            const double ap1_over = ap1 > c->procollagen_threshold ? ap1 - c->procollagen_threshold : 0.0;
            const double es = a->exosome_effect[r] / (1.0 + a->exosome_effect[r]);
            const double age_ex = age_excess(c, m, v);
            const double exo_syn = 1.0 + c->exo_syn_gain * c->exo_mult[0] * es;
            const double exo_mmp = 1.0 / (1.0 + c->exo_mmp_inh * c->exo_mult[1] * es);
            const double exo_il = 1.0 / (1.0 + c->exo_il_inh * c->exo_mult[2] * es);
            /* matrix synthesis */
            double state_syn = sen ? c->senescent_synthesis : (act ? c->activated_synthesis : 1.0);
            double tgfb = sig[DERM_S_TGFB][v] / c->sensed_ref[DERM_S_TGFB] * a->tgfb_response[r];
            double syn_mod = state_syn * c->estrogen_synthesis *
                             (1.0 - c->collapse_synthesis_loss * (1.0 - att)) *
                             (1.0 + c->il_inhibition) / (1.0 + c->il_inhibition * il) *
                             (1.0 + c->ros_inhibition) / (1.0 + c->ros_inhibition * ros);
            col = c->collagen_ref_k[k] * syn_mod * response(tgfb, c->tgfb_half) * exo_syn /
                  (1.0 + c->procollagen_inhibition * ap1_over);
            el = c->elastin_ref_k[k] * state_syn * (c->elastin_synthesis + c->exo_syn_gain * c->exo_mult[0] * es);
            ha = c->ha_ref_k[k] * state_syn * c->estrogen_synthesis / (1.0 + c->ha_inhibition * ap1_over);
            /* signals */
            /* MMP induction through AP-1 (ROS, lagged) and IL; the SASP is damped by exosomes */
            double induce = 1.0 + c->il_mmp_gain * il_ex + c->ros_mmp_gain * ap1 / (1.0 + ap1);
            const double sasp = exo_il;
            mmp1_rel = (sen ? 1.0 + (c->sasp_mmp1 - 1.0) * sasp : 1.0) * (1.0 + c->collapse_mmp1_gain * (1.0 - att)) *
                       induce * exo_mmp;
            out[DERM_S_MMP1] = mmp1_rel;
            out[DERM_S_MMP3] = (sen ? 1.0 + (c->sasp_mmp3 - 1.0) * sasp : 1.0) * induce * exo_mmp;
            out[DERM_S_TGFB] = act ? c->activated_tgfb : 1.0;
            out[DERM_S_TIMP] = 1.0;
            out[DERM_S_ROS] = (sen ? c->sasp_ros : 1.0) * (1.0 + c->ros_damage_gain * a->damage[r]) * c->ros_ageing *
                              (1.0 + c->rage_ros * age_ex);
            out[DERM_S_IL] = (sen ? 1.0 + (c->sasp_il - 1.0) * sasp : 1.0) * (1.0 + c->rage_ros * age_ex) * exo_il;
            out[DERM_S_GF] = c->gf_autocrine_share;
            out[DERM_S_CHEMOKINE] = sen ? 1.0 + (c->sasp_il - 1.0) * sasp : 1.0;
            out[DERM_S_EXOSOME] = 1.0;
            for (int s = 0; s < DERM_NSIGNAL; s++) out[s] *= c->secretion_ref[s];
        }
        for (int s = 0; s < DERM_NSIGNAL; s++) rt->signal[s][r] = out[s];
        rt->collagen[r] = col;
        rt->elastin[r] = el;
        rt->ha[r] = ha;
        a->collagen_synthesis[r] = col * c->voxel_ml * 1e9; /* mg/mL/h in one voxel -> pg/h */
        a->mmp1_secretion[r] = mmp1_rel;
    }
}

static double wrap(double x, double L)
{
    x = fmod(x, L);
    return x < 0.0 ? x + L : x;
}

static double reflect(double z, double L)
{
    /* fold into [0, L) by mirror reflection at both faces */
    double p = fmod(z, 2.0 * L);
    if (p < 0.0) p += 2.0 * L;
    if (p >= L) p = 2.0 * L - p;
    if (p >= L) p = nextafter(L, 0.0);
    return p;
}

void derm_cells_move(const struct derm_grid *g, struct derm_agents *a, const struct derm_cell_coef *c,
                     const double *const *m, const double *chem, uint64_t seed, int64_t step, double dt_h)
{
    const int64_t n = a->n, nx = g->nx, ny = g->ny, nz = g->nz;
    const double h = g->h_um, lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    const double *ci = m[DERM_M_COLLAGEN_INTACT], *cf = m[DERM_M_COLLAGEN_FRAGMENTED];
    const uint64_t st = (uint64_t)step;
    const double dt = dt_h;
#pragma omp parallel for schedule(static) default(none) shared(a, c, ci, cf, chem) \
    firstprivate(n, nx, ny, nz, h, lx, ly, lz, st, dt, seed)
    for (int64_t r = 0; r < n; r++) {
        if (a->die[r]) continue;
        const int64_t v = a->voxel[r];
        const int64_t i = v % nx, j = (v / nx) % ny, k = v / (nx * ny);
        double D = a->state[r] == DERM_STATE_ACTIVATED ? c->motility_activated : c->motility_quiescent;
        if (a->type[r] == DERM_AGENT_STEM) D = c->motility_quiescent;
        D /= 1.0 + c->matrix_hindrance * (ci[v] + cf[v]) / c->matrix_ref;
        /* chemokine gradient by central differences (one-sided at the z faces) */
        double gx = 0, gy = 0, gz = 0;
        if (nx > 1) {
            int64_t ip = (i + 1) % nx, im = (i + nx - 1) % nx;
            gx = (chem[v - i + ip] - chem[v - i + im]) / (2.0 * h);
        }
        if (ny > 1) {
            int64_t jp = (j + 1) % ny, jm = (j + ny - 1) % ny;
            gy = (chem[v + (jp - j) * nx] - chem[v + (jm - j) * nx]) / (2.0 * h);
        }
        {
            int64_t kp = k + 1 < nz ? k + 1 : k, km = k > 0 ? k - 1 : k;
            if (kp != km) gz = (chem[v + (kp - k) * nx * ny] - chem[v + (km - k) * nx * ny]) / ((double)(kp - km) * h);
        }
        double sd = sqrt(2.0 * D * dt);
        uint64_t id = (uint64_t)a->id[r];
        double dx = sd * derm_rng_normal(seed, id, st, DERM_RNG_MOVE, 0) + c->chemotaxis * gx * dt;
        double dy = sd * derm_rng_normal(seed, id, st, DERM_RNG_MOVE, 1) + c->chemotaxis * gy * dt;
        double dz = sd * derm_rng_normal(seed, id, st, DERM_RNG_MOVE, 2) + c->chemotaxis * gz * dt;
        if (nx > 1) a->x[r] = wrap(a->x[r] + dx, lx);
        if (ny > 1) a->y[r] = wrap(a->y[r] + dy, ly);
        a->z[r] = reflect(a->z[r] + dz, lz);
    }
}

derm_status derm_cells_apply(const struct derm_grid *g, struct derm_agents *a, const struct derm_cell_coef *c,
                             uint64_t seed, int64_t step, int64_t *births, int64_t *deaths,
                             struct derm_err *err)
{
    const int64_t n0 = a->n;
    int64_t nb = 0, nd = 0;
    for (int64_t r = 0; r < n0; r++) nb += a->divide[r] != 0 && !a->die[r];
    DERM_TRY(derm_agents_reserve(a, nb, err));
    const double lx = derm_grid_lx(g), ly = derm_grid_ly(g), lz = derm_grid_lz(g);
    /* daughters migrate away within the contact-inhibition neighbourhood: without this,
     * clonal patches form and crowding no longer tracks tissue density */
    const double spread = c->daughter_spread_um;
    for (int64_t r = 0; r < n0; r++) {
        if (!a->divide[r] || a->die[r]) continue;
        int kind = a->divide[r];
        a->divide[r] = 0;
        int64_t d = derm_agents_append(a, err);
        if (d < 0) return err ? err->code : DERM_ENOMEM;
        int64_t new_id = a->id[d];
        derm_agents_copy_row(a, d, r);
        a->id[d] = new_id;
        uint64_t pid = (uint64_t)a->id[r];
        double ox = spread * derm_rng_normal(seed, pid, (uint64_t)step, DERM_RNG_DAUGHTER, 0);
        double oy = spread * derm_rng_normal(seed, pid, (uint64_t)step, DERM_RNG_DAUGHTER, 1);
        double oz = spread * derm_rng_normal(seed, pid, (uint64_t)step, DERM_RNG_DAUGHTER, 2);
        if (g->nx > 1) a->x[d] = wrap(a->x[r] + ox, lx);
        if (g->ny > 1) a->y[d] = wrap(a->y[r] + oy, ly);
        a->z[d] = reflect(a->z[r] + oz, lz);
        if (kind == 2) { /* progenitor -> fresh fibroblast */
            a->type[d] = DERM_AGENT_FIBROBLAST;
            a->state[d] = DERM_STATE_QUIESCENT;
            a->divisions[d] = 0;
            a->damage[d] = 0.0;
            a->attachment[d] = a->attachment[r] > 0 ? a->attachment[r] : 1.0;
            a->tgfb_response[d] = 1.0;
        } else if (a->type[r] == DERM_AGENT_FIBROBLAST) {
            a->divisions[r] += 1;
            a->divisions[d] = a->divisions[r];
            a->damage[r] += c->damage_per_division;
            a->damage[d] = a->damage[r];
            a->state[d] = DERM_STATE_QUIESCENT;
        }
        nb++;
    }
    nb = a->n - n0;
    for (int64_t r = n0 - 1; r >= 0; r--) {
        if (a->die[r]) {
            derm_agents_swap_remove(a, r);
            nd++;
        }
    }
    if (births) *births = nb;
    if (deaths) *deaths = nd;
    return DERM_OK;
}
