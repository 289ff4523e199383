//! The fixed keys of the SRTP fuzz targets.

#![allow(dead_code)]

use mediaplane::ffi::mp_status;
use mediaplane::ffi::srtp::*;
use mediaplane::srtp::{Profile, SrtpContext};

/// Indexed by `(byte 0 & 7) % 6` of the input; fixed so that the seed
/// corpus keeps meaning the same thing.
pub const PROFILES: [Profile; 6] = [
    Profile::Aes128CmHmacSha1_80,
    Profile::Aes128CmHmacSha1_32,
    Profile::Aes256CmHmacSha1_80,
    Profile::Aes256CmHmacSha1_32,
    Profile::AeadAes128Gcm,
    Profile::AeadAes256Gcm,
];

/// Master key byte i is 7i + 1, master salt byte i is 11i + 3: what the
/// seeds in corpus_seed/ were protected with.
pub fn key_salt(p: Profile) -> (Vec<u8>, Vec<u8>) {
    let key = (0..p.master_key_len()).map(|i| (i * 7 + 1) as u8).collect();
    let salt = (0..p.master_salt_len())
        .map(|i| (i * 11 + 3) as u8)
        .collect();
    (key, salt)
}

pub fn fixed_context(p: Profile) -> SrtpContext {
    let (k, s) = key_salt(p);
    SrtpContext::new(p, &k, &s).expect("fixed key fits the profile")
}

/// The same context through the C ABI.
pub fn c_context(p: Profile) -> *mut mp_srtp_context {
    let (k, s) = key_salt(p);
    let code = match p {
        Profile::Aes128CmHmacSha1_80 => MP_SRTP_AES_CM_128_HMAC_SHA1_80,
        Profile::Aes128CmHmacSha1_32 => MP_SRTP_AES_CM_128_HMAC_SHA1_32,
        Profile::Aes256CmHmacSha1_80 => MP_SRTP_AES_256_CM_HMAC_SHA1_80,
        Profile::Aes256CmHmacSha1_32 => MP_SRTP_AES_256_CM_HMAC_SHA1_32,
        Profile::AeadAes128Gcm => MP_SRTP_AEAD_AES_128_GCM,
        _ => MP_SRTP_AEAD_AES_256_GCM,
    };
    let mut c = core::ptr::null_mut();
    // SAFETY: key and salt are readable for their lengths; `c` is writable.
    let st = unsafe { mp_srtp_context_new(code, k.as_ptr(), k.len(), s.as_ptr(), s.len(), &mut c) };
    assert_eq!(st, mp_status::MP_OK);
    c
}
