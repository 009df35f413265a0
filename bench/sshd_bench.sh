#!/usr/bin/env bash
# Whole ssh logins through a real sshd on 127.0.0.1, three PAM stacks side by side (run by
# `scripts/bench.sh --sshd`; not on its own):
#   pw      password only (pam_unix)
#   google  password, then google-authenticator-libpam (DISALLOW_REUSE, as a careful site sets it)
#   ours    password, then pam_totp.so (home mode, the default)
#   system  password, then pam_totp.so in system mode (enrolments in a root-owned directory)
# Each stack has an sshd of its own (the PAM service is sshd's argv[0], a symlink's name); logins
# alternate pw, google, ours, system so that a change in the machine's load hits all alike.
# Login i of every stack is account i, so no module ever refuses a code as already used.
#
# Everything happens inside a private mount namespace whose /etc is an overlay holding the
# accounts and the PAM service files: no account, PAM file or sshd configuration is created on
# the machine. Prints "stack=NAME n=N median_us=M p95_us=P" lines on stdout.
#
# With PT_SSHD_TRACE=FILE (scripts/bench.sh --sshd sets it when perf can place uprobes), the
# timed logins run under `perf record` with probes on libpam's pam_start (which loads the
# modules) and each module's pam_sm_authenticate, on entry and return, and the scheduler's
# switches and wake-ups: bench/sshd_module_time.py then splits each call into the time on the
# CPU, waiting for the disk, and waiting for the user (the conversation).
#
#   bench/sshd_bench.sh TMPDIR MODULE GOOGLE_MODULE CLI N
set -euo pipefail
tmp=$1 ours=$2 google=$3 cli=$4 n=$5

# Accounts: free uids, names of our own, one password for all (hashed once).
uid=61000
while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null ||
    getent passwd "$((uid + n))" >/dev/null; do uid=$((uid + n + 1)); done
if getent passwd ptsb0 >/dev/null; then
    echo "sshd_bench: accounts named ptsbN exist; the benchmark needs those names" >&2
    exit 1
fi
pw=bench-password
hash=$(openssl passwd -6 "$pw")
etc=$tmp/etc-sshd
mkdir -p "$etc/upper/pam.d" "$etc/work" "$tmp/sshd-home" "$tmp/sshd-state" "$tmp/sshd-state-sys" \
    "$tmp/sshd-enrol"
chmod 0711 "$tmp/sshd-state" "$tmp/sshd-state-sys"
chmod 0700 "$tmp/sshd-enrol"
cp /etc/passwd /etc/group /etc/shadow "$etc/upper/"
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
for ((i = 0; i < n; i++)); do
    u=ptsb$i id=$((uid + i)) h=$tmp/sshd-home/ptsb$i
    echo "$u:x:$id:$id::$h:/bin/sh" >>"$etc/upper/passwd"
    echo "$u:$hash:20000:0:99999:7:::" >>"$etc/upper/shadow"
    echo "$u:x:$id:" >>"$etc/upper/group"
    mkdir -m 0700 "$h"
    # google-authenticator's file, as its command writes it for a time-based secret.
    printf '%s\n" RATE_LIMIT 3 30\n" WINDOW_SIZE 3\n" DISALLOW_REUSE\n" TOTP_AUTH\n' "$secret" \
        >"$h/.google_authenticator"
    chmod 0400 "$h/.google_authenticator"
    chown -R "$id:$id" "$h"
done

# Our configuration: no backup codes (not measured here; argon2id would dominate enrolment).
conf=$tmp/sshd-pt.conf
printf 'state_dir = %s\nbackup_codes = 0\n' "$tmp/sshd-state" >"$conf"
conf_sys=$tmp/sshd-pt-system.conf
printf 'state_dir = %s\nenrolment_file = %s/%%u\nbackup_codes = 0\n' "$tmp/sshd-state-sys" \
    "$tmp/sshd-enrol" >"$conf_sys"
chmod 0644 "$conf" "$conf_sys"

