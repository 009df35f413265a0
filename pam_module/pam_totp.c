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
        st->first_required = *now;
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

static int lookup_user(ptm_ctx *m)
{
    const char *name = NULL;
    int rc = pam_get_user(m->pamh, &name, NULL);
    if (rc != PAM_SUCCESS)
        return rc;
    if (name == NULL || name[0] == '\0')
        return PAM_USER_UNKNOWN;
    struct passwd *pw = pam_modutil_getpwnam(m->pamh, name);
    if (pw == NULL) {
        pt_log(LOG_NOTICE, "no account named \"%s\"", name);
        return PAM_USER_UNKNOWN;
    }
    /* The gids are needed to act as the user; group names only when the policy names groups
     * (resolving them costs a group-database lookup per group on every login). */
    rc = pt_user_from_passwd_ids(&m->user, pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir,
                                 pw->pw_shell);
    if (rc == PT_OK && pt_policy_uses_groups(&m->opt))
        rc = pt_user_load_group_names(&m->user);
    if (rc != PT_OK)
        pt_user_free(&m->user);
    if (rc == PT_ERR_NOMEM)
        return PAM_BUF_ERR;
    if (rc != PT_OK)
        return PAM_USER_UNKNOWN;
    m->have_user = true;
    return PAM_SUCCESS;
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
               m->user.name, pt_strerror(rc));
    return PAM_AUTHINFO_UNAVAIL;
}

static int grace(ptm_ctx *m, const pt_decision *d)
{
    char human[64], secs[32];
    ptm_duration(d->grace_left, human, sizeof(human));
    snprintf(secs, sizeof(secs), "%lld", (long long)d->grace_left);
    if (pt_options_system_mode(&m->opt))
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

static int dispatch(ptm_ctx *m, const pt_decision *d, int64_t now)
{
    if (d->record_first_required) {
        int rc = ptm_record_first_required(m, now);
        if (rc != PT_OK) {
            pam_syslog(m->pamh, LOG_ERR, "could not record when MFA became required for %s "
                       "(%s): failing closed", m->user.name, pt_strerror(rc));
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
    }
    return PAM_SERVICE_ERR; /* unknown decision: fail closed */
}

static int authenticate(ptm_ctx *m, int argc, const char **argv)
{
    int rc = ptm_load_options(m->pamh, argc, argv, &m->opt);
    if (rc != PAM_SUCCESS)
        return rc;
    m->quiet = (m->flags & PAM_SILENT) != 0 || m->opt.silent;
    const void *item = NULL;
    if (pam_get_item(m->pamh, PAM_SERVICE, &item) == PAM_SUCCESS)
        m->service = item;
    item = NULL;
    if (pam_get_item(m->pamh, PAM_RHOST, &item) == PAM_SUCCESS)
        m->rhost = item;
    rc = lookup_user(m);
    if (rc != PAM_SUCCESS)
        return rc;
    const char *const *groups = (const char *const *)m->user.groups;

    /* Disabled or exempt: decided before any file is touched. */
    if (m->opt.mfa == PT_MFA_DISABLED)
        return PAM_IGNORE;
    const char *why = NULL;
    if (pt_policy_exempt(&m->opt, m->user.name, groups, m->user.ngroups, &why)) {
        PTM_AUDIT(m, LOG_NOTICE, "exempt_skip", "reason", why, NULL);
        return PAM_IGNORE;
    }
    rc = open_store(m);
    if (rc == PAM_SUCCESS)
        rc = load_enrolment(m);
    if (rc != PAM_SUCCESS)
        return rc;

    int64_t now = (int64_t)time(NULL);
    pt_policy_input in = {
        .user = m->user.name, .groups = groups, .ngroups = m->user.ngroups,
        .enrolled = m->enrolled, .now = now,
    };
    pt_decision d = pt_policy_decide(&m->opt, &in);
    /* Ignoring never depends on the runtime state, so it is only read when it matters. */
    if (d.kind != PT_DECIDE_IGNORE) {
        rc = pt_store_state_read(m->store, &m->user, &m->state);
        if (rc != PT_OK) {
            pam_syslog(m->pamh, LOG_ERR, "runtime state of %s unusable (%s, see above): "
                       "failing closed", m->user.name, pt_strerror(rc));
            return PAM_AUTHINFO_UNAVAIL;
        }
        in.first_required = m->state.first_required;
        in.lock_until = m->state.lock_until;
        d = pt_policy_decide(&m->opt, &in);
    }
    pt_log(LOG_DEBUG, "user %s: decision %d (%s)", m->user.name, (int)d.kind,
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
