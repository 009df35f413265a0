/* The decision table of DESIGN section 5, as a pure function: no I/O, no clock. */
#ifndef PT_POLICY_H
#define PT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "config.h"

/* The groups the policy names (admin_groups, require_groups, exempt_groups), resolved to gids:
 * membership is decided by gid, as the kernel and sudo decide it, so two group names sharing a
 * gid (groupadd -o) are the same group. A name without a group entry matches no one. */
typedef struct {
    gid_t *gids;
    size_t n;
} pt_gidset;
typedef struct {
    pt_gidset admin, require, exempt;
} pt_group_policy;

/* groupres.c: resolves the three lists with getgrnam_r. A name that does not exist is left out
 * (require_groups: with a warning, since a typo there weakens the policy). PT_OK, PT_ERR_NOMEM,
 * PT_ERR_IO (the group database failed: the caller fails closed). Free with
 * pt_group_policy_free (also safe on a zeroed struct). */
int pt_group_policy_resolve(const pt_options *o, pt_group_policy *gp);
void pt_group_policy_free(pt_group_policy *gp);

typedef enum {
    PT_DECIDE_IGNORE = 0, /* PAM_IGNORE, no prompt */
    PT_DECIDE_VERIFY,     /* prompt and verify */
    PT_DECIDE_GRACE,      /* PAM_IGNORE + message with grace_left */
    PT_DECIDE_ENROL,      /* enrol inside the conversation */
    PT_DECIDE_DENY,       /* required, no enrolment, grace over: deny */
    PT_DECIDE_LOCKED,     /* deny without checking; lock_left */
    PT_DECIDE_SKIP,       /* enrolled, not locked, and the login comes from a trusted network or
                             a remembered host: PAM_IGNORE without a prompt, audited (reason) */
} pt_decision_kind;

typedef struct {
    const char *user;
    const pt_group_policy *gp; /* the configured groups as gids (NULL: none named) */
    const gid_t *gids;         /* every gid the user is in, primary included */
    size_t ngids;
    bool enrolled;             /* an ACTIVE enrolment exists */
    int64_t now;
    int64_t first_required;    /* from the runtime state; 0 = never recorded */
    int64_t lock_until;        /* from the runtime state; 0 none, -1 until an admin unlocks */
    bool trusted_network;      /* PAM_RHOST is a numeric address inside trusted_networks */
    bool remembered_host;      /* PAM_RHOST is a host this account logged in from with a code
                                  less than remember_host seconds ago (pt_state_host_remembered) */
} pt_policy_input;

typedef struct {
    pt_decision_kind kind;
    bool required;             /* policy requires MFA of this user */
    bool exempt;
    const char *reason;        /* audit token: "disabled", "exempt_user", "exempt_group",
                                  "enrolled", "not_required", "grace", "enrol_at_login",
                                  "no_enrolment", "locked", "trusted_network",
                                  "remembered_host" */
    bool record_first_required; /* the caller must store first_required = now */
    int64_t grace_left;        /* seconds, for PT_DECIDE_GRACE */
    int64_t lock_left;         /* seconds for PT_DECIDE_LOCKED; -1 = until an admin unlocks */
} pt_decision;

/* Does any decision depend on groups (admin_groups under mfa=required_for_admins,
 * require_groups, exempt_groups)? When not, a login need not resolve them. */
bool pt_policy_uses_groups(const pt_options *o);

/* Is MFA required of this user (ignoring exemptions and mfa=disabled)? mfa=required, named in
 * require_users, an admin under required_for_admins, or a member of require_groups. gp may be
 * NULL (no group named); gids are the user's; user may be NULL (no name to match). */
bool pt_policy_requires(const pt_options *o, const pt_group_policy *gp, const char *user,
                        const gid_t *gids, size_t ngids);
/* Is the user exempt (exempt_users / exempt_groups)? reason gets "exempt_user"/"exempt_group". */
bool pt_policy_exempt(const pt_options *o, const pt_group_policy *gp, const char *user,
                      const gid_t *gids, size_t ngids, const char **reason);

/* Order: mfa=disabled or exempt -> IGNORE; enrolled -> LOCKED when locked, else SKIP when the
 * login comes from a trusted network (reason "trusted_network") or a remembered host
 * ("remembered_host"), else VERIFY;
 * not required -> IGNORE; required with grace left (enrol_grace_days > 0, counted from
 * first_required, or from now when never recorded) -> GRACE; enrol_at_login -> LOCKED when
 * locked, else ENROL; else DENY. A lock only matters where a code would be checked. */
pt_decision pt_policy_decide(const pt_options *o, const pt_policy_input *in);

#endif
