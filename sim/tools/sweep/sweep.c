/* sweep.c - the sweep file and its expansion into a manifest of runs (`sweep plan`).
 *
 * Owns: reading a sweep file with libyaml (line and column of every node), checking it
 * (unknown keys with did-you-mean, types, counts, design-specific keys), validating
 * every swept key and value by applying it exactly as `--set key=value` would on top of
 * the base config (derm_config_apply_set / derm_params_set_text, so unknown parameters
 * get the config's did-you-mean and values outside a parameter's range its message, here
 * located in the sweep file), the designs (grid, Latin hypercube, Morris trajectories),
 * the run seeds, the core-hours estimate, and writing the plan directory.
 * Does not: run anything (sweep_run.c) or read results (sweep_collect.c).
 *
 * Randomness: every draw is derm_rng_uniform keyed by the sweep seed and a purpose
 * private to this file, so re-planning the same file gives a byte-identical runs.csv.
 * Latin hypercube: McKay, Beckman & Conover 1979 (one sample per stratum and dimension,
 * uniform jitter inside the stratum). Morris: Morris 1991, levels x in {0, 1/(p-1), .., 1},
 * step delta = p / (2 (p - 1)), one factor moved per step in a random order; a coordinate
 * in the lower half of the levels moves up by delta, one in the upper half moves down
 * (Campolongo et al. 2007's random orientation).
 */
#define _POSIX_C_SOURCE 200809L
#include "derm/tools/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include <Random123/philox.h>

#include "derm/core/rng.h"
#include "derm/inputs/schedule.h"
#include "derm/io/config.h"
#include "derm/sim/totals.h"

#define SWEEP_MAX_RUNS 10000000   /* a manifest larger than this is surely a typo */
#define SWEEP_MAX_CELLS 100000000 /* swept values in a manifest (points x factors): ~3 GB of text */

/* Purposes of this file's draws (disjoint from the model's enum derm_rng_purpose). */
enum { SWEEP_RNG_SEED = 0x5357, SWEEP_RNG_LHS_PERM, SWEEP_RNG_LHS_JITTER, SWEEP_RNG_MORRIS };

static const char *const SWEEP_KEYS[] = {"base",       "set",     "design",       "replicates", "seed",
                                         "parameters", "samples", "trajectories", "levels",     "endpoints"};
/* Indices into SWEEP_KEYS. */
enum sweep_key { K_BASE, K_SET, K_DESIGN, K_REPL, K_SEED, K_PARAMS, K_SAMPLES, K_TRAJ, K_LEVELS, K_ENDP, NKEYS };
static const char *const SWEEP_DESIGNS[] = {"grid", "lhs", "morris"};

/* A configuration as a run loads it: parameters and schedule. */
struct sweep_cfg {
    struct derm_params p;
    struct derm_schedule sched;
};

struct sweep_parser {
    const char *name;
    yaml_document_t *doc;
    struct derm_sweep *s;
    struct derm_err *err;
    struct sweep_cfg *base;         /* base config + set, being built */
    struct derm_param_origin *orig; /* where each value of base came from */
};

/* ---- small utilities ------------------------------------------------------------------ */

/* The most bytes of a text the sweep reads (a sweep file, base.yaml, runs.csv: 100000 rows of
 * a few parameters stay far below it). */
#define SWEEP_TEXT_MAX_BYTES (64u << 20)

derm_status derm_sweep_read_text(const char *path, char **out, struct derm_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return derm_err_set(err, DERM_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return derm_err_set(err, DERM_ENOMEM, "%s: out of memory", path);
        }
        if (len + 1 >= cap) {
            char *g = realloc(buf, cap * 2);
            if (!g) free(buf);
            buf = g;
            cap *= 2;
            continue;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0) break;
        /* past any plan's or sweep file's size (a config is at most 1 MiB; a plan's runs.csv
         * grows with its rows): stop reading a stream without end (/dev/zero) */
        if (len > SWEEP_TEXT_MAX_BYTES) {
            fclose(f);
            free(buf);
            return derm_err_set(err, DERM_ECONFIG, "%s: more than %u MiB; expected a sweep's text file", path,
                                SWEEP_TEXT_MAX_BYTES >> 20);
        }
    }
    int bad = ferror(f);
    int e = errno;
    fclose(f);
    if (bad) {
        free(buf);
        return derm_err_set(err, DERM_EIO, "%s: cannot read: %s", path, strerror(e));
    }
    buf[len] = '\0';
    *out = buf;
    return DERM_OK;
}

derm_status derm_sweep_write_atomic(const char *path, const char *text, size_t len, struct derm_err *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) return derm_err_set(err, DERM_EIO, "cannot write %s: %s", tmp, strerror(errno));
    int ok = fwrite(text, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return derm_err_set(err, DERM_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return DERM_OK;
}

derm_status derm_sweep_mkdir(const char *path, struct derm_err *err)
{
    char tmp[4096];
    if (strlen(path) >= sizeof tmp) return derm_err_set(err, DERM_EIO, "path is too long: %s", path);
    strcpy(tmp, path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return derm_err_set(err, DERM_EIO, "cannot create directory '%s': %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        return derm_err_set(err, DERM_EIO, "cannot create directory '%s': %s", tmp, strerror(errno));
    struct stat sb;
    if (stat(tmp, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return derm_err_set(err, DERM_EIO, "'%s' exists and is not a directory", tmp);
    return DERM_OK;
}

static char *sweep_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- YAML helpers --------------------------------------------------------------------- */

#define LINE(n) ((unsigned long)(n)->start_mark.line + 1)
#define COL(n) ((unsigned long)(n)->start_mark.column + 1)

static const char *kind_of(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? "a scalar" : n->type == YAML_SEQUENCE_NODE ? "a sequence" : "a mapping";
}

static const char *scalar(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *v = scalar(n);
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static derm_status want_scalar(struct sweep_parser *P, const yaml_node_t *key, const yaml_node_t *val, const char *what,
                               const char *expect)
{
    if (val->type == YAML_SCALAR_NODE && !is_null(val)) return DERM_OK;
    return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: key '%s': found %s; expected %s", P->name, LINE(key),
                        COL(key), what, is_null(val) ? "no value" : kind_of(val), expect);
}

static derm_status parse_int(struct sweep_parser *P, const yaml_node_t *key, const yaml_node_t *val, const char *what,
                             int64_t lo, int64_t hi, const char *extra, int64_t *out)
{
    char expect[160];
    snprintf(expect, sizeof expect, "an integer in [%lld, %lld]%s", (long long)lo, (long long)hi, extra);
    DERM_TRY(want_scalar(P, key, val, what, expect));
    const char *t = scalar(val);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (end == t || *end || errno || v < lo || v > hi)
        return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: key '%s': '%s' is not valid; expected %s", P->name,
                            LINE(val), COL(val), what, t, expect);
    *out = v;
    return DERM_OK;
}

static derm_status parse_real(struct sweep_parser *P, const yaml_node_t *key, const yaml_node_t *val, const char *what,
                              double *out)
{
    DERM_TRY(want_scalar(P, key, val, what, "a finite number"));
    const char *t = scalar(val);
    char *end = NULL;
    errno = 0;
    double v = strtod(t, &end);
    if (end == t || *end || errno == ERANGE || !isfinite(v))
        return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: key '%s': '%s' is not valid; expected a finite number",
                            P->name, LINE(val), COL(val), what, t);
    *out = v;
    return DERM_OK;
}

/* Iterate a mapping's pairs, rejecting non-scalar and duplicate keys. */
static derm_status check_keys(struct sweep_parser *P, const yaml_node_t *map, const char *where)
{
    yaml_node_pair_t *a = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *p = a; p < top; p++) {
        yaml_node_t *k = yaml_document_get_node(P->doc, p->key);
        if (k->type != YAML_SCALAR_NODE || !*scalar(k))
            return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: a key in '%s' is %s; expected a plain key name",
                                P->name, LINE(k), COL(k), where, k->type == YAML_SCALAR_NODE ? "empty" : kind_of(k));
        for (yaml_node_pair_t *q = a; q < p; q++) {
            yaml_node_t *qk = yaml_document_get_node(P->doc, q->key);
            if (qk->type == YAML_SCALAR_NODE && !strcmp(scalar(qk), scalar(k)))
                return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: duplicate key '%s'; first at %lu:%lu", P->name,
                                    LINE(k), COL(k), scalar(k), LINE(qk), COL(qk));
        }
    }
    return DERM_OK;
}

