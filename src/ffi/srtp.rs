//! C ABI of SRTP/SRTCP contexts and SDES (`a=crypto`) keys.
//!
//! An `mp_srtp_context` is made by `mp_srtp_context_new` or
//! `mp_srtp_context_new_from_sdes`, belongs to the caller and is released
//! with `mp_srtp_context_free`. It holds the session keys and the per-SSRC
//! state (rollover counters, replay windows, SRTCP indices); packets are
//! protected and unprotected in place in the caller's buffer, and nothing is
//! allocated per packet. Every call on a context changes it, so a context
//! may be moved to another thread but must not be used from two threads at
//! once without a lock; contexts do not share state with each other, so
//! one context per direction or per stream needs no locking at all.
//!
//! Profiles are `mp_srtp_profile` integers rather than a C enum so that any
//! value a C caller passes is defined behaviour: an unknown one is refused
//! with `MP_ERR_INVALID_ARGUMENT`. `mp_sdes_crypto` is plain data owned by
//! the caller. Functions that take no context are thread-safe.

use core::ffi::c_char;
use core::fmt::Write as _;

use super::{bytes, c_str, check_ptr, copy_out_cstr, ffi_boundary, mp_status, write};
use crate::error::{Error, Result};
use crate::srtp::{CryptoAttribute, FecOrder, Profile, SrtpContext, MAX_KEY_SALT_LEN};

/// A protection profile, one of the `MP_SRTP_*` constants. The values of
/// the profiles DTLS-SRTP knows are their RFC 5764 / RFC 7714 protection
/// profile identifiers (and libsrtp's `srtp_profile_t` values).
pub type mp_srtp_profile = u32;

/// AES-128 counter mode, HMAC-SHA1 80-bit tag (RFC 3711, RFC 4568).
pub const MP_SRTP_AES_CM_128_HMAC_SHA1_80: mp_srtp_profile = 0x0001;
/// AES-128 counter mode, HMAC-SHA1 32-bit SRTP tag (SRTCP keeps 80 bits).
pub const MP_SRTP_AES_CM_128_HMAC_SHA1_32: mp_srtp_profile = 0x0002;
/// AES-128 GCM with a 16-byte tag (RFC 7714).
pub const MP_SRTP_AEAD_AES_128_GCM: mp_srtp_profile = 0x0007;
/// AES-256 GCM with a 16-byte tag (RFC 7714).
pub const MP_SRTP_AEAD_AES_256_GCM: mp_srtp_profile = 0x0008;
/// AES-256 counter mode, HMAC-SHA1 80-bit tag (RFC 6188; no DTLS-SRTP
/// identifier).
pub const MP_SRTP_AES_256_CM_HMAC_SHA1_80: mp_srtp_profile = 0x0101;
/// AES-256 counter mode, HMAC-SHA1 32-bit SRTP tag (RFC 6188; no DTLS-SRTP
/// identifier).
pub const MP_SRTP_AES_256_CM_HMAC_SHA1_32: mp_srtp_profile = 0x0102;

/// The size of `mp_sdes_crypto.key_salt`: the longest master key followed
/// by master salt (AES-256 counter mode, 32 + 14 bytes).
pub const MP_SDES_KEY_SALT_MAX: usize = 46;

/// A buffer of this many bytes holds any line `mp_sdes_format` writes,
/// with its NUL.
pub const MP_SDES_LINE_MAX: usize = 192;

/// `mp_sdes_crypto.fec_order`: no `FEC_ORDER` parameter.
pub const MP_SDES_FEC_ORDER_NONE: u32 = 0;
/// `mp_sdes_crypto.fec_order`: `FEC_ORDER=FEC_SRTP`.
pub const MP_SDES_FEC_ORDER_FEC_SRTP: u32 = 1;
/// `mp_sdes_crypto.fec_order`: `FEC_ORDER=SRTP_FEC`.
pub const MP_SDES_FEC_ORDER_SRTP_FEC: u32 = 2;

const _: () = assert!(MP_SDES_KEY_SALT_MAX == MAX_KEY_SALT_LEN);

