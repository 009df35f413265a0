# pam_totp.so through real libpam, stacked with the real pam_unix: forward_pass (one prompt for
# password and code), use_first_pass and try_first_pass (the code from PAM_AUTHTOK).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
command -v chpasswd >/dev/null || skip "chpasswd missing: run scripts/test.sh"
U=pttest-$$
N=pttestn-$$
mod_user "$U"
mod_user "$N"
PW="Pw-$$-secret"
printf '%s:%s\n' "$U" "$PW" "$N" "$PW" | chpasswd
enrol "$U"
M="$PT_MODULE config=$CONF state_dir=$STATE_DIR"
no_prompt() { ! grep -q '^PROMPT' <<<"$OUT"; }
t=$T0

# --- The one-prompt stack (pam_totp(8) ONE PROMPT): the forward_pass line asks and hands on,
# pam_unix checks the password, the plain line after it checks the handed code.
FWD=("auth required $M forward_pass" "auth requisite pam_unix.so use_first_pass nodelay"
    "auth required $M")
mod_stack "${FWD[@]}"
prompts() { printf '%s\n' "$OUT" | grep -c '^PROMPT' || true; }
# The whole conversation but the result line: what a client sees.
seen() { printf '%s\n' "$OUT" | grep -v '^RESULT'; }
failures_of() { state_text "$1" | sed -n 's/^failures = //p'; }
run_at $t "$U" "$PW$(code $t)"
expect_eq "one prompt: password + code accepted" "$RC" 0
expect_match "one prompt: the combined prompt" "$OUT" '^PROMPT_ECHO_OFF: Password & verification code: $'
expect_eq "one prompt: only one prompt" "$(prompts)" 1
t=$((t + 60))
run_at $t "$U" "$PW$(code $((t - 120)))"
expect_eq "one prompt: right password, wrong code refused" "$RC" $PAM_AUTH_ERR
expect_eq "one prompt: the wrong code counts (after the password)" "$(failures_of "$U" | tr ',' '\n' | grep -c .)" 1
t=$((t + 60))
run_at $t "$U" "$PW" "$(code $t)"
expect_eq "one prompt: no code typed: asked after the password passed" "$RC" 0
expect_eq "one prompt: the second prompt is for the code" "$(printf '%s\n' "$OUT" | grep '^PROMPT' | sed -n 2p)" \
    "PROMPT_ECHO_OFF: Verification code: "
t=$((t + 60))
run_at $t "$U" "wrong$(code $t)" "$(code $t)"
expect_eq "one prompt: wrong password + right code refused" "$RC" $PAM_AUTH_ERR
expect_eq "one prompt: a wrong password gets no second prompt" "$(prompts)" 1
run_at $t "$U" "$PW$(code $t)"
expect_eq "one prompt: the code sent with a wrong password still works (never checked)" "$RC" 0
t=$((t + 60))
run_at $t "$U" "$PW${BACKUP[0]}"
expect_eq "one prompt: password + grouped backup code accepted" "$RC" 0
run_at $t "$U" "$PW" "$(printf '%s' "${BACKUP[1]}" | tr -d - | tr A-Z a-z)"
expect_eq "one prompt: backup code in any spelling at the later prompt" "$RC" 0

# The attack: someone who knows only the name sends wrong-password + digits, more times than
# deny allows. Nothing is checked or counted, and the real user still logs in.
t=$((t + 60))
cp "$(state_of "$U")" "$T_DIR/state.before"
for i in 1 2 3 4 5 6 7; do
    run_at $t "$U" "wrong-password$(printf '%06d' "$i")"
    [ "$RC" != 0 ] || fail "attack attempt $i logged in"
done
check "attack: the state did not change at all (not a byte)" cmp -s "$(state_of "$U")" "$T_DIR/state.before"
run_at $t "$U" "$PW$(code $t)"
expect_eq "attack: the real user logs in afterwards" "$RC" 0
expect_nomatch "attack: and sees no lock message" "$OUT" 'locked'

