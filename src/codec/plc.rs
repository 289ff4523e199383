//! Packet loss concealment by pitch-based waveform substitution, after
//! ITU-T G.711 Appendix I, for 8 kHz audio (G.711) and, with every sample
//! count doubled, for 16 kHz audio (G.722 decoded). [`Plc`] keeps the
//! last 48.75 ms of output; when a frame is lost it estimates the pitch
//! period by normalized cross-correlation, repeats the last period — then
//! the last two and three periods as the loss reaches 10 and 20 ms — with
//! quarter-period overlap-adds at every seam, attenuates linearly by 20 %
//! per 10 ms after the first 10 ms, and is silent from 60 ms on. The first
//! good frame after a loss is overlap-added with the continued
//! substitution over a length that grows with the loss. Left out: the
//! Appendix's 3.75 ms output delay (see below), and anything codec-aware
//! (G.722's own Appendix III/IV concealment works inside the decoder).
//!
//! # Differences from Appendix I
//! The Appendix delays its output by a quarter of the longest period, so
//! that at the start of a loss it can still rewrite the last quarter
//! period already decoded and make it lead into the repeated period. The
//! interface here is in place and without delay (the caller's frames go
//! out as soon as they are returned), so that seam is smoothed forward
//! instead: over the first quarter period of the substitution, the
//! repeated period is overlap-added with a copy of itself offset to meet
//! the last received sample, which leaves no step and the signal's own
//! slope at the seam. Everything else follows the Appendix: pitch search
//! over 5–15 ms (40–120 samples at 8 kHz) on a 20 ms window, coarse on
//! every second sample (every fourth at 16 kHz) then refined around the
//! best lag, with a floor on the energy so silence does not look
//! periodic; the ends of the repeated stretch joined by a quarter-period
//! overlap-add so the loop has no seam; growth to two and three periods
//! at 10 and 20 ms with a cross-fade from the old loop; the recovery
//! overlap of a quarter period plus 4 ms per further 10 ms lost, at most
//! 10 ms.
//!
//! The Appendix works in 10 ms frames; here every event happens at a
//! sample count from the start of the loss, so a loss concealed in one
//! call or in many calls of any lengths gives the same samples. All state
//! is in fixed-size arrays in the struct: nothing allocates, and no input
//! can make it panic.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

use crate::{Error, Result};

// Sizes at 8 kHz; at 16 kHz each is multiplied by the scale, 2.
const PITCH_MIN: usize = 40;
const PITCH_MAX: usize = 120;
const OVERLAP_MAX: usize = PITCH_MAX / 4;
const HISTORY: usize = 3 * PITCH_MAX + OVERLAP_MAX;
const FRAME: usize = 80;
const CORR_LEN: usize = 160;
const RECOVERY_STEP: usize = 32;
const DECIMATION: usize = 2;
/// Floor on the energy of a candidate segment (sum of squares over the
/// decimated window), so that near-silence does not score as periodic.
const CORR_MIN_POWER: f32 = 250.0;
/// Losses longer than this many 10 ms frames are silent.
const SILENT_AFTER: usize = 6;

const MAX_SCALE: usize = 2;
const BUF: usize = HISTORY * MAX_SCALE;
const OVERLAP_BUF: usize = OVERLAP_MAX * MAX_SCALE;

