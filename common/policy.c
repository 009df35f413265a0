/* The decision table of DESIGN section 5. Pure: everything it needs comes in the arguments. */
#include "policy.h"
#include "state.h"

#define PT_DAY 86400

/* Is any of the user's gids in the set? By gid: a second name for a gid is the same group. */
static bool any_gid_in(const pt_gidset *set, const gid_t *gids, size_t ngids)
{
    for (size_t i = 0; i < ngids; i++)
        for (size_t j = 0; gids && j < set->n; j++)
            if (gids[i] == set->gids[j])
                return true;
    return false;
}

bool pt_policy_requires(const pt_options *o, const pt_group_policy *gp, const char *user,
                        const gid_t *gids, size_t ngids)
{
    if (o->mfa == PT_MFA_REQUIRED)
        return true;
    if (user && pt_list_contains(o->require_users, user))
        return true;
    if (gp == NULL)
        return false;
    if (o->mfa == PT_MFA_REQUIRED_FOR_ADMINS && any_gid_in(&gp->admin, gids, ngids))
        return true;
    return any_gid_in(&gp->require, gids, ngids);
}

bool pt_policy_exempt(const pt_options *o, const pt_group_policy *gp, const char *user,
                      const gid_t *gids, size_t ngids, const char **reason)
{
    const char *why = NULL;

    if (user && pt_list_contains(o->exempt_users, user))
        why = "exempt_user";
    else if (gp != NULL && any_gid_in(&gp->exempt, gids, ngids))
        why = "exempt_group";
    if (reason)
        *reason = why;
    return why != NULL;
}

/* Sets kind LOCKED and lock_left when the runtime state holds a lock that is still running. */
static bool apply_lock(pt_decision *d, const pt_policy_input *in)
{
    int64_t now = pt_state_time(in->now);
    if (in->lock_until == -1) {
        d->lock_left = -1;
    } else if (in->lock_until != 0 && in->lock_until > now) { /* 0: none, not a time */
        d->lock_left = in->lock_until - now;
    } else {
        return false;
    }
    d->kind = PT_DECIDE_LOCKED;
    d->reason = "locked";
    return true;
}

/* Seconds of enrolment grace left (0: none or over). The countdown starts at the first login
 * that needed MFA; a recorded time in the future (the clock went back) counts as now, and a
 * negative one (corrupt) as long past, so grace can only shrink. */
static int64_t grace_left(const pt_options *o, const pt_policy_input *in, bool *record)
{
    int64_t total = (int64_t)o->enrol_grace_days * PT_DAY;
    int64_t start = in->first_required;
    int64_t now = pt_state_time(in->now); /* what would be recorded: never the sentinel 0 */

    *record = false;
    if (total <= 0)
        return 0;
    if (start == 0) {
        start = now;
        *record = true;
    } else if (start < 0) {
        return 0;
    } else if (start > now) {
        start = now;
    }
    int64_t elapsed = now - start; /* both >= 1 here, start <= now: no overflow */
    return elapsed < total ? total - elapsed : 0;
}

pt_decision pt_policy_decide(const pt_options *o, const pt_policy_input *in)
{
    pt_decision d = {.kind = PT_DECIDE_IGNORE};
    const char *why = NULL;

    d.required = pt_policy_requires(o, in->gp, in->user, in->gids, in->ngids);
    d.exempt = pt_policy_exempt(o, in->gp, in->user, in->gids, in->ngids, &why);

    if (o->mfa == PT_MFA_DISABLED) {
        d.reason = "disabled";
        return d;
    }
    if (d.exempt) {
        d.reason = why;
        return d;
    }
    if (in->enrolled) {
        /* The lock comes first: neither a trusted network nor a remembered host lets a locked
         * user in. */
        if (apply_lock(&d, in))
            return d;
        if (in->trusted_network) {
            d.kind = PT_DECIDE_SKIP;
            d.reason = "trusted_network";
        } else if (in->remembered_host) {
            d.kind = PT_DECIDE_SKIP;
            d.reason = "remembered_host";
        } else {
            d.kind = PT_DECIDE_VERIFY;
            d.reason = "enrolled";
        }
        return d;
    }
    if (!d.required) {
        d.reason = "not_required";
        return d;
    }
    bool record = false;
    int64_t left = grace_left(o, in, &record);
    if (left > 0) {
        d.kind = PT_DECIDE_GRACE;
        d.reason = "grace";
        d.grace_left = left;
        d.record_first_required = record;
        return d;
    }
    if (o->enrol_at_login) {
        if (!apply_lock(&d, in)) {
            d.kind = PT_DECIDE_ENROL;
            d.reason = "enrol_at_login";
        }
        return d;
    }
    d.kind = PT_DECIDE_DENY;
    d.reason = "no_enrolment";
    return d;
}

/* True when a list holds at least one name. */
static bool list_nonempty(const char *list)
{
    for (const char *p = list; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != ',')
            return true;
    return false;
}

bool pt_policy_uses_groups(const pt_options *o)
{
    if (o->mfa == PT_MFA_DISABLED)
        return false;
    return (o->mfa == PT_MFA_REQUIRED_FOR_ADMINS && list_nonempty(o->admin_groups)) ||
           list_nonempty(o->require_groups) || list_nonempty(o->exempt_groups);
}
