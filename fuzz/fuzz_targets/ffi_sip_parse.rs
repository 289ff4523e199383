//! The C entry points of the SIP message layer, called the way a C host
//! calls them.
//!
//! Checks that no call panics (a caught panic would come back as
//! `MP_ERR_PANIC`), that every NULL argument is refused with
//! `MP_ERR_NULL_POINTER`, that the C view agrees byte for byte with the Rust
//! view of the same input, and that the size-query protocol of
//! `mp_sip_response_build` never writes past the caller's buffer (the
//! buffers are exact-size heap blocks, so AddressSanitizer sees an overrun).

#![no_main]

use core::ffi::{c_char, CStr};
use core::ptr::{null, null_mut};

use libfuzzer_sys::fuzz_target;
use mediaplane::ffi::sip::*;
use mediaplane::ffi::{mp_slice, mp_status, mp_status_str};
use mediaplane::sip::{Message, MessageBuilder};

use mp_status::*;

fn empty_slice() -> mp_slice {
    mp_slice {
        ptr: null(),
        len: 0,
    }
}

/// The bytes of a slice the library handed out.
fn bytes_of<'a>(s: mp_slice) -> &'a [u8] {
    if s.len == 0 {
        return &[];
    }
    assert!(!s.ptr.is_null(), "non-empty slice with a NULL pointer");
    // SAFETY: the library promises `len` readable bytes at `ptr` while the
    // message lives; the caller uses the result before freeing it.
    unsafe { core::slice::from_raw_parts(s.ptr, s.len) }
}

fn new_error() -> mp_sip_parse_error {
    mp_sip_parse_error {
        status: MP_OK,
        offset: 0,
        message: [0; 160],
    }
}

fn check_status(st: mp_status) {
    assert_ne!(st, MP_ERR_PANIC, "a panic was caught at the C boundary");
    // SAFETY: mp_status_str returns a static NUL-terminated string.
    let text = unsafe { CStr::from_ptr(mp_status_str(st)) };
    assert!(!text.to_bytes().is_empty());
}

fuzz_target!(|data: &[u8]| {
    null_arguments(data);

    let rust = Message::parse(data);
    let mut msg: *mut mp_sip_message = null_mut();
    let mut err = new_error();
    // SAFETY: `data` is readable for its length; `msg` and `err` are
    // writable.
    let st = unsafe { mp_sip_message_parse(data.as_ptr(), data.len(), &mut msg, &mut err) };
    check_status(st);
    let m = match rust {
        Ok(m) => {
            assert_eq!(st, MP_OK, "C parse failed where Rust parse succeeded");
            assert!(!msg.is_null());
            m
        }
        Err(e) => {
            assert_eq!(
                st,
                mp_status::from(&e),
                "C status differs from the Rust error"
            );
            assert!(msg.is_null(), "*out not NULL after a failed parse");
            assert_eq!(err.status, st);
            assert_eq!(err.offset, e.offset().unwrap_or(usize::MAX));
            assert!(err.offset == usize::MAX || err.offset <= data.len());
            assert_eq!(err.message[159], 0, "error text not NUL-terminated");
            // SAFETY: NUL-terminated, checked above.
            let text = unsafe { CStr::from_ptr(err.message.as_ptr()) };
            assert!(!text.to_bytes().is_empty());
            return;
        }
    };
    // SAFETY: `msg` was made by mp_sip_message_parse and is freed once,
    // below, after its last use.
    unsafe {
        accessors(msg, &m);
        mp_sip_message_free(msg);
    }
});

