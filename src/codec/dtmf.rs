//! RFC 4733 telephone-event payloads: a zero-copy view of the 4-octet event
//! block (§2.3: event code, end bit, volume, duration), a writer for it, and
//! the DTMF digit names of the event codes 0–15 (§3.2). The transcoder uses
//! the view to follow an event's extent on the timeline while it passes the
//! packets through untouched.
//!
//! Left out: the tone format of RFC 4733 §3 (`telephone-tone`), event
//! generation and detection in audio, and RFC 2198 redundancy (a different
//! payload type, which the transcoder does not unpack).

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

use crate::error::{Error, Result};

/// Octets of one event block (RFC 4733 §2.3).
pub const EVENT_LEN: usize = 4;

/// The highest volume value: −63 dBm0 (the field is six bits).
pub const MAX_VOLUME: u8 = 63;

/// One telephone-event payload, borrowed from the packet.
///
/// A payload is one or more 4-octet blocks; senders put one event per
/// packet, so the accessors read the first block and [`blocks`](Self::blocks)
/// yields all of them.
///
/// ```
/// use mediaplane::codec::dtmf::TelephoneEvent;
///
/// // '5', end bit, volume 10 (-10 dBm0), 800 ticks (100 ms at 8 kHz)
/// let e = TelephoneEvent::parse(&[5, 0x8A, 0x03, 0x20])?;
/// assert_eq!((e.event(), e.end(), e.volume(), e.duration()), (5, true, 10, 800));
/// assert_eq!(e.digit(), Some('5'));
/// # Ok::<(), mediaplane::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent<'a> {
    block: [u8; EVENT_LEN],
    buf: &'a [u8],
}

impl<'a> TelephoneEvent<'a> {
    /// Validates `payload` as a telephone-event payload: at least one
    /// 4-octet block and a whole number of blocks.
    pub fn parse(payload: &'a [u8]) -> Result<Self> {
        let Some(block) = payload.first_chunk::<EVENT_LEN>() else {
            return Err(Error::parse(
                "telephone-event",
                "expected a 4-octet event block",
                payload.len(),
            ));
        };
        if !payload.len().is_multiple_of(EVENT_LEN) {
            return Err(Error::parse(
                "telephone-event",
                "expected a whole number of 4-octet event blocks",
                payload.len() - payload.len() % EVENT_LEN,
            ));
        }
        Ok(TelephoneEvent {
            block: *block,
            buf: payload,
        })
    }

    /// The event code (RFC 4733 §3.2: 0–9, 10 = `*`, 11 = `#`, 12–15 = A–D,
    /// 16 = flash; other codes from the IANA registry).
    pub fn event(&self) -> u8 {
        self.block[0]
    }

    /// The E bit: this packet reports the end of the event.
    pub fn end(&self) -> bool {
        self.block[1] & 0x80 != 0
    }

    /// The reserved R bit (senders set it to 0, receivers ignore it).
    pub fn reserved(&self) -> bool {
        self.block[1] & 0x40 != 0
    }

    /// The power level, as −dBm0 (0 to 63).
    pub fn volume(&self) -> u8 {
        self.block[1] & 0x3F
    }

    /// The duration so far, in RTP timestamp units, from the packet's
    /// timestamp (the event's start).
    pub fn duration(&self) -> u16 {
        u16::from_be_bytes([self.block[2], self.block[3]])
    }

    /// The DTMF digit of the event code: `0`–`9`, `*`, `#`, `A`–`D`.
    pub fn digit(&self) -> Option<char> {
        digit(self.event())
    }

    /// The whole payload.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Every block of the payload, first one first.
    pub fn blocks(&self) -> impl Iterator<Item = TelephoneEvent<'a>> + 'a {
        self.buf.chunks_exact(EVENT_LEN).filter_map(|b| {
            b.first_chunk::<EVENT_LEN>().map(|block| TelephoneEvent {
                block: *block,
                buf: b,
            })
        })
    }
}

/// The DTMF digit an event code stands for (RFC 4733 §3.2), `None` for the
/// codes that are not digits.
pub fn digit(event: u8) -> Option<char> {
    const DIGITS: &[u8; 16] = b"0123456789*#ABCD";
    DIGITS.get(usize::from(event)).map(|&d| char::from(d))
}

/// The event code of a DTMF digit (case-insensitive for `A`–`D`).
pub const fn event_of_digit(digit: char) -> Option<u8> {
    match digit {
        '0'..='9' => Some(digit as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(digit as u8 - b'A' + 12),
        'a'..='d' => Some(digit as u8 - b'a' + 12),
        _ => None,
    }
}

/// Writes one event block into `buf` and returns its length (4). Fails with
/// `BufferTooSmall` when `buf` is shorter and with `InvalidArgument` for a
/// volume above 63.
pub fn write_event(
    buf: &mut [u8],
    event: u8,
    end: bool,
    volume: u8,
    duration: u16,
) -> Result<usize> {
    if volume > MAX_VOLUME {
        return Err(Error::InvalidArgument("event volume above 63"));
    }
    let Some(out) = buf.first_chunk_mut::<EVENT_LEN>() else {
        return Err(Error::BufferTooSmall { needed: EVENT_LEN });
    };
    let d = duration.to_be_bytes();
    *out = [event, (u8::from(end) << 7) | volume, d[0], d[1]];
    Ok(EVENT_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn fields() {
        let e = TelephoneEvent::parse(&[11, 0x40 | 7, 0xFF, 0xFE]).unwrap();
        assert_eq!(e.event(), 11);
        assert!(!e.end());
        assert!(e.reserved());
        assert_eq!(e.volume(), 7);
        assert_eq!(e.duration(), 0xFFFE);
        assert_eq!(e.digit(), Some('#'));
        assert_eq!(e.blocks().count(), 1);
    }

    #[test]
    fn several_blocks() {
        let p = [1, 0x80, 0, 160, 2, 0x05, 1, 64];
        let e = TelephoneEvent::parse(&p).unwrap();
        let b: Vec<_> = e
            .blocks()
            .map(|b| (b.event(), b.end(), b.duration()))
            .collect();
        assert_eq!(b, vec![(1, true, 160), (2, false, 320)]);
        assert_eq!(e.as_bytes(), &p);
    }

    #[test]
    fn malformed() {
        for bad in [&[][..], &[1], &[1, 2, 3], &[1, 2, 3, 4, 5], &[0; 7]] {
            let e = TelephoneEvent::parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Parse, "{bad:?}");
            assert!(e.offset().unwrap() <= bad.len());
        }
    }

    #[test]
    fn digits_round_trip() {
        for code in 0..=255u8 {
            match digit(code) {
                Some(d) => {
                    assert!(code < 16);
                    assert_eq!(event_of_digit(d), Some(code));
                }
                None => assert!(code >= 16),
            }
        }
        assert_eq!(event_of_digit('b'), Some(13));
        assert_eq!(event_of_digit('x'), None);
    }

    #[test]
    fn writer() {
        let mut b = [0u8; 6];
        assert_eq!(write_event(&mut b, 16, true, 63, 1234).unwrap(), 4);
        let e = TelephoneEvent::parse(&b[..4]).unwrap();
        assert_eq!(
            (e.event(), e.end(), e.volume(), e.duration()),
            (16, true, 63, 1234)
        );
        assert_eq!(
            write_event(&mut b, 1, false, 64, 0).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            write_event(&mut b[..3], 1, false, 0, 0).unwrap_err(),
            Error::BufferTooSmall { needed: 4 }
        );
    }
}
