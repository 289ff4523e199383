//! SRTP/SRTCP contexts (RFC 3711 §3, §4; RFC 7714; RFC 6188) working in
//! place on the caller's buffer.

use subtle::ConstantTimeEq;

use super::crypto::{cm_open, cm_seal, derive, AesKey, GcmKey, HmacSha1, GCM_SCRATCH};
use super::replay::{ReplayWindow, MAX_REPLAY_WINDOW};
use super::Profile;
use crate::error::{Error, Result};

/// RFC 3711 §9.2: at most 2^48 SRTP packets under one master key.
pub const MAX_SRTP_PACKETS: u64 = 1 << 48;
/// RFC 3711 §9.2: at most 2^31 SRTCP packets under one master key.
pub const MAX_SRTCP_PACKETS: u64 = 1 << 31;

/// Which SSRCs a context accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsrcPolicy {
    /// Any SSRC: a stream is created for each new SSRC (on the receive side
    /// only once its first packet authenticates), up to `max_streams`.
    Any,
    /// Only these SSRCs; others fail with [`Error::UnknownSsrc`].
    Only(Vec<u32>),
}

/// How a context is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The protection profile.
    pub profile: Profile,
    /// Replay window size in packets, 64..=1024 (default 128).
    pub replay_window: usize,
    /// Which SSRCs are accepted.
    pub ssrcs: SsrcPolicy,
    /// Most streams (SSRCs) the context keeps (default 64).
    pub max_streams: usize,
    /// SRTP packets allowed under the master key before
    /// [`Error::KeyLimit`] (default and maximum 2^48).
    pub max_srtp_packets: u64,
    /// SRTCP packets allowed under the master key (default and maximum
    /// 2^31).
    pub max_srtcp_packets: u64,
    /// Whether [`SrtpContext::protect_rtp`] may protect a packet index
    /// (ROC || SEQ) it already protected for the SSRC (default false).
    /// Off, a repeated index, or one older than the send-side window
    /// (`replay_window` packets below the highest sent), fails with
    /// [`Error::Replay`]: the same index under the same key repeats the
    /// keystream, and for AES-GCM the nonce. On, a repeated index within
    /// the window is protected again (libsrtp's `allow_repeat_tx`, for
    /// hosts that resend a packet unchanged); one older than the window
    /// still fails, as in libsrtp.
    pub allow_repeat_tx: bool,
}

impl Policy {
    /// Defaults for `profile`.
    pub fn new(profile: Profile) -> Self {
        Policy {
            profile,
            replay_window: 128,
            ssrcs: SsrcPolicy::Any,
            max_streams: 64,
            max_srtp_packets: MAX_SRTP_PACKETS,
            max_srtcp_packets: MAX_SRTCP_PACKETS,
            allow_repeat_tx: false,
        }
    }
}

/// Session keys of one direction of one protocol (SRTP or SRTCP).
// One per context, not per packet: the inline key schedule is fine.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Keys {
    Cm {
        cipher: AesKey,
        salt: [u8; 14],
        auth: HmacSha1,
    },
    Gcm {
        cipher: GcmKey,
        salt: [u8; 12],
    },
}

impl Keys {
    fn derive(profile: Profile, master: &AesKey, salt: &[u8], rtcp: bool) -> Result<Keys> {
        let base = if rtcp { 3 } else { 0 };
        let klen = profile.master_key_len();
        let mut k = [0u8; 32];
        let key = k
            .get_mut(..klen)
            .ok_or(Error::InvalidArgument("key length"))?;
        derive(master, salt, base, key);
        let keys = if profile.is_aead() {
            let mut s = [0u8; 12];
            derive(master, salt, base + 2, &mut s);
            Keys::Gcm {
                cipher: GcmKey::new(key)?,
                salt: s,
            }
        } else {
            let mut s = [0u8; 14];
            derive(master, salt, base + 2, &mut s);
            let mut a = [0u8; 20];
            derive(master, salt, base + 1, &mut a);
            Keys::Cm {
                cipher: AesKey::new(key)?,
                salt: s,
                auth: HmacSha1::new(&a),
            }
        };
        k.fill(0);
        Ok(keys)
    }

    /// Session keys taken as given (no derivation).
    fn given(profile: Profile, key: &[u8], salt: &[u8], auth_key: &[u8]) -> Result<Keys> {
        if key.len() != profile.master_key_len() {
            return Err(Error::InvalidArgument(
                "session key length does not fit the profile",
            ));
        }
        let bad_salt = || Error::InvalidArgument("session salt length does not fit the profile");
        Ok(if profile.is_aead() {
            Keys::Gcm {
                cipher: GcmKey::new(key)?,
                salt: salt.try_into().map_err(|_| bad_salt())?,
            }
        } else {
            Keys::Cm {
                cipher: AesKey::new(key)?,
                salt: salt.try_into().map_err(|_| bad_salt())?,
                auth: HmacSha1::new(auth_key),
            }
        })
    }
}

/// Per-SSRC state. Send and receive state are kept apart so one context
/// can serve a host that both sends and receives a stream.
#[derive(Debug, Clone)]
struct Stream {
    ssrc: u32,
    rx: Option<RxState>,
    tx: Option<TxState>,
    rtcp_replay: ReplayWindow,
    rtcp_tx_next: u64,
}

