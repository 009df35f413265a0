/* pam-totp enrol: set up an authenticator app.
 *   interactive:      QR code + secret, confirm a code (3 tries), activate, show backup codes once
 *   --begin/--verify: the same in two steps for scripts and provisioning
 * The new enrolment is kept in memory until confirmed (interactive), so an abandoned run leaves
 * any existing enrolment as it was. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "base32.h"
#include "cli.h"
#include "enrol.h"
#include "log.h"
#include "pt_error.h"
#include "totp.h"
#include "uri.h"
#include "verify.h"

#define TRIES 3


static void help(void)
{
    printf("Usage: pam-totp enrol [--force] [--name DEVICE] [--qr=utf8|ansi|none] [[--user] NAME]\n"
           "       pam-totp enrol --begin [--name DEVICE] [--json] [[--user] NAME]\n"
           "       pam-totp enrol --verify CODE|- [--json] [[--user] NAME]\n"
           "       pam-totp enrol --add --name DEVICE [--begin [--json]] [--code -] [[--user] NAME]\n\n"
           "Sets up an authenticator app: shows a QR code and the secret, asks for a code from the\n"
           "app, then prints one-time backup codes. An existing enrolment is kept unless --force;\n"
           "replacing your own needs a current code or a backup code.\n\n"
           "  --force          replace an active enrolment\n"
           "  --code -         read the current code for --force or --add from standard input\n"
           "                   (else it is asked on the terminal; a code written here instead is\n"
           "                   visible to other local users)\n"
           "  --qr=MODE        utf8 (half blocks), ansi (colours) or none; default: utf8 when the\n"
           "                   locale is UTF-8, ansi otherwise. Dark on light whatever the\n"
           "                   terminal's colours; a code that does not fit the terminal is not\n"
           "                   drawn (the key and the URI always are)\n"
           "  --begin          create a pending enrolment (expires after pending_ttl seconds)\n"
           "  --verify CODE    confirm the pending enrolment or device with a code (- reads it\n"
           "                   from standard input); prints the backup codes\n"
           "  --json           JSON output (--begin: secret, uri, expires; --verify: backup_codes,\n"
           "                   or device after --add)\n"
           "  --add            add another device (authenticator) to an active enrolment; needs a\n"
           "                   current code of a device you have, or a backup code\n"
           "  --name DEVICE    the device's name (the first: \"default\" unless given); 1 to 32\n"
           "                   letters, digits, '.', '_' or '-', starting with a letter or digit\n"
           "  --user NAME      enrol another user (root only); a bare NAME is the same\n"
           "  --config PATH, --help\n");
}

int cli_new_backup_set(const cli_ctx *c, pt_enrolment *e, pt_backup_code *codes, unsigned *n)
{
    *n = c->opt.backup_codes;
    if (*n == 0) {
        memset(&e->backup, 0, sizeof(e->backup));
        pt_kdf_default(&e->backup.kdf);
        return pt_random_bytes(e->backup.salt, sizeof(e->backup.salt));
    }
    return pt_backup_generate(*n, &e->backup, codes);
}

/* The otpauth URI and the grouped secret for e; *uri is malloc'd (holds the secret). */
static int describe(const cli_ctx *c, const pt_user *u, const pt_device *e, char **uri,
                    char *b32, size_t b32sz, char *issuer, char *label)
{
    pt_options_issuer(&c->opt, issuer, PT_TEXT_MAX);
    if (pt_expand(c->opt.label, u->name, u->home, label, PT_TEXT_MAX) != PT_OK) {
        cli_err("the label setting \"%s\" cannot be expanded: fix `label` in the configuration",
                c->opt.label);
        return CLI_USAGE;
    }
    /* The value is checked when read; an expansion (%h) could still bring a colon in. */
    if (strchr(label, ':') != NULL) {
        cli_err("label: \"%s\" contains a colon, which apps read as the end of the issuer: "
                "change `label` in the configuration", label);
        return CLI_USAGE;
    }
    if (pt_device_secret_b32(e, b32, b32sz) != PT_OK)
        return CLI_SYSERR;
    *uri = pt_otpauth_uri(issuer, label, b32, e->alg, e->digits, e->period);
    if (*uri == NULL) {
        cli_err("cannot build the otpauth URI (issuer or label too long?)");
        return CLI_SYSERR;
    }
    return CLI_OK;
}

