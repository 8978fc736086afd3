/* output.c - writing the run file (run.h5) and its ParaView sidecar (run.xdmf).
 *
 * Owns: creating a run file, reopening an unfinished one to append (resume), appending
 * rows and frames, closing it, the XDMF sidecar. The file is netCDF-4 compatible (the layout
 * and its pitfalls are in shared/OUTPUT.md), flat at the root group, so that xarray
 * (engine="h5netcdf"), ncdump and h5py read it with real dimensions:
 *   - x, y, z: fixed coordinate variables (double, um, cell centres (i + 0.5) h) that are
 *     HDF5 dimension scales;
 *   - time: unlimited coordinate variable (double, "day"; never "days", which xarray
 *     decodes into timedeltas); step and age_years are auxiliary coordinates of it;
 *   - frame: unlimited coordinate variable (int64 frame number 0, 1, ...); frame_time,
 *     frame_step and frame_age_years are auxiliary coordinates of it (listed in the CF
 *     `coordinates` attribute of every per-frame variable);
 *   - agent: unlimited dimension without a coordinate variable, i.e. a netCDF-4 "pure
 *     dimension" scale dataset (NAME = "This is a netCDF dimension but not a netCDF
 *     variable.").
 * Everything written is driven by the registries: DERM_TOTALS (series), the field
 * registry (4-D snapshots and depth profiles) and DERM_AGENT_COLUMNS (the CF contiguous
 * ragged agent table), so adding a total, field or agent variable needs no change here.
 *
 * Crash consistency (output.h): a chunk holding flushed data is never rewritten with other
 * bytes. Fields are chunked (1, cz, cy, cx) and profiles (1, nz): one frame per chunk,
 * written once, with shuffle + deflate + Fletcher32. Appended 1-D variables are unfiltered,
 * so the last partial chunk is rewritten in place and the bytes of earlier rows do not
 * change (a filtered chunk would be re-compressed and, when its size changes, moved to
 * space HDF5 may hand out again before the next flush - the corruption of issue 12).
 * Their integrity is covered by row_checksum and frame_checksum (CRC-32, core/crc.h). The
 * file driver (h5file.c) reserves disk space before each row and frame and freezes the
 * file on the first failed write.
 *
 * The XDMF sidecar (io/xdmf.c, pure text) is told about every frame and rewritten after it; a
 * resumed file tells it about the frames it already holds.
 *
 * Every HDF5 return value is checked; failures become DERM_EHDF5 with the dataset, the file
 * and the innermost HDF5 message, or DERM_EIO with strerror when the disk refused a write.
 *
 * Does not: compute totals (sim.c), decide when to write (app/), read or verify files
 * (output_read.c), or depend on the number of threads (profiles are lateral means summed
 * serially in a fixed order).
 */
#define _POSIX_C_SOURCE 200809L

#include "derm/io/output.h"
#include "derm/io/xdmf.h"

#include <errno.h>
#include <inttypes.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "derm/core/crc.h"
#include "h5file.h"
#include "h5util.h"

/* ---- layout constants ------------------------------------------------------------------ */

#define SERIES_CHUNK_ROWS 128 /* rows per chunk of appended 1-D variables (unfiltered) */
#define AGENT_CHUNK_ROWS 1024 /* rows per chunk of every agent column (unfiltered) */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DERM_OUTPUT_LITTLE_ENDIAN 1 /* native float32 bytes are the file type's (H5T_IEEE_F32LE) */
#else
#define DERM_OUTPUT_LITTLE_ENDIAN 0
#endif
#define RESERVE_SLACK (1u << 20) /* disk reserved beyond a row's or frame's data: metadata */
#define FRAME_COORDS "frame_time frame_step frame_age_years"
#define TIME_COORDS "step age_years"
#define INDEX_ORDER "idx = (k*ny + j)*nx + i; x fastest; z = depth below the DEJ"
#define PURE_DIM_NAME "This is a netCDF dimension but not a netCDF variable."
#define ROW_CRC_DOC                                                                                      \
    "CRC-32 (zlib.crc32) of the row's little-endian bytes: time, step, age_years, then every series in " \
    "file order"
#define FRAME_CRC_DOC                                                                                   \
    "CRC-32 (zlib.crc32) of the frame's little-endian bytes: frame_time, frame_step, frame_age_years, " \
    "then for each field its float32 values (if written) and its depth profile, then the mech_* "       \
    "profiles, then agent_count and each agent column's rows of the frame (if written), in file order " \
    "and file type"

/* Agent columns, generated from the registry. */
enum {
#define DERM_X_ENUM(name, ctype, kind, units, desc) ACOL_##name,
    DERM_AGENT_COLUMNS(DERM_X_ENUM)
#undef DERM_X_ENUM
        NACOLS
};

struct agent_col {
    const char *name, *units, *long_name;
    enum derm_col_kind kind;
};

static const struct agent_col agent_cols[NACOLS] = {
#define DERM_X_COL(name, ctype, kind, units, desc) {#name, units, desc, kind},
    DERM_AGENT_COLUMNS(DERM_X_COL)
#undef DERM_X_COL
};

/* Pointer to the first row of agent column c. */
static const void *agent_col_data(const struct derm_agents *a, int c)
{
    switch (c) {
#define DERM_X_PTR(name, ctype, kind, units, desc) \
    case ACOL_##name:                              \
        return a->name;
        DERM_AGENT_COLUMNS(DERM_X_PTR)
#undef DERM_X_PTR
    default:
        return NULL;
    }
}

/* CF flag attributes of the categorical agent columns (NULL: none). */
static const char *agent_col_flags(int c)
{
    if (strcmp(agent_cols[c].name, "type") == 0) return DERM_AGENT_TYPE_FLAGS;
    if (strcmp(agent_cols[c].name, "state") == 0) return DERM_AGENT_STATE_FLAGS;
    return NULL;
}

struct derm_output {
    hid_t file;
    char *path;      /* HDF5 path as given */
    char *xdmf_path; /* sidecar path, NULL if none */
    struct derm_xdmf *xdmf;
    struct derm_grid g;
    struct derm_output_opts opts;
    int64_t nrows;       /* rows of the time series */
    int64_t nframes;     /* frames written */
    int64_t nagent_rows; /* rows of the agent table */
    int failed;          /* a write failed: the file is frozen (h5file.c) */

    hid_t time, step, age, row_crc;
    hid_t *total;                          /* one per series */
    const struct derm_series_desc *series; /* the series, in order */
    int nseries;
    hid_t frame, frame_time, frame_step, frame_age, frame_crc;
    hid_t field[DERM_NFIELDS], profile[DERM_NFIELDS], xprofile[DERM_NFRAME_PROFILES];
    hid_t agent, agent_count, acol[NACOLS];
    hid_t x, y, z;

    /* series rows not yet in the file (flush_rows): column by column, row i of series t at
     * rb_total[t * DERM_OUTPUT_ROW_BATCH + i] */
    int nbuf;
    double rb_time[DERM_OUTPUT_ROW_BATCH], rb_age[DERM_OUTPUT_ROW_BATCH], *rb_total, rb_since;
    int64_t rb_step[DERM_OUTPUT_ROW_BATCH];
    uint32_t rb_crc[DERM_OUTPUT_ROW_BATCH];

    float *fbuf;  /* one field frame as float32, for a frame written whole (allocated then) */
    double *pbuf; /* one depth profile */
    void *abuf;   /* one agent column converted to float32 */
    size_t abuf_bytes;
};

/* Every id of o, for initialising and closing (per-series, field and column ids apart). */
#define OUTPUT_IDS(o)                                                                                      \
    {                                                                                                      \
        &(o)->time, &(o)->step, &(o)->age, &(o)->row_crc, &(o)->frame, &(o)->frame_time, &(o)->frame_step, \
            &(o)->frame_age, &(o)->frame_crc, &(o)->agent, &(o)->agent_count, &(o)->x, &(o)->y, &(o)->z    \
    }

/* ---- failures ------------------------------------------------------------------------------ */

/* After an HDF5 call: if the disk refused a write, the file is frozen; report that (one
 * line, strerror) instead of HDF5's nested message. Returns st otherwise. */
static derm_status disk_check(struct derm_output *o, derm_status st, struct derm_err *err)
{
    int e = o->failed ? 0 : derm_h5file_failed(o->file);
    if (!e) return st;
    o->failed = 1;
    return derm_err_set(err, DERM_EIO,
                        "%s: cannot write: %s (the file keeps its last %" PRId64 " complete rows and %" PRId64
                        " frames)",
                        o->path, strerror(e), o->nrows, o->nframes);
}

/* Reserve disk space for `bytes` of data plus metadata before writing them. */
static derm_status reserve(struct derm_output *o, uint64_t bytes, struct derm_err *err)
{
    if (o->failed) return derm_err_set(err, DERM_EIO, "%s: an earlier write failed; nothing more is written", o->path);
    derm_h5file_reserve(o->file, bytes + RESERVE_SLACK);
    return disk_check(o, DERM_OK, err);
}

/* ---- dataset creation and appending ------------------------------------------------------ */

