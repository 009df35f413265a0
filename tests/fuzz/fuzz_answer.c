/* Fuzzes what happens to a typed answer: backup-code normalisation (pt_backup_normalise), the
 * TOTP check (pt_totp_verify), and the whole answer path on a fixed enrolment in memory
 * (pt_verify_stateless, pt_verify_answer). The enrolment's backup set uses tiny argon2id costs,
 * built in memory, so a backup-shaped input costs microseconds, not the real 19 MiB evaluation;
 * the code paths are the same.
 * The enrolment has three devices: "default" (SHA-1, 6 digits), "spare" (SHA-256, 8 digits) and
 * "new" (pending, 6 digits).
 * Properties: a normalised code is 12 characters of Crockford's alphabet; nothing but a right
 * code of an active device for the fixed moment is accepted as TOTP, and the outcome names that
 * device; the pending device's codes never are; answers over PT_ANSWER_MAX are never accepted;
 * a refused answer is counted as a failure. */
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
    /* A second active device of another algorithm and length, and a pending one. */
    static const struct { const char *id, *name, *key; pt_alg alg; unsigned digits; bool on; } more[] = {
        { "11111111111111111111111111111111", "spare", "12345678901234567890123456789012",
          PT_ALG_SHA256, 8, true },
        { "22222222222222222222222222222222", "new", "abcdefghijabcdefghij", PT_ALG_SHA1, 6,
          false },
    };
    for (unsigned i = 0; i < 2; i++) {
        pt_device *d = &enrol.dev[1 + i];
        memcpy(d->id, more[i].id, PT_ID_HEX + 1);
        snprintf(d->name, sizeof d->name, "%s", more[i].name);
        d->status = more[i].on ? PT_ENROL_ACTIVE : PT_ENROL_PENDING;
        d->created = NOW - 3600;
        d->expires = more[i].on ? 0 : NOW + 600;
        d->confirmed_step = -1;
        d->alg = more[i].alg;
        d->digits = more[i].digits;
        d->period = 30;
        d->secret_len = strlen(more[i].key);
        memcpy(d->secret, more[i].key, d->secret_len);
    }
    enrol.ndevices = 3;
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
 * digits dropped, exactly a code of device dev valid within the window? (An independent model of
 * pt_verify_digits.) */
static bool valid_for(const char *in, unsigned dev)
{
    const pt_device *x = &enrol.dev[dev];
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
    if (n != x->digits)
        return false;
    for (int d = -1; d <= 1; d++) {
        char c[PT_CODE_MAX + 1];
        if (pt_hotp(x->alg, x->secret, x->secret_len,
                    (uint64_t)(pt_totp_step(NOW, x->period) + d), x->digits, c) != PT_OK)
            abort();
        if (memcmp(s, c, n) == 0)
            return true;
    }
    return false;
}

/* The first device's codes (the pt_totp_verify property below). */
static bool trims_to_valid_code(const char *s)
{
    return valid_for(s, 0);
}

/* A code of an active device ("default" or "spare"), never of the pending "new". */
static bool valid_for_active(const char *s)
{
    return valid_for(s, 0) || valid_for(s, 1);
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
    const pt_device *d0 = &enrol.dev[0];
    rc = pt_totp_verify(d0->alg, d0->secret, d0->secret_len, d0->digits, d0->period, NOW, 1, -1,
                        answer, &step);
    FUZZ_ASSERT(rc == PT_TOTP_NOMATCH || rc == PT_TOTP_MATCH);
    if (rc == PT_TOTP_MATCH) /* the untrimmed check takes exactly the digits */
        FUZZ_ASSERT(len == enrol.dev[0].digits && trims_to_valid_code(answer));

    const char *method = NULL;
    rc = pt_verify_stateless(&opts, &enrol, NULL, answer, NOW, &method);
    FUZZ_ASSERT(rc == 0 || rc == 1 || rc < 0);
    if (rc == 1)
        FUZZ_ASSERT(method != NULL && len <= PT_ANSWER_MAX && valid_for_active(answer));

    static pt_state st;
    pt_state_init(&st);
    pt_verify_outcome out;
    memset(&out, 0, sizeof out);
    rc = pt_verify_answer(&opts, &enrol, &st, answer, NOW, &out);
    FUZZ_ASSERT(rc == PT_OK || rc < 0);
    if (rc == PT_OK) {
        FUZZ_ASSERT(out.reason != NULL);
        if (out.result == PT_ANSWER_TOTP_OK) {
            FUZZ_ASSERT(len <= PT_ANSWER_MAX && valid_for_active(answer));
            FUZZ_ASSERT(out.device == 0 || out.device == 1);
            FUZZ_ASSERT(valid_for(answer, (unsigned)out.device));
            FUZZ_ASSERT(strcmp(out.device_name, enrol.dev[out.device].name) == 0);
            FUZZ_ASSERT(st.last_step == out.step && st.nfailures == 0);
            FUZZ_ASSERT(pt_state_device_last_used(&st, enrol.dev[out.device].id) == NOW);
        } else {
            /* The hashes are fixed patterns no argon2id output matches: no backup code can win. */
            FUZZ_ASSERT(out.result != PT_ANSWER_BACKUP_OK);
            FUZZ_ASSERT(st.nfailures == 1);
            /* A clock-skew hint is for a wrong code only, within 15 minutes, outside the window. */
            if (out.result == PT_ANSWER_CLOCK_SKEW)
                FUZZ_ASSERT(out.skew != 0 && out.skew >= -PT_SKEW_SECONDS &&
                            out.skew <= PT_SKEW_SECONDS && out.skew % (int64_t)d0->period == 0 &&
                            (out.skew > (int64_t)d0->period || out.skew < -(int64_t)d0->period));
        }
    }
    free(answer);
    return 0;
}
