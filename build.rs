//! Generates `include/mediaplane.h` from `src/ffi/` with cbindgen.
//!
//! The header is committed; the test suite regenerates it (by building) and
//! fails when it differs from the committed copy. It is only rewritten when
//! its content changes, so an unchanged tree stays clean.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
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
