# pam_totp.so through real libpam: unsafe or malformed enrolment and state files, and unusable
# state directories, fail closed with PAM_AUTHINFO_UNAVAIL and a syslog line naming the file and
# why; a missing state directory is created root 0711.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
command -v mkfifo >/dev/null || skip "coreutils missing"
syslog_start
U=pttest-$$
mod_user "$U"
HOMEDIR=$(getent passwd "$U" | cut -d: -f6)
EF="$HOMEDIR/.pam_totp"
mod_service
enrol "$U"
cp -p "$EF" "$T_DIR/good"
t=$T0
restore() { rm -rf "$EF"; cp -p "$T_DIR/good" "$EF"; }
logged() { syslog_sync && grep -F -- "$1" "$T_SYSLOG" | grep -Eq -- "$2"; }

# --- The good file works, and the state directory is created root 0711.
[ ! -e "$STATE_DIR" ] || fail "state dir exists before the first login"
run_at $t "$U" "$(code $t)"
expect_eq "intact enrolment: accepted" "$RES" success
expect_eq "state dir created root 0711" "$(stat -c '%U %a' "$STATE_DIR")" "root 711"
expect_eq "state file root:group 0640" "$(stat -c '%U %G %a' "$(state_of "$U")")" "root $U 640"

# --- Unsafe or malformed enrolment files (home mode).
case_enrol() { # DESCRIPTION LOG-REGEX: runs a login and expects a fail-closed refusal
    syslog_clear
    t=$((t + 60))
    run_at $t "$U" "$(code $t)"
    expect_eq "$1: PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
    check "$1: syslog names the file and why" logged "$EF" "$2"
    expect_nomatch "$1: no prompt" "$OUT" '^PROMPT'
    restore
}
mv "$EF" "$HOMEDIR/real"; ln -s real "$EF"; chown -h "$U:" "$EF"
case_enrol "symlink" "symbolic link"
rm -f "$HOMEDIR/real"
chmod 0644 "$EF"
case_enrol "mode 0644" "mode 0644"
chown root:root "$EF"
case_enrol "owned by root in home mode" "owned by uid 0|permission denied"
head -c 200 "$T_DIR/good" >"$EF"
case_enrol "truncated" "line|missing|malformed|truncat"
head -c 3000 /dev/urandom | tr -d '\000' >"$EF"
case_enrol "binary garbage" "."
printf 'hello world\n' >"$EF"
case_enrol "text garbage" "line 1"
sed 's/^digits = .*/digits = 7/' "$T_DIR/good" >"$EF"
case_enrol "bad value (digits = 7)" "digits"
{ cat "$T_DIR/good"; echo "secret = JBSWY3DPEHPK3PXP"; } >"$EF"
case_enrol "duplicate key" "secret"
head -c 2097152 /dev/zero | tr '\0' 'a' >"$EF"
case_enrol "2 MB" "bytes"
rm -f "$EF"; mkdir "$EF"; chown "$U:" "$EF"
case_enrol "a directory" "directory|regular"
rm -rf "$EF"; mkfifo -m 0600 "$EF"; chown "$U:" "$EF"
case_enrol "a FIFO (no hang)" "fifo|FIFO|regular"
for f in "$EF"; do chmod 0600 "$f"; chown "$U:" "$f"; done
cat "$T_DIR/good" >"$EF"
ln "$EF" "$HOMEDIR/other-name"
case_enrol "hard link" "hard link"
rm -f "$HOMEDIR/other-name"

# --- System mode: the enrolment must be root's, 0600, in a root directory nobody else can write.
mkdir -m 0700 "$T_DIR/enrol"
SF="$T_DIR/enrol/$U"
mod_service "enrolment_file=$T_DIR/enrol/%u"
cp "$T_DIR/good" "$SF"; chown root:root "$SF"; chmod 0600 "$SF"
t=$((t + 60))
run_at $t "$U" "$(code $t)"
expect_eq "system mode, root 0600: accepted" "$RES" success
chown "$U:" "$SF"
syslog_clear; t=$((t + 60))
run_at $t "$U" "$(code $t)"
expect_eq "system mode, owned by the user: PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
check "system mode, owned by the user: logged" logged "$SF" "owned by uid"
chown root:root "$SF"; chmod 0777 "$T_DIR/enrol"
syslog_clear; t=$((t + 60))
run_at $t "$U" "$(code $t)"
expect_eq "system mode, world-writable directory: PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
check "system mode, directory: logged" logged "$T_DIR/enrol" "mode 0777"
chmod 0700 "$T_DIR/enrol"
mod_service

