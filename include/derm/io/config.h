/* config.h - YAML configuration files to a validated struct derm_params.
 *
 * Owns: reading a YAML file with libyaml (line/column of every node), mapping nested
 * mappings to dotted parameter paths, rejecting unknown keys (with did-you-mean),
 * duplicate keys, non-scalar values where scalars belong, empty files and syntax
 * errors; applying "--set section.key=value" overrides.
 * Does not: know the meaning of parameters (params.c), create output.
 * Every error message starts with "FILE:LINE:COL:" (or "--set:"), names the key and the
 * offending value, and says what is expected.
 */
#ifndef DERM_CONFIG_H
#define DERM_CONFIG_H

#include "derm/io/params.h"
#include "derm/core/status.h"

/** Load `path` on top of the values already in `p` (normally defaults). On success,
 *  `origins` (may be NULL; derm_params_count() entries) records where each key was set.
 *  `*text_out` (if not NULL) receives the verbatim file text (caller frees). Does NOT run
 *  derm_params_validate; callers do, after applying overrides. */
derm_status derm_config_load(const char *path, struct derm_params *p,
                             struct derm_param_origin *origins, char **text_out,
                             struct derm_err *err);

/** Same, from an in-memory string; `name` is used in messages in place of a file name. */
derm_status derm_config_load_string(const char *text, const char *name,
                                    struct derm_params *p,
                                    struct derm_param_origin *origins, struct derm_err *err);

/** Apply one "section.key=value" override (as from --set). */
derm_status derm_config_apply_set(struct derm_params *p, struct derm_param_origin *origins,
                                  const char *assignment, struct derm_err *err);

#endif
