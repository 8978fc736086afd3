/* h5util.h - what the HDF5 files of sim/io share (private to sim/io: not installed).
 *
 * Owns: switching HDF5's own error printing off, turning a failed HDF5 call into a
 * one-line derm_err that names the action, the object and the file (HCHECK), closing any
 * id, writing scalar attributes, and *checked* reading: every attribute or dataset read from
 * a file that may be damaged or crafted is checked for type class, rank, shape and size
 * against what the writer produces and against hard limits before anything is allocated
 * or read, so a file cannot make a reader overflow a buffer or allocate gigabytes.
 * Does not: know the run-file layout (output.c, output_read.c) or the checkpoint layout
 * (checkpoint.c); open files (h5file.c owns the writer's file driver).
 *
 * The HDF5 files of the project are the files of sim/io that include this header
 * (tests/integration/test_layout.py lists them).
 */
#ifndef DERM_IO_H5UTIL_H
#define DERM_IO_H5UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "derm/core/status.h"

/* Hard limits of the checked readers (far above anything the writer produces). */
#define DERM_H5_MAX_STRING (64u << 20)          /* bytes of one string attribute (configs are small) */
#define DERM_H5_MAX_ELEMENTS (INT64_C(1) << 27) /* elements of one 1-D read (1 GiB of doubles) */

/** Called at every entry point of sim/io before other HDF5 calls: HDF5 prints nothing
 *  itself, and registers no atexit handler (see h5util.c). */
void derm_h5util_quiet(void);

/** The innermost message of the current HDF5 error stack, one line; clears the stack. */
const char *derm_h5util_detail(char *buf, size_t len);

/** Record an HDF5 failure: "FILE: cannot WHAT 'OBJ': HDF5: detail". */
derm_status derm_h5util_fail(struct derm_err *err, const char *file, const char *what, const char *obj);

/** Close an id of any kind and set it invalid (ignores errors: cleanup paths). */
void derm_h5util_close(hid_t *id);

/* Check an HDF5 return value; on failure record the error and jump to `done`. Needs `st`,
 * `err` and `file_name` in scope. */
#define HCHECK(expr, what, obj)                               \
    do {                                                      \
        if ((expr) < 0) {                                     \
            st = derm_h5util_fail(err, file_name, what, obj); \
            goto done;                                        \
        }                                                     \
    } while (0)

/** Scalar variable-length UTF-8 string attribute. */
derm_status derm_h5util_write_str(hid_t obj, const char *obj_name, const char *name, const char *value,
                                  const char *file_name, struct derm_err *err);

/** Scalar numeric attribute (n == 0) or 1-D array attribute of n values. */
derm_status derm_h5util_write_num(hid_t obj, const char *obj_name, const char *name, hid_t ftype, hid_t mtype, size_t n,
                                  const void *value, const char *file_name, struct derm_err *err);

/** 1 if `name` is a hard link of `loc` (a plain name: no '/'), else 0; never an error. */
int derm_h5util_exists(hid_t loc, const char *name);

/** Read a scalar integer attribute (any integer type of at most 8 bytes, scalar or one
 *  element). DERM_ECORRUPT (naming file and attribute) when absent or of another shape. */
derm_status derm_h5util_read_int_attr(hid_t obj, const char *name, int64_t *out, const char *file_name,
                                      struct derm_err *err);

/** Same for an unsigned 64-bit value (seed). */
derm_status derm_h5util_read_u64_attr(hid_t obj, const char *name, uint64_t *out, const char *file_name,
                                      struct derm_err *err);

/** Same for a floating-point attribute. */
derm_status derm_h5util_read_real_attr(hid_t obj, const char *name, double *out, const char *file_name,
                                       struct derm_err *err);

/** A scalar string attribute (fixed or variable length, at most DERM_H5_MAX_STRING bytes)
 *  into a malloc'd, NUL-terminated copy (*out; caller frees). */
