#!/usr/bin/env bash
# The whole test suite. Run from anywhere: `scripts/test.sh`.
# It installs what it needs when it can (as root on Debian), then runs:
# fmt, clippy -D warnings, cargo test, the header freshness check, the C
# programs, and a smoke run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "header freshness (build regenerates include/mediaplane.h)"
cp include/mediaplane.h target/mediaplane.h.committed 2>/dev/null || { mkdir -p target; cp include/mediaplane.h target/mediaplane.h.committed; }
cargo build --release
if ! cmp -s include/mediaplane.h target/mediaplane.h.committed; then
    diff -u target/mediaplane.h.committed include/mediaplane.h || true
    echo "include/mediaplane.h is stale: commit the regenerated header" >&2
    exit 1
fi
if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then
    git diff --exit-code -- include/mediaplane.h
fi

step "cargo doc (no warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet

step "C programs (examples/c, tests/c)"
scripts/test-c.sh

step "fuzz smoke"
scripts/fuzz-smoke.sh

step "cargo test"
cargo test --release
