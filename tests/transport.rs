//! `WebRtcTransport` against a browser-shaped peer over a simulated
//! network with a simulated clock: loss, duplication, reordering, 200 ms
//! one-way delay and an MTU of 1200 bytes (larger datagrams are dropped),
//! all driven by a seeded generator so every run is the same.
//!
//! The peer plays what a browser does against an ICE-lite server: it
//! offers (BUNDLE, rtcp-mux, `a=setup:actpass`), sends connectivity checks
//! built by `rtc-stun` as a controlling agent with USE-CANDIDATE, runs the
//! DTLS client (our `DtlsEndpoint` in the other role) and keys SRTP.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mediaplane::dtls::{Certificate, DtlsConfig, DtlsEndpoint, DtlsEvent, Fingerprint, Role};
use mediaplane::rtp::{classify, PacketKind};
use mediaplane::sdp::Offer;
use mediaplane::srtp::SrtpContext;
use mediaplane::transport::{Received, Transmit, TransportConfig, TransportEvent, WebRtcTransport};
use rtc_stun::attributes::{
    AttrType, RawAttribute, ATTR_ICE_CONTROLLING, ATTR_PRIORITY, ATTR_USERNAME, ATTR_USE_CANDIDATE,
};
use rtc_stun::crypto::providers::RingCrypto;
use rtc_stun::fingerprint::FINGERPRINT;
use rtc_stun::integrity::MessageIntegrity;
use rtc_stun::message::{Message, Setter, TransactionId, BINDING_REQUEST, BINDING_SUCCESS};
use rtc_stun::textattrs::TextAttribute;

const SERVER: &str = "192.0.2.1:3478";
const BROWSER: &str = "198.51.100.10:50000";
const ATTACKER: &str = "203.0.113.66:50000";
const MTU: usize = 1200;
const DELAY: Duration = Duration::from_millis(200);

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// splitmix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[derive(Clone, Copy)]
struct Conditions {
    loss: f64,
    duplicate: f64,
    /// Extra delay, uniform in 0..reorder, which reorders datagrams.
    reorder: Duration,
}

const CLEAN: Conditions = Conditions {
    loss: 0.0,
    duplicate: 0.0,
    reorder: Duration::ZERO,
};

const LOSSY: Conditions = Conditions {
    loss: 0.1,
    duplicate: 0.05,
    reorder: Duration::from_millis(60),
};

struct Datagram {
    at: Instant,
    from: SocketAddr,
    to: SocketAddr,
    bytes: Vec<u8>,
}

struct Network {
    rng: Rng,
    cond: Conditions,
    queue: Vec<Datagram>,
    oversize: usize,
}

impl Network {
    fn send(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        if bytes.len() > MTU {
            self.oversize += 1;
            return;
        }
        let copies = if self.rng.chance(self.cond.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            if self.rng.chance(self.cond.loss) {
                continue;
            }
            let jitter = if self.cond.reorder.is_zero() {
                Duration::ZERO
            } else {
                Duration::from_micros(self.rng.below(self.cond.reorder.as_micros() as u64))
            };
            self.queue.push(Datagram {
                at: now + DELAY + jitter,
                from,
                to,
                bytes: bytes.clone(),
            });
        }
    }

    fn next_at(&self) -> Option<Instant> {
        self.queue.iter().map(|d| d.at).min()
    }

    fn pop_due(&mut self, now: Instant) -> Option<Datagram> {
        let i = self
            .queue
            .iter()
            .enumerate()
            .filter(|(_, d)| d.at <= now)
            .min_by_key(|(_, d)| d.at)
            .map(|(i, _)| i)?;
        Some(self.queue.remove(i))
    }
}

/// A browser-shaped peer: controlling ICE agent, DTLS, SRTP.
struct Browser {
    addr: SocketAddr,
    cert: Certificate,
    ufrag: String,
    pwd: String,
    remote_ufrag: String,
    remote_pwd: String,
    remote: SocketAddr,
    dtls: DtlsEndpoint,
    dtls_role: Role,
    srtp: Option<(SrtpContext, SrtpContext)>,
    /// Checks are sent while this is on (every 500 ms until one succeeds,
    /// then every 5 s as consent freshness, RFC 7675 §5.1).
    checks: bool,
    next_check: Instant,
    ice_ok: bool,
    last_check_sent: Option<Instant>,
    tid: u32,
    rtp_in: Vec<Vec<u8>>,
    rtcp_in: Vec<Vec<u8>>,
    /// Protected packets this peer sent, for replay tests.
    sent_media: Vec<Vec<u8>>,
    seq: u16,
}

