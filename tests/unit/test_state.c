/* test_state.c - sim/state: the persistent state table, checkpoints, restore.
 *
 * On an 8x8x10 grid from the young-adult age (no history before the first row) with every
 * kind of input scheduled (UV, sunscreen, glucose, smoking, pollution, exosomes, conditioned
 * medium, growth factors, microneedling):
 * - what derm_sim_create derives (coefficients, homeostatic references, per-layer young
 *   references, young-adult totals, grid, step length and count, crowding radius, parameter
 *   and schedule copies) is the same after 40 steps as in a fresh simulation made from the
 *   same parameters: it is not state, and rebuilding it on restore is exact;
 * - save after 25 steps, restore into a fresh simulation, step both 30 more: every item of
 *   the state table (fields, agent columns, event clocks, walk state, counters, cumulative
 *   fluxes, photoadaptation, calibrated references) and every total is bitwise equal, so
 *   nothing that carries over between steps is missing from the table;
 * - a checkpoint with an item of the wrong length, or missing, is refused as damaged;
 * - the UV records (uv_dose, uva_dose, uv_memory and the elastotic deposit) are absent until
 *   the first step with UV: a checkpoint before it leaves them out, a restore from it into a
 *   fresh simulation continues bitwise, and into one that had met UV zeroes them.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <hdf5.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "derm/io/config.h"
#include "derm/sim/sim.h"
#include "derm/sim/state.h"
#include "derm/sim/totals.h"

static const char *const CONFIG =
    "run: {seed: 11, age_start_years: 25, age_end_years: 27, dt_hours: 24}\n"
    "domain: {nx: 8, ny: 8, nz: 10, voxel_um: 20}\n"
    "schedule:\n"
    "  sun: {input: uv, dose: 2, from_age: 25, days_per_week: 5, hour_from: 9, hour_to: 17}\n"
    "  spf: {input: sunscreen, dose: 10, from_age: 25.05}\n"
    "  glu: {input: glucose, dose: 9, from_age: 25.02}\n"
    "  cig: {input: smoking, dose: 10, from_age: 25}\n"
    "  air: {input: pollution, dose: 1, from_age: 25}\n"
    "  exo: {input: exosome, dose: 1, at_age: 25.03, count: 3, every_days: 7, source: umbilical_cord}\n"
    "  cm: {input: conditioned_medium, dose: 1, at_age: 25.05, route: topical, source: amnion}\n"
    "  prp: {input: growth_factor, dose: 1, at_age: 25.06}\n"
    "  mn: {input: microneedling, dose: 0.5, at_age: 25.05, depth_um: 100}\n";

struct cfg {
    struct derm_params p;
    struct derm_schedule sched;
};

static struct cfg *load_text(const char *text)
{
    struct cfg *c = calloc(1, sizeof *c);
    assert_non_null(c);
    struct derm_err err = {0};
    derm_params_defaults(&c->p);
    if (derm_config_load_string(text, "state.yaml", &c->p, &c->sched, NULL, &err) != DERM_OK ||
        derm_config_validate(&c->p, &c->sched, NULL, &err) != DERM_OK)
        fail_msg("config: %s", err.msg);
    return c;
}

static struct cfg *load(void) { return load_text(CONFIG); }

static struct derm_sim *create(const struct cfg *c)
{
    struct derm_sim *s = NULL;
    struct derm_err err = {0};
    if (derm_sim_create(&s, &c->p, &c->sched, &err) != DERM_OK) fail_msg("create: %s", err.msg);
    return s;
}

static void steps(struct derm_sim *s, int n)
{
    struct derm_err err = {0};
    for (int i = 0; i < n; i++)
        if (derm_sim_step(s, &err) != DERM_OK) fail_msg("step: %s", err.msg);
}

static void same_bytes(const void *a, const void *b, size_t n, const char *what)
{
    if (memcmp(a, b, n) != 0) fail_msg("%s differs", what);
}

/* Everything derm_sim_create derives is unchanged by stepping. */
static void test_derived_is_not_state(void **state)
{
    (void)state;
    struct cfg *c = load();
    struct derm_sim *a = create(c), *b = create(c);
    steps(a, 40);
    same_bytes(&a->c, &b->c, sizeof a->c, "coefficients");
    struct derm_homeostasis ha = a->h, hb = b->h; /* pointers into each sim's own arrays */
    ha.collagen_ref_k = hb.collagen_ref_k = NULL;
    ha.elastin_ref_k = hb.elastin_ref_k = NULL;
    ha.ha_ref_k = hb.ha_ref_k = NULL;
    same_bytes(&ha, &hb, sizeof ha, "homeostatic references");
    const size_t nz = (size_t)a->grid.nz * sizeof(double);
    same_bytes(a->density_ref_k, b->density_ref_k, nz, "density_ref_k");
    same_bytes(a->collagen_ref_k, b->collagen_ref_k, nz, "collagen_ref_k");
    same_bytes(a->elastin_ref_k, b->elastin_ref_k, nz, "elastin_ref_k");
    same_bytes(a->ha_ref_k, b->ha_ref_k, nz, "ha_ref_k");
    same_bytes(a->young_matrix, b->young_matrix, sizeof a->young_matrix, "young_matrix");
    same_bytes(&a->grid, &b->grid, sizeof a->grid, "grid");
    same_bytes(&a->p, &b->p, sizeof a->p, "parameters");
    same_bytes(&a->schedule, &b->schedule, sizeof a->schedule, "schedule");
    assert_true(a->dt_h == b->dt_h && a->nsteps == b->nsteps && a->crowd_radius == b->crowd_radius);
    assert_true(a->step == 40 && b->step == 0);
    derm_sim_free(a);
    derm_sim_free(b);
    free(c);
}

