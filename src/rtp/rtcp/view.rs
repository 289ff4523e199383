//! The zero-copy view: compound validation (RFC 3550 A.2, RFC 5506) and the
//! readers that run per packet.
//!
//! [`RtcpCompound::parse`] walks the datagram once, checking every header,
//! and afterwards every [`RtcpHeaderView`] it hands out is known to lie
//! inside the datagram. The typed readers ([`RtcpHeaderView::sender_info`],
//! [`RtcpHeaderView::nack_pairs`], ...) decode on demand and return `None`
//! both for a packet of another type and for one whose body is too short for
//! what its header declares, so a router can skip what it cannot use without
//! a separate error path.

use crate::error::{Error, Result};

/// Bytes in the common RTCP header.
pub const HEADER_LEN: usize = 4;

/// The largest datagram accepted: what a 16-bit UDP length can carry. A
/// compound cannot be larger on any transport this library serves.
pub const MAX_COMPOUND_LEN: usize = 65_535;

/// Packet type of a sender report (RFC 3550 §6.4.1).
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report (RFC 3550 §6.4.2).
pub const PT_RR: u8 = 201;
/// Packet type of a source description (RFC 3550 §6.5).
pub const PT_SDES: u8 = 202;
/// Packet type of a BYE (RFC 3550 §6.6).
pub const PT_BYE: u8 = 203;
/// Packet type of an application-defined packet (RFC 3550 §6.7).
pub const PT_APP: u8 = 204;
/// Packet type of transport-layer feedback (RFC 4585 §6.2).
pub const PT_RTPFB: u8 = 205;
/// Packet type of payload-specific feedback (RFC 4585 §6.3).
pub const PT_PSFB: u8 = 206;
/// Packet type of an extended report (RFC 3611).
pub const PT_XR: u8 = 207;

/// FMT of a generic NACK in a [`PT_RTPFB`] packet (RFC 4585 §6.2.1).
pub const FMT_NACK: u8 = 1;
/// FMT of transport-wide congestion control feedback in a [`PT_RTPFB`]
/// packet (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
pub const FMT_TWCC: u8 = 15;
/// FMT of a picture loss indication in a [`PT_PSFB`] packet (RFC 4585
/// §6.3.1).
pub const FMT_PLI: u8 = 1;
/// FMT of a full intra request in a [`PT_PSFB`] packet (RFC 5104 §4.3.1).
pub const FMT_FIR: u8 = 4;
/// FMT of application-layer feedback in a [`PT_PSFB`] packet (RFC 4585
/// §6.4), the carrier of REMB.
pub const FMT_AFB: u8 = 15;

/// Which datagrams [`validate_compound`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// RFC 3550 compound packets: the first packet is an SR or an RR.
    #[default]
    Full,
    /// RFC 5506: also reduced-size packets, whose first packet may be of any
    /// type (typically one feedback message). Use it only where the session
    /// negotiated `a=rtcp-rsize`.
    ReducedSize,
}

/// What a packet is, from its packet type and, for feedback, its FMT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Sender report (PT 200).
    SenderReport,
    /// Receiver report (PT 201).
    ReceiverReport,
    /// Source description (PT 202).
    SourceDescription,
    /// BYE (PT 203).
    Goodbye,
    /// Application-defined (PT 204).
    App,
    /// Generic NACK (PT 205, FMT 1).
    Nack,
    /// Transport-wide congestion control feedback (PT 205, FMT 15).
    TransportCc,
    /// Other transport-layer feedback (PT 205: TMMBR, TMMBN, RRR, ...).
    TransportFeedback,
    /// Picture loss indication (PT 206, FMT 1).
    Pli,
    /// Full intra request (PT 206, FMT 4).
    Fir,
    /// Application-layer feedback (PT 206, FMT 15), e.g. REMB; see
    /// [`RtcpHeaderView::remb`].
    Afb,
    /// Other payload-specific feedback (PT 206: SLI, RPSI, TSTR, ...).
    PayloadFeedback,
    /// Extended report (PT 207).
    ExtendedReport,
    /// Any other packet type.
    Unknown,
}

