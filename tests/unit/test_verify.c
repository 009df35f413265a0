/* Answer checking: TOTP accepted once per step (no replay, ever), backup codes accepted once
 * with exactly ONE argon2id evaluation per attempt, wrong answers counted toward the lock,
 * whitespace trimmed, 8-digit enrolments, overlong and empty answers refused, and the stateless
 * check the CLI uses. Expected codes come from pt_hotp, itself checked against the RFC vectors
 * and oathtool in test_totp and test_oathtool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gcrypt.h>

#include "backup.h"
#include "config.h"
#include "enrolment.h"
#include "log.h"
#include "pt_error.h"
#include "state.h"
#include "totp.h"
#include "verify.h"
#include "argon2_shim.h"

/* ---- argon2id evaluations, counted by the libargon2 stand-in (tests/shim) ---- */
static unsigned argon2_calls;
static void count_argon2(uint32_t t, uint32_t m, uint32_t p, size_t pwdlen, size_t saltlen,
                         size_t hashlen)
{
    (void)t, (void)m, (void)p, (void)pwdlen, (void)saltlen, (void)hashlen;
    argon2_calls++;
}

/* Every HMAC the core computes opens a libgcrypt MAC handle: count them. */
static unsigned mac_opens;
gcry_error_t __real_gcry_mac_open(gcry_mac_hd_t *h, int algo, unsigned int flags, gcry_ctx_t ctx);
gcry_error_t __wrap_gcry_mac_open(gcry_mac_hd_t *h, int algo, unsigned int flags, gcry_ctx_t ctx);
gcry_error_t __wrap_gcry_mac_open(gcry_mac_hd_t *h, int algo, unsigned int flags, gcry_ctx_t ctx)
{
    mac_opens++;
    return __real_gcry_mac_open(h, algo, flags, ctx);
}

#define NOW 1700000000 /* step 56666666 at 30 s */

static pt_options o;
static pt_enrolment e;
static pt_state st;
static pt_backup_code codes[5];

static void quiet(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx;
    (void)kind;
    (void)priority;
    (void)msg;
}

static int setup(void **state)
{
    (void)state;
    pt_log_set_sink(quiet, NULL);
    pt_options_defaults(&o);
    o.deny = 3;
    o.fail_interval = 900;
    o.unlock_time = 600;
    if (pt_enrolment_new(&o, NOW - 100, &e) != PT_OK)
        return -1;
    pt_enrolment_activate(&e);
    if (pt_backup_generate(5, &e.backup, codes) != PT_OK)
        return -1;
    pt_state_init(&st);
    argon2_calls = 0; /* generating the set hashed each code; count from here */
    return 0;
}

/* The code for the step containing t. */
static const char *code_at(const pt_enrolment *en, int64_t t)
{
    static char c[PT_CODE_MAX + 1];
    assert_int_equal(pt_hotp(en->dev[0].alg, en->dev[0].secret, en->dev[0].secret_len,
                             (uint64_t)pt_totp_step(t, en->dev[0].period), en->dev[0].digits, c),
                     PT_OK);
    return c;
}

static pt_verify_outcome answer(const char *a, int64_t now)
{
    pt_verify_outcome out;
    assert_int_equal(pt_verify_answer(&o, &e, &st, a, now, &out), PT_OK);
    return out;
}

