//! C ABI of the RTCP view and feedback builders.
//!
//! Stateless: every function reads the caller's buffer for the duration of
//! the call and keeps nothing, so all of them are thread-safe. Validation
//! and packet access allocate nothing; the builders write into the caller's
//! buffer and report the size needed when it is too small.

use super::{bytes, check_ptr, ffi_boundary, mp_status, write};
use crate::error::Error;
use crate::rtp::rtcp::{self, Mode, RtcpCompound};

/// One packet of an RTCP datagram, as `mp_rtcp_packet_at` reports it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct mp_rtcp_header {
    /// Packet type (PT): 200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP,
    /// 205 transport feedback, 206 payload-specific feedback, 207 XR.
    pub packet_type: u8,
    /// The 5-bit count field: report or source count, APP subtype, or the
    /// feedback FMT (205: 1 NACK, 15 transport-cc; 206: 1 PLI, 4 FIR,
    /// 15 application layer feedback such as REMB).
    pub count: u8,
    /// Whether the P bit is set (only the last packet may have it).
    pub padding: bool,
    /// Offset of the packet's first byte in the datagram.
    pub offset: usize,
    /// Length of the packet in bytes, header and padding included.
    pub length: usize,
}

/// Validates `len` bytes at `data` as one RTCP datagram (RFC 3550 A.2):
/// version 2 everywhere, lengths that add up to the datagram, padding only
/// on the last packet and, unless `reduced_size` (RFC 5506, for sessions
/// that negotiated `a=rtcp-rsize`), an SR or RR first. `MP_ERR_PARSE` for
/// malformed bytes, `MP_ERR_INVALID` for a broken compound rule,
/// `MP_ERR_LIMIT` above 65535 bytes.
#[no_mangle]
pub unsafe extern "C" fn mp_rtcp_validate(
    data: *const u8,
    len: usize,
    reduced_size: bool,
) -> mp_status {
    ffi_boundary!({
        let buf = unsafe { bytes(data, len, "data") }?;
        let mode = if reduced_size {
            Mode::ReducedSize
        } else {
            Mode::Full
        };
        rtcp::validate_compound(buf, mode).map(drop)
    })
}

/// Writes to `*count` the number of packets in the RTCP datagram at `data`.
/// The datagram is checked as `mp_rtcp_validate` does in reduced-size mode
/// (any first packet); call that first for the full compound rules.
#[no_mangle]
pub unsafe extern "C" fn mp_rtcp_packet_count(
    data: *const u8,
    len: usize,
    count: *mut usize,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(count, "count");
        let buf = unsafe { bytes(data, len, "data") }?;
        let c = RtcpCompound::parse(buf, Mode::ReducedSize)?;
        unsafe { write(count, c.packet_count()) };
        Ok(())
    })
}

/// Describes in `*out` the `index`-th packet (0-based) of the RTCP datagram
/// at `data`, checked as in `mp_rtcp_packet_count`. The packet's bytes are
/// `data + out->offset`, `out->length` of them. `MP_ERR_NOT_FOUND` past the
/// last packet. Walks from the start: O(index).
#[no_mangle]
pub unsafe extern "C" fn mp_rtcp_packet_at(
    data: *const u8,
    len: usize,
    index: usize,
    out: *mut mp_rtcp_header,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(out, "out");
        let buf = unsafe { bytes(data, len, "data") }?;
        let c = RtcpCompound::parse(buf, Mode::ReducedSize)?;
        let p = c.get(index).ok_or(Error::NotFound("rtcp packet index"))?;
        let h = mp_rtcp_header {
            packet_type: p.packet_type(),
            count: p.count(),
            padding: p.padding(),
            offset: p.offset(),
            length: p.len(),
        };
        unsafe { write(out, h) };
        Ok(())
    })
}

/// Copies `src` to the caller's buffer, or reports the size needed.
unsafe fn copy_out(
    src: &[u8],
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> Result<(), Error> {
    // SAFETY: `written` was checked non-NULL by the caller.
    unsafe { write(written, src.len()) };
    if out.is_null() || out_len < src.len() {
        return Err(Error::BufferTooSmall { needed: src.len() });
    }
    // SAFETY: `out` has `out_len >= src.len()` writable bytes per the
    // contract, and cannot overlap `src`, which Rust owns.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), out, src.len()) };
    Ok(())
}

/// Writes a PLI (RFC 4585 §6.3.1, 12 bytes) from `sender_ssrc` about
/// `media_ssrc` into `out` (`out_len` bytes). `*written` receives the
/// length; when `out` is NULL or too small the call returns
/// `MP_ERR_BUFFER_TOO_SMALL` and `*written` the size needed.
#[no_mangle]
pub unsafe extern "C" fn mp_rtcp_build_pli(
    sender_ssrc: u32,
    media_ssrc: u32,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(written, "written");
        let mut v = Vec::with_capacity(rtcp::PLI_LEN);
        rtcp::build_pli(sender_ssrc, media_ssrc, &mut v)?;
        unsafe { copy_out(&v, out, out_len, written) }
    })
}

