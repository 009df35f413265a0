# End to end through a real OpenSSH server and client (root), sshd listening on 127.0.0.1 and ::1:
# with trusted_networks = 127.0.0.0/8 a login from 127.0.0.1 is not asked for a code (audited with
# sshd's PAM service and the peer address) while one from ::1 is; with remember_host a second
# connection from 127.0.0.1 after a code login is not asked, and one from ::1 still is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"

sshd_init
ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128' || skip "no ::1 on the loopback interface"
syslog_start
U=pta$$
PW='Pw-acc 5&x'
sshd_user "$U" "$PW"
pt_conf "mfa = optional" "deny = 20" "trusted_networks = 127.0.0.0/8"
B=$(pt_base_epoch)
enrol_user "$U" $((B - 600))
SSHD_LISTEN_EXTRA=::1
sshd_pam_password_totp

wait_log() {
    local i
    for i in $(seq 100); do grep -Eq -- "$1" "$T_SYSLOG" && return 0; sleep 0.05; done
    return 1
}

log "trusted network 127.0.0.0/8"
sshd_start keyboard-interactive "$B"
ask_set "$PW"
SSH_HOST=127.0.0.1 expect_login "from 127.0.0.1: the password alone logs in" "$U"
expect_match "the password was asked" "$(cat "$ASK_LOG")" 'Password:'
expect_nomatch "no code was asked" "$(cat "$ASK_LOG")" 'Verification code'
check "the skip is audited with sshd's service and the peer address" \
    wait_log "event=trusted_network user=$U service=$SSHD_SERVICE rhost=127\.0\.0\.1( |$)"
ask_set "$PW" "$(totp_code "$SECRET" "$B")"
SSH_HOST=::1 expect_login "from ::1 (outside 127.0.0.0/8): password and code" "$U"
expect_match "the code was asked from ::1" "$(cat "$ASK_LOG")" 'Verification code'
ask_set "$PW" 000000
SSH_HOST=::1 expect_refused "from ::1 a wrong code is refused" "$U"
ask_set "wrong password"
SSH_HOST=127.0.0.1 expect_refused "the trusted network does not skip the password" "$U"

log "remembered host (remember_host = 3600)"
pt_conf "mfa = optional" "deny = 20" "remember_host = 3600"
sshd_start keyboard-interactive $((B + 600))
ask_set "$PW" "$(totp_code "$SECRET" $((B + 600)))"
SSH_HOST=127.0.0.1 expect_login "first connection from 127.0.0.1: password and code" "$U"
expect_match "the code was asked" "$(cat "$ASK_LOG")" 'Verification code'
ask_set "$PW"
SSH_HOST=127.0.0.1 expect_login "second connection from 127.0.0.1: not asked for a code" "$U"
expect_nomatch "no code was asked the second time" "$(cat "$ASK_LOG")" 'Verification code'
check "the skip is audited" wait_log "event=remembered_host user=$U service=$SSHD_SERVICE rhost=127\.0\.0\.1 remember_host=3600"
ask_set "$PW" 000000
SSH_HOST=::1 expect_refused "from ::1 the code is asked (remembered from 127.0.0.1 only); a wrong one fails" "$U"
expect_match "the code was asked from ::1" "$(cat "$ASK_LOG")" 'Verification code'

log "an hour (and the time the logins above took) later the remembered host is asked again"
sshd_start keyboard-interactive $((B + 600 + 3600 + 300))
ask_set "$PW" "$(totp_code "$SECRET" $((B + 4500)))"
SSH_HOST=127.0.0.1 expect_login "after remember_host seconds: password and code" "$U"
expect_match "the code was asked" "$(cat "$ASK_LOG")" 'Verification code'
finish
