# pam_totp.so through real libpam: the decision table of DESIGN section 5, row by row (disabled,
# exempt, optional, required, required_for_admins, require_groups, grace countdown, deny), plus
# unknown users, pending enrolments and configuration errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
U=pttest-$$          # enrolled
N=pttestn-$$         # never enrolled
G=ptgrp-$$
mod_user "$U"
mod_user "$N"
groupadd "$G"
on_exit "groupdel $G >/dev/null 2>&1"
mod_service
enrol "$U"
t=$T0
no_prompt() { ! grep -q '^PROMPT' <<<"$OUT"; }

# --- mfa = disabled: nothing asked, even of an enrolled user or a member of require_groups.
usermod -aG "$G" "$N"
mod_conf "mfa = disabled" "require_groups = $G"
run_at $t "$U"
expect_eq "disabled: enrolled user ignored" "$RES" ignore
check "disabled: no prompt" no_prompt
run_at $t "$N"
expect_eq "disabled wins over require_groups" "$RES" ignore
gpasswd -d "$N" "$G" >/dev/null

# --- Exemptions win over everything, and each skip is audited.
mod_conf "mfa = required" "exempt_users = someone,$U"
run_at $t "$U"
expect_eq "exempt user ignored" "$RES" ignore
check "exempt user: no prompt" no_prompt
usermod -aG "$G" "$N"
mod_conf "mfa = required" "exempt_groups = $G"
run_at $t "$N"
expect_eq "member of an exempt group ignored although MFA is required" "$RES" ignore
gpasswd -d "$N" "$G" >/dev/null

# --- mfa = optional.
mod_conf "mfa = optional"
run_at $t "$N"
expect_eq "optional, not enrolled: ignored" "$RES" ignore
check "optional, not enrolled: no prompt" no_prompt
run_at $t "$U" "$(code $t)"
expect_eq "optional, enrolled: code asked and accepted" "$RES" success
run_at $((t + 30)) "$U" 000000
expect_eq "optional, enrolled: wrong code refused" "$RES" $PAM_AUTH_ERR

# A pending enrolment (begun, never confirmed) counts as none.
P=pttestp-$$
mod_user "$P"
"$MKENROL" --pending "$P" "$SECRET" "config=$CONF" >/dev/null
run_at $t "$P"
expect_eq "pending enrolment counts as none" "$RES" ignore
mod_conf "mfa = required"
run_at $t "$P"
expect_eq "pending enrolment, MFA required: denied" "$RES" $PAM_AUTH_ERR

# --- mfa = required, no enrolment, no grace: denied with a message saying how to get it.
run_at $t "$N"
expect_eq "required, none: denied" "$RES" $PAM_AUTH_ERR
check "required, none: no prompt" no_prompt
expect_match "denial says MFA is required and how to get it" "$OUT" \
    '^ERROR: Multi-factor authentication is required for this account but is not set up\. Run `pam-totp enrol`.*pam-totp enrol --user'
run_at $((t + 60)) "$U" "$(code $((t + 60)))"
expect_eq "required, enrolled: accepted" "$RES" success

# --- required_for_admins: only members of admin_groups.
mod_conf "mfa = required_for_admins" "admin_groups = $G wheel"
run_at $t "$N"
expect_eq "required_for_admins, not an admin: ignored" "$RES" ignore
usermod -aG "$G" "$N"
run_at $t "$N"
expect_eq "required_for_admins, admin (supplementary group): denied" "$RES" $PAM_AUTH_ERR
gpasswd -d "$N" "$G" >/dev/null
run_at $t "$N"
expect_eq "removed from the admin group: ignored again" "$RES" ignore

# --- require_groups with mfa = optional.
mod_conf "mfa = optional" "require_groups = $G"
usermod -aG "$G" "$N"
run_at $t "$N"
expect_eq "require_groups member: MFA required, denied" "$RES" $PAM_AUTH_ERR
gpasswd -d "$N" "$G" >/dev/null

# --- Grace: counted from the first login that needed MFA, with a countdown.
mod_conf "mfa = required" "enrol_grace_days = 3"
run_at $t "$N"
expect_eq "grace: let in (ignored)" "$RES" ignore
expect_match "grace message with time left and how to enrol" "$OUT" \
    '^INFO: MFA will be required in 3 days\. Run `pam-totp enrol` now\.$'
