/* Backup codes: format, uniqueness and entropy; normalisation; right, wrong and malformed
 * answers; and exactly ONE argon2id evaluation per attempt whatever the size of the set.
 *
 * argon2id_hash_raw is counted, not faked: test_backup.cmake links this test with the libargon2
 * stand-in of tests/shim, which the core's dlopen finds already loaded and which forwards every
 * call to the real libargon2. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "backup.h"
#include "pt_error.h"
#include "totp.h"
#include "argon2_shim.h"

/* ---- argon2id evaluations, seen by the libargon2 stand-in (tests/shim) ---- */
static unsigned argon2_calls;
static uint32_t min_t = UINT32_MAX, min_m = UINT32_MAX, min_p = UINT32_MAX;
static size_t last_pwdlen, last_saltlen, last_hashlen;

static void count_argon2(uint32_t t_cost, uint32_t m_cost, uint32_t parallelism, size_t pwdlen,
                         size_t saltlen, size_t hashlen)
{
    argon2_calls++;
    min_t = t_cost < min_t ? t_cost : min_t;
    min_m = m_cost < min_m ? m_cost : min_m;
    min_p = parallelism < min_p ? parallelism : min_p;
    last_pwdlen = pwdlen;
    last_saltlen = saltlen;
    last_hashlen = hashlen;
}

/* ---- one set of 50 codes, generated once (50 argon2id runs) and shared read-only ---- */
#define BIG 50
static pt_backup_set big;
static pt_backup_code big_codes[BIG];
static unsigned generate_calls;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int setup(void **state)
{
    (void)state;
    argon2_calls = 0;
    double t0 = now_ms();
    if (pt_backup_generate(BIG, &big, big_codes) != PT_OK)
        return -1;
    double ms = now_ms() - t0;
    generate_calls = argon2_calls;
    printf("argon2id m=%u KiB t=%u p=%u: %.1f ms per evaluation (%u codes in %.0f ms)\n",
           big.kdf.m_kib, big.kdf.t, big.kdf.p, ms / BIG, BIG, ms);
    return 0;
}

/* A copy of the first n codes of the big set: a legitimate smaller set with the same salt. */
static void subset(unsigned n, pt_backup_set *out)
{
    *out = big;
    out->count = n;
    memset(out->hash[n], 0, sizeof(out->hash) - n * sizeof(out->hash[0]));
}

static int match_counted(const pt_backup_set *set, const char *input, int *index, unsigned *calls)
{
    unsigned before = argon2_calls;
    int rc = pt_backup_match(set, input, index);
    *calls = argon2_calls - before;
    return rc;
}

/* A well-formed code that is in no set: all zeros is as likely as any other, so check. */
static const char *absent_code(void)
{
    static const char *candidates[] = { "0000-0000-0000", "ZZZZ-ZZZZ-ZZZZ", "ABCD-EFGH-JKMN" };
    for (size_t c = 0; c < 3; c++) {
        int clash = 0;
        for (unsigned i = 0; i < BIG; i++)
            clash |= strcmp(big_codes[i], candidates[c]) == 0;
        if (!clash)
            return candidates[c];
    }
    fail_msg("every candidate absent code is in the set");
    return NULL;
}

