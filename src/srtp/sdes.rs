//! SDES keying: the SDP `a=crypto` attribute of RFC 4568 for the SRTP
//! transport (§9.1-9.2 grammar, §6.1 key parameters, §6.2 crypto-suites,
//! §6.3 session parameters).
//!
//! [`CryptoAttribute::parse`] reads one `a=crypto:` line into its tag,
//! profile, master key and salt and the parameters a context can honour;
//! [`CryptoAttribute::to_line`] writes one, [`CryptoAttribute::generate`]
//! draws a fresh key from the operating system's generator, and
//! [`CryptoAttribute::context`] turns an attribute into an
//! [`SrtpContext`]. What the contexts cannot do is refused by name, never
//! dropped, because an attribute accepted without one of its parameters
//! would protect media differently than the peer expects: MKIs (and with
//! them more than one master key), key derivation rates other than 0,
//! `FEC_KEY`, and the `UNENCRYPTED_SRTP`, `UNENCRYPTED_SRTCP` and
//! `UNAUTHENTICATED_SRTP` downgrades. Unknown session parameters are refused
//! too, except those starting with `-`, which §6.3.7 makes optional. Key
//! methods other than `inline` and crypto-suites without a [`Profile`] are
//! unsupported. Choosing among the lines of an offer is left to the SDP
//! layer.
//!
//! The parser works on bytes and allocates nothing: the key lands in a
//! fixed array. As in any ABNF, the literal words (`inline`, the suite and
//! parameter names) match in any case; base64 must be padded (RFC 4648 §4)
//! with zero pad bits, so that every key has exactly one spelling.

use core::fmt;

use super::{Policy, Profile, SrtpContext, MAX_REPLAY_WINDOW, MAX_SRTCP_PACKETS, MAX_SRTP_PACKETS};
use crate::error::{Error, Result};

/// The longest master key followed by master salt of any profile (AES-256
/// counter mode: 32 + 14 bytes).
pub const MAX_KEY_SALT_LEN: usize = 46;

/// The largest tag (`1*9DIGIT`).
pub const MAX_TAG: u32 = 999_999_999;

const WHAT: &str = "crypto attribute";

/// The `FEC_ORDER` session parameter (RFC 4568 §6.3.4): where forward error
/// correction sits relative to SRTP. Informational here: this library does
/// no FEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FecOrder {
    /// `FEC_SRTP`: the sender applies FEC before SRTP (the default).
    FecSrtp,
    /// `SRTP_FEC`: the sender applies SRTP before FEC.
    SrtpFec,
}

impl FecOrder {
    /// The value as written after `FEC_ORDER=`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FecOrder::FecSrtp => "FEC_SRTP",
            FecOrder::SrtpFec => "SRTP_FEC",
        }
    }
}

/// One `a=crypto` attribute: a tag, a profile, the master key and salt, and
/// the session parameters that a context honours.
///
/// The key material always has the length the profile asks for; the
/// `Debug` output leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct CryptoAttribute {
    tag: u32,
    profile: Profile,
    /// Master key then master salt; bytes past the profile's length are 0.
    key_salt: [u8; MAX_KEY_SALT_LEN],
    lifetime: Option<u64>,
    window_size_hint: Option<u32>,
    fec_order: Option<FecOrder>,
}

impl fmt::Debug for CryptoAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CryptoAttribute")
            .field("tag", &self.tag)
            .field("profile", &self.profile)
            .field("key_salt", &"<redacted>")
            .field("lifetime", &self.lifetime)
            .field("window_size_hint", &self.window_size_hint)
            .field("fec_order", &self.fec_order)
            .finish()
    }
}

const fn key_salt_len(p: Profile) -> usize {
    p.master_key_len() + p.master_salt_len()
}

impl CryptoAttribute {
    /// An attribute for `profile` with the given master key followed by
    /// master salt, and no session parameters.
    pub fn new(tag: u32, profile: Profile, key_salt: &[u8]) -> Result<Self> {
        if tag > MAX_TAG {
            return Err(Error::InvalidArgument(
                "tag must be at most 999999999 (9 digits)",
            ));
        }
        let mut a = CryptoAttribute {
            tag,
            profile,
            key_salt: [0; MAX_KEY_SALT_LEN],
            lifetime: None,
            window_size_hint: None,
            fec_order: None,
        };
        match a.key_salt.get_mut(..key_salt.len()) {
            Some(dst) if key_salt.len() == key_salt_len(profile) => dst.copy_from_slice(key_salt),
            _ => return Err(Error::InvalidArgument(
                "key material must be the master key followed by the master salt of the profile",
            )),
        }
        Ok(a)
    }

    /// An attribute for `profile` with a fresh master key and salt from the
    /// operating system's random number generator.
    pub fn generate(tag: u32, profile: Profile) -> Result<Self> {
        let mut key_salt = [0u8; MAX_KEY_SALT_LEN];
        let n = key_salt_len(profile);
        let dst = key_salt
            .get_mut(..n)
            .ok_or(Error::InvalidArgument("profile key length"))?;
        getrandom::fill(dst).map_err(|_| {
            Error::Unsupported("the operating system random number generator failed")
        })?;
        let a = Self::new(tag, profile, dst);
        key_salt.fill(0);
        a
    }

