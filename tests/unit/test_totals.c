/* test_totals.c - sim/totals: the registry of the scalar series written at every row.
 *
 * Checks: every row has a name, units and a long name; names are unique, identifier-like
 * and collide with no other variable of the run file (fields, their profiles, coordinates,
 * agent columns); the table and derm_total_desc agree, out-of-range ids give NULL; the
 * `<signal>_mean` rows are generated from the signal registry, one per signal, in order,
 * in au; names and units are those of the pre-refactor registry, in the same order (the
 * run files stay readable by the analysis code), with exactly the budget series of the
 * model-integrity rework (pool totals and amounts made and removed since the start) added
 * among them; derm_totals_compute gives finite values that agree with sums written out here
 * on a small simulation (counts, fractions, means, areal masses, subject readouts) at the
 * start and after a few steps (the full-grid means bit for bit as layer-ordered serial sums,
 * at 1 and 2 threads), every pool's budget rebuilt from the series closes (pool(t)
 * - pool(0) = made - removed, to round-off; cumulative amounts 0 at the start), and it does
 * not change the simulation; the mechanics read the matrix per volume of the compacted
 * tissue: with half the collagen gone the dermis is thinner by the collagen's volume share,
 * each layer's collagen is read as amount / relative thickness, HA-bound water rises as the
 * same HA sits in less tissue, and the layers are firmer than the uncompacted ratios give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derm/mech/tissue.h"
#include "derm/model/subject.h"
#include "derm/sim/sim.h"
#include "derm/sim/totals.h"
#include "sim_fields.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

/* Name and units of every series of the pre-refactor registry, in output order. */
static const char *const OLD_SERIES[][2] = {
    {"collagen_total", "mg/cm^2"},
    {"collagen_intact_total", "mg/cm^2"},
    {"collagen_fragmented_fraction", "1"},
    {"collagen_synthesis_rate", "mg/cm^2/year"},
    {"collagen_degradation_rate", "mg/cm^2/year"},
    {"collagen_cleavage_rate", "mg/cm^2/year"},
    {"collagen_residence_time", "year"},
    {"collagen_synthesis_per_cell", "pg/h"},
    {"elastin_functional_total", "mg/cm^2"},
    {"elastin_elastotic_total", "mg/cm^2"},
    {"ha_hmw_total", "mg/cm^2"},
    {"ha_lmw_total", "mg/cm^2"},
    {"ha_half_life", "day"},
    {"age_crosslinks_mean", "pmol/mg"},
    {"fibroblast_count", "1"},
    {"fibroblast_quiescent", "1"},
    {"fibroblast_activated", "1"},
    {"fibroblast_senescent", "1"},
    {"fibroblast_density", "1/mm^3"},
    {"senescent_fraction", "1"},
    {"stem_cell_count", "1"},
    {"attachment_mean", "1"},
    {"attached_area_mean", "1"},
    {"mmp1_secretion_per_cell", "1"},
    {"dermal_thickness", "um"},
    {"estrogen", "1"},
    {"glucose_mM", "mM"},
    {"uv_dose_cumulative", "SED"},
    {"uv_dose_unprotected_cumulative", "SED"},
    {"uv_dose_dermal_cumulative", "SED"},
    {"smoking_pack_years", "pack-year"},
    {"pollution_index_years", "year"},
    {"exosome_dose_cumulative", "au"},
    {"conditioned_medium_dose_cumulative", "au"},
    {"growth_factor_dose_cumulative", "au"},
    {"microneedling_cumulative", "au"},
    {"mmp1_activity_mean", "au"},
    {"ap1_mean", "au"},
    {"tgfb_response_mean", "1"},
    {"damage_mean", "au"},
    {"exosome_effect_mean", "au"},
    {"elastin_age_mean", "pmol/mg"},
    {"collagen_mmp_susceptibility", "1"},
    {"tgfb_mean", "au"},
    {"mmp1_mean", "au"},
    {"mmp3_mean", "au"},
    {"timp_mean", "au"},
    {"ros_mean", "au"},
    {"il_mean", "au"},
    {"gf_mean", "au"},
    {"chemokine_mean", "au"},
    {"exosome_mean", "au"},
};

