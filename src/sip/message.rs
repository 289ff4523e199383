//! `Message<'a>`: one SIP message parsed in place (RFC 3261 §7, §18.3).
//!
//! Parsing finds the start line, the header fields (unfolding continuation
//! lines per §7.3.1) and the body, and stores only offsets: nothing is copied
//! or allocated, and the header table lives inline in the `Message`. Header
//! values are decoded by the typed accessors when asked for, so a proxy that
//! reads three headers pays for three. [`Message::validate`] decodes every
//! header it knows a grammar for and applies the request checks an edge
//! device applies before answering 400.

use super::headers::{CSeq, Contact, NameAddr, Via};
use super::lex::{self, CommaSplit};
use super::name::HeaderName;
use super::uri::Uri;
use crate::error::{Error, Result};

/// Most header fields a [`Message`] can hold; [`Limits::max_headers`] may
/// only lower it.
pub const HEADER_CAPACITY: usize = 128;

/// Bounds applied while parsing. The defaults suit an edge device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message accepted, header and body, in bytes (default 64 KiB).
    pub max_message_size: usize,
    /// Most header fields (after unfolding) accepted, at most
    /// [`HEADER_CAPACITY`] (default 128).
    pub max_headers: usize,
    /// Longest start line or unfolded header field, in bytes (default 8 KiB).
    pub max_line_length: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: 64 * 1024,
            max_headers: HEADER_CAPACITY,
            max_line_length: 8 * 1024,
        }
    }
}

/// A SIP method. Extension methods are kept as [`Method::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Method<'a> {
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Info,
    Prack,
    Update,
    Subscribe,
    Notify,
    Refer,
    Message,
    Publish,
    /// An extension method (a `token`), as written.
    Other(&'a str),
}

impl<'a> Method<'a> {
    /// Classifies a method token. Methods are case-sensitive (§7.1).
    pub fn from_token(t: &'a str) -> Method<'a> {
        match t {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "REGISTER" => Method::Register,
            "OPTIONS" => Method::Options,
            "INFO" => Method::Info,
            "PRACK" => Method::Prack,
            "UPDATE" => Method::Update,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "PUBLISH" => Method::Publish,
            other => Method::Other(other),
        }
    }

    /// The method as written on the wire.
    pub fn as_str(&self) -> &'a str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Prack => "PRACK",
            Method::Update => "UPDATE",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Other(s) => s,
        }
    }
}

impl core::fmt::Display for Method<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first line of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `Method SP Request-URI SP SIP-Version`
    Request {
        /// The method.
        method: Method<'a>,
        /// The Request-URI, raw; decode with [`Uri::parse`].
        uri: &'a str,
        /// The version, e.g. `SIP/2.0`.
        version: &'a str,
    },
    /// `SIP-Version SP Status-Code SP Reason-Phrase`
    Response {
        /// The version, e.g. `SIP/2.0`.
        version: &'a str,
        /// The status code, 100..=699.
        status: u16,
        /// The reason phrase (may be empty).
        reason: &'a str,
    },
}

#[derive(Debug, Clone, Copy)]
struct RawHeader {
    name_off: u32,
    value_off: u32,
    value_len: u32,
    name_len: u16,
    /// `HeaderName` number XOR that of `Other`, so that an unused slot is
    /// all zero bytes and the table is cleared with a memset.
    kind: u8,
}

const EMPTY: RawHeader = RawHeader {
    name_off: 0,
    value_off: 0,
    value_len: 0,
    name_len: 0,
    kind: 0,
};

#[inline]
const fn kind_of(name: HeaderName) -> u8 {
    name as u8 ^ HeaderName::Other as u8
}

/// One header field as it appears in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The known name, or [`HeaderName::Other`].
    pub name: HeaderName,
    /// The name as written (any case, maybe compact).
    pub raw_name: &'a [u8],
    /// The value with surrounding white space trimmed. A folded value still
    /// contains its CRLF and leading white space; every typed decoder treats
    /// that as one space, as §7.3.1 says.
    pub value: &'a [u8],
    /// Byte offset of the value in the message.
    pub offset: usize,
}

