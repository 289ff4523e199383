//! Packet loss concealment on voiced signals at 8 and 16 kHz: a lost
//! 20 ms frame is filled with audio of about the surrounding energy and
//! joins both neighbours without a click; a long loss fades to silence by
//! 60 ms; frames of odd lengths and a loss with no history work.

use mediaplane::codec::plc::Plc;
use std::f64::consts::PI;

/// A 200 Hz tone with its first harmonics (a steady vowel).
fn harmonic(rate: u32, len: usize) -> Vec<i16> {
    harmonic_at(200.0, rate, len)
}

/// A tone of fundamental `f0` with its first harmonics.
fn harmonic_at(f0: f64, rate: u32, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let p = 2.0 * PI * f0 * n as f64 / f64::from(rate);
            (7000.0 * p.sin() + 3500.0 * (2.0 * p + 0.4).sin() + 1800.0 * (3.0 * p + 1.3).sin())
                .round() as i16
        })
        .collect()
}

/// Speech-like: a 130 Hz voice with formant-ish harmonics, amplitude
/// modulated at 4 Hz (syllables), 10.5 dB from trough to crest, so the
/// level moves by up to 3.5 dB in 20 ms.
fn speech_like(rate: u32, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let t = n as f64 / f64::from(rate);
            let p = 2.0 * PI * 130.0 * t;
            let voice = 0.6 * p.sin()
                + 0.5 * (2.0 * p + 0.3).sin()
                + 0.35 * (3.0 * p + 1.1).sin()
                + 0.2 * (5.0 * p + 2.0).sin()
                + 0.1 * (7.0 * p + 0.7).sin();
            let envelope = 0.65 + 0.35 * (2.0 * PI * 4.0 * t).sin();
            (12000.0 * envelope * voice).round() as i16
        })
        .collect()
}

fn energy_db(x: &[i16]) -> f64 {
    let e = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64;
    10.0 * e.max(1e-9).log10()
}

fn max_jump(x: &[i16]) -> i32 {
    x.windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap_or(0)
}

/// Runs `x` through the concealment in frames of `frame` samples, the
/// frames whose index is in `lost` being concealed. Returns the output.
fn run(rate: u32, x: &[i16], frame: usize, lost: &[usize]) -> Vec<i16> {
    let mut plc = Plc::new(rate).expect("valid rate");
    let mut out = Vec::with_capacity(x.len());
    for (k, chunk) in x.chunks(frame).enumerate() {
        let mut buf = chunk.to_vec();
        if lost.contains(&k) {
            plc.conceal(&mut buf);
        } else {
            plc.good_frame(&mut buf);
        }
        out.extend_from_slice(&buf);
    }
    out
}

/// Checks a single lost frame `k` of `frame` samples in `x`.
fn check_single_loss(name: &str, rate: u32, x: &[i16], frame: usize, k: usize, max_db: f64) {
    let y = run(rate, x, frame, &[k]);
    let (start, end) = (k * frame, (k + 1) * frame);
    // Untouched before the loss.
    assert_eq!(&y[..start], &x[..start], "{name}");
    // Energy within a few dB of the frames around it.
    let around = energy_db(&x[start - frame..end + frame]);
    let filled = energy_db(&y[start..end]);
    assert!(
        (filled - around).abs() <= max_db,
        "{name}: concealed {filled:.1} dB vs {around:.1} dB around"
    );
    // No click: the jumps at and near both seams (the recovery overlap
    // lasts at most 10 ms) stay within a small multiple of the signal's
    // own largest jump.
    let own = max_jump(x);
    let ten_ms = rate as usize / 100;
    let at_start = max_jump(&y[start - 2..start + ten_ms]);
    let at_end = max_jump(&y[end - 2..end + ten_ms]);
    eprintln!(
        "{name}: energy {filled:.2} dB vs {around:.2} dB; jumps {at_start} / {at_end} vs own {own}"
    );
    assert!(
        at_start <= own * 3 / 2,
        "{name}: jump {at_start} at the start vs {own}"
    );
    assert!(
        at_end <= own * 3 / 2,
        "{name}: jump {at_end} at the end vs {own}"
    );
    // Past the recovery overlap the real signal is back unchanged.
    assert_eq!(&y[end + ten_ms..], &x[end + ten_ms..], "{name}");
}

