//! C ABI of the RTP packet path: header view, in-place setters, extension
//! lookup, the stream rewriter and first-byte demultiplexing.
//!
//! Packets are caller-owned `(buf, len)` pairs and are never copied or
//! kept: every function reads or edits them during the call only, and the
//! slices handed out point into the caller's buffer. Functions on buffers
//! hold no state and are thread-safe on distinct buffers. An
//! `mp_rtp_rewriter` is made by `mp_rtp_rewriter_new`, owned by the caller
//! and released with `mp_rtp_rewriter_free`; it may move between threads
//! but must not be used from two threads at once.

use super::{bytes, check_ptr, ffi_boundary, mp_slice, mp_status, write};
use crate::error::Error;
use crate::rtp::{classify, PacketKind, RtpPacket, RtpPacketMut, StreamRewriter};

/// The fields of an RTP header, filled in by `mp_rtp_parse`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mp_rtp_header {
    /// Version (always 2).
    pub version: u8,
    /// Padding bit.
    pub padding: bool,
    /// Extension bit.
    pub extension: bool,
    /// Number of CSRCs (0-15).
    pub csrc_count: u8,
    /// Marker bit.
    pub marker: bool,
    /// Payload type (0-127).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Timestamp.
    pub timestamp: u32,
    /// Synchronization source.
    pub ssrc: u32,
    /// Bytes of header: fixed part, CSRCs and extension.
    pub header_len: usize,
    /// Offset of the payload in the packet (equal to `header_len`).
    pub payload_offset: usize,
    /// Bytes of payload, padding excluded.
    pub payload_len: usize,
    /// Bytes of padding at the end of the packet.
    pub padding_len: usize,
}

/// What a datagram on a multiplexed 5-tuple carries (RFC 7983, RFC 5761).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mp_packet_kind {
    /// Empty, too short to tell, or a first byte no protocol claims.
    MP_PACKET_KIND_UNKNOWN = 0,
    /// STUN (first byte 0-3).
    MP_PACKET_KIND_STUN = 1,
    /// DTLS (first byte 20-63).
    MP_PACKET_KIND_DTLS = 2,
    /// RTP (first byte 128-191, second byte not an RTCP type).
    MP_PACKET_KIND_RTP = 3,
    /// RTCP (first byte 128-191, second byte 192-223 or 64-95).
    MP_PACKET_KIND_RTCP = 4,
    /// ZRTP (first byte 16-19).
    MP_PACKET_KIND_ZRTP = 5,
    /// TURN ChannelData (first byte 64-79).
    MP_PACKET_KIND_TURN_CHANNEL = 6,
}

/// Rewrites the packets of one outgoing RTP stream in place (opaque).
/// Owned by the caller from `mp_rtp_rewriter_new` to
/// `mp_rtp_rewriter_free`; it keeps no pointer to any packet. It may move
/// between threads but must not be used from two threads at once.
pub struct mp_rtp_rewriter {
    inner: StreamRewriter,
}

/// Reads `len` writable bytes at `ptr`; NULL is allowed only when `len` is
/// 0.
unsafe fn bytes_mut<'a>(
    ptr: *mut u8,
    len: usize,
    name: &'static str,
) -> Result<&'a mut [u8], Error> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&mut []);
        }
        return Err(Error::NullPointer(name));
    }
    if len > isize::MAX as usize {
        return Err(Error::InvalidArgument("length too large"));
    }
    // SAFETY: the caller guarantees `ptr` points to `len` writable bytes,
    // not otherwise accessed for the duration of the call.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

unsafe fn rewriter<'a>(rw: *mut mp_rtp_rewriter) -> Result<&'a mut StreamRewriter, Error> {
    check_ptr!(rw, "rewriter");
    // SAFETY: non-NULL and, per the contract, made by mp_rtp_rewriter_new,
    // not yet freed and not used by another thread meanwhile.
    Ok(unsafe { &mut (*rw).inner })
}

