//! `Message::parse` on arbitrary datagrams.
//!
//! Besides "no panic", checks that every slice the view hands out points
//! into the input, that error offsets point into the input, that the typed
//! accessors agree with each other, and that a message which validates
//! survives `MessageBuilder::from_message` -> serialize -> parse unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mediaplane::sip::{HeaderName, Limits, Message, MessageBuilder, StartLine, HEADER_CAPACITY};
use mediaplane::ErrorKind;

mod common;
use common::{assert_error_offset, assert_within, offset_in};

fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fuzz_target!(|data: &[u8]| {
    let m = match Message::parse(data) {
        Ok(m) => m,
        Err(e) => {
            assert_error_offset(&e, 0, data.len());
            return;
        }
    };
    check_view(data, &m);
    check_truncated(data, &m);
    let validated = m.validate();
    if let Err(e) = &validated {
        assert_error_offset(e, 0, data.len());
        return;
    }
    check_validated(data, &m);
    check_rebuild(&m);
});

/// Every accessor, and what must hold between them.
fn check_view(data: &[u8], m: &Message<'_>) {
    assert!(m.len() <= data.len());
    assert_eq!(m.as_bytes().as_ptr(), data.as_ptr());
    let body = m.body();
    assert_within(data, body, "body");
    if !body.is_empty() {
        assert_eq!(offset_in(data, body), m.body_offset());
    }
    assert_eq!(m.body_offset() + body.len(), m.len());
    match m.content_length() {
        Some(cl) => assert_eq!(cl, body.len(), "body is not Content-Length bytes"),
        None => assert_eq!(
            m.len(),
            data.len(),
            "without Content-Length the body must run to the end"
        ),
    }

    // start line
    assert_eq!(m.is_request(), m.method().is_some());
    assert_eq!(m.is_request(), m.request_uri().is_some());
    assert_eq!(m.is_request(), m.uri().is_some());
    assert_eq!(m.is_request(), m.status().is_none());
    assert_eq!(m.is_request(), m.reason().is_none());
    assert_within(data, m.version().as_bytes(), "version");
    match *m.start_line() {
        StartLine::Request { method, uri, .. } => {
            assert!(!method.as_str().is_empty());
            assert!(!uri.is_empty());
            assert_within(data, uri.as_bytes(), "request-uri");
            match m.uri() {
                Some(Ok(u)) => assert_eq!(u.raw, uri),
                Some(Err(e)) => assert_error_offset(&e, 0, data.len()),
                None => unreachable!(),
            }
        }
        StartLine::Response { status, reason, .. } => {
            assert!((100..=699).contains(&status));
            assert_within(data, reason.as_bytes(), "reason");
        }
    }

    // header table
    let n = m.header_count();
    assert!(n <= HEADER_CAPACITY);
    assert_eq!(m.headers().count(), n);
    assert!(m.header_index(n).is_none());
    for (i, h) in m.headers().enumerate() {
        assert_eq!(m.header_index(i), Some(h));
        assert!(!h.raw_name.is_empty());
        assert_within(data, h.raw_name, "header name");
        assert_within(data, h.value, "header value");
        assert!(h.offset <= m.body_offset());
        assert_eq!(data.get(h.offset..h.offset + h.value.len()), Some(h.value));
        assert!(
            h.value.first().is_none_or(|&b| !is_lws(b)),
            "value not trimmed"
        );
        assert!(
            h.value.last().is_none_or(|&b| !is_lws(b)),
            "value not trimmed"
        );
        assert_eq!(HeaderName::classify(h.raw_name), h.name);
        assert!(
            m.headers_by_name(h.raw_name).any(|x| x.offset == h.offset),
            "headers_by_name does not find its own header"
        );
        if h.name != HeaderName::Other {
            assert!(m.headers_named(h.name).any(|x| x.offset == h.offset));
        }
        for (v, off) in h.split_commas() {
            assert_within(data, v, "comma-split element");
            assert!(off <= h.offset + h.value.len());
        }
    }

    // typed accessors: any result, but slices into the input and offsets
    // within it
    let len = data.len();
    for v in m.vias() {
        match v {
            Ok(v) => {
                assert_within(data, v.transport.as_bytes(), "via transport");
                let _ = (
                    v.branch(),
                    v.received(),
                    v.rport(),
                    v.maddr(),
                    v.ttl(),
                    v.is_rfc3261_branch(),
                );
                let _ = v.params.iter().count();
                let _ = v.host.to_string();
            }
            Err(e) => assert_error_offset(&e, 0, len),
        }
    }
    assert_eq!(
        m.top_via().is_ok(),
        m.vias().next().is_some_and(|v| v.is_ok())
    );
    for na in [m.from(), m.to()] {
        match na {
            Ok(na) => {
                assert_within(data, na.uri.raw.as_bytes(), "address uri");
                let _ = (
                    na.tag(),
                    na.display_name_unquoted(),
                    na.params.iter().count(),
                );
            }
            Err(e) => assert_error_offset(&e, 0, len),
        }
    }
    match m.call_id() {
        Ok(c) => {
            assert!(!c.is_empty());
            assert_within(data, c.as_bytes(), "call-id");
        }
        Err(e) => assert_error_offset(&e, 0, len),
    }
    match m.cseq() {
        Ok(c) => assert!(c.seq < 1 << 31),
        Err(e) => assert_error_offset(&e, 0, len),
    }
    for c in m.contacts() {
        match c {
            Ok(c) => {
                let _ = (c.expires(), c.addr().map(|a| a.uri.raw));
            }
            Err(e) => assert_error_offset(&e, 0, len),
        }
    }
    for r in m.routes().chain(m.record_routes()) {
        match r {
            Ok(r) => assert_within(data, r.uri.raw.as_bytes(), "route uri"),
            Err(e) => assert_error_offset(&e, 0, len),
        }
    }
    match m.content_type() {
        Ok(Some(t)) => {
            let _ = (t.is("application", "sdp"), t.params.iter().count());
        }
        Ok(None) => assert!(m.header(HeaderName::ContentType).is_none()),
        Err(e) => assert_error_offset(&e, 0, len),
    }
    match m.expires() {
        Ok(x) => assert_eq!(x.is_some(), m.header(HeaderName::Expires).is_some()),
        Err(e) => assert_error_offset(&e, 0, len),
    }
    match m.max_forwards() {
        Ok(x) => assert_eq!(x.is_some(), m.header(HeaderName::MaxForwards).is_some()),
        Err(e) => assert_error_offset(&e, 0, len),
    }
    let _ = format!("{m:?}");
}

