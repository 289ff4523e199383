//! DTLS-SRTP interop with OpenSSL: `openssl s_server` against
//! `dtls_peer --connect` and `openssl s_client` against `dtls_peer
//! --listen`, on 127.0.0.1, for every DTLS-SRTP profile, with ECDSA P-256
//! and RSA 2048 certificates on the OpenSSL side. Both sides must export
//! the same keying material, and the fingerprint we print must be the one
//! `openssl x509 -fingerprint -sha256` gives for OpenSSL's certificate.

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Every child process is killed after this.
const BOUND: Duration = Duration::from_secs(15);

/// (OpenSSL profile name, keying material length = 2 * (key + salt)).
const PROFILES: [(&str, usize); 4] = [
    ("SRTP_AES128_CM_SHA1_80", 60),
    ("SRTP_AES128_CM_SHA1_32", 60),
    ("SRTP_AEAD_AES_128_GCM", 56),
    ("SRTP_AEAD_AES_256_GCM", 88),
];

fn dtls_peer() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // Integration tests live in target/<profile>/deps, examples in
        // target/<profile>/examples; build the example here, once per run,
        // so that it is never a stale one.
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "--example", "dtls_peer"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        assert!(cmd.status().unwrap().success());
        let bin = dir.join("examples").join("dtls_peer");
        assert!(bin.exists(), "{} not built", bin.display());
        bin
    })
    .clone()
}

/// Whether the `openssl` command is present; prints why a test is skipped
/// when it is not.
fn have_openssl() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: the openssl command is not installed");
    }
    ok
}

struct Certs {
    dir: PathBuf,
}

impl Certs {
    fn crt(&self, kind: &str) -> PathBuf {
        self.dir.join(format!("{kind}.crt"))
    }
    fn key(&self, kind: &str) -> PathBuf {
        self.dir.join(format!("{kind}.key"))
    }
}

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An ECDSA P-256 ("ec") and an RSA 2048 ("rsa") self-signed certificate
/// in a fresh temporary directory.
fn make_certs() -> Certs {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mediaplane-dtls-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let certs = Certs { dir };
    for (kind, newkey) in [
        (
            "ec",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"][..],
        ),
        ("rsa", &["-newkey", "rsa:2048"][..]),
    ] {
        let st = Command::new("openssl")
            .args(["req", "-x509"])
            .args(newkey)
            .args(["-nodes", "-days", "30", "-subj", "/CN=openssl-peer"])
            .arg("-keyout")
            .arg(certs.key(kind))
            .arg("-out")
            .arg(certs.crt(kind))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "openssl req for {kind} failed");
    }
    certs
}

/// `openssl x509 -fingerprint -sha256` of a certificate, as `AA:BB:...`.
fn openssl_fingerprint(crt: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(crt)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim()
        .split_once('=')
        .expect("Fingerprint=...")
        .1
        .to_owned()
}

/// A UDP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child whose stdout lines arrive on a channel, killed when dropped.
struct Proc {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Proc {
    fn spawn(cmd: &mut Command) -> Proc {
        // OpenSSL's s_server and s_client end when stdin closes: keep it
        // open as a pipe for as long as the child lives.
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        for out in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Proc {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (until `deadline`) for a line containing `needle`; returns
    /// it.
    fn wait_for(&mut self, needle: &str, deadline: Instant) -> Option<String> {
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return Some(l.clone());
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(needle) {
                        return Some(l);
                    }
                }
                Err(_) => return None,
            }
        }
    }

    /// Waits (until `deadline`) for the child to exit; kills it if it
    /// does not. Returns the exit code, None if killed.
    fn wait_exit(&mut self, deadline: Instant) -> Option<i32> {
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                // Collect what is left of its output.
                while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push(l);
                }
                return st.code();
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn output(&self) -> String {
        self.seen.join("\n")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `dtls_peer` printed.
struct PeerOut {
    profile: String,
    keying_material: String,
    peer_fingerprint: String,
}

fn parse_peer(lines: &[String]) -> PeerOut {
    let get = |k: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k}= line in {lines:?}"))
            .to_owned()
    };
    PeerOut {
        profile: get("profile"),
        keying_material: get("keying_material"),
        peer_fingerprint: get("peer_fingerprint"),
    }
}

