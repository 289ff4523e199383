//! [`RtpPacket`] and [`RtpPacketMut`]: one RTP packet viewed in place
//! (RFC 3550 §5.1, §5.3.1; RFC 8285 §4).
//!
//! Parsing checks only what every later read depends on — version 2, that
//! the CSRC list and the header extension fit, and that the padding count
//! lies within the packet — and remembers three offsets. Fields are decoded
//! from the bytes when asked for, and header-extension elements are walked
//! on demand, so a relay that reads the SSRC and the sequence number pays
//! for two loads. [`RtpPacketMut`] adds in-place setters for the fields a
//! relay rewrites, and edits extension elements without moving a byte.
//! [`RtpHeaderBuilder`] writes a header into a caller's buffer.

use core::ops::Range;

use crate::error::{Error, Result};

/// The RTP version this module reads and writes (RFC 3550 §5.1).
pub const RTP_VERSION: u8 = 2;

/// Length of the fixed RTP header, without CSRCs or extension.
pub const FIXED_HEADER_LEN: usize = 12;

/// Most CSRC identifiers a header can carry (the CC field has 4 bits).
pub const MAX_CSRC_COUNT: usize = 15;

/// The "defined by profile" value of the RFC 8285 one-byte-header form.
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;

/// The "defined by profile" value of the RFC 8285 two-byte-header form;
/// its low 4 bits ("appbits") are free for the application, so any value
/// `0x1000..=0x100F` announces the form.
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// The header-extension form a packet uses (RFC 8285 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionForm {
    /// One-byte headers (profile `0xBEDE`): ids 1..=14, 1 to 16 data bytes.
    OneByte,
    /// Two-byte headers (profile `0x100X`): ids 1..=255, 0 to 255 data
    /// bytes.
    TwoByte,
    /// Some other profile-defined extension, opaque to this module.
    Other(u16),
}

impl ExtensionForm {
    /// The form announced by an extension's "defined by profile" field.
    pub const fn from_profile(profile: u16) -> Self {
        if profile == ONE_BYTE_PROFILE {
            ExtensionForm::OneByte
        } else if profile & 0xFFF0 == TWO_BYTE_PROFILE {
            ExtensionForm::TwoByte
        } else {
            ExtensionForm::Other(profile)
        }
    }

    /// Whether an element of this form can carry `id` (one-byte: 1..=14,
    /// two-byte: 1..=255; never for other profiles).
    pub const fn accepts_id(self, id: u8) -> bool {
        match self {
            ExtensionForm::OneByte => id >= 1 && id <= 14,
            ExtensionForm::TwoByte => id >= 1,
            ExtensionForm::Other(_) => false,
        }
    }
}

/// Where the variable parts of a validated packet lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// First byte after the CSRC list: the extension header when there is
    /// one, otherwise the payload.
    csrc_end: usize,
    /// First byte of the payload (the end of the extension, if any).
    header_len: usize,
    /// One past the last payload byte (where the padding starts).
    payload_end: usize,
}

fn layout(buf: &[u8]) -> Result<Layout> {
    let len = buf.len();
    let Some(fixed) = buf.first_chunk::<FIXED_HEADER_LEN>() else {
        return Err(Error::parse(
            "rtp header",
            "shorter than the 12-byte fixed header",
            len,
        ));
    };
    let b0 = fixed[0];
    if b0 >> 6 != RTP_VERSION {
        return Err(Error::parse("rtp header", "version is not 2", 0));
    }
    let csrc_end = FIXED_HEADER_LEN + 4 * usize::from(b0 & 0x0F);
    if csrc_end > len {
        return Err(Error::parse(
            "rtp header",
            "csrc list runs past the end of the packet",
            FIXED_HEADER_LEN,
        ));
    }
    let mut header_len = csrc_end;
    if b0 & 0x10 != 0 {
        let Some(&[_, _, w0, w1]) = buf.get(csrc_end..).and_then(|s| s.first_chunk::<4>()) else {
            return Err(Error::parse(
                "rtp header extension",
                "extension header runs past the end of the packet",
                csrc_end,
            ));
        };
        header_len = csrc_end + 4 + 4 * usize::from(u16::from_be_bytes([w0, w1]));
        if header_len > len {
            return Err(Error::parse(
                "rtp header extension",
                "extension length runs past the end of the packet",
                csrc_end + 2,
            ));
        }
    }
    let mut payload_end = len;
    if b0 & 0x20 != 0 {
        // RFC 3550 §5.1: the last octet counts the padding, itself
        // included, so it is at least 1. A packet of padding only (no
        // payload) is accepted: senders use them to probe bandwidth.
        let pad = usize::from(buf.last().copied().unwrap_or(0));
        if pad == 0 {
            return Err(Error::parse(
                "rtp padding",
                "padding bit set but the padding count is zero",
                len.saturating_sub(1),
            ));
        }
        if pad > len - header_len {
            return Err(Error::parse(
                "rtp padding",
                "padding count runs into the header",
                len.saturating_sub(1),
            ));
        }
        payload_end = len - pad;
    }
    Ok(Layout {
        csrc_end,
        header_len,
        payload_end,
    })
}