static derm_status unknown_key(struct sweep_parser *P, const yaml_node_t *k, const char *section,
                               const char *const *list, size_t n)
{
    const char *s = derm_desc_suggest_word(scalar(k), list, n);
    if (s)
        return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: unknown key '%s%s%s'; did you mean '%s'?", P->name,
                            LINE(k), COL(k), section, *section ? "." : "", scalar(k), s);
    char all[400] = "";
    for (size_t i = 0; i < n; i++) {
        strncat(all, i ? ", " : "", sizeof all - strlen(all) - 1);
        strncat(all, list[i], sizeof all - strlen(all) - 1);
    }
    return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: unknown key '%s%s%s'; valid keys are: %s", P->name, LINE(k),
                        COL(k), section, *section ? "." : "", scalar(k), all);
}

/* ---- applying values as --set would ----------------------------------------------------- */

/* Apply key=text to p exactly as `--set key=text`, but located at line:col of the sweep
 * file. Plain parameters go through derm_params_set_text (its message with our location);
 * keys only derm_config_apply_set knows (e.g. named schedule entries) through it, with its
 * "--set 'KEY=VALUE':" prefix replaced by our location. */
static derm_status apply_located2(struct sweep_parser *P, struct sweep_cfg *cfg, struct derm_param_origin *orig,
                                  const char *key, const char *text, unsigned long line, unsigned long col,
                                  unsigned long kline, unsigned long kcol);

static derm_status apply_located(struct sweep_parser *P, struct sweep_cfg *cfg, struct derm_param_origin *orig,
                                 const char *key, const char *text, unsigned long line, unsigned long col)
{
    return apply_located2(P, cfg, orig, key, text, line, col, line, col);
}

/* As apply_located, with problems of the key itself (unknown, a section) cited at
 * kline:kcol and problems of the value at line:col. */
static derm_status apply_located2(struct sweep_parser *P, struct sweep_cfg *cfg, struct derm_param_origin *orig,
                                  const char *key, const char *text, unsigned long line, unsigned long col,
                                  unsigned long kline, unsigned long kcol)
{
    char where[DERM_WHERE_MAX];
    snprintf(where, sizeof where, "%s:%lu:%lu", P->name, line, col);
    const struct derm_param_desc *d = derm_params_find(key);
    if (d) {
        DERM_TRY(derm_params_set_text(&cfg->p, d, text, where, P->err));
        if (orig) snprintf(orig[d - derm_params_table()].where, DERM_WHERE_MAX, "%s", where);
        return DERM_OK;
    }
    char assign[DERM_SWEEP_KEY_MAX + 512];
    snprintf(assign, sizeof assign, "%s=%s", key, text);
    struct derm_err e = {0};
    derm_status st = derm_config_apply_set(&cfg->p, &cfg->sched, orig, assign, &e);
    if (st == DERM_OK) return DERM_OK;
    /* "--set 'KEY=VALUE': message" -> "message" */
    const char *msg = e.msg, *c = strncmp(msg, "--set '", 7) ? NULL : strstr(msg + 7, "': ");
    if (c)
        msg = c + 3;
    else if (!strncmp(msg, "--set: ", 7))
        msg += 7;
    if (!strncmp(msg, "unknown key", 11) || strstr(msg, "is a section"))
        snprintf(where, sizeof where, "%s:%lu:%lu", P->name, kline, kcol);
    return derm_err_set(P->err, st, "%s: %s", where, msg);
}

/* ---- sections ----------------------------------------------------------------------------- */

static int value_text_ok(const char *t) { return !strpbrk(t, ",\"\n\r"); }

/* `set:` (nested mappings or dotted keys), applied to the base at once, located at each key. */
static derm_status add_set(struct sweep_parser *P, const yaml_node_t *map, const char *prefix)
{
    char where[DERM_SWEEP_KEY_MAX + 8];
    snprintf(where, sizeof where, "set%s%s", *prefix ? "." : "", prefix);
    DERM_TRY(check_keys(P, map, where));
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(P->doc, pr->key), *v = yaml_document_get_node(P->doc, pr->value);
        char path[DERM_SWEEP_KEY_MAX];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", scalar(k));
        if (v->type == YAML_MAPPING_NODE) {
            DERM_TRY(add_set(P, v, path));
            continue;
        }
        char what[DERM_SWEEP_KEY_MAX + 8];
        snprintf(what, sizeof what, "set.%s", path);
        DERM_TRY(want_scalar(P, k, v, what, "a scalar value"));
        if (!strcmp(path, "run.seed") || !strcmp(path, "run.threads"))
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key 'set.%s': set by 'sweep run' for every run; expected %s", P->name,
                                LINE(k), COL(k), path,
                                !strcmp(path, "run.seed") ? "the sweep's 'seed:' key" : "'sweep run -j N'");
        if (!value_text_ok(scalar(v)))
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s': value '%s' contains a comma, quote or "
                                "line break; expected a plain value",
                                P->name, LINE(v), COL(v), what, scalar(v));
        struct derm_sweep *s = P->s;
        /* the same key in two spellings (domain.nx and domain: {nx}), which check_keys cannot see */
        const size_t plen = strlen(path);
        for (int i = 0; i < s->nsets; i++)
            if (!strncmp(s->sets[i], path, plen) && s->sets[i][plen] == '=')
                return derm_err_set(P->err, DERM_ECONFIG,
                                    "%s:%lu:%lu: key 'set.%s' is set twice (first to %s); expected each key once",
                                    P->name, LINE(k), COL(k), path, s->sets[i] + plen + 1);
        DERM_TRY(apply_located(P, P->base, P->orig, path, scalar(v), LINE(k), COL(k)));
        char **g = realloc(s->sets, (size_t)(s->nsets + 1) * sizeof *g);
        if (!g) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
        s->sets = g;
        size_t n = strlen(path) + strlen(scalar(v)) + 2;
        if (!(s->sets[s->nsets] = malloc(n))) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
        snprintf(s->sets[s->nsets++], n, "%s=%s", path, scalar(v));
    }
    return DERM_OK;
}

/* The nodes of one `parameters:` entry: a bare list, or a mapping of these keys. */
struct factor_nodes {
    const yaml_node_t *values, *lo, *hi, *scale;
};

static derm_status factor_nodes(struct sweep_parser *P, const struct derm_sweep_factor *f, const yaml_node_t *v,
                                const char *what, struct factor_nodes *fn)
{
    if (v->type == YAML_SEQUENCE_NODE) {
        fn->values = v;
        return DERM_OK;
    }
    if (v->type != YAML_MAPPING_NODE)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': found %s; expected {values: [...]} or {min: A, max: B, scale: "
                            "linear|log}",
                            P->name, f->line, f->col, what, kind_of(v));
    DERM_TRY(check_keys(P, v, what));
    static const char *const fk[] = {"values", "min", "max", "scale"};
    for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
        yaml_node_t *kk = yaml_document_get_node(P->doc, pr->key), *vv = yaml_document_get_node(P->doc, pr->value);
        const char *n = scalar(kk);
        if (!strcmp(n, "values"))
            fn->values = vv;
        else if (!strcmp(n, "min"))
            fn->lo = vv;
        else if (!strcmp(n, "max"))
            fn->hi = vv;
        else if (!strcmp(n, "scale"))
            fn->scale = vv;
        else
            return unknown_key(P, kk, what, fk, 4);
    }
    return DERM_OK;
}

/* The design decides the form: a grid takes value lists, the sampled designs ranges. */
static derm_status check_factor_form(struct sweep_parser *P, const struct derm_sweep_factor *f, const char *what,
                                     const struct factor_nodes *fn)
{
    int grid = P->s->design == DERM_SWEEP_GRID;
    if (grid && !fn->values)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': design 'grid' needs a value list; expected "
                            "{values: [...]}",
                            P->name, f->line, f->col, what);
    if (!grid && (!fn->lo || !fn->hi || fn->values))
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': design '%s' needs a range; expected {min: A, "
                            "max: B, scale: linear|log}",
                            P->name, f->line, f->col, what, SWEEP_DESIGNS[P->s->design]);
    if (fn->values && (fn->lo || fn->hi || fn->scale))
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': both a value list and min/max/scale; "
                            "expected one of them",
                            P->name, f->line, f->col, what);
    return DERM_OK;
}

/* The value of key in c as the resolved configuration writes it ("16" for 16, 16.0 and 0x10),
 * or "" for a key neither table knows. */
