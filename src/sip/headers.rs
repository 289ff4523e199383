//! Typed header values decoded on demand (RFC 3261 §20, §25.1; RFC 3581).
//!
//! Each decoder takes one header value (or one comma-separated element of a
//! list header) with its offset in the message, validates it against the
//! grammar and returns a struct of slices into the message.

use super::lex::{self, Cursor};
use super::message::Method;
use super::uri::{
    parse_host, parse_host_str, parse_ipv4, split_host_port, Host, ParamKey, Params, Uri, HOST,
};
use crate::error::{Error, Result};

/// One Via value: `SIP/2.0/UDP host:port;params`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Via<'a> {
    /// Protocol name, `SIP`.
    pub protocol: &'a str,
    /// Protocol version, `2.0`.
    pub version: &'a str,
    /// Transport, e.g. `UDP`, `TCP`, `TLS`, `WS`.
    pub transport: &'a str,
    /// The sent-by host.
    pub host: Host<'a>,
    /// The sent-by port, if written.
    pub port: Option<u16>,
    /// The via-params.
    pub params: Params<'a>,
}

impl<'a> Via<'a> {
    /// Parses one Via value.
    pub fn parse(v: &'a [u8], offset: usize) -> Result<Via<'a>> {
        let mut c = Cursor::new(v, offset, "via");
        // Nearly every Via opens with exactly this.
        let (protocol, version) = match (v.get(..8), c.text(0, 3), c.text(4, 7)) {
            (Some(b"SIP/2.0/"), Some(p), Some(ver)) => {
                c.set_pos(8);
                c.skip_lws();
                (p, ver)
            }
            _ => {
                let protocol = c.token("expected protocol name")?;
                if !c.eat_sep(b'/') {
                    return Err(c.err("expected '/' after protocol name"));
                }
                let version = c.token("expected protocol version")?;
                if !c.eat_sep(b'/') {
                    return Err(c.err("expected '/' after protocol version"));
                }
                (protocol, version)
            }
        };
        let transport = c.token("expected transport")?;
        if !c.skip_lws() {
            return Err(c.err("expected white space before sent-by"));
        }
        let hp_off = c.offset();
        let hp_start = c.pos();
        // sent-by: host [ COLON port ]; the colon may have LWS around it
        if c.eat(b'[') {
            c.take_while(|b| b != b']');
            c.expect(b']', "unterminated IPv6 reference")?;
        } else {
            c.take_class(&HOST);
        }
        let host = match c.text(hp_start, c.pos()) {
            Some(t) => parse_host_str(t, hp_off, "via")?,
            None => parse_host(c.slice(hp_start, c.pos()), hp_off, "via")?,
        };
        let port = if c.eat_sep(b':') {
            let off = c.offset();
            let d = c.take_while(|b| b.is_ascii_digit());
            Some(lex::parse_decimal(d, 65535).ok_or(Error::parse(
                "via",
                "expected a port number 0..=65535",
                off,
            ))? as u16)
        } else {
            None
        };
        // The parameters are checked as they are parsed; the check runs
        // after the whole value has parsed, so a syntax error later in the
        // value is still the one reported.
        let mut bad = false;
        let params = Params::parse_header_noting(&mut c, ParamKey::Branch, |n, v| {
            bad |= bad_via_param(n, v);
        })?;
        c.skip_lws();
        if !c.at_end() {
            return Err(c.err("unexpected characters after via"));
        }
        let via = Via {
            protocol,
            version,
            transport,
            host,
            port,
            params,
        };
        if params.noted(ParamKey::Branch).is_some() {
            if bad {
                return Err(Error::parse("via", "invalid via parameter value", offset));
            }
        } else {
            via.check_params(offset)?;
        }
        Ok(via)
    }

    fn check_params(&self, offset: usize) -> Result<()> {
        for (n, v) in self.params.iter() {
            if bad_via_param(n, v) {
                return Err(Error::parse("via", "invalid via parameter value", offset));
            }
        }
        Ok(())
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&'a str> {
        self.params.get_key(ParamKey::Branch).flatten()
    }

    /// The `received` parameter.
    pub fn received(&self) -> Option<&'a str> {
        self.params.get("received").flatten()
    }