/* The series added with the per-pool budgets (model integrity), name and units. */
static const char *const NEW_SERIES[][2] = {
    {"elastin_total", "mg/cm^2"},
    {"ha_total", "mg/cm^2"},
    {"age_total", "pmol/cm^2"},
    {"collagen_synthesized", "mg/cm^2"},
    {"collagen_cleaved", "mg/cm^2"},
    {"collagen_removed", "mg/cm^2"},
    {"elastin_synthesized", "mg/cm^2"},
    {"elastin_oxidised", "mg/cm^2"},
    {"elastin_removed", "mg/cm^2"},
    {"ha_synthesized", "mg/cm^2"},
    {"ha_removed", "mg/cm^2"},
    {"age_formed", "pmol/cm^2"},
    {"age_removed", "pmol/cm^2"},
    /* the simulated Cutometer (issue 9; they replace stiffness_factor and viscous_recovery_factor) */
    {"cutometer_R0", "mm"},
    {"cutometer_R1", "mm"},
    {"cutometer_R2", "1"},
    {"cutometer_R5", "1"},
    {"cutometer_R6", "1"},
    {"cutometer_R7", "1"},
    {"cutometer_R8", "mm"},
    {"cutometer_Ue", "mm"},
    {"cutometer_Uv", "mm"},
    {"cutometer_Uf", "mm"},
    {"cutometer_Ur", "mm"},
    {"cutometer_Ua", "mm"},
    {"dermal_water_content", "1"},
    /* micro-wounds of microneedling (model/wound.h) */
    {"wound_open_fraction", "1"},
    {"wound_repair_fraction", "1"},
    /* what of the treatments reached the simulated dermis (inputs/treatment.h) */
    {"exosome_dose_delivered_cumulative", "au"},
    {"conditioned_medium_dose_delivered_cumulative", "au"},
    {"growth_factor_dose_delivered_cumulative", "au"},
};

static void test_registry_rows_complete_and_unique(void **state)
{
    (void)state;
    const struct derm_series_desc *t = derm_totals_table();
    assert_non_null(t);
    for (int i = 0; i < DERM_NTOTALS; i++) {
        const struct derm_series_desc *d = derm_total_desc(i);
        assert_ptr_equal(d, &t[i]);
        assert_non_null(d->name);
        assert_non_null(d->units);
        assert_non_null(d->long_name);
        if (!d->name[0] || !d->units[0] || !d->long_name[0]) fail_msg("series %d (%s) has an empty entry", i, d->name);
        assert_true(isalpha((unsigned char)d->name[0]));
        for (const char *c = d->name; *c; c++)
            if (!(isalnum((unsigned char)*c) || *c == '_')) fail_msg("series name '%s' is not an identifier", d->name);
        for (int j = 0; j < i; j++)
            if (strcmp(t[j].name, d->name) == 0) fail_msg("series name '%s' used twice (%d, %d)", d->name, j, i);
        /* no clash with the other variables of the run file */
        for (int f = 0; f < DERM_NFIELDS; f++) {
            char prof[128];
            snprintf(prof, sizeof prof, "%s_profile", derm_field_desc(f)->name);
            assert_true(strcmp(d->name, derm_field_desc(f)->name) != 0 && strcmp(d->name, prof) != 0);
        }
        const char *reserved[] = {"x",         "y",          "z",          "time",       "step",
                                  "age_years", "frame",      "frame_time", "frame_step", "frame_age_years",
                                  "agent",     "agent_count"};
        for (size_t r = 0; r < sizeof reserved / sizeof *reserved; r++) assert_true(strcmp(d->name, reserved[r]) != 0);
        assert_true(strncmp(d->name, "agent_", 6) != 0);
    }
    assert_null(derm_total_desc(-1));
    assert_null(derm_total_desc(DERM_NTOTALS));
}

