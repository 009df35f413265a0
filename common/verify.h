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
    PT_ANSWER_CLOCK_SKEW,   /* wrong now, but the code of a step minutes away (see skew) */
} pt_answer_result;

/* How far the clock check looks beyond the window for a code typed with a clock that is off:
 * PT_SKEW_SECONDS either side of now, in whole steps, at most PT_SKEW_STEPS_MAX steps per side
 * (so at most 2 * PT_SKEW_STEPS_MAX extra HMACs, and only for a wrong code). */
#define PT_SKEW_SECONDS 900
#define PT_SKEW_STEPS_MAX 90

typedef struct {
    pt_answer_result result;
    const char *reason;  /* audit token: "totp", "backup", "wrong_code", "replay", "used_backup_code",
                            "malformed", "clock_skew" */
    int64_t step;        /* TOTP: the step accepted */
    int backup_index;    /* backup: the code consumed */
    int device;          /* TOTP: the device whose code it was (index in the enrolment), else -1 */
    char device_name[PT_DEVICE_NAME_MAX + 1]; /* its name ("" when none) */
    unsigned codes_left; /* backup codes left after this answer */
    bool locked_now;     /* this failure locked the user */
    int64_t skew;        /* PT_ANSWER_CLOCK_SKEW: seconds the code's clock is ahead of ours
                            (negative: behind), a multiple of the period */
    unsigned typed_digits; /* PT_ANSWER_MALFORMED made only of digits (and separators) but not
                              `digits` of them: how many were typed; else 0 */
} pt_verify_outcome;

/* The answer as a TOTP code: surrounding whitespace trimmed, then, when what is left is only
 * ASCII digits with single spaces or hyphens between them (apps show "123 456"; users type
 * "123-456"), the digits alone. Writes them to out (PT_ANSWER_MAX + 1 bytes) and returns how many
 * digits there are; 0 when the answer is not shaped like that (empty, letters, a separator at
 * either end or two in a row, longer than PT_ANSWER_MAX). */
size_t pt_verify_digits(const char *answer, char out[PT_ANSWER_MAX + 1]);

/* Why a refused answer may have been refused, for a message (stateless; no state is touched,
 * no failure recorded): *typed_digits as in pt_verify_outcome (no device of e shows that many
 * digits), and *skew as above when the answer is the code of a step of the PENDING device (the
 * one being confirmed, whose secret was just shown) within PT_SKEW_SECONDS of now but outside the
 * window (0 when none, or when e has no pending device: for active devices only a login's
 * counted check, pt_verify_answer, looks for a skewed clock). Costs at most
 * 2 * PT_SKEW_STEPS_MAX HMACs. PT_OK or < 0 on an internal error. */
int pt_verify_explain(const pt_options *o, const pt_enrolment *e, const char *answer, int64_t now,
                      unsigned *typed_digits, int64_t *skew);

/* Trims the answer (leading/trailing whitespace). ASCII digits (spaces and hyphens between them
 * ignored, pt_verify_digits) as many as some device shows are a TOTP code, checked against every
 * such device (the active ones; all of a pending enrolment) over o->window steps either side of
 * now: one HMAC per device and step, at most PT_DEVICES_MAX * (2 * window + 1), all computed
 * whatever matches. A step counts only if newer than st->last_step (one per user, shared by all
 * devices: a code never logs in twice, and after a login no device's code of that step or an
 * older one works), the device's confirmed_step and command_step, and not burned. The device's
 * last use is recorded in st.
 * A wrong one that is the code of a newer step of such a device within PT_SKEW_SECONDS is
 * PT_ANSWER_CLOCK_SKEW (a failure like any other; a future step is burned so the code shown
 * never works later); anything else shaped like a backup code is checked with one argon2id
 * evaluation; digits of a number no device shows are PT_ANSWER_MALFORMED with typed_digits set.
 * An 8-digit answer that is not an acceptable TOTP code is then tried as a backup code
 * (imported google-authenticator scratch codes are 8 digits); if that fails, the TOTP verdict
 * stands.
 * Binds st to e->id first. On success: last_step or the used mark is set, failures cleared.
 * On failure: the failure is recorded (may lock), except for PT_ANSWER_REPLAY and
 * PT_ANSWER_BACKUP_USED: a right code already used is refused without counting. Returns PT_OK
 * (see out->result) or < 0 on an internal error (then st must not be committed and the caller fails closed). */
int pt_verify_answer(const pt_options *o, const pt_enrolment *e, pt_state *st, const char *answer,
                     int64_t now, pt_verify_outcome *out);

/* Confirms the pending device of e (a new enrolment, or a device being added): answer must be
 * a TOTP code of that device within the window of now. Returns 1 and sets its confirmed_step to
 * the matched step (so that code is never accepted at login), 0 refused (or no pending device),
 * < 0 error. */
int pt_verify_confirm(const pt_options *o, pt_enrolment *e, const char *answer, int64_t now);

/* Verification without state (the CLI confirming a code it just showed, or a user's own check):
 * TOTP of any active device within the window of now, newer than its confirmed_step and
 * command_step and st->last_step and not burned in st (st may be NULL), or an unused backup
 * code given the used marks.
 * Returns 1 accepted, 0 refused, < 0 error; *method gets "totp" or "backup". */
int pt_verify_stateless(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                        const char *answer, int64_t now, const char **method);
/* The same, and *step_out gets the accepted TOTP step and *device_out the index of the device
 * whose code it was (-1 for a backup code or a refusal; either pointer may be NULL): the caller
 * records it as that device's command_step, so the code never logs in afterwards. */
int pt_verify_stateless_step(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                             const char *answer, int64_t now, const char **method,
                             int64_t *step_out, int *device_out);

#endif