struct dsspec {
    const char *name;
    hid_t ftype; /* file type */
    int rank;
    const hsize_t *dims;  /* current size; axis 0 is ignored (0) when chunked */
    const hsize_t *chunk; /* NULL: fixed-size contiguous; else extendible along axis 0 */
    int filtered;         /* chunks written once: shuffle + deflate (if > 0) + Fletcher32 */
    int deflate;          /* deflate level */
    const char *units, *long_name;
    const char *coordinates; /* CF auxiliary coordinates, or NULL */
};

static derm_status make_ds(struct derm_output *o, const struct dsspec *s, hid_t *out, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    hsize_t dims[4], maxdims[4];
    for (int r = 0; r < s->rank; r++) dims[r] = maxdims[r] = s->dims[r];
    HCHECK(dcpl = H5Pcreate(H5P_DATASET_CREATE), "create dataset", s->name);
    HCHECK(H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "create dataset", s->name);
    HCHECK(H5Pset_obj_track_times(dcpl, 0), "create dataset", s->name);
    if (s->chunk) {
        dims[0] = 0;
        maxdims[0] = H5S_UNLIMITED;
        HCHECK(H5Pset_chunk(dcpl, s->rank, s->chunk), "set chunking of dataset", s->name);
        if (s->filtered && s->deflate > 0) {
            HCHECK(H5Pset_shuffle(dcpl), "set shuffle filter of dataset", s->name);
            HCHECK(H5Pset_deflate(dcpl, (unsigned)s->deflate), "set deflate filter of dataset", s->name);
        }
        if (s->filtered) HCHECK(H5Pset_fletcher32(dcpl), "set checksum filter of dataset", s->name);
    }
    HCHECK(space = H5Screate_simple(s->rank, dims, maxdims), "create dataspace of dataset", s->name);
    HCHECK(*out = H5Dcreate2(o->file, s->name, s->ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), "create dataset",
           s->name);
    const char *attrs[3][2] = {{"units", s->units}, {"long_name", s->long_name}, {"coordinates", s->coordinates}};
    for (int i = 0; i < 3 && st == DERM_OK; i++)
        if (attrs[i][1]) st = derm_h5util_write_str(*out, s->name, attrs[i][0], attrs[i][1], file_name, err);
done:
    derm_h5util_close(&space);
    derm_h5util_close(&dcpl);
    return st;
}

/* Attach dimension scales scales[0..rank) to the axes of ds. */
static derm_status attach(struct derm_output *o, hid_t ds, const char *name, int rank, const hid_t *scales,
                          struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    for (int r = 0; r < rank; r++)
        HCHECK(H5DSattach_scale(ds, scales[r], (unsigned)r), "attach dimension scales to", name);
done:
    return st;
}

/* Set axis 0 of ds to n rows (used alone for the pure dimensions frame and agent, and to
 * cut variables back when resuming). */
static derm_status extend(struct derm_output *o, hid_t ds, const char *name, int rank, const hsize_t *rest, hsize_t n,
                          struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hsize_t dims[4] = {n, 0, 0, 0};
    for (int r = 1; r < rank; r++) dims[r] = rest[r - 1];
    HCHECK(H5Dset_extent(ds, dims), "extend dataset", name);
done:
    return disk_check(o, st, err);
}

/* Grow axis 0 of ds to off + cnt and write rows [off, off + cnt) from buf (memory type
 * mtype); rest[] are the sizes of the other axes, written whole. */
static derm_status append_rows(struct derm_output *o, hid_t ds, const char *name, int rank, hsize_t off, hsize_t cnt,
                               const hsize_t *rest, hid_t mtype, const void *buf, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    hsize_t start[4] = {off, 0, 0, 0}, count[4] = {cnt, 1, 1, 1};
    for (int r = 1; r < rank; r++) count[r] = rest[r - 1];
    DERM_TRY(extend(o, ds, name, rank, rest, off + cnt, err));
    if (cnt == 0) return DERM_OK;
    HCHECK(fspace = H5Dget_space(ds), "get dataspace of dataset", name);
    HCHECK(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL), "select rows of dataset", name);
    HCHECK(mspace = H5Screate_simple(rank, count, NULL), "create memory space for dataset", name);
    HCHECK(H5Dwrite(ds, mtype, mspace, fspace, H5P_DEFAULT, buf), "write dataset", name);
done:
    derm_h5util_close(&mspace);
    derm_h5util_close(&fspace);
    return disk_check(o, st, err);
}

static derm_status flush(struct derm_output *o, int sync, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    if (sync) derm_h5file_sync(o->file);
    HCHECK(H5Fflush(o->file, H5F_SCOPE_LOCAL), "flush file", o->path);
done:
    return disk_check(o, st, err);
}

/* ---- file creation ------------------------------------------------------------------------ */

