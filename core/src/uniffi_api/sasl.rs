//! `mailoauth::sasl`: XOAUTH2 / OAUTHBEARER initial responses, their decoding, and the server's
//! failure challenge (RFC 7628 section 3.2.2).

use crate::sasl::{self, Credentials};
use crate::uniffi_api::errors::{IntoFfi, Result};
use crate::uniffi_api::types::Mechanism;
use crate::Secret;
use std::fmt;

/// The base64 XOAUTH2 initial response (what IMAP, POP and SMTP carry).
#[uniffi::export]
pub fn xoauth2(user: String, token: String) -> Result<String> {
    sasl::xoauth2_base64(&user, &token).ffi()
}

/// The base64 OAUTHBEARER (RFC 7628) initial response.
#[uniffi::export(default(host = None, port = None))]
pub fn oauthbearer(
    user: String,
    token: String,
    host: Option<String>,
    port: Option<u16>,
) -> Result<String> {
    sasl::oauthbearer_base64(&user, &token, host.as_deref(), port).ffi()
}

/// The raw (not base64) initial response of a mechanism.
#[uniffi::export(default(host = None, port = None))]
pub fn sasl_initial_response(
    mechanism: Mechanism,
    user: String,
    token: String,
    host: Option<String>,
    port: Option<u16>,
) -> Result<Vec<u8>> {
    let mut c = Credentials::new(user, Secret::new(token));
    c.host = host;
    c.port = port;
    c.initial_response(mechanism).ffi()
}

/// What the client answers to a failure challenge: `""` (XOAUTH2) or `"AQ=="` (OAUTHBEARER).
#[uniffi::export]
pub fn error_challenge_answer(mechanism: Mechanism) -> String {
    mechanism.error_challenge_answer().to_owned()
}

// `DecodedResponse` is the core's own record (derived behind the feature); its token is a
// `Secret`.
pub use crate::sasl::DecodedResponse;

/// Kotlin `toString()` and Swift `description`: the `Debug` text, whose token is redacted.
impl fmt::Display for DecodedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Decodes a base64 initial response of either mechanism.
#[uniffi::export]
pub fn decode_initial_response(mechanism: Mechanism, base64: String) -> Result<DecodedResponse> {
    sasl::decode_initial_response_base64(mechanism, &base64).ffi()
}

/// The server's failure challenge: the core's own record (derived behind the feature).
pub use crate::sasl::SaslError;

/// Decodes a failure challenge: the base64 text after `+ ` (IMAP, POP) or `334 ` (SMTP).
#[uniffi::export]
pub fn decode_error_challenge(base64: String) -> Result<SaslError> {
    sasl::decode_error_challenge(&base64).ffi()
}
