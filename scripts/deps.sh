# Sourced by demo.sh, test.sh and bench.sh: install whatever Debian packages are missing.
PT_BUILD_DEPS="cmake make gcc pkg-config libpam0g-dev libgcrypt20-dev libqrencode-dev libargon2-dev
  libldap-dev"
PT_TEST_DEPS="libcmocka-dev oathtool faketime openssh-server openssh-client zbar-tools qrencode
  libpam-wrapper pamtester mandoc clang libclang-rt-14-dev valgrind netpbm passwd procps util-linux
  jq iproute2 coreutils python3 slapd ldap-utils openssl"
PT_BENCH_DEPS="libpam-google-authenticator"

pt_install_deps() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing: ${missing[*]}" >&2
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
