/* fuzz_h5.c - libFuzzer target: the HDF5 readers (io/output_read.c, io/checkpoint.c).
 * The input is a file's bytes, read as dermsim reads an untrusted file: verified (in a child
 * process: io/h5util.h derm_h5util_isolated), then - if sound - `completed`, a series and the
 * info summary; and as a checkpoint. A fault of the HDF5 library itself in the child is
 * contained (the fuzzer sees none) and counted: the count is printed at exit, "contained
 * HDF5 faults: N". Seeds: a small run file and checkpoint made by fuzz_seed_h5. */
#include "fuzz_common.h"

#include "derm/io/checkpoint.h"
#include "derm/io/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long contained, inputs;

static void report(void) { fprintf(stderr, "contained HDF5 faults: %ld of %ld inputs\n", contained, inputs); }

static void count(const struct derm_err *err)
{
    if (strstr(err->msg, "crashed the HDF5 library") || strstr(err->msg, "reader of the file failed")) contained++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (inputs++ == 0) atexit(report);
    const char *path = fuzz_write("run.h5", data, size);
    struct derm_err err = {0};
    struct derm_output_summary s;
    int completed = 0;
    derm_status st = derm_output_verify(path, 1, &s, &err);
    count(&err);
    if (st != DERM_OK) goto checkpoint; /* dermsim reads no further into a damaged run file */
    derm_output_read_completed(path, &completed, &err);
    double *v = NULL;
    int64_t n = 0;
    if (derm_output_read_series(path, "collagen_total", &v, &n, &err) == DERM_OK) free(v);
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        derm_output_info(path, 0, devnull, &err);
        fclose(devnull);
    }
checkpoint:;
    struct derm_checkpoint *ck = NULL;
    derm_err_clear(&err);
    st = derm_checkpoint_open(path, &ck, &err);
    count(&err);
    if (st == DERM_OK) {
        int64_t m = 0;
        if (derm_checkpoint_len(ck, "collagen_intact", DERM_CKPT_F64, &m, &err) == DERM_OK && m < (1 << 20)) {
            double *buf = malloc((size_t)(m ? m : 1) * sizeof *buf);
            if (buf) derm_checkpoint_read(ck, "collagen_intact", DERM_CKPT_F64, m, buf, &err);
            free(buf);
        }
        derm_checkpoint_close(ck);
    }
    if (memchr(err.msg, '\n', sizeof err.msg)) abort();
    return 0;
}
