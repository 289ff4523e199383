//! A zero-copy view of one STUN message (RFC 8489 §5, §6.3, §14) and the
//! encoding of the responses an ICE-lite agent sends.
//!
//! [`StunMessage::parse`] checks what RFC 8489 §6.3 asks of a received
//! message before anything else looks at it — the two leading zero bits,
//! the magic cookie, a length that is a multiple of four and equal to the
//! datagram, and attributes that tile the body exactly — and remembers
//! where MESSAGE-INTEGRITY and FINGERPRINT sit. It borrows the datagram,
//! allocates nothing and fails with the byte offset of the first problem.
//! Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored
//! (RFC 8489 §14.5); anything after FINGERPRINT is an error (§14.7).
//!
//! Responses are encoded with `rtc-stun`'s message builder. Its decoder is
//! not used on received datagrams: it copies the datagram and every
//! attribute value, and its integrity check trusts the attribute lengths,
//! while this view is the one place that must stay total on hostile input.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hmac::{Hmac, Mac};
use rtc_stun::attributes::{
    AttrType, RawAttribute, ATTR_ERROR_CODE, ATTR_FINGERPRINT, ATTR_ICE_CONTROLLED,
    ATTR_ICE_CONTROLLING, ATTR_MAPPED_ADDRESS, ATTR_MESSAGE_INTEGRITY,
    ATTR_MESSAGE_INTEGRITY_SHA256, ATTR_NONCE, ATTR_PASSWORD_ALGORITHM, ATTR_PRIORITY, ATTR_REALM,
    ATTR_UNKNOWN_ATTRIBUTES, ATTR_USERNAME, ATTR_USER_HASH, ATTR_USE_CANDIDATE,
    ATTR_XORMAPPED_ADDRESS,
};
use rtc_stun::crypto::providers::RingCrypto;
use rtc_stun::error_code::{ErrorCode, ErrorCodeAttribute};
use rtc_stun::fingerprint::{fingerprint_value, FINGERPRINT};
use rtc_stun::integrity::MessageIntegrity;
use rtc_stun::message::{
    Message, MessageClass, MessageType, Setter, TransactionId, CLASS_ERROR_RESPONSE, CLASS_REQUEST,
    CLASS_SUCCESS_RESPONSE, METHOD_BINDING,
};
use rtc_stun::uattrs::UnknownAttributes;
use rtc_stun::xoraddr::XorMappedAddress;
use sha1::Sha1;

use crate::{Error, Result};

/// Bytes in the STUN header.
pub const HEADER_LEN: usize = 20;
/// The magic cookie of RFC 8489 §5.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// The Binding method (RFC 8489 §18.2).
pub const BINDING: u16 = 0x001;

/// USERNAME (RFC 8489 §14.3).
pub const USERNAME: u16 = ATTR_USERNAME.0;
/// MESSAGE-INTEGRITY (RFC 8489 §14.5).
pub const MESSAGE_INTEGRITY: u16 = ATTR_MESSAGE_INTEGRITY.0;
/// FINGERPRINT (RFC 8489 §14.7).
pub const FINGERPRINT_ATTR: u16 = ATTR_FINGERPRINT.0;
/// PRIORITY (RFC 8445 §16.1).
pub const PRIORITY: u16 = ATTR_PRIORITY.0;
/// USE-CANDIDATE (RFC 8445 §16.1).
pub const USE_CANDIDATE: u16 = ATTR_USE_CANDIDATE.0;
/// ICE-CONTROLLED (RFC 8445 §16.1).
pub const ICE_CONTROLLED: u16 = ATTR_ICE_CONTROLLED.0;
/// ICE-CONTROLLING (RFC 8445 §16.1).
pub const ICE_CONTROLLING: u16 = ATTR_ICE_CONTROLLING.0;

const MI_LEN: usize = 20;
const FP_LEN: usize = 4;

