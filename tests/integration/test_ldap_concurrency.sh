# store = ldap under load and failure, against a real slapd on 127.0.0.1: 24 logins at once, half
# through each of two hosts, with one code: exactly one succeeds (compare-and-swap at the
# server); the same with one backup code; slapd killed while logins run: each fails closed
# (PAM_AUTHINFO_UNAVAIL) or succeeded before, within ldap_timeout; a hung slapd (SIGSTOP): fails
# closed within ldap_timeout; slapd back up on the same database: logins work and nothing was
# lost (the used code and backup code stay used, failures stay counted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
. "$(dirname "$0")/ldap_lib.sh"
mod_init
ldap_init
syslog_start
PORT=39421
SD="$T_DIR/slapd"
slapd_conf "$SD" $PORT
URLS="ldap://127.0.0.1:$PORT/"
slapd_start "$SD" "$URLS" || { finish; exit 1; }
URI="ldap://127.0.0.1:$PORT"
U=ptldapc-$$
mod_user "$U"
TIMEOUT=2
for h in a b; do
    {
        printf 'mfa = optional\ndeny = 100\nstore = ldap\nldap_uri = %s\nldap_base = %s\n' "$URI" "$LDAP_BASE"
        printf 'ldap_binddn = %s\nldap_bindpw_file = %s\nldap_timeout = %s\n' "$SVC_DN" "$SVC_PW_FILE" $TIMEOUT
        printf 'issuer = host-%s\n' $h
    } >"$T_DIR/$h.conf"
    chmod 0644 "$T_DIR/$h.conf"
    mkdir -p "$T_DIR/svc-$h"
    printf 'auth required %s config=%s\naccount required pam_permit.so\n' "$PT_MODULE" "$T_DIR/$h.conf" >"$T_DIR/svc-$h/pt-test"
done
mapfile -t BACKUP < <("$MKENROL" "$U" "$SECRET" "config=$T_DIR/a.conf")
login() { # HOST EPOCH ANSWER OUTFILE: exit status = the PAM result
    at "$2" "$H" --confdir "$T_DIR/svc-$1" "$U" "$3" >"$4" 2>&1
}
# burst N EPOCH ANSWER: N logins at once, alternating hosts; $NOK successes, $NOTHER other results
burst() {
    local n=$1 t=$2 ans=$3 i pids=() rc
    rm -f "$T_DIR"/burst.*
    for i in $(seq 1 "$n"); do
        h=a; [ $((i % 2)) = 0 ] && h=b
        ( rc=0; login $h "$t" "$ans" "$T_DIR/burst.$i.out" || rc=$?; echo $rc >"$T_DIR/burst.$i.rc" ) &
        pids+=($!)
    done
    wait "${pids[@]}"
    NOK=0 NFAIL=0 NOTHER=0
    for i in $(seq 1 "$n"); do
        case $(cat "$T_DIR/burst.$i.rc") in
        0) NOK=$((NOK + 1)) ;;
        "$PAM_AUTH_ERR") NFAIL=$((NFAIL + 1)) ;;
        *) NOTHER=$((NOTHER + 1)); log "login $i: $(cat "$T_DIR/burst.$i.out")" ;;
        esac
    done
}
t=$T0

# --- One code, 24 logins at once through two hosts: exactly one succeeds.
burst 24 $t "$(code $t)"
expect_eq "24 logins, one code: one success" "$NOK" 1
expect_eq "24 logins, one code: 23 refused" "$NFAIL" 23
expect_eq "24 logins, one code: nothing else" "$NOTHER" 0
t=$((t + 30))
burst 24 $t "${BACKUP[0]}"
expect_eq "24 logins, one backup code: one success" "$NOK" 1
expect_eq "24 logins, one backup code: 23 refused" "$NFAIL" 23
# 24 wrong codes at once: every failure is counted, none lost in the races.
state_failures() {
    ldapsearch -x -H "$URI" -D "$ROOT_DN" -w "$ROOT_PW" -b "uid=$U,$LDAP_BASE" -s base -LLL -o ldif-wrap=no pamTotpState |
        /usr/bin/python3 -c 'import sys,base64
for l in sys.stdin.read().splitlines():
    if l.startswith("pamTotpState::"): print(base64.b64decode(l.split(":: ",1)[1]).decode())
    elif l.startswith("pamTotpState:"): print(l.split(": ",1)[1])' | sed -n 's/^failures = //p' | tr ',' '\n' | { grep -c . || true; }
}
before=$(state_failures)
burst 24 $t 000000
expect_eq "24 wrong codes at once: all refused" "$NFAIL" 24
expect_eq "24 wrong codes at once: all 24 counted" "$(state_failures)" $((before + 24))