impl Browser {
    fn new(now: Instant) -> Browser {
        let cert = Certificate::generate().unwrap();
        Browser {
            addr: addr(BROWSER),
            dtls: DtlsEndpoint::new_unverified(Role::Client, &cert, &DtlsConfig::default())
                .unwrap(),
            cert,
            ufrag: "Qw7z".into(),
            pwd: "hX0c4Tq2nLb9RkVw3ZpYs8Ue".into(),
            remote_ufrag: String::new(),
            remote_pwd: String::new(),
            remote: addr(SERVER),
            dtls_role: Role::Client,
            srtp: None,
            checks: true,
            next_check: now,
            ice_ok: false,
            last_check_sent: None,
            tid: 0,
            rtp_in: Vec::new(),
            rtcp_in: Vec::new(),
            sent_media: Vec::new(),
            seq: 1000,
        }
    }

    fn offer(&self, setup: &str, tls_id: &str) -> String {
        format!(
            "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
a=group:BUNDLE 0\r\na=msid-semantic: WMS s\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n\
a=ice-ufrag:{}\r\na=ice-pwd:{}\r\na=ice-options:trickle\r\na=fingerprint:{}\r\n\
a=setup:{setup}\r\na=tls-id:{tls_id}\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n\
a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:126 telephone-event/8000\r\na=ssrc:1111 cname:browser\r\n",
            self.ufrag,
            self.pwd,
            self.cert.fingerprint()
        )
    }

    /// Reads the answer: credentials, fingerprint, setup, candidate.
    fn apply_answer(&mut self, sdp: &str) {
        let a = Offer::parse(sdp).unwrap();
        assert!(a.ice_lite, "answer must say a=ice-lite");
        let m = &a.media[0];
        self.remote_ufrag = m.ice_ufrag.clone().unwrap();
        self.remote_pwd = m.ice_pwd.clone().unwrap();
        let cand = m.candidates[0].socket_addr().unwrap();
        assert_eq!(cand, addr(SERVER));
        self.remote = cand;
        let fps: Vec<Fingerprint> = m
            .fingerprints
            .iter()
            .map(|f| Fingerprint::parse(&f.to_string()).unwrap())
            .collect();
        let role = match m.setup.unwrap().as_str() {
            "passive" => Role::Client,
            "active" => Role::Server,
            other => panic!("answer setup {other}"),
        };
        self.dtls_role = role;
        self.dtls = DtlsEndpoint::new(role, &self.cert, &fps, &DtlsConfig::default()).unwrap();
        self.srtp = None;
    }

    fn check(&mut self) -> Vec<u8> {
        self.tid += 1;
        let mut tid = [0u8; 12];
        tid[..4].copy_from_slice(&self.tid.to_be_bytes());
        let raw = |t: AttrType, v: Vec<u8>| RawAttribute {
            typ: t,
            length: v.len() as u16,
            value: v,
        };
        let setters: Vec<Box<dyn Setter>> = vec![
            Box::new(BINDING_REQUEST),
            Box::new(TransactionId(tid)),
            Box::new(TextAttribute::new(
                ATTR_USERNAME,
                format!("{}:{}", self.remote_ufrag, self.ufrag),
            )),
            Box::new(raw(ATTR_ICE_CONTROLLING, 7u64.to_be_bytes().to_vec())),
            Box::new(raw(ATTR_USE_CANDIDATE, Vec::new())),
            Box::new(raw(ATTR_PRIORITY, 1_853_817_087u32.to_be_bytes().to_vec())),
            Box::new(MessageIntegrity::new_short_term_integrity_with_provider(
                self.remote_pwd.clone(),
                &RingCrypto,
            )),
            Box::new(FINGERPRINT),
        ];
        let mut m = Message::new();
        m.build(&setters).unwrap();
        m.raw
    }

