/* test_io.c - the run file: layout, provenance, round trips, flags and error paths.
 *
 * Writes a 4x3x5 run with 5 series rows and 3 frames (3, 0 and 4 agents) through the
 * public io/output.h API (series from the totals registry, sim/totals.h), then reopens it
 * with the HDF5 API and checks what xarray, ncdump and ParaView rely on; a custom series
 * list is written as given. The completed run is left in the working directory as
 * test_io_run.h5 + test_io_run.xdmf for tests/integration/test_output_readers.py.
 */
#define _XOPEN_SOURCE 700 /* setrlimit */

#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <zlib.h>

#include "../../sim/io/h5util.h" /* derm_h5util_isolated: internal to the library */
#include "derm/io/output.h"
#include "derm/sim/totals.h"

#define RUN_H5 "test_io_run.h5"
#define RUN_XDMF "test_io_run.xdmf"
#define NX 4
#define NY 3
#define NZ 5
#define H_UM 12.5
#define NROWS 5
#define NFRAMES 3
#define SEED UINT64_C(18446744073709551557) /* > INT64_MAX: must survive as uint64 */

static const int64_t frame_agents[NFRAMES] = {3, 0, 4};

/* ---- fixture values -------------------------------------------------------------------- */

static double field_value(int frame, int f, int64_t idx)
{
    /* not representable in float32: the file must hold exactly (float) of this */
    return 1.0 / 3.0 + 100.0 * f + 0.37 * (double)idx + 1000.0 * frame;
}

static double total_value(int row, int t) { return t + 0.125 * row + 1.0 / 7.0; }
static double row_time(int row) { return 0.5 * row; }
static double row_age(int row) { return 30.0 + row / 365.25; }
static double frame_time(int k) { return 10.0 * k + 0.25; }
static int64_t frame_step(int k) { return 20 * k; } /* never after the last series row (40) */
static double agent_x(int64_t id) { return 1.0 / 3.0 + 3.0 * (double)id; }

static void fill_fields(struct derm_fields *f, int frame)
{
    for (int fi = 0; fi < DERM_NFIELDS; fi++) {
        double *v = derm_fields_get(f, fi);
        for (int64_t i = 0; i < f->grid.n; i++) v[i] = field_value(frame, fi, i);
    }
}

/* Agents of frame k: frame 0 has ids 1..3, frame 1 none, frame 2 ids 4..7. */
static void set_agents(struct derm_agents *a, int frame)
{
    while (a->n > 0) derm_agents_swap_remove(a, a->n - 1);
    for (int64_t r = 0; r < frame_agents[frame]; r++) {
        struct derm_err err = {0};
        int64_t row = -1;
        assert_int_equal(derm_agents_append(a, &row, &err), DERM_OK);
        assert_true(row >= 0);
        int64_t id = a->id[row];
        a->type[row] = (int8_t)(id % 2);
        a->state[row] = (int8_t)(id % 4);
        a->x[row] = agent_x(id);
        a->y[row] = 2.0 * (double)id;
        a->z[row] = 5.0 + (double)id;
        a->divisions[row] = (int32_t)(10 * id);
        a->damage[row] = 0.1 * (double)id;
    }
}

static struct derm_output_meta test_meta(void)
{
    struct derm_output_meta m = {
        .title = "dermsim io unit test",
        .software_version = "0.1.0",
        .git_describe = "v0.1.0-test",
        .compiler = "GNU test",
        .build_flags = "-O2 -g",
        .config_text = "grid:\n  nx: 4\n",
        .config_resolved = "grid:\n  nx: 4\n  h_um: 12.5\n",
        .command_line = "dermsim run test.yaml",
        .seed = SEED,
        .omp_threads = 3,
        .voxel_um = H_UM,
    };
    return m;
}

static struct derm_grid test_grid(void)
{
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, NX, NY, NZ, H_UM, NULL), DERM_OK);
    return g;
}

/* Read the root attribute `completed` through an independent HDF5 handle. */
static int read_completed(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t a = H5Aopen(f, "completed", H5P_DEFAULT);
    assert_true(a >= 0);
    int32_t c = -1;
    assert_true(H5Aread(a, H5T_NATIVE_INT32, &c) >= 0);
    H5Aclose(a);
    H5Fclose(f);
    return c;
}

/* Write the standard run. completed < 0: do not close (caller closes). */
static struct derm_output *write_run(const char *h5, const char *xdmf, const struct derm_output_opts *opts,
                                     int completed)
{
    struct derm_err err = {0};
    struct derm_grid g = test_grid();
    struct derm_output_meta meta = test_meta();
    struct derm_output *o = NULL;
    remove(h5); /* creation is exclusive: a leftover of an earlier run of this test goes first */
    assert_int_equal(derm_output_create(&o, h5, xdmf, &meta, &g, opts, &err), DERM_OK);
    assert_non_null(o);

    double *totals = calloc((size_t)opts->nseries + 1, sizeof(double));
    assert_non_null(totals);
    for (int r = 0; r < NROWS; r++) {
        for (int t = 0; t < opts->nseries; t++) totals[t] = total_value(r, t);
        assert_int_equal(derm_output_series(o, 10 * r, row_time(r), row_age(r), totals, &err), DERM_OK);
    }
    free(totals);

    struct derm_fields f;
    struct derm_agents a;
    assert_int_equal(derm_fields_init(&f, &g, 0, &err), DERM_OK);
    assert_int_equal(derm_agents_init(&a, 4, &err), DERM_OK);
    for (int k = 0; k < NFRAMES; k++) {
        fill_fields(&f, k);
        set_agents(&a, k);
        assert_int_equal(derm_output_frame(o, frame_step(k), frame_time(k), row_age(k), &f, NULL, &a, &err), DERM_OK);
    }
    derm_fields_fini(&f);
    derm_agents_fini(&a);

    assert_int_equal(read_completed(h5), 0); /* open, flushed, not yet completed */
    if (completed < 0) return o;
    assert_int_equal(derm_output_close(o, completed, &err), DERM_OK);
    return NULL;
}

/* ---- HDF5 inspection helpers --------------------------------------------------------------- */

static void dims_of(hid_t file, const char *name, int want_rank, const hsize_t *want)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0) fail_msg("dataset %s missing", name);
    hid_t sp = H5Dget_space(ds);
    hsize_t d[8];
    int rank = H5Sget_simple_extent_dims(sp, d, NULL);
    if (rank != want_rank) fail_msg("%s has rank %d, expected %d", name, rank, want_rank);
    for (int r = 0; r < rank; r++)
        if (d[r] != want[r])
            fail_msg("%s axis %d has %llu, expected %llu", name, r, (unsigned long long)d[r],
                     (unsigned long long)want[r]);
    H5Sclose(sp);
    H5Dclose(ds);
}

static void read_ds(hid_t file, const char *name, hid_t mtype, void *buf)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0) fail_msg("dataset %s missing", name);
    assert_true(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(ds);
}

static int exists(hid_t file, const char *name) { return H5Lexists(file, name, H5P_DEFAULT) > 0; }

