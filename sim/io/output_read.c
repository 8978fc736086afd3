/* output_read.c - reading and verifying run files (`dermsim info [--verify]`, reports,
 * sweeps, resume).
 *
 * Owns: derm_output_verify (the structure the writer makes, lengths, row and frame
 * checksums, chunk checksums, frame not newer than the last series row), the summary
 * printed by `dermsim info`, and the small readers other modules use. Every read is checked
 * (h5util.h): a file that is damaged or crafted - an attribute of the wrong shape, a length
 * of 1e11, a chunk that does not decompress - is reported as one line, never read past a
 * buffer or allocated blindly.
 * A killed run may end with one unfinished row or frame (some variables one longer than the
 * others): verify counts only complete rows and frames and says so; a completed run must
 * have none.
 * Does not: write (output.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "derm/core/crc.h"
#include "derm/io/output.h"
#include "h5util.h"

#define ROW_BLOCK 16384  /* series rows read at a time */
#define MAX_AXIS 1000000 /* voxels along one axis that a reader accepts */
#define MAX_SERIES 4096  /* series variables a reader accepts */
#define TIME_COORDS "step age_years"

/* Agent columns, generated from the registry: name and file type class/size. */
struct acol {
    const char *name;
    enum derm_col_kind kind;
};
static const struct acol acols[] = {
#define DERM_X_COL(name, ctype, kind, units, desc) {#name, kind},
    DERM_AGENT_COLUMNS(DERM_X_COL)
#undef DERM_X_COL
};
#define NACOLS ((int)(sizeof acols / sizeof acols[0]))

/* Key totals shown first vs last by derm_output_info. */
static const char *const info_totals[] = {
    "collagen_total",     "collagen_fragmented_fraction", "fibroblast_count",
    "senescent_fraction", "elastin_functional_total",     "ha_hmw_total",
    "dermal_thickness",
};

const char *derm_output_hdf5_version(void)
{
    static char buf[32];
    unsigned maj = 0, min = 0, rel = 0;
    derm_h5util_quiet();
    if (H5get_libversion(&maj, &min, &rel) < 0) return "unknown";
    snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
    return buf;
}

/* Open a run file read-only; missing or non-HDF5 files are DERM_EIO. If a process holds
 * HDF5's file lock (another program writing it), retry without locking. */
static derm_status open_ro(const char *path, hid_t *file, struct derm_err *err)
{
    derm_h5util_quiet();
    *file = H5I_INVALID_HID;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return derm_err_set(err, DERM_EUSAGE, "%s is a directory; expected a run file such as %s/run.h5", path, path);
    FILE *fp = fopen(path, "rb");
    if (!fp) return derm_err_set(err, DERM_EIO, "cannot open %s: %s", path, strerror(errno));
    fclose(fp);
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return derm_err_set(err, DERM_EIO, "cannot open %s: not an HDF5 file", path);
    }
    *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*file >= 0) return DERM_OK;
    char detail[512];
    derm_h5util_detail(detail, sizeof detail);
#if H5_VERSION_GE(1, 12, 1) || (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7)
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_file_locking(fapl, 0, 1) >= 0) *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    H5Eclear2(H5E_DEFAULT);
    if (*file >= 0) return DERM_OK;
#endif
    return derm_err_set(err, DERM_EIO, "cannot open %s: HDF5: %s", path, detail);
}

/* ---- simple readers ------------------------------------------------------------------------- */

derm_status derm_output_read_series(const char *h5_path, const char *name, double **vals, int64_t *n,
                                    struct derm_err *err)
{
    if (!h5_path || !name || !vals || !n)
        return derm_err_set(err, DERM_EINTERNAL, "derm_output_read_series: NULL argument");
    *vals = NULL;
    *n = 0;
    hid_t file;
    DERM_TRY(open_ro(h5_path, &file, err));
    int rank = 0;
    hsize_t dims[4] = {0};
    void *v = NULL;
    derm_status st = derm_h5util_shape(file, name, DERM_H5_NUMBER, &rank, dims, h5_path, err);
    if (st == DERM_OK && rank != 1)
        st = derm_err_set(err, DERM_EIO, "%s: '%s' is %d-dimensional, not a 1-D series", h5_path, name, rank);
    if (st == DERM_OK)
        st = derm_h5util_read_1d(file, name, DERM_H5_NUMBER, H5T_NATIVE_DOUBLE, sizeof(double), -1, &v, h5_path, err);
    H5Fclose(file);
    if (st == DERM_ECORRUPT && strstr(err->msg, "no dataset"))
        st = derm_err_set(err, DERM_EIO, "%s: no series named '%s'", h5_path, name);
    if (st != DERM_OK) return st;
    *vals = v;
    *n = (int64_t)dims[0];
    return DERM_OK;
}

