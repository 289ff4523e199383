//! Byte-level lexing shared by the SIP grammars (RFC 3261 §25.1).
//!
//! A [`Cursor`] walks a header value or URI without copying. It treats CR and
//! LF as linear white space: inside a header value that the message parser has
//! already delimited, a CR or LF can only be part of a line fold, which
//! RFC 3261 §7.3.1 says is equivalent to a single space.

use crate::error::{Error, Result};

/// RFC 3261 `token` characters.
#[inline]
pub(crate) const fn is_token(b: u8) -> bool {
    matches!(b,
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
        | b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~')
}

/// A 256-entry table of a byte class, built at compile time from its
/// predicate: the hot loops test a byte with one load instead of a chain of
/// range tests. (Indexing runs at compile time: out of range would fail the
/// build, not panic.)
macro_rules! byte_class {
    ($f:expr) => {{
        let mut t = [false; 256];
        let mut b = 0;
        while b < 256 {
            #[allow(clippy::indexing_slicing)]
            {
                t[b] = $f(b as u8);
            }
            b += 1;
        }
        t
    }};
}

pub(crate) use byte_class;

/// Whether `b` is in the class `t` (a `u8` always indexes a 256-entry table).
#[inline(always)]
pub(crate) fn in_class(t: &[bool; 256], b: u8) -> bool {
    t.get(usize::from(b)).copied().unwrap_or(false)
}

/// Length of the run of bytes of class `t` that starts `s`. Eight bytes are
/// looked up per step and the loop leaves at the first word holding a byte
/// outside the class: tokens, hosts and URI parts are mostly longer than a
/// word, and a branch per byte costs more than the loads.
#[inline]
pub(crate) fn class_len(t: &[bool; 256], s: &[u8]) -> usize {
    let mut at = 0;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let w = <&[u8; 8]>::try_from(c)
            .is_ok_and(|w| w.iter().fold(true, |all, &b| all & in_class(t, b)));
        if !w {
            break;
        }
        at += 8;
    }
    s.get(at..)
        .unwrap_or(&[])
        .iter()
        .position(|&b| !in_class(t, b))
        .map_or(s.len(), |p| at + p)
}

/// [`is_token`] as a table.
pub(crate) static TOKEN: [bool; 256] = byte_class!(is_token);

/// RFC 3261 `word` characters (Call-ID).
#[inline]
pub(crate) const fn is_word(b: u8) -> bool {
    is_token(b)
        || matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'{'
                | b'}'
        )
}

/// Bytes a quoted string takes as they are: not `"`, `\\`, or a control
/// character other than white space.
const fn is_plain_qdtext(b: u8) -> bool {
    b != b'"' && b != b'\\' && b != 0x7f && (b >= 0x20 || is_lws(b))
}

static PLAIN_QDTEXT: [bool; 256] = byte_class!(is_plain_qdtext);

/// [`is_word`] as a table.
pub(crate) static WORD: [bool; 256] = byte_class!(is_word);

/// Linear white space inside an already delimited header value.
#[inline]
pub(crate) const fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// `unreserved` of RFC 3261 (alphanum / mark).
#[inline]
pub(crate) const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
        )
}

/// [`trim_lws`] for text (white space is ASCII, so the cuts are char
/// boundaries).
#[inline]
pub(crate) fn trim_lws_str(s: &str) -> &str {
    let b = s.as_bytes();
    let mut start = 0;
    while let Some(&c) = b.get(start) {
        if !is_lws(c) {
            break;
        }
        start += 1;
    }
    let mut end = b.len();
    while end > start {
        match b.get(end - 1) {
            Some(&c) if is_lws(c) => end -= 1,
            _ => break,
        }
    }
    s.get(start..end).unwrap_or("")
}

/// Position of the first `a` or `b` in `s`, eight bytes at a time: the
/// parameters and URIs it scans are too short for a vectorised search to
/// repay its set-up, and too long for a byte loop.
#[inline]
pub(crate) fn find2(s: &[u8], a: u8, b: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let (va, vb) = (LO * u64::from(a), LO * u64::from(b));
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(c).unwrap_or([a; 8]));
        let (xa, xb) = (x ^ va, x ^ vb);
        // The lowest byte flagged is exactly the first zero byte of xa or xb
        // (a borrow only flags bytes above a real zero).
        let m = ((xa.wrapping_sub(LO) & !xa) | (xb.wrapping_sub(LO) & !xb)) & HI;
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == a || c == b)
        .map(|p| at + p)
}