static void test_generation_parameters(void **state)
{
    (void)state;
    assert_int_equal(generate_calls, BIG); /* one hash per code */
    assert_int_equal(big.count, BIG);
    /* At or above OWASP's minimum for argon2id, both as recorded and as actually used. */
    assert_true(big.kdf.m_kib >= 19456);
    assert_true(big.kdf.t >= 2);
    assert_true(big.kdf.p >= 1);
    assert_true(min_m >= 19456);
    assert_true(min_t >= 2);
    assert_true(min_p >= 1);
    assert_int_equal(last_pwdlen, PT_BACKUP_CHARS);
    assert_int_equal(last_saltlen, PT_BACKUP_SALT_LEN);
    assert_int_equal(last_hashlen, PT_BACKUP_HASH_LEN);
    uint8_t zero[PT_BACKUP_SALT_LEN] = { 0 };
    assert_false(pt_ct_equal(big.salt, zero, sizeof(zero)));

    pt_kdf_params k;
    pt_kdf_default(&k);
    assert_int_equal(k.m_kib, 19456);
    assert_int_equal(k.t, 2);
    assert_int_equal(k.p, 1);

    pt_backup_set s;
    pt_backup_code c[1];
    unsigned before = argon2_calls;
    assert_int_equal(pt_backup_generate(0, &s, c), PT_ERR_INVAL);
    assert_int_equal(pt_backup_generate(PT_BACKUP_MAX + 1, &s, c), PT_ERR_INVAL);
    assert_int_equal(pt_backup_generate(1, NULL, c), PT_ERR_INVAL);
    assert_int_equal(pt_backup_generate(1, &s, NULL), PT_ERR_INVAL);
    assert_int_equal(argon2_calls, before);
}

static void test_format_uniqueness_entropy(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re, "^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-"
                                  "[0-9A-HJKMNP-TV-Z]{4}$", REG_EXTENDED | REG_NOSUB), 0);
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned seen[32] = { 0 };
    for (unsigned i = 0; i < BIG; i++) {
        if (regexec(&re, big_codes[i], 0, NULL, 0) != 0)
            fail_msg("code %u \"%s\" is not XXXX-XXXX-XXXX in Crockford base32", i, big_codes[i]);
        assert_int_equal(strlen(big_codes[i]), PT_BACKUP_DISPLAY_LEN);
        for (unsigned j = 0; j < i; j++) {
            assert_string_not_equal(big_codes[i], big_codes[j]);
            assert_memory_not_equal(big.hash[i], big.hash[j], PT_BACKUP_HASH_LEN);
        }
        for (const char *p = big_codes[i]; *p != '\0'; p++) {
            if (*p != '-')
                seen[strchr(alphabet, *p) - alphabet]++;
        }
    }
    regfree(&re);

    /* 12 independent symbols from 32 are 60 bits; the floor is 50. */
    assert_int_equal(strlen(alphabet), 32);
    assert_true(PT_BACKUP_CHARS * 5 >= 50);
    /* Independence and uniformity, roughly: 600 symbols use every one of the 32 (a missing
     * symbol has odds of about 2 in 10^7) and none dominates (mean 18.75). */
    for (unsigned s = 0; s < 32; s++) {
        if (seen[s] == 0 || seen[s] > 50)
            fail_msg("symbol %c appeared %u times in %u codes", alphabet[s], seen[s], BIG);
    }
}

/* Imported scratch codes: 8 digits hashed as given; each matches itself only, and a 12-character
 * code of ours never equals an 8-digit one (the length is hashed too). */
static void test_import_scratch(void **state)
{
    (void)state;
    static const char codes[3][PT_BACKUP_SCRATCH_LEN + 1] = { "12345678", "87654321", "99999999" };
    pt_backup_set set;
    int index = -1;
    assert_int_equal(pt_backup_import(codes, 3, &set), PT_OK);
    assert_int_equal(set.count, 3);
    assert_int_equal(pt_backup_match(&set, "8765 4321", &index), 1);
    assert_int_equal(index, 1);
    assert_int_equal(pt_backup_match(&set, "12345679", &index), 0);
    assert_int_equal(pt_backup_match(&set, "0000-0000-0000", &index), 0);
    static const char bad[1][PT_BACKUP_SCRATCH_LEN + 1] = { "1234567A" };
    assert_int_equal(pt_backup_import(bad, 1, &set), PT_ERR_INVAL);
    assert_int_equal(set.count, 0);
    assert_int_equal(pt_backup_import(codes, 0, &set), PT_ERR_INVAL);
}

