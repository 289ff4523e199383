//! webrtc_echo: a browser sends its microphone over WebRTC and hears it
//! back.
//!
//! ```text
//! webrtc_echo [--http ADDR] [--media ADDR] [--exit-after SECS]
//! ```
//! Serves the echo page (`GET /`) and its signalling (`POST /offer`: the
//! offer SDP in, the answer SDP out) over HTTP/1.1 on `--http`, and the
//! media on one UDP socket bound to `--media` (both default to
//! `127.0.0.1:0`). Each offer gets a `WebRtcTransport` answering with
//! ICE-lite and the media socket's address as its only host candidate.
//! Every RTP packet a browser sends is decrypted, given our SSRC and
//! encrypted back to it; its RTCP is read and counted, and a receiver
//! report goes back once a second. Prints `http=http://ADDR/` and
//! `media=ADDR` first (so a test can find the ports), then one line per
//! event. Exit status: 0 after `--exit-after` seconds, 1 on a socket
//! error, 2 on a usage error.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

use mediaplane::dtls::Certificate;
use mediaplane::ice::StunMessage;
use mediaplane::rtp::RtpPacketMut;
use mediaplane::sdp::{LocalSource, MediaKind, Offer};
use mediaplane::transport::{Received, TransportConfig, TransportEvent, WebRtcTransport};

const USAGE: &str = r"usage: webrtc_echo [--http ADDR] [--media ADDR] [--exit-after SECS]
Serves a page that sends the microphone over WebRTC, and echoes the audio
back (decrypted, given a new SSRC, encrypted again).

  --http ADDR        HTTP listen address (default 127.0.0.1:0)
  --media ADDR       UDP media address (default 127.0.0.1:0); it is the
                     ICE host candidate, so it must be reachable by the
                     browser (not 0.0.0.0)
  --exit-after SECS  exit with status 0 after SECS seconds
  --help             print this help
Prints http=http://ADDR/ and media=ADDR first. Exit status: 0 when
--exit-after expires, 1 on a socket error, 2 on a usage error.
";

const PAGE: &str = include_str!("webrtc_echo.html");
/// Largest HTTP request head and body read.
const MAX_HTTP: usize = 64 * 1024;
/// Most browsers served at once; the oldest is dropped beyond this.
const MAX_PEERS: usize = 16;

struct Args {
    http: SocketAddr,
    media: SocketAddr,
    exit_after: Option<Duration>,
}

fn parse_args(args: &[String]) -> Result<Option<Args>, String> {
    let any: SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut a = Args {
        http: any,
        media: any,
        exit_after: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--http" => {
                a.http = value("--http")?
                    .parse()
                    .map_err(|e| format!("--http: {e}"))?
            }
            "--media" => {
                a.media = value("--media")?
                    .parse()
                    .map_err(|e| format!("--media: {e}"))?
            }
            "--exit-after" => {
                let s: f64 = value("--exit-after")?
                    .parse()
                    .map_err(|e| format!("--exit-after: {e}"))?;
                if !(s > 0.0 && s < 1e9) {
                    return Err("--exit-after must be a positive number of seconds".into());
                }
                a.exit_after = Some(Duration::from_secs_f64(s));
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.media.ip().is_unspecified() {
        return Err("--media must be a concrete address (it is the ICE candidate)".into());
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&args) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("webrtc_echo: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webrtc_echo: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let http = TcpListener::bind(args.http).map_err(|e| format!("bind {}: {e}", args.http))?;
    let media = UdpSocket::bind(args.media).map_err(|e| format!("bind {}: {e}", args.media))?;
    let http_addr = http.local_addr().map_err(|e| e.to_string())?;
    let media_addr = media.local_addr().map_err(|e| e.to_string())?;
    let cert = Certificate::generate().map_err(|e| format!("certificate: {e}"))?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "http=http://{http_addr}/");
        let _ = writeln!(out, "media={media_addr}");
        let _ = out.flush();
    }
    let (tx, rx) = channel();
    std::thread::spawn(move || serve_http(http, media_addr, cert, tx));
    let deadline = args.exit_after.map(|d| Instant::now() + d);
    media_loop(&media, &rx, deadline)
}

/// One browser: its transport and the SSRC we echo with.
struct Peer {
    transport: WebRtcTransport,
    ssrc: u32,
    next_report: Instant,
    echoed: u64,
    rtcp_in: u64,
}

