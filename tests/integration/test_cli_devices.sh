#!/usr/bin/env bash
# Several named devices per user, through the command and real libpam: the first device's name,
# enrol --add (two-step and interactive on a terminal), devices --json (jq), both devices log in
# and each code works once (replay is per user), status counts devices, the audit names the
# device, remove-device (needs a code of another device or a backup code; the last device is
# refused), a removed device's codes stop (also for a login waiting at its prompt), hostile names
# refused, malformed device data fails closed, a version-1 file written by the earlier release
# logs in, lists as "default" and stays untouched until changed, and system mode.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
command -v jq >/dev/null || skip "jq missing: run scripts/test.sh (it installs the test packages)"
syslog_start

# remember_host: a host remembered after a code login must ask again once a device that logged
# in is removed (it may be the lost one).
write_conf "remember_host = 3600"
U=ptdev-$$a
W=ptdev-$$b
X=ptdev-$$c
new_user "$U"
new_user "$W"
new_user "$X"
FU="$(home_of "$U")/.pam_totp"
PAM_AUTH_ERR=7
PAM_AUTHINFO_UNAVAIL=9
PAM_PERM_DENIED=6
PAM_CONV_ERR=19

# Everything at a fixed moment (faketime): 5 s into a 30 s step.
T=2000000015
cli_at() { local t=$1; shift; at "$t" "$PT_CLI" --config "$CONF" "$@"; }
cli_as_at() { local t=$1 u=$2; shift 2; at "$t" runuser -u "$u" -- "$PT_CLI" --config "$CONF" "$@"; }
# The secret of the device NAME in an enrolment file.
dev_secret() { awk -v n="$2" '$1 == "name" {cur = $3} $1 == "secret" && cur == n {print $3}' "$1"; }

log "the first enrolment's device: --name, else default"
run 0 "enrol --begin --name phone (root for the user)" cli_at $T enrol --begin --json --name phone --user "$U"
S1=$(jq -r .secret <"$OUT")
run 0 "enrol --verify" cli_at $((T + 30)) enrol --verify "$(totp_code "$S1" $((T + 30)))" --json --user "$U"
mapfile -t BACKUP < <(jq -r '.backup_codes[]' <"$OUT")
expect_eq "ten backup codes" "${#BACKUP[@]}" 10
check "the file is version 2" grep -qx 'version = 2' "$FU"
run 0 "devices --json as the user" cli_as_at $((T + 40)) "$U" devices --json
expect_eq "one device, named phone, never used" "$(jq -c '[.[] | {name, last_used}]' <"$OUT")" \
    '[{"name":"phone","last_used":null}]'
expect_eq "created is the enrolment time" "$(jq '.[0].created' <"$OUT")" $T

log "enrol --add --name laptop --begin, then --verify (as the user, with a code of phone)"
run 1 "--add without a code that proves possession" cli_as_at $((T + 60)) "$U" enrol --add --name laptop --begin --json --code 000000
run 0 "--add --begin with phone's code" cli_as_at $((T + 60)) "$U" enrol --add --name laptop --begin --json --code "$(totp_code "$S1" $((T + 60)))"
S2=$(jq -r .secret <"$OUT")
expect_eq "the file holds laptop's secret" "$(dev_secret "$FU" laptop)" "$S2"
check "laptop's secret is not phone's" test "$S2" != "$S1"
run 0 "devices --json shows laptop pending" cli_as_at $((T + 61)) "$U" devices --json
expect_eq "laptop is pending" "$(jq -c '[.[] | select(.name == "laptop") | .pending]' <"$OUT")" '[true]'
rc=0; login_at $((T + 62)) "$U" "$(totp_code "$S2" $((T + 62)))" || rc=$?
expect_eq "a pending device's code does not log in" "$rc" $PAM_AUTH_ERR
run 0 "enrol --verify confirms laptop" cli_as_at $((T + 90)) "$U" enrol --verify "$(totp_code "$S2" $((T + 90)))" --json
expect_eq "--verify --json names the device" "$(jq -c . <"$OUT")" '{"device":"laptop"}'
run 0 "status --json" cli_as_at $((T + 91)) "$U" status --json
expect_eq "status counts two devices" "$(jq .devices <"$OUT")" 2
expect_eq "backup codes unchanged by adding a device" "$(jq .backup_codes_left <"$OUT")" 10

