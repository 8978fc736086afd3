/* initial.c - the young-adult initial state (see initial.h). */
#include "derm/model/initial.h"

#include <math.h>

#include "derm/core/rng.h"
#include "derm/core/units.h"
#include "derm/store/fields.h"

derm_status derm_initial_cells(const struct derm_grid *g, struct derm_agents *a, const struct derm_initial_coef *c,
                               const double *density_ref_k, struct derm_err *err)
{
    const uint64_t seed = c->seed;
    const double lx = derm_grid_lx(g), ly = derm_grid_ly(g), h = g->h_um;
    const double f_act = c->activation_per_day / (c->activation_per_day + c->deactivation_per_day + 1e-300);
    const uint64_t layer_key = 1ULL << 62; /* keys for per-layer draws, disjoint from agent ids */
    int64_t nfib = 0;
    for (int64_t k = 0; k < g->nz; k++) {
        double expect = density_ref_k[k] * (double)(g->nx * g->ny);
        int64_t cnt = (int64_t)floor(expect);
        if (derm_rng_uniform(seed, layer_key + (uint64_t)k, 0, DERM_RNG_INIT_POS, 0) < expect - (double)cnt) cnt++;
        DERM_TRY(derm_agents_reserve(a, cnt, err));
        for (int64_t q = 0; q < cnt; q++) {
            int64_t r;
            DERM_TRY(derm_agents_append(a, &r, err));
            uint64_t id = (uint64_t)a->id[r];
            a->type[r] = DERM_AGENT_FIBROBLAST;
            a->x[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 0) * lx;
            a->y[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 1) * ly;
            a->z[r] = ((double)k + derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 2)) * h;
            a->divisions[r] = (int32_t)floor(derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_STATE, 0) *
                                             (double)(c->initial_divisions_max + 1));
            /* damage accumulated along the lineage so far at young ROS */
            double dmg =
                c->damage_per_year * c->age_start_years * derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_STATE, 1);
            a->damage[r] = dmg;
            double hs = c->senescence_per_year * dmg * dmg;
            double clear = c->clearance_per_year;
            double p_sen = hs > 0 ? hs / (hs + clear + 1e-300) : 0.0;
            double u = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_STATE, 2);
            a->state[r] = u < p_sen ? DERM_STATE_SENESCENT
                                    : (u < p_sen + (1 - p_sen) * f_act ? DERM_STATE_ACTIVATED : DERM_STATE_QUIESCENT);
            a->attachment[r] = 1.0;
            a->tgfb_response[r] = 1.0;
            nfib++;
        }
    }
    double sexp = c->stem_fraction * (double)nfib;
    int64_t nstem = (int64_t)floor(sexp);
    if (derm_rng_uniform(seed, layer_key - 1, 0, DERM_RNG_INIT_POS, 0) < sexp - (double)nstem) nstem++;
    for (int64_t q = 0; q < nstem; q++) {
        int64_t r;
        DERM_TRY(derm_agents_append(a, &r, err));
        uint64_t id = (uint64_t)a->id[r];
        a->type[r] = DERM_AGENT_STEM;
        a->state[r] = DERM_STATE_QUIESCENT;
        a->x[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 0) * lx;
        a->y[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 1) * ly;
        a->z[r] = derm_rng_uniform(seed, id, 0, DERM_RNG_INIT_POS, 2) * derm_grid_lz(g);
        a->attachment[r] = 1.0;
        a->tgfb_response[r] = 1.0;
    }
    return DERM_OK;
}

void derm_initial_matrix(const struct derm_grid *g, derm_real *const *m, const struct derm_initial_coef *c,
                         const struct derm_matrix_coef *mc)
{
    const double I0 = c->collagen_density;
    const double F0 = I0 * mc->k_cleave_h / mc->k_clear_h;
    const double H0 = c->ha_density;
    const double L0 = mc->lmw_yield * mc->k_ha_h * H0 / mc->k_lmw_h;
    /* AGE on elastin: formed at the baseline rate since birth, leaving with elastin turnover */
    const double el_age = c->elastin_age_form_per_year * c->elastin_half_life_years / DERM_LN2 * c->glucose_ratio *
                          c->elastin_density * (1.0 - exp(-DERM_LN2 * c->age_start_years / c->elastin_half_life_years));
    for (int64_t v = 0; v < g->n; v++) {
        m[DERM_M_COLLAGEN_INTACT][v] = I0;
        m[DERM_M_COLLAGEN_FRAGMENTED][v] = F0;
        m[DERM_M_AGE_AMOUNT][v] = c->age_per_collagen * (I0 + F0);
        m[DERM_M_ELASTIN_FUNCTIONAL][v] = c->elastin_density;
        m[DERM_M_ELASTIN_ELASTOTIC][v] = 0.0;
        m[DERM_M_HA_HMW][v] = H0;
        m[DERM_M_HA_LMW][v] = L0;
        m[DERM_M_ELASTIN_AGE_AMOUNT][v] = el_age;
    }
}

/* Amount at a0 (relative to the young-adult amount) from which x' = k (r(t) - x) reaches 1
 * at the young-adult age: x(a0) = e^{k D} [1 - k int r(t) e^{-k (ay - t)} dt]. */
static double develop_ratio(const struct derm_subject_coef *sc, int elastin, double k_per_year, double a0)
{
    const double ay = sc->young_age, span = ay - a0;
    const int n = 2000;
    const double h = span / n;
    double integral = 0.0;
    for (int i = 0; i < n; i++) { /* midpoint rule on a smooth integrand */
        const double t = a0 + (i + 0.5) * h;
        const double r = elastin ? derm_subject_elastin_synthesis(sc, t) : derm_subject_collagen_synthesis(sc, t);
        integral += r * exp(-k_per_year * (ay - t)) * h;
    }
    double x = exp(k_per_year * span) * (1.0 - k_per_year * integral);
    return x < 0.05 ? 0.05 : (x > 1.0 ? 1.0 : x);
}

void derm_initial_develop(const struct derm_grid *g, derm_real *const *m, const struct derm_initial_coef *c,
                          const struct derm_matrix_coef *mc, const struct derm_subject_coef *sc, double a0)
{
    if (!(a0 < sc->young_age)) return;
    const double Y = DERM_HOURS_PER_YEAR;
    const double kc = mc->k_cleave_h * mc->k_clear_h / (mc->k_cleave_h + mc->k_clear_h) * Y;
    const double rc = develop_ratio(sc, 0, kc, a0), re = develop_ratio(sc, 1, mc->k_elastin_h * Y, a0);
    const double age_frac = a0 > 0.0 ? a0 / sc->young_age : 0.0;
    for (int64_t v = 0; v < g->n; v++) {
        m[DERM_M_COLLAGEN_INTACT][v] *= rc;
        m[DERM_M_COLLAGEN_FRAGMENTED][v] *= rc;
        m[DERM_M_AGE_AMOUNT][v] *= rc * age_frac;
        m[DERM_M_ELASTIN_FUNCTIONAL][v] *= re;
        m[DERM_M_ELASTIN_AGE_AMOUNT][v] *= re * age_frac;
    }
    (void)c;
}
