//! The local DTLS certificate: generated (ECDSA P-256, self-signed) or
//! loaded from PEM in the standard labels.

use std::sync::Arc;

use rtc_dtls::crypto_provider::providers::RingProvider;
use rtc_dtls::crypto_provider::{RTCCryptoProvider, SignatureScheme};

use super::fingerprint::{Fingerprint, HashAlgorithm};
use crate::error::{Error, Result};

/// The subject name of generated certificates. WebRTC peers authenticate
/// certificates by fingerprint, never by name (RFC 8827 §6.5).
const GENERATED_NAME: &str = "mediaplane";

/// A certificate chain with its private key, for the local end of DTLS.
///
/// Cloning is cheap: the key is shared.
#[derive(Clone)]
pub struct Certificate {
    inner: rtc_dtls::crypto::Certificate,
    fingerprint: Fingerprint,
}

impl core::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Certificate")
            .field("fingerprint", &self.fingerprint)
            .field("chain_len", &self.inner.certificate.len())
            .finish_non_exhaustive()
    }
}

/// The crypto provider every DTLS object of this crate uses (ring, which
/// the SRTP room uses too).
pub(crate) fn provider() -> Arc<dyn RTCCryptoProvider> {
    Arc::new(RingProvider::new())
}

impl Certificate {
    /// Generates a fresh ECDSA P-256 key and a self-signed certificate for
    /// it (validity 1975 to 4096, so no clock is read and it never
    /// expires; WebRTC does not check validity).
    pub fn generate() -> Result<Certificate> {
        let p = provider();
        let inner = rtc_dtls::crypto::Certificate::generate_self_signed(
            vec![GENERATED_NAME.to_owned()],
            p.crypto(),
        )
        .map_err(|_| Error::Unsupported("ecdsa p-256 certificate generation failed"))?;
        Certificate::from_inner(inner)
    }

    /// Loads a certificate chain and its private key from PEM text.
    ///
    /// `cert_pem` holds one or more `CERTIFICATE` blocks, leaf first.
    /// `key_pem` holds one private key as `PRIVATE KEY` (PKCS#8),
    /// `EC PRIVATE KEY` (SEC 1, P-256) or `RSA PRIVATE KEY` (PKCS#1). Both
    /// may be the same text holding both kinds of block; other blocks are
    /// skipped. Supported keys: ECDSA P-256, RSA (signing with PKCS#1 v1.5
    /// SHA-256) and Ed25519; encrypted keys are refused.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Certificate> {
        let mut chain = Vec::new();
        for block in pem_blocks(cert_pem) {
            let block = block?;
            if block.label == "CERTIFICATE" {
                chain.push(block.der);
            }
        }
        let mut key = None;
        for block in pem_blocks(key_pem) {
            let block = block?;
            let der = match block.label {
                "PRIVATE KEY" => block.der,
                "EC PRIVATE KEY" => pkcs8_from_sec1_p256(&block.der),
                "RSA PRIVATE KEY" => pkcs8_from_pkcs1(&block.der),
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(Error::Unsupported("encrypted private keys"));
                }
                _ => continue,
            };
            if key.is_some() {
                return Err(Error::InvalidArgument(
                    "expected one private key in the pem, found several",
                ));
            }
            key = Some(der);
        }
        let key = key.ok_or(Error::NotFound(
            "private key pem block (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)",
        ))?;
        Certificate::from_der(chain, &key)
    }

    /// A certificate from its DER chain (leaf first) and a PKCS#8 DER
    /// private key.
    pub fn from_der(chain: Vec<Vec<u8>>, pkcs8_key: &[u8]) -> Result<Certificate> {
        if chain.is_empty() {
            return Err(Error::NotFound("certificate"));
        }
        let p = provider();
        let crypto = p.crypto();
        let signing_key = [
            SignatureScheme::EcdsaP256Sha256,
            SignatureScheme::RsaPkcs1Sha256,
            SignatureScheme::Ed25519,
        ]
        .into_iter()
        .find_map(|scheme| crypto.import_signing_key(scheme, pkcs8_key).ok())
        .ok_or(Error::Unsupported(
            "private key (expected an ecdsa p-256, rsa or ed25519 key in pkcs#8)",
        ))?;
        // rtc-dtls takes rustls' DER wrapper, inferred here so that this
        // crate needs no direct rustls dependency.
        let chain = chain.into_iter().map(Into::into).collect();
        let inner = rtc_dtls::crypto::Certificate::from_signing_key(chain, signing_key);
        Certificate::from_inner(inner)
    }

    fn from_inner(inner: rtc_dtls::crypto::Certificate) -> Result<Certificate> {
        let leaf = inner
            .certificate
            .first()
            .ok_or(Error::NotFound("certificate"))?;
        let fingerprint = Fingerprint::of_der(HashAlgorithm::Sha256, leaf.as_ref());
        Ok(Certificate { inner, fingerprint })
    }

    /// The SHA-256 fingerprint of the leaf certificate; its `Display` is the
    /// `a=fingerprint` value (`sha-256 AB:CD:...`).
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The fingerprint of the leaf certificate under another hash function.
    pub fn fingerprint_with(&self, algorithm: HashAlgorithm) -> Fingerprint {
        Fingerprint::of_der(algorithm, self.der())
    }

    /// The DER encoding of the leaf certificate.
    pub fn der(&self) -> &[u8] {
        self.inner
            .certificate
            .first()
            .map(|c| c.as_ref())
            .unwrap_or_default()
    }

    /// The PEM encoding of the certificate chain (no key).
    pub fn to_pem(&self) -> String {
        let mut out = String::new();
        for c in &self.inner.certificate {
            pem_encode("CERTIFICATE", c.as_ref(), &mut out);
        }
        out
    }

    pub(crate) fn inner(&self) -> &rtc_dtls::crypto::Certificate {
        &self.inner
    }
}

