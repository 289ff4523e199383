//! [`StreamRewriter`]: the forwarding primitive of an SBC relay and an SFU
//! (RFC 3550 §5.1, §7; RFC 8285 §4; RFC 7667 §3.7).
//!
//! One rewriter turns whatever arrives for one outgoing stream — one
//! source, or a succession of sources as calls are transferred, re-INVITEs
//! re-anchor media or an SFU switches speakers — into one continuous RTP
//! stream: a single SSRC, sequence numbers that neither jump nor repeat, and
//! timestamps that keep advancing. Each packet is edited in the caller's
//! buffer; nothing allocates and nothing is copied.
//!
//! The rebase rules are on [`StreamRewriter`].
//!
//! Left out: RTCP (sender reports of a rewritten stream must be translated
//! with the same offsets by the RTCP layer), CSRC lists (kept as they are),
//! and extensions whose content depends on the sequence number (transport-
//! wide sequence numbers are rewritten by whoever owns the transport).

use super::packet::{write_id, zero, ExtensionForm, RtpPacketMut};
use super::stats::{MAX_DROPOUT, MAX_MISORDER, RTP_SEQ_MOD};
use crate::error::{Error, Result};

/// Why a packet's offsets were chosen again; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rebase {
    /// The first packet through the rewriter.
    FirstPacket,
    /// A packet with a new SSRC.
    SourceChange,
    /// The first packet after [`StreamRewriter::switch_source`].
    Forced,
    /// A sequence-number jump beyond [`MAX_DROPOUT`] / [`MAX_MISORDER`]
    /// within one SSRC.
    SequenceJump,
}

/// What [`StreamRewriter::rewrite`] did to a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RewriteInfo {
    /// The SSRC the packet arrived with.
    pub source_ssrc: u32,
    /// Its sequence number on arrival.
    pub input_sequence_number: u16,
    /// Its timestamp on arrival.
    pub input_timestamp: u32,
    /// The sequence number it leaves with.
    pub sequence_number: u16,
    /// The timestamp it leaves with.
    pub timestamp: u32,
    /// The payload type it leaves with.
    pub payload_type: u8,
    /// Whether this packet re-based the stream, and why.
    pub rebase: Option<Rebase>,
}

/// What to do with a header-extension element of a given id.
const EXT_KEEP: u16 = 0;
const EXT_STRIP: u16 = 0x100;

/// The current source and its offsets.
#[derive(Debug, Clone, Copy)]
struct Source {
    ssrc: u32,
    highest_seq: u16,
    seq_offset: u16,
    ts_offset: u32,
    /// Output timestamp of the packet with the highest sequence number.
    highest_ts: u32,
    /// When that packet arrived (RTP clock ticks), if the caller said.
    highest_at: Option<u64>,
}

