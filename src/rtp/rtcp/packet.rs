//! Full decoding and encoding, through the `rtc-rtcp` crate.
//!
//! [`Packet`] is a closed enum over the `rtc-rtcp` packet structs, so a
//! control-path caller matches instead of downcasting a `Box<dyn Packet>`.
//! The datagram is validated by the view first, and each packet is handed to
//! the crate as its own slice, so an error names the packet's offset and the
//! crate never sees bytes the compound rules reject. APP packets and packet
//! types the crate does not model are decoded here, into [`App`] and
//! [`OtherPacket`].

use std::borrow::Cow;

use bytes::Bytes;
use rtc_rtcp::goodbye::Goodbye;
use rtc_rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc_rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc_rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
use rtc_rtcp::receiver_report::ReceiverReport;
use rtc_rtcp::sender_report::SenderReport;
use rtc_rtcp::source_description::SourceDescription;
use rtc_rtcp::transport_feedbacks::transport_layer_cc::{
    PacketStatusChunk, SymbolSizeTypeTcc, TransportLayerCc,
};
use rtc_rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use rtc_shared::error::Error as CodecError;
use rtc_shared::marshal::{Marshal, Unmarshal};

use super::view::{
    be16, be32, Kind, Mode, RtcpCompound, RtcpHeaderView, FMT_NACK, HEADER_LEN, PT_APP, PT_BYE,
    PT_PSFB, PT_RR, PT_RTPFB, PT_SDES, PT_SR,
};
use crate::error::{Error, Result};

/// The largest packet the 16-bit length field can describe, in bytes.
pub const MAX_PACKET_LEN: usize = 4 * (u16::MAX as usize + 1);

/// One fully decoded RTCP packet. The payload structs are `rtc-rtcp`'s
/// (re-exported by this module); decoding drops padding and encoding never
/// adds it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Packet {
    /// Sender report (RFC 3550 §6.4.1).
    SenderReport(SenderReport),
    /// Receiver report (RFC 3550 §6.4.2).
    ReceiverReport(ReceiverReport),
    /// Source description (RFC 3550 §6.5).
    SourceDescription(SourceDescription),
    /// BYE (RFC 3550 §6.6).
    Goodbye(Goodbye),
    /// Application-defined (RFC 3550 §6.7).
    App(App),
    /// Generic NACK (RFC 4585 §6.2.1).
    Nack(TransportLayerNack),
    /// Transport-wide congestion control feedback
    /// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
    TransportCc(TransportLayerCc),
    /// Picture loss indication (RFC 4585 §6.3.1).
    Pli(PictureLossIndication),
    /// Full intra request (RFC 5104 §4.3.1).
    Fir(FullIntraRequest),
    /// Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03).
    Remb(ReceiverEstimatedMaximumBitrate),
    /// Any other packet, kept as bytes.
    Other(OtherPacket),
}

/// An application-defined packet (RFC 3550 §6.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct App {
    /// The 5-bit subtype (the count field).
    pub subtype: u8,
    /// SSRC or CSRC of the sender.
    pub ssrc: u32,
    /// Four ASCII characters naming the application.
    pub name: [u8; 4],
    /// Application-dependent data; a whole number of 32-bit words.
    pub data: Vec<u8>,
}

/// A packet of a type [`Packet`] does not model (XR, SLI, RRR, TMMBR, AFB
/// other than REMB, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct OtherPacket {
    /// The packet type.
    pub packet_type: u8,
    /// The 5-bit count or FMT field.
    pub count: u8,
    /// Everything after the header, without padding; a whole number of
    /// 32-bit words.
    pub body: Vec<u8>,
}

fn codec_reason(e: &CodecError) -> &'static str {
    match e {
        CodecError::PacketTooShort => "shorter than its contents require",
        CodecError::BufferTooShort => "output buffer too short",
        CodecError::WrongType => "packet type or fmt does not match the contents",
        CodecError::InvalidHeader => "count field does not match the contents",
        CodecError::BadVersion => "version is not 2",
        CodecError::TooManyReports => "too many report blocks or fci entries",
        CodecError::TooManyChunks => "more than 31 sdes chunks",
        CodecError::TooManySources => "more than 31 bye sources",
        CodecError::SdesTextTooLong => "sdes item longer than 255 bytes",
        CodecError::SdesMissingType => "sdes item without a type",
        CodecError::ReasonTooLong => "bye reason longer than 255 bytes",
        CodecError::InvalidTotalLost => "cumulative lost does not fit 24 bits",
        CodecError::InvalidBitrate => "bitrate out of range",
        CodecError::SsrcMustBeZero => "media source ssrc of a remb is not 0",
        CodecError::MissingRembIdentifier => "no REMB identifier",
        CodecError::DeltaExceedLimit => "receive delta out of range or truncated",
        CodecError::InvalidSizeOrStartIndex => "too many symbols in a status vector chunk",
        _ => "rejected by the rtcp codec",
    }
}

