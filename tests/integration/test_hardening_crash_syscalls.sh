#!/usr/bin/env bash
# Crashes at every system call: a login is killed (SIGKILL, strace's fault injection) on entry to
# each system call it makes from taking the state lock to its exit, one run per system call, in
# both ways a record is written: updated in place (one slot, one fdatasync) and made new (the
# first record of a uid: temp file, fsync, rename, fsync of the directory). After every kill the
# record must read (or be absent, when none was made yet), and a code that the record shows as
# used must never be accepted again; a code the killed login did not record may be accepted once
# by a later login, never twice. What a power cut can leave of the slot being written (torn at
# any byte, never written, a flipped byte) is unit_state's test_slots.
. "$PT_SOURCE_DIR/tests/integration/lib.sh"
. "$PT_SOURCE_DIR/tests/tools/hardening.sh"
need_root
command -v strace >/dev/null || { fail "strace is not installed (scripts/test.sh installs it)"; finish; }

h_user_add pt-sysc
h_setup home
h_enrol "$H_USER" "$H_T0"
state=$(h_state_file "$H_USER")

# sc_login EPOCH ANSWER OUT [STRACE-ARGS...]: one login through libpam under strace, the clock
# at EPOCH; prints the harness's exit status as strace reports it (137: killed).
sc_login() {
    local t=$1 answer=$2 out=$3 rc=0
    shift 3
    # LeakSanitizer cannot run under ptrace (it stops the world with ptrace itself); the leak
    # checks are the other tests' business.
    strace -f -qq "$@" -E "FAKETIME=@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" -E TZ=UTC \
        -E FAKETIME_DONT_RESET=1 -E "LD_PRELOAD=$(san_preload)$FAKETIME_LIB" \
        -E "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        "$PT_TOOLS/pt-pam_harness" --confdir "$H_CONFDIR" --service pt-test "$H_USER" "$answer" \
        >"$out" 2>&1 || rc=$?
    echo "$rc"
}
login_ok() { [ "$(h_rc "$1" "$H_USER" "$2")" = "$PAM_SUCCESS" ]; }

