# Shared helpers for integration tests (sourced). Tests run one at a time (RESOURCE_LOCK system).
# Environment from ctest: PT_SOURCE_DIR PT_BUILD_DIR PT_MODULE PT_CLI PT_TOOLS PT_SANITIZE.
set -euo pipefail

: "${PT_SOURCE_DIR:?run through ctest}" "${PT_BUILD_DIR:?}" "${PT_MODULE:?}" "${PT_CLI:?}" "${PT_TOOLS:?}"
PT_SANITIZE=${PT_SANITIZE:-0}
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

T_NAME=$(basename "$0" .sh)
T_FAILS=0
T_CLEANUPS=()

# A private work directory, removed at exit with everything registered by on_exit.
T_DIR=$(mktemp -d "/tmp/pt-${T_NAME}.XXXXXX")
chmod 0755 "$T_DIR"
on_exit() { T_CLEANUPS+=("$*"); }
# libfaketime gives each faked process a shared clock in /dev/shm named by its PID and removes it
# only when that process exits normally (not after exec or SIGKILL): remove the ones this test
# made whose process is gone.
ls /dev/shm >"$T_DIR/.shm-before" 2>/dev/null || true
_t_shm_cleanup() {
    local f pid
    ls /dev/shm 2>/dev/null | grep -E '^(faketime_shm_|sem\.faketime_sem_)[0-9]+$' |
        grep -vxF -f "$T_DIR/.shm-before" | while read -r f; do
            pid=${f##*_}
            kill -0 "$pid" 2>/dev/null || rm -f "/dev/shm/$f"
        done || true
}
_t_cleanup() {
    local i rc=$?
    for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUPS[$i]}" || true; done
    _t_shm_cleanup
    rm -rf "$T_DIR"
    return $rc
}
trap _t_cleanup EXIT

log() { printf '[%s] %s\n' "$T_NAME" "$*" >&2; }