/* Shows everything needed to add the account (device e) to an app: the key and the URI first,
 * the QR code last, so that on a small screen the code and the `after` lines printed below it
 * (the prompt included) are what stays visible. */
static int show_setup(const cli_ctx *c, const pt_user *u, const pt_device *e, cli_qr_mode qr,
                      unsigned after)
{
    char b32[2 * PT_SECRET_MAX], grouped[3 * PT_SECRET_MAX], issuer[PT_TEXT_MAX],
        label[PT_TEXT_MAX], note[512];
    char *uri = NULL;
    int st = describe(c, u, e, &uri, b32, sizeof(b32), issuer, label);
    if (st != CLI_OK)
        return st;
    if (pt_base32_group(b32, grouped, sizeof(grouped)) != PT_OK)
        st = CLI_SYSERR;
    if (st == CLI_OK) {
        printf("Issuer:  %s\nAccount: %s\n\n", issuer, label);
        printf("Add the account to your authenticator app: %s this key by hand (time-based, %s, "
               "%u digits, every %u seconds):\n",
               qr != CLI_QR_NONE ? "scan the QR code below, or enter" : "enter",
               pt_alg_uri_name(e->alg), e->digits, e->period);
        cli_print_key(stdout, grouped, "  ");
        printf("\nURI: %s\n\n", uri);
        if (pt_uri_settings_note(e->alg, e->digits, e->period, note, sizeof(note)))
            printf("%s\n\n", note);
        (void)cli_qr_print(stdout, uri, qr, after);
    }
    pt_wipe(b32, sizeof(b32));
    pt_wipe(grouped, sizeof(grouped));
    pt_wipe(uri, strlen(uri));
    free(uri);
    return st;
}

static void show_codes(const pt_backup_code *codes, unsigned n)
{
    if (n == 0) {
        printf("No backup codes are configured (backup_codes = 0).\n");
        return;
    }
    printf("Backup codes: each works once, when you cannot use your app.\n"
           "Store them now somewhere safe (a password manager or on paper): they are shown only\n"
           "this once.\n\n");
    cli_print_codes(stdout, codes, n);
    printf("\n");
}

/* Activates e with a new backup set, stores it, prints the codes. */
static int activate(cli_ctx *c, const pt_user *u, pt_enrolment *e, bool json)
{
    pt_backup_code codes[PT_BACKUP_MAX];
    unsigned n = 0;
    int st = CLI_OK;
    if (cli_new_backup_set(c, e, codes, &n) != PT_OK) {
        cli_err("cannot generate backup codes");
        return CLI_SYSERR;
    }
    pt_enrolment_activate(e);
    int rc = pt_store_enrolment_store(c->store, u, e);
    if (rc != PT_OK) {
        cli_err("cannot save the enrolment of %s: %s", u->name, pt_strerror(rc));
        st = cli_status_for_rc(rc) == CLI_REFUSED ? CLI_REFUSED : CLI_SYSERR;
    } else {
        char count[16];
        snprintf(count, sizeof(count), "%u", n);
        cli_audit(LOG_NOTICE, "enrol_completed", u, cli_is_other_user(u), "codes", count,
                  "device", e->dev[0].name);
        if (json) {
            printf("{\"backup_codes\": ");
            cli_json_codes(stdout, codes, n);
            printf("}\n");
        } else {
            /* The app keeps showing the confirming code for up to a period; it never logs in. */
            printf("MFA is now set up for %s.\nThe code just entered is used up: before logging "
                   "in, wait until the app shows a new code.\n\n", u->name);
            show_codes(codes, n);
        }
    }
    pt_wipe(codes, sizeof(codes));
    return st;
}

