/* fuzz_set.c - libFuzzer target: `--set` assignments (io/config.c derm_config_apply_set).
 * The input is split at newlines into up to 4 assignments, applied in turn on top of the
 * defaults and a one-entry schedule, then validated. */
#include "fuzz_common.h"

#include "derm/io/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct derm_params p;
    static struct derm_schedule sched;
    char *text = malloc(size + 1);
    if (!text) abort();
    if (size) memcpy(text, data, size);
    text[size] = '\0';
    derm_params_defaults(&p);
    memset(&sched, 0, sizeof sched);
    struct derm_err err = {0};
    derm_config_load_string("schedule:\n  sun: {input: uv, dose: 1, from_age: 30}\n", "base", &p, &sched, NULL, &err);
    char *line = text;
    for (int i = 0; i < 4 && line; i++) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        derm_config_apply_set(&p, &sched, NULL, line, &err);
        if (memchr(err.msg, '\n', sizeof err.msg)) abort();
        line = nl ? nl + 1 : NULL;
    }
    derm_config_validate(&p, &sched, NULL, &err);
    free(text);
    return 0;
}