    /// Parses one `a=crypto:` line (RFC 4568 §9.1). The `a=` or the whole
    /// `a=crypto:` may be left out, and one trailing CRLF or LF is ignored.
    /// Grammar errors are [`Error::Parse`] with the byte offset into `line`;
    /// a key that does not fit the suite, a lifetime of 0, a window size
    /// hint below 64 or a repeated session parameter are [`Error::Invalid`];
    /// what this library does not implement is [`Error::Unsupported`],
    /// naming it.
    pub fn parse(line: &[u8]) -> Result<Self> {
        let line = strip_eol(line);
        let mut pos = if line.starts_with(b"a=crypto:") {
            9
        } else if line.starts_with(b"crypto:") {
            7
        } else if line.first().is_some_and(u8::is_ascii_digit) {
            0
        } else {
            return Err(Error::parse(WHAT, "expected \"a=crypto:\"", 0));
        };

        let (tok, end) = token(line, pos);
        let tag = parse_tag(tok, pos)?;
        pos = require_wsp(
            line,
            end,
            "expected whitespace and a crypto-suite after the tag",
        )?;

        let (tok, end) = token(line, pos);
        let profile = parse_suite(tok, pos)?;
        pos = require_wsp(
            line,
            end,
            "expected whitespace and key-params after the crypto-suite",
        )?;

        let (tok, end) = token(line, pos);
        let (key_salt, lifetime) = parse_key_params(tok, pos, profile)?;
        let mut a = CryptoAttribute {
            tag,
            profile,
            key_salt,
            lifetime,
            window_size_hint: None,
            fec_order: None,
        };

        let mut seen = Seen::default();
        pos = end;
        loop {
            let start = skip_wsp(line, pos);
            if start >= line.len() {
                break;
            }
            let (tok, end) = token(line, start);
            a.session_param(tok, start, &mut seen)?;
            pos = end;
        }
        Ok(a)
    }

    fn session_param(&mut self, tok: &[u8], at: usize, seen: &mut Seen) -> Result<()> {
        if let Some(p) = tok.iter().position(|b| !(0x21..=0x7e).contains(b)) {
            return Err(Error::parse(
                WHAT,
                "expected visible ascii characters in a session parameter",
                at + p,
            ));
        }
        if tok.first() == Some(&b'-') {
            // §6.3.7: a parameter prefixed with a dash is optional.
            return Ok(());
        }
        let (name, value) = match tok.iter().position(|&b| b == b'=') {
            Some(eq) => (
                tok.get(..eq).unwrap_or_default(),
                Some((tok.get(eq + 1..).unwrap_or_default(), at + eq + 1)),
            ),
            None => (tok, None),
        };
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        if is("KDR") {
            once(&mut seen.kdr, at)?;
            let (v, v_at) = value.ok_or(Error::parse(WHAT, "expected KDR=<0..24>", at))?;
            let kdr = parse_decimal(v, v_at, 2, "expected KDR=<0..24>")?;
            if kdr > 24 {
                return Err(Error::parse(WHAT, "expected KDR=<0..24>", v_at));
            }
            return match usize::try_from(kdr)
                .ok()
                .and_then(|k| KDR_UNSUPPORTED.get(k))
            {
                Some(msg) if kdr > 0 => Err(Error::Unsupported(msg)),
                // 0: the single initial key derivation contexts do anyway
                _ => Ok(()),
            };
        }
        if is("WSH") {
            once(&mut seen.wsh, at)?;
            let (v, v_at) = value.ok_or(Error::parse(WHAT, "expected WSH=<window size>", at))?;
            let w = parse_decimal(v, v_at, 10, "expected WSH=<window size>")?;
            let w = u32::try_from(w)
                .map_err(|_| Error::parse(WHAT, "window size hint does not fit 32 bits", v_at))?;
            if w < 64 {
                return Err(Error::invalid(
                    "window size hint below the minimum of 64",
                    Some(v_at),
                ));
            }
            self.window_size_hint = Some(w);
            return Ok(());
        }
        if is("FEC_ORDER") {
            once(&mut seen.fec_order, at)?;
            let (v, v_at) = value.ok_or(Error::parse(
                WHAT,
                "expected FEC_ORDER=FEC_SRTP or FEC_ORDER=SRTP_FEC",
                at,
            ))?;
            self.fec_order = Some(if v.eq_ignore_ascii_case(b"FEC_SRTP") {
                FecOrder::FecSrtp
            } else if v.eq_ignore_ascii_case(b"SRTP_FEC") {
                FecOrder::SrtpFec
            } else {
                return Err(Error::parse(
                    WHAT,
                    "expected FEC_ORDER=FEC_SRTP or FEC_ORDER=SRTP_FEC",
                    v_at,
                ));
            });
            return Ok(());
        }
        for n in [
            "UNENCRYPTED_SRTP",
            "UNENCRYPTED_SRTCP",
            "UNAUTHENTICATED_SRTP",
            "FEC_KEY",
        ] {
            if is(n) {
                return Err(Error::Unsupported(match n {
                    "UNENCRYPTED_SRTP" => "session parameter UNENCRYPTED_SRTP",
                    "UNENCRYPTED_SRTCP" => "session parameter UNENCRYPTED_SRTCP",
                    "UNAUTHENTICATED_SRTP" => "session parameter UNAUTHENTICATED_SRTP",
                    _ => "session parameter FEC_KEY (a separate key for fec)",
                }));
            }
        }
        Err(Error::Unsupported(
            "unknown session parameter (only those starting with '-' may be ignored)",
        ))
    }

    /// The tag (0..=999999999).
    pub fn tag(&self) -> u32 {
        self.tag
    }

    /// The protection profile named by the crypto-suite.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The master key followed by the master salt.
    pub fn key_salt(&self) -> &[u8] {
        self.key_salt
            .get(..key_salt_len(self.profile))
            .unwrap_or_default()
    }

    /// The master key.
    pub fn master_key(&self) -> &[u8] {
        self.key_salt
            .get(..self.profile.master_key_len())
            .unwrap_or_default()
    }

    /// The master salt.
    pub fn master_salt(&self) -> &[u8] {
        self.key_salt
            .get(self.profile.master_key_len()..key_salt_len(self.profile))
            .unwrap_or_default()
    }

    /// The key lifetime in packets, when given.
    pub fn lifetime(&self) -> Option<u64> {
        self.lifetime
    }

