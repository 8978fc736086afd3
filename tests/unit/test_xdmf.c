/* test_xdmf.c - the ParaView sidecar and its view script (io/xdmf.c), as text.
 *
 * Checks: an empty sidecar on creation; per frame a fields grid (CoRectMesh, one cell
 * hyperslab per registered field at frame k of a dataset declared with the current frame
 * count) and an agents grid (Polyvertex over the frame's rows of the ragged table, every
 * registered agent column as a point attribute with its stored type), both timed by age;
 * a frame without agents is a placeholder point without cells; agents-only and
 * fields-only sidecars; the view script beside it (names the sidecar, depth-down camera);
 * atomic rewrite (no .tmp left); an unwritable directory is DERM_EIO naming the path.
 * Whether ParaView really loads it: tests/integration/test_output_readers.py.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derm/io/xdmf.h"
#include "derm/store/agents.h"
#include "derm/store/fields.h"

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = calloc((size_t)n + 1, 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return s;
}

static int count(const char *s, const char *sub)
{
    int c = 0;
    for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub)) c++;
    return c;
}

static struct derm_grid grid(void)
{
    struct derm_grid g = {4, 3, 5, 12.5, 60};
    return g;
}

static int ncols(void)
{
    int n = 0;
#define COUNT(name, ctype, kind, units, desc) n++;
    DERM_AGENT_COLUMNS(COUNT)
#undef COUNT
    return n;
}

static void test_fields_and_agents(void **state)
{
    (void)state;
    struct derm_err err = {0};
    struct derm_grid g = grid();
    struct derm_xdmf *x = NULL;
    remove("test_xdmf_paraview.py");
    assert_int_equal(derm_xdmf_create(&x, "test_xdmf.xdmf", "some/dir/test_xdmf.h5", &g, 1, 1, &err), DERM_OK);
    char *s = slurp("test_xdmf.xdmf");
    assert_non_null(s);
    assert_int_equal(count(s, "<Time "), 0);
    assert_int_equal(count(s, "CollectionType=\"Temporal\""), 2);
    free(s);

    assert_int_equal(derm_xdmf_add_frame(x, 0.0, 25.0, 3, &err), DERM_OK);
    assert_int_equal(derm_xdmf_add_frame(x, 7.0, 25.5, 0, &err), DERM_OK);
    assert_int_equal(derm_xdmf_add_frame(x, 14.0, 26.0, 2, &err), DERM_OK);
    assert_int_equal(derm_xdmf_frames(x), 3);
    s = slurp("test_xdmf.xdmf");
    assert_non_null(s);
    assert_null(fopen("test_xdmf.xdmf.tmp", "r"));
    /* time is the age; the model time in days is kept as information */
    assert_int_equal(count(s, "<Time Value=\"25.5\"/>"), 2);
    assert_int_equal(count(s, "<Information Name=\"time_day\" Value=\"14\"/>"), 2);
    /* fields: frame k of a dataset of 3 frames, referred to by the HDF5 file's base name */
    assert_int_equal(count(s, "TopologyType=\"3DCoRectMesh\" Dimensions=\"6 4 5\""), 3);
    assert_int_equal(count(s, "Center=\"Cell\""), 3 * DERM_NFIELDS);
    assert_int_equal(count(s, ">2 0 0 0  1 1 1 1  1 5 3 4<"), DERM_NFIELDS);
    assert_int_equal(count(s, "Dimensions=\"3 5 3 4\" NumberType=\"Float\" Precision=\"4\" "
                              "Format=\"HDF\">test_xdmf.h5:/collagen_intact<"),
                     3);
    assert_null(strstr(s, "some/dir"));
    /* agents: rows 0-2 and 3-4 of a table of 5; frame 1 has a placeholder and no cells */
    assert_int_equal(count(s, "Center=\"Node\""), 2 * ncols());
    assert_non_null(strstr(s, "NumberOfElements=\"3\""));
    assert_non_null(strstr(s, "NumberOfElements=\"0\""));
    assert_non_null(strstr(s, "NumberOfElements=\"2\""));
    assert_int_equal(count(s, ">3 1 2</DataItem>"), 3 + ncols());
    assert_non_null(
        strstr(s, "Dimensions=\"5\" NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">test_xdmf.h5:/agent_id<"));
    assert_non_null(
        strstr(s, "Dimensions=\"5\" NumberType=\"Char\" Precision=\"1\" Format=\"HDF\">test_xdmf.h5:/agent_state<"));
    assert_non_null(
        strstr(s, "Dimensions=\"5\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">test_xdmf.h5:/agent_z<"));
    assert_non_null(
        strstr(s, "Dimensions=\"5\" NumberType=\"Int\" Precision=\"4\" Format=\"HDF\">test_xdmf.h5:/agent_divisions<"));
    free(s);

    /* the view script beside it */
    s = slurp("test_xdmf_paraview.py");
    assert_non_null(s);
    assert_non_null(strstr(s, "XDMF = os.path.join(HERE, \"test_xdmf.xdmf\")"));
    assert_non_null(strstr(s, "/test_xdmf.xdmf\"\n"));
    assert_non_null(strstr(s, "view.CameraViewUp = [0.0, 0.0, -1.0]"));
    assert_non_null(strstr(s, "NX, NY, NZ, H_UM = 4, 3, 5, 12.5"));
    assert_non_null(strstr(s, "HAS_FIELDS, HAS_AGENTS = True, True"));
    free(s);
    derm_xdmf_free(x);
    remove("test_xdmf.xdmf");
    remove("test_xdmf_paraview.py");
}

static void test_one_part_only(void **state)
{
    (void)state;
    struct derm_err err = {0};
    struct derm_grid g = grid();
    struct derm_xdmf *x = NULL;
    assert_int_equal(derm_xdmf_create(&x, "test_xdmf_a.xdmf", "test_xdmf_a.h5", &g, 0, 1, &err), DERM_OK);
    assert_int_equal(derm_xdmf_add_frame(x, 0.0, 30.0, 4, &err), DERM_OK);
    char *s = slurp("test_xdmf_a.xdmf");
    assert_null(strstr(s, "Name=\"fields\""));
    assert_non_null(strstr(s, "Name=\"agents\""));
    free(s);
    derm_xdmf_free(x);

    assert_int_equal(derm_xdmf_create(&x, "test_xdmf_f.xdmf", "test_xdmf_f.h5", &g, 1, 0, &err), DERM_OK);
    assert_int_equal(derm_xdmf_add_frame(x, 0.0, 30.0, 4, &err), DERM_OK); /* no table: count ignored */
    s = slurp("test_xdmf_f.xdmf");
    assert_non_null(strstr(s, "Name=\"fields\""));
    assert_null(strstr(s, "Name=\"agents\""));
    free(s);
    s = slurp("test_xdmf_f_paraview.py");
    assert_non_null(strstr(s, "HAS_FIELDS, HAS_AGENTS = True, False"));
    free(s);
    derm_xdmf_free(x);
    derm_xdmf_free(NULL);
    const char *files[] = {"test_xdmf_a.xdmf", "test_xdmf_a_paraview.py", "test_xdmf_f.xdmf",
                           "test_xdmf_f_paraview.py"};
    for (size_t i = 0; i < 4; i++) remove(files[i]);
}

static void test_errors(void **state)
{
    (void)state;
    struct derm_err err = {0};
    struct derm_grid g = grid();
    struct derm_xdmf *x = (struct derm_xdmf *)&err;
    assert_int_equal(derm_xdmf_create(&x, "no_such_dir_xdmf/run.xdmf", "run.h5", &g, 1, 1, &err), DERM_EIO);
    assert_null(x);
    assert_non_null(strstr(err.msg, "no_such_dir_xdmf/run"));
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_int_equal(derm_xdmf_add_frame(NULL, 0, 25, 0, &err), DERM_EINTERNAL);
    assert_int_equal(derm_xdmf_create(NULL, "a.xdmf", "a.h5", &g, 1, 1, &err), DERM_EINTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_agents),
        cmocka_unit_test(test_one_part_only),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
