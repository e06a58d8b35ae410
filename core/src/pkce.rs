//! PKCE, Proof Key for Code Exchange (RFC 7636), with the `S256` method only.
//!
//! The verifier is made from 32 caller-supplied random bytes, base64url-encoded without padding
//! (43 characters, RFC 7636 section 4.1); the challenge is `base64url(SHA-256(verifier))` without
//! padding (section 4.2). The verifier is a [`Secret`]: it goes into the token request
//! (`code_verifier`) and nowhere else. The challenge goes into the authorize URL
//! ([`crate::authorize`]). The `plain` method is not offered (section 4.2 allows it only when
//! `S256` cannot be used).
//!
//! ```
//! use mailoauth::pkce::Pkce;
//! // RFC 7636 Appendix B.
//! let bytes = [
//!     116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
//!     77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
//! ];
//! let pkce = Pkce::from_random(&bytes);
//! assert_eq!(pkce.verifier().expose_secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
//! assert_eq!(pkce.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
//! assert_eq!(pkce.method(), "S256");
//! ```

use crate::b64;
use crate::error::{Error, Result};
use crate::secret::Secret;
use sha2::{Digest, Sha256};

/// The shortest verifier RFC 7636 section 4.1 allows.
pub const VERIFIER_MIN_LEN: usize = 43;
/// The longest verifier RFC 7636 section 4.1 allows.
pub const VERIFIER_MAX_LEN: usize = 128;
/// The length of an `S256` challenge: 32 bytes of SHA-256 in unpadded base64url.
pub const CHALLENGE_LEN: usize = 43;

/// A PKCE verifier and its `S256` challenge (RFC 7636).
///
/// `Debug` prints the challenge and `[redacted]` for the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkce {
    verifier: Secret,
    challenge: String,
}

impl Pkce {
    /// A verifier from 32 random bytes (base64url without padding: 43 characters) and its
    /// challenge. The bytes must come from a cryptographically secure random source of the host
    /// (`crypto.getRandomValues`, `secrets.token_bytes`, `SecRandomCopyBytes`).
    pub fn from_random(bytes: &[u8; 32]) -> Pkce {
        let verifier = b64::encode_url(bytes);
        let challenge = s256_challenge(&verifier);
        Pkce {
            verifier: Secret::new(verifier),
            challenge,
        }
    }

    /// A caller-supplied verifier (for example one kept across a page reload) and its challenge.
    ///
    /// Errors: [`Error::InvalidInput`] unless the verifier is 43 to 128 characters of
    /// `[A-Za-z0-9-._~]` (RFC 7636 section 4.1). The message never repeats the verifier.
    pub fn from_verifier(verifier: &str) -> Result<Pkce> {
        if !verifier.bytes().all(is_unreserved) {
            return Err(Error::invalid_input(
                "a PKCE code verifier may only hold the characters A-Z a-z 0-9 - . _ ~ (RFC 7636 section 4.1)",
            ));
        }
        // ASCII from here on: bytes are characters.
        let len = verifier.len();
        if !(VERIFIER_MIN_LEN..=VERIFIER_MAX_LEN).contains(&len) {
            return Err(Error::invalid_input(format!(
                "a PKCE code verifier has {VERIFIER_MIN_LEN} to {VERIFIER_MAX_LEN} characters, this one has {len}"
            )));
        }
        Ok(Pkce {
            verifier: Secret::new(verifier),
            challenge: s256_challenge(verifier),
        })
    }

    /// The verifier, sent as `code_verifier` in the token request.
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// The challenge, sent as `code_challenge` in the authorize URL.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The challenge method, always `S256`.
    pub fn method(&self) -> &'static str {
        "S256"
    }
}

/// `base64url(SHA-256(verifier))` without padding (RFC 7636 section 4.2, `S256`).
pub fn s256_challenge(verifier: &str) -> String {
    b64::encode_url(&Sha256::digest(verifier.as_bytes()))
}

/// Whether a challenge has the shape of an `S256` challenge: 43 characters of the base64url
/// alphabet `[A-Za-z0-9-_]`.
pub fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == CHALLENGE_LEN
        && challenge
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// RFC 3986 unreserved characters, the verifier alphabet of RFC 7636 section 4.1.
fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC_BYTES: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b() {
        let p = Pkce::from_random(&RFC_BYTES);
        assert_eq!(p.verifier().expose_secret(), RFC_VERIFIER);
        assert_eq!(p.challenge(), RFC_CHALLENGE);
        assert_eq!(p.method(), "S256");
        assert_eq!(Pkce::from_verifier(RFC_VERIFIER).unwrap(), p);
        assert!(is_s256_challenge(p.challenge()));
    }

    #[test]
    fn verifier_length_bounds() {
        assert!(Pkce::from_verifier(&"a".repeat(43)).is_ok());
        assert!(Pkce::from_verifier(&"~._-".repeat(32)).is_ok());
        for bad in ["", "short", &"a".repeat(42), &"a".repeat(129)] {
            assert_eq!(
                Pkce::from_verifier(bad).unwrap_err().code(),
                "invalid_input"
            );
        }
    }

    #[test]
    fn verifier_alphabet() {
        for bad in [
            format!("{}+", "a".repeat(42)),
            format!("{}/", "a".repeat(42)),
            format!("{}=", "a".repeat(42)),
            format!("{} ", "a".repeat(42)),
            format!("{}é", "a".repeat(41)), // 43 bytes, not ASCII
            format!("{}\n", "a".repeat(42)),
        ] {
            assert_eq!(
                Pkce::from_verifier(&bad).unwrap_err().code(),
                "invalid_input",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn errors_never_repeat_the_verifier() {
        let long = format!("SECRETVERIFIER{}", "x".repeat(200));
        let bad_char = format!("SECRETVERIFIER{}+", "x".repeat(40));
        for bad in [long, bad_char] {
            let e = Pkce::from_verifier(&bad).unwrap_err();
            assert!(!e.to_string().contains("SECRETVERIFIER"), "{e}");
            assert!(!format!("{e:?}").contains("SECRETVERIFIER"), "{e:?}");
        }
    }

    #[test]
    fn debug_redacts_the_verifier() {
        let p = Pkce::from_random(&RFC_BYTES);
        let dbg = format!("{p:?}");
        assert!(!dbg.contains(RFC_VERIFIER), "{dbg}");
        assert!(dbg.contains("[redacted]"), "{dbg}");
        assert!(dbg.contains(RFC_CHALLENGE), "{dbg}");
    }

    #[test]
    fn challenge_shape() {
        assert!(!is_s256_challenge(""));
        assert!(!is_s256_challenge(&"a".repeat(44)));
        assert!(!is_s256_challenge(&format!("{}=", "a".repeat(42))));
        assert!(!is_s256_challenge(&format!("{}+", "a".repeat(42))));
    }

    proptest! {
        #[test]
        fn random_bytes_give_valid_pairs(bytes in any::<[u8; 32]>()) {
            let p = Pkce::from_random(&bytes);
            let v = p.verifier().expose_secret();
            prop_assert_eq!(v.len(), 43);
            prop_assert!(v.bytes().all(is_unreserved));
            prop_assert!(is_s256_challenge(p.challenge()));
            let again = Pkce::from_verifier(v).unwrap();
            prop_assert_eq!(again.challenge(), p.challenge());
        }

        #[test]
        fn from_verifier_never_panics(v in ".{0,200}") {
            let _ = Pkce::from_verifier(&v);
        }
    }
}