static void canonical_value(const struct sweep_cfg *c, const char *key, char *buf, size_t n)
{
    buf[0] = '\0';
    const struct derm_param_desc *d = derm_params_find(key);
    if (d) {
        derm_params_format(&c->p, d, buf, n);
        return;
    }
    derm_schedule_format_key(&c->sched, key, buf, n);
}

enum { CANON_MAX = 64 };

/* Value j (node e) of a factor's list: checked as --set would take it, and against the
 * values before it, as written and as resolved (16, 16.0 and 0x10 are one value); canon
 * holds each value as resolved. */
static derm_status parse_list_value(struct sweep_parser *P, struct derm_sweep_factor *f, const char *what,
                                    const yaml_node_t *e, char (*canon)[CANON_MAX], int j)
{
    DERM_TRY(want_scalar(P, e, e, what, "a list of scalar values"));
    if (!value_text_ok(scalar(e)))
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': value '%s' contains a comma, quote "
                            "or line break; expected a plain value",
                            P->name, LINE(e), COL(e), what, scalar(e));
    for (int i = 0; i < f->nvalues; i++)
        if (!strcmp(f->values[i], scalar(e)))
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s': value '%s' is listed twice; "
                                "expected distinct values (use replicates for repeats)",
                                P->name, LINE(e), COL(e), what, scalar(e));
    struct sweep_cfg *tp = malloc(sizeof *tp); /* the value alone, as --set would take it */
    if (!tp) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
    *tp = *P->base;
    const derm_status st = apply_located2(P, tp, NULL, f->key, scalar(e), LINE(e), COL(e), f->line, f->col);
    if (st == DERM_OK) canonical_value(tp, f->key, canon[j], CANON_MAX);
    free(tp);
    DERM_TRY(st);
    for (int i = 0; i < j && canon[j][0]; i++)
        if (!strcmp(canon[i], canon[j]))
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s': value '%s' is the value '%s' listed before it (%s); "
                                "expected distinct values (use replicates for repeats)",
                                P->name, LINE(e), COL(e), what, scalar(e), f->values[i], canon[j]);
    if (!(f->values[f->nvalues++] = sweep_strdup(scalar(e)))) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
    return DERM_OK;
}

static derm_status parse_value_list(struct sweep_parser *P, struct derm_sweep_factor *f, const char *what,
                                    const yaml_node_t *values)
{
    if (values->type != YAML_SEQUENCE_NODE)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s.values': found %s; expected a list such as "
                            "[1, 2, 3]",
                            P->name, LINE(values), COL(values), what, kind_of(values));
    yaml_node_item_t *a = values->data.sequence.items.start, *b = values->data.sequence.items.top;
    if (a == b)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': empty value list; expected at least one "
                            "value",
                            P->name, LINE(values), COL(values), what);
    f->values = calloc((size_t)(b - a), sizeof *f->values);
    char(*canon)[CANON_MAX] = calloc((size_t)(b - a), CANON_MAX);
    derm_status st = f->values && canon ? DERM_OK : derm_err_set(P->err, DERM_ENOMEM, "out of memory");
    for (yaml_node_item_t *it = a; it < b && st == DERM_OK; it++)
        st = parse_list_value(P, f, what, yaml_document_get_node(P->doc, *it), canon, (int)(it - a));
    free(canon);
    return st;
}

static derm_status parse_range(struct sweep_parser *P, struct derm_sweep_factor *f, const char *what,
                               const struct factor_nodes *fn)
{
    const yaml_node_t *lo = fn->lo, *hi = fn->hi, *scale = fn->scale;
    f->is_range = 1;
    char wmin[DERM_SWEEP_KEY_MAX + 24], wmax[DERM_SWEEP_KEY_MAX + 24];
    snprintf(wmin, sizeof wmin, "%s.min", what);
    snprintf(wmax, sizeof wmax, "%s.max", what);
    DERM_TRY(parse_real(P, lo, lo, wmin, &f->lo));
    DERM_TRY(parse_real(P, hi, hi, wmax, &f->hi));
    if (scale) {
        DERM_TRY(want_scalar(P, scale, scale, what, "scale: linear or log"));
        if (!strcmp(scalar(scale), "log"))
            f->log_scale = 1;
        else if (strcmp(scalar(scale), "linear") != 0)
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s.scale': '%s' is not valid; expected linear "
                                "or log",
                                P->name, LINE(scale), COL(scale), what, scalar(scale));
    }
    if (!(f->lo < f->hi))
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': min %g is not below max %g; expected min < "
                            "max",
                            P->name, LINE(hi), COL(hi), what, f->lo, f->hi);
    if (f->log_scale && !(f->lo > 0))
        return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: key '%s': min %g with scale log; expected min > 0",
                            P->name, LINE(lo), COL(lo), what, f->lo);
    const struct derm_param_desc *d = derm_params_find(f->key);
    if (!d && !strncmp(f->key, "schedule.", 9)) { /* schedule.NAME.key: the entry key's own kind */
        const char *dot = strchr(f->key + 9, '.');
        if (dot) d = derm_schedule_key_find(dot + 1);
    }
    if (!d) return DERM_OK;
    if (d->type == DERM_PT_BOOL || d->type == DERM_PT_ENUM)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s' is a choice, not a number; expected it "
                            "in a grid with {values: [...]}",
                            P->name, f->line, f->col, what);
    f->integer = d->type == DERM_PT_INT;
    const yaml_node_t *bad = f->lo < d->lo ? lo : f->hi > d->hi ? hi : NULL;
    if (bad)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': range [%g, %g] is outside the allowed "
                            "range of %s; expected min and max in [%g, %g]",
                            P->name, LINE(bad), COL(bad), what, f->lo, f->hi, f->key, d->lo, d->hi);
    return DERM_OK;
}

static derm_status parse_factor(struct sweep_parser *P, const yaml_node_t *k, const yaml_node_t *v,
                                struct derm_sweep_factor *f)
{
    snprintf(f->key, sizeof f->key, "%s", scalar(k));
    f->line = LINE(k);
    f->col = COL(k);
    char what[DERM_SWEEP_KEY_MAX + 16];
    snprintf(what, sizeof what, "parameters.%s", f->key);
    if (!strcmp(f->key, "run.seed") || !strcmp(f->key, "run.threads"))
        return derm_err_set(
            P->err, DERM_ECONFIG, "%s:%lu:%lu: key '%s' cannot be swept; expected %s", P->name, f->line, f->col, what,
            !strcmp(f->key, "run.seed") ? "replicates (seeds are derived per run)" : "a model parameter");
    struct factor_nodes fn = {0};
    DERM_TRY(factor_nodes(P, f, v, what, &fn));
    DERM_TRY(check_factor_form(P, f, what, &fn));
    if (fn.values) return parse_value_list(P, f, what, fn.values);
    return parse_range(P, f, what, &fn);
}

/* The nodes of one `endpoints:` item, each checked to be a scalar. */
struct endpoint_nodes {
    const yaml_node_t *name, *var, *at_age, *at, *ttf, *rel;
};

static derm_status endpoint_nodes(struct sweep_parser *P, const yaml_node_t *item, const char *what,
                                  struct endpoint_nodes *en)
{
    if (item->type != YAML_MAPPING_NODE)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': found %s; expected {name: N, variable: V, "
                            "at_age: A | at: end | time_to_fraction: F, relative_to_age: R}",
                            P->name, LINE(item), COL(item), what, kind_of(item));
    DERM_TRY(check_keys(P, item, what));
    static const char *const ek[] = {"name", "variable", "at_age", "at", "time_to_fraction", "relative_to_age"};
    for (yaml_node_pair_t *pr = item->data.mapping.pairs.start; pr < item->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(P->doc, pr->key), *v = yaml_document_get_node(P->doc, pr->value);
        const char *n = scalar(k);
        char w[128];
        snprintf(w, sizeof w, "%s.%s", what, n);
        if (!strcmp(n, "name"))
            en->name = v;
        else if (!strcmp(n, "variable"))
            en->var = v;
        else if (!strcmp(n, "at_age"))
            en->at_age = v;
        else if (!strcmp(n, "at"))
            en->at = v;
        else if (!strcmp(n, "time_to_fraction"))
            en->ttf = v;
        else if (!strcmp(n, "relative_to_age"))
            en->rel = v;
        else
            return unknown_key(P, k, what, ek, 6);
        DERM_TRY(want_scalar(P, k, v, w, "a scalar value"));
    }
    if (!en->name || !en->var)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': missing '%s'; expected {name: N, variable: "
                            "V, ...}",
                            P->name, LINE(item), COL(item), what, !en->name ? "name" : "variable");
    return DERM_OK;
}

