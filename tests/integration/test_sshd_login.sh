# End to end through a real OpenSSH server and client (root): password + code, public key + code,
# a wrong code, a replayed code and a code older than the last one accepted are refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"

sshd_init
U=ptl$$
PW='Pw-e2e 7#q'
sshd_user "$U" "$PW"
# deny high enough that this test's refusals never lock (lockout has its own test).
pt_conf "mfa = optional" "deny = 20" "window = 1" "issuer = pam_totp-test"
B=$(pt_base_epoch)
enrol_user "$U" $((B - 600))

log "phase 1: password + code (sshd clock at the start of step $((B / 30)))"
sshd_pam_password_totp
sshd_start keyboard-interactive "$B"

ask_set "$PW" "$(totp_code "$SECRET" "$B")"
expect_login "password + current code logs in" "$U"
expect_match "askpass was asked for the password" "$(cat "$ASK_LOG")" 'Password:'
expect_match "askpass was asked for a verification code" "$(cat "$ASK_LOG")" 'Verification code: '
expect_eq "sshd accepted keyboard-interactive/pam" "$(sshd_log_count "Accepted keyboard-interactive/pam for $U ")" 1

ask_set "$PW" "$(totp_code "$SECRET" "$B")"
expect_refused "the same code again (replay, same step) is refused" "$U"
expect_match "the client is told the code was already used" "$(cat "$ASK_LOG" "$SSH_ERR")" 'already used'

ask_set "$PW" "$(totp_code "$SECRET" $((B + 30)))"
expect_login "the next step's code (within window) is accepted" "$U"

ask_set "$PW" "$(totp_code "$SECRET" "$B")"
expect_refused "a code older than the last accepted one is refused" "$U"

code=$(totp_code "$SECRET" $((B + 3000)))
ask_set "$PW" "$code"
expect_refused "a code far outside the window is refused" "$U"
expect_eq "sshd logged each refusal as a failed keyboard-interactive/pam" \
    "$(sshd_log_count "Failed keyboard-interactive/pam for $U ")" 3
ask_set "$PW" "12345"
expect_refused "a five-digit answer is refused" "$U"

ask_set "wrong password" "$(totp_code "$SECRET" $((B + 30)))"
expect_refused "a wrong password with a valid code is refused" "$U"

ask_set "$PW" ""
expect_refused "an empty code is refused" "$U"

log "phase 2: public key + code (AuthenticationMethods publickey,keyboard-interactive)"
# The stack pam_totp(8) documents for key + code: common-auth replaced by pam_totp + pam_permit.
sshd_pam_stack \
    "auth required $PT_MODULE config=$PT_CONF state_dir=$PT_STATE" \
    "auth required pam_permit.so" \
    "account required pam_unix.so" \
    "session required pam_unix.so"
sshd_start publickey,keyboard-interactive $((B + 300))

ask_set "not asked" "$(totp_code "$SECRET" $((B + 300)))"
if ssh_login_pubkey "$U"; then ok "public key + code logs in"; else fail "public key + code"; _ssh_dump; fi
expect_nomatch "no password prompt after the key" "$(cat "$ASK_LOG")" 'Password:'
expect_match "a verification code was asked for" "$(cat "$ASK_LOG")" 'Verification code: '
expect_eq "sshd took the key as a partial success" "$(sshd_log_count "Partial publickey for $U ")" 1
expect_eq "then accepted keyboard-interactive/pam" "$(sshd_log_count "Accepted keyboard-interactive/pam for $U ")" 1

ask_set "not asked" "$(totp_code "$SECRET" $((B + 3000)))"
rc=0; ssh_login_pubkey "$U" || rc=$?
expect_eq "public key + wrong code is refused" "$rc" 255
expect_eq "the key alone is only a partial success" "$(sshd_log_count "Partial publickey for $U ")" 2

ask_set "not asked" "$(totp_code "$SECRET" $((B + 330)))"
rc=0; ssh_login "$U" || rc=$?
expect_eq "code without the key is refused (publickey is required first)" "$rc" 255

log "no code or secret reaches sshd's log"
for c in "$(totp_code "$SECRET" "$B")" "$(totp_code "$SECRET" $((B + 300)))" "$SECRET"; do
    check_not "sshd logs free of ${#c}-character secret material" sshd_log_has "$c"
done

finish
