//! SIP, SIPS and TEL URIs (RFC 3261 §19.1, §25.1; RFC 3966), parsed in place.
//!
//! [`Uri::parse`] validates the whole grammar once and keeps slices of the
//! input: the user part, password, host, port, the `;`-parameters and the
//! `?`-headers. Escapes (`%HH`) are checked but left encoded; decode a part
//! with [`super::percent_decode`] when its bytes are needed. Other schemes
//! are accepted as an `absoluteURI` (RFC 3261 §25.1) with only the scheme
//! split out, since a proxy must be able to carry them.

use super::lex::{self, check_escaped, in_class, is_unreserved};
use crate::error::{Error, Result};

/// The URI scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme<'a> {
    /// `sip:`
    Sip,
    /// `sips:`
    Sips,
    /// `tel:` (RFC 3966)
    Tel,
    /// Any other scheme, as written.
    Other(&'a str),
}

/// The host part of a SIP URI or Via sent-by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host<'a> {
    /// A DNS name.
    Name(&'a str),
    /// A dotted IPv4 address.
    V4(core::net::Ipv4Addr),
    /// An IPv6 reference; the `&str` is the text between the brackets.
    V6(core::net::Ipv6Addr, &'a str),
}

impl<'a> Host<'a> {
    /// Parses a `host` (hostname / IPv4address / IPv6reference).
    pub fn parse(s: &'a [u8], offset: usize, what: &'static str) -> Result<Host<'a>> {
        parse_host(s, offset, what)
    }
}

impl core::fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(_, raw) => write!(f, "[{raw}]"),
        }
    }
}

pub(crate) fn parse_host<'a>(s: &'a [u8], offset: usize, what: &'static str) -> Result<Host<'a>> {
    if let Ok(text) = core::str::from_utf8(s) {
        return parse_host_str(text, offset, what);
    }
    // Not UTF-8: the same checks, which fail with the same errors.
    match s.first() {
        None => Err(Error::parse(what, "empty host", offset)),
        Some(b'[') => {
            let inner = match s.strip_prefix(b"[").and_then(|r| r.strip_suffix(b"]")) {
                Some(i) => i,
                None => return Err(Error::parse(what, "unterminated IPv6 reference", offset)),
            };
            // Bytes that are not UTF-8 are not an IPv6 address either.
            Err(lex::utf8(inner, what, offset + 1)
                .err()
                .unwrap_or(Error::parse(what, "invalid IPv6 address", offset + 1)))
        }
        // A byte that is not ASCII is not a host character.
        Some(_) => {
            let p = s.iter().position(|&b| !is_host_char(b)).unwrap_or(0);
            Err(Error::parse(what, "invalid character in host", offset + p))
        }
    }
}

#[inline]
const fn is_host_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

static HOST: [bool; 256] = lex::byte_class!(is_host_char);
static USER: [bool; 256] = lex::byte_class!(is_user_char);
static PASSWORD: [bool; 256] = lex::byte_class!(is_password_char);
static PARAM: [bool; 256] = lex::byte_class!(is_param_char);
static HNV: [bool; 256] = lex::byte_class!(is_hnv_char);

