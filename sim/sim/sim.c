/* sim.c - the owning simulation object: the initial state and the step (see sim.h). */
#include "derm/sim/sim.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/simd.h"
#include "derm/core/units.h"
#include "derm/inputs/treatment.h"
#include "derm/model/calibration.h"
#include "derm/model/coupling.h"
#include "derm/model/initial.h"
#include "derm/model/lifecycle.h"
#include "derm/model/motility.h"
#include "derm/model/progenitor.h"
#include "derm/model/subject.h"
#include "derm/model/vascular.h"
#include "derm/model/wound.h"
#include "derm/sim/totals.h"

double derm_sim_age(const struct derm_sim *s, int64_t step)
{
    return s->age0 + (double)step * s->dt_h / DERM_HOURS_PER_YEAR;
}

double derm_sim_begin_age(const struct derm_params *p)
{
    return p->run_age_start_years < p->subject_young_adult_age_years ? p->run_age_start_years
                                                                     : p->subject_young_adult_age_years;
}

/* The random walk's clock (model/motility.h): hours since the simulation's first step, so
 * step k of the run starts at k * dt exactly and a weekly step is one whole window. */
static double walk_hours(const struct derm_sim *s, int64_t step) { return (double)step * s->dt_h; }

/* Where the settle's walk time ends (the young adult age) and begins, on that clock. */
static double settle_end_hours(const struct derm_sim *s)
{
    return (s->p.subject_young_adult_age_years - s->age0) * DERM_HOURS_PER_YEAR;
}
static int64_t settle_steps(const struct derm_sim *s, double years)
{
    return (int64_t)ceil(years * DERM_HOURS_PER_YEAR / s->dt_h - 1e-9);
}

double derm_sim_division_per_day(const struct derm_sim *s) { return s->h.division_h * DERM_HOURS_PER_DAY; }

/* ---- phases of the step -------------------------------------------------------------- */

/* The subject's systemic state at `age` and the progenitor count, into the step inputs. */
static void phase_subject(struct derm_sim *s, double age)
{
    derm_subject_inputs(&s->c.subject, age, &s->in);
    s->in.stem_count = derm_progenitor_count(&s->a);
}

/* Crowding: local fibroblast density (box mean) relative to the young layer density, at each
 * agent row's voxel (s->crowd_rows: what the cell rules and calibrations read), or at every
 * voxel (whole: s->crowd, held with the UV records). */
static derm_status phase_crowding(struct derm_sim *s, int whole, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    for (int64_t k = 0; k < g->nz; k++)
        s->crowd_factor_k[k] = s->density_ref_k[k] > 0 ? 1.0 / s->density_ref_k[k] : 0.0;
    if (whole) {
        derm_coupling_crowding(g, &s->bins, &s->a, DERM_AGENT_FIBROBLAST, s->crowd_radius, s->crowd_factor_k, s->crowd,
                               s->tmp);
        return DERM_OK;
    }
    if (s->crowd_rows_cap < s->a.cap) {
        derm_real *p = realloc(s->crowd_rows, (size_t)s->a.cap * sizeof *p);
        if (!p) return derm_err_set(err, DERM_ENOMEM, "cannot allocate the crowding of %lld rows", (long long)s->a.cap);
        s->crowd_rows = p;
        s->crowd_rows_cap = s->a.cap;
    }
    /* a thin domain beyond the ring budget crowds through a whole grid: held, not made per step */
    if (!s->crowd && derm_coupling_crowding_cells_grid(g, s->crowd_radius) &&
        !(s->crowd = calloc((size_t)g->n, sizeof *s->crowd)))
        return derm_err_set(err, DERM_ENOMEM, "cannot allocate the crowding of %lld voxels", (long long)g->n);
    if (derm_coupling_crowding_cells(g, &s->bins, &s->a, DERM_AGENT_FIBROBLAST, s->crowd_radius, s->crowd_factor_k,
                                     s->crowd, s->crowd_rows, s->tmp) != 0)
        return derm_err_set(err, DERM_ENOMEM, "cannot allocate the crowding of %lld voxels", (long long)g->n);
    return DERM_OK;
}

/* Microneedling sessions of the step open wounds at their (dose-weighted) time inside it;
 * every layer's wounds close and repair over the step, the sessions clear the matrix of the
 * tissue they wound and the defects refill with new matrix (model/wound.h). */
static void phase_wounds(struct derm_sim *s)
{
    s->in.wound_synthesis_k = NULL;
    s->wound_flux = (struct derm_matrix_flux){0};
    if (!s->wound_on) return;
    double dose[DERM_SCHED_MAX], depth[DERM_SCHED_MAX], total = 0.0, when = 0.0;
    int n = 0;
    for (int i = 0; i < s->schedule.n; i++) {
        const struct derm_schedule_entry *e = &s->schedule.e[i];
        if (e->input != DERM_IN_MICRONEEDLING || !(s->expo.dose[i] > 0.0)) continue;
        dose[n] = s->expo.dose[i];
        depth[n++] = e->depth_um;
        total += s->expo.dose[i];
        when += s->expo.dose_time[i];
    }
    derm_wound_step(&s->grid, &s->c.wound, s->dt_h, n ? when / total : 0.0, n, dose, depth, &s->wound);
    derm_wound_exchange(&s->grid, &s->c.wound, s->dt_h, &s->wound, s->f.matrix, &s->wound_flux);
    s->in.wound_synthesis_k = s->wound.synthesis;
}

/* The UV records (the states DERM_ST_UV_RECORDS of s->f) and the elastotic deposit they
 * drive are +0 everywhere until the first step with UV: absent (NULL, read as +0 by the
 * series, the frames and the matrix kernel) until then, and so is the crowding at every
 * voxel that UV elastosis reads (the cells' own is per row), so a run without sun holds none
 * of these five voxel-grid arrays (sim.h). */
derm_status derm_sim_uv_records(struct derm_sim *s, struct derm_err *err)
{
    const size_t n = (size_t)s->grid.n;
    for (int st = 0; st < DERM_NSTATE; st++)
        if (DERM_ST_UV_RECORDS >> st & 1u && !s->f.state[st] && !(s->f.state[st] = calloc(n, sizeof(derm_real))))
            goto fail;
    if (!s->dep_elastotic && !(s->dep_elastotic = calloc(n, sizeof *s->dep_elastotic))) goto fail;
    if (!s->crowd && !(s->crowd = calloc(n, sizeof *s->crowd))) goto fail;
    return DERM_OK;
fail:
    return derm_err_set(err, DERM_ENOMEM, "cannot allocate the UV records for %lld voxels", (long long)s->grid.n);
}

void derm_sim_uv_records_free(struct derm_sim *s)
{
    for (int st = 0; st < DERM_NSTATE; st++)
        if (DERM_ST_UV_RECORDS >> st & 1u) {
            free(s->f.state[st]);
            s->f.state[st] = NULL;
        }
    free(s->dep_elastotic);
    s->dep_elastotic = NULL;
    free(s->crowd);
    s->crowd = NULL;
}

int derm_sim_signal_may_be_absent(const struct derm_sim *s, int q)
{
    return q >= 0 && q < DERM_NSIGNAL && s->coarse_signals && s->src_owned[q] && !derm_signal_grids_lazy(s->diff, q) &&
           s->c.signal.level[q] == 0.0;
}

