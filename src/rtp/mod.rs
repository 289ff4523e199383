//! The RTP packet path: zero-copy views and in-place rewriting of RTP
//! packets, stream continuity for relays, sequence unwrapping, receiver
//! statistics and first-byte demultiplexing (RFC 3550 §5, §6.4.1 and
//! Appendices A.1, A.3, A.8; RFC 8285 §4; RFC 7983 §7; RFC 5761 §4), with
//! RTCP in [`rtcp`].
//!
//! * [`RtpPacket`] reads a packet in place, [`RtpPacketMut`] also edits its
//!   header fields and RFC 8285 extension elements without moving a byte;
//!   [`RtpHeaderBuilder`] writes a header for tests and originating
//!   endpoints.
//! * [`StreamRewriter`] is what an SBC relay or an SFU applies to every
//!   forwarded packet: one output SSRC, sequence numbers and timestamps
//!   continuous across source switches, payload-type and extension-id maps.
//! * [`SeqUnwrapper`] and [`TimestampUnwrapper`] extend wrapping counters.
//! * [`ReceiverStats`] validates a source and computes the loss and jitter
//!   of a [`ReceptionReport`].
//! * [`classify`] tells STUN, DTLS, RTP, RTCP, ZRTP and TURN channel data
//!   apart.
//!
//! Nothing on the per-packet path allocates. Left out here: SRTP (the
//! `srtp` room), jitter buffers, payload formats and codecs, retransmission
//! and FEC, and any notion of time other than what the caller passes in.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

mod demux;
mod packet;
mod rewrite;
pub mod rtcp;
mod seq;
mod stats;

pub use demux::{classify, PacketKind};
pub use packet::{
    Csrcs, ExtensionForm, Extensions, RtpHeaderBuilder, RtpPacket, RtpPacketMut, FIXED_HEADER_LEN,
    MAX_CSRC_COUNT, ONE_BYTE_PROFILE, RTP_VERSION, TWO_BYTE_PROFILE,
};
pub use rewrite::{Rebase, RewriteInfo, StreamRewriter};
pub use seq::{SeqUnwrapper, TimestampUnwrapper};
pub use stats::{
    ReceiverStats, ReceptionReport, SeqStatus, MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL,
    RTP_SEQ_MOD,
};
