//! G.722 7 kHz audio coding within 64 kbit/s (ITU-T G.722 §§3–6): the
//! 24-tap transmit and receive quadrature mirror filters, the lower
//! sub-band ADPCM with its 6-bit quantizer and 4-bit embedded feedback, the
//! higher sub-band 2-bit ADPCM, and their shared scale-factor and
//! pole/zero predictor adaptation (blocks 1L–6L and 1H–6H: QUANTL, INVQAL,
//! INVQBL, LOGSCL, SCALEL, QUANTH, INVQAH, LOGSCH, SCALEH, UPPOL1, UPPOL2,
//! UPZERO, FILTEP, FILTEZ, LIMIT). The arithmetic is the reference
//! algorithm's, bit for bit, so the output equals that of spandsp's
//! `g722_encode`/`g722_decode` on the same input. The decoder runs in
//! modes 1, 2 and 3 (64, 56, 48 kbit/s of audio); the encoder always
//! computes the full 6-bit lower-band code and, in modes 2 and 3, clears
//! the one or two bits the auxiliary data channel will occupy. Left out:
//! the data channel itself (inserting and extracting the auxiliary bits is
//! the host's business), the mode-determination and framing of G.725, the
//! analogue parts (anti-aliasing, x/sin x correction), and packing
//! codewords narrower than an octet: one octet always carries one 16 kHz
//! sample pair, as RTP carries G.722 (RFC 3551 §4.5.2).
//!
//! The receive QMF limits its output to the 16-bit range, as the ITU-T
//! reference implementation (G.191) does. spandsp 0.0.6 keeps the low 16
//! bits instead, so on a sample that overshoots full scale — clipped
//! input, or arbitrary octets — its output flips sign where ours stays at
//! full scale; everywhere else the two are equal (`tests/g722_spandsp.rs`
//! checks both halves of that statement).
//!
//! # Octets
//!
//! Bits 7–6 of an octet are the higher-band code IH, bits 5–0 the
//! lower-band code ILR. In mode 2 the decoder ignores bit 0 and in mode 3
//! bits 1–0 (they are data there), using the 5-bit or 4-bit inverse
//! quantizer for the lower-band output while the 4-bit code always drives
//! the adaptation, so encoder and decoder stay in step whatever the mode.
//!
//! # The QMF-bypassed core and the Appendix II test sequences
//!
//! [`G722Encoder::encode_subbands`] and [`G722Decoder::decode_subbands`]
//! run the sub-band ADPCM with the QMFs left out — configurations 1 and 2
//! of the digital test sequences of G.722 Appendix II. Those sequences hold
//! one 16-bit word per 8 kHz sub-band sample:
//!
//! * input words (`T1C1.XMT`, `T1C2.XMT`) and reconstructed-signal words
//!   (`T3L?.RC1`–`RC3` for the lower band in modes 1–3, `T3H?.RC0` for the
//!   higher band): bits 15–1 are the 15-bit two's-complement sub-band
//!   sample, bit 0 is the reset flag;
//! * code words (`T2R1.COD`, `T2R2.COD`, `T1D3.COD`): bits 15–8 are the
//!   octet (IH in 15–14, ILR in 13–8), bit 0 is the reset flag.
//!
//! Each sequence opens and closes with words whose reset flag is 1; the
//! codec starts from its reset state at the first word whose flag is 0 and
//! the comparison runs up to the next word whose flag is 1. To run a
//! sequence: for the encoder, feed each input word unchanged to both bands
//! (`encode_subbands(w, w)`; the same signal drives both sub-band encoders
//! in configuration 1) and compare the octet with bits 15–8 of the code
//! word; for the decoder, pass bits 15–8 of each code word
//! (`decode_subbands((w >> 8) as u8)`) to a decoder in the mode under test
//! and compare the two returned words, bit 0 clear, with the lower- and
//! higher-band reconstructed-signal words.
//!
//! # Speed
//!
//! Measured against spandsp 0.0.6 (Debian's build) on the same 20 ms
//! frames of tone-plus-noise audio, x86_64, on a shared, loaded machine:
//! per 16 kHz sample pair the encoder runs about 590 instructions to
//! spandsp's 960 and the decoder about 500 to 880 (callgrind); in CPU
//! time (best of several runs of 8 million pairs) the encoder is about
//! 1.9 and the decoder 1.5 to 1.7 times as fast. The gains come from the
//! quantizer's decision made by counting, with 16-bit multiplies, the
//! decision levels below the difference signal (branch-free, where the
//! reference searches), from leaving out the limits that provably never
//! act, from the leakage factors computed without multiplies, and from the
//! QMFs' dot products done as SSE2 multiply-adds — the one `unsafe` call
//! here, without which the decoder ran 30% more instructions.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

/// One of the three G.722 modes (Table 1/G.722): how many bits of each
/// octet carry audio.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum G722Mode {
    /// 64 kbit/s of audio, no data channel: all 6 lower-band bits are audio.
    #[default]
    Mode1,
    /// 56 kbit/s of audio and an 8 kbit/s data channel in bit 0.
    Mode2,
    /// 48 kbit/s of audio and a 16 kbit/s data channel in bits 1–0.
    Mode3,
}