/// Edits the packet at `(buf, len)` with `f` after validating it.
unsafe fn edit(
    buf: *mut u8,
    len: usize,
    f: impl FnOnce(&mut RtpPacketMut<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let b = unsafe { bytes_mut(buf, len, "buf") }?;
    let mut p = RtpPacketMut::parse(b)?;
    f(&mut p)
}

/// Parses the RTP packet of `len` bytes at `buf` (caller-owned, not kept)
/// and fills `*out`. `MP_ERR_PARSE` when it is not a valid RTP packet
/// (version 2, CSRCs and extension that fit, a padding count within the
/// packet); `*out` is then left unchanged. Nothing is kept. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_parse(
    buf: *const u8,
    len: usize,
    out: *mut mp_rtp_header,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(out, "out");
        let b = unsafe { bytes(buf, len, "buf") }?;
        let p = RtpPacket::parse(b)?;
        let h = mp_rtp_header {
            version: p.version(),
            padding: p.padding(),
            extension: p.has_extension(),
            csrc_count: p.csrc_count(),
            marker: p.marker(),
            payload_type: p.payload_type(),
            sequence: p.sequence_number(),
            timestamp: p.timestamp(),
            ssrc: p.ssrc(),
            header_len: p.header_len(),
            payload_offset: p.payload_range().start,
            payload_len: p.payload().len(),
            padding_len: p.padding_len(),
        };
        // SAFETY: checked non-NULL; the caller passes writable storage.
        unsafe { write(out, h) };
        Ok(())
    })
}

/// Sets the marker bit of the RTP packet at `(buf, len)` in place.
/// `MP_ERR_PARSE` (packet unchanged) when it is not a valid RTP packet.
/// The buffer stays the caller's; the `mp_rtp_set_*` functions are
/// thread-safe on distinct buffers.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_set_marker(buf: *mut u8, len: usize, marker: bool) -> mp_status {
    ffi_boundary!({
        unsafe {
            edit(buf, len, |p| {
                p.set_marker(marker);
                Ok(())
            })
        }
    })
}

/// Sets the payload type (0-127; `MP_ERR_INVALID_ARGUMENT` above) of the
/// RTP packet at `(buf, len)` in place.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_set_payload_type(
    buf: *mut u8,
    len: usize,
    payload_type: u8,
) -> mp_status {
    ffi_boundary!({ unsafe { edit(buf, len, |p| p.set_payload_type(payload_type)) } })
}

/// Sets the sequence number of the RTP packet at `(buf, len)` in place.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_set_sequence(buf: *mut u8, len: usize, sequence: u16) -> mp_status {
    ffi_boundary!({
        unsafe {
            edit(buf, len, |p| {
                p.set_sequence_number(sequence);
                Ok(())
            })
        }
    })
}

/// Sets the timestamp of the RTP packet at `(buf, len)` in place.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_set_timestamp(
    buf: *mut u8,
    len: usize,
    timestamp: u32,
) -> mp_status {
    ffi_boundary!({
        unsafe {
            edit(buf, len, |p| {
                p.set_timestamp(timestamp);
                Ok(())
            })
        }
    })
}

/// Sets the SSRC of the RTP packet at `(buf, len)` in place.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_set_ssrc(buf: *mut u8, len: usize, ssrc: u32) -> mp_status {
    ffi_boundary!({
        unsafe {
            edit(buf, len, |p| {
                p.set_ssrc(ssrc);
                Ok(())
            })
        }
    })
}

/// Finds the first RFC 8285 header-extension element with `id` in the RTP
/// packet at `(buf, len)`; `*out` then points at its data, inside `buf`
/// (valid as long as the caller's buffer). `MP_ERR_NOT_FOUND` when the
/// packet has no such element (or no one- or two-byte extension).
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_extension_find(
    buf: *const u8,
    len: usize,
    id: u8,
    out: *mut mp_slice,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(out, "out");
        let b = unsafe { bytes(buf, len, "buf") }?;
        let p = RtpPacket::parse(b)?;
        let data = p
            .extensions()
            .find(|&(i, _)| i == id)
            .map(|(_, d)| d)
            .ok_or(Error::NotFound("extension element"))?;
        // SAFETY: checked non-NULL.
        unsafe { write(out, mp_slice::of(data)) };
        Ok(())
    })
}

