//! Two DTLS-SRTP endpoints against each other in memory, with a simulated
//! clock and a network that loses what a test tells it to.

use std::time::{Duration, Instant};

use mediaplane::dtls::{
    Certificate, CloseReason, DtlsConfig, DtlsEndpoint, DtlsEvent, DtlsState, Fingerprint,
    HashAlgorithm, Role,
};
use mediaplane::srtp::Profile;

const PROFILES: [Profile; 4] = [
    Profile::Aes128CmHmacSha1_80,
    Profile::Aes128CmHmacSha1_32,
    Profile::AeadAes128Gcm,
    Profile::AeadAes256Gcm,
];

struct Side {
    ep: DtlsEndpoint,
    cert: Certificate,
    events: Vec<DtlsEvent>,
    /// (time since the start, datagram) of everything this side sent.
    sent: Vec<(Duration, Vec<u8>)>,
}

impl Side {
    fn new(ep: DtlsEndpoint, cert: Certificate) -> Self {
        Side {
            ep,
            cert,
            events: Vec::new(),
            sent: Vec::new(),
        }
    }

    fn done(&self) -> bool {
        matches!(self.ep.state(), DtlsState::Connected | DtlsState::Closed)
    }

    fn closed_reason(&self) -> Option<&CloseReason> {
        self.events.iter().find_map(|e| match e {
            DtlsEvent::Closed { reason } => Some(reason),
            _ => None,
        })
    }

    fn keys(&self) -> &mediaplane::dtls::SrtpKeyingMaterial {
        self.events
            .iter()
            .find_map(|e| match e {
                DtlsEvent::KeysReady(k) => Some(k),
                _ => None,
            })
            .expect("keys ready")
    }
}

/// A client and a server that know each other's fingerprints.
fn pair(client_cfg: &DtlsConfig, server_cfg: &DtlsConfig) -> (Side, Side) {
    let cc = Certificate::generate().unwrap();
    let sc = Certificate::generate().unwrap();
    let c = DtlsEndpoint::new(Role::Client, &cc, &[sc.fingerprint()], client_cfg).unwrap();
    let s = DtlsEndpoint::new(Role::Server, &sc, &[cc.fingerprint()], server_cfg).unwrap();
    (Side::new(c, cc), Side::new(s, sc))
}

/// Which datagram a loss rule is asked about: from the client (true) or
/// the server, and its index among that side's datagrams.
type Lose<'a> = &'a mut dyn FnMut(bool, usize, &[u8]) -> bool;

/// Moves datagrams from one side to the other; true if any moved.
fn pump(
    from: &mut Side,
    to: &mut Side,
    from_client: bool,
    t0: Instant,
    now: Instant,
    lose: Lose,
) -> bool {
    let mut moved = false;
    while let Some(d) = from.ep.poll_transmit() {
        moved = true;
        let i = from.sent.len();
        from.sent.push((now - t0, d.clone()));
        if !lose(from_client, i, &d) && to.ep.state() != DtlsState::Closed {
            to.ep.handle_datagram(now, &d).unwrap();
        }
    }
    while let Some(e) = from.ep.poll_event() {
        from.events.push(e);
    }
    while let Some(e) = to.ep.poll_event() {
        to.events.push(e);
    }
    moved
}

/// Runs the handshake from `t0` until both sides are done and quiet, or
/// `limit` of simulated time passes. Returns the simulated time at the end.
fn drive(c: &mut Side, s: &mut Side, t0: Instant, limit: Duration, lose: Lose) -> Instant {
    let mut now = t0;
    c.ep.start(now);
    s.ep.start(now);
    for _ in 0..10_000 {
        let a = pump(c, s, true, t0, now, lose);
        let b = pump(s, c, false, t0, now, lose);
        if a || b {
            continue;
        }
        if c.done() && s.done() {
            break;
        }
        let next = [c.ep.poll_timeout(), s.ep.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(next) = next else { break };
        if next - t0 > limit {
            break;
        }
        now = now.max(next);
        c.ep.handle_timeout(now);
        s.ep.handle_timeout(now);
    }
    now
}

fn no_loss() -> impl FnMut(bool, usize, &[u8]) -> bool {
    |_, _, _| false
}

fn rtp(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 160, 0x11, 0x22, 0x33, 0x44];
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p.extend((0..160).map(|i| i as u8));
    p
}