impl<'a> Header<'a> {
    /// Whether the value spans folded lines.
    pub fn is_folded(&self) -> bool {
        self.value.contains(&b'\n')
    }

    /// Splits the value at top-level commas (outside quotes and `<...>`),
    /// yielding each element trimmed with its offset.
    pub fn split_commas(&self) -> CommaSplit<'a> {
        CommaSplit::new(self.value, self.offset)
    }
}

/// A parsed SIP message borrowing the bytes it was parsed from.
#[derive(Clone)]
pub struct Message<'a> {
    buf: &'a [u8],
    start: StartLine<'a>,
    count: usize,
    headers: [RawHeader; HEADER_CAPACITY],
    body_off: usize,
    body_len: usize,
    content_length: Option<usize>,
    start_off: usize,
}

impl core::fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Message")
            .field("start", &self.start)
            .field("headers", &self.headers().collect::<Vec<_>>())
            .field("body_len", &self.body_len)
            .finish()
    }
}

/// Whether the body ends where Content-Length says (a datagram) or may be
/// absent (a stream framer already cut the message to size).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    Datagram,
    Stream,
}

#[inline]
fn line_end(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..).and_then(memchr_nl).map(|i| from + i)
}

#[inline]
fn memchr_nl(s: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', s)
}

/// End of the content of a line ending at the LF at `nl` (strips a CR).
#[inline]
fn content_end(buf: &[u8], start: usize, nl: usize) -> usize {
    if nl > start && buf.get(nl - 1) == Some(&b'\r') {
        nl - 1
    } else {
        nl
    }
}

/// Length of the token that starts `s`.
#[inline]
fn token_len(s: &[u8]) -> usize {
    lex::class_len(&lex::TOKEN, s)
}

/// Finds the end of the header line starting at `from`: `(content end, LF)`.
/// One scan for CR or LF finds both the line end and a CR that is not part of
/// a CRLF, which is an error once the line is complete.
#[inline]
fn header_line_end(buf: &[u8], from: usize) -> Result<(usize, usize)> {
    let incomplete = Error::Incomplete {
        what: "header section",
        offset: buf.len(),
    };
    let at = buf
        .get(from..)
        .and_then(|s| memchr::memchr2(b'\r', b'\n', s))
        .ok_or(incomplete)?
        + from;
    match (buf.get(at), buf.get(at + 1)) {
        (Some(b'\n'), _) => Ok((at, at)),
        (_, Some(b'\n')) => Ok((at, at + 1)),
        _ if line_end(buf, at).is_none() => Err(incomplete),
        _ => Err(Error::parse("header", "bare CR", at)),
    }
}

