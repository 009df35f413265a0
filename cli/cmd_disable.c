/* pam-totp disable [--code -] [--user NAME]: remove an enrolment. A user proves possession
 * with a current code or a backup code first; root need not. The runtime state is kept (the last
 * accepted step must never go back; `reset` is the admin's clean slate). */
#include <getopt.h>
#include <string.h>
#include "cli.h"
#include "log.h"
#include "pt_error.h"

static void help(void)
{
    printf("Usage: pam-totp disable [--code -] [[--user] NAME]\n\n"
           "Removes your TOTP enrolment (secret and backup codes). You need a current code from\n"
           "your app or a backup code; if the site's policy requires MFA, your next login will\n"
           "ask you to enrol again.\n\n"
           "  --code -     read the code from standard input (else asked on the terminal with\n"
           "               echo off; a code written here instead is visible to other users)\n"
           "  --user NAME  another user's enrolment (root only; no code needed)\n"
           "  --config PATH, --help\n");
}

int cmd_disable(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"code", required_argument, NULL, 'C'}, {"user", required_argument, NULL, 'u'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL, *code = NULL;
    int ch, st;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'C': code = optarg; break;
        case 'u': name = optarg; break;
        case 'c': c->config_path = optarg; break;
        case 'h': help(); return CLI_OK;
        default: return cli_usage_hint(c);
        }
    }
    if ((st = cli_take_user(c, argc, argv, &name, false)) != CLI_OK)
        return st;
    if ((st = cli_load_config(c)) != CLI_OK)
        return st;
    if ((st = cli_refuse_system_mode(c, "disable MFA")) != CLI_OK)
        return st;
    pt_user u;
    if ((st = cli_target_user(c, name, &u)) != CLI_OK)
        return st;

    pt_enrolment e;
    /* Root without a code checks nothing, so needs no secret: an enrolment whose sealed secret
     * does not open can still be disabled. */
    int rc = c->root && code == NULL ? cli_load_enrolment_meta(c, &u, &e)
                                     : cli_load_enrolment(c, &u, &e);
    if (rc == PT_ERR_NOENT) {
        cli_err("%s is not enrolled: nothing to disable", u.name);
        st = CLI_REFUSED;
    } else if (rc != PT_OK) {
        cli_err("the enrolment of %s cannot be used (%s): `pam-totp reset %s` as root removes it",
                u.name, pt_strerror(rc), u.name);
        st = CLI_SYSERR;
    } else {
        /* A pending enrolment protects nothing yet: no code needed to drop it. */
        if (e.status == PT_ENROL_ACTIVE)
            st = cli_confirm_code(c, &u, &e, code, true, "disable");
        if (st == CLI_OK) {
            rc = pt_store_enrolment_remove(c->store, &u);
            if (rc != PT_OK && rc != PT_ERR_NOENT) {
                cli_err("cannot remove the enrolment of %s: %s", u.name, pt_strerror(rc));
                st = CLI_SYSERR;
            } else {
                cli_audit(LOG_NOTICE, "disabled", &u, cli_is_other_user(&u), NULL, NULL, NULL,
                          NULL);
                printf("TOTP is now disabled for %s.\n", u.name);
            }
        }
    }
    pt_enrolment_wipe(&e);
    pt_user_free(&u);
    return st;
}
