//! The one place where Python values become core values and back: enum names, clouds, and the
//! Python-style `repr` of records (which never shows a secret; the helpers are the core's).

use crate::errors::IntoPyResult;
use mailoauth::cloud::{Cloud, Grant, Protocol};
use mailoauth::sasl::Mechanism;
use pyo3::prelude::*;

/// `"imap"`, `"pop"`, `"smtp"` (also `pop3`, `submission`) → [`Protocol`].
pub fn protocol(s: &str) -> PyResult<Protocol> {
    s.parse().py()
}

/// A list of protocol names.
pub fn protocols(list: &[String]) -> PyResult<Vec<Protocol>> {
    list.iter().map(|s| protocol(s)).collect()
}

/// `"XOAUTH2"` / `"OAUTHBEARER"` (any case) → [`Mechanism`].
pub fn mechanism(s: &str) -> PyResult<Mechanism> {
    s.parse().py()
}

/// `"delegated"` / `"app"` → [`Grant`].
pub fn grant(s: &str) -> PyResult<Grant> {
    s.parse().py()
}

/// A cloud given as a preset name (`"global"`, `"usgov"`, ...) or a `Cloud` object.
#[derive(FromPyObject)]
pub enum CloudArg {
    /// A `mailoauth.Cloud` (possibly with overridden hosts).
    Object(crate::cloud::PyCloud),
    /// A preset name.
    Name(String),
}

impl CloudArg {
    /// The core cloud.
    pub fn into_cloud(self) -> PyResult<Cloud> {
        match self {
            CloudArg::Object(c) => Ok(c.inner),
            CloudArg::Name(n) => Cloud::from_name(&n).py(),
        }
    }
}

/// Optional cloud argument, `global` when absent.
pub fn cloud_or_global(c: Option<CloudArg>) -> PyResult<Cloud> {
    match c {
        Some(c) => c.into_cloud(),
        None => Ok(Cloud::global()),
    }
}

// The Python-style `repr` helpers live beside the core's records, whose `__repr__`s use them too.
pub use mailoauth::python_api::{redacted, repr_record, PyRepr};