# --- slapd killed while logins run: each one succeeded or failed closed, none hung.
t=$((t + 30))
rm -f "$T_DIR"/run.*
pids=()
for i in $(seq 1 8); do
    h=a; [ $((i % 2)) = 0 ] && h=b
    ( rc=0; login $h $((t + 30 * i)) "$(code $((t + 30 * i)))" "$T_DIR/run.$i.out" || rc=$?; echo $rc >"$T_DIR/run.$i.rc" ) &
    pids+=($!)
done
slapd_kill "$SD"
start=$(date +%s%N)
wait "${pids[@]}"
el=$((($(date +%s%N) - start) / 1000000))
bad=0
for i in $(seq 1 8); do
    case $(cat "$T_DIR/run.$i.rc") in 0|"$PAM_AUTHINFO_UNAVAIL") ;; *) bad=$((bad + 1)); log "run $i: $(cat "$T_DIR/run.$i.out")" ;; esac
done
expect_eq "killed mid-run: each login succeeded or failed closed" "$bad" 0
check "killed mid-run: all ended within ldap_timeout ($el ms)" test "$el" -lt $((TIMEOUT * 1000 + 1500))
t=$((t + 300))
rc=0; login a $t "$(code $t)" "$T_DIR/down.out" || rc=$?
expect_eq "slapd down: PAM_AUTHINFO_UNAVAIL" "$rc" $PAM_AUTHINFO_UNAVAIL
check "slapd down: the user is told" grep -q "directory cannot be reached" "$T_DIR/down.out"

# --- A hung slapd (accepts connections, never answers): fails closed within ldap_timeout.
slapd_start "$SD" "$URLS" || { finish; exit 1; }
kill -STOP "$(cat "$SD/slapd.pid")"
on_exit "kill -CONT $(cat "$SD/slapd.pid") 2>/dev/null"
start=$(date +%s%N)
rc=0; login b $t "$(code $t)" "$T_DIR/hung.out" || rc=$?
el=$((($(date +%s%N) - start) / 1000000))
kill -CONT "$(cat "$SD/slapd.pid")"
expect_eq "slapd hung: PAM_AUTHINFO_UNAVAIL" "$rc" $PAM_AUTHINFO_UNAVAIL
check "slapd hung: failed within ldap_timeout ($el ms)" test "$el" -lt $((TIMEOUT * 1000 + 1500))
check "slapd hung: not before it ($el ms)" test "$el" -ge $((TIMEOUT * 1000 - 100))

# --- Back up: logins work, and nothing was lost.
slapd_stop "$SD"
slapd_start "$SD" "$URLS" || { finish; exit 1; }
rc=0; login a $T0 "$(code $T0)" "$T_DIR/again.out" || rc=$?
expect_eq "back up: the code used before is still refused" "$rc" $PAM_AUTH_ERR
rc=0; login b $((T0 + 600)) "${BACKUP[0]}" "$T_DIR/again.out" || rc=$?
expect_eq "back up: the backup code used before is still refused" "$rc" $PAM_AUTH_ERR
t=$((t + 900))
rc=0; login b $t "$(code $t)" "$T_DIR/again.out" || rc=$?
expect_eq "back up: a fresh code works" "$rc" 0
rc=0; login a $((t + 30)) "${BACKUP[1]}" "$T_DIR/again.out" || rc=$?
expect_eq "back up: an unused backup code works" "$rc" 0
finish
