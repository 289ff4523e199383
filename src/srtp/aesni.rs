//! AES counter mode (FIPS 197 with the counter of RFC 3711 §4.1.1) with the
//! AES-NI instructions, for x86-64 CPUs that have them; the `aes` crate
//! serves every other CPU. Only encryption and only counter mode: nothing
//! else in SRTP runs the raw block cipher.
//!
//! The `aes` crate's AES-NI block function is fast (0.15 ns per byte over
//! 77 blocks here), but counter mode built on it was twice as slow: its
//! blocks go through memory, each counter block is written as two 8-byte
//! stores and read back as one 16-byte load (a failed store-to-load
//! forward per block), and the keystream is written out and read back
//! again for the XOR. Here the counter blocks are built in registers, eight
//! blocks go through the rounds side by side, and the keystream is XORed
//! into the data straight from the registers.
//!
//! Safety: [`CtrKey::new`] returns a key only after `is_x86_feature_detected!`
//! has confirmed `aes` and `sse2` at run time, and the `#[target_feature]`
//! functions are reachable only through a `CtrKey`. Their only memory
//! accesses are unaligned 16-byte loads and stores (`_mm_loadu_si128`,
//! `_mm_storeu_si128`) of whole `[u8; 16]` arrays (key halves, data blocks
//! split off with `as_chunks_mut`, a keystream block on the stack): no
//! pointer arithmetic, and the types prove every access in bounds.

use core::arch::x86_64::{
    __m128i, _mm_aesenc_si128, _mm_aesenclast_si128, _mm_aeskeygenassist_si128, _mm_loadu_si128,
    _mm_set_epi64x, _mm_setzero_si128, _mm_shuffle_epi32, _mm_slli_si128, _mm_storeu_si128,
    _mm_xor_si128,
};

/// Expanded AES-128 or AES-256 round keys for AES-NI counter mode.
#[derive(Clone, Copy)]
pub(crate) struct CtrKey {
    /// Round keys 0..=rounds; AES-128 leaves the last four unused.
    rk: [__m128i; 15],
    /// 10 (AES-128) or 14 (AES-256).
    rounds: usize,
}

impl core::fmt::Debug for CtrKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CtrKey")
            .field("rounds", &self.rounds)
            .finish_non_exhaustive()
    }
}

impl CtrKey {
    /// Expands a 16- or 32-byte key; `None` when the CPU lacks AES-NI or
    /// the key has another length.
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        if !(std::is_x86_feature_detected!("aes") && std::is_x86_feature_detected!("sse2")) {
            return None;
        }
        if let Ok(k) = <&[u8; 16]>::try_from(key) {
            // SAFETY: the features were detected above.
            return Some(unsafe { expand128(k) });
        }
        if let Ok(k) = <&[u8; 32]>::try_from(key) {
            // SAFETY: as above.
            return Some(unsafe { expand256(k) });
        }
        None
    }

    /// XORs `data` with the keystream from counter block `ctr` (a 128-bit
    /// big-endian counter) and leaves `ctr` at the next unused block.
    #[inline]
    pub(crate) fn ctr_xor(&self, ctr: &mut u128, data: &mut [u8]) {
        // SAFETY: a CtrKey exists only where new() detected the features.
        unsafe {
            if self.rounds == 10 {
                ctr_xor::<10>(&self.rk, ctr, data)
            } else {
                ctr_xor::<14>(&self.rk, ctr, data)
            }
        }
    }
}

#[inline]
#[target_feature(enable = "aes,sse2")]
fn load(b: &[u8; 16]) -> __m128i {
    // SAFETY: a 16-byte load from a 16-byte array.
    unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
}

/// Folds the words of `k` into each other and adds `t`'s broadcast word:
/// the step shared by both key schedules.
#[inline]
#[target_feature(enable = "aes,sse2")]
fn mix(mut k: __m128i, t: __m128i) -> __m128i {
    k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
    k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
    k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
    _mm_xor_si128(k, t)
}

#[target_feature(enable = "aes,sse2")]
fn expand128(key: &[u8; 16]) -> CtrKey {
    let mut rk = [_mm_setzero_si128(); 15];
    let mut k = load(key);
    rk[0] = k;
    macro_rules! round {
        ($i:literal, $rcon:literal) => {
            k = mix(
                k,
                _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<$rcon>(k)),
            );
            rk[$i] = k;
        };
    }
    round!(1, 0x01);
    round!(2, 0x02);
    round!(3, 0x04);
    round!(4, 0x08);
    round!(5, 0x10);
    round!(6, 0x20);
    round!(7, 0x40);
    round!(8, 0x80);
    round!(9, 0x1b);
    round!(10, 0x36);
    CtrKey { rk, rounds: 10 }
}

