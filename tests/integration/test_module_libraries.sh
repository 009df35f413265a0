# What a login maps: pam_totp.so links neither libargon2 nor libqrencode; a TOTP login loads
# neither (only libgcrypt and libpam's own); a backup-code login loads libargon2 on demand and
# works. Seen through the dynamic loader's own trace (LD_DEBUG=files) of a real libpam login.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module_lib.sh"
mod_init
U=ptlib-$$
mod_user "$U"
mod_service
enrol "$U"

needed=$(readelf -d "$PT_MODULE" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
expect_match "the module links libgcrypt" "$needed" 'libgcrypt'
expect_nomatch "the module does not link libargon2" "$needed" 'argon2'
expect_nomatch "the module does not link libqrencode" "$needed" 'qrencode'

# loaded EPOCH ANSWER: one login; $RC its PAM code, $libs the libraries the loader opened from
# the moment it opened pam_totp.so on (the harness's own libraries, opened at its start, do not
# count; under ASan every dlopen is the sanitizer's, so "loaded by" cannot tell) and $all every
# library it opened.
loaded() {
    local t=$1 answer=$2 trace=$T_DIR/ld.trace
    rm -f "$trace".*
    RC=0
    OUT=$(LD_DEBUG=files LD_DEBUG_OUTPUT=$trace mod_at "$t" "$H" --confdir "$T_DIR/svc" "$U" "$answer") || RC=$?
    all=$(cat "$trace".* | sed -n 's/.*file=\([^ ]*\).*/\1/p' | sort -u | tr '\n' ' ')
    libs=$(cat "$trace".* | sed -n 's/.*file=\([^ ]*\).*/\1/p' | sed -n '/pam_totp\.so$/,$p' |
        sort -u | tr '\n' ' ')
}
t=$T0
loaded $t "$(code $t)"
expect_eq "TOTP login accepted" "$RC" 0
expect_match "the trace saw the module loaded" "$all" 'pam_totp\.so'
expect_nomatch "a TOTP login does not load libargon2" "$libs" 'argon2'
expect_nomatch "a TOTP login does not load libqrencode" "$libs" 'qrencode'

t=$((T0 + 60))
loaded $t "${BACKUP[0]}"
expect_eq "backup-code login accepted" "$RC" 0
expect_match "a backup-code login loads libargon2 on demand" "$libs" 'libargon2\.so'
loaded $((t + 1)) "${BACKUP[0]}"
expect_eq "the used backup code is refused" "$RC" "$PAM_AUTH_ERR"
finish
