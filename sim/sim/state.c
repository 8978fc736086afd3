/* state.c - saving and restoring the persistent state of a simulation (see state.h). */
#include "derm/sim/state.h"

#include <stdlib.h>
#include <string.h>

/* Structs saved whole as arrays of doubles must hold nothing else. */
_Static_assert(sizeof(struct derm_exposure_totals) % sizeof(double) == 0, "exposure totals: doubles only");
_Static_assert(sizeof(struct derm_matrix_flux) == DERM_MATRIX_NFLUX * sizeof(double), "matrix flux: doubles only");
_Static_assert(sizeof(struct derm_calibration_mean) == (DERM_NSIGNAL + 4) * sizeof(double),
               "calibration mean: doubles only");
/* Every member of struct derm_homeostasis is in DERM_SIM_STATE: its doubles by name, the
 * per-layer arrays it points to as density_ref_k .. ha_ref_k. A new member fails here. */
_Static_assert(sizeof(struct derm_homeostasis) == (2 * DERM_NSIGNAL + 3) * sizeof(double) + 3 * sizeof(double *),
               "struct derm_homeostasis changed: list the new member in DERM_SIM_STATE (state.h)");
/* Every per-row array of struct derm_agents is saved (AGENT_ARRAYS below), rebuilt (the
 * intent flags divide, die) or drawn again (the kept window ends walk_end, walk_end_window,
 * with the scalar walk_end_seed: marked none on restore). A new array fails here. */
enum {
#define DERM_X_COUNT(name, ctype, kind, units, desc) +1
    NCOLS = 0 DERM_AGENT_COLUMNS(DERM_X_COUNT)
#undef DERM_X_COUNT
};
_Static_assert(sizeof(struct derm_agents) ==
                   4 * sizeof(int64_t) + (NCOLS + 2 * DERM_NCLOCK + 3 + 1 + 1 + 2 + 3 + 1) * sizeof(void *),
               "struct derm_agents changed: save the new per-row array in state.c");

/* The agents' per-row arrays outside the column registry. */
static const char *const clock_names[DERM_NCLOCK] = {"agent.clock_death", "agent.clock_senesce", "agent.clock_divide",
                                                     "agent.clock_switch", "agent.clock_differentiate"};
static const char *const clock_n_names[DERM_NCLOCK] = {"agent.clock_n_death", "agent.clock_n_senesce",
                                                       "agent.clock_n_divide", "agent.clock_n_switch",
                                                       "agent.clock_n_differentiate"};
static const char *const walk_names[3] = {"agent.walk_x", "agent.walk_y", "agent.walk_z"};
_Static_assert(DERM_NCLOCK == 5, "name the new event clock in state.c");
#define NAGENT_ARRAYS (2 * DERM_NCLOCK + 3 + 1 + 1)

enum {
#define DERM_X_COUNT(name, type, count, ptr) +1
    NSCALAR = 0 DERM_SIM_STATE(DERM_X_COUNT),
#undef DERM_X_COUNT
};

/* items: the scalars of DERM_SIM_STATE, "agents.n", every field, every agent column, the
 * agents' other per-row arrays. */
int derm_state_count(void) { return NSCALAR + 1 + DERM_NFIELDS + NCOLS + NAGENT_ARRAYS; }

static enum derm_ckpt_type col_type(enum derm_col_kind k)
{
    switch (k) {
    case DERM_COL_I64:
        return DERM_CKPT_I64;
    case DERM_COL_I32:
        return DERM_CKPT_I32;
    case DERM_COL_I8:
        return DERM_CKPT_I8;
    default:
        return DERM_CKPT_F64;
    }
}

