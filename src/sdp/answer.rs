//! Answering a browser's offer as an ICE-lite, DTLS-SRTP endpoint.

use rtc_sdp::description::common::{Address, Attribute, ConnectionInformation};
use rtc_sdp::description::media::{MediaDescription, MediaName, RangedPort};
use rtc_sdp::description::session::{Origin, TimeDescription, Timing};
use rtc_sdp::SessionDescription;

use super::offer::{
    Direction, Fingerprint, MediaKind, MediaSection, Offer, PayloadFormat, Protocol, RidDirection,
    Setup,
};
use crate::ice::{Candidate, IceCredentials};
use crate::{Error, Result};

/// The audio codecs this library can terminate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// G.711 μ-law, `PCMU/8000`.
    Pcmu,
    /// G.711 A-law, `PCMA/8000`.
    Pcma,
    /// G.722, `G722/8000` (RFC 3551 §4.5.2 keeps the 8000 clock rate).
    G722,
    /// RFC 4733 events, `telephone-event/8000`.
    TelephoneEvent,
}

impl AudioCodec {
    /// The encoding name.
    pub fn name(self) -> &'static str {
        match self {
            AudioCodec::Pcmu => "PCMU",
            AudioCodec::Pcma => "PCMA",
            AudioCodec::G722 => "G722",
            AudioCodec::TelephoneEvent => "telephone-event",
        }
    }

    /// Every codec, in the order of [`AnswerOptions::audio_codecs`]'s
    /// default.
    pub const ALL: [AudioCodec; 4] = [
        AudioCodec::Pcmu,
        AudioCodec::Pcma,
        AudioCodec::G722,
        AudioCodec::TelephoneEvent,
    ];

    fn matches(self, p: &PayloadFormat) -> bool {
        p.is(self.name()) && p.clock_rate == 8000 && p.channels.is_none_or(|c| c == 1)
    }
}

/// A stream we send in one media section, announced with `a=msid` and
/// `a=ssrc` so the browser can name the track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSource {
    /// The mid of the section.
    pub mid: String,
    /// Our SSRC.
    pub ssrc: u32,
    /// The RTCP CNAME.
    pub cname: String,
    /// The stream id of `a=msid`.
    pub stream_id: String,
    /// The track id of `a=msid`.
    pub track_id: String,
}

/// What goes into an answer besides the offer. Build with
/// [`AnswerOptions::new`] and adjust the public fields.
#[derive(Debug, Clone)]
pub struct AnswerOptions {
    /// Our ICE credentials.
    pub ice: IceCredentials,
    /// Our candidates (from [`crate::ice::IceLite::local_candidates`]);
    /// written into the first accepted section of each BUNDLE group, then
    /// `a=end-of-candidates`: a lite agent knows all of them up front.
    pub candidates: Vec<Candidate>,
    /// Our certificate fingerprint, `<hash function> <HEX:HEX:...>`.
    pub fingerprint: String,
    /// Our `a=tls-id` (RFC 8842), written when the offer carries one.
    pub tls_id: Option<String>,
    /// Audio codecs accepted (all four by default). The answer keeps the
    /// offer's order, payload types and fmtp; telephone-event alone does
    /// not make a section acceptable.
    pub audio_codecs: Vec<AudioCodec>,
    /// Video encoding names accepted, compared without case (`VP8`,
    /// `H264`, `VP9`, `AV1`; `rtx`, `red`, `ulpfec` to keep those too).
    /// Payloads are passed through with the offer's fmtp and rtcp-fb; one
    /// whose fmtp names an `apt` is kept only with the payload it points
    /// to. Empty by default: video sections are rejected.
    pub video_codecs: Vec<String>,
    /// Header extension URIs accepted; the offer's ids are kept. Empty by
    /// default.
    pub extmap_uris: Vec<String>,
    /// Whether to receive simulcast: the offer's `send` rids are answered
    /// `recv` with `a=simulcast:recv`. The rid header extension
    /// (`urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id`) must be in
    /// `extmap_uris` for browsers to tag the layers. Off by default.
    pub accept_simulcast: bool,
    /// What we can do in every section (`sendrecv` by default); the answer
    /// is this intersected with the reverse of the offer's direction.
    pub direction: Direction,
    /// Streams we send.
    pub sources: Vec<LocalSource>,
    /// `o=` session id (random by default).
    pub session_id: u64,
    /// `o=` session version (1 by default); raise it for each new answer.
    pub session_version: u64,
}

