//! A SIP user agent server that answers every call, shared by the `sip_uas`
//! and `demo` examples: [`Uas`] is a sans-IO engine with the crate's verbs
//! (`handle_datagram`, `poll_transmit`, `poll_event`, `poll_timeout`,
//! `handle_timeout`) and [`serve`] is the blocking loop that drives it from
//! one UDP socket. It implements what a UAS needs to complete calls with a
//! UAC such as SIPp (RFC 3261): 100, 180 and a 200 with an SDP answer and a
//! Contact for an INVITE, one To-tag per call (§8.2.6.2, §13.3.1); the 2xx,
//! and a 487, resent with doubling intervals until the ACK comes (§13.3.1.4,
//! §17.2.1); the latest answer resent for a retransmitted INVITE and BYE;
//! CANCEL (§9.2), BYE (§15.1.2), OPTIONS with Allow (§11.2); 400 with a
//! Warning for a request that fails validation (§8.2, §20.43); 501 for other
//! methods (§8.2.1). Answers go to the datagram's source address, as RFC 3581
//! §4 asks of symmetric response routing. Call state is keyed by Call-ID and
//! bounded; after a BYE only the BYE's answer is kept, for Timer J, so a
//! retransmitted BYE gets the same 200. Left out: authentication, transports
//! other than UDP, media (the SDP answer names a port nothing listens on, and
//! offers the same codecs whatever the offer was), and the BYE a UAS should
//! send when the ACK for its 2xx never comes.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use mediaplane::sip::{new_tag, Message, MessageBuilder, Method, StartLine};

/// RFC 3261 T1, the round-trip estimate that starts retransmission.
const T1: Duration = Duration::from_millis(500);
/// RFC 3261 T2, the longest interval between retransmissions.
const T2: Duration = Duration::from_secs(4);
/// 64*T1: Timer H (how long to wait for an ACK) and Timer J (how long a
/// finished transaction absorbs retransmissions).
const LINGER: Duration = Duration::from_secs(32);

/// The methods this UAS answers, for Allow.
pub const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS";

/// The largest UDP payload.
pub const MAX_DATAGRAM: usize = 65_535;

const SERVER: &str = concat!("mediaplane-uas/", env!("CARGO_PKG_VERSION"));

/// How the UAS behaves.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// How long a call rings (180 sent) before the 200; zero answers at once.
    pub ring: Duration,
    /// Most calls kept in the state map; the oldest finished, then the
    /// oldest, make room.
    pub max_calls: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ring: Duration::ZERO,
            max_calls: 4096,
        }
    }
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to.
    pub destination: SocketAddr,
    /// The serialized message.
    pub contents: Vec<u8>,
}

/// What the host should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A call was answered with 200.
    Answered {
        /// Its Call-ID.
        call_id: String,
    },
    /// A BYE ended a call and was answered 200.
    Ended {
        /// Its Call-ID.
        call_id: String,
    },
    /// The ACK for a 200 or 487 never came (Timer H); the call is forgotten.
    AckTimeout {
        /// Its Call-ID.
        call_id: String,
    },
    /// A request failed validation and was answered 400.
    Rejected {
        /// Source of the request.
        from: SocketAddr,
        /// Why.
        reason: String,
    },
    /// A datagram was dropped without an answer.
    Dropped {
        /// Its source.
        from: SocketAddr,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Answered { call_id } => write!(f, "call {call_id} answered"),
            Event::Ended { call_id } => write!(f, "call {call_id} ended"),
            Event::AckTimeout { call_id } => write!(f, "call {call_id}: no ack, forgotten"),
            Event::Rejected { from, reason } => write!(f, "{from}: answered 400: {reason}"),
            Event::Dropped { from, reason } => write!(f, "{from}: dropped: {reason}"),
        }
    }
}

#[derive(Debug)]
enum State {
    /// 180 sent, 200 due at the instant.
    Ringing(Instant),
    /// 200 sent (resent until the ACK while `Call::resend` is set).
    Answered,
    /// CANCEL accepted, 487 sent.
    Cancelled,
    /// BYE answered; the BYE's CSeq number and its answer.
    Ended(u32, Vec<u8>),
}

#[derive(Debug, Clone, Copy)]
struct Resend {
    at: Instant,
    interval: Duration,
    give_up: Instant,
}

impl Resend {
    fn start(now: Instant) -> Self {
        Resend {
            at: now + T1,
            interval: T1,
            give_up: now + LINGER,
        }
    }
}

