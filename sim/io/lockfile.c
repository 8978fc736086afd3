/* lockfile.c - lock files held by a live process (see lockfile.h).
 *
 * Protocol: open(O_CREAT|O_EXCL) or, when the file exists, open it; then take a
 * non-blocking fcntl write lock on the whole file. Failing to get the fcntl lock means a
 * live holder: report it from the file's content. Getting it on an existing file means the
 * holder died: take it over. Either way, check the path still names the inode we locked (a
 * releasing holder unlinks it first), then write our host, pid and time into it. Release
 * unlinks the path before closing, so a waiter that opened the old inode sees the
 * mismatch and starts again.
 */
#define _GNU_SOURCE /* O_NOFOLLOW, O_CLOEXEC */
#include "derm/io/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct derm_lockfile {
    int fd;
    char *path;
};

/* The holder recorded in the lock file at fd, as "HOST pid PID since TIME" (one line). */
static void holder_of(int fd, char *buf, size_t n)
{
    char text[512] = {0};
    ssize_t got = pread(fd, text, sizeof text - 1, 0);
    if (got < 0) got = 0;
    text[got] = '\0';
    char host[256] = "?", since[64] = "?";
    long pid = -1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "host=", 5)) snprintf(host, sizeof host, "%.200s", line + 5);
        if (!strncmp(line, "pid=", 4)) pid = strtol(line + 4, NULL, 10);
        if (!strncmp(line, "started=", 8)) snprintf(since, sizeof since, "%.40s", line + 8);
    }
    for (char *c = host; *c; c++)
        if ((unsigned char)*c < 0x20) *c = '?';
    snprintf(buf, n, "%s pid %ld since %s", host, pid, since);
}

static int same_file(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void record_holder(int fd)
{
    char host[256] = "?", text[512], since[32] = "?";
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm)) strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(text, sizeof text, "host=%s\npid=%ld\nstarted=%s\n", host, (long)getpid(), since);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) == n) return;
    /* the lock is held all the same; only the description for others is missing */
}

derm_status derm_lockfile_acquire(const char *path, const char *what, struct derm_lockfile **out, int *stale,
                                  struct derm_err *err)
{
    *out = NULL;
    if (stale) *stale = 0;
    for (int attempt = 0; attempt < 20; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        const int created = fd >= 0;
        if (!created && errno != EEXIST) /* no directory there, or not writable: said as it is */
            return derm_err_set(err, DERM_EIO, "cannot create lock file %s: %s", path, strerror(errno));
        if (!created) fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT) continue; /* released between the two opens */
            return derm_err_set(err, DERM_EIO, "cannot open lock file %s: %s", path, strerror(errno));
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        if (fcntl(fd, F_SETLK, &fl) != 0) {
            int e = errno;
            char who[400];
            holder_of(fd, who, sizeof who);
            close(fd);
            if (e == EAGAIN || e == EACCES)
                return derm_err_set(err, DERM_EBUSY, "%s is in use by %s (lock %s)", what, who, path);
            return derm_err_set(err, DERM_EIO, "cannot lock %s: %s", path, strerror(e));
        }
        if (!same_file(fd, path)) { /* the holder released it while we opened it: again */
            close(fd);
            continue;
        }
        if (!created && stale) *stale = 1;
        record_holder(fd);
        struct derm_lockfile *l = calloc(1, sizeof *l);
        size_t n = strlen(path) + 1;
        if (!l || !(l->path = malloc(n))) {
            free(l);
            unlink(path);
            close(fd);
            return derm_err_set(err, DERM_ENOMEM, "out of memory");
        }
        memcpy(l->path, path, n);
        l->fd = fd;
        *out = l;
        return DERM_OK;
    }
    return derm_err_set(err, DERM_EBUSY, "%s: lock %s keeps changing hands", what, path);
}

void derm_lockfile_release(struct derm_lockfile *l)
{
    if (!l) return;
    unlink(l->path);
    close(l->fd);
    free(l->path);
    free(l);
}
