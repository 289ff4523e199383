//! Audio codecs and the RTP transcoder: G.711 μ-law/A-law (ITU-T G.711,
//! bit-exact with the G.191 reference), G.722 SB-ADPCM with its QMF
//! (ITU-T G.722, bit-exact with the reference algorithm), 8 kHz ↔ 16 kHz
//! resampling, packet loss concealment, RFC 4733 telephone-event handling,
//! and the per-direction transcoder that turns RTP of one payload format
//! into RTP of another. Everything works on caller-owned slices; nothing
//! here allocates per frame.
//!
//! Left out: codecs other than G.711 and G.722 (Opus, G.729, AMR), and
//! jitter buffering for playout — the transcoder only reorders within a
//! small window, it does not pace output.

pub mod dtmf;
pub mod g711;
pub mod g722;
pub mod plc;
pub mod resample;
pub mod transcoder;
