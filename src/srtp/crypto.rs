//! The cipher and MAC primitives under SRTP: AES counter mode (RFC 3711
//! §4.1.1), the AES-CM key derivation PRF (§4.3.3), HMAC-SHA1 (§4.2.1) and
//! AES-GCM (RFC 7714).
//!
//! Counter mode is written here over the block cipher rather than taken from
//! a stream-cipher crate so that one expanded key serves every packet: a
//! stream-cipher object is built per IV, which would expand or copy the key
//! schedule per packet. Blocks are encrypted sixteen at a time so the
//! AES-NI backend can pipeline them, and the keystream is XORed a 128-bit
//! word at a time rather than byte by byte.
//!
//! Each primitive comes from whichever crate measured faster, side by side
//! on the benchmark machine (Intel Xeon with AES-NI, SHA-NI, VAES,
//! VPCLMULQDQ, AVX-512; ns per operation, release build):
//!
//! | operation | RustCrypto | ring 0.17 |
//! | --- | ---: | ---: |
//! | AES-128-GCM seal, 160 B | 620 (`aes-gcm` 0.10), 889 (0.11) | 282 |
//! | AES-128-GCM seal, 1220 B | 3510 (`aes-gcm` 0.10), 3439 (0.11) | 853 |
//! | AES-256-GCM seal, 160 B | 705 | 322 |
//! | AES-256-GCM seal, 1220 B | 3588 | 936 |
//! | HMAC-SHA1, 160 B | 705 (`hmac` 0.12 + `sha1` 0.10, SHA-NI) | 2482 |
//! | HMAC-SHA1, 1220 B | 3139 | 12193 |
//! | SHA-1, ns per byte | 2.09 (`sha1` 0.10), 1.96 (0.11) | 8.41 |
//! | AES-128, 10 / 77 blocks | 37 / 519 (`aes` 0.8), 399 / 600 (0.9, VAES) | — |
//!
//! So AES-GCM is ring's (its VAES/VPCLMULQDQ AVX2 code), and AES-CM and
//! HMAC-SHA1 stay on RustCrypto (ring's SHA-1 has no SHA-NI code, and ring
//! has no raw AES). For scale, OpenSSL 3.0's SHA-NI SHA-1 does 1.15 ns per
//! byte on the same machine: SHA-1 is what bounds the large AES-CM packets.
//! ring's C and assembly symbols carry a version prefix, so they cannot
//! clash with an OpenSSL or libsrtp the host links.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes::{Aes128, Aes256};
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::error::{Error, Result};

type Block = GenericArray<u8, aes::cipher::consts::U16>;

/// An expanded AES key of either size.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(crate) enum AesKey {
    A128(Aes128),
    A256(Aes256),
}

impl AesKey {
    pub(crate) fn new(key: &[u8]) -> Result<Self> {
        match key.len() {
            16 => Aes128::new_from_slice(key).map(AesKey::A128),
            32 => Aes256::new_from_slice(key).map(AesKey::A256),
            _ => return Err(Error::InvalidArgument("aes key must be 16 or 32 bytes")),
        }
        .map_err(|_| Error::InvalidArgument("aes key must be 16 or 32 bytes"))
    }

    #[inline]
    fn encrypt_blocks(&self, blocks: &mut [Block]) {
        match self {
            AesKey::A128(k) => k.encrypt_blocks(blocks),
            AesKey::A256(k) => k.encrypt_blocks(blocks),
        }
    }