    /// The `rport` parameter (RFC 3581): `Some(None)` when present without a
    /// value (a request asking for it), `Some(Some(port))` when filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&'a str> {
        self.params.get("maddr").flatten()
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.params
            .get("ttl")
            .flatten()
            .and_then(|t| t.parse().ok())
    }

    /// Whether the branch carries the RFC 3261 magic cookie `z9hG4bK`.
    pub fn is_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| b.starts_with("z9hG4bK"))
    }
}

/// Whether a via-param has a value its grammar rejects (§20.42, RFC 3581).
#[inline]
fn bad_via_param(n: &str, v: Option<&str>) -> bool {
    // The length picks the one name to compare.
    match n.len() {
        3 if n.eq_ignore_ascii_case("ttl") => v
            .and_then(|t| lex::parse_decimal(t.as_bytes(), 255))
            .is_none(),
        5 if n.eq_ignore_ascii_case("maddr") => {
            v.is_none_or(|h| parse_host_str(h, 0, "via").is_err())
        }
        8 if n.eq_ignore_ascii_case("received") => v.is_none_or(|h| !valid_received(h)),
        5 if n.eq_ignore_ascii_case("rport") => {
            v.is_some_and(|p| lex::parse_decimal(p.as_bytes(), 65535).is_none())
        }
        6 if n.eq_ignore_ascii_case("branch") => v.is_none(),
        _ => false,
    }
}

/// `received` holds an IPv4 address, or an IPv6 address with or without
/// brackets. Only a bracketed value can be a bracketed reference and only a
/// value with a ':' can be a bare IPv6 address, so one decode settles it.
fn valid_received(h: &str) -> bool {
    if h.starts_with('[') {
        matches!(parse_host_str(h, 0, "via"), Ok(Host::V6(..)))
    } else if h.contains(':') {
        h.parse::<core::net::Ipv6Addr>().is_ok()
    } else {
        parse_ipv4(h.as_bytes()).is_some()
    }
}

/// A name-addr or addr-spec with header parameters (From, To, Contact,
/// Route, Record-Route, Reply-To, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// The display name as written (quoted-string with quotes, or tokens).
    pub display_name: Option<&'a str>,
    /// The URI.
    pub uri: Uri<'a>,
    /// Whether the URI was enclosed in `<...>`.
    pub angle: bool,
    /// Header parameters after the address.
    pub params: Params<'a>,
}

