# Helpers for the end-to-end tests through a real OpenSSH server and client (sourced after lib.sh).
#
# What a test gets (everything is undone at exit, in reverse order):
#   sshd_init                      checks root and tools, picks a free loopback port, makes a host
#                                  key, a client key and the askpass script
#   sshd_user NAME PASSWORD        a real account (useradd + chpasswd), removed with userdel -r
#   sshd_pam_stack LINE...         /etc/pam.d/$SSHD_SERVICE (a name of the test's own)
#   sshd_start METHODS [EPOCH]     sshd on 127.0.0.1:$SSHD_PORT; with EPOCH it runs under libfaketime
#                                  with its clock starting at EPOCH (so the module's time is known);
#                                  SSHD_LISTEN_EXTRA=::1 makes it listen on that address too
#   sshd_stop                      by the PID in its PidFile
#   ask_set PASSWORD [CODE...]     what the askpass script answers: the password for "Password:"
#                                  and for the one-prompt stack's "Password & verification code:"
#                                  (give password and code together then), the CODEs in order for
#                                  "Verification code:" prompts
#   sshd_log_count RE / sshd_log_has STRING   what this sshd logged / any sshd of the test logged
#   ssh_login USER [ssh options]   one login running `echo PT-LOGIN-OK` (to $SSH_HOST, default
#                                  127.0.0.1); status 0 when it got in.
#                                  $SSH_OUT / $SSH_ERR hold the client's stdout / stderr and
#                                  $ASK_LOG every prompt text the client passed to askpass.
#   pt_conf LINE...                writes $PT_CONF (root-owned, 0644) for the module and the CLI,
#                                  with state_dir = $PT_STATE
#   cli ARGS...                    runs the pam-totp command with --config $PT_CONF
#   enrol_user NAME EPOCH          two-step enrolment with the CLI at EPOCH: sets $SECRET, $BACKUP
#   pt_base_epoch                  a step-aligned start time for a test's faked clock
#   pam_at EPOCH CMD...            lib.sh's `at` for programs running pam_unix (also under ASan)
#
# How the prompts arrive (OpenSSH 9.2, keyboard-interactive through PAM): sshd collects PAM_TEXT_INFO
# and PAM_ERROR_MSG messages and sends them in front of the next prompt, so askpass receives
# "(user@127.0.0.1) info line\ninfo line\nPrompt: " as $1; text after the last prompt is printed by
# ssh on stderr. The askpass script answers according to the prompt's last line.

# A test stopped by a signal (ctest's timeout, ^C) still runs lib.sh's clean-up (the EXIT trap):
# no test user, PAM service file or sshd is left behind.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

SSHD_BIN=/usr/sbin/sshd
SSH_BIN=/usr/bin/ssh

sshd_init() {
    need_root
    local t
    for t in "$SSHD_BIN" "$SSH_BIN" ssh-keygen oathtool useradd userdel chpasswd setsid ss jq timeout; do
        command -v "$t" >/dev/null || skip "$t missing: run scripts/test.sh (it installs the test packages)"
    done
    [ -f "$FAKETIME_LIB" ] || skip "libfaketime missing: install the faketime package"
    SSHD_DIR="$T_DIR/sshd"
    mkdir -p "$SSHD_DIR" "$T_DIR/ask"
    chmod 0700 "$SSHD_DIR"
    # sshd's privilege-separation directory; created only when missing, left for the system.
    if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd
    fi
    ssh-keygen -q -t ed25519 -N '' -C pt-test-host -f "$SSHD_DIR/host_key"
    ssh-keygen -q -t ed25519 -N '' -C pt-test-client -f "$SSHD_DIR/client_key"
    SSHD_SERVICE="pt-sshd-$$-$RANDOM"
    SSHD_PORT=$(_sshd_free_port)
    SSHD_PIDFILE="$SSHD_DIR/sshd.pid"
    SSHD_LOG="$SSHD_DIR/sshd.log"
    PT_CONF="$T_DIR/pam_totp.conf"
    PT_STATE="$T_DIR/state"
    ASK_LOG="$T_DIR/ask/transcript"
    SSH_OUT="$T_DIR/ssh.out"
    SSH_ERR="$T_DIR/ssh.err"
    _askpass_write
    _btmp_keep
    log "sshd service $SSHD_SERVICE on 127.0.0.1:$SSHD_PORT"
}

