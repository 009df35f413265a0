# pam_totp.so through real libpam: lockout after `deny` failures within `fail_interval`, refusal
# without checking while locked, expiry after `unlock_time`, unlock by an administrator, and
# the failures window.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
U=pttest-$$
mod_user "$U"
mod_conf "mfa = optional" "deny = 3" "fail_interval = 900" "unlock_time = 600" "state_dir = $STATE_DIR"
mod_service
enrol "$U"
ST=$(state_of "$U")
no_prompt() { ! grep -q '^PROMPT' <<<"$OUT"; }

# --- Fewer than deny failures, then a success: the failures are cleared.
t=$T0
run_at $t "$U" 111111
run_at $t "$U" 222222
expect_eq "two failures: still refused, not locked" "$RES" $PAM_AUTH_ERR
expect_nomatch "two failures: no lock message" "$OUT" locked
run_at $t "$U" "$(code $t)"
expect_eq "correct code after two failures accepted" "$RES" success
expect_match "failures cleared by the success" "$(cat "$ST")" '^failures = ?$'

# --- deny failures lock the account.
t=$((T0 + 300))
run_at $t "$U" 111111
run_at $t "$U" 222222
run_at $t "$U" 333333
expect_eq "third failure refused" "$RES" $PAM_AUTH_ERR
expect_match "third failure: told it is locked and for how long" "$OUT" 'now locked for 10 minutes\.'
expect_match "lock recorded durably" "$(cat "$ST")" "lock_until = $((t + 600))"
before=$(grep '^last_step' "$ST")

# While locked: no prompt, nothing checked, even the right code.
run_at $((t + 60)) "$U" "$(code $((t + 60)))"
expect_eq "locked: refused" "$RES" $PAM_AUTH_ERR
check "locked: not even asked" no_prompt
expect_match "locked: time left shown" "$OUT" 'locked\. Try again in 9 minutes\.'
expect_eq "locked: nothing verified (last_step unchanged)" "$(grep '^last_step' "$ST")" "$before"
run_at $((t + 60)) --silent "$U"
expect_eq "locked under PAM_SILENT: refused" "$RC" $PAM_AUTH_ERR
expect_nomatch "locked under PAM_SILENT: no message" "$OUT" '^(INFO|ERROR):'
expect_match "locked under PAM_SILENT (sudo): the lock is said in a prompt, which PAM_SILENT keeps" \
    "$OUT" '^PROMPT_ECHO_ON: Too many failed verification attempts: this account is locked\. Try again in 9 minutes\. Press Enter: $'
run_at $((t + 60)) --silent "$U" ""
expect_eq "  answered with Enter: still refused" "$RC" $PAM_AUTH_ERR

# After unlock_time the lock is gone.
run_at $((t + 601)) "$U" "$(code $((t + 601)))"
expect_eq "after unlock_time: accepted" "$RES" success

# --- Failures older than fail_interval do not count.
t=$((T0 + 3000))
run_at $t "$U" 111111
run_at $t "$U" 222222
run_at $((t + 901)) "$U" 333333
expect_nomatch "failures outside fail_interval: no lock" "$OUT" locked
run_at $((t + 902)) "$U" "$(code $((t + 902)))"
expect_eq "not locked: accepted" "$RES" success

# --- unlock_time = 0: locked until an administrator unlocks.
mod_conf "mfa = optional" "deny = 3" "fail_interval = 900" "unlock_time = 0" "state_dir = $STATE_DIR"
t=$((T0 + 6000))
for a in 111111 222222 333333; do run_at $t "$U" $a; done
expect_match "unlock_time=0: locked until an administrator unlocks" "$OUT" 'locked until an administrator unlocks it'
expect_match "state says until unlocked" "$(cat "$ST")" 'lock_until = -1'
run_at $((t + 30 * 86400)) "$U" "$(code $((t + 30 * 86400)))"
expect_eq "still locked a month later" "$RES" $PAM_AUTH_ERR
expect_match "message names the unlock command" "$OUT" "pam-totp unlock $U"
if [ -x "$PT_CLI" ]; then
    check "pam-totp unlock succeeds" "$PT_CLI" --config "$CONF" unlock "$U"
else
    fail "the pam-totp command was not built"
fi
run_at $((t + 30 * 86400 + 30)) "$U" "$(code $((t + 30 * 86400 + 30)))"
expect_eq "after pam-totp unlock: accepted" "$RES" success

# --- Backup codes and malformed answers count too; a lock stops backup codes as well.
t=$((T0 + 40 * 86400))
mod_conf "mfa = optional" "deny = 3" "fail_interval = 900" "unlock_time = 600" "state_dir = $STATE_DIR"
run_at $t "$U" "ZZZZ-ZZZZ-ZZZZ"
run_at $t "$U" "not a code"
run_at $t "$U" "$(code $((t - 3600)))"
expect_match "wrong backup code, malformed and stale code lock" "$OUT" 'now locked'
run_at $t "$U" "${BACKUP[0]}"
expect_eq "locked: a valid backup code is not even asked for" "$RES" $PAM_AUTH_ERR
run_at $((t + 601)) "$U" "${BACKUP[0]}"
expect_eq "lock over: the backup code works (it was not spent while locked)" "$RES" success

# --- A right code that was already used (the app still shows it) is refused with its message
# but never counts toward the lock: deny = 3 replays in a row lock nothing, and a wrong code
# after them is only the first failure. A used backup code likewise.
t=$((T0 + 50 * 86400))
run_at $t "$U" "$(code $t)"
expect_eq "a fresh code is accepted" "$RES" success
for i in 1 2 3 4; do run_at $t "$U" "$(code $t)"; done
expect_eq "the same code again: refused" "$RES" $PAM_AUTH_ERR
expect_match "the user is told it was already used" "$OUT" 'already used\. Wait for the next code'
expect_nomatch "four replays lock nothing" "$OUT" 'locked'
expect_match "no failure recorded for the replays" "$(cat "$ST")" '^failures = ?$'
run_at $t "$U" "${BACKUP[0]}"
expect_match "a used backup code: told so" "$OUT" 'backup code was already used'
expect_match "and not counted" "$(cat "$ST")" '^failures = ?$'
run_at $t --silent "$U" "$(code $t)" "$(code $t)"
expect_match "under PAM_SILENT a replay is said in the next prompt" "$OUT" \
    "^PROMPT_ECHO_OFF: That code was already used: wait for the app's next code\\. Verification code: \$"
expect_eq "  asked once more only, then refused" "$RES" $PAM_AUTH_ERR
expect_match "  still not counted" "$(cat "$ST")" '^failures = ?$'
run_at $t "$U" 111111
expect_match "a wrong code after them is the first failure" "$(cat "$ST")" "^failures = $t\$"
run_at $((t + 30)) "$U" "$(code $((t + 30)))"
expect_eq "the next code logs in" "$RES" success

syslog_sync
LOG=$(cat "$T_SYSLOG")
expect_match "replays audited with their reason" "$LOG" "event=login_failed user=$U .*reason=replay"

expect_match "lock audited" "$LOG" "event=locked user=$U .*failures=3"
expect_match "refusal while locked audited" "$LOG" "event=login_failed user=$U .*reason=locked"
finish
