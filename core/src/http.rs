//! HTTP as plain values.
//!
//! The core never sends anything. Each network step of the OAuth flows is a `build_*` function that
//! returns an [`HttpRequest`] for the caller to send with its own client (`fetch`, `urllib`,
//! `URLSession`, `reqwest`, ...), and a `parse_*` function that takes the [`HttpResponse`] back.
//! The same shape as oauth2-rs: requests are data, so tests can assert them exactly.
//!
//! Bodies carry secrets (client secrets, codes, refresh tokens, access tokens), so `Debug` of both
//! types shows only the body's length, and redacts `Authorization` headers.

use std::fmt;

/// The content type of every token-endpoint request (RFC 6749 section 4).
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The HTTP method of a request the core builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET` (authorize and consent URLs, which the browser opens).
    Get,
    /// `POST` (every token-endpoint and device-code request).
    Post,
}

impl Method {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request for the caller to send. Plain owned data.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (for POSTs: `application/x-www-form-urlencoded`). May hold secrets.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A `POST` of a form (`application/x-www-form-urlencoded`, UTF-8) with an `Accept: application/json` header.
    pub fn form_post<K: AsRef<str>, V: AsRef<str>>(
        url: impl Into<String>,
        fields: &[(K, V)],
    ) -> Self {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            ser.append_pair(k.as_ref(), v.as_ref());
        }
        HttpRequest {
            method: Method::Post,
            url: url.into(),
            headers: vec![
                ("Content-Type".to_owned(), FORM_CONTENT_TYPE.to_owned()),
                ("Accept".to_owned(), "application/json".to_owned()),
            ],
            body: ser.finish().into_bytes(),
        }
    }

    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body decoded as a form, in order (for tests and logging hosts; values may be secrets).
    pub fn form_fields(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field(
                "body",
                &format_args!("[{} bytes redacted]", self.body.len()),
            )
            .finish()
    }
}

/// A response the caller received, handed back to a `parse_*` function.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values (names in any case).
    pub headers: Vec<(String, String)>,
    /// The raw body. May hold tokens.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and a body and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// `Retry-After` in seconds, when the header holds delta-seconds (RFC 9110 section 10.2.3).
    /// An HTTP-date is not converted here (the core has no calendar); it yields `None`.
    pub fn retry_after(&self) -> Option<u64> {
        self.header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field(
                "body",
                &format_args!("[{} bytes redacted]", self.body.len()),
            )
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (k, v) in self.0 {
            let sensitive = k.eq_ignore_ascii_case("authorization")
                || k.eq_ignore_ascii_case("cookie")
                || k.eq_ignore_ascii_case("set-cookie");
            if sensitive {
                list.entry(&(k, "[redacted]"));
            } else {
                list.entry(&(k, v));
            }
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_post_encodes_and_decodes() {
        let r = HttpRequest::form_post("https://x/token", &[("a", "b c"), ("scope", "x/y&z")]);
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.header("content-type"), Some(FORM_CONTENT_TYPE));
        assert_eq!(
            String::from_utf8(r.body.clone()).unwrap(),
            "a=b+c&scope=x%2Fy%26z"
        );
        assert_eq!(
            r.form_fields(),
            vec![("a".into(), "b c".into()), ("scope".into(), "x/y&z".into())]
        );
    }

    #[test]
    fn debug_redacts_bodies_and_authorization() {
        let mut r = HttpRequest::form_post("https://x/token", &[("client_secret", "s3cr3t")]);
        r.headers
            .push(("Authorization".into(), "Basic s3cr3t".into()));
        let d = format!("{r:?}");
        assert!(!d.contains("s3cr3t"), "{d}");
        let resp = HttpResponse::new(200, "{\"access_token\":\"tok3n\"}")
            .with_header("Set-Cookie", "tok3n");
        assert!(!format!("{resp:?}").contains("tok3n"));
    }

    #[test]
    fn retry_after_seconds_only() {
        assert_eq!(
            HttpResponse::new(429, "")
                .with_header("Retry-After", " 30 ")
                .retry_after(),
            Some(30)
        );
        let date =
            HttpResponse::new(503, "").with_header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(date.retry_after(), None);
    }
}
