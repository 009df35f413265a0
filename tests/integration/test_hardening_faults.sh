#!/usr/bin/env bash
# Disk faults on the state directory: a full file system (ENOSPC, a small tmpfs filled up), a
# read-only one (EROFS, the tmpfs remounted read-only) and I/O errors (EIO from the pt-fault.so
# LD_PRELOAD shim failing write, fsync, rename or file creation), for both ways the record is
# written: updated in place (one slot, one fdatasync) and made new (temp file, fsync, rename,
# fsync of the directory). Each time the module must fail closed (PAM_AUTHINFO_UNAVAIL) with a
# syslog line naming the file and the error, leave no temp file, leave the state (as read) and
# the enrolment as they were, and work again once the fault is gone. An update in place needs no
# new space, so a full file system refuses only a new record.
. "$PT_SOURCE_DIR/tests/integration/lib.sh"
. "$PT_SOURCE_DIR/tests/tools/hardening.sh"
need_root
[ -f "$H_FAULT_SO" ] || { fail "fault shim $H_FAULT_SO not built"; finish; }

VOL=$T_DIR/vol
mkdir -p "$VOL"
mount -t tmpfs -o size=512k,mode=0755 pt-hardening "$VOL" || { fail "cannot mount a tmpfs"; finish; }
on_exit "umount -l '$VOL'"
H_STATE_DIR=$VOL/state
syslog_start

h_user_add pt-fault
h_setup home
h_enrol "$H_USER" "$H_T0"
enrol_file=$H_HOME/.pam_totp
state=$(h_state_file "$H_USER")
T=$((H_T0 + 600))
expect_eq "a first login creates the state" "$(h_rc "$T" "$H_USER" "$(totp_code "$H_SECRET" "$T")")" $PAM_SUCCESS
cp "$enrol_file" "$T_DIR/enrol.saved"
home_ls=$(h_ls "$H_HOME")

# state_read: the record as a login reads it (its newest whole slot, its text), "absent" when
# there is none. Equal before and after means the state is unchanged, whatever bytes a refused
# update left in a slot no reader takes.
state_read() {
    if [ -e "$state" ]; then "$PT_TOOLS/pt-parse_check" state "$state" && h_state_text "$H_USER"
    else echo absent; fi
}
save_state() { state_saved=$(state_read); state_ls=$(h_ls "$H_STATE_DIR"); }
save_state

# fails_closed LABEL ERRTEXT: a valid new code is refused with PAM_AUTHINFO_UNAVAIL, syslog
# names the state file and ERRTEXT, nothing is left behind or changed. STATE_MAY_RECORD=1 allows
# the state to hold the refused code as used (a fault after the rename: safe, the login was
# still refused).
fails_closed() {
    local label=$1 errtext=$2 before code rc
    T=$((T + 60))
    code=$(totp_code "$H_SECRET" "$T")
    before=$(syslog_lines)
    rc=$(h_rc "$T" "$H_USER" "$code")
    syslog_sync
    expect_eq "$label: a valid code fails closed (PAM_AUTHINFO_UNAVAIL)" "$rc" $PAM_AUTHINFO_UNAVAIL
    local new
    new=$(tail -n +"$((before + 1))" "$T_SYSLOG")
    expect_match "$label: syslog names the state file" "$new" "$(printf '%s' "$state" | sed 's/[.]/[.]/g')"
    expect_match "$label: syslog gives the error ($errtext)" "$new" "$errtext"
    expect_match "$label: syslog says it fails closed" "$new" "fail(s|ing)? closed"
    local rec
    rec=$(basename "$state")
    expect_eq "$label: no temp file left in the state directory" \
        "$(h_ls "$H_STATE_DIR" | grep -vx "$rec")" "$(printf '%s\n' "$state_ls" | grep -vx "$rec")"
    check "$label: the enrolment is intact" cmp -s "$enrol_file" "$T_DIR/enrol.saved"
    if [ "${STATE_MAY_RECORD:-0}" = 1 ]; then
        check "$label: the state parses" "$PT_TOOLS/pt-parse_check" state "$state"
    else
        expect_eq "$label: the state is unchanged" "$(state_read)" "$state_saved"
    fi
    LAST_CODE=$code
}
# recovers LABEL: with the fault gone, the next login works; the refused code is never accepted
# if the state recorded it.
recovers() {
    local label=$1
    T=$((T + 60))
    expect_eq "$label: works again once the fault is gone" \
        "$(h_rc "$T" "$H_USER" "$(totp_code "$H_SECRET" "$T")")" $PAM_SUCCESS
    save_state
}
# without_record: the record moved aside, so that the next login must make a new one (the
# first login of a uid); with_record puts it back.
without_record() { cp -p "$state" "$T_DIR/state.kept"; rm -f "$state"; save_state; }
with_record() { cp -p "$T_DIR/state.kept" "$state"; save_state; }

# 1. ENOSPC: fill the tmpfs. An update in place writes over blocks the record already has.
dd if=/dev/zero of="$VOL/filler" bs=4k status=none 2>/dev/null || true
check "ENOSPC: the file system is full" test "$(df --output=avail -k "$VOL" | tail -n 1 | tr -d ' ')" -eq 0
T=$((T + 60))
expect_eq "ENOSPC: an update in place needs no new space: the login works" \
    "$(h_rc "$T" "$H_USER" "$(totp_code "$H_SECRET" "$T")")" $PAM_SUCCESS