/// Rewrites the packets of one outgoing RTP stream in place: SSRC,
/// continuous sequence numbers and timestamps across source changes,
/// payload-type and header-extension-id maps.
///
/// # Rebase rules
///
/// The rewriter keeps, for the current source, a sequence-number offset and
/// a timestamp offset: out = in + offset, modulo 2^16 and 2^32. Within a
/// source those offsets never change, so reordering, duplication and loss
/// come out exactly as they went in. The offsets are chosen again — a
/// *rebase* — when:
///
/// 1. the first packet arrives ([`Rebase::FirstPacket`]): offsets 0, so the
///    stream keeps the first source's numbers, unless
///    [`set_initial_output`](Self::set_initial_output) chose the
///    first output sequence number and timestamp;
/// 2. the SSRC differs from the current source's ([`Rebase::SourceChange`]);
/// 3. [`switch_source`](Self::switch_source) was called
///    ([`Rebase::Forced`]), e.g. on a re-INVITE that keeps the SSRC;
/// 4. the sequence number is [`MAX_DROPOUT`] or more ahead of the highest
///    one seen from the source, or [`MAX_MISORDER`] or more behind it
///    ([`Rebase::SequenceJump`]: the sender restarted its numbering), the
///    classification of RFC 3550 Appendix A.1.
///
/// On a rebase the packet gets the sequence number after the highest one
/// sent so far, and the timestamp of that highest packet plus an estimated
/// gap: with [`rewrite_at`](Self::rewrite_at), the time elapsed
/// between the two packets' arrivals in RTP clock ticks (at least 1);
/// otherwise, or when the previous packet came without a time, the
/// configured default step (one frame: 160 for 8 kHz audio in 20 ms
/// frames, 960 for 48 kHz Opus). With
/// [`set_marker_on_switch`](Self::set_marker_on_switch) the
/// marker bit is set on every rebased packet, which tells an audio receiver
/// that a talkspurt starts and lets its jitter buffer resynchronize
/// (RFC 3551 §4.1); video uses the marker for the end of a frame, so it is
/// off by default.
///
/// A late packet of the previous source, arriving after a switch, is
/// itself a source change: it is numbered after everything sent, as is the
/// next packet of the new source. The output stays free of duplicate
/// sequence numbers; a caller that would rather drop such packets compares
/// [`RewriteInfo::source_ssrc`] with the SSRC it expects.
///
/// # Example
///
/// ```
/// use mediaplane::rtp::{RtpHeaderBuilder, RtpPacket, StreamRewriter};
///
/// let mut rw = StreamRewriter::new(0x0B0B_0B0B, 160)?;
/// rw.map_payload_type(8, 0)?;
/// let mut buf = [0u8; 172];
/// for (ssrc, seq, ts) in [(1, 100, 8000), (1, 101, 8160), (2, 7, 999)] {
///     RtpHeaderBuilder::new(8, seq, ts, ssrc).write(&mut buf)?;
///     rw.rewrite(&mut buf)?;
/// }
/// let p = RtpPacket::parse(&buf)?;
/// assert_eq!((p.ssrc(), p.sequence_number(), p.timestamp()), (0x0B0B_0B0B, 102, 8320));
/// assert_eq!(p.payload_type(), 0);
/// # Ok::<(), mediaplane::Error>(())
/// ```
#[derive(Clone)]
pub struct StreamRewriter {
    out_ssrc: u32,
    default_ts_step: u32,
    marker_on_switch: bool,
    /// Output payload type per input payload type; identity by default.
    pt_map: [u8; 128],
    /// Per input extension id: `EXT_KEEP`, a new id, or `EXT_STRIP`.
    ext_map: [u16; 256],
    /// Whether any extension id is mapped, so that packets skip the walk
    /// over their elements when none is.
    ext_active: bool,
    /// Whether some id maps above 14, which a one-byte-form packet cannot
    /// carry: such packets are checked before any edit.
    ext_wide: bool,
    initial: Option<(u16, u32)>,
    force_switch: bool,
    source: Option<Source>,
}

