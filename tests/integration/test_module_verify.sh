# pam_totp.so through real libpam: verification of TOTP and backup codes, window edges, replay,
# backup-code bookkeeping and messages, PAM_SILENT, and the audit log (no code or secret in it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
syslog_start
U=pttest-$$
mod_user "$U"
mod_service
enrol "$U"
expect_eq "ten backup codes made" "${#BACKUP[@]}" 10

# --- A correct code, then the window edges (window = 1). T0 is in step S; steps S-1 and S+1 pass.
t=$T0
run_at $t "$U" "$(code $t)"
expect_eq "current code accepted" "$RES" success
expect_match "asks with the documented prompt" "$OUT" '^PROMPT_ECHO_OFF: Verification code: $'
t=$((T0 + 300))
run_at $t "$U" "$(code $((t - 30)))"
expect_eq "code of the previous step accepted (window 1)" "$RES" success
t=$((T0 + 600))
run_at $t "$U" "$(code $((t + 30)))"
expect_eq "code of the next step accepted (window 1)" "$RES" success
t=$((T0 + 900))
run_at $t "$U" "$(code $((t - 60)))"
expect_eq "code two steps old refused" "$RES" $PAM_AUTH_ERR
run_at $t "$U" "$(code $((t + 60)))"
expect_eq "code two steps ahead refused" "$RES" $PAM_AUTH_ERR
run_at $t "$U" " $(code $t) "
expect_eq "answer trimmed before checking" "$RES" success

# --- Replay: the same code again, and an older one still inside the window.
t=$((T0 + 1200))
run_at $t "$U" "$(code $((t + 30)))"
expect_eq "newest code in the window accepted" "$RES" success
run_at $t "$U" "$(code $((t + 30)))"
expect_eq "the same code again refused (replay)" "$RES" $PAM_AUTH_ERR
expect_match "replay explained" "$OUT" 'already used'
run_at $t "$U" "$(code $t)"
expect_eq "an older code within the window refused" "$RES" $PAM_AUTH_ERR
expect_match "state records the newest step" "$(state_text "$U")" "last_step = $(((t + 30) / 30))"
run_at $((t + 60)) "$U" "$(code $((t + 60)))"
expect_eq "a newer code accepted after the refusals" "$RES" success

# --- Wrong shapes.
run_at $((T0 + 1500)) "$U" "12345"
expect_eq "five digits refused" "$RES" $PAM_AUTH_ERR
run_at $((T0 + 1500)) "$U" ""
expect_eq "empty answer refused" "$RES" $PAM_AUTH_ERR
run_at $((T0 + 1500)) "$U" "$(head -c 600 /dev/zero | tr '\0' 7)"
expect_eq "over-long answer refused" "$RES" $PAM_AUTH_ERR
run_at $((T0 + 1500)) "$U"
expect_eq "a client that hangs up gets a conversation error" "$RES" $PAM_CONV_ERR