/// [`parse_host`] of text already known to be UTF-8.
pub(crate) fn parse_host_str<'a>(
    text: &'a str,
    offset: usize,
    what: &'static str,
) -> Result<Host<'a>> {
    let s = text.as_bytes();
    match s.first() {
        None => Err(Error::parse(what, "empty host", offset)),
        Some(b'[') => {
            let inner = match text.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                Some(i) => i,
                None => return Err(Error::parse(what, "unterminated IPv6 reference", offset)),
            };
            let addr = inner
                .parse::<core::net::Ipv6Addr>()
                .map_err(|_| Error::parse(what, "invalid IPv6 address", offset + 1))?;
            Ok(Host::V6(addr, inner))
        }
        Some(_) => {
            // One pass: the characters, the labels of the name without its
            // trailing dot, and whether the last label is numeric (only an
            // IPv4 address may end in one).
            let trimmed_len = if s.last() == Some(&b'.') {
                s.len() - 1
            } else {
                s.len()
            };
            let mut bad_label = false;
            let mut label_len = 0usize;
            let mut label_first = 0u8;
            let mut prev = 0u8;
            let mut digits = true;
            for (i, &b) in s.iter().enumerate() {
                if !in_class(&HOST, b) {
                    return Err(Error::parse(what, "invalid character in host", offset + i));
                }
                if i >= trimmed_len {
                    continue;
                }
                if b == b'.' {
                    bad_label |= label_len == 0 || label_first == b'-' || prev == b'-';
                    label_len = 0;
                    digits = true;
                } else {
                    if label_len == 0 {
                        label_first = b;
                    }
                    label_len += 1;
                    digits &= b.is_ascii_digit();
                }
                prev = b;
            }
            if label_len > 0 && digits {
                return text
                    .parse::<core::net::Ipv4Addr>()
                    .map(Host::V4)
                    .map_err(|_| Error::parse(what, "invalid IPv4 address", offset));
            }
            if bad_label || label_len == 0 || label_first == b'-' || prev == b'-' {
                return Err(Error::parse(what, "invalid host name label", offset));
            }
            Ok(Host::Name(text))
        }
    }
}

/// Which grammar a parameter list follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParamMode {
    /// `uri-parameters`: escaped `paramchar`s, no quotes.
    Uri,
    /// header `generic-param`s: token / host / quoted-string values, LWS
    /// around `;` and `=`.
    Header,
}

/// A list of `;`-parameters, kept raw and split on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params<'a> {
    raw: &'a str,
    mode: ParamMode,
}

impl<'a> Params<'a> {
    pub(crate) const fn empty_uri() -> Self {
        Params {
            raw: "",
            mode: ParamMode::Uri,
        }
    }

    /// The raw text, without the first `;`.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// `(name, value)` pairs in order; a value of a header parameter keeps
    /// its quotes if it had them.
    pub fn iter(&self) -> ParamIter<'a> {
        ParamIter {
            rest: self.raw,
            mode: self.mode,
        }
    }

    /// The first parameter named `name` (case-insensitive): `Some(None)` for a
    /// parameter without a value.
    pub fn get(&self, name: &str) -> Option<Option<&'a str>> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether a parameter named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Parses a header parameter list starting at `;` in `c` (validating
    /// every parameter) and returns it.
    pub(crate) fn parse_header(c: &mut lex::Cursor<'a>) -> Result<Params<'a>> {
        let start = c.pos();
        let mut first = None;
        let mut end = start;
        loop {
            let save = c.pos();
            c.skip_lws();
            if !c.eat(b';') {
                c.set_pos(save);
                break;
            }
            c.skip_lws();
            if first.is_none() {
                first = Some(c.pos());
            }
            c.token("expected a parameter name")?;
            if c.eat_sep(b'=') {
                match c.peek() {
                    Some(b'"') => {
                        c.quoted_string()?;
                    }
                    Some(b'[') => {
                        let v = c.take_while(|b| b != b';' && !lex::is_lws(b) && b != b',');
                        if !v.ends_with(b"]") {
                            return Err(c.err("unterminated IPv6 reference in parameter"));
                        }
                    }
                    _ => {
                        c.token("expected a parameter value")?;
                    }
                }
            }
            end = c.pos();
        }
        let raw = match first {
            Some(f) => match c.text(f, end) {
                Some(t) => t,
                None => lex::utf8(c.slice(f, end), "parameter", c.offset())?,
            },
            None => "",
        };
        Ok(Params {
            raw,
            mode: ParamMode::Header,
        })
    }
}

/// Iterator over `(name, value)` parameter pairs.
#[derive(Debug, Clone)]
pub struct ParamIter<'a> {
    rest: &'a str,
    mode: ParamMode,
}

impl<'a> ParamIter<'a> {
    /// Where the parameter at the start of `rest` ends: the next `;` outside
    /// a quoted string of a header parameter.
    #[inline]
    fn item_end(&self) -> usize {
        let b = self.rest.as_bytes();
        let quote = if self.mode == ParamMode::Header {
            b'"'
        } else {
            b';'
        };
        match lex::find2(b, b';', quote) {
            None => b.len(),
            Some(i) if b.get(i) == Some(&b';') => i,
            Some(_) => {
                let mut i = 0;
                let mut in_q = false;
                while let Some(&c) = b.get(i) {
                    if in_q {
                        if c == b'\\' {
                            i += 1;
                        } else if c == b'"' {
                            in_q = false;
                        }
                    } else if c == b';' {
                        break;
                    } else if c == b'"' {
                        in_q = true;
                    }
                    i += 1;
                }
                i.min(b.len())
            }
        }
    }
}

