/* params.c - the parameter descriptor table and everything done with it.
 *
 * Owns: the const descriptor table generated from params.def (X-macro with offsetof),
 * defaults, lookup by dotted path, "did you mean" suggestions (Levenshtein distance),
 * typed parsing of one value from text with range checks, the whole-set cross-checks
 * (ages, hormone-therapy window, output intervals, grid size against available memory),
 * and the two renderings of a parameter set: nested YAML that reads back identically,
 * and a human-readable table.
 * Does not: read files or know YAML syntax (config.c does), know what any parameter
 * means to the model, print errors (it records them in struct derm_err).
 */
#define _POSIX_C_SOURCE 200809L /* sysconf */

#include "derm/io/params.h"

#include "derm/inputs/schedule.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the table ------------------------------------------------------------------------ */

/* clang-format off */
static const struct derm_param_desc param_table[] = {
#define X(member, path_, type_, units_, def_, lo_, hi_, choices_, doc_)                        \
    {.path = path_, .type = DERM_PT_##type_, .units = units_, .def = (double)(def_),          \
     .lo = (double)(lo_), .hi = (double)(hi_), .choices = choices_, .doc = doc_,              \
     .offset = offsetof(struct derm_params, member)},
#include "derm/io/params.def"
#undef X
};
/* clang-format on */

#define PARAM_COUNT (sizeof param_table / sizeof param_table[0])

size_t derm_params_count(void) { return PARAM_COUNT; }

const struct derm_param_desc *derm_params_table(void) { return param_table; }

static size_t param_index(const struct derm_param_desc *d) { return (size_t)(d - param_table); }

static void *member_ptr(void *p, const struct derm_param_desc *d)
{
    return (char *)p + d->offset;
}

static const void *member_cptr(const void *p, const struct derm_param_desc *d)
{
    return (const char *)p + d->offset;
}

/* Store a double already known to be valid for the descriptor's type. */
void derm_desc_store(void *p, const struct derm_param_desc *d, double v)
{
    switch (d->type) {
    case DERM_PT_REAL:
        *(double *)member_ptr(p, d) = v;
        break;
    case DERM_PT_INT:
        *(int64_t *)member_ptr(p, d) = (int64_t)v;
        break;
    case DERM_PT_BOOL:
    case DERM_PT_ENUM:
        *(int *)member_ptr(p, d) = (int)v;
        break;
    }
}

void derm_params_defaults(struct derm_params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < PARAM_COUNT; i++)
        derm_desc_store(p, &param_table[i], param_table[i].def);
}

double derm_desc_get(const void *p, const struct derm_param_desc *d)
{
    switch (d->type) {
    case DERM_PT_REAL:
        return *(const double *)member_cptr(p, d);
    case DERM_PT_INT:
        return (double)*(const int64_t *)member_cptr(p, d);
    case DERM_PT_BOOL:
    case DERM_PT_ENUM:
        return (double)*(const int *)member_cptr(p, d);
    }
    return NAN;
}

const struct derm_param_desc *derm_params_find(const char *path)
{
    if (!path) return NULL;
    for (size_t i = 0; i < PARAM_COUNT; i++)
        if (strcmp(param_table[i].path, path) == 0) return &param_table[i];
    return NULL;
}

/* True when `path` starts with the `n` characters of `prefix` followed by '.'. */
static int has_section_prefix(const char *path, const char *prefix, size_t n)
{
    return strncmp(path, prefix, n) == 0 && path[n] == '.';
}

int derm_params_is_section(const char *prefix)
{
    if (!prefix || !*prefix) return 0;
    size_t n = strlen(prefix);
    for (size_t i = 0; i < PARAM_COUNT; i++)
        if (has_section_prefix(param_table[i].path, prefix, n)) return 1;
    return 0;
}

/* ---- suggestions ---------------------------------------------------------------------- */

#define LEV_MAX 128 /* longer strings are compared on their first LEV_MAX characters */

/* Levenshtein edit distance between a[0..na) and b[0..nb). */
static size_t levenshtein(const char *a, size_t na, const char *b, size_t nb)
{
    size_t row[LEV_MAX + 1];
    if (na > LEV_MAX) na = LEV_MAX;
    if (nb > LEV_MAX) nb = LEV_MAX;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0]; /* row[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j]; /* row[i-1][j] */
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