/* A signal whose young level is 0 (the exosomes) is +0, with a +0 source, until a treatment
 * (or a cell, should its secretion be set) first makes it: absent (neither array held, read
 * as +0 by the cells, the solver, the series and the frames) until then, so a run without
 * exosomes holds neither of their two voxel-grid arrays (sim.h). */
derm_status derm_sim_signal_arrays(struct derm_sim *s, int q, struct derm_err *err)
{
    if (!(s->absent_signals >> q & 1u)) return DERM_OK;
    const size_t n = (size_t)s->grid.n;
    if (!s->f.signal[q] && !(s->f.signal[q] = calloc(n, sizeof(derm_real)))) goto fail;
    if (!s->src[q] && !(s->src[q] = calloc(n, sizeof(derm_real)))) goto fail;
    s->absent_signals &= ~(1u << q);
    s->src_zero[q] = 1; /* +0 (calloc) */
    return DERM_OK;
fail:
    return derm_err_set(err, DERM_ENOMEM, "cannot allocate the %s field for %lld voxels",
                        derm_field_desc(DERM_NMATRIX + q)->name, (long long)s->grid.n);
}

void derm_sim_signal_arrays_free(struct derm_sim *s, int q)
{
    if (!derm_sim_signal_may_be_absent(s, q)) return; /* a signal that cannot be absent keeps its arrays */
    free(s->f.signal[q]);
    s->f.signal[q] = NULL;
    free(s->src[q]);
    s->src[q] = NULL;
    s->src_zero[q] = 1;
    s->absent_signals |= 1u << q;
}

/* 1 if every value of x (n) is +0. */
static int all_plus_zero(const derm_real *x, int64_t n)
{
    for (int64_t v = 0; v < n; v++)
        if (x[v] != 0.0 || signbit(x[v])) return 0;
    return 1;
}

/* What the schedule delivers over [t, t + dt): glucose, UV per layer (dose records, UVA
 * elastosis), the ROS excess and AP-1 drive per layer, cumulative doses; the exosome mix
 * ages. Treatment sources follow deposition (phase_treatments). */
static derm_status phase_exposures(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    const double dt = s->dt_h;
    const double t0 = s->age0 * DERM_HOURS_PER_YEAR + (double)s->step * dt;
    struct derm_exposure *x = &s->expo;
    derm_schedule_integrate(&s->schedule, &s->c.schedule, t0, t0 + dt, x);
    s->glucose_mM = x->glucose_mM;
    s->in.glucose_ratio = x->glucose_mM / s->p.glycation_reference_glucose_mM;
    const double adapt = derm_exposure_photoadapt(&s->c.uv, x, dt, &s->photoadaptation);
    derm_exposure_layers(g, &s->c.uv, &s->c.oxidative, x, adapt, dt, &s->layers);
    if (s->layers.any_uv) { /* UV elastosis reads crowding at every voxel */
        DERM_TRY(derm_sim_uv_records(s, err));
        DERM_TRY(phase_crowding(s, 1, err));
        derm_exposure_uv_records(g, &s->c.uv, &s->layers, s->crowd, dt, s->f.state[DERM_ST_UV_DOSE],
                                 s->f.state[DERM_ST_UVA_DOSE], s->dep_elastotic);
    }
    const int uv_memory_on = s->c.matrix.endo_gain > 0.0; /* the memory only lowers uptake */
    if (uv_memory_on && s->layers.any_uv) s->uv_memory_zero = 0;
    if (uv_memory_on && !s->uv_memory_zero)
        derm_exposure_uv_memory(g, &s->c.uv, s->layers.any_uv ? s->layers.uv_k : NULL, dt,
                                s->f.state[DERM_ST_UV_MEMORY]);
    s->in.uv_sed_k = s->layers.any_uv ? s->layers.uv_k : NULL;
    s->in.uv_ap1_k = s->layers.any_uv ? s->layers.uv_ap1_k : NULL;
    s->in.ros_ex_k = s->layers.any_ros ? s->layers.ros_ex_k : NULL;
    derm_exposure_accumulate(&s->cum, &s->schedule, x, dt);
    derm_treatment_decay_mix(&s->c.treatment, dt, s->exo_mix);
    memcpy(s->in.exo_mult, s->exo_mult, sizeof s->exo_mult);
    phase_wounds(s);
    return DERM_OK;
}

/* 1 if the n values are all zero (+0 or -0). */
static int all_zero(const double *v, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (v[i] != 0.0) return 0;
    return 1;
}

/* Per-agent secretion into signal sources, the systemic growth factor, and matrix
 * synthesis spread over each cell's reach: the voxel-grid signals in one pass over the bins,
 * the coarse ones in one pass per coarsening factor, each matrix deposit filtered row by row
 * as it is summed (never a whole-grid array before its box). */
static derm_status phase_deposit(struct derm_sim *s, double cigarettes_per_day, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    enum { NDEP = DERM_NSIGNAL };
    const double *val[NDEP];
    derm_real *out[NDEP];
    double add[NDEP] = {0}, gf_add = 0.0;
    int nfine = 0;
    gf_add = derm_vascular_gf_source(&s->c.vascular, s->in.systemic, cigarettes_per_day);
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        if (derm_signal_grids_factor(s->diff, q) > 1) continue; /* deposited on its own grid below */
        const double a = q == DERM_S_GF ? gf_add : 0.0;
        /* a deposit of nothing writes +0 everywhere (0 + 0 and sums of zeros are +0): an
         * array that is +0 already is left alone (the exosomes without a treatment) */
        const int nothing = a == 0.0 && all_zero(s->rates.signal[q], s->a.n);
        if (nothing && s->src_zero[q]) continue; /* an absent signal's too */
        DERM_TRY(derm_sim_signal_arrays(s, q, err));
        s->src_zero[q] = nothing;
        val[nfine] = s->rates.signal[q];
        out[nfine] = s->src[q];
        add[nfine] = a;
        nfine++;
    }
    derm_coupling_deposit_many(g, &s->bins, nfine, val, add, out);
    /* coarse signals: one pass over the bins per coarsening factor, ascending */
    for (int64_t last = 1;;) {
        int64_t f = 0;
        for (int q = 0; q < DERM_NSIGNAL; q++) {
            const int64_t fq = derm_signal_grids_factor(s->diff, q);
            if (fq > last && (f == 0 || fq < f)) f = fq;
        }
        if (f == 0) break;
        int n = 0;
        for (int q = 0; q < DERM_NSIGNAL; q++)
            if (derm_signal_grids_factor(s->diff, q) == f) {
                val[n] = s->rates.signal[q];
                out[n] = s->src[q];
                add[n] = q == DERM_S_GF ? gf_add : 0.0;
                n++;
            }
        derm_coupling_deposit_coarse(g, &s->bins, f, n, val, add, out);
        last = f;
    }
    /* matrix synthesis, spread over each cell's reach (or made layer by layer where it is
     * read: matrix_deposits) */
    if (s->layer_deposits) return DERM_OK;
    const double *mval[3] = {s->rates.collagen, s->rates.elastin, s->rates.ha};
    derm_real *mout[3] = {s->dep_collagen, s->dep_elastin, s->dep_ha};
    for (int i = 0; i < 3; i++)
        derm_coupling_deposit_box(g, &s->bins, mval[i], s->crowd_radius, DERM_BOX_CONSERVE, mout[i], s->tmp);
    return DERM_OK;
}