static void test_signal_means_generated(void **state)
{
    (void)state;
    assert_int_equal(DERM_NTOTALS, DERM_T_SIGNAL_MEAN + DERM_NSIGNAL);
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        const struct derm_series_desc *d = derm_total_desc(DERM_T_SIGNAL_MEAN + q);
        const struct derm_field_desc *f = derm_field_desc(DERM_NMATRIX + q);
        assert_true(f->is_signal);
        char want[128];
        snprintf(want, sizeof want, "%s_mean", f->name);
        assert_string_equal(d->name, want);
        assert_string_equal(d->units, "au");
        assert_string_equal(d->units, f->units);
        assert_true(strncmp(d->long_name, "mean ", 5) == 0);
        assert_non_null(strstr(d->long_name, f->long_name));
    }
    /* the rows before them are the hand-written series */
    for (int i = 0; i < DERM_T_SIGNAL_MEAN; i++) {
        const size_t n = strlen(derm_total_desc(i)->name);
        for (int q = 0; q < DERM_NSIGNAL; q++) {
            char sm[128];
            snprintf(sm, sizeof sm, "%s_mean", derm_field_desc(DERM_NMATRIX + q)->name);
            assert_true(n != strlen(sm) || strcmp(derm_total_desc(i)->name, sm) != 0);
        }
    }
}

static void test_names_and_units_unchanged(void **state)
{
    (void)state;
    const int nold = (int)(sizeof OLD_SERIES / sizeof *OLD_SERIES);
    const int nnew = (int)(sizeof NEW_SERIES / sizeof *NEW_SERIES);
    assert_int_equal(DERM_NTOTALS, nold + nnew);
    /* walking the registry: every row is the next old series (same name and units) or one of
     * the new ones, each new one exactly once */
    int iold = 0, seen[sizeof NEW_SERIES / sizeof *NEW_SERIES] = {0};
    for (int i = 0; i < DERM_NTOTALS; i++) {
        const struct derm_series_desc *d = derm_total_desc(i);
        if (iold < nold && strcmp(d->name, OLD_SERIES[iold][0]) == 0) {
            if (strcmp(d->units, OLD_SERIES[iold][1]) != 0)
                fail_msg("series %s has units '%s', had '%s'", OLD_SERIES[iold][0], d->units, OLD_SERIES[iold][1]);
            iold++;
            continue;
        }
        int k = 0;
        while (k < nnew && strcmp(d->name, NEW_SERIES[k][0]) != 0) k++;
        if (k == nnew)
            fail_msg("series %d is '%s', expected '%s' or a budget series", i, d->name,
                     iold < nold ? OLD_SERIES[iold][0] : "(none)");
        if (strcmp(d->units, NEW_SERIES[k][1]) != 0)
            fail_msg("series %s has units '%s', expected '%s'", d->name, d->units, NEW_SERIES[k][1]);
        seen[k]++;
    }
    assert_int_equal(iold, nold);
    for (int k = 0; k < nnew; k++) assert_int_equal(seen[k], 1);
    /* the signal means stay last, as before */
    for (int q = 0; q < DERM_NSIGNAL; q++)
        assert_string_equal(derm_total_desc(DERM_T_SIGNAL_MEAN + q)->name, OLD_SERIES[nold - DERM_NSIGNAL + q][0]);
}

