/* pam-totp devices [--json] [--user NAME]: the user's devices (authenticators): name, created,
 * last used. The last use comes from the runtime state (root-owned; a user may read their own
 * record), so a user cannot make a lost device look unused. */
#include <getopt.h>
#include <string.h>
#include "cli.h"
#include "pt_error.h"

static void help(void)
{
    printf("Usage: pam-totp devices [--json] [[--user] NAME]\n\n"
           "Lists your devices (authenticator apps): name, when it was added, when a code of it\n"
           "last logged in. A device added but not yet confirmed is marked pending; its codes\n"
           "do not log in.\n\n"
           "  --json       a JSON array of {name, created, last_used} (UNIX seconds; last_used\n"
           "               null when never), plus pending: true for a pending device\n"
           "  --user NAME  another user's devices (root only); a bare NAME is the same\n"
           "  --config PATH, --help\n");
}

int cli_check_device_name(const char *name)
{
    if (pt_device_name_ok(name))
        return CLI_OK;
    /* The name is not shown back: it may hold anything a terminal would act on. */
    cli_err("invalid device name: a name is %s", PT_DEVICE_NAME_RULE);
    return CLI_USAGE;
}

static void print_json(const pt_enrolment *e, const pt_state *st)
{
    printf("[");
    for (unsigned i = 0; i < e->ndevices; i++) {
        const pt_device *d = &e->dev[i];
        int64_t used = pt_state_device_last_used(st, d->id);
        printf("%s{\"name\": ", i ? ", " : "");
        cli_json_string(stdout, d->name);
        printf(", \"created\": %lld, \"last_used\": ", (long long)d->created);
        if (used < 0)
            printf("null");
        else
            printf("%lld", (long long)used);
        if (d->status != PT_ENROL_ACTIVE)
            printf(", \"pending\": true");
        printf("}");
    }
    printf("]\n");
}

static void print_text(const pt_user *u, const pt_enrolment *e, const pt_state *st)
{
    printf("Devices of %s:\n", u->name);
    printf("  %-*s  %-22s  %s\n", PT_DEVICE_NAME_MAX, "NAME", "ADDED", "LAST USED");
    for (unsigned i = 0; i < e->ndevices; i++) {
        const pt_device *d = &e->dev[i];
        char created[64], used[64];
        int64_t t = pt_state_device_last_used(st, d->id);
        cli_time_text(d->created, created, sizeof(created));
        if (d->status != PT_ENROL_ACTIVE)
            snprintf(used, sizeof(used), "pending (`pam-totp enrol --verify CODE`)");
        else if (t < 0)
            snprintf(used, sizeof(used), "never");
        else
            cli_time_text(t, used, sizeof(used));
        printf("  %-*s  %-22s  %s\n", PT_DEVICE_NAME_MAX, d->name, created, used);
    }
}

static int show(cli_ctx *c, const pt_user *u, bool json)
{
    pt_enrolment e;
    pt_state st;
    int rc = cli_load_enrolment_meta(c, u, &e);
    if (rc == PT_ERR_NOENT || (rc == PT_OK && e.status != PT_ENROL_ACTIVE)) {
        pt_enrolment_wipe(&e);
        if (json) {
            printf("[]\n");
            return CLI_OK;
        }
        cli_err("%s is not enrolled: run `pam-totp enrol` first", u->name);
        return CLI_REFUSED;
    }
    if (rc != PT_OK) {
        cli_err("the enrolment of %s cannot be used (%s): `pam-totp reset %s` as root removes it",
                u->name, pt_strerror(rc), u->name);
        return CLI_SYSERR;
    }
    rc = pt_store_state_read(c->store, u, &st);
    if (rc != PT_OK) {
        pt_enrolment_wipe(&e);
        cli_err("cannot read the runtime state of %s: %s", u->name, pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (json)
        print_json(&e, &st);
    else
        print_text(u, &e, &st);
    pt_enrolment_wipe(&e);
    return CLI_OK;
}

int cmd_devices(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},   {"user", required_argument, NULL, 'u'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL;
    bool json = false;
    int ch, st;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
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
    if ((st = cli_refuse_system_mode(c, "list your devices")) != CLI_OK)
        return st;
    pt_user u;
    if ((st = cli_target_user(c, name, &u)) != CLI_OK)
        return st;
    st = show(c, &u, json);
    pt_user_free(&u);
    return st;
}
