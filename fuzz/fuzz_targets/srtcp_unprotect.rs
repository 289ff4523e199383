//! SRTCP with a fixed key per profile: `unprotect_rtcp` on arbitrary
//! bytes, or `protect_rtcp` then `unprotect_rtcp` of arbitrary plaintext.
//!
//! Input: byte 0 bits 0-2 pick the profile (`PROFILES[b % 6]`), bit 3
//! picks the mode; the rest is the packet. Unprotect mode: no panic, on
//! success the plaintext is no longer than the input, on failure the error
//! offset points into it and the context accepts the next genuine packet;
//! the C entry point gives the same status and length. Protect mode: a
//! packet that protects (grown by exactly tag + index) unprotects in a
//! second context to the same bytes, and a second delivery is a replay.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mediaplane::ffi::mp_status;
use mediaplane::ffi::srtp::*;
use mediaplane::srtp::Profile;
use mediaplane::Error;

mod common;
use common::assert_error_offset;

mod srtp_common;
use srtp_common::{c_context, fixed_context, PROFILES};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, packet)) = data.split_first() else {
        return;
    };
    let profile: Profile = PROFILES[usize::from(sel & 7) % PROFILES.len()];
    let mut rx = fixed_context(profile);
    if sel & 8 == 0 {
        let mut buf = packet.to_vec();
        let r = rx.unprotect_rtcp(&mut buf);
        match &r {
            Ok(n) => assert!(*n <= packet.len()),
            Err(e) => assert_error_offset(e, 0, packet.len()),
        }
        let c = c_context(profile);
        let mut cbuf = packet.to_vec().into_boxed_slice();
        let mut n = usize::MAX;
        // SAFETY: a live context and an exact-size buffer.
        let st = unsafe { mp_srtcp_unprotect(c, cbuf.as_mut_ptr(), cbuf.len(), &mut n) };
        match r {
            Ok(m) => {
                assert_eq!((st, n), (mp_status::MP_OK, m));
                assert_eq!(&cbuf[..m], &buf[..m]);
            }
            Err(e) => {
                assert_eq!((st, n), (mp_status::from(&e), 0));
                // a refused packet left the context able to take a real one
                let mut tx = fixed_context(profile);
                let mut good = vec![0x80, 201, 0, 1, 0, 0, 0, 42];
                tx.protect_rtcp_vec(&mut good)
                    .expect("protect a receiver report");
                rx.unprotect_rtcp(&mut good)
                    .expect("genuine packet after a refused one");
            }
        }
        // SAFETY: made by c_context, freed once.
        unsafe { mp_srtp_context_free(c) };
        return;
    }

    let mut tx = fixed_context(profile);
    let mut buf = packet.to_vec();
    match tx.protect_rtcp_vec(&mut buf) {
        Ok(()) => {
            assert_eq!(buf.len(), packet.len() + profile.rtcp_overhead());
            let wire = buf.clone();
            let n = rx.unprotect_rtcp(&mut buf).expect("own packet unprotects");
            assert_eq!(&buf[..n], packet);
            let mut again = wire.clone();
            assert!(matches!(
                rx.unprotect_rtcp(&mut again),
                Err(Error::Replay { .. })
            ));
        }
        Err(e) => {
            assert_eq!(buf, packet, "a failed protect changed the packet");
            assert_error_offset(&e, 0, packet.len());
            let c = c_context(profile);
            let mut cbuf = [packet, &[0u8; 20][..]].concat().into_boxed_slice();
            let mut n = 0usize;
            // SAFETY: a live context; the buffer holds packet plus overhead.
            let st =
                unsafe { mp_srtcp_protect(c, cbuf.as_mut_ptr(), packet.len(), cbuf.len(), &mut n) };
            assert_eq!(st, mp_status::from(&e));
            unsafe { mp_srtp_context_free(c) };
        }
    }
});
