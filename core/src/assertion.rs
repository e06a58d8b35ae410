//! Certificate client assertions: the signed JWT a confidential client sends instead of a client
//! secret (RFC 7523 section 2.2 and 3, RFC 7521 section 4.2, RFC 7515 JWS compact serialization;
//! Microsoft identity platform "Certificate credentials" (client assertion format); docs/protocol.md
//! section 3 "Certificate client assertion").
//!
//! Header `{"alg":"PS256"|"RS256","typ":"JWT","x5t#S256":base64url(SHA-256(certificate DER))}`,
//! plus `x5t` (base64url(SHA-1(certificate DER)), for servers that read only that thumbprint, such
//! as AD FS) and `x5c` (the certificate, standard base64) when asked ([`AssertionOptions`]); claims `aud` = the token endpoint
//! URL, `iss` = `sub` = the client id, `jti` = a fresh GUID, `nbf` = `iat` = now, `exp` = now +
//! 5 to 10 minutes. Mint a new assertion for every token request.
//!
//! Two ways to sign:
//! - With the default `rsa` feature, the core signs with RustCrypto `rsa`: [`sign_assertion`], or
//!   all in one call from PEM files with [`client_assertion_from_pem`]. RS256 is RSASSA-PKCS1-v1_5
//!   with SHA-256 (deterministic); PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte
//!   salt taken from the caller's random bytes (the core has no random source).
//! - Without it (or with a key in a keychain, HSM or Azure Key Vault), build the
//!   [`AssertionInput`] with [`build_assertion_signing_input`], sign its `signing_input` bytes
//!   elsewhere, and join the signature with [`finish_assertion`].
//!
//! Either way the result goes into [`crate::token::ClientAuth::Assertion`].
//!
//! ```
//! use mailoauth::assertion::*;
//!
//! let input = build_assertion_signing_input(
//!     "6731de76-14a6-49ae-97bc-6eba6914391e",
//!     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
//!     b"certificate DER bytes",
//!     &jti_from_random(&[7; 16]),
//!     1_800_000_000,
//!     600,
//!     AssertionAlg::PS256,
//!     false,
//! )?;
//! assert_eq!(input.claims.exp, 1_800_000_600);
//! assert!(input.header_json.starts_with(r#"{"alg":"PS256","typ":"JWT","x5t#S256":""#));
//! let signature = [0u8; 256]; // from your HSM, over input.signing_input
//! let jwt = finish_assertion(&input, &signature);
//! assert_eq!(jwt.expose_secret().matches('.').count(), 2);
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::b64;
use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The shortest assertion lifetime accepted, in seconds (5 minutes).
pub const MIN_ASSERTION_LIFETIME: u64 = 300;
/// The longest assertion lifetime accepted, in seconds (10 minutes).
pub const MAX_ASSERTION_LIFETIME: u64 = 600;
/// The lifetime [`client_assertion_from_pem`] uses (10 minutes, as MSAL does).
pub const DEFAULT_ASSERTION_LIFETIME: u64 = 600;

/// The JWS signature algorithm of an assertion (RFC 7518 section 3.3 and 3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(clippy::upper_case_acronyms)]
pub enum AssertionAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256: accepted by Entra and used in production by public tools.
    RS256,
    /// RSASSA-PSS with SHA-256 (MGF1-SHA-256, 32-byte salt): what Microsoft's current docs show.
    PS256,
}

impl AssertionAlg {
    /// `RS256` or `PS256`.
    pub fn as_str(self) -> &'static str {
        match self {
            AssertionAlg::RS256 => "RS256",
            AssertionAlg::PS256 => "PS256",
        }
    }
}

impl fmt::Display for AssertionAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AssertionAlg {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "RS256" => Ok(AssertionAlg::RS256),
            "PS256" => Ok(AssertionAlg::PS256),
            _ => Err(Error::invalid_input(format!(
                "unknown assertion algorithm {} (expected PS256 or RS256)",
                crate::error::quoted_excerpt(s, 20)
            ))),
        }
    }
}

/// The JOSE header of an assertion, in the order it is serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssertionHeader {
    /// `alg`.
    pub alg: AssertionAlg,
    /// `typ`: always `JWT`.
    pub typ: String,
    /// `x5t#S256`: base64url (no padding) of the SHA-256 of the certificate's DER.
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: String,
    /// `x5t`: base64url (no padding) of the SHA-1 of the certificate's DER, when asked (AD FS
    /// and other servers that look a certificate up by its SHA-1 thumbprint only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5t: Option<String>,
    /// `x5c`: the certificate chain, standard base64 of each DER (only the leaf here), when asked
    /// (Entra's subject-name/issuer authentication uses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5c: Option<Vec<String>>,
}

/// The claims of an assertion (RFC 7523 section 3), in the order they are serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssertionClaims {
    /// `aud`: the token endpoint URL the assertion is sent to.
    pub aud: String,
    /// `iss`: the client id.
    pub iss: String,
    /// `sub`: the client id.
    pub sub: String,
    /// `jti`: a fresh GUID for every assertion ([`jti_from_random`]).
    pub jti: String,
    /// `nbf`: now (Unix seconds).
    pub nbf: u64,
    /// `iat`: now (Unix seconds).
    pub iat: u64,
    /// `exp`: now + the lifetime (5 to 10 minutes).
    pub exp: u64,
}

impl AssertionClaims {
    /// The claims for a client assertion: `aud` = `token_url` (validated and normalised as the
    /// token request builders do, so it matches where the request goes), `iss` = `sub` =
    /// `client_id`, `jti`, `nbf` = `iat` = `now`, `exp` = `now + lifetime_secs`.
    ///
    /// Fails with [`Error::InvalidInput`] on a bad token URL, an empty or control-character
    /// client id or jti, or a lifetime outside 300..=600 seconds.
    pub fn new(
        client_id: &str,
        token_url: &str,
        jti: &str,
        now: u64,
        lifetime_secs: u64,
    ) -> Result<AssertionClaims> {
        let aud = crate::token::endpoint(token_url)?;
        let client_id = crate::ClientId::new(client_id)?.into_string();
        crate::token::check_value("jti", jti)?;
        if jti.len() > 256 {
            return Err(Error::invalid_input("jti must be at most 256 characters"));
        }
        if !(MIN_ASSERTION_LIFETIME..=MAX_ASSERTION_LIFETIME).contains(&lifetime_secs) {
            return Err(Error::invalid_input(format!(
                "the assertion lifetime must be {MIN_ASSERTION_LIFETIME} to {MAX_ASSERTION_LIFETIME} seconds, not {lifetime_secs}"
            )));
        }
        Ok(AssertionClaims {
            aud,
            iss: client_id.clone(),
            sub: client_id,
            jti: jti.to_owned(),
            nbf: now,
            iat: now,
            exp: now.saturating_add(lifetime_secs),
        })
    }
}