static void state_equal(struct derm_sim *a, struct derm_sim *b)
{
    struct derm_err err = {0};
    /* every item (a lazy signal's has no array: its state is in signals.coarse) */
    const int n = derm_state_count();
    struct derm_ckpt_item *ia = calloc((size_t)n, sizeof *ia), *ib = calloc((size_t)n, sizeof *ib);
    assert_non_null(ia);
    assert_non_null(ib);
    derm_state_items(a, ia);
    derm_state_items(b, ib);
    for (int i = 0; i < n; i++) {
        assert_string_equal(ia[i].name, ib[i].name);
        if (ia[i].n != ib[i].n) fail_msg("%s: %lld vs %lld values", ia[i].name, (long long)ia[i].n, (long long)ib[i].n);
        size_t es = ia[i].type == DERM_CKPT_F64 || ia[i].type == DERM_CKPT_I64 ? 8
                    : ia[i].type == DERM_CKPT_I32                              ? 4
                                                                               : 1;
        if ((ia[i].data == NULL) != (ib[i].data == NULL)) fail_msg("%s: an array in one state only", ia[i].name);
        if (ia[i].n && ia[i].data && memcmp(ia[i].data, ib[i].data, (size_t)ia[i].n * es) != 0)
            fail_msg("%s differs", ia[i].name);
    }
    free(ia);
    free(ib);
    double ta[DERM_NTOTALS], tb[DERM_NTOTALS];
    if (derm_totals_compute(a, ta, &err) != DERM_OK || derm_totals_compute(b, tb, &err) != DERM_OK)
        fail_msg("derm_totals_compute: %s", err.msg);
    same_bytes(ta, tb, sizeof ta, "totals");
}

/* A new temporary directory (dir: a mkdtemp template, rewritten) and a checkpoint path in it. */
static void temp_checkpoint(char *dir, char *path, size_t n)
{
    assert_non_null(mkdtemp(dir));
    snprintf(path, n, "%s/checkpoint.h5", dir);
}

