//! SRTP and SRTCP (RFC 3711, RFC 7714, RFC 6188) with SDES keying
//! (RFC 4568).
//!
//! An [`SrtpContext`] holds the session keys derived from one master key
//! and salt (key derivation rate 0) and, per SSRC, the rollover counter,
//! the replay window (64 to 1024 packets, default 128) and the SRTCP index.
//! [`SrtpContext::protect_rtp`] encrypts and authenticates a packet in the
//! caller's buffer, writing the tag into room the caller reserved after the
//! payload; [`SrtpContext::unprotect_rtp`] verifies and decrypts in place
//! and returns the plaintext length. Nothing allocates per packet. Every
//! failure — a short or garbled packet, a wrong tag, a replayed index, an
//! unknown SSRC, the key-usage limit of RFC 3711 §9.2 — has its own error
//! and leaves the context unchanged. The sender keeps a window too:
//! protecting a packet index it already protected (which would repeat the
//! keystream, and for AES-GCM the nonce) fails with a replay error unless
//! [`Policy::allow_repeat_tx`] is set.
//!
//! Left out: MKI, key derivation rates other than 0, the NULL cipher and
//! NULL auth profiles, RFC 6904 header-extension encryption, and EKT.
//!
//! Crypto is picked by measurement (the figures are in the doc of the
//! private `crypto` module): AES counter mode on AES-NI written here where
//! the CPU has it and over the RustCrypto `aes` crate elsewhere, HMAC-SHA1
//! from RustCrypto (`sha1` with SHA-NI, `hmac`), AES-GCM from ring. The
//! library holds no C SRTP code, and ring's symbols carry a version prefix,
//! so nothing clashes with a libsrtp or OpenSSL the host already links.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

#[cfg(target_arch = "x86_64")]
mod aesni;
mod context;
mod crypto;
mod profile;
mod replay;
mod sdes;

pub use context::{Policy, SrtpContext, SsrcPolicy, MAX_SRTCP_PACKETS, MAX_SRTP_PACKETS};
pub use profile::Profile;
pub use replay::MAX_REPLAY_WINDOW;
pub use sdes::{CryptoAttribute, FecOrder, MAX_KEY_SALT_LEN, MAX_TAG};
