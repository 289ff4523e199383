//! The RTP transcoder end to end: every format pair at every input and
//! output ptime, repacketization without a lost or repeated sample,
//! reordering, loss concealment of exactly the missing duration,
//! duplicates, late packets, SSRC changes and jumps, RFC 4733 events,
//! comfort noise, refused packets that leave the state as it was, marker
//! propagation, small output buffers, timeouts, and no allocation per
//! packet once running.

use std::time::{Duration, Instant};

use mediaplane::codec::dtmf::{write_event, TelephoneEvent};
use mediaplane::codec::g711;
use mediaplane::codec::g722::{G722Decoder, G722Encoder, G722Mode};
use mediaplane::codec::resample::Upsampler2x;
use mediaplane::codec::transcoder::{
    PayloadFormat, Transcoder, TranscoderConfig, TranscoderStats, MAX_INPUT_TICKS,
};
use mediaplane::rtp::RtpPacket;
use mediaplane::{Error, ErrorKind};

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_in;

const IN_SSRC: u32 = 0xA1B2_C3D4;
const OUT_SSRC: u32 = 0x0BAD_CAFE;
const FORMATS: [PayloadFormat; 3] = [
    PayloadFormat::Pcmu,
    PayloadFormat::Pcma,
    PayloadFormat::G722,
];
const IN_PTIMES: [u32; 5] = [10, 20, 30, 40, 60];
const OUT_PTIMES: [u32; 6] = [10, 20, 30, 40, 50, 60];

fn rtp(pt: u8, seq: u16, ts: u32, ssrc: u32, marker: bool, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, (u8::from(marker) << 7) | pt];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Out {
    pt: u8,
    seq: u16,
    ts: u32,
    marker: bool,
    payload: Vec<u8>,
}

fn drain(t: &mut Transcoder) -> Vec<Out> {
    let mut buf = vec![0u8; t.max_output_packet_len()];
    let mut v = Vec::new();
    while let Some(n) = t.poll_output(&mut buf).unwrap() {
        let p = RtpPacket::parse(&buf[..n]).expect("output parses as RTP");
        assert_eq!(p.ssrc(), OUT_SSRC);
        assert_eq!(p.version(), 2);
        assert!(!p.padding() && !p.has_extension() && p.csrc_count() == 0);
        v.push(Out {
            pt: p.payload_type(),
            seq: p.sequence_number(),
            ts: p.timestamp(),
            marker: p.marker(),
            payload: p.payload().to_vec(),
        });
        assert!(v.len() < 100_000);
    }
    v
}

fn config(input: PayloadFormat, output: PayloadFormat, out_ptime: u32) -> TranscoderConfig {
    let mut c = TranscoderConfig::new(input, output, OUT_SSRC);
    c.output_ptime_ms = out_ptime;
    c.initial_seq = 65_530; // wraps during the tests
    c.initial_timestamp = 0xFFFF_F000;
    c
}

/// Sequence numbers go up by one from the first; timestamps of audio
/// packets follow each other with no gap; every packet has `pt`.
fn assert_continuous(out: &[Out], first_seq: u16, first_ts: u32, pt: u8) {
    let mut ts = first_ts;
    for (i, o) in out.iter().enumerate() {
        assert_eq!(o.seq, first_seq.wrapping_add(i as u16), "packet {i}");
        assert_eq!(o.pt, pt, "packet {i}");
        assert_eq!(o.ts, ts, "packet {i}: timestamp");
        ts = ts.wrapping_add(o.payload.len() as u32);
    }
}

fn sine(n: usize, rate: f64, freq: f64, amp: f64, phase0: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            ((2.0 * std::f64::consts::PI * freq * (i + phase0) as f64 / rate).sin() * amp) as i16
        })
        .collect()
}

/// `n` ticks of a 440 Hz tone in `f`.
fn encoded_tone(f: PayloadFormat, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    match f {
        PayloadFormat::Pcmu => {
            g711::encode_ulaw(&sine(n, 8000.0, 440.0, 8000.0, 0), &mut out);
        }
        PayloadFormat::Pcma => {
            g711::encode_alaw(&sine(n, 8000.0, 440.0, 8000.0, 0), &mut out);
        }
        PayloadFormat::G722 => {
            let mut e = G722Encoder::new(G722Mode::Mode1);
            e.encode(&sine(2 * n, 16000.0, 440.0, 8000.0, 0), &mut out);
        }
    }
    out
}

/// The audio of `f` octets, at its own sample rate.
fn decode(f: PayloadFormat, octets: &[u8]) -> Vec<i16> {
    match f {
        PayloadFormat::Pcmu => {
            let mut v = vec![0; octets.len()];
            g711::decode_ulaw(octets, &mut v);
            v
        }
        PayloadFormat::Pcma => {
            let mut v = vec![0; octets.len()];
            g711::decode_alaw(octets, &mut v);
            v
        }
        PayloadFormat::G722 => {
            let mut v = vec![0; 2 * octets.len()];
            G722Decoder::new(G722Mode::Mode1).decode(octets, &mut v);
            v
        }
    }
}