static void test_normalise(void **state)
{
    (void)state;
    char out[PT_BACKUP_CHARS + 1];
    static const struct {
        const char *in, *want;
    } good[] = {
        { "ABCD-EFGH-JKMN", "ABCDEFGHJKMN" },   { "abcd-efgh-jkmn", "ABCDEFGHJKMN" },
        { "ABCDEFGHJKMN", "ABCDEFGHJKMN" },     { "  abcd efgh jkmn ", "ABCDEFGHJKMN" },
        { "a-b-c-d-e-f-g-h-j-k-m-n", "ABCDEFGHJKMN" }, { "oO0i-Il1l-L00o", "000111111000" },
        { "PQRS-TVWX-YZ98", "PQRSTVWXYZ98" },   { "--ABCD--EFGH--JKMN--", "ABCDEFGHJKMN" },
        /* an imported google-authenticator scratch code */
        { "12345678", "12345678" },             { "1234 5678", "12345678" },
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(pt_backup_normalise(good[i].in, out), PT_OK);
        assert_string_equal(out, good[i].want);
    }
    char too_long[PT_BACKUP_INPUT_MAX + 2];
    memset(too_long, ' ', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = '\0';
    memcpy(too_long, "ABCDEFGHJKMN", 12); /* right shape, but 65 characters in all */
    const char *const bad[] = {
        "", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMU", "ABCD_EFGH_JKMN",
        "ABCD.EFGH.JKMN", "ABCD\tEFGH-JKMN", "ABCD-EFGH-JKMN\n", "123456", "1234567", "123456789", "1234567A",
        "ABCD-EFGH-JKMÑ", "ABCD-EFGH-JK%N", too_long,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pt_backup_normalise(bad[i], out) != PT_ERR_INVAL)
            fail_msg("\"%s\" was accepted as a backup code", bad[i]);
        assert_string_equal(out, ""); /* nothing half-written */
    }
    too_long[PT_BACKUP_INPUT_MAX] = '\0'; /* exactly the cap: fine */
    assert_int_equal(pt_backup_normalise(too_long, out), PT_OK);
    assert_int_equal(pt_backup_normalise(NULL, out), PT_ERR_INVAL);
    assert_int_equal(pt_backup_normalise("ABCDEFGHJKMN", NULL), PT_ERR_INVAL);
}

/* The heart of the matter: one argon2id run per attempt for sets of 1, 10 and 50 codes,
 * right or wrong, first or last code. */
static void test_one_hash_per_attempt(void **state)
{
    (void)state;
    static const unsigned sizes[] = { 1, 10, BIG };
    const char *absent = absent_code();
    for (size_t k = 0; k < 3; k++) {
        pt_backup_set set;
        subset(sizes[k], &set);
        unsigned calls;
        int index = 99;
        unsigned last = sizes[k] - 1;

        assert_int_equal(match_counted(&set, big_codes[last], &index, &calls), 1);
        assert_int_equal(calls, 1);
        assert_int_equal(index, (int)last);

        assert_int_equal(match_counted(&set, big_codes[0], &index, &calls), 1);
        assert_int_equal(calls, 1);
        assert_int_equal(index, 0);

        assert_int_equal(match_counted(&set, absent, &index, &calls), 0);
        assert_int_equal(calls, 1);
        assert_int_equal(index, -1);
        print_message("set of %u codes: right and wrong answers cost 1 argon2id each\n",
                      sizes[k]);
    }
    /* A code beyond the subset is not in it. */
    pt_backup_set ten;
    subset(10, &ten);
    unsigned calls;
    int index;
    assert_int_equal(match_counted(&ten, big_codes[10], &index, &calls), 0);
    assert_int_equal(calls, 1);
}

static void test_every_index(void **state)
{
    (void)state;
    pt_backup_set set;
    subset(10, &set);
    for (unsigned i = 0; i < 10; i++) {
        int index = -5;
        unsigned calls;
        assert_int_equal(match_counted(&set, big_codes[i], &index, &calls), 1);
        assert_int_equal(index, (int)i);
        assert_int_equal(calls, 1);
    }
}

