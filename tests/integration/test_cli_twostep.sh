# pam-totp enrol --begin / --verify: JSON fields, the QR of --begin, pending expiry (faketime),
# and the exit statuses of usage and system errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

U=ptcli-$$a
V=ptcli-$$b
new_user "$U"
new_user "$V"
write_conf "pending_ttl = 120"
FU="$(home_of "$U")/.pam_totp"

log "--begin --json"
now=$(date +%s)
run 0 "enrol --begin --json as the user" pt_as "$U" enrol --begin --json
secret=$(jq_py 'd["secret"]' <"$OUT")
uri=$(jq_py 'd["uri"]' <"$OUT")
expires=$(jq_py 'd["expires"]' <"$OUT")
expect_eq "exactly the fields secret, uri, expires" "$(jq_py 'sorted(d.keys())' <"$OUT")" '["expires", "secret", "uri"]'
expect_match "secret is base32" "$secret" '^[A-Z2-7]{32}$'
expect_eq "uri carries secret and issuer, no default parameters" "$uri" \
    "otpauth://totp/PtCliTest:$U%40$(hostname)?secret=$secret&issuer=PtCliTest"
check "expires is pending_ttl from now" test $((expires - now)) -ge 115 -a $((expires - now)) -le 125
check "the file is pending" grep -q '^status = pending$' "$FU"
expect_eq "the file holds that secret" "$(file_secret "$FU")" "$secret"
run 0 "status --json while pending" pt_as "$U" status --json
expect_eq "status: pending, not enrolled" "$(jq_py '[d["enrolled"], d["pending"]]' <"$OUT")" '[false, true]'

log "--begin in text mode draws the QR of the URI it prints"
TR="$T_DIR/begin.log"
run 0 "enrol --begin --qr=ansi" env LC_ALL=C "$PT_CLI" --config "$CONF" enrol --begin --qr=ansi --user "$U"
cp "$OUT" "$TR"
# Not a terminal: 80x24 is assumed, and the ANSI code (two cells per module) is wider.
check "ANSI, not on a terminal: the code does not fit 80x24 and is not drawn" \
    grep -Eq 'The QR code is not shown: it needs [0-9]+ columns and [0-9]+ lines, and this terminal has 80 columns and 24 lines' "$TR"
check "... says what to do: a larger window or a UTF-8 locale" grep -q 'Use a larger window or a UTF-8 locale' "$TR"
check_not "... and draws nothing" grep -q $'\033' "$TR"
expect_match "... the key is still shown" "$(cat "$TR")" '^  [A-Z2-7]{4}( [A-Z2-7]{4}){7}$'
secret=$(file_secret "$FU")
expect_match "the printed URI has the new pending secret" "$(printed_uri "$TR")" "secret=$secret&"
check "it says how to verify" grep -q -- '--verify CODE' "$TR"
run 0 "enrol --begin --qr=utf8" env LC_ALL=C.UTF-8 "$PT_CLI" --config "$CONF" enrol --begin --qr=utf8 --user "$U"
cp "$OUT" "$TR"
expect_eq "its UTF-8 QR decodes to the printed URI" "$(decode_qr utf8 "$TR")" "$(printed_uri "$TR")"
secret=$(file_secret "$FU")

log "--verify"
good=$(totp_code "$secret" "$(date +%s)")
bad=$(printf '%06d' $(((10#$good + 1) % 1000000)))
run 1 "--verify with a wrong code" pt_as "$U" enrol --verify "$bad" --json
check "the message mentions the clock" grep -q clock "$ERR"
run 0 "--verify with the right code" pt_as "$U" enrol --verify "$good" --json
expect_eq "ten backup codes in JSON" "$(jq_py 'len(d["backup_codes"])' <"$OUT")" 10
expect_eq "only backup_codes" "$(jq_py 'list(d.keys())' <"$OUT")" '["backup_codes"]'
expect_eq "codes are XXXX-XXXX-XXXX" "$(jq_py 'all(__import__("re").fullmatch("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", c) for c in d["backup_codes"])' <"$OUT")" true
check "the file is active" grep -q '^status = active$' "$FU"
expect_eq "owner and mode" "$(stat -c '%U %a' "$FU")" "$U 600"
run 1 "--verify again: already enrolled" pt_as "$U" enrol --verify "$good"
run 1 "--begin while active is refused" pt_as "$U" enrol --begin --json
check "active enrolment kept" grep -q '^status = active$' "$FU"
run 0 "the module accepts a code of the new enrolment" login "$U" "$(totp_code "$secret" $(($(date +%s) + 30)))"

log "pending expiry (clock moved with faketime)"
T0=2000000000
FV="$(home_of "$V")/.pam_totp"
run 0 "--begin at T0" at $T0 "$PT_CLI" --config "$CONF" enrol --begin --json --user "$V"
expect_eq "expires = T0 + pending_ttl" "$(jq_py 'd["expires"]' <"$OUT")" $((T0 + 120))
s=$(file_secret "$FV")
run 1 "--verify after pending_ttl" at $((T0 + 125)) "$PT_CLI" --config "$CONF" enrol --verify "$(totp_code "$s" $((T0 + 125)))" --user "$V"
check "the message says it expired" grep -q 'expired' "$ERR"
check "still pending" grep -q '^status = pending$' "$FV"
run 0 "--verify within pending_ttl" at $((T0 + 100)) "$PT_CLI" --config "$CONF" enrol --verify "$(totp_code "$s" $((T0 + 100)))" --user "$V"
check "now active" grep -q '^status = active$' "$FV"

log "usage errors exit 2, system errors exit 3"
run 2 "no command" "$PT_CLI"
run 2 "unknown command" pt frobnicate
run 2 "unknown option" pt status --frob
run 2 "--begin with --verify" pt enrol --begin --verify 123456
run 2 "--json without --begin/--verify" pt enrol --json
run 2 "--force with --begin" pt enrol --force --begin
run 2 "two users named" pt status extra more
run 1 "a bare name is a user: an unknown one is refused" pt status "nosuchuser$$"
run 2 "a --config that does not exist" "$PT_CLI" --config "$T_DIR/nope.conf" status
run 0 "--help" "$PT_CLI" --help
check "--help lists the commands" grep -q 'backup-codes' "$OUT"
run 0 "enrol --help" pt enrol --help
check "enrol --help shows --begin" grep -q -- '--begin' "$OUT"
run 0 "--version" "$PT_CLI" --version
expect_match "--version prints the version" "$(cat "$OUT")" '^pam-totp [0-9]+\.[0-9]+'
chmod 0644 "$FV"
run 3 "status with an unsafe enrolment file (mode 0644)" pt status --user "$V"
check "the message names the file" grep -qF "$FV" "$ERR"
chmod 0600 "$FV"
echo 'bogus = 1' >>"$FV"
run 3 "status with a malformed enrolment file" pt status --user "$V"
printf 'mfa = sometimes\nstate_dir = %s\n' "$STATE" >"$CONF"
run 3 "a configuration with a bad value" pt status --user "$U"
check "the message names the key" grep -q 'mfa' "$ERR"

finish
