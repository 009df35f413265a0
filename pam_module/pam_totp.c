/* pam_totp.so: the flow of one authentication (DESIGN section 5). The decisions live in the
 * core (pt_policy_decide, pt_verify_answer); this file only gathers the inputs, dispatches and
 * turns results into PAM return codes.
 *
 * Return codes: PAM_SUCCESS (code accepted, or enrolled at login), PAM_IGNORE (MFA not asked
 * of this user: disabled, exempt, not required, or within the enrolment grace period),
 * PAM_AUTH_ERR (wrong code, locked, required but not set up), PAM_USER_UNKNOWN,
 * PAM_AUTHINFO_UNAVAIL (enrolment or state unreadable, unsafe or malformed; state not
 * writable), PAM_SERVICE_ERR (bad module argument or config file), PAM_CONV_ERR / PAM_BUF_ERR. */
#include <pwd.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "cidr.h"
#include "log.h"
#include "module.h"
#include "pt_error.h"

#define PTM_EXPORT __attribute__((visibility("default")))

/* Applied to the state as the store last read it: a concurrent login may have recorded it
 * already. */
static int set_first_required(void *ctx, pt_state *st, bool *write)
{
    const int64_t *now = ctx;
    if (st->first_required == 0) {
        st->first_required = pt_state_time(*now); /* 0 means never */
        *write = true;
    }
    return PT_OK;
}

int ptm_record_first_required(ptm_ctx *m, int64_t now)
{
    return pt_store_state_update(m->store, &m->user, set_first_required, &now, &m->state);
}

/* The store (files: nothing opened yet; ldap: a connection for this login). */
static int open_store(ptm_ctx *m)
{
    int rc = pt_store_open(&m->opt, &m->store);
    if (rc == PT_OK)
        return PAM_SUCCESS;
    pam_syslog(m->pamh, LOG_ERR, "store = %s cannot be used (%s, see above): failing closed",
               m->opt.store == PT_STORE_LDAP ? "ldap" : "files", pt_strerror(rc));
    if (m->opt.store == PT_STORE_LDAP)
        ptm_error(m, "The multi-factor authentication directory cannot be reached. Try again "
                     "later, or ask an administrator.");
    return rc == PT_ERR_NOMEM ? PAM_BUF_ERR : PAM_AUTHINFO_UNAVAIL;
}

int ptm_lookup_user(ptm_ctx *m, bool quiet)
{
    const char *name = NULL;
    int rc = pam_get_user(m->pamh, &name, NULL);
    if (rc != PAM_SUCCESS)
        return rc;
    if (name == NULL || name[0] == '\0')
        return PAM_USER_UNKNOWN;
    struct passwd *pw = pam_modutil_getpwnam(m->pamh, name);
    if (pw == NULL) {
        /* The typed name is not logged, as pam_unix does: it may be a password typed into the
         * name prompt, and it is text of the client's choosing (pam_totp(8), LOGGING). */
        if (!quiet)
            pt_log(LOG_NOTICE, "authentication for an unknown user name (name not logged)");
        return PAM_USER_UNKNOWN;
    }
    /* The gids (getgrouplist: the whole group database, and every NSS module `group:` lists)
     * are needed to decide group policy by gid, and in home mode to act as the user with all
     * of the user's groups: a shorter list could grant what a group denies (a directory mode
     * such as 0705 shuts out its group, not others) or deny what a group grants. In system
     * mode with no group in the policy nothing needs them, so nothing looks them up; acting as
     * the user there (pt_home_enrolment_present) looks them up itself (pt_privs_drop_user). */
    bool need_gids = pt_policy_uses_groups(&m->opt) || !pt_options_system_mode(&m->opt);
    if (need_gids)
        rc = pt_user_from_passwd_ids(&m->user, pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir,
                                     pw->pw_shell);
    else
        rc = pt_user_init(&m->user, pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir,
                          pw->pw_shell);
    if (rc == PT_OK && pt_policy_uses_groups(&m->opt)) {
        rc = pt_group_policy_resolve(&m->opt, &m->gp);
        if (rc != PT_OK)
            pt_user_free(&m->user);
    }
    if (rc == PT_ERR_NOMEM)
        return PAM_BUF_ERR;
    if (rc == PT_ERR_IO)
        return PAM_AUTHINFO_UNAVAIL; /* the group database could not be read: fail closed */
    if (rc != PT_OK)
        return PAM_USER_UNKNOWN;
    m->have_user = true;
    /* Diagnostics name the account only escaped: NSS names are not always root's choice. */
    pt_audit_value(m->lname, sizeof(m->lname), m->user.name);
    return PAM_SUCCESS;
}

bool ptm_exempt(ptm_ctx *m, const char **why)
{
    return pt_policy_exempt(&m->opt, &m->gp, m->user.name, m->user.gids, (size_t)m->user.ngids,
                            why);
}