impl<'a> Iterator for ParamIter<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            // `end` is at a ';' or the end, so a char boundary.
            let end = self.item_end();
            let item = self.rest.get(..end).unwrap_or("");
            self.rest = self.rest.get(end + 1..).unwrap_or("");
            let item = lex::trim_lws_str(item);
            if item.is_empty() {
                continue;
            }
            return Some(match lex::find2(item.as_bytes(), b'=', b'=') {
                // '=' is ASCII: both cuts are char boundaries.
                Some(eq) => (
                    lex::trim_lws_str(item.get(..eq).unwrap_or("")),
                    Some(lex::trim_lws_str(item.get(eq + 1..).unwrap_or(""))),
                ),
                None => (item, None),
            });
        }
    }
}

/// A parsed URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uri<'a> {
    /// The scheme.
    pub scheme: Scheme<'a>,
    /// The user part (escaped as written), or for `tel:` the number.
    pub user: Option<&'a str>,
    /// The password (escaped as written).
    pub password: Option<&'a str>,
    /// The host; `None` for `tel:` and other schemes.
    pub host: Option<Host<'a>>,
    /// The port, if written.
    pub port: Option<u16>,
    /// `;`-parameters.
    pub params: Params<'a>,
    /// The `?`-headers, raw, without the `?` (`name=value&...`).
    pub headers: &'a str,
    /// The whole URI as written.
    pub raw: &'a str,
}

const fn is_user_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/')
}

const fn is_password_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',')
}

const fn is_param_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$')
}

const fn is_hnv_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$')
}

/// RFC 2396 `uric` and the reserved set, for absoluteURI of other schemes.
const fn is_uric(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b';' | b'/'
                | b'?'
                | b':'
                | b'@'
                | b'&'
                | b'='
                | b'+'
                | b'$'
                | b','
                | b'%'
                | b'#'
                | b'['
                | b']'
        )
}

impl<'a> Uri<'a> {
    /// Parses a URI; `offset` is the position of `s` in the message, used in
    /// error offsets.
    pub fn parse(s: &'a [u8], offset: usize) -> Result<Uri<'a>> {
        Self::parse_str(lex::utf8(s, "uri", offset)?, offset)
    }

    /// [`Uri::parse`] of text already known to be UTF-8: every part is a
    /// slice of `raw`, cut at ASCII delimiters.
    pub(crate) fn parse_str(raw: &'a str, offset: usize) -> Result<Uri<'a>> {
        let s = raw.as_bytes();
        let colon = s.iter().position(|&b| b == b':').ok_or(Error::parse(
            "uri",
            "expected a scheme",
            offset,
        ))?;
        let scheme_b = s.get(..colon).unwrap_or(&[]);
        let scheme_ok = scheme_b.first().is_some_and(u8::is_ascii_alphabetic)
            && scheme_b
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok {
            return Err(Error::parse("uri", "invalid scheme", offset));
        }
        let rest_s = raw.get(colon + 1..).unwrap_or("");
        let rest = rest_s.as_bytes();
        let rest_off = offset + colon + 1;
        let scheme_s = raw.get(..colon).unwrap_or("");
        let scheme = if scheme_s.eq_ignore_ascii_case("sip") {
            Scheme::Sip
        } else if scheme_s.eq_ignore_ascii_case("sips") {
            Scheme::Sips
        } else if scheme_s.eq_ignore_ascii_case("tel") {
            Scheme::Tel
        } else {
            Scheme::Other(scheme_s)
        };
        match scheme {
            Scheme::Sip | Scheme::Sips => parse_sip(scheme, raw, rest_s, rest_off),
            Scheme::Tel => parse_tel(raw, rest_s, rest_off),
            Scheme::Other(_) => {
                if rest.is_empty() {
                    return Err(Error::parse("uri", "empty after the scheme", rest_off));
                }
                if let Some(p) = rest.iter().position(|&b| !is_uric(b)) {
                    return Err(Error::parse("uri", "invalid character", rest_off + p));
                }
                if let Some(p) = check_escaped(rest, is_uric) {
                    return Err(Error::parse("uri", "invalid escape", rest_off + p));
                }
                Ok(Uri {
                    scheme,
                    user: None,
                    password: None,
                    host: None,
                    port: None,
                    params: Params::empty_uri(),
                    headers: "",
                    raw,
                })
            }
        }
    }

    /// Whether this is a `sip:` or `sips:` URI.
    pub fn is_sip(&self) -> bool {
        matches!(self.scheme, Scheme::Sip | Scheme::Sips)
    }

    /// `?`-headers as `(name, value)` pairs, escaped as written.
    pub fn header_pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.headers
            .split('&')
            .filter(|h| !h.is_empty())
            .map(|h| h.split_once('=').unwrap_or((h, "")))
    }

    /// The `transport` parameter.
    pub fn transport(&self) -> Option<&'a str> {
        self.params.get("transport").flatten()
    }
}

