# `cmake --install` with DESTDIR (what the Debian package build does): everything lands under
# DESTDIR exactly once -- the configuration at DESTDIR/etc/security/pam_totp.conf, 0644, not at
# DESTDIR/DESTDIR/... -- and a second install keeps an existing configuration.
. "$(dirname "$0")/lib.sh"
D="$T_DIR/stage"
PAMDIR="$(pkg-config --variable=libdir pam)/security"
DESTDIR="$D" cmake --install "$PT_BUILD_DIR" --prefix /usr >"$T_DIR/install.log" 2>&1 ||
    { fail "cmake --install: $(tail -5 "$T_DIR/install.log")"; finish; }
check "the configuration is at DESTDIR/etc/security/pam_totp.conf" test -f "$D/etc/security/pam_totp.conf"
expect_eq "  mode 0644" "$(stat -c %a "$D/etc/security/pam_totp.conf")" 644
check "  the shipped file" cmp -s "$PT_SOURCE_DIR/pam_totp.conf" "$D/etc/security/pam_totp.conf"
check_not "DESTDIR is not doubled" test -e "$D$D"
check "the module under DESTDIR$PAMDIR" test -f "$D$PAMDIR/pam_totp.so"
check "the command under DESTDIR/usr/bin" test -x "$D/usr/bin/pam-totp"
case $PAMDIR in /lib/*) WANT="etc lib usr " ;; *) WANT="etc usr " ;; esac
expect_eq "nothing else at the top of DESTDIR" "$(ls "$D" | tr '\n' ' ')" "$WANT"
echo '# edited' >>"$D/etc/security/pam_totp.conf"
DESTDIR="$D" cmake --install "$PT_BUILD_DIR" --prefix /usr >"$T_DIR/install2.log" 2>&1
check "a second install keeps the edited configuration" grep -q '^# edited$' "$D/etc/security/pam_totp.conf"
check "  and says so" grep -q "Keeping existing $D/etc/security/pam_totp.conf" "$T_DIR/install2.log"
finish
