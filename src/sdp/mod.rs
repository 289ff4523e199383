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