# A port nobody listens on, from a range the system does not hand out as ephemeral.
_sshd_free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + (RANDOM % 12000)))
        if ! ss -Htln "sport = :$p" | grep -q .; then
            echo "$p"
            return 0
        fi
    done
    fail "no free port found"
    exit 1
}

# sshd records failed keyboard-interactive logins in /var/log/btmp: put it back as it was.
_btmp_keep() {
    local f=/var/log/btmp size
    [ -f "$f" ] || return 0
    size=$(stat -c %s "$f")
    on_exit "truncate -s $size $f"
}

sshd_user() {
    local name=$1 pw=$2
    useradd -m -s /bin/bash -c "pam_totp test user" "$name"
    on_exit "pkill -KILL -u $name 2>/dev/null; userdel -r $name 2>/dev/null"
    printf '%s:%s\n' "$name" "$pw" | chpasswd
    local home
    home=$(getent passwd "$name" | cut -d: -f6)
    install -d -m 0700 -o "$name" -g "$(id -gn "$name")" "$home/.ssh"
    install -m 0600 -o "$name" -g "$(id -gn "$name")" "$SSHD_DIR/client_key.pub" "$home/.ssh/authorized_keys"
}

# Every argument is one line of the PAM service file.
sshd_pam_stack() {
    local f="/etc/pam.d/$SSHD_SERVICE"
    [ -e "$f" ] || on_exit "rm -f $f"
    printf '%s\n' "# pam_totp end-to-end test ($T_NAME), removed when the test ends" "$@" >"$f"
    chmod 0644 "$f"
}

# The usual stack: password, then pam_totp with the test's config and state directory.
# Extra arguments are appended to the pam_totp line.
sshd_pam_password_totp() {
    sshd_pam_stack \
        "auth required pam_unix.so" \
        "auth required $PT_MODULE config=$PT_CONF state_dir=$PT_STATE $*" \
        "account required pam_unix.so" \
        "session required pam_unix.so"
}

