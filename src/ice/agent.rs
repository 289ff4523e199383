//! The ICE-lite agent: answers connectivity checks, keeps the valid pairs,
//! follows nomination and consent.

use core::net::SocketAddr;
use core::time::Duration;
use std::collections::VecDeque;
use std::time::Instant;

use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::candidate::{priority, Candidate, HOST_TYPE_PREFERENCE};
use super::credentials::IceCredentials;
use super::stun::{self, ResponseKey, StunClass, StunMessage};
use crate::{Error, Result};

/// RFC 7675 §5.1: consent expires 30 s after the last authenticated check.
pub const CONSENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of an [`IceLite`] agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IceConfig {
    /// How long a pair stays valid without an authenticated check
    /// ([`CONSENT_TIMEOUT`], 30 s, by default).
    pub consent_timeout: Duration,
    /// Most candidate pairs kept (16 by default). Only pairs that passed a
    /// check are kept, so reaching this needs the credentials; when full,
    /// the pair whose consent expires first is dropped (never the selected
    /// one).
    pub max_pairs: usize,
    /// Most datagrams and most events waiting to be polled (64 each by
    /// default); beyond that the oldest are dropped, so a host that stops
    /// polling cannot make the agent grow.
    pub max_queued: usize,
}

impl Default for IceConfig {
    fn default() -> Self {
        IceConfig {
            consent_timeout: CONSENT_TIMEOUT,
            max_pairs: 16,
            max_queued: 64,
        }
    }
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local address to send from (the address the request came to).
    pub from: SocketAddr,
    /// The destination.
    pub to: SocketAddr,
    /// The datagram.
    pub bytes: Vec<u8>,
}

/// A candidate pair, named by its 5-tuple (the transport is always UDP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CandidatePair {
    /// Our address: where the check arrived.
    pub local: SocketAddr,
    /// The peer's address: where the check came from.
    pub remote: SocketAddr,
}

/// What the host must know; see [`IceLite::poll_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IceEvent {
    /// A check on this pair succeeded for the first time: datagrams from it
    /// are now accepted.
    PairValidated(CandidatePair),
    /// The peer nominated this pair (USE-CANDIDATE).
    Nominated(CandidatePair),
    /// Media is now to be sent on this pair, or nowhere (`None`).
    SelectedPairChanged(Option<CandidatePair>),
    /// The selected pair went [`IceConfig::consent_timeout`] without an
    /// authenticated check: it is no longer authenticated and media on it
    /// stops (RFC 7675 §5.1). A `SelectedPairChanged` follows.
    ConsentLost(CandidatePair),
    /// A pair that was not selected lost consent and was dropped.
    PairExpired(CandidatePair),
}

/// What [`IceLite::handle_datagram`] did with a STUN message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StunOutcome {
    /// An authenticated Binding request: a success response is queued and
    /// the pair is valid.
    Success {
        /// The pair the check came over.
        pair: CandidatePair,
        /// Whether the request carried USE-CANDIDATE.
        nominated: bool,
    },
    /// An error response with this code is queued (400, 401, 420 or 487).
    ErrorResponse(u16),
    /// Not a request this agent answers (an indication such as a
    /// keep-alive, a response, another method); nothing is sent.
    Ignored,
}

/// Counters of an [`IceLite`] agent, for logs and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IceStats {
    /// Binding requests that parsed.
    pub requests: u64,
    /// Success responses queued.
    pub success_responses: u64,
    /// Error responses queued.
    pub error_responses: u64,
    /// Requests refused for a wrong USERNAME or MESSAGE-INTEGRITY (401).
    pub auth_failures: u64,
    /// Requests that asked us to take the controlling role (487).
    pub role_conflicts: u64,
    /// Datagrams that are not well-formed STUN, dropped.
    pub malformed: u64,
    /// Messages whose FINGERPRINT did not match, dropped silently
    /// (RFC 8489 §7.3).
    pub bad_fingerprint: u64,
    /// Well-formed messages this agent does not act on.
    pub ignored: u64,
    /// Non-STUN datagrams refused by [`IceLite::admit`] because their
    /// 5-tuple has not passed a check (or lost consent).
    pub unauthenticated_dropped: u64,
    /// Times the selected pair lost consent.
    pub consent_lost: u64,
}

#[derive(Debug, Clone)]
struct PairState {
    pair: CandidatePair,
    /// RFC 8445 §6.1.2.3 pair priority, we being the controlled agent.
    priority: u64,
    nominated: bool,
    consent_expires: Instant,
    /// The peer's ufrag that authenticated the last check on this pair.
    remote_ufrag: String,
}

