# Helpers for the pam-totp command's integration tests (sourced after lib.sh).
need_root
PY=/usr/bin/python3
[ -x "$PY" ] || skip "python3 missing (for parsing JSON)"
for t in oathtool zbarimg runuser useradd; do
    command -v "$t" >/dev/null || skip "$t missing: run scripts/test.sh (it installs the test packages)"
done

CONF="$T_DIR/pam_totp.conf"
STATE="$T_DIR/state"
install -d -m 0711 "$STATE"

# write_conf [LINES...]: the test's configuration (state in T_DIR), root-owned 0644.
write_conf() {
    {
        printf 'state_dir = %s\nissuer = PtCliTest\n' "$STATE"
        printf '%s\n' "$@"
    } >"$CONF"
    chmod 0644 "$CONF"
}
write_conf

# new_user NAME [useradd options]: a test user, removed with its home at exit.
new_user() {
    local u=$1
    shift
    useradd -m -s /bin/bash "$@" "$u"
    on_exit "userdel -r $u 2>/dev/null"
}

# The command as root, or as a user (runuser), with the test's configuration.
pt() { "$PT_CLI" --config "$CONF" "$@"; }
pt_as() {
    local u=$1
    shift
    runuser -u "$u" -- "$PT_CLI" --config "$CONF" "$@"
}

# run WANT_RC DESC CMD...: runs CMD, keeps stdout/stderr in $OUT/$ERR, checks the exit status.
OUT="$T_DIR/out"
ERR="$T_DIR/err"
run() {
    local want=$1 desc=$2 rc=0
    shift 2
    "$@" >"$OUT" 2>"$ERR" || rc=$?
    if [ "$rc" = "$want" ]; then
        ok "$desc (exit $rc)"
    else
        fail "$desc: exit $rc, expected $want; stderr: $(head -c 600 "$ERR")"
    fi
}

# jq_py EXPR < JSON: prints EXPR evaluated with d = the parsed document (fails on bad JSON).
jq_py() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); v=eval(sys.argv[1]); print(json.dumps(v) if isinstance(v,(bool,list,dict)) or v is None else v)' "$1"; }

# The secret of a user's enrolment file (root reads it).
file_secret() { awk '$1 == "secret" {print $3}' "$1"; }
home_of() { getent passwd "$1" | cut -d: -f6; }

# A PAM service of the test's own: only pam_totp with the test's configuration.
PAMD="$T_DIR/pam.d"
mkdir -p "$PAMD"
printf 'auth required %s config=%s\n' "$PT_MODULE" "$CONF" >"$PAMD/ptcli"
printf 'auth required pam_deny.so\n' >"$PAMD/other"
# login USER ANSWER...: one authentication through real libpam; exit status = PAM result.
login() { "$PT_TOOLS/pt-pam_harness" --confdir "$PAMD" --service ptcli "$@" >"$T_DIR/login.out" 2>&1; }

# The QR code in a transcript, decoded by zbarimg (MODE: utf8 or ansi) as a terminal with light
# text on a dark background shows it, or with --light-terminal dark on light.
decode_qr() { "$PT_TOOLS/pt-qr2pbm" "$1" ${3:+"$3"} <"$2" | zbarimg --nodbus --raw -q - 2>/dev/null | tr -d '\r'; }
# The URI printed as text ("URI: otpauth://...") in a transcript.
printed_uri() { grep -a '^URI: ' "$1" | head -1 | sed 's/^URI: //' | tr -d '\r'; }
# login_at EPOCH USER ANSWER...: the same with the module's clock at EPOCH (faketime).
login_at() {
    local t=$1
    shift
    at "$t" "$PT_TOOLS/pt-pam_harness" --confdir "$PAMD" --service ptcli "$@" >"$T_DIR/login.out" 2>&1
}