/* Scalar variable-length string attribute of obj; caller frees with H5free_memory. */
static char *attr_string(hid_t obj, const char *name)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) fail_msg("attribute %s missing", name);
    hid_t sp = H5Aget_space(a);
    assert_int_equal(H5Sget_simple_extent_type(sp), H5S_SCALAR);
    hid_t ft = H5Aget_type(a);
    assert_int_equal(H5Tget_class(ft), H5T_STRING);
    assert_true(H5Tis_variable_str(ft) > 0);
    assert_int_equal(H5Tget_cset(ft), H5T_CSET_UTF8);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    char *s = NULL;
    assert_true(H5Aread(a, mt, &s) >= 0);
    H5Tclose(mt);
    H5Tclose(ft);
    H5Sclose(sp);
    H5Aclose(a);
    assert_non_null(s);
    return s;
}

static void assert_attr_str(hid_t obj, const char *name, const char *want)
{
    char *s = attr_string(obj, name);
    if (want && strcmp(s, want) != 0) fail_msg("attribute %s = '%s', expected '%s'", name, s, want);
    H5free_memory(s);
}

static int is_pure_dim(hid_t ds)
{
    if (H5Aexists(ds, "NAME") <= 0) return 0;
    hid_t a = H5Aopen(ds, "NAME", H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    size_t n = H5Tget_size(t);
    char *s = calloc(n + 1, 1);
    H5Aread(a, t, s);
    int pure = strncmp(s, "This is a netCDF dimension but not a netCDF variable", 52) == 0;
    free(s);
    H5Tclose(t);
    H5Aclose(a);
    return pure;
}

struct visit {
    int ndatasets;
    int npure;
};

static herr_t check_units_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    struct visit *v = data;
    (void)info;
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) fail_msg("%s is not a dataset (the layout is flat)", name);
    if (is_pure_dim(ds)) {
        v->npure++;
    } else {
        if (H5Aexists(ds, "units") <= 0) fail_msg("%s has no units", name);
        if (H5Aexists(ds, "long_name") <= 0) fail_msg("%s has no long_name", name);
        char *u = attr_string(ds, "units"), *ln = attr_string(ds, "long_name");
        if (!u[0] || !ln[0]) fail_msg("%s has empty units or long_name", name);
        H5free_memory(u);
        H5free_memory(ln);
        v->ndatasets++;
    }
    H5Dclose(ds);
    return 0;
}

static void assert_attached(hid_t file, const char *name, int rank, const char *const *dims)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0) fail_msg("dataset %s missing", name);
    for (int r = 0; r < rank; r++) {
        hid_t sc = H5Dopen2(file, dims[r], H5P_DEFAULT);
        assert_true(H5DSis_scale(sc) > 0);
        if (H5DSis_attached(ds, sc, (unsigned)r) <= 0)
            fail_msg("%s axis %d has no dimension scale %s", name, r, dims[r]);
        assert_int_equal(H5DSget_num_scales(ds, (unsigned)r), 1);
        H5Dclose(sc);
    }
    H5Dclose(ds);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = calloc((size_t)n + 1, 1);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return s;
}

static int count_substr(const char *s, const char *sub)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, sub)); p += strlen(sub)) n++;
    return n;
}

