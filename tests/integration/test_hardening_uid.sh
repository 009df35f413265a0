#!/usr/bin/env bash
# Runtime state belongs to the uid (issue 10 items 5 and 9), through real libpam with real
# users sharing a uid (useradd -o):
#  - home mode, one home: a code or backup code one name used is refused for the other, and a
#    lock made through one name holds for the other (on the release that kept state by name,
#    the second name logged in with the same code, and while the first was locked);
#  - system mode (%u), one enrolment per name: each name's used backup codes stay used however
#    the logins alternate;
#  - an upgrade: a record the previous release kept by name (state_dir/NAME) is honoured (its
#    used step and backup code stay used, its lock stays until unlocked), merged into the uid's
#    record and then removed;
#  - what another user can learn: stat state_dir/uid:N, not its content, not the list, not the
#    lock.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
U1=ptuid-one
U2=ptuid-two
mod_user "$U1"
H1=$(getent passwd "$U1" | cut -d: -f6)
userdel "$U2" >/dev/null 2>&1 || true
useradd -o -u "$(id -u "$U1")" -g "$(id -g "$U1")" -d "$H1" -M -s /bin/sh "$U2"
on_exit "userdel $U2 >/dev/null 2>&1"
mod_conf "mfa = optional" "deny = 3" "unlock_time = 600" "state_dir = $STATE_DIR"
mod_service
enrol "$U1"
pt() { "$PT_CLI" --config "$CONF" "$@"; }

# --- Home mode: two names, one uid, one home, one enrolment.
t=$T0
c=$(code $t)
run_at $t "$U1" "$c"
expect_eq "$U1 logs in with a code" "$RES" success
run_at $((t + 1)) "$U2" "$c"
expect_eq "the same code is refused for $U2 (same uid)" "$RES" $PAM_AUTH_ERR
run_at $((t + 2)) "$U1" "${BACKUP[0]}"
expect_eq "$U1 logs in with a backup code" "$RES" success
run_at $((t + 3)) "$U2" "${BACKUP[0]}"
expect_eq "that backup code is refused for $U2" "$RES" $PAM_AUTH_ERR
t=$((T0 + 300))
for w in 000000 000001 000002; do run_at $t "$U1" "$w"; done
expect_match "three wrong codes lock $U1" "$OUT" "locked"
run_at $((t + 30)) "$U2" "$(code $((t + 30)))"
expect_eq "$U2 is locked too, even with the right code" "$RES" $PAM_AUTH_ERR
expect_match "$U2 is told about the lock" "$OUT" "locked"
expect_eq "one record for both names" "$(find "$STATE_DIR" -maxdepth 1 -name 'uid:*' | wc -l)" 1
pt unlock "$U2" >/dev/null
run_at $((t + 60)) "$U1" "$(code $((t + 60)))"
expect_eq "unlocking either name unlocks the account" "$RES" success

# --- System mode, an enrolment per name: used backup codes stay used across alternation.
mkdir -m 0700 "$T_DIR/enrol"
mod_conf "mfa = optional" "deny = 1000" "state_dir = $STATE_DIR" "enrolment_file = $T_DIR/enrol/%u"
mapfile -t B1 < <("$MKENROL" "$U1" "$SECRET" "config=$CONF")
mapfile -t B2 < <("$MKENROL" "$U2" "$SECRET" "config=$CONF")
t=$((T0 + 900))
run_at $t "$U1" "${B1[0]}"
expect_eq "system mode: $U1 uses a backup code of his set" "$RES" success
run_at $((t + 1)) "$U2" "${B2[0]}"
expect_eq "system mode: $U2 uses a backup code of his own set" "$RES" success
run_at $((t + 2)) "$U1" "${B1[0]}"
expect_eq "system mode: $U1's used code stays used after $U2's login" "$RES" $PAM_AUTH_ERR
run_at $((t + 3)) "$U2" "${B2[0]}"
expect_eq "system mode: $U2's used code stays used after $U1's login" "$RES" $PAM_AUTH_ERR
run_at $((t + 4)) "$U1" "${B1[1]}"
expect_eq "system mode: $U1's other codes still work" "$RES" success
expect_match "the record keeps the other name's used codes" "$(state_text "$U1")" "^other_used = [0-9a-f]{32}:0"