/* Existing enrolment: refuse unless force (then prove possession as the user). */
static int check_existing(cli_ctx *c, const pt_user *u, const enrol_args *a)
{
    pt_enrolment old;
    int rc = cli_load_enrolment(c, u, &old);
    int st = CLI_OK;
    if (rc == PT_ERR_NOENT)
        return CLI_OK;
    if (rc != PT_OK) {
        cli_err("the existing enrolment of %s cannot be used (%s): `pam-totp reset %s` as root "
                "removes it",
                u->name, pt_strerror(rc), u->name);
        return CLI_SYSERR;
    }
    if (old.status == PT_ENROL_ACTIVE) {
        if (!a->force || a->begin) {
            cli_err("%s is already enrolled: `pam-totp enrol --add --name NAME` adds another "
                    "device; `pam-totp enrol --force` replaces the enrolment (a current code or a "
                    "backup code is needed)",
                    u->name);
            st = CLI_REFUSED;
        } else {
            st = cli_confirm_code(c, u, &old, a->code, true, "replacing the enrolment");
        }
    }
    pt_enrolment_wipe(&old);
    return st;
}

static int ask_code(cli_ctx *c, pt_enrolment *e)
{
    char answer[PT_ANSWER_MAX + 1];
    int p = pt_device_pending(e);
    if (p < 0)
        return CLI_SYSERR;
    const pt_device *d = &e->dev[p];
    for (int i = 1; i <= TRIES; i++) {
        char prompt[96];
        snprintf(prompt, sizeof(prompt), "Enter the %u-digit code from the app: ", d->digits);
        int r = cli_read_answer(prompt, answer, sizeof(answer));
        if (r == -1) {
            cli_err("no code given: nothing was changed; run `pam-totp enrol` again");
            return CLI_REFUSED;
        }
        int64_t now = cli_now();
        if (now > d->expires) {
            pt_wipe(answer, sizeof(answer));
            cli_err("the enrolment expired (pending_ttl): run `pam-totp enrol` again");
            return CLI_REFUSED;
        }
        /* Records the step in the enrolment, so this code cannot log in afterwards. */
        int ok = r == 0 ? pt_verify_confirm(&c->opt, e, answer, now) : 0;
        unsigned typed = 0;
        int64_t skew = 0;
        if (ok == 0 && r == 0 && pt_verify_explain(&c->opt, e, answer, now, &typed, &skew) < 0)
            ok = -1;
        pt_wipe(answer, sizeof(answer));
        if (ok < 0) {
            cli_err("could not check the code");
            return CLI_SYSERR;
        }
        if (ok == 1)
            return CLI_OK;
        cli_report_refused(e, typed, skew);
        if (i < TRIES)
            fprintf(stderr, "Try again.\n");
    }
    cli_err("no code accepted: nothing was changed; run `pam-totp enrol` again");
    return CLI_REFUSED;
}

/* A new pending enrolment whose device is named by --name (else "default"). */
static int new_enrolment(const cli_ctx *c, const enrol_args *a, pt_enrolment *e)
{
    if (pt_enrolment_new(&c->opt, cli_now(), e) != PT_OK) {
        cli_err("cannot create a new secret");
        return CLI_SYSERR;
    }
    if (a->device != NULL)
        snprintf(e->dev[0].name, sizeof(e->dev[0].name), "%s", a->device);
    return CLI_OK;
}

static int enrol_interactive(cli_ctx *c, const pt_user *u, const enrol_args *a)
{
    pt_enrolment e;
    int st = check_existing(c, u, a);
    if (st != CLI_OK)
        return st;
    if (new_enrolment(c, a, &e) != CLI_OK)
        return CLI_SYSERR;
    cli_audit(LOG_NOTICE, "enrol_started", u, cli_is_other_user(u), "mode", "interactive",
              "device", e.dev[0].name);
    printf("Setting up TOTP for %s.\n\n", u->name);
    st = show_setup(c, u, &e.dev[0], a->qr, 1); /* below the code: the prompt */
    if (st == CLI_OK)
        st = ask_code(c, &e);
    if (st == CLI_OK)
        st = activate(c, u, &e, false);
    pt_enrolment_wipe(&e);
    return st;
}

