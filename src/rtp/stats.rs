//! Receiver statistics of one RTP source and the reception report block
//! built from them (RFC 3550 §6.4.1, Appendices A.1, A.3 and A.8).
//!
//! [`ReceiverStats`] follows the algorithms of the RFC's appendices line
//! for line: A.1 source validation (a new source is on probation until
//! [`MIN_SEQUENTIAL`] packets arrive in sequence; a jump beyond
//! [`MAX_DROPOUT`] / [`MAX_MISORDER`] is believed only when the next packet
//! follows it, and then restarts the counts), A.3 expected and lost packets
//! with the per-interval fraction lost, and A.8 interarrival jitter in the
//! integer form. Duplicates are counted as received, as in the RFC, so the
//! cumulative loss can go negative. Arrival times come in from the host,
//! either in RTP clock ticks or as a [`Duration`] since any fixed origin,
//! converted with the stream's clock rate.
//!
//! Left out: keeping a table of sources (one `ReceiverStats` per SSRC is the
//! host's map), parsing and serializing whole RTCP packets (the RTCP room),
//! and sender-side statistics.

use core::time::Duration;

use crate::error::{Error, Result};

/// Packets in sequence needed before a source is valid (RFC 3550 A.1).
pub const MIN_SEQUENTIAL: u32 = 2;

/// Largest forward sequence jump taken as loss (RFC 3550 A.1).
pub const MAX_DROPOUT: u32 = 3000;

/// Largest backward sequence jump taken as reordering (RFC 3550 A.1).
pub const MAX_MISORDER: u32 = 100;

/// The sequence-number modulus (RFC 3550 A.1).
pub const RTP_SEQ_MOD: u32 = 1 << 16;

/// The most and least cumulative loss a report block can carry (24-bit
/// signed).
const LOST_MAX: i64 = 0x7F_FFFF;
const LOST_MIN: i64 = -0x80_0000;

/// How [`ReceiverStats`] took a packet (the result of the RFC's
/// `update_seq`, with its two kinds of "valid" told apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeqStatus {
    /// Counted: in sequence, after a loss, reordered or duplicated.
    Valid,
    /// Counted, and the counts restarted from it: it followed a sequence
    /// jump, which is now believed (the sender restarted).
    Restarted,
    /// Not counted: the source is still on probation.
    Probation,
    /// Not counted: a jump beyond the thresholds, believed only if the next
    /// packet follows it.
    Jump,
}

/// One reception report block (RFC 3550 §6.4.1), as filled in from
/// [`ReceiverStats::report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReceptionReport {
    /// The source reported on.
    pub ssrc: u32,
    /// Fraction of packets lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Packets lost since the start (expected minus received), within the
    /// 24-bit signed range; negative with duplicates.
    pub cumulative_lost: i32,
    /// Cycles (high 16 bits) and highest sequence number received.
    pub extended_highest_seq: u32,
    /// Interarrival jitter in RTP clock ticks.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last sender report, or 0.
    pub lsr: u32,
    /// Delay since that sender report in 1/65536 s, or 0.
    pub dlsr: u32,
}

impl ReceptionReport {
    /// Length of a report block on the wire.
    pub const LEN: usize = 24;

