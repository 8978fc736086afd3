/* cmd_notebook.c - `dermsim notebook [RUN_DIR]`: how to open the analysis notebooks (app.h).
 *
 * Prints; starts nothing (a Jupyter server is the user's to start and stop, and on a
 * remote machine needs options only the user knows).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

/* `path` (absolute) relative to the working directory when that is the source tree the
 * notebooks are in: the notebooks resolve a relative DERMSIM_RUN against it. */
static const char *shorten(const char *path, const char *root)
{
    static char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, root) != 0) return path;
    size_t n = strlen(cwd);
    if (!strncmp(path, cwd, n) && path[n] == '/') return path + n + 1;
    return path;
}

int app_cmd_notebook(int argc, char **argv)
{
    if (argc > 3) return app_usage_error("'notebook' takes at most one run directory, got also '%s'", argv[3]);
    if (argc == 3 && argv[2][0] == '-')
        return app_usage_error("'notebook' takes RUN_DIR; unknown option '%s'", argv[2]);
    /* a run's directory, or its run file (the directory holding it, as report and cutometer) */
    char dir[4096];
    const char *run = argc == 3 ? argv[2] : "out/quickstart";
    static const char *const files[] = {"run.h5", "run.partial.h5"};
    if (app_dir_of_run_file(run, files, 2, dir, sizeof dir)) run = dir;
    char quick[4096], sweep[4096], root[PATH_MAX], cwd[PATH_MAX], h5[PATH_MAX + 4200];
    if (app_analysis_script("quickstart.ipynb", quick, sizeof quick) != 0) {
        fprintf(stderr, "dermsim: notebook: %s not found; set DERMSIM_SOURCE_DIR to the dermsim source tree\n", quick);
        return 1;
    }
    app_analysis_script("sweep.ipynb", sweep, sizeof sweep);
    char *a = realpath(quick, NULL), *b = realpath(sweep, NULL);
    snprintf(root, sizeof root, "%s", a ? a : quick);
    char *cut = strstr(root, "/analysis/quickstart.ipynb");
    if (cut) *cut = '\0';
    if (run[0] == '/' || !getcwd(cwd, sizeof cwd))
        snprintf(h5, sizeof h5, "%s/run.h5", run);
    else
        snprintf(h5, sizeof h5, "%s/%s/run.h5", cwd, run);
    const char *q = a ? shorten(a, root) : quick, *s = b ? shorten(b, root) : sweep, *r = shorten(h5, root);
    const int have = access("/usr/bin/jupyter-notebook", X_OK) == 0;
    const int is_root = geteuid() == 0;
    printf("dermsim notebooks (Jupyter):\n"
           "  %s   one run: collagen loss, fragmentation, senescence, a field\n"
           "  %s        sweeps: dose-response, heat map, Morris screening, PRCC\n\n",
           q, s);
    if (access(h5, R_OK) != 0)
        printf("No run at %s yet: make one first, e.g.\n  dermsim run configs/quickstart.yaml -o %s\n\n", r, run);
    if (!have)
        printf("Jupyter is not installed. Install Debian's (one command):\n"
               "  sudo apt-get install -y jupyter-notebook\n"
               "(or: bash .ci/setup notebook, which also builds dermsim and runs the quick start)\n\n");
    printf("Open the run notebook (the browser opens at the address Jupyter prints):\n"
           "  DERMSIM_RUN=%s jupyter notebook%s %s\n"
           "On a remote machine add --no-browser and forward the port Jupyter prints (ssh -L 8888:localhost:8888).\n"
           "Run it without a browser (outputs in the terminal, nothing saved):\n"
           "  DERMSIM_RUN=%s jupyter-execute %s\n"
           "The sweep notebook reads DERMSIM_SWEEP_GRID and DERMSIM_SWEEP_SCREEN (sweep directories).\n",
           r, is_root ? " --allow-root" : "", q, r, q);
    free(a);
    free(b);
    return 0;
}
