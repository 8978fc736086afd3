/* h5file.c - the file driver of the files dermsim writes (run.h5, checkpoint.h5).
 *
 * Owns: an HDF5 virtual file driver ("dermsim_safe") that stores a file exactly as the
 * default POSIX driver (sec2) does, so every HDF5 reader opens the files with its defaults,
 * and adds what a long run needs from its file:
 *   - Never follows a symlink and never truncates: files are created with O_EXCL|O_NOFOLLOW
 *     and opened with O_NOFOLLOW.
 *   - Disk space is reserved ahead of the data (posix_fallocate) at points the writer
 *     chooses (derm_h5file_reserve, before each row and frame), so a full disk or a file-size
 *     limit is met *before* anything of the next row or frame is written, never half-way
 *     through HDF5's metadata flush.
 *   - The first failed write or reservation freezes the file: nothing more reaches the disk
 *     (later writes are dropped, so HDF5 can still close and release the file), and the
 *     file keeps its last flushed state. derm_h5file_failed reports the errno.
 *   - fsync on the flush that follows derm_h5file_sync and on close: frames, checkpoints and
 *     the end of a run reach stable storage.
 *   - No HDF5 file locks: a notebook or `dermsim info` can read a run while it is written
 *     (the run directory has its own lock, io/lockfile.h).
 *   - An undo log (PATH.undo) makes every flush atomic against a kill: before a write
 *     changes bytes that the last completed flush left in the file, their old contents are
 *     appended to the log (one CRC-checked record per write); the log is emptied when a
 *     flush completes and removed on a clean close. HDF5 1.10 rewrites metadata in place
 *     (object headers, chunk indexes) in its own order, and a SIGKILL can even tear one
 *     write at a page boundary; restoring the complete records of the log, newest first
 *     (derm_h5file_recover; resume does, and opening a file for writing does), brings the file
 *     back exactly to its state after the last completed flush. Only SIGKILL-safe: the log is
 *     not fsync'd before the write it protects (a power loss is not covered).
 * The file is grown only by the reservation, so it may be larger than HDF5's end of address
 * while a run is going (a killed run leaves at most the last reservation unused at the end,
 * which HDF5 readers ignore); a clean close truncates it to the end of address.
 * Does not: know what is stored (output.c, checkpoint.c).
 */
#define _GNU_SOURCE /* O_NOFOLLOW, O_CLOEXEC, posix_fallocate */
#include "h5file.h"

#include "derm/core/crc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESERVE_MIN (1u << 20) /* bytes reserved at least at a time */

struct safe_file {
    H5FD_t pub; /* must be first */
    int fd;
    haddr_t eoa;      /* end of address (HDF5's allocation mark) */
    haddr_t eof;      /* current file size */
    haddr_t reserved; /* bytes allocated on disk (>= eof after a reservation) */
    int failed_errno; /* first failure; nonzero freezes the file */
    int sync_pending; /* fsync on the next flush */
    int writable;
    int undo_fd;       /* the undo log, opened at its first record (-1: none) */
    char *undo_path;   /* PATH.undo (writable files) */
    haddr_t protected; /* bytes [0, protected) hold the last completed flush's state */
    dev_t dev;
    ino_t ino;
};

static hid_t safe_driver_id = H5I_INVALID_HID;
static int safe_open_errno; /* errno of the last failed open (the I/O of sim/io is single-threaded) */

static void safe_fail(struct safe_file *f, int e)
{
    if (!f->failed_errno) f->failed_errno = e ? e : EIO;
}

/* ---- the undo log ------------------------------------------------------------------------ */

#define UNDO_MAGIC 0x314e5544u /* "DUN1" little-endian */

