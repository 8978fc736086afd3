/* params.h - the typed parameter set and its descriptor table.
 *
 * Owns: struct derm_params (one member per line of params.def), the descriptor table
 * (path, type, units, default, range, choices, documentation), defaults, lookup by path,
 * "did you mean" suggestions, setting one value from text with type and range checks,
 * whole-set cross-checks, and writing the resolved set as YAML or as a table.
 * Does not: read files (config.c does), know about the model's equations.
 */
#ifndef DERM_PARAMS_H
#define DERM_PARAMS_H

#include <stdint.h>
#include <stdio.h>

#include "derm/inputs/schedule_data.h"
#include "derm/core/status.h"

enum derm_param_type { DERM_PT_REAL, DERM_PT_INT, DERM_PT_BOOL, DERM_PT_ENUM };

#define DERM_PT_CTYPE_REAL double
#define DERM_PT_CTYPE_INT int64_t
#define DERM_PT_CTYPE_BOOL int
#define DERM_PT_CTYPE_ENUM int

struct derm_params {
#define X(member, path, type, units, def, lo, hi, choices, doc) DERM_PT_CTYPE_##type member;
#include "derm/io/params.def"
#undef X
    struct derm_schedule schedule; /* the `schedule:` section (schedule.h); not in the table */
};

/* Enum values (indices into the choices strings of params.def). */
enum { DERM_BOTTOM_NOFLUX = 0, DERM_BOTTOM_VASCULAR = 1 };
enum { DERM_SEX_FEMALE = 0, DERM_SEX_MALE = 1 };

struct derm_param_desc {
    const char *path;    /* "section.key" */
    enum derm_param_type type;
    const char *units;
    double def, lo, hi;  /* default and inclusive range (ENUM/BOOL: index range) */
    const char *choices; /* ENUM: "a|b|c"; otherwise "" */
    const char *doc;     /* meaning; source or rationale */
    size_t offset;       /* offsetof(struct derm_params, member) */
};

/** Number of parameters and the table itself (in params.def order). */
size_t derm_params_count(void);
const struct derm_param_desc *derm_params_table(void);

/** Fill every member with its default. */
void derm_params_defaults(struct derm_params *p);

/** Descriptor for a dotted path, or NULL. */
const struct derm_param_desc *derm_params_find(const char *path);

/** Closest known path to `path` (edit distance, for "did you mean"), or NULL if nothing
 *  is reasonably close. Also suggests a known section when only the key is wrong. */
const char *derm_params_suggest(const char *path);

/** True when `prefix` names a section or sub-section ("run", "signals", "signals.tgfb"). */
int derm_params_is_section(const char *prefix);

/** Parse `text` as the descriptor's type, range-check it and store it into `p`.
 *  On failure returns DERM_ECONFIG with a message of the form
 *  "<where>: key '<path>': <problem>; expected <form and range>", where `where` is
 *  the caller's location prefix (e.g. "cfg.yaml:12:5" or "--set"). */
derm_status derm_params_set_text(struct derm_params *p, const struct derm_param_desc *d,
                                 const char *text, const char *where, struct derm_err *err);

/** The same three operations on any struct described by descriptors whose offsets are
 *  relative to `base` (schedule entries use them with their own table). */
derm_status derm_desc_set_text(void *base, const struct derm_param_desc *d, const char *text,
                               const char *where, struct derm_err *err);
double derm_desc_get(const void *base, const struct derm_param_desc *d);
void derm_desc_format(const void *base, const struct derm_param_desc *d, char *buf, size_t n);

/** Store a value already known to be valid for the descriptor's type (REAL, INT, BOOL/ENUM). */
void derm_desc_store(void *base, const struct derm_param_desc *d, double v);

/** Closest word of list[0..n) to `word` by edit distance (at most max(2, len/3) edits), or
 *  NULL: the one "did you mean" rule for parameters, schedule keys and sweep files. */
const char *derm_suggest_word(const char *word, const char *const *list, size_t n);

/** One row of `dermsim params`: path (or `path` if not NULL), units, default, range, and the
 *  wrapped description; a REAL below its range prints as "none" (not given). */
void derm_desc_print(FILE *fp, const void *base, const struct derm_param_desc *d, const char *path);

/** Read a member as double (REAL/INT/BOOL/ENUM). */
double derm_params_get(const struct derm_params *p, const struct derm_param_desc *d);

/** Format a member's value as YAML scalar text (floats always carry '.' or 'e' with a
 *  decimal point so PyYAML reads them as floats; enums as their spelling). */
void derm_params_format(const struct derm_params *p, const struct derm_param_desc *d,
                        char *buf, size_t n);

/** Where each parameter got its value: "FILE:LINE:COL", "--set" or "" (default).
 *  Arrays of these have derm_params_count() entries in table order. */
#define DERM_WHERE_MAX 512
struct derm_param_origin {
    char where[DERM_WHERE_MAX];
};

/** Cross-parameter checks: age_end > age_start, hrt period inside the run, output
 *  intervals, grid size overflow and memory (estimated bytes vs available memory), ...
 *  `origins` (may be NULL) lets the message cite the offending key's location, as in
 *  "cfg.yaml:4:18: key 'run.age_end_years': 20 is not after run.age_start_years (25);
 *  expected a value > 25". */
derm_status derm_params_validate(const struct derm_params *p,
                                 const struct derm_param_origin *origins,
                                 struct derm_err *err);

/** Estimated peak memory of a run with these parameters, bytes. */
double derm_params_memory_estimate(const struct derm_params *p);

/** Write the full resolved parameter set as nested YAML with units comments. */
void derm_params_write_yaml(const struct derm_params *p, FILE *fp);

/** Print every parameter: path, units, default, range, description (dermsim params). */
void derm_params_print_table(FILE *fp);

/** Unit conversions used throughout: 1 year = 8766 h. */
#define DERM_HOURS_PER_YEAR 8766.0
#define DERM_HOURS_PER_DAY 24.0

#endif