void derm_state_items(struct derm_sim *s, struct derm_ckpt_item *items)
{
    int i = 0;
#define DERM_X_ITEM(nm, type, count, ptr) \
    items[i++] = (struct derm_ckpt_item){nm, type, (int64_t)(count), (void *)(ptr)};
    DERM_SIM_STATE(DERM_X_ITEM)
#undef DERM_X_ITEM
    items[i++] = (struct derm_ckpt_item){"agents.n", DERM_CKPT_I64, 1, &s->a.n};
    for (int f = 0; f < DERM_NFIELDS; f++)
        items[i++] =
            (struct derm_ckpt_item){derm_field_desc(f)->name, DERM_CKPT_REAL, s->grid.n, derm_fields_get(&s->f, f)};
#define DERM_X_COL(name, ctype, kind, units, desc) \
    items[i++] = (struct derm_ckpt_item){"agent." #name, col_type(kind), s->a.n, s->a.name};
    DERM_AGENT_COLUMNS(DERM_X_COL)
#undef DERM_X_COL
    for (int k = 0; k < DERM_NCLOCK; k++) {
        items[i++] = (struct derm_ckpt_item){clock_names[k], DERM_CKPT_F64, s->a.n, s->a.clock[k]};
        items[i++] = (struct derm_ckpt_item){clock_n_names[k], DERM_CKPT_I32, s->a.n, s->a.clock_n[k]};
    }
    for (int k = 0; k < 3; k++)
        items[i++] = (struct derm_ckpt_item){walk_names[k], DERM_CKPT_F64, s->a.n, s->a.walk[k]};
    items[i++] = (struct derm_ckpt_item){"agent.walk_window", DERM_CKPT_I64, s->a.n, s->a.walk_window};
    items[i++] = (struct derm_ckpt_item){"agent.voxel", DERM_CKPT_I64, s->a.n, s->a.voxel};
}

/* The item of signal q's field in derm_state_items. */
static int signal_item(int q) { return NSCALAR + 1 + DERM_NMATRIX + q; }

/* The state field of item i in derm_state_items, or -1. */
static int state_of_item(int i)
{
    const int st = i - (NSCALAR + 1 + DERM_NMATRIX + DERM_NSIGNAL);
    return st >= 0 && st < DERM_NSTATE ? st : -1;
}

/* The checkpoint's marker of the UV records: 1 if it holds them, 0 if the run had not met
 * UV when it was written (a file without the marker predates it: then what it holds). */
#define UV_RECORDS_ITEM "uv_records"

/* The checkpoint's marker of the absent signals (sim.h absent_signals): bit q set if signal
 * q was +0 and held no field when it was written (its item is then left out); a file
 * without the marker predates it and holds every signal on the voxel grid. */
#define ABSENT_SIGNALS_ITEM "absent_signals"

/* A lazy signal (every signal on a coarser grid) has no fine array: its state is its coarse
 * state, saved in signals.coarse, and its item is left out of a checkpoint (and not read
 * from one, should one hold it). A UV record not yet allocated (derm_sim_uv_records: +0
 * until the first UV) is left out too, and the marker says so. */
static int lazy_item(const struct derm_sim *s, const struct derm_ckpt_item *items, int i)
{
    const int q = i - signal_item(0);
    if (q >= 0 && q < DERM_NSIGNAL && (derm_signal_grids_lazy(s->diff, q) || s->absent_signals >> q & 1u)) return 1;
    const int st = state_of_item(i);
    return st >= 0 && DERM_ST_UV_RECORDS >> st & 1u && items[i].data == NULL;
}

derm_status derm_state_save(struct derm_sim *s, const char *path, const struct derm_ckpt_meta *meta,
                            const struct derm_ckpt_item *extra, int nextra, struct derm_err *err)
{
    const int n = derm_state_count();
    struct derm_ckpt_item *items = malloc((size_t)(n + 2 + nextra) * sizeof *items);
    if (!items) return derm_err_set(err, DERM_ENOMEM, "out of memory for a checkpoint");
    derm_state_items(s, items);
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (!lazy_item(s, items, i)) items[kept++] = items[i];
    int64_t uv_records = s->f.state[DERM_ST_UV_DOSE] != NULL; /* the records come and go together */
    items[kept++] = (struct derm_ckpt_item){UV_RECORDS_ITEM, DERM_CKPT_I64, 1, &uv_records};
    int64_t absent = (int64_t)s->absent_signals;
    items[kept++] = (struct derm_ckpt_item){ABSENT_SIGNALS_ITEM, DERM_CKPT_I64, 1, &absent};
    if (nextra > 0) memcpy(items + kept, extra, (size_t)nextra * sizeof *items);
    derm_status st = derm_checkpoint_write(path, meta, items, kept + nextra, err);
    free(items);
    return st;
}

derm_status derm_state_restore(struct derm_sim *s, struct derm_checkpoint *ck, struct derm_err *err)
{
    int64_t na = 0;
    DERM_TRY(derm_checkpoint_read(ck, "agents.n", DERM_CKPT_I64, 1, &na, err));
    if (na < 0 || na > (INT64_C(1) << 40))
        return derm_err_set(err, DERM_ECORRUPT, "damaged checkpoint: %lld agents", (long long)na);
    /* room for every agent first, so the column pointers below are final */
    if (na > s->a.n) DERM_TRY(derm_agents_reserve(&s->a, na - s->a.n, err));
    s->a.n = na;
    /* the UV records: read when the file holds them (its marker says so, and an item missing
     * then is damage; a file without the marker predates it and holds every item), else
     * absent (a file written before the first UV) */
    const int n = derm_state_count();
    int64_t uv_in_file = 1;
    if (derm_checkpoint_has(ck, UV_RECORDS_ITEM)) {
        DERM_TRY(derm_checkpoint_read(ck, UV_RECORDS_ITEM, DERM_CKPT_I64, 1, &uv_in_file, err));
        if (uv_in_file != 0 && uv_in_file != 1)
            return derm_err_set(err, DERM_ECORRUPT, "damaged checkpoint: %s = %lld, expected 0 or 1", UV_RECORDS_ITEM,
                                (long long)uv_in_file);
    }
    if (uv_in_file)
        DERM_TRY(derm_sim_uv_records(s, err));
    else
        derm_sim_uv_records_free(s);
    /* the absent signals: as the marker says (a signal it names must be one this simulation
     * may hold absent), else every field held (a file without the marker) */
    int64_t absent = 0;
    if (derm_checkpoint_has(ck, ABSENT_SIGNALS_ITEM)) {
        DERM_TRY(derm_checkpoint_read(ck, ABSENT_SIGNALS_ITEM, DERM_CKPT_I64, 1, &absent, err));
        if (absent < 0 || absent >= (INT64_C(1) << DERM_NSIGNAL))
            return derm_err_set(
                err, DERM_ECORRUPT, "damaged checkpoint: %s = %lld, expected a set of the %d signals (0 to %lld)",
                ABSENT_SIGNALS_ITEM, (long long)absent, DERM_NSIGNAL, (long long)((INT64_C(1) << DERM_NSIGNAL) - 1));
        for (int q = 0; q < DERM_NSIGNAL; q++)
            if (absent >> q & 1 && !derm_sim_signal_may_be_absent(s, q))
                return derm_err_set(err, DERM_ECORRUPT,
                                    "damaged checkpoint: %s = %lld says the %s field is absent, which this run "
                                    "holds",
                                    ABSENT_SIGNALS_ITEM, (long long)absent, derm_field_desc(DERM_NMATRIX + q)->name);
    }
    for (int q = 0; q < DERM_NSIGNAL; q++)
        if (absent >> q & 1)
            derm_sim_signal_arrays_free(s, q);
        else
            DERM_TRY(derm_sim_signal_arrays(s, q, err));
    struct derm_ckpt_item *items = malloc((size_t)n * sizeof *items);
    if (!items) return derm_err_set(err, DERM_ENOMEM, "out of memory for a checkpoint");
    derm_state_items(s, items); /* absent records: NULL, not read (lazy_item) */
    derm_status st = DERM_OK;
    for (int i = 0; i < n && st == DERM_OK; i++)
        if (strcmp(items[i].name, "agents.n") != 0 && !lazy_item(s, items, i))
            st = derm_checkpoint_read(ck, items[i].name, items[i].type, items[i].n, items[i].data, err);
    free(items);
    if (st != DERM_OK) return st;
    DERM_TRY(derm_signal_grids_check_state(s->diff, err));
    derm_sim_note_uv_memory(s);
    s->signals_touched = 1;  /* fields and coarse states read from the file, not stepped */
    s->field_sums_step = -1; /* the restored fields are not the kernel's last */
    for (int64_t r = 0; r < s->a.n; r++) s->a.walk_end_window[r] = INT64_MIN; /* not checkpointed: drawn again */
    /* intent flags are rebuilt every step; clear them as a fresh append would */
    memset(s->a.divide, 0, (size_t)s->a.n);
    memset(s->a.die, 0, (size_t)s->a.n);
    return DERM_OK;
}