#[derive(Debug, Clone)]
struct TxState {
    roc: u32,
    s_l: u16,
    /// False until the first packet fixes `s_l` (after `set_roc`).
    started: bool,
    /// Indices already protected, so that one is not protected twice
    /// (see [`Policy::allow_repeat_tx`]).
    sent: ReplayWindow,
}

#[derive(Debug, Clone)]
struct RxState {
    roc: u32,
    s_l: u16,
    replay: ReplayWindow,
}

impl Stream {
    fn new(ssrc: u32, window: usize) -> Self {
        Stream {
            ssrc,
            rx: None,
            tx: None,
            rtcp_replay: ReplayWindow::new(window),
            rtcp_tx_next: 0,
        }
    }
}

/// RFC 3711 §3.3.1 / Appendix A: the ROC a packet with sequence `seq`
/// belongs to, given the highest sequence `s_l` seen in rollover `roc`.
///
/// In rollover 0 there is no earlier rollover, so where Appendix A would
/// answer ROC - 1 the packet is taken as a jump ahead within rollover 0, as
/// libsrtp does (its index estimate uses ROC 0 until the index passes
/// 2^15); answering "no ROC" instead made a sender that starts low and
/// jumps forward by more than 2^15 unable to send, and such packets
/// undecryptable here while libsrtp accepts them.
#[inline]
fn estimate_roc(roc: u32, s_l: u16, seq: u16) -> Option<u32> {
    let (s_l, seq) = (i32::from(s_l), i32::from(seq));
    if s_l < 32768 {
        if seq - s_l > 32768 {
            Some(roc.saturating_sub(1))
        } else {
            Some(roc)
        }
    } else if s_l - 32768 > seq {
        roc.checked_add(1)
    } else {
        Some(roc)
    }
}

/// Length of the RTP header (fixed part, CSRCs, extension) of `buf`.
#[inline]
fn rtp_header_len(buf: &[u8]) -> Result<usize> {
    let b0 = *buf.first().ok_or(Error::parse("rtp", "empty packet", 0))?;
    if buf.len() < 12 {
        return Err(Error::parse(
            "rtp",
            "shorter than the 12-byte header",
            buf.len(),
        ));
    }
    if b0 >> 6 != 2 {
        return Err(Error::parse("rtp", "version is not 2", 0));
    }
    let mut len = 12 + 4 * usize::from(b0 & 0x0f);
    if b0 & 0x10 != 0 {
        if buf.len() < len + 4 {
            return Err(Error::parse(
                "rtp",
                "extension header past the end",
                buf.len(),
            ));
        }
        let words = usize::from(be16(buf, len + 2));
        len += 4 + 4 * words;
    }
    if len > buf.len() {
        return Err(Error::parse(
            "rtp",
            "header longer than the packet",
            buf.len(),
        ));
    }
    Ok(len)
}

#[inline]
fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, u32::from_be_bytes)
}

#[inline]
fn be16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .and_then(|w| <[u8; 2]>::try_from(w).ok())
        .map_or(0, u16::from_be_bytes)
}

/// AES-CM IV (RFC 3711 §4.1.1): (k_s * 2^16) ^ (SSRC * 2^64) ^ (i * 2^16).
#[inline]
fn cm_iv(salt: &[u8; 14], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(salt);
    let s = ssrc.to_be_bytes();
    for (d, x) in iv[4..8].iter_mut().zip(s) {
        *d ^= x;
    }
    let i = index.to_be_bytes(); // 48 significant bits in i[2..8]
    for (d, x) in iv[8..14].iter_mut().zip(&i[2..8]) {
        *d ^= *x;
    }
    iv
}

/// GCM IV for SRTP (RFC 7714 §8.1): (0^16 || SSRC || ROC || SEQ) ^ salt.
#[inline]
fn gcm_rtp_iv(salt: &[u8; 12], ssrc: u32, roc: u32, seq: u16) -> [u8; 12] {
    let mut iv = [0u8; 12];
    iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
    iv[6..10].copy_from_slice(&roc.to_be_bytes());
    iv[10..12].copy_from_slice(&seq.to_be_bytes());
    for (d, s) in iv.iter_mut().zip(salt) {
        *d ^= s;
    }
    iv
}

/// GCM IV for SRTCP (RFC 7714 §9.1): (0^16 || SSRC || 0^16 || 0 || index)
/// ^ salt.
#[inline]
fn gcm_rtcp_iv(salt: &[u8; 12], ssrc: u32, index: u32) -> [u8; 12] {
    let mut iv = [0u8; 12];
    iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
    iv[8..12].copy_from_slice(&(index & 0x7fff_ffff).to_be_bytes());
    for (d, s) in iv.iter_mut().zip(salt) {
        *d ^= s;
    }
    iv
}

/// An SRTP/SRTCP context for one master key: per-SSRC rollover counters,
/// replay windows and SRTCP indices, and the session keys. Protect and
/// unprotect work in place on the caller's buffer and never allocate.
#[derive(Clone)]
pub struct SrtpContext {
    policy: Policy,
    rtp: Keys,
    rtcp: Keys,
    streams: Vec<Stream>,
    last: usize,
    srtp_packets: u64,
    srtcp_packets: u64,
    /// Room for [`GcmKey::open`] to keep a ciphertext it may have to put
    /// back (AEAD profiles only; empty otherwise). Made once, with the
    /// context.
    scratch: Box<[u8]>,
}

