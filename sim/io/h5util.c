/* h5util.c - HDF5 error plumbing, attribute writers and checked readers (see h5util.h).
 *
 * The checked readers exist because files are shared, killed and damaged: before a value
 * is read, the attribute or dataset is checked for its type class, its dataspace (a scalar
 * where the writer writes a scalar, rank 1 where it writes a series) and its size against
 * DERM_H5_MAX_*, so a crafted file cannot overflow a buffer (an array where a scalar
 * belongs) or make a reader allocate whatever size a header declares.
 */
#define _POSIX_C_SOURCE 200809L
#include "h5util.h"

#include <errno.h>
#include <libdeflate.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

const char *derm_h5util_detail(char *buf, size_t len)
{
    struct h5_walk w = {buf, len};
    snprintf(buf, len, "no HDF5 error detail");
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, h5_walk_cb, &w);
    H5Eclear2(H5E_DEFAULT);
    for (char *p = buf; *p; p++) /* some HDF5 messages embed newlines; keep one line */
        if (*p == '\n' || *p == '\r') *p = ' ';
    return buf;
}

derm_status derm_h5util_fail(struct derm_err *err, const char *file, const char *what, const char *obj)
{
    char detail[512];
    derm_h5util_detail(detail, sizeof detail);
    return derm_err_set(err, DERM_EHDF5, "%s: cannot %s '%s': HDF5: %s", file, what, obj, detail);
}

/* - HDF5 prints nothing itself: every failure is reported through derm_err.
 * - No HDF5 atexit handler: when H5Fclose fails, HDF5 1.10.8 keeps the file id registered
 *   after freeing the file, and the handler then crashes the process at exit. Every
 *   object is closed explicitly, so the handler has nothing left to do. */
