/* sweep_plan.c - the plan record of a sweep directory and reading one row of its manifest.
 *
 * Owns: DIR/plan.txt, written by `sweep plan` after base.yaml, sweep.yaml and runs.csv:
 * the CRC-32 and size of each of those three files, the number of rows, and the fixed
 * overrides (`set:`) every run gets, one "set=key=value" line each. `sweep run` and `sweep
 * collect` check the three files against it, so a base.yaml or manifest edited after
 * planning is refused instead of silently mixing configurations; and `sweep run --index I`
 * reads row I from runs.csv and the overrides from plan.txt without loading or expanding
 * the sweep again (a Slurm array task of a million-row sweep reads one line).
 * Does not: run anything (sweep_run.c) or expand designs (sweep.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/crc.h"
#include "derm/io/config.h"
#include "derm/io/output.h"
#include "derm/tools/sweep.h"

#define PLAN_FORMAT 1
#define PLAN_LINE_MAX 8192

static const char *const plan_files[3] = {"base.yaml", "sweep.yaml", "runs.csv"};

/* CRC-32 and size of a file. */
static derm_status file_crc(const char *path, uint32_t *crc, uint64_t *bytes, struct derm_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return derm_err_set(err, DERM_EUSAGE, "cannot read %s: %s", path, strerror(errno));
    unsigned char buf[65536];
    size_t n;
    *crc = 0;
    *bytes = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        *crc = derm_crc_32(*crc, buf, n);
        *bytes += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) return derm_err_set(err, DERM_EIO, "cannot read %s", path);
    return DERM_OK;
}

/* plan.txt's first line, by which a plan's directory is known (derm_sweep_plan_recorded) */
#define PLAN_HEADER "# dermsim sweep plan:"

int derm_sweep_plan_recorded(const char *dir)
{
    char path[4300], head[sizeof PLAN_HEADER] = "";
    snprintf(path, sizeof path, "%s/plan.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    const int got = fgets(head, sizeof head, f) != NULL;
    fclose(f);
    return got && !strcmp(head, PLAN_HEADER);
}

derm_status derm_sweep_plan_record(const struct derm_sweep *s, const char *dir, struct derm_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) return derm_err_set(err, DERM_ENOMEM, "out of memory");
    fprintf(fp, PLAN_HEADER " checked by 'sweep run' and 'sweep collect'; do not edit\nformat=%d\n", PLAN_FORMAT);
    derm_status st = DERM_OK;
    for (int i = 0; i < 3 && st == DERM_OK; i++) {
        char path[4300];
        uint32_t crc;
        uint64_t bytes;
        snprintf(path, sizeof path, "%s/%s", dir, plan_files[i]);
        st = file_crc(path, &crc, &bytes, err);
        fprintf(fp, "%s=crc32:%08" PRIx32 ",bytes:%" PRIu64 "\n", plan_files[i], crc, bytes);
    }
    fprintf(fp, "rows=%lld\n", (long long)s->nruns);
    for (int i = 0; i < s->nsets; i++) fprintf(fp, "set=%s\n", s->sets[i]);
    fclose(fp);
    char path[4300];
    snprintf(path, sizeof path, "%s/plan.txt", dir);
    if (st == DERM_OK) st = derm_sweep_write_atomic(path, buf, len, err);
    free(buf);
    return st;
}

/* Parse DIR/plan.txt and check base.yaml, sweep.yaml and runs.csv against it; *rows and the
 * fixed overrides (sets, may be NULL) are returned. */