struct PemBlock<'a> {
    label: &'a str,
    der: Vec<u8>,
}

/// The PEM blocks of `text` (RFC 7468): `-----BEGIN X-----`, base64 lines,
/// `-----END X-----`. Text outside blocks is ignored.
fn pem_blocks(text: &str) -> impl Iterator<Item = Result<PemBlock<'_>>> {
    let mut lines = text.lines();
    core::iter::from_fn(move || {
        let label = loop {
            let line = lines.next()?.trim();
            if let Some(label) = line
                .strip_prefix("-----BEGIN ")
                .and_then(|r| r.strip_suffix("-----"))
            {
                break label;
            }
        };
        let mut b64 = Vec::new();
        loop {
            let Some(line) = lines.next() else {
                return Some(Err(Error::Incomplete {
                    what: "pem block",
                    offset: text.len(),
                }));
            };
            let line = line.trim();
            if let Some(end) = line
                .strip_prefix("-----END ")
                .and_then(|r| r.strip_suffix("-----"))
            {
                if end != label {
                    return Some(Err(Error::InvalidArgument(
                        "pem end label does not match its begin label",
                    )));
                }
                break;
            }
            if line.contains(':') {
                // RFC 1421 headers (Proc-Type, DEK-Info) mark encrypted keys.
                return Some(Err(Error::Unsupported("encrypted pem blocks")));
            }
            b64.extend_from_slice(line.as_bytes());
        }
        Some(base64_decode(&b64).map(|der| PemBlock { label, der }))
    })
}

fn base64_decode(input: &[u8]) -> Result<Vec<u8>> {
    let bad = || Error::InvalidArgument("pem body is not valid base64");
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut pad = 0usize;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return Err(bad()),
        };
        if pad > 0 {
            return Err(bad());
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if pad > 2 {
        return Err(bad());
    }
    Ok(out)
}

fn pem_encode(label: &str, der: &[u8], out: &mut String) {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |i: u32| char::from(A.get((i & 63) as usize).copied().unwrap_or(b'='));
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    let mut line = 0;
    for chunk in der.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
        line += 4;
        if line == 64 {
            out.push('\n');
            line = 0;
        }
    }
    if line != 0 {
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
}

/// DER TLV with a definite length.
fn der_tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let sig = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | sig.len() as u8);
        out.extend_from_slice(sig);
    }
    out.extend_from_slice(body);
    out
}

/// PKCS#8 PrivateKeyInfo (RFC 5208 §5) around a key of the given
/// algorithm identifier.
fn pkcs8(algorithm_identifier: &[u8], private_key: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x00]; // version 0
    body.extend_from_slice(&der_tlv(0x30, algorithm_identifier));
    body.extend_from_slice(&der_tlv(0x04, private_key));
    der_tlv(0x30, &body)
}

/// A SEC 1 ECPrivateKey (RFC 5915) wrapped as PKCS#8 for P-256. The key
/// parser checks the curve named inside against this one.
fn pkcs8_from_sec1_p256(sec1: &[u8]) -> Vec<u8> {
    const ID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const PRIME256V1: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pkcs8(&[ID_EC_PUBLIC_KEY, PRIME256V1].concat(), sec1)
}

/// A PKCS#1 RSAPrivateKey (RFC 8017 A.1.2) wrapped as PKCS#8.
fn pkcs8_from_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    const RSA_ENCRYPTION: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    pkcs8(RSA_ENCRYPTION, pkcs1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for len in 0..70usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let mut pem = String::new();
            pem_encode("X", &data, &mut pem);
            let blocks: Vec<_> = pem_blocks(&pem).collect::<Result<_>>().unwrap();
            assert_eq!(blocks.len(), 1);
            assert_eq!(blocks[0].label, "X");
            assert_eq!(blocks[0].der, data, "length {len}");
        }
        assert!(base64_decode(b"QQ=A").is_err());
        assert!(base64_decode(b"Q!").is_err());
    }

    #[test]
    fn der_lengths() {
        assert_eq!(der_tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = der_tlv(0x04, &[0; 200]);
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
        let longer = der_tlv(0x04, &[0; 300]);
        assert_eq!(&longer[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn generated_certificate_round_trips_through_pem() {
        let c = Certificate::generate().unwrap();
        assert_eq!(c.fingerprint().algorithm(), HashAlgorithm::Sha256);
        assert!(c.fingerprint().matches_der(c.der()));
        let pem = c.to_pem();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        // Without a key block the certificate alone is refused by name.
        let e = Certificate::from_pem(&pem, &pem).unwrap_err();
        assert!(e.to_string().contains("private key"), "{e}");
        let e = Certificate::from_pem("", "").unwrap_err();
        assert!(e.to_string().contains("private key"), "{e}");
    }

    #[test]
    fn bad_pem_is_refused() {
        let e = Certificate::from_pem(
            "-----BEGIN CERTIFICATE-----\nAAAA\n",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("pem block"), "{e}");
        let e = Certificate::from_pem(
            "",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("certificate"), "{e}");
        let e = Certificate::from_pem(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("private key"), "{e}");
    }
}