/// Loss concealment state for one audio stream at 8 or 16 kHz.
///
/// Call [`Plc::good_frame`] on every decoded frame that arrived and
/// [`Plc::conceal`] for every frame that did not, in stream order. Frames
/// may have any length.
#[derive(Debug, Clone)]
pub struct Plc {
    /// 1 at 8 kHz, 2 at 16 kHz.
    scale: usize,
    /// The last `HISTORY · scale` output samples, oldest first.
    history: [i16; BUF],
    /// The history at the start of the loss, its last quarter period
    /// blended so that the repeated stretch loops without a seam.
    pitch_buf: [f32; BUF],
    /// The unblended last quarter period of `pitch_buf`.
    last_quarter: [f32; OVERLAP_BUF],
    /// Samples to fade from (into the substitution) at a seam.
    fade_from: [f32; OVERLAP_BUF],
    fade_len: usize,
    fade_pos: usize,
    pitch: usize,
    /// A quarter of the pitch period: the length of every overlap-add.
    overlap: usize,
    /// Length of the repeated stretch at the end of `pitch_buf`: one, two
    /// or three periods.
    cycle_len: usize,
    /// Read position within the repeated stretch.
    offset: usize,
    /// Samples concealed in the current loss; 0 outside a loss.
    erased: usize,
    /// Overlap-add into the good frames after a loss: length, progress,
    /// and the length of the loss it ends.
    recovery_len: usize,
    recovery_pos: usize,
    recovery_erased: usize,
}

impl Plc {
    /// Concealment for a stream at `sample_rate` Hz, 8000 or 16000.
    pub fn new(sample_rate: u32) -> Result<Plc> {
        let scale = match sample_rate {
            8000 => 1,
            16000 => 2,
            _ => {
                return Err(Error::InvalidArgument(
                    "loss concealment needs a sample rate of 8000 or 16000 Hz",
                ))
            }
        };
        Ok(Plc::with_scale(scale))
    }

    fn with_scale(scale: usize) -> Plc {
        Plc {
            scale,
            history: [0; BUF],
            pitch_buf: [0.0; BUF],
            last_quarter: [0.0; OVERLAP_BUF],
            fade_from: [0.0; OVERLAP_BUF],
            fade_len: 0,
            fade_pos: 0,
            pitch: PITCH_MIN * scale,
            overlap: PITCH_MIN * scale / 4,
            cycle_len: PITCH_MIN * scale,
            offset: 0,
            erased: 0,
            recovery_len: 0,
            recovery_pos: 0,
            recovery_erased: 0,
        }
    }

    /// Records a frame that was received and decoded. Right after a loss,
    /// its first samples are overlap-added in place with the continued
    /// substitution, so the real signal takes over without a click.
    pub fn good_frame(&mut self, pcm: &mut [i16]) {
        if self.erased > 0 {
            let frame = FRAME * self.scale;
            let tens = self.erased.div_ceil(frame);
            let extra = (tens - 1).saturating_mul(RECOVERY_STEP * self.scale);
            self.recovery_len = self.overlap.saturating_add(extra).min(frame);
            self.recovery_pos = 0;
            self.recovery_erased = self.erased;
            self.erased = 0;
        }
        for x in pcm.iter_mut() {
            if self.recovery_pos >= self.recovery_len {
                break;
            }
            let gain = self.gain(self.recovery_erased + self.recovery_pos);
            let synth = if gain > 0.0 { self.synth() * gain } else { 0.0 };
            let w = (self.recovery_pos + 1) as f32 / (self.recovery_len + 1) as f32;
            *x = to_i16(synth * (1.0 - w) + f32::from(*x) * w);
            self.recovery_pos += 1;
        }
        self.push_history(pcm);
    }

    /// Fills `out` (a lost frame of `out.len()` samples) with the
    /// substitution.
    pub fn conceal(&mut self, out: &mut [i16]) {
        if out.is_empty() {
            return;
        }
        if self.erased == 0 {
            self.start_loss();
        }
        let frame = FRAME * self.scale;
        for y in out.iter_mut() {
            let t = self.erased;
            if t >= SILENT_AFTER * frame {
                *y = 0;
            } else {
                if t == frame || t == 2 * frame {
                    self.add_period();
                }
                *y = to_i16(self.synth() * self.gain(t));
            }
            self.erased = self.erased.saturating_add(1);
        }
        self.push_history(out);
    }

    /// Forgets the history and any loss in progress, as if newly made.
    pub fn reset(&mut self) {
        *self = Plc::with_scale(self.scale);
    }

    fn history_len(&self) -> usize {
        HISTORY * self.scale
    }