static derm_status plan_read(const char *dir, int64_t *rows, char ***sets, int *nsets, struct derm_err *err)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/plan.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return derm_err_set(err, DERM_EUSAGE,
                            "%s: no plan.txt (planned by an earlier dermsim?); run 'dermsim sweep plan' again with "
                            "the same sweep file and -o %s",
                            dir, dir);
    char line[PLAN_LINE_MAX];
    int checked = 0, format = 0;
    derm_status st = DERM_OK;
    *rows = -1;
    while (st == DERM_OK && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strncmp(line, "format=", 7)) format = atoi(line + 7);
        if (!strncmp(line, "rows=", 5)) *rows = strtoll(line + 5, NULL, 10);
        if (!strncmp(line, "set=", 4) && sets) {
            char **g = realloc(*sets, (size_t)(*nsets + 1) * sizeof *g);
            if (!g || !(g[*nsets] = strdup(line + 4))) {
                if (g) *sets = g;
                st = derm_err_set(err, DERM_ENOMEM, "out of memory");
                break;
            }
            *sets = g;
            (*nsets)++;
        }
        for (int i = 0; i < 3; i++) {
            size_t k = strlen(plan_files[i]);
            if (strncmp(line, plan_files[i], k) != 0 || line[k] != '=') continue;
            unsigned want_crc = 0;
            unsigned long long want_bytes = 0;
            char fpath[4300];
            snprintf(fpath, sizeof fpath, "%s/%s", dir, plan_files[i]);
            uint32_t crc;
            uint64_t bytes;
            if (sscanf(line + k + 1, "crc32:%8x,bytes:%llu", &want_crc, &want_bytes) != 2) break;
            if ((st = file_crc(fpath, &crc, &bytes, err)) != DERM_OK) break;
            if (crc != want_crc || bytes != want_bytes)
                st = derm_err_set(err, DERM_EUSAGE,
                                  "%s changed after the sweep was planned (CRC-32 %08" PRIx32 ", %" PRIu64
                                  " bytes; planned %08x, %llu bytes): results would mix configurations; restore it, "
                                  "or plan the changed sweep into a new directory",
                                  fpath, crc, bytes, want_crc, want_bytes);
            checked |= 1 << i;
        }
    }
    fclose(f);
    if (st == DERM_OK && (format != PLAN_FORMAT || checked != 7 || *rows < 0))
        st = derm_err_set(err, DERM_EUSAGE, "%s is damaged or of another dermsim version; plan the sweep again", path);
    return st;
}

derm_status derm_sweep_check_plan(const char *dir, struct derm_err *err)
{
    int64_t rows;
    return plan_read(dir, &rows, NULL, NULL, err);
}

void derm_sweep_row_free(struct derm_sweep_row *r)
{
    for (int i = 0; i < r->nsets; i++) free(r->sets[i]);
    free(r->sets);
    r->sets = NULL;
    r->nsets = 0;
}

/* Split a runs.csv line at commas into at most max fields (values never hold commas:
 * the planner refuses them). */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    for (char *p = line; n < max;) {
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

/* Header and line `index` of runs.csv into the row: id, seed, "key=value" per factor. */
static derm_status read_manifest_row(const char *dir, int64_t index, struct derm_sweep_row *r, struct derm_err *err)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return derm_err_set(err, DERM_EUSAGE, "cannot read %s: %s", path, strerror(errno));
    static char head[PLAN_LINE_MAX * 4], line[PLAN_LINE_MAX * 4];
    char *hf[512], *lf[512];
    derm_status st = DERM_OK;
    int64_t i = -1;
    if (!fgets(head, sizeof head, f)) st = derm_err_set(err, DERM_EUSAGE, "%s is empty", path);
    while (st == DERM_OK && i < index && fgets(line, sizeof line, f)) i++;
    fclose(f);
    if (st != DERM_OK) return st;
    if (i != index) return derm_err_set(err, DERM_EUSAGE, "%s has no row %lld", path, (long long)index);
    head[strcspn(head, "\r\n")] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    int nh = split_csv(head, hf, 512), nl = split_csv(line, lf, 512);
    if (nh < 4 || nh != nl || strcmp(hf[0], "run_id") != 0 || strcmp(hf[3], "seed") != 0)
        return derm_err_set(err, DERM_EUSAGE, "%s: row %lld does not match the header", path, (long long)index);
    snprintf(r->id, sizeof r->id, "%s", lf[0]);
    r->seed = strtoull(lf[3], NULL, 10);
    for (int j = 4; j < nh; j++) {
        size_t n = strlen(hf[j]) + strlen(lf[j]) + 2;
        char **g = realloc(r->sets, (size_t)(r->nsets + 1) * sizeof *g);
        if (!g) return derm_err_set(err, DERM_ENOMEM, "out of memory");
        r->sets = g;
        if (!(g[r->nsets] = malloc(n))) return derm_err_set(err, DERM_ENOMEM, "out of memory");
        snprintf(g[r->nsets++], n, "%s=%s", hf[j], lf[j]);
    }
    return DERM_OK;
}

