/* Base32: RFC 4648 section 10 vectors, random round trips, lenient input (case, spaces,
 * hyphens, padding), strict refusal of everything else, buffer sizes and grouping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base32.h"
#include "pt_error.h"
#include "totp.h"

static const struct {
    const char *plain;
    const char *padded;   /* RFC 4648 section 10 */
    const char *unpadded; /* what we write */
} rfc[] = {
    { "", "", "" },
    { "f", "MY======", "MY" },
    { "fo", "MZXQ====", "MZXQ" },
    { "foo", "MZXW6===", "MZXW6" },
    { "foob", "MZXW6YQ=", "MZXW6YQ" },
    { "fooba", "MZXW6YTB", "MZXW6YTB" },
    { "foobar", "MZXW6YTBOI======", "MZXW6YTBOI" },
};
#define NRFC (sizeof(rfc) / sizeof(rfc[0]))

static void decode_ok(const char *in, const char *want, size_t wantlen)
{
    uint8_t out[128];
    size_t n = 999;
    int rc = pt_base32_decode(in, out, sizeof(out), &n);
    if (rc != PT_OK)
        fail_msg("decoding \"%s\" failed: %d", in, rc);
    assert_int_equal(n, wantlen);
    assert_memory_equal(out, want, wantlen);
}

static void decode_bad(const char *in)
{
    uint8_t out[128];
    size_t n = 999;
    int rc = pt_base32_decode(in, out, sizeof(out), &n);
    if (rc != PT_ERR_INVAL)
        fail_msg("decoding \"%s\" gave %d, expected PT_ERR_INVAL", in, rc);
    assert_int_equal(n, 0);
}

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < NRFC; i++) {
        size_t n = strlen(rfc[i].plain);
        char enc[64];
        assert_int_equal(pt_base32_encoded_len(n), strlen(rfc[i].unpadded));
        assert_int_equal(pt_base32_encode((const uint8_t *)rfc[i].plain, n, enc, sizeof(enc)),
                         PT_OK);
        assert_string_equal(enc, rfc[i].unpadded);
        decode_ok(rfc[i].padded, rfc[i].plain, n);
        decode_ok(rfc[i].unpadded, rfc[i].plain, n);
    }
}

static void test_random_round_trips(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        uint8_t in[130], back[130], len8;
        assert_int_equal(pt_random_bytes(&len8, 1), PT_OK);
        size_t n = len8 % sizeof(in);
        assert_int_equal(pt_random_bytes(in, n), PT_OK);
        char enc[256];
        assert_int_equal(pt_base32_encode(in, n, enc, sizeof(enc)), PT_OK);
        assert_int_equal(strlen(enc), pt_base32_encoded_len(n));
        assert_int_equal(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), strlen(enc));
        size_t got = 999;
        assert_int_equal(pt_base32_decode(enc, back, n, &got), PT_OK); /* exact size suffices */
        assert_int_equal(got, n);
        assert_memory_equal(back, in, n);
    }
}

static void test_lenient_input(void **state)
{
    (void)state;
    decode_ok("mzxw6ytboi", "foobar", 6);
    decode_ok("MzXw6YtBoI", "foobar", 6);
    decode_ok("MZXW 6YTB OI", "foobar", 6);
    decode_ok("mzxw-6ytb-oi", "foobar", 6);
    decode_ok("  MZXW6YTBOI  ", "foobar", 6);
    decode_ok("M-Z X--W6YTBOI", "foobar", 6);
    decode_ok("MZXW6YTBOI====== ", "foobar", 6);
    decode_ok("MZXW6YTBOI=", "foobar", 6);
    decode_ok("jbsw y3dp ehpk 3pxp", "Hello!\xde\xad\xbe\xef", 10);
    decode_ok("   ", "", 0);
}