impl core::fmt::Display for Uri<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.raw)
    }
}

fn parse_sip<'a>(scheme: Scheme<'a>, raw: &'a str, rest_s: &'a str, off: usize) -> Result<Uri<'a>> {
    let rest = rest_s.as_bytes();
    // userinfo ends at the first '@' (user may contain ';' and '?').
    let (user, password, hp_start) = match rest.iter().position(|&b| b == b'@') {
        Some(at) => {
            let ui = rest_s.get(..at).unwrap_or("");
            // the password starts at the first ':' of userinfo
            let (u, p) = match ui.as_bytes().iter().position(|&b| b == b':') {
                Some(c) => (
                    ui.get(..c).unwrap_or(""),
                    Some((ui.get(c + 1..).unwrap_or(""), off + c + 1)),
                ),
                None => (ui, None),
            };
            if u.is_empty() {
                return Err(Error::parse("uri", "empty user part", off));
            }
            if let Some(e) = check_escaped(u.as_bytes(), |b| in_class(&USER, b)) {
                return Err(Error::parse(
                    "uri",
                    "invalid character in user part",
                    off + e,
                ));
            }
            let password = match p {
                Some((pw, poff)) => {
                    if let Some(e) = check_escaped(pw.as_bytes(), |b| in_class(&PASSWORD, b)) {
                        return Err(Error::parse(
                            "uri",
                            "invalid character in password",
                            poff + e,
                        ));
                    }
                    Some(pw)
                }
                None => None,
            };
            (Some(u), password, at + 1)
        }
        None => (None, None, 0),
    };
    let hp_s = rest_s.get(hp_start..).unwrap_or("");
    let hp = hp_s.as_bytes();
    let hp_off = off + hp_start;
    // hostport ends at ';' or '?'
    let hp_end = hp
        .iter()
        .position(|&b| b == b';' || b == b'?')
        .unwrap_or(hp.len());
    let hostport = hp_s.get(..hp_end).unwrap_or("");
    let (host_s, port) = split_host_port_str(hostport, hp_off, "uri")?;
    let host = parse_host_str(host_s, hp_off, "uri")?;
    let tail_s = hp_s.get(hp_end..).unwrap_or("");
    let tail = tail_s.as_bytes();
    let tail_off = hp_off + hp_end;
    let q = tail.iter().position(|&b| b == b'?').unwrap_or(tail.len());
    let params_s = tail_s.get(..q).unwrap_or("");
    let params_b = params_s.as_bytes();
    let headers_s = tail_s.get(q..).unwrap_or("");
    let headers_b = headers_s.as_bytes();
    // params: ";" pname ["=" pvalue], each non-empty
    let params_raw_s = params_s.strip_prefix(';').unwrap_or(params_s);
    let params_raw = params_raw_s.as_bytes();
    if !params_b.is_empty() {
        let mut p_off = tail_off + 1;
        for p in params_raw.split(|&b| b == b';') {
            let (n, v) = match p.iter().position(|&b| b == b'=') {
                Some(eq) => (
                    p.get(..eq).unwrap_or(&[]),
                    Some(p.get(eq + 1..).unwrap_or(&[])),
                ),
                None => (p, None),
            };
            if n.is_empty() {
                return Err(Error::parse("uri", "empty parameter name", p_off));
            }
            if let Some(e) = check_escaped(n, |b| in_class(&PARAM, b)) {
                return Err(Error::parse(
                    "uri",
                    "invalid character in parameter",
                    p_off + e,
                ));
            }
            if let Some(v) = v {
                if v.is_empty() {
                    return Err(Error::parse(
                        "uri",
                        "empty parameter value",
                        p_off + n.len() + 1,
                    ));
                }
                if let Some(e) = check_escaped(v, |b| in_class(&PARAM, b)) {
                    return Err(Error::parse(
                        "uri",
                        "invalid character in parameter",
                        p_off + n.len() + 1 + e,
                    ));
                }
            }
            p_off += p.len() + 1;
        }
    }
    let headers_raw_s = headers_s.strip_prefix('?').unwrap_or(headers_s);
    let headers_raw = headers_raw_s.as_bytes();
    if !headers_b.is_empty() {
        let h_off = tail_off + q + 1;
        let mut o = h_off;
        for h in headers_raw.split(|&b| b == b'&') {
            let eq = h.iter().position(|&b| b == b'=').ok_or(Error::parse(
                "uri",
                "expected '=' in uri header",
                o,
            ))?;
            let (n, v) = (h.get(..eq).unwrap_or(&[]), h.get(eq + 1..).unwrap_or(&[]));
            if n.is_empty() {
                return Err(Error::parse("uri", "empty uri header name", o));
            }
            if let Some(e) = check_escaped(n, |b| in_class(&HNV, b))
                .or_else(|| check_escaped(v, |b| in_class(&HNV, b)).map(|x| x + eq + 1))
            {
                return Err(Error::parse(
                    "uri",
                    "invalid character in uri header",
                    o + e,
                ));
            }
            o += h.len() + 1;
        }
    }
    Ok(Uri {
        scheme,
        user,
        password,
        host: Some(host),
        port,
        params: Params {
            raw: params_raw_s,
            mode: ParamMode::Uri,
        },
        headers: headers_raw_s,
        raw,
    })
}

