//! One WebRTC peer on one UDP port: RFC 7983 demultiplexing of STUN, DTLS,
//! SRTP and SRTCP into the ICE-lite agent, the DTLS-SRTP endpoint and the
//! SRTP contexts, with every non-STUN datagram source-authenticated by ICE.
//!
//! [`WebRtcTransport`] is the sans-IO engine a server runs per browser (or
//! per any peer that speaks ICE, DTLS-SRTP and rtcp-mux, RFC 8834 §4.4 /
//! RFC 8827): built from the peer's offer ([`WebRtcTransport::answer`],
//! which also writes the answer through [`crate::sdp::create_answer`]) or
//! from parameters negotiated elsewhere ([`WebRtcTransport::new`]). It
//! follows RFC 7983 §7 to sort datagrams by first byte and RFC 5761 §4 to
//! tell RTCP from RTP; it admits DTLS, SRTP and SRTCP only from a 5-tuple
//! that passed an ICE connectivity check and still has consent (RFC 8445
//! §7.3, RFC 7675 §5.1), so no address is ever learnt from an
//! unauthenticated packet ("RTP Bleed" cannot happen); it takes its DTLS
//! role from `a=setup` (RFC 5763 §5) and its keys from the DTLS exporter
//! (RFC 5764 §4.2); and on a re-offer it keeps the DTLS association when
//! fingerprint, role and `a=tls-id` are unchanged, and starts a new one
//! when any of them changed (RFC 8842 §5). Left out: TURN and relayed
//! candidates, non-muxed RTCP, SCTP data channels (DTLS application data is
//! ignored), full ICE (the controlling role) and sending consent checks,
//! and choosing between several peers on one port — the host routes each
//! datagram to its transport by 5-tuple, and a STUN request from an unknown
//! address by the first half of its USERNAME ([`WebRtcTransport::local_ufrag`]).
//!
//! # Driving a transport
//!
//! ```text
//! let (mut t, answer) = WebRtcTransport::answer(&offer, TransportConfig::new(cert, vec![addr]))?;
//! // send answer.sdp to the browser
//! loop {
//!     while let Some(tx) = t.poll_transmit() { socket.send_to(&tx.bytes, tx.to) }
//!     while let Some(ev) = t.poll_event() { /* IceConnected, KeysReady, ConsentLost, Closed */ }
//!     wait for a datagram or until t.poll_timeout();
//!     match t.handle_datagram(now, from, local, &mut buf[..n]) {
//!         Ok(Received::Rtp(r)) => { /* buf[r] is the RTP packet in clear */ }
//!         Ok(Received::Rtcp(r)) => { /* buf[r] is the RTCP compound packet */ }
//!         Ok(_) => {}
//!         Err(e) => { /* dropped and counted in t.stats() */ }
//!     }
//!     // or t.handle_timeout(now)
//!     // to send: write RTP into buf leaving t.rtp_overhead() bytes free, then
//!     // let out = t.send_rtp(now, &mut buf, len)?; socket.send_to(&buf[..out.len], out.to)
//! }
//! ```
//!
//! Received media is decrypted in the caller's buffer and handed back as a
//! range of it, and sent media is encrypted in the caller's buffer: nothing
//! is allocated per media packet. Handshake and STUN traffic is queued as
//! owned [`Transmit`]s.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

mod webrtc;

pub use webrtc::{
    Outgoing, Received, RemoteParameters, Transmit, TransportConfig, TransportEvent,
    TransportStats, WebRtcTransport,
};
