//! `Offer::parse` on arbitrary text, and `create_answer` whenever the parse
//! succeeds.
//!
//! Besides "no panic", checks that errors point into the input, that every
//! parsed section's offset is an `m=` line of the input, and that an
//! answer, when one is made, carries no `a=crypto`, declares `a=ice-lite`,
//! and parses again.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mediaplane::ice::{host_candidates, IceCredentials};
use mediaplane::sdp::{create_answer, AnswerOptions, Offer};

mod common;
use common::assert_error_offset;

const FINGERPRINT: &str = "sha-256 0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0:0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0";

fuzz_target!(|data: &[u8]| {
    let offer = match Offer::parse(data) {
        Ok(o) => o,
        Err(e) => {
            assert_error_offset(&e, 0, data.len());
            return;
        }
    };
    for s in &offer.media {
        assert!(data.get(s.offset..).is_some_and(|r| r.starts_with(b"m=")));
    }
    if let Err(e) = offer.check_webrtc() {
        assert_error_offset(&e, 0, data.len());
    }
    let Ok(ice) = IceCredentials::new("lOcAl123", "0123456789abcdefghijklmn") else {
        return;
    };
    let Ok(mut opts) = AnswerOptions::new(ice, FINGERPRINT) else {
        return;
    };
    opts.candidates = host_candidates(&[SocketAddr::from(([192, 0, 2, 1], 40000))]);
    opts.video_codecs = vec!["VP8".into(), "H264".into(), "rtx".into()];
    opts.extmap_uris = vec!["urn:ietf:params:rtp-hdrext:sdes:mid".into()];
    opts.accept_simulcast = true;
    opts.tls_id = Some("abc123".into());
    if let Ok(answer) = create_answer(&offer, &opts) {
        assert!(!answer.sdp.contains("a=crypto"));
        assert!(answer.sdp.contains("a=ice-lite\r\n"));
        let back = Offer::parse(&answer.sdp).expect("our answer parses");
        assert!(back.ice_lite);
        assert_eq!(back.media.len(), offer.media.len());
    }
});

use std::net::SocketAddr;
