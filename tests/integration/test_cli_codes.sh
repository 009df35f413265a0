# pam-totp backup-codes and disable: a new set invalidates the old one at once (checked through
# the module with real libpam), a user must prove possession, root need not; the audit lines
# reach syslog and carry no secret or code.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

syslog_start
U=ptcli-$$a
V=ptcli-$$b
new_user "$U"
new_user "$V"
FU="$(home_of "$U")/.pam_totp"
SECRETS="$T_DIR/secrets" # every secret and code the test saw, to look for in the log
: >"$SECRETS"

# enrol_user NAME: two-step enrolment by root; prints the backup codes one per line.
enrol_user() {
    local f
    f="$(home_of "$1")/.pam_totp"
    pt enrol --begin --json --user "$1" >"$T_DIR/begin.json"
    jq_py 'd["secret"]' <"$T_DIR/begin.json" >>"$SECRETS"
    pt enrol --verify "$(totp_code "$(file_secret "$f")" "$(date +%s)")" --json --user "$1" |
        jq_py '"\n".join(d["backup_codes"])' | tee -a "$SECRETS"
}

log "enrol $U; a backup code works once through the module"
mapfile -t A < <(enrol_user "$U")
expect_eq "ten codes in set A" "${#A[@]}" 10
S=$(file_secret "$FU")
id_a=$(awk '$1 == "id" {print $3}' "$FU")
run 0 "login with backup code A1" login "$U" "${A[0]}"
run 7 "A1 again is refused (PAM_AUTH_ERR)" login "$U" "${A[0]}"
run 0 "status: 9 codes left" pt_as "$U" status --json
expect_eq "backup_codes_left" "$(jq_py 'd["backup_codes_left"]' <"$OUT")" 9

log "backup-codes: the user must give a current code from the app"
run 2 "no code and no terminal" pt_as "$U" backup-codes </dev/null
run 1 "a wrong code" pt_as "$U" backup-codes --code 00000000
run 1 "a backup code is not enough" pt_as "$U" backup-codes --code "${A[1]}"
expect_eq "the id is unchanged after refusals" "$(awk '$1 == "id" {print $3}' "$FU")" "$id_a"
# The code of the next step: the current one confirmed the enrolment and no longer counts.
code=$(totp_code "$S" "$(($(date +%s) + 30))")
echo "$code" >>"$SECRETS"
run 0 "backup-codes --json with the current code" pt_as "$U" backup-codes --code "$code" --json
mapfile -t B < <(jq_py '"\n".join(d["backup_codes"])' <"$OUT")
printf '%s\n' "${B[@]}" >>"$SECRETS"
expect_eq "ten codes in set B" "${#B[@]}" 10
check "sets A and B share no code" test -z "$(comm -12 <(printf '%s\n' "${A[@]}" | sort) <(printf '%s\n' "${B[@]}" | sort))"
check "a new enrolment id" test "$(awk '$1 == "id" {print $3}' "$FU")" != "$id_a"
expect_eq "the secret is kept" "$(file_secret "$FU")" "$S"
expect_eq "owner and mode kept" "$(stat -c '%U %a' "$FU")" "$U 600"
run 7 "old code A2 stops working at once" login "$U" "${A[1]}"
run 0 "new code B1 works" login "$U" "${B[0]}"
run 0 "status: 9 of the new set left" pt status --user "$U" --json
expect_eq "backup_codes_left" "$(jq_py 'd["backup_codes_left"]' <"$OUT")" 9
run 0 "root needs no code (backup-codes --user)" pt backup-codes --user "$U"
expect_eq "text output lists ten codes" "$(grep -cE '^ +[0-9]+\. [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$' "$OUT")" 10
grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$OUT" >>"$SECRETS"
run 7 "B2 stopped working after root's new set" login "$U" "${B[1]}"
run 1 "a user cannot make codes for another user" pt_as "$V" backup-codes --user "$U" --code 123456
run 1 "backup-codes when not enrolled" pt_as "$V" backup-codes --code 123456
check "the message says how to enrol" grep -q 'pam-totp enrol' "$ERR"

log "disable"
run 2 "no code and no terminal" pt_as "$U" disable </dev/null
run 1 "a wrong code" pt_as "$U" disable --code 000000
check "still enrolled" test -e "$FU"
mapfile -t C < <(enrol_user "$V")
run 0 "a user disables with a backup code" pt_as "$V" disable --code "${C[3]}"
check_not "the enrolment file is gone" test -e "$(home_of "$V")/.pam_totp"
run 0 "status: not enrolled" pt_as "$V" status --json
expect_eq "enrolled false" "$(jq_py 'd["enrolled"]' <"$OUT")" false
run 1 "disable when not enrolled" pt_as "$V" disable --code 123456
check "the message says not enrolled" grep -q 'not enrolled' "$ERR"
# Two minutes on (faketime): the step backup-codes accepted is used up (command_step).
t2=$(($(date +%s) + 120))
code=$(totp_code "$S" "$t2")
echo "$code" >>"$SECRETS"
run 0 "a user disables with the current code" \
    at "$t2" runuser -u "$U" -- "$PT_CLI" --config "$CONF" disable --code - <<<"$code"
check_not "the enrolment file is gone" test -e "$FU"
mapfile -t C < <(enrol_user "$V")
run 0 "root disables another user without a code" pt disable --user "$V"
check_not "the file is gone" test -e "$(home_of "$V")/.pam_totp"

log "audit lines in syslog"
syslog_sync
L="$T_SYSLOG"
for ev in enrol_started enrol_completed codes_regenerated disabled; do
    check "event=$ev logged" grep -q "pam-totp\[[0-9]*\]: event=$ev user=" "$L"
done
check "root acting on another user names the admin" grep -Eq "event=codes_regenerated user=$U via=pam-totp admin=[^ ]+ uid=0 loginuid=" "$L"
check "a user's own action carries no admin" grep -Eq "event=disabled user=$V via=pam-totp\$" "$L"
check "logged at LOG_AUTHPRIV|LOG_NOTICE" grep -q "^<85>.*event=codes_regenerated" "$L"
leaks=0
while read -r s; do
    [ -n "$s" ] || continue
    if grep -qiF -- "$s" "$L" || grep -qiF -- "${s//-/}" "$L"; then leaks=$((leaks + 1)); fi
done <"$SECRETS"
expect_eq "no secret or code in the log ($(wc -l <"$SECRETS") checked)" "$leaks" 0

finish