/// A decoding error of the crate, for the packet `what` at `offset`.
fn decode_error(e: &CodecError, what: &'static str, offset: usize) -> Error {
    Error::parse(what, codec_reason(e), offset)
}

/// An encoding error of the crate: the value cannot be written.
fn encode_error(e: &CodecError) -> Error {
    Error::InvalidArgument(codec_reason(e))
}

fn unmarshal<T: Unmarshal>(bytes: &[u8], what: &'static str, offset: usize) -> Result<T> {
    let mut buf = bytes;
    T::unmarshal(&mut buf).map_err(|e| decode_error(&e, what, offset))
}

/// Checks that a packet of `n` bytes can be described by a header.
fn check_len(n: usize) -> Result<()> {
    if n < HEADER_LEN || !n.is_multiple_of(4) {
        return Err(Error::InvalidArgument(
            "rtcp packet is not a whole number of 32-bit words",
        ));
    }
    if n > MAX_PACKET_LEN {
        return Err(Error::InvalidArgument(
            "rtcp packet longer than its 16-bit length field can describe",
        ));
    }
    Ok(())
}

/// Writes a crate packet after `out`'s contents.
///
/// Two habits of the crate's encoder are undone here. It aligns a packet
/// whose content ends mid-word (a BYE reason, TWCC deltas, odd profile
/// extensions) with RFC 3550 padding, setting the P bit, which §6.4.1
/// allows only on the last packet of a compound and §6.6 does not use for
/// BYE; the P bit is cleared and the count octet zeroed, which leaves the
/// null fill those formats specify. And it ends SDES chunks with a padding
/// count instead of the null octets of §6.5, which are restored.
fn put<P: Marshal>(p: &P, out: &mut Vec<u8>) -> Result<usize> {
    let n = p.marshal_size();
    check_len(n)?;
    let start = out.len();
    out.resize(start + n, 0);
    let dst = out
        .get_mut(start..)
        .ok_or(Error::InvalidArgument("output vector"))?;
    let written = p.marshal_to(dst).map_err(|e| encode_error(&e))?;
    if written != n {
        return Err(Error::InvalidArgument(
            "rtcp codec wrote a different length than it announced",
        ));
    }
    if let Some(b0) = dst.first_mut() {
        if *b0 & 0x20 != 0 {
            *b0 &= !0x20;
            if let Some(last) = dst.last_mut() {
                *last = 0;
            }
        }
    }
    if dst.get(1) == Some(&PT_SDES) {
        zero_sdes_padding(dst);
    }
    Ok(n)
}

/// Sets the octets after each SDES chunk's END item to zero.
fn zero_sdes_padding(pkt: &mut [u8]) {
    let mut i = HEADER_LEN;
    while i < pkt.len() {
        i += 4;
        // Items: type, length, text; type 0 ends the chunk.
        while let Some(&t) = pkt.get(i) {
            if t == 0 {
                break;
            }
            i += 2 + usize::from(pkt.get(i + 1).copied().unwrap_or(0));
        }
        i += 1;
        let end = (i + 3) & !3;
        if let Some(pad) = pkt.get_mut(i.min(end)..end) {
            pad.fill(0);
        }
        i = end;
    }
}

/// The length field of a packet of `n` bytes.
fn length_field(n: usize) -> Result<[u8; 2]> {
    check_len(n)?;
    let words = u16::try_from(n / 4 - 1)
        .map_err(|_| Error::InvalidArgument("rtcp packet length does not fit 16 bits"))?;
    Ok(words.to_be_bytes())
}

/// Writes a header and a body.
fn put_raw(count: u8, pt: u8, body: &[u8], out: &mut Vec<u8>) -> Result<usize> {
    if count > 31 {
        return Err(Error::InvalidArgument("rtcp count field is 5 bits"));
    }
    let n = HEADER_LEN + body.len();
    let [l0, l1] = length_field(n)?;
    out.extend_from_slice(&[0x80 | count, pt, l0, l1]);
    out.extend_from_slice(body);
    Ok(n)
}

