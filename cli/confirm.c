/* pam-totp: proving possession of the current factor before a user changes their own MFA
 * (disable, new backup codes, enrol --force).
 *
 * Run by the user, the check is stateless: the command cannot write the root-owned runtime state,
 * so it reads it (group read) to honour the lock and the used backup codes, but cannot record the
 * code as used or count a failure. It stops someone at an unattended session from switching MFA
 * off casually; it does not stop malware running as the user in home mode, which can delete the
 * user's own file anyway (system mode is the answer to that; pam-totp(1) explains).
 * Run by root with a code, the answer goes through the locked runtime state exactly like a login
 * (replay refused, failures counted). */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "pt_error.h"
#include "totp.h"
#include "verify.h"

static int confirm_as_root(cli_ctx *c, const pt_user *u, const pt_enrolment *e, const char *answer,
                           bool allow_backup, int64_t now)
{
    pt_state_handle h;
    pt_state st;
    pt_verify_outcome out;
    int rc = pt_state_open_locked(&c->opt, u, &h, &st);
    if (rc != PT_OK) {
        cli_err("cannot open the runtime state of %s: %s", u->name, pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (pt_state_lock_left(&st, now) != 0) {
        pt_state_close(&h);
        cli_err("%s is locked after too many wrong codes: `pam-totp unlock %s` first", u->name,
                u->name);
        return CLI_REFUSED;
    }
    rc = pt_verify_answer(&c->opt, e, &st, answer, now, &out);
    if (rc != PT_OK) {
        pt_state_close(&h);
        cli_err("could not check the code: %s", pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (out.result == PT_ANSWER_BACKUP_OK && !allow_backup) {
        /* Not accepted here: leave the code unspent (nothing is committed). */
        pt_state_close(&h);
        cli_err("a backup code is not accepted here: give the current code from the app");
        return CLI_REFUSED;
    }
    bool ok = out.result == PT_ANSWER_TOTP_OK || out.result == PT_ANSWER_BACKUP_OK;
    rc = pt_state_commit(&h, &st);
    pt_state_close(&h);
    if (rc != PT_OK) {
        cli_err("could not record the code as used: %s", pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (!ok) {
        cli_err("code not accepted (%s): check the phone's clock and try a fresh code",
                out.reason ? out.reason : "wrong_code");
        return CLI_REFUSED;
    }
    return CLI_OK;
}

static int confirm_as_user(cli_ctx *c, const pt_user *u, const pt_enrolment *e, const char *answer,
                           bool allow_backup, int64_t now)
{
    pt_state st;
    const char *method = NULL;
    int rc = pt_state_read(&c->opt, u, &st);
    if (rc != PT_OK) {
        cli_err("cannot read your runtime state: %s", pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (pt_state_lock_left(&st, now) != 0) {
        cli_err("you are locked out after too many wrong codes: wait for the lock to end or ask "
                "an administrator (`pam-totp unlock %s`)", u->name);
        return CLI_REFUSED;
    }
    /* The used marks only count for the enrolment they were recorded against. */
    pt_state_bind(&st, e->id);
    rc = pt_verify_stateless(&c->opt, e, &st, answer, now, &method);
    if (rc < 0) {
        cli_err("could not check the code: %s", pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (rc == 1 && !allow_backup && method != NULL && strcmp(method, "totp") != 0) {
        cli_err("a backup code is not accepted here: give the current code from your app");
        return CLI_REFUSED;
    }
    if (rc != 1) {
        cli_err("code not accepted: check the phone's clock and try a fresh code");
        return CLI_REFUSED;
    }
    return CLI_OK;
}

int cli_confirm_code(cli_ctx *c, const pt_user *u, const pt_enrolment *e, const char *code,
                     bool allow_backup, const char *why)
{
    char answer[PT_ANSWER_MAX + 1];
    int64_t now = cli_now();
    int st;

    if (c->root && code == NULL)
        return CLI_OK; /* root need not prove anything */
    if (code != NULL) {
        if (strlen(code) > PT_ANSWER_MAX) {
            cli_err("the code is too long");
            return CLI_REFUSED;
        }
        strcpy(answer, code);
    } else {
        if (!cli_stdin_is_tty()) {
            cli_err("%s needs a current code: give --code CODE, or run it on a terminal", why);
            return CLI_USAGE;
        }
        char prompt[128];
        snprintf(prompt, sizeof(prompt), "Current code from your app%s: ",
                 allow_backup ? " (or a backup code)" : "");
        int r = cli_read_answer(prompt, answer, sizeof(answer));
        if (r != 0) {
            pt_wipe(answer, sizeof(answer));
            cli_err("%s", r == -2 ? "the answer is too long" : "no code given");
            return CLI_REFUSED;
        }
    }
    if (c->root)
        st = confirm_as_root(c, u, e, answer, allow_backup, now);
    else
        st = confirm_as_user(c, u, e, answer, allow_backup, now);
    pt_wipe(answer, sizeof(answer));
    return st;
}

int cli_confirm_code_except(cli_ctx *c, const pt_user *u, const pt_enrolment *e, int skip,
                            const char *code, const char *why)
{
    /* A copy without that device: its codes prove nothing about the others. The copy is large
     * (backup hashes), so it lives on the heap, and holds secrets, so it is wiped. */
    pt_enrolment *rest = malloc(sizeof(*rest));
    if (rest == NULL) {
        cli_err("out of memory");
        return CLI_SYSERR;
    }
    *rest = *e;
    if (skip >= 0)
        pt_device_remove(rest, (unsigned)skip);
    int st = cli_confirm_code(c, u, rest, code, true, why);
    pt_enrolment_wipe(rest);
    free(rest);
    return st;
}
