//! `HttpRequest` (what the core asks the page to send with `fetch`) and `HttpResponse` (what the
//! page hands back). Bodies may hold secrets: `toString()` shows their length only.

use crate::convert::{self, to_js};
use mailoauth::http::{HttpRequest as CoreRequest, HttpResponse as CoreResponse};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_HTTP: &'static str = r#"
export type Headers = [string, string][];
"#;

#[wasm_bindgen]
extern "C" {
    /// A JS value of the TypeScript type `Headers`.
    #[wasm_bindgen(typescript_type = "Headers")]
    pub type HeaderList;
    /// A JS value of the TypeScript type `Headers | undefined`.
    #[wasm_bindgen(typescript_type = "Headers | undefined")]
    pub type OptionalHeaderList;
}

fn headers_to_js(h: &[(String, String)]) -> Result<HeaderList, JsValue> {
    Ok(to_js(h)?.unchecked_into())
}

#[cfg(feature = "full")]
fn redact_headers(headers: &[(String, String)]) -> String {
    let items: Vec<String> = headers
        .iter()
        .map(|(k, v)| {
            let sensitive = ["authorization", "cookie", "set-cookie"]
                .iter()
                .any(|s| k.eq_ignore_ascii_case(s));
            format!("{k}: {}", if sensitive { "[redacted]" } else { v })
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// A request for the page to send: `fetch(r.url, {method: r.method, headers: r.headers,
/// body: r.body})`.
#[wasm_bindgen]
pub struct HttpRequest {
    pub(crate) inner: CoreRequest,
}

impl From<CoreRequest> for HttpRequest {
    fn from(inner: CoreRequest) -> Self {
        HttpRequest { inner }
    }
}

#[wasm_bindgen]
impl HttpRequest {
    /// `GET` or `POST`.
    #[wasm_bindgen(getter)]
    pub fn method(&self) -> String {
        self.inner.method.as_str().to_owned()
    }
    /// The URL.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.inner.url.clone()
    }
    /// The headers, in order, as `[name, value]` pairs.
    #[wasm_bindgen(getter)]
    pub fn headers(&self) -> Result<HeaderList, JsValue> {
        headers_to_js(&self.inner.headers)
    }
    /// The body (may hold client secrets, codes, refresh tokens).
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> Vec<u8> {
        self.inner.body.clone()
    }
}

// What the page does not call is only in the full package (feature `full`).
#[cfg(feature = "full")]
#[wasm_bindgen]
impl HttpRequest {
    /// The body as text (form bodies are ASCII).
    #[wasm_bindgen(getter, js_name = bodyText)]
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.inner.body).into_owned()
    }
    /// The first value of a header (case-insensitive name), or `undefined`.
    pub fn header(&self, name: &str) -> Option<String> {
        self.inner.header(name).map(str::to_owned)
    }
    /// The body decoded as a form, in order (values may be secrets).
    #[wasm_bindgen(js_name = formFields)]
    pub fn form_fields(&self) -> Result<HeaderList, JsValue> {
        headers_to_js(&self.inner.form_fields())
    }
    /// `HttpRequest(POST https://..., headers=[...], body=[N bytes redacted])`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!(
            "HttpRequest({} {}, headers={}, body=[{} bytes redacted])",
            self.inner.method.as_str(),
            self.inner.url,
            redact_headers(&self.inner.headers),
            self.inner.body.len()
        )
    }
}

/// A response the page received, handed back to a `parse*` function.
#[wasm_bindgen]
pub struct HttpResponse {
    pub(crate) inner: CoreResponse,
}

#[wasm_bindgen]
impl HttpResponse {
    /// A response from its status, body (a string or a `Uint8Array`) and headers.
    #[wasm_bindgen(constructor)]
    pub fn new(
        status: u16,
        body: JsValue,
        headers: OptionalHeaderList,
    ) -> Result<HttpResponse, JsValue> {
        let body = if body.is_undefined() || body.is_null() {
            Vec::new()
        } else {
            convert::bytes("body", &body)?
        };
        let headers: JsValue = headers.into();
        let headers: Vec<(String, String)> = if headers.is_undefined() || headers.is_null() {
            Vec::new()
        } else {
            convert::pairs("headers", &headers)?
        };
        Ok(HttpResponse {
            inner: CoreResponse {
                status,
                headers,
                body,
            },
        })
    }
}

// What the page does not call is only in the full package (feature `full`).
#[cfg(feature = "full")]
#[wasm_bindgen]
impl HttpResponse {
    /// The HTTP status.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> u16 {
        self.inner.status
    }
    /// The headers as `[name, value]` pairs.
    #[wasm_bindgen(getter)]
    pub fn headers(&self) -> Result<HeaderList, JsValue> {
        headers_to_js(&self.inner.headers)
    }
    /// The raw body (may hold tokens).
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> Vec<u8> {
        self.inner.body.clone()
    }
    /// The first value of a header (case-insensitive name), or `undefined`.
    pub fn header(&self, name: &str) -> Option<String> {
        self.inner.header(name).map(str::to_owned)
    }
    /// `Retry-After` in seconds when it holds delta-seconds, else `undefined`.
    #[wasm_bindgen(js_name = retryAfter)]
    pub fn retry_after(&self) -> Option<f64> {
        self.inner.retry_after().map(|n| n as f64)
    }
    /// `HttpResponse(status, headers=[...], body=[N bytes redacted])`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!(
            "HttpResponse({}, headers={}, body=[{} bytes redacted])",
            self.inner.status,
            redact_headers(&self.inner.headers),
            self.inner.body.len()
        )
    }
}
