/* pam-totp doctor: the configuration file, the paths the module trusts, the accounts each
 * protected service sees, and the clock. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include "doctor_cli.h"
#include "log.h"
#include "pt_error.h"
#include "safefile.h"
#include "seal.h"
#include "store.h"

static void capture_sink(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    doctor_capture *cap = ctx;
    (void)priority;
    if (kind != PT_LOG_DIAG)
        return;
    size_t n = strlen(cap->text);
    if (n + 3 < sizeof cap->text)
        snprintf(cap->text + n, sizeof cap->text - n, "%s%s", n ? "; " : "", msg);
}

void doctor_capture_begin(doctor_capture *cap)
{
    cap->text[0] = '\0';
    pt_log_get_sink(&cap->old_fn, &cap->old_ctx);
    pt_log_set_sink(capture_sink, cap);
}

void doctor_capture_end(doctor_capture *cap)
{
    pt_log_set_sink(cap->old_fn, cap->old_ctx);
}

void doctor_config(cli_ctx *c, pt_dr_report *r)
{
    const char *path = c->config_path ? c->config_path : PT_DEFAULT_CONFIG;
    doctor_capture cap;
    pt_options_defaults(&c->opt);
    doctor_capture_begin(&cap);
    int rc = pt_options_load_file(&c->opt, path);
    doctor_capture_end(&cap);
    c->config_loaded = true;
    if (rc == PT_ERR_NOENT) {
        pt_dr_add(r, PT_DR_ADVICE, "config_missing", path,
                  "nothing to do unless you want other settings (pam_totp.conf(5))",
                  "no configuration file: the built-in defaults apply");
        return;
    }
    if (rc != PT_OK) { /* c->opt is back to the built-in defaults (pt_options_load_file) */
        pt_dr_add(r, PT_DR_BREAKS, "config_error", path,
                  "correct the line named (pam_totp.conf(5): each key at most once; set a "
                  "value for one service on its PAM line instead)",
                  "the module refuses this configuration, so every login through a stack "
                  "that loads it fails: %s", cap.text);
    }
    pt_dr_check_path(r, "the configuration", path);
}

/* The state directory and, in system mode, the enrolment directory of each service. */
void doctor_paths(pt_dr_report *r, const doctor_services *svc)
{
    for (size_t i = 0; i < svc->n; i++) {
        const pt_options *o = &svc->v[i].opt;
        if (!svc->v[i].options_ok || o->store == PT_STORE_LDAP)
            continue; /* the directory holds enrolments and state: nothing here to check */
        pt_dr_check_path(r, "state_dir", o->state_dir);
        if (!pt_options_system_mode(o))
            continue;
        char path[PATH_MAX], dir[PATH_MAX], name[256];
        /* The directory part does not depend on the user in the usual /var/lib/.../%u form. */
        if (pt_expand(o->enrolment_file, "root", "/root", path, sizeof path) == PT_OK &&
            pt_path_split(path, dir, sizeof dir, name, sizeof name) == PT_OK)
            pt_dr_check_path(r, "enrolment_file", dir);
    }
}

/* Two services with different enrolment files and one state_dir share each account's state:
 * every switch between them rebinds it to the other enrolment, so used backup codes count as
 * unused again, and a code accepted by one refuses the other's code of the same step. */
void doctor_shared_state(pt_dr_report *r, const doctor_services *svc)
{
    for (size_t i = 0; i < svc->n; i++)
        for (size_t j = i + 1; j < svc->n; j++) {
            const pt_options *a = &svc->v[i].opt, *b = &svc->v[j].opt;
            if (!svc->v[i].options_ok || !svc->v[j].options_ok ||
                strcmp(a->state_dir, b->state_dir) != 0 ||
                strcmp(a->enrolment_file, b->enrolment_file) == 0)
                continue;
            char where[600];
            snprintf(where, sizeof where, "services %s and %s", svc->v[i].name,
                     svc->v[j].name);
            pt_dr_add(r, PT_DR_WEAKENS, "state_shared", where,
                      "give the service with its own enrolment_file its own state_dir too "
                      "(e.g. `state_dir=/var/lib/pam_totp/sudo` on its PAM line)",
                      "two enrolment files (%s and %s) share the runtime state in %s: each "
                      "switch between them forgets which backup codes were used", a->enrolment_file,
                      b->enrolment_file, a->state_dir);
        }
}