/// Signal-to-noise ratio in dB of `got` against a 440 Hz tone at the best
/// lag up to 80 samples, skipping the first 200 samples (codec start-up).
fn tone_snr(got: &[i16], rate: f64) -> f64 {
    let want = sine(got.len() + 100, rate, 440.0, 8000.0, 0);
    let mut best = f64::MIN;
    for lag in 0..80 {
        let (mut s, mut e) = (0f64, 0f64);
        for i in 200..got.len() {
            let w = f64::from(want[i - lag]);
            let d = f64::from(got[i]) - w;
            s += w * w;
            e += d * d;
        }
        best = best.max(10.0 * (s / e.max(1.0)).log10());
    }
    best
}

/// Sends `ticks` of audio from `payload` in packets of `in_ptime` ms, from
/// input sequence number `seq0` and timestamp `ts0`, one 20 ms clock step
/// per packet; returns the clock after the last.
fn send(
    t: &mut Transcoder,
    payload: &[u8],
    in_ptime: u32,
    seq0: u16,
    ts0: u32,
    t0: Instant,
) -> Instant {
    let per = (in_ptime * 8) as usize;
    let pt = t.config().input_pt;
    let mut now = t0;
    for (k, chunk) in payload.chunks(per).enumerate() {
        let p = rtp(
            pt,
            seq0.wrapping_add(k as u16),
            ts0.wrapping_add((k * per) as u32),
            IN_SSRC,
            false,
            chunk,
        );
        t.push(now, &p).unwrap();
        now += Duration::from_millis(u64::from(in_ptime));
    }
    now
}

#[test]
fn repacketization_keeps_every_octet_in_place() {
    // 1.2 s is a whole number of packets at every ptime; a further 10 ms
    // leaves a short packet that the timeout sends.
    for f in [
        PayloadFormat::Pcmu,
        PayloadFormat::Pcma,
        PayloadFormat::G722,
    ] {
        for in_ptime in IN_PTIMES {
            for out_ptime in OUT_PTIMES {
                let payload: Vec<u8> = (0..9600 + 80)
                    .map(|i| (i % 251) as u8 ^ (i / 251) as u8)
                    .collect();
                let mut t = Transcoder::new(config(f, f, out_ptime)).unwrap();
                let t0 = Instant::now();
                let mut now = send(&mut t, &payload[..9600], in_ptime, 1000, 77_777, t0);
                let mut out = drain(&mut t);
                assert_eq!(
                    out.len(),
                    (9600 / (out_ptime * 8)) as usize,
                    "{f:?} {in_ptime}->{out_ptime}"
                );
                let pt = f.static_payload_type();
                now = send(
                    &mut t,
                    &payload[9600..],
                    10,
                    1000 + (9600 / (in_ptime * 8)) as u16,
                    77_777 + 9600,
                    now,
                );
                out.extend(drain(&mut t));
                if out_ptime != 10 {
                    assert_eq!(
                        out.len(),
                        (9600 / (out_ptime * 8)) as usize,
                        "the short one waits"
                    );
                    let due = t
                        .poll_timeout()
                        .expect("a partly filled packet sets a timeout");
                    assert!(due > now - Duration::from_millis(10));
                    t.handle_timeout(due - Duration::from_millis(1));
                    assert!(drain(&mut t).is_empty());
                    t.handle_timeout(due);
                    out.extend(drain(&mut t));
                    assert_eq!(t.poll_timeout(), None);
                }
                assert_continuous(&out, 65_530, 0xFFFF_F000, pt);
                let all: Vec<u8> = out.iter().flat_map(|o| o.payload.clone()).collect();
                assert_eq!(all, payload, "{f:?} {in_ptime}->{out_ptime}");
                let frame = (out_ptime * 8) as usize;
                for o in &out[..out.len() - 1] {
                    assert_eq!(o.payload.len(), frame);
                }
                assert!(out[0].marker, "the first packet starts a talk spurt");
                assert!(out[1..].iter().all(|o| !o.marker));
                let s = t.stats();
                assert_eq!(s.packets_out, out.len() as u64);
                assert_eq!(s.concealed_ticks, 0);
            }
        }
    }
}

#[test]
fn every_pair_every_ptime_counts_and_timestamps() {
    for input in FORMATS {
        let tone = encoded_tone(input, 4800);
        for output in FORMATS {
            for in_ptime in IN_PTIMES {
                for out_ptime in OUT_PTIMES {
                    let mut c = config(input, output, out_ptime);
                    c.output_pt = 111;
                    let mut t = Transcoder::new(c).unwrap();
                    send(&mut t, &tone, in_ptime, 40_000, 5, Instant::now());
                    let out = drain(&mut t);
                    assert_continuous(&out, 65_530, 0xFFFF_F000, 111);
                    let total: usize = out.iter().map(|o| o.payload.len()).sum();
                    assert_eq!(total, 4800, "{input:?}->{output:?} {in_ptime}->{out_ptime}");
                    assert!(out
                        .iter()
                        .all(|o| o.payload.len() == (out_ptime * 8) as usize));
                    let s = t.stats();
                    assert_eq!(s.packets_in, u64::from(4800 / (in_ptime * 8)));
                    assert_eq!(s.packets_out, out.len() as u64);
                    if in_ptime == 20 && out_ptime == 20 {
                        check_content(input, output, &tone, &out);
                    }
                }
            }
        }
    }
}

