# store = ldap over TLS to a real slapd on 127.0.0.1 with a CA made by the test (openssl):
# StartTLS on ldap:// and ldaps:// verified against ldap_tls_cacert work; a CA that did not sign
# the server's certificate is refused (fail closed, syslog says why); a CA file, a password file
# or a password that is unsafe or wrong fails closed; without ldap_tls_cacert only a loopback
# server is accepted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
. "$(dirname "$0")/ldap_lib.sh"
mod_init
ldap_init
syslog_start
pki_make
PORT=39431
SPORT=39432
SD="$T_DIR/slapd"
slapd_conf "$SD" $PORT tls
slapd_start "$SD" "ldap://127.0.0.1:$PORT/ ldaps://127.0.0.1:$SPORT/" || { finish; exit 1; }
U=ptldapt-$$
mod_user "$U"
install -d -m 0755 "$T_DIR/ca"
cp "$T_DIR/pki/ca.pem" "$T_DIR/pki/other.pem" "$T_DIR/ca/"
chmod 0644 "$T_DIR/ca/"*.pem
tls_conf() { # URI CACERT [LINES...]
    local uri=$1 ca=$2
    shift 2
    {
        printf 'mfa = optional\nstore = ldap\nldap_uri = %s\nldap_base = %s\n' "$uri" "$LDAP_BASE"
        printf 'ldap_binddn = %s\nldap_bindpw_file = %s\nldap_timeout = 3\n' "$SVC_DN" "$SVC_PW_FILE"
        [ -z "$ca" ] || printf 'ldap_tls_cacert = %s\n' "$ca"
        printf '%s\n' "$@"
    } >"$CONF"
    chmod 0644 "$CONF"
}
mod_plain
t=$T0
expect_login() { # DESC WANT [LOG-REGEX]
    : >"$T_SYSLOG"
    t=$((t + 30))
    run_at $t "$U" "$(code $t)"
    expect_eq "$1" "$RES" "$2"
    [ -z "${3:-}" ] || check "$1: syslog says why" grep -Eq -- "$3" "$T_SYSLOG"
}

tls_conf "ldap://127.0.0.1:$PORT" "$T_DIR/ca/ca.pem"
"$MKENROL" "$U" "$SECRET" "config=$CONF" >/dev/null || fail "enrol over StartTLS"
expect_login "StartTLS, the right CA: accepted" success
tls_conf "ldaps://127.0.0.1:$SPORT" "$T_DIR/ca/ca.pem"
expect_login "ldaps, the right CA: accepted" success

tls_conf "ldap://127.0.0.1:$PORT" "$T_DIR/ca/other.pem"
expect_login "StartTLS, another CA: fails closed" $PAM_AUTHINFO_UNAVAIL "StartTLS"
tls_conf "ldaps://127.0.0.1:$SPORT" "$T_DIR/ca/other.pem"
expect_login "ldaps, another CA: fails closed" $PAM_AUTHINFO_UNAVAIL "no server of ldap_uri"
# The wrong server first, the right one second: the second is used.
tls_conf "ldaps://127.0.0.1:$PORT ldap://127.0.0.1:$PORT" "$T_DIR/ca/ca.pem"
expect_login "a failing server first, then a good one: accepted" success

tls_conf "ldap://127.0.0.1:$PORT" "$T_DIR/ca/ca.pem"
chmod 0666 "$T_DIR/ca/ca.pem"
expect_login "CA file writable by others: fails closed" $PAM_AUTHINFO_UNAVAIL "ldap_tls_cacert .*mode"
chmod 0644 "$T_DIR/ca/ca.pem"
chmod 0777 "$T_DIR/ca"
expect_login "CA directory writable by others: fails closed" $PAM_AUTHINFO_UNAVAIL "ldap_tls_cacert: directory"
chmod 0755 "$T_DIR/ca"
chmod 0644 "$SVC_PW_FILE"
expect_login "password file readable by others: fails closed" $PAM_AUTHINFO_UNAVAIL "ldap_bindpw_file .*mode"
chmod 0600 "$SVC_PW_FILE"
cp -p "$SVC_PW_FILE" "$T_DIR/pw.good"
printf 'wrong\n' >"$SVC_PW_FILE"
expect_login "wrong password: fails closed" $PAM_AUTHINFO_UNAVAIL "Invalid credentials"
cp -p "$T_DIR/pw.good" "$SVC_PW_FILE"
expect_login "the right password again: accepted" success

# Without a CA: a loopback server only (the password would otherwise cross the network in clear).
tls_conf "ldap://127.0.0.1:$PORT" ""
expect_login "no CA, loopback: accepted" success
tls_conf "ldap://ldap.example.org" ""
expect_login "no CA, another host: refused before connecting" $PAM_AUTHINFO_UNAVAIL "ldap_tls_cacert is not set"
finish