derm_status derm_sweep_read_row(const char *dir, int64_t index, struct derm_sweep_row *r, struct derm_err *err)
{
    memset(r, 0, sizeof *r);
    r->row = index;
    int64_t rows = 0;
    derm_status st = plan_read(dir, &rows, &r->sets, &r->nsets, err);
    if (st == DERM_OK && (index < 0 || index >= rows))
        st = derm_err_set(err, DERM_EUSAGE, "--index %lld is outside the manifest; expected 0 to %lld (%s/runs.csv)",
                          (long long)index, (long long)rows - 1, dir);
    if (st == DERM_OK) st = read_manifest_row(dir, index, r, err);
    if (st != DERM_OK) derm_sweep_row_free(r);
    return st;
}

int derm_sweep_run_matches(const char *dir, const struct derm_sweep_row *row, const char *h5, char *why, size_t n)
{
    snprintf(why, n, "cannot read its configuration");
    struct cfg {
        struct derm_params p;
        struct derm_schedule s;
    } *got = calloc(1, sizeof *got), *want = calloc(1, sizeof *want);
    char *text = NULL, *a = NULL, *b = NULL, base[4300];
    struct derm_err e = {0};
    int same = 0;
    snprintf(base, sizeof base, "%s/base.yaml", dir);
    derm_status st = got && want ? derm_output_read_text(h5, "config_resolved", &text, &e) : DERM_ENOMEM;
    if (st == DERM_OK) {
        derm_params_defaults(&got->p);
        st = derm_config_load_string(text, h5, &got->p, &got->s, NULL, &e);
    }
    if (st == DERM_OK) { /* the row as `sweep run` starts it (child_argv) */
        derm_params_defaults(&want->p);
        st = derm_config_load(base, &want->p, &want->s, NULL, NULL, &e);
    }
    for (int i = 0; i < row->nsets && st == DERM_OK; i++)
        st = derm_config_apply_set(&want->p, &want->s, NULL, row->sets[i], &e);
    if (st == DERM_OK) {
        want->p.run_seed = (int64_t)row->seed;
        want->p.run_threads = got->p.run_threads; /* shared out by `sweep run -j`: not the row's */
        a = derm_config_yaml_text(&want->p, &want->s);
        b = derm_config_yaml_text(&got->p, &got->s);
    }
    if (st != DERM_OK && e.msg[0]) snprintf(why, n, "%s", e.msg);
    if (a && b) {
        same = !strcmp(a, b);
        if (!same && strlen(a) < strlen(b) && !strncmp(a, b, strlen(a))) /* the file has more after the row's */
            snprintf(why, n, "its resolved configuration has more than the row's: '%.120s'", b + strlen(a));
        /* the row's first line the file lacks */
        for (const char *x = a, *y = b; !same && *x; x = strchr(x, '\n') ? strchr(x, '\n') + 1 : x + strlen(x)) {
            const size_t lx = strcspn(x, "\n"), ly = strcspn(y, "\n");
            if (lx != ly || strncmp(x, y, lx) != 0) {
                snprintf(why, n, "its resolved configuration has '%.*s' where the row has '%.*s'",
                         (int)(ly < 120 ? ly : 120), y, (int)(lx < 120 ? lx : 120), x);
                break;
            }
            y += ly + (y[ly] == '\n');
        }
    }
    free(a);
    free(b);
    free(text);
    free(got);
    free(want);
    return same;
}