/// Every accessor, compared with the Rust view `m` of the same bytes.
unsafe fn accessors(msg: *mut mp_sip_message, m: &Message<'_>) {
    unsafe {
        let mut is_req = false;
        assert_eq!(mp_sip_message_is_request(msg, &mut is_req), MP_OK);
        assert_eq!(is_req, m.is_request());

        let mut count = 0usize;
        assert_eq!(mp_sip_message_header_count(msg, &mut count), MP_OK);
        assert_eq!(count, m.header_count());
        for i in 0..count {
            let (mut name, mut value) = (empty_slice(), empty_slice());
            assert_eq!(
                mp_sip_message_header_at(msg, i, &mut name, &mut value),
                MP_OK
            );
            let h = m.header_index(i).expect("header index in range");
            assert_eq!(bytes_of(name), h.raw_name);
            assert_eq!(bytes_of(value), h.value);
            assert_eq!(
                mp_sip_message_header_at(msg, i, null_mut(), null_mut()),
                MP_OK
            );

            // canonical name of what was written
            let mut cname = h.raw_name.to_vec();
            cname.push(0);
            let canon = mp_sip_header_canonical_name(cname.as_ptr().cast());
            if !canon.is_null() {
                assert!(!CStr::from_ptr(canon).to_bytes().is_empty());
            }
        }
        let mut name = empty_slice();
        assert_eq!(
            mp_sip_message_header_at(msg, count, &mut name, null_mut()),
            MP_ERR_NOT_FOUND
        );

        for (cname, rname) in [
            (c"Via", &b"Via"[..]),
            (c"v", b"v"),
            (c"X-Unknown", b"X-Unknown"),
        ] {
            let expected: Vec<&[u8]> = m.headers_by_name(rname).map(|h| h.value).collect();
            for (i, want) in expected.iter().enumerate() {
                let mut out = empty_slice();
                assert_eq!(
                    mp_sip_message_header(msg, cname.as_ptr(), i, &mut out),
                    MP_OK
                );
                assert_eq!(bytes_of(out), *want);

                // header_copy: size query, then an exact buffer
                let mut needed = 0usize;
                let st =
                    mp_sip_message_header_copy(msg, cname.as_ptr(), i, null_mut(), 0, &mut needed);
                assert_eq!(st, MP_ERR_BUFFER_TOO_SMALL);
                assert_eq!(needed, want.len() + 1);
                let mut buf = vec![0 as c_char; needed].into_boxed_slice();
                let st = mp_sip_message_header_copy(
                    msg,
                    cname.as_ptr(),
                    i,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut needed,
                );
                assert_eq!(st, MP_OK);
                assert_eq!(buf[want.len()], 0);
            }
            let mut out = empty_slice();
            assert_eq!(
                mp_sip_message_header(msg, cname.as_ptr(), expected.len(), &mut out),
                MP_ERR_NOT_FOUND
            );
        }

        let mut method = empty_slice();
        let st = mp_sip_message_method(msg, &mut method);
        match m.method() {
            Some(me) => {
                assert_eq!(st, MP_OK);
                assert_eq!(bytes_of(method), me.as_str().as_bytes());
            }
            None => assert_eq!(st, MP_ERR_NOT_FOUND),
        }
        let mut uri = empty_slice();
        let st = mp_sip_message_request_uri(msg, &mut uri);
        match m.request_uri() {
            Some(u) => {
                assert_eq!(st, MP_OK);
                assert_eq!(bytes_of(uri), u.as_bytes());
            }
            None => assert_eq!(st, MP_ERR_NOT_FOUND),
        }
        let (mut code, mut reason) = (0u16, empty_slice());
        let st = mp_sip_message_status(msg, &mut code, &mut reason);
        match m.status() {
            Some(s) => {
                assert_eq!(st, MP_OK);
                assert_eq!(code, s);
                assert_eq!(bytes_of(reason), m.reason().unwrap_or("").as_bytes());
                assert_eq!(mp_sip_message_status(msg, &mut code, null_mut()), MP_OK);
            }
            None => assert_eq!(st, MP_ERR_NOT_FOUND),
        }

        let mut body = empty_slice();
        assert_eq!(mp_sip_message_body(msg, &mut body), MP_OK);
        assert_eq!(bytes_of(body), m.body());

        let mut cid = empty_slice();
        let st = mp_sip_message_call_id(msg, &mut cid);
        check_status(st);
        match m.call_id() {
            Ok(c) => {
                assert_eq!(st, MP_OK);
                assert_eq!(bytes_of(cid), c.as_bytes());
            }
            Err(e) => {
                assert_eq!(st, mp_status::from(&e));
                assert_eq!(last_error(msg), e.to_string());
            }
        }
        let (mut seq, mut cmethod) = (0u32, empty_slice());
        let st = mp_sip_message_cseq(msg, &mut seq, &mut cmethod);
        check_status(st);
        match m.cseq() {
            Ok(c) => {
                assert_eq!(st, MP_OK);
                assert_eq!(seq, c.seq);
                assert_eq!(bytes_of(cmethod), c.method.as_str().as_bytes());
                assert_eq!(mp_sip_message_cseq(msg, &mut seq, null_mut()), MP_OK);
            }
            Err(e) => {
                assert_eq!(st, mp_status::from(&e));
                assert_eq!(last_error(msg), e.to_string());
            }
        }

        let st = mp_sip_message_validate(msg);
        check_status(st);
        match m.validate() {
            Ok(()) => assert_eq!(st, MP_OK),
            Err(e) => {
                assert_eq!(st, mp_status::from(&e));
                assert_eq!(last_error(msg), e.to_string());
            }
        }

        response_build(msg, m);
    }
}

