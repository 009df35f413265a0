/* Cross-check against the real oathtool (OATH Toolkit) over random secrets, times, algorithms,
 * digit counts and periods. oathtool runs through fork/exec with arguments built only from hex
 * digits and numbers, so nothing here passes through a shell.
 *
 * Each run draws a fresh seed and prints it; PT_TEST_SEED=N repeats a run. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pt_error.h"
#include "totp.h"

#define CASES 240
#define HOTP_CASES 40
#define YEAR_2100 4102444800LL

static uint64_t rng_state;

/* splitmix64: a reproducible stream from one seed. */
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
    return rnd() % n; /* bias is irrelevant for picking test cases */
}

static void to_hex(const uint8_t *key, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[key[i] >> 4];
        out[2 * i + 1] = hex[key[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Runs oathtool with argv and returns its first output line in out. Fails the test if
 * oathtool cannot be run or does not succeed. */
static void run_oathtool(char *const argv[], char *out, size_t outsz)
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pfd[1], STDOUT_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        execvp("oathtool", argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t got = 0;
    ssize_t n;
    while (got < outsz - 1 && (n = read(pfd[0], out + got, outsz - 1 - got)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        assert_true(n > 0);
        got += (size_t)n;
    }
    out[got] = '\0';
    close(pfd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        fail_msg("oathtool could not be run: install the oathtool package "
                 "(scripts/test.sh does this)");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    out[strcspn(out, "\n")] = '\0';
}

static void test_totp_against_oathtool(void **state)
{
    (void)state;
    static const pt_alg algs[] = { PT_ALG_SHA1, PT_ALG_SHA256, PT_ALG_SHA512 };
    static const unsigned periods[] = { 15, 30, 60 };
    unsigned seen_alg[3] = { 0 }, seen_digits[2] = { 0 }, seen_period[3] = { 0 };

    for (int i = 0; i < CASES; i++) {
        uint8_t key[PT_SECRET_MAX];
        size_t keylen = 10 + (size_t)rnd_below(PT_SECRET_MAX - 10 + 1);
        for (size_t k = 0; k < keylen; k++)
            key[k] = (uint8_t)rnd();
        unsigned ai = (unsigned)rnd_below(3), di = (unsigned)rnd_below(2),
                 pi = (unsigned)rnd_below(3);
        pt_alg alg = algs[ai];
        unsigned digits = di ? 8 : 6, period = periods[pi];
        int64_t now = (int64_t)rnd_below(YEAR_2100);
        seen_alg[ai]++, seen_digits[di]++, seen_period[pi]++;

        char hex[2 * PT_SECRET_MAX + 1], mode[32], dig[32], step[32], when[32], want[64];
        to_hex(key, keylen, hex);
        snprintf(mode, sizeof(mode), "--totp=%s", pt_alg_name(alg));
        snprintf(dig, sizeof(dig), "--digits=%u", digits);
        snprintf(step, sizeof(step), "--time-step-size=%us", period);
        snprintf(when, sizeof(when), "@%" PRId64, now);
        char *argv[] = { "oathtool", mode, dig, step, "-N", when, hex, NULL };
        run_oathtool(argv, want, sizeof(want));

        char got[PT_CODE_MAX + 1];
        int64_t s = pt_totp_step(now, period);
        assert_int_equal(pt_hotp(alg, key, keylen, (uint64_t)s, digits, got), PT_OK);
        if (strcmp(got, want) != 0)
            fail_msg("case %d: %s %u digits period %u time %" PRId64 " key %s: oathtool %s, "
                     "pam_totp %s", i, pt_alg_name(alg), digits, period, now, hex, want, got);

        /* The verifier accepts oathtool's code for that moment and names its step. */
        int64_t m = -1;
        assert_int_equal(pt_totp_verify(alg, key, keylen, digits, period, now, 1, -1, want, &m),
                         PT_TOTP_MATCH);
        assert_true(m >= s - 1 && m <= s + 1);
    }
    /* Every algorithm, digit count and period was covered. */
    for (int k = 0; k < 3; k++) {
        assert_true(seen_alg[k] > 0);
        assert_true(seen_period[k] > 0);
    }
    assert_true(seen_digits[0] > 0 && seen_digits[1] > 0);
}

/* Plain HOTP (oathtool's --hotp is HMAC-SHA1) at random 64-bit-ish counters. */
static void test_hotp_against_oathtool(void **state)
{
    (void)state;
    for (int i = 0; i < HOTP_CASES; i++) {
        uint8_t key[PT_SECRET_MAX];
        size_t keylen = 10 + (size_t)rnd_below(PT_SECRET_MAX - 10 + 1);
        for (size_t k = 0; k < keylen; k++)
            key[k] = (uint8_t)rnd();
        unsigned digits = rnd_below(2) ? 8 : 6;
        uint64_t counter = rnd() >> rnd_below(64);

        char hex[2 * PT_SECRET_MAX + 1], dig[32], ctr[40], want[64];
        to_hex(key, keylen, hex);
        snprintf(dig, sizeof(dig), "--digits=%u", digits);
        snprintf(ctr, sizeof(ctr), "--counter=%" PRIu64, counter);
        char *argv[] = { "oathtool", "--hotp", dig, ctr, hex, NULL };
        run_oathtool(argv, want, sizeof(want));

        char got[PT_CODE_MAX + 1];
        assert_int_equal(pt_hotp(PT_ALG_SHA1, key, keylen, counter, digits, got), PT_OK);
        if (strcmp(got, want) != 0)
            fail_msg("case %d: counter %" PRIu64 " digits %u key %s: oathtool %s, pam_totp %s",
                     i, counter, digits, hex, want, got);
    }
}

int main(void)
{
    const char *fixed = getenv("PT_TEST_SEED");
    if (fixed != NULL && *fixed != '\0') {
        rng_state = strtoull(fixed, NULL, 10);
    } else if (pt_random_bytes(&rng_state, sizeof(rng_state)) != PT_OK) {
        fprintf(stderr, "no random seed from libgcrypt\n");
        return 1;
    }
    printf("seed %" PRIu64 " (repeat with PT_TEST_SEED=%" PRIu64 ")\n", rng_state, rng_state);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totp_against_oathtool),
        cmocka_unit_test(test_hotp_against_oathtool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