expect_match "ENOSPC: ... and the step is recorded" "$(h_state_get "$H_USER" last_step)" "^$((T / 30))\$"
without_record
dd if=/dev/zero of="$VOL/filler2" bs=4k status=none 2>/dev/null || true
fails_closed "ENOSPC, new record" "No space left on device"
T=$((T + 60))
rc=$(h_rc "$T" "$H_USER" "$(h_wrong_code "$H_SECRET" "$T")")
expect_eq "ENOSPC: a wrong code that cannot be counted also fails closed" "$rc" $PAM_AUTHINFO_UNAVAIL
rm -f "$VOL/filler" "$VOL/filler2"
with_record
recovers ENOSPC

# 2. EROFS: the file system read-only.
mount -o remount,ro "$VOL"
fails_closed EROFS "Read-only file system"
mount -o remount,rw "$VOL"
recovers EROFS

# 3. EIO on each step of either way of writing, through the shim.
fault() { # OP [SKIP]
    : >"$T_DIR/fault.log"
    H_ENV=(LD_PRELOAD="$(san_preload)$FAKETIME_LIB $H_FAULT_SO" PT_FAULT_PATH="$H_STATE_DIR"
        PT_FAULT_OPS="$1" PT_FAULT_ERRNO=EIO PT_FAULT_SKIP="${2:-0}" PT_FAULT_LOG="$T_DIR/fault.log")
}
for op in write fsync; do
    fault "$op"
    fails_closed "EIO on $op in place" "Input/output error"
    check "EIO on $op in place: the fault was injected" test -s "$T_DIR/fault.log"
    H_ENV=()
    recovers "EIO on $op in place"
done
# A new record: first the durable mark in the lock file is cleared and synced (write, fsync
# number 0), then the temp file is written and synced (write and fsync number 1), renamed and
# the directory synced (fsync number 2).
for spec in "write 0" "fsync 0" "write 1" "fsync 1" "rename 0" "create 0"; do
    read -r op skip <<<"$spec"
    without_record
    fault "$op" "$skip"
    fails_closed "EIO on $op #$skip of a new record" "Input/output error"
    check "EIO on $op #$skip of a new record: the fault was injected" test -s "$T_DIR/fault.log"
    H_ENV=()
    with_record
    recovers "EIO on $op #$skip of a new record"
done
# The directory fsync after the rename: the new state is in place but not known durable. The
# login is still refused; the state may already hold the code, which must then stay used.
without_record
fault fsync 2
STATE_MAY_RECORD=1 fails_closed "EIO on the directory fsync" "Input/output error"
check "EIO on the directory fsync: the fault was injected" grep -q "^fsync $H_STATE_DIR\$" "$T_DIR/fault.log"
H_ENV=()
if [ "$(h_state_get "$H_USER" last_step)" -ge $((T / 30)) ]; then
    expect_eq "EIO on the directory fsync: the recorded code is not accepted afterwards" \
        "$(h_rc $((T + 1)) "$H_USER" "$LAST_CODE")" $PAM_AUTH_ERR
fi
recovers "EIO on the directory fsync"
# A failed fdatasync in place leaves the slot written in the page cache only: it must not be
# read as the record (else the next update would write over the last durable one first).
fault fsync
fails_closed "EIO on fdatasync, again" "Input/output error"
H_ENV=()
check "EIO on fdatasync: the slot it wrote is not taken as the record" \
    test "$("$PT_TOOLS/pt-parse_check" state "$state" | sed -n 's/.* seq=\([0-9]*\) .*/\1/p')" = \
        "$(printf '%s' "$state_saved" | sed -n 's/.* seq=\([0-9]*\) .*/\1/p')"
recovers "EIO on fdatasync, again"

# 4. The command under EIO in the home directory: new backup codes cannot be written; the old
# enrolment stays, no temp file is left, the old codes still work.
for op in write fsync rename; do
    : >"$T_DIR/fault.log"
    chmod 0666 "$T_DIR/fault.log" # the command writes in the home as the user
    rc=0
    LD_PRELOAD="$(san_preload)$H_FAULT_SO" PT_FAULT_PATH="$H_HOME" PT_FAULT_OPS=$op PT_FAULT_LOG="$T_DIR/fault.log" \
        "$PT_CLI" --config "$H_CONF" backup-codes --user "$H_USER" >"$T_DIR/cli.out" 2>&1 || rc=$?
    expect_eq "backup-codes with EIO on $op in the home: system error (3)" "$rc" 3
    check "backup-codes with EIO on $op: the fault was injected" test -s "$T_DIR/fault.log"
    check "backup-codes with EIO on $op: the enrolment is intact" cmp -s "$enrol_file" "$T_DIR/enrol.saved"
    expect_eq "backup-codes with EIO on $op: no temp file left in the home" "$(h_ls "$H_HOME")" "$home_ls"
    expect_match "backup-codes with EIO on $op: the message names the error" "$(cat "$T_DIR/cli.out")" "Input/output error"
done
T=$((T + 60))
expect_eq "the old backup codes still work" "$(h_rc "$T" "$H_USER" "${H_CODES[4]}")" $PAM_SUCCESS

finish