impl Kind {
    /// The kind of a packet with type `pt` and count/FMT field `count`.
    pub const fn of(pt: u8, count: u8) -> Kind {
        match (pt, count) {
            (PT_SR, _) => Kind::SenderReport,
            (PT_RR, _) => Kind::ReceiverReport,
            (PT_SDES, _) => Kind::SourceDescription,
            (PT_BYE, _) => Kind::Goodbye,
            (PT_APP, _) => Kind::App,
            (PT_RTPFB, FMT_NACK) => Kind::Nack,
            (PT_RTPFB, FMT_TWCC) => Kind::TransportCc,
            (PT_RTPFB, _) => Kind::TransportFeedback,
            (PT_PSFB, FMT_PLI) => Kind::Pli,
            (PT_PSFB, FMT_FIR) => Kind::Fir,
            (PT_PSFB, FMT_AFB) => Kind::Afb,
            (PT_PSFB, _) => Kind::PayloadFeedback,
            (PT_XR, _) => Kind::ExtendedReport,
            _ => Kind::Unknown,
        }
    }

    /// Whether this is RFC 4585 feedback (PT 205 or 206), whose body starts
    /// with the sender SSRC and the media source SSRC.
    pub const fn is_feedback(self) -> bool {
        matches!(
            self,
            Kind::Nack
                | Kind::TransportCc
                | Kind::TransportFeedback
                | Kind::Pli
                | Kind::Fir
                | Kind::Afb
                | Kind::PayloadFeedback
        )
    }
}

#[inline]
pub(super) fn be16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..)?
        .first_chunk::<2>()
        .map(|a| u16::from_be_bytes(*a))
}

#[inline]
pub(super) fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..)?
        .first_chunk::<4>()
        .map(|a| u32::from_be_bytes(*a))
}

/// One RTCP packet inside a datagram: its header decoded, its bytes borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpHeaderView<'a> {
    /// The whole packet, header and padding included.
    bytes: &'a [u8],
    /// Offset of the packet in the datagram.
    offset: usize,
    /// Padding octets at the end (0 without the P bit).
    pad: usize,
}

impl<'a> RtcpHeaderView<'a> {
    /// Reads the packet that starts at `offset` of `datagram`, checking its
    /// header alone: version 2, a length that stays inside the datagram and,
    /// with the P bit, a padding count between 1 and the body length. The
    /// compound rules are [`validate_compound`]'s; this is the step it
    /// repeats, public for walks that need other rules.
    pub fn parse_at(datagram: &'a [u8], offset: usize) -> Result<Self> {
        let rest = datagram.get(offset..).ok_or(Error::parse(
            "rtcp header",
            "offset past the end",
            offset,
        ))?;
        let Some(&[b0, _, l0, l1]) = rest.first_chunk::<HEADER_LEN>() else {
            return Err(Error::parse(
                "rtcp header",
                "fewer than 4 bytes left for a header",
                offset,
            ));
        };
        if b0 >> 6 != 2 {
            return Err(Error::parse("rtcp header", "version is not 2", offset));
        }
        let len = (usize::from(u16::from_be_bytes([l0, l1])) + 1) * 4;
        let bytes = rest.get(..len).ok_or(Error::parse(
            "rtcp header",
            "length field runs past the end of the datagram",
            offset + 2,
        ))?;
        let mut pad = 0;
        if b0 & 0x20 != 0 {
            let last = offset + len - 1;
            pad = usize::from(bytes.last().copied().unwrap_or(0));
            if pad == 0 {
                return Err(Error::parse("rtcp padding", "padding count is zero", last));
            }
            if pad > len - HEADER_LEN {
                return Err(Error::parse(
                    "rtcp padding",
                    "padding count is larger than the packet body",
                    last,
                ));
            }
        }
        Ok(RtcpHeaderView { bytes, offset, pad })
    }

    /// The version field (always 2 for a view that was parsed).
    #[inline]
    pub fn version(&self) -> u8 {
        self.b0() >> 6
    }

