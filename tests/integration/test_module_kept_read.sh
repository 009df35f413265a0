# The module opens the runtime state once per login: the record opened for the decision, before
# the prompt, is kept open and read again through it under the lock (updates write in place, so
# it may hold a newer record by then). Proves both halves through real libpam: a login paused at its prompt with
# nothing in between is accepted on what it read; a login paused at its prompt while another
# login uses a code must see that login's update and refuse the same code (no replay through a
# stale read). pamtester on a pseudo-terminal (libpam through pam_wrapper) holds the login at its
# prompt; the answer script does the rest in between. Real time, no faketime.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
for t in pamtester python3; do command -v "$t" >/dev/null || skip "$t missing"; done
WRAPPER=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so
[ -e "$WRAPPER" ] || skip "pam_wrapper missing"
U=ptkr-$$
mod_user "$U"
mod_service
printf 'auth required pam_deny.so\n' >"$T_DIR/svc/other"
enrol "$U"

# paused LABEL: a pamtester login held at its prompt while $T_DIR/between.sh runs; the script's
# output is the answer. Leaves pamtester's status in PRC.
paused() {
    PRC=0
    "$PT_TOOLS/pt-ptyrun" -t 60 -l "$T_DIR/pty-$1.log" -e 'Verification code' -x "bash $T_DIR/between.sh" -- \
        env LD_PRELOAD="$(san_preload)$WRAPPER" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T_DIR/svc" \
        pamtester -v pt-test "$U" authenticate >/dev/null 2>&1 || PRC=$?
}

# A record to keep: a wrong answer writes one (a failure counted, no step used).
RC=0
"$H" --confdir "$T_DIR/svc" "$U" 12345 >"$T_DIR/first.out" 2>&1 || RC=$?
expect_eq "a wrong answer is refused" "$RC" "$PAM_AUTH_ERR"
check "the wrong answer wrote the record" test -f "$(state_of "$U")"
ino_before=$(stat -c %i "$(state_of "$U")")
seq_before=$("$PT_TOOLS/pt-parse_check" state "$(state_of "$U")" | sed 's/.* seq=//')

# Nothing in between: the kept read is used, the code accepted.
printf 'oathtool --totp -b %s\n' "$SECRET" >"$T_DIR/between.sh"
paused quiet
expect_eq "a paused login with nothing in between is accepted" "$PRC" 0
check "its acceptance updated the record in place (same file, the other slot)" \
    test "$(stat -c %i "$(state_of "$U")")" = "$ino_before" -a \
    "$("$PT_TOOLS/pt-parse_check" state "$(state_of "$U")" | sed 's/.* seq=//')" != "$seq_before"

# Another login in between uses the next step's code (window 1 accepts it) and records it; the
# paused login, which read the state before that, answers the same code and must be refused.
cat >"$T_DIR/between.sh" <<EOS
K=\$(oathtool --totp -b -N "@\$((\$(date +%s) + 30))" "$SECRET")
"$H" --confdir "$T_DIR/svc" "$U" "\$K" >"$T_DIR/second.out" 2>&1; echo \$? >"$T_DIR/second.rc"
echo "\$K"
EOS
paused raced
expect_eq "the login in between was accepted" "$(cat "$T_DIR/second.rc" 2>/dev/null)" 0
check "the paused login refused the code the login in between used" test "$PRC" -ne 0
finish
