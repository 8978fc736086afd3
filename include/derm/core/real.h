/* real.h - the storage type of per-voxel arrays.
 *
 * Owns: derm_real, the type of every field-like array (matrix, signal and state fields, the
 * sources, deposits and scratch of the voxel grid, the coarse signal grids' states and
 * sources): double in the default build, float in the memory-lean build (CMake option
 * DERM_LEAN, which defines DERM_LEAN=1 and builds `dermsim-lean`). Arithmetic is always in
 * double: values are widened when read and rounded once when stored, so the lean build
 * differs from the default only by the rounding of stored values (about 6e-8 relative per
 * store). The solver's transform buffers (and, in the default build, its multipliers), the
 * per-layer and the per-agent arrays stay double in both builds. DERM_REAL_NAME names the
 * type for run files and messages.
 */
#ifndef DERM_CORE_REAL_H
#define DERM_CORE_REAL_H

#include <float.h>

#if defined(DERM_LEAN) && DERM_LEAN
typedef float derm_real;
#define DERM_REAL_NAME "float32"
#define DERM_REAL_IS_FLOAT 1
#define DERM_REAL_MAX FLT_MAX
#else
typedef double derm_real;
#define DERM_REAL_NAME "float64"
#define DERM_REAL_IS_FLOAT 0
#define DERM_REAL_MAX DBL_MAX
#endif

#endif
