//! Telling apart the protocols that share one UDP 5-tuple by their first
//! bytes (RFC 7983 §7, RFC 5761 §4).
//!
//! [`classify`] reads the first byte against the ranges of RFC 7983 and,
//! for RTP and RTCP, the second byte against RFC 5761 §4: with the marker
//! bit masked off, payload types 64..=95 are RTCP packet types 192..=223.
//! It looks at nothing else, so a packet classified here may still fail to
//! parse; it never fails itself.
//!
//! Left out: QUIC (RFC 9443 widens the first-byte table for it) and any
//! check of lengths or versions beyond the first two bytes.

/// What a datagram on a multiplexed 5-tuple carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketKind {
    /// STUN (first byte 0..=3).
    Stun,
    /// DTLS (first byte 20..=63).
    Dtls,
    /// RTP (first byte 128..=191, second byte not an RTCP packet type).
    Rtp,
    /// RTCP (first byte 128..=191, second byte 192..=223 or, marker bit
    /// masked, 64..=95).
    Rtcp,
    /// ZRTP (first byte 16..=19).
    Zrtp,
    /// TURN ChannelData (first byte 64..=79).
    TurnChannel,
    /// Anything else, and datagrams too short to tell (empty, or RTP/RTCP
    /// range with one byte). RFC 7983 says to drop them.
    Unknown,
}

/// Classifies one datagram by its first bytes; see the module docs.
///
/// ```
/// use mediaplane::rtp::{classify, PacketKind};
///
/// assert_eq!(classify(&[0x00, 0x01]), PacketKind::Stun);
/// assert_eq!(classify(&[0x16, 0xFE, 0xFD]), PacketKind::Dtls);
/// assert_eq!(classify(&[0x80, 0x60]), PacketKind::Rtp);
/// assert_eq!(classify(&[0x81, 0xC8]), PacketKind::Rtcp);
/// assert_eq!(classify(&[]), PacketKind::Unknown);
/// ```
#[inline]
pub fn classify(datagram: &[u8]) -> PacketKind {
    let Some(&first) = datagram.first() else {
        return PacketKind::Unknown;
    };
    match first {
        0..=3 => PacketKind::Stun,
        16..=19 => PacketKind::Zrtp,
        20..=63 => PacketKind::Dtls,
        64..=79 => PacketKind::TurnChannel,
        128..=191 => match datagram.get(1) {
            Some(&b) if (64..=95).contains(&(b & 0x7F)) => PacketKind::Rtcp,
            Some(_) => PacketKind::Rtp,
            None => PacketKind::Unknown,
        },
        _ => PacketKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_first_byte() {
        for b in 0..=255u8 {
            let k = classify(&[b, 0x00]);
            let want = match b {
                0..=3 => PacketKind::Stun,
                16..=19 => PacketKind::Zrtp,
                20..=63 => PacketKind::Dtls,
                64..=79 => PacketKind::TurnChannel,
                128..=191 => PacketKind::Rtp,
                _ => PacketKind::Unknown,
            };
            assert_eq!(k, want, "first byte {b}");
        }
    }

    #[test]
    fn rtp_or_rtcp_by_second_byte() {
        for b in 0..=255u8 {
            let want = if (192..=223).contains(&b) || (64..=95).contains(&b) {
                PacketKind::Rtcp
            } else {
                PacketKind::Rtp
            };
            assert_eq!(classify(&[0x80, b]), want, "second byte {b}");
        }
        assert_eq!(classify(&[0x80]), PacketKind::Unknown);
    }
}