/* Totals written out from the state, independently of totals.c. */
static void check_against_state(const struct derm_sim *s, const double *t)
{
    const struct derm_grid *g = &s->grid;
    const double n = (double)g->n, areal = derm_grid_lz(g) * 1e-4 / n;
    for (int i = 0; i < DERM_NTOTALS; i++)
        if (!isfinite(t[i])) fail_msg("%s = %g", derm_total_desc(i)->name, t[i]);
    double m[DERM_NMATRIX] = {0};
    for (int q = 0; q < DERM_NMATRIX; q++)
        for (int64_t v = 0; v < g->n; v++) m[q] += s->f.matrix[q][v];
    const double col = m[DERM_M_COLLAGEN_INTACT] + m[DERM_M_COLLAGEN_FRAGMENTED];
    assert_rel(t[DERM_T_COLLAGEN_TOTAL], col * areal, 1e-12);
    assert_rel(t[DERM_T_COLLAGEN_INTACT_TOTAL], m[DERM_M_COLLAGEN_INTACT] * areal, 1e-12);
    assert_rel(t[DERM_T_COLLAGEN_FRAGMENTED_FRACTION], m[DERM_M_COLLAGEN_FRAGMENTED] / col, 1e-12);
    assert_rel(t[DERM_T_HA_HMW_TOTAL], m[DERM_M_HA_HMW] * areal, 1e-12);
    assert_rel(t[DERM_T_ELASTIN_TOTAL], (m[DERM_M_ELASTIN_FUNCTIONAL] + m[DERM_M_ELASTIN_ELASTOTIC]) * areal, 1e-12);
    assert_rel(t[DERM_T_HA_TOTAL], (m[DERM_M_HA_HMW] + m[DERM_M_HA_LMW]) * areal, 1e-12);
    assert_rel(t[DERM_T_AGE_TOTAL], m[DERM_M_AGE_AMOUNT] * areal, 1e-12);
    assert_rel(t[DERM_T_AGE_CROSSLINKS_MEAN], m[DERM_M_AGE_AMOUNT] / col, 1e-12);
    int64_t nf = 0, nq = 0, na = 0, ns = 0, nstem = 0;
    double att = 0.0, dmg = 0.0, area = 0.0;
    const double kb = s->p.fibroblast_attachment_binding_half_mg_per_ml;
    for (int64_t r = 0; r < s->a.n; r++) {
        if (s->a.type[r] == DERM_AGENT_STEM) {
            nstem++;
            continue;
        }
        nf++;
        nq += s->a.state[r] == DERM_STATE_QUIESCENT;
        na += s->a.state[r] == DERM_STATE_ACTIVATED;
        ns += s->a.state[r] == DERM_STATE_SENESCENT;
        att += s->a.attachment[r];
        dmg += s->a.damage[r];
        const double ci = s->f.matrix[DERM_M_COLLAGEN_INTACT][s->a.voxel[r]];
        area += s->a.attachment[r] * ci / (ci + kb);
    }
    assert_true(t[DERM_T_FIBROBLAST_COUNT] == (double)nf);
    assert_true(t[DERM_T_FIBROBLAST_QUIESCENT] == (double)nq);
    assert_true(t[DERM_T_FIBROBLAST_ACTIVATED] == (double)na);
    assert_true(t[DERM_T_FIBROBLAST_SENESCENT] == (double)ns);
    assert_true(t[DERM_T_STEM_CELL_COUNT] == (double)nstem);
    assert_rel(t[DERM_T_SENESCENT_FRACTION], (double)ns / (double)nf, 1e-15);
    assert_rel(t[DERM_T_FIBROBLAST_DENSITY], (double)nf / (n * derm_grid_voxel_mm3(g)), 1e-12);
    assert_rel(t[DERM_T_ATTACHMENT_MEAN], att / (double)nf, 1e-12);
    /* the attached surface of each cell: its attachment times the intact-fibril share of its voxel */
    assert_rel(t[DERM_T_ATTACHED_AREA_MEAN], area / (double)nf, 1e-12);
    if (dmg > 0.0) assert_rel(t[DERM_T_DAMAGE_MEAN], dmg / (double)nf, 1e-12);
    derm_real *buf = signal_buffer(s);
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        double sum = 0.0;
        const derm_real *c = signal_field(s, q, buf);
        for (int64_t v = 0; v < g->n; v++) sum += c[v];
        if (sum == 0.0)
            assert_true(t[DERM_T_SIGNAL_MEAN + q] == 0.0);
        else
            assert_rel(t[DERM_T_SIGNAL_MEAN + q], sum / n, 1e-12);
    }
    free(buf);
    const double age = derm_sim_age(s, s->step);
    assert_true(t[DERM_T_ESTROGEN] == derm_subject_estrogen(&s->c.subject, age));
    assert_true(t[DERM_T_GLUCOSE] == s->glucose_mM);
    /* the Cutometer rows are the readouts of s->firm, and their definitions hold */
    const struct derm_cutometer cu = derm_firmness_readouts(s);
    assert_true(t[DERM_T_CUTOMETER_R0] == cu.r0 && t[DERM_T_CUTOMETER_R2] == cu.r2 && t[DERM_T_CUTOMETER_R7] == cu.r7);
    assert_true(t[DERM_T_CUTOMETER_UF] == cu.uf && t[DERM_T_DERMAL_WATER_CONTENT] == s->firm.water);
    assert_true(t[DERM_T_COLLAGEN_MMP_SUSCEPTIBILITY] > 0.0 && t[DERM_T_COLLAGEN_MMP_SUSCEPTIBILITY] <= 1.0);
}

/* A young simulation of nx x nx x nz voxels of 20 um, ages 25-27, no schedule; p receives
 * its parameters. */
