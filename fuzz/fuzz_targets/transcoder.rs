//! The RTP transcoder fed arbitrary packets, in every format pair.
//!
//! The first bytes choose the configuration: input and output format,
//! output ptime, reorder window, hold time, telephone-event and
//! comfort-noise payload types, and the first output sequence number. The
//! rest is a list of records: a raw datagram, a packet whose header is
//! built from a few bytes (so most of them are RTP of the configured
//! types, with small steps of sequence number and timestamp, two SSRCs,
//! and the marker), a step of the clock followed by `handle_timeout`, or a
//! `reset`. After every call the output is drained, sometimes through a
//! buffer too small first.
//!
//! Besides "no panic": a refused packet is counted and changes nothing
//! else; every output packet parses as RTP with the configured SSRC and
//! one of the configured payload types, is no longer than
//! `max_output_packet_len`, its sequence number is one more than the last,
//! and audio timestamps never go back behind the end of the previous
//! audio packet.

#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use mediaplane::codec::transcoder::{PayloadFormat, Transcoder, TranscoderConfig};
use mediaplane::rtp::RtpPacket;
use mediaplane::Error;

const FORMATS: [PayloadFormat; 3] = [
    PayloadFormat::Pcmu,
    PayloadFormat::Pcma,
    PayloadFormat::G722,
];
const PTIMES: [u32; 6] = [10, 20, 30, 40, 50, 60];
const OUT_SSRC: u32 = 0x0DDB_A11;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
}

struct Checker {
    seq: Option<u16>,
    count: u64,
    audio_end: Option<u32>,
    allowed: [Option<u8>; 3],
    out_pt: u8,
}

impl Checker {
    fn drain(&mut self, t: &mut Transcoder, small: usize) {
        let mut buf = vec![0u8; t.max_output_packet_len()];
        let mut first = true;
        for _ in 0..10_000 {
            if first && small < buf.len() {
                first = false;
                match t.poll_output(&mut buf[..small]) {
                    Ok(Some(n)) => {
                        let copy = buf[..n].to_vec();
                        self.check(&copy, t);
                        continue;
                    }
                    Ok(None) => return,
                    Err(Error::BufferTooSmall { needed }) => {
                        assert!(needed > small && needed <= buf.len());
                    }
                    Err(e) => panic!("poll_output: {e}"),
                }
            }
            match t
                .poll_output(&mut buf)
                .expect("a full-size buffer is enough")
            {
                Some(n) => {
                    let copy = buf[..n].to_vec();
                    self.check(&copy, t);
                }
                None => return,
            }
        }
        panic!("output never runs dry");
    }

