/* checkpoint.h - checkpoint files: named arrays that restore a run exactly (checkpoint.h5).
 *
 * Owns: writing a set of named 1-D arrays (the caller's state table) plus the texts that
 * recreate the run (resolved and verbatim config, software version) into an HDF5 file -
 * written to PATH.tmp, fsync'd, then renamed over PATH and the directory fsync'd, so PATH is
 * always either the previous checkpoint or the new one - and reading them back with every
 * name, type and length checked. Each array is chunked with a Fletcher32 checksum.
 * Does not: know what the arrays mean (sim/state.c lists the simulation's persistent state;
 * app/ adds the positions of the output).
 */
#ifndef DERM_IO_CHECKPOINT_H
#define DERM_IO_CHECKPOINT_H

#include <stdint.h>

#include "derm/core/real.h"
#include "derm/core/status.h"

enum derm_ckpt_type { DERM_CKPT_F64, DERM_CKPT_I64, DERM_CKPT_I32, DERM_CKPT_I8, DERM_CKPT_F32 };
/** The type of derm_real arrays (core/real.h): float32 in the lean build. */
#define DERM_CKPT_REAL (DERM_REAL_IS_FLOAT ? DERM_CKPT_F32 : DERM_CKPT_F64)

/** One array: `n` values of `type` at `data`. */
struct derm_ckpt_item {
    const char *name;
    enum derm_ckpt_type type;
    int64_t n;
    void *data;
};

/** The texts stored beside the arrays (root attributes). */
struct derm_ckpt_meta {
    const char *config_resolved;  /* resolved.yaml of the run */
    const char *config_text;      /* the config file as given */
    const char *config_name;      /* the config file's name, for messages and the report */
    const char *software_version; /* DERM_VERSION */
    const char *git_describe;     /* build provenance: a resume must use the same build */
};

/** Write the arrays atomically to `path` (see above). */
derm_status derm_checkpoint_write(const char *path, const struct derm_ckpt_meta *meta,
                                  const struct derm_ckpt_item *items, int nitems, struct derm_err *err);

struct derm_checkpoint;

/** Open a checkpoint and read its texts, after reading every array of it once in a child
 *  process (io/h5util.h: HDF5 may fault on a damaged file). DERM_EIO if missing or not HDF5,
 *  DERM_ECORRUPT if damaged or not a dermsim checkpoint. */
derm_status derm_checkpoint_open(const char *path, struct derm_checkpoint **out, struct derm_err *err);

/** Its texts (never NULL; "" when absent). */
const struct derm_ckpt_meta *derm_checkpoint_meta(const struct derm_checkpoint *ck);

/** 1 if the checkpoint holds an object called `name`, 0 if not. */
int derm_checkpoint_has(struct derm_checkpoint *ck, const char *name);

/** Length of array `name`, which must exist with this type. */
derm_status derm_checkpoint_len(struct derm_checkpoint *ck, const char *name, enum derm_ckpt_type type, int64_t *n,
                                struct derm_err *err);

/** Read array `name` of exactly n values of `type` into buf. */
derm_status derm_checkpoint_read(struct derm_checkpoint *ck, const char *name, enum derm_ckpt_type type, int64_t n,
                                 void *buf, struct derm_err *err);

void derm_checkpoint_close(struct derm_checkpoint *ck);

#endif
