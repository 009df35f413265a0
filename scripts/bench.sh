#!/usr/bin/env bash
# Benchmarks pam_totp side by side with google-authenticator-libpam (issue 7) and prints one table:
# ours, theirs, the ratio, and whether each target is met. Results: docs/BENCHMARKS.md.
#
#   scripts/bench.sh [--logins N] [--fresh-logins N] [--backup-logins N] [--users N]   (as root)
#   scripts/bench.sh --targets [--logins N] [--fresh-logins N]
#   scripts/bench.sh --sshd [--sshd-logins N]
#
# --targets runs only the TOTP logins of the three targets (issue 15) and prints their table:
# one process per login on an sshd-like host (libgcrypt mapped and the account resolved before
# pam_start, as Debian's sshd), one process per login on a host linking only libpam (as login),
# and in one process.
#
# --sshd measures only whole ssh logins through a real sshd on 127.0.0.1 (bench/sshd_bench.sh):
# password only, password + google-authenticator-libpam, password + pam_totp (home mode, and
# system mode), alternating; the median and p95 of each and the latency each module adds to the
# password-only login. Where perf can place uprobes, the logins are traced too and a second table
# gives each module's own time inside sshd (bench/sshd_module_time.py): loading it (pam_start),
# and its pam_sm_authenticate on the CPU and waiting for the disk, apart from the time the user
# (here: ssh and its askpass) takes to answer.
#
# TOTP logins are measured twice: in one process (pam_start/pam_authenticate/pam_end in a loop;
# our module, linked nodelete, then stays loaded while Google's is loaded by every login) and one
# login per process (--fresh: what a login over sshd costs, the module loaded for each).
# What it does: installs what is missing (scripts/deps.sh), builds a Release tree in build-bench,
# then runs every measurement inside private mount namespaces whose /etc is an overlay holding a
# test account (and, for the user-count runs, 10,000 more): no account is created on the machine
# and nothing is written outside a temporary directory under /var/tmp, which is removed at the end.
# /var/tmp rather than /tmp: state must live on a real disk, where fsync costs what it costs for
# /var/lib/pam_totp (a tmpfs /tmp would make every durable write free).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

logins=2000 fresh_logins=1000 backup_logins=200 users=10000 sshd=0 sshd_logins=100 targets=0
while [ $# -gt 0 ]; do
    case "$1" in
    --logins) logins=$2; shift 2 ;;
    --fresh-logins) fresh_logins=$2; shift 2 ;;
    --backup-logins) backup_logins=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --sshd) sshd=1; shift ;;
    --sshd-logins) sshd_logins=$2; shift 2 ;;
    --targets) targets=1; shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "bench.sh: run as root (sudo scripts/bench.sh): the modules keep root-owned state and the" >&2
    echo "          benchmark uses private mount namespaces" >&2
    exit 2
fi

# shellcheck source=scripts/deps.sh
. scripts/deps.sh
# shellcheck disable=SC2086
pt_install_deps $PT_BUILD_DEPS $PT_BENCH_DEPS util-linux strace openssh-server openssh-client \
    oathtool faketime openssl jq iproute2
[ "$sshd" = 0 ] || pt_install_deps linux-perf python3
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

build=$src/build-bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPT_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target pam_totp pam-totp pt-bench pt-bench-login1 pt-exec-bench \
    pt-bench-logsink pt-bench-costs >/dev/null
bench=$build/bench/pt-bench
execb=$build/bench/pt-exec-bench
cli=$build/cli/pam-totp
ours=$build/pam_module/pam_totp.so
google=$(dpkg -L libpam-google-authenticator | grep '/pam_google_authenticator\.so$' | head -n1)
[ -n "$google" ] || { echo "bench.sh: pam_google_authenticator.so not found" >&2; exit 1; }

