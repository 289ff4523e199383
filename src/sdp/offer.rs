//! Reading a session description into typed parts.

use core::fmt;
use std::io::Cursor;

use rtc_sdp::description::common::Attribute;
use rtc_sdp::SessionDescription;

use crate::ice::{check_pwd, check_ufrag, Candidate};
use crate::srtp::CryptoAttribute;
use crate::{Error, Result};

/// Longest session description accepted, in bytes.
pub const MAX_SDP_LEN: usize = 64 * 1024;
/// Most media sections accepted.
pub const MAX_MEDIA_SECTIONS: usize = 64;

/// The media type of an `m=` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `application` (data channels, BFCP, ...).
    Application,
    /// Another registered type (`text`, `message`, `image`).
    Other(String),
}

impl MediaKind {
    fn from_token(s: &str) -> Self {
        match s {
            "audio" => MediaKind::Audio,
            "video" => MediaKind::Video,
            "application" => MediaKind::Application,
            other => MediaKind::Other(other.to_owned()),
        }
    }

    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Application => "application",
            MediaKind::Other(s) => s,
        }
    }
}

/// The transport protocol of an `m=` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `UDP/TLS/RTP/SAVPF`: WebRTC media (RFC 5764, RFC 8827).
    UdpTlsRtpSavpf,
    /// `UDP/TLS/RTP/SAVP`.
    UdpTlsRtpSavp,
    /// `RTP/AVP`: plain RTP, as SIP devices offer it.
    RtpAvp,
    /// `RTP/AVPF`.
    RtpAvpf,
    /// `RTP/SAVP`: SRTP keyed with `a=crypto` (RFC 4568).
    RtpSavp,
    /// `RTP/SAVPF`.
    RtpSavpf,
    /// `UDP/DTLS/SCTP`: WebRTC data channels (RFC 8841).
    UdpDtlsSctp,
    /// `TCP/DTLS/SCTP`.
    TcpDtlsSctp,
    /// Anything else, as written.
    Other(String),
}

impl Protocol {
    fn from_token(s: &str) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "UDP/TLS/RTP/SAVPF" => Protocol::UdpTlsRtpSavpf,
            "UDP/TLS/RTP/SAVP" => Protocol::UdpTlsRtpSavp,
            "RTP/AVP" => Protocol::RtpAvp,
            "RTP/AVPF" => Protocol::RtpAvpf,
            "RTP/SAVP" => Protocol::RtpSavp,
            "RTP/SAVPF" => Protocol::RtpSavpf,
            "UDP/DTLS/SCTP" => Protocol::UdpDtlsSctp,
            "TCP/DTLS/SCTP" => Protocol::TcpDtlsSctp,
            _ => Protocol::Other(s.to_owned()),
        }
    }

    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            Protocol::UdpTlsRtpSavpf => "UDP/TLS/RTP/SAVPF",
            Protocol::UdpTlsRtpSavp => "UDP/TLS/RTP/SAVP",
            Protocol::RtpAvp => "RTP/AVP",
            Protocol::RtpAvpf => "RTP/AVPF",
            Protocol::RtpSavp => "RTP/SAVP",
            Protocol::RtpSavpf => "RTP/SAVPF",
            Protocol::UdpDtlsSctp => "UDP/DTLS/SCTP",
            Protocol::TcpDtlsSctp => "TCP/DTLS/SCTP",
            Protocol::Other(s) => s,
        }
    }

    /// Whether the formats are RTP payload types.
    pub fn is_rtp(&self) -> bool {
        matches!(
            self,
            Protocol::UdpTlsRtpSavpf
                | Protocol::UdpTlsRtpSavp
                | Protocol::RtpAvp
                | Protocol::RtpAvpf
                | Protocol::RtpSavp
                | Protocol::RtpSavpf
        )
    }

    /// Whether the media is keyed by DTLS (`a=fingerprint`), not SDES.
    pub fn is_dtls(&self) -> bool {
        matches!(
            self,
            Protocol::UdpTlsRtpSavpf
                | Protocol::UdpTlsRtpSavp
                | Protocol::UdpDtlsSctp
                | Protocol::TcpDtlsSctp
        )
    }
}

/// The media direction (RFC 8866 §6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `sendrecv` (the default).
    SendRecv,
    /// `sendonly`.
    SendOnly,
    /// `recvonly`.
    RecvOnly,
    /// `inactive`.
    Inactive,
}

impl Direction {
    fn from_token(s: &str) -> Option<Self> {
        Some(match s {
            "sendrecv" => Direction::SendRecv,
            "sendonly" => Direction::SendOnly,
            "recvonly" => Direction::RecvOnly,
            "inactive" => Direction::Inactive,
            _ => return None,
        })
    }

    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// Whether this side sends.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether this side receives.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The direction with `sends` and `receives` as given.
    pub fn from_flags(sends: bool, receives: bool) -> Self {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// The peer's view of this direction (sendonly ↔ recvonly).
    pub fn reversed(self) -> Self {
        Self::from_flags(self.receives(), self.sends())
    }
}

/// The DTLS role attribute `a=setup` (RFC 4145 §4, RFC 5763 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: this side sends the ClientHello.
    Active,
    /// `passive`: this side waits for it.
    Passive,
    /// `actpass`: either; offers use it.
    ActPass,
    /// `holdconn`.
    HoldConn,
}

impl Setup {
    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::ActPass => "actpass",
            Setup::HoldConn => "holdconn",
        }
    }
}

/// A certificate fingerprint, `a=fingerprint` (RFC 8122 §5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// The hash function, lower case (`sha-256`, ...).
    pub algorithm: String,
    /// The digest bytes.
    pub value: Vec<u8>,
}

