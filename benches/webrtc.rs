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
//! `cargo bench --bench webrtc`. Criterion's "thrpt" is handshakes per
//! second (one element per handshake) on one core.

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mediaplane::dtls::{Certificate, DtlsConfig, DtlsEndpoint, DtlsEvent, Role};

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

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = dtls_handshake
}
criterion_main!(benches);
