/* params.c - the parameter descriptor table and everything done with it.
 *
 * Owns: the const descriptor table generated from params.def (X-macro with offsetof),
 * defaults, lookup by dotted path, "did you mean" suggestions (Levenshtein distance),
 * typed parsing of one value from text with range checks, the whole-set cross-checks
 * (ages, hormone-therapy window, output intervals, grid size against available memory),
 * and the two renderings of a parameter set: nested YAML that reads back identically,
 * and a human-readable table.
 * Does not: read files or know YAML syntax (io/config.c does), know what any parameter
 * means to the model, print errors (it records them in struct derm_err).
 */
#define _POSIX_C_SOURCE 200809L /* sysconf */

#include "derm/io/params.h"

#include "derm/core/grid.h"
#include "derm/io/output.h"

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
#define DERM_PARAMS_SIGNAL_ROWS
#define X(member, path_, type_, units_, def_, lo_, hi_, choices_, doc_)                        \
    {.path = path_, .type = DERM_PT_##type_, .units = units_, .def = (double)(def_),          \
     .lo = (double)(lo_), .hi = (double)(hi_), .choices = choices_, .doc = doc_,              \
     .offset = offsetof(struct derm_params, member)},
#include "derm/io/params.def"
#undef X
#undef DERM_PARAMS_SIGNAL_ROWS
};
/* clang-format on */

#define PARAM_COUNT (sizeof param_table / sizeof param_table[0])

size_t derm_params_count(void) { return PARAM_COUNT; }

const struct derm_param_desc *derm_params_table(void) { return param_table; }

static size_t param_index(const struct derm_param_desc *d) { return (size_t)(d - param_table); }

void derm_params_defaults(struct derm_params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < PARAM_COUNT; i++) derm_desc_store(p, &param_table[i], param_table[i].def);
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

static const char *last_component(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

static size_t count_components(const char *s, size_t n)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++) k += s[i] == '.';
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
        size_t thr = derm_desc_suggest_threshold(n);
        for (size_t i = 0; i < PARAM_COUNT; i++) {
            const char *cand = param_table[i].path;
            size_t cn = prefix_len(cand, depth);
            if (cand[cn] != '.') continue; /* a parameter at that depth, not a section */
            size_t d = derm_desc_distance(path, n, cand, cn);
            if (d <= thr && d < n && d < best_score) {
                best = cand;
                best_score = d;
            }
        }
        return best;
    }

    const char *qlast = last_component(path);
    size_t qlast_len = strlen(qlast);
    size_t thr_full = derm_desc_suggest_threshold(qlen), thr_last = derm_desc_suggest_threshold(qlast_len);
    for (size_t i = 0; i < PARAM_COUNT; i++) {
        const char *cand = param_table[i].path;
        size_t d = derm_desc_distance(path, qlen, cand, strlen(cand));
        size_t score = (d <= thr_full && d < qlen) ? d : SIZE_MAX;
        const char *clast = last_component(cand);
        size_t dl = derm_desc_distance(qlast, qlast_len, clast, strlen(clast));
        if (dl <= thr_last && dl < qlast_len && dl + 1 < score) score = dl + 1;
        if (score < best_score) {
            best = cand;
            best_score = score;
        }
    }
    return best;
}

double derm_params_get(const struct derm_params *p, const struct derm_param_desc *d) { return derm_desc_get(p, d); }

derm_status derm_params_set_text(struct derm_params *p, const struct derm_param_desc *d, const char *text,
                                 const char *where, struct derm_err *err)
{
    return derm_desc_set_text(p, d, text, where, err);
}

void derm_params_format(const struct derm_params *p, const struct derm_param_desc *d, char *buf, size_t n)
{
    derm_desc_format(p, d, buf, n);
}

/* ---- cross-checks --------------------------------------------------------------------- */

static const char *origin_of(const struct derm_param_origin *origins, const struct derm_param_desc *d)
{
    if (origins && origins[param_index(d)].where[0]) return origins[param_index(d)].where;
    return "<default>";
}

static int has_origin(const struct derm_param_origin *origins, const struct derm_param_desc *d)
{
    return origins && origins[param_index(d)].where[0];
}

/* An upper bound on the doubles a run keeps per voxel (for the addressability check). */
#define MAX_DOUBLES_PER_VOXEL 64
#define BYTES_PER_AGENT 208.0 /* the columns, the rates, the signals and the crowding at each row */
/* the bins (store/bins.h): rows, the sort's buffer, occupied voxels and their offsets */
#define BINS_BYTES_PER_AGENT 32.0

