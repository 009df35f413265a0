# The enrolment QR code as a phone sees it: drawn in a real terminal (xterm on a virtual X
# display), taken as a screenshot and decoded with zbarimg, which does not try inverted codes.
#   - pam-totp enrol, UTF-8, 80x24, light and dark theme: decodes to the exact URI printed, with
#     the prompt below it on the same screen;
#   - C locale, 80x24: the ANSI code does not fit; the message says so and what to do, the key
#     and the URI are shown, no code is drawn; C locale, 100x50: the ANSI code is drawn and decodes;
#   - UTF-8, 40 columns: the message, no code;
#   - enrolment at login (pamtester on the terminal, PAM_TTY set as login and su do): decodes to
#     the URI the conversation printed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
for t in Xvfb xterm import xdotool script pamtester; do
    command -v "$t" >/dev/null || skip "$t missing: run scripts/test.sh (it installs the test packages)"
done
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || skip "DejaVu Sans Mono missing: install fonts-dejavu-core"
WRAPPER=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so
[ -f "$WRAPPER" ] || skip "libpam_wrapper missing: install libpam-wrapper"

U=ptqx-$$
new_user "$U"
# An ordinary host name, whatever this machine is called: the sizes below do not depend on it.
printf 'state_dir = %s\nissuer = db-01.example.com\nlabel = %%u@db-01.example.com\nmfa = required\nenrol_at_login = yes\n' \
    "$STATE" >"$CONF"
X="ptqr$$" # window names of this run

# poll SECONDS CMD...: runs CMD every 0.1 s until it succeeds; fails after SECONDS.
poll() {
    local end=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.1
    done
}

# Xvfb picks a free display itself and writes its number once it accepts clients.
Xvfb -displayfd 3 -screen 0 1600x1200x24 -nolisten tcp 3>"$T_DIR/display" 2>"$T_DIR/xvfb.log" &
XVFB=$!
on_exit "kill $XVFB"
poll 20 test -s "$T_DIR/display" || { fail "Xvfb did not start: $(tail -3 "$T_DIR/xvfb.log")"; finish; }
export DISPLAY=":$(head -1 "$T_DIR/display")"

# term NAME GEOMETRY light|dark CMD...: CMD in an xterm (UTF-8, DejaVu Sans Mono 12), its output
# also in $T_DIR/NAME.log (script: a pseudo-terminal of the window's size); $XT is the xterm.
term() {
    local name=$1 geom=$2 theme=$3
    shift 3
    local colours=(-bg white -fg black)
    [ "$theme" = dark ] && colours=(-bg black -fg white)
    LC_ALL=C.UTF-8 xterm -u8 -T "$X-$name" -geometry "$geom+0+0" -fa 'DejaVu Sans Mono' -fs 12 \
        "${colours[@]}" -e script -q -f -c "$(printf '%q ' "$@")" "$T_DIR/$name.log" \
        >/dev/null 2>"$T_DIR/$name.xterm-err" &
    XT=$!
    on_exit "kill $XT 2>/dev/null"
}
log_has() { grep -aq -- "$2" "$T_DIR/$1.log" 2>/dev/null; }
# shot NAME: the window's screenshot decoded; retried until it decodes to $WANT (the terminal
# may not have drawn everything yet when the text is in the log), false after 15 s.
decodes() {
    [ -n "$WANT" ] && import -window "$WIN" "$T_DIR/$1.png" 2>/dev/null &&
        [ "$(zbarimg --nodbus --raw -q "$T_DIR/$1.png" 2>/dev/null | tr -d '\r')" = "$WANT" ]
}
shot() {
    WIN=$(timeout 20 xdotool search --sync --name "^$X-$1\$" | head -1) || true
    [ -n "$WIN" ] || { log "$1: no window"; return 1; }
    poll 15 decodes "$1"
}
stop() { kill "$XT" 2>/dev/null; wait "$XT" 2>/dev/null || true; }
enrol_cmd() { printf '%s\n' env "LC_ALL=$1" "$PT_CLI" --config "$CONF" enrol --user "$U"; }
PROMPT='code from the app: '