#[target_feature(enable = "aes,sse2")]
fn expand256(key: &[u8; 32]) -> CtrKey {
    let mut rk = [_mm_setzero_si128(); 15];
    let (lo, hi) = key.split_at(16);
    let (Ok(lo), Ok(hi)) = (<&[u8; 16]>::try_from(lo), <&[u8; 16]>::try_from(hi)) else {
        return CtrKey { rk, rounds: 14 };
    };
    let mut a = load(lo);
    let mut b = load(hi);
    rk[0] = a;
    rk[1] = b;
    macro_rules! pair {
        ($i:literal, $rcon:literal) => {
            a = mix(
                a,
                _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<$rcon>(b)),
            );
            rk[$i] = a;
            b = mix(
                b,
                _mm_shuffle_epi32::<0xaa>(_mm_aeskeygenassist_si128::<0>(a)),
            );
            rk[$i + 1] = b;
        };
    }
    pair!(2, 0x01);
    pair!(4, 0x02);
    pair!(6, 0x04);
    pair!(8, 0x08);
    pair!(10, 0x10);
    pair!(12, 0x20);
    a = mix(
        a,
        _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<0x40>(b)),
    );
    rk[14] = a;
    CtrKey { rk, rounds: 14 }
}

/// Counter block `c` as AES-NI reads a block: bytes in memory order, the
/// counter big-endian.
#[inline]
#[target_feature(enable = "aes,sse2")]
fn counter_block(c: u128) -> __m128i {
    _mm_set_epi64x(
        (c as u64).swap_bytes() as i64,
        ((c >> 64) as u64).swap_bytes() as i64,
    )
}

/// `R`-round AES of `n` counter blocks side by side, from `*ctr` on.
#[inline]
#[target_feature(enable = "aes,sse2")]
fn keystream<const R: usize, const N: usize>(rk: &[__m128i; 15], ctr: &mut u128) -> [__m128i; N] {
    let mut b = [_mm_setzero_si128(); N];
    for x in b.iter_mut() {
        *x = _mm_xor_si128(counter_block(*ctr), rk[0]);
        *ctr = ctr.wrapping_add(1);
    }
    for k in rk.iter().take(R).skip(1) {
        for x in b.iter_mut() {
            *x = _mm_aesenc_si128(*x, *k);
        }
    }
    let last = match rk.get(R) {
        Some(k) => *k,
        None => _mm_setzero_si128(),
    };
    for x in b.iter_mut() {
        *x = _mm_aesenclast_si128(*x, last);
    }
    b
}

/// XORs `blocks` with the next `N` keystream blocks from `*ctr`.
#[inline]
#[target_feature(enable = "aes,sse2")]
fn xor_blocks<const R: usize, const N: usize>(
    rk: &[__m128i; 15],
    ctr: &mut u128,
    blocks: &mut [[u8; 16]; N],
) {
    let ks = keystream::<R, N>(rk, ctr);
    for (b, k) in blocks.iter_mut().zip(ks.iter()) {
        let q = b.as_mut_ptr().cast::<__m128i>();
        // SAFETY: one 16-byte load and store on a 16-byte array.
        unsafe { _mm_storeu_si128(q, _mm_xor_si128(_mm_loadu_si128(q), *k)) };
    }
}

#[target_feature(enable = "aes,sse2")]
fn ctr_xor<const R: usize>(rk: &[__m128i; 15], ctr: &mut u128, data: &mut [u8]) {
    let (blocks, tail) = data.as_chunks_mut::<16>();
    let mut eights = blocks.chunks_exact_mut(8);
    for eight in &mut eights {
        if let Ok(eight) = <&mut [[u8; 16]; 8]>::try_from(eight) {
            xor_blocks::<R, 8>(rk, ctr, eight);
        }
    }
    for block in eights.into_remainder() {
        xor_blocks::<R, 1>(rk, ctr, core::array::from_mut(block));
    }
    if !tail.is_empty() {
        let [k] = keystream::<R, 1>(rk, ctr);
        let mut ks = [0u8; 16];
        // SAFETY: a 16-byte store into a 16-byte array.
        unsafe { _mm_storeu_si128(ks.as_mut_ptr().cast(), k) };
        for (x, y) in tail.iter_mut().zip(ks.iter()) {
            *x ^= *y;
        }
    }
}