tmp=$(mktemp -d /var/tmp/pt-bench.XXXXXX)
sink_pid=
stop_sink() { [ -z "$sink_pid" ] || { kill "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null; rm -f /dev/log; }; }
probes=0
drop_probes() {
    [ "$probes" = 0 ] ||
        perf probe -q -d 'probe_libpam:*' -d 'probe_pam_totp:*' -d 'probe_pam_google_authenticator:*' 2>/dev/null || true
}
trap 'stop_sink; drop_probes; rm -rf "$tmp"' EXIT

# Logins log (audit lines) as on a real system: to a syslog socket. Without one at /dev/log,
# glibc's syslog() falls back to the console once any module in the process asked for LOG_CONS
# (Google's does): every later line of every module is then a slow console write, which measured
# ours at 3.8 ms instead of 1.2 ms per login. The sink only exists for the run.
if [ ! -e /dev/log ]; then
    "$build/bench/pt-bench-logsink" /dev/log "$tmp/syslog.log" &
    sink_pid=$!
    for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
fi
chmod 0755 "$tmp" # the test user must reach its home below it

# kv FILE FIRST KEY: the value of KEY=... on the line of FILE whose first field is FIRST
# ("case=NAME", "stack=NAME"); val FILE CASE KEY / xval FILE KEY: a figure from pt-bench /
# pt-exec-bench output; ms: microseconds as milliseconds.
kv() { awk -v c="$2" -v k="$3" '$1 == c { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }' "$1"; }
val() { kv "$1" "case=$2" "$3"; }
xval() { awk -v k="$2" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }' "$1"; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

if [ "$sshd" = 1 ]; then
    echo "== whole ssh logins through sshd on 127.0.0.1: password only, Google's, ours (home, system); $sshd_logins each, alternating" >&2
    # Uprobes on sshd's libpam's pam_start and on each module's pam_sm_authenticate, entry and
    # return (removed at exit); event names are global, hence the prefixes.
    trace='' probes=1
    libpam=$(ldd /usr/sbin/sshd | awk '/libpam\.so/ { print $3 }')
    drop_probes
    if [ -n "$libpam" ] &&
        perf probe -q -x "$libpam" -a 'ps_start=pam_start' -a 'ps_start_ret=pam_start%return' &&
        perf probe -q -x "$ours" -a 'pt_auth=pam_sm_authenticate' -a 'pt_auth_ret=pam_sm_authenticate%return' &&
        perf probe -q -x "$google" -a 'ga_auth=pam_sm_authenticate' -a 'ga_auth_ret=pam_sm_authenticate%return'; then
        trace=$tmp/sshd.perf
    else
        drop_probes
        echo "bench.sh: perf cannot place uprobes here; only whole logins are measured" >&2
    fi
    PT_SSHD_TRACE=$trace bash bench/sshd_bench.sh "$tmp" "$ours" "$google" "$cli" "$sshd_logins" >"$tmp/sshd.out"
    sv() { kv "$tmp/sshd.out" "stack=$1" "$2"; }
    msf() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
    stack_label() { case $1 in ours) echo "ours (home mode)" ;; system) echo "ours (system mode)" ;; *) echo "$1" ;; esac; }
    echo
    echo "Machine: $(nproc) CPUs, kernel $(uname -r); load average $load_start at the start," \
         "$(cut -d' ' -f1-3 /proc/loadavg) at the end; $sshd_logins ssh logins per stack; times in ms"
    echo
    printf '| %s | %s | %s | %s |\n' "stack" "median / p95" "added to password only (median)" "ours/Google (added)"
    printf '| %s | %s | %s | %s |\n' --- --- --- ---
    pw_med=$(sv pw median_us)
    for s in pw google ours system; do
        med=$(sv "$s" median_us) p95=$(sv "$s" p95_us)
        added=$(awk -v a="$med" -v b="$pw_med" 'BEGIN { printf "%.1f", (a - b) / 1000 }')
        extra=
        [ "$s" = ours ] || [ "$s" = system ] && extra=$(awk -v o="$med" -v g="$(sv google median_us)" -v p="$pw_med" \
            'BEGIN { if (g - p > 0) printf "%.2f", (o - p) / (g - p); else print "-" }')
        printf '| %s | %s / %s | %s | %s |\n' "$(stack_label "$s")" "$(msf "$med")" "$(msf "$p95")" "$added" "$extra"
    done
    if [ -n "$trace" ]; then
        perf script -i "$trace" -F comm,tid,time,event,trace 2>/dev/null >"$tmp/sshd.trace"
        python3 bench/sshd_module_time.py "$tmp/sshd.trace" >"$tmp/sshd-module.out"
        mt() { kv "$tmp/sshd-module.out" "stack=$1" "$2"; }
        echo
        echo "Inside sshd (uprobes and the scheduler's events), medians in ms: loading the module (pam_start, less the"
        echo "password-only stack's $(ms "$(mt pw start_us)") ms), and its pam_sm_authenticate: own = on the CPU + waiting for the"
        echo "disk; the conversation (the user answering) is apart. load + own is the target row's pam_start + authenticate."
        echo
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "module (stack)" "load" "own" "on the CPU" "disk" \
            "conversation" "load + own" "ours/Google (load + own)"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' --- --- --- --- --- --- --- ---
        total() { echo $(($(mt "$1" start_us) - $(mt pw start_us) + $(mt "$1" own_us))); }
        g_total=$(total google)
        for s in google ours system; do
            r=
            [ "$s" = google ] || r=$(ratio "$(total "$s")" "$g_total")
            printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(stack_label "$s")" \
                "$(ms $(($(mt "$s" start_us) - $(mt pw start_us))))" "$(ms "$(mt "$s" own_us)")" \
                "$(ms "$(mt "$s" cpu_us)")" "$(ms "$(mt "$s" disk_us)")" "$(ms "$(mt "$s" user_us)")" \
                "$(ms "$(total "$s")")" "$r"
        done
    fi
    echo
    cat "$tmp/sshd.out"
    [ -z "$trace" ] || cat "$tmp/sshd-module.out"
    exit 0
