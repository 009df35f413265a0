# What pam_totp.conf(5) says about KeePassXC, proven with the real client (keepassxc-cli): it
# reads the otpauth URI pam-totp prints, honours a period of 60 seconds but caps 90 at 60, so its
# code for a 90-second enrolment is refused by the confirmation step, which is what enrolment
# tells the user to rely on. keepassxc-cli cannot set a TOTP itself: the URI goes into the
# entry's "otp" attribute through an XML export and import. Times are fixed with faketime.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
command -v keepassxc-cli >/dev/null || skip "keepassxc-cli missing: run scripts/test.sh (it installs the test packages)"
[ -f "$FAKETIME_LIB" ] || skip "libfaketime missing: install the faketime package"

U=ptkp-$$
new_user "$U"
F="$(home_of "$U")/.pam_totp"
KP="$T_DIR/kp"
mkdir -p "$KP/home"
kp() { HOME="$KP/home" keepassxc-cli "$@"; }
# 2026-01-01 00:00:05 UTC: inside a 30, 60 and 90-second step alike.
B=1767225605

# kp_code URI: the code KeePassXC shows at B for an entry holding URI. (faketime alone: the
# sanitizer runtimes `at` adds in that build are for our programs, not for KeePassXC.)
kp_code() {
    rm -f "$KP/db.kdbx" "$KP/otp.kdbx" "$KP/key"
    kp db-create -q --set-key-file "$KP/key" "$KP/db.kdbx" &&
        kp add -q --no-password -k "$KP/key" "$KP/db.kdbx" pam_totp &&
        kp export -q --no-password -k "$KP/key" -f xml "$KP/db.kdbx" >"$KP/db.xml" &&
        "$PY" -c 'import html, sys
s = open(sys.argv[1]).read()
t = "<Key>Title</Key>"
assert s.count(t) == 1
s = s.replace(t, "<Key>otp</Key><Value>" + html.escape(sys.argv[2]) + "</Value></String><String>" + t)
open(sys.argv[1], "w").write(s)' "$KP/db.xml" "$1" &&
        kp import -q --set-key-file "$KP/key" "$KP/db.xml" "$KP/otp.kdbx" &&
        FAKETIME="@$(date -u -d "@$B" '+%Y-%m-%d %H:%M:%S')" TZ=UTC LD_PRELOAD="$FAKETIME_LIB" \
            HOME="$KP/home" keepassxc-cli show -q --no-password -k "$KP/key" -t "$KP/otp.kdbx" pam_totp
}

for period in 60 90; do
    log "period = $period"
    write_conf "period = $period"
    rm -f "$F"
    run 0 "enrol --begin (period $period)" at "$B" "$PT_CLI" --config "$CONF" enrol --begin --json --user "$U"
    uri=$(jq_py 'd["uri"]' <"$OUT")
    secret=$(jq_py 'd["secret"]' <"$OUT")
    expect_match "the URI names the period" "$uri" "&period=$period\$"
    code=$(kp_code "$uri")
    expect_match "KeePassXC shows a code" "$code" '^[0-9]{6}$'
    if [ "$period" = 60 ]; then
        expect_eq "period 60: KeePassXC's code is the 60-second code" "$code" "$(totp_code "$secret" "$B" -s 60s)"
        run 0 "period 60: the confirmation accepts it" at "$B" "$PT_CLI" --config "$CONF" enrol --verify "$code" --user "$U"
    else
        expect_eq "period 90: KeePassXC computes a 60-second code (it caps the period)" "$code" "$(totp_code "$secret" "$B" -s 60s)"
        check "... not the 90-second one" test "$code" != "$(totp_code "$secret" "$B" -s 90s)"
        run 1 "period 90: the confirmation refuses KeePassXC's code" at "$B" "$PT_CLI" --config "$CONF" enrol --verify "$code" --user "$U"
        check "... and the enrolment stays pending" grep -q '^status = pending$' "$F"
    fi
done

finish
