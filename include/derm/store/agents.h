/* agents.h - the structure-of-arrays store of cells.
 *
 * Owns: one array per agent variable (X-macro DERM_AGENT_COLUMNS), the never-reused
 * 64-bit id counter, growth, append and swap-remove, and the per-step intent flags.
 * Does not: decide anything about cells (model/), bin them (store/bins.c) or write them
 * (io/output.c reads the same X-macro to write every output column).
 *
 * Row order is meaningful for reproducibility: births are appended in a fixed order and
 * deaths swap-remove in descending row order, so the store evolves identically for any
 * thread count.
 */
#ifndef DERM_STORE_AGENTS_H
#define DERM_STORE_AGENTS_H

#include <stdint.h>

#include "derm/core/status.h"

enum derm_agent_type { DERM_AGENT_FIBROBLAST = 0, DERM_AGENT_STEM = 1 };
enum derm_agent_state {
    DERM_STATE_QUIESCENT = 0,
    DERM_STATE_ACTIVATED = 1,
    DERM_STATE_SENESCENT = 2,
    DERM_STATE_APOPTOTIC = 3
};
#define DERM_AGENT_TYPE_FLAGS "fibroblast stem"
#define DERM_AGENT_STATE_FLAGS "quiescent activated senescent apoptotic"

/* Storage kinds of agent columns (io/output.c maps them to HDF5 types; F64 is written as float32). */
enum derm_col_kind { DERM_COL_I64, DERM_COL_I32, DERM_COL_I8, DERM_COL_F64 };

/* X(name, ctype, kind, units, description) - every column is written to the output. */
#define DERM_AGENT_COLUMNS(X)                                                                                      \
    X(id, int64_t, DERM_COL_I64, "1", "agent id, unique over the run, never reused")                               \
    X(lineage, int64_t, DERM_COL_I64, "1",                                                                         \
      "random-stream key of the cell: its founder's id, hashed with the birth order of each ancestor; keys every " \
      "random event of the cell, so events do not shift when other cells differ")                                  \
    X(type, int8_t, DERM_COL_I8, "1", "agent type (0 fibroblast, 1 stem/progenitor)")                              \
    X(state, int8_t, DERM_COL_I8, "1", "state (0 quiescent, 1 activated, 2 senescent, 3 apoptotic)")               \
    X(x, double, DERM_COL_F64, "um", "lateral position x")                                                         \
    X(y, double, DERM_COL_F64, "um", "lateral position y")                                                         \
    X(z, double, DERM_COL_F64, "um", "depth below the dermal-epidermal junction")                                  \
    X(divisions, int32_t, DERM_COL_I32, "1", "divisions so far (replicative age)")                                 \
    X(damage, double, DERM_COL_F64, "au", "accumulated unrepaired DNA damage")                                     \
    X(attachment, double, DERM_COL_F64, "1", "attachment to intact collagen (1 fully spread, 0 collapsed)")        \
    X(tgfb_response, double, DERM_COL_F64, "1", "TGF-beta responsiveness (receptor level relative to normal)")     \
    X(collagen_synthesis, double, DERM_COL_F64, "pg/h", "current collagen synthesis of the cell")                  \
    X(mmp1_secretion, double, DERM_COL_F64, "1", "current MMP-1 secretion relative to a young quiescent cell")     \
    X(ap1, double, DERM_COL_F64, "au",                                                                             \
      "AP-1 activity: sensed ROS above the young level, followed with a lag (uv.ap1_time_h)")                      \
    X(ap1_adapted, double, DERM_COL_F64, "au",                                                                     \
      "AP-1 level the cell has adapted to (uv.ap1_adaptation_days); only AP-1 above it acts as an acute stress")   \
    X(ap1_uv, double, DERM_COL_F64, "au", "the part of AP-1 driven directly by UV (lagged like AP-1)")             \
    X(ap1_uv_adapted, double, DERM_COL_F64, "au",                                                                  \
      "the UV-driven AP-1 level the cell has adapted to: repeated exposure desensitises MMP induction")            \
    X(exosome_effect, double, DERM_COL_F64, "au",                                                                  \
      "exosome cargo taken up and still acting (wears off with treatment.exosome_effect_days)")

/* Event clocks: each agent carries, per kind of event, the integrated hazard still to run
 * before its next event of that kind (an exponential variate keyed by the agent's id and
 * its count of such events, never by the step), so event times do not depend on the step
 * and runs at different steps share their random events (model/fibroblast.c). */
enum derm_clock {
    DERM_CLOCK_DEATH = 0,     /* apoptosis, clearance of a senescent cell, progenitor loss */
    DERM_CLOCK_SENESCE,       /* damage-driven senescence */
    DERM_CLOCK_DIVIDE,        /* division of a fibroblast, self-renewal of a progenitor */
    DERM_CLOCK_SWITCH,        /* activation or deactivation */
    DERM_CLOCK_DIFFERENTIATE, /* a progenitor's asymmetric division into a fibroblast */
    DERM_NCLOCK
};

struct derm_agents {
    int64_t n;       /* live rows */
    int64_t cap;     /* allocated rows */
    int64_t next_id; /* next id to hand out */
#define DERM_X_MEMBER(name, ctype, kind, units, desc) ctype *name;
    DERM_AGENT_COLUMNS(DERM_X_MEMBER)
#undef DERM_X_MEMBER
    double *clock[DERM_NCLOCK];    /* integrated hazard to the next event (NaN: not drawn yet) */
    int32_t *clock_n[DERM_NCLOCK]; /* events of that kind so far (keys the next draw) */
    double *walk[3];               /* random walk: standard Brownian value within the current window */
    int64_t *walk_window;          /* the window walk[] belongs to (INT64_MIN: none) */
    /* the end value of window walk_end_window of the cell's path as drawn with seed
     * walk_end_seed (a pure function of seed, lineage and window: model/motility.c), kept
     * because a step that ends inside a window draws it and the next step needs it again.
     * Not checkpointed (it is drawn again); whoever changes a row's lineage sets its
     * walk_end_window to INT64_MIN (none) */
    double *walk_end[3];
    int64_t *walk_end_window;
    uint64_t walk_end_seed;
    int64_t *voxel;  /* voxel index of the row (refreshed by binning) */
    uint8_t *divide; /* intent flags written by rules, applied by derm_agents_apply */
    uint8_t *die;
};

derm_status derm_agents_init(struct derm_agents *a, int64_t cap, struct derm_err *err);
void derm_agents_fini(struct derm_agents *a);

/** Ensure room for `extra` more rows. */
derm_status derm_agents_reserve(struct derm_agents *a, int64_t extra, struct derm_err *err);

/** Append a zero-initialised row with a fresh id; *row receives its index. */
derm_status derm_agents_append(struct derm_agents *a, int64_t *row, struct derm_err *err);

/** Append `count` rows with fresh ids (each its own lineage key), in order, the other columns
 *  left for the caller to write whole (derm_agents_copy_row); *row0 receives the first
 *  index. The same ids as `count` calls of derm_agents_append. */
derm_status derm_agents_extend(struct derm_agents *a, int64_t count, int64_t *row0, struct derm_err *err);

/** Copy every column of row `src` to row `dst` (ids included). */
void derm_agents_copy_row(struct derm_agents *a, int64_t dst, int64_t src);

/** Remove row r by moving the last row into it. */
void derm_agents_swap_remove(struct derm_agents *a, int64_t r);

#endif