fn profile_of(p: mp_srtp_profile) -> Result<Profile> {
    Ok(match p {
        MP_SRTP_AES_CM_128_HMAC_SHA1_80 => Profile::Aes128CmHmacSha1_80,
        MP_SRTP_AES_CM_128_HMAC_SHA1_32 => Profile::Aes128CmHmacSha1_32,
        MP_SRTP_AES_256_CM_HMAC_SHA1_80 => Profile::Aes256CmHmacSha1_80,
        MP_SRTP_AES_256_CM_HMAC_SHA1_32 => Profile::Aes256CmHmacSha1_32,
        MP_SRTP_AEAD_AES_128_GCM => Profile::AeadAes128Gcm,
        MP_SRTP_AEAD_AES_256_GCM => Profile::AeadAes256Gcm,
        _ => return Err(Error::InvalidArgument("unknown mp_srtp_profile value")),
    })
}

fn profile_value(p: Profile) -> mp_srtp_profile {
    match p {
        Profile::Aes128CmHmacSha1_80 => MP_SRTP_AES_CM_128_HMAC_SHA1_80,
        Profile::Aes128CmHmacSha1_32 => MP_SRTP_AES_CM_128_HMAC_SHA1_32,
        Profile::Aes256CmHmacSha1_80 => MP_SRTP_AES_256_CM_HMAC_SHA1_80,
        Profile::Aes256CmHmacSha1_32 => MP_SRTP_AES_256_CM_HMAC_SHA1_32,
        Profile::AeadAes128Gcm => MP_SRTP_AEAD_AES_128_GCM,
        Profile::AeadAes256Gcm => MP_SRTP_AEAD_AES_256_GCM,
    }
}

/// An SRTP/SRTCP context for one master key (opaque).
pub struct mp_srtp_context {
    ctx: SrtpContext,
    /// NUL-terminated text of the last error, written without allocating.
    last_error: [u8; 192],
}

impl mp_srtp_context {
    fn new(ctx: SrtpContext) -> Box<Self> {
        Box::new(mp_srtp_context {
            ctx,
            last_error: [0; 192],
        })
    }

    fn record(&mut self, e: &Error) {
        let mut w = FixedWriter {
            buf: &mut self.last_error,
            len: 0,
        };
        let _ = write!(w, "{e}");
        let end = w.len;
        if let Some(b) = self.last_error.get_mut(end) {
            *b = 0;
        }
    }
}

/// Writes text into a fixed buffer, truncating and always leaving room for
/// the NUL.
struct FixedWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl core::fmt::Write for FixedWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len().saturating_sub(1 + self.len);
        let n = s.len().min(room);
        if let Some(dst) = self.buf.get_mut(self.len..self.len + n) {
            dst.copy_from_slice(s.as_bytes().get(..n).unwrap_or_default());
            self.len += n;
        }
        Ok(())
    }
}

/// One SDES `a=crypto` attribute as plain data (RFC 4568).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mp_sdes_crypto {
    /// The tag, 0..=999999999.
    pub tag: u32,
    /// The crypto-suite, one of the `MP_SRTP_*` constants.
    pub profile: mp_srtp_profile,
    /// Master key followed by master salt; `key_salt_len` bytes are used.
    pub key_salt: [u8; MP_SDES_KEY_SALT_MAX],
    /// Length of the key and salt: the profile's master key length plus
    /// master salt length.
    pub key_salt_len: usize,
    /// Key lifetime in packets; 0 when the line has none.
    pub lifetime: u64,
    /// Window size hint (`WSH`), at least 64; 0 when the line has none.
    pub window_size_hint: u32,
    /// One of the `MP_SDES_FEC_ORDER_*` constants.
    pub fec_order: u32,
}

