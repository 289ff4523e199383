//! DTLS-SRTP keying (RFC 5763, RFC 5764, RFC 6347, RFC 8842, RFC 8122).
//!
//! A [`DtlsEndpoint`] runs one DTLS 1.2 association with one peer, sans
//! IO, and turns it into SRTP keys: the `use_srtp` extension picks the
//! protection profile (RFC 5764 §4.1.2: AES128_CM_HMAC_SHA1_80/32,
//! AEAD_AES_128/256_GCM), the exporter (RFC 5764 §4.2) yields the keying
//! material, and [`SrtpKeyingMaterial::contexts`] makes the send and
//! receive [`SrtpContext`](crate::srtp::SrtpContext)s for this end's role.
//! The peer certificate is accepted only if it matches an `a=fingerprint`
//! of the peer's session description ([`Fingerprint`], any of SHA-1 to
//! SHA-512); a mismatch aborts the handshake with `bad_certificate` and
//! closes the endpoint with [`CloseReason::FingerprintMismatch`]. The
//! client and server roles follow `a=setup` ([`Setup`],
//! [`role_for_answer`], [`role_from_answer`]). Certificates are ECDSA
//! P-256, self-signed, made on request ([`Certificate::generate`]), or
//! loaded from PEM (PKCS#8, SEC 1 or PKCS#1 RSA keys). Left out: DTLS
//! 1.3, renegotiation and session resumption, pre-shared keys,
//! application data (SCTP data channels), `a=tls-id` bookkeeping (the
//! transport decides when a re-offer needs a new endpoint), and the
//! AES-256-CM SRTP profiles, which DTLS-SRTP does not define.
//!
//! # Driving an endpoint
//!
//! ```text
//! let mut ep = DtlsEndpoint::new(role, &cert, &remote_fingerprints, &DtlsConfig::default())?;
//! ep.start(now);                               // client: ClientHello goes out
//! loop {
//!     while let Some(d) = ep.poll_transmit() { socket.send_to(&d, peer) }
//!     while let Some(ev) = ep.poll_event() { /* Connected, KeysReady, Closed */ }
//!     wait for a datagram or ep.poll_timeout();
//!     ep.handle_datagram(now, &datagram)?;     // or ep.handle_timeout(now)
//! }
//! ```
//!
//! Only datagrams whose first byte is 20..=63 (RFC 7983) belong here; the
//! transport demultiplexes. Every datagram out fits [`DtlsConfig::mtu`]
//! (handshake messages are fragmented, RFC 6347 §4.2.3). Lost flights are
//! retransmitted after 1 s, doubling up to 60 s (RFC 6347 §4.2.4.1), both
//! configurable; a flight retransmitted 7 times without an answer
//! (rtc-dtls's fixed budget) or an optional [`DtlsConfig::handshake_timeout`] ends the
//! handshake with [`CloseReason::Timeout`]. Once connected the endpoint
//! still answers a peer that repeats its last flight (RFC 6347 §4.2.4),
//! and reports a `close_notify` or a fatal alert as
//! [`DtlsEvent::Closed`]. No input panics or corrupts the state: a
//! datagram that is not well-formed DTLS is refused before the DTLS layer
//! sees it.
//!
//! # For a transport
//!
//! A transport that owns one UDP 5-tuple holds one endpoint per DTLS
//! association and:
//! - makes it from the SDP: [`role_for_answer`] (or [`role_from_answer`]
//!   when it offered) gives the role, [`Fingerprint::parse`] each
//!   `a=fingerprint` of the remote description, and its own certificate's
//!   [`Certificate::fingerprint`] goes into the local one;
//! - calls [`DtlsEndpoint::start`] once ICE has a nominated pair, feeds
//!   only datagrams from that authenticated 5-tuple, and sends every
//!   [`DtlsEndpoint::poll_transmit`] datagram to it;
//! - treats an `Err` from [`DtlsEndpoint::handle_datagram`] as one dropped
//!   datagram (count it, carry on): the endpoint is unchanged;
//! - on [`DtlsEvent::KeysReady`] builds its SRTP send and receive contexts
//!   with [`SrtpKeyingMaterial::contexts`], and on [`DtlsEvent::Closed`]
//!   stops media ([`CloseReason::to_error`] gives the crate error);
//! - on a re-offer keeps the endpoint if the remote fingerprint and the
//!   role are unchanged, and otherwise closes it and makes a new one
//!   (RFC 8842 §5).
//!
//! # Built on rtc-dtls
//!
//! The protocol engine is the `rtc-dtls` crate, wrapped so that its
//! shape does not leak: its configuration needs an explicit crypto
//! provider (ring here, as for SRTP), its endpoint keys associations by
//! socket address (this one uses fixed documentation addresses
//! internally: it serves exactly one peer), its PEM loader wants a
//! non-standard key label (this room parses PEM itself), and its
//! retransmission timer does not back off (this room schedules the
//! RFC 6347 doubling and calls into it at those times).
//!
//! Time comes in through `now` everywhere, with one exception inside
//! rtc-dtls: the first four bytes of each hello's random are
//! `gmt_unix_time`, which it fills from `SystemTime::now()` (RFC 5246
//! §7.4.1.2; no peer relies on them). It reads no other clock: peer
//! certificates are checked by fingerprint only, so no validity period is
//! checked against a clock, and generated certificates carry fixed
//! validity dates.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