impl Fingerprint {
    /// Parses `<hash-func> <hex>:<hex>:...`. Known hash functions must
    /// carry a digest of their length. Errors carry the byte offset.
    pub fn parse(s: &str) -> Result<Fingerprint> {
        const WHAT: &str = "a=fingerprint";
        let s = s.trim();
        let (alg, hex) = s.split_once(' ').ok_or(Error::parse(
            WHAT,
            "expected <hash function> <hex:hex:...>",
            s.len(),
        ))?;
        let hex_at = alg.len() + 1;
        let alg = alg.to_ascii_lowercase();
        if alg.is_empty() || !alg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(Error::parse(WHAT, "expected a hash function token", 0));
        }
        let mut value = Vec::with_capacity(64);
        for (i, pair) in hex.trim().split(':').enumerate() {
            let at = hex_at + i * 3;
            let byte = (pair.len() == 2)
                .then(|| u8::from_str_radix(pair, 16).ok())
                .flatten()
                .ok_or(Error::parse(WHAT, "expected two hex digits per byte", at))?;
            if value.len() == 64 {
                return Err(Error::parse(WHAT, "expected at most 64 bytes", at));
            }
            value.push(byte);
        }
        let want = match alg.as_str() {
            "sha-1" => Some(20),
            "sha-224" => Some(28),
            "sha-256" => Some(32),
            "sha-384" => Some(48),
            "sha-512" => Some(64),
            "md5" | "md2" => Some(16),
            _ => None,
        };
        if want.is_some_and(|n| n != value.len()) {
            return Err(Error::parse(
                WHAT,
                "expected a digest as long as the hash function's output",
                hex_at,
            ));
        }
        Ok(Fingerprint {
            algorithm: alg,
            value,
        })
    }
}

impl fmt::Display for Fingerprint {
    /// `sha-256 AB:CD:...`, upper-case hex as RFC 8122 writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.algorithm)?;
        for (i, b) in self.value.iter().enumerate() {
            let sep = if i == 0 { ' ' } else { ':' };
            write!(f, "{sep}{b:02X}")?;
        }
        Ok(())
    }
}

/// One RTP payload format: `a=rtpmap`, `a=fmtp` and `a=rtcp-fb` together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadFormat {
    /// The payload type.
    pub pt: u8,
    /// Encoding name as written (`opus`, `PCMU`, `VP8`, `rtx`, ...).
    pub name: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Encoding parameters (channels for audio), when given.
    pub channels: Option<u16>,
    /// Format parameters, verbatim.
    pub fmtp: Option<String>,
    /// Feedback types (`nack`, `nack pli`, `ccm fir`, `transport-cc`,
    /// ...), those given for `*` included.
    pub rtcp_fb: Vec<String>,
}

impl PayloadFormat {
    /// Whether the encoding name matches, ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The `apt` format parameter (RFC 4588 retransmission, RED), if any.
    pub fn apt(&self) -> Option<u8> {
        self.fmtp
            .as_deref()?
            .split(';')
            .find_map(|p| p.trim().strip_prefix("apt="))
            .and_then(|v| v.trim().parse().ok())
    }
}

/// A header extension mapping, `a=extmap` (RFC 8285 §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtMap {
    /// The local identifier (1..=14 one-byte, up to 255 two-byte).
    pub id: u16,
    /// The direction, when given (`a=extmap:2/recvonly ...`).
    pub direction: Option<Direction>,
    /// The extension URI.
    pub uri: String,
    /// Extension attributes after the URI, verbatim.
    pub attributes: Option<String>,
}

/// One `a=ssrc` line (RFC 5576 §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsrcAttribute {
    /// The SSRC.
    pub ssrc: u32,
    /// The source attribute name (`cname`, `msid`, ...).
    pub name: String,
    /// Its value, when given.
    pub value: Option<String>,
}

/// One `a=ssrc-group` line (RFC 5576 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsrcGroup {
    /// Semantics (`FID`, `SIM`, `FEC-FR`).
    pub semantics: String,
    /// The SSRCs, in order.
    pub ssrcs: Vec<u32>,
}

/// `a=msid` (RFC 8830 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msid {
    /// The stream id (`-` for none).
    pub stream_id: String,
    /// The track id, when given.
    pub track_id: Option<String>,
}

/// Direction of an `a=rid` (RFC 8851 §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RidDirection {
    /// `send`.
    Send,
    /// `recv`.
    Recv,
}

impl RidDirection {
    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            RidDirection::Send => "send",
            RidDirection::Recv => "recv",
        }
    }
}

/// `a=rid` (RFC 8851 §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rid {
    /// The RTP stream id.
    pub id: String,
    /// Its direction.
    pub direction: RidDirection,
    /// Payload-type list and restrictions, verbatim, when given.
    pub restrictions: Option<String>,
}

/// One stream of a simulcast alternative list (RFC 8853 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulcastStream {
    /// The rid.
    pub rid: String,
    /// Whether it was written paused (`~`).
    pub paused: bool,
}

/// `a=simulcast` (RFC 8853 §5.1): per direction, a list of streams, each a
/// list of alternatives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Simulcast {
    /// The `send` streams.
    pub send: Vec<Vec<SimulcastStream>>,
    /// The `recv` streams.
    pub recv: Vec<Vec<SimulcastStream>>,
}

