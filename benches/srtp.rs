//! SRTP protect and unprotect, packets per second, for every profile at
//! 172 bytes (G.711 20 ms: 12-byte header + 160 payload) and 1232 bytes,
//! with the peers measured in the same group:
//!
//! - `mediaplane`: [`SrtpContext::protect_rtp`] / [`SrtpContext::unprotect_rtp`]
//!   in place;
//! - `libsrtp`: libsrtp 2 built against OpenSSL, as the `srtp` crate's
//!   default features build it (`build-libsrtp`, `enable-openssl`: the
//!   libsrtp sources it vendors, compiled with OpenSSL's AES-CM, AES-GCM
//!   and HMAC-SHA1), protecting and unprotecting in place; only with
//!   `--features bench-peers`. Debian's libsrtp2 is built against NSS, so
//!   it is not the peer here (the interop tests still use it);
//! - `rtc-srtp`: the webrtc-rs SRTP crate (ring crypto provider), whose API
//!   returns a new buffer per packet.
//!
//! `cargo bench --bench srtp --features bench-peers`; results and the
//! machine are in benches/RESULTS-srtp.md. The `libsrtp` rows need what the
//! `srtp` crate's build needs: a C compiler and make for libsrtp, the
//! OpenSSL headers and library with pkg-config (openssl-sys), and libclang
//! (bindgen); on Debian `apt-get install gcc make libssl-dev pkg-config
//! libclang-dev`. Without the feature the bench builds with none of them.
//!
//! What each iteration does, the same for all three:
//! - protect: copy the 172/1232-byte plaintext into the working buffer,
//!   set the next sequence number, protect. Every packet has a new index,
//!   as on a real stream, so no implementation needs its repeat-send
//!   allowance and each does its full rollover bookkeeping.
//! - unprotect: each implementation receives its own run of fresh packets
//!   (consecutive sequence numbers, made by a mediaplane sender outside the
//!   timed section, in chunks of 1024) and unprotects each once, with its
//!   replay window on (128 packets for all three). Re-feeding one packet
//!   would need the replay check off, and libsrtp has no switch for that on
//!   the receive side (`allow_repeat_tx` only affects protect); fresh
//!   packets keep every receiver on its normal path.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mediaplane::srtp::{Profile, SrtpContext};

#[cfg(feature = "bench-peers")]
mod libsrtp {
    //! The libsrtp rows' session setup and buffer, over the `srtp` crate.

    use mediaplane::srtp::Profile;
    use srtp::vec_like::{BufferTooShortError, VecLike};
    use srtp::{CryptoPolicy, Session, StreamPolicy};

    /// RTP and RTCP policies per profile; SRTCP keeps the 80-bit tag where
    /// SRTP uses 32 bits (RFC 4568 section 6.2), as libsrtp's own
    /// profile table does.
    fn policies(p: Profile) -> (CryptoPolicy, CryptoPolicy) {
        match p {
            Profile::Aes128CmHmacSha1_80 => (
                CryptoPolicy::aes_cm_128_hmac_sha1_80(),
                CryptoPolicy::aes_cm_128_hmac_sha1_80(),
            ),
            Profile::Aes128CmHmacSha1_32 => (
                CryptoPolicy::aes_cm_128_hmac_sha1_32(),
                CryptoPolicy::aes_cm_128_hmac_sha1_80(),
            ),
            Profile::Aes256CmHmacSha1_80 => (
                CryptoPolicy::aes_cm_256_hmac_sha1_80(),
                CryptoPolicy::aes_cm_256_hmac_sha1_80(),
            ),
            Profile::Aes256CmHmacSha1_32 => (
                CryptoPolicy::aes_cm_256_hmac_sha1_32(),
                CryptoPolicy::aes_cm_256_hmac_sha1_80(),
            ),
            Profile::AeadAes128Gcm => (
                CryptoPolicy::aes_gcm_128_16_auth(),
                CryptoPolicy::aes_gcm_128_16_auth(),
            ),
            Profile::AeadAes256Gcm => (
                CryptoPolicy::aes_gcm_256_16_auth(),
                CryptoPolicy::aes_gcm_256_16_auth(),
            ),
            _ => unreachable!("profile without a libsrtp counterpart"),
        }
    }