derm_status derm_output_read_profile(const char *h5_path, const char *name, double **vals, int64_t *nframes,
                                     int64_t *nz, struct derm_err *err)
{
    if (!h5_path || !name || !vals || !nframes || !nz)
        return derm_err_set(err, DERM_EINTERNAL, "derm_output_read_profile: NULL argument");
    *vals = NULL;
    *nframes = *nz = 0;
    hid_t file, ds = H5I_INVALID_HID;
    DERM_TRY(open_ro(h5_path, &file, err));
    int rank = 0;
    hsize_t dims[4] = {0};
    double *v = NULL;
    derm_status st = derm_h5util_shape(file, name, DERM_H5_REAL, &rank, dims, h5_path, err);
    if (st == DERM_ECORRUPT && strstr(err->msg, "no dataset"))
        st = derm_err_set(err, DERM_EIO, "%s: no profile named '%s' (written by an older dermsim?)", h5_path, name);
    if (st == DERM_OK && rank != 2)
        st = derm_err_set(err, DERM_EIO, "%s: '%s' is %d-dimensional, not a (frame, z) profile", h5_path, name, rank);
    if (st == DERM_OK && (double)dims[0] * (double)dims[1] > (double)DERM_H5_MAX_ELEMENTS)
        st = derm_err_set(err, DERM_ECORRUPT, "%s: '%s' declares %llu x %llu values", h5_path, name,
                          (unsigned long long)dims[0], (unsigned long long)dims[1]);
    if (st == DERM_OK && !(v = malloc(sizeof(double) * (size_t)(dims[0] * dims[1] > 0 ? dims[0] * dims[1] : 1))))
        st = derm_err_set(err, DERM_ENOMEM, "%s: cannot allocate the values of %s", h5_path, name);
    if (st == DERM_OK && dims[0] * dims[1] > 0) {
        ds = H5Dopen2(file, name, H5P_DEFAULT);
        if (ds < 0 || H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
            st = derm_h5util_fail(err, h5_path, "read dataset", name);
    }
    derm_h5util_close(&ds);
    H5Fclose(file);
    if (st != DERM_OK) {
        free(v);
        return st;
    }
    *vals = v;
    *nframes = (int64_t)dims[0];
    *nz = (int64_t)dims[1];
    return DERM_OK;
}

derm_status derm_output_read_completed(const char *h5_path, int *completed, struct derm_err *err)
{
    if (!h5_path || !completed) return derm_err_set(err, DERM_EINTERNAL, "derm_output_read_completed: NULL argument");
    *completed = 0;
    hid_t file;
    DERM_TRY(open_ro(h5_path, &file, err));
    int64_t c = 0;
    derm_status st = derm_h5util_read_int_attr(file, "completed", &c, h5_path, err);
    H5Fclose(file);
    if (st != DERM_OK) return st;
    *completed = c == 1;
    return DERM_OK;
}

/* ---- verification --------------------------------------------------------------------------- */

/* One verification: the open file, its name, what is found so far. */
struct vctx {
    hid_t file;
    const char *path;
    struct derm_output_summary *s;
    struct derm_err *err;
    char **series; /* 1-D series along time (coordinates "step age_years"), file order */
    int nseries;
    int64_t row_len_max, frame_len_max;
    /* derm_output_verify_prefix: only rows [0, lim_rows) and frames [0, lim_frames) are read
     * and everything after them is ignored (-1: the whole file) */
    int64_t lim_rows, lim_frames;
};

/* An unfinished file with limits: its rows and frames up to the limits must be there
 * (what a checkpoint recorded as flushed); counts are cut to them. */
static derm_status apply_limit(struct vctx *V, const char *what, int64_t lim, int64_t *count)
{
    if (lim < 0 || V->s->completed) return DERM_OK;
    if (*count < lim)
        return derm_err_set(V->err, DERM_ECORRUPT, "%s: holds %" PRId64 " %s but %" PRId64 " were recorded as written",
                            V->path, *count, what, lim);
    *count = lim;
    return DERM_OK;
}

/* Dimension 0 of dataset `name` (kind, rank given); *len; checks dims[1..] against want. */
static derm_status var_len(struct vctx *V, const char *name, enum derm_h5_kind kind, int rank, const hsize_t *want,
                           int64_t *len)
{
    int r = 0;
    hsize_t dims[4] = {0};
    DERM_TRY(derm_h5util_shape(V->file, name, kind, &r, dims, V->path, V->err));
    if (r != rank)
        return derm_err_set(V->err, DERM_ECORRUPT, "%s: '%s' has rank %d; expected %d", V->path, name, r, rank);
    for (int i = 1; i < rank; i++)
        if (dims[i] != want[i - 1])
            return derm_err_set(V->err, DERM_ECORRUPT, "%s: '%s' has %llu along axis %d; expected %llu", V->path, name,
                                (unsigned long long)dims[i], i, (unsigned long long)want[i - 1]);
    if (dims[0] > (hsize_t)DERM_H5_MAX_ELEMENTS)
        return derm_err_set(V->err, DERM_ECORRUPT, "%s: '%s' declares %llu rows", V->path, name,
                            (unsigned long long)dims[0]);
    *len = (int64_t)dims[0];
    return DERM_OK;
}

/* Fold the length of one row or frame variable into [min, max]. */
static void fold(int64_t len, int64_t *min, int64_t *max)
{
    if (*min < 0 || len < *min) *min = len;
    if (len > *max) *max = len;
}

struct series_list {
    struct vctx *V;
    derm_status st;
};

/* Link iteration callback: collect the 1-D series along time in creation order. */
static herr_t list_series_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    struct series_list *L = data;
    struct vctx *V = L->V;
    char *coords = NULL;
    if (info->type != H5L_TYPE_HARD) return 0;
    struct derm_err e = {0};
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    int is_series = derm_h5util_read_str_attr(ds, "coordinates", &coords, V->path, &e) == DERM_OK &&
                    strcmp(coords, TIME_COORDS) == 0;
    free(coords);
    H5Dclose(ds);
    H5Eclear2(H5E_DEFAULT);
    if (!is_series) return 0;
    if (V->nseries >= MAX_SERIES) {
        L->st = derm_err_set(V->err, DERM_ECORRUPT, "%s: more than %d series", V->path, MAX_SERIES);
        return 1;
    }
    char *copy = malloc(strlen(name) + 1);
    if (!copy) {
        L->st = derm_err_set(V->err, DERM_ENOMEM, "%s: out of memory", V->path);
        return 1;
    }
    strcpy(copy, name);
    V->series[V->nseries++] = copy;
    return 0;
}

/* Open every attribute of obj (their messages carry the object's metadata checksum). */
static herr_t walk_attr_cb(hid_t obj, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    int *n = data;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    hid_t sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    int ok = a >= 0 && t >= 0 && sp >= 0 && H5Sget_simple_extent_npoints(sp) >= 0;
    derm_h5util_close(&sp);
    derm_h5util_close(&t);
    derm_h5util_close(&a);
    return ok && ++*n < 100000 ? 0 : -1;
}

struct walk {
    struct vctx *V;
    int objects;
    char bad[200];
};

/* Every link of the root by name: a hard link to a dataset whose header and attributes load. */
static herr_t walk_link_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    struct walk *w = data;
    int nattr = 0;
    hid_t ds = info->type == H5L_TYPE_HARD ? H5Dopen2(g, name, H5P_DEFAULT) : H5I_INVALID_HID;
    hsize_t idx = 0;
    int ok = ds >= 0 && H5Aiterate2(ds, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, walk_attr_cb, &nattr) >= 0;
    derm_h5util_close(&ds);
    if (!ok || ++w->objects > MAX_SERIES * 4) {
        snprintf(w->bad, sizeof w->bad, "%.120s", name);
        return -1;
    }
    return 0;
}

static herr_t walk_obj_cb(hid_t o, const char *name, const H5O_info_t *info, void *data)
{
    (void)o;
    (void)name;
    (void)info;
    return ++*(int *)data < 100000 ? 0 : -1;
}

