//! Once a stream exists, protecting and unprotecting SRTP and SRTCP
//! allocates nothing, for every profile.
//!
//! A counting global allocator wraps the system one. Only allocations made
//! by a thread while its `COUNTING` flag is set are counted, so other tests
//! of this binary running on other threads do not disturb the measurement.
//! Buffers are made before counting starts; the counted section only copies
//! into them and calls the context.

use std::hint::black_box;

use mediaplane::srtp::{Profile, SrtpContext};

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_in;

const SSRC: u32 = 0x1122_3344;

fn rtp(seq: u16, payload: usize) -> Vec<u8> {
    let mut p = vec![0x80, 0x00];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&SSRC.to_be_bytes());
    p.extend((0..payload).map(|i| i as u8));
    p
}

fn rtcp(words: u16) -> Vec<u8> {
    let mut p = vec![0x80, 200];
    p.extend_from_slice(&words.to_be_bytes());
    p.extend_from_slice(&SSRC.to_be_bytes());
    p.extend((0..4 * usize::from(words) - 4).map(|i| i as u8));
    p
}

#[test]
fn counter_sees_allocations() {
    let n = allocations_in(|| {
        black_box(vec![0u8; 64]);
    });
    assert!(
        n >= 1,
        "the counting allocator did not see a Vec allocation"
    );
}

#[test]
fn protect_and_unprotect_allocate_nothing() {
    const PACKETS: u16 = 300;
    for profile in Profile::ALL {
        let key: Vec<u8> = (0..profile.master_key_len() as u8).collect();
        let salt: Vec<u8> = (0..profile.master_salt_len() as u8).map(|b| !b).collect();
        let mut tx = SrtpContext::new(profile, &key, &salt).unwrap();
        let mut rx = SrtpContext::new(profile, &key, &salt).unwrap();

        // The streams come into being with the first packet each way.
        let start = 65_500u16;
        let mut first = rtp(start, 160);
        tx.protect_rtp_vec(&mut first).unwrap();
        rx.unprotect_rtp(&mut first).unwrap();
        let mut first = rtcp(7);
        tx.protect_rtcp_vec(&mut first).unwrap();
        rx.unprotect_rtcp(&mut first).unwrap();

        // Plaintexts of several sizes, across the sequence wrap, and the
        // buffers to work in, all made before counting.
        let sizes = [0usize, 1, 160, 1200];
        let plains: Vec<Vec<u8>> = (1..=PACKETS)
            .map(|i| rtp(start.wrapping_add(i), sizes[usize::from(i) % sizes.len()]))
            .collect();
        let rtcp_plains: Vec<Vec<u8>> = (1..=PACKETS).map(|i| rtcp(1 + i % 60)).collect();
        let mut buf = vec![0u8; 1500];
        let mut rtcp_buf = vec![0u8; 1500];

        let mut failure = None;
        let n = allocations_in(|| {
            for (p, r) in plains.iter().zip(&rtcp_plains) {
                buf[..p.len()].copy_from_slice(p);
                let len = match tx.protect_rtp(&mut buf, p.len()) {
                    Ok(len) => len,
                    Err(e) => return failure = Some(("protect_rtp", e)),
                };
                if let Err(e) = rx.unprotect_rtp(&mut buf[..len]) {
                    return failure = Some(("unprotect_rtp", e));
                }
                rtcp_buf[..r.len()].copy_from_slice(r);
                let len = match tx.protect_rtcp(&mut rtcp_buf, r.len()) {
                    Ok(len) => len,
                    Err(e) => return failure = Some(("protect_rtcp", e)),
                };
                if let Err(e) = rx.unprotect_rtcp(&mut rtcp_buf[..len]) {
                    return failure = Some(("unprotect_rtcp", e));
                }
                black_box((&buf, &rtcp_buf));
            }
        });
        if let Some((what, e)) = failure {
            panic!("{profile}: {what}: {e}");
        }
        assert_eq!(
            n, 0,
            "{profile}: {PACKETS} packets each way allocated {n} times"
        );
        assert_eq!(rx.roc(SSRC), Some(1), "{profile}: the wrap was crossed");
    }
}