/// Position of the first byte of `s` that is `stop` or linear white space
/// (`s.len()` if none). Eight bytes at a time, a word is passed over when
/// none of its bytes is `stop` or below 0x21; a word that has one is
/// finished byte by byte.
#[inline]
pub(crate) fn find_lws_or(s: &[u8], stop: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let vs = LO * u64::from(stop);
    let mut at = 0;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(c).unwrap_or([stop; 8]));
        let xs = x ^ vs;
        // bytes equal to `stop`, or below 0x21 (a byte >= 0x80 has bit 7 set
        // in x, so `!x` drops it)
        let m = ((xs.wrapping_sub(LO) & !xs) | (x.wrapping_sub(LO * 0x21) & !x)) & HI;
        if m != 0 {
            break;
        }
        at += 8;
    }
    s.get(at..)
        .unwrap_or(&[])
        .iter()
        .position(|&b| b == stop || is_lws(b))
        .map_or(s.len(), |p| at + p)
}

/// Trims linear white space at both ends.
#[inline]
pub(crate) fn trim_lws(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_lws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| !is_lws(b)).map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or(&[])
}

/// Converts bytes known to be ASCII (checked by the caller's grammar) or
/// UTF-8 to `&str`, reporting invalid UTF-8 as a parse error of `what`.
#[inline]
pub(crate) fn utf8<'a>(s: &'a [u8], what: &'static str, offset: usize) -> Result<&'a str> {
    core::str::from_utf8(s)
        .map_err(|e| Error::parse(what, "invalid utf-8", offset + e.valid_up_to()))
}

/// A read position in a byte string with the absolute offset of its first
/// byte in the message, so errors point into the original input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor<'a> {
    s: &'a [u8],
    /// `s` as text when all of it is UTF-8: validated once, so that every
    /// token and quoted string is a slice of it rather than a new check.
    text: Option<&'a str>,
    pos: usize,
    base: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a [u8], base: usize, what: &'static str) -> Self {
        Cursor {
            s,
            text: core::str::from_utf8(s).ok(),
            pos: 0,
            base,
            what,
        }
    }

    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.s.len());
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    #[inline]
    pub(crate) fn slice(&self, from: usize, to: usize) -> &'a [u8] {
        self.s.get(from..to).unwrap_or(&[])
    }

    /// `s[from..to]` as text, when the whole input is UTF-8 (the grammar
    /// cuts only at ASCII bytes, which are char boundaries).
    #[inline]
    pub(crate) fn text(&self, from: usize, to: usize) -> Option<&'a str> {
        self.text.and_then(|t| t.get(from..to))
    }

    /// `s[from..to]` as text, reporting invalid UTF-8 at its offset.
    #[inline]
    pub(crate) fn str_of(&self, from: usize, to: usize) -> Result<&'a str> {
        match self.text(from, to) {
            Some(t) => Ok(t),
            None => utf8(self.slice(from, to), self.what, self.base + from),
        }
    }

    #[inline]
    pub(crate) fn bump(&mut self) {
        if self.pos < self.s.len() {
            self.pos += 1;
        }
    }

    pub(crate) fn err(&self, reason: &'static str) -> Error {
        Error::parse(self.what, reason, self.offset())
    }

    /// Skips linear white space; returns whether any was skipped.
    #[inline]
    pub(crate) fn skip_lws(&mut self) -> bool {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_lws(b) {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.pos != start
    }

    /// Consumes `b` if it is next.
    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `b`, allowing linear white space on both sides (the SWS of
    /// `SEMI`, `COMMA`, `EQUAL`, `COLON`, `SLASH`, `LAQUOT`, `RAQUOT`).
    #[inline]
    pub(crate) fn eat_sep(&mut self, b: u8) -> bool {
        let save = self.pos;
        self.skip_lws();
        if self.eat(b) {
            self.skip_lws();
            true
        } else {
            self.pos = save;
            false
        }
    }

    pub(crate) fn expect(&mut self, b: u8, reason: &'static str) -> Result<()> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.err(reason))
        }
    }

    /// Consumes bytes while `f` holds; returns them (maybe empty).
    #[inline]
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if f(b) {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.slice(start, self.pos)
    }

    /// Consumes the run of bytes of class `t`; returns it (maybe empty).
    #[inline]
    pub(crate) fn take_class(&mut self, t: &[bool; 256]) -> &'a [u8] {
        let start = self.pos;
        self.pos += class_len(t, self.s.get(start..).unwrap_or(&[]));
        self.slice(start, self.pos)
    }

    /// A non-empty `token`.
    pub(crate) fn token(&mut self, reason: &'static str) -> Result<&'a str> {
        let start = self.pos;
        let t = self.take_class(&TOKEN);
        if t.is_empty() {
            return Err(self.err(reason));
        }
        self.str_of(start, self.pos)
    }

    /// A `quoted-string` including its quotes; escapes are validated, not
    /// decoded.
    pub(crate) fn quoted_string(&mut self) -> Result<&'a str> {
        let start = self.pos;
        self.expect(b'"', "expected '\"'")?;
        loop {
            self.take_class(&PLAIN_QDTEXT);
            match self.peek() {
                None => return Err(self.err("unterminated quoted string")),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        // quoted-pair excludes CR and LF
                        Some(b) if b <= 0x7f && b != b'\r' && b != b'\n' => self.pos += 1,
                        _ => return Err(self.err("bad escape in quoted string")),
                    }
                }
                Some(b) if b < 0x20 && !is_lws(b) => {
                    return Err(self.err("control character in quoted string"))
                }
                Some(0x7f) => return Err(self.err("control character in quoted string")),
                Some(_) => self.pos += 1,
            }
        }
        self.str_of(start, self.pos)
    }

    /// An unsigned decimal number of at most `max` value.
    pub(crate) fn number(&mut self, max: u64, reason: &'static str) -> Result<u64> {
        let off = self.offset();
        let digits = self.take_while(|b| b.is_ascii_digit());
        parse_decimal(digits, max).ok_or(Error::parse(self.what, reason, off))
    }
}

