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

/* Why a refused answer may have been refused, for a message (stateless; no state is touched):
 * *typed_digits as in pt_verify_outcome, and *skew as above when a wrong TOTP code is the code
 * of a step within PT_SKEW_SECONDS of now but outside the window (0 when none; the nearest to now
 * when several). Costs at most 2 * PT_SKEW_STEPS_MAX HMACs. PT_OK or < 0 on an internal error. */
int pt_verify_explain(const pt_options *o, const pt_enrolment *e, const char *answer, int64_t now,
                      unsigned *typed_digits, int64_t *skew);

/* Trims the answer (leading/trailing whitespace). Exactly e->digits ASCII digits (spaces and
 * hyphens between them ignored, pt_verify_digits) is a TOTP code, checked over o->window steps
 * either side of now and only if newer than st->last_step, e->confirmed_step and e->command_step and not
 * burned;
 * a wrong one that is the code of a newer step within PT_SKEW_SECONDS is PT_ANSWER_CLOCK_SKEW
 * (a failure like any other; a future step is burned so the code shown never works later);
 * anything else shaped like a backup code is checked with one argon2id evaluation; digits of
 * the wrong number are PT_ANSWER_MALFORMED with typed_digits set. With digits = 8 an 8-digit
 * answer that is not an acceptable TOTP code is then tried as a backup code (imported
 * google-authenticator scratch codes are 8 digits); if that fails, the TOTP verdict stands.
 * Binds st to e->id first. On success: last_step or the used mark is set, failures cleared.
 * On failure: the failure is recorded (may lock), except for PT_ANSWER_REPLAY and
 * PT_ANSWER_BACKUP_USED: a right code already used is refused without counting. Returns PT_OK (see out->result) or < 0 on an
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
/* The same, and *step_out gets the accepted TOTP step (-1 for a backup code or a refusal): the
 * caller records it as e->command_step, so the code never logs in afterwards. */
int pt_verify_stateless_step(const pt_options *o, const pt_enrolment *e, const pt_state *st,
                             const char *answer, int64_t now, const char **method,
                             int64_t *step_out);

#endif
