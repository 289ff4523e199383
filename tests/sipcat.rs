//! The `sipcat` example's contract, checked on the RFC 4475 vectors: one
//! JSON line per file with the documented keys, and exit status 0 / 1 / 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn sipcat() -> PathBuf {
    // Integration tests live in target/<profile>/deps; cargo test builds the
    // examples into target/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join("examples").join("sipcat");
    if !bin.exists() {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--example", "sipcat"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        assert!(cmd.status().unwrap().success());
    }
    bin
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc4475")
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> (i32, Vec<Value>) {
    let mut child = Command::new(sipcat())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut si = child.stdin.take().unwrap();
        if let Some(data) = stdin {
            si.write_all(data).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (out.status.code().unwrap(), lines)
}

const ACCEPTED_KEYS: &[&str] = &[
    "call_id",
    "cseq",
    "cseq_method",
    "from_tag",
    "to_tag",
    "via_branches",
    "max_forwards",
    "content_length",
    "body_len",
    "header_count",
];

#[test]
fn judges_every_vector() {
    let tsv = std::fs::read_to_string(vectors().join("expected.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = tsv
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let files: Vec<String> = rows
        .iter()
        .map(|r| vectors().join(r[0]).to_string_lossy().into_owned())
        .collect();
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (code, lines) = run(&args, None);
    assert_eq!(code, 1, "some vectors are rejected");
    assert_eq!(lines.len(), rows.len());
    let must_reject = |r: &Vec<&str>| {
        r[1].starts_with("3.1.2")
            || r[1] == "-"
            || ["insuf.dat", "multi01.dat", "mcl01.dat"].contains(&r[0])
    };
    for (row, line) in rows.iter().zip(&lines) {
        assert_eq!(
            line["file"],
            Value::from(vectors().join(row[0]).to_string_lossy().as_ref())
        );
        if must_reject(row) {
            assert_eq!(line["ok"], Value::Bool(false), "{}: {line}", row[0]);
            assert!(line["error"].as_str().is_some_and(|e| !e.is_empty()));
            assert!(line["offset"].is_null() || line["offset"].is_u64());
            continue;
        }
        assert_eq!(line["ok"], Value::Bool(true), "{}: {line}", row[0]);
        for k in ACCEPTED_KEYS {
            assert!(line.get(k).is_some(), "{}: missing {k}", row[0]);
        }
        if line["type"] == "request" {
            assert_eq!(line["method"], row[3], "{}", row[0]);
            assert_eq!(line["uri"], row[4], "{}", row[0]);
        } else {
            assert_eq!(line["type"], "response");
            assert_eq!(line["status"].to_string(), row[3], "{}", row[0]);
            assert!(line["reason"].is_string());
        }
        let opt = |s: &str| {
            if s == "-" {
                Value::Null
            } else {
                Value::from(s)
            }
        };
        assert_eq!(line["call_id"], row[5], "{}", row[0]);
        assert_eq!(line["cseq"].to_string(), row[6], "{}", row[0]);
        assert_eq!(line["cseq_method"], row[7], "{}", row[0]);
        assert_eq!(line["from_tag"], opt(row[8]), "{}", row[0]);
        assert_eq!(line["to_tag"], opt(row[9]), "{}", row[0]);
        assert_eq!(
            line["via_branches"].as_array().unwrap().len().to_string(),
            row[10],
            "{}",
            row[0]
        );
        let num = |s: &str| {
            if s == "-" {
                Value::Null
            } else {
                Value::from(s.parse::<u64>().unwrap())
            }
        };
        assert_eq!(line["max_forwards"], num(row[11]), "{}", row[0]);
        assert_eq!(line["content_length"], num(row[12]), "{}", row[0]);
        assert_eq!(line["body_len"], num(row[13]), "{}", row[0]);
        assert!(line["header_count"].as_u64().unwrap() >= 3);
    }
}

#[test]
fn wsinv_fields_and_exit_zero() {
    let f = vectors().join("wsinv.dat");
    let (code, lines) = run(&[f.to_str().unwrap()], None);
    assert_eq!(code, 0);
    let l = &lines[0];
    assert_eq!(
        l["via_branches"],
        serde_json::json!(["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
    );
    assert_eq!(l["to_tag"], "1918181833n");
    assert_eq!(l["max_forwards"], 68);
}

#[test]
fn stdin_and_dash() {
    let raw = std::fs::read(vectors().join("lwsdisp.dat")).unwrap();
    for args in [&[][..], &["-"][..]] {
        let (code, lines) = run(args, Some(&raw));
        assert_eq!(code, 0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["file"], "-");
        assert_eq!(lines[0]["method"], "OPTIONS");
    }
    let (code, lines) = run(
        &[],
        Some(b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nContent-Length: 40\r\n\r\nshort"),
    );
    assert_eq!(code, 1);
    assert_eq!(lines[0]["ok"], false);
    assert!(lines[0]["offset"].is_u64());
}

#[test]
fn usage_and_io_errors_exit_two() {
    let (code, lines) = run(&["--bogus"], None);
    assert_eq!(code, 2);
    assert!(lines.is_empty());
    let (code, _) = run(&["/nonexistent/file.sip"], None);
    assert_eq!(code, 2);
    let help = Command::new(sipcat()).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: sipcat [FILE...]"));
}
