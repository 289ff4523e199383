//! Our G.722 bitstreams decoded by ffmpeg's independent `g722` decoder
//! (libavcodec's `adpcm_g722`, a separate implementation of the ITU-T
//! algorithm with its own arithmetic layout), compared with our decoder
//! and, where spandsp is installed, with spandsp's.
//!
//! The relationship found and asserted: ffmpeg's output equals ours
//! sample for sample, in all three modes (its `bits_per_codeword` 8, 7, 6
//! read our octets as they are: IH in the top bits, the data bits at the
//! bottom skipped), on encoded audio and on random octets. Both limit the
//! receive QMF's output to 16 bits (`av_clip_int16`), as the ITU-T
//! reference does. spandsp 0.0.6 equals both except on samples whose
//! unlimited value is past full scale, which it wraps instead; the
//! comparison with spandsp therefore holds exactly on every sample where
//! ours is not at full scale, and `tests/g722_spandsp.rs` pins the
//! out-of-range samples down exactly.
//!
//! Skipped, with the reason printed, when ffmpeg is not installed.

use mediaplane::codec::g722::{G722Decoder, G722Encoder, G722Mode};
use std::path::PathBuf;
use std::process::Command;

const RATE: f64 = 16000.0;

fn ffmpeg_present() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A scratch file name unique to this process and `tag`.
fn scratch(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("mediaplane-g722-{}-{tag}", std::process::id()))
}

/// Decodes raw G.722 octets with ffmpeg, reading `bits` audio bits per
/// octet (8, 7 or 6).
fn ffmpeg_decode(octets: &[u8], bits: u32, tag: &str) -> Vec<i16> {
    let input = scratch(&format!("{tag}.g722"));
    let output = scratch(&format!("{tag}.raw"));
    std::fs::write(&input, octets).unwrap();
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-bits_per_codeword", &bits.to_string()])
        .args(["-f", "g722", "-i"])
        .arg(&input)
        .args(["-f", "s16le", "-acodec", "pcm_s16le"])
        .arg(&output)
        .status()
        .unwrap();
    let raw = std::fs::read(&output);
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    assert!(status.success(), "ffmpeg failed: {status}");
    raw.unwrap()
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// xorshift64*: deterministic noise without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn clip(x: f64) -> i16 {
    x.round().clamp(-32768.0, 32767.0) as i16
}

/// About 40 s of varied audio (4 s in debug builds): a sweep, white and
/// pink-ish noise, speech-like bursts with pauses, square waves and an
/// overdriven tone.
fn audio() -> Vec<i16> {
    let scale = if cfg!(debug_assertions) { 0.1 } else { 1.0 };
    let len = |s: f64| ((s * scale * RATE) as usize) & !1;
    let tau = 2.0 * std::f64::consts::PI;
    let mut rng = Rng(0x5eed_f0f0);
    let mut a: Vec<i16> = Vec::new();

    let n = len(8.0);
    let mut phase = 0.0;
    a.extend((0..n).map(|i| {
        phase += tau * 20.0 * (400f64.ln() * i as f64 / n as f64).exp() / RATE;
        clip(20000.0 * phase.sin())
    }));
    a.extend((0..len(5.0)).map(|_| clip(20000.0 * rng.uniform())));
    let mut lp = 0.0;
    a.extend((0..len(5.0)).map(|_| {
        lp = 0.97 * lp + 0.03 * rng.uniform();
        clip(80000.0 * lp)
    }));
    let start = a.len();
    while a.len() - start < len(12.0) {
        let f0 = 110.0 + 90.0 * (rng.uniform() + 1.0);
        let syl = (0.1 + 0.2 * (rng.uniform() + 1.0)) * RATE * scale.max(0.5);
        let loud = 3000.0 + 5000.0 * (rng.uniform() + 1.0);
        let n = syl as usize;
        for i in 0..n {
            let t = i as f64 / n as f64;
            let p = tau * f0 * i as f64 / RATE;
            let v: f64 = (1..=20)
                .map(|h| (p * h as f64).sin() / h as f64)
                .sum::<f64>();
            a.push(clip(loud * (std::f64::consts::PI * t).sin() * v));
        }
        a.extend(std::iter::repeat_n(
            0,
            (0.2 * RATE * scale.max(0.5)) as usize,
        ));
    }
    for f in [200.0, 2500.0, 6000.0] {
        a.extend((0..len(2.0)).map(|i| {
            if (f * i as f64 / RATE).fract() < 0.5 {
                32767
            } else {
                -32768
            }
        }));
    }
    a.extend((0..len(4.0)).map(|i| clip(50000.0 * (tau * 250.0 * i as f64 / RATE).sin())));
    let n = a.len() & !1;
    a.truncate(n);
    a
}

fn ours(octets: &[u8], mode: G722Mode) -> Vec<i16> {
    let mut dec = G722Decoder::new(mode);
    let mut out = vec![0i16; 2 * octets.len()];
    // In 20 ms frames, as RTP would deliver them.
    for (i, frame) in octets.chunks(160).enumerate() {
        dec.decode(frame, &mut out[320 * i..320 * i + 2 * frame.len()]);
    }
    out
}