/// One `m=` section with its attributes, session-level defaults already
/// applied (ICE credentials and options, fingerprints, setup, tls-id,
/// direction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSection {
    /// Byte offset of the `m=` line in the description.
    pub offset: usize,
    /// Media type.
    pub kind: MediaKind,
    /// Port; 0 means rejected or disabled.
    pub port: u16,
    /// Transport protocol.
    pub protocol: Protocol,
    /// The format list as written (payload types for RTP).
    pub formats: Vec<String>,
    /// Connection address from `c=` (media or session level).
    pub connection_address: Option<String>,
    /// `a=mid`.
    pub mid: Option<String>,
    /// Direction.
    pub direction: Direction,
    /// `a=rtcp-mux`.
    pub rtcp_mux: bool,
    /// `a=rtcp-rsize`.
    pub rtcp_rsize: bool,
    /// `a=bundle-only` (RFC 8843 §6).
    pub bundle_only: bool,
    /// `a=ice-ufrag`.
    pub ice_ufrag: Option<String>,
    /// `a=ice-pwd`.
    pub ice_pwd: Option<String>,
    /// `a=ice-options` tokens (`trickle`, `ice2`, ...).
    pub ice_options: Vec<String>,
    /// `a=fingerprint` lines.
    pub fingerprints: Vec<Fingerprint>,
    /// `a=setup`.
    pub setup: Option<Setup>,
    /// `a=tls-id` (RFC 8842 §4).
    pub tls_id: Option<String>,
    /// Payload formats in `m=` line order (RTP only). Static payload types
    /// without `a=rtpmap` get their RFC 3551 names; dynamic ones without it
    /// are left out.
    pub payloads: Vec<PayloadFormat>,
    /// `a=extmap` lines.
    pub extmaps: Vec<ExtMap>,
    /// `a=ssrc` lines.
    pub ssrcs: Vec<SsrcAttribute>,
    /// `a=ssrc-group` lines.
    pub ssrc_groups: Vec<SsrcGroup>,
    /// `a=msid` lines.
    pub msids: Vec<Msid>,
    /// `a=rid` lines.
    pub rids: Vec<Rid>,
    /// `a=simulcast`.
    pub simulcast: Option<Simulcast>,
    /// `a=candidate` lines.
    pub candidates: Vec<Candidate>,
    /// `a=end-of-candidates` (RFC 8840).
    pub end_of_candidates: bool,
    /// `a=crypto` lines this library can use (SIP SDES offers); suites it
    /// does not implement are skipped, as RFC 4568 §7.5 lets an answerer.
    pub crypto: Vec<CryptoAttribute>,
    /// How many `a=crypto` lines the section has, usable or not.
    pub crypto_lines: usize,
    /// `a=sctp-port` (RFC 8841).
    pub sctp_port: Option<u16>,
    /// `a=max-message-size` (RFC 8841).
    pub max_message_size: Option<u64>,
}

impl MediaSection {
    /// The payload format with this type.
    pub fn payload(&self, pt: u8) -> Option<&PayloadFormat> {
        self.payloads.iter().find(|p| p.pt == pt)
    }

    /// The SSRCs named by `a=ssrc` lines, each once, in order.
    pub fn ssrc_list(&self) -> Vec<u32> {
        let mut v: Vec<u32> = Vec::new();
        for s in &self.ssrcs {
            if !v.contains(&s.ssrc) {
                v.push(s.ssrc);
            }
        }
        v
    }
}

/// A parsed session description — a browser's offer, a SIP device's
/// offer, or an answer. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// `o=` username.
    pub origin_username: String,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` session version.
    pub session_version: u64,
    /// `a=group:BUNDLE` groups, each a list of mids.
    pub bundle_groups: Vec<Vec<String>>,
    /// `a=ice-lite` at session level.
    pub ice_lite: bool,
    /// `a=extmap-allow-mixed` at session level (RFC 8285 §6).
    pub extmap_allow_mixed: bool,
    /// The media sections in order.
    pub media: Vec<MediaSection>,
}

/// Byte offsets of lines, so errors found after `rtc-sdp` has parsed can
/// still point into the text.
#[derive(Debug)]
struct LineMap {
    /// Start of every `a=` line, in order (`rtc-sdp` keeps attributes in
    /// text order, session ones first).
    attrs: Vec<usize>,
    /// Start of every `m=` line.
    media: Vec<usize>,
}

/// Checks the line structure and the limits before `rtc-sdp` sees the text.
fn prescan(text: &str) -> Result<LineMap> {
    let mut map = LineMap {
        attrs: Vec::new(),
        media: Vec::new(),
    };
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\r', '\n']);
        if body.is_empty() {
            continue;
        }
        let b = body.as_bytes();
        let typed = matches!(b, [t, b'=', ..] if t.is_ascii_lowercase());
        if !typed {
            return Err(Error::parse("sdp line", "expected <letter>=<value>", start));
        }
        if b.iter().any(|&c| c < 0x20 && c != b'\t') {
            return Err(Error::parse(
                "sdp line",
                "unexpected control character",
                start,
            ));
        }
        match b.first() {
            Some(b'a') => map.attrs.push(start),
            Some(b'm') => {
                if map.media.len() == MAX_MEDIA_SECTIONS {
                    return Err(Error::Limit {
                        what: "media section count",
                        limit: MAX_MEDIA_SECTIONS,
                        offset: start,
                    });
                }
                map.media.push(start);
            }
            _ => {}
        }
    }
    Ok(map)
}

fn map_rtc_error(text: &str, e: &rtc_shared::error::Error) -> Error {
    use rtc_shared::error::Error as E;
    let locate = |needle: &str| {
        let needle = needle.trim_matches('`');
        if needle.is_empty() {
            0
        } else {
            text.find(needle).unwrap_or(0)
        }
    };
    match e {
        E::SdpInvalidSyntax(v) => Error::parse(
            "sdp",
            "expected the line order v, o, s, [i u e p c b], t, [r z k a], then m sections",
            locate(v),
        ),
        E::SdpInvalidValue(v) => Error::parse(
            "sdp",
            "expected IN, IP4/IP6 and a registered media type",
            locate(v),
        ),
        E::SdpEmptyTimeDescription => {
            Error::parse("sdp", "expected a t= line before attributes and m=", 0)
        }
        E::ParseInt(_) => Error::parse(
            "sdp",
            "expected a number (version 0, session id and version, port, times)",
            0,
        ),
        _ => Error::parse("sdp", "rejected by the sdp grammar", 0),
    }
}

