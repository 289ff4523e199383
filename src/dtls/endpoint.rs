//! The sans-IO DTLS-SRTP endpoint: one association with one peer.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use rtc_dtls::config::{ClientAuthType, ConfigBuilder, ExtendedMasterSecretType, HandshakeConfig};
use rtc_dtls::endpoint::{Endpoint, EndpointEvent};
use rtc_dtls::extension::extension_use_srtp::SrtpProtectionProfile;
use rtc_shared::error::Error as DtlsError;
use rtc_shared::TransportProtocol;

use super::certificate::{provider, Certificate};
use super::fingerprint::{Fingerprint, HashAlgorithm};
use super::keys::{SrtpKeyingMaterial, EXPORTER_LABEL};
use super::Role;
use crate::error::{Error, Result};
use crate::srtp::Profile;

/// rtc-dtls keys associations by address. This endpoint has exactly one
/// peer, so both ends are fixed documentation addresses (RFC 5737) that
/// never reach the wire or the host.
const PEER: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 9));
const LOCAL: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), 9));

/// DTLS record header (13) plus handshake message header (12): what
/// rtc-dtls adds around each handshake fragment it cuts at its MTU.
const FRAGMENT_OVERHEAD: usize = 25;
/// Smallest MTU accepted: room for headers and a useful fragment.
pub const MIN_MTU: usize = 256;
/// How often this room resends a flight itself (see `sync`), the same
/// budget rtc-dtls has for its own retransmissions.
const MAX_OWN_RETRANSMITS: usize = 7;
/// Largest MTU accepted (a UDP payload over IPv4).
pub const MAX_MTU: usize = 65_507;

/// The error text the fingerprint check hands rtc-dtls, recognised again
/// when the handshake fails with it.
const MISMATCH: &str = "peer certificate does not match any remote fingerprint";

/// Settings of a [`DtlsEndpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtlsConfig {
    /// Largest datagram sent, in bytes (default 1200, [`MIN_MTU`] to
    /// [`MAX_MTU`]). Handshake messages are fragmented to fit.
    pub mtu: usize,
    /// SRTP protection profiles offered in `use_srtp`, most preferred
    /// first (default: AES128_CM_HMAC_SHA1_80, AES128_CM_HMAC_SHA1_32,
    /// AEAD_AES_128_GCM, AEAD_AES_256_GCM). Only profiles with a DTLS-SRTP
    /// identifier ([`Profile::dtls_id`]) may be listed. The client's order
    /// decides: the server picks the first client profile it also has.
    pub srtp_profiles: Vec<Profile>,
    /// First handshake retransmission timeout (RFC 6347 §4.2.4.1: 1 s).
    pub initial_retransmit: Duration,
    /// Ceiling of the doubling retransmission timeout (RFC 6347 §4.2.4.1:
    /// at least 60 s).
    pub max_retransmit: Duration,
    /// Give up on a handshake that has not completed this long after
    /// [`DtlsEndpoint::start`] (default none: the handshake fails only when
    /// a flight has been retransmitted 7 times without an answer; a server
    /// whose client vanished after the HelloVerifyRequest, which is never
    /// retransmitted, then waits for as long as the host keeps it).
    pub handshake_timeout: Option<Duration>,
}

impl Default for DtlsConfig {
    fn default() -> Self {
        DtlsConfig {
            mtu: 1200,
            srtp_profiles: vec![
                Profile::Aes128CmHmacSha1_80,
                Profile::Aes128CmHmacSha1_32,
                Profile::AeadAes128Gcm,
                Profile::AeadAes256Gcm,
            ],
            initial_retransmit: Duration::from_secs(1),
            max_retransmit: Duration::from_secs(60),
            handshake_timeout: None,
        }
    }
}

