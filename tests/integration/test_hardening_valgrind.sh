#!/usr/bin/env bash
# valgrind memcheck over the libpam harness with the module (success, wrong, replay, backup,
# malformed, unsafe file, no enrolment) and over the command (enrol, status, backup-codes, list,
# unlock, disable, reset, usage errors): no memory errors and no definite leaks. The real clock
# is used (libfaketime under valgrind is not reliable); codes come from oathtool for now.
# In the sanitizer build valgrind cannot run the ASan-instrumented binaries; there ASan and
# UBSan check the same paths (every other test), so this test only says so and passes.
. "$PT_SOURCE_DIR/tests/integration/lib.sh"
. "$PT_SOURCE_DIR/tests/tools/hardening.sh"
need_root
if [ "$PT_SANITIZE" = 1 ]; then
    ok "sanitizer build: memory errors are checked by ASan/UBSan here; valgrind runs in the normal build"
    finish
fi
command -v valgrind >/dev/null || { fail "valgrind is not installed (scripts/deps.sh installs it)"; finish; }

VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --num-callers=30)
runs=0
# vg LABEL WANT CMD...: CMD under memcheck exits with WANT (a regex: 0, or 0|3) and valgrind
# reports nothing.
vg() {
    local label=$1 want=$2 rc=0; shift 2
    runs=$((runs + 1))
    "${VG[@]}" --log-file="$T_DIR/vg.$runs.log" "$@" >"$T_DIR/vg.$runs.out" 2>&1 || rc=$?
    if [ "$rc" = 99 ] || [ -s "$T_DIR/vg.$runs.log" ]; then
        fail "$label: valgrind reports errors or leaks:"
        sed 's/^/    /' "$T_DIR/vg.$runs.log" >&2
    else
        ok "$label: memcheck clean"
    fi
    if [[ $rc =~ ^($want)$ ]]; then ok "$label: exit status $rc"; else fail "$label: exit status: expected [$want], got [$rc]"; fi
    [[ $rc =~ ^($want)$ ]] || sed 's/^/    /' "$T_DIR/vg.$runs.out" | tail -n 5 >&2
}
harness=("$PT_TOOLS/pt-pam_harness" --confdir "$H_CONFDIR" --service pt-test)
now_code() { totp_code "$H_SECRET" $(($(date +%s) + ${1:-0})); }

h_setup home
h_user_add pt-vg
user=$H_USER
vg "cli enrol --begin" 0 "$PT_CLI" --config "$H_CONF" enrol --begin --json --user "$H_USER"
H_SECRET=$(sed -n 's/.*"secret": *"\([A-Z2-7]*\)".*/\1/p' "$T_DIR/vg.$runs.out")
vg "cli enrol --verify" 0 "$PT_CLI" --config "$H_CONF" enrol --verify "$(now_code)" --json --user "$H_USER"
mapfile -t codes < <(grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$T_DIR/vg.$runs.out")
[ "${#codes[@]}" -gt 3 ] || { fail "no backup codes from enrol --verify"; finish; }

# The module through libpam. The next step's code is newer than anything the enrolment used.
c=$(now_code 30)
vg "module: valid TOTP" $PAM_SUCCESS "${harness[@]}" "$H_USER" "$c"
vg "module: replayed TOTP" $PAM_AUTH_ERR "${harness[@]}" "$H_USER" "$c"
vg "module: wrong code" $PAM_AUTH_ERR "${harness[@]}" "$H_USER" "$(h_wrong_code "$H_SECRET" "$(date +%s)")"
vg "module: malformed answer" $PAM_AUTH_ERR "${harness[@]}" "$H_USER" "$(head -c 600 /dev/zero | tr '\0' x)"
vg "module: backup code" $PAM_SUCCESS "${harness[@]}" "$H_USER" "${codes[0]}"
vg "module: used backup code" $PAM_AUTH_ERR "${harness[@]}" "$H_USER" "${codes[0]}"
vg "module: no answer (conversation fails)" $PAM_CONV_ERR "${harness[@]}" "$H_USER"
chmod 0644 "$H_HOME/.pam_totp"
vg "module: unsafe enrolment file" $PAM_AUTHINFO_UNAVAIL "${harness[@]}" "$H_USER" "$(now_code)"
chmod 0600 "$H_HOME/.pam_totp"
vg "module: unknown user" $PAM_USER_UNKNOWN "${harness[@]}" pt-no-such-user-here "123456"
echo "auth required $PT_MODULE config=$H_CONF mfa=required enrol_at_login=yes" >"$H_CONFDIR/pt-enrol"
h_user_add pt-vg2
vg "module: enrolment at login, abandoned" $PAM_AUTH_ERR \
    "$PT_TOOLS/pt-pam_harness" --confdir "$H_CONFDIR" --service pt-enrol "$H_USER" "" 000000 111111 999999
echo "auth required $PT_MODULE config=$H_CONF digits=7" >"$H_CONFDIR/pt-bad"
vg "module: bad module argument (fails closed)" $PAM_SERVICE_ERR \
    "$PT_TOOLS/pt-pam_harness" --confdir "$H_CONFDIR" --service pt-bad "$H_USER"

# The command.
vg "cli status" 0 "$PT_CLI" --config "$H_CONF" status --json --user "$user"
vg "cli backup-codes" 0 "$PT_CLI" --config "$H_CONF" backup-codes --json --user "$user"
# list covers every account of the machine; one it cannot read (another test's, say) is exit 3.
vg "cli list" "0|3" "$PT_CLI" --config "$H_CONF" list --json
vg "cli unlock" 0 "$PT_CLI" --config "$H_CONF" unlock "$user"
vg "cli disable" 0 "$PT_CLI" --config "$H_CONF" disable --user "$user"
vg "cli reset" 0 "$PT_CLI" --config "$H_CONF" reset "$user" --yes
vg "cli --help" 0 "$PT_CLI" --help
vg "cli usage error" 2 "$PT_CLI" --config "$H_CONF" enrol --bogus
vg "cli status of a user without MFA" 0 "$PT_CLI" --config "$H_CONF" status --user "$H_USER"
log "$runs runs under valgrind memcheck"
finish