fn rtcp() -> Vec<u8> {
    // An empty receiver report.
    vec![0x80, 201, 0, 1, 0x11, 0x22, 0x33, 0x44]
}

fn assert_connected(c: &Side, s: &Side, profile: Profile) {
    for (me, peer) in [(c, s), (s, c)] {
        assert_eq!(me.ep.state(), DtlsState::Connected, "{:?}", me.events);
        match &me.events[..] {
            [DtlsEvent::Connected {
                profile: p,
                peer_fingerprint,
            }, DtlsEvent::KeysReady(k)] => {
                assert_eq!(*p, profile);
                assert_eq!(k.profile(), profile);
                assert_eq!(*peer_fingerprint, peer.cert.fingerprint());
                assert_eq!(me.ep.peer_fingerprint(), Some(peer.cert.fingerprint()));
            }
            other => panic!("unexpected events {other:?}"),
        }
    }
    let (ck, sk) = (c.keys(), s.keys());
    assert_eq!(ck.as_bytes(), sk.as_bytes());
    assert_eq!(ck.role(), Role::Client);
    assert_eq!(sk.role(), Role::Server);
    assert_eq!(
        ck.as_bytes().len(),
        2 * (profile.master_key_len() + profile.master_salt_len())
    );

    // Mirrored contexts: what one end protects the other unprotects, both
    // ways, for RTP and RTCP.
    let (mut c_tx, mut c_rx) = ck.contexts().unwrap();
    let (mut s_tx, mut s_rx) = sk.contexts().unwrap();
    for (tx, rx) in [(&mut c_tx, &mut s_rx), (&mut s_tx, &mut c_rx)] {
        for seq in [1u16, 2, 3] {
            let clear = rtp(seq);
            let mut p = clear.clone();
            tx.protect_rtp_vec(&mut p).unwrap();
            assert_ne!(p[12..172], clear[12..]);
            let n = rx.unprotect_rtp(&mut p).unwrap();
            assert_eq!(&p[..n], &clear[..]);
        }
        let clear = rtcp();
        let mut p = clear.clone();
        tx.protect_rtcp_vec(&mut p).unwrap();
        let n = rx.unprotect_rtcp(&mut p).unwrap();
        assert_eq!(&p[..n], &clear[..]);
    }
    // The two directions use different keys.
    let mut p = rtp(9);
    c_tx.protect_rtp_vec(&mut p).unwrap();
    assert!(c_rx.unprotect_rtp(&mut p).is_err());
}

#[test]
fn handshake_completes_with_every_profile() {
    let t0 = Instant::now();
    for profile in PROFILES {
        let cfg = DtlsConfig {
            srtp_profiles: vec![profile],
            ..DtlsConfig::default()
        };
        let (mut c, mut s) = pair(&cfg, &cfg);
        drive(&mut c, &mut s, t0, Duration::from_secs(1), &mut no_loss());
        assert_connected(&c, &s, profile);
        // Without loss nothing waits on a timer.
        assert!(c.sent.iter().all(|(t, _)| t.is_zero()));
        assert_eq!(c.ep.poll_timeout(), None);
        assert_eq!(s.ep.poll_timeout(), None);
    }
}

#[test]
fn either_endpoint_can_take_either_role() {
    // The same two certificates, with the roles swapped, both complete.
    let cfg = DtlsConfig::default();
    let a = Certificate::generate().unwrap();
    let b = Certificate::generate().unwrap();
    for (ca, cb) in [(&a, &b), (&b, &a)] {
        let c = DtlsEndpoint::new(Role::Client, ca, &[cb.fingerprint()], &cfg).unwrap();
        let s = DtlsEndpoint::new(Role::Server, cb, &[ca.fingerprint()], &cfg).unwrap();
        let (mut c, mut s) = (Side::new(c, ca.clone()), Side::new(s, cb.clone()));
        drive(
            &mut c,
            &mut s,
            Instant::now(),
            Duration::from_secs(1),
            &mut no_loss(),
        );
        // The client's first preference wins.
        assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
        assert_eq!(c.ep.role(), Role::Client);
        assert_eq!(s.ep.role(), Role::Server);
    }
}

