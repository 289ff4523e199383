//! G.711 μ-law and A-law (ITU-T G.711 §2–§3): encoding from 16-bit linear
//! PCM, decoding to 16-bit linear PCM, and the direct μ-law ↔ A-law code
//! conversions of G.711 Tables 3 and 4, bit-exact with the ITU-T G.191
//! reference implementation (`g711.c` of the Software Tool Library) for
//! every one of the 65,536 linear inputs and 256 codes. Left out: the
//! optional all-zero-code suppression of μ-law (G.711 Table 2a note), which
//! G.191 does not apply either, and any rounding of the input: like G.191,
//! encoders truncate, and take negative samples by one's complement, so
//! −1 codes like 0 and the ranges of both signs are symmetric.
//!
//! Decoders give the G.191 "left-justified" values: μ-law decodes to the
//! 14-bit grid scaled by 4 (±32,124 at most), A-law to the 13-bit grid
//! scaled by 8 (±32,256 at most), so a decoded sample re-encodes to the same
//! code.
//!
//! The direct conversions map codes, not samples: G.711 defines them by
//! tables of decoder output value numbers chosen so that a μ → A → μ or
//! A → μ → A round trip changes at most the last bit (G.711 Tables 3 and 4,
//! note 2 of each). They are therefore not `encode(decode(c))`. Some
//! widely used tables (spandsp's among them) differ from G.711 at A-law
//! value number 80 / μ-law value number 80; `tests/g711_spandsp.rs` lists
//! those codes.
//!
//! Speed: every conversion is one table lookup, with the tables built at
//! compile time. An A-law code depends only on `x >> 4` and a μ-law code
//! only on `x >> 2` (one's complement commutes with the arithmetic shift),
//! so the encode tables are indexed by the top 12 or 14 bits of the sample
//! as `u16`: 4 KiB and 16 KiB, which stay in the L1 cache beside the data.
//! The slice functions are plain zipped loops so that the compiler can
//! unroll them and drop the bounds checks.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

/// G.711 Table 3: for each μ-law decoder output value number (0..=127),
/// the A-law decoder output value number (1..=128) it converts to. The
/// sign is carried over unchanged.
const MU_TO_A_NUMBER: [u8; 128] = [
    1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, //
    9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, //
    25, 27, 29, 31, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, //
    46, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, //
    64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, //
    81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, //
    97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, //
    113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128,
];

/// G.711 Table 4: for each A-law decoder output value number (1..=128,
/// stored at index number − 1), the μ-law decoder output value number
/// (0..=127) it converts to.
const A_TO_MU_NUMBER: [u8; 128] = [
    1, 3, 5, 7, 9, 11, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23, //
    24, 25, 26, 27, 28, 29, 30, 31, 32, 32, 33, 33, 34, 34, 35, 35, //
    36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 48, 49, 49, //
    50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 64, //
    65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 79, //
    80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, //
    96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, //
    112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127,
];

/// Number of significant bits of `v` (0 for 0).
const fn bit_length(v: u32) -> u32 {
    32 - v.leading_zeros()
}

/// A-law code of a sample whose `x >> 4` is `q` (G.191 `alaw_compress`,
/// written with a bit count instead of its shift loop).
const fn alaw_code_of(q: i16) -> u8 {
    let negative = q < 0;
    // One's complement: magnitude 0..=2047 of the 12 most significant bits.
    let m = (if negative { !q } else { q }) as u32;
    let mag = if m < 32 {
        // Segments 0 and 1 share the step size: the code is the value.
        m
    } else {
        let e = bit_length(m) - 4; // 2..=7
        (e << 4) | ((m >> (e - 1)) & 0x0F)
    };
    let sign = if negative { 0 } else { 0x80 };
    ((sign | mag) ^ 0x55) as u8
}

/// μ-law code of a sample whose `x >> 2` is `q` (G.191 `ulaw_compress`).
const fn ulaw_code_of(q: i16) -> u8 {
    let negative = q < 0;
    let m = (if negative { !q } else { q }) as u32;
    // Bias by 33 (the step between the μ-law and A-law decision values)
    // and clip to the 13-bit range, as G.191 does.
    let mut biased = m + 33;
    if biased > 0x1FFF {
        biased = 0x1FFF;
    }
    // Segment number 1..=8 as G.191 counts it.
    let seg = 1 + bit_length(biased >> 6);
    let code = ((8 - seg) << 4) | (15 - ((biased >> seg) & 0x0F));
    let sign = if negative { 0 } else { 0x80 };
    (sign | code) as u8
}