    /// XORs `data` with the counter-mode keystream that starts at counter
    /// block `iv` (the counter is the whole block, incremented big-endian).
    #[inline]
    pub(crate) fn ctr_xor(&self, iv: [u8; 16], data: &mut [u8]) {
        const LANES: usize = 16;
        let mut ctr = u128::from_be_bytes(iv);
        let mut ks = [Block::default(); LANES];
        for chunk in data.chunks_mut(LANES * 16) {
            let n = chunk.len().div_ceil(16);
            for b in ks.iter_mut().take(n) {
                *b = Block::from(ctr.to_be_bytes());
                ctr = ctr.wrapping_add(1);
            }
            if let Some(blocks) = ks.get_mut(..n) {
                self.encrypt_blocks(blocks);
            }
            // whole blocks as one 128-bit XOR each; the byte loop only
            // for the tail
            let full = chunk.len() / 16;
            let mut whole = chunk.chunks_exact_mut(16);
            for (d, k) in (&mut whole).zip(ks.iter()) {
                if let Ok(a) = <[u8; 16]>::try_from(&*d) {
                    let x = u128::from_ne_bytes(a) ^ u128::from_ne_bytes((*k).into());
                    d.copy_from_slice(&x.to_ne_bytes());
                }
            }
            let tail = whole.into_remainder();
            if let Some(k) = ks.get(full) {
                for (x, y) in tail.iter_mut().zip(k.iter()) {
                    *x ^= *y;
                }
            }
        }
    }
}

/// The AES-CM PRF of RFC 3711 §4.3.3 with key derivation rate 0: fills
/// `out` with the keystream for `label`. `salt` is the master salt, padded
/// on the right with zeros to 112 bits (RFC 7714 §11 for the 96-bit salts).
pub(crate) fn derive(master: &AesKey, salt: &[u8], label: u8, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    for (d, s) in iv.iter_mut().zip(salt.iter().take(14)) {
        *d = *s;
    }
    // key_id = label || r (r = 0 when the key derivation rate is 0),
    // right-aligned in the 112-bit salt: label lands on byte 7.
    if let Some(b) = iv.get_mut(7) {
        *b ^= label;
    }
    out.fill(0);
    master.ctr_xor(iv, out);
}

/// HMAC-SHA1 keyed once; each packet clones the keyed state, so the key's
/// inner and outer pads are hashed only at set-up.
#[derive(Clone)]
pub(crate) struct HmacSha1 {
    keyed: Hmac<Sha1>,
}

impl HmacSha1 {
    pub(crate) fn new(key: &[u8]) -> Self {
        // HMAC accepts keys of any length.
        let keyed = match <Hmac<Sha1> as Mac>::new_from_slice(key) {
            Ok(k) => k,
            Err(_) => <Hmac<Sha1> as Mac>::new(&Default::default()),
        };
        HmacSha1 { keyed }
    }

    /// The full 20-byte HMAC of `a || b`.
    #[inline]
    pub(crate) fn mac2(&self, a: &[u8], b: &[u8]) -> [u8; 20] {
        let mut m = self.keyed.clone();
        m.update(a);
        m.update(b);
        m.finalize().into_bytes().into()
    }
}

/// Largest payload [`GcmKey::open`] decrypts with ring; the caller's
/// scratch buffer must be at least this long.
pub(crate) const GCM_SCRATCH: usize = 2048;

/// An AES-GCM key of either size (RFC 7714: 16-octet tags).
///
/// Sealing and opening go through ring, whose AES-GCM (VAES/VPCLMULQDQ
/// with AVX2, or AES-NI/CLMUL) is several times faster than the RustCrypto
/// `aes-gcm` here (see the module doc). ring decrypts and authenticates in
/// one pass and zeroes the output when the tag is wrong, while an SRTP
/// receiver must leave a rejected packet as it was (a host may try the
/// packet under another key during a re-key). So [`GcmKey::open`] keeps a
/// copy of the ciphertext in the caller's scratch buffer and puts it back
/// on failure; a payload larger than the scratch goes through RustCrypto's
/// `aes-gcm`, which checks the tag before decrypting.
#[derive(Clone)]
pub(crate) struct GcmKey {
    fast: ring::aead::LessSafeKey,
    verify_first: VerifyFirst,
}

#[derive(Clone)]
enum VerifyFirst {
    A128(Box<Aes128Gcm>),
    A256(Box<Aes256Gcm>),
}

