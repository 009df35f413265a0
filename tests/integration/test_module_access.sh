# pam_totp.so through real libpam with PAM_RHOST set (as sshd sets it): trusted_networks in every
# address form (IPv4, IPv6, IPv4-mapped, zones; names, empty and unset never match, and no name is
# ever resolved), a locked user not let in by them; remember_host at its edges (just before and
# at SECONDS, skipped logins not extending it, another host, no rhost, a new enrolment, reset, a
# lock, remember_host=0 on a stack); require_users; codes typed in groups; wrong digit counts;
# the clock-skew hint at several offsets; and the audit lines of all of it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
U=ptacc-$$
U2=ptacr-$$
U3=ptacq-$$
U4=ptacn-$$
for u in "$U" "$U2" "$U3" "$U4"; do mod_user "$u"; done
NETS="10.0.0.0/8, 192.0.2.0/24 2001:db8::/32,fe80::/10 127.0.0.0/8 ::1"
conf() { mod_conf "state_dir = $STATE_DIR" "deny = 3" "$@"; }
conf "trusted_networks = $NETS"
mod_service
enrol "$U"

# wait_log RE: the log sink writes what the module sent; wait (bounded) until it is there.
wait_log() {
    local i
    for i in $(seq 100); do grep -Eq -- "$1" "$T_SYSLOG" && return 0; sleep 0.05; done
    return 1
}
# skipped DESC EPOCH USER [--rhost R]: no prompt at all, PAM_IGNORE.
skipped() {
    local d=$1; shift
    run_at "$@"
    if [ "$RES" = ignore ] && ! printf '%s\n' "$OUT" | grep -q '^PROMPT'; then ok "$d"
    else fail "$d: expected a skip, got $RES: $OUT"; fi
}
# asked DESC EPOCH USER [--rhost R]: the code prompt comes (no answer given: the conversation
# fails, which counts as nothing).
asked() {
    local d=$1; shift
    run_at "$@"
    if [ "$RES" = "$PAM_CONV_ERR" ] && printf '%s\n' "$OUT" | grep -q '^PROMPT_ECHO_OFF: Verification code: $'
    then ok "$d"; else fail "$d: expected the prompt, got $RES: $OUT"; fi
}

log "trusted networks: every form"
t=$T0
skipped "IPv4 inside 10.0.0.0/8" $t --rhost 10.1.2.3 "$U"
skipped "IPv4 inside 192.0.2.0/24" $t --rhost 192.0.2.254 "$U"
skipped "IPv4-mapped IPv6 matches the IPv4 range" $t --rhost ::ffff:10.9.8.7 "$U"
skipped "IPv6 inside 2001:db8::/32" $t --rhost 2001:db8:1::42 "$U"
skipped "upper-case IPv6" $t --rhost 2001:DB8::42 "$U"
skipped "link-local with a zone" $t --rhost fe80::1%eth0 "$U"
skipped "127.0.0.1 in 127.0.0.0/8" $t --rhost 127.0.0.1 "$U"
skipped "::1 listed alone" $t --rhost ::1 "$U"
asked "IPv4 outside" $t --rhost 11.1.2.3 "$U"
asked "IPv4 just outside 192.0.2.0/24" $t --rhost 192.0.3.0 "$U"
asked "IPv6 outside" $t --rhost 2001:db9::1 "$U"
asked "IPv4-mapped outside" $t --rhost ::ffff:11.1.2.3 "$U"
asked "::2 is not ::1" $t --rhost ::2 "$U"
asked "a host name never matches (localhost is not resolved to 127.0.0.1)" $t --rhost localhost "$U"
asked "a name made of a trusted address never matches" $t --rhost 10.1.2.3.example.com "$U"
asked "an address with a port is no address" $t --rhost 10.1.2.3:22 "$U"
asked "a bracketed address is no address" $t --rhost "[::1]" "$U"
asked "IPv4 with a zone is no address" $t --rhost 10.1.2.3%eth0 "$U"
asked "short IPv4 forms are not parsed (10.1 is not 10.0.0.1)" $t --rhost 10.1 "$U"
asked "an empty rhost never matches" $t --rhost "" "$U"
asked "an unset rhost (sudo, su, console) never matches" $t "$U"
run_at $t --rhost 11.1.2.3 "$U" "$(code $t)"
expect_eq "outside, the right code logs in" "$RES" success
check "a skip is audited with user and rhost" wait_log "event=trusted_network user=$U service=pt-test rhost=10\.1\.2\.3( |$)"
check "the zone is audited as given (quoted: % is not a bare character)" wait_log "event=trusted_network user=$U .*rhost=\"fe80::1%eth0\""
run_at $((t + 30)) --rhost 'evil" event=forged' "$U" 000000
wait_log 'rhost="evil\\" event=forged"' && ok "hostile rhost quoted and escaped" || fail "hostile rhost not escaped: $(grep forged "$T_SYSLOG")"
expect_nomatch "no forged field" "$(grep forged "$T_SYSLOG")" ' event=forged( |$)'

