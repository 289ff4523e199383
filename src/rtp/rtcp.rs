//! RTCP: compound validation, a zero-copy view for the per-packet path, and
//! full decoding and building through `rtc-rtcp` (RFC 3550 §6.1, §6.4–§6.7
//! and A.2; RFC 5506; RFC 4585 §6.1–§6.4; RFC 5104 §4.3.1;
//! draft-alvestrand-rmcat-remb-03; transport-wide CC from
//! draft-holmer-rmcat-transport-wide-cc-extensions-01). The view
//! ([`RtcpCompound`], [`RtcpHeaderView`]) is what runs per packet — SFU
//! feedback routing (NACK, PLI, FIR, REMB to the right publisher) and SRTCP
//! ([`first_sender_ssrc`] reads the clear-text SSRC before decryption, the
//! validation runs after it) — and it is hand-written, against the project
//! rule of using the maintained crate, because `rtc-rtcp` allocates on
//! every packet it touches: a `Box<dyn Packet>` per packet inside a `Vec`,
//! a `Vec` per report list, and a `Bytes` copy of every text and extension,
//! where validating and routing need none of it. `rtc-rtcp` does the rest,
//! which is rarer and wants owned values: [`parse_compound`] decodes a
//! datagram into [`Packet`]s for the control path (statistics, RTT, BYE
//! handling), and the builders ([`build_rr`], [`build_nack`], [`build_pli`],
//! ...) and [`Packet::marshal_into`] write into a caller `Vec<u8>`. Left
//! out: scheduling and the transmission interval (§6.2–§6.3, the host's
//! timer), receiver statistics (`rtp::ReceiverStats`, whose blocks
//! convert into [`ReportBlock`]s), encryption (`srtp`), SDES CNAME
//! checks beyond what A.2 asks, and typed decoding of XR, SLI, RPSI, RRR and
//! TMMBR, which stay [`OtherPacket`] bytes.
//!
//! Where `rtc-rtcp` 0.21 falls short, the glue in `packet.rs` makes up
//! for it rather than passing the fault on: datagrams above
//! [`MAX_COMPOUND_LEN`] never reach it (its FIR decoder overflows a 16-bit
//! product from there); a TWCC is walked first, so a malformed one costs no
//! decoding and one whose chunks end the packet is not refused; SDES items
//! it does not know (MID, RtpStreamId, ...) are skipped instead of ending
//! the chunk; a zero REMB is not read as 2^23 bit/s; NACKs longer than it
//! will write are written here; and its output gets null padding instead of
//! the P bit and SDES padding counts, so any packet may sit anywhere in a
//! compound.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

mod builder;
mod packet;
mod view;

pub use builder::{
    build_bye, build_fir, build_nack, build_pli, build_remb, build_rr, build_sdes_cname, build_sr,
    nack_len, pack_nack, remb_encode, NackPacker, MAX_NACK_PAIRS_PER_PACKET, MAX_REPORT_BLOCKS,
    PLI_LEN,
};
pub use packet::{marshal_compound, parse_compound, App, OtherPacket, Packet, MAX_PACKET_LEN};
pub use view::{
    first_sender_ssrc, validate_compound, FirEntries, FirEntry, Kind, Mode, NackLost, NackPair,
    NackPairs, Remb, ReportBlock, ReportBlocks, RtcpCompound, RtcpHeaderView, RtcpIter, SenderInfo,
    Ssrcs, FMT_AFB, FMT_FIR, FMT_NACK, FMT_PLI, FMT_TWCC, HEADER_LEN, MAX_COMPOUND_LEN, PT_APP,
    PT_BYE, PT_PSFB, PT_RR, PT_RTPFB, PT_SDES, PT_SR, PT_XR, REPORT_BLOCK_LEN,
};

/// The `rtc-rtcp` crate, whose structs [`Packet`] carries; its
/// `reception_report` module has the report block of [`SenderReport`] and
/// [`ReceiverReport`] (convert from a [`ReportBlock`] with `into`), its
/// `transport_feedbacks::transport_layer_cc` module the TWCC chunk and
/// delta types.
pub use rtc_rtcp as codec;

pub use bytes::Bytes;
pub use rtc_rtcp::goodbye::Goodbye;
pub use rtc_rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
pub use rtc_rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
pub use rtc_rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
pub use rtc_rtcp::receiver_report::ReceiverReport;
pub use rtc_rtcp::sender_report::SenderReport;
pub use rtc_rtcp::source_description::{
    SdesType, SourceDescription, SourceDescriptionChunk, SourceDescriptionItem,
};
pub use rtc_rtcp::transport_feedbacks::transport_layer_cc::TransportLayerCc;
pub use rtc_rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