    /// A session whose template covers any SSRC in one direction, with a
    /// 128-packet replay window and no repeat-send allowance.
    pub fn session(p: Profile, key: &[u8], salt: &[u8], outbound: bool) -> Session {
        // libsrtp takes the master key and salt as one concatenated key.
        let master = [key, salt].concat();
        let (rtp, rtcp) = policies(p);
        let policy = StreamPolicy {
            rtp,
            rtcp,
            key: &master,
            window_size: 128,
            allow_repeat_tx: false,
            encrypt_extension_headers: &[],
        };
        let s = if outbound {
            Session::with_outbound_template(policy)
        } else {
            Session::with_inbound_template(policy)
        };
        s.unwrap_or_else(|e| panic!("libsrtp session for {p}: {e}"))
    }

    /// The first `len` bytes of a caller's buffer, the rest room for the
    /// trailer: in place like the other rows, where a `Vec` would make each
    /// unprotect copy its packet in.
    pub struct Packet<'a> {
        pub buf: &'a mut [u8],
        pub len: usize,
    }

    impl VecLike for Packet<'_> {
        fn as_mut_bytes(&mut self) -> &mut [u8] {
            &mut self.buf[..self.len]
        }

        unsafe fn reserve(&mut self, additional: usize) -> Result<(), BufferTooShortError> {
            let need = self.len + additional;
            if need <= self.buf.len() {
                Ok(())
            } else {
                Err(BufferTooShortError {
                    requested_capacity: need,
                })
            }
        }

        unsafe fn set_len(&mut self, new_len: usize) {
            self.len = new_len;
        }
    }
}

const PROFILES: [Profile; 6] = [
    Profile::Aes128CmHmacSha1_80,
    Profile::Aes128CmHmacSha1_32,
    Profile::Aes256CmHmacSha1_80,
    Profile::Aes256CmHmacSha1_32,
    Profile::AeadAes128Gcm,
    Profile::AeadAes256Gcm,
];

/// Whole RTP packet sizes (12-byte header included).
const SIZES: [usize; 2] = [172, 1232];

const SSRC: u32 = 0x5eed_cafe;
const CHUNK: usize = 1024;
/// Room after the packet for any implementation's trailer.
const ROOM: usize = 160;

fn key_salt(p: Profile) -> (Vec<u8>, Vec<u8>) {
    let key = (0..p.master_key_len()).map(|i| (i * 7 + 3) as u8).collect();
    let salt = (0..p.master_salt_len())
        .map(|i| (i * 11 + 5) as u8)
        .collect();
    (key, salt)
}

fn rtp_packet(size: usize, seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0x00];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&SSRC.to_be_bytes());
    p.extend((0..size - 12).map(|i| (i * 13) as u8));
    p
}

fn rtc_profile(p: Profile) -> rtc_srtp::protection_profile::ProtectionProfile {
    use rtc_srtp::protection_profile::ProtectionProfile as P;
    match p {
        Profile::Aes128CmHmacSha1_80 => P::Aes128CmHmacSha1_80,
        Profile::Aes128CmHmacSha1_32 => P::Aes128CmHmacSha1_32,
        Profile::Aes256CmHmacSha1_80 => P::Aes256CmHmacSha1_80,
        Profile::Aes256CmHmacSha1_32 => P::Aes256CmHmacSha1_32,
        Profile::AeadAes128Gcm => P::AeadAes128Gcm,
        Profile::AeadAes256Gcm => P::AeadAes256Gcm,
        _ => unreachable!("profile without an rtc-srtp counterpart"),
    }
}

fn rtc_context(p: Profile, receive: bool) -> rtc_srtp::context::Context {
    let (key, salt) = key_salt(p);
    let provider = rtc_srtp::crypto::default_provider().expect("rtc-srtp crypto provider");
    let replay = receive.then(|| rtc_srtp::option::srtp_replay_protection(128));
    rtc_srtp::context::Context::new(&key, &salt, rtc_profile(p), replay, None, provider.crypto())
        .expect("rtc-srtp context")
}

/// A mediaplane sender making the protected packets the unprotect benches
/// consume: consecutive sequence numbers, one chunk at a time.
struct Feed {
    tx: SrtpContext,
    plain: Vec<u8>,
    seq: u16,
    bufs: Vec<Vec<u8>>,
    lens: Vec<usize>,
}

impl Feed {
    fn new(p: Profile, size: usize) -> Feed {
        let (key, salt) = key_salt(p);
        Feed {
            tx: SrtpContext::new(p, &key, &salt).unwrap(),
            plain: rtp_packet(size, 0),
            seq: 1000,
            bufs: vec![vec![0u8; size + ROOM]; CHUNK],
            lens: vec![0; CHUNK],
        }
    }