/* The threads the estimate counts: run.threads, or every processor when it is 0. */
static int estimate_threads(const struct derm_params *p)
{
    const long procs = sysconf(_SC_NPROCESSORS_ONLN);
    return p->run_threads > 0 ? (int)p->run_threads : (procs > 0 ? (int)procs : 1);
}

int derm_params_crowd_radius(const struct derm_params *p)
{
    return (int)floor(p->fibroblast_crowding_radius_um / p->domain_voxel_um + 0.5);
}

int derm_params_layer_deposits(const struct derm_params *p)
{
    return DERM_LAYER_DEPOSITS && derm_grid_layers_worth(p->domain_nx, p->domain_ny, p->domain_nz,
                                                         derm_params_crowd_radius(p), 3, estimate_threads(p));
}

/* Bytes per voxel of a run's arrays, each signal counted on its own grid (the rule of
 * derm_signal_grids_choose, solve/signal_grids.h). Arrays of derm_real (core/real.h: 8 bytes,
 * 4 in the lean build) on the voxel grid: every matrix and state field (without uv, the UV
 * records DERM_ST_UV_RECORDS, the elastotic deposit and the crowding at every voxel are left out: sim/sim.c
 * derm_sim_uv_records), the field of every signal on the voxel grid (a signal on a coarser
 * grid has none: sim/sim.c keeps it lazy; without needs & DERM_MEM_EXOSOMES, and when some
 * signal is coarse, the exosomes hold neither field nor source: derm_sim_signal_arrays),
 * six scratch arrays (three of them not where the deposits are made layer by layer:
 * derm_params_layer_deposits), and, when frames of fields are written uncompressed, their float32
 * buffer (4 bytes; the bins hold nothing per voxel: they are counted per agent). Per signal
 * on the voxel grid: its source (derm_real) and, if it diffuses, its two per-mode multiplier
 * arrays (doubles, about n/2 each; none in the lean build, which forms them block by
 * block); a signal on a grid coarser by f keeps its state, source and multipliers there,
 * 1/f^3 of that. Each grid that solves a diffusing signal adds its transform buffer (about
 * n/2 complex doubles, 1/f^3 of the voxel grid's). */
static double bytes_per_voxel(const struct derm_params *p, unsigned needs)
{
    const int uv = (needs & DERM_MEM_UV) != 0;
    const struct derm_grid g = {.nx = p->domain_nx, .ny = p->domain_ny, .nz = p->domain_nz, .h_um = p->domain_voxel_um};
    const double r = (double)sizeof(derm_real);
    int uv_arrays = 2; /* the UV records, the elastotic deposit and the crowding at every voxel */
    for (int st = 0; st < DERM_NSTATE; st++) uv_arrays += DERM_ST_UV_RECORDS >> st & 1u;
    /* the matrix deposits made layer by layer hold no arrays (derm_params_layer_deposits) */
    double d =
        r * (DERM_NMATRIX + DERM_NSTATE + 6.0 - (uv ? 0 : uv_arrays) - (derm_params_layer_deposits(p) ? 3.0 : 0.0)) +
        (p->output_write_fields && p->output_compression == 0 ? 4.0 : 0.0);
    int64_t fs[DERM_NSIGNAL], fq[DERM_NSIGNAL];
    int nf = 0, any_coarse = 0;
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        const double D = p->signal[q].diffusion_um2_per_s * 3600.0, k = log(2.0) / p->signal[q].half_life_h;
        fq[q] = p->domain_signal_voxel_ratio > 0.0 && D > 0.0 && k > 0.0
                    ? derm_grid_coarsening(&g, p->domain_signal_voxel_ratio * sqrt(D / k))
                    : 1;
        any_coarse |= fq[q] > 1;
    }
    for (int q = 0; q < DERM_NSIGNAL; q++) {
        const int spectral = p->signal[q].diffusion_um2_per_s > 0.0;
        const int64_t f = fq[q];
        const double f3 = (double)(f * f * f);
        /* the exosomes on the voxel grid, young level 0, without a treatment that makes them:
         * neither field nor source (sim/sim.c derm_sim_signal_arrays, with a coarse signal) */
        if (q == DERM_S_EXOSOME && f == 1 && any_coarse && p->signal[q].young_level == 0.0 &&
            !(needs & DERM_MEM_EXOSOMES))
            d -= 2.0 * r;
        if (f == 1) d += r; /* its field */
        /* the lean build keeps no multiplier arrays (solve/diffusion.c, DERM_DIFFUSION_CACHE_MULT) */
        d += ((f == 1 ? 1.0 : 2.0) * r + (spectral && !DERM_REAL_IS_FLOAT ? 8.0 : 0.0)) / f3;
        if (!spectral) continue;
        int seen = 0;
        for (int i = 0; i < nf; i++) seen |= fs[i] == f;
        if (!seen) {
            fs[nf++] = f;
            d += 8.0 / f3; /* the grid's transform buffer */
        }
    }
    return d;
}

