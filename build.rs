//! Generates `include/mediaplane.h` from `src/ffi/` with cbindgen.
//!
//! The header is committed; the test suite regenerates it (by building) and
//! fails when it differs from the committed copy. It is only rewritten when
//! its content changes, so an unchanged tree stays clean.
//!
//! It also sets `cfg(have_libsrtp2)` when libsrtp 2 is installed (Debian
//! `libsrtp2-dev`), which turns on the libsrtp interop tests, and
//! `cfg(have_spandsp)` when spandsp is installed (Debian `libspandsp-dev`),
//! which turns on the G.711/G.722 differential tests. Only those
//! test targets link libsrtp2; the library never does. (The SRTP benchmark
//! measures libsrtp built against OpenSSL through the `srtp` crate, behind
//! the `bench-peers` feature.)

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
    detect_libsrtp2();
    detect_spandsp();
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let out = dir.join("include").join("mediaplane.h");
    // Only a development checkout (with src/ffi and the include directory)
    // regenerates the header; a packaged build uses the shipped one.
    if !dir.join("include").is_dir() {
        return;
    }
    let config = match cbindgen::Config::from_file(dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            println!("cargo:warning=cbindgen.toml: {e}");
            return;
        }
    };
    let bindings = match cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/ffi/mod.rs"))
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            println!("cargo:warning=cbindgen failed: {e}");
            return;
        }
    };
    let mut new = Vec::new();
    bindings.write(&mut new);
    let old = std::fs::read(&out).unwrap_or_default();
    if old != new {
        if let Err(e) = std::fs::write(&out, &new) {
            println!("cargo:warning=cannot write {}: {e}", out.display());
        }
    }
}

/// Emits `cfg(have_libsrtp2)` when the libsrtp 2 development files are
/// present: pkg-config knows `libsrtp2`, or the header is where Debian puts
/// it.
fn detect_libsrtp2() {
    println!("cargo::rustc-check-cfg=cfg(have_libsrtp2)");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    const HEADER: &str = "/usr/include/srtp2/srtp.h";
    let by_pkg_config = std::process::Command::new("pkg-config")
        .args(["--exists", "libsrtp2"])
        .status()
        .is_ok_and(|s| s.success());
    let by_header = std::path::Path::new(HEADER).is_file();
    if by_header {
        println!("cargo:rerun-if-changed={HEADER}");
    }
    if by_pkg_config || by_header {
        println!("cargo::rustc-cfg=have_libsrtp2");
    }
}

/// Emits `cfg(have_spandsp)` when the spandsp development files are present
/// (pkg-config knows `spandsp`, or Debian's G.722 header is there). Only the
/// codec tests (and the `bench-peers` codec bench) link spandsp.
fn detect_spandsp() {
    println!("cargo::rustc-check-cfg=cfg(have_spandsp)");
    const HEADER: &str = "/usr/include/spandsp/g722.h";
    let by_pkg_config = std::process::Command::new("pkg-config")
        .args(["--exists", "spandsp"])
        .status()
        .is_ok_and(|s| s.success());
    let by_header = std::path::Path::new(HEADER).is_file();
    if by_header {
        println!("cargo:rerun-if-changed={HEADER}");
    }
    if by_pkg_config || by_header {
        println!("cargo::rustc-cfg=have_spandsp");
    }
}
