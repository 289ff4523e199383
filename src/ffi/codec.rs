//! C ABI of the codecs: G.711 conversions over caller buffers, G.722
//! encoder and decoder objects, and the RTP transcoder object.
//!
//! The G.711 calls hold no state and are thread-safe on distinct buffers.
//! Sample counts are counts of samples (or of G.711 octets, one per
//! sample), never of bytes. A pointer may be NULL when its count is 0, as
//! everywhere in this ABI.
//!
//! `mp_g722_encoder`, `mp_g722_decoder` and `mp_transcoder` are opaque
//! objects made by their `_new` function, owned by the caller and released
//! by their `_free` function (which accepts NULL). Each keeps state from
//! one call to the next and keeps no pointer to any caller buffer; an
//! object may move between threads but must not be used from two threads
//! at once. Objects share nothing, so one object per direction of a call
//! needs no locking.
//!
//! Formats are `mp_payload_format` integers, not a C enum, so that any value
//! a C caller passes is defined behaviour: an unknown one is refused with
//! `MP_ERR_INVALID_ARGUMENT`.
//!
//! Time: the transcoder's C functions take monotonic microseconds
//! (`now_us`, e.g. from `CLOCK_MONOTONIC`) on a scale the caller picks.
//! The library itself reads no clock on the packet path: the first `now_us`
//! a transcoder sees is tied to one reading of the monotonic clock taken at
//! that call, and every later value is mapped as that reading plus
//! (`now_us` - first `now_us`). A value earlier than the first one is taken
//! as the first one. Deadlines come back on the caller's scale.

use core::ffi::c_char;
use core::fmt::Write as _;
use std::time::{Duration, Instant};

use super::{bytes, check_ptr, ffi_boundary, mp_status, write};
use crate::codec::g711;
use crate::codec::g722::{G722Decoder, G722Encoder, G722Mode};
use crate::codec::transcoder::{PayloadFormat, Transcoder, TranscoderConfig, TranscoderStats};
use crate::error::{Error, Result};

/// Reads `n` values at `ptr`; NULL is allowed only when `n` is 0. A pointer
/// not aligned for `T` is refused rather than read.
unsafe fn items<'a, T>(ptr: *const T, n: usize, name: &'static str) -> Result<&'a [T]> {
    if ptr.is_null() {
        if n == 0 {
            return Ok(&[]);
        }
        return Err(Error::NullPointer(name));
    }
    check_len::<T>(ptr, n)?;
    // SAFETY: non-NULL, aligned, and per the contract `n` readable values
    // of `T` that nothing writes during the call; every bit pattern is a
    // valid `i16` or `u8`, the only `T`s used here.
    Ok(unsafe { core::slice::from_raw_parts(ptr, n) })
}

/// Writable counterpart of [`items`].
unsafe fn items_mut<'a, T>(ptr: *mut T, n: usize, name: &'static str) -> Result<&'a mut [T]> {
    if ptr.is_null() {
        if n == 0 {
            return Ok(&mut []);
        }
        return Err(Error::NullPointer(name));
    }
    check_len::<T>(ptr, n)?;
    // SAFETY: non-NULL, aligned, and per the contract `n` writable values
    // of `T` that nothing else reads or writes during the call.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, n) })
}

fn check_len<T>(ptr: *const T, n: usize) -> Result<()> {
    if !ptr.is_aligned() {
        return Err(Error::InvalidArgument("pointer not aligned for its type"));
    }
    if n.checked_mul(core::mem::size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(Error::InvalidArgument("length too large"));
    }
    Ok(())
}

/// Runs a G.711 linear-to-code conversion of `n` samples.
unsafe fn encode_g711(
    pcm: *const i16,
    n: usize,
    out: *mut u8,
    f: fn(&[i16], &mut [u8]) -> usize,
) -> Result<()> {
    let src = unsafe { items(pcm, n, "pcm") }?;
    if !out.is_null() && overlap(pcm.cast(), n.saturating_mul(2), out, n) {
        return Err(Error::InvalidArgument("pcm and out overlap"));
    }
    let dst = unsafe { items_mut(out, n, "out") }?;
    f(src, dst);
    Ok(())
}

/// Runs a G.711 code-to-linear conversion of `n` octets.
unsafe fn decode_g711(
    codes: *const u8,
    n: usize,
    pcm: *mut i16,
    f: fn(&[u8], &mut [i16]) -> usize,
) -> Result<()> {
    let src = unsafe { items(codes, n, "codes") }?;
    if !pcm.is_null() && overlap(codes, n, pcm.cast(), n.saturating_mul(2)) {
        return Err(Error::InvalidArgument("codes and pcm overlap"));
    }
    let dst = unsafe { items_mut(pcm, n, "pcm") }?;
    f(src, dst);
    Ok(())
}

