//! `mailoauth.sasl` over Python: XOAUTH2 / OAUTHBEARER initial responses, their decoding, and the
//! server's failure challenge (RFC 7628 section 3.2.2).

use crate::convert::{self, redacted, PyRepr};
use crate::errors::IntoPyResult;
use mailoauth::sasl::{self, Credentials, DecodedResponse, SaslError};
use mailoauth::Secret;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The base64 XOAUTH2 initial response (what IMAP, POP and SMTP carry).
#[pyfunction]
pub fn xoauth2(user: &str, token: &str) -> PyResult<String> {
    sasl::xoauth2_base64(user, token).py()
}

/// The base64 OAUTHBEARER (RFC 7628) initial response.
#[pyfunction]
#[pyo3(signature = (user, token, *, host = None, port = None))]
pub fn oauthbearer(
    user: &str,
    token: &str,
    host: Option<&str>,
    port: Option<u16>,
) -> PyResult<String> {
    sasl::oauthbearer_base64(user, token, host, port).py()
}

/// The raw (not base64) initial response of a mechanism.
#[pyfunction]
#[pyo3(signature = (mechanism, user, token, *, host = None, port = None))]
pub fn sasl_initial_response<'py>(
    py: Python<'py>,
    mechanism: &str,
    user: &str,
    token: &str,
    host: Option<String>,
    port: Option<u16>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut c = Credentials::new(user, Secret::new(token));
    c.host = host;
    c.port = port;
    let raw = c.initial_response(convert::mechanism(mechanism)?).py()?;
    Ok(PyBytes::new(py, &raw))
}

/// What the client answers to a failure challenge: `""` (XOAUTH2) or `"AQ=="` (OAUTHBEARER).
#[pyfunction]
pub fn error_challenge_answer(mechanism: &str) -> PyResult<&'static str> {
    Ok(convert::mechanism(mechanism)?.error_challenge_answer())
}

/// A decoded initial response; `repr` never shows the token.
#[pyclass(name = "DecodedResponse", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyDecodedResponse {
    inner: DecodedResponse,
}

#[pymethods]
impl PyDecodedResponse {
    /// `XOAUTH2` or `OAUTHBEARER`.
    #[getter]
    fn mechanism(&self) -> &'static str {
        self.inner.mechanism.as_str()
    }
    #[getter]
    fn user(&self) -> &str {
        &self.inner.user
    }
    /// The bearer token (a secret).
    #[getter]
    fn token(&self) -> &str {
        self.inner.token.expose_secret()
    }
    #[getter]
    fn host(&self) -> Option<&str> {
        self.inner.host.as_deref()
    }
    #[getter]
    fn port(&self) -> Option<u16> {
        self.inner.port
    }
    fn __repr__(&self) -> String {
        let d = &self.inner;
        convert::repr_record(
            "DecodedResponse",
            &[
                ("mechanism", d.mechanism.as_str().py_repr()),
                ("user", d.user.py_repr()),
                ("token", redacted(!d.token.is_empty())),
                ("host", d.host.py_repr()),
                ("port", d.port.py_repr()),
            ],
        )
    }
}

/// Decodes a base64 initial response of either mechanism.
#[pyfunction]
pub fn decode_initial_response(mechanism: &str, base64: &str) -> PyResult<PyDecodedResponse> {
    let inner =
        sasl::decode_initial_response_base64(convert::mechanism(mechanism)?, base64).py()?;
    Ok(PyDecodedResponse { inner })
}

/// The server's failure challenge (`status`, `schemes`, `scope`, `openid_configuration`).
#[pyclass(name = "SaslError", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PySaslError {
    pub(crate) inner: SaslError,
}

impl From<SaslError> for PySaslError {
    fn from(inner: SaslError) -> Self {
        PySaslError { inner }
    }
}

#[pymethods]
impl PySaslError {
    #[getter]
    fn status(&self) -> Option<&str> {
        self.inner.status.as_deref()
    }
    #[getter]
    fn schemes(&self) -> Option<&str> {
        self.inner.schemes.as_deref()
    }
    #[getter]
    fn scope(&self) -> Option<&str> {
        self.inner.scope.as_deref()
    }
    #[getter]
    fn openid_configuration(&self) -> Option<&str> {
        self.inner.openid_configuration.as_deref()
    }
    fn __repr__(&self) -> String {
        let e = &self.inner;
        convert::repr_record(
            "SaslError",
            &[
                ("status", e.status.py_repr()),
                ("schemes", e.schemes.py_repr()),
                ("scope", e.scope.py_repr()),
                ("openid_configuration", e.openid_configuration.py_repr()),
            ],
        )
    }
}

/// Decodes a failure challenge: the base64 text after `+ ` (IMAP, POP) or `334 ` (SMTP).
#[pyfunction]
pub fn decode_error_challenge(base64: &str) -> PyResult<PySaslError> {
    Ok(sasl::decode_error_challenge(base64).py()?.into())
}

/// Adds this module's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDecodedResponse>()?;
    m.add_class::<PySaslError>()?;
    m.add_function(wrap_pyfunction!(xoauth2, m)?)?;
    m.add_function(wrap_pyfunction!(oauthbearer, m)?)?;
    m.add_function(wrap_pyfunction!(sasl_initial_response, m)?)?;
    m.add_function(wrap_pyfunction!(error_challenge_answer, m)?)?;
    m.add_function(wrap_pyfunction!(decode_initial_response, m)?)?;
    m.add_function(wrap_pyfunction!(decode_error_challenge, m)?)?;
    Ok(())
}