/// Where an endpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtlsState {
    /// Made, not started; a server starts on its first datagram.
    New,
    /// The handshake is under way.
    Handshaking,
    /// The handshake completed, the peer certificate matched and the keys
    /// are ready.
    Connected,
    /// The association ended; see [`DtlsEndpoint::close_reason`].
    Closed,
}

/// Why an association ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer's certificate matches none of the fingerprints its session
    /// description carried (RFC 8122 §5, RFC 5763 §5). The handshake was
    /// aborted with a `bad_certificate` alert.
    FingerprintMismatch,
    /// No SRTP protection profile in common, or the peer did not negotiate
    /// `use_srtp` at all (RFC 5764 §4.1.1).
    NoSrtpProfile,
    /// The peer sent a fatal alert. `description` is the alert number
    /// (RFC 5246 §7.2) when the alert was readable (sent before the
    /// handshake keys), else `None`.
    PeerAlert {
        /// The alert description number, if seen.
        description: Option<u8>,
    },
    /// The peer closed the association with `close_notify`.
    PeerClosed,
    /// The handshake failed for another protocol reason.
    HandshakeFailed {
        /// What the DTLS layer reported.
        detail: String,
    },
    /// The peer stopped answering: a flight was retransmitted the maximum
    /// number of times, or [`DtlsConfig::handshake_timeout`] passed.
    Timeout,
    /// [`DtlsEndpoint::close`] was called.
    LocalClose,
}

impl CloseReason {
    /// The reason as the crate's [`Error`]: a fingerprint mismatch is
    /// [`Error::AuthFailed`], a missing profile [`Error::Unsupported`], the
    /// rest [`Error::Invalid`].
    pub fn to_error(&self) -> Error {
        match self {
            CloseReason::FingerprintMismatch => Error::AuthFailed(
                "dtls peer certificate does not match the fingerprint in its session description",
            ),
            CloseReason::NoSrtpProfile => {
                Error::Unsupported("no dtls-srtp protection profile in common with the peer")
            }
            CloseReason::PeerAlert { .. } => Error::invalid("dtls peer sent a fatal alert", None),
            CloseReason::PeerClosed => Error::invalid("dtls peer closed the association", None),
            CloseReason::HandshakeFailed { .. } => Error::invalid("dtls handshake failed", None),
            CloseReason::Timeout => Error::invalid("dtls handshake timed out", None),
            CloseReason::LocalClose => Error::invalid("dtls association closed locally", None),
        }
    }
}

impl core::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CloseReason::FingerprintMismatch => f.write_str(
                "fingerprint mismatch: the peer certificate does not match the a=fingerprint of its session description",
            ),
            CloseReason::NoSrtpProfile => {
                f.write_str("no srtp protection profile in common (use_srtp)")
            }
            CloseReason::PeerAlert {
                description: Some(d),
            } => write!(f, "peer sent fatal alert {} ({d})", alert_name(*d)),
            CloseReason::PeerAlert { description: None } => f.write_str("peer sent a fatal alert"),
            CloseReason::PeerClosed => f.write_str("peer sent close_notify"),
            CloseReason::HandshakeFailed { detail } => write!(f, "handshake failed: {detail}"),
            CloseReason::Timeout => f.write_str("handshake timed out: the peer stopped answering"),
            CloseReason::LocalClose => f.write_str("closed locally"),
        }
    }
}

/// The name of a TLS alert description (RFC 5246 §7.2, RFC 8446 §6).
pub fn alert_name(description: u8) -> &'static str {
    match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        90 => "user_canceled",
        100 => "no_renegotiation",
        110 => "unsupported_extension",
        _ => "unknown",
    }
}

/// What a [`DtlsEndpoint`] tells its host.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DtlsEvent {
    /// The handshake completed and the peer certificate was verified.
    /// Always followed by [`DtlsEvent::KeysReady`].
    Connected {
        /// The negotiated SRTP protection profile.
        profile: Profile,
        /// The SHA-256 fingerprint of the peer's certificate.
        peer_fingerprint: Fingerprint,
    },
    /// The SRTP keying material; build the SRTP contexts with
    /// [`SrtpKeyingMaterial::contexts`].
    KeysReady(SrtpKeyingMaterial),
    /// The association ended; nothing more is sent or accepted.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// How the peer certificate is checked.
