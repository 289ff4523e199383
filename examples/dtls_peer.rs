//! dtls_peer: one DTLS-SRTP handshake over UDP, printing what it yields.
//!
//! ```text
//! dtls_peer --listen ADDR | --connect ADDR  [--profile NAME]
//! ```
//! With `--listen` it binds ADDR and serves the first peer that sends to
//! it (DTLS server); with `--connect` it binds an ephemeral port and
//! handshakes with ADDR (DTLS client). NAME is `SRTP_AES128_CM_SHA1_80`,
//! `SRTP_AES128_CM_SHA1_32`, `SRTP_AEAD_AES_128_GCM` or
//! `SRTP_AEAD_AES_256_GCM`; without it all four are offered in that
//! order. After the handshake it prints `profile=NAME`,
//! `keying_material=HEX` (the RFC 5764 §4.2 exporter output, lowercase)
//! and `peer_fingerprint=sha-256 HEX`, and exits 0. It exits 1 if the
//! handshake fails or has not completed within 10 s, 2 on a usage error.
//!
//! It accepts any peer certificate (the fingerprint is printed, not
//! checked): it is a test tool, not a model of a secure endpoint.

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mediaplane::dtls::{Certificate, DtlsConfig, DtlsEndpoint, DtlsEvent, Role};
use mediaplane::srtp::Profile;

const USAGE: &str = r"usage: dtls_peer --listen ADDR | --connect ADDR  [--profile NAME]
Runs one DTLS 1.2 handshake with the use_srtp extension over UDP and
prints, once it completes:
  profile=NAME
  keying_material=HEX           (EXTRACTOR-dtls_srtp, 2*(key+salt) bytes)
  peer_fingerprint=sha-256 HEX  (upper-case hex with colons, as in SDP)

  --listen ADDR    bind ADDR and act as DTLS server for the first peer
  --connect ADDR   act as DTLS client towards ADDR
  --profile NAME   offer only NAME: SRTP_AES128_CM_SHA1_80,
                   SRTP_AES128_CM_SHA1_32, SRTP_AEAD_AES_128_GCM or
                   SRTP_AEAD_AES_256_GCM (default: all four, in that order)
  --help           print this help
The peer certificate is not verified (its fingerprint is printed).
Exit status: 0 handshake done, 1 handshake failed or not done within 10 s,
2 usage error.
";

/// The whole run must end within this (the contract says 10 s).
const DEADLINE: Duration = Duration::from_millis(9_500);
/// After connecting, keep answering for this long in case the peer
/// repeats its last flight because ours was lost (RFC 6347 §4.2.4).
const LINGER: Duration = Duration::from_millis(200);

/// The OpenSSL names of the DTLS-SRTP profiles, in default offer order.
const PROFILES: [(&str, Profile); 4] = [
    ("SRTP_AES128_CM_SHA1_80", Profile::Aes128CmHmacSha1_80),
    ("SRTP_AES128_CM_SHA1_32", Profile::Aes128CmHmacSha1_32),
    ("SRTP_AEAD_AES_128_GCM", Profile::AeadAes128Gcm),
    ("SRTP_AEAD_AES_256_GCM", Profile::AeadAes256Gcm),
];

fn profile_name(p: Profile) -> &'static str {
    PROFILES
        .iter()
        .find(|(_, q)| *q == p)
        .map_or("unknown", |(n, _)| n)
}

struct Args {
    role: Role,
    addr: SocketAddr,
    profiles: Vec<Profile>,
}

enum Parsed {
    Run(Args),
    Help,
}

fn parse_args(args: &[String]) -> Result<Parsed, String> {
    let mut target: Option<(Role, SocketAddr)> = None;
    let mut profiles: Option<Vec<Profile>> = None;
    let mut i = 0;
    while i < args.len() {
        let (opt, inline) = match args[i].split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_owned())),
            _ => (args[i].as_str(), None),
        };
        let mut value = || -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("{opt} needs a value"))
        };
        match opt {
            "--help" | "-h" => return Ok(Parsed::Help),
            "--listen" | "--connect" => {
                if target.is_some() {
                    return Err("give exactly one of --listen and --connect".into());
                }
                let v = value()?;
                let addr: SocketAddr = v
                    .parse()
                    .map_err(|_| format!("{opt}: expected IP:PORT, found {v:?}"))?;
                let role = if opt == "--listen" {
                    Role::Server
                } else {
                    Role::Client
                };
                target = Some((role, addr));
            }
            "--profile" => {
                let v = value()?;
                let p = PROFILES
                    .iter()
                    .find(|(n, _)| *n == v)
                    .map(|(_, p)| *p)
                    .ok_or_else(|| format!("--profile: unknown profile {v:?}"))?;
                profiles = Some(vec![p]);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
        i += 1;
    }
    let (role, addr) = target.ok_or("give one of --listen ADDR and --connect ADDR")?;
    Ok(Parsed::Run(Args {
        role,
        addr,
        profiles: profiles.unwrap_or_else(|| PROFILES.iter().map(|(_, p)| *p).collect()),
    }))
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("dtls_peer: {msg}");
    ExitCode::from(1)
}