/// Runs a direct μ-law/A-law conversion of `n` octets, in place when `input`
/// and `out` are the same buffer.
unsafe fn transcode_g711(
    input: *const u8,
    n: usize,
    out: *mut u8,
    one: fn(u8) -> u8,
    slice: fn(&[u8], &mut [u8]) -> usize,
) -> Result<()> {
    if n > 0 && !input.is_null() && core::ptr::eq(input, out) {
        for b in unsafe { items_mut(out, n, "out") }? {
            *b = one(*b);
        }
        return Ok(());
    }
    if !out.is_null() && !input.is_null() && overlap(input, n, out, n) {
        return Err(Error::InvalidArgument("in and out overlap"));
    }
    let src = unsafe { items(input, n, "in") }?;
    let dst = unsafe { items_mut(out, n, "out") }?;
    slice(src, dst);
    Ok(())
}

/// Whether `a_len` bytes at `a` and `b_len` bytes at `b` share a byte.
fn overlap(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> bool {
    let (a, b) = (a as usize, b as usize);
    a_len > 0 && b_len > 0 && a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}

/// Encodes `n` 16-bit linear samples at `pcm` to `n` μ-law octets at `out`
/// (ITU-T G.711, bit-exact with the G.191 reference). The buffers must not
/// overlap (`MP_ERR_INVALID_ARGUMENT` when they do). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_g711_ulaw_encode(pcm: *const i16, n: usize, out: *mut u8) -> mp_status {
    ffi_boundary!({ unsafe { encode_g711(pcm, n, out, g711::encode_ulaw) } })
}

/// Decodes `n` μ-law octets at `codes` to `n` 16-bit linear samples at
/// `pcm`. The buffers must not overlap. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_g711_ulaw_decode(
    codes: *const u8,
    n: usize,
    pcm: *mut i16,
) -> mp_status {
    ffi_boundary!({ unsafe { decode_g711(codes, n, pcm, g711::decode_ulaw) } })
}

/// Encodes `n` 16-bit linear samples at `pcm` to `n` A-law octets at `out`
/// (ITU-T G.711, bit-exact with the G.191 reference). The buffers must not
/// overlap. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_g711_alaw_encode(pcm: *const i16, n: usize, out: *mut u8) -> mp_status {
    ffi_boundary!({ unsafe { encode_g711(pcm, n, out, g711::encode_alaw) } })
}

/// Decodes `n` A-law octets at `codes` to `n` 16-bit linear samples at
/// `pcm`. The buffers must not overlap. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_g711_alaw_decode(
    codes: *const u8,
    n: usize,
    pcm: *mut i16,
) -> mp_status {
    ffi_boundary!({ unsafe { decode_g711(codes, n, pcm, g711::decode_alaw) } })
}

/// Converts `n` μ-law octets at `input` to A-law at `out` with the direct
/// table of G.711 (not through linear). `input` and `out` may be the same
/// buffer (converted in place) but must not overlap otherwise.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_g711_ulaw_to_alaw(
    input: *const u8,
    n: usize,
    out: *mut u8,
) -> mp_status {
    ffi_boundary!({
        unsafe { transcode_g711(input, n, out, g711::ulaw_to_alaw, g711::ulaw_to_alaw_slice) }
    })
}

/// Converts `n` A-law octets at `input` to μ-law at `out` with the direct
/// table of G.711. In place as for `mp_g711_ulaw_to_alaw`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_g711_alaw_to_ulaw(
    input: *const u8,
    n: usize,
    out: *mut u8,
) -> mp_status {
    ffi_boundary!({
        unsafe { transcode_g711(input, n, out, g711::alaw_to_ulaw, g711::alaw_to_ulaw_slice) }
    })
}

/// A G.722 bit rate in bit/s: 64000 (mode 1), 56000 (mode 2) or 48000
/// (mode 3).
fn g722_mode(bitrate: u32) -> Result<G722Mode> {
    G722Mode::from_bitrate(bitrate).ok_or(Error::InvalidArgument(
        "g722 bitrate must be 64000, 56000 or 48000",
    ))
}

/// A G.722 encoder (opaque): 16 kHz 16-bit linear in, one octet per two
/// samples out. Owned by the caller from `mp_g722_encoder_new` to
/// `mp_g722_encoder_free`; may move between threads, not be shared.
pub struct mp_g722_encoder {
    inner: G722Encoder,
}

/// A G.722 decoder (opaque): octets in, two 16 kHz 16-bit linear samples
/// per octet out. Owned by the caller from `mp_g722_decoder_new` to
/// `mp_g722_decoder_free`; may move between threads, not be shared.
pub struct mp_g722_decoder {
    inner: G722Decoder,
}

