//! Certificate fingerprints as SDP carries them (RFC 8122 §5, RFC 4572).

use core::fmt;
use core::str::FromStr;

use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// Longest digest of the hash functions below (SHA-512).
const MAX_DIGEST: usize = 64;

/// A hash function of the `a=fingerprint` attribute (RFC 8122 §5, the
/// IANA "Hash Function Textual Names" registry). MD2 and MD5 are refused:
/// RFC 8122 §5 forbids them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1 (kept for older peers; RFC 8122 §5 says SHA-256 SHOULD be used).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256, the one browsers and this library send.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Every supported algorithm.
    pub const ALL: [HashAlgorithm; 5] = [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha224,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ];

    /// The textual name as SDP writes it (`"sha-256"`).
    pub const fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "sha-1",
            HashAlgorithm::Sha224 => "sha-224",
            HashAlgorithm::Sha256 => "sha-256",
            HashAlgorithm::Sha384 => "sha-384",
            HashAlgorithm::Sha512 => "sha-512",
        }
    }

    /// Looks an algorithm up by its textual name, ignoring ASCII case
    /// (RFC 8122 §5: the names are case-insensitive).
    pub fn from_name(name: &str) -> Option<HashAlgorithm> {
        HashAlgorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// Length of the digest in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha224 => 28,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A certificate fingerprint: a hash function and the digest of the
/// certificate's DER encoding.
///
/// [`Display`](fmt::Display) writes the `a=fingerprint` value, e.g.
/// `sha-256 4A:AD:...:7B` (upper-case hex, colon-separated, RFC 8122 §5).
/// Equality compares digests in constant time.
#[derive(Clone, Copy)]
pub struct Fingerprint {
    algorithm: HashAlgorithm,
    digest: [u8; MAX_DIGEST],
}

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate under `algorithm`.
    pub fn of_der(algorithm: HashAlgorithm, der: &[u8]) -> Fingerprint {
        let mut digest = [0u8; MAX_DIGEST];
        let ring_alg = match algorithm {
            HashAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlgorithm::Sha256 => &ring::digest::SHA256,
            HashAlgorithm::Sha384 => &ring::digest::SHA384,
            HashAlgorithm::Sha512 => &ring::digest::SHA512,
            HashAlgorithm::Sha224 => {
                copy_prefix(&mut digest, &sha224(der));
                return Fingerprint { algorithm, digest };
            }
        };
        copy_prefix(&mut digest, ring::digest::digest(ring_alg, der).as_ref());
        Fingerprint { algorithm, digest }
    }

    /// Parses an `a=fingerprint` attribute value: a hash function name
    /// (any ASCII case), one or more spaces, then the digest as pairs of
    /// hex digits (either case) separated by colons, exactly as many bytes
    /// as the hash function yields. Surrounding whitespace is ignored.
    pub fn parse(value: &str) -> Result<Fingerprint> {
        const WHAT: &str = "fingerprint";
        let lead = value.len() - value.trim_start().len();
        let v = value.trim();
        let (name, rest) = v.split_once([' ', '\t']).ok_or(Error::parse(
            WHAT,
            "expected a hash function name and a digest",
            lead,
        ))?;
        let algorithm = HashAlgorithm::from_name(name).ok_or(Error::parse(
            WHAT,
            "unknown hash function (expected sha-1, sha-224, sha-256, sha-384 or sha-512)",
            lead,
        ))?;
        let hex_start = lead + v.len() - rest.trim_start().len();
        let hex = rest.trim_start().as_bytes();
        let want = algorithm.digest_len();
        let mut digest = [0u8; MAX_DIGEST];
        let mut n = 0usize;
        let mut pos = 0usize;
        loop {
            let pair = hex.get(pos..pos + 2).ok_or(Error::parse(
                WHAT,
                "expected two hex digits",
                hex_start + pos,
            ))?;
            let byte = pair
                .iter()
                .try_fold(0u8, |acc, &c| hex_val(c).map(|d| (acc << 4) | d))
                .ok_or(Error::parse(
                    WHAT,
                    "expected two hex digits",
                    hex_start + pos,
                ))?;
            let slot = digest.get_mut(n).ok_or(Error::parse(
                WHAT,
                "digest longer than the hash function yields",
                hex_start + pos,
            ))?;
            *slot = byte;
            n += 1;
            pos += 2;
            match hex.get(pos) {
                None => break,
                Some(b':') => pos += 1,
                Some(_) => {
                    return Err(Error::parse(
                        WHAT,
                        "expected ':' between digest bytes",
                        hex_start + pos,
                    ))
                }
            }
        }
        if n != want {
            return Err(Error::parse(
                WHAT,
                if n < want {
                    "digest shorter than the hash function yields"
                } else {
                    "digest longer than the hash function yields"
                },
                hex_start,
            ));
        }
        Ok(Fingerprint { algorithm, digest })
    }

    /// The hash function.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The digest bytes.
    pub fn digest(&self) -> &[u8] {
        self.digest
            .get(..self.algorithm.digest_len())
            .unwrap_or(&self.digest)
    }

    /// Whether `der` hashes to this fingerprint (constant-time compare).
    pub fn matches_der(&self, der: &[u8]) -> bool {
        *self == Fingerprint::of_der(self.algorithm, der)
    }
}

