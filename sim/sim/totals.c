/* totals.c - the series registry and one function per series (see totals.h). */
#include "derm/sim/totals.h"

#include <omp.h>
#include <stddef.h>
#include <stdlib.h>

#include "derm/core/units.h"
#include "derm/model/readouts.h"
#include "derm/model/subject.h"
#include "derm/sim/firmness.h"
#include "derm/sim/sim.h"

/* What every row needs, computed once per row. */
struct derm_totals_ctx {
    double n;                  /* voxels */
    double areal;              /* sum of mg/mL over voxels -> mg/cm^2 */
    double per_year;           /* steps per year */
    double msum[DERM_NMATRIX]; /* layer-ordered sums of every matrix field */
    double ssum[DERM_NSIGNAL]; /* ... of every signal (voxel grid) */
    double act_sum, uv_sum;    /* ... of the MMP-1 activity and of the dermal UV dose */
    double susc[2];            /* ... of the MMP susceptibility's two sums (readouts.h) */
    double col;                /* collagen intact + fragmented, summed */
    int64_t nf, nq, na, ns, nstem;
    double syn, att, area, mmp, ap1, tgr, dmg, exo; /* sums over fibroblasts, row order */
};

/* The row's full-grid sums, as columns of the layer sums: every matrix field, every signal,
 * the MMP-1 activity, the dermal UV dose and the MMP susceptibility's two sums. */
enum {
    COL_ACT = DERM_NMATRIX + DERM_NSIGNAL,
    COL_UV,
    COL_SUSC, /* and COL_SUSC + 1 */
    NSUM = COL_SUSC + 2
};
_Static_assert(NSUM <= DERM_SIM_LAYER_SUMS, "the row's sums need more layer scratch (sim.h)");
_Static_assert(DERM_NSIGNAL <= DERM_SIGNAL_GRIDS_MAX_SPAN, "every signal fits one span call");
enum { SPAN = 256 }; /* voxels a lazy signal is made at a time */

/* The sums of the n arrays x over layer k, each serial in index order, eight arrays per pass
 * (derm_grid_sums8: a row's ~19 full-grid sums took ~3x longer one by one), into
 * pk[col[j]] (col NULL: pk[j]). */
static void layer_sums(int n, const derm_real *const *x, int64_t k, int64_t nxy, const int *col, double *pk)
{
    for (int j0 = 0; j0 < n; j0 += 8) {
        const derm_real *p[8];
        double sv[8];
        for (int j = 0; j < 8; j++) p[j] = x[j0 + j < n ? j0 + j : n - 1] + k * nxy;
        derm_grid_sums8(p, nxy, sv);
        for (int j = 0; j < 8 && j0 + j < n; j++) pk[col ? col[j0 + j] : j0 + j] = sv[j];
    }
}

/* The sums of the lazy signals ids over layer k: each made strip by strip from its coarse
 * state (derm_signal_grids_span: the values of its prolongation) and added in
 * index order, eight chains per pass continued from strip to strip (derm_grid_sums8_add), as
 * derm_grid_sums8 adds a written field: the same bits, nothing written. */
static void lazy_layer(const struct derm_sim *s, int nl, const int *ids, int64_t k, double *rows, double *acc)
{
    const int64_t nxy = s->grid.nx * s->grid.ny;
    derm_real buf[DERM_SIGNAL_GRIDS_MAX_SPAN][SPAN], *out[DERM_SIGNAL_GRIDS_MAX_SPAN];
    int64_t keys[DERM_SIGNAL_GRIDS_MAX_SPAN];
    double sv[DERM_SIGNAL_GRIDS_MAX_SPAN + 8] = {0}; /* the chains, and room for a group's unused ones */
    for (int x = 0; x < nl; x++) {
        out[x] = buf[x];
        keys[x] = -1;
    }
    for (int64_t q0 = k * nxy; q0 < (k + 1) * nxy; q0 += SPAN) {
        const int len = (int)((k + 1) * nxy - q0 < SPAN ? (k + 1) * nxy - q0 : SPAN);
        derm_signal_grids_span(s->diff, nl, ids, q0, len, rows, keys, out);
        for (int x0 = 0; x0 < nl; x0 += 8) {
            const derm_real *p[8];
            for (int j = 0; j < 8; j++) p[j] = buf[x0 + j < nl ? x0 + j : nl - 1]; /* unused chains repeat the last */
            derm_grid_sums8_add(p, len, sv + x0);
        }
    }
    for (int x = 0; x < nl; x++) acc[x] = sv[x];
}