static struct derm_sim *small_sim(struct derm_params *p, int64_t nx, int64_t nz, int64_t seed)
{
    derm_params_defaults(p);
    p->domain_nx = p->domain_ny = nx;
    p->domain_nz = nz;
    p->domain_voxel_um = 20.0;
    p->run_age_start_years = 25.0;
    p->run_age_end_years = 27.0;
    p->run_seed = seed;
    static struct derm_schedule sched;
    memset(&sched, 0, sizeof sched);
    struct derm_sim *s = NULL;
    struct derm_err err = {0};
    if (derm_sim_create(&s, p, &sched, &err) != DERM_OK) fail_msg("%s", err.msg);
    return s;
}

/* Layer-ordered serial sum (each layer's voxels in order, then the layers in order): the
 * bits every full-grid mean of a row must have. */
static double layer_ordered_sum(const struct derm_grid *g, const double *x)
{
    const int64_t nxy = g->nx * g->ny;
    double total = 0.0;
    for (int64_t k = 0; k < g->nz; k++) {
        double sk = 0.0;
        for (int64_t q = k * nxy; q < (k + 1) * nxy; q++) sk += x[q];
        total += sk;
    }
    return total;
}

/* Every series at s's state (derm_totals_compute, which makes the fields current). */
static void totals_of(struct derm_sim *s, double *t)
{
    struct derm_err err = {0};
    if (derm_totals_compute(s, t, &err) != DERM_OK) fail_msg("derm_totals_compute: %s", err.msg);
}

/* The full-grid means of a row (all summed in one fused pass) have the layer-ordered bits at
 * 1 and 2 threads. */
static void check_grid_means_bitwise(struct derm_sim *s)
{
    const double n = (double)s->grid.n;
    double t[DERM_NTOTALS];
    derm_real *buf = signal_buffer(s);
    const int saved = omp_get_max_threads();
    for (int th = 1; th <= 2; th++) {
        omp_set_num_threads(th);
        totals_of(s, t);
        for (int q = 0; q < DERM_NSIGNAL; q++)
            assert_true(t[DERM_T_SIGNAL_MEAN + q] == layer_ordered_sum(&s->grid, signal_field(s, q, buf)) / n);
        assert_true(t[DERM_T_MMP1_ACTIVITY_MEAN] == layer_ordered_sum(&s->grid, s->f.state[DERM_ST_MMP1_ACTIVITY]) / n);
        const derm_real *uv = s->f.state[DERM_ST_UV_DOSE]; /* absent (+0) before the first UV */
        assert_true(t[DERM_T_UV_DOSE_DERMAL_CUMULATIVE] == (uv ? layer_ordered_sum(&s->grid, uv) / n : 0.0));
        assert_true(t[DERM_T_AGE_TOTAL] ==
                    layer_ordered_sum(&s->grid, s->f.matrix[DERM_M_AGE_AMOUNT]) * (derm_grid_lz(&s->grid) * 1e-4 / n));
    }
    omp_set_num_threads(saved);
    free(buf);
}

/* A series row (derm_totals_row: one pass of sums, the matrix fields' from the step's kernel,
 * the lazy signals summed from their coarse states) equals bringing the Cutometer up to date
 * and computing every series (derm_totals_compute), bitwise, at 2 threads against 1. */
static void test_row_equals_firmness_and_compute(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_sim *a = small_sim(&p, 16, 12, 9), *b = small_sim(&p, 16, 12, 9);
    struct derm_err err = {0};
    for (int i = 0; i < 3; i++) {
        a->want_field_sums = i == 2; /* the kernel's layer sums for the row */
        if (derm_sim_step(a, &err) != DERM_OK || derm_sim_step(b, &err) != DERM_OK) fail_msg("%s", err.msg);
    }
    assert_true(a->lazy_signals);               /* some signals are lazy: no fine arrays */
    assert_true(a->field_sums_step == a->step); /* the row will take the kernel's sums */
    double ta[DERM_NTOTALS], tb[DERM_NTOTALS];
    const int saved = omp_get_max_threads();
    omp_set_num_threads(2);
    if (derm_totals_row(a, ta, &err) != DERM_OK) fail_msg("derm_totals_row: %s", err.msg);
    assert_true(a->field_sums_step == -1); /* the sums were used */
    omp_set_num_threads(1);
    if (derm_firmness_update(b, &err) != DERM_OK) fail_msg("%s", err.msg);
    totals_of(b, tb);
    omp_set_num_threads(saved);
    assert_memory_equal(ta, tb, sizeof ta);
    assert_memory_equal(&a->firm, &b->firm, sizeof a->firm);
    derm_sim_free(a);
    derm_sim_free(b);
}

