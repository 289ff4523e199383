//! RTCP compound validation, the zero-copy view and full decoding on
//! arbitrary datagrams.
//!
//! Besides "no panic" (in the view, in `parse_compound` and in `rtc-rtcp`'s
//! own `unmarshal`), checks that the packets the view walks tile the input
//! exactly, that every reader's output lies within its packet, that
//! `Mode::Full` accepts a subset of what `Mode::ReducedSize` accepts, that
//! `parse_compound` succeeds only where validation does, that the view and
//! `rtc-rtcp` agree on the number of packets when both accept a datagram,
//! and that what decodes re-encodes to a datagram that validates and decodes
//! to the same packets.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mediaplane::rtp::rtcp::{self, codec, Kind, Mode, RtcpCompound, RtcpHeaderView};

mod common;
use common::{assert_error_offset, assert_within, offset_in};

fuzz_target!(|data: &[u8]| {
    let reduced = rtcp::validate_compound(data, Mode::ReducedSize);
    let full = rtcp::validate_compound(data, Mode::Full);
    for r in [&reduced, &full] {
        if let Err(e) = r {
            assert_error_offset(e, 0, data.len());
        }
    }
    if full.is_ok() {
        assert_eq!(full, reduced, "full mode accepts what reduced-size refuses");
    }
    match rtcp::first_sender_ssrc(data) {
        Ok(_) => assert!(data.len() >= 8),
        Err(e) => assert_error_offset(&e, 0, data.len()),
    }
    if let Ok(c) = RtcpCompound::parse(data, Mode::ReducedSize) {
        check_view(data, &c);
    }

    // rtc-rtcp on its own, as the reference for the packet count. The view
    // refuses datagrams above 64 KiB, where the crate's FIR decoder
    // overflows.
    let theirs = if data.len() <= rtcp::MAX_COMPOUND_LEN {
        let mut b = data;
        codec::packet::unmarshal(&mut b).ok()
    } else {
        None
    };
    if let (Ok(n), Some(t)) = (&reduced, &theirs) {
        assert_eq!(*n, t.len(), "the view and rtc-rtcp count packets differently");
    }

    match rtcp::parse_compound(data, Mode::ReducedSize) {
        Ok(packets) => {
            assert_eq!(Ok(packets.len()), reduced);
            check_reencode(&packets);
        }
        Err(e) => assert_error_offset(&e, 0, data.len()),
    }
});

/// The walk tiles the datagram and every reader stays inside its packet.
fn check_view(data: &[u8], c: &RtcpCompound<'_>) {
    assert_eq!(c.as_bytes(), data);
    let mut end = 0;
    let mut n = 0;
    for p in c {
        assert_eq!(p.offset(), end, "packets do not tile the datagram");
        assert_eq!(offset_in(data, p.as_bytes()), p.offset());
        assert_eq!(p.len(), (usize::from(p.length_words()) + 1) * 4);
        assert_eq!(p.version(), 2);
        assert_eq!(p.count(), p.fmt());
        assert_eq!(p.kind(), Kind::of(p.packet_type(), p.count()));
        assert_within(p.as_bytes(), p.body(), "body");
        assert_eq!(4 + p.body().len() + p.padding_len(), p.len());
        assert_eq!(p.padding(), p.padding_len() > 0);
        assert!(!p.padding() || p.offset() + p.len() == data.len());
        assert_eq!(c.get(n), Some(p));
        assert_eq!(RtcpHeaderView::parse_at(data, p.offset()), Ok(p));
        read_all(&p);
        end += p.len();
        n += 1;
    }
    assert_eq!(end, data.len());
    assert_eq!(n, c.packet_count());
    assert_eq!(c.first(), c.get(0).unwrap());
    assert_eq!(c.sender_ssrc(), c.first().ssrc());
    if c.sender_ssrc().is_some() {
        assert_eq!(rtcp::first_sender_ssrc(data).ok(), c.sender_ssrc());
    }
}

/// Every typed reader; what each yields must be consistent with the header.
fn read_all(p: &RtcpHeaderView<'_>) {
    let k = p.kind();
    if let Some(i) = p.sender_info() {
        assert_eq!(k, Kind::SenderReport);
        let _ = i;
    }
    if let Some(blocks) = p.report_blocks() {
        assert_eq!(blocks.len(), usize::from(p.count()));
        for b in blocks {
            assert!((-(1 << 23)..(1 << 23)).contains(&b.cumulative_lost));
        }
    }
    if let Some(pairs) = p.nack_pairs() {
        assert_eq!(k, Kind::Nack);
        assert_eq!(pairs.len(), (p.body().len() - 8) / 4);
        for pair in pairs {
            let lost: Vec<u16> = pair.lost().collect();
            assert_eq!(lost.len() as u32, pair.lost_count());
            assert_eq!(lost.first(), Some(&pair.pid));
        }
    }
    if let Some(entries) = p.fir_entries() {
        assert_eq!(k, Kind::Fir);
        assert_eq!(entries.count(), (p.body().len() - 8) / 8);
    }
    if let Some(r) = p.remb() {
        assert_eq!(k, Kind::Afb);
        let bps = r.bitrate_bps();
        assert!(bps == u64::MAX || bps == u64::from(r.mantissa()) << r.exponent());
        assert!(r.ssrcs().len() <= 255);
    }
    if let Some(s) = p.bye_sources() {
        assert_eq!(k, Kind::Goodbye);
        assert_eq!(s.len(), usize::from(p.count()));
    }
    if p.media_ssrc().is_some() {
        assert!(k.is_feedback());
    }
    let _ = p.ssrc();
}

/// Decoded packets re-encode to a datagram that validates (never with the
/// P bit) and decodes to the same packets.
fn check_reencode(packets: &[rtcp::Packet]) {
    let mut out = vec![0xa5];
    let n = match rtcp::marshal_compound(packets, &mut out) {
        Ok(n) => n,
        Err(e) => panic!("decoded packets do not re-encode: {e}\n{packets:?}"),
    };
    assert_eq!(out.len(), 1 + n);
    let bytes = &out[1..];
    assert_eq!(rtcp::validate_compound(bytes, Mode::ReducedSize), Ok(packets.len()));
    let c = RtcpCompound::parse(bytes, Mode::ReducedSize).unwrap();
    assert!(c.iter().all(|p| !p.padding()));
    match rtcp::parse_compound(bytes, Mode::ReducedSize) {
        Ok(again) => assert_eq!(again, packets, "re-encoded packets decode differently"),
        Err(e) => panic!("re-encoded packets do not decode: {e}\n{packets:?}"),
    }
}