# skip REASON: exit 77 (ctest skips it outside CI; under CI=true the same exit is a failure).
skip() { log "SKIP: $*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

ok() { log "ok: $*"; }
fail() { log "FAIL: $*"; T_FAILS=$((T_FAILS + 1)); }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# check_not DESCRIPTION COMMAND...: passes when the command fails.
check_not() { local d=$1; shift; if "$@"; then fail "$d"; else ok "$d"; fi; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected [$3], got [$2]"; fi; }
# Here-strings, not pipes: grep -q stops reading at the first match, and under pipefail the
# writer's SIGPIPE on a long text would turn a match into "no match" (a false pass of
# expect_nomatch).
expect_match() { if grep -Eq -- "$3" <<<"$2"; then ok "$1"; else fail "$1: [$2] does not match /$3/"; fi; }
expect_nomatch() { if grep -Eq -- "$3" <<<"$2"; then fail "$1: [$2] matches /$3/"; else ok "$1"; fi; }
# finish: the test's exit status.
finish() {
    if [ "$T_FAILS" -gt 0 ]; then log "$T_FAILS check(s) failed"; exit 1; fi
    log "all checks passed"; exit 0
}

# totp_code BASE32 EPOCH [oathtool options...]: the code oathtool computes for that moment.
totp_code() { local s=$1 t=$2; shift 2; oathtool --totp -b "$@" -N "@$t" "$s"; }

# at EPOCH COMMAND...: run COMMAND with its clock at EPOCH (libfaketime, absolute, ticking).
# libfaketime goes first: behind the sanitizer runtimes an uninstrumented program hangs at
# start-up; ASan then must not insist on coming first.
at() {
    local t=$1; shift
    FAKETIME="@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" TZ=UTC FAKETIME_DONT_RESET=1 \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        LD_PRELOAD="$FAKETIME_LIB $(san_preload)" "$@"
}

# Under the sanitizer build an uninstrumented host (sshd, pamtester) loading the module needs
# the runtimes preloaded. libcrypt too: ASan intercepts crypt() and finds the real one only if
# libcrypt is loaded at start-up, else pam_unix calls through a null pointer.
san_preload() {
    if [ "$PT_SANITIZE" = 1 ]; then
        printf '%s %s %s ' "$(gcc -print-file-name=libasan.so)" \
            "$(gcc -print-file-name=libubsan.so)" /lib/x86_64-linux-gnu/libcrypt.so.1
    fi
}

# Syslog capture: bind a datagram socket at /dev/log (only when none exists) and append what
# arrives to $T_SYSLOG. syslog_start registers its own stop.
T_SYSLOG="$T_DIR/syslog.log"
syslog_start() {
    local waited=0
    # Another run's test (a second ctest on the same machine) may hold it for a while: wait.
    while [ -S /dev/log ] && [ -f /run/pt-logsink.pid ] &&
        kill -0 "$(cat /run/pt-logsink.pid 2>/dev/null)" 2>/dev/null && [ $waited -lt 300 ]; do
        sleep 1; waited=$((waited + 1))
    done
    if [ -e /dev/log ]; then
        if [ -S /dev/log ] && [ -f /run/pt-logsink.pid ] && kill -0 "$(cat /run/pt-logsink.pid)" 2>/dev/null; then
            skip "another test's log sink holds /dev/log"
        fi
        [ -S /dev/log ] && [ ! -f /run/pt-logsink.pid ] && skip "/dev/log belongs to a running syslog daemon"
        rm -f /dev/log
    fi
    : >"$T_SYSLOG"
    "$PT_TOOLS/pt-logsink" /dev/log "$T_SYSLOG" &
    local pid=$!
    echo "$pid" >/run/pt-logsink.pid
    on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f /dev/log /run/pt-logsink.pid"
    local i
    for i in $(seq 50); do [ -S /dev/log ] && return 0; sleep 0.1; done
    fail "log sink did not start"; exit 1
}

# The sink receives datagrams asynchronously: a line a program logged may reach $T_SYSLOG a
# moment after the program exited (long after, on a loaded machine). Never read the capture
# right after an action; wait for what is expected with these bounded polls.
SYSLOG_WAIT_S=30
# syslog_wait ERE [FROM]: waits until a line after line FROM (default 0) of $T_SYSLOG matches
# ERE; false after SYSLOG_WAIT_S seconds without one.
syslog_wait() {
    local ere=$1 from=${2:-0} i
    for ((i = 0; i < SYSLOG_WAIT_S * 20; i++)); do
        tail -n +"$((from + 1))" "$T_SYSLOG" | grep -Eq -- "$ere" && return 0
        sleep 0.05
    done
    log "syslog_wait: no line matching /$ere/ after line $from within ${SYSLOG_WAIT_S} s"
    return 1
}
# syslog_sync: logs a unique marker through /dev/log and waits for it. Datagrams on one socket
# arrive in order, so everything logged before the call is then in $T_SYSLOG: use it before
# reading the whole capture and before checking that something is NOT there.
syslog_sync() {
    local mark="pt-syslog-sync-$$-$RANDOM$RANDOM"
    logger -u /dev/log -t pt-test "$mark" || { fail "logger could not write to /dev/log"; return 1; }
    syslog_wait "$mark" || { fail "the log sink did not catch up"; return 1; }
}
# syslog_lines: how many lines the capture holds once everything logged so far has arrived
# (for a later syslog_wait ERE "$(syslog_lines)", or tail -n +N).
syslog_lines() { syslog_sync >&2 && wc -l <"$T_SYSLOG"; }
# syslog_clear: empties the capture once everything logged so far has arrived.
syslog_clear() { syslog_sync && : >"$T_SYSLOG"; }

# record_text FILE: the text of a runtime-state record (the newest whole slot of the two-slot
# form, state_slots.h); empty when the file is missing or damaged.
record_text() { "$PT_TOOLS/pt-parse_check" state-text "$1" 2>/dev/null; }
