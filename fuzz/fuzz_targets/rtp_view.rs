//! `RtpPacket::parse`, `RtpPacketMut`, `StreamRewriter::rewrite`,
//! `classify` and their C entry points on arbitrary datagrams.
//!
//! Besides "no panic", checks that the view accounts for every byte (header,
//! payload and padding add up to the input), that every slice it hands out
//! lies in the input, that extension elements lie in the extension and carry
//! ids their form allows, that every in-place edit keeps the layout and
//! touches only what it names, that a refused rewrite leaves the packet as
//! it was, and that the C functions agree with the Rust view.

#![no_main]

use core::ptr::null;

use libfuzzer_sys::fuzz_target;
use mediaplane::ffi::mp_slice;
use mediaplane::ffi::mp_status::{self, *};
use mediaplane::ffi::rtp::*;
use mediaplane::rtp::{
    classify, ExtensionForm, PacketKind, RtpPacket, RtpPacketMut, StreamRewriter,
};

mod common;
use common::{assert_error_offset, assert_within, offset_in};

fuzz_target!(|data: &[u8]| {
    let kind = classify(data);
    let mut h = mp_rtp_header::default();
    // SAFETY: `data` is `len` readable bytes; `h` is writable.
    let st = unsafe { mp_rtp_parse(data.as_ptr(), data.len(), &mut h) };
    assert_ne!(st, MP_ERR_PANIC);
    assert_eq!(
        unsafe { mp_demux_classify(data.as_ptr(), data.len()) } as u32,
        ffi_kind(kind) as u32
    );
    let p = match RtpPacket::parse(data) {
        Ok(p) => p,
        Err(e) => {
            assert_error_offset(&e, 0, data.len());
            assert_eq!(st, MP_ERR_PARSE);
            check_rewrite_refused(data);
            return;
        }
    };
    assert_eq!(st, MP_OK);
    assert!(matches!(kind, PacketKind::Rtp | PacketKind::Rtcp));
    check_view(data, &p);
    check_ffi(data, &p, &h);
    check_setters(data, &p);
    check_extension_edits(data, &p);
    check_rewrite(data, &p);
});

fn ffi_kind(k: PacketKind) -> mp_packet_kind {
    match k {
        PacketKind::Stun => mp_packet_kind::MP_PACKET_KIND_STUN,
        PacketKind::Dtls => mp_packet_kind::MP_PACKET_KIND_DTLS,
        PacketKind::Rtp => mp_packet_kind::MP_PACKET_KIND_RTP,
        PacketKind::Rtcp => mp_packet_kind::MP_PACKET_KIND_RTCP,
        PacketKind::Zrtp => mp_packet_kind::MP_PACKET_KIND_ZRTP,
        PacketKind::TurnChannel => mp_packet_kind::MP_PACKET_KIND_TURN_CHANNEL,
        PacketKind::Unknown => mp_packet_kind::MP_PACKET_KIND_UNKNOWN,
    }
}

/// Every accessor, and what must hold between them.
fn check_view(data: &[u8], p: &RtpPacket<'_>) {
    assert_eq!(p.version(), 2);
    assert_eq!(p.len(), data.len());
    assert_eq!(p.as_bytes().as_ptr(), data.as_ptr());
    let cc = usize::from(p.csrc_count());
    assert!(cc <= 15);
    assert_eq!(p.csrcs().len(), cc);
    for (i, c) in p.csrcs().enumerate() {
        assert_eq!(p.csrc(i), Some(c));
        assert_eq!(&data[12 + 4 * i..16 + 4 * i], &c.to_be_bytes());
    }
    assert_eq!(p.csrc(cc), None);
    assert!(p.header_len() >= 12 + 4 * cc);
    assert_eq!(
        p.header_len() + p.payload().len() + p.padding_len(),
        data.len(),
        "header, payload and padding do not add up"
    );
    let r = p.payload_range();
    assert_eq!(r.start, p.header_len());
    assert_eq!(&data[r.clone()], p.payload());
    assert_eq!(p.payload_slice(), p.payload());
    assert_eq!(p.padding(), p.padding_len() > 0);
    if p.padding() {
        assert_eq!(usize::from(data[data.len() - 1]), p.padding_len());
    }
    assert_eq!(p.sequence_number(), u16::from_be_bytes([data[2], data[3]]));
    assert_eq!(p.payload_type(), data[1] & 0x7F);
    assert_eq!(p.marker(), data[1] & 0x80 != 0);

    match (p.has_extension(), p.extension_data(), p.extension_profile()) {
        (false, None, None) => assert_eq!(p.extensions().count(), 0),
        (true, Some(ext), Some(profile)) => {
            assert_within(data, ext, "extension data");
            assert_eq!(ext.len() % 4, 0);
            assert_eq!(offset_in(data, ext) + ext.len(), p.header_len());
            let form = ExtensionForm::from_profile(profile);
            assert_eq!(p.extension_form(), Some(form));
            let mut last_end = 0;
            for (id, d) in p.extensions() {
                assert_within(ext, d, "extension element");
                let at = offset_in(ext, d);
                assert!(at >= last_end, "elements overlap or go backwards");
                last_end = at + d.len();
                assert!(form.accepts_id(id), "id {id} in form {form:?}");
                if form == ExtensionForm::OneByte {
                    assert!((1..=16).contains(&d.len()));
                }
                assert_eq!(
                    p.extension(id).map(|x| x.as_ptr()),
                    p.extensions()
                        .find(|&(i, _)| i == id)
                        .map(|(_, x)| x.as_ptr())
                );
            }
            if matches!(form, ExtensionForm::Other(_)) {
                assert_eq!(p.extensions().count(), 0);
            }
        }
        other => panic!("extension accessors disagree: {other:?}"),
    }
    let _ = format!("{p:?}");
}