fn u32_of(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl<'a> Message<'a> {
    /// Parses one message as a datagram carries it, with default limits.
    ///
    /// The body is what Content-Length says; extra bytes are dropped
    /// (RFC 3261 §18.3). Without Content-Length the body runs to the end of
    /// the datagram. A Content-Length larger than what arrived is an error.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self> {
        Self::parse_with(buf, &Limits::default())
    }

    /// [`Message::parse`] with explicit limits.
    #[inline]
    pub fn parse_with(buf: &'a [u8], limits: &Limits) -> Result<Self> {
        Self::parse_inner(buf, limits, Transport::Datagram)
    }

    /// Parses a message that a stream framer has delimited: the same rules,
    /// but a missing Content-Length means an empty body (§18.3 makes it
    /// mandatory on streams; a [`super::Framer`] treats its absence as 0).
    #[inline]
    pub fn parse_stream(buf: &'a [u8], limits: &Limits) -> Result<Self> {
        Self::parse_inner(buf, limits, Transport::Stream)
    }

    // Inlined, so that the caller's `Message` is the one the header table is
    // written into rather than a 2 KiB copy of it.
    #[inline(always)]
    fn parse_inner(buf: &'a [u8], limits: &Limits, transport: Transport) -> Result<Self> {
        let mut msg = Message {
            buf,
            start: StartLine::Response {
                version: "",
                status: 0,
                reason: "",
            },
            count: 0,
            headers: [EMPTY; HEADER_CAPACITY],
            body_off: 0,
            body_len: 0,
            content_length: None,
            start_off: 0,
        };
        msg.fill(limits, transport)?;
        Ok(msg)
    }

    /// Parses `self.buf` into `self`, which holds no header yet.
    fn fill(&mut self, limits: &Limits, transport: Transport) -> Result<()> {
        let buf = self.buf;
        if buf.len() > limits.max_message_size {
            return Err(Error::Limit {
                what: "message size",
                limit: limits.max_message_size,
                offset: limits.max_message_size,
            });
        }
        let max_headers = limits.max_headers.min(HEADER_CAPACITY);
        // §7.5: ignore CRLFs before the start line.
        let mut pos = 0;
        while let Some(b'\r' | b'\n') = buf.get(pos) {
            pos += 1;
        }
        if pos >= buf.len() {
            return Err(Error::Incomplete {
                what: "start line",
                offset: buf.len(),
            });
        }
        let nl = line_end(buf, pos).ok_or(Error::Incomplete {
            what: "start line",
            offset: buf.len(),
        })?;
        let end = content_end(buf, pos, nl);
        if end - pos > limits.max_line_length {
            return Err(Error::Limit {
                what: "start line length",
                limit: limits.max_line_length,
                offset: pos,
            });
        }
        let start = parse_start_line(buf.get(pos..end).unwrap_or(&[]), pos)?;
        let start_off = pos;
        pos = nl + 1;

        let msg = self;
        msg.start = start;
        msg.start_off = start_off;
        let mut cl_index: Option<usize> = None;

        loop {
            let Some(&first) = buf.get(pos) else {
                // A datagram that ends right after a complete header line
                // has no body; the missing blank line is tolerated because
                // the datagram boundary delimits the message (§18.3).
                if transport == Transport::Datagram && msg.count > 0 {
                    break;
                }
                return Err(Error::Incomplete {
                    what: "header section",
                    offset: buf.len(),
                });
            };
            if first == b'\n' {
                pos += 1;
                break;
            }
            if first == b'\r' {
                if buf.get(pos + 1) == Some(&b'\n') {
                    pos += 2;
                    break;
                }
                return Err(Error::parse("header", "bare CR", pos));
            }
            if first == b' ' || first == b'\t' {
                return Err(Error::parse(
                    "header",
                    "continuation line without a header",
                    pos,
                ));
            }
            let line_start = pos;
            // header name: token up to optional white space and ':'
            let mut i = pos + token_len(buf.get(pos..).unwrap_or(&[]));
            let name_end = i;
            if name_end == pos {
                return Err(Error::parse("header", "expected a header name", pos));
            }
            while let Some(b' ' | b'\t') = buf.get(i) {
                i += 1;
            }
            if buf.get(i) != Some(&b':') {
                return Err(Error::parse("header", "expected ':' after the name", i));
            }
            i += 1;
            // value, with folded continuation lines
            let value_start = i;
            let mut search = i;
            let value_end;
            loop {
                let (ce, nl) = header_line_end(buf, search)?;
                match buf.get(nl + 1) {
                    Some(b' ' | b'\t') => search = nl + 1,
                    _ => {
                        value_end = ce;
                        pos = nl + 1;
                        break;
                    }
                }
            }
            if value_end - line_start > limits.max_line_length {
                return Err(Error::Limit {
                    what: "header line length",
                    limit: limits.max_line_length,
                    offset: line_start,
                });
            }
            if msg.count >= max_headers {
                return Err(Error::Limit {
                    what: "header count",
                    limit: max_headers,
                    offset: line_start,
                });
            }
            let raw_value = buf.get(value_start..value_end).unwrap_or(&[]);
            let lead = raw_value.iter().take_while(|&&b| lex::is_lws(b)).count();
            let tail = raw_value
                .iter()
                .rev()
                .take_while(|&&b| lex::is_lws(b))
                .count();
            // all white space: lead and tail both count every byte
            let value_len = raw_value.len().saturating_sub(lead + tail);
            let name_bytes = buf.get(line_start..name_end).unwrap_or(&[]);
            let name = HeaderName::classify(name_bytes);
            if name == HeaderName::ContentLength && cl_index.is_none() {
                cl_index = Some(msg.count);
            }
            if let Some(slot) = msg.headers.get_mut(msg.count) {
                *slot = RawHeader {
                    name_off: u32_of(line_start),
                    name_len: u16::try_from(name_end - line_start).map_err(|_| Error::Limit {
                        what: "header name length",
                        limit: u16::MAX as usize,
                        offset: line_start,
                    })?,
                    value_off: u32_of(value_start + lead),
                    value_len: u32_of(value_len),
                    kind: kind_of(name),
                };
            }
            msg.count += 1;
        }

        let available = buf.len() - pos;
        msg.body_off = pos;
        match cl_index {
            Some(idx) => {
                let h = msg.header_at(idx);
                let cl = lex::parse_decimal(h.value, u32::MAX as u64).ok_or(Error::parse(
                    "content-length",
                    "expected a decimal number",
                    h.offset,
                ))? as usize;
                if cl > available {
                    if transport == Transport::Datagram {
                        return Err(Error::parse(
                            "content-length",
                            "larger than the bytes that arrived",
                            h.offset,
                        ));
                    }
                    return Err(Error::Incomplete {
                        what: "body",
                        offset: buf.len(),
                    });
                }
                msg.content_length = Some(cl);
                msg.body_len = cl;
            }
            None => {
                msg.body_len = if transport == Transport::Datagram {
                    available
                } else {
                    0
                };
            }
        }
        Ok(())
    }

    /// The bytes the message was parsed from.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Length of the message proper (start line, headers, body) in the
    /// input; datagram bytes past Content-Length are not counted.
    pub fn len(&self) -> usize {
        self.body_off + self.body_len
    }

    /// Never true: a parsed message has at least a start line.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The start line.
    pub fn start_line(&self) -> &StartLine<'a> {
        &self.start
    }

    /// Whether this is a request.
    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    /// The method of a request.
    pub fn method(&self) -> Option<Method<'a>> {
        match self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// The raw Request-URI of a request.
    pub fn request_uri(&self) -> Option<&'a str> {
        match self.start {
            StartLine::Request { uri, .. } => Some(uri),
            StartLine::Response { .. } => None,
        }
    }

    /// The status code of a response.
    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { status, .. } => Some(status),
            StartLine::Request { .. } => None,
        }
    }

    /// The reason phrase of a response.
    pub fn reason(&self) -> Option<&'a str> {
        match self.start {
            StartLine::Response { reason, .. } => Some(reason),
            StartLine::Request { .. } => None,
        }
    }

    /// The SIP version of the start line.
    pub fn version(&self) -> &'a str {
        match self.start {
            StartLine::Request { version, .. } | StartLine::Response { version, .. } => version,
        }
    }

    /// Number of header fields (after unfolding).
    pub fn header_count(&self) -> usize {
        self.count
    }

    fn header_at(&self, i: usize) -> Header<'a> {
        let r = self.headers.get(i).copied().unwrap_or(EMPTY);
        let no = r.name_off as usize;
        let vo = r.value_off as usize;
        Header {
            name: HeaderName::from_number(r.kind ^ HeaderName::Other as u8),
            raw_name: self.buf.get(no..no + r.name_len as usize).unwrap_or(&[]),
            value: self.buf.get(vo..vo + r.value_len as usize).unwrap_or(&[]),
            offset: vo,
        }
    }

    /// All header fields in order.
    pub fn headers(&self) -> impl Iterator<Item = Header<'a>> + '_ {
        (0..self.count).map(move |i| self.header_at(i))
    }

    /// The `index`-th header field (0-based) in message order.
    pub fn header_index(&self, index: usize) -> Option<Header<'a>> {
        (index < self.count).then(|| self.header_at(index))
    }

    /// Header fields of a known name, in order.
    pub fn headers_named(&self, name: HeaderName) -> impl Iterator<Item = Header<'a>> + '_ {
        self.headers
            .get(..self.count)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter(move |(_, h)| h.kind == kind_of(name))
            .map(move |(i, _)| self.header_at(i))
    }

    /// Header fields whose name matches `name` case-insensitively; a long or
    /// compact form of a known header finds both forms.
    pub fn headers_by_name<'s>(&'s self, name: &'s [u8]) -> impl Iterator<Item = Header<'a>> + 's {
        let known = HeaderName::classify(name);
        self.headers().filter(move |h| {
            if known != HeaderName::Other {
                h.name == known
            } else {
                h.name == HeaderName::Other && h.raw_name.eq_ignore_ascii_case(name)
            }
        })
    }

    /// The first header field of a known name.
    pub fn header(&self, name: HeaderName) -> Option<Header<'a>> {
        self.headers_named(name).next()
    }

    /// Every comma-separated value of a list header, across repeated header
    /// fields, in order, with offsets.
    pub fn values(&self, name: HeaderName) -> impl Iterator<Item = (&'a [u8], usize)> + '_ {
        self.headers_named(name).flat_map(|h| h.split_commas())
    }

    fn single(&self, name: HeaderName, what: &'static str) -> Result<Header<'a>> {
        self.header(name).ok_or(Error::NotFound(what))
    }

    /// The body (Content-Length bytes, or the rest of the datagram).
    pub fn body(&self) -> &'a [u8] {
        self.buf
            .get(self.body_off..self.body_off + self.body_len)
            .unwrap_or(&[])
    }

    /// Byte offset of the body in the input.
    pub fn body_offset(&self) -> usize {
        self.body_off
    }

    /// The Content-Length value, if the header is present.
    pub fn content_length(&self) -> Option<usize> {
        self.content_length
    }

    /// Every Via value, top first.
    pub fn vias(&self) -> impl Iterator<Item = Result<Via<'a>>> + '_ {
        self.values(HeaderName::Via)
            .map(|(v, off)| Via::parse(v, off))
    }

    /// The topmost Via.
    pub fn top_via(&self) -> Result<Via<'a>> {
        // A proxy reads this on every message. When the first Via field holds
        // one value (no comma at all), that value is the whole field, already
        // trimmed, and the quote-aware comma split has nothing to find.
        if let Some(h) = self.header(HeaderName::Via) {
            if !h.value.is_empty() && memchr::memchr(b',', h.value).is_none() {
                return Via::parse(h.value, h.offset);
            }
        }
        self.vias().next().unwrap_or(Err(Error::NotFound("via")))
    }

    /// The From header.
    pub fn from(&self) -> Result<NameAddr<'a>> {
        let h = self.single(HeaderName::From, "from")?;
        NameAddr::parse_header(h.value, h.offset, "from")
    }

    /// The To header.
    pub fn to(&self) -> Result<NameAddr<'a>> {
        let h = self.single(HeaderName::To, "to")?;
        NameAddr::parse_header(h.value, h.offset, "to")
    }

    /// The Call-ID (`word ["@" word]`).
    pub fn call_id(&self) -> Result<&'a str> {
        let h = self.single(HeaderName::CallId, "call-id")?;
        super::headers::parse_call_id(h.value, h.offset)
    }

    /// The CSeq.
    pub fn cseq(&self) -> Result<CSeq<'a>> {
        let h = self.single(HeaderName::CSeq, "cseq")?;
        CSeq::parse(h.value, h.offset)
    }

    /// Every Contact value in order (`*` is [`Contact::Star`]).
    pub fn contacts(&self) -> impl Iterator<Item = Result<Contact<'a>>> + '_ {
        self.values(HeaderName::Contact)
            .map(|(v, off)| Contact::parse(v, off))
    }

    /// Max-Forwards (0..=255), if present.
    pub fn max_forwards(&self) -> Result<Option<u8>> {
        match self.header(HeaderName::MaxForwards) {
            None => Ok(None),
            Some(h) => lex::parse_decimal(h.value, 255)
                .map(|v| Some(v as u8))
                .ok_or(Error::parse("max-forwards", "expected 0 to 255", h.offset)),
        }
    }

    /// Expires in seconds, if present; values past 2^32-1 saturate
    /// (§20.19).
    pub fn expires(&self) -> Result<Option<u32>> {
        match self.header(HeaderName::Expires) {
            None => Ok(None),
            Some(h) => super::headers::parse_delta_seconds(h.value, h.offset, "expires").map(Some),
        }
    }

    /// Content-Type, if present.
    pub fn content_type(&self) -> Result<Option<super::headers::MediaType<'a>>> {
        match self.header(HeaderName::ContentType) {
            None => Ok(None),
            Some(h) => super::headers::MediaType::parse(h.value, h.offset).map(Some),
        }
    }

    /// Every Route value in order.
    pub fn routes(&self) -> impl Iterator<Item = Result<NameAddr<'a>>> + '_ {
        self.values(HeaderName::Route)
            .map(|(v, off)| NameAddr::parse_route(v, off, "route"))
    }

    /// Every Record-Route value in order.
    pub fn record_routes(&self) -> impl Iterator<Item = Result<NameAddr<'a>>> + '_ {
        self.values(HeaderName::RecordRoute)
            .map(|(v, off)| NameAddr::parse_route(v, off, "record-route"))
    }

    /// The Request-URI decoded.
    pub fn uri(&self) -> Option<Result<Uri<'a>>> {
        match self.start {
            StartLine::Request { method, uri, .. } => Some(Uri::parse(
                uri.as_bytes(),
                self.start_off + method.as_str().len() + 1,
            )),
            StartLine::Response { .. } => None,
        }
    }

    /// Applies the checks an edge device makes before accepting a message
    /// (see [`super::validate`]).
    pub fn validate(&self) -> Result<()> {
        super::validate::validate(self)
    }
}

