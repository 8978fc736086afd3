/* config.c - YAML configuration text to parameter values, with located errors.
 *
 * Owns: reading a configuration file (verbatim text kept for provenance), parsing it with
 * libyaml's document API, walking nested mappings into dotted parameter paths (a key may
 * also be written dotted, "run.seed: 3"), and every structural error: syntax errors,
 * empty files, unknown keys and sections (with did-you-mean), duplicate keys, mappings or
 * sequences where a value belongs and values where a mapping belongs, missing values.
 * Applying "--set section.key=value" overrides. The parameters and the schedule are loaded,
 * validated and written side by side (the schedule is not part of struct derm_params).
 * Does not: parse or range-check values or run cross-checks (core/desc.c via io/params.c, and inputs/schedule.c, do),
 * print anything, or decide exit codes. Loading is all-or-nothing: on any error the caller's parameters and origins are
 * left untouched.
 *
 * Locations are reported 1-based as FILE:LINE:COL of the offending key (libyaml marks are
 * 0-based).
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "derm/io/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "derm/inputs/schedule.h"

#define CONFIG_MAX_BYTES (1u << 20) /* a configuration file is small text (resolved.yaml: ~12 KiB) */
#define CONFIG_PATH_MAX 256         /* longest dotted key path considered */
#define CONFIG_LIST_MAX 400         /* characters of a "valid keys are" list */
#define CONFIG_MAX_DEPTH 64         /* nesting of flow brackets (libyaml's scanner is quadratic in it) */

/* Where a parameter was first set in the file being loaded (line 0 = not yet). */
struct config_mark {
    unsigned long line, col;
};

struct config_loader {
    const char *name; /* file name used in messages */
    yaml_document_t *doc;
    struct derm_params *p;             /* working copy */
    struct derm_schedule *sched;       /* working copy */
    struct derm_param_origin *origins; /* working copy, derm_params_count() entries */
    struct config_mark *seen;          /* derm_params_count() entries */
    struct derm_err *err;
    struct derm_config_report *rep; /* every error found (may be NULL) */
    int nerr;                       /* errors found */
    struct derm_err first;          /* the first of them */
};

/* After an error at one key: record it and go on with the next key (so one load reports
 * every error of the file, up to DERM_CONFIG_MAX_ERRORS), unless it is not about the file
 * (out of memory, internal). Returns the status to propagate: DERM_OK to continue. */
static derm_status config_note(struct config_loader *L, derm_status st)
{
    if (st == DERM_OK) return DERM_OK;
    if (st != DERM_ECONFIG) return st;
    if (L->nerr++ == 0) L->first = *L->err;
    if (L->rep) {
        if (L->rep->n < DERM_CONFIG_MAX_ERRORS)
            snprintf(L->rep->msg[L->rep->n++], sizeof L->rep->msg[0], "%s", L->err->msg);
        else
            L->rep->more++;
    }
    return DERM_OK;
}

/* Copy `s` (length n) for display inside a one-line message: control characters become
 * '?', and long text is cut with "...". */
static void config_shown(const char *s, size_t n, char *buf, size_t bufsize)
{
    const size_t max_shown = 60;
    size_t o = 0;
    for (size_t i = 0; i < n && i < max_shown && o + 1 < bufsize; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[o] = '\0';
    if (n > max_shown && o + 4 < bufsize) strcat(buf, "...");
}

static const char *config_node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

/* Plain "", "~", "null", "Null", "NULL": YAML's spellings of no value. */
static int config_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *v = (const char *)n->data.scalar.value;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* List the names one level below `prefix` ("" for the top level), in table order:
 * "run, output, domain" or "seed, age_start_years, ...". */
static void config_list_level(const char *prefix, char *buf, size_t n)
{
    const struct derm_param_desc *t = derm_params_table();
    size_t count = derm_params_count(), plen = strlen(prefix), o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *path = t[i].path;
        if (plen && (strncmp(path, prefix, plen) != 0 || path[plen] != '.')) continue;
        const char *name = plen ? path + plen + 1 : path;
        size_t len = strcspn(name, ".");
        /* skip names already listed (sections span many parameters) */
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++) {
            const char *q = t[j].path;
            if (plen && (strncmp(q, prefix, plen) != 0 || q[plen] != '.')) continue;
            const char *qn = plen ? q + plen + 1 : q;
            dup = strcspn(qn, ".") == len && strncmp(qn, name, len) == 0;
        }
        if (dup) continue;
        if (o + len + 8 >= n || o + len >= CONFIG_LIST_MAX) {
            if (o + 5 < n) strcpy(buf + o, ", ...");
            return;
        }
        o += (size_t)snprintf(buf + o, n - o, "%s%.*s", o ? ", " : "", (int)len, name);
    }
}

