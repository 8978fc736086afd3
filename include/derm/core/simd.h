/* simd.h - function multi-versioning for the vectorised voxel loops, and a prefetch hint.
 *
 * Owns:
 * - DERM_SIMD_CLONES, put before a function whose loops should also be built for AVX2. On
 *   x86-64 with GCC the function is compiled twice, for AVX2 and for the x86-64 baseline
 *   (SSE2), and the loader picks the AVX2 copy where the processor has it (target_clones:
 *   one portable binary, no -march). ISO C builds (-std=c11) use -ffp-contract=off, so no
 *   multiplication and addition are fused into an FMA and every copy gives the same bits.
 *   Elsewhere, with other compilers, or with -DDERM_NO_CLONES, the macro is empty. Used by
 *   the MMP-susceptibility weights, the box filters' row, layer and block kernels
 *   (model/coupling.c) and the prolongation of coarse signals (solve/signal_grids.c).
 * - DERM_SIMD_CLONES_512, the same with a third copy for AVX-512F (512-bit vectors), picked
 *   where the processor has it. Used by the matrix kernel's strip passes (model/matrix.c),
 *   which are bound by arithmetic: measured on the 2-core AMD EPYC development machines
 *   (Zen 5, full-width AVX-512), the matrix phase took 8-11 % less time than with the AVX2
 *   copy, the same bits. The box filters and the prolongation, bound by memory, were slower
 *   with it (the deposition phase +13 %) and keep DERM_SIMD_CLONES.
 * The loader runs one copy per processor, so unit tests see only that one: with
 * -DDERM_SIMD_ONLY_AVX2 the macros build the AVX2 copy alone, and with -DDERM_NO_CLONES the
 * baseline alone (test_matrix_avx2 and test_matrix_sse2, CMakeLists.txt).
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
#if defined(DERM_SIMD_ONLY_AVX2) /* one copy, for AVX2 (tests: the copy an AVX-512 machine skips) */
#define DERM_SIMD_CLONES __attribute__((target("avx2")))
#define DERM_SIMD_CLONES_512 DERM_SIMD_CLONES
#else
#define DERM_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#define DERM_SIMD_CLONES_512 __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#else
#define DERM_SIMD_CLONES
#define DERM_SIMD_CLONES_512
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DERM_PREFETCH(p) __builtin_prefetch(p)
#else
#define DERM_PREFETCH(p) ((void)(p))
#endif

/* How many agent rows ahead the agent loops prefetch their voxels' fields. */
#define DERM_PREFETCH_ROWS 8

#endif