/// Session-level values that media sections inherit.
#[derive(Default)]
struct SessionDefaults {
    ice_ufrag: Option<String>,
    ice_pwd: Option<String>,
    ice_options: Vec<String>,
    fingerprints: Vec<Fingerprint>,
    setup: Option<Setup>,
    tls_id: Option<String>,
    direction: Option<Direction>,
}

fn value<'a>(a: &'a Attribute, what: &'static str, at: usize) -> Result<&'a str> {
    a.value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(Error::parse(what, "expected a value after the colon", at))
}

fn parse_setup(v: &str, at: usize) -> Result<Setup> {
    Ok(match v {
        "active" => Setup::Active,
        "passive" => Setup::Passive,
        "actpass" => Setup::ActPass,
        "holdconn" => Setup::HoldConn,
        _ => {
            return Err(Error::parse(
                "a=setup",
                "expected active, passive, actpass or holdconn",
                at,
            ))
        }
    })
}

fn parse_ufrag(v: &str, at: usize) -> Result<String> {
    check_ufrag(v).map_err(|_| Error::parse("a=ice-ufrag", "expected 4 to 256 ice-chars", at))?;
    Ok(v.to_owned())
}

fn parse_pwd(v: &str, at: usize) -> Result<String> {
    check_pwd(v).map_err(|_| Error::parse("a=ice-pwd", "expected 22 to 256 ice-chars", at))?;
    Ok(v.to_owned())
}

fn parse_token(v: &str, what: &'static str, at: usize) -> Result<String> {
    if v.is_empty() || v.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(Error::parse(what, "expected one token", at));
    }
    Ok(v.to_owned())
}

/// Applies one attribute that may appear at session or media level.
/// Returns whether it was one of them.
fn shared_attribute(a: &Attribute, at: usize, d: &mut SessionDefaults) -> Result<bool> {
    match a.key.as_str() {
        "ice-ufrag" => d.ice_ufrag = Some(parse_ufrag(value(a, "a=ice-ufrag", at)?, at)?),
        "ice-pwd" => d.ice_pwd = Some(parse_pwd(value(a, "a=ice-pwd", at)?, at)?),
        "ice-options" => {
            d.ice_options = value(a, "a=ice-options", at)?
                .split_ascii_whitespace()
                .map(str::to_owned)
                .collect();
        }
        "fingerprint" => {
            let f = Fingerprint::parse(value(a, "a=fingerprint", at)?)
                .map_err(|e| shift(e, at + "a=fingerprint:".len()))?;
            d.fingerprints.push(f);
        }
        "setup" => d.setup = Some(parse_setup(value(a, "a=setup", at)?, at)?),
        "tls-id" => d.tls_id = Some(parse_token(value(a, "a=tls-id", at)?, "a=tls-id", at)?),
        k => match Direction::from_token(k) {
            Some(dir) => d.direction = Some(dir),
            None => return Ok(false),
        },
    }
    Ok(true)
}

/// Moves an error's offset from a value to the whole text.
fn shift(e: Error, base: usize) -> Error {
    match e {
        Error::Parse {
            what,
            reason,
            offset,
        } => Error::parse(what, reason, base + offset),
        Error::Limit {
            what,
            limit,
            offset,
        } => Error::Limit {
            what,
            limit,
            offset: base + offset,
        },
        other => other,
    }
}

fn split_pt<'a>(v: &'a str, what: &'static str, at: usize) -> Result<(Option<u8>, &'a str)> {
    let (pt, rest) = v.split_once([' ', '\t']).ok_or(Error::parse(
        what,
        "expected <payload type> <parameters>",
        at,
    ))?;
    if pt == "*" {
        return Ok((None, rest.trim()));
    }
    let pt = pt
        .parse::<u8>()
        .ok()
        .filter(|&p| p < 128)
        .ok_or(Error::parse(
            what,
            "expected a payload type from 0 to 127",
            at,
        ))?;
    Ok((Some(pt), rest.trim()))
}

/// RFC 3551 §6 names of the static audio and video payload types.
fn static_payload(pt: u8) -> Option<(&'static str, u32, Option<u16>)> {
    Some(match pt {
        0 => ("PCMU", 8000, None),
        3 => ("GSM", 8000, None),
        4 => ("G723", 8000, None),
        5 => ("DVI4", 8000, None),
        6 => ("DVI4", 16000, None),
        7 => ("LPC", 8000, None),
        8 => ("PCMA", 8000, None),
        9 => ("G722", 8000, None),
        10 => ("L16", 44100, Some(2)),
        11 => ("L16", 44100, None),
        12 => ("QCELP", 8000, None),
        13 => ("CN", 8000, None),
        14 => ("MPA", 90000, None),
        15 => ("G728", 8000, None),
        16 => ("DVI4", 11025, None),
        17 => ("DVI4", 22050, None),
        18 => ("G729", 8000, None),
        25 => ("CelB", 90000, None),
        26 => ("JPEG", 90000, None),
        28 => ("nv", 90000, None),
        31 => ("H261", 90000, None),
        32 => ("MPV", 90000, None),
        33 => ("MP2T", 90000, None),
        34 => ("H263", 90000, None),
        _ => return None,
    })
}

