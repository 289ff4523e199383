//! Differential test of G.711 against spandsp (Debian `libspandsp-dev`):
//! both decoders for every code, both encoders for every 16-bit input, and
//! the direct μ-law ↔ A-law conversions for every code, through spandsp's
//! exported `g711_encode` / `g711_decode` / `g711_transcode` and its
//! `ulaw_to_alaw` / `alaw_to_ulaw`.
//!
//! Where spandsp and the ITU-T G.191 reference differ, the test asserts the
//! exact set of differing inputs and says why; mediaplane follows G.191
//! (its own unit tests compare it with the G.191 algorithm for every
//! input).
//!
//! Needs spandsp at build time (build.rs sets `cfg(have_spandsp)`); without
//! it the test prints why it was skipped.

#[cfg(not(have_spandsp))]
#[test]
fn spandsp_g711_skipped() {
    eprintln!(
        "skipped: spandsp is not installed (Debian package libspandsp-dev); \
         .ci/run installs it"
    );
}

#[cfg(have_spandsp)]
mod spandsp {
    use std::os::raw::c_int;

    /// `G711_ALAW` and `G711_ULAW` of spandsp's `g711.h`.
    pub const G711_ALAW: c_int = 0;
    pub const G711_ULAW: c_int = 1;

    #[repr(C)]
    pub struct G711State {
        _opaque: [u8; 0],
    }

    #[link(name = "spandsp")]
    extern "C" {
        pub fn g711_init(s: *mut G711State, mode: c_int) -> *mut G711State;
        pub fn g711_free(s: *mut G711State) -> c_int;
        pub fn g711_encode(s: *mut G711State, out: *mut u8, amp: *const i16, len: c_int) -> c_int;
        pub fn g711_decode(s: *mut G711State, amp: *mut i16, data: *const u8, len: c_int) -> c_int;
        pub fn g711_transcode(
            s: *mut G711State,
            out: *mut u8,
            data: *const u8,
            len: c_int,
        ) -> c_int;
        pub fn alaw_to_ulaw(alaw: u8) -> u8;
        pub fn ulaw_to_alaw(ulaw: u8) -> u8;
    }

    /// An owned spandsp G.711 context in one mode.
    pub struct Codec(*mut G711State);

    impl Codec {
        pub fn new(mode: c_int) -> Codec {
            // SAFETY: g711_init with NULL allocates a context or returns NULL.
            let s = unsafe { g711_init(std::ptr::null_mut(), mode) };
            assert!(!s.is_null(), "g711_init failed");
            Codec(s)
        }

        pub fn encode(&mut self, pcm: &[i16]) -> Vec<u8> {
            let mut out = vec![0u8; pcm.len()];
            let len = c_int::try_from(pcm.len()).expect("length fits in int");
            // SAFETY: both buffers hold `len` elements; the context is live.
            let n = unsafe { g711_encode(self.0, out.as_mut_ptr(), pcm.as_ptr(), len) };
            assert_eq!(n, len);
            out
        }

        pub fn decode(&mut self, codes: &[u8]) -> Vec<i16> {
            let mut out = vec![0i16; codes.len()];
            let len = c_int::try_from(codes.len()).expect("length fits in int");
            // SAFETY: both buffers hold `len` elements; the context is live.
            let n = unsafe { g711_decode(self.0, out.as_mut_ptr(), codes.as_ptr(), len) };
            assert_eq!(n, len);
            out
        }

        pub fn transcode(&mut self, codes: &[u8]) -> Vec<u8> {
            let mut out = vec![0u8; codes.len()];
            let len = c_int::try_from(codes.len()).expect("length fits in int");
            // SAFETY: both buffers hold `len` elements; the context is live.
            let n = unsafe { g711_transcode(self.0, out.as_mut_ptr(), codes.as_ptr(), len) };
            assert_eq!(n, len);
            out
        }
    }

    impl Drop for Codec {
        fn drop(&mut self) {
            // SAFETY: the pointer came from g711_init and is freed once.
            unsafe { g711_free(self.0) };
        }
    }

    pub fn alaw_to_ulaw_one(c: u8) -> u8 {
        // SAFETY: a pure function of its argument.
        unsafe { alaw_to_ulaw(c) }
    }

    pub fn ulaw_to_alaw_one(c: u8) -> u8 {
        // SAFETY: a pure function of its argument.
        unsafe { ulaw_to_alaw(c) }
    }
}

#[cfg(have_spandsp)]
mod differential {
    use super::spandsp::{self, Codec, G711_ALAW, G711_ULAW};
    use mediaplane::codec::g711;

    fn all_inputs() -> Vec<i16> {
        (i16::MIN..=i16::MAX).collect()
    }

    fn all_codes() -> Vec<u8> {
        (0..=255).collect()
    }

    #[test]
    fn decoders_agree_for_every_code() {
        let codes = all_codes();
        let mut ours = vec![0i16; 256];
        g711::decode_ulaw(&codes, &mut ours);
        assert_eq!(Codec::new(G711_ULAW).decode(&codes), ours, "mu-law");
        g711::decode_alaw(&codes, &mut ours);
        assert_eq!(Codec::new(G711_ALAW).decode(&codes), ours, "A-law");
    }

