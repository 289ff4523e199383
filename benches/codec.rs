//! Codecs and the transcoder: G.711 encode and decode (μ-law and A-law),
//! G.722 encode and decode at 64 kbit/s, 2x resampling up and down, and a
//! transcoding leg, with spandsp measured in the same group:
//!
//! - `mediaplane`: the slice functions of [`mediaplane::codec::g711`],
//!   [`G722Encoder`] / [`G722Decoder`], [`Upsampler2x`] / [`Downsampler2x`]
//!   and [`Transcoder`];
//! - `spandsp`: spandsp's `g711_encode` / `g711_decode` and `g722_encode` /
//!   `g722_decode` (Debian `libspandsp-dev`, 0.0.6), linked here only, with
//!   `--features bench-peers` when build.rs finds spandsp. spandsp has no
//!   8 ↔ 16 kHz resampler and no RTP transcoder, so the resample and
//!   transcode groups have one row.
//!
//! `cargo bench --bench codec --features bench-peers`; results and the
//! machine are in benches/RESULTS-codec.md. Without the feature the bench
//! runs the `mediaplane` rows.
//!
//! Sizes: G.711 on 160 samples (20 ms at 8 kHz) and on 8000 (one second,
//! where per-call overhead no longer counts); G.722 on 320 samples / 160
//! octets (20 ms at 16 kHz); resampling 160 samples up and 320 down.
//! Throughput is in samples (octets for the decoders' input) per second.
//! The input is a fixed speech-like signal (two tones with a slow envelope
//! and noise) covering every G.711 segment; the G.722 decoders both decode
//! mediaplane's encoding of it. The outputs are not compared here (the
//! differential tests do that): spandsp's μ-law encoder differs from the
//! G.191 reference on some negative inputs, and its G.722 wraps where the
//! reference limits, so near full scale the two may differ by design.
//!
//! The `transcode` group pushes one RTP packet at a time through a
//! [`Transcoder`] and polls the one packet it makes: `pcmu_to_g722` (PCMU
//! 20 ms in, G.722 20 ms out: μ-law decode, upsample, G.722 encode, RTP
//! header), `g722_to_pcmu` (the reverse), and `leg`, which does one of
//! each per iteration — one transcoded call leg for 20 ms, both directions.
//! Its throughput counts the two packets, so a leg (50 packets per second
//! each way) costs 100 packets per second: legs per core = packets/s ÷ 100.
//! Sequence numbers and timestamps advance as on a live stream, and the
//! clock passed in advances 20 ms per packet.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mediaplane::codec::g711;
use mediaplane::codec::g722::{G722Decoder, G722Encoder, G722Mode};
use mediaplane::codec::resample::{Downsampler2x, Upsampler2x};
use mediaplane::codec::transcoder::{PayloadFormat, Transcoder, TranscoderConfig};

#[cfg(all(feature = "bench-peers", have_spandsp))]
mod spandsp {
    //! The spandsp rows: its G.711 and G.722 calls over an owned state.

    use std::os::raw::c_int;

    #[repr(C)]
    pub struct G711State {
        _opaque: [u8; 0],
    }
    #[repr(C)]
    pub struct G722EncodeState {
        _opaque: [u8; 0],
    }
    #[repr(C)]
    pub struct G722DecodeState {
        _opaque: [u8; 0],
    }

    /// spandsp's `G711_ALAW` and `G711_ULAW`.
    const G711_ALAW: c_int = 0;
    const G711_ULAW: c_int = 1;

    #[link(name = "spandsp")]
    extern "C" {
        fn g711_init(s: *mut G711State, mode: c_int) -> *mut G711State;
        fn g711_encode(s: *mut G711State, out: *mut u8, amp: *const i16, len: c_int) -> c_int;
        fn g711_decode(s: *mut G711State, amp: *mut i16, data: *const u8, len: c_int) -> c_int;
        fn g711_free(s: *mut G711State) -> c_int;
        fn g722_encode_init(
            s: *mut G722EncodeState,
            rate: c_int,
            options: c_int,
        ) -> *mut G722EncodeState;
        fn g722_encode(s: *mut G722EncodeState, out: *mut u8, amp: *const i16, len: c_int)
            -> c_int;
        fn g722_encode_free(s: *mut G722EncodeState) -> c_int;
        fn g722_decode_init(
            s: *mut G722DecodeState,
            rate: c_int,
            options: c_int,
        ) -> *mut G722DecodeState;
        fn g722_decode(
            s: *mut G722DecodeState,
            amp: *mut i16,
            data: *const u8,
            len: c_int,
        ) -> c_int;
        fn g722_decode_free(s: *mut G722DecodeState) -> c_int;
    }

