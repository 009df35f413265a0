# pam-totp enrol, interactive, through a pseudo-terminal: the QR code read back with zbarimg in
# every --qr mode and equal to the URI printed in the same run, answering with an oathtool code,
# the enrolment file's owner and mode, --force needing a code, wrong codes, no input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

U1=ptcli-$$a
U2=ptcli-$$b
new_user "$U1"
new_user "$U2"
PTY="$PT_TOOLS/pt-ptyrun"
TYPED="$T_DIR/typed"
# The answer to "code from the app": the current code for the secret printed in this run.
CODE_FROM_RUN='s=$(grep -a -o "secret=[A-Z2-7]*" "$PTY_LOG" | tail -1 | cut -d= -f2); oathtool --totp -b "$s" | tee -a '"$TYPED"

log "interactive enrolment as the user, UTF-8 QR (locale UTF-8)"
TR="$T_DIR/utf8.log"
run 0 "enrol as $U1 on a terminal" "$PTY" -t 60 -l "$TR" -e 'code from the app: ' -x "$CODE_FROM_RUN" -- \
    runuser -u "$U1" -- env LC_ALL=C.UTF-8 "$PT_CLI" --config "$CONF" enrol
uri=$(printed_uri "$TR")
expect_match "the URI is printed" "$uri" '^otpauth://totp/PtCliTest:'"$U1"'%40[^?]+\?secret=[A-Z2-7]{32}&issuer=PtCliTest$'
expect_eq "the UTF-8 QR code decodes to the printed URI (dark terminal)" "$(decode_qr utf8 "$TR")" "$uri"
expect_eq "the UTF-8 QR code decodes to the printed URI (light terminal)" "$(decode_qr utf8 "$TR" --light-terminal)" "$uri"
check "it is drawn black on white" grep -aq $'\033\\[30;47m' "$TR"
expect_match "the QR code is last, right before the prompt" \
    "$(tr -d '\r' <"$TR" | grep -a -A1 $'\033\\[0m$' | tail -1)" '^Enter the 6-digit code from the app: '
check_not "defaults: no note about settings some apps ignore" grep -aq 'apps ignore' "$TR"
check "half blocks were drawn" grep -aq $'\xe2\x96\x88' "$TR"
check "backup codes shown with the warning" grep -aq 'shown only' "$TR"
expect_eq "ten backup codes printed" "$(grep -a -cE '^ +[0-9]+\. [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$TR")" 10
check_not "the typed code was not echoed" grep -aqF "$(tail -1 "$TYPED")" "$TR"
F1="$(home_of "$U1")/.pam_totp"
expect_eq "enrolment file owner and mode" "$(stat -c '%U %a' "$F1")" "$U1 600"
check "enrolment active" grep -q '^status = active$' "$F1"
expect_eq "file secret is the URI's" "$(file_secret "$F1")" "$(printf '%s' "$uri" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')"
run 0 "status --json" pt_as "$U1" status --json
expect_eq "status: enrolled, 10 codes, not locked" "$(jq_py '[d["enrolled"], d["backup_codes_left"], d["locked"]]' <"$OUT")" '[true, 10, false]'

log "an existing enrolment is kept without --force; --force needs the current code"
sum=$(sha256sum <"$F1")
run 1 "enrol again without --force is refused" pt_as "$U1" enrol --qr=none </dev/null
check "the message says --force" grep -q -- '--force' "$ERR"
run 1 "--force with a wrong code is refused" pt_as "$U1" enrol --force --code 12345678 </dev/null
run 2 "--force without a code and no terminal is a usage error" pt_as "$U1" enrol --force </dev/null
expect_eq "the enrolment is unchanged" "$(sha256sum <"$F1")" "$sum"
# The next step's code: the current one confirmed the enrolment and no longer counts.
OLD_CODE='oathtool --totp -b -N "now + 30 seconds" '"$(file_secret "$F1")"
TR="$T_DIR/force.log"
run 0 "--force with the current code, on a terminal" "$PTY" -t 60 -l "$TR" -e 'Current code from your app' -x "$OLD_CODE" \
    -e 'code from the app: ' -x "$CODE_FROM_RUN" -- \
    runuser -u "$U1" -- env LC_ALL=C.UTF-8 "$PT_CLI" --config "$CONF" enrol --force --qr=none