/* The column of derm_matrix_deposition.field_sums that holds row column j, or -1: the
 * matrix fields, the MMP-1 activity, the MMP susceptibility and the signals the kernel
 * reads. */
static int kernel_column(int j)
{
    if (j < DERM_NMATRIX) return j;
    if (j == COL_ACT) return DERM_MATRIX_SUM_ACT;
    if (j >= COL_SUSC) return DERM_MATRIX_SUM_SUSC + (j - COL_SUSC);
    for (int x = 0; x < DERM_MATRIX_NSIGNAL_IN; x++)
        if (j == DERM_NMATRIX + derm_matrix_signal_in[x]) return DERM_MATRIX_SUM_SIGNAL + x;
    return -1;
}

/* part[k NSUM + j] = the sum of the row's array j over layer k for the columns j0 <= j <
 * j1, serial in index order (as derm_totals_layer_sums), the layers in parallel; a lazy
 * signal (it has no fine array) is summed from its coarse state, and the MMP
 * susceptibility's two sums are made layer by layer (the mean of the whole block from the
 * layers' sums added in order: the same for any thread count); the columns the matrix
 * kernel made (kernel_column) are copied from fsum if given. */
static derm_status row_layer_sums(const struct derm_sim *s, const double *fsum, int j0, int j1, double *part,
                                  struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    const int64_t nz = g->nz, nxy = g->nx * g->ny;
    const derm_real *x[NSUM];
    int col[NSUM], ids[DERM_NSIGNAL], lcol[DERM_NSIGNAL], ne = 0, nl = 0;
    const int susc = !fsum && j0 <= COL_SUSC && COL_SUSC < j1; /* the susceptibility's sums wanted */
    for (int j = j0; j < j1; j++) {
        const int q = j - DERM_NMATRIX, f = fsum ? kernel_column(j) : -1;
        const derm_real *a = j < DERM_NMATRIX   ? s->f.matrix[j]
                             : q < DERM_NSIGNAL ? s->f.signal[q]
                             : j == COL_ACT     ? s->f.state[DERM_ST_MMP1_ACTIVITY]
                                                : s->f.state[DERM_ST_UV_DOSE];
        if (f >= 0) { /* the matrix kernel's (derm_matrix_step) */
            for (int64_t k = 0; k < nz; k++) part[k * NSUM + j] = fsum[k * DERM_MATRIX_NSUMS + f];
        } else if (!a && (j == COL_UV || (q >= 0 && q < DERM_NSIGNAL && s->absent_signals >> q & 1u))) {
            /* the UV dose before the first UV, a signal nothing has made yet: absent, +0 (sim.c) */
            for (int64_t k = 0; k < nz; k++) part[k * NSUM + j] = 0.0;
        } else if (j >= COL_SUSC) { /* the susceptibility's sums, below */
            continue;
        } else if (q >= 0 && q < DERM_NSIGNAL && derm_signal_grids_lazy(s->diff, q)) {
            ids[nl] = q;
            lcol[nl++] = j;
        } else {
            x[ne] = a;
            col[ne++] = j;
        }
    }
    const int nt = omp_get_max_threads();
    double *rows = nl ? malloc(sizeof(double) * (size_t)nt * (size_t)nl * (size_t)g->nx) : NULL;
    if (nl && !rows) return derm_err_set(err, DERM_ENOMEM, "out of memory for the signals' interpolation rows");
    derm_real *const *m = s->f.matrix;
#pragma omp parallel for schedule(static) num_threads(nt) default(none) shared(s, part, x, col, ids, lcol, rows, m) \
    firstprivate(nz, nxy, ne, nl, susc)
    for (int64_t k = 0; k < nz; k++) {
        double *pk = part + k * NSUM;
        if (ne) layer_sums(ne, x, k, nxy, col, pk);
        if (susc)
            derm_readout_mmp_susceptibility_sums(&s->c.readout, nxy, m[DERM_M_COLLAGEN_INTACT] + k * nxy,
                                                 m[DERM_M_COLLAGEN_FRAGMENTED] + k * nxy,
                                                 m[DERM_M_AGE_AMOUNT] + k * nxy, pk + COL_SUSC);
        if (nl) {
            double acc[DERM_NSIGNAL];
            lazy_layer(s, nl, ids, k, rows + (size_t)omp_get_thread_num() * (size_t)nl * (size_t)s->grid.nx, acc);
            for (int i = 0; i < nl; i++) pk[lcol[i]] = acc[i];
        }
    }
    free(rows);
    return DERM_OK;
}

