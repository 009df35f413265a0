/* pam-totp: configuration, whom the command acts on, and the rules for who may do what.
 * The command is not setuid: a user acts on their own files with their own rights; root may act
 * on anyone. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "audit.h"
#include "doctor.h"
#include "cli.h"
#include "log.h"
#include "pt_error.h"

void cli_err(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("pam-totp: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_log_sink(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx;
    if (kind == PT_LOG_AUDIT) {
        syslog(LOG_AUTHPRIV | (priority & LOG_PRIMASK), "%s", msg);
        return;
    }
    fprintf(stderr, "pam-totp: %s\n", msg);
}

int cli_usage_error(const cli_ctx *c, const char *fmt, ...)
{
    va_list ap;
    fputs("pam-totp: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry `pam-totp %s --help`.\n", c->verb ? c->verb : "");
    return CLI_USAGE;
}

int cli_usage_hint(const cli_ctx *c)
{
    fprintf(stderr, "Try `pam-totp %s --help`.\n", c->verb ? c->verb : "");
    return CLI_USAGE;
}

int64_t cli_now(void)
{
    return (int64_t)time(NULL);
}

int cli_status_for_rc(int rc)
{
    switch (rc) {
    case PT_OK: return CLI_OK;
    case PT_ERR_INVAL: return CLI_USAGE;
    case PT_ERR_PERM: return CLI_REFUSED;
    default: return CLI_SYSERR;
    }
}

/* --service NAME: the options the module gets on that service's checking line (the last auth
 * line loading pam_totp.so in /etc/pam.d/NAME, includes followed): its config= file or the
 * default one, then its key=value arguments, exactly as pt_options_load does for the module. */
static int load_service_options(cli_ctx *c)
{
    if (c->config_path != NULL) {
        cli_err("--service and --config both name the configuration: give one");
        return CLI_USAGE;
    }
    pt_dr_report r = {0};
    pt_pam_stack st;
    int rc = pt_pam_stack_load(CLI_PAM_DIR, c->service, &st, &r);
    pt_dr_free(&r);
    if (rc != PT_OK) {
        cli_err("cannot read the PAM service %s/%s: %s", CLI_PAM_DIR, c->service,
                pt_strerror(rc));
        return rc == PT_ERR_NOENT ? CLI_USAGE : CLI_SYSERR;
    }
    const pt_pam_line *line = NULL;
    for (size_t i = 0; i < st.n; i++)
        if (pt_pam_is_totp(&st.v[i]) && strcmp(st.v[i].type, "auth") == 0)
            line = &st.v[i];
    int status = CLI_OK;
    if (line == NULL) {
        cli_err("the PAM service %s does not load pam_totp.so on an auth line", c->service);
        status = CLI_USAGE;
    } else {
        const char *argv[PT_PAM_ARGS_MAX];
        for (int i = 0; i < line->argc; i++)
            argv[i] = line->argv[i];
        if (pt_options_load(&c->opt, line->argc, argv) != PT_OK) {
            cli_err("cannot use the configuration of service %s (%s:%u): fix it (see "
                    "pam_totp.conf(5))", c->service, line->file, line->lineno);
            status = CLI_SYSERR;
        }
    }
    pt_pam_stack_free(&st);
    return status;
}

/* The configuration file (or the built-in defaults when the default file is missing). */
static int load_file_options(cli_ctx *c)
{
    const char *path = c->config_path ? c->config_path : PT_DEFAULT_CONFIG;
    pt_options_defaults(&c->opt);
    int rc = pt_options_load_file(&c->opt, path);
    if (rc == PT_ERR_NOENT && c->config_path == NULL) {
        rc = PT_OK; /* no file: the built-in defaults (pam_totp.conf(5)) */
    } else if (rc == PT_ERR_NOENT) {
        cli_err("%s: no such file: check the --config path", path);
        return CLI_USAGE;
    } else if (rc != PT_OK) {
        cli_err("cannot use the configuration %s: fix the file (see pam_totp.conf(5))", path);
        return CLI_SYSERR;
    }
    return CLI_OK;
}

int cli_load_config(cli_ctx *c)
{
    if (c->config_loaded)
        return CLI_OK;
    int status = c->service != NULL ? load_service_options(c) : load_file_options(c);
    if (status != CLI_OK)
        return status;
    if (c->opt.store == PT_STORE_LDAP && !c->root) {
        cli_err("MFA on this system is kept in a directory that only administrators reach: you "
                "set it up at your next login (when it asks), or an administrator does it for you "
                "(`pam-totp %s --user NAME` as root)", c->verb ? c->verb : "enrol");
        return CLI_REFUSED;
    }
    int rc = pt_store_open(&c->opt, &c->store);
    if (rc != PT_OK) {
        cli_err("cannot use store = %s (%s, see above)",
                c->opt.store == PT_STORE_LDAP ? "ldap" : "files", pt_strerror(rc));
        return CLI_SYSERR;
    }
    c->config_loaded = true;
    return CLI_OK;
}

int cli_need_root(const cli_ctx *c, const char *what)
{
    if (c->root)
        return CLI_OK;
    cli_err("run as root to %s (for example `sudo pam-totp %s ...`)", what, c->verb);
    return CLI_REFUSED;
}

static int invoking_user_name(char *out, size_t outsz)
{
    errno = 0;
    struct passwd *pw = getpwuid(getuid());
    if (pw == NULL) {
        cli_err("your uid %u has no account entry: cannot tell whose enrolment to use",
                (unsigned)getuid());
        return CLI_SYSERR;
    }
    if (strlen(pw->pw_name) >= outsz) {
        cli_err("your user name is too long");
        return CLI_SYSERR;
    }
    strcpy(out, pw->pw_name);
    return CLI_OK;
}