fi

# A uid/gid free on this machine (and in the 10,000-user range above it) for the test account.
uid=60100
while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do uid=$((uid + 1)); done
uid_base=200000
user=ptbench
if getent passwd "$user" >/dev/null; then
    echo "bench.sh: an account named $user exists; the benchmark needs that name for its own" >&2
    exit 1
fi
home=$tmp/home/$user
mkdir -p "$tmp/home" && mkdir -m 0700 "$home" && chown "$uid:$uid" "$home"

# Two /etc overlays: "small" adds the test account; "big" adds $users accounts before it (as
# useradd would have appended them) plus their enrolment and state files in w-users/.
overlay_etc() { # NAME: writes $tmp/etc-NAME/{upper,work}
    mkdir -p "$tmp/etc-$1/upper" "$tmp/etc-$1/work"
    cp /etc/passwd /etc/group "$tmp/etc-$1/upper/"
}
add_test_user() {
    echo "$user:x:$uid:$uid:pam_totp benchmark:$home:/bin/sh" >>"$tmp/etc-$1/upper/passwd"
    echo "$user:x:$uid:" >>"$tmp/etc-$1/upper/group"
}
overlay_etc small && add_test_user small
overlay_etc big
"$bench" populate "$tmp/w-users" "$users" "$uid_base" "$tmp/etc-big/upper/passwd" "$tmp/etc-big/upper/group"
add_test_user big

# in_ns small|big CMD...: runs CMD in a private mount namespace with that /etc overlay. (An
# overlay of the directory, not a bind mount of the file: a bind mount on /etc/passwd is detached
# when anything on the machine replaces /etc/passwd, as useradd does.)
in_ns() {
    local etc=$tmp/etc-$1; shift
    unshare --mount --propagation private -- sh -c '
        mount -t overlay pt-bench-etc -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc || exit 1
        shift; exec "$@"' sh "$etc" "$@"
}

le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

echo "== TOTP logins: ours (home and system mode), Google's, the floor; $logins each, alternating" >&2
mkdir -p -m 0755 "$tmp/w-ours" && mkdir -m 0711 "$tmp/w-ours/state"
mkdir -m 0711 "$tmp/w-floor1" "$tmp/w-floorip"
in_ns small "$bench" login -u "$user" -n "$logins" -b 100 \
    "ours:ours:$ours:$tmp/w-ours:home" "google:google:$google:$tmp/w-google" \
    "ours-system:ours:$ours:$tmp/w-system:system" "floor:floor:$tmp/w-ours/state" \
    "floor-1sync:floor-1sync:$tmp/w-floor1" "floor-inplace:floor-inplace:$tmp/w-floorip" >"$tmp/totp.out"