#[derive(Clone)]
enum Verify {
    Fingerprints(Arc<[Fingerprint]>),
    AcceptAny,
}

/// One DTLS-SRTP association with one peer (RFC 5763, RFC 5764,
/// RFC 6347), sans IO. See the [module documentation](super) for the
/// calls a host makes.
pub struct DtlsEndpoint {
    role: Role,
    inner: Endpoint,
    /// The client's handshake configuration, used by `start`.
    client_config: Option<Arc<HandshakeConfig>>,
    verify: Verify,
    state: DtlsState,
    events: VecDeque<DtlsEvent>,
    transmits: VecDeque<Vec<u8>>,
    initial_rto: Duration,
    max_rto: Duration,
    rto: Duration,
    /// rtc-dtls's own retransmission deadline, as last seen: a change
    /// means it (re)sent a flight.
    inner_timer: Option<Instant>,
    /// When the next retransmission is due, with RFC 6347 backoff.
    retransmit_at: Option<Instant>,
    handshake_timeout: Option<Duration>,
    give_up_at: Option<Instant>,
    /// The datagrams of the flight sent last, for resending when rtc-dtls
    /// has dropped its own timer.
    last_flight: Vec<Vec<u8>>,
    /// Resends of `last_flight` made here since the last new flight.
    own_retransmits: usize,
    keys: Option<SrtpKeyingMaterial>,
    peer_fingerprint: Option<Fingerprint>,
    close_reason: Option<CloseReason>,
}

impl core::fmt::Debug for DtlsEndpoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DtlsEndpoint")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("peer_fingerprint", &self.peer_fingerprint)
            .field("close_reason", &self.close_reason)
            .finish_non_exhaustive()
    }
}

fn dtls_profile(p: Profile) -> Result<SrtpProtectionProfile> {
    match p.dtls_id() {
        Some(id) => Ok(SrtpProtectionProfile::from(id)),
        None => Err(Error::InvalidArgument(
            "srtp profile has no dtls-srtp identifier (only AES128_CM_HMAC_SHA1_80/32 and AEAD_AES_128/256_GCM)",
        )),
    }
}

fn our_profile(p: SrtpProtectionProfile) -> Option<Profile> {
    match p {
        SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_80 => Some(Profile::Aes128CmHmacSha1_80),
        SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_32 => Some(Profile::Aes128CmHmacSha1_32),
        SrtpProtectionProfile::Srtp_Aead_Aes_128_Gcm => Some(Profile::AeadAes128Gcm),
        SrtpProtectionProfile::Srtp_Aead_Aes_256_Gcm => Some(Profile::AeadAes256Gcm),
        _ => None,
    }
}

impl DtlsEndpoint {
    /// An endpoint in `role` that presents `certificate` and accepts the
    /// peer only if its certificate matches one of `remote_fingerprints`
    /// (the `a=fingerprint` values of the peer's session description, any
    /// hash function; RFC 8122 §5 allows several).
    ///
    /// Fails if `remote_fingerprints` is empty or the configuration is out
    /// of range.
    pub fn new(
        role: Role,
        certificate: &Certificate,
        remote_fingerprints: &[Fingerprint],
        config: &DtlsConfig,
    ) -> Result<Self> {
        if remote_fingerprints.is_empty() {
            return Err(Error::InvalidArgument(
                "no remote fingerprint to verify the dtls peer certificate against",
            ));
        }
        Self::build(
            role,
            certificate,
            Verify::Fingerprints(remote_fingerprints.into()),
            config,
        )
    }