    /// Sets the key lifetime in packets (`None`: the profile's default);
    /// 0 is refused.
    pub fn set_lifetime(&mut self, lifetime: Option<u64>) -> Result<()> {
        if lifetime == Some(0) {
            return Err(Error::InvalidArgument("key lifetime must be at least 1"));
        }
        self.lifetime = lifetime;
        Ok(())
    }

    /// The window size hint (`WSH`, RFC 4568 §6.3.6), when given.
    pub fn window_size_hint(&self) -> Option<u32> {
        self.window_size_hint
    }

    /// Sets the window size hint; values below 64 are refused.
    pub fn set_window_size_hint(&mut self, wsh: Option<u32>) -> Result<()> {
        if wsh.is_some_and(|w| w < 64) {
            return Err(Error::InvalidArgument(
                "window size hint must be at least 64",
            ));
        }
        self.window_size_hint = wsh;
        Ok(())
    }

    /// The `FEC_ORDER` session parameter, when given.
    pub fn fec_order(&self) -> Option<FecOrder> {
        self.fec_order
    }

    /// Sets the `FEC_ORDER` session parameter.
    pub fn set_fec_order(&mut self, order: Option<FecOrder>) {
        self.fec_order = order;
    }

    /// The line, `a=crypto:<tag> <suite> inline:<key||salt>[|<lifetime>]`
    /// and the session parameters, without a line end. A lifetime that is
    /// a power of two is written `2^n`.
    pub fn to_line(&self) -> String {
        self.to_string()
    }

    /// The context policy this attribute asks for: the profile, the
    /// lifetime as the packet limits (capped at the RFC 3711 maxima), and a
    /// replay window at least as large as the window size hint (within
    /// 128..=1024).
    pub fn policy(&self) -> Policy {
        let mut p = Policy::new(self.profile);
        if let Some(l) = self.lifetime {
            p.max_srtp_packets = l.min(MAX_SRTP_PACKETS);
            p.max_srtcp_packets = l.min(MAX_SRTCP_PACKETS);
        }
        if let Some(w) = self.window_size_hint {
            let w = usize::try_from(w).unwrap_or(MAX_REPLAY_WINDOW);
            p.replay_window = w.max(p.replay_window).min(MAX_REPLAY_WINDOW);
        }
        p
    }

    /// A context keyed with this attribute's master key and salt, under
    /// [`CryptoAttribute::policy`].
    pub fn context(&self) -> Result<SrtpContext> {
        SrtpContext::with_policy(self.policy(), self.master_key(), self.master_salt())
    }
}

impl core::str::FromStr for CryptoAttribute {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        CryptoAttribute::parse(s.as_bytes())
    }
}

impl fmt::Display for CryptoAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a=crypto:{} {} inline:", self.tag, self.profile.name())?;
        let mut b64 = [0u8; 64];
        let n = b64_encode(self.key_salt(), &mut b64);
        f.write_str(core::str::from_utf8(b64.get(..n).unwrap_or_default()).unwrap_or_default())?;
        match self.lifetime {
            Some(l) if l.is_power_of_two() => write!(f, "|2^{}", l.trailing_zeros())?,
            Some(l) => write!(f, "|{l}")?,
            None => {}
        }
        if let Some(o) = self.fec_order {
            write!(f, " FEC_ORDER={}", o.as_str())?;
        }
        if let Some(w) = self.window_size_hint {
            write!(f, " WSH={w}")?;
        }
        Ok(())
    }
}

/// Which single-valued session parameters a line has set.
#[derive(Default)]
struct Seen {
    kdr: bool,
    wsh: bool,
    fec_order: bool,
}

fn once(flag: &mut bool, at: usize) -> Result<()> {
    if *flag {
        return Err(Error::invalid("session parameter given twice", Some(at)));
    }
    *flag = true;
    Ok(())
}

const KDR_UNSUPPORTED: [&str; 25] = [
    "session parameter KDR=0",
    "session parameter KDR=1 (only key derivation rate 0 is supported)",
    "session parameter KDR=2 (only key derivation rate 0 is supported)",
    "session parameter KDR=3 (only key derivation rate 0 is supported)",
    "session parameter KDR=4 (only key derivation rate 0 is supported)",
    "session parameter KDR=5 (only key derivation rate 0 is supported)",
    "session parameter KDR=6 (only key derivation rate 0 is supported)",
    "session parameter KDR=7 (only key derivation rate 0 is supported)",
    "session parameter KDR=8 (only key derivation rate 0 is supported)",
    "session parameter KDR=9 (only key derivation rate 0 is supported)",
    "session parameter KDR=10 (only key derivation rate 0 is supported)",
    "session parameter KDR=11 (only key derivation rate 0 is supported)",
    "session parameter KDR=12 (only key derivation rate 0 is supported)",
    "session parameter KDR=13 (only key derivation rate 0 is supported)",
    "session parameter KDR=14 (only key derivation rate 0 is supported)",
    "session parameter KDR=15 (only key derivation rate 0 is supported)",
    "session parameter KDR=16 (only key derivation rate 0 is supported)",
    "session parameter KDR=17 (only key derivation rate 0 is supported)",
    "session parameter KDR=18 (only key derivation rate 0 is supported)",
    "session parameter KDR=19 (only key derivation rate 0 is supported)",
    "session parameter KDR=20 (only key derivation rate 0 is supported)",
    "session parameter KDR=21 (only key derivation rate 0 is supported)",
    "session parameter KDR=22 (only key derivation rate 0 is supported)",
    "session parameter KDR=23 (only key derivation rate 0 is supported)",
    "session parameter KDR=24 (only key derivation rate 0 is supported)",
];

fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

const fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The bytes from `start` up to the next space or tab (or the end), and
/// where they end.
fn token(line: &[u8], start: usize) -> (&[u8], usize) {
    let rest = line.get(start..).unwrap_or_default();
    let n = rest.iter().position(|&b| is_wsp(b)).unwrap_or(rest.len());
    (rest.get(..n).unwrap_or_default(), start + n)
}

