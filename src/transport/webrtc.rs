//! The WebRTC transport engine.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::ops::Range;
use std::time::Instant;

use crate::dtls::{
    Certificate, CloseReason, DtlsConfig, DtlsEndpoint, DtlsEvent, DtlsState, Fingerprint, Role,
};
use crate::error::{Error, Result};
use crate::ice::{CandidatePair, IceConfig, IceCredentials, IceEvent, IceLite, IceStats};
use crate::rtp::{classify, PacketKind};
use crate::sdp::{self, Answer, AnswerOptions, AudioCodec, LocalSource, Offer};
use crate::srtp::{Profile, SrtpContext};

/// Settings of a [`WebRtcTransport`]. Build with [`TransportConfig::new`]
/// and adjust the public fields.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Our DTLS certificate; its SHA-256 fingerprint goes into answers.
    pub certificate: Certificate,
    /// The local addresses of the port, each announced as a host candidate
    /// in this order (the first is preferred).
    pub host_addresses: Vec<SocketAddr>,
    /// Our ICE credentials; generated when `None`.
    pub ice_credentials: Option<IceCredentials>,
    /// Audio codecs accepted in answers (all by default).
    pub audio_codecs: Vec<AudioCodec>,
    /// Video encoding names accepted in answers (none by default).
    pub video_codecs: Vec<String>,
    /// Header extension URIs accepted in answers (none by default).
    pub extmap_uris: Vec<String>,
    /// Streams we announce in answers (none by default).
    pub sources: Vec<LocalSource>,
    /// DTLS settings: MTU, SRTP profiles, retransmission timers.
    pub dtls: DtlsConfig,
    /// ICE settings: consent timeout, pair and queue limits.
    pub ice: IceConfig,
    /// Most datagrams and most events waiting to be polled (64 each by
    /// default); beyond that the oldest are dropped, so a host that stops
    /// polling cannot make the transport grow.
    pub max_queued: usize,
}

impl TransportConfig {
    /// Defaults around a certificate and the port's local addresses.
    pub fn new(certificate: Certificate, host_addresses: Vec<SocketAddr>) -> Self {
        TransportConfig {
            certificate,
            host_addresses,
            ice_credentials: None,
            audio_codecs: AudioCodec::ALL.to_vec(),
            video_codecs: Vec::new(),
            extmap_uris: Vec::new(),
            sources: Vec::new(),
            dtls: DtlsConfig::default(),
            ice: IceConfig::default(),
            max_queued: 64,
        }
    }
}

/// What the peer's session description said, for a transport negotiated
/// without [`WebRtcTransport::answer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteParameters {
    /// The peer's `a=ice-ufrag` and `a=ice-pwd`.
    pub ice: IceCredentials,
    /// The peer's `a=fingerprint` values; its certificate must match one.
    pub fingerprints: Vec<Fingerprint>,
    /// Our DTLS role (from [`crate::dtls::role_for_answer`] or
    /// [`crate::dtls::role_from_answer`]).
    pub role: Role,
    /// The peer's `a=tls-id` (RFC 8842), if it sent one.
    pub tls_id: Option<String>,
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local address to send from.
    pub from: SocketAddr,
    /// The destination.
    pub to: SocketAddr,
    /// The datagram.
    pub bytes: Vec<u8>,
}

/// Where a packet protected in the caller's buffer by
/// [`WebRtcTransport::send_rtp`] or [`WebRtcTransport::send_rtcp`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outgoing {
    /// The local address to send from.
    pub from: SocketAddr,
    /// The destination (the selected pair's remote address).
    pub to: SocketAddr,
    /// The protected length: send the first `len` bytes of the buffer.
    pub len: usize,
}

/// What [`WebRtcTransport::handle_datagram`] did with a datagram it
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// STUN, handled by the ICE agent (an answer may be queued).
    Stun,
    /// DTLS from an authenticated source, handled by the DTLS endpoint.
    Dtls,
    /// An authenticated SRTP packet, now RTP in clear at this range of the
    /// caller's buffer.
    Rtp(Range<usize>),
    /// An authenticated SRTCP packet, now the RTCP compound packet in clear
    /// at this range of the caller's buffer.
    Rtcp(Range<usize>),
}

