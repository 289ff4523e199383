//! ICE-lite for a server on public addresses (RFC 8445 §2.5 and the lite
//! procedures of §7.3 and §8.2), STUN Binding as RFC 8489 defines it, and
//! consent freshness (RFC 7675) from the receiving side.
//!
//! [`IceLite`] is always the controlled agent: it answers the peer's
//! connectivity checks that carry `our-ufrag:peer-ufrag` and verify with
//! our password, keeps every 5-tuple that passed a check as a valid
//! [`CandidatePair`], follows USE-CANDIDATE to a selected pair, and drops a
//! pair that goes 30 s without an authenticated check — for the selected
//! pair that is [`IceEvent::ConsentLost`] and media stops. The same valid
//! set answers the transport's question of whether a DTLS, SRTP or SRTCP
//! datagram came from an authenticated source ([`IceLite::admit`]);
//! nothing else ever adds an address. [`IceCredentials`] makes ufrag and
//! password from the operating system's generator, and [`Candidate`]
//! writes (and reads) `a=candidate` values for the host addresses the
//! application gives. [`StunMessage`] is the zero-copy, total STUN view
//! everything above parses through; responses are encoded with
//! `rtc-stun`.
//!
//! Left out: full ICE (gathering, sending checks, the controlling role),
//! TCP candidates (RFC 6544), TURN, server-reflexive discovery, ICE
//! renomination, long-term credentials and MESSAGE-INTEGRITY-SHA256 (ICE
//! uses the short-term SHA-1 integrity only), and sending consent checks
//! (a lite agent only receives them).
//!
//! ## Driving it from a transport
//! One agent per peer, shared by every local address of the transport. For
//! each datagram on the port, classify it (`rtp::classify`, RFC 7983):
//! STUN goes to [`IceLite::handle_datagram`]; anything else is passed on
//! only if [`IceLite::admit`] says the 5-tuple is authenticated. Send what
//! [`IceLite::poll_transmit`] yields from the local address it names, send
//! media to [`IceLite::selected_pair`], and run
//! [`IceLite::handle_timeout`] at [`IceLite::poll_timeout`].

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

mod agent;
mod candidate;
mod credentials;
pub mod stun;

pub use agent::{
    CandidatePair, IceConfig, IceEvent, IceLite, IceStats, StunOutcome, Transmit, CONSENT_TIMEOUT,
};
pub use candidate::{
    host_candidates, priority, Candidate, CandidateType, HOST_TYPE_PREFERENCE,
    MAX_CANDIDATE_EXTENSIONS, PRFLX_TYPE_PREFERENCE,
};
pub use credentials::{
    check_pwd, check_ufrag, is_ice_char, IceCredentials, MAX_CREDENTIAL_LEN, PWD_LEN, UFRAG_LEN,
};
pub use stun::{BindingRequest, StunClass, StunMessage};
