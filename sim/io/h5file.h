/* h5file.h - the file driver of the files dermsim writes (private to sim/io; see h5file.c).
 *
 * Owns: a file-access property list that stores files exactly as HDF5's default driver but
 * never follows symlinks or truncates, reserves disk space ahead of the data, freezes the
 * file at its last flushed state on the first failed write, and fsyncs on request.
 * Does not: decide what or when to write (output.c, checkpoint.c).
 */
#ifndef DERM_IO_H5FILE_H
#define DERM_IO_H5FILE_H

#include <stdint.h>

#include <hdf5.h>

/** A new file-access property list using the driver (caller closes); negative on failure.
 *  With it, H5Fcreate fails on an existing path (whatever the flags) and H5Fopen on a
 *  symlink. */
hid_t derm_h5file_fapl(void);

/** Reserve disk space for `bytes` more bytes beyond the current end of the file's address
 *  space. Returns 0, or the errno of the failure (the file is then frozen). Files opened
 *  with another driver: 0. */
int derm_h5file_reserve(hid_t file, uint64_t bytes);

/** Make the next H5Fflush of `file` also fsync it. */
void derm_h5file_sync(hid_t file);

/** The errno of the last open or create through the driver that failed. */
/** Bring `path` back to its state after the last completed flush of a writer that was
 *  killed: restore the undo log PATH.undo (if any) and remove it. 0 or an errno. Only for
 *  a file no process is writing (resume holds the run directory's lock). */
int derm_h5file_recover(const char *path);

/** Keep an undo log for `file` (created under a temporary name, opened for writing) as
 *  PATH.undo from now on; call right after a flush. A file opened (not created) for writing
 *  has one from the start, next to it. 0 or an errno. */
int derm_h5file_undo_as(hid_t file, const char *path);

int derm_h5file_open_errno(void);

/** The errno of the first failed write or reservation of `file`, 0 if none. */
int derm_h5file_failed(hid_t file);

#endif