impl G722Mode {
    /// The mode whose audio bit rate is `bps` (64000, 56000 or 48000), or
    /// `None` for any other rate.
    pub fn from_bitrate(bps: u32) -> Option<G722Mode> {
        match bps {
            64_000 => Some(G722Mode::Mode1),
            56_000 => Some(G722Mode::Mode2),
            48_000 => Some(G722Mode::Mode3),
            _ => None,
        }
    }

    /// The audio bit rate of this mode in bit/s.
    pub fn bitrate(self) -> u32 {
        match self {
            G722Mode::Mode1 => 64_000,
            G722Mode::Mode2 => 56_000,
            G722Mode::Mode3 => 48_000,
        }
    }

    /// The bits of an octet that carry audio in this mode.
    fn audio_mask(self) -> u8 {
        match self {
            G722Mode::Mode1 => 0xff,
            G722Mode::Mode2 => 0xfe,
            G722Mode::Mode3 => 0xfc,
        }
    }

    /// The lower-band inverse quantizer (INVQBL) of this mode, indexed by
    /// the 6-bit ILR, whose ignored low bits select the same entry.
    fn invqbl(self) -> &'static [i32; 64] {
        match self {
            G722Mode::Mode1 => &INVQBL_MODE1,
            G722Mode::Mode2 => &INVQBL_MODE2,
            G722Mode::Mode3 => &INVQBL_MODE3,
        }
    }
}

/// QMF coefficients h0..h11 of Table 11/G.722; h23-i equals hi.
const QMF: [i32; 12] = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];

/// Interleaves two 12-tap filters into one 24-tap row, so that a history
/// kept as pairs `[a0, b0, a1, b1, ...]` (oldest first) yields
/// `sum(a_k*ca(k) + b_k*cb(k))` in one dot product.
// Evaluated at compile time: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const fn interleave(sa: i32, ra: bool, sb: i32, rb: bool) -> [i16; 24] {
    let mut row = [0i16; 24];
    let mut k = 0;
    while k < 12 {
        let ca = if ra { QMF[11 - k] } else { QMF[k] };
        let cb = if rb { QMF[11 - k] } else { QMF[k] };
        row[2 * k] = (sa * ca) as i16;
        row[2 * k + 1] = (sb * cb) as i16;
        k += 1;
    }
    row
}

/// Transmit QMF. The history holds input pairs (first sample x, second
/// sample y); the odd-phase sum is `sum x_k h_k`, the even-phase sum
/// `sum y_k h_{11-k}`; xL is their sum and xH their difference (even minus
/// odd), each over 2^14.
const TX_LOW: [i16; 24] = interleave(1, false, 1, true);
const TX_HIGH: [i16; 24] = interleave(-1, false, 1, true);

/// Receive QMF. The history holds (rL, rH) pairs; the first output sample
/// is `sum (rL-rH)_k h_{11-k}`, the second `sum (rL+rH)_k h_k`, over 2^11.
const RX_FIRST: [i16; 24] = interleave(1, true, -1, true);
const RX_SECOND: [i16; 24] = interleave(1, false, 1, false);

/// Decision levels of the 6-bit lower-band quantizer (Table 14/G.722,
/// levels 1 to 29), times 16, padded with three zeros to 32 entries. The
/// reference scales level q by DETL as (q DETL) >> 12; with q stored as
/// 16 q (at most 46704) that is the high half of a 16 x 16-bit unsigned
/// product, (16 q DETL) >> 16 — one SSE2 pmulhuw for eight levels, which
/// the compiler finds in the count below. The padding scales to 0, which
/// every magnitude reaches, so it adds exactly 3 to the count.
// Evaluated at compile time: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const Q6X16: [u16; 32] = {
    const Q6: [u16; 29] = [
        35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
        1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
    ];
    let mut out = [0u16; 32];
    let mut i = 0;
    while i < 29 {
        out[i] = Q6[i] * 16;
        i += 1;
    }
    out
};
const Q6_PADDING: usize = 3;

/// ILN and ILP of Table 14/G.722: the code of quantizer interval 1..=30
/// for a negative and for a non-negative difference signal.
const ILN: [u8; 32] = [
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
    10, 9, 8, 7, 6, 5, 4, 0,
];
const ILP: [u8; 32] = [
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
    38, 37, 36, 35, 34, 33, 32, 0,
];

/// Output levels of the 4-bit inverse quantizer QQ4 (Table 17/G.722),
/// signed and indexed by the 4-bit code IL4 (ILR >> 2), times 8.
const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];

/// 5-bit inverse quantizer QQ5 (Table 16/G.722), indexed by ILR >> 1.
const QM5: [i32; 32] = [
    -280, -280, -23352, -17560, -14120, -11664, -9752, -8184, -6864, -5712, -4696, -3784, -2960,
    -2208, -1520, -880, 23352, 17560, 14120, 11664, 9752, 8184, 6864, 5712, 4696, 3784, 2960, 2208,
    1520, 880, 280, -280,
];

/// 6-bit inverse quantizer QQ6 (Table 15/G.722), indexed by ILR.
const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];