# Host key, sshd configurations and the service symlinks.
ssh-keygen -q -t ed25519 -N '' -f "$tmp/sshd-hostkey"
port_of() { # a free loopback port
    local p
    for _ in $(seq 50); do
        p=$((20000 + (RANDOM % 12000)))
        ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
    done
    return 1
}
declare -A port
for s in pw google ours system; do
    port[$s]=$(port_of)
    ln -s /usr/sbin/sshd "$tmp/sshd-ptb-$s"
    cat >"$tmp/sshd-$s.conf" <<EOF
Port ${port[$s]}
ListenAddress 127.0.0.1
HostKey $tmp/sshd-hostkey
PidFile $tmp/sshd-$s.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
PermitRootLogin no
UseDNS no
StrictModes no
MaxStartups 100
EOF
done
cat >"$etc/upper/pam.d/sshd-ptb-pw" <<EOF
auth required pam_unix.so
account required pam_permit.so
session required pam_permit.so
EOF
sed "1a auth required $google" "$etc/upper/pam.d/sshd-ptb-pw" | sed '1s/required/requisite/' \
    >"$etc/upper/pam.d/sshd-ptb-google"
sed "1a auth required $ours config=$conf" "$etc/upper/pam.d/sshd-ptb-pw" | sed '1s/required/requisite/' \
    >"$etc/upper/pam.d/sshd-ptb-ours"
sed "1a auth required $ours config=$conf_sys" "$etc/upper/pam.d/sshd-ptb-pw" | sed '1s/required/requisite/' \
    >"$etc/upper/pam.d/sshd-ptb-system"

# The client's answers: the password, or the code written to $tmp/sshd-code before the login.
cat >"$tmp/sshd-askpass" <<EOF
#!/bin/sh
case "\$1" in *assword*) echo '$pw' ;; *) cat '$tmp/sshd-code' ;; esac
EOF
chmod 0755 "$tmp/sshd-askpass"
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd

# The measured part, inside the namespace.
cat >"$tmp/sshd-run.sh" <<'EOF'
set -euo pipefail
tmp=$1 cli=$2 n=$3 secret=$4 pw_port=$5 google_port=$6 ours_port=$7 system_port=$8
# Enrol every account in our module, in both modes, confirming with the code of two steps ago
# (the confirming step is never accepted at login): the CLI under libfaketime.
ft=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
past=$(( $(date +%s) - 60 ))
for ((i = 0; i < n; i++)); do
    for mode in ours system; do
        conf=$tmp/sshd-pt.conf
        [ "$mode" = ours ] || conf=$tmp/sshd-pt-system.conf
        s=$(FAKETIME="@$(date -u -d "@$past" '+%Y-%m-%d %H:%M:%S')" TZ=UTC LD_PRELOAD=$ft \
            "$cli" --config "$conf" enrol --begin --json --user "ptsb$i" | jq -r .secret)
        code=$(oathtool --totp -b -N "@$past" "$s")
        FAKETIME="@$(date -u -d "@$past" '+%Y-%m-%d %H:%M:%S')" TZ=UTC LD_PRELOAD=$ft \
            "$cli" --config "$conf" enrol --verify "$code" --user "ptsb$i" >/dev/null
        echo "$s" >"$tmp/sshd-home/ptsb$i.$mode"
        # The account's state record, as every login but an account's very first finds it: the
        # timed login then updates it in place (one fdatasync), where a first login makes it (a
        # new file, fsync, rename, fsync of the directory). Google's file exists already too.
        "$cli" --config "$conf" unlock --user "ptsb$i" >/dev/null
    done
done
for d in sshd-state sshd-state-sys; do # the premise of the timing: every record is there
    made=$(find "$tmp/$d" -maxdepth 1 -name 'uid:*' | wc -l)
    [ "$made" = "$n" ] || { echo "sshd_bench: $made state records in $d, not $n" >&2; exit 1; }
