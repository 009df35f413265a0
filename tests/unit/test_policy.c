/* The decision table of DESIGN section 5, row by row, then group combinations, the enrolment
 * grace countdown and where a lock matters. ("user unknown" and "file unreadable" are decided by
 * the front ends before the policy runs: they are tested through libpam.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

#define NOW INT64_C(1767225600) /* 2026-01-01 00:00:00 UTC */
#define DAY INT64_C(86400)

static const char *const plain[] = {"alice", "users"};
static const char *const admin[] = {"alice", "sudo"};
static const char *const ops[] = {"alice", "ops"};
static const char *const robots[] = {"alice", "robots", "sudo"};

static pt_options opts(pt_mfa_mode mfa)
{
    pt_options o;
    pt_options_defaults(&o);
    o.mfa = mfa;
    return o;
}

/* The policy decides by gid; the tests name groups, through this table (as getgrnam would).
 * "sudoers" shares gid 27 with "sudo", as two names do after `groupadd -o`. */
static const struct {
    const char *name;
    gid_t gid;
} group_table[] = {
    {"alice", 1000}, {"users", 100}, {"sudo", 27},   {"sudoers", 27}, {"ops", 500},
    {"robots", 600}, {"wheel", 10},  {"adm", 4},     {"bob", 700},
};

static bool gid_named(const char *name, gid_t *gid)
{
    for (size_t i = 0; i < sizeof group_table / sizeof group_table[0]; i++)
        if (strcmp(group_table[i].name, name) == 0) {
            *gid = group_table[i].gid;
            return true;
        }
    return false;
}

/* The user's gids for a list of group names, in a slot of a small pool (valid for 64 calls). */
static const gid_t *gids_of(const char *const *names, size_t n)
{
    static gid_t pool[64][8];
    static unsigned next;
    gid_t *g = pool[next++ % 64];
    for (size_t i = 0; i < n && i < 8; i++)
        assert_true(gid_named(names[i], &g[i]));
    return g;
}

/* What pt_group_policy_resolve does, from the table. */
static void set_of(const char *list, pt_gidset *set, gid_t *store)
{
    char copy[PT_LIST_MAX];
    set->gids = store;
    set->n = 0;
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save))
        if (set->n < 8 && gid_named(t, &store[set->n]))
            set->n++;
}

static pt_group_policy *gp_of(const pt_options *o)
{
    static pt_group_policy gp;
    static gid_t a[8], r[8], e[8];
    set_of(o->admin_groups, &gp.admin, a);
    set_of(o->require_groups, &gp.require, r);
    set_of(o->exempt_groups, &gp.exempt, e);
    return &gp;
}

static pt_decision decide(const pt_options *o, pt_policy_input *in)
{
    in->gp = gp_of(o);
    return pt_policy_decide(o, in);
}

static bool requires_of(const pt_options *o, const char *const *groups, size_t n)
{
    return pt_policy_requires(o, gp_of(o), NULL, gids_of(groups, n), n);
}

static bool exempt_of(const pt_options *o, const char *user, const char *const *groups,
                      size_t n, const char **why)
{
    return pt_policy_exempt(o, gp_of(o), user, gids_of(groups, n), n, why);
}

static pt_policy_input input(const char *const *groups, size_t n, bool enrolled)
{
    pt_policy_input in = {.user = "alice", .gids = groups ? gids_of(groups, n) : NULL,
                          .ngids = n, .enrolled = enrolled, .now = NOW, .first_required = 0,
                          .lock_until = 0};
    return in;
}

#define IN(groups, enrolled) input((groups), sizeof(groups) / sizeof((groups)[0]), (enrolled))

static void expect(pt_decision d, pt_decision_kind kind, const char *reason)
{
    assert_int_equal(d.kind, kind);
    assert_non_null(d.reason);
    assert_string_equal(d.reason, reason);
}