# --- Unsafe or malformed state.
ST=$(state_of "$U")
cp -p "$ST" "$T_DIR/goodstate"
case_state() { # DESCRIPTION LOG-REGEX
    syslog_clear
    t=$((t + 60))
    run_at $t "$U" "$(code $t)"
    expect_eq "$1: PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
    check "$1: syslog names the state file and why" logged "$ST" "$2"
    rm -rf "$ST"; cp -p "$T_DIR/goodstate" "$ST"
}
printf 'garbage\n' >"$ST"
case_state "state garbage" "line 1|garbage"
chmod 0666 "$ST"
case_state "state mode 0666" "mode 0666"
chown "$U" "$ST"
case_state "state owned by the user" "owned by uid"
mv "$ST" "$T_DIR/elsewhere"; ln -s "$T_DIR/elsewhere" "$ST"
case_state "state symlink" "symbolic link"
head -c 2097152 /dev/zero | tr '\0' '1' >"$ST"
case_state "state 2 MB" "bytes"
# A record of the earlier whole-file text form with a bad number: refused, naming the key.
record_text "$T_DIR/goodstate" | sed 's/^last_step = .*/last_step = 12x/' >"$ST"
case_state "state bad number" "last_step"
# Both slots of the two-slot record damaged (a byte of each header): refused, not read as fresh.
printf 'X' | dd of="$ST" bs=1 seek=9 conv=notrunc status=none
printf 'X' | dd of="$ST" bs=1 seek=$(($(stat -c %s "$ST") / 2 + 9)) conv=notrunc status=none
case_state "state with both slots damaged" "neither slot"
t=$((t + 60))
run_at $t "$U" "$(code $t)"
expect_eq "restored state: accepted again" "$RES" success

# --- Unusable state directories.
chmod 0777 "$STATE_DIR"
syslog_clear; t=$((t + 60))
run_at $t "$U" "$(code $t)"
expect_eq "state dir 0777: PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
check "state dir 0777: logged" logged "$STATE_DIR" "mode 0777"
chmod 0711 "$STATE_DIR"; chown "$U" "$STATE_DIR"
syslog_clear; t=$((t + 60))
run_at $t "$U" "$(code $t)"
expect_eq "state dir owned by a user: PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
check "state dir owned by a user: logged" logged "$STATE_DIR" "owned by uid"
chown root "$STATE_DIR"

# A directory root cannot write to: a read-only mount (or, where mounting is not allowed, an
# immutable directory).
RO="$T_DIR/ro"
mkdir -m 0711 "$RO"
if mount -t tmpfs -o ro,mode=0711,size=64k tmpfs "$RO" 2>/dev/null; then
    on_exit "umount $RO"
    how="read-only mount"
else
    chattr +i "$RO" || { fail "neither a read-only mount nor chattr +i is possible here"; finish; }
    on_exit "chattr -i $RO"
    how="immutable directory"
fi
mod_service "state_dir=$RO"
syslog_clear; t=$((t + 60))
run_at $t "$U" "$(code $t)"
expect_eq "unwritable state dir ($how): PAM_AUTHINFO_UNAVAIL" "$RES" $PAM_AUTHINFO_UNAVAIL
check "unwritable state dir: logged with the path" logged "$RO" "."
N=pttestn-$$
mod_user "$N"
run_at $t "$N"
expect_eq "unwritable state dir: a user not asked for MFA is not affected" "$RES" ignore
mod_stack "auth required $PT_MODULE config=$CONF state_dir=$T_DIR/file/state"
: >"$T_DIR/file"
run_at $t "$U" "$(code $t)"
expect_eq "state_dir below a regular file: PAM_AUTHINFO_UNAVAIL" "$RC" $PAM_AUTHINFO_UNAVAIL
finish
