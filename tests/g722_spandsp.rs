//! Differential tests of the G.722 codec against spandsp (Debian
//! `libspandsp-dev`), whose G.722 reproduces the ITU-T reference algorithm
//! bit for bit.
//!
//! Several minutes of 16 kHz audio are generated deterministically here —
//! silence, sweeps, white and pink noise at several levels, full-scale
//! square waves, speech-like bursts, clipped and near-silent signals,
//! clicks — and fed to both codecs in varied chunk sizes, so the state has
//! to carry across calls:
//!
//! * our encoder's octets equal spandsp's at 64 kbit/s, and in modes 2 and
//!   3 equal spandsp's 56 and 48 kbit/s codes shifted back into octet
//!   position;
//! * our decoder's samples equal spandsp's in all three modes, on those
//!   bitstreams and on random octets;
//! * the QMF-bypassed core equals spandsp's ITU test mode (the
//!   configuration of the G.722 Appendix II sequences), encoder and
//!   decoder.
//!
//! spandsp reads "unpacked" codes right-aligned: at 56 kbit/s its code is
//! our octet >> 1, at 48 kbit/s our octet >> 2.
//!
//! Debug builds run a shorter signal; `cargo test --release` runs it all.

#[cfg(not(have_spandsp))]
#[test]
fn spandsp_g722_differential() {
    eprintln!(
        "skipped: spandsp is not installed (install Debian libspandsp-dev to run the G.722 differential tests)"
    );
}

#[cfg(have_spandsp)]
mod peer {
    use mediaplane::codec::g722::{G722Decoder, G722Encoder, G722Mode};
    use std::os::raw::{c_int, c_void};

    #[link(name = "spandsp")]
    extern "C" {
        fn g722_encode_init(s: *mut c_void, rate: c_int, options: c_int) -> *mut c_void;
        fn g722_encode(s: *mut c_void, data: *mut u8, amp: *const i16, len: c_int) -> c_int;
        fn g722_encode_free(s: *mut c_void) -> c_int;
        fn g722_decode_init(s: *mut c_void, rate: c_int, options: c_int) -> *mut c_void;
        fn g722_decode(s: *mut c_void, amp: *mut i16, data: *const u8, len: c_int) -> c_int;
        fn g722_decode_free(s: *mut c_void) -> c_int;
    }

    /// The first member of spandsp's encode and decode state
    /// (`spandsp/private/g722.h`): non-zero selects the ITU test mode, in
    /// which the QMFs are bypassed and the same input drives both bands.
    #[repr(C)]
    struct StatePrefix {
        itu_test_mode: c_int,
    }

    struct SpanEncoder {
        state: *mut c_void,
        samples_per_code: usize,
    }

    impl SpanEncoder {
        fn new(rate: c_int, itu_test_mode: bool) -> Self {
            // SAFETY: a NULL state asks spandsp to allocate one; the result
            // is checked before use.
            let s = unsafe { g722_encode_init(std::ptr::null_mut(), rate, 0) };
            assert!(!s.is_null(), "g722_encode_init failed");
            if itu_test_mode {
                // SAFETY: `s` points to a g722_encode_state_t, whose first
                // member is the int `itu_test_mode`.
                unsafe { (*(s as *mut StatePrefix)).itu_test_mode = 1 };
            }
            SpanEncoder {
                state: s,
                samples_per_code: if itu_test_mode { 1 } else { 2 },
            }
        }

        /// Encodes `amp` (an even number of samples, or one code per
        /// sample in ITU test mode) into `out`.
        fn encode(&mut self, amp: &[i16], out: &mut [u8]) -> usize {
            // SAFETY: spandsp reads `amp.len()` samples and writes one code
            // per sample pair (per sample in ITU test mode); `out` is
            // checked to hold them.
            assert!(out.len() >= amp.len() / self.samples_per_code);
            let n = unsafe {
                g722_encode(
                    self.state,
                    out.as_mut_ptr(),
                    amp.as_ptr(),
                    c_int::try_from(amp.len()).unwrap(),
                )
            };
            usize::try_from(n).unwrap()
        }
    }

    impl Drop for SpanEncoder {
        fn drop(&mut self) {
            // SAFETY: allocated by g722_encode_init, freed once.
            unsafe { g722_encode_free(self.state) };
        }
    }

    struct SpanDecoder(*mut c_void);