static char *info_text(const char *path, derm_status *st)
{
    struct derm_err err = {0};
    FILE *fp = tmpfile();
    assert_non_null(fp);
    *st = derm_output_info(path, 0, fp, &err);
    if (*st != DERM_OK) print_message("info %s: %s\n", path, err.msg);
    long n = ftell(fp);
    rewind(fp);
    char *s = calloc((size_t)n + 1, 1);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return s;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_layout_and_round_trip(void **state)
{
    (void)state;
    const struct derm_output_opts opts = {
        .series = derm_totals_table(), .nseries = DERM_NTOTALS, .write_fields = 1, .write_agents = 1, .compression = 4};
    remove(RUN_XDMF);
    write_run(RUN_H5, RUN_XDMF, &opts, 1);
    assert_int_equal(read_completed(RUN_H5), 1);

    hid_t file = H5Fopen(RUN_H5, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);

    /* root attributes: scalar dataspace, values */
    assert_attr_str(file, "Conventions", "CF-1.8");
    assert_attr_str(file, "title", "dermsim io unit test");
    assert_attr_str(file, "software", "dermsim");
    assert_attr_str(file, "software_version", "0.1.0");
    assert_attr_str(file, "git_describe", "v0.1.0-test");
    assert_attr_str(file, "compiler", "GNU test");
    assert_attr_str(file, "build_flags", "-O2 -g");
    assert_attr_str(file, "hdf5_version", derm_output_hdf5_version());
    assert_attr_str(file, "config_text", "grid:\n  nx: 4\n");
    assert_attr_str(file, "config_resolved", "grid:\n  nx: 4\n  h_um: 12.5\n");
    assert_attr_str(file, "command_line", "dermsim run test.yaml");
    assert_attr_str(file, "index_order", "idx = (k*ny + j)*nx + i; x fastest; z = depth below the DEJ");
    {
        char *c = attr_string(file, "created_utc"); /* YYYY-MM-DDTHH:MM:SSZ */
        assert_int_equal(strlen(c), 20);
        assert_int_equal(c[10], 'T');
        assert_int_equal(c[19], 'Z');
        H5free_memory(c);
    }
    {
        hid_t a = H5Aopen(file, "seed", H5P_DEFAULT);
        hid_t sp = H5Aget_space(a), t = H5Aget_type(a);
        assert_int_equal(H5Sget_simple_extent_type(sp), H5S_SCALAR);
        assert_true(H5Tequal(t, H5T_STD_U64LE) > 0);
        uint64_t seed = 0;
        assert_true(H5Aread(a, H5T_NATIVE_UINT64, &seed) >= 0);
        assert_true(seed == SEED);
        H5Tclose(t);
        H5Sclose(sp);
        H5Aclose(a);
        a = H5Aopen(file, "omp_threads", H5P_DEFAULT);
        sp = H5Aget_space(a);
        assert_int_equal(H5Sget_simple_extent_type(sp), H5S_SCALAR);
        int32_t th = 0;
        assert_true(H5Aread(a, H5T_NATIVE_INT32, &th) >= 0);
        assert_int_equal(th, 3);
        H5Sclose(sp);
        H5Aclose(a);
    }

    /* dimension scales and shapes */
    const char *scales[] = {"x", "y", "z", "time", "frame", "agent"};
    for (size_t i = 0; i < 6; i++) {
        hid_t ds = H5Dopen2(file, scales[i], H5P_DEFAULT);
        assert_true(ds >= 0);
        assert_true(H5DSis_scale(ds) > 0);
        H5Dclose(ds);
    }
    const hsize_t d_x[] = {NX}, d_y[] = {NY}, d_z[] = {NZ}, d_rows[] = {NROWS}, d_frames[] = {NFRAMES},
                  d_agents[] = {7}, d_field[] = {NFRAMES, NZ, NY, NX}, d_prof[] = {NFRAMES, NZ};
    dims_of(file, "x", 1, d_x);
    dims_of(file, "y", 1, d_y);
    dims_of(file, "z", 1, d_z);
    dims_of(file, "time", 1, d_rows);
    dims_of(file, "frame", 1, d_frames);
    dims_of(file, "agent", 1, d_agents);
    dims_of(file, "step", 1, d_rows);
    dims_of(file, "frame_time", 1, d_frames);
    dims_of(file, "agent_count", 1, d_frames);
    dims_of(file, "agent_id", 1, d_agents);
    const char *d_time[] = {"time"}, *d_frame[] = {"frame"}, *d_agent[] = {"agent"};
    const char *d_fzyx[] = {"frame", "z", "y", "x"}, *d_fz[] = {"frame", "z"};
    assert_attached(file, "step", 1, d_time);
    assert_attached(file, "age_years", 1, d_time);
    assert_attached(file, "frame_time", 1, d_frame);
    assert_attached(file, "agent_count", 1, d_frame);
    for (int t = 0; t < DERM_NTOTALS; t++) {
        dims_of(file, derm_total_desc(t)->name, 1, d_rows);
        assert_attached(file, derm_total_desc(t)->name, 1, d_time);
    }

    /* coordinates: cell centres in um */
    double x[NX], y[NY], z[NZ];
    read_ds(file, "x", H5T_NATIVE_DOUBLE, x);
    read_ds(file, "y", H5T_NATIVE_DOUBLE, y);
    read_ds(file, "z", H5T_NATIVE_DOUBLE, z);
    for (int i = 0; i < NX; i++) assert_true(x[i] == (i + 0.5) * H_UM);
    for (int j = 0; j < NY; j++) assert_true(y[j] == (j + 0.5) * H_UM);
    for (int k = 0; k < NZ; k++) assert_true(z[k] == (k + 0.5) * H_UM);

    /* series round trip */
    double v[NROWS];
    int64_t iv[NROWS];
    read_ds(file, "time", H5T_NATIVE_DOUBLE, v);
    for (int r = 0; r < NROWS; r++) assert_true(v[r] == row_time(r));
    read_ds(file, "step", H5T_NATIVE_INT64, iv);
    for (int r = 0; r < NROWS; r++) assert_int_equal(iv[r], 10 * r);
    read_ds(file, "age_years", H5T_NATIVE_DOUBLE, v);
    for (int r = 0; r < NROWS; r++) assert_true(v[r] == row_age(r));
    for (int t = 0; t < DERM_NTOTALS; t++) {
        read_ds(file, derm_total_desc(t)->name, H5T_NATIVE_DOUBLE, v);
        for (int r = 0; r < NROWS; r++) assert_true(v[r] == total_value(r, t));
    }
    double ft[NFRAMES];
    int64_t fs[NFRAMES];
    read_ds(file, "frame_time", H5T_NATIVE_DOUBLE, ft);
    read_ds(file, "frame_step", H5T_NATIVE_INT64, fs);
    for (int k = 0; k < NFRAMES; k++) {
        assert_true(ft[k] == frame_time(k));
        assert_int_equal(fs[k], frame_step(k));
    }

    /* fields: float32 equal to (float) of the input; profiles: lateral means */
    static float fv[NFRAMES * NZ * NY * NX];
    double pv[NFRAMES * NZ];
    char name[128];
    for (int fi = 0; fi < DERM_NFIELDS; fi++) {
        const char *fname = derm_field_desc(fi)->name;
        dims_of(file, fname, 4, d_field);
        assert_attached(file, fname, 4, d_fzyx);
        hid_t ds = H5Dopen2(file, fname, H5P_DEFAULT);
        hid_t t = H5Dget_type(ds);
        assert_true(H5Tequal(t, H5T_IEEE_F32LE) > 0);
        H5Tclose(t);
        hid_t dcpl = H5Dget_create_plist(ds);
        hsize_t chunk[4];
        assert_int_equal(H5Pget_chunk(dcpl, 4, chunk), 4);
        assert_true(chunk[0] == 1 && chunk[1] == NZ && chunk[2] == NY && chunk[3] == NX);
        assert_int_equal(H5Pget_nfilters(dcpl), 3);
        unsigned flags = 0, level = 0;
        size_t nelem = 1;
        assert_int_equal(H5Pget_filter2(dcpl, 0, &flags, &nelem, &level, 0, NULL, NULL), H5Z_FILTER_SHUFFLE);
        nelem = 1;
        assert_int_equal(H5Pget_filter2(dcpl, 1, &flags, &nelem, &level, 0, NULL, NULL), H5Z_FILTER_DEFLATE);
        assert_int_equal(level, 4);
        nelem = 0;
        assert_int_equal(H5Pget_filter2(dcpl, 2, &flags, &nelem, NULL, 0, NULL, NULL), H5Z_FILTER_FLETCHER32);
        H5Pclose(dcpl);
        assert_true(H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, fv) >= 0);
        H5Dclose(ds);
        for (int k = 0; k < NFRAMES; k++)
            for (int64_t i = 0; i < NZ * NY * NX; i++)
                if (fv[k * NZ * NY * NX + i] != (float)field_value(k, fi, i))
                    fail_msg("%s frame %d voxel %lld differs", fname, k, (long long)i);

        snprintf(name, sizeof name, "%s_profile", fname);
        dims_of(file, name, 2, d_prof);
        assert_attached(file, name, 2, d_fz);
        read_ds(file, name, H5T_NATIVE_DOUBLE, pv);
        for (int k = 0; k < NFRAMES; k++)
            for (int64_t kz = 0; kz < NZ; kz++) {
                double s = 0.0;
                for (int64_t i = 0; i < NX * NY; i++) s += field_value(k, fi, kz * NX * NY + i);
                assert_true(fabs(pv[k * NZ + kz] - s / (NX * NY)) <= 1e-12 * fabs(s));
            }
    }

    /* agents: contiguous ragged array */
    int64_t counts[NFRAMES], ids[7];
    int8_t types[7], states[7];
    int32_t divs[7];
    float ax[7];
    read_ds(file, "agent_count", H5T_NATIVE_INT64, counts);
    for (int k = 0; k < NFRAMES; k++) assert_int_equal(counts[k], frame_agents[k]);
    read_ds(file, "agent_id", H5T_NATIVE_INT64, ids);
    read_ds(file, "agent_type", H5T_NATIVE_INT8, types);
    read_ds(file, "agent_state", H5T_NATIVE_INT8, states);
    read_ds(file, "agent_divisions", H5T_NATIVE_INT32, divs);
    read_ds(file, "agent_x", H5T_NATIVE_FLOAT, ax);
    for (int r = 0; r < 7; r++) {
        assert_int_equal(ids[r], r + 1); /* frame 0: ids 1..3; frame 2: ids 4..7 */
        assert_int_equal(types[r], ids[r] % 2);
        assert_int_equal(states[r], ids[r] % 4);
        assert_int_equal(divs[r], 10 * ids[r]);
        assert_true(ax[r] == (float)agent_x(ids[r]));
    }
    {
        const char *d_count[] = {"agent"};
        assert_attached(file, "agent_id", 1, d_count);
        assert_attached(file, "agent_x", 1, d_agent);
        hid_t ds = H5Dopen2(file, "agent_count", H5P_DEFAULT);
        assert_attr_str(ds, "sample_dimension", "agent");
        assert_attr_str(ds, "coordinates", "frame_time frame_step frame_age_years");
        H5Dclose(ds);
        ds = H5Dopen2(file, "agent_state", H5P_DEFAULT);
        hid_t t = H5Dget_type(ds);
        assert_true(H5Tequal(t, H5T_STD_I8LE) > 0);
        H5Tclose(t);
        assert_attr_str(ds, "flag_meanings", DERM_AGENT_STATE_FLAGS);
        hid_t a = H5Aopen(ds, "flag_values", H5P_DEFAULT);
        hid_t sp = H5Aget_space(a);
        assert_int_equal(H5Sget_simple_extent_npoints(sp), 4);
        int8_t fvals[4];
        assert_true(H5Aread(a, H5T_NATIVE_INT8, fvals) >= 0);
        for (int i = 0; i < 4; i++) assert_int_equal(fvals[i], i);
        H5Sclose(sp);
        H5Aclose(a);
        H5Dclose(ds);
        ds = H5Dopen2(file, "agent_x", H5P_DEFAULT);
        t = H5Dget_type(ds);
        assert_true(H5Tequal(t, H5T_IEEE_F32LE) > 0);
        H5Tclose(t);
        assert_attr_str(ds, "units", "um");
        H5Dclose(ds);
    }
    {
        hid_t ds = H5Dopen2(file, "time", H5P_DEFAULT);
        assert_attr_str(ds, "units", "day");
        H5Dclose(ds);
        ds = H5Dopen2(file, derm_total_desc(DERM_T_COLLAGEN_TOTAL)->name, H5P_DEFAULT);
        assert_attr_str(ds, "units", derm_total_desc(DERM_T_COLLAGEN_TOTAL)->units);
        assert_attr_str(ds, "long_name", derm_total_desc(DERM_T_COLLAGEN_TOTAL)->long_name);
        H5Dclose(ds);
    }

    /* every variable carries units and long_name; the pure dimension agent carries none */
    struct visit vis = {0, 0};
    assert_true(H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, NULL, check_units_cb, &vis) >= 0);
    assert_int_equal(vis.npure, 1);
    /* x y z time step age_years, totals, row_checksum, frame + 3 frame coords + frame_checksum,
     * fields + profiles, the computed profiles, count + columns */
    int ncols = 0;
