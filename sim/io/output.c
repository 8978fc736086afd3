/* io.c - the run file (run.h5), its ParaView sidecar (run.xdmf) and `dermsim info`.
 *
 * Owns: every HDF5 call of the project (the only file that includes hdf5.h). The file is
 * netCDF-4 compatible (the layout and its pitfalls are in shared/OUTPUT.md), flat at the
 * root group, so that xarray (engine="h5netcdf"), ncdump and h5py read it with real
 * dimensions:
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
 * Every appendable dataset is chunked explicitly and grown with H5Dset_extent plus a
 * hyperslab write; the file is flushed after every row and frame, so a killed run leaves
 * a readable file whose root attribute `completed` is still 0.
 *
 * The XDMF sidecar (io/xdmf.c, pure text) is told about every frame and rewritten after it.
 *
 * Every HDF5 return value is checked; failures become DERM_EHDF5 with the dataset, the
 * file and the innermost HDF5 message. HDF5's own error printing and its atexit handler
 * are switched off (see h5_quiet).
 *
 * Does not: compute totals (sim.c), decide when to write (main.c), or depend on the
 * number of threads (profiles are lateral means summed serially in a fixed order).
 */
#define _POSIX_C_SOURCE 200809L

#include "derm/io/output.h"
#include "derm/io/xdmf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hdf5.h>
#include <hdf5_hl.h>

/* ---- layout constants ------------------------------------------------------------------ */

#define SERIES_CHUNK_ROWS                                                                      \
    512                                     /* rows per chunk of 1-D series (4 KiB of doubles: \
                                             * a flush rewrites at most this per series) */
#define AGENT_CHUNK_ROWS 65536              /* rows per chunk of every agent column */
#define FIELD_CHUNK_MAX_BYTES (4u << 20)    /* cap of one 4-D field chunk (one frame or less) */
#define PROFILE_CHUNK_MAX_BYTES (64u << 10) /* cap of one depth-profile chunk */
#define FRAME_COORDS "frame_time frame_step frame_age_years"
#define TIME_COORDS "step age_years"
#define INDEX_ORDER "idx = (k*ny + j)*nx + i; x fastest; z = depth below the DEJ"
#define PURE_DIM_NAME "This is a netCDF dimension but not a netCDF variable."

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

/* Key totals shown first vs last by derm_output_info. */
static const char *const info_totals[] = {
    "collagen_total",     "collagen_fragmented_fraction", "fibroblast_count",
    "senescent_fraction", "elastin_functional_total",     "ha_hmw_total",
    "dermal_thickness",
};

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

    hid_t time, step, age;
    hid_t *total;                          /* one per series */
    const struct derm_series_desc *series; /* the series, in order */
    int nseries;
    hid_t frame, frame_time, frame_step, frame_age;
    hid_t field[DERM_NFIELDS], profile[DERM_NFIELDS];
    hid_t agent, agent_count, acol[NACOLS];
    hid_t x, y, z;

    float *fbuf;  /* one field frame as float32 */
    double *pbuf; /* one depth profile */
    void *abuf;   /* one agent column converted to float32 */
    size_t abuf_bytes;
};

/* ---- HDF5 error plumbing ---------------------------------------------------------------- */

struct h5_walk {
    char *buf;
    size_t len;
};

static herr_t h5_walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    struct h5_walk *w = data;
    (void)n;
    /* Walking downward, the last record is the innermost (most specific) one. */
    snprintf(w->buf, w->len, "%s (in %s)", e->desc ? e->desc : "?", e->func_name ? e->func_name : "?");
    return 0;
}

/* Innermost message of the current HDF5 error stack; clears the stack. */
static const char *h5_detail(char *buf, size_t len)
{
    struct h5_walk w = {buf, len};
    snprintf(buf, len, "no HDF5 error detail");
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, h5_walk_cb, &w);
    H5Eclear2(H5E_DEFAULT);
    for (char *p = buf; *p; p++) /* some HDF5 messages embed newlines; keep one line */
        if (*p == '\n' || *p == '\r') *p = ' ';
    return buf;
}

/* Record an HDF5 failure naming the action, the object and the file. */
static derm_status h5_fail(struct derm_err *err, const char *file, const char *what, const char *obj)
{
    char detail[512];
    h5_detail(detail, sizeof detail);
    return derm_err_set(err, DERM_EHDF5, "%s: cannot %s '%s': HDF5: %s", file, what, obj, detail);
}

/* Called at every entry point, before any other HDF5 call of the process.
 * - HDF5 prints nothing itself: every failure is reported through derm_err.
 * - No HDF5 atexit handler: when H5Fclose fails (a full disk, a file size limit),
 *   HDF5 1.10.8 keeps the file id registered after freeing the file, and the handler
 *   then crashes the process at exit. Every object is closed here explicitly and the file
 *   is flushed after every row and frame, so the handler has nothing left to do. */
