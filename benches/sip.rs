//! SIP parsing, mediaplane beside its peers, on the messages of one call
//! through an SBC (`benches/data/*.sip`).
//!
//! Each message is one criterion group, reported in bytes/s and messages/s.
//! `mediaplane` and `rsip` parse and then read what a proxy needs to match a
//! transaction and a dialog: the top Via branch, Call-ID, CSeq, and the From
//! and To tags, each through the cheapest path the library offers. `osip2`
//! (GNU oSIP2, with `--features bench-peers`) is `osip_message_init` +
//! `osip_message_parse` + `osip_message_free`: oSIP decodes those headers
//! into structures during the parse, so reading them afterwards is pointer
//! chasing that would not change its figure.
//!
//! Before measuring, every parser is run once on every message and the
//! fields are compared, so that each measures the same work.
//!
//! ```text
//! cargo bench --bench sip --features bench-peers
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const MESSAGES: &[(&str, &[u8])] = &[
    ("invite", include_bytes!("data/invite.sip")),
    ("180_ringing", include_bytes!("data/180_ringing.sip")),
    ("200_ok", include_bytes!("data/200_ok.sip")),
    ("ack", include_bytes!("data/ack.sip")),
    ("bye", include_bytes!("data/bye.sip")),
    ("register", include_bytes!("data/register.sip")),
    ("options", include_bytes!("data/options.sip")),
];

/// The fields a proxy reads, as owned strings so the peers can be compared.
#[derive(Debug, PartialEq, Eq)]
struct Fields {
    branch: String,
    call_id: String,
    cseq: u32,
    method: String,
    from_tag: String,
    to_tag: Option<String>,
}

mod mp {
    use super::{black_box, Fields};
    use mediaplane::sip::Message;

    /// Parses and reads the proxy fields; `black_box` keeps every read.
    #[inline(never)]
    pub fn read(buf: &[u8]) -> mediaplane::Result<()> {
        let m = Message::parse(buf)?;
        black_box(m.top_via()?.branch());
        black_box(m.call_id()?);
        let cseq = m.cseq()?;
        black_box((cseq.seq, cseq.method));
        black_box(m.from()?.tag());
        black_box(m.to()?.tag());
        Ok(())
    }

    pub fn fields(buf: &[u8]) -> mediaplane::Result<Fields> {
        let m = Message::parse(buf)?;
        let cseq = m.cseq()?;
        Ok(Fields {
            branch: m.top_via()?.branch().unwrap_or_default().to_owned(),
            call_id: m.call_id()?.to_owned(),
            cseq: cseq.seq,
            method: cseq.method.as_str().to_owned(),
            from_tag: m.from()?.tag().unwrap_or_default().to_owned(),
            to_tag: m.to()?.tag().map(str::to_owned),
        })
    }
}

mod rs {
    use super::{black_box, Fields};
    use rsip::headers::typed::{self, Tokenize, TypedHeader};
    use rsip::prelude::{HeadersExt, UntypedHeader};
    use rsip::SipMessage;

    /// Decodes a typed header straight from the untyped value, skipping the
    /// `String` clone that `ToTypedHeader::typed` makes.
    fn typed<'a, T: TypedHeader<'a>>(value: &'a str) -> Result<T, rsip::Error> {
        T::try_from(T::Tokenizer::tokenize(value)?)
    }

    #[inline(never)]
    pub fn read(buf: &[u8]) -> Result<(), rsip::Error> {
        let m = SipMessage::try_from(buf)?;
        let via: typed::Via = typed(m.via_header()?.value())?;
        black_box(via.branch());
        black_box(m.call_id_header()?.value());
        let cseq: typed::CSeq = typed(m.cseq_header()?.value())?;
        black_box(&cseq);
        let from: typed::From = typed(m.from_header()?.value())?;
        black_box(from.tag());
        let to: typed::To = typed(m.to_header()?.value())?;
        black_box(to.tag());
        Ok(())
    }