const fn ulaw_value_of(c: u8) -> i16 {
    let inv = !c;
    let exp = ((inv >> 4) & 0x07) as i32;
    let mant = (inv & 0x0F) as i32;
    // ((2·mant + 33) · 4 << exp) − 132: the middle of the quantization
    // interval on the 14-bit grid, times 4.
    let mag = ((132 + 8 * mant) << exp) - 132;
    if c & 0x80 != 0 {
        mag as i16
    } else {
        -mag as i16
    }
}

const fn alaw_value_of(c: u8) -> i16 {
    let ix = (c ^ 0x55) & 0x7F;
    let exp = (ix >> 4) as i32;
    let mut mant = (ix & 0x0F) as i32;
    if exp > 0 {
        mant += 16;
    }
    let mut mag = (mant << 4) + 8;
    if exp > 1 {
        mag <<= exp - 1;
    }
    if c & 0x80 != 0 {
        mag as i16
    } else {
        -mag as i16
    }
}

// The table builders index fixed-size arrays with loop counters bounded by
// the array length (const fns cannot use iterators), hence the allows.

#[allow(clippy::indexing_slicing)]
const fn build_alaw_encode() -> [u8; 4096] {
    let mut t = [0u8; 4096];
    let mut i = 0;
    while i < 4096 {
        // Index i is (x as u16) >> 4; the sample's top 12 bits as i16.
        let q = ((i as u16) << 4) as i16 >> 4;
        t[i] = alaw_code_of(q);
        i += 1;
    }
    t
}

#[allow(clippy::indexing_slicing)]
const fn build_ulaw_encode() -> [u8; 16384] {
    let mut t = [0u8; 16384];
    let mut i = 0;
    while i < 16384 {
        let q = ((i as u16) << 2) as i16 >> 2;
        t[i] = ulaw_code_of(q);
        i += 1;
    }
    t
}

#[allow(clippy::indexing_slicing)]
const fn build_decode(alaw: bool) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if alaw {
            alaw_value_of(i as u8)
        } else {
            ulaw_value_of(i as u8)
        };
        i += 1;
    }
    t
}

#[allow(clippy::indexing_slicing)]
const fn build_ulaw_to_alaw() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut u = 0;
    while u < 256 {
        // μ-law codes are the complemented value number with the sign bit
        // set for positive values.
        let inv = !(u as u8);
        let number = (inv & 0x7F) as usize;
        let positive = u & 0x80 != 0;
        let a_number = MU_TO_A_NUMBER[number] - 1;
        t[u] = (a_number | if positive { 0x80 } else { 0 }) ^ 0x55;
        u += 1;
    }
    t
}

#[allow(clippy::indexing_slicing)]
const fn build_alaw_to_ulaw() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut a = 0;
    while a < 256 {
        let ix = (a as u8) ^ 0x55;
        let number = (ix & 0x7F) as usize; // A-law value number − 1
        let positive = ix & 0x80 != 0;
        let mu_number = A_TO_MU_NUMBER[number];
        t[a] = !mu_number & if positive { 0xFF } else { 0x7F };
        a += 1;
    }
    t
}

static ALAW_ENCODE: [u8; 4096] = build_alaw_encode();
static ULAW_ENCODE: [u8; 16384] = build_ulaw_encode();
static ALAW_DECODE: [i16; 256] = build_decode(true);
static ULAW_DECODE: [i16; 256] = build_decode(false);
static ULAW_TO_ALAW: [u8; 256] = build_ulaw_to_alaw();
static ALAW_TO_ULAW: [u8; 256] = build_alaw_to_ulaw();

// In the lookups below the index is a shifted u16 or a u8, so it is always
// inside the table: `get` compiles to a plain load and the fallback is dead.

/// Encodes one 16-bit linear sample to μ-law (G.191 `ulaw_compress`).
#[inline]
pub fn ulaw_encode(x: i16) -> u8 {
    ULAW_ENCODE
        .get(usize::from(x as u16 >> 2))
        .copied()
        .unwrap_or(0)
}

/// Decodes one μ-law code to 16-bit linear (G.191 `ulaw_expand`).
#[inline]
pub fn ulaw_decode(c: u8) -> i16 {
    ULAW_DECODE.get(usize::from(c)).copied().unwrap_or(0)
}