fn skip_wsp(line: &[u8], mut pos: usize) -> usize {
    while line.get(pos).is_some_and(|&b| is_wsp(b)) {
        pos += 1;
    }
    pos
}

/// Skips `1*WSP` at `pos` and requires something after it.
fn require_wsp(line: &[u8], pos: usize, reason: &'static str) -> Result<usize> {
    let next = skip_wsp(line, pos);
    if next == pos || next >= line.len() {
        return Err(Error::parse(WHAT, reason, next.min(line.len())));
    }
    Ok(next)
}

/// `1*<max_digits>DIGIT` as a number.
fn parse_decimal(s: &[u8], at: usize, max_digits: usize, reason: &'static str) -> Result<u64> {
    if s.is_empty() {
        return Err(Error::parse(WHAT, reason, at));
    }
    if let Some(p) = s.iter().position(|b| !b.is_ascii_digit()) {
        return Err(Error::parse(WHAT, reason, at + p));
    }
    if s.len() > max_digits {
        return Err(Error::parse(WHAT, reason, at + max_digits));
    }
    s.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or(Error::parse(WHAT, "number does not fit 64 bits", at))
    })
}

fn parse_tag(tok: &[u8], at: usize) -> Result<u32> {
    if tok.len() > 9 && tok.iter().all(u8::is_ascii_digit) {
        return Err(Error::parse(WHAT, "tag longer than 9 digits", at + 9));
    }
    let t = parse_decimal(tok, at, 9, "expected a tag of 1 to 9 digits")?;
    u32::try_from(t).map_err(|_| Error::parse(WHAT, "tag longer than 9 digits", at))
}

fn parse_suite(tok: &[u8], at: usize) -> Result<Profile> {
    if tok.is_empty() {
        return Err(Error::parse(WHAT, "expected a crypto-suite", at));
    }
    if let Some(p) = tok
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
    {
        return Err(Error::parse(
            WHAT,
            "expected letters, digits or '_' in the crypto-suite",
            at + p,
        ));
    }
    let mut upper = [0u8; 32];
    let name = match upper.get_mut(..tok.len()) {
        Some(dst) => {
            for (d, s) in dst.iter_mut().zip(tok) {
                *d = s.to_ascii_uppercase();
            }
            core::str::from_utf8(dst).unwrap_or_default()
        }
        None => "",
    };
    // The DTLS-SRTP spellings that Profile::from_name also knows are not
    // crypto-suite names.
    if let Some(p) = Profile::from_name(name).filter(|_| !name.starts_with("SRTP_")) {
        return Ok(p);
    }
    Err(Error::Unsupported(match name {
        "F8_128_HMAC_SHA1_80" => "crypto-suite F8_128_HMAC_SHA1_80 (aes f8 mode)",
        "AES_192_CM_HMAC_SHA1_80" => "crypto-suite AES_192_CM_HMAC_SHA1_80 (aes-192)",
        "AES_192_CM_HMAC_SHA1_32" => "crypto-suite AES_192_CM_HMAC_SHA1_32 (aes-192)",
        "SEED_CTR_128_HMAC_SHA1_80" => "crypto-suite SEED_CTR_128_HMAC_SHA1_80 (seed)",
        "SEED_128_CCM_80" => "crypto-suite SEED_128_CCM_80 (seed)",
        "SEED_128_GCM_96" => "crypto-suite SEED_128_GCM_96 (seed)",
        "NULL_HMAC_SHA1_80" => "crypto-suite NULL_HMAC_SHA1_80 (no encryption)",
        "NULL_HMAC_SHA1_32" => "crypto-suite NULL_HMAC_SHA1_32 (no encryption)",
        _ => {
            "unknown crypto-suite (expected AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, \
             AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32, AEAD_AES_128_GCM or \
             AEAD_AES_256_GCM)"
        }
    }))
}

/// `key-param *(";" key-param)`: the key and lifetime of the one master
/// key this library can use.
fn parse_key_params(
    tok: &[u8],
    at: usize,
    profile: Profile,
) -> Result<([u8; MAX_KEY_SALT_LEN], Option<u64>)> {
    if tok.is_empty() {
        return Err(Error::parse(WHAT, "expected key-params", at));
    }
    let mut first = None;
    let mut off = at;
    for param in tok.split(|&b| b == b';') {
        let parsed = parse_key_param(param, off, profile)?;
        if first.is_some() {
            return Err(Error::Unsupported(
                "more than one master key (each needs an mki, which is not supported)",
            ));
        }
        first = Some(parsed);
        off += param.len() + 1;
    }
    first.ok_or(Error::parse(WHAT, "expected key-params", at))
}

/// `"inline:" key-salt ["|" lifetime] ["|" mki-value ":" mki-length]`.
fn parse_key_param(
    param: &[u8],
    at: usize,
    profile: Profile,
) -> Result<([u8; MAX_KEY_SALT_LEN], Option<u64>)> {
    let colon = param.iter().position(|&b| b == b':').ok_or(Error::parse(
        WHAT,
        "expected \"inline:\" and the key",
        at,
    ))?;
    let method = param.get(..colon).unwrap_or_default();
    if method.is_empty()
        || !method
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(Error::parse(WHAT, "expected \"inline:\" and the key", at));
    }
    if !method.eq_ignore_ascii_case(b"inline") {
        return Err(Error::Unsupported("key method other than inline"));
    }
    let info_at = at + colon + 1;
    let info = param.get(colon + 1..).unwrap_or_default();
    if let Some(p) = info.iter().position(|b| !(0x21..=0x7e).contains(b)) {
        return Err(Error::parse(
            WHAT,
            "expected visible ascii characters in the key-info",
            info_at + p,
        ));
    }
    let mut parts = info.split(|&b| b == b'|');
    let key = parts.next().unwrap_or_default();
    let mut key_salt = [0u8; MAX_KEY_SALT_LEN];
    decode_key(key, info_at, profile, &mut key_salt)?;

    let mut lifetime = None;
    let mut mki = false;
    let mut off = info_at + key.len() + 1;
    for (i, part) in parts.enumerate() {
        if i >= 2 || mki {
            return Err(Error::parse(
                WHAT,
                "expected at most a lifetime and an mki after the key",
                off,
            ));
        }
        if part.contains(&b':') {
            parse_mki(part, off)?;
            mki = true;
        } else {
            lifetime = Some(parse_lifetime(part, off)?);
        }
        off += part.len() + 1;
    }
    if mki {
        return Err(Error::Unsupported(
            "mki (master key identifier) in the key-params; contexts have none",
        ));
    }
    Ok((key_salt, lifetime))
}

