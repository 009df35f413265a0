# pam-totp import: files written by the real google-authenticator command (Debian
# libpam-google-authenticator) run as test users -- time-based with and without scratch codes,
# counter-based, 16-, 26- and 32-character secrets -- plus symlinked, oversized and garbage files,
# and a pam_oath users file. After an import the original secret's codes (oathtool) log in through
# real libpam, each scratch code works once, a step google-authenticator saw used stays used, the
# source files are unchanged, and each import is audited.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
command -v google-authenticator >/dev/null ||
    skip "google-authenticator missing: install libpam-google-authenticator (scripts/test.sh does)"

syslog_start
P=ptimp$$
write_conf "deny = 100"
T0=1767225605 # 2026-01-01 00:00:05 UTC
GA_TOTP=(-t -d -f -w 3 -r 3 -R 30 -Q NONE -q)

# ga_hex SECRET: google-authenticator's base32 reading of SECRET as hex (for oathtool).
ga_hex() {
    "$PY" - "$1" <<'PY'
import sys
v = bits = 0; out = bytearray()
for ch in sys.argv[1]:
    if ch in " \t\r\n-": continue
    ch = {"0": "O", "1": "L", "8": "B"}.get(ch, ch).upper()
    d = ord(ch) - 65 if "A" <= ch <= "Z" else ord(ch) - 50 + 26
    v = (v << 5 | d) & 0xffff; bits += 5
    if bits >= 8: out.append(v >> (bits - 8) & 0xff); bits -= 8
print(out.hex())
PY
}
hcode() { oathtool --totp -d "${3:-6}" --time-step-size="${4:-30}s" -N "@$2" "$1"; }
gafile() { printf '%s/.google_authenticator' "$(home_of "$1")"; }
# set_line1 USER TEXT: replaces the secret line of the user's file (keeping owner and mode).
set_line1() { local f; f=$(gafile "$1"); sed -i "1s/.*/$2/" "$f"; }

log "time-based, 26 characters (google-authenticator's own), 5 scratch codes, a used step"
U1=${P}a
new_user "$U1"
runuser -u "$U1" -- google-authenticator "${GA_TOTP[@]}" -e 5
F1=$(gafile "$U1")
check "google-authenticator wrote a 26-character secret" grep -Eq '^[A-Z2-7]{26}$' <(head -1 "$F1")
# google-authenticator records used steps on the DISALLOW_REUSE line: T0's step was used.
sed -i "s/^\" DISALLOW_REUSE.*/\" DISALLOW_REUSE $((T0 / 30))/" "$F1"
H1=$(ga_hex "$(head -1 "$F1")")
mapfile -t SCR1 < <(grep -E '^[0-9]{8}$' "$F1")
expect_eq "5 scratch codes" "${#SCR1[@]}" 5
SUM1=$(sha256sum "$F1"; stat -c '%U %a %Y' "$F1")
run 0 "import google-authenticator --user $U1" pt import google-authenticator --user "$U1"
check "  one line: imported with 5 backup codes" grep -q "^$U1: imported (5 backup codes)" "$OUT"
check "  says the source was left unchanged" grep -q 'only read and is unchanged' "$ERR"
expect_eq "the source file is untouched" "$(sha256sum "$F1"; stat -c '%U %a %Y' "$F1")" "$SUM1"
check_not "the code of the step google-authenticator saw used is refused" login_at "$T0" "$U1" "$(hcode "$H1" "$T0")"
check "  as a replay" grep -q 'already been used\|already used\|replay' "$T_DIR/login.out"
check "the next step's code logs in" login_at $((T0 + 30)) "$U1" "$(hcode "$H1" $((T0 + 30)))"
for s in "${SCR1[@]}"; do
    check "scratch code ${s:0:2}...... logs in" login_at $((T0 + 60)) "$U1" "$s"
    check_not "  and only once" login_at $((T0 + 60)) "$U1" "$s"
done
check "the import is audited with its source" grep -Eq "event=imported user=$U1 .*source=google-authenticator" "$T_SYSLOG"
check_not "no scratch code reached the log" grep -Fq "${SCR1[0]}" "$T_SYSLOG"

