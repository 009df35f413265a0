# The man pages: each one lint-clean under `mandoc -T lint -W warning` (any message fails), and
# complete: pam_totp.conf(5) documents every key of the configuration (DESIGN section 4), pam-totp(1)
# every subcommand and option (DESIGN section 6), pam_totp(8) every module argument and the
# sshd_config lines that make keyboard-interactive work.
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null || skip "mandoc missing: run scripts/test.sh (it installs the test packages)"
MAN="$PT_SOURCE_DIR/man"

log "lint"
pages=("$MAN"/*.[1-8])
check "there are man pages in man/" test -e "${pages[0]}"
for p in pam_totp.8 pam-totp.1 pam_totp.conf.5; do
    check "man/$p exists" test -f "$MAN/$p"
done
for p in "${pages[@]}"; do
    [ -f "$p" ] || continue
    rc=0
    out=$(mandoc -T lint -W warning "$p" 2>&1) || rc=$?
    if [ -z "$out" ] && [ "$rc" -eq 0 ]; then
        ok "$(basename "$p") is lint-clean"
    else
        fail "$(basename "$p") has lint messages (mandoc status $rc):"
        printf '%s\n' "$out" >&2
    fi
done

# The page as a reader sees it: rendered, overstrike (bold, underline) removed.
render() { mandoc -T ascii "$1" 2>/dev/null | sed 's/.\x08//g'; }

# documents PAGE WHAT WORD...: each WORD starts a line of the rendered page (a list item that
# defines it, not a passing mention).
documents() {
    local page=$1 what=$2 text w
    shift 2
    [ -f "$MAN/$page" ] || return 0
    text=$(render "$MAN/$page")
    for w in "$@"; do
        # A here-string, not a pipe: grep -q exits at the first match, and under pipefail the
        # writer's SIGPIPE would turn a match into a failure when the page is long.
        if grep -Eq -- "^[[:space:]]+$(printf '%s' "$w" | sed 's/[.[\*^$]/\\&/g')([[:space:]=,]|$)" <<<"$text"; then
            ok "$page defines $what $w"
        else
            fail "$page does not define $what '$w' (no list item starting with it)"
        fi
    done
}
# mentions PAGE WHAT STRING...: each STRING appears somewhere in the rendered page.
mentions() {
    local page=$1 what=$2 text s
    shift 2
    [ -f "$MAN/$page" ] || return 0
    text=$(render "$MAN/$page")
    for s in "$@"; do
        if grep -Fq -- "$s" <<<"$text"; then ok "$page mentions $what $s"; else fail "$page lacks $what '$s'"; fi
    done
}

log "pam_totp.conf(5): every key of DESIGN section 4"
documents pam_totp.conf.5 key mfa admin_groups require_groups exempt_users exempt_groups \
    enrol_grace_days enrol_at_login issuer label algorithm digits period window backup_codes \
    deny fail_interval unlock_time enrolment_file state_dir pending_ttl \
    require_users trusted_networks remember_host
mentions pam_totp.conf.5 value disabled optional required_for_admins required sha1 sha256 sha512 \
    '%h/.pam_totp' /var/lib/pam_totp

log "pam-totp(1): every subcommand and option of DESIGN section 6"
documents pam-totp.1 subcommand enrol status disable backup-codes reset unlock list migrate devices \
    remove-device
mentions pam-totp.1 option --begin --verify --json --force --qr --user --code --yes --without-mfa \
    --all --from --config --help --version --add --name
mentions pam-totp.1 "lost-phone step" "pam-totp remove-device phone" "pam-totp enrol --add --name new-phone"
mentions pam-totp.1 "exit status" "EXIT STATUS"

log "pam_totp(8): module arguments and the sshd setup"
documents pam_totp.8 argument config debug silent use_first_pass try_first_pass forward_pass
mentions pam_totp.8 "sshd_config line" "KbdInteractiveAuthentication yes" "UsePAM yes" "AuthenticationMethods"
mentions pam_totp.8 "stack" pam_unix.so pam_totp.so sudo login
mentions pam_totp.8 "remote host" PAM_RHOST "UseDNS yes" "Match Address" trusted_network remembered_host clock_skew timedatectl
mentions pam_totp.8 "return value" PAM_SUCCESS PAM_AUTH_ERR PAM_IGNORE PAM_AUTHINFO_UNAVAIL PAM_USER_UNKNOWN

finish
