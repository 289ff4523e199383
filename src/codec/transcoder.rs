//! The RTP transcoder: one direction of a call leg, RTP of one payload
//! format in, RTP of another out (PCMU, PCMA and G.722 of RFC 3551 §4.5.2,
//! §4.5.14 and §4.5.2's note that G.722 keeps an 8000 Hz RTP clock), with
//! its own SSRC, continuous sequence numbers and timestamps, the marker bit
//! at talk-spurt starts (RFC 3551 §4.1), repacketization to the negotiated
//! ptime, a small reorder window, loss concealment of the gaps, RFC 4733
//! telephone-events passed through with their payload type remapped, and
//! RFC 3389 comfort noise passed or dropped. It is a sans-IO engine:
//! [`Transcoder::push`] feeds a received packet, [`Transcoder::poll_output`]
//! hands out what is ready to send, [`Transcoder::handle_timeout`] and
//! [`Transcoder::poll_timeout`] are its only notion of time.
//!
//! Left out: pacing (packets come out as soon as they are complete; the
//! host sends them as they come), a playout jitter buffer (the reorder
//! window only puts late packets back in order), RTCP (the host translates
//! reports with the same offsets), RFC 2198 redundancy, and payload formats
//! other than the three above.
//!
//! # The timeline
//!
//! All three formats count 8000 timestamp ticks a second and carry one
//! octet per tick (G.711 one sample, G.722 at 64 kbit/s two 16 kHz samples
//! per octet), so an input packet covers `payload length` ticks from its
//! timestamp, and so does every output packet. The output timestamp of
//! every sample is its input timestamp plus one offset, fixed when a stream
//! starts; a stream restarts (new offset, output continuing from the end of
//! what was emitted, marker set) on an SSRC change, on a sequence-number
//! jump of more than [`MAX_SEQ_JUMP`], and on a timestamp jump of more than
//! [`MAX_TS_JUMP`] ticks (one second) — silence longer than a second is
//! therefore not kept in the output timestamps: the marker bit tells the
//! receiver to re-synchronise its playout there.
//!
//! Sequence numbers decide order and loss. A packet one ahead of the last
//! one released is released at once; one further ahead is held (up to
//! `reorder_window` packets, for at most `max_hold`) waiting for the
//! missing ones; when the window is full or the time is up, the missing
//! packets are declared lost and the gap in timestamps before the next
//! audio packet is filled with concealed audio (decoded-domain loss
//! concealment, then encoded), exactly as long as the gap. A timestamp gap
//! with no missing sequence number is silence the sender suppressed (or a
//! telephone-event, or comfort noise): it stays a gap, and the output packet
//! being filled is sent short rather than padded. A packet with a sequence
//! number already released is a duplicate (if it was seen) or late (if it
//! was concealed), and is dropped and counted either way.
//!
//! # Formats
//!
//! PCMU ↔ PCMA use the direct G.711 conversion of octets; a format to
//! itself passes octets unchanged. Paths that involve G.722 decode to
//! linear, resample between 8 and 16 kHz and encode. Every path decodes the
//! input for the loss concealment's history, so a concealed gap is
//! continued from the signal before it; the first packet after a
//! concealment is re-encoded from the smoothed linear signal.
//!
//! # Memory
//!
//! Everything is sized by [`Transcoder::new`]: the reorder slots, a queue
//! of output packets holding a second of concealment plus a full window of
//! releases, and fixed work buffers. Nothing allocates afterwards. The
//! host drains [`Transcoder::poll_output`] after every `push` and
//! `handle_timeout`; if it does not and the queue fills, the oldest packets
//! are dropped and counted in [`TranscoderStats::output_dropped`].

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

use core::ops::Range;
use std::time::{Duration, Instant};

use super::dtmf::TelephoneEvent;
use super::g711;
use super::g722::{G722Decoder, G722Encoder, G722Mode};
use super::plc::Plc;
use super::resample::{Downsampler2x, Upsampler2x};
use crate::error::{Error, Result};
use crate::rtp::{RtpPacket, FIXED_HEADER_LEN, RTP_VERSION};

/// The RTP clock rate of all three formats (RFC 3551 §4.5.2, §4.5.14).
pub const RTP_CLOCK: u32 = 8000;

/// The longest audio packet accepted, in ticks (120 ms).
pub const MAX_INPUT_TICKS: usize = 960;

/// The largest reorder window [`Transcoder::new`] accepts.
pub const MAX_REORDER_WINDOW: u16 = 32;

/// The longest telephone-event or comfort-noise payload passed through, in
/// octets (an event block is 4, RFC 3389 comfort noise is 1 plus the model
/// order).
pub const MAX_PASSTHROUGH_PAYLOAD: usize = 64;

/// A sequence-number step beyond this, forward or back, restarts the
/// stream.
pub const MAX_SEQ_JUMP: u16 = 100;

/// A timestamp step beyond this many ticks (one second), forward or back,
/// restarts the stream; also the longest gap concealed.
pub const MAX_TS_JUMP: u32 = RTP_CLOCK;

/// The output ptimes [`TranscoderConfig::output_ptime_ms`] may take.
pub const OUTPUT_PTIMES_MS: [u32; 6] = [10, 20, 30, 40, 50, 60];

/// The static payload type of comfort noise (RFC 3551 §6).
pub const CN_STATIC_PAYLOAD_TYPE: u8 = 13;

/// Ticks processed at a time through the codec chain (20 ms).
const CHUNK: usize = 160;

/// Audio that starts less than this after the last reported extent of a
/// telephone-event without its end bit still counts as overlapping it: the
/// event's packets report its duration only every 50 ms or so.
const EVENT_GUARD_TICKS: u32 = 1600;

/// An RTP audio payload format the transcoder speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadFormat {
    /// G.711 μ-law, `PCMU/8000`.
    Pcmu,
    /// G.711 A-law, `PCMA/8000`.
    Pcma,
    /// G.722 at 64 kbit/s, `G722/8000` (sampled at 16 kHz).
    G722,
}