    /// Whether the P bit is set.
    #[inline]
    pub fn padding(&self) -> bool {
        self.b0() & 0x20 != 0
    }

    /// The 5-bit count field: report count (SR, RR), source count (SDES,
    /// BYE), subtype (APP) or FMT (feedback).
    #[inline]
    pub fn count(&self) -> u8 {
        self.b0() & 0x1f
    }

    /// The count field read as a feedback message type (FMT).
    #[inline]
    pub fn fmt(&self) -> u8 {
        self.count()
    }

    /// The packet type (PT), e.g. [`PT_SR`].
    #[inline]
    pub fn packet_type(&self) -> u8 {
        self.bytes.get(1).copied().unwrap_or(0)
    }

    /// The packet type and FMT, classified.
    #[inline]
    pub fn kind(&self) -> Kind {
        Kind::of(self.packet_type(), self.count())
    }

    /// The length field: the packet length in 32-bit words minus one.
    #[inline]
    pub fn length_words(&self) -> u16 {
        be16(self.bytes, 2).unwrap_or(0)
    }

    /// The packet length in bytes, header and padding included.
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: a packet holds at least its header.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Offset of the packet in the datagram.
    #[inline]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The whole packet: header, body and padding.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Padding octets at the end of the packet (0 without the P bit).
    #[inline]
    pub fn padding_len(&self) -> usize {
        self.pad
    }

    /// What follows the header, without the padding.
    #[inline]
    pub fn body(&self) -> &'a [u8] {
        self.bytes
            .get(HEADER_LEN..self.bytes.len().saturating_sub(self.pad))
            .unwrap_or(&[])
    }

    #[inline]
    fn b0(&self) -> u8 {
        self.bytes.first().copied().unwrap_or(0)
    }

    /// The first word of the body: the sender's SSRC for SR, RR, APP, XR and
    /// feedback, the first chunk's or source's SSRC for SDES and BYE. `None`
    /// when the body is shorter than four bytes, or for an SDES or BYE with a
    /// count of zero.
    #[inline]
    pub fn ssrc(&self) -> Option<u32> {
        if matches!(self.kind(), Kind::SourceDescription | Kind::Goodbye) && self.count() == 0 {
            return None;
        }
        be32(self.body(), 0)
    }

    /// The media source SSRC of RFC 4585 feedback (the second word of the
    /// body): the stream a PLI, NACK or TWCC is about. RFC 5104 sets it to 0
    /// in a FIR, whose targets are in [`Self::fir_entries`], and RFC 4585
    /// §6.4 to 0 in REMB, whose targets are in [`Remb::ssrcs`].
    #[inline]
    pub fn media_ssrc(&self) -> Option<u32> {
        if !self.kind().is_feedback() {
            return None;
        }
        be32(self.body(), 4)
    }

    /// The sender info of an SR (RFC 3550 §6.4.1).
    pub fn sender_info(&self) -> Option<SenderInfo> {
        if self.kind() != Kind::SenderReport {
            return None;
        }
        let b = self.body();
        let ntp_hi = be32(b, 4)?;
        let ntp_lo = be32(b, 8)?;
        Some(SenderInfo {
            ntp_timestamp: (u64::from(ntp_hi) << 32) | u64::from(ntp_lo),
            rtp_timestamp: be32(b, 12)?,
            packet_count: be32(b, 16)?,
            octet_count: be32(b, 20)?,
        })
    }

    /// The report blocks of an SR or RR, as many as the count field says
    /// (RFC 3550 §6.4.1). `None` for other packets and when the body is too
    /// short for that many blocks.
    pub fn report_blocks(&self) -> Option<ReportBlocks<'a>> {
        let start = match self.kind() {
            Kind::SenderReport => 24,
            Kind::ReceiverReport => 4,
            _ => return None,
        };
        let n = usize::from(self.count()) * REPORT_BLOCK_LEN;
        let rest = self.body().get(start..)?.get(..n)?;
        Some(ReportBlocks { rest })
    }

    /// The (PID, BLP) pairs of a generic NACK (RFC 4585 §6.2.1). `None` for
    /// other packets and when the FCI is empty or not whole words.
    pub fn nack_pairs(&self) -> Option<NackPairs<'a>> {
        if self.kind() != Kind::Nack {
            return None;
        }
        let fci = self.body().get(8..)?;
        if fci.is_empty() || fci.len() % 4 != 0 {
            return None;
        }
        Some(NackPairs { rest: fci })
    }

    /// The FCI entries of a FIR (RFC 5104 §4.3.1): each target SSRC and its
    /// command sequence number. `None` for other packets and when the FCI is
    /// empty or not whole 8-byte entries.
    pub fn fir_entries(&self) -> Option<FirEntries<'a>> {
        if self.kind() != Kind::Fir {
            return None;
        }
        let fci = self.body().get(8..)?;
        if fci.is_empty() || fci.len() % 8 != 0 {
            return None;
        }
        Some(FirEntries { rest: fci })
    }

    /// The REMB message carried by application-layer feedback
    /// (draft-alvestrand-rmcat-remb-03 §2.2). `None` for other packets, for
    /// AFB without the `REMB` identifier, and when the body is too short for
    /// the SSRCs it declares.
    pub fn remb(&self) -> Option<Remb<'a>> {
        if self.kind() != Kind::Afb {
            return None;
        }
        let b = self.body();
        if b.get(8..12)? != b"REMB" {
            return None;
        }
        let word = be32(b, 12)?;
        let num = (word >> 24) as usize;
        let ssrcs = b.get(16..)?.get(..num * 4)?;
        Some(Remb {
            sender_ssrc: be32(b, 0)?,
            exponent: ((word >> 18) & 0x3f) as u8,
            mantissa: word & 0x3_ffff,
            ssrcs: Ssrcs { rest: ssrcs },
        })
    }

    /// The SSRC/CSRC list of a BYE (RFC 3550 §6.6). `None` for other packets
    /// and when the body is too short for the count.
    pub fn bye_sources(&self) -> Option<Ssrcs<'a>> {
        if self.kind() != Kind::Goodbye {
            return None;
        }
        let n = usize::from(self.count()) * 4;
        Some(Ssrcs {
            rest: self.body().get(..n)?,
        })
    }
}

