/* The parsers of google-authenticator and pam_oath files (common/import_*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "import.h"
#include "pt_error.h"

static int ga(const char *text, pt_ga_file *g, char *why)
{
    return pt_ga_parse(text, strlen(text), g, why, PT_IMPORT_WHY);
}

static void test_ga_file(void **state)
{
    (void)state;
    pt_ga_file g;
    char why[PT_IMPORT_WHY];
    assert_int_equal(ga("4LJVFDMY2E6GUEBNOAGZ2NOMUY\n\" RATE_LIMIT 3 30 1767225600\n"
                        "\" WINDOW_SIZE 17\n\" DISALLOW_REUSE 58907520 58907521\n\" TOTP_AUTH\n"
                        "\" STEP_SIZE 60\n99711115\n49224590\n",
                        &g, why),
                     PT_OK);
    assert_int_equal(g.secret_len, 16); /* 26 characters: 130 bits, the last 2 dropped */
    assert_true(g.totp);
    assert_false(g.hotp);
    assert_int_equal(g.period, 60);
    assert_int_equal(g.window_size, 17);
    assert_true(g.rate_limit);
    assert_int_equal(g.rate_n, 3);
    assert_int_equal(g.rate_s, 30);
    assert_true(g.disallow_reuse);
    assert_int_equal(g.last_used_step, 58907521);
    assert_int_equal(g.nscratch, 2);
    assert_string_equal(g.scratch[1], "49224590");

    /* google-authenticator's spelling rules: case, spaces, '-', 0->O 1->L 8->B */
    pt_ga_file h;
    assert_int_equal(ga("JBSWY3DPEHPK3PXPOLBAOLBAOLBAOLBA\n\" TOTP_AUTH\n", &g, why), PT_OK);
    assert_int_equal(ga("jbsw y3dp-ehpk 3pxp 018a 018a 018a 018a\r\n\" TOTP_AUTH\n", &h, why), PT_OK);
    assert_int_equal(g.secret_len, 20);
    assert_memory_equal(g.secret, h.secret, 20);
    assert_int_equal(ga("JBSWY3DPEHPK3PXP\n\" HOTP_COUNTER 1\n", &g, why), PT_OK);
    assert_int_equal(g.secret_len, 10);
    assert_true(g.hotp);
    assert_false(g.totp);
    assert_int_equal(g.window_size, 3);
    assert_int_equal(g.last_used_step, -1);
}

static void test_ga_malformed(void **state)
{
    (void)state;
    pt_ga_file g;
    char why[PT_IMPORT_WHY];
    static const struct {
        const char *text, *why;
    } bad[] = {
        { "", "empty: no secret on line 1" },
        { "JBSWY3DP\n", "line 1: the secret has 5 bytes, fewer than 10" },
        { "JBSWY3DPEHPK3PX=\n", "line 1: the secret is not base32" },
        { "JBSWY3DPEHPK3PXP\n\" STEP_SIZE 0\n", "line 2: STEP_SIZE must be 1 to 60 seconds" },
        { "JBSWY3DPEHPK3PXP\n\" WINDOW_SIZE x\n", "line 2: WINDOW_SIZE must be 1 to 100" },
        { "JBSWY3DPEHPK3PXP\n\" DISALLOW_REUSE -5\n", "line 2: DISALLOW_REUSE lists" },
        { "JBSWY3DPEHPK3PXP\n01234567\n", "line 2: neither an option nor an 8-digit scratch code" },
        { "JBSWY3DPEHPK3PXP\n1234567\n", "line 2: neither" },
        { "JBSWY3DPEHPK3PXP\nhello\n", "line 2: neither" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ga(bad[i].text, &g, why), PT_ERR_MALFORMED);
        if (strncmp(why, bad[i].why, strlen(bad[i].why)) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s\"", bad[i].text, why, bad[i].why);
        assert_int_equal(g.secret_len, 0); /* wiped */
    }
    char nul[] = "JBSWY3DPEHPK3PXP\n\0\n";
    assert_int_equal(pt_ga_parse(nul, sizeof nul - 1, &g, why, sizeof why), PT_ERR_MALFORMED);
    static char big[PT_GA_MAX_SIZE + 2];
    memset(big, '\n', sizeof big);
    memcpy(big, "JBSWY3DPEHPK3PXP", 16);
    assert_int_equal(pt_ga_parse(big, sizeof big, &g, why, sizeof why), PT_ERR_MALFORMED);
}