/// The shared HMAC engine for MESSAGE-INTEGRITY on responses; ring's
/// HMAC-SHA1 through `rtc-stun`'s provider interface.
static RING: RingCrypto = RingCrypto;

/// The class of a STUN message (RFC 8489 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StunClass {
    /// A request (0b00).
    Request,
    /// An indication (0b01).
    Indication,
    /// A success response (0b10).
    Success,
    /// An error response (0b11).
    Error,
}

/// One attribute of a [`StunMessage`], borrowed from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StunAttribute<'a> {
    /// The attribute type.
    pub typ: u16,
    /// The value, without padding.
    pub value: &'a [u8],
    /// Byte offset of the attribute header in the datagram.
    pub offset: usize,
}

/// A parsed STUN message borrowing its datagram; see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct StunMessage<'a> {
    bytes: &'a [u8],
    /// Offset of the first MESSAGE-INTEGRITY attribute header.
    integrity: Option<usize>,
    /// Offset of the FINGERPRINT attribute header (always the last one).
    fingerprint: Option<usize>,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*s.first()?, *s.get(1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

const fn padded(len: usize) -> usize {
    (len + 3) & !3
}

impl<'a> StunMessage<'a> {
    /// Parses one datagram as a STUN message; see the module docs for what
    /// is checked. Never panics and never allocates.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        const WHAT: &str = "stun message";
        if bytes.len() < HEADER_LEN {
            return Err(Error::parse(
                WHAT,
                "expected a 20-byte header, the datagram is shorter",
                bytes.len(),
            ));
        }
        let first = bytes.first().copied().unwrap_or(0xFF);
        if first & 0xC0 != 0 {
            return Err(Error::parse(
                WHAT,
                "expected the two leading bits to be zero",
                0,
            ));
        }
        let length = usize::from(be16(bytes, 2).unwrap_or(u16::MAX));
        if be32(bytes, 4) != Some(MAGIC_COOKIE) {
            return Err(Error::parse(
                WHAT,
                "expected the magic cookie 0x2112a442",
                4,
            ));
        }
        if length % 4 != 0 {
            return Err(Error::parse(
                WHAT,
                "expected a length that is a multiple of 4",
                2,
            ));
        }
        if HEADER_LEN + length != bytes.len() {
            return Err(Error::parse(
                WHAT,
                "expected the length field to cover the rest of the datagram exactly",
                2,
            ));
        }
        let mut integrity = None;
        let mut fingerprint = None;
        let mut pos = HEADER_LEN;
        while pos < bytes.len() {
            if fingerprint.is_some() {
                return Err(Error::parse(
                    WHAT,
                    "expected nothing after fingerprint",
                    pos,
                ));
            }
            let (Some(typ), Some(len)) = (be16(bytes, pos), be16(bytes, pos + 2)) else {
                return Err(Error::parse(
                    WHAT,
                    "expected a 4-byte attribute header",
                    pos,
                ));
            };
            let len = usize::from(len);
            let next = pos + 4 + padded(len);
            if next > bytes.len() {
                return Err(Error::parse(
                    WHAT,
                    "expected the attribute value to fit in the message",
                    pos,
                ));
            }
            match typ {
                MESSAGE_INTEGRITY if integrity.is_none() => {
                    if len != MI_LEN {
                        return Err(Error::parse(
                            WHAT,
                            "expected a 20-byte message-integrity value",
                            pos,
                        ));
                    }
                    integrity = Some(pos);
                }
                FINGERPRINT_ATTR => {
                    if len != FP_LEN {
                        return Err(Error::parse(
                            WHAT,
                            "expected a 4-byte fingerprint value",
                            pos,
                        ));
                    }
                    fingerprint = Some(pos);
                }
                _ => {}
            }
            pos = next;
        }
        Ok(StunMessage {
            bytes,
            integrity,
            fingerprint,
        })
    }

    /// The datagram this view borrows.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The 14-bit message type.
    pub fn message_type(&self) -> u16 {
        be16(self.bytes, 0).unwrap_or(0) & 0x3FFF
    }

    /// The class encoded in the message type.
    pub fn class(&self) -> StunClass {
        let t = self.message_type();
        match ((t >> 7) & 0b10) | ((t >> 4) & 0b01) {
            0 => StunClass::Request,
            1 => StunClass::Indication,
            2 => StunClass::Success,
            _ => StunClass::Error,
        }
    }

    /// The 12-bit method encoded in the message type.
    pub fn method(&self) -> u16 {
        let t = self.message_type();
        (t & 0x000F) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0F80)
    }

    /// Whether this is a Binding request.
    pub fn is_binding_request(&self) -> bool {
        self.class() == StunClass::Request && self.method() == BINDING
    }

    /// The 96-bit transaction id.
    pub fn transaction_id(&self) -> [u8; 12] {
        let mut id = [0u8; 12];
        if let Some(s) = self.bytes.get(8..HEADER_LEN) {
            id.copy_from_slice(s);
        }
        id
    }

    /// The attributes covered by MESSAGE-INTEGRITY (all of them when it is
    /// absent), in order, MESSAGE-INTEGRITY itself included; FINGERPRINT
    /// and anything RFC 8489 §14.5 says to ignore are left out.
    pub fn attributes(&self) -> Attributes<'a> {
        let end = match (self.integrity, self.fingerprint) {
            (Some(mi), _) => mi + 4 + MI_LEN,
            (None, Some(fp)) => fp,
            (None, None) => self.bytes.len(),
        };
        Attributes {
            bytes: self.bytes,
            pos: HEADER_LEN,
            end,
        }
    }

    /// The value of the first attribute of type `typ`, if present.
    pub fn attribute(&self, typ: u16) -> Option<&'a [u8]> {
        self.attributes().find(|a| a.typ == typ).map(|a| a.value)
    }

    /// USERNAME, as raw bytes.
    pub fn username(&self) -> Option<&'a [u8]> {
        self.attribute(USERNAME)
    }

    /// PRIORITY; an error when present with a length other than 4.
    pub fn priority(&self) -> Result<Option<u32>> {
        match self.attributes().find(|a| a.typ == PRIORITY) {
            None => Ok(None),
            Some(a) => be32(a.value, 0)
                .filter(|_| a.value.len() == 4)
                .map(Some)
                .ok_or(Error::parse(
                    "stun priority",
                    "expected a 4-byte value",
                    a.offset,
                )),
        }
    }

    /// Whether USE-CANDIDATE is present.
    pub fn use_candidate(&self) -> bool {
        self.attribute(USE_CANDIDATE).is_some()
    }

    fn tiebreaker(&self, typ: u16, what: &'static str) -> Result<Option<u64>> {
        match self.attributes().find(|a| a.typ == typ) {
            None => Ok(None),
            Some(a) => {
                let v: [u8; 8] = a
                    .value
                    .try_into()
                    .map_err(|_| Error::parse(what, "expected an 8-byte tiebreaker", a.offset))?;
                Ok(Some(u64::from_be_bytes(v)))
            }
        }
    }

    /// The tiebreaker of ICE-CONTROLLING; an error when it is not 8 bytes.
    pub fn ice_controlling(&self) -> Result<Option<u64>> {
        self.tiebreaker(ICE_CONTROLLING, "stun ice-controlling")
    }

    /// The tiebreaker of ICE-CONTROLLED; an error when it is not 8 bytes.
    pub fn ice_controlled(&self) -> Result<Option<u64>> {
        self.tiebreaker(ICE_CONTROLLED, "stun ice-controlled")
    }

    /// Whether MESSAGE-INTEGRITY is present.
    pub fn has_integrity(&self) -> bool {
        self.integrity.is_some()
    }

    /// Whether FINGERPRINT is present.
    pub fn has_fingerprint(&self) -> bool {
        self.fingerprint.is_some()
    }

    /// Checks FINGERPRINT (RFC 8489 §14.7): `None` when absent, otherwise
    /// whether the CRC-32 matches.
    pub fn fingerprint_ok(&self) -> Option<bool> {
        let fp = self.fingerprint?;
        let covered = self.bytes.get(..fp)?;
        let got = be32(self.bytes, fp + 4)?;
        Some(fingerprint_value(covered) == got)
    }

    /// Checks MESSAGE-INTEGRITY with a short-term credential key (the
    /// password as bytes, RFC 8489 §9.1.1). False when absent.
    pub fn verify_integrity(&self, password: &[u8]) -> bool {
        match Hmac::<Sha1>::new_from_slice(password) {
            Ok(mac) => self.verify_integrity_with(mac),
            Err(_) => false,
        }
    }

    /// Checks MESSAGE-INTEGRITY with an HMAC already keyed with the
    /// password, so a long-lived agent keys it once.
    pub(crate) fn verify_integrity_with(&self, mut mac: Hmac<Sha1>) -> bool {
        let Some(mi) = self.integrity else {
            return false;
        };
        let (Some(head), Some(tail), Some(body), Some(tag)) = (
            self.bytes.get(..2),
            self.bytes.get(4..HEADER_LEN),
            self.bytes.get(HEADER_LEN..mi),
            self.bytes.get(mi + 4..mi + 4 + MI_LEN),
        ) else {
            return false;
        };
        // The HMAC covers the header with its length rewritten to end just
        // after MESSAGE-INTEGRITY (RFC 8489 §14.5).
        let Ok(adjusted) = u16::try_from(mi + 4 + MI_LEN - HEADER_LEN) else {
            return false;
        };
        mac.update(head);
        mac.update(&adjusted.to_be_bytes());
        mac.update(tail);
        mac.update(body);
        mac.verify_slice(tag).is_ok()
    }

    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2), decoded; `None` when absent or
    /// malformed.
    pub fn xor_mapped_address(&self) -> Option<SocketAddr> {
        let v = self.attribute(ATTR_XORMAPPED_ADDRESS.0)?;
        let family = *v.get(1)?;
        let port = be16(v, 2)? ^ (MAGIC_COOKIE >> 16) as u16;
        let ip = match (family, v.len()) {
            (0x01, 8) => {
                let a = be32(v, 4)? ^ MAGIC_COOKIE;
                IpAddr::V4(Ipv4Addr::from(a))
            }
            (0x02, 20) => {
                let mut key = [0u8; 16];
                key[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
                key[4..].copy_from_slice(&self.transaction_id());
                let mut a = [0u8; 16];
                for ((o, x), k) in a.iter_mut().zip(v.get(4..20)?).zip(key) {
                    *o = x ^ k;
                }
                IpAddr::V6(Ipv6Addr::from(a))
            }
            _ => return None,
        };
        Some(SocketAddr::new(ip, port))
    }

    /// The ERROR-CODE number (RFC 8489 §14.8), when present and well formed.
    pub fn error_code(&self) -> Option<u16> {
        let v = self.attribute(ATTR_ERROR_CODE.0)?;
        let class = u16::from(*v.get(2)? & 0x07);
        let number = u16::from(*v.get(3)?);
        (number < 100 && (3..=6).contains(&class)).then_some(class * 100 + number)
    }

    /// Comprehension-required attribute types (below 0x8000) that an ICE
    /// agent does not understand, in order of appearance (RFC 8489 §6.3.1).
    pub fn unknown_required(&self) -> impl Iterator<Item = u16> + 'a {
        self.attributes()
            .map(|a| a.typ)
            .filter(|&t| t < 0x8000 && !understood(t))
    }
}

