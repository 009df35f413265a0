#!/usr/bin/env bash
# Measures `pam-totp import google-authenticator --all` at fleet scale (as root):
#
#   scripts/bench-import.sh [--users N] [--scratch-users N] [--build DIR]
#
# Inside a private mount namespace whose /etc is an overlay, it adds N accounts (default 10,000)
# whose homes under a temporary directory in /var/tmp hold a ~/.google_authenticator without
# scratch codes, and times one import of them all (walking the accounts, reading each file as its
# user, writing the enrolment and runtime state durably); then the same for --scratch-users
# accounts (default 200) with 5 scratch codes each, where the argon2id hash of every code is the
# cost. No account is created on the machine; the directory is removed at the end.
# Results: docs/BENCHMARKS.md ("Imports").
set -euo pipefail
cd "$(dirname "$0")/.."
users=10000 scratch_users=200 build=build
while [ $# -gt 0 ]; do
    case "$1" in
    --users) users=$2; shift 2 ;;
    --scratch-users) scratch_users=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench-import.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench-import.sh: run as root" >&2; exit 2; }
cli=$(realpath "$build/cli/pam-totp")
[ -x "$cli" ] || { echo "bench-import.sh: build first ($build/cli/pam-totp missing)" >&2; exit 2; }
dir=$(mktemp -d /var/tmp/pt-bench-import.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 0755 "$dir"

# populate PREFIX COUNT SCRATCH FIRST_UID: accounts PREFIXn with homes and files.
populate() {
    local prefix=$1 n=$2 scratch=$3 uid=$4
    mkdir -p "$dir/home"
    python3 - "$dir" "$prefix" "$n" "$scratch" "$uid" <<'PY'
import os, secrets, sys
d, prefix, n, scratch, uid0 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
with open(f"{d}/passwd.add", "a") as pw, open(f"{d}/group.add", "a") as gr:
    for i in range(n):
        name, uid = f"{prefix}{i}", uid0 + i
        home = f"{d}/home/{name}"
        os.mkdir(home, 0o700); os.chown(home, uid, uid)
        body = "".join(secrets.choice(alpha) for _ in range(26)) + "\n\" WINDOW_SIZE 3\n\" TOTP_AUTH\n"
        body += "".join(f"{secrets.randbelow(90000000) + 10000000}\n" for _ in range(scratch))
        f = f"{home}/.google_authenticator"
        with open(f, "w") as fh: fh.write(body)
        os.chown(f, uid, uid); os.chmod(f, 0o400)
        pw.write(f"{name}:x:{uid}:{uid}::{home}:/bin/bash\n")
        gr.write(f"{name}:x:{uid}:\n")
PY
}

run() { # run LABEL: one import --all in the namespace, timed
    mkdir -p "$dir/up" "$dir/work" "$dir/state" "$dir/enrol"
    printf 'state_dir = %s/state\nenrolment_file = %s/enrol/%%u\n' "$dir" "$dir" >"$dir/conf"
    unshare -m bash -c "
        mount --make-rprivate / &&
        mount -t overlay ov -o lowerdir=/etc,upperdir=$dir/up,workdir=$dir/work /etc &&
        cat $dir/passwd.add >>/etc/passwd && cat $dir/group.add >>/etc/group &&
        s=\$(date +%s.%N) && { '$cli' --config $dir/conf import google-authenticator --all >$dir/out 2>$dir/err || true; } &&
        e=\$(date +%s.%N) && echo \"\$s \$e\"" >"$dir/time"
    read -r s e <"$dir/time"
    local n
    n=$(grep -c ': imported' "$dir/out" || true)
    awk -v l="$1" -v n="$n" -v s="$s" -v e="$e" \
        'BEGIN { printf "%-40s %6d imported in %8.1f s  (%.1f ms per account)\n", l, n, e - s, (e - s) * 1000 / (n ? n : 1) }'
    rm -rf "$dir/up" "$dir/work" "$dir/state" "$dir/enrol" "$dir/passwd.add" "$dir/group.add" "$dir/home"
}

populate ptbi "$users" 0 200000
run "$users accounts, no scratch codes"
populate ptbs "$scratch_users" 5 300000
run "$scratch_users accounts, 5 scratch codes each"
