//! The crate's one error type.
//!
//! Every fallible call in `mediaplane` returns [`Error`]. Its [`Error::kind`]
//! maps one-to-one onto the C `mp_status` codes (see [`ErrorKind::code`]), so a
//! C host and a Rust host see the same classification. Errors never allocate:
//! the parts they carry are static strings and numbers, so building one on a
//! hostile packet costs nothing.

use core::fmt;

/// What went wrong, as a small closed set; one-to-one with the C `mp_status`
/// codes other than `MP_OK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A required pointer argument was NULL (C ABI only).
    NullPointer,
    /// An argument is out of its allowed range or inconsistent.
    InvalidArgument,
    /// Input bytes do not follow the protocol grammar.
    Parse,
    /// Input is well-formed but breaks a protocol rule (a missing mandatory
    /// header, a CSeq method that does not match the request, ...).
    Invalid,
    /// A configured limit (message size, header count, line length) was hit.
    Limit,
    /// The input ends before the item is complete.
    Incomplete,
    /// The caller's output buffer is too small; the size needed is reported.
    BufferTooSmall,
    /// The item asked for is not present.
    NotFound,
    /// The input uses a feature this library does not implement.
    Unsupported,
    /// A Rust panic was caught at the C boundary (C ABI only).
    Panic,
    /// An authentication tag did not verify.
    AuthFailed,
    /// A packet index was already seen or is too old for the replay window.
    Replay,
    /// A key reached its usage limit; re-key before sending or receiving more.
    KeyLimit,
    /// A packet's SSRC has no stream in the context.
    UnknownSsrc,
}

impl ErrorKind {
    /// The numeric `mp_status` code of this kind (never 0, which is `MP_OK`).
    pub const fn code(self) -> i32 {
        match self {
            ErrorKind::NullPointer => 1,
            ErrorKind::InvalidArgument => 2,
            ErrorKind::Parse => 3,
            ErrorKind::Invalid => 4,
            ErrorKind::Limit => 5,
            ErrorKind::Incomplete => 6,
            ErrorKind::BufferTooSmall => 7,
            ErrorKind::NotFound => 8,
            ErrorKind::Unsupported => 9,
            ErrorKind::Panic => 10,
            ErrorKind::AuthFailed => 11,
            ErrorKind::Replay => 12,
            ErrorKind::KeyLimit => 13,
            ErrorKind::UnknownSsrc => 14,
        }
    }

