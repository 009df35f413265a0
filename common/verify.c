/* Checking one answer against an enrolment and the runtime state (verify.h). */
#include "verify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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


/* The devices an answer is checked against: the active ones, or those of a pending enrolment
 * (a code confirming an enrolment made at login). */
static bool usable(const pt_enrolment *e, const pt_device *d)
{
    return e->status != PT_ENROL_ACTIVE || d->status == PT_ENROL_ACTIVE;
}

/* Whether some usable device shows codes of n digits. */
static bool totp_length(const pt_enrolment *e, size_t n)
{
    for (unsigned i = 0; i < e->ndevices; i++)
        if (usable(e, &e->dev[i]) && n == e->dev[i].digits)
            return true;
    return false;
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

/* The newest step of device d that no longer counts: the last accepted one (per user), the one
 * that activated the device, or the newest one a user-run command accepted. */
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

static int64_t used_up_to(const pt_device *d, const pt_state *st)
{
    int64_t after = st ? last_step_in(st, d->period) : -1;
    if (d->command_step > after)
        after = d->command_step;
    return d->confirmed_step > after ? d->confirmed_step : after;
}

/* Looks for the code among device d's steps within PT_SKEW_SECONDS of now but outside the window,
 * newer than after (older ones are replays whatever the clock). *skew_step gets the matching step
 * nearest to now, or -1. Not constant-time: it runs only for a code already refused, and what it
 * finds is told to the user anyway. */
static int find_skew(const pt_device *d, int64_t now, unsigned window, int64_t after,
                     const char *code, int64_t *skew_step)
{
    int64_t cur = pt_totp_step(now, d->period);
    int64_t reach = PT_SKEW_SECONDS / (int64_t)d->period;
    if (reach > PT_SKEW_STEPS_MAX)
        reach = PT_SKEW_STEPS_MAX;
    *skew_step = -1;
    for (int64_t k = (int64_t)window + 1; k <= reach; k++) {
        int64_t cand[2] = {cur - k, cur + k}; /* behind first: the nearer past wins a tie */
        for (int i = 0; i < 2; i++) {
            int64_t s = cand[i];
            if (s < 0 || s <= after)
                continue;
            char c[PT_CODE_MAX + 1];
            int rc = pt_hotp(d->alg, d->secret, d->secret_len, (uint64_t)s, d->digits, c);
            bool eq = rc == PT_OK && pt_ct_equal(c, code, d->digits);
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

/* The clock check over the devices in use (only device `only` when it is >= 0) with the code's
 * length: *skew gets the seconds to the matching step nearest to now (0 none), *which its device
 * and *skew_step the step (-1 none). */
static int skew_devices(const pt_options *o, const pt_enrolment *e, const pt_state *st, int only,
                        const char *code, int64_t now, int *which, int64_t *skew_step,
                        int64_t *skew)
{
    size_t n = strlen(code);
    *which = -1;
    *skew_step = -1;
    *skew = 0;
    for (unsigned i = 0; i < e->ndevices; i++) {
        const pt_device *d = &e->dev[i];
        bool in = only >= 0 ? (unsigned)only == i : usable(e, d);
        if (!in || n != d->digits)
            continue;
        int64_t s = -1;
        int rc = find_skew(d, now, o->window, used_up_to(d, st), code, &s);
        if (rc < 0)
            return rc;
        if (s < 0)
            continue;
        int64_t off = (s - pt_totp_step(now, d->period)) * (int64_t)d->period;
        if (*which < 0 || llabs(off) < llabs(*skew)) {
            *which = (int)i;
            *skew_step = s;
            *skew = off;
        }
    }
    return PT_OK;
}

/* Checks code against every usable device with its number of digits (no early exit: the time
 * taken does not tell which device matched). Returns PT_TOTP_MATCH with *which and *step (the
 * first device that matched), PT_TOTP_REPLAY when only used or burned steps matched,
 * PT_TOTP_NOMATCH, or < 0 on an error (fail closed). */
static int match_devices(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                         const char *code, int64_t now, int *which, int64_t *step)
{
    size_t n = strlen(code);
    bool replay = false;
    *which = -1;
    *step = -1;
    for (unsigned i = 0; i < e->ndevices; i++) {
        const pt_device *d = &e->dev[i];
        if (!usable(e, d) || n != d->digits)
            continue;
        int64_t s = -1;
        int rc = pt_totp_verify(d->alg, d->secret, d->secret_len, d->digits, d->period, now,
                                o->window, used_up_to(d, st), code, &s);
        if (rc < 0)
            return rc;
        if (rc == PT_TOTP_MATCH && st && pt_state_is_burned(st, s))
            rc = PT_TOTP_REPLAY; /* its code was shown by a skewed try: never accepted */
        if (rc == PT_TOTP_MATCH && *which < 0) {
            *which = (int)i;
            *step = s;
        }
        replay = replay || rc == PT_TOTP_REPLAY;
    }
    if (*which >= 0)
        return PT_TOTP_MATCH;
    return replay ? PT_TOTP_REPLAY : PT_TOTP_NOMATCH;
}

static int check_totp(const pt_options *o, const pt_enrolment *e, pt_state *st, const char *code,
                      int64_t now, pt_verify_outcome *out)
{
    int64_t step = -1;
    int which = -1;
    int rc = match_devices(o, e, st, code, now, &which, &step);
    if (rc < 0)
        return rc;
    if (rc == PT_TOTP_NOMATCH) {
        int64_t skewed = -1, skew = 0;
        rc = skew_devices(o, e, st, -1, code, now, &which, &skewed, &skew);
        if (rc < 0)
            return rc;
        if (which >= 0) {
            const pt_device *d = &e->dev[which];
            int64_t cur = pt_totp_step(now, d->period);
            set_result(out, PT_ANSWER_CLOCK_SKEW);
            out->skew = skew;
            if (skewed > cur)
                pt_state_burn_step(st, skewed, cur);
            return PT_OK;
        }
        rc = PT_TOTP_NOMATCH;
    }
    if (rc == PT_TOTP_MATCH) {
        const pt_device *d = &e->dev[which];
        set_result(out, PT_ANSWER_TOTP_OK);
        out->step = step;
        out->device = which;
        snprintf(out->device_name, sizeof out->device_name, "%s", d->name);
        if (step > last_step_in(st, d->period)) { /* never lowered */
            st->last_step = step;
            st->step_period = d->period;
        }
        pt_state_device_used(st, d->id, now);
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
    out->device = -1;
    pt_state_bind(st, e->id);
    pt_state_prune_devices(st, e);

    size_t ndigits = pt_verify_digits(answer, code);
    if (ndigits > 0 && totp_length(e, ndigits)) {
        rc = check_totp(o, e, st, code, now, out);
        /* 8 digits: an imported 8-digit scratch code has the shape of a TOTP code. It is a
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
        /* Digits of another number than any device shows that are no (imported 8-digit) backup code
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
    return pt_verify_stateless_step(o, e, st, answer, now, method, NULL, NULL);
}

int pt_verify_stateless_step(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                             const char *answer, int64_t now, const char **method,
                             int64_t *step_out, int *device_out)
{
    char code[PT_ANSWER_MAX + 1];
    int rc = 0;

    if (method)
        *method = NULL;
    if (step_out)
        *step_out = -1;
    if (device_out)
        *device_out = -1;
    size_t n = pt_verify_digits(answer, code);
    bool is_totp = n > 0 && totp_length(e, n);
    if (is_totp) {
        int64_t step;
        int which;
        int r = match_devices(o, e, st, code, now, &which, &step);
        rc = r < 0 ? r : r == PT_TOTP_MATCH;
        if (rc == 1 && method)
            *method = "totp";
        if (rc == 1 && step_out)
            *step_out = step;
        if (rc == 1 && device_out)
            *device_out = which;
    }
    /* Not a TOTP code: a backup code, and an 8-digit answer can be both. */
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
    int i = pt_device_pending(e);
    if (i < 0)
        return 0;
    pt_device *d = &e->dev[i];
    if (pt_verify_digits(answer, code) == d->digits) {
        int64_t step = -1;
        int r = pt_totp_verify(d->alg, d->secret, d->secret_len, d->digits, d->period, now,
                               o->window, -1, code, &step);
        rc = r < 0 ? r : r == PT_TOTP_MATCH;
        if (rc == 1)
            d->confirmed_step = step;
    }
    pt_wipe(code, sizeof code);
    return rc;
}

int pt_verify_explain(const pt_options *o, const pt_enrolment *e, const char *answer, int64_t now,
                      unsigned *typed_digits, int64_t *skew)
{
    char code[PT_ANSWER_MAX + 1];
    int rc = PT_OK;
    bool shown = false;
    *typed_digits = 0;
    *skew = 0;
    size_t n = pt_verify_digits(answer, code);
    for (unsigned i = 0; i < e->ndevices; i++)
        shown = shown || e->dev[i].digits == n;
    /* The clock check only for a device being confirmed, whose secret was just shown: for an
     * active device this check, which records no failure, would be a free search of some 60
     * steps per guess for a code that works later. */
    int pending = pt_device_pending(e);
    if (n > 0 && shown && pending >= 0) {
        int which = -1;
        int64_t s = -1;
        rc = skew_devices(o, e, NULL, pending, code, now, &which, &s, skew);
    } else if (n > 0 && !shown) {
        *typed_digits = (unsigned)(n > 99 ? 99 : n);
    }
    pt_wipe(code, sizeof code);
    return rc;
}