    fn next_timeout(&self) -> Option<Instant> {
        let c = self.checks.then_some(self.next_check);
        match (c, self.dtls.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_timeout(&mut self, now: Instant, net: &mut Network) {
        if self.checks && self.next_check <= now {
            let c = self.check();
            net.send(now, self.addr, self.remote, c);
            self.last_check_sent = Some(now);
            let every = if self.ice_ok { 5000 } else { 500 };
            self.next_check = now + Duration::from_millis(every);
        }
        self.dtls.handle_timeout(now);
        self.flush(net, now);
    }

    fn flush(&mut self, net: &mut Network, now: Instant) {
        while let Some(d) = self.dtls.poll_transmit() {
            net.send(now, self.addr, self.remote, d);
        }
        while let Some(e) = self.dtls.poll_event() {
            match e {
                DtlsEvent::KeysReady(k) => self.srtp = Some(k.contexts().unwrap()),
                DtlsEvent::Closed { reason } => panic!("browser dtls closed: {reason}"),
                _ => {}
            }
        }
    }

    fn on_datagram(&mut self, now: Instant, d: Datagram, net: &mut Network) {
        let mut bytes = d.bytes;
        match classify(&bytes) {
            PacketKind::Stun => {
                let mut m = Message::new();
                m.unmarshal_binary(&bytes).unwrap();
                if m.typ == BINDING_SUCCESS {
                    MessageIntegrity::check(&mut m, self.remote_pwd.as_bytes(), &RingCrypto)
                        .unwrap();
                    if !self.ice_ok {
                        self.ice_ok = true;
                        self.next_check = now + Duration::from_secs(5);
                        if self.dtls_role == Role::Client {
                            self.dtls.start(now);
                        }
                    }
                }
            }
            PacketKind::Dtls => {
                let _ = self.dtls.handle_datagram(now, &bytes);
            }
            PacketKind::Rtp => {
                if let Some((_, rx)) = &mut self.srtp {
                    if let Ok(n) = rx.unprotect_rtp(&mut bytes) {
                        self.rtp_in.push(bytes[..n].to_vec());
                    }
                }
            }
            PacketKind::Rtcp => {
                if let Some((_, rx)) = &mut self.srtp {
                    if let Ok(n) = rx.unprotect_rtcp(&mut bytes) {
                        self.rtcp_in.push(bytes[..n].to_vec());
                    }
                }
            }
            _ => {}
        }
        self.flush(net, now);
    }

    fn send_rtp(&mut self, now: Instant, net: &mut Network, payload: &[u8]) -> bool {
        let Some((tx, _)) = &mut self.srtp else {
            return false;
        };
        self.seq = self.seq.wrapping_add(1);
        let mut p = rtp(self.seq, 0x1111, payload);
        tx.protect_rtp_vec(&mut p).unwrap();
        self.sent_media.push(p.clone());
        net.send(now, self.addr, self.remote, p);
        true
    }

    fn send_rtcp(&mut self, now: Instant, net: &mut Network) -> bool {
        let Some((tx, _)) = &mut self.srtp else {
            return false;
        };
        let mut p = receiver_report(0x1111);
        tx.protect_rtcp_vec(&mut p).unwrap();
        self.sent_media.push(p.clone());
        net.send(now, self.addr, self.remote, p);
        true
    }
}

fn rtp(seq: u16, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 0];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// An RTCP receiver report with no report blocks (RFC 3550 §6.4.2).
fn receiver_report(ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, 201, 0, 1];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p
}

/// What the server side saw, with simulated times.
#[derive(Default)]
struct ServerLog {
    events: Vec<(Instant, TransportEvent)>,
    rtp: Vec<Vec<u8>>,
    rtcp: Vec<Vec<u8>>,
    sent: Vec<(Instant, Transmit)>,
    errors: usize,
}

struct Sim {
    t0: Instant,
    now: Instant,
    net: Network,
    server: WebRtcTransport,
    browser: Browser,
    log: ServerLog,
    /// Server transmits of these kinds are dropped (to force
    /// retransmissions).
    blackhole_from_browser_dtls: bool,
    server_seq: u16,
}

impl Sim {
    fn new(seed: u64, cond: Conditions) -> Sim {
        Sim::with_setup(seed, cond, "actpass")
    }