impl core::fmt::Debug for StreamRewriter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamRewriter")
            .field("out_ssrc", &self.out_ssrc)
            .field("default_ts_step", &self.default_ts_step)
            .field("marker_on_switch", &self.marker_on_switch)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl StreamRewriter {
    /// A rewriter whose packets leave with `out_ssrc`, and whose timestamps
    /// advance by `default_ts_step` ticks (one frame) across a rebase when
    /// no arrival time is known. `default_ts_step` must not be 0.
    pub fn new(out_ssrc: u32, default_ts_step: u32) -> Result<Self> {
        if default_ts_step == 0 {
            return Err(Error::InvalidArgument("default timestamp step of 0"));
        }
        let mut pt_map = [0u8; 128];
        for (i, pt) in (0u8..).zip(pt_map.iter_mut()) {
            *pt = i;
        }
        Ok(StreamRewriter {
            out_ssrc,
            default_ts_step,
            marker_on_switch: false,
            pt_map,
            ext_map: [EXT_KEEP; 256],
            ext_active: false,
            ext_wide: false,
            initial: None,
            force_switch: false,
            source: None,
        })
    }

    /// The SSRC packets leave with.
    pub fn output_ssrc(&self) -> u32 {
        self.out_ssrc
    }

    /// The SSRC of the current source, once a packet went through.
    pub fn source_ssrc(&self) -> Option<u32> {
        self.source.map(|s| s.ssrc)
    }

    /// Sets the marker bit on every rebased packet (off by default); see
    /// the module docs.
    pub fn set_marker_on_switch(&mut self, on: bool) {
        self.marker_on_switch = on;
    }

    /// Chooses the sequence number and timestamp of the first packet out
    /// (RFC 3550 §5.1 recommends random ones; the host draws them). Only
    /// the first packet uses them; later calls have no effect.
    pub fn set_initial_output(&mut self, sequence_number: u16, timestamp: u32) {
        self.initial = Some((sequence_number, timestamp));
    }

    /// Rewrites payload type `from` to `to` (both 0..=127). Unmapped types
    /// pass unchanged.
    pub fn map_payload_type(&mut self, from: u8, to: u8) -> Result<()> {
        if to > 0x7F {
            return Err(Error::InvalidArgument("payload type above 127"));
        }
        let slot = self
            .pt_map
            .get_mut(usize::from(from))
            .ok_or(Error::InvalidArgument("payload type above 127"))?;
        *slot = to;
        Ok(())
    }

    /// Rewrites header-extension id `from` to `to` (both 1..=255). A
    /// packet in the one-byte form whose element would need an id above 14
    /// is refused with `Error::Unsupported`, unchanged.
    pub fn map_extension(&mut self, from: u8, to: u8) -> Result<()> {
        if from == 0 || to == 0 {
            return Err(Error::InvalidArgument("extension id 0 is padding"));
        }
        self.set_ext(from, if from == to { EXT_KEEP } else { u16::from(to) });
        Ok(())
    }

    /// Removes header-extension elements with `id` (1..=255) by turning
    /// them into padding; the packet keeps its length.
    pub fn strip_extension(&mut self, id: u8) -> Result<()> {
        if id == 0 {
            return Err(Error::InvalidArgument("extension id 0 is padding"));
        }
        self.set_ext(id, EXT_STRIP);
        Ok(())
    }

    fn set_ext(&mut self, from: u8, action: u16) {
        if let Some(slot) = self.ext_map.get_mut(usize::from(from)) {
            *slot = action;
        }
        self.ext_active = self.ext_map.iter().any(|&a| a != EXT_KEEP);
        self.ext_wide = self
            .ext_map
            .iter()
            .any(|&a| a != EXT_KEEP && a != EXT_STRIP && a > 14);
    }

    /// Makes the next packet rebase, whatever its SSRC and sequence number.
    pub fn switch_source(&mut self) {
        self.force_switch = true;
    }

    /// Rewrites one RTP packet in place, with no arrival time: a rebase
    /// advances the timestamp by the default step.
    ///
    /// Fails, leaving the packet and the rewriter unchanged, on a packet
    /// that does not parse, on one whose second byte is an RTCP packet
    /// type (RFC 5761 §4: demultiplex before rewriting), and on an
    /// extension id map that the packet's form cannot carry.
    #[inline]
    pub fn rewrite(&mut self, packet: &mut [u8]) -> Result<RewriteInfo> {
        self.rewrite_inner(packet, None)
    }

    /// [`rewrite`](Self::rewrite) with the packet's arrival time in RTP
    /// clock ticks (any origin, the same for every call), from which a
    /// rebase estimates the timestamp gap.
    #[inline]
    pub fn rewrite_at(&mut self, packet: &mut [u8], now: u64) -> Result<RewriteInfo> {
        self.rewrite_inner(packet, Some(now))
    }

    fn rewrite_inner(&mut self, packet: &mut [u8], now: Option<u64>) -> Result<RewriteInfo> {
        let mut p = RtpPacketMut::parse(packet)?;
        // The fixed header is read once into registers and written back
        // once: a relay's whole per-packet edit is these 12 bytes.
        let [b0, b1, s0, s1, t0, t1, t2, t3, c0, c1, c2, c3] = p.fixed_header();
        let in_pt = b1 & 0x7F;
        if (64..=95).contains(&in_pt) {
            return Err(Error::invalid(
                "rtcp packet type where rtp was expected (rfc 5761 section 4)",
                Some(1),
            ));
        }
        if self.ext_active && p.has_extension() {
            self.map_extensions(&mut p)?;
        }
        let seq = u16::from_be_bytes([s0, s1]);
        let ts = u32::from_be_bytes([t0, t1, t2, t3]);
        let ssrc = u32::from_be_bytes([c0, c1, c2, c3]);

        let mut rebase = None;
        let (seq_offset, ts_offset) = match &mut self.source {
            Some(s) if !self.force_switch && s.ssrc == ssrc => {
                // the classification of RFC 3550 A.1 `update_seq`
                let ahead = u32::from(seq.wrapping_sub(s.highest_seq));
                if ahead == 0 || ahead > RTP_SEQ_MOD - MAX_MISORDER {
                    // duplicate or reordered: offsets as they are
                } else if ahead < MAX_DROPOUT {
                    s.highest_seq = seq;
                    s.highest_ts = ts.wrapping_add(s.ts_offset);
                    s.highest_at = now;
                } else {
                    rebase = Some(Rebase::SequenceJump);
                }
                (s.seq_offset, s.ts_offset)
            }
            Some(_) if self.force_switch => {
                rebase = Some(Rebase::Forced);
                (0, 0)
            }
            Some(_) => {
                rebase = Some(Rebase::SourceChange);
                (0, 0)
            }
            None => {
                rebase = Some(Rebase::FirstPacket);
                (0, 0)
            }
        };
        let mut marker = b1 & 0x80;
        let (seq_offset, ts_offset) = match rebase {
            None => (seq_offset, ts_offset),
            Some(_) => {
                if self.marker_on_switch {
                    marker = 0x80;
                }
                self.rebase(ssrc, seq, ts, now)
            }
        };
        let out_seq = seq.wrapping_add(seq_offset);
        let out_ts = ts.wrapping_add(ts_offset);
        // the table maps 7 bits to 7 bits
        let pt = self
            .pt_map
            .get(usize::from(in_pt))
            .copied()
            .unwrap_or(in_pt);
        let [s0, s1] = out_seq.to_be_bytes();
        let [t0, t1, t2, t3] = out_ts.to_be_bytes();
        let [c0, c1, c2, c3] = self.out_ssrc.to_be_bytes();
        p.set_fixed_header([b0, marker | pt, s0, s1, t0, t1, t2, t3, c0, c1, c2, c3]);
        Ok(RewriteInfo {
            source_ssrc: ssrc,
            input_sequence_number: seq,
            input_timestamp: ts,
            sequence_number: out_seq,
            timestamp: out_ts,
            payload_type: pt,
            rebase,
        })
    }

    /// Chooses offsets so that (`seq`, `ts`) continues the output stream,
    /// and returns them.
    fn rebase(&mut self, ssrc: u32, seq: u16, ts: u32, now: Option<u64>) -> (u16, u32) {
        let (out_seq, out_ts) = match self.source {
            None => self.initial.unwrap_or((seq, ts)),
            Some(prev) => {
                let gap = match (now, prev.highest_at) {
                    // RTP timestamps are modulo 2^32: the gap is too
                    (Some(n), Some(t)) => (n.saturating_sub(t) as u32).max(1),
                    _ => self.default_ts_step,
                };
                (
                    prev.highest_seq
                        .wrapping_add(prev.seq_offset)
                        .wrapping_add(1),
                    prev.highest_ts.wrapping_add(gap),
                )
            }
        };
        let offsets = (out_seq.wrapping_sub(seq), out_ts.wrapping_sub(ts));
        self.source = Some(Source {
            ssrc,
            highest_seq: seq,
            seq_offset: offsets.0,
            ts_offset: offsets.1,
            highest_ts: out_ts,
            highest_at: now,
        });
        self.force_switch = false;
        offsets
    }

    fn map_extensions(&self, p: &mut RtpPacketMut<'_>) -> Result<()> {
        let map = &self.ext_map;
        let action = |id: u8| map.get(usize::from(id)).copied().unwrap_or(EXT_KEEP);
        if self.ext_wide && p.extension_form() == Some(ExtensionForm::OneByte) {
            let mut bad = false;
            p.for_each_element(|_, e, _| {
                let a = action(e.id);
                bad |= a != EXT_STRIP && a > 14;
            });
            if bad {
                return Err(Error::Unsupported(
                    "extension id above 14 in a one-byte-header packet",
                ));
            }
        }
        p.for_each_element(|data, e, form| match action(e.id) {
            EXT_KEEP => {}
            EXT_STRIP => zero(data, e),
            // 1..=255 by construction
            to => write_id(data, e, form, to as u8),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::packet::{RtpHeaderBuilder, RtpPacket, ONE_BYTE_PROFILE};

    fn pkt(ssrc: u32, seq: u16, ts: u32) -> Vec<u8> {
        let mut b = vec![0u8; 20];
        RtpHeaderBuilder::new(0, seq, ts, ssrc)
            .write(&mut b)
            .unwrap();
        b
    }

    fn run(rw: &mut StreamRewriter, ssrc: u32, seq: u16, ts: u32) -> (u16, u32, Option<Rebase>) {
        let mut b = pkt(ssrc, seq, ts);
        let i = rw.rewrite(&mut b).unwrap();
        let p = RtpPacket::parse(&b).unwrap();
        assert_eq!(p.ssrc(), rw.output_ssrc());
        assert_eq!(
            (p.sequence_number(), p.timestamp()),
            (i.sequence_number, i.timestamp)
        );
        (i.sequence_number, i.timestamp, i.rebase)
    }

    #[test]
    fn keeps_offsets_within_a_source() {
        let mut rw = StreamRewriter::new(9, 160).unwrap();
        assert_eq!(
            run(&mut rw, 1, 10, 100),
            (10, 100, Some(Rebase::FirstPacket))
        );
        assert_eq!(run(&mut rw, 1, 12, 420), (12, 420, None));
        assert_eq!(run(&mut rw, 1, 11, 260), (11, 260, None));
        assert_eq!(run(&mut rw, 1, 12, 420), (12, 420, None));
    }

    #[test]
    fn source_change_continues() {
        let mut rw = StreamRewriter::new(9, 160).unwrap();
        rw.set_initial_output(65534, 0);
        assert_eq!(
            run(&mut rw, 1, 10, 100),
            (65534, 0, Some(Rebase::FirstPacket))
        );
        assert_eq!(run(&mut rw, 1, 11, 260), (65535, 160, None));
        assert_eq!(
            run(&mut rw, 2, 500, 7),
            (0, 320, Some(Rebase::SourceChange))
        );
        assert_eq!(run(&mut rw, 2, 501, 167), (1, 480, None));
        rw.switch_source();
        assert_eq!(run(&mut rw, 2, 502, 327), (2, 640, Some(Rebase::Forced)));
        assert_eq!(
            run(&mut rw, 2, 9000, 0),
            (3, 800, Some(Rebase::SequenceJump))
        );
    }

    #[test]
    fn gap_from_arrival_time() {
        let mut rw = StreamRewriter::new(9, 160).unwrap();
        let mut b = pkt(1, 1, 1000);
        rw.rewrite_at(&mut b, 50_000).unwrap();
        let mut b = pkt(2, 1, 0);
        let i = rw.rewrite_at(&mut b, 58_000).unwrap();
        assert_eq!((i.sequence_number, i.timestamp), (2, 9000));
        let mut b = pkt(3, 1, 0);
        let i = rw.rewrite_at(&mut b, 58_000).unwrap();
        assert_eq!(i.timestamp, 9001);
    }

    #[test]
    fn maps_and_refusals() {
        let mut rw = StreamRewriter::new(9, 160).unwrap();
        rw.set_marker_on_switch(true);
        assert!(rw.map_payload_type(128, 0).is_err());
        assert!(rw.map_payload_type(0, 128).is_err());
        assert!(rw.map_extension(0, 1).is_err());
        assert!(rw.strip_extension(0).is_err());
        assert!(StreamRewriter::new(1, 0).is_err());
        rw.map_payload_type(0, 8).unwrap();
        rw.map_extension(1, 3).unwrap();
        rw.strip_extension(2).unwrap();
        let ext = [0x10, 0xAA, 0x20, 0xBB];
        let mut b = vec![0u8; 20];
        RtpHeaderBuilder::new(0, 1, 2, 3)
            .extension(ONE_BYTE_PROFILE, &ext)
            .write(&mut b)
            .unwrap();
        rw.rewrite(&mut b).unwrap();
        let p = RtpPacket::parse(&b).unwrap();
        assert!(p.marker());
        assert_eq!(p.payload_type(), 8);
        assert_eq!(p.extensions().collect::<Vec<_>>(), vec![(3, &[0xAA][..])]);

        rw.map_extension(3, 20).unwrap();
        let before = b.clone();
        assert_eq!(
            rw.rewrite(&mut b).unwrap_err().kind(),
            crate::ErrorKind::Unsupported
        );
        assert_eq!(b, before);
        b[1] = 200;
        assert_eq!(
            rw.rewrite(&mut b).unwrap_err().kind(),
            crate::ErrorKind::Invalid
        );
    }
}
