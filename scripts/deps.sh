# Sourced by demo.sh, test.sh and bench.sh: install whatever Debian packages are missing.
PT_BUILD_DEPS="cmake make gcc pkg-config libpam0g-dev libgcrypt20-dev libqrencode-dev libargon2-dev
  libldap-dev"
PT_TEST_DEPS="libcmocka-dev oathtool faketime openssh-server openssh-client zbar-tools qrencode
  xvfb xterm imagemagick xdotool x11-utils fonts-dejavu-core keepassxc
  libpam-wrapper pamtester mandoc clang libclang-rt-14-dev valgrind netpbm passwd procps util-linux
  jq iproute2 coreutils python3 sudo python3-pyotp nodejs git dpkg-dev debhelper lintian fakeroot
  libpam-google-authenticator fail2ban slapd ldap-utils openssl strace"
# npm's otpauth reads the URIs back (installed with npm at test time). Debian's npm package; a
# Node.js from elsewhere that ships its own npm conflicts with it, so only when none is there.
command -v npm >/dev/null 2>&1 || PT_TEST_DEPS="$PT_TEST_DEPS npm"
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