#[inline]
fn be16(buf: &[u8], at: usize) -> u16 {
    match buf.get(at..).and_then(|s| s.first_chunk::<2>()) {
        Some(b) => u16::from_be_bytes(*b),
        None => 0,
    }
}

#[inline]
fn be32(buf: &[u8], at: usize) -> u32 {
    match buf.get(at..).and_then(|s| s.first_chunk::<4>()) {
        Some(b) => u32::from_be_bytes(*b),
        None => 0,
    }
}

#[inline]
fn put_be16(buf: &mut [u8], at: usize, v: u16) {
    if let Some(b) = buf.get_mut(at..).and_then(|s| s.first_chunk_mut::<2>()) {
        *b = v.to_be_bytes();
    }
}

#[inline]
fn put_be32(buf: &mut [u8], at: usize, v: u32) {
    if let Some(b) = buf.get_mut(at..).and_then(|s| s.first_chunk_mut::<4>()) {
        *b = v.to_be_bytes();
    }
}

/// Byte `at` of the packet, or 0 past its end (never, for the header
/// bytes of a parsed packet: it has at least 12).
#[inline]
fn byte(buf: &[u8], at: usize) -> u8 {
    buf.get(at).copied().unwrap_or(0)
}

/// One extension element, as offsets into the extension data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element {
    pub(crate) id: u8,
    /// Offset of the element's first header byte.
    pub(crate) start: usize,
    /// Offset of its first data byte.
    pub(crate) data: usize,
    /// One past its last data byte.
    pub(crate) end: usize,
}

/// Walks RFC 8285 elements over the extension data (after the 4-byte
/// extension header). `form` other than one-/two-byte yields nothing.
#[derive(Debug, Clone)]
pub(crate) struct ElementWalk {
    form: ExtensionForm,
    pos: usize,
}

impl ElementWalk {
    pub(crate) fn new(form: ExtensionForm) -> Self {
        ElementWalk { form, pos: 0 }
    }

    /// The next element of `data`, skipping padding. Stops for good at the
    /// end, at a one-byte id 15 (RFC 8285 §4.2: processing ends there), and
    /// at an element that runs past the end or is malformed: what came
    /// before it is still returned, as RFC 8285 asks for id 15.
    pub(crate) fn next(&mut self, data: &[u8]) -> Option<Element> {
        loop {
            let start = self.pos;
            let b = *data.get(start)?;
            let (id, data_at, len) = match self.form {
                ExtensionForm::OneByte => {
                    if b == 0 {
                        self.pos = start + 1;
                        continue;
                    }
                    let id = b >> 4;
                    // Id 15 ends processing; id 0 with a length is not a
                    // padding byte and not an element (libwebrtc stops
                    // there too).
                    if id == 15 || id == 0 {
                        break;
                    }
                    (id, start + 1, usize::from(b & 0x0F) + 1)
                }
                ExtensionForm::TwoByte => {
                    if b == 0 {
                        self.pos = start + 1;
                        continue;
                    }
                    let Some(&l) = data.get(start + 1) else {
                        break;
                    };
                    (b, start + 2, usize::from(l))
                }
                ExtensionForm::Other(_) => break,
            };
            let end = data_at + len;
            if end > data.len() {
                break;
            }
            self.pos = end;
            return Some(Element {
                id,
                start,
                data: data_at,
                end,
            });
        }
        self.pos = data.len();
        None
    }
}