/// The sender info block of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SenderInfo {
    /// NTP timestamp, 32.32 fixed point seconds since 1900.
    pub ntp_timestamp: u64,
    /// RTP timestamp of the same instant.
    pub rtp_timestamp: u32,
    /// Sender's packet count.
    pub packet_count: u32,
    /// Sender's octet count (payload only).
    pub octet_count: u32,
}

/// Bytes in one report block.
pub const REPORT_BLOCK_LEN: usize = 24;

/// One reception report block of an SR or RR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative number of packets lost: a signed 24-bit value (duplicates
    /// can make it negative), sign-extended here. Builders clamp it to the
    /// 24-bit range.
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_seq: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR (LSR).
    pub last_sr: u32,
    /// Delay since the last SR, in 1/65536 s (DLSR).
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn read(b: &[u8]) -> Option<ReportBlock> {
        let lost = be32(b, 4)?;
        // Shift the 24-bit field to the top and back to sign-extend it.
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        Some(ReportBlock {
            ssrc: be32(b, 0)?,
            fraction_lost: (lost >> 24) as u8,
            cumulative_lost,
            extended_highest_seq: be32(b, 8)?,
            jitter: be32(b, 12)?,
            last_sr: be32(b, 16)?,
            delay_since_last_sr: be32(b, 20)?,
        })
    }
}

/// Iterator over the report blocks of an SR or RR.
#[derive(Debug, Clone)]
pub struct ReportBlocks<'a> {
    rest: &'a [u8],
}

impl Iterator for ReportBlocks<'_> {
    type Item = ReportBlock;

    fn next(&mut self) -> Option<ReportBlock> {
        let (block, rest) = self.rest.split_first_chunk::<REPORT_BLOCK_LEN>()?;
        self.rest = rest;
        ReportBlock::read(block)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / REPORT_BLOCK_LEN;
        (n, Some(n))
    }
}

