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
no_prompt() { ! printf '%s\n' "$OUT" | grep -q '^PROMPT'; }
t=$T0

# --- forward_pass: pam_totp first, asking once; the password goes on to pam_unix.
mod_stack "auth required $M forward_pass" "auth required pam_unix.so use_first_pass"
run_at $t "$U" "$PW$(code $t)"
expect_eq "forward_pass: password + code accepted" "$RC" 0
expect_match "forward_pass: one combined prompt" "$OUT" '^PROMPT_ECHO_OFF: Password & verification code: $'
expect_eq "forward_pass: only one prompt" "$(printf '%s\n' "$OUT" | grep -c '^PROMPT')" 1
t=$((t + 60))
run_at $t "$U" "$PW$(code $((t - 120)))"
expect_eq "forward_pass: right password, wrong code refused" "$RC" $PAM_AUTH_ERR
t=$((t + 60))
run_at $t "$U" "wrong$(code $t)"
expect_eq "forward_pass: wrong password, right code refused (by pam_unix)" "$RC" $PAM_AUTH_ERR
t=$((t + 60))
run_at $t "$U" "$PW" "$(code $t)"
expect_eq "forward_pass: no code at the end: asked for it separately" "$RC" 0
expect_match "forward_pass: second prompt for the code" "$OUT" 'PROMPT_ECHO_OFF: Verification code: '
t=$((t + 60))
run_at $t "$U" "$PW${BACKUP[0]}"
expect_eq "forward_pass: password + grouped backup code accepted" "$RC" 0
run_at $t "$U" "$PW" "$(printf '%s' "${BACKUP[1]}" | tr -d - | tr A-Z a-z)"
expect_eq "forward_pass: backup code in any spelling at the second prompt" "$RC" 0
# A user who is not asked for a code: the password module must prompt itself (try_first_pass).
mod_stack "auth required $M forward_pass" "auth required pam_unix.so try_first_pass"
run_at $t "$N" "$PW"
expect_eq "forward_pass, user without MFA: pam_unix try_first_pass asks and accepts" "$RC" 0
# Enrolment at login would run before the password is checked: refused with forward_pass.
mod_conf "mfa = required" "enrol_at_login = yes"
mod_stack "auth required $M forward_pass" "auth required pam_unix.so try_first_pass"
run_at $t "$N" "$PW"
expect_eq "forward_pass + enrol_at_login: refused" "$RC" $PAM_AUTH_ERR
expect_nomatch "forward_pass + enrol_at_login: no secret shown" "$OUT" 'otpauth://'
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
