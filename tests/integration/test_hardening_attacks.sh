#!/usr/bin/env bash
# Attack matrix through real libpam. The enrolment file replaced by a symlink, a hard link to
# another owner's file, a FIFO, device nodes or a directory; symlink and hard-link swaps racing
# the open; an unsafe state directory or state file; hostile answers (0, 1, 6, 8, 512 and
# 64 KiB bytes, non-ASCII digits, format strings, whitespace). All must be refused cleanly
# (PAM_AUTHINFO_UNAVAIL for unsafe files, PAM_AUTH_ERR for wrong answers), none may crash or
# hang (every login runs under a timeout), and a valid code with surrounding whitespace is
# trimmed and accepted.
. "$PT_SOURCE_DIR/tests/integration/lib.sh"
. "$PT_SOURCE_DIR/tests/tools/hardening.sh"
need_root
H_TIMEOUT=20

h_setup home
# The attacker's enrolment: a valid file for another secret (B). If any login below followed it,
# a code of secret B would let the victim's account in.
h_user_add pt-atkb
h_enrol "$H_USER" "$H_T0"
SECRET_B=$H_SECRET
cp "$H_HOME/.pam_totp" "$T_DIR/enrol-b"
h_user_add pt-atk
h_enrol "$H_USER" "$H_T0"
SECRET_A=$H_SECRET
ef=$H_HOME/.pam_totp
cp -p "$ef" "$T_DIR/enrol-a"
install -o "$H_USER" -g "$(id -gn "$H_USER")" -m 0600 "$T_DIR/enrol-b" "$H_HOME/evil"
install -o root -g root -m 0600 "$T_DIR/enrol-b" "$H_HOME/rootfile" # same file system as $ef

T=$((H_T0 + 3600))
next() { T=$((T + 30)); }
code_a() { totp_code "$SECRET_A" "$T"; }
code_b() { totp_code "$SECRET_B" "$T"; }
restore() { rm -rf "$ef"; cp -p "$T_DIR/enrol-a" "$ef"; }
# refused LABEL WANT: both secrets' codes get exactly WANT, and no hang.
refused() {
    local label=$1 want=$2 rc
    next
    rc=$(h_rc "$T" "$H_USER" "$(code_b)")
    expect_eq "$label: the attacker's code is refused ($want)" "$rc" "$want"
    next
    rc=$(h_rc "$T" "$H_USER" "$(code_a)")
    expect_eq "$label: refused even with the right code ($want)" "$rc" "$want"
}

next
expect_eq "baseline: the victim's own code works" "$(h_rc "$T" "$H_USER" "$(code_a)")" $PAM_SUCCESS

# 1. The enrolment file replaced by something else.
rm -f "$ef"; ln -s evil "$ef"
refused "enrolment is a symlink to a valid file" $PAM_AUTHINFO_UNAVAIL
restore
rm -f "$ef"; ln "$H_HOME/rootfile" "$ef"
refused "enrolment is a hard link to a root-owned file" $PAM_AUTHINFO_UNAVAIL
restore
rm -f "$ef"; mkfifo -m 0600 "$ef"; chown "$H_USER" "$ef"
refused "enrolment is a FIFO (must not block)" $PAM_AUTHINFO_UNAVAIL
restore
for dev in "1 3" "1 5" "1 8"; do # /dev/null, /dev/zero (endless), /dev/random
    rm -f "$ef"; mknod -m 0600 "$ef" c $dev; chown "$H_USER" "$ef"
    refused "enrolment is a character device ($dev)" $PAM_AUTHINFO_UNAVAIL
done
restore
rm -f "$ef"; mkdir -m 0700 "$ef"; chown "$H_USER" "$ef"
refused "enrolment is a directory" $PAM_AUTHINFO_UNAVAIL
restore
chmod 0644 "$ef"
refused "enrolment readable by others (0644)" $PAM_AUTHINFO_UNAVAIL
restore
chown root "$ef"
refused "enrolment owned by root in home mode" $PAM_AUTHINFO_UNAVAIL
restore
chown nobody "$ef"
refused "enrolment owned by another user" $PAM_AUTHINFO_UNAVAIL
restore
next
expect_eq "restored: the victim's code works again" "$(h_rc "$T" "$H_USER" "$(code_a)")" $PAM_SUCCESS

# 2. Swaps racing the open: a loop atomically replaces the enrolment with a symlink to the
# attacker's file, or a hard link to a root-owned file, and back, while logins offer code B.
race_swap() {
    local kind=$1
    local stop=$T_DIR/stop-$kind
    rm -f "$stop"
    (
        while [ ! -e "$stop" ]; do
            if [ "$kind" = symlink ]; then ln -sfn evil "$ef.swap"; else ln -f "$H_HOME/rootfile" "$ef.swap"; fi
            mv -Tf "$ef.swap" "$ef"
            cp -p "$T_DIR/enrol-a" "$ef.swap"
            mv -Tf "$ef.swap" "$ef"
        done
    ) &
    local swapper=$! i rc won=0 bad=0 unavail=0 wrong=0
    for i in $(seq 40); do
        next
        rc=$(h_rc "$T" "$H_USER" "$(code_b)")
        case $rc in
            "$PAM_SUCCESS") won=$((won + 1)) ;;
            "$PAM_AUTHINFO_UNAVAIL") unavail=$((unavail + 1)) ;;
            "$PAM_AUTH_ERR") wrong=$((wrong + 1)) ;;
            *) bad=$((bad + 1)); log "$kind swap: unexpected result $rc: $(tail -n 3 "$H_OUT")" ;;
        esac
    done
    touch "$stop"
    wait "$swapper" || true
    rm -f "$ef.swap"
    restore
    log "$kind swap race: 40 logins with the attacker's code: $unavail unsafe-file refusals, $wrong wrong-code refusals"
    expect_eq "$kind swap race: the attacker's code never gets in" "$won" 0
    expect_eq "$kind swap race: every login ended cleanly" "$bad" 0
}
race_swap symlink
race_swap hardlink

