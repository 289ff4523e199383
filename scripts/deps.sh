#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: SIPp (Debian
# sip-tester), libsrtp 2 (the SRTP interop peer) with pkg-config, spandsp
# and ffmpeg (the codec peers), openssl (the DTLS peer), Chromium with Node.js (the browser peer) and a
# C compiler
# from Debian, cargo-fuzz from crates.io.
# Without root it only reports what is missing.
set -euo pipefail
missing_pkgs=()
command -v sipp >/dev/null || missing_pkgs+=(sip-tester)
command -v cc >/dev/null || missing_pkgs+=(gcc libc6-dev)
[ -f /usr/include/srtp2/srtp.h ] || missing_pkgs+=(libsrtp2-dev)
[ -f /usr/include/spandsp/g722.h ] || missing_pkgs+=(libspandsp-dev)
command -v ffmpeg >/dev/null || missing_pkgs+=(ffmpeg)
command -v openssl >/dev/null || missing_pkgs+=(openssl)
command -v chromium >/dev/null || missing_pkgs+=(chromium)
command -v npm >/dev/null || missing_pkgs+=(nodejs npm)
command -v pkg-config >/dev/null || missing_pkgs+=(pkg-config)
if [ ${#missing_pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_pkgs[@]}" >/dev/null
    else
        echo "missing Debian packages: ${missing_pkgs[*]} (install them as root)" >&2
        exit 1
    fi
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
# playwright-core drives Chromium in tests/webrtc_chromium.rs.
if [ ! -d tests/webrtc/node_modules/playwright-core ] && command -v npm >/dev/null; then
    npm ci --prefix tests/webrtc --no-audit --no-fund >/dev/null
fi
