//! The `transcode` example's contract: every allowed pair of formats,
//! byte-identity with G.711 and with spandsp's G.722 encoder where the
//! contract asks for it, WAV in and out, exit status 2 on usage errors and
//! 1 on bad input data.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use mediaplane::codec::g711;
use mediaplane::codec::g722::{G722Decoder, G722Encoder, G722Mode};

fn transcode() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // `cargo test --test transcode_example` does not build examples:
        // build it here, once per run, so the binary is never a stale one.
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "--example", "transcode"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        assert!(cmd.status().unwrap().success());
        let bin = dir.join("examples").join("transcode");
        assert!(bin.exists(), "{} not built", bin.display());
        bin
    })
    .clone()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(transcode()).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A directory of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("transcode-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Two tones (440 Hz and 1 kHz) at `rate` for `ms` milliseconds.
fn tones(rate: u32, ms: u32) -> Vec<i16> {
    let n = (rate * ms / 1000) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let x = 6000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                + 3000.0 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin();
            x as i16
        })
        .collect()
}

fn le(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_le(b: &[u8]) -> Vec<i16> {
    b.chunks_exact(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect()
}

const INPUTS: [&str; 7] = [
    "s16le@8000",
    "s16le@16000",
    "pcmu",
    "pcma",
    "g722",
    "g722@56000",
    "g722@48000",
];
const OUTPUTS: [&str; 5] = ["s16le@8000", "s16le@16000", "pcmu", "pcma", "g722"];

/// 400 ms of input in `fmt`.
fn input_for(fmt: &str) -> Vec<u8> {
    let s8 = tones(8000, 400);
    let s16 = tones(16000, 400);
    match fmt {
        "s16le@8000" => le(&s8),
        "s16le@16000" => le(&s16),
        "pcmu" => {
            let mut o = vec![0; s8.len()];
            g711::encode_ulaw(&s8, &mut o);
            o
        }
        "pcma" => {
            let mut o = vec![0; s8.len()];
            g711::encode_alaw(&s8, &mut o);
            o
        }
        _ => {
            let mut o = vec![0; s16.len() / 2];
            G722Encoder::new(G722Mode::Mode1).encode(&s16, &mut o);
            o
        }
    }
}

/// The output decoded to linear audio at its rate.
fn to_linear(fmt: &str, b: &[u8]) -> (Vec<i16>, u32) {
    match fmt {
        "s16le@8000" => (from_le(b), 8000),
        "s16le@16000" => (from_le(b), 16000),
        "pcmu" => {
            let mut v = vec![0; b.len()];
            g711::decode_ulaw(b, &mut v);
            (v, 8000)
        }
        "pcma" => {
            let mut v = vec![0; b.len()];
            g711::decode_alaw(b, &mut v);
            (v, 8000)
        }
        _ => {
            let mut v = vec![0; 2 * b.len()];
            G722Decoder::new(G722Mode::Mode1).decode(b, &mut v);
            (v, 16000)
        }
    }
}

/// Best signal-to-noise ratio of `got` against the test tones over lags
/// 0..64 (the G.722 codec's own delay stays in the output), in dB, away
/// from the edges.
fn snr(got: &[i16], rate: u32) -> f64 {
    let want = tones(rate, 400);
    let mut best = f64::MIN;
    for lag in 0..64 {
        let (mut sig, mut err) = (0f64, 0f64);
        for i in 100..got.len() - 100 {
            let w = f64::from(want[i - lag]);
            sig += w * w;
            err += (f64::from(got[i]) - w).powi(2);
        }
        best = best.max(10.0 * (sig / err.max(1.0)).log10());
    }
    best
}

#[test]
fn every_pair_converts() {
    let dir = scratch("pairs");
    for from in INPUTS {
        let inp = dir.join(format!("in-{from}"));
        std::fs::write(&inp, input_for(from)).unwrap();
        for to in OUTPUTS {
            let out = dir.join(format!("{from}-to-{to}"));
            let r = run(&["--from", from, "--to", to, s(&inp), s(&out)]);
            assert_eq!(r.code, 0, "{from} -> {to}: {}", r.stderr);
            let b = std::fs::read(&out).unwrap();
            // 400 ms: 3200 ticks of 8 kHz
            let want_len = match to {
                "s16le@8000" => 6400,
                "s16le@16000" => 12800,
                _ => 3200,
            };
            assert_eq!(b.len(), want_len, "{from} -> {to}");
            let (pcm, rate) = to_linear(to, &b);
            // G.722 at 48 kbit/s and two G.711 quantizations are the
            // noisiest paths; the tones still come through clean.
            let q = snr(&pcm, rate);
            assert!(q > 15.0, "{from} -> {to}: SNR {q:.1} dB");
        }
    }
}

#[test]
fn byte_identity_where_the_contract_asks() {
    let dir = scratch("identity");
    let s8 = tones(8000, 400);
    let s16 = tones(16000, 400);
    let raw8 = dir.join("a.s16");
    let raw16 = dir.join("b.s16");
    std::fs::write(&raw8, le(&s8)).unwrap();
    std::fs::write(&raw16, le(&s16)).unwrap();
    let conv = |from: &str, to: &str, inp: &Path| {
        let out = dir.join(format!("out-{from}-{to}"));
        let r = run(&["--from", from, "--to", to, s(inp), s(&out)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        std::fs::read(out).unwrap()
    };

    let mut u = vec![0; s8.len()];
    g711::encode_ulaw(&s8, &mut u);
    assert_eq!(conv("s16le@8000", "pcmu", &raw8), u);
    let mut a = vec![0; s8.len()];
    g711::encode_alaw(&s8, &mut a);
    assert_eq!(conv("s16le@8000", "pcma", &raw8), a);

    let mut g = vec![0; s16.len() / 2];
    G722Encoder::new(G722Mode::Mode1).encode(&s16, &mut g);
    let ours = conv("s16le@16000", "g722", &raw16);
    assert_eq!(ours, g);
    spandsp::check_encode(&s16, &ours);

    // decoding: G.711 decoders, and G.722 in the mode the name gives
    let pu = dir.join("u.pcmu");
    std::fs::write(&pu, &u).unwrap();
    let mut lin = vec![0; u.len()];
    g711::decode_ulaw(&u, &mut lin);
    assert_eq!(conv("pcmu", "s16le@8000", &pu), le(&lin));
    let mut ua = vec![0; u.len()];
    g711::ulaw_to_alaw_slice(&u, &mut ua);
    assert_eq!(conv("pcmu", "pcma", &pu), ua);
    let pg = dir.join("g.g722");
    std::fs::write(&pg, &g).unwrap();
    for (name, mode) in [
        ("g722", G722Mode::Mode1),
        ("g722@56000", G722Mode::Mode2),
        ("g722@48000", G722Mode::Mode3),
    ] {
        let mut d = vec![0; 2 * g.len()];
        G722Decoder::new(mode).decode(&g, &mut d);
        assert_eq!(conv(name, "s16le@16000", &pg), le(&d), "{name}");
    }
    assert_eq!(conv("g722", "g722", &pg), g);
}

#[cfg(have_spandsp)]
mod spandsp {
    use std::os::raw::{c_int, c_void};

    #[link(name = "spandsp")]
    extern "C" {
        fn g722_encode_init(s: *mut c_void, rate: c_int, options: c_int) -> *mut c_void;
        fn g722_encode(s: *mut c_void, data: *mut u8, amp: *const i16, len: c_int) -> c_int;
        fn g722_encode_free(s: *mut c_void) -> c_int;
    }

    /// The example's G.722 is spandsp's `g722_encode` at 64 kbit/s.
    pub fn check_encode(pcm: &[i16], ours: &[u8]) {
        let mut out = vec![0u8; pcm.len() / 2];
        // SAFETY: a NULL state asks spandsp to allocate one (checked);
        // g722_encode reads `pcm.len()` samples and writes one octet per
        // pair into `out`, which holds that many; the state is freed once.
        let n = unsafe {
            let st = g722_encode_init(std::ptr::null_mut(), 64000, 0);
            assert!(!st.is_null());
            let n = g722_encode(
                st,
                out.as_mut_ptr(),
                pcm.as_ptr(),
                c_int::try_from(pcm.len()).unwrap(),
            );
            g722_encode_free(st);
            n
        };
        out.truncate(usize::try_from(n).unwrap());
        assert_eq!(ours, out, "differs from spandsp g722_encode");
    }
}

#[cfg(not(have_spandsp))]
mod spandsp {
    pub fn check_encode(_: &[i16], _: &[u8]) {
        eprintln!(
            "skipped the spandsp comparison: spandsp is not installed (Debian libspandsp-dev)"
        );
    }
}

/// A WAV header for 16-bit PCM with the given fields, then `data`.
fn wav(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let mut b = b"RIFF\0\0\0\0WAVE".to_vec();
    b.extend_from_slice(b"fmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(channels) * u32::from(bits / 8)).to_le_bytes());
    b.extend_from_slice(&(channels * bits / 8).to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(data);
    let riff = (b.len() - 8) as u32;
    b[4..8].copy_from_slice(&riff.to_le_bytes());
    b
}

#[test]
fn wav_in_and_out() {
    let dir = scratch("wav");
    let s8 = tones(8000, 400);
    let raw = dir.join("a.raw");
    std::fs::write(&raw, le(&s8)).unwrap();

    // raw -> WAV: a 44-byte PCM header and the samples
    let w = dir.join("a.wav");
    let r = run(&["--from", "s16le@8000", "--to", "s16le@8000", s(&raw), s(&w)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let b = std::fs::read(&w).unwrap();
    assert_eq!(b, wav(1, 1, 8000, 16, &le(&s8)));

    // WAV -> pcmu equals raw -> pcmu
    let (u1, u2) = (dir.join("1.u"), dir.join("2.u"));
    assert_eq!(
        run(&["--from", "s16le@8000", "--to", "pcmu", s(&w), s(&u1)]).code,
        0
    );
    assert_eq!(
        run(&["--from", "s16le@8000", "--to", "pcmu", s(&raw), s(&u2)]).code,
        0
    );
    assert_eq!(std::fs::read(&u1).unwrap(), std::fs::read(&u2).unwrap());

    // other chunks, an odd-sized one with its pad byte, the extensible
    // format with the PCM subformat, upper-case extension, WAV out at 16 kHz
    let mut odd = b"RIFF\0\0\0\0WAVE".to_vec();
    odd.extend_from_slice(b"LIST\x03\0\0\0abc\0");
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&0xFFFEu16.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&8000u32.to_le_bytes());
    fmt.extend_from_slice(&16000u32.to_le_bytes());
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&22u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&4u32.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes()); // KSDATAFORMAT_SUBTYPE_PCM
    fmt.extend_from_slice(&[0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]);
    odd.extend_from_slice(b"fmt ");
    odd.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    odd.extend_from_slice(&fmt);
    odd.extend_from_slice(b"data");
    odd.extend_from_slice(&(2 * s8.len() as u32).to_le_bytes());
    odd.extend_from_slice(&le(&s8));
    odd.extend_from_slice(b"junk\x02\0\0\0zz");
    let w2 = dir.join("B.WAV");
    std::fs::write(&w2, &odd).unwrap();
    let w16 = dir.join("c.wav");
    let r = run(&["--to", "s16le@16000", s(&w2), "--from=s16le@8000", s(&w16)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let b = std::fs::read(&w16).unwrap();
    assert_eq!(&b[..4], b"RIFF");
    assert_eq!(u32::from_le_bytes(b[24..28].try_into().unwrap()), 16000);
    assert_eq!(b.len(), 44 + 4 * s8.len());
    assert!(snr(&from_le(&b[44..]), 16000) > 30.0);

    // a streamed WAV: data size 0xFFFFFFFF runs to the end of the file
    let mut streamed = wav(1, 1, 8000, 16, &le(&s8));
    streamed[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    let w3 = dir.join("s.wav");
    std::fs::write(&w3, &streamed).unwrap();
    let u3 = dir.join("3.u");
    assert_eq!(
        run(&["--from", "s16le@8000", "--to", "pcmu", s(&w3), s(&u3)]).code,
        0
    );
    assert_eq!(std::fs::read(&u3).unwrap(), std::fs::read(&u2).unwrap());
}

#[test]
fn bad_input_data_exits_1() {
    let dir = scratch("bad");
    let pcm = le(&tones(8000, 100));
    let mut truncated = wav(1, 1, 8000, 16, &pcm);
    truncated.truncate(300);
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "odd.raw",
            "s16le@8000",
            vec![1, 2, 3],
            "odd number of bytes",
        ),
        (
            "odd16.raw",
            "s16le@16000",
            vec![0; 1001],
            "odd number of bytes",
        ),
        ("trunc.wav", "s16le@8000", truncated, "truncated"),
        (
            "garbage.wav",
            "s16le@8000",
            b"this is not a wave file at all".to_vec(),
            "RIFF",
        ),
        ("empty.wav", "s16le@8000", vec![], "RIFF"),
        (
            "riffonly.wav",
            "s16le@8000",
            b"RIFF\x04\0\0\0WAVE".to_vec(),
            "fmt",
        ),
        (
            "avi.wav",
            "s16le@8000",
            b"RIFF\x04\0\0\0AVI ".to_vec(),
            "WAVE",
        ),
        (
            "stereo.wav",
            "s16le@8000",
            wav(1, 2, 8000, 16, &pcm),
            "mono",
        ),
        (
            "8bit.wav",
            "s16le@8000",
            wav(1, 1, 8000, 8, &pcm),
            "mono 16-bit",
        ),
        ("float.wav", "s16le@8000", wav(3, 1, 8000, 32, &pcm), "PCM"),
        (
            "rate.wav",
            "s16le@16000",
            wav(1, 1, 8000, 16, &pcm),
            "8000 Hz",
        ),
        (
            "odddata.wav",
            "s16le@8000",
            wav(1, 1, 8000, 16, &pcm[..11]),
            "odd",
        ),
    ];
    for (name, fmt, bytes, says) in cases {
        let inp = dir.join(name);
        std::fs::write(&inp, &bytes).unwrap();
        let out = dir.join(format!("{name}.out"));
        let r = run(&["--from", fmt, "--to", "pcmu", s(&inp), s(&out)]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{name}: {}", r.stderr);
        assert!(!out.exists(), "{name}: no output on failure");
    }
    let r = run(&[
        "--from",
        "pcmu",
        "--to",
        "pcma",
        s(&dir.join("missing")),
        s(&dir.join("x")),
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("cannot read"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch("usage");
    let inp = dir.join("in.raw");
    std::fs::write(&inp, [0u8; 320]).unwrap();
    let i = s(&inp).to_owned();
    let o = s(&dir.join("out")).to_owned();
    let xw = s(&dir.join("x.wav")).to_owned();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "missing --from"),
        (vec!["--from", "pcmu", &i, &o], "missing --to"),
        (vec!["--to", "pcmu", &i, &o], "missing --from"),
        (
            vec!["--from", "mp3", "--to", "pcmu", &i, &o],
            "unknown format",
        ),
        (
            vec!["--from", "s16le@44100", "--to", "pcmu", &i, &o],
            "unknown format",
        ),
        (
            vec!["--from", "pcmu", "--to", "g722@56000", &i, &o],
            "input formats only",
        ),
        (
            vec!["--from", "pcmu", "--to", "g722@48000", &i, &o],
            "input formats only",
        ),
        (vec!["--from", "pcmu", "--to", "pcma", &i], "two file names"),
        (
            vec!["--from", "pcmu", "--to", "pcma", &i, &o, &o],
            "two file names",
        ),
        (
            vec!["--from", "pcmu", "--to", "pcma", "--speed", "2", &i, &o],
            "unknown option",
        ),
        (vec!["--from", "pcmu", "--to"], "needs a value"),
        (vec!["--from", "pcmu", "--to", "s16le@8000", &i, &xw], ""),
        (
            vec!["--from", "s16le@8000", "--to", "pcmu", &i, "out.wav"],
            "not an s16le format",
        ),
        (
            vec!["--from", "pcmu", "--to", "pcma", "in.wav", &o],
            "not an s16le format",
        ),
    ];
    for (args, says) in cases {
        let r = run(&args);
        if says.is_empty() {
            // the one allowed combination in this list: s16le out as WAV
            assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
            assert_eq!(std::fs::read(&xw).unwrap().len(), 44 + 640);
            continue;
        }
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("usage:"), "{args:?}");
    }
    assert!(!dir.join("out").exists());
}

#[test]
fn help_exits_0() {
    for flag in ["--help", "-h"] {
        let r = run(&[flag]);
        assert_eq!(r.code, 0);
        assert!(r
            .stdout
            .starts_with("usage: transcode --from FMT --to FMT IN OUT"));
        for f in INPUTS {
            assert!(r.stdout.contains(f), "{f} missing from the help");
        }
        assert!(r.stderr.is_empty());
    }
}

#[test]
fn standard_input_and_output() {
    use std::io::Write;
    use std::process::Stdio;
    let s8 = tones(8000, 100);
    let mut child = Command::new(transcode())
        .args(["--from", "s16le@8000", "--to", "pcma", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&le(&s8)).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let mut a = vec![0; s8.len()];
    g711::encode_alaw(&s8, &mut a);
    assert_eq!(out.stdout, a);
}
