# pam_totp.so through real libpam: enrolment at login (enrol_at_login = yes). A terminal client
# (pamtester on a pseudo-terminal, through pam_wrapper's service directory) reads the secret from
# the conversation and answers with a code computed by oathtool; the QR code decodes to the URI;
# the next login needs a code. Also: abandoned conversations leave no enrolment, wrong codes count
# toward the lock, messages stay within PAM's limits, and system mode writes root-owned files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
for t in pamtester zbarimg runuser; do
    command -v "$t" >/dev/null || skip "$t missing: run scripts/test.sh (it installs the test packages)"
done
WRAPPER=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so
[ -f "$WRAPPER" ] || skip "libpam_wrapper missing: install libpam-wrapper"
syslog_start
U=pttest-$$
mod_user "$U"
HOMEDIR=$(getent passwd "$U" | cut -d: -f6)
EF="$HOMEDIR/.pam_totp"
# window = 2: the abandoned run answers with the current step's code, the enrolment with the
# next step's and the login after it with the one after that, so none is a replay of an earlier
# run (real time here, no faketime).
mod_conf "mfa = required" "enrol_at_login = yes" "issuer = Example Corp" "state_dir = $STATE_DIR" "window = 2"
mod_service
printf 'auth required pam_deny.so\n' >"$T_DIR/svc/other"

# The answer script for the code prompt: the secret as shown for manual entry, then oathtool.
# Its argument moves the moment forward (within the window): each run answers with a step
# newer than the previous run's, or the code would be refused as a replay.
cat >"$T_DIR/answer.sh" <<'EOS'
sec=$(tr -d '\r' <"$PTY_LOG" | grep -a 'type this key into the app by hand: ' | tail -1 | sed 's/.*by hand: //; s/ //g')
oathtool --totp -b -N "@$(($(date +%s) + ${1:-0}))" "$sec"
EOS
# pamtester on a pty, libpam through pam_wrapper with our service directory; real time.
# pam_wrapper turns pam_syslog into "SYSLOG(prio): line" on stderr, so the
# audit lines of these runs land in the pty log (NOTICE needs debug level 2).
enrol_pty() { # LOGFILE TIMEOUT [pt-ptyrun expectations...]
    local logf=$1 tmo=$2
    shift 2
    PRC=0
    "$PT_TOOLS/pt-ptyrun" -t "$tmo" -l "$logf" "$@" -- env LD_PRELOAD="$(san_preload)$WRAPPER" \
        PAM_WRAPPER=1 PAM_WRAPPER_DEBUGLEVEL=2 PAM_WRAPPER_SERVICE_DIR="$T_DIR/svc" \
        pamtester -v pt-test "$U" authenticate >/dev/null 2>&1 || PRC=$?
}
now() { date +%s; }

# --- 1. A conversation abandoned at the first prompt leaves nothing, and the text fits PAM's limits.
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U") || RC=$?
expect_eq "abandoned at the first prompt: conversation error" "$RC" $PAM_CONV_ERR
check "abandoned: no enrolment file" test ! -e "$EF"
expect_match "intro says MFA is required and not set up" "$OUT" 'required for this account and is not set up yet'
URI=$(printf '%s\n' "$OUT" | grep -o 'otpauth://totp/[^ ]*' | head -1)
expect_match "otpauth URI shown with issuer, no default parameters" "$URI" \
    '^otpauth://totp/Example%20Corp:pttest-[0-9]+%40[^?]+\?secret=[A-Z2-7]{32}&issuer=Example%20Corp$'
QR=$(printf '%s\n' "$OUT" | sed 's/^INFO: //' | "$PT_TOOLS/pt-qr2pbm" utf8 | zbarimg --nodbus --raw -q - || true)
expect_eq "no terminal named (as over ssh): the plain QR code decodes on a dark terminal" "$QR" "$URI"
expect_nomatch "no terminal named: no escape sequences (ssh would show them as text)" "$OUT" $'\033'
expect_match "no terminal named: says the code is in the terminal's colours, and what else to do" "$OUT" \
    "drawn in your terminal's colours: on a light background it may not scan; then type the key"
