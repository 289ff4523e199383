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

pub(crate) static HOST: [bool; 256] = lex::byte_class!(is_host_char);
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
            // A trailing dot ends a fully qualified name and is not a label.
            let trimmed = match s {
                [rest @ .., b'.'] => rest,
                _ => s,
            };
            let mut st = HOST_START;
            for &b in trimmed {
                st = host_step(st, b);
            }
            if st == HOST_BAD_CHAR {
                let p = s.iter().position(|&b| !in_class(&HOST, b)).unwrap_or(0);
                return Err(Error::parse(what, "invalid character in host", offset + p));
            }
            let prev = st & HOST_PREV;
            if prev != PREV_DOT && st & HOST_DIGITS != 0 {
                // Only an IPv4 address may end in a numeric label.
                return parse_ipv4(s).map(Host::V4).ok_or(Error::parse(
                    what,
                    "invalid IPv4 address",
                    offset,
                ));
            }
            if st & HOST_BAD_LABEL != 0 || prev == PREV_DOT || prev == PREV_DASH {
                return Err(Error::parse(what, "invalid host name label", offset));
            }
            Ok(Host::Name(text))
        }
    }
}

// Host names are checked by a byte-driven state machine: one table load per
// byte instead of a chain of tests. A state holds the class of the previous
// byte, whether the current label is all digits so far, and whether a label
// was found empty or with a '-' at either end; `HOST_BAD_CHAR` absorbs.
const PREV_DOT: u8 = 0; // also the state before the first byte
const PREV_DASH: u8 = 1;
const PREV_DIGIT: u8 = 2;
const PREV_ALPHA: u8 = 3;
const HOST_PREV: u8 = 3;
const HOST_DIGITS: u8 = 4;
const HOST_BAD_LABEL: u8 = 8;
const HOST_BAD_CHAR: u8 = 16;
const HOST_START: u8 = PREV_DOT | HOST_DIGITS;

const fn host_next(st: u8, b: u8) -> u8 {
    if st == HOST_BAD_CHAR || !is_host_char(b) {
        return HOST_BAD_CHAR;
    }
    let prev = st & HOST_PREV;
    let mut bad = st & HOST_BAD_LABEL;
    let digits = st & HOST_DIGITS;
    match b {
        b'.' => {
            if prev == PREV_DOT || prev == PREV_DASH {
                bad = HOST_BAD_LABEL;
            }
            bad | HOST_DIGITS | PREV_DOT
        }
        b'-' => {
            if prev == PREV_DOT {
                bad = HOST_BAD_LABEL;
            }
            bad | PREV_DASH
        }
        b'0'..=b'9' => bad | digits | PREV_DIGIT,
        _ => bad | PREV_ALPHA,
    }
}

/// Transitions of the host state machine, 32 rows so that a state masked
/// to five bits always indexes a row (rows past `HOST_BAD_CHAR` are unused).
// Indexing is evaluated at compile time: out of range fails the build.
#[allow(clippy::indexing_slicing)]
static HOST_DFA: [[u8; 256]; 32] = {
    let mut t = [[HOST_BAD_CHAR; 256]; 32];
    let mut st = 0;
    while st <= HOST_BAD_CHAR as usize {
        let mut b = 0;
        while b < 256 {
            t[st][b] = host_next(st as u8, b as u8);
            b += 1;
        }
        st += 1;
    }
    t
};

#[inline(always)]
fn host_step(st: u8, b: u8) -> u8 {
    HOST_DFA
        .get(usize::from(st & 31))
        .and_then(|row| row.get(usize::from(b)))
        .copied()
        .unwrap_or(HOST_BAD_CHAR)
}

