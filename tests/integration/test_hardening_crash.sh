#!/usr/bin/env bash
# Crashes: 300 logins, each SIGKILLed at a random moment (spread over the time a login
# takes, so kills land before, during and after the state update). After every kill the state
# file must parse, a login reported successful must have been recorded, and the code must never
# be accepted again once recorded. PT_CRASH_LOOPS overrides the count.
. "$PT_SOURCE_DIR/tests/integration/lib.sh"
. "$PT_SOURCE_DIR/tests/tools/hardening.sh"
need_root

# 200 in the normal build (500 before integ_hardening_crash_syscalls killed a login at each of
# its system calls in turn; these random kills add timing that a sweep at call entry cannot,
# such as a kill inside a long call); the sanitizer build runs the same code under ASan, 3 to
# 10 times slower, so 50 kills there keep the suite within its time budget of 20 minutes.
# PT_CRASH_LOOPS=N runs more.
if [ "$PT_SANITIZE" = 1 ]; then LOOPS=${PT_CRASH_LOOPS:-50}; else LOOPS=${PT_CRASH_LOOPS:-200}; fi
h_user_add pt-crash
h_setup home
h_enrol "$H_USER" "$H_T0"
state=$(h_state_file "$H_USER")

# Start a login in the background with the clock at EPOCH; $! is the harness itself.
start_login() {
    local t=$1 answer=$2 out=$3
    FAKETIME="@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" TZ=UTC FAKETIME_DONT_RESET=1 \
        LD_PRELOAD="$(san_preload)$FAKETIME_LIB" \
        "$PT_TOOLS/pt-pam_harness" --confdir "$H_CONFDIR" --service pt-test "$H_USER" "$answer" \
        >"$out" 2>&1 &
}

# How long does one login take here (started the way the loop starts it)? Kills are spread
# uniformly over 1.5 times that.
T=$((H_T0 + 3600))
total=0
for i in 1 2 3 4 5 6; do
    T=$((T + 30))
    code=$(totp_code "$H_SECRET" "$T")
    t0=$(date +%s%N)
    start_login "$T" "$code" "$T_DIR/cal.out"
    wait $! || true
    total=$((total + $(date +%s%N) - t0))
    grep -q '^RESULT: Success' "$T_DIR/cal.out" || fail "calibration login $i"
done
dur_us=$((total / 6000))
spread_us=$((dur_us * 3 / 2))
log "a login takes about $((dur_us / 1000)) ms; kills land within 0..$((spread_us / 1000)) ms"

# A full login (not killed) the same cheap way; prints the PAM code.
login_rc() {
    start_login "$1" "$2" "$T_DIR/replay.out"
    local rc=0
    wait $! || rc=$?
    echo "$rc"
}

unparsable=0 lost=0 replayed=0 recorded_by_killed=0 not_recorded=0 completed=0 second_accept=0
for ((i = 1; i <= LOOPS; i++)); do
    T=$((T + 30))
    step=$((T / 30))
    code=$(totp_code "$H_SECRET" "$T")
    out=$T_DIR/kill.out
    rm -f "$out"
    start_login "$T" "$code" "$out"
    pid=$!
    delay=$(((RANDOM * 32768 + RANDOM) % (spread_us + 1)))
    sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # libfaketime's shared clock of the killed process is never removed by it.
    rm -f "/dev/shm/faketime_shm_$pid" "/dev/shm/sem.faketime_sem_$pid"

    if ! parsed=$("$PT_TOOLS/pt-parse_check" state "$state" 2>&1); then
        unparsable=$((unparsable + 1))
        log "loop $i: the state does not parse after the kill: $parsed"
        cp "$state" "$T_DIR/unparsable.$i" 2>/dev/null || true
        continue
    fi
    last=$(printf '%s' "$parsed" | sed -n 's/^last_step=\(-*[0-9]*\) .*/\1/p')
    if grep -qs '^RESULT: Success' "$out"; then
        completed=$((completed + 1))
        # Success is only reported after the step was durably recorded.
        [ "$last" -ge "$step" ] || { lost=$((lost + 1)); log "loop $i: success reported but last_step $last < $step"; }
    fi
    if [ "$last" -ge "$step" ]; then
        recorded_by_killed=$((recorded_by_killed + 1))
        rc=$(login_rc $((T + 1)) "$code")
        [ "$rc" = $PAM_SUCCESS ] && { replayed=$((replayed + 1)); log "loop $i: recorded code accepted again"; }
    else
        not_recorded=$((not_recorded + 1))
        # Not recorded, so it may be accepted once now; never twice.
        rc=$(login_rc $((T + 1)) "$code")
        if [ "$rc" = $PAM_SUCCESS ]; then
            second_accept=$((second_accept + 1))
            rc=$(login_rc $((T + 2)) "$code")
            [ "$rc" = $PAM_SUCCESS ] && { replayed=$((replayed + 1)); log "loop $i: code accepted twice"; }
        fi
    fi
done

log "$LOOPS kills: $recorded_by_killed recorded by the killed login ($completed of them reported success first)," \
    "$not_recorded not recorded ($second_accept then accepted once by a later login)"
leftover=$(h_ls "$H_STATE_DIR" | grep -vx -e "uid:$(id -u "$H_USER")" -e "locks:" || true)
log "temp files left behind by the kills in the state directory: $(printf '%s' "$leftover" | grep -c . || true)" \
    "$(printf '%s' "$leftover" | head -n 3 | tr '\n' ' ')"
expect_eq "after $LOOPS SIGKILLs the state always parses" "$unparsable" 0
expect_eq "no login reported success without recording the step" "$lost" 0
expect_eq "no code accepted again once recorded" "$replayed" 0
check "kills landed both before and after the state update ($recorded_by_killed/$not_recorded)" \
    test "$recorded_by_killed" -gt 0 -a "$not_recorded" -gt 0
T=$((T + 30))
expect_eq "the account still works after the crashes" "$(h_rc "$T" "$H_USER" "$(totp_code "$H_SECRET" "$T")")" $PAM_SUCCESS
finish
