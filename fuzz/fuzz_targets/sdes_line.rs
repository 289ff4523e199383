//! `CryptoAttribute::parse` on arbitrary bytes, and `mp_sdes_parse` /
//! `mp_sdes_format` on the same line.
//!
//! Checks that an accepted line survives `to_line` -> parse unchanged (and
//! `to_line` is then a fixed point), that the key material has the
//! profile's length and splits into master key and salt, that a context
//! can be made from it, that error offsets point into the input, and that
//! the C entry points agree with the Rust API.

#![no_main]

use core::ffi::c_char;
use std::ffi::CString;

use libfuzzer_sys::fuzz_target;
use mediaplane::ffi::mp_status;
use mediaplane::ffi::srtp::*;
use mediaplane::srtp::CryptoAttribute;

mod common;
use common::assert_error_offset;

fuzz_target!(|data: &[u8]| {
    let parsed = CryptoAttribute::parse(data);
    match &parsed {
        Ok(a) => {
            let p = a.profile();
            assert_eq!(a.key_salt().len(), p.master_key_len() + p.master_salt_len());
            assert_eq!([a.master_key(), a.master_salt()].concat(), a.key_salt());
            assert!(a.tag() <= mediaplane::srtp::MAX_TAG);
            assert_ne!(a.lifetime(), Some(0));
            assert!(a.window_size_hint().is_none_or(|w| w >= 64));

            let line = a.to_line();
            let b = CryptoAttribute::parse(line.as_bytes())
                .unwrap_or_else(|e| panic!("to_line output {line:?} does not parse: {e}"));
            assert_eq!(&b, a, "to_line -> parse changed the attribute: {line}");
            assert_eq!(b.to_line(), line);
            let crlf = CryptoAttribute::parse(format!("{line}\r\n").as_bytes());
            assert_eq!(crlf.as_ref(), Ok(a));
            a.context().expect("a context from a parsed attribute");
        }
        Err(e) => assert_error_offset(e, 0, data.len()),
    }

    // The C entry point sees the bytes up to a NUL.
    let Ok(c_line) = CString::new(data) else {
        return;
    };
    let mut out = core::mem::MaybeUninit::<mp_sdes_crypto>::uninit();
    // SAFETY: a NUL-terminated string and writable storage for the result.
    let st = unsafe { mp_sdes_parse(c_line.as_ptr(), out.as_mut_ptr()) };
    // SAFETY: mp_sdes_parse writes *out whatever the outcome (zeroed on
    // failure) once `out` is not NULL.
    let out = unsafe { out.assume_init() };
    let mut msg = [0 as c_char; 64];
    // SAFETY: as above, with a writable 64-byte message buffer.
    let st2 = unsafe { mp_sdes_check(c_line.as_ptr(), msg.as_mut_ptr(), msg.len()) };
    assert_eq!(st, st2);
    assert!(msg.contains(&0));
    match &parsed {
        Ok(a) => {
            assert_eq!(st, mp_status::MP_OK);
            assert_eq!(out.tag, a.tag());
            assert_eq!(&out.key_salt[..out.key_salt_len], a.key_salt());
            assert_eq!(msg[0], 0);
            let mut needed = 0usize;
            // SAFETY: a valid struct; a NULL buffer is a size query.
            let st = unsafe { mp_sdes_format(&out, core::ptr::null_mut(), 0, &mut needed) };
            assert_eq!(st, mp_status::MP_ERR_BUFFER_TOO_SMALL);
            let mut buf = vec![0 as c_char; needed].into_boxed_slice();
            // SAFETY: an exact-size buffer, so an overrun shows under ASan.
            let st = unsafe { mp_sdes_format(&out, buf.as_mut_ptr(), buf.len(), &mut needed) };
            assert_eq!(st, mp_status::MP_OK);
            let text: Vec<u8> = buf[..needed - 1].iter().map(|&c| c as u8).collect();
            assert_eq!(text, a.to_line().into_bytes());
            assert_eq!(buf[needed - 1], 0);
        }
        Err(e) => {
            assert_eq!(st, mp_status::from(e));
            assert_eq!(out.key_salt_len, 0);
            assert_eq!(out.key_salt, [0; MP_SDES_KEY_SALT_MAX]);
            assert_ne!(msg[0], 0);
        }
    }
});
