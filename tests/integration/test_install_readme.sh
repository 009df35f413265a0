# The README's installation steps, applied literally to Debian's stock sshd_config and a copy of
# /etc/pam.d inside a private mount namespace: `sshd -t` passes, a real sshd started from that
# configuration logs a user in with password + code from oathtool, root's key login works as the
# README says (key alone), and the sudo line works in system mode under PAM_SILENT, with the
# reason of a refusal in syslog only. The shipped pam_totp.conf sets no key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
. "$(dirname "$0")/ns_lib.sh"

sshd_init
ns_init
SSHD_PORT=24117 # this test's own
ss -Htln "sport = :$SSHD_PORT" | grep -q . && SSHD_PORT=$(_sshd_free_port)
U=ptir$$
PW='Pw-readme 4#x'
sshd_user "$U" "$PW"
usermod -aG sudo "$U"
syslog_start

log "the shipped pam_totp.conf sets no key (every key commented out at its default)"
expect_eq "no uncommented key in pam_totp.conf" "$(grep -Ev '^[[:space:]]*(#|$)' "$PT_SOURCE_DIR/pam_totp.conf" | wc -l)" 0
for k in mfa admin_groups require_groups exempt_users exempt_groups enrol_grace_days enrol_at_login \
    issuer label algorithm digits period window backup_codes deny fail_interval unlock_time \
    enrolment_file state_dir pending_ttl; do
    grep -Eq "^#$k = ?" "$PT_SOURCE_DIR/pam_totp.conf" || fail "pam_totp.conf does not show $k"
done

log "Debian's stock sshd_config: lines appended at its end are ignored (why the README uses a drop-in)"
cp "$NS/ssh/sshd_config" "$T_DIR/stock"
printf '%s\n' "KbdInteractiveAuthentication yes" "AuthenticationMethods keyboard-interactive" >>"$NS/ssh/sshd_config"
check_not "appended lines: sshd -t refuses the configuration" ns_run /usr/sbin/sshd -t
cp "$T_DIR/stock" "$NS/ssh/sshd_config"

log "the README's steps"
block=$(ns_readme_block "pam sshd")
expect_eq "README: the sshd PAM line" "$block" "auth required pam_totp.so"
ns_pam_after_include sshd "$block"
dropin=$(ns_readme_block "file /etc/ssh/sshd_config.d/pam_totp.conf")
expect_match "README: the drop-in has a Match User root block" "$dropin" 'Match User root'
printf '%s\n' "$dropin" >"$NS/ssh/sshd_config.d/pam_totp.conf"
chmod 0644 "$NS/ssh/sshd_config.d/pam_totp.conf"
checkcmd=$(ns_readme_block check)
expect_match "README: sshd -t before the reload" "$checkcmd" '^sshd -t && systemctl reload ssh$'
check "README's sshd -t passes on the stock configuration with the drop-in" ns_run /usr/sbin/sshd -t
sudoline=$(ns_readme_block "pam sudo")
expect_match "README: the sudo line overrides enrolment_file" "$sudoline" '^auth required pam_totp.so .*enrolment_file=/var/lib/pam_totp/enrol/%u'
ns_pam_after_include sudo "$sudoline"
run=$(ns_readme_block run)
expect_match "README: creates the state directories" "$run" '^install -d '
ns_run bash -c "$run" || fail "README's install -d step"
check "the sudo state directory exists as the README made it" test -d "$NS/varlib/pam_totp/sudo"
effective=$(ns_run /usr/sbin/sshd -T)
expect_match "effective: keyboard-interactive on" "$effective" '^kbdinteractiveauthentication yes$'
expect_match "effective: methods keyboard-interactive" "$effective" '^authenticationmethods keyboard-interactive$'

log "enrol $U with the command, as the README says (home mode for sshd), at an earlier time"
NOW=$(date +%s)
E=$(( (NOW / 30 - 20) * 30 + 5 ))
begin=$(ns_run env FAKETIME="@$(date -u -d "@$E" '+%Y-%m-%d %H:%M:%S')" TZ=UTC \
    LD_PRELOAD="$FAKETIME_LIB $(san_preload)" ASAN_OPTIONS=verify_asan_link_order=0 \
    "$PT_CLI" enrol --begin --json --user "$U")
SECRET=$(printf '%s' "$begin" | jq -r .secret)
out=$(ns_run env FAKETIME="@$(date -u -d "@$E" '+%Y-%m-%d %H:%M:%S')" TZ=UTC \
    LD_PRELOAD="$FAKETIME_LIB $(san_preload)" ASAN_OPTIONS=verify_asan_link_order=0 \
    "$PT_CLI" enrol --verify "$(totp_code "$SECRET" "$E")" --user "$U")
expect_match "enrolment says to wait for the next code" "$out" 'wait until the app shows a new code'
home=$(getent passwd "$U" | cut -d: -f6)
check "the enrolment is in the user's home (sshd is in home mode)" test -f "$home/.pam_totp"

