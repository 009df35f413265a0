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
    int device;          /* TOTP: the device whose code it was (index in the enrolment), else -1 */
    char device_name[PT_DEVICE_NAME_MAX + 1]; /* its name ("" when none) */
    unsigned codes_left; /* backup codes left after this answer */
    bool locked_now;     /* this failure locked the user */
} pt_verify_outcome;

/* Trims the answer (leading/trailing whitespace). Exactly `digits` ASCII digits of some device is
 * a TOTP code, checked against every such device (the active ones; all of a pending enrolment),
 * over o->window steps either side of now: one HMAC per device and step, at most
 * PT_DEVICES_MAX * (2 * window + 1), all computed whatever matches. A step counts only if newer
 * than st->last_step (one per user, shared by all devices: a code never logs in twice, and after
 * a login no device's code of that step or an older one works) and the device's confirmed_step.
 * The device's last use is recorded in st. Anything else shaped like a backup code is checked
 * with one argon2id evaluation.
 * Binds st to e->id first. On success: last_step or the used mark is set, failures cleared.
 * On failure: the failure is recorded (may lock). Returns PT_OK (see out->result) or < 0 on an
 * internal error (then st must not be committed and the caller fails closed). */
int pt_verify_answer(const pt_options *o, const pt_enrolment *e, pt_state *st, const char *answer,
                     int64_t now, pt_verify_outcome *out);

/* Confirms the pending device of e (a new enrolment, or a device being added): answer must be
 * a TOTP code of that device within the window of now. Returns 1 and sets its confirmed_step to
 * the matched step (so that code is never accepted at login), 0 refused (or no pending device),
 * < 0 error. */
int pt_verify_confirm(const pt_options *o, pt_enrolment *e, const char *answer, int64_t now);

/* Verification without state (the CLI confirming a code it just showed, or a user's own check):
 * TOTP of any active device within the window of now and newer than its confirmed_step and
 * st->last_step (st may be NULL), or an unused backup code given the used marks.
 * Returns 1 accepted, 0 refused, < 0 error; *method gets "totp" or "backup". */
int pt_verify_stateless(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                        const char *answer, int64_t now, const char **method);

#endif
