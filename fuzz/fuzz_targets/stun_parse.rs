//! `StunMessage::parse` and `IceLite::handle_datagram` on arbitrary
//! datagrams, and on checks built from the input that carry valid
//! credentials, so the paths behind MESSAGE-INTEGRITY are reached too.
//!
//! Besides "no panic", checks that every attribute the view yields lies in
//! the input and inside the declared length, that a parsed message covers
//! the datagram exactly, that nothing unauthenticated validates a pair or
//! gets a success response, that every response the agent queues parses
//! as STUN with a matching FINGERPRINT and goes back to the sender, and
//! that the queues stay bounded.

#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use mediaplane::ice::{
    BindingRequest, IceConfig, IceCredentials, IceLite, StunClass, StunMessage, StunOutcome,
};

mod common;
use common::{assert_error_offset, assert_within};

const PEER_UFRAG: &str = "pEeR";

fn check_view(data: &[u8]) {
    match StunMessage::parse(data) {
        Ok(m) => {
            assert!(data.len() >= 20 && (data.len() - 20) % 4 == 0);
            assert_eq!(m.as_bytes().len(), data.len());
            for a in m.attributes() {
                assert_within(data, a.value, "attribute value");
                assert!(a.offset >= 20 && a.offset + 4 + a.value.len() <= data.len());
            }
            let _ = (m.class(), m.method(), m.transaction_id());
            let _ = (m.priority(), m.ice_controlling(), m.ice_controlled());
            let _ = (m.fingerprint_ok(), m.xor_mapped_address(), m.error_code());
            let _ = m.verify_integrity(b"0123456789abcdefghijkl");
            let _ = m.unknown_required().count();
        }
        Err(e) => assert_error_offset(&e, 0, data.len()),
    }
}

fn drain(agent: &mut IceLite, from: SocketAddr, to: SocketAddr) {
    while let Some(t) = agent.poll_transmit() {
        assert_eq!((t.from, t.to), (to, from));
        let r = StunMessage::parse(&t.bytes).expect("our response parses");
        assert_eq!(r.fingerprint_ok(), Some(true));
        assert!(matches!(r.class(), StunClass::Success | StunClass::Error));
        if r.class() == StunClass::Success {
            assert_eq!(r.xor_mapped_address(), Some(from));
            assert!(r.verify_integrity(agent.local_credentials().pwd().as_bytes()));
        }
    }
    while agent.poll_event().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    check_view(data);

    let Ok(local) = IceCredentials::new("lOcAl123", "0123456789abcdefghijklmn") else {
        return;
    };
    let config = IceConfig {
        max_pairs: 4,
        max_queued: 8,
        ..IceConfig::default()
    };
    let mut agent = IceLite::with_config(local, config);
    if agent
        .set_remote_credentials(PEER_UFRAG, "PeerPasswordPeerPassword")
        .is_err()
    {
        return;
    }
    let t0 = Instant::now();
    let to = SocketAddr::from(([192, 0, 2, 1], 3478));
    let from = SocketAddr::from(([0x2001, 0xdb8, 0, 0, 0, 0, 0, 5], 50000));

    // The datagram as it came.
    match agent.handle_datagram(t0, from, to, data) {
        Ok(StunOutcome::Success { .. }) => panic!("an unauthenticated datagram was accepted"),
        Ok(_) => {}
        Err(e) => assert_error_offset(&e, 0, data.len()),
    }
    assert!(!agent.is_authenticated(to, from));
    drain(&mut agent, from, to);

    // A check built from the input: flags, priority, username, then a
    // position and value to corrupt.
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let prio = rest
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(1);
    let name_len = usize::from(flags >> 4);
    let name: String = rest
        .iter()
        .skip(4)
        .take(name_len)
        .map(|&b| char::from(b'a' + b % 26))
        .collect();
    let username = if flags & 0x08 != 0 {
        format!("lOcAl123:{PEER_UFRAG}")
    } else {
        format!("lOcAl123:{name}")
    };
    let req = BindingRequest {
        transaction_id: [flags; 12],
        username: &username,
        password: if flags & 0x04 != 0 {
            "0123456789abcdefghijklmn"
        } else {
            "wrongwrongwrongwrongwrong"
        },
        priority: prio,
        tiebreaker: u64::from(prio),
        controlling: flags & 0x02 == 0,
        use_candidate: flags & 0x01 != 0,
    };
    let Ok(mut bytes) = req.encode() else {
        return;
    };
    let corrupt = rest.get(4 + name_len..4 + name_len + 2);
    if let Some(&[at, val]) = corrupt {
        let i = usize::from(at) % bytes.len();
        bytes[i] ^= val;
    }
    let clean = corrupt.is_none_or(|c| c.get(1) == Some(&0));
    let genuine = clean && flags & 0x0C == 0x0C && flags & 0x02 == 0;
    let out = agent.handle_datagram(t0 + Duration::from_secs(1), from, to, &bytes);
    if genuine {
        assert!(
            matches!(out, Ok(StunOutcome::Success { .. })),
            "a valid check was refused: {out:?}"
        );
        assert!(agent.is_authenticated(to, from));
        assert_eq!(agent.selected_pair().is_some(), flags & 0x01 != 0);
        // Consent lapses 30 s later.
        agent.handle_timeout(t0 + Duration::from_secs(31));
        assert!(!agent.is_authenticated(to, from));
        assert!(agent.selected_pair().is_none());
    } else if matches!(out, Ok(StunOutcome::Success { .. })) {
        // With the right credentials and role, the one corruption no check
        // sees is of the FINGERPRINT type field: the attribute then counts
        // as unknown after MESSAGE-INTEGRITY and is ignored (RFC 8489
        // §14.5). Anything else accepted is a forgery.
        assert_eq!(flags & 0x0E, 0x0C, "a forged check was accepted");
    }
    drain(&mut agent, from, to);
});
