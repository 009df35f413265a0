/* The decision table of DESIGN section 5, as a pure function: no I/O, no clock. */
#ifndef PT_POLICY_H
#define PT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"

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
    const char *const *groups; /* every group the user is in, by name, primary included */
    size_t ngroups;
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

/* Does any decision depend on group names (admin_groups under mfa=required_for_admins,
 * require_groups, exempt_groups)? When not, a login need not resolve them. */
bool pt_policy_uses_groups(const pt_options *o);

/* Is MFA required of this user (ignoring exemptions and mfa=disabled)? mfa=required, admin
 * under required_for_admins, a member of require_groups, or named in require_users. */
bool pt_policy_requires(const pt_options *o, const char *user, const char *const *groups,
                        size_t ngroups);
/* Is the user exempt (exempt_users / exempt_groups)? reason gets "exempt_user"/"exempt_group". */
bool pt_policy_exempt(const pt_options *o, const char *user, const char *const *groups,
                      size_t ngroups, const char **reason);

/* Order: mfa=disabled or exempt -> IGNORE; enrolled -> LOCKED when locked, else SKIP when the
 * login comes from a trusted network (reason "trusted_network") or a remembered host
 * ("remembered_host"), else VERIFY;
 * not required -> IGNORE; required with grace left (enrol_grace_days > 0, counted from
 * first_required, or from now when never recorded) -> GRACE; enrol_at_login -> LOCKED when
 * locked, else ENROL; else DENY. A lock only matters where a code would be checked. */
pt_decision pt_policy_decide(const pt_options *o, const pt_policy_input *in);

#endif
