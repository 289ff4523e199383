//! WebRTC transport benchmarks, one group per function:
//!
//! - `dtls_handshake`: complete DTLS 1.2 + use_srtp handshakes per second,
//!   both ends in memory on one thread, each iteration a new pair of
//!   endpoints (client and server, ECDSA P-256 certificates made once
//!   outside the loop, fingerprints verified, keying material exported).
//!   Rows: `mediaplane` ([`DtlsEndpoint`] pairs) and `rtc-dtls` (the bare
//!   rtc-dtls endpoints underneath, configured alike, exporting the same
//!   keys), so the cost of the wrapping shows.
//!
//! - `stun_binding`: authenticated Binding requests (a browser's
//!   USE-CANDIDATE check, MESSAGE-INTEGRITY and FINGERPRINT) answered per
//!   second. Rows: `transport` ([`WebRtcTransport::handle_datagram`] and
//!   `poll_transmit`, demultiplexing included) and `ice` (the bare
//!   [`IceLite`] agent).
//! - `srtp_echo`: the echo path of a media server, packets per second: an
//!   SRTP packet (PCMU, 160 bytes of payload, AES128_CM_HMAC_SHA1_80) is
//!   received, authenticated and decrypted, given a new SSRC, encrypted
//!   and addressed again. Rows: `transport` (a connected
//!   [`WebRtcTransport`]: `handle_datagram`, `RtpPacketMut::set_ssrc`,
//!   `send_rtp`) and `srtp_contexts` (the bare receive and send
//!   [`SrtpContext`]s doing the same). The target is the transport within
//!   10 % of the bare contexts.
//!
//! `cargo bench --bench webrtc`. Criterion's "thrpt" is handshakes,
//! responses or packets per second (one element each) on one core.

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mediaplane::dtls::{
    Certificate, DtlsConfig, DtlsEndpoint, DtlsEvent, Role, SrtpKeyingMaterial,
};
use mediaplane::ice::{BindingRequest, IceCredentials, IceLite};
use mediaplane::rtp::{classify, PacketKind, RtpPacketMut};
use mediaplane::srtp::SrtpContext;
use mediaplane::transport::{Received, RemoteParameters, TransportConfig, WebRtcTransport};

/// One handshake between two fresh mediaplane endpoints; returns the
/// client's keying material length so nothing is optimised away.
fn mediaplane_handshake(
    cc: &Certificate,
    sc: &Certificate,
    cfg: &DtlsConfig,
    now: Instant,
) -> usize {
    let mut c = DtlsEndpoint::new(Role::Client, cc, &[sc.fingerprint()], cfg).unwrap();
    let mut s = DtlsEndpoint::new(Role::Server, sc, &[cc.fingerprint()], cfg).unwrap();
    c.start(now);
    let mut keys = 0;
    let mut connected = 0;
    for _ in 0..16 {
        let mut moved = false;
        while let Some(d) = c.poll_transmit() {
            s.handle_datagram(now, &d).unwrap();
            moved = true;
        }
        while let Some(d) = s.poll_transmit() {
            c.handle_datagram(now, &d).unwrap();
            moved = true;
        }
        for ep in [&mut c, &mut s] {
            while let Some(e) = ep.poll_event() {
                match e {
                    DtlsEvent::KeysReady(k) => {
                        keys += k.as_bytes().len();
                        connected += 1;
                    }
                    DtlsEvent::Closed { reason } => panic!("closed: {reason}"),
                    _ => {}
                }
            }
        }
        if !moved {
            break;
        }
    }
    assert_eq!(connected, 2);
    keys
}

/// The same handshake on bare rtc-dtls endpoints.
mod bare {
    use super::*;
    use rtc_dtls::config::{ClientAuthType, ConfigBuilder, HandshakeConfig};
    use rtc_dtls::crypto::Certificate as RtcCertificate;
    use rtc_dtls::crypto_provider::providers::RingProvider;
    use rtc_dtls::crypto_provider::RTCCryptoProvider;
    use rtc_dtls::endpoint::{Endpoint, EndpointEvent};
    use rtc_dtls::extension::extension_use_srtp::SrtpProtectionProfile;
    use rtc_shared::TransportProtocol;

    pub const CLIENT: &str = "10.0.0.1:5000";
    pub const SERVER: &str = "10.0.0.2:5000";

    pub fn certificate(p: &Arc<dyn RTCCryptoProvider>) -> RtcCertificate {
        RtcCertificate::generate_self_signed(vec!["bench".to_owned()], p.crypto()).unwrap()
    }