fn run(args: Args) -> ExitCode {
    let start = Instant::now();
    let deadline = start + DEADLINE;
    let cert = match Certificate::generate() {
        Ok(c) => c,
        Err(e) => return fail(format_args!("certificate: {e}")),
    };
    let config = DtlsConfig {
        srtp_profiles: args.profiles,
        handshake_timeout: Some(DEADLINE),
        ..DtlsConfig::default()
    };
    let mut ep = match DtlsEndpoint::new_unverified(args.role, &cert, &config) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let (bind, mut peer): (SocketAddr, Option<SocketAddr>) = match args.role {
        Role::Server => (args.addr, None),
        Role::Client => {
            let any: SocketAddr = if args.addr.is_ipv4() {
                ([127, 0, 0, 1], 0).into()
            } else {
                (std::net::Ipv6Addr::LOCALHOST, 0).into()
            };
            (any, Some(args.addr))
        }
    };
    let sock = match UdpSocket::bind(bind) {
        Ok(s) => s,
        Err(e) => return fail(format_args!("bind {bind}: {e}")),
    };
    if args.role == Role::Client {
        ep.start(Instant::now());
    }

    let mut connected_at: Option<Instant> = None;
    let mut buf = vec![0u8; 65_536];
    loop {
        if let Some(to) = peer {
            while let Some(d) = ep.poll_transmit() {
                if let Err(e) = sock.send_to(&d, to) {
                    return fail(format_args!("send to {to}: {e}"));
                }
            }
        }
        while let Some(ev) = ep.poll_event() {
            match ev {
                DtlsEvent::Connected { .. } => connected_at = Some(Instant::now()),
                DtlsEvent::KeysReady(keys) => {
                    let fp = ep
                        .peer_fingerprint()
                        .map(|f| f.to_string())
                        .unwrap_or_default();
                    let mut out = std::io::stdout().lock();
                    let printed = writeln!(
                        out,
                        "profile={}\nkeying_material={}\npeer_fingerprint={fp}",
                        profile_name(keys.profile()),
                        keys.to_hex()
                    )
                    .and_then(|()| out.flush());
                    if let Err(e) = printed {
                        return fail(format_args!("stdout: {e}"));
                    }
                }
                DtlsEvent::Closed { reason } => {
                    if connected_at.is_some() {
                        // The peer closed after the handshake: done.
                        return ExitCode::SUCCESS;
                    }
                    return fail(format_args!("handshake failed: {reason}"));
                }
                _ => {}
            }
        }
        let now = Instant::now();
        if let Some(at) = connected_at {
            if now >= at + LINGER {
                return ExitCode::SUCCESS;
            }
        }
        if now >= deadline {
            return fail("handshake not completed within 10 s");
        }
        let mut wake = deadline;
        if let Some(t) = ep.poll_timeout() {
            wake = wake.min(t);
        }
        if let Some(at) = connected_at {
            wake = wake.min(at + LINGER);
        }
        let wait = wake
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        if let Err(e) = sock.set_read_timeout(Some(wait)) {
            return fail(format_args!("socket: {e}"));
        }
        match sock.recv_from(&mut buf) {
            Ok((n, from)) => {
                if *peer.get_or_insert(from) != from {
                    continue; // only the first peer is served
                }
                let d = &buf[..n];
                // RFC 7983: DTLS is 20..=63.
                if matches!(d.first(), Some(20..=63)) {
                    // A malformed datagram is dropped; the handshake goes on.
                    let _ = ep.handle_datagram(Instant::now(), d);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                // ICMP port unreachable from a peer not listening yet: the
                // retransmission timer tries again.
            }
            Err(e) => return fail(format_args!("receive: {e}")),
        }
        ep.handle_timeout(Instant::now());
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Parsed::Run(a)) => run(a),
        Err(e) => {
            eprintln!("dtls_peer: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
