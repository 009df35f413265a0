# A private copy of the machine's sshd and PAM configuration, used through `unshare -m` and bind
# mounts (sourced after lib.sh): commands run with ns_run see the copies at the real paths, and
# nothing outside their mount namespace changes.
#
#   ns_init        the copies under $NS: Debian's stock sshd_config (/usr/share/openssh/sshd_config)
#                  with an empty sshd_config.d and fresh host keys; /etc/pam.d (without other
#                  tests' pt-* services); /etc/security with the shipped pam_totp.conf; the PAM
#                  module directory with the built module installed as pam_totp.so; an empty
#                  /var/lib and /root
#   ns_run CMD...  CMD with $NS/ssh at /etc/ssh, $NS/pam.d at /etc/pam.d, $NS/security at
#                  /etc/security, $NS/modules at the module directory, $NS/varlib at /var/lib and
#                  $NS/root at /root
#   ns_readme_block STEP   the fenced block after `<!-- README-STEP STEP -->` in README.md
#   ns_pam_after_include SERVICE TEXT   TEXT inserted after `@include common-auth` in the copy

NS_MODDIR=$(readlink -f /lib/x86_64-linux-gnu/security)

ns_init() {
    need_root
    command -v unshare >/dev/null || skip "unshare missing (util-linux)"
    [ -f /usr/share/openssh/sshd_config ] || skip "Debian's stock sshd_config missing (openssh-server)"
    NS="$T_DIR/ns"
    mkdir -p "$NS"/{ssh/sshd_config.d,pam.d,security,modules,varlib,root,kg/etc/ssh}
    chmod 0755 "$NS" "$NS"/{ssh,ssh/sshd_config.d,pam.d,security,modules,varlib}
    chmod 0700 "$NS/root"
    install -m 0644 /usr/share/openssh/sshd_config "$NS/ssh/sshd_config"
    [ -f /etc/ssh/moduli ] && install -m 0644 /etc/ssh/moduli "$NS/ssh/moduli"
    ssh-keygen -q -A -f "$NS/kg"
    mv "$NS"/kg/etc/ssh/ssh_host_* "$NS/ssh/"
    local f
    for f in /etc/pam.d/*; do
        case ${f##*/} in pt-*) continue ;; esac
        cp -a "$f" "$NS/pam.d/"
    done
    cp -a /etc/security/. "$NS/security/"
    install -m 0644 "$PT_SOURCE_DIR/pam_totp.conf" "$NS/security/pam_totp.conf"
    cp -a "$NS_MODDIR/." "$NS/modules/"
    install -m 0644 "$PT_MODULE" "$NS/modules/pam_totp.so"
}

ns_run() {
    unshare -m --propagation private bash -c '
        set -e
        N=$1 M=$2; shift 2
        mount --bind "$N/ssh" /etc/ssh
        mount --bind "$N/pam.d" /etc/pam.d
        mount --bind "$N/security" /etc/security
        mount --bind "$N/modules" "$M"
        mount --bind "$N/varlib" /var/lib
        mount --bind "$N/root" /root
        exec "$@"' ns-run "$NS" "$NS_MODDIR" "$@"
}

ns_readme_block() {
    awk -v step="<!-- README-STEP $1 -->" '
        $0 == step { found = 1; next }
        found == 1 && /^```/ { found = 2; next }
        found == 2 && /^```/ { exit }
        found == 2 { print }' "$PT_SOURCE_DIR/README.md"
}

ns_pam_after_include() {
    local f="$NS/pam.d/$1" text=$2
    grep -q '^@include common-auth' "$f" || { fail "$f has no @include common-auth line"; return 1; }
    TEXT=$text awk '{ print } /^@include common-auth/ && !done { print ENVIRON["TEXT"]; done = 1 }' \
        "$f" >"$f.new"
    chmod 0644 "$f.new"
    mv "$f.new" "$f"
}

# ns_readme_apply: the README's sshd, sudo and directory steps, applied literally to the copies.
ns_readme_apply() {
    ns_pam_after_include sshd "$(ns_readme_block "pam sshd")"
    ns_readme_block "file /etc/ssh/sshd_config.d/pam_totp.conf" >"$NS/ssh/sshd_config.d/pam_totp.conf"
    chmod 0644 "$NS/ssh/sshd_config.d/pam_totp.conf"
    ns_pam_after_include sudo "$(ns_readme_block "pam sudo")"
    ns_run bash -c "$(ns_readme_block run)"
}

# ns_save / ns_restore: a snapshot of the copies, to start each case from the same state.
ns_save() { rm -rf "$T_DIR/ns-saved"; cp -a "$NS" "$T_DIR/ns-saved"; }
ns_restore() {
    local d
    for d in ssh pam.d security varlib root; do
        rm -rf "${NS:?}/$d"
        cp -a "$T_DIR/ns-saved/$d" "$NS/$d"
    done
}