/// An ICE-lite agent (RFC 8445 §2.5): always controlled, it answers the
/// peer's connectivity checks and never sends its own.
///
/// It is a sans-IO engine with the crate's usual verbs: feed every STUN
/// datagram to [`handle_datagram`](Self::handle_datagram), send what
/// [`poll_transmit`](Self::poll_transmit) returns, act on
/// [`poll_event`](Self::poll_event), and call
/// [`handle_timeout`](Self::handle_timeout) when
/// [`poll_timeout`](Self::poll_timeout) says. For every other datagram on
/// the same port (DTLS, SRTP, SRTCP) the transport asks
/// [`admit`](Self::admit) first and drops what it refuses: only a 5-tuple
/// that passed a check, and still has consent, gets through. Addresses are
/// never learnt from anything else.
///
/// ```
/// use mediaplane::ice::{IceCredentials, IceLite};
/// use std::time::Instant;
///
/// let mut agent = IceLite::new(IceCredentials::generate()?);
/// agent.add_host_candidate("192.0.2.1:3478".parse().unwrap());
/// agent.set_remote_credentials("Ab3x", "0123456789abcdefghijklmn")?;
/// let now = Instant::now();
/// // A datagram that is not STUN is an error, counted; nothing is sent.
/// let from = "198.51.100.7:50000".parse().unwrap();
/// let to = "192.0.2.1:3478".parse().unwrap();
/// assert!(agent.handle_datagram(now, from, to, b"garbage").is_err());
/// assert!(agent.poll_transmit().is_none());
/// assert!(!agent.admit(to, from));
/// # Ok::<(), mediaplane::Error>(())
/// ```
#[derive(Debug)]
pub struct IceLite {
    config: IceConfig,
    local: IceCredentials,
    /// HMAC keyed with our password, cloned per check.
    check_key: Hmac<Sha1>,
    response_key: ResponseKey,
    remote: Option<IceCredentials>,
    local_candidates: Vec<Candidate>,
    pairs: Vec<PairState>,
    selected: Option<CandidatePair>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<IceEvent>,
    stats: IceStats,
}

fn hmac_key(pwd: &str) -> Hmac<Sha1> {
    // HMAC takes keys of any length, so this cannot fail; the fallback
    // keeps the code free of panics all the same.
    Hmac::<Sha1>::new_from_slice(pwd.as_bytes())
        .unwrap_or_else(|_| <Hmac<Sha1> as hmac::digest::KeyInit>::new(&Default::default()))
}

/// RFC 8445 §6.1.2.3 with G the controlling (peer's) and D the controlled
/// (our) candidate priority.
fn pair_priority(g: u32, d: u32) -> u64 {
    let (g, d) = (u64::from(g), u64::from(d));
    (g.min(d) << 32) + 2 * g.max(d) + u64::from(g > d)
}

impl IceLite {
    /// An agent with our credentials and the default [`IceConfig`].
    pub fn new(local: IceCredentials) -> Self {
        Self::with_config(local, IceConfig::default())
    }

    /// An agent with our credentials and `config`.
    pub fn with_config(local: IceCredentials, config: IceConfig) -> Self {
        let config = IceConfig {
            max_pairs: config.max_pairs.max(1),
            max_queued: config.max_queued.max(1),
            ..config
        };
        IceLite {
            config,
            check_key: hmac_key(local.pwd()),
            response_key: ResponseKey::new(local.pwd()),
            local,
            remote: None,
            local_candidates: Vec::new(),
            pairs: Vec::new(),
            selected: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: IceStats::default(),
        }
    }

    /// Our credentials, for the SDP.
    pub fn local_credentials(&self) -> &IceCredentials {
        &self.local
    }

    /// The peer's credentials, once set.
    pub fn remote_credentials(&self) -> Option<&IceCredentials> {
        self.remote.as_ref()
    }

    /// Adds a host candidate for a local address. Candidates are ranked in
    /// the order added (local preference 65535, 65534, ...). Returns the
    /// candidate, whose `to_string()` is the `a=candidate` value. Adding an
    /// address twice returns the existing candidate.
    pub fn add_host_candidate(&mut self, addr: SocketAddr) -> Candidate {
        if let Some(c) = self
            .local_candidates
            .iter()
            .find(|c| c.socket_addr() == Some(addr))
        {
            return c.clone();
        }
        let n = self.local_candidates.len();
        let pref = u16::MAX.saturating_sub(u16::try_from(n).unwrap_or(u16::MAX));
        let c = Candidate::host(addr, pref);
        self.local_candidates.push(c.clone());
        c
    }

