# store = ldap against a real slapd on 127.0.0.1 (the shipped schema, the documented ACL), with
# two configurations standing for two hosts: a code used on A is refused on B; a backup code works
# once across both; failures on A and B add up to one lock; B's root lists, unlocks and resets
# what A enrolled; with secret_key_file no secret is in a dump of the directory, and a sealed
# value moved to another user's entry fails closed; ldap_uri is tried in order; a user's own
# pam-totp points to enrolment at login or an administrator; pam-totp migrate moves a home-mode
# enrolment into the directory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
. "$(dirname "$0")/ldap_lib.sh"
mod_init
ldap_init
syslog_start
PORT=39411
DEAD=39412 # nothing listens here
SD="$T_DIR/slapd"
slapd_conf "$SD" $PORT
slapd_start "$SD" "ldap://127.0.0.1:$PORT/" || { finish; exit 1; }
URI="ldap://127.0.0.1:$PORT"
U=ptldap-$$a
V=ptldap-$$b
mod_user "$U"
mod_user "$V"
KEY="$T_DIR/etc/pam_totp.key"
(umask 077; head -c 32 /dev/urandom >"$KEY")

host_conf() { # FILE URIS [LINES...]
    local f=$1 uris=$2
    shift 2
    {
        printf 'mfa = optional\ndeny = 4\nstore = ldap\nldap_uri = %s\nldap_base = %s\n' "$uris" "$LDAP_BASE"
        printf 'ldap_binddn = %s\nldap_bindpw_file = %s\nldap_timeout = 3\n' "$SVC_DN" "$SVC_PW_FILE"
        printf 'secret_key_file = %s\n' "$KEY"
        printf '%s\n' "$@"
    } >"$f"
    chmod 0644 "$f"
}
CONF_A="$T_DIR/a.conf"
CONF_B="$T_DIR/b.conf"
host_conf "$CONF_A" "$URI"
host_conf "$CONF_B" "ldap://127.0.0.1:$DEAD $URI" # the first server is down: B uses the second
for h in a b; do
    mkdir -p "$T_DIR/svc-$h"
    c="$T_DIR/$h.conf"
    printf 'auth [success=1 ignore=2 default=die] %s config=%s\nauth requisite pam_deny.so\n' "$PT_MODULE" "$c" >"$T_DIR/svc-$h/pt-test"
    printf 'auth [default=done] pam_echo.so PT-RESULT=success\nauth [default=done] pam_echo.so PT-RESULT=ignore\n' >>"$T_DIR/svc-$h/pt-test"
    printf 'account required pam_permit.so\n' >>"$T_DIR/svc-$h/pt-test"
done
on_host() { # A|B EPOCH USER ANSWER...
    local h
    h=$(printf '%s' "$1" | tr AB ab)
    shift
    local t=$1
    shift
    RC=0
    OUT=$(at "$t" "$H" --confdir "$T_DIR/svc-$h" "$@") || RC=$?
    if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q '^INFO: PT-RESULT=ignore$'; then RES=ignore
    elif [ "$RC" = 0 ]; then RES=success
    else RES=$RC; fi
}
pt_a() { "$PT_CLI" --config "$CONF_A" "$@"; }
pt_b() { "$PT_CLI" --config "$CONF_B" "$@"; }
dump() { ldap_dump "$SD" "$URI"; }
entry_attr() { # USER ATTR: the attribute's value, base64-decoded when ldapsearch encoded it
    ldapsearch -x -H "$URI" -D "$ROOT_DN" -w "$ROOT_PW" -b "uid=$1,$LDAP_BASE" -s base -LLL -o ldif-wrap=no '(objectClass=*)' "$2" |
        /usr/bin/python3 -c 'import sys,base64
for l in sys.stdin.read().splitlines():
    k,_,v=l.partition(":")
    if k==sys.argv[1]:
        print(base64.b64decode(v[2:]).decode() if v.startswith(": ") else v[1:], end="")' "$2"
}

