/* pam-totp backup-codes [--code -] [--json] [--user NAME]: a new set of backup codes.
 * The set gets a new enrolment id as well, so the used marks the runtime state holds for the
 * old id stop mattering and the old codes stop working the moment the file is replaced. */
#include <getopt.h>
#include <string.h>
#include "cli.h"
#include "log.h"
#include "pt_error.h"
#include "totp.h"

static void help(void)
{
    printf("Usage: pam-totp backup-codes [--code -] [--json] [[--user] NAME]\n\n"
           "Makes a new set of one-time backup codes and prints it once. The old set stops\n"
           "working at once. You need a current code from your app.\n\n"
           "  --code -     read the code from standard input (else asked on the terminal with\n"
           "               echo off; a code written here instead is visible to other users)\n"
           "  --json       {\"backup_codes\": [...]}\n"
           "  --user NAME  another user (root only; no code needed)\n"
           "  --config PATH, --help\n");
}

static int regenerate(cli_ctx *c, const pt_user *u, pt_enrolment *e, bool json)
{
    pt_backup_code codes[PT_BACKUP_MAX];
    unsigned n = 0;
    int st = CLI_OK;
    if (pt_enrolment_new_id(e->id) != PT_OK || cli_new_backup_set(c, e, codes, &n) != PT_OK) {
        cli_err("cannot generate backup codes");
        return CLI_SYSERR;
    }
    st = cli_store_if_unchanged(c, u, e);
    if (st == CLI_OK) {
        char count[16];
        snprintf(count, sizeof(count), "%u", n);
        cli_audit(LOG_NOTICE, "codes_regenerated", u, cli_is_other_user(u), "codes", count,
                  NULL, NULL);
        if (json) {
            printf("{\"backup_codes\": ");
            cli_json_codes(stdout, codes, n);
            printf("}\n");
        } else {
            printf("New backup codes for %s; the old ones no longer work. Each works once.\n"
                   "Store them now somewhere safe: they are shown only this once.\n\n",
                   u->name);
            cli_print_codes(stdout, codes, n);
        }
    }
    pt_wipe(codes, sizeof(codes));
    return st;
}

int cmd_backup_codes(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"code", required_argument, NULL, 'C'}, {"json", no_argument, NULL, 'j'},
        {"user", required_argument, NULL, 'u'}, {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *name = NULL, *code = NULL;
    bool json = false;
    int ch, st;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'C': code = optarg; break;
        case 'j': json = true; break;
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
    if (c->opt.backup_codes == 0) {
        cli_err("backup codes are turned off on this system (backup_codes = 0)");
        return CLI_REFUSED;
    }
    if ((st = cli_refuse_system_mode(c, "make new backup codes")) != CLI_OK)
        return st;
    pt_user u;
    if ((st = cli_target_user(c, name, &u)) != CLI_OK)
        return st;

    pt_enrolment e;
    int rc = cli_load_enrolment(c, &u, &e);
    if (rc == PT_ERR_NOENT || (rc == PT_OK && e.status != PT_ENROL_ACTIVE)) {
        char hint[256];
        cli_err("%s is not enrolled: %s", u.name, cli_enrol_hint(c, &u, hint, sizeof(hint)));
        st = CLI_REFUSED;
    } else if (rc != PT_OK) {
        cli_err("the enrolment of %s cannot be used (%s): `pam-totp reset %s` as root removes it",
                u.name, pt_strerror(rc), u.name);
        st = CLI_SYSERR;
    } else {
        st = cli_confirm_code(c, &u, &e, code, false, "backup-codes");
        if (st == CLI_OK)
            st = regenerate(c, &u, &e, json);
    }
    pt_enrolment_wipe(&e);
    pt_user_free(&u);
    return st;
}
