//! DTLS-SRTP keying material (RFC 5764 §4.2) and the SRTP contexts it keys.

use super::Role;
use crate::error::{Error, Result};
use crate::srtp::{Policy, Profile, SrtpContext};

/// The RFC 5705 exporter label of DTLS-SRTP (RFC 5764 §4.2).
pub const EXPORTER_LABEL: &str = "EXTRACTOR-dtls_srtp";

/// Keying material exported from a DTLS-SRTP handshake (RFC 5764 §4.2):
/// `client_write_key | server_write_key | client_write_salt |
/// server_write_salt`, `2 * (key + salt)` bytes for the profile, plus the
/// role this end played, which decides which half it sends with.
///
/// The bytes are wiped on drop and hidden from `Debug`.
#[derive(Clone)]
pub struct SrtpKeyingMaterial {
    profile: Profile,
    role: Role,
    bytes: Vec<u8>,
}

impl core::fmt::Debug for SrtpKeyingMaterial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrtpKeyingMaterial")
            .field("profile", &self.profile)
            .field("role", &self.role)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for SrtpKeyingMaterial {
    /// Compares the key bytes in constant time.
    fn eq(&self, other: &Self) -> bool {
        self.profile == other.profile
            && self.role == other.role
            && bool::from(subtle::ConstantTimeEq::ct_eq(
                self.bytes.as_slice(),
                other.bytes.as_slice(),
            ))
    }
}

impl Eq for SrtpKeyingMaterial {}

impl Drop for SrtpKeyingMaterial {
    fn drop(&mut self) {
        self.bytes.fill(0);
    }
}

impl SrtpKeyingMaterial {
    /// Wraps exported bytes; fails unless `bytes` is exactly
    /// [`SrtpKeyingMaterial::len_for`] bytes for `profile`.
    pub fn new(profile: Profile, role: Role, bytes: Vec<u8>) -> Result<Self> {
        if profile.dtls_id().is_none() {
            return Err(Error::Unsupported(
                "srtp profile without a dtls-srtp identifier",
            ));
        }
        if bytes.len() != Self::len_for(profile) {
            return Err(Error::InvalidArgument(
                "keying material must be 2 * (master key + master salt) bytes for the profile",
            ));
        }
        Ok(SrtpKeyingMaterial {
            profile,
            role,
            bytes,
        })
    }

    /// Bytes of keying material `profile` needs: `2 * (key + salt)`.
    pub const fn len_for(profile: Profile) -> usize {
        2 * (profile.master_key_len() + profile.master_salt_len())
    }

