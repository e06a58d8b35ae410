//! The one place where core errors become Python exceptions.
//!
//! One hierarchy, rooted at `mailoauth.Error` (attribute `.code`: the core's stable snake_case
//! code). Every subclass says whose fault a failure is:
//!
//! | class | codes |
//! |---|---|
//! | `InvalidInputError` | `invalid_input`, `invalid_tenant`, `invalid_client_id`, `encrypted_private_key`, `unsupported_flow` |
//! | `ProtocolError` | `unexpected_reply`, `malformed`, `mechanism_not_offered` |
//! | `SecurityError` | `state_mismatch`, `issuer_mismatch` |
//! | `ServerError` | the server's OAuth `error` values, `http_error` |
//! | `AuthenticationError` | a mail server refused the login (raised by the drivers) |
//! | `NetworkError` | `network_error`: the drivers could not reach a server |
//!
//! The server's details are attributes: `error`, `error_description`, `aadsts`, `error_codes`,
//! `trace_id`, `correlation_id`, `timestamp`, `suberror`, `claims`, `error_uri`, `status`,
//! `retry_after`, `transient`, `requires_new_sign_in` (drop the stored refresh token only when
//! true), `explanation` (the Entra explainer's cause and fix). Every attribute exists on every instance (class-level defaults:
//! `None`, `code` `"error"`, `transient` `False`, `error_codes` `()`).
//! Messages come from the core's `Display`, which never holds a secret.

use mailoauth::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple, PyType};

create_exception!(
    mailoauth,
    MailoauthError,
    PyException,
    "Base class of every mailoauth error; `.code` is the stable snake_case code."
);
create_exception!(
    mailoauth,
    InvalidInputError,
    MailoauthError,
    "The caller's value cannot be used (invalid_input, invalid_tenant, invalid_client_id, encrypted_private_key, unsupported_flow)."
);
create_exception!(
    mailoauth,
    ProtocolError,
    MailoauthError,
    "The peer broke the protocol (unexpected_reply, malformed, mechanism_not_offered)."
);
create_exception!(
    mailoauth,
    SecurityError,
    MailoauthError,
    "A security check failed (state_mismatch, issuer_mismatch): nothing was used."
);
create_exception!(
    mailoauth,
    ServerError,
    MailoauthError,
    "The authorization server refused (its OAuth error) or answered with an HTTP error (http_error)."
);
create_exception!(
    mailoauth,
    AuthenticationError,
    MailoauthError,
    "A mail server refused the login; `.diagnosis` holds the cause and the fix."
);
create_exception!(
    mailoauth,
    NetworkError,
    MailoauthError,
    "A server could not be reached or the connection broke (network_error)."
);

/// Attributes every instance carries (`None` unless set), so `e.aadsts` never raises.
pub const DETAIL_ATTRIBUTES: &[&str] = &[
    "code",
    "error",
    "error_description",
    "error_codes",
    "aadsts",
    "error_uri",
    "trace_id",
    "correlation_id",
    "timestamp",
    "suberror",
    "claims",
    "status",
    "retry_after",
    "transient",
    "diagnosis",
    "server_text",
    "sasl_error",
    "retry_with_fresh_token",
    "reply_code",
    "enhanced_status",
    "explanation",
    "requires_new_sign_in",
];

/// Adds the exception classes to the module, with class-level `None` defaults for the details.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<MailoauthError>();
    for attr in DETAIL_ATTRIBUTES {
        base.setattr(*attr, py.None())?;
    }
    base.setattr("code", "error")?;
    base.setattr("transient", false)?;
    base.setattr("requires_new_sign_in", false)?;
    base.setattr("error_codes", PyTuple::empty(py))?;
    m.add("Error", base)?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    m.add("SecurityError", py.get_type::<SecurityError>())?;
    m.add("ServerError", py.get_type::<ServerError>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("NetworkError", py.get_type::<NetworkError>())?;
    Ok(())
}

/// The Python class for a kind the core decided (`Error::kind`, `ErrorKind::for_code`).
fn class_for_kind(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
    match kind {
        ErrorKind::InvalidInput => py.get_type::<InvalidInputError>(),
        ErrorKind::Protocol => py.get_type::<ProtocolError>(),
        ErrorKind::Security => py.get_type::<SecurityError>(),
        ErrorKind::Server => py.get_type::<ServerError>(),
        ErrorKind::Network => py.get_type::<NetworkError>(),
        // The core's enum is non_exhaustive: a new kind is still a mailoauth.Error.
        _ => py.get_type::<MailoauthError>(),
    }
}

/// Builds the exception instance for a core error, with its details set as attributes.
pub fn exception<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyAny>> {
    let class = class_for_kind(py, e.kind());
    let exc = class.call1((e.to_string(),))?;
    exc.setattr("code", e.code())?;
    // The core's ErrorDetails, field by field (the explanation is the core's own class).
    let d = e.details();
    exc.setattr("transient", d.transient)?;
    exc.setattr("requires_new_sign_in", d.requires_new_sign_in)?;
    exc.setattr("explanation", d.explanation)?;
    exc.setattr("status", d.status)?;
    exc.setattr("retry_after", d.retry_after)?;
    if d.error.is_some() {
        exc.setattr("error", d.error)?;
        exc.setattr("error_description", d.error_description)?;
        exc.setattr("error_codes", PyList::new(py, &d.error_codes)?)?;
        exc.setattr("aadsts", d.aadsts)?;
        exc.setattr("error_uri", d.error_uri)?;
        exc.setattr("trace_id", d.trace_id)?;
        exc.setattr("correlation_id", d.correlation_id)?;
        exc.setattr("timestamp", d.timestamp)?;
        exc.setattr("suberror", d.suberror)?;
        exc.setattr("claims", d.claims)?;
    }
    Ok(exc)
}

/// Converts a core error into the `PyErr` to raise.
pub fn to_py(e: Error) -> PyErr {
    Python::with_gil(|py| match exception(py, &e) {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    })
}

/// `Result<T, mailoauth::Error>` → `PyResult<T>`.
pub trait IntoPyResult<T> {
    /// Maps the error through [`to_py`].
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// A `mailoauth.InvalidInputError` with code `invalid_input` (for binding-level argument checks).
pub fn invalid_input(msg: impl Into<String>) -> PyErr {
    to_py(Error::InvalidInput(msg.into()))
}

/// The code of `AuthenticationError`: a mail server refused the login (the drivers' own code).
const REJECTED_CODE: &str = "rejected";

/// `error_from(code, message, **details)`: builds (does not raise) an exception of the class the
/// code belongs to. The Python drivers use it for failures they detect themselves
/// (`network_error`, a refused login), so there is one hierarchy and one mapping.
#[pyfunction]
#[pyo3(signature = (code, message, **details))]
pub fn error_from<'py>(
    py: Python<'py>,
    code: &str,
    message: &str,
    details: Option<&Bound<'py, pyo3::types::PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    // The core decides whose fault a code is; only a refused login is the drivers' own class.
    let class = match code {
        REJECTED_CODE => py.get_type::<AuthenticationError>(),
        _ => class_for_kind(py, ErrorKind::for_code(code)),
    };
    let exc = class.call1(PyTuple::new(py, [message])?)?;
    exc.setattr("code", code)?;
    if let Some(d) = details {
        for (k, v) in d.iter() {
            let name: String = k.extract()?;
            if !DETAIL_ATTRIBUTES.contains(&name.as_str()) {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "error_from: unknown detail {name:?}"
                )));
            }
            exc.setattr(name.as_str(), v)?;
        }
    }
    Ok(exc)
}
