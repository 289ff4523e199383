//! RFC 4475 torture tests: every message of the RFC's Appendix A archive,
//! judged against the oracle in `tests/data/rfc4475/expected.tsv`.
//!
//! * `valid` messages parse, validate, and decode to the expected fields;
//! * `invalid` messages (§3.1.2 syntax errors) are rejected by the parser or
//!   the validator with the specific reason listed below;
//! * `semantic` messages are well-formed: those the RFC says an element must
//!   answer 400 for (or 505 for the version) are flagged by `validate` with
//!   the reason listed below; the rest (416, 420, 415, 406, ... decisions of
//!   the application) parse and validate, with the expected fields.

use std::path::PathBuf;

use mediaplane::sip::Message;
use mediaplane::ErrorKind;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc4475")
}

/// Messages that must be rejected, with a fragment of the reason each must
/// be rejected for.
const REJECTED: &[(&str, &str)] = &[
    ("badinv01.dat", "expected a parameter name"),
    ("clerr.dat", "larger than the bytes that arrived"),
    ("ncl.dat", "malformed content-length"),
    ("scalar02.dat", "below 2^31"),
    ("scalarlg.dat", "below 2^31"),
    ("quotbal.dat", "unterminated quoted string"),
    ("ltgtruri.dat", "invalid scheme"),
    (
        "lwsruri.dat",
        "white space or control character in request-uri",
    ),
    (
        "lwsstart.dat",
        "more than one SP between request line elements",
    ),
    ("trws.dat", "white space after the SIP version"),
    ("escruri.dat", "request-uri must not carry headers"),
    ("baddate.dat", "malformed date"),
    ("regbadct.dat", "must be enclosed in '<>'"),
    ("badaspec.dat", "expected '>'"),
    ("baddn.dat", "must be enclosed in '<>'"),
    ("badvers.dat", "unsupported sip version"),
    ("mismatch01.dat", "cseq method does not match"),
    ("mismatch02.dat", "cseq method does not match"),
    ("bigcode.dat", "expected SP after the status code"),
    ("insuf.dat", "missing"),
    ("multi01.dat", "more than one"),
    ("mcl01.dat", "more than one content-length"),
    ("test.dat", "expected SP before the SIP version"),
];

struct Row {
    file: String,
    section: String,
    verdict: String,
    fields: Vec<String>,
}

fn rows() -> Vec<Row> {
    let tsv = std::fs::read_to_string(data_dir().join("expected.tsv")).expect("expected.tsv");
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<String> = l.split('\t').map(str::to_owned).collect();
            Row {
                file: cols[0].clone(),
                section: cols[1].clone(),
                verdict: cols[2].clone(),
                fields: cols,
            }
        })
        .collect()
}

fn opt(s: &str) -> Option<&str> {
    (s != "-").then_some(s)
}

fn judge(raw: &[u8]) -> Result<Message<'_>, mediaplane::Error> {
    let m = Message::parse(raw)?;
    m.validate()?;
    Ok(m)
}

fn check_fields(row: &Row, m: &Message<'_>) {
    let f = &row.fields;
    let name = &row.file;
    if m.is_request() {
        assert_eq!(m.method().unwrap().as_str(), f[3], "{name}: method");
        assert_eq!(m.request_uri(), opt(&f[4]), "{name}: request-uri");
    } else {
        assert_eq!(m.status().unwrap().to_string(), f[3], "{name}: status");
    }
    assert_eq!(m.call_id().ok(), opt(&f[5]), "{name}: call-id");
    let cseq = m.cseq().unwrap();
    assert_eq!(cseq.seq.to_string(), f[6], "{name}: cseq");
    assert_eq!(cseq.method.as_str(), f[7], "{name}: cseq method");
    assert_eq!(m.from().unwrap().tag(), opt(&f[8]), "{name}: from tag");
    assert_eq!(m.to().unwrap().tag(), opt(&f[9]), "{name}: to tag");
    assert_eq!(m.vias().count().to_string(), f[10], "{name}: via count");
    for v in m.vias() {
        v.unwrap_or_else(|e| panic!("{name}: via: {e}"));
    }
    assert_eq!(
        m.max_forwards().unwrap().map(|x| x.to_string()).as_deref(),
        opt(&f[11]),
        "{name}: max-forwards"
    );
    assert_eq!(
        m.content_length().map(|x| x.to_string()).as_deref(),
        opt(&f[12]),
        "{name}: content-length"
    );
    assert_eq!(m.body().len().to_string(), f[13], "{name}: body length");
}

