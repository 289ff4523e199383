//! SRTP protect and unprotect, packets per second, for every profile at
//! 172 bytes (G.711 20 ms: 12-byte header + 160 payload) and 1232 bytes,
//! with the peers measured in the same group:
//!
//! - `mediaplane`: [`SrtpContext::protect_rtp`] / [`SrtpContext::unprotect_rtp`]
//!   in place;
//! - `libsrtp`: Debian's libsrtp 2 through the FFI declarations of
//!   tests/common/libsrtp.rs, only with `--features bench-peers` and when
//!   build.rs found libsrtp2;
//! - `rtc-srtp`: the webrtc-rs SRTP crate (ring crypto provider), whose API
//!   returns a new buffer per packet.
//!
//! `cargo bench --bench srtp --features bench-peers`; results and the
//! machine are in benches/RESULTS-srtp.md.
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

#[cfg(all(feature = "bench-peers", have_libsrtp2))]
#[path = "../tests/common/libsrtp.rs"]
mod libsrtp;

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

            #[cfg(all(feature = "bench-peers", have_libsrtp2))]
            {
                use libsrtp::{Direction, Session};
                let mut s = Session::new(p, &key, &salt, Direction::Outbound, 128, false);
                let mut seq = 0u16;
                g.bench_function(BenchmarkId::from_parameter("libsrtp"), |b| {
                    b.iter(|| {
                        buf[..size].copy_from_slice(&plain);
                        buf[2..4].copy_from_slice(&seq.to_be_bytes());
                        seq = seq.wrapping_add(1);
                        black_box(s.protect(&mut buf, size).unwrap());
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

            #[cfg(all(feature = "bench-peers", have_libsrtp2))]
            {
                use libsrtp::{Direction, Session};
                let mut feed = Feed::new(p, size);
                let mut s = Session::new(p, &key, &salt, Direction::Inbound, 128, false);
                g.bench_function(BenchmarkId::from_parameter("libsrtp"), |b| {
                    b.iter_custom(|iters| {
                        feed.time(iters, |pkt| {
                            black_box(s.unprotect(pkt).unwrap());
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
    #[cfg(all(feature = "bench-peers", not(have_libsrtp2)))]
    eprintln!("libsrtp rows skipped: libsrtp2 is not installed (Debian libsrtp2-dev)");
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