    /// Gain of the substitution `t` samples into a loss: 1 for the first
    /// 10 ms, then down by 0.2 per 10 ms, 0 from 60 ms on.
    fn gain(&self, t: usize) -> f32 {
        let frame = FRAME * self.scale;
        if t < frame {
            1.0
        } else if t >= SILENT_AFTER * frame {
            0.0
        } else {
            1.0 - (t - frame) as f32 / ((SILENT_AFTER - 1) * frame) as f32
        }
    }

    fn push_history(&mut self, samples: &[i16]) {
        let n = self.history_len();
        let len = samples.len();
        if len >= n {
            if let (Some(dst), Some(src)) = (self.history.get_mut(..n), samples.get(len - n..)) {
                dst.copy_from_slice(src);
            }
        } else {
            self.history.copy_within(len..n, 0);
            if let Some(dst) = self.history.get_mut(n - len..n) {
                dst.copy_from_slice(samples);
            }
        }
    }

    fn start_loss(&mut self) {
        self.recovery_len = 0;
        self.recovery_pos = 0;
        let n = self.history_len();
        for (p, &h) in self.pitch_buf.iter_mut().zip(self.history.iter()).take(n) {
            *p = f32::from(h);
        }
        self.pitch = self.find_pitch();
        self.overlap = self.pitch / 4;
        self.cycle_len = self.pitch;
        self.offset = 0;
        let ov = self.overlap;
        let start = n - self.pitch;
        if let (Some(dst), Some(src)) = (
            self.last_quarter.get_mut(..ov),
            self.pitch_buf.get(n - ov..n),
        ) {
            dst.copy_from_slice(src);
        }
        // The seam with what was already played: fade from the repeated
        // period offset so that it continues the last received sample with
        // the slope the period has at its start.
        let last = self.pitch_buf.get(n - 1).copied().unwrap_or(0.0);
        let before_start = self.pitch_buf.get(start - 1).copied().unwrap_or(0.0);
        let delta = last - before_start;
        let head = self.pitch_buf.get(start..start + ov).unwrap_or_default();
        for (f, &v) in self.fade_from.iter_mut().zip(head) {
            *f = v + delta;
        }
        self.fade_len = ov;
        self.fade_pos = 0;
        self.blend_cycle_end();
    }

    /// Lengthens the repeated stretch by one period (at 10 and 20 ms into
    /// a loss), cross-fading from where the old loop was heading.
    fn add_period(&mut self) {
        let n = self.history_len();
        let ov = self.overlap;
        let mut tail = [0.0f32; OVERLAP_BUF];
        let saved = self.offset;
        for t in tail.iter_mut().take(ov) {
            *t = self.synth();
        }
        if self.cycle_len + self.pitch + ov > n {
            // Cannot happen with periods of at most PITCH_MAX; keep the
            // loop as it is rather than read outside the history.
            self.offset = saved;
            return;
        }
        self.offset = saved % self.pitch;
        self.cycle_len += self.pitch;
        self.fade_from = tail;
        self.fade_len = ov;
        self.fade_pos = 0;
        self.blend_cycle_end();
    }

    /// Rewrites the last quarter period of `pitch_buf` as an overlap-add
    /// of the original and of the quarter period before the stretch's
    /// start, so that the loop's wrap-around is seamless.
    fn blend_cycle_end(&mut self) {
        let n = self.history_len();
        let ov = self.overlap;
        let start = n - self.cycle_len;
        let mut before = [0.0f32; OVERLAP_BUF];
        if let (Some(dst), Some(src)) =
            (before.get_mut(..ov), self.pitch_buf.get(start - ov..start))
        {
            dst.copy_from_slice(src);
        }
        let end = self.pitch_buf.get_mut(n - ov..n).unwrap_or_default();
        for (i, ((e, &orig), &b)) in end
            .iter_mut()
            .zip(self.last_quarter.iter())
            .zip(before.iter())
            .enumerate()
        {
            let w = (i + 1) as f32 / (ov + 1) as f32;
            *e = orig * (1.0 - w) + b * w;
        }
    }

