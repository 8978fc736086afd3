/* fields.h - the registry and storage of every per-voxel quantity.
 *
 * Owns: the field registry (X-macros below: name, units, long name), one contiguous
 * double array per field in grid index order (see grid.h), allocation and release.
 * Matrix fields do not diffuse; signal fields are solved by diffusion.c.
 * Does not: know kinetics (ecm.c) or cells (cells.c).
 *
 * Units: matrix in mg/mL (= mg per cm^3 of dermis); AGE as the amount carried by the
 * collagen in the voxel (pmol/mL), so AGE per collagen = age_amount / collagen
 * (pmol/mg); signals in au (1 = young-adult mean level, see params.def).
 */
#ifndef DERM_FIELDS_H
#define DERM_FIELDS_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/status.h"

/* X(id, name, units, long_name) */
#define DERM_MATRIX_FIELDS(X)                                                          \
    X(COLLAGEN_INTACT, "collagen_intact", "mg/mL", "intact (load-bearing) collagen")    \
    X(COLLAGEN_FRAGMENTED, "collagen_fragmented", "mg/mL", "MMP-cleaved collagen fragments") \
    X(AGE_AMOUNT, "age_amount", "pmol/mL", "AGE cross-links carried by collagen")        \
    X(ELASTIN_FUNCTIONAL, "elastin_functional", "mg/mL", "functional elastic fibres")   \
    X(ELASTIN_ELASTOTIC, "elastin_elastotic", "mg/mL", "elastotic (tangled, non-functional) elastic material") \
    X(HA_HMW, "ha_hmw", "mg/mL", "high-molecular-weight hyaluronan")                    \
    X(HA_LMW, "ha_lmw", "mg/mL", "low-molecular-weight hyaluronan fragments")          \
    X(ELASTIN_AGE_AMOUNT, "elastin_age_amount", "pmol/mL", "AGE cross-links carried by elastic fibres")

/* X(id, name, units, long_name) ; order matches the signals.* parameters */
#define DERM_SIGNAL_FIELDS(X)                                                  \
    X(TGFB, "tgfb", "au", "TGF-beta")                                          \
    X(MMP1, "mmp1", "au", "MMP-1 (interstitial collagenase)")                  \
    X(MMP3, "mmp3", "au", "MMP-3 (stromelysin-1)")                             \
    X(TIMP, "timp", "au", "TIMP-1 (tissue inhibitor of metalloproteinases)")   \
    X(ROS, "ros", "au", "reactive oxygen species")                             \
    X(IL, "il", "au", "inflammatory interleukins (IL-1, IL-6)")                \
    X(GF, "gf", "au", "growth factors (FGF, EGF, IGF)")                        \
    X(CHEMOKINE, "chemokine", "au", "chemokines")                              \
    X(EXOSOME, "exosome", "au", "exosomes / extracellular vesicles")

/* X(id, name, units, long_name) ; per-voxel state that neither diffuses nor is matrix:
 * exposure records and derived readouts written with the fields */
#define DERM_STATE_FIELDS(X)                                                                     \
    X(UV_DOSE, "uv_dose", "SED", "cumulative erythemal UV dose reaching the voxel (UVB + UVA)")   \
    X(UVA_DOSE, "uva_dose", "SED", "cumulative erythemal UVA dose reaching the voxel")            \
    X(MMP1_ACTIVITY, "mmp1_activity", "au", "TIMP-inhibited MMP-1 activity (1 at young baseline)")

enum derm_matrix_id {
#define DERM_X_ID(id, name, units, ln) DERM_M_##id,
    DERM_MATRIX_FIELDS(DERM_X_ID)
#undef DERM_X_ID
        DERM_NMATRIX
};

enum derm_signal_id {
#define DERM_X_ID(id, name, units, ln) DERM_S_##id,
    DERM_SIGNAL_FIELDS(DERM_X_ID)
#undef DERM_X_ID
        DERM_NSIGNAL
};

enum derm_state_id {
#define DERM_X_ID(id, name, units, ln) DERM_ST_##id,
    DERM_STATE_FIELDS(DERM_X_ID)
#undef DERM_X_ID
        DERM_NSTATE
};

/** Total number of output fields: matrix first, then signals, then state. */
#define DERM_NFIELDS (DERM_NMATRIX + DERM_NSIGNAL + DERM_NSTATE)

struct derm_field_desc {
    const char *name, *units, *long_name;
    int is_signal;
};

/** Registry entry for field f in [0, DERM_NFIELDS): matrix ids, then DERM_NMATRIX + signal id,
 *  then DERM_NMATRIX + DERM_NSIGNAL + state id. */
const struct derm_field_desc *derm_field_desc(int f);

struct derm_fields {
    struct derm_grid grid;
    double *matrix[DERM_NMATRIX]; /* each grid.n doubles */
    double *signal[DERM_NSIGNAL]; /* each grid.n doubles */
    double *state[DERM_NSTATE];   /* each grid.n doubles */
};

/** Allocate zeroed storage for every field. */
derm_status derm_fields_init(struct derm_fields *f, const struct derm_grid *g, struct derm_err *err);
void derm_fields_fini(struct derm_fields *f);

/** Pointer to field f (registry numbering). */
double *derm_fields_get(const struct derm_fields *f, int id);

#endif