expect_match "defaults: no note about settings apps ignore" "$(printf '%s' "$OUT" | grep -c 'apps ignore')" '^0$'
# A login on a terminal device (login, su, sudo name it in PAM_TTY): explicit colours, dark on
# light, so the same code decodes on a dark and on a light terminal (zbarimg inverts nothing).
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" --tty /dev/pts/9 "$U") || RC=$?
URI=$(printf '%s\n' "$OUT" | grep -o 'otpauth://totp/[^ ]*' | head -1)
expect_match "on a terminal: the QR lines set black on white" "$OUT" $'\033\\[30;47m'
for theme in "" --light-terminal; do
    QR=$(printf '%s\n' "$OUT" | sed 's/^INFO: //' | "$PT_TOOLS/pt-qr2pbm" utf8 $theme | zbarimg --nodbus --raw -q - || true)
    expect_eq "on a terminal: the QR code decodes to the URI (terminal: ${theme:-dark})" "$QR" "$URI"
done
nqr=$(printf '%s\n' "$OUT" | grep -c $'\033\\[30;47m')
check "on a terminal: the QR code ($nqr lines) and the prompt fit 24 lines" test "$nqr" -le 23
expect_match "on a terminal: the QR code is the last thing before the prompt" \
    "$(printf '%s\n' "$OUT" | grep -B1 '^PROMPT_ECHO_ON: Press Enter when you have scanned' | head -1)" $'\033\\[0m$'
# Every message <= PAM_MAX_MSG_SIZE - 1 bytes, and the messages before the first prompt fit in
# one call (<= PAM_MAX_NUM_MSG - 1).
sizes=$(printf '%s\n' "$OUT" | awk '/^(INFO|ERROR|PROMPT_ECHO_ON|PROMPT_ECHO_OFF|RESULT): /{ if (n) print n; n = length($0) - index($0, ": ") - 1; next } { n += length($0) + 1 } END { if (n) print n }' LC_ALL=C)
expect_eq "every message within PAM_MAX_MSG_SIZE" "$(printf '%s\n' "$sizes" | awk '$1 > 511' | wc -l)" 0
nmsg=$(printf '%s\n' "$OUT" | awk '/^PROMPT/{exit} /^INFO: /{n++} END{print n+0}')
check "messages before the first prompt fit one call ($nmsg)" test "$nmsg" -ge 2 -a "$nmsg" -le 31
expect_match "each block ends with a prompt" "$OUT" 'PROMPT_ECHO_ON: Press Enter when you have scanned the code: '

# A very long issuer makes the QR code too large for one conversation call: the URI and the key
# are shown without it, still within PAM's limits; a moderately long one still gets a QR code.
# (Spaces are percent-encoded to three bytes: with the long label this URI is over 1200
# characters, too much even at error correction level L.)
LONG="$(printf 'Issuer %.0s' $(seq 35))End"
mod_conf "mfa = required" "enrol_at_login = yes" "issuer = $LONG" "label = %u $(printf 'Label %.0s' $(seq 30))End" "state_dir = $STATE_DIR"
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U") || RC=$?
expect_match "huge URI: no QR, told to type the key" "$OUT" 'QR code for this link is too large to show here'
expect_nomatch "huge URI: no block characters" "$OUT" "$(printf '\xe2\x96\x88')"
nmsg=$(printf '%s\n' "$OUT" | awk '/^PROMPT/{exit} /^INFO: /{n++} END{print n+0}')
check "huge URI: messages before the first prompt fit one call ($nmsg)" test "$nmsg" -le 31
MID=$(printf 'Example%.0s' $(seq 8))
mod_conf "mfa = required" "enrol_at_login = yes" "issuer = $MID" "algorithm = sha512" "state_dir = $STATE_DIR"
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U" "") || RC=$?
URI=$(printf '%s\n' "$OUT" | grep -o 'otpauth://totp/[^ ]*' | head -1)
QR=$(printf '%s\n' "$OUT" | sed 's/^INFO: //' | "$PT_TOOLS/pt-qr2pbm" utf8 | zbarimg --nodbus --raw -q - || true)
expect_eq "long issuer and sha512 key: QR code still shown and decodes" "$QR" "$URI"
expect_match "sha512: the URI names the algorithm, and only it" "$URI" '&algorithm=SHA512$'
expect_match "sha512: enrolment says some apps ignore the algorithm and the code proves it" "$OUT" \
    'algorithm SHA512 \(usual: SHA1\)\. Some authenticator apps ignore this setting .* proves that your app got it right'