/* Exposure ROS and treatment sources; the emphasis of the exosome mix for the next step. */
static derm_status phase_treatments(struct derm_sim *s, struct derm_err *err)
{
    if (!s->coarse_signals) {
        derm_exposure_add_ros(&s->grid, s->layers.ros_ex_k, s->h.sensed_ref[DERM_S_ROS], s->c.signal.k_h[DERM_S_ROS],
                              s->src[DERM_S_ROS]);
        derm_treatment_add_sources(&s->grid, &s->c.treatment, &s->schedule, &s->expo, s->dt_h, s->src, s->exo_mix,
                                   s->cum.delivered, s->w_k);
        if (s->wound_on) derm_wound_add_sources(&s->grid, &s->c.wound, s->wound.open_mean, s->src);
        memset(s->src_zero, 0, sizeof s->src_zero); /* written in place: no longer known */
    } else {
        /* these sources are uniform in each layer: the same kernels write one column of the
         * depth layers (a 1 x 1 x nz grid), which then goes onto each signal's own grid */
        const int64_t nz = s->grid.nz;
        const struct derm_grid col = {.nx = 1, .ny = 1, .nz = nz, .h_um = s->grid.h_um, .n = nz};
        derm_real *colsrc[DERM_NSIGNAL];
        memset(s->src_col, 0, (size_t)(DERM_NSIGNAL * nz) * sizeof(derm_real));
        for (int q = 0; q < DERM_NSIGNAL; q++) colsrc[q] = s->src_col + q * nz;
        derm_exposure_add_ros(&col, s->layers.ros_ex_k, s->h.sensed_ref[DERM_S_ROS], s->c.signal.k_h[DERM_S_ROS],
                              colsrc[DERM_S_ROS]);
        derm_treatment_add_sources(&col, &s->c.treatment, &s->schedule, &s->expo, s->dt_h, colsrc, s->exo_mix,
                                   s->cum.delivered, s->w_k);
        if (s->wound_on) derm_wound_add_sources(&col, &s->c.wound, s->wound.open_mean, colsrc);
        for (int q = 0; q < DERM_NSIGNAL; q++) {
            int any = 0;
            for (int64_t k = 0; k < nz && !any; k++) any = colsrc[q][k] != 0.0;
            if (!any) continue;                          /* add_layers adds the non-zero layers: none */
            DERM_TRY(derm_sim_signal_arrays(s, q, err)); /* a treatment's first exosomes */
            derm_signal_grids_add_layers(s->diff, q, colsrc[q], s->src[q]);
            s->src_zero[q] = 0;
        }
    }
    derm_treatment_mix_emphasis(&s->c.treatment, s->exo_mix, s->exo_mult);
    return DERM_OK;
}

/* The cells' matrix synthesis spread over their reach, as the layer cursors make it where it
 * is read (s->layer_deposits): collagen, elastin and HA (n = 3), or HA alone (n = 1). Valid
 * while the bins and the rates are those of the last deposit (phase_deposit). */
static struct derm_coupling_layers_spec matrix_deposits(const struct derm_sim *s, int n)
{
    struct derm_coupling_layers_spec sp = {.b = &s->bins, .n = n, .r = s->crowd_radius};
    if (n == 1)
        sp.val[0] = s->rates.ha;
    else {
        sp.val[0] = s->rates.collagen;
        sp.val[1] = s->rates.elastin;
        sp.val[2] = s->rates.ha;
    }
    return sp;
}

static derm_status phase_matrix(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_coupling_layers_spec made = matrix_deposits(s, 3);
    const struct derm_matrix_deposition dep = {
        s->dep_collagen,
        s->dep_elastin,
        s->dep_ha,
        s->in.uv_sed_k ? s->dep_elastotic : NULL,
        s->c.matrix.endo_gain > 0.0 && !s->uv_memory_zero ? s->f.state[DERM_ST_UV_MEMORY] : NULL, /* NULL reads as +0 */
        s->lazy_signals ? s->diff : NULL,
        s->want_field_sums ? s->field_sums : NULL,
        &s->c.readout,
        s->layer_deposits ? &made : NULL};
    s->field_sums_step = -1;
    DERM_TRY(derm_matrix_step(&s->grid, s->f.matrix, (const derm_real *const *)s->f.signal, &dep, s->in.glucose_ratio,
                              s->in.immune, &s->c.matrix, s->dt_h, s->f.state[DERM_ST_MMP1_ACTIVITY], s->layer_sums,
                              &s->last_flux, err));
    if (s->want_field_sums) s->field_sums_step = s->step + 1; /* the state after this step */
    s->want_field_sums = 0;
    derm_matrix_flux_add(&s->last_flux, &s->wound_flux); /* the wounds' exchange (phase_wounds) */
    /* amounts since the run's start: budgets rebuilt from the output close to round-off (a
     * later start's history, steps before out_step0, is not counted) */
    if (s->step >= s->out_step0) derm_matrix_flux_add(&s->cum_flux, &s->last_flux);
    return DERM_OK;
}

/* The signals in mask at every agent row's voxel, into s->sensed (the rules read them per
 * row): a lazy signal from its coarse state (its prolongation there, bit for bit), any other
 * from its field. Call after the rows last changed and the signals were last written. */
static derm_status sense(struct derm_sim *s, unsigned mask, struct derm_err *err)
{
    DERM_TRY(derm_cell_sensed_reserve(&s->sensed, s->a.cap, err));
    int lazy[DERM_NSIGNAL], nl = 0, nf = 0;
    derm_real *lout[DERM_NSIGNAL], *fout[DERM_NSIGNAL];
    const derm_real *fin[DERM_NSIGNAL];
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        if (!(mask >> q & 1u)) continue;
        if (derm_signal_grids_lazy(s->diff, q)) {
            lazy[nl] = q;
            lout[nl++] = s->sensed.signal[q];
        } else if (!s->f.signal[q]) { /* absent (sim.h absent_signals): +0 at every row */
            memset(s->sensed.signal[q], 0, (size_t)s->a.n * sizeof *s->sensed.signal[q]);
        } else {
            fin[nf] = s->f.signal[q];
            fout[nf++] = s->sensed.signal[q];
        }
    }
    _Static_assert(DERM_NSIGNAL <= DERM_SIGNAL_GRIDS_MAX_SPAN, "every signal fits one call");
    const int64_t na = s->a.n, *vox = s->a.voxel;
    if (nl) derm_signal_grids_gather(s->diff, nl, lazy, vox, na, lout);
    if (nf) {
#pragma omp parallel for schedule(static) default(none) shared(fin, fout, vox) firstprivate(na, nf)
        for (int64_t r = 0; r < na; r++) {
            if (r + DERM_PREFETCH_ROWS < na)
                for (int x = 0; x < nf; x++) DERM_PREFETCH(fin[x] + vox[r + DERM_PREFETCH_ROWS]);
            for (int x = 0; x < nf; x++) fout[x][r] = fin[x][vox[r]];
        }
    }
    return DERM_OK;
}

/* Every signal at its reference (1) for each agent row, as s->ones_sig (grown, and the new
 * rows set, only when the rows outgrow it). */