log "both devices log in, each code once; replay is per user"
c1=$(totp_code "$S1" $((T + 120)))
rc=0; login_at $((T + 120)) "$U" "$c1" || rc=$?
expect_eq "phone's code logs in" "$rc" 0
rc=0; login_at $((T + 121)) "$U" "$c1" || rc=$?
expect_eq "phone's code again: refused" "$rc" $PAM_AUTH_ERR
rc=0; login_at $((T + 122)) "$U" "$(totp_code "$S2" $((T + 122)))" || rc=$?
expect_eq "laptop's code of the step already used by phone: refused (one last step per user)" "$rc" $PAM_AUTH_ERR
c2=$(totp_code "$S2" $((T + 150)))
rc=0; login_at $((T + 150)) --rhost 192.0.2.9 "$U" "$c2" || rc=$?
expect_eq "laptop's code of the next step logs in (from 192.0.2.9)" "$rc" 0
rc=0; login_at $((T + 152)) --rhost 192.0.2.9 "$U" || rc=$?
# The test's stack has only pam_totp, so its PAM_IGNORE leaves libpam with PAM_PERM_DENIED.
expect_eq "192.0.2.9 is remembered: the module ignores the login" "$rc" $PAM_PERM_DENIED
check_not "and asks nothing" grep -q "^PROMPT" "$T_DIR/login.out"
rc=0; login_at $((T + 151)) "$U" "$c2" || rc=$?
expect_eq "laptop's code again: refused" "$rc" $PAM_AUTH_ERR
check "the audit line names the device" grep -q "event=login_ok user=$U .*method=totp device=laptop" "$T_SYSLOG"
check "the audit line names phone for its login" grep -q "event=login_ok user=$U .*method=totp device=phone" "$T_SYSLOG"
run 0 "devices --json" cli_as_at $((T + 160)) "$U" devices --json
expect_eq "both listed in order" "$(jq -c '[.[].name]' <"$OUT")" '["phone","laptop"]'
lu_phone=$(jq '.[0].last_used' <"$OUT")
lu_laptop=$(jq '.[1].last_used' <"$OUT")
check "phone last used at its login ($lu_phone)" test "$lu_phone" -ge $((T + 120)) -a "$lu_phone" -le $((T + 121))
check "laptop last used at its login ($lu_laptop)" test "$lu_laptop" -ge $((T + 150)) -a "$lu_laptop" -le $((T + 151))
expect_match "last_used lives in the root-owned state, not the user's file" "$(record_text "$STATE/uid:$(id -u "$U")")" '^last_used = '
check_not "the user's file holds no last use" grep -q 'last_used' "$FU"
COMP="$PT_SOURCE_DIR/cli/pam-totp.bash-completion"
expect_eq "bash completion offers the device names to remove-device" "$(bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
    _pam_totp 2>/dev/null; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$PT_CLI" remove-device \
    --config "$CONF" --user "$U" '' | sort | tr '\n' ' ')" "laptop phone "
run 0 "devices (text)" cli_as_at $((T + 160)) "$U" devices
check "the text lists laptop" grep -q '^  laptop ' "$OUT"

log "names: hostile ones refused with what is allowed; duplicates refused"
run 2 "a name with a space" pt enrol --add --name 'new phone' --user "$U"
check "the message says what a name may be" grep -q "letters, digits" "$ERR"
run 2 "a name with an escape sequence" pt enrol --add --name $'x\e[2Jy' --user "$U"
check_not "the escape sequence is not echoed" grep -q $'\e' "$ERR"
run 2 "a name starting with -" pt enrol --add --name=-rf --user "$U"
run 2 "a name of 33 characters" pt enrol --add --name abcdefghijabcdefghijabcdefghijabc --user "$U"
run 2 "--add without --name" pt enrol --add --user "$U"
run 1 "a name in use (ignoring case)" pt enrol --add --name PHONE --begin --user "$U"
check "the message names the device in use" grep -q '"phone"' "$ERR"
run 2 "remove-device with a hostile name" pt remove-device 'a;b' --user "$U"

