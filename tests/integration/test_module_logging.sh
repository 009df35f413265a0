# What a user types reaches the logs only through the audit escaping (DESIGN section 8), through
# real libpam and a syslog capture:
# - an unknown user name is not logged at all (like pam_unix's "user unknown"): a name such as
#   `x" event=login_ok user=root z="` cannot forge an audit line, and a password typed into the
#   name prompt by mistake does not reach syslog;
# - the forward_pass line of the one-prompt stack logs nothing;
# - a known account's name in diagnostics and audit lines is written escaped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
command -v logger >/dev/null || skip "logger missing (bsdutils)"
U=ptlog-$$
mod_user "$U"
PW="Pw-$$-log"
printf '%s:%s\n' "$U" "$PW" | chpasswd
enrol "$U"
t=$T0

# log_flush: wait until everything sent to /dev/log so far is in $T_SYSLOG. The datagrams of a
# program that has exited are queued before this marker, and the sink writes them in order.
FLUSHES=0
log_flush() {
    FLUSHES=$((FLUSHES + 1))
    local mark="pt-log-flush-$$-$FLUSHES" i
    logger -u /dev/log "$mark"
    for i in $(seq 200); do grep -qF "$mark" "$T_SYSLOG" && return 0; sleep 0.05; done
    fail "syslog capture did not catch up"; return 1
}
# new_lines: $lines gets what arrived since the last call (not in a subshell: it counts).
SEEN=0
new_lines() {
    log_flush
    local n
    n=$(wc -l <"$T_SYSLOG")
    lines=$(tail -n +$((SEEN + 1)) "$T_SYSLOG" | head -n $((n - SEEN)) | grep -v 'pt-log-flush-' || true)
    SEEN=$n
}
new_lines

mod_conf "mfa = required"
mod_service
HOSTILE='x" event=login_ok user=root z="'
run_at $t "$HOSTILE" "123456"
expect_eq "hostile unknown name: PAM_USER_UNKNOWN" "$RC" $PAM_USER_UNKNOWN
new_lines
expect_match "the unknown name is reported" "$lines" 'unknown user name'
expect_nomatch "no forged login_ok line" "$lines" 'event=login_ok'
expect_nomatch "the typed name is not logged at all" "$lines" 'user=root'
SECRETPW="S3cret-typed-as-name-$$"
run_at $t "$SECRETPW"
new_lines
expect_nomatch "a password typed as a user name does not reach syslog" "$lines" "$SECRETPW"

# The forward_pass line logs nothing, for any account.
mod_stack "auth required $PT_MODULE config=$CONF state_dir=$STATE_DIR forward_pass" \
    "auth requisite pam_unix.so use_first_pass nodelay" \
    "auth required $PT_MODULE config=$CONF state_dir=$STATE_DIR"
run_at $t "$HOSTILE" "wrong000000"
run_at $t "$U" "wrong$(code $t)"
new_lines
expect_nomatch "one-prompt stack, wrong password: pam_totp logs nothing" "$lines" 'pam_totp\('
expect_nomatch "one-prompt stack: no forged line" "$lines" 'event=login_ok'
run_at $t "$U" "$PW$(code $t)"
expect_eq "one-prompt stack: the right password and code log in" "$RC" 0
new_lines
expect_match "and the later line audits the login" "$lines" "event=login_ok user=$U "
finish
