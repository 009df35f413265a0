/* HOTP/TOTP: the RFC 4226 and RFC 6238 test vectors, the verification window, replay refusal,
 * reporting of the newest matching step, malformed answers, and the crypto helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_error.h"
#include "totp.h"

static const uint8_t key20[] = "12345678901234567890";
static const uint8_t key32[] = "12345678901234567890123456789012";
static const uint8_t key64[] = "1234567890123456789012345678901234567890123456789012345678901234";

static void hotp_or_fail(pt_alg alg, const uint8_t *key, size_t keylen, uint64_t counter,
                         unsigned digits, char out[PT_CODE_MAX + 1])
{
    assert_int_equal(pt_hotp(alg, key, keylen, counter, digits, out), PT_OK);
    assert_int_equal(strlen(out), digits);
}

/* RFC 4226 Appendix D. */
static void test_rfc4226_vectors(void **state)
{
    (void)state;
    static const char *const want[10] = { "755224", "287082", "359152", "969429", "338314",
                                          "254676", "287922", "162583", "399871", "520489" };
    for (uint64_t c = 0; c < 10; c++) {
        char code[PT_CODE_MAX + 1];
        hotp_or_fail(PT_ALG_SHA1, key20, 20, c, 6, code);
        assert_string_equal(code, want[c]);
    }
}

/* RFC 6238 Appendix B: period 30, 8 digits, a key of the hash's size for each algorithm. */
static const struct {
    int64_t t;
    pt_alg alg;
    const char *code;
} rfc6238[] = {
    { 59, PT_ALG_SHA1, "94287082" },           { 59, PT_ALG_SHA256, "46119246" },
    { 59, PT_ALG_SHA512, "90693936" },         { 1111111109, PT_ALG_SHA1, "07081804" },
    { 1111111109, PT_ALG_SHA256, "68084774" }, { 1111111109, PT_ALG_SHA512, "25091201" },
    { 1111111111, PT_ALG_SHA1, "14050471" },   { 1111111111, PT_ALG_SHA256, "67062674" },
    { 1111111111, PT_ALG_SHA512, "99943326" }, { 1234567890, PT_ALG_SHA1, "89005924" },
    { 1234567890, PT_ALG_SHA256, "91819424" }, { 1234567890, PT_ALG_SHA512, "93441116" },
    { 2000000000, PT_ALG_SHA1, "69279037" },   { 2000000000, PT_ALG_SHA256, "90698825" },
    { 2000000000, PT_ALG_SHA512, "38618901" }, { 20000000000, PT_ALG_SHA1, "65353130" },
    { 20000000000, PT_ALG_SHA256, "77737706" }, { 20000000000, PT_ALG_SHA512, "47863826" },
};

static const uint8_t *rfc_key(pt_alg alg, size_t *len)
{
    *len = pt_alg_secret_len(alg);
    return alg == PT_ALG_SHA1 ? key20 : alg == PT_ALG_SHA256 ? key32 : key64;
}

static void test_rfc6238_vectors(void **state)
{
    (void)state;
    assert_int_equal(sizeof(rfc6238) / sizeof(rfc6238[0]), 18);
    for (size_t i = 0; i < 18; i++) {
        size_t keylen;
        const uint8_t *key = rfc_key(rfc6238[i].alg, &keylen);
        char code[PT_CODE_MAX + 1];
        int64_t step = pt_totp_step(rfc6238[i].t, 30);
        hotp_or_fail(rfc6238[i].alg, key, keylen, (uint64_t)step, 8, code);
        assert_string_equal(code, rfc6238[i].code);

        /* The same value through the verifier, with no window. */
        int64_t matched = -7;
        assert_int_equal(pt_totp_verify(rfc6238[i].alg, key, keylen, 8, 30, rfc6238[i].t, 0, -1,
                                        rfc6238[i].code, &matched),
                         PT_TOTP_MATCH);
        assert_int_equal(matched, step);
    }
}