static derm_status ones_at_rows(struct derm_sim *s, struct derm_err *err)
{
    if (s->a.n > s->ones_cap) {
        const int64_t cap = s->a.cap > s->a.n ? s->a.cap : s->a.n;
        derm_real *p = realloc(s->ones, (size_t)cap * sizeof *p);
        if (!p) return derm_err_set(err, DERM_ENOMEM, "cannot allocate the calibration's unit signals");
        for (int64_t r = s->ones_cap; r < cap; r++) p[r] = 1.0;
        s->ones = p;
        s->ones_cap = cap;
    }
    for (int q = 0; q < DERM_NSIGNAL; q++) s->ones_sig[q] = s->ones;
    return DERM_OK;
}

/* The chemokine as motility reads it: NULL when its field is current, else a probe of its
 * coarse state (the same values at the voxels it reads, bit for bit). */
static const struct derm_signal_probe *chem_probe(const struct derm_sim *s, struct derm_signal_probe *p)
{
    return derm_signal_grids_probe(s->diff, DERM_S_CHEMOKINE, p) == 0 ? p : NULL;
}

void derm_sim_note_uv_memory(struct derm_sim *s)
{
    const derm_real *m = s->f.state[DERM_ST_UV_MEMORY];
    s->uv_memory_zero = !m || all_plus_zero(m, s->grid.n);
}

/* derm_fields_make_fn of s->f: along one row, a lazy signal's prolongation, or +0 for a UV
 * record not yet allocated (derm_sim_uv_records). */
static int make_lazy_row(const void *ctx, int id, int64_t q0, int64_t len, derm_real *out)
{
    const struct derm_sim *s = ctx;
    const int q = id - DERM_NMATRIX, st = id - DERM_NMATRIX - DERM_NSIGNAL;
    if (st >= 0 && st < DERM_NSTATE && !s->f.state[st]) {
        if (!(DERM_ST_UV_RECORDS >> st & 1u)) return -1;
        memset(out, 0, (size_t)len * sizeof *out);
        return 0;
    }
    if (q >= 0 && q < DERM_NSIGNAL && s->absent_signals >> q & 1u) { /* absent: +0 (derm_sim_signal_arrays) */
        memset(out, 0, (size_t)len * sizeof *out);
        return 0;
    }
    if (q < 0 || q >= DERM_NSIGNAL || !derm_signal_grids_lazy(s->diff, q)) return -1;
    enum { ROW_ON_STACK = 1024 };
    double stack[ROW_ON_STACK], *rows = s->grid.nx <= ROW_ON_STACK ? stack : malloc((size_t)s->grid.nx * sizeof *rows);
    if (!rows) return -1;
    int64_t key = -1;
    derm_signal_grids_span(s->diff, 1, &q, q0, (int)len, rows, &key, &out);
    if (rows != stack) free(rows);
    return 0;
}

const char *const derm_sim_phase_name[DERM_SIM_NPHASE] = {
#define DERM_SIM_PHASE_NAME(id, name) name,
    DERM_SIM_PHASES(DERM_SIM_PHASE_NAME)
#undef DERM_SIM_PHASE_NAME
};

void derm_sim_lap(struct derm_sim *s, enum derm_sim_phase ph, double *t)
{
    const double now = omp_get_wtime();
    s->phase_s[ph] += now - *t;
    *t = now;
}

derm_status derm_sim_step(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    const uint64_t seed = (uint64_t)s->p.run_seed;
    const double dt = s->dt_h;
    const double age_mid = derm_sim_age(s, s->step) + 0.5 * dt / DERM_HOURS_PER_YEAR;
    const derm_real *const *cm = (const derm_real *const *)s->f.matrix;
    const derm_real *const *sn = (const derm_real *const *)s->sensed.signal;
    struct derm_signal_probe probe; /* the chemokine read from its coarse state (chem_probe) */
    double t = omp_get_wtime();

    /* 1. the subject's systemic state at mid-step */
    phase_subject(s, age_mid);
    derm_sim_lap(s, DERM_PHASE_SUBJECT, &t);
    /* 2. bin agents by voxel; local crowding; the signals at the cells' voxels */
    DERM_TRY(derm_bins_build(&s->bins, g, &s->a, err));
    DERM_TRY(phase_crowding(s, 0, err));
    DERM_TRY(sense(s, DERM_CELLS_SENSE, err));
    derm_sim_lap(s, DERM_PHASE_BINS, &t);
    /* 3. scheduled exposures delivered over this step */
    DERM_TRY(phase_exposures(s, err));
    derm_sim_lap(s, DERM_PHASE_EXPOSURES, &t);
    /* 4. cell rules write intents (state changes, deaths, divisions) */
    derm_fibroblast_decide(g, &s->a, &s->c.fibroblast, &s->h, &s->in, cm, sn, s->crowd_rows, seed, s->step, dt);
    derm_progenitor_decide(&s->a, &s->c.progenitor, &s->h, &s->in, sn, seed, s->step, dt);
    derm_sim_lap(s, DERM_PHASE_CELL_RULES, &t);
    /* 5. secretion and synthesis for the new states */
    DERM_TRY(derm_cell_rates_reserve(&s->rates, s->a.cap, err));
    derm_fibroblast_secrete(g, &s->a, &s->c.fibroblast, &s->h, &s->in, cm, sn, &s->rates);
    derm_sim_lap(s, DERM_PHASE_SECRETION, &t);
    /* 6. deposition into signal sources and matrix synthesis; exposure and treatment sources */
    DERM_TRY(phase_deposit(s, s->expo.cigarettes_per_day, err));
    DERM_TRY(phase_treatments(s, err));
    derm_sim_lap(s, DERM_PHASE_DEPOSIT, &t);
    /* 7. signals over the step (a source known to be +0 as NULL: the same step, unscanned) */
    const derm_real *src[DERM_NSIGNAL];
    for (int q = 0; q < DERM_NSIGNAL; q++) src[q] = s->src_zero[q] ? NULL : s->src[q];
    /* nothing but the solvers writes a signal's field or coarse state within the time loop:
     * idle signals (no exosomes) need no scan of their fields to stay idle */
    if (!s->signals_touched) derm_signal_grids_promise_unchanged(s->diff);
    s->signals_touched = 0;
    DERM_TRY(derm_signal_grids_step(s->diff, s->f.signal, src, dt, err));
    derm_sim_lap(s, DERM_PHASE_SIGNALS, &t);
    /* 8. matrix kinetics with the new signals */
    DERM_TRY(phase_matrix(s, err));
    derm_sim_lap(s, DERM_PHASE_MATRIX, &t);
    /* 9. motility and chemotaxis */
    derm_motility_move(g, &s->a, &s->c.motility, cm, s->f.signal[DERM_S_CHEMOKINE], chem_probe(s, &probe), seed,
                       walk_hours(s, s->step), dt);
    derm_sim_lap(s, DERM_PHASE_MOTILITY, &t);
    /* 10. births then deaths, in a fixed order */
    DERM_TRY(derm_lifecycle_apply(g, &s->a, &s->c.lifecycle, seed, s->step, &s->births, &s->deaths, err));
    derm_sim_lap(s, DERM_PHASE_LIFECYCLE, &t);
    /* 11. advance the step counter (t = step * dt) */
    s->step++;
    s->phase_steps++;
    return DERM_OK;
}

/* ---- creation ------------------------------------------------------------------------ */