/* Row: mfa=disabled -> IGNORE, whatever else holds. */
static void test_row_disabled(void **state)
{
    pt_options o = opts(PT_MFA_DISABLED);
    (void)state;
    snprintf(o.require_groups, sizeof o.require_groups, "ops");
    pt_policy_input in = IN(ops, true);
    in.lock_until = -1;
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "disabled");
    in.enrolled = false;
    o.enrol_at_login = true;
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_IGNORE, "disabled");
    assert_false(d.record_first_required);
}

/* Row: exempt -> IGNORE, even when required, enrolled or locked. */
static void test_row_exempt(void **state)
{
    pt_options o = opts(PT_MFA_REQUIRED);
    (void)state;
    snprintf(o.exempt_users, sizeof o.exempt_users, "bob, alice");
    pt_policy_input in = IN(plain, false);
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_IGNORE, "exempt_user");
    assert_true(d.exempt);
    assert_true(d.required);
    assert_false(d.record_first_required);

    o.exempt_users[0] = '\0';
    snprintf(o.exempt_groups, sizeof o.exempt_groups, "robots");
    in = IN(robots, true);
    in.lock_until = -1;
    d = decide(&o, &in);
    expect(d, PT_DECIDE_IGNORE, "exempt_group");
    assert_true(d.exempt);
}

/* Row: active enrolment -> VERIFY, whatever the policy. */
static void test_row_enrolled(void **state)
{
    static const pt_mfa_mode modes[] = {PT_MFA_OPTIONAL, PT_MFA_REQUIRED_FOR_ADMINS,
                                        PT_MFA_REQUIRED};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        pt_options o = opts(modes[i]);
        pt_policy_input in = IN(plain, true);
        pt_decision d = decide(&o, &in);
        expect(d, PT_DECIDE_VERIFY, "enrolled");
        assert_false(d.exempt);
        assert_int_equal(d.required, modes[i] == PT_MFA_REQUIRED);
    }
}

/* Row: no active enrolment, not required -> IGNORE. */
static void test_row_not_required(void **state)
{
    pt_options o = opts(PT_MFA_OPTIONAL);
    (void)state;
    o.enrol_grace_days = 5;
    o.enrol_at_login = true;
    pt_policy_input in = IN(admin, false);
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_IGNORE, "not_required");
    assert_false(d.required);
    assert_false(d.record_first_required);
}

/* Row: required, none, within grace -> GRACE with the time left; first time: record it. */
static void test_row_grace(void **state)
{
    pt_options o = opts(PT_MFA_REQUIRED);
    (void)state;
    o.enrol_grace_days = 7;
    o.enrol_at_login = true; /* grace comes first */
    pt_policy_input in = IN(plain, false);
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_GRACE, "grace");
    assert_true(d.required);
    assert_true(d.record_first_required);
    assert_int_equal(d.grace_left, 7 * DAY);

    in.first_required = NOW - 2 * DAY - 3600;
    d = decide(&o, &in);
    expect(d, PT_DECIDE_GRACE, "grace");
    assert_false(d.record_first_required);
    assert_int_equal(d.grace_left, 5 * DAY - 3600);
}

/* Row: required, none, grace over, enrol_at_login -> ENROL. */
static void test_row_enrol_at_login(void **state)
{
    pt_options o = opts(PT_MFA_REQUIRED);
    (void)state;
    o.enrol_at_login = true;
    pt_policy_input in = IN(plain, false);
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_ENROL, "enrol_at_login");
    assert_false(d.record_first_required);

    o.enrol_grace_days = 1;
    in.first_required = NOW - DAY;
    expect(decide(&o, &in), PT_DECIDE_ENROL, "enrol_at_login");
}

/* Row: required, none, grace over -> DENY. */
static void test_row_deny(void **state)
{
    pt_options o = opts(PT_MFA_REQUIRED);
    (void)state;
    pt_policy_input in = IN(plain, false);
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_DENY, "no_enrolment");
    assert_true(d.required);
    assert_false(d.record_first_required); /* grace 0: nothing to count */

    o.enrol_grace_days = 2;
    in.first_required = NOW - 3 * DAY;
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");
}

