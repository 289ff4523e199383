//! The browser-facing session description: reading a WebRTC (or SIP)
//! offer into typed parts, and answering it as an ICE-lite, DTLS-SRTP
//! endpoint (RFC 8866, RFC 8829 JSEP §5, RFC 8843 BUNDLE, RFC 8839 ICE,
//! RFC 5763/8842 DTLS roles and tls-id, RFC 8122 fingerprints, RFC 8285
//! extmap, RFC 5576 ssrc, RFC 8830 msid, RFC 8851/8853 rid and simulcast).
//!
//! [`Offer::parse`] takes the text through `rtc-sdp` (which does the line
//! grammar and ordering) after a pre-scan of ours that bounds the size,
//! insists on UTF-8 and `<letter>=` lines and remembers where each line
//! starts, so every error — ours or `rtc-sdp`'s — names what was wrong and
//! carries a byte offset. Attributes are then read into [`MediaSection`]s
//! with the session-level defaults (ICE credentials, fingerprints, setup,
//! tls-id, direction) applied. [`Offer::check_webrtc`] says what a WebRTC
//! offer lacks. [`create_answer`] writes the answer a browser accepts:
//! `a=ice-lite`, our credentials, candidates and fingerprint,
//! `a=setup:passive` (active when the offer is passive), BUNDLE with the
//! accepted mids, rtcp-mux, audio restricted to PCMU, PCMA, G722 and
//! telephone-event at 8000 Hz in the offer's order with its payload types
//! and fmtp, video passed through by encoding name, rejected sections
//! (data channels among them: no SCTP here) at port 0 with their mid and
//! out of BUNDLE. It never writes `a=crypto`.
//!
//! ```
//! use mediaplane::ice::{IceCredentials, IceLite};
//! use mediaplane::sdp::{create_answer, AnswerOptions, Offer};
//!
//! let offer = Offer::parse_webrtc(
//!     "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
//!      a=group:BUNDLE 0\r\n\
//!      m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\n\
//!      a=mid:0\r\na=ice-ufrag:Qw7z\r\na=ice-pwd:hX0c4Tq2nLb9RkVw3ZpYs8Ue\r\n\
//!      a=fingerprint:sha-256 4A:1B:9C:0D:E2:77:53:6F:18:A9:C4:3E:B5:02:DD:61:\
//!      7F:88:2C:94:E0:1D:5A:B3:6C:F7:09:42:8E:13:AD:C5\r\n\
//!      a=setup:actpass\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n",
//! )?;
//! let mut agent = IceLite::new(IceCredentials::generate()?);
//! agent.add_host_candidate("192.0.2.1:3478".parse().unwrap());
//! let s = &offer.media[0];
//! agent.set_remote_credentials(s.ice_ufrag.as_deref().unwrap(), s.ice_pwd.as_deref().unwrap())?;
//!
//! let mut options = AnswerOptions::new(
//!     agent.local_credentials().clone(),
//!     "sha-256 0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0:\
//!      0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0",
//! )?;
//! options.candidates = agent.local_candidates().to_vec();
//! let answer = create_answer(&offer, &options)?;
//! assert!(answer.sdp.contains("a=ice-lite\r\n"));
//! assert!(answer.sdp.contains("m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"));
//! assert!(answer.sdp.contains("a=setup:passive\r\n"));
//! # Ok::<(), mediaplane::Error>(())
//! ```
//!
//! Parsing allocates (owned strings in `rtc-sdp` and here): a description
//! is read once per negotiation, never per packet.
//!
//! Left out: generating offers, re-offer state (the transport compares
//! fingerprints and tls-id between negotiations), SDES-SRTP answers for
//! SIP devices, data channels, `a=rtcp` without mux, and more than one
//! transport when the offer does not BUNDLE (only its first acceptable
//! section is accepted then).

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

mod answer;
mod offer;

pub use answer::{create_answer, Answer, AnswerOptions, AnsweredMedia, AudioCodec, LocalSource};
pub use offer::{
    Direction, ExtMap, Fingerprint, MediaKind, MediaSection, Msid, Offer, PayloadFormat, Protocol,
    Rid, RidDirection, Setup, Simulcast, SimulcastStream, SsrcAttribute, SsrcGroup,
    MAX_MEDIA_SECTIONS, MAX_SDP_LEN,
};