#define COUNT_COL(name, ctype, kind, units, desc) ncols++;
    DERM_AGENT_COLUMNS(COUNT_COL)
#undef COUNT_COL
    assert_int_equal(vis.ndatasets, 6 + DERM_NTOTALS + 1 + 5 + 2 * DERM_NFIELDS + DERM_NFRAME_PROFILES + 1 + ncols);
    {
        /* the computed profiles: (frame, z) with their units; the writer was given none (zeros) */
        hid_t ds = H5Dopen2(file, derm_output_frame_profile(0)->name, H5P_DEFAULT);
        assert_attr_str(ds, "units", derm_output_frame_profile(0)->units);
        H5Dclose(ds);
    }
    {
        int64_t frames[NFRAMES];
        read_ds(file, "frame", H5T_NATIVE_INT64, frames);
        for (int k = 0; k < NFRAMES; k++) assert_int_equal(frames[k], k);
    }
    H5Fclose(file);

    /* read_series agrees */
    struct derm_err err = {0};
    double *s = NULL;
    int64_t n = 0;
    assert_int_equal(derm_output_read_series(RUN_H5, "collagen_total", &s, &n, &err), DERM_OK);
    assert_int_equal(n, NROWS);
    for (int r = 0; r < NROWS; r++) assert_true(s[r] == total_value(r, DERM_T_COLLAGEN_TOTAL));
    free(s);
    assert_int_equal(derm_output_read_series(RUN_H5, "step", &s, &n, &err), DERM_OK);
    assert_int_equal(n, NROWS);
    assert_true(s[4] == 40.0);
    free(s);

    /* XDMF sidecar (io/xdmf.c, tests/unit/test_xdmf.c): per frame a uniform grid with every
     * field as a hyperslab and the frame's agents as vertices; time is the age */
    char *xml = slurp(RUN_XDMF);
    assert_non_null(xml);
    assert_int_equal(count_substr(xml, "CollectionType=\"Temporal\""), 2);
    assert_int_equal(count_substr(xml, "<Time Value="), 2 * NFRAMES);
    assert_int_equal(count_substr(xml, "TopologyType=\"3DCoRectMesh\" Dimensions=\"6 4 5\""), NFRAMES);
    assert_int_equal(count_substr(xml, "Center=\"Cell\""), NFRAMES * DERM_NFIELDS);
    assert_non_null(strstr(xml, "<Time Value=\"30.005475701574266\"/>"));
    assert_non_null(strstr(xml, "<Information Name=\"time_day\" Value=\"20.25\"/>"));
    assert_non_null(strstr(xml, "TopologyType=\"Polyvertex\" NumberOfElements=\"4\""));
    assert_non_null(strstr(xml, ">3 1 4</DataItem>\n            <DataItem Dimensions=\"7\" NumberType=\"Int\" "
                                "Precision=\"8\" Format=\"HDF\">test_io_run.h5:/agent_id<"));
    assert_non_null(strstr(xml, ">2 0 0 0  1 1 1 1  1 5 3 4<"));
    assert_int_equal(count_substr(xml, "ItemType=\"HyperSlab\" Dimensions=\"5 3 4\""), NFRAMES * DERM_NFIELDS);
    assert_non_null(strstr(xml, "Dimensions=\"3 5 3 4\" NumberType=\"Float\" Precision=\"4\" "
                                "Format=\"HDF\">test_io_run.h5:/collagen_intact<"));
    assert_non_null(strstr(xml, "12.5 12.5 12.5"));
    free(xml);
    assert_null(fopen(RUN_XDMF ".tmp", "r"));

    /* info of a completed run */
    derm_status st;
    char *info = info_text(RUN_H5, &st);
    assert_int_equal(st, DERM_OK);
    assert_non_null(strstr(info, "completed:  yes"));
    assert_non_null(strstr(info, "seed:       18446744073709551557"));
    assert_non_null(strstr(info, "threads:    3"));
    assert_non_null(strstr(info, "4 x 3 x 5 voxels"));
    assert_non_null(strstr(info, "series:     5 rows"));
    assert_non_null(strstr(info, "frames:     3"));
    assert_non_null(strstr(info, "agents:     4 in the last frame"));
    assert_non_null(strstr(info, "collagen_total"));
    assert_non_null(strstr(info, "dermal_thickness"));
    free(info);
}

static void test_incomplete_run(void **state)
{
    (void)state;
    const char *p = "test_io_incomplete.h5";
    const struct derm_output_opts opts = {
        .series = derm_totals_table(), .nseries = DERM_NTOTALS, .write_fields = 1, .write_agents = 1, .compression = 1};
    write_run(p, NULL, &opts, 0);
    assert_int_equal(read_completed(p), 0);
    derm_status st;
    char *info = info_text(p, &st);
    assert_int_equal(st, DERM_OK);
    assert_non_null(strstr(info, "completed:  NO - incomplete run"));
    assert_non_null(strstr(info, "frames:     3"));
    free(info);

    /* a run that is still open is readable (flushed) and says so */
    struct derm_output *o = write_run("test_io_open.h5", NULL, &opts, -1);
    info = info_text("test_io_open.h5", &st);
    assert_int_equal(st, DERM_OK);
    assert_non_null(strstr(info, "NO - incomplete run"));
    free(info);
    struct derm_err err = {0};
    assert_int_equal(derm_output_close(o, 1, &err), DERM_OK);
    assert_int_equal(read_completed("test_io_open.h5"), 1);
    remove(p);
    remove("test_io_open.h5");
}

/* Series rows are kept in memory and written in batches: what the file holds is always what
 * derm_output_get_pos says, derm_output_sync writes every kept row, and close writes the
 * rest; every row verifies and reads back in order. */