#[test]
fn every_vector_is_judged() {
    let rows = rows();
    assert!(
        rows.len() >= 49,
        "expected the whole archive, got {}",
        rows.len()
    );
    let mut accepted = 0;
    let mut rejected = 0;
    for row in &rows {
        let raw = std::fs::read(data_dir().join(&row.file)).unwrap();
        let expected_reason = REJECTED
            .iter()
            .find(|(f, _)| *f == row.file)
            .map(|(_, r)| *r);
        match (judge(&raw), expected_reason) {
            (Ok(m), None) => {
                assert_ne!(
                    row.verdict, "invalid",
                    "{} ({}) was accepted",
                    row.file, row.section
                );
                check_fields(row, &m);
                accepted += 1;
            }
            (Err(e), Some(reason)) => {
                assert!(
                    e.to_string().contains(reason),
                    "{}: rejected for '{e}', expected '{reason}'",
                    row.file
                );
                assert!(matches!(
                    e.kind(),
                    ErrorKind::Parse | ErrorKind::Invalid | ErrorKind::Limit
                ));
                rejected += 1;
            }
            (Ok(_), Some(reason)) => panic!("{} was accepted, expected '{reason}'", row.file),
            (Err(e), None) => panic!("{} ({}) was rejected: {e}", row.file, row.section),
        }
    }
    assert_eq!(rejected, REJECTED.len());
    assert!(accepted >= 25);
}

/// Every §3.1.2 message is rejected.
#[test]
fn section_3_1_2_all_rejected() {
    for row in rows().iter().filter(|r| r.section.starts_with("3.1.2")) {
        let raw = std::fs::read(data_dir().join(&row.file)).unwrap();
        assert!(judge(&raw).is_err(), "{} accepted", row.file);
    }
}

/// A well-formed message with unknown schemes and extensions is not an
/// error of the parser: the application answers 416/420/415/406 itself.
#[test]
fn application_level_cases_parse() {
    for f in [
        "unkscm.dat",
        "novelsc.dat",
        "unksm2.dat",
        "bext01.dat",
        "invut.dat",
        "sdp01.dat",
    ] {
        let raw = std::fs::read(data_dir().join(f)).unwrap();
        let m = judge(&raw).unwrap_or_else(|e| panic!("{f}: {e}"));
        let uri = m.uri().unwrap();
        assert!(uri.is_ok(), "{f}: request-uri");
    }
}

/// Parsing any prefix or any single-byte corruption of the vectors never
/// panics.
#[test]
fn prefixes_and_corruptions_are_total() {
    for row in rows() {
        let raw = std::fs::read(data_dir().join(&row.file)).unwrap();
        for i in (0..raw.len()).step_by(7) {
            let _ = judge(&raw[..i]);
            let mut c = raw.clone();
            c[i] ^= 0x5a;
            let _ = judge(&c);
        }
    }
}

/// parse(serialize(m)) gives back the same fields for every accepted vector.
#[test]
fn builder_round_trip_keeps_fields() {
    use mediaplane::sip::MessageBuilder;
    for row in rows() {
        let raw = std::fs::read(data_dir().join(&row.file)).unwrap();
        let Ok(m) = judge(&raw) else { continue };
        let bytes = MessageBuilder::from_message(&m).to_bytes();
        let n = judge(&bytes).unwrap_or_else(|e| panic!("{}: re-parse: {e}", row.file));
        let name = &row.file;
        assert_eq!(m.method(), n.method(), "{name}");
        assert_eq!(m.request_uri(), n.request_uri(), "{name}");
        assert_eq!(m.status(), n.status(), "{name}");
        assert_eq!(m.call_id().unwrap(), n.call_id().unwrap(), "{name}");
        assert_eq!(m.cseq().unwrap(), n.cseq().unwrap(), "{name}");
        assert_eq!(m.from().unwrap().tag(), n.from().unwrap().tag(), "{name}");
        assert_eq!(m.to().unwrap().tag(), n.to().unwrap().tag(), "{name}");
        let branches = |x: &Message<'_>| -> Vec<Option<String>> {
            x.vias()
                .map(|v| v.unwrap().branch().map(str::to_owned))
                .collect()
        };
        assert_eq!(branches(&m), branches(&n), "{name}");
        assert_eq!(
            m.max_forwards().unwrap(),
            n.max_forwards().unwrap(),
            "{name}"
        );
        assert_eq!(m.body(), n.body(), "{name}");
        assert_eq!(n.content_length(), Some(m.body().len()), "{name}");
    }
}
