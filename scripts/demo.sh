#!/usr/bin/env bash
# The whole pam_totp flow in a sandbox: enrolment with a QR code in the terminal, a login through
# real libpam with a code from oathtool (standing in for the phone), a replayed code refused, a
# backup code, a lockout after wrong codes, and an admin unlock.
#
# It changes nothing on the system besides installing missing Debian packages: the configuration,
# the enrolment and the runtime state live in a temporary directory that is removed at the end, the
# PAM stack is read from that directory (pam_start_confdir, no /etc/pam.d file), and the account
# used is root itself (no user is created). Runs without a terminal too (no input is read).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
        echo "The demo acts on root's own (temporary) enrolment and needs root: re-running with sudo." >&2
        exec sudo -- "$ROOT/scripts/demo.sh" "$@"
    fi
    echo "demo.sh: run it as root (it installs packages and authenticates root through libpam)." >&2
    exit 1
fi

. scripts/deps.sh
# shellcheck disable=SC2086
pt_install_deps $PT_BUILD_DEPS libcmocka-dev oathtool

BUILD=$ROOT/build-demo
echo "== Building into build-demo =="
buildlog=$(mktemp /tmp/pam_totp-demo-build.XXXXXX)
if ! { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build "$BUILD" -j"$(nproc)" --target pam_totp pam-totp pt-pam_harness; } >"$buildlog" 2>&1; then
    cat "$buildlog" >&2
    rm -f "$buildlog"
    echo "demo.sh: the build failed (output above)." >&2
    exit 1
fi
rm -f "$buildlog"
MODULE=$BUILD/pam_module/pam_totp.so
CLI=$BUILD/cli/pam-totp
HARNESS=$BUILD/tests/tools/pt-pam_harness

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B='' G='' R='' N=''; fi
STEP=0
step() { STEP=$((STEP + 1)); printf '\n%s== %d. %s ==%s\n' "$B" "$STEP" "$*" "$N"; }
say() { printf '%s\n' "$*" | fold -s -w 100; }
# pt ARGS...: the command with the sandbox's configuration, shown as typed.
pt() {
    printf '%s$ pam-totp %s%s\n' "$B" "$*" "$N"
    "$CLI" --config "$CONF" "$@" </dev/null
}

# The sandbox.
SANDBOX=$(mktemp -d /tmp/pam_totp-demo.XXXXXX)
chmod 0755 "$SANDBOX"
cleanup() { rm -rf "$SANDBOX"; }
trap cleanup EXIT
CONF=$SANDBOX/pam_totp.conf
cat >"$CONF" <<EOF
# pam_totp demo configuration (see pam_totp.conf(5))
mfa = optional
issuer = pam_totp-demo
backup_codes = 5
deny = 3
unlock_time = 300
# System mode inside the sandbox: the enrolment is root's, nothing goes into a home directory.
enrolment_file = $SANDBOX/enrol/%u
state_dir = $SANDBOX/state
EOF
chmod 0644 "$CONF"
mkdir -m 0755 "$SANDBOX/pam.d"
cat >"$SANDBOX/pam.d/pam_totp-demo" <<EOF
# A real stack puts the password step first (auth required pam_unix.so); the demo has no password
# to give, so pam_totp stands alone.
auth required $MODULE config=$CONF
EOF
pt_quiet() { "$CLI" --config "$CONF" "$@" </dev/null; }

# login ANSWER: one authentication through libpam, the conversation shown as it happens.
login() {
    local rc=0 out line
    out=$("$HARNESS" --confdir "$SANDBOX/pam.d" --service pam_totp-demo root "$@" 2>&1) || rc=$?
    while IFS= read -r line; do
        case "$line" in
        PROMPT_ECHO_OFF:*) printf '  prompt  : %s%s\n' "${line#PROMPT_ECHO_OFF: }" "${1:-(no answer)}" ;;
        INFO:*)            printf '  message : %s\n' "${line#INFO: }" ;;
        ERROR:*)           printf '  error   : %s\n' "${line#ERROR: }" ;;
        RESULT:*)          if [ "$rc" -eq 0 ]; then printf '  %s%s%s\n' "$G" "${line#RESULT: } -> logged in" "$N"
                           else printf '  %s%s%s\n' "$R" "${line#RESULT: } -> refused" "$N"; fi ;;
        esac
    done <<<"$out"
    return "$rc"
}
code_now() { oathtool --totp -b "$SECRET"; }