/* A pending enrolment (pam-totp enrol --begin, not yet confirmed) counts as none. */
static int load_enrolment(ptm_ctx *m)
{
    int rc = pt_store_enrolment_load(m->store, &m->user, &m->enrol, PT_LOAD_SECRET);
    if (rc == PT_OK) {
        m->enrolled = m->enrol.status == PT_ENROL_ACTIVE;
        if (!m->enrolled)
            pt_enrolment_wipe(&m->enrol);
        return PAM_SUCCESS;
    }
    if (rc == PT_ERR_NOENT)
        return PAM_SUCCESS;
    pam_syslog(m->pamh, LOG_ERR, "enrolment of %s unusable (%s, see above): failing closed",
               m->lname, pt_strerror(rc));
    return PAM_AUTHINFO_UNAVAIL;
}

/* A configuration error fails closed for every user of the stack; without a word the user
 * sees only "Permission denied" and cannot tell the administrator what is wrong. The details
 * (file, line, key) stay in syslog. PAM_SILENT or a `silent` argument keeps it quiet. */
static void config_broken(ptm_ctx *m, int argc, const char **argv)
{
    m->quiet = (m->flags & PAM_SILENT) != 0;
    for (int i = 0; i < argc && !m->quiet; i++)
        m->quiet = strcmp(argv[i], "silent") == 0;
    ptm_error(m, "The multi-factor authentication (MFA) configuration of this system is broken, "
                 "so logins that use it are refused. Tell an administrator (the details are in "
                 "the system log).");
}

/* System mode reads enrolments from enrolment_file only: a file left at the home-mode place
 * (~/.pam_totp) is ignored, and with mfa=optional that user silently logs in without a code.
 * Logged once per login of a user who has no enrolment here, so the administrator learns of it
 * (pam-totp migrate moves it); a user enrolled here too is not weakened (the README's sudo line
 * next to sshd in home mode), and is not logged on every sudo. A failure to return from acting
 * as the user fails closed. */
static int note_ignored_home_enrolment(ptm_ctx *m)
{
    if (!pt_options_system_mode(&m->opt) || m->enrolled)
        return PAM_SUCCESS;
    int rc = pt_home_enrolment_present(&m->user);
    if (rc < 0)
        return PAM_AUTHINFO_UNAVAIL;
    if (rc == 1)
        PTM_AUDIT(m, LOG_WARNING, "home_enrolment_ignored", "enrolment_file",
                  m->opt.enrolment_file, "fix", "pam-totp migrate", NULL);
    return PAM_SUCCESS;
}

static int grace(ptm_ctx *m, const pt_decision *d)
{
    char human[64], secs[32];
    ptm_duration(d->grace_left, human, sizeof(human));
    snprintf(secs, sizeof(secs), "%lld", (long long)d->grace_left);
    if (pt_options_system_mode(&m->opt) && m->opt.enrol_at_login)
        ptm_info(m, "MFA will be required in %s. You will then set it up during a login (have "
                    "an authenticator app ready), or ask an administrator to set it up now.",
                 human);
    else if (pt_options_system_mode(&m->opt))
        ptm_info(m, "MFA will be required in %s. Ask an administrator to set it up for you "
                    "(pam-totp enrol --user %s).", human, m->user.name);
    else
        ptm_info(m, "MFA will be required in %s. Run `pam-totp enrol` now.", human);
    PTM_AUDIT(m, LOG_NOTICE, "grace_login", "grace_left", secs, NULL);
    return PAM_IGNORE;
}

static int deny(ptm_ctx *m, const pt_decision *d)
{
    if (pt_options_system_mode(&m->opt))
        ptm_error(m, "Multi-factor authentication is required for this account but is not set "
                     "up. Ask an administrator to set it up (pam-totp enrol --user %s).",
                  m->user.name);
    else
        ptm_error(m, "Multi-factor authentication is required for this account but is not set "
                     "up. Run `pam-totp enrol` from a session where you are still logged in, or "
                     "ask an administrator (pam-totp enrol --user %s).", m->user.name);
    PTM_AUDIT(m, LOG_WARNING, "policy_denial", "reason", d->reason, NULL);
    return PAM_AUTH_ERR;
}

/* A login from a trusted network or a remembered host: not asked, and audited so every skip can
 * be traced (rhost is in every audit line, escaped). */
static int skip(ptm_ctx *m, const pt_decision *d)
{
    char secs[32];
    if (strcmp(d->reason, "remembered_host") == 0) {
        snprintf(secs, sizeof(secs), "%u", m->opt.remember_host);
        PTM_AUDIT(m, LOG_NOTICE, "remembered_host", "remember_host", secs, NULL);
    } else {
        PTM_AUDIT(m, LOG_NOTICE, "trusted_network", NULL);
    }
    return PAM_IGNORE;
}

