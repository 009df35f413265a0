/* pam-totp list [--json] [--without-mfa] (root): every login account (root, and uid >= UID_MIN
 * from /etc/login.defs, with a login shell) plus anyone with an enrolment, and a summary line
 * counting the rows shown. */
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "log.h"
#include "pt_error.h"

static void help(void)
{
    printf("Usage: pam-totp list [--json] [--without-mfa]\n\n"
           "(root) Every login account (root, and uids from UID_MIN in " CLI_LOGIN_DEFS ", with a\n"
           "login shell) and anyone with an enrolment: enrolled?, MFA required by policy?, backup\n"
           "codes left, locked?, and the enrolment deadline; then a summary line counting the\n"
           "accounts shown.\n\n"
           "  --json         a JSON array of {user, enrolled, backup_codes_left, devices, locked,\n"
           "                 required, deadline}\n"
           "  --without-mfa  only accounts without an active enrolment\n"
           "  --config PATH, --help\n");
}

typedef struct {
    unsigned accounts, enrolled, missing;
    bool first;
} totals;

static void print_row(cli_ctx *c, const pt_user *u, const cli_view *v, bool json, int64_t now,
                      totals *t)
{
    if (json) {
        printf("%s\n  {\"user\": ", t->first ? "" : ",");
        cli_json_string(stdout, u->name);
        printf(", \"enrolled\": ");
        cli_json_bool(stdout, v->enrolled);
        printf(", \"backup_codes_left\": %u, \"devices\": %u, \"locked\": ", v->codes_left,
               v->devices);
        cli_json_bool(stdout, v->locked);
        printf(", \"required\": ");
        cli_json_bool(stdout, v->required);
        if (v->deadline > 0)
            printf(", \"deadline\": %lld}", (long long)v->deadline);
        else
            printf(", \"deadline\": null}");
    } else {
        char d[128], codes[16];
        cli_deadline_text(c, v, now, d, sizeof(d));
        if (v->enrolled)
            snprintf(codes, sizeof(codes), "%u", v->codes_left);
        else
            snprintf(codes, sizeof(codes), "-");
        printf("%-20s %-8s %-8s %-10s %-6s %s\n", u->name,
               v->enrolled ? "yes" : (v->pending ? "pending" : "no"), v->required ? "yes" : "no",
               codes, v->locked ? "yes" : "no", d);
    }
    t->first = false;
}

static void quiet_sink(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx, (void)kind, (void)priority, (void)msg;
}

/* One passwd entry: listed when a login account or enrolled. Its groups come from gm, the group
 * database read once for the whole listing. Returns an exit status. */
static int one_account(cli_ctx *c, const pt_groupmap *gm, const struct passwd *pw,
                       unsigned long min, bool json, bool without, int64_t now, totals *t)
{
    pt_user u;
    cli_view v;
    bool login = cli_login_account(pw, min);
    memset(&u, 0, sizeof(u));
    int rc = pt_user_from_passwd_map(&u, gm, pw->pw_name, pw->pw_uid, pw->pw_gid,
                                     pw->pw_dir ? pw->pw_dir : "",
                                     pw->pw_shell ? pw->pw_shell : "");
    if (rc != PT_OK)
        return login ? CLI_SYSERR : CLI_OK;
    int st;
    if (login) {
        st = cli_view_user(c, &u, now, &v);
    } else {
        /* System accounts (home /bin, /nonexistent, ...) are listed only when enrolled: a path
         * the core refuses to read there is not worth a warning, and counts as no enrolment. */
        pt_log_set_sink(quiet_sink, NULL);
        c->quiet = true;
        st = cli_view_user(c, &u, now, &v);
        c->quiet = false;
        pt_log_set_sink(cli_log_sink, NULL);
        if (st != CLI_OK)
            st = CLI_OK, v.enrolled = v.pending = false;
    }
    /* The summary counts the rows shown, so it always adds up to the listing above it. */
    if (st == CLI_OK && (login || v.enrolled || v.pending) && (!without || !v.enrolled)) {
        t->accounts++;
        t->enrolled += v.enrolled;
        t->missing += v.required && !v.enrolled;
        print_row(c, &u, &v, json, now, t);
    }
    pt_user_free(&u);
    return st;
}

/* store = ldap: the directory may hold users this host has no account for (enrolled through
 * another host); they are named on stderr, since nothing here can log in as them. */
static int report_strangers(void *ctx, const char *name)
{
    (void)ctx;
    if (getpwnam(name) == NULL)
        cli_err("the directory holds an entry for %s, who has no account on this host", name);
    return PT_OK;
}

int cmd_list(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},         {"without-mfa", no_argument, NULL, 'w'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, without = false;
    int ch, st;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': json = true; break;
        case 'w': without = true; break;
        case 'c': c->config_path = optarg; break;
        case 'h': help(); return CLI_OK;
        default: return cli_usage_hint(c);
        }
    }
    if (optind < argc)
        return cli_usage_error(c, "unexpected argument: %s", argv[optind]);
    if ((st = cli_need_root(c, "list every user's MFA")) != CLI_OK)
        return st;
    if ((st = cli_load_config(c)) != CLI_OK)
        return st;

    /* One read of the group database for every account: getgrouplist per account would read
     * all of it each time (users x groups). */
    pt_groupmap *gm = NULL;
    if (pt_groupmap_load(&gm) != PT_OK) {
        cli_err("cannot list: the group database could not be read (see above)");
        return CLI_SYSERR;
    }
    unsigned long min = cli_uid_min();
    int64_t now = cli_now();
    totals t = {0, 0, 0, true};
    int worst = CLI_OK;
    if (json)
        printf("[");
    else
        printf("%-20s %-8s %-8s %-10s %-6s %s\n", "USER", "ENROLLED", "REQUIRED", "CODES-LEFT",
               "LOCKED", "DEADLINE");
    setpwent();
    struct passwd *pw;
    while ((pw = getpwent()) != NULL) {
        st = one_account(c, gm, pw, min, json, without, now, &t);
        if (st != CLI_OK)
            worst = CLI_SYSERR; /* reported; keep listing the others */
    }
    endpwent();
    pt_groupmap_free(gm);
    if (c->opt.store == PT_STORE_LDAP && pt_store_list(c->store, report_strangers, NULL) != PT_OK)
        worst = CLI_SYSERR;
    if (json)
        printf("%s]\n", t.first ? "" : "\n");
    else
        printf("\n%u account%s%s, %u enrolled, %u required but not enrolled\n", t.accounts,
               t.accounts == 1 ? "" : "s", without ? " without MFA" : "", t.enrolled, t.missing);
    return worst;
}