    /// Our candidates, in the order added.
    pub fn local_candidates(&self) -> &[Candidate] {
        &self.local_candidates
    }

    /// Sets the peer's `a=ice-ufrag`/`a=ice-pwd`. Checks whose USERNAME does
    /// not name this ufrag are refused from now on. Changing credentials
    /// that were already set is an ICE restart (RFC 8445 §9): every pair
    /// but the selected one is dropped, and media stays on the selected
    /// pair until the peer nominates a pair under the new credentials.
    pub fn set_remote_credentials(&mut self, ufrag: &str, pwd: &str) -> Result<()> {
        let new = IceCredentials::new(ufrag, pwd)?;
        match &self.remote {
            Some(old) if *old == new => return Ok(()),
            Some(_) => self.restart(),
            None => {
                // Checks may have arrived before the peer's SDP; keep only
                // the pairs its ufrag authenticated.
                let keep = new.ufrag().to_owned();
                self.drop_pairs_where(|p| p.remote_ufrag != keep);
            }
        }
        self.remote = Some(new);
        Ok(())
    }

    /// Replaces our credentials (an ICE restart on our side, RFC 8445 §9):
    /// every pair but the selected one is dropped.
    pub fn set_local_credentials(&mut self, local: IceCredentials) {
        if local == self.local {
            return;
        }
        self.check_key = hmac_key(local.pwd());
        self.response_key = ResponseKey::new(local.pwd());
        self.local = local;
        self.restart();
    }

    fn restart(&mut self) {
        let selected = self.selected;
        self.drop_pairs_where(|p| Some(p.pair) != selected);
        // The old pair carries media until a new nomination replaces it.
        for p in &mut self.pairs {
            p.nominated = false;
        }
    }

    fn drop_pairs_where(&mut self, mut f: impl FnMut(&PairState) -> bool) {
        let selected = self.selected;
        let mut lost_selected = false;
        self.pairs.retain(|p| {
            let drop = f(p);
            if drop && Some(p.pair) == selected {
                lost_selected = true;
            }
            !drop
        });
        if lost_selected {
            self.selected = None;
            self.reselect();
            if self.selected.is_none() {
                self.push_event(IceEvent::SelectedPairChanged(None));
            }
        }
    }

