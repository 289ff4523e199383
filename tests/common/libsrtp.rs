//! Hand-written declarations for the few libsrtp 2.x functions the interop
//! tests use, with `srtp_policy_t` laid out exactly as
//! `<srtp2/srtp.h>` of libsrtp 2.x declares it, and a small safe wrapper.
//!
//! Included with `#[path]` by tests/srtp_libsrtp.rs and
//! tests/srtp_vectors.rs; built only when build.rs found libsrtp2
//! (`cfg(have_libsrtp2)`), so a plain build never links it.

#![allow(dead_code, non_camel_case_types)]

use std::os::raw::{c_int, c_uint, c_ulong, c_void};
use std::sync::Once;

use mediaplane::srtp::Profile;

/// `srtp_crypto_policy_t`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct srtp_crypto_policy_t {
    pub cipher_type: u32,
    pub cipher_key_len: c_int,
    pub auth_type: u32,
    pub auth_key_len: c_int,
    pub auth_tag_len: c_int,
    /// `srtp_sec_serv_t` (a C enum: `int`).
    pub sec_serv: c_int,
}

/// `srtp_ssrc_t`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct srtp_ssrc_t {
    /// `srtp_ssrc_type_t`: 1 specific, 2 any inbound, 3 any outbound.
    pub type_: c_int,
    pub value: c_uint,
}

pub const SSRC_ANY_INBOUND: c_int = 2;
pub const SSRC_ANY_OUTBOUND: c_int = 3;

/// `srtp_policy_t` (libsrtp 2.x).
#[repr(C)]
pub struct srtp_policy_t {
    pub ssrc: srtp_ssrc_t,
    pub rtp: srtp_crypto_policy_t,
    pub rtcp: srtp_crypto_policy_t,
    pub key: *mut u8,
    pub keys: *mut *mut c_void,
    pub num_master_keys: c_ulong,
    pub deprecated_ekt: *mut c_void,
    pub window_size: c_ulong,
    pub allow_repeat_tx: c_int,
    pub enc_xtn_hdr: *mut c_int,
    pub enc_xtn_hdr_count: c_int,
    pub next: *mut srtp_policy_t,
}

/// Opaque `srtp_ctx_t`.
#[repr(C)]
pub struct srtp_ctx_t {
    _private: [u8; 0],
}

pub type srtp_t = *mut srtp_ctx_t;

/// `srtp_err_status_t` values the tests look at.
pub const OK: c_int = 0;
pub const BAD_PARAM: c_int = 2;
pub const AUTH_FAIL: c_int = 7;
pub const REPLAY_FAIL: c_int = 9;
pub const REPLAY_OLD: c_int = 10;
pub const PARSE_ERR: c_int = 21;

/// Room libsrtp may write after a packet (`SRTP_MAX_TRAILER_LEN`).
pub const MAX_TRAILER_LEN: usize = 16 + 128;

#[link(name = "srtp2")]
extern "C" {
    pub fn srtp_init() -> c_int;
    pub fn srtp_get_version_string() -> *const std::os::raw::c_char;
    pub fn srtp_create(session: *mut srtp_t, policy: *const srtp_policy_t) -> c_int;
    pub fn srtp_dealloc(session: srtp_t) -> c_int;
    pub fn srtp_protect(ctx: srtp_t, rtp_hdr: *mut c_void, len_ptr: *mut c_int) -> c_int;
    pub fn srtp_unprotect(ctx: srtp_t, srtp_hdr: *mut c_void, len_ptr: *mut c_int) -> c_int;
    pub fn srtp_protect_rtcp(ctx: srtp_t, rtcp_hdr: *mut c_void, len_ptr: *mut c_int) -> c_int;
    pub fn srtp_unprotect_rtcp(ctx: srtp_t, srtcp_hdr: *mut c_void, len_ptr: *mut c_int) -> c_int;
    pub fn srtp_set_stream_roc(session: srtp_t, ssrc: u32, roc: u32) -> c_int;
    pub fn srtp_crypto_policy_set_rtp_default(p: *mut srtp_crypto_policy_t);
    pub fn srtp_crypto_policy_set_rtcp_default(p: *mut srtp_crypto_policy_t);
    pub fn srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p: *mut srtp_crypto_policy_t);
    pub fn srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(p: *mut srtp_crypto_policy_t);
    pub fn srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(p: *mut srtp_crypto_policy_t);
    pub fn srtp_crypto_policy_set_aes_gcm_128_16_auth(p: *mut srtp_crypto_policy_t);
    pub fn srtp_crypto_policy_set_aes_gcm_256_16_auth(p: *mut srtp_crypto_policy_t);
}

/// `srtp_init`, once per process.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: srtp_init takes no arguments; `Once` keeps it to one call.
        let status = unsafe { srtp_init() };
        assert_eq!(status, OK, "srtp_init");
    });
}

/// The libsrtp version string, e.g. "libsrtp2 2.5.0".
pub fn version() -> String {
    init();
    // SAFETY: libsrtp returns a pointer to a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(srtp_get_version_string()) }
        .to_string_lossy()
        .into_owned()
}

