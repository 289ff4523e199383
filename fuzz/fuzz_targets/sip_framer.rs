//! `Framer` on an arbitrary byte stream delivered in arbitrary pieces.
//!
//! Input layout: byte 0 picks the limits and how many split-size bytes
//! follow (1..=4); those bytes give the sizes of the pieces, cycled; the rest
//! is the stream. Checks that the frames handed out are, in order, exactly
//! the bytes pushed (so nothing is lost, duplicated or reordered), that the
//! split does not change the frames, and that an error is final.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mediaplane::sip::{Frame, Framer, Limits, Message};

mod common;
use common::assert_error_offset;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Owned {
    Message(Vec<u8>),
    Ping,
    Pong,
}

impl Owned {
    fn wire(&self) -> &[u8] {
        match self {
            Owned::Message(m) => m,
            Owned::Ping => Framer::PING,
            Owned::Pong => b"\r\n",
        }
    }
}

struct Run {
    frames: Vec<Owned>,
    failed: bool,
    pending: usize,
}

/// Drains every frame after each push, the way the API asks a host to.
fn run(limits: Limits, stream: &[u8], sizes: &[usize]) -> Run {
    let mut f = Framer::new(limits);
    let mut frames = Vec::new();
    let mut rest = stream;
    let mut i = 0;
    let mut failed = false;
    'outer: while !rest.is_empty() {
        let n = sizes
            .get(i % sizes.len())
            .copied()
            .unwrap_or(1)
            .min(rest.len());
        i += 1;
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        if let Err(e) = f.push(chunk) {
            assert_error_offset(&e, 0, usize::MAX / 2);
            failed = true;
            break;
        }
        loop {
            match f.next_frame() {
                Ok(Some(Frame::Message(m))) => {
                    assert!(!m.is_empty());
                    assert!(
                        m.len() <= limits.max_message_size,
                        "frame larger than the limit"
                    );
                    frames.push(Owned::Message(m.to_vec()));
                }
                Ok(Some(Frame::Ping)) => frames.push(Owned::Ping),
                Ok(Some(Frame::Pong)) => frames.push(Owned::Pong),
                Ok(None) => break,
                Err(e) => {
                    // final: every later call fails the same way
                    assert_eq!(f.next_frame().err(), Some(e));
                    assert_eq!(f.push(b"x").err(), Some(e));
                    failed = true;
                    break 'outer;
                }
            }
        }
    }
    Run {
        frames,
        failed,
        pending: f.pending(),
    }
}

/// The framer and the parser must agree on where a message ends, or a
/// proxy that frames with one and forwards what the other parsed would
/// desynchronise the stream. The parser also accepts bare-LF line ends,
/// which the framer (RFC 3261 §7: CRLF) does not look for, so the check
/// holds for header sections written with CRLF only.
fn check_agrees_with_parser(frame: &[u8], limits: &Limits) {
    let Ok(m) = Message::parse_stream(frame, limits) else {
        return;
    };
    let head = frame.get(..m.body_offset()).unwrap_or(frame);
    let crlf_only = head
        .iter()
        .enumerate()
        .all(|(i, &b)| b != b'\n' || (i > 0 && head.get(i - 1) == Some(&b'\r')));
    if crlf_only {
        assert_eq!(
            m.len(),
            frame.len(),
            "the framer cut {} bytes where the parser sees a {}-byte message",
            frame.len(),
            m.len()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let nsizes = usize::from(ctl & 3) + 1;
    let (size_bytes, stream) = rest.split_at(nsizes.min(rest.len()));
    let sizes: Vec<usize> = size_bytes.iter().map(|&b| usize::from(b) + 1).collect();
    let sizes = if sizes.is_empty() { vec![1] } else { sizes };
    let limits = if ctl & 4 == 0 {
        Limits::default()
    } else {
        // small enough that fuzz inputs reach it
        Limits {
            max_message_size: 32 + usize::from(ctl >> 3) * 8,
            ..Limits::default()
        }
    };

    let split = run(limits, stream, &sizes);
    let whole = run(limits, stream, &[stream.len().max(1)]);

    for r in [&split, &whole] {
        if r.failed {
            continue;
        }
        let out: Vec<u8> = r
            .frames
            .iter()
            .flat_map(|f| f.wire().iter().copied())
            .collect();
        assert!(
            stream.starts_with(&out),
            "frames are not a prefix of the stream"
        );
        assert_eq!(
            out.len() + r.pending,
            stream.len(),
            "bytes lost or duplicated"
        );
        for f in &r.frames {
            if let Owned::Message(m) = f {
                check_agrees_with_parser(m, &limits);
            }
        }
    }
    if !split.failed && !whole.failed {
        assert_eq!(split.frames, whole.frames, "the split changed the frames");
        assert_eq!(split.pending, whole.pending);
    }
});
