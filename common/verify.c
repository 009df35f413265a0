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

static bool is_totp_shape(const char *s, unsigned digits)
{
    size_t n = strlen(s);
    if (n != digits)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
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

static int64_t used_up_to(const pt_enrolment *e, const pt_state *st)
{
    int64_t after = st ? last_step_in(st, e->period) : -1;
    return e->confirmed_step > after ? e->confirmed_step : after;
}

static int check_totp(const pt_options *o, const pt_enrolment *e, pt_state *st, const char *code,
                      int64_t now, pt_verify_outcome *out)
{
    int64_t step = -1;
    int rc = pt_totp_verify(e->alg, e->secret, e->secret_len, e->digits, e->period, now,
                            o->window, used_up_to(e, st), code, &step);
    if (rc < 0)
        return rc;
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

    if (!trim_answer(answer, code) || code[0] == '\0')
        set_result(out, PT_ANSWER_MALFORMED);
    else if (is_totp_shape(code, e->digits)) {
        rc = check_totp(o, e, st, code, now, out);
        /* digits = 8: an imported 8-digit scratch code has the shape of a TOTP code. It is a
         * TOTP code first; when that fails it is tried as a backup code, and if that fails too
         * the TOTP verdict (wrong or replay) stands. */
        if (rc == PT_OK && out->result != PT_ANSWER_TOTP_OK && is_backup_shape(code)) {
            pt_verify_outcome totp = *out;
            rc = check_backup(e, st, code, out);
            if (rc == PT_OK && out->result == PT_ANSWER_WRONG)
                *out = totp;
        }
    } else if (is_backup_shape(code))
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
    if (is_totp_shape(code, e->digits)) {
        int64_t step;
        int r = pt_totp_verify(e->alg, e->secret, e->secret_len, e->digits, e->period, now,
                               o->window, used_up_to(e, st), code, &step);
        rc = r < 0 ? r : r == PT_TOTP_MATCH;
        if (rc == 1 && method)
            *method = "totp";
    }
    /* Not a TOTP code: a backup code, and an 8-digit answer can be both (digits = 8). */
    if (rc == 0 && is_backup_shape(code)) {
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
    if (trim_answer(answer, code) && is_totp_shape(code, e->digits)) {
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
