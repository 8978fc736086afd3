/* report.h - the plain-language run report (report.md).
 *
 * Owns: turning a finished (or interrupted) run file into a short Markdown report: what
 * happened to collagen, elastin, HA and fibroblasts, in numbers and words, with the seed,
 * version and the command that reproduces the run. Reads the series back through io.h.
 * Does not: compute anything the simulation did not write.
 */
#ifndef DERM_REPORT_H
#define DERM_REPORT_H

#include <stdint.h>

#include "derm/core/status.h"
#include "derm/inputs/schedule.h"
#include "derm/io/params.h"

struct derm_report_info {
    const char *config_path;
    const char *reproduce; /* command line that reproduces the run */
    const char *version;
    const char *git_describe;
    int threads;
    double wall_seconds;
    int completed;
};

/** Write `md_path` from the run file `h5_path`. */
derm_status derm_report_write(const char *md_path, const char *h5_path, const struct derm_params *p,
                              const struct derm_schedule *sched, const struct derm_report_info *info,
                              struct derm_err *err);

#endif
