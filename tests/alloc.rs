//! Parsing a message and reading the headers a proxy needs allocates
//! nothing, on every message of the SIP bench.
//!
//! A counting global allocator wraps the system one. Only allocations made by
//! a thread while its `COUNTING` flag is set are counted, so other tests of
//! this binary running on other threads do not disturb the measurement.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use mediaplane::sip::Message;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the allocator can run while thread-locals are torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to `System`; counting touches
// only an atomic and a const-initialised thread-local, neither of which
// allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

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