    /// The negotiated SRTP protection profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The DTLS role of this end.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The exported bytes, in RFC 5764 §4.2 order.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The exported bytes as lowercase hex (as OpenSSL's `-keymatexport`
    /// prints them, but lowercase).
    pub fn to_hex(&self) -> String {
        self.bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn part(&self, start: usize, len: usize) -> &[u8] {
        self.bytes.get(start..start + len).unwrap_or_default()
    }

    /// The client's master key.
    pub fn client_key(&self) -> &[u8] {
        self.part(0, self.profile.master_key_len())
    }

    /// The server's master key.
    pub fn server_key(&self) -> &[u8] {
        let k = self.profile.master_key_len();
        self.part(k, k)
    }

    /// The client's master salt.
    pub fn client_salt(&self) -> &[u8] {
        let k = self.profile.master_key_len();
        self.part(2 * k, self.profile.master_salt_len())
    }

    /// The server's master salt.
    pub fn server_salt(&self) -> &[u8] {
        let k = self.profile.master_key_len();
        let s = self.profile.master_salt_len();
        self.part(2 * k + s, s)
    }

    /// The master key and salt this end protects with (its own write key).
    pub fn local_key_salt(&self) -> (&[u8], &[u8]) {
        match self.role {
            Role::Client => (self.client_key(), self.client_salt()),
            Role::Server => (self.server_key(), self.server_salt()),
        }
    }

    /// The master key and salt the peer protects with.
    pub fn remote_key_salt(&self) -> (&[u8], &[u8]) {
        match self.role {
            Role::Client => (self.server_key(), self.server_salt()),
            Role::Server => (self.client_key(), self.client_salt()),
        }
    }

    /// The SRTP/SRTCP contexts of this end, with the default policy:
    /// `(send, receive)`. The send context protects with this end's write
    /// key; the receive context unprotects with the peer's.
    pub fn contexts(&self) -> Result<(SrtpContext, SrtpContext)> {
        self.contexts_with_policy(&Policy::new(self.profile))
    }

    /// Like [`contexts`](Self::contexts) with an explicit policy for both
    /// directions; its profile must be the negotiated one.
    pub fn contexts_with_policy(&self, policy: &Policy) -> Result<(SrtpContext, SrtpContext)> {
        if policy.profile != self.profile {
            return Err(Error::InvalidArgument(
                "policy profile differs from the negotiated srtp profile",
            ));
        }
        let (lk, ls) = self.local_key_salt();
        let (rk, rs) = self.remote_key_salt();
        let send = SrtpContext::with_policy(policy.clone(), lk, ls)?;
        let recv = SrtpContext::with_policy(policy.clone(), rk, rs)?;
        Ok((send, recv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_rfc5764() {
        let p = Profile::Aes128CmHmacSha1_80;
        let bytes: Vec<u8> = (0..60).collect();
        let m = SrtpKeyingMaterial::new(p, Role::Client, bytes).unwrap();
        assert_eq!(m.client_key(), &(0..16).collect::<Vec<u8>>()[..]);
        assert_eq!(m.server_key(), &(16..32).collect::<Vec<u8>>()[..]);
        assert_eq!(m.client_salt(), &(32..46).collect::<Vec<u8>>()[..]);
        assert_eq!(m.server_salt(), &(46..60).collect::<Vec<u8>>()[..]);
        assert_eq!(m.local_key_salt().0, m.client_key());
        assert_eq!(m.remote_key_salt().1, m.server_salt());
        assert!(m.to_hex().starts_with("000102"));
        assert!(!format!("{m:?}").contains("0, 1, 2"));
        assert_eq!(SrtpKeyingMaterial::len_for(Profile::AeadAes128Gcm), 56);
        assert_eq!(SrtpKeyingMaterial::len_for(Profile::AeadAes256Gcm), 88);
    }

    #[test]
    fn wrong_lengths_and_profiles_are_refused() {
        let e = SrtpKeyingMaterial::new(Profile::Aes128CmHmacSha1_80, Role::Server, vec![0; 59]);
        assert!(e.is_err());
        let e = SrtpKeyingMaterial::new(Profile::Aes256CmHmacSha1_80, Role::Server, vec![0; 92]);
        assert_eq!(e.unwrap_err().kind(), crate::ErrorKind::Unsupported);
    }

    #[test]
    fn mirrored_contexts_interoperate() {
        for p in [
            Profile::Aes128CmHmacSha1_80,
            Profile::Aes128CmHmacSha1_32,
            Profile::AeadAes128Gcm,
            Profile::AeadAes256Gcm,
        ] {
            let bytes: Vec<u8> = (0..SrtpKeyingMaterial::len_for(p) as u8).collect();
            let c = SrtpKeyingMaterial::new(p, Role::Client, bytes.clone()).unwrap();
            let s = SrtpKeyingMaterial::new(p, Role::Server, bytes).unwrap();
            let (mut c_tx, mut c_rx) = c.contexts().unwrap();
            let (mut s_tx, mut s_rx) = s.contexts().unwrap();
            let mut pkt = vec![0x80, 0, 0, 1, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3];
            let clear = pkt.clone();
            c_tx.protect_rtp_vec(&mut pkt).unwrap();
            let n = s_rx.unprotect_rtp(&mut pkt).unwrap();
            assert_eq!(&pkt[..n], &clear[..]);
            let mut back = clear.clone();
            s_tx.protect_rtp_vec(&mut back).unwrap();
            let n = c_rx.unprotect_rtp(&mut back).unwrap();
            assert_eq!(&back[..n], &clear[..]);
            assert!(c
                .contexts_with_policy(&Policy::new(Profile::Aes256CmHmacSha1_80))
                .is_err());
        }
    }
}