impl ExactSizeIterator for ReportBlocks<'_> {}
impl core::iter::FusedIterator for ReportBlocks<'_> {}

/// One generic NACK FCI entry (RFC 4585 §6.2.1): packet `pid` and, in bit
/// `i` of `blp`, packet `pid + i + 1` (modulo 2^16) were lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NackPair {
    /// Packet ID: the first lost sequence number.
    pub pid: u16,
    /// Bitmask of the 16 following lost packets.
    pub blp: u16,
}

impl NackPair {
    /// The sequence numbers this entry reports lost, in order.
    pub fn lost(&self) -> NackLost {
        NackLost {
            pid: self.pid,
            bits: (u32::from(self.blp) << 1) | 1,
        }
    }

    /// How many packets this entry reports lost (1 to 17).
    pub fn lost_count(&self) -> u32 {
        1 + self.blp.count_ones()
    }
}

/// Iterator over the sequence numbers of a [`NackPair`].
#[derive(Debug, Clone)]
pub struct NackLost {
    pid: u16,
    /// Bit `i` set: `pid + i` lost (bit 0 is the PID itself).
    bits: u32,
}

impl Iterator for NackLost {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        if self.bits == 0 {
            return None;
        }
        let i = self.bits.trailing_zeros();
        self.bits &= self.bits - 1;
        Some(self.pid.wrapping_add(i as u16))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bits.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for NackLost {}
impl core::iter::FusedIterator for NackLost {}

/// Iterator over the FCI entries of a generic NACK.
#[derive(Debug, Clone)]
pub struct NackPairs<'a> {
    rest: &'a [u8],
}

impl Iterator for NackPairs<'_> {
    type Item = NackPair;

    fn next(&mut self) -> Option<NackPair> {
        let (&[a, b, c, d], rest) = self.rest.split_first_chunk::<4>()?;
        self.rest = rest;
        Some(NackPair {
            pid: u16::from_be_bytes([a, b]),
            blp: u16::from_be_bytes([c, d]),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for NackPairs<'_> {}
impl core::iter::FusedIterator for NackPairs<'_> {}

/// One FIR FCI entry (RFC 5104 §4.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FirEntry {
    /// The media sender asked for a decoder refresh point.
    pub ssrc: u32,
    /// Command sequence number; incremented by the requester for each new
    /// request to the same SSRC, repeated for a retransmission.
    pub seq_nr: u8,
}

/// Iterator over the FCI entries of a FIR.
#[derive(Debug, Clone)]
pub struct FirEntries<'a> {
    rest: &'a [u8],
}

impl Iterator for FirEntries<'_> {
    type Item = FirEntry;

    fn next(&mut self) -> Option<FirEntry> {
        let (&[a, b, c, d, seq_nr, ..], rest) = self.rest.split_first_chunk::<8>()?;
        self.rest = rest;
        Some(FirEntry {
            ssrc: u32::from_be_bytes([a, b, c, d]),
            seq_nr,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / 8;
        (n, Some(n))
    }
}

impl ExactSizeIterator for FirEntries<'_> {}
impl core::iter::FusedIterator for FirEntries<'_> {}

/// Iterator over a list of SSRCs (REMB feedback SSRCs, BYE sources).
#[derive(Debug, Clone)]
pub struct Ssrcs<'a> {
    rest: &'a [u8],
}

impl Iterator for Ssrcs<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let (word, rest) = self.rest.split_first_chunk::<4>()?;
        self.rest = rest;
        Some(u32::from_be_bytes(*word))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Ssrcs<'_> {}
impl core::iter::FusedIterator for Ssrcs<'_> {}

/// A REMB message (draft-alvestrand-rmcat-remb-03 §2.2), read in place.
#[derive(Debug, Clone)]
pub struct Remb<'a> {
    sender_ssrc: u32,
    exponent: u8,
    mantissa: u32,
    ssrcs: Ssrcs<'a>,
}