static void test_step(void **state)
{
    (void)state;
    assert_int_equal(pt_totp_step(0, 30), 0);
    assert_int_equal(pt_totp_step(29, 30), 0);
    assert_int_equal(pt_totp_step(30, 30), 1);
    assert_int_equal(pt_totp_step(59, 30), 1);
    assert_int_equal(pt_totp_step(1111111109, 30), 37037036);
    assert_int_equal(pt_totp_step(20000000000, 30), 666666666);
    assert_int_equal(pt_totp_step(-1, 30), -1); /* floor, not truncation */
    assert_int_equal(pt_totp_step(119, 60), 1);
}

/* The code for step s of the RFC SHA1 key, 6 digits. */
static void code_at(int64_t s, char out[PT_CODE_MAX + 1])
{
    hotp_or_fail(PT_ALG_SHA1, key20, 20, (uint64_t)s, 6, out);
}

static int verify6(int64_t now, unsigned window, int64_t after, const char *code, int64_t *m)
{
    return pt_totp_verify(PT_ALG_SHA1, key20, 20, 6, 30, now, window, after, code, m);
}

/* Steps -window..+window of now are accepted, one further either side is not. */
static void test_window_edges(void **state)
{
    (void)state;
    const int64_t now = 1700000015; /* mid-step */
    const int64_t cur = pt_totp_step(now, 30);
    char code[PT_CODE_MAX + 1];
    for (unsigned window = 0; window <= 3; window++) {
        for (int64_t d = -(int64_t)window - 1; d <= (int64_t)window + 1; d++) {
            code_at(cur + d, code);
            int64_t m = -7;
            int inside = d >= -(int64_t)window && d <= (int64_t)window;
            int rc = verify6(now, window, -1, code, &m);
            /* A far step could collide with a near one by chance (1 in 10^6): rule it out. */
            int collides = 0;
            for (int64_t e = -(int64_t)window; e <= (int64_t)window && !inside; e++) {
                char other[PT_CODE_MAX + 1];
                code_at(cur + e, other);
                collides |= strcmp(other, code) == 0;
            }
            assert_false(collides);
            if (inside) {
                assert_int_equal(rc, PT_TOTP_MATCH);
                assert_int_equal(m, cur + d);
            } else {
                assert_int_equal(rc, PT_TOTP_NOMATCH);
                assert_int_equal(m, -7); /* untouched */
            }
        }
    }
    /* The first and last second of the current step behave alike. */
    code_at(cur, code);
    int64_t m;
    assert_int_equal(verify6(cur * 30, 0, -1, code, &m), PT_TOTP_MATCH);
    assert_int_equal(verify6(cur * 30 + 29, 0, -1, code, &m), PT_TOTP_MATCH);
    assert_int_equal(verify6(cur * 30 + 30, 0, -1, code, &m), PT_TOTP_NOMATCH);
    assert_int_equal(verify6(cur * 30 - 1, 0, -1, code, &m), PT_TOTP_NOMATCH);
}

/* A step at or before after_step never matches: it is a replay. */
static void test_replay(void **state)
{
    (void)state;
    const int64_t now = 1700000015;
    const int64_t cur = pt_totp_step(now, 30);
    char code[PT_CODE_MAX + 1];
    int64_t m = -7;

    code_at(cur, code);
    assert_int_equal(verify6(now, 1, cur, code, &m), PT_TOTP_REPLAY);
    assert_int_equal(m, -7);
    assert_int_equal(verify6(now, 1, cur + 1, code, &m), PT_TOTP_REPLAY);
    assert_int_equal(verify6(now, 1, cur - 1, code, &m), PT_TOTP_MATCH);
    assert_int_equal(m, cur);

    code_at(cur - 1, code);
    assert_int_equal(verify6(now, 1, cur - 1, code, &m), PT_TOTP_REPLAY);
    assert_int_equal(verify6(now, 1, cur - 2, code, &m), PT_TOTP_MATCH);
    assert_int_equal(m, cur - 1);

    /* A code from the future is fine once, and then everything up to it is spent. */
    code_at(cur + 1, code);
    assert_int_equal(verify6(now, 1, cur, code, &m), PT_TOTP_MATCH);
    assert_int_equal(m, cur + 1);
    assert_int_equal(verify6(now, 1, cur + 1, code, &m), PT_TOTP_REPLAY);
    code_at(cur, code);
    assert_int_equal(verify6(now, 1, cur + 1, code, &m), PT_TOTP_REPLAY);

    /* A wrong code is NOMATCH, not REPLAY, whatever after_step says. */
    code_at(cur + 50, code);
    assert_int_equal(verify6(now, 1, cur + 1, code, &m), PT_TOTP_NOMATCH);
}