static size_t suggest_threshold(size_t len) { return len / 3 > 2 ? len / 3 : 2; }

static const char *last_component(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

static size_t count_components(const char *s, size_t n)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '.';
    return k;
}

/* Length of the first `k` components of `path` (whole length if it has fewer). */
static size_t prefix_len(const char *path, size_t k)
{
    size_t n = 0;
    for (const char *s = path; *s; s++, n++)
        if (*s == '.' && --k == 0) return n;
    return n;
}

const char *derm_suggest_word(const char *word, const char *const *list, size_t n)
{
    if (!word || !*word) return NULL;
    const size_t wl = strlen(word), thr = suggest_threshold(wl);
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = levenshtein(word, wl, list[i], strlen(list[i]));
        if (d <= thr && d < wl && d < best_d) {
            best = list[i];
            best_d = d;
        }
    }
    return best;
}

/* Suggestions work on the full dotted path (typos anywhere) and on the last component
 * alone (a correct key placed in the wrong section, e.g. "domain.seed" -> "run.seed";
 * scored one worse so that a same-section match wins ties).
 *
 * A query ending in '.' asks for a section instead: "fibroblst." is compared with every
 * section of the same depth, and the result is the first parameter path inside the closest
 * section (the suggested section is that path's first components; the table holds no
 * separate section strings). */
const char *derm_params_suggest(const char *path)
{
    if (!path || !*path) return NULL;
    size_t qlen = strlen(path);
    const char *best = NULL;
    size_t best_score = SIZE_MAX;

    if (path[qlen - 1] == '.') {
        size_t n = qlen - 1, depth = count_components(path, n);
        if (n == 0) return NULL;
        size_t thr = suggest_threshold(n);
        for (size_t i = 0; i < PARAM_COUNT; i++) {
            const char *cand = param_table[i].path;
            size_t cn = prefix_len(cand, depth);
            if (cand[cn] != '.') continue; /* a parameter at that depth, not a section */
            size_t d = levenshtein(path, n, cand, cn);
            if (d <= thr && d < n && d < best_score) {
                best = cand;
                best_score = d;
            }
        }
        return best;
    }

    const char *qlast = last_component(path);
    size_t qlast_len = strlen(qlast);
    size_t thr_full = suggest_threshold(qlen), thr_last = suggest_threshold(qlast_len);
    for (size_t i = 0; i < PARAM_COUNT; i++) {
        const char *cand = param_table[i].path;
        size_t d = levenshtein(path, qlen, cand, strlen(cand));
        size_t score = (d <= thr_full && d < qlen) ? d : SIZE_MAX;
        const char *clast = last_component(cand);
        size_t dl = levenshtein(qlast, qlast_len, clast, strlen(clast));
        if (dl <= thr_last && dl < qlast_len && dl + 1 < score) score = dl + 1;
        if (score < best_score) {
            best = cand;
            best_score = score;
        }
    }
    return best;
}

/* ---- value text and messages ---------------------------------------------------------- */

/* Copy `text` for quoting in a one-line message: control characters become '?', and long
 * values are cut with "...". */
static void quote_value(const char *text, char *buf, size_t n)
{
    const size_t max_shown = 48;
    size_t len = strlen(text), o = 0;
    for (size_t i = 0; i < len && i < max_shown && o + 1 < n; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[o] = '\0';
    if (len > max_shown && o + 4 < n) strcat(buf, "...");
}

/* A range bound: integers without exponent while exact, otherwise %g. */
static void format_bound(double v, char *buf, size_t n)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%g", v);
}