/* The name becomes a column of the results table. */
static derm_status endpoint_name(struct sweep_parser *P, const yaml_node_t *name, const char *what,
                                 struct derm_sweep_endpoint *e)
{
    const char *nm = scalar(name);
    size_t nl = strlen(nm);
    int ok = nl > 0 && nl < DERM_SWEEP_NAME_MAX && !(nm[0] >= '0' && nm[0] <= '9');
    for (size_t i = 0; ok && i < nl; i++)
        ok = (nm[i] >= 'a' && nm[i] <= 'z') || (nm[i] >= 'A' && nm[i] <= 'Z') || (nm[i] >= '0' && nm[i] <= '9') ||
             nm[i] == '_';
    if (!ok)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s.name': '%s' is not valid; expected letters, "
                            "digits and '_' (a column name), at most %d characters",
                            P->name, LINE(name), COL(name), what, nm, DERM_SWEEP_NAME_MAX - 1);
    snprintf(e->name, sizeof e->name, "%s", nm);
    return DERM_OK;
}

/* The variable must be a series of run.h5. */
static derm_status endpoint_variable(struct sweep_parser *P, const yaml_node_t *var, const char *what,
                                     struct derm_sweep_endpoint *e)
{
    const char *vn = scalar(var);
    const char *names[DERM_NTOTALS + 1];
    int known = 0;
    for (int t = 0; t < DERM_NTOTALS; t++) {
        names[t] = derm_total_desc(t)->name;
        known |= !strcmp(vn, names[t]);
    }
    names[DERM_NTOTALS] = "step";
    if (!known) {
        const char *s = derm_desc_suggest_word(vn, names, DERM_NTOTALS);
        if (s)
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s.variable': unknown series '%s'; did you "
                                "mean '%s'?",
                                P->name, LINE(var), COL(var), what, vn, s);
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s.variable': unknown series '%s'; expected a "
                            "series of run.h5 such as collagen_total, senescent_fraction (see README, Output)",
                            P->name, LINE(var), COL(var), what, vn);
    }
    snprintf(e->variable, sizeof e->variable, "%s", vn);
    return DERM_OK;
}

/* When the endpoint is read: exactly one of at_age, at: end, time_to_fraction; and the
 * optional reference age. */
static derm_status endpoint_time(struct sweep_parser *P, const yaml_node_t *item, const char *what,
                                 const struct endpoint_nodes *en, struct derm_sweep_endpoint *e)
{
    int nmodes = !!en->at_age + !!en->at + !!en->ttf;
    if (nmodes != 1)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key '%s': %s; expected exactly one of at_age, at: end, "
                            "time_to_fraction",
                            P->name, LINE(item), COL(item), what,
                            nmodes ? "more than one of at_age, at, time_to_fraction" : "no time given");
    char w[96];
    if (en->at_age) {
        e->kind = DERM_SWEEP_AT_AGE;
        snprintf(w, sizeof w, "%s.at_age", what);
        DERM_TRY(parse_real(P, en->at_age, en->at_age, w, &e->age_years));
    } else if (en->at) {
        if (strcmp(scalar(en->at), "end") != 0)
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s.at': '%s' is not valid; expected end (or "
                                "use at_age: A)",
                                P->name, LINE(en->at), COL(en->at), what, scalar(en->at));
        e->kind = DERM_SWEEP_AT_END;
    } else {
        e->kind = DERM_SWEEP_TIME_TO;
        snprintf(w, sizeof w, "%s.time_to_fraction", what);
        DERM_TRY(parse_real(P, en->ttf, en->ttf, w, &e->fraction));
        if (!(e->fraction > 0) || e->fraction == 1.0)
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s': %g is not valid; expected a positive "
                                "fraction other than 1 (0.8 = 20 %% loss, 1.5 = 50 %% gain)",
                                P->name, LINE(en->ttf), COL(en->ttf), w, e->fraction);
    }
    if (en->rel) {
        e->has_ref = 1;
        snprintf(w, sizeof w, "%s.relative_to_age", what);
        DERM_TRY(parse_real(P, en->rel, en->rel, w, &e->ref_age_years));
    }
    return DERM_OK;
}

static derm_status parse_endpoint(struct sweep_parser *P, const yaml_node_t *item, int index,
                                  struct derm_sweep_endpoint *e)
{
    char what[64];
    snprintf(what, sizeof what, "endpoints[%d]", index);
    struct endpoint_nodes en = {0};
    DERM_TRY(endpoint_nodes(P, item, what, &en));
    DERM_TRY(endpoint_name(P, en.name, what, e));
    DERM_TRY(endpoint_variable(P, en.var, what, e));
    DERM_TRY(endpoint_time(P, item, what, &en, e));
    for (int i = 0; i < index; i++)
        if (!strcmp(P->s->endpoints[i].name, e->name))
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s.name': '%s' is used twice; expected "
                                "distinct endpoint names",
                                P->name, LINE(en.name), COL(en.name), what, e->name);
    return DERM_OK;
}

/* ---- expansion -------------------------------------------------------------------------- */

static double unit_to_value(const struct derm_sweep_factor *f, double u)
{
    if (u <= 0.0) return f->integer ? ceil(f->lo) : f->lo; /* the range's ends exactly */
    if (u >= 1.0) return f->integer ? floor(f->hi) : f->hi;
    double v = f->log_scale ? exp(log(f->lo) + u * (log(f->hi) - log(f->lo))) : f->lo + u * (f->hi - f->lo);
    if (v < f->lo) v = f->lo;
    if (v > f->hi) v = f->hi;
    if (f->integer) v = nearbyint(v);
    return v;
}

static void format_value(const struct derm_sweep_factor *f, double v, char *buf, size_t n)
{
    if (f->integer)
        snprintf(buf, n, "%lld", (long long)v);
    else
        snprintf(buf, n, "%.17g", v);
}