int cli_target_user(cli_ctx *c, const char *name, pt_user *u)
{
    char self[PT_USER_MAX];
    int st = invoking_user_name(self, sizeof(self));
    if (st != CLI_OK)
        return st;
    if (name == NULL) {
        name = self;
    } else if (!c->root && strcmp(name, self) != 0) {
        cli_err("run as root to act on another user's MFA (you are %s)", self);
        return CLI_REFUSED;
    }
    memset(u, 0, sizeof(*u));
    int rc = pt_user_lookup(u, name);
    if (rc == PT_ERR_NOENT || rc == PT_ERR_INVAL) {
        cli_err("no such user: %s", name);
        return CLI_REFUSED;
    }
    if (rc != PT_OK) {
        cli_err("cannot look up user %s: %s", name, pt_strerror(rc));
        return CLI_SYSERR;
    }
    return CLI_OK;
}

bool cli_is_other_user(const pt_user *u)
{
    return u->uid != getuid();
}

int cli_refuse_system_mode(const cli_ctx *c, const char *what)
{
    if (c->root || !pt_options_system_mode(&c->opt))
        return CLI_OK;
    if (strcmp(what, "enrol") == 0 && c->opt.enrol_at_login)
        cli_err("enrolments on this system are kept by root (system mode): you enrol at your next "
                "login, or an administrator enrols you with `pam-totp enrol --user NAME`");
    else
        cli_err("enrolments on this system are kept by root (system mode): ask an administrator "
                "to %s for you (`pam-totp %s --user NAME` as root)",
                what, c->verb);
    return CLI_REFUSED;
}

void cli_audit(int priority, const char *event, const pt_user *u, bool admin, const char *k1,
               const char *v1, const char *k2, const char *v2)
{
    pt_actor a;
    if (!admin) {
        pt_audit(priority, event, u->name, "via", "pam-totp", k1, v1, k2, v2, (const char *)NULL);
        return;
    }
    pt_actor_get(&a);
    pt_audit(priority, event, u->name, "via", "pam-totp", "admin", a.admin, "uid", a.uid,
             "loginuid", a.loginuid, k1, v1, k2, v2, (const char *)NULL);
}

int cli_load_enrolment(const cli_ctx *c, const pt_user *u, pt_enrolment *e)
{
    return pt_store_enrolment_load(c->store, u, e, PT_LOAD_SECRET);
}

int cli_load_enrolment_meta(const cli_ctx *c, const pt_user *u, pt_enrolment *e)
{
    return pt_store_enrolment_load(c->store, u, e, 0);
}

const char *cli_enrol_hint(const cli_ctx *c, const pt_user *u, char *out, size_t outsz)
{
    bool other = cli_is_other_user(u);
    if (pt_options_system_mode(&c->opt) && c->opt.enrol_at_login)
        snprintf(out, outsz, "%s set%s it up at the next login, or root runs `pam-totp enrol "
                 "--user %s`", other ? u->name : "you", other ? "s" : "", u->name);
    else if (pt_options_system_mode(&c->opt))
        snprintf(out, outsz, "ask an administrator: `pam-totp enrol --user %s` as root",
                 u->name);
    else if (other)
        snprintf(out, outsz, "%s runs `pam-totp enrol`, or root runs `pam-totp enrol --user %s`",
                 u->name, u->name);
    else
        snprintf(out, outsz, "run `pam-totp enrol`");
    return out;
}

const char *cli_codes_hint(const cli_ctx *c, const pt_user *u, char *out, size_t outsz)
{
    if (pt_options_system_mode(&c->opt) || cli_is_other_user(u))
        snprintf(out, outsz, "`pam-totp backup-codes --user %s` as root makes a new set", u->name);
    else
        snprintf(out, outsz, "run `pam-totp backup-codes` for a new set");
    return out;
}

int cli_take_user(const cli_ctx *c, int argc, char **argv, const char **name, bool required)
{
    if (optind < argc - 1)
        return cli_usage_error(c, "name at most one user (a bare NAME or --user NAME), not %s "
                               "and %s", argv[optind], argv[optind + 1]);
    if (optind == argc - 1) {
        if (*name != NULL && strcmp(*name, argv[optind]) != 0)
            return cli_usage_error(c, "two users named (%s and --user %s): name one", argv[optind],
                                   *name);
        *name = argv[optind];
    }
    if (required && *name == NULL)
        return cli_usage_error(c, "name the user: pam-totp %s NAME (or --user NAME)", c->verb);
    return CLI_OK;
}

int cli_store_if_unchanged(const cli_ctx *c, const pt_user *u, pt_enrolment *e)
{
    /* A code asked on the terminal can take minutes: a device removed meanwhile (by root, or
     * another pam-totp) must not come back with this write. */
    if (pt_store_enrolment_changed(c->store, u, e) != 0) {
        cli_err("the enrolment of %s changed while this command ran; nothing was saved: run "
                "the command again", u->name);
        return CLI_REFUSED;
    }
    /* The store sets e's stamp to what it wrote: what the next change of this command must
     * find (command_step is saved before the change it guards). */
    int rc = pt_store_enrolment_store(c->store, u, e);
    if (rc != PT_OK) {
        cli_err("cannot save the enrolment of %s: %s", u->name, pt_strerror(rc));
        return cli_status_for_rc(rc) == CLI_REFUSED ? CLI_REFUSED : CLI_SYSERR;
    }
    return CLI_OK;
}