/// Comprehension-required types this agent knows. Long-term-credential and
/// SHA-256 attributes are "understood" in the sense that their meaning is
/// known: the request is then judged on its SHA-1 MESSAGE-INTEGRITY.
fn understood(t: u16) -> bool {
    [
        ATTR_MAPPED_ADDRESS,
        ATTR_USERNAME,
        ATTR_MESSAGE_INTEGRITY,
        ATTR_ERROR_CODE,
        ATTR_UNKNOWN_ATTRIBUTES,
        ATTR_REALM,
        ATTR_NONCE,
        ATTR_MESSAGE_INTEGRITY_SHA256,
        ATTR_PASSWORD_ALGORITHM,
        ATTR_USER_HASH,
        ATTR_XORMAPPED_ADDRESS,
        ATTR_PRIORITY,
        ATTR_USE_CANDIDATE,
    ]
    .iter()
    .any(|a| a.0 == t)
}

/// Iterator over the attributes of a [`StunMessage`].
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    bytes: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = StunAttribute<'a>;

    fn next(&mut self) -> Option<StunAttribute<'a>> {
        if self.pos >= self.end {
            return None;
        }
        let typ = be16(self.bytes, self.pos)?;
        let len = usize::from(be16(self.bytes, self.pos + 2)?);
        let value = self.bytes.get(self.pos + 4..self.pos + 4 + len)?;
        let offset = self.pos;
        self.pos += 4 + padded(len);
        Some(StunAttribute { typ, value, offset })
    }
}

