//! The SIP message layer (RFC 3261 §7, §18.3, §19, §20, §25; RFC 3581;
//! RFC 5626 keep-alives).
//!
//! * [`Message`] parses one message in place, from a datagram or from a
//!   [`Framer`] on a stream, and decodes headers on demand into the types of
//!   this module ([`Via`], [`NameAddr`], [`CSeq`], [`Contact`], [`Uri`], ...).
//! * [`Message::validate`] applies the strict checks of an edge device.
//! * [`MessageBuilder`] answers requests, originates them and edits received
//!   messages, and serializes.
//!
//! Transactions, dialogs and authentication are left to the host: this room
//! only reads and writes messages.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

mod builder;
mod framer;
mod headers;
mod lex;
mod message;
mod name;
mod uri;
pub mod validate;

pub use builder::{new_branch, new_tag, reason_phrase, MessageBuilder, BRANCH_COOKIE};
pub use framer::{Frame, Framer};
pub use headers::{
    parse_call_id, parse_date, parse_delta_seconds, CSeq, Contact, MediaType, NameAddr, Via,
};
pub use lex::{percent_decode, CommaSplit};
pub use message::{Header, Limits, Message, Method, StartLine, HEADER_CAPACITY};
pub use name::HeaderName;
pub use uri::{Host, ParamIter, Params, Scheme, Uri};