static void test_series_rows_in_batches(void **state)
{
    (void)state;
    const char *p = "test_io_batches.h5";
    const struct derm_output_opts opts = {.series = derm_totals_table(), .nseries = DERM_NTOTALS, .compression = 1};
    struct derm_err err = {0};
    struct derm_grid g = test_grid();
    struct derm_output_meta meta = test_meta();
    struct derm_output *o = NULL;
    remove(p);
    assert_int_equal(derm_output_create(&o, p, NULL, &meta, &g, &opts, &err), DERM_OK);
    double totals[DERM_NTOTALS];
    const int nrows = DERM_OUTPUT_ROW_BATCH + 5;
    struct derm_output_pos pos;
    struct derm_output_summary sum;
    for (int r = 0; r < nrows; r++) {
        for (int t = 0; t < DERM_NTOTALS; t++) totals[t] = total_value(r, t);
        assert_int_equal(derm_output_series(o, 10 * r, row_time(r), row_age(r), totals, &err), DERM_OK);
        derm_output_get_pos(o, &pos);
        assert_true(pos.rows <= r + 1 && pos.rows > r - DERM_OUTPUT_ROW_BATCH); /* at most a batch kept */
        if (r == 2 || r == DERM_OUTPUT_ROW_BATCH + 1) { /* the file holds exactly the rows written */
            assert_int_equal(derm_output_verify(p, 0, &sum, &err), DERM_OK);
            assert_int_equal(sum.rows, pos.rows);
        }
        if (r == 2) { /* a sync writes the kept rows */
            assert_int_equal(derm_output_sync(o, &err), DERM_OK);
            derm_output_get_pos(o, &pos);
            assert_int_equal(pos.rows, 3);
            assert_int_equal(derm_output_verify(p, 0, &sum, &err), DERM_OK);
            assert_int_equal(sum.rows, 3);
            assert_int_equal(sum.last_step, 20);
        }
    }
    assert_int_equal(derm_output_close(o, 1, &err), DERM_OK); /* and close the rest */
    assert_int_equal(derm_output_verify(p, 1, &sum, &err), DERM_OK);
    assert_int_equal(sum.rows, nrows);
    assert_int_equal(sum.last_step, 10 * (nrows - 1));
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    double *time = malloc(sizeof(double) * (size_t)nrows);
    assert_non_null(time);
    assert_true(H5LTread_dataset_double(f, "time", time) >= 0);
    for (int r = 0; r < nrows; r++) assert_true(time[r] == row_time(r));
    free(time);
    H5Fclose(f);
    remove(p);
}

static void test_optional_parts(void **state)
{
    (void)state;
    const char *p = "test_io_nofields.h5", *xd = "test_io_nofields.xdmf";
    remove(xd);
    const struct derm_output_opts opts = {
        .series = derm_totals_table(), .nseries = DERM_NTOTALS, .write_fields = 0, .write_agents = 0, .compression = 0};
    write_run(p, xd, &opts, 1);
    hid_t file = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    for (int fi = 0; fi < DERM_NFIELDS; fi++) {
        char name[128];
        assert_false(exists(file, derm_field_desc(fi)->name));
        snprintf(name, sizeof name, "%s_profile", derm_field_desc(fi)->name);
        assert_true(exists(file, name));
        hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
        hid_t dcpl = H5Dget_create_plist(ds);
        assert_int_equal(H5Pget_nfilters(dcpl), 1); /* compression 0: the checksum only */
        hsize_t chunk[2];
        assert_int_equal(H5Pget_chunk(dcpl, 2, chunk), 2);
        assert_true(chunk[0] == 1 && chunk[1] == NZ); /* one frame per chunk: written once */
        H5Pclose(dcpl);
        H5Dclose(ds);
    }
    assert_false(exists(file, "agent_count"));
    assert_false(exists(file, "agent_id"));
    assert_false(exists(file, "agent")); /* no agent dimension either */
    assert_true(exists(file, "frame_time"));
    struct visit vis = {0, 0};
    assert_true(H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, NULL, check_units_cb, &vis) >= 0);
    H5Fclose(file);
    FILE *fp = fopen(xd, "r");
    assert_null(fp); /* no 4-D fields, no sidecar */
    if (fp) fclose(fp);
    derm_status st;
    char *info = info_text(p, &st);
    assert_int_equal(st, DERM_OK);
    assert_non_null(strstr(info, "agents:     not written"));
    free(info);
    remove(p);
}

static void test_errors(void **state)
{
    (void)state;
    struct derm_err err = {0};
    struct derm_grid g = test_grid();
    struct derm_output_meta meta = test_meta();
    struct derm_output_opts opts = {
        .series = derm_totals_table(), .nseries = DERM_NTOTALS, .write_fields = 1, .write_agents = 1, .compression = 4};
    struct derm_output *o = (struct derm_output *)&err; /* must be reset to NULL */
    const char *bad = "no_such_dir_for_test_io/sub/run.h5";
    assert_int_equal(derm_output_create(&o, bad, NULL, &meta, &g, &opts, &err), DERM_EIO);
    assert_null(o);
    assert_non_null(strstr(err.msg, "cannot create no_such_dir_for_test_io/sub/run.h5"));
    assert_non_null(strstr(err.msg, "No such file or directory"));

    opts.compression = 12;
    assert_int_equal(derm_output_create(&o, "test_io_bad.h5", NULL, &meta, &g, &opts, &err), DERM_ECONFIG);
    assert_non_null(strstr(err.msg, "12"));

    double *v = (double *)&err;
    int64_t n = 7;
    derm_err_clear(&err);
    assert_int_equal(derm_output_read_series(RUN_H5, "no_such_total", &v, &n, &err), DERM_EIO);
    assert_null(v);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.msg, "no_such_total"));
    assert_non_null(strstr(err.msg, RUN_H5));
    assert_int_equal(derm_output_read_series(RUN_H5, "collagen_intact", &v, &n, &err), DERM_EIO);
    assert_non_null(strstr(err.msg, "not a 1-D series"));

    assert_int_equal(derm_output_read_series("no_such_file.h5", "time", &v, &n, &err), DERM_EIO);
    assert_non_null(strstr(err.msg, "no_such_file.h5"));

    FILE *fp = fopen("test_io_not_hdf5.h5", "w");
    assert_non_null(fp);
    fputs("not an HDF5 file\n", fp);
    fclose(fp);
    derm_status st;
    char *info = info_text("test_io_not_hdf5.h5", &st);
    assert_int_equal(st, DERM_EIO);
    free(info);
    assert_int_equal(derm_output_info("test_io_not_hdf5.h5", 0, stdout, &err), DERM_EIO);
    assert_non_null(strstr(err.msg, "not an HDF5 file"));
    assert_int_equal(derm_output_info("no_such_file.h5", 0, stdout, &err), DERM_EIO);
    assert_non_null(strstr(err.msg, "cannot open no_such_file.h5"));
    remove("test_io_not_hdf5.h5");

    assert_int_equal(derm_output_close(NULL, 1, &err), DERM_OK);
    assert_true(strlen(derm_output_hdf5_version()) >= 5);
}

/* A reader child that fails: its stderr (a sanitizer's report of a fault inside the HDF5
 * library) never reaches the user; the parent's one-line error quotes the report's kind and
 * the first frame outside the sanitizer's runtime, so a fault in HDF5 is told from one in
 * dermsim's reader. */
