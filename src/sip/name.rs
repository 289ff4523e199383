//! Header names: the RFC 3261 §20 set, the compact forms of §7.3.3 and the
//! IANA registry, matched case-insensitively without allocation.

macro_rules! header_names {
    ($( $(#[$doc:meta])* $variant:ident => $canon:literal $(, $compact:literal)? ;)*) => {
        /// A known SIP header name, or [`HeaderName::Other`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum HeaderName {
            $( $(#[$doc])* $variant, )*
            /// Any header this library has no name for; compare the raw name.
            Other,
        }

        impl HeaderName {
            /// The canonical (long) spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( HeaderName::$variant => $canon, )*
                    HeaderName::Other => "",
                }
            }

            /// The canonical spelling as a NUL-terminated C string.
            pub const fn as_c_str(self) -> &'static core::ffi::CStr {
                match self {
                    $( HeaderName::$variant => {
                        match core::ffi::CStr::from_bytes_with_nul(concat!($canon, "\0").as_bytes()) {
                            Ok(c) => c,
                            Err(_) => c"",
                        }
                    } )*
                    HeaderName::Other => c"",
                }
            }

            /// The compact form of §7.3.3, if the header has one.
            pub const fn compact(self) -> Option<u8> {
                match self {
                    $( HeaderName::$variant => header_names!(@compact $($compact)?), )*
                    HeaderName::Other => None,
                }
            }

            const ALL: &'static [(&'static [u8], HeaderName)] = &[
                $( ($canon.as_bytes(), HeaderName::$variant), )*
            ];
        }
    };
    (@compact $c:literal) => { Some($c) };
    (@compact) => { None };
}

header_names! {
    /// Accept
    Accept => "Accept";
    /// Accept-Contact (RFC 3841)
    AcceptContact => "Accept-Contact", b'a';
    /// Accept-Encoding
    AcceptEncoding => "Accept-Encoding";
    /// Accept-Language
    AcceptLanguage => "Accept-Language";
    /// Alert-Info
    AlertInfo => "Alert-Info";
    /// Allow
    Allow => "Allow";
    /// Allow-Events (RFC 6665)
    AllowEvents => "Allow-Events", b'u';
    /// Authentication-Info
    AuthenticationInfo => "Authentication-Info";
    /// Authorization
    Authorization => "Authorization";
    /// Call-ID
    CallId => "Call-ID", b'i';
    /// Call-Info
    CallInfo => "Call-Info";
    /// Contact
    Contact => "Contact", b'm';
    /// Content-Disposition
    ContentDisposition => "Content-Disposition";
    /// Content-Encoding
    ContentEncoding => "Content-Encoding", b'e';
    /// Content-Language
    ContentLanguage => "Content-Language";
    /// Content-Length
    ContentLength => "Content-Length", b'l';
    /// Content-Type
    ContentType => "Content-Type", b'c';
    /// CSeq
    CSeq => "CSeq";
    /// Date
    Date => "Date";
    /// Error-Info
    ErrorInfo => "Error-Info";
    /// Event (RFC 6665)
    Event => "Event", b'o';
    /// Expires
    Expires => "Expires";
    /// From
    From => "From", b'f';
    /// Identity (RFC 8224)
    Identity => "Identity", b'y';
    /// In-Reply-To
    InReplyTo => "In-Reply-To";
    /// Max-Forwards
    MaxForwards => "Max-Forwards";
    /// MIME-Version
    MimeVersion => "MIME-Version";
    /// Min-Expires
    MinExpires => "Min-Expires";
    /// Organization
    Organization => "Organization";
    /// Priority
    Priority => "Priority";
    /// Proxy-Authenticate
    ProxyAuthenticate => "Proxy-Authenticate";
    /// Proxy-Authorization
    ProxyAuthorization => "Proxy-Authorization";
    /// Proxy-Require
    ProxyRequire => "Proxy-Require";
    /// RAck (RFC 3262)
    RAck => "RAck";
    /// Record-Route
    RecordRoute => "Record-Route";
    /// Refer-To (RFC 3515)
    ReferTo => "Refer-To", b'r';
    /// Referred-By (RFC 3892)
    ReferredBy => "Referred-By", b'b';
    /// Reject-Contact (RFC 3841)
    RejectContact => "Reject-Contact", b'j';
    /// Reply-To
    ReplyTo => "Reply-To";
    /// Request-Disposition (RFC 3841)
    RequestDisposition => "Request-Disposition", b'd';
    /// Require
    Require => "Require";
    /// Retry-After
    RetryAfter => "Retry-After";
    /// Route
    Route => "Route";
    /// RSeq (RFC 3262)
    RSeq => "RSeq";
    /// Server
    Server => "Server";
    /// Session-Expires (RFC 4028)
    SessionExpires => "Session-Expires", b'x';
    /// Subject
    Subject => "Subject", b's';
    /// Supported
    Supported => "Supported", b'k';
    /// Timestamp
    Timestamp => "Timestamp";
    /// To
    To => "To", b't';
    /// Unsupported
    Unsupported => "Unsupported";
    /// User-Agent
    UserAgent => "User-Agent";
    /// Via
    Via => "Via", b'v';
    /// Warning
    Warning => "Warning";
    /// WWW-Authenticate
    WwwAuthenticate => "WWW-Authenticate";
}

