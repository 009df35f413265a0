/* Where the answer comes from.
 *
 * Default: one prompt "Verification code: " (echo off).
 * After a forward_pass line (forward.c): the code it split off the answer, without a prompt;
 *   when it split none off, one prompt "Verification code: " (the password step has passed by
 *   then, so a backup code can be typed there in any spelling).
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

int ptm_get_answer(ptm_ctx *m, char **answer, bool *from_authtok, char **authtok_rest)
{
    *answer = NULL;
    *authtok_rest = NULL;
    *from_authtok = false;
    /* After the forward_pass line: its code, or (none split off) a prompt, now that the
     * password step has passed. PAM_AUTHTOK then holds the password: never read as a code. */
    if (m->handed_code != NULL) {
        *answer = strdup(m->handed_code);
        return *answer != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
    }
    if (m->handoff)
        return ptm_prompt(m, "Verification code: ", false, answer);
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