#[test]
fn the_client_preference_order_decides() {
    let client = DtlsConfig {
        srtp_profiles: vec![Profile::AeadAes256Gcm, Profile::Aes128CmHmacSha1_80],
        ..DtlsConfig::default()
    };
    let server = DtlsConfig {
        srtp_profiles: vec![Profile::Aes128CmHmacSha1_80, Profile::AeadAes256Gcm],
        ..DtlsConfig::default()
    };
    let (mut c, mut s) = pair(&client, &server);
    drive(
        &mut c,
        &mut s,
        Instant::now(),
        Duration::from_secs(1),
        &mut no_loss(),
    );
    assert_connected(&c, &s, Profile::AeadAes256Gcm);
}

#[test]
fn no_common_profile_closes_both_ends() {
    let client = DtlsConfig {
        srtp_profiles: vec![Profile::AeadAes128Gcm],
        ..DtlsConfig::default()
    };
    let server = DtlsConfig {
        srtp_profiles: vec![Profile::Aes128CmHmacSha1_80],
        ..DtlsConfig::default()
    };
    let (mut c, mut s) = pair(&client, &server);
    drive(
        &mut c,
        &mut s,
        Instant::now(),
        Duration::from_secs(5),
        &mut no_loss(),
    );
    assert_eq!(s.closed_reason(), Some(&CloseReason::NoSrtpProfile));
    assert_eq!(
        c.closed_reason(),
        Some(&CloseReason::PeerAlert {
            description: Some(71) // insufficient_security
        })
    );
    assert!(c.ep.keying_material().is_none());
    assert!(s.ep.keying_material().is_none());
}

#[test]
fn a_lost_client_hello_is_retransmitted_at_1s_then_2s() {
    let (mut c, mut s) = pair(&DtlsConfig::default(), &DtlsConfig::default());
    let t0 = Instant::now();
    // The first two ClientHellos are lost.
    let mut lose = |from_client: bool, i: usize, _: &[u8]| from_client && i < 2;
    drive(&mut c, &mut s, t0, Duration::from_secs(30), &mut lose);
    assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
    let times: Vec<Duration> = c.sent.iter().map(|(t, _)| *t).collect();
    // Sent at 0, resent at 1 s, then 2 s later (3 s), which gets through;
    // the rest of the handshake follows at once.
    assert_eq!(
        &times[..3],
        &[
            Duration::ZERO,
            Duration::from_secs(1),
            Duration::from_secs(3)
        ]
    );
    assert!(
        times[3..].iter().all(|t| *t == Duration::from_secs(3)),
        "{times:?}"
    );
    // The same ClientHello bytes apart from the record sequence number.
    assert_eq!(c.sent[0].1[13..], c.sent[1].1[13..]);
}

#[test]
fn a_lost_server_flight_is_recovered() {
    // The server's flight with its certificate (its second flight) is
    // lost once: the client's retransmission of its ClientHello (with the
    // cookie) makes the server repeat it.
    let (mut c, mut s) = pair(&DtlsConfig::default(), &DtlsConfig::default());
    let t0 = Instant::now();
    let mut lost = false;
    let mut lose = |from_client: bool, i: usize, _: &[u8]| {
        if !from_client && i == 1 && !lost {
            lost = true;
            return true;
        }
        false
    };
    let end = drive(&mut c, &mut s, t0, Duration::from_secs(30), &mut lose);
    assert!(lost);
    assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
    assert_eq!(end - t0, Duration::from_secs(1));
}

#[test]
fn a_lost_final_flight_is_repeated_by_the_connected_server() {
    // The server's last flight (ChangeCipherSpec + Finished) is lost: the
    // server is already connected, the client repeats its flight after
    // 1 s, and the server answers with its last flight again
    // (RFC 6347 §4.2.4).
    let (mut c, mut s) = pair(&DtlsConfig::default(), &DtlsConfig::default());
    let t0 = Instant::now();
    let mut server_sent = 0;
    let mut dropped = false;
    let mut lose = |from_client: bool, _: usize, _: &[u8]| {
        if from_client {
            return false;
        }
        server_sent += 1;
        // Flight 2 (HelloVerifyRequest) and flight 4 are one datagram
        // each at this MTU; the third is the last flight.
        if server_sent == 3 && !dropped {
            dropped = true;
            return true;
        }
        false
    };
    let end = drive(&mut c, &mut s, t0, Duration::from_secs(30), &mut lose);
    assert!(dropped);
    assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
    assert_eq!(end - t0, Duration::from_secs(1));
}

