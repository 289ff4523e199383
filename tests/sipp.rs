//! Interop with SIPp: its stock `uac` scenario (INVITE, 100/180/200 with
//! SDP, ACK, BYE, 200) places 60 calls against the `sip_uas` example, and
//! every one must succeed; a second test sends malformed requests and checks
//! that the UAS answers 400 where it can and keeps serving. The example is
//! built with the same profile as this test and run as a child process.
//! Without `sipp` on PATH the first test prints why it is skipped; CI
//! installs SIPp (Debian `sip-tester`), so there it always runs.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mediaplane::sip::{HeaderName, Message};

const CALLS: u64 = 60;
/// SIPp's own global timeout; the test gives it a little more before
/// killing it.
const SIPP_TIMEOUT: Duration = Duration::from_secs(60);

/// Kills and reaps the child when dropped, so a failed assertion leaves no
/// process behind.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for `child` for at most `limit`.
fn wait_bounded(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let end = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < end => thread::sleep(Duration::from_millis(20)),
            _ => return None,
        }
    }
}

/// The `sip_uas` example, built with this test's profile: cargo does not
/// hand integration tests the paths of examples, so this builds it and
/// finds it beside the test binary (`target/<profile>/deps/..`).
fn uas_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args([
                "build",
                "--quiet",
                "--example",
                "sip_uas",
                "--manifest-path",
            ])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .stdin(Stdio::null());
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let status = build
            .status()
            .expect("cannot run cargo to build the sip_uas example");
        assert!(
            status.success(),
            "cargo build --example sip_uas failed: {status}"
        );
        let exe = std::env::current_exe().expect("no path for the test binary");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary is not in target/<profile>/deps");
        let bin = profile_dir
            .join("examples")
            .join(format!("sip_uas{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "{} was not built", bin.display());
        bin
    })
}

/// A running `sip_uas`, its address and the rest of its stdout.
struct Uas {
    child: Reaped,
    addr: SocketAddr,
    stdout: JoinHandle<String>,
}

impl Uas {
    fn start(args: &[&str]) -> Uas {
        let mut child = Command::new(uas_binary())
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map(Reaped)
            .expect("cannot start sip_uas");
        let out = child.0.stdout.take().expect("stdout is piped");
        let (first_tx, first_rx) = mpsc::channel();
        // Keep draining stdout, so the UAS never writes into a closed pipe.
        let stdout = thread::spawn(move || {
            let mut lines = BufReader::new(out).lines();
            let first = lines.next().and_then(Result::ok).unwrap_or_default();
            let _ = first_tx.send(first);
            lines.map_while(Result::ok).collect::<Vec<_>>().join("\n")
        });
        let first = first_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("sip_uas printed no address within 10 s");
        let addr = first
            .rsplit(' ')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in the first line of sip_uas: {first:?}"));
        Uas {
            child,
            addr,
            stdout,
        }
    }
}

fn in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A UDP port free on 127.0.0.1 at the time of asking, with `then` more
/// free after it (SIPp binds its media port and the one two above).
fn free_udp_port(then: u16) -> u16 {
    for _ in 0..50 {
        let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(port) = sock.local_addr().map(|a| a.port()) else {
            continue;
        };
        let rest_free = (1..=then).all(|i| {
            port.checked_add(i)
                .is_some_and(|p| UdpSocket::bind(("127.0.0.1", p)).is_ok())
        });
        if rest_free {
            return port;
        }
    }
    panic!("no free udp port on 127.0.0.1");
}

/// The last row of SIPp's `-trace_stat` CSV, by column name.
fn last_stats(csv: &str) -> HashMap<String, String> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let last: Vec<&str> = lines.next_back().unwrap_or_default().split(';').collect();
    header
        .into_iter()
        .zip(last)
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The cumulative value of a counter in the last statistics screen of
/// SIPp's `-trace_screen` log (`  Successful call | 0 | 60`).
fn screen_counter(screen: &str, name: &str) -> Option<u64> {
    screen
        .lines()
        .rev()
        .find(|l| l.split('|').next().is_some_and(|n| n.trim() == name))
        .and_then(|l| l.rsplit('|').next())
        .and_then(|v| v.trim().parse().ok())
}

fn scratch_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).expect("cannot create a scratch directory");
    dir
}