/// INVQBL per mode, indexed by the full 6-bit ILR.
// Evaluated at compile time: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const fn widen(table: &[i32], shift: usize) -> [i32; 64] {
    let mut out = [0i32; 64];
    let mut i = 0;
    while i < 64 {
        out[i] = table[i >> shift];
        i += 1;
    }
    out
}
const INVQBL_MODE1: [i32; 64] = QM6;
const INVQBL_MODE2: [i32; 64] = widen(&QM5, 1);
const INVQBL_MODE3: [i32; 64] = widen(&QM4, 2);

/// Output levels of the 2-bit higher-band inverse quantizer QQ2
/// (Table 18/G.722), signed and indexed by IH, times 8.
const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];

/// Lower-band log scale factor multiplier WL (Table 17/G.722), indexed by
/// IL4 through the RIL magnitude mapping.
// Evaluated at compile time: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const WL4: [i32; 16] = {
    const WL: [i32; 8] = [-60, -30, 58, 172, 334, 538, 1198, 3042];
    const RIL: [usize; 16] = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
    let mut out = [0i32; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = WL[RIL[i]];
        i += 1;
    }
    out
};

/// Higher-band log scale factor multiplier WH (Table 18/G.722), indexed
/// by IH.
const WH2: [i32; 4] = [798, -214, 798, -214];

/// Upper limits of the lower- and higher-band log scale factors NBL, NBH.
const NBL_MAX: i32 = 18432;
const NBH_MAX: i32 = 22528;

/// Scale factors DETL and DETH as a function of NBL >> 6 and NBH >> 6
/// (SCALEL, SCALEH): the inverse log-base-2 of the fraction from the
/// 32-entry ILB table, shifted by the integer part, times 4.
// Evaluated at compile time: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const fn scale_table<const N: usize>(offset: i32) -> [i32; N] {
    const ILB: [i32; 32] = [
        2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774,
        2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838,
        3922, 4008,
    ];
    let mut out = [0i32; N];
    let mut i = 0;
    while i < N {
        let frac = ILB[i & 31];
        let shift = offset - (i as i32 >> 5);
        let wd3 = if shift < 0 {
            frac << -shift
        } else {
            frac >> shift
        };
        out[i] = wd3 << 2;
        i += 1;
    }
    out
}
const DETL: [i32; (NBL_MAX >> 6) as usize + 1] = scale_table(8);
const DETH: [i32; (NBH_MAX >> 6) as usize + 1] = scale_table(10);

/// Limits `x` to `lo..=hi`. Written as max-then-min, which compiles to
/// conditional moves; `Ord::clamp` became branches here, a measurable cost
/// on signals whose saturations flip often.
#[inline(always)]
fn limit(x: i32, lo: i32, hi: i32) -> i32 {
    x.max(lo).min(hi)
}

/// Limits to the 16-bit two's-complement range, as the reference's
/// saturating additions do.
#[inline(always)]
fn sat16(x: i32) -> i32 {
    limit(x, -32768, 32767)
}

/// `x (1 - 2^-k)` rounded down: the reference's leakage factors
/// (`x * 32512 >> 15`, `x * 32640 >> 15`, `x * 127 >> 7`) computed as
/// `x - ceil(x / 2^k)`, which is the same for every integer `x` and keeps
/// a multiply off the predictor's critical path.
#[inline(always)]
fn leak(x: i32, k: u32) -> i32 {
    x - ((x + (1 << k) - 1) >> k)
}

/// Looks `i` up in `table`, which every caller has sized to cover all
/// values `i` can take (masked codes, clamped scale factors); the fallback
/// is never taken and the compiler drops it.
#[inline(always)]
fn at<const N: usize>(table: &[i32; N], i: usize) -> i32 {
    table.get(i).copied().unwrap_or(0)
}

/// The adaptive predictor and scale-factor state of one sub-band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Band {
    /// Signal estimate s(n) (SL, SH) for the next sample.
    s: i32,
    /// Zero-section part of the estimate, sz(n).
    sz: i32,
    /// Last reconstructed signal r(n-1).
    r: i32,
    /// Partially reconstructed signal p(n-1), p(n-2).
    p: [i32; 2],
    /// Pole-section coefficients a1, a2.
    a: [i32; 2],
    /// Zero-section coefficients b1..b6.
    b: [i32; 6],
    /// Quantized difference signal d(n-1)..d(n-6), doubled and limited
    /// to 16 bits as FILTEZ uses it (the sign, which UPZERO uses, is
    /// unchanged by that).
    d2: [i32; 6],
    /// Log scale factor NB.
    nb: i32,
    /// Scale factor DET.
    det: i32,
}

impl Band {
    const fn new(det: i32) -> Band {
        Band {
            s: 0,
            sz: 0,
            r: 0,
            p: [0; 2],
            a: [0; 2],
            b: [0; 6],
            d2: [0; 6],
            nb: 0,
            det,
        }
    }