static void h5_quiet(void)
{
    static int once;
    if (!once) {
        once = 1;
        H5dont_atexit();
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* Check an HDF5 return value; on failure record the error and jump to `done`. Needs
 * `st`, `err` and `file_name` in scope. */
#define HCHECK(expr, what, obj)                      \
    do {                                             \
        if ((expr) < 0) {                            \
            st = h5_fail(err, file_name, what, obj); \
            goto done;                               \
        }                                            \
    } while (0)

static void close_id(hid_t *id)
{
    if (*id < 0) return;
    switch (H5Iget_type(*id)) {
    case H5I_DATASET:
        H5Dclose(*id);
        break;
    case H5I_DATASPACE:
        H5Sclose(*id);
        break;
    case H5I_DATATYPE:
        H5Tclose(*id);
        break;
    case H5I_ATTR:
        H5Aclose(*id);
        break;
    case H5I_GENPROP_LST:
        H5Pclose(*id);
        break;
    case H5I_FILE:
        H5Fclose(*id);
        break;
    case H5I_GROUP:
        H5Gclose(*id);
        break;
    default:
        break;
    }
    *id = H5I_INVALID_HID;
}

static const char *nz_str(const char *s) { return s ? s : ""; }

/* ---- attributes ------------------------------------------------------------------------- */

/* Scalar variable-length UTF-8 string attribute (read back as str by h5py and h5netcdf). */
static derm_status attr_str(hid_t obj, const char *obj_name, const char *name, const char *value, const char *file_name,
                            struct derm_err *err)
{
    derm_status st = DERM_OK;
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    const char *v = nz_str(value);
    char what[128];
    snprintf(what, sizeof what, "write attribute %s of", name);
    HCHECK(type = H5Tcopy(H5T_C_S1), what, obj_name);
    HCHECK(H5Tset_size(type, H5T_VARIABLE), what, obj_name);
    HCHECK(H5Tset_cset(type, H5T_CSET_UTF8), what, obj_name);
    HCHECK(space = H5Screate(H5S_SCALAR), what, obj_name);
    HCHECK(attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), what, obj_name);
    HCHECK(H5Awrite(attr, type, &v), what, obj_name);
done:
    close_id(&attr);
    close_id(&space);
    close_id(&type);
    return st;
}

/* Scalar numeric attribute (n == 0) or 1-D array attribute of n values. */
static derm_status attr_num(hid_t obj, const char *obj_name, const char *name, hid_t ftype, hid_t mtype, size_t n,
                            const void *value, const char *file_name, struct derm_err *err)
{
    derm_status st = DERM_OK;
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    char what[128];
    snprintf(what, sizeof what, "write attribute %s of", name);
    hsize_t dim = n;
    HCHECK(space = n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_SCALAR), what, obj_name);
    HCHECK(attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT), what, obj_name);
    HCHECK(H5Awrite(attr, mtype, value), what, obj_name);
done:
    close_id(&attr);
    close_id(&space);
    return st;
}

/* ---- dataset creation and appending ------------------------------------------------------ */

struct dsspec {
    const char *name;
    hid_t ftype; /* file type */
    int rank;
    const hsize_t *dims;  /* current size; axis 0 is ignored (0) when chunked */
    const hsize_t *chunk; /* NULL: fixed-size contiguous; else extendible along axis 0 */
    int deflate;          /* deflate level (with shuffle); 0: no filters */
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
        if (s->deflate > 0) {
            HCHECK(H5Pset_shuffle(dcpl), "set shuffle filter of dataset", s->name);
            HCHECK(H5Pset_deflate(dcpl, (unsigned)s->deflate), "set deflate filter of dataset", s->name);
        }
    }
    HCHECK(space = H5Screate_simple(s->rank, dims, maxdims), "create dataspace of dataset", s->name);
    HCHECK(*out = H5Dcreate2(o->file, s->name, s->ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), "create dataset",
           s->name);
    const char *attrs[3][2] = {{"units", s->units}, {"long_name", s->long_name}, {"coordinates", s->coordinates}};
    for (int i = 0; i < 3 && st == DERM_OK; i++)
        if (attrs[i][1]) st = attr_str(*out, s->name, attrs[i][0], attrs[i][1], file_name, err);
done:
    close_id(&space);
    close_id(&dcpl);
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

/* Grow axis 0 of ds to n rows (used alone for the pure dimensions frame and agent). */
static derm_status extend(struct derm_output *o, hid_t ds, const char *name, int rank, const hsize_t *rest, hsize_t n,
                          struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hsize_t dims[4] = {n, 0, 0, 0};
    for (int r = 1; r < rank; r++) dims[r] = rest[r - 1];
    HCHECK(H5Dset_extent(ds, dims), "extend dataset", name);
done:
    return st;
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
    close_id(&mspace);
    close_id(&fspace);
    return st;
}