/// What comes out is the tone that went in, converted the way the issue
/// says: octets unchanged for a format to itself, the G.711 direct
/// conversion between the laws, a clean tone through G.722.
fn check_content(input: PayloadFormat, output: PayloadFormat, tone: &[u8], out: &[Out]) {
    let got: Vec<u8> = out.iter().flat_map(|o| o.payload.clone()).collect();
    match (input, output) {
        (i, o) if i == o => assert_eq!(got, tone),
        (PayloadFormat::Pcmu, PayloadFormat::Pcma) => {
            let mut want = vec![0; tone.len()];
            g711::ulaw_to_alaw_slice(tone, &mut want);
            assert_eq!(got, want);
        }
        (PayloadFormat::Pcma, PayloadFormat::Pcmu) => {
            let mut want = vec![0; tone.len()];
            g711::alaw_to_ulaw_slice(tone, &mut want);
            assert_eq!(got, want);
        }
        (i, o) => {
            let pcm = decode(o, &got);
            let snr = tone_snr(&pcm, f64::from(o.sample_rate()));
            assert!(snr > 20.0, "{i:?}->{o:?}: tone SNR {snr:.1} dB");
        }
    }
}

#[test]
fn g711_to_g722_is_the_resampled_encoded_signal() {
    // The chain is decode, upsample, encode, with state carried across
    // packets: the same as doing it to the whole signal at once.
    let tone = encoded_tone(PayloadFormat::Pcmu, 3200);
    let mut lin = vec![0; 3200];
    g711::decode_ulaw(&tone, &mut lin);
    let mut up = vec![0; 6400];
    Upsampler2x::new().process(&lin, &mut up);
    let mut want = vec![0; 3200];
    G722Encoder::new(G722Mode::Mode1).encode(&up, &mut want);
    for in_ptime in [10, 30] {
        let mut t = Transcoder::new(config(PayloadFormat::Pcmu, PayloadFormat::G722, 20)).unwrap();
        send(&mut t, &tone, in_ptime, 1, 0, Instant::now());
        let got: Vec<u8> = drain(&mut t)
            .iter()
            .flat_map(|o| o.payload.clone())
            .collect();
        assert_eq!(got, want);
    }
}

/// Pushes `order` (indices of 20 ms PCMU packets of a counting pattern)
/// into a PCMU -> PCMU transcoder at 20 ms steps; returns it.
fn pcmu_run(cfg: TranscoderConfig, order: &[u16]) -> (Transcoder, Vec<Out>, Instant) {
    let mut t = Transcoder::new(cfg).unwrap();
    let t0 = Instant::now();
    let mut now = t0;
    let mut out = Vec::new();
    for &k in order {
        let payload = [k as u8; 160];
        t.push(
            now,
            &rtp(0, 500 + k, 160 * u32::from(k), IN_SSRC, false, &payload),
        )
        .unwrap();
        out.extend(drain(&mut t));
        now += Duration::from_millis(20);
    }
    (t, out, now)
}

fn pcmu_cfg() -> TranscoderConfig {
    config(PayloadFormat::Pcmu, PayloadFormat::Pcmu, 20)
}

#[test]
fn reordered_packets_are_put_back() {
    let (t, out, _) = pcmu_run(pcmu_cfg(), &[0, 1, 3, 2, 4, 7, 5, 6, 8]);
    assert_eq!(out.len(), 9);
    for (k, o) in out.iter().enumerate() {
        assert_eq!(o.payload, vec![k as u8; 160]);
    }
    assert_continuous(&out, 65_530, 0xFFFF_F000, 0);
    let s = t.stats();
    assert_eq!(
        (s.reordered, s.concealed_ticks, s.late_dropped, s.duplicates),
        (3, 0, 0, 0)
    );
}