/// The MESSAGE-INTEGRITY key of our responses, built once per password.
#[derive(Clone)]
pub(crate) struct ResponseKey(MessageIntegrity<'static>);

impl core::fmt::Debug for ResponseKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ResponseKey(..)")
    }
}

impl ResponseKey {
    pub(crate) fn new(password: &str) -> Self {
        ResponseKey(MessageIntegrity::new_short_term_integrity_with_provider(
            password.to_owned(),
            &RING,
        ))
    }
}

fn encode_failed<E>(_: E) -> Error {
    Error::InvalidArgument("stun response could not be encoded")
}

fn start(class: MessageClass, transaction_id: [u8; 12]) -> Message {
    let mut m = Message::new();
    m.typ = MessageType::new(METHOD_BINDING, class);
    m.transaction_id = TransactionId(transaction_id);
    m.write_header();
    m
}

fn finish(mut m: Message, key: Option<&ResponseKey>) -> Result<Vec<u8>> {
    if let Some(key) = key {
        key.0.add_to(&mut m).map_err(encode_failed)?;
    }
    FINGERPRINT.add_to(&mut m).map_err(encode_failed)?;
    Ok(m.raw)
}

/// A Binding success response: XOR-MAPPED-ADDRESS of `mapped`,
/// MESSAGE-INTEGRITY with `key`, FINGERPRINT (RFC 8445 §7.3.1.2).
pub(crate) fn binding_success(
    transaction_id: [u8; 12],
    mapped: SocketAddr,
    key: &ResponseKey,
) -> Result<Vec<u8>> {
    let mut m = start(CLASS_SUCCESS_RESPONSE, transaction_id);
    XorMappedAddress {
        ip: mapped.ip(),
        port: mapped.port(),
    }
    .add_to(&mut m)
    .map_err(encode_failed)?;
    finish(m, Some(key))
}