/// Splits `host[:port]`, handling IPv6 references.
pub(crate) fn split_host_port<'a>(
    hp: &'a [u8],
    off: usize,
    what: &'static str,
) -> Result<(&'a [u8], Option<u16>)> {
    let colon = if hp.first() == Some(&b'[') {
        let close = hp.iter().position(|&b| b == b']').ok_or(Error::parse(
            what,
            "unterminated IPv6 reference",
            off,
        ))?;
        match hp.get(close + 1) {
            None => None,
            Some(b':') => Some(close + 1),
            Some(_) => {
                return Err(Error::parse(
                    what,
                    "expected ':' after IPv6 reference",
                    off + close + 1,
                ))
            }
        }
    } else {
        hp.iter().position(|&b| b == b':')
    };
    match colon {
        None => Ok((hp, None)),
        Some(c) => {
            let digits = hp.get(c + 1..).unwrap_or(&[]);
            let port = lex::parse_decimal(digits, 65535).ok_or(Error::parse(
                what,
                "expected a port number 0..=65535",
                off + c + 1,
            ))?;
            Ok((hp.get(..c).unwrap_or(&[]), Some(port as u16)))
        }
    }
}

/// [`split_host_port`] of text.
pub(crate) fn split_host_port_str<'a>(
    hp: &'a str,
    off: usize,
    what: &'static str,
) -> Result<(&'a str, Option<u16>)> {
    let (h, port) = split_host_port(hp.as_bytes(), off, what)?;
    // `h` is a prefix of `hp` ending before a ':' or at the end.
    Ok((hp.get(..h.len()).unwrap_or(""), port))
}