static void test_totp_and_replay(void **state)
{
    (void)state;
    char c[PT_CODE_MAX + 1];
    snprintf(c, sizeof c, "%s", code_at(&e, NOW));
    pt_verify_outcome out = answer(c, NOW);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_string_equal(out.reason, "totp");
    assert_int_equal(out.step, NOW / 30);
    assert_int_equal(st.last_step, NOW / 30);
    assert_string_equal(st.enrolment, e.id); /* bound to the enrolment */
    assert_int_equal(out.codes_left, 5);

    /* The same code again, even seconds later within the step: a replay, refused but not
     * counted toward the lock (a right code the app still shows). */
    out = answer(c, NOW + 5);
    assert_int_equal(out.result, PT_ANSWER_REPLAY);
    assert_string_equal(out.reason, "replay");
    assert_int_equal(st.nfailures, 0);
    assert_false(out.locked_now);
    /* The previous step's code is within the window but older than the last accepted one. */
    snprintf(c, sizeof c, "%s", code_at(&e, NOW - 30));
    assert_int_equal(answer(c, NOW).result, PT_ANSWER_REPLAY);
    /* The next step's code, later: accepted, and success clears the failures. */
    snprintf(c, sizeof c, "%s", code_at(&e, NOW + 30));
    out = answer(c, NOW + 30);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_int_equal(st.nfailures, 0);
    /* Window 1: a code from more than 15 minutes away is wrong (nearer ones: test_skew). */
    snprintf(c, sizeof c, "%s", code_at(&e, NOW + 3600));
    assert_int_equal(answer(c, NOW + 30).result, PT_ANSWER_WRONG);
    assert_int_equal(argon2_calls, 0); /* digits never cost an argon2id */
}

static void test_backup_once(void **state)
{
    (void)state;
    argon2_calls = 0;
    pt_verify_outcome out = answer(codes[2], NOW);
    assert_int_equal(argon2_calls, 1);
    assert_int_equal(out.result, PT_ANSWER_BACKUP_OK);
    assert_string_equal(out.reason, "backup");
    assert_int_equal(out.backup_index, 2);
    assert_int_equal(out.codes_left, 4);
    assert_int_equal(st.used[2], 1);

    /* Again: used. Still exactly one argon2id evaluation. */
    argon2_calls = 0;
    out = answer(codes[2], NOW + 1);
    assert_int_equal(argon2_calls, 1);
    assert_int_equal(out.result, PT_ANSWER_BACKUP_USED);
    assert_string_equal(out.reason, "used_backup_code");
    assert_int_equal(out.codes_left, 4);
    assert_int_equal(st.nfailures, 0); /* a used backup code is not counted either */

    /* Case and separators do not matter. */
    char loose[64];
    snprintf(loose, sizeof loose, "  %.4s %.4s %.4s\t", codes[4], codes[4] + 5, codes[4] + 10);
    for (char *p = loose; *p; p++)
        *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    out = answer(loose, NOW + 2);
    assert_int_equal(out.result, PT_ANSWER_BACKUP_OK);
    assert_int_equal(out.backup_index, 4);
    assert_int_equal(out.codes_left, 3);

    /* A well-formed code that is not in the set: wrong, one argon2id. */
    argon2_calls = 0;
    out = answer("ABCD-EFGH-JKMN", NOW + 3);
    assert_int_equal(argon2_calls, 1);
    assert_int_equal(out.result, PT_ANSWER_WRONG);

    /* A new enrolment id (new set) makes the old marks irrelevant. */
    assert_int_equal(pt_enrolment_new_id(e.id), PT_OK);
    out = answer(codes[2], NOW + 4);
    assert_int_equal(out.result, PT_ANSWER_BACKUP_OK);
    assert_int_equal(out.codes_left, 4);
}

static void test_lock(void **state)
{
    (void)state;
    pt_verify_outcome out = answer("000000", NOW);
    if (strcmp(code_at(&e, NOW), "000000") == 0)
        skip(); /* one chance in a million */
    assert_int_equal(out.result, PT_ANSWER_WRONG);
    assert_string_equal(out.reason, "wrong_code");
    assert_false(out.locked_now);
    assert_int_equal(st.nfailures, 1);
    out = answer("garbage!", NOW + 1);
    assert_int_equal(out.result, PT_ANSWER_MALFORMED);
    assert_false(out.locked_now);
    out = answer("000000", NOW + 2);
    assert_true(out.locked_now); /* deny = 3 */
    assert_int_equal(pt_state_lock_left(&st, NOW + 2), 600);
    assert_int_equal(st.nfailures, 3);
}