/* Bytes of layer scratch per thread for the matrix deposits (model/coupling.c, the largest
 * such scratch of a step): the ring's (derm_grid_ring_bytes), r the crowding radius in
 * voxels; beyond the ring budget (or r > DERM_GRID_RING_MAX_R) the two-pass path's layer and
 * rows instead; none for r = 0; the three cursors' (derm_grid_layers_bytes) when the
 * deposits are made layer by layer. */
static double layer_scratch_per_thread(const struct derm_params *p)
{
    const double nx = (double)p->domain_nx, ny = (double)p->domain_ny, nxy = nx * ny, rb = (double)sizeof(derm_real);
    const int r = derm_params_crowd_radius(p);
    if (r < 1) return 0.0;
    if (derm_params_layer_deposits(p))
        return (double)derm_grid_layers_bytes(p->domain_nx, p->domain_ny, r, 3, NULL, NULL);
    const double ring = (double)derm_grid_ring_bytes(p->domain_nx, p->domain_ny, r, NULL, NULL);
    if (r <= DERM_GRID_RING_MAX_R && ring <= (double)DERM_GRID_RING_BYTES) return ring;
    return (nxy + nx) * rb + nx * 8.0 + ny;
}

double derm_params_memory_estimate(const struct derm_params *p, unsigned needs)
{
    double nvox = (double)p->domain_nx * (double)p->domain_ny * (double)p->domain_nz;
    double voxel_mm = p->domain_voxel_um * 1e-3;
    double volume_mm3 = nvox * voxel_mm * voxel_mm * voxel_mm;
    /* upper bound: the whole domain at papillary density, with 2x room for growth */
    double agents = p->fibroblast_density_per_mm3 * p->fibroblast_papillary_density_ratio * volume_mm3 * 2.0;
    /* a frame's field chunks in flight (io/output.c): per thread the shuffled bytes and the
     * compressed copy of one chunk; the threads as asked, else every processor (at most);
     * and per thread the deposits' layer scratch */
    const double threads = (double)estimate_threads(p);
    const double chunk = fmin(4.0 * nvox, (double)DERM_OUTPUT_FIELD_CHUNK_MAX_BYTES);
    return nvox * bytes_per_voxel(p, needs) + agents * (BYTES_PER_AGENT + BINS_BYTES_PER_AGENT) +
           (p->output_write_fields ? threads * 2.0 * 1.01 * chunk : 0.0) + threads * layer_scratch_per_thread(p);
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

/* The grid key the configuration set first (defaults alone cannot be too large). */
static const struct derm_param_desc *cited_grid_key(const struct derm_param_origin *origins)
{
    static const char *const grid_keys[] = {"domain.nx", "domain.ny", "domain.nz", "domain.voxel_um"};
    for (size_t i = 0; i < sizeof grid_keys / sizeof grid_keys[0]; i++) {
        const struct derm_param_desc *d = derm_params_find(grid_keys[i]);
        if (d && has_origin(origins, d)) return d;
    }
    return derm_params_find("domain.nx");
}

static derm_status check_grid(const struct derm_params *p, const struct derm_param_origin *origins,
                              struct derm_err *err)
{
    const struct derm_param_desc *cited = cited_grid_key(origins);
    const char *where = origin_of(origins, cited);
    int64_t nx = p->domain_nx, ny = p->domain_ny, nz = p->domain_nz;
    if (nx < 1 || ny < 1 || nz < 1)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: key '%s': grid %lld x %lld x %lld has no voxels; expected "
                            "domain.nx, ny, nz >= 1",
                            where, cited->path, (long long)nx, (long long)ny, (long long)nz);
    /* the field store must be addressable in bytes, in both int64_t and size_t */
    const uint64_t max_bytes = (uint64_t)SIZE_MAX < (uint64_t)INT64_MAX ? (uint64_t)SIZE_MAX : (uint64_t)INT64_MAX;
    const int64_t max_vox = (int64_t)(max_bytes / (8 * MAX_DOUBLES_PER_VOXEL));
    if (nx > max_vox / ny || nx * ny > max_vox / nz)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: key '%s': grid %lld x %lld x %lld has too many voxels to "
                            "address; expected a smaller grid",
                            where, cited->path, (long long)nx, (long long)ny, (long long)nz);
    return DERM_OK;
}