fn parse_rtpmap(v: &str, at: usize) -> Result<(u8, String, u32, Option<u16>)> {
    const WHAT: &str = "a=rtpmap";
    const SHAPE: &str = "expected <payload type> <encoding name>/<clock rate>[/<channels>]";
    let (pt, rest) = split_pt(v, WHAT, at)?;
    let pt = pt.ok_or(Error::parse(WHAT, SHAPE, at))?;
    let mut parts = rest.split('/');
    let name = parts.next().unwrap_or("");
    let rate = parts.next().and_then(|r| r.trim().parse::<u32>().ok());
    let channels = match parts.next() {
        None => None,
        Some(c) => Some(
            c.trim()
                .parse::<u16>()
                .map_err(|_| Error::parse(WHAT, SHAPE, at))?,
        ),
    };
    if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) || parts.next().is_some() {
        return Err(Error::parse(WHAT, SHAPE, at));
    }
    let rate = rate.ok_or(Error::parse(WHAT, SHAPE, at))?;
    Ok((pt, name.to_owned(), rate, channels))
}

fn parse_extmap(v: &str, at: usize) -> Result<ExtMap> {
    const WHAT: &str = "a=extmap";
    const SHAPE: &str = "expected <id>[/<direction>] <uri> [<attributes>]";
    let mut it = v.splitn(3, [' ', '\t']);
    let id_dir = it.next().unwrap_or("");
    let uri = it.next().unwrap_or("").trim();
    let attributes = it
        .next()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let (id, dir) = match id_dir.split_once('/') {
        Some((id, dir)) => (
            id,
            Some(Direction::from_token(dir).ok_or(Error::parse(WHAT, SHAPE, at))?),
        ),
        None => (id_dir, None),
    };
    let id = id
        .parse::<u16>()
        .ok()
        .filter(|&i| (1..=255).contains(&i))
        .ok_or(Error::parse(WHAT, "expected an id from 1 to 255", at))?;
    if uri.is_empty() {
        return Err(Error::parse(WHAT, SHAPE, at));
    }
    Ok(ExtMap {
        id,
        direction: dir,
        uri: uri.to_owned(),
        attributes,
    })
}

fn parse_ssrc(v: &str, at: usize) -> Result<SsrcAttribute> {
    const SHAPE: &str = "expected <ssrc> <attribute>[:<value>]";
    let (ssrc, rest) = v.split_once(' ').ok_or(Error::parse("a=ssrc", SHAPE, at))?;
    let ssrc = ssrc
        .parse::<u32>()
        .map_err(|_| Error::parse("a=ssrc", SHAPE, at))?;
    let rest = rest.trim();
    let (name, value) = match rest.split_once(':') {
        Some((n, v)) => (n, Some(v.to_owned())),
        None => (rest, None),
    };
    if name.is_empty() {
        return Err(Error::parse("a=ssrc", SHAPE, at));
    }
    Ok(SsrcAttribute {
        ssrc,
        name: name.to_owned(),
        value,
    })
}

fn parse_ssrc_group(v: &str, at: usize) -> Result<SsrcGroup> {
    let mut it = v.split_ascii_whitespace();
    let semantics = it.next().unwrap_or("").to_owned();
    let ssrcs = it
        .map(|s| s.parse::<u32>())
        .collect::<core::result::Result<Vec<u32>, _>>()
        .map_err(|_| Error::parse("a=ssrc-group", "expected <semantics> <ssrc>...", at))?;
    if semantics.is_empty() || ssrcs.is_empty() {
        return Err(Error::parse(
            "a=ssrc-group",
            "expected <semantics> <ssrc>...",
            at,
        ));
    }
    Ok(SsrcGroup { semantics, ssrcs })
}

fn parse_rid(v: &str, at: usize) -> Result<Rid> {
    const SHAPE: &str = "expected <rid-id> send|recv [<restrictions>]";
    let mut it = v.splitn(3, ' ');
    let id = it.next().unwrap_or("");
    let direction = match it.next() {
        Some("send") => RidDirection::Send,
        Some("recv") => RidDirection::Recv,
        _ => return Err(Error::parse("a=rid", SHAPE, at)),
    };
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::parse(
            "a=rid",
            "expected a rid-id of letters and digits",
            at,
        ));
    }
    Ok(Rid {
        id: id.to_owned(),
        direction,
        restrictions: it
            .next()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    })
}

