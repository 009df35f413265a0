/* pam_totp.so internals: the per-call context and the small pieces of PAM glue. Nothing here is
 * exported (the version script keeps only pam_sm_*). */
#ifndef PTM_MODULE_H
#define PTM_MODULE_H

#include <security/pam_modules.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit.h"
#include "config.h"
#include "enrolment.h"
#include "policy.h"
#include "state.h"
#include "user.h"
#include "verify.h"

/* Everything one pam_sm_authenticate call works on. Large (secret, backup hashes, failure
 * list), so it lives on the heap, not on a possibly small thread stack; wiped when done. */
typedef struct {
    pam_handle_t *pamh;
    int flags;
    bool quiet;               /* PAM_SILENT or `silent`: no informational messages */
    pt_options opt;
    pt_user user;
    bool have_user;
    char lname[PT_AUDIT_NAME_MAX]; /* user.name as diagnostics write it (audit escaping) */
    const char *service;      /* PAM_SERVICE, for audit lines */
    const char *rhost;        /* PAM_RHOST, may be NULL */
    pt_enrolment enrol;
    bool enrolled;            /* an ACTIVE enrolment was loaded */
    pt_state state;           /* as read without the lock: for the decision only */
    pt_state_kept kept;       /* that read, kept so the locked update need not read again */
    pt_group_policy gp;       /* admin/require/exempt groups as gids (when the policy names any) */
    bool handoff;             /* the forward_pass line ran for this user before the password step */
    char *handed_code;        /* the code it split off the password (NULL: none; the line asks) */
} ptm_ctx;

/* The prompt of the forward_pass line: the same for every account. */
#define PTM_FORWARD_PROMPT "Password & verification code: "

/* logsink.c: route the core's diagnostics and audit lines to pam_syslog. */
void ptm_log_attach(pam_handle_t *pamh);
void ptm_log_detach(void);

/* args.c: defaults, the config file, then the module arguments. PAM_SUCCESS, or
 * PAM_SERVICE_ERR for a bad argument or config (already logged with file, line and key). */
int ptm_load_options(pam_handle_t *pamh, int argc, const char **argv, pt_options *o);

/* conv.c: talking to the user. Texts are passed as data, never as a format. */
/* One prompt; *answer is malloc'd (release with ptm_answer_free). PAM_SUCCESS or a PAM error. */
int ptm_prompt(ptm_ctx *m, const char *text, bool echo, char **answer);
/* Informational / error text; dropped when m->quiet. */
void ptm_info(ptm_ctx *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ptm_error(ptm_ctx *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A refusal the user must understand (a lock). Shown like ptm_error; under PAM_SILENT from the
 * application (sudo always passes it), which drops messages but not prompts, it becomes a prompt
 * that only waits for Enter, where ptm_can_notice allows: not with the `silent` argument (the
 * administrator's choice), nor with use_first_pass or forward_pass (no prompt of our own, or
 * nothing may be revealed before the password is checked). */
void ptm_notice(ptm_ctx *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool ptm_can_notice(const ptm_ctx *m);
/* Lines of text sent as PAM_TEXT_INFO messages (packed within PAM_MAX_MSG_SIZE and
 * PAM_MAX_NUM_MSG) followed by a prompt in the same conversation call, because some clients
 * (OpenSSH) show text only together with the next prompt. Always shown, even when quiet: used
 * only for enrolment, which cannot work without its text. */
int ptm_blocks_prompt(ptm_ctx *m, const char *const *lines, size_t nlines, const char *prompt,
                      bool echo, char **answer);
/* How many messages ptm_blocks_prompt packs these lines into. */
size_t ptm_count_messages(const char *const *lines, size_t nlines);
/* Wipes and frees an answer. */
void ptm_answer_free(char **answer);

/* humanize.c: "4 days 3 hours", "12 minutes", "less than a minute". */
void ptm_duration(int64_t seconds, char *out, size_t outsz);

/* forward.c: the one-prompt stack. ptm_forward_ask is the whole forward_pass line (asks, hands
 * the password on as PAM_AUTHTOK and the code as module data; returns PAM_IGNORE or a
 * conversation/memory error). ptm_handoff_take moves what it left into m (and clears it). */
int ptm_forward_ask(ptm_ctx *m);
int ptm_handoff_take(ptm_ctx *m);

/* pam_totp.c: the account of PAM_USER into m->user (and group policy as gids). quiet: log
 * nothing (the forward_pass line). PAM_SUCCESS, PAM_USER_UNKNOWN, PAM_BUF_ERR,
 * PAM_AUTHINFO_UNAVAIL (group database unreadable). */
int ptm_lookup_user(ptm_ctx *m, bool quiet);
/* exempt_users / exempt_groups (by gid); *why gets the audit reason. */
bool ptm_exempt(ptm_ctx *m, const char **why);

/* answer.c: the answer to check, according to forward_pass / use_first_pass / try_first_pass.
 * *from_authtok tells whether it came from PAM_AUTHTOK (try_first_pass may then ask again).
 * *authtok_rest is the password part to hand on as PAM_AUTHTOK on success (or NULL). */
int ptm_get_answer(ptm_ctx *m, char **answer, bool *from_authtok, char **authtok_rest);
/* Splits "passwordCODE": when s ends with `digits` digits or a grouped backup code
 * (XXXX-XXXX-XXXX), returns the length of the password part; -1 when no code is at the end. */
long ptm_split_code(const char *s, unsigned digits);

/* verify_login.c: the PT_DECIDE_VERIFY path. */
int ptm_verify_login(ptm_ctx *m);
/* Locks the state, re-reads it, refuses when locked, checks answer against e, commits. When e is
 * the login's own enrolment (&m->enrol) and the state is bound to another enrolment id, or the
 * enrolment file is no longer the one loaded (a device removed meanwhile), it is re-read under
 * the lock first.
 * Returns PAM_SUCCESS when checked (see *out), PAM_AUTH_ERR when locked (message and audit done),
 * PAM_AUTHINFO_UNAVAIL on a state error. */
int ptm_check_locked(ptm_ctx *m, const pt_enrolment *e, const char *answer,
                     pt_verify_outcome *out, unsigned *nfailures);
/* Messages for a refused code: the clock looks off by skew seconds (the code's clock minus
 * ours), or typed digits where the enrolment has `digits`. */
void ptm_report_skew(ptm_ctx *m, int64_t skew);
void ptm_report_digits(ptm_ctx *m, unsigned typed, unsigned digits);
/* Lock message and audit for a user found locked (lock_left seconds, -1 = until unlocked). */
void ptm_report_locked(ptm_ctx *m, int64_t lock_left, const char *phase);

/* enrol_login.c: the PT_DECIDE_ENROL path (enrolment inside the conversation). */
int ptm_enrol_at_login(ptm_ctx *m);

/* pam_totp.c: records first_required under the state lock (GRACE and DENY). */
int ptm_record_first_required(ptm_ctx *m, int64_t now);

/* The audit helpers add service and rhost to every event. */
#define PTM_AUDIT(m, prio, event, ...)                                                          \
    pt_audit((prio), (event), (m)->user.name, "service", (m)->service, "rhost", (m)->rhost,    \
             __VA_ARGS__)

#endif