/// OpenSSL's "Keying material: HEX", lowercased.
fn openssl_keying_material(p: &mut Proc, deadline: Instant) -> String {
    let line = p
        .wait_for("Keying material:", deadline)
        .unwrap_or_else(|| panic!("openssl printed no keying material:\n{}", p.output()));
    line.split_once(':').unwrap().1.trim().to_ascii_lowercase()
}

fn check(ours: &PeerOut, theirs_km: &str, profile: &str, len: usize, fingerprint: &str) {
    assert_eq!(ours.profile, profile);
    assert_eq!(ours.keying_material.len(), 2 * len);
    assert!(ours
        .keying_material
        .bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    assert_eq!(ours.keying_material, theirs_km, "keying material differs");
    assert_eq!(ours.peer_fingerprint, format!("sha-256 {fingerprint}"));
}

fn report(side: &str, kind: &str, profile: &str, len: usize) {
    eprintln!(
        "ok: openssl {side} ({kind} certificate), {profile}: {len} bytes of keying material match"
    );
}

/// Whether this OpenSSL knows the profile in `-use_srtp` (it refuses to
/// start otherwise).
fn openssl_has_profile(p: &mut Proc, deadline: Instant) -> bool {
    if p.wait_for("ACCEPT", deadline).is_some() {
        return true;
    }
    let out = p.output();
    assert!(
        out.to_ascii_lowercase().contains("srtp"),
        "openssl s_server did not start:\n{out}"
    );
    false
}

/// Whether `openssl s_server -use_srtp profile` starts.
fn openssl_supports(certs: &Certs, profile: &str) -> bool {
    let mut server = Proc::spawn(
        Command::new("openssl")
            .args(["s_server", "-dtls1_2", "-use_srtp", profile])
            .arg("-cert")
            .arg(certs.crt("ec"))
            .arg("-key")
            .arg(certs.key("ec"))
            .args(["-accept", &format!("127.0.0.1:{}", free_port())]),
    );
    openssl_has_profile(&mut server, Instant::now() + BOUND)
}

/// `openssl s_server` with `kind`'s certificate against `dtls_peer
/// --connect` offering every profile.
fn openssl_server_case(certs: &Certs, kind: &str, profile: &str, len: usize) -> bool {
    // Built first, so that building never eats into a deadline.
    let bin = dtls_peer();
    let deadline = Instant::now() + BOUND;
    let port = free_port();
    let mut server = Proc::spawn(
        Command::new("openssl")
            .args(["s_server", "-dtls1_2", "-use_srtp", profile])
            .args(["-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen"])
            .arg(len.to_string())
            .arg("-cert")
            .arg(certs.crt(kind))
            .arg("-key")
            .arg(certs.key(kind))
            .args(["-accept", &format!("127.0.0.1:{port}")]),
    );
    if !openssl_has_profile(&mut server, deadline) {
        eprintln!("skipped: this openssl has no use_srtp profile {profile}");
        return false;
    }
    let mut peer =
        Proc::spawn(Command::new(&bin).args(["--connect", &format!("127.0.0.1:{port}")]));
    let code = peer.wait_exit(deadline);
    assert_eq!(
        code,
        Some(0),
        "dtls_peer --connect:\n{}\nopenssl:\n{}",
        peer.output(),
        server.output()
    );
    let ours = parse_peer(&peer.seen);
    let theirs = openssl_keying_material(&mut server, deadline);
    let negotiated = server
        .wait_for("SRTP Extension negotiated", deadline)
        .unwrap_or_default();
    assert!(
        negotiated.ends_with(&format!("profile={profile}")),
        "{negotiated}"
    );
    check(
        &ours,
        &theirs,
        profile,
        len,
        &openssl_fingerprint(&certs.crt(kind)),
    );
    report("s_server", kind, profile, len);
    true
}

/// `openssl s_client` with `kind`'s certificate against `dtls_peer
/// --listen --profile`.
fn openssl_client_case(certs: &Certs, kind: &str, profile: &str, len: usize) {
    // Built first, so that building never eats into a deadline.
    let bin = dtls_peer();
    let deadline = Instant::now() + BOUND;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut peer = Proc::spawn(Command::new(&bin).args(["--listen", &addr, "--profile", profile]));
    // Let it bind before the ClientHello goes out (an early one would be
    // answered with ICMP port unreachable, which ends s_client).
    std::thread::sleep(Duration::from_millis(300));
    let mut client = Proc::spawn(
        Command::new("openssl")
            .args(["s_client", "-dtls1_2", "-use_srtp", profile])
            .args(["-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen"])
            .arg(len.to_string())
            .arg("-cert")
            .arg(certs.crt(kind))
            .arg("-key")
            .arg(certs.key(kind))
            .args(["-connect", &addr]),
    );
    let code = peer.wait_exit(deadline);
    assert_eq!(
        code,
        Some(0),
        "dtls_peer --listen:\n{}\nopenssl:\n{}",
        peer.output(),
        client.output()
    );
    let ours = parse_peer(&peer.seen);
    let theirs = openssl_keying_material(&mut client, deadline);
    check(
        &ours,
        &theirs,
        profile,
        len,
        &openssl_fingerprint(&certs.crt(kind)),
    );
    report("s_client", kind, profile, len);
}

#[test]
fn openssl_server_and_dtls_peer_client_export_the_same_keys() {
    if !have_openssl() {
        return;
    }
    let certs = make_certs();
    let mut done = 0;
    for (profile, len) in PROFILES {
        for kind in ["ec", "rsa"] {
            if openssl_server_case(&certs, kind, profile, len) {
                done += 1;
            }
        }
    }
    // Every OpenSSL with DTLS-SRTP has at least the two AES-CM profiles.
    assert!(done >= 4, "only {done} cases ran");
}

#[test]
fn openssl_client_and_dtls_peer_server_export_the_same_keys() {
    if !have_openssl() {
        return;
    }
    let certs = make_certs();
    for (profile, len) in PROFILES {
        if !openssl_supports(&certs, profile) {
            eprintln!("skipped: this openssl has no use_srtp profile {profile}");
            continue;
        }
        for kind in ["ec", "rsa"] {
            openssl_client_case(&certs, kind, profile, len);
        }
    }
}

#[test]
fn dtls_peer_fails_with_status_1_when_no_profile_is_shared() {
    // Built first, so that building never eats into a deadline.
    let bin = dtls_peer();
    if !have_openssl() {
        return;
    }
    let certs = make_certs();
    let deadline = Instant::now() + BOUND;
    let port = free_port();
    let mut server = Proc::spawn(
        Command::new("openssl")
            .args([
                "s_server",
                "-dtls1_2",
                "-use_srtp",
                "SRTP_AES128_CM_SHA1_80",
            ])
            .arg("-cert")
            .arg(certs.crt("ec"))
            .arg("-key")
            .arg(certs.key("ec"))
            .args(["-accept", &format!("127.0.0.1:{port}")]),
    );
    assert!(
        server.wait_for("ACCEPT", deadline).is_some(),
        "{}",
        server.output()
    );
    let mut peer = Proc::spawn(Command::new(&bin).args([
        "--connect",
        &format!("127.0.0.1:{port}"),
        "--profile",
        "SRTP_AEAD_AES_256_GCM",
    ]));
    assert_eq!(peer.wait_exit(deadline), Some(1), "{}", peer.output());
    assert!(!peer.seen.iter().any(|l| l.starts_with("keying_material=")));
}

#[test]
fn dtls_peer_gives_up_with_status_1_when_nobody_answers() {
    // Built first, so that building never eats into a deadline.
    let bin = dtls_peer();
    // Nothing listens on the port: the handshake cannot complete, and the
    // tool must end with status 1 on its own (before the 15 s kill).
    let port = free_port();
    let mut peer =
        Proc::spawn(Command::new(&bin).args(["--connect", &format!("127.0.0.1:{port}")]));
    assert_eq!(
        peer.wait_exit(Instant::now() + BOUND),
        Some(1),
        "{}",
        peer.output()
    );
}

#[test]
fn dtls_peer_usage() {
    // Built first, so that building never eats into a deadline.
    let bin = dtls_peer();
    let run = |args: &[&str]| {
        let out = Command::new(&bin).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(&["--help"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("usage: dtls_peer --listen ADDR | --connect ADDR"));
    for bad in [
        &[][..],
        &["--listen"],
        &["--listen", "nowhere"],
        &["--connect", "127.0.0.1:1", "--listen", "127.0.0.1:2"],
        &["--connect", "127.0.0.1:1", "--profile", "SRTP_NULL"],
        &["--frobnicate"],
    ] {
        assert_eq!(run(bad).0, Some(2), "{bad:?}");
    }
}

/// Runs `openssl` with `args`, asserting success.
fn openssl(args: &[&std::ffi::OsStr]) {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pem_keys_in_every_standard_label_load_and_handshake() {
    use mediaplane::dtls::{Certificate, DtlsConfig, DtlsEndpoint, DtlsEvent, DtlsState, Role};

    if !have_openssl() {
        return;
    }
    let certs = make_certs();
    let d = |name: &str| certs.dir.join(name);
    // SEC 1 "EC PRIVATE KEY" and PKCS#1 "RSA PRIVATE KEY" beside the
    // PKCS#8 "PRIVATE KEY" files openssl req wrote.
    openssl(&[
        "ec".as_ref(),
        "-in".as_ref(),
        certs.key("ec").as_os_str(),
        "-out".as_ref(),
        d("ec-sec1.key").as_os_str(),
    ]);
    openssl(&[
        "rsa".as_ref(),
        "-traditional".as_ref(),
        "-in".as_ref(),
        certs.key("rsa").as_os_str(),
        "-out".as_ref(),
        d("rsa-pkcs1.key").as_os_str(),
    ]);
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
    let cases = [
        ("ec", certs.key("ec"), "-----BEGIN PRIVATE KEY-----"),
        ("ec", d("ec-sec1.key"), "-----BEGIN EC PRIVATE KEY-----"),
        ("rsa", certs.key("rsa"), "-----BEGIN PRIVATE KEY-----"),
        ("rsa", d("rsa-pkcs1.key"), "-----BEGIN RSA PRIVATE KEY-----"),
    ];
    for (kind, key, label) in cases {
        let key_pem = read(key);
        assert!(key_pem.starts_with(label), "{kind}: {key_pem:.40}");
        let cert_pem = read(certs.crt(kind));
        let ours = Certificate::from_pem(&cert_pem, &key_pem).unwrap();
        // The same certificate and key in one text loads too.
        let both = format!("{cert_pem}{key_pem}");
        assert_eq!(
            Certificate::from_pem(&both, &both).unwrap().fingerprint(),
            ours.fingerprint()
        );
        assert_eq!(
            ours.fingerprint().to_string(),
            format!("sha-256 {}", openssl_fingerprint(&certs.crt(kind)))
        );

        // The loaded certificate serves a handshake, as server and as
        // client, against a generated one.
        let other = Certificate::generate().unwrap();
        let cfg = DtlsConfig::default();
        for role in [Role::Server, Role::Client] {
            let peer_role = if role == Role::Server {
                Role::Client
            } else {
                Role::Server
            };
            let mut a = DtlsEndpoint::new(role, &ours, &[other.fingerprint()], &cfg).unwrap();
            let mut b = DtlsEndpoint::new(peer_role, &other, &[ours.fingerprint()], &cfg).unwrap();
            let now = Instant::now();
            a.start(now);
            b.start(now);
            for _ in 0..16 {
                let mut moved = false;
                while let Some(x) = a.poll_transmit() {
                    b.handle_datagram(now, &x).unwrap();
                    moved = true;
                }
                while let Some(x) = b.poll_transmit() {
                    a.handle_datagram(now, &x).unwrap();
                    moved = true;
                }
                if !moved {
                    break;
                }
            }
            assert_eq!(
                a.state(),
                DtlsState::Connected,
                "{kind} {label} as {role:?}"
            );
            assert_eq!(
                b.state(),
                DtlsState::Connected,
                "{kind} {label} as {role:?}"
            );
            assert_eq!(b.peer_fingerprint(), Some(ours.fingerprint()));
            let ka = a.keying_material().unwrap();
            let kb = b.keying_material().unwrap();
            assert_eq!(ka.as_bytes(), kb.as_bytes());
            assert!(matches!(a.poll_event(), Some(DtlsEvent::Connected { .. })));
        }
    }
}