sshd_start() {
    local methods=$1 epoch=${2:-}
    sshd_stop
    cat >"$SSHD_DIR/sshd_config" <<EOF
Port $SSHD_PORT
ListenAddress 127.0.0.1
${SSHD_LISTEN_EXTRA:+ListenAddress $SSHD_LISTEN_EXTRA}
HostKey $SSHD_DIR/host_key
PidFile $SSHD_PIDFILE
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication yes
AuthenticationMethods $methods
PermitRootLogin no
UseDNS no
StrictModes yes
MaxAuthTries 6
LoginGraceTime 60
LogLevel VERBOSE
EOF
    # OpenSSH 9.2 names its PAM service after argv[0]: start it through a symlink.
    ln -sf "$SSHD_BIN" "$SSHD_DIR/$SSHD_SERVICE"
    rm -f "$SSHD_PIDFILE"
    # Each start gets a fresh log (counts are per phase); the earlier ones are kept for
    # sshd_log_has.
    if [ -f "$SSHD_LOG" ]; then cat "$SSHD_LOG" >>"$SSHD_DIR/sshd-earlier.log"; fi
    : >"$SSHD_LOG"
    local pre env=()
    pre=$(san_preload)
    if [ -n "$epoch" ]; then
        # libfaketime goes first: behind the sanitizer runtimes it deadlocks an uninstrumented
        # host at start-up (ASan then needs verify_asan_link_order=0, set below).
        local ft
        ft="@$(date -u -d "@$epoch" '+%Y-%m-%d %H:%M:%S')"
        _faketime_holder "$ft"
        env=(FAKETIME="$ft" FAKETIME_DONT_RESET=1 TZ=UTC FAKETIME_SHARED="$FT_SHARED"
             LD_PRELOAD="$FAKETIME_LIB ${pre% }")
        # The clock the module sees: epoch + real seconds since now.
        echo "$epoch $(date +%s)" >"$T_DIR/ask/clock"
    else
        [ -n "$pre" ] && env=(LD_PRELOAD="$pre")
        rm -f "$T_DIR/ask/clock"
    fi
    # sshd itself is not instrumented: its own leaks at exit are not ours to report.
    # Reports from the module go to files checked when sshd stops.
    if [ "$PT_SANITIZE" = 1 ]; then
        env+=(ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:verify_asan_link_order=0:log_path=$SSHD_DIR/asan"
              UBSAN_OPTIONS="print_stacktrace=1:log_path=$SSHD_DIR/ubsan")
    fi
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${env[@]}" \
        "$SSHD_DIR/$SSHD_SERVICE" -f "$SSHD_DIR/sshd_config" -E "$SSHD_LOG"
    for _ in $(seq 100); do
        if [ -s "$SSHD_PIDFILE" ] && ss -Htln "sport = :$SSHD_PORT" | grep -q .; then
            SSHD_PID=$(cat "$SSHD_PIDFILE")
            on_exit sshd_stop
            return 0
        fi
        sleep 0.1
    done
    fail "sshd did not start; its log:"
    cat "$SSHD_LOG" >&2 || true
    exit 1
}

# libfaketime keeps its clock in a semaphore and shared memory that the first process to load it
# creates and, being their creator, removes at exit. Left to sshd, a process that forked off the
# creator (the seccomp-sandboxed pre-authentication child) would remove them too and be killed for
# the unlink(2) call. So a holder process of the test's own creates them, every sshd process only
# attaches (FAKETIME_SHARED), and the holder's files are removed when sshd stops.
_faketime_holder() {
    # Files that a killed process of the same PID left behind would be taken over: remove them
    # first (the PID stays the same through exec).
    FT="$1" FT_LIB="$FAKETIME_LIB" bash -c 'rm -f "/dev/shm/faketime_shm_$$" "/dev/shm/sem.faketime_sem_$$"
        exec env -i FAKETIME="$FT" TZ=UTC LD_PRELOAD="$FT_LIB" sleep 3600' &
    FT_HOLDER=$!
    FT_SHARED="/faketime_sem_$FT_HOLDER /faketime_shm_$FT_HOLDER"
    on_exit _faketime_holder_stop
    for _ in $(seq 50); do
        [ -e "/dev/shm/faketime_shm_$FT_HOLDER" ] && [ -e "/dev/shm/sem.faketime_sem_$FT_HOLDER" ] && return 0
        sleep 0.1
    done
    fail "libfaketime did not create its shared clock"
    exit 1
}
_faketime_holder_stop() {
    [ -n "${FT_HOLDER:-}" ] || return 0
    kill "$FT_HOLDER" 2>/dev/null || true
    wait "$FT_HOLDER" 2>/dev/null || true
    rm -f "/dev/shm/faketime_shm_$FT_HOLDER" "/dev/shm/sem.faketime_sem_$FT_HOLDER"
    FT_HOLDER=
}

sshd_stop() {
    [ -n "${SSHD_PID:-}" ] || return 0
    kill "$SSHD_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SSHD_PID" 2>/dev/null || break; sleep 0.1; done
    _faketime_holder_stop
    SSHD_PID=
    # sshd's own listener is gone; no session outlives a test login (each runs one command).
    local r
    for r in "$SSHD_DIR"/asan.* "$SSHD_DIR"/ubsan.*; do
        [ -e "$r" ] || continue
        fail "sanitizer report from the module inside sshd: $r"
        cat "$r" >&2
        rm -f "$r"
    done
}