fn log(line: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn media_loop(
    sock: &UdpSocket,
    new_peers: &Receiver<Peer>,
    deadline: Option<Instant>,
) -> Result<(), String> {
    let mut peers: Vec<Peer> = Vec::new();
    // Which peer a remote address belongs to, learnt only from STUN that
    // its transport accepted; the transport still authenticates everything
    // else itself, so a wrong guess is a drop, never a leak.
    let mut routes: HashMap<SocketAddr, usize> = HashMap::new();
    let local = sock.local_addr().map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 2048];
    loop {
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Ok(());
        }
        while let Ok(p) = new_peers.try_recv() {
            if peers.len() >= MAX_PEERS {
                peers.remove(0);
                routes.clear();
            }
            log(format_args!("peer: ufrag {}", p.transport.local_ufrag()));
            peers.push(p);
        }
        for p in &mut peers {
            if p.transport.poll_timeout().is_some_and(|t| t <= now) {
                p.transport.handle_timeout(now);
            }
            send_report(p, now, sock);
            flush(p, sock);
        }
        let before = peers.len();
        peers.retain(|p| !p.transport.is_closed());
        if peers.len() != before {
            routes.clear();
        }

        let wake = peers
            .iter()
            .filter_map(|p| p.transport.poll_timeout())
            .chain(peers.iter().map(|p| p.next_report))
            .chain(deadline)
            .min();
        let wait = wake
            .map_or(Duration::from_millis(100), |t| {
                t.saturating_duration_since(now)
            })
            .clamp(Duration::from_millis(1), Duration::from_millis(100));
        sock.set_read_timeout(Some(wait))
            .map_err(|e| e.to_string())?;
        let (n, from) = match sock.recv_from(&mut buf) {
            Ok(x) => x,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            // ICMP port unreachable from a closed browser shows up here.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => continue,
            Err(e) => return Err(format!("recv: {e}")),
        };
        let now = Instant::now();
        let Some(datagram) = buf.get(..n) else {
            continue;
        };
        let idx = match StunMessage::parse(datagram) {
            Ok(m) => m
                .username()
                .and_then(|u| u.split(|&b| b == b':').next())
                .and_then(|ufrag| {
                    peers
                        .iter()
                        .position(|p| p.transport.local_ufrag().as_bytes() == ufrag)
                }),
            Err(_) => routes.get(&from).copied(),
        };
        let Some(peer) = idx.and_then(|i| peers.get_mut(i)) else {
            continue;
        };
        let result = match buf.get_mut(..n) {
            Some(d) => peer.transport.handle_datagram(now, from, local, d),
            None => continue,
        };
        match result {
            Ok(Received::Stun) => {
                if let Some(i) = idx {
                    routes.insert(from, i);
                }
            }
            Ok(Received::Rtp(r)) => echo(peer, now, &mut buf, r, sock),
            Ok(Received::Rtcp(_)) => peer.rtcp_in += 1,
            Ok(Received::Dtls) | Err(_) => {}
        }
        flush(peer, sock);
    }
}

/// Gives the packet at `buf[r]` our SSRC and sends it back encrypted; the
/// buffer has room for the tag after it.
fn echo(
    peer: &mut Peer,
    now: Instant,
    buf: &mut [u8],
    r: std::ops::Range<usize>,
    sock: &UdpSocket,
) {
    let len = r.end;
    if r.start != 0 {
        return;
    }
    match buf.get_mut(r).map(RtpPacketMut::parse) {
        Some(Ok(mut p)) => p.set_ssrc(peer.ssrc),
        _ => return,
    }
    match peer.transport.send_rtp(now, buf, len) {
        Ok(out) => {
            if let Some(b) = buf.get(..out.len) {
                let _ = sock.send_to(b, out.to);
                peer.echoed += 1;
                if peer.echoed == 1 || peer.echoed.is_multiple_of(500) {
                    log(format_args!(
                        "echoed {} packets, {} rtcp received",
                        peer.echoed, peer.rtcp_in
                    ));
                }
            }
        }
        Err(e) => log(format_args!("echo: {e}")),
    }
}

/// An empty receiver report from our SSRC once a second (RFC 3550 §6.4.2),
/// so the browser sees RTCP from the echo.
fn send_report(peer: &mut Peer, now: Instant, sock: &UdpSocket) {
    if now < peer.next_report || !peer.transport.is_connected() {
        return;
    }
    peer.next_report = now + Duration::from_secs(1);
    let mut rr = vec![0x80, 201, 0, 1];
    rr.extend_from_slice(&peer.ssrc.to_be_bytes());
    if let Ok(out) = peer.transport.send_rtcp_vec(now, &mut rr) {
        let _ = sock.send_to(&rr, out.to);
    }
}