/* Row: locked after too many failures -> LOCKED with the time left, no check. */
static void test_row_locked(void **state)
{
    pt_options o = opts(PT_MFA_OPTIONAL);
    (void)state;
    pt_policy_input in = IN(plain, true);
    in.lock_until = NOW + 120;
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_LOCKED, "locked");
    assert_int_equal(d.lock_left, 120);

    in.lock_until = -1; /* until an admin unlocks */
    d = decide(&o, &in);
    expect(d, PT_DECIDE_LOCKED, "locked");
    assert_int_equal(d.lock_left, -1);

    in.lock_until = NOW; /* expired right now */
    expect(decide(&o, &in), PT_DECIDE_VERIFY, "enrolled");
    in.lock_until = NOW - 1;
    expect(decide(&o, &in), PT_DECIDE_VERIFY, "enrolled");

    /* A clock before 1970: no lock (0) is no lock, not a time in the future. */
    in.now = -3600;
    in.lock_until = 0;
    expect(decide(&o, &in), PT_DECIDE_VERIFY, "enrolled");
    in.lock_until = -1;
    expect(decide(&o, &in), PT_DECIDE_LOCKED, "locked");
    in.lock_until = 300; /* a lock recorded while the clock was wrong: still running */
    assert_int_equal(decide(&o, &in).lock_left, 299);
    /* Grace starting before 1970 records a time that is not the "never" sentinel. */
    pt_options g = opts(PT_MFA_REQUIRED);
    g.enrol_grace_days = 1;
    pt_policy_input gi = IN(plain, false);
    gi.now = -3600;
    pt_decision d2 = decide(&g, &gi);
    expect(d2, PT_DECIDE_GRACE, "grace");
    assert_true(d2.record_first_required);
}

/* ---- who is required ---- */

static void test_required_for_admins(void **state)
{
    pt_options o = opts(PT_MFA_REQUIRED_FOR_ADMINS);
    (void)state;
    pt_policy_input in = IN(admin, false);
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");
    in = IN(plain, false);
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "not_required");

    /* The wheel group counts by default; a custom comma list replaces the default. */
    static const char *const wheel[] = {"wheel"};
    in = IN(wheel, false);
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");
    snprintf(o.admin_groups, sizeof o.admin_groups, "adm,ops");
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "not_required");
    in = IN(ops, false);
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");

    /* Under mfa=optional being an admin requires nothing. */
    o = opts(PT_MFA_OPTIONAL);
    in = IN(admin, false);
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "not_required");

    /* No groups at all. */
    o = opts(PT_MFA_REQUIRED_FOR_ADMINS);
    in = input(NULL, 0, false);
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "not_required");
}

static void test_require_groups(void **state)
{
    pt_options o = opts(PT_MFA_OPTIONAL);
    (void)state;
    snprintf(o.require_groups, sizeof o.require_groups, "ops");
    pt_policy_input in = IN(ops, false);
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");
    in = IN(plain, false);
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "not_required");
    assert_true(requires_of(&o, ops, 2));
    assert_false(requires_of(&o, plain, 2));

    /* require_groups with required_for_admins: either makes it required. */
    o.mfa = PT_MFA_REQUIRED_FOR_ADMINS;
    assert_true(requires_of(&o, ops, 2));
    assert_true(requires_of(&o, admin, 2));
    assert_false(requires_of(&o, plain, 2));

    /* mfa=disabled wins over require_groups (the predicate itself ignores it). */
    o.mfa = PT_MFA_DISABLED;
    in = IN(ops, false);
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_IGNORE, "disabled");
    assert_true(d.required);
}

/* Two names of one gid (groupadd -o) are one group: a member listed under either name is in
 * the configured one, as sudo and the kernel see it. */