/// An assertion ready to be signed: the header, the claims, their exact JSON, and the JWS
/// signing input `base64url(header_json) "." base64url(claims_json)` (RFC 7515 section 5.1).
/// Nothing in it is secret.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "AssertionInput", module = "mailoauth", frozen)
)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionInput {
    /// The signature algorithm the header names.
    pub alg: AssertionAlg,
    /// The header.
    pub header: AssertionHeader,
    /// The claims.
    pub claims: AssertionClaims,
    /// The header exactly as encoded.
    pub header_json: String,
    /// The claims exactly as encoded.
    pub claims_json: String,
    /// What to sign (ASCII): `base64url(header_json) "." base64url(claims_json)`.
    pub signing_input: String,
}

/// base64url (no padding) of the SHA-256 of a certificate's DER: the `x5t#S256` thumbprint
/// (RFC 7515 section 4.1.8).
pub fn x5t_s256(cert_der: &[u8]) -> String {
    b64::encode_url(&Sha256::digest(cert_der))
}

/// base64url (no padding) of the SHA-1 of a certificate's DER: the `x5t` thumbprint (RFC 7515
/// section 4.1.7). SHA-1 is weak for collisions; it only names the certificate here, the
/// signature does not depend on it. Servers such as AD FS look certificates up by it.
pub fn x5t_sha1(cert_der: &[u8]) -> String {
    b64::encode_url(&Sha1::digest(cert_der))
}

/// How a client assertion is built beyond its claims: one value instead of a row of positional
/// arguments. `AssertionOptions::default()` is what Entra ID wants: PS256, 10 minutes,
/// `x5t#S256` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssertionOptions {
    /// The signature algorithm (default PS256; AD FS and older servers need RS256).
    pub alg: AssertionAlg,
    /// `exp - iat` in seconds, [`MIN_ASSERTION_LIFETIME`] to [`MAX_ASSERTION_LIFETIME`]
    /// (default [`DEFAULT_ASSERTION_LIFETIME`]).
    pub lifetime_secs: u64,
    /// Add the certificate as `x5c` (Entra's subject-name/issuer authentication).
    pub include_x5c: bool,
    /// Add the SHA-1 thumbprint `x5t` beside `x5t#S256`, for servers that read only `x5t`
    /// (AD FS). Servers that do not know a header member ignore it (RFC 7515 section 4).
    pub include_x5t: bool,
}

impl Default for AssertionOptions {
    fn default() -> Self {
        AssertionOptions {
            alg: AssertionAlg::PS256,
            lifetime_secs: DEFAULT_ASSERTION_LIFETIME,
            include_x5c: false,
            include_x5t: false,
        }
    }
}

/// Builds the header, claims and signing input of a client assertion (see [`AssertionClaims::new`]
/// for the claims). `jti` should come from [`jti_from_random`] with fresh random bytes;
/// `include_x5c` adds the certificate as `x5c`.
///
/// Fails with [`Error::InvalidInput`] on an empty certificate and as [`AssertionClaims::new`].
#[allow(clippy::too_many_arguments)]
pub fn build_assertion_signing_input(
    client_id: &str,
    token_url: &str,
    cert_der: &[u8],
    jti: &str,
    now: u64,
    lifetime_secs: u64,
    alg: AssertionAlg,
    include_x5c: bool,
) -> Result<AssertionInput> {
    build_assertion_signing_input_with(
        client_id,
        token_url,
        cert_der,
        jti,
        now,
        &AssertionOptions {
            alg,
            lifetime_secs,
            include_x5c,
            include_x5t: false,
        },
    )
}

/// [`build_assertion_signing_input`] with every choice in one [`AssertionOptions`] value,
/// among them the SHA-1 thumbprint `x5t` (`include_x5t`).
///
/// Fails with [`Error::InvalidInput`] on an empty certificate and as [`AssertionClaims::new`].
pub fn build_assertion_signing_input_with(
    client_id: &str,
    token_url: &str,
    cert_der: &[u8],
    jti: &str,
    now: u64,
    options: &AssertionOptions,
) -> Result<AssertionInput> {
    let AssertionOptions {
        alg,
        lifetime_secs,
        include_x5c,
        include_x5t,
    } = *options;
    if cert_der.is_empty() {
        return Err(Error::invalid_input("the certificate (DER) is empty"));
    }
    let claims = AssertionClaims::new(client_id, token_url, jti, now, lifetime_secs)?;
    let header = AssertionHeader {
        alg,
        typ: "JWT".to_owned(),
        x5t_s256: x5t_s256(cert_der),
        x5t: include_x5t.then(|| x5t_sha1(cert_der)),
        x5c: include_x5c.then(|| vec![b64::encode(cert_der)]),
    };
    let header_json = to_json(&header);
    let claims_json = to_json(&claims);
    let signing_input = format!(
        "{}.{}",
        b64::encode_url(header_json.as_bytes()),
        b64::encode_url(claims_json.as_bytes())
    );
    Ok(AssertionInput {
        alg,
        header,
        claims,
        header_json,
        claims_json,
        signing_input,
    })
}

/// The header or the claims as compact JSON, members in declaration order, as their serde form
/// writes them (`x5t` and `x5c` left out when absent).
fn to_json<T: Serialize>(part: &T) -> String {
    match crate::json_writer::to_string(part) {
        Ok(text) => text,
        // The writer refuses only floats and non-string map keys; headers and claims hold
        // strings, whole numbers and lists of strings.
        Err(e) => unreachable!("an assertion header or claims set is always writable: {e}"),
    }
}

/// A version 4 GUID (RFC 9562 section 5.4) from 16 caller random bytes, lowercase with hyphens:
/// the `jti` of an assertion. The version and variant bits are set; the other 122 bits are the
/// caller's.
pub fn jti_from_random(bytes: &[u8; 16]) -> String {
    let mut b = *bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Joins a signature made elsewhere over `input.signing_input` into the compact JWS
/// `signing_input "." base64url(signature)` (RFC 7515 section 7.1), for
/// [`crate::token::ClientAuth::Assertion`].
pub fn finish_assertion(input: &AssertionInput, signature: &[u8]) -> Secret {
    Secret::new(format!(
        "{}.{}",
        input.signing_input,
        b64::encode_url(signature)
    ))
}

/// The DER of the first `-----BEGIN CERTIFICATE-----` block of a PEM text (RFC 7468 section 5),
/// so a certificate file (or a file holding the certificate and its key) can be used directly.
/// No X.509 parsing is done.
///
/// Fails with [`Error::InvalidInput`] when there is no certificate block or its base64 is bad.
pub fn certificate_der_from_pem(pem: &str) -> Result<Vec<u8>> {
    let body = pem_block(pem, "CERTIFICATE").ok_or_else(|| {
        Error::invalid_input("no -----BEGIN CERTIFICATE----- block found in the certificate PEM")
    })?;
    let der = decode_pem_body(body)
        .ok_or_else(|| Error::invalid_input("the certificate PEM block is not valid base64"))?;
    if der.is_empty() {
        return Err(Error::invalid_input("the certificate PEM block is empty"));
    }
    Ok(der)
}

/// The text between `-----BEGIN {label}-----` and the matching END line.
fn pem_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let rest = text.get(start..)?;
    let stop = rest.find(&end)?;
    rest.get(..stop)
}