expect_match "first_required recorded in the state" "$(state_text "$N")" "first_required = $T0"
run_at $((t + 86400 + 7200)) "$N"
expect_match "countdown: 1 day 22 hours" "$OUT" 'MFA will be required in 1 day 22 hours\.'
expect_eq "still let in" "$RES" ignore
run_at $((t + 3 * 86400 - 600)) "$N"
expect_match "countdown: minutes at the end" "$OUT" 'MFA will be required in 10 minutes\.'
expect_match "first_required not moved by later logins" "$(state_text "$N")" "first_required = $T0"
run_at $((t + 3 * 86400 + 1)) "$N"
expect_eq "grace over: denied" "$RES" $PAM_AUTH_ERR
expect_match "grace over: told MFA is required" "$OUT" 'required for this account'
run_at $((t + 3 * 86400 + 1)) --silent "$N"
expect_nomatch "PAM_SILENT: no denial text" "$OUT" '^(INFO|ERROR):'
mod_conf "mfa = required" "enrol_grace_days = 3" "enrolment_file = $T_DIR/enrol/%u"
run_at $((t + 86400)) "$P"
expect_match "system mode: grace message points to an administrator" "$OUT" \
    "INFO: MFA will be required in 3 days\. Ask an administrator to set it up for you \(pam-totp enrol --user $P\)\."

# --- Unknown users.
mod_conf "mfa = required"
run_at $t "nosuchuser-$$"
expect_eq "unknown user: PAM_USER_UNKNOWN" "$RES" $PAM_USER_UNKNOWN
run_at $t "../../etc/passwd"
expect_eq "path-like user name: PAM_USER_UNKNOWN" "$RES" $PAM_USER_UNKNOWN

# --- Configuration errors fail closed with PAM_SERVICE_ERR and say where.
mod_conf "mfa = required" "windw = 2"
run_at $t "$U" "$(code $t)"
expect_eq "unknown key in the file: PAM_SERVICE_ERR" "$RES" $PAM_SERVICE_ERR
mod_conf "mfa = sometimes"
run_at $t "$U" "$(code $t)"
expect_eq "bad value in the file: PAM_SERVICE_ERR" "$RES" $PAM_SERVICE_ERR
mod_conf "mfa = optional"
mod_service "window=eleven"
run_at $t "$U" "$(code $t)"
expect_eq "bad module argument: PAM_SERVICE_ERR" "$RES" $PAM_SERVICE_ERR
mod_service "frobnicate"
run_at $t "$U" "$(code $t)"
expect_eq "unknown module flag: PAM_SERVICE_ERR" "$RES" $PAM_SERVICE_ERR
chmod 0666 "$CONF"
mod_service
run_at $t "$U" "$(code $t)"
expect_eq "world-writable config: PAM_SERVICE_ERR" "$RES" $PAM_SERVICE_ERR
chmod 0644 "$CONF"
mod_stack "auth required $PT_MODULE config=$T_DIR/missing.conf state_dir=$STATE_DIR"
run_at $t "$U" "$(code $t)"
expect_eq "missing config named by config=: PAM_SERVICE_ERR" "$RC" $PAM_SERVICE_ERR
mod_service window=0
run_at $((t + 120)) "$U" "$(code $((t + 150)))"
expect_eq "module argument overrides the file (window=0 refuses next step)" "$RES" $PAM_AUTH_ERR

# debug: the decision is logged.
mod_service debug
run_at $((t + 600)) "$U" "$(code $((t + 600)))"
expect_eq "debug: still accepted" "$RES" success

syslog_sync
LOG=$(cat "$T_SYSLOG")
expect_match "debug logs the decision" "$LOG" "user $U: decision .*enrolled"
expect_match "exempt skip audited" "$LOG" "event=exempt_skip user=$U service=pt-test reason=exempt_user"
expect_match "exempt group skip audited" "$LOG" "event=exempt_skip user=$N .*reason=exempt_group"
expect_match "grace login audited" "$LOG" "event=grace_login user=$N .*grace_left=259200"
expect_match "policy denial audited" "$LOG" "event=policy_denial user=$N .*reason=no_enrolment"
expect_match "config error names file, line and key" "$LOG" "pam_totp\.conf:?( line )?2.*windw"
expect_match "bad argument named" "$LOG" "window"
finish