    /// The block in network byte order.
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        // 24-bit two's complement: the low three bytes of the i32
        let [_, l0, l1, l2] = self.cumulative_lost.to_be_bytes();
        let words = [
            self.ssrc,
            u32::from_be_bytes([self.fraction_lost, l0, l1, l2]),
            self.extended_highest_seq,
            self.jitter,
            self.lsr,
            self.dlsr,
        ];
        for (chunk, w) in b.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&w.to_be_bytes());
        }
        b
    }

    /// Writes the block at the start of `buf`; returns [`Self::LEN`].
    pub fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let out = buf
            .get_mut(..Self::LEN)
            .ok_or(Error::BufferTooSmall { needed: Self::LEN })?;
        out.copy_from_slice(&self.to_bytes());
        Ok(Self::LEN)
    }

    /// Reads a block from the start of `buf`.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let Some(b) = buf.first_chunk::<{ Self::LEN }>() else {
            return Err(Error::parse(
                "reception report",
                "shorter than 24 bytes",
                buf.len(),
            ));
        };
        let mut w = [0u32; 6];
        for (word, chunk) in w.iter_mut().zip(b.chunks_exact(4)) {
            let mut a = [0u8; 4];
            a.copy_from_slice(chunk);
            *word = u32::from_be_bytes(a);
        }
        let [ssrc, lost, ext, jitter, lsr, dlsr] = w;
        let [fraction_lost, ..] = lost.to_be_bytes();
        // sign-extend the low 24 bits
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        Ok(ReceptionReport {
            ssrc,
            fraction_lost,
            cumulative_lost,
            extended_highest_seq: ext,
            jitter,
            lsr,
            dlsr,
        })
    }
}

/// `now` in ticks of a clock of `rate` Hz, modulo 2^32 (RTP timestamp
/// arithmetic).
fn ticks(now: Duration, rate: u32) -> u32 {
    let rate = u64::from(rate);
    let whole = now.as_secs().wrapping_mul(rate);
    // below 10^9 * 2^32 < 2^63
    let frac = u64::from(now.subsec_nanos()) * rate / 1_000_000_000;
    whole.wrapping_add(frac) as u32
}

/// `d` in units of 1/65536 s, saturating at `u32::MAX` (RFC 3550 DLSR).
fn units_65536(d: Duration) -> u32 {
    let whole = d.as_secs().saturating_mul(65536);
    let frac = u64::from(d.subsec_nanos()) * 65536 / 1_000_000_000;
    u32::try_from(whole.saturating_add(frac)).unwrap_or(u32::MAX)
}

/// Reception statistics of one source (one SSRC), per RFC 3550 A.1, A.3
/// and A.8.
///
/// A new source is on probation until [`MIN_SEQUENTIAL`] packets arrive in
/// sequence, and only then counted, from the packet that ended probation
/// (A.1). A jump of [`MAX_DROPOUT`] or more ahead, or [`MAX_MISORDER`] or
/// more behind, is believed only when the next packet follows it, and then
/// restarts the counts. Duplicates are counted as received, as in the RFC,
/// so the cumulative loss can go negative. The jitter is the integer form
/// of A.8, over every counted packet in arrival order.
///
/// ```
/// use core::time::Duration;
/// use mediaplane::rtp::ReceiverStats;
///
/// let mut s = ReceiverStats::new(0x1234, 8000);
/// for seq in [10u16, 11, 12, 14, 15] {
///     let t = Duration::from_millis(20 * u64::from(seq));
///     s.on_packet_at(seq, 160 * u32::from(seq), t);
/// }
/// let rr = s.report(Duration::from_millis(400)).unwrap();
/// // counting starts at 11, the packet that ends probation (A.1)
/// assert_eq!(rr.extended_highest_seq, 15);
/// assert_eq!(rr.cumulative_lost, 1);
/// assert_eq!(rr.jitter, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverStats {
    ssrc: u32,
    clock_rate: u32,
    started: bool,
    // RFC 3550 A.1 `source`
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    // RFC 3550 A.8
    transit: Option<u32>,
    /// The jitter estimate times 16 (the RFC's integer form); 64 bits so a
    /// hostile stream cannot overflow it.
    jitter_q4: u64,
    last_sr: Option<(u32, Duration)>,
}

impl ReceiverStats {
    /// Statistics for source `ssrc`, whose RTP clock runs at `clock_rate`
    /// Hz (used to convert [`Duration`] arrival times; 0 makes them all
    /// 0, so only [`on_packet`](Self::on_packet) is then meaningful).
    pub const fn new(ssrc: u32, clock_rate: u32) -> Self {
        ReceiverStats {
            ssrc,
            clock_rate,
            started: false,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: RTP_SEQ_MOD + 1,
            probation: 0,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter_q4: 0,
            last_sr: None,
        }
    }

