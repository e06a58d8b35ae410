//! `mailoauth.http` over Python: `HttpRequest` (what the core asks the host to send) and
//! `HttpResponse` (what the host hands back). Bodies may hold secrets: `repr` shows their length only.

use crate::convert::{self, PyRepr};
use mailoauth::http::{HttpRequest, HttpResponse, Method};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A request for the caller to send (`mailoauth.send(request)` does it with `urllib`).
#[pyclass(name = "HttpRequest", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyHttpRequest {
    pub(crate) inner: HttpRequest,
}

impl From<HttpRequest> for PyHttpRequest {
    fn from(inner: HttpRequest) -> Self {
        PyHttpRequest { inner }
    }
}

fn redact_headers(headers: &[(String, String)]) -> String {
    let items: Vec<String> = headers
        .iter()
        .map(|(k, v)| {
            let sensitive = ["authorization", "cookie", "set-cookie"]
                .iter()
                .any(|s| k.eq_ignore_ascii_case(s));
            if sensitive {
                (k.clone(), "[redacted]".to_owned()).py_repr()
            } else {
                (k.clone(), v.clone()).py_repr()
            }
        })
        .collect();
    format!("[{}]", items.join(", "))
}

#[pymethods]
impl PyHttpRequest {
    /// A request built by hand (the core's `build_*` functions return ready ones).
    #[new]
    #[pyo3(signature = (method, url, *, headers = Vec::new(), body = Vec::new()))]
    fn new(
        method: &str,
        url: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> PyResult<Self> {
        let method = if method.eq_ignore_ascii_case("GET") {
            Method::Get
        } else if method.eq_ignore_ascii_case("POST") {
            Method::Post
        } else {
            return Err(crate::errors::invalid_input(format!(
                "unsupported HTTP method {method:?} (GET or POST)"
            )));
        };
        Ok(PyHttpRequest {
            inner: HttpRequest {
                method,
                url,
                headers,
                body,
            },
        })
    }
    /// `GET` or `POST`.
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.as_str()
    }
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers.clone()
    }
    /// The body (may hold client secrets, codes, refresh tokens).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }
    /// The first value of a header (case-insensitive name), or `None`.
    fn header(&self, name: &str) -> Option<&str> {
        self.inner.header(name)
    }
    /// The body decoded as a form, in order (values may be secrets).
    fn form_fields(&self) -> Vec<(String, String)> {
        self.inner.form_fields()
    }
    fn __repr__(&self) -> String {
        let r = &self.inner;
        convert::repr_record(
            "HttpRequest",
            &[
                ("method", r.method.as_str().py_repr()),
                ("url", r.url.py_repr()),
                ("headers", redact_headers(&r.headers)),
                ("body", format!("'[{} bytes redacted]'", r.body.len())),
            ],
        )
    }
}

/// A response the caller received, handed back to a `parse_*` function.
#[pyclass(name = "HttpResponse", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyHttpResponse {
    pub(crate) inner: HttpResponse,
}

#[pymethods]
impl PyHttpResponse {
    #[new]
    #[pyo3(signature = (status, body = Vec::new(), *, headers = Vec::new()))]
    fn new(status: u16, body: Vec<u8>, headers: Vec<(String, String)>) -> Self {
        PyHttpResponse {
            inner: HttpResponse {
                status,
                headers,
                body,
            },
        }
    }
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status
    }
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers.clone()
    }
    /// The raw body (may hold tokens).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }
    /// The first value of a header (case-insensitive name), or `None`.
    fn header(&self, name: &str) -> Option<&str> {
        self.inner.header(name)
    }
    /// `Retry-After` in seconds when it holds delta-seconds, else `None`.
    fn retry_after(&self) -> Option<u64> {
        self.inner.retry_after()
    }
    /// Seconds to wait from `now` per `Retry-After`: delta-seconds, or an HTTP-date as the time
    /// until then (0 when past); `None` when missing or unreadable.
    fn retry_after_at(&self, now: u64) -> Option<u64> {
        self.inner.retry_after_at(now)
    }
    fn __repr__(&self) -> String {
        let r = &self.inner;
        convert::repr_record(
            "HttpResponse",
            &[
                ("status", r.status.py_repr()),
                ("headers", redact_headers(&r.headers)),
                ("body", format!("'[{} bytes redacted]'", r.body.len())),
            ],
        )
    }
}

/// Adds this module's classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyHttpRequest>()?;
    m.add_class::<PyHttpResponse>()?;
    Ok(())
}