/// The scratch buffer a context of `profile` needs.
fn scratch_for(profile: Profile) -> Box<[u8]> {
    if profile.is_aead() {
        vec![0u8; GCM_SCRATCH].into_boxed_slice()
    } else {
        Box::default()
    }
}

impl core::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("profile", &self.policy.profile)
            .field("streams", &self.streams.len())
            .field("srtp_packets", &self.srtp_packets)
            .field("srtcp_packets", &self.srtcp_packets)
            .finish_non_exhaustive()
    }
}

impl SrtpContext {
    /// A context with the default policy for `profile`, from the master key
    /// and master salt.
    pub fn new(profile: Profile, master_key: &[u8], master_salt: &[u8]) -> Result<Self> {
        Self::with_policy(Policy::new(profile), master_key, master_salt)
    }

    /// A context from the key material as SDES and DTLS-SRTP carry it:
    /// master key followed by master salt.
    pub fn from_key_salt(profile: Profile, key_salt: &[u8]) -> Result<Self> {
        let kl = profile.master_key_len();
        if key_salt.len() != kl + profile.master_salt_len() {
            return Err(Error::InvalidArgument(
                "key material must be the master key followed by the master salt",
            ));
        }
        let (k, s) = key_salt.split_at(kl);
        Self::new(profile, k, s)
    }

    /// A context with an explicit policy.
    pub fn with_policy(policy: Policy, master_key: &[u8], master_salt: &[u8]) -> Result<Self> {
        let p = policy.profile;
        if master_key.len() != p.master_key_len() {
            return Err(Error::InvalidArgument(
                "master key length does not fit the profile",
            ));
        }
        if master_salt.len() != p.master_salt_len() {
            return Err(Error::InvalidArgument(
                "master salt length does not fit the profile",
            ));
        }
        if !(64..=MAX_REPLAY_WINDOW).contains(&policy.replay_window) {
            return Err(Error::InvalidArgument("replay window must be 64..=1024"));
        }
        if policy.max_streams == 0 {
            return Err(Error::InvalidArgument("max_streams must be at least 1"));
        }
        let master = AesKey::new(master_key)?;
        let rtp = Keys::derive(p, &master, master_salt, false)?;
        let rtcp = Keys::derive(p, &master, master_salt, true)?;
        let mut policy = policy;
        policy.max_srtp_packets = policy.max_srtp_packets.min(MAX_SRTP_PACKETS);
        policy.max_srtcp_packets = policy.max_srtcp_packets.min(MAX_SRTCP_PACKETS);
        Ok(SrtpContext {
            policy,
            rtp,
            rtcp,
            streams: Vec::new(),
            last: 0,
            srtp_packets: 0,
            srtcp_packets: 0,
            scratch: scratch_for(p),
        })
    }

    /// A context keyed directly with session keys, bypassing the key
    /// derivation, with the same keys for SRTP and SRTCP. Only for the
    /// published vectors that state session keys and no master key
    /// (RFC 3711 Appendix B.2, RFC 6188 §7.1, RFC 7714 §16 and §17); a real
    /// stream is keyed from its master key.
    #[doc(hidden)]
    pub fn from_session_keys(
        profile: Profile,
        key: &[u8],
        salt: &[u8],
        auth_key: &[u8],
    ) -> Result<Self> {
        let policy = Policy::new(profile);
        let p = profile;
        Ok(SrtpContext {
            rtp: Keys::given(profile, key, salt, auth_key)?,
            rtcp: Keys::given(profile, key, salt, auth_key)?,
            policy,
            streams: Vec::new(),
            last: 0,
            srtp_packets: 0,
            srtcp_packets: 0,
            scratch: scratch_for(p),
        })
    }

    /// The AES-CM key derivation PRF of RFC 3711 §4.3.3 with key
    /// derivation rate 0: fills `out` with the keystream for `label`
    /// (0x00..=0x05) under `master_key` (16 or 32 bytes) and `master_salt`
    /// (14 bytes, or 12 for the GCM profiles). Only so the published KDF
    /// vectors (RFC 3711 Appendix B.3, RFC 6188 §7.2) can be checked at
    /// their full printed length.
    #[doc(hidden)]
    pub fn derive_session_key(
        master_key: &[u8],
        master_salt: &[u8],
        label: u8,
        out: &mut [u8],
    ) -> Result<()> {
        if master_salt.len() > 14 {
            return Err(Error::InvalidArgument("master salt longer than 112 bits"));
        }
        derive(&AesKey::new(master_key)?, master_salt, label, out);
        Ok(())
    }

    /// The profile.
    pub fn profile(&self) -> Profile {
        self.policy.profile
    }

    /// SRTP and SRTCP packets processed under this master key so far.
    pub fn packet_counts(&self) -> (u64, u64) {
        (self.srtp_packets, self.srtcp_packets)
    }