    pub struct G711(*mut G711State);

    impl G711 {
        pub fn new(ulaw: bool) -> G711 {
            let mode = if ulaw { G711_ULAW } else { G711_ALAW };
            // SAFETY: NULL asks spandsp to allocate the state.
            let s = unsafe { g711_init(std::ptr::null_mut(), mode) };
            assert!(!s.is_null(), "g711_init failed");
            G711(s)
        }

        pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> usize {
            assert!(out.len() >= pcm.len());
            // SAFETY: the state is live; `out` has room for one octet per
            // sample.
            let n =
                unsafe { g711_encode(self.0, out.as_mut_ptr(), pcm.as_ptr(), pcm.len() as c_int) };
            n as usize
        }

        pub fn decode(&mut self, codes: &[u8], out: &mut [i16]) -> usize {
            assert!(out.len() >= codes.len());
            // SAFETY: as above, one sample per octet.
            let n = unsafe {
                g711_decode(
                    self.0,
                    out.as_mut_ptr(),
                    codes.as_ptr(),
                    codes.len() as c_int,
                )
            };
            n as usize
        }
    }

    impl Drop for G711 {
        fn drop(&mut self) {
            // SAFETY: allocated by g711_init, freed once.
            unsafe { g711_free(self.0) };
        }
    }

    pub struct G722Enc(*mut G722EncodeState);

    impl G722Enc {
        pub fn new(rate: c_int) -> G722Enc {
            // SAFETY: NULL asks spandsp to allocate; options 0 is 16 kHz
            // input, one code per octet.
            let s = unsafe { g722_encode_init(std::ptr::null_mut(), rate, 0) };
            assert!(!s.is_null(), "g722_encode_init failed");
            G722Enc(s)
        }

        pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> usize {
            assert!(out.len() >= pcm.len() / 2);
            // SAFETY: the state is live; `out` has room for one octet per
            // two samples.
            let n =
                unsafe { g722_encode(self.0, out.as_mut_ptr(), pcm.as_ptr(), pcm.len() as c_int) };
            n as usize
        }
    }

    impl Drop for G722Enc {
        fn drop(&mut self) {
            // SAFETY: allocated by g722_encode_init, freed once.
            unsafe { g722_encode_free(self.0) };
        }
    }

    pub struct G722Dec(*mut G722DecodeState);

    impl G722Dec {
        pub fn new(rate: c_int) -> G722Dec {
            // SAFETY: as for G722Enc::new.
            let s = unsafe { g722_decode_init(std::ptr::null_mut(), rate, 0) };
            assert!(!s.is_null(), "g722_decode_init failed");
            G722Dec(s)
        }

        pub fn decode(&mut self, data: &[u8], out: &mut [i16]) -> usize {
            assert!(out.len() >= data.len() * 2);
            // SAFETY: the state is live; `out` has room for two samples per
            // octet.
            let n = unsafe {
                g722_decode(self.0, out.as_mut_ptr(), data.as_ptr(), data.len() as c_int)
            };
            n as usize
        }
    }

    impl Drop for G722Dec {
        fn drop(&mut self) {
            // SAFETY: allocated by g722_decode_init, freed once.
            unsafe { g722_decode_free(self.0) };
        }
    }
}