/// A Binding error response with ERROR-CODE, UNKNOWN-ATTRIBUTES when
/// `unknown` is not empty, MESSAGE-INTEGRITY when `key` is given, and
/// FINGERPRINT.
pub(crate) fn binding_error(
    transaction_id: [u8; 12],
    code: u16,
    unknown: &[u16],
    key: Option<&ResponseKey>,
) -> Result<Vec<u8>> {
    let mut m = start(CLASS_ERROR_RESPONSE, transaction_id);
    ErrorCodeAttribute {
        code: ErrorCode(code),
        reason: reason_phrase(code).as_bytes().to_vec(),
    }
    .add_to(&mut m)
    .map_err(encode_failed)?;
    if !unknown.is_empty() {
        UnknownAttributes(unknown.iter().map(|&t| AttrType(t)).collect())
            .add_to(&mut m)
            .map_err(encode_failed)?;
    }
    finish(m, key)
}

/// A connectivity check as a full, controlling agent (a browser) sends it
/// (RFC 8445 §7.2.2): the other side of what [`IceLite`](super::IceLite)
/// answers, for tests, simulations and tools that play the peer.
#[derive(Debug, Clone, Copy)]
pub struct BindingRequest<'a> {
    /// The transaction id.
    pub transaction_id: [u8; 12],
    /// `their-ufrag:our-ufrag`: the answering agent's ufrag first.
    pub username: &'a str,
    /// The answering agent's password (keys MESSAGE-INTEGRITY).
    pub password: &'a str,
    /// PRIORITY: our candidate's priority with the peer-reflexive type
    /// preference.
    pub priority: u32,
    /// The tiebreaker, sent in ICE-CONTROLLING (or ICE-CONTROLLED when
    /// `controlling` is false).
    pub tiebreaker: u64,
    /// Which role attribute to send.
    pub controlling: bool,
    /// Whether to nominate the pair (USE-CANDIDATE).
    pub use_candidate: bool,
}