/* Number of '.'-separated components in s. */
static size_t config_depth(const char *s)
{
    size_t k = 1;
    for (; *s; s++) k += *s == '.';
    return k;
}

static derm_status config_unknown_key(struct config_loader *L, const char *path, const char *parent,
                                      const yaml_node_t *key, const yaml_node_t *val)
{
    char shown[96], list[CONFIG_LIST_MAX + 16];
    unsigned long line = key->start_mark.line + 1, col = key->start_mark.column + 1;
    config_shown(path, strlen(path), shown, sizeof shown);
    int looks_like_section = val->type == YAML_MAPPING_NODE;
    const char *what = looks_like_section ? "section" : "key";

    if (looks_like_section) {
        char query[CONFIG_PATH_MAX + 2];
        snprintf(query, sizeof query, "%s.", path);
        const char *s = derm_params_suggest(query);
        if (s) {
            /* the suggested section is the first depth(path) components of s */
            size_t k = config_depth(path), n = 0;
            for (const char *c = s; *c; c++, n++)
                if (*c == '.' && --k == 0) break;
            return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: unknown section '%s'; did you mean '%.*s'?", L->name,
                                line, col, shown, (int)n, s);
        }
    }
    const char *s = derm_params_suggest(path);
    if (s)
        return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: unknown %s '%s'; did you mean '%s'?", L->name, line, col,
                            what, shown, s);
    config_list_level(parent, list, sizeof list);
    if (!*parent)
        return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: unknown %s '%s'; valid sections are: %s", L->name, line,
                            col, what, shown, list);
    return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: unknown %s '%s'; valid keys in '%s' are: %s", L->name, line,
                        col, what, shown, parent, list);
}

static derm_status config_set_value(struct config_loader *L, const struct derm_param_desc *d, const yaml_node_t *key,
                                    const yaml_node_t *val)
{
    unsigned long line = key->start_mark.line + 1, col = key->start_mark.column + 1;
    size_t idx = (size_t)(d - derm_params_table());
    if (val->type != YAML_SCALAR_NODE)
        return derm_err_set(L->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': found %s; expected a scalar value such as "
                            "'%s: <value>'",
                            L->name, line, col, d->path, config_node_kind(val), strrchr(d->path, '.') + 1);
    if (L->seen[idx].line)
        return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: duplicate key '%s'; first set at %lu:%lu", L->name, line,
                            col, d->path, L->seen[idx].line, L->seen[idx].col);
    const char *text = (const char *)val->data.scalar.value;
    if (strlen(text) != val->data.scalar.length)
        return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: key '%s': value contains a NUL character", L->name, line,
                            col, d->path);
    char where[DERM_WHERE_MAX];
    snprintf(where, sizeof where, "%s:%lu:%lu", L->name, line, col);
    DERM_TRY(derm_params_set_text(L->p, d, config_is_null(val) ? "" : text, where, L->err));
    L->seen[idx].line = line;
    L->seen[idx].col = col;
    memcpy(L->origins[idx].where, where, sizeof where);
    return DERM_OK;
}