    pub fn config(
        p: &Arc<dyn RTCCryptoProvider>,
        cert: &RtcCertificate,
        client: bool,
    ) -> Arc<HandshakeConfig> {
        let mut b = ConfigBuilder::default()
            .with_crypto_provider(p.clone())
            .with_certificates(vec![cert.clone()])
            .with_srtp_protection_profiles(vec![SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_80])
            .with_insecure_skip_verify(true)
            .with_server_name("bench".to_owned());
        if !client {
            b = b.with_client_auth(ClientAuthType::RequireAnyClientCert);
        }
        Arc::new(b.build(client, None).unwrap())
    }

    pub fn provider() -> Arc<dyn RTCCryptoProvider> {
        Arc::new(RingProvider::new())
    }

    pub fn handshake(
        cc: &RtcCertificate,
        sc: &RtcCertificate,
        p: &Arc<dyn RTCCryptoProvider>,
        now: Instant,
    ) -> usize {
        let ca: SocketAddr = CLIENT.parse().unwrap();
        let sa: SocketAddr = SERVER.parse().unwrap();
        let mut c = Endpoint::new(ca, TransportProtocol::UDP, None);
        let mut s = Endpoint::new(sa, TransportProtocol::UDP, Some(config(p, sc, false)));
        c.connect(now, sa, config(p, cc, true), None).unwrap();
        let mut done = 0;
        for _ in 0..16 {
            let mut moved = false;
            while let Some(t) = c.poll_transmit() {
                for e in s.read(now, ca, None, t.message).unwrap() {
                    done += usize::from(matches!(e, EndpointEvent::HandshakeComplete));
                }
                moved = true;
            }
            while let Some(t) = s.poll_transmit() {
                for e in c.read(now, sa, None, t.message).unwrap() {
                    done += usize::from(matches!(e, EndpointEvent::HandshakeComplete));
                }
                moved = true;
            }
            if !moved {
                break;
            }
        }
        assert_eq!(done, 2);
        let st = c.get_connection_state(sa).unwrap();
        st.export_keying_material("EXTRACTOR-dtls_srtp", &[], 60)
            .unwrap()
            .len()
    }
}

fn dtls_handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("dtls_handshake");
    g.throughput(Throughput::Elements(1));
    let now = Instant::now();

    let cc = Certificate::generate().unwrap();
    let sc = Certificate::generate().unwrap();
    let cfg = DtlsConfig::default();
    g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
        b.iter(|| black_box(mediaplane_handshake(&cc, &sc, &cfg, now)))
    });

    let p = bare::provider();
    let (cc, sc) = (bare::certificate(&p), bare::certificate(&p));
    g.bench_function(BenchmarkId::from_parameter("rtc-dtls"), |b| {
        b.iter(|| black_box(bare::handshake(&cc, &sc, &p, now)))
    });
    g.finish();
}

const LOCAL: &str = "192.0.2.1:3478";
const PEER: &str = "198.51.100.10:50000";
const PEER_UFRAG: &str = "pEeR";
const PEER_PWD: &str = "0123456789abcdefghijklmn";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A browser's nominating check to an agent with `local` credentials.
fn check(local: &IceCredentials, tid: u32) -> Vec<u8> {
    let username = format!("{}:{PEER_UFRAG}", local.ufrag());
    let mut transaction_id = [0u8; 12];
    transaction_id[..4].copy_from_slice(&tid.to_be_bytes());
    BindingRequest {
        transaction_id,
        username: &username,
        password: local.pwd(),
        priority: 1_853_817_087,
        tiebreaker: 42,
        controlling: true,
        use_candidate: true,
    }
    .encode()
    .unwrap()
}

/// A transport that a check has nominated and a DTLS client has keyed;
/// returns it with the client's keying material.
fn connected_transport(now: Instant) -> (WebRtcTransport, SrtpKeyingMaterial) {
    let sc = Certificate::generate().unwrap();
    let cc = Certificate::generate().unwrap();
    let mut cfg = TransportConfig::new(sc.clone(), vec![addr(LOCAL)]);
    cfg.dtls.srtp_profiles = vec![mediaplane::srtp::Profile::Aes128CmHmacSha1_80];
    let mut t = WebRtcTransport::new(
        cfg,
        RemoteParameters {
            ice: IceCredentials::new(PEER_UFRAG, PEER_PWD).unwrap(),
            fingerprints: vec![cc.fingerprint()],
            role: Role::Server,
            tls_id: None,
        },
    )
    .unwrap();
    let mut c = check(t.local_credentials(), 1);
    t.handle_datagram(now, addr(PEER), addr(LOCAL), &mut c)
        .unwrap();
    let mut client = DtlsEndpoint::new(
        Role::Client,
        &cc,
        &[sc.fingerprint()],
        &DtlsConfig::default(),
    )
    .unwrap();
    client.start(now);
    for _ in 0..16 {
        while let Some(mut d) = client.poll_transmit() {
            t.handle_datagram(now, addr(PEER), addr(LOCAL), &mut d)
                .unwrap();
        }
        while let Some(tx) = t.poll_transmit() {
            if classify(&tx.bytes) == PacketKind::Dtls {
                client.handle_datagram(now, &tx.bytes).unwrap();
            }
        }
    }
    assert!(t.is_connected());
    let keys = client.keying_material().unwrap().clone();
    (t, keys)
}

