//! Checks shared by the fuzz targets.

#![allow(dead_code)]

use mediaplane::Error;

/// Asserts that `inner` lies within `outer` (same allocation, in bounds).
pub fn assert_within(outer: &[u8], inner: &[u8], what: &str) {
    let o = outer.as_ptr() as usize;
    let i = inner.as_ptr() as usize;
    // An empty slice may point anywhere (e.g. a static `&[]`).
    if inner.is_empty() {
        return;
    }
    assert!(
        i >= o && i + inner.len() <= o + outer.len(),
        "{what} is not a subslice of the input"
    );
}

/// Offset of `inner` in `outer`, which must contain it.
pub fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    assert_within(outer, inner, "slice");
    (inner.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize)
}

/// An error that concerns input bytes must point into the input (or at its
/// end, for "the input ended here"); `base` is where the input starts in the
/// offset space the parser was given.
pub fn assert_error_offset(e: &Error, base: usize, len: usize) {
    if let Some(off) = e.offset() {
        assert!(
            off >= base && off <= base + len,
            "error offset {off} outside the input [{base}, {}]: {e}",
            base + len
        );
    }
    // Display must not panic and must say something.
    assert!(!e.to_string().is_empty());
}