/// Iterator over the RFC 8285 header-extension elements of a packet,
/// yielding `(id, data)` in packet order with padding skipped; see
/// [`RtpPacket::extensions`].
#[derive(Debug, Clone)]
pub struct Extensions<'a> {
    data: &'a [u8],
    walk: ElementWalk,
}

impl<'a> Iterator for Extensions<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let e = self.walk.next(self.data)?;
        Some((e.id, self.data.get(e.data..e.end)?))
    }
}

/// Iterator over the CSRC identifiers of a packet; see [`RtpPacket::csrcs`].
#[derive(Debug, Clone)]
pub struct Csrcs<'a> {
    list: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for Csrcs<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let c = self.list.next()?;
        Some(be32(c, 0))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.list.size_hint()
    }
}

impl ExactSizeIterator for Csrcs<'_> {}

/// The read accessors, shared by [`RtpPacket`] and [`RtpPacketMut`]; both
/// have `buf` and a validated `layout`.
macro_rules! reads {
    () => {
        /// The whole packet.
        #[inline]
        pub fn as_bytes(&self) -> &[u8] {
            &*self.buf
        }

        /// Length of the packet in bytes (header, payload and padding).
        #[inline]
        #[allow(clippy::len_without_is_empty)]
        pub fn len(&self) -> usize {
            self.buf.len()
        }

        /// The version field; always [`RTP_VERSION`] for a parsed packet.
        #[inline]
        pub fn version(&self) -> u8 {
            byte(&self.buf, 0) >> 6
        }

        /// The padding bit.
        #[inline]
        pub fn padding(&self) -> bool {
            byte(&self.buf, 0) & 0x20 != 0
        }

        /// The extension bit: a header extension follows the CSRC list.
        #[inline]
        pub fn has_extension(&self) -> bool {
            byte(&self.buf, 0) & 0x10 != 0
        }

        /// The CSRC count (0..=15).
        #[inline]
        pub fn csrc_count(&self) -> u8 {
            byte(&self.buf, 0) & 0x0F
        }

        /// The CSRC identifiers, in order.
        pub fn csrcs(&self) -> Csrcs<'_> {
            let list = self
                .buf
                .get(FIXED_HEADER_LEN..self.layout.csrc_end)
                .unwrap_or(&[]);
            Csrcs {
                list: list.chunks_exact(4),
            }
        }

        /// The CSRC at `index`, if the list has one there.
        pub fn csrc(&self, index: usize) -> Option<u32> {
            if index >= usize::from(self.csrc_count()) {
                return None;
            }
            Some(be32(&self.buf, FIXED_HEADER_LEN + 4 * index))
        }

        /// The marker bit.
        #[inline]
        pub fn marker(&self) -> bool {
            byte(&self.buf, 1) & 0x80 != 0
        }

        /// The payload type (7 bits).
        #[inline]
        pub fn payload_type(&self) -> u8 {
            byte(&self.buf, 1) & 0x7F
        }

        /// The sequence number.
        #[inline]
        pub fn sequence_number(&self) -> u16 {
            be16(&self.buf, 2)
        }

        /// The timestamp.
        #[inline]
        pub fn timestamp(&self) -> u32 {
            be32(&self.buf, 4)
        }

        /// The synchronization source identifier.
        #[inline]
        pub fn ssrc(&self) -> u32 {
            be32(&self.buf, 8)
        }

        /// Length of the header: fixed part, CSRCs and extension. The
        /// payload starts here.
        #[inline]
        pub fn header_len(&self) -> usize {
            self.layout.header_len
        }

        /// Where the payload lies in the packet (padding excluded).
        #[inline]
        pub fn payload_range(&self) -> Range<usize> {
            self.layout.header_len..self.layout.payload_end
        }

        /// The payload (padding excluded).
        #[inline]
        pub fn payload(&self) -> &[u8] {
            self.buf.get(self.payload_range()).unwrap_or(&[])
        }

        /// Number of padding bytes at the end (0 without the padding bit).
        #[inline]
        pub fn padding_len(&self) -> usize {
            self.buf.len() - self.layout.payload_end
        }

        /// The "defined by profile" field of the header extension, if the
        /// packet has one.
        pub fn extension_profile(&self) -> Option<u16> {
            if self.has_extension() {
                Some(be16(&self.buf, self.layout.csrc_end))
            } else {
                None
            }
        }

        /// The form of the header extension, if the packet has one.
        pub fn extension_form(&self) -> Option<ExtensionForm> {
            self.extension_profile().map(ExtensionForm::from_profile)
        }

        /// The raw header-extension data (after its 4-byte header), if the
        /// packet has an extension.
        pub fn extension_data(&self) -> Option<&[u8]> {
            if self.has_extension() {
                self.buf
                    .get(self.layout.csrc_end + 4..self.layout.header_len)
            } else {
                None
            }
        }

        /// The RFC 8285 elements of the header extension as `(id, data)`,
        /// padding skipped; empty without an extension or with a profile
        /// other than the one- and two-byte forms. Iteration ends at a
        /// one-byte id 15 (RFC 8285 §4.2) and at an element that runs past
        /// the end of the extension.
        pub fn extensions(&self) -> Extensions<'_> {
            let (data, form) = self.ext_parts();
            Extensions {
                data,
                walk: ElementWalk::new(form),
            }
        }

        /// The data of the first extension element with `id`.
        pub fn extension(&self, id: u8) -> Option<&[u8]> {
            self.extensions().find(|&(i, _)| i == id).map(|(_, d)| d)
        }

        fn ext_parts(&self) -> (&[u8], ExtensionForm) {
            match (self.extension_form(), self.extension_data()) {
                (Some(form), Some(data)) => (data, form),
                _ => (&[], ExtensionForm::Other(0)),
            }
        }
    };
}