fn stun_binding(c: &mut Criterion) {
    let mut g = c.benchmark_group("stun_binding");
    g.throughput(Throughput::Elements(1));
    let now = Instant::now();
    let (mut t, _) = connected_transport(now);
    let req = check(t.local_credentials(), 2);
    let mut buf = req.clone();
    g.bench_function(BenchmarkId::from_parameter("transport"), |b| {
        b.iter(|| {
            buf.copy_from_slice(&req);
            let r = t.handle_datagram(now, addr(PEER), addr(LOCAL), &mut buf);
            black_box((r, t.poll_transmit()))
        })
    });

    let mut ice = IceLite::new(t.local_credentials().clone());
    ice.add_host_candidate(addr(LOCAL));
    ice.set_remote_credentials(PEER_UFRAG, PEER_PWD).unwrap();
    g.bench_function(BenchmarkId::from_parameter("ice"), |b| {
        b.iter(|| {
            let r = ice.handle_datagram(now, addr(PEER), addr(LOCAL), &req);
            while ice.poll_event().is_some() {}
            black_box((r, ice.poll_transmit()))
        })
    });
    g.finish();
}

/// `n` SRTP packets from the client, sequence numbers from `*seq` on,
/// each in a buffer with room for the echo's tag.
fn protected_batch(tx: &mut SrtpContext, seq: &mut u16, n: u64) -> Vec<(Vec<u8>, usize)> {
    (0..n)
        .map(|_| {
            *seq = seq.wrapping_add(1);
            let mut p = vec![0x80, 0];
            p.extend_from_slice(&seq.to_be_bytes());
            p.extend_from_slice(&(u32::from(*seq) * 160).to_be_bytes());
            p.extend_from_slice(&0x1111_1111u32.to_be_bytes());
            p.extend_from_slice(&[0x55; 160]);
            tx.protect_rtp_vec(&mut p).unwrap();
            let n = p.len();
            p.resize(n + 16, 0);
            (p, n)
        })
        .collect()
}

fn srtp_echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("srtp_echo");
    g.throughput(Throughput::Elements(1));
    let now = Instant::now();
    let (mut t, client_keys) = connected_transport(now);
    let (mut client_tx, _) = client_keys.contexts().unwrap();
    let mut seq = 0u16;
    g.bench_function(BenchmarkId::from_parameter("transport"), |b| {
        b.iter_custom(|iters| {
            let mut batch = protected_batch(&mut client_tx, &mut seq, iters);
            let start = Instant::now();
            for (buf, n) in &mut batch {
                let Some(d) = buf.get_mut(..*n) else { continue };
                let Ok(Received::Rtp(r)) = t.handle_datagram(now, addr(PEER), addr(LOCAL), d)
                else {
                    panic!("echo input refused")
                };
                RtpPacketMut::parse(&mut buf[r.clone()])
                    .unwrap()
                    .set_ssrc(0x2222_2222);
                black_box(t.send_rtp(now, buf, r.end).unwrap());
            }
            start.elapsed()
        })
    });

    // The same keys on bare contexts, as the server side holds them.
    let server_keys = SrtpKeyingMaterial::new(
        client_keys.profile(),
        Role::Server,
        client_keys.as_bytes().to_vec(),
    )
    .unwrap();
    let (mut client_tx, _) = client_keys.contexts().unwrap();
    let (mut tx, mut rx) = server_keys.contexts().unwrap();
    let mut seq = 0u16;
    g.bench_function(BenchmarkId::from_parameter("srtp_contexts"), |b| {
        b.iter_custom(|iters| {
            let mut batch = protected_batch(&mut client_tx, &mut seq, iters);
            let start = Instant::now();
            for (buf, n) in &mut batch {
                let len = rx.unprotect_rtp(&mut buf[..*n]).unwrap();
                RtpPacketMut::parse(&mut buf[..len])
                    .unwrap()
                    .set_ssrc(0x2222_2222);
                black_box(tx.protect_rtp(buf, len).unwrap());
            }
            start.elapsed()
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = dtls_handshake, stun_binding, srtp_echo
}
criterion_main!(benches);
