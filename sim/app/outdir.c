/* outdir.c - the files of a run directory and how they change hands (app.h).
 *
 * A run writes run.partial.h5 (readable at any moment up to its last frame),
 * run.partial.xdmf (and its view script), resolved.partial.yaml and, if it stops early,
 * report.partial.md, plus checkpoint.h5 at the checkpoint interval; only when it completes are they renamed to
 * run.h5, run.xdmf, resolved.yaml and report.md, and the checkpoint removed. So a run that
 * fails or is killed never touches a completed run in the same directory (`--overwrite`
 * replaces it only at the end), a reader holding run.h5 keeps its file, and an unfinished
 * run can be continued (`dermsim resume`). run.lock (io/lockfile.h) keeps two processes
 * out of one directory. Files are created exclusively and never through a symlink.
 */
#define _GNU_SOURCE /* O_NOFOLLOW, O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "derm/io/output.h"

derm_status app_paths_init(struct app_paths *P, const char *dir, struct derm_err *err)
{
    memset(P, 0, sizeof *P);
    if (strlen(dir) >= sizeof P->dir - 32)
        return derm_err_set(err, DERM_EUSAGE, "output directory path is too long: %.200s...", dir);
    snprintf(P->dir, sizeof P->dir, "%s", dir);
    struct {
        char *buf;
        const char *name;
    } f[] = {{P->h5, "run.h5"},
             {P->xdmf, "run.xdmf"},
             {P->yaml, "resolved.yaml"},
             {P->md, "report.md"},
             {P->part_h5, "run.partial.h5"},
             {P->part_xdmf, "run.partial.xdmf"},
             {P->part_view, "run.partial_paraview.py"},
             {P->part_yaml, "resolved.partial.yaml"},
             {P->part_md, "report.partial.md"},
             {P->view, "run_paraview.py"},
             {P->html, "report.html"},
             {P->ckpt, "checkpoint.h5"},
             {P->lock, "run.lock"},
             {P->handover, "run.handover"}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) snprintf(f[i].buf, sizeof P->h5, "%s/%s", P->dir, f[i].name);
    return DERM_OK;
}

derm_status app_mkdir_p(const char *path, int *created, struct derm_err *err)
{
    char tmp[4096];
    *created = 0;
    if (strlen(path) >= sizeof tmp) return derm_err_set(err, DERM_EIO, "output directory path is too long: %s", path);
    strcpy(tmp, path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return derm_err_set(err, DERM_EIO, "cannot create output directory '%s': %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0777) == 0)
        *created = 1;
    else if (errno != EEXIST)
        return derm_err_set(err, DERM_EIO, "cannot create output directory '%s': %s", tmp, strerror(errno));
    struct stat sb;
    if (stat(tmp, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return derm_err_set(err, DERM_EIO, "output path '%s' is not a directory", tmp);
    if (access(tmp, W_OK) != 0)
        return derm_err_set(err, DERM_EIO, "output directory '%s' is not writable: %s", tmp, strerror(errno));
    return DERM_OK;
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

int app_outdir_completed(const char *path)
{
    if (!exists(path)) return 0;
    struct derm_output_summary sum;
    struct derm_err e = {0};
    return derm_output_verify(path, 0, &sum, &e) == DERM_OK && sum.completed;
}

derm_status app_outdir_check_fresh(const struct app_paths *P, int overwrite, struct derm_err *err)
{
    /* every file a run writes there: none is replaced unasked (a view script or a page the
     * user edited included) */
    const char *done[] = {P->h5, P->yaml, P->md, P->xdmf, P->view, P->html};
    const char *unfinished[] = {P->part_h5, P->ckpt, P->part_yaml, P->part_md, P->part_xdmf, P->handover};
    /* what `resume` continues or finishes: a checkpoint, a hand-over begun, or a run file
     * that completed (start_resume: a run that wrote no checkpoint is finished if complete) */
    const int resumable = exists(P->ckpt) || exists(P->handover) || app_outdir_completed(P->part_h5);
    for (size_t i = 0; i < sizeof unfinished / sizeof unfinished[0] && !overwrite; i++)
        if (exists(unfinished[i]) && resumable)
            return derm_err_set(err, DERM_EUSAGE,
                                "%s holds an unfinished run (%s); continue it with 'dermsim resume %s', or start "
                                "again with --overwrite",
                                P->dir, strrchr(unfinished[i], '/') + 1, P->dir);
        else if (exists(unfinished[i]))
            return derm_err_set(err, DERM_EUSAGE,
                                "%s holds an unfinished run (%s) that wrote no checkpoint, so it cannot be resumed; "
                                "start it again with --overwrite",
                                P->dir, strrchr(unfinished[i], '/') + 1);
    for (size_t i = 0; i < sizeof done / sizeof done[0] && !overwrite; i++)
        if (exists(done[i]))
            return derm_err_set(err, DERM_EUSAGE,
                                "%s already holds a run (%s); choose another -o, or give --overwrite to replace it "
                                "(the old files stay until the new run completes)",
                                P->dir, strrchr(done[i], '/') + 1);
    if (overwrite) app_outdir_discard(P);
    return DERM_OK;
}

void app_outdir_discard(const struct app_paths *P)
{
    /* the checkpoint first: a kill in between never leaves a checkpoint without its file */
    const char *files[] = {P->ckpt, P->part_h5, P->part_xdmf, P->part_view, P->part_yaml, P->part_md, P->handover};
    char tmp[2400];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        unlink(files[i]); /* a reader holding one keeps it: unlink never truncates */
        snprintf(tmp, sizeof tmp, "%s.tmp", files[i]);
        unlink(tmp);
    }
    snprintf(tmp, sizeof tmp, "%s.undo", P->part_h5); /* of a run killed mid-flush */
    unlink(tmp);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

derm_status app_outdir_finish(const struct app_paths *P, struct derm_err *err)
{
    /* the marker first: a resume finishes a hand-over only where one began (a directory
     * edited by hand into the same look is refused, its files kept) */
    if (!exists(P->handover)) {
        const int fd = open(P->handover, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) return derm_err_set(err, DERM_EIO, "cannot create %s: %s", P->handover, strerror(errno));
        close(fd);
        sync_dir(P->dir);
    }
    unlink(P->html); /* the page of the run replaced (written again after, if it can be) */
    const char *from[] = {P->part_h5, P->part_yaml, P->part_md};
    const char *to[] = {P->h5, P->yaml, P->md};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
        if (exists(from[i]) && rename(from[i], to[i]) != 0)
            return derm_err_set(err, DERM_EIO, "cannot rename %s to %s: %s", from[i], to[i], strerror(errno));
    unlink(P->part_xdmf);
    unlink(P->part_view);
    DERM_TRY(derm_output_xdmf(P->h5, P->xdmf, err));
    unlink(P->ckpt);
    sync_dir(P->dir);
    unlink(P->handover);
    sync_dir(P->dir);
    return DERM_OK;
}

derm_status app_write_text(const char *path, const char *text, struct derm_err *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) return derm_err_set(err, DERM_EIO, "cannot write %s: %s", path, strerror(errno));
    const char *p = text ? text : "";
    size_t left = strlen(p);
    int e = 0;
    while (left > 0 && !e) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) e = n < 0 ? errno : ENOSPC;
        p += n > 0 ? n : 0;
        left -= n > 0 ? (size_t)n : 0;
    }
    if (!e && fsync(fd) != 0 && errno != EINVAL) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        unlink(tmp);
        return derm_err_set(err, DERM_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return DERM_OK;
}
