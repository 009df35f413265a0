# Helpers for the module's tests through real libpam (sourced after lib.sh by test_module_*.sh).
#
#   mod_init                       checks root and tools; sets $H (the harness), $SECRET, $T0
#   mod_user NAME                  a real account (useradd -m), removed with userdel -r at exit
#   mod_conf LINE...               writes $T_DIR/pam_totp.conf (root, 0644)
#   mod_service [ARG...]           the service "pt-test" in $T_DIR/svc: pam_totp with
#                                  config= and state_dir= and ARGs, then markers telling apart
#                                  success (PT-RESULT=success) and ignore (PT-RESULT=ignore)
#   mod_plain [ARG...]             the service with pam_totp alone (auth required)
#   mod_stack LINE...              a service "pt-test" made of exactly these auth lines
#   run_at EPOCH USER [HARNESS-OPTION...] [ANSWER...]
#                                  one pam_authenticate at that moment; $OUT is the transcript,
#                                  $RC the PAM code and $RES "success", "ignore" or the code
#   enrol NAME [MODULE-ARG...]     an active enrolment with $SECRET; the backup codes in $BACKUP[@]
#   run_tok TOKEN EPOCH USER ...   run_at with PAM_AUTHTOK = TOKEN (stack starts with $SET_ITEMS_LINE)
#   code EPOCH [ALG [DIGITS [PERIOD]]]  the TOTP code of $SECRET at EPOCH (oathtool)
#   state_of NAME                  the user's runtime state file (kept by uid)

mod_init() {
    need_root
    local t
    for t in oathtool useradd userdel; do
        command -v "$t" >/dev/null || skip "$t missing: run scripts/test.sh (it installs the test packages)"
    done
    [ -f "$FAKETIME_LIB" ] || skip "libfaketime missing: install the faketime package"
    H="$PT_TOOLS/pt-pam_harness"
    SET_ITEMS=/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so
    [ -f "$SET_ITEMS" ] || skip "pam_set_items missing: install libpam-wrapper (scripts/test.sh does)"
    SET_ITEMS_LINE="auth optional $SET_ITEMS"
    MKENROL="$PT_TOOLS/pt-mkenrol"
    SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
    # 2026-01-01 00:00:05 UTC: 5 s into a 30 s step, so a run's ticking clock stays in the step.
    T0=1767225605
    STATE_DIR="$T_DIR/state"
    CONF="$T_DIR/pam_totp.conf"
    mkdir -p "$T_DIR/svc"
    mod_conf "mfa = optional"
}

mod_user() {
    local n=$1
    userdel -r "$n" >/dev/null 2>&1 || true
    useradd -m -s /bin/bash "$n"
    on_exit "userdel -r $n >/dev/null 2>&1"
}

mod_conf() {
    printf '%s\n' "$@" >"$CONF"
    chmod 0644 "$CONF"
}

mod_stack() {
    printf '%s\n' "$@" >"$T_DIR/svc/pt-test"
    printf 'account required pam_permit.so\n' >>"$T_DIR/svc/pt-test"
}

mod_service() {
    mod_stack "auth [success=1 ignore=2 default=die] $PT_MODULE config=$CONF state_dir=$STATE_DIR $*" \
        "auth requisite pam_deny.so" \
        "auth [default=done] pam_echo.so PT-RESULT=success" \
        "auth [default=done] pam_echo.so PT-RESULT=ignore"
}

# mod_plain [ARG...]: just "auth required pam_totp.so ..." (for PAM_SILENT, where the markers
# stay silent too).
mod_plain() { mod_stack "auth required $PT_MODULE config=$CONF state_dir=$STATE_DIR $*"; }

# mod_at EPOCH COMMAND...: lib.sh's `at` (which also preloads what the sanitizer build needs).
mod_at() { at "$@"; }

run_at() {
    local t=$1
    shift
    RC=0
    OUT=$(mod_at "$t" "$H" --confdir "$T_DIR/svc" "$@") || RC=$?
    if [ "$RC" = 0 ] && grep -q '^INFO: PT-RESULT=ignore$' <<<"$OUT"; then
        RES=ignore
    elif [ "$RC" = 0 ]; then
        RES=success
    else
        RES=$RC
    fi
}

enrol() {
    local n=$1
    shift
    mapfile -t BACKUP < <("$MKENROL" "$n" "$SECRET" "config=$CONF" "$@")
}

code() {
    oathtool -b --totp="${2:-sha1}" --digits="${3:-6}" --time-step-size="${4:-30}s" -N "@$1" "$SECRET"
}

# run_tok TOKEN EPOCH USER [ANSWER...]: like run_at with PAM_AUTHTOK preset to TOKEN by the
# stack's first module, pam_wrapper's pam_set_items (libpam refuses PAM_AUTHTOK from an
# application, so the harness's --authtok cannot do it). Use with mod_stack "$SET_ITEMS_LINE" ...
run_tok() {
    local tok=$1
    shift
    export PAM_AUTHTOK="$tok"
    run_at "$@"
    unset PAM_AUTHTOK
}

state_of() { printf '%s/uid:%s' "$STATE_DIR" "$(id -u "$1")"; }
# state_text USER: the text of USER's runtime-state record.
state_text() { record_text "$(state_of "$1")"; }

# PAM return codes (security/_pam_types.h)
PAM_SERVICE_ERR=3 PAM_AUTH_ERR=7 PAM_AUTHINFO_UNAVAIL=9 PAM_USER_UNKNOWN=10 PAM_CONV_ERR=19
PAM_IGNORE=25