/// Encodes one 16-bit linear sample to A-law (G.191 `alaw_compress`).
#[inline]
pub fn alaw_encode(x: i16) -> u8 {
    ALAW_ENCODE
        .get(usize::from(x as u16 >> 4))
        .copied()
        .unwrap_or(0)
}

/// Decodes one A-law code to 16-bit linear (G.191 `alaw_expand`).
#[inline]
pub fn alaw_decode(c: u8) -> i16 {
    ALAW_DECODE.get(usize::from(c)).copied().unwrap_or(0)
}

/// Converts a μ-law code to the A-law code of G.711 Table 3.
#[inline]
pub fn ulaw_to_alaw(c: u8) -> u8 {
    ULAW_TO_ALAW.get(usize::from(c)).copied().unwrap_or(0)
}

/// Converts an A-law code to the μ-law code of G.711 Table 4.
#[inline]
pub fn alaw_to_ulaw(c: u8) -> u8 {
    ALAW_TO_ULAW.get(usize::from(c)).copied().unwrap_or(0)
}

/// Encodes `n = min(pcm.len(), out.len())` samples to μ-law; returns `n`.
pub fn encode_ulaw(pcm: &[i16], out: &mut [u8]) -> usize {
    for (o, &x) in out.iter_mut().zip(pcm) {
        *o = ulaw_encode(x);
    }
    pcm.len().min(out.len())
}

/// Decodes `n = min(codes.len(), out.len())` μ-law codes; returns `n`.
pub fn decode_ulaw(codes: &[u8], out: &mut [i16]) -> usize {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = ulaw_decode(c);
    }
    codes.len().min(out.len())
}

/// Encodes `n = min(pcm.len(), out.len())` samples to A-law; returns `n`.
pub fn encode_alaw(pcm: &[i16], out: &mut [u8]) -> usize {
    for (o, &x) in out.iter_mut().zip(pcm) {
        *o = alaw_encode(x);
    }
    pcm.len().min(out.len())
}

/// Decodes `n = min(codes.len(), out.len())` A-law codes; returns `n`.
pub fn decode_alaw(codes: &[u8], out: &mut [i16]) -> usize {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = alaw_decode(c);
    }
    codes.len().min(out.len())
}

/// Converts `n = min(codes.len(), out.len())` μ-law codes to A-law
/// (G.711 Table 3); returns `n`.
pub fn ulaw_to_alaw_slice(codes: &[u8], out: &mut [u8]) -> usize {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = ulaw_to_alaw(c);
    }
    codes.len().min(out.len())
}