impl<'a> NameAddr<'a> {
    /// Parses `( name-addr / addr-spec ) *( SEMI param )`.
    pub fn parse(v: &'a [u8], offset: usize, what: &'static str) -> Result<NameAddr<'a>> {
        let mut c = Cursor::new(v, offset, what);
        c.skip_lws();
        let display_start = c.pos();
        let mut display_name = None;
        let angle;
        match c.peek() {
            Some(b'"') => {
                display_name = Some(c.quoted_string()?);
                c.skip_lws();
                if c.peek() != Some(b'<') {
                    return Err(c.err("expected '<' after the display name"));
                }
                angle = true;
            }
            Some(b'<') => angle = true,
            _ => {
                // either tokens followed by '<', or an addr-spec
                let save = c.pos();
                let mut tokens_end = save;
                loop {
                    let t = c.take_while(|b| lex::in_class(&lex::TOKEN, b));
                    if t.is_empty() {
                        break;
                    }
                    tokens_end = c.pos();
                    c.skip_lws();
                }
                if c.peek() == Some(b'<') && tokens_end > save {
                    display_name = Some(match c.text(display_start, tokens_end) {
                        Some(t) => t,
                        None => lex::utf8(c.slice(display_start, tokens_end), what, offset)?,
                    });
                    angle = true;
                } else {
                    c.set_pos(save);
                    angle = false;
                }
            }
        }
        let uri = if angle {
            c.expect(b'<', "expected '<'")?;
            let us = c.pos();
            let uoff = c.offset();
            c.set_pos(us + lex::find_lws_or(c.slice(us, v.len()), b'>'));
            let u = c.slice(us, c.pos());
            if c.peek() != Some(b'>') {
                return Err(c.err("expected '>' closing the address"));
            }
            let ue = c.pos();
            c.bump();
            match c.text(us, ue) {
                Some(t) => Uri::parse_str(t, uoff)?,
                None => Uri::parse(u, uoff)?,
            }
        } else {
            // addr-spec: the URI ends at ';' or white space; its params
            // belong to the header (§20.10)
            let us = c.pos();
            let uoff = c.offset();
            c.take_while(|b| b != b';' && b != b',' && b != b'?' && !lex::is_lws(b));
            let u = c.slice(us, c.pos());
            if u.is_empty() {
                return Err(c.err("expected an address"));
            }
            if c.peek() == Some(b'?') || c.peek() == Some(b',') {
                return Err(c.err("an address with '?' or ',' must be enclosed in '<>'"));
            }
            match c.text(us, c.pos()) {
                Some(t) => Uri::parse_str(t, uoff)?,
                None => Uri::parse(u, uoff)?,
            }
        };
        let params = Params::parse_header_noting(&mut c, ParamKey::Tag, |_, _| {})?;
        c.skip_lws();
        if !c.at_end() {
            return Err(c.err("unexpected characters after the address"));
        }
        Ok(NameAddr {
            display_name,
            uri,
            angle,
            params,
        })
    }

    pub(crate) fn parse_header(
        v: &'a [u8],
        offset: usize,
        what: &'static str,
    ) -> Result<NameAddr<'a>> {
        let na = Self::parse(v, offset, what)?;
        // The parse counted the tags and noted the first one's value; when it
        // could not, one walk does.
        let (tags, first) = match na.params.noted(ParamKey::Tag) {
            Some((n, first)) => (usize::from(n), first),
            None => {
                let mut tags = 0usize;
                let mut first: Option<Option<&str>> = None;
                for (n, v) in na.params.iter() {
                    if n.eq_ignore_ascii_case("tag") {
                        tags += 1;
                        first.get_or_insert(v);
                    }
                }
                (tags, first)
            }
        };
        if tags > 1 {
            return Err(Error::parse(what, "more than one tag parameter", offset));
        }
        if first.is_some_and(|t| t.is_none()) {
            return Err(Error::parse(what, "tag parameter without a value", offset));
        }
        Ok(na)
    }

    /// Route and Record-Route take only the name-addr form (§25.1).
    pub(crate) fn parse_route(
        v: &'a [u8],
        offset: usize,
        what: &'static str,
    ) -> Result<NameAddr<'a>> {
        let na = Self::parse(v, offset, what)?;
        if !na.angle {
            return Err(Error::parse(
                what,
                "expected '<' around the route uri",
                offset,
            ));
        }
        Ok(na)
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&'a str> {
        self.params.get_key(ParamKey::Tag).flatten()
    }

    /// The display name with quotes removed (escapes kept as written).
    pub fn display_name_unquoted(&self) -> Option<&'a str> {
        self.display_name.map(|d| {
            d.strip_prefix('"')
                .and_then(|d| d.strip_suffix('"'))
                .unwrap_or(d)
        })
    }
}

/// One Contact value.
// Boxing the address would allocate per decode; the size is a stack copy.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact<'a> {
    /// `Contact: *` (REGISTER removing all bindings).
    Star,
    /// An address with parameters.
    Addr(NameAddr<'a>),
}