/* Every object and attribute reachable from the root, through both link indexes, and the
 * whole object information HDF5's own visit gathers (index and heap sizes included). */
static derm_status verify_walk(struct vctx *V)
{
    struct walk w = {V, 0, ""};
    int nattr = 0;
    hsize_t idx = 0;
    if (H5Aiterate2(V->file, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, walk_attr_cb, &nattr) < 0)
        snprintf(w.bad, sizeof w.bad, "the root attributes");
    const H5_index_t order[2] = {H5_INDEX_NAME, H5_INDEX_CRT_ORDER};
    for (int i = 0; i < 2 && !w.bad[0]; i++) {
        idx = 0;
        w.objects = 0;
        if (H5Literate(V->file, order[i], H5_ITER_INC, &idx, walk_link_cb, &w) < 0 && !w.bad[0])
            snprintf(w.bad, sizeof w.bad, "the %s index of the root group", i ? "creation-order" : "name");
    }
    int nobj = 0;
    if (!w.bad[0] && H5Ovisit2(V->file, H5_INDEX_NAME, H5_ITER_INC, walk_obj_cb, &nobj, H5O_INFO_ALL) < 0)
        snprintf(w.bad, sizeof w.bad, "the object headers and indexes");
    H5Eclear2(H5E_DEFAULT);
    if (w.bad[0]) return derm_err_set(V->err, DERM_ECORRUPT, "%s: cannot read %s (damaged metadata)", V->path, w.bad);
    return DERM_OK;
}

/* The root attributes the writer makes, each of the type and shape it writes. */
static derm_status verify_root_attrs(struct vctx *V)
{
    static const char *const strs[] = {"Conventions",  "title",       "software",        "software_version",
                                       "git_describe", "compiler",    "build_flags",     "hdf5_version",
                                       "created_utc",  "config_text", "config_resolved", "command_line"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        char *v = NULL;
        derm_status st = derm_h5util_read_str_attr(V->file, strs[i], &v, V->path, V->err);
        free(v);
        if (st != DERM_OK) return st;
    }
    uint64_t seed;
    int64_t threads;
    double h;
    DERM_TRY(derm_h5util_read_u64_attr(V->file, "seed", &seed, V->path, V->err));
    DERM_TRY(derm_h5util_read_int_attr(V->file, "omp_threads", &threads, V->path, V->err));
    DERM_TRY(derm_h5util_read_real_attr(V->file, "voxel_um", &h, V->path, V->err));
    if (!(h > 0.0 && h < 1e6)) return derm_err_set(V->err, DERM_ECORRUPT, "%s: voxel_um is %g", V->path, h);
    return DERM_OK;
}

/* The root attributes, the grid and the list of series. */
static derm_status verify_structure(struct vctx *V)
{
    struct derm_output_summary *s = V->s;
    int64_t completed = 0;
    if (!derm_h5util_exists(V->file, "time") || H5Aexists(V->file, "completed") <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return derm_err_set(V->err, DERM_EIO, "%s: not a dermsim run file (no 'completed' attribute or 'time' series)",
                            V->path);
    }
    DERM_TRY(derm_h5util_read_int_attr(V->file, "completed", &completed, V->path, V->err));
    if (completed != 0 && completed != 1)
        return derm_err_set(V->err, DERM_ECORRUPT, "%s: attribute 'completed' is %" PRId64 "; expected 0 or 1", V->path,
                            completed);
    s->completed = (int)completed;
    DERM_TRY(verify_walk(V));
    DERM_TRY(verify_root_attrs(V));
    int64_t *n[3] = {&s->nx, &s->ny, &s->nz};
    const char *axis[3] = {"x", "y", "z"};
    for (int i = 0; i < 3; i++) {
        DERM_TRY(var_len(V, axis[i], DERM_H5_REAL, 1, NULL, n[i]));
        if (*n[i] < 1 || *n[i] > MAX_AXIS)
            return derm_err_set(V->err, DERM_ECORRUPT, "%s: axis %s has %" PRId64 " cells", V->path, axis[i], *n[i]);
    }
    s->has_fields = derm_h5util_exists(V->file, derm_field_desc(0)->name);
    s->has_agents = derm_h5util_exists(V->file, "agent_count");
    /* files of dermsim before the checksums (issue 12) are read without them */
    s->has_checksums = derm_h5util_exists(V->file, "row_checksum") || derm_h5util_exists(V->file, "frame_checksum");
    V->series = calloc(MAX_SERIES, sizeof *V->series);
    if (!V->series) return derm_err_set(V->err, DERM_ENOMEM, "%s: out of memory", V->path);
    struct series_list L = {V, DERM_OK};
    hsize_t idx = 0;
    if (H5Literate(V->file, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, list_series_cb, &L) < 0 && L.st == DERM_OK) {
        H5Eclear2(H5E_DEFAULT);
        idx = 0; /* files without a creation-order index: name order (not written by dermsim) */
        if (H5Literate(V->file, H5_INDEX_NAME, H5_ITER_INC, &idx, list_series_cb, &L) < 0 && L.st == DERM_OK)
            return derm_h5util_fail(V->err, V->path, "list the variables of", "/");
    }
    return L.st;
}

/* Complete rows: the shortest of time, step, age_years, row_checksum and every series. */
static derm_status verify_row_lengths(struct vctx *V)
{
    int64_t min = -1, max = 0, len;
    const char *fixed[] = {"time", "age_years"};
    for (int i = 0; i < 2; i++) {
        DERM_TRY(var_len(V, fixed[i], DERM_H5_REAL, 1, NULL, &len));
        fold(len, &min, &max);
    }
    DERM_TRY(var_len(V, "step", DERM_H5_INT, 1, NULL, &len));
    fold(len, &min, &max);
    if (V->s->has_checksums) {
        DERM_TRY(var_len(V, "row_checksum", DERM_H5_INT, 1, NULL, &len));
        fold(len, &min, &max);
    }
    for (int t = 0; t < V->nseries; t++) {
        DERM_TRY(var_len(V, V->series[t], DERM_H5_REAL, 1, NULL, &len));
        fold(len, &min, &max);
    }
    V->s->rows = min;
    V->row_len_max = max;
    if (V->lim_rows >= 0 && !V->s->completed) return apply_limit(V, "rows", V->lim_rows, &V->s->rows);
    if (max - min > 1 || (V->s->completed && max != min))
        return derm_err_set(V->err, DERM_ECORRUPT, "%s: series lengths disagree (%" PRId64 " to %" PRId64 " rows)",
                            V->path, min, max);
    V->s->trailing |= max != min;
    return DERM_OK;
}

