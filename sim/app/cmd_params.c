/* cmd_params.c - `dermsim params [SECTION | KEY | --search WORD]` (app.h).
 *
 * The full listing comes from the library (derm_config_print_keys: the parameter table,
 * then the keys of a schedule entry). It is line-structured: "[section]" headers, entries
 * "  path  units  default  range" followed by indented text lines; this file cuts that
 * listing into entries and prints the ones asked for, under their section headers, so
 * a filtered listing reads exactly like the full one.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "derm/io/config.h"

/* One printed block: a section header (with its note lines) or one parameter entry. */
struct block {
    const char *start; /* first character */
    size_t len;        /* up to and including the newline of its last line */
    int header;        /* a "[section]" header block */
    char path[160];    /* entry: the dotted path; header: the section name */
};

/* Cut the listing into blocks; returns their number (blocks is malloc'd). */
static size_t split_blocks(const char *text, struct block **out)
{
    size_t cap = 64, n = 0;
    struct block *b = malloc(cap * sizeof *b);
    for (const char *p = text; b && *p;) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p + 1) : strlen(p);
        int header = p[0] == '[', entry = p[0] == ' ' && p[1] == ' ' && p[2] != ' ';
        if ((header || entry || n == 0) && !(p[0] == '\n')) {
            if (n == cap) {
                struct block *nb = realloc(b, (cap *= 2) * sizeof *b);
                if (!nb) break;
                b = nb;
            }
            struct block *k = &b[n++];
            memset(k, 0, sizeof *k);
            k->start = p;
            k->header = header;
            const char *s = header ? p + 1 : p + 2;
            size_t m = strcspn(s, header ? "]\n" : " \n");
            snprintf(k->path, sizeof k->path, "%.*s", (int)m, s);
        }
        if (n > 0 && p[0] != '\n') b[n - 1].len = (size_t)(p + ll - b[n - 1].start);
        p += ll;
    }
    *out = b;
    return b ? n : 0;
}

/* Does the entry's path lie in `sel` (a section, sub-section or the key itself)? The
 * schedule keys are listed as schedule.NAME.<key>: "schedule" and "schedule.dose" match. */
static int in_selection(const char *path, const char *sel)
{
    size_t n = strlen(sel);
    if (!strcmp(path, sel) || (!strncmp(path, sel, n) && path[n] == '.')) return 1;
    if (!strncmp(path, "schedule.NAME.", 14) && !strncmp(sel, "schedule.", 9)) return !strcmp(path + 14, sel + 9);
    return 0;
}

static int mentions(const struct block *k, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= k->len; i++)
        if (!strncasecmp(k->start + i, word, w)) return 1;
    return 0;
}

/* Print the matching entries under their headers; returns how many matched. */
static int print_matching(const struct block *b, size_t n, const char *sel, const char *word)
{
    int found = 0;
    const struct block *header = NULL, *printed = NULL;
    for (size_t i = 0; i < n; i++) {
        if (b[i].header) {
            header = &b[i];
            continue;
        }
        if (sel ? !in_selection(b[i].path, sel) : !mentions(&b[i], word)) continue;
        if (header && header != printed) {
            printf("%s", found ? "\n" : "");
            fwrite(header->start, 1, header->len, stdout);
            printed = header;
        }
        fwrite(b[i].start, 1, b[i].len, stdout);
        found++;
    }
    return found;
}

/* The section names of the listing, for "did you mean". */
static const char *suggest_section(const struct block *b, size_t n, const char *sel)
{
    const char *names[256];
    size_t m = 0;
    for (size_t i = 0; i < n && m < 256; i++)
        if (b[i].header) names[m++] = b[i].path;
    return derm_desc_suggest_word(sel, names, m);
}

int app_cmd_params(int argc, char **argv)
{
    const char *sel = NULL, *word = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--search") || !strncmp(argv[i], "--search=", 9)) {
            word = argv[i][8] == '=' ? argv[i] + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!word || !*word) return app_usage_error("option '--search' needs a word%s", "");
        } else if (argv[i][0] == '-')
            return app_usage_error("unknown option '%s' for 'params'", argv[i]);
        else if (!sel)
            sel = argv[i];
        else
            return app_usage_error("'params' takes one section or key, got also '%s'", argv[i]);
    }
    if (sel && word) return app_usage_error("'params' takes a section or --search, not both%s", "");
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (!fp) return app_fail(DERM_ENOMEM, "out of memory");
    derm_config_print_keys(fp);
    fclose(fp);
    if (!sel && !word) {
        fputs(text, stdout);
        free(text);
        return 0;
    }
    struct block *b = NULL;
    size_t n = split_blocks(text, &b);
    int found = print_matching(b, n, sel, word);
    int rc = 0;
    if (!found && sel) {
        char first[160];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(sel, "."), sel);
        const char *s = suggest_section(b, n, first);
        fprintf(stderr, "dermsim: params: no section or key '%s'%s%s%s ('dermsim params' lists them all)\n", sel,
                s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
        rc = 2;
    } else if (!found) {
        fprintf(stderr, "dermsim: params: no parameter mentions '%s'\n", word);
        rc = 1;
    }
    free(b);
    free(text);
    return rc;
}