impl mp_sdes_crypto {
    fn from_attribute(a: &CryptoAttribute) -> Self {
        let mut key_salt = [0u8; MP_SDES_KEY_SALT_MAX];
        let ks = a.key_salt();
        if let Some(dst) = key_salt.get_mut(..ks.len()) {
            dst.copy_from_slice(ks);
        }
        mp_sdes_crypto {
            tag: a.tag(),
            profile: profile_value(a.profile()),
            key_salt,
            key_salt_len: ks.len(),
            lifetime: a.lifetime().unwrap_or(0),
            window_size_hint: a.window_size_hint().unwrap_or(0),
            fec_order: match a.fec_order() {
                None => MP_SDES_FEC_ORDER_NONE,
                Some(FecOrder::FecSrtp) => MP_SDES_FEC_ORDER_FEC_SRTP,
                Some(FecOrder::SrtpFec) => MP_SDES_FEC_ORDER_SRTP_FEC,
            },
        }
    }

    fn attribute(&self) -> Result<CryptoAttribute> {
        let profile = profile_of(self.profile)?;
        let ks = self
            .key_salt
            .get(..self.key_salt_len)
            .ok_or(Error::InvalidArgument("key_salt_len exceeds key_salt"))?;
        let mut a = CryptoAttribute::new(self.tag, profile, ks)?;
        a.set_lifetime((self.lifetime != 0).then_some(self.lifetime))?;
        a.set_window_size_hint((self.window_size_hint != 0).then_some(self.window_size_hint))?;
        a.set_fec_order(match self.fec_order {
            MP_SDES_FEC_ORDER_NONE => None,
            MP_SDES_FEC_ORDER_FEC_SRTP => Some(FecOrder::FecSrtp),
            MP_SDES_FEC_ORDER_SRTP_FEC => Some(FecOrder::SrtpFec),
            _ => return Err(Error::InvalidArgument("unknown fec_order value")),
        });
        Ok(a)
    }
}

unsafe fn ctx_mut<'a>(ctx: *mut mp_srtp_context) -> Result<&'a mut mp_srtp_context> {
    check_ptr!(ctx, "ctx");
    // SAFETY: non-NULL and, per the contract, made by mp_srtp_context_new*,
    // not yet freed and not used by another thread during the call.
    Ok(unsafe { &mut *ctx })
}

unsafe fn sdes_ref<'a>(crypto: *const mp_sdes_crypto) -> Result<&'a mp_sdes_crypto> {
    check_ptr!(crypto, "crypto");
    // SAFETY: non-NULL; the caller passes a readable mp_sdes_crypto, and
    // every bit pattern of its integer and byte fields is a valid value.
    Ok(unsafe { &*crypto })
}

unsafe fn new_context(
    out: *mut *mut mp_srtp_context,
    make: impl FnOnce() -> Result<SrtpContext>,
) -> Result<()> {
    check_ptr!(out, "out");
    // SAFETY: checked non-NULL; the caller passes writable storage.
    unsafe { write(out, core::ptr::null_mut()) };
    let obj = mp_srtp_context::new(make()?);
    // SAFETY: as above.
    unsafe { write(out, Box::into_raw(obj)) };
    Ok(())
}

/// Makes a context for `profile` from the master key (`key_len` bytes at
/// `key`) and master salt (`salt_len` bytes at `salt`), both copied. Key
/// and salt lengths that do not fit the profile, or an unknown profile,
/// give `MP_ERR_INVALID_ARGUMENT`. On success `*out` receives a context
/// the caller frees with `mp_srtp_context_free`; on failure it is set to
/// NULL. The context accepts any SSRC (up to 64 streams), keeps a replay
/// window of 128 packets and uses key derivation rate 0.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_context_new(
    profile: mp_srtp_profile,
    key: *const u8,
    key_len: usize,
    salt: *const u8,
    salt_len: usize,
    out: *mut *mut mp_srtp_context,
) -> mp_status {
    ffi_boundary!({
        unsafe {
            new_context(out, || {
                check_ptr!(key, "key");
                check_ptr!(salt, "salt");
                let p = profile_of(profile)?;
                let k = bytes(key, key_len, "key")?;
                let s = bytes(salt, salt_len, "salt")?;
                SrtpContext::new(p, k, s)
            })
        }
    })
}

