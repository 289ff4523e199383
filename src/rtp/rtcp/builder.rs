//! Builders for the reports and feedback a media plane sends, written
//! through `rtc-rtcp` after `out`'s contents.
//!
//! Every builder appends whole packets to a caller `Vec<u8>` and returns the
//! bytes written; on error `out` is left as it was. Where one packet cannot
//! hold everything (more than 31 report blocks, more NACK entries than the
//! crate writes into one packet) the builder appends as many packets as it
//! takes, which is what RFC 3550 §6.1 and RFC 4585 §6.1 allow.

use rtc_rtcp::goodbye::Goodbye;
use rtc_rtcp::payload_feedbacks::full_intra_request::{self, FullIntraRequest};
use rtc_rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc_rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
use rtc_rtcp::receiver_report::ReceiverReport;
use rtc_rtcp::reception_report::ReceptionReport;
use rtc_rtcp::sender_report::SenderReport;
use rtc_rtcp::source_description::{
    SdesType, SourceDescription, SourceDescriptionChunk, SourceDescriptionItem,
};
use rtc_rtcp::transport_feedbacks::transport_layer_nack::{self, TransportLayerNack};

use super::packet::{text, Packet};
use super::view::{FirEntry, NackPair, ReportBlock, SenderInfo};
use crate::error::{Error, Result};

/// Most report blocks in one SR or RR (the 5-bit count).
pub const MAX_REPORT_BLOCKS: usize = 31;

/// Most FCI entries `rtc-rtcp` writes into one generic NACK; more are split
/// over further NACK packets.
pub const MAX_NACK_PAIRS_PER_PACKET: usize = 253;

/// Bytes of a PLI.
pub const PLI_LEN: usize = 12;

impl From<ReportBlock> for ReceptionReport {
    fn from(b: ReportBlock) -> Self {
        // RFC 3550 §6.4.1: the 24-bit signed field saturates.
        let lost = b.cumulative_lost.clamp(-(1 << 23), (1 << 23) - 1);
        ReceptionReport {
            ssrc: b.ssrc,
            fraction_lost: b.fraction_lost,
            total_lost: (lost as u32) & 0x00ff_ffff,
            last_sequence_number: b.extended_highest_seq,
            jitter: b.jitter,
            last_sender_report: b.last_sr,
            delay: b.delay_since_last_sr,
        }
    }
}

/// A block computed by [`crate::rtp::ReceiverStats`], for [`build_rr`] and
/// [`build_sr`].
impl From<crate::rtp::ReceptionReport> for ReportBlock {
    fn from(r: crate::rtp::ReceptionReport) -> Self {
        ReportBlock {
            ssrc: r.ssrc,
            fraction_lost: r.fraction_lost,
            cumulative_lost: r.cumulative_lost,
            extended_highest_seq: r.extended_highest_seq,
            jitter: r.jitter,
            last_sr: r.lsr,
            delay_since_last_sr: r.dlsr,
        }
    }
}

impl From<&ReceptionReport> for ReportBlock {
    fn from(r: &ReceptionReport) -> Self {
        ReportBlock {
            ssrc: r.ssrc,
            fraction_lost: r.fraction_lost,
            cumulative_lost: (((r.total_lost & 0x00ff_ffff) << 8) as i32) >> 8,
            extended_highest_seq: r.last_sequence_number,
            jitter: r.jitter,
            last_sr: r.last_sender_report,
            delay_since_last_sr: r.delay,
        }
    }
}

impl From<NackPair> for transport_layer_nack::NackPair {
    fn from(p: NackPair) -> Self {
        transport_layer_nack::NackPair {
            packet_id: p.pid,
            lost_packets: p.blp,
        }
    }
}

impl From<&transport_layer_nack::NackPair> for NackPair {
    fn from(p: &transport_layer_nack::NackPair) -> Self {
        NackPair {
            pid: p.packet_id,
            blp: p.lost_packets,
        }
    }
}

impl From<FirEntry> for full_intra_request::FirEntry {
    fn from(e: FirEntry) -> Self {
        full_intra_request::FirEntry {
            ssrc: e.ssrc,
            sequence_number: e.seq_nr,
        }
    }
}

impl From<&full_intra_request::FirEntry> for FirEntry {
    fn from(e: &full_intra_request::FirEntry) -> Self {
        FirEntry {
            ssrc: e.ssrc,
            seq_nr: e.sequence_number,
        }
    }
}

