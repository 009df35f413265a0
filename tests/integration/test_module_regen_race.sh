# A login paused at its prompt while the backup codes are regenerated, and another login uses a
# code of the new set, must not bind the runtime state back to the old set when it finishes:
# that would forget the new set's used marks and make the used code work again. (The module
# re-reads the enrolment under the state lock when the state refers to another enrolment.)
# pamtester on a pseudo-terminal (libpam through pam_wrapper) holds the first login at its
# prompt; the answer script does the rest in between. Real time, no faketime.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
for t in pamtester python3; do command -v "$t" >/dev/null || skip "$t missing"; done
WRAPPER=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so
[ -e "$WRAPPER" ] || skip "pam_wrapper missing"
U=ptrg-$$
mod_user "$U"
mod_service
printf 'auth required pam_deny.so\n' >"$T_DIR/svc/other"
enrol "$U"
old_id=$(sed -n 's/^id = //p' "$(getent passwd "$U" | cut -d: -f6)/.pam_totp")

# Run when the paused login shows its prompt: regenerate (root), log in with the first code of
# the new set, then answer the paused login with the current TOTP code.
cat >"$T_DIR/between.sh" <<EOS
"$PT_CLI" --config "$CONF" backup-codes --user "$U" --json >"$T_DIR/new.json" 2>"$T_DIR/new.err" || exit 1
/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backup_codes"][0])' "$T_DIR/new.json" >"$T_DIR/k"
"$H" --confdir "$T_DIR/svc" "$U" "\$(cat "$T_DIR/k")" >"$T_DIR/second.out" 2>&1; echo \$? >"$T_DIR/second.rc"
oathtool --totp -b "$SECRET"
EOS

PRC=0
"$PT_TOOLS/pt-ptyrun" -t 60 -l "$T_DIR/pty.log" -e 'Verification code' -x "bash $T_DIR/between.sh" -- \
    env LD_PRELOAD="$(san_preload)$WRAPPER" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T_DIR/svc" \
    pamtester -v pt-test "$U" authenticate >/dev/null 2>&1 || PRC=$?
K=$(cat "$T_DIR/k" 2>/dev/null || true)
new_id=$(sed -n 's/^id = //p' "$(getent passwd "$U" | cut -d: -f6)/.pam_totp")
check "regeneration made a new enrolment id" test -n "$K" -a "$new_id" != "$old_id"
expect_eq "the second login used a code of the new set" "$(cat "$T_DIR/second.rc" 2>/dev/null)" 0
expect_eq "the paused login succeeded with a TOTP code" "$PRC" 0
expect_eq "the state still refers to the new set" "$(state_text "$U" | sed -n 's/^enrolment = //p')" "$new_id"
RC=0
"$H" --confdir "$T_DIR/svc" "$U" "$K" >"$T_DIR/third.out" 2>&1 || RC=$?
expect_eq "the used code of the new set stays used" "$RC" 7
finish
