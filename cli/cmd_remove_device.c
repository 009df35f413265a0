/* pam-totp remove-device NAME [--code CODE] [--user NAME]: a device's codes stop working.
 *
 * A user proves possession with a current code of another device or a backup code (the lost
 * device's own codes do not count); root need not. The last active device cannot be removed:
 * that would leave an enrolment no code can use; `pam-totp disable` removes the whole
 * enrolment instead. The file is replaced atomically, and a login waiting at its prompt notices
 * the new file under the state lock and checks its answer against it, so the removed device's
 * codes stop at once. The backup codes and the other devices are untouched. */
#include <getopt.h>
#include <string.h>
#include "cli.h"
#include "pt_error.h"

static void help(void)
{
    printf("Usage: pam-totp remove-device NAME [--code -] [--user USER]\n\n"
           "Removes the device (authenticator) NAME: its codes stop working at once, also for a\n"
           "login waiting at its prompt. You need a current code of another device or a backup\n"
           "code. The last device cannot be removed: `pam-totp disable` removes the enrolment.\n\n"
           "  --code -     read the code from standard input (else it is asked on the terminal\n"
           "               with echo off; a code written here instead is visible to other\n"
           "               local users)\n"
           "  --user USER  another user's device (root only; no code needed)\n"
           "  --config PATH, --help\n");
}

static void list_names(const pt_enrolment *e)
{
    fprintf(stderr, "pam-totp: the devices are:");
    for (unsigned i = 0; i < e->ndevices; i++)
        fprintf(stderr, " %s", e->dev[i].name);
    fprintf(stderr, "\n");
}

static int remove_from(cli_ctx *c, const pt_user *u, pt_enrolment *e, const char *device,
                       const char *code)
{
    int i = pt_device_find(e, device);
    if (i < 0) {
        cli_err("%s has no device named \"%s\"", u->name, device);
        list_names(e);
        return CLI_REFUSED;
    }
    pt_device *d = &e->dev[i];
    if (d->status == PT_ENROL_ACTIVE && pt_device_active_count(e) == 1) {
        cli_err("\"%s\" is the only device of %s: without it no code would log in. Add another "
                "device first (`pam-totp enrol --add --name NAME`), or remove the whole "
                "enrolment with `pam-totp disable`", d->name, u->name);
        return CLI_REFUSED;
    }
    int st = CLI_OK;
    /* A pending device is no way in: cancelling it needs no proof. */
    if (d->status == PT_ENROL_ACTIVE)
        st = cli_confirm_code_except(c, u, e, i, code, "remove-device");
    if (st != CLI_OK)
        return st;
    char name[PT_DEVICE_NAME_MAX + 1];
    snprintf(name, sizeof(name), "%s", d->name);
    pt_device_remove(e, (unsigned)i);
    if ((st = cli_store_if_unchanged(c, u, e)) != CLI_OK)
        return st;
    cli_audit(LOG_NOTICE, "device_removed", u, cli_is_other_user(u), "device", name, NULL, NULL);
    unsigned left = pt_device_active_count(e);
    printf("Device \"%s\" removed for %s: its codes no longer work. %u device%s left.\n", name,
           u->name, left, left == 1 ? "" : "s");
    return CLI_OK;
}

int cmd_remove_device(cli_ctx *c, int argc, char **argv)
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
    if (optind >= argc)
        return cli_usage_error(c, "which device? `pam-totp devices` lists them");
    if (optind + 1 < argc)
        return cli_usage_error(c, "unexpected argument: %s", argv[optind + 1]);
    const char *device = argv[optind];
    if ((st = cli_check_device_name(device)) != CLI_OK)
        return st;
    if ((st = cli_load_config(c)) != CLI_OK)
        return st;
    if ((st = cli_refuse_system_mode(c, "remove a device")) != CLI_OK)
        return st;
    pt_user u;
    if ((st = cli_target_user(c, name, &u)) != CLI_OK)
        return st;
    pt_enrolment e;
    int rc = cli_load_enrolment(c, &u, &e);
    if (rc == PT_ERR_NOENT || (rc == PT_OK && e.status != PT_ENROL_ACTIVE)) {
        cli_err("%s is not enrolled: there is no device to remove", u.name);
        st = CLI_REFUSED;
    } else if (rc != PT_OK) {
        cli_err("the enrolment of %s cannot be used (%s): `pam-totp reset %s` as root removes it",
                u.name, pt_strerror(rc), u.name);
        st = CLI_SYSERR;
    } else {
        st = remove_from(c, &u, &e, device, code);
    }
    pt_enrolment_wipe(&e);
    pt_user_free(&u);
    return st;
}
