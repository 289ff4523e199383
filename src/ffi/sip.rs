//! C ABI of the SIP message layer.
//!
//! An `mp_sip_message` owns a copy of the bytes it was parsed from; every
//! `mp_slice` it hands out points into that copy and stays valid until
//! `mp_sip_message_free`. A message may be moved between threads; it must
//! not be used from two threads at once (calls record a last-error text in
//! the object).

use core::ffi::c_char;
use std::ffi::CString;

use super::{bytes, c_str, check_ptr, copy_out_cstr, ffi_boundary, mp_slice, mp_status, write};
use crate::error::Error;
use crate::sip::{HeaderName, Message, MessageBuilder};

/// A parsed SIP message (opaque).
pub struct mp_sip_message {
    // `msg` borrows from the heap block of `data`, which never moves or
    // changes while the object lives; `msg` is declared first so it is
    // dropped first.
    msg: Message<'static>,
    #[allow(dead_code)]
    data: Box<[u8]>,
    last_error: CString,
}

impl mp_sip_message {
    fn record(&mut self, e: &Error) {
        self.last_error = CString::new(e.to_string()).unwrap_or_default();
    }

    /// Passes `r` through, keeping its error's text as the last error.
    fn recorded<T>(&mut self, r: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &r {
            self.record(e);
        }
        r
    }
}

/// Why a parse failed, filled in by `mp_sip_message_parse`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mp_sip_parse_error {
    /// The status also returned.
    pub status: mp_status,
    /// Byte offset of the problem in the input, or `SIZE_MAX` when it has
    /// none.
    pub offset: usize,
    /// The error text, NUL-terminated (truncated to fit).
    pub message: [c_char; 160],
}

fn fill_error(err: *mut mp_sip_parse_error, e: &Error) {
    if err.is_null() {
        return;
    }
    let text = e.to_string();
    let mut message = [0 as c_char; 160];
    for (d, s) in message.iter_mut().zip(text.bytes().take(159)) {
        *d = s as c_char;
    }
    let v = mp_sip_parse_error {
        status: mp_status::from(e),
        offset: e.offset().unwrap_or(usize::MAX),
        message,
    };
    // SAFETY: checked non-NULL; the caller passes writable storage.
    unsafe { write(err, v) };
}

unsafe fn msg_ref<'a>(m: *const mp_sip_message) -> Result<&'a mp_sip_message, Error> {
    check_ptr!(m, "message");
    // SAFETY: non-NULL and, per the contract, made by mp_sip_message_parse
    // and not yet freed.
    Ok(unsafe { &*m })
}

/// Parses one SIP message from a datagram (`len` bytes at `data`, copied)
/// with the default limits. On success `*out` receives a new message the
/// caller frees with `mp_sip_message_free`; on failure `*out` is set to NULL
/// and, when `err` is not NULL, `*err` says what and where.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_parse(
    data: *const u8,
    len: usize,
    out: *mut *mut mp_sip_message,
    err: *mut mp_sip_parse_error,
) -> mp_status {
    let status = ffi_boundary!({
        check_ptr!(out, "out");
        // SAFETY: checked non-NULL.
        unsafe { write(out, core::ptr::null_mut()) };
        let input = unsafe { bytes(data, len, "data") }.inspect_err(|e| fill_error(err, e))?;
        let owned: Box<[u8]> = input.into();
        // SAFETY: the slice points into the boxed bytes, which live as long
        // as the object and are never mutated or moved (a Box's heap block
        // stays put when the Box moves).
        let view: &'static [u8] =
            unsafe { core::slice::from_raw_parts(owned.as_ptr(), owned.len()) };
        let msg = match Message::parse(view) {
            Ok(m) => m,
            Err(e) => {
                fill_error(err, &e);
                return Err(e);
            }
        };
        let obj = Box::new(mp_sip_message {
            msg,
            data: owned,
            last_error: CString::default(),
        });
        // SAFETY: checked non-NULL.
        unsafe { write(out, Box::into_raw(obj)) };
        Ok(())
    });
    if status == mp_status::MP_ERR_PANIC || status == mp_status::MP_ERR_NULL_POINTER {
        fill_error(
            err,
            &if status == mp_status::MP_ERR_PANIC {
                Error::Panic
            } else {
                Error::NullPointer("argument")
            },
        );
    }
    status
}