/// Datagram bytes past Content-Length are dropped, so cutting them off must
/// not change the message.
fn check_truncated(data: &[u8], m: &Message<'_>) {
    let Some(short) = data.get(..m.len()) else {
        panic!("len() past the input");
    };
    let t = Message::parse(short).expect("the message without its trailing bytes does not parse");
    assert_eq!(t.start_line(), m.start_line());
    assert_eq!(t.header_count(), m.header_count());
    assert!(t.headers().eq(m.headers()));
    assert_eq!(t.body(), m.body());
}

/// What validation promises: the mandatory headers decode.
fn check_validated(data: &[u8], m: &Message<'_>) {
    assert!(m.version().eq_ignore_ascii_case("SIP/2.0"));
    assert!(m.from().is_ok() && m.to().is_ok() && m.call_id().is_ok() && m.cseq().is_ok());
    assert!(m.top_via().is_ok());
    assert!(m.vias().all(|v| v.is_ok()));
    assert!(m.contacts().all(|c| c.is_ok()));
    assert!(m.routes().all(|r| r.is_ok()));
    assert!(m.record_routes().all(|r| r.is_ok()));
    assert!(m.max_forwards().is_ok() && m.expires().is_ok() && m.content_type().is_ok());
    if let Some(method) = m.method() {
        assert_eq!(m.cseq().ok().map(|c| c.method), Some(method));
        assert!(matches!(m.uri(), Some(Ok(_))));
    }
    if !m.body().is_empty() {
        assert!(matches!(m.content_type(), Ok(Some(_))));
    }
    assert!(m.headers_named(HeaderName::ContentLength).count() <= 1);
    let _ = data;
}

/// from_message -> serialize -> parse keeps the start line, every header
/// field (Content-Length is dropped and written again from the body) and the
/// body.
fn check_rebuild(m: &Message<'_>) {
    let bytes = MessageBuilder::from_message(m).to_bytes();
    let kept: Vec<_> = m
        .headers()
        .filter(|h| h.name != HeaderName::ContentLength)
        .map(|h| (h.raw_name, h.value))
        .collect();
    let limits = Limits::default();
    if bytes.len() > limits.max_message_size {
        return;
    }
    let r = match Message::parse(&bytes) {
        Ok(r) => r,
        // The rebuild may legitimately cross a limit the original was just
        // under: one more header field when the original had no
        // Content-Length, or a line grown by the ": " the serializer writes.
        Err(e) if e.kind() == ErrorKind::Limit && over_limits(&bytes, &kept, &limits) => return,
        Err(e) => panic!(
            "rebuilt message does not parse: {e}\noriginal: {:?}\nrebuilt: {:?}",
            String::from_utf8_lossy(m.as_bytes()),
            String::from_utf8_lossy(&bytes)
        ),
    };
    assert_eq!(r.method(), m.method());
    assert_eq!(r.request_uri(), m.request_uri());
    assert_eq!(r.status(), m.status());
    assert_eq!(r.reason(), m.reason());
    assert_eq!(r.call_id().ok(), m.call_id().ok());
    assert_eq!(r.cseq().ok(), m.cseq().ok());
    assert_eq!(
        r.header_count(),
        kept.len() + 1,
        "header count after rebuild"
    );
    let rebuilt: Vec<_> = r
        .headers()
        .filter(|h| h.name != HeaderName::ContentLength)
        .map(|h| (h.raw_name, h.value))
        .collect();
    assert_eq!(rebuilt, kept, "header fields changed in the rebuild");
    assert_eq!(r.content_length(), Some(m.body().len()));
    assert_eq!(r.body(), m.body());
    if let Err(e) = r.validate() {
        panic!(
            "rebuilt message no longer validates: {e}\noriginal: {:?}\nrebuilt: {:?}",
            String::from_utf8_lossy(m.as_bytes()),
            String::from_utf8_lossy(&bytes)
        );
    }
}

fn over_limits(bytes: &[u8], kept: &[(&[u8], &[u8])], limits: &Limits) -> bool {
    let start_line = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    kept.len() + 1 > limits.max_headers
        || start_line.len() > limits.max_line_length
        || kept
            .iter()
            .any(|(n, v)| n.len() + 2 + v.len() > limits.max_line_length)
}