    /// The receive-side rollover counter of `ssrc`, if the stream exists.
    pub fn roc(&self, ssrc: u32) -> Option<u32> {
        self.streams.iter().find(|s| s.ssrc == ssrc).and_then(|s| {
            s.rx.as_ref()
                .map(|r| r.roc)
                .or(s.tx.as_ref().map(|t| t.roc))
        })
    }

    /// Sets the rollover counter of `ssrc` for both directions (a host that
    /// joins a stream late learns it out of band, e.g. RFC 4568 or
    /// signalled ROC). The next packet of the stream starts the estimate.
    pub fn set_roc(&mut self, ssrc: u32, roc: u32) -> Result<()> {
        let i = self.stream_index_or_insert(ssrc)?;
        let w = self.policy.replay_window;
        if let Some(s) = self.streams.get_mut(i) {
            s.tx = Some(TxState {
                roc,
                s_l: 0,
                started: false,
                sent: ReplayWindow::new(w),
            });
            s.rx = Some(RxState {
                roc,
                s_l: 0,
                replay: ReplayWindow::new(w),
            });
            // s_l is not known yet: mark by an empty replay window so the
            // first packet takes its sequence as s_l.
        }
        Ok(())
    }

    fn ssrc_allowed(&self, ssrc: u32) -> Result<()> {
        match &self.policy.ssrcs {
            SsrcPolicy::Any => Ok(()),
            SsrcPolicy::Only(list) if list.contains(&ssrc) => Ok(()),
            SsrcPolicy::Only(_) => Err(Error::UnknownSsrc(ssrc)),
        }
    }

    #[inline]
    fn find(&mut self, ssrc: u32) -> Option<usize> {
        if self.streams.get(self.last).is_some_and(|s| s.ssrc == ssrc) {
            return Some(self.last);
        }
        let i = self.streams.iter().position(|s| s.ssrc == ssrc)?;
        self.last = i;
        Some(i)
    }

    /// Whether a stream for `ssrc` may be added: the SSRC policy allows it
    /// and the table has room.
    fn check_new_stream(&self, ssrc: u32) -> Result<()> {
        self.ssrc_allowed(ssrc)?;
        if self.streams.len() >= self.policy.max_streams {
            return Err(Error::Limit {
                what: "srtp streams",
                limit: self.policy.max_streams,
                offset: 0,
            });
        }
        Ok(())
    }

    fn stream_index_or_insert(&mut self, ssrc: u32) -> Result<usize> {
        if let Some(i) = self.find(ssrc) {
            return Ok(i);
        }
        self.check_new_stream(ssrc)?;
        self.streams
            .push(Stream::new(ssrc, self.policy.replay_window));
        self.last = self.streams.len() - 1;
        Ok(self.last)
    }