/// Makes a context from an SDES attribute (as filled by `mp_sdes_parse` or
/// `mp_sdes_generate`): its key and salt, its lifetime as the packet limit,
/// and a replay window at least as large as its window size hint (up to
/// 1024). An inconsistent `*crypto` gives `MP_ERR_INVALID_ARGUMENT`.
/// Ownership of the result as for `mp_srtp_context_new`.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_context_new_from_sdes(
    crypto: *const mp_sdes_crypto,
    out: *mut *mut mp_srtp_context,
) -> mp_status {
    ffi_boundary!({
        unsafe {
            new_context(out, || {
                let c = sdes_ref(crypto)?;
                c.attribute()?.context()
            })
        }
    })
}

/// Frees a context; NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_context_free(ctx: *mut mp_srtp_context) {
    if ctx.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: made by Box::into_raw in mp_srtp_context_new* and not yet
        // freed, per the contract.
        drop(unsafe { Box::from_raw(ctx) });
    });
}

/// The text of the last error a call on this context recorded, or "" if
/// none; valid until the next call on the context. NULL for a NULL context.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_context_last_error(ctx: *const mp_srtp_context) -> *const c_char {
    if ctx.is_null() {
        return core::ptr::null();
    }
    // SAFETY: non-NULL and live per the contract; the buffer is always
    // NUL-terminated.
    unsafe { (*ctx).last_error.as_ptr().cast() }
}

/// Runs a packet operation on a context, recording its error.
unsafe fn on_packet(
    ctx: *mut mp_srtp_context,
    buf: *mut u8,
    out_len: *mut usize,
    op: impl FnOnce(&mut SrtpContext, *mut u8) -> Result<usize>,
) -> Result<()> {
    let c = unsafe { ctx_mut(ctx) }?;
    let r = (|| {
        check_ptr!(out_len, "out_len");
        // SAFETY: checked non-NULL; the caller passes a writable size_t.
        unsafe { write(out_len, 0) };
        check_ptr!(buf, "buf");
        match op(&mut c.ctx, buf) {
            Ok(n) => {
                // SAFETY: as above.
                unsafe { write(out_len, n) };
                Ok(())
            }
            Err(e) => {
                if let Error::BufferTooSmall { needed } = e {
                    // SAFETY: as above.
                    unsafe { write(out_len, needed) };
                }
                Err(e)
            }
        }
    })();
    if let Err(e) = &r {
        c.record(e);
    }
    r
}

/// The mutable bytes `buf[..n]`.
unsafe fn buf_mut<'a>(buf: *mut u8, n: usize) -> Result<&'a mut [u8]> {
    if n > isize::MAX as usize {
        return Err(Error::InvalidArgument("length too large"));
    }
    // SAFETY: non-NULL (checked by the caller) and, per the contract, `n`
    // writable bytes that nothing else touches during the call.
    Ok(unsafe { core::slice::from_raw_parts_mut(buf, n) })
}

unsafe fn protect(
    ctx: *mut mp_srtp_context,
    buf: *mut u8,
    len: usize,
    cap: usize,
    out_len: *mut usize,
    rtcp: bool,
) -> mp_status {
    ffi_boundary!({
        unsafe {
            on_packet(ctx, buf, out_len, |c, buf| {
                if len > cap {
                    return Err(Error::InvalidArgument("len exceeds cap"));
                }
                let p = c.profile();
                let overhead = if rtcp {
                    p.rtcp_overhead()
                } else {
                    p.rtp_overhead()
                };
                let needed = len
                    .checked_add(overhead)
                    .ok_or(Error::InvalidArgument("length too large"))?;
                if cap < needed {
                    return Err(Error::BufferTooSmall { needed });
                }
                let b = buf_mut(buf, needed)?;
                if rtcp {
                    c.protect_rtcp(b, len)
                } else {
                    c.protect_rtp(b, len)
                }
            })
        }
    })
}

unsafe fn unprotect(
    ctx: *mut mp_srtp_context,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    rtcp: bool,
) -> mp_status {
    ffi_boundary!({
        unsafe {
            on_packet(ctx, buf, out_len, |c, buf| {
                let b = buf_mut(buf, len)?;
                if rtcp {
                    c.unprotect_rtcp(b)
                } else {
                    c.unprotect_rtp(b)
                }
            })
        }
    })
}