    /// Block 4 (the predictor): RECONS, PARREC, UPPOL2, UPPOL1, FILTEP,
    /// UPZERO, DELAYA, FILTEZ and PREDIC for quantized difference `dx`.
    #[inline(always)]
    fn predict(&mut self, dx: i32) {
        let r = sat16(self.s + dx);
        let p = sat16(self.sz + dx);
        let differs0 = (p ^ self.p[0]) < 0;
        let differs1 = (p ^ self.p[1]) < 0;

        // UPPOL2: a2 leaks by 2^-7 and follows sgn p(n)p(n-2) and
        // -4 a1 sgn p(n)p(n-1). The reference limits 4 a1 to 16 bits and
        // its negation to 32767 before dividing by 2^7; limiting a1 to
        // +-8191 and dividing by 2^5 gives the same value for every a1.
        let fa1 = limit(self.a[0], -8191, 8191);
        let wd = if differs0 { fa1 } else { -fa1 } >> 5;
        let a2 = limit(
            (if differs1 { -128 } else { 128 }) + wd + leak(self.a[1], 7),
            -12288,
            12288,
        );

        // UPPOL1, with a1 kept inside the stability triangle. |a1| never
        // exceeds 15360 + 12288, so the reference's 16-bit limit on the
        // sum below cannot act.
        let a1 = (if differs0 { -192 } else { 192 }) + leak(self.a[0], 8);
        let lim = 15360 - a2;
        let a1 = limit(a1, -lim, lim);

        // FILTEP: the pole section's estimate from r(n) and r(n-1).
        let sp = sat16(((a1 * sat16(r + r)) >> 15) + ((a2 * sat16(self.r + self.r)) >> 15));
        self.r = r;
        self.a = [a1, a2];
        self.p = [p, self.p[0]];

        // UPZERO: each bi leaks by 2^-8 and follows sgn d(n)d(n-i). The
        // leak maps [-32768, 32767] onto [-32640, 32639], so adding +-128
        // stays in 16 bits and the reference's limit cannot act.
        let step = if dx == 0 { 0 } else { 128 };
        for (b, &d) in self.b.iter_mut().zip(self.d2.iter()) {
            let g = if (d ^ dx) < 0 { -step } else { step };
            *b = g + leak(*b, 8);
        }
        // DELAYA, FILTEZ.
        self.d2.copy_within(0..5, 1);
        self.d2[0] = sat16(dx + dx);
        let sz: i32 = self
            .b
            .iter()
            .zip(self.d2.iter())
            .map(|(&b, &d)| (b * d) >> 15)
            .sum();
        self.sz = sat16(sz);
        self.s = sat16(sp + self.sz);
    }
}

/// LOGSCL and SCALEL: adapt the lower band's scale factor to 4-bit code
/// `il4`, then run its predictor on the quantized difference.
#[inline(always)]
fn adapt_low(band: &mut Band, il4: usize) {
    let dx = (band.det * at(&QM4, il4)) >> 15;
    band.nb = limit(leak(band.nb, 7) + at(&WL4, il4), 0, NBL_MAX);
    band.det = at(&DETL, (band.nb >> 6) as usize);
    band.predict(dx);
}

/// INVQAH, LOGSCH and SCALEH: adapt the higher band to code `ih`, then run
/// its predictor. Returns the quantized difference.
#[inline(always)]
fn adapt_high(band: &mut Band, ih: usize) -> i32 {
    let dx = (band.det * at(&QM2, ih)) >> 15;
    band.nb = limit(leak(band.nb, 7) + at(&WH2, ih), 0, NBH_MAX);
    band.det = at(&DETH, (band.nb >> 6) as usize);
    band.predict(dx);
    dx
}

/// Dot products of a QMF history with two coefficient rows. No partial
/// sum can overflow: the coefficients are at most 3876 in magnitude, so
/// each row's sum stays under 2^29.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn qmf_dot2(history: &[i16; 24], row_a: &[i16; 24], row_b: &[i16; 24]) -> (i32, i32) {
    let dot = |row: &[i16; 24]| -> i32 {
        history
            .iter()
            .zip(row.iter())
            .map(|(&h, &c)| i32::from(h) * i32::from(c))
            .sum()
    };
    (dot(row_a), dot(row_b))
}

/// Dot products of a QMF history with two coefficient rows, on x86_64
/// with three SSE2 multiply-adds (pmaddwd) per row: the compiler does not
/// find them in the scalar loop, and the QMFs were then the largest part
/// of the codec's time (see the figures in the module documentation). No
/// partial sum can overflow: the coefficients are at most 3876 in
/// magnitude, so each row's sum stays under 2^29.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn qmf_dot2(history: &[i16; 24], row_a: &[i16; 24], row_b: &[i16; 24]) -> (i32, i32) {
    // SAFETY: the only requirement of `qmf_dot2_sse2` is SSE2, which every
    // x86_64 processor has (it is part of the architecture's baseline, and
    // Rust's x86_64 targets enable it).
    unsafe { qmf_dot2_sse2(history, row_a, row_b) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn qmf_dot2_sse2(history: &[i16; 24], row_a: &[i16; 24], row_b: &[i16; 24]) -> (i32, i32) {
    use core::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_cvtsi128_si32, _mm_madd_epi16, _mm_set_epi16,
        _mm_shuffle_epi32, _mm_srli_si128, _mm_unpackhi_epi64, _mm_unpacklo_epi64,
    };
    let vectors = |a: &[i16; 24]| -> [__m128i; 3] {
        let [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23] =
            *a;
        [
            _mm_set_epi16(a7, a6, a5, a4, a3, a2, a1, a0),
            _mm_set_epi16(a15, a14, a13, a12, a11, a10, a9, a8),
            _mm_set_epi16(a23, a22, a21, a20, a19, a18, a17, a16),
        ]
    };
    let [h0, h1, h2] = vectors(history);
    let dot = |row: &[i16; 24]| {
        let [c0, c1, c2] = vectors(row);
        _mm_add_epi32(
            _mm_add_epi32(_mm_madd_epi16(h0, c0), _mm_madd_epi16(h1, c1)),
            _mm_madd_epi16(h2, c2),
        )
    };
    let (a, b) = (dot(row_a), dot(row_b));
    // Lanes [a0+a2, a1+a3, b0+b2, b1+b3], then each pair summed.
    let halves = _mm_add_epi32(_mm_unpacklo_epi64(a, b), _mm_unpackhi_epi64(a, b));
    let sums = _mm_add_epi32(halves, _mm_shuffle_epi32::<0b10_11_00_01>(halves));
    (
        _mm_cvtsi128_si32(sums),
        _mm_cvtsi128_si32(_mm_srli_si128::<8>(sums)),
    )
}

