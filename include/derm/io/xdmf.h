/* xdmf.h - the ParaView sidecar of a run file (run.xdmf) and its first view
 * (run_paraview.py).
 *
 * Owns: the XDMF 2 text that lets ParaView's "XDMF Reader" load run.h5 over age: two
 * temporal collections, "fields" (a 3DCoRectMesh per frame whose cell attributes are
 * hyperslabs of the 4-D (frame, z, y, x) datasets) and "agents" (a Polyvertex per frame,
 * positions and every agent column as point attributes, hyperslabs of the ragged agent
 * table). Time is the subject's age in years. z is depth below the dermal-epidermal
 * junction, so in ParaView depth grows along +z; the view script turns the camera so that
 * depth points down the screen. The sidecar is rewritten atomically (PATH.tmp + rename)
 * after every frame, so it always describes what run.h5 holds.
 * Does not: touch HDF5 (io/output.c owns every HDF5 call and tells this module what each
 * frame holds), or decide when frames are written.
 */
#ifndef DERM_IO_XDMF_H
#define DERM_IO_XDMF_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"

struct derm_xdmf;

/** A sidecar at `xdmf_path` for the HDF5 file `h5_path` (referred to by its base name, so
 *  the two files move together). `fields`/`agents`: whether run.h5 stores the 4-D fields
 *  and the agent table. Writes the view script beside it (run.xdmf -> run_paraview.py)
 *  and an empty sidecar (no frames yet). */
derm_status derm_xdmf_create(struct derm_xdmf **out, const char *xdmf_path, const char *h5_path,
                             const struct derm_grid *g, int fields, int agents, struct derm_err *err);

/** Record the frame just appended to run.h5 (time in days, subject age in years, number
 *  of agent rows; these rows follow those of the earlier frames) and rewrite the sidecar. */
derm_status derm_xdmf_add_frame(struct derm_xdmf *x, double time_day, double age_years, int64_t nagents,
                                struct derm_err *err);

/** Record n frames already in run.h5 (a resumed or finished file: times in days, ages in
 *  years, agent rows per frame, NULL for none) and rewrite the sidecar once. */
derm_status derm_xdmf_add_frames(struct derm_xdmf *x, int64_t n, const double *time_day, const double *age_years,
                                 const int64_t *nagents, struct derm_err *err);

/** Number of frames recorded. */
int64_t derm_xdmf_frames(const struct derm_xdmf *x);

/** Release (the files stay). NULL is allowed. */
void derm_xdmf_free(struct derm_xdmf *x);

#endif