# The clock the module sees now (faked when sshd runs under libfaketime).
sshd_now() {
    if [ -f "$T_DIR/ask/clock" ]; then
        local e s
        read -r e s <"$T_DIR/ask/clock"
        echo $((e + $(date +%s) - s))
    else
        date +%s
    fi
}

ask_set() {
    printf '%s\n' "$1" >"$T_DIR/ask/password"
    shift
    : >"$T_DIR/ask/codes"
    [ $# -gt 0 ] && printf '%s\n' "$@" >"$T_DIR/ask/codes"
    return 0
}

# The askpass program: ssh runs it once per prompt with the prompt text as $1. It records the text
# and answers by the prompt's last line: "Password:" -> the password; "Verification code:" (and
# any other prompt ending in "code:") -> the next queued code or, when the queue is empty and the
# conversation showed an otpauth URI (enrolment at login), a code oathtool computes from that URI
# at the module's clock; "Press Enter ..." pauses and anything else -> an empty line.
_askpass_write() {
    ASKPASS="$T_DIR/ask/askpass"
    cat >"$ASKPASS" <<EOF
#!/bin/bash
D=$T_DIR/ask
EOF
    cat >>"$ASKPASS" <<'EOF'
text=$1
printf '%s\n<<<END>>>\n' "$text" >>"$D/transcript"
last=${text##*$'\n'}
last=${last#(*@*) }
code_from_uri() {
    local uri secret alg digits period now e s
    uri=$(grep -ao 'otpauth://totp/[^ ]*' "$D/transcript" | tail -n1)
    [ -n "$uri" ] || return 1
    secret=$(printf '%s' "$uri" | sed -n 's/.*[?&]secret=\([A-Za-z2-7=]*\).*/\1/p')
    alg=$(printf '%s' "$uri" | sed -n 's/.*[?&]algorithm=\([A-Za-z0-9]*\).*/\1/p' | tr 'A-Z' 'a-z')
    digits=$(printf '%s' "$uri" | sed -n 's/.*[?&]digits=\([0-9]*\).*/\1/p')
    period=$(printf '%s' "$uri" | sed -n 's/.*[?&]period=\([0-9]*\).*/\1/p')
    now=$(date +%s)
    if [ -f "$D/clock" ]; then read -r e s <"$D/clock"; now=$((e + now - s)); fi
    oathtool --totp="${alg:-sha1}" --digits="${digits:-6}" --time-step-size="${period:-30}s" \
        -N "@$now" -b "$secret"
}
case "$last" in
*[Pp]ress\ [Ee]nter*)
    echo ;;
*[Pp]assword\ \&\ verification\ code:*)
    cat "$D/password" ;;
*[Pp]assword:*)
    cat "$D/password" ;;
*[Cc]ode*:*)
    if [ -s "$D/codes" ]; then
        head -n1 "$D/codes"
        sed -i 1d "$D/codes"
    else
        code_from_uri || echo 000000
    fi ;;
*)
    echo ;;
esac
EOF
    chmod 0700 "$ASKPASS"
}

# ssh_login USER [ssh options...]: one non-interactive login; 0 when the command ran. The given
# options come first (for ssh the first value of an option wins).
ssh_login() {
    local user=$1; shift
    : >"$ASK_LOG"
    local rc=0
    SSH_ASKPASS="$ASKPASS" SSH_ASKPASS_REQUIRE=force DISPLAY='' \
        timeout 60 setsid -w "$SSH_BIN" -F /dev/null -p "$SSHD_PORT" "$@" \
        -o UserKnownHostsFile="$SSHD_DIR/known_hosts" -o StrictHostKeyChecking=accept-new \
        -o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no \
        -o NumberOfPasswordPrompts=1 -o ConnectTimeout=20 \
        "$user@${SSH_HOST:-127.0.0.1}" 'echo PT-LOGIN-OK' </dev/null >"$SSH_OUT" 2>"$SSH_ERR" || rc=$?
    if [ "$rc" -eq 0 ] && ! grep -qx PT-LOGIN-OK "$SSH_OUT"; then rc=99; fi
    return "$rc"
}