/// Rejects TWCC values the crate's encoder cannot write.
fn check_twcc(p: &TransportLayerCc) -> Result<()> {
    for c in &p.packet_chunks {
        if let PacketStatusChunk::StatusVectorChunk(v) = c {
            let max = match v.symbol_size {
                SymbolSizeTypeTcc::OneBit => 14,
                SymbolSizeTypeTcc::TwoBit => 7,
            };
            if v.symbol_list.len() > max {
                return Err(Error::InvalidArgument(
                    "too many symbols in a status vector chunk",
                ));
            }
        }
    }
    Ok(())
}

impl App {
    fn decode(view: &RtcpHeaderView<'_>) -> Result<App> {
        let body = view.body();
        let (Some(ssrc), Some(name)) = (be32(body, 0), body.get(4..8)) else {
            return Err(Error::parse(
                "rtcp app",
                "shorter than its ssrc and name",
                view.offset(),
            ));
        };
        let mut n = [0u8; 4];
        n.copy_from_slice(name);
        Ok(App {
            subtype: view.count(),
            ssrc,
            name: n,
            data: body.get(8..).unwrap_or(&[]).to_vec(),
        })
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<usize> {
        if self.subtype > 31 {
            return Err(Error::InvalidArgument("app subtype is 5 bits"));
        }
        if !self.data.len().is_multiple_of(4) {
            return Err(Error::InvalidArgument(
                "app data is not a whole number of 32-bit words",
            ));
        }
        let n = HEADER_LEN + 8 + self.data.len();
        let [l0, l1] = length_field(n)?;
        out.extend_from_slice(&[0x80 | self.subtype, PT_APP, l0, l1]);
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.name);
        out.extend_from_slice(&self.data);
        Ok(n)
    }
}

impl OtherPacket {
    fn write(&self, out: &mut Vec<u8>) -> Result<usize> {
        put_raw(self.count, self.packet_type, &self.body, out)
    }
}

/// Where a TWCC body's status chunks and receive deltas end, walked the
/// way `rtc-rtcp` decodes them (a status vector's symbols all count, even
/// past the status count); `None` when the body ends first.
fn twcc_extent(body: &[u8]) -> Option<usize> {
    let mut remaining = be16(body, 10)?;
    let mut pos = 16;
    let mut deltas = 0usize;
    while remaining > 0 {
        let chunk = be16(body, pos)?;
        pos += 2;
        if chunk & 0x8000 == 0 {
            // Run length: a 2-bit symbol repeated.
            let n = (chunk & 0x1fff).min(remaining);
            deltas += usize::from(n) * usize::from(delta_len((chunk >> 13) & 3));
            remaining -= n;
        } else {
            // Status vector: 14 one-bit or 7 two-bit symbols.
            let (symbols, bits) = if chunk & 0x4000 == 0 { (14, 1) } else { (7, 2) };
            for i in 0..symbols {
                let s = (chunk >> (14 - bits * (i + 1))) & ((1 << bits) - 1);
                deltas += usize::from(delta_len(s));
            }
            remaining = remaining.saturating_sub(symbols);
        }
    }
    let end = pos + deltas;
    (end <= body.len()).then_some(end)
}

/// Bytes of the receive delta of a TWCC status symbol.
fn delta_len(symbol: u16) -> u8 {
    match symbol {
        1 => 1,
        2 => 2,
        _ => 0,
    }
}

/// A copy of a TWCC for the crate: the body, a word of zeros after it (the
/// crate rejects chunks that end exactly at the packet end) and no padding.
/// Checked first, so that a malformed TWCC costs no decoding (the crate
/// would build up to 65535 deltas before noticing the bytes are missing).
fn twcc_for_codec(view: &RtcpHeaderView<'_>) -> Result<Vec<u8>> {
    let body = view.body();
    if twcc_extent(body).is_none() {
        return Err(Error::parse(
            "rtcp transport-cc",
            "status chunks or receive deltas run past the end",
            view.offset(),
        ));
    }
    let n = (HEADER_LEN + body.len()).div_ceil(4) * 4 + 4;
    let [l0, l1] = length_field(n)?;
    let mut v = Vec::with_capacity(n);
    v.extend_from_slice(&[0x80 | view.count(), PT_RTPFB, l0, l1]);
    v.extend_from_slice(body);
    v.resize(n, 0);
    Ok(v)
}

