//! Message framing on stream transports (RFC 3261 §18.3, RFC 5626 §3.5.1).
//!
//! TCP and TLS deliver bytes in arbitrary pieces. [`Framer`] buffers them and
//! hands out whole messages, cut by the blank line that ends the header and
//! by Content-Length, plus the RFC 5626 keep-alives: a double CRLF "ping"
//! that the host answers with a single CRLF "pong", and a lone CRLF "pong"
//! that is reported so a client can note the flow is alive. A message with no
//! Content-Length is taken to have an empty body. The buffer never grows past
//! twice the configured maximum message size; a message larger than the
//! maximum is an error after which the stream cannot be resynchronised and
//! the host should close the connection.

use super::message::Limits;
use crate::error::{Error, Result};

/// What [`Framer::next_frame`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// One whole message; parse it with [`super::Message::parse_stream`].
    Message(&'a [u8]),
    /// A CRLFCRLF keep-alive ping: answer with [`Framer::PONG`].
    Ping,
    /// A CRLF keep-alive pong.
    Pong,
}

/// Reassembles SIP messages from a byte stream.
#[derive(Debug, Clone)]
pub struct Framer {
    buf: Vec<u8>,
    consumed: usize,
    scanned: usize,
    limits: Limits,
    failed: Option<Error>,
}

impl Default for Framer {
    fn default() -> Self {
        Framer::new(Limits::default())
    }
}

impl Framer {
    /// The bytes to send in answer to a [`Frame::Ping`].
    pub const PONG: &'static [u8] = b"\r\n";
    /// The bytes of a keep-alive ping.
    pub const PING: &'static [u8] = b"\r\n\r\n";

    /// A framer with the given limits (`max_message_size` bounds each
    /// message and the buffer).
    pub fn new(limits: Limits) -> Self {
        Framer {
            buf: Vec::new(),
            consumed: 0,
            scanned: 0,
            limits,
            failed: None,
        }
    }

    /// Bytes received but not yet handed out.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.consumed
    }

    fn compact(&mut self) {
        if self.consumed > 0 {
            self.buf.drain(..self.consumed);
            self.consumed = 0;
        }
    }

    /// Appends received bytes. Fails when the unread bytes would exceed twice
    /// the maximum message size: the host should call
    /// [`Framer::next_frame`] until it returns `None` after each push.
    pub fn push(&mut self, data: &[u8]) -> Result<()> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.compact();
        let cap = self.limits.max_message_size.saturating_mul(2);
        if self.buf.len().saturating_add(data.len()) > cap {
            let e = Error::Limit {
                what: "stream buffer",
                limit: cap,
                offset: self.buf.len(),
            };
            self.failed = Some(e);
            return Err(e);
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// The next whole frame, `Ok(None)` when more bytes are needed. An error
    /// is final: every later call returns it again.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let start = self.consumed;
        let data = self.buf.get(start..).unwrap_or(&[]);
        if data.is_empty() {
            return Ok(None);
        }
        if data.starts_with(b"\r\n") {
            if data.starts_with(Self::PING) {
                self.consumed += 4;
                self.scanned = 0;
                return Ok(Some(Frame::Ping));
            }
            return match data.get(2) {
                // could still become a ping
                None => Ok(None),
                Some(b'\r') if data.len() == 3 => Ok(None),
                Some(_) => {
                    self.consumed += 2;
                    self.scanned = 0;
                    Ok(Some(Frame::Pong))
                }
            };
        }
        let from = self.scanned.saturating_sub(3);
        let header_end = match find_header_end(data, from) {
            Some(end) => end,
            None => {
                self.scanned = data.len();
                if data.len() > self.limits.max_message_size {
                    return Err(self.fail(Error::Limit {
                        what: "message size",
                        limit: self.limits.max_message_size,
                        offset: self.limits.max_message_size,
                    }));
                }
                return Ok(None);
            }
        };
        let head = data.get(..header_end).unwrap_or(&[]);
        let cl = match content_length(head) {
            Ok(cl) => cl.unwrap_or(0),
            Err(e) => return Err(self.fail(e)),
        };
        let total = header_end.saturating_add(cl);
        if total > self.limits.max_message_size {
            return Err(self.fail(Error::Limit {
                what: "message size",
                limit: self.limits.max_message_size,
                offset: header_end,
            }));
        }
        if data.len() < total {
            self.scanned = header_end.saturating_sub(4);
            return Ok(None);
        }
        self.consumed += total;
        self.scanned = 0;
        Ok(self.buf.get(start..start + total).map(Frame::Message))
    }

    fn fail(&mut self, e: Error) -> Error {
        self.failed = Some(e);
        e
    }
}

