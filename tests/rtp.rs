//! The RTP room from the outside: RFC 8285 examples, stream continuity of
//! the rewriter across sources, reordering and wrap, RFC 3550 statistics on
//! hand-computed and simulated streams, and the RFC 7983 demux table.

use core::time::Duration;

use mediaplane::rtp::{
    classify, ExtensionForm, PacketKind, Rebase, ReceiverStats, ReceptionReport, RtpHeaderBuilder,
    RtpPacket, RtpPacketMut, SeqStatus, SeqUnwrapper, StreamRewriter, TimestampUnwrapper,
    ONE_BYTE_PROFILE,
};
use mediaplane::ErrorKind;

/// xorshift64*: a deterministic PRNG, so every run sees the same stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn packet(pt: u8, seq: u16, ts: u32, ssrc: u32, payload: usize) -> Vec<u8> {
    let b = RtpHeaderBuilder::new(pt, seq, ts, ssrc);
    let mut buf = vec![0xA5; b.len() + payload];
    b.write(&mut buf).unwrap();
    buf
}

// ---------------------------------------------------------------- RFC 8285

/// The one-byte-header example of RFC 8285 §4.2: an element with L=0 (one
/// data byte), one with L=1 (two), two padding bytes, one with L=3 (four).
#[test]
fn rfc8285_one_byte_example() {
    #[rustfmt::skip]
    let ext = [
        0x10, 0xD1,             // id 1, L=0, data
        0x21, 0xD2, 0xD3,       // id 2, L=1, data
        0x00, 0x00,             // padding
        0x33, 0xE1, 0xE2, 0xE3, 0xE4, // id 3, L=3, data
    ];
    let b = RtpHeaderBuilder::new(96, 1, 2, 3).extension(ONE_BYTE_PROFILE, &ext);
    let mut buf = vec![0; b.len() + 3];
    b.write(&mut buf).unwrap();
    assert_eq!(&buf[12..16], &[0xBE, 0xDE, 0x00, 0x03]);
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.extension_profile(), Some(0xBEDE));
    assert_eq!(p.extension_form(), Some(ExtensionForm::OneByte));
    assert_eq!(p.extension_data(), Some(&ext[..]));
    let got: Vec<_> = p.extensions().collect();
    assert_eq!(
        got,
        vec![
            (1, &[0xD1][..]),
            (2, &[0xD2, 0xD3][..]),
            (3, &[0xE1, 0xE2, 0xE3, 0xE4][..])
        ]
    );
    assert_eq!(p.header_len(), 28);
    assert_eq!(p.payload().len(), 3);
}

/// The two-byte-header example of RFC 8285 §4.3: an element with L=0 (no
/// data), one with L=1, a padding byte, one with L=4.
#[test]
fn rfc8285_two_byte_example() {
    #[rustfmt::skip]
    let ext = [
        0x01, 0x00,             // id 1, L=0
        0x02, 0x01, 0xD1,       // id 2, L=1, data
        0x00,                   // padding
        0x03, 0x04, 0xE1, 0xE2, 0xE3, 0xE4, // id 3, L=4, data
    ];
    for appbits in [0x1000u16, 0x100F] {
        let b = RtpHeaderBuilder::new(96, 1, 2, 3).extension(appbits, &ext);
        let mut buf = vec![0; b.len()];
        b.write(&mut buf).unwrap();
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.extension_form(), Some(ExtensionForm::TwoByte));
        let got: Vec<_> = p.extensions().collect();
        assert_eq!(
            got,
            vec![
                (1, &[][..]),
                (2, &[0xD1][..]),
                (3, &[0xE1, 0xE2, 0xE3, 0xE4][..])
            ]
        );
        assert_eq!(p.extension(2), Some(&[0xD1][..]));
        assert!(p.payload().is_empty());
    }
}