/// A read-only view of one RTP packet in the caller's buffer.
///
/// ```
/// use mediaplane::rtp::{RtpHeaderBuilder, RtpPacket};
///
/// let mut buf = [0u8; 32];
/// let n = RtpHeaderBuilder::new(111, 4242, 960_000, 0x1234_5678)
///     .marker(true)
///     .write(&mut buf)?;
/// let p = RtpPacket::parse(&buf)?;
/// assert_eq!((p.payload_type(), p.sequence_number(), p.ssrc()), (111, 4242, 0x1234_5678));
/// assert_eq!(p.header_len(), n);
/// assert_eq!(p.payload().len(), 32 - n);
/// # Ok::<(), mediaplane::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    buf: &'a [u8],
    layout: Layout,
}

impl<'a> RtpPacket<'a> {
    /// Validates `buf` as one RTP packet: version 2, a CSRC list and header
    /// extension that fit, and, with the padding bit, a non-zero padding
    /// count that does not reach into the header. The whole buffer is the
    /// packet.
    pub fn parse(buf: &'a [u8]) -> Result<Self> {
        Ok(RtpPacket {
            layout: layout(buf)?,
            buf,
        })
    }

    reads!();

    /// The payload, borrowed for the buffer's lifetime.
    pub fn payload_slice(&self) -> &'a [u8] {
        self.buf.get(self.payload_range()).unwrap_or(&[])
    }
}

/// A view of one RTP packet in the caller's buffer that also rewrites it in
/// place. Every edit keeps the packet's length and layout.
#[derive(Debug, PartialEq, Eq)]
pub struct RtpPacketMut<'a> {
    buf: &'a mut [u8],
    layout: Layout,
}

impl<'a> RtpPacketMut<'a> {
    /// Validates `buf` as [`RtpPacket::parse`] does.
    pub fn parse(buf: &'a mut [u8]) -> Result<Self> {
        Ok(RtpPacketMut {
            layout: layout(buf)?,
            buf,
        })
    }

    reads!();

    /// The 12 bytes of the fixed header.
    #[inline]
    pub(crate) fn fixed_header(&self) -> [u8; FIXED_HEADER_LEN] {
        // a parsed packet has them
        self.buf
            .first_chunk::<FIXED_HEADER_LEN>()
            .copied()
            .unwrap_or([0; FIXED_HEADER_LEN])
    }

    /// Overwrites the fixed header. The caller keeps byte 0 (version, P, X,
    /// CC), on which the layout depends.
    #[inline]
    pub(crate) fn set_fixed_header(&mut self, h: [u8; FIXED_HEADER_LEN]) {
        if let Some(f) = self.buf.first_chunk_mut::<FIXED_HEADER_LEN>() {
            *f = h;
        }
    }