log "time-based without scratch codes, a 16-character secret, WINDOW_SIZE 17, no rate limit"
U2=${P}b
new_user "$U2"
runuser -u "$U2" -- google-authenticator -t -d -f -w 17 -e 0 -r 3 -R 30 -Q NONE -q 2>/dev/null ||
    runuser -u "$U2" -- google-authenticator -t -d -f -w 17 -r 3 -R 30 -Q NONE -q
sed -i '/^[0-9]\{8\}$/d' "$(gafile "$U2")"
set_line1 "$U2" JBSWY3DPEHPK3PXP
run 0 "import a 16-character secret" pt import google-authenticator --user "$U2"
check "  WINDOW_SIZE 17 reported against window = 1" grep -q 'WINDOW_SIZE 17 accepted codes 8 steps either side; window = 1' "$OUT"
check "  RATE_LIMIT reported as replaced by deny/fail_interval" grep -q 'RATE_LIMIT 3 30 is replaced by deny = 100 within fail_interval = 900' "$OUT"
check "its code logs in" login_at "$T0" "$U2" "$(hcode "$(ga_hex JBSWY3DPEHPK3PXP)" "$T0")"

log "a 32-character secret typed as google-authenticator allows (case, spaces, '-', 0/1/8)"
U3=${P}c
new_user "$U3"
runuser -u "$U3" -- google-authenticator "${GA_TOTP[@]}" -e 2 -S 60
set_line1 "$U3" "jbsw y3dp-ehpk 3pxp 018a 018a 018a 018a"
H3=$(ga_hex JBSWY3DPEHPK3PXPOLBAOLBAOLBAOLBA)
run 0 "import a 32-character secret with STEP_SIZE 60" pt import google-authenticator --user "$U3" --json
expect_eq "  JSON: imported, 2 backup codes" "$(jq_py '[(o["user"], o["imported"], o["backup_codes"]) for o in d]' <"$OUT")" "[[\"$U3\", true, 2]]"
check "its 60-second code logs in" login_at "$T0" "$U3" "$(hcode "$H3" "$T0" 6 60)"
check "  period 60 in the enrolment" grep -q '^period = 60$' "$(home_of "$U3")/.pam_totp"

log "refused: counter-based, symlinked, oversized, garbage; already enrolled without --force"
U4=${P}d U5=${P}e U6=${P}f U7=${P}g
for u in "$U4" "$U5" "$U6" "$U7"; do new_user "$u"; done
runuser -u "$U4" -- google-authenticator -c -f -w 3 -u -e 2 -Q NONE -q
runuser -u "$U5" -- google-authenticator "${GA_TOTP[@]}" -e 1 -s "$(home_of "$U5")/real"
runuser -u "$U5" -- ln -s real "$(gafile "$U5")"
{ head -1 "$F1"; echo '" TOTP_AUTH'; printf '12345678\n%.0s' $(seq 8000); } >"$(gafile "$U6")"
chown "$U6:" "$(gafile "$U6")" && chmod 0400 "$(gafile "$U6")"
runuser -u "$U7" -- sh -c "head -c 300 /dev/urandom | base64 > '$(gafile "$U7")'; chmod 400 '$(gafile "$U7")'"
run 1 "import the four" pt import google-authenticator --user "$U4" "$U5" "$U6" "$U7" "${P}nouser"
check "  counter-based: not supported" grep -q "^$U4: skipped: counter-based codes (HOTP_COUNTER) are not supported" "$OUT"
check "  symlink: unsafe" grep -q "^$U5: skipped: unsafe file" "$OUT"
check "  oversized: too large" grep -q "^$U6: skipped: file too large" "$OUT"
check "  garbage: named line" grep -Eq "^$U7: skipped: .*google_authenticator: line" "$OUT"
check "  unknown account" grep -q "^${P}nouser: skipped: no such account" "$OUT"
for u in "$U4" "$U5" "$U6" "$U7"; do
    check "  nothing written for $u" test ! -e "$(home_of "$u")/.pam_totp"
done
run 1 "a second import of $U1 is refused" pt import google-authenticator --user "$U1"
check "  saying --force replaces it" grep -q "^$U1: skipped: already enrolled with pam_totp; --force replaces it" "$OUT"
run 0 "--force replaces it" pt import google-authenticator --user "$U1" --force

