# secret_key_file: enrolments are written sealed (no secret in the file), logins open them; a
# sealed secret copied to another user's enrolment, a missing, unsafe or wrong-sized key, or a
# sealed secret with no key configured fail closed (PAM_AUTHINFO_UNAVAIL, syslog says why);
# an enrolment written before the key existed still works and is sealed by its next rewrite.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
A=ptseal-$$a
B=ptseal-$$b
mod_user "$A"
mod_user "$B"
install -d -m 0700 "$T_DIR/enrol" "$T_DIR/keys"
KEY="$T_DIR/keys/pam_totp.key"
(umask 077; head -c 32 /dev/urandom >"$KEY")
EF_A="$T_DIR/enrol/$A"
EF_B="$T_DIR/enrol/$B"
sealed_conf() { mod_conf "mfa = optional" "enrolment_file = $T_DIR/enrol/%u" "$@"; }
sealed_conf "secret_key_file = $KEY"
mod_service
logged() { grep -F -- "$1" "$T_SYSLOG" | grep -Eq -- "$2"; }
t=$T0
login_ok() { # DESC USER
    t=$((t + 60))
    run_at $t "$2" "$(code $t)"
    expect_eq "$1" "$RES" success
}
login_unavail() { # DESC USER LOG-REGEX
    : >"$T_SYSLOG"
    t=$((t + 60))
    run_at $t "$2" "$(code $t)"
    expect_eq "$1: PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
    expect_nomatch "$1: no prompt" "$OUT" '^PROMPT'
    check "$1: syslog says why" logged "" "$3"
}
secret_line() { grep '^secret = ' "$1"; }

# --- Written sealed, and it works.
enrol "$A"
check "the enrolment holds a sealed secret" grep -Eq '^secret = sealed:v1:[0-9a-f]{96}$' "$EF_A"
check_not "the base32 secret is not in the file" grep -q "$SECRET" "$EF_A"
check_not "nor its hex" grep -qi "$(printf '%s' "$SECRET" | base32 -d | od -An -tx1 | tr -d ' \n')" "$EF_A"
login_ok "sealed enrolment: code accepted" "$A"

# --- A sealed secret moved to another user's enrolment does not open.
SECRET_A=$SECRET
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
enrol "$B"
login_ok "B's own sealed enrolment works" "$B"
cp -p "$EF_B" "$T_DIR/b.good"
sed -i "s/^secret = .*/$(secret_line "$EF_A")/" "$EF_B"
SECRET=$SECRET_A
login_unavail "A's sealed secret in B's enrolment (A's code)" "$B" "does not open"
# ... nor with B's id replaced by A's (the binding is to the user as well as the enrolment).
sed -i "s/^id = .*/$(grep '^id = ' "$EF_A")/" "$EF_B"
login_unavail "A's sealed secret and id in B's enrolment" "$B" "does not open"
cp -p "$T_DIR/b.good" "$EF_B"
# ... nor a changed id on A's own (another enrolment of the same user).
cp -p "$EF_A" "$T_DIR/a.good"
# (its first digit changed, whatever it is: 0 becomes 1, anything else 0)
sed -i 's/^id = 0/id = X/; s/^id = [1-9a-f]/id = 0/; s/^id = X/id = 1/' "$EF_A"
check_not "  the id did change" cmp -s "$EF_A" "$T_DIR/a.good"
login_unavail "A's sealed secret under another enrolment id" "$A" "does not open"
cp -p "$T_DIR/a.good" "$EF_A"
login_ok "A restored: works" "$A"

# --- The key: missing, unsafe, wrong size, another key, not configured.
mv "$KEY" "$KEY.away"
login_unavail "key file missing" "$A" "secret_key_file .*missing"
mv "$KEY.away" "$KEY"
chmod 0644 "$KEY"
login_unavail "key file mode 0644" "$A" "secret_key_file .*mode"
chmod 0600 "$KEY"
chmod 0777 "$T_DIR/keys"
login_unavail "key directory writable by others" "$A" "secret_key_file: directory .*chmod go-w"
chmod 0700 "$T_DIR/keys"
ln -s "$KEY" "$T_DIR/keys/link"
sealed_conf "secret_key_file = $T_DIR/keys/link"
login_unavail "key file a symbolic link" "$A" "secret_key_file.*symbolic link"
head -c 16 /dev/urandom >"$T_DIR/keys/short"; chmod 0600 "$T_DIR/keys/short"
sealed_conf "secret_key_file = $T_DIR/keys/short"
login_unavail "key file of 16 bytes" "$A" "exactly 32"
head -c 32 /dev/urandom >"$T_DIR/keys/other"; chmod 0600 "$T_DIR/keys/other"
sealed_conf "secret_key_file = $T_DIR/keys/other"
login_unavail "another key" "$A" "does not open"
sealed_conf
login_unavail "sealed, no secret_key_file set" "$A" "secret_key_file is not set"
sealed_conf "secret_key_file = $KEY"
login_ok "the right key again: works" "$A"

# --- Enrolled before the key existed: works, and the next rewrite seals it.
sealed_conf
enrol "$B"
check "written without a key: plain base32" grep -q "^secret = $SECRET\$" "$EF_B"
sealed_conf "secret_key_file = $KEY"
SECRET_A=$SECRET
SECRET=$(sed -n 's/^secret = //p' "$EF_B")
login_ok "plain enrolment with a key configured: works" "$B"
mv "$KEY" "$KEY.away"
login_unavail "plain enrolment, key configured but missing: fails closed" "$B" "missing"
mv "$KEY.away" "$KEY"
"$PT_CLI" --config "$CONF" backup-codes --user "$B" >/dev/null
check "backup-codes --user re-sealed it" grep -Eq '^secret = sealed:v1:' "$EF_B"
check_not "no plain secret left" grep -q "$SECRET" "$EF_B"
login_ok "re-sealed enrolment: works" "$B"
SECRET=$SECRET_A

# --- The command seals what it writes (enrol --begin / --verify as root).
"$PT_CLI" --config "$CONF" reset --yes "$A" >/dev/null
J=$("$PT_CLI" --config "$CONF" enrol --begin --json --user "$A")
S=$(printf '%s' "$J" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
check "enrol --begin: pending enrolment sealed" grep -Eq '^secret = sealed:v1:' "$EF_A"
check_not "enrol --begin: no plain secret" grep -q "$S" "$EF_A"
check "enrol --verify opens it" "$PT_CLI" --config "$CONF" enrol --verify "$(oathtool -b --totp "$S")" --user "$A"
check "active and still sealed" grep -Eq '^secret = sealed:v1:' "$EF_A"
finish
