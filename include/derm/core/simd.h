/* simd.h - function multi-versioning for the vectorised voxel loops, and a prefetch hint.
 *
 * Owns:
 * - DERM_SIMD_CLONES, put before a function whose loops should also be built for AVX2. On
 *   x86-64 with GCC the function is compiled twice, for AVX2 and for the x86-64 baseline
 *   (SSE2), and the loader picks the AVX2 copy where the processor has it (target_clones:
 *   one portable binary, no -march). AVX2 does not include FMA, and ISO C builds (-std=c11)
 *   use -ffp-contract=off, so both copies give the same bits. Elsewhere, with other
 *   compilers, or with -DDERM_NO_CLONES, the macro is empty. Used by the matrix kernel's
 *   strip passes, the MMP-susceptibility weights, the box filters' row, layer and block
 *   kernels (model/coupling.c) and the prolongation of coarse signals (solve/signal_grids.c).
 * - DERM_PREFETCH(p), a hint that the element at p will be read soon: agent loops read the
 *   fields at their cells' voxels in row order, which is random in space, so each read
 *   misses the cache unless it was asked for ahead. It changes no result.
 * Does not: vectorise anything by itself (the loops carry `#pragma omp simd`; the files whose
 * loops select between two computed arms, matrix.c and readouts.c, are compiled with
 * -fno-trapping-math so that both arms may be evaluated, CMakeLists.txt).
 */
#ifndef DERM_CORE_SIMD_H
#define DERM_CORE_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(DERM_NO_CLONES)
#define DERM_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DERM_SIMD_CLONES
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DERM_PREFETCH(p) __builtin_prefetch(p)
#else
#define DERM_PREFETCH(p) ((void)(p))
#endif

/* How many agent rows ahead the agent loops prefetch their voxels' fields. */
#define DERM_PREFETCH_ROWS 8

#endif