expect_match "sha512: the long key is on lines of its own, split between groups" \
    "$(printf '%s\n' "$OUT" | grep -A4 'by hand:$' | tail -n +2 | tr '\n' '|')" \
    '^(  [A-Z2-7]{4}( [A-Z2-7]{4}){7}\|){3}  [A-Z2-7]{1,4}( [A-Z2-7]{1,4}){0,7}\|'
nmsg=$(printf '%s\n' "$OUT" | awk '/^PROMPT/{exit} /^INFO: /{n++} END{print n+0}')
check "long issuer: messages before the first prompt fit one call ($nmsg)" test "$nmsg" -le 31
mod_conf "mfa = required" "enrol_at_login = yes" "issuer = Example Corp" "state_dir = $STATE_DIR" "window = 2"

# Without libqrencode (loaded only when a QR code is drawn) enrolment still works with the link
# and the key: pamtester links only libpam, so hiding the library in a private mount namespace
# leaves the module's dlopen() failing.
QRLIB=$(readlink -f /usr/lib/x86_64-linux-gnu/libqrencode.so.4)
RC=0
OUT=$(unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$QRLIB" \
    env LD_PRELOAD="$(san_preload)$WRAPPER" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T_DIR/svc" \
    pamtester -v pt-test "$U" authenticate </dev/null 2>&1) || RC=$?
expect_match "no libqrencode: told to type the key" "$OUT" 'No QR code can be drawn here'
expect_match "no libqrencode: the link is still shown" "$OUT" 'otpauth://totp/Example%20Corp:'
expect_nomatch "no libqrencode: no block characters" "$OUT" "$(printf '\xe2\x96\x88')"
check "no libqrencode: nothing enrolled yet" test ! -e "$EF"

# --- 2. Wrong codes: three tries, each counted toward the lock.
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U" "" 000000 111111 222222) || RC=$?
expect_eq "three wrong codes: refused" "$RC" $PAM_AUTH_ERR
expect_eq "three code prompts" "$(printf '%s\n' "$OUT" | grep -c '^PROMPT_ECHO_OFF: Verification code: $')" 3
expect_match "retry explained" "$OUT" 'That code is not right'
check "wrong codes: no enrolment file" test ! -e "$EF"
nf=$(state_text "$U" | sed -n 's/^failures = //p' | tr ',' '\n' | grep -c . || true)
expect_eq "three failures recorded" "$nf" 3

# --- 3. Abandoned at the backup codes (after a right code): still no active enrolment.
# (No answer for the last prompt: pt-ptyrun gives up after 8 s and kills the client.)
enrol_pty "$T_DIR/abandon.log" 8 -e "scanned the code" -s "" -e "Verification code: " -x "bash $T_DIR/answer.sh 0"
check "abandoned at the backup codes: client did not succeed" test "$PRC" -ne 0
check "abandoned at the backup codes: no enrolment file" test ! -e "$EF"
expect_match "backup codes were shown" "$(tr -d '\r' <"$T_DIR/abandon.log")" '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}'

# --- 4. A complete enrolment.
enrol_pty "$T_DIR/enrol.log" 30 -e "scanned the code" -s "" -e "Verification code: " -x "bash $T_DIR/answer.sh 30" \
    -e "saved the codes" -s ""
TR=$(tr -d '\r' <"$T_DIR/enrol.log")
expect_eq "enrolment at login: pamtester authenticated" "$PRC" 0
[ "$PRC" = 0 ] ||
    log "transcript end: $(printf '%s\n' "$TR" | grep -av "$(printf '\xe2\x96\x88')" | tail -15)"
expect_match "pamtester reports success" "$TR" 'successfully authenticated'
expect_match "the end says to wait for the app's next code before the next login" "$TR" \
    'code you just entered is used up: for the next login, wait until the app shows a new code'