/* "an integer in [1, 4096]", "a number in [0, 120] year", "one of: noflux, vascular". */
static void expected_form(const struct derm_param_desc *d, char *buf, size_t n)
{
    char lo[32], hi[32];
    format_bound(d->lo, lo, sizeof lo);
    format_bound(d->hi, hi, sizeof hi);
    int show_units = d->units[0] && strcmp(d->units, "1") != 0;
    switch (d->type) {
    case DERM_PT_REAL:
        snprintf(buf, n, "a number in [%s, %s]%s%s", lo, hi, show_units ? " " : "",
                 show_units ? d->units : "");
        break;
    case DERM_PT_INT:
        snprintf(buf, n, "an integer in [%s, %s]%s%s", lo, hi, show_units ? " " : "",
                 show_units ? d->units : "");
        break;
    case DERM_PT_BOOL:
        snprintf(buf, n, "a boolean (true/false, yes/no, on/off or 1/0)");
        break;
    case DERM_PT_ENUM: {
        /* "a|b|c" -> "one of: a, b, c" */
        size_t o = (size_t)snprintf(buf, n, "one of: ");
        for (const char *c = d->choices; *c && o + 2 < n; c++) {
            if (*c == '|') {
                buf[o++] = ',';
                buf[o++] = ' ';
            } else {
                buf[o++] = *c;
            }
        }
        buf[o < n ? o : n - 1] = '\0';
        break;
    }
    }
}

static derm_status value_error(struct derm_err *err, const char *where,
                               const struct derm_param_desc *d, const char *text,
                               const char *problem)
{
    char shown[64], form[256];
    quote_value(text, shown, sizeof shown);
    expected_form(d, form, sizeof form);
    return derm_err_set(err, DERM_ECONFIG, "%s: key '%s': '%s' %s; expected %s", where, d->path,
                        shown, problem, form);
}

static int ascii_lower(int c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

static int equal_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b)) return 0;
    return *a == *b;
}

/* YAML spellings of non-finite numbers, reported as such rather than as "not a number". */
static int is_yaml_nonfinite(const char *t)
{
    if (*t == '+' || *t == '-') t++;
    return equal_nocase(t, ".inf") || equal_nocase(t, ".nan");
}

/* Index of `text` among the '|'-separated `choices`, or -1; `nocase` ignores ASCII case. */
static int choice_index(const char *choices, const char *text, int nocase)
{
    size_t tl = strlen(text);
    int idx = 0;
    for (const char *c = choices;; idx++) {
        const char *bar = strchr(c, '|');
        size_t cl = bar ? (size_t)(bar - c) : strlen(c);
        if (cl == tl) {
            size_t k = 0;
            while (k < cl &&
                   (nocase ? ascii_lower((unsigned char)c[k]) == ascii_lower((unsigned char)text[k])
                           : c[k] == text[k]))
                k++;
            if (k == cl) return idx;
        }
        if (!bar) return -1;
        c = bar + 1;
    }
}

static int in_range(const struct derm_param_desc *d, double v) { return v >= d->lo && v <= d->hi; }

derm_status derm_desc_set_text(void *p, const struct derm_param_desc *d,
                                 const char *text, const char *where, struct derm_err *err)
{
    if (!where || !*where) where = "<default>";
    if (!d) return derm_err_set(err, DERM_EINTERNAL, "%s: no parameter descriptor", where);
    if (!text || !*text) {
        char form[256];
        expected_form(d, form, sizeof form);
        return derm_err_set(err, DERM_ECONFIG, "%s: key '%s': missing value; expected %s", where,
                            d->path, form);
    }
    /* strtod/strtoll skip leading blanks; a value with surrounding blanks is malformed */
    const char last = text[strlen(text) - 1];
    const int blank_edge = strchr(" \t\r\n", text[0]) != NULL || strchr(" \t\r\n", last) != NULL;
    double v = 0;
    switch (d->type) {
    case DERM_PT_REAL: {
        if (is_yaml_nonfinite(text))
            return value_error(err, where, d, text, "is not a finite number");
        char *end;
        v = strtod(text, &end); /* underflow to 0 or a subnormal is accepted as such */
        if (blank_edge || end == text || *end)
            return value_error(err, where, d, text, "is not a number");
        if (!isfinite(v)) return value_error(err, where, d, text, "is not a finite number");
        break;
    }
    case DERM_PT_INT: {
        if (blank_edge) return value_error(err, where, d, text, "is not an integer");
        char *end;
        errno = 0;
        long long iv = strtoll(text, &end, 10);
        if (end != text && *end == '\0') {
            if (errno == ERANGE) return value_error(err, where, d, text, "is out of range");
            v = (double)iv;
            /* (double) rounding is harmless: bounds are doubles and members are exact below */
            if (!in_range(d, v)) return value_error(err, where, d, text, "is out of range");
            *(int64_t *)member_ptr(p, d) = (int64_t)iv;
            return DERM_OK;
        }
        /* "1e4" and "16.0" are accepted when they denote an integer exactly */
        if (is_yaml_nonfinite(text))
            return value_error(err, where, d, text, "is not a finite number");
        v = strtod(text, &end);
        if (end == text || *end) return value_error(err, where, d, text, "is not an integer");
        if (!isfinite(v)) return value_error(err, where, d, text, "is not a finite number");
        if (v != floor(v)) return value_error(err, where, d, text, "is not an integer");
        if (fabs(v) >= 9.2233720368547758e18)
            return value_error(err, where, d, text, "is out of range");
        break;
    }
    case DERM_PT_BOOL: {
        static const char *const truthy[] = {"true", "yes", "on", "1"};
        static const char *const falsy[] = {"false", "no", "off", "0"};
        v = -1;
        for (size_t i = 0; i < sizeof truthy / sizeof truthy[0]; i++) {
            if (equal_nocase(text, truthy[i])) v = 1;
            if (equal_nocase(text, falsy[i])) v = 0;
        }
        if (v < 0) return value_error(err, where, d, text, "is not a boolean");
        break;
    }
    case DERM_PT_ENUM: {
        int idx = choice_index(d->choices, text, 0);
        if (idx < 0) {
            int near = choice_index(d->choices, text, 1);
            return value_error(err, where, d, text,
                               near >= 0 ? "is not a valid choice (choices are case-sensitive)"
                                         : "is not a valid choice");
        }
        v = idx;
        break;
    }
    }
    if (!in_range(d, v)) return value_error(err, where, d, text, "is out of range");
    derm_desc_store(p, d, v);
    return DERM_OK;
}