#[test]
fn a_loss_is_concealed_for_exactly_its_duration() {
    // Packet 3 never comes; 4, 5 and 6 fill the window, 7 forces the gap.
    let (t, out, _) = pcmu_run(pcmu_cfg(), &[0, 1, 2, 4, 5, 6, 7, 8]);
    assert_eq!(out.len(), 9);
    assert_continuous(&out, 65_530, 0xFFFF_F000, 0);
    for (k, o) in out.iter().enumerate() {
        match k {
            3 => {}
            // the concealment fades into the first packet after the gap,
            // for at most 10 ms
            4 => assert_eq!(o.payload[80..], [4; 80], "packet {k}"),
            _ => assert_eq!(o.payload, vec![k as u8; 160], "packet {k}"),
        }
    }
    let s = t.stats();
    assert_eq!((s.concealed_frames, s.concealed_ticks), (1, 160));

    // Two packets lost, every pair, every output ptime: the total length
    // is what was sent, the lost stretch included.
    for input in FORMATS {
        let tone = encoded_tone(input, 9600);
        for output in FORMATS {
            for out_ptime in OUT_PTIMES {
                let mut t = Transcoder::new(config(input, output, out_ptime)).unwrap();
                let mut now = Instant::now();
                for (k, chunk) in tone.chunks(160).enumerate() {
                    if k == 20 || k == 21 {
                        continue;
                    }
                    t.push(
                        now,
                        &rtp(
                            input.static_payload_type(),
                            k as u16,
                            160 * k as u32,
                            IN_SSRC,
                            false,
                            chunk,
                        ),
                    )
                    .unwrap();
                    now += Duration::from_millis(20);
                }
                let out = drain(&mut t);
                assert_continuous(&out, 65_530, 0xFFFF_F000, output.static_payload_type());
                let total: usize = out.iter().map(|o| o.payload.len()).sum();
                assert_eq!(total, 9600, "{input:?}->{output:?} @{out_ptime}");
                assert_eq!(t.stats().concealed_ticks, 320);
                // the lost 40 ms are filled with the tone carried on, not
                // with silence
                let all: Vec<u8> = out.iter().flat_map(|o| o.payload.clone()).collect();
                let pcm = decode(output, &all);
                let per_tick = pcm.len() / 9600;
                let rms = |r: std::ops::Range<usize>| {
                    let v = &pcm[r.start * per_tick..r.end * per_tick];
                    (v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
                };
                let (lost, before) = (rms(3200..3520), rms(2560..3200));
                assert!(
                    lost > 0.5 * before,
                    "{input:?}->{output:?}: concealed rms {lost:.0}, before {before:.0}"
                );
            }
        }
    }
}

#[test]
fn without_a_window_a_gap_is_concealed_at_once() {
    let mut c = pcmu_cfg();
    c.reorder_window = 0;
    let (t, out, _) = pcmu_run(c, &[0, 2, 1, 3]);
    assert_eq!(out.len(), 4);
    assert_eq!(out[2].payload[80..], [2; 80]); // after the fade-in
    assert_eq!(out[3].payload, vec![3; 160]);
    let s = t.stats();
    assert_eq!((s.concealed_ticks, s.late_dropped), (160, 1));
}

#[test]
fn duplicates_and_late_packets_are_dropped() {
    // 2 again after it went out; 5 twice while held; 3 after it was
    // concealed.
    let (t, out, _) = pcmu_run(pcmu_cfg(), &[0, 1, 2, 2, 4, 5, 5, 6, 7, 3, 8]);
    assert_eq!(out.len(), 9);
    assert_continuous(&out, 65_530, 0xFFFF_F000, 0);
    let s = t.stats();
    assert_eq!(
        (s.duplicates, s.late_dropped, s.concealed_ticks),
        (2, 1, 160)
    );
    assert_eq!(s.packets_in, 11);
}

#[test]
fn handle_timeout_conceals_a_gap_nobody_fills() {
    let mut t = Transcoder::new(pcmu_cfg()).unwrap();
    let t0 = Instant::now();
    for (k, at) in [(0u16, 0u64), (1, 20), (3, 60)] {
        t.push(
            t0 + Duration::from_millis(at),
            &rtp(0, k, 160 * u32::from(k), IN_SSRC, false, &[k as u8; 160]),
        )
        .unwrap();
    }
    assert_eq!(drain(&mut t).len(), 2);
    let due = t.poll_timeout().unwrap();
    assert_eq!(due, t0 + Duration::from_millis(60 + 60));
    t.handle_timeout(due - Duration::from_millis(1));
    assert!(drain(&mut t).is_empty());
    t.handle_timeout(due);
    let out = drain(&mut t);
    assert_eq!(out.len(), 2);
    assert_eq!(out[1].payload[80..], [3; 80]);
    assert_continuous(&out, 65_532, 0xFFFF_F000 + 320, 0);
    assert_eq!(t.stats().concealed_ticks, 160);
    assert_eq!(t.poll_timeout(), None);
    // nothing more to do
    t.handle_timeout(due + Duration::from_secs(10));
    assert!(drain(&mut t).is_empty());
}

#[test]
fn an_ssrc_change_restarts_the_timeline() {
    let mut t = Transcoder::new(pcmu_cfg()).unwrap();
    let now = Instant::now();
    for k in 0..5u16 {
        t.push(
            now,
            &rtp(
                0,
                100 + k,
                9000 + 160 * u32::from(k),
                IN_SSRC,
                false,
                &[1; 160],
            ),
        )
        .unwrap();
    }
    // the new source also has a packet of its own reordered
    for (k, ts) in [(0u16, 0u32), (2, 320), (1, 160), (3, 480)] {
        t.push(
            now,
            &rtp(0, 40_000 + k, 3_000_000_000 + ts, 0x5555, false, &[2; 160]),
        )
        .unwrap();
    }
    let out = drain(&mut t);
    assert_eq!(out.len(), 9);
    assert_continuous(&out, 65_530, 0xFFFF_F000, 0);
    assert!(out[0].marker && out[5].marker);
    assert!(out
        .iter()
        .enumerate()
        .all(|(i, o)| o.marker == (i == 0 || i == 5)));
    assert_eq!(out[5].payload, vec![2; 160]);
    let s = t.stats();
    assert_eq!((s.resets, s.reordered, s.concealed_ticks), (1, 1, 0));
}

#[test]
fn large_jumps_restart_the_timeline() {
    let mut t = Transcoder::new(pcmu_cfg()).unwrap();
    let now = Instant::now();
    let mut seq = 7u16;
    let mut ts = 1000u32;
    let mut push = |t: &mut Transcoder, dseq: u16, dts: u32| {
        seq = seq.wrapping_add(dseq);
        ts = ts.wrapping_add(dts);
        t.push(now, &rtp(0, seq, ts, IN_SSRC, false, &[9; 160]))
            .unwrap();
    };
    push(&mut t, 0, 0);
    push(&mut t, 1, 160);
    push(&mut t, 500, 160 * 500); // sequence jump
    push(&mut t, 1, 160);
    push(&mut t, 1, 3 * 8000); // three seconds of timestamp, no sequence gap
    push(&mut t, 1, 160);
    push(&mut t, 1, 0u32.wrapping_sub(5 * 8000)); // backwards
    push(&mut t, 1, 160);
    push(&mut t, 0u16.wrapping_sub(300), 160); // far behind
    let out = drain(&mut t);
    assert_eq!(out.len(), 9);
    assert_continuous(&out, 65_530, 0xFFFF_F000, 0);
    let marks: Vec<usize> = (0..9).filter(|&i| out[i].marker).collect();
    assert_eq!(marks, vec![0, 2, 4, 6, 8]);
    assert_eq!(t.stats().resets, 4);
    assert_eq!(t.stats().concealed_ticks, 0);
}

#[test]
fn silence_suppression_leaves_a_gap_not_concealment() {
    // 30 ms in, 20 ms out; after 90 ms the sender stops for 500 ms and
    // starts again with the marker and the next sequence number.
    let mut t = Transcoder::new(config(PayloadFormat::Pcma, PayloadFormat::Pcmu, 20)).unwrap();
    let now = Instant::now();
    for k in 0..3u16 {
        t.push(
            now,
            &rtp(8, k, 240 * u32::from(k), IN_SSRC, k == 0, &[0xD5; 240]),
        )
        .unwrap();
    }
    let mut out = drain(&mut t);
    assert_eq!(out.len(), 4); // 80 ms out, 10 ms waiting
    for k in 3..5u16 {
        t.push(
            now,
            &rtp(
                8,
                k,
                720 + 4000 + 240 * u32::from(k - 3),
                IN_SSRC,
                k == 3,
                &[0xD5; 240],
            ),
        )
        .unwrap();
    }
    out.extend(drain(&mut t));
    let lens: Vec<usize> = out.iter().map(|o| o.payload.len()).collect();
    assert_eq!(lens, vec![160, 160, 160, 160, 80, 160, 160, 160]);
    let marks: Vec<bool> = out.iter().map(|o| o.marker).collect();
    assert_eq!(
        marks,
        vec![true, false, false, false, false, true, false, false]
    );
    let base = 0xFFFF_F000u32;
    assert_continuous(&out[..5], 65_530, base, 0);
    assert_continuous(&out[5..], 65_535, base.wrapping_add(720 + 4000), 0);
    assert_eq!(t.stats().concealed_ticks, 0);
}

#[test]
fn the_marker_goes_on_the_packet_with_the_first_marked_sample() {
    // 30 ms in, 20 ms out, contiguous: input packet 3 (ticks 720..960) is
    // marked; its first tick lands in output packet 4 (ticks 640..800).
    let mut t = Transcoder::new(pcmu_cfg()).unwrap();
    let now = Instant::now();
    for k in 0..6u16 {
        t.push(
            now,
            &rtp(0, k, 240 * u32::from(k), IN_SSRC, k == 3, &[0xFF; 240]),
        )
        .unwrap();
    }
    let out = drain(&mut t);
    let marks: Vec<bool> = out.iter().map(|o| o.marker).collect();
    assert_eq!(
        marks,
        vec![true, false, false, false, true, false, false, false, false]
    );
}

fn dtmf_cfg(out_dtmf: Option<u8>, out_ptime: u32) -> TranscoderConfig {
    let mut c = config(PayloadFormat::Pcmu, PayloadFormat::G722, out_ptime);
    c.input_dtmf_pt = Some(101);
    c.output_dtmf_pt = out_dtmf;
    c
}

fn event(code: u8, end: bool, duration: u16) -> Vec<u8> {
    let mut b = [0u8; 4];
    write_event(&mut b, code, end, 10, duration).unwrap();
    b.to_vec()
}

/// Audio 0..800, the digit 7 from 800 for 480 ticks (with audio during the
/// event that must not come out), end packet three times, audio again.
fn dtmf_session(t: &mut Transcoder) -> Vec<Out> {
    let now = Instant::now();
    let a = |seq: u16, ts: u32, m: bool| rtp(0, seq, 10_000 + ts, IN_SSRC, m, &[0x7E; 160]);
    let e =
        |seq: u16, m: bool, end: bool, d: u16| rtp(101, seq, 10_800, IN_SSRC, m, &event(7, end, d));
    let packets = [
        a(0, 0, true),
        a(1, 160, false),
        a(2, 320, false),
        a(3, 480, false),
        a(4, 640, false),
        e(5, true, false, 160),
        a(6, 800, false), // audio during the event
        e(7, false, false, 320),
        e(9, false, true, 480), // reordered with the next
        e(8, false, false, 400),
        e(10, false, true, 480),
        a(11, 960, false), // late audio still inside the event
        e(12, false, true, 480),
        a(13, 1280, true),
        a(14, 1440, false),
    ];
    for p in &packets {
        t.push(now, p).unwrap();
    }
    drain(t)
}

#[test]
fn telephone_events_pass_with_their_type_and_time_mapped() {
    let mut t = Transcoder::new(dtmf_cfg(Some(96), 20)).unwrap();
    let out = dtmf_session(&mut t);
    let base = 0xFFFF_F000u32;
    let kinds: Vec<(u8, u32, bool)> = out
        .iter()
        .map(|o| (o.pt, o.ts.wrapping_sub(base), o.marker))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (9, 0, true),
            (9, 160, false),
            (9, 320, false),
            (9, 480, false),
            (9, 640, false),
            (96, 800, true),
            (96, 800, false),
            (96, 800, false),
            (96, 800, false),
            (96, 800, false),
            (96, 800, false),
            (9, 1280, true),
            (9, 1440, false),
        ]
    );
    for (o, (end, d)) in out[5..11].iter().zip([
        (false, 160),
        (false, 320),
        (false, 400),
        (true, 480),
        (true, 480),
        (true, 480),
    ]) {
        let ev = TelephoneEvent::parse(&o.payload).unwrap();
        assert_eq!(
            (ev.event(), ev.end(), ev.volume(), ev.duration()),
            (7, end, 10, d)
        );
    }
    assert_eq!(
        out.iter().map(|o| o.seq).collect::<Vec<_>>(),
        (0..13)
            .map(|i| 65_530u16.wrapping_add(i))
            .collect::<Vec<_>>()
    );
    let s = t.stats();
    assert_eq!(
        (
            s.dtmf_passed,
            s.audio_in_event_dropped,
            s.reordered,
            s.concealed_ticks
        ),
        (6, 2, 1, 0)
    );
}