    /// Handles one datagram that arrived on `to` from `from` and that the
    /// transport classified as STUN (RFC 7983). `Err` means it was dropped
    /// without an answer — not STUN, malformed, or a FINGERPRINT mismatch —
    /// and is counted in [`stats`](Self::stats); otherwise the outcome says
    /// what was queued.
    ///
    /// Binding requests are judged as RFC 8445 §7.3 and RFC 8489 §9.1.3
    /// say: without USERNAME or MESSAGE-INTEGRITY, 400; a USERNAME that is
    /// not `our-ufrag:peer-ufrag` or an integrity that does not verify with
    /// our password, 401 (both without MESSAGE-INTEGRITY, and never larger
    /// than the request, so they cannot amplify a spoofed flood); unknown
    /// comprehension-required attributes, 420; a malformed PRIORITY,
    /// ICE-CONTROLLING or ICE-CONTROLLED, or both of the latter, 400;
    /// ICE-CONTROLLED, 487 — a lite agent is always controlled, so a peer
    /// claiming the controlled role is in conflict and RFC 8445 §7.3.1.1
    /// has it switch to controlling (our tiebreaker is taken as the
    /// largest). Authenticated error responses carry MESSAGE-INTEGRITY.
    /// Everything else valid gets a 200 with XOR-MAPPED-ADDRESS,
    /// MESSAGE-INTEGRITY and FINGERPRINT, and validates the pair.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        bytes: &[u8],
    ) -> Result<StunOutcome> {
        self.expire(now);
        let msg = match StunMessage::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e);
            }
        };
        if msg.fingerprint_ok() == Some(false) {
            self.stats.bad_fingerprint += 1;
            return Err(Error::invalid(
                "stun fingerprint does not match the message",
                None,
            ));
        }
        if msg.class() != StunClass::Request || msg.method() != stun::BINDING {
            self.stats.ignored += 1;
            return Ok(StunOutcome::Ignored);
        }
        self.stats.requests += 1;
        let tid = msg.transaction_id();
        let reply = Transmit {
            from: to,
            to: from,
            bytes: Vec::new(),
        };

        let Some(username) = msg.username().filter(|_| msg.has_integrity()) else {
            return self.error_response(reply, tid, 400, &[], false);
        };
        let Some(remote_ufrag) = self.check_username(username) else {
            self.stats.auth_failures += 1;
            return self.error_response(reply, tid, 401, &[], false);
        };
        if !msg.verify_integrity_with(self.check_key.clone()) {
            self.stats.auth_failures += 1;
            return self.error_response(reply, tid, 401, &[], false);
        }

        let mut unknown = [0u16; 8];
        let mut n_unknown = 0;
        for t in msg.unknown_required() {
            if let Some(slot) = unknown.get_mut(n_unknown) {
                *slot = t;
                n_unknown += 1;
            }
        }
        if n_unknown > 0 {
            let list = unknown.get(..n_unknown).unwrap_or(&[]);
            return self.error_response(reply, tid, 420, list, true);
        }
        let (Ok(prio), Ok(controlling), Ok(controlled)) =
            (msg.priority(), msg.ice_controlling(), msg.ice_controlled())
        else {
            return self.error_response(reply, tid, 400, &[], true);
        };
        if controlling.is_some() && controlled.is_some() {
            return self.error_response(reply, tid, 400, &[], true);
        }
        if controlled.is_some() {
            self.stats.role_conflicts += 1;
            return self.error_response(reply, tid, 487, &[], true);
        }

        // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the
        // peer must see the IPv4 address it sent from.
        let mapped = SocketAddr::new(from.ip().to_canonical(), from.port());
        let bytes = stun::binding_success(tid, mapped, &self.response_key)?;
        let remote_ufrag = remote_ufrag.to_owned();
        self.stats.success_responses += 1;
        self.push_transmit(Transmit { bytes, ..reply });

        let pair = CandidatePair {
            local: to,
            remote: from,
        };
        let nominated = msg.use_candidate();
        let local_prio = self.local_priority(to);
        // PRIORITY is mandatory in checks (RFC 8445 §7.1.1); a peer that
        // leaves it out gets the priority of a peer-reflexive candidate.
        let remote_prio = prio.unwrap_or_else(|| priority(110, u16::MAX, 1));
        self.validate(
            now,
            pair,
            pair_priority(remote_prio, local_prio),
            nominated,
            remote_ufrag,
        );
        Ok(StunOutcome::Success { pair, nominated })
    }

    /// Returns the peer's ufrag from `our-ufrag:peer-ufrag` when it names
    /// us and, once known, the peer.
    fn check_username<'u>(&self, username: &'u [u8]) -> Option<&'u str> {
        let username = core::str::from_utf8(username).ok()?;
        let (ours, theirs) = username.split_once(':')?;
        if ours != self.local.ufrag() || theirs.is_empty() {
            return None;
        }
        match &self.remote {
            Some(r) if r.ufrag() != theirs => None,
            _ => Some(theirs),
        }
    }

    fn local_priority(&self, local: SocketAddr) -> u32 {
        self.local_candidates
            .iter()
            .find(|c| c.socket_addr() == Some(local))
            .map(|c| c.priority)
            .unwrap_or(priority(HOST_TYPE_PREFERENCE, 0, 1))
    }

    fn error_response(
        &mut self,
        reply: Transmit,
        tid: [u8; 12],
        code: u16,
        unknown: &[u16],
        authenticated: bool,
    ) -> Result<StunOutcome> {
        let key = authenticated.then_some(&self.response_key);
        let bytes = stun::binding_error(tid, code, unknown, key)?;
        self.stats.error_responses += 1;
        self.push_transmit(Transmit { bytes, ..reply });
        Ok(StunOutcome::ErrorResponse(code))
    }

    fn validate(
        &mut self,
        now: Instant,
        pair: CandidatePair,
        prio: u64,
        nominated: bool,
        remote_ufrag: String,
    ) {
        let expires = now + self.config.consent_timeout;
        let idx = match self.pairs.iter().position(|p| p.pair == pair) {
            Some(i) => i,
            None => {
                if self.pairs.len() >= self.config.max_pairs {
                    self.evict_one();
                }
                self.pairs.push(PairState {
                    pair,
                    priority: prio,
                    nominated: false,
                    consent_expires: expires,
                    remote_ufrag: String::new(),
                });
                self.push_event(IceEvent::PairValidated(pair));
                self.pairs.len() - 1
            }
        };
        let mut newly_nominated = false;
        if let Some(p) = self.pairs.get_mut(idx) {
            p.consent_expires = expires;
            p.priority = prio;
            p.remote_ufrag = remote_ufrag;
            if nominated && !p.nominated {
                p.nominated = true;
                newly_nominated = true;
            }
        }
        if newly_nominated {
            self.push_event(IceEvent::Nominated(pair));
            self.reselect();
        }
    }

    fn evict_one(&mut self) {
        let selected = self.selected;
        let victim = self
            .pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| Some(p.pair) != selected)
            .min_by_key(|(_, p)| p.consent_expires)
            .map(|(i, _)| i);
        if let Some(i) = victim {
            let p = self.pairs.remove(i);
            self.push_event(IceEvent::PairExpired(p.pair));
        }
    }

    /// The highest-priority nominated pair becomes the selected one
    /// (RFC 8445 §8.1.1); with none nominated the current choice stays.
    fn reselect(&mut self) {
        let best = self
            .pairs
            .iter()
            .filter(|p| p.nominated)
            .max_by_key(|p| p.priority)
            .map(|p| p.pair);
        if best.is_some() && best != self.selected {
            self.selected = best;
            self.push_event(IceEvent::SelectedPairChanged(best));
        }
    }

    fn expire(&mut self, now: Instant) {
        if !self.pairs.iter().any(|p| p.consent_expires <= now) {
            return;
        }
        let selected = self.selected;
        let mut expired = Vec::new();
        self.pairs.retain(|p| {
            let keep = p.consent_expires > now;
            if !keep {
                expired.push(p.pair);
            }
            keep
        });
        for pair in expired {
            if Some(pair) == selected {
                self.stats.consent_lost += 1;
                self.selected = None;
                self.push_event(IceEvent::ConsentLost(pair));
            } else {
                self.push_event(IceEvent::PairExpired(pair));
            }
        }
        if selected.is_some() && self.selected.is_none() {
            self.reselect();
            if self.selected.is_none() {
                self.push_event(IceEvent::SelectedPairChanged(None));
            }
        }
    }

    fn push_transmit(&mut self, t: Transmit) {
        if self.transmits.len() >= self.config.max_queued {
            self.transmits.pop_front();
        }
        self.transmits.push_back(t);
    }

    fn push_event(&mut self, e: IceEvent) {
        if self.events.len() >= self.config.max_queued {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<IceEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called:
    /// the earliest consent expiry, or `None` with no pairs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pairs.iter().map(|p| p.consent_expires).min()
    }

    /// Expires consent on the pairs whose time has come.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire(now);
    }

    /// Whether datagrams on this 5-tuple are authenticated: a check over it
    /// succeeded and its consent has not lapsed (as of the last
    /// `handle_datagram`/`handle_timeout`).
    pub fn is_authenticated(&self, local: SocketAddr, remote: SocketAddr) -> bool {
        self.pairs
            .iter()
            .any(|p| p.pair.local == local && p.pair.remote == remote)
    }

    /// [`is_authenticated`](Self::is_authenticated) for a non-STUN datagram
    /// that arrived on `local` from `remote`, counting refusals in
    /// [`IceStats::unauthenticated_dropped`]. The transport calls this
    /// before handing DTLS, SRTP or SRTCP to their engines.
    pub fn admit(&mut self, local: SocketAddr, remote: SocketAddr) -> bool {
        let ok = self.is_authenticated(local, remote);
        if !ok {
            self.stats.unauthenticated_dropped += 1;
        }
        ok
    }

    /// The pair media goes to: the highest-priority nominated pair that
    /// still has consent.
    pub fn selected_pair(&self) -> Option<CandidatePair> {
        self.selected
    }

    /// The valid pairs (passed a check, consent not lapsed), with whether
    /// each is nominated.
    pub fn valid_pairs(&self) -> impl Iterator<Item = (CandidatePair, bool)> + '_ {
        self.pairs.iter().map(|p| (p.pair, p.nominated))
    }

    /// The counters.
    pub fn stats(&self) -> IceStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_priority_formula() {
        // RFC 8445 §6.1.2.3 with G > D sets the low bit.
        assert_eq!(pair_priority(2, 1), (1 << 32) + 4 + 1);
        assert_eq!(pair_priority(1, 2), (1 << 32) + 4);
    }

    #[test]
    fn host_candidates_in_order() {
        let mut a = IceLite::new(IceCredentials::generate().unwrap());
        let p1 = a
            .add_host_candidate("192.0.2.1:1000".parse().unwrap())
            .priority;
        let p2 = a
            .add_host_candidate("[2001:db8::1]:1000".parse().unwrap())
            .priority;
        let again = a
            .add_host_candidate("192.0.2.1:1000".parse().unwrap())
            .priority;
        assert!(p1 > p2);
        assert_eq!(p1, again);
        assert_eq!(a.local_candidates().len(), 2);
    }
}