# --- An upgrade: records the previous release kept by name.
U3=ptuid-three
U4=ptuid-four
mod_user "$U3"
mod_user "$U4"
mod_conf "mfa = optional" "deny = 3" "unlock_time = 600" "state_dir = $STATE_DIR"
mapfile -t B3 < <("$MKENROL" "$U3" "$SECRET" "config=$CONF")
"$MKENROL" "$U4" "$SECRET" "config=$CONF" >/dev/null
# old_record USER LAST_STEP USED LOCK_UNTIL: state_dir/USER exactly as the previous release
# wrote it (root:<primary group> 0640).
old_record() {
    local u=$1 id
    id=$(sed -n 's/^id = //p' "$(getent passwd "$u" | cut -d: -f6)/.pam_totp")
    printf 'version = 1\nenrolment = %s\nlast_step = %s\nused = %s\nfailures = \nlock_until = %s\nfirst_required = 0\nstep_period = 30\n' \
        "$id" "$2" "$3" "$4" >"$STATE_DIR/$u"
    chown root:"$(id -g "$u")" "$STATE_DIR/$u"
    chmod 0640 "$STATE_DIR/$u"
}
t=$((T0 + 1800))
old_record "$U3" $((t / 30)) 0 0
old_record "$U4" -1 "" -1
run_at $t "$U3" "$(code $t)"
expect_eq "upgrade: the step the old record used is refused" "$RES" $PAM_AUTH_ERR
run_at $((t + 1)) "$U3" "${B3[0]}"
expect_eq "upgrade: the backup code the old record used is refused" "$RES" $PAM_AUTH_ERR
check_not "upgrade: the old record is gone once merged" test -e "$STATE_DIR/$U3"
rec=$(state_text "$U3")
expect_match "upgrade: the uid's record holds the old step" "$rec" "last_step = $((t / 30))"
expect_match "upgrade: the uid's record holds the old used code" "$rec" "used = 0"
check "upgrade: the merge is logged" syslog_wait "$STATE_DIR/$U3: merged into $STATE_DIR/uid:$(id -u "$U3") and removed"
run_at $((t + 30)) "$U3" "$(code $((t + 30)))"
expect_eq "upgrade: a newer code works" "$RES" success

run_at $t "$U4" "$(code $t)"
expect_eq "upgrade: an old lock (until an admin unlocks) stays" "$RES" $PAM_AUTH_ERR
expect_match "upgrade: the user is told" "$OUT" "locked until an administrator"
expect_match "upgrade: status shows the old lock" "$(pt status --json --user "$U4")" '"locked": *true'
pt unlock "$U4" >/dev/null
check_not "upgrade: unlock merged and removed the old record" test -e "$STATE_DIR/$U4"
run_at $((t + 30)) "$U4" "$(code $((t + 30)))"
expect_eq "upgrade: unlocked, the user logs in" "$RES" success
old_record "$U4" -1 "" -1
pt reset "$U4" --yes >/dev/null
check_not "reset removes an old record as well" test -e "$STATE_DIR/$U4"

# --- What other users can learn (SECURITY.md says exactly this).
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }
UID3=$(id -u "$U3")
check "another user can stat state_dir/uid:N (it says the uid has a record)" as "$U4" stat "$STATE_DIR/uid:$UID3"
check_not "another user cannot read it" as "$U4" cat "$STATE_DIR/uid:$UID3"
check_not "another user cannot list state_dir" as "$U4" ls "$STATE_DIR"
check_not "another user cannot stat a lock" as "$U4" stat "$STATE_DIR/locks:/$UID3"
check_not "the user cannot open their own lock" as "$U3" cat "$STATE_DIR/locks:/$UID3"
check "the user can read their own record" as "$U3" cat "$STATE_DIR/uid:$UID3"
finish
