//! The mediaplane demo: one SIP call over UDP on 127.0.0.1, placed by a
//! small UAC on the main thread and answered by the UAS of the `sip_uas`
//! example (`examples/common/uas.rs`) on a second thread. Every message is
//! built with [`MessageBuilder`] or parsed and validated with [`Message`];
//! the demo prints one line per message (direction, start line, Call-ID,
//! CSeq, branch) and the SDP answer, and exits 0 when the call completed,
//! 1 otherwise. Every wait is bounded, so it ends within about a second
//! even when the exchange fails.
//!
//! Run it with `cargo run --release --example demo`.

#[path = "common/uas.rs"]
mod uas;

use std::error::Error;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use mediaplane::sip::{new_tag, Message, MessageBuilder, Method};
use uas::{describe, serve, Config, Serve, Uas, MAX_DATAGRAM};

/// How long the UAC waits for an answer before resending a request.
const RESEND_AFTER: Duration = Duration::from_millis(200);
/// How long the whole call may take.
const CALL_BUDGET: Duration = Duration::from_secs(1);

type BoxResult<T> = Result<T, Box<dyn Error>>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The UAC's side of the call: its socket, its identity and its dialog.
struct Uac {
    socket: UdpSocket,
    local: SocketAddr,
    peer: SocketAddr,
    call_id: String,
    from: String,
    deadline: Instant,
    buf: Vec<u8>,
}

/// What the UAC keeps of a final response.
struct Final {
    status: u16,
    to: String,
    contact: Option<String>,
    body: Vec<u8>,
}

impl Uac {
    fn request(&self, method: &str, uri: &str, cseq: u32, to: &str) -> BoxResult<MessageBuilder> {
        let mut b = MessageBuilder::request(method, uri)?
            .with_header("Max-Forwards", "70")?
            .with_header("From", &self.from)?
            .with_header("To", to)?
            .with_header("Call-ID", &self.call_id)?
            .with_header("CSeq", format!("{cseq} {method}"))?
            .with_header("Contact", format!("<sip:demo@{}>", self.local))?
            .with_header(
                "User-Agent",
                concat!("mediaplane-demo/", env!("CARGO_PKG_VERSION")),
            )?;
        // Every request here starts a transaction, so each gets a fresh branch.
        b.push_via("UDP", &self.local.to_string(), None, true)?;
        Ok(b)
    }

    fn send(&self, bytes: &[u8]) -> BoxResult<()> {
        let msg = Message::parse(bytes)?;
        msg.validate()?;
        println!("-> {}", describe(&msg));
        self.socket.send_to(bytes, self.peer)?;
        Ok(())
    }

