#!/usr/bin/env bash
# Every directory from "/" down is checked (issue 10 item 3), through real libpam with a real
# group member as the attacker. On the release that checked only the last directory:
#  - state_dir inside a root:group 0775 directory: the member renamed the state directory away
#    and a used code worked again;
#  - a system-mode enrolment directory inside one: renaming it away made the user "not
#    enrolled", logged in without a code;
#  - the config's directory inside one: renaming it away broke every login.
# Now each of these setups fails closed, naming the unsafe directory; nothing is created below
# it; a sticky directory such as /tmp stays usable, and a name squatted in it is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
U=ptpa-user
MB=ptpa-member
G=ptpa-grp
mod_user "$U"
groupdel "$G" >/dev/null 2>&1 || true
groupadd "$G"
on_exit "groupdel $G >/dev/null 2>&1"
userdel -r "$MB" >/dev/null 2>&1 || true
useradd -m -s /bin/sh -G "$G" "$MB"
on_exit "userdel -r $MB >/dev/null 2>&1"
as_member() { setpriv --reuid="$MB" --regid="$(id -g "$MB")" --init-groups "$@"; }
# shared DIR: a directory root owns and the group may write (the mistake under test).
shared() { mkdir -p "$1"; chown root:"$G" "$1"; chmod 0775 "$1"; }
enrol "$U"

# --- state_dir below a group-writable directory.
P=$T_DIR/shared-state
shared "$P"
mkdir -m 0711 "$P/state"
STATE_DIR=$P/state
mod_service
t=$T0
c=$(code $t)
from=$(syslog_lines)
run_at $t "$U" "$c"
expect_eq "state_dir below a group-writable directory: fails closed" "$RES" $PAM_AUTHINFO_UNAVAIL
check "syslog names the unsafe directory and the fix" syslog_wait "$P: directory mode 0775 lets its group rename.*chmod go-w $P" "$from"
as_member mv "$P/state" "$P/gone" 2>/dev/null || true
run_at $((t + 1)) "$U" "$c"
expect_eq "after the member renamed the state directory away, the code is still refused" "$RES" $PAM_AUTHINFO_UNAVAIL
rm -rf "$P/state" "$P/gone"
run_at $((t + 2)) "$U" "$(code $t)"
check_not "a missing state_dir is never created below the unsafe directory" test -e "$P/state"
chmod 0755 "$P"
run_at $((t + 30)) "$U" "$(code $((t + 30)))"
expect_eq "the directory made safe: the login works and creates state_dir" "$RES" success
check "state_dir created" test -d "$P/state"
run_at $((t + 31)) "$U" "$(code $((t + 30)))"
expect_eq "and the used code is refused" "$RES" $PAM_AUTH_ERR

# --- A sticky directory (like /tmp) is safe for a root-owned entry below it; a name squatted
# in it by a user is refused.
S=$T_DIR/sticky
mkdir -m 1777 "$S"
chmod 1777 "$S"
STATE_DIR=$S/state
mod_service
run_at $((t + 60)) "$U" "$(code $((t + 60)))"
expect_eq "state_dir below a sticky directory: works" "$RES" success
as_member mkdir -m 0711 "$S/squat"
STATE_DIR=$S/squat
mod_service
from=$(syslog_lines)
run_at $((t + 90)) "$U" "$(code $((t + 90)))"
expect_eq "state_dir a user made first in the sticky directory: fails closed" "$RES" $PAM_AUTHINFO_UNAVAIL
check "syslog says whose it is" syslog_wait "$S/squat: directory owned by uid $(id -u "$MB")" "$from"
STATE_DIR=$T_DIR/state
mod_service

# --- A system-mode enrolment directory below a group-writable directory.
P2=$T_DIR/shared-enrol
mkdir -m 0755 "$P2" "$P2/enrol"
chmod 0700 "$P2/enrol"
mod_conf "mfa = optional" "enrolment_file = $P2/enrol/%u"
enrol "$U"
t=$((T0 + 600))
run_at $t "$U" "$(code $t)"
expect_eq "system mode, safe directories: the login asks and works" "$RES" success
shared "$P2"
from=$(syslog_lines)
run_at $((t + 30)) "$U" "$(code $((t + 30)))"
expect_eq "system mode, enrolment directory below a group-writable one: fails closed" "$RES" $PAM_AUTHINFO_UNAVAIL
check "syslog names the unsafe directory" syslog_wait "$P2: directory mode 0775" "$from"
as_member mv "$P2/enrol" "$P2/gone"
run_at $((t + 60)) "$U"
expect_eq "after the member renamed the enrolment directory away: still closed, never 'not enrolled'" "$RES" $PAM_AUTHINFO_UNAVAIL
check_not "no prompt-less success" test "$RES" = ignore
rc=0
out=$("$PT_CLI" --config "$CONF" status --user "$U" 2>&1) || rc=$?
expect_eq "pam-totp status fails too (system error)" "$rc" 3
expect_match "pam-totp status names the unsafe directory" "$out" "$P2"
mv "$P2/gone" "$P2/enrol"
chmod 0755 "$P2"

# --- The config file's directory below a group-writable directory.
P3=$T_DIR/shared-conf
shared "$P3"
mkdir -m 0755 "$P3/etc"
printf 'mfa = required\n' >"$P3/etc/pam_totp.conf"
chmod 0644 "$P3/etc/pam_totp.conf"
mod_stack "auth [success=1 ignore=2 default=die] $PT_MODULE config=$P3/etc/pam_totp.conf state_dir=$STATE_DIR enrolment_file=$P2/enrol/%u" \
    "auth requisite pam_deny.so" \
    "auth [default=done] pam_echo.so PT-RESULT=success" \
    "auth [default=done] pam_echo.so PT-RESULT=ignore"
from=$(syslog_lines)
run_at $((t + 120)) "$U" "$(code $((t + 120)))"
expect_eq "config below a group-writable directory: fails closed" "$RES" $PAM_SERVICE_ERR
check "syslog names the unsafe directory" syslog_wait "$P3: directory mode 0775.*chmod go-w $P3" "$from"
as_member mv "$P3/etc" "$P3/gone"
run_at $((t + 150)) "$U" "$(code $((t + 150)))"
expect_eq "after the member renamed its directory away: the same refusal" "$RES" $PAM_SERVICE_ERR
mv "$P3/gone" "$P3/etc"
rc=0
out=$("$PT_CLI" --config "$P3/etc/pam_totp.conf" status --user "$U" 2>&1) || rc=$?
check "pam-totp refuses the config too (exit $rc)" test "$rc" -ne 0
expect_match "pam-totp names the unsafe directory" "$out" "$P3"
chmod 0755 "$P3"
run_at $((t + 180)) "$U" "$(code $((t + 180)))"
expect_eq "the directory made safe: the login works" "$RES" success
finish