    /// A read-only view of the same packet.
    pub fn as_packet(&self) -> RtpPacket<'_> {
        RtpPacket {
            buf: self.buf,
            layout: self.layout,
        }
    }

    /// The whole packet, writable. Changing the first byte or the
    /// extension length breaks the layout this view holds; parse again
    /// after such an edit.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        self.buf
    }

    /// Sets the marker bit.
    #[inline]
    pub fn set_marker(&mut self, marker: bool) {
        if let Some(b) = self.buf.get_mut(1) {
            *b = (*b & 0x7F) | (u8::from(marker) << 7);
        }
    }

    /// Sets the payload type; it must fit in 7 bits.
    #[inline]
    pub fn set_payload_type(&mut self, pt: u8) -> Result<()> {
        if pt > 0x7F {
            return Err(Error::InvalidArgument("payload type above 127"));
        }
        if let Some(b) = self.buf.get_mut(1) {
            *b = (*b & 0x80) | pt;
        }
        Ok(())
    }

    /// Sets the sequence number.
    #[inline]
    pub fn set_sequence_number(&mut self, seq: u16) {
        put_be16(self.buf, 2, seq);
    }

    /// Sets the timestamp.
    #[inline]
    pub fn set_timestamp(&mut self, ts: u32) {
        put_be32(self.buf, 4, ts);
    }

    /// Sets the SSRC.
    #[inline]
    pub fn set_ssrc(&mut self, ssrc: u32) {
        put_be32(self.buf, 8, ssrc);
    }

    /// Replaces the CSRC at `index`, which must be below
    /// [`csrc_count`](Self::csrc_count).
    pub fn set_csrc(&mut self, index: usize, csrc: u32) -> Result<()> {
        if index >= usize::from(self.csrc_count()) {
            return Err(Error::InvalidArgument("csrc index beyond the csrc count"));
        }
        put_be32(self.buf, FIXED_HEADER_LEN + 4 * index, csrc);
        Ok(())
    }

    /// The payload, writable (padding excluded).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let r = self.payload_range();
        self.buf.get_mut(r).unwrap_or(&mut [])
    }

    /// Extension data (after its 4-byte header), writable, and form.
    fn ext_parts_mut(&mut self) -> (&mut [u8], ExtensionForm) {
        let Some(form) = self.extension_form() else {
            return (&mut [], ExtensionForm::Other(0));
        };
        let r = self.layout.csrc_end + 4..self.layout.header_len;
        (self.buf.get_mut(r).unwrap_or(&mut []), form)
    }

    /// The data of the first extension element with `id`, writable; its
    /// length is fixed by the element.
    pub fn extension_mut(&mut self, id: u8) -> Option<&mut [u8]> {
        let (data, form) = self.ext_parts_mut();
        let mut walk = ElementWalk::new(form);
        while let Some(e) = walk.next(data) {
            if e.id == id {
                return data.get_mut(e.data..e.end);
            }
        }
        None
    }

    /// Changes the id of the first extension element with `from` to `to`,
    /// in place. `to` must suit the packet's form (one-byte: 1..=14,
    /// two-byte: 1..=255); `Error::NotFound` when no element has `from` or
    /// the packet has no one- or two-byte-form extension.
    pub fn set_extension_id(&mut self, from: u8, to: u8) -> Result<()> {
        let (data, form) = self.ext_parts_mut();
        if matches!(form, ExtensionForm::Other(_)) {
            return Err(Error::NotFound("rfc 8285 header extension"));
        }
        if !form.accepts_id(to) {
            return Err(Error::InvalidArgument(
                "extension id out of range for the packet's extension form",
            ));
        }
        let mut walk = ElementWalk::new(form);
        while let Some(e) = walk.next(data) {
            if e.id == from {
                write_id(data, &e, form, to);
                return Ok(());
            }
        }
        Err(Error::NotFound("extension element"))
    }

    /// Removes every extension element with `id` by overwriting its header
    /// and data with padding bytes (0), which RFC 8285 §4.1 lets a
    /// receiver skip; the packet keeps its length. Returns how many
    /// elements were removed.
    pub fn strip_extension(&mut self, id: u8) -> usize {
        let (data, form) = self.ext_parts_mut();
        let mut walk = ElementWalk::new(form);
        let mut n = 0;
        while let Some(e) = walk.next(data) {
            if e.id == id {
                zero(data, &e);
                n += 1;
            }
        }
        n
    }

    /// Runs `f` over every extension element (its id and a writable
    /// element header and data) without a second walk; the rewriter's
    /// remapping goes through here.
    pub(crate) fn for_each_element(
        &mut self,
        mut f: impl FnMut(&mut [u8], &Element, ExtensionForm),
    ) {
        let (data, form) = self.ext_parts_mut();
        let mut walk = ElementWalk::new(form);
        while let Some(e) = walk.next(data) {
            f(data, &e, form);
        }
    }
}

