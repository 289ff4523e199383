//! RTP forwarding: parse and rewrite one packet in place, as an SBC relay
//! or an SFU does for every packet it forwards.
//!
//! Group `rtp_rewrite`, one function per packet size: 172 bytes (20 ms of
//! G.711 with an audio-level extension) and 1232 bytes (a full video packet
//! with three extension elements). Each iteration stands for the next
//! packet of the incoming stream: the received header (extension included)
//! is put back into the buffer with the next sequence number and
//! timestamp, and `StreamRewriter::rewrite` then validates it and rewrites
//! SSRC, sequence number and timestamp (with offsets, the source having
//! been switched once), the payload type through the map and one extension
//! id. Putting the header back is part of the measured time, so the figure
//! is conservative. Reported in packets (elements) per second.
//!
//! ```text
//! cargo bench --bench rtp
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mediaplane::rtp::{RtpHeaderBuilder, RtpPacket, StreamRewriter, ONE_BYTE_PROFILE};

/// A received packet: header template and total length.
struct Case {
    name: &'static str,
    header: Vec<u8>,
    len: usize,
    ts_step: u32,
}

fn case(name: &'static str, len: usize, pt: u8, ts_step: u32, ext: &[u8]) -> Case {
    let b = RtpHeaderBuilder::new(pt, 1000, 90_000, 0x1111_2222).extension(ONE_BYTE_PROFILE, ext);
    let mut header = vec![0u8; b.len()];
    b.write(&mut header).expect("header fits");
    Case {
        name,
        header,
        len,
        ts_step,
    }
}

fn cases() -> [Case; 2] {
    [
        // audio level (RFC 6464), id 1, one byte; then padding
        case("172", 172, 8, 160, &[0x10, 0x85, 0x00, 0x00]),
        // abs-send-time id 1 (3 bytes), transport-cc id 5 (2 bytes), mid
        // id 9 (1 byte); then padding
        case(
            "1232",
            1232,
            111,
            3000,
            &[0x12, 1, 2, 3, 0x51, 0, 7, 0x90, b'v', 0, 0, 0],
        ),
    ]
}

fn rewriter(ts_step: u32) -> StreamRewriter {
    let mut rw = StreamRewriter::new(0xC0FF_EE00, ts_step).expect("valid step");
    rw.map_payload_type(8, 0).expect("valid payload types");
    rw.map_payload_type(111, 96).expect("valid payload types");
    rw.map_extension(1, 3).expect("valid extension ids");
    rw
}

fn bench_rewrite(c: &mut Criterion) {
    let mut group = c.benchmark_group("rtp_rewrite");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(3));
    for case in cases() {
        let h = case.header.len();
        let mut buf = vec![0x5Au8; case.len];
        buf[..h].copy_from_slice(&case.header);
        let mut rw = rewriter(case.ts_step);
        // a source switch has happened: offsets are not zero
        rw.set_initial_output(40_000, 7);
        buf[8..12].copy_from_slice(&0x3333_4444u32.to_be_bytes());
        rw.rewrite(&mut buf).expect("rewrite");
        buf[..h].copy_from_slice(&case.header);
        rw.rewrite(&mut buf).expect("rewrite");
        // check once that the work is what it claims
        let p = RtpPacket::parse(&buf).expect("parses");
        assert_eq!(p.ssrc(), 0xC0FF_EE00);
        assert!(p.extension(3).is_some() && p.extension(1).is_none());

        let mut seq: u16 = 1000;
        let mut ts: u32 = 90_000;
        group.bench_function(format!("mediaplane/{}", case.name), |b| {
            b.iter(|| {
                seq = seq.wrapping_add(1);
                ts = ts.wrapping_add(case.ts_step);
                buf[..h].copy_from_slice(&case.header);
                buf[2..4].copy_from_slice(&seq.to_be_bytes());
                buf[4..8].copy_from_slice(&ts.to_be_bytes());
                let info = rw.rewrite(black_box(&mut buf)).expect("rewrite");
                black_box(info.sequence_number);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_rewrite);
criterion_main!(benches);
