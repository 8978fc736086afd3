/* crc.c - CRC-32 (see crc.h): libdeflate's libdeflate_crc32, the same polynomial,
 * conditioning and values as zlib's crc32 (and Python's zlib.crc32, which the readers use).
 * The byte-at-a-time table this file held took 9.5 ms for a frame's 4 MB field, zlib's
 * crc32 0.72 ms (2026-12-04); libdeflate folds with carry-less multiplication where the CPU
 * has it (PCLMULQDQ), several times faster again. libdeflate already deflates the frames. */
#include "derm/core/crc.h"

#include <libdeflate.h>

uint32_t derm_crc_32(uint32_t crc, const void *data, size_t n) { return libdeflate_crc32(crc, data, n); }