/// A dotted-quad IPv4 address, with exactly the rules of
/// `core::net::Ipv4Addr`'s parser: four decimal octets of one to three
/// digits, no leading zero, each at most 255.
pub(crate) fn parse_ipv4(s: &[u8]) -> Option<core::net::Ipv4Addr> {
    if s.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut k = 0;
    let mut v = 0u32;
    let mut digits = 0;
    for &b in s {
        if b == b'.' {
            if digits == 0 || v > 255 {
                return None;
            }
            *octets.get_mut(k)? = v as u8;
            k += 1;
            v = 0;
            digits = 0;
        } else {
            let d = b.wrapping_sub(b'0');
            // a digit after a leading zero, or a fourth digit
            if d > 9 || (digits == 1 && v == 0) || digits == 3 {
                return None;
            }
            v = v * 10 + u32::from(d);
            digits += 1;
        }
    }
    if k != 3 || digits == 0 || v > 255 {
        return None;
    }
    *octets.get_mut(3)? = v as u8;
    Some(core::net::Ipv4Addr::from(octets))
}

/// Index of the first byte at or after `i` that is neither in `class` nor
/// part of a `%HH` escape; `None` at a malformed escape.
#[inline]
fn scan_escaped(s: &[u8], mut i: usize, class: &[bool; 256]) -> Option<usize> {
    loop {
        i += lex::class_len(class, s.get(i..).unwrap_or(&[]));
        match s.get(i) {
            Some(b'%') => {
                let hex = |j: usize| s.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return None;
                }
                i += 3;
            }
            _ => return Some(i),
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

/// The one parameter name a header parameter list notes while it is
/// parsed, so that a caller reading it later (a dialog's tag, a
/// transaction's branch) does not walk the list again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKey {
    /// Nothing noted.
    None,
    /// `tag` (From, To).
    Tag,
    /// `branch` (Via).
    Branch,
}

impl ParamKey {
    const fn name(self) -> &'static str {
        match self {
            ParamKey::None => "",
            ParamKey::Tag => "tag",
            ParamKey::Branch => "branch",
        }
    }
}

/// `Noted::value_start` of a parameter written without a value.
const NO_VALUE: u32 = u32::MAX;

/// What the parse noted about its [`ParamKey`]: how often it appears
/// (saturating at 2) and where the first one's value lies in `raw`.
#[derive(Clone, Copy)]
struct Noted {
    key: ParamKey,
    count: u8,
    value_start: u32,
    value_end: u32,
}

const NOTHING_NOTED: Noted = Noted {
    key: ParamKey::None,
    count: 0,
    value_start: NO_VALUE,
    value_end: 0,
};

/// A list of `;`-parameters, kept raw and split on demand.
#[derive(Clone, Copy)]
pub struct Params<'a> {
    raw: &'a str,
    mode: ParamMode,
    noted: Noted,
}

// What was noted is derived from `raw`; equality and the debug form are
// those of the list itself.
impl PartialEq for Params<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw && self.mode == other.mode
    }
}

impl Eq for Params<'_> {}

impl core::fmt::Debug for Params<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Params")
            .field("raw", &self.raw)
            .field("mode", &self.mode)
            .finish()
    }
}

