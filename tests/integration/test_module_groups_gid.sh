# Group policy is decided by gid (DESIGN section 5): two groups sharing a gid (groupadd -o) are one
# group, as sudo and the kernel see it. A real user listed as a member of the second name is in
# admin_groups / require_groups / exempt_groups naming either name, through real libpam, and
# `pam-totp list` and `status` say the same. (By name, getgrgid(gid) gives the first name only,
# so a member listed under the second name was not seen as an admin and logged in without MFA.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
command -v groupadd >/dev/null || skip "groupadd missing"
U=ptgid-$$
GA=ptgida-$$
GB=ptgidb-$$
mod_user "$U"
groupadd "$GA"
on_exit "groupdel $GA >/dev/null 2>&1"
gid=$(getent group "$GA" | cut -d: -f3)
groupadd -o -g "$gid" "$GB"
on_exit "groupdel $GB >/dev/null 2>&1"
usermod -aG "$GB" "$U"
expect_eq "the two names share a gid" "$(getent group "$GB" | cut -d: -f3)" "$gid"
expect_eq "the gid's name is the first one" "$(getent group "$gid" | cut -d: -f1)" "$GA"
mod_service
t=$T0
status_required() { "$PT_CLI" --config "$CONF" status --json --user "$U" | jq -r .required; }
list_required() {
    "$PT_CLI" --config "$CONF" list --json | jq -r --arg u "$U" '.[] | select(.user == $u) | .required'
}

for g in "$GB" "$GA"; do
    mod_conf "mfa = required_for_admins" "admin_groups = $g" "state_dir = $STATE_DIR"
    run_at $t "$U"
    expect_eq "admin_groups = $g: a member under either name must use MFA (denied unenrolled)" \
        "$RC" $PAM_AUTH_ERR
    expect_match "admin_groups = $g: told MFA is required" "$OUT" 'required'
    expect_eq "admin_groups = $g: status says required" "$(status_required)" true
    expect_eq "admin_groups = $g: list says required" "$(list_required)" true

    mod_conf "mfa = optional" "require_groups = $g" "state_dir = $STATE_DIR"
    run_at $t "$U"
    expect_eq "require_groups = $g: denied unenrolled" "$RC" $PAM_AUTH_ERR
    expect_eq "require_groups = $g: list says required" "$(list_required)" true

    mod_conf "mfa = required" "exempt_groups = $g" "state_dir = $STATE_DIR"
    run_at $t "$U"
    expect_eq "exempt_groups = $g: exempt" "$RES" ignore
    expect_eq "exempt_groups = $g: status says not required" "$(status_required)" false
done
# A group named in the config that does not exist matches no one (and fails nothing).
mod_conf "mfa = optional" "require_groups = nosuchgroup-$$" "state_dir = $STATE_DIR"
run_at $t "$U"
expect_eq "a missing group in require_groups matches no one" "$RES" ignore
finish