/* Two steps with the same 6-digit code: the verifier must report the newer one, and a replay
 * of the older one must not hide that the newer one is still fresh. */
static void test_newest_reported(void **state)
{
    (void)state;
    int64_t c1 = -1, c2 = -1;
    enum { SPAN = 200 };
    static char ring[SPAN][PT_CODE_MAX + 1];
    for (int64_t s = 0; s < 2000000 && c1 < 0; s++) {
        char *slot = ring[s % SPAN];
        code_at(s, slot);
        for (int64_t back = 1; back < SPAN && back <= s; back++) {
            if (strcmp(ring[(s - back) % SPAN], slot) == 0) {
                c1 = s - back;
                c2 = s;
                break;
            }
        }
    }
    assert_true(c1 >= 0);
    char code[PT_CODE_MAX + 1];
    code_at(c1, code);
    int64_t mid = (c1 + c2) / 2;
    unsigned window = (unsigned)((c2 - c1 + 1) / 2);
    int64_t now = mid * 30 + 7;
    print_message("steps %lld and %lld share the code; window %u\n", (long long)c1,
                  (long long)c2, window);

    int64_t m = -7;
    assert_int_equal(verify6(now, window, -1, code, &m), PT_TOTP_MATCH);
    assert_int_equal(m, c2);
    assert_int_equal(verify6(now, window, c1, code, &m), PT_TOTP_MATCH);
    assert_int_equal(m, c2);
    assert_int_equal(verify6(now, window, c2 - 1, code, &m), PT_TOTP_MATCH);
    assert_int_equal(m, c2);
    m = -7;
    assert_int_equal(verify6(now, window, c2, code, &m), PT_TOTP_REPLAY);
    assert_int_equal(m, -7);
}

static void test_malformed_codes(void **state)
{
    (void)state;
    const int64_t now = 1700000015;
    char good[PT_CODE_MAX + 1], buf[32];
    code_at(pt_totp_step(now, 30), good);
    int64_t m = -7;
    assert_int_equal(verify6(now, 1, -1, good, &m), PT_TOTP_MATCH);

    const char *bad[] = { "", "1", "12345", "1234567", "12345678", "abcdef", "12345a", "+12345",
                          "-12345", "12 345", "123456 ", " 123456", "123456\n", "١٢٣٤٥٦" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m = -7;
        assert_int_equal(verify6(now, 1, -1, bad[i], &m), PT_TOTP_NOMATCH);
        assert_int_equal(m, -7);
    }
    /* The right digits with something around them. */
    snprintf(buf, sizeof(buf), "%s ", good);
    assert_int_equal(verify6(now, 1, -1, buf, &m), PT_TOTP_NOMATCH);
    snprintf(buf, sizeof(buf), "0%s", good);
    assert_int_equal(verify6(now, 1, -1, buf, &m), PT_TOTP_NOMATCH);
    snprintf(buf, sizeof(buf), "%.5s", good);
    assert_int_equal(verify6(now, 1, -1, buf, &m), PT_TOTP_NOMATCH);
    /* An embedded NUL ends the answer: the prefix is too short. */
    memcpy(buf, good, 7);
    buf[3] = '\0';
    assert_int_equal(verify6(now, 1, -1, buf, &m), PT_TOTP_NOMATCH);
    /* NULL is safe and simply no match. */
    assert_int_equal(verify6(now, 1, -1, NULL, &m), PT_TOTP_NOMATCH);
    /* matched_step may be NULL. */
    assert_int_equal(verify6(now, 1, -1, good, NULL), PT_TOTP_MATCH);
    /* An 8-digit answer is not a 6-digit code even when it starts or ends with it. */
    char code8[PT_CODE_MAX + 1];
    hotp_or_fail(PT_ALG_SHA1, key20, 20, (uint64_t)pt_totp_step(now, 30), 8, code8);
    assert_int_equal(verify6(now, 1, -1, code8, &m), PT_TOTP_NOMATCH);
    assert_string_equal(code8 + 2, good); /* HOTP-8 and HOTP-6 share the low digits */
}