static const char *child_report;
static int child_exit; /* > 0: _exit(child_exit); < 0: raise(-child_exit) */
static derm_status failing_child(void *arg, void *out, struct derm_err *err)
{
    (void)arg, (void)out, (void)err;
    fputs(child_report, stderr);
    fflush(stderr);
    if (child_exit > 0) _exit(child_exit);
    if (child_exit < 0) raise(-child_exit);
    return DERM_OK;
}

static void test_isolated_reader_failures(void **state)
{
    (void)state;
    struct derm_err err = {0};
    int out = 0;
    child_report = "=================================================================\n"
                   "==25330==ERROR: AddressSanitizer: memcpy-param-overlap: memory ranges [0x6,0xe) overlap\n"
                   "    #0 0x7f5634e47f4f in __interceptor_memcpy "
                   "../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:827\n"
                   "    #1 0x7f5634767b8d in H5HG_read (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0x167b8d)\n"
                   "    #2 0x7f56348beeff  (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0x2beeff)\n"
                   "    #7 0x56533eb3509c in derm_h5util_read_str_attr /check/work/main/sim/io/h5util.c:233\n\n"
                   "SUMMARY: AddressSanitizer: memcpy-param-overlap ../../../../src/libsanitizer/sanitizer_common/"
                   "sanitizer_common_interceptors.inc:827 in __interceptor_memcpy\n==25330==ABORTING\n";
    child_exit = 86;
    assert_int_equal(derm_h5util_isolated("x.h5", failing_child, NULL, &out, sizeof out, &err), DERM_ECORRUPT);
    assert_string_equal(err.msg, "damaged file: x.h5: the reader of the file failed (exit 86: AddressSanitizer: "
                                 "memcpy-param-overlap at H5HG_read (libhdf5_serial.so.103+0x167b8d))");

    child_report = "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x60\n"
                   "    #0 0x56 in derm_h5util_read_str_attr /src/sim/io/h5util.c:233\n"
                   "SUMMARY: AddressSanitizer: heap-buffer-overflow /src/sim/io/h5util.c:233 in x\n";
    assert_int_equal(derm_h5util_isolated("x.h5", failing_child, NULL, &out, sizeof out, &err), DERM_ECORRUPT);
    assert_non_null(strstr(err.msg, "(exit 86: AddressSanitizer: heap-buffer-overflow at derm_h5util_read_str_attr "
                                    "h5util.c:233)"));

    child_report = "first\nlast words\n\n";
    child_exit = -SIGSEGV;
    assert_int_equal(derm_h5util_isolated("x.h5", failing_child, NULL, &out, sizeof out, &err), DERM_ECORRUPT);
    assert_string_equal(err.msg, "damaged file: x.h5: reading it crashed the HDF5 library (signal 11: last words)");

    child_report = "";
    child_exit = 3;
    assert_int_equal(derm_h5util_isolated("x.h5", failing_child, NULL, &out, sizeof out, &err), DERM_ECORRUPT);
    assert_string_equal(err.msg, "damaged file: x.h5: the reader of the file failed (exit 3)");

    child_exit = 0;
    derm_err_clear(&err);
    assert_int_equal(derm_h5util_isolated("x.h5", failing_child, NULL, &out, sizeof out, &err), DERM_OK);
}

/* Field chunks hold one frame, capped at 4 MiB: split along z, then y. */
static void check_chunk(int64_t nx, int64_t ny, int64_t nz, const hsize_t want[4])
{
    const char *p = "test_io_chunk.h5";
    struct derm_err err = {0};
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, nx, ny, nz, 10.0, NULL), DERM_OK);
    struct derm_output_meta meta = test_meta();
    const struct derm_output_opts opts = {
        .series = derm_totals_table(), .nseries = DERM_NTOTALS, .write_fields = 1, .write_agents = 0, .compression = 1};
    struct derm_output *o = NULL;
    remove(p);
    assert_int_equal(derm_output_create(&o, p, NULL, &meta, &g, &opts, &err), DERM_OK);
    assert_int_equal(derm_output_close(o, 1, &err), DERM_OK);
    hid_t file = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = H5Dopen2(file, "collagen_intact", H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(ds);
    hsize_t chunk[4];
    assert_int_equal(H5Pget_chunk(dcpl, 4, chunk), 4);
    for (int r = 0; r < 4; r++)
        if (chunk[r] != want[r])
            fail_msg("grid %lldx%lldx%lld: chunk axis %d is %llu, expected %llu", (long long)nx, (long long)ny,
                     (long long)nz, r, (unsigned long long)chunk[r], (unsigned long long)want[r]);
    H5Pclose(dcpl);
    H5Dclose(ds);
    H5Fclose(file);
    remove(p);
}

static void test_field_chunks(void **state)
{
    (void)state;
    const hsize_t whole[4] = {1, 40, 20, 20};     /* 64 KiB: the whole frame */
    const hsize_t split_z[4] = {1, 4, 512, 512};  /* 1 MiB per z-slice: 4 slices */
    const hsize_t split_y[4] = {1, 1, 512, 2048}; /* 8 MiB per z-slice: 512 rows */
    check_chunk(20, 20, 40, whole);
    check_chunk(512, 512, 8, split_z);
    check_chunk(2048, 1024, 2, split_y);
}

/* A failing write (file size limit, i.e. EFBIG as on a full disk) is one line naming the file
 * and the reason; the file keeps its last flushed state (it verifies, with every frame written
 * before the failure), and close still releases everything: the file driver drops what HDF5
 * writes after the failure, so the close succeeds in memory (checked under valgrind and by
 * LeakSanitizer on this executable). */