/// What the host must know; see [`WebRtcTransport::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportEvent {
    /// The peer nominated this pair (or a new one): media goes to it.
    IceConnected(CandidatePair),
    /// The DTLS handshake completed, the peer's certificate matched its
    /// fingerprint and the SRTP contexts are keyed: media flows both ways.
    KeysReady {
        /// The negotiated SRTP protection profile.
        profile: Profile,
        /// The SHA-256 fingerprint of the peer's certificate.
        peer_fingerprint: Fingerprint,
    },
    /// The selected pair went the consent timeout (30 s) without an
    /// authenticated check (RFC 7675 §5.1): media stops in both directions
    /// until the peer nominates a pair again.
    ConsentLost(CandidatePair),
    /// The DTLS association ended (handshake failure, fingerprint mismatch,
    /// peer alert or `close_notify`, [`WebRtcTransport::close`]): nothing
    /// more is sent or accepted unless a re-offer restarts DTLS.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// Counters of a [`WebRtcTransport`], for logs and metrics. Every dropped
/// datagram is counted in exactly one `dropped_*`, `*_failures`,
/// `replays`, `malformed` or `unknown` counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransportStats {
    /// STUN datagrams handed to the ICE agent.
    pub stun: u64,
    /// DTLS datagrams handed to the DTLS endpoint.
    pub dtls: u64,
    /// SRTP packets decrypted and returned.
    pub rtp_received: u64,
    /// SRTCP packets decrypted and returned.
    pub rtcp_received: u64,
    /// RTP packets protected for sending.
    pub rtp_sent: u64,
    /// RTCP packets protected for sending.
    pub rtcp_sent: u64,
    /// DTLS, SRTP or SRTCP from a 5-tuple that has not passed an ICE check
    /// (or whose consent lapsed).
    pub dropped_unauthenticated: u64,
    /// SRTP or SRTCP from an authenticated source before the keys were
    /// ready (or after consent was lost or the transport closed).
    pub dropped_before_keys: u64,
    /// SRTP or SRTCP whose authentication tag did not verify.
    pub srtp_auth_failures: u64,
    /// SRTP or SRTCP packets already received (or older than the replay
    /// window).
    pub replays: u64,
    /// STUN, DTLS or SRTP datagrams that did not parse, or that their
    /// engine refused for another reason.
    pub malformed: u64,
    /// Datagrams of no protocol used here (RFC 7983: ZRTP, TURN channel
    /// data, other first bytes, empty).
    pub unknown: u64,
    /// Times a re-offer started a new DTLS association.
    pub dtls_restarts: u64,
}

/// One WebRTC peer on one UDP port; see the [module documentation](super).
///
/// A sans-IO engine with the crate's verbs:
/// [`handle_datagram`](Self::handle_datagram),
/// [`poll_transmit`](Self::poll_transmit),
/// [`poll_event`](Self::poll_event), [`poll_timeout`](Self::poll_timeout)
/// and [`handle_timeout`](Self::handle_timeout), plus
/// [`send_rtp`](Self::send_rtp) and [`send_rtcp`](Self::send_rtcp) for
/// media going out.
pub struct WebRtcTransport {
    config: TransportConfig,
    ice: IceLite,
    dtls: DtlsEndpoint,
    role: Role,
    remote_fingerprints: Vec<Fingerprint>,
    remote_tls_id: Option<String>,
    local_tls_id: String,
    /// `(send, receive)`, once DTLS has keyed them.
    srtp: Option<(SrtpContext, SrtpContext)>,
    profile: Option<Profile>,
    /// Where DTLS goes before a pair is nominated: the pair of the last
    /// authenticated datagram.
    dtls_path: Option<CandidatePair>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TransportEvent>,
    stats: TransportStats,
    session_id: Option<u64>,
    session_version: u64,
}

impl core::fmt::Debug for WebRtcTransport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebRtcTransport")
            .field("role", &self.role)
            .field("dtls", &self.dtls.state())
            .field("selected_pair", &self.ice.selected_pair())
            .field("profile", &self.profile)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// A fresh RFC 8842 `tls-id`: 24 characters of `[A-Za-z0-9+/]` (144 bits).