/* The key node of an earlier pair in [start, pair) spelled k[0..klen), or NULL. */
static const yaml_node_t *config_earlier_key(struct config_loader *L, const yaml_node_pair_t *start,
                                             const yaml_node_pair_t *pair, const char *k, size_t klen)
{
    for (const yaml_node_pair_t *q = start; q < pair; q++) {
        const yaml_node_t *qk = yaml_document_get_node(L->doc, q->key);
        if (qk && qk->type == YAML_SCALAR_NODE && qk->data.scalar.length == klen &&
            memcmp(qk->data.scalar.value, k, klen) == 0)
            return qk;
    }
    return NULL;
}

/* schedule:
 *   NAME: {input: uv, dose: 2, ...}
 * One named entry per key; every value a scalar (inputs/schedule.c checks the keys). */
static derm_status config_schedule(struct config_loader *L, const yaml_node_t *skey, yaml_node_t *map)
{
    unsigned long sline = skey->start_mark.line + 1, scol = skey->start_mark.column + 1;
    if (config_is_null(map)) return DERM_OK;
    if (map->type != YAML_MAPPING_NODE)
        return derm_err_set(L->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key 'schedule' holds %s; expected a mapping of named entries such as "
                            "'sun: {input: uv, dose: 1, from_age: 20}'",
                            L->name, sline, scol, config_node_kind(map));
    struct derm_schedule *S = L->sched;
    snprintf(S->file, sizeof S->file, "%s", L->name);
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(L->doc, pair->key);
        yaml_node_t *val = yaml_document_get_node(L->doc, pair->value);
        if (!key || !val) return derm_err_set(L->err, DERM_EINTERNAL, "%s: libyaml returned a broken node", L->name);
        unsigned long line = key->start_mark.line + 1, col = key->start_mark.column + 1;
        char where[DERM_WHERE_MAX];
        snprintf(where, sizeof where, "%s:%lu:%lu", L->name, line, col);
        if (key->type != YAML_SCALAR_NODE) {
            DERM_TRY(config_note(L, derm_err_set(L->err, DERM_ECONFIG,
                                                 "%s: a schedule entry name is %s; expected a plain name", where,
                                                 config_node_kind(key))));
            continue;
        }
        const char *nm = (const char *)key->data.scalar.value;
        if (val->type != YAML_MAPPING_NODE) {
            DERM_TRY(config_note(L, derm_err_set(L->err, DERM_ECONFIG,
                                                 "%s: schedule entry '%.60s' holds %s; expected a mapping of its keys "
                                                 "such as '{input: uv, dose: 1, from_age: 20}'",
                                                 where, nm, config_node_kind(val))));
            continue;
        }
        /* a name refused (malformed, twice, one too many): its keys unread, the next entries
         * still read, so that every error of the file is reported at once */
        if (strlen(nm) != key->data.scalar.length) {
            DERM_TRY(config_note(
                L, derm_err_set(L->err, DERM_ECONFIG, "%s: a schedule entry name contains a NUL character", where)));
            continue;
        }
        struct derm_schedule_entry *e = NULL;
        const derm_status added = derm_schedule_add(S, nm, where, line, col, &e, L->err);
        if (added != DERM_OK) {
            DERM_TRY(config_note(L, added));
            continue;
        }
        for (yaml_node_pair_t *kv = val->data.mapping.pairs.start; kv < val->data.mapping.pairs.top; kv++) {
            yaml_node_t *k = yaml_document_get_node(L->doc, kv->key);
            yaml_node_t *v = yaml_document_get_node(L->doc, kv->value);
            if (!k || !v) return derm_err_set(L->err, DERM_EINTERNAL, "%s: libyaml returned a broken node", L->name);
            char kwhere[DERM_WHERE_MAX];
            snprintf(kwhere, sizeof kwhere, "%s:%lu:%lu", L->name, (unsigned long)k->start_mark.line + 1,
                     (unsigned long)k->start_mark.column + 1);
            if (k->type != YAML_SCALAR_NODE) {
                DERM_TRY(config_note(L, derm_err_set(L->err, DERM_ECONFIG, "%s: a key is %s; expected a plain key name",
                                                     kwhere, config_node_kind(k))));
                continue;
            }
            const char *kk = (const char *)k->data.scalar.value;
            const yaml_node_t *qk = config_earlier_key(L, val->data.mapping.pairs.start, kv, kk, k->data.scalar.length);
            if (qk) {
                DERM_TRY(config_note(L, derm_err_set(L->err, DERM_ECONFIG,
                                                     "%s: duplicate key 'schedule.%s.%.40s'; first at %lu:%lu", kwhere,
                                                     nm, kk, (unsigned long)qk->start_mark.line + 1,
                                                     (unsigned long)qk->start_mark.column + 1)));
                continue;
            }
            derm_status st = DERM_OK;
            if (v->type != YAML_SCALAR_NODE)
                st =
                    derm_err_set(L->err, DERM_ECONFIG, "%s: key 'schedule.%s.%.40s': found %s; expected a scalar value",
                                 kwhere, nm, kk, config_node_kind(v));
            else if (strlen(kk) != k->data.scalar.length ||
                     strlen((const char *)v->data.scalar.value) != v->data.scalar.length)
                st = derm_err_set(L->err, DERM_ECONFIG, "%s: key 'schedule.%s.%.40s': contains a NUL character", kwhere,
                                  nm, kk);
            else
                st = derm_schedule_entry_set(e, kk, config_is_null(v) ? "" : (const char *)v->data.scalar.value, kwhere,
                                             L->err);
            DERM_TRY(config_note(L, st));
        }
    }
    return DERM_OK;
}

