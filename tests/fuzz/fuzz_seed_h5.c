/* fuzz_seed_h5.c - writes the seeds of fuzz_h5: a small run file (3 series rows, 2 frames
 * with fields and agents) and a small checkpoint, into the directory given. Built with the
 * fuzz targets; run by ctest before them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derm/io/checkpoint.h"
#include "derm/io/output.h"

static const struct derm_series_desc series[2] = {{"collagen_total", "mg/cm^2", "collagen"},
                                                  {"fibroblast_count", "1", "fibroblasts"}};

static int fail(const struct derm_err *e)
{
    fprintf(stderr, "fuzz_seed_h5: %s\n", e->msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    char path[4096];
    struct derm_err err = {0};
    struct derm_grid g;
    derm_grid_init(&g, 3, 2, 4, 10.0, &err);
    struct derm_output_meta meta = {.title = "seed",
                                    .software_version = "0",
                                    .git_describe = "git",
                                    .compiler = "cc",
                                    .build_flags = "-O",
                                    .config_text = "run: {}\n",
                                    .config_resolved = "run: {}\n",
                                    .command_line = "dermsim run",
                                    .seed = 1,
                                    .omp_threads = 1,
                                    .voxel_um = 10.0};
    struct derm_output_opts opts = {series, 2, 1, 1, 4};
    struct derm_output *o = NULL;
    snprintf(path, sizeof path, "%s/run.h5", argv[1]);
    remove(path);
    if (derm_output_create(&o, path, NULL, &meta, &g, &opts, &err) != DERM_OK) return fail(&err);
    struct derm_fields f;
    struct derm_agents a;
    derm_fields_init(&f, &g, 0, &err);
    derm_agents_init(&a, 4, &err);
    for (int k = 0; k < 3; k++) {
        double t[2] = {1.5 + k, 10.0 - k};
        if (derm_output_series(o, k, k * 7.0, 30.0 + k / 52.0, t, &err) != DERM_OK) return fail(&err);
        if (k == 1) continue;
        for (int i = 0; i < DERM_NFIELDS; i++)
            for (int64_t v = 0; v < g.n; v++) derm_fields_get(&f, i)[v] = i + 0.1 * (double)v + k;
        int64_t row;
        derm_agents_append(&a, &row, &err);
        a.x[row] = 3.0 + k;
        if (derm_output_frame(o, k, k * 7.0, 30.0, &f, NULL, &a, &err) != DERM_OK) return fail(&err);
    }
    if (derm_output_close(o, 1, &err) != DERM_OK) return fail(&err);
    double field[24];
    int64_t n = 2, step = 7;
    for (int i = 0; i < 24; i++) field[i] = 0.5 * i;
    struct derm_ckpt_item items[] = {{"collagen_intact", DERM_CKPT_F64, 24, field},
                                     {"agents.n", DERM_CKPT_I64, 1, &n},
                                     {"step", DERM_CKPT_I64, 1, &step}};
    struct derm_ckpt_meta cm = {"run: {}\n", "run: {}\n", "seed.yaml", "0", "git"};
    snprintf(path, sizeof path, "%s/checkpoint.h5", argv[1]);
    remove(path);
    if (derm_checkpoint_write(path, &cm, items, 3, &err) != DERM_OK) return fail(&err);
    derm_fields_fini(&f);
    derm_agents_fini(&a);
    return 0;
}
