//! The one place where core errors become JS exceptions: instances of `MailoauthError`
//! (`js/errors.js`, a subclass of `Error`) with `.code` (the core's stable snake_case code) and
//! the server's details as camelCase properties (`error`, `errorDescription`, `errorCodes`,
//! `aadsts`, `errorUri`, `traceId`, `correlationId`, `timestamp`, `suberror`, `claims`, `status`,
//! `retryAfter`, `transient`, `requiresNewSignIn`, `explanation`). Messages come from the core's
//! `Display`, which never holds a secret.

use mailoauth::Error;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeMailoauthError)]
    fn make_mailoauth_error(message: &str, code: &str, details: JsValue) -> JsValue;
}

/// The `MailoauthError` instance for a core error (not thrown: the caller decides). Its details
/// are the core's [`mailoauth::ErrorDetails`], absent values left out, in the package; the page's
/// build sends none (the class's defaults: `null`, `[]`, `false`).
pub fn to_js(e: &Error) -> JsValue {
    make_mailoauth_error(&e.to_string(), e.code(), details(e))
}

/// The package's errors carry the core's details, its explanation included.
#[cfg(feature = "full")]
fn details(e: &Error) -> JsValue {
    crate::convert::to_js(&e.details()).unwrap_or(JsValue::NULL)
}

/// The page's build: message and code only. The details' explanation is the Entra catalogue,
/// which is in the page's on-demand module (bindings-wasm/split-page); the page explains the
/// server's answer with `explainErrorText` instead, so the module it loads first does not need
/// the catalogue.
#[cfg(not(feature = "full"))]
fn details(_: &Error) -> JsValue {
    JsValue::NULL
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