#[test]
fn a_lost_client_final_flight_is_resent_after_the_server_repeats_its_own() {
    // The client's flight with its certificate and Finished is lost. The
    // server (on a shorter timer) repeats its flight first; that repeat
    // reaches the client while it waits for the server's Finished. The
    // client must still resend its own flight on time (at 1 s).
    let client = DtlsConfig::default();
    let server = DtlsConfig {
        initial_retransmit: Duration::from_millis(500),
        ..DtlsConfig::default()
    };
    let (mut c, mut s) = pair(&client, &server);
    let t0 = Instant::now();
    let mut lost = false;
    let mut lose = |from_client: bool, i: usize, _: &[u8]| {
        if from_client && i == 2 && !lost {
            lost = true;
            return true;
        }
        false
    };
    let end = drive(&mut c, &mut s, t0, Duration::from_secs(30), &mut lose);
    assert!(lost);
    assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
    assert_eq!(end - t0, Duration::from_secs(1));
    let server_times: Vec<u128> = s.sent.iter().map(|(t, _)| t.as_millis()).collect();
    assert_eq!(
        server_times,
        [0, 0, 500, 1000],
        "HVR, flight 4, its repeat, last flight"
    );
}

#[test]
fn retransmissions_back_off_to_the_ceiling_and_then_give_up() {
    // Nothing the client sends arrives. RFC 6347 §4.2.4.1: 1 s, doubling,
    // at most 60 s; after 7 retransmissions the handshake fails.
    let (mut c, mut s) = pair(&DtlsConfig::default(), &DtlsConfig::default());
    let t0 = Instant::now();
    let mut lose = |from_client: bool, _: usize, _: &[u8]| from_client;
    drive(&mut c, &mut s, t0, Duration::from_secs(1000), &mut lose);
    let times: Vec<u64> = c.sent.iter().map(|(t, _)| t.as_secs()).collect();
    assert_eq!(times, [0, 1, 3, 7, 15, 31, 63, 123]);
    assert_eq!(c.closed_reason(), Some(&CloseReason::Timeout));
    assert_eq!(c.ep.state(), DtlsState::Closed);
    assert_eq!(c.ep.poll_timeout(), None);
    // A server that never heard anything is still waiting, with no timer.
    assert_eq!(s.ep.state(), DtlsState::Handshaking);
    assert_eq!(s.ep.poll_timeout(), None);

    // A configured schedule: 500 ms doubling to 2 s.
    let cfg = DtlsConfig {
        initial_retransmit: Duration::from_millis(500),
        max_retransmit: Duration::from_secs(2),
        ..DtlsConfig::default()
    };
    let (mut c, mut s) = pair(&cfg, &cfg);
    drive(&mut c, &mut s, t0, Duration::from_secs(1000), &mut lose);
    let times: Vec<u128> = c.sent.iter().map(|(t, _)| t.as_millis()).collect();
    assert_eq!(times, [0, 500, 1500, 3500, 5500, 7500, 9500, 11500]);
    assert_eq!(c.closed_reason(), Some(&CloseReason::Timeout));
}

#[test]
fn the_handshake_timeout_ends_a_silent_handshake() {
    let cfg = DtlsConfig {
        handshake_timeout: Some(Duration::from_secs(5)),
        ..DtlsConfig::default()
    };
    let (mut c, mut s) = pair(&cfg, &cfg);
    let t0 = Instant::now();
    let mut lose = |_: bool, _: usize, _: &[u8]| true;
    let end = drive(&mut c, &mut s, t0, Duration::from_secs(100), &mut lose);
    assert_eq!(c.closed_reason(), Some(&CloseReason::Timeout));
    assert_eq!(end - t0, Duration::from_secs(5));
    let times: Vec<u64> = c.sent.iter().map(|(t, _)| t.as_secs()).collect();
    assert_eq!(times, [0, 1, 3]);
}