#[test]
fn telephone_events_dropped_without_an_output_type() {
    let mut t = Transcoder::new(dtmf_cfg(None, 20)).unwrap();
    let out = dtmf_session(&mut t);
    assert!(out.iter().all(|o| o.pt == 9));
    let ts: Vec<u32> = out.iter().map(|o| o.ts.wrapping_sub(0xFFFF_F000)).collect();
    assert_eq!(ts, vec![0, 160, 320, 480, 640, 1280, 1440]);
    let s = t.stats();
    assert_eq!(
        (s.dtmf_passed, s.dtmf_dropped, s.audio_in_event_dropped),
        (0, 6, 2)
    );
}

#[test]
fn an_event_sends_the_partly_filled_audio_packet_first() {
    let mut t = Transcoder::new(dtmf_cfg(Some(96), 60)).unwrap();
    let out = dtmf_session(&mut t);
    let shape: Vec<(u8, usize, u32)> = out
        .iter()
        .map(|o| (o.pt, o.payload.len(), o.ts.wrapping_sub(0xFFFF_F000)))
        .take(4)
        .collect();
    assert_eq!(
        shape,
        vec![(9, 480, 0), (9, 320, 480), (96, 4, 800), (96, 4, 800)]
    );
}

#[test]
fn comfort_noise_is_passed_or_dropped() {
    for pass in [false, true] {
        let mut c = config(PayloadFormat::G722, PayloadFormat::Pcmu, 20);
        c.pass_cn = pass;
        c.output_cn_pt = Some(19);
        let mut t = Transcoder::new(c).unwrap();
        let now = Instant::now();
        t.push(now, &rtp(9, 1, 0, IN_SSRC, true, &[0x55; 160]))
            .unwrap();
        t.push(now, &rtp(13, 2, 160, IN_SSRC, false, &[40, 1, 2, 3]))
            .unwrap();
        t.push(now, &rtp(13, 3, 2560, IN_SSRC, false, &[42]))
            .unwrap();
        t.push(now, &rtp(9, 4, 4000, IN_SSRC, true, &[0x55; 160]))
            .unwrap();
        let out = drain(&mut t);
        let got: Vec<(u8, u32, usize)> = out
            .iter()
            .map(|o| (o.pt, o.ts.wrapping_sub(0xFFFF_F000), o.payload.len()))
            .collect();
        let s = t.stats();
        if pass {
            assert_eq!(
                got,
                vec![(0, 0, 160), (19, 160, 4), (19, 2560, 1), (0, 4000, 160)]
            );
            assert_eq!(out[1].payload, vec![40, 1, 2, 3]);
            assert_eq!((s.cn_passed, s.cn_dropped), (2, 0));
        } else {
            assert_eq!(got, vec![(0, 0, 160), (0, 4000, 160)]);
            assert_eq!((s.cn_passed, s.cn_dropped), (0, 2));
        }
        assert_continuous(&out[..1], 65_530, 0xFFFF_F000, 0);
        assert_eq!(s.concealed_ticks, 0);
    }
}

