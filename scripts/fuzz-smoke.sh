#!/usr/bin/env bash
# Smoke run of every cargo-fuzz target in fuzz/: build them all in one
# `cargo fuzz build`, then run each for a bounded time from the seeds in
# fuzz/corpus_seed/<target>/ (copied to a temporary corpus, so the tree stays
# clean) and fail if any target crashes, times out or runs out of memory.
#
#   scripts/fuzz-smoke.sh                  # every target, ~45 s of fuzzing in all
#   FUZZ_SECONDS=120 scripts/fuzz-smoke.sh sip_framer
#
# Toolchain: libFuzzer instrumentation (-Zsanitizer, -Cpasses=sancov-module,
# --cfg fuzzing) needs nightly-only flags. Only stable Rust is available, so
# RUSTC_BOOTSTRAP=1 lets stable rustc accept them; it is set here, for this
# build only, never for the main crate. AddressSanitizer is tried first (it
# catches out-of-bounds writes through the C ABI's out-parameters and
# leaks); when the ASan build or the ASan runtime fails on this machine, the
# targets are rebuilt with `--sanitizer none`, which still catches panics,
# failed assertions and arithmetic overflow (debug assertions are on).
# A crash leaves its input in fuzz/artifacts/<target>/ (ignored by git) and
# is printed in hex; reproduce with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: run scripts/deps.sh (cargo install --locked cargo-fuzz)" >&2
    exit 1
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)
fi
# Time per target: FUZZ_SECONDS, or ~45 s of wall time shared by all the
# targets ($jobs at once), at least 10 s each.
seconds=${FUZZ_SECONDS:-$(( (45 * jobs + ${#targets[@]} - 1) / ${#targets[@]} ))}
[ "$seconds" -ge 10 ] || seconds=10
triple=$(rustc -vV | sed -n 's/^host: //p')
bindir=fuzz/target/$triple/release

# One build of every target, even when only some are run: cheaper than a
# cargo invocation per target.
build() {
    cargo fuzz build --fuzz-dir fuzz --release --debug-assertions --sanitizer "$1"
}

# A run on the empty input: fails when the sanitizer runtime cannot start
# here (or when the empty input crashes, which the fallback then reports).
probe() {
    local dir rc=0
    dir=$(mktemp -d)
    mkdir "$dir/corpus"
    "$bindir/${targets[0]}" -runs=1 "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
    [ "$rc" = 0 ] || tail -n 20 "$dir/log" >&2
    rm -rf "$dir"
    return "$rc"
}

start=$(date +%s)
sanitizer=address
if ! build address || ! probe; then
    echo "fuzz-smoke: the AddressSanitizer build does not work here; falling back to --sanitizer none" >&2
    sanitizer=none
    build none
fi
built=$(date +%s)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {
    local t=$1 corpus=$work/corpus/$1
    mkdir -p "$corpus" "fuzz/artifacts/$t"
    if [ -d "fuzz/corpus_seed/$t" ]; then
        cp fuzz/corpus_seed/"$t"/* "$corpus"/ 2>/dev/null || true
    fi
    # Whole messages from the RFC 4475 torture tests, when the tree has them.
    case $t in
        sip_message | ffi_sip_parse)
            if [ -d tests/data/rfc4475 ]; then
                cp tests/data/rfc4475/*.dat "$corpus"/ 2>/dev/null || true
            fi
            ;;
    esac
    # A dictionary of the tokens the grammar branches on: fuzz/<target>.dict,
    # or the SIP one for the SIP targets.
    local dict=()
    if [ -f "fuzz/$t.dict" ]; then
        dict=(-dict="fuzz/$t.dict")
    elif [[ $t == *sip* ]]; then
        dict=(-dict=fuzz/sip.dict)
    fi
    local rc=0
    "$bindir/$t" "$corpus" "${dict[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="fuzz/artifacts/$t/" \
        -print_final_stats=1 >"$work/$t.log" 2>&1 || rc=$?
    echo "$rc" >"$work/$t.rc"
}

# Run up to $jobs targets at once (each libFuzzer process is one thread).
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
wait

failed=()
for t in "${targets[@]}"; do
    if [ "$(cat "$work/$t.rc" 2>/dev/null)" = 0 ]; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
        printf 'fuzz-smoke: %-16s ok (%s runs in %ss)\n' "$t" "${runs:-?}" "$seconds"
    else
        failed+=("$t")
        printf '\nfuzz-smoke: %s FAILED\n' "$t" >&2
        grep -v -e '^"' -e '^#' "$work/$t.log" | tail -n 40 >&2
        for f in $(grep -o "fuzz/artifacts/$t/[A-Za-z0-9_.-]*" "$work/$t.log" | sort -u); do
            [ -f "$f" ] || continue
            printf 'input %s (%s bytes), hex:\n' "$f" "$(wc -c <"$f")" >&2
            od -An -tx1 -v "$f" | tr -d ' \n' | fold -w 64 >&2
            echo >&2
        done
    fi
done

end=$(date +%s)
echo "fuzz-smoke: sanitizer=$sanitizer, build $((built - start))s, fuzzing $((end - built))s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz-smoke: crashing targets: ${failed[*]}" >&2
    exit 1
fi