static void test_restore_continues_bitwise(void **state)
{
    (void)state;
    char dir[] = "/tmp/derm_test_state_XXXXXX", path[256];
    temp_checkpoint(dir, path, sizeof path);
    struct cfg *c = load();
    struct derm_sim *a = create(c);
    steps(a, 25);
    int64_t extra_v = 1234;
    struct derm_ckpt_item extra = {"app.extra", DERM_CKPT_I64, 1, &extra_v};
    struct derm_ckpt_meta meta = {"resolved", "text", "state.yaml", "0.0", "git"};
    struct derm_err err = {0};
    if (derm_state_save(a, path, &meta, &extra, 1, &err) != DERM_OK) fail_msg("save: %s", err.msg);
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0); /* renamed into place */

    struct derm_sim *b = create(c);
    struct derm_checkpoint *ck = NULL;
    if (derm_checkpoint_open(path, &ck, &err) != DERM_OK) fail_msg("open: %s", err.msg);
    assert_string_equal(derm_checkpoint_meta(ck)->config_name, "state.yaml");
    if (derm_state_restore(b, ck, &err) != DERM_OK) fail_msg("restore: %s", err.msg);
    int64_t got = 0;
    assert_int_equal(derm_checkpoint_read(ck, "app.extra", DERM_CKPT_I64, 1, &got, &err), DERM_OK);
    assert_int_equal(got, 1234);
    /* a wrong type or length is refused as damaged */
    double wrong;
    assert_int_equal(derm_checkpoint_read(ck, "app.extra", DERM_CKPT_F64, 1, &wrong, &err), DERM_ECORRUPT);
    int64_t two[2];
    assert_int_equal(derm_checkpoint_read(ck, "app.extra", DERM_CKPT_I64, 2, two, &err), DERM_ECORRUPT);
    assert_int_equal(derm_checkpoint_read(ck, "no.such", DERM_CKPT_I64, 1, two, &err), DERM_ECORRUPT);
    derm_checkpoint_close(ck);

    assert_int_equal(b->step, 25);
    state_equal(a, b);
    steps(a, 30);
    steps(b, 30);
    state_equal(a, b);
    assert_true(a->cum.dose[DERM_IN_UV] > 0.0 && a->exo_mix[DERM_SOURCE_COUNT - 1] >= 0.0);
    assert_true(a->photoadaptation > 0.0 && a->cum_flux.collagen_synth > 0.0);

    /* a checkpoint of another format (1: random-walk windows on the subject's age) is
     * refused with the format it holds, not resumed on a different clock */
    {
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        assert_true(f >= 0);
        hid_t at = H5Aopen(f, "format_version", H5P_DEFAULT);
        const int32_t one = 1;
        assert_true(at >= 0 && H5Awrite(at, H5T_NATIVE_INT32, &one) >= 0);
        H5Aclose(at);
        H5Fclose(f);
        assert_int_equal(derm_checkpoint_open(path, &ck, &err), DERM_EUSAGE);
        assert_non_null(strstr(err.msg, "checkpoint of format 1; this dermsim resumes format 2 only"));
        assert_null(ck);
    }

    /* a file that is not a checkpoint */
    FILE *fp = fopen(path, "w");
    fputs("not hdf5\n", fp);
    fclose(fp);
    assert_int_equal(derm_checkpoint_open(path, &ck, &err), DERM_EIO);
    remove(path);
    rmdir(dir);
    derm_sim_free(a);
    derm_sim_free(b);
    free(c);
}

/* Signals on a coarser grid (factor 2 here): a checkpoint leaves out their fine fields when
 * they are the prolongation of the coarse states (after any step) and the restore rebuilds
 * them, bit for bit; right after creation, whatever is saved, the restore continues exactly. */
