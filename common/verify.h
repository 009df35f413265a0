/* Checking one answer against an enrolment and the runtime state (DESIGN section 5,
 * "Verification"). Pure bookkeeping on the in-memory state; the caller commits it durably
 * BEFORE reporting success. */
#ifndef PT_VERIFY_H
#define PT_VERIFY_H

#include <stdint.h>
#include "config.h"
#include "enrolment.h"
#include "state.h"

#define PT_ANSWER_MAX 512 /* longer answers are refused unread */

typedef enum {
    PT_ANSWER_TOTP_OK = 0,
    PT_ANSWER_BACKUP_OK,
    PT_ANSWER_WRONG,        /* neither a valid code nor an unused backup code */
    PT_ANSWER_REPLAY,       /* a TOTP code of a step already used (or older) */
    PT_ANSWER_BACKUP_USED,  /* a backup code of this set that was used before */
    PT_ANSWER_MALFORMED,    /* empty, too long, or neither shape */
} pt_answer_result;

typedef struct {
    pt_answer_result result;
    const char *reason;  /* audit token: "totp", "backup", "wrong_code", "replay", "used_backup_code", "malformed" */
    int64_t step;        /* TOTP: the step accepted */
    int backup_index;    /* backup: the code consumed */
    unsigned codes_left; /* backup codes left after this answer */
    bool locked_now;     /* this failure locked the user */
} pt_verify_outcome;

/* Trims the answer (leading/trailing whitespace). Exactly e->digits ASCII digits is a TOTP code,
 * checked over o->window steps either side of now and only if newer than st->last_step and
 * e->confirmed_step;
 * anything else shaped like a backup code is checked with one argon2id evaluation. With
 * digits = 8 an 8-digit answer that is not an acceptable TOTP code is then tried as a backup code
 * (imported google-authenticator scratch codes are 8 digits); if that fails, the TOTP verdict.
 * Binds st to e->id first. On success: last_step or the used mark is set, failures cleared.
 * On failure: the failure is recorded (may lock). Returns PT_OK (see out->result) or < 0 on an
 * internal error (then st must not be committed and the caller fails closed). */
int pt_verify_answer(const pt_options *o, const pt_enrolment *e, pt_state *st, const char *answer,
                     int64_t now, pt_verify_outcome *out);

/* Confirms a new enrolment: answer must be a TOTP code of e within the window of now. Returns 1
 * and sets e->confirmed_step to the matched step (so that code is never accepted at login), 0
 * refused, < 0 error. */
int pt_verify_confirm(const pt_options *o, pt_enrolment *e, const char *answer, int64_t now);

/* Verification without state (the CLI confirming a code it just showed, or a user's own check):
 * TOTP within the window of now and newer than e->confirmed_step and st->last_step (st may be
 * NULL), or an unused backup code given the used marks.
 * Returns 1 accepted, 0 refused, < 0 error; *method gets "totp" or "backup". */
int pt_verify_stateless(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                        const char *answer, int64_t now, const char **method);

#endif
