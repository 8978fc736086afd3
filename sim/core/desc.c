/* desc.c - key tables: typed members of a struct described by descriptors (see desc.h). */
#include "derm/core/desc.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *member_ptr(void *p, const struct derm_param_desc *d) { return (char *)p + d->offset; }

static const void *member_cptr(const void *p, const struct derm_param_desc *d) { return (const char *)p + d->offset; }

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

/* ---- suggestions ---------------------------------------------------------------------- */

#define LEV_MAX 128 /* longer strings are compared on their first LEV_MAX characters */

/* Levenshtein edit distance between a[0..na) and b[0..nb). */
size_t derm_desc_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t row[LEV_MAX + 1];
    if (na > LEV_MAX) na = LEV_MAX;
    if (nb > LEV_MAX) nb = LEV_MAX;
    for (size_t j = 0; j <= nb; j++) row[j] = j;
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

size_t derm_desc_suggest_threshold(size_t len) { return len / 3 > 2 ? len / 3 : 2; }

const char *derm_desc_suggest_word(const char *word, const char *const *list, size_t n)
{
    if (!word || !*word) return NULL;
    const size_t wl = strlen(word), thr = derm_desc_suggest_threshold(wl);
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = derm_desc_distance(word, wl, list[i], strlen(list[i]));
        if (d <= thr && d < wl && d < best_d) {
            best = list[i];
            best_d = d;
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
void derm_desc_expected_form(const struct derm_param_desc *d, char *buf, size_t n)
{
    char lo[32], hi[32];
    format_bound(d->lo, lo, sizeof lo);
    format_bound(d->hi, hi, sizeof hi);
    int show_units = d->units[0] && strcmp(d->units, "1") != 0;
    switch (d->type) {
    case DERM_PT_REAL:
        snprintf(buf, n, "a number in [%s, %s]%s%s", lo, hi, show_units ? " " : "", show_units ? d->units : "");
        break;
    case DERM_PT_INT:
        snprintf(buf, n, "an integer in [%s, %s]%s%s", lo, hi, show_units ? " " : "", show_units ? d->units : "");
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

derm_status derm_desc_value_error(struct derm_err *err, const char *where, const struct derm_param_desc *d,
                                  const char *text, const char *problem)
{
    char shown[64], form[256];
    quote_value(text, shown, sizeof shown);
    derm_desc_expected_form(d, form, sizeof form);
    return derm_err_set(err, DERM_ECONFIG, "%s: key '%s': '%s' %s; expected %s", where, d->path, shown, problem, form);
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
                   (nocase ? ascii_lower((unsigned char)c[k]) == ascii_lower((unsigned char)text[k]) : c[k] == text[k]))
                k++;
            if (k == cl) return idx;
        }
        if (!bar) return -1;
        c = bar + 1;
    }
}

int derm_desc_in_range(const struct derm_param_desc *d, double v) { return v >= d->lo && v <= d->hi; }

derm_status derm_desc_set_text(void *p, const struct derm_param_desc *d, const char *text, const char *where,
                               struct derm_err *err)
{
    if (!where || !*where) where = "<default>";
    if (!d) return derm_err_set(err, DERM_EINTERNAL, "%s: no parameter descriptor", where);
    if (!text || !*text) {
        char form[256];
        derm_desc_expected_form(d, form, sizeof form);
        return derm_err_set(err, DERM_ECONFIG, "%s: key '%s': missing value; expected %s", where, d->path, form);
    }
    /* strtod/strtoll skip leading blanks; a value with surrounding blanks is malformed */
    const char last = text[strlen(text) - 1];
    const int blank_edge = strchr(" \t\r\n", text[0]) != NULL || strchr(" \t\r\n", last) != NULL;
    double v = 0;
    switch (d->type) {
    case DERM_PT_REAL: {
        if (is_yaml_nonfinite(text)) return derm_desc_value_error(err, where, d, text, "is not a finite number");
        char *end;
        v = strtod(text, &end); /* underflow to 0 or a subnormal is accepted as such */
        if (blank_edge || end == text || *end) return derm_desc_value_error(err, where, d, text, "is not a number");
        if (!isfinite(v)) return derm_desc_value_error(err, where, d, text, "is not a finite number");
        break;
    }
    case DERM_PT_INT: {
        if (blank_edge) return derm_desc_value_error(err, where, d, text, "is not an integer");
        char *end;
        errno = 0;
        long long iv = strtoll(text, &end, 10);
        if (end != text && *end == '\0') {
            if (errno == ERANGE) return derm_desc_value_error(err, where, d, text, "is out of range");
            v = (double)iv;
            /* (double) rounding is harmless: bounds are doubles and members are exact below */
            if (!derm_desc_in_range(d, v)) return derm_desc_value_error(err, where, d, text, "is out of range");
            *(int64_t *)member_ptr(p, d) = (int64_t)iv;
            return DERM_OK;
        }
        /* "1e4" and "16.0" are accepted when they denote an integer exactly */
        if (is_yaml_nonfinite(text)) return derm_desc_value_error(err, where, d, text, "is not a finite number");
        errno = 0;
        v = strtod(text, &end);
        if (end == text || *end) return derm_desc_value_error(err, where, d, text, "is not an integer");
        /* "1e-400" underflows to 0 (ERANGE): a number too small to be read is no integer */
        if (errno == ERANGE && fabs(v) < 1.0) return derm_desc_value_error(err, where, d, text, "is not an integer");
        if (!isfinite(v)) return derm_desc_value_error(err, where, d, text, "is not a finite number");
        if (v != floor(v)) return derm_desc_value_error(err, where, d, text, "is not an integer");
        if (fabs(v) >= 9.2233720368547758e18) return derm_desc_value_error(err, where, d, text, "is out of range");
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
        if (v < 0) return derm_desc_value_error(err, where, d, text, "is not a boolean");
        break;
    }
    case DERM_PT_ENUM: {
        int idx = choice_index(d->choices, text, 0);
        if (idx < 0) {
            int near = choice_index(d->choices, text, 1);
            return derm_desc_value_error(err, where, d, text,
                                         near >= 0 ? "is not a valid choice (choices are case-sensitive)"
                                                   : "is not a valid choice");
        }
        v = idx;
        break;
    }
    }
    if (!derm_desc_in_range(d, v)) return derm_desc_value_error(err, where, d, text, "is out of range");
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

#define TABLE_WIDTH 92
#define TABLE_INDENT 6

/* Write `text` wrapped at TABLE_WIDTH, every line indented by TABLE_INDENT. */
static void print_wrapped(FILE *fp, const char *text)
{
    const int width = TABLE_WIDTH - TABLE_INDENT;
    const char *s = text;
    while (*s) {
        while (*s == ' ') s++;
        int len = (int)strlen(s);
        if (len <= width) {
            fprintf(fp, "%*s%s\n", TABLE_INDENT, "", s);
            return;
        }
        int cut = width;
        while (cut > 0 && s[cut] != ' ') cut--;
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
        derm_desc_expected_form(d, range, sizeof range);
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