    /// Sends `request` and reads its responses, printing each, until the
    /// final one; resends the request while nothing comes back (RFC 3261
    /// §17.1.1.2, §17.1.2.2, with a shorter interval than T1 since the peer
    /// is on loopback).
    fn transact(&mut self, request: &[u8], method: Method<'_>) -> BoxResult<Final> {
        self.send(request)?;
        let mut to_tag: Option<String> = None;
        let mut heard = false;
        loop {
            let now = Instant::now();
            if now >= self.deadline {
                return Err(format!("no final response to {method} in time").into());
            }
            self.socket
                .set_read_timeout(Some(RESEND_AFTER.min(self.deadline - now)))?;
            let (n, from) = match self.socket.recv_from(&mut self.buf) {
                Ok(got) => got,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    // Any answer stops the resending (§17.1.1.2).
                    if !heard {
                        self.send(request)?;
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let bytes = self.buf.get(..n).unwrap_or_default();
            let msg = Message::parse(bytes)?;
            msg.validate()?;
            println!("<- {}", describe(&msg));
            let cseq = msg.cseq()?;
            if from != self.peer
                || msg.is_request()
                || msg.call_id()? != self.call_id
                || cseq.method != method
            {
                println!("   (not an answer to this {method}: ignored)");
                continue;
            }
            heard = true;
            let status = msg.status().unwrap_or_default();
            let to = msg.to()?;
            // §12.1: one To-tag across the provisional and final answers.
            if let (Some(seen), Some(tag)) = (&to_tag, to.tag()) {
                if seen != tag {
                    return Err(format!(
                        "to-tag changed from {seen} to {tag} within one transaction"
                    )
                    .into());
                }
            }
            if let Some(tag) = to.tag() {
                to_tag = Some(tag.to_owned());
            }
            if status >= 200 {
                let contact = match msg.contacts().next() {
                    Some(c) => c?.addr().map(|a| a.uri.to_string()),
                    None => None,
                };
                let to = msg
                    .header(mediaplane::sip::HeaderName::To)
                    .map(|h| h.value)
                    .unwrap_or_default();
                return Ok(Final {
                    status,
                    to: String::from_utf8_lossy(to).into_owned(),
                    contact,
                    body: msg.body().to_vec(),
                });
            }
        }
    }
}

fn run() -> BoxResult<()> {
    let started = Instant::now();
    let uas_socket = UdpSocket::bind("127.0.0.1:0")?;
    let uas_addr = uas_socket.local_addr()?;
    let server = thread::spawn(move || {
        let mut engine = Uas::new(uas_addr, Config::default());
        let stop = Serve {
            max_calls: Some(1),
            deadline: Some(Instant::now() + CALL_BUDGET + Duration::from_millis(500)),
            verbose: false,
            quiet: false,
        };
        serve(&uas_socket, &mut engine, &stop)
    });

    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let local = socket.local_addr()?;
    println!(
        "mediaplane {} demo: UAC {local} calls UAS {uas_addr} over UDP",
        mediaplane::VERSION
    );
    let mut uac = Uac {
        socket,
        local,
        peer: uas_addr,
        call_id: format!("{}@{}", new_tag(), local.ip()),
        from: format!("\"Demo\" <sip:demo@{local}>;tag={}", new_tag()),
        deadline: started + CALL_BUDGET,
        buf: vec![0; MAX_DATAGRAM],
    };
    let target = format!("sip:uas@{uas_addr}");
    let to = format!("<{target}>");

    let offer = format!(
        "v=0\r\no=demo 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n",
        ip = local.ip()
    );
    let invite = uac
        .request("INVITE", &target, 1, &to)?
        .with_body("application/sdp", offer.as_bytes())?
        .to_bytes();
    let answered = uac.transact(&invite, Method::Invite)?;
    if answered.status != 200 {
        return Err(format!("INVITE answered {}", answered.status).into());
    }
    let sdp = String::from_utf8(answered.body).map_err(|_| "the SDP answer is not UTF-8")?;
    if !sdp.starts_with("v=0\r\n") {
        return Err("the 200 carries no SDP answer".into());
    }
    // In-dialog requests go to the Contact of the 200 (§12.1.2), with the
    // To-tag it set.
    let remote = answered.contact.ok_or("the 200 has no Contact")?;
    println!("   SDP answer:");
    for line in sdp.lines() {
        println!("     {line}");
    }
    let ack = uac.request("ACK", &remote, 1, &answered.to)?.to_bytes();
    uac.send(&ack)?;

    let bye = uac.request("BYE", &remote, 2, &answered.to)?.to_bytes();
    let ended = uac.transact(&bye, Method::Bye)?;
    if ended.status != 200 {
        return Err(format!("BYE answered {}", ended.status).into());
    }
    let elapsed = started.elapsed();

    let served = server
        .join()
        .map_err(|_| "the UAS thread panicked")?
        .map_err(|e| format!("UAS: {e}"))?;
    if served.calls != 1 {
        return Err(format!("the UAS saw {} calls end, not 1", served.calls).into());
    }
    println!(
        "call completed in {:.1} ms; the UAS received {} datagrams",
        elapsed.as_secs_f64() * 1e3,
        served.datagrams
    );
    Ok(())
}