#[derive(Debug)]
struct Call {
    tag: String,
    peer: SocketAddr,
    /// The INVITE being answered, kept to answer it later (200 after
    /// ringing, 487 after CANCEL); emptied when the call ends.
    invite: Vec<u8>,
    invite_cseq: u32,
    /// The latest answer to the INVITE, resent for a retransmission.
    last: Vec<u8>,
    state: State,
    resend: Option<Resend>,
    media_port: u16,
    session_id: u64,
    born: u64,
    forget_at: Option<Instant>,
}

/// The UAS engine. Feed it datagrams and the time; take datagrams and events
/// from it.
#[derive(Debug)]
pub struct Uas {
    local: SocketAddr,
    config: Config,
    calls: HashMap<String, Call>,
    born: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl Uas {
    /// A UAS reachable at `local` (for Contact, Warning and the SDP answer).
    pub fn new(local: SocketAddr, config: Config) -> Self {
        Uas {
            local,
            config,
            calls: HashMap::new(),
            born: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Feeds one datagram received from `from`.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        // Keep-alives (RFC 5626 §3.5.1) need no answer over UDP.
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let msg = match Message::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                // Nothing to correlate an answer with.
                self.dropped(from, format!("unparseable: {e}"));
                return;
            }
        };
        if !msg.is_request() {
            self.dropped(from, "a response, and this UAS sends no requests".into());
            return;
        }
        if let Err(e) = msg.validate() {
            self.reject(from, &msg, &e);
            return;
        }
        let handled = match msg.method() {
            Some(Method::Invite) => self.on_invite(now, from, &msg, bytes),
            Some(Method::Ack) => self.on_ack(&msg),
            Some(Method::Bye) => self.on_bye(now, from, &msg),
            Some(Method::Cancel) => self.on_cancel(now, from, &msg),
            Some(Method::Options) => {
                let ok = MessageBuilder::response_to(&msg, 200, None, Some(&new_tag()))
                    .and_then(|b| b.with_header("Allow", ALLOW))
                    .and_then(|b| b.with_header("Accept", "application/sdp"))
                    .and_then(|b| b.with_header("Server", SERVER));
                ok.map(|b| self.send(from, b.to_bytes()))
            }
            _ => MessageBuilder::response_to(&msg, 501, None, Some(&new_tag()))
                .and_then(|b| b.with_header("Allow", ALLOW))
                .map(|b| self.send(from, b.to_bytes())),
        };
        if let Err(e) = handled {
            self.dropped(from, format!("cannot answer: {e}"));
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Uas::handle_timeout`] must next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.calls
            .values()
            .flat_map(|c| {
                let ring = match c.state {
                    State::Ringing(at) => Some(at),
                    _ => None,
                };
                [ring, c.resend.map(|r| r.at), c.forget_at]
            })
            .flatten()
            .min()
    }

    /// Answers calls that have rung long enough, resends unacknowledged
    /// answers and forgets finished calls.
    pub fn handle_timeout(&mut self, now: Instant) {
        for (call_id, call) in &mut self.calls {
            if let State::Ringing(at) = call.state {
                if at <= now {
                    match answer(&call.invite, call, self.local) {
                        Ok(ok) => {
                            call.last = ok;
                            call.state = State::Answered;
                            call.resend = Some(Resend::start(now));
                            self.transmits.push_back(Transmit {
                                destination: call.peer,
                                contents: call.last.clone(),
                            });
                            self.events.push_back(Event::Answered {
                                call_id: call_id.clone(),
                            });
                        }
                        Err(e) => {
                            self.events.push_back(Event::Dropped {
                                from: call.peer,
                                reason: format!("cannot answer call {call_id}: {e}"),
                            });
                            call.forget_at = Some(now);
                        }
                    }
                }
            }
            let Some(r) = call.resend.as_mut() else {
                continue;
            };
            if r.at > now {
                continue;
            }
            if now >= r.give_up {
                call.resend = None;
                call.forget_at = Some(now);
                self.events.push_back(Event::AckTimeout {
                    call_id: call_id.clone(),
                });
                continue;
            }
            r.interval = (r.interval * 2).min(T2);
            r.at = now + r.interval;
            self.transmits.push_back(Transmit {
                destination: call.peer,
                contents: call.last.clone(),
            });
        }
        self.calls
            .retain(|_, c| c.forget_at.is_none_or(|t| t > now));
    }

    fn send(&mut self, destination: SocketAddr, contents: Vec<u8>) {
        self.transmits.push_back(Transmit {
            destination,
            contents,
        });
    }

    fn dropped(&mut self, from: SocketAddr, reason: String) {
        self.events.push_back(Event::Dropped { from, reason });
    }

    fn reject(&mut self, from: SocketAddr, msg: &Message<'_>, err: &mediaplane::Error) {
        // An ACK is never answered (§17.2.1).
        if msg.method() == Some(Method::Ack) {
            self.dropped(from, format!("invalid ack: {err}"));
            return;
        }
        let warning = format!("399 {} {}", self.local, quoted(&err.to_string()));
        match MessageBuilder::response_to(msg, 400, None, Some(&new_tag()))
            .and_then(|b| b.with_header("Warning", warning))
        {
            Ok(b) => {
                self.send(from, b.to_bytes());
                self.events.push_back(Event::Rejected {
                    from,
                    reason: err.to_string(),
                });
            }
            Err(e) => self.dropped(from, format!("{err}, and cannot answer: {e}")),
        }
    }

    fn on_invite(
        &mut self,
        now: Instant,
        from: SocketAddr,
        msg: &Message<'_>,
        bytes: &[u8],
    ) -> mediaplane::Result<()> {
        let call_id = msg.call_id()?;
        let cseq = msg.cseq()?.seq;
        let to_tag = msg.to()?.tag();
        if let Some(call) = self.calls.get_mut(call_id) {
            let live = !matches!(call.state, State::Ended(..));
            if !live && cseq <= call.invite_cseq {
                // A stray copy of the INVITE of a call that is over.
                let reason = format!("INVITE of ended call {call_id} again");
                self.events.push_back(Event::Dropped { from, reason });
                return Ok(());
            }
            if live && call.invite_cseq == cseq {
                // A retransmission: the latest answer again.
                call.peer = from;
                self.transmits.push_back(Transmit {
                    destination: from,
                    contents: call.last.clone(),
                });
                return Ok(());
            }
            if to_tag == Some(call.tag.as_str()) && matches!(call.state, State::Ringing(_)) {
                // A re-INVITE before the first is answered (§14.2).
                let pending = MessageBuilder::response_to(msg, 491, None, None)?;
                self.transmits.push_back(Transmit {
                    destination: from,
                    contents: pending.to_bytes(),
                });
                return Ok(());
            }
            if to_tag == Some(call.tag.as_str()) && matches!(call.state, State::Answered) {
                // A re-INVITE: the same session again.
                call.invite = bytes.to_vec();
                call.invite_cseq = cseq;
                call.peer = from;
                call.last = answer(bytes, call, self.local)?;
                call.resend = Some(Resend::start(now));
                self.transmits.push_back(Transmit {
                    destination: from,
                    contents: call.last.clone(),
                });
                return Ok(());
            }
        }
        if to_tag.is_some() {
            let gone = MessageBuilder::response_to(msg, 481, None, None)?;
            self.send(from, gone.to_bytes());
            return Ok(());
        }

        self.make_room();
        self.born += 1;
        let mut call = Call {
            tag: new_tag(),
            peer: from,
            invite: bytes.to_vec(),
            invite_cseq: cseq,
            last: Vec::new(),
            state: State::Answered,
            resend: None,
            // An even port, as RTP wants (RFC 3550 §11), in 40000..60000.
            media_port: 40_000 + 2 * (self.born % 10_000) as u16,
            // Below 2^63, as RFC 4566 §5.2 suggests for an NTP-style number.
            session_id: u64::from_str_radix(&new_tag(), 16).unwrap_or(self.born) >> 1,
            born: self.born,
            forget_at: None,
        };
        let trying = MessageBuilder::response_to(msg, 100, None, None)?.to_bytes();
        let ringing = MessageBuilder::response_to(msg, 180, None, Some(&call.tag))?
            .with_header("Contact", contact(self.local))?
            .to_bytes();
        self.send(from, trying);
        self.send(from, ringing.clone());
        if self.config.ring.is_zero() {
            call.last = answer(bytes, &call, self.local)?;
            call.resend = Some(Resend::start(now));
            self.send(from, call.last.clone());
            self.events.push_back(Event::Answered {
                call_id: call_id.to_owned(),
            });
        } else {
            call.last = ringing;
            call.state = State::Ringing(now + self.config.ring);
        }
        self.calls.insert(call_id.to_owned(), call);
        Ok(())
    }

    fn on_ack(&mut self, msg: &Message<'_>) -> mediaplane::Result<()> {
        let cseq = msg.cseq()?.seq;
        if let Some(call) = self.calls.get_mut(msg.call_id()?) {
            if call.invite_cseq == cseq {
                call.resend = None;
            }
        }
        Ok(())
    }

    fn on_bye(
        &mut self,
        now: Instant,
        from: SocketAddr,
        msg: &Message<'_>,
    ) -> mediaplane::Result<()> {
        let call_id = msg.call_id()?;
        let cseq = msg.cseq()?.seq;
        let to_tag = msg.to()?.tag();
        let Some(call) = self.calls.get_mut(call_id) else {
            let gone = MessageBuilder::response_to(msg, 481, None, None)?;
            self.send(from, gone.to_bytes());
            return Ok(());
        };
        match &call.state {
            State::Ended(bye_cseq, ok) if *bye_cseq == cseq => {
                let ok = ok.clone();
                self.send(from, ok);
            }
            State::Answered if to_tag == Some(call.tag.as_str()) => {
                let ok = MessageBuilder::response_to(msg, 200, None, None)?
                    .with_header("Server", SERVER)?
                    .to_bytes();
                // The dialog is over: keep only what a retransmitted BYE needs.
                call.state = State::Ended(cseq, ok.clone());
                call.invite = Vec::new();
                call.last = Vec::new();
                call.resend = None;
                call.forget_at = Some(now + LINGER);
                self.send(from, ok);
                self.events.push_back(Event::Ended {
                    call_id: call_id.to_owned(),
                });
            }
            _ => {
                let gone = MessageBuilder::response_to(msg, 481, None, None)?;
                self.send(from, gone.to_bytes());
            }
        }
        Ok(())
    }

    fn on_cancel(
        &mut self,
        now: Instant,
        from: SocketAddr,
        msg: &Message<'_>,
    ) -> mediaplane::Result<()> {
        let cseq = msg.cseq()?.seq;
        // §9.2 matches CANCEL to the INVITE's transaction; Call-ID and CSeq
        // number identify it well enough for one UAS.
        let call = self
            .calls
            .get_mut(msg.call_id()?)
            .filter(|c| c.invite_cseq == cseq && !matches!(c.state, State::Ended(..)));
        let Some(call) = call else {
            let gone = MessageBuilder::response_to(msg, 481, None, Some(&new_tag()))?;
            self.send(from, gone.to_bytes());
            return Ok(());
        };
        // The same To-tag for the CANCEL's answer as for the INVITE's.
        let ok = MessageBuilder::response_to(msg, 200, None, Some(&call.tag))?.to_bytes();
        self.transmits.push_back(Transmit {
            destination: from,
            contents: ok,
        });
        // Once the INVITE has its final answer, CANCEL has no effect.
        if matches!(call.state, State::Ringing(_)) {
            let invite = Message::parse(&call.invite)?;
            call.last =
                MessageBuilder::response_to(&invite, 487, None, Some(&call.tag))?.to_bytes();
            call.state = State::Cancelled;
            call.resend = Some(Resend::start(now));
            call.forget_at = Some(now + LINGER);
            self.transmits.push_back(Transmit {
                destination: call.peer,
                contents: call.last.clone(),
            });
        }
        Ok(())
    }

    fn make_room(&mut self) {
        while self.calls.len() >= self.config.max_calls.max(1) {
            let victim = self
                .calls
                .iter()
                .min_by_key(|(_, c)| (c.forget_at.is_none(), c.born))
                .map(|(id, _)| id.clone());
            match victim {
                Some(id) => self.calls.remove(&id),
                None => break,
            };
        }
    }
}

fn contact(local: SocketAddr) -> String {
    format!("<sip:uas@{local}>")
}

/// The 200 to an INVITE, with the SDP answer.
fn answer(invite: &[u8], call: &Call, local: SocketAddr) -> mediaplane::Result<Vec<u8>> {
    let invite = Message::parse(invite)?;
    let sdp = sdp_answer(local, call.media_port, call.session_id);
    Ok(
        MessageBuilder::response_to(&invite, 200, None, Some(&call.tag))?
            .with_header("Contact", contact(local))?
            .with_header("Allow", ALLOW)?
            .with_header("Server", SERVER)?
            .with_body("application/sdp", sdp.as_bytes())?
            .to_bytes(),
    )
}

/// An RFC 4566 session: G.711 µ-law and A-law and RFC 4733 events.
fn sdp_answer(local: SocketAddr, media_port: u16, session_id: u64) -> String {
    let family = if local.is_ipv4() { "IP4" } else { "IP6" };
    let ip = local.ip();
    format!(
        "v=0\r\n\
         o=mediaplane {session_id} {session_id} IN {family} {ip}\r\n\
         s=mediaplane\r\n\
         c=IN {family} {ip}\r\n\
         t=0 0\r\n\
         m=audio {media_port} RTP/AVP 0 8 101\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\n\
         a=fmtp:101 0-16\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n"
    )
}

/// `text` as a quoted-string (RFC 3261 §25.1).
fn quoted(text: &str) -> String {
    let mut q = String::with_capacity(text.len() + 2);
    q.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                q.push('\\');
                q.push(c);
            }
            ' '..='~' => q.push(c),
            _ => q.push('?'),
        }
    }
    q.push('"');
    q
}

/// One line about a message: start line, Call-ID, CSeq and top Via branch.
pub fn describe(msg: &Message<'_>) -> String {
    let first = match *msg.start_line() {
        StartLine::Request { method, uri, .. } => format!("{method} {uri}"),
        StartLine::Response { status, reason, .. } => format!("{status} {reason}"),
    };
    let call_id = msg.call_id().unwrap_or("?");
    let cseq = msg
        .cseq()
        .map_or_else(|_| "?".to_owned(), |c| format!("{} {}", c.seq, c.method));
    let branch = msg.top_via().ok().and_then(|v| v.branch()).unwrap_or("-");
    format!("{first} | call-id {call_id} | cseq {cseq} | branch {branch}")
}

/// [`describe`] for raw bytes, which may not parse.
pub fn describe_bytes(bytes: &[u8]) -> String {
    match Message::parse(bytes) {
        Ok(m) => describe(&m),
        Err(e) => format!("unparseable datagram of {} bytes: {e}", bytes.len()),
    }
}

/// How [`serve`] runs and when it stops.
#[derive(Debug, Clone, Copy, Default)]
pub struct Serve {
    /// Return once this many calls have ended with a BYE.
    pub max_calls: Option<u64>,
    /// Return at this instant, whatever happened.
    pub deadline: Option<Instant>,
    /// One line per message and per event to stderr.
    pub verbose: bool,
    /// Not even failed sends are reported.
    pub quiet: bool,
}

/// What [`serve`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Served {
    /// Calls ended by a BYE.
    pub calls: u64,
    /// Datagrams received.
    pub datagrams: u64,
}

/// Runs `uas` on `socket` until a stop condition of `opts` holds. Returns
/// the first receive error; a failed send is reported and skipped, since it
/// concerns one peer.
pub fn serve(socket: &UdpSocket, uas: &mut Uas, opts: &Serve) -> io::Result<Served> {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut served = Served::default();
    loop {
        while let Some(t) = uas.poll_transmit() {
            if opts.verbose {
                eprintln!("-> {} {}", t.destination, describe_bytes(&t.contents));
            }
            if let Err(e) = socket.send_to(&t.contents, t.destination) {
                if !opts.quiet {
                    eprintln!("cannot send to {}: {e}", t.destination);
                }
            }
        }
        while let Some(event) = uas.poll_event() {
            if let Event::Ended { .. } = event {
                served.calls += 1;
            }
            if opts.verbose {
                eprintln!("   {event}");
            }
        }
        if opts.max_calls.is_some_and(|max| served.calls >= max) {
            return Ok(served);
        }
        let now = Instant::now();
        if opts.deadline.is_some_and(|d| d <= now) {
            return Ok(served);
        }
        let wake = [uas.poll_timeout(), opts.deadline]
            .into_iter()
            .flatten()
            .min();
        // A zero timeout means "block" to the OS, so wait at least 1 ms.
        let wait = wake.map(|w| {
            w.saturating_duration_since(now)
                .max(Duration::from_millis(1))
        });
        socket.set_read_timeout(wait)?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                let bytes = buf.get(..n).unwrap_or_default();
                served.datagrams += 1;
                if opts.verbose {
                    eprintln!("<- {from} {}", describe_bytes(bytes));
                }
                uas.handle_datagram(Instant::now(), from, bytes);
            }
            // An ICMP error for an earlier send surfaces here on some
            // systems; it concerns that peer only.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionRefused
                ) => {}
            Err(e) => return Err(e),
        }
        uas.handle_timeout(Instant::now());
    }
}