/* ---- formatting ----------------------------------------------------------------------- */

/* Shortest "%.*g" text that reads back as exactly `v`, with a '.' guaranteed before any
 * exponent so YAML 1.1 readers (PyYAML) see a float: 25 -> "25.0", 1e-5 -> "1.0e-05".
 * Shortest rather than a fixed %.17g keeps the YAML readable (0.1, not 0.10000000000000001)
 * without giving up the exact round trip. */
static void format_real(double v, char *buf, size_t n)
{
    if (isnan(v)) {
        snprintf(buf, n, ".nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, n, v > 0 ? ".inf" : "-.inf");
        return;
    }
    /* decimal exponent of v; numbers below 1e17 keep all their integer digits (no "2e+01") */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.16e", v);
    int exp10 = atoi(strchr(tmp, 'e') + 1);
    for (int prec = 1; prec <= 17; prec++) {
        int eff = (exp10 >= 0 && exp10 < 17 && prec < exp10 + 1) ? exp10 + 1 : prec;
        snprintf(tmp, sizeof tmp, "%.*g", eff, v);
        if (strtod(tmp, NULL) == v) break;
    }
    if (!strchr(tmp, '.')) {
        char *e = strchr(tmp, 'e');
        if (e) {
            char exp_part[32];
            snprintf(exp_part, sizeof exp_part, "%s", e);
            snprintf(e, sizeof tmp - (size_t)(e - tmp), ".0%s", exp_part);
        } else {
            strcat(tmp, ".0");
        }
    }
    snprintf(buf, n, "%s", tmp);
}

/* Copy the idx-th '|'-separated choice into buf. */
static void choice_name(const char *choices, int idx, char *buf, size_t n)
{
    const char *c = choices;
    for (int i = 0; i < idx && c; i++) {
        c = strchr(c, '|');
        if (c) c++;
    }
    if (!c || idx < 0) {
        snprintf(buf, n, "%d", idx);
        return;
    }
    const char *bar = strchr(c, '|');
    int len = bar ? (int)(bar - c) : (int)strlen(c);
    snprintf(buf, n, "%.*s", len, c);
}

void derm_desc_format(const void *p, const struct derm_param_desc *d, char *buf, size_t n)
{
    if (!n) return;
    switch (d->type) {
    case DERM_PT_REAL:
        format_real(*(const double *)member_cptr(p, d), buf, n);
        break;
    case DERM_PT_INT:
        snprintf(buf, n, "%lld", (long long)*(const int64_t *)member_cptr(p, d));
        break;
    case DERM_PT_BOOL:
        snprintf(buf, n, "%s", *(const int *)member_cptr(p, d) ? "true" : "false");
        break;
    case DERM_PT_ENUM:
        choice_name(d->choices, *(const int *)member_cptr(p, d), buf, n);
        break;
    }
}

double derm_params_get(const struct derm_params *p, const struct derm_param_desc *d)
{
    return derm_desc_get(p, d);
}

derm_status derm_params_set_text(struct derm_params *p, const struct derm_param_desc *d,
                                 const char *text, const char *where, struct derm_err *err)
{
    return derm_desc_set_text(p, d, text, where, err);
}

void derm_params_format(const struct derm_params *p, const struct derm_param_desc *d, char *buf,
                        size_t n)
{
    derm_desc_format(p, d, buf, n);
}

/* ---- cross-checks --------------------------------------------------------------------- */

static const char *origin_of(const struct derm_param_origin *origins,
                             const struct derm_param_desc *d)
{
    if (origins && origins[param_index(d)].where[0]) return origins[param_index(d)].where;
    return "<default>";
}

static int has_origin(const struct derm_param_origin *origins, const struct derm_param_desc *d)
{
    return origins && origins[param_index(d)].where[0];
}

#define FIELD_DOUBLES_PER_VOXEL (7 + 3 * 9 + 8) /* ECM + 3 x 9 signal arrays + scratch */
#define BYTES_PER_AGENT 200.0

double derm_params_memory_estimate(const struct derm_params *p)
{
    double nvox = (double)p->domain_nx * (double)p->domain_ny * (double)p->domain_nz;
    double voxel_mm = p->domain_voxel_um * 1e-3;
    double volume_mm3 = nvox * voxel_mm * voxel_mm * voxel_mm;
    /* upper bound: the whole domain at papillary density, with 2x room for growth */
    double agents =
        p->fibroblast_density_per_mm3 * p->fibroblast_papillary_density_ratio * volume_mm3 * 2.0;
    return nvox * 8.0 * FIELD_DOUBLES_PER_VOXEL + agents * BYTES_PER_AGENT;
}

/* Bytes of memory available to a new process: MemAvailable from /proc/meminfo, else the
 * physical memory size; 0 when neither is known. */
static double available_memory_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            unsigned long long kb;
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                fclose(f);
                return (double)kb * 1024.0;
            }
        }
        fclose(f);
    }
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) return (double)pages * (double)page;
    return 0;
}

