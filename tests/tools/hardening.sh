# Helpers shared by tests/integration/test_hardening_*.sh, sourced after lib.sh. Not a program
# (tests/tools/*.c are built; this file is only read).
#
# A test user with a home, a service directory of the test's own with pam_totp first in the auth
# stack, a config file in the test directory, enrolment through the real pam-totp command and
# logins through the real libpam harness with the clock set by libfaketime.

# 2026-01-01 00:00:00 UTC: a fixed start, so codes and steps are reproducible. Tests move forward
# in whole 30-second steps from here.
H_T0=1767225600
H_CONFDIR=$T_DIR/pam.d
H_CONF=$T_DIR/pam_totp.conf
H_STATE_DIR=$T_DIR/state
H_FAULT_SO=$PT_BUILD_DIR/tests/fault/pt-fault.so

# PAM return codes the tests expect (Linux-PAM's _pam_types.h).
PAM_SUCCESS=0
PAM_SERVICE_ERR=3
PAM_AUTH_ERR=7
PAM_AUTHINFO_UNAVAIL=9
PAM_USER_UNKNOWN=10
PAM_CONV_ERR=19

# h_user_add PREFIX: creates a user PREFIX<random> with a home, removed (with the home) at exit.
# Sets H_USER and H_HOME.
h_user_add() {
    local name
    name="$1$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
    useradd -m -s /bin/sh "$name" || { fail "useradd $name"; exit 1; }
    on_exit "userdel -r -f $name 2>/dev/null"
    H_USER=$name
    H_HOME=$(getent passwd "$name" | cut -d: -f6)
}

# h_setup [home|system] [KEY=VALUE...]: config file and service directory. KEY=VALUE settings
# replace the defaults below or add to them. deny is high by default: the hardening tests count
# failures, not locks.
h_setup() {
    local mode=${1:-home}
    [ $# -gt 0 ] && shift
    local enrol='%h/.pam_totp'
    [ "$mode" = system ] && enrol="$T_DIR/enrol/%u"
    local -A kv=([mfa]=optional [deny]=1000 [state_dir]=$H_STATE_DIR [enrolment_file]=$enrol)
    local keys=(mfa deny state_dir enrolment_file) a k
    for a in "$@"; do
        k=${a%%=*}
        [ -n "${kv[$k]+set}" ] || keys+=("$k")
        kv[$k]=${a#*=}
    done
    for k in "${keys[@]}"; do echo "$k = ${kv[$k]}"; done >"$H_CONF"
    chmod 0644 "$H_CONF"
    mkdir -p "$H_CONFDIR"
    echo "auth required $PT_MODULE config=$H_CONF" >"$H_CONFDIR/pt-test"
}

# h_cli ARGS...: the real command with the test's config.
h_cli() { "$PT_CLI" --config "$H_CONF" "$@"; }

# h_enrol USER EPOCH: enrols USER through pam-totp as root (--begin, then --verify with the code
# of that moment). Sets H_SECRET and H_CODES (the backup codes, display form).
h_enrol() {
    local user=$1 t=$2 out code
    out=$(at "$t" "$PT_CLI" --config "$H_CONF" enrol --begin --json --user "$user") ||
        { fail "enrol --begin for $user: $out"; exit 1; }
    H_SECRET=$(printf '%s' "$out" | sed -n 's/.*"secret": *"\([A-Z2-7]*\)".*/\1/p')
    [ -n "$H_SECRET" ] || { fail "no secret in: $out"; exit 1; }
    code=$(totp_code "$H_SECRET" "$t")
    out=$(at "$t" "$PT_CLI" --config "$H_CONF" enrol --verify "$code" --json --user "$user") ||
        { fail "enrol --verify for $user: $out"; exit 1; }
    mapfile -t H_CODES < <(printf '%s' "$out" | grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}')
    [ "${#H_CODES[@]}" -gt 0 ] || { fail "no backup codes in: $out"; exit 1; }
}

# h_login EPOCH USER [ANSWER...]: one authentication through libpam at that moment; prints the
# conversation, returns the PAM code (124 if it hung for H_TIMEOUT seconds). Extra environment for the harness (e.g. LD_PRELOAD
# additions) comes from H_ENV (an array of NAME=VALUE).
h_login() {
    local t=$1; shift
    # timeout runs outside the preloads: libfaketime with the sanitizer runtimes preloaded into
    # an uninstrumented timeout(1) deadlocks at start.
    timeout "$H_TIMEOUT" env FAKETIME="@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" TZ=UTC \
        FAKETIME_DONT_RESET=1 LD_PRELOAD="$(san_preload)$FAKETIME_LIB" "${H_ENV[@]}" \
        "$PT_TOOLS/pt-pam_harness" --confdir "$H_CONFDIR" --service pt-test "$@"
}
H_ENV=()
H_TIMEOUT=60

# h_rc EPOCH USER [ANSWER...]: h_login with its conversation in $H_OUT; prints only the PAM code
# (errexit-safe).
H_OUT=$T_DIR/login.out
h_rc() {
    local rc=0
    h_login "$@" >"$H_OUT" 2>&1 || rc=$?
    echo "$rc"
}

# h_login_bg EPOCH USER ANSWER OUTFILE: like h_login in the background; $! is the harness itself
# (exec'd through env), so it can be killed by PID. The exit status goes to OUTFILE.rc.
h_login_bg() {
    local t=$1 user=$2 answer=$3 out=$4
    (
        FAKETIME="@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" TZ=UTC \
            LD_PRELOAD="$(san_preload)$FAKETIME_LIB" FAKETIME_DONT_RESET=1 \
            "$PT_TOOLS/pt-pam_harness" --confdir "$H_CONFDIR" --service pt-test "$user" "$answer" \
            >"$out" 2>&1
        echo $? >"$out.rc"
    ) &
}

# h_state_file USER: the runtime state's path (records are kept by uid).
h_state_file() { printf '%s/uid:%s' "$H_STATE_DIR" "$(id -u "$1")"; }

# h_state_text USER: the text of the state record (the newest whole slot).
h_state_text() { record_text "$(h_state_file "$1")"; }

# h_state_get USER KEY: a value from the state record ("" when absent).
h_state_get() { h_state_text "$1" | sed -n "s/^$2 = //p"; }

# h_count_list "a,b,c": how many items a comma list holds.
h_count_list() { if [ -z "$1" ]; then echo 0; else printf '%s' "$1" | tr ',' '\n' | grep -c .; fi; }

# h_ls DIR: the names in DIR, sorted, one a line. Comparing it before and after shows any
# temp file an atomic replace left behind.
h_ls() { find "$1" -maxdepth 1 -mindepth 1 -printf '%f\n' 2>/dev/null | LC_ALL=C sort; }

# h_wrong_code SECRET EPOCH [DIGITS]: a code that matches no step within +-2 of EPOCH.
h_wrong_code() {
    local s=$1 t=$2 d=${3:-6} c i ok
    for c in 000000 111111 123456 654321 999999 424242; do
        [ "$d" = 8 ] && c="${c}00"
        ok=1
        for i in -2 -1 0 1 2; do
            [ "$(totp_code "$s" $((t + i * 30)) --digits="$d")" = "$c" ] && ok=0
        done
        [ $ok = 1 ] && { echo "$c"; return 0; }
    done
    return 1
}