/// Writes `id` into the header of element `e`, keeping its length.
pub(crate) fn write_id(data: &mut [u8], e: &Element, form: ExtensionForm, id: u8) {
    if let Some(b) = data.get_mut(e.start) {
        *b = match form {
            ExtensionForm::OneByte => (id << 4) | (*b & 0x0F),
            _ => id,
        };
    }
}

/// Overwrites element `e`, header and data, with padding bytes.
pub(crate) fn zero(data: &mut [u8], e: &Element) {
    if let Some(s) = data.get_mut(e.start..e.end) {
        s.fill(0);
    }
}

/// Writes an RTP header into a caller's buffer: the fixed part, optional
/// CSRCs and an optional header extension given as raw data. For tests,
/// examples and endpoints that originate packets; a relay edits received
/// headers with [`RtpPacketMut`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeaderBuilder<'c> {
    marker: bool,
    payload_type: u8,
    sequence_number: u16,
    timestamp: u32,
    ssrc: u32,
    csrcs: &'c [u32],
    extension: Option<(u16, &'c [u8])>,
}

impl<'c> RtpHeaderBuilder<'c> {
    /// A header with no marker, CSRCs or extension. The payload type is
    /// checked by [`write`](Self::write).
    pub const fn new(payload_type: u8, sequence_number: u16, timestamp: u32, ssrc: u32) -> Self {
        RtpHeaderBuilder {
            marker: false,
            payload_type,
            sequence_number,
            timestamp,
            ssrc,
            csrcs: &[],
            extension: None,
        }
    }

    /// Sets the marker bit.
    pub const fn marker(mut self, marker: bool) -> Self {
        self.marker = marker;
        self
    }

    /// Sets the CSRC list (at most 15).
    pub const fn csrcs(mut self, csrcs: &'c [u32]) -> Self {
        self.csrcs = csrcs;
        self
    }

    /// Adds a header extension with the given "defined by profile" value
    /// and raw data (RFC 8285 elements and padding, for the one- and
    /// two-byte forms), whose length must be a multiple of 4.
    pub const fn extension(mut self, profile: u16, data: &'c [u8]) -> Self {
        self.extension = Some((profile, data));
        self
    }

    /// Bytes [`write`](Self::write) needs.
    pub const fn len(&self) -> usize {
        let ext = match self.extension {
            Some((_, d)) => 4 + d.len(),
            None => 0,
        };
        FIXED_HEADER_LEN + 4 * self.csrcs.len() + ext
    }