/// Frees a message; NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_free(msg: *mut mp_sip_message) {
    if msg.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: made by Box::into_raw in mp_sip_message_parse and not yet
        // freed, per the contract.
        drop(unsafe { Box::from_raw(msg) });
    });
}

/// Applies the strict checks of an edge device (every known header decoded,
/// mandatory headers, CSeq method, ...). `MP_OK` or the first problem; its
/// text is then available from `mp_sip_message_last_error`.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_validate(msg: *mut mp_sip_message) -> mp_status {
    ffi_boundary!({
        check_ptr!(msg, "message");
        // SAFETY: non-NULL, valid per the contract, not shared across threads.
        let m = unsafe { &mut *msg };
        let r = m.msg.validate();
        m.recorded(r)
    })
}

/// The text of the last error a call on this message recorded, or "" if
/// none; valid until the next call on the message. NULL for a NULL message.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_last_error(msg: *const mp_sip_message) -> *const c_char {
    match unsafe { msg_ref(msg) } {
        Ok(m) => m.last_error.as_ptr(),
        Err(_) => core::ptr::null(),
    }
}

/// Writes whether the message is a request (true) or a response (false).
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_is_request(
    msg: *const mp_sip_message,
    out: *mut bool,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        check_ptr!(out, "out");
        unsafe { write(out, m.msg.is_request()) };
        Ok(())
    })
}

/// The method of a request; `MP_ERR_NOT_FOUND` for a response.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_method(
    msg: *const mp_sip_message,
    out: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        check_ptr!(out, "out");
        let method = m
            .msg
            .method()
            .ok_or(Error::NotFound("method of a response"))?;
        let s = match method {
            crate::sip::Method::Other(s) => s.as_bytes(),
            other => other.as_str().as_bytes(),
        };
        unsafe { write(out, mp_slice::of(s)) };
        Ok(())
    })
}

/// The raw Request-URI of a request; `MP_ERR_NOT_FOUND` for a response.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_request_uri(
    msg: *const mp_sip_message,
    out: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        check_ptr!(out, "out");
        let u = m
            .msg
            .request_uri()
            .ok_or(Error::NotFound("request-uri of a response"))?;
        unsafe { write(out, mp_slice::of(u.as_bytes())) };
        Ok(())
    })
}

/// The status code and reason phrase of a response (`reason` may be NULL);
/// `MP_ERR_NOT_FOUND` for a request.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_status(
    msg: *const mp_sip_message,
    status: *mut u16,
    reason: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        check_ptr!(status, "status");
        let code = m
            .msg
            .status()
            .ok_or(Error::NotFound("status of a request"))?;
        unsafe { write(status, code) };
        if !reason.is_null() {
            let r = m.msg.reason().unwrap_or("");
            unsafe { write(reason, mp_slice::of(r.as_bytes())) };
        }
        Ok(())
    })
}

/// The number of header fields (after unfolding).
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_header_count(
    msg: *const mp_sip_message,
    out: *mut usize,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        check_ptr!(out, "out");
        unsafe { write(out, m.msg.header_count()) };
        Ok(())
    })
}

/// The `index`-th header field overall (0-based): its name as written and
/// its value (trimmed; a folded value keeps its line breaks). Either out
/// pointer may be NULL. `MP_ERR_NOT_FOUND` past the end.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_header_at(
    msg: *const mp_sip_message,
    index: usize,
    name: *mut mp_slice,
    value: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        let h = m
            .msg
            .header_index(index)
            .ok_or(Error::NotFound("header index"))?;
        if !name.is_null() {
            unsafe { write(name, mp_slice::of(h.raw_name)) };
        }
        if !value.is_null() {
            unsafe { write(value, mp_slice::of(h.value)) };
        }
        Ok(())
    })
}

/// The value of the `index`-th header field named `name` (NUL-terminated,
/// case-insensitive; a long or compact form finds both, so "Via" finds `v:`
/// lines). `MP_ERR_NOT_FOUND` when there is no such field.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_header(
    msg: *const mp_sip_message,
    name: *const c_char,
    index: usize,
    out: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        let name = unsafe { c_str(name, "name") }?;
        check_ptr!(out, "out");
        let h = m
            .msg
            .headers_by_name(name.as_bytes())
            .nth(index)
            .ok_or(Error::NotFound("header"))?;
        unsafe { write(out, mp_slice::of(h.value)) };
        Ok(())
    })
}