/// The base64 of a PEM body as people have it (RFC 7468 section 3's lax reading): lines of any
/// length, CRLF or LF, trailing spaces, or the whole body on one line; all white space is
/// dropped before decoding.
fn decode_pem_body(body: &str) -> Option<Vec<u8>> {
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    b64::decode(compact.as_bytes()).ok()
}

/// The form of a private key PEM block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyForm {
    /// `BEGIN PRIVATE KEY`: PKCS#8 `PrivateKeyInfo` (RFC 5958).
    Pkcs8,
    /// `BEGIN RSA PRIVATE KEY`: PKCS#1 `RSAPrivateKey` (RFC 8017 appendix A.1.2).
    Pkcs1,
}

/// The DER of the private key in a PEM text (which may hold the certificate too), and its form.
///
/// Fails with [`Error::EncryptedPrivateKey`] for an encrypted key (PKCS#8 `ENCRYPTED PRIVATE
/// KEY`, or a legacy PKCS#1 block with `Proc-Type: 4,ENCRYPTED`), naming the `openssl` command
/// that decrypts it; with [`Error::InvalidInput`] when there is no key block or its base64 is
/// bad. Messages never hold key material.
pub(crate) fn private_key_der(pem: &str) -> Result<(KeyForm, Vec<u8>)> {
    if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(Error::EncryptedPrivateKey(
            "the private key is a passphrase-protected PKCS#8 key (BEGIN ENCRYPTED PRIVATE KEY): write an unencrypted copy with `openssl pkey -in key.pem -out key-plain.pem` (it asks for the passphrase) and protect that file".to_owned(),
        ));
    }
    if let Some(body) = pem_block(pem, "RSA PRIVATE KEY") {
        if body.contains("Proc-Type: 4,ENCRYPTED") || body.contains("DEK-Info:") {
            return Err(Error::EncryptedPrivateKey(
                "the private key is a passphrase-protected legacy PEM key (Proc-Type: 4,ENCRYPTED): write an unencrypted copy with `openssl rsa -in key.pem -out key-plain.pem` (it asks for the passphrase) and protect that file".to_owned(),
            ));
        }
    }
    let (form, body) = if let Some(body) = pem_block(pem, "PRIVATE KEY") {
        (KeyForm::Pkcs8, body)
    } else if let Some(body) = pem_block(pem, "RSA PRIVATE KEY") {
        (KeyForm::Pkcs1, body)
    } else {
        return Err(Error::invalid_input(
            "no private key found: expected a PEM block -----BEGIN PRIVATE KEY----- (PKCS#8) or -----BEGIN RSA PRIVATE KEY----- (PKCS#1)",
        ));
    };
    let der = decode_pem_body(body)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| Error::invalid_input("the private key PEM block is not valid base64"))?;
    Ok((form, der))
}

/// A DER element's tag, content, whole encoding, and the input after it.
type DerElement<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

/// One DER element (ITU-T X.690 section 8.1): its tag, its content and what follows it. `None`
/// for a multi-byte tag, an indefinite or oversized length, or an element that runs past the end.
fn der_element(input: &[u8]) -> Option<DerElement<'_>> {
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in input.get(2..2 + n)? {
            len = len.checked_mul(256)?.checked_add(usize::from(*b))?;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    let content = input.get(header..end)?;
    let whole = input.get(..end)?;
    Some((tag, content, whole, input.get(end..)?))
}

/// The DER of the `subjectPublicKeyInfo` of an X.509 certificate (RFC 5280 section 4.1): the
/// seventh element of `tbsCertificate` counting the optional `[0]` version. `None` when the DER
/// is not shaped like a certificate.
pub(crate) fn certificate_spki(cert_der: &[u8]) -> Option<&[u8]> {
    let (tag, cert, _, _) = der_element(cert_der)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, tbs, _, _) = der_element(cert)?;
    if tag != 0x30 {
        return None;
    }
    let mut rest = tbs;
    let (tag, _, _, after) = der_element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    // serialNumber, signature, issuer, validity, subject.
    for want in [0x02, 0x30, 0x30, 0x30, 0x30] {
        let (tag, _, _, after) = der_element(rest)?;
        if tag != want {
            return None;
        }
        rest = after;
    }
    let (tag, _, spki, _) = der_element(rest)?;
    (tag == 0x30).then_some(spki)
}

/// For the fuzz targets: [`certificate_spki`] and [`private_key_der`] on outside input.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn fuzz_key_and_certificate(cert_der: &[u8], pem: &str) -> (Option<usize>, Result<usize>) {
    (
        certificate_spki(cert_der).map(<[u8]>::len),
        private_key_der(pem).map(|(_, d)| d.len()),
    )
}

#[cfg(feature = "rsa")]
mod signing {
    use super::*;
    use rand_core::{CryptoRng, RngCore};
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
    use rsa::traits::PublicKeyParts;
    use rsa::RsaPrivateKey;

    /// The PSS salt length (the SHA-256 output size, as RFC 7518 section 3.5 requires).
    pub(super) const PSS_SALT_LEN: usize = 32;

    /// A "random" source that hands out the caller's bytes once, in order (the core has no RNG).
    /// When they run out it yields zeros and remembers it, and the signature is refused.
    struct CallerBytes<'a> {
        bytes: &'a [u8],
        pos: usize,
        ran_out: bool,
    }

    impl RngCore for CallerBytes<'_> {
        fn next_u32(&mut self) -> u32 {
            let mut b = [0u8; 4];
            self.fill_bytes(&mut b);
            u32::from_le_bytes(b)
        }

        fn next_u64(&mut self) -> u64 {
            let mut b = [0u8; 8];
            self.fill_bytes(&mut b);
            u64::from_le_bytes(b)
        }

        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for d in dest.iter_mut() {
                match self.bytes.get(self.pos) {
                    Some(b) => {
                        *d = *b;
                        self.pos += 1;
                    }
                    None => {
                        *d = 0;
                        self.ran_out = true;
                    }
                }
            }
        }

        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    // The bytes come from the host's CSPRNG (crypto.getRandomValues, secrets, SecRandomCopyBytes).
    impl CryptoRng for CallerBytes<'_> {}

    /// Reads an RSA private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`), also from a file that holds the certificate too. Errors never
    /// echo key material.
    pub(super) fn parse_private_key(pem: &str) -> Result<RsaPrivateKey> {
        let (form, der) = private_key_der(pem)?;
        let key = match form {
            KeyForm::Pkcs8 => RsaPrivateKey::from_pkcs8_der(&der).ok(),
            KeyForm::Pkcs1 => RsaPrivateKey::from_pkcs1_der(&der).ok(),
        };
        let key = key.ok_or_else(|| {
            Error::invalid_input(
                "the private key PEM could not be read as an RSA key (PKCS#8 or PKCS#1; EC keys are not supported)",
            )
        })?;
        let bits = key.size() * 8;
        if bits < 2048 {
            return Err(Error::invalid_input(format!(
                "the RSA key has {bits} bits: Entra requires at least 2048"
            )));
        }
        Ok(key)
    }

    pub(super) fn sign(
        input: &AssertionInput,
        key: &RsaPrivateKey,
        random: &[u8],
    ) -> Result<Secret> {
        let msg = input.signing_input.as_bytes();
        let signature: Vec<u8> = match input.alg {
            AssertionAlg::RS256 => rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone())
                .try_sign(msg)
                .map_err(|_| Error::invalid_input("RS256 signing failed (is the key valid?)"))?
                .to_vec(),
            AssertionAlg::PS256 => {
                if random.len() < PSS_SALT_LEN {
                    return Err(Error::invalid_input(format!(
                        "PS256 needs at least {PSS_SALT_LEN} random bytes for the salt, got {}",
                        random.len()
                    )));
                }
                let mut rng = CallerBytes {
                    bytes: random,
                    pos: 0,
                    ran_out: false,
                };
                let sig =
                    rsa::pss::SigningKey::<Sha256>::new_with_salt_len(key.clone(), PSS_SALT_LEN)
                        .try_sign_with_rng(&mut rng, msg)
                        .map_err(|_| {
                            Error::invalid_input("PS256 signing failed (is the key valid?)")
                        })?;
                if rng.ran_out {
                    return Err(Error::invalid_input(
                        "PS256 signing needed more random bytes than were given",
                    ));
                }
                sig.to_vec()
            }
        };
        Ok(finish_assertion(input, &signature))
    }
}