for theme in light dark; do
    log "UTF-8 locale, 80x24, $theme theme"
    mapfile -t cmd < <(enrol_cmd C.UTF-8)
    term "utf8-$theme" 80x24 "$theme" "${cmd[@]}"
    poll 20 log_has "utf8-$theme" "$PROMPT" || fail "utf8-$theme: no prompt"
    WANT=$(printed_uri "$T_DIR/utf8-$theme.log") || true
    expect_match "utf8-$theme: the URI is printed, without default parameters" "$WANT" \
        '^otpauth://totp/db-01\.example\.com:ptqx-[0-9]+%40db-01\.example\.com\?secret=[A-Z2-7]{32}&issuer=db-01\.example\.com$'
    if shot "utf8-$theme"; then
        ok "utf8-$theme: the screenshot decodes to the printed URI"
    else
        fail "utf8-$theme: the screenshot does not decode to [$WANT]"
    fi
    stop
done

log "C locale, 80x24: the ANSI code does not fit"
mapfile -t cmd < <(enrol_cmd C)
term c-small 80x24 dark "${cmd[@]}"
poll 20 log_has c-small "$PROMPT" || fail "c-small: no prompt"
stop
TR=$(tr -d '\r' <"$T_DIR/c-small.log")
expect_match "C locale, 80x24: says the code does not fit, with the sizes" "$TR" \
    'The QR code is not shown: it needs [0-9]+ columns and [0-9]+ lines, and this terminal has 80 columns and 24 lines'
expect_match "... and what to do" "$TR" 'In a UTF-8 locale \(for example LC_ALL=C.UTF-8\) it is drawn half as large'
expect_match "... a larger window or a UTF-8 locale" "$TR" 'Use a larger window or a UTF-8 locale'
expect_nomatch "... no code drawn (no colours)" "$TR" $'\033\\[4[07]m'
expect_match "... the key is shown" "$TR" $'^  [A-Z2-7]{4}( [A-Z2-7]{4}){7}$'
expect_match "... and the URI" "$TR" '^URI: otpauth://totp/'

log "C locale, 100x50: the ANSI code fits and is drawn"
term c-large 100x50 light "${cmd[@]}"
poll 20 log_has c-large "$PROMPT" || fail "c-large: no prompt"
WANT=$(printed_uri "$T_DIR/c-large.log") || true
check "C locale, 100x50: ANSI colours drawn" log_has c-large $'\033\\[40m'
if shot c-large; then
    ok "C locale, 100x50: the screenshot decodes to the printed URI"
else
    fail "C locale, 100x50: the screenshot does not decode to [$WANT]"
fi
stop

log "UTF-8 locale, 40 columns: the code does not fit"
mapfile -t cmd < <(enrol_cmd C.UTF-8)
term narrow 40x24 light "${cmd[@]}"
poll 20 log_has narrow "$PROMPT" || fail "narrow: no prompt"
stop
TR=$(tr -d '\r' <"$T_DIR/narrow.log")
expect_match "40 columns: says the code needs more columns" "$TR" \
    'The QR code is not shown: it needs 4[0-9] columns and 2[0-9] lines, and this terminal has 40 columns and 24 lines'
expect_match "... and what to do" "$TR" 'Use a larger window and run the command again, or enter the key'
expect_nomatch "... no code drawn" "$TR" $'(\xe2\x96[\x80\x84\x88]|\033\\[30;47m)'
keys=$(printf '%s\n' "$TR" | grep -aE '^  [A-Z2-7]{4}( [A-Z2-7]{4})*$')
expect_eq "... the key, wrapped between groups to 40 columns" "$(printf '%s\n' "$keys" | awk '{ print length($0) }' | tr '\n' ' ')" "36 6 "

log "enrolment at login on a terminal (pamtester, PAM_TTY set): the same code"
term login 80x24 light env LD_PRELOAD="$(san_preload)$WRAPPER" PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$PAMD" pamtester -I tty=/dev/pts/0 ptcli "$U" authenticate
poll 20 log_has login 'scanned the code: ' || fail "login: no prompt ($(tail -c 300 "$T_DIR/login.log"))"
WANT=$(grep -ao 'otpauth://totp/[^ ]*' "$T_DIR/login.log" | head -1 | tr -d '\r') || true
expect_match "login: the conversation printed the URI" "$WANT" '^otpauth://totp/db-01\.example\.com:'
if shot login; then
    ok "login: the screenshot decodes to the URI of the conversation"
else
    fail "login: the screenshot does not decode to [$WANT]"
fi
stop
check "nothing was enrolled by the abandoned runs" test ! -e "$(home_of "$U")/.pam_totp"

finish
