# A TOTP login with store = ldap beside store = files, same run (docs/BENCHMARKS.md, "store =
# ldap"): one pam_authenticate per process through the libpam harness of the test suite, the
# two stores alternating login by login, each with a fresh code; the directory is a real slapd on
# 127.0.0.1 (the test suite's, with the shipped schema and the documented ACL, plain LDAP on
# loopback), so the difference is what the directory costs a login: loading libldap, connect,
# bind, read the entry, compare-and-swap the state.
#
#   bash bench/ldap_bench.sh BUILD_DIR [LOGINS]     (root; BUILD_DIR a normal build with tests)
#
# Prints one line per store: median and p95 in ms, and the logins that did not succeed (0).
# It creates a test account and a slapd on port 39431 as the integration tests do (and removes
# them), so run it under the suite's lock: flock /tmp/pt-integ.lock bash bench/ldap_bench.sh ...
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
n=${2:-200}
export PT_SOURCE_DIR="$src" PT_BUILD_DIR="$build" PT_MODULE="$build/pam_module/pam_totp.so" \
    PT_CLI="$build/cli/pam-totp" PT_TOOLS="$build/tests/tools" PT_SANITIZE=0
. "$src/tests/integration/lib.sh"
. "$src/tests/integration/module_lib.sh"
. "$src/tests/integration/ldap_lib.sh"
mod_init
ldap_init
syslog_start
PORT=39431
SD="$T_DIR/slapd"
slapd_conf "$SD" $PORT
slapd_start "$SD" "ldap://127.0.0.1:$PORT/" || { finish; exit 1; }
U=ptbenchl-$$
mod_user "$U"
install -d -m 0711 "$T_DIR/state"
{
    printf 'mfa = optional\nstore = ldap\nldap_uri = ldap://127.0.0.1:%s\nldap_base = %s\n' $PORT "$LDAP_BASE"
    printf 'ldap_binddn = %s\nldap_bindpw_file = %s\n' "$SVC_DN" "$SVC_PW_FILE"
} >"$T_DIR/ldap.conf"
printf 'mfa = optional\nstate_dir = %s\n' "$T_DIR/state" >"$T_DIR/files.conf"
for s in files ldap; do
    chmod 0644 "$T_DIR/$s.conf"
    mkdir -p "$T_DIR/svc-$s"
    printf 'auth required %s config=%s\n' "$PT_MODULE" "$T_DIR/$s.conf" >"$T_DIR/svc-$s/pt-test"
    "$MKENROL" "$U" "$SECRET" "config=$T_DIR/$s.conf" >/dev/null
done
: >"$T_DIR/files.ms"
: >"$T_DIR/ldap.ms"
bad_files=0 bad_ldap=0
t=$T0
for i in $(seq 1 "$n"); do
    order="files ldap"
    [ $((i % 2)) = 0 ] && order="ldap files" # neither always runs first
    for s in $order; do
        t=$((t + 30))
        c=$(code $t)
        start=$(date +%s%N)
        rc=0
        at "$t" "$H" --confdir "$T_DIR/svc-$s" "$U" "$c" >/dev/null 2>&1 || rc=$?
        end=$(date +%s%N)
        echo "$(((end - start) / 1000))" >>"$T_DIR/$s.ms"
        [ "$rc" = 0 ] || eval "bad_$s=\$((bad_$s + 1))"
    done
done
stats() { # FILE: median and p95 in ms (from microseconds)
    sort -n "$1" | awk '{v[NR] = $1} END {m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.95 + 0.5)];
        printf "median %.2f ms, p95 %.2f ms", m / 1000, p / 1000}'
}
echo "store = files: $n logins: $(stats "$T_DIR/files.ms"), failed $bad_files"
echo "store = ldap:  $n logins: $(stats "$T_DIR/ldap.ms"), failed $bad_ldap"
finish