#[test]
fn a_wrong_fingerprint_closes_the_verifying_side() {
    let cfg = DtlsConfig::default();
    let cc = Certificate::generate().unwrap();
    let sc = Certificate::generate().unwrap();
    let other = Certificate::generate().unwrap();

    // The client expects another certificate than the server's.
    let c = DtlsEndpoint::new(Role::Client, &cc, &[other.fingerprint()], &cfg).unwrap();
    let s = DtlsEndpoint::new(Role::Server, &sc, &[cc.fingerprint()], &cfg).unwrap();
    let (mut c, mut s) = (Side::new(c, cc.clone()), Side::new(s, sc.clone()));
    drive(
        &mut c,
        &mut s,
        Instant::now(),
        Duration::from_secs(5),
        &mut no_loss(),
    );
    assert_eq!(c.closed_reason(), Some(&CloseReason::FingerprintMismatch));
    let err = c.closed_reason().unwrap().to_error();
    assert_eq!(err.kind(), mediaplane::ErrorKind::AuthFailed);
    assert!(err.to_string().contains("fingerprint"), "{err}");
    assert!(c.ep.keying_material().is_none());
    // The server learns it from the bad_certificate alert.
    assert_eq!(
        s.closed_reason(),
        Some(&CloseReason::PeerAlert {
            description: Some(42)
        })
    );
    assert!(!s
        .events
        .iter()
        .any(|e| matches!(e, DtlsEvent::KeysReady(_))));

    // The server expects another certificate than the client's.
    let c = DtlsEndpoint::new(Role::Client, &cc, &[sc.fingerprint()], &cfg).unwrap();
    let s = DtlsEndpoint::new(Role::Server, &sc, &[other.fingerprint()], &cfg).unwrap();
    let (mut c, mut s) = (Side::new(c, cc.clone()), Side::new(s, sc.clone()));
    drive(
        &mut c,
        &mut s,
        Instant::now(),
        Duration::from_secs(5),
        &mut no_loss(),
    );
    assert_eq!(s.closed_reason(), Some(&CloseReason::FingerprintMismatch));
    assert!(s.ep.keying_material().is_none());
    assert!(c.ep.keying_material().is_none());
    assert_eq!(c.ep.state(), DtlsState::Closed);
}

#[test]
fn any_matching_fingerprint_of_any_hash_is_enough() {
    let cfg = DtlsConfig::default();
    let cc = Certificate::generate().unwrap();
    let sc = Certificate::generate().unwrap();
    let other = Certificate::generate().unwrap();
    for alg in HashAlgorithm::ALL {
        // The right one among wrong ones, and through its SDP text form.
        let right = Fingerprint::parse(&sc.fingerprint_with(alg).to_string()).unwrap();
        let fps = [
            other.fingerprint(),
            right,
            other.fingerprint_with(HashAlgorithm::Sha1),
        ];
        let c = DtlsEndpoint::new(Role::Client, &cc, &fps, &cfg).unwrap();
        let s = DtlsEndpoint::new(Role::Server, &sc, &[cc.fingerprint_with(alg)], &cfg).unwrap();
        let (mut c, mut s) = (Side::new(c, cc.clone()), Side::new(s, sc.clone()));
        drive(
            &mut c,
            &mut s,
            Instant::now(),
            Duration::from_secs(5),
            &mut no_loss(),
        );
        assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
    }
}

#[test]
fn an_unverified_endpoint_accepts_any_certificate() {
    let cfg = DtlsConfig::default();
    let cc = Certificate::generate().unwrap();
    let sc = Certificate::generate().unwrap();
    let c = DtlsEndpoint::new_unverified(Role::Client, &cc, &cfg).unwrap();
    let s = DtlsEndpoint::new_unverified(Role::Server, &sc, &cfg).unwrap();
    assert!(!c.verifies_peer());
    let (mut c, mut s) = (Side::new(c, cc), Side::new(s, sc));
    drive(
        &mut c,
        &mut s,
        Instant::now(),
        Duration::from_secs(5),
        &mut no_loss(),
    );
    assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
}