# --- A enrols U (the command as root against the directory); the entry is made by pam-totp.
mapfile -t BACKUP < <("$MKENROL" "$U" "$SECRET" "config=$CONF_A")
expect_eq "ten backup codes" "${#BACKUP[@]}" 10
check "U's entry exists under ldap_base" ldapsearch -x -H "$URI" -D "$ROOT_DN" -w "$ROOT_PW" -b "uid=$U,$LDAP_BASE" -s base -LLL '(objectClass=pamTotpUser)' dn
check_not "no enrolment file on the host" test -e "$(getent passwd "$U" | cut -d: -f6)/.pam_totp"
t=$T0

# --- A code used on A is refused on B; a fresh one works on B.
on_host A $t "$U" "$(code $t)"
expect_eq "A: code accepted" "$RES" success
on_host B $t "$U" "$(code $t)"
expect_eq "B: the same code refused (replay across hosts)" "$RES" $PAM_AUTH_ERR
expect_match "B: told it was used" "$OUT" "already used"
t=$((t + 30))
on_host B $t "$U" "$(code $t)"
expect_eq "B: the next code accepted" "$RES" success

# --- A backup code works once across both.
on_host B $((t + 60)) "$U" "${BACKUP[0]}"
expect_eq "B: backup code accepted" "$RES" success
on_host A $((t + 60)) "$U" "${BACKUP[0]}"
expect_eq "A: the same backup code refused" "$RES" $PAM_AUTH_ERR

# --- Failures on A and B add up to one lock (deny = 4); A's root clears the two so far.
t=$((t + 120))
check "A: unlock clears the failures counted so far" at $t "$PT_CLI" --config "$CONF_A" unlock "$U"
on_host A $t "$U" 000000; on_host B $t "$U" 000001; on_host A $t "$U" 000002
expect_eq "three failures: not locked yet" "$RES" $PAM_AUTH_ERR
on_host B $t "$U" 000003
expect_match "the fourth failure (on B) locks" "$OUT" "now locked"
on_host A $((t + 30)) "$U" "$(code $((t + 30)))"
expect_eq "A: locked, the right code refused" "$RES" $PAM_AUTH_ERR
expect_match "A: told it is locked" "$OUT" "locked"

# --- B's root lists, unlocks and resets what A enrolled.
J=$(at $((t + 30)) "$PT_CLI" --config "$CONF_B" list --json)
expect_eq "B: list shows U enrolled" "$(printf '%s' "$J" | /usr/bin/python3 -c 'import json,sys; print([u["enrolled"] for u in json.load(sys.stdin) if u["user"]==sys.argv[1]])' "$U")" "[True]"
expect_eq "B: list shows U locked" "$(printf '%s' "$J" | /usr/bin/python3 -c 'import json,sys; print([u["locked"] for u in json.load(sys.stdin) if u["user"]==sys.argv[1]])' "$U")" "[True]"
J=$(at $((t + 30)) "$PT_CLI" --config "$CONF_B" status --json --user "$U")
expect_eq "B: status: 9 backup codes left" "$(printf '%s' "$J" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["backup_codes_left"])')" 9
check "B: unlock U" pt_b unlock "$U"
t=$((t + 60))
on_host A $t "$U" "$(code $t)"
expect_eq "A: unlocked by B, the code works" "$RES" success

# --- Devices through the directory: B's root adds one, A logs in with it, each device's secret
#     sealed on its own; A's root removes it and B refuses its codes.
scode() { oathtool --totp -b -N "@$1" "$SPARE"; }
t=$((t + 30))
J=$(at $t "$PT_CLI" --config "$CONF_B" enrol --add --name spare --begin --json --user "$U") ||
    fail "B: enrol --add --begin"
