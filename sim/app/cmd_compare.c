/* cmd_compare.c - `dermsim compare RUN RUN... [options]` (app.h).
 *
 * The comparison itself is analysis/compare.py (Python: runs are read as xarray objects and
 * aligned on age by dermsim_analysis.series_table, and the overlay figures need matplotlib
 * anyway; one implementation of the alignment rather than a C copy of it). This command
 * checks that Python and the script are there, with a clear message if not, and passes
 * the arguments on; the script's exit status is the command's (2 usage or runs that may
 * not be compared, 1 unreadable runs or missing Python packages).
 */
#include <stdio.h>

#include "app.h"

int app_cmd_compare(int argc, char **argv)
{
    if (argc < 3) return app_usage_error("'compare' needs at least two runs%s", "");
    char script[4096], msg[1024] = "";
    if (app_analysis_script("compare.py", script, sizeof script) != 0) {
        fprintf(stderr, "dermsim: compare: %s not found; set DERMSIM_SOURCE_DIR to the dermsim source tree\n", script);
        return 1;
    }
    int rc = app_run_python(script, (const char *const *)argv + 2, 0, msg, sizeof msg);
    if (rc < 0) {
        fprintf(stderr, "dermsim: compare: %s\n", msg);
        return 1;
    }
    return rc;
}
