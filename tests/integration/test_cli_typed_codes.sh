# pam-totp takes codes as people type them ("123 456", "123-456", "1234 5678") in every --verify
# and --code; a code with the wrong number of digits says how many the app shows; a code of a step
# minutes away says the clock looks off, by how much and what to do, and is still refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
U=ptty$$
new_user "$U"
T=1767225605

# begin USER EPOCH: a pending enrolment at EPOCH; sets S to its secret.
begin() { S=$(at "$2" "$PT_CLI" --config "$CONF" enrol --begin --json --user "$1" | jq -r .secret); }
grouped() { local c=$1 sep=$2 n=$(( ${#1} / 2 )); printf '%s%s%s' "${c:0:n}" "$sep" "${c:n}"; }

log "enrol --verify"
begin "$U" $T
run 1 "five digits refused" at $T "$PT_CLI" --config "$CONF" enrol --verify 12345 --user "$U"
expect_match "says the app's code has 6 digits" "$(cat "$ERR")" "it has 5 digits, the app's codes have 6"
run 1 "a code 5 minutes ahead refused" at $T "$PT_CLI" --config "$CONF" enrol --verify "$(totp_code "$S" $((T + 300)))" --user "$U"
expect_match "says the phone looks 5 minutes ahead" "$(cat "$ERR")" "phone's clock looks 5 minutes ahead of this computer's"
expect_match "and what to do" "$(cat "$ERR")" 'automatic date and time on the phone.*timedatectl'
run 1 "a code 12 minutes behind refused" at $T "$PT_CLI" --config "$CONF" enrol --verify "$(totp_code "$S" $((T - 720)))" --user "$U"
expect_match "says the phone looks 12 minutes behind" "$(cat "$ERR")" "looks 12 minutes behind"
run 1 "a code 20 minutes off: plain refusal" at $T "$PT_CLI" --config "$CONF" enrol --verify "$(totp_code "$S" $((T + 1200)))" --user "$U"
expect_nomatch "no clock estimate" "$(cat "$ERR")" 'minutes ahead|minutes behind'
run 0 "\"123 456\" activates" at $T "$PT_CLI" --config "$CONF" enrol --verify "$(grouped "$(totp_code "$S" $T)" ' ')" --user "$U"

log "--code as root goes through the runtime state"
t=$((T + 60))
run 1 "root backup-codes with 7 digits" at $t "$PT_CLI" --config "$CONF" backup-codes --code 1234567 --user "$U"
expect_match "says 6 digits" "$(cat "$ERR")" "it has 7 digits, the app's codes have 6"
run 0 "root backup-codes --code \"123-456\"" at $t "$PT_CLI" --config "$CONF" backup-codes --code "$(grouped "$(totp_code "$S" $t)" -)" --user "$U"

log "--code as the user (stateless)"
t=$((T + 120))
run 1 "the user's backup-codes with 5 digits" at $t runuser -u "$U" -- "$PT_CLI" --config "$CONF" backup-codes --code 12345
expect_match "says 6 digits" "$(cat "$ERR")" "it has 5 digits, the app's codes have 6"
run 0 "the user's backup-codes --code \"123 456\"" at $t runuser -u "$U" -- "$PT_CLI" --config "$CONF" backup-codes --code "$(grouped "$(totp_code "$S" $t)" ' ')"

log "8 digits: \"1234 5678\""
U8=ptt8$$
new_user "$U8"
write_conf "digits = 8"
begin "$U8" $T
run 1 "six digits for an 8-digit enrolment" at $T "$PT_CLI" --config "$CONF" enrol --verify 123456 --user "$U8"
expect_match "says 8 digits" "$(cat "$ERR")" "it has 6 digits, the app's codes have 8"
run 0 "\"1234 5678\" activates" at $T "$PT_CLI" --config "$CONF" enrol --verify "$(grouped "$(totp_code "$S" $T --digits=8)" ' ')" --user "$U8"
t=$((T + 60))
run 0 "\"1234-5678\" as --code" at $t "$PT_CLI" --config "$CONF" backup-codes --code "$(grouped "$(totp_code "$S" $t --digits=8)" -)" --user "$U8"
finish