/// Protects the RTP packet in `buf[0..len]` in place: encrypts the payload
/// and appends the tag, so `buf` must hold `cap` >= `len` + the profile's
/// RTP overhead bytes (`mp_srtp_profile_overhead`). `*out_len` receives the
/// SRTP length; when `cap` is too small the call returns
/// `MP_ERR_BUFFER_TOO_SMALL` with the size needed in `*out_len` and leaves
/// `buf` untouched; on other errors `*out_len` is 0. `buf` must not overlap
/// the context.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_protect(
    ctx: *mut mp_srtp_context,
    buf: *mut u8,
    len: usize,
    cap: usize,
    out_len: *mut usize,
) -> mp_status {
    unsafe { protect(ctx, buf, len, cap, out_len, false) }
}

/// Verifies and decrypts the SRTP packet in `buf[0..len]` in place;
/// `*out_len` receives the length of the RTP packet now at the start of
/// `buf`. A wrong tag gives `MP_ERR_AUTH`, a replayed or too old packet
/// `MP_ERR_REPLAY`, a malformed one `MP_ERR_PARSE`; on any error the
/// context is unchanged and `*out_len` is 0.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_unprotect(
    ctx: *mut mp_srtp_context,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> mp_status {
    unsafe { unprotect(ctx, buf, len, out_len, false) }
}

/// Protects the RTCP compound packet in `buf[0..len]` in place (payload
/// encrypted, E flag and SRTCP index appended, then the tag); `cap` must be
/// at least `len` + the profile's RTCP overhead. Sizes and errors as for
/// `mp_srtp_protect`.
#[no_mangle]
pub unsafe extern "C" fn mp_srtcp_protect(
    ctx: *mut mp_srtp_context,
    buf: *mut u8,
    len: usize,
    cap: usize,
    out_len: *mut usize,
) -> mp_status {
    unsafe { protect(ctx, buf, len, cap, out_len, true) }
}

/// Verifies and (when the E flag is set) decrypts the SRTCP packet in
/// `buf[0..len]` in place; `*out_len` receives the RTCP length. Errors as
/// for `mp_srtp_unprotect`.
#[no_mangle]
pub unsafe extern "C" fn mp_srtcp_unprotect(
    ctx: *mut mp_srtp_context,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> mp_status {
    unsafe { unprotect(ctx, buf, len, out_len, true) }
}

/// Writes how many bytes protecting a packet adds under `profile`: the
/// SRTP tag, or for RTCP (`rtcp` true) the SRTCP tag and index word.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_profile_overhead(
    profile: mp_srtp_profile,
    rtcp: bool,
    out: *mut usize,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(out, "out");
        let p = profile_of(profile)?;
        let n = if rtcp {
            p.rtcp_overhead()
        } else {
            p.rtp_overhead()
        };
        // SAFETY: checked non-NULL; the caller passes a writable size_t.
        unsafe { write(out, n) };
        Ok(())
    })
}

/// Writes the master key and master salt lengths of `profile` in bytes;
/// either pointer may be NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_profile_key_lengths(
    profile: mp_srtp_profile,
    key_len: *mut usize,
    salt_len: *mut usize,
) -> mp_status {
    ffi_boundary!({
        let p = profile_of(profile)?;
        if !key_len.is_null() {
            // SAFETY: non-NULL; the caller passes a writable size_t.
            unsafe { write(key_len, p.master_key_len()) };
        }
        if !salt_len.is_null() {
            // SAFETY: as above.
            unsafe { write(salt_len, p.master_salt_len()) };
        }
        Ok(())
    })
}

/// Looks a profile up by name: the SDES crypto-suite names
/// (`AES_CM_128_HMAC_SHA1_80`, `AEAD_AES_256_GCM`, ...) and the DTLS-SRTP
/// ones (`SRTP_AES128_CM_HMAC_SHA1_80`, ...), case-sensitive. An unknown
/// name gives `MP_ERR_UNSUPPORTED`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_srtp_profile_from_name(
    name: *const c_char,
    out: *mut mp_srtp_profile,
) -> mp_status {
    ffi_boundary!({
        let n = unsafe { c_str(name, "name") }?;
        check_ptr!(out, "out");
        let p: Profile = n.parse()?;
        // SAFETY: checked non-NULL; the caller passes writable storage.
        unsafe { write(out, profile_value(p)) };
        Ok(())
    })
}

