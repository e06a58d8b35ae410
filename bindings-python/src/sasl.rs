//! `mailoauth.sasl` over Python: XOAUTH2 / OAUTHBEARER initial responses, their decoding, and the
//! server's failure challenge (RFC 7628 section 3.2.2). `DecodedResponse` and `SaslError` are the
//! core's own classes (`mailoauth::python_api`).

use crate::convert;
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

/// Decodes a base64 initial response of either mechanism.
#[pyfunction]
pub fn decode_initial_response(mechanism: &str, base64: &str) -> PyResult<DecodedResponse> {
    sasl::decode_initial_response_base64(convert::mechanism(mechanism)?, base64).py()
}

/// Decodes a failure challenge: the base64 text after `+ ` (IMAP, POP) or `334 ` (SMTP).
#[pyfunction]
pub fn decode_error_challenge(base64: &str) -> PyResult<SaslError> {
    sasl::decode_error_challenge(base64).py()
}

/// Adds this module's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<DecodedResponse>()?;
    m.add_class::<SaslError>()?;
    m.add_function(wrap_pyfunction!(xoauth2, m)?)?;
    m.add_function(wrap_pyfunction!(oauthbearer, m)?)?;
    m.add_function(wrap_pyfunction!(sasl_initial_response, m)?)?;
    m.add_function(wrap_pyfunction!(error_challenge_answer, m)?)?;
    m.add_function(wrap_pyfunction!(decode_initial_response, m)?)?;
    m.add_function(wrap_pyfunction!(decode_error_challenge, m)?)?;
    Ok(())
}