/// `n` samples of a speech-like signal at `rate` Hz: two tones under a
/// syllable-rate envelope, plus noise, reaching near full scale.
fn signal(n: usize, rate: f64) -> Vec<i16> {
    let mut x = 0x1234_5678u32;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let noise = f64::from((x >> 16) as u16 as i16) / 32768.0;
            let env = 0.5 + 0.5 * (2.0 * std::f64::consts::PI * 3.0 * t).sin();
            let v = env
                * (0.55 * (2.0 * std::f64::consts::PI * 310.0 * t).sin()
                    + 0.3 * (2.0 * std::f64::consts::PI * 1870.0 * t).sin())
                + 0.1 * noise;
            (v * 32000.0).clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

const G711_SIZES: [usize; 2] = [160, 8000];

fn g711(c: &mut Criterion) {
    #[cfg(all(feature = "bench-peers", not(have_spandsp)))]
    eprintln!("codec bench: spandsp rows skipped: build.rs did not find libspandsp-dev");

    type Enc = fn(&[i16], &mut [u8]) -> usize;
    type Dec = fn(&[u8], &mut [i16]) -> usize;
    let laws: [(&str, Enc, Dec); 2] = [
        ("ulaw", g711::encode_ulaw, g711::decode_ulaw),
        ("alaw", g711::encode_alaw, g711::decode_alaw),
    ];
    for (name, enc, dec) in laws {
        for n in G711_SIZES {
            let pcm = signal(n, 8000.0);
            let mut codes = vec![0u8; n];
            enc(&pcm, &mut codes);
            let mut out8 = vec![0u8; n];
            let mut out16 = vec![0i16; n];

            let mut g = c.benchmark_group(format!("g711_encode/{name}/{n}"));
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
                b.iter(|| black_box(enc(black_box(&pcm), &mut out8)))
            });
            #[cfg(all(feature = "bench-peers", have_spandsp))]
            {
                let mut s = spandsp::G711::new(name == "ulaw");
                g.bench_function(BenchmarkId::from_parameter("spandsp"), |b| {
                    b.iter(|| black_box(s.encode(black_box(&pcm), &mut out8)))
                });
            }
            g.finish();

            let mut g = c.benchmark_group(format!("g711_decode/{name}/{n}"));
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
                b.iter(|| black_box(dec(black_box(&codes), &mut out16)))
            });
            #[cfg(all(feature = "bench-peers", have_spandsp))]
            {
                let mut s = spandsp::G711::new(name == "ulaw");
                g.bench_function(BenchmarkId::from_parameter("spandsp"), |b| {
                    b.iter(|| black_box(s.decode(black_box(&codes), &mut out16)))
                });
            }
            g.finish();
        }
    }
}

fn g722(c: &mut Criterion) {
    const FRAME: usize = 320;
    // One second, encoded 20 ms at a time: the states see a real stream
    // rather than one frame over and over.
    let pcm = signal(16_000, 16_000.0);
    let frames = pcm.len() / FRAME;
    let mut octets = vec![0u8; pcm.len() / 2];
    let mut e = G722Encoder::new(G722Mode::Mode1);
    for (f, o) in pcm.chunks(FRAME).zip(octets.chunks_mut(FRAME / 2)) {
        e.encode(f, o);
    }

    let mut g = c.benchmark_group("g722_encode/64000/320");
    g.throughput(Throughput::Elements(FRAME as u64));
    let mut out = [0u8; FRAME / 2];
    let mut enc = G722Encoder::new(G722Mode::Mode1);
    let mut i = 0;
    g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
        b.iter(|| {
            let f = &pcm[i * FRAME..(i + 1) * FRAME];
            i = (i + 1) % frames;
            black_box(enc.encode(black_box(f), &mut out))
        })
    });
    #[cfg(all(feature = "bench-peers", have_spandsp))]
    {
        let mut s = spandsp::G722Enc::new(64_000);
        let mut i = 0;
        g.bench_function(BenchmarkId::from_parameter("spandsp"), |b| {
            b.iter(|| {
                let f = &pcm[i * FRAME..(i + 1) * FRAME];
                i = (i + 1) % frames;
                black_box(s.encode(black_box(f), &mut out))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("g722_decode/64000/160");
    g.throughput(Throughput::Elements((FRAME / 2) as u64));
    let mut out = [0i16; FRAME];
    let mut dec = G722Decoder::new(G722Mode::Mode1);
    let mut i = 0;
    g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
        b.iter(|| {
            let f = &octets[i * FRAME / 2..(i + 1) * FRAME / 2];
            i = (i + 1) % frames;
            black_box(dec.decode(black_box(f), &mut out))
        })
    });
    #[cfg(all(feature = "bench-peers", have_spandsp))]
    {
        let mut s = spandsp::G722Dec::new(64_000);
        let mut i = 0;
        g.bench_function(BenchmarkId::from_parameter("spandsp"), |b| {
            b.iter(|| {
                let f = &octets[i * FRAME / 2..(i + 1) * FRAME / 2];
                i = (i + 1) % frames;
                black_box(s.decode(black_box(f), &mut out))
            })
        });
    }
    g.finish();
}

fn resample(c: &mut Criterion) {
    let in8 = signal(160, 8000.0);
    let in16 = signal(320, 16_000.0);

    let mut g = c.benchmark_group("resample/up/160");
    g.throughput(Throughput::Elements(160));
    let mut up = Upsampler2x::new();
    let mut out16 = [0i16; 320];
    g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
        b.iter(|| black_box(up.process(black_box(&in8), &mut out16)))
    });
    g.finish();

    let mut g = c.benchmark_group("resample/down/320");
    g.throughput(Throughput::Elements(320));
    let mut down = Downsampler2x::new();
    let mut out8 = [0i16; 160];
    g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
        b.iter(|| black_box(down.process(black_box(&in16), &mut out8)))
    });
    g.finish();
}