/* Names joined with ", " into out (cut with "..." when full). */
static void add_name(char *out, size_t outsz, const char *name)
{
    size_t n = strlen(out);
    if (n + strlen(name) + 8 >= outsz) {
        if (n + 4 < outsz && (n < 3 || strcmp(out + n - 3, "...") != 0))
            snprintf(out + n, outsz - n, "%s...", n ? ", " : "");
        return;
    }
    snprintf(out + n, outsz - n, "%s%s", n ? ", " : "", name);
}

typedef struct {
    char ignored[600];  /* home enrolments system mode ignores, not enrolled in system mode */
    char locked_out[600]; /* required, not enrolled, no grace left, no enrolment at login */
} account_findings;

static void one_account(cli_ctx *c, const pt_user *u, int64_t now, bool home_used,
                        account_findings *f)
{
    cli_view v;
    c->quiet = true;
    int st = cli_view_user(c, u, now, &v);
    c->quiet = false;
    if (st != CLI_OK)
        return; /* unreadable files are the module's to report, naming the file */
    if (!home_used && pt_options_system_mode(&c->opt) && !v.enrolled &&
        pt_home_enrolment_present(u) == 1)
        add_name(f->ignored, sizeof f->ignored, u->name);
    bool grace_left = v.deadline == -1 || v.deadline > now;
    if (v.required && !v.enrolled && !grace_left && !c->opt.enrol_at_login)
        add_name(f->locked_out, sizeof f->locked_out, u->name);
}

static void report_service(pt_dr_report *r, const doctor_service *s, const account_findings *f)
{
    char where[300], fix[PT_DR_TEXT_MAX];
    snprintf(where, sizeof where, "service %s", s->name);
    if (f->ignored[0]) {
        snprintf(fix, sizeof fix, "move them into system mode: `pam-totp migrate %.600s` as "
                 "root (or enrol them again: pam-totp enrol --user NAME)", f->ignored);
        for (char *p = strchr(fix, ','); p; p = strchr(p, ','))
            *p = ' ';
        pt_dr_add(r, PT_DR_WEAKENS, "home_enrolment_ignored", where, fix,
                  "system mode (enrolment_file = %s) ignores the enrolments in the users' homes "
                  "(~/.pam_totp) of: %s. %s", s->opt.enrolment_file, f->ignored,
                  s->opt.mfa == PT_MFA_OPTIONAL
                      ? "With mfa = optional they log in without a code."
                      : "They count as not enrolled.");
    }
    if (f->locked_out[0])
        pt_dr_add(r, PT_DR_BREAKS, "required_not_enrolled", where,
                  "enrol them (`pam-totp enrol --user NAME` as root), or give them a way in: "
                  "enrol_at_login = yes or enrol_grace_days = N (on that PAM line or in the "
                  "file)",
                  "these users must use MFA (mfa = %s%s%s) but have no enrolment and no grace "
                  "left, so every login of theirs through %s is refused: %s",
                  pt_mfa_name(s->opt.mfa), s->opt.require_groups[0] ? ", require_groups = " : "",
                  s->opt.require_groups, s->name, f->locked_out);
}

/* Opens the store the service's options name as its logins do (store = ldap: connects and binds,
 * TLS verified), and loads secret_key_file when set. A failure breaks every login through the
 * service (the module fails closed): reported with what the core said. PT_OK with c->store
 * open, else the failure (c->store NULL). */