impl<'a> Params<'a> {
    pub(crate) const fn empty_uri() -> Self {
        Params {
            raw: "",
            mode: ParamMode::Uri,
            noted: NOTHING_NOTED,
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

    /// [`Params::get`] of `key`'s name, answered from what the parse noted
    /// when it looked out for `key`.
    #[inline]
    pub(crate) fn get_key(&self, key: ParamKey) -> Option<Option<&'a str>> {
        let n = self.noted;
        if n.key == key && key != ParamKey::None {
            if n.count == 0 {
                return None;
            }
            if n.value_start == NO_VALUE {
                return Some(None);
            }
            if let Some(v) = self.raw.get(n.value_start as usize..n.value_end as usize) {
                return Some(Some(v));
            }
        }
        self.get(key.name())
    }

    /// How many times `key` appears (2 meaning two or more) and the first
    /// one's value, when the parse noted them.
    #[inline]
    pub(crate) fn noted(&self, key: ParamKey) -> Option<(u8, Option<Option<&'a str>>)> {
        let n = self.noted;
        if n.key != key || key == ParamKey::None {
            return None;
        }
        let first = match n.count {
            0 => None,
            _ if n.value_start == NO_VALUE => Some(None),
            _ => Some(Some(
                self.raw.get(n.value_start as usize..n.value_end as usize)?,
            )),
        };
        Some((n.count, first))
    }

    /// Parses a header parameter list starting at `;` in `c` (validating
    /// every parameter) and returns it.
    pub(crate) fn parse_header(c: &mut lex::Cursor<'a>) -> Result<Params<'a>> {
        Self::parse_header_noting(c, ParamKey::None, |_, _| {})
    }

    /// [`Params::parse_header`] that also notes `key` and shows each
    /// `(name, value)` pair to `each`, as [`ParamIter`] would yield it.
    ///
    /// Both are given up (the returned list notes nothing, and `each` may
    /// have seen pairs the iterator would split differently) when a `[...]`
    /// value holds a `"`, which the iterator takes for an opening quote.
    pub(crate) fn parse_header_noting(
        c: &mut lex::Cursor<'a>,
        key: ParamKey,
        mut each: impl FnMut(&'a str, Option<&'a str>),
    ) -> Result<Params<'a>> {
        let start = c.pos();
        let mut first = None;
        let mut end = start;
        let mut noted = Noted {
            key,
            ..NOTHING_NOTED
        };
        // positions in the cursor of the first key's value
        let mut key_value: Option<(usize, usize)> = None;
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
            let name = c.token("expected a parameter name")?;
            let is_key = key != ParamKey::None && name.eq_ignore_ascii_case(key.name());
            let mut value = None;
            if c.eat_sep(b'=') {
                let vs = c.pos();
                match c.peek() {
                    Some(b'"') => {
                        value = Some(c.quoted_string()?);
                    }
                    Some(b'[') => {
                        let v = c.take_while(|b| b != b';' && !lex::is_lws(b) && b != b',');
                        if !v.ends_with(b"]") {
                            return Err(c.err("unterminated IPv6 reference in parameter"));
                        }
                        value = c.text(vs, c.pos());
                        if v.contains(&b'"') || value.is_none() {
                            noted.key = ParamKey::None;
                        }
                    }
                    _ => {
                        value = Some(c.token("expected a parameter value")?);
                    }
                }
                if is_key && noted.count == 0 {
                    key_value = Some((vs, c.pos()));
                }
            }
            if is_key {
                noted.count = noted.count.saturating_add(1).min(2);
            }
            each(name, value);
            end = c.pos();
        }
        let raw = match first {
            Some(f) => {
                if let Some((vs, ve)) = key_value {
                    match (u32::try_from(vs - f), u32::try_from(ve - f)) {
                        (Ok(a), Ok(b)) if a != NO_VALUE => {
                            noted.value_start = a;
                            noted.value_end = b;
                        }
                        _ => noted.key = ParamKey::None,
                    }
                }
                match c.text(f, end) {
                    Some(t) => t,
                    None => lex::utf8(c.slice(f, end), "parameter", c.offset())?,
                }
            }
            None => "",
        };
        Ok(Params {
            raw,
            mode: ParamMode::Header,
            noted,
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
        // `sip:` and `sips:` in any case, without looking for the colon.
        let lower = |n: usize| {
            s.get(..n)
                .map_or(0, |p| p.iter().fold(0u64, |w, &b| w << 8 | u64::from(b)))
                | 0x2020_2020_2020 >> ((6 - n) * 8)
        };
        if s.get(3) == Some(&b':') && lower(3) == u64::from_be_bytes(*b"\0\0\0\0\0sip") {
            return parse_sip(Scheme::Sip, raw, raw.get(4..).unwrap_or(""), offset + 4);
        }
        if s.get(4) == Some(&b':') && lower(4) == u64::from_be_bytes(*b"\0\0\0\0sips") {
            return parse_sip(Scheme::Sips, raw, raw.get(5..).unwrap_or(""), offset + 5);
        }
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
    match parse_sip_common(scheme, raw, rest_s) {
        Some(u) => Ok(u),
        None => parse_sip_full(scheme, raw, rest_s, off),
    }
}

/// The whole `SIP-URI` grammar, with the offset of the first problem.
fn parse_sip_full<'a>(
    scheme: Scheme<'a>,
    raw: &'a str,
    rest_s: &'a str,
    off: usize,
) -> Result<Uri<'a>> {
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
            noted: NOTHING_NOTED,
        },
        headers: headers_raw_s,
        raw,
    })
}

