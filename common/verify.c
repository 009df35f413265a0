/* Checking one answer against an enrolment and the runtime state (verify.h). */
#include "verify.h"

#include <stdint.h>

#include <string.h>

#include "backup.h"
#include "pt_error.h"
#include "totp.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Copies the answer without surrounding whitespace into out (PT_ANSWER_MAX + 1 bytes).
 * False for NULL or an answer longer than PT_ANSWER_MAX (not read past that). */
static bool trim_answer(const char *answer, char out[PT_ANSWER_MAX + 1])
{
    out[0] = '\0';
    if (!answer)
        return false;
    size_t n = strnlen(answer, PT_ANSWER_MAX + 1);
    if (n > PT_ANSWER_MAX)
        return false;
    size_t a = 0;
    while (a < n && is_space(answer[a]))
        a++;
    while (n > a && is_space(answer[n - 1]))
        n--;
    memcpy(out, answer + a, n - a);
    out[n - a] = '\0';
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

size_t pt_verify_digits(const char *answer, char out[PT_ANSWER_MAX + 1])
{
    char t[PT_ANSWER_MAX + 1];
    size_t n = 0;
    out[0] = '\0';
    if (!trim_answer(answer, t) || !is_digit(t[0]))
        goto done;
    for (size_t i = 0; t[i] != '\0'; i++) {
        if (is_digit(t[i])) {
            out[n++] = t[i];
        } else if ((t[i] == ' ' || t[i] == '-') && is_digit(t[i + 1])) {
            continue; /* one separator, with a digit after it (and one before: see above) */
        } else {
            n = 0;
            break;
        }
    }
done:
    out[n] = '\0';
    pt_wipe(t, sizeof t);
    return n;
}

/* The code's digits into code when the answer is a TOTP code of e's length. */
static bool totp_code_of(const char *answer, unsigned digits, char code[PT_ANSWER_MAX + 1])
{
    return pt_verify_digits(answer, code) == digits;
}

static bool is_backup_shape(const char *s)
{
    char canon[PT_BACKUP_CHARS + 1];
    bool ok = pt_backup_normalise(s, canon) == PT_OK;
    pt_wipe(canon, sizeof canon);
    return ok;
}

static void set_result(pt_verify_outcome *out, pt_answer_result r)
{
    static const char *const reasons[] = {
        [PT_ANSWER_TOTP_OK] = "totp",
        [PT_ANSWER_BACKUP_OK] = "backup",
        [PT_ANSWER_WRONG] = "wrong_code",
        [PT_ANSWER_REPLAY] = "replay",
        [PT_ANSWER_BACKUP_USED] = "used_backup_code",
        [PT_ANSWER_MALFORMED] = "malformed",
        [PT_ANSWER_CLOCK_SKEW] = "clock_skew",
    };
    out->result = r;
    out->reason = reasons[r];
}

/* The newest step that no longer counts: the last accepted one, or the one that activated the
 * enrolment (confirmed outside the runtime state, e.g. by a user's pam-totp). */
/* st->last_step in steps of `period` seconds. After a re-enrolment with another period a step of
 * the new period counts as newer only when it starts after the last accepted one started:
 * s * period > last_step * step_period, i.e. s > floor(last_step * step_period / period).
 * An absurd stored value refuses everything rather than overflow (fail closed). */
static int64_t last_step_in(const pt_state *st, unsigned period)
{
    if (st->last_step < 0 || st->step_period == 0 || st->step_period == period || period == 0)
        return st->last_step;
    int64_t start;
    if (__builtin_mul_overflow(st->last_step, (int64_t)st->step_period, &start))
        return INT64_MAX;
    return start / (int64_t)period;
}

static int64_t used_up_to(const pt_enrolment *e, const pt_state *st)
{
    int64_t after = st ? last_step_in(st, e->period) : -1;
    if (e->command_step > after)
        after = e->command_step;
    return e->confirmed_step > after ? e->confirmed_step : after;
}

/* Looks for the code among the steps within PT_SKEW_SECONDS of now but outside the window,
 * newer than after (older ones are replays whatever the clock). *skew_step gets the matching step
 * nearest to now, or -1. Not constant-time: it runs only for a code already refused, and what it
 * finds is told to the user anyway. */
static int find_skew(const pt_enrolment *e, int64_t now, unsigned window, int64_t after,
                     const char *code, int64_t *skew_step)
{
    int64_t cur = pt_totp_step(now, e->period);
    int64_t reach = PT_SKEW_SECONDS / (int64_t)e->period;
    if (reach > PT_SKEW_STEPS_MAX)
        reach = PT_SKEW_STEPS_MAX;
    *skew_step = -1;
    for (int64_t d = (int64_t)window + 1; d <= reach; d++) {
        int64_t cand[2] = {cur - d, cur + d}; /* behind first: the nearer past wins a tie */
        for (int i = 0; i < 2; i++) {
            int64_t s = cand[i];
            if (s < 0 || s <= after)
                continue;
            char c[PT_CODE_MAX + 1];
            int rc = pt_hotp(e->alg, e->secret, e->secret_len, (uint64_t)s, e->digits, c);
            bool eq = rc == PT_OK && pt_ct_equal(c, code, e->digits);
            pt_wipe(c, sizeof c);
            if (rc != PT_OK)
                return rc;
            if (eq) {
                *skew_step = s;
                return PT_OK;
            }
        }
    }
    return PT_OK;
}

static int check_totp(const pt_options *o, const pt_enrolment *e, pt_state *st, const char *code,
                      int64_t now, pt_verify_outcome *out)
{
    int64_t step = -1;
    int rc = pt_totp_verify(e->alg, e->secret, e->secret_len, e->digits, e->period, now,
                            o->window, used_up_to(e, st), code, &step);
    if (rc < 0)
        return rc;
    if (rc == PT_TOTP_MATCH && pt_state_is_burned(st, step))
        rc = PT_TOTP_REPLAY; /* its code was shown by a skewed try: never accepted */
    if (rc == PT_TOTP_NOMATCH) {
        int64_t skewed = -1;
        rc = find_skew(e, now, o->window, used_up_to(e, st), code, &skewed);
        if (rc < 0)
            return rc;
        if (skewed >= 0) {
            int64_t cur = pt_totp_step(now, e->period);
            set_result(out, PT_ANSWER_CLOCK_SKEW);
            out->skew = (skewed - cur) * (int64_t)e->period;
            if (skewed > cur)
                pt_state_burn_step(st, skewed, cur);
            return PT_OK;
        }
        rc = PT_TOTP_NOMATCH;
    }
    if (rc == PT_TOTP_MATCH) {
        set_result(out, PT_ANSWER_TOTP_OK);
        out->step = step;
        if (step > last_step_in(st, e->period)) { /* never lowered */
            st->last_step = step;
            st->step_period = e->period;
        }
    } else {
        set_result(out, rc == PT_TOTP_REPLAY ? PT_ANSWER_REPLAY : PT_ANSWER_WRONG);
    }
    return PT_OK;
}

static int check_backup(const pt_enrolment *e, pt_state *st, const char *code,
                        pt_verify_outcome *out)
{
    int index = -1;
    /* Exactly one argon2id evaluation, whatever the set holds. */
    int rc = pt_backup_match(&e->backup, code, &index);
    if (rc < 0)
        return rc; /* the shape was checked before, so this is a real error */
    if (rc == 1 && index >= 0 && index < PT_BACKUP_MAX) {
        if (st->used[index]) {
            set_result(out, PT_ANSWER_BACKUP_USED);
        } else {
            st->used[index] = 1;
            set_result(out, PT_ANSWER_BACKUP_OK);
            out->backup_index = index;
        }
    } else {
        set_result(out, PT_ANSWER_WRONG);
    }
    return PT_OK;
}

int pt_verify_answer(const pt_options *o, const pt_enrolment *e, pt_state *st, const char *answer,
                     int64_t now, pt_verify_outcome *out)
{
    char code[PT_ANSWER_MAX + 1];
    int rc = PT_OK;

    memset(out, 0, sizeof *out);
    out->step = -1;
    out->backup_index = -1;
    pt_state_bind(st, e->id);

    size_t ndigits = pt_verify_digits(answer, code);
    if (ndigits == e->digits) {
        rc = check_totp(o, e, st, code, now, out);
        /* digits = 8: an imported 8-digit scratch code has the shape of a TOTP code. It is a
         * TOTP code first; when that fails it is tried as a backup code, and if that fails too
         * the TOTP verdict (wrong, replay or clock skew) stands. */
        if (rc == PT_OK && out->result != PT_ANSWER_TOTP_OK && is_backup_shape(code)) {
            pt_verify_outcome totp = *out;
            rc = check_backup(e, st, code, out);
            if (rc == PT_OK && out->result == PT_ANSWER_WRONG)
                *out = totp;
        }
    } else if (!trim_answer(answer, code) || code[0] == '\0') {
        set_result(out, PT_ANSWER_MALFORMED);
    } else if (is_backup_shape(code)) {
        rc = check_backup(e, st, code, out);
        /* Digits of another number than a code has that are no (imported 8-digit) backup code
         * either: most likely a mistyped code, so say how many digits a code has. */
        if (rc == PT_OK && out->result == PT_ANSWER_WRONG && ndigits > 0) {
            set_result(out, PT_ANSWER_MALFORMED);
            out->typed_digits = (unsigned)(ndigits > 99 ? 99 : ndigits);
        }
    } else {
        set_result(out, PT_ANSWER_MALFORMED);
        out->typed_digits = (unsigned)(ndigits > 99 ? 99 : ndigits);
    }
    pt_wipe(code, sizeof code);
    if (rc != PT_OK)
        return rc;

    /* A right code that was already used (the app still shows the code that confirmed the
     * enrolment or let the last login in, or a backup code used before) proves the user holds the
     * secret; it is refused but not counted, so an impatient user does not lock themselves out.
     * It gives a guesser nothing: it can never succeed, and only codes of already used steps or
     * spent backup codes are in this class. */
    if (out->result == PT_ANSWER_TOTP_OK || out->result == PT_ANSWER_BACKUP_OK)
        pt_state_clear_failures(st);
    else if (out->result != PT_ANSWER_REPLAY && out->result != PT_ANSWER_BACKUP_USED)
        out->locked_now = pt_state_record_failure(st, o, now);
    out->codes_left = pt_state_codes_left(st, &e->backup);
    return PT_OK;
}

int pt_verify_stateless(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                        const char *answer, int64_t now, const char **method)
{
    return pt_verify_stateless_step(o, e, st, answer, now, method, NULL);
}

int pt_verify_stateless_step(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                             const char *answer, int64_t now, const char **method,
                             int64_t *step_out)
{
    char code[PT_ANSWER_MAX + 1];
    int rc = 0;

    if (method)
        *method = NULL;
    if (step_out)
        *step_out = -1;
    bool is_totp = totp_code_of(answer, e->digits, code);
    if (is_totp) {
        int64_t step;
        int r = pt_totp_verify(e->alg, e->secret, e->secret_len, e->digits, e->period, now,
                               o->window, used_up_to(e, st), code, &step);
        rc = r < 0 ? r : r == PT_TOTP_MATCH;
        if (rc == 1 && method)
            *method = "totp";
        if (rc == 1 && step_out)
            *step_out = step;
    }
    /* Not a TOTP code: a backup code, and an 8-digit answer can be both (digits = 8). */
    if (rc == 0 && (is_totp || (trim_answer(answer, code) && code[0] != '\0')) &&
        is_backup_shape(code)) {
        int index = -1;
        int r = pt_backup_match(&e->backup, code, &index);
        /* The used marks count only when the state refers to this enrolment. */
        bool used = r == 1 && st && strcmp(st->enrolment, e->id) == 0 && index >= 0 &&
                    index < PT_BACKUP_MAX && st->used[index];
        rc = r < 0 ? r : (r == 1 && !used);
        if (rc == 1 && method)
            *method = "backup";
    }
    pt_wipe(code, sizeof code);
    return rc;
}

int pt_verify_confirm(const pt_options *o, pt_enrolment *e, const char *answer, int64_t now)
{
    char code[PT_ANSWER_MAX + 1];
    int rc = 0;
    if (totp_code_of(answer, e->digits, code)) {
        int64_t step = -1;
        int r = pt_totp_verify(e->alg, e->secret, e->secret_len, e->digits, e->period, now,
                               o->window, -1, code, &step);
        rc = r < 0 ? r : r == PT_TOTP_MATCH;
        if (rc == 1)
            e->confirmed_step = step;
    }
    pt_wipe(code, sizeof code);
    return rc;
}

int pt_verify_explain(const pt_options *o, const pt_enrolment *e, const char *answer, int64_t now,
                      unsigned *typed_digits, int64_t *skew)
{
    char code[PT_ANSWER_MAX + 1];
    int rc = PT_OK;
    *typed_digits = 0;
    *skew = 0;
    size_t n = pt_verify_digits(answer, code);
    if (n == e->digits) {
        int64_t s = -1;
        rc = find_skew(e, now, o->window, e->confirmed_step, code, &s);
        if (rc == PT_OK && s >= 0)
            *skew = (s - pt_totp_step(now, e->period)) * (int64_t)e->period;
    } else if (n > 0) {
        *typed_digits = (unsigned)(n > 99 ? 99 : n);
    }
    pt_wipe(code, sizeof code);
    return rc;
}