echo "== TOTP logins, one process per login, libpam-only and sshd-like hosts: ours, Google's, the floor;" \
     "$fresh_logins each, alternating" >&2
mkdir -p -m 0755 "$tmp/f-ours" && mkdir -m 0711 "$tmp/f-ours/state"
in_ns small "$bench" login --fresh -u "$user" -n "$fresh_logins" -b 50 \
    "ours:ours:$ours:$tmp/f-ours:home" "google:google:$google:$tmp/f-google" \
    "ours-sshd:ours+sshd:$ours:$tmp/fs-ours:home" "google-sshd:google+sshd:$google:$tmp/fs-google" \
    "ours-system-sshd:ours+sshd:$ours:$tmp/fs-system:system" \
    "ours-system:ours:$ours:$tmp/f-system:system" "floor:floor:$tmp/f-ours/state" >"$tmp/fresh.out"

# val FILE CASE KEY as above; the table of the three targets of issue 15 (medians, one run).
targets_table() {
    local fr=$tmp/fresh.out t=$tmp/totp.out
    printf '| %s | %s | %s | %s | %s | %s |\n' "target row (pam_start + authenticate)" "ours" "Google" \
        "ours/Google" "target" "verdict"
    printf '| %s | %s | %s | %s | %s | %s |\n' --- --- --- --- --- ---
    trow() { # LABEL FILE OURS GOOGLE MAX
        local o g r
        o=$(val "$2" "$3" median_us) g=$(val "$2" "$4" median_us)
        r=$(ratio "$o" "$g")
        printf '| %s | %s / %s | %s / %s | %s | <= %s x | %s |\n' "$1" "$(ms "$o")" "$(ms "$(val "$2" "$3" p99_us)")" \
            "$(ms "$g")" "$(ms "$(val "$2" "$4" p99_us)")" "$r" "$5" "$(le "$r" "$5" && echo met || echo MISSED)"
    }
    trow "one process per login, sshd-like host (libgcrypt mapped, account resolved)" "$fr" ours-sshd google-sshd 1.0
    trow "  the same, ours in system mode" "$fr" ours-system-sshd google-sshd 1.0
    trow "one process per login, host linking only libpam" "$fr" ours google 1.3
    trow "  the same, ours in system mode" "$fr" ours-system google 1.3
    trow "in one process" "$t" ours google 1.0
    trow "  the same, ours in system mode" "$t" ours-system google 1.0
    echo
    echo "What 200 durable bytes cost, same run (in-process alternation), median / p99 in ms:" \
         "temp + fsync + rename + directory fsync $(ms "$(val "$t" floor median_us)") / $(ms "$(val "$t" floor p99_us)");" \
         "without the directory fsync (Google's) $(ms "$(val "$t" floor-1sync median_us)") / $(ms "$(val "$t" floor-1sync p99_us)");" \
         "in place, one of two slots, fdatasync $(ms "$(val "$t" floor-inplace median_us)") / $(ms "$(val "$t" floor-inplace p99_us)")"
    flt() { echo "$(val "$fr" "$1" start_faults) / $(val "$fr" "$1" auth_faults)"; }
    echo
    echo "Minor page faults per login, one process per login on the sshd-like host (medians;" \
         "pam_start / pam_authenticate): ours $(flt ours-sshd), ours in system mode" \
         "$(flt ours-system-sshd), Google's $(flt google-sshd)"
    if [ -s "$tmp/costs.out" ]; then
        echo
        local per_page
        per_page=$(awk '$1 == "piece=touch-64-pages" { split($2, m, "="); printf "%.1f", m[2] / 64 }' \
            "$tmp/costs.out")
        echo "A first touch of a page costs $per_page us here (touch-64-pages / 64)."
        echo
        echo "What each piece costs a fresh process alone (pt-bench-costs, median / p99 in ms):"
        awk '{ split($1, p, "="); split($2, m, "="); split($3, q, "="); printf "  %s %.2f / %.2f\n", p[2], m[2] / 1000, q[2] / 1000 }' "$tmp/costs.out"
    fi
}
echo "== what each piece costs a fresh process (pt-bench-costs)" >&2
in_ns small "$build/bench/pt-bench-costs" -n "$((fresh_logins / 2 > 50 ? fresh_logins / 2 : 50))" "$user" "$ours" "$google" \
    >"$tmp/costs.out"