check "enrolment file written" test -f "$EF"
expect_eq "written as the user, 0600" "$(stat -c '%U %a' "$EF")" "$U 600"
expect_match "stored active" "$(cat "$EF")" 'status = active'
expect_match "the confirming step is recorded in the file" "$(cat "$EF")" 'confirmed_step = [0-9]+'
expect_match "one device, named default" "$("$PT_TOOLS/pt-parse_check" enrolment "$EF")" 'version=2 devices=1$'
check "the device is named default" grep -qx 'name = default' "$EF"
SEC=$(printf '%s\n' "$TR" | grep -a 'type this key into the app by hand: ' | tail -1 | sed 's/.*by hand: //; s/ //g')
mapfile -t CODES < <(printf '%s\n' "$TR" | grep -aEo '^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$')
expect_eq "ten backup codes shown" "${#CODES[@]}" 10
QR=$(printf '%s\n' "$TR" | "$PT_TOOLS/pt-qr2pbm" utf8 | zbarimg --nodbus --raw -q - || true)
expect_match "pty QR decodes to a URI holding the shown secret" "$QR" "secret=$SEC&"

# The next login asks for a code (no enrolment again) and accepts the app's code.
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U" "$(oathtool --totp -b -N "@$(($(now) + 60))" "$SEC")") || RC=$?
expect_eq "next login: code of the new secret accepted" "$RC" 0
expect_nomatch "next login: no enrolment shown" "$OUT" 'otpauth://'
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U" 123456) || RC=$?
expect_eq "next login: a wrong code refused" "$RC" $PAM_AUTH_ERR
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U" "${CODES[3]}") || RC=$?
expect_eq "next login: a backup code from the conversation works" "$RC" 0
expect_match "9 left" "$OUT" '9 backup codes left'

# --- 5. Locked during enrolment: no secret is shown while locked.
rm -f "$EF" "$(state_of "$U")"
mod_conf "mfa = required" "enrol_at_login = yes" "deny = 3" "state_dir = $STATE_DIR"
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U" "" 000000 111111 222222) || RC=$?
expect_match "third wrong code during enrolment locks" "$OUT" 'locked'
RC=0
OUT=$("$H" --confdir "$T_DIR/svc" "$U" "") || RC=$?
expect_eq "locked: enrolment refused" "$RC" $PAM_AUTH_ERR
expect_nomatch "locked: no secret or QR shown" "$OUT" 'otpauth://'

# --- 6. System mode: the module writes a root-owned enrolment the user cannot read or replace.
rm -f "$(state_of "$U")"
mod_conf "mfa = required" "enrol_at_login = yes" "state_dir = $STATE_DIR" "enrolment_file = $T_DIR/sys/%u"
SF="$T_DIR/sys/$U"
enrol_pty "$T_DIR/sys.log" 30 -e "scanned the code" -s "" -e "Verification code: " -x "bash $T_DIR/answer.sh" \
    -e "saved the codes" -s ""
expect_eq "system mode enrolment at login succeeded" "$PRC" 0
expect_eq "system mode: root-owned 0600" "$(stat -c '%U %a' "$SF" 2>&1)" "root 600"
expect_eq "system mode: directory created root 0700" "$(stat -c '%U %a' "$T_DIR/sys")" "root 700"
check_not "system mode: the user cannot read it" runuser -u "$U" -- cat "$SF"
check_not "system mode: the user cannot replace it" runuser -u "$U" -- sh -c ": > '$SF'"
check_not "system mode: the user cannot remove it" runuser -u "$U" -- rm -f "$SF"
expect_nomatch "system mode: the home directory was not written" "$(ls -A "$HOMEDIR")" 'pam_totp'

syslog_sync
LOG=$(cat "$T_SYSLOG" "$T_DIR/enrol.log" "$T_DIR/sys.log" | tr -d '\r')
expect_match "enrolment started audited" "$LOG" "event=enrol_started user=$U .*mode=home via=login"
expect_match "enrolment completed audited" "$LOG" "SYSLOG\(5\): event=enrol_completed user=$U .*mode=home via=login codes=10"
expect_match "system mode enrolment audited" "$LOG" "SYSLOG\(5\): event=enrol_completed user=$U .*mode=system"
expect_match "abandoned enrolment audited" "$LOG" "event=enrol_abandoned user=$U"
leaks=0
for s in "$SEC" "${CODES[@]}"; do
    printf '%s\n' "$LOG" | grep -a 'event=\|pam_totp' | grep -qiF -- "$s" && leaks=$((leaks + 1))
done
expect_eq "no secret or backup code in the log" "$leaks" 0
finish
