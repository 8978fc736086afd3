/* fuzz_sweep.c - libFuzzer target: sweep files (tools/sweep/sweep.c).
 * The input is a sweep file beside a small base config; it is loaded, validated and
 * expanded (designs are capped at 1000 runs: a bigger one is slow by nature, not a defect),
 * and its manifest written to /dev/null. */
#include "fuzz_common.h"

#include "derm/tools/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int have_base;
    if (!have_base) {
        const char *base = "run: {seed: 5, age_start_years: 25, age_end_years: 26, dt_hours: 730.5}\n"
                           "domain: {nx: 4, ny: 4, nz: 4}\n"
                           "schedule:\n  sun: {input: uv, dose: 1, from_age: 25}\n";
        fuzz_write("base.yaml", (const uint8_t *)base, strlen(base));
        have_base = 1;
    }
    const char *path = fuzz_write("sweep.yaml", data, size);
    struct derm_sweep *s = NULL;
    struct derm_err err = {0};
    if (derm_sweep_load_bounded(path, NULL, 1000, &s, &err) == DERM_OK) {
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            derm_sweep_write_runs(s, devnull, &err);
            fclose(devnull);
        }
        derm_sweep_free(s);
    }
    if (memchr(err.msg, '\n', sizeof err.msg)) abort();
    return 0;
}
