#!/usr/bin/env bash
# The lock logins serialise on (issue 10 items 2 and 10), through real libpam and real users:
#  - the victim's own process (system mode: malware running as the user) and a member of the
#    victim's primary group each hold flock() on every file they can open in state_dir: a login
#    with the right code and root's `pam-totp unlock` are not held up (on the release that locked
#    the record itself, both waited for the holder);
#  - root holding the real lock: a login and `pam-totp unlock` give up after the documented
#    bound (5 s) and fail closed with a message naming the lock, instead of waiting forever;
#  - a clock before 1970: an account without a lock is not "locked" (a lock time of 0 is not a
#    time), and a lock recorded then still works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
V=ptlk-victim
M=ptlk-mate
mod_user "$V"
userdel -r "$M" >/dev/null 2>&1 || true
useradd -m -s /bin/sh -G "$V" "$M"
on_exit "userdel -r $M >/dev/null 2>&1"
mkdir -m 0700 "$T_DIR/enrol"
mod_conf "mfa = optional" "deny = 3" "unlock_time = 600" "state_dir = $STATE_DIR" \
    "enrolment_file = $T_DIR/enrol/%u"
mod_service
enrol "$V"
VUID=$(id -u "$V")
HOLDER=$T_DIR/flock_holder.py
install -m 0755 "$PT_SOURCE_DIR/tests/tools/flock_holder.py" "$HOLDER"
pt() { "$PT_CLI" --config "$CONF" "$@"; }
# run_to EPOCH USER [ANSWER...]: run_at with a 30 s limit (RES 124 when it hung), so a login
# stuck behind a lock ends the check instead of the test.
run_to() {
    local t=$1
    shift
    RC=0
    OUT=$(timeout 30 env FAKETIME="@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" TZ=UTC \
        FAKETIME_DONT_RESET=1 LD_PRELOAD="$(san_preload)$FAKETIME_LIB" \
        "$H" --confdir "$T_DIR/svc" "$@") || RC=$?
    if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q '^INFO: PT-RESULT=ignore$'; then
        RES=ignore
    elif [ "$RC" = 0 ]; then
        RES=success
    else
        RES=$RC
    fi
}

# hold WHO REPORT [--only] NAME...: starts the holder as WHO (a user, or root), waits (bounded)
# until it reports what it holds; its PID is in HOLDER_PID.
hold() {
    local who=$1 report=$2 i
    shift 2
    local only=()
    [ "${1:-}" = --only ] && { only=(--only); shift; }
    local rdir
    rdir=$(dirname "$report")
    mkdir -p "$rdir"
    chown "$who" "$rdir"
    if [ "$who" = root ]; then
        "$HOLDER" "${only[@]}" "$STATE_DIR" "$report" "$@" &
    else
        setpriv --reuid="$who" --regid="$(id -g "$who")" --init-groups \
            "$HOLDER" "${only[@]}" "$STATE_DIR" "$report" "$@" &
    fi
    HOLDER_PID=$!
    on_exit "kill $HOLDER_PID 2>/dev/null"
    for ((i = 0; i < 600; i++)); do [ -s "$report" ] && return 0; sleep 0.05; done
    fail "the holder started as $who reported nothing"
    return 1
}

# --- 1. Users holding every lock they can take do not hold up a login or unlock.
t=$T0
run_at $t "$V" "$(code $t)"
expect_eq "a first login records the state" "$RES" success
names=("uid:$VUID" "$V" "locks:" "locks:/$VUID" ".")
hold "$V" "$T_DIR/held-v/report" "${names[@]}"
PID_V=$HOLDER_PID
hold "$M" "$T_DIR/held-m/report" "${names[@]}"
PID_M=$HOLDER_PID
check "the victim's process holds a lock on its state record" grep -q . "$T_DIR/held-v/report"
check "the group-mate's process holds a lock on the victim's record" grep -q . "$T_DIR/held-m/report"
log "held by the victim: $(tr '\n' ' ' <"$T_DIR/held-v/report"); by the mate: $(tr '\n' ' ' <"$T_DIR/held-m/report")"
check_not "neither can open the root-only lock" grep -q "locks:" "$T_DIR/held-v/report" "$T_DIR/held-m/report"