/// The SIP URIs that messages carry almost always: `[user[:password]@]host
/// [:port][;params]` with a name or IPv4 host and no `?`-headers, decoded
/// in one forward pass. `None` for anything else, valid or not, which
/// [`parse_sip`] then decodes in full; when this returns a URI, the full
/// decoder would have returned the same one.
#[inline]
fn parse_sip_common<'a>(scheme: Scheme<'a>, raw: &'a str, rest_s: &'a str) -> Option<Uri<'a>> {
    let rest = rest_s.as_bytes();
    // The user part ends at the first '@' of the URI: a byte outside the
    // user (then password) characters that is not '@' means either no user
    // part (no '@' at all) or a malformed one.
    let no_at = |from: usize| rest.get(from..).is_some_and(|r| !r.contains(&b'@'));
    let i = scan_escaped(rest, 0, &USER)?;
    let (user, password, hp_start) = match rest.get(i) {
        Some(b'@') if i > 0 => (Some(rest_s.get(..i)?), None, i + 1),
        Some(b':') if i > 0 => {
            let j = scan_escaped(rest, i + 1, &PASSWORD)?;
            if rest.get(j) == Some(&b'@') {
                (Some(rest_s.get(..i)?), Some(rest_s.get(i + 1..j)?), j + 1)
            } else if no_at(j) {
                (None, None, 0)
            } else {
                return None;
            }
        }
        _ if i > 0 && no_at(i) => (None, None, 0),
        _ => return None,
    };
    let hp_s = rest_s.get(hp_start..)?;
    let hp = hp_s.as_bytes();
    let k = lex::class_len(&HOST, hp);
    if k == 0 {
        return None;
    }
    let (port, after) = if hp.get(k) == Some(&b':') {
        let digits = hp
            .get(k + 1..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let p = lex::parse_decimal(hp.get(k + 1..k + 1 + digits)?, 65535)?;
        (Some(p as u16), k + 1 + digits)
    } else {
        (None, k)
    };
    let host = parse_host_str(hp_s.get(..k)?, 0, "uri").ok()?;
    let tail = hp.get(after..)?;
    let mut p = 0;
    if tail.first() == Some(&b';') {
        p = 1;
        loop {
            let name_end = scan_escaped(tail, p, &PARAM)?;
            if name_end == p {
                return None;
            }
            let mut e = name_end;
            if tail.get(e) == Some(&b'=') {
                let value_end = scan_escaped(tail, e + 1, &PARAM)?;
                if value_end == e + 1 {
                    return None;
                }
                e = value_end;
            }
            match tail.get(e) {
                Some(b';') => p = e + 1,
                None => {
                    p = e;
                    break;
                }
                Some(_) => return None,
            }
        }
    }
    if p != tail.len() {
        return None;
    }
    Some(Uri {
        scheme,
        user,
        password,
        host: Some(host),
        port,
        params: Params {
            raw: hp_s.get(after + 1..).unwrap_or(""),
            mode: ParamMode::Uri,
            noted: NOTHING_NOTED,
        },
        headers: "",
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
        noted: NOTHING_NOTED,
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

    fn xorshift(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    #[test]
    fn ipv4_matches_std() {
        let fixed: [&[u8]; 12] = [
            b"0.0.0.0",
            b"255.255.255.255",
            b"256.1.1.1",
            b"01.1.1.1",
            b"1.1.1",
            b"1.1.1.1.",
            b"1.1.1.01",
            b"1..1.1",
            b"0000.1.1.1",
            b"1.2.3.4x",
            b"",
            b"+1.2.3.4",
        ];
        let alphabet = b"0123456789..a+";
        let mut x = 0x1234_5678_9abc_def1u64;
        let random = (0..300_000).map(|_| {
            let r = xorshift(&mut x);
            let len = (r % 19) as usize;
            (0..len)
                .map(|i| alphabet[((r >> (i * 3 + 5)) % alphabet.len() as u64) as usize])
                .collect::<Vec<u8>>()
        });
        for s in fixed.iter().map(|s| s.to_vec()).chain(random) {
            let want = std::str::from_utf8(&s)
                .ok()
                .and_then(|t| t.parse::<core::net::Ipv4Addr>().ok());
            assert_eq!(parse_ipv4(&s), want, "{:?}", String::from_utf8_lossy(&s));
        }
    }

    /// The host check as a plain loop over labels, kept to check the state
    /// machine against.
    fn reference_host(s: &[u8]) -> core::result::Result<Host<'_>, (&'static str, usize)> {
        let text = core::str::from_utf8(s).map_err(|_| ("utf8", 0))?;
        if s.is_empty() {
            return Err(("empty host", 0));
        }
        if let Some(p) = s.iter().position(|&b| !is_host_char(b)) {
            return Err(("invalid character in host", p));
        }
        let trimmed = text.strip_suffix('.').unwrap_or(text);
        let labels: Vec<&str> = trimmed.split('.').collect();
        let last = labels.last().copied().unwrap_or("");
        if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse::<core::net::Ipv4Addr>()
                .map(Host::V4)
                .map_err(|_| ("invalid IPv4 address", 0));
        }
        let bad = labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'));
        if bad {
            return Err(("invalid host name label", 0));
        }
        Ok(Host::Name(text))
    }

    #[test]
    fn host_state_machine_matches_labels() {
        let alphabet = b"a9-.Z0.-_";
        let mut x = 0x0bad_cafe_f00d_1234u64;
        for _ in 0..300_000 {
            let r = xorshift(&mut x);
            let len = 1 + (r % 16) as usize;
            let s: Vec<u8> = (0..len)
                .map(|i| alphabet[((r >> (i * 3 + 4)) % alphabet.len() as u64) as usize])
                .collect();
            let got = parse_host(&s, 0, "h").map_err(|e| match e {
                Error::Parse { reason, offset, .. } => (reason, offset),
                _ => ("other", 0),
            });
            assert_eq!(got, reference_host(&s), "{:?}", String::from_utf8_lossy(&s));
        }
    }

    /// Whenever the one-pass decoder answers, the full grammar gives the
    /// same URI.
    #[test]
    fn common_form_agrees_with_the_full_grammar() {
        let seeds: [&[u8]; 8] = [
            b"+12125550187@pbx.alice.example.com;user=phone",
            b"alice:secret@a.b:5060;transport=udp;lr",
            b"198.51.100.1;lr",
            b"a%20b@h.example.com.",
            b"1.2.3.4:5060",
            b"u;p=1@h;q",
            b"x@[::1]:5061",
            b"h?x=y",
        ];
        let extra = b"@:;=?%2aF.-[]&x5 ";
        let mut x = 0x5eed_5eed_1234_4321u64;
        let mut answered = 0;
        for i in 0..200_000 {
            let mut s = seeds[i % seeds.len()].to_vec();
            let r = xorshift(&mut x);
            for k in 0..(r % 4) {
                let pos = ((r >> (8 + k * 12)) as usize) % (s.len() + 1);
                let b = extra[((r >> (14 + k * 12)) as usize) % extra.len()];
                match (r >> (20 + k * 12)) % 3 {
                    0 => s.insert(pos, b),
                    1 if pos < s.len() => s[pos] = b,
                    _ if pos < s.len() => {
                        s.remove(pos);
                    }
                    _ => {}
                }
            }
            let Ok(rest) = core::str::from_utf8(&s) else {
                continue;
            };
            let raw = format!("sip:{rest}");
            let rest = &raw[4..];
            if let Some(u) = parse_sip_common(Scheme::Sip, &raw, rest) {
                answered += 1;
                assert_eq!(Ok(u), parse_sip_full(Scheme::Sip, &raw, rest, 4), "{raw}");
            }
        }
        assert!(answered > 10_000, "only {answered} answered");
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