/// RFC 8285 §4.2: id 15 ends processing; the elements before it count.
#[test]
fn rfc8285_id_15_stops() {
    let ext = [0x10, 0xAA, 0xF2, 0x20, 0xBB, 0x00, 0x00, 0x00];
    let b = RtpHeaderBuilder::new(0, 0, 0, 0).extension(ONE_BYTE_PROFILE, &ext);
    let mut buf = vec![0; b.len()];
    b.write(&mut buf).unwrap();
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.extensions().collect::<Vec<_>>(), vec![(1, &[0xAA][..])]);
    assert_eq!(p.extension(2), None);
}

/// Edits keep the length: a stripped element becomes padding that the next
/// parse skips, and the neighbours are untouched.
#[test]
fn strip_and_remap_in_place() {
    let ext = [0x10, 0xD1, 0x21, 0xD2, 0xD3, 0x30, 0xE1, 0x00];
    let b = RtpHeaderBuilder::new(96, 7, 8, 9).extension(ONE_BYTE_PROFILE, &ext);
    let mut buf = vec![0x77; b.len() + 10];
    b.write(&mut buf).unwrap();
    let len = buf.len();
    let mut p = RtpPacketMut::parse(&mut buf).unwrap();
    assert_eq!(p.strip_extension(2), 1);
    assert_eq!(p.strip_extension(2), 0);
    p.set_extension_id(3, 12).unwrap();
    p.extension_mut(1).unwrap()[0] = 0x42;
    assert_eq!(
        p.set_extension_id(1, 15).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(buf.len(), len);
    let q = RtpPacket::parse(&buf).unwrap();
    assert_eq!(
        q.extensions().collect::<Vec<_>>(),
        vec![(1, &[0x42][..]), (12, &[0xE1][..])]
    );
    assert_eq!(q.payload(), &[0x77; 10]);
}

// ---------------------------------------------------------------- rewriter

/// One incoming packet of the simulation.
struct In {
    ssrc: u32,
    seq: u16,
    ts: u32,
}

fn source(ssrc: u32, seq0: u16, ts0: u32, step: u32, n: usize) -> impl Iterator<Item = In> {
    (0..n).map(move |i| In {
        ssrc,
        seq: seq0.wrapping_add(i as u16),
        ts: ts0.wrapping_add(step.wrapping_mul(i as u32)),
    })
}

/// Three sources, one after the other and then the first again, each with
/// its own numbering (one wraps both its sequence number and timestamp):
/// the output is one SSRC with sequence numbers +1 and timestamps +160
/// throughout, and rebases exactly where the source changes.
#[test]
fn continuity_across_three_sources() {
    let mut rw = StreamRewriter::new(0x5EED_0001, 160).unwrap();
    rw.set_initial_output(65500, u32::MAX - 1000);
    let stream: Vec<In> = source(0xA, 100, 1000, 160, 30)
        .chain(source(0xB, 65_480, u32::MAX - 5000, 160, 100))
        .chain(source(0xC, 5, 0, 160, 30))
        .chain(source(0xA, 400, 900_000, 160, 20))
        .collect();
    let mut prev: Option<(u16, u32)> = None;
    let mut rebases = Vec::new();
    for (i, pk) in stream.iter().enumerate() {
        let mut buf = packet(8, pk.seq, pk.ts, pk.ssrc, 160);
        let info = rw.rewrite(&mut buf).unwrap();
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.ssrc(), 0x5EED_0001);
        assert_eq!(p.sequence_number(), info.sequence_number);
        assert_eq!(p.timestamp(), info.timestamp);
        assert_eq!(info.source_ssrc, pk.ssrc);
        assert_eq!(p.payload(), &[0xA5; 160][..]);
        if let Some((s, t)) = prev {
            assert_eq!(p.sequence_number(), s.wrapping_add(1), "packet {i}");
            assert_eq!(p.timestamp(), t.wrapping_add(160), "packet {i}");
        }
        prev = Some((p.sequence_number(), p.timestamp()));
        if let Some(r) = info.rebase {
            rebases.push((i, r));
        }
    }
    assert_eq!(
        rebases,
        vec![
            (0, Rebase::FirstPacket),
            (30, Rebase::SourceChange),
            (130, Rebase::SourceChange),
            (160, Rebase::SourceChange),
        ]
    );
    // 180 packets from 65500: the output wrapped too
    assert_eq!(prev.unwrap().0, 65500u16.wrapping_add(179));
}