t=$((T0 + 60))
start=$(date +%s%N)
run_to $t "$V" "$(code $t)"
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "while users hold every lock they can: a login with the right code succeeds" "$RES" success
log "that login took $ms ms"
run_to $((t + 30)) "$V" 000000
run_to $((t + 30)) "$V" 000001
run_to $((t + 30)) "$V" 000002
expect_match "three wrong codes lock the account meanwhile" "$OUT" "locked"
rc=0
out=$(timeout 60 env FAKETIME="@$(date -u -d "@$((t + 40))" '+%Y-%m-%d %H:%M:%S')" TZ=UTC \
    LD_PRELOAD="$(san_preload)$FAKETIME_LIB" "$PT_CLI" --config "$CONF" unlock "$V" 2>&1) || rc=$?
expect_eq "while users hold every lock they can: pam-totp unlock works" "$rc" 0
expect_match "unlock says it unlocked" "$out" "Unlocked"
kill "$PID_V" "$PID_M" 2>/dev/null
wait "$PID_V" "$PID_M" 2>/dev/null || true

# --- 2. A wait for the real lock is bounded: root holding it makes logins fail closed, in time.
hold root "$T_DIR/held-r/report" --only "locks:/$VUID"
PID_R=$HOLDER_PID
check "root's holder holds the real lock" grep -qx "$STATE_DIR/locks:/$VUID" "$T_DIR/held-r/report"
t=$((T0 + 300))
from=$(syslog_lines)
start=$(date +%s)
run_to $t "$V" "$(code $t)"
took=$(($(date +%s) - start))
expect_eq "the lock held by another process: the login fails closed" "$RES" $PAM_AUTHINFO_UNAVAIL
check "it gave up after the bound, not at once nor forever ($took s)" test "$took" -ge 4 -a "$took" -le 40
check "syslog names the lock and says it fails closed" \
    syslog_wait "locks:/$VUID: the runtime state of uid $VUID has been locked by another process for 5 seconds; failing closed" "$from"
rc=0
start=$(date +%s)
out=$(timeout 60 "$PT_CLI" --config "$CONF" unlock "$V" 2>&1) || rc=$?
took=$(($(date +%s) - start))
expect_eq "pam-totp unlock gives up too (system error)" "$rc" 3
check "pam-totp unlock gave up after the bound ($took s)" test "$took" -le 40
expect_match "pam-totp unlock says why" "$out" "locked by another process"
kill "$PID_R" 2>/dev/null
wait "$PID_R" 2>/dev/null || true
run_at $((t + 30)) "$V" "$(code $((t + 30)))"
expect_eq "the holder gone: logins work again" "$RES" success

# --- 3. A clock before 1970 (1969-12-31): no lock is no lock; a lock made then still holds.
pt reset "$V" --yes >/dev/null
mapfile -t BACKUP < <("$MKENROL" "$V" "$SECRET" "config=$CONF")
early=-86400
run_at $early "$V" "${BACKUP[0]}"
expect_eq "clock in 1969: an unlocked account logs in with a backup code" "$RES" success
expect_nomatch "clock in 1969: no lock message" "$OUT" "locked"
st=$(at $early "$PT_CLI" --config "$CONF" status --json --user "$V")
expect_match "clock in 1969: status says not locked" "$st" '"locked": *false'
for i in 1 2 3; do run_at $early "$V" "AAAA-BBBB-CCC$i"; done
run_at $early "$V" "${BACKUP[1]}"
expect_eq "clock in 1969: three wrong codes still lock" "$RES" $PAM_AUTH_ERR
expect_match "clock in 1969: the lock is reported" "$OUT" "locked"
fails=$(state_text "$V" | sed -n 's/^failures = //p' | tr ',' '\n')
expect_eq "clock in 1969: three failures recorded" "$(printf '%s\n' "$fails" | grep -c .)" 3
expect_eq "clock in 1969: no failure time of 0 or below (0 and -1 mean none)" \
    "$(printf '%s\n' "$fails" | awk '$1 <= 0' | wc -l)" 0
expect_match "clock in 1969: the lock has a time" "$(state_text "$V")" "lock_until = [1-9]"
finish