void derm_totals_layer_sums(const struct derm_grid *g, int n, const derm_real *const *x, double *part)
{
    const int64_t nz = g->nz, nxy = g->nx * g->ny;
#pragma omp parallel for schedule(static) default(none) shared(part, x) firstprivate(nz, nxy, n)
    for (int64_t k = 0; k < nz; k++) layer_sums(n, x, k, nxy, NULL, part + k * n);
}

static double mean_f(const struct derm_totals_ctx *c, double sum) { return c->nf ? sum / (double)c->nf : 0.0; }

typedef const struct derm_sim S;
typedef const struct derm_totals_ctx C;

/* ---- matrix ---------------------------------------------------------------------- */
static double t_collagen_total(S *s, C *c, int a) { return c->col * c->areal; }
static double t_collagen_intact_total(S *s, C *c, int a) { return c->msum[DERM_M_COLLAGEN_INTACT] * c->areal; }
static double t_collagen_fragmented_fraction(S *s, C *c, int a)
{
    return c->col > 0 ? c->msum[DERM_M_COLLAGEN_FRAGMENTED] / c->col : 0.0;
}
static double t_collagen_synthesis_rate(S *s, C *c, int a)
{
    return s->last_flux.collagen_synth * c->areal * c->per_year;
}
static double t_collagen_degradation_rate(S *s, C *c, int a)
{
    return s->last_flux.collagen_clear * c->areal * c->per_year;
}
static double t_collagen_cleavage_rate(S *s, C *c, int a)
{
    return s->last_flux.collagen_cleave * c->areal * c->per_year;
}
static double t_collagen_residence_time(S *s, C *c, int a)
{
    return s->last_flux.collagen_clear > 0 ? c->col / s->last_flux.collagen_clear * s->dt_h / DERM_HOURS_PER_YEAR : 0.0;
}
static double t_elastin_functional_total(S *s, C *c, int a) { return c->msum[DERM_M_ELASTIN_FUNCTIONAL] * c->areal; }
static double t_elastin_elastotic_total(S *s, C *c, int a) { return c->msum[DERM_M_ELASTIN_ELASTOTIC] * c->areal; }
static double t_ha_hmw_total(S *s, C *c, int a) { return c->msum[DERM_M_HA_HMW] * c->areal; }
static double t_ha_lmw_total(S *s, C *c, int a) { return c->msum[DERM_M_HA_LMW] * c->areal; }
static double t_ha_half_life(S *s, C *c, int a)
{
    return s->last_flux.ha_degraded > 0 ? DERM_LN2 * c->msum[DERM_M_HA_HMW] / s->last_flux.ha_degraded * s->dt_h / 24.0
                                        : 0.0;
}
static double t_age_crosslinks_mean(S *s, C *c, int a)
{
    return c->col > 0 ? c->msum[DERM_M_AGE_AMOUNT] / c->col : 0.0;
}
static double t_elastin_age_mean(S *s, C *c, int a)
{
    double el = c->msum[DERM_M_ELASTIN_FUNCTIONAL] + c->msum[DERM_M_ELASTIN_ELASTOTIC];
    return el > 0 ? c->msum[DERM_M_ELASTIN_AGE_AMOUNT] / el : 0.0;
}

/* ---- cells ----------------------------------------------------------------------- */
static double t_collagen_synthesis_per_cell(S *s, C *c, int a) { return mean_f(c, c->syn); }
static double t_fibroblast_count(S *s, C *c, int a) { return (double)c->nf; }
static double t_fibroblast_quiescent(S *s, C *c, int a) { return (double)c->nq; }
static double t_fibroblast_activated(S *s, C *c, int a) { return (double)c->na; }
static double t_fibroblast_senescent(S *s, C *c, int a) { return (double)c->ns; }
static double t_fibroblast_density(S *s, C *c, int a) { return (double)c->nf / (c->n * derm_grid_voxel_mm3(&s->grid)); }
static double t_senescent_fraction(S *s, C *c, int a) { return c->nf ? (double)c->ns / (double)c->nf : 0.0; }
static double t_stem_cell_count(S *s, C *c, int a) { return (double)c->nstem; }
static double t_attachment_mean(S *s, C *c, int a) { return mean_f(c, c->att); }
static double t_attached_area_mean(S *s, C *c, int a) { return mean_f(c, c->area); }
static double t_mmp1_secretion_per_cell(S *s, C *c, int a) { return mean_f(c, c->mmp); }
static double t_ap1_mean(S *s, C *c, int a) { return mean_f(c, c->ap1); }

