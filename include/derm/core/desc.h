/* desc.h - key tables: typed members of a plain struct described by descriptors.
 *
 * Owns: struct derm_param_desc (path, type, units, default, range, choices, meaning, offset),
 * and everything that works on one described member without knowing which table it
 * belongs to: parsing one value from text with type and range checks and a located
 * one-line message, storing, reading and formatting (YAML-safe floats), the "expected
 * form" of a key, the table row printed by `dermsim params`, and the one "did you mean"
 * rule (edit distance). The parameter table (io/params.c) and the schedule-entry keys
 * (inputs/schedule.c) are both tables of this kind; neither depends on the other.
 * Does not: hold any table, read files or know YAML syntax.
 */
#ifndef DERM_CORE_DESC_H
#define DERM_CORE_DESC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "derm/core/status.h"

enum derm_param_type { DERM_PT_REAL, DERM_PT_INT, DERM_PT_BOOL, DERM_PT_ENUM };

#define DERM_PT_CTYPE_REAL double
#define DERM_PT_CTYPE_INT int64_t
#define DERM_PT_CTYPE_BOOL int
#define DERM_PT_CTYPE_ENUM int

struct derm_param_desc {
    const char *path; /* "section.key" (parameters) or "key" (schedule entries) */
    enum derm_param_type type;
    const char *units;
    double def, lo, hi;  /* default and inclusive range (ENUM/BOOL: index range) */
    const char *choices; /* ENUM: "a|b|c"; otherwise "" */
    const char *doc;     /* meaning; source or rationale */
    size_t offset;       /* offsetof(the described struct, member) */
};

/** Parse `text` as the descriptor's type, range-check it and store it into the struct at
 *  `base`. On failure returns DERM_ECONFIG with a message of the form
 *  "<where>: key '<path>': <problem>; expected <form and range>". */
derm_status derm_desc_set_text(void *base, const struct derm_param_desc *d, const char *text, const char *where,
                               struct derm_err *err);

/** Read a member as double (REAL/INT/BOOL/ENUM). */
double derm_desc_get(const void *base, const struct derm_param_desc *d);

/** Store a value already known to be valid for the descriptor's type. */
void derm_desc_store(void *base, const struct derm_param_desc *d, double v);

/** Format a member as YAML scalar text (floats always carry '.' so PyYAML reads them as
 *  floats; the shortest text that reads back exactly; enums as their spelling). */
void derm_desc_format(const void *base, const struct derm_param_desc *d, char *buf, size_t n);

/** True when v lies in the descriptor's inclusive range. */
int derm_desc_in_range(const struct derm_param_desc *d, double v);

/** "an integer in [1, 4096]", "a number in [0, 120] year", "one of: noflux, vascular". */
void derm_desc_expected_form(const struct derm_param_desc *d, char *buf, size_t n);

/** Record "<where>: key '<path>': '<text>' <problem>; expected <form>" (DERM_ECONFIG). */
derm_status derm_desc_value_error(struct derm_err *err, const char *where, const struct derm_param_desc *d,
                                  const char *text, const char *problem);

/** One row of `dermsim params`: path (or `path` if not NULL), units, default, range, and the
 *  wrapped description; a REAL below its range prints as "none" (not given). */
void derm_desc_print(FILE *fp, const void *base, const struct derm_param_desc *d, const char *path);

/** Levenshtein distance between a[0..na) and b[0..nb) (first 128 characters). */
size_t derm_desc_distance(const char *a, size_t na, const char *b, size_t nb);

/** Largest distance still worth suggesting for a word of `len` characters. */
size_t derm_desc_suggest_threshold(size_t len);

/** Closest word of list[0..n) to `word` by edit distance (at most max(2, len/3) edits), or
 *  NULL: the one "did you mean" rule for parameters, schedule keys and sweep files. */
const char *derm_desc_suggest_word(const char *word, const char *const *list, size_t n);

#endif