/// The modulus and public exponent of an RSA `SubjectPublicKeyInfo` (RFC 8017 appendix A.1.1:
/// the BIT STRING holds `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`).
fn rsa_public_key_of_spki(spki: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, content, _, _) = der_element(spki)?;
    let (_, _, _, rest) = der_element(content)?; // the AlgorithmIdentifier
    let (tag, bits, _, _) = der_element(rest)?;
    if tag != 0x03 || bits.first() != Some(&0) {
        return None;
    }
    let (tag, seq, _, _) = der_element(bits.get(1..)?)?;
    if tag != 0x30 {
        return None;
    }
    let (tag_n, n, _, rest) = der_element(seq)?;
    let (tag_e, e, _, _) = der_element(rest)?;
    (tag_n == 0x02 && tag_e == 0x02).then_some((n, e))
}

/// The DER of `rsaEncryption`'s OBJECT IDENTIFIER 1.2.840.113549.1.1.1 (RFC 8017 appendix A.1).
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// The modulus and public exponent inside an RSA private key's DER: PKCS#1 `RSAPrivateKey ::=
/// SEQUENCE { version, modulus, publicExponent, ... }` (RFC 8017 appendix A.1.2), or PKCS#8
/// `PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING RSAPrivateKey }`
/// (RFC 5958 section 2) whose algorithm is `rsaEncryption`. `None` for any other shape (an EC
/// key among them).
fn rsa_public_numbers_of_key(form: KeyForm, der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (tag, seq, _, _) = der_element(der)?;
    if tag != 0x30 {
        return None;
    }
    let rsa_key = match form {
        KeyForm::Pkcs1 => seq,
        KeyForm::Pkcs8 => {
            let (tag, _, _, rest) = der_element(seq)?; // version
            if tag != 0x02 {
                return None;
            }
            let (tag, alg, _, rest) = der_element(rest)?;
            let (oid_tag, oid, _, _) = der_element(alg)?;
            if tag != 0x30 || oid_tag != 0x06 || oid != RSA_ENCRYPTION_OID {
                return None;
            }
            let (tag, octets, _, _) = der_element(rest)?;
            if tag != 0x04 {
                return None;
            }
            let (tag, inner, _, _) = der_element(octets)?;
            if tag != 0x30 {
                return None;
            }
            inner
        }
    };
    let (tag, _, _, rest) = der_element(rsa_key)?; // version
    let (tag_n, n, _, rest) = der_element(rest).filter(|_| tag == 0x02)?;
    let (tag_e, e, _, _) = der_element(rest)?;
    (tag_n == 0x02 && tag_e == 0x02).then_some((n, e))
}

/// A DER INTEGER's magnitude without the leading zero octets DER adds when the top bit is set.
fn unsigned(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    b.get(first..).unwrap_or_default()
}

/// What a private key is and whether it belongs to a certificate ([`check_private_key`]).
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "KeyCheck", module = "mailoauth", frozen, get_all)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KeyCheck {
    /// `pkcs8` (`BEGIN PRIVATE KEY`) or `pkcs1` (`BEGIN RSA PRIVATE KEY`).
    #[cfg_attr(feature = "typescript", ts(type = r#""pkcs8" | "pkcs1""#))]
    pub key_format: String,
    /// The size of the RSA modulus in bits (Entra ID needs at least 2048).
    pub key_bits: u32,
    /// Whether the key's public part (modulus and exponent) is the certificate's
    /// `subjectPublicKeyInfo`: when it is not, the server refuses every assertion (Entra:
    /// AADSTS700027).
    pub matches_certificate: bool,
}

/// Reads a private key and its certificate as people have them (PEM of any line length, CRLF,
/// one-line bodies, key and certificate in one file) and says what the key is and whether it
/// belongs to the certificate, without signing anything (no `rsa` feature needed; the wasm
/// build has it too). [`client_assertion_from_pem`] runs the same check before it signs.
///
/// Fails with [`Error::EncryptedPrivateKey`] for a passphrase-protected key (naming the
/// `openssl` command that decrypts it), and with [`Error::InvalidInput`] when there is no
/// certificate or key block, the base64 is bad, the key is not RSA (EC keys are not supported),
/// or the certificate holds no RSA public key. Messages never hold key material.
pub fn check_private_key(cert_pem: &str, key_pem: &str) -> Result<KeyCheck> {
    let cert_der = certificate_der_from_pem(cert_pem)?;
    let (form, key_der) = private_key_der(key_pem)?;
    let (n, e) = rsa_public_numbers_of_key(form, &key_der).ok_or_else(|| {
        Error::invalid_input(
            "the private key PEM could not be read as an RSA key (PKCS#8 or PKCS#1; EC keys are not supported)",
        )
    })?;
    let (cert_n, cert_e) = certificate_spki(&cert_der)
        .and_then(rsa_public_key_of_spki)
        .ok_or_else(|| {
            Error::invalid_input(
                "the certificate PEM block does not hold an X.509 certificate with an RSA key (no SubjectPublicKeyInfo found)",
            )
        })?;
    let n = unsigned(n);
    let bits = n.first().map_or(0, |top| {
        u32::try_from(n.len())
            .unwrap_or(u32::MAX / 8)
            .saturating_mul(8)
            .saturating_sub(top.leading_zeros())
    });
    Ok(KeyCheck {
        key_format: match form {
            KeyForm::Pkcs8 => "pkcs8",
            KeyForm::Pkcs1 => "pkcs1",
        }
        .to_owned(),
        key_bits: bits,
        matches_certificate: n == unsigned(cert_n) && unsigned(e) == unsigned(cert_e),
    })
}