# The system calls of one login from the lock on, as "NAME OCCURRENCE" (the how-manyth call of
# that name in the whole login: strace's when= counts per name).
calls_from_lock() {
    awk '
        match($0, /^[0-9]+ +[a-z0-9_]+\(/) {
            name = substr($0, RSTART, RLENGTH - 1); sub(/^[0-9]+ +/, "", name)
            n[name]++
            if (!on && index($0, "locks:/")) on = 1
            if (on) print name, n[name]
        }' "$1"
}

T=$((H_T0 + 3600))
killed_total=0
sweep() { # WHAT FRESH(1: remove the record before each login)
    local what=$1 fresh=$2 trace=$T_DIR/trace.$1 points name nth rc last step code
    T=$((T + 30))
    [ "$fresh" = 1 ] && rm -f "$state"
    rc=$(sc_login "$T" "$(totp_code "$H_SECRET" "$T")" "$T_DIR/trace.out" -o "$trace" -e trace=all)
    [ "$rc" = 0 ] || { fail "$what: the traced login failed ($rc): $(cat "$T_DIR/trace.out")"; return; }
    mapfile -t points < <(calls_from_lock "$trace")
    check "$what: the traced login has system calls from the lock on (${#points[@]})" \
        test "${#points[@]}" -gt 5
    [ "$fresh" = 1 ] && check "$what: the traced login made the record by rename" grep -q 'rename' "$trace"
    [ "$fresh" = 1 ] || check "$what: the traced login wrote in place, one fdatasync" \
        test "$(grep -c 'fdatasync(' "$trace")" = 1 -a "$(grep -c 'rename' "$trace")" = 0
    local killed=0 unreadable=0 replayed=0 lost=0 recorded=0 unrecorded=0
    for p in "${points[@]}"; do
        read -r name nth <<<"$p"
        T=$((T + 30)); step=$((T / 30)); code=$(totp_code "$H_SECRET" "$T")
        [ "$fresh" = 1 ] && rm -f "$state"
        # strace injects only into the calls it traces.
        rc=$(sc_login "$T" "$code" "$T_DIR/kill.out" -o "$T_DIR/kill.trace" -e "trace=$name" \
            -e "inject=$name:signal=KILL:when=$nth")
        if [ "$rc" = 137 ]; then
            killed=$((killed + 1))
            # libfaketime's shared clock of the killed process is never removed by it.
            pid=$(sed -n 's/^\([0-9]*\) +++ killed by SIGKILL.*/\1/p' "$T_DIR/kill.trace")
            if [ -n "$pid" ]; then rm -f "/dev/shm/faketime_shm_$pid" "/dev/shm/sem.faketime_sem_$pid"; fi
        fi
        last=-1
        if [ -e "$state" ] || [ "$fresh" = 0 ]; then
            if ! parsed=$("$PT_TOOLS/pt-parse_check" state "$state" 2>&1); then
                unreadable=$((unreadable + 1)); log "$what: killed at $name #$nth: $parsed"; continue
            fi
            last=$(printf '%s' "$parsed" | sed -n 's/^last_step=\(-*[0-9]*\) .*/\1/p')
        fi
        if grep -qs '^RESULT: Success' "$T_DIR/kill.out" && [ "$last" -lt "$step" ]; then
            lost=$((lost + 1)); log "$what: killed at $name #$nth: success without the step recorded"
        fi
        if [ "$last" -ge "$step" ]; then
            recorded=$((recorded + 1))
            login_ok $((T + 1)) "$code" && { replayed=$((replayed + 1)); log "$what: $name #$nth: used code accepted again"; }
        else
            unrecorded=$((unrecorded + 1))
            if login_ok $((T + 1)) "$code"; then
                login_ok $((T + 2)) "$code" && { replayed=$((replayed + 1)); log "$what: $name #$nth: code accepted twice"; }
            fi
        fi
    done
    log "$what: ${#points[@]} system calls, $killed logins killed at one; $recorded kills after the step was recorded, $unrecorded before"
    killed_total=$((killed_total + killed))
    check "$what: nearly every injection killed the login ($killed of ${#points[@]})" \
        test "$killed" -ge $(( ${#points[@]} * 9 / 10 ))
    expect_eq "$what: the record always reads after a kill" "$unreadable" 0
    expect_eq "$what: no login reported success without recording the step" "$lost" 0
    expect_eq "$what: no code was accepted again once used" "$replayed" 0
    check "$what: kills landed both before and after the step was recorded ($recorded/$unrecorded)" \
        test "$recorded" -gt 0 -a "$unrecorded" -gt 0
}

login_ok "$((T - 30))" "$(totp_code "$H_SECRET" $((T - 30)))" || fail "the first login (makes the record)"
sweep in-place 0
# The sanitizer build runs the same code some 5 times slower; it sweeps the new write path (in
# place) and leaves the atomic replacement, unchanged by it, to the normal build's sweep, which
# keeps the suite within its time budget.
[ "$PT_SANITIZE" = 1 ] || sweep new-record 1
# The durable mark (state_io.c): an update writes over the slot that does not hold the record
# it read, so that record must be durable first. After a login killed between its slot write and
# its fdatasync (the slot in the page cache only), and after one killed between the rename of a
# new record and the directory fsync (the name not durable), the next update must sync the record
# and the directory before it writes; the update after that needs no extra sync.
# write_calls TRACE: the write-path calls of a login, each with what it acts on.
write_calls() {
    sed -nE 's/^[0-9]+ +(pwrite64|fdatasync|fsync)\(([0-9]+<[^>]*>).*/\1 \2/p' "$1" |
        awk '{ what = index($2, "/uid:") ? "record" : index($2, "/locks:/") ? "lock" : "dir"
               printf "%s%s:%s", sep, $1, what; sep = " " }'
}
traced_writes() { # EPOCH: one login, traced; prints its write calls
    local rc
    rc=$(sc_login "$1" "$(totp_code "$H_SECRET" "$1")" "$T_DIR/mark.out" -y -o "$T_DIR/mark.trace" \
        -e trace=pwrite64,fdatasync,fsync)
    [ "$rc" = 0 ] || fail "the traced login at $1 failed ($rc): $(cat "$T_DIR/mark.out")"
    write_calls "$T_DIR/mark.trace"
}
kill_at() { # EPOCH CALL N: a login killed on entry to the Nth CALL
    local rc
    rc=$(sc_login "$1" "$(totp_code "$H_SECRET" "$1")" "$T_DIR/mark.out" -o "$T_DIR/mark.kill" \
        -e "trace=$2" -e "inject=$2:signal=KILL:when=$3")
    expect_eq "killed at $2 #$3" "$rc" 137
    pid=$(sed -n 's/^\([0-9]*\) +++ killed by SIGKILL.*/\1/p' "$T_DIR/mark.kill")
    if [ -n "$pid" ]; then rm -f "/dev/shm/faketime_shm_$pid" "/dev/shm/sem.faketime_sem_$pid"; fi
}
steady="pwrite64:record fdatasync:record pwrite64:lock"
# The catch-up writes the slot it read again before syncing: after a failed writeback that
# another fsync reported, its pages are clean in the cache but not on disk.
catch_up="pwrite64:record fdatasync:record fsync:dir $steady"
T=$((T + 30))
expect_eq "a usual update: one write, one sync, the mark" "$(traced_writes "$T")" "$steady"
T=$((T + 30)); kill_at "$T" fdatasync 1
T=$((T + 30))
expect_eq "after a login killed before its fdatasync, the next syncs what it read first" \
    "$(traced_writes "$T")" "$catch_up"
T=$((T + 30))
expect_eq "... and the one after that is a usual update" "$(traced_writes "$T")" "$steady"
rm -f "$state"
T=$((T + 30)); kill_at "$T" fsync 2
check "the killed login renamed its new record into place" test -e "$state"
T=$((T + 30))
expect_eq "after a login killed before the directory fsync of a new record, the next syncs it first" \
    "$(traced_writes "$T")" "$catch_up"

T=$((T + 30))
check "the account still works after $killed_total kills" login_ok "$T" "$(totp_code "$H_SECRET" "$T")"
finish