/// The SDES name of `profile` as a static NUL-terminated string, or NULL
/// for an unknown value. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_srtp_profile_name(profile: mp_srtp_profile) -> *const c_char {
    let s: &'static core::ffi::CStr = match profile_of(profile) {
        Ok(Profile::Aes128CmHmacSha1_80) => c"AES_CM_128_HMAC_SHA1_80",
        Ok(Profile::Aes128CmHmacSha1_32) => c"AES_CM_128_HMAC_SHA1_32",
        Ok(Profile::Aes256CmHmacSha1_80) => c"AES_256_CM_HMAC_SHA1_80",
        Ok(Profile::Aes256CmHmacSha1_32) => c"AES_256_CM_HMAC_SHA1_32",
        Ok(Profile::AeadAes128Gcm) => c"AEAD_AES_128_GCM",
        Ok(Profile::AeadAes256Gcm) => c"AEAD_AES_256_GCM",
        _ => return core::ptr::null(),
    };
    s.as_ptr()
}

/// Parses one SDES `a=crypto:` line (NUL-terminated; the `a=` or the whole
/// `a=crypto:` may be left out, one trailing CRLF is ignored) into `*out`.
/// A line that breaks the grammar gives `MP_ERR_PARSE`; a key that does not
/// fit the suite or another rule broken, `MP_ERR_INVALID`; a suite,
/// key method or parameter this library does not implement (MKI, KDR other
/// than 0, `UNENCRYPTED_*`, `UNAUTHENTICATED_SRTP`, `FEC_KEY`, unknown
/// parameters not starting with `-`), `MP_ERR_UNSUPPORTED`.
/// `mp_sdes_check` gives the reason as text. On failure `*out` is zeroed.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_sdes_parse(line: *const c_char, out: *mut mp_sdes_crypto) -> mp_status {
    ffi_boundary!({
        check_ptr!(out, "out");
        // SAFETY: checked non-NULL; the caller passes writable storage.
        unsafe { write(out, zeroed_crypto()) };
        let s = unsafe { line_bytes(line) }?;
        let a = CryptoAttribute::parse(s)?;
        // SAFETY: as above.
        unsafe { write(out, mp_sdes_crypto::from_attribute(&a)) };
        Ok(())
    })
}

/// Checks an `a=crypto:` line as `mp_sdes_parse` does and returns the same
/// status; `msg` (may be NULL) receives why it was refused, or "" when it
/// parses, NUL-terminated and truncated to `msg_len` bytes. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_sdes_check(
    line: *const c_char,
    msg: *mut c_char,
    msg_len: usize,
) -> mp_status {
    let mut text = [0u8; 256];
    let mut n = 0;
    let status = ffi_boundary!({
        let r = unsafe { line_bytes(line) }.and_then(|s| CryptoAttribute::parse(s).map(|_| ()));
        if let Err(e) = &r {
            let mut w = FixedWriter {
                buf: &mut text,
                len: 0,
            };
            let _ = write!(w, "{e}");
            n = w.len;
        }
        r
    });
    if !msg.is_null() && msg_len > 0 {
        let k = n.min(msg_len - 1);
        // SAFETY: non-NULL and, per the contract, `msg_len` writable bytes.
        unsafe {
            core::ptr::copy_nonoverlapping(text.as_ptr(), msg.cast::<u8>(), k);
            msg.add(k).write(0);
        }
    }
    status
}

/// The bytes of a NUL-terminated line, which need not be UTF-8.
unsafe fn line_bytes<'a>(line: *const c_char) -> Result<&'a [u8]> {
    check_ptr!(line, "line");
    // SAFETY: non-NULL; the caller passes a NUL-terminated string.
    Ok(unsafe { core::ffi::CStr::from_ptr(line) }.to_bytes())
}

