//! RTP and RTCP packet path (RFC 3550, RFC 8285, RFC 5506, RFC 4585,
//! RFC 5104, RFC 7983).

pub mod rtcp;