static void test_trim_and_shapes(void **state)
{
    (void)state;
    char c[64];
    snprintf(c, sizeof c, " \t%s \r\n", code_at(&e, NOW));
    assert_int_equal(answer(c, NOW).result, PT_ANSWER_TOTP_OK);

    argon2_calls = 0;
    assert_int_equal(answer("", NOW).result, PT_ANSWER_MALFORMED);
    assert_int_equal(answer("   ", NOW).result, PT_ANSWER_MALFORMED);
    assert_int_equal(answer("12345", NOW).result, PT_ANSWER_MALFORMED);
    assert_int_equal(answer("1234567", NOW).result, PT_ANSWER_MALFORMED);
    assert_int_equal(answer("12 34 5", NOW).result, PT_ANSWER_MALFORMED);
    pt_verify_outcome out = answer(NULL, NOW);
    assert_int_equal(out.result, PT_ANSWER_MALFORMED);
    assert_string_equal(out.reason, "malformed");
    /* Overlong: refused unread, even when its start is a valid code. */
    static char lng[PT_ANSWER_MAX + 10];
    memset(lng, ' ', sizeof lng - 1);
    memcpy(lng, code_at(&e, NOW + 30), 6);
    lng[sizeof lng - 1] = '\0';
    assert_int_equal(answer(lng, NOW + 30).result, PT_ANSWER_MALFORMED);
    assert_int_equal(argon2_calls, 0); /* nothing shaped like a code was hashed */
    assert_int_equal(st.last_step, NOW / 30);
}

static void test_eight_digits(void **state)
{
    (void)state;
    o.algorithm = PT_ALG_SHA256;
    o.digits = 8;
    o.period = 60;
    pt_enrolment_wipe(&e);
    assert_int_equal(pt_enrolment_new(&o, NOW, &e), PT_OK);
    assert_int_equal(e.dev[0].digits, 8);
    char c[PT_CODE_MAX + 1];
    snprintf(c, sizeof c, "%s", code_at(&e, NOW));
    assert_int_equal(strlen(c), 8);
    pt_verify_outcome out = answer(c, NOW);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_int_equal(out.step, NOW / 60);
    assert_int_equal(answer(c, NOW).result, PT_ANSWER_REPLAY);
    /* Six digits are not a code for an 8-digit enrolment. */
    assert_int_equal(answer("123456", NOW).result, PT_ANSWER_MALFORMED);
}

/* Imported scratch codes are 8 digits. With digits = 6 they are backup codes; with digits = 8
 * an 8-digit answer is a TOTP code first (no argon2id spent when it is one), then a backup code;
 * when it is neither, the TOTP verdict stands (a replay stays a replay). */
static void test_scratch_codes(void **state)
{
    (void)state;
    static const char scratch[2][PT_BACKUP_SCRATCH_LEN + 1] = { "12345678", "87654321" };
    assert_int_equal(pt_backup_import(scratch, 2, &e.backup), PT_OK);
    argon2_calls = 0;
    pt_verify_outcome out = answer("1234 5678", NOW);
    assert_int_equal(out.result, PT_ANSWER_BACKUP_OK);
    assert_int_equal(out.backup_index, 0);
    assert_int_equal(out.codes_left, 1);
    assert_int_equal(argon2_calls, 1);
    assert_int_equal(answer("12345678", NOW).result, PT_ANSWER_BACKUP_USED);

    o.digits = 8;
    e.dev[0].digits = 8;
    pt_state_init(&st);
    char c[PT_CODE_MAX + 1];
    snprintf(c, sizeof c, "%s", code_at(&e, NOW));
    argon2_calls = 0;
    assert_int_equal(answer(c, NOW).result, PT_ANSWER_TOTP_OK);
    assert_int_equal(argon2_calls, 0); /* a TOTP code costs no hashing */
    assert_int_equal(answer(c, NOW).result, PT_ANSWER_REPLAY);
    assert_int_equal(argon2_calls, 1); /* tried as a backup code, then the replay verdict */
    out = answer("87654321", NOW);
    assert_int_equal(out.result, PT_ANSWER_BACKUP_OK);
    assert_int_equal(out.backup_index, 1);
    assert_int_equal(answer("87654321", NOW).result, PT_ANSWER_BACKUP_USED);
    assert_int_equal(answer("11111111", NOW).result, PT_ANSWER_WRONG);
    const char *method = NULL;
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, "87654321", NOW, &method), 1);
    assert_string_equal(method, "backup");
}