check_not "--qr=none draws no QR" grep -aq $'\xe2\x96' "$TR"
check "the enrolment was replaced" test "$(sha256sum <"$F1")" != "$sum"
expect_eq "the new file holds the new secret" "$(file_secret "$F1")" "$(printed_uri "$TR" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')"

log "root enrols another user, ANSI QR (--qr=ansi and the default in a non-UTF-8 locale)"
for how in explicit auto; do
    TR="$T_DIR/ansi-$how.log"
    args=(--qr=ansi)
    [ "$how" = auto ] && args=(--force)
    run 0 "enrol --user $U2 ($how ANSI)" "$PTY" -t 60 -l "$TR" -e 'code from the app: ' -x "$CODE_FROM_RUN" -- \
        env LC_ALL=C "$PT_CLI" --config "$CONF" enrol --user "$U2" "${args[@]}"
    check "ANSI colours were drawn ($how)" grep -aq $'\033\\[47m' "$TR"
    expect_eq "the ANSI QR code decodes to the printed URI ($how, dark terminal)" "$(decode_qr ansi "$TR")" "$(printed_uri "$TR")"
    expect_eq "the ANSI QR code decodes to the printed URI ($how, light terminal)" "$(decode_qr ansi "$TR" --light-terminal)" "$(printed_uri "$TR")"
done
F2="$(home_of "$U2")/.pam_totp"
expect_eq "root wrote the file owned by the user" "$(stat -c '%U %a' "$F2")" "$U2 600"

log "wrong codes and no input change nothing"
rm -f "$F2"
TR="$T_DIR/wrong.log"
run 1 "three wrong codes" "$PTY" -t 60 -l "$TR" -e 'code from the app: ' -s 000000x -e 'code from the app: ' -s 12 \
    -e 'code from the app: ' -s 'not a code' -- "$PT_CLI" --config "$CONF" enrol --user "$U2" --qr=none
expect_eq "three prompts" "$(grep -ac 'code from the app: ' "$TR")" 3
check "the message mentions the phone's clock" grep -aq "clock" "$TR"
check_not "no enrolment after three wrong codes" test -e "$F2"
run 1 "end of input at the prompt" pt enrol --user "$U2" --qr=none </dev/null
check_not "no enrolment after no input" test -e "$F2"
log "settings some apps ignore are named; a long key wraps between groups"
write_conf "algorithm = sha512" "digits = 8" "period = 60"
run 0 "enrol --begin with SHA512, 8 digits, 60 seconds" pt enrol --begin --user "$U2" --qr=none
expect_match "the URI carries the three settings" "$(printed_uri "$OUT")" '&algorithm=SHA512&digits=8&period=60$'
check "the note names each setting" grep -q 'algorithm SHA512 (usual: SHA1), 8 digits (usual: 6) and period 60 seconds (usual: 30)\. Some authenticator apps ignore these settings' "$OUT"
check "... and says the confirmation code proves the app got them right" grep -q 'the code you confirm with proves that your app got them right' "$OUT"
keylines=$(grep -E '^  [A-Z2-7]{1,4}( [A-Z2-7]{1,4})*$' "$OUT")
expect_eq "the 103-symbol key is on 2 lines (80 columns assumed)" "$(printf '%s\n' "$keylines" | wc -l)" 2
check "... each within 80 columns" test "$(printf '%s\n' "$keylines" | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 80
expect_eq "... and all of the key" "$(printf '%s' "$keylines" | tr -d ' \n')" "$(file_secret "$F2")"
write_conf

log "without libqrencode (loaded only to draw a code) the key and the URI still enrol"
QRLIB=$(readlink -f /usr/lib/x86_64-linux-gnu/libqrencode.so.4)
run 0 "enrol --begin with libqrencode hidden" unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
    sh "$QRLIB" env LC_ALL=C.UTF-8 "$PT_CLI" --config "$CONF" enrol --begin --user "$U2" --qr=utf8
check "it says the code cannot be drawn and what to enter instead" \
    grep -q 'The QR code cannot be drawn: libqrencode is not installed. Enter the key or the URI' "$OUT"
check "the URI is printed" grep -q '^URI: otpauth://' "$OUT"
rm -f "$F2"
run 2 "--qr=bogus is a usage error" pt enrol --qr=bogus
run 1 "a user cannot enrol another user" pt_as "$U1" enrol --user "$U2" --qr=none </dev/null
check "the message says to run as root" grep -q 'run as root' "$ERR"

finish