    pub fn fields(buf: &[u8]) -> Result<Fields, rsip::Error> {
        let m = SipMessage::try_from(buf)?;
        let via: typed::Via = typed(m.via_header()?.value())?;
        let cseq: typed::CSeq = typed(m.cseq_header()?.value())?;
        let from: typed::From = typed(m.from_header()?.value())?;
        let to: typed::To = typed(m.to_header()?.value())?;
        Ok(Fields {
            branch: via.branch().map(|b| b.to_string()).unwrap_or_default(),
            call_id: m.call_id_header()?.value().to_owned(),
            cseq: cseq.seq,
            method: cseq.method.to_string(),
            from_tag: from.tag().map(|t| t.value().to_owned()).unwrap_or_default(),
            to_tag: to.tag().map(|t| t.value().to_owned()),
        })
    }
}

#[cfg(feature = "bench-peers")]
mod osip2 {
    //! The four oSIP2 entry points the bench needs, declared by hand so that
    //! only this bench, and only with `bench-peers`, links libosipparser2.

    use core::ffi::{c_char, c_int};
    use std::sync::Once;

    /// `osip_message_t`, used only behind a pointer.
    #[repr(C)]
    struct OsipMessage {
        _opaque: [u8; 0],
    }

    #[link(name = "osipparser2")]
    extern "C" {
        fn parser_init() -> c_int;
        fn osip_message_init(sip: *mut *mut OsipMessage) -> c_int;
        fn osip_message_parse(sip: *mut OsipMessage, buf: *const c_char, length: usize) -> c_int;
        fn osip_message_free(sip: *mut OsipMessage);
    }

    static INIT: Once = Once::new();

    /// Builds oSIP's parser tables; `osip_message_parse` needs them.
    pub fn init() {
        // SAFETY: parser_init takes no arguments and `Once` runs it a single
        // time, before any parse.
        INIT.call_once(|| unsafe {
            parser_init();
        });
    }

    /// Parses `buf` into a fresh `osip_message_t` and frees it; returns
    /// oSIP's status (0 is success).
    #[inline(never)]
    pub fn parse(buf: &[u8]) -> c_int {
        let mut sip: *mut OsipMessage = core::ptr::null_mut();
        // SAFETY: `sip` is a valid out-pointer; osip_message_init leaves it
        // NULL or pointing at a message we own.
        if unsafe { osip_message_init(&mut sip) } != 0 || sip.is_null() {
            return -1;
        }
        // SAFETY: `sip` came from osip_message_init; `buf` is valid for
        // `buf.len()` bytes and oSIP copies it before reading (no NUL needed).
        let rc = unsafe { osip_message_parse(sip, buf.as_ptr().cast(), buf.len()) };
        // SAFETY: `sip` came from osip_message_init and is freed once.
        unsafe { osip_message_free(sip) };
        rc
    }
}

/// Runs every parser once per message and checks they agree, so a bench
/// never measures an error path.
fn check(name: &str, buf: &[u8]) {
    let ours = mp::fields(buf).unwrap_or_else(|e| panic!("{name}: mediaplane: {e}"));
    let theirs = rs::fields(buf).unwrap_or_else(|e| panic!("{name}: rsip: {e}"));
    assert_eq!(ours, theirs, "{name}: mediaplane and rsip disagree");
    assert!(!ours.branch.is_empty(), "{name}: no branch");
    #[cfg(feature = "bench-peers")]
    {
        osip2::init();
        assert_eq!(osip2::parse(buf), 0, "{name}: osip_message_parse failed");
    }
}

fn sip(c: &mut Criterion) {
    for &(name, buf) in MESSAGES {
        check(name, buf);
        let mut g = c.benchmark_group(name);
        g.warm_up_time(Duration::from_millis(800))
            .measurement_time(Duration::from_secs(3))
            .sample_size(60)
            .throughput(Throughput::ElementsAndBytes {
                elements: 1,
                bytes: buf.len() as u64,
            });
        g.bench_function("mediaplane", |b| b.iter(|| mp::read(black_box(buf))));
        // Framing alone: start line, header table and body, no header
        // decoded (what a proxy pays before it reads anything).
        g.bench_function("mediaplane_parse_only", |b| {
            b.iter(|| {
                mediaplane::sip::Message::parse(black_box(buf))
                    .map(|m| m.header_count())
                    .ok()
            })
        });
        g.bench_function("rsip", |b| b.iter(|| rs::read(black_box(buf))));
        #[cfg(feature = "bench-peers")]
        g.bench_function("osip2", |b| b.iter(|| osip2::parse(black_box(buf))));
        g.finish();
    }
}

criterion_group!(benches, sip);
criterion_main!(benches);