/// Writes a generic NACK (RFC 4585 §6.2.1) from `sender_ssrc` about
/// `media_ssrc` reporting the `n` lost sequence numbers at `seqs` (in RTP
/// order for the tightest packing; wrap-around is fine) into `out`
/// (`out_len` bytes): 12 bytes plus 4 per PID/BLP entry, several NACK
/// packets when there are more than 253 entries. `*written` receives the
/// length; when `out` is NULL or too small the call returns
/// `MP_ERR_BUFFER_TOO_SMALL` and `*written` the size needed. `n` = 0 is
/// `MP_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn mp_rtcp_build_nack(
    sender_ssrc: u32,
    media_ssrc: u32,
    seqs: *const u16,
    n: usize,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(written, "written");
        if n == 0 {
            return Err(Error::InvalidArgument("no lost sequence numbers"));
        }
        check_ptr!(seqs, "seqs");
        if !seqs.is_aligned() {
            return Err(Error::InvalidArgument("seqs is not aligned for uint16_t"));
        }
        if n > isize::MAX as usize / 2 {
            return Err(Error::InvalidArgument("length too large"));
        }
        // SAFETY: non-NULL and aligned; the caller guarantees `n` readable
        // uint16_t values that stay valid for the call.
        let lost = unsafe { core::slice::from_raw_parts(seqs, n) };
        let need = rtcp::nack_len(lost);
        if out.is_null() || out_len < need {
            unsafe { write(written, need) };
            return Err(Error::BufferTooSmall { needed: need });
        }
        let mut v = Vec::with_capacity(need);
        rtcp::build_nack(sender_ssrc, media_ssrc, lost, &mut v)?;
        unsafe { copy_out(&v, out, out_len, written) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLI: [u8; 12] = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];

    #[test]
    fn validate_and_walk() {
        let mut rr = vec![0x80, 201, 0, 1, 0, 0, 0, 9];
        rr.extend_from_slice(&PLI);
        unsafe {
            assert_eq!(
                mp_rtcp_validate(rr.as_ptr(), rr.len(), false),
                mp_status::MP_OK
            );
            assert_eq!(
                mp_rtcp_validate(PLI.as_ptr(), PLI.len(), false),
                mp_status::MP_ERR_INVALID
            );
            assert_eq!(
                mp_rtcp_validate(PLI.as_ptr(), PLI.len(), true),
                mp_status::MP_OK
            );
            let mut n = 0;
            assert_eq!(
                mp_rtcp_packet_count(rr.as_ptr(), rr.len(), &mut n),
                mp_status::MP_OK
            );
            assert_eq!(n, 2);
            let mut h = core::mem::zeroed::<mp_rtcp_header>();
            assert_eq!(
                mp_rtcp_packet_at(rr.as_ptr(), rr.len(), 1, &mut h),
                mp_status::MP_OK
            );
            assert_eq!(
                (h.packet_type, h.count, h.offset, h.length),
                (206, 1, 8, 12)
            );
            assert_eq!(
                mp_rtcp_packet_at(rr.as_ptr(), rr.len(), 2, &mut h),
                mp_status::MP_ERR_NOT_FOUND
            );
        }
    }

    #[test]
    fn builders_report_the_size_needed() {
        let mut out = [0u8; 16];
        let mut w = 0;
        unsafe {
            assert_eq!(
                mp_rtcp_build_pli(1, 2, out.as_mut_ptr(), 11, &mut w),
                mp_status::MP_ERR_BUFFER_TOO_SMALL
            );
            assert_eq!(w, 12);
            assert_eq!(
                mp_rtcp_build_pli(1, 2, out.as_mut_ptr(), out.len(), &mut w),
                mp_status::MP_OK
            );
            assert_eq!(out[..12], PLI);
            let seqs = [100u16, 101, 116, 117];
            assert_eq!(
                mp_rtcp_build_nack(1, 2, seqs.as_ptr(), 4, core::ptr::null_mut(), 0, &mut w),
                mp_status::MP_ERR_BUFFER_TOO_SMALL
            );
            assert_eq!(w, 20);
            assert_eq!(
                mp_rtcp_build_nack(1, 2, seqs.as_ptr(), 4, out.as_mut_ptr(), 16, &mut w),
                mp_status::MP_ERR_BUFFER_TOO_SMALL
            );
            let mut big = [0u8; 20];
            assert_eq!(
                mp_rtcp_build_nack(1, 2, seqs.as_ptr(), 4, big.as_mut_ptr(), 20, &mut w),
                mp_status::MP_OK
            );
            assert_eq!(w, 20);
        }
    }
}