/// `["2^"] 1*DIGIT`, at least 1.
fn parse_lifetime(s: &[u8], at: usize) -> Result<u64> {
    const REASON: &str = "expected a lifetime (decimal or 2^n)";
    let v = match s.strip_prefix(b"2^") {
        Some(exp) => {
            let n = parse_decimal(exp, at + 2, 2, REASON)?;
            if n > 63 {
                return Err(Error::parse(WHAT, "lifetime exponent above 63", at + 2));
            }
            1u64 << n
        }
        None => parse_decimal(s, at, 20, REASON)?,
    };
    if v == 0 {
        return Err(Error::invalid("key lifetime of 0 packets", Some(at)));
    }
    Ok(v)
}

/// `mki-value ":" mki-length` with a length of 1 to 128 bytes.
fn parse_mki(s: &[u8], at: usize) -> Result<()> {
    const REASON: &str = "expected an mki as <value>:<length>";
    let colon = s.iter().position(|&b| b == b':').unwrap_or(s.len());
    let value = s.get(..colon).unwrap_or_default();
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(Error::parse(WHAT, REASON, at));
    }
    let len_at = at + colon + 1;
    let len = parse_decimal(s.get(colon + 1..).unwrap_or_default(), len_at, 3, REASON)?;
    if !(1..=128).contains(&len) {
        return Err(Error::parse(WHAT, "mki length must be 1 to 128", len_at));
    }
    Ok(())
}

fn key_length_reason(p: Profile) -> &'static str {
    match p {
        Profile::Aes128CmHmacSha1_80 | Profile::Aes128CmHmacSha1_32 => {
            "key and salt must be 30 bytes (40 base64 characters) for this crypto-suite"
        }
        Profile::Aes256CmHmacSha1_80 | Profile::Aes256CmHmacSha1_32 => {
            "key and salt must be 46 bytes (64 base64 characters) for this crypto-suite"
        }
        Profile::AeadAes128Gcm => {
            "key and salt must be 28 bytes (40 base64 characters) for AEAD_AES_128_GCM"
        }
        Profile::AeadAes256Gcm => {
            "key and salt must be 44 bytes (60 base64 characters) for AEAD_AES_256_GCM"
        }
    }
}

