/* pam-totp: proving possession of the current factor before a user changes their own MFA
 * (disable, new backup codes, enrol --force).
 *
 * Run by the user, the check is stateless: the command cannot write the root-owned runtime state,
 * so it reads it (group read) to honour the lock and the used backup codes, and cannot count a
 * failure; an accepted TOTP step is recorded in the user's own enrolment instead (command_step),
 * which the module honours, so the code can never log in afterwards. It stops someone at an unattended session from switching MFA
 * off casually; it does not stop malware running as the user in home mode, which can delete the
 * user's own file anyway (system mode is the answer to that; pam-totp(1) explains).
 * Run by root with a code, the answer goes through the locked runtime state exactly like a login
 * (replay refused, failures counted). */
#include <string.h>
#include "cli.h"
#include "pt_error.h"
#include "totp.h"
#include "verify.h"

void cli_report_refused(const pt_enrolment *e, unsigned typed_digits, int64_t skew)
{
    if (typed_digits > 0) {
        cli_err("code not accepted: it has %u digit%s, the app's codes have %u", typed_digits,
                typed_digits == 1 ? "" : "s", pt_enrolment_digits(e));
    } else if (skew != 0) {
        int64_t mag = skew < 0 ? -skew : skew;
        long long min = (long long)((mag + 30) / 60);
        if (min < 1)
            min = 1;
        cli_err("code not accepted: it is the code for %lld minute%s %s, so the phone's clock "
                "looks %lld minute%s %s this computer's; turn on automatic date and time on the "
                "phone, or if the phone is right fix this computer's clock (timedatectl)",
                min, min == 1 ? "" : "s", skew > 0 ? "from now" : "ago", min, min == 1 ? "" : "s",
                skew > 0 ? "ahead of" : "behind");
    } else {
        cli_err("code not accepted: check the phone's clock and try a fresh code");
    }
}

/* Hides device skip (an index in e, or -1 for none) from the check: its codes prove nothing
 * when it is the device being removed. It is marked pending for the duration of the check (only
 * active devices of an active enrolment count) and put back before anything is written. */
static pt_enrol_status hide_device(pt_enrolment *e, int skip)
{
    if (skip < 0 || (unsigned)skip >= e->ndevices)
        return PT_ENROL_PENDING;
    pt_enrol_status was = e->dev[skip].status;
    e->dev[skip].status = PT_ENROL_PENDING;
    return was;
}

static void show_device(pt_enrolment *e, int skip, pt_enrol_status was)
{
    if (skip >= 0 && (unsigned)skip < e->ndevices)
        e->dev[skip].status = was;
}

/* One check under the store's update (possibly repeated: see pt_state_fn). */
typedef struct {
    const cli_ctx *c;
    pt_enrolment *e;
    int skip;                 /* a device whose codes do not count (hide_device), or -1 */
    const char *answer;
    bool allow_backup;
    int64_t now;
    bool opened;              /* the state was read: a failure after is the check's or the write's */
    bool check_failed;        /* pt_verify_answer itself failed */
    bool locked;
    pt_verify_outcome out;
} root_check;

static int check_as_root(void *ctx, pt_state *st, bool *write)
{
    root_check *r = ctx;
    r->opened = true;
    r->check_failed = false;
    memset(&r->out, 0, sizeof r->out);
    r->locked = pt_state_lock_left(st, r->now) != 0;
    if (r->locked)
        return PT_OK;
    pt_enrol_status was = hide_device(r->e, r->skip);
    int rc = pt_verify_answer(&r->c->opt, r->e, st, r->answer, r->now, &r->out);
    show_device(r->e, r->skip, was);
    if (rc != PT_OK) {
        r->check_failed = true;
        return rc;
    }
    /* A backup code not accepted here stays unspent: nothing is written. */
    *write = !(r->out.result == PT_ANSWER_BACKUP_OK && !r->allow_backup);
    return PT_OK;
}

