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
#include <string.h>
#include "cli.h"
#include "pt_error.h"
#include "totp.h"
#include "verify.h"

/* One check under the store's update (possibly repeated: see pt_state_fn). */
typedef struct {
    const cli_ctx *c;
    const pt_enrolment *e;
    const char *answer;
    bool allow_backup;
    int64_t now;
    bool locked;
    pt_verify_outcome out;
} root_check;

static int check_as_root(void *ctx, pt_state *st, bool *write)
{
    root_check *r = ctx;
    memset(&r->out, 0, sizeof r->out);
    r->locked = pt_state_lock_left(st, r->now) != 0;
    if (r->locked)
        return PT_OK;
    int rc = pt_verify_answer(&r->c->opt, r->e, st, r->answer, r->now, &r->out);
    if (rc != PT_OK)
        return rc;
    /* A backup code not accepted here stays unspent: nothing is written. */
    *write = !(r->out.result == PT_ANSWER_BACKUP_OK && !r->allow_backup);
    return PT_OK;
}

static int confirm_as_root(cli_ctx *c, const pt_user *u, const pt_enrolment *e, const char *answer,
                           bool allow_backup, int64_t now)
{
    pt_state st;
    root_check r = { .c = c, .e = e, .answer = answer, .allow_backup = allow_backup, .now = now };
    int rc = pt_store_state_update(c->store, u, check_as_root, &r, &st);
    if (rc != PT_OK) {
        cli_err("could not check the code or record it as used: %s", pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (r.locked) {
        cli_err("%s is locked after too many wrong codes: `pam-totp unlock %s` first", u->name,
                u->name);
        return CLI_REFUSED;
    }
    if (r.out.result == PT_ANSWER_BACKUP_OK && !allow_backup) {
        cli_err("a backup code is not accepted here: give the current code from the app");
        return CLI_REFUSED;
    }
    if (r.out.result != PT_ANSWER_TOTP_OK && r.out.result != PT_ANSWER_BACKUP_OK) {
        cli_err("code not accepted (%s): check the phone's clock and try a fresh code",
                r.out.reason ? r.out.reason : "wrong_code");
        return CLI_REFUSED;
    }
    return CLI_OK;
}

static int confirm_as_user(cli_ctx *c, const pt_user *u, const pt_enrolment *e, const char *answer,
                           bool allow_backup, int64_t now)
{
    pt_state st;
    const char *method = NULL;
    int rc = pt_store_state_read(c->store, u, &st);
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