/// Parses a non-empty run of ASCII digits no larger than `max`.
pub(crate) fn parse_decimal(digits: &[u8], max: u64) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    (v <= max).then_some(v)
}

/// Whether `s` is a valid run of `%HH` escapes and bytes from `allowed`.
pub(crate) fn check_escaped(s: &[u8], allowed: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            let h1 = s.get(i + 1).copied().unwrap_or(0);
            let h2 = s.get(i + 2).copied().unwrap_or(0);
            if !h1.is_ascii_hexdigit() || !h2.is_ascii_hexdigit() {
                return Some(i);
            }
            i += 3;
        } else if allowed(b) {
            i += 1;
        } else {
            return Some(i);
        }
    }
    None
}

#[inline]
const fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Decodes `%HH` escapes. Borrowed when there are none; a malformed escape
/// is kept literally (callers validate with the grammar first).
pub fn percent_decode(s: &[u8]) -> alloc_cow::Cow<'_, [u8]> {
    if !s.contains(&b'%') {
        return alloc_cow::Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            if let (Some(&h1), Some(&h2)) = (s.get(i + 1), s.get(i + 2)) {
                if h1.is_ascii_hexdigit() && h2.is_ascii_hexdigit() {
                    out.push(hex_val(h1) << 4 | hex_val(h2));
                    i += 3;
                    continue;
                }
            }
        }
        out.push(b);
        i += 1;
    }
    alloc_cow::Cow::Owned(out)
}

mod alloc_cow {
    pub use std::borrow::Cow;
}

/// Splits a header value at top-level commas: commas inside quoted strings,
/// `<...>` and `(...)` do not split. Empty elements are yielded as empty
/// slices so a validator can reject them.
#[derive(Clone, Debug)]
pub struct CommaSplit<'a> {
    s: &'a [u8],
    pos: usize,
    base: usize,
    done: bool,
}