derm_status derm_params_check_memory(const struct derm_params *p, const struct derm_param_origin *origins,
                                     unsigned needs, struct derm_err *err)
{
    const struct derm_param_desc *cited = cited_grid_key(origins);
    const int64_t nx = p->domain_nx, ny = p->domain_ny, nz = p->domain_nz;
    double need = derm_params_memory_estimate(p, needs);
    double avail = available_memory_bytes();
    if (avail > 0 && need > 0.8 * avail) {
        const double gib = 1024.0 * 1024.0 * 1024.0;
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: key '%s': grid %lld x %lld x %lld (%.3g voxels of %g um) needs "
                            "about %.1f GiB but only %.1f GiB is available (80 %% of %.1f GiB "
                            "free); expected a smaller grid (domain.nx, domain.ny, domain.nz) or "
                            "the same tissue with a larger domain.voxel_um",
                            origin_of(origins, cited), cited->path, (long long)nx, (long long)ny, (long long)nz,
                            (double)nx * (double)ny * (double)nz, p->domain_voxel_um, need / gib, 0.8 * avail / gib,
                            avail / gib);
    }
    return DERM_OK;
}

/* The suction protocol: on, off and immediate times on the solver's time grid, the
 * immediate delay shorter than both. */
static derm_status check_suction_protocol(const struct derm_params *p, const struct derm_param_origin *origins,
                                          struct derm_err *err)
{
    const char *keys[3] = {"cutometer.on_s", "cutometer.off_s", "cutometer.immediate_s"};
    const double vals[3] = {p->cutometer_on_s, p->cutometer_off_s, p->cutometer_immediate_s};
    for (int k = 0; k < 3; k++) {
        const struct derm_param_desc *d = derm_params_find(keys[k]);
        double n = vals[k] / p->cutometer_dt_s;
        int bad_grid = fabs(n - round(n)) > 1e-6 * n;
        int bad_order = k == 2 && (vals[2] >= p->cutometer_on_s || vals[2] >= p->cutometer_off_s);
        if (bad_grid || bad_order) {
            char v[64], dt[64];
            derm_params_format(p, d, v, sizeof v);
            derm_params_format(p, derm_params_find("cutometer.dt_s"), dt, sizeof dt);
            if (bad_grid)
                return derm_err_set(err, DERM_ECONFIG,
                                    "%s: key '%s': %s s is not a whole number of suction time steps; expected a "
                                    "multiple of cutometer.dt_s (%s s)",
                                    origin_of(origins, d), keys[k], v, dt);
            return derm_err_set(err, DERM_ECONFIG,
                                "%s: key '%s': %s s is not shorter than the on and off times; expected a delay "
                                "shorter than cutometer.on_s and cutometer.off_s",
                                origin_of(origins, d), keys[k], v);
        }
    }
    return DERM_OK;
}

derm_status derm_params_validate(const struct derm_params *p, const struct derm_param_origin *origins,
                                 struct derm_err *err)
{
    /* every value in its own range (members may have been set without set_text) */
    for (size_t i = 0; i < PARAM_COUNT; i++) {
        const struct derm_param_desc *d = &param_table[i];
        double v = derm_params_get(p, d);
        if (!isfinite(v) || !derm_desc_in_range(d, v)) {
            char text[64];
            derm_params_format(p, d, text, sizeof text);
            return derm_desc_value_error(err, origin_of(origins, d), d, text,
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

    DERM_TRY(check_suction_protocol(p, origins, err));

    if (p->subject_hrt_end_years > p->subject_hrt_start_years &&
        (p->subject_hrt_end_years <= p->run_age_start_years || p->subject_hrt_start_years >= p->run_age_end_years)) {
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

    static const char *const intervals[] = {"output.series_interval_days", "output.frame_interval_days"};
    for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++) {
        const struct derm_param_desc *d = derm_params_find(intervals[i]);
        if (d && !(derm_params_get(p, d) >= 0)) {
            char text[64];
            derm_params_format(p, d, text, sizeof text);
            return derm_desc_value_error(err, origin_of(origins, d), d, text, "is negative");
        }
    }

    return check_grid(p, origins, err);
}

/* ---- YAML and table output ------------------------------------------------------------ */

#define YAML_COMMENT_COLUMN 48

/* Emit every parameter under `prefix` (length `plen`, 0 for the top) at `depth`, in table
 * order of first appearance, so that each section is written exactly once even if its
 * parameters are not contiguous in params.def. */
static void write_yaml_level(const struct derm_params *p, FILE *fp, const char *prefix, size_t plen, int depth)
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
        for (size_t j = 0; j < i && !seen; j++) seen = has_section_prefix(param_table[j].path, path, sub_len);
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
}
