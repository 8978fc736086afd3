/* cmd_info.c - `dermsim info RUN.h5 [--verify]`: check a run file and summarise it (app.h).
 * Without --verify every series row and the last frame are checked; with it, every frame
 * (every compressed chunk and every frame checksum). A damaged file exits 1 with one line. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "derm/io/output.h"

int app_cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    int full = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--verify"))
            full = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return app_usage_error("unknown option '%s' for 'info'", argv[i]);
        else if (!path)
            path = argv[i];
        else
            return app_usage_error("'info' takes one run file, got also '%s'", argv[i]);
    }
    if (!path) return app_usage_error("'info' needs exactly one run file%s", "");
    struct derm_err err = {0};
    derm_status st = derm_output_info(path, full, stdout, &err);
    return st == DERM_OK ? 0 : app_fail(st, err.msg);
}
