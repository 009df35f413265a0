# Codes for user-run commands stay off the command line, and a code a user-run command accepted
# never logs in afterwards (pam-totp(1) CODES): every --code takes `-` (standard input); without
# --code on a terminal the command asks with echo off; the TOTP step `disable` / `backup-codes`
# accepted is recorded in the enrolment (command_step) and the module refuses it at login, so a
# code read from /proc/PID/cmdline while the command ran cannot be used. Through real libpam.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

U=ptcs-$$
new_user "$U"
F="$(home_of "$U")/.pam_totp"
T=1767225605 # 2026-01-01 00:00:05 UTC
pt_at() { at "$1" "$PT_CLI" --config "$CONF" "${@:2}"; }
pt_as_at() { local t=$1 u=$2; shift 2; at "$t" runuser -u "$u" -- "$PT_CLI" --config "$CONF" "$@"; }

at "$T" "$PT_CLI" --config "$CONF" enrol --begin --json --user "$U" >"$T_DIR/begin.json"
S=$(file_secret "$F")
# --verify - : the confirming code from standard input.
run 0 "enrol --verify - reads the code from standard input" \
    pt_at "$T" enrol --verify - --json --user "$U" <<<"$(totp_code "$S" "$T")"
mapfile -t A < <(jq_py '"\n".join(d["backup_codes"])' <"$OUT")
expect_eq "backup codes printed" "${#A[@]}" 10

log "backup-codes --code -: the code from standard input, and it is used up"
t=$((T + 60))
c=$(totp_code "$S" "$t")
run 0 "backup-codes --code - (code on standard input)" pt_as_at "$t" "$U" backup-codes --code - --json <<<"$c"
check_not "no note about a visible code" grep -q 'visible' "$ERR"
expect_eq "the accepted step is recorded in the enrolment" "$(awk '$1 == "command_step" {print $3}' "$F")" $((t / 30))
rc=0; login_at "$t" "$U" "$c" || rc=$?
expect_eq "that code is refused at login afterwards (replay)" "$rc" 7
rc=0; login_at $((t + 30)) "$U" "$(totp_code "$S" $((t + 30)))" || rc=$?
expect_eq "the next code logs in" "$rc" 0

log "a code given on the command line is accepted with a note, and used up as well"
t=$((T + 180))
c=$(totp_code "$S" "$t")
run 0 "backup-codes --code CODE" pt_as_at "$t" "$U" backup-codes --code "$c"
check "the command says the code is visible to other users" grep -q 'visible to other local users' "$ERR"
rc=0; login_at "$t" "$U" "$c" || rc=$?
expect_eq "the code seen on the command line cannot log in" "$rc" 7

log "--code - without a line on standard input"
run 2 "backup-codes --code - with empty input: usage error" pt_as_at "$t" "$U" backup-codes --code - </dev/null

log "without --code on a terminal: asked with echo off"
t=$((T + 300))
c=$(totp_code "$S" "$t")
rc=0
at "$t" "$PT_TOOLS/pt-ptyrun" -t 30 -l "$T_DIR/pty.log" -e 'Current code' -s "$c" -- \
    runuser -u "$U" -- "$PT_CLI" --config "$CONF" backup-codes >/dev/null 2>&1 || rc=$?
expect_eq "backup-codes on a terminal asks and accepts" "$rc" 0
expect_eq "the code typed is not echoed" "$(grep -c -- "$c" "$T_DIR/pty.log")" 0
rc=0; login_at "$t" "$U" "$c" || rc=$?
expect_eq "the code typed at the prompt cannot log in afterwards" "$rc" 7

log "disable --code -"
t=$((T + 420))
run 0 "disable --code -" pt_as_at "$t" "$U" disable --code - <<<"$(totp_code "$S" "$t")"
check_not "the enrolment is gone" test -e "$F"
finish