/// Pushes one sample pair into a QMF history, dropping the oldest pair.
#[inline(always)]
fn qmf_push(history: &mut [i16; 24], first: i16, second: i16) {
    history.copy_within(2..24, 0);
    history[22] = first;
    history[23] = second;
}

/// G.722 encoder: 16 kHz 16-bit linear PCM in, one octet per sample pair
/// out. All state lives in the value; [`Clone`] forks a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct G722Encoder {
    mode: G722Mode,
    low: Band,
    high: Band,
    /// Transmit QMF history, input pairs oldest first.
    qmf: [i16; 24],
}

impl Default for G722Encoder {
    fn default() -> Self {
        G722Encoder::new(G722Mode::Mode1)
    }
}

impl G722Encoder {
    /// A new encoder in its reset state. In modes 2 and 3 the octets have
    /// their data bits (bit 0, or bits 1–0) clear.
    pub fn new(mode: G722Mode) -> Self {
        G722Encoder {
            mode,
            low: Band::new(32),
            high: Band::new(8),
            qmf: [0; 24],
        }
    }

    /// The mode the octets are made for.
    pub fn mode(&self) -> G722Mode {
        self.mode
    }

    /// Returns to the reset state (the state of [`G722Encoder::new`]),
    /// keeping the mode.
    pub fn reset(&mut self) {
        *self = G722Encoder::new(self.mode);
    }

    /// Encodes 16 kHz samples: `n = min(pcm.len() / 2, out.len())` octets
    /// are written to `out` from the first `2n` samples of `pcm`, and `n`
    /// is returned. A trailing odd sample is not consumed.
    pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> usize {
        let mut n = 0;
        for (pair, octet) in pcm.chunks_exact(2).zip(out.iter_mut()) {
            let (first, second) = match pair {
                [a, b] => (*a, *b),
                _ => break,
            };
            qmf_push(&mut self.qmf, first, second);
            let (low, high) = qmf_dot2(&self.qmf, &TX_LOW, &TX_HIGH);
            *octet = self.encode_pair(low >> 14, high >> 14);
            n += 1;
        }
        n
    }

    /// Encodes one sample of each sub-band with the QMF bypassed, the
    /// configuration of the G.722 Appendix II encoder test sequences (see
    /// the module documentation for their format). `xl` and `xh` are
    /// 16-bit words whose bits 15–1 hold the 15-bit sub-band samples; bit 0
    /// is ignored. The QMF history is left as it is.
    pub fn encode_subbands(&mut self, xl: i16, xh: i16) -> u8 {
        self.encode_pair(i32::from(xl >> 1), i32::from(xh >> 1))
    }

    /// Blocks 1L–4L and 1H–4H for one sub-band sample pair.
    #[inline(always)]
    fn encode_pair(&mut self, xl: i32, xh: i32) -> u8 {
        // SUBTRA and QUANTL. The decision levels rise with the interval,
        // so the interval is one more than the number of levels at or
        // below |el| (the reference's one's-complement magnitude).
        let el = sat16(xl - self.low.s);
        let wd = if el >= 0 { el } else { !el };
        // DETL is at most 32064 and the magnitude at most 32767: both fit
        // the 16-bit lanes, and the scaled levels stay below 2^15.
        let det = self.low.det as u16;
        let wd16 = wd as i16;
        let at_or_below: usize = Q6X16
            .iter()
            .map(|&q| {
                let level = ((u32::from(q) * u32::from(det)) >> 16) as i16;
                usize::from(level <= wd16)
            })
            .sum();
        let interval = at_or_below.saturating_sub(Q6_PADDING) + 1;
        let il = if el < 0 {
            ILN.get(interval)
        } else {
            ILP.get(interval)
        };
        let il = il.copied().unwrap_or(0);
        adapt_low(&mut self.low, usize::from(il >> 2));

        // SUBTRA and QUANTH.
        let eh = sat16(xh - self.high.s);
        let wd = if eh >= 0 { eh } else { !eh };
        let outer = wd >= (564 * self.high.det) >> 12;
        let ih: u8 = match (eh < 0, outer) {
            (true, false) => 1,
            (true, true) => 0,
            (false, false) => 3,
            (false, true) => 2,
        };
        adapt_high(&mut self.high, usize::from(ih));

        ((ih << 6) | il) & self.mode.audio_mask()
    }
}