/// Makes a rewriter whose packets leave with `out_ssrc`, and whose
/// timestamps advance by `default_ts_step` ticks (one frame, e.g. 160 for
/// 8 kHz / 20 ms, 960 for 48 kHz / 20 ms; not 0) across a source switch
/// when no arrival time is given. `*out` receives it (NULL on failure); the
/// caller owns it and frees it with `mp_rtp_rewriter_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_rewriter_new(
    out_ssrc: u32,
    default_ts_step: u32,
    out: *mut *mut mp_rtp_rewriter,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(out, "out");
        // SAFETY: checked non-NULL.
        unsafe { write(out, core::ptr::null_mut()) };
        let inner = StreamRewriter::new(out_ssrc, default_ts_step)?;
        let obj = Box::new(mp_rtp_rewriter { inner });
        // SAFETY: checked non-NULL.
        unsafe { write(out, Box::into_raw(obj)) };
        Ok(())
    })
}

/// Frees a rewriter; NULL is accepted and ignored. The rewriter must not be
/// in use by another thread.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_rewriter_free(rw: *mut mp_rtp_rewriter) {
    if rw.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: made by Box::into_raw in mp_rtp_rewriter_new and not yet
        // freed, per the contract.
        drop(unsafe { Box::from_raw(rw) });
    });
}

/// Rewrites payload type `from` to `to` (both 0-127).
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_rewriter_map_payload_type(
    rw: *mut mp_rtp_rewriter,
    from: u8,
    to: u8,
) -> mp_status {
    ffi_boundary!({ unsafe { rewriter(rw) }?.map_payload_type(from, to) })
}

/// Rewrites header-extension id `from` (1-255) to `to` (1-255), or, with
/// `to` 0, removes such elements by turning them into padding. A one-byte
/// header packet whose element would need an id above 14 is refused by
/// `mp_rtp_rewriter_rewrite` with `MP_ERR_UNSUPPORTED`.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_rewriter_map_extension(
    rw: *mut mp_rtp_rewriter,
    from: u8,
    to: u8,
) -> mp_status {
    ffi_boundary!({
        let r = unsafe { rewriter(rw) }?;
        if to == 0 {
            r.strip_extension(from)
        } else {
            r.map_extension(from, to)
        }
    })
}

/// Sets the marker bit on the first packet after every source switch
/// (useful for audio; off by default).
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_rewriter_set_marker_on_switch(
    rw: *mut mp_rtp_rewriter,
    on: bool,
) -> mp_status {
    ffi_boundary!({
        unsafe { rewriter(rw) }?.set_marker_on_switch(on);
        Ok(())
    })
}

/// Makes the next packet start a new source: its sequence number follows
/// the last one sent and its timestamp the last one plus the gap.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_rewriter_switch_source(rw: *mut mp_rtp_rewriter) -> mp_status {
    ffi_boundary!({
        unsafe { rewriter(rw) }?.switch_source();
        Ok(())
    })
}

/// Rewrites the RTP packet at `(buf, len)` in place: SSRC, sequence number
/// and timestamp continuous across source changes, payload type and
/// extension ids per the maps. On failure (`MP_ERR_PARSE`, `MP_ERR_INVALID`
/// for an RTCP packet type, `MP_ERR_UNSUPPORTED`) the packet and the
/// rewriter are unchanged. The buffer stays the caller's and is not kept.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_rewriter_rewrite(
    rw: *mut mp_rtp_rewriter,
    buf: *mut u8,
    len: usize,
) -> mp_status {
    ffi_boundary!({
        let r = unsafe { rewriter(rw) }?;
        let b = unsafe { bytes_mut(buf, len, "buf") }?;
        r.rewrite(b).map(|_| ())
    })
}

