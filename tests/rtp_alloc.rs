//! The RTP packet path allocates nothing: `RtpPacket::parse` and its
//! accessors, the in-place setters of `RtpPacketMut`, `StreamRewriter::
//! rewrite` (across source switches, with maps), `ReceiverStats` and
//! `classify`.
//!
//! A counting global allocator wraps the system one. Each thread counts its
//! own allocations, and only while its `COUNTING` flag is set, so the tests
//! of this binary, which run on parallel threads, do not see each other's.

use std::hint::black_box;
use std::time::Duration;

use mediaplane::rtp::{
    classify, ReceiverStats, RtpHeaderBuilder, RtpPacket, RtpPacketMut, SeqUnwrapper,
    StreamRewriter, ONE_BYTE_PROFILE,
};

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_in;

/// A 172-byte packet with a one-byte-header extension (ids 1 and 2).
fn sample(seq: u16, ssrc: u32) -> [u8; 172] {
    let mut buf = [0x33u8; 172];
    RtpHeaderBuilder::new(8, seq, u32::from(seq) * 160, ssrc)
        .extension(ONE_BYTE_PROFILE, &[0x10, 0x85, 0x21, 0xAA, 0xBB, 0, 0, 0])
        .write(&mut buf)
        .unwrap();
    buf
}

#[test]
fn the_counter_counts() {
    let n = allocations_in(|| {
        black_box(vec![1u8; 16]);
    });
    assert_eq!(n, 1);
}

#[test]
fn parse_and_read_allocate_nothing() {
    let buf = sample(7, 0xAB);
    let n = allocations_in(|| {
        for _ in 0..1000 {
            let p = RtpPacket::parse(black_box(&buf)).unwrap();
            black_box((
                p.sequence_number(),
                p.timestamp(),
                p.ssrc(),
                p.payload_type(),
                p.marker(),
                p.payload().len(),
                p.csrcs().count(),
                p.extension(2),
            ));
            for (id, data) in p.extensions() {
                black_box((id, data));
            }
            black_box(classify(&buf));
        }
        // errors too: they carry static strings
        black_box(RtpPacket::parse(&buf[..5]).unwrap_err());
    });
    assert_eq!(n, 0);
}

#[test]
fn setters_allocate_nothing() {
    let mut buf = sample(7, 0xAB);
    let n = allocations_in(|| {
        for i in 0..1000u32 {
            let mut p = RtpPacketMut::parse(black_box(&mut buf)).unwrap();
            p.set_marker(i % 2 == 0);
            p.set_payload_type(96).unwrap();
            p.set_sequence_number(i as u16);
            p.set_timestamp(i * 960);
            p.set_ssrc(i);
            if let Some(d) = p.extension_mut(1) {
                d[0] = i as u8;
            }
            let _ = p.set_extension_id(2, 4);
            let _ = p.set_extension_id(4, 2);
        }
        let mut p = RtpPacketMut::parse(&mut buf).unwrap();
        black_box(p.strip_extension(2));
    });
    assert_eq!(n, 0);
}

#[test]
fn rewrite_allocates_nothing() {
    let mut rw = StreamRewriter::new(0xC0FFEE, 160).unwrap();
    rw.map_payload_type(8, 0).unwrap();
    rw.map_extension(1, 3).unwrap();
    rw.strip_extension(2).unwrap();
    rw.set_marker_on_switch(true);
    let mut stats = ReceiverStats::new(0xC0FFEE, 8000);
    let mut unwrap = SeqUnwrapper::new();
    let n = allocations_in(|| {
        for i in 0..3000u32 {
            // a source switch every 500 packets
            let mut buf = sample(i as u16, 1 + i / 500);
            let info = if i % 2 == 0 {
                rw.rewrite(black_box(&mut buf)).unwrap()
            } else {
                rw.rewrite_at(black_box(&mut buf), u64::from(i) * 160)
                    .unwrap()
            };
            stats.on_packet(info.sequence_number, info.timestamp, i * 160);
            black_box(unwrap.unwrap(info.sequence_number));
        }
        rw.switch_source();
        let mut buf = sample(1, 1);
        rw.rewrite(&mut buf).unwrap();
        // refusals allocate nothing either
        let mut short = [0x80u8; 8];
        black_box(rw.rewrite(&mut short).unwrap_err());
        black_box(stats.report(Duration::from_secs(60)));
    });
    assert_eq!(n, 0);
}