impl PartialEq for Fingerprint {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm == other.algorithm && bool::from(self.digest.ct_eq(&other.digest))
    }
}

impl Eq for Fingerprint {}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm.name())?;
        for (i, b) in self.digest().iter().enumerate() {
            let sep = if i == 0 { " " } else { ":" };
            write!(f, "{sep}{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Fingerprint::parse(s)
    }
}

fn copy_prefix(dst: &mut [u8; MAX_DIGEST], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// SHA-256 round constants (FIPS 180-4 §4.2.2).
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-224 (FIPS 180-4 §6.3): SHA-256 with its own initial value, cut to
/// 28 bytes. ring offers no SHA-224, and a fingerprint is hashed once per
/// handshake, so a plain implementation is enough.
fn sha224(data: &[u8]) -> [u8; 28] {
    let mut h: [u32; 8] = [
        0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7,
        0xbefa4fa4,
    ];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut blocks = data.chunks_exact(64);
    for block in blocks.by_ref() {
        sha256_block(&mut h, block);
    }
    // Padding: the remainder, 0x80, zeros, the 64-bit length; one or two
    // blocks.
    let rem = blocks.remainder();
    let mut tail = [0u8; 128];
    for (d, s) in tail.iter_mut().zip(rem) {
        *d = *s;
    }
    if let Some(b) = tail.get_mut(rem.len()) {
        *b = 0x80;
    }
    let tail_len = if rem.len() < 56 { 64 } else { 128 };
    if let Some(len_slot) = tail.get_mut(tail_len - 8..tail_len) {
        len_slot.copy_from_slice(&bit_len.to_be_bytes());
    }
    for block in tail.chunks_exact(64).take(tail_len / 64) {
        sha256_block(&mut h, block);
    }
    let mut out = [0u8; 28];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// One SHA-256 compression over a 64-byte block.
// The message schedule is a fixed 64-word array indexed by loop counters
// bounded by its length; the indexing cannot go out of range.
#[allow(clippy::indexing_slicing)]
fn sha256_block(h: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 64];
    for (wi, c) in w.iter_mut().zip(block.chunks_exact(4)) {
        *wi = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    }
    for t in 16..64 {
        let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
        let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16]
            .wrapping_add(s0)
            .wrapping_add(w[t - 7])
            .wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
    for t in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = hh
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(K[t])
            .wrapping_add(w[t]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        hh = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (x, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
        *x = x.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha224_vectors() {
        // FIPS 180-4 examples (NIST CSRC "SHA224.pdf").
        assert_eq!(
            hex(&sha224(b"abc")),
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"
        );
        assert_eq!(
            hex(&sha224(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"
        );
        assert_eq!(
            hex(&sha224(b"")),
            "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"
        );
    }

    #[test]
    fn sha256_core_matches_ring() {
        // The compression function, run with the SHA-256 initial value,
        // must agree with ring at every padding boundary.
        for len in [0usize, 1, 55, 56, 63, 64, 65, 119, 120, 200] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut h: [u32; 8] = [
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
                0x5be0cd19,
            ];
            let mut padded = data.clone();
            padded.push(0x80);
            while padded.len() % 64 != 56 {
                padded.push(0);
            }
            padded.extend_from_slice(&((len as u64) * 8).to_be_bytes());
            for block in padded.chunks_exact(64) {
                sha256_block(&mut h, block);
            }
            let ours: Vec<u8> = h.iter().flat_map(|w| w.to_be_bytes()).collect();
            let theirs = ring::digest::digest(&ring::digest::SHA256, &data);
            assert_eq!(ours, theirs.as_ref(), "length {len}");
        }
    }

    #[test]
    fn parse_and_display_round_trip() {
        let v = "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3C:6D:BD:1D:72:8E:DB:1B:5F:C0:1A:7B";
        let f = Fingerprint::parse(v).unwrap();
        assert_eq!(f.algorithm(), HashAlgorithm::Sha256);
        assert_eq!(f.digest().len(), 32);
        assert_eq!(f.to_string(), v);
        let lower = "SHA-256 4a:ad:b9:b1:3f:82:18:3b:54:02:12:df:3e:5d:49:6b:19:e5:7c:ab:3c:6d:bd:1d:72:8e:db:1b:5f:c0:1a:7b";
        assert_eq!(Fingerprint::parse(lower).unwrap(), f);
        assert_eq!(format!("{:?}", f), format!("Fingerprint({v})"));
    }

    #[test]
    fn parse_every_algorithm_checks_length() {
        for alg in HashAlgorithm::ALL {
            let fp = Fingerprint::of_der(alg, b"certificate");
            let text = fp.to_string();
            assert_eq!(Fingerprint::parse(&text).unwrap(), fp);
            // One byte short and one byte long are refused by name.
            let short = &text[..text.len() - 3];
            let e = Fingerprint::parse(short).unwrap_err();
            assert!(e.to_string().contains("shorter"), "{e}");
            let long = format!("{text}:00");
            let e = Fingerprint::parse(&long).unwrap_err();
            assert!(e.to_string().contains("longer"), "{e}");
        }
    }

    #[test]
    fn parse_errors_name_the_problem() {
        let cases: &[(&str, &str)] = &[
            ("", "hash function name and a digest"),
            ("sha-256", "hash function name and a digest"),
            ("md5 AA:BB", "unknown hash function"),
            ("sha-1 AA:BG", "two hex digits"),
            ("sha-1 AA-BB", "':' between"),
            ("sha-1 AA:", "two hex digits"),
            ("sha-1 A", "two hex digits"),
        ];
        for (input, want) in cases {
            let e = Fingerprint::parse(input).unwrap_err();
            assert!(e.to_string().contains(want), "{input:?}: {e}");
            assert_eq!(e.kind(), crate::ErrorKind::Parse);
        }
        // 65 bytes never overflow the digest buffer.
        let huge = vec!["AB"; 65].join(":");
        assert!(Fingerprint::parse(&format!("sha-512 {huge}")).is_err());
    }

    #[test]
    fn different_algorithms_or_digests_differ() {
        let a = Fingerprint::of_der(HashAlgorithm::Sha256, b"x");
        let b = Fingerprint::of_der(HashAlgorithm::Sha256, b"y");
        let c = Fingerprint::of_der(HashAlgorithm::Sha384, b"x");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert!(a.matches_der(b"x"));
        assert!(!a.matches_der(b"y"));
    }
}