/// Signs an assertion with an RSA private key in PEM (PKCS#8 `BEGIN PRIVATE KEY`, or PKCS#1
/// `BEGIN RSA PRIVATE KEY`; unencrypted; at least 2048 bits) and returns the compact JWS.
///
/// RS256 is deterministic and ignores `salt_or_random`. PS256 takes its 32-byte PSS salt from
/// the first 32 bytes of `salt_or_random` (fill it from the host's CSPRNG; fewer is
/// [`Error::InvalidInput`]). The private-key operation is not blinded (the caller's bytes are
/// used only for the salt); sign on a machine you control.
///
/// Fails with [`Error::InvalidInput`] when the key cannot be read (the message never holds key
/// material) or is too small.
#[cfg(feature = "rsa")]
#[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
pub fn sign_assertion(
    input: &AssertionInput,
    private_key_pkcs8_pem: &str,
    salt_or_random: &[u8],
) -> Result<Secret> {
    let key = signing::parse_private_key(private_key_pkcs8_pem)?;
    signing::sign(input, &key, salt_or_random)
}

/// A signed client assertion in one call, from the certificate and private key PEM texts (they
/// may be the same text): reads the certificate ([`certificate_der_from_pem`]) and the key,
/// checks that the key belongs to the certificate, builds the input with a
/// [`DEFAULT_ASSERTION_LIFETIME`] of 10 minutes and no `x5c`, and signs it ([`sign_assertion`];
/// `random` as `salt_or_random` there). `jti` comes from [`jti_from_random`].
///
/// Fails with [`Error::InvalidInput`] on a bad certificate, key, token URL, client id or jti, a
/// key that does not match the certificate, or too few random bytes for PS256.
#[cfg(feature = "rsa")]
#[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
#[allow(clippy::too_many_arguments)]
pub fn client_assertion_from_pem(
    client_id: &str,
    token_url: &str,
    cert_pem: &str,
    key_pem: &str,
    jti: &str,
    now: u64,
    alg: AssertionAlg,
    random: &[u8],
) -> Result<Secret> {
    client_assertion_from_pem_with(
        client_id,
        token_url,
        cert_pem,
        key_pem,
        jti,
        now,
        random,
        &AssertionOptions {
            alg,
            ..AssertionOptions::default()
        },
    )
}

/// [`client_assertion_from_pem`] with every choice in one [`AssertionOptions`] value (the
/// algorithm, the lifetime, `x5c`, the SHA-1 thumbprint `x5t`).
///
/// Fails as [`client_assertion_from_pem`], and on a lifetime outside 300..=600 seconds.
#[cfg(feature = "rsa")]
#[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
#[allow(clippy::too_many_arguments)]
pub fn client_assertion_from_pem_with(
    client_id: &str,
    token_url: &str,
    cert_pem: &str,
    key_pem: &str,
    jti: &str,
    now: u64,
    random: &[u8],
    options: &AssertionOptions,
) -> Result<Secret> {
    let cert_der = certificate_der_from_pem(cert_pem)?;
    let key = signing::parse_private_key(key_pem)?;
    if !check_private_key(cert_pem, key_pem)?.matches_certificate {
        return Err(Error::invalid_input(
            "the private key does not belong to the certificate (its public key is not in it): Entra would answer AADSTS700027",
        ));
    }
    let input =
        build_assertion_signing_input_with(client_id, token_url, &cert_der, jti, now, options)?;
    signing::sign(&input, &key, random)
}

#[cfg(test)]
mod tests {
    use super::*;
    // The `base64` crate, not the core's `b64`: an outside reading of what the core wrote.
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;

    const CLIENT: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
    const TOKEN_URL: &str =
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
    const NOW: u64 = 1_800_000_000;
    const CERT_PEM: &str = include_str!("../../tests/fixtures/test-client-cert.pem");
    /// A test-only key, committed on purpose; it protects nothing.
    const KEY_PEM: &str = include_str!("../../tests/fixtures/test-client-key.pem");
    /// `openssl x509 -in test-client-cert.pem -outform DER | openssl dgst -sha256 -binary | basenc --base64url`
    const CERT_X5T_S256: &str = "in2aT9g1ryxmSL24JptCnCxz7iW_5YyMBZjc-AOAlEs";
    /// `openssl x509 -in test-client-cert.pem -outform DER | openssl dgst -sha1 -binary | basenc --base64url`
    const CERT_X5T_SHA1: &str = "CC31mcA8-LMh78OBokiMSXRE8uo";

    proptest::proptest! {
        /// The hand-written JSON is byte for byte what the serde form writes.
        #[test]
        fn json_is_the_serde_form(
            strings in proptest::collection::vec(proptest::prelude::any::<String>(), 5),
            numbers in proptest::collection::vec(proptest::prelude::any::<u64>(), 3),
            chain in proptest::option::of(proptest::collection::vec("[ -~\u{0}-\u{1f}é]{0,8}", 0..3)),
            x5t in proptest::option::of("[ -~\u{0}-\u{1f}é]{0,12}"),
            ps in proptest::prelude::any::<bool>(),
        ) {
            let header = AssertionHeader {
                alg: if ps { AssertionAlg::PS256 } else { AssertionAlg::RS256 },
                typ: strings[0].clone(),
                x5t_s256: strings[1].clone(),
                x5t,
                x5c: chain,
            };
            proptest::prop_assert_eq!(to_json(&header), serde_json::to_string(&header).unwrap());
            let claims = AssertionClaims {
                aud: strings[1].clone(),
                iss: strings[2].clone(),
                sub: strings[3].clone(),
                jti: strings[4].clone(),
                nbf: numbers[0],
                iat: numbers[1],
                exp: numbers[2],
            };
            proptest::prop_assert_eq!(to_json(&claims), serde_json::to_string(&claims).unwrap());
        }
    }