static int enrol_begin(cli_ctx *c, const pt_user *u, const enrol_args *a)
{
    pt_enrolment e;
    int st = check_existing(c, u, a);
    if (st != CLI_OK)
        return st;
    if (new_enrolment(c, a, &e) != CLI_OK)
        return CLI_SYSERR;
    int rc = pt_store_enrolment_store(c->store, u, &e);
    if (rc != PT_OK) {
        pt_enrolment_wipe(&e);
        cli_err("cannot save the pending enrolment of %s: %s", u->name, pt_strerror(rc));
        return CLI_SYSERR;
    }
    cli_audit(LOG_NOTICE, "enrol_started", u, cli_is_other_user(u), "mode", "two_step",
              "device", e.dev[0].name);
    st = cli_enrol_show_pending(c, u, &e.dev[0], a);
    pt_enrolment_wipe(&e);
    return st;
}

int cli_enrol_show_pending(const cli_ctx *c, const pt_user *u, const pt_device *d,
                           const enrol_args *a)
{
    int st;
    if (a->json) {
        char b32[2 * PT_SECRET_MAX], issuer[PT_TEXT_MAX], label[PT_TEXT_MAX];
        char *uri = NULL;
        st = describe(c, u, d, &uri, b32, sizeof(b32), issuer, label);
        if (st == CLI_OK) {
            printf("{\"secret\": ");
            cli_json_string(stdout, b32);
            printf(", \"uri\": ");
            cli_json_string(stdout, uri);
            printf(", \"expires\": %lld}\n", (long long)d->expires);
            pt_wipe(uri, strlen(uri));
            free(uri);
        }
        pt_wipe(b32, sizeof(b32));
    } else {
        char t[64];
        st = show_setup(c, u, d, a->qr, 2); /* the line below and the shell's prompt */
        cli_time_text(d->expires, t, sizeof(t));
        if (st == CLI_OK)
            printf("Then confirm with `pam-totp enrol --verify CODE` before %s.\n", t);
    }
    return st;
}

int cli_enrol_setup(const cli_ctx *c, const pt_user *u, const pt_device *d, cli_qr_mode qr)
{
    return show_setup(c, u, d, qr, true);
}

int cli_enrol_ask_code(cli_ctx *c, pt_enrolment *e)
{
    return ask_code(c, e);
}

