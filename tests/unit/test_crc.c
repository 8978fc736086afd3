/* test_crc.c - core/crc: the CRC-32 of IEEE 802.3, as zlib.crc32 and binascii.crc32 compute
 * it in a notebook.
 * - the standard check value (CRC-32 of "123456789" is 0xCBF43926) and of the empty string;
 * - equality with the bitwise definition (reflected polynomial 0xEDB88320, initial and
 *   final XOR 0xFFFFFFFF) on 4099 bytes of every alignment and length up to 64;
 * - continuing from a previous value gives the checksum of the concatenation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "derm/core/crc.h"

/* One bit at a time, from the definition. */
static uint32_t crc_bitwise(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void test_check_values(void **state)
{
    (void)state;
    assert_int_equal(derm_crc_32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(derm_crc_32(0, "", 0), 0u);
    assert_int_equal(derm_crc_32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
}

static void test_matches_definition(void **state)
{
    (void)state;
    enum { N = 4099 };
    static unsigned char buf[N + 8];
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    for (size_t off = 0; off < 8; off++) {
        assert_int_equal(derm_crc_32(0, buf + off, N), crc_bitwise(buf + off, N));
        for (size_t n = 0; n <= 64; n++) assert_int_equal(derm_crc_32(0, buf + off, n), crc_bitwise(buf + off, n));
    }
    /* continuing = the checksum of the concatenation, at any split */
    for (size_t cut = 0; cut <= N; cut += 409)
        assert_int_equal(derm_crc_32(derm_crc_32(0, buf, cut), buf + cut, N - cut), crc_bitwise(buf, N));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_matches_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