/// With arrival times, the timestamp gap across a switch is the time that
/// passed; the marker bit flags the switch when asked to.
#[test]
fn switch_gap_from_arrival_times() {
    let mut rw = StreamRewriter::new(1, 160).unwrap();
    rw.set_marker_on_switch(true);
    // source A: 10 packets every 20 ms (160 ticks at 8 kHz)
    let mut last = None;
    for (k, pk) in source(0xA, 1, 0, 160, 10).enumerate() {
        let mut buf = packet(0, pk.seq, pk.ts, pk.ssrc, 20);
        let i = rw.rewrite_at(&mut buf, 160 * k as u64).unwrap();
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.marker(), k == 0);
        last = Some(i);
    }
    let last = last.unwrap();
    // 1.5 s of silence, then source B
    let mut buf = packet(0, 777, 123_456, 0xB, 20);
    let i = rw.rewrite_at(&mut buf, 160 * 9 + 12_000).unwrap();
    assert_eq!(i.rebase, Some(Rebase::SourceChange));
    assert_eq!(i.sequence_number, last.sequence_number + 1);
    assert_eq!(i.timestamp, last.timestamp + 12_000);
    assert!(RtpPacket::parse(&buf).unwrap().marker());
    // the next one is not marked
    let mut buf = packet(0, 778, 123_616, 0xB, 20);
    rw.rewrite_at(&mut buf, 160 * 10 + 12_000).unwrap();
    assert!(!RtpPacket::parse(&buf).unwrap().marker());
}

/// Reordering, duplicates and loss within a source keep their shape; the
/// highest packet, not the last one, is what a switch continues from.
#[test]
fn reordering_within_a_source() {
    let mut rw = StreamRewriter::new(1, 160).unwrap();
    rw.set_initial_output(1000, 50_000);
    let order = [10u16, 11, 13, 12, 14, 14, 17, 15, 16, 20, 18];
    let mut out = Vec::new();
    for &s in &order {
        let mut buf = packet(0, s, u32::from(s) * 160, 0xA, 0);
        let i = rw.rewrite(&mut buf).unwrap();
        assert!(i.rebase.is_none() || s == 10);
        out.push((i.sequence_number, i.timestamp));
    }
    for (&s, &(o, t)) in order.iter().zip(&out) {
        assert_eq!(o, 1000 + (s - 10));
        assert_eq!(t, 50_000 + u32::from(s - 10) * 160);
    }
    // the late 18 did not move the reference: a switch follows 20
    let mut buf = packet(0, 1, 0, 0xB, 0);
    let i = rw.rewrite(&mut buf).unwrap();
    assert_eq!(i.sequence_number, 1011);
    assert_eq!(i.timestamp, 50_000 + 10 * 160 + 160);
}

