//! Unwrapping RTP sequence numbers (16 bits) and timestamps (32 bits) into
//! 64-bit counters that do not wrap (RFC 3550 §5.1, Appendix A.1).
//!
//! Each value is placed at the one of its candidates — the same low bits in
//! the cycle of the highest value seen, the cycle before or the cycle after
//! — that lies closest to that highest value, so wrap-around and reordering
//! of up to half the range are both handled. A value exactly half the range
//! away counts as newer. Validation of sources (probation, restarts) is the
//! business of [`ReceiverStats`](super::ReceiverStats); these counters only
//! extend.

/// Places `value` (of `bits` bits) next to `highest`.
#[inline]
const fn extend(highest: u64, value: u64, bits: u32) -> Option<u64> {
    let modulus = 1u64 << bits;
    let mask = modulus - 1;
    let ahead = value.wrapping_sub(highest) & mask;
    if ahead <= modulus / 2 {
        highest.checked_add(ahead)
    } else {
        highest.checked_sub(modulus - ahead)
    }
}

macro_rules! unwrapper {
    ($(#[$doc:meta])* $name:ident, $t:ty, $bits:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name {
            highest: Option<u64>,
        }

        impl $name {
            /// An unwrapper that has seen nothing; the first value is placed
            /// in cycle 0.
            pub const fn new() -> Self {
                $name { highest: None }
            }

            /// The extended value of `value`, remembered as the highest when
            /// it is newer. `None` for a value that would fall before cycle
            /// 0 (older than the first value, across a wrap), which leaves
            /// the state unchanged.
            pub fn unwrap(&mut self, value: $t) -> Option<u64> {
                let ext = self.peek(value)?;
                if self.highest.is_none_or(|h| ext > h) {
                    self.highest = Some(ext);
                }
                Some(ext)
            }

            /// The extended value of `value`, without remembering it.
            pub fn peek(&self, value: $t) -> Option<u64> {
                match self.highest {
                    None => Some(u64::from(value)),
                    Some(h) => extend(h, u64::from(value), $bits),
                }
            }

            /// The highest extended value seen.
            pub fn highest(&self) -> Option<u64> {
                self.highest
            }
        }
    };
}

unwrapper!(
    /// Extends 16-bit RTP sequence numbers to `u64`.
    ///
    /// ```
    /// use mediaplane::rtp::SeqUnwrapper;
    ///
    /// let mut u = SeqUnwrapper::new();
    /// assert_eq!(u.unwrap(65534), Some(65534));
    /// assert_eq!(u.unwrap(1), Some(65537));
    /// assert_eq!(u.unwrap(65535), Some(65535)); // late, before the wrap
    /// assert_eq!(u.highest(), Some(65537));
    /// ```
    SeqUnwrapper,
    u16,
    16
);

unwrapper!(
    /// Extends 32-bit RTP timestamps to `u64`.
    ///
    /// ```
    /// use mediaplane::rtp::TimestampUnwrapper;
    ///
    /// let mut u = TimestampUnwrapper::new();
    /// assert_eq!(u.unwrap(u32::MAX - 959), Some(u64::from(u32::MAX) - 959));
    /// assert_eq!(u.unwrap(0), Some(1 << 32));
    /// ```
    TimestampUnwrapper,
    u32,
    32
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_wrap_and_reorder() {
        let mut u = SeqUnwrapper::new();
        assert_eq!(u.highest(), None);
        let seq = [65530u16, 65533, 65531, 2, 65535, 0, 1, 3];
        let want = [65530u64, 65533, 65531, 65538, 65535, 65536, 65537, 65539];
        for (s, w) in seq.into_iter().zip(want) {
            assert_eq!(u.unwrap(s), Some(w), "seq {s}");
        }
        assert_eq!(u.highest(), Some(65539));
    }

    #[test]
    fn before_cycle_zero_is_refused() {
        let mut u = SeqUnwrapper::new();
        assert_eq!(u.unwrap(5), Some(5));
        assert_eq!(u.unwrap(65534), None);
        assert_eq!(u.highest(), Some(5));
        assert_eq!(u.unwrap(3), Some(3));
    }

    #[test]
    fn half_range_counts_as_newer() {
        let mut u = SeqUnwrapper::new();
        u.unwrap(0);
        assert_eq!(u.unwrap(32768), Some(32768));
        assert_eq!(u.unwrap(32767 + 32768), Some(65535));
        let mut t = TimestampUnwrapper::new();
        t.unwrap(10);
        assert_eq!(t.unwrap(10 + (1 << 31)), Some(10 + (1 << 31)));
        assert_eq!(t.peek(9), Some((1 << 32) + 9));
    }

    #[test]
    fn many_cycles() {
        let mut u = SeqUnwrapper::new();
        let mut want = 1000u64;
        u.unwrap(1000);
        for _ in 0..300_000 {
            want += 7;
            assert_eq!(u.unwrap(want as u16), Some(want));
        }
    }
}
