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
 * The file is grown only by the reservation, so it may be larger than HDF5's end of address
 * while a run is going (a killed run leaves at most the last reservation unused at the end,
 * which HDF5 readers ignore); a clean close truncates it to the end of address.
 * Does not: know what is stored (output.c, checkpoint.c).
 */
#define _GNU_SOURCE /* O_NOFOLLOW, O_CLOEXEC, posix_fallocate */
#include "h5file.h"

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
    dev_t dev;
    ino_t ino;
};

static hid_t safe_driver_id = H5I_INVALID_HID;
static int safe_open_errno; /* errno of the last failed open (the I/O of sim/io is single-threaded) */

static void safe_fail(struct safe_file *f, int e)
{
    if (!f->failed_errno) f->failed_errno = e ? e : EIO;
}

static H5FD_t *safe_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
    (void)fapl;
    (void)maxaddr;
    int o = (flags & H5F_ACC_RDWR) ? O_RDWR : O_RDONLY;
    if (flags & H5F_ACC_CREAT) o |= O_CREAT | O_EXCL; /* never truncate an existing file */
    o |= O_NOFOLLOW | O_CLOEXEC;
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
    f->dev = sb.st_dev;
    f->ino = sb.st_ino;
    return &f->pub;
}

static herr_t safe_close(H5FD_t *file)
{
    struct safe_file *f = (struct safe_file *)file;
    int bad = close(f->fd) != 0 && !f->failed_errno;
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
    if (f->failed_errno) return 0; /* frozen: dropped (see the header comment) */
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
    if (f->failed_errno || !f->writable || !(f->sync_pending || closing)) return 0;
    f->sync_pending = 0;
    if (fsync(f->fd) != 0 && errno != EINVAL && errno != EROFS) {
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

int derm_h5file_open_errno(void) { return safe_open_errno; }

int derm_h5file_failed(hid_t file)
{
    struct safe_file *f = safe_of(file);
    return f ? f->failed_errno : 0;
}
