//! `Uri::parse` on arbitrary bytes.
//!
//! Checks that a parsed URI keeps the whole input as `raw`, that every part
//! it hands out is a slice of the input, that the parameter and header
//! iterators terminate on anything that parsed, and that the `offset`
//! argument only shifts error offsets.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mediaplane::sip::{percent_decode, Host, Scheme, Uri};

mod common;
use common::{assert_error_offset, assert_within};

const BASE: usize = 1000;

fuzz_target!(|data: &[u8]| {
    let r0 = Uri::parse(data, 0);
    let rb = Uri::parse(data, BASE);
    let u = match (r0, rb) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "the offset argument changed the result");
            a
        }
        (Err(a), Err(b)) => {
            assert_error_offset(&a, 0, data.len());
            assert_error_offset(&b, BASE, data.len());
            assert_eq!(a.kind(), b.kind());
            assert_eq!(
                a.offset().map(|o| o + BASE),
                b.offset(),
                "the offset argument did not just shift the error offset"
            );
            return;
        }
        (a, b) => panic!("the offset argument changed the outcome: {a:?} vs {b:?}"),
    };

    assert_eq!(u.raw.as_bytes(), data);
    assert_eq!(u.raw.as_ptr(), data.as_ptr());
    assert_eq!(u.to_string(), u.raw);
    assert_eq!(u.is_sip(), matches!(u.scheme, Scheme::Sip | Scheme::Sips));
    if let Scheme::Other(s) = u.scheme {
        assert_within(data, s.as_bytes(), "scheme");
    }
    for part in [u.user, u.password, Some(u.params.as_str()), Some(u.headers)]
        .into_iter()
        .flatten()
    {
        assert_within(data, part.as_bytes(), "uri part");
        let _ = percent_decode(part.as_bytes());
    }
    match u.host {
        Some(Host::Name(n)) => {
            assert!(!n.is_empty());
            assert_within(data, n.as_bytes(), "host");
        }
        Some(Host::V6(_, t)) => assert_within(data, t.as_bytes(), "ipv6 host"),
        Some(Host::V4(_)) | None => {}
    }
    if let Some(h) = u.host {
        let _ = h.to_string();
    }

    let mut n = 0;
    for (name, value) in u.params.iter() {
        n += 1;
        assert!(n <= data.len(), "parameter iterator does not end");
        if !name.is_empty() {
            assert_within(data, name.as_bytes(), "param name");
        }
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            assert_within(data, v.as_bytes(), "param value");
        }
        assert!(u.params.contains(name) || name.is_empty());
    }
    assert_eq!(u.params.is_empty(), u.params.as_str().is_empty());
    for (name, value) in u.header_pairs() {
        assert_within(data, name.as_bytes(), "header name");
        assert_within(data, value.as_bytes(), "header value");
    }
    assert_eq!(u.transport(), u.params.get("transport").flatten());
    if let Some(t) = u.transport() {
        assert_within(data, t.as_bytes(), "transport");
    }
});