static derm_status config_walk(struct config_loader *L, yaml_node_t *map, const char *prefix);

/* One key: value pair of a mapping at `prefix`. */
static derm_status config_pair(struct config_loader *L, const yaml_node_pair_t *start, const yaml_node_pair_t *pair,
                               const char *prefix)
{
    yaml_node_t *key = yaml_document_get_node(L->doc, pair->key);
    yaml_node_t *val = yaml_document_get_node(L->doc, pair->value);
    if (!key || !val) return derm_err_set(L->err, DERM_EINTERNAL, "%s: libyaml returned a broken node", L->name);
    unsigned long line = key->start_mark.line + 1, col = key->start_mark.column + 1;
    if (key->type != YAML_SCALAR_NODE)
        return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: a key is %s; expected a plain key name", L->name, line,
                            col, config_node_kind(key));
    const char *k = (const char *)key->data.scalar.value;
    size_t klen = key->data.scalar.length;
    if (klen == 0 || strlen(k) != klen)
        return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: empty or malformed key; expected a key name", L->name,
                            line, col);
    char shown[96];
    config_shown(k, klen, shown, sizeof shown);
    /* the same key twice in one mapping (YAML forbids it; PyYAML keeps the last) */
    const yaml_node_t *qk = config_earlier_key(L, start, pair, k, klen);
    if (qk)
        return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: duplicate key '%s%s%s'; first at %lu:%lu", L->name, line,
                            col, prefix, *prefix ? "." : "", shown, (unsigned long)qk->start_mark.line + 1,
                            (unsigned long)qk->start_mark.column + 1);
    char path[CONFIG_PATH_MAX];
    int plen = snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
    if (plen < 0 || (size_t)plen >= sizeof path)
        return derm_err_set(L->err, DERM_ECONFIG, "%s:%lu:%lu: unknown key '%s' (too long)", L->name, line, col, shown);
    const struct derm_param_desc *d = derm_params_find(path);
    if (!*prefix && !strcmp(path, "schedule")) return config_schedule(L, key, val);
    if (d) return config_set_value(L, d, key, val);
    if (!derm_params_is_section(path)) return config_unknown_key(L, path, prefix, key, val);
    if (val->type == YAML_MAPPING_NODE) return config_walk(L, val, path);
    if (config_is_null(val)) return DERM_OK; /* "section:" with every key commented out is fine */
    char list[CONFIG_LIST_MAX + 16];
    config_list_level(path, list, sizeof list);
    return derm_err_set(L->err, DERM_ECONFIG,
                        "%s:%lu:%lu: key '%s' is a section but holds %s; expected a mapping of its keys (%s)", L->name,
                        line, col, path, config_node_kind(val), list);
}