/// G.722 decoder: one octet per sample pair in, 16 kHz 16-bit linear PCM
/// out. All state lives in the value; [`Clone`] forks a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct G722Decoder {
    mode: G722Mode,
    invqbl: &'static [i32; 64],
    low: Band,
    high: Band,
    /// Receive QMF history, (rL, rH) pairs oldest first.
    qmf: [i16; 24],
}

impl Default for G722Decoder {
    fn default() -> Self {
        G722Decoder::new(G722Mode::Mode1)
    }
}

impl G722Decoder {
    /// A new decoder in its reset state.
    pub fn new(mode: G722Mode) -> Self {
        G722Decoder {
            mode,
            invqbl: mode.invqbl(),
            low: Band::new(32),
            high: Band::new(8),
            qmf: [0; 24],
        }
    }

    /// The mode the octets are read in.
    pub fn mode(&self) -> G722Mode {
        self.mode
    }

    /// Switches mode from the next octet on, keeping the state: the
    /// adaptation does not depend on the mode, so a stream may change mode
    /// at any octet.
    pub fn set_mode(&mut self, mode: G722Mode) {
        self.mode = mode;
        self.invqbl = mode.invqbl();
    }

    /// Returns to the reset state (the state of [`G722Decoder::new`]),
    /// keeping the mode.
    pub fn reset(&mut self) {
        *self = G722Decoder::new(self.mode);
    }

    /// Decodes octets to 16 kHz samples: `n = min(octets.len(),
    /// out.len() / 2)` octets are consumed, `2n` samples written to the
    /// start of `out`, and `2n` is returned.
    pub fn decode(&mut self, octets: &[u8], out: &mut [i16]) -> usize {
        let mut written = 0;
        for (&octet, pair) in octets.iter().zip(out.chunks_exact_mut(2)) {
            let (rl, rh) = self.decode_pair(octet);
            qmf_push(&mut self.qmf, rl as i16, rh as i16);
            let (first, second) = qmf_dot2(&self.qmf, &RX_FIRST, &RX_SECOND);
            if let [a, b] = pair {
                *a = sat16(first >> 11) as i16;
                *b = sat16(second >> 11) as i16;
            }
            written += 2;
        }
        written
    }

    /// Decodes one octet with the QMF bypassed, the configuration of the
    /// G.722 Appendix II decoder test sequences (see the module
    /// documentation for their format). Returns the reconstructed lower-
    /// and higher-band signals as 16-bit words whose bits 15–1 hold the
    /// 15-bit samples and whose bit 0 is clear. The QMF history is left as
    /// it is.
    pub fn decode_subbands(&mut self, octet: u8) -> (i16, i16) {
        let (rl, rh) = self.decode_pair(octet);
        ((rl << 1) as i16, (rh << 1) as i16)
    }

