//! The `srtpcat` example's contract: one output line per non-blank input
//! line (lowercase hex or `ERR <reason>`), packets through one context in
//! order, and exit status 0 / 1 / 2.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn srtpcat() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // Integration tests live in target/<profile>/deps; examples are
        // built into target/<profile>/examples. `cargo test --test srtpcat`
        // does not build examples, so build it here, once per run, so that
        // the binary is never a stale one.
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "--example", "srtpcat"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        assert!(cmd.status().unwrap().success());
        let bin = dir.join("examples").join("srtpcat");
        assert!(bin.exists(), "{} not built", bin.display());
        bin
    })
    .clone()
}

struct Run {
    code: i32,
    lines: Vec<String>,
    stderr: String,
}

fn run(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(srtpcat())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut si = child.stdin.take().unwrap();
        // A usage error exits without reading: a broken pipe is expected.
        let _ = si.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        lines: String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// (name, master key + salt bytes)
const PROFILES: &[(&str, usize)] = &[
    ("AES_CM_128_HMAC_SHA1_80", 30),
    ("AES_CM_128_HMAC_SHA1_32", 30),
    ("AES_256_CM_HMAC_SHA1_80", 46),
    ("AES_256_CM_HMAC_SHA1_32", 46),
    ("AEAD_AES_128_GCM", 28),
    ("AEAD_AES_256_GCM", 44),
];

fn key_for(len: usize, seed: u8) -> String {
    hex(&(0..len)
        .map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed))
        .collect::<Vec<_>>())
}

fn rtp_packets() -> Vec<String> {
    (0..20u16)
        .map(|i| {
            // across the sequence number wrap
            let seq = 65_530u16.wrapping_add(i);
            let mut p = vec![0x80, 0x60];
            p.extend_from_slice(&seq.to_be_bytes());
            p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
            p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
            p.extend((0..usize::from(i) * 7).map(|k| (k * 13) as u8));
            hex(&p)
        })
        .collect()
}

fn rtcp_packets() -> Vec<String> {
    (0..10u8)
        .map(|i| {
            let mut p = vec![0x80, 201, 0, 1 + i, 0x12, 0x34, 0x56, 0x78];
            p.extend((0..u16::from(i) * 4).map(|k| k as u8 ^ i));
            hex(&p)
        })
        .collect()
}

