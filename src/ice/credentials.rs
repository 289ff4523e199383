//! ICE username fragment and password (RFC 8445 §5.3, RFC 8839 §5.4).

use core::fmt;

use crate::{Error, Result};

/// Characters of the `ice-char` grammar (RFC 8839 §5.4): ALPHA, DIGIT, `+`
/// and `/`. 64 of them, so each random byte maps to one without bias.
const ICE_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Length of a generated username fragment (RFC 8445 asks for at least 4
/// characters and 24 bits of randomness; 8 give 48 bits).
pub const UFRAG_LEN: usize = 8;
/// Length of a generated password (RFC 8445 asks for at least 22
/// characters and 128 bits; 24 give 144 bits).
pub const PWD_LEN: usize = 24;
/// Longest ufrag or password accepted (RFC 8839 §5.4).
pub const MAX_CREDENTIAL_LEN: usize = 256;

/// Whether `b` is an `ice-char`.
pub fn is_ice_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

fn check(value: &str, min: usize, what: &'static str) -> Result<()> {
    if value.len() < min || value.len() > MAX_CREDENTIAL_LEN {
        return Err(Error::InvalidArgument(what));
    }
    if let Some(i) = value.bytes().position(|b| !is_ice_char(b)) {
        return Err(Error::parse(
            what,
            "expected only ice-char (alphanumeric, + or /)",
            i,
        ));
    }
    Ok(())
}

/// Checks a username fragment: 4 to 256 `ice-char`s.
pub fn check_ufrag(ufrag: &str) -> Result<()> {
    check(ufrag, 4, "ice-ufrag must be 4 to 256 ice-chars")
}

/// Checks a password: 22 to 256 `ice-char`s.
pub fn check_pwd(pwd: &str) -> Result<()> {
    check(pwd, 22, "ice-pwd must be 22 to 256 ice-chars")
}

/// One side's ICE credentials: `a=ice-ufrag` and `a=ice-pwd`.
///
/// `Debug` does not print the password.
#[derive(Clone, PartialEq, Eq)]
pub struct IceCredentials {
    ufrag: String,
    pwd: String,
}

impl fmt::Debug for IceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IceCredentials")
            .field("ufrag", &self.ufrag)
            .field("pwd", &"..")
            .finish()
    }
}

impl IceCredentials {
    /// Fresh credentials from the operating system's random generator:
    /// [`UFRAG_LEN`] and [`PWD_LEN`] characters.
    pub fn generate() -> Result<Self> {
        let mut raw = [0u8; UFRAG_LEN + PWD_LEN];
        getrandom::fill(&mut raw).map_err(|_| {
            Error::Unsupported("the operating system random number generator failed")
        })?;
        let text: String = raw
            .iter()
            .map(|&b| char::from(ICE_CHARS.get(usize::from(b & 63)).copied().unwrap_or(b'A')))
            .collect();
        let (ufrag, pwd) = text.split_at(UFRAG_LEN);
        Ok(IceCredentials {
            ufrag: ufrag.to_owned(),
            pwd: pwd.to_owned(),
        })
    }

    /// Credentials given by the caller (for example the peer's, from its
    /// SDP), checked against the grammar and the minimum lengths.
    pub fn new(ufrag: &str, pwd: &str) -> Result<Self> {
        check_ufrag(ufrag)?;
        check_pwd(pwd)?;
        Ok(IceCredentials {
            ufrag: ufrag.to_owned(),
            pwd: pwd.to_owned(),
        })
    }

    /// The username fragment.
    pub fn ufrag(&self) -> &str {
        &self.ufrag
    }

    /// The password.
    pub fn pwd(&self) -> &str {
        &self.pwd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_credentials_are_valid_and_differ() {
        let a = IceCredentials::generate().unwrap();
        let b = IceCredentials::generate().unwrap();
        assert_eq!(a.ufrag().len(), UFRAG_LEN);
        assert_eq!(a.pwd().len(), PWD_LEN);
        IceCredentials::new(a.ufrag(), a.pwd()).unwrap();
        assert_ne!(a, b);
        assert!(!format!("{a:?}").contains(a.pwd()));
    }

    #[test]
    fn grammar() {
        assert!(check_ufrag("abc").is_err());
        assert!(check_ufrag("ab:c").is_err());
        assert!(check_ufrag("a+/9").is_ok());
        assert!(check_pwd("0123456789012345678901").is_ok());
        assert!(check_pwd("012345678901234567890").is_err());
        assert_eq!(
            check_pwd("01234567890123456789 01").unwrap_err().offset(),
            Some(20)
        );
    }
}