/// Boxes `obj` into `*out`, which is set to NULL first so that it is NULL
/// whenever `make` fails.
unsafe fn new_object<T>(out: *mut *mut T, make: impl FnOnce() -> Result<T>) -> Result<()> {
    check_ptr!(out, "out");
    // SAFETY: checked non-NULL; the caller passes writable storage.
    unsafe { write(out, core::ptr::null_mut()) };
    let obj = Box::new(make()?);
    // SAFETY: as above.
    unsafe { write(out, Box::into_raw(obj)) };
    Ok(())
}

/// Drops an object made by [`new_object`]; NULL is ignored.
unsafe fn free_object<T>(p: *mut T) {
    if p.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: made by Box::into_raw in new_object and not yet freed,
        // per the contract.
        drop(unsafe { Box::from_raw(p) });
    }));
}

/// The object behind a non-NULL pointer.
unsafe fn object<'a, T>(p: *mut T, name: &'static str) -> Result<&'a mut T> {
    if p.is_null() {
        return Err(Error::NullPointer(name));
    }
    // SAFETY: non-NULL and, per the contract, made by the matching _new,
    // not yet freed and not used by another thread during the call.
    Ok(unsafe { &mut *p })
}

/// Runs a conversion from `n_in` items at `input` to at most `cap` items at
/// `out`, where `need` items are needed: writes the count produced (or, when
/// `cap` is short, the count needed) to `*written`.
unsafe fn convert<I, O>(
    input: *const I,
    n_in: usize,
    out: *mut O,
    cap: usize,
    written: *mut usize,
    need: usize,
    f: impl FnOnce(&[I], &mut [O]) -> usize,
) -> Result<()> {
    check_ptr!(written, "written");
    // SAFETY: checked non-NULL; the caller passes a writable size_t.
    unsafe { write(written, 0) };
    let src = unsafe { items(input, n_in, "input") }?;
    if cap < need {
        // SAFETY: as above.
        unsafe { write(written, need) };
        return Err(Error::BufferTooSmall { needed: need });
    }
    let dst = unsafe { items_mut(out, cap, "out") }?;
    let n = f(src, dst);
    // SAFETY: as above.
    unsafe { write(written, n) };
    Ok(())
}

/// Makes a G.722 encoder at `bitrate` (64000, 56000 or 48000 bit/s, else
/// `MP_ERR_INVALID_ARGUMENT`) into `*out` (NULL on failure). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_encoder_new(
    bitrate: u32,
    out: *mut *mut mp_g722_encoder,
) -> mp_status {
    ffi_boundary!({
        unsafe {
            new_object(out, || {
                Ok(mp_g722_encoder {
                    inner: G722Encoder::new(g722_mode(bitrate)?),
                })
            })
        }
    })
}

/// Encodes `samples` 16 kHz samples at `pcm` into `out` (room for
/// `out_cap` octets); `*written` receives the number of octets written,
/// `samples` / 2 (an odd last sample is not encoded: pass frames of an
/// even number of samples). When `out_cap` is less, nothing is encoded, the call
/// returns `MP_ERR_BUFFER_TOO_SMALL` and `*written` receives the octets
/// needed. The encoder state carries over to the next call, so consecutive
/// frames of one stream go through one encoder.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_encoder_encode(
    enc: *mut mp_g722_encoder,
    pcm: *const i16,
    samples: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> mp_status {
    ffi_boundary!({
        let e = unsafe { object(enc, "enc") }?;
        unsafe {
            convert(pcm, samples, out, out_cap, written, samples / 2, |i, o| {
                e.inner.encode(i, o)
            })
        }
    })
}

/// Returns the encoder to its initial state, as for a new stream.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_encoder_reset(enc: *mut mp_g722_encoder) -> mp_status {
    ffi_boundary!({
        unsafe { object(enc, "enc") }?.inner.reset();
        Ok(())
    })
}

/// Frees an encoder; NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_encoder_free(enc: *mut mp_g722_encoder) {
    unsafe { free_object(enc) }
}

/// Makes a G.722 decoder for `bitrate` (64000, 56000 or 48000 bit/s, else
/// `MP_ERR_INVALID_ARGUMENT`) into `*out` (NULL on failure). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_decoder_new(
    bitrate: u32,
    out: *mut *mut mp_g722_decoder,
) -> mp_status {
    ffi_boundary!({
        unsafe {
            new_object(out, || {
                Ok(mp_g722_decoder {
                    inner: G722Decoder::new(g722_mode(bitrate)?),
                })
            })
        }
    })
}

