/* fields.h - the registry and storage of every per-voxel quantity.
 *
 * Owns: the field registry (X-macros below: name, units, long name), one contiguous
 * double array per field in grid index order (see grid.h), allocation and release.
 * Matrix fields do not diffuse; signal fields are solved by solve/diffusion.c.
 * Does not: know kinetics (model/matrix.c) or cells (model/fibroblast.c).
 *
 * Units: matrix in mg/mL (= mg per cm^3 of dermis); AGE as the amount carried by the
 * collagen in the voxel (pmol/mL), so AGE per collagen = age_amount / collagen
 * (pmol/mg); signals in au (1 = young-adult mean level, see the signal registry below).
 */
#ifndef DERM_STORE_FIELDS_H
#define DERM_STORE_FIELDS_H

#include <stdint.h>

#include "derm/core/grid.h"
#include "derm/core/real.h"
#include "derm/core/status.h"

/* X(id, name, units, long_name) */
#define DERM_MATRIX_FIELDS(X)                                                                                  \
    X(COLLAGEN_INTACT, "collagen_intact", "mg/mL", "intact (load-bearing) collagen")                           \
    X(COLLAGEN_FRAGMENTED, "collagen_fragmented", "mg/mL", "MMP-cleaved collagen fragments")                   \
    X(AGE_AMOUNT, "age_amount", "pmol/mL", "AGE cross-links carried by collagen")                              \
    X(ELASTIN_FUNCTIONAL, "elastin_functional", "mg/mL", "functional elastic fibres")                          \
    X(ELASTIN_ELASTOTIC, "elastin_elastotic", "mg/mL", "elastotic (tangled, non-functional) elastic material") \
    X(HA_HMW, "ha_hmw", "mg/mL", "high-molecular-weight hyaluronan")                                           \
    X(HA_LMW, "ha_lmw", "mg/mL", "low-molecular-weight hyaluronan fragments")                                  \
    X(ELASTIN_AGE_AMOUNT, "elastin_age_amount", "pmol/mL", "AGE cross-links carried by elastic fibres")

/* The signal registry: one row per diffusing signal. It generates the signal field, its
 * three parameters (signals.<name>.diffusion_um2_per_s, .half_life_h, .young_level, with
 * these defaults), the solver constants and the `<name>_mean` total.
 * X(id, name, long_name, D_um2_per_s, half_life_h, young_level, source)
 * Units: D in um^2/s, half-life in h, levels in au (1 = young-adult mean). Cytokine
 * diffusion and half-lives in dermis are poorly measured: kept within an order of
 * magnitude of the values cited (VALIDATION "Parameters with literature values"). */
#define DERM_SIGNALS(X)                                                                                         \
    X(TGFB, "tgfb", "TGF-beta", 5, 2, 1,                                                                        \
      "25 kDa; effective ECM diffusion 1-10 um^2/s with binding; active half-life minutes, latent "             \
      "reservoir gives hours (Wakefield 1990)")                                                                 \
    X(MMP1, "mmp1", "MMP-1 (interstitial collagenase)", 10, 24, 1,                                              \
      "free 60-80 um^2/s, much slower on fibrils (Saffarian 2004); protein half-life ~1 d (estimate)")          \
    X(MMP3, "mmp3", "MMP-3 (stromelysin-1)", 10, 24, 1, "as MMP-1 (estimate)")                                  \
    X(TIMP, "timp", "TIMP-1 (tissue inhibitor of metalloproteinases)", 15, 24, 1, "28 kDa inhibitor; estimate") \
    X(ROS, "ros", "reactive oxygen species", 0, 0.001, 1,                                                       \
      "H2O2 half-life ~1 ms, acts within micrometres (Andres 2022): D = 0 treats ROS as local to its "          \
      "voxel, as it is at voxel scale")                                                                         \
    X(IL, "il", "inflammatory interleukins (IL-1, IL-6)", 20, 6, 1, "17-26 kDa cytokines; estimate")            \
    X(GF, "gf", "growth factors (FGF, EGF, IGF)", 20, 12, 1, "estimate")                                        \
    X(CHEMOKINE, "chemokine", "chemokines", 30, 4, 1, "8-10 kDa, fast; estimate")                               \
    X(EXOSOME, "exosome", "exosomes / extracellular vesicles", 0.05, 48, 0,                                     \
      "30-150 nm vesicles diffuse slowly in ECM; estimate; none made by resident cells")