/// An SDES without the items `rtc-rtcp` cannot represent: it knows types 1
/// to 8 and takes any other for the END item, where RFC 3550 §6.5 says
/// unknown items are skipped (RFC 8843's MID is type 15). `None` when there
/// are none, or when the chunks do not walk (the crate then reports it).
fn sdes_known_items(view: &RtcpHeaderView<'_>) -> Option<Vec<u8>> {
    let body = view.body();
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&[0x80 | view.count(), PT_SDES, 0, 0]);
    let mut dropped = false;
    let mut i = 0;
    for _ in 0..view.count() {
        out.extend_from_slice(body.get(i..i + 4)?);
        i += 4;
        loop {
            let t = *body.get(i)?;
            if t == 0 {
                i += 1;
                break;
            }
            let len = 2 + usize::from(*body.get(i + 1)?);
            let item = body.get(i..i + len)?;
            if t <= 8 {
                out.extend_from_slice(item);
            } else {
                dropped = true;
            }
            i += len;
        }
        i = (i + 3) & !3;
        out.push(0);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    if !dropped || i != body.len() {
        return None;
    }
    let [l0, l1] = length_field(out.len()).ok()?;
    if let Some(l) = out.get_mut(2..4) {
        l.copy_from_slice(&[l0, l1]);
    }
    Some(out)
}

impl Packet {
    /// Decodes one packet of a validated compound. Allocates (the crate's
    /// structs own their data); for the per-packet path read the view.
    pub fn decode(view: &RtcpHeaderView<'_>) -> Result<Packet> {
        let off = view.offset();
        // The crate's parsers take padding for data (an SR's becomes profile
        // extensions), so they get the packet without it and with the P bit
        // clear. The content of every type but TWCC is whole words, so its
        // padding must be too; TWCC content ends on any byte, and it is
        // copied without its padding by `twcc_for_codec`.
        let bytes: Cow<'_, [u8]> = if view.padding() && view.kind() != Kind::TransportCc {
            if !view.padding_len().is_multiple_of(4) {
                return Err(Error::parse(
                    "rtcp padding",
                    "padding is not a whole number of 32-bit words",
                    off + view.len() - 1,
                ));
            }
            let body = view.body();
            let [l0, l1] = ((body.len() / 4) as u16).to_be_bytes();
            let mut v = Vec::with_capacity(HEADER_LEN + body.len());
            v.extend_from_slice(&[0x80 | view.count(), view.packet_type(), l0, l1]);
            v.extend_from_slice(body);
            Cow::Owned(v)
        } else {
            Cow::Borrowed(view.as_bytes())
        };
        let b: &[u8] = bytes.as_ref();
        Ok(match view.kind() {
            Kind::SenderReport => Packet::SenderReport(unmarshal(b, "rtcp sender report", off)?),
            Kind::ReceiverReport => {
                Packet::ReceiverReport(unmarshal(b, "rtcp receiver report", off)?)
            }
            Kind::SourceDescription => {
                let known = sdes_known_items(view);
                let b = known.as_deref().unwrap_or(b);
                Packet::SourceDescription(unmarshal(b, "rtcp sdes", off)?)
            }
            Kind::Goodbye => Packet::Goodbye(unmarshal(b, "rtcp bye", off)?),
            Kind::App => Packet::App(App::decode(view)?),
            Kind::Nack => Packet::Nack(unmarshal(b, "rtcp generic nack", off)?),
            Kind::TransportCc => {
                let copy = twcc_for_codec(view)?;
                Packet::TransportCc(unmarshal(&copy, "rtcp transport-cc", off)?)
            }
            Kind::Pli => Packet::Pli(unmarshal(b, "rtcp pli", off)?),
            Kind::Fir => Packet::Fir(unmarshal(b, "rtcp fir", off)?),
            Kind::Afb if view.body().get(8..12) == Some(b"REMB") => {
                let mut r: ReceiverEstimatedMaximumBitrate = unmarshal(b, "rtcp remb", off)?;
                // The crate decodes a zero mantissa as 2^23 bit/s; the view's
                // fields give the exact value (18 significant bits fit an
                // f32).
                if let Some(v) = view.remb() {
                    r.bitrate = v.mantissa() as f32 * 2f32.powi(i32::from(v.exponent()));
                }
                Packet::Remb(r)
            }
            _ => {
                let body = view.body();
                if !body.len().is_multiple_of(4) {
                    return Err(Error::parse(
                        "rtcp packet",
                        "body is not a whole number of 32-bit words",
                        off,
                    ));
                }
                Packet::Other(OtherPacket {
                    packet_type: view.packet_type(),
                    count: view.count(),
                    body: body.to_vec(),
                })
            }
        })
    }

    /// The packet type (PT) this packet is written with.
    pub fn packet_type(&self) -> u8 {
        match self {
            Packet::SenderReport(_) => PT_SR,
            Packet::ReceiverReport(_) => PT_RR,
            Packet::SourceDescription(_) => PT_SDES,
            Packet::Goodbye(_) => PT_BYE,
            Packet::App(_) => PT_APP,
            Packet::Nack(_) | Packet::TransportCc(_) => PT_RTPFB,
            Packet::Pli(_) | Packet::Fir(_) | Packet::Remb(_) => PT_PSFB,
            Packet::Other(o) => o.packet_type,
        }
    }

    /// Appends the packet to `out` and returns its length. On error `out`
    /// is left as it was.
    pub fn marshal_into(&self, out: &mut Vec<u8>) -> Result<usize> {
        let start = out.len();
        let r = self.write(out);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<usize> {
        match self {
            Packet::SenderReport(p) => put(p, out),
            Packet::ReceiverReport(p) => put(p, out),
            Packet::SourceDescription(p) => put(p, out),
            Packet::Goodbye(p) => put(p, out),
            Packet::App(p) => p.write(out),
            // The crate refuses more than 253 entries, which it decodes;
            // the format has room for 16381, written here.
            Packet::Nack(p) if p.nacks.len() > 253 => {
                let mut body = Vec::with_capacity(8 + 4 * p.nacks.len());
                body.extend_from_slice(&p.sender_ssrc.to_be_bytes());
                body.extend_from_slice(&p.media_ssrc.to_be_bytes());
                for n in &p.nacks {
                    body.extend_from_slice(&n.packet_id.to_be_bytes());
                    body.extend_from_slice(&n.lost_packets.to_be_bytes());
                }
                put_raw(FMT_NACK, PT_RTPFB, &body, out)
            }
            Packet::Nack(p) => put(p, out),
            Packet::TransportCc(p) => {
                // `put` turns the crate's P-bit padding into the zero
                // padding of the draft's figure, which parsers skip (they
                // stop at the last delta), so a TWCC may sit anywhere in a
                // compound.
                check_twcc(p)?;
                put(p, out)
            }
            Packet::Pli(p) => put(p, out),
            Packet::Fir(p) => put(p, out),
            Packet::Remb(p) => {
                // The crate writes the SSRC count into one octet unchecked.
                if p.ssrcs.len() > usize::from(u8::MAX) {
                    return Err(Error::InvalidArgument("more than 255 ssrcs in a remb"));
                }
                put(p, out)
            }
            Packet::Other(p) => p.write(out),
        }
    }
}