impl AnswerOptions {
    /// Options with our credentials and fingerprint, defaults elsewhere.
    pub fn new(ice: IceCredentials, fingerprint: impl Into<String>) -> Result<Self> {
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|_| {
            Error::Unsupported("the operating system random number generator failed")
        })?;
        Ok(AnswerOptions {
            ice,
            candidates: Vec::new(),
            fingerprint: fingerprint.into(),
            tls_id: None,
            audio_codecs: AudioCodec::ALL.to_vec(),
            video_codecs: Vec::new(),
            extmap_uris: Vec::new(),
            accept_simulcast: false,
            direction: Direction::SendRecv,
            sources: Vec::new(),
            // RFC 8866 §5.2 and JSEP §5.2.1: a 63-bit session id.
            session_id: u64::from_be_bytes(id) >> 1,
            session_version: 1,
        })
    }
}

/// How one media section was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredMedia {
    /// The section's mid.
    pub mid: Option<String>,
    /// Its media type.
    pub kind: MediaKind,
    /// Whether it was accepted (port 9) or rejected (port 0).
    pub accepted: bool,
    /// The payload formats accepted, in the answer's order.
    pub payloads: Vec<PayloadFormat>,
    /// The answer's direction.
    pub direction: Direction,
}

/// An answer: the text, and what it agreed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The SDP text.
    pub sdp: String,
    /// Our DTLS role.
    pub setup: Setup,
    /// The peer's fingerprints (of the first accepted section), for the
    /// DTLS endpoint to check the peer's certificate against.
    pub remote_fingerprints: Vec<Fingerprint>,
    /// The peer's ICE credentials (of the first accepted section).
    pub remote_ice: Option<IceCredentials>,
    /// The accepted mids of each BUNDLE group, in offer order.
    pub bundle_groups: Vec<Vec<String>>,
    /// Per offered section, in order.
    pub media: Vec<AnsweredMedia>,
}

fn attr(key: &str, value: impl Into<String>) -> Attribute {
    Attribute::new(key.to_owned(), Some(value.into()))
}

fn flag(key: &str) -> Attribute {
    Attribute::new(key.to_owned(), None)
}

fn any_address() -> ConnectionInformation {
    ConnectionInformation {
        network_type: "IN".to_owned(),
        address_type: "IP4".to_owned(),
        address: Some(Address {
            address: "0.0.0.0".to_owned(),
            ttl: None,
            range: None,
        }),
    }
}

fn media_name(s: &MediaSection, port: u16, formats: Vec<String>) -> MediaName {
    MediaName {
        media: s.kind.as_str().to_owned(),
        port: RangedPort {
            value: port as isize,
            range: None,
        },
        protos: s.protocol.as_str().split('/').map(str::to_owned).collect(),
        formats,
    }
}

fn reject(s: &MediaSection) -> MediaDescription {
    let formats = if s.formats.is_empty() {
        // The m= grammar needs one format; RFC 8866 §5.14 keeps the
        // offer's, and a bare m= line has none to keep.
        vec!["0".to_owned()]
    } else {
        s.formats.clone()
    };
    let mut md = MediaDescription {
        media_name: media_name(s, 0, formats),
        connection_information: Some(any_address()),
        ..Default::default()
    };
    if let Some(mid) = &s.mid {
        md.attributes.push(attr("mid", mid.clone()));
    }
    md
}