static void test_coarse_signal_fields_rebuilt(void **state)
{
    (void)state;
    char dir[] = "/tmp/derm_test_state_XXXXXX", path[256];
    temp_checkpoint(dir, path, sizeof path);
    static const char *const text =
        "run: {seed: 5, age_start_years: 25, age_end_years: 26, dt_hours: 48, spinup_years: 0.2, settle_years: 0.2}\n"
        "domain: {nx: 8, ny: 8, nz: 10, voxel_um: 20, signal_voxel_ratio: 0.5}\n"
        "schedule:\n"
        "  sun: {input: uv, dose: 2, from_age: 25, days_per_week: 5, hour_from: 9, hour_to: 17}\n";
    struct cfg *c = load_text(text);
    struct derm_ckpt_meta meta = {"resolved", "text", "state.yaml", "0.0", "git"};
    struct derm_err err = {0};
    for (int at = 0; at <= 7; at += 7) { /* at creation, and after 7 steps */
        struct derm_sim *a = create(c);
        int ncoarse = 0;
        for (int q = 0; q < DERM_NSIGNAL; q++) ncoarse += derm_signal_grids_factor(a->diff, q) > 1;
        assert_true(ncoarse >= 5); /* all that diffuse and decay: TGF-beta ... chemokine, exosome */
        steps(a, at);
        if (derm_state_save(a, path, &meta, NULL, 0, &err) != DERM_OK) fail_msg("save: %s", err.msg);
        struct derm_sim *b = create(c);
        struct derm_checkpoint *ck = NULL;
        if (derm_checkpoint_open(path, &ck, &err) != DERM_OK) fail_msg("open: %s", err.msg);
        int left_out = 0;
        for (int q = 0; q < DERM_NSIGNAL; q++) {
            const char *name = derm_field_desc(DERM_NMATRIX + q)->name;
            const int has = derm_checkpoint_has(ck, name);
            if (derm_signal_grids_factor(a->diff, q) == 1) assert_true(has); /* ROS: its field is its state */
            left_out += !has;
        }
        assert_true(derm_checkpoint_has(ck, "collagen_intact") && !derm_checkpoint_has(ck, "no.such"));
        if (at > 0) assert_int_equal(left_out, ncoarse); /* after a step every one is rebuilt */
        for (int q = 0; q < DERM_NSIGNAL; q++)
            if (b->f.signal[q]) memset(b->f.signal[q], 0, (size_t)b->grid.n * sizeof(double));
        if (derm_state_restore(b, ck, &err) != DERM_OK) fail_msg("restore: %s", err.msg);
        derm_checkpoint_close(ck);
        state_equal(a, b);
        steps(a, 6);
        steps(b, 6);
        state_equal(a, b);
        derm_sim_free(a);
        derm_sim_free(b);
    }
    remove(path);
    rmdir(dir);
    free(c);
}

static int uv_absent(const struct derm_sim *s)
{
    return !s->f.state[DERM_ST_UV_DOSE] && !s->f.state[DERM_ST_UVA_DOSE] && !s->f.state[DERM_ST_UV_MEMORY] &&
           !s->dep_elastotic;
}

static int all_zero(const derm_real *v, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (v[i] != 0.0 || signbit(v[i])) return 0;
    return 1;
}

/* The UV records are absent (NULL, read as +0) until the first step with UV. */
/* derm_state_restore of s from the checkpoint at path: its status (err says why). */
static derm_status restore_from(struct derm_sim *s, const char *path, struct derm_err *err)
{
    struct derm_checkpoint *ck = NULL;
    if (derm_checkpoint_open(path, &ck, err) != DERM_OK) fail_msg("open: %s", err->msg);
    const derm_status st = derm_state_restore(s, ck, err);
    derm_checkpoint_close(ck);
    return st;
}

/* The end of a checkpoint test: its simulations (NULL ends the list), its file and directory,
 * its configuration. */
static void finish(char *dir, const char *path, struct cfg *c, struct derm_sim *const *sims)
{
    for (int i = 0; sims[i]; i++) derm_sim_free(sims[i]);
    remove(path);
    rmdir(dir);
    free(c);
}

