#!/usr/bin/env bash
# No secret and no code reaches syslog, on any path: with the module's `debug` argument on, the
# log is captured while the command enrols, shows status, regenerates codes, lists, unlocks,
# disables and resets, and while logins succeed (TOTP, backup code), fail (wrong, replayed,
# used backup code, malformed), lock the account, are refused while locked, and enrol at login.
# Then the log is searched for the secret (base32 upper and lower case, grouped, hex) and for
# every code presented or shown.
. "$PT_SOURCE_DIR/tests/integration/lib.sh"
. "$PT_SOURCE_DIR/tests/tools/hardening.sh"
need_root
syslog_start

h_setup home deny=3 unlock_time=0
sed -i 's/config=/debug config=/' "$H_CONFDIR/pt-test"
SECRETS=()  # every secret seen (base32)
CODES=()    # every code presented or shown
seen_codes() { CODES+=("$@"); }

h_user_add pt-sec
h_enrol "$H_USER" "$H_T0"
SECRETS+=("$H_SECRET"); seen_codes "${H_CODES[@]}" "$(totp_code "$H_SECRET" "$H_T0")"
T=$((H_T0 + 3600))
login() { # EXPECTED ANSWER: one login at a new step, the answer remembered
    T=$((T + 30))
    seen_codes "$2"
    expect_eq "login with a $3 answer gives $1" "$(h_rc "$T" "$H_USER" "$2")" "$1"
}
c=$(totp_code "$H_SECRET" $((T + 30)))
login $PAM_SUCCESS "$c" "valid TOTP"
T=$((T - 30)); login $PAM_AUTH_ERR "$c" "replayed"
login $PAM_SUCCESS "${H_CODES[0]}" "backup"
login $PAM_AUTH_ERR "${H_CODES[0]}" "used backup"
login $PAM_SUCCESS "$(printf '%s' "${H_CODES[1]}" | tr 'A-Z' 'a-z')" "lower-case backup"
login $PAM_AUTH_ERR "12ab34" "malformed"
login $PAM_AUTH_ERR "$(h_wrong_code "$H_SECRET" $((T + 30)))" "wrong"
login $PAM_AUTH_ERR "$(h_wrong_code "$H_SECRET" $((T + 30)))" "wrong"
login $PAM_AUTH_ERR "$(h_wrong_code "$H_SECRET" $((T + 30)))" "wrong (locks)"
login $PAM_AUTH_ERR "$(totp_code "$H_SECRET" $((T + 30)))" "valid code while locked"
syslog_wait 'event=locked' || fail "the lock was not logged (the log capture is not working)"

# The command, as root on the user's behalf.
out=$(h_cli backup-codes --json --user "$H_USER")
mapfile -t new < <(printf '%s' "$out" | grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}')
seen_codes "${new[@]}"
h_cli status --json --user "$H_USER" >/dev/null || fail "status"
h_cli list --json >/dev/null || fail "list"
h_cli unlock "$H_USER" >/dev/null || fail "unlock"
login $PAM_SUCCESS "${new[5]}" "new backup"
h_cli disable --user "$H_USER" >/dev/null || fail "disable"
h_enrol "$H_USER" $((T + 60))
SECRETS+=("$H_SECRET"); seen_codes "${H_CODES[@]}" "$(totp_code "$H_SECRET" $((T + 60)))"
h_cli reset "$H_USER" --yes >/dev/null || fail "reset"

# Enrolment at login: the secret is shown in the conversation; three wrong confirmations.
h_user_add pt-sec2
echo "auth required $PT_MODULE debug config=$H_CONF mfa=required enrol_at_login=yes" >"$H_CONFDIR/pt-enrol"
T=$((T + 120))
w1=000000 w2=111111 w3=999999
seen_codes $w1 $w2 $w3
rc=0
at "$T" "$PT_TOOLS/pt-pam_harness" --confdir "$H_CONFDIR" --service pt-enrol "$H_USER" "" $w1 $w2 $w3 \
    >"$T_DIR/enrol.out" 2>&1 || rc=$?
s=$(grep -oE 'secret=[A-Z2-7]+' "$T_DIR/enrol.out" | head -n 1 | cut -d= -f2)
if [ -n "$s" ]; then
    SECRETS+=("$s")
    ok "enrolment at login showed a secret (login result $rc)"
else
    fail "enrolment at login showed no secret: $(head -c 600 "$T_DIR/enrol.out")"
fi

syslog_sync # everything logged so far is in the capture
lines=$(wc -l <"$T_SYSLOG")
check "the log captured the events ($lines lines)" grep -q 'event=login_ok' "$T_SYSLOG"
check "the log captured failures" grep -q 'event=login_failed' "$T_SYSLOG"

leaks=0
leak_if() { # DESCRIPTION GREP-ARGS...: a hit is a leak
    local d=$1; shift
    if grep "$@" "$T_SYSLOG" >"$T_DIR/hit"; then
        leaks=$((leaks + 1)); fail "syslog holds $d: $(head -n 2 "$T_DIR/hit")"
    fi
}
for s in "${SECRETS[@]}"; do
    lower=$(printf '%s' "$s" | tr 'A-Z' 'a-z')
    hex=$(printf '%s' "$s" | base32 -d 2>/dev/null | od -An -tx1 | tr -d ' \n')
    [ -z "$hex" ] && hex=$( (printf '%s' "$s"; printf '%*s' $(((8 - ${#s} % 8) % 8)) '' | tr ' ' =) | base32 -d | od -An -tx1 | tr -d ' \n')
    leak_if "a secret (base32)" -F -- "$s"
    leak_if "a secret (lower case)" -F -- "$lower"
    leak_if "a secret (first 16 characters)" -Fi -- "${s:0:16}"
    leak_if "a secret (grouped)" -Fi -- "$(printf '%s' "${s:0:16}" | sed 's/..../& /g;s/ $//')"
    [ -n "$hex" ] && leak_if "a secret (hex)" -Fi -- "$hex"
done
for c in "${CODES[@]}"; do
    case $c in
        *-*) # a backup code: as shown, without hyphens, any case
            leak_if "a backup code" -Fi -- "$c"
            leak_if "a backup code (no hyphens)" -Fi -- "${c//-/}" ;;
        *) leak_if "a code ($c)" -E -- "(^|[^0-9])$c([^0-9]|\$)" ;;
    esac
done
expect_eq "no secret and none of ${#CODES[@]} codes in $lines lines of syslog" "$leaks" 0
finish