/* Depth mean of a per-layer fraction (layers are equally thick). */
static double layer_mean(const S *s, const double *x)
{
    double sum = 0.0;
    for (int64_t k = 0; k < s->grid.nz; k++) sum += x[k];
    return sum / (double)s->grid.nz;
}
static double t_wound_open_fraction(S *s, C *c, int a) { return layer_mean(s, s->wound.open); }
static double t_wound_repair_fraction(S *s, C *c, int a) { return layer_mean(s, s->wound.repair); }
static double t_tgfb_response_mean(S *s, C *c, int a) { return mean_f(c, c->tgr); }
static double t_damage_mean(S *s, C *c, int a) { return mean_f(c, c->dmg); }
static double t_exosome_effect_mean(S *s, C *c, int a) { return mean_f(c, c->exo); }

/* ---- readouts -------------------------------------------------------------------- */
static double ratio(double x, double young) { return young > 0 ? x / young : 1.0; }

double derm_totals_dermal_thickness(const struct derm_sim *s, const double *m)
{
    const double *y = s->young_matrix;
    double col = m[DERM_M_COLLAGEN_INTACT] + m[DERM_M_COLLAGEN_FRAGMENTED];
    double cr = ratio(col, y[DERM_M_COLLAGEN_INTACT] + y[DERM_M_COLLAGEN_FRAGMENTED]);
    double er = ratio(m[DERM_M_ELASTIN_FUNCTIONAL], y[DERM_M_ELASTIN_FUNCTIONAL] + y[DERM_M_ELASTIN_ELASTOTIC]);
    double zr = ratio(m[DERM_M_ELASTIN_ELASTOTIC], y[DERM_M_ELASTIN_FUNCTIONAL] + y[DERM_M_ELASTIN_ELASTOTIC]);
    double hr = ratio(m[DERM_M_HA_HMW] + m[DERM_M_HA_LMW], y[DERM_M_HA_HMW] + y[DERM_M_HA_LMW]);
    return derm_readout_thickness(&s->c.readout, derm_grid_lz(&s->grid), cr, er, zr, hr);
}
static double t_dermal_thickness(S *s, C *c, int a) { return derm_totals_dermal_thickness(s, c->msum); }

/* the simulated Cutometer (sim/firmness.h: brought up to date before the row) */
static double t_cutometer_r0(S *s, C *c, int a) { return s->firm.cut.r0; }
static double t_cutometer_r1(S *s, C *c, int a) { return s->firm.cut.r1; }
static double t_cutometer_r2(S *s, C *c, int a) { return s->firm.cut.r2; }
static double t_cutometer_r5(S *s, C *c, int a) { return s->firm.cut.r5; }
static double t_cutometer_r6(S *s, C *c, int a) { return s->firm.cut.r6; }
static double t_cutometer_r7(S *s, C *c, int a) { return s->firm.cut.r7; }
static double t_cutometer_r8(S *s, C *c, int a) { return s->firm.cut.r8; }
static double t_cutometer_ue(S *s, C *c, int a) { return s->firm.cut.ue; }
static double t_cutometer_uv(S *s, C *c, int a) { return s->firm.cut.uv; }
static double t_cutometer_uf(S *s, C *c, int a) { return s->firm.cut.uf; }
static double t_cutometer_ur(S *s, C *c, int a) { return s->firm.cut.ur; }
static double t_cutometer_ua(S *s, C *c, int a) { return s->firm.cut.ua; }
static double t_dermal_water_content(S *s, C *c, int a) { return s->firm.water; }