    /// Whether the header is empty; never, it has at least 12 bytes.
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// Writes the header at the start of `buf` and returns its length; the
    /// payload goes after it. Fails with `BufferTooSmall` when `buf` is
    /// shorter than [`len`](Self::len), and with `InvalidArgument` for a
    /// payload type above 127, more than 15 CSRCs, or extension data that
    /// is not a whole number of 32-bit words (or longer than 65535 words).
    pub fn write(&self, buf: &mut [u8]) -> Result<usize> {
        if self.payload_type > 0x7F {
            return Err(Error::InvalidArgument("payload type above 127"));
        }
        if self.csrcs.len() > MAX_CSRC_COUNT {
            return Err(Error::InvalidArgument("more than 15 csrcs"));
        }
        if let Some((_, d)) = self.extension {
            if d.len() % 4 != 0 || d.len() / 4 > usize::from(u16::MAX) {
                return Err(Error::InvalidArgument(
                    "extension data is not a whole number of 32-bit words up to 65535",
                ));
            }
        }
        let needed = self.len();
        let Some(out) = buf.get_mut(..needed) else {
            return Err(Error::BufferTooSmall { needed });
        };
        let mut b0 = RTP_VERSION << 6;
        if self.extension.is_some() {
            b0 |= 0x10;
        }
        // at most 15, checked above
        b0 |= self.csrcs.len() as u8;
        let b1 = (u8::from(self.marker) << 7) | self.payload_type;
        let [s0, s1] = self.sequence_number.to_be_bytes();
        let [t0, t1, t2, t3] = self.timestamp.to_be_bytes();
        let [c0, c1, c2, c3] = self.ssrc.to_be_bytes();
        let (fixed, rest) = out.split_at_mut(FIXED_HEADER_LEN);
        fixed.copy_from_slice(&[b0, b1, s0, s1, t0, t1, t2, t3, c0, c1, c2, c3]);
        let (list, rest) = rest.split_at_mut(4 * self.csrcs.len());
        for (chunk, c) in list.chunks_exact_mut(4).zip(self.csrcs) {
            chunk.copy_from_slice(&c.to_be_bytes());
        }
        if let Some((profile, d)) = self.extension {
            // the length fits in 16 bits, checked above
            let words = (d.len() / 4) as u16;
            let (head, body) = rest.split_at_mut(4);
            head.copy_from_slice(&[
                profile.to_be_bytes()[0],
                profile.to_be_bytes()[1],
                words.to_be_bytes()[0],
                words.to_be_bytes()[1],
            ]);
            body.copy_from_slice(d);
        }
        Ok(needed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(ext: Option<(u16, &[u8])>, payload: &[u8]) -> Vec<u8> {
        let mut b = RtpHeaderBuilder::new(96, 1000, 5000, 0xAABBCCDD);
        if let Some((p, d)) = ext {
            b = b.extension(p, d);
        }
        let mut buf = vec![0u8; b.len() + payload.len()];
        let n = b.write(&mut buf).unwrap();
        buf[n..].copy_from_slice(payload);
        buf
    }

    #[test]
    fn fixed_header_fields() {
        let buf = [
            0x80, 0xE0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 9, 9,
        ];
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.version(), 2);
        assert!(!p.padding() && !p.has_extension());
        assert_eq!(p.csrc_count(), 0);
        assert!(p.marker());
        assert_eq!(p.payload_type(), 0x60);
        assert_eq!(p.sequence_number(), 0x1234);
        assert_eq!(p.timestamp(), 0xDEADBEEF);
        assert_eq!(p.ssrc(), 0x01020304);
        assert_eq!(p.header_len(), 12);
        assert_eq!(p.payload(), &[9, 9]);
        assert_eq!(p.padding_len(), 0);
        assert_eq!(p.extension_profile(), None);
        assert_eq!(p.extensions().count(), 0);
    }

    #[test]
    fn rejects_what_does_not_fit() {
        let e = RtpPacket::parse(&[0x80; 11]).unwrap_err();
        assert_eq!(e.offset(), Some(11));
        let mut b = [0u8; 12];
        b[0] = 0x40;
        assert_eq!(RtpPacket::parse(&b).unwrap_err().offset(), Some(0));
        b[0] = 0x81; // one CSRC, none present
        assert_eq!(RtpPacket::parse(&b).unwrap_err().offset(), Some(12));
        b[0] = 0x90; // extension bit, no extension header
        assert_eq!(RtpPacket::parse(&b).unwrap_err().offset(), Some(12));
        let mut x = [0u8; 16];
        x[0] = 0x90;
        x[15] = 1; // one word, absent
        assert_eq!(RtpPacket::parse(&x).unwrap_err().offset(), Some(14));
        // padding
        let mut p = [0u8; 14];
        p[0] = 0xA0;
        assert_eq!(RtpPacket::parse(&p).unwrap_err().offset(), Some(13));
        p[13] = 3;
        assert!(RtpPacket::parse(&p).is_err());
        p[13] = 2;
        let ok = RtpPacket::parse(&p).unwrap();
        assert_eq!((ok.payload().len(), ok.padding_len()), (0, 2));
        let mut h = [0u8; 12];
        h[0] = 0xA0;
        h[11] = 1; // the count byte would be the SSRC
        assert!(RtpPacket::parse(&h).is_err());
    }

    #[test]
    fn csrcs() {
        let list = [1, 2, 3];
        let b = RtpHeaderBuilder::new(0, 1, 2, 3).csrcs(&list);
        let mut buf = [0u8; 24];
        assert_eq!(b.write(&mut buf).unwrap(), 24);
        let mut p = RtpPacketMut::parse(&mut buf).unwrap();
        assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(p.csrc(2), Some(3));
        assert_eq!(p.csrc(3), None);
        p.set_csrc(1, 0xFFFF_FFFF).unwrap();
        assert!(p.set_csrc(3, 0).is_err());
        assert_eq!(p.csrcs().len(), 3);
        assert_eq!(p.csrc(1), Some(0xFFFF_FFFF));
    }

    #[test]
    fn one_byte_elements() {
        // id 1 len 1, padding, id 2 len 2, then id 15 ends processing
        let ext = [0x10, 0xAA, 0x00, 0x21, 0xBB, 0xCC, 0xF0, 0x33];
        let buf = packet(Some((ONE_BYTE_PROFILE, &ext)), b"xy");
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.extension_form(), Some(ExtensionForm::OneByte));
        let got: Vec<_> = p.extensions().collect();
        assert_eq!(got, vec![(1, &[0xAA][..]), (2, &[0xBB, 0xCC][..])]);
        assert_eq!(p.extension(2), Some(&[0xBB, 0xCC][..]));
        assert_eq!(p.extension(3), None);
        assert_eq!(p.payload(), b"xy");
    }

