#!/usr/bin/env bash
# Long fuzzing runs (the short corpus replays run in every ctest). Builds the libFuzzer targets
# of tests/fuzz/ with clang into build-fuzz and runs each for SECONDS, PT_FUZZ_JOBS at a time.
#
#   scripts/fuzz.sh [SECONDS] [NAME...]     default 60 s, every target (enrolment state config ...)
#   scripts/fuzz.sh --merge [NAME...]       minimise the grown corpus back into tests/fuzz/corpus/
#
# Each target starts from the committed seeds (tests/fuzz/corpus/NAME) and grows its own working
# corpus in build-fuzz/fuzz-corpus/NAME, kept between runs. Crashing inputs land in
# build-fuzz/fuzz-artifacts/NAME/. A summary (executions, corpus size, crashes) is printed at the
# end and written to build-fuzz/fuzz-summary.txt. Exit status 1 when any target found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
# shellcheck disable=SC2086
pt_install_deps $PT_BUILD_DEPS clang libclang-rt-14-dev

merge=0
if [ "${1:-}" = --merge ]; then
    merge=1
    shift
    secs=0
else
    secs=${1:-60}
    [ $# -gt 0 ] && shift
fi
case "$secs" in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, not '$secs'" >&2; exit 2 ;; esac

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c)
        names+=("${n#fuzz_}")
    done
fi
for n in "${names[@]}"; do
    [ -f "tests/fuzz/fuzz_$n.c" ] || { echo "fuzz.sh: no target tests/fuzz/fuzz_$n.c" >&2; exit 2; }
done

dir=build-fuzz
CC=clang cmake -S . -B "$dir" -DPT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j"$(nproc)" --target "${names[@]/#/fuzz_}"

# Longest input worth trying per target (the parsers' own caps are larger; size limits are
# covered by the seeds, and short inputs keep the fuzzer fast).
max_len() {
    case $1 in
        enrolment) echo 20000 ;;
        state) echo 20000 ;;
        config) echo 8192 ;;
        *) echo 1024 ;;
    esac
}

if [ "$merge" = 1 ]; then
    for n in "${names[@]}"; do
        seeds=tests/fuzz/corpus/$n
        grown=$dir/fuzz-corpus/$n
        mkdir -p "$grown"
        tmp=$(mktemp -d)
        "$dir/tests/fuzz/fuzz_$n" -merge=1 -max_len="$(max_len "$n")" "$tmp" "$seeds" "$grown" 2>"$dir/fuzz-merge-$n.log"
        rm -f "$seeds"/*
        cp "$tmp"/* "$seeds"/
        rm -rf "$tmp"
        echo "$n: $(find "$seeds" -type f | wc -l) inputs in $seeds"
    done
    exit 0
fi

jobs=${PT_FUZZ_JOBS:-$(nproc)}
run_one() {
    local n=$1 work=$dir/fuzz-corpus/$1 art=$dir/fuzz-artifacts/$1/
    mkdir -p "$work" "$art"
    "$dir/tests/fuzz/fuzz_$n" -max_total_time="$secs" -max_len="$(max_len "$n")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" \
        "$work" "tests/fuzz/corpus/$n" >"$dir/fuzz-$n.log" 2>&1 || true
}
pids=()
for n in "${names[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
    echo "fuzzing $n for $secs s"
    run_one "$n" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

found=0
{
    printf '%-10s %14s %10s %8s %s\n' target executions exec/s corpus crashes
    for n in "${names[@]}"; do
        log=$dir/fuzz-$n.log
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
        corpus=$(find "$dir/fuzz-corpus/$n" -type f | wc -l)
        crashes=$(find "$dir/fuzz-artifacts/$n" -type f | wc -l)
        [ "$crashes" -gt 0 ] && found=1
        printf '%-10s %14s %10s %8s %s\n' "$n" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes"
    done
} | tee "$dir/fuzz-summary.txt"
if [ "$found" = 1 ]; then
    echo "Crashing inputs are in $dir/fuzz-artifacts/; the logs are $dir/fuzz-NAME.log." >&2
    exit 1
fi