void derm_h5util_quiet(void)
{
    static int once;
    if (!once) {
        once = 1;
        H5dont_atexit();
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void derm_h5util_close(hid_t *id)
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

/* ---- writing ----------------------------------------------------------------------------- */

derm_status derm_h5util_write_str(hid_t obj, const char *obj_name, const char *name, const char *value,
                                  const char *file_name, struct derm_err *err)
{
    derm_status st = DERM_OK;
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    const char *v = value ? value : "";
    char what[128];
    snprintf(what, sizeof what, "write attribute %s of", name);
    HCHECK(type = H5Tcopy(H5T_C_S1), what, obj_name);
    HCHECK(H5Tset_size(type, H5T_VARIABLE), what, obj_name);
    HCHECK(H5Tset_cset(type, H5T_CSET_UTF8), what, obj_name);
    HCHECK(space = H5Screate(H5S_SCALAR), what, obj_name);
    HCHECK(attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), what, obj_name);
    HCHECK(H5Awrite(attr, type, &v), what, obj_name);
done:
    derm_h5util_close(&attr);
    derm_h5util_close(&space);
    derm_h5util_close(&type);
    return st;
}

derm_status derm_h5util_write_num(hid_t obj, const char *obj_name, const char *name, hid_t ftype, hid_t mtype, size_t n,
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
    derm_h5util_close(&attr);
    derm_h5util_close(&space);
    return st;
}

/* ---- checked reading ------------------------------------------------------------------------ */

int derm_h5util_exists(hid_t loc, const char *name)
{
    if (!name || !*name || strchr(name, '/')) return 0;
    htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
    H5L_info_t li;
    /* hard links only: a soft or external link in a crafted file would lead elsewhere */
    int ok = ex > 0 && H5Lget_info(loc, name, &li, H5P_DEFAULT) >= 0 && li.type == H5L_TYPE_HARD;
    H5Eclear2(H5E_DEFAULT);
    return ok;
}

/* Open attribute `name` of obj if it exists and holds exactly one element (scalar or 1-D
 * of length 1) of type class `cls`; *type receives its file type. */
static derm_status open_scalar_attr(hid_t obj, const char *name, H5T_class_t cls, hid_t *attr, hid_t *type,
                                    const char *file_name, struct derm_err *err)
{
    hid_t space = H5I_INVALID_HID;
    *attr = *type = H5I_INVALID_HID;
    htri_t ex = H5Aexists(obj, name);
    H5Eclear2(H5E_DEFAULT);
    if (ex <= 0) return derm_err_set(err, DERM_ECORRUPT, "%s: no attribute '%s'", file_name, name);
    derm_status st = DERM_OK;
    if ((*attr = H5Aopen(obj, name, H5P_DEFAULT)) < 0 || (*type = H5Aget_type(*attr)) < 0 ||
        (space = H5Aget_space(*attr)) < 0) {
        st = derm_h5util_fail(err, file_name, "open attribute", name);
        goto done;
    }
    H5S_class_t sc = H5Sget_simple_extent_type(space);
    hssize_t npts = H5Sget_simple_extent_npoints(space);
    if (H5Tget_class(*type) != cls || !(sc == H5S_SCALAR || (sc == H5S_SIMPLE && npts == 1))) {
        st = derm_err_set(err, DERM_ECORRUPT, "%s: attribute '%s' is not a single %s value", file_name, name,
                          cls == H5T_STRING  ? "string"
                          : cls == H5T_FLOAT ? "real"
                                             : "integer");
        goto done;
    }
done:
    derm_h5util_close(&space);
    if (st != DERM_OK) {
        derm_h5util_close(type);
        derm_h5util_close(attr);
    }
    H5Eclear2(H5E_DEFAULT);
    return st;
}

static derm_status read_num_attr(hid_t obj, const char *name, H5T_class_t cls, hid_t mtype, void *out,
                                 const char *file_name, struct derm_err *err)
{
    hid_t attr, type;
    DERM_TRY(open_scalar_attr(obj, name, cls, &attr, &type, file_name, err));
    derm_status st = DERM_OK;
    if (H5Tget_size(type) > 8)
        st = derm_err_set(err, DERM_ECORRUPT, "%s: attribute '%s' has a %zu-byte type; expected at most 8", file_name,
                          name, H5Tget_size(type));
    else if (H5Aread(attr, mtype, out) < 0)
        st = derm_h5util_fail(err, file_name, "read attribute", name);
    derm_h5util_close(&type);
    derm_h5util_close(&attr);
    return st;
}

derm_status derm_h5util_read_int_attr(hid_t obj, const char *name, int64_t *out, const char *file_name,
                                      struct derm_err *err)
{
    return read_num_attr(obj, name, H5T_INTEGER, H5T_NATIVE_INT64, out, file_name, err);
}

derm_status derm_h5util_read_u64_attr(hid_t obj, const char *name, uint64_t *out, const char *file_name,
                                      struct derm_err *err)
{
    return read_num_attr(obj, name, H5T_INTEGER, H5T_NATIVE_UINT64, out, file_name, err);
}

derm_status derm_h5util_read_real_attr(hid_t obj, const char *name, double *out, const char *file_name,
                                       struct derm_err *err)
{
    return read_num_attr(obj, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, out, file_name, err);
}

derm_status derm_h5util_read_str_attr(hid_t obj, const char *name, char **out, const char *file_name,
                                      struct derm_err *err)
{
    *out = NULL;
    hid_t attr, type, mtype = H5I_INVALID_HID;
    DERM_TRY(open_scalar_attr(obj, name, H5T_STRING, &attr, &type, file_name, err));
    derm_status st = DERM_OK;
    char *s = NULL;
    if (H5Tis_variable_str(type) > 0) {
        char *v = NULL;
        if ((mtype = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mtype, H5T_VARIABLE) < 0 ||
            H5Tset_cset(mtype, H5Tget_cset(type)) < 0 || H5Aread(attr, mtype, &v) < 0) {
            st = derm_h5util_fail(err, file_name, "read attribute", name);
            goto done;
        }
        size_t len = v ? strnlen(v, DERM_H5_MAX_STRING + 1) : 0;
        if (len > DERM_H5_MAX_STRING)
            st = derm_err_set(err, DERM_ECORRUPT, "%s: attribute '%s' is longer than %u MiB", file_name, name,
                              DERM_H5_MAX_STRING >> 20);
        else if (!(s = malloc(len + 1)))
            st = derm_err_set(err, DERM_ENOMEM, "%s: cannot allocate attribute '%s'", file_name, name);
        else {
            if (len) memcpy(s, v, len);
            s[len] = '\0';
        }
        if (v) H5free_memory(v);
    } else {
        size_t sz = H5Tget_size(type);
        if (sz == 0 || sz > DERM_H5_MAX_STRING) {
            st = derm_err_set(err, DERM_ECORRUPT, "%s: attribute '%s' has a string size of %zu bytes", file_name, name,
                              sz);
            goto done;
        }
        if (!(s = calloc(sz + 1, 1))) {
            st = derm_err_set(err, DERM_ENOMEM, "%s: cannot allocate attribute '%s'", file_name, name);
            goto done;
        }
        /* read with a memory type of exactly the file size: one element, sz bytes */
        if ((mtype = H5Tcopy(type)) < 0 || H5Aread(attr, mtype, s) < 0)
            st = derm_h5util_fail(err, file_name, "read attribute", name);
    }
done:
    if (st == DERM_OK)
        *out = s;
    else
        free(s);
    derm_h5util_close(&mtype);
    derm_h5util_close(&type);
    derm_h5util_close(&attr);
    H5Eclear2(H5E_DEFAULT);
    return st;
}

derm_status derm_h5util_shape(hid_t file, const char *name, enum derm_h5_kind kind, int *rank, hsize_t dims[4],
                              const char *file_name, struct derm_err *err)
{
    derm_status st = DERM_OK;
    hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID, type = H5I_INVALID_HID;
    *rank = 0;
    if (!derm_h5util_exists(file, name))
        return derm_err_set(err, DERM_ECORRUPT, "%s: no dataset '%s'", file_name, name);
    if ((ds = H5Dopen2(file, name, H5P_DEFAULT)) < 0 || (space = H5Dget_space(ds)) < 0 ||
        (type = H5Dget_type(ds)) < 0) {
        st = derm_h5util_fail(err, file_name, "open dataset", name);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(type);
    int r = H5Sget_simple_extent_ndims(space);
    size_t tsize = H5Tget_size(type);
    int class_ok = kind == DERM_H5_REAL  ? cls == H5T_FLOAT
                   : kind == DERM_H5_INT ? cls == H5T_INTEGER
                                         : (cls == H5T_FLOAT || cls == H5T_INTEGER);
    if (r < 1 || r > 4 || !class_ok || tsize == 0 || tsize > 8) {
        st = derm_err_set(err, DERM_ECORRUPT, "%s: dataset '%s' is not %s data of rank 1 to 4", file_name, name,
                          kind == DERM_H5_REAL  ? "real"
                          : kind == DERM_H5_INT ? "integer"
                                                : "numeric");
        goto done;
    }
    if (H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        st = derm_h5util_fail(err, file_name, "get the size of dataset", name);
        goto done;
    }
    *rank = r;
done:
    derm_h5util_close(&type);
    derm_h5util_close(&space);
    derm_h5util_close(&ds);
    H5Eclear2(H5E_DEFAULT);
    return st;
}

derm_status derm_h5util_read_rows(hid_t ds, const char *name, hid_t mtype, int64_t r0, int64_t n, void *buf,
                                  const char *file_name, struct derm_err *err)
{
    derm_status st = DERM_OK;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    if (n <= 0) return DERM_OK;
    hsize_t start = (hsize_t)r0, count = (hsize_t)n;
    HCHECK(fspace = H5Dget_space(ds), "get dataspace of dataset", name);
    HCHECK(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL), "select rows of dataset", name);
    HCHECK(mspace = H5Screate_simple(1, &count, NULL), "create memory space for dataset", name);
    HCHECK(H5Dread(ds, mtype, mspace, fspace, H5P_DEFAULT, buf), "read dataset", name);
done:
    derm_h5util_close(&mspace);
    derm_h5util_close(&fspace);
    return st;
}

derm_status derm_h5util_read_1d(hid_t file, const char *name, enum derm_h5_kind kind, hid_t mtype, size_t esize,
                                int64_t n, void **out, const char *file_name, struct derm_err *err)
{
    *out = NULL;
    int rank;
    hsize_t dims[4];
    DERM_TRY(derm_h5util_shape(file, name, kind, &rank, dims, file_name, err));
    if (rank != 1)
        return derm_err_set(err, DERM_ECORRUPT, "%s: '%s' is %d-dimensional, not 1-D", file_name, name, rank);
    if (n < 0) n = (int64_t)dims[0];
    if (n > DERM_H5_MAX_ELEMENTS || (hsize_t)n > dims[0])
        return derm_err_set(err, DERM_ECORRUPT, "%s: dataset '%s' declares %llu rows (at most %lld are read)",
                            file_name, name, (unsigned long long)dims[0], (long long)DERM_H5_MAX_ELEMENTS);
    void *v = malloc((size_t)(n ? n : 1) * esize);
    if (!v)
        return derm_err_set(err, DERM_ENOMEM, "%s: cannot allocate %lld values of %s", file_name, (long long)n, name);
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    derm_status st = ds < 0 ? derm_h5util_fail(err, file_name, "open dataset", name)
                            : derm_h5util_read_rows(ds, name, mtype, 0, n, v, file_name, err);
    derm_h5util_close(&ds);
    if (st != DERM_OK) {
        free(v);
        return st;
    }
    *out = v;
    return DERM_OK;
}

/* ---- isolation ------------------------------------------------------------------------------- */

/* Set by sanitizer runtimes (and libFuzzer through them) to handle a fatal finding; weak, so
 * that a build without sanitizers has none. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

#ifdef DERM_FUZZ_BUILD
/* libFuzzer's inline 8-bit coverage counters (-fsanitize=fuzzer-no-link): the linker's bounds
 * of their section. A fuzz build hands the child's counters back to the parent, so the fuzzer
 * sees what the isolated reader covered (otherwise it would fuzz the readers blind). */
extern uint8_t __start___sancov_cntrs[] __attribute__((weak));
extern uint8_t __stop___sancov_cntrs[] __attribute__((weak));
static size_t cov_size(void)
{
    return __start___sancov_cntrs && __stop___sancov_cntrs ? (size_t)(__stop___sancov_cntrs - __start___sancov_cntrs)
                                                           : 0;
}
#endif

/* Write all of buf to fd; 0 or -1. */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read exactly n bytes from fd; 0, or -1 at EOF or on error. */
static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* How long a child may read `path`: 15 s, plus 1 s per 4 MB of file (a full verification
 * reads every byte; even a slow disk does that). A fuzz build reads small files from memory
 * (/dev/shm) and allows 0.25 s: HDF5's loops on crafted files would otherwise cost the
 * campaign 15 s each. */
#ifdef DERM_FUZZ_BUILD
#define ISOLATED_BASE_S 0.25
#else
#define ISOLATED_BASE_S 15.0
#endif
static double isolated_limit_s(const char *path)
{
    struct stat sb;
    double mb = stat(path, &sb) == 0 ? (double)sb.st_size / 1e6 : 0.0;
    double s = ISOLATED_BASE_S + mb / 4.0;
    return s > 86400.0 ? 86400.0 : s;
}

/* 1 when fd becomes readable (data or end of file) within limit_s seconds. */
static int wait_readable(int fd, double limit_s)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        double left = limit_s - ((double)(t.tv_sec - t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - t0.tv_nsec));
        if (left <= 0) return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, (int)(left * 1000.0) + 1);
        if (rc > 0) return 1;
        if (rc < 0 && errno != EINTR) return 0;
    }
}

