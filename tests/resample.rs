//! Frequency response, rejection, delay and chunk independence of the
//! 8 kHz ↔ 16 kHz resamplers, measured with sines through the integer code.
//!
//! Each tone is one second long (a whole number of cycles at every test
//! frequency, so sines and cosines of different test frequencies are
//! orthogonal over the window), fed in frames of 160/320 samples and in odd
//! chunk sizes; the output must equal that of one call over the whole
//! signal. Amplitudes are fitted by least squares at the frequency of
//! interest after the filter's delay and its transient.
//!
//! Figures are printed (`cargo test --test resample -- --nocapture`) and
//! recorded in the doc of `src/codec/resample.rs`.

use mediaplane::codec::resample::{Downsampler2x, Upsampler2x};
use std::f64::consts::PI;

const AMPLITUDE: f64 = 16_000.0;

fn tone(freq: f64, rate: f64, len: usize, phase: f64) -> Vec<i16> {
    (0..len)
        .map(|n| (AMPLITUDE * (2.0 * PI * freq * n as f64 / rate + phase).sin()).round() as i16)
        .collect()
}

/// Amplitude and phase of the component at `freq` in `x` (least squares
/// over whole cycles).
fn fit(x: &[i16], freq: f64, rate: f64) -> (f64, f64) {
    let (mut s, mut c) = (0.0, 0.0);
    for (n, &v) in x.iter().enumerate() {
        let w = 2.0 * PI * freq * n as f64 / rate;
        s += f64::from(v) * w.sin();
        c += f64::from(v) * w.cos();
    }
    let k = 2.0 / x.len() as f64;
    ((s * k).hypot(c * k), (c * k).atan2(s * k))
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// Runs `f` over `x` in the repeating chunk sizes `sizes`.
fn chunked<F: FnMut(&[i16], &mut Vec<i16>)>(x: &[i16], sizes: &[usize], mut f: F) -> Vec<i16> {
    let mut out = Vec::new();
    let mut pos = 0;
    for &size in sizes.iter().cycle() {
        if pos == x.len() {
            break;
        }
        let n = size.min(x.len() - pos);
        f(&x[pos..pos + n], &mut out);
        pos += n;
    }
    out
}

const CHUNKS_8K: [&[usize]; 3] = [&[160], &[80, 240, 160], &[1, 79, 161, 33, 7]];
const CHUNKS_16K: [&[usize]; 3] = [&[320], &[160, 480, 320], &[1, 159, 321, 67, 13]];

/// Upsamples `x`, checking that every chunking gives the same output.
fn upsample(x: &[i16]) -> Vec<i16> {
    let mut whole = vec![0i16; 2 * x.len()];
    assert_eq!(Upsampler2x::new().process(x, &mut whole), 2 * x.len());
    for sizes in CHUNKS_8K {
        let mut up = Upsampler2x::new();
        let got = chunked(x, sizes, |chunk, out| {
            let mut buf = vec![0i16; 2 * chunk.len()];
            assert_eq!(up.process(chunk, &mut buf), buf.len());
            out.extend_from_slice(&buf);
        });
        assert_eq!(got, whole, "chunks {sizes:?}");
    }
    whole
}

/// Downsamples `x`, checking that every chunking gives the same output.
fn downsample(x: &[i16]) -> Vec<i16> {
    let mut whole = vec![0i16; x.len() / 2];
    assert_eq!(Downsampler2x::new().process(x, &mut whole), x.len() / 2);
    for sizes in CHUNKS_16K {
        let mut down = Downsampler2x::new();
        let got = chunked(x, sizes, |chunk, out| {
            let mut buf = vec![0i16; chunk.len()];
            let n = down.process(chunk, &mut buf);
            out.extend_from_slice(&buf[..n]);
        });
        assert_eq!(got, whole, "chunks {sizes:?}");
    }
    whole
}

/// One second of tone after a settling margin, so the window holds whole
/// cycles of every test frequency.
const SETTLE: usize = 200;

#[test]
fn upsampler_passband_is_flat_within_a_tenth_of_a_db() {
    let mut worst: f64 = 0.0;
    for f in (100..=3400).step_by(100).map(f64::from) {
        let x = tone(f, 8000.0, 8000 + SETTLE, 0.3);
        let y = upsample(&x);
        let start = 2 * SETTLE;
        let (a, _) = fit(&y[start..start + 16000], f, 16000.0);
        let dev = db(a / AMPLITUDE);
        worst = worst.max(dev.abs());
        assert!(dev.abs() <= 0.1, "{f} Hz: {dev:.4} dB");
    }
    eprintln!("upsampler passband 100-3400 Hz: worst deviation {worst:.4} dB");
}

#[test]
fn upsampler_images_are_60_db_down() {
    // The image of a tone f at 8 kHz sits at 8000 - f at 16 kHz; the
    // filter must take it 60 dB below the tone, for every image above
    // 4600 Hz (tones up to 3400 Hz).
    let mut worst = f64::NEG_INFINITY;
    for f in (100..=3400).step_by(100).map(f64::from) {
        let x = tone(f, 8000.0, 8000 + SETTLE, 1.1);
        let y = upsample(&x);
        let start = 2 * SETTLE;
        let (image, _) = fit(&y[start..start + 16000], 8000.0 - f, 16000.0);
        let level = db(image / AMPLITUDE);
        worst = worst.max(level);
        assert!(level <= -60.0, "{f} Hz: image at {level:.1} dB");
    }
    eprintln!("upsampler images above 4600 Hz: at most {worst:.1} dB");
}

#[test]
fn downsampler_passband_is_flat_within_a_tenth_of_a_db() {
    let mut worst: f64 = 0.0;
    for f in (100..=3400).step_by(100).map(f64::from) {
        let x = tone(f, 16000.0, 2 * (8000 + SETTLE), 0.7);
        let y = downsample(&x);
        let (a, _) = fit(&y[SETTLE..SETTLE + 8000], f, 8000.0);
        let dev = db(a / AMPLITUDE);
        worst = worst.max(dev.abs());
        assert!(dev.abs() <= 0.1, "{f} Hz: {dev:.4} dB");
    }
    eprintln!("downsampler passband 100-3400 Hz: worst deviation {worst:.4} dB");
}

#[test]
fn downsampler_rejects_what_would_alias_by_60_db() {
    // A tone f in 4600..7900 Hz would alias to 8000 - f; measure the whole
    // output's power, which holds the alias and the rounding noise.
    let mut worst = f64::NEG_INFINITY;
    for f in (4600..=7900).step_by(100).map(f64::from) {
        let x = tone(f, 16000.0, 2 * (8000 + SETTLE), 0.2);
        let y = downsample(&x);
        let window = &y[SETTLE..SETTLE + 8000];
        let power = window.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / 8000.0;
        let level = db((2.0 * power).sqrt() / AMPLITUDE);
        let (alias, _) = fit(window, 8000.0 - f, 8000.0);
        assert!(db(alias / AMPLITUDE) <= level + 0.01);
        worst = worst.max(level);
        assert!(level <= -60.0, "{f} Hz: {level:.1} dB");
    }
    eprintln!("downsampler 4600-7900 Hz: output at most {worst:.1} dB");
}

#[test]
fn delays_are_as_declared_and_under_2_ms() {
    // Linear phase: the phase lag of a low tone is its delay.
    let f = 250.0;
    let x = tone(f, 8000.0, 8000 + SETTLE, 0.0);
    let (_, p_in) = fit(&x[SETTLE..SETTLE + 8000], f, 8000.0);
    let y = upsample(&x);
    let (_, p_out) = fit(&y[2 * SETTLE..2 * SETTLE + 16000], f, 16000.0);
    let lag = (p_in - p_out).rem_euclid(2.0 * PI);
    let delay = lag / (2.0 * PI * f) * 16000.0;
    eprintln!("upsampler delay: {delay:.3} samples at 16 kHz");
    assert!(
        (delay - Upsampler2x::DELAY_SAMPLES as f64).abs() < 0.01,
        "{delay}"
    );
    assert!(Upsampler2x::DELAY_SAMPLES as f64 / 16000.0 <= 0.002);

    let x = tone(f, 16000.0, 2 * (8000 + SETTLE), 0.0);
    let (_, p_in) = fit(&x[2 * SETTLE..2 * SETTLE + 16000], f, 16000.0);
    let y = downsample(&x);
    let (_, p_out) = fit(&y[SETTLE..SETTLE + 8000], f, 8000.0);
    let lag = (p_in - p_out).rem_euclid(2.0 * PI);
    let delay = lag / (2.0 * PI * f) * 8000.0;
    eprintln!("downsampler delay: {delay:.3} samples at 8 kHz");
    assert!(
        (delay - Downsampler2x::DELAY_SAMPLES as f64).abs() < 0.01,
        "{delay}"
    );
    assert!(Downsampler2x::DELAY_SAMPLES as f64 / 8000.0 <= 0.002);
}

#[test]
fn no_click_at_frame_boundaries() {
    // A 1 kHz tone in 20 ms frames: the largest step between neighbouring
    // output samples anywhere (frame joins included) stays that of a
    // clean 1 kHz sine at 16 kHz (and at 8 kHz), within rounding.
    let x = tone(1000.0, 8000.0, 1600, 0.0);
    let mut up = Upsampler2x::new();
    let y = chunked(&x, &[160], |chunk, out| {
        let mut buf = vec![0i16; 320];
        up.process(chunk, &mut buf);
        out.extend_from_slice(&buf);
    });
    let bound = AMPLITUDE * 2.0 * (PI * 1000.0 / 16000.0).sin() * 1.002 + 2.0;
    let worst = y[2 * SETTLE..]
        .windows(2)
        .map(|w| (f64::from(w[1]) - f64::from(w[0])).abs())
        .fold(0.0, f64::max);
    assert!(worst <= bound, "{worst} > {bound}");

    let x = tone(1000.0, 16000.0, 3200, 0.0);
    let mut down = Downsampler2x::new();
    let y = chunked(&x, &[320], |chunk, out| {
        let mut buf = vec![0i16; 160];
        let n = down.process(chunk, &mut buf);
        out.extend_from_slice(&buf[..n]);
    });
    let bound = AMPLITUDE * 2.0 * (PI * 1000.0 / 8000.0).sin() * 1.002 + 2.0;
    let worst = y[SETTLE..]
        .windows(2)
        .map(|w| (f64::from(w[1]) - f64::from(w[0])).abs())
        .fold(0.0, f64::max);
    assert!(worst <= bound, "{worst} > {bound}");
}