static void test_stateless(void **state)
{
    (void)state;
    const char *method = NULL;
    char c[PT_CODE_MAX + 1];
    snprintf(c, sizeof c, "%s", code_at(&e, NOW));
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, c, NOW, &method), 1);
    assert_string_equal(method, "totp");
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, c, NOW + 90, &method), 0);
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, codes[1], NOW, &method), 1);
    assert_string_equal(method, "backup");
    /* Used marks count when the state refers to this enrolment, not otherwise. */
    pt_state_bind(&st, e.id);
    st.used[1] = 1;
    assert_int_equal(pt_verify_stateless(&o, &e, &st, codes[1], NOW, &method), 0);
    pt_state_bind(&st, "00000000000000000000000000000000");
    st.used[1] = 1;
    assert_int_equal(pt_verify_stateless(&o, &e, &st, codes[1], NOW, &method), 1);
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, "", NOW, &method), 0);
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, "nonsense", NOW, &method), 0);
}

/* The code that activated an enrolment (confirmed by pam-totp, outside the runtime state) is
 * never accepted afterwards, at login or by a stateless check; the next step's code is. */
/* A step a user-run command accepted (command_step) is never accepted at login; it survives the
 * file format, and a file without it reads as -1 (none). */
static void test_command_step(void **state)
{
    (void)state;
    char c[PT_CODE_MAX + 1];
    const char *method = NULL;
    int64_t step = -2;
    int device = -2;
    assert_int_equal(e.dev[0].command_step, -1);
    strcpy(c, code_at(&e, NOW + 60));
    assert_int_equal(pt_verify_stateless_step(&o, &e, NULL, c, NOW + 60, &method, &step, &device),
                     1);
    assert_int_equal(step, pt_totp_step(NOW + 60, 30));
    assert_int_equal(device, 0);
    e.dev[0].command_step = step;

    char *text = NULL;
    size_t len = 0;
    pt_enrolment back;
    assert_int_equal(pt_enrolment_format(&e, &text, &len), PT_OK);
    assert_non_null(strstr(text, "command_step = "));
    assert_int_equal(pt_enrolment_parse(text, len, "t", &back), PT_OK);
    assert_int_equal(back.dev[0].command_step, e.dev[0].command_step);
    pt_wipe(text, len);
    free(text);
    pt_enrolment_wipe(&back);

    pt_verify_outcome out;
    assert_int_equal(pt_verify_answer(&o, &e, &st, c, NOW + 60, &out), PT_OK);
    assert_int_equal(out.result, PT_ANSWER_REPLAY);
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, c, NOW + 60, &method), 0);
    assert_int_equal(pt_verify_answer(&o, &e, &st, code_at(&e, NOW + 90), NOW + 90, &out), PT_OK);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    e.dev[0].command_step = -1;
}

static void test_confirmed_step(void **state)
{
    (void)state;
    char c[PT_CODE_MAX + 1];
    strcpy(c, code_at(&e, NOW));
    /* Only a pending device is confirmed. */
    assert_int_equal(pt_verify_confirm(&o, &e, c, NOW), 0);
    e.dev[0].status = PT_ENROL_PENDING;
    assert_int_equal(pt_verify_confirm(&o, &e, "000000x", NOW), 0);
    assert_int_equal(e.dev[0].confirmed_step, -1);
    assert_int_equal(pt_verify_confirm(&o, &e, c, NOW), 1);
    assert_int_equal(e.dev[0].confirmed_step, pt_totp_step(NOW, 30));
    pt_enrolment_activate(&e);

    /* The format keeps it. */
    char *text = NULL;
    size_t len = 0;
    pt_enrolment back;
    assert_int_equal(pt_enrolment_format(&e, &text, &len), PT_OK);
    assert_non_null(strstr(text, "confirmed_step = "));
    assert_int_equal(pt_enrolment_parse(text, len, "t", &back), PT_OK);
    assert_int_equal(back.dev[0].confirmed_step, e.dev[0].confirmed_step);
    pt_wipe(text, len);
    free(text);
    pt_enrolment_wipe(&back);

    const char *method = NULL;
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, c, NOW, &method), 0);
    pt_verify_outcome out;
    assert_int_equal(pt_verify_answer(&o, &e, &st, c, NOW, &out), PT_OK);
    assert_int_equal(out.result, PT_ANSWER_REPLAY);
    assert_int_equal(pt_verify_answer(&o, &e, &st, code_at(&e, NOW + 30), NOW + 30, &out), PT_OK);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
}