log "a real sshd from that configuration on 127.0.0.1:$SSHD_PORT"
pre=$(san_preload)
env_san=()
[ -n "$pre" ] && env_san=(LD_PRELOAD="$pre" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:verify_asan_link_order=0:log_path=$SSHD_DIR/asan")
ns_run env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${env_san[@]}" /usr/sbin/sshd \
    -o Port="$SSHD_PORT" -o ListenAddress=127.0.0.1 -o PidFile="$SSHD_PIDFILE" -o LogLevel=VERBOSE \
    -E "$SSHD_LOG"
for _ in $(seq 100); do
    [ -s "$SSHD_PIDFILE" ] && ss -Htln "sport = :$SSHD_PORT" | grep -q . && break
    sleep 0.1
done
SSHD_PID=$(cat "$SSHD_PIDFILE" 2>/dev/null || true)
[ -n "$SSHD_PID" ] || { fail "sshd did not start"; cat "$SSHD_LOG" >&2; finish; }
on_exit sshd_stop

ask_set "$PW" "$(totp_code "$SECRET" "$(date +%s)")"
expect_login "password + code logs in through the README's configuration" "$U"
expect_match "asked for the password" "$(cat "$ASK_LOG")" 'Password:'
expect_match "asked for a verification code" "$(cat "$ASK_LOG")" 'Verification code: '
ask_set "$PW" "$(totp_code "$SECRET" $(( $(date +%s) + 600 )))"
expect_refused "password + a wrong code is refused" "$U"
expect_refused "$U's key alone is refused (the code is needed)" "$U" -o PubkeyAuthentication=yes \
    -o IdentitiesOnly=yes -o IdentityFile="$SSHD_DIR/client_key" -o PreferredAuthentications=publickey

log "root logs in with its key alone, as the README decides"
install -d -m 0700 "$NS/root/.ssh"
install -m 0600 "$SSHD_DIR/client_key.pub" "$NS/root/.ssh/authorized_keys"
ask_set "unused"
expect_login "root's key login works" root -o PubkeyAuthentication=yes -o IdentitiesOnly=yes \
    -o IdentityFile="$SSHD_DIR/client_key" -o PreferredAuthentications=publickey
expect_nomatch "root was asked nothing" "$(cat "$ASK_LOG")" 'code|Password'
expect_refused "root by keyboard-interactive is refused" root
sshd_stop

log "the sudo line: system mode and its own state, under PAM_SILENT as sudo calls it"
T=$(( (NOW / 30 + 40) * 30 + 3 ))
sudo_at() { ns_run env FAKETIME="@$(date -u -d "@$T" '+%Y-%m-%d %H:%M:%S')" TZ=UTC \
    LD_PRELOAD="$FAKETIME_LIB $(san_preload)" ASAN_OPTIONS=verify_asan_link_order=0 "$@"; }
begin=$(sudo_at "$PT_CLI" --service sudo enrol --begin --json "$U")
S2=$(printf '%s' "$begin" | jq -r .secret)
sudo_at "$PT_CLI" --service sudo enrol --verify "$(totp_code "$S2" $((T - 60)))" "$U" >/dev/null 2>&1 &&
    fail "a code of two steps ago confirms" || true
sudo_at "$PT_CLI" --service sudo enrol --verify "$(totp_code "$S2" "$T")" --user "$U" >/dev/null ||
    fail "enrol for sudo with --service sudo"
check "the sudo enrolment is root's, in /var/lib/pam_totp/enrol" test -f "$NS/varlib/pam_totp/enrol/$U"
check "the home enrolment is untouched" test -f "$home/.pam_totp"
T=$((T + 30))
out=$(sudo_at "$PT_TOOLS/pt-pam_harness" --confdir /etc/pam.d --service sudo --silent "$U" "$PW" \
    "$(totp_code "$S2" "$T")" 2>&1) || true
expect_match "sudo stack: password + sudo code succeeds" "$out" 'RESULT: Success'
out=$(sudo_at "$PT_TOOLS/pt-pam_harness" --confdir /etc/pam.d --service sudo --silent "$U" "$PW" \
    "$(totp_code "$S2" "$T")" "$(totp_code "$S2" $((T + 30)))" 2>&1) || true
expect_nomatch "under PAM_SILENT no message is sent" "$out" '^(ERROR|INFO):'
expect_match "the same code again: the next prompt says it was already used" "$out" \
    "PROMPT_ECHO_OFF: That code was already used: wait for the app's next code\\. Verification code: "
expect_match "and the next code is accepted" "$out" 'RESULT: Success'
expect_match "syslog has the reason" "$(cat "$T_SYSLOG")" "event=login_failed user=$U service=sudo .*reason=replay"
out=$(sudo_at "$PT_TOOLS/pt-pam_harness" --confdir /etc/pam.d --service sudo --silent "$U" "$PW" \
    "$(totp_code "$SECRET" "$T")" 2>&1) || true
expect_match "sudo stack: the ssh (home) enrolment's code does not work for sudo" "$out" 'RESULT: Authentication failure'
T=$((T + 60))
out=$(sudo_at "$PT_TOOLS/pt-pam_harness" --confdir /etc/pam.d --service sudo --silent "$U" "$PW" \
    "$(totp_code "$S2" $((T - 30)))" 2>&1) || true
expect_match "an older code, not asked again: refused" "$out" 'RESULT: Authentication failure|RESULT: Conversation error'
st=$(sudo_at "$PT_CLI" --service sudo status --json "$U")
expect_eq "pam-totp --service sudo status: enrolled" "$(printf '%s' "$st" | jq .enrolled)" true
check "sudo's state is in its own state_dir" bash -c "ls '$NS/varlib/pam_totp/sudo' | grep -q ."

log "pam-totp doctor finds nothing wrong in the README's setup"
out=$(ns_run "$PT_CLI" doctor --ignore clock_unsynchronised 2>&1) && rc=0 || rc=$?
expect_eq "doctor exits 0 on the README's setup" "$rc" 0
[ "$rc" = 0 ] || printf '%s\n' "$out" >&2
expect_match "doctor saw sshd and sudo" "$out" 'pam_totp.so: .*sshd.*sudo|pam_totp.so: .*sudo.*sshd'
finish
