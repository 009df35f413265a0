# The fail2ban filter shipped in contrib/fail2ban (and the package's examples): run against the
# audit lines this test makes the module write -- wrong codes and a lock from a remote host, a
# success, a console failure -- as rsyslog writes them to auth.log, plus one of those lines with a
# user name crafted to smuggle an address. fail2ban-regex must find exactly the failing remote host, never the smuggled
# address, and nothing for the success or the console login.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
command -v fail2ban-regex >/dev/null || skip "fail2ban-regex missing: install fail2ban (scripts/test.sh does)"
syslog_start

U=ptf2b$$
mod_user "$U"
mod_conf "deny = 3"
mod_service
enrol "$U"
for i in 1 2 3; do run_at "$T0" --rhost 192.0.2.77 "$U" 000000; done
run_at $((T0 + 30)) --rhost 198.51.100.9 "$U" "$(code $((T0 + 30)))" # locked: refused without a check
U2=ptf2c$$
mod_user "$U2"
enrol "$U2"
run_at "$T0" --rhost 2001:db8::5 "$U2" "$(code "$T0")"   # success
run_at $((T0 + 30)) "$U2" 000000                          # console: no rhost

# As rsyslog writes them: "<PRI>Mmm dd hh:mm:ss ident[pid]: msg" becomes
# "Mmm dd hh:mm:ss HOST ident[pid]: msg".
sed -E 's/^<[0-9]+>([A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8}) /\1 testhost /' "$T_SYSLOG" >"$T_DIR/auth.log"
# No account can be named 'x rhost=203.0.113.66 ', so that line is the first real failure with
# the user field replaced as the audit escaping writes such a name (double quotes).
grep -m1 'event=login_failed .*rhost=192.0.2.77' "$T_DIR/auth.log" |
    sed "s/user=$U /user=\"x rhost=203.0.113.66 \" /; s/rhost=192.0.2.77/rhost=192.0.2.99/" >>"$T_DIR/auth.log"
check "the log holds failures from 192.0.2.77" grep -q 'event=login_failed .*rhost=192.0.2.77' "$T_DIR/auth.log"
check "and the lock" grep -q 'event=locked .*rhost=192.0.2.77' "$T_DIR/auth.log"

mkdir -p "$T_DIR/f2b/filter.d"
cp "$PT_SOURCE_DIR/contrib/fail2ban/filter.d/pam-totp.conf" "$T_DIR/f2b/filter.d/"
ln -s /etc/fail2ban/filter.d/common.conf "$T_DIR/f2b/filter.d/common.conf"
fail2ban-regex -v "$T_DIR/auth.log" "$T_DIR/f2b/filter.d/pam-totp.conf" >"$T_DIR/f2b.out" 2>&1 ||
    fail "fail2ban-regex failed: $(tail -5 "$T_DIR/f2b.out")"
# -v lists each match as "|      HOST  DATE" under its regex.
HOSTS=$( (grep -E '^\|      [0-9a-f.:]+  ' "$T_DIR/f2b.out" || true) | awk '{print $2}' | sort | uniq -c |
    awk '{printf "%sx%s ", $2, $1}')
N77=$(grep -c 'rhost=192.0.2.77' "$T_DIR/auth.log")
expect_match "192.0.2.77 found on every failure line (3 wrong codes + the lock)" "$HOSTS" "192.0.2.77x$N77"
expect_match "the attempt while locked from 198.51.100.9 counts" "$HOSTS" "198.51.100.9x1"
expect_nomatch "no match for the successful login" "$HOSTS" "2001:db8::5"
expect_nomatch "the address inside a crafted user name is never taken" "$HOSTS" "203.0.113.66"
expect_match "the crafted line counts for its real rhost only" "$HOSTS" "192.0.2.99x1"
expect_eq "4 + 1 + 1 matched lines in all" "$(grep -Eo '^Lines: .*' "$T_DIR/f2b.out" | head -1 | grep -Eo '[0-9]+ matched' )" "$((N77 + 2)) matched"
check "the jail example parses as fail2ban configuration" python3 -c "
import configparser,sys; c=configparser.ConfigParser(interpolation=None); c.read(sys.argv[1]); assert c['pam-totp']['filter']=='pam-totp'" \
    "$PT_SOURCE_DIR/contrib/fail2ban/jail.d/pam-totp.conf"
finish