/* 1 when a sanitizer stack frame belongs to the sanitizer's own runtime (an interceptor). */
static int runtime_frame(const char *f)
{
    return strstr(f, "interceptor") || strstr(f, "libsanitizer") || strstr(f, "libasan") || strstr(f, "libubsan") ||
           strstr(f, "asan_") || strstr(f, "ubsan_");
}

/* "dir/a/b.so+0x1f (x)" -> "b.so+0x1f (x)": every path in s loses its directories. */
static void strip_dirs(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        const char *word = r;
        while (*r && *r != ' ' && *r != '(') r++;
        const char *base = word;
        for (const char *q = word; q < r; q++)
            if (*q == '/') base = q + 1;
        memmove(w, base, (size_t)(r - base));
        w += r - base;
        if (*r) *w++ = *r++;
    }
    *w = '\0';
}

/* What a failed child's diagnostics say went wrong, on one line: for a sanitizer report its
 * kind and the first frame outside the sanitizer's runtime ("AddressSanitizer:
 * memcpy-param-overlap at H5HG_read (libhdf5_serial.so.103+0x167b8d)"), which tells a fault
 * inside the HDF5 library from one in dermsim's own reader; otherwise the last non-empty line;
 * "" when the child wrote nothing. */
static void child_summary(FILE *log, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!log || fflush(log) != 0 || fseek(log, 0, SEEK_SET) != 0) return;
    char line[512], last[256] = "", kind[128] = "", frame[256] = "";
    while (fgets(line, sizeof line, log)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        snprintf(last, sizeof last, "%s", line);
        const char *t = line + strspn(line, " \t");
        if (!frame[0] && t[0] == '#' && !runtime_frame(t)) {
            const char *in = strstr(t, " in ");
            const char *what = in ? in + 4 : strchr(t, ' ');
            if (in || (what && (what = strchr(what + 1, ' ')))) {
                snprintf(frame, sizeof frame, "%s", what + strspn(what, " "));
                strip_dirs(frame);
            }
        }
        const char *sum = strstr(line, "SUMMARY: ");
        if (!kind[0] && sum) { /* "SUMMARY: AddressSanitizer: memcpy-param-overlap <where>" */
            sum += 9;
            const char *colon = strstr(sum, ": ");
            size_t len = colon ? (size_t)(colon + 2 - sum) + strcspn(colon + 2, " ") : strcspn(sum, " ");
            snprintf(kind, sizeof kind, "%.*s", (int)(len < sizeof kind ? len : sizeof kind - 1), sum);
        }
    }
    if (kind[0])
        snprintf(buf, n, "%s%s%s", kind, frame[0] ? " at " : "", frame);
    else
        snprintf(buf, n, "%s", last);
}