    /// Next sample of the repeated stretch, with any seam fade applied.
    fn synth(&mut self) -> f32 {
        let start = self.history_len() - self.cycle_len;
        let v = self
            .pitch_buf
            .get(start + self.offset)
            .copied()
            .unwrap_or(0.0);
        self.offset += 1;
        if self.offset >= self.cycle_len {
            self.offset = 0;
        }
        if self.fade_pos < self.fade_len {
            let w = self.fade_pos as f32 / self.fade_len as f32;
            let old = self.fade_from.get(self.fade_pos).copied().unwrap_or(0.0);
            self.fade_pos += 1;
            return old * (1.0 - w) + v * w;
        }
        v
    }

    /// Pitch period in samples: the lag in 5–15 ms whose segment best
    /// matches the last 20 ms of history by normalized cross-correlation,
    /// searched on every `DECIMATION · scale`-th sample, then refined at
    /// full resolution around the best coarse lag.
    fn find_pitch(&self) -> usize {
        let s = self.scale;
        let n = self.history_len();
        let (pmin, pmax, corr_len, step) =
            (PITCH_MIN * s, PITCH_MAX * s, CORR_LEN * s, DECIMATION * s);
        let span = pmax - pmin;
        let recent = self.pitch_buf.get(n - corr_len..n).unwrap_or_default();
        // Candidate i compares `recent` with the window starting at
        // `base + i`, a lag of `pmax - i`.
        let base = n - corr_len - pmax;
        let score = |i: usize, step: usize, floor: f32| -> f32 {
            let cand = self
                .pitch_buf
                .get(base + i..base + i + corr_len)
                .unwrap_or_default();
            let (mut corr, mut energy) = (0.0f32, 0.0f32);
            for (&l, &r) in recent.iter().zip(cand).step_by(step) {
                corr += l * r;
                energy += r * r;
            }
            corr / energy.max(floor).sqrt()
        };
        let mut best = 0;
        let mut best_score = f32::NEG_INFINITY;
        for i in (0..=span).step_by(step) {
            let sc = score(i, step, CORR_MIN_POWER);
            // Ties go to the shorter period, as in the Appendix.
            if sc >= best_score {
                best_score = sc;
                best = i;
            }
        }
        let lo = best.saturating_sub(step - 1);
        let hi = (best + step - 1).min(span);
        let full_floor = CORR_MIN_POWER * step as f32;
        let (mut best, mut best_score) = (best, f32::NEG_INFINITY);
        for i in lo..=hi {
            let sc = score(i, 1, full_floor);
            if sc >= best_score {
                best_score = sc;
                best = i;
            }
        }
        let lag = pmax - best;
        // The coarse grid can miss the true period by one sample and land
        // on a multiple of it, which matches exactly; prefer the shortest
        // period that matches nearly as well.
        for k in [3, 2] {
            let guess = (lag + k / 2) / k;
            if guess < pmin + 1 {
                continue;
            }
            let mut sub = None;
            let mut sub_score = f32::NEG_INFINITY;
            for l in guess - 1..=(guess + 1).min(pmax) {
                let sc = score(pmax - l, 1, full_floor);
                if sc > sub_score {
                    sub_score = sc;
                    sub = Some(l);
                }
            }
            if let Some(l) = sub {
                if best_score > 0.0 && sub_score >= 0.9 * best_score {
                    return l;
                }
            }
        }
        lag
    }
}