say "pam_totp demo. Everything lives in $SANDBOX, removed at the end."
say "The account is root; the PAM stack is read from the sandbox, so no system file is touched."
say "Its pam_totp.conf (passed to every command as --config):"
sed 's/^/    /' "$CONF"

step "Enrol: the QR code to scan with an authenticator app"
say "An administrator enrols root (for a user it would be \`pam-totp enrol\`, interactive):"
begin=$(pt_quiet enrol --begin --user root --qr=utf8)
printf '%s$ pam-totp enrol --begin --user root%s\n%s\n' "$B" "$N" "$begin"
SECRET=$(printf '%s\n' "$begin" | sed -n 's/^URI: .*[?&]secret=\([A-Z2-7]*\).*/\1/p')
[ -n "$SECRET" ] || { echo "demo: no secret in the enrolment output" >&2; exit 1; }

step "Confirm with a code from the app"
CODE=$(code_now)
say "The phone would now show $CODE (here: oathtool --totp -b SECRET). Confirming activates the"
say "enrolment and prints the one-time backup codes, once:"
verify=$(pt_quiet enrol --verify "$CODE" --user root)
printf '%s$ pam-totp enrol --verify %s --user root%s\n%s\n' "$B" "$CODE" "$N" "$verify"
mapfile -t BACKUP < <(printf '%s\n' "$verify" | grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}')
pt status --user root

step "Log in through libpam with the current code"
say "The code that confirmed the enrolment is spent; the next login takes the app's next code"
say "(waiting for the next 30-second step):"
while [ "$(code_now)" = "$CODE" ]; do sleep 1; done
LOGIN_CODE=$(code_now)
login "$LOGIN_CODE" || { echo "demo: the login with a valid code failed" >&2; exit 1; }

step "Replay: the same code a second time"
say "A code is good for one login only, even within its 30 seconds: the step is recorded in"
say "root-owned state before the login succeeds."
if login "$LOGIN_CODE"; then echo "demo: a replayed code was accepted" >&2; exit 1; fi

step "A backup code (lost phone)"
say "Backup codes are stored only as argon2id hashes; each works once, typed in any case:"
login "$(printf '%s' "${BACKUP[0]}" | tr '[:upper:]' '[:lower:]')" || { echo "demo: the backup code failed" >&2; exit 1; }
say "And the same backup code again:"
if login "${BACKUP[0]}"; then echo "demo: a used backup code was accepted" >&2; exit 1; fi

step "Lockout after wrong codes (deny = 3 within fail_interval)"
say "Every refusal counts, and a success clears the count; another backup code first:"
login "${BACKUP[1]}" || { echo "demo: the second backup code failed" >&2; exit 1; }
say "Three wrong codes:"
for wrong in 000000 111111 222222; do
    login "$wrong" || true
done
say "The third failure locked root for unlock_time (300 s). While locked nothing is checked, not"
say "even a right code:"
login "$(code_now)" || true
pt status --user root || true

step "An administrator lifts the lock"
pt unlock root
say "The next code from the app works again (a fresh 30-second step, so it may take a moment):"
while [ "$(code_now)" = "$LOGIN_CODE" ]; do sleep 1; done
login "$(code_now)" || { echo "demo: login after unlock failed" >&2; exit 1; }

step "Clean-up"
say "Removing $SANDBOX. Nothing else was changed. Next: README.md, pam_totp(8) for sshd,"
say "login and sudo stacks, and ./scripts/test.sh for the test suite."
