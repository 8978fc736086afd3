/* fuzz_config.c - libFuzzer target: a configuration file (io/config.c).
 * The input is the file's bytes: loaded (every error reported), then validated. Any crash,
 * sanitizer report, leak or hang is a bug; errors are the expected outcome. Oracle for what
 * is accepted: the resolved YAML written from a valid configuration must load back to the
 * same configuration (same resolved YAML), so nothing accepted is read differently from
 * what it says (an escaped NUL read as the start of a value failed this). */
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
    if (derm_config_load_report(path, &p, &sched, orig, &text, &rep, &err) == DERM_OK &&
        derm_config_validate(&p, &sched, orig, &err) == DERM_OK) {
        static struct derm_params p2;
        static struct derm_schedule s2;
        char *y1 = NULL, *y2 = NULL;
        size_t n1 = 0, n2 = 0;
        FILE *f1 = open_memstream(&y1, &n1);
        derm_config_write_yaml(&p, &sched, f1);
        fclose(f1);
        derm_params_defaults(&p2);
        memset(&s2, 0, sizeof s2);
        if (derm_config_load_string(y1, "resolved", &p2, &s2, NULL, &err) != DERM_OK) abort();
        FILE *f2 = open_memstream(&y2, &n2);
        derm_config_write_yaml(&p2, &s2, f2);
        fclose(f2);
        if (strcmp(y1, y2) != 0) abort(); /* accepted, but not stable: read otherwise than written */
        free(y1);
        free(y2);
    }
    if (memchr(err.msg, '\n', sizeof err.msg)) abort(); /* one line, always */
    free(text);
    return 0;
}