static derm_status alloc_scratch(struct derm_sim *s, struct derm_err *err)
{
    const size_t n = (size_t)s->grid.n, nz = (size_t)s->grid.nz;
    /* the matrix deposits made layer by layer need no arrays (matrix_deposits) */
    derm_real **grid_arrays[] = {&s->tmp, &s->dep_collagen, &s->dep_elastin, &s->dep_ha};
    const size_t ngrid = s->layer_deposits ? 1 : sizeof grid_arrays / sizeof *grid_arrays;
    for (size_t i = 0; i < ngrid; i++)
        if (!(*grid_arrays[i] = calloc(n, sizeof(derm_real)))) goto fail;
    double **layer_arrays[] = {
        &s->density_ref_k, &s->collagen_ref_k,      &s->elastin_ref_k,      &s->ha_ref_k,          &s->layers.uvb_k,
        &s->layers.uva_k,  &s->layers.uv_k,         &s->layers.ros_ex_k,    &s->layers.uv_ap1_k,   &s->w_k,
        &s->wound.open,    &s->wound.repair,        &s->wound.open_mean,    &s->wound.repair_mean, &s->wound.synthesis,
        &s->wound.opened,  &s->wound.fill_collagen, &s->wound.fill_elastin, &s->crowd_factor_k};
    for (size_t i = 0; i < sizeof layer_arrays / sizeof *layer_arrays; i++)
        if (!(*layer_arrays[i] = calloc(nz, sizeof(double)))) goto fail;
    if (!(s->layer_sums = calloc(DERM_SIM_LAYER_SUMS * nz, sizeof(double)))) goto fail;
    if (!(s->wound.work = calloc(2 * nz, sizeof(double)))) goto fail;
    if (!(s->young_profile = calloc(DERM_NMATRIX * nz, sizeof(double)))) goto fail;
    if (!(s->field_sums = calloc(DERM_MATRIX_NSUMS * nz, sizeof(double)))) goto fail;
    s->field_sums_step = -1;
    return DERM_OK;
fail:
    return derm_err_set(err, DERM_ENOMEM, "cannot allocate scratch arrays for %lld voxels", (long long)s->grid.n);
}

/* Signal sources: a voxel-grid array per signal solved on the voxel grid; a coarse signal's
 * cells deposit straight into its coarse source (no voxel-grid array for it). */
static derm_status alloc_sources(struct derm_sim *s, struct derm_err *err)
{
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        derm_real *coarse = derm_signal_grids_source(s->diff, q);
        s->src_owned[q] = coarse == NULL;
        s->src[q] = coarse ? coarse : calloc((size_t)s->grid.n, sizeof(derm_real));
        s->coarse_signals |= coarse != NULL;
        if (!s->src[q]) return derm_err_set(err, DERM_ENOMEM, "cannot allocate signal sources");
    }
    if (!(s->src_col = calloc((size_t)(DERM_NSIGNAL * s->grid.nz), sizeof(derm_real))))
        return derm_err_set(err, DERM_ENOMEM, "cannot allocate signal sources");
    return DERM_OK;
}

/* Grid, storage, the young fibroblast density per layer and the crowding neighbourhood. */
static derm_status make_storage(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_params *p = &s->p;
    DERM_TRY(derm_grid_init(&s->grid, p->domain_nx, p->domain_ny, p->domain_nz, p->domain_voxel_um, err));
    const struct derm_grid *g = &s->grid;
    s->dt_h = p->run_dt_hours;
    /* the model begins at the young-adult age (a later start simulates the history first) or
     * at an earlier start age (a developing dermis) */
    s->age0 = derm_sim_begin_age(p);
    double span_h = (p->run_age_end_years - s->age0) * DERM_HOURS_PER_YEAR;
    s->nsteps = (int64_t)ceil(span_h / s->dt_h - 1e-9);
    if (s->nsteps < 1) s->nsteps = 1;
    s->out_step0 = (int64_t)llround((p->run_age_start_years - s->age0) * DERM_HOURS_PER_YEAR / s->dt_h);
    if (s->out_step0 >= s->nsteps) s->out_step0 = s->nsteps - 1;
    DERM_TRY(derm_fields_init(&s->f, g, DERM_ST_UV_RECORDS, err)); /* until the first UV */
    s->crowd_radius = derm_params_crowd_radius(p);
    s->layer_deposits = derm_params_layer_deposits(p); /* as the memory estimate counts */
    DERM_TRY(alloc_scratch(s, err));
    DERM_TRY(derm_bins_init(&s->bins, g, err));
    const double vol = derm_grid_voxel_mm3(g);
    for (int64_t k = 0; k < g->nz; k++) {
        double zc = ((double)k + 0.5) * g->h_um;
        double rho = p->fibroblast_density_per_mm3 *
                     (zc < p->domain_papillary_depth_um ? p->fibroblast_papillary_density_ratio : 1.0);
        s->density_ref_k[k] = rho * vol;
    }
    return derm_agents_init(&s->a, 1024, err);
}

/* Calibration part 1: with every signal at its reference, per-cell secretion. */
static derm_status calibrate_secretion(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    DERM_TRY(derm_bins_build(&s->bins, g, &s->a, err));
    DERM_TRY(derm_cell_rates_reserve(&s->rates, s->a.cap, err));
    DERM_TRY(ones_at_rows(s, err));
    return derm_calibration_secretion(g, &s->a, &s->c.fibroblast, (const derm_real *const *)s->f.matrix,
                                      (const derm_real *const *)s->ones_sig, s->c.signal.k_h, s->c.signal.level,
                                      &s->cal_avg, &s->rates, &s->h, &s->cal_now, err);
}

/* HA at its local steady state for the present deposition and signals. */
static derm_status settle_ha(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_coupling_layers_spec made = matrix_deposits(s, 1);
    return derm_matrix_settle_ha(&s->grid, s->f.matrix, (const derm_real *const *)s->f.signal,
                                 s->lazy_signals ? s->diff : NULL, s->dep_ha, s->layer_deposits ? &made : NULL,
                                 &s->c.matrix, err);
}

/* Secretion and deposition at the current state (no exposures): the cells binned where they
 * are now (after a settle's last walk and births and deaths, its bins and voxels are the
 * step's before them). */
static derm_status secrete_and_deposit(struct derm_sim *s, struct derm_err *err)
{
    DERM_TRY(derm_bins_build(&s->bins, &s->grid, &s->a, err));
    DERM_TRY(derm_cell_rates_reserve(&s->rates, s->a.cap, err)); /* births since the last reserve */
    DERM_TRY(sense(s, DERM_CELLS_SENSE, err));
    derm_fibroblast_secrete(&s->grid, &s->a, &s->c.fibroblast, &s->h, &s->in, (const derm_real *const *)s->f.matrix,
                            (const derm_real *const *)s->sensed.signal, &s->rates);
    return phase_deposit(s, 0.0, err);
}

/* The signals at the quasi-steady state of the initial secretion; then what cells sense,
 * matrix synthesis and division calibrated against it; HA at its local steady state. */