/// Decodes `octets` octets at `data` into `pcm` (room for `pcm_cap`
/// samples); `*written` receives the number of 16 kHz samples written,
/// 2 × `octets`. When `pcm_cap` is less, nothing is decoded, the call
/// returns `MP_ERR_BUFFER_TOO_SMALL` and `*written` receives the samples
/// needed. Every octet value is valid input.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_decoder_decode(
    dec: *mut mp_g722_decoder,
    data: *const u8,
    octets: usize,
    pcm: *mut i16,
    pcm_cap: usize,
    written: *mut usize,
) -> mp_status {
    ffi_boundary!({
        let d = unsafe { object(dec, "dec") }?;
        let need = octets
            .checked_mul(2)
            .ok_or(Error::InvalidArgument("length too large"))?;
        unsafe {
            convert(data, octets, pcm, pcm_cap, written, need, |i, o| {
                d.inner.decode(i, o)
            })
        }
    })
}

/// Switches the decoder to `bitrate` (64000, 56000 or 48000 bit/s, else
/// `MP_ERR_INVALID_ARGUMENT` and no change) from the next octet on,
/// keeping its state.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_decoder_set_bitrate(
    dec: *mut mp_g722_decoder,
    bitrate: u32,
) -> mp_status {
    ffi_boundary!({
        let d = unsafe { object(dec, "dec") }?;
        d.inner.set_mode(g722_mode(bitrate)?);
        Ok(())
    })
}

/// Returns the decoder to its initial state, as for a new stream; the bit
/// rate is kept.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_decoder_reset(dec: *mut mp_g722_decoder) -> mp_status {
    ffi_boundary!({
        unsafe { object(dec, "dec") }?.inner.reset();
        Ok(())
    })
}

/// Frees a decoder; NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn mp_g722_decoder_free(dec: *mut mp_g722_decoder) {
    unsafe { free_object(dec) }
}

/// An RTP payload format the transcoder takes and produces, one of the
/// `MP_PAYLOAD_FORMAT_*` constants.
pub type mp_payload_format = u32;

/// G.711 μ-law, `PCMU/8000` (RFC 3551 static payload type 0).
pub const MP_PAYLOAD_FORMAT_PCMU: mp_payload_format = 1;
/// G.711 A-law, `PCMA/8000` (RFC 3551 static payload type 8).
pub const MP_PAYLOAD_FORMAT_PCMA: mp_payload_format = 2;
/// G.722 at 64 kbit/s, `G722/8000` (RFC 3551 static payload type 9; the
/// RTP clock is 8000 Hz although the codec samples at 16 kHz).
pub const MP_PAYLOAD_FORMAT_G722: mp_payload_format = 3;

/// The value of an optional payload type field of `mp_transcoder_config`
/// that is not in use.
pub const MP_PT_NONE: i32 = -1;

/// What `mp_transcoder_poll_timeout` writes when no timer is pending.
pub const MP_NO_DEADLINE: u64 = u64::MAX;

fn format_of(f: mp_payload_format) -> Result<PayloadFormat> {
    Ok(match f {
        MP_PAYLOAD_FORMAT_PCMU => PayloadFormat::Pcmu,
        MP_PAYLOAD_FORMAT_PCMA => PayloadFormat::Pcma,
        MP_PAYLOAD_FORMAT_G722 => PayloadFormat::G722,
        _ => return Err(Error::InvalidArgument("unknown mp_payload_format value")),
    })
}

fn format_value(f: PayloadFormat) -> mp_payload_format {
    match f {
        PayloadFormat::Pcmu => MP_PAYLOAD_FORMAT_PCMU,
        PayloadFormat::Pcma => MP_PAYLOAD_FORMAT_PCMA,
        PayloadFormat::G722 => MP_PAYLOAD_FORMAT_G722,
    }
}

/// The configuration of one transcoding direction, as plain data owned by
/// the caller. Start from `mp_transcoder_config_default` and change what
/// the session negotiated.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mp_transcoder_config {
    /// Payload format of the packets pushed in.
    pub input: mp_payload_format,
    /// Their RTP payload type (0-127); other payload types are refused.
    pub input_pt: u8,
    /// Payload format of the packets produced.
    pub output: mp_payload_format,
    /// Their RTP payload type (0-127).
    pub output_pt: u8,
    /// SSRC of the packets produced.
    pub output_ssrc: u32,
    /// Audio per packet produced, in milliseconds (10, 20, 30, 40, 50 or
    /// 60).
    pub output_ptime_ms: u32,
    /// Payload type of RFC 4733 telephone-events coming in (0-127), or
    /// `MP_PT_NONE`.
    pub input_dtmf_pt: i32,
    /// Payload type telephone-events leave with (0-127), or `MP_PT_NONE` to
    /// drop them.
    pub output_dtmf_pt: i32,
    /// Payload type of RFC 3389 comfort noise coming in (0-127), or
    /// `MP_PT_NONE` for the static 13.
    pub input_cn_pt: i32,
    /// Payload type comfort noise leaves with (0-127), or `MP_PT_NONE` for
    /// the static 13.
    pub output_cn_pt: i32,
    /// Whether comfort noise is passed through (true) or dropped.
    pub pass_cn: bool,
    /// How many packets are held waiting for a missing one (0-32).
    pub reorder_window: u16,
    /// How long, in milliseconds, a gap waits for a late packet before it
    /// is concealed, and how long past the expected next packet a partly
    /// filled output packet waits before it is sent short.
    pub max_hold_ms: u32,
    /// Sequence number of the first packet produced.
    pub initial_seq: u16,
    /// RTP timestamp of the first packet produced.
    pub initial_timestamp: u32,
}