static void test_invalid_parameters(void **state)
{
    (void)state;
    char out[PT_CODE_MAX + 1];
    uint8_t big[PT_SECRET_MAX + 1];
    memset(big, 'k', sizeof(big));
    assert_int_equal(pt_hotp(PT_ALG_SHA1, key20, 20, 0, 7, out), PT_ERR_INVAL);
    assert_string_equal(out, "");
    assert_int_equal(pt_hotp(PT_ALG_SHA1, key20, 20, 0, 0, out), PT_ERR_INVAL);
    assert_int_equal(pt_hotp(PT_ALG_SHA1, key20, 20, 0, 10, out), PT_ERR_INVAL);
    assert_int_equal(pt_hotp(PT_ALG_SHA1, key20, 0, 0, 6, out), PT_ERR_INVAL);
    assert_int_equal(pt_hotp(PT_ALG_SHA1, NULL, 20, 0, 6, out), PT_ERR_INVAL);
    assert_int_equal(pt_hotp(PT_ALG_SHA1, big, sizeof(big), 0, 6, out), PT_ERR_INVAL);
    assert_int_equal(pt_hotp(PT_ALG_SHA1, big, PT_SECRET_MAX, 0, 6, out), PT_OK);
    assert_int_equal(pt_hotp((pt_alg)3, key20, 20, 0, 6, out), PT_ERR_INVAL);
    assert_int_equal(pt_hotp(PT_ALG_SHA1, key20, 20, 0, 6, NULL), PT_ERR_INVAL);

    const char *c = "123456";
    int64_t m;
    assert_int_equal(pt_totp_verify(PT_ALG_SHA1, key20, 20, 7, 30, 100, 1, -1, c, &m),
                     PT_ERR_INVAL);
    assert_int_equal(pt_totp_verify(PT_ALG_SHA1, key20, 20, 6, 0, 100, 1, -1, c, &m),
                     PT_ERR_INVAL);
    assert_int_equal(pt_totp_verify(PT_ALG_SHA1, key20, 0, 6, 30, 100, 1, -1, c, &m),
                     PT_ERR_INVAL);
    assert_int_equal(pt_totp_verify(PT_ALG_SHA1, big, sizeof(big), 6, 30, 100, 1, -1, c, &m),
                     PT_ERR_INVAL);
    assert_int_equal(pt_totp_verify(PT_ALG_SHA1, NULL, 20, 6, 30, 100, 1, -1, c, &m),
                     PT_ERR_INVAL);
    assert_int_equal(pt_totp_verify((pt_alg)-1, key20, 20, 6, 30, 100, 1, -1, c, &m),
                     PT_ERR_INVAL);
    assert_int_equal(pt_totp_verify(PT_ALG_SHA1, key20, 20, 6, 30, -5, 1, -1, c, &m),
                     PT_ERR_INVAL);
    assert_int_equal(pt_totp_verify(PT_ALG_SHA1, key20, 20, 6, 1, INT64_MAX, 1, -1, c, &m),
                     PT_ERR_INVAL);
    assert_int_equal(pt_totp_verify(PT_ALG_SHA1, key20, 20, 6, 30, 100, 100000, -1, c, &m),
                     PT_ERR_INVAL);
    /* Near time 0 the window reaches below step 0: those steps simply do not exist. */
    char code[PT_CODE_MAX + 1];
    code_at(0, code);
    assert_int_equal(verify6(5, 3, -1, code, &m), PT_TOTP_MATCH);
    assert_int_equal(m, 0);
}