SPARE=$(printf '%s' "$J" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
check "B: --verify confirms the spare device" at $t "$PT_CLI" --config "$CONF_B" enrol --verify "$(scode $t)" --user "$U"
t=$((t + 30))
on_host A $t "$U" "$(scode $t)"
expect_eq "A: the spare device's code logs in" "$RES" success
expect_eq "two sealed secrets in the entry" "$(entry_attr "$U" pamTotpEnrolment | grep -c '^secret = sealed:v1:')" 2
check_not "the spare secret is not in the entry" sh -c "printf '%s' \"\$1\" | grep -q '$SPARE'" _ "$(entry_attr "$U" pamTotpEnrolment)"
check "A: remove-device spare" at $t "$PT_CLI" --config "$CONF_A" remove-device spare --user "$U"
t=$((t + 30))
on_host B $t "$U" "$(scode $t)"
expect_eq "B: the removed device's code is refused" "$RES" $PAM_AUTH_ERR
on_host B $t "$U" "$(code $t)"
expect_eq "B: the first device's code still works" "$RES" success

# --- An account whose name differs from U's only in case finds U's entry (uid matches without
#     regard to case): it fails closed, and root's reset of it leaves U's entry alone.
UU=$(printf '%s' "$U" | tr a-z A-Z)
userdel -r "$UU" >/dev/null 2>&1 || true
useradd --badname -M -s /bin/bash "$UU"
on_exit "userdel $UU >/dev/null 2>&1"
: >"$T_SYSLOG"
on_host A $t "$UU" "$(code $t)"
expect_eq "$UU with U's code: fails closed" "$RES" $PAM_AUTHINFO_UNAVAIL
check "syslog: names differing only in case" grep -q "differs from $UU only in case" "$T_SYSLOG"
check_not "B: reset $UU is refused" pt_b reset --yes "$UU"
check "U's entry is still there" ldapsearch -x -H "$URI" -D "$ROOT_DN" -w "$ROOT_PW" -b "uid=$U,$LDAP_BASE" -s base -LLL '(objectClass=pamTotpUser)' dn
t=$((t + 30))
on_host A $t "$U" "$(code $t)"
expect_eq "U still logs in" "$RES" success
check_not "B: list fails while $UU shares U's entry" pt_b list
userdel "$UU"

# --- With secret_key_file, no secret in a dump of the directory.
dump >"$T_DIR/dump.ldif"
check "the dump holds U's entry" grep -q "^dn: uid=$U," "$T_DIR/dump.ldif"
HEXSECRET=$(printf '%s' "$SECRET" | base32 -d | od -An -tx1 | tr -d ' \n')
check_not "no base32 secret in the dump" grep -q "$SECRET" "$T_DIR/dump.ldif"
check_not "no hex secret in the dump" grep -qi "$HEXSECRET" "$T_DIR/dump.ldif"
check "the enrolment's secret is sealed" sh -c "printf '%s' \"\$1\" | grep -q '^secret = sealed:v1:'" _ "$(entry_attr "$U" pamTotpEnrolment)"
check_not "not in the decoded values either" sh -c "printf '%s' \"\$1\" | grep -q '$SECRET'" _ "$(entry_attr "$U" pamTotpEnrolment)"

# --- A sealed value moved to another user's entry fails closed.
SECRET_U=$SECRET
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
"$MKENROL" "$V" "$SECRET" "config=$CONF_B" >/dev/null
on_host A $t "$V" "$(code $t)"
expect_eq "V's own enrolment works" "$RES" success
entry_attr "$U" pamTotpEnrolment >"$T_DIR/u.enrol"
/usr/bin/python3 - "$V" "$LDAP_BASE" "$T_DIR/u.enrol" >"$T_DIR/move.ldif" <<'PY'
import base64, sys
print("dn: uid=%s,%s\nchangetype: modify\nreplace: pamTotpEnrolment\npamTotpEnrolment:: %s\n" % (sys.argv[1], sys.argv[2], base64.b64encode(open(sys.argv[3], "rb").read()).decode()))
PY
check "root moves U's enrolment into V's entry" ldapmodify -x -H "$URI" -D "$ROOT_DN" -w "$ROOT_PW" -f "$T_DIR/move.ldif"
: >"$T_SYSLOG"
SECRET=$SECRET_U
t=$((t + 30))
on_host B $t "$V" "$(code $t)"
expect_eq "V with U's sealed secret (U's code): fails closed" "$RES" $PAM_AUTHINFO_UNAVAIL
check "syslog: it does not open" grep -q "does not open" "$T_SYSLOG"

# --- An entry for a user this host does not know: list names it.
printf 'dn: uid=ghost-%s,%s\nobjectClass: pamTotpUser\nuid: ghost-%s\n' $$ "$LDAP_BASE" $$ |
    ldapadd -x -H "$URI" -D "$ROOT_DN" -w "$ROOT_PW" >/dev/null
pt_b list >/dev/null 2>"$T_DIR/list.err"
check "list names an entry without a local account" grep -q "entry for ghost-$$, who has no account" "$T_DIR/list.err"

# --- The users' own pam-totp: self-service is at login or through an administrator.
rc=0; runuser -u "$U" -- "$PT_CLI" --config "$CONF_A" status >"$T_DIR/out" 2>&1 || rc=$?
expect_eq "the user's pam-totp status: refused (exit 1)" "$rc" 1
check "it says: at the next login or an administrator" grep -q "next login.*administrator" "$T_DIR/out"

# --- B's root resets U; V's entry and its state stay.
check "B: reset U" pt_b reset --yes "$U"
check_not "U's entry is gone" ldapsearch -x -H "$URI" -D "$ROOT_DN" -w "$ROOT_PW" -b "uid=$U,$LDAP_BASE" -s base -LLL '(objectClass=*)' dn
on_host A $((t + 60)) "$U" "$(code $((t + 60)))"
expect_eq "A: U not enrolled any more (mfa = optional: ignored)" "$RES" ignore
check "B: disable V (root)" pt_b disable --user "$V"
expect_eq "V's enrolment removed, its state kept" "$(entry_attr "$V" pamTotpEnrolment | wc -c) $(entry_attr "$V" pamTotpState | grep -c '^last_step')" "0 1"

# --- libldap is mapped only with store = ldap (LD_DEBUG=files lists every object loaded).
loaded_libs() { LD_DEBUG=files at "$1" "$H" --confdir "$2" "$3" "$4" 2>&1 | grep -o 'file=[^ ]*libldap[^ ]*' | head -1; }
mkdir -p "$T_DIR/svc-files"
printf 'auth required %s config=%s state_dir=%s\n' "$PT_MODULE" "$T_DIR/files.conf" "$STATE_DIR" >"$T_DIR/svc-files/pt-test"
printf 'mfa = optional\n' >"$T_DIR/files.conf"; chmod 0644 "$T_DIR/files.conf"
"$MKENROL" "$V" "$SECRET" "config=$T_DIR/files.conf" "state_dir=$STATE_DIR" >/dev/null
expect_eq "store = files: libldap not loaded" "$(loaded_libs $((t + 90)) "$T_DIR/svc-files" "$V" "$(code $((t + 90)))")" ""
expect_match "store = ldap: libldap loaded" "$(loaded_libs $((t + 90)) "$T_DIR/svc-a" "$V" 000000)" "libldap"

# --- pam-totp migrate moves a home-mode enrolment (V's, just made for store = files) into the
# directory, sealed there; the default source is not mistaken for the destination.
out=$(pt_a migrate "$V" 2>&1) || fail "A: migrate $V: $out"
expect_match "A: migrate says where it went" "$out" "migrated from .*/\.pam_totp to the directory"
check "the directory holds V's enrolment, sealed" sh -c "printf '%s' \"\$1\" | grep -q '^secret = sealed:v1:'" _ "$(entry_attr "$V" pamTotpEnrolment)"
on_host B $((t + 150)) "$V" "$(code $((t + 150)))"
expect_eq "B: V logs in with the migrated enrolment" "$RES" success
out=$(pt_a migrate "$V" 2>&1) && fail "a second migrate overwrote the directory's enrolment"
expect_match "a second migrate refuses: already enrolled" "$out" "already enrolled"

# --- No server answers: fails closed, says so.
host_conf "$CONF_A" "ldap://127.0.0.1:$DEAD"
: >"$T_SYSLOG"
on_host A $((t + 90)) "$V" 123456
expect_eq "no server: PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
expect_match "no server: the user is told" "$OUT" "directory cannot be reached"
check "no server: syslog names ldap_uri" grep -q "no server of ldap_uri" "$T_SYSLOG"
finish