impl BindingRequest<'_> {
    /// Encodes the request: USERNAME, ICE-CONTROLLING or ICE-CONTROLLED,
    /// USE-CANDIDATE when asked, PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT.
    pub fn encode(&self) -> Result<Vec<u8>> {
        if self.username.len() > 513 {
            return Err(Error::InvalidArgument(
                "stun username longer than 513 bytes",
            ));
        }
        let mut m = start(CLASS_REQUEST, self.transaction_id);
        let raw = |typ: u16, value: Vec<u8>| RawAttribute {
            typ: AttrType(typ),
            length: 0,
            value,
        };
        raw(USERNAME, self.username.as_bytes().to_vec())
            .add_to(&mut m)
            .map_err(encode_failed)?;
        let role = if self.controlling {
            ICE_CONTROLLING
        } else {
            ICE_CONTROLLED
        };
        raw(role, self.tiebreaker.to_be_bytes().to_vec())
            .add_to(&mut m)
            .map_err(encode_failed)?;
        if self.use_candidate {
            raw(USE_CANDIDATE, Vec::new())
                .add_to(&mut m)
                .map_err(encode_failed)?;
        }
        raw(PRIORITY, self.priority.to_be_bytes().to_vec())
            .add_to(&mut m)
            .map_err(encode_failed)?;
        finish(m, Some(&ResponseKey::new(self.password)))
    }
}