fn zeroed_crypto() -> mp_sdes_crypto {
    mp_sdes_crypto {
        tag: 0,
        profile: 0,
        key_salt: [0; MP_SDES_KEY_SALT_MAX],
        key_salt_len: 0,
        lifetime: 0,
        window_size_hint: 0,
        fec_order: MP_SDES_FEC_ORDER_NONE,
    }
}

/// Fills `*out` with a new attribute: `tag` (at most 999999999), `profile`,
/// and a fresh master key and salt from the operating system's random
/// number generator; no lifetime or session parameters. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_sdes_generate(
    tag: u32,
    profile: mp_srtp_profile,
    out: *mut mp_sdes_crypto,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(out, "out");
        let a = CryptoAttribute::generate(tag, profile_of(profile)?)?;
        // SAFETY: checked non-NULL; the caller passes writable storage.
        unsafe { write(out, mp_sdes_crypto::from_attribute(&a)) };
        Ok(())
    })
}

/// Writes the `a=crypto:` line of `*crypto` (no line end) into `out` as a
/// NUL-terminated string. `*needed` (may be NULL) receives the size
/// including the NUL; when `out_len` is less (or `out` is NULL) the call
/// returns `MP_ERR_BUFFER_TOO_SMALL`. `MP_SDES_LINE_MAX` bytes always
/// suffice. An inconsistent `*crypto` (unknown profile, key length that
/// does not fit it, tag above 999999999, window size hint from 1 to 63,
/// unknown `fec_order`) gives `MP_ERR_INVALID_ARGUMENT`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_sdes_format(
    crypto: *const mp_sdes_crypto,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> mp_status {
    ffi_boundary!({
        let c = unsafe { sdes_ref(crypto) }?;
        let line = c.attribute()?.to_line();
        unsafe { copy_out_cstr(line.as_bytes(), out, out_len, needed) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ptr::{null, null_mut};
    use mp_status::*;

    #[test]
    fn format_fits_in_line_max() {
        let mut c = zeroed_crypto();
        for p in Profile::ALL {
            let a = CryptoAttribute::generate(999_999_999, p).unwrap();
            let mut m = mp_sdes_crypto::from_attribute(&a);
            m.lifetime = 18_446_744_073_709_551_615;
            m.window_size_hint = u32::MAX;
            m.fec_order = MP_SDES_FEC_ORDER_SRTP_FEC;
            let mut needed = 0;
            let st = unsafe { mp_sdes_format(&m, null_mut(), 0, &mut needed) };
            assert_eq!(st, MP_ERR_BUFFER_TOO_SMALL);
            assert!(needed <= MP_SDES_LINE_MAX, "{needed}");
            c = m;
        }
        let mut buf = [0 as c_char; MP_SDES_LINE_MAX];
        let mut needed = 0;
        assert_eq!(
            unsafe { mp_sdes_format(&c, buf.as_mut_ptr(), buf.len(), &mut needed) },
            MP_OK
        );
    }

    #[test]
    fn last_error_is_recorded_and_truncated() {
        let mut ctx = null_mut();
        let st = unsafe {
            mp_srtp_context_new(
                MP_SRTP_AEAD_AES_128_GCM,
                [1u8; 16].as_ptr(),
                16,
                [2u8; 12].as_ptr(),
                12,
                &mut ctx,
            )
        };
        assert_eq!(st, MP_OK);
        let mut buf = [0u8; 40];
        let mut n = 0;
        let st = unsafe { mp_srtp_unprotect(ctx, buf.as_mut_ptr(), 40, &mut n) };
        assert_eq!(st, MP_ERR_PARSE);
        let text = unsafe { core::ffi::CStr::from_ptr(mp_srtp_context_last_error(ctx)) };
        assert!(text.to_str().unwrap().contains("version"), "{text:?}");
        let c = unsafe { &mut *ctx };
        c.record(&Error::Unsupported(
            "a very long reason ................................................................................................................................................................................................................",
        ));
        assert_eq!(c.last_error[191], 0);
        unsafe { mp_srtp_context_free(ctx) };
        assert!(unsafe { mp_srtp_context_last_error(null()) }.is_null());
    }
}