static void test_shared_gid(void **state)
{
    static const char *const in_sudo[] = {"alice", "sudo"};
    static const char *const in_sudoers[] = {"alice", "sudoers"};
    pt_options o = opts(PT_MFA_REQUIRED_FOR_ADMINS);
    (void)state;
    snprintf(o.admin_groups, sizeof o.admin_groups, "sudoers");
    pt_policy_input in = IN(in_sudo, false);
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");
    snprintf(o.admin_groups, sizeof o.admin_groups, "sudo");
    in = IN(in_sudoers, false);
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");
    o = opts(PT_MFA_OPTIONAL);
    snprintf(o.require_groups, sizeof o.require_groups, "sudoers");
    assert_true(requires_of(&o, in_sudo, 2));
    snprintf(o.exempt_groups, sizeof o.exempt_groups, "sudoers");
    const char *why = NULL;
    assert_true(exempt_of(&o, "alice", in_sudo, 2, &why));
    assert_string_equal(why, "exempt_group");
}

static void test_exempt_combinations(void **state)
{
    pt_options o = opts(PT_MFA_REQUIRED_FOR_ADMINS);
    const char *why = "unset";
    (void)state;
    snprintf(o.require_groups, sizeof o.require_groups, "robots");
    snprintf(o.exempt_groups, sizeof o.exempt_groups, "robots");
    /* In an admin group, a require group and an exempt group: exempt wins. */
    assert_true(exempt_of(&o, "alice", robots, 3, &why));
    assert_string_equal(why, "exempt_group");
    pt_policy_input in = IN(robots, false);
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "exempt_group");

    /* A user exemption is reported as such, even when a group also matches. */
    snprintf(o.exempt_users, sizeof o.exempt_users, "alice");
    assert_true(exempt_of(&o, "alice", robots, 3, &why));
    assert_string_equal(why, "exempt_user");

    /* Names match exactly, not as prefixes. */
    snprintf(o.exempt_users, sizeof o.exempt_users, "alic alice2");
    o.exempt_groups[0] = '\0';
    assert_false(exempt_of(&o, "alice", robots, 3, &why));
    assert_null(why);
    assert_false(exempt_of(&o, "alice", robots, 3, NULL));
    in = IN(robots, false);
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");

    /* A user and a group of the same name are different things. */
    snprintf(o.exempt_groups, sizeof o.exempt_groups, "bob");
    static const char *const bobs[] = {"bob"};
    assert_true(exempt_of(&o, "carol", bobs, 1, &why));
    assert_false(exempt_of(&o, "bob", plain, 2, &why));
}

/* ---- grace ---- */

static void test_grace_countdown_and_expiry(void **state)
{
    pt_options o = opts(PT_MFA_REQUIRED);
    (void)state;
    o.enrol_grace_days = 3;
    pt_policy_input in = IN(plain, false);
    in.first_required = NOW;

    /* The countdown runs down with the clock... */
    for (int64_t t = 0; t < 3 * DAY; t += DAY / 2) {
        in.now = NOW + t;
        pt_decision d = decide(&o, &in);
        expect(d, PT_DECIDE_GRACE, "grace");
        assert_int_equal(d.grace_left, 3 * DAY - t);
        assert_false(d.record_first_required);
    }
    /* ...one second is still grace; when the time is used up it is over. */
    in.now = NOW + 3 * DAY - 1;
    assert_int_equal(decide(&o, &in).grace_left, 1);
    in.now = NOW + 3 * DAY;
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");
    in.now = NOW + 300 * DAY;
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");

    /* A recorded time in the future (the clock went back) never gives more than the full grace. */
    in.now = NOW;
    in.first_required = NOW + 50 * DAY;
    assert_int_equal(decide(&o, &in).grace_left, 3 * DAY);
    /* A corrupt negative time gives none. */
    in.first_required = -5;
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");

    /* The maximum grace does not overflow. */
    o.enrol_grace_days = 3650;
    in.first_required = 0;
    pt_decision d = decide(&o, &in);
    assert_int_equal(d.grace_left, 3650 * DAY);
    assert_true(d.record_first_required);

    /* Becoming enrolled ends the grace question. */
    in.enrolled = true;
    expect(decide(&o, &in), PT_DECIDE_VERIFY, "enrolled");
}