/// Picks the payloads of `s` we accept, in the offer's order.
fn choose_payloads(s: &MediaSection, o: &AnswerOptions) -> Vec<PayloadFormat> {
    match s.kind {
        MediaKind::Audio => {
            let chosen: Vec<PayloadFormat> = s
                .payloads
                .iter()
                .filter(|p| o.audio_codecs.iter().any(|c| c.matches(p)))
                .map(|p| PayloadFormat {
                    // Audio feedback (transport-cc, nack) is not done here.
                    rtcp_fb: Vec::new(),
                    ..p.clone()
                })
                .collect();
            let has_voice = chosen.iter().any(|p| !p.is("telephone-event"));
            if has_voice {
                chosen
            } else {
                Vec::new()
            }
        }
        MediaKind::Video => {
            let named: Vec<&PayloadFormat> = s
                .payloads
                .iter()
                .filter(|p| o.video_codecs.iter().any(|n| p.is(n)))
                .collect();
            let primary: Vec<u8> = named
                .iter()
                .filter(|p| p.apt().is_none())
                .map(|p| p.pt)
                .collect();
            if primary.is_empty() {
                return Vec::new();
            }
            named
                .into_iter()
                .filter(|p| p.apt().is_none_or(|apt| primary.contains(&apt)))
                .cloned()
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Answers `offer` (RFC 8829 §5.3, RFC 8843 §7.3, RFC 8839 §4.2, RFC 5763
/// §5); see the module docs for what is accepted. Fails when the offer is
/// not a usable WebRTC offer ([`Offer::check_webrtc`]), when our
/// fingerprint or tls-id is malformed, when the offer asks for `holdconn`,
/// or when no section can be accepted.
pub fn create_answer(offer: &Offer, options: &AnswerOptions) -> Result<Answer> {
    offer.check_webrtc()?;
    let ours = Fingerprint::parse(&options.fingerprint).map_err(|_| {
        Error::InvalidArgument("our fingerprint must be <hash function> <HEX:HEX...>")
    })?;
    if let Some(id) = &options.tls_id {
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/-_".contains(&b))
        {
            return Err(Error::InvalidArgument(
                "tls-id must be 1*(ALPHA / DIGIT / + / / / - / _)",
            ));
        }
    }

    // One transport for everything (we only do BUNDLE or a single
    // section); its role follows the first section we can accept.
    // A bundle-only section (RFC 8843 §6) comes with port 0 in the offer
    // and is accepted like the others once BUNDLE is.
    let acceptable = |s: &MediaSection| {
        let bundled = s
            .mid
            .as_deref()
            .is_some_and(|m| offer.bundle_group_of(m).is_some());
        (s.port != 0 || (s.bundle_only && bundled))
            && s.protocol == Protocol::UdpTlsRtpSavpf
            && s.rtcp_mux
            && matches!(s.kind, MediaKind::Audio | MediaKind::Video)
    };
    let mut plans: Vec<(Vec<PayloadFormat>, Direction)> = Vec::with_capacity(offer.media.len());
    for s in &offer.media {
        let payloads = if acceptable(s) {
            choose_payloads(s, options)
        } else {
            Vec::new()
        };
        let dir = Direction::from_flags(
            options.direction.sends() && s.direction.receives(),
            options.direction.receives() && s.direction.sends(),
        );
        plans.push((payloads, dir));
    }
    // Without BUNDLE only one section can share our one port.
    if offer.bundle_groups.is_empty() {
        let mut first = true;
        for (p, _) in plans.iter_mut() {
            if !p.is_empty() {
                if !first {
                    p.clear();
                }
                first = false;
            }
        }
    }
    let Some(lead) = offer
        .media
        .iter()
        .zip(&plans)
        .find(|(_, (p, _))| !p.is_empty())
        .map(|(s, _)| s)
    else {
        return Err(Error::invalid(
            "no media section of the offer can be accepted (codecs, rtcp-mux, protocol)",
            None,
        ));
    };
    let setup = match lead.setup {
        None | Some(Setup::ActPass) | Some(Setup::Active) => Setup::Passive,
        Some(Setup::Passive) => Setup::Active,
        Some(Setup::HoldConn) => {
            return Err(Error::Unsupported(
                "a=setup:holdconn (no DTLS connection wanted)",
            ))
        }
    };
    let remote_ice = match (&lead.ice_ufrag, &lead.ice_pwd) {
        (Some(u), Some(p)) => IceCredentials::new(u, p).ok(),
        _ => None,
    };

    let accepted_mid = |mid: &String| {
        offer
            .media
            .iter()
            .zip(&plans)
            .any(|(s, (p, _))| s.mid.as_ref() == Some(mid) && !p.is_empty())
    };
    let bundle_groups: Vec<Vec<String>> = offer
        .bundle_groups
        .iter()
        .map(|g| {
            g.iter()
                .filter(|m| accepted_mid(m))
                .cloned()
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect();

    let mut desc = SessionDescription {
        version: 0,
        origin: Origin {
            username: "-".to_owned(),
            session_id: options.session_id,
            session_version: options.session_version,
            network_type: "IN".to_owned(),
            address_type: "IP4".to_owned(),
            unicast_address: "127.0.0.1".to_owned(),
        },
        session_name: "-".to_owned(),
        time_descriptions: vec![TimeDescription {
            timing: Timing {
                start_time: 0,
                stop_time: 0,
            },
            repeat_times: Vec::new(),
        }],
        ..Default::default()
    };
    desc.attributes.push(flag("ice-lite"));
    for g in &bundle_groups {
        desc.attributes
            .push(attr("group", format!("BUNDLE {}", g.join(" "))));
    }
    if offer.extmap_allow_mixed && !options.extmap_uris.is_empty() {
        desc.attributes.push(flag("extmap-allow-mixed"));
    }
    if !options.sources.is_empty() {
        desc.attributes.push(attr("msid-semantic", " WMS *"));
    }

    let mut answered = Vec::with_capacity(offer.media.len());
    let mut candidates_written = false;
    for (s, (payloads, dir)) in offer.media.iter().zip(plans) {
        if payloads.is_empty() {
            desc.media_descriptions.push(reject(s));
            answered.push(AnsweredMedia {
                mid: s.mid.clone(),
                kind: s.kind.clone(),
                accepted: false,
                payloads,
                direction: Direction::Inactive,
            });
            continue;
        }
        let formats = payloads.iter().map(|p| p.pt.to_string()).collect();
        let mut md = MediaDescription {
            media_name: media_name(s, 9, formats),
            connection_information: Some(any_address()),
            ..Default::default()
        };
        let a = &mut md.attributes;
        if let Some(mid) = &s.mid {
            a.push(attr("mid", mid.clone()));
        }
        a.push(attr("ice-ufrag", options.ice.ufrag()));
        a.push(attr("ice-pwd", options.ice.pwd()));
        a.push(attr("fingerprint", ours.to_string()));
        a.push(attr("setup", setup.as_str()));
        if s.tls_id.is_some() {
            if let Some(id) = &options.tls_id {
                a.push(attr("tls-id", id.clone()));
            }
        }
        // Each BUNDLE group (or the lone section) shares one transport, so
        // its candidates go once, in the group's first accepted section.
        let leads_group = match &s.mid {
            Some(mid) => bundle_groups.iter().any(|g| g.first() == Some(mid)),
            None => false,
        };
        if leads_group || (bundle_groups.is_empty() && !candidates_written) {
            for c in &options.candidates {
                a.push(attr("candidate", c.to_string()));
            }
            a.push(flag("end-of-candidates"));
            candidates_written = true;
        }
        for e in &s.extmaps {
            if options.extmap_uris.contains(&e.uri) {
                let v = match &e.attributes {
                    Some(x) => format!("{} {} {x}", e.id, e.uri),
                    None => format!("{} {}", e.id, e.uri),
                };
                a.push(attr("extmap", v));
            }
        }
        a.push(flag(dir.as_str()));
        let source = options
            .sources
            .iter()
            .find(|src| Some(&src.mid) == s.mid.as_ref() && dir.sends());
        if let Some(src) = source {
            a.push(attr("msid", format!("{} {}", src.stream_id, src.track_id)));
        }
        a.push(flag("rtcp-mux"));
        if s.rtcp_rsize {
            a.push(flag("rtcp-rsize"));
        }
        for p in &payloads {
            let rtpmap = match p.channels {
                Some(c) => format!("{} {}/{}/{c}", p.pt, p.name, p.clock_rate),
                None => format!("{} {}/{}", p.pt, p.name, p.clock_rate),
            };
            a.push(attr("rtpmap", rtpmap));
            for fb in &p.rtcp_fb {
                a.push(attr("rtcp-fb", format!("{} {fb}", p.pt)));
            }
            if let Some(f) = &p.fmtp {
                a.push(attr("fmtp", format!("{} {f}", p.pt)));
            }
        }
        if options.accept_simulcast && s.kind == MediaKind::Video && dir.receives() {
            if let Some(sc) = &s.simulcast {
                let offered: Vec<&str> = s
                    .rids
                    .iter()
                    .filter(|r| r.direction == RidDirection::Send)
                    .map(|r| r.id.as_str())
                    .collect();
                let streams: Vec<String> = sc
                    .send
                    .iter()
                    .map(|alts| {
                        alts.iter()
                            .filter(|st| offered.contains(&st.rid.as_str()))
                            .map(|st| st.rid.clone())
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .filter(|s| !s.is_empty())
                    .collect();
                if !streams.is_empty() {
                    for stream in &streams {
                        for rid in stream.split(',') {
                            a.push(attr("rid", format!("{rid} recv")));
                        }
                    }
                    a.push(attr("simulcast", format!("recv {}", streams.join(";"))));
                }
            }
        }
        if let Some(src) = source {
            a.push(attr("ssrc", format!("{} cname:{}", src.ssrc, src.cname)));
            a.push(attr(
                "ssrc",
                format!("{} msid:{} {}", src.ssrc, src.stream_id, src.track_id),
            ));
        }
        desc.media_descriptions.push(md);
        answered.push(AnsweredMedia {
            mid: s.mid.clone(),
            kind: s.kind.clone(),
            accepted: true,
            payloads,
            direction: dir,
        });
    }

    Ok(Answer {
        sdp: desc.marshal(),
        setup,
        remote_fingerprints: lead.fingerprints.clone(),
        remote_ice,
        bundle_groups,
        media: answered,
    })
}
