# The one-prompt stack through a real OpenSSH server and client (root), pam_totp(8) ONE PROMPT:
#   auth required pam_totp.so forward_pass / auth requisite pam_unix.so use_first_pass /
#   auth required pam_totp.so
# One prompt, password + code logs in; a wrong password followed by digits, sent by someone who
# knows only the user name, reveals nothing (every account sees the same single prompt) and counts
# nothing: many such tries do not lock the account, and the real user then logs in.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"

sshd_init
U=ptop$$
N=ptopn$$
PW='Pw-one 5&k'
sshd_user "$U" "$PW"
sshd_user "$N" "$PW"
pt_conf "mfa = required" "deny = 3" "unlock_time = 600"
B=$(pt_base_epoch)
enrol_user "$U" $((B - 600))
M="$PT_MODULE config=$PT_CONF state_dir=$PT_STATE"
sshd_pam_stack \
    "auth required $M forward_pass" \
    "auth requisite pam_unix.so use_first_pass nodelay" \
    "auth required $M" \
    "account required pam_unix.so" \
    "session required pam_unix.so"
sshd_start keyboard-interactive "$B"

# The prompts askpass saw, without the "(user@127.0.0.1) " each starts with.
prompts_seen() { sed 's/^([^)]*) //' "$ASK_LOG"; }

ask_set "$PW$(totp_code "$SECRET" "$B")"
expect_login "password + code in one answer logs in" "$U"
expect_eq "exactly one prompt, the combined one" "$(prompts_seen | grep -v '<<<END>>>')" \
    "Password & verification code: "

log "the attack: wrong password + digits, more times than deny allows"
for i in 1 2 3 4 5; do
    ask_set "wrong-password$(printf '%06d' "$i")"
    expect_refused "attempt $i with a wrong password is refused" "$U"
    expect_eq "attempt $i: one prompt, no message" "$(prompts_seen | grep -v '<<<END>>>')" \
        "Password & verification code: "
    expect_nomatch "attempt $i: the client hears nothing of codes or locks" "$(cat "$SSH_ERR")" \
        '[Ll]ock|code|[Mm]ulti-factor'
done
expect_eq "the account is not locked" "$(cli status --json --user "$U" | jq -r .locked)" false
if [ -f "$PT_STATE/uid:$(id -u "$U")" ]; then
    expect_eq "no failure was recorded" "$(record_text "$PT_STATE/uid:$(id -u "$U")" | sed -n 's/^failures = //p')" ""
else
    ok "no failure was recorded (no state written)"
fi
sshd_start keyboard-interactive $((B + 300))
ask_set "$PW$(totp_code "$SECRET" $((B + 300)))"
expect_login "the real user logs in afterwards" "$U"

log "every account sees the same for a wrong password"
ask_set "wrong-password123456"
expect_refused "enrolled user" "$U"; enrolled=$(prompts_seen; cat "$SSH_ERR")
expect_refused "unenrolled user (mfa = required)" "$N"; unenrolled=$(prompts_seen; cat "$SSH_ERR")
expect_refused "unknown user" "nosuch$$"; unknown=$(prompts_seen; cat "$SSH_ERR")
strip() { printf '%s' "$1" | sed "s/$2/USER/g"; }
expect_eq "unenrolled sees what enrolled sees" "$(strip "$unenrolled" "$N")" "$(strip "$enrolled" "$U")"
expect_eq "unknown sees what enrolled sees" "$(strip "$unknown" "nosuch$$")" "$(strip "$enrolled" "$U")"

log "after the right password, the code counts and the lock is told"
ask_set "$PW$(totp_code "$SECRET" $((B + 3000)))"
expect_refused "right password, wrong code" "$U"
expect_eq "that failure counted" "$(record_text "$PT_STATE/uid:$(id -u "$U")" | sed -n 's/^failures = //p' | tr ',' '\n' | grep -c .)" 1
ask_set "$PW"
expect_refused "unenrolled user with the right password: denied (mfa = required)" "$N"
expect_match "and told, after the password, how to get MFA" "$(cat "$ASK_LOG" "$SSH_ERR")" 'pam-totp enrol'

log "no code typed: the code is asked after the password passed"
sshd_start keyboard-interactive $((B + 600))
ask_set "$PW" "$(totp_code "$SECRET" $((B + 600)))"
expect_login "password alone, then the code at a second prompt" "$U"
expect_eq "the second prompt asks for the code" "$(prompts_seen | grep -v '<<<END>>>' | sed -n 2p)" \
    "Verification code: "
finish