if [ "$targets" = 1 ]; then
    echo
    echo "Machine: $(nproc) CPUs, kernel $(uname -r), $(findmnt -n -o FSTYPE -T "$tmp") on" \
         "$(findmnt -n -o SOURCE -T "$tmp"); load average $load_start at the start," \
         "$(cut -d' ' -f1-3 /proc/loadavg) at the end; $logins in-process and $fresh_logins fresh-process" \
         "logins per case; times in ms (median / p99)"
    echo
    targets_table
    echo
    echo "Raw figures (in-process, fresh-process):"
    cat "$tmp/totp.out" "$tmp/fresh.out" "$tmp/costs.out"
    exit 0
fi

# What each module makes durable per login: the fsync and rename calls of one login in steady
# state (two warm-up logins and the refused replay run first; the measured login is the last
# process, so the highest pid: strace -ff writes one file per process).
echo "== durable writes of one login each (strace)" >&2
durable() { # LABEL SPEC
    mkdir "$tmp/strace.$1"
    in_ns small strace -ff -qq -e trace=fsync,fdatasync,rename,renameat,renameat2 -o "$tmp/strace.$1/t" \
        "$bench" login --fresh -u "$user" -n 1 -w 2 "$2" >/dev/null
    local last
    last=$(cd "$tmp/strace.$1" && ls | sort -t. -k2 -n | tail -n1)
    sed -E 's/\.tmp\.[A-Za-z0-9]+/.tmp.XXXXXX/g' "$tmp/strace.$1/$last"
}
durable ours "ours:ours:$ours:$tmp/f-ours:home" >"$tmp/durable.ours"
durable google "google:google:$google:$tmp/f-google" >"$tmp/durable.google"

echo "== backup-code logins: $backup_logins each, sets of 10 and 50" >&2
in_ns small "$bench" login --backup -u "$user" -n "$backup_logins" -b 20 \
    "ours-10:ours:$ours:$tmp/b-ours:home:10" "google-10:google:$google:$tmp/b-google:10" \
    "ours-sys-10:ours:$ours:$tmp/b-sys10:system:10" "ours-sys-50:ours:$ours:$tmp/b-sys50:system:50" \
    >"$tmp/backup.out"

echo "== TOTP logins with 1 and with $users enrolled users" >&2
in_ns big "$bench" login -u "$user" -n "$logins" -b 100 \
    "users-1:ours:$ours:$tmp/w-one:system" "users-many:ours:$ours:$tmp/w-users:system" >"$tmp/users.out"

echo "== peak RSS, one module per process" >&2
rss() { in_ns small "$bench" login "$@" | xval /dev/stdin maxrss_kb; }
rss_ours=$(rss -u "$user" -n 200 "ours:ours:$ours:$tmp/r-ours:home")
rss_google=$(rss -u "$user" -n 200 "google:google:$google:$tmp/r-google")
rss_base=$(mkdir -p "$tmp/r-floor" && rss -u "$user" -n 200 "floor:floor:$tmp/r-floor")
rss_ours_b=$(rss --backup -u "$user" -n 20 "ours:ours:$ours:$tmp/r-oursb:home:10")
rss_google_b=$(rss --backup -u "$user" -n 20 "google:google:$google:$tmp/r-googleb:10")

echo "== pam-totp list over $users users; pam-totp enrol --begin" >&2
printf 'enrolment_file = %s/enrol/%%u\nstate_dir = %s/state\n' "$tmp/w-users" "$tmp/w-users" >"$tmp/list.conf"
printf 'state_dir = %s/e-state\n' "$tmp" >"$tmp/enrol.conf"
chmod 0644 "$tmp/list.conf" "$tmp/enrol.conf"
in_ns big "$execb" -n 5 -w 1 -- "$cli" --config "$tmp/list.conf" list >"$tmp/list.out"
in_ns small "$execb" -n 50 -w 3 --unlink "$home/.pam_totp" -- \
    "$cli" --config "$tmp/enrol.conf" enrol --begin --json --user "$user" >"$tmp/enrol.out"