derm_status derm_h5util_read_str_attr(hid_t obj, const char *name, char **out, const char *file_name,
                                      struct derm_err *err);

/** Run fn(arg, out, err) in a child process and bring *out (outsize bytes of plain data) and
 *  *err back through a pipe; returns fn's status. HDF5 1.10.8 has memory errors of its own on
 *  crafted files (fuzzing found reads past a global-heap collection in H5HG_read), which no
 *  check of ours can prevent: a child killed by a signal becomes DERM_ECORRUPT "PATH: reading
 *  it crashed the HDF5 library (signal N)", and the calling process is never harmed. HDF5
 *  also loops forever on some crafted files (in H5C_protect, reading a global heap): a child
 *  that has not finished after 15 s + 1 s per 4 MB of file is killed, and that too is
 *  DERM_ECORRUPT. */
derm_status derm_h5util_isolated(const char *path, derm_status (*fn)(void *arg, void *out, struct derm_err *err),
                                 void *arg, void *out, size_t outsize, struct derm_err *err);

/** Kinds of 1-D datasets the readers accept. */
enum derm_h5_kind { DERM_H5_REAL, DERM_H5_INT, DERM_H5_NUMBER /* either */ };

/** Shape and type of dataset `name`: rank (<= 4), dims, and whether its class matches
 *  `kind`. DERM_ECORRUPT when absent, of another class, or of rank > 4. */
derm_status derm_h5util_shape(hid_t file, const char *name, enum derm_h5_kind kind, int *rank, hsize_t dims[4],
                              const char *file_name, struct derm_err *err);

/** Read rows [0, n) of 1-D dataset `name` (n <= its length, n <= DERM_H5_MAX_ELEMENTS) as
 *  memory type mtype (esize bytes each) into a malloc'd buffer. */
derm_status derm_h5util_read_1d(hid_t file, const char *name, enum derm_h5_kind kind, hid_t mtype, size_t esize,
                                int64_t n, void **out, const char *file_name, struct derm_err *err);

/** Read rows [r0, r0 + n) of 1-D dataset `name` into buf (mtype). */
derm_status derm_h5util_read_rows(hid_t ds, const char *name, hid_t mtype, int64_t r0, int64_t n, void *buf,
                                  const char *file_name, struct derm_err *err);

/** The stored bytes of one chunk of n float32 values (HDF5 little-endian, in chunk order)
 *  under the pipeline shuffle (element size 4) + deflate at `level` + Fletcher32, i.e. what
 *  HDF5 itself writes through H5Pset_shuffle, H5Pset_deflate and H5Pset_fletcher32, so that
 *  chunks can be filtered in parallel and stored with H5Dwrite_chunk: the bytes shuffled
 *  into scratch (4 n bytes; byte b of value i at b n + i), compressed in the zlib format
 *  HDF5's deflate filter reads (libdeflate's libdeflate_zlib_compress; other bytes than zlib's
 *  compress2, the same values when read), then the Fletcher32 of the compressed bytes
 *  appended (little-endian). out holds cap bytes (derm_h5util_chunk_bound). Returns the
 *  stored size, 0 if the compressor fails, the level is not 1..9 or cap is too small. */
size_t derm_h5util_filter_chunk(const float *vals, size_t n, int level, unsigned char *scratch, unsigned char *out,
                                size_t cap);

/** The deflate and Fletcher32 steps of derm_h5util_filter_chunk alone, on nbytes bytes
 *  already shuffled. */
size_t derm_h5util_deflate_chunk(const unsigned char *shuffled, size_t nbytes, int level, unsigned char *out,
                                 size_t cap);

/** Bytes that derm_h5util_filter_chunk may need for n values. */
size_t derm_h5util_chunk_bound(size_t n);

/** HDF5's Fletcher32 checksum of nbytes bytes (16-bit big-endian words, sums reduced
 *  every 360 words; an odd last byte is the high byte of a word). */
uint32_t derm_h5util_fletcher32(const unsigned char *data, size_t nbytes);

#endif