log "remove-device"
run 1 "removing laptop with laptop's own code: refused" cli_as_at $((T + 180)) "$U" remove-device laptop --code "$(totp_code "$S2" $((T + 180)))"
run 1 "an unknown device" cli_as_at $((T + 180)) "$U" remove-device tablet --code "$(totp_code "$S1" $((T + 180)))"
check "the message lists the devices" grep -q 'phone laptop' "$ERR"
run 0 "removing laptop with phone's code" cli_as_at $((T + 181)) "$U" remove-device LAPTOP --code "$(totp_code "$S1" $((T + 181)))"
rc=0; login_at $((T + 200)) --rhost 192.0.2.9 "$U" || rc=$?
expect_eq "the host remembered after laptop's login asks again once laptop is gone" "$rc" $PAM_CONV_ERR
rc=0; login_at $((T + 210)) "$U" "$(totp_code "$S2" $((T + 210)))" || rc=$?
expect_eq "a removed device's code is refused" "$rc" $PAM_AUTH_ERR
rc=0; login_at $((T + 240)) "$U" "$(totp_code "$S1" $((T + 240)))" || rc=$?
expect_eq "the other device's codes keep working" "$rc" 0
check "removal audited" grep -q "event=device_removed user=$U .*device=laptop" "$T_SYSLOG"
run 1 "removing the last device is refused" pt remove-device phone --user "$U"
check "and points to disable" grep -q 'pam-totp disable' "$ERR"
check "phone is still there" grep -qx 'name = phone' "$FU"
"$PT_TOOLS/pt-mkenrol" --add tablet "$U" JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP "config=$CONF"
run 0 "removing phone with a backup code" cli_as_at $((T + 270)) "$U" remove-device phone --code "${BACKUP[0]}"
run 0 "status" cli_as_at $((T + 271)) "$U" status --json
expect_eq "one device left" "$(jq .devices <"$OUT")" 1