    /// Protects the RTP packet in `buf[..len]` in place, writing the tag
    /// after it; `buf` must have room for [`Profile::rtp_overhead`] more
    /// bytes. Returns the SRTP packet length.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let tag_len = self.policy.profile.rtp_tag_len();
        let pkt = buf
            .get(..len)
            .ok_or(Error::InvalidArgument("len exceeds the buffer"))?;
        let hdr = rtp_header_len(pkt)?;
        let out_len = len + tag_len;
        if buf.len() < out_len {
            return Err(Error::BufferTooSmall { needed: out_len });
        }
        if self.srtp_packets >= self.policy.max_srtp_packets {
            return Err(Error::KeyLimit("srtp packets under this master key"));
        }
        let seq = be16(buf, 2);
        let ssrc = be32(buf, 8);
        let si = self.stream_index_or_insert(ssrc)?;
        let stream = self.streams.get_mut(si).ok_or(Error::UnknownSsrc(ssrc))?;
        // index of this packet from the sender's own sequence history;
        // `advance` when it becomes the highest sent
        let (roc, advance) = match &stream.tx {
            Some(t) if t.started => {
                let v = estimate_roc(t.roc, t.s_l, seq)
                    .ok_or(Error::KeyLimit("srtp index space exhausted"))?;
                (v, v > t.roc || (v == t.roc && seq > t.s_l))
            }
            Some(t) => (t.roc, true),
            None => (0, true),
        };
        let index = (u64::from(roc) << 16) | u64::from(seq);
        if index >= MAX_SRTP_PACKETS - 1 {
            return Err(Error::KeyLimit("srtp index space exhausted"));
        }
        if let Some(t) = &stream.tx {
            if let Err(e) = t.sent.check(index) {
                // a repeat within the window is what allow_repeat_tx
                // permits; an index below the window is refused regardless
                let in_window = t
                    .sent
                    .top()
                    .and_then(|top| top.checked_sub(index))
                    .is_some_and(|d| d < self.policy.replay_window as u64);
                if !(self.policy.allow_repeat_tx && in_window) {
                    return Err(e);
                }
            }
        }
        match &self.rtp {
            Keys::Cm { cipher, salt, auth } => {
                let iv = cm_iv(salt, ssrc, index);
                let (head, rest) = buf.split_at_mut(len);
                let mac = cm_seal(cipher, iv, auth, head, hdr, &roc.to_be_bytes());
                if let (Some(t), Some(m)) = (rest.get_mut(..tag_len), mac.get(..tag_len)) {
                    t.copy_from_slice(m);
                }
            }
            Keys::Gcm { cipher, salt } => {
                let iv = gcm_rtp_iv(salt, ssrc, roc, seq);
                let (head, rest) = buf.split_at_mut(len);
                let (aad, payload) = head.split_at_mut(hdr);
                let tag = cipher.seal(&iv, aad, payload)?;
                if let Some(t) = rest.get_mut(..16) {
                    t.copy_from_slice(&tag);
                }
            }
        }
        let window = self.policy.replay_window;
        let tx = stream.tx.get_or_insert_with(|| TxState {
            roc: 0,
            s_l: seq,
            started: true,
            sent: ReplayWindow::new(window),
        });
        if advance {
            tx.roc = roc;
            tx.s_l = seq;
            tx.started = true;
        }
        tx.sent.accept(index);
        self.srtp_packets += 1;
        Ok(out_len)
    }

    /// Verifies and decrypts the SRTP packet `buf` in place; returns the
    /// length of the RTP packet now at the start of `buf`. On any error the
    /// buffer's payload and the context are left unchanged.
    pub fn unprotect_rtp(&mut self, buf: &mut [u8]) -> Result<usize> {
        let tag_len = self.policy.profile.rtp_tag_len();
        let len = buf.len();
        if len < 12 + tag_len {
            return Err(Error::parse("srtp", "shorter than header and tag", len));
        }
        let body_len = len - tag_len;
        let hdr = rtp_header_len(buf.get(..body_len).unwrap_or(&[]))?;
        if self.srtp_packets >= self.policy.max_srtp_packets {
            return Err(Error::KeyLimit("srtp packets under this master key"));
        }
        let seq = be16(buf, 2);
        let ssrc = be32(buf, 8);
        let window = self.policy.replay_window;
        let existing = self.find(ssrc);
        if existing.is_none() {
            self.check_new_stream(ssrc)?;
        }
        let rx = existing
            .and_then(|i| self.streams.get(i))
            .and_then(|s| s.rx.as_ref());
        // estimate the index
        let (roc, fresh) = match rx {
            Some(r) if r.replay.top().is_some() => (
                estimate_roc(r.roc, r.s_l, seq).ok_or(Error::Replay {
                    index: u64::from(seq),
                    reason: "older than the replay window",
                })?,
                false,
            ),
            Some(r) => (r.roc, true),
            None => (0, true),
        };
        let index = (u64::from(roc) << 16) | u64::from(seq);
        if let Some(r) = rx {
            r.replay.check(index)?;
        }
        match &self.rtp {
            Keys::Cm { cipher, salt, auth } => {
                let (body, tag) = buf.split_at_mut(body_len);
                let iv = cm_iv(salt, ssrc, index);
                if !cm_open(cipher, iv, auth, body, hdr, &roc.to_be_bytes(), tag) {
                    return Err(Error::AuthFailed("srtp tag does not verify"));
                }
            }
            Keys::Gcm { cipher, salt } => {
                let iv = gcm_rtp_iv(salt, ssrc, roc, seq);
                let (body, tag) = buf.split_at_mut(body_len);
                let (aad, payload) = body.split_at_mut(hdr);
                cipher.open(&iv, aad, payload, tag, &mut self.scratch)?;
            }
        }
        // authenticated: commit the state
        let i = match existing {
            Some(i) => i,
            None => self.stream_index_or_insert(ssrc)?,
        };
        if let Some(s) = self.streams.get_mut(i) {
            let r = s.rx.get_or_insert_with(|| RxState {
                roc,
                s_l: seq,
                replay: ReplayWindow::new(window),
            });
            if fresh || roc > r.roc || (roc == r.roc && seq > r.s_l) {
                r.roc = roc;
                r.s_l = seq;
            }
            r.replay.accept(index);
        }
        self.srtp_packets += 1;
        Ok(body_len)
    }

    /// Protects the RTCP compound packet in `buf[..len]` in place (payload
    /// after the first 8 bytes encrypted, E flag set), appending the
    /// E||SRTCP-index word and the tag; `buf` must have room for
    /// [`Profile::rtcp_overhead`] more bytes. Returns the SRTCP length.
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let profile = self.policy.profile;
        let tag_len = profile.rtcp_tag_len();
        let pkt = buf
            .get(..len)
            .ok_or(Error::InvalidArgument("len exceeds the buffer"))?;
        if len < 8 {
            return Err(Error::parse("rtcp", "shorter than 8 bytes", len));
        }
        if pkt.first().map(|b| b >> 6) != Some(2) {
            return Err(Error::parse("rtcp", "version is not 2", 0));
        }
        let out_len = len + 4 + tag_len;
        if buf.len() < out_len {
            return Err(Error::BufferTooSmall { needed: out_len });
        }
        if self.srtcp_packets >= self.policy.max_srtcp_packets {
            return Err(Error::KeyLimit("srtcp packets under this master key"));
        }
        let ssrc = be32(buf, 4);
        let si = self.stream_index_or_insert(ssrc)?;
        let stream = self.streams.get_mut(si).ok_or(Error::UnknownSsrc(ssrc))?;
        let index = stream.rtcp_tx_next;
        if index >= MAX_SRTCP_PACKETS {
            return Err(Error::KeyLimit("srtcp index space exhausted"));
        }
        let word = (0x8000_0000u32 | index as u32).to_be_bytes();
        match &self.rtcp {
            Keys::Cm { cipher, salt, auth } => {
                if let Some(p) = buf.get_mut(8..len) {
                    cipher.ctr_xor(cm_iv(salt, ssrc, index), p);
                }
                if let Some(w) = buf.get_mut(len..len + 4) {
                    w.copy_from_slice(&word);
                }
                let (head, rest) = buf.split_at_mut(len + 4);
                let mac = auth.mac2(head, &[]);
                if let (Some(t), Some(m)) = (rest.get_mut(..tag_len), mac.get(..tag_len)) {
                    t.copy_from_slice(m);
                }
            }
            Keys::Gcm { cipher, salt } => {
                let iv = gcm_rtcp_iv(salt, ssrc, index as u32);
                let mut aad = [0u8; 12];
                if let Some(h) = buf.get(..8) {
                    aad[..8].copy_from_slice(h);
                }
                aad[8..].copy_from_slice(&word);
                let tag = match buf.get_mut(8..len) {
                    Some(p) => cipher.seal(&iv, &aad, p)?,
                    None => return Err(Error::parse("rtcp", "shorter than 8 bytes", len)),
                };
                if let Some(t) = buf.get_mut(len..len + 16) {
                    t.copy_from_slice(&tag);
                }
                if let Some(w) = buf.get_mut(len + 16..len + 20) {
                    w.copy_from_slice(&word);
                }
            }
        }
        stream.rtcp_tx_next = index + 1;
        self.srtcp_packets += 1;
        Ok(out_len)
    }

    /// Verifies and (when the E flag is set) decrypts the SRTCP packet
    /// `buf` in place; returns the length of the RTCP packet now at the
    /// start of `buf`. On any error the context is left unchanged.
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8]) -> Result<usize> {
        let profile = self.policy.profile;
        let tag_len = profile.rtcp_tag_len();
        let len = buf.len();
        if len < 8 + 4 + tag_len {
            return Err(Error::parse(
                "srtcp",
                "shorter than header, index and tag",
                len,
            ));
        }
        if buf.first().map(|b| b >> 6) != Some(2) {
            return Err(Error::parse("srtcp", "version is not 2", 0));
        }
        if self.srtcp_packets >= self.policy.max_srtcp_packets {
            return Err(Error::KeyLimit("srtcp packets under this master key"));
        }
        let ssrc = be32(buf, 4);
        // AES-CM: ... || E||index || tag;  GCM: ... || tag || E||index
        let (word_at, tag_at) = if profile.is_aead() {
            (len - 4, len - 4 - tag_len)
        } else {
            (len - tag_len - 4, len - tag_len)
        };
        let word = be32(buf, word_at);
        let encrypted = word & 0x8000_0000 != 0;
        let index = u64::from(word & 0x7fff_ffff);
        let existing = self.find(ssrc);
        if existing.is_none() {
            self.check_new_stream(ssrc)?;
        }
        if let Some(s) = existing.and_then(|i| self.streams.get(i)) {
            s.rtcp_replay.check(index)?;
        }
        let plain_len = match &self.rtcp {
            Keys::Cm { cipher, salt, auth } => {
                let (body, tag) = buf.split_at_mut(tag_at);
                let mac = auth.mac2(body, &[]);
                let ok: bool = mac.get(..tag_len).unwrap_or(&[]).ct_eq(tag).into();
                if !ok {
                    return Err(Error::AuthFailed("srtcp tag does not verify"));
                }
                if encrypted {
                    if let Some(p) = body.get_mut(8..word_at) {
                        cipher.ctr_xor(cm_iv(salt, ssrc, index), p);
                    }
                }
                word_at
            }
            Keys::Gcm { cipher, salt } => {
                let iv = gcm_rtcp_iv(salt, ssrc, index as u32);
                let wb = word.to_be_bytes();
                let (body, rest) = buf.split_at_mut(tag_at);
                let tag = rest.get(..16).unwrap_or(&[]);
                if encrypted {
                    let (head, payload) = body.split_at_mut(8);
                    let mut aad = [0u8; 12];
                    aad[..8].copy_from_slice(head);
                    aad[8..].copy_from_slice(&wb);
                    cipher.open(&iv, &aad, payload, tag, &mut self.scratch)?;
                } else {
                    // RFC 7714 §9.2: unencrypted, the whole packet and the
                    // E||index word are authenticated data.
                    let mut empty = [0u8; 0];
                    let mut aad_end = [0u8; 4];
                    aad_end.copy_from_slice(&wb);
                    let mut aad = [0u8; 1500];
                    let n = body.len() + 4;
                    let a = aad.get_mut(..n).ok_or(Error::Limit {
                        what: "unencrypted srtcp packet",
                        limit: 1496,
                        offset: n,
                    })?;
                    let (a_body, a_word) = a.split_at_mut(body.len());
                    a_body.copy_from_slice(body);
                    a_word.copy_from_slice(&aad_end);
                    cipher.open(&iv, a, &mut empty, tag, &mut self.scratch)?;
                }
                tag_at
            }
        };
        let i = match existing {
            Some(i) => i,
            None => self.stream_index_or_insert(ssrc)?,
        };
        if let Some(s) = self.streams.get_mut(i) {
            s.rtcp_replay.accept(index);
        }
        self.srtcp_packets += 1;
        Ok(plain_len)
    }

    /// [`SrtpContext::protect_rtp`] on a `Vec`, growing it for the tag.
    pub fn protect_rtp_vec(&mut self, packet: &mut Vec<u8>) -> Result<()> {
        let room = self.policy.profile.rtp_overhead();
        protect_in_vec(packet, room, |buf, len| self.protect_rtp(buf, len))
    }

    /// [`SrtpContext::protect_rtcp`] on a `Vec`, growing it.
    pub fn protect_rtcp_vec(&mut self, packet: &mut Vec<u8>) -> Result<()> {
        let room = self.policy.profile.rtcp_overhead();
        protect_in_vec(packet, room, |buf, len| self.protect_rtcp(buf, len))
    }
}

