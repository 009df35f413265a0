/* Checking one answer against an enrolment and the runtime state (verify.h). */
#include "verify.h"

#include <stdint.h>

#include <stdio.h>
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

static bool all_digits(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* The devices an answer is checked against: the active ones, or those of a pending enrolment
 * (a code confirming an enrolment made at login). */
static bool usable(const pt_enrolment *e, const pt_device *d)
{
    return e->status != PT_ENROL_ACTIVE || d->status == PT_ENROL_ACTIVE;
}

/* A TOTP code: only digits, as many as some usable device shows. */
static bool is_totp_shape(const pt_enrolment *e, const char *s)
{
    size_t n = strlen(s);
    if (!all_digits(s))
        return false;
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

static int64_t used_up_to(const pt_device *d, const pt_state *st)
{
    int64_t after = st ? last_step_in(st, d->period) : -1;
    return d->confirmed_step > after ? d->confirmed_step : after;
}

/* Checks code against every usable device with its number of digits (no early exit: the time
 * taken does not tell which device matched). Returns PT_TOTP_MATCH with *which and *step (the
 * first device that matched), PT_TOTP_REPLAY when only used steps matched, PT_TOTP_NOMATCH, or
 * < 0 on an error (fail closed). */
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

    if (!trim_answer(answer, code) || code[0] == '\0')
        set_result(out, PT_ANSWER_MALFORMED);
    else if (is_totp_shape(e, code))
        rc = check_totp(o, e, st, code, now, out);
    else if (is_backup_shape(code))
        rc = check_backup(e, st, code, out);
    else
        set_result(out, PT_ANSWER_MALFORMED);
    pt_wipe(code, sizeof code);
    if (rc != PT_OK)
        return rc;

    if (out->result == PT_ANSWER_TOTP_OK || out->result == PT_ANSWER_BACKUP_OK)
        pt_state_clear_failures(st);
    else
        out->locked_now = pt_state_record_failure(st, o, now);
    out->codes_left = pt_state_codes_left(st, &e->backup);
    return PT_OK;
}

int pt_verify_stateless(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                        const char *answer, int64_t now, const char **method)
{
    char code[PT_ANSWER_MAX + 1];
    int rc = 0;

    if (method)
        *method = NULL;
    if (!trim_answer(answer, code) || code[0] == '\0')
        return 0;
    if (is_totp_shape(e, code)) {
        int64_t step;
        int which;
        int r = match_devices(o, e, st, code, now, &which, &step);
        rc = r < 0 ? r : r == PT_TOTP_MATCH;
        if (rc == 1 && method)
            *method = "totp";
    } else if (is_backup_shape(code)) {
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
    if (trim_answer(answer, code) && all_digits(code) && strlen(code) == d->digits) {
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