# Every account sees the same conversation for a wrong password: unknown, unenrolled,
# enrolled, locked; under mfa = required (which denies the unenrolled one after the password).
L=pttestl-$$
mod_user "$L"
printf '%s:%s\n' "$L" "$PW" | chpasswd
UBACKUP=("${BACKUP[@]}")
enrol "$L"
BACKUP=("${UBACKUP[@]}")
mod_conf "mfa = required" "deny = 1"
t=$((t + 60))
run_at $t "$L" "$PW$(code $((t - 600)))"
expect_eq "locked user: locked by a wrong code after the right password" "$RC" $PAM_AUTH_ERR
t=$((t + 60))
run_at $t "$U" "wrong$(code $t)"; seen_enrolled=$(seen)
run_at $t "$N" "wrong$(code $t)"; seen_unenrolled=$(seen)
run_at $t "$L" "wrong$(code $t)"; seen_locked=$(seen)
run_at $t "nosuchuser-$$" "wrong$(code $t)"; seen_unknown=$(seen)
expect_eq "same prompt: enrolled" "$seen_enrolled" "PROMPT_ECHO_OFF: $(printf 'Password & verification code: ')"
expect_eq "same conversation: unenrolled as enrolled" "$seen_unenrolled" "$seen_enrolled"
expect_eq "same conversation: locked as enrolled" "$seen_locked" "$seen_enrolled"
expect_eq "same conversation: unknown as enrolled" "$seen_unknown" "$seen_enrolled"
# After the right password each gets its answer.
run_at $t "$L" "$PW$(code $t)"
expect_match "locked user, right password: the lock is told" "$OUT" 'locked'
run_at $t "$N" "$PW"
expect_eq "unenrolled user, mfa = required: denied after the password" "$RC" $PAM_AUTH_ERR
expect_match "unenrolled user: told after the password how to get MFA" "$OUT" 'pam-totp enrol'
# An unenrolled user whose password ends in digits: nothing is split off.
mod_conf "mfa = optional"
PWD6="Pw-$$-n654321"
printf '%s:%s\n' "$N" "$PWD6" | chpasswd
run_at $t "$N" "$PWD6"
expect_eq "unenrolled user, password ending in digits: logs in with one prompt" "$RC" 0
expect_eq "unenrolled user: one prompt" "$(prompts)" 1
printf '%s:%s\n' "$N" "$PW" | chpasswd
# Enrolment at login after the password step of the one-prompt stack.
mod_conf "mfa = required" "enrol_at_login = yes"
run_at $t "$N" "wrong"
expect_nomatch "one prompt + enrol_at_login: a wrong password shows no secret" "$OUT" 'otpauth://'
expect_eq "one prompt + enrol_at_login: and one prompt" "$(prompts)" 1
mod_conf "mfa = optional"

# --- use_first_pass: the code comes from PAM_AUTHTOK (set by an earlier module: pam_set_items).
mod_stack "$SET_ITEMS_LINE" "auth required $M use_first_pass" "auth required pam_unix.so use_first_pass"
t=$((T0 + 1200))
run_tok "$PW$(code $t)" $t "$U"
expect_eq "use_first_pass: code split off PAM_AUTHTOK, password handed on" "$RC" 0
check "use_first_pass: no prompt" no_prompt
t=$((t + 60))
run_tok "$PW$(code $((t - 600)))" $t "$U"
expect_eq "use_first_pass: wrong code refused" "$RC" $PAM_AUTH_ERR
check "use_first_pass: still no prompt after a wrong code" no_prompt
run_at $t "$U"
expect_eq "use_first_pass without PAM_AUTHTOK: refused" "$RC" $PAM_AUTH_ERR
check "use_first_pass without PAM_AUTHTOK: no prompt" no_prompt
mod_stack "$SET_ITEMS_LINE" "auth required $M use_first_pass"
run_tok "$(code $t)" $t "$U"
expect_eq "use_first_pass: PAM_AUTHTOK holding just the code" "$RC" 0
run_tok "${BACKUP[2]}" $t "$U"
expect_eq "use_first_pass: PAM_AUTHTOK holding just a backup code" "$RC" 0

# --- try_first_pass: pam_unix asks for the password first; the module asks for the code unless
# PAM_AUTHTOK already ends with one.
mod_stack "auth required pam_unix.so" "auth required $M try_first_pass"
t=$((T0 + 1800))
run_at $t "$U" "$PW" "$(code $t)"
expect_eq "try_first_pass after pam_unix: code asked and accepted" "$RC" 0
expect_eq "try_first_pass after pam_unix: two prompts" "$(printf '%s\n' "$OUT" | grep -c '^PROMPT')" 2
# A password ending in six digits looks like password+code; once refused, the module asks.
PW6="Pw-$$-x123456"
printf '%s:%s\n' "$U" "$PW6" | chpasswd
t=$((t + 60))
run_at $t "$U" "$PW6" "$(code $t)"
expect_eq "try_first_pass: password ending in digits, then the real code" "$RC" 0
expect_eq "try_first_pass: asked for the code after the digits were refused" \
    "$(printf '%s\n' "$OUT" | grep -c '^PROMPT_ECHO_OFF: Verification code: $')" 1
printf '%s:%s\n' "$U" "$PW" | chpasswd
mod_stack "$SET_ITEMS_LINE" "auth required $M try_first_pass"
t=$((t + 60))
run_tok "$(code $t)" $t "$U"
expect_eq "try_first_pass: a code in PAM_AUTHTOK is used without a prompt" "$RC" 0
check "try_first_pass: no prompt then" no_prompt
finish
