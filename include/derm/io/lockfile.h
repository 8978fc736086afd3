/* lockfile.h - advisory locks between dermsim processes (run directories, sweep rows).
 *
 * Owns: taking and releasing a lock file. A lock is a file created with O_EXCL that records
 * its holder (host, pid, start time) and on which the holder keeps an fcntl write lock for
 * as long as it lives: the kernel (or the NFS lock manager) drops that lock when the holder
 * dies, even by SIGKILL, so a lock file left by a dead holder is recognised and taken over
 * (stale-lock recovery) while a live holder's lock never is, on one machine or several.
 * Does not: protect against processes that ignore it, or nest within one process (fcntl
 * locks belong to the process: take each lock once).
 */
#ifndef DERM_IO_LOCKFILE_H
#define DERM_IO_LOCKFILE_H

#include "derm/core/status.h"

struct derm_lockfile;

/** Take the lock `path`. DERM_EBUSY when a live process holds it ("PATH: WHAT is in use by
 *  HOST pid PID since TIME"); DERM_EIO when the file cannot be created. *stale (may be NULL)
 *  is set to 1 when a dead holder's lock was taken over. */
derm_status derm_lockfile_acquire(const char *path, const char *what, struct derm_lockfile **out, int *stale,
                                  struct derm_err *err);

/** Release (remove) a lock taken by this process; NULL is ignored. */
void derm_lockfile_release(struct derm_lockfile *l);

#endif