log "a module argument overrides the list (empty: nothing trusted)"
mod_service "trusted_networks="
asked "trusted_networks= on the line: 10.1.2.3 asked" $t --rhost 10.1.2.3 "$U"
mod_service "trusted_networks=192.168.0.0/16"
asked "another list on the line replaces the file's" $t --rhost 10.1.2.3 "$U"
skipped "and its own range skips" $t --rhost 192.168.4.4 "$U"
mod_service

log "a locked user is not let in by a trusted network"
t=$((T0 + 600))
for i in 1 2 3; do run_at $t --rhost 11.1.2.3 "$U" "$(code $((t + 3600)))"; done
expect_eq "third wrong code" "$RES" $PAM_AUTH_ERR
run_at $t --rhost 10.1.2.3 "$U"
expect_eq "locked, from a trusted network: refused" "$RES" $PAM_AUTH_ERR
expect_match "told it is locked" "$OUT" 'locked'
expect_nomatch "no prompt while locked" "$OUT" '^PROMPT'
skipped "after unlock_time the trusted network skips again" $((t + 700)) --rhost 10.1.2.3 "$U"

log "bad prefixes are configuration errors naming file, line and key"
for bad in 10.0.0.0/33 300.1.1.1/8 junk 2001:db8::/129 office.example.com; do
    conf "mfa = optional" "trusted_networks = 10.0.0.0/8 $bad"
    run_at $t --rhost 10.1.2.3 "$U"
    expect_eq "trusted_networks with $bad: PAM_SERVICE_ERR" "$RES" $PAM_SERVICE_ERR
    check "the log names $CONF:4 and the key for $bad" wait_log "$CONF:4: trusted_networks = 10\.0\.0\.0/8 $bad: \"$bad\""
done
mod_service "trusted_networks=10.0.0.0/8,10.0.0.0/33"
conf "trusted_networks = $NETS"
run_at $t --rhost 10.1.2.3 "$U"
expect_eq "a bad prefix as a module argument: PAM_SERVICE_ERR" "$RES" $PAM_SERVICE_ERR
check "named as a module argument" wait_log "module argument: trusted_networks = 10\.0\.0\.0/8,10\.0\.0\.0/33: \"10\.0\.0\.0/33\""

log "remember_host at its edges"
conf "remember_host = 3600"
mod_service
enrol "$U2"
R=198.51.100.7
t=$((T0 + 3000))
asked "first login from $R asks" $t --rhost $R "$U2"
run_at $t --rhost $R "$U2" "$(code $t)"
expect_eq "code login from $R" "$RES" success
expect_match "the state remembers the address" "$(state_text "$U2")" "^hosts = $R@$t$"
skipped "same host 10 s later: not asked" $((t + 10)) --rhost $R "$U2"
check "the skip is audited" wait_log "event=remembered_host user=$U2 service=pt-test rhost=$R remember_host=3600"
skipped "the same address as IPv4-mapped IPv6" $((t + 20)) --rhost ::ffff:$R "$U2"
asked "another host is asked" $((t + 20)) --rhost 198.51.100.8 "$U2"
asked "no rhost is asked" $((t + 20)) "$U2"
asked "an empty rhost is asked" $((t + 20)) --rhost "" "$U2"
skipped "one second before SECONDS: not asked" $((t + 3599)) --rhost $R "$U2"
asked "at SECONDS after the code login: asked (the skips did not extend it)" $((t + 3600)) --rhost $R "$U2"
t2=$((t + 3630))
run_at $t2 --rhost $R "$U2" "$(code $t2)"
expect_eq "a new code login" "$RES" success
skipped "the new code login restarts the period" $((t2 + 3599)) --rhost $R "$U2"
asked "and it ends SECONDS after it" $((t2 + 3600)) --rhost $R "$U2"

