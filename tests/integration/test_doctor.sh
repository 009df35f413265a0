# pam-totp doctor through private copies of /etc/ssh (Debian's stock sshd_config), /etc/pam.d and
# /etc/security (unshare -m): every broken setup of issue 17 is named with its fix and exit 1;
# the README's setup exits 0; --json parses. Also: a configuration error is told in the
# conversation, and the module logs a home enrolment that system mode ignores; a store = ldap
# that cannot be opened and a missing secret_key_file are named.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
. "$(dirname "$0")/ns_lib.sh"

sshd_init
ns_init
U=ptdr$$
PW='Pw-doctor 5#y'
sshd_user "$U" "$PW"
syslog_start
ns_save

# The kernel's clock state decides one finding this test cannot change: read it the same way.
CLOCK_UNSYNC=$(python3 -c 'import ctypes
b = ctypes.create_string_buffer(512)
r = ctypes.CDLL(None).adjtimex(b)
status = int.from_bytes(b.raw[4:8], "little", signed=True)
print(1 if r == 5 or status & 0x40 else 0)')

# doctor_case NAME CHECK FIX-PATTERN: doctor in the namespace exits 1 and names CHECK with a fix
# matching FIX-PATTERN.
OUT="$T_DIR/doctor.out"
# The libpam harness in the namespace (pam_unix under the sanitizer build needs lib.sh's preloads).
ns_harness() {
    ns_run env LD_PRELOAD="$(san_preload)" ASAN_OPTIONS=verify_asan_link_order=0 \
        "$PT_TOOLS/pt-pam_harness" "$@"
}
run_doctor() { DR_RC=0; ns_run "$PT_CLI" doctor "$@" >"$OUT" 2>&1 || DR_RC=$?; }
doctor_case() {
    local name=$1 check=$2 fix=$3
    run_doctor
    expect_eq "$name: exit 1" "$DR_RC" 1
    if grep -q "\[$check\]" "$OUT" && grep -A2 "\[$check\]" "$OUT" | grep -Eq -- "fix: .*$fix"; then
        ok "$name: $check named with its fix"
    else
        fail "$name: $check with a fix /$fix/ not found"; cat "$OUT" >&2
    fi
}

log "the sound setup: the README's steps"
ns_restore
ns_readme_apply
run_doctor --ignore clock_unsynchronised
expect_eq "README's setup: exit 0" "$DR_RC" 0
[ "$DR_RC" = 0 ] || cat "$OUT" >&2
expect_match "it says nothing was found" "$(cat "$OUT")" 'Nothing found that breaks logins or weakens MFA'
json=$(ns_run "$PT_CLI" doctor --json --ignore clock_unsynchronised) || fail "doctor --json exit"
expect_eq "--json parses: problems 0" "$(printf '%s' "$json" | jq .problems)" 0
expect_eq "--json lists the services" "$(printf '%s' "$json" | jq -c .services)" '["sshd","sudo"]'
expect_eq "--json: every finding has check, severity, where, problem, fix" \
    "$(printf '%s' "$json" | jq '(.findings | length) as $n | [.findings[] | select(.check and .severity and .where and .problem and .fix)] | length == $n and $n > 0')" true
run_doctor
if [ "$CLOCK_UNSYNC" = 1 ]; then
    expect_eq "the kernel says the clock is unsynchronised: without --ignore, exit 1" "$DR_RC" 1
    expect_match "clock_unsynchronised named with its fix" "$(cat "$OUT")" 'fix: run a time service'
else
    expect_eq "the clock is synchronised: exit 0" "$DR_RC" 0
fi
IGN=(--ignore clock_unsynchronised)
run_doctor() { DR_RC=0; ns_run "$PT_CLI" doctor "${IGN[@]}" "$@" >"$OUT" 2>&1 || DR_RC=$?; }

log "1. keyboard-interactive disabled (Debian's default, the module in sshd's stack)"
ns_restore
ns_pam_after_include sshd "auth required pam_totp.so"
doctor_case "stock sshd_config" sshd_kbdint_disabled 'KbdInteractiveAuthentication yes.*sshd_config.d'

log "2. the old README: lines appended to sshd_config, which sshd -t refuses"
printf '%s\n' "KbdInteractiveAuthentication yes" "AuthenticationMethods keyboard-interactive" >>"$NS/ssh/sshd_config"
doctor_case "appended lines" sshd_config_invalid 'sshd -t'
expect_match "sshd's complaint is quoted" "$(cat "$OUT")" 'Disabled method'

log "3. UsePAM no"
ns_restore; ns_readme_apply
printf 'UsePAM no\n' >"$NS/ssh/sshd_config.d/00-usepam.conf"
doctor_case "UsePAM no" sshd_usepam_no 'UsePAM yes'

log "4. AuthenticationMethods any: a key alone bypasses PAM"
ns_restore; ns_readme_apply
sed -i '/^AuthenticationMethods keyboard-interactive$/d' "$NS/ssh/sshd_config.d/pam_totp.conf"
doctor_case "no AuthenticationMethods" sshd_methods_bypass 'AuthenticationMethods keyboard-interactive'

log "5. root's key login lost (no Match block under prohibit-password)"
ns_restore; ns_readme_apply
sed -i '/^Match User root/,$d' "$NS/ssh/sshd_config.d/pam_totp.conf"
doctor_case "no root decision" sshd_root_key_lost 'Match User root'

log "6. a sufficient line before the module"
ns_restore; ns_readme_apply
sed -i 's/^@include common-auth$/auth sufficient pam_permit.so\n@include common-auth/' "$NS/pam.d/sshd"
doctor_case "sufficient before pam_totp" pam_totp_skippable 'put pam_totp.so before that line'
expect_match "names the line" "$(cat "$OUT")" '/etc/pam.d/sshd:[0-9]+ \[pam_totp_skippable\]'

log "7. a key set twice in pam_totp.conf (the old README's sudo settings appended)"
ns_restore; ns_readme_apply
printf '%s\n' "mfa = optional" "mfa = required_for_admins" >>"$NS/security/pam_totp.conf"
doctor_case "mfa twice" config_error 'each key at most once'
expect_match "names the line and key" "$(cat "$OUT")" 'mfa is set twice|mfa.*twice'
out=$(ns_harness --confdir /etc/pam.d --service sshd "$U" "$PW" 2>&1) || true
expect_match "the user is told the MFA configuration is broken" "$out" 'ERROR: .*MFA\) configuration of this system is broken'
expect_match "and refused" "$out" 'RESULT: (Authentication service cannot retrieve|System error|Authentication failure|Module is unknown)|RESULT: .*\(([1-9][0-9]*)\)'
out=$(ns_harness --confdir /etc/pam.d --service sshd --silent "$U" "$PW" 2>&1) || true
expect_nomatch "under PAM_SILENT not even that" "$out" 'ERROR:'

log "8. an unsafe state directory"
ns_restore; ns_readme_apply
install -d -m 0777 "$NS/varlib/pam_totp"
doctor_case "state_dir 0777" unsafe_path 'chmod go-w /var/lib/pam_totp'

log "9. enrolment_file set globally: home enrolments ignored by system mode"
ns_restore
ns_pam_after_include sshd "auth required pam_totp.so"
ns_readme_block "file /etc/ssh/sshd_config.d/pam_totp.conf" >"$NS/ssh/sshd_config.d/pam_totp.conf"
home=$(getent passwd "$U" | cut -d: -f6)
E=$(( ($(date +%s) / 30 - 20) * 30 + 5 ))
begin=$(at "$E" "$PT_CLI" --config "$NS/security/pam_totp.conf" enrol --begin --json --user "$U")
at "$E" "$PT_CLI" --config "$NS/security/pam_totp.conf" enrol --verify \
    "$(totp_code "$(printf '%s' "$begin" | jq -r .secret)" "$E")" --user "$U" >/dev/null
check "$U has a home enrolment" test -f "$home/.pam_totp"
printf '%s\n' "enrolment_file = /var/lib/pam_totp/enrol/%u" >>"$NS/security/pam_totp.conf"
doctor_case "global system mode" home_enrolment_ignored "pam-totp migrate .*$U"
expect_match "names the user" "$(cat "$OUT")" "ignores the enrolments .* of: .*$U"
: >"$T_SYSLOG"
out=$(ns_harness --confdir /etc/pam.d --service sshd "$U" "$PW" 2>&1) || true
expect_match "the login passes without a code (what the doctor warns about)" "$out" 'RESULT: Success'
expect_eq "the module logged the ignored home enrolment once" \
    "$(grep -c "event=home_enrolment_ignored user=$U " "$T_SYSLOG")" 1

log "10. required group members without enrolment and no grace"
ns_restore; ns_readme_apply
rm -f "$home/.pam_totp"
usermod -aG sudo "$U"
printf '%s\n' "mfa = required_for_admins" >>"$NS/security/pam_totp.conf"
doctor_case "required, not enrolled" required_not_enrolled "pam-totp enrol --user NAME"
expect_match "names the user" "$(cat "$OUT")" "every login of theirs through sshd is refused: .*$U"
gpasswd -d "$U" sudo >/dev/null

log "11. the sudo line with its own enrolment_file but the shared state_dir"
ns_restore
ns_pam_after_include sshd "auth required pam_totp.so"
ns_readme_block "file /etc/ssh/sshd_config.d/pam_totp.conf" >"$NS/ssh/sshd_config.d/pam_totp.conf"
ns_pam_after_include sudo "auth required pam_totp.so enrolment_file=/var/lib/pam_totp/enrol/%u"
doctor_case "shared state" state_shared 'state_dir=/var/lib/pam_totp/sudo'

log "12. optional control and -auth"
ns_restore; ns_readme_apply
sed -i 's/^auth required pam_totp.so$/-auth optional pam_totp.so/' "$NS/pam.d/sshd"
doctor_case "optional" pam_totp_control 'control `required`'
expect_match "-auth named too" "$(cat "$OUT")" '\[pam_totp_dash\]'

log "13. --ignore: named findings are shown but not counted"
run_doctor --ignore pam_totp_control,pam_totp_dash
expect_eq "all ignored: exit 0" "$DR_RC" 0
expect_match "shown as ignored" "$(cat "$OUT")" '\[pam_totp_control\] \(ignored\)'

log "14. store = ldap with a key unset, and a secret_key_file that is not there"
ns_restore; ns_readme_apply
printf '%s\n' "store = ldap" "ldap_uri = ldap://127.0.0.1:39499" "ldap_base = ou=pam_totp,dc=example,dc=org" \
    "ldap_binddn = cn=pam_totp,dc=example,dc=org" >>"$NS/security/pam_totp.conf"
doctor_case "ldap without ldap_bindpw_file" store_unusable 'ldap_ keys.*ldap/README.md'
expect_match "the reason is the module's" "$(cat "$OUT")" 'store = ldap needs ldap_bindpw_file'
expect_nomatch "nothing about state_dir, which the directory replaces" "$(cat "$OUT")" '\[unsafe_path\].*state_dir'
ns_restore; ns_readme_apply
printf '%s\n' "secret_key_file = /etc/security/pam_totp-$U.key" >>"$NS/security/pam_totp.conf"
doctor_case "secret_key_file missing" secret_key_unusable 'create it once'
finish