derm_status derm_h5util_isolated(const char *path, derm_status (*fn)(void *arg, void *out, struct derm_err *err),
                                 void *arg, void *out, size_t outsize, struct derm_err *err)
{
    /* What the child writes to stderr (a sanitizer's report of a fault inside the HDF5
     * library, which runs only in the child) goes to an unnamed file, not to the user's
     * terminal: the parent reports the failure as one line and quotes the report's summary. */
    FILE *log = tmpfile();
    int fds[2];
    if (pipe(fds) != 0) {
        if (log) fclose(log);
        return derm_err_set(err, DERM_EIO, "%s: cannot make a pipe: %s", path, strerror(errno));
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        if (log) fclose(log);
        return derm_err_set(err, DERM_EIO, "%s: cannot fork a reader: %s", path, strerror(errno));
    }
    if (pid == 0) { /* the child: read, report, leave without running any atexit handler */
        close(fds[0]);
        if (log) dup2(fileno(log), STDERR_FILENO);
        /* a fault here is the child's and ends it: no handler of the parent (a fuzzer's crash
         * report, a sanitizer's death callback) runs for it */
        if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(NULL);
        const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM};
        for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], SIG_DFL);
        struct derm_err e = {0};
        e.code = fn(arg, out, &e);
        int bad = write_all(fds[1], &e, sizeof e) != 0 || write_all(fds[1], out, outsize) != 0;
