/* crc.h - CRC-32 checksums of byte strings.
 *
 * Owns: derm_crc_32, the CRC-32 of IEEE 802.3 (polynomial 0xEDB88320, reflected, initial
 * and final XOR 0xFFFFFFFF), bit-identical to zlib.crc32 / binascii.crc32 in Python, so a
 * notebook can recompute any checksum dermsim writes (the run file's row and frame
 * checksums, the sweep plan's record of base.yaml).
 * Does not: detect deliberate tampering (it is not a cryptographic hash).
 */
#ifndef DERM_CORE_CRC_H
#define DERM_CORE_CRC_H

#include <stddef.h>
#include <stdint.h>

/** CRC-32 of n bytes at data, continuing from `crc` (0 to start a new checksum). */
uint32_t derm_crc_32(uint32_t crc, const void *data, size_t n);

#endif