/// Grows `packet` by `room` bytes, runs `protect` on it in place and cuts
/// it to the protected length (or back to the original on error).
fn protect_in_vec(
    packet: &mut Vec<u8>,
    room: usize,
    protect: impl FnOnce(&mut [u8], usize) -> Result<usize>,
) -> Result<()> {
    let len = packet.len();
    packet.resize(len + room, 0);
    match protect(packet, len) {
        Ok(n) => {
            packet.truncate(n);
            Ok(())
        }
        Err(e) => {
            packet.truncate(len);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtp(seq: u16, ssrc: u32, payload: usize) -> Vec<u8> {
        let mut p = vec![0x80, 0x00];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
        p.extend_from_slice(&ssrc.to_be_bytes());
        p.extend((0..payload).map(|i| (i * 7 + usize::from(seq)) as u8));
        p
    }

    fn pair(p: Profile) -> (SrtpContext, SrtpContext) {
        let key: Vec<u8> = (0..p.master_key_len() as u8).collect();
        let salt: Vec<u8> = (100..100 + p.master_salt_len() as u8).collect();
        (
            SrtpContext::new(p, &key, &salt).unwrap(),
            SrtpContext::new(p, &key, &salt).unwrap(),
        )
    }

    #[test]
    fn round_trip_every_profile_across_wrap() {
        for p in Profile::ALL {
            let (mut tx, mut rx) = pair(p);
            for i in 0..300u32 {
                let seq = (65_400 + i) as u16;
                let plain = rtp(seq, 0x1234_5678, 160);
                let mut buf = plain.clone();
                tx.protect_rtp_vec(&mut buf).unwrap();
                assert_eq!(buf.len(), plain.len() + p.rtp_tag_len());
                assert_ne!(buf[12..plain.len()], plain[12..]);
                let n = rx.unprotect_rtp(&mut buf).unwrap();
                assert_eq!(&buf[..n], &plain[..], "{p} seq {seq}");
            }
            assert_eq!(rx.roc(0x1234_5678), Some(1));
            // RTCP
            let mut r = vec![0x80, 201, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4];
            let plain = r.clone();
            tx.protect_rtcp_vec(&mut r).unwrap();
            assert_eq!(r.len(), plain.len() + p.rtcp_overhead());
            let n = rx.unprotect_rtcp(&mut r).unwrap();
            assert_eq!(&r[..n], &plain[..]);
        }
    }

    #[test]
    fn errors_leave_context_unchanged() {
        let (mut tx, mut rx) = pair(Profile::Aes128CmHmacSha1_80);
        let mut a = rtp(10, 7, 50);
        tx.protect_rtp_vec(&mut a).unwrap();
        let mut replay = a.clone();
        rx.unprotect_rtp(&mut a).unwrap();
        assert!(matches!(
            rx.unprotect_rtp(&mut replay),
            Err(Error::Replay { .. })
        ));
        let mut b = rtp(11, 7, 50);
        tx.protect_rtp_vec(&mut b).unwrap();
        let good = b.clone();
        let last = b.len() - 1;
        b[last] ^= 1;
        assert!(matches!(
            rx.unprotect_rtp(&mut b),
            Err(Error::AuthFailed(_))
        ));
        // the failed packet changed nothing: the good one still verifies
        let mut g = good.clone();
        rx.unprotect_rtp(&mut g).unwrap();
        assert!(matches!(
            rx.unprotect_rtp(&mut [0x80u8; 5][..]),
            Err(Error::Parse { .. })
        ));
        let mut only = SrtpContext::with_policy(
            Policy {
                ssrcs: SsrcPolicy::Only(vec![1]),
                ..Policy::new(Profile::Aes128CmHmacSha1_80)
            },
            &(0..16).collect::<Vec<u8>>(),
            &(100..114).collect::<Vec<u8>>(),
        )
        .unwrap();
        let mut c = good.clone();
        assert!(matches!(
            only.unprotect_rtp(&mut c),
            Err(Error::UnknownSsrc(7))
        ));
    }

    #[test]
    fn key_limit() {
        let p = Profile::AeadAes128Gcm;
        let key = [1u8; 16];
        let salt = [2u8; 12];
        let pol = Policy {
            max_srtp_packets: 3,
            max_srtcp_packets: 1,
            ..Policy::new(p)
        };
        let mut tx = SrtpContext::with_policy(pol.clone(), &key, &salt).unwrap();
        for s in 0..3 {
            tx.protect_rtp_vec(&mut rtp(s, 1, 10)).unwrap();
        }
        assert!(matches!(
            tx.protect_rtp_vec(&mut rtp(3, 1, 10)),
            Err(Error::KeyLimit(_))
        ));
        let mut r = vec![0x80, 201, 0, 1, 0, 0, 0, 9];
        tx.protect_rtcp_vec(&mut r).unwrap();
        let mut r = vec![0x80, 201, 0, 1, 0, 0, 0, 9];
        assert!(matches!(
            tx.protect_rtcp_vec(&mut r),
            Err(Error::KeyLimit(_))
        ));
    }

    #[test]
    fn reordering_within_window_and_late_join_roc() {
        let (mut tx, mut rx) = pair(Profile::AeadAes256Gcm);
        let mut pkts: Vec<Vec<u8>> = (0..200u16)
            .map(|i| {
                let mut p = rtp(i.wrapping_add(65_500), 3, 20);
                tx.protect_rtp_vec(&mut p).unwrap();
                p
            })
            .collect();
        // swap neighbours and deliver
        for i in (0..pkts.len() - 1).step_by(2) {
            pkts.swap(i, i + 1);
        }
        for p in &mut pkts {
            rx.unprotect_rtp(p).unwrap();
        }
        // late join: the receiver learns ROC 1 out of band
        let (mut tx2, mut rx2) = pair(Profile::Aes128CmHmacSha1_32);
        tx2.set_roc(5, 1).unwrap();
        rx2.set_roc(5, 1).unwrap();
        let mut p = rtp(40_000, 5, 30);
        let plain = p.clone();
        tx2.protect_rtp_vec(&mut p).unwrap();
        let n = rx2.unprotect_rtp(&mut p).unwrap();
        assert_eq!(&p[..n], &plain[..]);
    }

    #[test]
    fn protect_refuses_a_repeated_or_too_old_index() {
        for p in Profile::ALL {
            let (mut tx, _) = pair(p);
            for seq in 100..300u16 {
                tx.protect_rtp_vec(&mut rtp(seq, 9, 40)).unwrap();
            }
            let counts = tx.packet_counts();
            // already protected: refused, buffer and context untouched
            for seq in [299u16, 250, 172] {
                let plain = rtp(seq, 9, 40);
                let mut buf = plain.clone();
                buf.resize(plain.len() + p.rtp_overhead(), 0xAA);
                let before = buf.clone();
                assert!(
                    matches!(
                        tx.protect_rtp(&mut buf, plain.len()),
                        Err(Error::Replay { .. })
                    ),
                    "{p} seq {seq}"
                );
                assert_eq!(buf, before);
            }
            // older than the 128-packet window: refused
            assert!(matches!(
                tx.protect_rtp_vec(&mut rtp(171, 9, 40)),
                Err(Error::Replay { .. })
            ));
            assert_eq!(tx.packet_counts(), counts);
            // a gap inside the window was never sent: protected, once
            let (mut tx2, mut rx) = pair(p);
            for seq in [10u16, 12, 11] {
                let plain = rtp(seq, 9, 40);
                let mut buf = plain.clone();
                tx2.protect_rtp_vec(&mut buf).unwrap();
                let n = rx.unprotect_rtp(&mut buf).unwrap();
                assert_eq!(&buf[..n], &plain[..]);
            }
            assert!(matches!(
                tx2.protect_rtp_vec(&mut rtp(11, 9, 40)),
                Err(Error::Replay { .. })
            ));
            // other SSRCs and the next index are unaffected
            tx.protect_rtp_vec(&mut rtp(299, 10, 40)).unwrap();
            tx.protect_rtp_vec(&mut rtp(300, 9, 40)).unwrap();
        }
    }

    #[test]
    fn allow_repeat_tx_protects_a_repeat_again() {
        let p = Profile::Aes128CmHmacSha1_80;
        let key: Vec<u8> = (0..16).collect();
        let salt: Vec<u8> = (100..114).collect();
        let pol = Policy {
            allow_repeat_tx: true,
            ..Policy::new(p)
        };
        let mut tx = SrtpContext::with_policy(pol, &key, &salt).unwrap();
        let mut rx = SrtpContext::new(p, &key, &salt).unwrap();
        let mut first = Vec::new();
        for seq in 0..200u16 {
            let mut buf = rtp(seq, 4, 60);
            tx.protect_rtp_vec(&mut buf).unwrap();
            first.push(buf);
        }
        // the same index again gives the same bytes, and the receiver
        // still refuses it as a replay
        let mut again = rtp(150, 4, 60);
        tx.protect_rtp_vec(&mut again).unwrap();
        assert_eq!(again, first[150]);
        let mut a = again.clone();
        rx.unprotect_rtp(&mut a).unwrap();
        assert!(matches!(
            rx.unprotect_rtp(&mut again),
            Err(Error::Replay { .. })
        ));
        // below the window is refused even so, as in libsrtp
        assert!(matches!(
            tx.protect_rtp_vec(&mut rtp(10, 4, 60)),
            Err(Error::Replay { .. })
        ));
    }
}