/* ---- amounts since the start (budgets: pool(t) - pool(0) = made - removed) ------ */
static double t_collagen_synthesized(S *s, C *c, int a) { return s->cum_flux.collagen_synth * c->areal; }
static double t_collagen_cleaved(S *s, C *c, int a) { return s->cum_flux.collagen_cleave * c->areal; }
static double t_collagen_removed(S *s, C *c, int a) { return s->cum_flux.collagen_clear * c->areal; }
static double t_elastin_synthesized(S *s, C *c, int a)
{
    return (s->cum_flux.elastin_synth + s->cum_flux.elastotic_dep) * c->areal;
}
static double t_elastin_oxidised(S *s, C *c, int a) { return s->cum_flux.elastin_oxidised * c->areal; }
static double t_elastin_removed(S *s, C *c, int a) { return s->cum_flux.elastin_removed * c->areal; }
static double t_ha_synthesized(S *s, C *c, int a) { return s->cum_flux.ha_synth * c->areal; }
static double t_ha_removed(S *s, C *c, int a) { return s->cum_flux.ha_removed * c->areal; }
static double t_age_formed(S *s, C *c, int a) { return s->cum_flux.age_formed * c->areal; }
static double t_age_removed(S *s, C *c, int a) { return s->cum_flux.age_removed * c->areal; }
static double t_elastin_total(S *s, C *c, int a)
{
    return (c->msum[DERM_M_ELASTIN_FUNCTIONAL] + c->msum[DERM_M_ELASTIN_ELASTOTIC]) * c->areal;
}
static double t_ha_total(S *s, C *c, int a) { return (c->msum[DERM_M_HA_HMW] + c->msum[DERM_M_HA_LMW]) * c->areal; }
static double t_age_total(S *s, C *c, int a) { return c->msum[DERM_M_AGE_AMOUNT] * c->areal; }
static double t_collagen_mmp_susceptibility(S *s, C *c, int a) { return derm_readout_mmp_susceptibility_of(c->susc); }
static double t_mmp1_activity_mean(S *s, C *c, int a) { return c->act_sum / c->n; }

/* ---- subject and exposures ------------------------------------------------------- */
static double t_estrogen(S *s, C *c, int a) { return derm_subject_estrogen(&s->c.subject, derm_sim_age(s, s->step)); }
static double t_glucose(S *s, C *c, int a) { return s->glucose_mM; }
static double t_uv_dose_cumulative(S *s, C *c, int a) { return s->cum.dose[DERM_IN_UV]; }
static double t_uv_dose_unprotected_cumulative(S *s, C *c, int a) { return s->cum.uv_unprotected; }
static double t_uv_dose_dermal_cumulative(S *s, C *c, int a) { return c->uv_sum / c->n; }
static double t_smoking_pack_years(S *s, C *c, int a) { return s->cum.dose[DERM_IN_SMOKING]; }
static double t_pollution_index_years(S *s, C *c, int a) { return s->cum.dose[DERM_IN_POLLUTION]; }
static double t_exosome_dose_cumulative(S *s, C *c, int a) { return s->cum.dose[DERM_IN_EXOSOME]; }
static double t_conditioned_medium_dose_cumulative(S *s, C *c, int a)
{
    return s->cum.dose[DERM_IN_CONDITIONED_MEDIUM];
}
static double t_growth_factor_dose_cumulative(S *s, C *c, int a) { return s->cum.dose[DERM_IN_GROWTH_FACTOR]; }
static double t_microneedling_cumulative(S *s, C *c, int a) { return s->cum.dose[DERM_IN_MICRONEEDLING]; }
static double t_exosome_dose_delivered(S *s, C *c, int a) { return s->cum.delivered[DERM_IN_EXOSOME]; }
static double t_conditioned_medium_dose_delivered(S *s, C *c, int a)
{
    return s->cum.delivered[DERM_IN_CONDITIONED_MEDIUM];
}
static double t_growth_factor_dose_delivered(S *s, C *c, int a) { return s->cum.delivered[DERM_IN_GROWTH_FACTOR]; }

/* ---- signals --------------------------------------------------------------------- */
static double t_signal_mean(S *s, C *c, int q) { return c->ssum[q] / c->n; }

/* ---- the registry ---------------------------------------------------------------- */
typedef double (*total_fn)(S *s, C *c, int arg);

static const struct derm_series_desc table[DERM_NTOTALS] = {
#define DERM_X_T(id, name, units, ln, fn) {name, units, ln},
    DERM_TOTALS(DERM_X_T)
#undef DERM_X_T
#define DERM_X_S(id, name, ln, D, hl, lvl, src) {name "_mean", "au", "mean " ln},
        DERM_SIGNALS(DERM_X_S)
#undef DERM_X_S
};

static const total_fn fns[DERM_T_SIGNAL_MEAN] = {
#define DERM_X_F(id, name, units, ln, fn) fn,
    DERM_TOTALS(DERM_X_F)
#undef DERM_X_F
};