/* Every pair of a mapping; an error at one key is noted and the walk goes on. */
static derm_status config_walk(struct config_loader *L, yaml_node_t *map, const char *prefix)
{
    yaml_node_pair_t *start = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *pair = start; pair < top; pair++)
        DERM_TRY(config_note(L, config_pair(L, start, pair, prefix)));
    return DERM_OK;
}

/* Line and column (1-based) of byte `offset` in text. */
static void config_offset_to_mark(const char *text, size_t len, size_t offset, unsigned long *line, unsigned long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static derm_status config_yaml_error(const yaml_parser_t *parser, const char *text, size_t len, const char *name,
                                     struct derm_err *err)
{
    const char *problem = parser->problem ? parser->problem : "unknown problem";
    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        return derm_err_set(err, DERM_ENOMEM, "%s: out of memory while parsing YAML", name);
    case YAML_READER_ERROR: {
        unsigned long line, col;
        config_offset_to_mark(text, len, parser->problem_offset, &line, &col);
        return derm_err_set(err, DERM_ECONFIG, "%s:%lu:%lu: YAML syntax error: %s (byte 0x%02x)", name, line, col,
                            problem, (unsigned)parser->problem_value & 0xffu);
    }
    default: {
        unsigned long line = parser->problem_mark.line + 1, col = parser->problem_mark.column + 1;
        if (parser->context)
            return derm_err_set(err, DERM_ECONFIG, "%s:%lu:%lu: YAML syntax error: %s %s started at %lu:%lu", name,
                                line, col, problem, parser->context, (unsigned long)parser->context_mark.line + 1,
                                (unsigned long)parser->context_mark.column + 1);
        return derm_err_set(err, DERM_ECONFIG, "%s:%lu:%lu: YAML syntax error: %s", name, line, col, problem);
    }
    }
}

derm_status derm_config_no_second_document(yaml_document_t *extra, const char *name, struct derm_err *err)
{
    derm_status st = DERM_OK;
    if (yaml_document_get_root_node(extra))
        st = derm_err_set(err, DERM_ECONFIG, "%s:%lu:%lu: a second YAML document starts here; expected exactly one",
                          name, (unsigned long)extra->start_mark.line + 1, (unsigned long)extra->start_mark.column + 1);
    yaml_document_delete(extra);
    return st;
}

derm_status derm_config_prescan(const char *text, size_t len, const char *name, struct derm_err *err)
{
    if (len > CONFIG_MAX_BYTES)
        return derm_err_set(err, DERM_ECONFIG, "%s: %zu bytes; expected a configuration file of at most %u KiB", name,
                            len, CONFIG_MAX_BYTES >> 10);
    unsigned long line = 1, col = 0;
    int depth = 0, quote = 0, comment = 0;
    char prev = '\n', last = '\n'; /* last: the line's last character outside blanks, comments and quotes */
    for (size_t i = 0; i < len; prev = text[i], i++) {
        const char c = text[i];
        col++;
        if (c == '\n') {
            line++;
            col = 0;
            comment = 0;
            if (!quote) last = '\n';
            continue;
        }
        if (comment) continue;
        if (quote) { /* inside '...' ('' escapes) or "..." (\ escapes) */
            if (quote == '"' && c == '\\' && i + 1 < len && text[i + 1] != '\n') {
                i++, col++;
                continue;
            }
            if (c == quote) last = (char)quote, quote = 0;
            continue;
        }
        if (c == '#' && (prev == ' ' || prev == '\t' || prev == '\n')) {
            comment = 1;
            continue;
        }
        /* a quote opens a quoted scalar only where a scalar begins (a line's start, after a
         * key's colon, a list's dash, a bracket or a comma); inside a plain scalar ("it's") it
         * is a character like any other */
        if ((c == '\'' || c == '"') && strchr("\n:-[{,?", last)) {
            quote = c;
            continue;
        }
        if (c != ' ' && c != '\t') last = c;
        if (c == '[' || c == '{') {
            if (++depth > CONFIG_MAX_DEPTH)
                return derm_err_set(err, DERM_ECONFIG,
                                    "%s:%lu:%lu: brackets nested deeper than %d levels; expected a configuration "
                                    "(sections, keys, schedule entries)",
                                    name, line, col, CONFIG_MAX_DEPTH);
        }
        if ((c == ']' || c == '}') && depth > 0) depth--;
    }
    return DERM_OK;
}

