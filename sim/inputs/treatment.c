/* treatment.c - treatment doses to signal sources and the exosome mix (model and sources
 * in treatment.h). */
#include "derm/inputs/treatment.h"

#include <math.h>

#include "derm/store/fields.h"

void derm_treatment_mix_emphasis(const struct derm_treatment_coef *c, const double *mix, double *mult)
{
    double tot = 0.0;
    for (int s = 0; s < DERM_SOURCE_COUNT; s++) tot += mix[s] > 0.0 ? mix[s] : 0.0;
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) {
        if (!(tot > 0.0)) {
            mult[e] = 1.0;
            continue;
        }
        double m = 0.0;
        for (int s = 0; s < DERM_SOURCE_COUNT; s++) m += (mix[s] > 0.0 ? mix[s] : 0.0) * c->presets[s][e];
        mult[e] = m / tot;
    }
}

void derm_treatment_decay_mix(const struct derm_treatment_coef *c, double dt_h, double *mix)
{
    const double keep = exp(-c->exosome_decay_h * dt_h);
    for (int q = 0; q < DERM_SOURCE_COUNT; q++) mix[q] *= keep;
}

/* Mass of a normal (mu, sd) in [a, b). */
static double normal_mass(double a, double b, double mu, double sd)
{
    const double r = 1.0 / (sd * sqrt(2.0));
    return 0.5 * (erf((b - mu) * r) - erf((a - mu) * r));
}

double derm_treatment_profile(const struct derm_grid *g, const struct derm_schedule_entry *e, double open_depth_um,
                              double *w_k)
{
    const double h = g->h_um, lz = (double)g->nz * h;
    double sum = 0.0, whole = 0.0; /* the profile's mass in the block, and below the surface */
    if (open_depth_um > 0.0)
        whole = open_depth_um;
    else if (e->input == DERM_IN_MICRONEEDLING || e->route == DERM_ROUTE_SYSTEMIC)
        whole = 0.0; /* normalised to the block */
    else if (e->route == DERM_ROUTE_INTRADERMAL)
        whole = 0.5 * erfc(-e->depth_um / (e->spread_um * sqrt(2.0))); /* the mass below z = 0 */
    else if (e->route == DERM_ROUTE_TOPICAL)
        whole = e->penetration_um;
    for (int64_t k = 0; k < g->nz; k++) {
        const double z0 = (double)k * h, z1 = z0 + h;
        double m;
        if (open_depth_um > 0.0) {
            m = derm_grid_layer_inside(g, k, open_depth_um < lz ? open_depth_um : lz);
        } else if (e->input == DERM_IN_MICRONEEDLING) {
            double top = e->depth_um < lz ? e->depth_um : lz;
            if (top < h) top = h; /* at least the first layer */
            m = derm_grid_layer_inside(g, k, top);
        } else if (e->route == DERM_ROUTE_INTRADERMAL) {
            m = normal_mass(z0, z1, e->depth_um, e->spread_um);
        } else if (e->route == DERM_ROUTE_TOPICAL) {
            double d = e->penetration_um;
            m = d * (exp(-z0 / d) - exp(-z1 / d));
        } else {
            m = h;
        }
        w_k[k] = m;
        sum += m;
    }
    /* what would leave through the skin surface is reflected back (the profile normalised
     * over the tissue, `whole`); what lies below the block is outside the simulated tissue and
     * does not enter it (sum < whole) */
    const double norm = whole > sum ? whole : sum;
    for (int64_t k = 0; k < g->nz; k++) w_k[k] = norm > 0.0 ? w_k[k] / (norm * h) : 1.0 / lz;
    return norm > 0.0 ? sum / norm : 1.0;
}

/* Add amount (au um, a column) with depth weights w_k (per um) as a source over dt. */
static void add_column(const struct derm_grid *g, double column, const double *w_k, double dt_h, derm_real *src)
{
    derm_grid_add_layers(g, w_k, column / dt_h, src);
}

void derm_treatment_add_sources(const struct derm_grid *g, const struct derm_treatment_coef *c,
                                const struct derm_schedule *s, const struct derm_exposure *x, double dt_h,
                                derm_real *const *src, double *mix, double *delivered, double *w_k)
{
    const double col = c->column_um;
    for (int i = 0; i < s->n; i++) {
        const struct derm_schedule_entry *e = &s->e[i];
        const double dose = x->dose[i];
        if (!(dose > 0.0)) continue;
        const int in = e->input;
        /* microneedling's own response is the wound it makes (model/wound.h) */
        if (in != DERM_IN_EXOSOME && in != DERM_IN_CONDITIONED_MEDIUM && in != DERM_IN_GROWTH_FACTOR) continue;
        /* two passes for topical products: through intact skin (a trace of it crosses), and
         * through open channels (all of it) */
        const double closed = dose - x->dose_open[i];
        const double parts[2] = {e->route == DERM_ROUTE_TOPICAL ? closed * c->topical_intact_fraction : closed,
                                 x->dose_open[i]};
        for (int pass = 0; pass < 2; pass++) {
            const double d = parts[pass];
            if (!(d > 0.0)) continue;
            const double inside = derm_treatment_profile(g, e, pass ? x->open_depth_um : 0.0, w_k);
            if (delivered) delivered[in] += d * inside;
            double exo = 0.0, gf = 0.0;
            if (in == DERM_IN_EXOSOME) exo = d;
            if (in == DERM_IN_GROWTH_FACTOR) gf = d;
            if (in == DERM_IN_CONDITIONED_MEDIUM) {
                exo = d * c->cm_exosome_share;
                gf = d * (1.0 - c->cm_exosome_share);
            }
            if (exo > 0.0) {
                add_column(g, exo * c->exosome_level * col, w_k, dt_h, src[DERM_S_EXOSOME]);
                mix[e->source] += exo * c->exosome_level;
            }
            if (gf > 0.0) {
                add_column(g, gf * c->gf_level * col, w_k, dt_h, src[DERM_S_GF]);
                add_column(g, gf * c->gf_tgfb_level * col, w_k, dt_h, src[DERM_S_TGFB]);
            }
        }
    }
}