static derm_status flush(struct derm_output *o, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    HCHECK(H5Fflush(o->file, H5F_SCOPE_LOCAL), "flush file", o->path);
done:
    return st;
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
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        DERM_TRY(attr_str(r, "/", strs[i].name, strs[i].value, f, err));
    uint64_t seed = m->seed;
    int32_t threads = m->omp_threads, completed = 0;
    double voxel_um = m->voxel_um > 0.0 ? m->voxel_um : o->g.h_um;
    DERM_TRY(attr_num(r, "/", "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &seed, f, err));
    DERM_TRY(attr_num(r, "/", "omp_threads", H5T_STD_I32LE, H5T_NATIVE_INT32, 0, &threads, f, err));
    DERM_TRY(attr_num(r, "/", "voxel_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &voxel_um, f, err));
    DERM_TRY(attr_num(r, "/", "completed", H5T_STD_I32LE, H5T_NATIVE_INT32, 0, &completed, f, err));
    return DERM_OK;
}

/* Fixed coordinate variable x, y or z: cell centres in um, a dimension scale. */
static derm_status make_axis(struct derm_output *o, const char *name, const char *long_name, int64_t n, hid_t *out,
                             struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hsize_t dim = (hsize_t)n;
    struct dsspec s = {name, H5T_IEEE_F64LE, 1, &dim, NULL, 0, "um", long_name, NULL};
    double *v = malloc((size_t)n * sizeof *v);
    if (!v) return derm_err_set(err, DERM_ENOMEM, "cannot allocate coordinate %s", name);
    for (int64_t i = 0; i < n; i++) v[i] = ((double)i + 0.5) * o->g.h_um;
    st = make_ds(o, &s, out, err);
    if (st != DERM_OK) goto done;
    HCHECK(H5Dwrite(*out, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), "write coordinate", name);
    HCHECK(H5DSset_scale(*out, name), "make dimension scale of", name);
    char axis[2] = {(char)(name[0] - 'a' + 'A'), '\0'};
    st = attr_str(*out, name, "axis", axis, file_name, err);
    if (st == DERM_OK && strcmp(name, "z") == 0) st = attr_str(*out, name, "positive", "down", file_name, err);
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
    struct dsspec s = {name, H5T_IEEE_F32BE, 1, &dim, &chunk, 0, NULL, NULL, NULL};
    DERM_TRY(make_ds(o, &s, out, err));
    HCHECK(H5DSset_scale(*out, scale_name), "make dimension scale of", name);
done:
    return st;
}

/* 1-D appendable variable along an unlimited dimension. */
static derm_status make_series(struct derm_output *o, const char *name, hid_t ftype, const char *units,
                               const char *long_name, const char *coords, hid_t dim_scale, hid_t *out,
                               struct derm_err *err)
{
    hsize_t dim = 0, chunk = SERIES_CHUNK_ROWS;
    struct dsspec s = {name, ftype, 1, &dim, &chunk, 0, units, long_name, coords};
    DERM_TRY(make_ds(o, &s, out, err));
    return attach(o, *out, name, 1, &dim_scale, err);
}

/* Chunk of one field frame: (1, cz, cy, cx) of at most FIELD_CHUNK_MAX_BYTES, splitting
 * along z first, then y, then x. */
static void field_chunk(const struct derm_grid *g, hsize_t chunk[4])
{
    const hsize_t cap = FIELD_CHUNK_MAX_BYTES / sizeof(float);
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

static derm_status make_frame_vars(struct derm_output *o, struct derm_err *err)
{
    char name[128], long_name[256];
    const hsize_t nz = (hsize_t)o->g.nz, ny = (hsize_t)o->g.ny, nx = (hsize_t)o->g.nx;

    DERM_TRY(make_series(o, "frame_time", H5T_IEEE_F64LE, "day", "model time of the frame", NULL, o->frame,
                         &o->frame_time, err));
    DERM_TRY(make_series(o, "frame_step", H5T_STD_I64LE, "1", "step number of the frame", NULL, o->frame,
                         &o->frame_step, err));
    DERM_TRY(make_series(o, "frame_age_years", H5T_IEEE_F64LE, "year", "subject age at the frame", NULL, o->frame,
                         &o->frame_age, err));

    if (o->opts.write_fields) {
        hsize_t dims[4] = {0, nz, ny, nx}, chunk[4];
        hid_t scales[4] = {o->frame, o->z, o->y, o->x};
        field_chunk(&o->g, chunk);
        for (int f = 0; f < DERM_NFIELDS; f++) {
            const struct derm_field_desc *d = derm_field_desc(f);
            struct dsspec s = {d->name,  H5T_IEEE_F32LE, 4,           dims, chunk, o->opts.compression,
                               d->units, d->long_name,   FRAME_COORDS};
            DERM_TRY(make_ds(o, &s, &o->field[f], err));
            DERM_TRY(attach(o, o->field[f], d->name, 4, scales, err));
        }
    }

    {
        hsize_t rows = PROFILE_CHUNK_MAX_BYTES / (nz * sizeof(double));
        if (rows < 1) rows = 1;
        if (rows > SERIES_CHUNK_ROWS) rows = SERIES_CHUNK_ROWS;
        hsize_t dims[2] = {0, nz}, chunk[2] = {rows, nz};
        hid_t scales[2] = {o->frame, o->z};
        for (int f = 0; f < DERM_NFIELDS; f++) {
            const struct derm_field_desc *d = derm_field_desc(f);
            snprintf(name, sizeof name, "%s_profile", d->name);
            snprintf(long_name, sizeof long_name, "lateral (x, y) mean of %s", d->long_name);
            struct dsspec s = {name,     H5T_IEEE_F64LE, 2,           dims, chunk, o->opts.compression,
                               d->units, long_name,      FRAME_COORDS};
            DERM_TRY(make_ds(o, &s, &o->profile[f], err));
            DERM_TRY(attach(o, o->profile[f], name, 2, scales, err));
        }
    }

    if (o->opts.write_agents) {
        DERM_TRY(make_series(o, "agent_count", H5T_STD_I64LE, "1", "agents in the frame (rows of the agent table)",
                             FRAME_COORDS, o->frame, &o->agent_count, err));
        DERM_TRY(attr_str(o->agent_count, "agent_count", "sample_dimension", "agent", o->path, err));
        hsize_t dim = 0, chunk = AGENT_CHUNK_ROWS;
        for (int c = 0; c < NACOLS; c++) {
            const struct agent_col *ac = &agent_cols[c];
            hid_t ftype = ac->kind == DERM_COL_I64   ? H5T_STD_I64LE
                          : ac->kind == DERM_COL_I32 ? H5T_STD_I32LE
                          : ac->kind == DERM_COL_I8  ? H5T_STD_I8LE
                                                     : H5T_IEEE_F32LE;
            snprintf(name, sizeof name, "agent_%s", ac->name);
            struct dsspec s = {name, ftype, 1, &dim, &chunk, o->opts.compression, ac->units, ac->long_name, NULL};
            DERM_TRY(make_ds(o, &s, &o->acol[c], err));
            DERM_TRY(attach(o, o->acol[c], name, 1, &o->agent, err));
            const char *flags = agent_col_flags(c);
            if (flags) {
                /* flag_values 0 .. n-1 in the column's own type, one per meaning (CF). */
                int8_t values[32];
                size_t n = 0;
                for (const char *p = flags; *p && n < sizeof values;) {
                    while (*p == ' ') p++;
                    if (!*p) break;
                    values[n] = (int8_t)n;
                    n++;
                    while (*p && *p != ' ') p++;
                }
                DERM_TRY(
                    attr_num(o->acol[c], name, "flag_values", H5T_STD_I8LE, H5T_NATIVE_INT8, n, values, o->path, err));
                DERM_TRY(attr_str(o->acol[c], name, "flag_meanings", flags, o->path, err));
            }
        }
    }
    return DERM_OK;
}

static void close_objects(struct derm_output *o)
{
    hid_t *ids[] = {&o->time,      &o->step,  &o->age,         &o->frame, &o->frame_time, &o->frame_step,
                    &o->frame_age, &o->agent, &o->agent_count, &o->x,     &o->y,          &o->z};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) close_id(ids[i]);
    for (int t = 0; t < o->nseries && o->total; t++) close_id(&o->total[t]);
    for (int f = 0; f < DERM_NFIELDS; f++) {
        close_id(&o->field[f]);
        close_id(&o->profile[f]);
    }
    for (int c = 0; c < NACOLS; c++) close_id(&o->acol[c]);
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
    free(o);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static derm_status check_create_args(struct derm_output **out, const char *h5_path, const struct derm_output_meta *meta,
                                     const struct derm_grid *g, const struct derm_output_opts *opts,
                                     struct derm_err *err)
{
    if (!out || !h5_path || !meta || !g || !opts || (opts->nseries > 0 && !opts->series))
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
    hid_t *ids[] = {&o->file,      &o->time,  &o->step,        &o->age, &o->frame, &o->frame_time, &o->frame_step,
                    &o->frame_age, &o->agent, &o->agent_count, &o->x,   &o->y,     &o->z};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) *ids[i] = H5I_INVALID_HID;
    for (int f = 0; f < DERM_NFIELDS; f++) o->field[f] = o->profile[f] = H5I_INVALID_HID;
    for (int c = 0; c < NACOLS; c++) o->acol[c] = H5I_INVALID_HID;
    o->g = *g;
    o->opts = *opts;
    o->series = opts->series;
    o->nseries = opts->nseries;
    o->total = malloc((size_t)(opts->nseries > 0 ? opts->nseries : 1) * sizeof *o->total);
    if (!o->total) {
        output_free(o);
        return derm_err_set(err, DERM_ENOMEM, "cannot allocate output series for %s", h5_path);
    }
    for (int t = 0; t < o->nseries; t++) o->total[t] = H5I_INVALID_HID;
    o->path = dup_str(h5_path);
    const int sidecar = xdmf_path && (opts->write_fields || opts->write_agents);
    o->xdmf_path = sidecar ? dup_str(xdmf_path) : NULL;
    o->fbuf = malloc((size_t)g->n * sizeof *o->fbuf);
    o->pbuf = malloc((size_t)g->nz * sizeof *o->pbuf);
    if (!o->path || (sidecar && !o->xdmf_path) || !o->fbuf || !o->pbuf) {
        output_free(o);
        return derm_err_set(err, DERM_ENOMEM, "cannot allocate output buffers for %s", h5_path);
    }
    *out = o;
    return DERM_OK;
}

/* Creation order of links and attributes (as the netCDF library does): readers list
 * variables and attributes in the order written, not alphabetically. No object
 * timestamps, so that runs differing only in thread count give identical datasets
 * (created_utc is the one intended difference). */
static derm_status create_file(struct derm_output *o, struct derm_err *err)
{
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hid_t fcpl = H5I_INVALID_HID;
    HCHECK(fcpl = H5Pcreate(H5P_FILE_CREATE), "create file", o->path);
    HCHECK(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "create file", o->path);
    HCHECK(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "create file", o->path);
    HCHECK(H5Pset_obj_track_times(fcpl, 0), "create file", o->path);
    o->file = H5Fcreate(o->path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    if (o->file < 0) {
        char detail[512];
        st = derm_err_set(err, DERM_EIO, "cannot create %s: HDF5: %s", o->path, h5_detail(detail, sizeof detail));
    }
done:
    close_id(&fcpl);
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
    struct dsspec s = {"time", H5T_IEEE_F64LE, 1, &dim, &chunk, 0, "day", "model time since the start of the run",
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
    struct dsspec s = {"frame", H5T_STD_I64LE, 1, &dim, &chunk, 0, "1", "frame number (0 = first snapshot)", NULL};
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
    return DERM_OK;
}

derm_status derm_output_create(struct derm_output **out, const char *h5_path, const char *xdmf_path,
                               const struct derm_output_meta *meta, const struct derm_grid *g,
                               const struct derm_output_opts *opts, struct derm_err *err)
{
    DERM_TRY(check_create_args(out, h5_path, meta, g, opts, err));
    h5_quiet();

    /* Probe with stdio first: a missing directory or a permission problem is reported
     * with strerror rather than HDF5's nested stack. */
    FILE *probe = fopen(h5_path, "wb");
    if (!probe) return derm_err_set(err, DERM_EIO, "cannot create %s: %s", h5_path, strerror(errno));
    fclose(probe);

    struct derm_output *o = NULL;
    DERM_TRY(output_alloc(&o, h5_path, xdmf_path, g, opts, err));
    derm_status st = create_file(o, err);
    if (st == DERM_OK) st = write_root_attrs(o, meta, err);
    if (st == DERM_OK) st = make_axes(o, err);
    if (st == DERM_OK) st = make_time_vars(o, err);
    if (st == DERM_OK) st = make_frame_vars(o, err);
    if (st == DERM_OK) st = flush(o, err);
    if (st == DERM_OK && o->xdmf_path)
        st = derm_xdmf_create(&o->xdmf, o->xdmf_path, o->path, &o->g, opts->write_fields, opts->write_agents, err);
    if (st != DERM_OK) {
        output_free(o);
        return st;
    }
    *out = o;
    return DERM_OK;
}

/* ---- appending ------------------------------------------------------------------------------ */

derm_status derm_output_series(struct derm_output *o, int64_t step, double time_day, double age_years,
                               const double *totals, struct derm_err *err)
{
    if (!o || !totals) return derm_err_set(err, DERM_EINTERNAL, "derm_output_series: NULL argument");
    h5_quiet();
    const hsize_t r = (hsize_t)o->nrows;
    DERM_TRY(append_rows(o, o->time, "time", 1, r, 1, NULL, H5T_NATIVE_DOUBLE, &time_day, err));
    DERM_TRY(append_rows(o, o->step, "step", 1, r, 1, NULL, H5T_NATIVE_INT64, &step, err));
    DERM_TRY(append_rows(o, o->age, "age_years", 1, r, 1, NULL, H5T_NATIVE_DOUBLE, &age_years, err));
    for (int t = 0; t < o->nseries; t++)
        DERM_TRY(append_rows(o, o->total[t], o->series[t].name, 1, r, 1, NULL, H5T_NATIVE_DOUBLE, &totals[t], err));
    o->nrows++;
    return flush(o, err);
}

/* Write one agent column's rows [0, n) at table offset off. */
static derm_status write_agent_col(struct derm_output *o, const struct derm_agents *a, int c, hsize_t off, hsize_t n,
                                   struct derm_err *err)
{
    char name[128];
    snprintf(name, sizeof name, "agent_%s", agent_cols[c].name);
    const void *src = n ? agent_col_data(a, c) : NULL;
    hid_t mtype;
    switch (agent_cols[c].kind) {
    case DERM_COL_I64:
        mtype = H5T_NATIVE_INT64;
        break;
    case DERM_COL_I32:
        mtype = H5T_NATIVE_INT32;
        break;
    case DERM_COL_I8:
        mtype = H5T_NATIVE_INT8;
        break;
    default: {
        /* double -> float32 by C conversion, the same rounding as (float)x */
        if (o->abuf_bytes < n * sizeof(float)) {
            void *p = realloc(o->abuf, n * sizeof(float));
            if (!p)
                return derm_err_set(err, DERM_ENOMEM, "%s: cannot allocate %llu rows of %s", o->path,
                                    (unsigned long long)n, name);
            o->abuf = p;
            o->abuf_bytes = n * sizeof(float);
        }
        const double *d = src;
        float *fl = o->abuf;
        for (hsize_t i = 0; i < n; i++) fl[i] = (float)d[i];
        src = fl;
        mtype = H5T_NATIVE_FLOAT;
    }
    }
    return append_rows(o, o->acol[c], name, 1, off, n, NULL, mtype, src, err);
}

derm_status derm_output_frame(struct derm_output *o, int64_t step, double time_day, double age_years,
                              const struct derm_fields *f, const struct derm_agents *a, struct derm_err *err)
{
    if (!o || !f) return derm_err_set(err, DERM_EINTERNAL, "derm_output_frame: NULL argument");
    if (f->grid.nx != o->g.nx || f->grid.ny != o->g.ny || f->grid.nz != o->g.nz)
        return derm_err_set(err, DERM_EINTERNAL,
                            "%s: frame fields are %" PRId64 "x%" PRId64 "x%" PRId64 " but the file grid is %" PRId64
                            "x%" PRId64 "x%" PRId64,
                            o->path, f->grid.nx, f->grid.ny, f->grid.nz, o->g.nx, o->g.ny, o->g.nz);
    h5_quiet();
    const hsize_t k = (hsize_t)o->nframes;
    const int64_t nx = o->g.nx, ny = o->g.ny, nz = o->g.nz, nxy = nx * ny, n = o->g.n;
    const hsize_t rest3[3] = {(hsize_t)nz, (hsize_t)ny, (hsize_t)nx}, restz = (hsize_t)nz;

    for (int fi = 0; fi < DERM_NFIELDS; fi++) {
        const struct derm_field_desc *d = derm_field_desc(fi);
        const double *v = derm_fields_get(f, fi);
        if (!v) return derm_err_set(err, DERM_EINTERNAL, "%s: field %s not allocated", o->path, d->name);
        if (o->opts.write_fields) {
            for (int64_t i = 0; i < n; i++) o->fbuf[i] = (float)v[i];
            DERM_TRY(append_rows(o, o->field[fi], d->name, 4, k, 1, rest3, H5T_NATIVE_FLOAT, o->fbuf, err));
        }
        /* Lateral means, summed serially in index order: independent of thread count. */
        for (int64_t z = 0; z < nz; z++) {
            double s = 0.0;
            for (int64_t i = 0; i < nxy; i++) s += v[z * nxy + i];
            o->pbuf[z] = s / (double)nxy;
        }
        char name[128];
        snprintf(name, sizeof name, "%s_profile", d->name);
        DERM_TRY(append_rows(o, o->profile[fi], name, 2, k, 1, &restz, H5T_NATIVE_DOUBLE, o->pbuf, err));
    }

    if (o->opts.write_agents) {
        const hsize_t na = a ? (hsize_t)a->n : 0, off = (hsize_t)o->nagent_rows;
        const int64_t count = (int64_t)na;
        for (int c = 0; c < NACOLS; c++) DERM_TRY(write_agent_col(o, a, c, off, na, err));
        DERM_TRY(extend(o, o->agent, "agent", 1, NULL, off + na, err));
        DERM_TRY(append_rows(o, o->agent_count, "agent_count", 1, k, 1, NULL, H5T_NATIVE_INT64, &count, err));
        o->nagent_rows += count;
    }

    /* Frame coordinates last: a frame is complete once its time is visible. */
    DERM_TRY(append_rows(o, o->frame_step, "frame_step", 1, k, 1, NULL, H5T_NATIVE_INT64, &step, err));
    DERM_TRY(append_rows(o, o->frame_age, "frame_age_years", 1, k, 1, NULL, H5T_NATIVE_DOUBLE, &age_years, err));
    DERM_TRY(append_rows(o, o->frame_time, "frame_time", 1, k, 1, NULL, H5T_NATIVE_DOUBLE, &time_day, err));
    const int64_t index = (int64_t)k;
    DERM_TRY(append_rows(o, o->frame, "frame", 1, k, 1, NULL, H5T_NATIVE_INT64, &index, err));
    o->nframes++;
    DERM_TRY(flush(o, err));
    if (o->xdmf) DERM_TRY(derm_xdmf_add_frame(o->xdmf, time_day, age_years, o->opts.write_agents && a ? a->n : 0, err));
    return DERM_OK;
}

derm_status derm_output_close(struct derm_output *o, int completed, struct derm_err *err)
{
    if (!o) return DERM_OK;
    h5_quiet();
    derm_status st = DERM_OK;
    const char *file_name = o->path;
    hid_t attr = H5I_INVALID_HID;
    int32_t c = completed ? 1 : 0;
    HCHECK(attr = H5Aopen(o->file, "completed", H5P_DEFAULT), "open attribute", "completed");
    HCHECK(H5Awrite(attr, H5T_NATIVE_INT32, &c), "write attribute", "completed");
    close_id(&attr);
    st = flush(o, err);
done:
    close_id(&attr);
    /* Datasets first, so that H5Fclose really closes the file and its error is ours. */
    close_objects(o);
    if (o->file >= 0 && H5Fclose(o->file) < 0 && st == DERM_OK) st = h5_fail(err, file_name, "close file", file_name);
    o->file = H5I_INVALID_HID;
    output_free(o);
    H5garbage_collect(); /* return HDF5's free lists: there is no atexit handler */
    return st;
}

/* ---- reading ----------------------------------------------------------------------------- */

const char *derm_output_hdf5_version(void)
{
    static char buf[32];
    unsigned maj = 0, min = 0, rel = 0;
    h5_quiet();
    if (H5get_libversion(&maj, &min, &rel) < 0) return "unknown";
    snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
    return buf;
}

/* Open a run file read-only; missing or non-HDF5 files are DERM_EIO. If a writer in
 * another process holds HDF5's file lock, retry without locking so that `dermsim info`
 * works on a run still being written (it sees the state of the last flush). */
static derm_status open_ro(const char *path, hid_t *file, struct derm_err *err)
{
    h5_quiet();
    *file = H5I_INVALID_HID;
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
    h5_detail(detail, sizeof detail);
#if H5_VERSION_GE(1, 12, 1) || (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7)
    /* Locked by a writer in another process: read what it has flushed. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_file_locking(fapl, 0, 1) >= 0) *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    H5Eclear2(H5E_DEFAULT);
    if (*file >= 0) return DERM_OK;
#endif
    return derm_err_set(err, DERM_EIO, "cannot open %s: HDF5: %s", path, detail);
}

/* Read a whole 1-D dataset as doubles. DERM_EIO if it is missing or not 1-D. */
static derm_status read_1d(hid_t file, const char *file_name, const char *name, double **vals, int64_t *n,
                           struct derm_err *err)
{
    derm_status st = DERM_OK;
    hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
    double *v = NULL;
    *vals = NULL;
    *n = 0;
    htri_t ex = H5Lexists(file, name, H5P_DEFAULT);
    if (ex <= 0 || strchr(name, '/')) {
        H5Eclear2(H5E_DEFAULT);
        return derm_err_set(err, DERM_EIO, "%s: no series named '%s'", file_name, name);
    }
    HCHECK(ds = H5Dopen2(file, name, H5P_DEFAULT), "open dataset", name);
    HCHECK(space = H5Dget_space(ds), "get dataspace of dataset", name);
    int rank = H5Sget_simple_extent_ndims(space);
    HCHECK(rank, "get rank of dataset", name);
    if (rank != 1) {
        st = derm_err_set(err, DERM_EIO, "%s: '%s' is %d-dimensional, not a 1-D series", file_name, name, rank);
        goto done;
    }
    hsize_t dim = 0;
    HCHECK(H5Sget_simple_extent_dims(space, &dim, NULL), "get size of dataset", name);
    v = malloc((dim ? dim : 1) * sizeof *v);
    if (!v) {
        st = derm_err_set(err, DERM_ENOMEM, "%s: cannot allocate %llu values of %s", file_name, (unsigned long long)dim,
                          name);
        goto done;
    }
    if (dim) HCHECK(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), "read dataset", name);
    *vals = v;
    *n = (int64_t)dim;
    v = NULL;
done:
    free(v);
    close_id(&space);
    close_id(&ds);
    return st;
}

derm_status derm_output_read_series(const char *h5_path, const char *name, double **vals, int64_t *n,
                                    struct derm_err *err)
{
    if (!h5_path || !name || !vals || !n)
        return derm_err_set(err, DERM_EINTERNAL, "derm_output_read_series: NULL argument");
    *vals = NULL;
    *n = 0;
    hid_t file;
    DERM_TRY(open_ro(h5_path, &file, err));
    derm_status st = read_1d(file, h5_path, name, vals, n, err);
    H5Fclose(file);
    return st;
}

/* String attribute of the root group (variable or fixed length); "?" if absent. */
static void root_attr_str(hid_t file, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "?");
    hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
    if (H5Aexists(file, name) <= 0) goto done;
    if ((attr = H5Aopen(file, name, H5P_DEFAULT)) < 0) goto done;
    if ((type = H5Aget_type(attr)) < 0 || H5Tget_class(type) != H5T_STRING) goto done;
    if (H5Tis_variable_str(type) > 0) {
        char *s = NULL;
        if ((mtype = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mtype, H5T_VARIABLE) < 0 ||
            H5Tset_cset(mtype, H5Tget_cset(type)) < 0)
            goto done;
        if (H5Aread(attr, mtype, &s) >= 0 && s) {
            snprintf(buf, len, "%s", s);
            H5free_memory(s);
        }
    } else {
        size_t sz = H5Tget_size(type);
        char *s = calloc(sz + 1, 1);
        if (s && H5Aread(attr, type, s) >= 0) snprintf(buf, len, "%s", s);
        free(s);
    }
done:
    close_id(&mtype);
    close_id(&type);
    close_id(&attr);
    H5Eclear2(H5E_DEFAULT);
}

/* Numeric root attribute as double; returns 0 if present. */
static int root_attr_num(hid_t file, const char *name, hid_t mtype, void *out)
{
    int rc = -1;
    hid_t attr = H5I_INVALID_HID;
    if (H5Aexists(file, name) > 0 && (attr = H5Aopen(file, name, H5P_DEFAULT)) >= 0 && H5Aread(attr, mtype, out) >= 0)
        rc = 0;
    close_id(&attr);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

/* Length of a 1-D dataset, -1 if absent. */
static int64_t ds_len(hid_t file, const char *name)
{
    int64_t n = -1;
    hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hsize_t dims[4];
    if (H5Lexists(file, name, H5P_DEFAULT) > 0 && (ds = H5Dopen2(file, name, H5P_DEFAULT)) >= 0 &&
        (space = H5Dget_space(ds)) >= 0 && H5Sget_simple_extent_ndims(space) >= 1 &&
        H5Sget_simple_extent_dims(space, dims, NULL) >= 1)
        n = (int64_t)dims[0];
    close_id(&space);
    close_id(&ds);
    H5Eclear2(H5E_DEFAULT);
    return n;
}

/* Units attribute of a dataset into buf ("" if none). */
static void ds_units(hid_t file, const char *name, char *buf, size_t len)
{
    buf[0] = '\0';
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0) {
        H5Eclear2(H5E_DEFAULT);
        return;
    }
    root_attr_str(ds, "units", buf, len);
    if (strcmp(buf, "?") == 0 || strcmp(buf, "1") == 0) buf[0] = '\0';
    H5Dclose(ds);
}

/* Provenance lines from the root attributes; DERM_EIO if this is not a run file. */
static derm_status info_header(hid_t file, const char *h5_path, FILE *fp, struct derm_err *err)
{
    char sw[128], ver[128], git[128], created[64];
    root_attr_str(file, "software", sw, sizeof sw);
    root_attr_str(file, "software_version", ver, sizeof ver);
    root_attr_str(file, "git_describe", git, sizeof git);
    root_attr_str(file, "created_utc", created, sizeof created);
    uint64_t seed = 0;
    int32_t threads = -1, completed = 0;
    int have_seed = root_attr_num(file, "seed", H5T_NATIVE_UINT64, &seed) == 0;
    int have_threads = root_attr_num(file, "omp_threads", H5T_NATIVE_INT32, &threads) == 0;
    int have_completed = root_attr_num(file, "completed", H5T_NATIVE_INT32, &completed) == 0;
    if (!have_completed || H5Lexists(file, "time", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return derm_err_set(err, DERM_EIO,
                            "%s: not a dermsim run file (no 'completed' attribute "
                            "or 'time' series)",
                            h5_path);
    }

    fprintf(fp, "file:       %s\n", h5_path);
    fprintf(fp, "software:   %s %s (git %s)\n", sw, ver, git);
    fprintf(fp, "created:    %s\n", created);
    if (have_seed) fprintf(fp, "seed:       %" PRIu64 "\n", seed);
    if (have_threads) fprintf(fp, "threads:    %d\n", (int)threads);
    fprintf(fp, "completed:  %s\n", completed ? "yes" : "NO - incomplete run");
    return DERM_OK;
}

static derm_status info_grid(hid_t file, const char *h5_path, FILE *fp, struct derm_err *err)
{
    int64_t nx = ds_len(file, "x"), ny = ds_len(file, "y"), nz = ds_len(file, "z");
    double h = 0.0;
    if (root_attr_num(file, "voxel_um", H5T_NATIVE_DOUBLE, &h) != 0 && nx > 1) {
        double *v = NULL;
        int64_t n = 0;
        DERM_TRY(read_1d(file, h5_path, "x", &v, &n, err));
        h = v[1] - v[0];
        free(v);
    }
    fprintf(fp,
            "grid:       %" PRId64 " x %" PRId64 " x %" PRId64
            " voxels (nx ny nz), voxel %g um, extent %g x %g x %g mm\n",
            nx, ny, nz, h, (double)nx * h * 1e-3, (double)ny * h * 1e-3, (double)nz * h * 1e-3);
    return DERM_OK;
}

/* Rows, time and age span of the time series. */
static derm_status info_series(hid_t file, const char *h5_path, FILE *fp, struct derm_err *err)
{
    double *v = NULL, *w = NULL;
    int64_t n = 0, m = 0;
    DERM_TRY(read_1d(file, h5_path, "time", &v, &n, err));
    fprintf(fp, "series:     %" PRId64 " rows", n);
    if (n > 0) {
        fprintf(fp, ", time %g .. %g day", v[0], v[n - 1]);
        if (read_1d(file, h5_path, "age_years", &w, &m, err) == DERM_OK && m > 0)
            fprintf(fp, ", age %g .. %g years", w[0], w[m - 1]);
        free(w);
    }
    fputc('\n', fp);
    free(v);
    return DERM_OK;
}

/* Frames and agents are optional: their absence is reported, not an error. */
static void info_frames(hid_t file, const char *h5_path, FILE *fp, struct derm_err *err)
{
    double *v = NULL;
    int64_t n = 0;
    if (read_1d(file, h5_path, "frame_time", &v, &n, err) == DERM_OK) {
        fprintf(fp, "frames:     %" PRId64, n);
        if (n > 0) fprintf(fp, " (time %g .. %g day)", v[0], v[n - 1]);
        fputc('\n', fp);
        free(v);
        v = NULL;
    }
    if (H5Lexists(file, "agent_count", H5P_DEFAULT) > 0 &&
        read_1d(file, h5_path, "agent_count", &v, &n, err) == DERM_OK) {
        if (n > 0)
            fprintf(fp, "agents:     %.0f in the last frame\n", v[n - 1]);
        else
            fprintf(fp, "agents:     no frames\n");
        free(v);
    } else {
        H5Eclear2(H5E_DEFAULT);
        fprintf(fp, "agents:     not written\n");
    }
}

static derm_status info_key_totals(hid_t file, const char *h5_path, FILE *fp, struct derm_err *err)
{
    char units[64];
    fprintf(fp, "key totals (first -> last row):\n");
    for (size_t i = 0; i < sizeof info_totals / sizeof info_totals[0]; i++) {
        if (H5Lexists(file, info_totals[i], H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            continue;
        }
        double *v = NULL;
        int64_t n = 0;
        DERM_TRY(read_1d(file, h5_path, info_totals[i], &v, &n, err));
        ds_units(file, info_totals[i], units, sizeof units);
        if (n > 0) fprintf(fp, "  %-30s %12.6g -> %12.6g %s\n", info_totals[i], v[0], v[n - 1], units);
        free(v);
    }
    return DERM_OK;
}

derm_status derm_output_info(const char *h5_path, FILE *fp, struct derm_err *err)
{
    if (!h5_path || !fp) return derm_err_set(err, DERM_EINTERNAL, "derm_output_info: NULL argument");
    hid_t file;
    DERM_TRY(open_ro(h5_path, &file, err));
    derm_status st = info_header(file, h5_path, fp, err);
    if (st == DERM_OK) st = info_grid(file, h5_path, fp, err);
    if (st == DERM_OK) st = info_series(file, h5_path, fp, err);
    if (st == DERM_OK) info_frames(file, h5_path, fp, err);
    if (st == DERM_OK) st = info_key_totals(file, h5_path, fp, err);
    if (st == DERM_OK) derm_err_clear(err);
    H5Fclose(file);
    return st;
}

derm_status derm_output_read_completed(const char *h5_path, int *completed, struct derm_err *err)
{
    if (!h5_path || !completed) return derm_err_set(err, DERM_EINTERNAL, "derm_output_read_completed: NULL argument");
    *completed = 0;
    hid_t file;
    DERM_TRY(open_ro(h5_path, &file, err));
    int32_t c = 0;
    int rc = root_attr_num(file, "completed", H5T_NATIVE_INT32, &c);
    H5Fclose(file);
    if (rc != 0)
        return derm_err_set(err, DERM_EIO, "%s: no root attribute 'completed'; not a dermsim run file", h5_path);
    *completed = c == 1;
    return DERM_OK;
}
