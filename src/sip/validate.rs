//! Strict checks an edge device applies before accepting a message.
//!
//! Parsing ([`super::Message::parse`]) only frames a message; this pass
//! decodes every header it knows a grammar for and applies the request
//! rules of RFC 3261 §8.2 and §16.3 that make a message well-formed enough
//! to process, so that every case of RFC 4475 §3.1.2 and §3.3 is caught:
//! the SIP version (505), the mandatory headers Via, From, To, Call-ID and
//! CSeq appearing once (Max-Forwards may be absent, as deployed equipment
//! sends such requests), the CSeq method matching the request method, a
//! single Content-Length, a Content-Type when there is a body, and no
//! headers in a Request-URI (§19.1.1). It returns the first problem found.

use super::headers::{
    parse_date, parse_delta_seconds, parse_retry_after, parse_warning, Contact, MediaType, NameAddr,
};
use super::lex;
use super::message::{Message, Method};
use super::name::HeaderName;
use super::uri::Scheme;
use crate::error::{Error, Result};

/// Runs every check; see the module docs.
pub fn validate(m: &Message<'_>) -> Result<()> {
    if !m.version().eq_ignore_ascii_case("SIP/2.0") {
        return Err(Error::invalid("unsupported sip version", None));
    }
    // Mandatory headers (§8.1.1) and the ones that must appear once.
    for (name, what) in [
        (HeaderName::From, "from"),
        (HeaderName::To, "to"),
        (HeaderName::CallId, "call-id"),
        (HeaderName::CSeq, "cseq"),
    ] {
        let mut it = m.headers_named(name);
        let Some(first) = it.next() else {
            return Err(Error::invalid(missing(what), None));
        };
        if let Some(dup) = it.next() {
            return Err(Error::invalid(duplicate(what), Some(dup.offset)));
        }
        if first.value.is_empty() {
            return Err(Error::parse(what, "empty value", first.offset));
        }
    }
    if m.header(HeaderName::Via).is_none() {
        return Err(Error::invalid("missing via header", None));
    }
    for v in m.vias() {
        v?;
    }
    m.from()?;
    m.to()?;
    m.call_id()?;
    let cseq = m.cseq()?;
    m.max_forwards()?;

    for name in [
        HeaderName::MaxForwards,
        HeaderName::ContentType,
        HeaderName::Expires,
        HeaderName::Date,
    ] {
        let mut it = m.headers_named(name);
        it.next();
        if let Some(dup) = it.next() {
            return Err(Error::invalid(
                "header that must appear once appears twice",
                Some(dup.offset),
            ));
        }
    }
    let mut cls = m.headers_named(HeaderName::ContentLength);
    cls.next();
    if let Some(other) = cls.next() {
        return Err(Error::invalid(
            "more than one content-length",
            Some(other.offset),
        ));
    }

    let mut star = None;
    let mut contacts = 0usize;
    for (v, off) in m.values(HeaderName::Contact) {
        contacts += 1;
        if Contact::parse(v, off)? == Contact::Star {
            star = Some(off);
        }
    }
    if let Some(off) = star {
        // §10.2.2: '*' only alone, in a REGISTER with Expires: 0
        let expires_zero = m.expires()? == Some(0);
        if contacts > 1 || m.method() != Some(Method::Register) || !expires_zero {
            return Err(Error::invalid(
                "contact '*' is only allowed alone in a register with expires 0",
                Some(off),
            ));
        }
    }
    for r in m.routes() {
        r?;
    }
    for r in m.record_routes() {
        r?;
    }
    for name in [
        HeaderName::ReplyTo,
        HeaderName::ReferTo,
        HeaderName::ReferredBy,
    ] {
        for h in m.headers_named(name) {
            NameAddr::parse(h.value, h.offset, "address header")?;
        }
    }
    if let Some(h) = m.header(HeaderName::Expires) {
        parse_delta_seconds(h.value, h.offset, "expires")?;
    }
    if let Some(h) = m.header(HeaderName::MinExpires) {
        parse_delta_seconds(h.value, h.offset, "min-expires")?;
    }
    for (v, off) in m.values(HeaderName::Warning) {
        parse_warning(v, off)?;
    }
    for h in m.headers_named(HeaderName::RetryAfter) {
        parse_retry_after(h.value, h.offset)?;
    }
    if let Some(h) = m.header(HeaderName::Date) {
        parse_date(h.value, h.offset)?;
    }
    for h in m.headers_named(HeaderName::Accept) {
        for (v, off) in h.split_commas() {
            if !v.is_empty() {
                MediaType::parse(v, off)?;
            }
        }
    }
    let ctype = m.content_type()?;
    if !m.body().is_empty() && ctype.is_none() {
        return Err(Error::invalid(
            "body without content-type",
            Some(m.body_offset()),
        ));
    }
    for list in [
        HeaderName::Require,
        HeaderName::ProxyRequire,
        HeaderName::Supported,
        HeaderName::Unsupported,
        HeaderName::Allow,
    ] {
        for h in m.headers_named(list) {
            for (v, off) in h.split_commas() {
                if v.is_empty() || !v.iter().all(|&b| lex::is_token(b)) {
                    return Err(Error::parse("option tag list", "expected a token", off));
                }
            }
        }
    }

    if let Some(method) = m.method() {
        if cseq.method != method {
            return Err(Error::invalid(
                "cseq method does not match the request method",
                None,
            ));
        }
        let uri = m.uri().unwrap_or(Err(Error::NotFound("request-uri")))?;
        if matches!(uri.scheme, Scheme::Sip | Scheme::Sips) && !uri.headers.is_empty() {
            return Err(Error::invalid("request-uri must not carry headers", None));
        }
    }
    Ok(())
}

fn missing(what: &str) -> &'static str {
    match what {
        "from" => "missing from header",
        "to" => "missing to header",
        "call-id" => "missing call-id header",
        _ => "missing cseq header",
    }
}

fn duplicate(what: &str) -> &'static str {
    match what {
        "from" => "more than one from header",
        "to" => "more than one to header",
        "call-id" => "more than one call-id header",
        _ => "more than one cseq header",
    }
}