    impl SpanDecoder {
        fn new(rate: c_int, itu_test_mode: bool) -> Self {
            // SAFETY: as for SpanEncoder::new.
            let s = unsafe { g722_decode_init(std::ptr::null_mut(), rate, 0) };
            assert!(!s.is_null(), "g722_decode_init failed");
            if itu_test_mode {
                // SAFETY: the first member of g722_decode_state_t is the int
                // `itu_test_mode`.
                unsafe { (*(s as *mut StatePrefix)).itu_test_mode = 1 };
            }
            SpanDecoder(s)
        }

        fn decode(&mut self, codes: &[u8], out: &mut [i16]) -> usize {
            // SAFETY: spandsp writes two samples per code and `out` is
            // checked to hold them.
            assert!(out.len() >= 2 * codes.len());
            let n = unsafe {
                g722_decode(
                    self.0,
                    out.as_mut_ptr(),
                    codes.as_ptr(),
                    c_int::try_from(codes.len()).unwrap(),
                )
            };
            usize::try_from(n).unwrap()
        }
    }

    impl Drop for SpanDecoder {
        fn drop(&mut self) {
            // SAFETY: allocated by g722_decode_init, freed once.
            unsafe { g722_decode_free(self.0) };
        }
    }

    const RATE: f64 = 16000.0;
    const MODES: [G722Mode; 3] = [G722Mode::Mode1, G722Mode::Mode2, G722Mode::Mode3];

    /// spandsp's code for one of our octets in `mode`.
    fn unpacked(mode: G722Mode, octet: u8) -> u8 {
        match mode {
            G722Mode::Mode1 => octet,
            G722Mode::Mode2 => octet >> 1,
            G722Mode::Mode3 => octet >> 2,
        }
    }

    /// Chunk sizes in sample pairs, cycled through: single pairs, odd
    /// counts, RTP frame sizes (10/20/30 ms) and a large block.
    const CHUNKS: [usize; 10] = [1, 80, 3, 160, 240, 17, 2, 1000, 480, 7];