#[test]
fn sipp_uac_calls_all_complete() {
    let Some(sipp) = in_path("sipp") else {
        eprintln!(
            "skipped sipp_uac_calls_all_complete: sipp is not on PATH \
             (Debian/Ubuntu: apt-get install sip-tester)"
        );
        return;
    };
    let calls = CALLS.to_string();
    let mut uas = Uas::start(&["--max-calls", &calls]);
    let dir = scratch_dir("sipp");
    let sip_port = free_udp_port(0).to_string();
    let media_port = free_udp_port(2).to_string();
    let remote = uas.addr.to_string();
    let timeout = format!("{}s", SIPP_TIMEOUT.as_secs());
    let started = Instant::now();
    let mut child = Command::new(&sipp)
        .current_dir(&dir)
        .args(["-sn", "uac", &remote, "-m", &calls, "-r", "30", "-l", "20"])
        .args(["-i", "127.0.0.1", "-p", &sip_port, "-mp", &media_port])
        .args(["-timeout", &timeout, "-timeout_error", "-nostdin"])
        .args(["-trace_stat", "-stf", "stat.csv", "-fd", "1"])
        .args(["-trace_screen", "-screen_file", "screen.log"])
        .args(["-trace_err", "-error_file", "errors.log"])
        .stdin(Stdio::null())
        .stdout(File::create(dir.join("stdout.log")).expect("cannot create stdout.log"))
        .stderr(File::create(dir.join("stderr.log")).expect("cannot create stderr.log"))
        .spawn()
        .map(Reaped)
        .expect("cannot start sipp");
    let status = wait_bounded(&mut child.0, SIPP_TIMEOUT + Duration::from_secs(15));
    let elapsed = started.elapsed();
    drop(child);

    let read = |name: &str| fs::read_to_string(dir.join(name)).unwrap_or_default();
    let screen = read("screen.log");
    let context = || {
        format!(
            "scratch directory {}\n--- sipp stderr ---\n{}\n--- errors.log ---\n{}\n--- last screen ---\n{}",
            dir.display(),
            read("stderr.log"),
            read("errors.log"),
            screen.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n"),
        )
    };
    let Some(status) = status else {
        panic!(
            "sipp did not finish within {:?}\n{}",
            SIPP_TIMEOUT,
            context()
        );
    };

    let stats = last_stats(&read("stat.csv"));
    let counter = |name: &str| -> u64 {
        stats
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in sipp's stat.csv\n{}", context()))
    };
    let created = counter("OutgoingCall(C)");
    let successful = counter("SuccessfulCall(C)");
    let failed = counter("FailedCall(C)");
    let retransmissions = counter("Retransmissions(C)");
    let unexpected = counter("FailedUnexpectedMessage(C)");
    println!(
        "sipp: {created} calls, {successful} successful, {failed} failed, \
         {retransmissions} retransmissions, {unexpected} unexpected messages, \
         in {:.2} s (sipp {status})",
        elapsed.as_secs_f64()
    );

    assert_eq!(
        status.code(),
        Some(0),
        "sipp reports failed calls\n{}",
        context()
    );
    assert_eq!(created, CALLS, "calls placed\n{}", context());
    assert_eq!(successful, CALLS, "successful calls\n{}", context());
    assert_eq!(failed, 0, "failed calls\n{}", context());
    assert_eq!(
        screen_counter(&screen, "Successful call"),
        Some(CALLS),
        "{}",
        context()
    );
    assert_eq!(
        screen_counter(&screen, "Failed call"),
        Some(0),
        "{}",
        context()
    );

    // The UAS counted the same calls and exited on its own (--max-calls).
    let exit = wait_bounded(&mut uas.child.0, Duration::from_secs(10));
    assert!(exit.is_some_and(|s| s.success()), "sip_uas exit: {exit:?}");
    let rest = uas.stdout.join().unwrap_or_default();
    assert!(
        rest.contains(&format!("{CALLS} calls completed")),
        "sip_uas said: {rest}"
    );
    let _ = fs::remove_dir_all(&dir);
}

fn options(call_id: &str, cseq: &str, local: SocketAddr, extra: &str) -> Vec<u8> {
    format!(
        "OPTIONS sip:uas@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:test@{local}>;tag=t1\r\n\
         To: <sip:uas@127.0.0.1>\r\n\
         {extra}\
         CSeq: {cseq}\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn malformed_requests_get_400_and_the_uas_keeps_serving() {
    let uas = Uas::start(&["--quiet"]);
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("set timeout");
    let local = sock.local_addr().expect("local address");
    let mut buf = vec![0u8; 65_535];

    // Not SIP at all: nothing to answer.
    sock.send_to(b"\x16\x03\x01 hello\r\n\r\n", uas.addr)
        .expect("send");
    // No Call-ID: it fails validation, and no answer can be correlated.
    sock.send_to(&options("none", "1 OPTIONS", local, ""), uas.addr)
        .expect("send");
    // The CSeq method differs from the request's: 400 with a Warning.
    sock.send_to(
        &options("bad", "1 INVITE", local, "Call-ID: bad-cseq\r\n"),
        uas.addr,
    )
    .expect("send");
    // Loopback keeps the order, so the first answer must be the 400.
    let (n, from) = sock
        .recv_from(&mut buf)
        .expect("no answer to the malformed request");
    assert_eq!(from, uas.addr);
    let bytes = buf.get(..n).expect("datagram");
    let answer = Message::parse(bytes).expect("the 400 parses");
    answer.validate().expect("the 400 is valid");
    assert_eq!(
        answer.status(),
        Some(400),
        "{}",
        String::from_utf8_lossy(bytes)
    );
    assert_eq!(answer.call_id().ok(), Some("bad-cseq"));
    let warning = answer
        .header(HeaderName::Warning)
        .map(|h| String::from_utf8_lossy(h.value).into_owned())
        .expect("the 400 carries a Warning");
    assert!(warning.starts_with("399 "), "{warning}");
    assert!(warning.contains("cseq"), "{warning}");

    // Still serving: OPTIONS gets 200 with Allow.
    sock.send_to(
        &options("good", "2 OPTIONS", local, "Call-ID: good\r\n"),
        uas.addr,
    )
    .expect("send");
    let (n, _) = sock.recv_from(&mut buf).expect("no answer to OPTIONS");
    let bytes = buf.get(..n).expect("datagram");
    let answer = Message::parse(bytes).expect("the 200 parses");
    answer.validate().expect("the 200 is valid");
    assert_eq!(
        answer.status(),
        Some(200),
        "{}",
        String::from_utf8_lossy(bytes)
    );
    assert_eq!(answer.call_id().ok(), Some("good"));
    let allow = answer
        .header(HeaderName::Allow)
        .map(|h| String::from_utf8_lossy(h.value).into_owned())
        .unwrap_or_default();
    for method in ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"] {
        assert!(allow.contains(method), "Allow: {allow}");
    }
    drop(uas);
}
