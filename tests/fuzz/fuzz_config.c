/* fuzz_config.c - libFuzzer target: a configuration file (io/config.c).
 * The input is the file's bytes: loaded (every error reported), then validated. Any crash,
 * sanitizer report, leak or hang is a bug; errors are the expected outcome. */
#include "fuzz_common.h"

#include "derm/io/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct derm_params p;
    static struct derm_schedule sched;
    static struct derm_config_report rep;
    static struct derm_param_origin *orig;
    if (!orig && !(orig = calloc(derm_params_count(), sizeof *orig))) abort();
    const char *path = fuzz_write("cfg.yaml", data, size);
    derm_params_defaults(&p);
    memset(&sched, 0, sizeof sched);
    memset(orig, 0, derm_params_count() * sizeof *orig);
    struct derm_err err = {0};
    char *text = NULL;
    if (derm_config_load_report(path, &p, &sched, orig, &text, &rep, &err) == DERM_OK) {
        derm_config_validate(&p, &sched, orig, &err);
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            derm_config_write_yaml(&p, &sched, devnull);
            fclose(devnull);
        }
    }
    if (memchr(err.msg, '\n', sizeof err.msg)) abort(); /* one line, always */
    free(text);
    return 0;
}
