/* Where the answer comes from.
 *
 * Default: one prompt "Verification code: " (echo off).
 * forward_pass: one prompt "Password & verification code: "; a code at the end (`digits` digits,
 *   or a grouped backup code XXXX-XXXX-XXXX) is split off and the rest is handed on as
 *   PAM_AUTHTOK to the password module that follows (configured with use_first_pass). When no
 *   code is at the end, everything typed is the password and the module asks for the code on a
 *   second prompt (so a backup code can also be typed there, in any spelling).
 * use_first_pass: the answer comes from PAM_AUTHTOK as left by an earlier module, never from a
 *   prompt: a code at its end is split off (the rest becomes PAM_AUTHTOK after a success), else
 *   the whole item is the answer. No item at all is a failure.
 * try_first_pass: like use_first_pass when PAM_AUTHTOK ends with a code; otherwise, or when that
 *   code is refused, the module prompts (each refused answer counts toward the lock). */
#include <ctype.h>
#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "backup.h"
#include "module.h"
#include "totp.h"

static bool is_grouped_backup(const char *s)
{
    /* XXXX-XXXX-XXXX: hyphens at 4 and 9, letters or digits elsewhere. */
    for (size_t i = 0; i < PT_BACKUP_DISPLAY_LEN; i++) {
        if (i == 4 || i == 9) {
            if (s[i] != '-')
                return false;
        } else if (!isalnum((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

long ptm_split_code(const char *s, unsigned digits)
{
    size_t len = strlen(s);
    if (digits > 0 && len >= digits) {
        bool all = true;
        for (size_t i = len - digits; i < len; i++)
            all = all && isdigit((unsigned char)s[i]);
        if (all)
            return (long)(len - digits);
    }
    if (len >= PT_BACKUP_DISPLAY_LEN && is_grouped_backup(s + len - PT_BACKUP_DISPLAY_LEN))
        return (long)(len - PT_BACKUP_DISPLAY_LEN);
    return -1;
}

/* Splits s at cut into a fresh password part and a fresh code part. */
static int split(const char *s, long cut, char **pw, char **code)
{
    *pw = strndup(s, (size_t)cut);
    *code = strdup(s + cut);
    if (*pw == NULL || *code == NULL) {
        ptm_answer_free(pw);
        ptm_answer_free(code);
        return PAM_BUF_ERR;
    }
    return PAM_SUCCESS;
}

static int forward_pass(ptm_ctx *m, char **answer)
{
    char *both = NULL, *pw = NULL;
    int rc = ptm_prompt(m, "Password & verification code: ", false, &both);
    if (rc != PAM_SUCCESS)
        return rc;
    long cut = ptm_split_code(both, pt_enrolment_digits(&m->enrol));
    if (cut >= 0) {
        rc = split(both, cut, &pw, answer);
    } else {
        pw = both;
        both = NULL;
        rc = ptm_prompt(m, "Verification code: ", false, answer);
    }
    /* The password goes on whatever becomes of the code, so the password step always judges
     * what the user typed and a failure does not reveal which factor was wrong. */
    if (pw != NULL && pam_set_item(m->pamh, PAM_AUTHTOK, pw) != PAM_SUCCESS && rc == PAM_SUCCESS)
        rc = PAM_AUTHTOK_ERR;
    ptm_answer_free(&pw);
    ptm_answer_free(&both);
    if (rc != PAM_SUCCESS)
        ptm_answer_free(answer);
    return rc;
}

int ptm_get_answer(ptm_ctx *m, char **answer, bool *from_authtok, char **authtok_rest)
{
    *answer = NULL;
    *authtok_rest = NULL;
    *from_authtok = false;
    if (m->opt.forward_pass)
        return forward_pass(m, answer);
    if (m->opt.use_first_pass || m->opt.try_first_pass) {
        const void *item = NULL;
        if (pam_get_item(m->pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS)
            item = NULL;
        const char *tok = item;
        if (tok != NULL && tok[0] != '\0') {
            long cut = ptm_split_code(tok, pt_enrolment_digits(&m->enrol));
            if (cut >= 0) {
                *from_authtok = true;
                return split(tok, cut, authtok_rest, answer);
            }
            if (m->opt.use_first_pass) {
                *from_authtok = true;
                *answer = strdup(tok);
                return *answer != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
            }
        } else if (m->opt.use_first_pass) {
            pam_syslog(m->pamh, LOG_ERR,
                       "use_first_pass: no PAM_AUTHTOK from an earlier module; put a module "
                       "that sets it before pam_totp, or use try_first_pass");
            return PAM_AUTH_ERR;
        }
    }
    return ptm_prompt(m, "Verification code: ", false, answer);
}
