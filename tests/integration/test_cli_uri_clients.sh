# The otpauth URIs `pam-totp enrol --begin --json` prints, read back by two real client libraries:
# Debian's python3-pyotp and npm's otpauth (installed into a temporary directory). For issuers and
# labels with spaces, UTF-8, slashes, quotes, percent signs and the characters URIs reserve, both
# must give back the configured issuer and account name, the secret, and the code oathtool gives.
# pyotp decodes the whole URI before splitting it, so & # + ? (and % before two hex digits) are
# beyond it: those cases go to npm otpauth only. A colon in issuer or label is a configuration
# error naming the key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import pyotp' 2>/dev/null || skip "python3-pyotp missing: run scripts/test.sh"
command -v node >/dev/null && command -v npm >/dev/null || skip "nodejs/npm missing: run scripts/test.sh"

U=ptur$$
new_user "$U"
HOST=$(hostname)
T=1767225605

NPM_DIR="$T_DIR/npm"
mkdir -p "$NPM_DIR"
( cd "$NPM_DIR" && timeout 300 npm install --no-audit --no-fund --silent otpauth >/dev/null 2>"$T_DIR/npm.err" ) ||
    { cat "$T_DIR/npm.err" >&2; fail "npm install otpauth"; finish; }

# read_py URI / read_js URI: "issuer<TAB>account<TAB>secret<TAB>code at $T", as each library sees it.
read_py() {
    "$PY" -c 'import sys, pyotp
t = pyotp.parse_uri(sys.argv[1])
print("\t".join([t.issuer or "", t.name or "", t.secret, t.at(int(sys.argv[2]))]))' "$1" "$T"
}
read_js() {
    NODE_PATH="$NPM_DIR/node_modules" node -e 'const o = require("otpauth");
const t = o.URI.parse(process.argv[1]);
console.log([t.issuer, t.label, t.secret.base32, t.generate({timestamp: Number(process.argv[2]) * 1000})].join("\t"));' "$1" "$T"
}

# case ISSUER LABEL-TEMPLATE EXPECTED-ACCOUNT CLIENTS
case_uri() {
    local issuer=$1 label=$2 account=$3 clients=$4 json uri secret want got c
    {
        printf 'state_dir = %s\n' "$STATE"
        printf 'issuer = %s\nlabel = %s\n' "$issuer" "$label"
    } >"$CONF"
    chmod 0644 "$CONF"
    if ! json=$("$PT_CLI" --config "$CONF" enrol --begin --json --user "$U" 2>"$T_DIR/err"); then
        fail "enrol --begin with issuer [$issuer]: $(cat "$T_DIR/err")"
        return
    fi
    uri=$(printf '%s' "$json" | jq -r .uri)
    secret=$(printf '%s' "$json" | jq -r .secret)
    want=$(printf '%s\t%s\t%s\t%s' "$issuer" "$account" "$secret" "$(oathtool --totp -b -N "@$T" "$secret")")
    for c in $clients; do
        got=$(read_$c "$uri" 2>&1) || true
        expect_eq "$c reads issuer [$issuer], account [$account], secret and code" "$got" "$want"
    done
}

case_uri "ACME Prod" "%u" "$U" "py js"
case_uri "Ünïcødé 東京" "%u at %H" "$U at $HOST" "py js"
case_uri "a/b;c,d'e\"f" "%u (ops)" "$U (ops)" "py js"
case_uri "100% sure" "x%%y-%u" "x%y-$U" "py js"
case_uri "<tag>~x=y" "a=b %u" "a=b $U" "py js"
case_uri "R&D #1 + QA?" "%u&co+#?" "$U&co+#?" "js"
case_uri "50%41 off" "%%41%u" "%41$U" "js"

log "a colon in issuer or label is a configuration error naming the key"
for kv in "issuer = ACME: Prod" "label = %u:%H"; do
    { printf 'state_dir = %s\n%s\n' "$STATE" "$kv"; } >"$CONF"
    chmod 0644 "$CONF"
    rc=0
    "$PT_CLI" --config "$CONF" enrol --begin --json --user "$U" >/dev/null 2>"$T_DIR/err" || rc=$?
    check_not "[$kv] refused" test "$rc" = 0
    expect_match "[$kv]: the message names file, line and key" "$(cat "$T_DIR/err")" "$CONF:2: ${kv%% =*} = .*must not contain a colon"
done
finish