fn parse_start_line(line: &[u8], base: usize) -> Result<StartLine<'_>> {
    if line.starts_with(b"SIP/") {
        parse_status_line(line, base)
    } else {
        parse_request_line(line, base)
    }
}

fn parse_version(v: &[u8], base: usize) -> Result<&str> {
    // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; the name is
    // case-insensitive.
    let ok = v.len() > 4 && v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/")) && {
        let rest = v.get(4..).unwrap_or(&[]);
        match rest.iter().position(|&b| b == b'.') {
            Some(dot) => {
                let (maj, min) = (
                    rest.get(..dot).unwrap_or(&[]),
                    rest.get(dot + 1..).unwrap_or(&[]),
                );
                !maj.is_empty()
                    && !min.is_empty()
                    && maj.iter().all(u8::is_ascii_digit)
                    && min.iter().all(u8::is_ascii_digit)
            }
            None => false,
        }
    };
    if !ok {
        return Err(Error::parse(
            "sip version",
            "expected SIP/<digits>.<digits>",
            base,
        ));
    }
    lex::utf8(v, "sip version", base)
}

fn parse_request_line(line: &[u8], base: usize) -> Result<StartLine<'_>> {
    let sp1 = memchr::memchr(b' ', line).ok_or(Error::parse(
        "request line",
        "expected SP after the method",
        base,
    ))?;
    let method_b = line.get(..sp1).unwrap_or(&[]);
    if method_b.is_empty() || !method_b.iter().all(|&b| lex::is_token(b)) {
        return Err(Error::parse("request line", "method is not a token", base));
    }
    let rest = line.get(sp1 + 1..).unwrap_or(&[]);
    let uri_off = base + sp1 + 1;
    if matches!(rest.last(), Some(b' ' | b'\t')) {
        return Err(Error::parse(
            "request line",
            "white space after the SIP version",
            uri_off + rest.len() - 1,
        ));
    }
    let sp2 = memchr::memrchr(b' ', rest).ok_or(Error::parse(
        "request line",
        "expected SP before the SIP version",
        uri_off,
    ))?;
    let uri_b = rest.get(..sp2).unwrap_or(&[]);
    if uri_b.first() == Some(&b' ') || uri_b.last() == Some(&b' ') {
        return Err(Error::parse(
            "request line",
            "more than one SP between request line elements",
            uri_off,
        ));
    }
    if uri_b.is_empty() {
        return Err(Error::parse("request line", "empty request-uri", uri_off));
    }
    if let Some(p) = uri_b.iter().position(|&b| b <= b' ' || b >= 0x7f) {
        return Err(Error::parse(
            "request line",
            "white space or control character in request-uri",
            uri_off + p,
        ));
    }
    let version_off = uri_off + sp2 + 1;
    let version = parse_version(rest.get(sp2 + 1..).unwrap_or(&[]), version_off)?;
    let method = Method::from_token(lex::utf8(method_b, "request line", base)?);
    Ok(StartLine::Request {
        method,
        uri: lex::utf8(uri_b, "request line", uri_off)?,
        version,
    })
}