/// The body (Content-Length bytes; may be empty).
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_body(
    msg: *const mp_sip_message,
    out: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        check_ptr!(out, "out");
        unsafe { write(out, mp_slice::of(m.msg.body())) };
        Ok(())
    })
}

/// The decoded Call-ID.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_call_id(
    msg: *mut mp_sip_message,
    out: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(msg, "message");
        check_ptr!(out, "out");
        // SAFETY: non-NULL, valid per the contract.
        let m = unsafe { &mut *msg };
        let r = m.msg.call_id();
        let c = m.recorded(r)?;
        unsafe { write(out, mp_slice::of(c.as_bytes())) };
        Ok(())
    })
}

/// The decoded CSeq: number and method (`method` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_cseq(
    msg: *mut mp_sip_message,
    seq: *mut u32,
    method: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(msg, "message");
        check_ptr!(seq, "seq");
        // SAFETY: non-NULL, valid per the contract.
        let m = unsafe { &mut *msg };
        let r = m.msg.cseq();
        let c = m.recorded(r)?;
        unsafe { write(seq, c.seq) };
        if !method.is_null() {
            unsafe { write(method, mp_slice::of(c.method.as_str().as_bytes())) };
        }
        Ok(())
    })
}

/// Builds the response to request `req` per RFC 3261 §8.2.6 (Via, From,
/// To, Call-ID, CSeq copied; `to_tag` added to To when it has none and the
/// status is not 100) into the caller's buffer `out` of `out_len` bytes.
/// `reason` NULL takes the standard phrase; `to_tag` may be NULL. `*written`
/// receives the length; when the buffer is too small the call returns
/// `MP_ERR_BUFFER_TOO_SMALL` and `*written` the size needed.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_response_build(
    req: *const mp_sip_message,
    status: u16,
    reason: *const c_char,
    to_tag: *const c_char,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(req) }?;
        check_ptr!(written, "written");
        let reason = if reason.is_null() {
            None
        } else {
            Some(unsafe { c_str(reason, "reason") }?)
        };
        let tag = if to_tag.is_null() {
            None
        } else {
            Some(unsafe { c_str(to_tag, "to_tag") }?)
        };
        let bytes = MessageBuilder::response_to(&m.msg, status, reason, tag)?.to_bytes();
        unsafe { write(written, bytes.len()) };
        if out.is_null() || out_len < bytes.len() {
            return Err(Error::BufferTooSmall {
                needed: bytes.len(),
            });
        }
        // SAFETY: `out` has `out_len >= bytes.len()` writable bytes.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len()) };
        Ok(())
    })
}

/// Copies the `index`-th value of header `name` into `out` as a
/// NUL-terminated string; `*needed` (may be NULL) receives the size
/// including the NUL; `MP_ERR_BUFFER_TOO_SMALL` when `out_len` is less.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_message_header_copy(
    msg: *const mp_sip_message,
    name: *const c_char,
    index: usize,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> mp_status {
    ffi_boundary!({
        let m = unsafe { msg_ref(msg) }?;
        let name = unsafe { c_str(name, "name") }?;
        let h = m
            .msg
            .headers_by_name(name.as_bytes())
            .nth(index)
            .ok_or(Error::NotFound("header"))?;
        unsafe { copy_out_cstr(h.value, out, out_len, needed) }
    })
}

/// Resolves a header name (long or compact, any case) to its canonical
/// spelling as a static NUL-terminated string, or NULL when the name is not
/// one this library knows.
#[no_mangle]
pub unsafe extern "C" fn mp_sip_header_canonical_name(name: *const c_char) -> *const c_char {
    let r = std::panic::catch_unwind(|| {
        let n = unsafe { c_str(name, "name") }.ok()?;
        let h = HeaderName::classify(n.as_bytes());
        if h == HeaderName::Other {
            return None;
        }
        canonical_cstr(h)
    });
    r.ok().flatten().unwrap_or(core::ptr::null())
}

fn canonical_cstr(h: HeaderName) -> Option<*const c_char> {
    Some(h.as_c_str().as_ptr())
}