    /// An endpoint that accepts any peer certificate.
    ///
    /// For tests and diagnostic tools only: without the fingerprint check
    /// anyone on the path can stand in for the peer. The peer's
    /// fingerprint is still reported in [`DtlsEvent::Connected`].
    pub fn new_unverified(
        role: Role,
        certificate: &Certificate,
        config: &DtlsConfig,
    ) -> Result<Self> {
        Self::build(role, certificate, Verify::AcceptAny, config)
    }

    fn build(
        role: Role,
        certificate: &Certificate,
        verify: Verify,
        config: &DtlsConfig,
    ) -> Result<Self> {
        if !(MIN_MTU..=MAX_MTU).contains(&config.mtu) {
            return Err(Error::InvalidArgument("dtls mtu must be 256..=65507 bytes"));
        }
        if config.srtp_profiles.is_empty() {
            return Err(Error::InvalidArgument(
                "no srtp protection profile to offer",
            ));
        }
        let profiles = config
            .srtp_profiles
            .iter()
            .map(|p| dtls_profile(*p))
            .collect::<Result<Vec<_>>>()?;
        if config.initial_retransmit.is_zero() || config.max_retransmit < config.initial_retransmit
        {
            return Err(Error::InvalidArgument(
                "retransmission timeouts must be positive, the maximum at least the initial one",
            ));
        }
        let is_client = role == Role::Client;
        let mut builder = ConfigBuilder::default()
            .with_crypto_provider(provider())
            .with_certificates(vec![certificate.inner().clone()])
            .with_srtp_protection_profiles(profiles)
            .with_extended_master_secret(ExtendedMasterSecretType::Request)
            // WebRTC authenticates by fingerprint, not by a CA chain
            // (RFC 8827 §6.5); this also keeps rtc-dtls from reading the
            // wall clock for chain validity.
            .with_insecure_skip_verify(true)
            .with_flight_interval(config.initial_retransmit)
            .with_mtu(config.mtu - FRAGMENT_OVERHEAD)
            .with_server_name("mediaplane".to_owned());
        if !is_client {
            // RFC 5763 §5: the server must ask for the client's certificate.
            builder = builder.with_client_auth(ClientAuthType::RequireAnyClientCert);
        }
        if let Verify::Fingerprints(fps) = &verify {
            let fps = fps.clone();
            builder = builder.with_verify_peer_certificate(Some(Arc::new(
                move |chain: &[Vec<u8>], _| match chain.first() {
                    Some(leaf) if fps.iter().any(|f| f.matches_der(leaf)) => Ok(()),
                    _ => Err(DtlsError::Other(MISMATCH.to_owned())),
                },
            )));
        }
        let handshake = Arc::new(
            builder
                .build(is_client, None)
                .map_err(|_| Error::InvalidArgument("dtls configuration rejected"))?,
        );
        let (inner, client_config) = if is_client {
            (
                Endpoint::new(LOCAL, TransportProtocol::UDP, None),
                Some(handshake),
            )
        } else {
            (
                Endpoint::new(LOCAL, TransportProtocol::UDP, Some(handshake)),
                None,
            )
        };
        Ok(DtlsEndpoint {
            role,
            inner,
            client_config,
            verify,
            state: DtlsState::New,
            events: VecDeque::new(),
            transmits: VecDeque::new(),
            initial_rto: config.initial_retransmit,
            max_rto: config.max_retransmit,
            rto: config.initial_retransmit,
            inner_timer: None,
            retransmit_at: None,
            handshake_timeout: config.handshake_timeout,
            give_up_at: None,
            last_flight: Vec::new(),
            own_retransmits: 0,
            keys: None,
            peer_fingerprint: None,
            close_reason: None,
        })
    }