impl GcmKey {
    pub(crate) fn new(key: &[u8]) -> Result<Self> {
        let bad = || Error::InvalidArgument("gcm key must be 16 or 32 bytes");
        let (alg, verify_first) = match key.len() {
            16 => (
                &ring::aead::AES_128_GCM,
                VerifyFirst::A128(Box::new(Aes128Gcm::new_from_slice(key).map_err(|_| bad())?)),
            ),
            32 => (
                &ring::aead::AES_256_GCM,
                VerifyFirst::A256(Box::new(Aes256Gcm::new_from_slice(key).map_err(|_| bad())?)),
            ),
            _ => return Err(bad()),
        };
        let fast =
            ring::aead::LessSafeKey::new(ring::aead::UnboundKey::new(alg, key).map_err(|_| bad())?);
        Ok(GcmKey { fast, verify_first })
    }

    /// Encrypts `data` in place and returns the 16-byte tag.
    #[inline]
    pub(crate) fn seal(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> Result<[u8; 16]> {
        let tag = self
            .fast
            .seal_in_place_separate_tag(
                ring::aead::Nonce::assume_unique_for_key(*nonce),
                ring::aead::Aad::from(aad),
                data,
            )
            .map_err(|_| Error::InvalidArgument("gcm input too long"))?;
        let mut out = [0u8; 16];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Verifies `tag` and decrypts `data` in place; `data` is unchanged
    /// when the tag does not verify. `scratch` holds the ciphertext while
    /// ring works on it (see the type's doc).
    #[inline]
    pub(crate) fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
        scratch: &mut [u8],
    ) -> Result<()> {
        let fail = || Error::AuthFailed("gcm tag does not verify");
        if tag.len() != 16 {
            return Err(Error::AuthFailed("gcm tag must be 16 bytes"));
        }
        let Some(backup) = scratch.get_mut(..data.len()) else {
            let n = GenericArray::from_slice(nonce);
            let t = GenericArray::from_slice(tag);
            return match &self.verify_first {
                VerifyFirst::A128(k) => k.decrypt_in_place_detached(n, aad, data, t),
                VerifyFirst::A256(k) => k.decrypt_in_place_detached(n, aad, data, t),
            }
            .map_err(|_| fail());
        };
        backup.copy_from_slice(data);
        let t = ring::aead::Tag::try_from(tag).map_err(|_| fail())?;
        let opened = self.fast.open_in_place_separate_tag(
            ring::aead::Nonce::assume_unique_for_key(*nonce),
            ring::aead::Aad::from(aad),
            t,
            data,
            0..,
        );
        if opened.is_err() {
            data.copy_from_slice(backup);
            return Err(fail());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 3711 Appendix B.2: AES-CM keystream.
    #[test]
    fn aes_cm_keystream_b2() {
        let key = AesKey::new(&hex("2B7E151628AED2A6ABF7158809CF4F3C")).unwrap();
        let iv: [u8; 16] = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000").try_into().unwrap();
        let mut ks = vec![0u8; 16 * 3];
        key.ctr_xor(iv, &mut ks);
        assert_eq!(
            ks,
            hex("E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0")
        );
        // the counter carries past the low 16 bits like a 128-bit counter
        let iv: [u8; 16] = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFFFF").try_into().unwrap();
        let mut ks2 = vec![0u8; 32];
        key.ctr_xor(iv, &mut ks2);
        assert_ne!(ks2[..16], ks2[16..]);
    }

    /// RFC 3711 Appendix B.3: key derivation.
    #[test]
    fn kdf_b3() {
        let master = AesKey::new(&hex("E1F97A0D3E018BE0D64FA32C06DE4139")).unwrap();
        let salt = hex("0EC675AD498AFEEBB6960B3AABE6");
        let mut k = [0u8; 16];
        derive(&master, &salt, 0, &mut k);
        assert_eq!(k.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
        let mut s = [0u8; 14];
        derive(&master, &salt, 2, &mut s);
        assert_eq!(s.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
        let mut a = [0u8; 20];
        derive(&master, &salt, 1, &mut a);
        assert_eq!(a.to_vec(), hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
    }
}
