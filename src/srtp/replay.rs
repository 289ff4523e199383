//! The replay window of RFC 3711 §3.3.2: a bitmap of the last `size`
//! indices below the highest one accepted.

use crate::error::{Error, Result};

/// Largest window this implementation keeps (bits).
pub const MAX_REPLAY_WINDOW: usize = 1024;
const WORDS: usize = MAX_REPLAY_WINDOW / 64;

/// Sliding replay window over packet indices.
#[derive(Debug, Clone)]
pub(crate) struct ReplayWindow {
    /// Highest index accepted; bit 0 of `bits` stands for it, bit k for
    /// `top - k`.
    top: u64,
    bits: [u64; WORDS],
    size: usize,
    started: bool,
}

impl ReplayWindow {
    pub(crate) fn new(size: usize) -> Self {
        ReplayWindow {
            top: 0,
            bits: [0; WORDS],
            size: size.clamp(64, MAX_REPLAY_WINDOW),
            started: false,
        }
    }

    #[inline]
    fn bit(&self, k: u64) -> bool {
        let k = k as usize;
        self.bits
            .get(k / 64)
            .is_some_and(|w| w >> (k % 64) & 1 == 1)
    }

    /// Whether `index` may be accepted (not seen, not too old).
    #[inline]
    pub(crate) fn check(&self, index: u64) -> Result<()> {
        if !self.started || index > self.top {
            return Ok(());
        }
        let delta = self.top - index;
        if delta >= self.size as u64 {
            return Err(Error::Replay {
                index,
                reason: "older than the replay window",
            });
        }
        if self.bit(delta) {
            return Err(Error::Replay {
                index,
                reason: "already seen",
            });
        }
        Ok(())
    }

    /// Records `index` as accepted (after `check` and authentication).
    #[inline]
    pub(crate) fn accept(&mut self, index: u64) {
        if !self.started {
            self.started = true;
            self.top = index;
            self.bits = [0; WORDS];
            self.bits[0] = 1;
            return;
        }
        if index > self.top {
            self.shift(index - self.top);
            self.top = index;
            self.bits[0] |= 1;
        } else {
            let k = (self.top - index) as usize;
            if let Some(w) = self.bits.get_mut(k / 64) {
                *w |= 1 << (k % 64);
            }
        }
    }

    /// Shifts the bitmap towards older indices by `n`.
    fn shift(&mut self, n: u64) {
        if n >= MAX_REPLAY_WINDOW as u64 {
            self.bits = [0; WORDS];
            return;
        }
        let n = n as usize;
        let (words, bits) = (n / 64, n % 64);
        for i in (0..WORDS).rev() {
            let src = i.checked_sub(words);
            let hi = src.and_then(|s| self.bits.get(s)).copied().unwrap_or(0);
            let lo = src
                .and_then(|s| s.checked_sub(1))
                .and_then(|s| self.bits.get(s))
                .copied()
                .unwrap_or(0);
            let v = if bits == 0 {
                hi
            } else {
                hi << bits | lo >> (64 - bits)
            };
            if let Some(w) = self.bits.get_mut(i) {
                *w = v;
            }
        }
    }

    /// The highest index accepted, if any.
    pub(crate) fn top(&self) -> Option<u64> {
        self.started.then_some(self.top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_semantics() {
        let mut w = ReplayWindow::new(128);
        w.check(10).unwrap();
        w.accept(10);
        assert!(w.check(10).is_err());
        w.check(9).unwrap();
        w.accept(200);
        assert!(w.check(10).is_err(), "too old");
        w.check(73).unwrap();
        w.accept(73);
        assert!(w.check(73).is_err());
        w.check(199).unwrap();
        // shift across word boundaries keeps bits
        w.accept(265);
        assert!(w.check(200).is_err());
        assert!(w.check(73).is_err());
        w.check(201).unwrap();
        w.accept(5000);
        assert!(w.check(265).is_err());
        w.check(4999).unwrap();
    }

    #[test]
    fn large_window_matches_model() {
        let mut w = ReplayWindow::new(1024);
        let mut seen = std::collections::BTreeSet::new();
        let mut x: u64 = 7;
        let mut top = 0u64;
        for _ in 0..20000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let idx = (top + 40).saturating_sub((x >> 33) % 1200);
            let model_ok =
                !seen.contains(&idx) && (seen.is_empty() || idx > top || top - idx < 1024);
            assert_eq!(w.check(idx).is_ok(), model_ok, "index {idx} top {top}");
            if model_ok {
                w.accept(idx);
                seen.insert(idx);
                top = top.max(idx);
            }
        }
    }
}
