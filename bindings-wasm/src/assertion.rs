//! Certificate client assertions, built here and signed by the caller (WebCrypto, a key vault):
//! the wasm build has no RSA (feature `full`: not in the page's build).

use crate::convert::options;
use crate::errors::{invalid_input, IntoJsResult};
use mailoauth::assertion::{self, AssertionInput as CoreAssertionInput};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A JS value of the TypeScript type `AssertionSigningInputOptions`.
    #[wasm_bindgen(typescript_type = "AssertionSigningInputOptions")]
    pub type AssertionSigningInputOptions;
    /// A JS value of the TypeScript type `KeyCheck`.
    #[wasm_bindgen(typescript_type = "KeyCheck")]
    pub type KeyCheck;
}

/// What a private key (PEM: PKCS#8 or PKCS#1, any line length) is and whether it belongs to the
/// certificate (PEM), read without signing; throws `encrypted_private_key` for a
/// passphrase-protected key and `invalid_input` for an unreadable one.
#[wasm_bindgen(js_name = checkPrivateKey)]
pub fn check_private_key(
    #[wasm_bindgen(js_name = "certificatePem")] certificate_pem: &str,
    #[wasm_bindgen(js_name = "privateKeyPem")] private_key_pem: &str,
) -> Result<KeyCheck, JsValue> {
    let check = assertion::check_private_key(certificate_pem, private_key_pem).js()?;
    Ok(crate::convert::to_js(&check)?.unchecked_into())
}

/// A `jti` (a version-4 GUID) from 16 bytes of `crypto.getRandomValues`.
#[wasm_bindgen(js_name = newJti)]
pub fn new_jti() -> Result<String, JsValue> {
    Ok(assertion::jti_from_random(&crate::random::<16>()?))
}

/// A `jti` (a version-4 GUID) from exactly 16 caller-supplied random bytes.
#[wasm_bindgen(js_name = jtiFromRandom)]
pub fn jti_from_random(random: &[u8]) -> Result<String, JsValue> {
    let bytes: [u8; 16] = random.try_into().map_err(|_| {
        invalid_input(format!(
            "random must be exactly 16 bytes, not {}",
            random.len()
        ))
    })?;
    Ok(assertion::jti_from_random(&bytes))
}

/// `x5t`: base64url(SHA-1 of the certificate's DER), the thumbprint AD FS reads.
#[wasm_bindgen(js_name = x5tSha1)]
pub fn x5t_sha1(#[wasm_bindgen(js_name = "certificateDer")] certificate_der: &[u8]) -> String {
    assertion::x5t_sha1(certificate_der)
}

/// `x5t#S256`: base64url(SHA-256 of the certificate's DER).
#[wasm_bindgen(js_name = x5tS256)]
pub fn x5t_s256(#[wasm_bindgen(js_name = "certificateDer")] certificate_der: &[u8]) -> String {
    assertion::x5t_s256(certificate_der)
}

/// The DER bytes of the first certificate in a PEM text.
#[wasm_bindgen(js_name = certificateDerFromPem)]
pub fn certificate_der_from_pem(pem: &str) -> Result<Vec<u8>, JsValue> {
    assertion::certificate_der_from_pem(pem).js()
}

/// What a client assertion signs, for signing by the caller (WebCrypto, a key vault).
#[wasm_bindgen]
pub struct AssertionInput {
    inner: CoreAssertionInput,
}

#[wasm_bindgen]
impl AssertionInput {
    /// `PS256` or `RS256`.
    #[wasm_bindgen(getter)]
    pub fn alg(&self) -> String {
        self.inner.alg.as_str().to_owned()
    }
    /// The header JSON.
    #[wasm_bindgen(getter, js_name = headerJson)]
    pub fn header_json(&self) -> String {
        self.inner.header_json.clone()
    }
    /// The claims JSON.
    #[wasm_bindgen(getter, js_name = claimsJson)]
    pub fn claims_json(&self) -> String {
        self.inner.claims_json.clone()
    }
    /// `base64url(header) "." base64url(claims)`: the bytes to sign.
    #[wasm_bindgen(getter, js_name = signingInput)]
    pub fn signing_input(&self) -> String {
        self.inner.signing_input.clone()
    }
    /// The compact JWS with the caller's signature over `signingInput`.
    pub fn finish(&self, signature: &[u8]) -> String {
        assertion::finish_assertion(&self.inner, signature)
            .expose_secret()
            .to_owned()
    }
}

options! {
    /// The claims and header choices of a certificate's client assertion.
    struct AssertionArgs => AssertionSigningInputOptions {
        /// The application (client) id: the assertion's `iss` and `sub`.
        client_id: String = "clientId",
        /// The token endpoint: the assertion's `aud`.
        token_url: String = "tokenUrl",
        /// A fresh unique id (`jti`), e.g. from `randomState()`.
        jti: String = "jti",
        /// The current time (Unix seconds): `nbf` and `iat`.
        now: u64 = "now",
        /// Seconds until `exp` (default 600).
        lifetime: Option<u64> = "lifetime",
        /// The signature algorithm (default `PS256`).
        alg: Option<String> = "alg" as r#""PS256" | "RS256""#,
        /// Add the certificate (`x5c`) to the header.
        include_x5c: bool = "includeX5c",
        /// Add the SHA-1 thumbprint `x5t` beside `x5t#S256` (AD FS reads only `x5t`).
        include_x5t: bool = "includeX5t",
    }
}

/// The input of a client assertion for a certificate (`certificateDer`, DER bytes), to be signed by the caller (the
/// default lifetime is 600 s, the default alg `PS256`; `includeX5c` adds the certificate, `includeX5t`
/// its SHA-1 thumbprint for AD FS).
#[wasm_bindgen(js_name = buildAssertionSigningInput)]
pub fn build_assertion_signing_input(
    options: AssertionSigningInputOptions,
    #[wasm_bindgen(js_name = "certificateDer")] certificate_der: &[u8],
) -> Result<AssertionInput, JsValue> {
    let a = AssertionArgs::read("buildAssertionSigningInput", options.into())?;
    let alg = a.alg.as_deref().unwrap_or("PS256").parse().js()?;
    let inner = assertion::build_assertion_signing_input_with(
        &a.client_id,
        &a.token_url,
        certificate_der,
        &a.jti,
        a.now,
        &assertion::AssertionOptions {
            alg,
            lifetime_secs: a.lifetime.unwrap_or(assertion::DEFAULT_ASSERTION_LIFETIME),
            include_x5c: a.include_x5c,
            include_x5t: a.include_x5t,
        },
    )
    .js()?;
    Ok(AssertionInput { inner })
}