/* ---- where a lock matters ---- */

static void test_lock_ordering(void **state)
{
    pt_options o = opts(PT_MFA_OPTIONAL);
    (void)state;
    /* Not enrolled, not required: nothing is checked, so the lock does not show. */
    pt_policy_input in = IN(plain, false);
    in.lock_until = NOW + 60;
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "not_required");

    /* Required, in grace: grace (no code is checked). */
    o.mfa = PT_MFA_REQUIRED;
    o.enrol_grace_days = 1;
    expect(decide(&o, &in), PT_DECIDE_GRACE, "grace");

    /* Required, grace over, enrol at login: the enrolment confirms a code, so the lock holds. */
    o.enrol_grace_days = 0;
    o.enrol_at_login = true;
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_LOCKED, "locked");
    assert_int_equal(d.lock_left, 60);
    in.lock_until = 0;
    expect(decide(&o, &in), PT_DECIDE_ENROL, "enrol_at_login");

    /* Required, grace over, no enrol at login: denied for having no MFA, not for the lock. */
    o.enrol_at_login = false;
    in.lock_until = -1;
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");

    /* Exempt or disabled beats a lock. */
    in.enrolled = true;
    snprintf(o.exempt_users, sizeof o.exempt_users, "alice");
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "exempt_user");
    o.exempt_users[0] = '\0';
    o.mfa = PT_MFA_DISABLED;
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "disabled");
    /* And enrolled + locked under any other mode is LOCKED. */
    o.mfa = PT_MFA_REQUIRED;
    expect(decide(&o, &in), PT_DECIDE_LOCKED, "locked");
}

/* Group names are resolved at login only when a decision can depend on them. */
static void test_uses_groups(void **state)
{
    pt_options o;
    (void)state;
    pt_options_defaults(&o);
    assert_false(pt_policy_uses_groups(&o)); /* optional: admin_groups unused */
    o.mfa = PT_MFA_REQUIRED_FOR_ADMINS;
    assert_true(pt_policy_uses_groups(&o));
    o.admin_groups[0] = '\0';
    assert_false(pt_policy_uses_groups(&o));
    o.mfa = PT_MFA_REQUIRED;
    assert_false(pt_policy_uses_groups(&o));
    snprintf(o.exempt_groups, sizeof o.exempt_groups, " , ");
    assert_false(pt_policy_uses_groups(&o));
    snprintf(o.exempt_groups, sizeof o.exempt_groups, "robots");
    assert_true(pt_policy_uses_groups(&o));
    o.exempt_groups[0] = '\0';
    snprintf(o.require_groups, sizeof o.require_groups, "ops");
    assert_true(pt_policy_uses_groups(&o));
    o.mfa = PT_MFA_DISABLED;
    assert_false(pt_policy_uses_groups(&o));
}

/* require_users: the listed users must use MFA whatever mfa says, like require_groups; a list
 * entry must equal the whole name; mfa=disabled and exemptions still win. */
