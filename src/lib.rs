//! # mediaplane
//!
//! An embeddable, sans-IO real-time-communication media plane with a C ABI.
//! Nothing here opens a socket, spawns a thread or reads a clock: bytes come
//! in as slices, time comes in as an argument, and what must go out is
//! returned to the host.
//!
//! ## Map
//! * [`sip`] — SIP message parsing (zero-copy), stream framing, builders.
//! * [`rtp`] — zero-copy RTP view and in-place rewriting, sequence
//!   unwrapping, RFC 3550 receiver statistics, RTCP, RFC 7983 demultiplexing.
//! * [`srtp`] — SRTP/SRTCP contexts working in place, SDES keys.
//! * [`dtls`] — DTLS-SRTP keying (sans-IO endpoint, certificates,
//!   fingerprints).
//! * [`ice`] — ICE-lite agent, STUN, consent freshness, host candidates.
//! * [`sdp`] — browser offers parsed, ICE-lite DTLS-SRTP answers produced.
//! * [`transport`] — one WebRTC peer per UDP port: ICE, DTLS and SRTP demultiplexed.
//! * [`codec`] — G.711, G.722, resampling, loss concealment and the RTP
//!   transcoder.
//! * [`error`] — the one [`Error`] type and its [`ErrorKind`], one-to-one with
//!   the C `mp_status` codes.
//! * `ffi` — the C ABI declared in `include/mediaplane.h`.
//!
//! ## Quick start
//! ```
//! use mediaplane::sip::{Message, MessageBuilder};
//!
//! let raw = b"OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n\
//! Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n\
//! Max-Forwards: 70\r\n\
//! To: <sip:carol@chicago.example.com>\r\n\
//! From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
//! Call-ID: a84b4c76e66710\r\n\
//! CSeq: 63104 OPTIONS\r\n\
//! Content-Length: 0\r\n\r\n";
//! let req = Message::parse(raw)?;
//! req.validate()?;
//! assert_eq!(req.cseq()?.seq, 63104);
//! let ok = MessageBuilder::response_to(&req, 200, None, Some("x1"))?.to_bytes();
//! assert!(ok.starts_with(b"SIP/2.0 200 OK\r\n"));
//! # Ok::<(), mediaplane::Error>(())
//! ```

#![warn(missing_docs)]

pub mod codec;
pub mod dtls;
pub mod error;
pub mod ffi;
pub mod ice;
pub mod rtp;
pub mod sdp;
pub mod sip;
pub mod srtp;
pub mod transport;

pub use error::{Error, ErrorKind, Result};

/// The library version (`CARGO_PKG_VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust examples, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