/// Runs `f`, leaving `out` as it was when `f` fails.
fn atomic(out: &mut Vec<u8>, f: impl FnOnce(&mut Vec<u8>) -> Result<()>) -> Result<usize> {
    let start = out.len();
    match f(out) {
        Ok(()) => Ok(out.len() - start),
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

fn receiver_reports(sender_ssrc: u32, blocks: &[ReportBlock], out: &mut Vec<u8>) -> Result<()> {
    for chunk in blocks.chunks(MAX_REPORT_BLOCKS) {
        Packet::ReceiverReport(ReceiverReport {
            ssrc: sender_ssrc,
            reports: chunk.iter().copied().map(Into::into).collect(),
            ..Default::default()
        })
        .marshal_into(out)?;
    }
    Ok(())
}

/// Appends an SR (RFC 3550 §6.4.1) with the first 31 `blocks`, and RRs with
/// the rest.
pub fn build_sr(
    sender_ssrc: u32,
    info: &SenderInfo,
    blocks: &[ReportBlock],
    out: &mut Vec<u8>,
) -> Result<usize> {
    let (first, rest) = blocks.split_at(blocks.len().min(MAX_REPORT_BLOCKS));
    atomic(out, |out| {
        Packet::SenderReport(SenderReport {
            ssrc: sender_ssrc,
            ntp_time: info.ntp_timestamp,
            rtp_time: info.rtp_timestamp,
            packet_count: info.packet_count,
            octet_count: info.octet_count,
            reports: first.iter().copied().map(Into::into).collect(),
            ..Default::default()
        })
        .marshal_into(out)?;
        receiver_reports(sender_ssrc, rest, out)
    })
}

/// Appends an RR (RFC 3550 §6.4.2) with `blocks`: one RR per 31 blocks, and
/// one empty RR when there are none.
pub fn build_rr(sender_ssrc: u32, blocks: &[ReportBlock], out: &mut Vec<u8>) -> Result<usize> {
    atomic(out, |out| {
        if blocks.is_empty() {
            return Packet::ReceiverReport(ReceiverReport {
                ssrc: sender_ssrc,
                ..Default::default()
            })
            .marshal_into(out)
            .map(drop);
        }
        receiver_reports(sender_ssrc, blocks, out)
    })
}

/// Appends an SDES (RFC 3550 §6.5) with one chunk holding the CNAME.
pub fn build_sdes_cname(ssrc: u32, cname: &[u8], out: &mut Vec<u8>) -> Result<usize> {
    if cname.is_empty() {
        return Err(Error::InvalidArgument("empty cname"));
    }
    Packet::SourceDescription(SourceDescription {
        chunks: vec![SourceDescriptionChunk {
            source: ssrc,
            items: vec![SourceDescriptionItem {
                sdes_type: SdesType::SdesCname,
                text: text(cname),
            }],
        }],
    })
    .marshal_into(out)
}

/// Appends a BYE (RFC 3550 §6.6) for up to 31 `sources`, with an optional
/// reason of up to 255 bytes.
pub fn build_bye(sources: &[u32], reason: &[u8], out: &mut Vec<u8>) -> Result<usize> {
    Packet::Goodbye(Goodbye {
        sources: sources.to_vec(),
        reason: text(reason),
    })
    .marshal_into(out)
}

/// Packs lost sequence numbers into generic NACK entries (RFC 4585
/// §6.2.1), without allocating: each entry takes the next number as its PID
/// and the following ones that lie 1 to 16 after it (modulo 2^16) as BLP
/// bits. Numbers in RTP order, wrapping allowed, pack into the fewest
/// entries; any order is still reported in full.
pub fn pack_nack(lost: &[u16]) -> NackPacker<'_> {
    NackPacker { rest: lost }
}

/// Iterator made by [`pack_nack`].
#[derive(Debug, Clone)]
pub struct NackPacker<'a> {
    rest: &'a [u16],
}

impl Iterator for NackPacker<'_> {
    type Item = NackPair;

    fn next(&mut self) -> Option<NackPair> {
        let (&pid, mut rest) = self.rest.split_first()?;
        let mut blp = 0u16;
        while let Some((&seq, tail)) = rest.split_first() {
            match seq.wrapping_sub(pid) {
                0 => {}
                d @ 1..=16 => blp |= 1 << (d - 1),
                _ => break,
            }
            rest = tail;
        }
        self.rest = rest;
        Some(NackPair { pid, blp })
    }
}

impl core::iter::FusedIterator for NackPacker<'_> {}

/// Bytes [`build_nack`] appends for `lost`: 12 per packet plus 4 per entry.
pub fn nack_len(lost: &[u16]) -> usize {
    let pairs = pack_nack(lost).count();
    12 * pairs.div_ceil(MAX_NACK_PAIRS_PER_PACKET) + 4 * pairs
}