/* Fisher-Yates permutation of 0..n-1 driven by Philox keyed (seed, purpose, id). */
static void permute(int64_t *perm, int64_t n, uint64_t seed, uint32_t purpose, uint64_t id)
{
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(derm_rng_uniform(seed, id, (uint64_t)i, purpose, 0) * (double)(i + 1));
        if (j > i) j = i;
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

uint64_t derm_sweep_seed(uint64_t sweep_seed, uint64_t point, uint64_t replicate, uint64_t attempt)
{
    philox4x64_key_t key = {{sweep_seed, (uint64_t)SWEEP_RNG_SEED}};
    philox4x64_ctr_t ctr = {{point, replicate, attempt, 0x7377656570ULL}};
    philox4x64_ctr_t r = philox4x64(ctr, key);
    return r.v[0] >> 2;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Points of the design, or SWEEP_MAX_RUNS + 1 when a grid would overflow (the cap a bounded
 * load sets is smaller). */
static int64_t design_points(const struct derm_sweep *s)
{
    const int k = s->nfactors;
    if (s->design == DERM_SWEEP_LHS) return s->samples;
    if (s->design != DERM_SWEEP_GRID) return s->trajectories * (k + 1);
    int64_t np = 1;
    for (int j = 0; j < k; j++) {
        if (np > SWEEP_MAX_RUNS / s->factors[j].nvalues) return SWEEP_MAX_RUNS + 1;
        np *= s->factors[j].nvalues;
    }
    return np;
}

static void grid_points(struct derm_sweep *s)
{
    const int k = s->nfactors;
    for (int64_t pt = 0; pt < s->npoints; pt++) {
        int64_t rest = pt;
        for (int j = k - 1; j >= 0; j--) { /* last factor varies fastest */
            const struct derm_sweep_factor *f = &s->factors[j];
            s->units[pt * k + j] = NAN;
            s->cells[pt * k + j] = sweep_strdup(f->values[rest % f->nvalues]);
            rest /= f->nvalues;
        }
    }
}

static void lhs_points(struct derm_sweep *s, int64_t *perm)
{
    const int k = s->nfactors;
    const int64_t np = s->npoints;
    for (int j = 0; j < k; j++) {
        permute(perm, np, s->seed, SWEEP_RNG_LHS_PERM, (uint64_t)j);
        for (int64_t i = 0; i < np; i++) {
            double jit = derm_rng_uniform(s->seed, (uint64_t)i, (uint64_t)j, SWEEP_RNG_LHS_JITTER, 0);
            s->units[i * k + j] = ((double)perm[i] + jit) / (double)np;
        }
    }
}

static void morris_points(struct derm_sweep *s, int64_t *perm)
{
    const int k = s->nfactors;
    const int64_t p = s->levels;
    const double delta = (double)p / (2.0 * (double)(p - 1));
    for (int64_t t = 0; t < s->trajectories; t++) {
        int64_t row0 = t * (k + 1);
        for (int j = 0; j < k; j++) { /* base point: a random level per factor */
            int64_t lev =
                (int64_t)(derm_rng_uniform(s->seed, (uint64_t)t, (uint64_t)j, SWEEP_RNG_MORRIS, 0) * (double)p);
            if (lev >= p) lev = p - 1;
            s->units[row0 * k + j] = (double)lev / (double)(p - 1);
        }
        permute(perm, k, s->seed, SWEEP_RNG_MORRIS, (uint64_t)t + 0x100000000ULL);
        for (int m = 0; m < k; m++) {
            int64_t prev = row0 + m, cur = prev + 1;
            memcpy(&s->units[cur * k], &s->units[prev * k], (size_t)k * sizeof *s->units);
            int j = (int)perm[m];
            double x = s->units[prev * k + j];
            s->units[cur * k + j] = x + delta <= 1.0 + 1e-12 ? x + delta : x - delta;
            double *u = &s->units[cur * k + j]; /* snap to the level grid */
            *u = nearbyint(*u * (double)(p - 1)) / (double)(p - 1);
        }
    }
}

/* The sampled designs' unit coordinates as the values the runs are given. */
static derm_status format_points(struct derm_sweep *s, struct derm_err *err)
{
    const int k = s->nfactors;
    for (int64_t i = 0; i < s->npoints; i++)
        for (int j = 0; j < k; j++) {
            char buf[64];
            format_value(&s->factors[j], unit_to_value(&s->factors[j], s->units[i * k + j]), buf, sizeof buf);
            if (!(s->cells[i * k + j] = sweep_strdup(buf))) return derm_err_set(err, DERM_ENOMEM, "out of memory");
        }
    return DERM_OK;
}

/* Seeds are distinct by construction with overwhelming probability; resolve clashes. */
static derm_status assign_seeds(struct derm_sweep *s, struct derm_err *err)
{
    uint64_t *sorted = malloc((size_t)s->nruns * sizeof *sorted);
    if (!sorted) return derm_err_set(err, DERM_ENOMEM, "out of memory");
    for (uint64_t attempt = 0;; attempt++) {
        for (int64_t pt = 0; pt < s->npoints; pt++)
            for (int64_t r = 0; r < s->replicates; r++) {
                int64_t row = pt * s->replicates + r;
                if (attempt == 0 || s->seeds[row] == UINT64_MAX)
                    s->seeds[row] = derm_sweep_seed(s->seed, (uint64_t)pt, (uint64_t)r, attempt);
            }
        memcpy(sorted, s->seeds, (size_t)s->nruns * sizeof *sorted);
        qsort(sorted, (size_t)s->nruns, sizeof *sorted, cmp_u64);
        int clash = 0;
        for (int64_t i = 1; i < s->nruns; i++)
            if (sorted[i] == sorted[i - 1]) {
                clash = 1; /* mark every later row with this seed for a new attempt */
                int first = 1;
                for (int64_t row = 0; row < s->nruns; row++)
                    if (s->seeds[row] == sorted[i]) {
                        if (!first) s->seeds[row] = UINT64_MAX;
                        first = 0;
                    }
            }
        if (!clash) break;
    }
    free(sorted);
    return DERM_OK;
}

static derm_status expand(struct derm_sweep *s, struct derm_err *err)
{
    const int k = s->nfactors;
    int64_t np = design_points(s), cap = s->max_runs > 0 && s->max_runs < SWEEP_MAX_RUNS ? s->max_runs : SWEEP_MAX_RUNS;
    if (np > cap || np * s->replicates > cap)
        return derm_err_set(err, DERM_ECONFIG, "%s: the design has more than %lld runs; expected fewer", s->path,
                            (long long)cap);
    if (np < 1 || k < 1) return derm_err_set(err, DERM_ECONFIG, "%s: the design has no runs", s->path);
    if (np * k > SWEEP_MAX_CELLS)
        return derm_err_set(err, DERM_ECONFIG, "%s: the design has more than %d swept values (points x parameters)",
                            s->path, SWEEP_MAX_CELLS);
    s->npoints = np;
    s->nruns = np * s->replicates;
    s->cells = calloc((size_t)(np * k), sizeof *s->cells);
    s->units = malloc((size_t)(np * k) * sizeof *s->units);
    s->seeds = malloc((size_t)s->nruns * sizeof *s->seeds);
    int64_t *perm = malloc((size_t)(np > k ? np : k) * sizeof *perm);
    if (!s->cells || !s->units || !s->seeds || !perm) {
        free(perm);
        return derm_err_set(err, DERM_ENOMEM, "out of memory expanding %lld points", (long long)np);
    }
    if (s->design == DERM_SWEEP_GRID)
        grid_points(s);
    else if (s->design == DERM_SWEEP_LHS)
        lhs_points(s, perm);
    else
        morris_points(s, perm);
    free(perm);
    if (s->design != DERM_SWEEP_GRID) DERM_TRY(format_points(s, err));
    for (int64_t i = 0; i < np * k; i++)
        if (!s->cells[i]) return derm_err_set(err, DERM_ENOMEM, "out of memory");
    return assign_seeds(s, err);
}

/* Every point, applied on top of base+set exactly as the run will, must validate. Also
 * sums the core-hours estimate. */
static derm_status validate_points(struct sweep_parser *P, const struct sweep_cfg *base,
                                   const struct derm_param_origin *orig0)
{
    struct derm_sweep *s = P->s;
    size_t np = derm_params_count();
    struct derm_param_origin *orig = malloc(np * sizeof *orig);
    if (!orig) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
    derm_status st = DERM_OK;
    s->core_seconds = 0;
    for (int64_t pt = 0; pt < s->npoints && st == DERM_OK; pt++) {
        struct sweep_cfg cfg = *base;
        const struct derm_params *pp = &cfg.p;
        memcpy(orig, orig0, np * sizeof *orig);
        for (int j = 0; j < s->nfactors && st == DERM_OK; j++)
            st = apply_located(P, &cfg, orig, s->factors[j].key, s->cells[pt * s->nfactors + j], s->factors[j].line,
                               s->factors[j].col);
        if (st == DERM_OK) st = derm_config_validate(pp, &cfg.sched, orig, P->err);
        if (st == DERM_OK) {
            double voxels = (double)pp->domain_nx * (double)pp->domain_ny * (double)pp->domain_nz;
            double steps =
                ceil((pp->run_age_end_years - pp->run_age_start_years) * DERM_HOURS_PER_YEAR / pp->run_dt_hours);
            s->core_seconds +=
                (double)s->replicates * (voxels * steps * DERM_SWEEP_CORE_S_PER_VOXEL_STEP + DERM_SWEEP_CORE_S_PER_RUN);
        } else if (s->design != DERM_SWEEP_GRID) {
            /* name the sampled point: the range itself was valid */
            struct derm_err e = *P->err;
            derm_err_set(P->err, st, "%s (at design point %lld of the %s design)", e.msg, (long long)pt,
                         SWEEP_DESIGNS[s->design]);
        }
    }
    free(orig);
    return st;
}

/* ---- the file --------------------------------------------------------------------------- */

/* The top-level nodes, indexed by enum sweep_key (NULL: key absent). */
struct sweep_top {
    const yaml_node_t *node[NKEYS], *knode[NKEYS];
};

static derm_status top_keys(struct sweep_parser *P, const yaml_node_t *root, struct sweep_top *t)
{
    if (root->type != YAML_MAPPING_NODE)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: top level is %s; expected a mapping with base:, "
                            "design:, parameters:",
                            P->name, LINE(root), COL(root), kind_of(root));
    DERM_TRY(check_keys(P, root, ""));
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(P->doc, pr->key), *v = yaml_document_get_node(P->doc, pr->value);
        size_t i = 0;
        while (i < NKEYS && strcmp(scalar(k), SWEEP_KEYS[i]) != 0) i++;
        if (i == NKEYS) return unknown_key(P, k, "", SWEEP_KEYS, NKEYS);
        t->node[i] = v;
        t->knode[i] = k;
    }
    unsigned long eline = LINE(root), ecol = COL(root);
    for (int req = 0; req < 3; req++) {
        int i = req == 0 ? K_BASE : req == 1 ? K_DESIGN : K_PARAMS;
        if (!t->node[i])
            return derm_err_set(P->err, DERM_ECONFIG, "%s:%lu:%lu: missing key '%s'; expected %s", P->name, eline, ecol,
                                SWEEP_KEYS[i],
                                i == K_BASE     ? "base: CONFIG.yaml (relative to the sweep file)"
                                : i == K_DESIGN ? "design: grid, lhs or morris"
                                                : "parameters: a mapping of swept keys");
    }
    return DERM_OK;
}