static void test_uv_records_absent_until_uv(void **state)
{
    (void)state;
    char dir[] = "/tmp/derm_test_state_XXXXXX", path[256];
    temp_checkpoint(dir, path, sizeof path);
    static const char *const text = /* the sun from the ninth day: steps 0-7 without UV */
        "run: {seed: 3, age_start_years: 25, age_end_years: 25.2, dt_hours: 24}\n"
        "domain: {nx: 8, ny: 8, nz: 10, voxel_um: 20}\n"
        "schedule:\n"
        "  sun: {input: uv, dose: 2, from_age: 25.022, days_per_week: 7, hour_from: 9, hour_to: 17}\n";
    struct cfg *c = load_text(text);
    struct derm_ckpt_meta meta = {"resolved", "text", "state.yaml", "0.0", "git"};
    struct derm_err err = {0};
    struct derm_sim *a = create(c);
    const int64_t n = a->grid.n;
    assert_true(uv_absent(a));
    steps(a, 7);
    assert_true(uv_absent(a));
    /* read as +0: the series and the frames' rows */
    double t[DERM_NTOTALS];
    if (derm_totals_compute(a, t, &err) != DERM_OK) fail_msg("totals: %s", err.msg);
    assert_true(t[DERM_T_UV_DOSE_DERMAL_CUMULATIVE] == 0.0 && !signbit(t[DERM_T_UV_DOSE_DERMAL_CUMULATIVE]));
    derm_real row[8];
    for (int i = 0; i < 3; i++) {
        const int id = DERM_NMATRIX + DERM_NSIGNAL + (int[]){DERM_ST_UV_DOSE, DERM_ST_UVA_DOSE, DERM_ST_UV_MEMORY}[i];
        memset(row, 0xff, sizeof row);
        assert_int_equal(a->f.make(a->f.make_ctx, id, 8, 8, row), 0);
        assert_true(all_zero(row, 8));
    }
    /* a checkpoint before the first UV leaves them out */
    if (derm_state_save(a, path, &meta, NULL, 0, &err) != DERM_OK) fail_msg("save: %s", err.msg);
    steps(a, 5);
    assert_false(uv_absent(a));
    assert_false(all_zero(a->f.state[DERM_ST_UV_DOSE], n));
    assert_false(all_zero(a->f.state[DERM_ST_UVA_DOSE], n));
    struct derm_checkpoint *ck = NULL;
    if (derm_checkpoint_open(path, &ck, &err) != DERM_OK) fail_msg("open: %s", err.msg);
    assert_false(derm_checkpoint_has(ck, "uv_dose") || derm_checkpoint_has(ck, "uva_dose") ||
                 derm_checkpoint_has(ck, "uv_memory"));
    /* into a fresh simulation: still absent, and on from there as the first went */
    struct derm_sim *b = create(c);
    if (derm_state_restore(b, ck, &err) != DERM_OK) fail_msg("restore: %s", err.msg);
    assert_true(uv_absent(b));
    steps(b, 5);
    state_equal(a, b);
    /* into one that has met UV: its records absent again, and on as the fresh one went */
    if (derm_state_restore(a, ck, &err) != DERM_OK) fail_msg("restore: %s", err.msg);
    derm_checkpoint_close(ck);
    assert_true(uv_absent(a));
    assert_int_equal(a->uv_memory_zero, 1);
    steps(a, 5);
    state_equal(a, b);
    /* a checkpoint after the first UV holds them, and a restore allocates them */
    if (derm_state_save(b, path, &meta, NULL, 0, &err) != DERM_OK) fail_msg("save: %s", err.msg);
    struct derm_sim *d = create(c);
    if (derm_checkpoint_open(path, &ck, &err) != DERM_OK) fail_msg("open: %s", err.msg);
    assert_true(derm_checkpoint_has(ck, "uv_dose") && derm_checkpoint_has(ck, "uva_dose") &&
                derm_checkpoint_has(ck, "uv_memory"));
    if (derm_state_restore(d, ck, &err) != DERM_OK) fail_msg("restore: %s", err.msg);
    derm_checkpoint_close(ck);
    assert_false(uv_absent(d));
    steps(b, 3);
    steps(d, 3);
    state_equal(b, d);
    /* its marker says it holds them: one missing is damage, not a run without UV */
    {
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        assert_true(f >= 0);
        const char *names[] = {"uv_dose", "uva_dose", "uv_memory"};
        for (int i = 0; i < 3; i++) assert_true(H5Ldelete(f, names[i], H5P_DEFAULT) >= 0);
        H5Fclose(f);
    }
    struct derm_sim *e = create(c);
    assert_int_equal(restore_from(e, path, &err), DERM_ECORRUPT);
    finish(dir, path, c, (struct derm_sim *[]){a, b, d, e, NULL});
}

