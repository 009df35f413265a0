# End to end through a real OpenSSH server and client (root), enrolment at login (issue 5): with
# mfa=required and enrol_at_login=yes, a user with no enrolment logs in with the password, is shown
# the otpauth URI, a QR code and the secret inside the keyboard-interactive conversation, answers
# with a code computed from what was shown, gets backup codes, and is in; the next login asks for
# a code. An abandoned enrolment leaves nothing active. Also the grace countdown (enrol_grace_days).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"

sshd_init
U=pte$$
V=ptf$$
G=ptg$$
PW='Pw-enrol 9!k'
sshd_user "$U" "$PW"
sshd_user "$V" "$PW"
sshd_user "$G" "$PW"
pt_conf "mfa = required" "enrol_at_login = yes" "issuer = pam_totp-test" "deny = 20"
B=$(pt_base_epoch)
sshd_pam_password_totp
sshd_start keyboard-interactive "$B"
home=$(getent passwd "$U" | cut -d: -f6)

log "first login: enrolment inside the conversation"
expect_eq "no enrolment before" "$(cli status --json --user "$U" | jq -r .enrolled)" false
ask_set "$PW"   # no queued code: askpass computes one from the otpauth URI it was shown
expect_login "a user without enrolment enrols at login and gets in" "$U"
cp "$ASK_LOG" "$T_DIR/enrol-transcript"
all=$(cat "$ASK_LOG" "$SSH_ERR")
uri=$(printf '%s' "$all" | grep -ao 'otpauth://totp/[^ ]*' | tail -n1)
expect_match "the conversation showed an otpauth URI with the issuer" "$uri" '^otpauth://totp/.*[?&]issuer=pam_totp-test'
secret=$(printf '%s' "$uri" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
expect_match "the URI carries a base32 secret" "$secret" '^[A-Z2-7]{32,}$'
expect_match "the QR code was drawn with half blocks" "$all" '(▀|▄|█)'
# sshd names no terminal (PAM_TTY "ssh"), and the client would show control characters as text
# ("\033[30;47m"): the code comes without colour escapes.
expect_nomatch "no escape sequence reached the ssh client, raw or shown as text" "$all" $'\033|\\\\033'
expect_eq "the code the ssh client showed decodes to the URI on a dark terminal" \
    "$(printf '%s\n' "$all" | "$PT_TOOLS/pt-qr2pbm" utf8 | zbarimg --nodbus --raw -q - 2>/dev/null)" "$uri"
grouped=$(printf '%s' "$secret" | sed 's/.\{4\}/& /g; s/ $//')
expect_match "the secret was shown grouped for manual entry" "$all" "${grouped:0:9}"
mapfile -t codes < <(printf '%s' "$all" | grep -aoE '\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b' | sort -u)
expect_eq "10 backup codes were shown" "${#codes[@]}" 10
check "the enrolment file is the user's, mode 0600" \
    test "$(stat -c '%U %a' "$home/.pam_totp" 2>/dev/null)" = "$U 600"
expect_eq "pam-totp status: enrolled" "$(cli status --json --user "$U" | jq -r .enrolled)" true
check_not "the secret never reached sshd's log" sshd_log_has "$secret"

log "next login requires a code"
sshd_start keyboard-interactive $((B + 300))
ask_set "$PW" ""
expect_refused "the password alone no longer logs in" "$U"
expect_match "a verification code is asked for" "$(cat "$ASK_LOG")" 'Verification code: '
expect_nomatch "no second enrolment is offered" "$(cat "$ASK_LOG" "$SSH_ERR")" 'otpauth://'
ask_set "$PW" "$(totp_code "$secret" $((B + 300)))"
expect_login "password + a code from the enrolled secret logs in" "$U"
if [ "${#codes[@]}" -gt 0 ]; then
    ask_set "$PW" "${codes[0]}"
    expect_login "a backup code shown at enrolment logs in" "$U"
fi

log "an abandoned enrolment leaves nothing active"
sshd_start keyboard-interactive $((B + 600))
ask_set "$PW" 000000 000000 000000
expect_refused "three wrong codes during enrolment: refused" "$V"
expect_match "the enrolment conversation was shown" "$(cat "$ASK_LOG")" 'otpauth://'
expect_eq "no active enrolment after the failed one" "$(cli status --json --user "$V" | jq -r .enrolled)" false
ask_set "$PW" 000000 000000 000000
expect_refused "still refused without completing enrolment" "$V"
expect_match "enrolment is offered again" "$(cat "$ASK_LOG")" 'otpauth://'

log "grace period: required, not enrolled, enrol_grace_days=3"
sshd_pam_password_totp "enrol_grace_days=3" "enrol_at_login=no"
sshd_start keyboard-interactive $((B + 900))
ask_set "$PW"
expect_login "within grace the password alone logs in" "$G"
expect_match "a countdown says when MFA becomes required" "$(cat "$ASK_LOG" "$SSH_ERR")" '(2|3) days?'
expect_match "and how to enrol" "$(cat "$ASK_LOG" "$SSH_ERR")" 'pam-totp enrol'
sshd_start keyboard-interactive $((B + 900 + 4 * 86400))
ask_set "$PW" 000000
expect_refused "after the grace days the login is refused" "$G"
expect_match "the refusal says MFA is required" "$(cat "$ASK_LOG" "$SSH_ERR")" '(MFA|required)'

finish
