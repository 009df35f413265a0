# System mode (issue 5): enrolment_file outside home directories makes enrolments root-owned. The
# user can neither read, replace nor remove theirs; `pam-totp enrol` by the user explains what to do;
# root enrols for them; a sudo-like stack (through libpam with pt-pam_harness) and sshd require the
# code; enrolment at login writes a root-owned file; a home-mode enrolment moved into place by an
# admin (the documented switch) works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"

sshd_init
U=pts$$
W=ptw$$
H=pth$$
PW='Pw-system 5^m'
sshd_user "$U" "$PW"
sshd_user "$W" "$PW"
sshd_user "$H" "$PW"
ENROL_DIR="$T_DIR/enrol"
pt_conf "mfa = required" "enrolment_file = $ENROL_DIR/%u" "issuer = pam_totp-test" "deny = 20"
B=$(pt_base_epoch)

log "root enrols a user (pam-totp enrol --user)"
enrol_user "$U" $((B - 600))
f="$ENROL_DIR/$U"
expect_eq "the enrolment file is root's, mode 0600" "$(stat -c '%U %G %a' "$f" 2>/dev/null)" "root root 600"
check "its directory is root's and not writable by others" \
    test "$(stat -c '%U' "$ENROL_DIR")" = root -a "$(( 0$(stat -c '%a' "$ENROL_DIR") & 022 ))" -eq 0
check "no enrolment was written into the home directory" test ! -e "$(getent passwd "$U" | cut -d: -f6)/.pam_totp"

log "the user cannot read, replace or remove it"
as_user() { runuser -u "$U" -- "$@" 2>/dev/null; }
check_not "the user cannot read the enrolment" as_user cat "$f"
check_not "the user cannot list the enrolment directory" as_user ls "$ENROL_DIR"
check_not "the user cannot remove it" as_user rm -f "$f"
check_not "the user cannot overwrite it" as_user sh -c ": > '$f'"
check_not "the user cannot put a file of their own in the directory" as_user sh -c ": > '$ENROL_DIR/x'"
check "the enrolment file is still there, unchanged owner" test "$(stat -c %U "$f")" = root
rc=0
out=$(runuser -u "$U" -- "$PT_CLI" --config "$PT_CONF" enrol --qr=none 2>&1 </dev/null) || rc=$?
expect_eq "pam-totp enrol by the user is refused (exit 1)" "$rc" 1
expect_match "and says enrolment is done at login or by an administrator" "$out" '(administrator|admin|root|login)'

log "a sudo-like stack (password, then pam_totp) through libpam"
mkdir -p "$T_DIR/pam.d"
printf '%s\n' "auth required pam_unix.so" \
    "auth required $PT_MODULE config=$PT_CONF state_dir=$PT_STATE" \
    "account required pam_unix.so" >"$T_DIR/pam.d/pt-sudo"
harness() { pam_at "$1" "$PT_TOOLS/pt-pam_harness" --confdir "$T_DIR/pam.d" --service pt-sudo "${@:2}"; }
rc=0; out=$(harness "$B" "$U" "$PW" "$(totp_code "$SECRET" "$B")") || rc=$?
expect_eq "password + code: PAM_SUCCESS" "$rc" 0
expect_match "the code was asked for" "$out" 'PROMPT_ECHO_OFF: Verification code: '
rc=0; out=$(harness "$B" "$U" "$PW" "$(totp_code "$SECRET" $((B + 3000)))") || rc=$?
expect_eq "password + wrong code: PAM_AUTH_ERR" "$rc" 7
rc=0; out=$(harness "$B" "$U" "$PW") || rc=$?
check "password without a code is not enough" test "$rc" -ne 0
rc=0; out=$(harness "$B" "$U" "$PW" "$(totp_code "$SECRET" "$B")") || rc=$?
expect_eq "the same code again (replay) refused" "$rc" 7
rc=0; out=$(harness "$B" "$U" "$PW" "${BACKUP[0]}") || rc=$?
expect_eq "a backup code: PAM_SUCCESS" "$rc" 0

log "sshd in system mode"
sshd_pam_password_totp
sshd_start keyboard-interactive $((B + 300))
ask_set "$PW" "$(totp_code "$SECRET" $((B + 300)))"
expect_login "password + code over ssh" "$U"
ask_set "$PW" ""
expect_refused "password alone over ssh refused" "$U"

log "enrolment at login in system mode writes a root-owned file"
sshd_pam_password_totp "enrol_at_login=yes"
sshd_start keyboard-interactive $((B + 600))
ask_set "$PW"
expect_login "a user without enrolment enrols at login" "$W"
expect_eq "the new enrolment is root's, mode 0600" "$(stat -c '%U %a' "$ENROL_DIR/$W" 2>/dev/null)" "root 600"
check "nothing was written into the user's home" test ! -e "$(getent passwd "$W" | cut -d: -f6)/.pam_totp"

log "switching a user from home mode to system mode (as pam_totp(8) documents)"
HOME_CONF="$T_DIR/home.conf"
printf '%s\n' "mfa = required" "issuer = pam_totp-test" >"$HOME_CONF"
begin=$(at $((B - 600)) "$PT_CLI" --config "$HOME_CONF" enrol --begin --json --user "$H")
hsecret=$(printf '%s' "$begin" | jq -r .secret)
at $((B - 600)) "$PT_CLI" --config "$HOME_CONF" enrol --verify "$(totp_code "$hsecret" $((B - 600)))" --user "$H" >/dev/null
hhome=$(getent passwd "$H" | cut -d: -f6)
check "home-mode enrolment made" test -f "$hhome/.pam_totp"
install -o root -g root -m 0600 "$hhome/.pam_totp" "$ENROL_DIR/$H" && rm -f "$hhome/.pam_totp"
ask_set "$PW" "$(totp_code "$hsecret" $((B + 600)))"
expect_login "the moved enrolment works in system mode" "$H"

finish