fn pt_of(v: i32) -> Result<Option<u8>> {
    match v {
        MP_PT_NONE => Ok(None),
        0..=127 => Ok(u8::try_from(v).ok()),
        _ => Err(Error::InvalidArgument(
            "payload type must be 0-127 or MP_PT_NONE",
        )),
    }
}

fn pt_value(p: Option<u8>) -> i32 {
    p.map_or(MP_PT_NONE, i32::from)
}

impl mp_transcoder_config {
    fn from_config(c: &TranscoderConfig) -> Self {
        mp_transcoder_config {
            input: format_value(c.input),
            input_pt: c.input_pt,
            output: format_value(c.output),
            output_pt: c.output_pt,
            output_ssrc: c.output_ssrc,
            output_ptime_ms: c.output_ptime_ms,
            input_dtmf_pt: pt_value(c.input_dtmf_pt),
            output_dtmf_pt: pt_value(c.output_dtmf_pt),
            input_cn_pt: pt_value(c.input_cn_pt),
            output_cn_pt: pt_value(c.output_cn_pt),
            pass_cn: c.pass_cn,
            reorder_window: c.reorder_window,
            max_hold_ms: u32::try_from(c.max_hold.as_millis()).unwrap_or(u32::MAX),
            initial_seq: c.initial_seq,
            initial_timestamp: c.initial_timestamp,
        }
    }

    fn config(&self) -> Result<TranscoderConfig> {
        let mut c = TranscoderConfig::new(
            format_of(self.input)?,
            format_of(self.output)?,
            self.output_ssrc,
        );
        c.input_pt = self.input_pt;
        c.output_pt = self.output_pt;
        c.output_ptime_ms = self.output_ptime_ms;
        c.input_dtmf_pt = pt_of(self.input_dtmf_pt)?;
        c.output_dtmf_pt = pt_of(self.output_dtmf_pt)?;
        c.input_cn_pt = pt_of(self.input_cn_pt)?;
        c.output_cn_pt = pt_of(self.output_cn_pt)?;
        c.pass_cn = self.pass_cn;
        c.reorder_window = self.reorder_window;
        c.max_hold = Duration::from_millis(u64::from(self.max_hold_ms));
        c.initial_seq = self.initial_seq;
        c.initial_timestamp = self.initial_timestamp;
        Ok(c)
    }
}

/// Ties the caller's microsecond scale to `Instant`: the first value seen
/// is the monotonic clock read once at that moment.
#[derive(Default)]
struct Clock {
    base: Option<(Instant, u64)>,
}

impl Clock {
    fn instant(&mut self, now_us: u64) -> Result<Instant> {
        let (t0, us0) = *self.base.get_or_insert_with(|| (Instant::now(), now_us));
        t0.checked_add(Duration::from_micros(now_us.saturating_sub(us0)))
            .ok_or(Error::InvalidArgument(
                "now_us is too far after the first time given",
            ))
    }

    /// `t` on the caller's scale, rounded up to the next microsecond so that
    /// handing the value back reaches the deadline.
    fn micros(&self, t: Instant) -> u64 {
        let Some((t0, us0)) = self.base else {
            return 0;
        };
        let us = t.saturating_duration_since(t0).as_nanos().div_ceil(1000);
        us0.saturating_add(u64::try_from(us).unwrap_or(u64::MAX))
    }
}

/// One transcoding direction (opaque): RTP of one payload format in, RTP
/// of another out, with its own SSRC, sequence numbers and timestamps.
/// Owned by the caller from `mp_transcoder_new` to `mp_transcoder_free`;
/// it keeps no pointer to caller memory. It may move between threads but
/// must not be used from two threads at once.
pub struct mp_transcoder {
    inner: Transcoder,
    clock: Clock,
    /// NUL-terminated text of the last error, written without allocating.
    last_error: [u8; 192],
}

