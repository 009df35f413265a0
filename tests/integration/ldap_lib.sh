# A real slapd on 127.0.0.1 for the store = ldap tests (sourced after lib.sh).
#
#   ldap_init                     checks root and the tools; $LDAP_BASE, $SVC_DN, $SVC_PW_FILE
#   slapd_conf DIR PORT [TLS]     writes DIR/slapd.conf (the shipped schema, the documented ACL;
#                                 with TLS, certificates from $T_DIR/pki) and loads the base
#                                 entries into DIR/db with slapadd
#   slapd_start DIR URLS          starts slapd (it daemonises), waits until it answers; it is
#                                 stopped by the PID in DIR/slapd.pid at exit
#   slapd_stop DIR                stops it (SIGTERM by PID, then waits for it to go)
#   slapd_kill DIR                SIGKILL by PID
#   pki_make                      a CA and a server certificate for 127.0.0.1 in $T_DIR/pki
#   ldap_dump DIR                 every entry, as the rootdn (ldapsearch -LLL)
SLAPD=/usr/sbin/slapd
LDAP_SUFFIX="dc=pt-test,dc=invalid"
LDAP_BASE="ou=pam_totp,$LDAP_SUFFIX"
ROOT_DN="cn=admin,$LDAP_SUFFIX"
ROOT_PW="root-$$-pw"
SVC_DN="cn=pam_totp,ou=services,$LDAP_SUFFIX"
SVC_PW="svc-$$-$RANDOM"

ldap_init() {
    need_root
    local t
    for t in "$SLAPD" slapadd slappasswd ldapsearch ldapmodify openssl; do
        command -v "$t" >/dev/null || skip "$t missing: run scripts/test.sh (it installs slapd, ldap-utils, openssl)"
    done
    install -d -m 0700 "$T_DIR/etc"
    SVC_PW_FILE="$T_DIR/etc/bindpw"
    (umask 077; printf '%s\n' "$SVC_PW" >"$SVC_PW_FILE")
}

slapd_conf() {
    local dir=$1 tls=${3:-}
    install -d -m 0700 "$dir" "$dir/db"
    {
        printf 'include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n'
        printf 'include /etc/ldap/schema/nis.schema\ninclude %s/ldap/pam_totp.schema\n' "$PT_SOURCE_DIR"
        printf 'pidfile %s/slapd.pid\nargsfile %s/slapd.args\n' "$dir" "$dir"
        printf 'modulepath /usr/lib/ldap\nmoduleload back_mdb\n'
        if [ -n "$tls" ]; then
            printf 'TLSCACertificateFile %s\nTLSCertificateFile %s\nTLSCertificateKeyFile %s\n' \
                "$T_DIR/pki/ca.pem" "$T_DIR/pki/server.pem" "$T_DIR/pki/server.key"
        fi
        printf 'database mdb\nmaxsize 67108864\nsuffix "%s"\nrootdn "%s"\nrootpw %s\ndirectory %s/db\n' \
            "$LDAP_SUFFIX" "$ROOT_DN" "$(slappasswd -s "$ROOT_PW")" "$dir"
        # The ACL of ldap/README.md: only the service identity reads and writes the subtree.
        printf 'access to attrs=userPassword\n  by anonymous auth\n  by * none\n'
        printf 'access to dn.subtree="%s"\n  by dn.exact="%s" write\n  by * none\n' "$LDAP_BASE" "$SVC_DN"
        printf 'access to *\n  by * none\n'
    } >"$dir/slapd.conf"
    chmod 0600 "$dir/slapd.conf"
    slapadd -q -f "$dir/slapd.conf" <<LDIF >/dev/null
dn: $LDAP_SUFFIX
objectClass: dcObject
objectClass: organization
o: pam_totp tests
dc: pt-test

dn: ou=services,$LDAP_SUFFIX
objectClass: organizationalUnit
ou: services

dn: $SVC_DN
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: pam_totp
userPassword: $(slappasswd -s "$SVC_PW")

dn: $LDAP_BASE
objectClass: organizationalUnit
ou: pam_totp
LDIF
}

slapd_start() {
    local dir=$1 urls=$2
    "$SLAPD" -f "$dir/slapd.conf" -h "$urls" -u root -g root -s 0 || { fail "slapd did not start"; return 1; }
    on_exit "slapd_stop '$dir'"
    for _ in $(seq 1 200); do
        [ -s "$dir/slapd.pid" ] && ldapsearch -x -H "${urls%% *}" -b "" -s base -LLL \
            "(objectClass=*)" namingContexts >/dev/null 2>&1 && return 0
        # ldaps needs the CA: just wait for the pid file and the port.
        [ -s "$dir/slapd.pid" ] && case $urls in ldaps:*) LDAPTLS_CACERT="$T_DIR/pki/ca.pem" \
            ldapsearch -x -H "${urls%% *}" -b "" -s base -LLL namingContexts >/dev/null 2>&1 && return 0;; esac
        sleep 0.05
    done
    fail "slapd on $urls did not answer"
    return 1
}

slapd_stop() {
    local dir=$1 pid
    [ -s "$dir/slapd.pid" ] || return 0
    pid=$(cat "$dir/slapd.pid")
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$dir/slapd.pid"
}

slapd_kill() {
    local dir=$1 pid
    pid=$(cat "$dir/slapd.pid")
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
    rm -f "$dir/slapd.pid"
}

# Valid from a month before T0 (module_lib.sh's faked clock) for 800 days, so from then to now.
pki_make() {
    local p="$T_DIR/pki"
    local from
    from=$(date -u -d "@$((T0 - 30 * 86400))" "+%Y-%m-%d %H:%M:%S")
    openssl() { TZ=UTC FAKETIME="@$from" LD_PRELOAD="$FAKETIME_LIB" command openssl "$@"; }
    install -d -m 0755 "$p"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$p/ca.key" -out "$p/ca.pem" -days 800 \
        -subj "/CN=pam_totp test CA $$" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -keyout "$p/server.key" -out "$p/server.csr" \
        -subj "/CN=127.0.0.1" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$p/ext"
    openssl x509 -req -in "$p/server.csr" -CA "$p/ca.pem" -CAkey "$p/ca.key" -CAcreateserial \
        -out "$p/server.pem" -days 800 -extfile "$p/ext" >/dev/null 2>&1
    # Another CA, which did not sign the server's certificate.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$p/other.key" -out "$p/other.pem" -days 800 \
        -subj "/CN=pam_totp other CA $$" >/dev/null 2>&1
    chmod 0644 "$p"/*.pem
    chmod 0600 "$p"/*.key
    unset -f openssl
}

ldap_dump() {
    ldapsearch -x -H "$2" -D "$ROOT_DN" -w "$ROOT_PW" -b "$LDAP_SUFFIX" -LLL '(objectClass=*)' '*'
}