impl PayloadFormat {
    /// The audio sample rate: 8000 for G.711, 16000 for G.722.
    pub const fn sample_rate(self) -> u32 {
        match self {
            PayloadFormat::Pcmu | PayloadFormat::Pcma => 8000,
            PayloadFormat::G722 => 16000,
        }
    }

    /// The RTP timestamp clock: 8000 for all three (RFC 3551 §4.5.2).
    pub const fn rtp_clock(self) -> u32 {
        RTP_CLOCK
    }

    /// The static payload type of RFC 3551 §6: 0, 8 and 9.
    pub const fn static_payload_type(self) -> u8 {
        match self {
            PayloadFormat::Pcmu => 0,
            PayloadFormat::Pcma => 8,
            PayloadFormat::G722 => 9,
        }
    }

    /// The encoding name of the SDP `a=rtpmap` line.
    pub const fn encoding_name(self) -> &'static str {
        match self {
            PayloadFormat::Pcmu => "PCMU",
            PayloadFormat::Pcma => "PCMA",
            PayloadFormat::G722 => "G722",
        }
    }
}

/// How one direction of a leg is transcoded.
#[derive(Clone, Debug)]
pub struct TranscoderConfig {
    /// The format that arrives.
    pub input: PayloadFormat,
    /// Its payload type.
    pub input_pt: u8,
    /// The format that leaves.
    pub output: PayloadFormat,
    /// Its payload type.
    pub output_pt: u8,
    /// The SSRC of the output stream.
    pub output_ssrc: u32,
    /// Milliseconds of audio per output packet: 10, 20, 30, 40, 50 or 60.
    pub output_ptime_ms: u32,
    /// The telephone-event payload type that arrives, if negotiated.
    pub input_dtmf_pt: Option<u8>,
    /// The telephone-event payload type that leaves; `None` drops events.
    pub output_dtmf_pt: Option<u8>,
    /// The comfort-noise payload type that arrives; `None` means the static
    /// 13.
    pub input_cn_pt: Option<u8>,
    /// The comfort-noise payload type that leaves; `None` means the static
    /// 13.
    pub output_cn_pt: Option<u8>,
    /// Pass comfort noise through (`true`) or drop it (`false`).
    pub pass_cn: bool,
    /// Packets held to wait for a missing one (0 to [`MAX_REORDER_WINDOW`]).
    pub reorder_window: u16,
    /// How long a gap waits for a late packet before it is concealed, and
    /// how long past the expected next packet a partly filled output packet
    /// waits before it is sent short.
    pub max_hold: Duration,
    /// The sequence number of the first output packet.
    pub initial_seq: u16,
    /// The timestamp of the first output sample.
    pub initial_timestamp: u32,
}

impl TranscoderConfig {
    /// The static payload types, 20 ms output packets, no telephone-events,
    /// comfort noise dropped, a reorder window of 3 packets and 60 ms of
    /// hold, and output sequence numbers and timestamps starting at 0 (a
    /// host should draw random ones, RFC 3550 §5.1).
    pub fn new(input: PayloadFormat, output: PayloadFormat, output_ssrc: u32) -> Self {
        TranscoderConfig {
            input,
            input_pt: input.static_payload_type(),
            output,
            output_pt: output.static_payload_type(),
            output_ssrc,
            output_ptime_ms: 20,
            input_dtmf_pt: None,
            output_dtmf_pt: None,
            input_cn_pt: None,
            output_cn_pt: None,
            pass_cn: false,
            reorder_window: 3,
            max_hold: Duration::from_millis(60),
            initial_seq: 0,
            initial_timestamp: 0,
        }
    }