static void test_ct_equal(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = b[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(pt_ct_equal(a, b, sizeof(a)), 1);
    assert_int_equal(pt_ct_equal(a, b, 0), 1);
    for (size_t i = 0; i < sizeof(a); i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(pt_ct_equal(a, b, sizeof(a)), 0);
            assert_int_equal(pt_ct_equal(b, a, sizeof(a)), 0);
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    b[63] = 0;
    assert_int_equal(pt_ct_equal(a, b, 63), 1); /* only n bytes count */
    assert_int_equal(pt_ct_equal("\xff", "\x00", 1), 0);
    assert_int_equal(pt_ct_equal("\x80", "\x00", 1), 0);
}

static void test_wipe_and_random(void **state)
{
    (void)state;
    uint8_t buf[64];
    memset(buf, 0xAB, sizeof(buf));
    pt_wipe(buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    pt_wipe(NULL, 10); /* harmless */

    uint8_t r1[32] = { 0 }, r2[32] = { 0 }, zero[32] = { 0 };
    assert_int_equal(pt_random_bytes(r1, sizeof(r1)), PT_OK);
    assert_int_equal(pt_random_bytes(r2, sizeof(r2)), PT_OK);
    assert_int_equal(pt_ct_equal(r1, zero, sizeof(r1)), 0);
    assert_int_equal(pt_ct_equal(r1, r2, sizeof(r1)), 0);
    assert_int_equal(pt_random_bytes(NULL, 4), PT_ERR_INVAL);
    assert_int_equal(pt_random_bytes(r1, 0), PT_OK);
    assert_int_equal(pt_crypto_init(), PT_OK);
    assert_int_equal(pt_crypto_init(), PT_OK); /* idempotent */
}

static void test_alg_helpers(void **state)
{
    (void)state;
    pt_alg a = PT_ALG_SHA1;
    assert_int_equal(pt_alg_parse("sha256", &a), PT_OK);
    assert_int_equal(a, PT_ALG_SHA256);
    assert_int_equal(pt_alg_parse("SHA512", &a), PT_OK);
    assert_int_equal(a, PT_ALG_SHA512);
    assert_int_equal(pt_alg_parse("Sha1", &a), PT_OK);
    assert_int_equal(a, PT_ALG_SHA1);
    const char *bad[] = { "", "md5", "sha", "sha-1", "sha1 ", "sha2560", "sha384" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pt_alg_parse(bad[i], &a), PT_ERR_INVAL);
    assert_int_equal(pt_alg_parse(NULL, &a), PT_ERR_INVAL);
    assert_int_equal(a, PT_ALG_SHA1); /* untouched on failure */

    assert_string_equal(pt_alg_name(PT_ALG_SHA1), "sha1");
    assert_string_equal(pt_alg_name(PT_ALG_SHA256), "sha256");
    assert_string_equal(pt_alg_name(PT_ALG_SHA512), "sha512");
    assert_string_equal(pt_alg_uri_name(PT_ALG_SHA1), "SHA1");
    assert_string_equal(pt_alg_uri_name(PT_ALG_SHA256), "SHA256");
    assert_string_equal(pt_alg_uri_name(PT_ALG_SHA512), "SHA512");
    assert_non_null(pt_alg_name((pt_alg)9));
    assert_int_equal(pt_alg_secret_len(PT_ALG_SHA1), 20);
    assert_int_equal(pt_alg_secret_len(PT_ALG_SHA256), 32);
    assert_int_equal(pt_alg_secret_len(PT_ALG_SHA512), 64);
    assert_int_equal(pt_alg_secret_len((pt_alg)9), 0);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int rc = 0; rc >= -12; rc--) {
        assert_non_null(pt_strerror(rc));
        assert_true(strlen(pt_strerror(rc)) > 0);
    }
    assert_string_equal(pt_strerror(PT_ERR_UNSAFE),
                        "unsafe file (symlink, wrong type, owner or mode)");
    assert_string_not_equal(pt_strerror(PT_ERR_IO), pt_strerror(PT_ERR_NOMEM));
    assert_string_equal(pt_strerror(12345), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4226_vectors), cmocka_unit_test(test_rfc6238_vectors),
        cmocka_unit_test(test_step),            cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_replay),          cmocka_unit_test(test_newest_reported),
        cmocka_unit_test(test_malformed_codes), cmocka_unit_test(test_invalid_parameters),
        cmocka_unit_test(test_ct_equal),        cmocka_unit_test(test_wipe_and_random),
        cmocka_unit_test(test_alg_helpers),     cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