static void test_compute_on_a_simulation(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_sim *s = small_sim(&p, 8, 12, 5);
    struct derm_err err = {0};
    double t[DERM_NTOTALS], again[DERM_NTOTALS], t0[DERM_NTOTALS];
    totals_of(s, t);
    check_against_state(s, t);
    memcpy(t0, t, sizeof t0);
    /* nothing made or removed yet */
    const int cumulative[] = {DERM_T_COLLAGEN_SYNTHESIZED, DERM_T_COLLAGEN_CLEAVED, DERM_T_COLLAGEN_REMOVED,
                              DERM_T_ELASTIN_SYNTHESIZED,  DERM_T_ELASTIN_OXIDISED, DERM_T_ELASTIN_REMOVED,
                              DERM_T_HA_SYNTHESIZED,       DERM_T_HA_REMOVED,       DERM_T_AGE_FORMED,
                              DERM_T_AGE_REMOVED};
    for (size_t q = 0; q < sizeof cumulative / sizeof *cumulative; q++) assert_true(t[cumulative[q]] == 0.0);
    /* at the start: the young references */
    assert_rel(t[DERM_T_DERMAL_THICKNESS], derm_grid_lz(&s->grid), 1e-12);
    /* the young Cutometer (once brought up to date): C18's bands, water at the young fraction */
    if (derm_firmness_update(s, &err) != DERM_OK) fail_msg("%s", err.msg);
    totals_of(s, t);
    assert_true(t[DERM_T_CUTOMETER_R2] > 0.80 && t[DERM_T_CUTOMETER_R2] < 0.90);
    assert_true(t[DERM_T_CUTOMETER_R7] > 0.50 && t[DERM_T_CUTOMETER_R7] < 0.60);
    assert_rel(t[DERM_T_DERMAL_WATER_CONTENT], p.mechanics_water_fraction, 1e-12);
    assert_rel(t[DERM_T_CUTOMETER_UF], t[DERM_T_CUTOMETER_UE] + t[DERM_T_CUTOMETER_UV], 1e-12);
    assert_true(t[DERM_T_UV_DOSE_CUMULATIVE] == 0.0 && t[DERM_T_SMOKING_PACK_YEARS] == 0.0);
    assert_true(t[DERM_T_EXOSOME_DOSE_CUMULATIVE] == 0.0);
    /* computing does not change the simulation: a second call is identical */
    totals_of(s, again);
    assert_memory_equal(t, again, sizeof t);
    for (int q = 0; q < 6; q++)
        if (derm_sim_step(s, &err) != DERM_OK) fail_msg("%s", err.msg);
    totals_of(s, t);
    check_against_state(s, t);
    check_grid_means_bitwise(s);
    /* budgets since the start: pool(t) - pool(0) = made - removed, to round-off */
    const struct {
        int pool, made, removed;
    } budgets[] = {{DERM_T_COLLAGEN_TOTAL, DERM_T_COLLAGEN_SYNTHESIZED, DERM_T_COLLAGEN_REMOVED},
                   {DERM_T_ELASTIN_TOTAL, DERM_T_ELASTIN_SYNTHESIZED, DERM_T_ELASTIN_REMOVED},
                   {DERM_T_HA_TOTAL, DERM_T_HA_SYNTHESIZED, DERM_T_HA_REMOVED},
                   {DERM_T_AGE_TOTAL, DERM_T_AGE_FORMED, DERM_T_AGE_REMOVED},
                   {DERM_T_COLLAGEN_INTACT_TOTAL, DERM_T_COLLAGEN_SYNTHESIZED, DERM_T_COLLAGEN_CLEAVED}};
    for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++) {
        const double change = t[budgets[b].pool] - t0[budgets[b].pool];
        const double net = t[budgets[b].made] - t[budgets[b].removed];
        assert_true(t[budgets[b].made] > 0.0 && t[budgets[b].removed] > 0.0);
        if (!(fabs(change - net) <= 1e-11 * (t[budgets[b].pool] + t[budgets[b].made])))
            fail_msg("%s: change %.12g, made - removed %.12g", derm_total_desc(budgets[b].pool)->name, change, net);
    }
    assert_true(t[DERM_T_ELASTIN_OXIDISED] >= 0.0 &&
                t[DERM_T_ELASTIN_OXIDISED] <= t[DERM_T_ELASTIN_REMOVED] + t0[DERM_T_ELASTIN_TOTAL]);
    /* rates of the last step: residence time = pool / clearance per year */
    assert_true(t[DERM_T_COLLAGEN_SYNTHESIS_RATE] > 0.0 && t[DERM_T_COLLAGEN_DEGRADATION_RATE] > 0.0);
    assert_rel(t[DERM_T_COLLAGEN_RESIDENCE_TIME], t[DERM_T_COLLAGEN_TOTAL] / t[DERM_T_COLLAGEN_DEGRADATION_RATE],
               1e-12);
    derm_sim_free(s);
}