    /// Starts the handshake. A client sends its ClientHello now; a server
    /// begins waiting for one (a server also starts by itself on its first
    /// datagram). Call it once the path to the peer is known (for WebRTC,
    /// once ICE has nominated a pair). Later calls do nothing.
    pub fn start(&mut self, now: Instant) {
        if self.state != DtlsState::New {
            return;
        }
        self.state = DtlsState::Handshaking;
        self.give_up_at = self.handshake_timeout.and_then(|d| now.checked_add(d));
        if let Some(cfg) = self.client_config.take() {
            if let Err(e) = self.inner.connect(now, PEER, cfg, None) {
                self.fail(CloseReason::HandshakeFailed {
                    detail: e.to_string(),
                });
                return;
            }
        }
        self.sync(now, false);
    }

    /// Feeds one datagram the host demultiplexed to DTLS (first byte
    /// 20..=63, RFC 7983).
    ///
    /// A datagram that is not well-formed DTLS records (or holds records no
    /// peer sends at that point, such as unencrypted application data) is
    /// dropped with an error and changes nothing (RFC 6347 §4.1.2.7). A
    /// handshake failure is not an error of this call: it closes the
    /// endpoint and queues [`DtlsEvent::Closed`]. Fails too when the
    /// endpoint is closed, or is a client not yet started.
    pub fn handle_datagram(&mut self, now: Instant, bytes: &[u8]) -> Result<()> {
        match self.state {
            DtlsState::Closed => {
                return Err(Error::invalid("dtls association is closed", None));
            }
            DtlsState::New if self.role == Role::Client => {
                return Err(Error::invalid(
                    "dtls client has not started: call start first",
                    None,
                ));
            }
            _ => {}
        }
        let fatal_alert = screen(bytes)?;
        self.start(now);
        let result = self.inner.read(now, PEER, None, BytesMut::from(bytes));
        self.drain();
        match result {
            Ok(events) => {
                for event in events {
                    match event {
                        EndpointEvent::HandshakeComplete => self.on_complete(now),
                        EndpointEvent::PeerClosed => self.fail(CloseReason::PeerClosed),
                        // Data channels are not this room's concern.
                        _ => {}
                    }
                }
            }
            Err(e) => {
                let reason = self.classify(&e, fatal_alert);
                self.fail(reason);
            }
        }
        self.sync(now, false);
        Ok(())
    }