/// The reason phrase this agent sends with an error code.
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthenticated",
        420 => "Unknown Attribute",
        487 => "Role Conflict",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut v = vec![0x00, 0x01, 0, 0, 0x21, 0x12, 0xA4, 0x42];
        v.extend_from_slice(&[7; 12]);
        for (t, val) in attrs {
            v.extend_from_slice(&t.to_be_bytes());
            v.extend_from_slice(&(val.len() as u16).to_be_bytes());
            v.extend_from_slice(val);
            while v.len() % 4 != 0 {
                v.push(0);
            }
        }
        let len = (v.len() - 20) as u16;
        v[2..4].copy_from_slice(&len.to_be_bytes());
        v
    }

    #[test]
    fn request_builder_and_response_accessors() {
        let req = BindingRequest {
            transaction_id: [1; 12],
            username: "abcd:efgh",
            password: "0123456789012345678901",
            priority: 7,
            tiebreaker: 9,
            controlling: true,
            use_candidate: true,
        }
        .encode()
        .unwrap();
        let m = StunMessage::parse(&req).unwrap();
        assert!(m.is_binding_request());
        assert_eq!(m.priority().unwrap(), Some(7));
        assert_eq!(m.ice_controlling().unwrap(), Some(9));
        assert!(m.use_candidate());
        assert_eq!(m.fingerprint_ok(), Some(true));
        assert!(m.verify_integrity(b"0123456789012345678901"));

        for addr in ["192.0.2.1:5000", "[2001:db8::9]:6000"] {
            let addr: SocketAddr = addr.parse().unwrap();
            let key = ResponseKey::new("pw");
            let ok = binding_success([5; 12], addr, &key).unwrap();
            let r = StunMessage::parse(&ok).unwrap();
            assert_eq!(r.class(), StunClass::Success);
            assert_eq!(r.xor_mapped_address(), Some(addr));
            assert!(r.verify_integrity(b"pw"));
        }
        let err = binding_error([5; 12], 487, &[], None).unwrap();
        let r = StunMessage::parse(&err).unwrap();
        assert_eq!(r.class(), StunClass::Error);
        assert_eq!(r.error_code(), Some(487));
        assert!(!r.has_integrity());
    }

    #[test]
    fn header_rules() {
        assert!(StunMessage::parse(&[]).is_err());
        let ok = request(&[(USERNAME, b"abcd:efgh")]);
        let m = StunMessage::parse(&ok).unwrap();
        assert!(m.is_binding_request());
        assert_eq!(m.username(), Some(&b"abcd:efgh"[..]));
        assert_eq!(m.transaction_id(), [7; 12]);

        let mut bad = ok.clone();
        bad[0] |= 0x40;
        assert_eq!(StunMessage::parse(&bad).unwrap_err().offset(), Some(0));
        let mut bad = ok.clone();
        bad[4] = 0;
        assert_eq!(StunMessage::parse(&bad).unwrap_err().offset(), Some(4));
        let mut bad = ok.clone();
        bad.push(0);
        assert!(StunMessage::parse(&bad).is_err());
        let mut bad = ok.clone();
        bad[23] = 200; // attribute length past the end
        assert_eq!(StunMessage::parse(&bad).unwrap_err().offset(), Some(20));
    }

    #[test]
    fn class_and_method_bits() {
        let mut v = request(&[]);
        for (t, class) in [
            (0x0001u16, StunClass::Request),
            (0x0011, StunClass::Indication),
            (0x0101, StunClass::Success),
            (0x0111, StunClass::Error),
        ] {
            v[0..2].copy_from_slice(&t.to_be_bytes());
            let m = StunMessage::parse(&v).unwrap();
            assert_eq!(m.class(), class);
            assert_eq!(m.method(), 1);
        }
        v[0..2].copy_from_slice(&0x3EEFu16.to_be_bytes());
        assert_eq!(StunMessage::parse(&v).unwrap().method(), 0xFFF);
    }

    #[test]
    fn nothing_after_fingerprint() {
        let v = request(&[(FINGERPRINT_ATTR, &[0; 4]), (PRIORITY, &[0; 4])]);
        assert!(StunMessage::parse(&v).is_err());
        let v = request(&[(MESSAGE_INTEGRITY, &[0; 3])]);
        assert!(StunMessage::parse(&v).is_err());
    }

    #[test]
    fn attributes_after_integrity_are_ignored() {
        let v = request(&[(MESSAGE_INTEGRITY, &[0; 20]), (PRIORITY, &[0, 0, 0, 9])]);
        let m = StunMessage::parse(&v).unwrap();
        assert_eq!(m.priority().unwrap(), None);
        assert!(m.unknown_required().next().is_none());
    }

    #[test]
    fn unknown_required_attributes() {
        let v = request(&[(0x0030, b"x"), (0xC057, b"yy"), (PRIORITY, &[0, 0, 0, 1])]);
        let m = StunMessage::parse(&v).unwrap();
        assert_eq!(m.unknown_required().collect::<Vec<_>>(), vec![0x0030]);
        assert_eq!(m.priority().unwrap(), Some(1));
    }
}