fn last_error(msg: *const mp_sip_message) -> String {
    // SAFETY: a live message; the text is valid until the next call on it.
    let p = unsafe { mp_sip_message_last_error(msg) };
    assert!(!p.is_null());
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// The size-query protocol: too small a buffer reports the size, which then
/// suffices; the output is what the Rust builder makes.
unsafe fn response_build(msg: *const mp_sip_message, m: &Message<'_>) {
    for (status, reason, tag) in [
        (200u16, null(), c"fuzztag".as_ptr()),
        (100, c"Trying".as_ptr(), null()),
        (486, null(), null()),
    ] {
        let expected = MessageBuilder::response_to(
            m,
            status,
            (!reason.is_null()).then(|| unsafe { CStr::from_ptr(reason) }.to_str().unwrap_or("")),
            (!tag.is_null()).then(|| unsafe { CStr::from_ptr(tag) }.to_str().unwrap_or("")),
        )
        .map(|b| b.to_bytes());

        let mut small = vec![0u8; 8].into_boxed_slice();
        let mut written = 0usize;
        let st = unsafe {
            mp_sip_response_build(
                msg,
                status,
                reason,
                tag,
                small.as_mut_ptr(),
                small.len(),
                &mut written,
            )
        };
        check_status(st);
        let want = match expected {
            Ok(w) => w,
            Err(e) => {
                assert_eq!(st, mp_status::from(&e));
                continue;
            }
        };
        assert_eq!(st, MP_ERR_BUFFER_TOO_SMALL, "a response fit in 8 bytes");
        assert_eq!(written, want.len());
        let mut exact = vec![0u8; written].into_boxed_slice();
        let mut written2 = 0usize;
        let st = unsafe {
            mp_sip_response_build(
                msg,
                status,
                reason,
                tag,
                exact.as_mut_ptr(),
                exact.len(),
                &mut written2,
            )
        };
        assert_eq!(st, MP_OK);
        assert_eq!(written2, written);
        assert_eq!(&exact[..], &want[..]);
        let r = Message::parse(&exact).expect("built response does not parse");
        assert_eq!(r.status(), Some(status));

        // NULL output buffer is a size query too
        let st = unsafe {
            mp_sip_response_build(msg, status, reason, tag, null_mut(), 0, &mut written2)
        };
        assert_eq!(st, MP_ERR_BUFFER_TOO_SMALL);
        assert_eq!(written2, want.len());
    }
}

/// Every entry point refuses NULL where a pointer is required.
fn null_arguments(data: &[u8]) {
    unsafe {
        let mut msg: *mut mp_sip_message = null_mut();
        let mut err = new_error();
        if !data.is_empty() {
            assert_eq!(
                mp_sip_message_parse(null(), data.len(), &mut msg, &mut err),
                MP_ERR_NULL_POINTER
            );
            assert!(msg.is_null());
            assert_eq!(err.status, MP_ERR_NULL_POINTER);
        }
        assert_eq!(
            mp_sip_message_parse(data.as_ptr(), data.len(), null_mut(), &mut err),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_message_parse(data.as_ptr(), data.len(), null_mut(), null_mut()),
            MP_ERR_NULL_POINTER
        );
        // NULL data with length 0 is an empty input, not a NULL error
        assert_eq!(
            mp_sip_message_parse(null(), 0, &mut msg, null_mut()),
            MP_ERR_INCOMPLETE
        );
        assert!(msg.is_null());

        let nm: *mut mp_sip_message = null_mut();
        let mut s = empty_slice();
        let mut s2 = empty_slice();
        let mut n = 0usize;
        let mut b = false;
        let mut code = 0u16;
        let mut seq = 0u32;
        assert_eq!(mp_sip_message_is_request(nm, &mut b), MP_ERR_NULL_POINTER);
        assert_eq!(mp_sip_message_header_count(nm, &mut n), MP_ERR_NULL_POINTER);
        assert_eq!(
            mp_sip_message_header_at(nm, 0, &mut s, &mut s2),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_message_header(nm, c"Via".as_ptr(), 0, &mut s),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(mp_sip_message_method(nm, &mut s), MP_ERR_NULL_POINTER);
        assert_eq!(mp_sip_message_request_uri(nm, &mut s), MP_ERR_NULL_POINTER);
        assert_eq!(
            mp_sip_message_status(nm, &mut code, &mut s),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(mp_sip_message_body(nm, &mut s), MP_ERR_NULL_POINTER);
        assert_eq!(mp_sip_message_call_id(nm, &mut s), MP_ERR_NULL_POINTER);
        assert_eq!(
            mp_sip_message_cseq(nm, &mut seq, &mut s),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(mp_sip_message_validate(nm), MP_ERR_NULL_POINTER);
        assert!(mp_sip_message_last_error(nm).is_null());
        assert_eq!(
            mp_sip_response_build(nm, 200, null(), null(), null_mut(), 0, &mut n),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_message_header_copy(nm, c"Via".as_ptr(), 0, null_mut(), 0, &mut n),
            MP_ERR_NULL_POINTER
        );
        assert!(mp_sip_header_canonical_name(null()).is_null());
        mp_sip_message_free(null_mut());

        // NULL out-parameters on a live message
        let ok = b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
        assert_eq!(
            mp_sip_message_parse(ok.as_ptr(), ok.len(), &mut msg, null_mut()),
            MP_OK
        );
        assert!(!msg.is_null());
        assert_eq!(
            mp_sip_message_is_request(msg, null_mut()),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_message_header_count(msg, null_mut()),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_message_header(msg, null(), 0, &mut s),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_message_header(msg, c"Via".as_ptr(), 0, null_mut()),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(mp_sip_message_method(msg, null_mut()), MP_ERR_NULL_POINTER);
        assert_eq!(
            mp_sip_message_request_uri(msg, null_mut()),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_message_status(msg, null_mut(), null_mut()),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(mp_sip_message_body(msg, null_mut()), MP_ERR_NULL_POINTER);
        assert_eq!(mp_sip_message_call_id(msg, null_mut()), MP_ERR_NULL_POINTER);
        assert_eq!(
            mp_sip_message_cseq(msg, null_mut(), null_mut()),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_response_build(msg, 200, null(), null(), null_mut(), 0, null_mut()),
            MP_ERR_NULL_POINTER
        );
        assert_eq!(
            mp_sip_message_header_copy(msg, null(), 0, null_mut(), 0, &mut n),
            MP_ERR_NULL_POINTER
        );
        mp_sip_message_free(msg);
    }
}
