/* xdmf.c - the ParaView sidecar (run.xdmf) and first view (run_paraview.py); xdmf.h.
 *
 * Pure text: the HDF5 layout it points into is fixed by io/output.c (fields (frame, z, y, x)
 * float32; agent columns agent_<name> of the ragged table, float columns stored as
 * float32), and the field and agent registries (store/fields.h, store/agents.h) give the
 * names, so a new field or agent column needs no change here.
 *
 * XDMF facts (ParaView 5.11, "XDMF Reader", i.e. Xdmf2; the Xdmf3 readers skip hyperslabs):
 * - A HyperSlab item selecting frame k of a 4-D dataset must itself be declared 3-D
 *   (NZ NY NX): declared "1 NZ NY NX" the reader fails with "Can't Write Temp Dataset".
 * - The HDF item must declare the dataset's full current size; it is rewritten after
 *   every frame, so the sizes always match the file.
 * - 3DCoRectMesh dimensions are point counts (NZ+1 NY+1 NX+1), origin and spacing in
 *   z, y, x order; the attributes are cell-centred.
 * - Two temporal collections in one domain become two blocks ("fields", "agents") that
 *   the reader's Grids list can switch on and off.
 */
#define _POSIX_C_SOURCE 200809L

#include "derm/io/xdmf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "derm/store/agents.h"
#include "derm/store/fields.h"

struct xdmf_frame {
    double time_day, age_years;
    int64_t agent_start, nagents; /* rows of the agent table */
};

struct derm_xdmf {
    char *path, *h5_base;
    char abs_path[4096]; /* the sidecar's absolute path when created (the view script's fallback) */
    struct derm_grid g;
    int fields, agents;
    struct xdmf_frame *frames;
    int64_t nframes, cap, agent_rows;
};

/* Agent columns: name and the XDMF number type of how output.c stores them. */
struct xcol {
    const char *name, *number_type;
    int precision;
};

static const struct xcol xcols[] = {
#define XDMF_COL(name, ctype, kind, units, desc) \
    {#name,                                      \
     kind == DERM_COL_F64  ? "Float"             \
     : kind == DERM_COL_I8 ? "Char"              \
                           : "Int",              \
     kind == DERM_COL_I64   ? 8                  \
     : kind == DERM_COL_I32 ? 4                  \
     : kind == DERM_COL_I8  ? 1                  \
                            : 4},
    DERM_AGENT_COLUMNS(XDMF_COL)
#undef XDMF_COL
};
#define NXCOLS (sizeof xcols / sizeof xcols[0])

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Escape &, <, >, " for XML attribute values and text. */
static void xml_puts(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            fputs("&amp;", fp);
        else if (*s == '<')
            fputs("&lt;", fp);
        else if (*s == '>')
            fputs("&gt;", fp);
        else if (*s == '"')
            fputs("&quot;", fp);
        else
            fputc(*s, fp);
    }
}