/* The design first: it decides what the other keys mean. */
static derm_status parse_design(struct sweep_parser *P, const struct sweep_top *t)
{
    struct derm_sweep *s = P->s;
    const yaml_node_t *const *node = t->node, *const *knode = t->knode;
    DERM_TRY(want_scalar(P, knode[K_DESIGN], node[K_DESIGN], "design", "grid, lhs or morris"));
    const char *dn = scalar(node[K_DESIGN]);
    int di = 0;
    while (di < 3 && strcmp(dn, SWEEP_DESIGNS[di]) != 0) di++;
    if (di == 3) {
        const char *sug = derm_desc_suggest_word(dn, SWEEP_DESIGNS, 3);
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key 'design': '%s' is not valid; %s%s%sexpected grid, "
                            "lhs or morris",
                            P->name, LINE(node[K_DESIGN]), COL(node[K_DESIGN]), dn, sug ? "did you mean '" : "",
                            sug ? sug : "", sug ? "'? " : "");
    }
    s->design = (enum derm_sweep_design)di;
    static const int only[3] = {K_SAMPLES, K_TRAJ, K_LEVELS};
    static const int owner[3] = {DERM_SWEEP_LHS, DERM_SWEEP_MORRIS, DERM_SWEEP_MORRIS};
    for (int i = 0; i < 3; i++)
        if (node[only[i]] && (int)s->design != owner[i])
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s' applies only to design '%s'; expected it "
                                "removed for design '%s'",
                                P->name, LINE(knode[only[i]]), COL(knode[only[i]]), SWEEP_KEYS[only[i]],
                                SWEEP_DESIGNS[owner[i]], dn);
    if (s->design == DERM_SWEEP_LHS && !node[K_SAMPLES])
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: design 'lhs' needs 'samples: N'; expected the number "
                            "of samples",
                            P->name, LINE(knode[K_DESIGN]), COL(knode[K_DESIGN]));
    if (s->design == DERM_SWEEP_MORRIS && !node[K_TRAJ])
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: design 'morris' needs 'trajectories: r'; expected the "
                            "number of trajectories",
                            P->name, LINE(knode[K_DESIGN]), COL(knode[K_DESIGN]));
    return DERM_OK;
}

static derm_status parse_counts(struct sweep_parser *P, const struct sweep_top *t)
{
    struct derm_sweep *s = P->s;
    const yaml_node_t *const *node = t->node, *const *knode = t->knode;
    s->replicates = 1;
    s->levels = 4;
    if (node[K_REPL]) DERM_TRY(parse_int(P, knode[K_REPL], node[K_REPL], "replicates", 1, 100000, "", &s->replicates));
    if (node[K_SAMPLES])
        DERM_TRY(parse_int(P, knode[K_SAMPLES], node[K_SAMPLES], "samples", 1, 1000000, "", &s->samples));
    if (node[K_TRAJ])
        DERM_TRY(parse_int(P, knode[K_TRAJ], node[K_TRAJ], "trajectories", 1, 100000, "", &s->trajectories));
    if (node[K_LEVELS]) {
        DERM_TRY(parse_int(P, knode[K_LEVELS], node[K_LEVELS], "levels", 2, 1000, " and even", &s->levels));
        if (s->levels % 2)
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key 'levels': %lld is odd; expected an even "
                                "integer in [2, 1000] (Morris: delta = p / (2 (p - 1)))",
                                P->name, LINE(node[K_LEVELS]), COL(node[K_LEVELS]), (long long)s->levels);
    }
    return DERM_OK;
}

/* The base config's path (relative to the sweep file) into s->base_path. */
static derm_status base_path(struct sweep_parser *P, const struct sweep_top *t, const char *base_override)
{
    DERM_TRY(want_scalar(P, t->knode[K_BASE], t->node[K_BASE], "base", "the path of a config file"));
    const char *bp = scalar(t->node[K_BASE]);
    char path[4300];
    if (base_override)
        snprintf(path, sizeof path, "%s", base_override);
    else if (bp[0] == '/' || !strrchr(P->name, '/'))
        snprintf(path, sizeof path, "%s", bp);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(strrchr(P->name, '/') - P->name), P->name, bp);
    if (!(P->s->base_path = sweep_strdup(path))) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
    return DERM_OK;
}

/* Load the base config into P->base (P->orig: where each value came from). */
static derm_status load_base(struct sweep_parser *P, const struct sweep_top *t)
{
    const char *path = P->s->base_path;
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        int e = errno;
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key 'base': cannot open '%s': %s; expected a config "
                            "file (path relative to the sweep file)",
                            P->name, LINE(t->node[K_BASE]), COL(t->node[K_BASE]), path, strerror(e));
    }
    fclose(probe);
    return derm_config_load(path, &P->base->p, &P->base->sched, P->orig, &P->s->base_text, P->err);
}

/* Fixed overrides, then the seed (the base's run.seed unless given). */
static derm_status parse_set_and_seed(struct sweep_parser *P, const struct sweep_top *t)
{
    struct derm_sweep *s = P->s;
    const yaml_node_t *set = t->node[K_SET];
    if (set && set->type != YAML_MAPPING_NODE && !is_null(set))
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key 'set': found %s; expected a mapping of "
                            "section.key: value",
                            P->name, LINE(t->knode[K_SET]), COL(t->knode[K_SET]), kind_of(set));
    if (set && set->type == YAML_MAPPING_NODE) DERM_TRY(add_set(P, set, ""));
    if (!t->node[K_SEED]) {
        s->seed = (uint64_t)P->base->p.run_seed;
        return DERM_OK;
    }
    int64_t seed = 0;
    derm_status st = parse_int(P, t->knode[K_SEED], t->node[K_SEED], "seed", 0, INT64_MAX, "", &seed);
    s->seed = (uint64_t)seed;
    return st;
}

/* A swept key is not also fixed in `set:`, and a range's endpoints are taken as --set
 * would take them. */
static derm_status check_factor(struct sweep_parser *P, const struct derm_sweep_factor *f)
{
    const struct derm_sweep *s = P->s;
    for (int i = 0; i < s->nsets; i++) {
        size_t kl = strlen(f->key);
        if (!strncmp(s->sets[i], f->key, kl) && s->sets[i][kl] == '=')
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: key '%s' is both fixed in 'set' and "
                                "swept; expected one of them",
                                P->name, f->line, f->col, f->key);
    }
    if (!f->is_range) return DERM_OK;
    struct sweep_cfg tp = *P->base;
    char b[64];
    format_value(f, f->integer ? ceil(f->lo) : f->lo, b, sizeof b);
    DERM_TRY(apply_located(P, &tp, NULL, f->key, b, f->line, f->col));
    format_value(f, f->integer ? floor(f->hi) : f->hi, b, sizeof b);
    return apply_located(P, &tp, NULL, f->key, b, f->line, f->col);
}

static derm_status parse_parameters(struct sweep_parser *P, const struct sweep_top *t)
{
    struct derm_sweep *s = P->s;
    const yaml_node_t *pm = t->node[K_PARAMS];
    if (pm->type != YAML_MAPPING_NODE && !is_null(pm))
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key 'parameters': found %s; expected a mapping of "
                            "swept keys",
                            P->name, LINE(t->knode[K_PARAMS]), COL(t->knode[K_PARAMS]), kind_of(pm));
    if (is_null(pm) || pm->data.mapping.pairs.start == pm->data.mapping.pairs.top)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key 'parameters': empty design; expected at least "
                            "one swept parameter",
                            P->name, LINE(t->knode[K_PARAMS]), COL(t->knode[K_PARAMS]));
    DERM_TRY(check_keys(P, pm, "parameters"));
    size_t n = (size_t)(pm->data.mapping.pairs.top - pm->data.mapping.pairs.start);
    s->factors = calloc(n, sizeof *s->factors);
    if (!s->factors) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
    for (yaml_node_pair_t *pr = pm->data.mapping.pairs.start; pr < pm->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(P->doc, pr->key), *v = yaml_document_get_node(P->doc, pr->value);
        struct derm_sweep_factor *f = &s->factors[s->nfactors++];
        DERM_TRY(parse_factor(P, k, v, f));
        DERM_TRY(check_factor(P, f));
    }
    return DERM_OK;
}

