#!/usr/bin/env bash
# Installs what the tests need, builds from clean, runs the whole ctest suite twice: the normal
# build and the ASan+UBSan build. Exit status: non-zero if anything failed (or, under CI=true,
# was skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
# shellcheck disable=SC2086
pt_install_deps $PT_BUILD_DEPS $PT_TEST_DEPS

jobs=$(nproc)
run_suite() {
    local dir=$1; shift
    rm -rf "$dir"
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900
}

echo "== normal build =="
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== sanitizer build (ASan+UBSan) =="
run_suite build-asan -DPT_SANITIZE=ON
echo "== all suites passed =="