    #[test]
    fn two_byte_elements() {
        // id 1 len 0, padding, id 200 len 3, padding
        let ext = [0x01, 0x00, 0x00, 200, 3, 7, 8, 9, 0, 0, 0, 0];
        let buf = packet(Some((0x1003, &ext)), b"");
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.extension_form(), Some(ExtensionForm::TwoByte));
        let got: Vec<_> = p.extensions().collect();
        assert_eq!(got, vec![(1, &[][..]), (200, &[7, 8, 9][..])]);
    }

    #[test]
    fn truncated_element_ends_iteration() {
        let ext = [0x10, 0xAA, 0x23, 0xBB];
        let buf = packet(Some((ONE_BYTE_PROFILE, &ext)), b"");
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.extensions().collect::<Vec<_>>(), vec![(1, &[0xAA][..])]);
        let other = packet(Some((0x1234, &ext)), b"");
        assert_eq!(RtpPacket::parse(&other).unwrap().extensions().count(), 0);
    }

    #[test]
    fn setters_and_extension_edits() {
        let ext = [0x10, 0xAA, 0x21, 0xBB, 0xCC, 0x30, 0x11, 0x00];
        let mut buf = packet(Some((ONE_BYTE_PROFILE, &ext)), b"payload");
        let mut p = RtpPacketMut::parse(&mut buf).unwrap();
        p.set_marker(true);
        p.set_payload_type(111).unwrap();
        assert!(p.set_payload_type(128).is_err());
        p.set_sequence_number(65535);
        p.set_timestamp(1);
        p.set_ssrc(2);
        p.extension_mut(2).unwrap().copy_from_slice(&[1, 2]);
        p.set_extension_id(1, 14).unwrap();
        assert!(p.set_extension_id(3, 15).is_err());
        assert!(p.set_extension_id(9, 5).is_err());
        assert_eq!(p.strip_extension(3), 1);
        let q = RtpPacket::parse(&buf).unwrap();
        assert!(q.marker());
        assert_eq!(q.payload_type(), 111);
        assert_eq!(q.sequence_number(), 65535);
        assert_eq!((q.timestamp(), q.ssrc()), (1, 2));
        let got: Vec<_> = q.extensions().collect();
        assert_eq!(got, vec![(14, &[0xAA][..]), (2, &[1, 2][..])]);
        assert_eq!(q.payload(), b"payload");
        assert_eq!(&buf[21..24], &[0, 0, 0]);
    }

    #[test]
    fn builder_checks() {
        let mut small = [0u8; 11];
        assert_eq!(
            RtpHeaderBuilder::new(0, 0, 0, 0).write(&mut small),
            Err(Error::BufferTooSmall { needed: 12 })
        );
        let mut buf = [0u8; 64];
        assert!(RtpHeaderBuilder::new(128, 0, 0, 0).write(&mut buf).is_err());
        assert!(RtpHeaderBuilder::new(0, 0, 0, 0)
            .extension(ONE_BYTE_PROFILE, &[1, 2, 3])
            .write(&mut buf)
            .is_err());
        assert!(RtpHeaderBuilder::new(0, 0, 0, 0)
            .csrcs(&[0; 16])
            .write(&mut buf)
            .is_err());
    }
}
