/* grid.h - geometry of the dermal voxel grid and the one index function.
 *
 * Index order everywhere (memory, HDF5, XDMF): idx = (k * ny + j) * nx + i with
 * i along x (fastest, lateral), j along y (lateral), k along z (depth below the DEJ,
 * k = 0 at the dermal-epidermal junction). Cell centres are at ((i+0.5) h, (j+0.5) h,
 * (k+0.5) h) um. x and y are periodic; z is bounded by the DEJ (no flux) at the top and
 * by the configured boundary at the bottom.
 */
#ifndef DERM_CORE_GRID_H
#define DERM_CORE_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "derm/core/real.h"

#include "derm/core/status.h"

struct derm_grid {
    int64_t nx, ny, nz; /* voxels along x, y, z */
    double h_um;        /* voxel edge length, um */
    int64_t n;          /* nx * ny * nz */
};

static inline int64_t derm_grid_idx(const struct derm_grid *g, int64_t i, int64_t j, int64_t k)
{
    return (k * g->ny + j) * g->nx + i;
}

/** Voxel containing point (x, y, z) in um; x, y wrapped periodically, z clamped. */
int64_t derm_grid_voxel_of(const struct derm_grid *g, double x, double y, double z);

/** Initialise a grid; DERM_ECONFIG if sizes are invalid or the voxel count overflows. */
derm_status derm_grid_init(struct derm_grid *g, int64_t nx, int64_t ny, int64_t nz, double h_um, struct derm_err *err);

/** Domain extents in um. */
static inline double derm_grid_lx(const struct derm_grid *g) { return (double)g->nx * g->h_um; }
static inline double derm_grid_ly(const struct derm_grid *g) { return (double)g->ny * g->h_um; }
static inline double derm_grid_lz(const struct derm_grid *g) { return (double)g->nz * g->h_um; }
/** Voxel volume in mm^3. */
static inline double derm_grid_voxel_mm3(const struct derm_grid *g) { return g->h_um * g->h_um * g->h_um * 1e-9; }

/** Thickness (um) of depth layer k that lies inside [0, top_um). */
static inline double derm_grid_layer_inside(const struct derm_grid *g, int64_t k, double top_um)
{
    const double z0 = (double)k * g->h_um, z1 = z0 + g->h_um;
    return z1 <= top_um ? g->h_um : (z0 < top_um ? top_um - z0 : 0.0);
}

/** x += scale x per_layer[k] in every voxel of depth layer k (layers adding 0 untouched). */
void derm_grid_add_layers(const struct derm_grid *g, const double *per_layer, double scale, derm_real *x);

/** s[j] = p[j][0] + p[j][1] + ... + p[j][len-1], added one by one in index order from 0.0,
 *  for j = 0..7 in one pass: eight independent chains of additions, which hide the adder's
 *  latency that bounds one serial sum. Pointers may repeat (a short group repeats its last
 *  array: read from cache). The building block of the ordered sums below and of the totals'
 *  layer sums. */
void derm_grid_sums8(const derm_real *const p[8], int64_t len, double s[8]);

/** derm_grid_sums8 continuing each chain from s[j] instead of 0.0: the sums of an array
 *  made part by part (strips, say) in index order have the bits of one pass over it. */
void derm_grid_sums8_add(const derm_real *const p[8], int64_t len, double s[8]);

/** sum[j] = the sum of x[j][0 .. n-1] added one by one in index order from 0.0: the same
 *  bits as the plain serial loop, for any thread count. The k sums are split into about as
 *  many groups as threads, and each group adds up to eight arrays in one pass (independent
 *  chains of additions instead of one chain's latency). */
void derm_grid_sums_serial(const derm_real *const *x, int k, int64_t n, double *sum);

/** The largest common divisor f of nx, ny and nz with f h_um <= length_um (1 if none, or if
 *  length_um is not a positive finite number): the coarsest grid made of whole f x f x f
 *  blocks whose voxel is no longer than length_um. */
int64_t derm_grid_coarsening(const struct derm_grid *g, double length_um);

/* The layer rings of the box filters (model/coupling.c: derm_coupling_deposit_box and
 * derm_coupling_crowding_cells): the most bytes of scratch per thread they take by default,
 * and the largest radius summed over a ring; here so that the memory estimate
 * (io/params.c) counts them. */
#define DERM_GRID_RING_BYTES ((size_t)8 << 20)
#define DERM_GRID_RING_MAX_R 32

/* The lean build (float32 arrays, core/real.h) makes the cells' matrix deposits layer by layer
 * where the matrix kernel reads them, and holds no whole-grid array of them (sim/sim.c
 * matrix_deposits; model/coupling.h derm_coupling_layers); the default build keeps the
 * arrays. The same bits either way. */
#ifndef DERM_LAYER_DEPOSITS
#define DERM_LAYER_DEPOSITS DERM_REAL_IS_FLOAT
#endif

/** Bytes of the layer scratch one thread of those rings takes for nx x ny layers and radius
 *  r: a ring of 2r + 1 layers, a layer and a row of nx values (derm_real), then, from
 *  *off_acc (64-byte aligned), a row of nx sums (double), then, from *off_flags, ny flags.
 *  The one layout of model/coupling.c's allocation and io/params.c's estimate. */
size_t derm_grid_ring_bytes(int64_t nx, int64_t ny, int r, size_t *off_acc, size_t *off_flags);

/** Bytes of the scratch of one cursor of model/coupling.h's derm_coupling_layers for n values:
 *  n rings of 2r + 1 layers, a layer and a row of nx values, n output layers (derm_real),
 *  then, from *off_acc (64-byte aligned), a row of nx sums (double), then, from *off_flags,
 *  ny flags. The one layout of the cursor's allocation and io/params.c's estimate. */
size_t derm_grid_layers_bytes(int64_t nx, int64_t ny, int r, int n, size_t *off_acc, size_t *off_flags);

/** 1 if n deposits of radius r on an nx x ny x nz grid are worth making layer by layer on
 *  `threads` threads: 1 <= r <= DERM_GRID_RING_MAX_R, 1 <= n <= 3, and the threads' cursors
 *  (derm_grid_layers_bytes each) take at most half the n whole-grid arrays they replace. The
 *  one rule of sim/sim.c's choice and io/params.c's estimate. */
int derm_grid_layers_worth(int64_t nx, int64_t ny, int64_t nz, int r, int n, int threads);

#endif
