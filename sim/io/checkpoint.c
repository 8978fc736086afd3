/* checkpoint.c - checkpoint files (see checkpoint.h).
 *
 * Layout: root attributes kind = "dermsim checkpoint", format_version, and the texts of
 * struct derm_ckpt_meta; one 1-D dataset per array (little-endian file types), chunked with
 * a Fletcher32 checksum so a damaged checkpoint is refused rather than restored.
 * Writing goes through the safe file driver (h5file.c): disk space for every array is
 * reserved first, so a full disk fails before the new checkpoint replaces the old one.
 */
#define _POSIX_C_SOURCE 200809L
#include "derm/io/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5file.h"
#include "h5util.h"

#define CKPT_KIND "dermsim checkpoint"
/* 2: the cells' random-walk windows count hours from the simulation's first step, no longer
 * the subject's age, so a format-1 checkpoint's walk states belong to other windows */
#define CKPT_FORMAT 2
/* values per chunk: 512 KiB, so the Fletcher32 filter's copy of a chunk stays small (1 << 20
 * added 16 MiB to the peak memory while writing) and the check reads whole chunks */
#define CKPT_CHUNK (INT64_C(1) << 16)

struct derm_checkpoint {
    hid_t file;
    char *path;
    struct derm_ckpt_meta meta;
    char *texts[5];
};

static hid_t file_type(enum derm_ckpt_type t)
{
    switch (t) {
    case DERM_CKPT_F64:
        return H5T_IEEE_F64LE;
    case DERM_CKPT_F32:
        return H5T_IEEE_F32LE;
    case DERM_CKPT_I64:
        return H5T_STD_I64LE;
    case DERM_CKPT_I32:
        return H5T_STD_I32LE;
    default:
        return H5T_STD_I8LE;
    }
}

static hid_t mem_type(enum derm_ckpt_type t)
{
    switch (t) {
    case DERM_CKPT_F64:
        return H5T_NATIVE_DOUBLE;
    case DERM_CKPT_F32:
        return H5T_NATIVE_FLOAT;
    case DERM_CKPT_I64:
        return H5T_NATIVE_INT64;
    case DERM_CKPT_I32:
        return H5T_NATIVE_INT32;
    default:
        return H5T_NATIVE_INT8;
    }
}

static size_t type_size(enum derm_ckpt_type t)
{
    return t == DERM_CKPT_F64 || t == DERM_CKPT_I64 ? 8 : t == DERM_CKPT_I32 || t == DERM_CKPT_F32 ? 4 : 1;
}