impl<'a> Contact<'a> {
    /// Parses one Contact value.
    pub fn parse(v: &'a [u8], offset: usize) -> Result<Contact<'a>> {
        if lex::trim_lws(v) == b"*" {
            return Ok(Contact::Star);
        }
        let na = NameAddr::parse(v, offset, "contact")?;
        if let Some(e) = na.params.get("expires") {
            match e {
                Some(d) if lex::parse_decimal(d.as_bytes(), u64::MAX).is_some() => {}
                Some(d) if d.len() > 20 && d.bytes().all(|b| b.is_ascii_digit()) => {}
                _ => {
                    return Err(Error::parse(
                        "contact",
                        "expires is not delta-seconds",
                        offset,
                    ))
                }
            }
        }
        if let Some(q) = na.params.get("q") {
            if !q.is_some_and(valid_qvalue) {
                return Err(Error::parse("contact", "q is not a qvalue", offset));
            }
        }
        Ok(Contact::Addr(na))
    }

    /// The `expires` parameter in seconds, saturating at 2^32-1.
    pub fn expires(&self) -> Option<u32> {
        match self {
            Contact::Star => None,
            Contact::Addr(na) => na.params.get("expires").flatten().map(|d| {
                d.parse::<u64>()
                    .map_or(u32::MAX, |v| v.min(u32::MAX as u64) as u32)
            }),
        }
    }

    /// The address, unless this is `*`.
    pub fn addr(&self) -> Option<&NameAddr<'a>> {
        match self {
            Contact::Star => None,
            Contact::Addr(a) => Some(a),
        }
    }
}

fn valid_qvalue(q: &str) -> bool {
    // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
    let b = q.as_bytes();
    match b {
        [b'0'] | [b'1'] => true,
        [b'0', b'.', rest @ ..] => rest.len() <= 3 && rest.iter().all(u8::is_ascii_digit),
        [b'1', b'.', rest @ ..] => rest.len() <= 3 && rest.iter().all(|&d| d == b'0'),
        _ => false,
    }
}

/// CSeq: sequence number and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// The sequence number, below 2^31 (§8.1.1.5).
    pub seq: u32,
    /// The method.
    pub method: Method<'a>,
}

impl<'a> CSeq<'a> {
    /// Parses `1*DIGIT LWS Method`.
    pub fn parse(v: &'a [u8], offset: usize) -> Result<CSeq<'a>> {
        let mut c = Cursor::new(v, offset, "cseq");
        let seq = c.number((1 << 31) - 1, "expected a sequence number below 2^31")? as u32;
        if !c.skip_lws() {
            return Err(c.err("expected white space after the sequence number"));
        }
        let method = Method::from_token(c.token("expected a method")?);
        c.skip_lws();
        if !c.at_end() {
            return Err(c.err("unexpected characters after the method"));
        }
        Ok(CSeq { seq, method })
    }
}

/// Parses a Call-ID: `word [ "@" word ]`.
pub fn parse_call_id(v: &[u8], offset: usize) -> Result<&str> {
    let mut c = Cursor::new(v, offset, "call-id");
    let w = c.take_class(&lex::WORD);
    if w.is_empty() {
        return Err(c.err("expected a word"));
    }
    if c.eat(b'@') && c.take_class(&lex::WORD).is_empty() {
        return Err(c.err("expected a word after '@'"));
    }
    if !c.at_end() {
        return Err(c.err("unexpected character in call-id"));
    }
    c.str_of(0, v.len())
}

/// Parses delta-seconds, saturating at 2^32-1 as §20.19 and §20.10 ask.
pub fn parse_delta_seconds(v: &[u8], offset: usize, what: &'static str) -> Result<u32> {
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return Err(Error::parse(what, "expected delta-seconds", offset));
    }
    Ok(lex::parse_decimal(v, u64::MAX).map_or(u32::MAX, |x| x.min(u32::MAX as u64) as u32))
}

/// A media type: `type/subtype;params` (Content-Type, Accept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType<'a> {
    /// Top-level type, e.g. `application`.
    pub kind: &'a str,
    /// Subtype, e.g. `sdp`.
    pub subtype: &'a str,
    /// Parameters.
    pub params: Params<'a>,
}