/* May the last row or frame of this file be unfinished (not counted) rather than damaged?
 * Only in a file of a run that did not complete, and not where a checkpoint recorded it as
 * written (lim >= 0). */
static int forgive_last(struct vctx *V, int64_t lim)
{
    H5Eclear2(H5E_DEFAULT);
    return !V->s->completed && lim < 0;
}

/* Read rows [r0, r0 + n) of every row variable and check each row's CRC-32. */
static derm_status verify_row_block(struct vctx *V, int64_t r0, int64_t n, double *time, int64_t *step, double *age,
                                    uint32_t *crc, double *vals)
{
    struct {
        const char *name;
        hid_t mtype;
        void *buf;
    } fixed[4] = {{"time", H5T_NATIVE_DOUBLE, time},
                  {"step", H5T_NATIVE_INT64, step},
                  {"age_years", H5T_NATIVE_DOUBLE, age},
                  {"row_checksum", H5T_NATIVE_UINT32, crc}};
    derm_status st = DERM_OK;
    for (int i = 0; i < 4 + V->nseries && st == DERM_OK; i++) {
        if (i == 3 && !V->s->has_checksums) continue;
        const char *name = i < 4 ? fixed[i].name : V->series[i - 4];
        hid_t ds = H5Dopen2(V->file, name, H5P_DEFAULT);
        if (ds < 0) return derm_h5util_fail(V->err, V->path, "open dataset", name);
        st = derm_h5util_read_rows(ds, name, i < 4 ? fixed[i].mtype : H5T_NATIVE_DOUBLE, r0, n,
                                   i < 4 ? fixed[i].buf : vals + (size_t)(i - 4) * (size_t)n, V->path, V->err);
        H5Dclose(ds);
    }
    if (st != DERM_OK) return derm_err_set(V->err, DERM_ECORRUPT, "%s", V->err->msg);
    for (int64_t i = 0; i < n; i++) {
        uint32_t c = derm_crc_32(0, &time[i], sizeof *time);
        c = derm_crc_32(c, &step[i], sizeof *step);
        c = derm_crc_32(c, &age[i], sizeof *age);
        for (int t = 0; t < V->nseries; t++)
            c = derm_crc_32(c, &vals[(size_t)t * (size_t)n + (size_t)i], sizeof(double));
        if (V->s->has_checksums && c != crc[i])
            return derm_err_set(V->err, DERM_ECORRUPT,
                                "%s: series row %" PRId64 " (step %" PRId64 ") fails its checksum", V->path, r0 + i,
                                step[i]);
        if (r0 + i > 0 && i > 0 && step[i] <= step[i - 1])
            return derm_err_set(V->err, DERM_ECORRUPT, "%s: series row %" PRId64 " does not advance the step", V->path,
                                r0 + i);
    }
    V->s->last_step = n > 0 ? step[n - 1] : V->s->last_step;
    return DERM_OK;
}

static derm_status verify_rows(struct vctx *V)
{
    DERM_TRY(verify_row_lengths(V));
    const int64_t R = V->s->rows, B = R < ROW_BLOCK ? (R > 0 ? R : 1) : ROW_BLOCK;
    double *time = malloc((size_t)B * sizeof *time), *age = malloc((size_t)B * sizeof *age);
    int64_t *step = malloc((size_t)B * sizeof *step);
    uint32_t *crc = malloc((size_t)B * sizeof *crc);
    double *vals = malloc((size_t)B * (size_t)(V->nseries > 0 ? V->nseries : 1) * sizeof *vals);
    derm_status st = DERM_OK;
    if (!time || !age || !step || !crc || !vals) st = derm_err_set(V->err, DERM_ENOMEM, "%s: out of memory", V->path);
    /* every row but the last, then the last: in an unfinished file (killed while HDF5 flushed
     * its row, in HDF5's own order) it may be incomplete; it is then not counted */
    const int64_t Rs = R > 0 ? R - 1 : 0;
    for (int64_t r0 = 0; r0 < Rs && st == DERM_OK; r0 += B)
        st = verify_row_block(V, r0, Rs - r0 < B ? Rs - r0 : B, time, step, age, crc, vals);
    if (st == DERM_OK && R > 0) {
        st = verify_row_block(V, R - 1, 1, time, step, age, crc, vals);
        if (st == DERM_ECORRUPT && forgive_last(V, V->lim_rows)) {
            V->s->rows = R - 1;
            V->s->trailing = 1;
            st = DERM_OK;
        }
    }
    free(time);
    free(age);
    free(step);
    free(crc);
    free(vals);
    return st;
}

/* Complete frames: the shortest of every per-frame variable. */
static derm_status verify_frame_lengths(struct vctx *V)
{
    struct derm_output_summary *s = V->s;
    int64_t min = -1, max = 0, len;
    const hsize_t rest3[3] = {(hsize_t)s->nz, (hsize_t)s->ny, (hsize_t)s->nx}, restz = (hsize_t)s->nz;
    const char *reals[] = {"frame_time", "frame_age_years"};
    for (int i = 0; i < 2; i++) {
        DERM_TRY(var_len(V, reals[i], DERM_H5_REAL, 1, NULL, &len));
        fold(len, &min, &max);
    }
    const char *ints[] = {"frame_step", "agent_count", "frame_checksum"};
    const int want[] = {1, s->has_agents, s->has_checksums};
    for (int i = 0; i < 3; i++) {
        if (!want[i]) continue;
        DERM_TRY(var_len(V, ints[i], DERM_H5_INT, 1, NULL, &len));
        fold(len, &min, &max);
    }
    for (int f = 0; f < DERM_NFIELDS; f++) {
        char name[160];
        const char *fn = derm_field_desc(f)->name;
        if (s->has_fields) {
            DERM_TRY(var_len(V, fn, DERM_H5_REAL, 4, rest3, &len));
            fold(len, &min, &max);
        }
        snprintf(name, sizeof name, "%s_profile", fn);
        DERM_TRY(var_len(V, name, DERM_H5_REAL, 2, &restz, &len));
        fold(len, &min, &max);
    }
    for (int i = 0; i < DERM_NFRAME_PROFILES; i++) {
        DERM_TRY(var_len(V, derm_output_frame_profile(i)->name, DERM_H5_REAL, 2, &restz, &len));
        fold(len, &min, &max);
    }
    s->frames = min;
    V->frame_len_max = max;
    if (V->lim_frames >= 0 && !s->completed) return apply_limit(V, "frames", V->lim_frames, &s->frames);
    if (max - min > 1 || (s->completed && max != min))
        return derm_err_set(V->err, DERM_ECORRUPT, "%s: frame variables disagree (%" PRId64 " to %" PRId64 " frames)",
                            V->path, min, max);
    s->trailing |= max != min;
    return DERM_OK;
}