/* A scalar with an escaped NUL ("1\0x") would be read as its first part: refuse it. */
static derm_status config_check_nul(const yaml_document_t *doc, const char *name, struct derm_err *err)
{
    for (const yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE && strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
            return derm_err_set(err, DERM_ECONFIG, "%s:%lu:%lu: a key or value contains a NUL character", name,
                                (unsigned long)n->start_mark.line + 1, (unsigned long)n->start_mark.column + 1);
    return DERM_OK;
}

/* Parse text[0..len) into doc; *root receives its root mapping. Refuses empty files,
 * top levels that are not mappings, NUL characters and a second document. */
static derm_status config_parse(yaml_parser_t *parser, const char *text, size_t len, const char *name,
                                yaml_document_t *doc, yaml_node_t **root, struct derm_err *err)
{
    yaml_document_t extra;
    yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(parser, doc)) return config_yaml_error(parser, text, len, name, err);
    *root = yaml_document_get_root_node(doc);
    derm_status st = config_check_nul(doc, name, err);
    if (st == DERM_OK && (!*root || config_is_null(*root)))
        st = derm_err_set(err, DERM_ECONFIG,
                          "%s: empty configuration; expected a mapping of sections such as run:, "
                          "domain:",
                          name);
    if (st == DERM_OK && (*root)->type != YAML_MAPPING_NODE)
        st = derm_err_set(err, DERM_ECONFIG,
                          "%s:%lu:%lu: top level is %s; expected a mapping of sections such as run:, domain:", name,
                          (unsigned long)(*root)->start_mark.line + 1, (unsigned long)(*root)->start_mark.column + 1,
                          config_node_kind(*root));
    if (st == DERM_OK && !yaml_parser_load(parser, &extra))
        st = config_yaml_error(parser, text, len, name, err);
    else if (st == DERM_OK)
        st = derm_config_no_second_document(&extra, name, err);
    if (st != DERM_OK) yaml_document_delete(doc);
    return st;
}

/* Parse text[0..len) and apply it on top of p/origins (both untouched on failure); every
 * error of the file goes into rep (may be NULL), the first into err. */
static derm_status config_load_buffer(const char *text, size_t len, const char *name, struct derm_params *p,
                                      struct derm_schedule *sched, struct derm_param_origin *origins,
                                      struct derm_config_report *rep, struct derm_err *err)
{
    if (rep) memset(rep, 0, sizeof *rep);
    const size_t count = derm_params_count();
    struct derm_params work = *p;
    struct derm_schedule *work_sched = malloc(sizeof *work_sched);
    struct derm_param_origin *work_origins = calloc(count, sizeof *work_origins);
    struct config_mark *seen = calloc(count, sizeof *seen);
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root = NULL;
    int have_parser = 0;
    derm_status st = derm_config_prescan(text, len, name, err);
    if (st == DERM_OK && (!work_origins || !seen || !work_sched))
        st = derm_err_set(err, DERM_ENOMEM, "%s: out of memory", name);
    if (st == DERM_OK && !(have_parser = yaml_parser_initialize(&parser)))
        st = derm_err_set(err, DERM_ENOMEM, "%s: cannot initialise the YAML parser", name);
    if (st == DERM_OK) st = config_parse(&parser, text, len, name, &doc, &root, err);
    if (st == DERM_OK) {
        if (origins) memcpy(work_origins, origins, count * sizeof *work_origins);
        *work_sched = *sched;
        struct config_loader L = {name, &doc, &work, work_sched, work_origins, seen, err, rep, 0, {DERM_OK, ""}};
        st = config_walk(&L, root, "");
        if (st == DERM_OK && L.nerr > 0) {
            *err = L.first;
            st = L.first.code;
        }
        if (st == DERM_OK) {
            *p = work;
            *sched = *work_sched;
            if (origins) memcpy(origins, work_origins, count * sizeof *work_origins);
        }
        yaml_document_delete(&doc);
    } else if (rep && st == DERM_ECONFIG) {
        rep->n = 1;
        snprintf(rep->msg[0], sizeof rep->msg[0], "%s", err->msg);
    }
    if (have_parser) yaml_parser_delete(&parser);
    free(work_origins);
    free(work_sched);
    free(seen);
    return st;
}