#ifdef DERM_FUZZ_BUILD
        if (!bad && cov_size()) bad = write_all(fds[1], __start___sancov_cntrs, cov_size()) != 0;
#endif
        fflush(NULL); /* what fn printed (dermsim info) */
        _exit(bad ? 3 : 0);
    }
    close(fds[1]);
    struct derm_err e = {0};
    const double limit_s = isolated_limit_s(path);
    /* readable: the child wrote its answer or ended (end of file); not readable within the
     * limit: it is still reading, HDF5 looping on the file */
    const int ready = wait_readable(fds[0], limit_s);
    int got = ready && read_all(fds[0], &e, sizeof e) == 0 && read_all(fds[0], out, outsize) == 0;
#ifdef DERM_FUZZ_BUILD
    if (got && cov_size()) { /* merge the child's coverage into ours (saturating add) */
        uint8_t *c = malloc(cov_size());
        if (c && wait_readable(fds[0], limit_s) && read_all(fds[0], c, cov_size()) == 0)
            for (size_t i = 0; i < cov_size(); i++) {
                unsigned v = (unsigned)__start___sancov_cntrs[i] + c[i];
                __start___sancov_cntrs[i] = (uint8_t)(v > 255u ? 255u : v);
            }
        free(c);
    }
#endif
    close(fds[0]);
    int ws = 0;
    /* (not "is it still running?" after a failed read: a child that ended closes the pipe a
     * moment before it can be waited for, and was then taken for a loop) */
    const int timed_out = !ready;
    if (timed_out) kill(pid, SIGKILL);
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    char why[200];
    child_summary(log, why, sizeof why);
    if (log) fclose(log);
    const char *sep = why[0] ? ": " : "";
    if (timed_out)
        return derm_err_set(err, DERM_ECORRUPT,
                            "damaged file: %s: reading it did not finish in %g s (the HDF5 library loops on it)", path,
                            limit_s);
    if (WIFSIGNALED(ws))
        return derm_err_set(err, DERM_ECORRUPT, "damaged file: %s: reading it crashed the HDF5 library (signal %d%s%s)",
                            path, WTERMSIG(ws), sep, why);
    if (!got || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        return derm_err_set(err, DERM_ECORRUPT, "damaged file: %s: the reader of the file failed (exit %d%s%s)", path,
                            WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, sep, why);
    e.msg[sizeof e.msg - 1] = '\0';
    if (e.code != DERM_OK && err) *err = e;
    return e.code;
}