fn parse_tel<'a>(raw: &'a str, rest_s: &'a str, off: usize) -> Result<Uri<'a>> {
    let rest = rest_s.as_bytes();
    let semi = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
    let number = rest.get(..semi).unwrap_or(&[]);
    let global = number.first() == Some(&b'+');
    let digits = if global {
        number.get(1..).unwrap_or(&[])
    } else {
        number
    };
    let visual = |b: u8| matches!(b, b'-' | b'.' | b'(' | b')');
    let ok_char = |b: u8| {
        b.is_ascii_digit()
            || visual(b)
            || (!global && matches!(b, b'*' | b'#' | b'a'..=b'f' | b'A'..=b'F'))
    };
    if let Some(p) = digits.iter().position(|&b| !ok_char(b)) {
        return Err(Error::parse(
            "uri",
            "invalid character in telephone number",
            off + p + usize::from(global),
        ));
    }
    if !digits.iter().any(|&b| !visual(b)) {
        return Err(Error::parse("uri", "telephone number without digits", off));
    }
    let params_s = rest_s.get(semi..).unwrap_or("");
    let params_b = params_s.as_bytes();
    let params_raw_s = params_s.strip_prefix(';').unwrap_or(params_s);
    let params_raw = params_raw_s.as_bytes();
    if !params_b.is_empty() {
        for p in params_raw.split(|&b| b == b';') {
            let n = p.split(|&b| b == b'=').next().unwrap_or(&[]);
            if n.is_empty()
                || check_escaped(p, |b| is_param_char(b) || b == b'=' || b == b'+').is_some()
            {
                return Err(Error::parse("uri", "invalid tel parameter", off + semi));
            }
        }
    }
    let params = Params {
        raw: params_raw_s,
        mode: ParamMode::Uri,
    };
    if !global && !params.contains("phone-context") {
        return Err(Error::parse(
            "uri",
            "local telephone number without phone-context",
            off,
        ));
    }
    Ok(Uri {
        scheme: Scheme::Tel,
        user: Some(rest_s.get(..semi).unwrap_or("")),
        password: None,
        host: None,
        port: None,
        params,
        headers: "",
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_uri_parts() {
        let u = Uri::parse(b"sips:alice:secret@[2001:db8::10]:5061;transport=tcp;lr?subject=project%20x&priority=urgent", 0).unwrap();
        assert_eq!(u.scheme, Scheme::Sips);
        assert_eq!(u.user, Some("alice"));
        assert_eq!(u.password, Some("secret"));
        assert!(matches!(u.host, Some(Host::V6(_, "2001:db8::10"))));
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.transport(), Some("tcp"));
        assert_eq!(u.params.get("lr"), Some(None));
        let h: Vec<_> = u.header_pairs().collect();
        assert_eq!(h, vec![("subject", "project%20x"), ("priority", "urgent")]);
    }

    #[test]
    fn escapes_and_user_chars() {
        let u = Uri::parse(
            b"sip:sip%3Auser%40example.com@example.com;maddr=239.255.255.1",
            0,
        )
        .unwrap();
        assert_eq!(
            &*super::super::percent_decode(u.user.unwrap().as_bytes()),
            b"sip:user@example.com"
        );
        assert!(Uri::parse(b"sip:us%zzer@example.com", 0).is_err());
        assert!(Uri::parse(b"sip:user@exa mple.com", 0).is_err());
        assert!(Uri::parse(b"sip:user@example.com:99999", 0).is_err());
    }

    #[test]
    fn tel_and_other() {
        let u = Uri::parse(b"tel:+1-201-555-0123;ext=1", 0).unwrap();
        assert_eq!(u.scheme, Scheme::Tel);
        assert_eq!(u.user, Some("+1-201-555-0123"));
        assert!(Uri::parse(b"tel:7042;phone-context=example.com", 0).is_ok());
        assert!(Uri::parse(b"tel:7042", 0).is_err());
        let o = Uri::parse(b"http://example.com/x", 0).unwrap();
        assert_eq!(o.scheme, Scheme::Other("http"));
    }

    #[test]
    fn hosts() {
        assert!(matches!(parse_host(b"192.0.2.1", 0, "h"), Ok(Host::V4(_))));
        assert!(parse_host(b"192.0.2.300", 0, "h").is_err());
        assert!(parse_host(b"[::1", 0, "h").is_err());
        assert!(matches!(
            parse_host(b"example.com.", 0, "h"),
            Ok(Host::Name(_))
        ));
    }
}