impl<'a> CommaSplit<'a> {
    pub(crate) fn new(s: &'a [u8], base: usize) -> Self {
        CommaSplit {
            s,
            pos: 0,
            base,
            done: s.is_empty(),
        }
    }
}

impl<'a> Iterator for CommaSplit<'a> {
    /// The element (trimmed) and its absolute offset.
    type Item = (&'a [u8], usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let start = self.pos;
        let mut in_quote = false;
        let mut in_angle = false;
        let mut i = start;
        while let Some(&b) = self.s.get(i) {
            if in_quote {
                if b == b'\\' {
                    i += 1;
                } else if b == b'"' {
                    in_quote = false;
                }
            } else {
                match b {
                    b'"' => in_quote = true,
                    b'<' => in_angle = true,
                    b'>' => in_angle = false,
                    b',' if !in_angle => break,
                    _ => {}
                }
            }
            i += 1;
        }
        let end = i.min(self.s.len());
        if end >= self.s.len() {
            self.done = true;
        } else {
            self.pos = end + 1;
        }
        let raw = self.s.get(start..end).unwrap_or(&[]);
        let lead = raw.iter().position(|&b| !is_lws(b)).unwrap_or(raw.len());
        Some((trim_lws(raw), self.base + start + lead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_split_respects_quotes_and_angles() {
        let v = br#""a,b" <sip:x@y;p=1,2>;q=1 , <sip:z>,,last"#;
        let parts: Vec<_> = CommaSplit::new(v, 0).map(|(p, _)| p).collect();
        assert_eq!(
            parts,
            vec![
                &br#""a,b" <sip:x@y;p=1,2>;q=1"#[..],
                &b"<sip:z>"[..],
                &b""[..],
                &b"last"[..]
            ]
        );
    }

    #[test]
    fn decimal_limits() {
        assert_eq!(
            parse_decimal(b"2147483647", (1 << 31) - 1),
            Some(2147483647)
        );
        assert_eq!(parse_decimal(b"2147483648", (1 << 31) - 1), None);
        assert_eq!(parse_decimal(b"36893488147419103232", u64::MAX), None);
        assert_eq!(parse_decimal(b"", 10), None);
    }

    #[test]
    fn find2_matches_a_byte_loop() {
        let hay: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        for start in 0..40 {
            for len in 0..hay.len() - start {
                let s = &hay[start..start + len];
                for (a, b) in [(b';', b'"'), (0, 0x80), (0xff, 1), (59, 59)] {
                    let want = s.iter().position(|&c| c == a || c == b);
                    assert_eq!(find2(s, a, b), want);
                }
            }
        }
    }

    #[test]
    fn find_lws_or_matches_a_byte_loop() {
        let hay: Vec<u8> = (0..300u32).map(|i| (i * 89 % 256) as u8).collect();
        for start in 0..40 {
            for len in 0..hay.len() - start {
                let s = &hay[start..start + len];
                for stop in [b'>', b';', 0, 0xff, b' '] {
                    let want = s
                        .iter()
                        .position(|&c| c == stop || is_lws(c))
                        .unwrap_or(s.len());
                    assert_eq!(find_lws_or(s, stop), want);
                }
            }
        }
        let uri = b"sip:+12125550187@pbx.alice.example.com;user=phone>;tag=1";
        assert_eq!(find_lws_or(uri, b'>'), uri.len() - 7);
    }

    #[test]
    fn class_len_matches_a_byte_loop() {
        let hay: Vec<u8> = (0..300u32).map(|i| (i * 61 % 256) as u8).collect();
        let toks: Vec<u8> = b"abc-DEF.123!%*_+`'~"
            .iter()
            .cycle()
            .take(100)
            .copied()
            .collect();
        for s in [&hay[..], &toks[..]] {
            for start in 0..30 {
                for len in 0..s.len() - start {
                    let s = &s[start..start + len];
                    let want = s.iter().position(|&b| !is_token(b)).unwrap_or(s.len());
                    assert_eq!(class_len(&TOKEN, s), want);
                }
            }
        }
    }

    #[test]
    fn percent() {
        assert_eq!(&*percent_decode(b"a%20b%zz"), b"a b%zz");
        assert!(matches!(
            percent_decode(b"plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