mod certificate;
mod endpoint;
mod fingerprint;
mod keys;

pub use certificate::Certificate;
pub use endpoint::{
    alert_name, CloseReason, DtlsConfig, DtlsEndpoint, DtlsEvent, DtlsState, MAX_MTU, MIN_MTU,
};
pub use fingerprint::{Fingerprint, HashAlgorithm};
pub use keys::{SrtpKeyingMaterial, EXPORTER_LABEL};

use crate::error::{Error, Result};

/// The DTLS role of this end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sends the ClientHello (`a=setup:active`).
    Client,
    /// Waits for the ClientHello (`a=setup:passive`).
    Server,
}

/// The `a=setup` attribute (RFC 4145 §4, RFC 5763 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: this end opens the connection (DTLS client).
    Active,
    /// `passive`: this end accepts it (DTLS server).
    Passive,
    /// `actpass`: either; an offer says this (RFC 5763 §5).
    ActPass,
    /// `holdconn`: no connection for now.
    HoldConn,
}

impl Setup {
    /// The attribute value as written in SDP.
    pub const fn as_str(self) -> &'static str {
        match self {
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::ActPass => "actpass",
            Setup::HoldConn => "holdconn",
        }
    }

    /// Parses an attribute value (ASCII case ignored, surrounding
    /// whitespace trimmed).
    pub fn parse(value: &str) -> Result<Setup> {
        let v = value.trim();
        [
            Setup::Active,
            Setup::Passive,
            Setup::ActPass,
            Setup::HoldConn,
        ]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(v))
        .ok_or(Error::parse(
            "setup",
            "expected active, passive, actpass or holdconn",
            value.len() - value.trim_start().len(),
        ))
    }
}

impl core::fmt::Display for Setup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Setup {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Setup::parse(s)
    }
}

/// Answering an offer whose `a=setup` is `remote_setup`: the `a=setup`
/// value to put in the answer, and the DTLS role that gives this end.
///
/// `actpass` is answered `passive` (this end is the DTLS server, as
/// RFC 8842 §5.3 recommends for an answerer, which spares a round trip
/// for ICE-lite servers); `active` is answered `passive` (server);
/// `passive` is answered `active` (client). `holdconn` is refused.
pub fn role_for_answer(remote_setup: Setup) -> Result<(Setup, Role)> {
    match remote_setup {
        Setup::ActPass | Setup::Active => Ok((Setup::Passive, Role::Server)),
        Setup::Passive => Ok((Setup::Active, Role::Client)),
        Setup::HoldConn => Err(Error::Unsupported("a=setup:holdconn")),
    }
}

/// This end offered `a=setup:actpass` and the answer says `remote_setup`:
/// the DTLS role this end takes. An answer must not say `actpass`
/// (RFC 5763 §5), nor `holdconn` here.
pub fn role_from_answer(remote_setup: Setup) -> Result<Role> {
    match remote_setup {
        Setup::Active => Ok(Role::Server),
        Setup::Passive => Ok(Role::Client),
        Setup::ActPass => Err(Error::invalid(
            "an answer's a=setup must be active or passive, not actpass",
            None,
        )),
        Setup::HoldConn => Err(Error::Unsupported("a=setup:holdconn")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_roles() {
        assert_eq!(
            role_for_answer(Setup::ActPass).unwrap(),
            (Setup::Passive, Role::Server)
        );
        assert_eq!(
            role_for_answer(Setup::Active).unwrap(),
            (Setup::Passive, Role::Server)
        );
        assert_eq!(
            role_for_answer(Setup::Passive).unwrap(),
            (Setup::Active, Role::Client)
        );
        assert!(role_for_answer(Setup::HoldConn).is_err());
        assert_eq!(role_from_answer(Setup::Active).unwrap(), Role::Server);
        assert_eq!(role_from_answer(Setup::Passive).unwrap(), Role::Client);
        assert!(role_from_answer(Setup::ActPass).is_err());
    }

    #[test]
    fn setup_parse() {
        assert_eq!(Setup::parse(" ACTPASS ").unwrap(), Setup::ActPass);
        assert_eq!("passive".parse::<Setup>().unwrap(), Setup::Passive);
        assert_eq!(Setup::Active.to_string(), "active");
        let e = Setup::parse("both").unwrap_err();
        assert!(e.to_string().contains("expected active"), "{e}");
    }
}