static derm_status settle_signals(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    phase_subject(s, s->p.subject_young_adult_age_years); /* the calibration is of the young adult */
    DERM_TRY(secrete_and_deposit(s, err));
    for (int q = 0; q < DERM_NSIGNAL; q++)
        if (s->f.signal[q]) memset(s->f.signal[q], 0, (size_t)g->n * sizeof(derm_real));
    if (derm_signal_grids_load(s->diff, s->f.signal) != 0) /* the lazy signals' coarse states zeroed */
        return derm_err_set(err, DERM_ENOMEM, "out of memory for the signal grids' interpolation rows");
    DERM_TRY(derm_signal_grids_step(s->diff, s->f.signal, (const derm_real *const *)s->src, 1e6, err));
    DERM_TRY(phase_crowding(s, 0, err));
    DERM_TRY(sense(s, (1u << DERM_NSIGNAL) - 1u, err)); /* the calibration reads every signal */
    derm_calibration_synthesis(g, &s->a, &s->c.fibroblast, &s->c.matrix, &s->c.calibration, s->density_ref_k,
                               s->crowd_rows, (const derm_real *const *)s->f.matrix,
                               (const derm_real *const *)s->sensed.signal, s->c.signal.level, &s->cal_avg, &s->cal_now,
                               &s->rates, s->collagen_ref_k, s->elastin_ref_k, s->ha_ref_k, &s->h);
    DERM_TRY(secrete_and_deposit(s, err));
    return settle_ha(s, err);
}

/* DERM_EINTR when the setup was asked to stop (derm_sim_create_until) before step i of the
 * n of `stage`, else DERM_OK. */
static derm_status setup_go_on(const struct derm_sim *s, const char *stage, int64_t i, int64_t n, struct derm_err *err)
{
    if (!s->stop || !*s->stop) return DERM_OK;
    return derm_err_set(err, DERM_EINTR, "interrupted during the setup (%s, step %lld of %lld)", stage, (long long)i,
                        (long long)n);
}

/* The young adult's own cell population: from the placed cells, run the cell rules alone
 * (signals and matrix held at the young state, subject inputs young) for spinup_years with
 * a fixed weekly step, re-deriving the division hazard halfway so the density returns to
 * its reference, so damage, divisions, states and positions reach the balance the rules
 * keep. Random streams are keyed by steps below zero, disjoint from the run's. */
static derm_status spin_up(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    const double dt = 168.0;
    const int64_t nsteps = (int64_t)ceil(s->p.run_spinup_years * DERM_HOURS_PER_YEAR / dt - 1e-9);
    const uint64_t seed = (uint64_t)s->p.run_seed;
    const derm_real *const *cm = (const derm_real *const *)s->f.matrix;
    const derm_real *const *sn = (const derm_real *const *)s->sensed.signal;
    struct derm_signal_probe probe; /* the chemokine read from its coarse state (chem_probe) */
    const struct derm_step_inputs young = derm_step_inputs_young();
    /* the spin-up's time ends at the last window end at or before the settle's start, whatever
     * the run's step (the walk is keyed by time, so both phases give every step length the
     * same paths; its weekly steps are then whole windows) */
    const double settle_start = settle_end_hours(s) - (double)settle_steps(s, s->p.run_settle_years) * s->dt_h;
    const double t_end = DERM_MOTILITY_WINDOW_H * floor(settle_start / DERM_MOTILITY_WINDOW_H);
    for (int64_t i = 0; i < nsteps; i++) {
        DERM_TRY(setup_go_on(s, "the cells' spin-up", i, nsteps, err));
        const int64_t key = -(nsteps - i); /* steps -nsteps .. -1 */
        struct derm_step_inputs in = young;
        in.stem_count = derm_progenitor_count(&s->a);
        DERM_TRY(derm_bins_build(&s->bins, g, &s->a, err));
        DERM_TRY(phase_crowding(s, 0, err));
        DERM_TRY(sense(s, DERM_CELLS_SENSE, err));
        if (i == nsteps / 2)
            s->h.division_h =
                derm_calibration_division(&s->a, &s->c.fibroblast, &s->c.calibration, &s->h, sn[DERM_S_GF],
                                          s->crowd_rows, derm_calibration_density_scale(g, &s->a, s->density_ref_k));
        derm_fibroblast_decide(g, &s->a, &s->c.fibroblast, &s->h, &in, cm, sn, s->crowd_rows, seed, key, dt);
        derm_progenitor_decide(&s->a, &s->c.progenitor, &s->h, &in, sn, seed, key, dt);
        derm_motility_move(g, &s->a, &s->c.motility, cm, s->f.signal[DERM_S_CHEMOKINE], chem_probe(s, &probe), seed,
                           t_end + (double)key * dt, dt);
        DERM_TRY(derm_lifecycle_apply(g, &s->a, &s->c.lifecycle, seed, key, NULL, NULL, err));
        if (i >= nsteps / 2) { /* the young population's average output, for the calibration */
            struct derm_calibration_mean x;
            DERM_TRY(derm_bins_build(&s->bins, g, &s->a, err));
            DERM_TRY(derm_cell_rates_reserve(&s->rates, s->a.cap, err));
            DERM_TRY(ones_at_rows(s, err));
            DERM_TRY(derm_calibration_measure(g, &s->a, &s->c.fibroblast, cm, (const derm_real *const *)s->ones_sig,
                                              &s->rates, &x, err));
            derm_calibration_accumulate(&s->cal_avg, &x);
        }
    }
    return DERM_OK;
}

/* Layer k of the last deposit of collagen, elastin and HA (nxy each): from their arrays, or
 * from cur (s->layer_deposits, open on matrix_deposits(s, 3)). */
static void deposit_layer(const struct derm_sim *s, struct derm_coupling_layers *cur, int64_t k,
                          const derm_real *out[3])
{
    const int64_t nxy = s->grid.nx * s->grid.ny;
    if (s->layer_deposits) {
        const derm_real *const *l = derm_coupling_layers_at(cur, k);
        for (int j = 0; j < 3; j++) out[j] = l[j];
        return;
    }
    out[0] = s->dep_collagen + k * nxy;
    out[1] = s->dep_elastin + k * nxy;
    out[2] = s->dep_ha + k * nxy;
}

static derm_status open_deposits(const struct derm_sim *s, struct derm_coupling_layers *cur, struct derm_err *err)
{
    const struct derm_coupling_layers_spec sp = matrix_deposits(s, 3);
    if (!s->layer_deposits || derm_coupling_layers_open(cur, &s->grid, &sp) == 0) return DERM_OK;
    derm_coupling_layers_close(cur);
    return derm_err_set(err, DERM_ENOMEM, "cannot allocate the matrix deposits' layer scratch");
}

/* The domain sums of the last deposit of collagen, elastin and HA, each serial in index
 * order (the bits of derm_grid_sums_serial over whole-grid deposits). */
static derm_status deposit_sums(const struct derm_sim *s, double dsum[3], struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    if (!s->layer_deposits) {
        const derm_real *x[3] = {s->dep_collagen, s->dep_elastin, s->dep_ha};
        derm_grid_sums_serial(x, 3, g->n, dsum);
        return DERM_OK;
    }
    struct derm_coupling_layers cur;
    DERM_TRY(open_deposits(s, &cur, err));
    const int64_t nxy = g->nx * g->ny;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0;
    for (int64_t k = 0; k < g->nz; k++) {
        const derm_real *l[3];
        deposit_layer(s, &cur, k, l);
        for (int64_t q = 0; q < nxy; q++) { /* three chains, each in index order */
            s0 += l[0][q];
            s1 += l[1][q];
            s2 += l[2][q];
        }
    }
    derm_coupling_layers_close(&cur);
    dsum[0] = s0, dsum[1] = s1, dsum[2] = s2;
    return DERM_OK;
}