fn decode_key(
    key: &[u8],
    at: usize,
    profile: Profile,
    out: &mut [u8; MAX_KEY_SALT_LEN],
) -> Result<()> {
    if key.is_empty() {
        return Err(Error::parse(
            WHAT,
            "expected a base64 key after \"inline:\"",
            at,
        ));
    }
    let n = b64_decode(key, out).map_err(|e| match e {
        B64Error::Length => Error::parse(
            WHAT,
            "base64 key length is not a multiple of 4 (padding missing?)",
            at + key.len(),
        ),
        B64Error::Char(p) => Error::parse(WHAT, "invalid base64 character in the key", at + p),
        B64Error::Padding(p) => Error::parse(WHAT, "misplaced base64 padding in the key", at + p),
        B64Error::Bits(p) => Error::parse(WHAT, "base64 pad bits of the key are not zero", at + p),
        B64Error::TooLong => Error::invalid(key_length_reason(profile), Some(at)),
    })?;
    if n != key_salt_len(profile) {
        out.fill(0);
        return Err(Error::invalid(key_length_reason(profile), Some(at)));
    }
    Ok(())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

#[derive(Debug, PartialEq, Eq)]
enum B64Error {
    /// Not a multiple of four characters.
    Length,
    /// Not a base64 character, at this offset.
    Char(usize),
    /// `=` where it may not be.
    Padding(usize),
    /// Non-zero bits in the last character before the padding.
    Bits(usize),
    /// Decodes to more bytes than `out` holds.
    TooLong,
}

/// Decodes padded standard base64 (RFC 4648 §4) into `out`; returns the
/// length.
fn b64_decode(src: &[u8], out: &mut [u8]) -> core::result::Result<usize, B64Error> {
    if !src.len().is_multiple_of(4) {
        return Err(B64Error::Length);
    }
    let quads = src.len() / 4;
    if quads.saturating_mul(3).saturating_sub(2) > out.len() {
        return Err(B64Error::TooLong);
    }
    let mut n = 0;
    for (qi, quad) in src.chunks_exact(4).enumerate() {
        let base = qi * 4;
        let last = qi + 1 == quads;
        let mut v = [0u32; 4];
        let mut pad = 0;
        for (i, &c) in quad.iter().enumerate() {
            if c == b'=' {
                // only "xx==" or "xxx=" in the last quad
                if !last || i < 2 || (i == 2 && quad.get(3) != Some(&b'=')) {
                    return Err(B64Error::Padding(base + i));
                }
                pad += 1;
            } else if pad > 0 {
                return Err(B64Error::Padding(base + i - 1));
            } else if let (Some(x), Some(slot)) = (b64_value(c), v.get_mut(i)) {
                *slot = x;
            } else {
                return Err(B64Error::Char(base + i));
            }
        }
        let [a, b, c, d] = v;
        if pad == 2 && b & 0x0f != 0 {
            return Err(B64Error::Bits(base + 1));
        }
        if pad == 1 && c & 0x03 != 0 {
            return Err(B64Error::Bits(base + 2));
        }
        let word = (a << 18) | (b << 12) | (c << 6) | d;
        let bytes = word.to_be_bytes();
        let chunk = bytes.get(1..4 - pad).unwrap_or_default();
        let dst = out.get_mut(n..n + chunk.len()).ok_or(B64Error::TooLong)?;
        dst.copy_from_slice(chunk);
        n += chunk.len();
    }
    Ok(n)
}

/// Encodes `src` as padded standard base64 into `out`; returns the length
/// (at most 64 for the longest key).
fn b64_encode(src: &[u8], out: &mut [u8; 64]) -> usize {
    let mut n = 0;
    for chunk in src.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let word = (b(0) << 16) | (b(1) << 8) | b(2);
        let chars = chunk.len() + 1;
        for i in 0..4 {
            let c = if i < chars {
                let idx = usize::try_from((word >> (18 - 6 * i)) & 0x3f).unwrap_or(0);
                B64.get(idx).copied().unwrap_or(b'A')
            } else {
                b'='
            };
            if let Some(slot) = out.get_mut(n) {
                *slot = c;
                n += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const RFC_KEY: &str = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

    fn parse(s: &str) -> Result<CryptoAttribute> {
        CryptoAttribute::parse(s.as_bytes())
    }

    fn unsupported(s: &str) -> &'static str {
        match parse(s) {
            Err(Error::Unsupported(m)) => m,
            other => panic!("{s}: expected unsupported, got {other:?}"),
        }
    }

    fn parse_err(s: &str) -> (&'static str, usize) {
        match parse(s) {
            Err(Error::Parse { reason, offset, .. }) => (reason, offset),
            other => panic!("{s}: expected a parse error, got {other:?}"),
        }
    }

    fn invalid(s: &str) -> (&'static str, Option<usize>) {
        match parse(s) {
            Err(Error::Invalid { reason, offset }) => (reason, offset),
            other => panic!("{s}: expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn base64_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = [0u8; 64];
            let n = b64_encode(plain.as_bytes(), &mut out);
            assert_eq!(&out[..n], enc.as_bytes());
            let mut dec = [0u8; 46];
            assert_eq!(b64_decode(enc.as_bytes(), &mut dec), Ok(plain.len()));
            assert_eq!(&dec[..plain.len()], plain.as_bytes());
        }
        let mut d = [0u8; 46];
        assert_eq!(b64_decode(b"Zg=", &mut d), Err(B64Error::Length));
        assert_eq!(b64_decode(b"Zh==", &mut d), Err(B64Error::Bits(1)));
        assert_eq!(b64_decode(b"Zm9=", &mut d), Err(B64Error::Bits(2)));
        assert_eq!(b64_decode(b"Z===", &mut d), Err(B64Error::Padding(1)));
        assert_eq!(b64_decode(b"Zg=a", &mut d), Err(B64Error::Padding(2)));
        assert_eq!(b64_decode(b"Zg==Zm9v", &mut d), Err(B64Error::Padding(2)));
        assert_eq!(b64_decode(b"Zm-v", &mut d), Err(B64Error::Char(2)));
        assert_eq!(b64_decode(&[b'A'; 68], &mut d), Err(B64Error::TooLong));
        let mut small = [0u8; 2];
        assert_eq!(b64_decode(b"Zm9v", &mut small), Err(B64Error::TooLong));
    }

    #[test]
    fn rfc4568_example_with_mki_is_refused_by_name() {
        // RFC 4568 §4 / §5.1: a lifetime of 2^20 and MKI 1 of length 32.
        let line = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}|2^20|1:32");
        assert!(unsupported(&line).contains("mki"));
        assert_eq!(parse(&line).unwrap_err().kind(), ErrorKind::Unsupported);
        // the same key without the MKI parses
        let a = parse(&format!(
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}|2^20\r\n"
        ))
        .unwrap();
        assert_eq!(a.tag(), 1);
        assert_eq!(a.profile(), Profile::Aes128CmHmacSha1_80);
        assert_eq!(a.lifetime(), Some(1 << 20));
        assert_eq!(a.key_salt().len(), 30);
        assert_eq!(a.master_key().len(), 16);
        assert_eq!(a.master_salt().len(), 14);
        assert_eq!(&a.key_salt()[..4], &[0x3d, 0x2d, 0x6e, 0x40]);
        assert_eq!(
            a.to_line(),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}|2^20")
        );
        a.context().unwrap();
    }

    #[test]
    fn rfc4568_session_parameter_example() {
        // RFC 4568 §6.3 style: KDR, FEC_ORDER and WSH together (KDR=0 only).
        let a = parse(&format!(
            "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:{RFC_KEY}|1048575 KDR=0 \
             FEC_ORDER=SRTP_FEC WSH=256"
        ))
        .unwrap();
        assert_eq!(a.tag(), 2);
        assert_eq!(a.profile(), Profile::Aes128CmHmacSha1_32);
        assert_eq!(a.lifetime(), Some(1_048_575));
        assert_eq!(a.fec_order(), Some(FecOrder::SrtpFec));
        assert_eq!(a.window_size_hint(), Some(256));
        assert_eq!(
            a.to_line(),
            format!(
                "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:{RFC_KEY}|1048575 \
                 FEC_ORDER=SRTP_FEC WSH=256"
            )
        );
        let pol = a.policy();
        assert_eq!(pol.replay_window, 256);
        assert_eq!(pol.max_srtp_packets, 1_048_575);
        assert_eq!(pol.max_srtcp_packets, 1_048_575);
        assert_eq!(parse(&a.to_line()).unwrap(), a);
    }

    #[test]
    fn prefixes_case_whitespace_and_line_ends() {
        let want = parse(&format!(
            "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}"
        ))
        .unwrap();
        for s in [
            format!("crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}"),
            format!("7 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}\n"),
            format!("a=crypto:0007 aes_cm_128_hmac_sha1_80 INLINE:{RFC_KEY}\r\n"),
            format!("a=crypto:7\t AES_CM_128_HMAC_SHA1_80  \tinline:{RFC_KEY}  "),
            format!("a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY} -X-VENDOR=1 -y"),
            format!("a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY} kdr=0"),
        ] {
            assert_eq!(parse(&s).unwrap(), want, "{s}");
        }
        assert_eq!(
            parse(&format!(
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY} fec_order=fec_srtp wsh=64"
            ))
            .unwrap()
            .to_line(),
            format!(
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY} FEC_ORDER=FEC_SRTP WSH=64"
            )
        );
        // The alternative spelling of the AES-256 suites is accepted and
        // written in the registered form.
        let k46 = "A".repeat(60) + "AA==";
        let a = parse(&format!("a=crypto:3 AES_CM_256_HMAC_SHA1_80 inline:{k46}")).unwrap();
        assert_eq!(a.profile(), Profile::Aes256CmHmacSha1_80);
        assert!(a.to_line().contains(" AES_256_CM_HMAC_SHA1_80 "));
    }

    #[test]
    fn generate_round_trip_every_profile() {
        for p in Profile::ALL {
            let mut a = CryptoAttribute::generate(42, p).unwrap();
            let b = CryptoAttribute::generate(42, p).unwrap();
            assert_ne!(a.key_salt(), b.key_salt(), "{p}: two draws gave one key");
            assert_eq!(a.key_salt().len(), p.master_key_len() + p.master_salt_len());
            let line = a.to_line();
            assert!(line.starts_with(&format!("a=crypto:42 {} inline:", p.name())));
            assert_eq!(parse(&line).unwrap(), a, "{line}");
            a.set_lifetime(Some(1 << 31)).unwrap();
            a.set_window_size_hint(Some(2048)).unwrap();
            a.set_fec_order(Some(FecOrder::FecSrtp));
            let line = a.to_line();
            assert!(line.contains("|2^31 FEC_ORDER=FEC_SRTP WSH=2048"), "{line}");
            assert_eq!(parse(&line).unwrap(), a);
            assert_eq!(a.policy().replay_window, MAX_REPLAY_WINDOW);

            // the two ends of an SDES exchange interoperate
            let mut tx = a.context().unwrap();
            let mut rx = parse(&line).unwrap().context().unwrap();
            let mut pkt = vec![0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3];
            let plain = pkt.clone();
            tx.protect_rtp_vec(&mut pkt).unwrap();
            let n = rx.unprotect_rtp(&mut pkt).unwrap();
            assert_eq!(&pkt[..n], &plain[..]);
        }
        assert!(format!(
            "{:?}",
            CryptoAttribute::generate(1, Profile::AeadAes128Gcm).unwrap()
        )
        .contains("<redacted>"));
    }

    #[test]
    fn constructor_and_setters_check_their_arguments() {
        let p = Profile::AeadAes256Gcm;
        assert!(CryptoAttribute::new(MAX_TAG, p, &[1; 44]).is_ok());
        assert!(matches!(
            CryptoAttribute::new(MAX_TAG + 1, p, &[1; 44]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            CryptoAttribute::new(1, p, &[1; 46]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            CryptoAttribute::generate(1_000_000_000, p),
            Err(Error::InvalidArgument(_))
        ));
        let mut a = CryptoAttribute::new(1, p, &[1; 44]).unwrap();
        assert!(a.set_lifetime(Some(0)).is_err());
        assert!(a.set_window_size_hint(Some(63)).is_err());
        a.set_lifetime(Some(3)).unwrap();
        assert!(a.to_line().ends_with("|3"));
        assert_eq!(a.master_salt(), &[1; 12]);
    }

    #[test]
    fn every_profile_key_length() {
        for (p, chars) in [
            (Profile::Aes128CmHmacSha1_80, "A".repeat(40)),
            (Profile::Aes128CmHmacSha1_32, "A".repeat(40)),
            (Profile::Aes256CmHmacSha1_80, "A".repeat(62) + "=="),
            (Profile::Aes256CmHmacSha1_32, "A".repeat(62) + "=="),
            (Profile::AeadAes128Gcm, "A".repeat(38) + "=="),
            (Profile::AeadAes256Gcm, "A".repeat(59) + "="),
        ] {
            let a = parse(&format!("a=crypto:1 {} inline:{chars}", p.name())).unwrap();
            assert_eq!(a.profile(), p);
            assert!(a.to_line().ends_with(&chars));
            // one quad short and one quad long both fail
            for wrong in [&chars[4..], &format!("AAAA{chars}")] {
                let (reason, off) = invalid(&format!("a=crypto:1 {} inline:{wrong}", p.name()));
                assert!(reason.starts_with("key and salt must be"), "{reason}");
                assert_eq!(off, Some(19 + p.name().len()));
            }
        }
        // unpadded GCM key (some peers leave the padding out)
        let (reason, _) = parse_err(&format!(
            "a=crypto:1 AEAD_AES_128_GCM inline:{}",
            "A".repeat(38)
        ));
        assert!(reason.contains("padding"));
    }

    #[test]
    fn rejections_say_what_and_where() {
        for (line, reason, off) in [
            ("", "expected \"a=crypto:\"", 0),
            ("a=fingerprint:sha-256 00", "expected \"a=crypto:\"", 0),
            ("a=crypto:", "expected a tag of 1 to 9 digits", 9),
            ("a=crypto:x1 AES", "expected a tag of 1 to 9 digits", 9),
            ("a=crypto:1", "expected whitespace and a crypto-suite after the tag", 10),
            ("a=crypto:1 ", "expected whitespace and a crypto-suite after the tag", 11),
            ("a=crypto:1234567890 X", "tag longer than 9 digits", 18),
            ("a=crypto:1 AES-CM inline:x", "expected letters, digits or '_' in the crypto-suite", 14),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80", "expected whitespace and key-params after the crypto-suite", 34),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline", "expected \"inline:\" and the key", 35),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 in-line:x", "expected \"inline:\" and the key", 35),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", "expected a base64 key after \"inline:\"", 42),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB!", "invalid base64 character in the key", 81),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB", "base64 key length is not a multiple of 4 (padding missing?)", 81),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1u=CVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", "misplaced base64 padding in the key", 46),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|", "expected a lifetime (decimal or 2^n)", 83),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^", "expected a lifetime (decimal or 2^n)", 85),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^64", "lifetime exponent above 63", 85),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^x", "expected a lifetime (decimal or 2^n)", 85),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|99999999999999999999", "number does not fit 64 bits", 83),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1|2|3", "expected at most a lifetime and an mki after the key", 87),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:0", "mki length must be 1 to 128", 85),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:129", "mki length must be 1 to 128", 85),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|:4", "expected an mki as <value>:<length>", 83),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4|2^20", "expected at most a lifetime and an mki after the key", 87),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\x01", "expected visible ascii characters in the key-info", 82),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR", "expected KDR=<0..24>", 83),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=25", "expected KDR=<0..24>", 87),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=100", "expected KDR=<0..24>", 89),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR WSH=", "expected WSH=<window size>", 87),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR WSH=9999999999", "window size hint does not fit 32 bits", 87),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR FEC_ORDER=BOTH", "expected FEC_ORDER=FEC_SRTP or FEC_ORDER=SRTP_FEC", 93),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR \u{e9}", "expected visible ascii characters in a session parameter", 83),
            ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\nWSH=64", "expected visible ascii characters in the key-info", 82),
        ] {
            assert_eq!(parse_err(line), (reason, off), "{line:?}");
        }
    }

    #[test]
    fn semantic_rejections() {
        let base = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}");
        assert_eq!(
            invalid(&format!("{base}|0")),
            ("key lifetime of 0 packets", Some(83))
        );
        assert_eq!(
            invalid(&format!("{base} WSH=63")),
            ("window size hint below the minimum of 64", Some(87))
        );
        assert_eq!(
            invalid(&format!("{base} WSH=64 WSH=128")),
            ("session parameter given twice", Some(90))
        );
        assert_eq!(
            invalid(&format!("{base} KDR=0 kdr=0")).0,
            "session parameter given twice"
        );
        // nonzero pad bits: the last key character must be 'A', 'Q', 'g' or 'w'
        let (reason, off) = parse_err(&format!(
            "a=crypto:1 AEAD_AES_128_GCM inline:{}B==",
            "A".repeat(37)
        ));
        assert_eq!(reason, "base64 pad bits of the key are not zero");
        assert_eq!(off, 35 + 37);
    }

    #[test]
    fn unsupported_features_are_named() {
        let base = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}");
        assert_eq!(
            unsupported(&format!("{base} KDR=1")),
            "session parameter KDR=1 (only key derivation rate 0 is supported)"
        );
        assert!(unsupported(&format!("{base} KDR=24")).starts_with("session parameter KDR=24 "));
        for name in [
            "UNENCRYPTED_SRTP",
            "UNENCRYPTED_SRTCP",
            "UNAUTHENTICATED_SRTP",
        ] {
            assert_eq!(
                unsupported(&format!("{base} {name}")),
                format!("session parameter {name}")
            );
            assert_eq!(
                unsupported(&format!("{base} {}", name.to_lowercase())),
                format!("session parameter {name}")
            );
        }
        assert!(unsupported(&format!("{base} FEC_KEY=inline:{RFC_KEY}")).contains("FEC_KEY"));
        assert!(unsupported(&format!("{base} FOO=1")).starts_with("unknown session parameter"));
        assert!(unsupported(&format!("{base}|2^20|1:32")).starts_with("mki"));
        assert!(unsupported(&format!("{base}|1:4")).starts_with("mki"));
        assert!(unsupported(&format!("{base};inline:{RFC_KEY}"))
            .starts_with("more than one master key"));
        assert_eq!(
            unsupported(&format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:{RFC_KEY}")),
            "key method other than inline"
        );
        assert_eq!(
            unsupported(&format!("a=crypto:1 F8_128_HMAC_SHA1_80 inline:{RFC_KEY}")),
            "crypto-suite F8_128_HMAC_SHA1_80 (aes f8 mode)"
        );
        assert!(unsupported(&format!(
            "a=crypto:1 AES_192_CM_HMAC_SHA1_32 inline:{RFC_KEY}"
        ))
        .contains("AES_192_CM_HMAC_SHA1_32"));
        assert!(
            unsupported(&format!("a=crypto:1 NULL_HMAC_SHA1_80 inline:{RFC_KEY}"))
                .contains("no encryption")
        );
        for suite in ["SRTP_AES128_CM_HMAC_SHA1_80", "MADE_UP", &"X".repeat(40)] {
            assert!(unsupported(&format!("a=crypto:1 {suite} inline:{RFC_KEY}"))
                .starts_with("unknown crypto-suite (expected AES_CM_128_HMAC_SHA1_80"));
        }
        let e = parse(&format!("{base} KDR=1")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported: session parameter KDR=1 (only key derivation rate 0 is supported)"
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let base = format!(
            "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:{}|2^20 WSH=128",
            "A".repeat(60) + "AA=="
        );
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut b = base.clone().into_bytes();
            let cut = (seed as usize) % (b.len() + 1);
            b.truncate(cut);
            if let Some(x) = b.get_mut((seed >> 20) as usize % (cut + 1)) {
                *x = (seed >> 40) as u8;
            }
            if let Ok(a) = CryptoAttribute::parse(&b) {
                assert_eq!(CryptoAttribute::parse(a.to_line().as_bytes()).unwrap(), a);
            } else if let Err(e) = CryptoAttribute::parse(&b) {
                assert!(e.offset().is_none_or(|o| o <= b.len()), "{e}");
            }
        }
    }
}