# --- Backup codes: once each, any spelling, remaining count shown.
t=$((T0 + 1800))
run_at $t "$U" "${BACKUP[0]}"
expect_eq "backup code accepted" "$RES" success
expect_match "remaining count shown" "$OUT" '^INFO: Backup code accepted\. 9 backup codes left\.$'
expect_nomatch "no renewal warning with 9 left" "$OUT" 'pam-totp backup-codes'
run_at $t "$U" "${BACKUP[0]}"
expect_eq "backup code refused the second time" "$RES" $PAM_AUTH_ERR
expect_match "second use explained" "$OUT" 'backup code was already used'
lower=$(printf '%s' "${BACKUP[1]}" | tr 'A-Z' 'a-z' | tr -d -)
run_at $t "$U" "$lower"
expect_eq "backup code in lower case without hyphens accepted" "$RES" success
for i in 2 3 4 5; do run_at $t "$U" "${BACKUP[$i]}"; done
run_at $t "$U" "${BACKUP[6]}"
expect_eq "seventh backup code accepted" "$RES" success
expect_match "three left: warned to regenerate" "$OUT" "3 backup codes left.*
INFO: Run \`pam-totp backup-codes\` now"
run_at $t "$U" "$(printf '%s' "${BACKUP[7]}" | tr 'A-Z' 'a-z')"
run_at $t "$U" "${BACKUP[8]}"
expect_match "one left: singular" "$OUT" '1 backup code left\.'
run_at $t "$U" "${BACKUP[9]}"
expect_match "none left" "$OUT" '0 backup codes left\.'
run_at $t "$U" "${BACKUP[9]}"
expect_eq "last code refused once used" "$RES" $PAM_AUTH_ERR
run_at $t "$U" "ZZZZ-ZZZZ-ZZZZ"
expect_eq "a made-up backup code refused" "$RES" $PAM_AUTH_ERR

# A success clears the failures recorded so far.
run_at $((T0 + 2400)) "$U" "$(code $((T0 + 2400)))"
expect_match "success clears failures" "$(state_text "$U")" '^failures = ?$'

# --- Concurrent logins with the same code: they serialise on the state lock and re-read the
# state after taking it, so exactly one gets in.
t=$((T0 + 2460))
c=$(code $t)
pids=()
for i in 1 2 3 4; do
    (
        r=0
        mod_at $t "$H" --confdir "$T_DIR/svc" "$U" "$c" >"$T_DIR/par.$i" || r=$?
        echo $r >"$T_DIR/par.$i.rc"
    ) &
    pids+=($!)
done
wait "${pids[@]}"
expect_eq "four concurrent logins with one code (fewer than deny): exactly one accepted" "$(cat "$T_DIR"/par.*.rc | grep -c '^0$')" 1
expect_eq "the other three refused as replays" "$(grep -l "already used" "$T_DIR"/par.? | wc -l)" 3

# --- PAM_SILENT and `silent`: no informational text, same decisions.
enrol "$U"
mod_plain
run_at $((T0 + 2700)) --silent "$U" "${BACKUP[0]}"
expect_eq "backup code accepted under PAM_SILENT" "$RC" 0
expect_nomatch "PAM_SILENT reached the module (no marker either)" "$OUT" "PT-RESULT"
expect_nomatch "PAM_SILENT: no INFO" "$OUT" '^(INFO|ERROR):'
mod_plain silent
run_at $((T0 + 2700)) "$U" "${BACKUP[1]}"
expect_eq "backup code accepted with silent" "$RC" 0
expect_nomatch "silent: no backup-code message" "$OUT" 'Backup code accepted'
run_at $((T0 + 2700)) "$U" "${BACKUP[1]}"
expect_nomatch "silent: no message on a refusal either" "$OUT" '^ERROR:'
mod_service

# --- Other algorithms and lengths: what the enrolment says is used. (A fresh state: last_step
# counts steps of the old period, see the lead's note on re-enrolment with another period.)
rm -f "$(state_of "$U")"
enrol "$U" algorithm=sha256 digits=8 period=60
t=$((T0 + 3600))
run_at $t "$U" "$(code $t sha256 8 60)"
expect_eq "sha256, 8 digits, 60 s accepted" "$RES" success
enrol "$U" algorithm=sha512
rm -f "$(state_of "$U")"
run_at $((t + 300)) "$U" "$(code $((t + 300)) sha512)"
expect_eq "sha512 accepted" "$RES" success

# --- Only pam_sm_* leave the module.
expect_eq "exported symbols" "$(nm -D --defined-only "$PT_MODULE" | awk '$2 == "T" { print $3 }' | sort | tr '\n' ' ')" \
    "pam_sm_authenticate pam_sm_setcred "

# --- The audit log: events present, no code or secret anywhere.
syslog_sync
LOG=$(cat "$T_SYSLOG")
expect_match "login_ok totp logged" "$LOG" "pam_totp\(pt-test:auth\): event=login_ok user=$U service=pt-test method=totp"
expect_match "login_ok backup with codes left logged" "$LOG" "event=login_ok user=$U .*method=backup codes_left=9"
expect_match "login_failed with reason replay" "$LOG" "event=login_failed user=$U .*reason=replay"
expect_match "login_failed with reason wrong_code" "$LOG" "event=login_failed user=$U .*reason=wrong_code"
expect_match "login_failed with reason used_backup_code" "$LOG" "reason=used_backup_code"
leaks=0
for s in "$SECRET" "$(printf '%s' "$SECRET" | tr 'A-Z' 'a-z')" "${BACKUP[@]}"; do
    grep -qiF -- "$s" "$T_SYSLOG" && leaks=$((leaks + 1))
done
for t in $T0 $((T0 + 300)) $((T0 + 1200)) $((T0 + 1230)); do
    c=$(code $t)
    grep -qF -- "$c" "$T_SYSLOG" && { log "code $c found in the log"; leaks=$((leaks + 1)); }
done
expect_eq "no secret, backup code or TOTP code in the log" "$leaks" 0
finish