    fn check(&self) -> Result<()> {
        if !OUTPUT_PTIMES_MS.contains(&self.output_ptime_ms) {
            return Err(Error::InvalidArgument(
                "output ptime must be 10, 20, 30, 40, 50 or 60 ms",
            ));
        }
        if self.reorder_window > MAX_REORDER_WINDOW {
            return Err(Error::InvalidArgument("reorder window above 32 packets"));
        }
        let out = [Some(self.output_pt), self.output_dtmf_pt, self.output_cn_pt];
        let inp = [
            Some(self.input_pt),
            self.input_dtmf_pt,
            Some(self.input_cn_pt.unwrap_or(CN_STATIC_PAYLOAD_TYPE)),
        ];
        for set in [inp, out] {
            if set.iter().flatten().any(|&pt| pt > 0x7F) {
                return Err(Error::InvalidArgument("payload type above 127"));
            }
            for (i, a) in set.iter().enumerate() {
                for b in set.iter().skip(i + 1) {
                    if a.is_some() && a == b {
                        return Err(Error::InvalidArgument(
                            "one payload type given to two formats",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a transcoder has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TranscoderStats {
    /// Packets accepted by [`Transcoder::push`] (audio, events and noise).
    pub packets_in: u64,
    /// Packets handed out by [`Transcoder::poll_output`].
    pub packets_out: u64,
    /// Gaps filled with concealed audio (one per run of lost packets).
    pub concealed_frames: u64,
    /// Timestamp ticks of concealed audio.
    pub concealed_ticks: u64,
    /// Packets that arrived after a later one and were put back in order.
    pub reordered: u64,
    /// Packets dropped because their time was already output (concealed,
    /// or overlapping audio already sent).
    pub late_dropped: u64,
    /// Packets dropped as copies of one already received.
    pub duplicates: u64,
    /// Stream restarts: SSRC changes, large jumps and calls to
    /// [`Transcoder::reset`].
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
    /// Packets refused by [`Transcoder::push`] with an error.
    pub bad_packets: u64,
    /// Output packets dropped because the host did not poll them in time.
    pub output_dropped: u64,
}

/// What kind of packet an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Audio,
    Event,
    Noise,
}

/// A validated input packet's header facts.
#[derive(Clone, Copy, Debug)]
struct Meta {
    ssrc: u32,
    seq: u16,
    ts: u32,
    marker: bool,
    kind: Kind,
    /// Ticks covered: the audio length, the event duration, 0 for noise.
    ticks: u32,
    /// Payload octets.
    len: usize,
}

/// `a - b` as a signed distance on the 32-bit timestamp circle.
#[inline]
fn ts_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// The first `n` elements of `s` (all of it when shorter).
#[inline]
fn head<T>(s: &mut [T], n: usize) -> &mut [T] {
    let n = n.min(s.len());
    s.split_at_mut(n).0
}

fn ticks_to_duration(ticks: u32) -> Duration {
    Duration::from_micros(u64::from(ticks) * 1_000_000 / u64::from(RTP_CLOCK))
}

/// G.711 law of one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Law {
    U,
    A,
}

impl Law {
    fn decode(self, inp: &[u8], out: &mut [i16]) {
        let _ = match self {
            Law::U => g711::decode_ulaw(inp, out),
            Law::A => g711::decode_alaw(inp, out),
        };
    }

    fn encode(self, inp: &[i16], out: &mut [u8]) {
        let _ = match self {
            Law::U => g711::encode_ulaw(inp, out),
            Law::A => g711::encode_alaw(inp, out),
        };
    }
}

/// The codec chain of one format pair. One lives inside each transcoder
/// and never moves, so the variants' different sizes cost nothing.
#[allow(clippy::large_enum_variant)]
enum Chain {
    /// G.711 to G.711: octets copied or converted directly.
    G711 { from: Law, to: Law },
    /// G.711 → linear 8 kHz → 16 kHz → G.722.
    G711ToG722 {
        from: Law,
        up: Upsampler2x,
        enc: G722Encoder,
    },
    /// G.722 → linear 16 kHz → 8 kHz → G.711.
    G722ToG711 {
        to: Law,
        dec: G722Decoder,
        down: Downsampler2x,
    },
    /// G.722 octets passed; decoded for the concealment's history, and
    /// concealed audio encoded.
    G722 { dec: G722Decoder, enc: G722Encoder },
}

/// The codec chain, the loss concealment and the fixed work buffers.
struct Pipeline {
    chain: Chain,
    plc: Plc,
    lin8: [i16; CHUNK],
    lin16: [i16; 2 * CHUNK],
    out: [u8; CHUNK],
    /// The next good chunk is re-encoded from linear, so the concealment's
    /// smoothing into it reaches the output.
    reencode: bool,
}

impl Pipeline {
    fn new(input: PayloadFormat, output: PayloadFormat) -> Result<Self> {
        let law = |f| match f {
            PayloadFormat::Pcma => Law::A,
            _ => Law::U,
        };
        let chain = match (input, output) {
            (PayloadFormat::G722, PayloadFormat::G722) => Chain::G722 {
                dec: G722Decoder::new(G722Mode::Mode1),
                enc: G722Encoder::new(G722Mode::Mode1),
            },
            (PayloadFormat::G722, o) => Chain::G722ToG711 {
                to: law(o),
                dec: G722Decoder::new(G722Mode::Mode1),
                down: Downsampler2x::new(),
            },
            (i, PayloadFormat::G722) => Chain::G711ToG722 {
                from: law(i),
                up: Upsampler2x::new(),
                enc: G722Encoder::new(G722Mode::Mode1),
            },
            (i, o) => Chain::G711 {
                from: law(i),
                to: law(o),
            },
        };
        Ok(Pipeline {
            chain,
            plc: Plc::new(input.sample_rate())?,
            lin8: [0; CHUNK],
            lin16: [0; 2 * CHUNK],
            out: [0; CHUNK],
            reencode: false,
        })
    }

    /// Transcodes up to [`CHUNK`] received octets; the result is in
    /// `self.out[..inp.len()]`.
    fn good(&mut self, inp: &[u8]) -> &[u8] {
        let n = inp.len().min(CHUNK);
        let inp = inp.get(..n).unwrap_or_default();
        let lin8 = head(&mut self.lin8, n);
        let lin16 = head(&mut self.lin16, 2 * n);
        let out = head(&mut self.out, n);
        match &mut self.chain {
            Chain::G711 { from, to } => {
                from.decode(inp, lin8);
                self.plc.good_frame(lin8);
                if self.reencode {
                    to.encode(lin8, out);
                } else if from == to {
                    out.copy_from_slice(inp);
                } else if *from == Law::U {
                    let _ = g711::ulaw_to_alaw_slice(inp, out);
                } else {
                    let _ = g711::alaw_to_ulaw_slice(inp, out);
                }
            }
            Chain::G711ToG722 { from, up, enc } => {
                from.decode(inp, lin8);
                self.plc.good_frame(lin8);
                let _ = up.process(lin8, lin16);
                let _ = enc.encode(lin16, out);
            }
            Chain::G722ToG711 { to, dec, down } => {
                let _ = dec.decode(inp, lin16);
                self.plc.good_frame(lin16);
                let _ = down.process(lin16, lin8);
                to.encode(lin8, out);
            }
            Chain::G722 { dec, enc: _ } => {
                let _ = dec.decode(inp, lin16);
                self.plc.good_frame(lin16);
                out.copy_from_slice(inp);
            }
        }
        self.reencode = false;
        out
    }

    /// Conceals `n` ticks (at most [`CHUNK`]); the result is in
    /// `self.out[..n]`.
    fn conceal(&mut self, n: usize) -> &[u8] {
        let n = n.min(CHUNK);
        let lin8 = head(&mut self.lin8, n);
        let lin16 = head(&mut self.lin16, 2 * n);
        let out = head(&mut self.out, n);
        match &mut self.chain {
            Chain::G711 { to, .. } => {
                self.plc.conceal(lin8);
                to.encode(lin8, out);
            }
            Chain::G711ToG722 { up, enc, .. } => {
                self.plc.conceal(lin8);
                let _ = up.process(lin8, lin16);
                let _ = enc.encode(lin16, out);
            }
            Chain::G722ToG711 { to, down, .. } => {
                self.plc.conceal(lin16);
                let _ = down.process(lin16, lin8);
                to.encode(lin8, out);
            }
            Chain::G722 { enc, .. } => {
                self.plc.conceal(lin16);
                let _ = enc.encode(lin16, out);
            }
        }
        self.reencode = true;
        out
    }

    /// Forgets the input stream: decoder state and concealment history.
    /// The encoder keeps its state, the output stream goes on.
    fn reset_input(&mut self) {
        self.plc.reset();
        match &mut self.chain {
            Chain::G722ToG711 { dec, .. } | Chain::G722 { dec, .. } => dec.reset(),
            Chain::G711 { .. } | Chain::G711ToG722 { .. } => {}
        }
        self.reencode = false;
    }
}

/// Header of one queued output packet.
#[derive(Clone, Copy, Debug, Default)]
struct OutMeta {
    pt: u8,
    marker: bool,
    ts: u32,
    len: usize,
}

/// The queue of output packets: fixed slots, the one after the queued ones
/// being the audio packet under construction.
struct OutQueue {
    meta: Box<[OutMeta]>,
    data: Box<[u8]>,
    slot: usize,
    head: usize,
    len: usize,
    /// Octets in the open audio packet (`None`: no packet open).
    open: Option<usize>,
    /// Octets of audio per packet.
    frame: usize,
    audio_pt: u8,
    ssrc: u32,
    next_seq: u16,
    /// Mark the next packet opened.
    mark_next: bool,
    /// The output timestamp right after everything emitted.
    end_ts: u32,
    sent: u64,
    dropped: u64,
}

impl OutQueue {
    fn new(cfg: &TranscoderConfig, frame: usize) -> Self {
        let held_ticks = (usize::from(cfg.reorder_window) + 2) * MAX_INPUT_TICKS;
        let conceal = MAX_TS_JUMP as usize;
        let cap = (conceal + held_ticks).div_ceil(frame) + usize::from(cfg.reorder_window) + 4;
        let slot = frame.max(MAX_PASSTHROUGH_PAYLOAD);
        OutQueue {
            meta: vec![OutMeta::default(); cap].into_boxed_slice(),
            data: vec![0; cap * slot].into_boxed_slice(),
            slot,
            head: 0,
            len: 0,
            open: None,
            frame,
            audio_pt: cfg.output_pt,
            ssrc: cfg.output_ssrc,
            next_seq: cfg.initial_seq,
            mark_next: true,
            end_ts: cfg.initial_timestamp,
            sent: 0,
            dropped: 0,
        }
    }

    fn tail(&self) -> usize {
        (self.head + self.len) % self.meta.len()
    }

    fn slot_mut(&mut self, i: usize) -> &mut [u8] {
        let s = self.slot;
        self.data.get_mut(i * s..(i + 1) * s).unwrap_or_default()
    }

    /// Queues the open slot as a finished packet, dropping the oldest when
    /// that leaves no free slot.
    fn commit(&mut self) {
        self.open = None;
        self.len += 1;
        if self.len >= self.meta.len() {
            self.head = (self.head + 1) % self.meta.len();
            self.len -= 1;
            self.dropped += 1;
        }
    }

    /// Sends the open audio packet as it is, short or full.
    fn flush(&mut self) {
        if self.open.is_some() {
            self.commit();
        }
    }

    /// The marker goes on the packet that holds the next audio octet.
    fn mark_next_audio(&mut self) {
        match self.open {
            Some(_) => {
                let t = self.tail();
                if let Some(m) = self.meta.get_mut(t) {
                    m.marker = true;
                }
            }
            None => self.mark_next = true,
        }
    }

    /// Appends audio octets whose first one has output timestamp `ts`.
    fn append(&mut self, mut bytes: &[u8], mut ts: u32) {
        while !bytes.is_empty() {
            let t = self.tail();
            let fill = match self.open {
                Some(f) => f,
                None => {
                    let marker = core::mem::take(&mut self.mark_next);
                    if let Some(m) = self.meta.get_mut(t) {
                        *m = OutMeta {
                            pt: self.audio_pt,
                            marker,
                            ts,
                            len: 0,
                        };
                    }
                    0
                }
            };
            let take = bytes.len().min(self.frame - fill);
            let (now, rest) = bytes.split_at(take);
            let frame = self.frame;
            if let Some(dst) = self.slot_mut(t).get_mut(fill..fill + take) {
                dst.copy_from_slice(now);
            }
            if let Some(m) = self.meta.get_mut(t) {
                m.len = fill + take;
            }
            bytes = rest;
            ts = ts.wrapping_add(take as u32);
            self.end_ts = ts;
            if fill + take == frame {
                self.commit();
            } else {
                self.open = Some(fill + take);
            }
        }
    }

    /// Queues a payload passed through (after flushing the open packet).
    fn pass(&mut self, pt: u8, marker: bool, ts: u32, ticks: u32, payload: &[u8]) {
        self.flush();
        let t = self.tail();
        let marker = marker | core::mem::take(&mut self.mark_next);
        let len = payload.len().min(self.slot);
        if let (Some(dst), Some(src)) = (self.slot_mut(t).get_mut(..len), payload.get(..len)) {
            dst.copy_from_slice(src);
        }
        if let Some(m) = self.meta.get_mut(t) {
            *m = OutMeta {
                pt,
                marker,
                ts,
                len,
            };
        }
        let end = ts.wrapping_add(ticks);
        if ts_diff(end, self.end_ts) > 0 {
            self.end_ts = end;
        }
        self.commit();
    }

    fn pop(&mut self, buf: &mut [u8]) -> Result<Option<usize>> {
        if self.len == 0 {
            return Ok(None);
        }
        let m = self.meta.get(self.head).copied().unwrap_or_default();
        let needed = FIXED_HEADER_LEN + m.len;
        let Some(out) = buf.get_mut(..needed) else {
            return Err(Error::BufferTooSmall { needed });
        };
        let (hdr, payload) = out.split_at_mut(FIXED_HEADER_LEN);
        let seq = self.next_seq.to_be_bytes();
        let ts = m.ts.to_be_bytes();
        let ssrc = self.ssrc.to_be_bytes();
        hdr.copy_from_slice(&[
            RTP_VERSION << 6,
            (u8::from(m.marker) << 7) | m.pt,
            seq[0],
            seq[1],
            ts[0],
            ts[1],
            ts[2],
            ts[3],
            ssrc[0],
            ssrc[1],
            ssrc[2],
            ssrc[3],
        ]);
        let h = self.head;
        if let Some(src) = self.slot_mut(h).get(..m.len) {
            payload.copy_from_slice(src);
        }
        self.head = (self.head + 1) % self.meta.len();
        self.len -= 1;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.sent += 1;
        Ok(Some(needed))
    }
}

/// The extent of the telephone-event in progress, in input ticks.
#[derive(Clone, Copy, Debug)]
struct EventSpan {
    start: u32,
    end: u32,
    ended: bool,
}

/// The input stream being followed.
#[derive(Clone, Copy, Debug)]
struct Stream {
    ssrc: u32,
    /// The sequence number expected next: one after the last released.
    next_seq: u16,
    /// Bit `i`: sequence number `next_seq - 1 - i` was released.
    released: u64,
    /// Input timestamp of the next contiguous audio tick.
    cursor: u32,
    /// Input timestamp right after the latest content released.
    time_end: u32,
    /// The next audio starts a new packet without concealing the gap
    /// (after an event or comfort noise).
    discontinuity: bool,
    /// Output timestamp minus input timestamp.
    offset: u32,
    event: Option<EventSpan>,
}

/// Everything but the reorder slots.
struct Engine {
    pipe: Pipeline,
    out: OutQueue,
    stream: Option<Stream>,
    dtmf_out: Option<u8>,
    cn_out: Option<u8>,
    stats: TranscoderStats,
    /// Audio was appended since the flag was last taken, and the length
    /// of the last audio packet.
    audio_appended: bool,
    last_audio_ticks: u32,
}

impl Engine {
    /// Starts a stream whose first packet is `m`; its timeline continues
    /// the output where it ends.
    fn start(&mut self, m: &Meta) {
        self.stream = Some(Stream {
            ssrc: m.ssrc,
            next_seq: m.seq,
            released: 0,
            cursor: m.ts,
            time_end: m.ts,
            discontinuity: true,
            offset: self.out.end_ts.wrapping_sub(m.ts),
            event: None,
        });
        self.out.mark_next = true;
    }

    /// Ends the stream: the open packet is sent short, the decoder and the
    /// concealment forget it.
    fn end(&mut self) {
        self.out.flush();
        self.pipe.reset_input();
        if self.stream.take().is_some() {
            self.stats.resets += 1;
        }
        self.out.mark_next = true;
    }

    /// Releases one packet, in sequence order.
    fn release(&mut self, m: &Meta, payload: &[u8]) {
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        let skipped = u32::from(m.seq.wrapping_sub(s.next_seq));
        s.released = match skipped.checked_add(1) {
            Some(shift) if shift < 64 => (s.released << shift) | 1,
            _ => 1,
        };
        s.next_seq = m.seq.wrapping_add(1);
        match m.kind {
            Kind::Audio => self.release_audio(m, payload, skipped > 0),
            Kind::Event => self.release_event(m, payload),
            Kind::Noise => self.release_noise(m, payload),
        }
    }

    fn release_audio(&mut self, m: &Meta, payload: &[u8], after_loss: bool) {
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        let mut ts = m.ts;
        let mut payload = payload;
        if let Some(ev) = s.event {
            let guard = if ev.ended { 0 } else { EVENT_GUARD_TICKS };
            let past = ts_diff(ts.wrapping_add(m.ticks), ev.end.wrapping_add(guard));
            if !ev.ended && ts_diff(ts, ev.end.wrapping_add(guard)) < 0 {
                self.stats.audio_in_event_dropped += 1;
                return;
            }
            let into = ts_diff(ev.end, ts);
            if ev.ended && into > 0 {
                if past <= 0 {
                    self.stats.audio_in_event_dropped += 1;
                    return;
                }
                // the part after the event's end goes on
                payload = payload.get(into as usize..).unwrap_or_default();
                ts = ev.end;
            }
            if ts_diff(ts, ev.start) >= 0 {
                s.event = None;
            }
        }
        let mut gap = ts_diff(ts, s.cursor);
        if gap < 0 {
            // a sender that overlaps itself: what was already sent stays
            let skip = gap.unsigned_abs() as usize;
            if skip >= payload.len() {
                self.stats.late_dropped += 1;
                return;
            }
            payload = payload.get(skip..).unwrap_or_default();
            ts = s.cursor;
            gap = 0;
        }
        if gap > 0 {
            if after_loss && !s.discontinuity && gap.unsigned_abs() <= MAX_TS_JUMP {
                self.conceal(gap.unsigned_abs());
            } else {
                self.out.flush();
            }
        }
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        s.discontinuity = false;
        s.cursor = ts;
        if m.marker {
            self.out.mark_next_audio();
        }
        let mut out_ts = ts.wrapping_add(s.offset);
        for chunk in payload.chunks(CHUNK) {
            let bytes = self.pipe.good(chunk);
            self.out.append(bytes, out_ts);
            out_ts = out_ts.wrapping_add(chunk.len() as u32);
        }
        let n = payload.len() as u32;
        s.cursor = ts.wrapping_add(n);
        if ts_diff(s.cursor, s.time_end) > 0 {
            s.time_end = s.cursor;
        }
        self.audio_appended = true;
        self.last_audio_ticks = m.ticks;
    }

    /// Fills `ticks` of lost audio at the cursor.
    fn conceal(&mut self, ticks: u32) {
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        let mut out_ts = s.cursor.wrapping_add(s.offset);
        let mut left = ticks as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            let bytes = self.pipe.conceal(n);
            self.out.append(bytes, out_ts);
            out_ts = out_ts.wrapping_add(n as u32);
            left -= n;
        }
        s.cursor = s.cursor.wrapping_add(ticks);
        self.stats.concealed_frames += 1;
        self.stats.concealed_ticks += u64::from(ticks);
    }

    fn release_event(&mut self, m: &Meta, payload: &[u8]) {
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        let Ok(e) = TelephoneEvent::parse(payload) else {
            return;
        };
        let end = m.ts.wrapping_add(u32::from(e.duration()));
        s.event = Some(match s.event {
            Some(ev) if ev.start == m.ts => EventSpan {
                start: ev.start,
                end: if ts_diff(end, ev.end) > 0 {
                    end
                } else {
                    ev.end
                },
                ended: ev.ended || e.end(),
            },
            _ => EventSpan {
                start: m.ts,
                end,
                ended: e.end(),
            },
        });
        if ts_diff(end, s.time_end) > 0 {
            s.time_end = end;
        }
        s.discontinuity = true;
        let out_ts = m.ts.wrapping_add(s.offset);
        self.out.flush();
        match self.dtmf_out {
            Some(pt) => {
                self.out
                    .pass(pt, m.marker, out_ts, u32::from(e.duration()), payload);
                self.stats.dtmf_passed += 1;
            }
            None => self.stats.dtmf_dropped += 1,
        }
    }

    fn release_noise(&mut self, m: &Meta, payload: &[u8]) {
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        if ts_diff(m.ts, s.time_end) > 0 {
            s.time_end = m.ts;
        }
        s.discontinuity = true;
        let out_ts = m.ts.wrapping_add(s.offset);
        self.out.flush();
        match self.cn_out {
            Some(pt) => {
                self.out.pass(pt, m.marker, out_ts, 0, payload);
                self.stats.cn_passed += 1;
            }
            None => self.stats.cn_dropped += 1,
        }
    }
}

/// Input packets held while a gap waits for a late packet.
struct Held {
    meta: Box<[Option<Meta>]>,
    data: Box<[u8]>,
    count: usize,
}

impl Held {
    fn new(window: u16) -> Self {
        let n = usize::from(window);
        Held {
            meta: vec![None; n].into_boxed_slice(),
            data: vec![0; n * MAX_INPUT_TICKS].into_boxed_slice(),
            count: 0,
        }
    }

    fn payload(&self, i: usize, len: usize) -> &[u8] {
        let at = i * MAX_INPUT_TICKS;
        self.data.get(at..at + len).unwrap_or_default()
    }

    fn contains(&self, seq: u16) -> bool {
        self.meta.iter().flatten().any(|m| m.seq == seq)
    }

    /// The held packet closest after `next_seq`.
    fn first(&self, next_seq: u16) -> Option<(usize, u16)> {
        self.meta
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.map(|m| (i, m.seq.wrapping_sub(next_seq))))
            .min_by_key(|&(_, d)| d)
    }

    fn insert(&mut self, m: Meta, payload: &[u8]) -> bool {
        let Some(i) = self.meta.iter().position(Option::is_none) else {
            return false;
        };
        let at = i * MAX_INPUT_TICKS;
        let Some(dst) = self.data.get_mut(at..at + payload.len()) else {
            return false;
        };
        dst.copy_from_slice(payload);
        if let Some(slot) = self.meta.get_mut(i) {
            *slot = Some(m);
        }
        self.count += 1;
        true
    }

    fn clear(&mut self) {
        self.meta.iter_mut().for_each(|m| *m = None);
        self.count = 0;
    }
}

/// One direction of a transcoded call leg; see the module docs.
///
/// ```
/// use std::time::Instant;
/// use mediaplane::codec::transcoder::{PayloadFormat, Transcoder, TranscoderConfig};
/// use mediaplane::rtp::RtpHeaderBuilder;
///
/// let cfg = TranscoderConfig::new(PayloadFormat::Pcmu, PayloadFormat::Pcma, 0x5EED);
/// let mut t = Transcoder::new(cfg)?;
/// let mut pkt = [0xFFu8; 12 + 160];
/// RtpHeaderBuilder::new(0, 1, 0, 0xABCD).write(&mut pkt)?;
/// t.push(Instant::now(), &pkt)?;
/// let mut out = vec![0u8; t.max_output_packet_len()];
/// let n = t.poll_output(&mut out)?.expect("20 ms in, 20 ms out");
/// assert_eq!(n, 12 + 160);
/// assert_eq!(out[1] & 0x7F, 8); // PCMA
/// assert_eq!(out[12], 0xD5); // μ-law 0xFF (zero) is A-law 0xD5
/// # Ok::<(), mediaplane::Error>(())
/// ```
pub struct Transcoder {
    cfg: TranscoderConfig,
    cn_in: u8,
    held: Held,
    eng: Engine,
    /// When the first held packet began waiting for a gap to fill.
    gap_since: Option<Instant>,
    /// When the open output packet is sent short if no audio comes.
    flush_at: Option<Instant>,
}

impl core::fmt::Debug for Transcoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transcoder")
            .field("config", &self.cfg)
            .field("stats", &self.eng.stats)
            .finish_non_exhaustive()
    }
}

impl Transcoder {
    /// A transcoder for `config`. Fails with `InvalidArgument` on an output
    /// ptime other than 10, 20, 30, 40, 50 or 60 ms, a payload type above
    /// 127, one payload type given to two formats on the same side, or a
    /// reorder window above [`MAX_REORDER_WINDOW`].
    pub fn new(config: TranscoderConfig) -> Result<Transcoder> {
        config.check()?;
        let frame = (config.output_ptime_ms * RTP_CLOCK / 1000) as usize;
        let pipe = Pipeline::new(config.input, config.output)?;
        let out = OutQueue::new(&config, frame);
        let cn_out = config
            .pass_cn
            .then_some(config.output_cn_pt.unwrap_or(CN_STATIC_PAYLOAD_TYPE));
        Ok(Transcoder {
            cn_in: config.input_cn_pt.unwrap_or(CN_STATIC_PAYLOAD_TYPE),
            held: Held::new(config.reorder_window),
            eng: Engine {
                pipe,
                out,
                stream: None,
                dtmf_out: config.output_dtmf_pt,
                cn_out,
                stats: TranscoderStats::default(),
                audio_appended: false,
                last_audio_ticks: 0,
            },
            gap_since: None,
            flush_at: None,
            cfg: config,
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &TranscoderConfig {
        &self.cfg
    }

    /// The longest packet [`poll_output`](Self::poll_output) writes: a
    /// buffer this long never gets `BufferTooSmall`.
    pub fn max_output_packet_len(&self) -> usize {
        FIXED_HEADER_LEN + self.eng.out.slot
    }

    /// What the transcoder has done so far.
    pub fn stats(&self) -> TranscoderStats {
        let mut s = self.eng.stats;
        s.packets_out = self.eng.out.sent;
        s.output_dropped = self.eng.out.dropped;
        s
    }

    /// Validates one packet; nothing changes. Returns its facts and where
    /// its payload is.
    fn classify(&self, rtp: &[u8]) -> Result<(Meta, Range<usize>)> {
        let p = RtpPacket::parse(rtp)?;
        let pt = p.payload_type();
        let payload = p.payload();
        let at = p.header_len();
        let kind = if pt == self.cfg.input_pt {
            Kind::Audio
        } else if Some(pt) == self.cfg.input_dtmf_pt {
            Kind::Event
        } else if pt == self.cn_in {
            Kind::Noise
        } else {
            return Err(Error::Unsupported(
                "payload type not configured on this transcoder",
            ));
        };
        let ticks = match kind {
            Kind::Audio => {
                if payload.is_empty() {
                    return Err(Error::invalid("audio packet with no payload", Some(at)));
                }
                if payload.len() > MAX_INPUT_TICKS {
                    return Err(Error::Limit {
                        what: "audio payload",
                        limit: MAX_INPUT_TICKS,
                        offset: at + MAX_INPUT_TICKS,
                    });
                }
                payload.len() as u32
            }
            Kind::Event => {
                let e = TelephoneEvent::parse(payload).map_err(|e| match e {
                    Error::Parse {
                        what,
                        reason,
                        offset,
                    } => Error::parse(what, reason, at + offset),
                    other => other,
                })?;
                u32::from(e.duration())
            }
            Kind::Noise => {
                if payload.is_empty() {
                    return Err(Error::parse(
                        "comfort noise",
                        "expected a noise level octet",
                        at,
                    ));
                }
                0
            }
        };
        if kind != Kind::Audio && payload.len() > MAX_PASSTHROUGH_PAYLOAD {
            return Err(Error::Limit {
                what: "event or comfort-noise payload",
                limit: MAX_PASSTHROUGH_PAYLOAD,
                offset: at + MAX_PASSTHROUGH_PAYLOAD,
            });
        }
        let m = Meta {
            ssrc: p.ssrc(),
            seq: p.sequence_number(),
            ts: p.timestamp(),
            marker: p.marker(),
            kind,
            ticks,
            len: payload.len(),
        };
        Ok((m, p.payload_range()))
    }

    /// Feeds one received RTP packet (after SRTP, if any). Fails with a
    /// `Parse` error on a packet that is not RTP or whose telephone-event
    /// or comfort-noise payload is malformed, `Unsupported` on a payload
    /// type the configuration does not name, `Invalid` on an empty audio
    /// payload and `Limit` on a payload longer than the transcoder takes;
    /// a refused packet changes nothing but [`TranscoderStats::bad_packets`].
    pub fn push(&mut self, now: Instant, rtp: &[u8]) -> Result<()> {
        let (m, range) = match self.classify(rtp) {
            Ok(m) => m,
            Err(e) => {
                self.eng.stats.bad_packets += 1;
                return Err(e);
            }
        };
        let payload = rtp.get(range).unwrap_or_default();
        self.eng.stats.packets_in += 1;
        self.accept(now, &m, payload);
        self.after_input(now);
        Ok(())
    }

    /// Whether `m` breaks the stream's continuity: another SSRC, or a
    /// jump of sequence number or timestamp.
    fn breaks_stream(&self, m: &Meta) -> bool {
        let Some(s) = &self.eng.stream else {
            return false;
        };
        if s.ssrc != m.ssrc {
            return true;
        }
        let d = m.seq.wrapping_sub(s.next_seq) as i16;
        if d.unsigned_abs() > MAX_SEQ_JUMP {
            return true;
        }
        if d < 0 {
            return false;
        }
        let start = ts_diff(m.ts, s.time_end);
        let end = ts_diff(m.ts.wrapping_add(m.ticks), s.time_end);
        start > MAX_TS_JUMP as i32 || end < -(MAX_TS_JUMP as i32)
    }

    fn accept(&mut self, now: Instant, m: &Meta, payload: &[u8]) {
        if self.breaks_stream(m) {
            self.release_all();
            self.eng.end();
        }
        let Some(s) = self.eng.stream else {
            self.eng.start(m);
            self.eng.release(m, payload);
            return;
        };
        let d = m.seq.wrapping_sub(s.next_seq) as i16;
        if d < 0 {
            let back = u32::from((-(d as i32) - 1) as u16);
            if back < 64 && (s.released >> back) & 1 == 1 {
                self.eng.stats.duplicates += 1;
            } else {
                self.eng.stats.late_dropped += 1;
            }
            return;
        }
        if self.held.contains(m.seq) {
            self.eng.stats.duplicates += 1;
            return;
        }
        let ahead = m.seq.wrapping_sub(s.next_seq);
        if self
            .held
            .meta
            .iter()
            .flatten()
            .any(|h| h.seq.wrapping_sub(s.next_seq) > ahead)
        {
            self.eng.stats.reordered += 1;
        }
        loop {
            let Some(s) = self.eng.stream else {
                return;
            };
            let d = m.seq.wrapping_sub(s.next_seq);
            if d == 0 {
                self.eng.release(m, payload);
                self.release_in_order();
                break;
            }
            if self.held.count < self.held.meta.len() {
                self.held.insert(*m, payload);
                if self.gap_since.is_none() {
                    self.gap_since = Some(now);
                }
                break;
            }
            // the window is full: the gap before the first packet is lost
            match self.held.first(s.next_seq) {
                Some((i, hd)) if hd < d => self.release_held(i),
                _ => {
                    self.eng.release(m, payload);
                    self.release_in_order();
                    break;
                }
            }
            self.release_in_order();
        }
        if self.held.count == 0 {
            self.gap_since = None;
        }
    }

    fn release_held(&mut self, i: usize) {
        let Some(Some(m)) = self.held.meta.get_mut(i).map(Option::take) else {
            return;
        };
        self.held.count -= 1;
        let payload = self.held.payload(i, m.len);
        self.eng.release(&m, payload);
    }

    /// Releases held packets while the next one is there.
    fn release_in_order(&mut self) {
        while let Some(s) = self.eng.stream {
            match self.held.first(s.next_seq) {
                Some((i, 0)) => self.release_held(i),
                _ => break,
            }
        }
    }

    /// Releases every held packet in order, concealing the gaps.
    fn release_all(&mut self) {
        while let Some(s) = self.eng.stream {
            match self.held.first(s.next_seq) {
                Some((i, _)) => self.release_held(i),
                None => break,
            }
        }
        self.held.clear();
        self.gap_since = None;
    }

    /// Re-arms the flush of a partly filled output packet.
    fn after_input(&mut self, now: Instant) {
        if self.eng.out.open.is_none() {
            self.flush_at = None;
        } else if core::mem::take(&mut self.eng.audio_appended) {
            let wait = ticks_to_duration(self.eng.last_audio_ticks) + self.cfg.max_hold;
            self.flush_at = Some(now.checked_add(wait).unwrap_or(now));
        }
        self.eng.audio_appended = false;
    }

    /// When [`handle_timeout`](Self::handle_timeout) has something to do:
    /// a gap waiting for a late packet, or a partly filled output packet.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let gap = self
            .gap_since
            .map(|t| t.checked_add(self.cfg.max_hold).unwrap_or(t));
        match (gap, self.flush_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Conceals a gap that waited `max_hold` for a late packet and releases
    /// what was held after it; sends a partly filled output packet short
    /// when no audio came in time to fill it.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(t) = self.gap_since {
            if now >= t.checked_add(self.cfg.max_hold).unwrap_or(t) {
                self.release_all();
                self.after_input(now);
            }
        }
        if let Some(t) = self.flush_at {
            if now >= t {
                self.eng.out.flush();
                self.flush_at = None;
            }
        }
    }

    /// Writes the next output RTP packet into `buf` and returns its length,
    /// or `None` when nothing is ready. Fails with `BufferTooSmall` (the
    /// packet stays queued) when `buf` is shorter than the packet;
    /// [`max_output_packet_len`](Self::max_output_packet_len) is always
    /// enough.
    pub fn poll_output(&mut self, buf: &mut [u8]) -> Result<Option<usize>> {
        self.eng.out.pop(buf)
    }

    /// Forgets the input stream: held packets are discarded, audio already
    /// transcoded is sent (the open packet short), decoder and concealment
    /// start afresh. The output stream goes on: its sequence numbers and
    /// timestamps continue and its next packet is marked.
    pub fn reset(&mut self) {
        self.held.clear();
        self.gap_since = None;
        self.flush_at = None;
        self.eng.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(pt: u8, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, pt];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&ts.to_be_bytes());
        p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn config_checks() {
        let mut c = TranscoderConfig::new(PayloadFormat::Pcmu, PayloadFormat::G722, 1);
        assert!(Transcoder::new(c.clone()).is_ok());
        c.output_ptime_ms = 25;
        assert!(Transcoder::new(c.clone()).is_err());
        c.output_ptime_ms = 60;
        c.input_dtmf_pt = Some(0);
        assert!(Transcoder::new(c.clone()).is_err());
        c.input_dtmf_pt = Some(101);
        c.output_dtmf_pt = Some(128);
        assert!(Transcoder::new(c.clone()).is_err());
        c.output_dtmf_pt = Some(101);
        c.reorder_window = 33;
        assert!(Transcoder::new(c).is_err());
    }

    #[test]
    fn ts_circle() {
        assert_eq!(ts_diff(5, u32::MAX), 6);
        assert_eq!(ts_diff(u32::MAX, 5), -6);
        assert_eq!(ticks_to_duration(160), Duration::from_millis(20));
    }

    #[test]
    fn queue_drops_oldest_when_never_polled() {
        let c = TranscoderConfig::new(PayloadFormat::Pcmu, PayloadFormat::Pcmu, 1);
        let mut t = Transcoder::new(c).unwrap();
        let cap = t.eng.out.meta.len();
        let now = Instant::now();
        for i in 0..cap as u16 + 10 {
            t.push(now, &pkt(0, i, u32::from(i) * 160, &[0x55; 160]))
                .unwrap();
        }
        let s = t.stats();
        assert_eq!(s.output_dropped, 11);
        let mut buf = [0u8; 200];
        let mut n = 0;
        while t.poll_output(&mut buf).unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, cap - 1);
    }
}