/* Re-enrolment with another period: last_step was counted in the old period. A code of the new
 * enrolment is accepted once its step starts after the last accepted one started, and a step
 * already used is still refused. */
static void test_period_change(void **state)
{
    (void)state;
    pt_verify_outcome out;
    assert_int_equal(pt_verify_answer(&o, &e, &st, code_at(&e, NOW), NOW, &out), PT_OK);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_int_equal(st.step_period, 30);

    pt_enrolment e60;
    o.period = 60;
    assert_int_equal(pt_enrolment_new(&o, NOW, &e60), PT_OK);
    pt_enrolment_activate(&e60);
    /* NOW = 1700000000 lies in the 60 s step starting at 1699999980, before the 30 s step
     * accepted above (starting at 1699999980 too): not newer, refused. */
    assert_int_equal(pt_verify_answer(&o, &e60, &st, code_at(&e60, NOW), NOW, &out), PT_OK);
    assert_int_equal(out.result, PT_ANSWER_REPLAY);
    /* The next minute: accepted, and recorded in 60 s steps. */
    assert_int_equal(pt_verify_answer(&o, &e60, &st, code_at(&e60, NOW + 60), NOW + 60, &out),
                     PT_OK);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_int_equal(st.step_period, 60);
    assert_int_equal(st.last_step, pt_totp_step(NOW + 60, 60));
    assert_int_equal(pt_verify_answer(&o, &e60, &st, code_at(&e60, NOW + 60), NOW + 60, &out),
                     PT_OK);
    assert_int_equal(out.result, PT_ANSWER_REPLAY);
    pt_enrolment_wipe(&e60);
    o.period = 30;
}

/* Codes typed as apps show them: spaces and hyphens between digits are ignored, in the login
 * check, the stateless check and the confirmation; anything else around them is not. */
static void test_grouped_codes(void **state)
{
    (void)state;
    char c[PT_CODE_MAX + 1], typed[64];
    strcpy(c, code_at(&e, NOW));
    snprintf(typed, sizeof typed, "%.3s %s", c, c + 3);
    pt_verify_outcome out = answer(typed, NOW);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    strcpy(c, code_at(&e, NOW + 30));
    snprintf(typed, sizeof typed, " %.3s-%s\n", c, c + 3);
    assert_int_equal(answer(typed, NOW + 30).result, PT_ANSWER_TOTP_OK);
    strcpy(c, code_at(&e, NOW + 60));
    snprintf(typed, sizeof typed, "%.2s %.2s-%s", c, c + 2, c + 4);
    assert_int_equal(answer(typed, NOW + 60).result, PT_ANSWER_TOTP_OK);
    assert_int_equal(argon2_calls, 0);

    /* Not a grouping: separators at an end, doubled, or other characters. */
    char d[PT_ANSWER_MAX + 1];
    assert_int_equal(pt_verify_digits("123 456", d), 6);
    assert_string_equal(d, "123456");
    assert_int_equal(pt_verify_digits("1-2-3-4-5-6-7-8", d), 8);
    assert_int_equal(pt_verify_digits("\t123456 ", d), 6);
    assert_int_equal(pt_verify_digits("123  456", d), 0);
    assert_int_equal(pt_verify_digits("123--456", d), 0);
    assert_int_equal(pt_verify_digits("-123456", d), 0);
    assert_int_equal(pt_verify_digits("123456-", d), 0);
    assert_int_equal(pt_verify_digits("123_456", d), 0);
    assert_int_equal(pt_verify_digits("123.456", d), 0);
    assert_int_equal(pt_verify_digits("123 45a", d), 0);
    assert_int_equal(pt_verify_digits("", d), 0);
    assert_int_equal(pt_verify_digits(NULL, d), 0);
    assert_string_equal(d, "");

    /* The stateless check and the confirmation take grouped codes too. */
    pt_state_init(&st);
    strcpy(c, code_at(&e, NOW + 90));
    snprintf(typed, sizeof typed, "%.3s-%s", c, c + 3);
    const char *method = NULL;
    assert_int_equal(pt_verify_stateless(&o, &e, NULL, typed, NOW + 90, &method), 1);
    pt_enrolment_wipe(&e);
    assert_int_equal(pt_enrolment_new(&o, NOW, &e), PT_OK);
    strcpy(c, code_at(&e, NOW));
    snprintf(typed, sizeof typed, "%.3s %s", c, c + 3);
    assert_int_equal(pt_verify_confirm(&o, &e, typed, NOW), 1);

    /* 8 digits as "1234 5678". */
    o.digits = 8;
    pt_enrolment_wipe(&e);
    assert_int_equal(pt_enrolment_new(&o, NOW, &e), PT_OK);
    pt_enrolment_activate(&e);
    pt_state_init(&st);
    strcpy(c, code_at(&e, NOW));
    snprintf(typed, sizeof typed, "%.4s %s", c, c + 4);
    assert_int_equal(answer(typed, NOW).result, PT_ANSWER_TOTP_OK);
    o.digits = 6;
}