fn to_i16(v: f32) -> i16 {
    // `as` saturates and maps NaN to 0.
    v.round() as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::PI;

    /// A harmonic signal with the given period (in samples).
    fn periodic(period: f32, len: usize) -> Vec<i16> {
        (0..len)
            .map(|n| {
                let p = 2.0 * PI * n as f32 / period;
                (6000.0 * p.sin() + 3000.0 * (2.0 * p + 0.5).sin() + 1500.0 * (3.0 * p + 1.0).sin())
                    as i16
            })
            .collect()
    }

    #[test]
    fn only_8_and_16_khz() {
        assert!(Plc::new(8000).is_ok());
        assert!(Plc::new(16000).is_ok());
        for rate in [0, 11025, 32000, 48000] {
            assert!(matches!(Plc::new(rate), Err(Error::InvalidArgument(_))));
        }
    }

    #[test]
    fn finds_the_pitch_period() {
        for (rate, periods) in [
            (8000, [40.0, 57.0, 80.0, 119.0]),
            (16000, [80.0, 114.0, 160.0, 237.0]),
        ] {
            for period in periods {
                let mut plc = Plc::new(rate).unwrap();
                let mut x = periodic(period, 800);
                plc.good_frame(&mut x);
                plc.pitch_buf
                    .iter_mut()
                    .zip(plc.history.iter())
                    .for_each(|(p, &h)| *p = f32::from(h));
                let found = plc.find_pitch() as f32;
                assert!((found - period).abs() <= 1.0, "{rate}: {period} -> {found}");
            }
        }
    }

    #[test]
    fn gain_schedule() {
        let plc = Plc::new(8000).unwrap();
        assert_eq!(plc.gain(0), 1.0);
        assert_eq!(plc.gain(79), 1.0);
        assert_eq!(plc.gain(80), 1.0);
        assert!((plc.gain(160) - 0.8).abs() < 1e-6);
        assert!((plc.gain(440) - 0.1).abs() < 1e-6);
        assert_eq!(plc.gain(480), 0.0);
        let plc = Plc::new(16000).unwrap();
        assert!((plc.gain(320) - 0.8).abs() < 1e-6);
        assert_eq!(plc.gain(960), 0.0);
    }

    #[test]
    fn concealment_is_the_same_in_any_chunking() {
        for rate in [8000, 16000] {
            let s = rate as usize / 8000;
            let mut reference = None;
            for sizes in [&[560 * s][..], &[80 * s], &[1, 13, 160 * s + 1, 7]] {
                let mut plc = Plc::new(rate).unwrap();
                let mut x = periodic(61.3 * s as f32, 800 * s);
                plc.good_frame(&mut x);
                let mut got = Vec::new();
                let mut left = 560 * s;
                for &size in sizes.iter().cycle() {
                    if left == 0 {
                        break;
                    }
                    let n = size.min(left);
                    let mut out = vec![0i16; n];
                    plc.conceal(&mut out);
                    got.extend_from_slice(&out);
                    left -= n;
                }
                // The recovery overlap is chunked too.
                let mut next = periodic(61.3 * s as f32, 100 * s);
                let (a, b) = next.split_at_mut(7);
                plc.good_frame(a);
                plc.good_frame(b);
                got.extend_from_slice(&next);
                match &reference {
                    None => reference = Some(got),
                    Some(r) => assert_eq!(&got, r, "{rate} {sizes:?}"),
                }
            }
        }
    }

    #[test]
    fn no_history_conceals_silence() {
        let mut plc = Plc::new(8000).unwrap();
        let mut out = [1i16; 333];
        plc.conceal(&mut out);
        assert!(out.iter().all(|&v| v == 0));
        let mut next = [1000i16; 100];
        plc.good_frame(&mut next);
        // Faded in from the silent substitution over the recovery overlap
        // (10 ms after a loss of 40 ms or more).
        assert!(next[0] < 100);
        assert!(next[..80].windows(2).all(|w| w[0] <= w[1]));
        assert!(next[79] >= 980 && next[80..].iter().all(|&v| v == 1000));
    }

    #[test]
    fn extreme_input_does_not_overflow() {
        for rate in [8000, 16000] {
            let mut plc = Plc::new(rate).unwrap();
            let mut x: Vec<i16> = (0..1000)
                .map(|i| if (i / 3) % 2 == 0 { i16::MAX } else { i16::MIN })
                .collect();
            plc.good_frame(&mut x);
            let mut out = vec![0i16; 1000];
            plc.conceal(&mut out);
            plc.good_frame(&mut x);
            plc.conceal(&mut []);
            plc.good_frame(&mut []);
            plc.reset();
            plc.conceal(&mut out);
            assert!(out.iter().all(|&v| v == 0));
        }
    }
}