#[test]
fn refused_packets_change_nothing() {
    let mut c = config(PayloadFormat::Pcmu, PayloadFormat::G722, 20);
    c.input_dtmf_pt = Some(101);
    c.output_dtmf_pt = Some(101);
    let good = |seq: u16| rtp(0, seq, 160 * u32::from(seq), IN_SSRC, false, &[0x33; 160]);
    let mut v1 = good(2);
    v1[0] = 0x40;
    let mut padded = rtp(0, 2, 320, IN_SSRC, false, &[0, 0, 0, 9]);
    padded[0] |= 0x20; // padding count 9 > payload
    let bad: Vec<(Vec<u8>, ErrorKind)> = vec![
        (vec![], ErrorKind::Parse),
        (vec![0x80, 0, 0, 2, 0], ErrorKind::Parse),
        (v1, ErrorKind::Parse),
        (padded, ErrorKind::Parse),
        (
            rtp(96, 2, 320, IN_SSRC, false, &[0; 160]),
            ErrorKind::Unsupported,
        ),
        (
            rtp(72, 2, 320, IN_SSRC, false, &[0; 160]),
            ErrorKind::Unsupported,
        ),
        (rtp(0, 2, 320, IN_SSRC, false, &[]), ErrorKind::Invalid),
        (
            rtp(0, 2, 320, IN_SSRC, false, &vec![0; MAX_INPUT_TICKS + 1]),
            ErrorKind::Limit,
        ),
        (
            rtp(101, 2, 320, IN_SSRC, false, &[1, 2, 3]),
            ErrorKind::Parse,
        ),
        (rtp(101, 2, 320, IN_SSRC, false, &[]), ErrorKind::Parse),
        (rtp(101, 2, 320, IN_SSRC, false, &[0; 68]), ErrorKind::Limit),
        (rtp(13, 2, 320, IN_SSRC, false, &[]), ErrorKind::Parse),
        (rtp(0, 2, 320, 0x999, false, &[]), ErrorKind::Invalid), // another SSRC, refused before it counts
    ];
    let now = Instant::now();
    let mut clean = Transcoder::new(c.clone()).unwrap();
    let mut t = Transcoder::new(c).unwrap();
    for seq in 0..2 {
        clean.push(now, &good(seq)).unwrap();
        t.push(now, &good(seq)).unwrap();
    }
    for (i, (p, kind)) in bad.iter().enumerate() {
        let e: Error = t.push(now, p).unwrap_err();
        assert_eq!(e.kind(), *kind, "case {i}: {e}");
        assert!(!e.to_string().is_empty());
    }
    for seq in 2..6 {
        clean.push(now, &good(seq)).unwrap();
        t.push(now, &good(seq)).unwrap();
    }
    assert_eq!(drain(&mut t), drain(&mut clean));
    let s = t.stats();
    assert_eq!(s.bad_packets, bad.len() as u64);
    assert_eq!(
        TranscoderStats {
            bad_packets: 0,
            ..s
        },
        clean.stats()
    );
}