# ---- the table ----
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
t=$tmp/totp.out b=$tmp/backup.out u=$tmp/users.out fr=$tmp/fresh.out
o_med=$(val "$t" ours median_us) o_p99=$(val "$t" ours p99_us)
g_med=$(val "$t" google median_us) g_p99=$(val "$t" google p99_us)
s_med=$(val "$t" ours-system median_us) s_p99=$(val "$t" ours-system p99_us)
f_med=$(val "$t" floor median_us) f_p99=$(val "$t" floor p99_us)
o_full=$(val "$t" ours full_median_us) g_full=$(val "$t" google full_median_us)
fo_med=$(val "$fr" ours median_us) fo_p99=$(val "$fr" ours p99_us)
fg_med=$(val "$fr" google median_us) fg_p99=$(val "$fr" google p99_us)
fs_med=$(val "$fr" ours-system median_us) fs_p99=$(val "$fr" ours-system p99_us)
ff_med=$(val "$fr" floor median_us) ff_p99=$(val "$fr" floor p99_us)
fo_proc=$(val "$fr" ours proc_median_us) fo_procp=$(val "$fr" ours proc_p99_us)
fg_proc=$(val "$fr" google proc_median_us) fg_procp=$(val "$fr" google proc_p99_us)
fo_rss=$(val "$fr" ours child_maxrss_kb) fg_rss=$(val "$fr" google child_maxrss_kb)
b_med=$(val "$b" ours-10 median_us) b_p99=$(val "$b" ours-10 p99_us)
bg_med=$(val "$b" google-10 median_us) bg_p99=$(val "$b" google-10 p99_us)
b10=$(val "$b" ours-sys-10 median_us) b50=$(val "$b" ours-sys-50 median_us)
u1=$(val "$u" users-1 median_us) un=$(val "$u" users-many median_us)
u1p=$(val "$u" users-1 p99_us) unp=$(val "$u" users-many p99_us)
l_med=$(xval "$tmp/list.out" median_us) l_p99=$(xval "$tmp/list.out" p99_us)
e_med=$(xval "$tmp/enrol.out" median_us) e_p99=$(xval "$tmp/enrol.out" p99_us)

verdict() { if "$@"; then echo met; else echo MISSED; fi; }
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@"; }
echo
echo "Machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)," \
     "$(findmnt -n -o FSTYPE -T "$tmp") on $(findmnt -n -o SOURCE -T "$tmp"); load average $load_start at the" \
     "start, $load_end at the end; $logins in-process and $fresh_logins fresh-process TOTP logins and" \
     "$backup_logins backup-code logins per case; times in ms (median / p99)"
echo
targets_table
echo
row "measurement" "ours" "Google" "ours/Google" "target" "verdict"
row "---" "---" "---" "---" "---" "---"
row "TOTP login, one process per login, sshd-like host" "$(ms "$(val "$fr" ours-sshd median_us)") / $(ms "$(val "$fr" ours-sshd p99_us)")" \
    "$(ms "$(val "$fr" google-sshd median_us)") / $(ms "$(val "$fr" google-sshd p99_us)")" \
    "$(ratio "$(val "$fr" ours-sshd median_us)" "$(val "$fr" google-sshd median_us)")" "<= 1.0 x" \
    "$(verdict le "$(ratio "$(val "$fr" ours-sshd median_us)" "$(val "$fr" google-sshd median_us)")" 1.0)"
row "TOTP login, one process per login, libpam only (pam_start + authenticate)" "$(ms "$fo_med") / $(ms "$fo_p99")" \
    "$(ms "$fg_med") / $(ms "$fg_p99")" "$(ratio "$fo_med" "$fg_med")" "<= 1.3 x" "$(verdict le "$(ratio "$fo_med" "$fg_med")" 1.3)"