/// (fragment_offset, fragment_length, length) of each plaintext handshake
/// record in a datagram.
fn handshake_fragments(d: &[u8]) -> Vec<(u32, u32, u32)> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + 13 <= d.len() {
        let len = u16::from_be_bytes([d[off + 11], d[off + 12]]) as usize;
        let epoch = u16::from_be_bytes([d[off + 3], d[off + 4]]);
        if d[off] == 22 && epoch == 0 && len >= 12 {
            let h = &d[off + 13..];
            let u24 = |b: &[u8]| u32::from_be_bytes([0, b[0], b[1], b[2]]);
            out.push((u24(&h[6..9]), u24(&h[9..12]), u24(&h[1..4])));
        }
        off += 13 + len;
    }
    out
}

#[test]
fn every_datagram_fits_the_mtu_and_small_mtus_fragment() {
    for mtu in [1200usize, 600, 256] {
        let cfg = DtlsConfig {
            mtu,
            ..DtlsConfig::default()
        };
        let (mut c, mut s) = pair(&cfg, &cfg);
        drive(
            &mut c,
            &mut s,
            Instant::now(),
            Duration::from_secs(5),
            &mut no_loss(),
        );
        assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
        let all: Vec<&Vec<u8>> = c.sent.iter().chain(&s.sent).map(|(_, d)| d).collect();
        for d in &all {
            assert!(d.len() <= mtu, "{} bytes at mtu {mtu}", d.len());
        }
        let fragmented = all
            .iter()
            .flat_map(|d| handshake_fragments(d))
            .any(|(_, frag, len)| frag < len);
        if mtu == 1200 {
            assert!(!fragmented);
            assert_eq!(s.sent.len(), 3, "one datagram per server flight");
        } else {
            // At 600 bytes the server's certificate flight spans several
            // datagrams; at 256 the certificate message itself is cut.
            assert!(s.sent.len() > 3, "mtu {mtu}: {}", s.sent.len());
        }
        if mtu == 256 {
            assert!(fragmented);
        }
    }
}