static int full_pwrite(int fd, const void *buf, size_t size, off_t off)
{
    const unsigned char *p = buf;
    while (size > 0) {
        ssize_t n = pwrite(fd, p, size, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? errno : ENOSPC;
        p += n;
        off += n;
        size -= (size_t)n;
    }
    return 0;
}

static int full_write(int fd, const void *buf, size_t size)
{
    const unsigned char *p = buf;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? errno : ENOSPC;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Zero-filled read (beyond the end of the file reads as zeros, as HDF5 expects). */
static int read_at(int fd, void *buf, size_t size, off_t off)
{
    unsigned char *p = buf;
    while (size > 0) {
        ssize_t n = pread(fd, p, size, off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) {
            memset(p, 0, size);
            break;
        }
        p += n;
        off += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Record the current bytes [addr, addr + size) of the file in the undo log. */
static int undo_record(struct safe_file *f, haddr_t addr, size_t size)
{
    if (f->undo_fd < 0) {
        f->undo_fd = open(f->undo_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (f->undo_fd < 0) return errno;
    }
    unsigned char *rec = malloc(20 + size + 4);
    if (!rec) return ENOMEM;
    uint32_t magic = UNDO_MAGIC;
    uint64_t a = (uint64_t)addr, n = (uint64_t)size;
    memcpy(rec, &magic, 4);
    memcpy(rec + 4, &a, 8);
    memcpy(rec + 12, &n, 8);
    int e = read_at(f->fd, rec + 20, size, (off_t)addr);
    if (!e) {
        uint32_t crc = derm_crc_32(0, rec + 4, 16 + size);
        memcpy(rec + 20 + size, &crc, 4);
        e = full_write(f->undo_fd, rec, 20 + size + 4);
    }
    free(rec);
    return e;
}

/* Restore the complete records of undo log `ufd` into `fd`, newest first; 0 or errno. */
static int undo_apply(int fd, int ufd)
{
    struct stat sb;
    if (fstat(ufd, &sb) != 0) return errno;
    size_t len = (size_t)sb.st_size, nrec = 0, cap = 0, *at = NULL;
    unsigned char *log = len ? malloc(len) : NULL;
    if (len && !log) return ENOMEM;
    int e = len ? read_at(ufd, log, len, 0) : 0;
    for (size_t o = 0; !e && o + 24 <= len;) { /* the complete records; a torn last one ends the log */
        uint32_t magic, crc;
        uint64_t n;
        memcpy(&magic, log + o, 4);
        memcpy(&n, log + o + 12, 8);
        if (magic != UNDO_MAGIC || n > len - o - 24) break;
        memcpy(&crc, log + o + 20 + n, 4);
        if (crc != derm_crc_32(0, log + o + 4, 16 + (size_t)n)) break;
        if (nrec == cap) {
            size_t *p = realloc(at, (cap = cap ? 2 * cap : 64) * sizeof *at);
            if (!p) {
                e = ENOMEM;
                break;
            }
            at = p;
        }
        at[nrec++] = o;
        o += 24 + (size_t)n;
    }
    for (size_t i = nrec; !e && i-- > 0;) {
        uint64_t a, n;
        memcpy(&a, log + at[i] + 4, 8);
        memcpy(&n, log + at[i] + 12, 8);
        e = full_pwrite(fd, log + at[i] + 20, (size_t)n, (off_t)a);
    }
    if (!e && nrec && fsync(fd) != 0 && errno != EINVAL && errno != EROFS) e = errno;
    free(at);
    free(log);
    return e;
}

int derm_h5file_recover(const char *path)
{
    char upath[4096];
    if (snprintf(upath, sizeof upath, "%s.undo", path) >= (int)sizeof upath) return ENAMETOOLONG;
    int ufd = open(upath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (ufd < 0) return errno == ENOENT ? 0 : errno;
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    int e = fd < 0 ? errno : undo_apply(fd, ufd);
    if (fd >= 0) close(fd);
    close(ufd);
    if (!e && unlink(upath) != 0) e = errno;
    return e;
}

static H5FD_t *safe_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
    (void)fapl;
    (void)maxaddr;
    int o = (flags & H5F_ACC_RDWR) ? O_RDWR : O_RDONLY;
    if (flags & H5F_ACC_CREAT) o |= O_CREAT | O_EXCL; /* never truncate an existing file */
    o |= O_NOFOLLOW | O_CLOEXEC;
    if ((flags & H5F_ACC_RDWR) && !(flags & H5F_ACC_CREAT)) {
        int e = derm_h5file_recover(name); /* a file a kill left mid-flush: its last flushed state */
        if (e) {
            safe_open_errno = e;
            return NULL;
        }
    }
    int fd = open(name, o, 0666);
    if (fd < 0) {
        safe_open_errno = errno; /* ELOOP: a symlink where the file belongs */
        return NULL;
    }
    struct stat sb;
    struct safe_file *f = calloc(1, sizeof *f);
    if (!f || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        safe_open_errno = f ? EINVAL : ENOMEM;
        free(f);
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->eof = f->reserved = (haddr_t)sb.st_size;
    f->writable = (flags & H5F_ACC_RDWR) != 0;
    f->undo_fd = -1;
    f->protected = f->writable ? (haddr_t)sb.st_size : 0;
    if (f->writable && !(flags & H5F_ACC_CREAT)) { /* a new file has one once it is named */
        size_t n = strlen(name) + 6;
        if (!(f->undo_path = malloc(n))) {
            safe_open_errno = ENOMEM;
            free(f);
            close(fd);
            return NULL;
        }
        snprintf(f->undo_path, n, "%s.undo", name);
    }
    f->dev = sb.st_dev;
    f->ino = sb.st_ino;
    return &f->pub;
}

static herr_t safe_close(H5FD_t *file)
{
    struct safe_file *f = (struct safe_file *)file;
    if (f->undo_fd >= 0) {
        /* a failed write (full disk, read-only): back to the last completed flush */
        if (f->failed_errno) (void)undo_apply(f->fd, f->undo_fd);
        close(f->undo_fd);
        unlink(f->undo_path);
    }
    int bad = close(f->fd) != 0 && !f->failed_errno;
    free(f->undo_path);
    free(f);
    return bad ? -1 : 0;
}

static int safe_cmp(const H5FD_t *a, const H5FD_t *b)
{
    const struct safe_file *x = (const struct safe_file *)a, *y = (const struct safe_file *)b;
    if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
    return 0;
}

static herr_t safe_query(const H5FD_t *file, unsigned long *flags)
{
    (void)file;
    if (flags)
        *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_ACCUMULATE_METADATA | H5FD_FEAT_DATA_SIEVE |
                 H5FD_FEAT_AGGREGATE_SMALLDATA | H5FD_FEAT_DEFAULT_VFD_COMPATIBLE;
    return 0;
}

static haddr_t safe_get_eoa(const H5FD_t *file, H5FD_mem_t type)
{
    (void)type;
    return ((const struct safe_file *)file)->eoa;
}

/* Reserve disk space up to at least `upto` bytes; 0 or -1 (the file is then frozen). */
static int safe_reserve_to(struct safe_file *f, haddr_t upto)
{
    if (f->failed_errno) return -1;
    if (!f->writable || upto <= f->reserved) return 0;
    haddr_t grow = upto - f->reserved;
    if (grow < RESERVE_MIN) grow = RESERVE_MIN;
    if (grow < f->reserved / 16) grow = f->reserved / 16; /* amortise on big files */
    int rc = posix_fallocate(f->fd, (off_t)f->reserved, (off_t)grow);
    if (rc != 0) {
        /* at least what is needed right now, if the generous amount does not fit */
        rc = posix_fallocate(f->fd, (off_t)f->reserved, (off_t)(upto - f->reserved));
        grow = upto - f->reserved;
    }
    if (rc != 0) {
        safe_fail(f, rc);
        return -1;
    }
    f->reserved += grow;
    if (f->reserved > f->eof) f->eof = f->reserved;
    return 0;
}

static herr_t safe_set_eoa(H5FD_t *file, H5FD_mem_t type, haddr_t addr)
{
    (void)type;
    struct safe_file *f = (struct safe_file *)file;
    if (f->writable && addr > f->reserved && safe_reserve_to(f, addr) != 0 && addr > f->eof) {
        /* frozen: later writes are dropped, so the address space may still grow */
    }
    f->eoa = addr;
    return 0;
}

static haddr_t safe_get_eof(const H5FD_t *file, H5FD_mem_t type)
{
    (void)type;
    return ((const struct safe_file *)file)->eof;
}

static herr_t safe_get_handle(H5FD_t *file, hid_t fapl, void **handle)
{
    (void)fapl;
    *handle = file; /* for derm_h5file_*: only this file's code asks */
    return 0;
}

static herr_t safe_read(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, void *buf)
{
    (void)type;
    (void)dxpl;
    struct safe_file *f = (struct safe_file *)file;
    unsigned char *p = buf;
    while (size > 0) {
        ssize_t n = pread(f->fd, p, size, (off_t)addr);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) { /* beyond the end of the file: zeros, as the POSIX driver reads */
            memset(p, 0, size);
            break;
        }
        p += n;
        addr += (haddr_t)n;
        size -= (size_t)n;
    }
    return 0;
}

static herr_t safe_write(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, const void *buf)
{
    (void)type;
    (void)dxpl;
    struct safe_file *f = (struct safe_file *)file;
    if (f->failed_errno) return 0;             /* frozen: dropped (see the header comment) */
    if (addr < f->protected && f->undo_path) { /* the old bytes first: a kill may tear the write */
        haddr_t upto = addr + size < f->protected ? addr + size : f->protected;
        int e = undo_record(f, addr, (size_t)(upto - addr));
        if (e) {
            safe_fail(f, e);
            return -1;
        }
    }
    const unsigned char *p = buf;
    haddr_t end = addr + size;
    while (size > 0) {
        ssize_t n = pwrite(f->fd, p, size, (off_t)addr);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            safe_fail(f, n < 0 ? errno : ENOSPC);
            return -1;
        }
        p += n;
        addr += (haddr_t)n;
        size -= (size_t)n;
    }
    if (end > f->eof) f->eof = end;
    return 0;
}

static herr_t safe_flush(H5FD_t *file, hid_t dxpl, hbool_t closing)
{
    (void)dxpl;
    struct safe_file *f = (struct safe_file *)file;
    if (f->failed_errno || !f->writable) return 0;
    if (f->sync_pending || closing) {
        f->sync_pending = 0;
        if (fsync(f->fd) != 0 && errno != EINVAL && errno != EROFS) {
            safe_fail(f, errno);
            return -1;
        }
    }
    /* the flush is complete (HDF5 flushes the driver last): what is allocated now is the
     * state to return to, and the log starts over */
    f->protected = f->eoa; /* beyond it: unallocated (reserved zeros), referenced by nothing */
    if (f->undo_fd >= 0 && ftruncate(f->undo_fd, 0) != 0) {
        safe_fail(f, errno);
        return -1;
    }
    return 0;
}

static herr_t safe_truncate(H5FD_t *file, hid_t dxpl, hbool_t closing)
{
    (void)dxpl;
    struct safe_file *f = (struct safe_file *)file;
    if (f->failed_errno || !f->writable) return 0;
    if (!closing) { /* keep the reservation; extend (sparse) only if HDF5 got ahead of it */
        if (f->eoa > f->eof && safe_reserve_to(f, f->eoa) != 0) return -1;
        return 0;
    }
    if (f->eof != f->eoa && ftruncate(f->fd, (off_t)f->eoa) != 0) {
        safe_fail(f, errno);
        return -1;
    }
    f->eof = f->reserved = f->eoa;
    return 0;
}

static const H5FD_class_t safe_class = {"dermsim_safe",
                                        (haddr_t)INT64_MAX,
                                        H5F_CLOSE_WEAK,
                                        NULL,
                                        NULL,
                                        NULL,
                                        NULL,
                                        0,
                                        NULL,
                                        NULL,
                                        NULL,
                                        0,
                                        NULL,
                                        NULL,
                                        safe_open,
                                        safe_close,
                                        safe_cmp,
                                        safe_query,
                                        NULL,
                                        NULL,
                                        NULL,
                                        safe_get_eoa,
                                        safe_set_eoa,
                                        safe_get_eof,
                                        safe_get_handle,
                                        safe_read,
                                        safe_write,
                                        safe_flush,
                                        safe_truncate,
                                        NULL,
                                        NULL,
                                        H5FD_FLMAP_DICHOTOMY};

hid_t derm_h5file_fapl(void)
{
    if (safe_driver_id < 0) safe_driver_id = H5FDregister(&safe_class);
    if (safe_driver_id < 0) return H5I_INVALID_HID;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return H5I_INVALID_HID;
    if (H5Pset_driver(fapl, safe_driver_id, NULL) < 0) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

static struct safe_file *safe_of(hid_t file)
{
    void *h = NULL;
    hid_t fapl = H5Fget_access_plist(file);
    if (fapl < 0) return NULL;
    hid_t drv = H5Pget_driver(fapl);
    if (drv != safe_driver_id || H5Fget_vfd_handle(file, fapl, &h) < 0) h = NULL;
    H5Pclose(fapl);
    H5Eclear2(H5E_DEFAULT);
    return h;
}

int derm_h5file_reserve(hid_t file, uint64_t bytes)
{
    struct safe_file *f = safe_of(file);
    if (!f) return 0;
    return safe_reserve_to(f, f->eoa + (haddr_t)bytes) == 0 ? 0 : f->failed_errno;
}

void derm_h5file_sync(hid_t file)
{
    struct safe_file *f = safe_of(file);
    if (f) f->sync_pending = 1;
}

int derm_h5file_undo_as(hid_t file, const char *path)
{
    struct safe_file *f = safe_of(file);
    if (!f || !f->writable) return 0;
    size_t n = strlen(path) + 6;
    char *u = malloc(n);
    if (!u) return ENOMEM;
    snprintf(u, n, "%s.undo", path);
    unlink(u);             /* of an earlier file of that name: never applied to this one */
    if (f->undo_fd >= 0) { /* empty after a flush */
        close(f->undo_fd);
        f->undo_fd = -1;
        unlink(f->undo_path);
    }
    free(f->undo_path);
    f->undo_path = u;
    return 0;
}

int derm_h5file_open_errno(void) { return safe_open_errno; }

int derm_h5file_failed(hid_t file)
{
    struct safe_file *f = safe_of(file);
    return f ? f->failed_errno : 0;
}
