//! A real browser against `examples/webrtc_echo`: headless Chromium opens
//! the echo page, offers its fake microphone over WebRTC, and must reach
//! `connected` and receive at least 50 audio packets of our echo (decrypted,
//! given a new SSRC and encrypted again by `WebRtcTransport`). The page is
//! driven by `tests/webrtc/drive.mjs` (playwright-core). Skipped with a
//! printed reason only when chromium or node is absent.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

/// The whole test ends within about this.
const BOUND: Duration = Duration::from_secs(60);

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn have_node() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Kills the child when dropped, so no path out of the test leaves it.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for `child` until `deadline`, killing it then; returns its exit
/// code (None when killed or signalled).
fn wait_until(child: &mut Child, deadline: Instant) -> Option<i32> {
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return st.code();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "--example", "webrtc_echo"]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    assert!(
        cmd.status().unwrap().success(),
        "building webrtc_echo failed"
    );
    let bin = dir.join("examples").join("webrtc_echo");
    assert!(bin.exists(), "{} not built", bin.display());
    bin
}

/// Installs playwright-core from the lock file when it is missing.
fn node_deps(dir: &Path, deadline: Instant) {
    if dir.join("node_modules").join("playwright-core").exists() {
        return;
    }
    let mut npm = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("npm is needed to install playwright-core");
    let code = wait_until(
        &mut npm,
        deadline.min(Instant::now() + Duration::from_secs(120)),
    );
    assert_eq!(code, Some(0), "npm ci --prefix {} failed", dir.display());
}

#[test]
fn chromium_connects_and_hears_the_echo() {
    if !chromium().exists() {
        eprintln!("skipped: {} is not installed", chromium().display());
        return;
    }
    if !have_node() {
        eprintln!("skipped: node is not installed");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let webrtc = root.join("tests").join("webrtc");
    let bin = example_binary();
    let start = Instant::now();
    node_deps(&webrtc, start + BOUND);

    let mut echo = Guard(
        Command::new(&bin)
            .args(["--exit-after", "60"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = channel();
    let out = echo.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut url = None;
    let mut lines = Vec::new();
    while url.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("webrtc_echo printed no http= line");
        if let Some(u) = line.strip_prefix("http=") {
            url = Some(u.to_owned());
        }
        lines.push(line);
    }
    let url = url.unwrap();

    let mut driver = Guard(
        Command::new("node")
            .arg(webrtc.join("drive.mjs"))
            .args([url.as_str(), "20000", "50"])
            .env("CHROMIUM", chromium())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let deadline = (start + BOUND).max(Instant::now() + Duration::from_secs(30));
    let code = wait_until(&mut driver.0, deadline);
    let mut stdout = String::new();
    let mut stderr = String::new();
    driver
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    driver
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    drop(echo);
    lines.extend(rx.try_iter());
    let report = format!(
        "driver exit {code:?}\nstdout: {stdout}\nstderr: {stderr}\necho: {}",
        lines.join("\n")
    );
    println!("{}", stdout.trim());
    let json: serde_json::Value = serde_json::from_str(
        stdout
            .lines()
            .last()
            .unwrap_or_else(|| panic!("no JSON line\n{report}")),
    )
    .unwrap_or_else(|e| panic!("driver output is not JSON: {e}\n{report}"));
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(json["ok"], true, "{report}");
    assert_eq!(json["connectionState"], "connected", "{report}");
    assert!(
        json["packetsReceived"].as_u64().unwrap_or(0) >= 50,
        "{report}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("dtls connected")),
        "{report}"
    );
}