derm_status derm_config_load_string(const char *text, const char *name, struct derm_params *p,
                                    struct derm_schedule *sched, struct derm_param_origin *origins,
                                    struct derm_err *err)
{
    if (!name) name = "<string>";
    if (!text) return derm_err_set(err, DERM_EINTERNAL, "%s: no configuration text", name);
    return config_load_buffer(text, strlen(text), name, p, sched, origins, NULL, err);
}

/* Read a whole file into a NUL-terminated buffer. */
static derm_status config_read_file(const char *path, char **out, size_t *out_len, struct derm_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return derm_err_set(err, DERM_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return derm_err_set(err, DERM_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= CONFIG_MAX_BYTES) {
                free(buf);
                fclose(f);
                return derm_err_set(err, DERM_ECONFIG,
                                    "%s: file is larger than %u MiB; expected a configuration "
                                    "file",
                                    path, CONFIG_MAX_BYTES >> 20);
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                fclose(f);
                return derm_err_set(err, DERM_ENOMEM, "%s: out of memory", path);
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return derm_err_set(err, DERM_ECONFIG, "%s: cannot read: %s", path, strerror(e));
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return DERM_OK;
}

derm_status derm_config_load_report(const char *path, struct derm_params *p, struct derm_schedule *sched,
                                    struct derm_param_origin *origins, char **text_out, struct derm_config_report *rep,
                                    struct derm_err *err)
{
    if (text_out) *text_out = NULL;
    if (rep) memset(rep, 0, sizeof *rep);
    if (!path || !*path) return derm_err_set(err, DERM_ECONFIG, "configuration: no file name given");
    char *text = NULL;
    size_t len = 0;
    DERM_TRY(config_read_file(path, &text, &len, err));
    derm_status st = config_load_buffer(text, len, path, p, sched, origins, rep, err);
    if (st == DERM_OK && text_out)
        *text_out = text;
    else
        free(text);
    return st;
}

derm_status derm_config_load(const char *path, struct derm_params *p, struct derm_schedule *sched,
                             struct derm_param_origin *origins, char **text_out, struct derm_err *err)
{
    return derm_config_load_report(path, p, sched, origins, text_out, NULL, err);
}

/* One --set assignment; messages start with "--set" (config_name_set adds the argument). */
static derm_status config_set_one(struct derm_params *p, struct derm_schedule *sched, struct derm_param_origin *origins,
                                  const char *assignment, const char *where, struct derm_err *err)
{
    char key[CONFIG_PATH_MAX];
    const char *eq = strchr(assignment, '=');
    if (!eq) return derm_err_set(err, DERM_ECONFIG, "--set: no '='; expected section.key=value, e.g. domain.nx=32");
    size_t klen = (size_t)(eq - assignment);
    if (klen == 0) return derm_err_set(err, DERM_ECONFIG, "--set: no key before '='; expected section.key=value");
    if (klen >= sizeof key) return derm_err_set(err, DERM_ECONFIG, "--set: unknown key (too long)");
    memcpy(key, assignment, klen);
    key[klen] = '\0';
    char kshown[96];
    config_shown(key, klen, kshown, sizeof kshown);

    if (!strncmp(key, "schedule.", 9)) return derm_schedule_apply_set(sched, key, eq + 1, err);
    const struct derm_param_desc *d = derm_params_find(key);
    if (!d) {
        char list[CONFIG_LIST_MAX + 16];
        if (derm_params_is_section(key)) {
            config_list_level(key, list, sizeof list);
            return derm_err_set(err, DERM_ECONFIG,
                                "--set: '%s' is a section; expected section.key=value with a key from: %s", kshown,
                                list);
        }
        const char *s = derm_params_suggest(key);
        if (s) return derm_err_set(err, DERM_ECONFIG, "--set: unknown key '%s'; did you mean '%s'?", kshown, s);
        config_list_level("", list, sizeof list);
        return derm_err_set(err, DERM_ECONFIG,
                            "--set: unknown key '%s'; expected section.key=value with a section from: %s", kshown,
                            list);
    }
    DERM_TRY(derm_params_set_text(p, d, eq + 1, "--set", err));
    if (origins) snprintf(origins[d - derm_params_table()].where, DERM_WHERE_MAX, "%s", where);
    return DERM_OK;
}

derm_status derm_config_apply_set(struct derm_params *p, struct derm_schedule *sched, struct derm_param_origin *origins,
                                  const char *assignment, struct derm_err *err)
{
    char shown[96], where[128];
    if (!assignment) assignment = "";
    config_shown(assignment, strlen(assignment), shown, sizeof shown);
    snprintf(where, sizeof where, "--set '%s'", shown);
    derm_status st = config_set_one(p, sched, origins, assignment, where, err);
    /* every message names the argument it is about: "--set 'domain.nx=abc': ..." */
    if (st != DERM_OK && err && !strncmp(err->msg, "--set", 5)) {
        char msg[DERM_ERR_MSG_MAX];
        const char *rest = err->msg + 5;
        if (*rest == ':') rest++;
        snprintf(msg, sizeof msg, "%s:%s%s", where, *rest == ' ' ? "" : " ", rest);
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    return st;
}

derm_status derm_config_validate_model(const struct derm_params *p, const struct derm_schedule *sched,
                                       const struct derm_param_origin *origins, struct derm_err *err)
{
    DERM_TRY(derm_params_validate(p, origins, err));
    /* the model begins at the young-adult age when the run starts later (the history is simulated) */
    const double begin = p->run_age_start_years < p->subject_young_adult_age_years ? p->run_age_start_years
                                                                                   : p->subject_young_adult_age_years;
    return derm_schedule_validate(sched, begin, p->run_age_end_years, err);
}

derm_status derm_config_validate(const struct derm_params *p, const struct derm_schedule *sched,
                                 const struct derm_param_origin *origins, struct derm_err *err)
{
    DERM_TRY(derm_config_validate_model(p, sched, origins, err));
    /* the memory the run needs, with the UV records and the exosomes' arrays only if its
     * schedule makes them */
    return derm_params_check_memory(p, origins, derm_config_memory_needs(sched), err);
}

unsigned derm_config_memory_needs(const struct derm_schedule *sched)
{
    unsigned needs = derm_schedule_has_uv(sched) ? DERM_MEM_UV : 0u;
    for (int i = 0; i < sched->n; i++) {
        const int in = sched->e[i].input;
        if ((in == DERM_IN_EXOSOME || in == DERM_IN_CONDITIONED_MEDIUM) && sched->e[i].dose > 0.0)
            needs |= DERM_MEM_EXOSOMES;
    }
    return needs;
}

void derm_config_write_yaml(const struct derm_params *p, const struct derm_schedule *sched, FILE *fp)
{
    derm_params_write_yaml(p, fp);
    derm_schedule_write_yaml(sched, fp);
}

char *derm_config_yaml_text(const struct derm_params *p, const struct derm_schedule *sched)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) return NULL;
    derm_config_write_yaml(p, sched, fp);
    if (fclose(fp) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

void derm_config_print_keys(FILE *fp)
{
    derm_params_print_table(fp);
    derm_schedule_print_keys(fp);
}
