/* Fuzzes what happens to a typed answer: backup-code normalisation (pt_backup_normalise), the
 * TOTP check (pt_totp_verify), and the whole answer path on a fixed enrolment in memory
 * (pt_verify_stateless, pt_verify_answer). The enrolment's backup set uses tiny argon2id costs,
 * built in memory, so a backup-shaped input costs microseconds, not the real 19 MiB evaluation;
 * the code paths are the same.
 * Properties: a normalised code is 12 characters of Crockford's alphabet; nothing but the one
 * right code for the fixed moment is accepted as TOTP; answers over PT_ANSWER_MAX are never
 * accepted; a refused answer is counted as a failure. */
#include "fuzz_util.h"

#include "backup.h"
#include "config.h"
#include "enrolment.h"
#include "pt_error.h"
#include "state.h"
#include "totp.h"
#include "verify.h"

#define NOW 1767225600 /* 2026-01-01 00:00:00 UTC */

static pt_options opts;
static pt_enrolment enrol;
static char right_code[PT_CODE_MAX + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    pt_options_defaults(&opts);
    opts.window = 1;
    opts.deny = 1000;
    memset(&enrol, 0, sizeof enrol);
    memcpy(enrol.id, "0123456789abcdef0123456789abcdef", PT_ID_HEX + 1);
    enrol.status = PT_ENROL_ACTIVE;
    enrol.created = NOW - 86400;
    enrol.ndevices = 1;
    memcpy(enrol.dev[0].id, enrol.id, PT_ID_HEX + 1);
    memcpy(enrol.dev[0].name, "default", 8);
    enrol.dev[0].status = PT_ENROL_ACTIVE;
    enrol.dev[0].created = NOW - 86400;
    enrol.dev[0].confirmed_step = -1;
    enrol.dev[0].alg = PT_ALG_SHA1;
    enrol.dev[0].digits = 6;
    enrol.dev[0].period = 30;
    enrol.dev[0].secret_len = 20;
    memcpy(enrol.dev[0].secret, "12345678901234567890", 20); /* RFC 6238's key */
    enrol.backup.kdf.m_kib = 8;
    enrol.backup.kdf.t = 1;
    enrol.backup.kdf.p = 1;
    memset(enrol.backup.salt, 0x5a, PT_BACKUP_SALT_LEN);
    enrol.backup.count = 10;
    for (unsigned i = 0; i < enrol.backup.count; i++)
        memset(enrol.backup.hash[i], (int)i + 1, PT_BACKUP_HASH_LEN);
    if (pt_hotp(enrol.dev[0].alg, enrol.dev[0].secret, enrol.dev[0].secret_len,
                (uint64_t)pt_totp_step(NOW, enrol.dev[0].period), enrol.dev[0].digits, right_code) != PT_OK)
        abort();
    return 0;
}

static bool is_crockford(char c)
{
    return c != '\0' && strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", c) != NULL;
}

/* Is s, without leading/trailing ASCII whitespace and with single spaces or hyphens between
 * digits dropped, exactly a code valid within the window? (An independent model of
 * pt_verify_digits.) */
static bool trims_to_valid_code(const char *in)
{
    while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r' || *in == '\v' || *in == '\f')
        in++;
    size_t len = strlen(in);
    while (len > 0 && strchr(" \t\n\r\v\f", in[len - 1]) != NULL)
        len--;
    char s[PT_CODE_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] >= '0' && in[i] <= '9') {
            if (n == PT_CODE_MAX)
                return false;
            s[n++] = in[i];
        } else if ((in[i] == ' ' || in[i] == '-') && i > 0 && i + 1 < len &&
                   in[i - 1] >= '0' && in[i - 1] <= '9' && in[i + 1] >= '0' && in[i + 1] <= '9') {
            continue;
        } else {
            return false;
        }
    }
    if (n != enrol.dev[0].digits)
        return false;
    for (int d = -1; d <= 1; d++) {
        char c[PT_CODE_MAX + 1];
        if (pt_hotp(enrol.dev[0].alg, enrol.dev[0].secret, enrol.dev[0].secret_len,
                    (uint64_t)(pt_totp_step(NOW, enrol.dev[0].period) + d), enrol.dev[0].digits, c) != PT_OK)
            abort();
        if (memcmp(s, c, n) == 0)
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 70 * 1024)
        return 0;
    char *answer = fuzz_copy_cstr(data, size);
    if (answer == NULL)
        return 0;
    size_t len = strlen(answer);

    char norm[PT_BACKUP_CHARS + 1];
    memset(norm, 'x', sizeof norm);
    int rc = pt_backup_normalise(answer, norm);
    FUZZ_ASSERT(rc == PT_OK || rc == PT_ERR_INVAL);
    if (rc == PT_OK) {
        FUZZ_ASSERT(len <= PT_BACKUP_INPUT_MAX);
        /* 12 symbols of ours, or the 8 digits of an imported scratch code */
        size_t n = strlen(norm);
        FUZZ_ASSERT(n == PT_BACKUP_CHARS ||
                    (n == PT_BACKUP_SCRATCH_LEN && strspn(norm, "0123456789") == n));
        for (size_t i = 0; i < n; i++)
            FUZZ_ASSERT(is_crockford(norm[i]));
    }

    int64_t step = 0;
    rc = pt_totp_verify(enrol.dev[0].alg, enrol.dev[0].secret, enrol.dev[0].secret_len, enrol.dev[0].digits, enrol.dev[0].period, NOW,
                        1, -1, answer, &step);
    FUZZ_ASSERT(rc == PT_TOTP_NOMATCH || rc == PT_TOTP_MATCH);
    if (rc == PT_TOTP_MATCH) /* the untrimmed check takes exactly the digits */
        FUZZ_ASSERT(len == enrol.dev[0].digits && trims_to_valid_code(answer));

    const char *method = NULL;
    rc = pt_verify_stateless(&opts, &enrol, NULL, answer, NOW, &method);
    FUZZ_ASSERT(rc == 0 || rc == 1 || rc < 0);
    if (rc == 1)
        FUZZ_ASSERT(method != NULL && len <= PT_ANSWER_MAX && trims_to_valid_code(answer));

    static pt_state st;
    pt_state_init(&st);
    pt_verify_outcome out;
    memset(&out, 0, sizeof out);
    rc = pt_verify_answer(&opts, &enrol, &st, answer, NOW, &out);
    FUZZ_ASSERT(rc == PT_OK || rc < 0);
    if (rc == PT_OK) {
        FUZZ_ASSERT(out.reason != NULL);
        if (out.result == PT_ANSWER_TOTP_OK) {
            FUZZ_ASSERT(len <= PT_ANSWER_MAX && trims_to_valid_code(answer));
            FUZZ_ASSERT(st.last_step == out.step && st.nfailures == 0);
        } else {
            /* The hashes are fixed patterns no argon2id output matches: no backup code can win. */
            FUZZ_ASSERT(out.result != PT_ANSWER_BACKUP_OK);
            FUZZ_ASSERT(st.nfailures == 1);
            /* A clock-skew hint is for a wrong code only, within 15 minutes, outside the window. */
            if (out.result == PT_ANSWER_CLOCK_SKEW)
                FUZZ_ASSERT(out.skew != 0 && out.skew >= -PT_SKEW_SECONDS &&
                            out.skew <= PT_SKEW_SECONDS && out.skew % (int64_t)enrol.dev[0].period == 0 &&
                            (out.skew > (int64_t)enrol.dev[0].period || out.skew < -(int64_t)enrol.dev[0].period));
        }
    }
    free(answer);
    return 0;
}
