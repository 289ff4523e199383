//! Building and editing SIP messages (RFC 3261 §8.1.1, §8.2.6, §16.6,
//! §18.2.1; RFC 3581 §4).
//!
//! A [`MessageBuilder`] owns its start line, an ordered list of header
//! fields and a body, and serializes into the caller's `Vec<u8>`. It is used
//! to answer a request ([`MessageBuilder::response_to`]), to originate a
//! request, and — through [`MessageBuilder::from_message`] — to edit a
//! received message the way a proxy does: push a Via with a fresh branch,
//! stamp `received`/`rport` on the top Via, add Record-Route. Content-Length
//! is always written by the serializer from the body it actually holds.

use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;

use super::message::{Message, StartLine};
use super::name::HeaderName;
use super::Via;
use crate::error::{Error, Result};

/// The RFC 3261 magic cookie that starts every compliant branch.
pub const BRANCH_COOKIE: &str = "z9hG4bK";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Start {
    Request { method: String, uri: String },
    Response { status: u16, reason: String },
}

/// An owned, editable SIP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBuilder {
    start: Start,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// 64 unpredictable bits from the standard library's per-process random
/// hasher keys (seeded from the OS), without a clock.
fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// A fresh RFC 3261 branch: `z9hG4bK` and 96 random bits in hex.
pub fn new_branch() -> String {
    format!(
        "{BRANCH_COOKIE}{:016x}{:08x}",
        random_u64(),
        random_u64() as u32
    )
}

/// A fresh tag (§19.3) of 64 random bits.
pub fn new_tag() -> String {
    format!("{:016x}", random_u64())
}

/// The default reason phrase for a status code (§21).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => "",
    }
}

fn check_token(s: &str, what: &'static str) -> Result<()> {
    if s.is_empty() || !s.bytes().all(super::lex::is_token) {
        return Err(Error::InvalidArgument(what));
    }
    Ok(())
}

fn check_value(v: &[u8]) -> Result<()> {
    // A value must not end a line early: CR/LF only as a fold (CRLF WSP).
    let mut i = 0;
    while let Some(&b) = v.get(i) {
        if b == b'\r' || b == b'\n' {
            let fold = b == b'\r'
                && v.get(i + 1) == Some(&b'\n')
                && matches!(v.get(i + 2), Some(b' ' | b'\t'));
            if !fold {
                return Err(Error::InvalidArgument("header value contains a line break"));
            }
            i += 2;
        }
        i += 1;
    }
    Ok(())
}

impl MessageBuilder {
    /// A request with the given method and Request-URI.
    pub fn request(method: &str, uri: &str) -> Result<Self> {
        check_token(method, "method is not a token")?;
        if uri.is_empty() || uri.bytes().any(|b| b <= b' ' || b >= 0x7f) {
            return Err(Error::InvalidArgument(
                "request-uri is empty or has white space",
            ));
        }
        Ok(MessageBuilder {
            start: Start::Request {
                method: method.to_owned(),
                uri: uri.to_owned(),
            },
            headers: Vec::new(),
            body: Vec::new(),
        })
    }

