/* otpauth:// URIs: the exact text for a known case, percent-encoding of awkward issuers and
 * labels, and refusal of bad arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pt_error.h"
#include "uri.h"

static void uri_is(const char *issuer, const char *label, const char *secret, pt_alg alg,
                   unsigned digits, unsigned period, const char *want)
{
    char *uri = pt_otpauth_uri(issuer, label, secret, alg, digits, period);
    assert_non_null(uri);
    assert_string_equal(uri, want);
    pt_wipe(uri, strlen(uri));
    free(uri);
}

static void test_known_uri(void **state)
{
    (void)state;
    uri_is("Example", "alice@host", "JBSWY3DPEHPK3PXP", PT_ALG_SHA1, 6, 30,
           "otpauth://totp/Example:alice%40host?secret=JBSWY3DPEHPK3PXP&issuer=Example");
    uri_is("bastion.example.org", "root", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", PT_ALG_SHA256, 8,
           60,
           "otpauth://totp/bastion.example.org:root?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
           "&issuer=bastion.example.org&algorithm=SHA256&digits=8&period=60");
    uri_is("x", "y", "MY", PT_ALG_SHA512, 6, 15,
           "otpauth://totp/x:y?secret=MY&issuer=x&algorithm=SHA512&period=15");
}

/* Only the settings that differ from the Key URI defaults (SHA1, 6, 30) are written: each one
 * alone, and in the fixed order algorithm, digits, period. */
static void test_defaults_left_out(void **state)
{
    (void)state;
    const char *base = "otpauth://totp/i:u?secret=MY&issuer=i";
    char want[128];
    uri_is("i", "u", "MY", PT_ALG_SHA1, 6, 30, base);
    snprintf(want, sizeof(want), "%s&algorithm=SHA256", base);
    uri_is("i", "u", "MY", PT_ALG_SHA256, 6, 30, want);
    snprintf(want, sizeof(want), "%s&digits=8", base);
    uri_is("i", "u", "MY", PT_ALG_SHA1, 8, 30, want);
    snprintf(want, sizeof(want), "%s&period=60", base);
    uri_is("i", "u", "MY", PT_ALG_SHA1, 6, 60, want);
    snprintf(want, sizeof(want), "%s&algorithm=SHA512&digits=8&period=4294967295", base);
    uri_is("i", "u", "MY", PT_ALG_SHA512, 8, 4294967295u, want);
}

/* The note on settings some apps ignore: none for the defaults, else each differing setting
 * named, the right number, within one PAM message. */