/* ---- the chunk filters of a field frame, outside HDF5 --------------------------------------- */

uint32_t derm_h5util_fletcher32(const unsigned char *data, size_t nbytes)
{
    size_t len = nbytes / 2;
    uint32_t sum1 = 0, sum2 = 0;
    while (len) { /* 360 sums at most between reductions: no overflow */
        size_t t = len > 360 ? 360 : len;
        len -= t;
        do {
            sum1 += ((uint32_t)data[0] << 8) | (uint32_t)data[1];
            data += 2;
            sum2 += sum1;
        } while (--t);
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    if (nbytes % 2) {
        sum1 += (uint32_t)data[0] << 8;
        sum2 += sum1;
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    return (sum2 << 16) | sum1;
}

size_t derm_h5util_chunk_bound(size_t n) { return libdeflate_zlib_compress_bound(NULL, 4 * n) + 4; }

size_t derm_h5util_filter_chunk(const float *vals, size_t n, int level, unsigned char *scratch, unsigned char *out,
                                size_t cap)
{
    const unsigned char *b = (const unsigned char *)vals;
    for (size_t i = 0; i < n; i++) /* little-endian float32: the file type's bytes */
        for (size_t k = 0; k < 4; k++) scratch[k * n + i] = b[4 * i + k];
    return derm_h5util_deflate_chunk(scratch, 4 * n, level, out, cap);
}

size_t derm_h5util_deflate_chunk(const unsigned char *shuffled, size_t nbytes, int level, unsigned char *out,
                                 size_t cap)
{
    if (cap < 4 || level < 1 || level > 9) return 0;
    /* libdeflate: the zlib format HDF5's deflate filter reads, about twice as fast as
     * zlib's compress2 at the same level (and on a run's fields no larger); a compressor per
     * chunk (a few microseconds to make, against milliseconds to compress a chunk) keeps the
     * call free of state */
    struct libdeflate_compressor *z = libdeflate_alloc_compressor(level);
    if (!z) return 0;
    const size_t len = libdeflate_zlib_compress(z, shuffled, nbytes, out, cap - 4);
    libdeflate_free_compressor(z);
    if (len == 0) return 0;
    const uint32_t c = derm_h5util_fletcher32(out, len);
    for (size_t k = 0; k < 4; k++) out[len + k] = (unsigned char)(c >> (8 * k));
    return len + 4;
}