fn lines(v: &[String]) -> String {
    v.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn round_trip_every_profile_rtp_and_rtcp() {
    for &(profile, len) in PROFILES {
        let key = key_for(len, 7);
        for (rtcp, plain) in [(false, rtp_packets()), (true, rtcp_packets())] {
            let mut args = vec!["protect", "--profile", profile, "--key", &key];
            if rtcp {
                args.push("--rtcp");
            }
            let p = run(&args, &lines(&plain));
            assert_eq!(p.code, 0, "{profile} rtcp={rtcp}: {}", p.stderr);
            assert_eq!(p.lines.len(), plain.len());
            let header = if rtcp { 16 } else { 24 };
            for (s, x) in p.lines.iter().zip(&plain) {
                assert!(s.len() > x.len(), "{profile}: not longer: {s}");
                assert!(s
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
                assert_eq!(&s[..header], &x[..header], "{profile}: header changed");
                if x.len() > header {
                    assert_ne!(
                        &s[header..x.len()],
                        &x[header..],
                        "{profile}: payload not encrypted"
                    );
                }
            }
            // options in another order, and upper-case input
            let mut args = vec!["--key", &key, "--profile", profile, "unprotect"];
            if rtcp {
                args.insert(0, "--rtcp");
            }
            let upper: Vec<String> = p.lines.iter().map(|l| l.to_uppercase()).collect();
            let u = run(&args, &lines(&upper));
            assert_eq!(u.code, 0, "{profile} rtcp={rtcp}: {}", u.stderr);
            assert_eq!(u.lines, plain, "{profile} rtcp={rtcp}");
        }
    }
}

#[test]
fn known_answers_from_libsrtp() {
    // libsrtp test/srtp_driver.c srtp_validate(): AES_CM_128_HMAC_SHA1_80,
    // SSRC 0xcafebabe, sequence 0x1234, ROC 0; the SRTCP packet has index 1.
    let key = "e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6";
    let rtp = "800f1234decafbadcafebabeabababababababababababababababab";
    let srtp = "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb";
    let rtcp = "81c8000bcafebabeabababababababababababababababab";
    let srtcp = "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798";
    let args = [
        "protect",
        "--profile",
        "AES_CM_128_HMAC_SHA1_80",
        "--key",
        key,
    ];
    let r = run(&args, &format!("{rtp}\n"));
    assert_eq!((r.code, r.lines), (0, vec![srtp.to_owned()]));
    let args = [
        "protect",
        "--profile",
        "AES_CM_128_HMAC_SHA1_32",
        "--key",
        key,
    ];
    let r = run(&args, &format!("{rtp}\n"));
    assert_eq!((r.code, r.lines), (0, vec![srtp[..64].to_owned()]));
    let args = [
        "unprotect",
        "--profile",
        "AES_CM_128_HMAC_SHA1_80",
        "--key",
        key,
        "--rtcp",
    ];
    let r = run(&args, &format!("{srtcp}\n"));
    assert_eq!((r.code, r.lines), (0, vec![rtcp.to_owned()]));
}

#[test]
fn failures_give_err_lines_and_exit_1() {
    let key = key_for(28, 1);
    let plain = rtp_packets();
    let p = run(
        &["protect", "--profile", "AEAD_AES_128_GCM", "--key", &key],
        &lines(&plain[..4]),
    );
    assert_eq!(p.code, 0);
    let good = &p.lines;
    // flip one bit of the tag of the second packet
    let mut bad = good[1].clone().into_bytes();
    let last = bad.len() - 1;
    bad[last] = if bad[last] == b'0' { b'1' } else { b'0' };
    let bad = String::from_utf8(bad).unwrap();
    let input = format!(
        "{}\n{bad}\n\n   \n{}\r\n{}\nnot hex\n{}\n0\n80\n",
        good[0], good[1], good[1], good[2]
    );
    let u = run(
        &["unprotect", "--profile", "AEAD_AES_128_GCM", "--key", &key],
        &input,
    );
    assert_eq!(u.code, 1, "{}", u.stderr);
    // blank lines are skipped; every other line gives exactly one line
    assert_eq!(u.lines.len(), 8, "{:?}", u.lines);
    assert_eq!(u.lines[0], plain[0]);
    assert!(
        u.lines[1].starts_with("ERR authentication failed"),
        "{}",
        u.lines[1]
    );
    // the tampered packet changed nothing: the genuine one is accepted
    assert_eq!(u.lines[2], plain[1]);
    assert!(
        u.lines[3].starts_with("ERR replayed packet"),
        "{}",
        u.lines[3]
    );
    assert!(
        u.lines[4].starts_with("ERR input is not hex"),
        "{}",
        u.lines[4]
    );
    assert_eq!(u.lines[5], plain[2]);
    assert!(
        u.lines[6].starts_with("ERR input is not hex: odd"),
        "{}",
        u.lines[6]
    );
    assert!(u.lines[7].starts_with("ERR "), "{}", u.lines[7]);

    // a protect failure: not an RTP packet
    let r = run(
        &["protect", "--profile", "AEAD_AES_128_GCM", "--key", &key],
        "00\n",
    );
    assert_eq!(r.code, 1);
    assert!(r.lines[0].starts_with("ERR malformed rtp"), "{:?}", r.lines);

    // no input at all is success with no output
    let r = run(
        &["protect", "--profile", "AEAD_AES_128_GCM", "--key", &key],
        "",
    );
    assert_eq!((r.code, r.lines.len()), (0, 0));
}

#[test]
fn usage_errors_exit_2() {
    let k30 = key_for(30, 0);
    let k28 = key_for(28, 0);
    for args in [
        vec![],
        vec!["protect"],
        vec!["protect", "--profile", "AES_CM_128_HMAC_SHA1_80"],
        vec!["protect", "--key", k30.as_str()],
        vec![
            "--profile",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            k30.as_str(),
        ],
        vec![
            "encrypt",
            "--profile",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            k30.as_str(),
        ],
        vec![
            "protect",
            "unprotect",
            "--profile",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            k30.as_str(),
        ],
        vec![
            "protect",
            "--profile",
            "NULL_HMAC_SHA1_80",
            "--key",
            k30.as_str(),
        ],
        vec![
            "protect",
            "--profile",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            k28.as_str(),
        ],
        vec![
            "protect",
            "--profile",
            "AEAD_AES_128_GCM",
            "--key",
            k30.as_str(),
        ],
        vec![
            "protect",
            "--profile",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            "xyz",
        ],
        vec![
            "protect",
            "--profile",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            "abc",
        ],
        vec!["protect", "--profile", "AES_CM_128_HMAC_SHA1_80", "--key"],
        vec![
            "protect",
            "--profile",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            k30.as_str(),
            "--bogus",
        ],
        vec![
            "protect",
            "--profile",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            k30.as_str(),
            "--rtcp=1",
        ],
        vec![
            "protect",
            "--profile",
            "AEAD_AES_128_GCM",
            "--profile",
            "AEAD_AES_128_GCM",
            "--key",
            k28.as_str(),
        ],
    ] {
        let r = run(&args, "800000010000000000000001\n");
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.lines.is_empty(), "{args:?}: {:?}", r.lines);
        assert!(r.stderr.starts_with("srtpcat: "), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("usage: srtpcat"), "{args:?}");
    }
    let r = run(&["--help"], "");
    assert_eq!(r.code, 0);
    assert!(r.lines[0].starts_with("usage: srtpcat protect|unprotect"));
    assert!(r
        .lines
        .iter()
        .any(|l| l.contains("blank lines are skipped")));
    // --help wins wherever it is
    for args in [["protect", "--bogus", "--help"], ["-h", "--key", "zz"]] {
        let r = run(&args, "");
        assert_eq!(r.code, 0, "{args:?}");
        assert!(r.lines[0].starts_with("usage: srtpcat"));
    }
    // --opt=value, and the alternative spelling of the AES-256 suites
    let k46 = key_for(46, 3);
    let r = run(
        &[
            "--profile=AES_CM_256_HMAC_SHA1_80",
            &format!("--key={k46}"),
            "protect",
        ],
        "800000010000000000000001\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.lines[0].len(), 2 * (12 + 10));
}
