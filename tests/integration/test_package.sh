# The Debian package, end to end (root; DESIGN section 10): builds libpam-totp with
# `dpkg-buildpackage -us -uc -b` from a clean clone of the current commit, runs lintian (no errors,
# no warnings), installs it for real with apt, logs in through the INSTALLED module (named
# pam_totp.so, found by libpam in the PAM module directory) with a code -- through the test
# harness and through a real sshd -- with an enrolment made by the installed pam-totp, enables the
# pam-auth-update profile inside a private mount namespace whose /etc and /var/lib/pam are
# overlays (the machine's stacks stay untouched) and checks common-auth, then purges the package
# and checks that the system is as it was.
#
# It builds its own binaries from the clone, so it runs in the normal build only
# (tests/CMakeLists.txt). It refuses to run when a pam_totp.so, pam-totp, pam_totp.conf or
# /var/lib/pam_totp it did not install is present: installing would replace them and purging
# would remove them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
need_root
for t in git dpkg-buildpackage dh lintian apt-get pam-auth-update unshare fakeroot; do
    command -v "$t" >/dev/null || skip "$t missing: install dpkg-dev debhelper lintian fakeroot (scripts/test.sh does)"
done
PAMDIR="$(pkg-config --variable=libdir pam)/security"
INSTALLED=("$PAMDIR/pam_totp.so" /usr/bin/pam-totp /etc/security/pam_totp.conf /var/lib/pam_totp
    /usr/share/pam-configs/pam-totp /usr/lib/tmpfiles.d/libpam-totp.conf)
if dpkg-query -W -f='${db:Status-Status}' libpam-totp 2>/dev/null | grep -qvx not-installed; then
    skip "libpam-totp is installed on this machine: this test installs and purges it"
fi
for f in "${INSTALLED[@]}"; do
    [ -e "$f" ] && skip "$f exists: installing the package would replace it and purging remove it"
done