    /// The next datagram to send to the peer, at most [`DtlsConfig::mtu`]
    /// bytes.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// The next event for the host.
    pub fn poll_event(&mut self) -> Option<DtlsEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called;
    /// `None` while nothing is timed (not started, a server waiting for its
    /// first ClientHello, connected, closed).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state != DtlsState::Handshaking {
            return None;
        }
        match (self.retransmit_at, self.give_up_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Drives retransmissions (RFC 6347 §4.2.4: 1 s, doubling up to the
    /// configured maximum) and the handshake timeout. Harmless to call
    /// early or often.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state != DtlsState::Handshaking {
            return;
        }
        if self.give_up_at.is_some_and(|t| t <= now) {
            self.fail(CloseReason::Timeout);
            return;
        }
        if self.retransmit_at.is_none_or(|t| t > now) {
            return;
        }
        if self.inner_timer.is_none() {
            // rtc-dtls dropped its timer (see `sync`): resend ourselves.
            self.own_retransmits += 1;
            if self.own_retransmits > MAX_OWN_RETRANSMITS || self.last_flight.is_empty() {
                self.fail(CloseReason::Timeout);
                return;
            }
            self.transmits.extend(self.last_flight.iter().cloned());
            self.rto = (self.rto * 2).min(self.max_rto);
            self.retransmit_at = now.checked_add(self.rto);
            return;
        }
        let result = self.inner.handle_timeout(PEER, now);
        self.drain();
        if result.is_err() {
            // The only failure here is a flight retransmitted past the
            // budget.
            self.fail(CloseReason::Timeout);
            return;
        }
        self.sync(now, true);
        if self.retransmit_at.is_some_and(|t| t <= now) {
            // rtc-dtls did not re-arm (it had nothing to resend yet): wait
            // for its own deadline rather than spin.
            self.retransmit_at = self.inner_timer.filter(|t| *t > now);
        }
    }

    /// Closes the association, sending `close_notify` if there is one,
    /// and queues [`DtlsEvent::Closed`] with [`CloseReason::LocalClose`].
    pub fn close(&mut self, now: Instant) {
        if self.state == DtlsState::Closed {
            return;
        }
        if self.state != DtlsState::New {
            self.inner.stop(now, PEER);
            self.drain();
        }
        self.fail(CloseReason::LocalClose);
    }

    /// This end's DTLS role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Where the endpoint stands.
    pub fn state(&self) -> DtlsState {
        self.state
    }

    /// Whether the endpoint checks the peer certificate against
    /// fingerprints (false only for [`new_unverified`](Self::new_unverified)).
    pub fn verifies_peer(&self) -> bool {
        matches!(self.verify, Verify::Fingerprints(_))
    }

    /// The SRTP keying material, once connected.
    pub fn keying_material(&self) -> Option<&SrtpKeyingMaterial> {
        self.keys.as_ref()
    }

    /// The SHA-256 fingerprint of the peer certificate, once connected.
    pub fn peer_fingerprint(&self) -> Option<Fingerprint> {
        self.peer_fingerprint
    }

    /// Why the endpoint closed, once closed.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.close_reason.as_ref()
    }

    fn drain(&mut self) {
        let mut flight = Vec::new();
        while let Some(t) = self.inner.poll_transmit() {
            let d = Vec::from(t.message);
            if self.state == DtlsState::Handshaking {
                flight.push(d.clone());
            }
            self.transmits.push_back(d);
        }
        if !flight.is_empty() {
            self.last_flight = flight;
        }
    }

    /// Collects what rtc-dtls queued and follows its retransmission timer:
    /// each time it re-arms, a flight went out now; the next deadline is
    /// now plus the current timeout, which doubles after each
    /// retransmission and resets with each new flight.
    ///
    /// rtc-dtls drops its timer when a datagram brings part of the peer's
    /// next flight or a repeat of its previous one, and then would never
    /// resend by itself: if the rest of that flight was lost, or the peer
    /// repeated because our flight was lost, the handshake would stall.
    /// Our deadline stays in force then, and `handle_timeout` resends the
    /// last flight's datagrams as they were (a peer that already has them
    /// drops the copies as replays, RFC 6347 §4.1.2.6).
    fn sync(&mut self, now: Instant, after_timeout: bool) {
        self.drain();
        if self.state != DtlsState::Handshaking {
            self.retransmit_at = None;
            return;
        }
        let timer = self.inner.poll_timeout(&PEER);
        if timer != self.inner_timer {
            self.inner_timer = timer;
            if timer.is_some() {
                self.rto = if after_timeout {
                    (self.rto * 2).min(self.max_rto)
                } else {
                    self.own_retransmits = 0;
                    self.initial_rto
                };
                self.retransmit_at = now.checked_add(self.rto);
            }
        }
    }

    fn on_complete(&mut self, now: Instant) {
        let Some(st) = self.inner.get_connection_state(PEER) else {
            self.fail(CloseReason::HandshakeFailed {
                detail: "association state missing".to_owned(),
            });
            return;
        };
        let Some(leaf) = st.peer_certificates.first() else {
            self.fail(CloseReason::HandshakeFailed {
                detail: "peer sent no certificate".to_owned(),
            });
            return;
        };
        let fingerprint = Fingerprint::of_der(HashAlgorithm::Sha256, leaf);
        if let Verify::Fingerprints(fps) = &self.verify {
            // rtc-dtls has already run the check; this guards the path
            // where a future version stops calling it.
            if !fps.iter().any(|f| f.matches_der(leaf)) {
                self.inner.stop(now, PEER);
                self.fail(CloseReason::FingerprintMismatch);
                return;
            }
        }
        let Some(profile) = our_profile(st.srtp_protection_profile()) else {
            // A client that offered no use_srtp reaches here on the server
            // side; tell it the association is over.
            self.inner.stop(now, PEER);
            self.fail(CloseReason::NoSrtpProfile);
            return;
        };
        let exported =
            st.export_keying_material(EXPORTER_LABEL, &[], SrtpKeyingMaterial::len_for(profile));
        let keys = match exported.map_err(|e| e.to_string()).and_then(|s| {
            SrtpKeyingMaterial::new(profile, self.role, s.into_bytes()).map_err(|e| e.to_string())
        }) {
            Ok(k) => k,
            Err(detail) => {
                self.inner.stop(now, PEER);
                self.fail(CloseReason::HandshakeFailed { detail });
                return;
            }
        };
        self.state = DtlsState::Connected;
        self.last_flight = Vec::new();
        self.retransmit_at = None;
        self.give_up_at = None;
        self.peer_fingerprint = Some(fingerprint);
        self.events.push_back(DtlsEvent::Connected {
            profile,
            peer_fingerprint: fingerprint,
        });
        self.events.push_back(DtlsEvent::KeysReady(keys.clone()));
        self.keys = Some(keys);
    }

    fn classify(&self, e: &DtlsError, fatal_alert: Option<u8>) -> CloseReason {
        match e {
            DtlsError::Other(s) if s == MISMATCH => CloseReason::FingerprintMismatch,
            DtlsError::ErrClientNoMatchingSrtpProfile
            | DtlsError::ErrServerNoMatchingSrtpProfile
            | DtlsError::ErrRequestedButNoSrtpExtension => CloseReason::NoSrtpProfile,
            DtlsError::ErrAlertFatalOrClose => CloseReason::PeerAlert {
                description: fatal_alert,
            },
            other => CloseReason::HandshakeFailed {
                detail: other.to_string(),
            },
        }
    }

    fn fail(&mut self, reason: CloseReason) {
        if self.state == DtlsState::Closed {
            return;
        }
        self.drain();
        self.state = DtlsState::Closed;
        self.retransmit_at = None;
        self.give_up_at = None;
        self.last_flight = Vec::new();
        self.close_reason = Some(reason.clone());
        self.events.push_back(DtlsEvent::Closed { reason });
    }
}

