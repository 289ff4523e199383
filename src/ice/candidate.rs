//! ICE candidates: the priority formula (RFC 8445 §5.1.2), host candidates
//! for the addresses the host gives, and the `a=candidate` value grammar
//! (RFC 8839 §5.1) both ways.

use core::fmt;
use core::net::{IpAddr, SocketAddr};

use super::credentials::is_ice_char;
use crate::{Error, Result};

/// Type preference of host candidates (RFC 8445 §5.1.2.2).
pub const HOST_TYPE_PREFERENCE: u8 = 126;
/// Type preference of peer-reflexive candidates (RFC 8445 §5.1.2.2).
pub const PRFLX_TYPE_PREFERENCE: u8 = 110;
/// Longest foundation accepted (RFC 8839 §5.1: 1*32 ice-char).
const MAX_FOUNDATION: usize = 32;
/// Extension attributes kept per parsed candidate; more are a limit error.
pub const MAX_CANDIDATE_EXTENSIONS: usize = 16;

/// RFC 8445 §5.1.2.1: `2^24 * type preference + 2^8 * local preference +
/// (256 - component id)`.
pub const fn priority(type_preference: u8, local_preference: u16, component: u8) -> u32 {
    ((type_preference as u32) << 24) | ((local_preference as u32) << 8) | (256 - component as u32)
}

/// The candidate type (RFC 8445 §5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CandidateType {
    /// `host`.
    Host,
    /// `srflx`, server reflexive.
    ServerReflexive,
    /// `prflx`, peer reflexive.
    PeerReflexive,
    /// `relay`.
    Relayed,
}

impl CandidateType {
    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateType::Host => "host",
            CandidateType::ServerReflexive => "srflx",
            CandidateType::PeerReflexive => "prflx",
            CandidateType::Relayed => "relay",
        }
    }
}

/// One ICE candidate, as carried in `a=candidate` (RFC 8839 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Foundation (1 to 32 `ice-char`s).
    pub foundation: String,
    /// Component id: 1 for RTP (and everything, with rtcp-mux), 2 for RTCP.
    pub component: u8,
    /// Transport token as written, for example `udp` or `UDP` or `tcp`.
    pub transport: String,
    /// Priority.
    pub priority: u32,
    /// Connection address: an IP literal, or a host name such as the
    /// mDNS `*.local` names browsers use to hide host addresses.
    pub address: String,
    /// Port.
    pub port: u16,
    /// Candidate type.
    pub typ: CandidateType,
    /// `raddr`, when present.
    pub related_address: Option<String>,
    /// `rport`, when present.
    pub related_port: Option<u16>,
    /// Extension attributes in order (`generation`, `ufrag`, `network-id`,
    /// `network-cost`, `tcptype`, ...).
    pub extensions: Vec<(String, String)>,
}

impl Candidate {
    /// A UDP host candidate for component 1 with the given local
    /// preference. The foundation is derived from the IP address, so
    /// candidates on one address share it and others differ (RFC 8445
    /// §5.1.1.3).
    pub fn host(addr: SocketAddr, local_preference: u16) -> Candidate {
        let ip = match addr.ip() {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            IpAddr::V6(v6) => v6.octets(),
        };
        let mut seed = [0u8; 24];
        seed[..4].copy_from_slice(b"host");
        seed[4..20].copy_from_slice(&ip);
        seed[20..].copy_from_slice(b"udp\0");
        let foundation = rtc_stun::fingerprint::fingerprint_value(&seed);
        Candidate {
            foundation: foundation.to_string(),
            component: 1,
            transport: "udp".to_owned(),
            priority: priority(HOST_TYPE_PREFERENCE, local_preference, 1),
            address: addr.ip().to_string(),
            port: addr.port(),
            typ: CandidateType::Host,
            related_address: None,
            related_port: None,
            extensions: Vec::new(),
        }
    }