# What must be the same after the purge.
snapshot() {
    {
        find /etc/pam.d /etc/security /var/lib/pam /usr/share/pam-configs "$PAMDIR" \
            /usr/lib/tmpfiles.d /usr/share/doc -maxdepth 1 -printf '%p %m %u\n' | sort
        sha256sum /etc/pam.d/* /var/lib/pam/* 2>/dev/null
        ls -d /var/lib/pam_totp 2>/dev/null || true
    } >"$1"
}
snapshot "$T_DIR/before"
on_exit "dpkg-query -W libpam-totp >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 purge -y -qq libpam-totp >/dev/null 2>&1"

log "build from a clean clone of $(git -C "$PT_SOURCE_DIR" rev-parse --short HEAD)"
START=$(date +%s)
git clone -q "$PT_SOURCE_DIR" "$T_DIR/src"
if (cd "$T_DIR/src" && dpkg-buildpackage -us -uc -b >"$T_DIR/build.log" 2>&1); then
    ok "dpkg-buildpackage -us -uc -b"
else
    fail "dpkg-buildpackage: $(tail -20 "$T_DIR/build.log")"
    finish
fi
VERSION=$(cd "$T_DIR/src" && dpkg-parsechangelog -S Version)
ARCH=$(dpkg --print-architecture)
DEB="$T_DIR/libpam-totp_${VERSION}_${ARCH}.deb"
check "it wrote libpam-totp_${VERSION}_${ARCH}.deb" test -f "$DEB"
check "the test suite was not built by the package build" grep -q 'PT_BUILD_TESTS=OFF' "$T_DIR/build.log"
log "build took $(($(date +%s) - START)) s"

log "lintian"
if lintian --fail-on error,warning "$DEB" >"$T_DIR/lintian.out" 2>&1; then
    ok "lintian --fail-on error,warning: clean"
else
    fail "lintian: $(cat "$T_DIR/lintian.out")"
fi
check_not "no E: or W: tags" grep -Eq '^[EW]: ' "$T_DIR/lintian.out"

log "contents"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$T_DIR/contents"
for f in "$PAMDIR/pam_totp.so" /usr/bin/pam-totp /usr/share/man/man8/pam_totp.8.gz \
    /usr/share/man/man1/pam-totp.1.gz /usr/share/man/man5/pam_totp.conf.5.gz \
    /usr/share/bash-completion/completions/pam-totp /etc/security/pam_totp.conf \
    /usr/lib/tmpfiles.d/libpam-totp.conf /usr/share/pam-configs/pam-totp \
    /usr/share/doc/libpam-totp/README.md.gz /usr/share/doc/libpam-totp/SECURITY.md.gz \
    /usr/share/doc/libpam-totp/BENCHMARKS.md.gz /usr/share/doc/libpam-totp/copyright \
    /usr/share/doc/libpam-totp/examples/fail2ban/filter.d/pam-totp.conf \
    /usr/share/doc/libpam-totp/examples/fail2ban/jail.d/pam-totp.conf \
    /usr/share/pam_totp/ldap/pam_totp.schema /usr/share/pam_totp/ldap/pam_totp.ldif \
    /usr/share/doc/libpam-totp/ldap/README.md.gz; do
    check "ships $f" grep -qx "$f" "$T_DIR/contents"
done
for f in pam_totp.schema pam_totp.ldif; do
    check "the shipped $f is the source's" sh -c "dpkg-deb --fsys-tarfile '$DEB' |
        tar -xO ./usr/share/pam_totp/ldap/$f | cmp -s - '$PT_SOURCE_DIR/ldap/$f'"
done
expect_eq "conffiles" "$(dpkg-deb -I "$DEB" conffiles)" /etc/security/pam_totp.conf
expect_match "Depends come from shlibs" "$(dpkg-deb -f "$DEB" Depends)" 'libpam0g .*libgcrypt20|libgcrypt20.*libpam0g'
# The libraries opened with dlopen by SONAME, which shlibs cannot see: without libargon2 no
# backup code can be made or checked (the module fails closed), without libqrencode no QR code.
expect_match "Depends names libargon2" "$(dpkg-deb -f "$DEB" Depends)" '(^|, )libargon2-1(,|$)'
expect_match "Depends names libqrencode" "$(dpkg-deb -f "$DEB" Depends)" '(^|, )libqrencode4(,|$)'
expect_match "Suggests libldap (store = ldap)" "$(dpkg-deb -f "$DEB" Suggests)" '^libldap-2\.5-0$'
check_not "no maintainer script makes the state directory" sh -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xO ./postinst | grep -q mkdir"

log "install for real"
if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$DEB" >"$T_DIR/apt.log" 2>&1; then
    ok "apt-get install ./libpam-totp_${VERSION}_${ARCH}.deb"
else
    fail "apt-get install: $(tail -20 "$T_DIR/apt.log")"
    finish
fi
check "the module is in the PAM module directory" test -f "$PAMDIR/pam_totp.so"
expect_eq "/var/lib/pam_totp made by tmpfiles.d: root, 0711" "$(stat -c '%U %G %a' /var/lib/pam_totp 2>&1)" "root root 711"
expect_match "the profile is off by default" "$(cat /usr/share/pam-configs/pam-totp)" 'Default: no'
snapshot "$T_DIR/installed"
expect_eq "installing changed no PAM stack" \
    "$(diff <(grep '^[0-9a-f]\{64\}  /etc/pam.d/' "$T_DIR/before") <(grep '^[0-9a-f]\{64\}  /etc/pam.d/' "$T_DIR/installed"))" ""
check_not "no stack names pam_totp" grep -rq pam_totp /etc/pam.d
expect_eq "installed pam-totp runs" "$(/usr/bin/pam-totp --version)" "pam-totp $VERSION"
check "the installed pam_totp(8) explains the profile" zgrep -q pam-auth-update /usr/share/man/man8/pam_totp.8.gz

log "a login through the installed module (real libpam)"
U=ptpkg$$
PW='Pkg-test 4#z'
sshd_init
sshd_user "$U" "$PW"
# The installed files only: module by name, command from /usr/bin, state in /var/lib/pam_totp.
PT_CLI=/usr/bin/pam-totp
printf '# %s\nmfa = optional\ndeny = 20\n' "$T_NAME" >"$PT_CONF"
chmod 0644 "$PT_CONF"
B=$(pt_base_epoch)
enrol_user "$U" $((B - 600))
mkdir -p "$T_DIR/svc"
printf 'auth required pam_totp.so config=%s\naccount required pam_permit.so\n' "$PT_CONF" >"$T_DIR/svc/pt-pkg"
RC=0
at "$B" "$PT_TOOLS/pt-pam_harness" --confdir "$T_DIR/svc" --service pt-pkg "$U" "$(totp_code "$SECRET" "$B")" >"$T_DIR/h.out" 2>&1 || RC=$?
expect_eq "a current code logs in through $PAMDIR/pam_totp.so" "$RC" 0
RC=0
at "$B" "$PT_TOOLS/pt-pam_harness" --confdir "$T_DIR/svc" --service pt-pkg "$U" "$(totp_code "$SECRET" "$B")" >"$T_DIR/h.out" 2>&1 || RC=$?
expect_eq "the same code again is refused (PAM_AUTH_ERR)" "$RC" 7
check "runtime state kept in the package's /var/lib/pam_totp" test -f "/var/lib/pam_totp/uid:$(id -u "$U")"

log "a login through a real sshd with the installed module"
sshd_pam_stack "auth required pam_unix.so" "auth required pam_totp.so config=$PT_CONF" \
    "account required pam_unix.so" "session required pam_permit.so"
sshd_start keyboard-interactive $((B + 30))
ask_set "$PW" "$(totp_code "$SECRET" $((B + 30)))"
expect_login "password + code over ssh" "$U"
ask_set "$PW" "000000"
expect_refused "password + a wrong code over ssh" "$U"
sshd_stop
rm -f "/etc/pam.d/$SSHD_SERVICE"

log "pam-auth-update --enable in a private mount namespace (overlays on /etc and /var/lib/pam)"
mkdir -p "$T_DIR/ov/etc-up" "$T_DIR/ov/etc-work" "$T_DIR/ov/pam-up" "$T_DIR/ov/pam-work"
unshare -m sh -c "
    mount --make-rprivate / &&
    mount -t overlay ov-etc -o lowerdir=/etc,upperdir=$T_DIR/ov/etc-up,workdir=$T_DIR/ov/etc-work /etc &&
    mount -t overlay ov-pam -o lowerdir=/var/lib/pam,upperdir=$T_DIR/ov/pam-up,workdir=$T_DIR/ov/pam-work /var/lib/pam &&
    DEBIAN_FRONTEND=noninteractive pam-auth-update --package --enable pam-totp &&
    cat /etc/pam.d/common-auth" >"$T_DIR/common-auth" 2>"$T_DIR/pau.err" ||
    fail "pam-auth-update in the namespace: $(cat "$T_DIR/pau.err")"
grep -v '^#' "$T_DIR/common-auth" | grep . >"$T_DIR/common-auth.lines" || true
check "common-auth now has pam_totp.so as an additional auth module" grep -Eq '^auth[[:space:]]+required[[:space:]]+pam_totp\.so[[:space:]]*$' "$T_DIR/common-auth.lines"
check "  after the password step (pam_unix, pam_permit)" awk '/pam_unix/{u=NR} /pam_permit/{p=NR} /pam_totp/{t=NR} END{exit !(u && p && t > p && p > u)}' "$T_DIR/common-auth.lines"
check_not "the machine's common-auth is untouched" grep -q pam_totp /etc/pam.d/common-auth

log "purge"
if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 purge -y -qq libpam-totp >"$T_DIR/purge.log" 2>&1; then
    ok "apt-get purge libpam-totp"
else
    fail "apt-get purge: $(tail -20 "$T_DIR/purge.log")"
fi
for f in "${INSTALLED[@]}" /usr/share/doc/libpam-totp; do
    check "$f is gone" test ! -e "$f"
done
snapshot "$T_DIR/after"
expect_eq "the system is as it was (PAM stacks, /var/lib/pam, directories)" "$(diff "$T_DIR/before" "$T_DIR/after")" ""
log "all in $(($(date +%s) - START)) s"
finish
