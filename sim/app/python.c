/* python.c - running the analysis scripts (analysis/NAME.py) with Debian's python3 (app.h).
 *
 * The figures (report.html, `dermsim compare`) are drawn by the Python analysis module,
 * which already reads a run as xarray objects and aligns runs on age; drawing them in C
 * would duplicate it. The interpreter is the one CMake found at build time (Debian's
 * /usr/bin/python3, which has the python3-* packages; a pyenv or virtualenv python3 on
 * PATH usually does not), overridable with $DERMSIM_PYTHON; the scripts are found in the
 * source tree the binary was built from, overridable with $DERMSIM_SOURCE_DIR.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"

#ifndef DERM_PYTHON_EXE
#define DERM_PYTHON_EXE "/usr/bin/python3"
#endif
#ifndef DERM_SOURCE_DIR
#define DERM_SOURCE_DIR "."
#endif

const char *app_python(void)
{
    const char *p = getenv("DERMSIM_PYTHON");
    return p && *p ? p : DERM_PYTHON_EXE;
}

int app_analysis_script(const char *script, char *buf, size_t n)
{
    const char *src = getenv("DERMSIM_SOURCE_DIR");
    if (!src || !*src) src = DERM_SOURCE_DIR;
    snprintf(buf, n, "%s/analysis/%s", src, script);
    struct stat sb;
    return stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) ? 0 : -1;
}

int app_run_python(const char *script_path, const char *const *args, int quiet, char *msg, size_t n)
{
    const char *py = app_python();
    if (access(py, X_OK) != 0) {
        snprintf(msg, n,
                 "Python not found at %s (%s); install Debian's python3 with python3-numpy, "
                 "python3-pandas, python3-xarray, python3-h5netcdf, python3-h5py and python3-matplotlib "
                 "(bash .ci/setup quickstart does)",
                 py, strerror(errno));
        return -1;
    }
    if (access(script_path, R_OK) != 0) {
        snprintf(msg, n, "analysis script %s not found (%s); set DERMSIM_SOURCE_DIR to the dermsim source tree",
                 script_path, strerror(errno));
        return -1;
    }
    const char *argv[64];
    int k = 0;
    argv[k++] = py;
    argv[k++] = script_path;
    for (int i = 0; args && args[i] && k < 63; i++) argv[k++] = args[i];
    argv[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, n, "cannot start %s: %s", py, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
            }
        }
        execv(py, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(msg, n, "waiting for %s: %s", py, strerror(errno));
            return -1;
        }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    snprintf(msg, n, "%s %s was killed by signal %d", py, script_path, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

int app_report_html(const char *outdir, int quiet)
{
    const char *env = getenv("DERMSIM_REPORT_HTML");
    if (env && !strcmp(env, "0")) return 1;
    char script[4096], msg[1024] = "";
    if (app_analysis_script("report_html.py", script, sizeof script) != 0) {
        if (!quiet)
            fprintf(stderr, "dermsim: report.html not written: %s not found (set DERMSIM_SOURCE_DIR)\n", script);
        return 1;
    }
    const char *args[] = {outdir, "--quiet", NULL}; /* `run` prints nothing about its files */
    int rc = app_run_python(script, args, quiet, msg, sizeof msg);
    if (rc == 0) return 0;
    if (!quiet) {
        if (rc < 0) fprintf(stderr, "dermsim: report.html not written: %s\n", msg);
        fprintf(stderr, "dermsim: report.md is complete; write report.html later with 'dermsim report %s'\n", outdir);
    }
    return 1;
}