static void test_write_failure(void **state)
{
    (void)state;
    const char *p = "test_io_efbig.h5";
    struct derm_err err = {0};
    struct derm_grid g = test_grid();
    struct derm_output_meta meta = test_meta();
    const struct derm_output_opts opts = {
        .series = derm_totals_table(), .nseries = DERM_NTOTALS, .write_fields = 1, .write_agents = 1, .compression = 0};
    struct derm_output *o = NULL;
    remove(p);
    assert_int_equal(derm_output_create(&o, p, NULL, &meta, &g, &opts, &err), DERM_OK);

    struct derm_fields f;
    struct derm_agents a;
    assert_int_equal(derm_fields_init(&f, &g, 0, &err), DERM_OK);
    assert_int_equal(derm_agents_init(&a, 4, &err), DERM_OK);
    fill_fields(&f, 0);
    set_agents(&a, 0);

    /* wrong grid: refused before anything is written */
    struct derm_fields small = f;
    small.grid.nz = NZ - 1;
    assert_int_equal(derm_output_frame(o, 0, 0.0, 30.0, &small, NULL, &a, &err), DERM_EINTERNAL);
    assert_non_null(strstr(err.msg, p));

    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    lim.rlim_cur = (rlim_t)size + 8192;
    lim.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    derm_status st = DERM_OK;
    int written = 0;
    for (int k = 0; k < 20000 && st == DERM_OK; k++) {
        double totals[DERM_NTOTALS] = {0};
        st = derm_output_series(o, k, (double)k, 30.0, totals, &err);
        if (st == DERM_OK) st = derm_output_frame(o, k, (double)k, 30.0, &f, NULL, &a, &err);
        if (st == DERM_OK) written++;
    }
    char msg[DERM_ERR_MSG_MAX];
    memcpy(msg, err.msg, sizeof msg);
    derm_status close_st = derm_output_close(o, 1, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    derm_fields_fini(&f);
    derm_agents_fini(&a);
    assert_int_equal(st, DERM_EIO);
    assert_int_equal(close_st, DERM_EIO); /* completed is not set on a frozen file */
    assert_non_null(strstr(msg, "test_io_efbig.h5: cannot write: File too large"));
    assert_null(strchr(msg, '\n'));
    if (written == 0) fail_msg("no frame written before the failure: %s", msg);

    /* the previous state is intact: every complete row and frame reads and verifies */
    struct derm_output_summary sum;
    assert_int_equal(derm_output_verify(p, 1, &sum, &err), DERM_OK);
    assert_int_equal(sum.completed, 0);
    assert_true(sum.frames >= written && sum.frames <= written + 1);
    assert_true(sum.rows >= written && sum.rows <= written + 1);
    remove(p);
}

/* struct derm_fields's make for test_fields_made_when_read: field_value of frame *ctx, or
 * failure when *ctx < 0. */
static int make_value(const void *ctx, int id, int64_t q0, int64_t len, derm_real *out)
{
    const int frame = *(const int *)ctx;
    if (frame < 0) return -1;
    for (int64_t i = 0; i < len; i++) out[i] = (derm_real)field_value(frame, id, q0 + i);
    return 0;
}

/* A frame whose signal fields have no arrays but are made when read (struct derm_fields's
 * make, as the simulation gives its lazy signals) is the same file content as one written
 * from arrays holding those values, chunk by chunk (compression) and whole (none), and a
 * make that fails is an error naming the field, not a crash or a frame passed as written. */
static void test_fields_made_when_read(void **state)
{
    (void)state;
    struct derm_err err = {0};
    const struct derm_grid g = test_grid();
    const struct derm_output_meta meta = test_meta();
    for (int comp = 0; comp <= 4; comp += 4) {
        uint32_t crc[2][NFRAMES];
        float *vals[2][2];
        const char *path[2] = {"test_io_made_a.h5", "test_io_made_b.h5"};
        for (int made = 0; made < 2; made++) {
            const struct derm_output_opts opts = {.series = derm_totals_table(),
                                                  .nseries = DERM_NTOTALS,
                                                  .write_fields = 1,
                                                  .write_agents = 0,
                                                  .compression = comp};
            struct derm_output *o = NULL;
            remove(path[made]);
            assert_int_equal(derm_output_create(&o, path[made], NULL, &meta, &g, &opts, &err), DERM_OK);
            struct derm_fields f;
            assert_int_equal(derm_fields_init(&f, &g, 0, &err), DERM_OK);
            int frame = 0;
            struct derm_fields view = f;
            if (made) { /* every other signal made when read */
                for (int q = 0; q < DERM_NSIGNAL; q += 2) view.signal[q] = NULL;
                view.make = make_value;
                view.make_ctx = &frame;
            }
            for (frame = 0; frame < NFRAMES; frame++) {
                fill_fields(&f, frame);
                assert_int_equal(
                    derm_output_frame(o, frame_step(frame), frame_time(frame), row_age(frame), &view, NULL, NULL, &err),
                    DERM_OK);
            }
            if (made) { /* a failing make: an error naming the field and the file */
                frame = -1;
                assert_int_equal(derm_output_frame(o, 99, 99.0, 31.0, &view, NULL, NULL, &err), DERM_ENOMEM);
                assert_non_null(strstr(err.msg, derm_field_desc(DERM_NMATRIX)->name));
                assert_non_null(strstr(err.msg, path[made]));
            }
            assert_int_equal(derm_output_close(o, 1, &err), DERM_OK);
            derm_fields_fini(&f);
            hid_t file = H5Fopen(path[made], H5F_ACC_RDONLY, H5P_DEFAULT);
            assert_true(file >= 0);
            hsize_t nf = 0;
            hid_t ds = H5Dopen2(file, "frame_checksum", H5P_DEFAULT);
            hid_t sp = H5Dget_space(ds);
            H5Sget_simple_extent_dims(sp, &nf, NULL);
            H5Sclose(sp);
            H5Dclose(ds);
            assert_int_equal(nf, NFRAMES); /* the failed frame is not in the file */
            read_ds(file, "frame_checksum", H5T_NATIVE_UINT32, crc[made]);
            for (int x = 0; x < 2; x++) { /* a made signal and a stored one (the failed frame may have
                                           * extended them: its frame coordinates say it is not there) */
                const char *name = derm_field_desc(DERM_NMATRIX + x)->name;
                hsize_t d[4] = {0};
                ds = H5Dopen2(file, name, H5P_DEFAULT);
                sp = H5Dget_space(ds);
                assert_int_equal(H5Sget_simple_extent_dims(sp, d, NULL), 4);
                assert_true(d[0] >= NFRAMES && d[0] <= NFRAMES + 1);
                H5Sclose(sp);
                H5Dclose(ds);
                vals[made][x] = malloc((size_t)d[0] * (size_t)g.n * sizeof(float));
                assert_non_null(vals[made][x]);
                read_ds(file, name, H5T_NATIVE_FLOAT, vals[made][x]);
            }
            H5Fclose(file);
        }
        assert_memory_equal(crc[0], crc[1], sizeof crc[0]);
        for (int x = 0; x < 2; x++) {
            assert_memory_equal(vals[0][x], vals[1][x], (size_t)NFRAMES * (size_t)g.n * sizeof(float));
            for (int64_t i = 0; i < g.n; i++)
                assert_true(vals[1][x][g.n + i] == (float)field_value(1, DERM_NMATRIX + x, i));
            free(vals[0][x]);
            free(vals[1][x]);
        }
        remove(path[0]);
        remove(path[1]);
    }
}

/* The writer writes exactly the series it is given, in order, with their units and long
 * names; a series list is required when nseries > 0. */
static void test_custom_series(void **state)
{
    (void)state;
    static const struct derm_series_desc mine[2] = {
        {"alpha_total", "mg/cm^2", "a test series"},
        {"beta_rate", "1/year", "another test series"},
    };
    const char *p = "test_io_custom.h5";
    const struct derm_output_opts opts = {
        .series = mine, .nseries = 2, .write_fields = 0, .write_agents = 0, .compression = 0};
    write_run(p, NULL, &opts, 1);
    hid_t file = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    const hsize_t d_rows[1] = {NROWS};
    for (int t = 0; t < 2; t++) {
        dims_of(file, mine[t].name, 1, d_rows);
        hid_t ds = H5Dopen2(file, mine[t].name, H5P_DEFAULT);
        assert_attr_str(ds, "units", mine[t].units);
        assert_attr_str(ds, "long_name", mine[t].long_name);
        H5Dclose(ds);
    }
    assert_false(exists(file, "collagen_total")); /* not the registry's series */
    H5Fclose(file);
    struct derm_err err = {0};
    double *v = NULL;
    int64_t n = 0;
    assert_int_equal(derm_output_read_series(p, "beta_rate", &v, &n, &err), DERM_OK);
    assert_int_equal(n, NROWS);
    for (int r = 0; r < NROWS; r++) assert_true(v[r] == total_value(r, 1));
    free(v);
    remove(p);

    /* nseries > 0 without a list is a programming error */
    struct derm_grid g = test_grid();
    struct derm_output_meta meta = test_meta();
    const struct derm_output_opts none = {
        .series = NULL, .nseries = 3, .write_fields = 0, .write_agents = 0, .compression = 0};
    struct derm_output *o = NULL;
    assert_int_equal(derm_output_create(&o, p, NULL, &meta, &g, &none, &err), DERM_EINTERNAL);
    assert_null(o);
    remove(p);
}

/* The chunk filter that lets frames be compressed in parallel (derm_h5util_filter_chunk)
 * makes chunks that HDF5's own pipeline (shuffle, deflate at levels 1, 4 and 9, Fletcher32)
 * reads back, edge chunks included (their part beyond the dataset +0): the compressed bytes
 * are a zlib stream that zlib's uncompress turns back into the shuffled bytes, their
 * Fletcher32 is HDF5's (a chunk stored with H5Dwrite_chunk reads back through the pipeline,
 * its checksum verified, as the values), and they are never larger than the raw bytes and
 * the framing (test_chunk_filter_size compares sizes on a field-sized chunk). */
static void test_chunk_filter_matches_hdf5(void **state)
{
    (void)state;
    const char *p = "test_io_chunks.h5";
    const hsize_t dims[4] = {1, 5, 6, 7}, chunk[4] = {1, 3, 4, 5};
    const size_t n = 5 * 6 * 7, cn = 3 * 4 * 5;
    float *v = malloc(n * sizeof *v), *back = malloc(n * sizeof *back), *cv = malloc(cn * sizeof *cv);
    unsigned char *scratch = malloc(4 * cn), *mine = malloc(derm_h5util_chunk_bound(cn));
    unsigned char *theirs = malloc(derm_h5util_chunk_bound(cn) + 64);
    assert_true(v && back && cv && scratch && mine && theirs);
    uint64_t r = 5;
    for (size_t i = 0; i < n; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (i % 3 == 0) ? 0.0f : (float)((double)(r >> 11) * 0x1.0p-53 * 300.0);
    }
    const int levels[3] = {1, 4, 9};
    for (int li = 0; li < 3; li++) {
        remove(p);
        hid_t file = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        hid_t space = H5Screate_simple(4, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        assert_true(file >= 0 && space >= 0 && dcpl >= 0);
        assert_true(H5Pset_chunk(dcpl, 4, chunk) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
                    H5Pset_deflate(dcpl, (unsigned)levels[li]) >= 0 && H5Pset_fletcher32(dcpl) >= 0);
        hid_t ref = H5Dcreate2(file, "ref", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        hid_t own = H5Dcreate2(file, "own", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        assert_true(ref >= 0 && own >= 0);
        assert_true(H5Dwrite(ref, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        for (hsize_t z0 = 0; z0 < 5; z0 += 3)
            for (hsize_t y0 = 0; y0 < 6; y0 += 4)
                for (hsize_t x0 = 0; x0 < 7; x0 += 5) {
                    for (hsize_t z = 0; z < 3; z++)
                        for (hsize_t y = 0; y < 4; y++)
                            for (hsize_t x = 0; x < 5; x++)
                                cv[(z * 4 + y) * 5 + x] = z0 + z < 5 && y0 + y < 6 && x0 + x < 7
                                                              ? v[((z0 + z) * 6 + y0 + y) * 7 + x0 + x]
                                                              : 0.0f;
                    const size_t len =
                        derm_h5util_filter_chunk(cv, cn, levels[li], scratch, mine, derm_h5util_chunk_bound(cn));
                    assert_true(len > 4);
                    const hsize_t off[4] = {0, z0, y0, x0};
                    hsize_t stored = 0;
                    uint32_t mask = 1;
                    assert_true(H5Dget_chunk_storage_size(ref, off, &stored) >= 0);
                    assert_true(len <= 4 * cn + 4 + 16); /* at worst the raw bytes and the framing */
                    assert_true(H5Dread_chunk(ref, H5P_DEFAULT, off, &mask, theirs) >= 0);
                    assert_int_equal(mask, 0);
                    /* the zlib stream inflates to the shuffled bytes; its checksum is HDF5's */
                    unsigned char plain[4 * 3 * 4 * 5];
                    uLongf plen = sizeof plain;
                    assert_int_equal(uncompress(plain, &plen, mine, (uLong)(len - 4)), Z_OK);
                    assert_int_equal(plen, 4 * cn);
                    assert_memory_equal(plain, scratch, 4 * cn);
                    const uint32_t f32 = derm_h5util_fletcher32(mine, len - 4);
                    for (int b = 0; b < 4; b++) assert_int_equal(mine[len - 4 + (size_t)b], (f32 >> (8 * b)) & 0xff);
                    assert_true(H5Dwrite_chunk(own, H5P_DEFAULT, 0, off, len, mine) >= 0);
                }
        assert_true(H5Dread(own, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0);
        assert_memory_equal(back, v, n * sizeof *v);
        H5Dclose(ref);
        H5Dclose(own);
        H5Pclose(dcpl);
        H5Sclose(space);
        H5Fclose(file);
    }
    /* Fletcher32 against values worked by hand: bytes 01 02 03 04 05 -> words 0x0102,
     * 0x0304, 0x0500: sum1 = 0x0906, sum2 = 0x0102 + 0x0406 + 0x0906 = 0x0e0e */
    const unsigned char five[5] = {1, 2, 3, 4, 5};
    assert_int_equal(derm_h5util_fletcher32(five, 5), 0x0e0e0906u);
    remove(p);
    free(v);
    free(back);
    free(cv);
    free(scratch);
    free(mine);
    free(theirs);
}

/* On a chunk the size of a frame's (a smooth field with noise, 2^18 values), the filter's
 * libdeflate output at levels 1, 4 and 9 is no larger than zlib's compress2 at the same
 * level (what HDF5's own deflate filter stores) by more than 2 % (here level 1 is 0.8 %
 * larger, 4 and 9 smaller; on the fields of a run every level is smaller). */
static void test_chunk_filter_size(void **state)
{
    (void)state;
    const size_t n = (size_t)1 << 18;
    float *v = malloc(n * sizeof *v);
    unsigned char *scratch = malloc(4 * n), *mine = malloc(derm_h5util_chunk_bound(n));
    unsigned char *ref = malloc(compressBound((uLong)(4 * n)));
    assert_true(v && scratch && mine && ref);
    uint64_t r = 9;
    for (size_t i = 0; i < n; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (float)(2.0 + sin(1e-3 * (double)i) + 1e-3 * (double)(r >> 11) * 0x1.0p-53);
    }
    const int levels[3] = {1, 4, 9};
    for (int li = 0; li < 3; li++) {
        const size_t len = derm_h5util_filter_chunk(v, n, levels[li], scratch, mine, derm_h5util_chunk_bound(n));
        uLongf zlen = compressBound((uLong)(4 * n));
        assert_int_equal(compress2(ref, &zlen, scratch, (uLong)(4 * n), levels[li]), Z_OK);
        print_message("level %d: %zu bytes (zlib's compress2: %lu)\n", levels[li], len - 4, (unsigned long)zlen);
        assert_true(len > 4 && (double)(len - 4) <= 1.02 * (double)zlen);
    }
    free(v);
    free(scratch);
    free(mine);
    free(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_round_trip),
        cmocka_unit_test(test_incomplete_run),
        cmocka_unit_test(test_series_rows_in_batches),
        cmocka_unit_test(test_optional_parts),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_field_chunks),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_custom_series),
        cmocka_unit_test(test_fields_made_when_read),
        cmocka_unit_test(test_isolated_reader_failures),
        cmocka_unit_test(test_chunk_filter_matches_hdf5),
        cmocka_unit_test(test_chunk_filter_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