impl mp_transcoder {
    fn record(&mut self, e: &Error) {
        struct W<'a> {
            buf: &'a mut [u8],
            len: usize,
        }
        impl core::fmt::Write for W<'_> {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                let room = self.buf.len().saturating_sub(1 + self.len);
                let n = s.len().min(room);
                if let (Some(dst), Some(src)) = (
                    self.buf.get_mut(self.len..self.len + n),
                    s.as_bytes().get(..n),
                ) {
                    dst.copy_from_slice(src);
                    self.len += n;
                }
                Ok(())
            }
        }
        let mut w = W {
            buf: &mut self.last_error,
            len: 0,
        };
        let _ = write!(w, "{e}");
        let end = w.len;
        if let Some(b) = self.last_error.get_mut(end) {
            *b = 0;
        }
    }

    /// Runs `f`, recording its error.
    fn run<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let r = f(self);
        if let Err(e) = &r {
            self.record(e);
        }
        r
    }
}

/// Fills `*out` with the defaults for a direction from `input` to `output`
/// leaving with `output_ssrc`: the formats' static payload types (0, 8, 9),
/// 20 ms packets, no telephone-events, comfort noise on the static payload
/// type 13 and dropped, a reorder window of 3 packets, 60 ms of hold, and
/// sequence numbers and timestamps starting at 0 (a host should draw
/// random ones, RFC 3550 section 5.1). An unknown format gives
/// `MP_ERR_INVALID_ARGUMENT`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_config_default(
    input: mp_payload_format,
    output: mp_payload_format,
    output_ssrc: u32,
    out: *mut mp_transcoder_config,
) -> mp_status {
    ffi_boundary!({
        check_ptr!(out, "out");
        let c = TranscoderConfig::new(format_of(input)?, format_of(output)?, output_ssrc);
        // SAFETY: checked non-NULL; the caller passes writable storage.
        unsafe { write(out, mp_transcoder_config::from_config(&c)) };
        Ok(())
    })
}

/// Makes a transcoder from `*config` (read during the call only) into
/// `*out` (NULL on failure). An inconsistent configuration gives
/// `MP_ERR_INVALID_ARGUMENT`: an unknown format, a payload type above 127
/// (or an optional one below -1), one payload type given to two formats on
/// the same side, an output ptime other than 10, 20, 30, 40, 50 or 60 ms,
/// or a reorder window above 32. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_new(
    config: *const mp_transcoder_config,
    out: *mut *mut mp_transcoder,
) -> mp_status {
    ffi_boundary!({
        unsafe {
            new_object(out, || {
                check_ptr!(config, "config");
                // SAFETY: non-NULL; the caller passes a readable config, and
                // every bit pattern of its fields is a valid value except
                // for `pass_cn`, which C's bool keeps 0 or 1.
                let c = (&*config).config()?;
                Ok(mp_transcoder {
                    inner: Transcoder::new(c)?,
                    clock: Clock::default(),
                    last_error: [0; 192],
                })
            })
        }
    })
}

/// Frees a transcoder; NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_free(t: *mut mp_transcoder) {
    unsafe { free_object(t) }
}

/// The text of the last error a call on this transcoder recorded, or "" if
/// none; valid until the next call on it. NULL for a NULL transcoder.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_last_error(t: *const mp_transcoder) -> *const c_char {
    if t.is_null() {
        return core::ptr::null();
    }
    // SAFETY: non-NULL and live per the contract; the buffer is always
    // NUL-terminated.
    unsafe { (*t).last_error.as_ptr().cast() }
}

/// Feeds one received RTP packet (after SRTP, if any: `len` bytes at
/// `rtp`, read during the call only) that arrived at `now_us`. A refused
/// packet changes nothing but the `bad_packets` count, and the transcoder
/// takes the next packet as if it had not come: `MP_ERR_PARSE` for one
/// that is not RTP (an empty one included) or whose telephone-event or
/// comfort-noise payload is malformed, `MP_ERR_UNSUPPORTED` for a payload
/// type the configuration does not name, `MP_ERR_INVALID` for audio with
/// no payload, `MP_ERR_LIMIT` for a payload longer than 960 octets
/// (120 ms). The reason is in `mp_transcoder_last_error`. After a push,
/// poll for output.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_push(
    t: *mut mp_transcoder,
    now_us: u64,
    rtp: *const u8,
    len: usize,
) -> mp_status {
    ffi_boundary!({
        unsafe { object(t, "t") }?.run(|t| {
            let now = t.clock.instant(now_us)?;
            let b = unsafe { bytes(rtp, len, "rtp") }?;
            t.inner.push(now, b)
        })
    })
}