/// One direction of a leg: a transcoder and a one-second loop of input
/// packets whose sequence numbers and timestamps are rewritten to continue
/// the stream on every lap.
struct Direction {
    t: Transcoder,
    packets: Vec<Vec<u8>>,
    next: usize,
    seq: u16,
    ts: u32,
    now: Instant,
    out: Vec<u8>,
}

impl Direction {
    fn new(from: PayloadFormat, to: PayloadFormat, packets: Vec<Vec<u8>>) -> Direction {
        let t = Transcoder::new(TranscoderConfig::new(from, to, 0xbe7c_0de5)).unwrap();
        let out = vec![0u8; t.max_output_packet_len()];
        Direction {
            t,
            packets,
            next: 0,
            seq: 1,
            ts: 0,
            now: Instant::now(),
            out,
        }
    }

    /// Pushes the next packet and polls the one it makes.
    fn step(&mut self) -> usize {
        let lap = self.packets.len();
        let p = &mut self.packets[self.next];
        self.next = (self.next + 1) % lap;
        p[2..4].copy_from_slice(&self.seq.to_be_bytes());
        p[4..8].copy_from_slice(&self.ts.to_be_bytes());
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(160);
        self.now += Duration::from_millis(20);
        self.t.push(self.now, p).unwrap();
        let n = self.t.poll_output(&mut self.out).unwrap();
        n.expect("one packet out per packet in")
    }
}

/// One second of 20 ms RTP packets of `pt` whose payloads `frame` fills.
fn packets(pt: u8, payload_len: usize, mut frame: impl FnMut(usize, &mut [u8])) -> Vec<Vec<u8>> {
    (0..50)
        .map(|i| {
            let mut p = vec![0x80, pt, 0, 0, 0, 0, 0, 0, 0x5e, 0xed, 0x00, 0x01];
            p.resize(12 + payload_len, 0);
            frame(i, &mut p[12..]);
            p
        })
        .collect()
}

fn transcode(c: &mut Criterion) {
    let pcm = signal(8000, 8000.0);
    let pcmu = packets(0, 160, |i, out| {
        g711::encode_ulaw(&pcm[i * 160..(i + 1) * 160], out);
    });
    // The G.722 packets are what the forward direction makes of the PCMU
    // ones, so the reverse direction decodes realistic data.
    let mut fwd = Direction::new(PayloadFormat::Pcmu, PayloadFormat::G722, pcmu.clone());
    let g722 = packets(9, 160, |_, out| {
        let n = fwd.step();
        out.copy_from_slice(&fwd.out[12..n]);
    });

    let mut g = c.benchmark_group("transcode/pcmu_to_g722");
    g.throughput(Throughput::Elements(1));
    let mut d = Direction::new(PayloadFormat::Pcmu, PayloadFormat::G722, pcmu.clone());
    g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
        b.iter(|| black_box(d.step()))
    });
    g.finish();

    let mut g = c.benchmark_group("transcode/g722_to_pcmu");
    g.throughput(Throughput::Elements(1));
    let mut d = Direction::new(PayloadFormat::G722, PayloadFormat::Pcmu, g722.clone());
    g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
        b.iter(|| black_box(d.step()))
    });
    g.finish();

    let mut g = c.benchmark_group("transcode/leg");
    g.throughput(Throughput::Elements(2));
    let mut a = Direction::new(PayloadFormat::Pcmu, PayloadFormat::G722, pcmu);
    let mut z = Direction::new(PayloadFormat::G722, PayloadFormat::Pcmu, g722);
    g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
        b.iter(|| black_box(a.step() + z.step()))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = g711, g722, resample, transcode
}
criterion_main!(benches);