    #[test]
    fn alaw_encoders_agree_for_every_input() {
        // Both take a negative sample by one's complement (spandsp writes
        // it as -x - 1) and truncate, so they agree everywhere.
        let pcm = all_inputs();
        let mut ours = vec![0u8; pcm.len()];
        g711::encode_alaw(&pcm, &mut ours);
        let theirs = Codec::new(G711_ALAW).encode(&pcm);
        let differing: Vec<i16> = pcm
            .iter()
            .zip(ours.iter().zip(&theirs))
            .filter(|(_, (a, b))| a != b)
            .map(|(&x, _)| x)
            .collect();
        assert!(differing.is_empty(), "A-law differs at {differing:?}");
    }

    /// spandsp's μ-law encoder biases the magnitude of a negative sample as
    /// `132 - x` (two's complement), G.191 as `132 + !x = 132 - x - 1`
    /// (one's complement). They differ exactly where `132 - x` falls on a
    /// quantization interval boundary — a multiple of the step of its
    /// segment (8 << segment, on the 16-bit scale) — below the clipping
    /// level: there spandsp picks the next larger magnitude. mediaplane
    /// follows G.191, whose one's complement makes the code of `!x` the
    /// mirror of the code of `x` for every input.
    fn ulaw_boundary_inputs() -> Vec<i16> {
        (i16::MIN..0)
            .filter(|&x| {
                let v = 132 - i32::from(x);
                if v >= 32768 {
                    return false; // both clip to the largest code
                }
                let seg = (31 - v.leading_zeros() as i32 - 7).max(0);
                v % (8 << seg) == 0
            })
            .collect()
    }

    #[test]
    fn ulaw_encoders_differ_only_on_negative_interval_boundaries() {
        let pcm = all_inputs();
        let mut ours = vec![0u8; pcm.len()];
        g711::encode_ulaw(&pcm, &mut ours);
        let theirs = Codec::new(G711_ULAW).encode(&pcm);
        let differing: Vec<i16> = pcm
            .iter()
            .zip(ours.iter().zip(&theirs))
            .filter(|(_, (a, b))| a != b)
            .map(|(&x, _)| x)
            .collect();
        let expected = ulaw_boundary_inputs();
        assert_eq!(differing, expected);
        // 16 interval boundaries in each of the 8 segments, less the ones
        // that fall at or above the clipping level.
        assert_eq!(differing.len(), 127);
        // A few members, worked by hand: -4 biases to 136 = 17 steps of 8
        // (spandsp 0x7E, decoding to -8; G.191 0x7F, decoding to 0); -124
        // to 256, the bottom of segment 1; -140 to 272 = 17 steps of 16;
        // -380 to 512, the bottom of segment 2.
        for x in [-4i16, -12, -124, -140, -380] {
            assert!(differing.contains(&x), "{x}");
        }
        assert_eq!(g711::ulaw_encode(-4), 0x7F);
        assert_eq!(theirs[usize::from((-4i16) as u16 ^ 0x8000)], 0x7E);
        // Where they differ, spandsp's code is one step larger in
        // magnitude (one less, since μ-law codes are complemented).
        for &x in &differing {
            let i = usize::from(x as u16 ^ 0x8000);
            assert_eq!(theirs[i] + 1, ours[i], "{x}");
        }
    }

    /// spandsp's conversion tables differ from G.711 Table 3 at μ-law value
    /// number 80 (codes 0x2F and 0xAF: G.711 gives A-law number 81, spandsp
    /// 80) and from Table 4 at A-law value number 80 (codes 0x1A and 0x9A:
    /// G.711 gives μ-law number 79, spandsp 80). G.711's note 2 to Table 4
    /// lists A-law number 80 among those an A → μ → A round trip changes,
    /// which holds only with G.711's entries; mediaplane follows G.711.
    #[test]
    fn conversions_differ_only_at_value_number_80() {
        let codes = all_codes();
        let mut ours = vec![0u8; 256];

        g711::ulaw_to_alaw_slice(&codes, &mut ours);
        let theirs: Vec<u8> = codes
            .iter()
            .map(|&c| spandsp::ulaw_to_alaw_one(c))
            .collect();
        // g711_transcode in a μ-law context converts μ-law to A-law.
        assert_eq!(Codec::new(G711_ULAW).transcode(&codes), theirs);
        let differing: Vec<(u8, u8, u8)> = (0..=255u8)
            .filter(|&c| ours[usize::from(c)] != theirs[usize::from(c)])
            .map(|c| (c, ours[usize::from(c)], theirs[usize::from(c)]))
            .collect();
        assert_eq!(differing, [(0x2F, 0x05, 0x1A), (0xAF, 0x85, 0x9A)]);

        g711::alaw_to_ulaw_slice(&codes, &mut ours);
        let theirs: Vec<u8> = codes
            .iter()
            .map(|&c| spandsp::alaw_to_ulaw_one(c))
            .collect();
        assert_eq!(Codec::new(G711_ALAW).transcode(&codes), theirs);
        let differing: Vec<(u8, u8, u8)> = (0..=255u8)
            .filter(|&c| ours[usize::from(c)] != theirs[usize::from(c)])
            .map(|c| (c, ours[usize::from(c)], theirs[usize::from(c)]))
            .collect();
        assert_eq!(differing, [(0x1A, 0x30, 0x2F), (0x9A, 0xB0, 0xAF)]);

        // The round trip of note 2: A-law number 80 (codes 0x1A, 0x9A)
        // comes back with its last bit changed with G.711's tables, and
        // unchanged with spandsp's.
        for c in [0x1Au8, 0x9A] {
            assert_eq!(g711::ulaw_to_alaw(g711::alaw_to_ulaw(c)), c ^ 1);
            let back = spandsp::ulaw_to_alaw_one(spandsp::alaw_to_ulaw_one(c));
            assert_eq!(back, c);
        }
    }
}