/// Validates `buf` under `mode` and decodes every packet. For the control
/// path: it allocates per packet. An error names the offending packet's
/// offset.
pub fn parse_compound(buf: &[u8], mode: Mode) -> Result<Vec<Packet>> {
    let c = RtcpCompound::parse(buf, mode)?;
    let mut packets = Vec::with_capacity(c.packet_count());
    for p in &c {
        packets.push(Packet::decode(&p)?);
    }
    Ok(packets)
}

/// Appends `packets` to `out` as one datagram and returns its length. On
/// error `out` is left as it was. Whether the result is a valid compound
/// (SR or RR first) is the caller's choice of `packets`.
pub fn marshal_compound(packets: &[Packet], out: &mut Vec<u8>) -> Result<usize> {
    let start = out.len();
    for p in packets {
        if let Err(e) = p.write(out) {
            out.truncate(start);
            return Err(e);
        }
    }
    Ok(out.len() - start)
}

/// Text of an SDES item or BYE reason, for the crate's structs.
pub(super) fn text(b: &[u8]) -> Bytes {
    Bytes::copy_from_slice(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twcc_extent_follows_chunks_and_deltas() {
        let mut body = vec![0u8; 16];
        // Three packets: a run of two small deltas, then a two-bit vector
        // whose first symbol is a large delta.
        body[10..12].copy_from_slice(&3u16.to_be_bytes());
        body.extend_from_slice(&[0x20, 0x02, 0xc0 | 0x20, 0x00]);
        assert_eq!(twcc_extent(&body), None);
        body.extend_from_slice(&[1, 2, 3, 4]);
        assert_eq!(twcc_extent(&body), Some(24));
        // A zero status count needs no chunk.
        body[10..12].copy_from_slice(&0u16.to_be_bytes());
        assert_eq!(twcc_extent(&body), Some(16));
        assert_eq!(twcc_extent(&body[..11]), None);
    }

    #[test]
    fn lengths_must_fit_the_header() {
        assert!(check_len(4).is_ok() && check_len(MAX_PACKET_LEN).is_ok());
        assert!(check_len(0).is_err() && check_len(6).is_err());
        assert!(check_len(MAX_PACKET_LEN + 4).is_err());
        let mut out = Vec::new();
        let big = OtherPacket {
            packet_type: 207,
            count: 0,
            body: vec![0; MAX_PACKET_LEN],
        };
        assert!(Packet::Other(big).marshal_into(&mut out).is_err());
        assert!(out.is_empty());
    }
}
