# System mode (enrolment_file outside the home directories): a user running `pam-totp enrol` is
# told enrolment is done at login or by an administrator; root enrols them with --user and sees
# the QR code; the root-owned file is out of the user's reach; status and list work for root.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

U=ptcli-$$a
new_user "$U"
ENROL_DIR="$T_DIR/enrol"
write_conf "mfa = required" "enrolment_file = $ENROL_DIR/%u"
F="$ENROL_DIR/$U"

log "the user is sent to an administrator"
run 1 "enrol as the user" pt_as "$U" enrol </dev/null
check "  the message names an administrator and --user" grep -q 'administrator.*pam-totp enrol --user' "$ERR"
run 1 "enrol --begin as the user" pt_as "$U" enrol --begin --json </dev/null
check "  no output on stdout" test ! -s "$OUT"
for cmd in "status" "disable --code 123456" "backup-codes --code 123456"; do
    # shellcheck disable=SC2086
    run 1 "$cmd as the user" pt_as "$U" $cmd </dev/null
    check "  the message mentions system mode" grep -q 'system mode' "$ERR"
done
write_conf "mfa = required" "enrolment_file = $ENROL_DIR/%u" "enrol_at_login = yes"
run 1 "enrol as the user, enrol_at_login = yes" pt_as "$U" enrol </dev/null
check "  the message says: at your next login" grep -q 'next login' "$ERR"
check_not "nothing was written" test -e "$F"

log "root enrols the user and sees the QR code"
TR="$T_DIR/enrol.log"
CODE='s=$(grep -a -o "secret=[A-Z2-7]*" "$PTY_LOG" | tail -1 | cut -d= -f2); oathtool --totp -b "$s"'
run 0 "enrol --user $U as root on a terminal" "$PT_TOOLS/pt-ptyrun" -t 60 -l "$TR" -e 'code from the app: ' -x "$CODE" -- \
    env LC_ALL=C.UTF-8 "$PT_CLI" --config "$CONF" enrol --user "$U"
expect_eq "the QR code decodes to the printed URI" "$(decode_qr utf8 "$TR")" "$(printed_uri "$TR")"
expect_eq "the enrolment file is root's, 0600" "$(stat -c '%U %G %a' "$F")" "root root 600"
expect_eq "its directory is root's, not open to others" "$(stat -c '%U %a' "$ENROL_DIR")" "root 700"
check_not "no file in the user's home" test -e "$(home_of "$U")/.pam_totp"
S=$(file_secret "$F")
check_not "the user cannot read the secret" runuser -u "$U" -- cat "$F"
check_not "the user cannot remove it" runuser -u "$U" -- rm -f "$F"
check_not "the user cannot replace it" runuser -u "$U" -- sh -c "echo x > '$F'"
check "the file is intact" grep -q '^status = active$' "$F"
run 0 "status --user as root" pt status --user "$U" --json
expect_eq "enrolled and required" "$(jq_py '[d["enrolled"], d["required"], d["backup_codes_left"]]' <"$OUT")" '[true, true, 10]'
run 0 "list as root" pt list --json
expect_eq "listed as enrolled" "$(jq_py "[u['enrolled'] for u in d if u['user'] == '$U']" <"$OUT")" '[true]'
run 0 "the module accepts a code" login "$U" "$(totp_code "$S" $(($(date +%s) + 30)))"
run 0 "root makes new backup codes" pt backup-codes --user "$U" --json
expect_eq "still root's, 0600" "$(stat -c '%U %a' "$F")" "root 600"
run 0 "root disables" pt disable --user "$U"
check_not "the file is gone" test -e "$F"

log "hints in system mode never send the user to \`pam-totp enrol\`, which they cannot run"
write_conf "mfa = required" "enrolment_file = $ENROL_DIR/%u"
run 0 "status of the unenrolled user, as root" pt status "$U"
check "  the deadline line says to ask an administrator" grep -Eq '^Deadline: .*ask an administrator: `pam-totp enrol --user '"$U"'` as root' "$OUT"
check_not "  and not to run pam-totp enrol" grep -Eq 'run `pam-totp enrol`' "$OUT"
write_conf "mfa = required" "enrolment_file = $ENROL_DIR/%u" "enrol_at_login = yes" "enrol_grace_days = 5"
run 0 "with enrol_at_login" pt status "$U"
check "  says the user sets it up at the next login" grep -Eq "^Deadline: .*$U sets it up at the next login" "$OUT"
out=$(login "$U" 2>&1; cat "$T_DIR/login.out") || true
expect_match "the module's grace message: set up during a login, or ask an administrator" "$out" \
    'INFO: MFA will be required in .*You will then set it up during a login'
expect_nomatch "  not \`pam-totp enrol\` alone" "$out" 'Run `pam-totp enrol`'
b=$(pt enrol --begin --json "$U")
pt enrol --verify "$(totp_code "$(printf '%s' "$b" | jq -r .secret)" "$(date +%s)")" "$U" >/dev/null
run 0 "reset as root" pt reset --yes "$U"
check "  the reset says how to enrol again in system mode" grep -q "sets it up at the next login" "$OUT"

finish