/// Size of the open-addressing table [`HeaderName::classify`] probes. Over
/// twice the number of names, so a probe sequence is short and always meets
/// an empty slot.
const SLOTS: usize = 128;

/// `ALL` index + 1 of the name hashed to each slot (linear probing), 0 for an
/// empty slot.
const TABLE: [u8; SLOTS] = build_table();

/// Case-insensitive hash of a name of two or more bytes. The multipliers
/// leave the registered names almost collision-free in 128 slots.
#[inline]
const fn slot(first: u8, last: u8, len: usize) -> usize {
    (first.to_ascii_lowercase() as usize * 7 + last.to_ascii_lowercase() as usize * 19 + len * 9)
        % SLOTS
}

// Indexing is evaluated at compile time here: an out-of-range index fails the
// build rather than panicking, and the `get` family is not const.
#[allow(clippy::indexing_slicing)]
const fn build_table() -> [u8; SLOTS] {
    let all = HeaderName::ALL;
    assert!(all.len() < SLOTS && all.len() < u8::MAX as usize);
    let mut table = [0u8; SLOTS];
    let mut i = 0;
    while i < all.len() {
        let name = all[i].0;
        assert!(name.len() >= 2);
        // `same_name` relies on canonical names being letters and '-'.
        let mut k = 0;
        while k < name.len() {
            assert!(name[k].is_ascii_alphabetic() || name[k] == b'-');
            k += 1;
        }
        let mut s = slot(name[0], name[name.len() - 1], name.len());
        while table[s] != 0 {
            s = (s + 1) % SLOTS;
        }
        table[s] = (i + 1) as u8;
        i += 1;
    }
    table
}

/// `N` bytes of `s` from `at`, little-endian in a word (zero if out of
/// range, which the callers rule out).
#[inline(always)]
fn word<const N: usize>(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let (Some(d), Some(src)) = (w.get_mut(..N), s.get(at..at + N)) {
        d.copy_from_slice(src);
    }
    u64::from_le_bytes(w)
}

/// Whether the bytes `b` spell the canonical word `a` up to the case of its
/// letters. Canonical names hold only letters and '-', and a letter is
/// exactly a byte of theirs with bit 6 set: there `b` may differ by the case
/// bit 0x20, elsewhere not at all.
#[inline(always)]
const fn same_word(a: u64, b: u64) -> bool {
    let case = (a & 0x4040_4040_4040_4040) >> 1;
    (a ^ b) & !case == 0
}

/// [`same_name`] for names of at least `N` bytes, `N` at a time; the last
/// word may overlap the one before it.
#[inline(always)]
fn same_words<const N: usize>(canon: &[u8], name: &[u8]) -> bool {
    let len = name.len();
    let mut at = 0;
    while at + N < len {
        if !same_word(word::<N>(canon, at), word::<N>(name, at)) {
            return false;
        }
        at += N;
    }
    same_word(word::<N>(canon, len - N), word::<N>(name, len - N))
}

/// Case-insensitive comparison of a wire name with a canonical one.
#[inline]
fn same_name(canon: &[u8], name: &[u8]) -> bool {
    if canon.len() != name.len() {
        return false;
    }
    match name.len() {
        0..=1 => canon == name,
        2..=3 => same_words::<2>(canon, name),
        4..=7 => same_words::<4>(canon, name),
        _ => same_words::<8>(canon, name),
    }
}

impl HeaderName {
    /// Classifies a header name as it appears on the wire (any case, long or
    /// compact form).
    #[inline]
    pub fn classify(name: &[u8]) -> HeaderName {
        match name {
            [c] => Self::from_compact(*c),
            [] => HeaderName::Other,
            [first, .., last] => {
                // Every message classifies each of its header names, so this
                // is one hash and, almost always, one comparison.
                let mut s = slot(*first, *last, name.len());
                loop {
                    let entry = TABLE.get(s).copied().unwrap_or(0);
                    let Some(&(canon, h)) = Self::ALL.get(usize::from(entry).wrapping_sub(1))
                    else {
                        return HeaderName::Other;
                    };
                    if same_name(canon, name) {
                        return h;
                    }
                    s = (s + 1) % SLOTS;
                }
            }
        }
    }

    /// The header whose discriminant is `n`; `Other` past the known ones.
    #[inline]
    pub(crate) fn from_number(n: u8) -> HeaderName {
        Self::ALL
            .get(usize::from(n))
            .map_or(HeaderName::Other, |&(_, h)| h)
    }