/* Read the agent rows [off, off + n) of every column, continuing crc. */
static derm_status frame_agents_crc(struct vctx *V, int64_t off, int64_t n, uint32_t *crc, void *buf)
{
    for (int c = 0; c < NACOLS; c++) {
        char name[128];
        snprintf(name, sizeof name, "agent_%s", acols[c].name);
        hid_t mt = acols[c].kind == DERM_COL_I64   ? H5T_NATIVE_INT64
                   : acols[c].kind == DERM_COL_I32 ? H5T_NATIVE_INT32
                   : acols[c].kind == DERM_COL_I8  ? H5T_NATIVE_INT8
                                                   : H5T_NATIVE_FLOAT;
        hid_t ds = H5Dopen2(V->file, name, H5P_DEFAULT);
        if (ds < 0) return derm_h5util_fail(V->err, V->path, "open dataset", name);
        derm_status st = derm_h5util_read_rows(ds, name, mt, off, n, buf, V->path, V->err);
        H5Dclose(ds);
        if (st != DERM_OK) return derm_err_set(V->err, DERM_ECORRUPT, "%s", V->err->msg);
        *crc = derm_crc_32(*crc, buf, (size_t)n * H5Tget_size(mt));
    }
    return DERM_OK;
}

/* The agent table: counts of the complete frames against the columns. */
static derm_status verify_agent_table(struct vctx *V, const int64_t *count)
{
    struct derm_output_summary *s = V->s;
    int64_t total = 0, len;
    for (int64_t k = 0; k < s->frames; k++) {
        if (count[k] < 0 || count[k] > DERM_H5_MAX_ELEMENTS || total > DERM_H5_MAX_ELEMENTS)
            return derm_err_set(V->err, DERM_ECORRUPT, "%s: agent_count of frame %" PRId64 " is %" PRId64, V->path, k,
                                count[k]);
        total += count[k];
    }
    for (int c = 0; c < NACOLS; c++) {
        char name[128];
        snprintf(name, sizeof name, "agent_%s", acols[c].name);
        DERM_TRY(var_len(V, name, acols[c].kind == DERM_COL_F64 ? DERM_H5_REAL : DERM_H5_INT, 1, NULL, &len));
        if (len < total || (s->completed && !s->trailing && len != total))
            return derm_err_set(V->err, DERM_ECORRUPT,
                                "%s: '%s' has %" PRId64 " rows but agent_count adds up to %" PRId64, V->path, name, len,
                                total);
    }
    s->agent_rows = total;
    return DERM_OK;
}

/* Every chunk of frame k of ds (chunk shape `chunk`, frame shape cnt) is stored, with all
 * its filters: a damaged chunk index would otherwise read as fill values without an error. */
static derm_status frame_chunks_stored(struct vctx *V, hid_t ds, const char *nm, int rank, const hsize_t *cnt,
                                       const hsize_t *chunk, int64_t k)
{
    hsize_t per[4] = {1, 1, 1, 1}, idx[4] = {0, 0, 0, 0}, total = 1;
    for (int i = 1; i < rank; i++) {
        per[i] = (cnt[i] + chunk[i] - 1) / chunk[i];
        total *= per[i];
    }
    for (hsize_t c = 0; c < total; c++) {
        hsize_t off[4] = {(hsize_t)k, 0, 0, 0}, rest = c;
        for (int i = rank - 1; i >= 1; i--) {
            idx[i] = rest % per[i];
            rest /= per[i];
            off[i] = idx[i] * chunk[i];
        }
        unsigned mask = 0;
        haddr_t addr = HADDR_UNDEF;
        hsize_t size = 0;
        if (H5Dget_chunk_info_by_coord(ds, off, &mask, &addr, &size) < 0 || addr == HADDR_UNDEF || mask != 0 ||
            size == 0) {
            H5Eclear2(H5E_DEFAULT);
            return derm_err_set(V->err, DERM_ECORRUPT,
                                "%s: frame %" PRId64 " of '%s' has a chunk missing from its index", V->path, k, nm);
        }
    }
    V->s->chunks_read += (int64_t)total;
    return DERM_OK;
}

/* Frame k of field or profile nm: every chunk stored, then read (decompressed, checksummed). */
static derm_status frame_slab(struct vctx *V, const char *nm, int rank, const hsize_t *cnt, int64_t k, hid_t mtype,
                              void *buf)
{
    hsize_t start[4] = {(hsize_t)k, 0, 0, 0}, chunk[4] = {1, 1, 1, 1};
    hid_t ds = H5Dopen2(V->file, nm, H5P_DEFAULT), fsp = H5I_INVALID_HID, msp = H5I_INVALID_HID;
    hid_t dcpl = ds >= 0 ? H5Dget_create_plist(ds) : H5I_INVALID_HID;
    derm_status st = DERM_OK;
    /* files of dermsim before issue 12 (no checksums) chunked profiles over many frames */
    if (dcpl < 0 || H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, rank, chunk) != rank ||
        (chunk[0] != 1 && V->s->has_checksums))
        st = derm_err_set(V->err, DERM_ECORRUPT, "%s: '%s' is not chunked one frame per chunk", V->path, nm);
    for (int i = 1; i < rank && st == DERM_OK; i++)
        if (chunk[i] < 1 || chunk[i] > cnt[i])
            st = derm_err_set(V->err, DERM_ECORRUPT, "%s: '%s' has a bad chunk shape", V->path, nm);
    if (st == DERM_OK && chunk[0] == 1) st = frame_chunks_stored(V, ds, nm, rank, cnt, chunk, k);
    if (st == DERM_OK && ((fsp = H5Dget_space(ds)) < 0 || (msp = H5Screate_simple(rank, cnt, NULL)) < 0 ||
                          H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, cnt, NULL) < 0 ||
                          H5Dread(ds, mtype, msp, fsp, H5P_DEFAULT, buf) < 0)) {
        char detail[512];
        derm_h5util_detail(detail, sizeof detail);
        st = derm_err_set(V->err, DERM_ECORRUPT, "%s: frame %" PRId64 " of '%s' is unreadable: %s", V->path, k, nm,
                          detail);
    }
    derm_h5util_close(&dcpl);
    derm_h5util_close(&msp);
    derm_h5util_close(&fsp);
    derm_h5util_close(&ds);
    H5Eclear2(H5E_DEFAULT);
    return st;
}

