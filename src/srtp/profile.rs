//! SRTP protection profiles (RFC 3711 §8.2, RFC 4568 §6.2, RFC 6188,
//! RFC 7714 §12, RFC 5764 §4.1.2).

/// A protection profile: cipher, authentication and key sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// AES-128 counter mode, HMAC-SHA1 with an 80-bit tag.
    Aes128CmHmacSha1_80,
    /// AES-128 counter mode, HMAC-SHA1 with a 32-bit SRTP tag (SRTCP keeps
    /// 80 bits).
    Aes128CmHmacSha1_32,
    /// AES-256 counter mode, HMAC-SHA1 80 (RFC 6188).
    Aes256CmHmacSha1_80,
    /// AES-256 counter mode, HMAC-SHA1 32 (RFC 6188).
    Aes256CmHmacSha1_32,
    /// AES-128 GCM with a 16-octet tag (RFC 7714).
    AeadAes128Gcm,
    /// AES-256 GCM with a 16-octet tag (RFC 7714).
    AeadAes256Gcm,
}

impl Profile {
    /// Every profile, in preference order for an offer.
    pub const ALL: [Profile; 6] = [
        Profile::AeadAes256Gcm,
        Profile::AeadAes128Gcm,
        Profile::Aes256CmHmacSha1_80,
        Profile::Aes128CmHmacSha1_80,
        Profile::Aes256CmHmacSha1_32,
        Profile::Aes128CmHmacSha1_32,
    ];

    /// The name used by SDES (RFC 4568 §6.2, RFC 6188, RFC 7714 §14.2).
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Aes128CmHmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            Profile::Aes128CmHmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
            Profile::Aes256CmHmacSha1_80 => "AES_256_CM_HMAC_SHA1_80",
            Profile::Aes256CmHmacSha1_32 => "AES_256_CM_HMAC_SHA1_32",
            Profile::AeadAes128Gcm => "AEAD_AES_128_GCM",
            Profile::AeadAes256Gcm => "AEAD_AES_256_GCM",
        }
    }

    /// Looks a profile up by its SDES name (case-sensitive, as registered;
    /// also accepts the DTLS-SRTP `SRTP_` spellings).
    pub fn from_name(name: &str) -> Option<Profile> {
        Some(match name {
            "AES_CM_128_HMAC_SHA1_80" | "SRTP_AES128_CM_HMAC_SHA1_80" => {
                Profile::Aes128CmHmacSha1_80
            }
            "AES_CM_128_HMAC_SHA1_32" | "SRTP_AES128_CM_HMAC_SHA1_32" => {
                Profile::Aes128CmHmacSha1_32
            }
            "AES_256_CM_HMAC_SHA1_80" | "AES_CM_256_HMAC_SHA1_80" => Profile::Aes256CmHmacSha1_80,
            "AES_256_CM_HMAC_SHA1_32" | "AES_CM_256_HMAC_SHA1_32" => Profile::Aes256CmHmacSha1_32,
            "AEAD_AES_128_GCM" | "SRTP_AEAD_AES_128_GCM" => Profile::AeadAes128Gcm,
            "AEAD_AES_256_GCM" | "SRTP_AEAD_AES_256_GCM" => Profile::AeadAes256Gcm,
            _ => return None,
        })
    }

    /// The DTLS-SRTP protection profile identifier (RFC 5764 §4.1.2,
    /// RFC 7714 §14.2); `None` for the AES-256-CM profiles, which have none.
    pub const fn dtls_id(self) -> Option<u16> {
        match self {
            Profile::Aes128CmHmacSha1_80 => Some(0x0001),
            Profile::Aes128CmHmacSha1_32 => Some(0x0002),
            Profile::AeadAes128Gcm => Some(0x0007),
            Profile::AeadAes256Gcm => Some(0x0008),
            _ => None,
        }
    }

    /// Whether this is an AEAD (GCM) profile.
    pub const fn is_aead(self) -> bool {
        matches!(self, Profile::AeadAes128Gcm | Profile::AeadAes256Gcm)
    }

    /// Master key length in bytes.
    pub const fn master_key_len(self) -> usize {
        match self {
            Profile::Aes128CmHmacSha1_80
            | Profile::Aes128CmHmacSha1_32
            | Profile::AeadAes128Gcm => 16,
            _ => 32,
        }
    }

    /// Master salt length in bytes (112 bits for AES-CM, 96 for GCM).
    pub const fn master_salt_len(self) -> usize {
        if self.is_aead() {
            12
        } else {
            14
        }
    }

    /// Length of the authentication tag appended to SRTP packets.
    pub const fn rtp_tag_len(self) -> usize {
        match self {
            Profile::Aes128CmHmacSha1_80 | Profile::Aes256CmHmacSha1_80 => 10,
            Profile::Aes128CmHmacSha1_32 | Profile::Aes256CmHmacSha1_32 => 4,
            Profile::AeadAes128Gcm | Profile::AeadAes256Gcm => 16,
        }
    }

    /// Length of the authentication tag of SRTCP packets (80 bits for both
    /// HMAC-SHA1 profiles, RFC 3711 §5.2 / RFC 4568 §6.2.1).
    pub const fn rtcp_tag_len(self) -> usize {
        if self.is_aead() {
            16
        } else {
            10
        }
    }

    /// Bytes an SRTP packet grows by when protected.
    pub const fn rtp_overhead(self) -> usize {
        self.rtp_tag_len()
    }

    /// Bytes an SRTCP packet grows by when protected (tag + E||index).
    pub const fn rtcp_overhead(self) -> usize {
        self.rtcp_tag_len() + 4
    }
}

impl core::fmt::Display for Profile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Profile {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::from_name(s).ok_or(crate::Error::Unsupported("unknown srtp profile"))
    }
}