static int dispatch(ptm_ctx *m, const pt_decision *d, int64_t now)
{
    if (d->record_first_required) {
        int rc = ptm_record_first_required(m, now);
        if (rc != PT_OK) {
            pam_syslog(m->pamh, LOG_ERR, "could not record when MFA became required for %s "
                       "(%s): failing closed", m->lname, pt_strerror(rc));
            return PAM_AUTHINFO_UNAVAIL;
        }
    }
    switch (d->kind) {
    case PT_DECIDE_IGNORE:
        return PAM_IGNORE;
    case PT_DECIDE_VERIFY:
        return ptm_verify_login(m);
    case PT_DECIDE_GRACE:
        return grace(m, d);
    case PT_DECIDE_ENROL:
        return ptm_enrol_at_login(m);
    case PT_DECIDE_DENY:
        return deny(m, d);
    case PT_DECIDE_LOCKED:
        ptm_report_locked(m, d->lock_left, m->enrolled ? "verify" : "enrol");
        return PAM_AUTH_ERR;
    case PT_DECIDE_SKIP:
        return skip(m, d);
    }
    return PAM_SERVICE_ERR; /* unknown decision: fail closed */
}

static int authenticate(ptm_ctx *m, int argc, const char **argv)
{
    int rc = ptm_load_options(m->pamh, argc, argv, &m->opt);
    if (rc != PAM_SUCCESS) {
        config_broken(m, argc, argv);
        return rc;
    }
    m->quiet = (m->flags & PAM_SILENT) != 0 || m->opt.silent;
    const void *item = NULL;
    if (pam_get_item(m->pamh, PAM_SERVICE, &item) == PAM_SUCCESS)
        m->service = item;
    item = NULL;
    if (pam_get_item(m->pamh, PAM_RHOST, &item) == PAM_SUCCESS)
        m->rhost = item;
    /* The line after the password step of the one-prompt stack: take what the first handed on. */
    if (m->opt.forward_pass)
        return ptm_forward_ask(m);
    rc = ptm_handoff_take(m);
    if (rc != PAM_SUCCESS)
        return rc;
    rc = ptm_lookup_user(m, false);
    if (rc != PAM_SUCCESS)
        return rc;

    /* Disabled or exempt: decided before any file is touched. */
    if (m->opt.mfa == PT_MFA_DISABLED)
        return PAM_IGNORE;
    const char *why = NULL;
    if (ptm_exempt(m, &why)) {
        PTM_AUDIT(m, LOG_NOTICE, "exempt_skip", "reason", why, NULL);
        return PAM_IGNORE;
    }
    rc = open_store(m);
    if (rc == PAM_SUCCESS)
        rc = load_enrolment(m);
    if (rc != PAM_SUCCESS)
        return rc;
    rc = note_ignored_home_enrolment(m);
    if (rc != PAM_SUCCESS)
        return rc;

    int64_t now = (int64_t)time(NULL);
    pt_policy_input in = {
        .user = m->user.name, .gp = &m->gp, .gids = m->user.gids,
        .ngids = (size_t)m->user.ngids,
        .enrolled = m->enrolled, .now = now,
    };
    pt_decision d = pt_policy_decide(&m->opt, &in);
    /* Ignoring never depends on the runtime state, so it is only read when it matters. */
    if (d.kind != PT_DECIDE_IGNORE) {
        rc = pt_store_state_read(m->store, &m->user, &m->state);
        if (rc != PT_OK) {
            pam_syslog(m->pamh, LOG_ERR, "runtime state of %s unusable (%s, see above): "
                       "failing closed", m->lname, pt_strerror(rc));
            return PAM_AUTHINFO_UNAVAIL;
        }
        in.first_required = m->state.first_required;
        in.lock_until = m->state.lock_until;
        /* Only a numeric PAM_RHOST can be trusted or remembered (cidr.h: no DNS, ever). */
        if (m->enrolled) {
            in.trusted_network = pt_rhost_trusted(m->opt.trusted_networks, m->rhost);
            pt_state_prune_devices(&m->state, &m->enrol); /* a removed device's hosts go */
            in.remembered_host = pt_state_host_remembered(&m->state, m->enrol.id, m->rhost, now,
                                                          m->opt.remember_host);
        }
        d = pt_policy_decide(&m->opt, &in);
    }
    pt_log(LOG_DEBUG, "user %s: decision %d (%s)", m->lname, (int)d.kind,
           d.reason ? d.reason : "-");
    return dispatch(m, &d, now);
}

PTM_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    ptm_ctx *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return PAM_BUF_ERR;
    m->pamh = pamh;
    m->flags = flags;
    pt_state_init(&m->state);
    ptm_log_attach(pamh);
    int rc = authenticate(m, argc, argv);
    pt_store_close(m->store);
    pt_enrolment_wipe(&m->enrol);
    ptm_answer_free(&m->handed_code);
    pt_group_policy_free(&m->gp);
    if (m->have_user)
        pt_user_free(&m->user);
    pt_wipe(m, sizeof(*m));
    free(m);
    ptm_log_detach();
    return rc;
}

PTM_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh;
    (void)flags;
    (void)argc;
    (void)argv;
    return PAM_SUCCESS;
}