    fn check(&mut self, pkt: &[u8], t: &Transcoder) {
        assert!(pkt.len() <= t.max_output_packet_len());
        let p = RtpPacket::parse(pkt).expect("output parses as RTP");
        assert_eq!(p.ssrc(), OUT_SSRC);
        assert!(p.csrc_count() == 0 && !p.has_extension() && !p.padding());
        let pt = p.payload_type();
        assert!(
            self.allowed.contains(&Some(pt)),
            "payload type {pt} not configured"
        );
        if let Some(s) = self.seq {
            assert_eq!(p.sequence_number(), s.wrapping_add(1));
        }
        self.seq = Some(p.sequence_number());
        self.count += 1;
        if pt == self.out_pt {
            assert!(!p.payload().is_empty());
            if let Some(end) = self.audio_end {
                let d = p.timestamp().wrapping_sub(end) as i32;
                assert!(d >= 0, "audio went back {d} ticks");
            }
            self.audio_end = Some(p.timestamp().wrapping_add(p.payload().len() as u32));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let (Some(c0), Some(c1), Some(c2), Some(c3), Some(c4)) =
        (b.byte(), b.byte(), b.byte(), b.byte(), b.byte())
    else {
        return;
    };
    let input = FORMATS[usize::from(c0 % 3)];
    let output = FORMATS[usize::from(c0 / 3 % 3)];
    let mut cfg = TranscoderConfig::new(input, output, OUT_SSRC);
    cfg.output_ptime_ms = PTIMES[usize::from(c1 % 6)];
    cfg.reorder_window = u16::from(c1 / 6 % 6);
    cfg.max_hold = Duration::from_millis(u64::from(c3 % 128));
    if c2 & 1 != 0 {
        cfg.input_dtmf_pt = Some(101);
    }
    if c2 & 2 != 0 {
        cfg.output_dtmf_pt = Some(96);
    }
    if c2 & 4 != 0 {
        cfg.input_cn_pt = Some(19);
    }
    if c2 & 8 != 0 {
        cfg.output_cn_pt = Some(98);
    }
    cfg.pass_cn = c2 & 16 != 0;
    if c2 & 32 != 0 {
        cfg.input_pt = 111;
        cfg.output_pt = 112;
    }
    cfg.initial_seq = u16::from(c4) << 8 | 0xF0;
    cfg.initial_timestamp = u32::from(c4).wrapping_mul(0x0101_0101);
    let in_types = [
        cfg.input_pt,
        cfg.input_dtmf_pt.unwrap_or(101),
        cfg.input_cn_pt.unwrap_or(13),
        c3 & 0x7F,
    ];
    let mut checker = Checker {
        seq: None,
        count: 0,
        audio_end: None,
        allowed: [
            Some(cfg.output_pt),
            cfg.output_dtmf_pt,
            cfg.pass_cn.then_some(cfg.output_cn_pt.unwrap_or(13)),
        ],
        out_pt: cfg.output_pt,
    };
    let mut t = Transcoder::new(cfg).expect("every configuration here is valid");

    let start = Instant::now();
    let mut now = start;
    let (mut seq, mut ts) = (0u16, 0u32);
    for _ in 0..512 {
        let Some(tag) = b.byte() else {
            break;
        };
        match tag & 3 {
            0 => {
                let n = usize::from(b.byte().unwrap_or(0));
                let raw = b.take(n).to_vec();
                push(&mut t, now, &raw);
            }
            1 | 2 => {
                // header from four bytes: type and marker, seq step, ts
                // step, payload length; the payload follows from the input
                let (Some(h0), Some(h1), Some(h2), Some(h3)) =
                    (b.byte(), b.byte(), b.byte(), b.byte())
                else {
                    break;
                };
                let pt = in_types[usize::from(h0 & 3)];
                seq = seq.wrapping_add(u16::from(h1).wrapping_sub(4));
                ts = ts.wrapping_add(u32::from(h2) * 40).wrapping_sub(1600);
                let ssrc: u32 = if h0 & 4 != 0 { 0x1111 } else { 0x2222 };
                let mut p = vec![0x80, (h0 & 0x80) | pt];
                p.extend_from_slice(&seq.to_be_bytes());
                p.extend_from_slice(&ts.to_be_bytes());
                p.extend_from_slice(&ssrc.to_be_bytes());
                let len = usize::from(h3) * 4;
                let body = b.take(len.min(32));
                p.extend_from_slice(body);
                p.resize(12 + len, 0x55);
                push(&mut t, now, &p);
                now += Duration::from_millis(u64::from(h0 >> 3 & 0xF) * 5);
            }
            _ => {
                if tag == 0xFF {
                    t.reset();
                } else {
                    now += Duration::from_millis(u64::from(tag >> 2) * 4);
                    if let Some(due) = t.poll_timeout() {
                        assert!(due >= start);
                    }
                    t.handle_timeout(now);
                }
            }
        }
        checker.drain(&mut t, usize::from(tag >> 2));
    }
    // whatever is held or waiting comes out in the end: the held packets,
    // then the packet they left partly filled
    for k in 1..=2 {
        t.handle_timeout(now + Duration::from_secs(5 * k));
        checker.drain(&mut t, 0);
    }
    assert_eq!(t.poll_timeout(), None);
    assert_eq!(t.stats().packets_out, checker.count);
});

fn push(t: &mut Transcoder, now: Instant, p: &[u8]) {
    let before = t.stats();
    match t.push(now, p) {
        Ok(()) => assert_eq!(t.stats().packets_in, before.packets_in + 1),
        Err(_) => {
            let after = t.stats();
            assert_eq!(after.bad_packets, before.bad_packets + 1);
            assert_eq!(
                mediaplane::codec::transcoder::TranscoderStats {
                    bad_packets: before.bad_packets,
                    ..after
                },
                before,
                "a refused packet changed the state"
            );
        }
    }
}
