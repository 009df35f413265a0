#!/usr/bin/env bash
# Races through real libpam: N logins at once (24; 16 under the sanitizers) with one backup code
# (exactly one wins), with one TOTP code (exactly one wins), with wrong codes (all N counted: no
# lost update), and backup-code regeneration by root while logins run (nothing corrupt, the
# newest set works, older sets do not).
. "$PT_SOURCE_DIR/tests/integration/lib.sh"
. "$PT_SOURCE_DIR/tests/tools/hardening.sh"
need_root

# 16 in the sanitizer build, where each login is several times slower: still many logins
# contending for one lock, and the suite stays within its time budget.
if [ "$PT_SANITIZE" = 1 ]; then N=16; else N=24; fi
h_user_add pt-race
h_setup home
T=$H_T0
h_enrol "$H_USER" "$T"


# race LABEL EPOCH ANSWER...: starts one login per ANSWER, all released at once by a start
# file; leaves the exit codes in R_CODES.
race() {
    local label=$1 t=$2 i; shift 2
    local dir=$T_DIR/race-$label
    mkdir -p "$dir"
    local answers=("$@") pids=()
    for ((i = 0; i < ${#answers[@]}; i++)); do
        (
            while [ ! -e "$dir/go" ]; do sleep 0.01; done
            rc=0
            h_login "$t" "$H_USER" "${answers[$i]}" >"$dir/$i.out" 2>&1 || rc=$?
            echo $rc >"$dir/$i.rc"
        ) &
        pids+=($!)
    done
    sleep 0.5
    touch "$dir/go"
    local p
    for p in "${pids[@]}"; do wait "$p" || true; done
    R_CODES=()
    for ((i = 0; i < ${#answers[@]}; i++)); do R_CODES+=("$(cat "$dir/$i.rc")"); done
}
count_rc() { local want=$1 n=0 c; for c in "${R_CODES[@]}"; do [ "$c" = "$want" ] && n=$((n + 1)); done; echo $n; }
others_refused() {
    local c
    for c in "${R_CODES[@]}"; do [ "$c" = "$PAM_SUCCESS" ] || [ "$c" = "$PAM_AUTH_ERR" ] || return 1; done
}

# 1. One backup code, N logins at once: exactly one succeeds.
T=$((T + 60))
answers=(); for ((i = 0; i < N; i++)); do answers+=("${H_CODES[0]}"); done
race backup "$T" "${answers[@]}"
expect_eq "one backup code, $N logins at once: exactly one succeeds" "$(count_rc $PAM_SUCCESS)" 1
check "the other backup-code logins are refused with PAM_AUTH_ERR" others_refused
expect_eq "the state marks exactly that code used" "$(h_state_get "$H_USER" used)" 0
expect_eq "the used backup code is refused afterwards" "$(h_rc $((T + 5)) "$H_USER" "${H_CODES[0]}")" $PAM_AUTH_ERR

# 2. One TOTP code, N logins at once: exactly one succeeds.
T=$((T + 300))
code=$(totp_code "$H_SECRET" "$T")
answers=(); for ((i = 0; i < N; i++)); do answers+=("$code"); done
race totp "$T" "${answers[@]}"
expect_eq "one TOTP code, $N logins at once: exactly one succeeds" "$(count_rc $PAM_SUCCESS)" 1
check "the other TOTP logins are refused with PAM_AUTH_ERR" others_refused
expect_eq "last_step is the step of that code" "$(h_state_get "$H_USER" last_step)" $((T / 30))

# 3. N wrong codes at once: all N are counted (deny=1000, so nobody is locked).
T=$((T + 300))
wrong=$(h_wrong_code "$H_SECRET" "$T")
answers=(); for ((i = 0; i < N; i++)); do answers+=("$wrong"); done
# The refused replays of step 2 are still within fail_interval: count what this race adds.
nf_before=$(h_count_list "$(h_state_get "$H_USER" failures)")
race wrong "$T" "${answers[@]}"
expect_eq "$N wrong codes at once: all refused" "$(count_rc $PAM_AUTH_ERR)" $N
expect_eq "$N wrong codes at once: $N more failures recorded (no lost update)" \
    "$(($(h_count_list "$(h_state_get "$H_USER" failures)") - nf_before))" $N
late=$(h_state_get "$H_USER" failures | tr ',' '\n' | tail -n $N | awk -v t="$T" '$1 < t || $1 > t + 60' | wc -l)
expect_eq "the $N failure times are the moment of the race" "$late" 0

# 4. Mixed: N/2 wrong codes and N/2 copies of one valid code at once: one success, and the
# failures recorded before it are cleared by it or counted after it, never lost or corrupting.
T=$((T + 300))
code=$(totp_code "$H_SECRET" "$T")
wrong=$(h_wrong_code "$H_SECRET" "$T")
answers=(); for ((i = 0; i < N; i++)); do if ((i % 2)); then answers+=("$code"); else answers+=("$wrong"); fi; done
race mixed "$T" "${answers[@]}"
expect_eq "mixed race: exactly one success" "$(count_rc $PAM_SUCCESS)" 1
nf=$(h_count_list "$(h_state_get "$H_USER" failures)")
check "mixed race: failures recorded after the success are within 0..$((N - 1)) ($nf)" test "$nf" -le $((N - 1))
check "mixed race: the state still parses" "$PT_TOOLS/pt-parse_check" state "$(h_state_file "$H_USER")"

# 5. Backup-code regeneration by root while logins run: the enrolment and the state stay whole,
# the newest set works, an older set does not.
T=$((T + 300))
enrol_file=$H_HOME/.pam_totp
home_before=$(h_ls "$H_HOME")
state_before=$(h_ls "$H_STATE_DIR")
regen_dir=$T_DIR/regen
mkdir -p "$regen_dir"
old_codes=("${H_CODES[@]}")
# Login load: 4 streams of 10 logins each, a mix of wrong codes, old backup codes and TOTP codes.
pids=()
for s in 1 2 3 4; do
    (
        for i in $(seq 10); do
            t=$((T + s * 7 + i * 30))
            case $((i % 3)) in
                0) a=$(totp_code "$H_SECRET" "$t") ;;
                1) a=${old_codes[$((s + 1))]} ;;
                *) a=$(h_wrong_code "$H_SECRET" "$t") ;;
            esac
            rc=0
            h_login "$t" "$H_USER" "$a" >/dev/null 2>&1 || rc=$?
            echo $rc >>"$regen_dir/rc.$s"
        done
    ) &
    pids+=($!)
done
regen_ok=0
for i in $(seq 8); do
    if out=$(h_cli backup-codes --json --user "$H_USER" 2>"$regen_dir/err.$i"); then
        regen_ok=$((regen_ok + 1))
        printf '%s' "$out" >"$regen_dir/codes"
    fi
done
for p in "${pids[@]}"; do wait "$p" || true; done
expect_eq "8 regenerations during logins all succeeded" "$regen_ok" 8
bad=$(cat "$regen_dir"/rc.* | grep -cvE "^($PAM_SUCCESS|$PAM_AUTH_ERR)$" || true)
expect_eq "every login during regeneration ended in success or a clean refusal" "$bad" 0
expect_match "the enrolment still parses: status says enrolled" \
    "$(h_cli status --json --user "$H_USER" 2>&1)" '"enrolled": *true'
check "the state file still parses" "$PT_TOOLS/pt-parse_check" state "$(h_state_file "$H_USER")"
expect_eq "no temp file left in the home directory" "$(h_ls "$H_HOME")" "$home_before"
expect_eq "no temp file left in the state directory" "$(h_ls "$H_STATE_DIR")" "$state_before"
mapfile -t new_codes < <(grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$regen_dir/codes")
T=$((T + 3600))
expect_eq "a code of the replaced set is refused" "$(h_rc "$T" "$H_USER" "${old_codes[9]}")" $PAM_AUTH_ERR
expect_eq "a code of the newest set is accepted" "$(h_rc $((T + 1)) "$H_USER" "${new_codes[3]}")" $PAM_SUCCESS
check "the enrolment file parses" "$PT_TOOLS/pt-parse_check" enrolment "$enrol_file"

finish