log "interactive enrol --add on a terminal: the proof, the QR and secret, a code of the new device"
cat >"$T_DIR/newcode.sh" <<'EOS'
s=$(grep -a '^URI: ' "$PTY_LOG" | tail -1 | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
oathtool --totp -b "$s"
EOS
TR="$T_DIR/add.log"
rc=0
"$PT_TOOLS/pt-ptyrun" -t 60 -l "$TR" -e 'Current code' -s "${BACKUP[1]}" \
    -e 'Enter the 6-digit code' -x "bash $T_DIR/newcode.sh" -- \
    runuser -u "$U" -- env LC_ALL=C.UTF-8 "$PT_CLI" --config "$CONF" enrol --add --name desk --qr=utf8 >/dev/null 2>&1 || rc=$?
expect_eq "interactive add succeeded" "$rc" 0
expect_eq "its QR decodes to the printed URI" "$(decode_qr utf8 "$TR")" "$(printed_uri "$TR")"
expect_match "the URI has desk's secret" "$(printed_uri "$TR")" "secret=$(dev_secret "$FU" desk)&"
expect_eq "desk is active" "$(awk '$1=="name"{n=$3} $1=="status" && n=="desk"{print $3}' "$FU")" active

log "a change made while the command waited for the code is never undone"
"$PT_TOOLS/pt-mkenrol" --add extra "$U" KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU "config=$CONF"
cat >"$T_DIR/meanwhile.sh" <<EOS
"$PT_CLI" --config "$CONF" remove-device extra --user "$U" >/dev/null 2>&1 || exit 1
echo "${BACKUP[2]}"
EOS
rc=0
"$PT_TOOLS/pt-ptyrun" -t 60 -l "$T_DIR/mw.log" -e 'Current code' -x "bash $T_DIR/meanwhile.sh" -- \
    runuser -u "$U" -- "$PT_CLI" --config "$CONF" remove-device desk >/dev/null 2>&1 || rc=$?
expect_eq "the user's remove-device is refused" "$rc" 1
check "and says to run it again" grep -aq 'changed while this command ran' "$T_DIR/mw.log"
check_not "the device root removed meanwhile stays removed" grep -qx 'name = extra' "$FU"
check "desk is still there" grep -qx 'name = desk' "$FU"

log "a login waiting at its prompt when its device is removed is refused; the others are not"
# Real time on a user of its own (pamtester through pam_wrapper on a pseudo-terminal).
WRAPPER=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so
[ -e "$WRAPPER" ] && command -v pamtester >/dev/null || skip "pam_wrapper or pamtester missing"
SW1=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
SW2=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU
"$PT_TOOLS/pt-mkenrol" "$W" "$SW1" "config=$CONF" >/dev/null
"$PT_TOOLS/pt-mkenrol" --add spare "$W" "$SW2" "config=$CONF"
SVC="$T_DIR/svc"
mkdir -p "$SVC"
printf 'auth required %s config=%s\n' "$PT_MODULE" "$CONF" >"$SVC/pt-dev"
printf 'auth required pam_deny.so\n' >"$SVC/other"
# paused ANSWER-SCRIPT: a login held at its prompt while the script runs; its exit status.
paused() {
    local rc=0
    "$PT_TOOLS/pt-ptyrun" -t 60 -l "$T_DIR/pty.log" -e 'Verification code' -x "bash $1" -- \
        env LD_PRELOAD="$(san_preload)$WRAPPER" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$SVC" \
        pamtester -v pt-dev "$W" authenticate >/dev/null 2>&1 || rc=$?
    echo $rc
}
cat >"$T_DIR/remove.sh" <<EOS
"$PT_CLI" --config "$CONF" remove-device spare --user "$W" >"$T_DIR/rm.out" 2>&1 || exit 1
oathtool --totp -b "$SW2"
EOS
expect_eq "the removed device's code, typed after the removal, is refused" "$(paused "$T_DIR/remove.sh")" 1
check "the removal happened meanwhile" grep -q 'removed' "$T_DIR/rm.out"
"$PT_TOOLS/pt-mkenrol" --add spare2 "$W" "$SW2" "config=$CONF"
cat >"$T_DIR/keep.sh" <<EOS
"$PT_CLI" --config "$CONF" remove-device spare2 --user "$W" >"$T_DIR/rm2.out" 2>&1 || exit 1
oathtool --totp -b "$SW1"
EOS
expect_eq "another device's code, typed after a removal, logs in" "$(paused "$T_DIR/keep.sh")" 0

log "a version-1 file written by the earlier release"
FX="$(home_of "$X")/.pam_totp"
install -m 0600 -o "$X" -g "$X" "$PT_SOURCE_DIR/tests/integration/fixtures/enrolment-v1" "$FX"
mapfile -t V1CODES <"$PT_SOURCE_DIR/tests/integration/fixtures/enrolment-v1.codes"
rc=0; login_at $((T + 300)) "$X" "$(totp_code "$SW1" $((T + 300)))" || rc=$?
expect_eq "it logs in with its code" "$rc" 0
rc=0; login_at $((T + 301)) "$X" "${V1CODES[0]}" || rc=$?
expect_eq "and with its backup code" "$rc" 0
check "logins leave it as it was (version 1, byte for byte)" cmp -s "$FX" "$PT_SOURCE_DIR/tests/integration/fixtures/enrolment-v1"
run 0 "devices --json" cli_as_at $((T + 302)) "$X" devices --json
expect_eq "it lists as one device named default" "$(jq -c '[.[].name]' <"$OUT")" '["default"]'
expect_eq "its last use is known" "$(jq '.[0].last_used >= 2000000315' <"$OUT")" true
run 0 "adding a device to it (root)" cli_at $((T + 330)) enrol --add --name spare --begin --json --user "$X"
check "a change writes version 2" grep -qx 'version = 2' "$FX"
expect_eq "keeping the enrolment id" "$(sed -n 's/^id = //p' "$FX")" \
    "$(sed -n 's/^id = //p' "$PT_SOURCE_DIR/tests/integration/fixtures/enrolment-v1")"
rc=0; login_at $((T + 360)) "$X" "${V1CODES[0]}" || rc=$?
expect_eq "a backup code used before the rewrite stays used" "$rc" $PAM_AUTH_ERR
rc=0; login_at $((T + 361)) "$X" "${V1CODES[1]}" || rc=$?
expect_eq "the other backup codes still work" "$rc" 0
rc=0; login_at $((T + 390)) "$X" "$(totp_code "$SW1" $((T + 390)))" || rc=$?
expect_eq "the default device still logs in" "$rc" 0

log "malformed and hostile device data fail closed"
good=$(cat "$FX")
bad_file() {
    local desc=$1 rc=0
    printf '%s\n' "$2" >"$FX"
    login_at $((T + 420)) "$X" "$(totp_code "$SW1" $((T + 420)))" || rc=$?
    expect_eq "$desc: PAM_AUTHINFO_UNAVAIL" "$rc" $PAM_AUTHINFO_UNAVAIL
}
bad_file "a device named with a space" "${good/name = spare/name = spa re}"
bad_file "a device name with an escape sequence" "${good/name = spare/name = a$'\e'[2J}"
bad_file "two devices of one name" "${good/name = spare/name = Default}"
bad_file "a device without a secret" "$(printf '%s\n' "$good" | awk '!(/^secret/ && ++n == 2)')"
nine=$good
for i in 1 2 3 4 5 6 7 8; do
    nine+=$'\n'"$(printf '%s\n' "$good" | sed -n '/^device = /,$p' | tail -n 10 |
        sed -e "s/^device = .*/device = $(printf '%032x' "$i")/" -e "s/^name = .*/name = extra$i/")"
