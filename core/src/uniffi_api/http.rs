//! `mailoauth::http`: the requests the core asks the host to send and the responses the host
//! hands back. Bodies and `Authorization` / cookie headers may hold secrets: the exported
//! `Display` (Kotlin `toString()`, Swift `description`) shows the body's length only.

use crate::http::{HttpRequest as CoreRequest, HttpResponse as CoreResponse};
use std::fmt;

/// One header (or form field): a name and a value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
}

fn pairs(list: Vec<(String, String)>) -> Vec<HttpHeader> {
    list.into_iter()
        .map(|(name, value)| HttpHeader { name, value })
        .collect()
}

fn tuples(list: &[HttpHeader]) -> Vec<(String, String)> {
    list.iter()
        .map(|h| (h.name.clone(), h.value.clone()))
        .collect()
}

/// A request for the host to send (with `HttpURLConnection`, OkHttp, `URLSession`, ...).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: crate::uniffi_api::types::HttpMethod,
    /// The URL.
    pub url: String,
    /// The headers, in order.
    pub headers: Vec<HttpHeader>,
    /// The body (may hold client secrets, codes, refresh tokens).
    pub body: Vec<u8>,
}

impl From<CoreRequest> for HttpRequest {
    fn from(r: CoreRequest) -> Self {
        HttpRequest {
            method: r.method,
            url: r.url,
            headers: pairs(r.headers),
            body: r.body,
        }
    }
}

impl From<&HttpRequest> for CoreRequest {
    fn from(r: &HttpRequest) -> Self {
        CoreRequest {
            method: r.method,
            url: r.url.clone(),
            headers: tuples(&r.headers),
            body: r.body.clone(),
        }
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&CoreRequest::from(self), f)
    }
}

impl fmt::Display for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&CoreRequest::from(self), f)
    }
}

#[uniffi::export]
impl HttpRequest {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: String) -> Option<String> {
        CoreRequest::from(self).header(&name).map(str::to_owned)
    }

    /// The body decoded as a form, in order (values may be secrets).
    pub fn form_fields(&self) -> Vec<HttpHeader> {
        pairs(CoreRequest::from(self).form_fields())
    }
}

/// A response the host received, handed back to a `parse*` function.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers (at least `Retry-After` matters).
    #[uniffi(default = [])]
    pub headers: Vec<HttpHeader>,
    /// The raw body (may hold tokens).
    pub body: Vec<u8>,
}

impl From<&HttpResponse> for CoreResponse {
    fn from(r: &HttpResponse) -> Self {
        CoreResponse {
            status: r.status,
            headers: tuples(&r.headers),
            body: r.body.clone(),
        }
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&CoreResponse::from(self), f)
    }
}

impl fmt::Display for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&CoreResponse::from(self), f)
    }
}

#[uniffi::export]
impl HttpResponse {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: String) -> Option<String> {
        CoreResponse::from(self).header(&name).map(str::to_owned)
    }

    /// `Retry-After` in seconds when it holds delta-seconds.
    pub fn retry_after(&self) -> Option<u64> {
        CoreResponse::from(self).retry_after()
    }
}