/// The C view is the Rust view.
fn check_ffi(data: &[u8], p: &RtpPacket<'_>, h: &mp_rtp_header) {
    assert_eq!(h.version, p.version());
    assert_eq!(h.padding, p.padding());
    assert_eq!(h.extension, p.has_extension());
    assert_eq!(h.csrc_count, p.csrc_count());
    assert_eq!(h.marker, p.marker());
    assert_eq!(h.payload_type, p.payload_type());
    assert_eq!(h.sequence, p.sequence_number());
    assert_eq!(h.timestamp, p.timestamp());
    assert_eq!(h.ssrc, p.ssrc());
    assert_eq!(h.header_len, p.header_len());
    assert_eq!(h.payload_offset, p.payload_range().start);
    assert_eq!(h.payload_len, p.payload().len());
    assert_eq!(h.padding_len, p.padding_len());
    for id in [0u8, 1, 2, 14, 15, 200, 255] {
        let mut s = mp_slice {
            ptr: null(),
            len: 0,
        };
        // SAFETY: as in the caller.
        let st = unsafe { mp_rtp_extension_find(data.as_ptr(), data.len(), id, &mut s) };
        match p.extension(id) {
            Some(d) => {
                assert_eq!(st, MP_OK);
                assert_eq!(s.len, d.len());
                if !d.is_empty() {
                    assert_eq!(s.ptr, d.as_ptr());
                }
            }
            None => assert_eq!(st, MP_ERR_NOT_FOUND),
        }
    }
}

/// The setters change their field and nothing else.
fn check_setters(data: &[u8], p: &RtpPacket<'_>) {
    let mut buf = data.to_vec();
    let mut m = RtpPacketMut::parse(&mut buf).expect("same bytes parse mutably");
    assert_eq!(m.as_packet(), *p);
    let seq = p.sequence_number().wrapping_add(1);
    m.set_marker(!p.marker());
    m.set_payload_type(p.payload_type() ^ 0x55).unwrap();
    assert!(m.set_payload_type(0x80).is_err());
    m.set_sequence_number(seq);
    m.set_timestamp(!p.timestamp());
    m.set_ssrc(p.ssrc().rotate_left(8));
    if p.csrc_count() > 0 {
        m.set_csrc(0, 0xDEAD_BEEF).unwrap();
    }
    assert!(m.set_csrc(usize::from(p.csrc_count()), 0).is_err());
    let q = RtpPacket::parse(&buf).expect("edited packet parses");
    assert_eq!(q.marker(), !p.marker());
    assert_eq!(q.payload_type(), p.payload_type() ^ 0x55);
    assert_eq!(q.sequence_number(), seq);
    assert_eq!(q.timestamp(), !p.timestamp());
    assert_eq!(q.ssrc(), p.ssrc().rotate_left(8));
    assert_eq!(q.header_len(), p.header_len());
    assert_eq!(q.payload_range(), p.payload_range());
    let from = if p.csrc_count() > 0 { 16 } else { 12 };
    assert_eq!(&buf[from..], &data[from..], "a setter wrote past its field");
    assert_eq!(buf[0], data[0]);

    // the C setters do the same on another copy
    let mut c = data.to_vec();
    unsafe {
        let (ptr, len) = (c.as_mut_ptr(), c.len());
        assert_eq!(mp_rtp_set_marker(ptr, len, !p.marker()), MP_OK);
        assert_eq!(
            mp_rtp_set_payload_type(ptr, len, p.payload_type() ^ 0x55),
            MP_OK
        );
        assert_eq!(
            mp_rtp_set_payload_type(ptr, len, 0x80),
            MP_ERR_INVALID_ARGUMENT
        );
        assert_eq!(mp_rtp_set_sequence(ptr, len, seq), MP_OK);
        assert_eq!(mp_rtp_set_timestamp(ptr, len, !p.timestamp()), MP_OK);
        assert_eq!(mp_rtp_set_ssrc(ptr, len, p.ssrc().rotate_left(8)), MP_OK);
    }
    assert_eq!(&c[..12], &buf[..12]);
}