#[test]
fn a_small_buffer_keeps_the_packet_queued() {
    let mut t = Transcoder::new(pcmu_cfg()).unwrap();
    t.push(Instant::now(), &rtp(0, 1, 0, IN_SSRC, false, &[0x42; 160]))
        .unwrap();
    let mut small = [0u8; 171];
    assert_eq!(
        t.poll_output(&mut small).unwrap_err(),
        Error::BufferTooSmall { needed: 172 }
    );
    assert_eq!(
        t.poll_output(&mut []).unwrap_err(),
        Error::BufferTooSmall { needed: 172 }
    );
    let mut buf = [0u8; 400];
    assert_eq!(t.poll_output(&mut buf).unwrap(), Some(172));
    assert_eq!(&buf[12..172], &[0x42; 160][..]);
    assert_eq!(u16::from_be_bytes([buf[2], buf[3]]), 65_530);
    assert_eq!(t.poll_output(&mut buf).unwrap(), None);
    assert!(t.max_output_packet_len() >= 172);
}

#[test]
fn reset_keeps_the_output_going() {
    let mut t = Transcoder::new(pcmu_cfg()).unwrap();
    let now = Instant::now();
    t.push(now, &rtp(0, 1, 0, IN_SSRC, false, &[1; 160]))
        .unwrap();
    t.push(now, &rtp(0, 2, 160, IN_SSRC, false, &[2; 80]))
        .unwrap();
    t.push(now, &rtp(0, 4, 320, IN_SSRC, false, &[4; 160]))
        .unwrap(); // held
    t.reset();
    // the same source from the start again
    t.push(now, &rtp(0, 1, 0, IN_SSRC, false, &[5; 160]))
        .unwrap();
    let out = drain(&mut t);
    let got: Vec<(u32, usize, bool)> = out
        .iter()
        .map(|o| (o.ts.wrapping_sub(0xFFFF_F000), o.payload.len(), o.marker))
        .collect();
    assert_eq!(
        got,
        vec![(0, 160, true), (160, 80, false), (240, 160, true)]
    );
    assert_continuous(&out, 65_530, 0xFFFF_F000, 0);
    assert_eq!(t.stats().resets, 1);
}