static void test_require_users(void **state)
{
    pt_options o = opts(PT_MFA_OPTIONAL);
    (void)state;
    snprintf(o.require_users, sizeof o.require_users, "bob, alice carol");
    pt_policy_input in = IN(plain, false);
    pt_decision d = decide(&o, &in);
    expect(d, PT_DECIDE_DENY, "no_enrolment");
    assert_true(d.required);
    assert_true(pt_policy_requires(&o, gp_of(&o), "alice", gids_of(plain, 2), 2));
    assert_true(pt_policy_requires(&o, gp_of(&o), "carol", NULL, 0));
    assert_false(pt_policy_requires(&o, gp_of(&o), "alic", gids_of(plain, 2), 2));
    assert_false(pt_policy_requires(&o, gp_of(&o), "alice2", gids_of(plain, 2), 2));
    assert_false(pt_policy_requires(&o, gp_of(&o), NULL, gids_of(plain, 2), 2));
    in.user = "dave";
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "not_required");

    /* Required users get the enrolment grace and enrolment at login like any required user. */
    in.user = "alice";
    o.enrol_grace_days = 2;
    expect(decide(&o, &in), PT_DECIDE_GRACE, "grace");
    o.enrol_grace_days = 0;
    o.enrol_at_login = true;
    expect(decide(&o, &in), PT_DECIDE_ENROL, "enrol_at_login");

    /* Under required_for_admins a non-admin in require_users is required too. */
    o = opts(PT_MFA_REQUIRED_FOR_ADMINS);
    snprintf(o.require_users, sizeof o.require_users, "alice");
    in = IN(plain, false);
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");

    /* Exempt and disabled win. */
    snprintf(o.exempt_users, sizeof o.exempt_users, "alice");
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "exempt_user");
    o.exempt_users[0] = '\0';
    o.mfa = PT_MFA_DISABLED;
    d = decide(&o, &in);
    expect(d, PT_DECIDE_IGNORE, "disabled");
    assert_true(d.required);
}

/* Trusted networks and remembered hosts skip the prompt only for enrolled users who are not
 * locked; for users without an enrolment they change nothing. */
static void test_skips(void **state)
{
    pt_options o = opts(PT_MFA_REQUIRED);
    (void)state;
    pt_policy_input in = IN(plain, true);
    in.trusted_network = true;
    expect(decide(&o, &in), PT_DECIDE_SKIP, "trusted_network");
    in.trusted_network = false;
    in.remembered_host = true;
    expect(decide(&o, &in), PT_DECIDE_SKIP, "remembered_host");
    in.trusted_network = true;
    expect(decide(&o, &in), PT_DECIDE_SKIP, "trusted_network");

    /* Locked: by time, and until an admin unlocks. */
    in.lock_until = NOW + 60;
    expect(decide(&o, &in), PT_DECIDE_LOCKED, "locked");
    in.lock_until = -1;
    expect(decide(&o, &in), PT_DECIDE_LOCKED, "locked");
    in.lock_until = NOW; /* ran out */
    expect(decide(&o, &in), PT_DECIDE_SKIP, "trusted_network");

    /* No enrolment: the usual rows. */
    in = IN(plain, false);
    in.trusted_network = true;
    in.remembered_host = true;
    expect(decide(&o, &in), PT_DECIDE_DENY, "no_enrolment");
    o.enrol_at_login = true;
    expect(decide(&o, &in), PT_DECIDE_ENROL, "enrol_at_login");
    o = opts(PT_MFA_OPTIONAL);
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "not_required");

    /* Disabled and exempt are decided first, as always. */
    o = opts(PT_MFA_DISABLED);
    in.enrolled = true;
    expect(decide(&o, &in), PT_DECIDE_IGNORE, "disabled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_disabled),
        cmocka_unit_test(test_row_exempt),
        cmocka_unit_test(test_row_enrolled),
        cmocka_unit_test(test_row_not_required),
        cmocka_unit_test(test_row_grace),
        cmocka_unit_test(test_row_enrol_at_login),
        cmocka_unit_test(test_row_deny),
        cmocka_unit_test(test_row_locked),
        cmocka_unit_test(test_required_for_admins),
        cmocka_unit_test(test_require_groups),
        cmocka_unit_test(test_exempt_combinations),
        cmocka_unit_test(test_shared_gid),
        cmocka_unit_test(test_grace_countdown_and_expiry),
        cmocka_unit_test(test_lock_ordering),
        cmocka_unit_test(test_uses_groups),
        cmocka_unit_test(test_require_users),
        cmocka_unit_test(test_skips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