/* Every chunk of frame k's fields and profiles: stored, decompressed (Fletcher32 checked),
 * their values added to the frame's CRC *crc in the writer's order. */
static derm_status verify_frame_chunks(struct vctx *V, int64_t k, float *fbuf, double *pbuf, uint32_t *crc)
{
    struct derm_output_summary *s = V->s;
    const hsize_t n3[4] = {1, (hsize_t)s->nz, (hsize_t)s->ny, (hsize_t)s->nx}, n2[2] = {1, (hsize_t)s->nz};
    const size_t nvox = (size_t)(s->nx * s->ny * s->nz);
    for (int f = 0; f < DERM_NFIELDS; f++) {
        char name[160];
        const char *fn = derm_field_desc(f)->name;
        snprintf(name, sizeof name, "%s_profile", fn);
        if (s->has_fields) {
            DERM_TRY(frame_slab(V, fn, 4, n3, k, H5T_NATIVE_FLOAT, fbuf));
            *crc = derm_crc_32(*crc, fbuf, nvox * sizeof *fbuf);
        }
        DERM_TRY(frame_slab(V, name, 2, n2, k, H5T_NATIVE_DOUBLE, pbuf));
        *crc = derm_crc_32(*crc, pbuf, (size_t)s->nz * sizeof *pbuf);
    }
    for (int i = 0; i < DERM_NFRAME_PROFILES; i++) {
        DERM_TRY(frame_slab(V, derm_output_frame_profile(i)->name, 2, n2, k, H5T_NATIVE_DOUBLE, pbuf));
        *crc = derm_crc_32(*crc, pbuf, (size_t)s->nz * sizeof *pbuf);
    }
    return DERM_OK;
}

/* Frame coordinates, checksums, agent rows and chunks of frames [k0, k1). */
static derm_status verify_frame_range(struct vctx *V, int64_t k0, int64_t k1, const double *ft, const int64_t *fs,
                                      const double *fa, const uint32_t *fc, const int64_t *count)
{
    struct derm_output_summary *s = V->s;
    float *fbuf = s->has_fields ? malloc((size_t)(s->nx * s->ny * s->nz) * sizeof *fbuf) : NULL;
    double *pbuf = malloc((size_t)s->nz * sizeof *pbuf);
    int64_t maxc = 1, off = 0;
    for (int64_t k = 0; k < k1; k++) maxc = count && count[k] > maxc ? count[k] : maxc;
    void *abuf = s->has_agents ? malloc((size_t)maxc * 8) : NULL;
    derm_status st = DERM_OK;
    if ((s->has_fields && !fbuf) || !pbuf || (s->has_agents && !abuf))
        st = derm_err_set(V->err, DERM_ENOMEM, "%s: out of memory", V->path);
    for (int64_t k = 0; k < k0 && count; k++) off += count[k];
    for (int64_t k = k0; k < k1 && st == DERM_OK; k++) {
        uint32_t c = derm_crc_32(0, &ft[k], sizeof *ft);
        c = derm_crc_32(c, &fs[k], sizeof *fs);
        c = derm_crc_32(c, &fa[k], sizeof *fa);
        st = verify_frame_chunks(V, k, fbuf, pbuf, &c);
        if (st == DERM_OK && s->has_agents) {
            c = derm_crc_32(c, &count[k], sizeof *count);
            st = frame_agents_crc(V, off, count[k], &c, abuf);
            off += count[k];
        }
        if (st == DERM_OK && fc && c != fc[k])
            st = derm_err_set(V->err, DERM_ECORRUPT, "%s: frame %" PRId64 " (step %" PRId64 ") fails its checksum",
                              V->path, k, fs[k]);
    }
    free(fbuf);
    free(pbuf);
    free(abuf);
    return st;
}

/* Frames [0, F): coordinates, checksums, agent table; every chunk if full, else frame F - 1's. */
static derm_status verify_frames_upto(struct vctx *V, int full, int64_t F)
{
    struct derm_output_summary *s = V->s;
    s->frames = F;
    s->last_frame_step = -1;
    void *ft = NULL, *fs = NULL, *fa = NULL, *fc = NULL, *count = NULL;
    derm_status st =
        derm_h5util_read_1d(V->file, "frame_time", DERM_H5_REAL, H5T_NATIVE_DOUBLE, 8, F, &ft, V->path, V->err);
    if (st == DERM_OK)
        st = derm_h5util_read_1d(V->file, "frame_step", DERM_H5_INT, H5T_NATIVE_INT64, 8, F, &fs, V->path, V->err);
    if (st == DERM_OK)
        st = derm_h5util_read_1d(V->file, "frame_age_years", DERM_H5_REAL, H5T_NATIVE_DOUBLE, 8, F, &fa, V->path,
                                 V->err);
    if (st == DERM_OK && s->has_checksums)
        st = derm_h5util_read_1d(V->file, "frame_checksum", DERM_H5_INT, H5T_NATIVE_UINT32, 4, F, &fc, V->path, V->err);
    if (st == DERM_OK && s->has_agents)
        st = derm_h5util_read_1d(V->file, "agent_count", DERM_H5_INT, H5T_NATIVE_INT64, 8, F, &count, V->path, V->err);
    if (st == DERM_OK && s->has_agents) st = verify_agent_table(V, count);
    if (st == DERM_OK && F > 0) {
        s->last_frame_step = ((int64_t *)fs)[F - 1];
        st = verify_frame_range(V, full ? 0 : F - 1, F, ft, fs, fa, fc, count);
    }
    free(ft);
    free(fs);
    free(fa);
    free(fc);
    free(count);
    return st;
}

