//! `WebRtcTransport::handle_datagram` on arbitrary datagrams from arbitrary
//! addresses, with the transport in each state: fresh, ICE nominated, and
//! DTLS connected with SRTP keys (reached by driving an in-process peer:
//! a USE-CANDIDATE check from `BindingRequest` and a `DtlsEndpoint`
//! client). The first input byte picks the state; the rest is a list of
//! `[source, time step, length, bytes...]` records.
//!
//! Besides "no panic": media comes out only in the connected state and only
//! from the 5-tuple the check authenticated; nothing but STUN answers ever
//! goes anywhere but the authenticated peer; queues stay bounded.

#![no_main]

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use mediaplane::dtls::{Certificate, DtlsConfig, DtlsEndpoint, DtlsEvent, Role};
use mediaplane::ice::{BindingRequest, IceCredentials};
use mediaplane::rtp::{classify, PacketKind};
use mediaplane::transport::{Received, RemoteParameters, TransportConfig, WebRtcTransport};

const LOCAL: &str = "192.0.2.1:3478";
const OTHER_LOCAL: &str = "192.0.2.2:3478";
const PEER: &str = "198.51.100.10:50000";
const STRANGER: &str = "203.0.113.66:50000";
const PEER_UFRAG: &str = "pEeR";
const PEER_PWD: &str = "0123456789abcdefghijklmn";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

struct Fixture {
    server: Certificate,
    client: Certificate,
    local_ice: IceCredentials,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture {
        server: Certificate::generate().unwrap(),
        client: Certificate::generate().unwrap(),
        local_ice: IceCredentials::new("lOcL", "abcdefghijklmnopqrstuvwx").unwrap(),
    })
}

fn transport() -> WebRtcTransport {
    let f = fixture();
    let mut cfg = TransportConfig::new(f.server.clone(), vec![addr(LOCAL), addr(OTHER_LOCAL)]);
    cfg.ice_credentials = Some(f.local_ice.clone());
    WebRtcTransport::new(
        cfg,
        RemoteParameters {
            ice: IceCredentials::new(PEER_UFRAG, PEER_PWD).unwrap(),
            fingerprints: vec![f.client.fingerprint()],
            role: Role::Server,
            tls_id: None,
        },
    )
    .unwrap()
}

fn nominate(t: &mut WebRtcTransport, now: Instant) {
    let f = fixture();
    let username = format!("{}:{PEER_UFRAG}", f.local_ice.ufrag());
    let mut check = BindingRequest {
        transaction_id: [7; 12],
        username: &username,
        password: f.local_ice.pwd(),
        priority: 1_853_817_087,
        tiebreaker: 42,
        controlling: true,
        use_candidate: true,
    }
    .encode()
    .unwrap();
    assert_eq!(
        t.handle_datagram(now, addr(PEER), addr(LOCAL), &mut check),
        Ok(Received::Stun)
    );
    assert!(t.selected_pair().is_some());
}

fn connect(t: &mut WebRtcTransport, now: Instant) {
    let f = fixture();
    let mut c = DtlsEndpoint::new(
        Role::Client,
        &f.client,
        &[f.server.fingerprint()],
        &DtlsConfig::default(),
    )
    .unwrap();
    c.start(now);
    for _ in 0..16 {
        while let Some(mut d) = c.poll_transmit() {
            let _ = t.handle_datagram(now, addr(PEER), addr(LOCAL), &mut d);
        }
        while let Some(tx) = t.poll_transmit() {
            if classify(&tx.bytes) == PacketKind::Dtls {
                let _ = c.handle_datagram(now, &tx.bytes);
            }
        }
        while let Some(e) = c.poll_event() {
            assert!(!matches!(e, DtlsEvent::Closed { .. }), "{e:?}");
        }
        if t.is_connected() {
            return;
        }
    }
    panic!("handshake did not complete");
}

fuzz_target!(|data: &[u8]| {
    let Some((&state, mut rest)) = data.split_first() else {
        return;
    };
    let mut now = Instant::now();
    let mut t = transport();
    let state = state % 3;
    if state >= 1 {
        nominate(&mut t, now);
    }
    if state == 2 {
        connect(&mut t, now);
    }
    while t.poll_transmit().is_some() {}
    while t.poll_event().is_some() {}

    let sources = [
        (addr(PEER), addr(LOCAL)),
        (addr(STRANGER), addr(LOCAL)),
        (addr(PEER), addr(OTHER_LOCAL)),
        (addr(STRANGER), addr(OTHER_LOCAL)),
    ];
    while let [src, step, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(n);
        rest = next;
        now += Duration::from_millis(u64::from(*step) * 50);
        if *step == 255 {
            t.handle_timeout(now);
        }
        let (from, to) = sources[usize::from(*src) % sources.len()];
        let mut buf = body.to_vec();
        if let Ok(Received::Rtp(r) | Received::Rtcp(r)) = t.handle_datagram(now, from, to, &mut buf)
        {
            assert_eq!(state, 2, "media before the keys");
            assert_eq!((from, to), (addr(PEER), addr(LOCAL)), "media from a stranger");
            assert!(r.end <= buf.len());
        }
        let mut queued = 0;
        while let Some(tx) = t.poll_transmit() {
            queued += 1;
            if classify(&tx.bytes) != PacketKind::Stun {
                assert_eq!(tx.to, addr(PEER), "non-STUN datagram to a stranger");
            }
        }
        assert!(queued <= 64);
        let mut events = 0;
        while t.poll_event().is_some() {
            events += 1;
        }
        assert!(events <= 64);
    }
});