/* Typed the sloppy way: lower case, spaces for hyphens, or none, O for 0, I or L for 1. */
static void test_match_normalised_answer(void **state)
{
    (void)state;
    int pick = -1;
    for (unsigned i = 0; i < BIG && pick < 0; i++) {
        if (strpbrk(big_codes[i], "01") != NULL)
            pick = (int)i;
    }
    assert_true(pick >= 0); /* a 0 or 1 in none of 50 codes has odds below 10^-16 */
    char typed[32];
    size_t o = 0;
    for (const char *p = big_codes[pick]; *p != '\0'; p++) {
        char c = *p;
        if (c == '-')
            c = ' ';
        else if (c == '0')
            c = 'o';
        else if (c == '1')
            c = (o % 2) ? 'l' : 'I';
        else if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        typed[o++] = c;
    }
    typed[o] = '\0';
    int index;
    unsigned calls;
    assert_int_equal(match_counted(&big, typed, &index, &calls), 1);
    assert_int_equal(index, pick);
    assert_int_equal(calls, 1);
    print_message("\"%s\" matched code %d\n", typed, pick);
}

static void test_malformed_costs_nothing(void **state)
{
    (void)state;
    static const char *const bad[] = { "", "123456", "1234567", "ABCD-EFGH-JKM",
                                       "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMU", "ABCD/EFGH/JKMN",
                                       "password" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int index = 7;
        unsigned calls;
        assert_int_equal(match_counted(&big, bad[i], &index, &calls), PT_ERR_INVAL);
        assert_int_equal(calls, 0);
        assert_int_equal(index, -1);
    }
    int index;
    unsigned calls;
    assert_int_equal(match_counted(&big, NULL, &index, &calls), PT_ERR_INVAL);
    assert_int_equal(calls, 0);
    assert_int_equal(pt_backup_match(NULL, big_codes[0], &index), PT_ERR_INVAL);
    assert_int_equal(pt_backup_match(&big, big_codes[0], NULL), PT_ERR_INVAL);
}

/* A set read from a damaged or hostile file: refused without hashing. */
static void test_bad_sets(void **state)
{
    (void)state;
    pt_backup_set set;
    int index;
    unsigned calls;
    static const pt_kdf_params weak[] = {
        { 1024, 2, 1 }, { 19456, 1, 1 }, { 19456, 2, 0 },          { 0, 0, 0 },
        { PT_KDF_MAX_M + 1, 2, 1 }, { 19456, PT_KDF_MAX_T + 1, 1 }, { 19456, 2, PT_KDF_MAX_P + 1 },
    };
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        subset(10, &set);
        set.kdf = weak[i];
        assert_int_equal(match_counted(&set, big_codes[0], &index, &calls), PT_ERR_INVAL);
        assert_int_equal(calls, 0);
    }
    subset(10, &set);
    set.count = PT_BACKUP_MAX + 1;
    assert_int_equal(match_counted(&set, big_codes[0], &index, &calls), PT_ERR_INVAL);
    assert_int_equal(calls, 0);
    /* An empty set (a pending enrolment) matches nothing; there is nothing to hash against. */
    subset(10, &set);
    set.count = 0;
    assert_int_equal(match_counted(&set, big_codes[0], &index, &calls), 0);
    assert_int_equal(calls, 0);
    /* Another set's salt: the right code no longer matches. */
    subset(10, &set);
    set.salt[0] ^= 1;
    assert_int_equal(match_counted(&set, big_codes[0], &index, &calls), 0);
    assert_int_equal(calls, 1);
}

int main(void)
{
    pt_argon2_shim_observe(count_argon2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generation_parameters),
        cmocka_unit_test(test_format_uniqueness_entropy),
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_one_hash_per_attempt),
        cmocka_unit_test(test_every_index),
        cmocka_unit_test(test_match_normalised_answer),
        cmocka_unit_test(test_malformed_costs_nothing),
        cmocka_unit_test(test_import_scratch),
        cmocka_unit_test(test_bad_sets),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