log "system mode, --all: every account with a file; ours land in enrolment_file"
write_conf "deny = 100" "enrolment_file = $T_DIR/enrol/%u"
run 1 "import google-authenticator --all (the refused files above make it 1)" pt import google-authenticator --all --json
expect_eq "  $U1 $U2 $U3 imported, $U4 skipped" "$(jq_py "sorted((o['user'], o['imported']) for o in d if o['user'].startswith('$P'))" <"$OUT")" \
    "[[\"$U1\", true], [\"$U2\", true], [\"$U3\", true], [\"$U4\", false], [\"$U5\", false], [\"$U6\", false], [\"$U7\", false]]"
check_not "  no progress line when stderr is not a terminal" grep -q 'importing:' "$ERR"
run 1 "import --all --force on a terminal" "$PT_TOOLS/pt-ptyrun" -t 120 -l "$T_DIR/pty.log" -- "$PT_CLI" --config "$CONF" import google-authenticator --all --force
check "  shows its progress over all accounts" grep -Eq "importing: $(getent passwd | wc -l) of $(getent passwd | wc -l) accounts checked" "$T_DIR/pty.log"
check "  root-owned enrolment for $U1" test "$(stat -c '%U %a' "$T_DIR/enrol/$U1")" = "root 600"
check "  its code logs in" login_at $((T0 + 90)) "$U1" "$(hcode "$H1" $((T0 + 90)))"

log "pam_oath users file"
write_conf "deny = 100"
O1=${P}o1 O2=${P}o2 O3=${P}o3 O4=${P}o4
for u in "$O1" "$O2" "$O3" "$O4"; do new_user "$u"; done
K1=3132333435363738393031323334353637383930
K2=00112233445566778899aabbccddeeff00112233
install -m 0600 /dev/null "$T_DIR/users.oath"
cat >"$T_DIR/users.oath" <<OATH
# pam_oath users file
HOTP/T30	$O1	-	$K1
HOTP/T30/6	$O1	-	$K2	0	2026-01-01T00:00:00L
HOTP/T60/8	$O2	-	$K2
HOTP	$O3	-	$K1	12
HOTP/T30	$O4	1234	$K1
OATH
SUMO=$(sha256sum "$T_DIR/users.oath")
run 1 "import oath --all" pt import oath --file "$T_DIR/users.oath" --all
check "  $O1 imported with both of its lines as devices" grep -Eq "^$O1: imported .*2 tokens imported as 2 devices" "$OUT"
check "  $O2 imported" grep -q "^$O2: imported" "$OUT"
check "  $O3 (HOTP) refused as counter-based" grep -Eq "^$O3: skipped: line 5: HOTP is counter-based" "$OUT"
check "  $O4 (PIN) refused" grep -Eq "^$O4: skipped: line 6: the line has a PIN" "$OUT"
expect_eq "  the users file is untouched" "$(sha256sum "$T_DIR/users.oath")" "$SUMO"
check "$O1 logs in with the first line's code" login_at "$T0" "$O1" "$(hcode "$K1" "$T0")"
check "$O1 logs in with the second line's code (its own device)" login_at $((T0 + 30)) "$O1" "$(hcode "$K2" $((T0 + 30)))"
run 0 "devices of $O1" pt devices --json "$O1"
expect_eq "  named default and after the line" "$(jq_py "[o['name'] for o in d]" <"$OUT")" '["default", "line-3"]'
check "$O2 logs in with an 8-digit 60-second code" login_at "$T0" "$O2" "$(hcode "$K2" "$T0" 8 60)"
check "oath imports audited" grep -Eq "event=imported user=$O2 .*source=oath" "$T_SYSLOG"
run 1 "--user with a name not in the file" pt import oath --file "$T_DIR/users.oath" --user "$O3" "${P}none"
check "  says so" grep -q "^${P}none: skipped: no line for this user" "$OUT"
run 2 "import oath without --file" pt import oath --all
run 2 "import with neither --user nor --all" pt import google-authenticator
run 1 "a user may not import" pt_as "$U2" import google-authenticator --user "$U2"

finish