#[test]
fn close_notify_reaches_the_peer() {
    let (mut c, mut s) = pair(&DtlsConfig::default(), &DtlsConfig::default());
    let now = drive(
        &mut c,
        &mut s,
        Instant::now(),
        Duration::from_secs(5),
        &mut no_loss(),
    );
    c.ep.close(now);
    assert_eq!(c.ep.close_reason(), Some(&CloseReason::LocalClose));
    let mut n = 0;
    while let Some(d) = c.ep.poll_transmit() {
        s.ep.handle_datagram(now, &d).unwrap();
        n += 1;
    }
    assert_eq!(n, 1);
    assert_eq!(s.ep.state(), DtlsState::Closed);
    assert_eq!(s.ep.close_reason(), Some(&CloseReason::PeerClosed));
    // A closed endpoint refuses further input without changing.
    assert!(s.ep.handle_datagram(now, &[22, 254, 253]).is_err());
    assert!(c.ep.handle_datagram(now, &[22, 254, 253]).is_err());
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Datagrams that cannot be DTLS a peer sends: random bytes, truncations,
/// and well-framed records of kinds no peer sends in the clear.
fn junk(rng: &mut Rng, real: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = vec![vec![], vec![22], vec![0; 13], vec![0xff; 1500]];
    for _ in 0..40 {
        let n = (rng.next() % 200) as usize;
        let mut d = rng.bytes(n);
        if let Some(b) = d.first_mut() {
            // Mostly in the DTLS range of RFC 7983, to get past the demux.
            *b = 20 + (*b % 44);
        }
        out.push(d);
    }
    for d in real {
        for cut in [1, 5, 13, d.len() / 2, d.len().saturating_sub(1)] {
            if cut < d.len() {
                out.push(d[..cut].to_vec());
            }
        }
    }
    // Plaintext application data and a bad ChangeCipherSpec.
    out.push(vec![23, 254, 253, 0, 0, 0, 0, 0, 0, 0, 9, 0, 3, 1, 2, 3]);
    out.push(vec![20, 254, 253, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 7]);
    out
}

/// Real datagrams with bits flipped, bytes dropped or records duplicated:
/// these may well end a handshake, but must never panic.
fn mutants(rng: &mut Rng, real: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for d in real {
        for _ in 0..25 {
            let mut m = d.clone();
            match rng.next() % 4 {
                0 => {
                    let i = (rng.next() as usize) % m.len();
                    m[i] ^= 1 << (rng.next() % 8);
                }
                1 => {
                    // Corrupt a length or fragment field in the first headers.
                    let i = (rng.next() as usize) % m.len().min(40);
                    m[i] = rng.next() as u8;
                }
                2 => {
                    let i = (rng.next() as usize) % m.len();
                    m.remove(i);
                }
                _ => {
                    let extra = m.clone();
                    m.extend_from_slice(&extra);
                }
            }
            out.push(m);
        }
    }
    out
}

#[test]
fn garbage_in_every_state_never_panics_nor_derails_the_handshake() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // A reference run to learn what real datagrams look like.
    let (mut c, mut s) = pair(&DtlsConfig::default(), &DtlsConfig::default());
    drive(
        &mut c,
        &mut s,
        Instant::now(),
        Duration::from_secs(5),
        &mut no_loss(),
    );
    let real: Vec<Vec<u8>> = c
        .sent
        .iter()
        .chain(&s.sent)
        .map(|(_, d)| d.clone())
        .collect();
    let junk = junk(&mut rng, &real);
    let mutants = mutants(&mut rng, &real);

    // Junk before and between every step of a handshake is refused and the
    // handshake still completes.
    let (mut c, mut s) = pair(&DtlsConfig::default(), &DtlsConfig::default());
    let t0 = Instant::now();
    for d in &junk {
        assert!(s.ep.handle_datagram(t0, d).is_err(), "{d:?}");
    }
    assert!(
        c.ep.handle_datagram(t0, &real[0]).is_err(),
        "client not started"
    );
    c.ep.start(t0);
    for _ in 0..20 {
        for d in &junk {
            let _ = c.ep.handle_datagram(t0, d);
            let _ = s.ep.handle_datagram(t0, d);
        }
        let a = pump(&mut c, &mut s, true, t0, t0, &mut |_, _, _| false);
        let b = pump(&mut s, &mut c, false, t0, t0, &mut |_, _, _| false);
        if !a && !b {
            break;
        }
    }
    assert_connected(&c, &s, Profile::Aes128CmHmacSha1_80);
    for d in &junk {
        assert!(c.ep.handle_datagram(t0, d).is_err());
        assert!(s.ep.handle_datagram(t0, d).is_err());
    }
    assert_eq!(c.ep.state(), DtlsState::Connected);
    assert_eq!(s.ep.state(), DtlsState::Connected);

    // Mutants of real datagrams, fed to fresh endpoints stopped after each
    // number of steps of a handshake, and to connected and closed ones.
    for steps in 0..8 {
        let (mut c, mut s) = pair(&DtlsConfig::default(), &DtlsConfig::default());
        c.ep.start(t0);
        for _ in 0..steps {
            pump(&mut c, &mut s, true, t0, t0, &mut |_, _, _| false);
            pump(&mut s, &mut c, false, t0, t0, &mut |_, _, _| false);
        }
        for (i, d) in mutants.iter().enumerate() {
            let now = t0 + Duration::from_millis(i as u64);
            let _ = c.ep.handle_datagram(now, d);
            let _ = s.ep.handle_datagram(now, d);
            c.ep.handle_timeout(now);
            s.ep.handle_timeout(now);
            while c.ep.poll_transmit().is_some() {}
            while s.ep.poll_transmit().is_some() {}
            while c.ep.poll_event().is_some() {}
            while s.ep.poll_event().is_some() {}
        }
        for d in &real {
            let _ = c.ep.handle_datagram(t0, d);
            let _ = s.ep.handle_datagram(t0, d);
        }
        c.ep.close(t0);
        s.ep.close(t0);
        for d in mutants.iter().take(50) {
            assert!(c.ep.handle_datagram(t0, d).is_err());
        }
    }
}

#[test]
fn endpoints_and_certificates_can_move_between_threads() {
    // A host may run each association on any worker thread; this fails to
    // compile if that stops being possible.
    fn is_send<T: Send>() {}
    is_send::<DtlsEndpoint>();
    is_send::<Certificate>();
    is_send::<mediaplane::dtls::SrtpKeyingMaterial>();
}