/* An endpoint's name is a column of the results: it must not clash with the others. */
static derm_status check_endpoint_column(struct sweep_parser *P, const yaml_node_t *it,
                                         const struct derm_sweep_endpoint *e)
{
    const struct derm_sweep *s = P->s;
    for (int j = 0; j < s->nfactors; j++)
        if (!strcmp(s->factors[j].key, e->name))
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: endpoint name '%s' clashes with a "
                                "column; expected another name",
                                P->name, LINE(it), COL(it), e->name);
    static const char *const fixed[] = {"run_id", "point", "replicate", "seed", "status"};
    for (int j = 0; j < 5; j++)
        if (!strcmp(fixed[j], e->name))
            return derm_err_set(P->err, DERM_ECONFIG,
                                "%s:%lu:%lu: endpoint name '%s' clashes with a "
                                "column; expected another name",
                                P->name, LINE(it), COL(it), fixed[j]);
    return DERM_OK;
}

static derm_status parse_endpoints(struct sweep_parser *P, const struct sweep_top *t)
{
    struct derm_sweep *s = P->s;
    const yaml_node_t *el = t->node[K_ENDP];
    if (!el || is_null(el)) return DERM_OK;
    if (el->type != YAML_SEQUENCE_NODE)
        return derm_err_set(P->err, DERM_ECONFIG,
                            "%s:%lu:%lu: key 'endpoints': found %s; expected a list of {name: "
                            "N, variable: V, ...}",
                            P->name, LINE(t->knode[K_ENDP]), COL(t->knode[K_ENDP]), kind_of(el));
    size_t n = (size_t)(el->data.sequence.items.top - el->data.sequence.items.start);
    s->endpoints = calloc(n ? n : 1, sizeof *s->endpoints);
    if (!s->endpoints) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = yaml_document_get_node(P->doc, el->data.sequence.items.start[i]);
        DERM_TRY(parse_endpoint(P, it, (int)i, &s->endpoints[i]));
        s->nendpoints++;
        DERM_TRY(check_endpoint_column(P, it, &s->endpoints[i]));
    }
    return DERM_OK;
}

static derm_status parse_root(struct sweep_parser *P, yaml_node_t *root, const char *base_override)
{
    struct sweep_top t = {{0}, {0}};
    DERM_TRY(top_keys(P, root, &t));
    DERM_TRY(parse_design(P, &t));
    DERM_TRY(parse_counts(P, &t));
    DERM_TRY(base_path(P, &t, base_override));
    struct sweep_cfg base;
    memset(&base, 0, sizeof base);
    derm_params_defaults(&base.p);
    struct derm_param_origin *orig = calloc(derm_params_count(), sizeof *orig);
    if (!orig) return derm_err_set(P->err, DERM_ENOMEM, "out of memory");
    P->base = &base;
    P->orig = orig;
    derm_status st = load_base(P, &t);
    if (st == DERM_OK) st = parse_set_and_seed(P, &t);
    if (st == DERM_OK) st = parse_parameters(P, &t);
    if (st == DERM_OK) st = parse_endpoints(P, &t);
    if (st == DERM_OK) st = expand(P->s, P->err);
    if (st == DERM_OK) st = validate_points(P, &base, orig);
    free(orig);
    return st;
}

static derm_status yaml_error(const yaml_parser_t *parser, const char *name, struct derm_err *err)
{
    const char *problem = parser->problem ? parser->problem : "unknown problem";
    if (parser->error == YAML_MEMORY_ERROR) return derm_err_set(err, DERM_ENOMEM, "%s: out of memory", name);
    if (parser->error == YAML_READER_ERROR)
        return derm_err_set(err, DERM_ECONFIG, "%s:1:1: YAML syntax error: %s (at byte %lu)", name, problem,
                            (unsigned long)parser->problem_offset);
    return derm_err_set(err, DERM_ECONFIG, "%s:%lu:%lu: YAML syntax error: %s%s%s", name,
                        (unsigned long)parser->problem_mark.line + 1, (unsigned long)parser->problem_mark.column + 1,
                        problem, parser->context ? " " : "", parser->context ? parser->context : "");
}

derm_status derm_sweep_load(const char *path, const char *base_override, struct derm_sweep **out, struct derm_err *err)
{
    return derm_sweep_load_bounded(path, base_override, SWEEP_MAX_RUNS, out, err);
}

derm_status derm_sweep_load_bounded(const char *path, const char *base_override, int64_t max_runs,
                                    struct derm_sweep **out, struct derm_err *err)
{
    *out = NULL;
    if (!path || !*path) return derm_err_set(err, DERM_EUSAGE, "sweep: no sweep file given");
    struct derm_sweep *s = calloc(1, sizeof *s);
    if (!s) return derm_err_set(err, DERM_ENOMEM, "out of memory");
    s->max_runs = max_runs;
    derm_status st = DERM_OK;
    if (!(s->path = sweep_strdup(path))) st = derm_err_set(err, DERM_ENOMEM, "out of memory");
    struct stat sb;
    if (st == DERM_OK && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > (off_t)(1u << 20))
        st = derm_err_set(err, DERM_ECONFIG, "%s: %lld bytes; expected a sweep file of at most 1024 KiB", path,
                          (long long)sb.st_size);
    if (st == DERM_OK) st = derm_sweep_read_text(path, &s->text, err);
    /* the same limits as a config (libyaml's scanner is quadratic in flow nesting) */
    if (st == DERM_OK) st = derm_config_prescan(s->text, strlen(s->text), path, err);
    yaml_parser_t parser;
    yaml_document_t doc;
    int have_parser = 0, have_doc = 0;
    if (st == DERM_OK) {
        if (!yaml_parser_initialize(&parser))
            st = derm_err_set(err, DERM_ENOMEM, "cannot initialise libyaml");
        else
            have_parser = 1;
    }
    if (st == DERM_OK) {
        yaml_parser_set_input_string(&parser, (const unsigned char *)s->text, strlen(s->text));
        if (!yaml_parser_load(&parser, &doc))
            st = yaml_error(&parser, path, err);
        else
            have_doc = 1;
    }
    /* a second document ("---") would silently be ignored otherwise, as in a config */
    if (have_doc && st == DERM_OK) {
        yaml_document_t extra;
        st = yaml_parser_load(&parser, &extra) ? derm_config_no_second_document(&extra, path, err)
                                               : yaml_error(&parser, path, err);
    }
    /* a scalar with an escaped NUL ("5\0x") would be read as its first part */
    for (yaml_node_t *n = have_doc ? doc.nodes.start : NULL; n && n < doc.nodes.top && st == DERM_OK; n++)
        if (n->type == YAML_SCALAR_NODE && strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
            st = derm_err_set(err, DERM_ECONFIG, "%s:%lu:%lu: a value contains a NUL character", path,
                              (unsigned long)n->start_mark.line + 1, (unsigned long)n->start_mark.column + 1);
    if (st == DERM_OK) {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root || is_null(root)) {
            st = derm_err_set(err, DERM_ECONFIG,
                              "%s:1:1: empty sweep file; expected a mapping with base:, design:, "
                              "parameters:",
                              path);
        } else {
            struct sweep_parser P = {path, &doc, s, err, NULL, NULL};
            st = parse_root(&P, root, base_override);
        }
    }
    if (have_doc) yaml_document_delete(&doc);
    if (have_parser) yaml_parser_delete(&parser);
    if (st != DERM_OK) {
        derm_sweep_free(s);
        return st;
    }
    *out = s;
    return DERM_OK;
}

void derm_sweep_free(struct derm_sweep *s)
{
    if (!s) return;
    free(s->path);
    free(s->text);
    free(s->base_path);
    free(s->base_text);
    for (int i = 0; i < s->nsets; i++) free(s->sets[i]);
    free(s->sets);
    for (int j = 0; j < s->nfactors; j++) {
        for (int v = 0; v < s->factors[j].nvalues; v++) free(s->factors[j].values[v]);
        free(s->factors[j].values);
    }
    free(s->factors);
    free(s->endpoints);
    if (s->cells)
        for (int64_t i = 0; i < s->npoints * s->nfactors; i++) free(s->cells[i]);
    free(s->cells);
    free(s->units);
    free(s->seeds);
    free(s);
}