/// Sequence numbers through 65535 -> 0 within a source are continuity,
/// not a jump; a restart of the numbering in the same SSRC is a rebase.
#[test]
fn wrap_and_jump_within_a_source() {
    let mut rw = StreamRewriter::new(1, 960).unwrap();
    let mut prev = None;
    for pk in source(0xA, 65530, 0, 960, 12) {
        let mut buf = packet(111, pk.seq, pk.ts, pk.ssrc, 0);
        let i = rw.rewrite(&mut buf).unwrap();
        assert_eq!(i.sequence_number, pk.seq, "offset 0 from the first packet");
        if prev.is_some() {
            assert_eq!(i.rebase, None);
        }
        prev = Some(i);
    }
    let prev = prev.unwrap();
    assert_eq!(prev.sequence_number, 5);
    // same SSRC, numbering restarted
    let mut buf = packet(111, 30_000, 7, 0xA, 0);
    let i = rw.rewrite(&mut buf).unwrap();
    assert_eq!(i.rebase, Some(Rebase::SequenceJump));
    assert_eq!(i.sequence_number, 6);
    assert_eq!(i.timestamp, prev.timestamp + 960);
    // 99 behind the new highest is reordering, 100 behind a jump (A.1)
    let mut buf = packet(111, 30_000 - 99, 7, 0xA, 0);
    assert_eq!(rw.rewrite(&mut buf).unwrap().rebase, None);
    let mut buf = packet(111, 30_000 - 100, 7, 0xA, 0);
    assert_eq!(
        rw.rewrite(&mut buf).unwrap().rebase,
        Some(Rebase::SequenceJump)
    );
}

/// A forced switch rebases even with the same SSRC and sequence numbers.
#[test]
fn forced_switch() {
    let mut rw = StreamRewriter::new(1, 160).unwrap();
    let mut buf = packet(0, 1, 0, 0xA, 0);
    rw.rewrite(&mut buf).unwrap();
    rw.switch_source();
    let mut buf = packet(0, 2, 160, 0xA, 0);
    let i = rw.rewrite(&mut buf).unwrap();
    assert_eq!(i.rebase, Some(Rebase::Forced));
    assert_eq!((i.sequence_number, i.timestamp), (2, 160));
    let mut buf = packet(0, 3, 320, 0xA, 0);
    assert_eq!(rw.rewrite(&mut buf).unwrap().rebase, None);
}