static derm_status write_item(hid_t file, const char *file_name, const struct derm_ckpt_item *it, struct derm_err *err)
{
    derm_status st = DERM_OK;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    hsize_t dim = (hsize_t)it->n, maxdim = H5S_UNLIMITED;
    hsize_t chunk = it->n < 1 ? 1 : it->n < CKPT_CHUNK ? (hsize_t)it->n : (hsize_t)CKPT_CHUNK;
    HCHECK(dcpl = H5Pcreate(H5P_DATASET_CREATE), "create dataset", it->name);
    HCHECK(H5Pset_chunk(dcpl, 1, &chunk), "create dataset", it->name);
    HCHECK(H5Pset_fletcher32(dcpl), "create dataset", it->name);
    HCHECK(H5Pset_obj_track_times(dcpl, 0), "create dataset", it->name);
    HCHECK(space = H5Screate_simple(1, &dim, &maxdim), "create dataset", it->name);
    HCHECK(ds = H5Dcreate2(file, it->name, file_type(it->type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
           "create dataset", it->name);
    if (it->n > 0) HCHECK(H5Dwrite(ds, mem_type(it->type), H5S_ALL, H5S_ALL, H5P_DEFAULT, it->data), "write", it->name);
done:
    derm_h5util_close(&ds);
    derm_h5util_close(&space);
    derm_h5util_close(&dcpl);
    return st;
}

static derm_status write_meta(hid_t file, const char *f, const struct derm_ckpt_meta *m, struct derm_err *err)
{
    int32_t format = CKPT_FORMAT;
    DERM_TRY(derm_h5util_write_str(file, "/", "kind", CKPT_KIND, f, err));
    DERM_TRY(derm_h5util_write_num(file, "/", "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, 0, &format, f, err));
    const char *names[5] = {"config_resolved", "config_text", "config_name", "software_version", "git_describe"};
    const char *vals[5] = {m->config_resolved, m->config_text, m->config_name, m->software_version, m->git_describe};
    for (int i = 0; i < 5; i++) DERM_TRY(derm_h5util_write_str(file, "/", names[i], vals[i], f, err));
    return derm_h5util_write_str(file, "/", "storage_precision", DERM_REAL_NAME, f, err);
}

/* fsync the directory holding path, so a rename in it is durable. */
static void sync_dir(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* The arrays and texts into a new file at tmp; the writer's errno on a disk failure. */
static derm_status write_file(const char *tmp, const struct derm_ckpt_meta *meta, const struct derm_ckpt_item *items,
                              int nitems, struct derm_err *err)
{
    derm_status st = DERM_OK;
    hid_t fapl = derm_h5file_fapl(), file = H5I_INVALID_HID;
    uint64_t bytes = 1u << 20;
    for (int i = 0; i < nitems; i++) bytes += (uint64_t)items[i].n * type_size(items[i].type) + 4096u;
    if (fapl < 0) return derm_h5util_fail(err, tmp, "create file", tmp);
    file = H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    derm_h5util_close(&fapl);
    if (file < 0) {
        int e = derm_h5file_open_errno();
        return derm_err_set(err, DERM_EIO, "cannot create %s: %s", tmp, e ? strerror(e) : "HDF5 refused");
    }
    int e = derm_h5file_reserve(file, bytes);
    if (!e) st = write_meta(file, tmp, meta, err);
    for (int i = 0; i < nitems && !e && st == DERM_OK; i++) st = write_item(file, tmp, &items[i], err);
    if (!e && st == DERM_OK) {
        derm_h5file_sync(file);
        if (H5Fflush(file, H5F_SCOPE_LOCAL) < 0) st = derm_h5util_fail(err, tmp, "flush file", tmp);
    }
    if (!e) e = derm_h5file_failed(file);
    if (H5Fclose(file) < 0 && st == DERM_OK && !e) st = derm_h5util_fail(err, tmp, "close file", tmp);
    if (e) st = derm_err_set(err, DERM_EIO, "cannot write checkpoint %s: %s", tmp, strerror(e));
    return st;
}

derm_status derm_checkpoint_write(const char *path, const struct derm_ckpt_meta *meta,
                                  const struct derm_ckpt_item *items, int nitems, struct derm_err *err)
{
    if (!path || !meta || (nitems > 0 && !items))
        return derm_err_set(err, DERM_EINTERNAL, "derm_checkpoint_write: NULL argument");
    derm_h5util_quiet();
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return derm_err_set(err, DERM_EIO, "checkpoint path is too long: %s", path);
    unlink(tmp); /* left by a run killed while it wrote a checkpoint */
    derm_status st = write_file(tmp, meta, items, nitems, err);
    if (st == DERM_OK && rename(tmp, path) != 0)
        st = derm_err_set(err, DERM_EIO, "cannot replace checkpoint %s: %s", path, strerror(errno));
    if (st != DERM_OK) {
        unlink(tmp);
        return st;
    }
    sync_dir(path);
    return DERM_OK;
}

/* ---- reading ----------------------------------------------------------------------------------- */

static derm_status open_here(const char *path, struct derm_checkpoint **out, struct derm_err *err);

/* Read every array of a checkpoint completely (Fletcher32 checked). */
static herr_t check_item_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    derm_status *st = data;
    int rank = 0;
    hsize_t dims[4] = {0};
    struct derm_err e = {0};
    if (info->type != H5L_TYPE_HARD || derm_h5util_shape(g, name, DERM_H5_NUMBER, &rank, dims, "", &e) != DERM_OK ||
        rank != 1 || dims[0] > (hsize_t)DERM_H5_MAX_ELEMENTS) {
        *st = DERM_ECORRUPT;
        return -1;
    }
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    double *buf = malloc(65536 * sizeof *buf);
    for (hsize_t r = 0; ds >= 0 && buf && r < dims[0] && *st == DERM_OK; r += 65536)
        if (derm_h5util_read_rows(ds, name, H5T_NATIVE_DOUBLE, (int64_t)r,
                                  (int64_t)(dims[0] - r < 65536 ? dims[0] - r : 65536), buf, "", &e) != DERM_OK)
            *st = DERM_ECORRUPT;
    if (ds < 0 || !buf) *st = DERM_ECORRUPT;
    derm_h5util_close(&ds);
    free(buf);
    return *st == DERM_OK ? 0 : -1;
}

/* In a child process (derm_h5util_isolated): open, and read every array. */
static derm_status check_child(void *arg, void *out, struct derm_err *err)
{
    (void)out;
    const char *path = arg;
    struct derm_checkpoint *ck = NULL;
    DERM_TRY(open_here(path, &ck, err));
    derm_status st = DERM_OK;
    hsize_t idx = 0;
    if (H5Literate(ck->file, H5_INDEX_NAME, H5_ITER_INC, &idx, check_item_cb, &st) < 0 || st != DERM_OK)
        st = derm_err_set(err, DERM_ECORRUPT, "damaged checkpoint: %s: an array does not read back", path);
    derm_checkpoint_close(ck);
    return st;
}

derm_status derm_checkpoint_open(const char *path, struct derm_checkpoint **out, struct derm_err *err)
{
    *out = NULL;
    derm_h5util_quiet();
    if (access(path, R_OK) != 0) return derm_err_set(err, DERM_EIO, "cannot open %s: %s", path, strerror(errno));
    /* every byte is read once in a child first: HDF5 itself may fault on a damaged file */
    int dummy = 0;
    DERM_TRY(derm_h5util_isolated(path, check_child, (void *)path, &dummy, sizeof dummy, err));
    return open_here(path, out, err);
}

static derm_status open_here(const char *path, struct derm_checkpoint **out, struct derm_err *err)
{
    *out = NULL;
    derm_h5util_quiet();
    if (access(path, R_OK) != 0) return derm_err_set(err, DERM_EIO, "cannot open %s: %s", path, strerror(errno));
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return derm_err_set(err, DERM_EIO, "cannot open %s: not an HDF5 file", path);
    }
    struct derm_checkpoint *ck = calloc(1, sizeof *ck);
    size_t n = strlen(path) + 1;
    if (!ck || !(ck->path = malloc(n))) {
        free(ck);
        return derm_err_set(err, DERM_ENOMEM, "out of memory");
    }
    memcpy(ck->path, path, n);
    derm_status st = DERM_OK;
    char *kind = NULL;
    int64_t format = 0;
    if ((ck->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        st = derm_h5util_fail(err, path, "open file", path);
    if (st == DERM_OK) st = derm_h5util_read_str_attr(ck->file, "kind", &kind, path, err);
    if (st == DERM_OK) st = derm_h5util_read_int_attr(ck->file, "format_version", &format, path, err);
    if (st == DERM_OK && strcmp(kind, CKPT_KIND) != 0)
        st = derm_err_set(err, DERM_ECORRUPT, "%s: not a dermsim checkpoint of format %d", path, CKPT_FORMAT);
    else if (st == DERM_OK && format != CKPT_FORMAT)
        st = derm_err_set(err, DERM_EUSAGE,
                          "%s: a dermsim checkpoint of format %lld; this dermsim resumes format %d only: resume it "
                          "with the dermsim that wrote it (software_version in the file), or run again",
                          path, (long long)format, CKPT_FORMAT);
    free(kind);
    const char *names[5] = {"config_resolved", "config_text", "config_name", "software_version", "git_describe"};
    for (int i = 0; i < 5 && st == DERM_OK; i++)
        st = derm_h5util_read_str_attr(ck->file, names[i], &ck->texts[i], path, err);
    if (st == DERM_ECORRUPT && !strstr(err->msg, "checkpoint")) {
        char msg[DERM_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        derm_err_set(err, DERM_ECORRUPT, "damaged checkpoint: %s", msg);
    }
    /* the voxel-grid arrays' type (core/real.h); a checkpoint without it is float64 */
    char *prec = NULL;
    if (st == DERM_OK && H5Aexists(ck->file, "storage_precision") > 0 &&
        (st = derm_h5util_read_str_attr(ck->file, "storage_precision", &prec, path, err)) == DERM_OK &&
        strcmp(prec, DERM_REAL_NAME) != 0)
        st = derm_err_set(err, DERM_EUSAGE,
                          "%s holds %.16s fields; this dermsim stores %s: resume it with %s, or run again", path, prec,
                          DERM_REAL_NAME, DERM_REAL_IS_FLOAT ? "dermsim (the default build)" : "dermsim-lean");
    free(prec);
    if (st != DERM_OK) {
        derm_checkpoint_close(ck);
        return st;
    }
    ck->meta = (struct derm_ckpt_meta){ck->texts[0], ck->texts[1], ck->texts[2], ck->texts[3], ck->texts[4]};
    *out = ck;
    return DERM_OK;
}

const struct derm_ckpt_meta *derm_checkpoint_meta(const struct derm_checkpoint *ck) { return &ck->meta; }

int derm_checkpoint_has(struct derm_checkpoint *ck, const char *name)
{
    htri_t e = H5Lexists(ck->file, name, H5P_DEFAULT);
    if (e < 0) H5Eclear2(H5E_DEFAULT);
    return e > 0;
}

derm_status derm_checkpoint_len(struct derm_checkpoint *ck, const char *name, enum derm_ckpt_type type, int64_t *n,
                                struct derm_err *err)
{
    int rank = 0;
    hsize_t dims[4] = {0};
    *n = 0;
    derm_status st =
        derm_h5util_shape(ck->file, name, type == DERM_CKPT_F64 || type == DERM_CKPT_F32 ? DERM_H5_REAL : DERM_H5_INT,
                          &rank, dims, ck->path, err);
    if (st != DERM_OK) return derm_err_set(err, DERM_ECORRUPT, "damaged checkpoint: %s", err->msg);
    hid_t ds = H5Dopen2(ck->file, name, H5P_DEFAULT), t = ds >= 0 ? H5Dget_type(ds) : H5I_INVALID_HID;
    size_t size = t >= 0 ? H5Tget_size(t) : 0;
    derm_h5util_close(&t);
    derm_h5util_close(&ds);
    if (rank != 1 || size != type_size(type) || dims[0] > (hsize_t)DERM_H5_MAX_ELEMENTS * 8)
        return derm_err_set(err, DERM_ECORRUPT, "damaged checkpoint: %s: '%s' is not the array a checkpoint holds",
                            ck->path, name);
    *n = (int64_t)dims[0];
    return DERM_OK;
}

derm_status derm_checkpoint_read(struct derm_checkpoint *ck, const char *name, enum derm_ckpt_type type, int64_t n,
                                 void *buf, struct derm_err *err)
{
    int64_t len = 0;
    DERM_TRY(derm_checkpoint_len(ck, name, type, &len, err));
    if (len != n)
        return derm_err_set(err, DERM_ECORRUPT,
                            "damaged checkpoint: %s: '%s' has %" PRId64 " values; expected %" PRId64, ck->path, name,
                            len, n);
    if (n == 0) return DERM_OK;
    hid_t ds = H5Dopen2(ck->file, name, H5P_DEFAULT);
    if (ds < 0) return derm_h5util_fail(err, ck->path, "open dataset", name);
    derm_status st = derm_h5util_read_rows(ds, name, mem_type(type), 0, n, buf, ck->path, err);
    H5Dclose(ds);
    if (st != DERM_OK) return derm_err_set(err, DERM_ECORRUPT, "damaged checkpoint: %s", err->msg);
    return DERM_OK;
}

void derm_checkpoint_close(struct derm_checkpoint *ck)
{
    if (!ck) return;
    if (ck->file >= 0) H5Fclose(ck->file);
    for (int i = 0; i < 5; i++) free(ck->texts[i]);
    free(ck->path);
    free(ck);
}