static void test_bad_input(void **state)
{
    (void)state;
    /* Characters outside the alphabet: 0, 1, 8, 9 and punctuation, tabs, newlines, UTF-8. */
    const char *bad[] = { "MZXW0YTB", "MZXW1YTB", "MZXW8YTB", "MZXW9YTB", "MZXW6YTB!", "MZXW.6YTB",
                          "MZXW\t6YTB", "MZXW6YTB\n", "MZXW_YTB", "MZXW6YTBÖ", "MZ=XW6YTB",
                          "=MZXW6YTB", "MZXW6YTB=A", "MZ+XW6YTB", "MZXW6YTB\r",
                          /* lengths that are no whole number of bytes: 1, 3, 6 (mod 8) */
                          "M", "MZX", "MZXW6Y", "MZXW6YTBM", "MZXW6YTBMZX", "MZXW6YTBMZXW6Y",
                          /* non-zero leftover bits: a second spelling of the same bytes */
                          "MZ", "MZXR", "MZXW7", "MZXW6YR", "MZXW6YTBOJ" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        decode_bad(bad[i]);

    uint8_t out[8];
    size_t n;
    assert_int_equal(pt_base32_decode(NULL, out, sizeof(out), &n), PT_ERR_INVAL);
    assert_int_equal(pt_base32_decode("MY", NULL, sizeof(out), &n), PT_ERR_INVAL);
    assert_int_equal(pt_base32_decode("MY", out, sizeof(out), NULL), PT_ERR_INVAL);
}

static void test_buffer_sizes(void **state)
{
    (void)state;
    uint8_t out[6];
    size_t n = 999;
    assert_int_equal(pt_base32_decode("MZXW6YTBOI", out, 5, &n), PT_ERR_TOOBIG);
    assert_int_equal(n, 0);
    assert_int_equal(pt_base32_decode("MZXW6YTBOI", out, 6, &n), PT_OK);
    assert_int_equal(n, 6);
    /* A bad string is reported as bad even when it is also too long. */
    assert_int_equal(pt_base32_decode("MZXW6YTBOI!", out, 1, &n), PT_ERR_INVAL);

    char enc[11];
    assert_int_equal(pt_base32_encode((const uint8_t *)"foobar", 6, enc, 10), PT_ERR_TOOBIG);
    assert_int_equal(pt_base32_encode((const uint8_t *)"foobar", 6, enc, 11), PT_OK);
    assert_string_equal(enc, "MZXW6YTBOI");
    assert_int_equal(pt_base32_encode((const uint8_t *)"", 0, enc, 1), PT_OK);
    assert_string_equal(enc, "");
    assert_int_equal(pt_base32_encode((const uint8_t *)"f", 1, enc, 0), PT_ERR_TOOBIG);

    assert_int_equal(pt_base32_encoded_len(20), 32);
    assert_int_equal(pt_base32_encoded_len(32), 52);
    assert_int_equal(pt_base32_encoded_len(64), 103);
    assert_int_equal(pt_base32_encoded_len(SIZE_MAX), SIZE_MAX);
}

static void test_grouping(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(pt_base32_group("JBSWY3DPEHPK3PXP", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "JBSW Y3DP EHPK 3PXP");
    assert_int_equal(pt_base32_group("MZXW6YTBOI", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "MZXW 6YTB OI");
    assert_int_equal(pt_base32_group("MZXW", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "MZXW");
    assert_int_equal(pt_base32_group("", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "");

    /* "MZXW 6YTB OI" needs 13 bytes with its NUL. */
    assert_int_equal(pt_base32_group("MZXW6YTBOI", out, 12), PT_ERR_TOOBIG);
    assert_int_equal(pt_base32_group("MZXW6YTBOI", out, 13), PT_OK);
    assert_string_equal(out, "MZXW 6YTB OI");

    /* Grouped text decodes back to the same bytes. */
    uint8_t key[64], back[64];
    char enc[128], grouped[160];
    assert_int_equal(pt_random_bytes(key, sizeof(key)), PT_OK);
    assert_int_equal(pt_base32_encode(key, sizeof(key), enc, sizeof(enc)), PT_OK);
    assert_int_equal(pt_base32_group(enc, grouped, sizeof(grouped)), PT_OK);
    size_t n;
    assert_int_equal(pt_base32_decode(grouped, back, sizeof(back), &n), PT_OK);
    assert_int_equal(n, sizeof(key));
    assert_memory_equal(back, key, sizeof(key));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors), cmocka_unit_test(test_random_round_trips),
        cmocka_unit_test(test_lenient_input),   cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_buffer_sizes),    cmocka_unit_test(test_grouping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