/* A code with the wrong number of digits is refused, counted, and says how many were typed. */
static void test_wrong_length(void **state)
{
    (void)state;
    pt_verify_outcome out = answer("12345", NOW);
    assert_int_equal(out.result, PT_ANSWER_MALFORMED);
    assert_int_equal(out.typed_digits, 5);
    assert_int_equal(st.nfailures, 1);
    out = answer("1234 5678", NOW);
    assert_int_equal(out.result, PT_ANSWER_MALFORMED);
    assert_int_equal(out.typed_digits, 8);
    out = answer("hello", NOW);
    assert_int_equal(out.result, PT_ANSWER_MALFORMED);
    assert_int_equal(out.typed_digits, 0);
    unsigned typed = 0;
    int64_t skew = 1;
    assert_int_equal(pt_verify_explain(&o, &e, "1234567", NOW, &typed, &skew), PT_OK);
    assert_int_equal(typed, 7);
    assert_int_equal(skew, 0);
    /* A backup code is never taken for digits of the wrong length. */
    out = answer(codes[0], NOW);
    assert_int_equal(out.result, PT_ANSWER_BACKUP_OK);
}

/* A wrong code that is the code of a step minutes away: refused and counted, with the offset;
 * never a success, never beyond 15 minutes, and a future step's code is burned. */