done
bad_file "nine devices" "$nine"
check "the log names the file and the cause" grep -q "more than 8 devices" "$T_SYSLOG"
printf '%s\n' "$good" >"$FX"

log "system mode: root adds, lists and removes; users are pointed to the admin"
SYSD="$T_DIR/sys"
write_conf "enrolment_file = $SYSD/%u"
run 0 "root enrols $W" cli_at $T enrol --begin --json --user "$W"
s=$(jq -r .secret <"$OUT")
run 0 "root verifies" cli_at $((T + 30)) enrol --verify "$(totp_code "$s" $((T + 30)))" --user "$W"
run 0 "root adds a device" cli_at $((T + 60)) enrol --add --name tab --begin --json --user "$W"
s2=$(jq -r .secret <"$OUT")
run 0 "root verifies it" cli_at $((T + 90)) enrol --verify "$(totp_code "$s2" $((T + 90)))" --user "$W"
expect_eq "root-owned file" "$(stat -c '%U %a' "$SYSD/$W")" "root 600"
run 0 "root lists the devices" pt devices --json --user "$W"
expect_eq "default and tab" "$(jq -c '[.[].name]' <"$OUT")" '["default","tab"]'
run 1 "a user cannot list them (system mode)" pt_as "$W" devices
check "and is told to ask an administrator" grep -q 'administrator' "$ERR"
run 1 "nor add one" pt_as "$W" enrol --add --name x --begin
rc=0; login_at $((T + 120)) "$W" "$(totp_code "$s2" $((T + 120)))" || rc=$?
expect_eq "the added device logs in" "$rc" 0
run 0 "root removes it without a code" pt remove-device tab --user "$W"
rc=0; login_at $((T + 150)) "$W" "$(totp_code "$s2" $((T + 150)))" || rc=$?
expect_eq "its codes stop" "$rc" $PAM_AUTH_ERR
check "the admin's removal is audited with the admin" grep -q "event=device_removed user=$W .*admin=.*device=tab" "$T_SYSLOG"

finish
