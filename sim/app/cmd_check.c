/* cmd_check.c - `dermsim check`: validate a configuration and say what it would run (app.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "derm/io/config.h"

int app_cmd_check(const struct app_cli *c)
{
    struct derm_params p;
    static struct derm_schedule sched;
    struct derm_param_origin *orig = calloc(derm_params_count(), sizeof *orig);
    char *text = NULL;
    if (!orig) return app_fail(DERM_ENOMEM, "out of memory");
    int rc = app_load_config(c, &p, &sched, orig, &text);
    free(text);
    free(orig);
    if (rc != 0) return rc;
    struct derm_err err = {0};
    struct app_threads t;
    char note[120];
    if (app_threads(&p, p.run_threads, &t, &err) != DERM_OK) return app_fail(DERM_EUSAGE, err.msg);
    double steps = ceil((p.run_age_end_years - p.run_age_start_years) * DERM_HOURS_PER_YEAR / p.run_dt_hours);
    printf("%s: valid; %lld x %lld x %lld voxels of %g um, ages %g to %g y in %.0f steps of %g h, "
           "about %.0f MiB (%s fields); %d thread(s)%s\n",
           c->config, (long long)p.domain_nx, (long long)p.domain_ny, (long long)p.domain_nz, p.domain_voxel_um,
           p.run_age_start_years, p.run_age_end_years, steps, p.run_dt_hours,
           derm_params_memory_estimate(&p, derm_config_memory_needs(&sched)) / 1048576.0, DERM_REAL_NAME, t.use,
           app_threads_note(&t, note, sizeof note));
    return 0;
}