done
pids=()
for s in pw google ours system; do
    "$tmp/sshd-ptb-$s" -f "$tmp/sshd-$s.conf" -E "$tmp/sshd-$s.log"
    # sshd's daemon child writes the PidFile after the parent has returned.
    for _ in $(seq 100); do [ -s "$tmp/sshd-$s.pid" ] && break; sleep 0.05; done
    pids+=("$(cat "$tmp/sshd-$s.pid")")
done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
declare -A port=([pw]=$pw_port [google]=$google_port [ours]=$ours_port [system]=$system_port)
login() { # STACK INDEX: prints the microseconds of one whole login, fails if refused
    local s=$1 i=$2 code_secret t0 t1
    case $s in
    google) code_secret=$secret ;;
    ours | system) code_secret=$(cat "$tmp/sshd-home/ptsb$i.$s") ;;
    *) code_secret= ;;
    esac
    [ -z "$code_secret" ] || oathtool --totp -b "$code_secret" >"$tmp/sshd-code"
    t0=$(date +%s%N)
    SSH_ASKPASS=$tmp/sshd-askpass SSH_ASKPASS_REQUIRE=force setsid -w ssh -F /dev/null \
        -p "${port[$s]}" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
        -o LogLevel=ERROR -o PreferredAuthentications=keyboard-interactive \
        -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 "ptsb$i@127.0.0.1" true </dev/null
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
}
# One warm-up login per stack (page cache, sshd's first fork) with the last account.
for s in pw google ours system; do login "$s" $((n - 1)) >/dev/null; done
tracer=
if [ -n "${PT_SSHD_TRACE:-}" ]; then
    # Started disabled; enabled through its control FIFO, whose acknowledgement says the events
    # are on before the first timed login.
    mkfifo "$tmp/perf.ctl" "$tmp/perf.ack"
    perf record -q -a -D -1 --control "fifo:$tmp/perf.ctl,$tmp/perf.ack" \
        -e 'probe_libpam:*' -e 'probe_pam_totp:*' -e 'probe_pam_google_authenticator:*' \
        -e sched:sched_switch -e sched:sched_wakeup -o "$PT_SSHD_TRACE" 2>"$tmp/perf.err" &
    tracer=$!
    trap 'kill "$tracer" 2>/dev/null || true; kill "${pids[@]}" 2>/dev/null || true' EXIT
    # Read-write opens: a FIFO opened so never blocks, should perf not have started.
    exec 8<>"$tmp/perf.ctl" 9<>"$tmp/perf.ack"
    echo enable >&8
    read -r -t 30 ack <&9 || { echo "sshd_bench: perf did not start: $(cat "$tmp/perf.err")" >&2; exit 1; }
fi
for ((i = 0; i < n - 1; i++)); do
    for s in pw google ours system; do
        us=$(login "$s" "$i") || { echo "sshd_bench: login $i through $s refused" >&2; exit 1; }
        echo "$us" >>"$tmp/sshd-times.$s"
    done
done
if [ -n "$tracer" ]; then
    # "stop" through the FIFO: a background job of a script ignores SIGINT.
    echo stop >&8
    wait "$tracer" || { echo "sshd_bench: perf failed: $(cat "$tmp/perf.err")" >&2; exit 1; }
    trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
fi
EOF
unshare --mount --propagation private -- sh -c '
    mount -t overlay pt-bench-etc -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc || exit 1
    shift; exec bash "$@"' sh "$etc" "$tmp/sshd-run.sh" "$tmp" "$cli" "$n" "$secret" \
    "${port[pw]}" "${port[google]}" "${port[ours]}" "${port[system]}"

stat_line() { # STACK: median and 95th percentile (nearest rank) of its times
    sort -n "$tmp/sshd-times.$1" | awk -v s="$1" '{ v[NR] = $1 }
        END { m = (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2);
              r = int(0.95 * NR + 0.999); if (r < 1) r = 1;
              printf "stack=%s n=%d median_us=%d p95_us=%d\n", s, NR, m, v[r] }'
}
for s in pw google ours system; do stat_line "$s"; done