static int enrol_verify(cli_ctx *c, const pt_user *u, const enrol_args *a)
{
    pt_enrolment e;
    int64_t now = cli_now();
    int rc = cli_load_enrolment(c, u, &e);
    int st = CLI_OK;
    if (rc == PT_ERR_NOENT) {
        cli_err("%s has no pending enrolment: run `pam-totp enrol --begin` first", u->name);
        return CLI_REFUSED;
    }
    if (rc != PT_OK) {
        cli_err("the enrolment of %s cannot be used: %s", u->name, pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (e.status == PT_ENROL_ACTIVE && pt_device_pending(&e) >= 0) {
        st = cli_enrol_add_verify(c, u, &e, a);
    } else if (e.status == PT_ENROL_ACTIVE) {
        cli_err("%s is already enrolled; nothing to verify (`pam-totp status`)", u->name);
        st = CLI_REFUSED;
    } else if (now > e.expires) {
        char t[64];
        cli_time_text(e.expires, t, sizeof(t));
        cli_err("the pending enrolment expired at %s: run `pam-totp enrol --begin` again", t);
        st = CLI_REFUSED;
    } else {
        /* "-": the code from standard input. A code given on the line is harmless here: the
         * step that activates is recorded (confirmed_step) and never accepted at login. */
        char answer[PT_ANSWER_MAX + 1];
        const char *code = a->verify_code;
        if (strcmp(a->verify_code, "-") == 0) {
            int r = cli_read_answer("", answer, sizeof(answer));
            if (r != 0) {
                pt_wipe(answer, sizeof(answer));
                pt_enrolment_wipe(&e);
                cli_err("%s", r == -2 ? "the code read from standard input is too long"
                                      : "no code on standard input");
                return CLI_USAGE;
            }
            code = answer;
        }
        int ok = pt_verify_confirm(&c->opt, &e, code, now);
        unsigned typed = 0;
        int64_t skew = 0;
        if (ok == 0 && pt_verify_explain(&c->opt, &e, code, now, &typed, &skew) < 0)
            ok = -1;
        pt_wipe(answer, sizeof(answer));
        if (ok < 0) {
            st = CLI_SYSERR;
        } else if (ok != 1) {
            cli_report_refused(&e, typed, skew);
            st = CLI_REFUSED;
        } else {
            st = activate(c, u, &e, a->json);
        }
    }
    pt_enrolment_wipe(&e);
    return st;
}

static int parse(cli_ctx *c, int argc, char **argv, enrol_args *a)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},        {"qr", required_argument, NULL, 'q'},
        {"user", required_argument, NULL, 'u'},   {"begin", no_argument, NULL, 'b'},
        {"verify", required_argument, NULL, 'v'}, {"json", no_argument, NULL, 'j'},
        {"code", required_argument, NULL, 'C'},   {"config", required_argument, NULL, 'c'},
        {"add", no_argument, NULL, 'a'},          {"name", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int ch, st;
    memset(a, 0, sizeof(*a));
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'f': a->force = true; break;
        case 'q':
            if (cli_qr_parse(optarg, &a->qr) != 0)
                return cli_usage_error(c, "--qr takes utf8, ansi or none, not \"%s\"", optarg);
            break;
        case 'u': a->name = optarg; break;
        case 'b': a->begin = true; break;
        case 'v': a->verify_code = optarg; break;
        case 'j': a->json = true; break;
        case 'C': a->code = optarg; break;
        case 'a': a->add = true; break;
        case 'n': a->device = optarg; break;
        case 'c': c->config_path = optarg; break;
        case 'h': help(); return -1;
        default: return cli_usage_hint(c);
        }
    }
    if ((st = cli_take_user(c, argc, argv, &a->name, false)) != CLI_OK)
        return st;
    if (a->begin && a->verify_code)
        return cli_usage_error(c, "--begin and --verify are two separate steps");
    if (a->json && !a->begin && !a->verify_code)
        return cli_usage_error(c, "--json goes with --begin or --verify");
    if (a->force && (a->begin || a->verify_code))
        return cli_usage_error(c, "--force works with the interactive enrolment only");
    if (a->code && !a->force && !a->add)
        return cli_usage_error(c, "--code goes with --force or --add");
    if (a->add && (a->force || a->verify_code))
        return cli_usage_error(c, "--add adds a device: --verify CODE then confirms it on its own");
    if (a->add && a->device == NULL)
        return cli_usage_error(c, "--add needs --name DEVICE (%s)", PT_DEVICE_NAME_RULE);
    if (a->device != NULL && a->verify_code)
        return cli_usage_error(c, "--name goes with --begin, --add or the interactive enrolment");
    if (a->device != NULL && cli_check_device_name(a->device) != CLI_OK)
        return CLI_USAGE;
    return CLI_OK;
}

int cmd_enrol(cli_ctx *c, int argc, char **argv)
{
    enrol_args a;
    int st = parse(c, argc, argv, &a);
    if (st != CLI_OK)
        return st < 0 ? CLI_OK : st;
    if ((st = cli_load_config(c)) != CLI_OK)
        return st;
    if ((st = cli_refuse_system_mode(c, "enrol")) != CLI_OK)
        return st;
    pt_user u;
    if ((st = cli_target_user(c, a.name, &u)) != CLI_OK)
        return st;
    if (a.add)
        st = cli_enrol_add(c, &u, &a);
    else if (a.begin)
        st = enrol_begin(c, &u, &a);
    else if (a.verify_code)
        st = enrol_verify(c, &u, &a);
    else
        st = enrol_interactive(c, &u, &a);
    pt_user_free(&u);
    return st;
}