/* X(id, name, units, long_name) ; per-voxel state that neither diffuses nor is matrix:
 * exposure records and derived readouts written with the fields */
#define DERM_STATE_FIELDS(X)                                                                       \
    X(UV_DOSE, "uv_dose", "SED", "cumulative erythemal UV dose reaching the voxel (UVB + UVA)")    \
    X(UVA_DOSE, "uva_dose", "SED", "cumulative erythemal UVA dose reaching the voxel")             \
    X(MMP1_ACTIVITY, "mmp1_activity", "au", "TIMP-inhibited MMP-1 activity (1 at young baseline)") \
    X(UV_MEMORY, "uv_memory", "SED/day", "dermal UV dose rate averaged over uv.endo180_memory_days")

enum derm_matrix_id {
#define DERM_X_ID(id, name, units, ln) DERM_M_##id,
    DERM_MATRIX_FIELDS(DERM_X_ID)
#undef DERM_X_ID
        DERM_NMATRIX
};

enum derm_signal_id {
#define DERM_X_ID(id, name, ln, D, hl, lvl, src) DERM_S_##id,
    DERM_SIGNALS(DERM_X_ID)
#undef DERM_X_ID
        DERM_NSIGNAL
};

enum derm_state_id {
#define DERM_X_ID(id, name, units, ln) DERM_ST_##id,
    DERM_STATE_FIELDS(DERM_X_ID)
#undef DERM_X_ID
        DERM_NSTATE
};

/** The UV records: states that stay +0 until UV first reaches the dermis, so a simulation
 *  leaves them unallocated until then (derm_fields_init's absent_states; sim/sim.h
 *  derm_sim_uv_records). Bit s for state s. */
#define DERM_ST_UV_RECORDS ((1u << DERM_ST_UV_DOSE) | (1u << DERM_ST_UVA_DOSE) | (1u << DERM_ST_UV_MEMORY))

/** Total number of output fields: matrix first, then signals, then state. */
#define DERM_NFIELDS (DERM_NMATRIX + DERM_NSIGNAL + DERM_NSTATE)

struct derm_field_desc {
    const char *name, *units, *long_name;
    int is_signal;
};

/** Registry entry for field f in [0, DERM_NFIELDS): matrix ids, then DERM_NMATRIX + signal id,
 *  then DERM_NMATRIX + DERM_NSIGNAL + state id. */
const struct derm_field_desc *derm_field_desc(int f);

/** Makes the values of a field kept without an array: out[0 .. len) = field id's values
 *  (registry numbering) at voxels q0 .. q0 + len - 1, all in one x row of the grid. Safe to
 *  call from many threads at once; 0, or -1 if it ran out of memory. */
typedef int derm_fields_make_fn(const void *ctx, int id, int64_t q0, int64_t len, derm_real *out);

struct derm_fields {
    struct derm_grid grid;
    derm_real *matrix[DERM_NMATRIX]; /* each grid.n values */
    derm_real *signal[DERM_NSIGNAL]; /* each grid.n values, or NULL: made by `make` */
    derm_real *state[DERM_NSTATE];   /* each grid.n values, or NULL: made by `make` */
    derm_fields_make_fn *make;       /* the values of the fields whose arrays are NULL (or NULL) */
    const void *make_ctx;            /* its first argument */
};

/** Allocate zeroed storage for every field but the states whose bits are set in
 *  absent_states (bit s: state s left NULL, for the caller's `make`). */
derm_status derm_fields_init(struct derm_fields *f, const struct derm_grid *g, unsigned absent_states,
                             struct derm_err *err);
void derm_fields_fini(struct derm_fields *f);

/** Pointer to field f (registry numbering): NULL for one made when read (f->make). */
derm_real *derm_fields_get(const struct derm_fields *f, int id);

#endif