    /// A response; `reason` `None` takes the standard phrase.
    pub fn response(status: u16, reason: Option<&str>) -> Result<Self> {
        if !(100..=699).contains(&status) {
            return Err(Error::InvalidArgument("status code outside 100..=699"));
        }
        let reason = reason.unwrap_or(reason_phrase(status));
        if reason.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(Error::InvalidArgument("reason phrase has a line break"));
        }
        Ok(MessageBuilder {
            start: Start::Response {
                status,
                reason: reason.to_owned(),
            },
            headers: Vec::new(),
            body: Vec::new(),
        })
    }

    /// A response to `req` per §8.2.6.2: every Via in order, From, To (with
    /// `to_tag` added when the request's To has none and the status is not
    /// 100), Call-ID, CSeq, and for a 100 the Timestamp (§8.2.6.1).
    pub fn response_to(
        req: &Message<'_>,
        status: u16,
        reason: Option<&str>,
        to_tag: Option<&str>,
    ) -> Result<Self> {
        if !req.is_request() {
            return Err(Error::InvalidArgument("response_to needs a request"));
        }
        let mut b = Self::response(status, reason)?;
        for h in req.headers_named(HeaderName::Via) {
            b.push_header("Via", h.value)?;
        }
        let from = req
            .header(HeaderName::From)
            .ok_or(Error::NotFound("from"))?;
        b.push_header("From", from.value)?;
        let to = req.header(HeaderName::To).ok_or(Error::NotFound("to"))?;
        let has_tag = req.to()?.tag().is_some();
        match to_tag {
            Some(tag) if !has_tag && status != 100 => {
                check_token(tag, "to tag is not a token")?;
                let mut v = to.value.to_vec();
                v.extend_from_slice(b";tag=");
                v.extend_from_slice(tag.as_bytes());
                b.push_header("To", &v)?;
            }
            _ => {
                b.push_header("To", to.value)?;
            }
        }
        let call_id = req
            .header(HeaderName::CallId)
            .ok_or(Error::NotFound("call-id"))?;
        b.push_header("Call-ID", call_id.value)?;
        let cseq = req
            .header(HeaderName::CSeq)
            .ok_or(Error::NotFound("cseq"))?;
        b.push_header("CSeq", cseq.value)?;
        if status == 100 {
            if let Some(ts) = req.header(HeaderName::Timestamp) {
                b.push_header("Timestamp", ts.value)?;
            }
        }
        Ok(b)
    }

    /// An editable copy of a received message: every header field as
    /// written (compact names kept), the body, Content-Length rewritten on
    /// output.
    pub fn from_message(m: &Message<'_>) -> Self {
        let start = match *m.start_line() {
            StartLine::Request { method, uri, .. } => Start::Request {
                method: method.as_str().to_owned(),
                uri: uri.to_owned(),
            },
            StartLine::Response { status, reason, .. } => Start::Response {
                status,
                reason: reason.to_owned(),
            },
        };
        let headers = m
            .headers()
            .filter(|h| h.name != HeaderName::ContentLength)
            .map(|h| {
                (
                    String::from_utf8_lossy(h.raw_name).into_owned(),
                    h.value.to_vec(),
                )
            })
            .collect();
        MessageBuilder {
            start,
            headers,
            body: m.body().to_vec(),
        }
    }

    /// Appends a header field.
    pub fn push_header(&mut self, name: &str, value: &[u8]) -> Result<&mut Self> {
        check_token(name, "header name is not a token")?;
        check_value(value)?;
        self.headers.push((name.to_owned(), value.to_vec()));
        Ok(self)
    }

    /// Builder-style [`MessageBuilder::push_header`].
    pub fn with_header(mut self, name: &str, value: impl AsRef<[u8]>) -> Result<Self> {
        self.push_header(name, value.as_ref())?;
        Ok(self)
    }

    /// Inserts a header field at position `index` (clamped to the end).
    pub fn insert_header(&mut self, index: usize, name: &str, value: &[u8]) -> Result<&mut Self> {
        check_token(name, "header name is not a token")?;
        check_value(value)?;
        let i = index.min(self.headers.len());
        self.headers.insert(i, (name.to_owned(), value.to_vec()));
        Ok(self)
    }

    /// Removes every header field named `name` (long or compact form);
    /// returns how many were removed.
    pub fn remove_headers(&mut self, name: &str) -> usize {
        let known = HeaderName::classify(name.as_bytes());
        let before = self.headers.len();
        self.headers.retain(|(n, _)| {
            if known != HeaderName::Other {
                HeaderName::classify(n.as_bytes()) != known
            } else {
                !n.eq_ignore_ascii_case(name)
            }
        });
        before - self.headers.len()
    }

    /// The values of header fields named `name` (long or compact), in order.
    pub fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        let known = HeaderName::classify(name.as_bytes());
        self.headers
            .iter()
            .filter(move |(n, _)| {
                if known != HeaderName::Other {
                    HeaderName::classify(n.as_bytes()) == known
                } else {
                    n.eq_ignore_ascii_case(name)
                }
            })
            .map(|(_, v)| v.as_slice())
    }

    fn first_index(&self, name: HeaderName) -> Option<usize> {
        self.headers
            .iter()
            .position(|(n, _)| HeaderName::classify(n.as_bytes()) == name)
    }

    /// Puts a Via on top (§16.6 step 8, §18.1.1): `SIP/2.0/<transport>
    /// <sent_by>;branch=<branch>` (add `;rport` to ask for RFC 3581
    /// symmetric response routing). Returns the branch used: `branch` or a
    /// fresh one.
    pub fn push_via(
        &mut self,
        transport: &str,
        sent_by: &str,
        branch: Option<&str>,
        rport: bool,
    ) -> Result<String> {
        check_token(transport, "transport is not a token")?;
        super::headers::host_port(sent_by.as_bytes(), 0)
            .map_err(|_| Error::InvalidArgument("sent-by is not host[:port]"))?;
        let branch = match branch {
            Some(b) => {
                check_token(b, "branch is not a token")?;
                b.to_owned()
            }
            None => new_branch(),
        };
        let mut v = format!("SIP/2.0/{transport} {sent_by};branch={branch}");
        if rport {
            v.push_str(";rport");
        }
        let at = self.first_index(HeaderName::Via).unwrap_or(0);
        self.headers.insert(at, ("Via".to_owned(), v.into_bytes()));
        Ok(branch)
    }

    /// Removes the topmost Via value (a proxy forwarding a response, §16.7);
    /// returns whether there was one.
    pub fn pop_via(&mut self) -> bool {
        let Some(i) = self.first_index(HeaderName::Via) else {
            return false;
        };
        let Some((_, value)) = self.headers.get(i) else {
            return false;
        };
        let mut parts = super::lex::CommaSplit::new(value, 0);
        let _ = parts.next();
        let rest: Vec<Vec<u8>> = parts.map(|(p, _)| p.to_vec()).collect();
        if rest.is_empty() {
            self.headers.remove(i);
        } else if let Some((_, v)) = self.headers.get_mut(i) {
            *v = rest.join(&b", "[..]);
        }
        true
    }

    /// Stamps the top Via of a received request with the source it came from
    /// (§18.2.1, RFC 3581 §4): `received` when the sent-by host differs from
    /// `source` or `rport` was asked for, and the `rport` value when asked.
    pub fn stamp_received(&mut self, source: IpAddr, source_port: u16) -> Result<()> {
        let i = self
            .first_index(HeaderName::Via)
            .ok_or(Error::NotFound("via"))?;
        let value = self
            .headers
            .get(i)
            .map(|(_, v)| v.clone())
            .ok_or(Error::NotFound("via"))?;
        let mut parts = super::lex::CommaSplit::new(&value, 0);
        let (top, _) = parts.next().ok_or(Error::NotFound("via"))?;
        let via = Via::parse(top, 0)?;
        let host_matches = match (via.host, source) {
            (super::Host::V4(a), IpAddr::V4(b)) => a == b,
            (super::Host::V6(a, _), IpAddr::V6(b)) => a == b,
            _ => false,
        };
        let wants_rport = via.rport().is_some();
        let mut out = String::with_capacity(top.len() + 40);
        // rebuild the top value without received/rport, then add ours
        let head_len = top.len() - via.params.as_str().len();
        let head = String::from_utf8_lossy(top.get(..head_len).unwrap_or(&[]));
        out.push_str(head.trim_end_matches(';').trim_end());
        for (n, v) in via.params.iter() {
            if n.eq_ignore_ascii_case("received") || n.eq_ignore_ascii_case("rport") {
                continue;
            }
            out.push(';');
            out.push_str(n);
            if let Some(v) = v {
                out.push('=');
                out.push_str(v);
            }
        }
        if !host_matches || wants_rport {
            out.push_str(";received=");
            out.push_str(&source.to_string());
        }
        if wants_rport {
            out.push_str(";rport=");
            out.push_str(&source_port.to_string());
        }
        let mut new_value = out.into_bytes();
        for (p, _) in parts {
            new_value.extend_from_slice(b", ");
            new_value.extend_from_slice(p);
        }
        if let Some((_, v)) = self.headers.get_mut(i) {
            *v = new_value;
        }
        Ok(())
    }

    /// Adds a Record-Route on top (§16.6 step 4): `<uri;lr>`.
    pub fn push_record_route(&mut self, uri: &str) -> Result<&mut Self> {
        super::Uri::parse(uri.as_bytes(), 0)?;
        let at = self
            .first_index(HeaderName::RecordRoute)
            .unwrap_or_else(|| {
                self.first_index(HeaderName::Via).map_or(0, |v| {
                    // after the last Via
                    self.headers
                        .iter()
                        .rposition(|(n, _)| HeaderName::classify(n.as_bytes()) == HeaderName::Via)
                        .map_or(v, |l| l + 1)
                })
            });
        let mut v = format!("<{uri}");
        if !uri.contains(";lr") {
            v.push_str(";lr");
        }
        v.push('>');
        self.headers
            .insert(at, ("Record-Route".to_owned(), v.into_bytes()));
        Ok(self)
    }

    /// Sets the body and its Content-Type (replacing any earlier ones).
    pub fn set_body(&mut self, content_type: &str, body: &[u8]) -> Result<&mut Self> {
        self.remove_headers("Content-Type");
        if !body.is_empty() {
            self.push_header("Content-Type", content_type.as_bytes())?;
        }
        self.body = body.to_vec();
        Ok(self)
    }

    /// Builder-style [`MessageBuilder::set_body`].
    pub fn with_body(mut self, content_type: &str, body: &[u8]) -> Result<Self> {
        self.set_body(content_type, body)?;
        Ok(self)
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Serializes into `out` (appending), writing Content-Length last.
    pub fn serialize_into(&self, out: &mut Vec<u8>) {
        match &self.start {
            Start::Request { method, uri } => {
                out.extend_from_slice(method.as_bytes());
                out.push(b' ');
                out.extend_from_slice(uri.as_bytes());
                out.extend_from_slice(b" SIP/2.0\r\n");
            }
            Start::Response { status, reason } => {
                out.extend_from_slice(b"SIP/2.0 ");
                out.extend_from_slice(status.to_string().as_bytes());
                out.push(b' ');
                out.extend_from_slice(reason.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
        for (n, v) in &self.headers {
            if HeaderName::classify(n.as_bytes()) == HeaderName::ContentLength {
                continue;
            }
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"Content-Length: ");
        out.extend_from_slice(self.body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(&self.body);
    }

    /// Serializes into a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(
            64 + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len() + 4)
                .sum::<usize>()
                + self.body.len(),
        );
        self.serialize_into(&mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQ: &[u8] = b"INVITE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK74bf9;rport\r\n\
Via: SIP/2.0/UDP p.example.com;branch=z9hG4bKx\r\n\
Max-Forwards: 70\r\n\
From: Alice <sip:alice@example.com>;tag=9fxced76sl\r\n\
To: Bob <sip:bob@example.com>\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Timestamp: 54\r\n\
Content-Length: 0\r\n\r\n";

    #[test]
    fn response_copies_fields() {
        let req = Message::parse(REQ).unwrap();
        let r = MessageBuilder::response_to(&req, 180, None, Some("abc"))
            .unwrap()
            .to_bytes();
        let m = Message::parse(&r).unwrap();
        m.validate().unwrap();
        assert_eq!(m.status(), Some(180));
        assert_eq!(m.reason(), Some("Ringing"));
        assert_eq!(m.to().unwrap().tag(), Some("abc"));
        assert_eq!(m.from().unwrap().tag(), Some("9fxced76sl"));
        assert_eq!(m.call_id().unwrap(), req.call_id().unwrap());
        assert_eq!(m.cseq().unwrap(), req.cseq().unwrap());
        let branches: Vec<_> = m.vias().map(|v| v.unwrap().branch().unwrap()).collect();
        assert_eq!(branches, ["z9hG4bK74bf9", "z9hG4bKx"]);
        assert!(m.header(HeaderName::Timestamp).is_none());
        let t = MessageBuilder::response_to(&req, 100, None, Some("abc"))
            .unwrap()
            .to_bytes();
        let t = Message::parse(&t).unwrap();
        assert_eq!(t.to().unwrap().tag(), None);
        assert!(t.header(HeaderName::Timestamp).is_some());
    }

    #[test]
    fn proxy_edits() {
        let req = Message::parse(REQ).unwrap();
        let mut b = MessageBuilder::from_message(&req);
        b.stamp_received("198.51.100.7".parse().unwrap(), 40000)
            .unwrap();
        let branch = b
            .push_via("UDP", "proxy.example.com:5060", None, false)
            .unwrap();
        assert!(branch.starts_with(BRANCH_COOKIE) && branch.len() > 20);
        b.push_record_route("sip:proxy.example.com").unwrap();
        let bytes = b.to_bytes();
        let m = Message::parse(&bytes).unwrap();
        m.validate().unwrap();
        let vias: Vec<_> = m.vias().map(|v| v.unwrap()).collect();
        assert_eq!(vias.len(), 3);
        assert_eq!(vias[0].branch(), Some(branch.as_str()));
        assert_eq!(vias[1].received(), Some("198.51.100.7"));
        assert_eq!(vias[1].rport(), Some(Some(40000)));
        let rr: Vec<_> = m.record_routes().map(|r| r.unwrap()).collect();
        assert_eq!(rr[0].uri.params.get("lr"), Some(None));
        assert!(b.pop_via());
        assert_eq!(Message::parse(&b.to_bytes()).unwrap().vias().count(), 2);
    }

    #[test]
    fn round_trip_request() {
        let b = MessageBuilder::request("OPTIONS", "sip:carol@chicago.example.com")
            .unwrap()
            .with_header("Max-Forwards", "70")
            .unwrap()
            .with_header("From", "<sip:a@b>;tag=1")
            .unwrap()
            .with_header("To", "<sip:carol@chicago.example.com>")
            .unwrap()
            .with_header("Call-ID", "x@y")
            .unwrap()
            .with_header("CSeq", "7 OPTIONS")
            .unwrap()
            .with_body("text/plain", b"hi")
            .unwrap();
        let mut b = b;
        b.push_via("TCP", "[2001:db8::1]:5060", Some("z9hG4bKq"), true)
            .unwrap();
        let bytes = b.to_bytes();
        let m = Message::parse(&bytes).unwrap();
        m.validate().unwrap();
        assert_eq!(m.body(), b"hi");
        assert_eq!(m.cseq().unwrap().seq, 7);
        assert_eq!(m.top_via().unwrap().rport(), Some(None));
        assert!(MessageBuilder::request("BAD METHOD", "sip:x").is_err());
        assert!(b.push_header("X", b"a\r\nInjected: 1").is_err());
    }
}