fn new_tls_id() -> Result<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw)
        .map_err(|_| Error::Unsupported("the operating system random number generator failed"))?;
    Ok(raw
        .iter()
        .map(|b| char::from(ALPHABET.get(usize::from(b & 63)).copied().unwrap_or(b'A')))
        .collect())
}

/// The SDP room's fingerprints in the DTLS room's form. Hash functions the
/// DTLS room cannot compute (md5, unknown names) are skipped; none left is
/// an error.
fn dtls_fingerprints(fps: &[sdp::Fingerprint]) -> Result<Vec<Fingerprint>> {
    let out: Vec<Fingerprint> = fps
        .iter()
        .filter_map(|f| Fingerprint::parse(&f.to_string()).ok())
        .collect();
    if out.is_empty() {
        return Err(Error::Unsupported(
            "no a=fingerprint with a supported hash function (sha-1, sha-224, sha-256, sha-384, sha-512)",
        ));
    }
    Ok(out)
}

fn same_set(a: &[Fingerprint], b: &[Fingerprint]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

/// What an offer asks of the transport, read from the answer made for it.
struct Negotiated {
    answer: Answer,
    role: Role,
    fingerprints: Vec<Fingerprint>,
    remote_ice: IceCredentials,
    remote_tls_id: Option<String>,
}

impl WebRtcTransport {
    /// A transport for a peer whose parameters were negotiated elsewhere.
    /// A DTLS client starts its handshake once an ICE check has
    /// authenticated a path.
    pub fn new(config: TransportConfig, remote: RemoteParameters) -> Result<Self> {
        if remote.fingerprints.is_empty() {
            return Err(Error::InvalidArgument(
                "no remote fingerprint to verify the dtls peer certificate against",
            ));
        }
        let local = match &config.ice_credentials {
            Some(c) => c.clone(),
            None => IceCredentials::generate()?,
        };
        let mut ice = IceLite::with_config(local, config.ice);
        for a in &config.host_addresses {
            ice.add_host_candidate(*a);
        }
        ice.set_remote_credentials(remote.ice.ufrag(), remote.ice.pwd())?;
        let dtls = DtlsEndpoint::new(
            remote.role,
            &config.certificate,
            &remote.fingerprints,
            &config.dtls,
        )?;
        Ok(WebRtcTransport {
            ice,
            dtls,
            role: remote.role,
            remote_fingerprints: remote.fingerprints,
            remote_tls_id: remote.tls_id,
            local_tls_id: new_tls_id()?,
            srtp: None,
            profile: None,
            dtls_path: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: TransportStats::default(),
            session_id: None,
            session_version: 0,
            config: TransportConfig {
                max_queued: config.max_queued.max(1),
                ..config
            },
        })
    }

    /// Answers a browser's offer: takes the peer's ICE credentials,
    /// fingerprints, `a=setup` and `a=tls-id` from the first section the
    /// answer accepts, makes our credentials and host candidates, takes the
    /// DTLS role the answer's `a=setup` gives (`actpass` is answered
    /// `passive`: we are the DTLS server), and writes the answer with
    /// `a=ice-lite`, our candidates, fingerprint and `a=setup`.
    pub fn answer(offer: &Offer, config: TransportConfig) -> Result<(Self, Answer)> {
        let local = match &config.ice_credentials {
            Some(c) => c.clone(),
            None => IceCredentials::generate()?,
        };
        let local_tls_id = new_tls_id()?;
        let mut options = Self::answer_options(&config, &local, &local_tls_id, None, 1)?;
        let session_id = options.session_id;
        let n = Self::negotiate(offer, &options)?;
        options.session_id = session_id;
        let config = TransportConfig {
            ice_credentials: Some(local),
            ..config
        };
        let mut t = Self::new(
            config,
            RemoteParameters {
                ice: n.remote_ice,
                fingerprints: n.fingerprints,
                role: n.role,
                tls_id: n.remote_tls_id,
            },
        )?;
        t.local_tls_id = local_tls_id;
        t.session_id = Some(session_id);
        t.session_version = 1;
        Ok((t, n.answer))
    }

    fn answer_options(
        config: &TransportConfig,
        ice: &IceCredentials,
        tls_id: &str,
        session_id: Option<u64>,
        session_version: u64,
    ) -> Result<AnswerOptions> {
        let mut o = AnswerOptions::new(ice.clone(), config.certificate.fingerprint().to_string())?;
        let mut probe = IceLite::new(ice.clone());
        o.candidates = config
            .host_addresses
            .iter()
            .map(|a| probe.add_host_candidate(*a))
            .collect();
        o.tls_id = Some(tls_id.to_owned());
        o.audio_codecs = config.audio_codecs.clone();
        o.video_codecs = config.video_codecs.clone();
        o.extmap_uris = config.extmap_uris.clone();
        o.sources = config.sources.clone();
        if let Some(id) = session_id {
            o.session_id = id;
        }
        o.session_version = session_version;
        Ok(o)
    }

    fn negotiate(offer: &Offer, options: &AnswerOptions) -> Result<Negotiated> {
        let answer = sdp::create_answer(offer, options)?;
        let role = match answer.setup {
            sdp::Setup::Active => Role::Client,
            _ => Role::Server,
        };
        let fingerprints = dtls_fingerprints(&answer.remote_fingerprints)?;
        let remote_ice = answer.remote_ice.clone().ok_or(Error::invalid(
            "the accepted media section has no usable a=ice-ufrag and a=ice-pwd",
            None,
        ))?;
        let remote_tls_id = offer
            .media
            .iter()
            .zip(&answer.media)
            .find(|(_, a)| a.accepted)
            .and_then(|(s, _)| s.tls_id.clone());
        Ok(Negotiated {
            answer,
            role,
            fingerprints,
            remote_ice,
            remote_tls_id,
        })
    }

    /// Answers a re-offer from the same peer (RFC 8829 §5.3.2). An
    /// unchanged fingerprint set, DTLS role and `a=tls-id` keep the DTLS
    /// association and its SRTP keys; a change of any of them (or a DTLS
    /// association that has closed) starts a new one: a new endpoint and a
    /// new `a=tls-id` of ours, and no media until its handshake completes.
    /// Changed ICE credentials are an ICE restart (RFC 8445 §9): we take new
    /// credentials too, and media stays on the selected pair until the peer
    /// nominates one under the new credentials.
    pub fn handle_reoffer(&mut self, now: Instant, offer: &Offer) -> Result<Answer> {
        let version = self.session_version.saturating_add(1);
        let mut local = self.ice.local_credentials().clone();
        let mut tls_id = self.local_tls_id.clone();
        let options =
            Self::answer_options(&self.config, &local, &tls_id, self.session_id, version)?;
        let mut n = Self::negotiate(offer, &options)?;

        let ice_restart = self.ice.remote_credentials() != Some(&n.remote_ice);
        let tls_id_changed = match (&self.remote_tls_id, &n.remote_tls_id) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        let dtls_restart = n.role != self.role
            || !same_set(&n.fingerprints, &self.remote_fingerprints)
            || tls_id_changed
            || self.dtls.state() == DtlsState::Closed;
        if ice_restart || dtls_restart {
            if ice_restart {
                local = IceCredentials::generate()?;
            }
            if dtls_restart {
                tls_id = new_tls_id()?;
            }
            let options =
                Self::answer_options(&self.config, &local, &tls_id, self.session_id, version)?;
            n = Self::negotiate(offer, &options)?;
        }
        if dtls_restart {
            // Build the new endpoint before touching any state, so a bad
            // offer leaves the transport as it was.
            let dtls = DtlsEndpoint::new(
                n.role,
                &self.config.certificate,
                &n.fingerprints,
                &self.config.dtls,
            )?;
            self.dtls = dtls;
            self.role = n.role;
            self.srtp = None;
            self.profile = None;
            self.local_tls_id = tls_id;
            self.stats.dtls_restarts += 1;
        }
        if ice_restart {
            self.ice.set_local_credentials(local);
            self.ice
                .set_remote_credentials(n.remote_ice.ufrag(), n.remote_ice.pwd())?;
        }
        self.remote_fingerprints = n.fingerprints;
        self.remote_tls_id = n.remote_tls_id;
        self.session_version = version;
        self.after_ice(now);
        self.after_dtls(now);
        Ok(n.answer)
    }

    /// Handles one datagram that arrived on the local address `to` from
    /// `from`; see the module docs for the demultiplexing. SRTP and SRTCP
    /// are decrypted in place and returned as a range of `bytes`.
    ///
    /// `Err` means the datagram was dropped, and says why: not from a
    /// 5-tuple ICE authenticated, media before the keys, a tag that does
    /// not verify, a replay, a malformed or unknown datagram, or a closed
    /// transport. Each drop is counted in [`stats`](Self::stats). A
    /// datagram never changes which address media goes to unless ICE
    /// authenticated it.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        bytes: &mut [u8],
    ) -> Result<Received> {
        self.expire(now);
        match classify(bytes) {
            PacketKind::Stun => {
                self.stats.stun += 1;
                let r = self.ice.handle_datagram(now, from, to, bytes);
                self.after_ice(now);
                match r {
                    Ok(_) => Ok(Received::Stun),
                    Err(e) => {
                        self.stats.malformed += 1;
                        Err(e)
                    }
                }
            }
            PacketKind::Dtls => {
                if !self.ice.admit(to, from) {
                    self.stats.dropped_unauthenticated += 1;
                    return Err(UNAUTHENTICATED);
                }
                self.stats.dtls += 1;
                if self.ice.selected_pair().is_none() {
                    self.dtls_path = Some(CandidatePair {
                        local: to,
                        remote: from,
                    });
                }
                let r = self.dtls.handle_datagram(now, bytes);
                self.after_dtls(now);
                match r {
                    Ok(()) => Ok(Received::Dtls),
                    Err(e) => {
                        self.stats.malformed += 1;
                        Err(e)
                    }
                }
            }
            kind @ (PacketKind::Rtp | PacketKind::Rtcp) => {
                if !self.ice.admit(to, from) {
                    self.stats.dropped_unauthenticated += 1;
                    return Err(UNAUTHENTICATED);
                }
                let Some((_, rx)) = self
                    .srtp
                    .as_mut()
                    .filter(|_| self.ice.selected_pair().is_some())
                else {
                    self.stats.dropped_before_keys += 1;
                    return Err(Error::invalid(
                        "srtp before the dtls keys are ready (or without a selected pair)",
                        None,
                    ));
                };
                let r = if kind == PacketKind::Rtp {
                    rx.unprotect_rtp(bytes)
                } else {
                    rx.unprotect_rtcp(bytes)
                };
                match r {
                    Ok(n) if kind == PacketKind::Rtp => {
                        self.stats.rtp_received += 1;
                        Ok(Received::Rtp(0..n))
                    }
                    Ok(n) => {
                        self.stats.rtcp_received += 1;
                        Ok(Received::Rtcp(0..n))
                    }
                    Err(e) => {
                        match e {
                            Error::AuthFailed(_) => self.stats.srtp_auth_failures += 1,
                            Error::Replay { .. } => self.stats.replays += 1,
                            _ => self.stats.malformed += 1,
                        }
                        Err(e)
                    }
                }
            }
            PacketKind::Zrtp | PacketKind::TurnChannel | PacketKind::Unknown => {
                self.stats.unknown += 1;
                Err(Error::invalid(
                    "datagram is not stun, dtls, srtp or srtcp (rfc 7983)",
                    None,
                ))
            }
        }
    }

    /// The next datagram to send: STUN answers (from the local address the
    /// request came to), DTLS flights (to the selected pair, or before
    /// nomination to the pair of the last authenticated datagram).
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the host.
    pub fn poll_event(&mut self) -> Option<TransportEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called:
    /// the earlier of the ICE consent expiry and the DTLS retransmission.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.ice.poll_timeout(), self.dtls.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the consent and DTLS retransmission timers. Harmless to call
    /// early or often.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.ice.handle_timeout(now);
        self.after_ice(now);
        self.dtls.handle_timeout(now);
        self.after_dtls(now);
    }

    /// Protects the RTP packet in `buf[..len]` in place for the peer and
    /// says where to send it; `buf` needs [`rtp_overhead`](Self::rtp_overhead)
    /// bytes free after the packet. Fails unless a pair is selected (with
    /// consent) and the keys are ready, or if the packet or the buffer is
    /// unfit.
    pub fn send_rtp(&mut self, now: Instant, buf: &mut [u8], len: usize) -> Result<Outgoing> {
        let (pair, tx) = self.send_path(now)?;
        let len = tx.protect_rtp(buf, len)?;
        self.stats.rtp_sent += 1;
        Ok(Outgoing {
            from: pair.local,
            to: pair.remote,
            len,
        })
    }

    /// Protects the RTCP compound packet in `buf[..len]` in place; `buf`
    /// needs [`rtcp_overhead`](Self::rtcp_overhead) bytes free after it.
    /// Otherwise as [`send_rtp`](Self::send_rtp).
    pub fn send_rtcp(&mut self, now: Instant, buf: &mut [u8], len: usize) -> Result<Outgoing> {
        let (pair, tx) = self.send_path(now)?;
        let len = tx.protect_rtcp(buf, len)?;
        self.stats.rtcp_sent += 1;
        Ok(Outgoing {
            from: pair.local,
            to: pair.remote,
            len,
        })
    }

    /// [`send_rtp`](Self::send_rtp) on a `Vec`, which grows by the tag.
    pub fn send_rtp_vec(&mut self, now: Instant, packet: &mut Vec<u8>) -> Result<Outgoing> {
        let (pair, tx) = self.send_path(now)?;
        tx.protect_rtp_vec(packet)?;
        self.stats.rtp_sent += 1;
        Ok(Outgoing {
            from: pair.local,
            to: pair.remote,
            len: packet.len(),
        })
    }

    /// [`send_rtcp`](Self::send_rtcp) on a `Vec`, which grows by the
    /// SRTCP index and tag.
    pub fn send_rtcp_vec(&mut self, now: Instant, packet: &mut Vec<u8>) -> Result<Outgoing> {
        let (pair, tx) = self.send_path(now)?;
        tx.protect_rtcp_vec(packet)?;
        self.stats.rtcp_sent += 1;
        Ok(Outgoing {
            from: pair.local,
            to: pair.remote,
            len: packet.len(),
        })
    }

    fn send_path(&mut self, now: Instant) -> Result<(CandidatePair, &mut SrtpContext)> {
        self.expire(now);
        let Some(pair) = self.ice.selected_pair() else {
            return Err(Error::invalid(
                "no selected ice pair (not yet nominated, or consent lost)",
                None,
            ));
        };
        match self.srtp.as_mut() {
            Some((tx, _)) => Ok((pair, tx)),
            None => Err(Error::invalid("srtp keys are not ready", None)),
        }
    }

    /// Bytes [`send_rtp`](Self::send_rtp) adds to an RTP packet: the
    /// negotiated profile's tag, or the largest any profile adds (16)
    /// before the keys are ready.
    pub fn rtp_overhead(&self) -> usize {
        self.profile.map_or(16, Profile::rtp_overhead)
    }

    /// Bytes [`send_rtcp`](Self::send_rtcp) adds to an RTCP packet (20
    /// before the keys are ready).
    pub fn rtcp_overhead(&self) -> usize {
        self.profile.map_or(20, Profile::rtcp_overhead)
    }

    /// Closes the DTLS association (sending `close_notify` when there is a
    /// path) and queues [`TransportEvent::Closed`].
    pub fn close(&mut self, now: Instant) {
        self.dtls.close(now);
        self.after_dtls(now);
    }

    /// Whether media can flow: a pair is selected and the keys are ready.
    pub fn is_connected(&self) -> bool {
        self.ice.selected_pair().is_some() && self.srtp.is_some()
    }

    /// Whether the DTLS association has ended.
    pub fn is_closed(&self) -> bool {
        self.dtls.state() == DtlsState::Closed
    }

    /// The pair media goes to, once nominated.
    pub fn selected_pair(&self) -> Option<CandidatePair> {
        self.ice.selected_pair()
    }

    /// The negotiated SRTP profile, once the keys are ready.
    pub fn srtp_profile(&self) -> Option<Profile> {
        self.profile
    }

    /// Our DTLS role.
    pub fn dtls_role(&self) -> Role {
        self.role
    }

    /// The state of the current DTLS association.
    pub fn dtls_state(&self) -> DtlsState {
        self.dtls.state()
    }

    /// Our ICE ufrag: a host serving many peers on one port routes a STUN
    /// request from an unknown address by the part of its USERNAME before
    /// the colon.
    pub fn local_ufrag(&self) -> &str {
        self.ice.local_credentials().ufrag()
    }

    /// Our ICE credentials.
    pub fn local_credentials(&self) -> &IceCredentials {
        self.ice.local_credentials()
    }

    /// Our current `a=tls-id`.
    pub fn local_tls_id(&self) -> &str {
        &self.local_tls_id
    }

    /// The counters.
    pub fn stats(&self) -> TransportStats {
        self.stats
    }

    /// The ICE agent's counters.
    pub fn ice_stats(&self) -> IceStats {
        self.ice.stats()
    }

    /// Expires consent before a datagram or a send is judged, so a pair
    /// whose time ran out is refused even when the host is late with
    /// [`handle_timeout`](Self::handle_timeout).
    fn expire(&mut self, now: Instant) {
        if self.ice.poll_timeout().is_some_and(|t| t <= now) {
            self.ice.handle_timeout(now);
            self.after_ice(now);
        }
    }

    fn push_event(&mut self, e: TransportEvent) {
        if self.events.len() >= self.config.max_queued {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    fn push_transmit(&mut self, t: Transmit) {
        if self.transmits.len() >= self.config.max_queued {
            self.transmits.pop_front();
        }
        self.transmits.push_back(t);
    }

    fn after_ice(&mut self, now: Instant) {
        while let Some(t) = self.ice.poll_transmit() {
            self.push_transmit(Transmit {
                from: t.from,
                to: t.to,
                bytes: t.bytes,
            });
        }
        let mut path_found = false;
        while let Some(e) = self.ice.poll_event() {
            match e {
                IceEvent::PairValidated(p) => {
                    if self.dtls_path.is_none() {
                        self.dtls_path = Some(p);
                    }
                    path_found = true;
                }
                IceEvent::SelectedPairChanged(Some(p)) => {
                    self.dtls_path = Some(p);
                    path_found = true;
                    self.push_event(TransportEvent::IceConnected(p));
                }
                IceEvent::ConsentLost(p) => {
                    if self.dtls_path == Some(p) {
                        self.dtls_path = None;
                    }
                    self.push_event(TransportEvent::ConsentLost(p));
                }
                IceEvent::PairExpired(p) => {
                    if self.dtls_path == Some(p) {
                        self.dtls_path = None;
                    }
                }
                IceEvent::Nominated(_) | IceEvent::SelectedPairChanged(None) => {}
            }
        }
        if path_found && self.role == Role::Client && self.dtls.state() == DtlsState::New {
            self.dtls.start(now);
            self.after_dtls(now);
        }
    }

    fn after_dtls(&mut self, now: Instant) {
        if let Some(path) = self.ice.selected_pair().or(self.dtls_path) {
            while let Some(bytes) = self.dtls.poll_transmit() {
                self.push_transmit(Transmit {
                    from: path.local,
                    to: path.remote,
                    bytes,
                });
            }
        }
        while let Some(e) = self.dtls.poll_event() {
            match e {
                DtlsEvent::Connected { .. } => {}
                DtlsEvent::KeysReady(keys) => match keys.contexts() {
                    Ok(ctx) => {
                        let profile = keys.profile();
                        self.srtp = Some(ctx);
                        self.profile = Some(profile);
                        if let Some(fp) = self.dtls.peer_fingerprint() {
                            self.push_event(TransportEvent::KeysReady {
                                profile,
                                peer_fingerprint: fp,
                            });
                        }
                    }
                    Err(_) => {
                        self.srtp = None;
                        self.dtls.close(now);
                    }
                },
                DtlsEvent::Closed { reason } => {
                    self.srtp = None;
                    self.profile = None;
                    self.push_event(TransportEvent::Closed { reason });
                }
            }
        }
        // A close_notify queued by a close inside the loop above.
        if let Some(path) = self.ice.selected_pair().or(self.dtls_path) {
            while let Some(bytes) = self.dtls.poll_transmit() {
                self.push_transmit(Transmit {
                    from: path.local,
                    to: path.remote,
                    bytes,
                });
            }
        }
    }
}

const UNAUTHENTICATED: Error = Error::Invalid {
    reason: "source 5-tuple has not passed an ice check (or its consent lapsed)",
    offset: None,
};
