//! The one place where core errors become JS exceptions: instances of `MailoauthError`
//! (`js/errors.js`, a subclass of `Error`) with `.code` (the core's stable snake_case code) and
//! the server's details as camelCase properties (`error`, `errorDescription`, `errorCodes`,
//! `aadsts`, `errorUri`, `traceId`, `correlationId`, `timestamp`, `suberror`, `claims`, `status`,
//! `retryAfter`, `transient`, `requiresNewSignIn`, `explanation`). Messages come from the core's
//! `Display`, which never holds a secret.

use mailoauth::Error;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeMailoauthError)]
    fn make_mailoauth_error(message: &str, code: &str, details: JsValue) -> JsValue;
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Details {
    transient: bool,
    requires_new_sign_in: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    error_codes: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aadsts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suberror: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    claims: Option<String>,
}

/// The `MailoauthError` instance for a core error (not thrown: the caller decides).
pub fn to_js(e: &Error) -> JsValue {
    let mut d = Details {
        transient: e.is_transient(),
        requires_new_sign_in: mailoauth::token::requires_new_sign_in(e),
        status: e.http_status(),
        retry_after: e.retry_after(),
        ..Details::default()
    };
    if let Some(o) = e.oauth() {
        d.error = Some(o.error.clone());
        d.error_description = o.error_description.clone();
        d.error_codes = o.error_codes.clone();
        d.aadsts = o.aadsts;
        d.error_uri = o.error_uri.clone();
        d.trace_id = o.trace_id.clone();
        d.correlation_id = o.correlation_id.clone();
        d.timestamp = o.timestamp.clone();
        d.suberror = o.suberror.clone();
        d.claims = o.claims.clone();
    }
    let details = crate::convert::to_js(&d).unwrap_or(JsValue::NULL);
    let explanation = crate::convert::to_js(&mailoauth::diagnose::entra::explain_error(e))
        .unwrap_or(JsValue::NULL);
    let _ = js_sys::Reflect::set(&details, &JsValue::from_str("explanation"), &explanation);
    make_mailoauth_error(&e.to_string(), e.code(), details)
}

/// `Result<T, mailoauth::Error>` → `Result<T, JsValue>` (the error a `MailoauthError`).
pub trait IntoJsResult<T> {
    /// Maps the error through [`to_js`].
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJsResult<T> for Result<T, Error> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(|e| to_js(&e))
    }
}

/// A `MailoauthError` with code `invalid_input` (binding-level argument checks).
pub fn invalid_input(msg: impl Into<String>) -> JsValue {
    to_js(&Error::InvalidInput(msg.into()))
}