    /// The address as a socket address, when it is an IP literal.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        let ip: IpAddr = self.address.parse().ok()?;
        Some(SocketAddr::new(ip, self.port))
    }

    /// Whether the transport is UDP.
    pub fn is_udp(&self) -> bool {
        self.transport.eq_ignore_ascii_case("udp")
    }

    /// Parses the value of an `a=candidate` attribute; a leading `a=` and
    /// `candidate:` are accepted. Errors carry the byte offset into `value`.
    pub fn parse(value: &str) -> Result<Candidate> {
        const WHAT: &str = "a=candidate";
        let mut base = 0;
        let mut text = value;
        for prefix in ["a=", "candidate:"] {
            if let Some(rest) = text.strip_prefix(prefix) {
                base += prefix.len();
                text = rest;
            }
        }
        let mut tokens = Tokens { text, pos: 0, base };
        let end = value.len();
        let mut next = |reason: &'static str| tokens.next().ok_or(Error::parse(WHAT, reason, end));

        let (at, foundation) = next("expected a foundation")?;
        if foundation.len() > MAX_FOUNDATION || !foundation.bytes().all(is_ice_char) {
            return Err(Error::parse(
                WHAT,
                "expected a foundation of 1 to 32 ice-chars",
                at,
            ));
        }
        let (at, component) = next("expected a component id")?;
        let component = component
            .parse::<u8>()
            .ok()
            .filter(|&c| c >= 1)
            .ok_or(Error::parse(
                WHAT,
                "expected a component id from 1 to 255",
                at,
            ))?;
        let (at, transport) = next("expected a transport")?;
        if !transport
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(Error::parse(WHAT, "expected a transport token", at));
        }
        let (at, prio) = next("expected a priority")?;
        let priority = prio
            .parse::<u32>()
            .ok()
            .filter(|_| prio.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(Error::parse(
                WHAT,
                "expected a priority of 1 to 10 digits",
                at,
            ))?;
        let (_, address) = next("expected a connection address")?;
        let (at, port) = next("expected a port")?;
        let port = parse_port(port).ok_or(Error::parse(WHAT, "expected a port number", at))?;
        let (at, typ_kw) = next("expected typ")?;
        if typ_kw != "typ" {
            return Err(Error::parse(WHAT, "expected typ", at));
        }
        let (at, typ) = next("expected a candidate type")?;
        let typ = match typ {
            "host" => CandidateType::Host,
            "srflx" => CandidateType::ServerReflexive,
            "prflx" => CandidateType::PeerReflexive,
            "relay" => CandidateType::Relayed,
            _ => {
                return Err(Error::parse(
                    WHAT,
                    "expected host, srflx, prflx or relay",
                    at,
                ))
            }
        };
        let mut c = Candidate {
            foundation: foundation.to_owned(),
            component,
            transport: transport.to_owned(),
            priority,
            address: address.to_owned(),
            port,
            typ,
            related_address: None,
            related_port: None,
            extensions: Vec::new(),
        };
        while let Ok((at, name)) = next("") {
            let (vat, val) = next("expected a value after the extension name")?;
            match name {
                "raddr" if c.related_address.is_none() && c.extensions.is_empty() => {
                    c.related_address = Some(val.to_owned());
                }
                "rport" if c.related_port.is_none() && c.extensions.is_empty() => {
                    c.related_port = Some(parse_port(val).ok_or(Error::parse(
                        WHAT,
                        "expected a port number after rport",
                        vat,
                    ))?);
                }
                _ => {
                    if c.extensions.len() == MAX_CANDIDATE_EXTENSIONS {
                        return Err(Error::Limit {
                            what: "candidate extension count",
                            limit: MAX_CANDIDATE_EXTENSIONS,
                            offset: at,
                        });
                    }
                    c.extensions.push((name.to_owned(), val.to_owned()));
                }
            }
        }
        Ok(c)
    }
}

fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Whitespace-separated tokens with their byte offsets.
struct Tokens<'a> {
    text: &'a str,
    pos: usize,
    base: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let rest = self.text.get(self.pos..)?;
        let skip = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let start = self.pos + skip;
        let rest = self.text.get(start..)?;
        if rest.is_empty() {
            return None;
        }
        let len = rest.find([' ', '\t']).unwrap_or(rest.len());
        self.pos = start + len;
        Some((self.base + start, rest.get(..len)?))
    }
}

impl fmt::Display for Candidate {
    /// The `a=candidate` value (what follows `a=candidate:`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} typ {}",
            self.foundation,
            self.component,
            self.transport,
            self.priority,
            self.address,
            self.port,
            self.typ.as_str()
        )?;
        if let Some(a) = &self.related_address {
            write!(f, " raddr {a}")?;
        }
        if let Some(p) = self.related_port {
            write!(f, " rport {p}")?;
        }
        for (k, v) in &self.extensions {
            write!(f, " {k} {v}")?;
        }
        Ok(())
    }
}

/// Host candidates for `addrs`, IPv4 and IPv6 alike, with local
/// preferences 65535, 65534, ... in the order given, so the host's first
/// address is the one a peer tries first. At most 65536 addresses are
/// used.
pub fn host_candidates(addrs: &[SocketAddr]) -> Vec<Candidate> {
    addrs
        .iter()
        .zip((0..=u16::MAX).rev())
        .map(|(&a, pref)| Candidate::host(a, pref))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_formula() {
        assert_eq!(priority(126, 65535, 1), 2_130_706_431);
        assert_eq!(priority(110, 65535, 1), 1_862_270_975);
        assert_eq!(priority(126, 65534, 2), 2_130_706_174);
    }

    #[test]
    fn host_lines() {
        let c = host_candidates(&[
            "192.0.2.10:40000".parse().unwrap(),
            "[2001:db8::7]:40000".parse().unwrap(),
            "192.0.2.10:40002".parse().unwrap(),
        ]);
        assert_eq!(c[0].priority, 2_130_706_431);
        assert_eq!(c[1].priority, 2_130_706_431 - 256);
        assert_eq!(c[0].foundation, c[2].foundation);
        assert_ne!(c[0].foundation, c[1].foundation);
        let line = c[1].to_string();
        assert!(
            line.ends_with(" 1 udp 2130706175 2001:db8::7 40000 typ host"),
            "{line}"
        );
        assert_eq!(Candidate::parse(&line).unwrap(), c[1]);
    }

    #[test]
    fn browser_lines() {
        let c = Candidate::parse(
            "candidate:842163049 1 udp 1677729535 203.0.113.5 61665 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-cost 999",
        )
        .unwrap();
        assert_eq!(c.typ, CandidateType::ServerReflexive);
        assert_eq!(c.related_port, Some(0));
        assert_eq!(c.extensions.len(), 2);
        let m = Candidate::parse(
            "a=candidate:1 1 UDP 2122252543 4f1d1e3c-8f5a-4cbb-9d7e-0b4a6f3f2c11.local 52000 typ host",
        )
        .unwrap();
        assert!(m.socket_addr().is_none());
        assert!(m.is_udp());
        for bad in [
            "",
            "1 1 udp",
            "1 0 udp 1 1.2.3.4 5 typ host",
            "1 1 udp x 1.2.3.4 5 typ host",
            "1 1 udp 1 1.2.3.4 70000 typ host",
            "1 1 udp 1 1.2.3.4 5 type host",
            "1 1 udp 1 1.2.3.4 5 typ foo",
            "1 1 udp 1 1.2.3.4 5 typ host generation",
        ] {
            assert!(Candidate::parse(bad).is_err(), "{bad}");
        }
        let e = Candidate::parse("candidate:1 1 udp 1 1.2.3.4 5 typ bogus").unwrap_err();
        assert_eq!(e.offset(), Some(34));
    }
}