# 3. The state directory and the state file made unsafe.
state=$(h_state_file "$H_USER")
chmod 0777 "$H_STATE_DIR"
refused "state directory world-writable (0777)" $PAM_AUTHINFO_UNAVAIL
chmod 0731 "$H_STATE_DIR"
refused "state directory group-writable (0731)" $PAM_AUTHINFO_UNAVAIL
chmod 0711 "$H_STATE_DIR"
cp -p "$state" "$T_DIR/state.saved"
chmod 0666 "$state"
refused "state file world-writable" $PAM_AUTHINFO_UNAVAIL
cp -p "$T_DIR/state.saved" "$state"
chown "$H_USER" "$state"
refused "state file owned by the user" $PAM_AUTHINFO_UNAVAIL
cp -p "$T_DIR/state.saved" "$state"
echo precious >"$T_DIR/target"; chmod 0640 "$T_DIR/target"
rm -f "$state"; ln -s "$T_DIR/target" "$state"
refused "state file is a symlink" $PAM_AUTHINFO_UNAVAIL
expect_eq "the symlink's target was not touched" "$(cat "$T_DIR/target")" precious
rm -f "$state"; mkfifo -m 0640 "$state"
refused "state file is a FIFO (must not block)" $PAM_AUTHINFO_UNAVAIL
rm -f "$state"; cp -p "$T_DIR/state.saved" "$state"
mv "$H_STATE_DIR" "$H_STATE_DIR.real"; ln -s "$H_STATE_DIR.real" "$H_STATE_DIR"
refused "state directory is a symlink" $PAM_AUTHINFO_UNAVAIL
rm -f "$H_STATE_DIR"; mv "$H_STATE_DIR.real" "$H_STATE_DIR"
next
expect_eq "restored: the victim's code works again" "$(h_rc "$T" "$H_USER" "$(code_a)")" $PAM_SUCCESS

# 4. Hostile answers: refused with PAM_AUTH_ERR, in time, without a crash.
answer_refused() {
    local label=$1 answer=$2 rc
    next
    rc=$(h_rc "$T" "$H_USER" "$answer")
    expect_eq "answer $label: refused (PAM_AUTH_ERR)" "$rc" $PAM_AUTH_ERR
}
next; code=$(code_a); T=$((T - 30))
answer_refused "of 0 bytes" ""
answer_refused "of 1 byte" "7"
answer_refused "of 6 wrong digits" "$(h_wrong_code "$SECRET_A" $((T + 30)))"
answer_refused "of 8 digits" "$(h_wrong_code "$SECRET_A" $((T + 30)) 8)"
answer_refused "of 512 bytes" "$(head -c 512 /dev/zero | tr '\0' 7)"
answer_refused "of 513 bytes" "$(head -c 513 /dev/zero | tr '\0' 7)"
answer_refused "of 64 KiB" "$(head -c 65536 /dev/zero | tr '\0' 7)"
answer_refused "of 64 KiB of letters" "$(head -c 65536 /dev/zero | tr '\0' A)"
answer_refused "with a format string" '%s%s%s%s%n%n%x%p'
answer_refused "of control bytes" $'\x01\x02\x1b[2J\x7f'
answer_refused "of invalid UTF-8" $'\xff\xfe\xc0\x80'
# The valid code of the moment written with other digits must not count as that code.
next; code=$(code_a)
ar=$(printf '%s' "$code" | sed 's/0/٠/g;s/1/١/g;s/2/٢/g;s/3/٣/g;s/4/٤/g;s/5/٥/g;s/6/٦/g;s/7/٧/g;s/8/٨/g;s/9/٩/g')
fw=$(printf '%s' "$code" | sed 's/0/０/g;s/1/１/g;s/2/２/g;s/3/３/g;s/4/４/g;s/5/５/g;s/6/６/g;s/7/７/g;s/8/８/g;s/9/９/g')
expect_eq "the valid code in Arabic-Indic digits is refused" "$(h_rc "$T" "$H_USER" "$ar")" $PAM_AUTH_ERR
expect_eq "the valid code in full-width digits is refused" "$(h_rc "$T" "$H_USER" "$fw")" $PAM_AUTH_ERR
expect_eq "the valid code with a trailing letter is refused" "$(h_rc "$T" "$H_USER" "${code}x")" $PAM_AUTH_ERR
expect_eq "the valid code with a sign is refused" "$(h_rc "$T" "$H_USER" "+$code")" $PAM_AUTH_ERR
expect_eq "after all that, the plain code of the moment still works" "$(h_rc "$T" "$H_USER" "$code")" $PAM_SUCCESS
# Whitespace around a valid code is trimmed.
for ws in " %s" "%s " $'\t%s\n' "  %s  "; do
    next
    # shellcheck disable=SC2059
    a=$(printf "$ws" "$(code_a)"; printf x); a=${a%x}
    expect_eq "a valid code wrapped as $(printf '%q' "$ws") is accepted" \
        "$(h_rc "$T" "$H_USER" "$a")" $PAM_SUCCESS
done
next
a=$(printf ' %s ' "${H_CODES[2]}")
expect_eq "a backup code with surrounding spaces is accepted" "$(h_rc "$T" "$H_USER" "$a")" $PAM_SUCCESS
next
lc=$(printf '%s' "${H_CODES[3]}" | tr 'A-Z' 'a-z' | tr -d -)
expect_eq "a backup code in lower case without hyphens is accepted" "$(h_rc "$T" "$H_USER" "$lc")" $PAM_SUCCESS

finish