    /// xorshift64*: deterministic noise without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        /// Uniform in [-1, 1).
        fn uniform(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    fn clip(x: f64) -> i16 {
        x.round().clamp(-32768.0, 32767.0) as i16
    }

    /// The test signal: `scale` of the full length (1.0 is about 3.5
    /// minutes at 16 kHz).
    fn test_audio(scale: f64) -> Vec<i16> {
        let secs = |s: f64| ((s * scale * RATE) as usize).max(1600) & !1;
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut a: Vec<i16> = Vec::new();
        let tau = 2.0 * std::f64::consts::PI;

        // Silence, then digital silence broken by single clicks.
        a.extend(std::iter::repeat_n(0, secs(3.0)));
        let n = secs(2.0);
        a.extend((0..n).map(|i| match i % 4000 {
            0 => 32767,
            1 => -32768,
            2000 => 12000,
            _ => 0,
        }));

        // Logarithmic sweeps 20 Hz to 8 kHz at -1, -20 and -50 dBFS.
        for (len, level) in [(20.0, 0.89), (15.0, 0.1), (10.0, 0.003)] {
            let n = secs(len);
            let (f0, f1) = (20.0f64, 8000.0f64);
            let k = (f1 / f0).ln() / n as f64;
            let mut phase = 0.0;
            a.extend((0..n).map(|i| {
                phase += tau * f0 * (k * i as f64).exp() / RATE;
                clip(32767.0 * level * phase.sin())
            }));
        }
        // A fast linear sweep down, full scale.
        let n = secs(5.0);
        let mut phase = 0.0;
        a.extend((0..n).map(|i| {
            phase += tau * (7900.0 - 7850.0 * i as f64 / n as f64) / RATE;
            clip(32767.0 * phase.sin())
        }));

        // White noise at three levels.
        for (len, level) in [(15.0, 32767.0), (10.0, 3000.0), (5.0, 40.0)] {
            a.extend((0..secs(len)).map(|_| clip(level * rng.uniform())));
        }

        // Pink noise (Kellet's refined filter on white noise), loud and
        // moderate.
        for (len, level) in [(15.0, 9000.0), (10.0, 1500.0)] {
            let mut b = [0.0f64; 7];
            a.extend((0..secs(len)).map(|_| {
                let w = rng.uniform();
                b[0] = 0.99886 * b[0] + w * 0.0555179;
                b[1] = 0.99332 * b[1] + w * 0.0750759;
                b[2] = 0.96900 * b[2] + w * 0.1538520;
                b[3] = 0.86650 * b[3] + w * 0.3104856;
                b[4] = 0.55000 * b[4] + w * 0.5329522;
                b[5] = -0.7616 * b[5] - w * 0.0168980;
                let pink = b.iter().sum::<f64>() + w * 0.5362;
                b[6] = w * 0.115926;
                clip(level * pink)
            }));
        }

        // Full-scale square waves, 50 Hz to 7.9 kHz.
        for f in [50.0, 440.0, 1000.0, 3333.0, 5000.0, 7900.0] {
            let n = secs(3.0);
            a.extend((0..n).map(|i| {
                if (f * i as f64 / RATE).fract() < 0.5 {
                    32767
                } else {
                    -32768
                }
            }));
        }
        // The Nyquist-rate extreme: alternating full-scale samples.
        a.extend((0..secs(2.0)).map(|i| if i % 2 == 0 { 32767 } else { -32768 }));

        // Speech-like bursts: voiced syllables (a harmonic series on a
        // gliding pitch under a formant-like envelope, amplitude-modulated
        // at the syllable rate) separated by pauses, with some breath noise.
        let total = secs(60.0);
        let start = a.len();
        let mut phase = 0.0;
        while a.len() - start < total {
            let syllable = (0.12 + 0.25 * (rng.uniform() + 1.0) / 2.0) * RATE;
            let pause = (0.05 + 0.5 * (rng.uniform() + 1.0) / 2.0) * RATE;
            let f0 = 100.0 + 80.0 * (rng.uniform() + 1.0);
            let glide = 1.0 + 0.3 * rng.uniform();
            let formant = 500.0 + 1500.0 * (rng.uniform() + 1.0) / 2.0;
            let loud = 2000.0 + 10000.0 * (rng.uniform() + 1.0) / 2.0;
            let len = syllable as usize;
            for i in 0..len {
                let t = i as f64 / len as f64;
                let pitch = f0 * (1.0 + (glide - 1.0) * t);
                phase += tau * pitch / RATE;
                let mut v = 0.0;
                for h in 1..=30 {
                    let fh = pitch * h as f64;
                    if fh > 7800.0 {
                        break;
                    }
                    let w = 1.0 / (1.0 + ((fh - formant) / 400.0).powi(2)) + 0.3 / h as f64;
                    v += w * (phase * h as f64).sin();
                }
                let env = (std::f64::consts::PI * t).sin().powi(2);
                let breath = 0.05 * rng.uniform();
                a.push(clip(loud * env * (0.25 * v + breath)));
            }
            a.extend(std::iter::repeat_n(0, pause as usize));
        }
        a.truncate(start + total);

        // Clipping-level signals: an overdriven sine, a clipped tone pair,
        // and full-scale DC steps.
        let n = secs(6.0);
        a.extend((0..n).map(|i| clip(60000.0 * (tau * 300.0 * i as f64 / RATE).sin())));
        let n = secs(4.0);
        a.extend((0..n).map(|i| {
            let t = i as f64 / RATE;
            clip(30000.0 * ((tau * 697.0 * t).sin() + (tau * 1209.0 * t).sin()))
        }));
        let n = secs(2.0);
        a.extend((0..n).map(|i| match (i / 1600) % 4 {
            0 => 32767,
            1 => 0,
            2 => -32768,
            _ => -1,
        }));

        // Near silence: the smallest codes and scale factors.
        a.extend((0..secs(5.0)).map(|_| (rng.next() % 3) as i16 - 1));
        a.extend(std::iter::repeat_n(0, secs(1.0)));

        let len = a.len() & !1;
        a.truncate(len);
        a
    }

    fn audio() -> Vec<i16> {
        test_audio(if cfg!(debug_assertions) { 0.1 } else { 1.0 })
    }

    fn first_difference<T: PartialEq + std::fmt::Debug>(a: &[T], b: &[T]) -> String {
        match a.iter().zip(b).position(|(x, y)| x != y) {
            Some(i) => format!("first difference at {i}: {:?} vs {:?}", a[i], b[i]),
            None => format!("lengths {} vs {}", a.len(), b.len()),
        }
    }

    /// Encodes `pcm` with both codecs in `mode`, chunk by chunk, and
    /// returns our octets after checking them against spandsp's codes.
    fn encode_both(pcm: &[i16], mode: G722Mode) -> Vec<u8> {
        let mut ours = G722Encoder::new(mode);
        let mut theirs = SpanEncoder::new(mode.bitrate() as c_int, false);
        let mut our_out = vec![0u8; pcm.len() / 2];
        let mut their_out = vec![0u8; pcm.len() / 2];
        let mut at = 0;
        for &chunk in CHUNKS.iter().cycle() {
            if at == our_out.len() {
                break;
            }
            let n = chunk.min(our_out.len() - at);
            let samples = &pcm[2 * at..2 * (at + n)];
            assert_eq!(ours.encode(samples, &mut our_out[at..at + n]), n);
            assert_eq!(theirs.encode(samples, &mut their_out[at..at + n]), n);
            at += n;
        }
        let mapped: Vec<u8> = our_out.iter().map(|&o| unpacked(mode, o)).collect();
        assert!(
            mapped == their_out,
            "encoder differs from spandsp in {mode:?}: {}",
            first_difference(&mapped, &their_out)
        );
        our_out
    }

    /// G.722 coefficients h0..h23 (Table 11/G.722).
    const H: [i32; 24] = [
        3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32,
        -156, 12, 53, -11, -11, 3,
    ];

    /// The receive QMF written as G.722 §4.4.2 states it, before any
    /// limiting: from the reconstructed sub-band words (bits 15-1 hold
    /// rL and rH), xout1 = sum h(2i) xd(j-i) and xout2 = sum h(2i+1)
    /// xs(j-i) with xd = rL - rH and xs = rL + rH, each over 2^11 (the
    /// 2^12 DC gain of the filter less the one bit the 15-bit sub-band
    /// signals lack).
    fn unlimited_receive_qmf(subbands: &[i16]) -> Vec<i32> {
        let mut xd = [0i32; 12];
        let mut xs = [0i32; 12];
        let mut out = Vec::with_capacity(subbands.len());
        for pair in subbands.chunks_exact(2) {
            let (rl, rh) = (i32::from(pair[0] >> 1), i32::from(pair[1] >> 1));
            xd.rotate_right(1);
            xs.rotate_right(1);
            xd[0] = rl - rh;
            xs[0] = rl + rh;
            let xout1: i32 = (0..12).map(|i| H[2 * i] * xd[i]).sum();
            let xout2: i32 = (0..12).map(|i| H[2 * i + 1] * xs[i]).sum();
            out.push(xout1 >> 11);
            out.push(xout2 >> 11);
        }
        out
    }

    /// Decodes `octets` with both codecs in `mode`, chunk by chunk, and
    /// checks that the samples are equal wherever the receive QMF's output
    /// fits in 16 bits. Where it does not, the ITU-T reference limits it
    /// to the 16-bit range, and so do we (as do later spandsp releases and
    /// ffmpeg); spandsp 0.0.6 instead keeps the low 16 bits, so a sample
    /// just past full scale comes out with the opposite sign. There the
    /// test checks exactly that: with v the unlimited output (computed
    /// here from spandsp's own sub-band signals in ITU test mode), ours is
    /// v limited and spandsp's is v wrapped. Returns how many samples were
    /// out of range.
    fn decode_both(octets: &[u8], mode: G722Mode, what: &str) -> usize {
        let mut ours = G722Decoder::new(mode);
        let mut theirs = SpanDecoder::new(mode.bitrate() as c_int, false);
        let codes: Vec<u8> = octets.iter().map(|&o| unpacked(mode, o)).collect();
        let mut our_out = vec![0i16; 2 * octets.len()];
        let mut their_out = vec![0i16; 2 * octets.len()];
        let mut at = 0;
        for &chunk in CHUNKS.iter().rev().cycle() {
            if at == octets.len() {
                break;
            }
            let n = chunk.min(octets.len() - at);
            let out = &mut our_out[2 * at..2 * (at + n)];
            assert_eq!(ours.decode(&octets[at..at + n], out), 2 * n);
            let out = &mut their_out[2 * at..2 * (at + n)];
            assert_eq!(theirs.decode(&codes[at..at + n], out), 2 * n);
            at += n;
        }
        if our_out == their_out {
            return 0;
        }
        let mut subbands = vec![0i16; 2 * octets.len()];
        let mut itu = SpanDecoder::new(mode.bitrate() as c_int, true);
        assert_eq!(itu.decode(&codes, &mut subbands), subbands.len());
        let unlimited = unlimited_receive_qmf(&subbands);
        let mut out_of_range = 0;
        for (i, ((&o, &t), &v)) in our_out.iter().zip(&their_out).zip(&unlimited).enumerate() {
            if i16::try_from(v).is_ok() {
                assert!(
                    o == t && i32::from(o) == v,
                    "decoder differs from spandsp in {mode:?} on {what} at sample {i}: {o} vs {t}"
                );
            } else {
                out_of_range += 1;
                assert_eq!(i32::from(o), v.clamp(-32768, 32767), "limited, sample {i}");
                assert_eq!(t, v as i16, "wrapped, sample {i}");
            }
        }
        assert!(out_of_range > 0, "outputs differ but none is out of range");
        eprintln!(
            "{mode:?} on {what}: equal to spandsp on {} samples; {out_of_range} past full scale, limited here and wrapped by spandsp",
            our_out.len() - out_of_range
        );
        out_of_range
    }

    #[test]
    fn encoder_matches_spandsp_in_every_mode() {
        let pcm = audio();
        eprintln!("encoding {:.1} s of 16 kHz audio", pcm.len() as f64 / RATE);
        let full = encode_both(&pcm, G722Mode::Mode1);
        // The data bits are the only difference between modes.
        for mode in [G722Mode::Mode2, G722Mode::Mode3] {
            let octets = encode_both(&pcm, mode);
            let mask = if mode == G722Mode::Mode2 { 0xfe } else { 0xfc };
            assert!(octets.iter().zip(&full).all(|(&o, &f)| o == f & mask));
        }
    }

    #[test]
    fn decoder_matches_spandsp_on_encoded_audio() {
        let pcm = audio();
        let octets = encode_both(&pcm, G722Mode::Mode1);
        for mode in MODES {
            decode_both(&octets, mode, "encoded audio");
        }
    }

    #[test]
    fn decoder_matches_spandsp_on_random_octets() {
        let secs = if cfg!(debug_assertions) { 5 } else { 60 };
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let mut octets: Vec<u8> = (0..secs * 8000).map(|_| rng.next() as u8).collect();
        // Runs of one octet drive the scale factors and predictors to
        // their limits, where the saturations matter.
        for (i, &v) in [0x00u8, 0xff, 0x3f, 0xc0, 0x04, 0x7c, 0x20, 0xe0]
            .iter()
            .enumerate()
        {
            let at = (i + 1) * octets.len() / 10;
            octets[at..at + 4000].fill(v);
        }
        for mode in MODES {
            decode_both(&octets, mode, "random octets");
        }
    }

    #[test]
    fn subband_core_matches_spandsp_itu_test_mode() {
        let pcm = audio();
        let n = pcm.len().min(if cfg!(debug_assertions) {
            100_000
        } else {
            1_000_000
        });
        let words = &pcm[..n];
        let mut ours = G722Encoder::new(G722Mode::Mode1);
        let our_codes: Vec<u8> = words.iter().map(|&w| ours.encode_subbands(w, w)).collect();
        let mut theirs = SpanEncoder::new(64000, true);
        let mut their_codes = vec![0u8; n];
        let mut at = 0;
        for &chunk in CHUNKS.iter().cycle() {
            if at == n {
                break;
            }
            let k = chunk.min(n - at);
            assert_eq!(
                theirs.encode(&words[at..at + k], &mut their_codes[at..at + k]),
                k
            );
            at += k;
        }
        assert!(
            our_codes == their_codes,
            "sub-band encoder differs from spandsp: {}",
            first_difference(&our_codes, &their_codes)
        );

        let mut rng = Rng(7);
        let mut random: Vec<u8> = (0..n / 4).map(|_| rng.next() as u8).collect();
        random.extend_from_slice(&our_codes);
        for mode in MODES {
            let mut ours = G722Decoder::new(mode);
            let mut our_out = Vec::with_capacity(2 * random.len());
            for &o in &random {
                let (rl, rh) = ours.decode_subbands(o);
                our_out.push(rl);
                our_out.push(rh);
            }
            let mut theirs = SpanDecoder::new(mode.bitrate() as c_int, true);
            let codes: Vec<u8> = random.iter().map(|&o| unpacked(mode, o)).collect();
            let mut their_out = vec![0i16; 2 * codes.len()];
            assert_eq!(theirs.decode(&codes, &mut their_out), their_out.len());
            assert!(
                our_out == their_out,
                "sub-band decoder differs from spandsp in {mode:?}: {}",
                first_difference(&our_out, &their_out)
            );
        }
    }

    #[test]
    fn the_test_signal_is_varied() {
        // Guards the generator: it must reach full scale, stay silent in
        // places and fill most codes of both bands.
        let pcm = test_audio(0.1);
        assert!(pcm.contains(&i16::MAX) && pcm.contains(&i16::MIN));
        assert!(pcm.windows(1600).any(|w| w.iter().all(|&s| s == 0)));
        let mut enc = G722Encoder::new(G722Mode::Mode1);
        let mut octets = vec![0u8; pcm.len() / 2];
        enc.encode(&pcm, &mut octets);
        let mut seen = [false; 256];
        for &o in &octets {
            seen[usize::from(o)] = true;
        }
        let count = seen.iter().filter(|&&s| s).count();
        assert!(count > 200, "only {count} distinct octets");
    }
}