#[test]
fn bad_configurations_are_refused() {
    let ok = config(PayloadFormat::Pcmu, PayloadFormat::Pcma, 20);
    for ptime in [0, 5, 25, 70, 120] {
        let mut c = ok.clone();
        c.output_ptime_ms = ptime;
        assert_eq!(
            Transcoder::new(c).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
    let mut c = ok.clone();
    c.input_pt = 200;
    assert_eq!(
        Transcoder::new(c).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let mut c = ok.clone();
    c.input_cn_pt = Some(0);
    assert_eq!(
        Transcoder::new(c).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let mut c = ok;
    c.output_dtmf_pt = Some(8);
    assert_eq!(
        Transcoder::new(c).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn format_facts() {
    let f: Vec<(u32, u32, u8)> = FORMATS
        .iter()
        .map(|f| (f.sample_rate(), f.rtp_clock(), f.static_payload_type()))
        .collect();
    assert_eq!(f, vec![(8000, 8000, 0), (8000, 8000, 8), (16000, 8000, 9)]);
}

#[test]
fn counter_sees_allocations() {
    let n = allocations_in(|| {
        std::hint::black_box(vec![0u8; 64]);
    });
    assert!(n >= 1);
}

#[test]
fn running_legs_allocate_nothing() {
    for input in FORMATS {
        for output in FORMATS {
            let mut c = config(input, output, 20);
            c.input_dtmf_pt = Some(101);
            c.output_dtmf_pt = Some(100);
            c.pass_cn = true;
            let mut t = Transcoder::new(c).unwrap();
            let tone = encoded_tone(input, 160 * 400);
            let pt = input.static_payload_type();
            let packets: Vec<Vec<u8>> = tone
                .chunks(160)
                .enumerate()
                .map(|(k, c)| {
                    if k % 50 == 27 {
                        rtp(
                            101,
                            k as u16,
                            160 * k as u32,
                            IN_SSRC,
                            true,
                            &event(1, k % 100 == 27, 160),
                        )
                    } else if k % 70 == 38 {
                        rtp(13, k as u16, 160 * k as u32, IN_SSRC, false, &[50])
                    } else {
                        rtp(pt, k as u16, 160 * k as u32, IN_SSRC, false, c)
                    }
                })
                .collect();
            // losses, reordering and a duplicate, in a repeating pattern
            let mut order: Vec<usize> = Vec::new();
            for base in (0..packets.len()).step_by(10) {
                order.extend([0, 1, 3, 2, 4, 4, 6, 7, 8, 9].iter().map(|i| base + i));
            }
            let mut buf = vec![0u8; t.max_output_packet_len()];
            let t0 = Instant::now();
            // warm-up outside the count
            for (i, &k) in order.iter().take(20).enumerate() {
                t.push(t0 + Duration::from_millis(20 * i as u64), &packets[k])
                    .unwrap();
                while t.poll_output(&mut buf).unwrap().is_some() {}
            }
            let n = allocations_in(|| {
                for (i, &k) in order.iter().enumerate().skip(20) {
                    let now = t0 + Duration::from_millis(20 * i as u64);
                    t.push(now, &packets[k]).unwrap();
                    t.handle_timeout(now);
                    while t.poll_output(&mut buf).unwrap().is_some() {}
                }
            });
            assert_eq!(n, 0, "{input:?}->{output:?}");
            let s = t.stats();
            assert!(
                s.concealed_ticks > 0 && s.duplicates > 0 && s.dtmf_passed > 0 && s.cn_passed > 0
            );
        }
    }
}