fn parse_simulcast(v: &str, at: usize) -> Result<Simulcast> {
    const SHAPE: &str = "expected send|recv <rid>[,<rid>][;<rid>...] [recv|send ...]";
    let mut sc = Simulcast::default();
    let mut it = v.split_ascii_whitespace();
    while let Some(dir) = it.next() {
        let list = it.next().ok_or(Error::parse("a=simulcast", SHAPE, at))?;
        let streams = list
            .split(';')
            .map(|alts| {
                alts.split(',')
                    .map(|r| {
                        let (paused, rid) = match r.strip_prefix('~') {
                            Some(rid) => (true, rid),
                            None => (false, r),
                        };
                        if rid.is_empty() {
                            Err(Error::parse("a=simulcast", SHAPE, at))
                        } else {
                            Ok(SimulcastStream {
                                rid: rid.to_owned(),
                                paused,
                            })
                        }
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        let slot = match dir {
            "send" => &mut sc.send,
            "recv" => &mut sc.recv,
            _ => return Err(Error::parse("a=simulcast", SHAPE, at)),
        };
        if !slot.is_empty() {
            return Err(Error::parse(
                "a=simulcast",
                "expected each direction once",
                at,
            ));
        }
        *slot = streams;
    }
    if sc.send.is_empty() && sc.recv.is_empty() {
        return Err(Error::parse("a=simulcast", SHAPE, at));
    }
    Ok(sc)
}

impl Offer {
    /// Parses a session description; see the module docs. The text must be
    /// UTF-8, at most [`MAX_SDP_LEN`] bytes, with at most
    /// [`MAX_MEDIA_SECTIONS`] media sections.
    pub fn parse(sdp: impl AsRef<[u8]>) -> Result<Offer> {
        let bytes = sdp.as_ref();
        if bytes.len() > MAX_SDP_LEN {
            return Err(Error::Limit {
                what: "sdp size",
                limit: MAX_SDP_LEN,
                offset: MAX_SDP_LEN,
            });
        }
        let text = core::str::from_utf8(bytes)
            .map_err(|e| Error::parse("sdp", "expected utf-8 text", e.valid_up_to()))?;
        let map = prescan(text)?;
        let desc = SessionDescription::unmarshal(&mut Cursor::new(text.as_bytes()))
            .map_err(|e| map_rtc_error(text, &e))?;
        if desc.media_descriptions.len() != map.media.len() {
            return Err(Error::parse("sdp", "expected every m= line to be kept", 0));
        }
        let mut attr_at = map.attrs.iter().copied();
        let mut next_at = move || attr_at.next().unwrap_or(0);

        let mut session = SessionDefaults::default();
        let mut bundle_groups = Vec::new();
        let mut ice_lite = false;
        let mut extmap_allow_mixed = false;
        for a in &desc.attributes {
            let at = next_at();
            if shared_attribute(a, at, &mut session)? {
                continue;
            }
            match a.key.as_str() {
                "group" => {
                    let v = value(a, "a=group", at)?;
                    let mut it = v.split_ascii_whitespace();
                    if it.next() == Some("BUNDLE") {
                        bundle_groups.push(it.map(str::to_owned).collect());
                    }
                }
                "ice-lite" => ice_lite = true,
                "extmap-allow-mixed" => extmap_allow_mixed = true,
                _ => {}
            }
        }
        let session_c = desc
            .connection_information
            .as_ref()
            .and_then(|c| c.address.as_ref())
            .map(|a| a.address.clone());

        let mut media = Vec::with_capacity(desc.media_descriptions.len());
        for (md, &m_at) in desc.media_descriptions.iter().zip(map.media.iter()) {
            let port = u16::try_from(md.media_name.port.value)
                .map_err(|_| Error::parse("m=", "expected a port from 0 to 65535", m_at))?;
            let protocol = Protocol::from_token(&md.media_name.protos.join("/"));
            let mut d = SessionDefaults::default();
            let mut s = MediaSection {
                offset: m_at,
                kind: MediaKind::from_token(&md.media_name.media),
                port,
                formats: md.media_name.formats.clone(),
                connection_address: md
                    .connection_information
                    .as_ref()
                    .and_then(|c| c.address.as_ref())
                    .map(|a| a.address.clone())
                    .or_else(|| session_c.clone()),
                mid: None,
                direction: Direction::SendRecv,
                rtcp_mux: false,
                rtcp_rsize: false,
                bundle_only: false,
                ice_ufrag: None,
                ice_pwd: None,
                ice_options: Vec::new(),
                fingerprints: Vec::new(),
                setup: None,
                tls_id: None,
                payloads: Vec::new(),
                extmaps: Vec::new(),
                ssrcs: Vec::new(),
                ssrc_groups: Vec::new(),
                msids: Vec::new(),
                rids: Vec::new(),
                simulcast: None,
                candidates: Vec::new(),
                end_of_candidates: false,
                crypto: Vec::new(),
                crypto_lines: 0,
                sctp_port: None,
                max_message_size: None,
                protocol,
            };
            if s.protocol.is_rtp() {
                for f in &s.formats {
                    let pt = f
                        .parse::<u8>()
                        .ok()
                        .filter(|&p| p < 128)
                        .ok_or(Error::parse(
                            "m=",
                            "expected payload types from 0 to 127 in the format list",
                            m_at,
                        ))?;
                    if s.payloads.iter().any(|p| p.pt == pt) {
                        continue;
                    }
                    if let Some((name, clock_rate, channels)) = static_payload(pt) {
                        s.payloads.push(PayloadFormat {
                            pt,
                            name: name.to_owned(),
                            clock_rate,
                            channels,
                            fmtp: None,
                            rtcp_fb: Vec::new(),
                        });
                    }
                }
            }
            let mut wildcard_fb: Vec<String> = Vec::new();
            let mut pending: Vec<PayloadFormat> = Vec::new();
            for a in &md.attributes {
                let at = next_at();
                if shared_attribute(a, at, &mut d)? {
                    continue;
                }
                media_attribute(a, at, &mut s, &mut pending, &mut wildcard_fb)?;
            }
            // rtpmap may come after fmtp/rtcp-fb (Firefox writes them so);
            // merge once everything is read, in m= line order.
            for p in pending.drain(..) {
                if !s.formats.iter().any(|f| f.parse::<u8>().ok() == Some(p.pt)) {
                    continue;
                }
                match s.payloads.iter_mut().find(|q| q.pt == p.pt) {
                    Some(q) => {
                        if !p.name.is_empty() {
                            q.name = p.name;
                            q.clock_rate = p.clock_rate;
                            q.channels = p.channels;
                        }
                        if p.fmtp.is_some() {
                            q.fmtp = p.fmtp;
                        }
                        q.rtcp_fb.extend(p.rtcp_fb);
                    }
                    None if !p.name.is_empty() => s.payloads.push(p),
                    None => {}
                }
            }
            let order: Vec<u8> = s.formats.iter().filter_map(|f| f.parse().ok()).collect();
            s.payloads
                .sort_by_key(|p| order.iter().position(|&o| o == p.pt).unwrap_or(usize::MAX));
            for p in &mut s.payloads {
                for fb in &wildcard_fb {
                    if !p.rtcp_fb.contains(fb) {
                        p.rtcp_fb.push(fb.clone());
                    }
                }
            }
            s.ice_ufrag = d.ice_ufrag.or_else(|| session.ice_ufrag.clone());
            s.ice_pwd = d.ice_pwd.or_else(|| session.ice_pwd.clone());
            s.ice_options = if d.ice_options.is_empty() {
                session.ice_options.clone()
            } else {
                d.ice_options
            };
            s.fingerprints = if d.fingerprints.is_empty() {
                session.fingerprints.clone()
            } else {
                d.fingerprints
            };
            s.setup = d.setup.or(session.setup);
            s.tls_id = d.tls_id.or_else(|| session.tls_id.clone());
            s.direction = d
                .direction
                .or(session.direction)
                .unwrap_or(Direction::SendRecv);
            media.push(s);
        }
        Ok(Offer {
            origin_username: desc.origin.username.clone(),
            session_id: desc.origin.session_id,
            session_version: desc.origin.session_version,
            bundle_groups,
            ice_lite,
            extmap_allow_mixed,
            media,
        })
    }

    /// The media section with this mid.
    pub fn section(&self, mid: &str) -> Option<&MediaSection> {
        self.media.iter().find(|m| m.mid.as_deref() == Some(mid))
    }

    /// The BUNDLE group a mid belongs to, if any.
    pub fn bundle_group_of(&self, mid: &str) -> Option<&[String]> {
        self.bundle_groups
            .iter()
            .find(|g| g.iter().any(|m| m == mid))
            .map(Vec::as_slice)
    }

    /// Checks what a WebRTC offer must carry (RFC 8829 §5.8, RFC 8839,
    /// RFC 5763, RFC 8843): every active DTLS-keyed section has a mid,
    /// ICE credentials and at least one fingerprint, at session or media
    /// level; BUNDLE names only mids that exist, each once; no section
    /// carries `a=crypto` beside a fingerprint. The error names what is
    /// missing, with the offset of the `m=` line.
    pub fn check_webrtc(&self) -> Result<()> {
        let mut active = 0usize;
        for s in &self.media {
            if s.port == 0 && !s.bundle_only {
                continue;
            }
            if !s.protocol.is_dtls() {
                continue;
            }
            active += 1;
            let at = Some(s.offset);
            if s.mid.is_none() {
                return Err(Error::invalid("media section has no a=mid", at));
            }
            if s.ice_ufrag.is_none() {
                return Err(Error::invalid(
                    "media section has no a=ice-ufrag at media or session level",
                    at,
                ));
            }
            if s.ice_pwd.is_none() {
                return Err(Error::invalid(
                    "media section has no a=ice-pwd at media or session level",
                    at,
                ));
            }
            if s.fingerprints.is_empty() {
                return Err(Error::invalid(
                    "media section has no a=fingerprint at media or session level",
                    at,
                ));
            }
            if s.crypto_lines > 0 {
                return Err(Error::invalid(
                    "media section has a=crypto beside a=fingerprint",
                    at,
                ));
            }
        }
        if active == 0 {
            return Err(Error::invalid(
                "offer has no active UDP/TLS/RTP/SAVPF or UDP/DTLS/SCTP media section",
                None,
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for g in &self.bundle_groups {
            for mid in g {
                if self.section(mid).is_none() {
                    return Err(Error::invalid(
                        "a=group:BUNDLE names a mid no media section has",
                        None,
                    ));
                }
                if seen.contains(&mid.as_str()) {
                    return Err(Error::invalid("a=group:BUNDLE names a mid twice", None));
                }
                seen.push(mid);
            }
        }
        Ok(())
    }

    /// [`parse`](Self::parse) then [`check_webrtc`](Self::check_webrtc).
    pub fn parse_webrtc(sdp: impl AsRef<[u8]>) -> Result<Offer> {
        let o = Self::parse(sdp)?;
        o.check_webrtc()?;
        Ok(o)
    }
}

fn media_attribute(
    a: &Attribute,
    at: usize,
    s: &mut MediaSection,
    pending: &mut Vec<PayloadFormat>,
    wildcard_fb: &mut Vec<String>,
) -> Result<()> {
    let blank = |pt: u8| PayloadFormat {
        pt,
        name: String::new(),
        clock_rate: 0,
        channels: None,
        fmtp: None,
        rtcp_fb: Vec::new(),
    };
    let slot = |pending: &mut Vec<PayloadFormat>, pt: u8| -> usize {
        match pending.iter().position(|p| p.pt == pt) {
            Some(i) => i,
            None => {
                pending.push(blank(pt));
                pending.len() - 1
            }
        }
    };
    match a.key.as_str() {
        "mid" => {
            s.mid = Some(parse_token(value(a, "a=mid", at)?, "a=mid", at)?);
        }
        "rtcp-mux" => s.rtcp_mux = true,
        "rtcp-rsize" => s.rtcp_rsize = true,
        "bundle-only" => s.bundle_only = true,
        "end-of-candidates" => s.end_of_candidates = true,
        "rtpmap" if s.protocol.is_rtp() => {
            let (pt, name, rate, channels) = parse_rtpmap(value(a, "a=rtpmap", at)?, at)?;
            let i = slot(pending, pt);
            if let Some(p) = pending.get_mut(i) {
                p.name = name;
                p.clock_rate = rate;
                p.channels = channels;
            }
        }
        "fmtp" if s.protocol.is_rtp() => {
            let (pt, params) = split_pt(value(a, "a=fmtp", at)?, "a=fmtp", at)?;
            let pt = pt.ok_or(Error::parse("a=fmtp", "expected a payload type, not *", at))?;
            let i = slot(pending, pt);
            if let Some(p) = pending.get_mut(i) {
                p.fmtp = Some(params.to_owned());
            }
        }
        "rtcp-fb" if s.protocol.is_rtp() => {
            let (pt, fb) = split_pt(value(a, "a=rtcp-fb", at)?, "a=rtcp-fb", at)?;
            if fb.is_empty() {
                return Err(Error::parse(
                    "a=rtcp-fb",
                    "expected <payload type or *> <feedback type>",
                    at,
                ));
            }
            match pt {
                None => wildcard_fb.push(fb.to_owned()),
                Some(pt) => {
                    let i = slot(pending, pt);
                    if let Some(p) = pending.get_mut(i) {
                        p.rtcp_fb.push(fb.to_owned());
                    }
                }
            }
        }
        "extmap" => s.extmaps.push(parse_extmap(value(a, "a=extmap", at)?, at)?),
        "ssrc" => s.ssrcs.push(parse_ssrc(value(a, "a=ssrc", at)?, at)?),
        "ssrc-group" => s
            .ssrc_groups
            .push(parse_ssrc_group(value(a, "a=ssrc-group", at)?, at)?),
        "msid" => {
            let v = value(a, "a=msid", at)?;
            let mut it = v.split_ascii_whitespace();
            s.msids.push(Msid {
                stream_id: it.next().unwrap_or("-").to_owned(),
                track_id: it.next().map(str::to_owned),
            });
        }
        "rid" => s.rids.push(parse_rid(value(a, "a=rid", at)?, at)?),
        "simulcast" => {
            if s.simulcast.is_some() {
                return Err(Error::parse("a=simulcast", "expected one a=simulcast", at));
            }
            s.simulcast = Some(parse_simulcast(value(a, "a=simulcast", at)?, at)?);
        }
        "candidate" => {
            let c = Candidate::parse(value(a, "a=candidate", at)?)
                .map_err(|e| shift(e, at + "a=candidate:".len()))?;
            s.candidates.push(c);
        }
        "crypto" => {
            s.crypto_lines += 1;
            if let Ok(c) = CryptoAttribute::parse(value(a, "a=crypto", at)?.as_bytes()) {
                s.crypto.push(c);
            }
        }
        "sctp-port" => {
            s.sctp_port = Some(
                value(a, "a=sctp-port", at)?
                    .parse()
                    .map_err(|_| Error::parse("a=sctp-port", "expected a port number", at))?,
            );
        }
        "max-message-size" => {
            s.max_message_size = Some(
                value(a, "a=max-message-size", at)?
                    .parse()
                    .map_err(|_| Error::parse("a=max-message-size", "expected a number", at))?,
            );
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_round_trip_and_lengths() {
        let text = "SHA-256 4A:1B:9C:0D:E2:77:53:6F:18:A9:C4:3E:B5:02:DD:61:7F:88:2C:94:E0:1D:5A:B3:6C:F7:09:42:8E:13:AD:C5";
        let f = Fingerprint::parse(text).unwrap();
        assert_eq!(f.algorithm, "sha-256");
        assert_eq!(f.to_string(), text.replace("SHA", "sha"));
        assert!(Fingerprint::parse("sha-256 4A:1B").is_err());
        assert!(Fingerprint::parse("sha-1 4A:1B").is_err());
        assert_eq!(
            Fingerprint::parse("sha-256 4A:XY").unwrap_err().offset(),
            Some(11)
        );
        assert_eq!(Fingerprint::parse("x-new 01:02").unwrap().value, vec![1, 2]);
    }

    #[test]
    fn directions() {
        assert_eq!(Direction::SendOnly.reversed(), Direction::RecvOnly);
        assert_eq!(Direction::SendRecv.reversed(), Direction::SendRecv);
        assert_eq!(Direction::from_flags(false, false), Direction::Inactive);
    }

    #[test]
    fn simulcast_grammar() {
        let s = parse_simulcast("send 1,~4;2;3 recv c", 0).unwrap();
        assert_eq!(s.send.len(), 3);
        assert_eq!(s.send[0].len(), 2);
        assert!(s.send[0][1].paused);
        assert_eq!(s.recv[0][0].rid, "c");
        for bad in ["", "send", "sideways a", "send a send b", "send a;;b"] {
            assert!(parse_simulcast(bad, 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn prescan_limits_and_lines() {
        assert!(prescan("v=0\r\nbad line\r\n").is_err());
        assert_eq!(prescan("v=0\r\nx=1\rx\r\n").unwrap_err().offset(), Some(5));
        let many: String = (0..=MAX_MEDIA_SECTIONS)
            .map(|_| "m=audio 9 RTP/AVP 0\r\n")
            .collect();
        assert_eq!(prescan(&many).unwrap_err().kind(), crate::ErrorKind::Limit);
    }
}