const struct derm_series_desc *derm_total_desc(int t)
{
    if (t < 0 || t >= DERM_NTOTALS) return NULL;
    return &table[t];
}

const struct derm_series_desc *derm_totals_table(void) { return table; }

/* The row's context from its layer sums (part, row_layer_sums) and the agents. */
static void row_sums(const struct derm_sim *s, const double *part, struct derm_totals_ctx *c)
{
    const struct derm_grid *g = &s->grid;
    c->n = (double)g->n;
    c->areal = derm_grid_lz(g) * 1e-4 / c->n;
    c->per_year = DERM_HOURS_PER_YEAR / s->dt_h;
    double out[NSUM];
    for (int j = 0; j < NSUM; j++) { /* the layers added in order: the bits do not depend on the threads */
        double sum = 0.0;
        for (int64_t k = 0; k < g->nz; k++) sum += part[k * NSUM + j];
        out[j] = sum;
    }
    for (int q = 0; q < DERM_NMATRIX; q++) c->msum[q] = out[q];
    for (int q = 0; q < DERM_NSIGNAL; q++) c->ssum[q] = out[DERM_NMATRIX + q];
    c->act_sum = out[COL_ACT];
    c->uv_sum = out[COL_UV];
    c->susc[0] = out[COL_SUSC];
    c->susc[1] = out[COL_SUSC + 1];
    c->col = c->msum[DERM_M_COLLAGEN_INTACT] + c->msum[DERM_M_COLLAGEN_FRAGMENTED];
    const struct derm_agents *ag = &s->a;
    for (int64_t r = 0; r < ag->n; r++) {
        if (ag->type[r] == DERM_AGENT_STEM) {
            c->nstem++;
            continue;
        }
        c->nf++;
        c->nq += ag->state[r] == DERM_STATE_QUIESCENT;
        c->na += ag->state[r] == DERM_STATE_ACTIVATED;
        c->ns += ag->state[r] == DERM_STATE_SENESCENT;
        c->syn += ag->collagen_synthesis[r];
        c->att += ag->attachment[r];
        c->area += derm_readout_attached_area(&s->c.readout, s->f.matrix[DERM_M_COLLAGEN_INTACT][ag->voxel[r]],
                                              ag->attachment[r]);
        c->mmp += ag->mmp1_secretion[r];
        c->ap1 += ag->ap1[r];
        c->tgr += ag->tgfb_response[r];
        c->dmg += ag->damage[r];
        c->exo += ag->exosome_effect[r];
    }
}

static void totals_from(struct derm_sim *s, const double *part, double *t)
{
    struct derm_totals_ctx c = {0};
    row_sums(s, part, &c);
    for (int q = 0; q < DERM_T_SIGNAL_MEAN; q++) t[q] = fns[q](s, &c, 0);
    for (int q = 0; q < DERM_NSIGNAL; q++) t[DERM_T_SIGNAL_MEAN + q] = t_signal_mean(s, &c, q);
}

derm_status derm_totals_compute(struct derm_sim *s, double *t, struct derm_err *err)
{
    DERM_TRY(row_layer_sums(s, NULL, 0, NSUM, s->layer_sums, err));
    totals_from(s, s->layer_sums, t);
    return DERM_OK;
}

derm_status derm_totals_signal_sums(struct derm_sim *s, double *sum, struct derm_err *err)
{
    DERM_TRY(row_layer_sums(s, NULL, DERM_NMATRIX, DERM_NMATRIX + DERM_NSIGNAL, s->layer_sums, err));
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        double t = 0.0;
        for (int64_t k = 0; k < s->grid.nz; k++) t += s->layer_sums[k * NSUM + DERM_NMATRIX + q];
        sum[q] = t;
    }
    return DERM_OK;
}

derm_status derm_totals_row(struct derm_sim *s, double *t, struct derm_err *err)
{
    /* the matrix fields' and the MMP-1 activity's layer sums from the step's kernel if it made
     * them for this state, used once */
    const double *fsum = s->field_sums_step == s->step ? s->field_sums : NULL;
    s->field_sums_step = -1;
    DERM_TRY(row_layer_sums(s, fsum, 0, NSUM, s->layer_sums, err));
    DERM_TRY(derm_firmness_update_from(s, s->layer_sums, NSUM, err)); /* the matrix fields come first */
    totals_from(s, s->layer_sums, t);
    return DERM_OK;
}