/// `mp_rtp_rewriter_rewrite` with the packet's arrival time `now` in RTP
/// clock ticks (any origin, the same for every call), from which a source
/// switch estimates the timestamp gap.
#[no_mangle]
pub unsafe extern "C" fn mp_rtp_rewriter_rewrite_at(
    rw: *mut mp_rtp_rewriter,
    buf: *mut u8,
    len: usize,
    now: u64,
) -> mp_status {
    ffi_boundary!({
        let r = unsafe { rewriter(rw) }?;
        let b = unsafe { bytes_mut(buf, len, "buf") }?;
        r.rewrite_at(b, now).map(|_| ())
    })
}

/// Classifies the datagram of `len` bytes at `buf` by its first bytes (RFC
/// 7983, RFC 5761). Total: NULL or empty input is `MP_PACKET_KIND_UNKNOWN`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_demux_classify(buf: *const u8, len: usize) -> mp_packet_kind {
    let kind = std::panic::catch_unwind(|| {
        let b = unsafe { bytes(buf, len, "buf") }.unwrap_or(&[]);
        classify(b)
    })
    .unwrap_or(PacketKind::Unknown);
    match kind {
        PacketKind::Stun => mp_packet_kind::MP_PACKET_KIND_STUN,
        PacketKind::Dtls => mp_packet_kind::MP_PACKET_KIND_DTLS,
        PacketKind::Rtp => mp_packet_kind::MP_PACKET_KIND_RTP,
        PacketKind::Rtcp => mp_packet_kind::MP_PACKET_KIND_RTCP,
        PacketKind::Zrtp => mp_packet_kind::MP_PACKET_KIND_ZRTP,
        PacketKind::TurnChannel => mp_packet_kind::MP_PACKET_KIND_TURN_CHANNEL,
        PacketKind::Unknown => mp_packet_kind::MP_PACKET_KIND_UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ptr::{null, null_mut};

    #[test]
    fn parse_and_rewrite_through_the_abi() {
        let mut pkt = [0x80u8, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xAA];
        let mut h = mp_rtp_header::default();
        unsafe {
            assert_eq!(
                mp_rtp_parse(pkt.as_ptr(), pkt.len(), &mut h),
                mp_status::MP_OK
            );
            assert_eq!(
                (h.sequence, h.timestamp, h.ssrc, h.payload_len),
                (1, 2, 3, 1)
            );
            assert_eq!(
                mp_rtp_parse(null(), 5, &mut h),
                mp_status::MP_ERR_NULL_POINTER
            );
            assert_eq!(
                mp_rtp_set_payload_type(pkt.as_mut_ptr(), pkt.len(), 200),
                mp_status::MP_ERR_INVALID_ARGUMENT
            );
            let mut rw = null_mut();
            assert_eq!(
                mp_rtp_rewriter_new(9, 0, &mut rw),
                mp_status::MP_ERR_INVALID_ARGUMENT
            );
            assert!(rw.is_null());
            assert_eq!(mp_rtp_rewriter_new(9, 160, &mut rw), mp_status::MP_OK);
            assert_eq!(
                mp_rtp_rewriter_rewrite(rw, pkt.as_mut_ptr(), pkt.len()),
                mp_status::MP_OK
            );
            mp_rtp_rewriter_free(rw);
            assert_eq!(
                mp_demux_classify(pkt.as_ptr(), pkt.len()),
                mp_packet_kind::MP_PACKET_KIND_RTP
            );
            assert_eq!(
                mp_demux_classify(null(), 3),
                mp_packet_kind::MP_PACKET_KIND_UNKNOWN
            );
        }
        assert_eq!(&pkt[8..12], &[0, 0, 0, 9]);
    }
}