/// Copies the next packet produced into `buf` (room for `cap` bytes) and
/// writes its length to `*written`; when nothing is queued the call
/// returns `MP_OK` with `*written` = 0 (a packet is never empty). When
/// `cap` is too small the call returns `MP_ERR_BUFFER_TOO_SMALL` with the
/// size needed in `*written`, and the packet stays queued;
/// `mp_transcoder_max_output_packet_len` gives a size that always fits.
/// Call it until `*written` is 0 after every push and timeout.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_poll_output(
    t: *mut mp_transcoder,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> mp_status {
    ffi_boundary!({
        unsafe { object(t, "t") }?.run(|t| {
            check_ptr!(written, "written");
            // SAFETY: checked non-NULL; the caller passes a writable size_t.
            unsafe { write(written, 0) };
            let b = unsafe { items_mut(buf, cap, "buf") }?;
            match t.inner.poll_output(b) {
                Ok(n) => {
                    // SAFETY: as above.
                    unsafe { write(written, n.unwrap_or(0)) };
                    Ok(())
                }
                Err(e) => {
                    if let Error::BufferTooSmall { needed } = e {
                        // SAFETY: as above.
                        unsafe { write(written, needed) };
                    }
                    Err(e)
                }
            }
        })
    })
}

/// Tells the transcoder the time is `now_us`: a gap that waited the hold
/// time for a late packet is concealed and what was held after it
/// released; a partly filled output packet that no audio came to fill is
/// sent short. Poll for output afterwards.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_handle_timeout(
    t: *mut mp_transcoder,
    now_us: u64,
) -> mp_status {
    ffi_boundary!({
        unsafe { object(t, "t") }?.run(|t| {
            let now = t.clock.instant(now_us)?;
            t.inner.handle_timeout(now);
            Ok(())
        })
    })
}

/// Writes to `*deadline_us` when `mp_transcoder_handle_timeout` should next
/// be called, on the caller's microsecond scale, or `MP_NO_DEADLINE` when
/// no timer is pending.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_poll_timeout(
    t: *mut mp_transcoder,
    deadline_us: *mut u64,
) -> mp_status {
    ffi_boundary!({
        let t = unsafe { object(t, "t") }?;
        check_ptr!(deadline_us, "deadline_us");
        let d = t
            .inner
            .poll_timeout()
            .map_or(MP_NO_DEADLINE, |i| t.clock.micros(i));
        // SAFETY: checked non-NULL; the caller passes a writable uint64_t.
        unsafe { write(deadline_us, d) };
        Ok(())
    })
}

/// Forgets the input stream: held packets are discarded, audio already
/// transcoded is queued (a partly filled packet sent short), decoder and
/// concealment start afresh. The output stream goes on: its sequence
/// numbers and timestamps continue and its next packet is marked. The
/// configuration and statistics are kept.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_reset(t: *mut mp_transcoder) -> mp_status {
    ffi_boundary!({
        unsafe { object(t, "t") }?.inner.reset();
        Ok(())
    })
}

/// Writes to `*out` the largest packet `mp_transcoder_poll_output` can
/// produce with this configuration.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_max_output_packet_len(
    t: *mut mp_transcoder,
    out: *mut usize,
) -> mp_status {
    ffi_boundary!({
        let t = unsafe { object(t, "t") }?;
        check_ptr!(out, "out");
        // SAFETY: checked non-NULL; the caller passes a writable size_t.
        unsafe { write(out, t.inner.max_output_packet_len()) };
        Ok(())
    })
}

/// What a transcoder has done so far, filled in by
/// `mp_transcoder_get_stats`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mp_transcoder_stats {
    /// Packets accepted by `mp_transcoder_push` (audio, events and noise).
    pub packets_in: u64,
    /// Packets handed out by `mp_transcoder_poll_output`.
    pub packets_out: u64,
    /// Gaps filled with concealed audio (one per run of lost packets).
    pub concealed_frames: u64,
    /// RTP timestamp ticks (1/8000 s) of concealed audio.
    pub concealed_ticks: u64,
    /// Packets that arrived after a later one and were put back in order.
    pub reordered: u64,
    /// Packets dropped because their time was already output.
    pub late_dropped: u64,
    /// Packets dropped as copies of one already received.
    pub duplicates: u64,
    /// Stream restarts: SSRC changes, large jumps and resets.
    pub resets: u64,
    /// Telephone-event packets passed through.
    pub dtmf_passed: u64,
    /// Telephone-event packets dropped (no output payload type).
    pub dtmf_dropped: u64,
    /// Audio packets dropped because they overlap a telephone-event.
    pub audio_in_event_dropped: u64,
    /// Comfort-noise packets passed through.
    pub cn_passed: u64,
    /// Comfort-noise packets dropped by configuration.
    pub cn_dropped: u64,
    /// Packets `mp_transcoder_push` refused with an error status.
    pub bad_packets: u64,
    /// Output packets dropped because the host did not poll them in time.
    pub output_dropped: u64,
}