fn parse_status_line(line: &[u8], base: usize) -> Result<StartLine<'_>> {
    let sp1 = memchr::memchr(b' ', line).ok_or(Error::parse(
        "status line",
        "expected SP after the SIP version",
        base,
    ))?;
    let version = parse_version(line.get(..sp1).unwrap_or(&[]), base)?;
    let rest = line.get(sp1 + 1..).unwrap_or(&[]);
    let code = rest.get(..3).unwrap_or(&[]);
    let code_off = base + sp1 + 1;
    let status = if code.len() == 3 && code.iter().all(u8::is_ascii_digit) {
        code.iter().fold(0u16, |a, &d| a * 10 + u16::from(d - b'0'))
    } else {
        return Err(Error::parse(
            "status line",
            "expected a 3-digit status code",
            code_off,
        ));
    };
    if !(100..=699).contains(&status) {
        return Err(Error::parse(
            "status line",
            "status code outside 100..=699",
            code_off,
        ));
    }
    let reason_b = match rest.get(3) {
        None => &[][..],
        Some(b' ') => rest.get(4..).unwrap_or(&[]),
        Some(_) => {
            return Err(Error::parse(
                "status line",
                "expected SP after the status code",
                code_off + 3,
            ))
        }
    };
    if let Some(p) = reason_b
        .iter()
        .position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        return Err(Error::parse(
            "status line",
            "control character in reason phrase",
            code_off + 4 + p,
        ));
    }
    Ok(StartLine::Response {
        version,
        status,
        reason: lex::utf8(reason_b, "status line", code_off + 4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &[u8] = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\nEXTRA";

    #[test]
    fn parses_request() {
        let m = Message::parse(INVITE).unwrap();
        assert_eq!(m.method(), Some(Method::Invite));
        assert_eq!(m.request_uri(), Some("sip:bob@biloxi.example.com"));
        assert_eq!(m.header_count(), 9);
        assert_eq!(m.body(), b"v=0\n");
        assert_eq!(
            m.call_id().unwrap(),
            "a84b4c76e66710@pc33.atlanta.example.com"
        );
        assert_eq!(m.max_forwards().unwrap(), Some(70));
        assert_eq!(m.cseq().unwrap().seq, 314159);
        assert_eq!(m.from().unwrap().tag(), Some("1928301774"));
        assert_eq!(m.to().unwrap().tag(), None);
        assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
        m.validate().unwrap();
    }

    #[test]
    fn folding_and_compact() {
        let raw = b"SIP/2.0 180 Ringing\r\nv: SIP/2.0/UDP a.example.com\r\n ;branch=z9hG4bKx\r\nf: <sip:a@b>\r\n\t;tag=1\r\nt: <sip:c@d>;tag=2\r\ni: x@y\r\nCSeq: 1\r\n  INVITE\r\nl: 0\r\n\r\n";
        let m = Message::parse(raw).unwrap();
        assert_eq!(m.status(), Some(180));
        assert_eq!(m.reason(), Some("Ringing"));
        assert_eq!(m.header_count(), 6);
        assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bKx"));
        assert_eq!(m.from().unwrap().tag(), Some("1"));
        assert_eq!(m.cseq().unwrap().method, Method::Invite);
        m.validate().unwrap();
    }

    #[test]
    fn content_length_too_large() {
        let raw = b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\nabc";
        let e = Message::parse(raw).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Parse);
        assert!(e.offset().is_some());
    }

    #[test]
    fn limits() {
        let raw = b"OPTIONS sip:a@b SIP/2.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        let l = Limits {
            max_headers: 2,
            ..Limits::default()
        };
        assert!(matches!(
            Message::parse_with(raw, &l),
            Err(Error::Limit {
                what: "header count",
                ..
            })
        ));
        let l = Limits {
            max_message_size: 10,
            ..Limits::default()
        };
        assert!(matches!(
            Message::parse_with(raw, &l),
            Err(Error::Limit { .. })
        ));
    }

    #[test]
    fn total_on_prefixes() {
        for i in 0..INVITE.len() {
            let _ = Message::parse(&INVITE[..i]);
        }
    }
}