impl<'a> MediaType<'a> {
    /// Parses `m-type SLASH m-subtype *(SEMI m-parameter)`.
    pub fn parse(v: &'a [u8], offset: usize) -> Result<MediaType<'a>> {
        let mut c = Cursor::new(v, offset, "content-type");
        let kind = c.token("expected a media type")?;
        if !c.eat_sep(b'/') {
            return Err(c.err("expected '/' in media type"));
        }
        let subtype = c.token("expected a media subtype")?;
        let params = Params::parse_header(&mut c)?;
        c.skip_lws();
        if !c.at_end() {
            return Err(c.err("unexpected characters after media type"));
        }
        Ok(MediaType {
            kind,
            subtype,
            params,
        })
    }

    /// Whether this is `type/subtype` (case-insensitive).
    pub fn is(&self, kind: &str, subtype: &str) -> bool {
        self.kind.eq_ignore_ascii_case(kind) && self.subtype.eq_ignore_ascii_case(subtype)
    }
}

/// Validates an RFC 1123 date as §20.17 requires:
/// `wkday "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT"`.
pub fn parse_date(v: &[u8], offset: usize) -> Result<()> {
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let err = |r| Error::parse("date", r, offset);
    let v = lex::trim_lws(v);
    if v.len() != 29 {
        return Err(err("expected 'Wkd, DD Mon YYYY HH:MM:SS GMT'"));
    }
    let g = |a: usize, b: usize| v.get(a..b).unwrap_or(&[]);
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !DAYS.contains(&g(0, 3)) || g(3, 5) != b", " {
        return Err(err("expected a weekday and ', '"));
    }
    if !digits(g(5, 7)) || g(7, 8) != b" " || !MONTHS.contains(&g(8, 11)) || g(11, 12) != b" " {
        return Err(err("expected 'DD Mon '"));
    }
    if !digits(g(12, 16)) || g(16, 17) != b" " {
        return Err(err("expected a 4-digit year"));
    }
    let t = g(17, 25);
    if !(digits(t.get(0..2).unwrap_or(&[]))
        && t.get(2) == Some(&b':')
        && digits(t.get(3..5).unwrap_or(&[]))
        && t.get(5) == Some(&b':')
        && digits(t.get(6..8).unwrap_or(&[])))
    {
        return Err(err("expected HH:MM:SS"));
    }
    if g(25, 29) != b" GMT" {
        return Err(err("expected 'GMT'"));
    }
    Ok(())
}

/// Splits the Via sent-by `host[:port]` of raw bytes (for builders).
pub(crate) fn host_port(hp: &[u8], offset: usize) -> Result<(Host<'_>, Option<u16>)> {
    let (h, p) = split_host_port(hp, offset, "sent-by")?;
    Ok((parse_host(h, offset, "sent-by")?, p))
}

/// Validates one Warning value (§20.43): `3DIGIT SP warn-agent SP
/// quoted-string`.
pub fn parse_warning(v: &[u8], offset: usize) -> Result<u16> {
    let mut c = Cursor::new(v, offset, "warning");
    let off = c.offset();
    let code = c.take_while(|b| b.is_ascii_digit());
    if code.len() != 3 {
        return Err(Error::parse("warning", "expected a 3-digit warn-code", off));
    }
    let code = lex::parse_decimal(code, 999).unwrap_or(0) as u16;
    if !c.eat(b' ') {
        return Err(c.err("expected SP after the warn-code"));
    }
    let agent = c.take_while(|b| !lex::is_lws(b));
    if agent.is_empty() {
        return Err(c.err("expected a warn-agent"));
    }
    if !c.eat(b' ') {
        return Err(c.err("expected SP after the warn-agent"));
    }
    c.quoted_string()?;
    c.skip_lws();
    if !c.at_end() {
        return Err(c.err("unexpected characters after the warn-text"));
    }
    Ok(code)
}

/// Validates a Retry-After value (§20.33): `delta-seconds [ comment ]
/// *( SEMI retry-param )`; returns the seconds, saturating.
pub fn parse_retry_after(v: &[u8], offset: usize) -> Result<u32> {
    let mut c = Cursor::new(v, offset, "retry-after");
    let d = c.take_while(|b| b.is_ascii_digit());
    let secs = parse_delta_seconds(d, offset, "retry-after")?;
    c.skip_lws();
    if c.eat(b'(') {
        let mut depth = 1u32;
        while depth > 0 {
            match c.peek() {
                None => return Err(c.err("unterminated comment")),
                Some(b'\\') => {
                    c.bump();
                    c.bump();
                }
                Some(b'(') => {
                    depth += 1;
                    c.bump();
                }
                Some(b')') => {
                    depth -= 1;
                    c.bump();
                }
                Some(_) => c.bump(),
            }
        }
    }
    Params::parse_header(&mut c)?;
    c.skip_lws();
    if !c.at_end() {
        return Err(c.err("unexpected characters after retry-after"));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_full() {
        let v = Via::parse(
            b"SIP / 2.0 / UDP [2001:db8::9:1] : 5070;branch=z9hG4bKas;received=192.0.2.1;rport=5061;ttl=16;maddr=224.2.0.1",
            0,
        )
        .unwrap();
        assert_eq!(v.transport, "UDP");
        assert!(matches!(v.host, Host::V6(..)));
        assert_eq!(v.port, Some(5070));
        assert_eq!(v.branch(), Some("z9hG4bKas"));
        assert_eq!(v.received(), Some("192.0.2.1"));
        assert_eq!(v.rport(), Some(Some(5061)));
        assert_eq!(v.ttl(), Some(16));
        assert_eq!(v.maddr(), Some("224.2.0.1"));
        let v = Via::parse(b"SIP/2.0/TCP h.example.com;rport;branch=z9hG4bK1", 0).unwrap();
        assert_eq!(v.rport(), Some(None));
        assert!(Via::parse(b"SIP/2.0/UDP h;ttl=300", 0).is_err());
        assert!(Via::parse(b"SIP/2.0/UDPh", 0).is_err());
    }

    #[test]
    fn name_addr_forms() {
        let n = NameAddr::parse(
            br#""J Rosenberg \"Jdrosen\"" <sip:jdrosen@example.com>;tag=98asjd8"#,
            0,
            "to",
        )
        .unwrap();
        assert_eq!(n.display_name, Some(r#""J Rosenberg \"Jdrosen\"""#));
        assert_eq!(n.tag(), Some("98asjd8"));
        let n = NameAddr::parse(b"sip:caller@example.net;tag=134161461246", 0, "from").unwrap();
        assert!(!n.angle);
        assert_eq!(n.tag(), Some("134161461246"));
        assert!(n.uri.params.is_empty());
        let n = NameAddr::parse(b"Bob Smith  <sip:b@x>", 0, "from").unwrap();
        assert_eq!(n.display_name, Some("Bob Smith"));
        assert!(NameAddr::parse(b"Bell, Alexander <sip:a@b>", 0, "from").is_err());
        assert!(NameAddr::parse(b"<sip:a@b", 0, "from").is_err());
    }

    #[test]
    fn cseq_and_others() {
        let c = CSeq::parse(b"2147483647 INVITE", 0).unwrap();
        assert_eq!(c.seq, 2147483647);
        assert!(CSeq::parse(b"2147483648 INVITE", 0).is_err());
        assert!(CSeq::parse(b"1INVITE", 0).is_err());
        assert!(parse_call_id(b"abc@def@ghi", 0).is_err());
        assert!(parse_date(b"Thu, 21 Feb 2002 13:02:03 GMT", 0).is_ok());
        assert!(parse_date(b"Fri, 01 Jan 2010 16:00:00 EST", 0).is_err());
        assert_eq!(Contact::parse(b"*", 0).unwrap(), Contact::Star);
        assert!(MediaType::parse(b"application/sdp", 0)
            .unwrap()
            .is("application", "SDP"));
        assert!(MediaType::parse(b"application", 0).is_err());
    }
}