static void test_skew(void **state)
{
    (void)state;
    static const int minutes[] = {2, 5, 10, 15, -2, -5, -15};
    for (size_t i = 0; i < sizeof minutes / sizeof minutes[0]; i++) {
        int64_t now = NOW + 3600 * (int64_t)(i + 1); /* a fresh step each round */
        int64_t off = 60 * (int64_t)minutes[i];
        char c[PT_CODE_MAX + 1];
        strcpy(c, code_at(&e, now + off));
        unsigned before = st.nfailures;
        pt_verify_outcome out = answer(c, now);
        assert_int_equal(out.result, PT_ANSWER_CLOCK_SKEW);
        assert_string_equal(out.reason, "clock_skew");
        assert_int_equal(out.skew, off);
        assert_int_equal(st.nfailures, before + 1);
        /* The uncounted explanation gives no clock hint for an active device (it would be a
         * free search for a future code), only for the device being confirmed. */
        unsigned typed = 9;
        int64_t skew = 1;
        assert_int_equal(pt_verify_explain(&o, &e, c, now, &typed, &skew), PT_OK);
        assert_int_equal(skew, 0);
        assert_int_equal(typed, 0);
        e.dev[0].status = PT_ENROL_PENDING;
        assert_int_equal(pt_verify_explain(&o, &e, c, now, &typed, &skew), PT_OK);
        assert_int_equal(skew, off);
        e.dev[0].status = PT_ENROL_ACTIVE;
        pt_state_clear_failures(&st);
    }
    /* 16 minutes off either way: just wrong. */
    char c[PT_CODE_MAX + 1];
    int64_t now = NOW + 40000;
    strcpy(c, code_at(&e, now + 16 * 60));
    assert_int_equal(answer(c, now).result, PT_ANSWER_WRONG);
    strcpy(c, code_at(&e, now - 16 * 60));
    assert_int_equal(answer(c, now).result, PT_ANSWER_WRONG);

    /* The future code shown by a skewed try is burned: when its time comes it is refused,
     * and the next step's code still works. */
    now = NOW + 50000;
    strcpy(c, code_at(&e, now + 300));
    pt_verify_outcome out = answer(c, now);
    assert_int_equal(out.result, PT_ANSWER_CLOCK_SKEW);
    assert_int_equal(st.nburned, 1);
    assert_int_equal(answer(c, now + 300).result, PT_ANSWER_REPLAY);
    strcpy(c, code_at(&e, now + 330));
    assert_int_equal(answer(c, now + 330).result, PT_ANSWER_TOTP_OK);
    /* A past code older than the last accepted step is not reported as skew. */
    strcpy(c, code_at(&e, now + 330 - 600));
    assert_int_equal(answer(c, now + 330).result, PT_ANSWER_WRONG);

    /* Burned steps survive the state file and a new enrolment id (new backup codes keep the
     * secret, so a burned code must stay refused). */
    char *text = NULL;
    size_t len = 0;
    pt_state back;
    assert_int_equal(pt_state_format(&st, &text, &len), PT_OK);
    assert_non_null(strstr(text, "\nburned = "));
    assert_int_equal(pt_state_parse(text, len, "t", &back), PT_OK);
    assert_int_equal(back.nburned, st.nburned);
    free(text);
    pt_state_bind(&st, "00000000000000000000000000000000");
    assert_int_equal(st.nburned, back.nburned);
}

/* A code of the device d (index in e) for the step containing t. */
static const char *device_code(const pt_enrolment *en, unsigned d, int64_t t)
{
    static char c[PT_CODE_MAX + 1];
    const pt_device *x = &en->dev[d];
    assert_int_equal(pt_hotp(x->alg, x->secret, x->secret_len,
                             (uint64_t)pt_totp_step(t, x->period), x->digits, c), PT_OK);
    return c;
}

static void add_device(const char *name, bool active, unsigned digits)
{
    pt_device d;
    unsigned saved = o.digits;
    o.digits = digits;
    assert_int_equal(pt_device_new(&o, NOW - 50, name, &d), PT_OK);
    o.digits = saved;
    if (active) {
        d.status = PT_ENROL_ACTIVE;
        d.expires = 0;
    }
    assert_int_equal(pt_device_add(&e, &d), PT_OK);
}

/* Several devices: a code of any active device logs in once; replay is tracked per user (one
 * last step for all devices), so no code of any device for a used step works again; a pending
 * device's codes do not log in; a removed device's codes stop; the device is named in the
 * outcome and its last use recorded; the work is one HMAC per device and step in the window. */