/// Bad input leaves the packet and the rewriter as they were.
#[test]
fn rewriter_refusals() {
    let mut rw = StreamRewriter::new(1, 160).unwrap();
    for bad in [&[][..], &[0x80; 11], &[0x40; 12]] {
        let mut b = bad.to_vec();
        assert_eq!(rw.rewrite(&mut b).unwrap_err().kind(), ErrorKind::Parse);
        assert_eq!(b, bad);
    }
    // RTCP sender report header
    let mut sr = vec![0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    let before = sr.clone();
    assert_eq!(rw.rewrite(&mut sr).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(sr, before);
    assert_eq!(rw.source_ssrc(), None);
}

// ------------------------------------------------------------- unwrapping

#[test]
fn unwrappers_follow_a_long_reordered_stream() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut seq = SeqUnwrapper::new();
    let mut ts = TimestampUnwrapper::new();
    // the first value, 2^33, sits at 0 in both: its low bits are 0
    let base = 1u64 << 33;
    let mut max = 0;
    for i in 0..200_000u64 {
        // up to 49 behind the front
        let n = base + i - rng.below(50.min(i + 1));
        max = max.max(n - base);
        assert_eq!(seq.unwrap(n as u16), Some(n - base), "i {i}");
        let t = n * 3000;
        assert_eq!(ts.unwrap(t as u32), Some(t - base * 3000), "i {i}");
    }
    assert_eq!(seq.highest(), Some(max));
    assert!(max > 199_900);
}

// ------------------------------------------------------------- statistics

/// RFC 3550 A.1 and A.3 by hand: probation, loss, a duplicate, a late
/// packet, three reports.
#[test]
fn stats_loss_duplicates_reordering() {
    let mut s = ReceiverStats::new(0xFEED, 8000);
    let on = |s: &mut ReceiverStats, seqs: &[u16]| {
        for &q in seqs {
            s.on_packet(q, u32::from(q) * 160, u32::from(q) * 160);
        }
    };
    // 1 is on probation; 2 starts the counts; 4 is lost, 6 duplicated
    on(&mut s, &[1, 2, 3, 5, 6, 6, 7]);
    let r = s.report(Duration::ZERO).unwrap();
    assert_eq!((s.expected(), s.received()), (6, 6));
    assert_eq!((r.fraction_lost, r.cumulative_lost), (0, 0));
    assert_eq!(r.extended_highest_seq, 7);
    // 9 and 10 lost: 2 of 5 expected in the interval
    on(&mut s, &[8, 11, 12]);
    let r = s.report(Duration::ZERO).unwrap();
    assert_eq!(u32::from(r.fraction_lost), (2 << 8) / 5);
    assert_eq!(r.cumulative_lost, 2);
    // 10 arrives late: more received than expected in the interval
    on(&mut s, &[10, 13]);
    let r = s.report(Duration::ZERO).unwrap();
    assert_eq!((r.fraction_lost, r.cumulative_lost), (0, 1));
    assert_eq!(r.extended_highest_seq, 13);
    // duplicates only: negative loss
    on(&mut s, &[13, 13, 13]);
    let r = s.report(Duration::ZERO).unwrap();
    assert_eq!((r.fraction_lost, r.cumulative_lost), (0, -2));
    assert_eq!(&r.to_bytes()[5..8], &[0xFF, 0xFF, 0xFE]);
}

#[test]
fn stats_wrap() {
    let mut s = ReceiverStats::new(1, 8000);
    for q in [65533u16, 65534, 65535, 0, 1, 3] {
        s.on_packet(q, 0, 0);
    }
    let r = s.report(Duration::ZERO).unwrap();
    assert_eq!(r.extended_highest_seq, 65536 + 3);
    assert_eq!(s.expected(), 6);
    assert_eq!(s.received(), 5);
    assert_eq!(r.cumulative_lost, 1);
    assert_eq!(u32::from(r.fraction_lost), 256 / 6);
}

/// A jump is believed on the second sequential packet and restarts the
/// counts; a source that never runs two in sequence stays on probation.
#[test]
fn stats_restart_and_probation() {
    use SeqStatus::*;
    let mut s = ReceiverStats::new(1, 8000);
    let st: Vec<_> = [100u16, 101, 102, 103, 40_000, 40_001, 40_002]
        .iter()
        .map(|&q| s.on_packet(q, 0, 0))
        .collect();
    assert_eq!(
        st,
        vec![Probation, Valid, Valid, Valid, Jump, Restarted, Valid]
    );
    let r = s.report(Duration::ZERO).unwrap();
    assert_eq!(r.extended_highest_seq, 40_002);
    assert_eq!((s.expected(), s.received(), r.cumulative_lost), (2, 2, 0));

    let mut p = ReceiverStats::new(2, 8000);
    for q in [10u16, 20, 30, 40] {
        assert_eq!(p.on_packet(q, 0, 0), Probation);
    }
    assert!(!p.is_valid());
    assert_eq!(p.report(Duration::ZERO), None);
    assert_eq!(p.on_packet(41, 0, 0), Valid);
}

/// A.8: constant transit gives zero jitter; a known transit sequence gives
/// the integer recurrence J += |D| - (J + 8) / 16 step by step.
#[test]
fn stats_jitter() {
    let mut s = ReceiverStats::new(1, 8000);
    for k in 0..100u32 {
        // constant 1234-tick transit
        s.on_packet(k as u16, k * 160, k * 160 + 1234);
    }
    assert_eq!(s.jitter(), 0);

    let mut s = ReceiverStats::new(1, 8000);
    // first packet is on probation and does not enter the jitter
    s.on_packet(0, 0, 999_999);
    let transit = [0u32, 10, 0, 30, 30, 14];
    // J*16: 0, 10, 19, 48, 45, 58 -> reported J: 0, 0, 1, 3, 2, 3
    let want = [0u32, 0, 1, 3, 2, 3];
    for (k, (&tr, &w)) in transit.iter().zip(&want).enumerate() {
        let seq = k as u16 + 1;
        let ts = u32::from(seq) * 160;
        assert_eq!(s.on_packet(seq, ts, ts + tr), SeqStatus::Valid);
        assert_eq!(s.jitter(), w, "after packet {seq}");
    }
}

/// Jitter from Duration arrival times is the same as from ticks.
#[test]
fn stats_jitter_from_durations() {
    let mut a = ReceiverStats::new(1, 48_000);
    let mut b = ReceiverStats::new(1, 48_000);
    let mut rng = Rng(99);
    for k in 0..500u64 {
        let jitter_us = rng.below(30_000);
        let at = Duration::from_micros(k * 20_000 + jitter_us + 3_000_000);
        let ts = (k * 960) as u32;
        a.on_packet_at(k as u16, ts, at);
        let ticks = (at.as_nanos() * 48_000 / 1_000_000_000) as u32;
        b.on_packet(k as u16, ts, ticks);
    }
    assert_eq!(a.jitter(), b.jitter());
    assert!(a.jitter() > 0);
}

/// LSR and DLSR from the last sender report (RFC 3550 §6.4.1).
#[test]
fn stats_lsr_dlsr() {
    let mut s = ReceiverStats::new(7, 90_000);
    s.on_packet(1, 0, 0);
    s.on_packet(2, 3000, 3000);
    let r = s.report(Duration::from_secs(5)).unwrap();
    assert_eq!((r.lsr, r.dlsr), (0, 0));
    s.on_sender_report(0x1234_5678, Duration::from_secs(10));
    let r = s.report(Duration::from_millis(11_250)).unwrap();
    assert_eq!(r.ssrc, 7);
    assert_eq!(r.lsr, 0x1234_5678);
    assert_eq!(r.dlsr, 65536 + 16384);
    // a clock that went backwards gives 0, not a wrap
    let r = s.report(Duration::from_secs(9)).unwrap();
    assert_eq!(r.dlsr, 0);
    let back = ReceptionReport::parse(&r.to_bytes()).unwrap();
    assert_eq!(back, r);
}

/// A simulated lossy, jittery stream: loss counts match what the network
/// dropped exactly, and the jitter matches a floating-point A.8 reference.
#[test]
fn stats_on_a_simulated_network() {
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    const N: u32 = 20_000;
    let seq0: u16 = 64_000; // wraps during the run
    let ts0: u32 = u32::MAX - 100_000; // wraps too
                                       // (arrival ticks, seq, ts); 8 kHz, 20 ms packets
    let mut arrivals = Vec::new();
    let mut dropped = vec![false; N as usize];
    for i in 0..N {
        let seq = seq0.wrapping_add(i as u16);
        let ts = ts0.wrapping_add(i * 160);
        // the first three arrive cleanly so probation ends at once
        let lost = i >= 3 && rng.below(100) < 5;
        if lost {
            dropped[i as usize] = true;
            continue;
        }
        let jitter = if i >= 3 { rng.below(320) as u32 } else { 0 };
        arrivals.push((i * 160 + 400 + jitter, seq, ts, i));
    }
    arrivals.sort_by_key(|a| a.0);

    let mut s = ReceiverStats::new(0xABCD, 8000);
    let mut ref_jitter = 0f64;
    let mut ref_transit: Option<i64> = None;
    let mut reports = Vec::new();
    let mut highest_i = 0u32;
    for (k, &(at, seq, ts, i)) in arrivals.iter().enumerate() {
        let st = s.on_packet(seq, ts, at);
        if k == 0 {
            assert_eq!(st, SeqStatus::Probation);
            continue;
        }
        assert_eq!(st, SeqStatus::Valid, "packet {k}");
        highest_i = highest_i.max(i);
        // floating-point A.8 on the same packets
        let transit = i64::from(at) - i64::from(ts.wrapping_sub(ts0));
        if let Some(prev) = ref_transit {
            let d = (transit - prev).abs() as f64;
            ref_jitter += (d - ref_jitter) / 16.0;
        }
        ref_transit = Some(transit);
        if k % 250 == 0 {
            reports.push(s.report(Duration::ZERO).unwrap());
        }
    }
    let r = s.report(Duration::ZERO).unwrap();
    reports.push(r);

    // counting starts at the second packet (i = 1)
    let lost = dropped[1..=highest_i as usize]
        .iter()
        .filter(|&&d| d)
        .count() as i32;
    assert_eq!(r.cumulative_lost, lost);
    assert_eq!(s.received() as usize, arrivals.len() - 1);
    assert_eq!(s.expected(), highest_i);
    let ext_highest = u32::from(seq0) + highest_i;
    assert_eq!(r.extended_highest_seq, ext_highest);

    // the integer form tracks the floating-point one within a tick
    let j = f64::from(r.jitter);
    assert!(
        (j - ref_jitter).abs() <= 1.0,
        "jitter {j}, reference {ref_jitter}"
    );
    // uniform 0..320 ticks of delay: mean |D| is about 107 ticks
    assert!((80..140).contains(&r.jitter), "jitter {}", r.jitter);

    // about 5 % lost per interval on average
    let mean = reports
        .iter()
        .map(|r| f64::from(r.fraction_lost))
        .sum::<f64>()
        / reports.len() as f64;
    assert!((8.0..18.0).contains(&mean), "mean fraction lost {mean}/256");
}

// ------------------------------------------------------------------ demux

/// The RFC 7983 §7 table, and RFC 5761 §4 for RTP against RTCP.
#[test]
fn demux_table() {
    let table: &[(&[u8], PacketKind)] = &[
        (&[], PacketKind::Unknown),
        (&[0x00, 0x01, 0x00, 0x00], PacketKind::Stun),
        (&[0x01, 0x01], PacketKind::Stun),
        (&[0x03], PacketKind::Stun),
        (&[0x04], PacketKind::Unknown),
        (&[0x0F], PacketKind::Unknown),
        (&[16], PacketKind::Zrtp),
        (&[19], PacketKind::Zrtp),
        (&[20, 0xFE, 0xFD], PacketKind::Dtls),
        (&[22, 0xFE, 0xFD], PacketKind::Dtls),
        (&[63], PacketKind::Dtls),
        (&[64, 0x00], PacketKind::TurnChannel),
        (&[79, 0xFF], PacketKind::TurnChannel),
        (&[80], PacketKind::Unknown),
        (&[127, 0], PacketKind::Unknown),
        (&[128], PacketKind::Unknown),
        (&[0x80, 0], PacketKind::Rtp),
        (&[0x80, 0x60], PacketKind::Rtp),
        (&[0x80, 0xE0], PacketKind::Rtp),
        (&[0x80, 63], PacketKind::Rtp),
        (&[0x80, 96], PacketKind::Rtp),
        (&[0x80, 191], PacketKind::Rtp),
        (&[0x80, 224], PacketKind::Rtp),
        (&[0x80, 192], PacketKind::Rtcp),
        (&[0x80, 200], PacketKind::Rtcp),
        (&[0x81, 201], PacketKind::Rtcp),
        (&[0x8F, 206], PacketKind::Rtcp),
        (&[0x80, 223], PacketKind::Rtcp),
        (&[0x80, 64], PacketKind::Rtcp),
        (&[0x80, 95], PacketKind::Rtcp),
        (&[0xBF, 0x00], PacketKind::Rtp),
        (&[0xC0, 0x00], PacketKind::Unknown),
        (&[0xFF, 0xFF], PacketKind::Unknown),
    ];
    for &(bytes, want) in table {
        assert_eq!(classify(bytes), want, "{bytes:02x?}");
    }
    let rtp = packet(0, 1, 2, 3, 10);
    assert_eq!(classify(&rtp), PacketKind::Rtp);
}