/* ---- the plan directory ------------------------------------------------------------------ */

void derm_sweep_run_id(const struct derm_sweep *s, int64_t row, char *buf, size_t n)
{
    int wp = 4, wr = 1;
    for (int64_t m = s->npoints - 1; m >= 10000; m /= 10) wp++;
    for (int64_t m = s->replicates - 1; m >= 10; m /= 10) wr++;
    snprintf(buf, n, "p%0*lld_r%0*lld", wp, (long long)(row / s->replicates), wr, (long long)(row % s->replicates));
}

derm_status derm_sweep_write_runs(const struct derm_sweep *s, FILE *fp, struct derm_err *err)
{
    fputs("run_id,point,replicate,seed", fp);
    for (int j = 0; j < s->nfactors; j++) fprintf(fp, ",%s", s->factors[j].key);
    fputc('\n', fp);
    for (int64_t row = 0; row < s->nruns; row++) {
        char id[64];
        derm_sweep_run_id(s, row, id, sizeof id);
        int64_t pt = row / s->replicates;
        fprintf(fp, "%s,%lld,%lld,%llu", id, (long long)pt, (long long)(row % s->replicates),
                (unsigned long long)s->seeds[row]);
        for (int j = 0; j < s->nfactors; j++) fprintf(fp, ",%s", s->cells[pt * s->nfactors + j]);
        fputc('\n', fp);
    }
    if (ferror(fp)) return derm_err_set(err, DERM_EIO, "cannot write the run manifest: %s", strerror(errno));
    return DERM_OK;
}

static derm_status runs_text(const struct derm_sweep *s, char **buf, size_t *len, struct derm_err *err)
{
    *buf = NULL;
    FILE *fp = open_memstream(buf, len);
    if (!fp) return derm_err_set(err, DERM_ENOMEM, "out of memory");
    derm_status st = derm_sweep_write_runs(s, fp, err);
    fclose(fp);
    if (st != DERM_OK) {
        free(*buf);
        *buf = NULL;
    }
    return st;
}

static derm_status factors_text(const struct derm_sweep *s, char **buf, size_t *len, struct derm_err *err)
{
    *buf = NULL;
    FILE *fp = open_memstream(buf, len);
    if (!fp) return derm_err_set(err, DERM_ENOMEM, "out of memory");
    fprintf(fp, "key,kind,min,max,scale,design,levels\n");
    for (int j = 0; j < s->nfactors; j++) {
        const struct derm_sweep_factor *f = &s->factors[j];
        if (f->is_range)
            fprintf(fp, "%s,range,%.17g,%.17g,%s,%s,%lld\n", f->key, f->lo, f->hi, f->log_scale ? "log" : "linear",
                    SWEEP_DESIGNS[s->design], (long long)(s->design == DERM_SWEEP_MORRIS ? s->levels : 0));
        else
            fprintf(fp, "%s,values,,,,%s,%d\n", f->key, SWEEP_DESIGNS[s->design], f->nvalues);
    }
    fclose(fp);
    return *buf ? DERM_OK : derm_err_set(err, DERM_ENOMEM, "out of memory");
}

/* 1 if the file exists and its content differs from text. */
static int differs(const char *path, const char *text)
{
    char *old = NULL;
    struct derm_err e = {0};
    if (derm_sweep_read_text(path, &old, &e) != DERM_OK) return 0;
    int d = strcmp(old, text) != 0;
    free(old);
    return d;
}

derm_status derm_sweep_plan(const char *sweep_path, const char *dir, struct derm_sweep **out, struct derm_err *err)
{
    *out = NULL;
    struct derm_sweep *s = NULL;
    DERM_TRY(derm_sweep_load(sweep_path, NULL, &s, err));
    char *runs = NULL, *facs = NULL;
    size_t rlen = 0, flen = 0;
    derm_status st = runs_text(s, &runs, &rlen, err);
    if (st == DERM_OK) st = factors_text(s, &facs, &flen, err);
    char p_runs[4200], p_base[4200], p_sweep[4200], p_fac[4200], p_rundir[4200];
    snprintf(p_runs, sizeof p_runs, "%s/runs.csv", dir);
    snprintf(p_base, sizeof p_base, "%s/base.yaml", dir);
    snprintf(p_sweep, sizeof p_sweep, "%s/sweep.yaml", dir);
    snprintf(p_fac, sizeof p_fac, "%s/factors.csv", dir);
    snprintf(p_rundir, sizeof p_rundir, "%s/runs", dir);
    struct stat sb;
    /* files of the plan's names, other than this plan's, in a directory that holds no plan
     * (no plan.txt of dermsim's) are the user's own: never replaced. A plan's directory may
     * be planned again until it runs, and one planned by an earlier dermsim (no plan.txt)
     * with the same plan. */
    if (st == DERM_OK && !derm_sweep_plan_recorded(dir)) {
        char p_record[4200];
        snprintf(p_record, sizeof p_record, "%s/plan.txt", dir);
        const char *const mine[] = {p_base, p_sweep, p_fac, p_runs, p_record};
        const char *const text[] = {s->base_text, s->text, facs, runs, NULL}; /* NULL: none is ours */
        for (size_t i = 0; st == DERM_OK && i < sizeof mine / sizeof *mine; i++)
            if (lstat(mine[i], &sb) == 0 && (!text[i] || differs(mine[i], text[i])))
                st = derm_err_set(err, DERM_EUSAGE,
                                  "%s already holds %s, not a sweep plan's (no plan.txt of dermsim's); expected a new "
                                  "directory for the plan",
                                  dir, strrchr(mine[i], '/') + 1);
    }
    if (st == DERM_OK && stat(p_rundir, &sb) == 0 &&
        (differs(p_runs, runs) || differs(p_base, s->base_text) || differs(p_sweep, s->text)))
        st = derm_err_set(err, DERM_EUSAGE,
                          "%s already holds results of a different plan (%s/runs/); expected a new "
                          "directory, or remove the old one",
                          dir, dir);
    if (st == DERM_OK) st = derm_sweep_mkdir(dir, err);
    if (st == DERM_OK) st = derm_sweep_write_atomic(p_base, s->base_text, strlen(s->base_text), err);
    if (st == DERM_OK) st = derm_sweep_write_atomic(p_sweep, s->text, strlen(s->text), err);
    if (st == DERM_OK) st = derm_sweep_write_atomic(p_fac, facs, flen, err);
    if (st == DERM_OK) st = derm_sweep_write_atomic(p_runs, runs, rlen, err);
    if (st == DERM_OK) st = derm_sweep_plan_record(s, dir, err);
    free(runs);
    free(facs);
    if (st != DERM_OK) {
        derm_sweep_free(s);
        return st;
    }
    *out = s;
    return DERM_OK;
}

derm_status derm_sweep_open(const char *dir, struct derm_sweep **out, struct derm_err *err)
{
    *out = NULL;
    char p_runs[4200], p_base[4200], p_sweep[4200];
    snprintf(p_runs, sizeof p_runs, "%s/runs.csv", dir);
    snprintf(p_base, sizeof p_base, "%s/base.yaml", dir);
    snprintf(p_sweep, sizeof p_sweep, "%s/sweep.yaml", dir);
    struct stat sb;
    if (stat(p_runs, &sb) != 0 || stat(p_sweep, &sb) != 0 || stat(p_base, &sb) != 0)
        return derm_err_set(err, DERM_EUSAGE,
                            "%s: not a planned sweep directory (needs runs.csv, sweep.yaml, "
                            "base.yaml); expected the output of 'dermsim sweep plan SWEEP.yaml -o %s'",
                            dir, dir);
    struct derm_sweep *s = NULL;
    DERM_TRY(derm_sweep_check_plan(dir, err));
    DERM_TRY(derm_sweep_load(p_sweep, p_base, &s, err));
    char *runs = NULL, *old = NULL;
    size_t rlen = 0;
    derm_status st = runs_text(s, &runs, &rlen, err);
    if (st == DERM_OK) st = derm_sweep_read_text(p_runs, &old, err);
    if (st == DERM_OK && strcmp(old, runs) != 0)
        st = derm_err_set(err, DERM_EUSAGE,
                          "%s does not match %s (edited, or planned by another dermsim version); "
                          "expected it re-planned with 'dermsim sweep plan'",
                          p_runs, p_sweep);
    free(runs);
    free(old);
    if (st != DERM_OK) {
        derm_sweep_free(s);
        return st;
    }
    *out = s;
    return DERM_OK;
}