/// Appends a generic NACK (RFC 4585 §6.2.1) from `sender_ssrc` about
/// `media_ssrc` reporting `lost` (packed by [`pack_nack`]); more entries
/// than one packet takes go into further NACK packets.
pub fn build_nack(
    sender_ssrc: u32,
    media_ssrc: u32,
    lost: &[u16],
    out: &mut Vec<u8>,
) -> Result<usize> {
    if lost.is_empty() {
        return Err(Error::InvalidArgument("no lost sequence numbers"));
    }
    atomic(out, |out| {
        let mut pairs = pack_nack(lost).peekable();
        while pairs.peek().is_some() {
            let nacks = pairs
                .by_ref()
                .take(MAX_NACK_PAIRS_PER_PACKET)
                .map(Into::into)
                .collect();
            Packet::Nack(TransportLayerNack {
                sender_ssrc,
                media_ssrc,
                nacks,
            })
            .marshal_into(out)?;
        }
        Ok(())
    })
}

/// Appends a PLI (RFC 4585 §6.3.1): `sender_ssrc` asks `media_ssrc` for a
/// decoder refresh. [`PLI_LEN`] bytes.
pub fn build_pli(sender_ssrc: u32, media_ssrc: u32, out: &mut Vec<u8>) -> Result<usize> {
    Packet::Pli(PictureLossIndication {
        sender_ssrc,
        media_ssrc,
    })
    .marshal_into(out)
}

/// Appends a FIR (RFC 5104 §4.3.1) with one entry per request; the media
/// source field is 0 as §4.3.1.2 requires.
pub fn build_fir(sender_ssrc: u32, requests: &[FirEntry], out: &mut Vec<u8>) -> Result<usize> {
    if requests.is_empty() {
        return Err(Error::InvalidArgument("a fir needs at least one entry"));
    }
    Packet::Fir(FullIntraRequest {
        sender_ssrc,
        media_ssrc: 0,
        fir: requests.iter().copied().map(Into::into).collect(),
    })
    .marshal_into(out)
}

/// The REMB exponent and mantissa of `bitrate_bps`, rounded down (an
/// estimate must not be overstated).
pub fn remb_encode(bitrate_bps: u64) -> (u8, u32) {
    let bits = 64 - bitrate_bps.leading_zeros();
    let exp = bits.saturating_sub(18);
    (exp as u8, (bitrate_bps >> exp) as u32)
}

/// Appends a REMB (draft-alvestrand-rmcat-remb-03 §2.2): `sender_ssrc`
/// estimates `bitrate_bps` (rounded down to 18 significant bits) for the
/// streams `ssrcs` (at most 255).
pub fn build_remb(
    sender_ssrc: u32,
    bitrate_bps: u64,
    ssrcs: &[u32],
    out: &mut Vec<u8>,
) -> Result<usize> {
    let (exp, mantissa) = remb_encode(bitrate_bps);
    // mantissa < 2^18 and exp <= 46, so the f32 is exact and the crate
    // re-derives the same two fields from it.
    let bitrate = mantissa as f32 * 2f32.powi(i32::from(exp));
    Packet::Remb(ReceiverEstimatedMaximumBitrate {
        sender_ssrc,
        bitrate,
        ssrcs: ssrcs.to_vec(),
    })
    .marshal_into(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remb_encoding_rounds_down() {
        assert_eq!(remb_encode(0), (0, 0));
        assert_eq!(remb_encode(0x3_ffff), (0, 0x3_ffff));
        assert_eq!(remb_encode(0x4_0000), (1, 0x2_0000));
        assert_eq!(remb_encode(0x4_0001), (1, 0x2_0000));
        assert_eq!(remb_encode(u64::MAX), (46, 0x3_ffff));
    }

    #[test]
    fn receiver_stats_blocks_build_the_same_bytes() {
        let r = crate::rtp::ReceptionReport {
            ssrc: 7,
            fraction_lost: 3,
            cumulative_lost: -5,
            extended_highest_seq: 0x1_0002,
            jitter: 9,
            lsr: 11,
            dlsr: 13,
        };
        let mut out = Vec::new();
        build_rr(1, &[r.into()], &mut out).unwrap();
        assert_eq!(out[8..], r.to_bytes());
    }

    #[test]
    fn nack_len_counts_packets_and_entries() {
        assert_eq!(nack_len(&[]), 0);
        assert_eq!(nack_len(&[1]), 16);
        assert_eq!(nack_len(&[1, 2, 17, 18]), 20);
        let lost: Vec<u16> = (0..254).map(|i| i * 17).collect();
        assert_eq!(nack_len(&lost), 24 + 254 * 4);
    }
}