# The public-key variant: the client key first, then keyboard-interactive.
ssh_login_pubkey() {
    local user=$1; shift
    ssh_login "$user" -o PubkeyAuthentication=yes -o IdentitiesOnly=yes \
        -o IdentityFile="$SSHD_DIR/client_key" \
        -o PreferredAuthentications=publickey,keyboard-interactive "$@"
}

# expect_login DESCRIPTION USER [ssh options]: the login must succeed.
expect_login() {
    local d=$1; shift
    if ssh_login "$@"; then ok "$d"; else fail "$d (ssh status $?)"; _ssh_dump; fi
}
# expect_refused DESCRIPTION USER [ssh options]: the login must fail at authentication.
expect_refused() {
    local d=$1; shift
    local rc=0
    ssh_login "$@" || rc=$?
    if [ "$rc" -eq 255 ]; then ok "$d"; else fail "$d (ssh status $rc, expected 255)"; _ssh_dump; fi
}
_ssh_dump() {
    log "--- prompts seen by askpass:"; cat "$ASK_LOG" >&2 || true
    log "--- ssh stderr:"; cat "$SSH_ERR" >&2 || true
    log "--- sshd log (last 15 lines):"; tail -n 15 "$SSHD_LOG" >&2 || true
}

# The number of lines of this sshd's log matching a pattern (sshd logs Accepted/Failed
# keyboard-interactive/pam).
sshd_log_count() { grep -c -- "$1" "$SSHD_LOG" || true; }
# sshd_log_has STRING: true when any sshd log of the test (every start) contains STRING.
sshd_log_has() { cat "$SSHD_DIR/sshd-earlier.log" "$SSHD_LOG" 2>/dev/null | grep -qF -- "$1"; }

pt_conf() {
    printf '%s\n' "# pam_totp test configuration ($T_NAME)" "state_dir = $PT_STATE" "$@" >"$PT_CONF"
    chmod 0644 "$PT_CONF"
}

cli() { "$PT_CLI" --config "$PT_CONF" "$@"; }

# enrol_user NAME EPOCH: two-step enrolment with the CLI, both steps with the clock at EPOCH (pick
# a step the test's logins will not use). Sets SECRET and the BACKUP array.
enrol_user() {
    local name=$1 epoch=$2 begin verify code
    begin=$(at "$epoch" "$PT_CLI" --config "$PT_CONF" enrol --begin --json --user "$name") ||
        { fail "enrol --begin for $name"; exit 1; }
    SECRET=$(printf '%s' "$begin" | jq -r .secret)
    code=$(totp_code "$SECRET" "$epoch")
    verify=$(at "$epoch" "$PT_CLI" --config "$PT_CONF" enrol --verify "$code" --json --user "$name") ||
        { fail "enrol --verify for $name"; exit 1; }
    mapfile -t BACKUP < <(printf '%s' "$verify" | jq -r '.backup_codes[]')
    if [ -z "$SECRET" ] || [ "${#BACKUP[@]}" -eq 0 ]; then
        fail "enrolment of $name gave no secret or no backup codes"
        exit 1
    fi
}

# A base time for a test: the start of a TOTP step (+2 s) about two hours ahead, so that every
# phase of a test (each started with sshd_start ... EPOCH) knows exactly which step is current.
pt_base_epoch() { echo $(( ($(date +%s) / 30 + 240) * 30 + 2 )); }

# pam_at EPOCH COMMAND...: lib.sh's `at` (which also preloads what pam_unix needs under ASan).
pam_at() { at "$@"; }