    fn with_setup(seed: u64, cond: Conditions, setup: &str) -> Sim {
        let t0 = Instant::now();
        let mut browser = Browser::new(t0);
        let offer = Offer::parse(browser.offer(setup, "browsertls1")).unwrap();
        let cfg = TransportConfig::new(Certificate::generate().unwrap(), vec![addr(SERVER)]);
        let (server, answer) = WebRtcTransport::answer(&offer, cfg).unwrap();
        assert!(!answer.sdp.contains("a=crypto"));
        assert!(answer.sdp.contains("a=ice-lite"));
        browser.apply_answer(&answer.sdp);
        Sim {
            t0,
            now: t0,
            net: Network {
                rng: Rng(seed),
                cond,
                queue: Vec::new(),
                oversize: 0,
            },
            server,
            browser,
            log: ServerLog::default(),
            blackhole_from_browser_dtls: false,
            server_seq: 0,
        }
    }

    fn drain_server(&mut self) {
        while let Some(t) = self.server.poll_transmit() {
            assert!(t.bytes.len() <= MTU, "server sent {} bytes", t.bytes.len());
            self.log.sent.push((self.now, t.clone()));
            self.net.send(self.now, t.from, t.to, t.bytes);
        }
        while let Some(e) = self.server.poll_event() {
            self.log.events.push((self.now, e));
        }
    }

    fn deliver(&mut self, d: Datagram) {
        if d.to == self.browser.addr {
            self.browser.on_datagram(self.now, d, &mut self.net);
            return;
        }
        if self.blackhole_from_browser_dtls && classify(&d.bytes) == PacketKind::Dtls {
            return;
        }
        let mut bytes = d.bytes;
        match self
            .server
            .handle_datagram(self.now, d.from, d.to, &mut bytes)
        {
            Ok(Received::Rtp(r)) => self.log.rtp.push(bytes[r].to_vec()),
            Ok(Received::Rtcp(r)) => self.log.rtcp.push(bytes[r].to_vec()),
            Ok(_) => {}
            Err(_) => self.log.errors += 1,
        }
        self.drain_server();
    }

    /// Runs the simulation until `until` (simulated), bounded in steps.
    fn run_until(&mut self, until: Instant) {
        for _ in 0..200_000 {
            self.drain_server();
            while let Some(d) = self.net.pop_due(self.now) {
                self.deliver(d);
            }
            if self.browser.next_timeout().is_some_and(|t| t <= self.now) {
                self.browser.on_timeout(self.now, &mut self.net);
            }
            if self.server.poll_timeout().is_some_and(|t| t <= self.now) {
                self.server.handle_timeout(self.now);
                self.drain_server();
            }
            let next = [
                self.net.next_at(),
                self.browser.next_timeout(),
                self.server.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= until => self.now = self.now.max(t),
                _ => {
                    self.now = until;
                    return;
                }
            }
        }
        panic!("simulation did not settle");
    }

    fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    fn connect(&mut self) {
        self.run_for(Duration::from_secs(20));
        assert!(
            self.server.is_connected(),
            "server not connected: {:?}",
            self.server
        );
        assert!(self.browser.srtp.is_some(), "browser has no keys");
    }

    fn server_events(&self) -> Vec<&TransportEvent> {
        self.log.events.iter().map(|(_, e)| e).collect()
    }