typedef struct {
    unsigned n;
    pt_oath_entry e[8];
} seen;

static int keep(void *ctx, const pt_oath_entry *e)
{
    seen *s = ctx;
    if (s->n < 8)
        s->e[s->n++] = *e;
    return 0;
}

static void test_oath(void **state)
{
    (void)state;
    const char *file = "# users\n\n"
                       "HOTP/T30\talice\t-\t3132333435363738393031323334353637383930\n"
                       "HOTP/T60/8 bob + 00112233445566778899aabbccddeeff00112233 0 2026-01-01T00:00:00L\n"
                       "HOTP carol - 3132333435363738393031323334353637383930 12\n"
                       "HOTP/E/8 carol - 3132333435363738393031323334353637383930\n"
                       "HOTP/T30 dave 1234 3132333435363738393031323334353637383930\n"
                       "HOTP/T30/7 erin - 3132333435363738393031323334353637383930\n"
                       "HOTP/T30 frank -\n"
                       "HOTP/T30 gina - 31323g\n";
    seen s = {0};
    char why[PT_IMPORT_WHY];
    assert_int_equal(pt_oath_parse(file, strlen(file), keep, &s, why, sizeof why), 0);
    assert_int_equal(s.n, 8);
    assert_int_equal(s.e[0].kind, PT_OATH_TOTP);
    assert_string_equal(s.e[0].user, "alice");
    assert_int_equal(s.e[0].line, 3);
    assert_int_equal(s.e[0].period, 30);
    assert_int_equal(s.e[0].digits, 6);
    assert_int_equal(s.e[0].secret_len, 20);
    assert_memory_equal(s.e[0].secret, "12345678901234567890", 20);
    assert_int_equal(s.e[1].kind, PT_OATH_TOTP);
    assert_int_equal(s.e[1].period, 60);
    assert_int_equal(s.e[1].digits, 8);
    for (unsigned i = 2; i < 8; i++)
        assert_int_equal(s.e[i].kind, PT_OATH_REFUSED);
    assert_non_null(strstr(s.e[2].why, "counter-based"));
    assert_non_null(strstr(s.e[3].why, "counter-based"));
    assert_non_null(strstr(s.e[4].why, "PIN"));
    assert_non_null(strstr(s.e[5].why, "7-digit"));
    assert_non_null(strstr(s.e[6].why, "fewer than 4 fields"));
    assert_non_null(strstr(s.e[7].why, "hex"));
    assert_int_equal(s.e[7].secret_len, 0);
    char nul[] = "HOTP/T30 a - 00\0\n";
    assert_int_equal(pt_oath_parse(nul, sizeof nul - 1, keep, &s, why, sizeof why), PT_ERR_MALFORMED);
}

static void test_ga_base32(void **state)
{
    (void)state;
    uint8_t out[PT_SECRET_MAX];
    assert_int_equal(pt_ga_base32_decode("MZXW6", 5, out, sizeof out), 3);
    assert_memory_equal(out, "foo", 3);
    assert_int_equal(pt_ga_base32_decode("MZXW6===", 8, out, sizeof out), -1);
    assert_int_equal(pt_ga_base32_decode("MZXW6YTBOI", 10, out, 5), -1); /* 6 bytes into 5 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ga_file),
        cmocka_unit_test(test_ga_malformed),
        cmocka_unit_test(test_oath),
        cmocka_unit_test(test_ga_base32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