/* The whole model at the young adult's own state (young inputs, no exposures) for
 * settle_years with the run's own step; its time-averaged signal levels and matrix
 * deposition then rescale the per-cell secretion and synthesis references so that, on
 * average, every signal sits at its young level and deposition balances turnover; the
 * matrix is then put back at the young state. This closes the calibration on the model's
 * own dynamics (cells sensing live signals), which the static calibration only approximates. */
static derm_status settle_model(struct derm_sim *s, double years, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    const double dt = s->dt_h, n = (double)g->n; /* the run's own step: its balance is calibrated */
    const int64_t nsteps = settle_steps(s, years);
    const uint64_t seed = (uint64_t)s->p.run_seed;
    const derm_real *const *cm = (const derm_real *const *)s->f.matrix;
    const derm_real *const *cs = (const derm_real *const *)s->f.signal;
    const derm_real *const *sn = (const derm_real *const *)s->sensed.signal;
    struct derm_signal_probe probe; /* the chemokine read from its coarse state (chem_probe) */
    double level[DERM_NSIGNAL] = {0}, dep[3] = {0};
    const double t_end = settle_end_hours(s); /* settle ends at the young age */
    for (int64_t i = 0; i < nsteps; i++) {
        DERM_TRY(setup_go_on(s, "the settle", i, nsteps, err));
        const int64_t key = -(nsteps - i) - ((int64_t)1 << 40); /* disjoint from the spin-up's steps */
        s->in = derm_step_inputs_young();
        s->in.stem_count = derm_progenitor_count(&s->a);
        DERM_TRY(derm_bins_build(&s->bins, g, &s->a, err));
        DERM_TRY(phase_crowding(s, 0, err));
        DERM_TRY(sense(s, DERM_CELLS_SENSE, err));
        derm_fibroblast_decide(g, &s->a, &s->c.fibroblast, &s->h, &s->in, cm, sn, s->crowd_rows, seed, key, dt);
        derm_progenitor_decide(&s->a, &s->c.progenitor, &s->h, &s->in, sn, seed, key, dt);
        DERM_TRY(derm_cell_rates_reserve(&s->rates, s->a.cap, err));
        derm_fibroblast_secrete(g, &s->a, &s->c.fibroblast, &s->h, &s->in, cm, sn, &s->rates);
        DERM_TRY(phase_deposit(s, 0.0, err));
        DERM_TRY(derm_signal_grids_step(s->diff, s->f.signal, (const derm_real *const *)s->src, dt, err));
        const struct derm_coupling_layers_spec made = matrix_deposits(s, 3);
        const struct derm_matrix_deposition md = {s->dep_collagen,
                                                  s->dep_elastin,
                                                  s->dep_ha,
                                                  NULL,
                                                  NULL,
                                                  s->lazy_signals ? s->diff : NULL,
                                                  NULL,
                                                  NULL,
                                                  s->layer_deposits ? &made : NULL};
        DERM_TRY(derm_matrix_step(g, s->f.matrix, cs, &md, 1.0, 1.0, &s->c.matrix, dt,
                                  s->f.state[DERM_ST_MMP1_ACTIVITY], s->layer_sums, &s->last_flux, err));
        double sum[DERM_NSIGNAL], dsum[3];
        DERM_TRY(deposit_sums(s, dsum, err)); /* while the bins are the deposit's */
        derm_motility_move(g, &s->a, &s->c.motility, cm, s->f.signal[DERM_S_CHEMOKINE], chem_probe(s, &probe), seed,
                           t_end - (double)(nsteps - i) * dt, dt);
        DERM_TRY(derm_lifecycle_apply(g, &s->a, &s->c.lifecycle, seed, key, NULL, NULL, err));
        DERM_TRY(derm_totals_signal_sums(s, sum, err));
        for (int q = 0; q < DERM_NSIGNAL; q++) level[q] += sum[q] / n / (double)nsteps;
        for (int j = 0; j < 3; j++) dep[j] += dsum[j] / n / (double)nsteps;
    }
    for (int q = 0; q < DERM_NSIGNAL; q++)
        if (level[q] > 0.0 && s->c.signal.level[q] > 0.0) {
            /* sources and the fields they made scale together (linear diffusion and decay) */
            const double r = s->c.signal.level[q] / level[q];
            s->h.secretion_ref[q] *= r;
            if (s->f.signal[q]) /* a field on the voxel grid */
                for (int64_t v = 0; v < g->n; v++) s->f.signal[q][v] *= r;
            derm_signal_grids_scale(s->diff, q, r); /* a coarse state (lazy: its field is made from it) */
        }
    const struct derm_calibration_coef *cc = &s->c.calibration;
    const struct derm_matrix_coef *mc = &s->c.matrix;
    const double target[3] = {mc->k_cleave_h * cc->collagen_density, mc->k_elastin_h * cc->elastin_density,
                              cc->ha_fibroblast_share * mc->k_ha_h * cc->ha_density};
    double *ref[3] = {s->collagen_ref_k, s->elastin_ref_k, s->ha_ref_k};
    for (int j = 0; j < 3; j++)
        if (dep[j] > 0.0)
            for (int64_t k = 0; k < g->nz; k++) ref[j][k] *= target[j] / dep[j];
    derm_initial_matrix(g, s->f.matrix, &s->c.initial, &s->c.matrix);
    return DERM_OK;
}

/* Young-adult references for the readouts: layer-ordered domain sums of every matrix field
 * of the young-adult state (before any developmental start below it). */
static void record_young_matrix(struct derm_sim *s)
{
    const struct derm_grid *g = &s->grid;
    const int64_t nxy = g->nx * g->ny;
    for (int f = 0; f < DERM_NMATRIX; f++) {
        double sum = 0.0;
        for (int64_t k = 0; k < g->nz; k++) {
            double part = 0.0;
            for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) part += s->f.matrix[f][q];
            sum += part;
        }
        s->young_matrix[f] = sum;
        for (int64_t k = 0; k < g->nz; k++) {
            double part = 0.0;
            for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) part += s->f.matrix[f][q];
            s->young_profile[f * g->nz + k] = part / (double)nxy;
        }
    }
}

/* The first row's rates (the young balance) and the budgets' zero. */
static derm_status record_start(struct derm_sim *s, struct derm_err *err)
{
    const struct derm_grid *g = &s->grid;
    const int64_t nxy = g->nx * g->ny;
    double syn = 0.0, ha = 0.0;
    struct derm_coupling_layers cur;
    DERM_TRY(open_deposits(s, &cur, err));
    for (int64_t k = 0; k < g->nz; k++) {
        double ps = 0.0, ph = 0.0;
        const derm_real *l[3];
        deposit_layer(s, &cur, k, l);
        for (int64_t q = 0; q < nxy; q++) {
            ps += l[0][q];
            ph += l[2][q];
        }
        syn += ps;
        ha += ph;
    }
    if (s->layer_deposits) derm_coupling_layers_close(&cur);
    struct derm_matrix_flux *f = &s->last_flux;
    memset(f, 0, sizeof *f);
    f->collagen_synth = syn * s->dt_h;
    f->collagen_cleave = f->collagen_clear = f->collagen_synth;
    f->ha_synth = f->ha_degraded = f->ha_removed = (ha + s->c.matrix.ha_supply * (double)g->n) * s->dt_h;
    memset(&s->cum_flux, 0, sizeof s->cum_flux);
    s->glucose_mM = s->p.subject_glucose_mM;
    return DERM_OK;
}