fn bits(mode: G722Mode) -> u32 {
    match mode {
        G722Mode::Mode1 => 8,
        G722Mode::Mode2 => 7,
        G722Mode::Mode3 => 6,
    }
}

fn assert_same(a: &[i16], b: &[i16], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    if let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) {
        panic!(
            "{what}: first difference at sample {i}: {} vs {}",
            a[i], b[i]
        );
    }
}

#[test]
fn ffmpeg_decodes_our_bitstream_as_we_do() {
    if !ffmpeg_present() {
        eprintln!("skipped: ffmpeg is not installed");
        return;
    }
    let pcm = audio();
    for mode in [G722Mode::Mode1, G722Mode::Mode2, G722Mode::Mode3] {
        let mut enc = G722Encoder::new(mode);
        let mut octets = vec![0u8; pcm.len() / 2];
        assert_eq!(enc.encode(&pcm, &mut octets), octets.len());
        let theirs = ffmpeg_decode(&octets, bits(mode), &format!("audio-{}", bits(mode)));
        assert_same(
            &ours(&octets, mode),
            &theirs,
            &format!("{mode:?}, encoded audio"),
        );
        #[cfg(have_spandsp)]
        spandsp::compare(&octets, mode, &theirs);
    }
}

#[test]
fn ffmpeg_decodes_random_octets_as_we_do() {
    if !ffmpeg_present() {
        eprintln!("skipped: ffmpeg is not installed");
        return;
    }
    let n = if cfg!(debug_assertions) {
        16_000
    } else {
        160_000
    };
    let mut rng = Rng(42);
    let mut octets: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
    for (i, v) in [0x00u8, 0xff, 0x3f, 0xc0].into_iter().enumerate() {
        let at = (i + 1) * n / 5;
        octets[at..at + 2000].fill(v);
    }
    for mode in [G722Mode::Mode1, G722Mode::Mode2, G722Mode::Mode3] {
        let theirs = ffmpeg_decode(&octets, bits(mode), &format!("random-{}", bits(mode)));
        assert_same(
            &ours(&octets, mode),
            &theirs,
            &format!("{mode:?}, random octets"),
        );
        #[cfg(have_spandsp)]
        spandsp::compare(&octets, mode, &theirs);
    }
}

#[cfg(have_spandsp)]
mod spandsp {
    use mediaplane::codec::g722::G722Mode;
    use std::os::raw::{c_int, c_void};

    #[link(name = "spandsp")]
    extern "C" {
        fn g722_decode_init(s: *mut c_void, rate: c_int, options: c_int) -> *mut c_void;
        fn g722_decode(s: *mut c_void, amp: *mut i16, data: *const u8, len: c_int) -> c_int;
        fn g722_decode_free(s: *mut c_void) -> c_int;
    }

    /// spandsp's decode of our octets (its codes are right-aligned).
    fn decode(octets: &[u8], mode: G722Mode) -> Vec<i16> {
        let shift = match mode {
            G722Mode::Mode1 => 0,
            G722Mode::Mode2 => 1,
            G722Mode::Mode3 => 2,
        };
        let codes: Vec<u8> = octets.iter().map(|&o| o >> shift).collect();
        let mut out = vec![0i16; 2 * codes.len()];
        // SAFETY: a NULL state asks spandsp to allocate one (checked);
        // it writes two samples per code into `out`, sized for them; the
        // state is freed once.
        unsafe {
            let s = g722_decode_init(std::ptr::null_mut(), mode.bitrate() as c_int, 0);
            assert!(!s.is_null());
            let n = g722_decode(
                s,
                out.as_mut_ptr(),
                codes.as_ptr(),
                c_int::try_from(codes.len()).unwrap(),
            );
            g722_decode_free(s);
            assert_eq!(usize::try_from(n).unwrap(), out.len());
        }
        out
    }

    /// ffmpeg's samples equal spandsp's wherever ffmpeg's are not at full
    /// scale (where spandsp 0.0.6 may have wrapped an overshoot).
    pub fn compare(octets: &[u8], mode: G722Mode, ffmpeg: &[i16]) {
        let span = decode(octets, mode);
        assert_eq!(span.len(), ffmpeg.len());
        let mut at_full_scale = 0;
        for (i, (&f, &s)) in ffmpeg.iter().zip(&span).enumerate() {
            if f == i16::MAX || f == i16::MIN {
                at_full_scale += 1;
            } else {
                assert_eq!(f, s, "{mode:?}: ffmpeg vs spandsp at sample {i}");
            }
        }
        eprintln!(
            "{mode:?}: ffmpeg equals spandsp on {} of {} samples; {at_full_scale} at full scale not compared",
            ffmpeg.len() - at_full_scale,
            ffmpeg.len()
        );
    }
}
