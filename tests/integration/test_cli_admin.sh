# Admin commands as root: list (columns, JSON, --without-mfa, summary, enrolment deadline from the
# runtime state), unlock after a lockout made through the module, reset (confirmation on a
# terminal, --yes), the audit lines naming the admin (reset at LOG_ALERT); non-root users refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

syslog_start
A=ptcli-$$a # enrolled, not an admin
B=ptcli-$$b # admin, not enrolled
G=ptcliadm$$
groupadd "$G"
on_exit "groupdel $G 2>/dev/null"
new_user "$A"
new_user "$B" -G "$G"
write_conf "mfa = required_for_admins" "admin_groups = $G" "enrol_grace_days = 3" "deny = 3"
FA="$(home_of "$A")/.pam_totp"

pt enrol --begin --json --user "$A" >/dev/null
pt enrol --verify "$(totp_code "$(file_secret "$FA")" "$(date +%s)")" --user "$A" >/dev/null
SA=$(file_secret "$FA")

log "non-root users are refused on other users and on admin commands"
for args in "status --user $B" "enrol --user $B --qr=none" "disable --user $B --code 123456" \
    "backup-codes --user $B --code 123456" "reset $B --yes" "unlock $B" "list"; do
    # shellcheck disable=SC2086
    run 1 "as $A: pam-totp $args" pt_as "$A" $args </dev/null
    check "  the message says to run as root" grep -q 'run as root' "$ERR"
done
check "nothing happened to $A's enrolment" grep -q '^status = active$' "$FA"

log "the enrolment deadline: first_required (recorded by the module) + enrol_grace_days"
T0=$(($(date +%s) - 86400))
login_at "$T0" "$B" || true # PAM_IGNORE alone in the stack: libpam answers PAM_PERM_DENIED
check "$B's first login requiring MFA, a day ago, is a grace login" grep -q '^INFO: .*pam-totp enrol' "$T_DIR/login.out"
run 0 "status --user $B --json" pt status --user "$B" --json
expect_eq "required, not enrolled, deadline = T0 + 3 days" "$(jq_py '[d["required"], d["enrolled"], d["deadline"]]' <"$OUT")" "[true, false, $((T0 + 3 * 86400))]"
run 0 "status (text) shows the deadline" pt status --user "$B"
check "  with the time left" grep -Eq '^Deadline: .*\(in (1 day 23 hours|2 days)\)' "$OUT"
run 0 "status --user $A --json" pt status --user "$A" --json
expect_eq "$A: enrolled, not required, no deadline" "$(jq_py '[d["enrolled"], d["required"], d["deadline"], d["backup_codes_left"]]' <"$OUT")" '[true, false, null, 10]'

log "list"
run 0 "list" pt list
check "header columns" grep -Eq '^USER +ENROLLED +REQUIRED +CODES-LEFT +LOCKED +DEADLINE$' "$OUT"
check "$A: enrolled, not required, 10 codes" grep -Eq "^$A +yes +no +10 +no +-\$" "$OUT"
check "$B: not enrolled, required, a deadline date" grep -Eq "^$B +no +yes +- +no +[0-9]{4}-[0-9]{2}-[0-9]{2} " "$OUT"
check "summary line" grep -Eq '^[0-9]+ accounts, [0-9]+ enrolled, [0-9]+ required but not enrolled$' "$OUT"
run 0 "list --json" pt list --json
expect_eq "$A in JSON" "$(jq_py "[[u['enrolled'], u['required'], u['backup_codes_left'], u['locked']] for u in d if u['user'] == '$A']" <"$OUT")" '[[true, false, 10, false]]'
expect_eq "$B in JSON" "$(jq_py "[[u['enrolled'], u['required'], u['deadline']] for u in d if u['user'] == '$B']" <"$OUT")" "[[false, true, $((T0 + 3 * 86400))]]"
expect_eq "every object has the fields" "$(jq_py 'all({"user","enrolled","backup_codes_left","locked","required"} <= set(u) for u in d)' <"$OUT")" true
expect_eq "no system account without enrolment is listed" "$(jq_py '[u["user"] for u in d if u["user"] in ("daemon", "bin", "nobody")]' <"$OUT")" '[]'
expect_eq "root is listed (a login account whatever UID_MIN says)" "$(jq_py '[u["user"] for u in d if u["user"] == "root"]' <"$OUT")" '["root"]'
run 0 "list --without-mfa (text)" pt list --without-mfa
rows=$(awk 'NR > 1 && NF > 1 && $2 != "" && !/accounts? without MFA/' "$OUT" | grep -vc '^$' || true)
expect_match "the summary counts the accounts shown" "$(tail -n1 "$OUT")" "^$rows accounts? without MFA, 0 enrolled, [0-9]+ required but not enrolled\$"
check "  $A (enrolled) is not shown" bash -c "! grep -q '^$A ' '$OUT'"
run 0 "list --without-mfa --json" pt list --without-mfa --json
expect_eq "only accounts without MFA" "$(jq_py "[u['user'] in ('$A',) for u in d].count(True), any(u['user'] == '$B' for u in d)" <"$OUT")" '(0, True)'
run 0 "list past the deadline" at $((T0 + 4 * 86400)) "$PT_CLI" --config "$CONF" list
check "$B's deadline passed" grep -Eq "^$B +no +yes +- +no +passed\$" "$OUT"