/// Stripping and renaming elements keeps the length and the other
/// elements.
fn check_extension_edits(data: &[u8], p: &RtpPacket<'_>) {
    let elements: Vec<(u8, Vec<u8>)> = p.extensions().map(|(i, d)| (i, d.to_vec())).collect();
    let Some(form) = p.extension_form() else {
        return;
    };
    for (id, _) in elements.iter().take(4) {
        let mut buf = data.to_vec();
        let mut m = RtpPacketMut::parse(&mut buf).unwrap();
        let n = m.strip_extension(*id);
        assert_eq!(n, elements.iter().filter(|(i, _)| i == id).count());
        assert_eq!(buf.len(), data.len());
        let q = RtpPacket::parse(&buf).expect("stripped packet parses");
        assert_eq!(q.payload(), p.payload());
        let left: Vec<(u8, Vec<u8>)> = q.extensions().map(|(i, d)| (i, d.to_vec())).collect();
        let want: Vec<(u8, Vec<u8>)> = elements.iter().filter(|(i, _)| i != id).cloned().collect();
        assert_eq!(left, want, "strip of {id} changed other elements");
    }
    if let Some((first, value)) = elements.first() {
        let fresh = (1..=14u8).find(|i| elements.iter().all(|(e, _)| e != i));
        if let Some(to) = fresh {
            let mut buf = data.to_vec();
            let mut m = RtpPacketMut::parse(&mut buf).unwrap();
            assert!(form.accepts_id(to));
            m.set_extension_id(*first, to).unwrap();
            if let Some(d) = m.extension_mut(to) {
                d.fill(0xA5);
            }
            let q = RtpPacket::parse(&buf).unwrap();
            assert_eq!(q.extension(to).map(<[u8]>::len), Some(value.len()));
            assert_eq!(q.extensions().count(), elements.len());
            assert_eq!(q.payload(), p.payload());
        }
    }
}

/// A rewrite keeps the layout and the payload; a refusal keeps the bytes.
fn check_rewrite(data: &[u8], p: &RtpPacket<'_>) {
    let mut rw = StreamRewriter::new(0x0102_0304, 960).unwrap();
    rw.map_payload_type(p.payload_type(), 0).unwrap();
    rw.map_extension(1, 2).unwrap();
    rw.map_extension(2, 1).unwrap();
    rw.strip_extension(3).unwrap();
    rw.map_extension(4, 200).unwrap();
    rw.set_marker_on_switch(true);
    let mut buf = data.to_vec();
    match rw.rewrite(&mut buf) {
        Ok(info) => {
            let q = RtpPacket::parse(&buf).expect("rewritten packet parses");
            assert_eq!(q.ssrc(), 0x0102_0304);
            assert_eq!(q.payload_type(), 0);
            assert!(q.marker());
            assert_eq!(info.source_ssrc, p.ssrc());
            assert_eq!(
                (info.sequence_number, info.timestamp),
                (p.sequence_number(), p.timestamp())
            );
            assert_eq!(q.header_len(), p.header_len());
            assert_eq!(q.payload(), p.payload());
            assert_eq!(q.extensions().filter(|&(i, _)| i == 3).count(), 0);
            // the same packet again: a duplicate, offsets unchanged
            let mut again = data.to_vec();
            let second = rw.rewrite(&mut again).unwrap();
            assert_eq!(second.rebase, None);
            assert_eq!(second.sequence_number, info.sequence_number);
        }
        Err(e) => {
            assert_eq!(buf, data, "a refused rewrite changed the packet");
            assert!(
                (64..=95).contains(&p.payload_type())
                    || e.kind() == mediaplane::ErrorKind::Unsupported
            );
        }
    }
    // the C rewriter agrees on the status
    unsafe {
        let mut crw = core::ptr::null_mut();
        assert_eq!(mp_rtp_rewriter_new(0x0102_0304, 960, &mut crw), MP_OK);
        let mut c = data.to_vec();
        let st: mp_status = mp_rtp_rewriter_rewrite(crw, c.as_mut_ptr(), c.len());
        assert_ne!(st, MP_ERR_PANIC);
        assert_eq!(st == MP_OK, !(64..=95).contains(&p.payload_type()));
        mp_rtp_rewriter_free(crw);
    }
}

/// What does not parse is not rewritten, in Rust or through C.
fn check_rewrite_refused(data: &[u8]) {
    let mut rw = StreamRewriter::new(1, 160).unwrap();
    let mut buf = data.to_vec();
    assert!(rw.rewrite(&mut buf).is_err());
    assert_eq!(buf, data);
    unsafe {
        let mut crw = core::ptr::null_mut();
        assert_eq!(mp_rtp_rewriter_new(1, 160, &mut crw), MP_OK);
        assert_eq!(
            mp_rtp_rewriter_rewrite_at(crw, buf.as_mut_ptr(), buf.len(), 0),
            MP_ERR_PARSE
        );
        assert_eq!(
            mp_rtp_set_ssrc(buf.as_mut_ptr(), buf.len(), 0),
            MP_ERR_PARSE
        );
        mp_rtp_rewriter_free(crw);
    }
    assert_eq!(buf, data);
}