/* The exosomes hold no arrays until a treatment first makes them (sim.h absent_signals): read
 * as +0 by the cells, the series and the frames; a checkpoint before the first dose leaves
 * their field out and says so, one after holds it; a restore brings the arrays or gives them
 * back as the file says, and the run goes on bit for bit; a marker naming a signal that
 * cannot be absent, or a field missing that the marker says is there, is damage. */
static void test_exosomes_absent_until_made(void **state)
{
    (void)state;
    char dir[] = "/tmp/derm_test_state_XXXXXX", path[256];
    temp_checkpoint(dir, path, sizeof path);
    static const char *const text = /* the first dose on the ninth day: steps 0-7 without */
        "run: {seed: 5, age_start_years: 25, age_end_years: 25.2, dt_hours: 24}\n"
        "domain: {nx: 8, ny: 8, nz: 10, voxel_um: 20}\n"
        "schedule:\n"
        "  exo: {input: exosome, dose: 1, at_age: 25.022, count: 2, every_days: 4, route: intradermal}\n";
    struct cfg *c = load_text(text);
    struct derm_ckpt_meta meta = {"resolved", "text", "state.yaml", "0.0", "git"};
    struct derm_err err = {0};
    const int q = DERM_S_EXOSOME, id = DERM_NMATRIX + DERM_S_EXOSOME;
    struct derm_sim *a = create(c);
    const int64_t n = a->grid.n;
    assert_int_equal(a->absent_signals, 1u << q);
    assert_true(derm_sim_signal_may_be_absent(a, q));
    assert_false(derm_sim_signal_may_be_absent(a, DERM_S_ROS)); /* made by every cell */
    steps(a, 7);
    assert_int_equal(a->absent_signals, 1u << q);
    assert_null(a->f.signal[q]);
    assert_null(a->src[q]);
    /* read as +0: the cells, the series' sums and the frames' rows */
    assert_true(all_zero(a->sensed.signal[q], a->a.n));
    double sum[DERM_NSIGNAL];
    if (derm_totals_signal_sums(a, sum, &err) != DERM_OK) fail_msg("sums: %s", err.msg);
    assert_true(sum[q] == 0.0 && !signbit(sum[q]));
    derm_real row[8];
    memset(row, 0xff, sizeof row);
    assert_int_equal(a->f.make(a->f.make_ctx, id, 8, 8, row), 0);
    assert_true(all_zero(row, 8));
    /* a checkpoint before the first dose leaves the field out */
    if (derm_state_save(a, path, &meta, NULL, 0, &err) != DERM_OK) fail_msg("save: %s", err.msg);
    steps(a, 5);
    assert_int_equal(a->absent_signals, 0u);
    assert_false(all_zero(a->f.signal[q], n));
    struct derm_checkpoint *ck = NULL;
    if (derm_checkpoint_open(path, &ck, &err) != DERM_OK) fail_msg("open: %s", err.msg);
    assert_false(derm_checkpoint_has(ck, "exosome"));
    assert_true(derm_checkpoint_has(ck, "absent_signals"));
    /* into a fresh simulation: still absent, and on from there as the first went */
    struct derm_sim *b = create(c);
    if (derm_state_restore(b, ck, &err) != DERM_OK) fail_msg("restore: %s", err.msg);
    assert_int_equal(b->absent_signals, 1u << q);
    steps(b, 5);
    state_equal(a, b);
    /* into one that the exosomes reached: absent again, and on as the fresh one went */
    if (derm_state_restore(a, ck, &err) != DERM_OK) fail_msg("restore: %s", err.msg);
    derm_checkpoint_close(ck);
    assert_int_equal(a->absent_signals, 1u << q);
    assert_null(a->f.signal[q]);
    steps(a, 5);
    state_equal(a, b);
    /* a checkpoint after the first dose holds the field, and a restore allocates it */
    if (derm_state_save(b, path, &meta, NULL, 0, &err) != DERM_OK) fail_msg("save: %s", err.msg);
    struct derm_sim *d = create(c);
    if (derm_checkpoint_open(path, &ck, &err) != DERM_OK) fail_msg("open: %s", err.msg);
    assert_true(derm_checkpoint_has(ck, "exosome"));
    if (derm_state_restore(d, ck, &err) != DERM_OK) fail_msg("restore: %s", err.msg);
    derm_checkpoint_close(ck);
    assert_int_equal(d->absent_signals, 0u);
    steps(b, 3);
    steps(d, 3);
    state_equal(b, d);
    /* damage: the field missing while the marker says it is held; a marker naming a signal
     * this run cannot hold absent (ROS) */
    {
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        assert_true(f >= 0);
        assert_true(H5Ldelete(f, "exosome", H5P_DEFAULT) >= 0);
        H5Fclose(f);
    }
    struct derm_sim *e = create(c);
    assert_int_equal(restore_from(e, path, &err), DERM_ECORRUPT);
    const int64_t bad[] = {(int64_t)1 << DERM_S_ROS, (int64_t)1 << 40, -1};
    for (int i = 0; i < 3; i++) {
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        assert_true(f >= 0);
        hid_t ds = H5Dopen2(f, "absent_signals", H5P_DEFAULT);
        assert_true(ds >= 0);
        assert_true(H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &bad[i]) >= 0);
        H5Dclose(ds);
        H5Fclose(f);
        assert_int_equal(restore_from(e, path, &err), DERM_ECORRUPT);
        assert_non_null(strstr(err.msg, "absent_signals"));
        /* ROS: a signal this run holds; the others: no set of the signals at all */
        assert_non_null(strstr(err.msg, i == 0 ? "the ros field is absent" : "expected a set of the"));
    }
    finish(dir, path, c, (struct derm_sim *[]){a, b, d, e, NULL});
}