    fn b64url_json(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn jti_is_a_v4_guid() {
        assert_eq!(
            jti_from_random(&[0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
        assert_eq!(
            jti_from_random(&[0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            jti_from_random(&[
                0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
                0xde, 0xf0
            ]),
            "12345678-9abc-4ef0-9234-56789abcdef0"
        );
        assert!(crate::cloud::is_guid(&jti_from_random(&[0xa5; 16])));
    }

    #[test]
    fn header_and_claims_exact() {
        let der = certificate_der_from_pem(CERT_PEM).unwrap();
        assert_eq!(x5t_s256(&der), CERT_X5T_S256);
        let jti = "12345678-9abc-4ef0-9234-56789abcdef0";
        let input = build_assertion_signing_input(
            CLIENT,
            TOKEN_URL,
            &der,
            jti,
            NOW,
            600,
            AssertionAlg::PS256,
            false,
        )
        .unwrap();
        assert_eq!(
            input.header_json,
            format!(r#"{{"alg":"PS256","typ":"JWT","x5t#S256":"{CERT_X5T_S256}"}}"#)
        );
        assert_eq!(
            input.claims_json,
            format!(
                r#"{{"aud":"{TOKEN_URL}","iss":"{CLIENT}","sub":"{CLIENT}","jti":"{jti}","nbf":1800000000,"iat":1800000000,"exp":1800000600}}"#
            )
        );
        let (h, c) = input.signing_input.split_once('.').unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(h).unwrap(),
            input.header_json.as_bytes()
        );
        assert_eq!(
            URL_SAFE_NO_PAD.decode(c).unwrap(),
            input.claims_json.as_bytes()
        );
        assert_eq!(input.claims.exp - input.claims.iat, 600);

        let with_x5c = build_assertion_signing_input(
            CLIENT,
            TOKEN_URL,
            &der,
            jti,
            NOW,
            300,
            AssertionAlg::RS256,
            true,
        )
        .unwrap();
        let h = b64url_json(with_x5c.signing_input.split('.').next().unwrap());
        assert_eq!(
            h,
            serde_json::json!({"alg":"RS256","typ":"JWT","x5t#S256":CERT_X5T_S256,"x5c":[STANDARD.encode(&der)]})
        );
        assert_eq!(with_x5c.claims.exp, NOW + 300);
        // x5c is the PEM body itself.
        let pem_body: String = pem_block(CERT_PEM, "CERTIFICATE")
            .unwrap()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert_eq!(with_x5c.header.x5c, Some(vec![pem_body]));
    }

    #[test]
    fn input_validation() {
        let der = [1u8, 2, 3];
        let e = build_assertion_signing_input(
            "",
            TOKEN_URL,
            &der,
            "j",
            NOW,
            600,
            AssertionAlg::PS256,
            false,
        )
        .unwrap_err();
        assert_eq!(e.code(), "invalid_client_id");
        let ok = |lifetime: u64| {
            build_assertion_signing_input(
                CLIENT,
                TOKEN_URL,
                &der,
                "j",
                NOW,
                lifetime,
                AssertionAlg::PS256,
                false,
            )
        };
        assert!(ok(300).is_ok() && ok(600).is_ok());
        for r in [
            ok(299),
            ok(601),
            build_assertion_signing_input(
                CLIENT,
                TOKEN_URL,
                &[],
                "j",
                NOW,
                600,
                AssertionAlg::PS256,
                false,
            ),
            build_assertion_signing_input(
                CLIENT,
                "http://x/token",
                &der,
                "j",
                NOW,
                600,
                AssertionAlg::PS256,
                false,
            ),
            build_assertion_signing_input(
                CLIENT,
                TOKEN_URL,
                &der,
                "",
                NOW,
                600,
                AssertionAlg::PS256,
                false,
            ),
            build_assertion_signing_input(
                CLIENT,
                TOKEN_URL,
                &der,
                "a\nb",
                NOW,
                600,
                AssertionAlg::PS256,
                false,
            ),
        ] {
            assert_eq!(r.unwrap_err().code(), "invalid_input");
        }
        assert_eq!(
            "ps256".parse::<AssertionAlg>().unwrap(),
            AssertionAlg::PS256
        );
        assert_eq!(
            "RS256".parse::<AssertionAlg>().unwrap(),
            AssertionAlg::RS256
        );
        assert_eq!(
            "HS256".parse::<AssertionAlg>().unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(AssertionAlg::PS256.to_string(), "PS256");
    }

    #[test]
    fn pem_certificate_parsing() {
        let der = certificate_der_from_pem(CERT_PEM).unwrap();
        assert_eq!(der.first(), Some(&0x30)); // a DER SEQUENCE
                                              // Certificate after a key in one file, with CR LF line ends.
        let both = format!("{KEY_PEM}{}", CERT_PEM.replace('\n', "\r\n"));
        assert_eq!(certificate_der_from_pem(&both).unwrap(), der);
        for bad in [
            "",
            KEY_PEM,
            "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\nMIIB",
        ] {
            assert_eq!(
                certificate_der_from_pem(bad).unwrap_err().code(),
                "invalid_input"
            );
        }
    }

    #[test]
    fn finish_joins_signature() {
        let input = build_assertion_signing_input(
            CLIENT,
            TOKEN_URL,
            b"der",
            "j",
            NOW,
            600,
            AssertionAlg::RS256,
            false,
        )
        .unwrap();
        let jwt = finish_assertion(&input, &[0xfb, 0xff]);
        assert_eq!(jwt.expose_secret(), format!("{}.-_8", input.signing_input));
        assert_eq!(format!("{jwt:?}"), "[redacted]");
    }

    #[cfg(feature = "rsa")]
    mod rsa_signing {
        use super::*;
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::signature::Verifier;
        use rsa::traits::PublicKeyParts as _;
        use rsa::{RsaPrivateKey, RsaPublicKey};

        const KEY_PKCS1_PEM: &str = include_str!("../../tests/fixtures/test-client-key-pkcs1.pem");
        const OTHER_KEY_PEM: &str = include_str!("../../tests/fixtures/test-other-key.pem");
        const SMALL_KEY_PEM: &str = include_str!("../../tests/fixtures/test-small-key-1024.pem");
        const OPENSSL_RS256_SIGNATURE: &str = "AEKcOxRoSAKb6E4bPBGNjit81Oh5QupI2UrxRqm744CObzfIlsZp0rwdjPoV1YR-2ydtgYlhQ8Np-xkKKq3G031hUJk-0fsmZ-RhcYU64xp_7r_yY4Lhu9OA78P5Tw41p3HF63V7uYY84zlZn2-tqvPzp5RlaGx4T6xVuPRGqyp-2aoqZ1PtWnFMZFxg1wzBF2DyxznJWvcKsilYhhhsfst8Jl37C-9UgQyOA_gJvvM5mB6FK23Qe6zHiA9Ha9aanEWhPVEsj7tEBS3ITlITX9JaMU_yRPXoEPm-eFQZDeha9dwUYsQOkSJ5r75h5sgiLCgcKo7XdKmZ0G5H8cTtoA";

        fn public_key() -> RsaPublicKey {
            RsaPublicKey::from(&RsaPrivateKey::from_pkcs8_pem(KEY_PEM).unwrap())
        }

        fn split(jwt: &Secret) -> (String, Vec<u8>) {
            let (input, sig) = jwt.expose_secret().rsplit_once('.').unwrap();
            (input.to_owned(), URL_SAFE_NO_PAD.decode(sig).unwrap())
        }

        fn input(alg: AssertionAlg) -> AssertionInput {
            let der = certificate_der_from_pem(CERT_PEM).unwrap();
            build_assertion_signing_input(
                CLIENT,
                TOKEN_URL,
                &der,
                "12345678-9abc-4ef0-9234-56789abcdef0",
                NOW,
                600,
                alg,
                false,
            )
            .unwrap()
        }

        #[test]
        fn rs256_verifies_and_is_deterministic() {
            let input = input(AssertionAlg::RS256);
            let jwt = sign_assertion(&input, KEY_PEM, &[]).unwrap();
            let (signed, sig) = split(&jwt);
            assert_eq!(signed, input.signing_input);
            assert_eq!(sig.len(), 256);
            let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public_key());
            let s = rsa::pkcs1v15::Signature::try_from(sig.as_slice()).unwrap();
            vk.verify(signed.as_bytes(), &s).unwrap();
            assert!(vk.verify(b"something else", &s).is_err());
            // PKCS#1 v1.5 is deterministic; the PKCS#1 PEM form of the same key gives the same bytes.
            assert_eq!(sign_assertion(&input, KEY_PEM, &[9; 64]).unwrap(), jwt);
            assert_eq!(sign_assertion(&input, KEY_PKCS1_PEM, &[]).unwrap(), jwt);
            // The same bytes as OpenSSL (`openssl dgst -sha256 -sign test-client-key.pem` over the
            // signing input, base64url): an outside implementation, not our own output.
            assert_eq!(
                jwt.expose_secret().rsplit('.').next().unwrap(),
                OPENSSL_RS256_SIGNATURE
            );
            // Not valid as PSS.
            let pss = rsa::pss::VerifyingKey::<Sha256>::new(public_key());
            let s = rsa::pss::Signature::try_from(sig.as_slice()).unwrap();
            assert!(pss.verify(signed.as_bytes(), &s).is_err());
        }

        #[test]
        fn ps256_verifies_and_uses_caller_salt() {
            let input = input(AssertionAlg::PS256);
            let a = sign_assertion(&input, KEY_PEM, &[1; 32]).unwrap();
            let b = sign_assertion(&input, KEY_PEM, &[2; 32]).unwrap();
            assert_ne!(a, b, "the salt comes from the caller's bytes");
            assert_eq!(sign_assertion(&input, KEY_PEM, &[1; 32]).unwrap(), a);
            let vk = rsa::pss::VerifyingKey::<Sha256>::new(public_key());
            for jwt in [&a, &b] {
                let (signed, sig) = split(jwt);
                assert_eq!(signed, input.signing_input);
                let s = rsa::pss::Signature::try_from(sig.as_slice()).unwrap();
                vk.verify(signed.as_bytes(), &s).unwrap();
            }
            let e = sign_assertion(&input, KEY_PEM, &[1; 31]).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
            assert!(e.to_string().contains("32 random bytes"), "{e}");
        }

        #[test]
        fn one_call_from_pem() {
            let jwt = client_assertion_from_pem(
                CLIENT,
                TOKEN_URL,
                CERT_PEM,
                KEY_PEM,
                "12345678-9abc-4ef0-9234-56789abcdef0",
                NOW,
                AssertionAlg::PS256,
                &[7; 32],
            )
            .unwrap();
            let parts: Vec<&str> = jwt.expose_secret().split('.').collect();
            assert_eq!(parts.len(), 3);
            assert_eq!(
                b64url_json(parts[0]),
                serde_json::json!({"alg":"PS256","typ":"JWT","x5t#S256":CERT_X5T_S256})
            );
            assert_eq!(
                b64url_json(parts[1]),
                serde_json::json!({"aud":TOKEN_URL,"iss":CLIENT,"sub":CLIENT,
                    "jti":"12345678-9abc-4ef0-9234-56789abcdef0","nbf":NOW,"iat":NOW,"exp":NOW + 600})
            );
            let (signed, sig) = split(&jwt);
            rsa::pss::VerifyingKey::<Sha256>::new(public_key())
                .verify(
                    signed.as_bytes(),
                    &rsa::pss::Signature::try_from(sig.as_slice()).unwrap(),
                )
                .unwrap();
            // One file holding both works too.
            let both = format!("{CERT_PEM}{KEY_PEM}");
            client_assertion_from_pem(
                CLIENT,
                TOKEN_URL,
                &both,
                &both,
                "j",
                NOW,
                AssertionAlg::RS256,
                &[],
            )
            .unwrap();
        }

        /// AD FS reads the SHA-1 thumbprint `x5t`: asked for, it sits beside `x5t#S256` (OpenSSL's
        /// thumbprint of the certificate, not our own output), the header stays the serde form,
        /// and the assertion still verifies. The old entry points never add it.
        #[test]
        fn sha1_thumbprint_when_asked() {
            assert_eq!(
                x5t_sha1(&certificate_der_from_pem(CERT_PEM).unwrap()),
                CERT_X5T_SHA1
            );
            let options = AssertionOptions {
                alg: AssertionAlg::RS256,
                include_x5t: true,
                ..AssertionOptions::default()
            };
            let jwt = client_assertion_from_pem_with(
                CLIENT,
                TOKEN_URL,
                CERT_PEM,
                KEY_PEM,
                "j-1",
                NOW,
                &[],
                &options,
            )
            .unwrap();
            let (signed, sig) = split(&jwt);
            let header = signed.split('.').next().unwrap();
            assert_eq!(
                b64url_json(header),
                serde_json::json!({"alg":"RS256","typ":"JWT","x5t#S256":CERT_X5T_S256,"x5t":CERT_X5T_SHA1})
            );
            let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public_key());
            vk.verify(
                signed.as_bytes(),
                &rsa::pkcs1v15::Signature::try_from(sig.as_slice()).unwrap(),
            )
            .unwrap();
            let with_both = build_assertion_signing_input_with(
                CLIENT,
                TOKEN_URL,
                &certificate_der_from_pem(CERT_PEM).unwrap(),
                "j-2",
                NOW,
                &AssertionOptions {
                    include_x5c: true,
                    include_x5t: true,
                    lifetime_secs: 300,
                    ..AssertionOptions::default()
                },
            )
            .unwrap();
            assert_eq!(
                with_both.header_json,
                serde_json::to_string(&with_both.header).unwrap()
            );
            assert_eq!(with_both.header.x5t.as_deref(), Some(CERT_X5T_SHA1));
            assert_eq!(with_both.claims.exp, NOW + 300);
            assert!(with_both
                .header_json
                .contains(&format!(r#""x5t":"{CERT_X5T_SHA1}","x5c":["#)));
            // Without the option: no x5t, from either entry point.
            assert_eq!(input(AssertionAlg::PS256).header.x5t, None);
            let plain = client_assertion_from_pem(
                CLIENT,
                TOKEN_URL,
                CERT_PEM,
                KEY_PEM,
                "j-3",
                NOW,
                AssertionAlg::RS256,
                &[],
            )
            .unwrap();
            assert!(!plain.expose_secret().split('.').next().is_some_and(|h| {
                String::from_utf8(URL_SAFE_NO_PAD.decode(h).unwrap())
                    .unwrap()
                    .contains("\"x5t\"")
            }));
            // The lifetime is still checked.
            let e = client_assertion_from_pem_with(
                CLIENT,
                TOKEN_URL,
                CERT_PEM,
                KEY_PEM,
                "j-4",
                NOW,
                &[],
                &AssertionOptions {
                    lifetime_secs: 3600,
                    alg: AssertionAlg::RS256,
                    ..AssertionOptions::default()
                },
            )
            .unwrap_err();
            assert_eq!(e.code(), "invalid_input");
        }

        /// The same key and certificate, re-wrapped the ways people have them.
        fn pem_variants(pem: &str) -> Vec<String> {
            let lines: Vec<&str> = pem.lines().collect();
            let (first, last) = (lines[0], lines[lines.len() - 1]);
            let body: String = lines[1..lines.len() - 1].concat();
            let wrap = |n: usize| -> String {
                let chunks: Vec<String> = body
                    .as_bytes()
                    .chunks(n)
                    .map(|c| String::from_utf8(c.to_vec()).unwrap())
                    .collect();
                format!("{first}\n{}\n{last}\n", chunks.join("\n"))
            };
            vec![
                wrap(76),
                wrap(40),
                format!("{first}\n{body}\n{last}"),
                format!("{first}{body}{last}"),
                pem.replace('\n', "\r\n"),
                pem.replace('\n', "   \n"),
                format!("\n\n  {}", pem.replace('\n', " \t\r\n")),
            ]
        }

        #[test]
        fn pem_of_any_shape_reads_the_same() {
            let input = input(AssertionAlg::RS256);
            let want = sign_assertion(&input, KEY_PEM, &[]).unwrap();
            let want_der = certificate_der_from_pem(CERT_PEM).unwrap();
            for key in pem_variants(KEY_PEM)
                .into_iter()
                .chain(pem_variants(KEY_PKCS1_PEM))
            {
                assert_eq!(sign_assertion(&input, &key, &[]).unwrap(), want, "{key:?}");
            }
            for cert in pem_variants(CERT_PEM) {
                assert_eq!(certificate_der_from_pem(&cert).unwrap(), want_der);
                client_assertion_from_pem(
                    CLIENT,
                    TOKEN_URL,
                    &cert,
                    KEY_PKCS1_PEM,
                    "j",
                    NOW,
                    AssertionAlg::RS256,
                    &[],
                )
                .unwrap();
            }
        }

        #[test]
        fn encrypted_keys_have_their_own_error() {
            let input = input(AssertionAlg::RS256);
            for (pem, command) in [
                (
                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHzBJBgkqhkiG9w0BBQ0wPDAbBgkqhkiG9w0BBQwwDgQI\n-----END ENCRYPTED PRIVATE KEY-----\n",
                    "openssl pkey -in key.pem -out key-plain.pem",
                ),
                (
                    "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89BC6A9F8F6B2B9D4E\n\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
                    "openssl rsa -in key.pem -out key-plain.pem",
                ),
            ] {
                let e = sign_assertion(&input, pem, &[]).unwrap_err();
                assert_eq!(e.code(), "encrypted_private_key");
                assert_eq!(e.kind(), crate::error::ErrorKind::InvalidInput);
                assert!(e.to_string().contains(command), "{e}");
                assert!(!e.to_string().contains("MIIE"), "{e}");
            }
        }

        #[test]
        fn spki_of_the_test_certificate_is_the_keys() {
            use rsa::pkcs8::EncodePublicKey;
            let der = certificate_der_from_pem(CERT_PEM).unwrap();
            let spki = certificate_spki(&der).unwrap();
            assert_eq!(spki, public_key().to_public_key_der().unwrap().as_bytes());
            // Not a certificate: refused, not guessed.
            for bad in [&der[..10], &der[1..], &[0x30, 0x80, 0, 0][..], &[][..]] {
                assert_eq!(certificate_spki(bad), None);
            }
            let not_cert = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
            let e = client_assertion_from_pem(
                CLIENT,
                TOKEN_URL,
                not_cert,
                KEY_PEM,
                "j",
                NOW,
                AssertionAlg::RS256,
                &[],
            )
            .unwrap_err();
            assert!(e.to_string().contains("X.509"), "{e}");
        }

        /// The key check needs no RSA arithmetic, and agrees with the `rsa` crate's reading of
        /// the same keys: format, modulus size, whether the key is the certificate's.
        #[test]
        fn key_check_reads_keys_without_signing() {
            const EC_KEY_PEM: &str = include_str!("../../tests/fixtures/test-ec-key.pem");
            let check = |key: &str| check_private_key(CERT_PEM, key);
            let pkcs8 = check(KEY_PEM).unwrap();
            assert_eq!(
                (
                    pkcs8.key_format.as_str(),
                    pkcs8.key_bits,
                    pkcs8.matches_certificate
                ),
                ("pkcs8", 2048, true)
            );
            let pkcs1 = check(KEY_PKCS1_PEM).unwrap();
            assert_eq!(
                (
                    pkcs1.key_format.as_str(),
                    pkcs1.key_bits,
                    pkcs1.matches_certificate
                ),
                ("pkcs1", 2048, true)
            );
            assert!(!check(OTHER_KEY_PEM).unwrap().matches_certificate);
            let small = check(SMALL_KEY_PEM).unwrap();
            assert_eq!(
                small.key_bits,
                u32::try_from(RsaPrivateKey::from_pkcs8_pem(SMALL_KEY_PEM).unwrap().size() * 8)
                    .unwrap()
            );
            assert!(!small.matches_certificate);
            // A key and its certificate in one file, either order.
            let both = format!("{KEY_PKCS1_PEM}{CERT_PEM}");
            assert!(check_private_key(&both, &both).unwrap().matches_certificate);
            let e = check(EC_KEY_PEM).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
            assert!(e.to_string().contains("EC keys are not supported"), "{e}");
            let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAMCAQE=\n-----END ENCRYPTED PRIVATE KEY-----\n";
            assert_eq!(
                check(encrypted).unwrap_err().code(),
                "encrypted_private_key"
            );
            // client_assertion_from_pem refuses the other key with the same verdict.
            let e = client_assertion_from_pem(
                CLIENT,
                TOKEN_URL,
                CERT_PEM,
                OTHER_KEY_PEM,
                "j",
                NOW,
                AssertionAlg::RS256,
                &[],
            )
            .unwrap_err();
            assert!(e.to_string().contains("AADSTS700027"), "{e}");
        }

        #[test]
        fn key_errors_are_clear_and_never_echo_the_key() {
            let input = input(AssertionAlg::RS256);
            let body_line = KEY_PEM.lines().nth(1).unwrap();
            let garbled = KEY_PEM.replace(body_line, &body_line.replace('A', "B"));
            let truncated: String = KEY_PEM.lines().take(5).collect::<Vec<_>>().join("\n")
                + "\n-----END PRIVATE KEY-----\n";
            for bad in [String::new(), CERT_PEM.to_owned(), garbled, truncated] {
                let e = sign_assertion(&input, &bad, &[0; 32]).unwrap_err();
                assert_eq!(e.code(), "invalid_input");
                let msg = format!("{e} {e:?}");
                for line in KEY_PEM.lines().skip(1).take(3) {
                    assert!(!msg.contains(&line[..20]), "{msg}");
                }
            }
            // A key that does not belong to the certificate.
            let e = client_assertion_from_pem(
                CLIENT,
                TOKEN_URL,
                CERT_PEM,
                OTHER_KEY_PEM,
                "j",
                NOW,
                AssertionAlg::RS256,
                &[],
            )
            .unwrap_err();
            assert!(e.to_string().contains("does not belong"), "{e}");
            // Too small a key.
            let e = sign_assertion(&input, SMALL_KEY_PEM, &[]).unwrap_err();
            assert!(e.to_string().contains("1024 bits"), "{e}");
        }
    }
}