log "remember_host=0 on a stack (sudo) turns it off there"
mod_service "remember_host=0"
asked "remember_host=0: asked from the remembered host" $((t2 + 10)) --rhost $R "$U2"
mod_service

log "a backup code login remembers too"
t3=$((t2 + 4000))
run_at $t3 --rhost 203.0.113.5 "$U2" "${BACKUP[0]}"
expect_eq "backup code login" "$RES" success
skipped "remembered after a backup code" $((t3 + 5)) --rhost 203.0.113.5 "$U2"
asked "$R, remembered more than SECONDS ago, is asked" $((t3 + 5)) --rhost $R "$U2"

log "a new enrolment forgets the hosts"
t4=$((t3 + 60))
run_at $t4 --rhost $R "$U2" "$(code $t4)"
expect_eq "code login from $R" "$RES" success
skipped "remembered" $((t4 + 5)) --rhost $R "$U2"
enrol "$U2"
asked "after a new enrolment the same host is asked" $((t4 + 10)) --rhost $R "$U2"

log "a lock forgets the hosts, and a locked user is never skipped"
t5=$((t4 + 60))
run_at $t5 --rhost $R "$U2" "$(code $t5)"
expect_eq "code login from $R" "$RES" success
for i in 1 2 3; do run_at $((t5 + 5)) --rhost 198.51.100.99 "$U2" "$(code $((t5 + 7200)))"; done
run_at $((t5 + 10)) --rhost $R "$U2"
expect_eq "locked: refused from the remembered host" "$RES" $PAM_AUTH_ERR
expect_match "told it is locked" "$OUT" 'locked'
expect_nomatch "no hosts line left in the state" "$(state_text "$U2")" '^hosts'
asked "after the lock ran out the host is asked again" $((t5 + 700)) --rhost $R "$U2"

log "reset forgets the hosts"
t6=$((t5 + 800))
run_at $t6 --rhost $R "$U2" "$(code $t6)"
expect_eq "code login from $R" "$RES" success
skipped "remembered" $((t6 + 5)) --rhost $R "$U2"
check "pam-totp reset" "$PT_CLI" --config "$CONF" reset "$U2" --yes >/dev/null
check_not "the state file is gone" test -e "$(state_of "$U2")"
enrol "$U2"
asked "after reset (and enrolling again) the host is asked" $((t6 + 10)) --rhost $R "$U2"

log "require_users"
conf "mfa = optional" "require_users = $U3, nobody-else"
run_at $t "$U3"
expect_eq "a required user without MFA is denied" "$RES" $PAM_AUTH_ERR
expect_match "and told MFA is required" "$OUT" 'required for this account'
check "audited as a policy denial" wait_log "event=policy_denial user=$U3 .*reason=no_enrolment"
run_at $t "$U4"
expect_eq "a user not listed is not asked" "$RES" ignore
conf "mfa = disabled" "require_users = $U3"
run_at $t "$U3"
expect_eq "mfa = disabled wins over require_users" "$RES" ignore
conf "mfa = optional" "require_users = $U3" "exempt_users = $U3"
run_at $t "$U3"
expect_eq "an exemption wins over require_users" "$RES" ignore
conf "mfa = optional" "require_users = $U3" "enrol_grace_days = 3"
run_at $t "$U3"
expect_eq "require_users gets the enrolment grace" "$RES" ignore
expect_match "with the countdown" "$OUT" 'MFA will be required in'
mod_service "require_users=$U4"
conf "mfa = optional"
run_at $t "$U4"
expect_eq "require_users as a module argument" "$RES" $PAM_AUTH_ERR
mod_service