log "every verb takes the user as a bare NAME or --user NAME"
run 0 "status NAME" pt status "$A" --json
expect_eq "status NAME is status --user NAME" "$(jq_py 'd["user"]' <"$OUT")" "$A"
run 0 "status --user NAME NAME (the same twice)" pt status --user "$A" "$A" --json
run 2 "status with two different users" pt status --user "$A" "$B"
check "  says two users were named" grep -q 'two users named' "$ERR"
run 2 "status with two bare names" pt status "$A" "$B"
run 0 "unlock --user NAME" pt unlock --user "$B"
run 2 "backup-codes with two names" pt backup-codes "$A" "$B"

log "unlock after a lockout through the module"
for i in 1 2 3; do login "$A" 000000 || true; done
run 0 "status --user $A --json" pt status --user "$A" --json
expect_eq "locked after deny=3 wrong codes" "$(jq_py 'd["locked"]' <"$OUT")" true
run 0 "list shows the lock" pt list
check "LOCKED yes" grep -Eq "^$A +yes +no +10 +yes " "$OUT"
check_not "a locked user cannot log in with the right code" login "$A" "$(totp_code "$SA" $(($(date +%s) + 30)))"
run 2 "unlock without a name" pt unlock
run 1 "unlock an unknown user" pt unlock "nosuchuser$$"
SUDO_USER=$B run 0 "unlock $A" pt unlock "$A"
check "it says unlocked" grep -q "Unlocked $A" "$OUT"
run 0 "status after unlock" pt status --user "$A" --json
expect_eq "not locked" "$(jq_py 'd["locked"]' <"$OUT")" false
run 0 "the right code works again" login "$A" "$(totp_code "$SA" $(($(date +%s) + 30)))"
run 0 "unlock when not locked" pt unlock "$A"
check "it says not locked" grep -q "was not locked" "$OUT"

log "reset"
run 2 "reset without a terminal and without --yes" pt reset "$A" </dev/null
check "still enrolled" test -e "$FA"
run 1 "reset, answered no on the terminal" "$PT_TOOLS/pt-ptyrun" -t 30 -e '[y/N]' -s n -- "$PT_CLI" --config "$CONF" reset "$A"
check "still enrolled after no" test -e "$FA"
run 0 "reset, answered yes on the terminal" "$PT_TOOLS/pt-ptyrun" -t 30 -e '[y/N]' -s yes -- env SUDO_USER="$B" "$PT_CLI" --config "$CONF" reset "$A"
check_not "the enrolment is gone" test -e "$FA"
check_not "the runtime state is gone" test -e "$STATE/uid:$(id -u "$A")"
run 0 "status after reset" pt status --user "$A" --json
expect_eq "not enrolled" "$(jq_py 'd["enrolled"]' <"$OUT")" false
run 0 "reset --yes of a user without enrolment (--user NAME)" pt reset --user "$B" --yes
check "it says there was none" grep -q "had no enrolment" "$OUT"
check_not "$B's state (grace start) is gone" test -e "$STATE/uid:$(id -u "$B")"
run 1 "reset an unknown user" pt reset "nosuchuser$$" --yes
run 2 "reset two users" pt reset "$A" "$B" --yes

log "audit"
syslog_sync
L="$T_SYSLOG"
check "reset logged at LOG_ALERT (authpriv.alert = <81>) with the admin" \
    grep -Eq "^<81>.*pam-totp\[[0-9]+\]: event=reset user=$A via=pam-totp admin=$B uid=0 loginuid=[-0-9]+ had_enrolment=yes" "$L"
check "unlock logged with the admin" grep -Eq "event=unlocked user=$A via=pam-totp admin=$B uid=0 " "$L"
check "enrolment by root names the admin" grep -Eq "event=enrol_completed user=$A via=pam-totp admin=[^ ]+ uid=0" "$L"
check_not "no secret in the log" grep -qF "$SA" "$L"

finish