/// The SRTP and SRTCP crypto policies libsrtp uses for `profile` (the
/// 32-bit-tag profiles keep an 80-bit SRTCP tag, RFC 4568 §6.2.1).
pub fn crypto_policies(profile: Profile) -> (srtp_crypto_policy_t, srtp_crypto_policy_t) {
    let mut rtp = srtp_crypto_policy_t::default();
    let mut rtcp = srtp_crypto_policy_t::default();
    // SAFETY: each setter only writes the struct it is given.
    unsafe {
        match profile {
            Profile::Aes128CmHmacSha1_80 => {
                srtp_crypto_policy_set_rtp_default(&mut rtp);
                srtp_crypto_policy_set_rtcp_default(&mut rtcp);
            }
            Profile::Aes128CmHmacSha1_32 => {
                srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&mut rtp);
                srtp_crypto_policy_set_rtcp_default(&mut rtcp);
            }
            Profile::Aes256CmHmacSha1_80 => {
                srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&mut rtp);
                srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&mut rtcp);
            }
            Profile::Aes256CmHmacSha1_32 => {
                srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&mut rtp);
                srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&mut rtcp);
            }
            Profile::AeadAes128Gcm => {
                srtp_crypto_policy_set_aes_gcm_128_16_auth(&mut rtp);
                srtp_crypto_policy_set_aes_gcm_128_16_auth(&mut rtcp);
            }
            Profile::AeadAes256Gcm => {
                srtp_crypto_policy_set_aes_gcm_256_16_auth(&mut rtp);
                srtp_crypto_policy_set_aes_gcm_256_16_auth(&mut rtcp);
            }
            _ => panic!("no libsrtp policy for {profile}"),
        }
    }
    (rtp, rtcp)
}

/// Which way a libsrtp session works: libsrtp keys a wildcard-SSRC
/// session for one direction only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Outbound,
    Inbound,
}

/// One libsrtp session (`srtp_t`) for one direction, any SSRC.
pub struct Session {
    ctx: srtp_t,
    // libsrtp copies the key at srtp_create; kept only for the lifetime
    // guarantees being obvious.
    _key: Vec<u8>,
}

impl Session {
    /// A session for `profile` with `master_key || master_salt`.
    /// `window_size` 0 means libsrtp's default (128); `allow_repeat_tx`
    /// lets the same index be protected and unprotected again (for
    /// benchmarks that re-feed one packet).
    pub fn new(
        profile: Profile,
        master_key: &[u8],
        master_salt: &[u8],
        direction: Direction,
        window_size: u64,
        allow_repeat_tx: bool,
    ) -> Session {
        init();
        let (rtp, rtcp) = crypto_policies(profile);
        let mut key = [master_key, master_salt].concat();
        let policy = srtp_policy_t {
            ssrc: srtp_ssrc_t {
                type_: match direction {
                    Direction::Outbound => SSRC_ANY_OUTBOUND,
                    Direction::Inbound => SSRC_ANY_INBOUND,
                },
                value: 0,
            },
            rtp,
            rtcp,
            key: key.as_mut_ptr(),
            keys: std::ptr::null_mut(),
            num_master_keys: 0,
            deprecated_ekt: std::ptr::null_mut(),
            window_size: window_size as c_ulong,
            allow_repeat_tx: c_int::from(allow_repeat_tx),
            enc_xtn_hdr: std::ptr::null_mut(),
            enc_xtn_hdr_count: 0,
            next: std::ptr::null_mut(),
        };
        let mut ctx: srtp_t = std::ptr::null_mut();
        // SAFETY: `policy` and the key it points to outlive the call;
        // libsrtp copies what it keeps.
        let status = unsafe { srtp_create(&mut ctx, &policy) };
        assert_eq!(status, OK, "srtp_create for {profile}");
        assert!(!ctx.is_null());
        Session { ctx, _key: key }
    }

    /// `srtp_protect` of `buf[..len]` in place; `buf` must have
    /// [`MAX_TRAILER_LEN`] bytes of room after `len`. Returns the status
    /// and the new length.
    pub fn protect(&mut self, buf: &mut [u8], len: usize) -> Result<usize, c_int> {
        self.call(buf, len, srtp_protect, MAX_TRAILER_LEN)
    }

    /// `srtp_unprotect` of `buf` in place.
    pub fn unprotect(&mut self, buf: &mut [u8]) -> Result<usize, c_int> {
        let len = buf.len();
        self.call(buf, len, srtp_unprotect, 0)
    }

    /// `srtp_protect_rtcp` of `buf[..len]` in place.
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, c_int> {
        self.call(buf, len, srtp_protect_rtcp, MAX_TRAILER_LEN + 4)
    }

    /// `srtp_unprotect_rtcp` of `buf` in place.
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8]) -> Result<usize, c_int> {
        let len = buf.len();
        self.call(buf, len, srtp_unprotect_rtcp, 0)
    }

    #[inline]
    fn call(
        &mut self,
        buf: &mut [u8],
        len: usize,
        f: unsafe extern "C" fn(srtp_t, *mut c_void, *mut c_int) -> c_int,
        room: usize,
    ) -> Result<usize, c_int> {
        assert!(len + room <= buf.len(), "buffer lacks room for libsrtp");
        let mut n = c_int::try_from(len).expect("packet length fits an int");
        // SAFETY: `buf` is valid for `len + room` bytes, which is all
        // libsrtp reads or writes for a packet of `len` bytes.
        let status = unsafe { f(self.ctx, buf.as_mut_ptr().cast(), &mut n) };
        if status == OK {
            Ok(usize::try_from(n).expect("libsrtp returned a negative length"))
        } else {
            Err(status)
        }
    }

    /// `srtp_set_stream_roc`.
    pub fn set_roc(&mut self, ssrc: u32, roc: u32) -> Result<(), c_int> {
        // SAFETY: plain values on a live session.
        match unsafe { srtp_set_stream_roc(self.ctx, ssrc, roc) } {
            OK => Ok(()),
            e => Err(e),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: `ctx` came from srtp_create and is freed once.
        unsafe {
            srtp_dealloc(self.ctx);
        }
    }
}
