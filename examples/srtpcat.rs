//! srtpcat: protect or unprotect SRTP/SRTCP packets given as hex lines.
//!
//! ```text
//! srtpcat protect|unprotect --profile P --key HEX [--rtcp]
//! ```
//! P is an SDES profile name (`AES_CM_128_HMAC_SHA1_80`,
//! `AES_CM_128_HMAC_SHA1_32`, `AES_256_CM_HMAC_SHA1_80`,
//! `AES_256_CM_HMAC_SHA1_32`, `AEAD_AES_128_GCM`, `AEAD_AES_256_GCM`); HEX
//! is the master key followed by the master salt. Standard input holds one
//! packet per line in hex (either case; blank lines are skipped); every
//! packet goes through one context in order, and each gives one output
//! line: the result in lowercase hex, or `ERR <reason>`. Exit status 0 when
//! every packet succeeded, 1 when any failed, 2 on a usage or I/O error.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use mediaplane::srtp::{Profile, SrtpContext};

const USAGE: &str = r"usage: srtpcat protect|unprotect --profile P --key HEX [--rtcp]
Protects or unprotects packets read from standard input, one packet per
line in hex (upper or lower case; surrounding whitespace is ignored and
blank lines are skipped). All packets go through one SRTP context, in
order, so rollover counters, replay windows and SRTCP indices carry over.
Each non-blank line gives one output line: the result in lowercase hex,
or 'ERR <reason>'.

  --profile P  AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32,
               AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32,
               AEAD_AES_128_GCM or AEAD_AES_256_GCM
  --key HEX    master key followed by master salt, in hex (30 bytes for
               AES_CM_128, 46 for AES_256_CM, 28 for AEAD_AES_128_GCM,
               44 for AEAD_AES_256_GCM)
  --rtcp       the packets are RTCP/SRTCP instead of RTP/SRTP
  --help       print this help
Options may come in any order, as '--opt VALUE' or '--opt=VALUE'.
Exit status: 0 every packet succeeded, 1 any failed, 2 usage or I/O error.
";

/// The largest packet accepted (a UDP datagram).
const MAX_PACKET: usize = 65_535;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Protect,
    Unprotect,
}

struct Args {
    mode: Mode,
    profile: Profile,
    key_salt: Vec<u8>,
    rtcp: bool,
}

enum Parsed {
    Run(Args),
    Help,
}

fn decode_hex(s: &[u8]) -> Result<Vec<u8>, &'static str> {
    if !s.len().is_multiple_of(2) {
        return Err("odd number of hex digits");
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.chunks_exact(2)
        .map(|p| match (nibble(p[0]), nibble(p[1])) {
            (Some(h), Some(l)) => Ok(h << 4 | l),
            _ => Err("invalid hex digit"),
        })
        .collect()
}

fn encode_hex(b: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(b.len() * 2);
    for &x in b {
        out.push(char::from(DIGITS[usize::from(x >> 4)]));
        out.push(char::from(DIGITS[usize::from(x & 15)]));
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let args: Vec<String> = args.collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Parsed::Help);
    }
    let mut mode = None;
    let mut profile = None;
    let mut key = None;
    let mut rtcp = false;
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (a.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args.next().ok_or(format!("{what} needs a value")),
            }
        };
        match name.as_str() {
            "--rtcp" if inline.is_some() => return Err("--rtcp takes no value".into()),
            "--rtcp" => rtcp = true,
            "--profile" => {
                if profile.is_some() {
                    return Err("--profile given twice".into());
                }
                profile = Some(value("--profile")?);
            }
            "--key" => {
                if key.is_some() {
                    return Err("--key given twice".into());
                }
                key = Some(value("--key")?);
            }
            "protect" | "unprotect" => {
                if mode.is_some() {
                    return Err("more than one of protect/unprotect".into());
                }
                mode = Some(if name == "protect" {
                    Mode::Protect
                } else {
                    Mode::Unprotect
                });
            }
            other if other.starts_with('-') => return Err(format!("unknown option '{other}'")),
            other => return Err(format!("unexpected argument '{other}'")),
        }
    }
    let mode = mode.ok_or("missing protect or unprotect")?;
    let name = profile.ok_or("missing --profile")?;
    let profile = Profile::from_name(&name)
        .or_else(|| Profile::from_name(&name.to_ascii_uppercase()))
        .ok_or(format!("unknown profile '{name}'"))?;
    let key = key.ok_or("missing --key")?;
    let key_salt =
        decode_hex(key.trim().as_bytes()).map_err(|e| format!("--key is not hex: {e}"))?;
    let want = profile.master_key_len() + profile.master_salt_len();
    if key_salt.len() != want {
        return Err(format!(
            "--key must be {want} bytes ({} hex digits) for {profile}: a {}-byte master key \
             and a {}-byte master salt; got {} bytes",
            want * 2,
            profile.master_key_len(),
            profile.master_salt_len(),
            key_salt.len()
        ));
    }
    Ok(Parsed::Run(Args {
        mode,
        profile,
        key_salt,
        rtcp,
    }))
}

/// Runs one packet (hex text) through the context.
fn process(ctx: &mut SrtpContext, args: &Args, hex: &[u8]) -> Result<Vec<u8>, String> {
    if hex.len() > 2 * MAX_PACKET {
        return Err(format!("packet longer than {MAX_PACKET} bytes"));
    }
    let mut buf = decode_hex(hex).map_err(|e| format!("input is not hex: {e}"))?;
    let r = match (args.mode, args.rtcp) {
        (Mode::Protect, false) => ctx.protect_rtp_vec(&mut buf).map(|()| buf.len()),
        (Mode::Protect, true) => ctx.protect_rtcp_vec(&mut buf).map(|()| buf.len()),
        (Mode::Unprotect, false) => ctx.unprotect_rtp(&mut buf),
        (Mode::Unprotect, true) => ctx.unprotect_rtcp(&mut buf),
    };
    let n = r.map_err(|e| e.to_string())?;
    buf.truncate(n);
    Ok(buf)
}

fn main() -> ExitCode {
    let args = match parse_args(
        std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned()),
    ) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("srtpcat: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut ctx = match SrtpContext::from_key_salt(args.profile, &args.key_salt) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("srtpcat: {e}");
            return ExitCode::from(2);
        }
    };

    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    // Stdout is line-buffered: a caller that writes one line and waits
    // for the answer gets it at once.
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut line = Vec::new();
    let mut text = String::new();
    let mut any_failed = false;
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("srtpcat: reading standard input: {e}");
                return ExitCode::from(2);
            }
        }
        let hex = line.trim_ascii();
        if hex.is_empty() {
            continue;
        }
        text.clear();
        match process(&mut ctx, &args, hex) {
            Ok(pkt) => encode_hex(&pkt, &mut text),
            Err(e) => {
                any_failed = true;
                text.push_str("ERR ");
                text.push_str(&e);
            }
        }
        if writeln!(out, "{text}").is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if any_failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
