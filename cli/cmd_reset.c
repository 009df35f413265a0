/* pam-totp reset NAME [--yes] (root): remove a user's enrolment and runtime state, for a user who
 * lost their phone and backup codes. Asks on a terminal unless --yes; audited at LOG_ALERT with
 * the acting admin. */
#include <getopt.h>
#include <stdio.h>
#include "cli.h"
#include "log.h"
#include "pt_error.h"

static void help(void)
{
    printf("Usage: pam-totp reset NAME [--yes]   (or --user NAME)\n\n"
           "(root) Removes NAME's TOTP enrolment (secret and backup codes) and runtime state\n"
           "(lock, failures, used codes, enrolment grace). NAME can then enrol again. Asks for\n"
           "confirmation on a terminal; --yes skips the question (needed without a terminal).\n\n"
           "  --yes        do not ask\n"
           "  --user NAME  the same as a bare NAME\n"
           "  --config PATH, --help\n");
}

static int do_reset(cli_ctx *c, const pt_user *u)
{
    int rc_e = pt_store_enrolment_remove(c->store, u);
    if (rc_e != PT_OK && rc_e != PT_ERR_NOENT) {
        cli_err("cannot remove the enrolment of %s: %s", u->name, pt_strerror(rc_e));
        return CLI_SYSERR;
    }
    int rc_s = pt_store_state_remove(c->store, u);
    if (rc_s != PT_OK && rc_s != PT_ERR_NOENT) {
        cli_err("removed the enrolment, but not the runtime state of %s: %s", u->name,
                pt_strerror(rc_s));
        return CLI_SYSERR;
    }
    cli_audit(LOG_ALERT, "reset", u, true, "had_enrolment", rc_e == PT_OK ? "yes" : "no", NULL,
              NULL);
    char hint[256];
    if (rc_e == PT_OK)
        printf("Reset %s: enrolment and runtime state removed. To enrol again: %s.\n", u->name,
               cli_enrol_hint(c, u, hint, sizeof(hint)));
    else
        printf("%s had no enrolment; runtime state cleared.\n", u->name);
    return CLI_OK;
}

int cmd_reset(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"yes", no_argument, NULL, 'y'}, {"user", required_argument, NULL, 'u'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    bool yes = false;
    const char *name = NULL;
    int ch, st;
    while ((ch = getopt_long(argc, argv, "hy", opts, NULL)) != -1) {
        switch (ch) {
        case 'y': yes = true; break;
        case 'u': name = optarg; break;
        case 'c': c->config_path = optarg; break;
        case 'h': help(); return CLI_OK;
        default: return cli_usage_hint(c);
        }
    }
    if ((st = cli_take_user(c, argc, argv, &name, true)) != CLI_OK)
        return st;
    if ((st = cli_need_root(c, "reset a user's MFA")) != CLI_OK)
        return st;
    if ((st = cli_load_config(c)) != CLI_OK)
        return st;
    pt_user u;
    if ((st = cli_target_user(c, name, &u)) != CLI_OK)
        return st;
    if (!yes) {
        if (!cli_stdin_is_tty()) {
            pt_user_free(&u);
            return cli_usage_error(c, "no terminal to confirm on: add --yes to reset %s", name);
        }
        char q[PT_USER_MAX + 128];
        snprintf(q, sizeof(q), "Remove the TOTP enrolment and runtime state of %s? [y/N] ",
                 u.name);
        if (!cli_ask_yes(q)) {
            pt_user_free(&u);
            printf("Nothing changed.\n");
            return CLI_REFUSED;
        }
    }
    st = do_reset(c, &u);
    pt_user_free(&u);
    return st;
}