static void test_mechanics_read_compacted_tissue(void **state)
{
    (void)state;
    struct derm_params p;
    struct derm_sim *s = small_sim(&p, 6, 10, 3);
    const int64_t nz = s->grid.nz;
    struct derm_mech_layer young[10], half[10];
    double mm0, mm1, w0, w1;
    derm_firmness_layers(s, young, &mm0, &w0);
    assert_rel(mm0, p.mechanics_dermis_mm, 1e-12);
    for (int64_t v = 0; v < s->grid.n; v++) {
        s->f.matrix[DERM_M_COLLAGEN_INTACT][v] *= 0.5;
        s->f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v] *= 0.5;
        s->f.matrix[DERM_M_AGE_AMOUNT][v] *= 0.5; /* the AGE the lost collagen carried */
    }
    derm_firmness_layers(s, half, &mm1, &w1);
    /* the thinner dermis: 1 - collagen volume share / 2 */
    const double rel = 1.0 - 0.5 * p.ecm_collagen_volume_share;
    assert_rel(mm1, p.mechanics_dermis_mm * rel, 1e-12);
    /* the same HA in less tissue binds more water per volume */
    assert_rel(w1, derm_tissue_water_content(&s->c.mech, 1.0 / rel), 1e-12);
    assert_true(w1 > w0);
    for (int64_t k = 0; k < nz; k++) {
        const double *y = s->young_profile;
        const double yi = y[DERM_M_COLLAGEN_INTACT * nz + k], yf = y[DERM_M_COLLAGEN_FRAGMENTED * nz + k];
        const double f0 = yf / (yi + yf);
        const double ye = y[DERM_M_ELASTIN_FUNCTIONAL * nz + k], yz = y[DERM_M_ELASTIN_ELASTOTIC * nz + k];
        /* the young elastotic amount, compacted, shows as an excess over its young concentration */
        struct derm_mech_composition c = {.collagen = 0.5 / rel,
                                          .fragmented = f0,
                                          .elastin = 1.0 / rel,
                                          .elastotic = yz * (1.0 / rel - 1.0) / ye,
                                          .age_excess = 0.0,
                                          .ha = 1.0 / rel};
        const struct derm_mech_layer want = derm_tissue_dermal_layer(&s->c.mech, &c, f0);
        assert_rel(half[k].g0, want.g0, 1e-9);
        assert_rel(half[k].g1, want.g1, 1e-9);
        assert_rel(half[k].eta_f, want.eta_f, 1e-9);
        /* firmer than the uncompacted ratios (collagen 0.5 in the young volume) */
        c = (struct derm_mech_composition){.collagen = 0.5, .fragmented = f0, .elastin = 1.0, .ha = 1.0};
        assert_true(half[k].g0 > derm_tissue_dermal_layer(&s->c.mech, &c, f0).g0);
        assert_true(half[k].g0 < young[k].g0); /* but softer than young */
    }
    derm_sim_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_rows_complete_and_unique),
        cmocka_unit_test(test_signal_means_generated),
        cmocka_unit_test(test_names_and_units_unchanged),
        cmocka_unit_test(test_compute_on_a_simulation),
        cmocka_unit_test(test_row_equals_firmness_and_compute),
        cmocka_unit_test(test_mechanics_read_compacted_tissue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
