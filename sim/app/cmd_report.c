/* cmd_report.c - `dermsim report RUN_DIR`: (re)write report.md and report.html (app.h).
 *
 * report.md is written by the library (io/report.c) from run.h5 and the run's own
 * resolved.yaml; report.html by analysis/report_html.py (figures need matplotlib). Used
 * for runs made with DERMSIM_REPORT_HTML=0 (sweeps), without Python, or by an older
 * version.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "derm/io/output.h"
#include "derm/io/report.h"
#include "derm/version.h"

/* report.md from run.h5 and resolved.yaml in dir. */
static int write_md(const char *dir)
{
    char yaml[4200], h5[4200], md[4200], reproduce[8600];
    snprintf(yaml, sizeof yaml, "%s/resolved.yaml", dir);
    snprintf(h5, sizeof h5, "%s/run.h5", dir);
    snprintf(md, sizeof md, "%s/report.md", dir);
    app_reproduce_command(reproduce, sizeof reproduce, yaml, dir);
    struct derm_err err = {0};
    int completed = 0;
    derm_status st = derm_output_read_completed(h5, &completed, &err);
    if (st != DERM_OK) return app_fail(st, err.msg);
    struct derm_params *p = calloc(1, sizeof *p);
    static struct derm_schedule sched;
    if (!p) return app_fail(DERM_ENOMEM, "out of memory");
    int rc = app_load_run_config("report", yaml, p, &sched);
    if (rc != 0) {
        free(p);
        return rc;
    }
    /* the build that made the run, as its file records it (this build if the file lacks it);
     * threads and wall time of the original run are not known here: reported as such */
    char *version = NULL, *git = NULL;
    struct derm_err ignored = {0};
    derm_output_read_text(h5, "software_version", &version, &ignored);
    derm_output_read_text(h5, "git_describe", &git, &ignored);
    struct derm_report_info ri = {yaml, reproduce, version ? version : DERM_VERSION, git ? git : DERM_GIT_DESCRIBE, 0,
                                  -1.0, completed};
    st = derm_report_write(md, h5, p, &sched, &ri, &err);
    free(version);
    free(git);
    free(p);
    return st == DERM_OK ? 0 : app_fail(st, err.msg);
}

int app_cmd_report(int argc, char **argv)
{
    if (argc != 3) return app_usage_error("'report' needs exactly one run directory%s", "");
    char dir[4096];
    const int rc_dir = app_run_dir("report", argv[2], dir, sizeof dir);
    if (rc_dir != 0) return rc_dir;
    int rc = write_md(dir);
    if (rc != 0) return rc;
    char script[4096], msg[1024] = "";
    if (app_analysis_script("report_html.py", script, sizeof script) != 0) {
        fprintf(stderr, "dermsim: report: %s/report.md written; report.html not: %s not found\n", dir, script);
        return 1;
    }
    const char *args[] = {dir, NULL};
    rc = app_run_python(script, args, 0, msg, sizeof msg);
    if (rc < 0) fprintf(stderr, "dermsim: report: %s/report.md written; report.html not: %s\n", dir, msg);
    return rc == 0 ? 0 : 1;
}
