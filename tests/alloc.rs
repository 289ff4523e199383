//! Parsing a message and reading the headers a proxy needs allocates
//! nothing, on every message of the SIP bench.
//!
//! A counting global allocator wraps the system one. Only allocations made by
//! a thread while its `COUNTING` flag is set are counted, so other tests of
//! this binary running on other threads do not disturb the measurement.

use std::hint::black_box;

use mediaplane::sip::Message;

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_in;

const MESSAGES: &[(&str, &[u8])] = &[
    ("invite", include_bytes!("../benches/data/invite.sip")),
    (
        "180_ringing",
        include_bytes!("../benches/data/180_ringing.sip"),
    ),
    ("200_ok", include_bytes!("../benches/data/200_ok.sip")),
    ("ack", include_bytes!("../benches/data/ack.sip")),
    ("bye", include_bytes!("../benches/data/bye.sip")),
    ("register", include_bytes!("../benches/data/register.sip")),
    ("options", include_bytes!("../benches/data/options.sip")),
];

/// Parses and reads every header a proxy uses, then validates; each step
/// must succeed so that the error path (which may format) is never what is
/// measured.
fn parse_and_read(buf: &[u8]) -> Result<(), mediaplane::Error> {
    let m = Message::parse(buf)?;
    black_box(m.call_id()?);
    black_box(m.cseq()?);
    black_box(m.top_via()?.branch());
    black_box(m.from()?.tag());
    black_box(m.to()?.tag());
    m.validate()?;
    black_box(&m);
    Ok(())
}

#[test]
fn counter_sees_allocations() {
    let n = allocations_in(|| {
        black_box(vec![0u8; 64]);
    });
    assert!(
        n >= 1,
        "the counting allocator did not see a Vec allocation"
    );
}

#[test]
fn parse_and_read_allocate_nothing() {
    for &(name, buf) in MESSAGES {
        // Fail outside the counted section, where a panic message may
        // allocate.
        let mut result = Ok(());
        let n = allocations_in(|| result = parse_and_read(buf));
        if let Err(e) = result {
            panic!("{name}: {e}");
        }
        assert_eq!(n, 0, "{name}: parse and header reads allocated {n} times");
    }
}
