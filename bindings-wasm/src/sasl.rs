//! SASL XOAUTH2 / OAUTHBEARER initial responses, their decoding, and the server's failure
//! challenge (RFC 7628 section 3.2.2). The page's build (without feature `full`) has only the
//! two string builders.

use crate::errors::IntoJsResult;
use mailoauth::sasl;
use wasm_bindgen::prelude::*;
#[cfg(feature = "full")]
use {
    crate::convert::{self, redacted, to_js},
    mailoauth::sasl::{Credentials, DecodedResponse as CoreDecoded},
    mailoauth::Secret,
};

#[wasm_bindgen]
extern "C" {
    /// A JS value of the TypeScript type `SaslError`.
    #[wasm_bindgen(typescript_type = "SaslError")]
    pub type SaslErrorRecord;
}

/// The base64 XOAUTH2 initial response (what IMAP, POP and SMTP carry):
/// base64 of `user=<user>\x01auth=Bearer <token>\x01\x01`.
#[wasm_bindgen]
pub fn xoauth2(user: &str, token: &str) -> Result<String, JsValue> {
    sasl::xoauth2_base64(user, token).js()
}

/// The base64 OAUTHBEARER (RFC 7628) initial response.
#[wasm_bindgen]
pub fn oauthbearer(
    user: &str,
    token: &str,
    host: Option<String>,
    port: Option<u16>,
) -> Result<String, JsValue> {
    sasl::oauthbearer_base64(user, token, host.as_deref(), port).js()
}

#[cfg(feature = "full")]
/// The raw (not base64) initial response of a mechanism.
#[wasm_bindgen(js_name = saslInitialResponse)]
pub fn sasl_initial_response(
    mechanism: &str,
    user: &str,
    token: &str,
    host: Option<String>,
    port: Option<u16>,
) -> Result<Vec<u8>, JsValue> {
    let mut c = Credentials::new(user, Secret::new(token));
    c.host = host;
    c.port = port;
    c.initial_response(convert::mechanism(mechanism)?).js()
}

#[cfg(feature = "full")]
/// What the client answers to a failure challenge: `""` (XOAUTH2) or `"AQ=="` (OAUTHBEARER).
#[wasm_bindgen(js_name = errorChallengeAnswer)]
pub fn error_challenge_answer(mechanism: &str) -> Result<String, JsValue> {
    Ok(convert::mechanism(mechanism)?
        .error_challenge_answer()
        .to_owned())
}

#[cfg(feature = "full")]
/// A decoded initial response; `toString()` never shows the token.
#[wasm_bindgen]
pub struct DecodedResponse {
    inner: CoreDecoded,
}

#[cfg(feature = "full")]
#[wasm_bindgen]
impl DecodedResponse {
    /// `XOAUTH2` or `OAUTHBEARER`.
    #[wasm_bindgen(getter)]
    pub fn mechanism(&self) -> String {
        self.inner.mechanism.as_str().to_owned()
    }
    /// The user.
    #[wasm_bindgen(getter)]
    pub fn user(&self) -> String {
        self.inner.user.clone()
    }
    /// The bearer token (a secret).
    #[wasm_bindgen(getter)]
    pub fn token(&self) -> String {
        self.inner.token.expose_secret().to_owned()
    }
    /// OAUTHBEARER `host`.
    #[wasm_bindgen(getter)]
    pub fn host(&self) -> Option<String> {
        self.inner.host.clone()
    }
    /// OAUTHBEARER `port`.
    #[wasm_bindgen(getter)]
    pub fn port(&self) -> Option<u16> {
        self.inner.port
    }
    /// `DecodedResponse(mechanism=..., user=..., token=[redacted])`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!(
            "DecodedResponse(mechanism={}, user={}, token={})",
            self.inner.mechanism.as_str(),
            self.inner.user,
            redacted(!self.inner.token.is_empty())
        )
    }
}

#[cfg(feature = "full")]
/// Decodes a base64 initial response of either mechanism.
#[wasm_bindgen(js_name = decodeInitialResponse)]
pub fn decode_initial_response(mechanism: &str, base64: &str) -> Result<DecodedResponse, JsValue> {
    let inner =
        sasl::decode_initial_response_base64(convert::mechanism(mechanism)?, base64).js()?;
    Ok(DecodedResponse { inner })
}

#[cfg(feature = "full")]
/// Decodes a failure challenge: the base64 text after `+ ` (IMAP, POP) or `334 ` (SMTP).
#[wasm_bindgen(js_name = decodeErrorChallenge)]
pub fn decode_error_challenge(base64: &str) -> Result<SaslErrorRecord, JsValue> {
    Ok(to_js(&sasl::decode_error_challenge(base64).js()?)?.unchecked_into())
}