fn flush(peer: &mut Peer, sock: &UdpSocket) {
    while let Some(t) = peer.transport.poll_transmit() {
        let _ = sock.send_to(&t.bytes, t.to);
    }
    while let Some(e) = peer.transport.poll_event() {
        match e {
            TransportEvent::IceConnected(p) => log(format_args!("ice connected: {}", p.remote)),
            TransportEvent::KeysReady {
                profile,
                peer_fingerprint,
            } => log(format_args!(
                "dtls connected: {} (peer {peer_fingerprint})",
                profile.name()
            )),
            TransportEvent::ConsentLost(p) => log(format_args!("consent lost: {}", p.remote)),
            TransportEvent::Closed { reason } => log(format_args!("closed: {reason}")),
            other => log(format_args!("{other:?}")),
        }
    }
}

fn serve_http(listener: TcpListener, media: SocketAddr, cert: Certificate, peers: Sender<Peer>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if let Err(e) = handle_http(stream, media, &cert, &peers) {
            log(format_args!("http: {e}"));
        }
    }
}

fn respond(mut s: &TcpStream, status: &str, ctype: &str, body: &[u8]) -> std::io::Result<()> {
    write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(body)?;
    s.flush()
}

fn handle_http(
    stream: TcpStream,
    media: SocketAddr,
    cert: &Certificate,
    peers: &Sender<Peer>,
) -> Result<(), String> {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let mut r =
        BufReader::new(stream.try_clone().map_err(|e| e.to_string())?).take(MAX_HTTP as u64);
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| e.to_string())?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut content_length = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).map_err(|e| e.to_string())? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                content_length = v.trim().parse().map_err(|_| "bad content-length")?;
            }
        }
    }
    match (method, path) {
        ("GET", "/") | ("GET", "/index.html") => respond(
            &stream,
            "200 OK",
            "text/html; charset=utf-8",
            PAGE.as_bytes(),
        )
        .map_err(|e| e.to_string()),
        ("POST", "/offer") => {
            if content_length > MAX_HTTP {
                return respond(
                    &stream,
                    "413 Payload Too Large",
                    "text/plain",
                    b"offer too large",
                )
                .map_err(|e| e.to_string());
            }
            let mut body = vec![0u8; content_length];
            r.read_exact(&mut body).map_err(|e| e.to_string())?;
            match answer(&body, media, cert) {
                Ok((peer, sdp)) => {
                    let _ = peers.send(peer);
                    respond(&stream, "200 OK", "application/sdp", sdp.as_bytes())
                        .map_err(|e| e.to_string())
                }
                Err(e) => {
                    log(format_args!("offer refused: {e}"));
                    respond(&stream, "400 Bad Request", "text/plain", e.as_bytes())
                        .map_err(|e| e.to_string())
                }
            }
        }
        _ => {
            respond(&stream, "404 Not Found", "text/plain", b"not found").map_err(|e| e.to_string())
        }
    }
}

fn answer(offer: &[u8], media: SocketAddr, cert: &Certificate) -> Result<(Peer, String), String> {
    let offer = Offer::parse_webrtc(offer).map_err(|e| e.to_string())?;
    let mut ssrc = [0u8; 4];
    getrandom::fill(&mut ssrc).map_err(|e| e.to_string())?;
    let ssrc = u32::from_be_bytes(ssrc);
    let mut config = TransportConfig::new(cert.clone(), vec![media]);
    // Announce the echo stream in the first audio section so the browser
    // names the track it plays.
    if let Some(mid) = offer
        .media
        .iter()
        .find(|m| m.kind == MediaKind::Audio)
        .and_then(|m| m.mid.clone())
    {
        config.sources.push(LocalSource {
            mid,
            ssrc,
            cname: "mediaplane-echo".into(),
            stream_id: "echo".into(),
            track_id: "echo-audio".into(),
        });
    }
    let (transport, answer) = WebRtcTransport::answer(&offer, config).map_err(|e| e.to_string())?;
    Ok((
        Peer {
            transport,
            ssrc,
            next_report: Instant::now(),
            echoed: 0,
            rtcp_in: 0,
        },
        answer.sdp,
    ))
}