static void test_devices(void **state)
{
    (void)state;
    pt_verify_outcome out;
    add_device("spare", true, 6);
    add_device("eight", true, 8);
    add_device("new", false, 6);

    char a[PT_CODE_MAX + 1], b[PT_CODE_MAX + 1];
    snprintf(a, sizeof a, "%s", device_code(&e, 0, NOW));
    snprintf(b, sizeof b, "%s", device_code(&e, 1, NOW));
    out = answer(b, NOW);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_int_equal(out.device, 1);
    assert_string_equal(out.device_name, "spare");
    assert_int_equal(pt_state_device_last_used(&st, e.dev[1].id), NOW);
    assert_int_equal(pt_state_device_last_used(&st, e.dev[0].id), -1);
    /* The same step on the other device: already used by this user. */
    assert_int_equal(answer(a, NOW).result, PT_ANSWER_REPLAY);
    assert_int_equal(answer(b, NOW).result, PT_ANSWER_REPLAY);

    /* The next step: the first device's code, then the 8-digit device's the step after. */
    out = answer(device_code(&e, 0, NOW + 30), NOW + 30);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_string_equal(out.device_name, "default");
    out = answer(device_code(&e, 2, NOW + 60), NOW + 60);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_string_equal(out.device_name, "eight");

    /* The pending device's code is refused (and counted). */
    out = answer(device_code(&e, 3, NOW + 90), NOW + 90);
    assert_int_equal(out.result, PT_ANSWER_WRONG);
    assert_int_equal(out.device, -1);

    /* The work: three active 6-digit-or-8 devices; a 6-digit answer is checked against the two
     * 6-digit ones, (2 * window + 1) HMACs each, whatever matches. */
    mac_opens = 0;
    out = answer("123456", NOW + 120);
    /* A wrong code also looks for a clock that is off, beyond the window of each device. */
    assert_true(mac_opens >= 2 * (2 * o.window + 1));
    assert_true(mac_opens <= 2 * (2 * o.window + 1 + 2 * PT_SKEW_STEPS_MAX));
    snprintf(a, sizeof a, "%s", device_code(&e, 0, NOW + 150));
    mac_opens = 0;
    out = answer(a, NOW + 150);
    assert_int_equal(out.result, PT_ANSWER_TOTP_OK);
    assert_int_equal(mac_opens, 2 * (2 * o.window + 1));

    /* Removing "spare": its codes stop, the others' keep working; its last use is forgotten. */
    pt_device_remove(&e, 1);
    assert_int_equal(answer(device_code(&e, 0, NOW + 180), NOW + 180).result, PT_ANSWER_TOTP_OK);
    assert_int_equal(st.ndevices, 2); /* "spare" pruned; "default" and "eight" remain */
    assert_int_equal(pt_state_device_last_used(&st, e.dev[0].id), NOW + 180);

    /* A stateless check (a user's pam-totp) accepts any active device too. */
    const char *method = NULL;
    assert_int_equal(pt_verify_stateless(&o, &e, &st, device_code(&e, 1, NOW + 210), NOW + 210,
                                         &method), 1);
    assert_string_equal(method, "totp");
    assert_int_equal(pt_verify_stateless(&o, &e, &st, device_code(&e, 2, NOW + 210), NOW + 210,
                                         &method), 0); /* pending */

    /* The cap bounds the whole: PT_DEVICES_MAX devices of one size cost that many HMACs per step. */
    while (e.ndevices < PT_DEVICES_MAX) {
        char n[16];
        snprintf(n, sizeof n, "d%u", e.ndevices);
        add_device(n, true, 6);
    }
    mac_opens = 0;
    (void)answer("654321", NOW + 240);
    assert_true(mac_opens <= PT_DEVICES_MAX * (2 * o.window + 1 + 2 * PT_SKEW_STEPS_MAX));
}

int main(void)
{
    pt_argon2_shim_observe(count_argon2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_totp_and_replay, setup),
        cmocka_unit_test_setup(test_backup_once, setup),
        cmocka_unit_test_setup(test_lock, setup),
        cmocka_unit_test_setup(test_trim_and_shapes, setup),
        cmocka_unit_test_setup(test_eight_digits, setup),
        cmocka_unit_test_setup(test_scratch_codes, setup),
        cmocka_unit_test_setup(test_stateless, setup),
        cmocka_unit_test_setup(test_confirmed_step, setup),
        cmocka_unit_test_setup(test_command_step, setup),
        cmocka_unit_test_setup(test_period_change, setup),
        cmocka_unit_test_setup(test_grouped_codes, setup),
        cmocka_unit_test_setup(test_wrong_length, setup),
        cmocka_unit_test_setup(test_skew, setup),
        cmocka_unit_test_setup(test_devices, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
