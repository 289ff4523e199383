#!/usr/bin/env bash
# Builds the C programs (examples/c/*.c, tests/c/*.c) against the static
# library and runs them: every test in tests/c must exit 0, and each example
# is run on the sample messages in tests/c/data with its exit status and
# output checked. The header is also compiled on its own as C and, when a
# C++ compiler exists, as C++.
#
# Called by scripts/test.sh after `cargo build --release`; it builds the
# library itself only when target/release/libmediaplane.a is missing.
# CC and CXX override the compilers; MP_VALGRIND=1 runs the tests under
# valgrind as well.
set -euo pipefail
cd "$(dirname "$0")/.."

CC=${CC:-cc}
CXX=${CXX:-c++}
CFLAGS=(-std=c11 -Wall -Wextra -Werror -Iinclude)
LIB=target/release/libmediaplane.a
# What `cargo rustc --release --lib --crate-type staticlib -- --print
# native-static-libs` prints for the Rust standard library on Linux (glibc).
NATIVE_LIBS=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)
OUT=target/c
DATA=tests/c/data

run() {
    printf '+ %s\n' "$*"
    "$@"
}

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# check WANT_STATUS PATTERN STDIN CMD...: runs CMD with STDIN (a file, or
# /dev/null), expects WANT_STATUS and, unless PATTERN is empty, PATTERN
# (fixed string) in its stdout or stderr.
check() {
    local want=$1 pattern=$2 input=$3
    shift 3
    local log="$OUT/last-run.txt" got=0
    if [ "$input" = /dev/null ]; then
        printf '+ %s  (expect exit %s)\n' "$*" "$want"
    else
        printf '+ %s < %s  (expect exit %s)\n' "$*" "$input" "$want"
    fi
    "$@" <"$input" >"$log" 2>&1 || got=$?
    if [ "$got" != "$want" ]; then
        cat "$log" >&2
        fail "$* exited $got, expected $want"
    fi
    if [ -n "$pattern" ] && ! grep -qF -- "$pattern" "$log"; then
        cat "$log" >&2
        fail "$* did not print '$pattern'"
    fi
}

if [ ! -f "$LIB" ]; then
    run cargo build --release
fi
mkdir -p "$OUT"

echo "== header alone"
printf '#include "mediaplane.h"\n' >"$OUT/header_only.c"
run "$CC" "${CFLAGS[@]}" -pedantic -fsyntax-only "$OUT/header_only.c"
if command -v "$CXX" >/dev/null; then
    run "$CXX" -x c++ -fsyntax-only -Wall -Wextra -Werror -Iinclude "$OUT/header_only.c"
else
    echo "skipped C++ check: $CXX not found"
fi

echo "== compile"
shopt -s nullglob
sources=(examples/c/*.c tests/c/*.c)
tests=(tests/c/*.c)
[ ${#sources[@]} -gt 0 ] || fail "no C sources in examples/c or tests/c"
for src in "${sources[@]}"; do
    run "$CC" "${CFLAGS[@]}" -o "$OUT/$(basename "$src" .c)" "$src" "$LIB" "${NATIVE_LIBS[@]}"
done

echo "== tests"
for src in "${tests[@]}"; do
    bin="$OUT/$(basename "$src" .c)"
    run "$bin" || fail "$bin exited $?"
    if [ "${MP_VALGRIND:-0}" = 1 ]; then
        command -v valgrind >/dev/null || fail "MP_VALGRIND=1 but valgrind is not installed"
        run valgrind -q --leak-check=full --error-exitcode=1 "$bin" ||
            fail "valgrind found errors in $bin"
    fi
done

echo "== examples"
dump="$OUT/sip_dump"
check 0 "usage:" /dev/null "$dump" --help
check 0 "validate: ok" /dev/null "$dump" "$DATA/invite.sip"
check 0 "To: Bob <sip:bob@example.com>;tag=t42" /dev/null "$dump" --to-tag t42 "$DATA/invite.sip"
check 0 "SIP/2.0 200 OK" "$DATA/invite.sip" "$dump"
check 0 "cseq: 314159 INVITE" "$DATA/invite.sip" "$dump" -
check 0 "response: 180 Ringing" /dev/null "$dump" "$DATA/ringing.sip"
check 0 "validate: protocol rule violated" /dev/null "$dump" "$DATA/bad-cseq.sip"
check 1 "parse error at offset" /dev/null "$dump" "$DATA/truncated-body.sip"
check 1 "parse error" /dev/null "$dump"
check 2 "cannot open" /dev/null "$dump" "$DATA/no-such-file.sip"
check 2 "unknown option" /dev/null "$dump" --bogus
check 2 "one input file" /dev/null "$dump" "$DATA/invite.sip" "$DATA/ringing.sip"
srtp="$OUT/srtp_roundtrip"
check 0 "usage:" /dev/null "$srtp" --help
check 0 "srtp_roundtrip: 6 of 6 profiles ok" /dev/null "$srtp"
check 0 "replayed: replayed packet" /dev/null "$srtp"
check 2 "unknown option" /dev/null "$srtp" --bogus
tf="$OUT/transcode_file"
tone="$OUT/tones-8k.raw"
# Two seconds of s16le at 8000 Hz: 440 Hz and a 1230 Hz tone swelling at
# 3 Hz, generated here so the input needs no committed binary.
perl -e 'my $p = 2 * 3.141592653589793 / 8000;
    print pack("s<*", map { int(9000 * sin($_ * $p * 440)
        + 4000 * sin($_ * $p * 1230) * (0.5 + 0.5 * sin($_ * $p * 3))) } 0 .. 15999)' >"$tone" ||
    fail "cannot generate $tone (perl)"
check 0 "usage:" /dev/null "$tf" --help
check 0 "pcmu out: 100 packets, 16000 samples" /dev/null "$tf" --min-snr 25 "$tone" "$OUT/tones-out.raw"
[ "$(wc -c <"$OUT/tones-out.raw")" -eq 32000 ] || fail "transcode_file wrote $(wc -c <"$OUT/tones-out.raw") bytes, expected 32000"
check 0 "g722 (60 ms): 34 packets" /dev/null "$tf" --ptime 60 --min-snr 25 "$tone" "$OUT/tones-out.raw"
check 0 "g722 (10 ms): 200 packets" /dev/null "$tf" --ptime 10 --min-snr 25 "$tone" "$OUT/tones-out.raw"
check 0 "pcmu in: 0 packets" /dev/null "$tf" /dev/null "$OUT/empty-out.raw"
check 1 "is under 90.0 dB" /dev/null "$tf" --min-snr 90 "$tone" "$OUT/tones-out.raw"
check 2 "cannot open" /dev/null "$tf" "$DATA/no-such-file.raw" "$OUT/tones-out.raw"
check 2 "--ptime must be" /dev/null "$tf" --ptime 25 "$tone" "$OUT/tones-out.raw"
check 2 "unknown option" /dev/null "$tf" --bogus "$tone" "$OUT/tones-out.raw"
check 2 "one input file and one output file" /dev/null "$tf" "$tone"

echo "C programs: all passed"