row "  the same vs the floor" "$(ratio "$fo_med" "$ff_med") x floor" "$(ratio "$fg_med" "$ff_med") x floor" "" \
    "<= 1.5 x floor" "$(verdict le "$(ratio "$fo_med" "$ff_med")" 1.5)"
row "  the same, system mode" "$(ms "$fs_med") / $(ms "$fs_p99")" "" "$(ratio "$fs_med" "$fg_med")" "" \
    "$(ratio "$fs_med" "$ff_med") x floor"
row "  the floor, same run" "$(ms "$ff_med") / $(ms "$ff_p99")" "" "" "" ""
row "  the whole process (fork, exec, login, pam_end, exit)" "$(ms "$fo_proc") / $(ms "$fo_procp")" \
    "$(ms "$fg_proc") / $(ms "$fg_procp")" "$(ratio "$fo_proc" "$fg_proc")" "" ""
row "  peak RSS of that process (KiB)" "$fo_rss" "$fg_rss" "$(ratio "$fo_rss" "$fg_rss")" "" ""
row "TOTP login, in one process (ours loaded once)" "$(ms "$o_med") / $(ms "$o_p99")" "$(ms "$g_med") / $(ms "$g_p99")" \
    "$(ratio "$o_med" "$g_med")" "<= 1.0 x" "$(verdict le "$o_med" "$g_med")"
row "  the same vs the floor" "$(ratio "$o_med" "$f_med") x floor" "$(ratio "$g_med" "$f_med") x floor" "" \
    "<= 1.5 x floor" "$(verdict le "$(ratio "$o_med" "$f_med")" 1.5)"
row "  the same, system mode" "$(ms "$s_med") / $(ms "$s_p99")" "" "$(ratio "$s_med" "$g_med")" \
    "" "$(ratio "$s_med" "$f_med") x floor"
row "  the floor (200 B: temp, write, fsync, rename, dir fsync)" "$(ms "$f_med") / $(ms "$f_p99")" "" "" "" ""
row "  the same incl. pam_end" "$(ms "$o_full")" "$(ms "$g_full")" "$(ratio "$o_full" "$g_full")" "" ""
row "backup-code login (argon2id vs plaintext)" "$(ms "$b_med") / $(ms "$b_p99")" "$(ms "$bg_med") / $(ms "$bg_p99")" \
    "$(ratio "$b_med" "$bg_med")" "<= 60 ms" "$(verdict le "$b_med" 60000)"
row "backup-code login, 10 vs 50 codes in the set" "$(ms "$b10") vs $(ms "$b50")" "" "50/10: $(ratio "$b50" "$b10")" \
    "<= 60 ms both" "$(verdict le "$(awk -v a="$b10" -v b="$b50" 'BEGIN { print (a > b ? a : b) }')" 60000)"
row "TOTP login, 1 vs $users enrolled users" "$(ms "$u1") vs $(ms "$un") (p99 $(ms "$u1p") vs $(ms "$unp"))" "" \
    "many/1: $(ratio "$un" "$u1")" "independent (<= 1.10)" "$(verdict le "$(ratio "$un" "$u1")" 1.10)"
row "pam-totp list, $users users" "$(ms "$l_med") / $(ms "$l_p99")" "" "" "< 1000 ms" "$(verdict le "$l_med" 1000000)"
row "pam-totp enrol --begin" "$(ms "$e_med") / $(ms "$e_p99")" "" "" "< 20 ms" "$(verdict le "$e_med" 20000)"
row "peak RSS, TOTP logins (KiB)" "$rss_ours" "$rss_google" "$(ratio "$rss_ours" "$rss_google")" "" \
    "harness alone: $rss_base"
row "peak RSS, backup-code logins (KiB)" "$rss_ours_b" "$rss_google_b" "$(ratio "$rss_ours_b" "$rss_google_b")" "" ""
echo
echo "What one login makes durable (strace; ours, then Google's):"
sed 's/^/  ours:   /' "$tmp/durable.ours"
sed 's/^/  google: /' "$tmp/durable.google"
echo
echo "Raw figures (in-process, fresh-process, backup, users):"
cat "$t" "$fr" "$b" "$u"
echo "list: $(cat "$tmp/list.out")"
echo "enrol --begin: $(cat "$tmp/enrol.out")"