/* A set stop flag ends the setup at its first spin-up step: DERM_EINTR, nothing returned; a
 * clear one changes nothing (the same creation as derm_sim_create, checked on a few sums). */
static void test_create_until_stops(void **state)
{
    (void)state;
    struct cfg *c = load();
    struct derm_err err = {0};
    volatile sig_atomic_t stop = 1;
    struct derm_sim *s = (struct derm_sim *)&err; /* overwritten: NULL on failure */
    assert_int_equal(derm_sim_create_until(&s, &c->p, &c->sched, &stop, &err), DERM_EINTR);
    assert_null(s);
    assert_non_null(strstr(err.msg, "interrupted during the setup (the cells' spin-up, step 0 of"));
    stop = 0;
    struct derm_sim *a = NULL, *b = create(c);
    assert_int_equal(derm_sim_create_until(&a, &c->p, &c->sched, &stop, &err), DERM_OK);
    assert_int_equal(a->a.n, b->a.n);
    for (int f = 0; f < DERM_NMATRIX; f++) assert_true(a->young_matrix[f] == b->young_matrix[f]);
    derm_sim_free(a);
    derm_sim_free(b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derived_is_not_state),         cmocka_unit_test(test_restore_continues_bitwise),
        cmocka_unit_test(test_coarse_signal_fields_rebuilt), cmocka_unit_test(test_uv_records_absent_until_uv),
        cmocka_unit_test(test_create_until_stops),           cmocka_unit_test(test_exosomes_absent_until_made),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