    /// The source's SSRC.
    pub const fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The clock rate given to [`new`](Self::new).
    pub const fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// Whether the source has passed probation.
    pub const fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }

    /// Packets counted as received (duplicates included).
    pub const fn received(&self) -> u32 {
        self.received
    }

    /// Cycles (high 16 bits) and the highest sequence number.
    pub const fn extended_highest_seq(&self) -> u32 {
        self.cycles.wrapping_add(self.max_seq as u32)
    }

    /// Packets expected from the base sequence number up to the highest
    /// (A.3); 0 while on probation.
    pub const fn expected(&self) -> u32 {
        if !self.is_valid() {
            return 0;
        }
        self.extended_highest_seq()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// Expected minus received (A.3), unclamped; 0 while on probation.
    pub const fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// The interarrival jitter in RTP clock ticks (A.8).
    pub fn jitter(&self) -> u32 {
        u32::try_from(self.jitter_q4 >> 4).unwrap_or(u32::MAX)
    }

    /// RFC 3550 A.1 `init_seq`.
    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// RFC 3550 A.1 `update_seq`, with the source set up on its first
    /// packet as the RFC describes.
    fn update_seq(&mut self, seq: u16) -> SeqStatus {
        if !self.started {
            self.started = true;
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
        }
        let udelta = u32::from(seq.wrapping_sub(self.max_seq));
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return SeqStatus::Valid;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SeqStatus::Probation;
        }
        if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                // wrapped: count another 64K cycle
                self.cycles = self.cycles.wrapping_add(RTP_SEQ_MOD);
            }
            self.max_seq = seq;
        } else if udelta <= RTP_SEQ_MOD - MAX_MISORDER {
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets: the sender restarted without
                // telling us, so start the counts again from here.
                self.init_seq(seq);
                self.received = self.received.wrapping_add(1);
                return SeqStatus::Restarted;
            }
            self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
            return SeqStatus::Jump;
        }
        // else duplicate or reordered: counted, max_seq unchanged
        self.received = self.received.wrapping_add(1);
        SeqStatus::Valid
    }

    /// Takes one packet with sequence number `seq` and RTP timestamp `ts`
    /// that arrived at `arrival`, in RTP clock ticks of this source's rate
    /// (any origin, modulo 2^32).
    pub fn on_packet(&mut self, seq: u16, ts: u32, arrival: u32) -> SeqStatus {
        let st = self.update_seq(seq);
        match st {
            SeqStatus::Valid => self.update_jitter(ts, arrival),
            SeqStatus::Restarted => {
                // a restarted sender has a new timestamp base: the transit
                // time starts again instead of spiking the jitter
                self.transit = None;
                self.update_jitter(ts, arrival);
            }
            SeqStatus::Probation | SeqStatus::Jump => {}
        }
        st
    }

    /// [`on_packet`](Self::on_packet) with the arrival time as a duration
    /// since any fixed origin, converted with the clock rate.
    pub fn on_packet_at(&mut self, seq: u16, ts: u32, now: Duration) -> SeqStatus {
        let arrival = ticks(now, self.clock_rate);
        self.on_packet(seq, ts, arrival)
    }

    /// RFC 3550 A.8, integer form (`jitter` holds J * 16).
    fn update_jitter(&mut self, ts: u32, arrival: u32) {
        let transit = arrival.wrapping_sub(ts);
        if let Some(prev) = self.transit {
            let d = u64::from((transit.wrapping_sub(prev) as i32).unsigned_abs());
            // J + d >= (J + 8) >> 4 for every J, so this cannot underflow
            self.jitter_q4 = self.jitter_q4 + d - ((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// Records a sender report from this source: the middle 32 bits of its
    /// NTP timestamp and when it arrived (same origin as the `now` given
    /// to [`report`](Self::report)).
    pub fn on_sender_report(&mut self, ntp_middle32: u32, arrival: Duration) {
        self.last_sr = Some((ntp_middle32, arrival));
    }

    /// The reception report block for this source at `now`, closing the
    /// interval for the fraction lost (A.3: the expected and received
    /// counts are remembered for the next report). `None` while the source
    /// is on probation: RFC 3550 reports only on valid sources.
    pub fn report(&mut self, now: Duration) -> Option<ReceptionReport> {
        if !self.is_valid() {
            return None;
        }
        let expected = self.expected();
        let lost = self.cumulative_lost().clamp(LOST_MIN, LOST_MAX);
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            // lost_interval <= expected_interval, so this is at most 256;
            // 256 happens only if nothing was received, which a valid
            // source cannot do in an interval that expected packets
            u8::try_from((lost_interval << 8) / i64::from(expected_interval)).unwrap_or(u8::MAX)
        };
        let (lsr, dlsr) = match self.last_sr {
            Some((lsr, at)) => (lsr, units_65536(now.saturating_sub(at))),
            None => (0, 0),
        };
        Some(ReceptionReport {
            ssrc: self.ssrc,
            fraction_lost,
            // clamped to 24 bits above
            cumulative_lost: lost as i32,
            extended_highest_seq: self.extended_highest_seq(),
            jitter: self.jitter(),
            lsr,
            dlsr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(s: &mut ReceiverStats, seqs: &[u16]) -> Vec<SeqStatus> {
        seqs.iter().map(|&q| s.on_packet(q, 0, 0)).collect()
    }

    #[test]
    fn probation_then_valid() {
        use SeqStatus::*;
        let mut s = ReceiverStats::new(1, 8000);
        assert_eq!(s.report(Duration::ZERO), None);
        assert_eq!(
            feed(&mut s, &[100, 101, 102]),
            vec![Probation, Valid, Valid]
        );
        assert!(s.is_valid());
        // base is 101 (A.1 init_seq on the packet that ends probation)
        assert_eq!((s.expected(), s.received()), (2, 2));
    }

    #[test]
    fn probation_restarts_on_a_gap() {
        use SeqStatus::*;
        let mut s = ReceiverStats::new(1, 8000);
        assert_eq!(
            feed(&mut s, &[100, 105, 106, 107]),
            vec![Probation, Probation, Valid, Valid]
        );
        assert_eq!((s.expected(), s.received()), (2, 2));
    }

    #[test]
    fn jump_believed_on_second_packet() {
        use SeqStatus::*;
        let mut s = ReceiverStats::new(1, 8000);
        feed(&mut s, &[1, 2, 3]);
        // a stray packet far ahead is ignored
        assert_eq!(feed(&mut s, &[20000, 4]), vec![Jump, Valid]);
        assert_eq!((s.expected(), s.received()), (3, 3));
        assert_eq!(
            feed(&mut s, &[30000, 30001, 30002]),
            vec![Jump, Restarted, Valid]
        );
        assert_eq!((s.expected(), s.received()), (2, 2));
        assert_eq!(s.extended_highest_seq(), 30002);
    }

    #[test]
    fn report_block_round_trip() {
        let r = ReceptionReport {
            ssrc: 0x01020304,
            fraction_lost: 0x80,
            cumulative_lost: -2,
            extended_highest_seq: 0x0001_0005,
            jitter: 17,
            lsr: 0xAABBCCDD,
            dlsr: 65536,
        };
        let b = r.to_bytes();
        assert_eq!(&b[4..8], &[0x80, 0xFF, 0xFF, 0xFE]);
        assert_eq!(ReceptionReport::parse(&b).unwrap(), r);
        let mut small = [0u8; 23];
        assert!(r.write(&mut small).is_err());
        assert!(ReceptionReport::parse(&small).is_err());
    }

    #[test]
    fn tick_conversion() {
        assert_eq!(ticks(Duration::from_millis(20), 8000), 160);
        assert_eq!(ticks(Duration::from_micros(1_500_000), 90000), 135_000);
        assert_eq!(units_65536(Duration::from_millis(500)), 32768);
        assert_eq!(units_65536(Duration::from_secs(1 << 20)), u32::MAX);
    }
}