static void test_settings_note(void **state)
{
    (void)state;
    char out[512];
    assert_int_equal(pt_uri_settings_note(PT_ALG_SHA1, 6, 30, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(pt_uri_settings_note(PT_ALG_SHA1, 6, 90, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "uses period 90 seconds (usual: 30). Some authenticator apps "
                                "ignore this setting"));
    assert_non_null(strstr(out, "proves that your app got it right."));
    assert_null(strstr(out, "algorithm"));
    assert_int_equal(pt_uri_settings_note(PT_ALG_SHA256, 8, 30, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "uses algorithm SHA256 (usual: SHA1) and 8 digits (usual: 6). "
                                "Some authenticator apps ignore these settings"));
    assert_non_null(strstr(out, "got them right."));
    assert_int_equal(pt_uri_settings_note(PT_ALG_SHA512, 8, 4294967295u, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "algorithm SHA512 (usual: SHA1), 8 digits (usual: 6) and period "
                                "4294967295 seconds (usual: 30)."));
    assert_true(strlen(out) < 400);
    /* Cut to the buffer, never past it. */
    assert_int_equal(pt_uri_settings_note(PT_ALG_SHA512, 8, 60, out, 10), 1);
    assert_int_equal(strlen(out), 9);
}

static void test_awkward_text(void **state)
{
    (void)state;
    uri_is("ACME Corp: Ops", "bob smith@db-01.example.com", "JBSWY3DPEHPK3PXP", PT_ALG_SHA1, 6,
           30,
           "otpauth://totp/ACME%20Corp%3A%20Ops:bob%20smith%40db-01.example.com"
           "?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Corp%3A%20Ops");
    uri_is("Zürich", "a/b?c&d=e%f#g+h", "JBSWY3DPEHPK3PXP", PT_ALG_SHA1, 6, 30,
           "otpauth://totp/Z%C3%BCrich:a%2Fb%3Fc%26d%3De%25f%23g%2Bh"
           "?secret=JBSWY3DPEHPK3PXP&issuer=Z%C3%BCrich");
}

static void test_percent_encode(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(pt_percent_encode("AZaz09-._~", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "AZaz09-._~");
    assert_int_equal(pt_percent_encode(" :@%/?&=#+", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "%20%3A%40%25%2F%3F%26%3D%23%2B");
    assert_int_equal(pt_percent_encode("Zürich", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "Z%C3%BCrich");
    assert_int_equal(pt_percent_encode("日本", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "%E6%97%A5%E6%9C%AC");
    assert_int_equal(pt_percent_encode("\x01\x7f\xff", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "%01%7F%FF");
    assert_int_equal(pt_percent_encode("", out, sizeof(out)), PT_OK);
    assert_string_equal(out, "");

    /* Sizes: "a b" needs 6 bytes with the NUL. */
    assert_int_equal(pt_percent_encode("a b", out, 5), PT_ERR_TOOBIG);
    assert_int_equal(pt_percent_encode("a b", out, 6), PT_OK);
    assert_string_equal(out, "a%20b");
    assert_int_equal(pt_percent_encode("ab", out, 2), PT_ERR_TOOBIG);
    assert_int_equal(pt_percent_encode("ab", out, 3), PT_OK);
}

static void test_refused(void **state)
{
    (void)state;
    const char *s = "JBSWY3DPEHPK3PXP";
    assert_null(pt_otpauth_uri(NULL, "u", s, PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", NULL, s, PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", "u", NULL, PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("", "u", s, PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", "", s, PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", "u", "", PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", "u", "jbswy3dpehpk3pxp", PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", "u", "JBSW Y3DP", PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", "u", "MY======", PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", "u", "JBSW&issuer=evil", PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", "u", s, (pt_alg)3, 6, 30));
    assert_null(pt_otpauth_uri("i", "u", s, PT_ALG_SHA1, 7, 30));
    assert_null(pt_otpauth_uri("i", "u", s, PT_ALG_SHA1, 6, 0));

    /* Over-long issuer or label (more than 256 bytes) is refused, 256 is fine. */
    char longtext[300];
    memset(longtext, 'a', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    assert_null(pt_otpauth_uri(longtext, "u", s, PT_ALG_SHA1, 6, 30));
    assert_null(pt_otpauth_uri("i", longtext, s, PT_ALG_SHA1, 6, 30));
    longtext[256] = '\0';
    char *uri = pt_otpauth_uri(longtext, longtext, s, PT_ALG_SHA1, 6, 30);
    assert_non_null(uri);
    free(uri);
    /* 256 bytes that all need encoding still fit. */
    memset(longtext, ' ', 256);
    uri = pt_otpauth_uri(longtext, longtext, s, PT_ALG_SHA1, 6, 30);
    assert_non_null(uri);
    assert_int_equal(strlen(uri), strlen("otpauth://totp/:?secret=&issuer=") +
                                      3 * 256 * 3 + strlen(s));
    free(uri);
    /* The longest secret we generate (64 bytes: 103 symbols) fits. */
    char secret[104];
    memset(secret, 'A', 103);
    secret[103] = '\0';
    uri = pt_otpauth_uri("i", "u", secret, PT_ALG_SHA512, 8, 30);
    assert_non_null(uri);
    free(uri);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_uri),
        cmocka_unit_test(test_defaults_left_out),
        cmocka_unit_test(test_settings_note),
        cmocka_unit_test(test_awkward_text),
        cmocka_unit_test(test_percent_encode),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