    /// One RTP and one RTCP packet each way, 20 ms apart, for `n` rounds.
    fn exchange(&mut self, n: usize) {
        for i in 0..n {
            let now = self.now;
            self.browser.send_rtp(now, &mut self.net, &[i as u8; 160]);
            if i % 5 == 0 {
                self.browser.send_rtcp(now, &mut self.net);
            }
            self.server_seq = self.server_seq.wrapping_add(1);
            let mut buf = rtp(self.server_seq, 0x2222, &[0xAB; 160]);
            buf.resize(buf.len() + self.server.rtp_overhead(), 0);
            let len = buf.len() - self.server.rtp_overhead();
            if let Ok(out) = self.server.send_rtp(now, &mut buf, len) {
                assert_eq!(out.to, self.browser.addr);
                self.net
                    .send(now, out.from, out.to, buf[..out.len].to_vec());
            }
            if i % 5 == 0 {
                let mut rr = receiver_report(0x2222);
                if let Ok(out) = self.server.send_rtcp_vec(now, &mut rr) {
                    self.net.send(now, out.from, out.to, rr);
                }
            }
            self.run_for(Duration::from_millis(20));
        }
        self.run_for(Duration::from_secs(1));
    }
}

#[test]
fn handshake_completes_over_a_lossy_network_and_media_flows_both_ways() {
    for seed in [1u64, 2, 3, 4, 5] {
        let mut sim = Sim::new(seed, LOSSY);
        sim.connect();
        let ev = sim.server_events();
        assert!(
            ev.iter()
                .any(|e| matches!(e, TransportEvent::IceConnected(p) if p.remote == addr(BROWSER))),
            "seed {seed}: {ev:?}"
        );
        assert!(
            ev.iter().any(
                |e| matches!(e, TransportEvent::KeysReady { peer_fingerprint, .. }
                if *peer_fingerprint == sim.browser.cert.fingerprint())
            ),
            "seed {seed}: {ev:?}"
        );
        assert_eq!(sim.server.dtls_role(), Role::Server);
        sim.exchange(100);
        // With 10 % loss, most of 100 packets arrive, none corrupted.
        assert!(
            sim.log.rtp.len() >= 70,
            "seed {seed}: {}",
            sim.log.rtp.len()
        );
        assert!(
            sim.browser.rtp_in.len() >= 70,
            "seed {seed}: {}",
            sim.browser.rtp_in.len()
        );
        assert!(!sim.log.rtcp.is_empty() && !sim.browser.rtcp_in.is_empty());
        for p in &sim.log.rtp {
            assert_eq!(&p[8..12], &0x1111u32.to_be_bytes());
            assert_eq!(p.len(), 172);
        }
        for p in &sim.log.rtcp {
            assert_eq!(p, &receiver_report(0x1111));
        }
        for p in &sim.browser.rtp_in {
            assert_eq!(&p[12..], &[0xAB; 160][..]);
        }
        // Duplicated datagrams were refused as replays, not delivered twice.
        let seqs: std::collections::HashSet<&[u8]> = sim.log.rtp.iter().map(|p| &p[2..4]).collect();
        assert_eq!(
            seqs.len(),
            sim.log.rtp.len(),
            "seed {seed}: a packet came out twice"
        );
        assert_eq!(sim.net.oversize, 0);
    }
}

#[test]
fn dtls_flights_are_retransmitted_on_the_rfc_6347_schedule() {
    // The offer says passive, so the transport is the DTLS client; the
    // browser's answers never arrive, so the ClientHello is re-sent at
    // 1 s, then 2, 4, 8, 16 s later.
    let mut sim = Sim::with_setup(7, CLEAN, "passive");
    assert_eq!(sim.server.dtls_role(), Role::Client);
    sim.blackhole_from_browser_dtls = true;
    sim.run_for(Duration::from_secs(40));
    let dtls: Vec<Duration> = sim
        .log
        .sent
        .iter()
        .filter(|(_, t)| classify(&t.bytes) == PacketKind::Dtls)
        .map(|(at, _)| *at - sim.t0)
        .collect();
    assert!(dtls.len() >= 6, "{dtls:?}");
    let first = dtls[0];
    // The first check arrives after one network delay; DTLS starts then.
    assert_eq!(first, DELAY);
    let gaps: Vec<Duration> = dtls.windows(2).map(|w| w[1] - w[0]).collect();
    let secs = |s| Duration::from_secs(s);
    assert_eq!(
        &gaps[..5],
        &[secs(1), secs(2), secs(4), secs(8), secs(16)],
        "{dtls:?}"
    );
}

#[test]
fn consent_lapses_30_s_after_the_last_check_and_media_stops() {
    let mut sim = Sim::new(11, CLEAN);
    sim.connect();
    sim.exchange(5);
    sim.browser.checks = false;
    let last_sent = sim.browser.last_check_sent.unwrap();
    let last_arrived = last_sent + DELAY;
    sim.run_for(Duration::from_secs(40));
    let lost: Vec<Instant> = sim
        .log
        .events
        .iter()
        .filter(|(_, e)| matches!(e, TransportEvent::ConsentLost(_)))
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(lost, vec![last_arrived + Duration::from_secs(30)]);
    assert!(!sim.server.is_connected());
    let mut buf = rtp(1, 0x2222, &[0; 20]);
    buf.resize(64, 0);
    assert!(sim.server.send_rtp(sim.now, &mut buf, 32).is_err());
    // The browser keeps sending media: none of it gets through now.
    let before = sim.log.rtp.len();
    let dropped = sim.server.stats().dropped_unauthenticated;
    for _ in 0..10 {
        let now = sim.now;
        sim.browser.send_rtp(now, &mut sim.net, &[1; 40]);
        sim.run_for(Duration::from_millis(20));
    }
    sim.run_for(Duration::from_secs(1));
    assert_eq!(sim.log.rtp.len(), before);
    assert_eq!(sim.server.stats().dropped_unauthenticated, dropped + 10);
}

#[test]
fn a_spoofed_source_never_gets_media_through() {
    let mut sim = Sim::new(21, CLEAN);
    sim.connect();
    sim.exchange(20);
    let captured = sim.browser.sent_media.clone();
    let rtp_before = sim.log.rtp.len();
    let rtcp_before = sim.log.rtcp.len();
    let stats = sim.server.stats();
    let attacker = addr(ATTACKER);
    let mut rng = Rng(99);
    let mut injected = 0u64;
    // Captured real SRTP/SRTCP replayed from another address, fresh
    // valid-looking SRTP, and DTLS records (a ClientHello-shaped record and
    // random bytes behind a DTLS header).
    for p in &captured {
        let mut b = p.clone();
        assert!(sim
            .server
            .handle_datagram(sim.now, attacker, addr(SERVER), &mut b)
            .is_err());
        injected += 1;
    }
    for i in 0..50u16 {
        let mut b = rtp(5000 + i, 0x1111, &rng.bytes(170));
        assert!(sim
            .server
            .handle_datagram(sim.now, attacker, addr(SERVER), &mut b)
            .is_err());
        let mut d = vec![22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 1, 0, 0, 48];
        d.extend(rng.bytes(60));
        assert!(sim
            .server
            .handle_datagram(sim.now, attacker, addr(SERVER), &mut d)
            .is_err());
        injected += 2;
    }
    // The same from the browser's address but to another local address:
    // the 5-tuple did not pass a check either.
    let other_local = addr("192.0.2.99:3478");
    for p in captured.iter().take(10) {
        let mut b = p.clone();
        assert!(sim
            .server
            .handle_datagram(sim.now, addr(BROWSER), other_local, &mut b)
            .is_err());
        injected += 1;
    }
    let s = sim.server.stats();
    assert_eq!(
        s.dropped_unauthenticated,
        stats.dropped_unauthenticated + injected
    );
    assert_eq!(sim.log.rtp.len(), rtp_before);
    assert_eq!(sim.log.rtcp.len(), rtcp_before);
    // Media still goes to the real peer, never to the attacker.
    assert_eq!(sim.server.selected_pair().unwrap().remote, addr(BROWSER));
    // Replaying the capture from the real address is refused as replays.
    for p in &captured {
        let mut b = p.clone();
        assert!(sim
            .server
            .handle_datagram(sim.now, addr(BROWSER), addr(SERVER), &mut b)
            .is_err());
    }
    assert_eq!(
        sim.server.stats().replays,
        s.replays + captured.len() as u64
    );
    // And the session carries on.
    sim.exchange(10);
    assert!(sim.log.rtp.len() >= rtp_before + 10);
}

#[test]
fn reoffer_with_a_new_fingerprint_rekeys() {
    let mut sim = Sim::new(31, LOSSY);
    sim.connect();
    sim.exchange(20);
    let old_tx = sim.browser.sent_media.last().cloned().unwrap();
    let old_tls_id = sim.server.local_tls_id().to_owned();
    // New certificate, new tls-id: a new DTLS association.
    sim.browser.cert = Certificate::generate().unwrap();
    let offer = Offer::parse(sim.browser.offer("actpass", "browsertls2")).unwrap();
    let answer = sim.server.handle_reoffer(sim.now, &offer).unwrap();
    assert_eq!(sim.server.stats().dtls_restarts, 1);
    assert!(
        !sim.server.is_connected(),
        "keys dropped until the new handshake"
    );
    assert_ne!(sim.server.local_tls_id(), old_tls_id);
    assert!(answer
        .sdp
        .contains(&format!("a=tls-id:{}", sim.server.local_tls_id())));
    let mut b = old_tx.clone();
    assert!(sim
        .server
        .handle_datagram(sim.now, addr(BROWSER), addr(SERVER), &mut b)
        .is_err());
    let ev_before = sim.log.events.len();
    sim.browser.apply_answer(&answer.sdp);
    sim.browser.dtls.start(sim.now);
    sim.browser.flush(&mut sim.net, sim.now);
    sim.run_for(Duration::from_secs(20));
    assert!(sim.server.is_connected());
    assert!(sim.log.events[ev_before..].iter().any(
        |(_, e)| matches!(e, TransportEvent::KeysReady { peer_fingerprint, .. }
            if *peer_fingerprint == sim.browser.cert.fingerprint())
    ));
    let rtp_before = sim.log.rtp.len();
    let browser_before = sim.browser.rtp_in.len();
    sim.exchange(30);
    assert!(sim.log.rtp.len() >= rtp_before + 20);
    assert!(sim.browser.rtp_in.len() >= browser_before + 20);
}

#[test]
fn reoffer_with_the_same_fingerprint_keeps_the_keys() {
    let mut sim = Sim::new(41, CLEAN);
    sim.connect();
    sim.exchange(10);
    let tls_id = sim.server.local_tls_id().to_owned();
    let offer = Offer::parse(sim.browser.offer("actpass", "browsertls1")).unwrap();
    let answer = sim.server.handle_reoffer(sim.now, &offer).unwrap();
    assert_eq!(sim.server.stats().dtls_restarts, 0);
    assert!(sim.server.is_connected());
    assert_eq!(sim.server.local_tls_id(), tls_id);
    assert!(answer.sdp.contains("a=setup:passive"));
    let before = (sim.log.rtp.len(), sim.browser.rtp_in.len());
    sim.exchange(10);
    assert_eq!(sim.log.rtp.len(), before.0 + 10);
    assert_eq!(sim.browser.rtp_in.len(), before.1 + 10);
    // A changed role is a restart even with the same fingerprint.
    let offer = Offer::parse(sim.browser.offer("passive", "browsertls1")).unwrap();
    sim.server.handle_reoffer(sim.now, &offer).unwrap();
    assert_eq!(sim.server.stats().dtls_restarts, 1);
    assert_eq!(sim.server.dtls_role(), Role::Client);
    assert!(!sim.server.is_connected());
}

#[test]
fn garbage_in_every_state_is_dropped_without_media_or_panic() {
    let mut rng = Rng(1234);
    let mut sim = Sim::new(51, CLEAN);
    let states = ["fresh", "ice", "connected"];
    for state in states {
        match state {
            "fresh" => {}
            "ice" => {
                // Deliver only the first check.
                sim.browser.on_timeout(sim.now, &mut sim.net);
                sim.now += DELAY;
                while let Some(d) = sim.net.pop_due(sim.now) {
                    sim.deliver(d);
                }
                assert!(sim.server.selected_pair().is_some());
            }
            _ => sim.connect(),
        }
        let rtp_before = sim.log.rtp.len() + sim.log.rtcp.len();
        for i in 0..3000 {
            let len = rng.below(300) as usize;
            let mut b = rng.bytes(len);
            // Steer some first bytes into each RFC 7983 range.
            if let Some(f) = b.first_mut() {
                *f = match i % 4 {
                    0 => *f & 3,
                    1 => 20 + *f % 44,
                    2 => 128 + *f % 64,
                    _ => *f,
                };
            }
            let from = if i % 2 == 0 {
                addr(BROWSER)
            } else {
                addr(ATTACKER)
            };
            if let Ok(Received::Rtp(_) | Received::Rtcp(_)) =
                sim.server
                    .handle_datagram(sim.now, from, addr(SERVER), &mut b)
            {
                panic!("{state}: garbage accepted as media");
            }
            sim.drain_server();
        }
        assert_eq!(sim.log.rtp.len() + sim.log.rtcp.len(), rtp_before);
    }
    // Still works after all that.
    sim.exchange(10);
    assert!(sim.log.rtp.len() >= 10);
}