static derm_status check_grid(const struct derm_params *p, const struct derm_param_origin *origins,
                              struct derm_err *err)
{
    /* cite the first grid key the user set; defaults alone cannot be too large */
    static const char *const grid_keys[] = {"domain.nx", "domain.ny", "domain.nz",
                                            "domain.voxel_um"};
    const struct derm_param_desc *cited = derm_params_find("domain.nx");
    for (size_t i = 0; i < sizeof grid_keys / sizeof grid_keys[0]; i++) {
        const struct derm_param_desc *d = derm_params_find(grid_keys[i]);
        if (d && has_origin(origins, d)) {
            cited = d;
            break;
        }
    }
    const char *where = origin_of(origins, cited);
    int64_t nx = p->domain_nx, ny = p->domain_ny, nz = p->domain_nz;
    if (nx < 1 || ny < 1 || nz < 1)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: key '%s': grid %lld x %lld x %lld has no voxels; expected "
                            "domain.nx, ny, nz >= 1",
                            where, cited->path, (long long)nx, (long long)ny, (long long)nz);
    /* the field store must be addressable in bytes, in both int64_t and size_t */
    const uint64_t max_bytes =
        (uint64_t)SIZE_MAX < (uint64_t)INT64_MAX ? (uint64_t)SIZE_MAX : (uint64_t)INT64_MAX;
    const int64_t max_vox = (int64_t)(max_bytes / (8 * FIELD_DOUBLES_PER_VOXEL));
    if (nx > max_vox / ny || nx * ny > max_vox / nz)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: key '%s': grid %lld x %lld x %lld has too many voxels to "
                            "address; expected a smaller grid",
                            where, cited->path, (long long)nx, (long long)ny, (long long)nz);
    double need = derm_params_memory_estimate(p);
    double avail = available_memory_bytes();
    if (avail > 0 && need > 0.8 * avail) {
        const double gib = 1024.0 * 1024.0 * 1024.0;
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: key '%s': grid %lld x %lld x %lld (%.3g voxels of %g um) needs "
                            "about %.1f GiB but only %.1f GiB is available (80 %% of %.1f GiB "
                            "free); expected a smaller grid (domain.nx, domain.ny, domain.nz) or "
                            "the same tissue with a larger domain.voxel_um",
                            where, cited->path, (long long)nx, (long long)ny, (long long)nz,
                            (double)nx * (double)ny * (double)nz, p->domain_voxel_um, need / gib,
                            0.8 * avail / gib, avail / gib);
    }
    return DERM_OK;
}

