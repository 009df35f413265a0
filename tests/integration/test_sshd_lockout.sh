# End to end through a real OpenSSH server and client (root): a backup code works once (with the
# number left shown), a used one is refused; `deny` wrong codes lock the user, a locked user is
# refused even with the right code, the lock expires after unlock_time, and `pam-totp unlock` lifts it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"

sshd_init
U=ptk$$
PW='Pw-lock 3%z'
sshd_user "$U" "$PW"
pt_conf "mfa = optional" "deny = 2" "fail_interval = 900" "unlock_time = 600" "backup_codes = 5"
B=$(pt_base_epoch)
enrol_user "$U" $((B - 600))
expect_eq "the CLI made 5 backup codes" "${#BACKUP[@]}" 5

sshd_pam_password_totp
sshd_start keyboard-interactive "$B"

log "backup codes"
ask_set "$PW" "${BACKUP[0]}"
expect_login "a backup code logs in" "$U"
all="$(cat "$ASK_LOG" "$SSH_ERR")"
expect_match "the user is told 4 backup codes are left" "$all" '(^|[^0-9])4 [^0-9]*(backup|code)'

ask_set "$PW" "${BACKUP[0]}"
expect_refused "the same backup code a second time is refused" "$U"

# Case and separators do not matter: lower case, hyphens dropped, spaces instead.
b1=$(printf '%s' "${BACKUP[1]}" | tr '[:upper:]' '[:lower:]' | tr -d '-')
ask_set "$PW" "${b1:0:4} ${b1:4}"
expect_login "a backup code typed in lower case without hyphens logs in" "$U"
expect_match "3 left, with a warning to regenerate" "$(cat "$ASK_LOG" "$SSH_ERR")" '(^|[^0-9])3 [^0-9]*(backup|code)'
expect_match "the warning names the command" "$(cat "$ASK_LOG" "$SSH_ERR")" 'pam-totp backup-codes'
left=$(cli status --json --user "$U" | jq -r .backup_codes_left)
expect_eq "pam-totp status counts 3 codes left" "$left" 3

log "lockout after deny=2 failures"
ask_set "$PW" "$(totp_code "$SECRET" $((B + 3000)))"
expect_refused "first wrong code refused" "$U"
expect_eq "not locked after one failure" "$(cli status --json --user "$U" | jq -r .locked)" false
ask_set "$PW" "$(totp_code "$SECRET" $((B + 3000)))"
expect_refused "second wrong code refused" "$U"
expect_eq "locked after deny failures" "$(cli status --json --user "$U" | jq -r .locked)" true

ask_set "$PW" "$(totp_code "$SECRET" "$B")"
expect_refused "a locked user is refused with the right code" "$U"
expect_nomatch "no code is asked for while locked" "$(cat "$ASK_LOG")" 'Verification code'
expect_match "the user is told the account is locked" "$(cat "$ASK_LOG" "$SSH_ERR")" '[Ll]ock'
ask_set "$PW" "${BACKUP[2]}"
expect_refused "a locked user is refused with a backup code" "$U"

log "the lock expires after unlock_time (clock moved 11 minutes on)"
sshd_start keyboard-interactive $((B + 660))
ask_set "$PW" "$(totp_code "$SECRET" $((B + 660)))"
expect_login "after unlock_time the right code logs in again" "$U"

log "pam-totp unlock lifts a lock at once"
sshd_start keyboard-interactive $((B + 900))
ask_set "$PW" "000000"
expect_refused "wrong code" "$U"
ask_set "$PW" "000001"
expect_refused "wrong code again" "$U"
ask_set "$PW" "$(totp_code "$SECRET" $((B + 900)))"
expect_refused "locked again" "$U"
check "pam-totp unlock as root" cli unlock "$U"
expect_eq "status no longer locked" "$(cli status --json --user "$U" | jq -r .locked)" false
ask_set "$PW" "$(totp_code "$SECRET" $((B + 900)))"
expect_login "after unlock the right code logs in" "$U"

log "a success clears the failures: one wrong code after it does not lock"
ask_set "$PW" "000000"
expect_refused "one wrong code" "$U"
expect_eq "one failure after a success does not lock" "$(cli status --json --user "$U" | jq -r .locked)" false

finish