/* A Python string literal. */
static void py_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* Write `fn(fp, x)` to path.tmp and rename it to path. */
static derm_status write_atomic(const char *path, void (*fn)(FILE *, const struct derm_xdmf *),
                                const struct derm_xdmf *x, struct derm_err *err)
{
    size_t len = strlen(path) + 5;
    char *tmp = malloc(len);
    if (!tmp) return derm_err_set(err, DERM_ENOMEM, "cannot write %s", path);
    snprintf(tmp, len, "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        derm_status st = derm_err_set(err, DERM_EIO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    fn(fp, x);
    int bad = ferror(fp), saved = errno;
    if (fclose(fp) != 0 && !bad) bad = 1, saved = errno;
    if (!bad && rename(tmp, path) != 0) bad = 1, saved = errno;
    derm_status st = DERM_OK;
    if (bad) {
        remove(tmp);
        st = derm_err_set(err, DERM_EIO, "cannot write %s: %s", path, strerror(saved));
    }
    free(tmp);
    return st;
}

/* ---- the sidecar ---------------------------------------------------------------------- */

/* A 1-D or 4-D hyperslab of dataset `name` (start, count along axis 0; the rest whole). */
static void hyperslab(FILE *fp, const struct derm_xdmf *x, const char *name, int rank, int64_t start, int64_t count,
                      int64_t total, const char *number_type, int precision, const char *indent)
{
    const int64_t nz = x->g.nz, ny = x->g.ny, nx = x->g.nx;
    if (rank == 4) {
        fprintf(fp,
                "%s<DataItem ItemType=\"HyperSlab\" Dimensions=\"%" PRId64 " %" PRId64 " %" PRId64
                "\" Type=\"HyperSlab\">\n",
                indent, nz, ny, nx);
        fprintf(fp,
                "%s  <DataItem Dimensions=\"3 4\" NumberType=\"Int\" Format=\"XML\">%" PRId64
                " 0 0 0  1 1 1 1  1 %" PRId64 " %" PRId64 " %" PRId64 "</DataItem>\n",
                indent, start, nz, ny, nx);
        fprintf(fp, "%s  <DataItem Dimensions=\"%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\"", indent, total, nz,
                ny, nx);
    } else {
        fprintf(fp, "%s<DataItem ItemType=\"HyperSlab\" Dimensions=\"%" PRId64 "\" Type=\"HyperSlab\">\n", indent,
                count);
        fprintf(fp,
                "%s  <DataItem Dimensions=\"3 1\" NumberType=\"Int\" Format=\"XML\">%" PRId64 " 1 %" PRId64
                "</DataItem>\n",
                indent, start, count);
        fprintf(fp, "%s  <DataItem Dimensions=\"%" PRId64 "\"", indent, total);
    }
    fprintf(fp, " NumberType=\"%s\" Precision=\"%d\" Format=\"HDF\">", number_type, precision);
    xml_puts(fp, x->h5_base);
    fputs(":/", fp);
    xml_puts(fp, name);
    fprintf(fp, "</DataItem>\n%s</DataItem>\n", indent);
}

static void fields_grid(FILE *fp, const struct derm_xdmf *x, int64_t k)
{
    const double h = x->g.h_um;
    fprintf(fp, "      <Grid Name=\"fields_%" PRId64 "\" GridType=\"Uniform\">\n", k);
    fprintf(fp, "        <Time Value=\"%.17g\"/>\n", x->frames[k].age_years);
    fprintf(fp, "        <Information Name=\"time_day\" Value=\"%.17g\"/>\n", x->frames[k].time_day);
    fprintf(fp,
            "        <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%" PRId64 " %" PRId64 " %" PRId64 "\"/>\n",
            x->g.nz + 1, x->g.ny + 1, x->g.nx + 1);
    fprintf(fp,
            "        <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
            "          <DataItem Name=\"Origin\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
            "Format=\"XML\">0 0 0</DataItem>\n"
            "          <DataItem Name=\"Spacing\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
            "Format=\"XML\">%.17g %.17g %.17g</DataItem>\n"
            "        </Geometry>\n",
            h, h, h);
    for (int f = 0; f < DERM_NFIELDS; f++) {
        const char *name = derm_field_desc(f)->name;
        fputs("        <Attribute Name=\"", fp);
        xml_puts(fp, name);
        fputs("\" AttributeType=\"Scalar\" Center=\"Cell\">\n", fp);
        hyperslab(fp, x, name, 4, k, 1, x->nframes, "Float", 4, "          ");
        fputs("        </Attribute>\n", fp);
    }
    fputs("      </Grid>\n", fp);
}

/* The agents of frame k as vertices at (agent_x, agent_y, agent_z) with every column as
 * a point attribute. ParaView's reader cannot read a grid without points (no topology:
 * crash; zero points: "Error in Update() of Geometry"), so a frame without agents is one
 * placeholder point at the origin and no cells: nothing is drawn and the cell count is 0. */
static void agents_grid(FILE *fp, const struct derm_xdmf *x, int64_t k)
{
    const struct xdmf_frame *fr = &x->frames[k];
    const int64_t n = fr->nagents, s = fr->agent_start, total = x->agent_rows;
    fprintf(fp, "      <Grid Name=\"agents_%" PRId64 "\" GridType=\"Uniform\">\n", k);
    fprintf(fp, "        <Time Value=\"%.17g\"/>\n", fr->age_years);
    fprintf(fp, "        <Information Name=\"time_day\" Value=\"%.17g\"/>\n", fr->time_day);
    fprintf(fp,
            "        <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"%" PRId64 "\" NodesPerElement=\"1\"/>\n",
            n);
    if (n == 0) {
        fputs("        <Geometry GeometryType=\"XYZ\">\n"
              "          <DataItem Dimensions=\"1 3\" NumberType=\"Float\" Precision=\"4\" Format=\"XML\">0 0 "
              "0</DataItem>\n"
              "        </Geometry>\n      </Grid>\n",
              fp);
        return;
    }
    fputs("        <Geometry GeometryType=\"X_Y_Z\">\n", fp);
    hyperslab(fp, x, "agent_x", 1, s, n, total, "Float", 4, "          ");
    hyperslab(fp, x, "agent_y", 1, s, n, total, "Float", 4, "          ");
    hyperslab(fp, x, "agent_z", 1, s, n, total, "Float", 4, "          ");
    fputs("        </Geometry>\n", fp);
    for (size_t c = 0; c < NXCOLS; c++) {
        char name[96];
        snprintf(name, sizeof name, "agent_%s", xcols[c].name);
        fputs("        <Attribute Name=\"", fp);
        xml_puts(fp, xcols[c].name);
        fputs("\" AttributeType=\"Scalar\" Center=\"Node\">\n", fp);
        hyperslab(fp, x, name, 1, s, n, total, xcols[c].number_type, xcols[c].precision, "          ");
        fputs("        </Attribute>\n", fp);
    }
    fputs("      </Grid>\n", fp);
}

static void sidecar(FILE *fp, const struct derm_xdmf *x)
{
    fputs("<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
          "<!-- dermsim run: time is the subject's age in years; z is depth below the dermal-epidermal\n"
          "     junction (it grows along +z: the view script beside this file turns the camera so\n"
          "     that depth points down). Lengths in um. -->\n"
          "<Xdmf Version=\"2.0\">\n  <Domain>\n",
          fp);
    if (x->fields) {
        fputs("    <Grid Name=\"fields\" GridType=\"Collection\" CollectionType=\"Temporal\">\n", fp);
        for (int64_t k = 0; k < x->nframes; k++) fields_grid(fp, x, k);
        fputs("    </Grid>\n", fp);
    }
    if (x->agents) {
        fputs("    <Grid Name=\"agents\" GridType=\"Collection\" CollectionType=\"Temporal\">\n", fp);
        for (int64_t k = 0; k < x->nframes; k++) agents_grid(fp, x, k);
        fputs("    </Grid>\n", fp);
    }
    fputs("  </Domain>\n</Xdmf>\n", fp);
}

/* ---- the first view ------------------------------------------------------------------- */

static void view_script(FILE *fp, const struct derm_xdmf *x)
{
    const char *base = strrchr(x->path, '/');
    base = base ? base + 1 : x->path;
    fputs("# ParaView first view of a dermsim run, written by dermsim beside its sidecar.\n"
          "#   paraview --script=THIS_FILE     (or, in ParaView, File > Load State... and this file)\n"
          "# Shows intact collagen on the x-z plane at the back of the block (y = half a voxel) with\n"
          "# every cell in front of it, coloured by state, at the last age; the time slider is the\n"
          "# subject's age in years.\n"
          "# Depth below the dermal-epidermal junction is z, which grows downward on the screen here\n"
          "# (camera view-up -z); lengths in um.\n"
          "import os\n\nfrom paraview import simple as pv\n\n",
          fp);
    fputs("HERE = os.path.dirname(os.path.abspath(__file__)) if \"__file__\" in globals() else os.getcwd()\n", fp);
    fputs("XDMF = os.path.join(HERE, ", fp);
    py_str(fp, base);
    fputs(")\nif not os.path.exists(XDMF):  # run from elsewhere: where dermsim wrote it\n    XDMF = ", fp);
    py_str(fp, x->abs_path);
    fprintf(fp,
            "\nNX, NY, NZ, H_UM = %" PRId64 ", %" PRId64 ", %" PRId64 ", %.17g\n"
            "HAS_FIELDS, HAS_AGENTS = %s, %s\n"
            "STATES = [\"quiescent\", \"activated\", \"senescent\", \"apoptotic\"]\n"
            "STATE_RGB = [[0.12, 0.47, 0.71], [0.17, 0.63, 0.17], [0.84, 0.15, 0.16], [0.5, 0.5, 0.5]]\n\n",
            x->g.nx, x->g.ny, x->g.nz, x->g.h_um, x->fields ? "True" : "False", x->agents ? "True" : "False");
    fputs("\n"
          "def show_run(xdmf=XDMF):\n"
          "    \"\"\"The view described above; returns the view and its sources by name.\"\"\"\n"
          "    view = pv.GetActiveViewOrCreate(\"RenderView\")\n"
          "    run = pv.XDMFReader(registrationName=os.path.basename(xdmf), FileNames=[xdmf])\n"
          "    shown = {\"run\": run}\n"
          "    if HAS_FIELDS:\n"
          "        fields = pv.ExtractBlock(registrationName=\"fields\", Input=run, Selectors=[\"/Root/fields\"])\n"
          "        pv.Show(pv.Outline(registrationName=\"outline\", Input=fields), view)\n"
          "        cut = pv.Slice(registrationName=\"x-z slice at the back\", Input=fields)\n"
          "        cut.SliceType = \"Plane\"\n"
          "        cut.SliceType.Origin = [NX * H_UM / 2, H_UM / 2, NZ * H_UM / 2]\n"
          "        cut.SliceType.Normal = [0, 1, 0]\n"
          "        d = pv.Show(cut, view)\n"
          "        pv.ColorBy(d, (\"CELLS\", \"collagen_intact\"))\n"
          "        d.SetScalarBarVisibility(view, True)\n"
          "        pv.GetColorTransferFunction(\"collagen_intact\").ApplyPreset(\"Viridis (matplotlib)\", True)\n"
          "        shown[\"slice_display\"] = d\n"
          "        shown.update(fields=fields, slice=cut)\n",
          fp);
    fputs("    if HAS_AGENTS:\n"
          "        agents = pv.ExtractBlock(registrationName=\"agents\", Input=run, Selectors=[\"/Root/agents\"])\n"
          "        d = pv.Show(agents, view)\n"
          "        d.SetRepresentationType(\"Points\")\n"
          "        d.PointSize = 6\n"
          "        d.RenderPointsAsSpheres = 1\n"
          "        pv.ColorBy(d, (\"POINTS\", \"state\"))\n"
          "        lut = pv.GetColorTransferFunction(\"state\")\n"
          "        lut.InterpretValuesAsCategories = 1\n"
          "        lut.Annotations = sum(([str(i), s] for i, s in enumerate(STATES)), [])\n"
          "        lut.IndexedColors = sum(STATE_RGB, [])\n"
          "        d.SetScalarBarVisibility(view, True)\n"
          "        shown[\"agents\"] = agents\n"
          "    scene = pv.GetAnimationScene()\n"
          "    scene.UpdateAnimationUsingDataTimeSteps()\n"
          "    scene.AnimationTime = scene.EndTime\n"
          "    if \"slice_display\" in shown:\n"
          "        shown[\"slice_display\"].RescaleTransferFunctionToDataRange(False, True)\n"
          "    view.OrientationAxesVisibility = 1\n"
          "    # looking along -y with -z up: x to the right, depth down, cells in front of the plane\n"
          "    view.CameraPosition = [NX * H_UM / 2, NY * H_UM + 4.0 * NZ * H_UM, NZ * H_UM / 2]\n"
          "    view.CameraFocalPoint = [NX * H_UM / 2, NY * H_UM / 2, NZ * H_UM / 2]\n"
          "    view.CameraViewUp = [0.0, 0.0, -1.0]  # depth (z) points down the screen\n"
          "    view.ResetCamera()\n"
          "    pv.Render(view)\n"
          "    return view, shown\n\n\n",
          fp);
    fputs("VIEW, SHOWN = show_run()\n", fp);
}

/* ---- public ------------------------------------------------------------------------------ */

derm_status derm_xdmf_create(struct derm_xdmf **out, const char *xdmf_path, const char *h5_path,
                             const struct derm_grid *g, int fields, int agents, struct derm_err *err)
{
    if (!out || !xdmf_path || !h5_path || !g)
        return derm_err_set(err, DERM_EINTERNAL, "derm_xdmf_create: NULL argument");
    *out = NULL;
    struct derm_xdmf *x = calloc(1, sizeof *x);
    if (!x) return derm_err_set(err, DERM_ENOMEM, "cannot allocate the sidecar %s", xdmf_path);
    const char *base = strrchr(h5_path, '/');
    x->path = dup_str(xdmf_path);
    x->h5_base = dup_str(base ? base + 1 : h5_path);
    char cwd[2048];
    if (xdmf_path[0] != '/' && getcwd(cwd, sizeof cwd))
        snprintf(x->abs_path, sizeof x->abs_path, "%s/%s", cwd, xdmf_path);
    else
        snprintf(x->abs_path, sizeof x->abs_path, "%s", xdmf_path);
    x->g = *g;
    x->fields = fields;
    x->agents = agents;
    if (!x->path || !x->h5_base) {
        derm_xdmf_free(x);
        return derm_err_set(err, DERM_ENOMEM, "cannot allocate the sidecar %s", xdmf_path);
    }
    char view[4200];
    size_t n = strlen(xdmf_path);
    const char *ext = n > 5 && !strcmp(xdmf_path + n - 5, ".xdmf") ? xdmf_path + n - 5 : xdmf_path + n;
    snprintf(view, sizeof view, "%.*s_paraview.py", (int)(ext - xdmf_path), xdmf_path);
    derm_status st = write_atomic(view, view_script, x, err);
    if (st == DERM_OK) st = write_atomic(x->path, sidecar, x, err);
    if (st != DERM_OK) {
        derm_xdmf_free(x);
        return st;
    }
    *out = x;
    return DERM_OK;
}

/* Record one frame (no rewrite). */
static derm_status push_frame(struct derm_xdmf *x, double time_day, double age_years, int64_t nagents,
                              struct derm_err *err)
{
    if (x->nframes == x->cap) {
        int64_t cap = x->cap ? 2 * x->cap : 64;
        struct xdmf_frame *p = realloc(x->frames, (size_t)cap * sizeof *p);
        if (!p) return derm_err_set(err, DERM_ENOMEM, "%s: cannot grow the frame list", x->path);
        x->frames = p;
        x->cap = cap;
    }
    if (!x->agents) nagents = 0;
    x->frames[x->nframes++] = (struct xdmf_frame){time_day, age_years, x->agent_rows, nagents};
    x->agent_rows += nagents;
    return DERM_OK;
}

derm_status derm_xdmf_add_frame(struct derm_xdmf *x, double time_day, double age_years, int64_t nagents,
                                struct derm_err *err)
{
    if (!x) return derm_err_set(err, DERM_EINTERNAL, "derm_xdmf_add_frame: NULL sidecar");
    DERM_TRY(push_frame(x, time_day, age_years, nagents, err));
    return write_atomic(x->path, sidecar, x, err);
}

derm_status derm_xdmf_add_frames(struct derm_xdmf *x, int64_t n, const double *time_day, const double *age_years,
                                 const int64_t *nagents, struct derm_err *err)
{
    if (!x || (n > 0 && (!time_day || !age_years)))
        return derm_err_set(err, DERM_EINTERNAL, "derm_xdmf_add_frames: NULL argument");
    for (int64_t k = 0; k < n; k++) DERM_TRY(push_frame(x, time_day[k], age_years[k], nagents ? nagents[k] : 0, err));
    return write_atomic(x->path, sidecar, x, err);
}

int64_t derm_xdmf_frames(const struct derm_xdmf *x) { return x ? x->nframes : 0; }

void derm_xdmf_free(struct derm_xdmf *x)
{
    if (!x) return;
    free(x->path);
    free(x->h5_base);
    free(x->frames);
    free(x);
}