/// Converts `n = min(codes.len(), out.len())` A-law codes to μ-law
/// (G.711 Table 4); returns `n`.
pub fn alaw_to_ulaw_slice(codes: &[u8], out: &mut [u8]) -> usize {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = alaw_to_ulaw(c);
    }
    codes.len().min(out.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The oracle: G.191's four functions as the STL writes them (16-bit
    // shorts, shift loops), one sample at a time.

    fn g191_alaw_compress(x: i16) -> u8 {
        let mut ix: i16 = if x < 0 { (!x) >> 4 } else { x >> 4 };
        if ix > 15 {
            let mut iexp: i16 = 1;
            while ix > 16 + 15 {
                ix >>= 1;
                iexp += 1;
            }
            ix -= 16;
            ix += iexp << 4;
        }
        if x >= 0 {
            ix |= 0x0080;
        }
        (ix ^ 0x0055) as u8
    }

    fn g191_alaw_expand(c: u8) -> i16 {
        let log = i16::from(c);
        let mut ix = log ^ 0x0055;
        ix &= 0x007F;
        let iexp = ix >> 4;
        let mut mant = ix & 0x000F;
        if iexp > 0 {
            mant += 16;
        }
        mant = (mant << 4) + 0x0008;
        if iexp > 1 {
            mant <<= iexp - 1;
        }
        if log > 127 {
            mant
        } else {
            -mant
        }
    }

    fn g191_ulaw_compress(x: i16) -> u8 {
        let mut absno: i16 = if x < 0 {
            ((!x) >> 2) + 33
        } else {
            (x >> 2) + 33
        };
        if absno > 0x1FFF {
            absno = 0x1FFF;
        }
        let mut i = absno >> 6;
        let mut segno: i16 = 1;
        while i != 0 {
            segno += 1;
            i >>= 1;
        }
        let high_nibble = 0x0008 - segno;
        let mut low_nibble = (absno >> segno) & 0x000F;
        low_nibble = 0x000F - low_nibble;
        let mut log = (high_nibble << 4) | low_nibble;
        if x >= 0 {
            log |= 0x0080;
        }
        log as u8
    }

    fn g191_ulaw_expand(c: u8) -> i16 {
        let log = i16::from(c);
        let sign: i16 = if log < 0x0080 { -1 } else { 1 };
        let mut mantissa = !log;
        let exponent = (mantissa >> 4) & 0x0007;
        let segment = exponent + 1;
        mantissa &= 0x000F;
        let step: i16 = 4 << segment;
        sign * ((0x0080 << exponent) + step * mantissa + step / 2 - 4 * 33)
    }

    #[test]
    fn encoders_match_g191_for_every_input() {
        for x in i16::MIN..=i16::MAX {
            assert_eq!(ulaw_encode(x), g191_ulaw_compress(x), "mu-law {x}");
            assert_eq!(alaw_encode(x), g191_alaw_compress(x), "A-law {x}");
        }
    }

    #[test]
    fn decoders_match_g191_for_every_code() {
        for c in 0..=255u8 {
            assert_eq!(ulaw_decode(c), g191_ulaw_expand(c), "mu-law {c:#04x}");
            assert_eq!(alaw_decode(c), g191_alaw_expand(c), "A-law {c:#04x}");
        }
    }

    #[test]
    fn known_values_from_the_g711_tables() {
        // μ-law: 0xFF and 0x7F are the two zeros (Table 2a/2b, value 0).
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        // Largest magnitudes: 8031 on the 14-bit grid.
        assert_eq!(ulaw_decode(0x80), 8031 * 4);
        assert_eq!(ulaw_decode(0x00), -8031 * 4);
        // Value number 1 decodes to 2 on the 14-bit grid.
        assert_eq!(ulaw_decode(0xFE), 8);
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7F);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        // A-law: 0xD5 / 0x55 are value number 1 (1 on the 13-bit grid).
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        // Largest magnitudes: 4032 on the 13-bit grid.
        assert_eq!(alaw_decode(0xAA), 4032 * 8);
        assert_eq!(alaw_decode(0x2A), -4032 * 8);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
    }

    #[test]
    fn decoded_values_reencode_to_their_code() {
        for c in 0..=255u8 {
            let u = ulaw_decode(c);
            // The two μ-law zeros both decode to 0, which encodes as +0.
            let expect = if c == 0x7F { 0xFF } else { c };
            assert_eq!(ulaw_encode(u), expect, "mu-law {c:#04x}");
            assert_eq!(alaw_encode(alaw_decode(c)), c, "A-law {c:#04x}");
        }
    }

    #[test]
    fn encoders_are_monotonic_and_odd_symmetric() {
        let mut last_u = i32::MIN;
        let mut last_a = i32::MIN;
        for x in i16::MIN..=i16::MAX {
            let u = i32::from(ulaw_decode(ulaw_encode(x)));
            let a = i32::from(alaw_decode(alaw_encode(x)));
            assert!(u >= last_u && a >= last_a, "not monotonic at {x}");
            last_u = u;
            last_a = a;
            // One's complement symmetry: x and !x give mirrored codes.
            assert_eq!(ulaw_encode(!x), ulaw_encode(x) ^ 0x80, "{x}");
            assert_eq!(alaw_encode(!x), alaw_encode(x) ^ 0x80, "{x}");
        }
    }

    /// μ-law decoder output value number (0..=127) and whether it is
    /// positive, read from the code as G.711 Table 2 lays it out.
    fn mu_number(c: u8) -> (u8, bool) {
        (!c & 0x7F, c & 0x80 != 0)
    }

    /// A-law decoder output value number (1..=128) and sign (Table 1).
    fn a_number(c: u8) -> (u8, bool) {
        let ix = c ^ 0x55;
        ((ix & 0x7F) + 1, ix & 0x80 != 0)
    }

    #[test]
    fn conversions_follow_g711_tables_3_and_4() {
        for c in 0..=255u8 {
            let (n, pos) = mu_number(c);
            let (an, apos) = a_number(ulaw_to_alaw(c));
            assert_eq!(apos, pos);
            assert_eq!(an, MU_TO_A_NUMBER[usize::from(n)]);
            let (n, pos) = a_number(c);
            let (un, upos) = mu_number(alaw_to_ulaw(c));
            assert_eq!(upos, pos);
            assert_eq!(un, A_TO_MU_NUMBER[usize::from(n - 1)]);
        }
        // Spot values of Table 3 and Table 4 read directly as codes.
        assert_eq!(ulaw_to_alaw(0xFF), 0xD5);
        assert_eq!(ulaw_to_alaw(0x80), 0xAA);
        assert_eq!(alaw_to_ulaw(0xD5), 0xFE);
        assert_eq!(alaw_to_ulaw(0xAA), 0x80);
    }

    /// Note 2 of G.711 Tables 3 and 4: a double conversion is transparent
    /// except for the listed value numbers, where only the last bit of the
    /// code changes. This checks the two tables against each other and
    /// against the text of the Recommendation, independently of how the
    /// tables were typed in.
    #[test]
    fn double_conversions_change_only_the_listed_numbers() {
        for c in 0..=255u8 {
            let back = alaw_to_ulaw(ulaw_to_alaw(c));
            let (n, _) = mu_number(c);
            if [0, 2, 4, 6, 8, 10, 12, 14].contains(&n) {
                assert_eq!(back, c ^ 0x01, "mu {c:#04x}");
                assert_eq!(mu_number(back).0, n + 1);
            } else {
                assert_eq!(back, c, "mu {c:#04x}");
            }
            let back = ulaw_to_alaw(alaw_to_ulaw(c));
            let (n, _) = a_number(c);
            if [26, 28, 30, 32, 45, 47, 63, 80].contains(&n) {
                assert_eq!(back, c ^ 0x01, "A {c:#04x}");
            } else {
                assert_eq!(back, c, "A {c:#04x}");
            }
        }
    }

    #[test]
    fn conversions_stay_close_to_the_decoded_value() {
        // A converted code decodes within one step of the original value;
        // μ-law's grid is at most twice as coarse as A-law's, and never
        // coarser than 8 steps of 128 at the top.
        for c in 0..=255u8 {
            let u = i32::from(ulaw_decode(c));
            let a = i32::from(alaw_decode(ulaw_to_alaw(c)));
            assert!((u - a).abs() <= 1024, "{c:#04x}: {u} vs {a}");
            let a = i32::from(alaw_decode(c));
            let u = i32::from(ulaw_decode(alaw_to_ulaw(c)));
            assert!((u - a).abs() <= 1024, "{c:#04x}: {a} vs {u}");
        }
    }

    #[test]
    fn slice_forms_match_the_scalar_forms_and_stop_at_the_shorter() {
        let pcm: Vec<i16> = (0..1000).map(|i| (i * 65 - 32768) as i16).collect();
        let mut u = vec![0u8; 999];
        let mut a = vec![0u8; 1200];
        assert_eq!(encode_ulaw(&pcm, &mut u), 999);
        assert_eq!(encode_alaw(&pcm, &mut a), 1000);
        for (i, &x) in pcm.iter().enumerate() {
            if i < 999 {
                assert_eq!(u[i], ulaw_encode(x));
            }
            assert_eq!(a[i], alaw_encode(x));
        }
        assert!(a[1000..].iter().all(|&b| b == 0));
        let codes: Vec<u8> = (0..=255).collect();
        let mut lin = vec![0i16; 256];
        assert_eq!(decode_ulaw(&codes, &mut lin), 256);
        assert!(codes.iter().zip(&lin).all(|(&c, &x)| ulaw_decode(c) == x));
        assert_eq!(decode_alaw(&codes, &mut lin[..10]), 10);
        assert!(codes[..10]
            .iter()
            .zip(&lin)
            .all(|(&c, &x)| alaw_decode(c) == x));
        let mut conv = vec![0u8; 256];
        assert_eq!(ulaw_to_alaw_slice(&codes, &mut conv), 256);
        assert!(codes.iter().zip(&conv).all(|(&c, &o)| ulaw_to_alaw(c) == o));
        assert_eq!(alaw_to_ulaw_slice(&codes[..3], &mut conv), 3);
        assert!(codes[..3]
            .iter()
            .zip(&conv)
            .all(|(&c, &o)| alaw_to_ulaw(c) == o));
        assert_eq!(encode_ulaw(&[], &mut u), 0);
    }
}