static derm_status verify_frames(struct vctx *V, int full)
{
    struct derm_output_summary *s = V->s;
    DERM_TRY(verify_frame_lengths(V));
    const int64_t F = s->frames, chunks = s->chunks_read;
    derm_status st = verify_frames_upto(V, full, F);
    /* the last frame of an unfinished file may be incomplete (killed while HDF5 flushed it,
     * in its own order: a chunk or a coordinate not yet on disk); it is then not counted, and
     * every frame before it must verify */
    if (st == DERM_ECORRUPT && F > 0 && forgive_last(V, V->lim_frames)) {
        s->chunks_read = chunks;
        st = verify_frames_upto(V, full, F - 1);
        s->trailing = 1;
    }
    return st;
}

/* A failed check of a file beside which an undo log lies was made on a run killed while it
 * wrote: its torn metadata is what resume restores first, and the message says so. */
static derm_status undo_hint(const char *h5_path, derm_status st, struct derm_err *err)
{
    char undo[4096];
    if (st == DERM_OK || snprintf(undo, sizeof undo, "%s.undo", h5_path) >= (int)sizeof undo || access(undo, F_OK) != 0)
        return st;
    char msg[DERM_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return derm_err_set(err, st,
                        "%s (%s is present: the run was killed while it wrote, and `dermsim resume` restores the "
                        "file from that log first)",
                        msg, undo);
}

/* derm_output_verify in the calling process. */
static derm_status verify_here(const char *h5_path, int full, const struct derm_output_pos *lim,
                               struct derm_output_summary *s_out, struct derm_err *err)
{
    struct derm_output_summary s;
    memset(&s, 0, sizeof s);
    s.last_step = s.last_frame_step = -1;
    hid_t file;
    DERM_TRY(open_ro(h5_path, &file, err));
    struct vctx V = {file, h5_path, &s, err, NULL, 0, 0, 0, lim ? lim->rows : -1, lim ? lim->frames : -1};
    char *cfg = NULL;
    struct derm_err ignored = {0};
    if (derm_h5util_read_str_attr(file, "config_resolved", &cfg, h5_path, &ignored) == DERM_OK && cfg) {
        s.has_config = 1;
        s.config_crc = derm_crc_32(0, cfg, strlen(cfg));
    }
    free(cfg);
    H5Eclear2(H5E_DEFAULT);
    derm_status st = verify_structure(&V);
    if (st == DERM_OK) st = verify_rows(&V);
    if (st == DERM_OK) st = verify_frames(&V, full);
    /* a completed run ends with a row and a frame at its last step; an interrupted one stops
     * after the frame of its step, which is not a series step when the intervals differ */
    if (st == DERM_OK && s.completed && s.frames > 0 && s.last_frame_step > s.last_step)
        st = derm_err_set(err, DERM_ECORRUPT,
                          "%s: the last frame (step %" PRId64 ") is newer than the last series row (step %" PRId64 ")",
                          h5_path, s.last_frame_step, s.last_step);
    for (int t = 0; t < V.nseries; t++) free(V.series[t]);
    free(V.series);
    H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    if (s_out) *s_out = s;
    if (st == DERM_ECORRUPT && strncmp(err->msg, "damaged", 7) != 0) {
        char msg[DERM_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        derm_err_set(err, DERM_ECORRUPT, "damaged run file: %s", msg);
    }
    return st;
}

struct verify_args {
    const char *path;
    int full;
    const struct derm_output_pos *lim; /* NULL: the whole file */
};

static derm_status verify_child(void *arg, void *out, struct derm_err *err)
{
    const struct verify_args *a = arg;
    return verify_here(a->path, a->full, a->lim, out, err);
}

derm_status derm_output_verify(const char *h5_path, int full, struct derm_output_summary *s_out, struct derm_err *err)
{
    if (!h5_path) return derm_err_set(err, DERM_EINTERNAL, "derm_output_verify: NULL argument");
    struct derm_output_summary s;
    memset(&s, 0, sizeof s);
    struct verify_args a = {h5_path, full, NULL};
    derm_status st = derm_h5util_isolated(h5_path, verify_child, &a, &s, sizeof s, err);
    if (s_out) *s_out = s;
    return undo_hint(h5_path, st, err);
}

derm_status derm_output_verify_prefix(const char *h5_path, const struct derm_output_pos *pos,
                                      struct derm_output_summary *s_out, struct derm_err *err)
{
    if (!h5_path || !pos || pos->rows < 0 || pos->frames < 0)
        return derm_err_set(err, DERM_EINTERNAL, "derm_output_verify_prefix: bad argument");
    struct derm_output_summary s;
    memset(&s, 0, sizeof s);
    struct verify_args a = {h5_path, 1, pos};
    derm_status st = derm_h5util_isolated(h5_path, verify_child, &a, &s, sizeof s, err);
    if (s_out) *s_out = s;
    return st;
}

derm_status derm_output_read_text(const char *h5_path, const char *name, char **text, struct derm_err *err)
{
    *text = NULL;
    hid_t file;
    DERM_TRY(open_ro(h5_path, &file, err));
    const derm_status st = derm_h5util_read_str_attr(file, name, text, h5_path, err);
    H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    return st;
}

/* ---- dermsim info ------------------------------------------------------------------------------ */

/* Print a root string attribute (one line: control characters shown as '?'). */
static void print_str_attr(hid_t file, const char *label, const char *name, const char *path, FILE *fp)
{
    char *v = NULL;
    struct derm_err e = {0};
    if (derm_h5util_read_str_attr(file, name, &v, path, &e) != DERM_OK) {
        fprintf(fp, "%-11s ?\n", label);
        return;
    }
    for (char *c = v; *c; c++)
        if ((unsigned char)*c < 0x20) *c = '?';
    fprintf(fp, "%-11s %.200s\n", label, v);
    free(v);
}

static void info_header(hid_t file, const char *path, const struct derm_output_summary *s, FILE *fp)
{
    struct derm_err e = {0};
    fprintf(fp, "file:       %s\n", path);
    char *sw = NULL, *ver = NULL, *git = NULL;
    derm_h5util_read_str_attr(file, "software", &sw, path, &e);
    derm_h5util_read_str_attr(file, "software_version", &ver, path, &e);
    derm_h5util_read_str_attr(file, "git_describe", &git, path, &e);
    char line[400];
    snprintf(line, sizeof line, "%.60s %.60s (git %.80s)", sw ? sw : "?", ver ? ver : "?", git ? git : "?");
    for (char *c = line; *c; c++)
        if ((unsigned char)*c < 0x20) *c = '?';
    fprintf(fp, "software:   %s\n", line);
    free(sw);
    free(ver);
    free(git);
    print_str_attr(file, "created:", "created_utc", path, fp);
    if (H5Aexists(file, "storage_precision") > 0) /* float32 from dermsim-lean; absent before 2026-12-04 */
        print_str_attr(file, "storage:", "storage_precision", path, fp);
    uint64_t seed = 0;
    int64_t threads = 0;
    if (derm_h5util_read_u64_attr(file, "seed", &seed, path, &e) == DERM_OK)
        fprintf(fp, "seed:       %" PRIu64 "\n", seed);
    if (derm_h5util_read_int_attr(file, "omp_threads", &threads, path, &e) == DERM_OK)
        fprintf(fp, "threads:    %" PRId64 "\n", threads);
    if (s->completed)
        fprintf(fp, "completed:  yes\n");
    else
        fprintf(fp, "completed:  NO - incomplete run (%" PRId64 " complete rows, %" PRId64 " frames%s)\n", s->rows,
                s->frames, s->trailing ? "; an unfinished row or frame at the end is not counted" : "");
}

static void info_body(hid_t file, const char *path, const struct derm_output_summary *s, FILE *fp)
{
    struct derm_err e = {0};
    double h = 0.0;
    derm_h5util_read_real_attr(file, "voxel_um", &h, path, &e);
    fprintf(fp,
            "grid:       %" PRId64 " x %" PRId64 " x %" PRId64
            " voxels (nx ny nz), voxel %g um, extent %g x %g x %g mm\n",
            s->nx, s->ny, s->nz, h, (double)s->nx * h * 1e-3, (double)s->ny * h * 1e-3, (double)s->nz * h * 1e-3);
    void *t = NULL, *a = NULL, *ft = NULL, *cnt = NULL;
    fprintf(fp, "series:     %" PRId64 " rows", s->rows);
    if (s->rows > 0 &&
        derm_h5util_read_1d(file, "time", DERM_H5_REAL, H5T_NATIVE_DOUBLE, 8, s->rows, &t, path, &e) == DERM_OK &&
        derm_h5util_read_1d(file, "age_years", DERM_H5_REAL, H5T_NATIVE_DOUBLE, 8, s->rows, &a, path, &e) == DERM_OK)
        fprintf(fp, ", time %g .. %g day, age %g .. %g years", ((double *)t)[0], ((double *)t)[s->rows - 1],
                ((double *)a)[0], ((double *)a)[s->rows - 1]);
    fputc('\n', fp);
    fprintf(fp, "frames:     %" PRId64, s->frames);
    if (s->frames > 0 && derm_h5util_read_1d(file, "frame_time", DERM_H5_REAL, H5T_NATIVE_DOUBLE, 8, s->frames, &ft,
                                             path, &e) == DERM_OK)
        fprintf(fp, " (time %g .. %g day)", ((double *)ft)[0], ((double *)ft)[s->frames - 1]);
    fputc('\n', fp);
    if (!s->has_agents)
        fprintf(fp, "agents:     not written\n");
    else if (s->frames == 0)
        fprintf(fp, "agents:     no frames\n");
    else if (derm_h5util_read_1d(file, "agent_count", DERM_H5_INT, H5T_NATIVE_INT64, 8, s->frames, &cnt, path, &e) ==
             DERM_OK)
        fprintf(fp, "agents:     %" PRId64 " in the last frame\n", ((int64_t *)cnt)[s->frames - 1]);
    free(t);
    free(a);
    free(ft);
    free(cnt);
}

static void info_key_totals(hid_t file, const char *path, int64_t rows, FILE *fp)
{
    fprintf(fp, "key totals (first -> last row):\n");
    for (size_t i = 0; i < sizeof info_totals / sizeof info_totals[0] && rows > 0; i++) {
        void *v = NULL;
        char *units = NULL;
        struct derm_err e = {0};
        if (derm_h5util_read_1d(file, info_totals[i], DERM_H5_REAL, H5T_NATIVE_DOUBLE, 8, rows, &v, path, &e) !=
            DERM_OK)
            continue;
        hid_t ds = H5Dopen2(file, info_totals[i], H5P_DEFAULT);
        if (ds >= 0) {
            derm_h5util_read_str_attr(ds, "units", &units, path, &e);
            H5Dclose(ds);
        }
        if (units && (!strcmp(units, "1") || strlen(units) > 30 || strpbrk(units, "\n\r"))) units[0] = '\0';
        fprintf(fp, "  %-30s %12.6g -> %12.6g %s\n", info_totals[i], ((double *)v)[0], ((double *)v)[rows - 1],
                units ? units : "");
        free(units);
        free(v);
    }
    H5Eclear2(H5E_DEFAULT);
}

struct info_args {
    const char *path;
    int full;
    FILE *fp;
};

/* The whole of `dermsim info`, in a child process: the strings it prints come from HDF5's
 * global heap, which a crafted file can make HDF5 read out of bounds. */
static derm_status info_child(void *arg, void *out, struct derm_err *err)
{
    const struct info_args *a = arg;
    struct derm_output_summary s;
    DERM_TRY(verify_here(a->path, a->full, NULL, &s, err));
    hid_t file;
    DERM_TRY(open_ro(a->path, &file, err));
    info_header(file, a->path, &s, a->fp);
    info_body(file, a->path, &s, a->fp);
    info_key_totals(file, a->path, s.rows, a->fp);
    if (s.has_checksums)
        fprintf(a->fp,
                "checks:     ok (%" PRId64 " rows and %" PRId64 " frames checksummed; %" PRId64
                " compressed chunks of %s read)\n",
                s.rows, a->full ? s.frames : (s.frames > 0), s.chunks_read, a->full ? "every frame" : "the last frame");
    else
        fprintf(a->fp, "checks:     ok (structure and chunks only: written by a dermsim without row checksums)\n");
    H5Fclose(file);
    *(int *)out = 1;
    return DERM_OK;
}

derm_status derm_output_info(const char *h5_path, int full, FILE *fp, struct derm_err *err)
{
    if (!h5_path || !fp) return derm_err_set(err, DERM_EINTERNAL, "derm_output_info: NULL argument");
    struct info_args a = {h5_path, full, fp};
    int done = 0;
    DERM_TRY(undo_hint(h5_path, derm_h5util_isolated(h5_path, info_child, &a, &done, sizeof done, err), err));
    derm_err_clear(err);
    return DERM_OK;
}