derm_status derm_params_validate(const struct derm_params *p,
                                 const struct derm_param_origin *origins, struct derm_err *err)
{
    /* every value in its own range (members may have been set without set_text) */
    for (size_t i = 0; i < PARAM_COUNT; i++) {
        const struct derm_param_desc *d = &param_table[i];
        double v = derm_params_get(p, d);
        if (!isfinite(v) || !in_range(d, v)) {
            char text[64];
            derm_params_format(p, d, text, sizeof text);
            return value_error(err, origin_of(origins, d), d, text,
                               isfinite(v) ? "is out of range" : "is not a finite number");
        }
    }

    const struct derm_param_desc *d_start = derm_params_find("run.age_start_years");
    const struct derm_param_desc *d_end = derm_params_find("run.age_end_years");
    if (!(p->run_age_end_years > p->run_age_start_years)) {
        char s[64], e[64];
        derm_params_format(p, d_start, s, sizeof s);
        derm_params_format(p, d_end, e, sizeof e);
        if (!has_origin(origins, d_end) && has_origin(origins, d_start))
            return derm_err_set(err, DERM_ECONFIG,
                                "%s: key 'run.age_start_years': %s is not before "
                                "run.age_end_years (%s); expected a value < %s",
                                origin_of(origins, d_start), s, e, e);
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: key 'run.age_end_years': %s is not after run.age_start_years "
                            "(%s); expected a value > %s",
                            origin_of(origins, d_end), e, s, s);
    }

    if (p->subject_hrt_end_years > p->subject_hrt_start_years &&
        (p->subject_hrt_end_years <= p->run_age_start_years ||
         p->subject_hrt_start_years >= p->run_age_end_years)) {
        const struct derm_param_desc *d_hs = derm_params_find("subject.hrt_start_years");
        const struct derm_param_desc *d_he = derm_params_find("subject.hrt_end_years");
        const struct derm_param_desc *cited = has_origin(origins, d_hs)   ? d_hs
                                              : has_origin(origins, d_he) ? d_he
                                                                          : d_hs;
        char hs[64], he[64], s[64], e[64];
        derm_params_format(p, d_hs, hs, sizeof hs);
        derm_params_format(p, d_he, he, sizeof he);
        derm_params_format(p, d_start, s, sizeof s);
        derm_params_format(p, d_end, e, sizeof e);
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: key '%s': hormone therapy from %s to %s years lies outside the "
                            "run (ages %s to %s); expected a period overlapping the run, or "
                            "hrt_end_years <= hrt_start_years for no therapy",
                            origin_of(origins, cited), cited->path, hs, he, s, e);
    }

    static const char *const intervals[] = {"output.series_interval_days",
                                            "output.frame_interval_days"};
    for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++) {
        const struct derm_param_desc *d = derm_params_find(intervals[i]);
        if (d && !(derm_params_get(p, d) >= 0)) {
            char text[64];
            derm_params_format(p, d, text, sizeof text);
            return value_error(err, origin_of(origins, d), d, text, "is negative");
        }
    }

    DERM_TRY(derm_schedule_validate(&p->schedule, p->run_age_start_years, p->run_age_end_years, err));
    return check_grid(p, origins, err);
}

/* ---- YAML and table output ------------------------------------------------------------ */

#define YAML_COMMENT_COLUMN 48

/* Emit every parameter under `prefix` (length `plen`, 0 for the top) at `depth`, in table
 * order of first appearance, so that each section is written exactly once even if its
 * parameters are not contiguous in params.def. */