impl From<TranscoderStats> for mp_transcoder_stats {
    fn from(s: TranscoderStats) -> Self {
        mp_transcoder_stats {
            packets_in: s.packets_in,
            packets_out: s.packets_out,
            concealed_frames: s.concealed_frames,
            concealed_ticks: s.concealed_ticks,
            reordered: s.reordered,
            late_dropped: s.late_dropped,
            duplicates: s.duplicates,
            resets: s.resets,
            dtmf_passed: s.dtmf_passed,
            dtmf_dropped: s.dtmf_dropped,
            audio_in_event_dropped: s.audio_in_event_dropped,
            cn_passed: s.cn_passed,
            cn_dropped: s.cn_dropped,
            bad_packets: s.bad_packets,
            output_dropped: s.output_dropped,
        }
    }
}

/// Writes the transcoder's counters to `*out`.
#[no_mangle]
pub unsafe extern "C" fn mp_transcoder_get_stats(
    t: *mut mp_transcoder,
    out: *mut mp_transcoder_stats,
) -> mp_status {
    ffi_boundary!({
        let t = unsafe { object(t, "t") }?;
        check_ptr!(out, "out");
        // SAFETY: checked non-NULL; the caller passes writable storage.
        unsafe { write(out, t.inner.stats().into()) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ptr::{null, null_mut};
    use mp_status::*;

    #[test]
    fn clock_maps_microseconds_and_clamps_earlier_times() {
        let mut c = Clock::default();
        let t0 = c.instant(5_000_000).unwrap();
        assert_eq!(
            c.instant(5_020_000).unwrap() - t0,
            Duration::from_millis(20)
        );
        assert_eq!(c.instant(1).unwrap(), t0);
        assert_eq!(c.micros(t0 + Duration::from_micros(1234)), 5_001_234);
        // A deadline between two microseconds is given as the later one,
        // so handing it back reaches it.
        assert_eq!(c.micros(t0 + Duration::from_nanos(1_500)), 5_000_002);
        assert_eq!(c.micros(t0 - Duration::from_millis(1)), 5_000_000);
    }

    #[test]
    fn overlap_is_exact_at_the_edges() {
        let b = [0u8; 16];
        let p = b.as_ptr();
        assert!(!overlap(p, 8, p.wrapping_add(8), 8));
        assert!(overlap(p, 9, p.wrapping_add(8), 8));
        assert!(overlap(p.wrapping_add(8), 8, p, 9));
        assert!(!overlap(p, 0, p, 8));
    }

    #[test]
    fn last_error_is_recorded_and_truncated() {
        let mut cfg = core::mem::MaybeUninit::<mp_transcoder_config>::uninit();
        let st = unsafe {
            mp_transcoder_config_default(
                MP_PAYLOAD_FORMAT_PCMA,
                MP_PAYLOAD_FORMAT_G722,
                7,
                cfg.as_mut_ptr(),
            )
        };
        assert_eq!(st, MP_OK);
        let cfg = unsafe { cfg.assume_init() };
        let mut t = null_mut();
        assert_eq!(unsafe { mp_transcoder_new(&cfg, &mut t) }, MP_OK);
        let pkt = [0x80u8, 99, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xd5];
        let st = unsafe { mp_transcoder_push(t, 0, pkt.as_ptr(), pkt.len()) };
        assert_eq!(st, MP_ERR_UNSUPPORTED);
        let text = unsafe { core::ffi::CStr::from_ptr(mp_transcoder_last_error(t)) };
        assert!(text.to_str().unwrap().contains("payload type"), "{text:?}");
        let obj = unsafe { &mut *t };
        obj.record(&Error::Unsupported(
            "a very long reason ........................................................................................................................................................................................................",
        ));
        assert_eq!(obj.last_error[191], 0);
        let stats = obj.inner.stats();
        assert_eq!(stats.bad_packets, 1);
        unsafe { mp_transcoder_free(t) };
        assert!(unsafe { mp_transcoder_last_error(null()) }.is_null());
    }

    #[test]
    fn config_round_trips_through_the_c_struct() {
        let mut c = TranscoderConfig::new(PayloadFormat::G722, PayloadFormat::Pcmu, 9);
        c.input_dtmf_pt = Some(101);
        c.output_dtmf_pt = Some(96);
        c.output_cn_pt = Some(19);
        c.pass_cn = true;
        c.max_hold = Duration::from_millis(80);
        c.initial_seq = 4321;
        c.initial_timestamp = 0xdead_beef;
        let m = mp_transcoder_config::from_config(&c);
        assert_eq!(m.input_cn_pt, MP_PT_NONE);
        let back = m.config().unwrap();
        assert_eq!(format!("{back:?}"), format!("{c:?}"));
        for bad in [-2, 128, i32::MIN, i32::MAX] {
            assert!(pt_of(bad).is_err());
        }
    }
}
