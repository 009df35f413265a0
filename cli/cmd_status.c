/* pam-totp status [--json] [--user NAME]: is MFA set up, is it required, codes left, locked, and
 * the enrolment deadline. */
#include <getopt.h>
#include <string.h>
#include "cli.h"

static void help(void)
{
    printf("Usage: pam-totp status [--json] [[--user] NAME]\n\n"
           "Shows whether you are enrolled, whether the site's policy requires MFA of you, how many\n"
           "backup codes are left, whether you are locked out, and until when you may still log in\n"
           "without MFA (enrol_grace_days).\n\n"
           "  --json       one JSON object: user, enrolled, pending, backup_codes_left, devices,\n"
           "               locked, required, deadline (UNIX time or null)\n"
           "  --user NAME  another user's status (root only); a bare NAME is the same\n"
           "  --config PATH, --help\n");
}

static void print_json(const pt_user *u, const cli_view *v)
{
    printf("{\"user\": ");
    cli_json_string(stdout, u->name);
    printf(", \"enrolled\": ");
    cli_json_bool(stdout, v->enrolled);
    printf(", \"pending\": ");
    cli_json_bool(stdout, v->pending);
    printf(", \"backup_codes_left\": %u, \"devices\": %u, \"locked\": ", v->codes_left,
           v->devices);
    cli_json_bool(stdout, v->locked);
    printf(", \"required\": ");
    cli_json_bool(stdout, v->required);
    if (v->deadline > 0)
        printf(", \"deadline\": %lld}\n", (long long)v->deadline);
    else
        printf(", \"deadline\": null}\n");
}

static void print_text(const cli_ctx *c, const pt_user *u, const cli_view *v, int64_t now)
{
    char t[128], d[128], hint[256];
    printf("User:          %s\n", u->name);
    if (v->enrolled) {
        cli_time_text(v->since, t, sizeof(t));
        printf("Enrolled:      yes (since %s)\n", t);
        if (v->codes_left < 3)
            printf("Backup codes:  %u of %u left (%s)\n", v->codes_left, v->codes_total,
                   cli_codes_hint(c, u, hint, sizeof(hint)));
        else
            printf("Backup codes:  %u of %u left\n", v->codes_left, v->codes_total);
        printf("Devices:       %u (`pam-totp devices` lists them)\n", v->devices);
    } else {
        printf("Enrolled:      no%s\n", v->pending ? " (a pending enrolment awaits `pam-totp enrol "
                                                     "--verify CODE`)" : "");
    }
    if (v->lock_left < 0)
        printf("Locked:        yes, until an administrator runs `pam-totp unlock %s`\n", u->name);
    else if (v->lock_left > 0) {
        cli_duration_text(v->lock_left, d, sizeof(d));
        printf("Locked:        yes, for %s more\n", d);
    } else
        printf("Locked:        no\n");
    printf("MFA required:  %s (policy mfa=%s%s)\n", v->required ? "yes" : "no",
           pt_mfa_name(c->opt.mfa), v->exempt ? ", exempt" : "");
    if (v->required && !v->enrolled) {
        cli_deadline_text(c, v, now, t, sizeof(t));
        cli_enrol_hint(c, u, hint, sizeof(hint));
        if (v->deadline > now) {
            cli_duration_text(v->deadline - now, d, sizeof(d));
            printf("Deadline:      %s (in %s): %s\n", t, d, hint);
        } else if (v->deadline == -1) {
            printf("Deadline:      %s: %s\n", t, hint);
        } else {
            printf("Deadline:      %s: logins need MFA set up; %s\n", t, hint);
        }
    }
}

int cmd_status(cli_ctx *c, int argc, char **argv)
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

    st = cli_load_config(c);
    if (st != CLI_OK)
        return st;
    if ((st = cli_refuse_system_mode(c, "show the status")) != CLI_OK)
        return st;
    pt_user u;
    if ((st = cli_target_user(c, name, &u)) != CLI_OK)
        return st;
    cli_view v;
    int64_t now = cli_now();
    st = cli_view_user(c, &u, now, &v);
    if (st == CLI_OK) {
        if (json)
            print_json(&u, &v);
        else
            print_text(c, &u, &v, now);
    }
    pt_user_free(&u);
    return st;
}