/// Checks that `bytes` is a sequence of well-formed DTLS records that a
/// peer could send, before rtc-dtls sees it: rtc-dtls answers some
/// malformed plaintext records with a fatal alert, which would let a
/// stray or spoofed datagram end a handshake. Returns the description of a
/// fatal plaintext alert among the records, if any.
fn screen(bytes: &[u8]) -> Result<Option<u8>> {
    const WHAT: &str = "dtls record";
    if bytes.is_empty() {
        return Err(Error::Incomplete {
            what: WHAT,
            offset: 0,
        });
    }
    let mut alert = None;
    let mut off = 0usize;
    while off < bytes.len() {
        let rest = bytes.get(off..).unwrap_or_default();
        let header: [u8; 13] =
            rest.get(..13)
                .and_then(|h| h.try_into().ok())
                .ok_or(Error::Incomplete {
                    what: WHAT,
                    offset: bytes.len(),
                })?;
        let [content_type, major, _minor, e0, e1, _, _, _, _, _, _, l0, l1] = header;
        if major != 254 {
            return Err(Error::parse(WHAT, "expected dtls version 254.x", off + 1));
        }
        let epoch = u16::from_be_bytes([e0, e1]);
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        if len == 0 {
            return Err(Error::parse(WHAT, "empty record", off + 11));
        }
        let body = rest.get(13..13 + len).ok_or(Error::Incomplete {
            what: WHAT,
            offset: bytes.len(),
        })?;
        match (content_type, epoch) {
            (20, 0) if body != [1] => {
                return Err(Error::parse(WHAT, "malformed change_cipher_spec", off + 13));
            }
            (21, 0) => match body {
                [2, d] => alert = Some(*d),
                [_, _] => {}
                _ => return Err(Error::parse(WHAT, "malformed alert", off + 13)),
            },
            (22, 0) if len < 12 => {
                return Err(Error::parse(
                    WHAT,
                    "handshake record shorter than its header",
                    off + 13,
                ));
            }
            (23, 0) => {
                return Err(Error::parse(
                    WHAT,
                    "application data before the handshake keys",
                    off,
                ));
            }
            (20..=23, _) => {}
            _ => return Err(Error::parse(WHAT, "unknown content type", off)),
        }
        off += 13 + len;
    }
    Ok(alert)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_accepts_records_and_rejects_garbage() {
        let rec = |ct: u8, epoch: u16, body: &[u8]| {
            let mut v = vec![ct, 254, 253];
            v.extend_from_slice(&epoch.to_be_bytes());
            v.extend_from_slice(&[0, 0, 0, 0, 0, 1]);
            v.extend_from_slice(&(body.len() as u16).to_be_bytes());
            v.extend_from_slice(body);
            v
        };
        assert_eq!(screen(&rec(22, 0, &[0; 20])).unwrap(), None);
        assert_eq!(screen(&rec(21, 0, &[2, 42])).unwrap(), Some(42));
        assert_eq!(screen(&rec(21, 0, &[1, 0])).unwrap(), None);
        let two = [rec(20, 0, &[1]), rec(22, 1, &[9; 40])].concat();
        assert_eq!(screen(&two).unwrap(), None);
        for bad in [
            vec![],
            vec![22],
            rec(22, 0, &[0; 11]),
            rec(23, 0, &[1, 2, 3]),
            rec(20, 0, &[2]),
            rec(21, 0, &[2]),
            rec(99, 1, &[1]),
            rec(22, 0, &[]),
            {
                let mut r = rec(22, 0, &[0; 20]);
                r[1] = 3;
                r
            },
            {
                let mut r = rec(22, 0, &[0; 20]);
                r.pop();
                r
            },
        ] {
            assert!(screen(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn config_is_checked() {
        let cert = Certificate::generate().unwrap();
        let fp = [cert.fingerprint()];
        let mut c = DtlsConfig::default();
        assert!(DtlsEndpoint::new(Role::Client, &cert, &[], &c).is_err());
        c.mtu = 100;
        assert!(DtlsEndpoint::new(Role::Client, &cert, &fp, &c).is_err());
        c = DtlsConfig::default();
        c.srtp_profiles = vec![Profile::Aes256CmHmacSha1_80];
        assert!(DtlsEndpoint::new(Role::Server, &cert, &fp, &c).is_err());
        c = DtlsConfig::default();
        c.srtp_profiles.clear();
        assert!(DtlsEndpoint::new(Role::Server, &cert, &fp, &c).is_err());
        c = DtlsConfig::default();
        c.max_retransmit = Duration::from_millis(10);
        assert!(DtlsEndpoint::new(Role::Server, &cert, &fp, &c).is_err());
        let e = DtlsEndpoint::new(Role::Server, &cert, &fp, &DtlsConfig::default()).unwrap();
        assert!(e.verifies_peer());
        assert_eq!(e.state(), DtlsState::New);
        assert_eq!(e.poll_timeout(), None);
    }

    #[test]
    fn close_reasons_map_to_errors() {
        assert_eq!(
            CloseReason::FingerprintMismatch.to_error().kind(),
            crate::ErrorKind::AuthFailed
        );
        assert!(CloseReason::FingerprintMismatch
            .to_string()
            .contains("fingerprint mismatch"));
        assert_eq!(
            CloseReason::PeerAlert {
                description: Some(42)
            }
            .to_string(),
            "peer sent fatal alert bad_certificate (42)"
        );
    }
}