    /// A short static description of the kind.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NullPointer => "null pointer argument",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Parse => "malformed input",
            ErrorKind::Invalid => "protocol rule violated",
            ErrorKind::Limit => "limit exceeded",
            ErrorKind::Incomplete => "incomplete input",
            ErrorKind::BufferTooSmall => "buffer too small",
            ErrorKind::NotFound => "not found",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Panic => "internal panic",
            ErrorKind::AuthFailed => "authentication failed",
            ErrorKind::Replay => "replayed packet",
            ErrorKind::KeyLimit => "key usage limit reached",
            ErrorKind::UnknownSsrc => "unknown ssrc",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of every fallible `mediaplane` call.
///
/// Messages are lowercase and say what was expected, what was found and, for
/// input bytes, at which byte offset of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input breaks the grammar of `what`.
    #[error("malformed {what} at byte {offset}: {reason}")]
    Parse {
        /// The grammar element being parsed (`"request line"`, `"via"`, ...).
        what: &'static str,
        /// What was expected or found.
        reason: &'static str,
        /// Byte offset into the input where the problem was seen.
        offset: usize,
    },
    /// The input is well-formed but breaks a protocol rule.
    #[error("invalid message: {reason}")]
    Invalid {
        /// The rule that was broken.
        reason: &'static str,
        /// Byte offset of the offending element, when there is one.
        offset: Option<usize>,
    },
    /// A configured limit was exceeded.
    #[error("{what} exceeds the limit of {limit} (at byte {offset})")]
    Limit {
        /// What grew too large (`"message size"`, `"header count"`, ...).
        what: &'static str,
        /// The limit in force.
        limit: usize,
        /// Byte offset where the limit was crossed.
        offset: usize,
    },
    /// The input ended before `what` was complete.
    #[error("incomplete {what}: input ends at byte {offset}")]
    Incomplete {
        /// The element that was cut short.
        what: &'static str,
        /// Length of the input that was seen.
        offset: usize,
    },
    /// The caller's buffer cannot hold the output.
    #[error("buffer too small: need {needed} bytes")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// Something asked for is not present.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// An argument is out of range or inconsistent.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// A feature the input uses is not implemented.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// A required pointer was NULL (C ABI).
    #[error("null pointer: {0}")]
    NullPointer(&'static str),
    /// A panic was caught at the C boundary.
    #[error("internal panic caught at the C boundary")]
    Panic,
    /// An authentication tag did not verify.
    #[error("authentication failed: {0}")]
    AuthFailed(&'static str),
    /// A replayed or too old packet index.
    #[error("replayed packet: index {index} {reason}")]
    Replay {
        /// The packet index (SRTP: ROC||SEQ, SRTCP: the 31-bit index).
        index: u64,
        /// `"already seen"` or `"older than the replay window"`.
        reason: &'static str,
    },
    /// A key usage limit was reached.
    #[error("key usage limit reached: {0}")]
    KeyLimit(&'static str),
    /// A packet's SSRC has no stream in the context.
    #[error("unknown ssrc {0:#010x}")]
    UnknownSsrc(u32),
}

impl Error {
    /// The classification of this error, one-to-one with `mp_status`.
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Error::Parse { .. } => ErrorKind::Parse,
            Error::Invalid { .. } => ErrorKind::Invalid,
            Error::Limit { .. } => ErrorKind::Limit,
            Error::Incomplete { .. } => ErrorKind::Incomplete,
            Error::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Unsupported(_) => ErrorKind::Unsupported,
            Error::NullPointer(_) => ErrorKind::NullPointer,
            Error::Panic => ErrorKind::Panic,
            Error::AuthFailed(_) => ErrorKind::AuthFailed,
            Error::Replay { .. } => ErrorKind::Replay,
            Error::KeyLimit(_) => ErrorKind::KeyLimit,
            Error::UnknownSsrc(_) => ErrorKind::UnknownSsrc,
        }
    }

    /// Byte offset into the input where the error was seen, if it concerns
    /// input bytes.
    pub const fn offset(&self) -> Option<usize> {
        match self {
            Error::Parse { offset, .. }
            | Error::Limit { offset, .. }
            | Error::Incomplete { offset, .. } => Some(*offset),
            Error::Invalid { offset, .. } => *offset,
            _ => None,
        }
    }

    pub(crate) const fn parse(what: &'static str, reason: &'static str, offset: usize) -> Self {
        Error::Parse {
            what,
            reason,
            offset,
        }
    }

    pub(crate) const fn invalid(reason: &'static str, offset: Option<usize>) -> Self {
        Error::Invalid { reason, offset }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_nonzero() {
        let kinds = [
            ErrorKind::NullPointer,
            ErrorKind::InvalidArgument,
            ErrorKind::Parse,
            ErrorKind::Invalid,
            ErrorKind::Limit,
            ErrorKind::Incomplete,
            ErrorKind::BufferTooSmall,
            ErrorKind::NotFound,
            ErrorKind::Unsupported,
            ErrorKind::Panic,
            ErrorKind::AuthFailed,
            ErrorKind::Replay,
            ErrorKind::KeyLimit,
            ErrorKind::UnknownSsrc,
        ];
        for (i, a) in kinds.iter().enumerate() {
            assert_ne!(a.code(), 0);
            for b in kinds.iter().skip(i + 1) {
                assert_ne!(a.code(), b.code());
            }
        }
    }

    #[test]
    fn messages_name_offset() {
        let e = Error::parse("via", "expected sent-by", 17);
        assert_eq!(e.to_string(), "malformed via at byte 17: expected sent-by");
        assert_eq!(e.offset(), Some(17));
        assert_eq!(e.kind(), ErrorKind::Parse);
    }
}
