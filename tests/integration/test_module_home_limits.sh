# What home mode does and does not protect (docs/SECURITY.md, "Malware running as the user"),
# through real libpam: the user owns ~/.pam_totp, so changing its enrolment id makes used backup
# codes count as unused again (home mode does not protect the backup codes from the user); but a
# TOTP step once accepted stays refused across enrolment ids, and the failure count and lock stay
# root's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
U=pthl-$$
mod_user "$U"
mod_conf "mfa = optional" "deny = 3"
mod_service
enrol "$U"
F="$(getent passwd "$U" | cut -d: -f6)/.pam_totp"
t=$T0
run_at $t "$U" "${BACKUP[0]}"
expect_eq "a backup code logs in" "$RES" success
run_at $t "$U" "${BACKUP[0]}"
expect_eq "and only once" "$RC" $PAM_AUTH_ERR
run_at $t "$U" "$(code $t)"
expect_eq "a TOTP code logs in" "$RES" success
run_at $t "$U" "000000"
expect_eq "a wrong code counts" "$RC" $PAM_AUTH_ERR

# The user rewrites the id of their own file.
newid=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
runuser -u "$U" -- sed -i "s/^id = .*/id = $newid/" "$F"
run_at $((t + 1)) "$U" "$(code $t)"
expect_eq "home mode: a used TOTP step stays refused across ids" "$RC" $PAM_AUTH_ERR
# (a replay is refused without counting: a wrong code adds the second failure)
run_at $((t + 1)) "$U" "000000"
expect_eq "home mode: the failure count is kept across ids (root's state)" \
    "$(state_text "$U" | sed -n 's/^failures = //p' | tr ',' '\n' | grep -c .)" 2
run_at $t "$U" "${BACKUP[0]}"
expect_eq "home mode: a new id makes a used backup code usable again (not protected)" "$RES" success
finish