static int open_service_store(cli_ctx *c, pt_dr_report *r, const doctor_service *s)
{
    doctor_capture cap;
    if (c->opt.secret_key_file[0] != '\0') {
        pt_seal_key key;
        doctor_capture_begin(&cap);
        int rc = pt_seal_key_load(c->opt.secret_key_file, &key);
        doctor_capture_end(&cap);
        pt_wipe(&key, sizeof key);
        if (rc != PT_OK) {
            pt_dr_add(r, PT_DR_BREAKS, "secret_key_unusable", s->name,
                      "restore the key file, or create it once as pam_totp.conf(5) says "
                      "(secret_key_file)",
                      "secret_key_file %s cannot be used, so every login with MFA through this "
                      "service fails closed: %s", c->opt.secret_key_file, cap.text);
            return rc;
        }
    }
    doctor_capture_begin(&cap);
    int rc = pt_store_open(&c->opt, &c->store);
    doctor_capture_end(&cap);
    if (rc != PT_OK) {
        c->store = NULL;
        pt_dr_add(r, PT_DR_BREAKS, "store_unusable", s->name,
                  c->opt.store == PT_STORE_LDAP
                      ? "set the ldap_ keys, the password file and the CA as pam_totp.conf(5) "
                        "says, and check that a server of ldap_uri answers (ldap/README.md)"
                      : "correct state_dir and enrolment_file (pam_totp.conf(5))",
                  "store = %s cannot be used, so every login with MFA through this service "
                  "fails closed: %s", c->opt.store == PT_STORE_LDAP ? "ldap" : "files",
                  cap.text);
    }
    return rc;
}

int doctor_accounts(cli_ctx *c, pt_dr_report *r, const doctor_services *svc)
{
    pt_groupmap *gm = NULL;
    if (svc->n == 0)
        return CLI_OK;
    if (pt_groupmap_load(&gm) != PT_OK) {
        cli_err("cannot check the accounts: the group database could not be read");
        return CLI_SYSERR;
    }
    unsigned long min = cli_uid_min();
    int64_t now = cli_now();
    pt_options saved = c->opt;
    /* A home enrolment another service uses (sshd in home mode, sudo in system mode: the README's
     * layout) is not lost; one no service reads is. */
    bool home_used = false;
    for (size_t i = 0; i < svc->n; i++)
        home_used = home_used || (svc->v[i].options_ok &&
                                  strcmp(svc->v[i].opt.enrolment_file, PT_HOME_ENROLMENT_FILE) == 0);
    for (size_t i = 0; i < svc->n; i++) {
        if (!svc->v[i].options_ok || svc->v[i].opt.mfa == PT_MFA_DISABLED)
            continue;
        c->opt = svc->v[i].opt;
        if (open_service_store(c, r, &svc->v[i]) != PT_OK)
            continue;
        account_findings f;
        memset(&f, 0, sizeof f);
        setpwent();
        struct passwd *pw;
        while ((pw = getpwent()) != NULL) {
            if (!cli_login_account(pw, min))
                continue;
            pt_user u;
            memset(&u, 0, sizeof u);
            if (pt_user_from_passwd_map(&u, gm, pw->pw_name, pw->pw_uid, pw->pw_gid,
                                        pw->pw_dir ? pw->pw_dir : "",
                                        pw->pw_shell ? pw->pw_shell : "") != PT_OK)
                continue;
            one_account(c, &u, now, home_used, &f);
            pt_user_free(&u);
        }
        endpwent();
        pt_store_close(c->store);
        c->store = NULL;
        report_service(r, &svc->v[i], &f);
    }
    c->opt = saved;
    pt_groupmap_free(gm);
    return CLI_OK;
}

/* The kernel's view (adjtimex): TIME_ERROR or STA_UNSYNC means no time service keeps the clock
 * in step, and codes are checked against it. */
void doctor_clock(pt_dr_report *r)
{
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int state = adjtimex(&tx);
    if (state == TIME_ERROR || (tx.status & STA_UNSYNC))
        pt_dr_add(r, PT_DR_WEAKENS, "clock_unsynchronised", "system clock",
                  "run a time service (`apt install systemd-timesyncd` or chrony, then "
                  "`timedatectl set-ntp true`); where the host keeps the clock right and the "
                  "kernel cannot tell, acknowledge it with `--ignore clock_unsynchronised`",
                  "the kernel says the clock is not synchronised: codes are checked against "
                  "it, and once it drifts more than window x period seconds every code is "
                  "refused");
}