impl<'a> Remb<'a> {
    /// The SSRC of the packet sender.
    pub fn sender_ssrc(&self) -> u32 {
        self.sender_ssrc
    }

    /// The 6-bit BR Exp field.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// The 18-bit BR Mantissa field.
    pub fn mantissa(&self) -> u32 {
        self.mantissa
    }

    /// The estimate, mantissa * 2^exp bits per second; saturates at
    /// `u64::MAX` (the field can express up to about 2^81).
    pub fn bitrate_bps(&self) -> u64 {
        let m = u64::from(self.mantissa);
        let e = u32::from(self.exponent);
        if m == 0 {
            0
        } else if m.leading_zeros() < e {
            u64::MAX
        } else {
            m << e
        }
    }

    /// The SSRCs the estimate applies to.
    pub fn ssrcs(&self) -> Ssrcs<'a> {
        self.ssrcs.clone()
    }
}

/// A validated RTCP datagram (RFC 3550 §6.1, A.2; RFC 5506): every packet
/// has version 2, the lengths add up to exactly the datagram, only the last
/// packet is padded and, in [`Mode::Full`], the first is an SR or RR.
#[derive(Debug, Clone, Copy)]
pub struct RtcpCompound<'a> {
    buf: &'a [u8],
    first: RtcpHeaderView<'a>,
    count: usize,
}

impl<'a> RtcpCompound<'a> {
    /// Validates `buf` as one RTCP datagram under `mode`. Allocates nothing.
    pub fn parse(buf: &'a [u8], mode: Mode) -> Result<Self> {
        if buf.is_empty() {
            return Err(Error::parse("rtcp datagram", "empty", 0));
        }
        if buf.len() > MAX_COMPOUND_LEN {
            return Err(Error::Limit {
                what: "rtcp datagram size",
                limit: MAX_COMPOUND_LEN,
                offset: MAX_COMPOUND_LEN,
            });
        }
        let first = RtcpHeaderView::parse_at(buf, 0)?;
        if mode == Mode::Full && !matches!(first.packet_type(), PT_SR | PT_RR) {
            return Err(Error::invalid(
                "the first rtcp packet of a compound is not an sr or rr",
                Some(0),
            ));
        }
        let mut p = first;
        let mut count = 1;
        loop {
            let end = p.offset() + p.len();
            if end == buf.len() {
                break;
            }
            if p.padding() {
                return Err(Error::invalid(
                    "padding on an rtcp packet that is not the last of the compound",
                    Some(p.offset()),
                ));
            }
            p = RtcpHeaderView::parse_at(buf, end)?;
            count += 1;
        }
        Ok(RtcpCompound { buf, first, count })
    }

    /// The datagram.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Number of packets (at least 1).
    #[inline]
    pub fn packet_count(&self) -> usize {
        self.count
    }

    /// The first packet.
    #[inline]
    pub fn first(&self) -> RtcpHeaderView<'a> {
        self.first
    }

    /// The SSRC of the sender of the first packet (see
    /// [`RtcpHeaderView::ssrc`]).
    #[inline]
    pub fn sender_ssrc(&self) -> Option<u32> {
        self.first.ssrc()
    }

    /// The packets, in order.
    #[inline]
    pub fn iter(&self) -> RtcpIter<'a> {
        RtcpIter {
            buf: self.buf,
            at: 0,
        }
    }

    /// The packet at `index`, walking from the start.
    pub fn get(&self, index: usize) -> Option<RtcpHeaderView<'a>> {
        self.iter().nth(index)
    }
}

impl<'a> IntoIterator for &RtcpCompound<'a> {
    type Item = RtcpHeaderView<'a>;
    type IntoIter = RtcpIter<'a>;

    fn into_iter(self) -> RtcpIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for RtcpCompound<'a> {
    type Item = RtcpHeaderView<'a>;
    type IntoIter = RtcpIter<'a>;

    fn into_iter(self) -> RtcpIter<'a> {
        self.iter()
    }
}