static derm_status write_root_attrs(struct derm_output *o, const struct derm_output_meta *m, struct derm_err *err)
{
    const char *f = o->path;
    hid_t r = o->file;
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(created, sizeof created, "unknown");
    const struct {
        const char *name, *value;
    } strs[] = {
        {"Conventions", "CF-1.8"},
        {"title", m->title},
        {"software", "dermsim"},
        {"software_version", m->software_version},
        {"git_describe", m->git_describe},
        {"compiler", m->compiler},
        {"build_flags", m->build_flags},
        {"hdf5_version", derm_output_hdf5_version()},
        {"created_utc", created},
        {"config_text", m->config_text},
        {"config_resolved", m->config_resolved},
        {"command_line", m->command_line},
        {"index_order", INDEX_ORDER},
        {"omp_wait_policy", m->omp_wait_policy ? m->omp_wait_policy : "runtime default"},
        {"storage_precision", DERM_REAL_NAME}, /* of the voxel-grid arrays: float32 in dermsim-lean */
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        DERM_TRY(derm_h5util_write_str(r, "/", strs[i].name, strs[i].value, f, err));
    uint64_t seed = m->seed;
    int32_t threads = m->omp_threads, completed = 0;
    double voxel_um = m->voxel_um > 0.0 ? m->voxel_um : o->g.h_um;
    DERM_TRY(derm_h5util_write_num(r, "/", "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &seed, f, err));
    DERM_TRY(derm_h5util_write_num(r, "/", "omp_threads", H5T_STD_I32LE, H5T_NATIVE_INT32, 0, &threads, f, err));
    DERM_TRY(derm_h5util_write_num(r, "/", "voxel_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &voxel_um, f, err));
    DERM_TRY(derm_h5util_write_num(r, "/", "completed", H5T_STD_I32LE, H5T_NATIVE_INT32, 0, &completed, f, err));
    return DERM_OK;
}

/* Fixed coordinate variable x, y or z: cell centres in um, a dimension scale. */
static derm_status make_axis(struct derm_output *o, const char *name, const char *long_name, int64_t n, hid_t *out,
                             struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hsize_t dim = (hsize_t)n;
    struct dsspec s = {name, H5T_IEEE_F64LE, 1, &dim, NULL, 0, 0, "um", long_name, NULL};
    double *v = malloc((size_t)n * sizeof *v);
    if (!v) return derm_err_set(err, DERM_ENOMEM, "cannot allocate coordinate %s", name);
    for (int64_t i = 0; i < n; i++) v[i] = ((double)i + 0.5) * o->g.h_um;
    st = make_ds(o, &s, out, err);
    if (st != DERM_OK) goto done;
    HCHECK(H5Dwrite(*out, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), "write coordinate", name);
    HCHECK(H5DSset_scale(*out, name), "make dimension scale of", name);
    char axis[2] = {(char)(name[0] - 'a' + 'A'), '\0'};
    st = derm_h5util_write_str(*out, name, "axis", axis, file_name, err);
    if (st == DERM_OK && strcmp(name, "z") == 0)
        st = derm_h5util_write_str(*out, name, "positive", "down", file_name, err);
done:
    free(v);
    return st;
}

/* Unlimited dimension without a coordinate variable (netCDF-4 "pure dimension"). */
static derm_status make_pure_dim(struct derm_output *o, const char *name, hid_t *out, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hsize_t dim = 0, chunk = SERIES_CHUNK_ROWS;
    char scale_name[96];
    /* The netCDF library writes the length after the marker; readers match the prefix. */
    snprintf(scale_name, sizeof scale_name, "%s%10d", PURE_DIM_NAME, 0);
    struct dsspec s = {name, H5T_IEEE_F32BE, 1, &dim, &chunk, 0, 0, NULL, NULL, NULL};
    DERM_TRY(make_ds(o, &s, out, err));
    HCHECK(H5DSset_scale(*out, scale_name), "make dimension scale of", name);
done:
    return st;
}

/* 1-D appendable variable along an unlimited dimension (unfiltered: see the header). */
static derm_status make_series(struct derm_output *o, const char *name, hid_t ftype, const char *units,
                               const char *long_name, const char *coords, hid_t dim_scale, hid_t *out,
                               struct derm_err *err)
{
    hsize_t dim = 0, chunk = SERIES_CHUNK_ROWS;
    struct dsspec s = {name, ftype, 1, &dim, &chunk, 0, 0, units, long_name, coords};
    DERM_TRY(make_ds(o, &s, out, err));
    return attach(o, *out, name, 1, &dim_scale, err);
}

/* Chunk of one field frame: (1, cz, cy, cx) of at most DERM_OUTPUT_FIELD_CHUNK_MAX_BYTES,
 * splitting along z first, then y, then x. */
static void field_chunk(const struct derm_grid *g, hsize_t chunk[4])
{
    const hsize_t cap = DERM_OUTPUT_FIELD_CHUNK_MAX_BYTES / sizeof(float);
    hsize_t nx = (hsize_t)g->nx, ny = (hsize_t)g->ny, nz = (hsize_t)g->nz;
    hsize_t cx = nx < cap ? nx : cap;
    hsize_t cy = cap / cx < ny ? cap / cx : ny;
    if (cy < 1) cy = 1;
    hsize_t cz = cap / (cx * cy) < nz ? cap / (cx * cy) : nz;
    if (cz < 1) cz = 1;
    chunk[0] = 1;
    chunk[1] = cz;
    chunk[2] = cy;
    chunk[3] = cx;
}

/* CF flag_values 0 .. n-1 and flag_meanings of a categorical agent column. */
static derm_status agent_flags(struct derm_output *o, hid_t ds, const char *name, const char *flags,
                               struct derm_err *err)
{
    int8_t values[32];
    size_t n = 0;
    for (const char *p = flags; *p && n < sizeof values;) {
        while (*p == ' ') p++;
        if (!*p) break;
        values[n] = (int8_t)n;
        n++;
        while (*p && *p != ' ') p++;
    }
    DERM_TRY(derm_h5util_write_num(ds, name, "flag_values", H5T_STD_I8LE, H5T_NATIVE_INT8, n, values, o->path, err));
    return derm_h5util_write_str(ds, name, "flag_meanings", flags, o->path, err);
}

static derm_status make_agent_vars(struct derm_output *o, struct derm_err *err)
{
    char name[128];
    DERM_TRY(make_series(o, "agent_count", H5T_STD_I64LE, "1", "agents in the frame (rows of the agent table)",
                         FRAME_COORDS, o->frame, &o->agent_count, err));
    DERM_TRY(derm_h5util_write_str(o->agent_count, "agent_count", "sample_dimension", "agent", o->path, err));
    hsize_t dim = 0, chunk = AGENT_CHUNK_ROWS;
    for (int c = 0; c < NACOLS; c++) {
        const struct agent_col *ac = &agent_cols[c];
        hid_t ftype = ac->kind == DERM_COL_I64   ? H5T_STD_I64LE
                      : ac->kind == DERM_COL_I32 ? H5T_STD_I32LE
                      : ac->kind == DERM_COL_I8  ? H5T_STD_I8LE
                                                 : H5T_IEEE_F32LE;
        snprintf(name, sizeof name, "agent_%s", ac->name);
        struct dsspec s = {name, ftype, 1, &dim, &chunk, 0, 0, ac->units, ac->long_name, NULL};
        DERM_TRY(make_ds(o, &s, &o->acol[c], err));
        DERM_TRY(attach(o, o->acol[c], name, 1, &o->agent, err));
        const char *flags = agent_col_flags(c);
        if (flags) DERM_TRY(agent_flags(o, o->acol[c], name, flags, err));
    }
    return DERM_OK;
}

static derm_status make_frame_vars(struct derm_output *o, struct derm_err *err)
{
    char name[128], long_name[256];
    const hsize_t nz = (hsize_t)o->g.nz, ny = (hsize_t)o->g.ny, nx = (hsize_t)o->g.nx;
    const int level = o->opts.compression;

    DERM_TRY(make_series(o, "frame_time", H5T_IEEE_F64LE, "day", "model time of the frame", NULL, o->frame,
                         &o->frame_time, err));
    DERM_TRY(make_series(o, "frame_step", H5T_STD_I64LE, "1", "step number of the frame", NULL, o->frame,
                         &o->frame_step, err));
    DERM_TRY(make_series(o, "frame_age_years", H5T_IEEE_F64LE, "year", "subject age at the frame", NULL, o->frame,
                         &o->frame_age, err));
    DERM_TRY(make_series(o, "frame_checksum", H5T_STD_U32LE, "1", FRAME_CRC_DOC, NULL, o->frame, &o->frame_crc, err));

    if (o->opts.write_fields) {
        hsize_t dims[4] = {0, nz, ny, nx}, chunk[4];
        hid_t scales[4] = {o->frame, o->z, o->y, o->x};
        field_chunk(&o->g, chunk);
        for (int f = 0; f < DERM_NFIELDS; f++) {
            const struct derm_field_desc *d = derm_field_desc(f);
            struct dsspec s = {d->name, H5T_IEEE_F32LE, 4, dims, chunk, 1, level, d->units, d->long_name, FRAME_COORDS};
            DERM_TRY(make_ds(o, &s, &o->field[f], err));
            DERM_TRY(attach(o, o->field[f], d->name, 4, scales, err));
        }
    }

    hsize_t dims[2] = {0, nz}, chunk[2] = {1, nz};
    hid_t scales[2] = {o->frame, o->z};
    for (int f = 0; f < DERM_NFIELDS; f++) {
        const struct derm_field_desc *d = derm_field_desc(f);
        snprintf(name, sizeof name, "%s_profile", d->name);
        snprintf(long_name, sizeof long_name, "lateral (x, y) mean of %s", d->long_name);
        struct dsspec s = {name, H5T_IEEE_F64LE, 2, dims, chunk, 1, level, d->units, long_name, FRAME_COORDS};
        DERM_TRY(make_ds(o, &s, &o->profile[f], err));
        DERM_TRY(attach(o, o->profile[f], name, 2, scales, err));
    }
    for (int i = 0; i < DERM_NFRAME_PROFILES; i++) {
        const struct derm_series_desc *d = derm_output_frame_profile(i);
        struct dsspec s = {d->name, H5T_IEEE_F64LE, 2, dims, chunk, 1, level, d->units, d->long_name, FRAME_COORDS};
        DERM_TRY(make_ds(o, &s, &o->xprofile[i], err));
        DERM_TRY(attach(o, o->xprofile[i], d->name, 2, scales, err));
    }
    return o->opts.write_agents ? make_agent_vars(o, err) : DERM_OK;
}

static void close_objects(struct derm_output *o)
{
    hid_t *ids[] = OUTPUT_IDS(o);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) derm_h5util_close(ids[i]);
    for (int t = 0; t < o->nseries && o->total; t++) derm_h5util_close(&o->total[t]);
    for (int f = 0; f < DERM_NFIELDS; f++) {
        derm_h5util_close(&o->field[f]);
        derm_h5util_close(&o->profile[f]);
    }
    for (int i = 0; i < DERM_NFRAME_PROFILES; i++) derm_h5util_close(&o->xprofile[i]);
    for (int c = 0; c < NACOLS; c++) derm_h5util_close(&o->acol[c]);
}

/* Close every id (ignoring errors: this is the cleanup path) and free o. */
static void output_free(struct derm_output *o)
{
    close_objects(o);
    if (o->file >= 0) H5Fclose(o->file);
    free(o->path);
    free(o->xdmf_path);
    derm_xdmf_free(o->xdmf);
    free(o->fbuf);
    free(o->pbuf);
    free(o->abuf);
    free(o->total);
    free(o->rb_total);
    free(o);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static derm_status check_args(struct derm_output **out, const char *h5_path, const struct derm_grid *g,
                              const struct derm_output_opts *opts, struct derm_err *err)
{
    if (!out || !h5_path || !g || !opts || (opts->nseries > 0 && !opts->series))
        return derm_err_set(err, DERM_EINTERNAL, "derm_output_create: NULL argument");
    *out = NULL;
    if (g->nx < 1 || g->ny < 1 || g->nz < 1 || g->n != g->nx * g->ny * g->nz || !(g->h_um > 0.0))
        return derm_err_set(err, DERM_EINTERNAL, "%s: invalid grid %" PRId64 "x%" PRId64 "x%" PRId64 " h=%g um",
                            h5_path, g->nx, g->ny, g->nz, g->h_um);
    if (opts->compression < 0 || opts->compression > 9)
        return derm_err_set(err, DERM_ECONFIG, "%s: compression level %d out of range 0..9", h5_path,
                            opts->compression);
    return DERM_OK;
}

/* A new output with every id invalid and its buffers allocated (freed again on failure). */
static derm_status output_alloc(struct derm_output **out, const char *h5_path, const char *xdmf_path,
                                const struct derm_grid *g, const struct derm_output_opts *opts, struct derm_err *err)
{
    struct derm_output *o = calloc(1, sizeof *o);
    if (!o) return derm_err_set(err, DERM_ENOMEM, "cannot allocate output for %s", h5_path);
    hid_t *ids[] = OUTPUT_IDS(o);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) *ids[i] = H5I_INVALID_HID;
    o->file = H5I_INVALID_HID;
    for (int f = 0; f < DERM_NFIELDS; f++) o->field[f] = o->profile[f] = H5I_INVALID_HID;
    for (int i = 0; i < DERM_NFRAME_PROFILES; i++) o->xprofile[i] = H5I_INVALID_HID;
    for (int c = 0; c < NACOLS; c++) o->acol[c] = H5I_INVALID_HID;
    o->g = *g;
    o->opts = *opts;
    o->series = opts->series;
    o->nseries = opts->nseries;
    o->total = malloc((size_t)(opts->nseries > 0 ? opts->nseries : 1) * sizeof *o->total);
    o->rb_total = malloc((size_t)(opts->nseries > 0 ? opts->nseries : 1) * DERM_OUTPUT_ROW_BATCH * sizeof *o->rb_total);
    if (!o->total || !o->rb_total) {
        output_free(o);
        return derm_err_set(err, DERM_ENOMEM, "cannot allocate output series for %s", h5_path);
    }
    for (int t = 0; t < o->nseries; t++) o->total[t] = H5I_INVALID_HID;
    o->path = dup_str(h5_path);
    const int sidecar = xdmf_path && (opts->write_fields || opts->write_agents);
    o->xdmf_path = sidecar ? dup_str(xdmf_path) : NULL;
    o->fbuf = NULL; /* whole_frame: only for frames written whole, not chunk by chunk */
    o->pbuf = malloc((size_t)g->nz * sizeof *o->pbuf);
    if (!o->path || (sidecar && !o->xdmf_path) || !o->pbuf) {
        output_free(o);
        return derm_err_set(err, DERM_ENOMEM, "cannot allocate output buffers for %s", h5_path);
    }
    *out = o;
    return DERM_OK;
}

/* "cannot create|open PATH: reason" after the file driver refused the path. */
static derm_status open_failed(const char *path, const char *verb, struct derm_err *err)
{
    int e = derm_h5file_open_errno();
    char detail[512];
    derm_h5util_detail(detail, sizeof detail);
    if (e == EEXIST) return derm_err_set(err, DERM_EIO, "cannot create %s: it exists; not overwritten", path);
    if (e == ELOOP) return derm_err_set(err, DERM_EIO, "cannot %s %s: it is a symbolic link; not followed", verb, path);
    if (e) return derm_err_set(err, DERM_EIO, "cannot %s %s: %s", verb, path, strerror(e));
    return derm_err_set(err, DERM_EIO, "cannot %s %s: HDF5: %s", verb, path, detail);
}

/* Creation order of links and attributes (as the netCDF library does): readers list
 * variables and attributes in the order written, not alphabetically. No object
 * timestamps, so that runs differing only in thread count give identical datasets
 * (created_utc is the one intended difference). */
static derm_status create_file(struct derm_output *o, const char *path, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = path;
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
    HCHECK(fcpl = H5Pcreate(H5P_FILE_CREATE), "create file", o->path);
    HCHECK(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "create file", o->path);
    HCHECK(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "create file", o->path);
    HCHECK(H5Pset_obj_track_times(fcpl, 0), "create file", o->path);
    HCHECK(fapl = derm_h5file_fapl(), "create file", o->path);
    o->file = H5Fcreate(path, H5F_ACC_EXCL, fcpl, fapl);
    if (o->file < 0) st = open_failed(o->path, "create", err);
done:
    derm_h5util_close(&fapl);
    derm_h5util_close(&fcpl);
    return st;
}

static derm_status make_axes(struct derm_output *o, struct derm_err *err)
{
    DERM_TRY(make_axis(o, "x", "lateral position x of the cell centre", o->g.nx, &o->x, err));
    DERM_TRY(make_axis(o, "y", "lateral position y of the cell centre", o->g.ny, &o->y, err));
    return make_axis(o, "z", "depth of the cell centre below the dermal-epidermal junction", o->g.nz, &o->z, err);
}

/* The unlimited coordinate variable time, a dimension scale. */
static derm_status make_time_axis(struct derm_output *o, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hsize_t dim = 0, chunk = SERIES_CHUNK_ROWS;
    struct dsspec s = {"time", H5T_IEEE_F64LE, 1, &dim, &chunk, 0, 0, "day", "model time since the start of the run",
                       NULL};
    DERM_TRY(make_ds(o, &s, &o->time, err));
    HCHECK(H5DSset_scale(o->time, "time"), "make dimension scale of", "time");
done:
    return st;
}

/* The unlimited coordinate variable frame (frame number), a dimension scale. */
static derm_status make_frame_axis(struct derm_output *o, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hsize_t dim = 0, chunk = SERIES_CHUNK_ROWS;
    struct dsspec s = {"frame", H5T_STD_I64LE, 1, &dim, &chunk, 0, 0, "1", "frame number (0 = first snapshot)", NULL};
    DERM_TRY(make_ds(o, &s, &o->frame, err));
    HCHECK(H5DSset_scale(o->frame, "frame"), "make dimension scale of", "frame");
done:
    return st;
}

/* time and frame, the agent dimension, and the series along time. */
static derm_status make_time_vars(struct derm_output *o, struct derm_err *err)
{
    DERM_TRY(make_time_axis(o, err));
    DERM_TRY(make_frame_axis(o, err));
    if (o->opts.write_agents) DERM_TRY(make_pure_dim(o, "agent", &o->agent, err));
    DERM_TRY(make_series(o, "step", H5T_STD_I64LE, "1", "simulation step", NULL, o->time, &o->step, err));
    DERM_TRY(make_series(o, "age_years", H5T_IEEE_F64LE, "year", "subject age", NULL, o->time, &o->age, err));
    for (int t = 0; t < o->nseries; t++) {
        const struct derm_series_desc *d = &o->series[t];
        DERM_TRY(
            make_series(o, d->name, H5T_IEEE_F64LE, d->units, d->long_name, TIME_COORDS, o->time, &o->total[t], err));
    }
    return make_series(o, "row_checksum", H5T_STD_U32LE, "1", ROW_CRC_DOC, NULL, o->time, &o->row_crc, err);
}

derm_status derm_output_create(struct derm_output **out, const char *h5_path, const char *xdmf_path,
                               const struct derm_output_meta *meta, const struct derm_grid *g,
                               const struct derm_output_opts *opts, struct derm_err *err)
{
    DERM_TRY(check_args(out, h5_path, g, opts, err));
    if (!meta) return derm_err_set(err, DERM_EINTERNAL, "derm_output_create: NULL argument");
    derm_h5util_quiet();
    struct stat sb;
    if (lstat(h5_path, &sb) == 0)
        return derm_err_set(err, DERM_EIO, "cannot create %s: it exists; not overwritten", h5_path);
    /* The skeleton is built under PATH.tmp and linked to PATH once flushed, so a run killed
     * at any moment leaves either no PATH or a valid run file. */
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", h5_path) >= (int)sizeof tmp)
        return derm_err_set(err, DERM_EIO, "cannot create %s: path too long", h5_path);
    unlink(tmp); /* left by a run killed while creating */
    struct derm_output *o = NULL;
    DERM_TRY(output_alloc(&o, h5_path, xdmf_path, g, opts, err));
    derm_status st = create_file(o, tmp, err);
    if (st == DERM_OK) st = reserve(o, 0, err);
    if (st == DERM_OK) st = write_root_attrs(o, meta, err);
    if (st == DERM_OK) st = make_axes(o, err);
    if (st == DERM_OK) st = make_time_vars(o, err);
    if (st == DERM_OK) st = make_frame_vars(o, err);
    if (st == DERM_OK) st = flush(o, 1, err);
    if (st == DERM_OK && o->xdmf_path)
        st = derm_xdmf_create(&o->xdmf, o->xdmf_path, o->path, &o->g, opts->write_fields, opts->write_agents, err);
    if (st == DERM_OK && link(tmp, h5_path) != 0) { /* link: never replaces an existing PATH */
        int e = errno;
        if ((e == EPERM || e == ENOTSUP || e == EXDEV) && lstat(h5_path, &sb) != 0 && rename(tmp, h5_path) == 0)
            e = 0; /* a file system without hard links */
        if (e) st = derm_err_set(err, DERM_EIO, "cannot create %s: %s", h5_path, strerror(e));
    }
    if (st != DERM_OK) {
        st = disk_check(o, st, err);
        output_free(o);
        unlink(tmp);
        return st;
    }
    unlink(tmp);
    int e = derm_h5file_undo_as(o->file, h5_path); /* every later flush is atomic against a kill */
    if (e) {
        output_free(o);
        return derm_err_set(err, DERM_EIO, "cannot create %s: %s", h5_path, strerror(e));
    }
    *out = o;
    return DERM_OK;
}

/* ---- reopening an unfinished file (resume) -------------------------------------------------- */

/* Open dataset `name` of the file being resumed into *id; it must hold at least `need` rows. */
static derm_status reopen_ds(struct derm_output *o, const char *name, hid_t *id, int64_t need, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hid_t space = H5I_INVALID_HID;
    hsize_t dims[4] = {0};
    if (!derm_h5util_exists(o->file, name))
        return derm_err_set(err, DERM_ECORRUPT, "%s: no variable '%s'; cannot resume this file", o->path, name);
    HCHECK(*id = H5Dopen2(o->file, name, H5P_DEFAULT), "open dataset", name);
    HCHECK(space = H5Dget_space(*id), "get dataspace of dataset", name);
    HCHECK(H5Sget_simple_extent_dims(space, dims, NULL), "get size of dataset", name);
    if ((int64_t)dims[0] < need)
        st = derm_err_set(err, DERM_ECORRUPT,
                          "%s: '%s' holds %llu rows but the checkpoint needs %" PRId64 "; cannot resume this file",
                          o->path, name, (unsigned long long)dims[0], need);
done:
    derm_h5util_close(&space);
    return st;
}

/* Open every appendable variable, checking the grid and that the file holds `pos`. */
static derm_status reopen_vars(struct derm_output *o, const struct derm_output_pos *pos, struct derm_err *err)
{
    char name[128];
    const int64_t R = pos->rows, F = pos->frames;
    hid_t *axis[3] = {&o->x, &o->y, &o->z};
    const int64_t n[3] = {o->g.nx, o->g.ny, o->g.nz};
    for (int i = 0; i < 3; i++) {
        const char nm[2] = {(char)('x' + i), '\0'};
        DERM_TRY(reopen_ds(o, nm, axis[i], n[i], err));
    }
    DERM_TRY(reopen_ds(o, "time", &o->time, R, err));
    DERM_TRY(reopen_ds(o, "step", &o->step, R, err));
    DERM_TRY(reopen_ds(o, "age_years", &o->age, R, err));
    DERM_TRY(reopen_ds(o, "row_checksum", &o->row_crc, R, err));
    for (int t = 0; t < o->nseries; t++) DERM_TRY(reopen_ds(o, o->series[t].name, &o->total[t], R, err));
    DERM_TRY(reopen_ds(o, "frame", &o->frame, F, err));
    DERM_TRY(reopen_ds(o, "frame_time", &o->frame_time, F, err));
    DERM_TRY(reopen_ds(o, "frame_step", &o->frame_step, F, err));
    DERM_TRY(reopen_ds(o, "frame_age_years", &o->frame_age, F, err));
    DERM_TRY(reopen_ds(o, "frame_checksum", &o->frame_crc, F, err));
    for (int f = 0; f < DERM_NFIELDS; f++) {
        const struct derm_field_desc *d = derm_field_desc(f);
        if (o->opts.write_fields) DERM_TRY(reopen_ds(o, d->name, &o->field[f], F, err));
        snprintf(name, sizeof name, "%s_profile", d->name);
        DERM_TRY(reopen_ds(o, name, &o->profile[f], F, err));
    }
    for (int i = 0; i < DERM_NFRAME_PROFILES; i++)
        DERM_TRY(reopen_ds(o, derm_output_frame_profile(i)->name, &o->xprofile[i], F, err));
    if (!o->opts.write_agents) return DERM_OK;
    DERM_TRY(reopen_ds(o, "agent", &o->agent, pos->agent_rows, err));
    DERM_TRY(reopen_ds(o, "agent_count", &o->agent_count, F, err));
    for (int c = 0; c < NACOLS; c++) {
        snprintf(name, sizeof name, "agent_%s", agent_cols[c].name);
        DERM_TRY(reopen_ds(o, name, &o->acol[c], pos->agent_rows, err));
    }
    return DERM_OK;
}

/* Cut every appendable variable back to pos (rows written after the checkpoint go). */
static derm_status cut_back(struct derm_output *o, const struct derm_output_pos *pos, struct derm_err *err)
{
    const hsize_t R = (hsize_t)pos->rows, F = (hsize_t)pos->frames, A = (hsize_t)pos->agent_rows;
    const hsize_t rest3[3] = {(hsize_t)o->g.nz, (hsize_t)o->g.ny, (hsize_t)o->g.nx}, restz = (hsize_t)o->g.nz;
    hid_t rows[] = {o->time, o->step, o->age, o->row_crc};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) DERM_TRY(extend(o, rows[i], "series", 1, NULL, R, err));
    for (int t = 0; t < o->nseries; t++) DERM_TRY(extend(o, o->total[t], o->series[t].name, 1, NULL, R, err));
    hid_t frames[] = {o->frame, o->frame_time, o->frame_step, o->frame_age, o->frame_crc, o->agent_count};
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        if (frames[i] >= 0) DERM_TRY(extend(o, frames[i], "frame variables", 1, NULL, F, err));
    for (int f = 0; f < DERM_NFIELDS; f++) {
        if (o->field[f] >= 0) DERM_TRY(extend(o, o->field[f], derm_field_desc(f)->name, 4, rest3, F, err));
        DERM_TRY(extend(o, o->profile[f], derm_field_desc(f)->name, 2, &restz, F, err));
    }
    for (int i = 0; i < DERM_NFRAME_PROFILES; i++)
        DERM_TRY(extend(o, o->xprofile[i], derm_output_frame_profile(i)->name, 2, &restz, F, err));
    if (o->agent >= 0) DERM_TRY(extend(o, o->agent, "agent", 1, NULL, A, err));
    for (int c = 0; c < NACOLS; c++)
        if (o->acol[c] >= 0) DERM_TRY(extend(o, o->acol[c], agent_cols[c].name, 1, NULL, A, err));
    o->nrows = pos->rows;
    o->nframes = pos->frames;
    o->nagent_rows = pos->agent_rows;
    return DERM_OK;
}

/* Tell the sidecar `x` about frames [0, nf) of the open run file (times, ages, agent rows). */
static derm_status sidecar_frames(struct derm_xdmf *x, hid_t file, const char *path, int64_t nf, int agents,
                                  struct derm_err *err)
{
    void *t = NULL, *age = NULL, *cnt = NULL;
    derm_status st = DERM_OK;
    if (nf > 0) {
        st =
            derm_h5util_read_1d(file, "frame_time", DERM_H5_REAL, H5T_NATIVE_DOUBLE, sizeof(double), nf, &t, path, err);
        if (st == DERM_OK)
            st = derm_h5util_read_1d(file, "frame_age_years", DERM_H5_REAL, H5T_NATIVE_DOUBLE, sizeof(double), nf, &age,
                                     path, err);
        if (st == DERM_OK && agents)
            st = derm_h5util_read_1d(file, "agent_count", DERM_H5_INT, H5T_NATIVE_INT64, sizeof(int64_t), nf, &cnt,
                                     path, err);
    }
    if (st == DERM_OK) st = derm_xdmf_add_frames(x, nf, t, age, cnt, err);
    free(t);
    free(age);
    free(cnt);
    return st;
}

/* The sidecar of a reopened file, with the frames it already holds. */
static derm_status reopen_sidecar(struct derm_output *o, struct derm_err *err)
{
    if (!o->xdmf_path) return DERM_OK;
    DERM_TRY(derm_xdmf_create(&o->xdmf, o->xdmf_path, o->path, &o->g, o->opts.write_fields, o->opts.write_agents, err));
    return sidecar_frames(o->xdmf, o->file, o->path, o->nframes, o->opts.write_agents, err);
}

derm_status derm_output_reopen(struct derm_output **out, const char *h5_path, const char *xdmf_path,
                               const struct derm_grid *g, const struct derm_output_opts *opts,
                               const struct derm_output_pos *pos, struct derm_err *err)
{
    DERM_TRY(check_args(out, h5_path, g, opts, err));
    if (!pos || pos->rows < 0 || pos->frames < 0 || pos->agent_rows < 0)
        return derm_err_set(err, DERM_EINTERNAL, "derm_output_reopen: bad position");
    derm_h5util_quiet();
    struct derm_output *o = NULL;
    DERM_TRY(output_alloc(&o, h5_path, xdmf_path, g, opts, err));
    derm_status st = DERM_OK;
    hid_t fapl = derm_h5file_fapl();
    if (fapl < 0)
        st = derm_h5util_fail(err, h5_path, "open file", h5_path);
    else if ((o->file = H5Fopen(h5_path, H5F_ACC_RDWR, fapl)) < 0)
        st = open_failed(h5_path, "open", err);
    derm_h5util_close(&fapl);
    if (st == DERM_OK) st = reserve(o, 0, err);
    if (st == DERM_OK) st = reopen_vars(o, pos, err);
    if (st == DERM_OK) st = cut_back(o, pos, err);
    if (st == DERM_OK) st = reopen_sidecar(o, err);
    /* the cut is on disk before anything reuses the space it freed */
    if (st == DERM_OK) st = flush(o, 1, err);
    if (st != DERM_OK) {
        output_free(o);
        return st;
    }
    *out = o;
    return DERM_OK;
}

derm_status derm_output_recover(const char *h5_path, struct derm_err *err)
{
    int e = h5_path ? derm_h5file_recover(h5_path) : EINVAL;
    if (e) return derm_err_set(err, DERM_EIO, "%s: cannot restore its undo log: %s", h5_path, strerror(e));
    return DERM_OK;
}

void derm_output_get_pos(const struct derm_output *o, struct derm_output_pos *pos)
{
    pos->rows = o->nrows;
    pos->frames = o->nframes;
    pos->agent_rows = o->nagent_rows;
}

/* ---- appending ------------------------------------------------------------------------------ */

/* Append the kept series rows (none: nothing to do), time last: a row is complete once its
 * time is visible. Not flushed here: the caller flushes. */
static derm_status append_kept_rows(struct derm_output *o, struct derm_err *err)
{
    if (o->nbuf == 0) return DERM_OK;
    const hsize_t r = (hsize_t)o->nrows, n = (hsize_t)o->nbuf;
    /* worst case: every variable starts a new (unfiltered, fully allocated) chunk */
    DERM_TRY(reserve(o, (uint64_t)(o->nseries + 4) * (SERIES_CHUNK_ROWS + n) * 8u, err));
    for (int t = 0; t < o->nseries; t++)
        DERM_TRY(append_rows(o, o->total[t], o->series[t].name, 1, r, n, NULL, H5T_NATIVE_DOUBLE,
                             o->rb_total + (size_t)t * DERM_OUTPUT_ROW_BATCH, err));
    DERM_TRY(append_rows(o, o->step, "step", 1, r, n, NULL, H5T_NATIVE_INT64, o->rb_step, err));
    DERM_TRY(append_rows(o, o->age, "age_years", 1, r, n, NULL, H5T_NATIVE_DOUBLE, o->rb_age, err));
    DERM_TRY(append_rows(o, o->row_crc, "row_checksum", 1, r, n, NULL, H5T_NATIVE_UINT32, o->rb_crc, err));
    DERM_TRY(append_rows(o, o->time, "time", 1, r, n, NULL, H5T_NATIVE_DOUBLE, o->rb_time, err));
    o->nrows += o->nbuf;
    o->nbuf = 0;
    return DERM_OK;
}

/* The kept rows into the file, then a flush (fsync'd if sync). */
static derm_status flush_rows(struct derm_output *o, int sync, struct derm_err *err)
{
    DERM_TRY(append_kept_rows(o, err));
    return flush(o, sync, err);
}

derm_status derm_output_series(struct derm_output *o, int64_t step, double time_day, double age_years,
                               const double *totals, struct derm_err *err)
{
    if (!o || !totals) return derm_err_set(err, DERM_EINTERNAL, "derm_output_series: NULL argument");
    if (o->failed) return derm_err_set(err, DERM_EIO, "%s: an earlier write failed; nothing more is written", o->path);
    derm_h5util_quiet();
    uint32_t crc = derm_crc_32(0, &time_day, sizeof time_day);
    crc = derm_crc_32(crc, &step, sizeof step);
    crc = derm_crc_32(crc, &age_years, sizeof age_years);
    crc = derm_crc_32(crc, totals, (size_t)o->nseries * sizeof *totals);
    const int i = o->nbuf++;
    for (int t = 0; t < o->nseries; t++) o->rb_total[(size_t)t * DERM_OUTPUT_ROW_BATCH + i] = totals[t];
    o->rb_step[i] = step;
    o->rb_time[i] = time_day;
    o->rb_age[i] = age_years;
    o->rb_crc[i] = crc;
    const double now = omp_get_wtime();
    if (i == 0) o->rb_since = now;
    if (o->nbuf < DERM_OUTPUT_ROW_BATCH && now - o->rb_since < DERM_OUTPUT_ROW_SECONDS) return DERM_OK;
    return flush_rows(o, 0, err);
}

/* Convert agent column c's n rows to their file type in o->abuf if needed; *src and
 * *bytes receive the rows as written, *mtype their memory type. */
static derm_status agent_col_rows(struct derm_output *o, const struct derm_agents *a, int c, hsize_t n,
                                  const void **src, size_t *bytes, hid_t *mtype, struct derm_err *err)
{
    *src = n ? agent_col_data(a, c) : NULL;
    switch (agent_cols[c].kind) {
    case DERM_COL_I64:
        *mtype = H5T_NATIVE_INT64;
        *bytes = n * sizeof(int64_t);
        return DERM_OK;
    case DERM_COL_I32:
        *mtype = H5T_NATIVE_INT32;
        *bytes = n * sizeof(int32_t);
        return DERM_OK;
    case DERM_COL_I8:
        *mtype = H5T_NATIVE_INT8;
        *bytes = n;
        return DERM_OK;
    default:
        break;
    }
    /* double -> float32 by C conversion, the same rounding as (float)x */
    if (o->abuf_bytes < n * sizeof(float)) {
        void *p = realloc(o->abuf, n * sizeof(float));
        if (!p)
            return derm_err_set(err, DERM_ENOMEM, "%s: cannot allocate %llu rows of agent_%s", o->path,
                                (unsigned long long)n, agent_cols[c].name);
        o->abuf = p;
        o->abuf_bytes = n * sizeof(float);
    }
    const double *d = *src;
    float *fl = o->abuf;
    for (hsize_t i = 0; i < n; i++) fl[i] = (float)d[i];
    *src = fl;
    *bytes = n * sizeof(float);
    *mtype = H5T_NATIVE_FLOAT;
    return DERM_OK;
}

/* The agent table of one frame; *crc continues over every column's rows as written. */
static derm_status write_agents(struct derm_output *o, const struct derm_agents *a, int64_t k, uint32_t *crc,
                                struct derm_err *err)
{
    const hsize_t na = a ? (hsize_t)a->n : 0, off = (hsize_t)o->nagent_rows;
    const int64_t count = (int64_t)na;
    *crc = derm_crc_32(*crc, &count, sizeof count);
    for (int c = 0; c < NACOLS; c++) {
        char name[128];
        snprintf(name, sizeof name, "agent_%s", agent_cols[c].name);
        const void *src = NULL;
        size_t bytes = 0;
        hid_t mtype = H5T_NATIVE_INT8;
        DERM_TRY(agent_col_rows(o, a, c, na, &src, &bytes, &mtype, err));
        if (bytes) *crc = derm_crc_32(*crc, src, bytes);
        DERM_TRY(append_rows(o, o->acol[c], name, 1, off, na, NULL, mtype, src, err));
    }
    DERM_TRY(extend(o, o->agent, "agent", 1, NULL, off + na, err));
    DERM_TRY(append_rows(o, o->agent_count, "agent_count", 1, (hsize_t)k, 1, NULL, H5T_NATIVE_INT64, &count, err));
    o->nagent_rows += count;
    return DERM_OK;
}

/* Fields (if written), the depth profile of every field and the computed profiles, for
 * frame k; *crc continues over them as written. */
/* ---- a frame's field chunks filtered in parallel -------------------------------------------- */

/* The deflate level of ds if its filters are exactly shuffle, deflate, Fletcher32 (what
 * make_ds sets for a field with compression), else -1. */
static int chunk_pipeline_level(hid_t ds)
{
    hid_t dcpl = H5Dget_create_plist(ds);
    if (dcpl < 0) return -1;
    int level = -1;
    if (H5Pget_nfilters(dcpl) == 3) {
        H5Z_filter_t id[3];
        unsigned cd[3][4], flags;
        size_t ncd[3] = {4, 4, 4};
        char name[32];
        for (unsigned i = 0; i < 3; i++)
            id[i] = H5Pget_filter2(dcpl, i, &flags, &ncd[i], cd[i], sizeof name, name, NULL);
        if (id[0] == H5Z_FILTER_SHUFFLE && id[1] == H5Z_FILTER_DEFLATE && id[2] == H5Z_FILTER_FLETCHER32 &&
            ncd[1] >= 1 && cd[1][0] <= 9)
            level = (int)cd[1][0];
    }
    H5Pclose(dcpl);
    return level;
}

/* Field fi's values at voxels q0 .. q0 + len - 1 (one x row): its array there, or made
 * into buf (len values) by f->make; NULL if they could not be made. */
static const derm_real *field_row(const struct derm_fields *f, int fi, int64_t q0, int64_t len, derm_real *buf)
{
    const derm_real *v = derm_fields_get(f, fi);
    if (v) return v + q0;
    return f->make && f->make(f->make_ctx, fi, q0, len, buf) == 0 ? buf : NULL;
}

/* The chunk of field fi at (z0, y0, x0) as float32 in chunk order, its bytes shuffled into
 * sh (byte b of value i at b cn + i: the shuffle filter's layout, on a little-endian host
 * the file type's bytes); the part beyond the grid +0 (the fill HDF5 gives an edge chunk).
 * row: room for c[3] values of a field made when read. 0, or -1 if its values could not
 * be made. */
static int gather_shuffled(const struct derm_fields *f, int fi, const struct derm_grid *g, const hsize_t c[4],
                           int64_t z0, int64_t y0, int64_t x0, derm_real *row, unsigned char *sh)
{
    const int64_t cz = (int64_t)c[1], cy = (int64_t)c[2], cx = (int64_t)c[3], cn = cz * cy * cx;
    const int64_t nxr = g->nx - x0 < cx ? g->nx - x0 : cx; /* of the chunk's x extent, inside the grid */
    for (int64_t z = 0; z < cz; z++)
        for (int64_t y = 0; y < cy; y++) {
            const int64_t gz = z0 + z, gy = y0 + y, i0 = (z * cy + y) * cx;
            const int inside = gz < g->nz && gy < g->ny;
            const derm_real *v = inside ? field_row(f, fi, (gz * g->ny + gy) * g->nx + x0, nxr, row) : NULL;
            if (inside && !v) return -1;
            for (int64_t x = 0; x < cx; x++) {
                const float val = inside && x < nxr ? (float)v[x] : 0.0f;
                unsigned char b[4];
                memcpy(b, &val, 4);
                for (int k = 0; k < 4; k++) sh[k * cn + i0 + x] = b[k];
            }
        }
    return 0;
}

/* Every field of frame k, its chunks filtered in parallel (shuffled as gathered, then
 * derm_h5util_deflate_chunk: together derm_h5util_filter_chunk, chunks that HDF5's own
 * pipeline reads back, checked by test_io) and stored in order with H5Dwrite_chunk, in batches of
 * one chunk per thread so the extra memory stays a few chunks: per thread a chunk of
 * shuffled bytes and its compressed copy (at most 2 x DERM_OUTPUT_FIELD_CHUNK_MAX_BYTES).
 * Deflate was most of a frame's time and ran on one thread. Returns DERM_OK, or DERM_ENOMEM
 * with nothing written when its buffers cannot be had (the caller then writes serially). */
static derm_status write_field_chunks(struct derm_output *o, const struct derm_fields *f, hsize_t k, int level,
                                      struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path, *name = "";
    hsize_t c[4];
    field_chunk(&o->g, c);
    const int64_t ncz = (o->g.nz + (int64_t)c[1] - 1) / (int64_t)c[1],
                  ncy = (o->g.ny + (int64_t)c[2] - 1) / (int64_t)c[2];
    const int64_t ncx = (o->g.nx + (int64_t)c[3] - 1) / (int64_t)c[3], per = ncz * ncy * ncx;
    const int64_t ntask = DERM_NFIELDS * per;
    const size_t cn = (size_t)(c[1] * c[2] * c[3]), bound = derm_h5util_chunk_bound(cn);
    int nt = omp_get_max_threads();
    if (nt > ntask) nt = (int)ntask;
    unsigned char *scratch = malloc((size_t)nt * cn * 4), *bytes = malloc((size_t)nt * bound);
    size_t *len = malloc((size_t)nt * sizeof *len);
    derm_real *rows = malloc((size_t)nt * (size_t)c[3] * sizeof *rows); /* a made row per thread */
    if (!scratch || !bytes || !len || !rows) {
        st = DERM_ENOMEM;
        goto done;
    }
    const hsize_t rest3[3] = {(hsize_t)o->g.nz, (hsize_t)o->g.ny, (hsize_t)o->g.nx};
    for (int fi = 0; fi < DERM_NFIELDS && st == DERM_OK; fi++)
        st = extend(o, o->field[fi], derm_field_desc(fi)->name, 4, rest3, k + 1, err);
    for (int64_t t0 = 0; t0 < ntask && st == DERM_OK; t0 += nt) {
        const int nb = ntask - t0 < nt ? (int)(ntask - t0) : nt;
#pragma omp parallel for schedule(static, 1) num_threads(nb) default(none) shared(o, f, c, scratch, bytes, len, rows) \
    firstprivate(nb, t0, per, ncy, ncx, cn, bound, level)
        for (int b = 0; b < nb; b++) {
            const int64_t task = t0 + b, ch = task % per;
            const int64_t z0 = ch / (ncy * ncx) * (int64_t)c[1], y0 = ch / ncx % ncy * (int64_t)c[2];
            const int64_t x0 = ch % ncx * (int64_t)c[3];
            unsigned char *sh = scratch + (size_t)b * cn * 4;
            if (gather_shuffled(f, (int)(task / per), &o->g, c, z0, y0, x0, rows + (size_t)b * (size_t)c[3], sh) == 0)
                len[b] = derm_h5util_deflate_chunk(sh, cn * 4, level, bytes + (size_t)b * bound, bound);
            else
                len[b] = (size_t)-1; /* its values could not be made */
        }
        for (int b = 0; b < nb; b++) {
            const int64_t task = t0 + b, ch = task % per;
            const int fi = (int)(task / per);
            name = derm_field_desc(fi)->name;
            const hsize_t off[4] = {k, (hsize_t)(ch / (ncy * ncx)) * c[1], (hsize_t)(ch / ncx % ncy) * c[2],
                                    (hsize_t)(ch % ncx) * c[3]};
            if (len[b] == (size_t)-1) {
                st = derm_err_set(err, DERM_ENOMEM, "%s: out of memory making field %s for a frame", o->path, name);
                break;
            }
            if (!len[b]) {
                st = derm_err_set(err, DERM_EIO, "%s: deflate failed for a chunk of %s", o->path, name);
                break;
            }
            HCHECK(H5Dwrite_chunk(o->field[fi], H5P_DEFAULT, 0, off, len[b], bytes + (size_t)b * bound),
                   "write chunk of dataset", name);
        }
    }
done:
    free(scratch);
    free(bytes);
    free(len);
    free(rows);
    return st == DERM_ENOMEM ? st : disk_check(o, st, err);
}

/* The float32 frame of field fi for a write of the whole field (not chunk by chunk): its
 * array in the lean build, else o->fbuf (allocated at the first such write) filled by the
 * caller. NULL when o->fbuf cannot be allocated. */
static float *whole_frame(struct derm_output *o, const struct derm_fields *f, int fi, int *fill)
{
#if DERM_REAL_IS_FLOAT
    float *v = derm_fields_get(f, fi);
    *fill = v == NULL;
    if (v) return v; /* stored as written */
#else
    (void)f;
    (void)fi;
    *fill = 1;
#endif
    if (!o->fbuf) o->fbuf = malloc((size_t)o->g.n * sizeof *o->fbuf);
    return o->fbuf;
}

static derm_status write_fields(struct derm_output *o, const struct derm_fields *f, const double *xp, hsize_t k,
                                uint32_t *crc, struct derm_err *err)
{
    const int64_t nx = o->g.nx, ny = o->g.ny, nz = o->g.nz, nxy = nx * ny;
    const hsize_t rest3[3] = {(hsize_t)nz, (hsize_t)ny, (hsize_t)nx}, restz = (hsize_t)nz;
    for (int fi = 0; fi < DERM_NFIELDS; fi++)
        if (!derm_fields_get(f, fi) && !f->make)
            return derm_err_set(err, DERM_EINTERNAL, "%s: field %s not allocated", o->path, derm_field_desc(fi)->name);
    /* the chunks in parallel when the datasets filter as make_ds sets them (little-endian
     * hosts: the chunk bytes are the file type's) */
    int chunked = 0;
    if (o->opts.write_fields && DERM_OUTPUT_LITTLE_ENDIAN) {
        const int level = chunk_pipeline_level(o->field[0]);
        for (int fi = 1; fi < DERM_NFIELDS && level > 0; fi++)
            if (chunk_pipeline_level(o->field[fi]) != level)
                return derm_err_set(err, DERM_ECORRUPT, "%s: the field datasets' filters differ", o->path);
        if (level > 0) {
            const derm_status st = write_field_chunks(o, f, k, level, err);
            if (st != DERM_OK && st != DERM_ENOMEM) return st;
            chunked = st == DERM_OK;
        }
    }
    /* row by row: the frame's checksum (over its float32 values in index order) and the
     * lateral means (summed serially in index order: independent of thread count) */
    derm_real *row = malloc((size_t)nx * sizeof *row);
    float *rowf = malloc((size_t)nx * sizeof *rowf);
    derm_status st = row && rowf ? DERM_OK : derm_err_set(err, DERM_ENOMEM, "%s: out of memory for a frame", o->path);
    for (int fi = 0; fi < DERM_NFIELDS && st == DERM_OK; fi++) {
        const struct derm_field_desc *d = derm_field_desc(fi);
        int fill = 0;
        float *frame = o->opts.write_fields && !chunked ? whole_frame(o, f, fi, &fill) : NULL;
        if (o->opts.write_fields && !chunked && !frame) {
            st = derm_err_set(err, DERM_ENOMEM, "%s: out of memory for a frame of %s", o->path, d->name);
            break;
        }
        for (int64_t z = 0; z < nz && st == DERM_OK; z++) {
            double sum = 0.0;
            for (int64_t y = 0; y < ny; y++) {
                const int64_t q0 = (z * ny + y) * nx;
                const derm_real *v = field_row(f, fi, q0, nx, row);
                if (!v) {
                    st = derm_err_set(err, DERM_ENOMEM, "%s: out of memory making field %s for a frame", o->path,
                                      d->name);
                    break;
                }
                if (o->opts.write_fields) {
                    for (int64_t x = 0; x < nx; x++) rowf[x] = (float)v[x];
                    *crc = derm_crc_32(*crc, rowf, (size_t)nx * sizeof *rowf);
                    if (fill) memcpy(frame + q0, rowf, (size_t)nx * sizeof *rowf);
                }
                for (int64_t x = 0; x < nx; x++) sum += v[x];
            }
            o->pbuf[z] = sum / (double)nxy;
        }
        if (st != DERM_OK) break;
        if (frame) st = append_rows(o, o->field[fi], d->name, 4, k, 1, rest3, H5T_NATIVE_FLOAT, frame, err);
        if (st != DERM_OK) break;
        char name[128];
        snprintf(name, sizeof name, "%s_profile", d->name);
        *crc = derm_crc_32(*crc, o->pbuf, (size_t)nz * sizeof *o->pbuf);
        st = append_rows(o, o->profile[fi], name, 2, k, 1, &restz, H5T_NATIVE_DOUBLE, o->pbuf, err);
    }
    free(row);
    free(rowf);
    if (st != DERM_OK) return st;
    for (int i = 0; i < DERM_NFRAME_PROFILES; i++) {
        for (int64_t z = 0; z < nz; z++) o->pbuf[z] = xp ? xp[i * nz + z] : 0.0;
        *crc = derm_crc_32(*crc, o->pbuf, (size_t)nz * sizeof *o->pbuf);
        DERM_TRY(append_rows(o, o->xprofile[i], derm_output_frame_profile(i)->name, 2, k, 1, &restz, H5T_NATIVE_DOUBLE,
                             o->pbuf, err));
    }
    return DERM_OK;
}

static const struct derm_series_desc frame_profiles[DERM_NFRAME_PROFILES] = {
#define DERM_X_ROW(name, units, ln) {name, units, ln},
    DERM_FRAME_PROFILES(DERM_X_ROW)
#undef DERM_X_ROW
};

const struct derm_series_desc *derm_output_frame_profile(int i)
{
    return i >= 0 && i < DERM_NFRAME_PROFILES ? &frame_profiles[i] : NULL;
}

derm_status derm_output_frame(struct derm_output *o, int64_t step, double time_day, double age_years,
                              const struct derm_fields *f, const double *profiles, const struct derm_agents *a,
                              struct derm_err *err)
{
    if (!o || !f) return derm_err_set(err, DERM_EINTERNAL, "derm_output_frame: NULL argument");
    if (f->grid.nx != o->g.nx || f->grid.ny != o->g.ny || f->grid.nz != o->g.nz)
        return derm_err_set(err, DERM_EINTERNAL,
                            "%s: frame fields are %" PRId64 "x%" PRId64 "x%" PRId64 " but the file grid is %" PRId64
                            "x%" PRId64 "x%" PRId64,
                            o->path, f->grid.nx, f->grid.ny, f->grid.nz, o->g.nx, o->g.ny, o->g.nz);
    derm_h5util_quiet();
    const hsize_t k = (hsize_t)o->nframes;
    const uint64_t na = (o->opts.write_agents && a) ? (uint64_t)a->n : 0;
    /* the frame's data (compressed chunks are at most a little larger than raw) plus, in the
     * worst case, a new chunk of every appended variable */
    uint64_t bytes =
        (uint64_t)DERM_NFIELDS * ((o->opts.write_fields ? (uint64_t)o->g.n * 4u : 0) + (uint64_t)o->g.nz * 8u) +
        (uint64_t)DERM_NFRAME_PROFILES * (uint64_t)o->g.nz * 8u;
    bytes += bytes / 64 + (na + AGENT_CHUNK_ROWS) * 64u + 8u * SERIES_CHUNK_ROWS * 8u;
    DERM_TRY(reserve(o, bytes, err));
    uint32_t crc = derm_crc_32(0, &time_day, sizeof time_day);
    crc = derm_crc_32(crc, &step, sizeof step);
    crc = derm_crc_32(crc, &age_years, sizeof age_years);
    DERM_TRY(write_fields(o, f, profiles, k, &crc, err));
    if (o->opts.write_agents) DERM_TRY(write_agents(o, a, (int64_t)k, &crc, err));

    /* Frame coordinates last: a frame is complete once its time is visible. */
    DERM_TRY(append_rows(o, o->frame_crc, "frame_checksum", 1, k, 1, NULL, H5T_NATIVE_UINT32, &crc, err));
    DERM_TRY(append_rows(o, o->frame_step, "frame_step", 1, k, 1, NULL, H5T_NATIVE_INT64, &step, err));
    DERM_TRY(append_rows(o, o->frame_age, "frame_age_years", 1, k, 1, NULL, H5T_NATIVE_DOUBLE, &age_years, err));
    const int64_t index = (int64_t)k;
    DERM_TRY(append_rows(o, o->frame, "frame", 1, k, 1, NULL, H5T_NATIVE_INT64, &index, err));
    DERM_TRY(append_rows(o, o->frame_time, "frame_time", 1, k, 1, NULL, H5T_NATIVE_DOUBLE, &time_day, err));
    o->nframes++;
    DERM_TRY(flush_rows(o, 1, err)); /* and the kept series rows */
    if (o->xdmf) DERM_TRY(derm_xdmf_add_frame(o->xdmf, time_day, age_years, o->opts.write_agents && a ? a->n : 0, err));
    return DERM_OK;
}

derm_status derm_output_sync(struct derm_output *o, struct derm_err *err)
{
    if (!o) return derm_err_set(err, DERM_EINTERNAL, "derm_output_sync: NULL argument");
    if (o->failed) return derm_err_set(err, DERM_EIO, "%s: an earlier write failed; nothing more is written", o->path);
    derm_h5util_quiet();
    return flush_rows(o, 1, err);
}

derm_status derm_output_timing(struct derm_output *o, const char *const *names, const double *seconds, int n,
                               int64_t steps, double peak_bytes, struct derm_err *err)
{
    if (!o || o->failed) return DERM_OK;
    char joined[1024] = "";
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(joined + used, sizeof joined - used, "%s%s", i ? "," : "", names[i]);
        if (w < 0 || (size_t)w >= sizeof joined - used)
            return derm_err_set(err, DERM_EINTERNAL, "output_timing: phase names longer than %zu bytes", sizeof joined);
        used += (size_t)w;
    }
    const char *attrs[4] = {"phase_names", "phase_seconds", "phase_steps", "peak_memory_bytes"};
    for (int i = 0; i < 4; i++)
        if (H5Aexists(o->file, attrs[i]) > 0 && H5Adelete(o->file, attrs[i]) < 0)
            return derm_h5util_fail(err, o->path, "replace attribute", attrs[i]);
    DERM_TRY(derm_h5util_write_str(o->file, "/", "phase_names", joined, o->path, err));
    DERM_TRY(derm_h5util_write_num(o->file, "/", "phase_seconds", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (size_t)n, seconds,
                                   o->path, err));
    DERM_TRY(
        derm_h5util_write_num(o->file, "/", "phase_steps", H5T_STD_I64LE, H5T_NATIVE_INT64, 0, &steps, o->path, err));
    if (!(peak_bytes > 0)) return DERM_OK;
    return derm_h5util_write_num(o->file, "/", "peak_memory_bytes", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &peak_bytes,
                                 o->path, err);
}

derm_status derm_output_close(struct derm_output *o, int completed, struct derm_err *err)
{
    if (!o) return DERM_OK;
    derm_h5util_quiet();
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hid_t attr = H5I_INVALID_HID;
    int32_t c = completed ? 1 : 0;
    if (o->failed) {
        st = derm_err_set(err, DERM_EIO, "%s: an earlier write failed; the file keeps its last flushed state", o->path);
        goto done;
    }
    st = append_kept_rows(o, err); /* the rows first: `completed` is about them too */
    if (st != DERM_OK) goto done;
    HCHECK(attr = H5Aopen(o->file, "completed", H5P_DEFAULT), "open attribute", "completed");
    HCHECK(H5Awrite(attr, H5T_NATIVE_INT32, &c), "write attribute", "completed");
    derm_h5util_close(&attr);
    st = flush(o, 1, err);
done:
    derm_h5util_close(&attr);
    /* Datasets first, so that H5Fclose really closes the file and its error is ours. */
    close_objects(o);
    if (o->file >= 0 && H5Fclose(o->file) < 0 && st == DERM_OK)
        st = derm_h5util_fail(err, file_name, "close file", file_name);
    o->file = H5I_INVALID_HID;
    output_free(o);
    H5garbage_collect(); /* return HDF5's free lists: there is no atexit handler */
    return st;
}

/* ---- the sidecar of a finished file ----------------------------------------------------------- */

derm_status derm_output_xdmf(const char *h5_path, const char *xdmf_path, struct derm_err *err)
{
    if (!h5_path || !xdmf_path) return derm_err_set(err, DERM_EINTERNAL, "derm_output_xdmf: NULL argument");
    struct derm_output_summary s;
    DERM_TRY(derm_output_verify(h5_path, 0, &s, err));
    if (!s.has_fields && !s.has_agents) return DERM_OK;
    derm_h5util_quiet();
    hid_t file = H5Fopen(h5_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return derm_h5util_fail(err, h5_path, "open file", h5_path);
    double h = 0.0;
    struct derm_xdmf *x = NULL;
    derm_status st = derm_h5util_read_real_attr(file, "voxel_um", &h, h5_path, err);
    if (st == DERM_OK) {
        const struct derm_grid g = {.nx = s.nx, .ny = s.ny, .nz = s.nz, .n = s.nx * s.ny * s.nz, .h_um = h};
        st = derm_xdmf_create(&x, xdmf_path, h5_path, &g, s.has_fields, s.has_agents, err);
    }
    if (st == DERM_OK) st = sidecar_frames(x, file, h5_path, s.frames, s.has_agents, err);
    derm_xdmf_free(x);
    H5Fclose(file);
    return st;
}