static int confirm_as_root(cli_ctx *c, const pt_user *u, pt_enrolment *e, const char *answer,
                           bool allow_backup, int64_t now, int skip)
{
    pt_state st;
    root_check r = { .c = c, .e = e, .skip = skip, .answer = answer,
                     .allow_backup = allow_backup, .now = now };
    int rc = pt_store_state_update(c->store, u, check_as_root, &r, &st);
    if (rc != PT_OK) {
        if (!r.opened)
            cli_err("cannot open the runtime state of %s: %s", u->name, pt_strerror(rc));
        else if (r.check_failed)
            cli_err("could not check the code: %s", pt_strerror(rc));
        else
            cli_err("could not record the code as used: %s", pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (r.locked) {
        cli_err("%s is locked after too many wrong codes: `pam-totp unlock %s` first", u->name,
                u->name);
        return CLI_REFUSED;
    }
    if (r.out.result == PT_ANSWER_BACKUP_OK && !allow_backup) {
        /* Not accepted here: the code stays unspent (nothing was written). */
        cli_err("a backup code is not accepted here: give the current code from the app");
        return CLI_REFUSED;
    }
    if (r.out.result != PT_ANSWER_TOTP_OK && r.out.result != PT_ANSWER_BACKUP_OK) {
        if (r.out.result == PT_ANSWER_REPLAY)
            cli_err("code not accepted: it was already used; wait for the next code");
        else if (r.out.result == PT_ANSWER_BACKUP_USED)
            cli_err("code not accepted: that backup code was already used");
        else
            cli_report_refused(e, r.out.typed_digits,
                               r.out.result == PT_ANSWER_CLOCK_SKEW ? r.out.skew : 0);
        return CLI_REFUSED;
    }
    return CLI_OK;
}

/* Records the step a user-run command accepted in the enrolment (command_step of the device whose
 * code it was), where the module honours it: a code someone read from this command's line or
 * terminal never logs in. */
static int record_command_step(cli_ctx *c, const pt_user *u, pt_enrolment *e, int64_t step,
                               int device)
{
    if (step < 0 || device < 0 || (unsigned)device >= e->ndevices ||
        step <= e->dev[device].command_step)
        return CLI_OK;
    e->dev[device].command_step = step;
    /* Only over the enrolment that was read: a device removed meanwhile must not come back. */
    return cli_store_if_unchanged(c, u, e);
}

static int confirm_as_user(cli_ctx *c, const pt_user *u, pt_enrolment *e, const char *answer,
                           bool allow_backup, int64_t now, int skip)
{
    pt_state st;
    const char *method = NULL;
    int64_t step = -1;
    int device = -1;
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
    pt_enrol_status was = hide_device(e, skip);
    rc = pt_verify_stateless_step(&c->opt, e, &st, answer, now, &method, &step, &device);
    show_device(e, skip, was);
    if (rc < 0) {
        cli_err("could not check the code: %s", pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (rc == 1 && !allow_backup && method != NULL && strcmp(method, "totp") != 0) {
        cli_err("a backup code is not accepted here: give the current code from your app");
        return CLI_REFUSED;
    }
    if (rc != 1) {
        /* No clock hint here: this check records no failure, so a hint that finds codes 15
         * minutes either side would turn it into a cheap search for a future code. */
        unsigned typed = 0;
        int64_t skew = 0;
        if (pt_verify_explain(&c->opt, e, answer, now, &typed, &skew) < 0)
            typed = 0;
        cli_report_refused(e, typed, 0);
        return CLI_REFUSED;
    }
    return record_command_step(c, u, e, step, device);
}

int cli_code_arg(const char *arg, char *buf, size_t bufsz)
{
    if (strcmp(arg, "-") == 0) {
        int r = cli_read_answer("", buf, bufsz);
        if (r != 0) {
            pt_wipe(buf, bufsz);
            cli_err("%s", r == -2 ? "the code read from standard input is too long"
                                  : "no code on standard input");
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    if (strlen(arg) >= bufsz) {
        cli_err("the code is too long");
        return CLI_REFUSED;
    }
    /* Still accepted, but every local user can read a command line while it runs. */
    fprintf(stderr, "pam-totp: note: a code on the command line is visible to other local users; "
                    "use --code - (standard input) or let the command ask\n");
    strcpy(buf, arg);
    return CLI_OK;
}

static int confirm(cli_ctx *c, const pt_user *u, pt_enrolment *e, const char *code,
                   bool allow_backup, const char *why, int skip)
{
    char answer[PT_ANSWER_MAX + 1];
    int64_t now = cli_now();
    int st;

    if (c->root && code == NULL)
        return CLI_OK; /* root need not prove anything */
    if (code != NULL) {
        if ((st = cli_code_arg(code, answer, sizeof(answer))) != CLI_OK)
            return st;
    } else {
        if (!cli_stdin_is_tty()) {
            cli_err("%s needs a current code: give --code - and the code on standard input, or "
                    "run it on a terminal", why);
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
        st = confirm_as_root(c, u, e, answer, allow_backup, now, skip);
    else
        st = confirm_as_user(c, u, e, answer, allow_backup, now, skip);
    pt_wipe(answer, sizeof(answer));
    return st;
}

int cli_confirm_code(cli_ctx *c, const pt_user *u, pt_enrolment *e, const char *code,
                     bool allow_backup, const char *why)
{
    return confirm(c, u, e, code, allow_backup, why, -1);
}

int cli_confirm_code_except(cli_ctx *c, const pt_user *u, pt_enrolment *e, int skip,
                            const char *code, const char *why)
{
    return confirm(c, u, e, code, true, why, skip);
}