/// The end of the header section: just past the first empty line, which
/// is an LF followed by CRLF or by a bare LF (the parser accepts bare LF
/// line ends, so the framer must cut such messages the same way).
fn find_header_end(data: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = data.get(at..).and_then(|d| memchr::memchr(b'\n', d)) {
        let lf = at + i;
        match (data.get(lf + 1), data.get(lf + 2)) {
            (Some(b'\n'), _) => return Some(lf + 2),
            (Some(b'\r'), Some(b'\n')) => return Some(lf + 3),
            _ => at = lf + 1,
        }
    }
    None
}

/// Finds the first Content-Length (or `l`) header in a header block and
/// parses its value.
fn content_length(head: &[u8]) -> Result<Option<usize>> {
    let mut off = 0;
    let mut lines = head.split(|&b| b == b'\n').peekable();
    // skip the start line
    if let Some(l) = lines.next() {
        off += l.len() + 1;
    }
    while let Some(line) = lines.next() {
        let line_off = off;
        off += line.len() + 1;
        // a continuation line belongs to the header before it (§7.3.1)
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = super::lex::trim_lws(line.get(..colon).unwrap_or(&[]));
        if !(name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l")) {
            continue;
        }
        let mut value: &[u8] = line.get(colon + 1..).unwrap_or(&[]);
        // a folded value continues on lines starting with white space
        let mut folded;
        let mut joined_ok = true;
        while let Some(next) = lines.peek() {
            if next.first().is_some_and(|&b| b == b' ' || b == b'\t') {
                folded = super::lex::trim_lws(next);
                if !super::lex::trim_lws(value).is_empty() && !folded.is_empty() {
                    joined_ok = false;
                }
                if super::lex::trim_lws(value).is_empty() {
                    value = folded;
                }
                lines.next();
            } else {
                break;
            }
        }
        let v = super::lex::trim_lws(value);
        return match super::lex::parse_decimal(v, u32::MAX as u64) {
            Some(n) if joined_ok => Ok(Some(n as usize)),
            _ => Err(Error::parse(
                "content-length",
                "expected a decimal number",
                line_off + colon + 1,
            )),
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::Message;

    const A: &[u8] =
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nhello";
    const B: &[u8] = b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

    fn collect(f: &mut Framer, out: &mut Vec<Vec<u8>>, pings: &mut usize) {
        while let Some(fr) = f.next_frame().unwrap() {
            match fr {
                Frame::Message(m) => out.push(m.to_vec()),
                Frame::Ping => *pings += 1,
                Frame::Pong => {}
            }
        }
    }

    #[test]
    fn every_split() {
        let mut stream = Vec::new();
        stream.extend_from_slice(A);
        stream.extend_from_slice(b"\r\n\r\n");
        stream.extend_from_slice(B);
        stream.extend_from_slice(A);
        for step in 1..stream.len() {
            let mut f = Framer::default();
            let mut out = Vec::new();
            let mut pings = 0;
            for chunk in stream.chunks(step) {
                f.push(chunk).unwrap();
                collect(&mut f, &mut out, &mut pings);
            }
            assert_eq!(out, vec![A.to_vec(), B.to_vec(), A.to_vec()], "step {step}");
            assert_eq!(pings, 1);
            for m in &out {
                Message::parse_stream(m, &Limits::default()).unwrap();
            }
        }
    }

    #[test]
    fn oversize_is_final() {
        let mut f = Framer::new(Limits {
            max_message_size: 60,
            ..Limits::default()
        });
        f.push(A).unwrap();
        assert!(matches!(f.next_frame(), Err(Error::Limit { .. })));
        assert!(f.next_frame().is_err());
        assert!(f.push(b"x").is_err());
    }

    #[test]
    fn folded_line_is_not_a_header_and_bare_lf_ends_headers() {
        let raw = b"OPTIONS sip:a SIP/2.0\r\nX: 1\r\n l: 5\r\n\r\nhello";
        let mut f = Framer::default();
        f.push(raw).unwrap();
        let Some(Frame::Message(m)) = f.next_frame().unwrap() else {
            panic!("expected a message")
        };
        assert_eq!(
            m.len(),
            Message::parse_stream(m, &Limits::default()).unwrap().len()
        );
        let lf = b"OPTIONS sip:a SIP/2.0\nl: 5\n\nhelloOPTIONS sip:b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
        let mut f = Framer::default();
        f.push(lf).unwrap();
        let Some(Frame::Message(m)) = f.next_frame().unwrap() else {
            panic!("expected a message")
        };
        assert_eq!(m, &lf[..33]);
        assert!(matches!(f.next_frame().unwrap(), Some(Frame::Message(_))));
    }

    #[test]
    fn pong() {
        let mut f = Framer::default();
        f.push(b"\r\n").unwrap();
        assert_eq!(f.next_frame().unwrap(), None);
        f.push(B).unwrap();
        assert_eq!(f.next_frame().unwrap(), Some(Frame::Pong));
        assert_eq!(f.next_frame().unwrap(), Some(Frame::Message(B)));
    }
}
