/* pam-totp: what status and list show about one user: enrolment, policy, codes left, lock, and
 * the enrolment deadline (first_required in the runtime state + enrol_grace_days). */
#include <string.h>
#include "cli.h"
#include "log.h"
#include "policy.h"
#include "pt_error.h"

/* Group policy by gid, as the module decides it; the configured names are resolved once. */
static int policy_view(cli_ctx *c, const pt_user *u, cli_view *v)
{
    if (!c->gp_loaded) {
        int rc = pt_group_policy_resolve(&c->opt, &c->gp);
        if (rc != PT_OK) {
            cli_err("cannot read the group database (%s): check /etc/group and "
                    "/etc/nsswitch.conf", pt_strerror(rc));
            return CLI_SYSERR;
        }
        c->gp_loaded = true;
    }
    const char *reason = NULL;
    size_t n = u->ngids > 0 ? (size_t)u->ngids : 0;
    v->exempt = pt_policy_exempt(&c->opt, &c->gp, u->name, u->gids, n, &reason);
    v->required = c->opt.mfa != PT_MFA_DISABLED && !v->exempt &&
                  pt_policy_requires(&c->opt, &c->gp, u->name, u->gids, n);
    return CLI_OK;
}

int cli_view_user(cli_ctx *c, const pt_user *u, int64_t now, cli_view *v)
{
    pt_enrolment e;
    pt_state st;
    memset(v, 0, sizeof(*v));
    int pst = policy_view(c, u, v);
    if (pst != CLI_OK)
        return pst;

    int rc = cli_load_enrolment_meta(c, u, &e);
    if (rc == PT_OK && e.status == PT_ENROL_ACTIVE) {
        v->enrolled = true;
        v->since = e.created;
        v->codes_total = e.backup.count;
        v->devices = pt_device_active_count(&e);
    } else if (rc == PT_OK) {
        v->pending = e.expires > now;
    } else if (rc != PT_ERR_NOENT) {
        pt_enrolment_wipe(&e);
        if (!c->quiet)
            cli_err("cannot read the enrolment of %s (%s): fix or remove the file, or `pam-totp reset "
                "%s` as root",
                u->name, pt_strerror(rc), u->name);
        return CLI_SYSERR;
    }

    rc = pt_store_state_read(c->store, u, &st);
    if (rc != PT_OK) {
        pt_enrolment_wipe(&e);
        if (!c->quiet)
            cli_err("cannot read the runtime state of %s: %s", u->name, pt_strerror(rc));
        return CLI_SYSERR;
    }
    if (v->enrolled) {
        pt_state_bind(&st, e.id); /* used marks of an older set do not count */
        v->codes_left = pt_state_codes_left(&st, &e.backup);
    }
    v->lock_left = pt_state_lock_left(&st, now);
    v->locked = v->lock_left != 0;
    if (v->required && !v->enrolled) {
        if (c->opt.enrol_grace_days == 0)
            v->deadline = 0;
        else if (st.first_required > 0)
            v->deadline = st.first_required + (int64_t)c->opt.enrol_grace_days * 86400;
        else
            v->deadline = -1; /* the grace starts at the first login that requires MFA */
    }
    pt_enrolment_wipe(&e);
    return CLI_OK;
}

void cli_deadline_text(const cli_ctx *c, const cli_view *v, int64_t now, char *out, size_t outsz)
{
    if (!v->required || v->enrolled)
        snprintf(out, outsz, "-");
    else if (v->deadline == 0)
        snprintf(out, outsz, "now");
    else if (v->deadline == -1)
        snprintf(out, outsz, "%u days after first login", c->opt.enrol_grace_days);
    else if (v->deadline <= now)
        snprintf(out, outsz, "passed");
    else
        cli_time_text(v->deadline, out, outsz);
}
