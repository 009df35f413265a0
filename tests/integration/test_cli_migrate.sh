# pam-totp migrate: home-mode enrolments to a system-mode enrolment_file (DESIGN section 6), with
# real users. Each source is read as its user with the module's checks: a link to /etc/shadow, a
# link to /dev/zero and a FIFO are skipped with the reason (never copied, never waited on); a
# good one becomes a root-owned 0600 enrolment that logs in through real libpam; the source is
# left in place; nothing is overwritten; one line per user; audited.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
syslog_start

A=ptmg-$$a  # a good home-mode enrolment
B=ptmg-$$b  # ~/.pam_totp -> /etc/shadow
C=ptmg-$$c  # ~/.pam_totp -> /dev/zero
D=ptmg-$$d  # ~/.pam_totp is a FIFO
E=ptmg-$$e  # no enrolment
for u in "$A" "$B" "$C" "$D" "$E"; do new_user "$u"; done
runuser -u "$B" -- ln -s /etc/shadow "$(home_of "$B")/.pam_totp"
runuser -u "$C" -- ln -s /dev/zero "$(home_of "$C")/.pam_totp"
runuser -u "$D" -- mkfifo -m 0600 "$(home_of "$D")/.pam_totp"

# Enrol A in home mode (the default enrolment_file).
T=1767225605
at "$T" "$PT_CLI" --config "$CONF" enrol --begin --json --user "$A" >/dev/null
FA="$(home_of "$A")/.pam_totp"
S=$(file_secret "$FA")
at "$T" "$PT_CLI" --config "$CONF" enrol --verify "$(totp_code "$S" "$T")" --user "$A" >/dev/null
check "A has a home-mode enrolment" test -s "$FA"

# System mode from now on.
install -d -m 0755 "$T_DIR/sys"
write_conf "enrolment_file = $T_DIR/sys/enrol/%u"
run 2 "migrate without names or --all is a usage error" pt migrate
run 1 "a user cannot migrate" pt_as "$A" migrate "$A"

rc=0
timeout 60 "$PT_CLI" --config "$CONF" migrate "$A" "$B" "$C" "$D" "$E" "nosuch-$$" >"$OUT" 2>"$ERR" || rc=$?
expect_eq "migrate finishes (no hang on the FIFO) and reports the skipped ones (exit 1)" "$rc" 1
o=$(cat "$OUT")
expect_match "A migrated" "$o" "^$A: migrated from $FA to $T_DIR/sys/enrol/$A"
expect_match "the line says the source is left in place" "$o" "^$A: .*source is left in place"
expect_match "B (link to /etc/shadow) skipped as unsafe" "$o" "^$B: skipped: .*unsafe"
expect_match "C (link to /dev/zero) skipped as unsafe" "$o" "^$C: skipped: .*unsafe"
expect_match "D (FIFO) skipped as unsafe" "$o" "^$D: skipped: .*unsafe"
expect_match "E skipped: no enrolment" "$o" "^$E: skipped: no enrolment at "
expect_match "an unknown name skipped" "$o" "^nosuch-$$: skipped: no such user"
expect_match "the summary" "$o" '^1 migrated, 5 skipped$'
expect_match "the reason for B is named (a symbolic link)" "$(cat "$ERR")" 'symbolic link'
expect_eq "one line per user plus the summary" "$(wc -l <"$OUT")" 7

check "A's system enrolment exists" test -f "$T_DIR/sys/enrol/$A"
expect_eq "root-owned, 0600" "$(stat -c '%U %a' "$T_DIR/sys/enrol/$A")" "root 600"
expect_eq "the same secret" "$(file_secret "$T_DIR/sys/enrol/$A")" "$S"
check "the source is left in place" test -s "$FA"
for u in "$B" "$C" "$D" "$E"; do
    check_not "no enrolment written for $u" test -e "$T_DIR/sys/enrol/$u"
done
check_not "nothing of /etc/shadow was copied" grep -rqs '^root:' "$T_DIR/sys/enrol"

rc=0; login_at $((T + 60)) "$A" "$(totp_code "$S" $((T + 60)))" || rc=$?
expect_eq "A logs in with a code against the migrated enrolment" "$rc" 0
runuser -u "$A" -- rm -f "$FA"
rc=0; login_at $((T + 90)) "$A" "$(totp_code "$S" $((T + 90)))" || rc=$?
expect_eq "and still does after removing the source" "$rc" 0

run 1 "migrating A again refuses to overwrite" pt migrate "$A"
expect_match "and says why" "$(cat "$OUT")" "already enrolled"

log "--all"
runuser -u "$A" -- cp /dev/null "$FA" 2>/dev/null || true
rc=0
timeout 120 "$PT_CLI" --config "$CONF" migrate --all >"$OUT" 2>"$ERR" || rc=$?
check "--all finishes" test "$rc" -le 3
o=$(cat "$OUT")
expect_match "--all: B skipped" "$o" "^$B: skipped: "
expect_match "--all: D skipped" "$o" "^$D: skipped: "
expect_nomatch "--all: users without a source get no line" "$o" "^$E: "
expect_match "--all: the summary counts those without one" "$o" 'without an enrolment$'
rc=0
"$PT_TOOLS/pt-ptyrun" -t 120 -l "$T_DIR/pty.log" -- "$PT_CLI" --config "$CONF" migrate --all >/dev/null 2>&1 || rc=$?
check "--all on a terminal shows progress" grep -q 'checked [0-9]* of [0-9]* accounts' "$T_DIR/pty.log"

log "audit"
logger -u /dev/log "pt-migrate-flush-$$"
for i in $(seq 200); do grep -qF "pt-migrate-flush-$$" "$T_SYSLOG" && break; sleep 0.05; done
check "event=migrated logged with the admin" grep -Eq "event=migrated user=$A .*admin=" "$T_SYSLOG"
finish