static void write_yaml_level(const struct derm_params *p, FILE *fp, const char *prefix, size_t plen,
                             int depth)
{
    for (size_t i = 0; i < PARAM_COUNT; i++) {
        const char *path = param_table[i].path;
        if (plen && !has_section_prefix(path, prefix, plen)) continue;
        const char *rest = plen ? path + plen + 1 : path;
        const char *dot = strchr(rest, '.');
        int indent = 2 * depth;
        if (!dot) {
            char value[128];
            derm_params_format(p, &param_table[i], value, sizeof value);
            int col = fprintf(fp, "%*s%s: %s", indent, "", rest, value);
            int pad = col < YAML_COMMENT_COLUMN ? YAML_COMMENT_COLUMN - col : 1;
            fprintf(fp, "%*s# %s\n", pad, "", param_table[i].units);
            continue;
        }
        /* a sub-section: write it at its first parameter only */
        size_t sub_len = (size_t)(dot - path);
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = has_section_prefix(param_table[j].path, path, sub_len);
        if (seen) continue;
        if (depth == 0 && i > 0) fputc('\n', fp);
        fprintf(fp, "%*s%.*s:\n", indent, "", (int)(dot - rest), rest);
        write_yaml_level(p, fp, path, sub_len, depth + 1);
    }
}

void derm_params_write_yaml(const struct derm_params *p, FILE *fp)
{
    fprintf(fp, "# dermsim parameters (full resolved set; comments give units)\n");
    write_yaml_level(p, fp, "", 0, 0);
    derm_schedule_write_yaml(&p->schedule, fp);
}

#define TABLE_WIDTH 92
#define TABLE_INDENT 6

/* Write `text` wrapped at TABLE_WIDTH, every line indented by TABLE_INDENT. */
static void print_wrapped(FILE *fp, const char *text)
{
    const int width = TABLE_WIDTH - TABLE_INDENT;
    const char *s = text;
    while (*s) {
        while (*s == ' ')
            s++;
        int len = (int)strlen(s);
        if (len <= width) {
            fprintf(fp, "%*s%s\n", TABLE_INDENT, "", s);
            return;
        }
        int cut = width;
        while (cut > 0 && s[cut] != ' ')
            cut--;
        if (cut == 0) { /* one long word: break it */
            cut = width;
        }
        fprintf(fp, "%*s%.*s\n", TABLE_INDENT, "", cut, s);
        s += cut;
    }
}

void derm_desc_print(FILE *fp, const void *base, const struct derm_param_desc *d, const char *path)
{
    char value[128], range[128];
    if (d->type == DERM_PT_REAL && derm_desc_get(base, d) < d->lo)
        snprintf(value, sizeof value, "none"); /* "not given" sentinel below the range */
    else
        derm_desc_format(base, d, value, sizeof value);
    if (d->type == DERM_PT_ENUM) {
        expected_form(d, range, sizeof range);
    } else if (d->type == DERM_PT_BOOL) {
        snprintf(range, sizeof range, "true|false");
    } else {
        char lo[32], hi[32];
        format_bound(d->lo, lo, sizeof lo);
        format_bound(d->hi, hi, sizeof hi);
        snprintf(range, sizeof range, "[%s, %s]", lo, hi);
    }
    fprintf(fp, "  %-44s %-12s default %-12s %s\n", path ? path : d->path, d->units, value, range);
    print_wrapped(fp, d->doc);
}

void derm_params_print_table(FILE *fp)
{
    struct derm_params def;
    derm_params_defaults(&def);
    size_t prev_len = 0;
    const char *prev = "";
    for (size_t i = 0; i < PARAM_COUNT; i++) {
        const struct derm_param_desc *d = &param_table[i];
        size_t sec_len = (size_t)(strchr(d->path, '.') - d->path);
        if (sec_len != prev_len || strncmp(d->path, prev, sec_len) != 0) {
            fprintf(fp, "%s[%.*s]\n", i ? "\n" : "", (int)sec_len, d->path);
            prev = d->path;
            prev_len = sec_len;
        }
        derm_desc_print(fp, &def, d, NULL);
    }
    derm_schedule_print_keys(fp);
}