    fn from_compact(c: u8) -> HeaderName {
        match c.to_ascii_lowercase() {
            b'a' => HeaderName::AcceptContact,
            b'b' => HeaderName::ReferredBy,
            b'c' => HeaderName::ContentType,
            b'd' => HeaderName::RequestDisposition,
            b'e' => HeaderName::ContentEncoding,
            b'f' => HeaderName::From,
            b'i' => HeaderName::CallId,
            b'j' => HeaderName::RejectContact,
            b'k' => HeaderName::Supported,
            b'l' => HeaderName::ContentLength,
            b'm' => HeaderName::Contact,
            b'o' => HeaderName::Event,
            b'r' => HeaderName::ReferTo,
            b's' => HeaderName::Subject,
            b't' => HeaderName::To,
            b'u' => HeaderName::AllowEvents,
            b'v' => HeaderName::Via,
            b'x' => HeaderName::SessionExpires,
            b'y' => HeaderName::Identity,
            _ => HeaderName::Other,
        }
    }

    /// Whether a header of this name may carry several comma-separated
    /// values (RFC 3261 §7.3.1), so that splitting at commas is meaningful.
    pub const fn is_list(self) -> bool {
        matches!(
            self,
            HeaderName::Via
                | HeaderName::Contact
                | HeaderName::Route
                | HeaderName::RecordRoute
                | HeaderName::Accept
                | HeaderName::AcceptEncoding
                | HeaderName::AcceptLanguage
                | HeaderName::AlertInfo
                | HeaderName::Allow
                | HeaderName::AllowEvents
                | HeaderName::CallInfo
                | HeaderName::ContentEncoding
                | HeaderName::ContentLanguage
                | HeaderName::ErrorInfo
                | HeaderName::InReplyTo
                | HeaderName::ProxyRequire
                | HeaderName::Require
                | HeaderName::Supported
                | HeaderName::Unsupported
                | HeaderName::Warning
                | HeaderName::AcceptContact
                | HeaderName::RejectContact
                | HeaderName::RequestDisposition
        )
    }

    /// Whether `raw` (a name as found on the wire, or a name a caller asks
    /// for) denotes this header.
    pub fn matches(self, raw: &[u8]) -> bool {
        Self::classify(raw) == self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_long_forms() {
        assert_eq!(HeaderName::classify(b"v"), HeaderName::Via);
        assert_eq!(HeaderName::classify(b"VIA"), HeaderName::Via);
        assert_eq!(HeaderName::classify(b"call-id"), HeaderName::CallId);
        assert_eq!(HeaderName::classify(b"I"), HeaderName::CallId);
        assert_eq!(HeaderName::classify(b"cseq"), HeaderName::CSeq);
        assert_eq!(HeaderName::classify(b"X-Foo"), HeaderName::Other);
        assert_eq!(HeaderName::classify(b"z"), HeaderName::Other);
        for c in b"imelcfsktvorbuxyajd" {
            let h = HeaderName::classify(&[*c]);
            assert_ne!(h, HeaderName::Other);
            assert_eq!(h.compact(), Some(*c));
            assert_eq!(HeaderName::classify(h.as_str().as_bytes()), h);
        }
    }

    #[test]
    fn numbers_round_trip() {
        for &(_, h) in HeaderName::ALL {
            assert_eq!(HeaderName::from_number(h as u8), h);
        }
        let other = HeaderName::Other as u8;
        assert_eq!(HeaderName::from_number(other), HeaderName::Other);
        assert_eq!(HeaderName::from_number(u8::MAX), HeaderName::Other);
    }

    /// The hashed lookup agrees with a plain scan of the table.
    #[test]
    fn classify_matches_a_linear_scan() {
        let scan = |name: &[u8]| match name {
            [c] => HeaderName::from_compact(*c),
            _ => HeaderName::ALL
                .iter()
                .find(|(canon, _)| canon.eq_ignore_ascii_case(name))
                .map_or(HeaderName::Other, |&(_, h)| h),
        };
        for &(canon, h) in HeaderName::ALL {
            let lower = canon.to_ascii_lowercase();
            let upper = canon.to_ascii_uppercase();
            for name in [canon, &lower[..], &upper[..]] {
                assert_eq!(HeaderName::classify(name), h, "{}", h.as_str());
            }
            // near misses: one byte changed, one byte more or less
            for i in 0..canon.len() {
                let mut n = canon.to_vec();
                if let Some(b) = n.get_mut(i) {
                    *b ^= 0x01;
                }
                assert_eq!(HeaderName::classify(&n), scan(&n));
            }
            let mut longer = canon.to_vec();
            longer.push(b'x');
            assert_eq!(HeaderName::classify(&longer), scan(&longer));
            let shorter = canon.get(1..).unwrap_or_default();
            assert_eq!(HeaderName::classify(shorter), scan(shorter));
        }
        for other in [
            &b"X-Foo"[..],
            b"Via-",
            b"P-Asserted-Identity",
            b"Call\rID",
            b"\xff\xfe",
        ] {
            assert_eq!(HeaderName::classify(other), HeaderName::Other);
        }
    }
}