#[test]
fn lost_20_ms_of_a_harmonic_tone_is_filled() {
    // 200 Hz has a whole period (40 or 80 samples); 173 Hz and 97 Hz do
    // not, so the repeated period does not quite fit.
    for rate in [8000, 16000] {
        let frame = rate as usize / 50;
        for f0 in [200.0, 173.0, 97.0] {
            let x = harmonic_at(f0, rate, 30 * frame);
            for k in [5, 12, 20] {
                let name = format!("{f0} Hz harmonic at {rate} Hz, frame {k}");
                check_single_loss(&name, rate, &x, frame, k, 2.0);
            }
        }
    }
}

#[test]
fn lost_20_ms_of_speech_like_bursts_is_filled() {
    for rate in [8000, 16000] {
        let frame = rate as usize / 50;
        let x = speech_like(rate, 40 * frame);
        for k in 3..37 {
            check_single_loss(
                &format!("speech-like {rate} Hz frame {k}"),
                rate,
                &x,
                frame,
                k,
                4.0,
            );
        }
    }
}

#[test]
fn odd_frame_lengths() {
    for rate in [8000, 16000] {
        for frame in [1usize, 37, 173, 331] {
            let x = harmonic(rate, 60 * 331);
            // Lose about 20 ms starting a little after 200 ms.
            let first = (rate as usize / 5).div_ceil(frame);
            let count = (rate as usize / 50).div_ceil(frame);
            let lost: Vec<usize> = (first..first + count).collect();
            let y = run(rate, &x, frame, &lost);
            let start = first * frame;
            let end = (first + count) * frame;
            let own = max_jump(&x);
            assert!(
                max_jump(&y[start - 2..end + rate as usize / 100]) <= own * 3 / 2,
                "{rate} {frame}"
            );
            let filled = energy_db(&y[start..end]);
            let orig = energy_db(&x[start..end]);
            assert!(
                (filled - orig).abs() <= 2.0,
                "{rate} {frame}: {filled} vs {orig}"
            );
            // Chunking does not change the concealment: compare with the
            // same loss concealed in one call.
            let mut plc = Plc::new(rate).expect("valid rate");
            let mut head = x[..start].to_vec();
            plc.good_frame(&mut head);
            let mut gap = vec![0i16; end - start];
            plc.conceal(&mut gap);
            assert_eq!(&y[start..end], &gap[..], "{rate} {frame}");
        }
    }
}

#[test]
fn long_loss_decays_to_silence_by_60_ms() {
    for rate in [8000, 16000] {
        let ten_ms = rate as usize / 100;
        let mut plc = Plc::new(rate).expect("valid rate");
        let mut x = harmonic(rate, 40 * ten_ms);
        plc.good_frame(&mut x);
        let mut gap = vec![0i16; 12 * ten_ms];
        plc.conceal(&mut gap);
        let levels: Vec<f64> = gap.chunks(ten_ms).map(energy_db).collect();
        // The first 10 ms at full level, then each 10 ms quieter.
        assert!(levels[0] > 60.0, "{rate}: {levels:?}");
        for w in levels[1..6].windows(2) {
            assert!(w[1] < w[0], "{rate}: {levels:?}");
        }
        assert!(gap[6 * ten_ms..].iter().all(|&v| v == 0), "{rate}");
        // The next good frame fades in from silence over 10 ms.
        let mut next = harmonic(rate, 2 * ten_ms);
        let orig = next.clone();
        plc.good_frame(&mut next);
        assert!(i32::from(next[0]).abs() <= i32::from(orig[0]).abs() / 10 + 1);
        assert_eq!(&next[ten_ms..], &orig[ten_ms..]);
    }
}

#[test]
fn loss_with_no_history_is_silent() {
    for rate in [8000, 16000] {
        let mut plc = Plc::new(rate).expect("valid rate");
        let mut gap = vec![123i16; 480];
        plc.conceal(&mut gap);
        assert!(gap.iter().all(|&v| v == 0));
        let mut next = harmonic(rate, 480);
        plc.good_frame(&mut next);
        assert_eq!(next[next.len() - 1], harmonic(rate, 480)[479]);
    }
}

#[test]
fn losses_back_to_back_with_short_good_runs() {
    // Loss, one good 10 ms frame, loss again: the second concealment starts
    // from history that holds concealed audio; still no click.
    for rate in [8000, 16000] {
        let frame = rate as usize / 100;
        let x = harmonic(rate, 50 * frame);
        let y = run(rate, &x, frame, &[10, 11, 13, 14, 30]);
        assert!(max_jump(&y) <= max_jump(&x) * 3 / 2, "{rate}");
    }
}