/* 1 if the schedule needles the skin (a session of dose 0 is no session): wounds are advanced. */
static int needles(const struct derm_schedule *sched)
{
    for (int i = 0; i < sched->n; i++)
        if (sched->e[i].input == DERM_IN_MICRONEEDLING && sched->e[i].dose > 0.0) return 1;
    return 0;
}

derm_status derm_sim_create(struct derm_sim **out, const struct derm_params *p, const struct derm_schedule *sched,
                            struct derm_err *err)
{
    return derm_sim_create_until(out, p, sched, NULL, err);
}

derm_status derm_sim_create_until(struct derm_sim **out, const struct derm_params *p, const struct derm_schedule *sched,
                                  const volatile sig_atomic_t *stop, struct derm_err *err)
{
    *out = NULL;
    struct derm_sim *s = calloc(1, sizeof *s);
    if (!s) return derm_err_set(err, DERM_ENOMEM, "cannot allocate the simulation");
    s->stop = stop;
    s->p = *p;
    s->schedule = *sched;
    derm_status st = DERM_OK;
    if ((st = make_storage(s, err)) != DERM_OK) goto fail;
    derm_coef_build(p, &s->grid, &s->c);
    s->wound_on = needles(sched);
    s->in = derm_step_inputs_young();
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) s->exo_mult[e] = 1.0;
    s->h.collagen_ref_k = s->collagen_ref_k;
    s->h.elastin_ref_k = s->elastin_ref_k;
    s->h.ha_ref_k = s->ha_ref_k;
    if ((st = derm_initial_cells(&s->grid, &s->a, &s->c.initial, s->density_ref_k, err)) != DERM_OK) goto fail;
    derm_initial_matrix(&s->grid, s->f.matrix, &s->c.initial, &s->c.matrix);
    for (int64_t v = 0; v < s->grid.n; v++) s->f.state[DERM_ST_MMP1_ACTIVITY][v] = 1.0;
    if ((st = calibrate_secretion(s, err)) != DERM_OK) goto fail;
    if ((st = derm_signal_grids_create(&s->diff, &s->grid, DERM_NSIGNAL, s->c.signal.D_um2_h, s->c.signal.k_h,
                                       p->domain_bottom_boundary == DERM_BOTTOM_VASCULAR, p->domain_signal_voxel_ratio,
                                       err)) != DERM_OK)
        goto fail;
    s->sig_state = derm_signal_grids_state(s->diff, &s->sig_state_len);
    /* every coarse signal lazy: kept as its coarse state alone, its voxel-grid values made
     * where they are read (the cells' voxels: sense; the chemokine's neighbours: chem_probe;
     * the matrix kernel's strips; a series row's sums; a frame's rows: s->f.make). Its fine
     * array is never written: given back (8 bytes per voxel each in dermsim, 4 in dermsim-lean) */
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        derm_signal_grids_set_lazy(s->diff, q, 1);
        if (!derm_signal_grids_lazy(s->diff, q)) continue;
        s->lazy_signals = 1;
        free(s->f.signal[q]);
        s->f.signal[q] = NULL;
    }
    s->f.make = make_lazy_row;
    s->f.make_ctx = s;
    if ((st = alloc_sources(s, err)) != DERM_OK) goto fail;
    /* a signal nothing makes in a young tissue (young level 0: the exosomes) holds no arrays
     * through the setup either; a deposit brings them if a cell makes it after all */
    for (int q = 0; q < DERM_NSIGNAL; q++)
        if (derm_sim_signal_may_be_absent(s, q)) derm_sim_signal_arrays_free(s, q);
    if ((st = settle_signals(s, err)) != DERM_OK) goto fail;
    if (p->run_spinup_years > 0.0) {
        /* the young population at its own balance, then every reference derived again on it */
        if ((st = spin_up(s, err)) != DERM_OK || (st = calibrate_secretion(s, err)) != DERM_OK ||
            (st = settle_signals(s, err)) != DERM_OK)
            goto fail;
    }
    if (p->run_settle_years > 0.0) {
        if ((st = settle_model(s, p->run_settle_years, err)) != DERM_OK) goto fail;
        s->in = derm_step_inputs_young();
        phase_subject(s, s->p.subject_young_adult_age_years);
        if ((st = secrete_and_deposit(s, err)) != DERM_OK || (st = settle_ha(s, err)) != DERM_OK) goto fail;
    }
    record_young_matrix(s);
    if (s->age0 < p->subject_young_adult_age_years) {
        derm_initial_develop(&s->grid, s->f.matrix, &s->c.initial, &s->c.matrix, &s->c.subject, s->age0);
        phase_subject(s, s->age0);
        if ((st = secrete_and_deposit(s, err)) != DERM_OK || (st = settle_ha(s, err)) != DERM_OK) goto fail;
    }
    if ((st = record_start(s, err)) != DERM_OK) goto fail;
    derm_sim_note_uv_memory(s);
    /* the calibration's signals at their reference (one per agent row) are no longer read */
    free(s->ones);
    s->ones = NULL;
    s->ones_cap = 0;
    for (int q = 0; q < DERM_NSIGNAL; q++) s->ones_sig[q] = NULL;
    /* a signal nothing has made (young level 0, no treatment yet) holds no arrays (if the
     * setup's cells made it, it is held while not all +0) */
    for (int q = 0; q < DERM_NSIGNAL; q++)
        if (derm_sim_signal_may_be_absent(s, q) && s->f.signal[q] && all_plus_zero(s->f.signal[q], s->grid.n) &&
            all_plus_zero(s->src[q], s->grid.n))
            derm_sim_signal_arrays_free(s, q);
    s->signals_touched = 1; /* the settle loaded and rescaled them */
    *out = s;
    return DERM_OK;
fail:
    derm_sim_free(s);
    return st;
}

void derm_sim_free(struct derm_sim *s)
{
    if (!s) return;
    derm_signal_grids_free(s->diff);
    derm_fields_fini(&s->f);
    derm_agents_fini(&s->a);
    derm_bins_fini(&s->bins);
    derm_cell_rates_fini(&s->rates);
    derm_cell_sensed_fini(&s->sensed);
    derm_real *grid_arrays[] = {s->dep_collagen, s->dep_elastin, s->dep_ha, s->dep_elastotic,
                                s->crowd,        s->crowd_rows,  s->tmp,    s->ones};
    for (size_t i = 0; i < sizeof grid_arrays / sizeof *grid_arrays; i++) free(grid_arrays[i]);
    double *arrays[] = {
        s->density_ref_k,      s->collagen_ref_k,  s->elastin_ref_k,   s->ha_ref_k,        s->layers.uvb_k,
        s->layers.uva_k,       s->layers.uv_k,     s->layers.ros_ex_k, s->layers.uv_ap1_k, s->w_k,
        s->layer_sums,         s->young_profile,   s->wound.open,      s->wound.repair,    s->wound.open_mean,
        s->wound.repair_mean,  s->wound.synthesis, s->wound.work,      s->wound.opened,    s->wound.fill_collagen,
        s->wound.fill_elastin, s->crowd_factor_k};
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++) free(arrays[i]);
    for (int q = 0; q < DERM_NSIGNAL; q++)
        if (s->src_owned[q]) free(s->src[q]);
    free(s->src_col);
    free(s->field_sums);
    free(s);
}