    /// Blocks 2L–6L and 2H–6H for one octet: the 15-bit reconstructed
    /// lower- and higher-band signals.
    #[inline(always)]
    fn decode_pair(&mut self, octet: u8) -> (i32, i32) {
        let ilr = usize::from(octet & 0x3f);
        let ih = usize::from(octet >> 6);

        // INVQBL, RECONS, LIMIT.
        let dq = (self.low.det * at(self.invqbl, ilr)) >> 15;
        let rl = limit(self.low.s + dq, -16384, 16383);
        adapt_low(&mut self.low, ilr >> 2);

        let s = self.high.s;
        let dh = adapt_high(&mut self.high, ih);
        let rh = limit(s + dh, -16384, 16383);
        (rl, rh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, amp: f64, len: usize) -> Vec<i16> {
        (0..len)
            .map(|i| {
                let t = i as f64 / 16000.0;
                (amp * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
            })
            .collect()
    }

    /// SNR in dB of `out` against `inp` delayed by the codec's 22 samples
    /// (the two 24-tap QMFs), skipping the start-up.
    fn snr(inp: &[i16], out: &[i16]) -> f64 {
        const DELAY: usize = 22;
        let mut sig = 0.0;
        let mut err = 0.0;
        for i in 2000..inp.len() - DELAY {
            let x = f64::from(inp[i]);
            let y = f64::from(out[i + DELAY]);
            sig += x * x;
            err += (x - y) * (x - y);
        }
        10.0 * (sig / err).log10()
    }

    fn round_trip(mode: G722Mode, pcm: &[i16]) -> Vec<i16> {
        let mut enc = G722Encoder::new(mode);
        let mut dec = G722Decoder::new(mode);
        let mut octets = vec![0u8; pcm.len() / 2];
        assert_eq!(enc.encode(pcm, &mut octets), pcm.len() / 2);
        let mut out = vec![0i16; pcm.len()];
        assert_eq!(dec.decode(&octets, &mut out), pcm.len());
        out
    }

    #[test]
    fn modes_and_bitrates() {
        for mode in [G722Mode::Mode1, G722Mode::Mode2, G722Mode::Mode3] {
            assert_eq!(G722Mode::from_bitrate(mode.bitrate()), Some(mode));
        }
        assert_eq!(G722Mode::from_bitrate(32_000), None);
        assert_eq!(G722Mode::default(), G722Mode::Mode1);
        assert_eq!(G722Mode::Mode2.bitrate(), 56_000);
    }

    #[test]
    fn tone_round_trip_snr() {
        let pcm = tone(1000.0, 8000.0, 16000);
        let s1 = snr(&pcm, &round_trip(G722Mode::Mode1, &pcm));
        let s2 = snr(&pcm, &round_trip(G722Mode::Mode2, &pcm));
        let s3 = snr(&pcm, &round_trip(G722Mode::Mode3, &pcm));
        assert!(s1 > 30.0, "mode 1 snr {s1}");
        assert!(s2 > 25.0, "mode 2 snr {s2}");
        assert!(s3 > 18.0, "mode 3 snr {s3}");
        // Each data bit taken from the audio costs quality.
        assert!(s1 > s2 && s2 > s3, "{s1} {s2} {s3}");
        // The higher band carries a 6 kHz tone.
        let high = tone(6000.0, 8000.0, 16000);
        let sh = snr(&high, &round_trip(G722Mode::Mode1, &high));
        assert!(sh > 10.0, "6 kHz snr {sh}");
    }

    #[test]
    fn encoder_clears_data_bits() {
        let pcm = tone(440.0, 12000.0, 3200);
        let mut o1 = vec![0u8; 1600];
        let mut o2 = vec![0u8; 1600];
        let mut o3 = vec![0u8; 1600];
        G722Encoder::new(G722Mode::Mode1).encode(&pcm, &mut o1);
        G722Encoder::new(G722Mode::Mode2).encode(&pcm, &mut o2);
        G722Encoder::new(G722Mode::Mode3).encode(&pcm, &mut o3);
        assert!(o1.iter().any(|o| o & 3 != 0));
        for i in 0..1600 {
            assert_eq!(o2[i], o1[i] & 0xfe);
            assert_eq!(o3[i], o1[i] & 0xfc);
        }
    }

    #[test]
    fn decoder_ignores_data_bits_in_modes_2_and_3() {
        let pcm = tone(700.0, 9000.0, 3200);
        let mut octets = vec![0u8; 1600];
        G722Encoder::new(G722Mode::Mode1).encode(&pcm, &mut octets);
        let noisy: Vec<u8> = octets
            .iter()
            .enumerate()
            .map(|(i, o)| o ^ (i as u8 & 3))
            .collect();
        for (mode, mask) in [(G722Mode::Mode2, 1u8), (G722Mode::Mode3, 3u8)] {
            let mut clean_out = vec![0i16; 3200];
            let mut noisy_out = vec![0i16; 3200];
            G722Decoder::new(mode).decode(&octets, &mut clean_out);
            let flipped: Vec<u8> = octets
                .iter()
                .zip(&noisy)
                .map(|(o, n)| (o & !mask) | (n & mask))
                .collect();
            G722Decoder::new(mode).decode(&flipped, &mut noisy_out);
            assert_eq!(clean_out, noisy_out, "{mode:?}");
        }
        // Mode 1 does use bit 0.
        let mut a = vec![0i16; 3200];
        let mut b = vec![0i16; 3200];
        G722Decoder::new(G722Mode::Mode1).decode(&octets, &mut a);
        G722Decoder::new(G722Mode::Mode1).decode(&noisy, &mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn set_mode_keeps_state() {
        let pcm = tone(300.0, 9000.0, 3200);
        let mut octets = vec![0u8; 1600];
        G722Encoder::new(G722Mode::Mode1).encode(&pcm, &mut octets);
        // Switching mode half way equals decoding each half in its mode
        // from the same state: mode does not touch the adaptation.
        let mut switched = G722Decoder::new(G722Mode::Mode1);
        let mut out = vec![0i16; 3200];
        switched.decode(&octets[..800], &mut out[..1600]);
        let mut fork = switched.clone();
        switched.set_mode(G722Mode::Mode3);
        assert_eq!(switched.mode(), G722Mode::Mode3);
        switched.decode(&octets[800..], &mut out[1600..]);
        let mut direct = vec![0i16; 1600];
        fork.set_mode(G722Mode::Mode3);
        fork.decode(&octets[800..], &mut direct);
        assert_eq!(&out[1600..], &direct[..]);
        // And its lower band differs from mode 1's there.
        let mut m1 = G722Decoder::new(G722Mode::Mode1);
        let mut ref_out = vec![0i16; 3200];
        m1.decode(&octets, &mut ref_out);
        assert_ne!(&ref_out[1600..], &out[1600..]);
        assert_eq!(&ref_out[..1600], &out[..1600]);
    }

    #[test]
    fn reset_equals_new() {
        let pcm = tone(1234.0, 20000.0, 4000);
        for mode in [G722Mode::Mode1, G722Mode::Mode2, G722Mode::Mode3] {
            let mut enc = G722Encoder::new(mode);
            let mut dec = G722Decoder::new(mode);
            let mut octets = vec![0u8; 2000];
            let mut out = vec![0i16; 4000];
            enc.encode(&pcm, &mut octets);
            dec.decode(&octets, &mut out);
            assert_ne!(enc, G722Encoder::new(mode));
            assert_ne!(dec, G722Decoder::new(mode));
            enc.reset();
            dec.reset();
            assert_eq!(enc, G722Encoder::new(mode));
            assert_eq!(dec, G722Decoder::new(mode));
            // And it behaves as new: same output again.
            let mut again = vec![0u8; 2000];
            enc.encode(&pcm, &mut again);
            assert_eq!(octets, again);
        }
        assert_eq!(G722Encoder::default(), G722Encoder::new(G722Mode::Mode1));
        assert_eq!(G722Decoder::default(), G722Decoder::new(G722Mode::Mode1));
    }

    #[test]
    fn lengths_follow_the_shorter_side() {
        let pcm = tone(500.0, 5000.0, 321);
        let mut enc = G722Encoder::new(G722Mode::Mode1);
        let mut big = [0u8; 400];
        assert_eq!(enc.encode(&pcm, &mut big), 160);
        let mut small = [0u8; 7];
        assert_eq!(enc.encode(&pcm, &mut small), 7);
        assert_eq!(enc.encode(&[], &mut small), 0);
        assert_eq!(enc.encode(&pcm[..1], &mut small), 0);
        let mut dec = G722Decoder::new(G722Mode::Mode1);
        let mut out = [0i16; 9];
        assert_eq!(dec.decode(&big, &mut out), 8);
        assert_eq!(dec.decode(&big[..2], &mut out), 4);
        assert_eq!(dec.decode(&[], &mut out), 0);
        assert_eq!(dec.decode(&big, &mut out[..1]), 0);
    }

    #[test]
    fn chunking_does_not_matter() {
        let pcm: Vec<i16> = tone(300.0, 7000.0, 6400)
            .iter()
            .zip(tone(5100.0, 3000.0, 6400))
            .map(|(a, b)| a + b)
            .collect();
        let mut whole = vec![0u8; 3200];
        G722Encoder::new(G722Mode::Mode1).encode(&pcm, &mut whole);
        let mut enc = G722Encoder::new(G722Mode::Mode1);
        let mut pieces = vec![0u8; 3200];
        let mut at = 0;
        for size in [1usize, 2, 3, 80, 160, 7].iter().cycle() {
            if at == 3200 {
                break;
            }
            let n = (*size).min(3200 - at);
            assert_eq!(
                enc.encode(&pcm[2 * at..2 * (at + n)], &mut pieces[at..at + n]),
                n
            );
            at += n;
        }
        assert_eq!(whole, pieces);
        let mut dec = G722Decoder::new(G722Mode::Mode1);
        let mut a = vec![0i16; 6400];
        dec.decode(&whole, &mut a);
        let mut dec = G722Decoder::new(G722Mode::Mode1);
        let mut b = vec![0i16; 6400];
        for (i, chunk) in whole.chunks(13).enumerate() {
            dec.decode(chunk, &mut b[i * 26..i * 26 + chunk.len() * 2]);
        }
        assert_eq!(a, b);
    }

    #[test]
    fn subband_core_is_deterministic_and_tracks() {
        // A lower-band tone and a higher-band square, on the bypassed core.
        let run = || {
            let mut enc = G722Encoder::new(G722Mode::Mode1);
            let mut dec = G722Decoder::new(G722Mode::Mode1);
            let mut codes = Vec::new();
            let mut recon = Vec::new();
            for n in 0..4000i32 {
                let phase = 2.0 * std::f64::consts::PI * 440.0 * f64::from(n) / 8000.0;
                let xl = (12000.0 * phase.sin()) as i16 & !1;
                let xh = if n % 16 < 8 { 2000i16 } else { -2000 };
                let code = enc.encode_subbands(xl, xh);
                codes.push(code);
                recon.push((xl, xh, dec.decode_subbands(code)));
            }
            (codes, recon)
        };
        let (c1, r1) = run();
        let (c2, r2) = run();
        assert_eq!(c1, c2);
        assert_eq!(r1, r2);
        // The decoder reconstructs what the encoder saw: lower band closely,
        // and the output words have bit 0 clear.
        let mut sig = 0.0;
        let mut err = 0.0;
        for &(xl, _, (rl, rh)) in &r1[1000..] {
            assert_eq!(rl & 1, 0);
            assert_eq!(rh & 1, 0);
            sig += f64::from(xl).powi(2);
            err += f64::from(xl - rl).powi(2);
        }
        assert!(10.0 * (sig / err).log10() > 20.0);
        // The subband path leaves the QMF history alone.
        let mut enc = G722Encoder::new(G722Mode::Mode1);
        enc.encode_subbands(1000, 1000);
        assert_eq!(enc.qmf, [0; 24]);
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let mut enc = G722Encoder::new(G722Mode::Mode1);
        let mut out = vec![0u8; 4000];
        let square: Vec<i16> = (0..8000)
            .map(|i| if (i / 3) % 2 == 0 { i16::MAX } else { i16::MIN })
            .collect();
        enc.encode(&square, &mut out);
        for mode in [G722Mode::Mode1, G722Mode::Mode2, G722Mode::Mode3] {
            let mut dec = G722Decoder::new(mode);
            let octets: Vec<u8> = (0..20000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect();
            let mut pcm = vec![0i16; 40000];
            dec.decode(&octets, &mut pcm);
            for o in [0x00u8, 0x3f, 0xc0, 0xff, 0x04, 0x7b] {
                dec.decode(&[o; 500], &mut pcm[..1000]);
            }
        }
        for x in [i16::MIN, -1, 0, 1, i16::MAX] {
            enc.encode_subbands(x, x);
        }
    }
}
