/* The one-prompt stack (DESIGN section 5, pam_totp(8) "ONE PROMPT"):
 *
 *   auth required  pam_totp.so forward_pass     asks once, hands the password on
 *   auth requisite pam_unix.so use_first_pass   checks the password
 *   auth required  pam_totp.so                  checks the code it was handed
 *
 * The first line must not let anyone who lacks the password learn or change anything: its prompt
 * is the same for every account (unknown, unenrolled, enrolled, locked), it sends no message,
 * counts nothing, records nothing and logs nothing. It splits a code off the end of the answer
 * only when the account has an active enrolment that a later line would check, so an unenrolled
 * user whose password ends in digits still logs in. The code travels to the later line as PAM
 * module data (pam_set_data), never as an item another module could read; the later line takes
 * it out (and wipes it) before anything else, so it is used at most once. */
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "module.h"
#include "pt_error.h"

#define PTM_HANDOFF "pam_totp_handoff"

/* What the forward_pass line leaves for the line after the password step. */
typedef struct {
    char user[PT_USER_MAX]; /* PAM_USER when it was split: a code is only for that account */
    char *code;             /* NULL: nothing was split off (the later line asks) */
} ptm_handoff;

static void handoff_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
    (void)pamh;
    (void)error_status;
    ptm_handoff *h = data;
    if (h == NULL)
        return;
    ptm_answer_free(&h->code);
    pt_wipe(h, sizeof(*h));
    free(h);
}

/* Drops the core's diagnostics while the first line looks at the account: whatever is wrong
 * with its files, the line after the password step finds and reports it again. */
static void discard(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx;
    (void)kind;
    (void)priority;
    (void)msg;
}

int ptm_handoff_take(ptm_ctx *m)
{
    const void *data = NULL;
    m->handoff = false;
    if (pam_get_data(m->pamh, PTM_HANDOFF, &data) != PAM_SUCCESS || data == NULL)
        return PAM_SUCCESS;
    const ptm_handoff *h = data;
    const char *user = NULL;
    int rc = PAM_SUCCESS;
    /* Only for the account it was split for: a module between the lines may change PAM_USER. */
    if (pam_get_item(m->pamh, PAM_USER, (const void **)&user) == PAM_SUCCESS && user != NULL &&
        strcmp(user, h->user) == 0) {
        m->handoff = true;
        if (h->code != NULL && (m->handed_code = strdup(h->code)) == NULL)
            rc = PAM_BUF_ERR;
    }
    /* Used once: a second pam_authenticate on the same handle starts afresh. */
    (void)pam_set_data(m->pamh, PTM_HANDOFF, NULL, NULL);
    return rc;
}

/* Would a later pam_totp line ask this account for a code? Reads, never writes. */
static bool asks_for_code(ptm_ctx *m, unsigned *digits)
{
    if (m->opt.mfa == PT_MFA_DISABLED || ptm_lookup_user(m, true) != PAM_SUCCESS)
        return false;
    if (ptm_exempt(m, NULL))
        return false;
    /* Status and digits only: a sealed secret stays sealed. The store stays open for the line's
     * end (pam_sm_authenticate closes it). */
    if (m->store == NULL && pt_store_open(&m->opt, &m->store) != PT_OK)
        return false;
    if (pt_store_enrolment_load(m->store, &m->user, &m->enrol, 0) != PT_OK)
        return false;
    *digits = pt_enrolment_digits(&m->enrol); /* the first active device's */
    return m->enrol.status == PT_ENROL_ACTIVE;
}

/* Stores the handoff, replacing (and wiping) any earlier one. */
static int leave_handoff(ptm_ctx *m, const char *user, const char *code)
{
    ptm_handoff *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return PAM_BUF_ERR;
    if (strlen(user) >= sizeof(h->user)) {
        free(h);
        return PAM_SUCCESS; /* no account has such a name: nothing to hand on */
    }
    strcpy(h->user, user);
    if (code != NULL && (h->code = strdup(code)) == NULL) {
        free(h);
        return PAM_BUF_ERR;
    }
    int rc = pam_set_data(m->pamh, PTM_HANDOFF, h, handoff_cleanup);
    if (rc != PAM_SUCCESS)
        handoff_cleanup(m->pamh, h, 0);
    return rc;
}

int ptm_forward_ask(ptm_ctx *m)
{
    const char *user = NULL;
    char *typed = NULL;
    int rc = pam_get_user(m->pamh, &user, NULL);
    if (rc != PAM_SUCCESS)
        return rc;
    if (user == NULL)
        return PAM_USER_UNKNOWN;
    /* Clear what an earlier attempt on this handle left, before anything can fail. */
    (void)pam_set_data(m->pamh, PTM_HANDOFF, NULL, NULL);
    rc = ptm_prompt(m, PTM_FORWARD_PROMPT, false, &typed);
    if (rc != PAM_SUCCESS)
        return rc;

    pt_log_fn fn = NULL;
    void *ctx = NULL;
    pt_log_get_sink(&fn, &ctx);
    pt_log_set_sink(discard, NULL);
    unsigned digits = 0;
    bool split = asks_for_code(m, &digits);
    pt_log_set_sink(fn, ctx);

    long cut = split ? ptm_split_code(typed, digits) : -1;
    char *code = NULL;
    if (cut >= 0) {
        code = strdup(typed + cut);
        pt_wipe(typed + cut, strlen(typed + cut));
        typed[cut] = '\0';
        if (code == NULL)
            rc = PAM_BUF_ERR;
    }
    /* The password goes on in every case, so the password step judges what was typed. */
    if (rc == PAM_SUCCESS)
        rc = pam_set_item(m->pamh, PAM_AUTHTOK, typed);
    if (rc == PAM_SUCCESS)
        rc = leave_handoff(m, user, code);
    ptm_answer_free(&typed);
    ptm_answer_free(&code);
    /* This line decides nothing: the password module and the later line do. */
    return rc == PAM_SUCCESS ? PAM_IGNORE : rc;
}
