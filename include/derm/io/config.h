/* config.h - YAML configuration files to a validated parameter set and schedule.
 *
 * Owns: loading a configuration (file or string) on top of given parameters and schedule,
 * with every structural error located as FILE:LINE:COL; `--set key=value` overrides; the
 * whole-configuration validation (parameters, then the schedule against the run's ages);
 * writing the resolved configuration (parameters and schedule) as YAML; the key listing of
 * `dermsim params`.
 * Does not: range-check single values (core/desc.c via io/params.c and inputs/schedule.c),
 * print, or decide exit codes.
 */
#ifndef DERM_IO_CONFIG_H
#define DERM_IO_CONFIG_H

#include <stdio.h>

#include "derm/core/status.h"
#include "derm/inputs/schedule.h"
#include "derm/io/params.h"

/** Load `path` on top of the values already in `p` and `sched` (normally defaults and an
 *  empty schedule). On success, `origins` (derm_params_count() entries, may be NULL)
 *  record "FILE:LINE:COL" of each key set, and *text_out (may be NULL) receives the
 *  verbatim text (caller frees). On failure nothing is changed. */
derm_status derm_config_load(const char *path, struct derm_params *p, struct derm_schedule *sched,
                             struct derm_param_origin *origins, char **text_out, struct derm_err *err);

/** Every error of one file, up to DERM_CONFIG_MAX_ERRORS (each one line FILE:LINE:COL: ...). */
#define DERM_CONFIG_MAX_ERRORS 20
struct derm_config_report {
    int n;    /* messages in msg */
    int more; /* further errors not kept */
    char msg[DERM_CONFIG_MAX_ERRORS][DERM_ERR_MSG_MAX];
};

/** derm_config_load that reports every error of the file in *rep (err holds the first):
 *  after an error at one key the load goes on with the next. */
derm_status derm_config_load_report(const char *path, struct derm_params *p, struct derm_schedule *sched,
                                    struct derm_param_origin *origins, char **text_out, struct derm_config_report *rep,
                                    struct derm_err *err);

/** The limits checked before YAML is parsed (libyaml's scanner takes time quadratic in the
 *  nesting of flow brackets): at most 1 MiB, brackets nested at most 64 deep. DERM_ECONFIG
 *  with FILE:LINE:COL of the bracket that goes too deep. Also used for sweep files. */
derm_status derm_config_prescan(const char *text, size_t len, const char *name, struct derm_err *err);

struct yaml_document_s; /* libyaml's yaml_document_t */

/** The document a parser loaded after the first of `name` (config or sweep file): DERM_OK if
 *  it is empty (the stream ended), else DERM_ECONFIG at its start (a second document, "---",
 *  would silently be ignored). Deletes it either way. Also used for sweep files. */
derm_status derm_config_no_second_document(struct yaml_document_s *extra, const char *name, struct derm_err *err);

/** Same, from an in-memory string; `name` is used in messages in place of a file name. */
derm_status derm_config_load_string(const char *text, const char *name, struct derm_params *p,
                                    struct derm_schedule *sched, struct derm_param_origin *origins,
                                    struct derm_err *err);

/** Apply one "section.key=value" override (as from --set); schedule.NAME.KEY edits or
 *  adds a schedule entry. */
derm_status derm_config_apply_set(struct derm_params *p, struct derm_schedule *sched, struct derm_param_origin *origins,
                                  const char *assignment, struct derm_err *err);

/** What the schedule makes that a run without it holds no arrays for: DERM_MEM_UV if it
 *  delivers UV, DERM_MEM_EXOSOMES if exosomes (alone or in conditioned medium). */
unsigned derm_config_memory_needs(const struct derm_schedule *sched);

/** Parameter cross-checks, then the schedule against the run's ages, then the memory the
 *  run needs against what is available (derm_params_check_memory, with the schedule's needs). */
derm_status derm_config_validate(const struct derm_params *p, const struct derm_schedule *sched,
                                 const struct derm_param_origin *origins, struct derm_err *err);

/** derm_config_validate without the memory check: for a configuration that describes a run
 *  already made (its resolved.yaml read by `report` or `cutometer`, which build no grid). */
derm_status derm_config_validate_model(const struct derm_params *p, const struct derm_schedule *sched,
                                       const struct derm_param_origin *origins, struct derm_err *err);

/** The full resolved configuration as YAML: every parameter, then the schedule. */
void derm_config_write_yaml(const struct derm_params *p, const struct derm_schedule *sched, FILE *fp);

/** The same as text (malloc'd; caller frees), or NULL without memory. */
char *derm_config_yaml_text(const struct derm_params *p, const struct derm_schedule *sched);

/** Every parameter and every schedule-entry key (dermsim params). */
void derm_config_print_keys(FILE *fp);

#endif