log "codes as people type them"
conf "mfa = optional"
t=$((T0 + 30000))
c=$(code $t)
run_at $t "$U" "${c:0:3} ${c:3}"
expect_eq "\"123 456\" is the code" "$RES" success
t=$((t + 30)); c=$(code $t)
run_at $t "$U" "${c:0:3}-${c:3}"
expect_eq "\"123-456\" is the code" "$RES" success
t=$((t + 30)); c=$(code $t)
run_at $t "$U" " ${c:0:2} ${c:2:2} ${c:4} "
expect_eq "\"12 34 56\" with blanks around is the code" "$RES" success
run_at $t "$U" "${c:0:3}--${c:3}"
expect_eq "two separators in a row are not a code" "$RES" $PAM_AUTH_ERR
run_at $t "$U" "12345"
expect_eq "five digits refused" "$RES" $PAM_AUTH_ERR
expect_match "says six digits are expected" "$OUT" '^ERROR: That code has 5 digits; the code from the app has 6 digits'
run_at $t "$U" "1234 5678"
expect_match "eight digits for a six-digit enrolment: says so" "$OUT" 'has 8 digits; the code from the app has 6 digits'
check "audited as malformed" wait_log "event=login_failed user=$U .*reason=malformed"
"$PT_CLI" --config "$CONF" unlock "$U" >/dev/null
U8=ptac8-$$
mod_user "$U8"
enrol "$U8" digits=8
t=$((t + 60))
c8=$(code $t sha1 8)
run_at $t "$U8" "${c8:0:4} ${c8:4}"
expect_eq "\"1234 5678\" is an 8-digit code" "$RES" success
run_at $((t + 30)) "$U8" "123456"
expect_match "six digits for an 8-digit enrolment: says 8" "$OUT" 'has 6 digits; the code from the app has 8 digits'

log "the clock-skew hint"
mod_conf "state_dir = $STATE_DIR" "deny = 50"
t=$((T0 + 40000))
for off in 300 -600 900 120; do
    t=$((t + 1800))
    run_at $t "$U" "$(code $((t + off)))"
    expect_eq "a code $off s off is refused" "$RES" $PAM_AUTH_ERR
    min=$(( (${off#-} + 30) / 60 ))
    if [ "$off" -gt 0 ]; then dir="ahead of"; when="from now"; else dir="behind"; when="ago"; fi
    expect_match "told the phone looks $min minutes $dir" "$OUT" "code for $min minutes $when: the phone's clock looks $min minutes $dir this server's"
    expect_match "told what to do" "$OUT" 'automatic date and time on the phone.*timedatectl'
    check "audited reason=clock_skew offset=$off" wait_log "event=login_failed user=$U .*reason=clock_skew failures=[0-9]+ offset=$(printf '%+d' "$off" | sed 's/+/\\+/')( |$)"
done
t=$((t + 1800))
run_at $t "$U" "$(code $((t + 960)))"
expect_eq "16 minutes off: refused" "$RES" $PAM_AUTH_ERR
expect_nomatch "16 minutes off: no clock hint" "$OUT" "clock looks"
t=$((t + 1800))
run_at $t "$U" "$(code $((t + 600)))"
expect_match "10 minutes ahead: hint" "$OUT" "10 minutes ahead"
run_at $((t + 600)) "$U" "$(code $((t + 600)))"
expect_eq "that code, when its time comes, is refused (it was shown by the skewed try)" "$RES" $PAM_AUTH_ERR
run_at $((t + 630)) "$U" "$(code $((t + 630)))"
expect_eq "the next code is accepted" "$RES" success

log "no code or secret reaches the log"
expect_nomatch "secret not logged" "$(cat "$T_SYSLOG")" "$SECRET"
finish