    /// Refills the first `n` buffers with the next `n` protected packets.
    fn refill(&mut self, n: usize) {
        for (buf, len) in self.bufs.iter_mut().zip(self.lens.iter_mut()).take(n) {
            let l = self.plain.len();
            buf[..l].copy_from_slice(&self.plain);
            buf[2..4].copy_from_slice(&self.seq.to_be_bytes());
            *len = self.tx.protect_rtp(buf, l).unwrap();
            self.seq = self.seq.wrapping_add(1);
        }
    }

    /// Times `unprotect` over `iters` fresh packets.
    fn time(&mut self, iters: u64, mut unprotect: impl FnMut(&mut [u8])) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            self.refill(n);
            let start = Instant::now();
            for (buf, &len) in self.bufs.iter_mut().zip(&self.lens).take(n) {
                unprotect(&mut buf[..len]);
            }
            total += start.elapsed();
            left -= n as u64;
        }
        total
    }
}

fn protect(c: &mut Criterion) {
    for p in PROFILES {
        for size in SIZES {
            let mut g = c.benchmark_group(format!("srtp_protect/{p}/{size}"));
            g.throughput(Throughput::Elements(1));
            let plain = rtp_packet(size, 0);
            let (key, salt) = key_salt(p);

            let mut ctx = SrtpContext::new(p, &key, &salt).unwrap();
            let mut buf = vec![0u8; size + ROOM];
            let mut seq = 0u16;
            g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
                b.iter(|| {
                    buf[..size].copy_from_slice(&plain);
                    buf[2..4].copy_from_slice(&seq.to_be_bytes());
                    seq = seq.wrapping_add(1);
                    black_box(ctx.protect_rtp(&mut buf, size).unwrap());
                })
            });

            #[cfg(feature = "bench-peers")]
            {
                let mut s = libsrtp::session(p, &key, &salt, true);
                let mut seq = 0u16;
                g.bench_function(BenchmarkId::from_parameter("libsrtp"), |b| {
                    b.iter(|| {
                        buf[..size].copy_from_slice(&plain);
                        buf[2..4].copy_from_slice(&seq.to_be_bytes());
                        seq = seq.wrapping_add(1);
                        let mut pkt = libsrtp::Packet {
                            buf: &mut buf,
                            len: size,
                        };
                        s.protect(&mut pkt).unwrap();
                        black_box(pkt.len);
                    })
                });
            }

            let mut rtc = rtc_context(p, false);
            let mut seq = 0u16;
            g.bench_function(BenchmarkId::from_parameter("rtc-srtp"), |b| {
                b.iter(|| {
                    buf[..size].copy_from_slice(&plain);
                    buf[2..4].copy_from_slice(&seq.to_be_bytes());
                    seq = seq.wrapping_add(1);
                    black_box(rtc.encrypt_rtp(&buf[..size]).unwrap());
                })
            });
            g.finish();
        }
    }
}

fn unprotect(c: &mut Criterion) {
    for p in PROFILES {
        for size in SIZES {
            let mut g = c.benchmark_group(format!("srtp_unprotect/{p}/{size}"));
            g.throughput(Throughput::Elements(1));
            let (key, salt) = key_salt(p);

            let mut feed = Feed::new(p, size);
            let mut rx = SrtpContext::new(p, &key, &salt).unwrap();
            g.bench_function(BenchmarkId::from_parameter("mediaplane"), |b| {
                b.iter_custom(|iters| {
                    feed.time(iters, |pkt| {
                        black_box(rx.unprotect_rtp(pkt).unwrap());
                    })
                })
            });

            #[cfg(feature = "bench-peers")]
            {
                let mut feed = Feed::new(p, size);
                let mut s = libsrtp::session(p, &key, &salt, false);
                g.bench_function(BenchmarkId::from_parameter("libsrtp"), |b| {
                    b.iter_custom(|iters| {
                        feed.time(iters, |buf| {
                            let len = buf.len();
                            let mut pkt = libsrtp::Packet { buf, len };
                            s.unprotect(&mut pkt).unwrap();
                            black_box(pkt.len);
                        })
                    })
                });
            }

            let mut feed = Feed::new(p, size);
            let mut rtc = rtc_context(p, true);
            g.bench_function(BenchmarkId::from_parameter("rtc-srtp"), |b| {
                b.iter_custom(|iters| {
                    feed.time(iters, |pkt| {
                        black_box(rtc.decrypt_rtp(pkt).unwrap());
                    })
                })
            });
            g.finish();
        }
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = protect, unprotect
}
criterion_main!(benches);