/// Iterator over the packets of an [`RtcpCompound`].
#[derive(Debug, Clone)]
pub struct RtcpIter<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Iterator for RtcpIter<'a> {
    type Item = RtcpHeaderView<'a>;

    fn next(&mut self) -> Option<RtcpHeaderView<'a>> {
        if self.at >= self.buf.len() {
            return None;
        }
        // The compound was validated, so this cannot fail; were it to, the
        // walk ends rather than loops.
        match RtcpHeaderView::parse_at(self.buf, self.at) {
            Ok(p) => {
                self.at += p.len();
                Some(p)
            }
            Err(_) => {
                self.at = self.buf.len();
                None
            }
        }
    }
}

impl core::iter::FusedIterator for RtcpIter<'_> {}

/// Validates `buf` as one RTCP datagram (see [`RtcpCompound`]) and returns
/// its number of packets. Allocates nothing.
pub fn validate_compound(buf: &[u8], mode: Mode) -> Result<usize> {
    RtcpCompound::parse(buf, mode).map(|c| c.count)
}

/// The sender SSRC of the first packet of an RTCP or SRTCP datagram, from
/// its first eight bytes only: SRTCP leaves them in the clear (RFC 3711
/// §3.4), so this works before decryption, when the rest cannot be walked.
pub fn first_sender_ssrc(datagram: &[u8]) -> Result<u32> {
    let Some(&b0) = datagram.first() else {
        return Err(Error::parse("rtcp header", "empty", 0));
    };
    if b0 >> 6 != 2 {
        return Err(Error::parse("rtcp header", "version is not 2", 0));
    }
    be32(datagram, 4).ok_or(Error::parse(
        "rtcp header",
        "fewer than 8 bytes: no sender ssrc",
        datagram.len(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(Kind::of(PT_RTPFB, FMT_NACK), Kind::Nack);
        assert_eq!(Kind::of(PT_RTPFB, 3), Kind::TransportFeedback);
        assert_eq!(Kind::of(PT_PSFB, FMT_AFB), Kind::Afb);
        assert_eq!(Kind::of(PT_SR, 31), Kind::SenderReport);
        assert_eq!(Kind::of(199, 0), Kind::Unknown);
        assert!(Kind::Fir.is_feedback() && !Kind::App.is_feedback());
    }

    #[test]
    fn nack_lost_walks_the_bitmask() {
        let p = NackPair {
            pid: 65534,
            blp: 0b1000_0000_0000_0011,
        };
        assert_eq!(p.lost().collect::<Vec<_>>(), [65534, 65535, 0, 14]);
        assert_eq!(p.lost().len(), 4);
        assert_eq!(p.lost_count(), 4);
    }

    #[test]
    fn report_block_sign_extends() {
        let mut b = [0u8; REPORT_BLOCK_LEN];
        b[4..8].copy_from_slice(&[0x10, 0xff, 0xff, 0xfe]);
        let r = ReportBlock::read(&b).unwrap();
        assert_eq!((r.fraction_lost, r.cumulative_lost), (0x10, -2));
        b[5] = 0x7f;
        assert_eq!(ReportBlock::read(&b).unwrap().cumulative_lost, 0x7f_fffe);
    }

    #[test]
    fn header_errors_point_at_the_problem() {
        let e = RtcpHeaderView::parse_at(&[0x80, 201, 0, 1, 0], 0).unwrap_err();
        assert_eq!(e.offset(), Some(2));
        let e = RtcpHeaderView::parse_at(&[0x80, 201, 0, 0], 4).unwrap_err();
        assert_eq!(e.offset(), Some(4));
        let e = RtcpHeaderView::parse_at(&[0x80, 201, 0, 0], 5).unwrap_err();
        assert_eq!(e.offset(), Some(5));
        let v = RtcpHeaderView::parse_at(&[0x80, 201, 0, 0], 0).unwrap();
        assert_eq!((v.len(), v.body(), v.ssrc()), (4, &[][..], None));
    }
}
