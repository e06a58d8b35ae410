//! The Python side of the core's records (feature `python`): what `bindings-python` exports as
//! `mailoauth._native` takes these types as they are, instead of a hand-written twin of each.
//!
//! Why here and not in `bindings-python`: a `#[pyclass]` must sit on the type's declaration, and
//! its `#[pymethods]` (`__repr__`, the getter of a secret, ...) must be in the crate that declares
//! the type (Rust's orphan rule). So, as for UniFFI (`uniffi_api`), the foreign API is declared
//! once, on the domain types:
//!
//! - a record whose Python shape is the core's own carries
//!   `#[cfg_attr(feature = "python", pyo3::pyclass(name = ..., module = "mailoauth", frozen, ...))]`
//!   where the core declares it, with `get_all` when every field is plain data (strings, numbers,
//!   lists, options, records that are themselves pyclasses, and the small enums below). A record
//!   that holds a [`crate::Secret`] (or fields Python does not see, as `AssertionInput`'s header
//!   and claims) has no `get_all`: its getters are written here, the secret's (`token`, `code`,
//!   `device_code`) handing it out only on an explicit read, never in a `repr`. A getter's Rust
//!   name is `py_` and the field's (`#[getter(code)] fn py_code`): a method named like the field
//!   would capture the field's intra-doc links (`AuthorizationCode::code`).
//!   (Field-level `#[pyo3(get)]` cannot be feature-gated: rustc does not expand a field's
//!   `cfg_attr` before `#[pyclass]` reads the fields.)
//! - the small enums (`Remedy`, `Severity`, `Mechanism`, `AssertionAlg`) become Python strings,
//!   their stable `as_str` names, as the stubs declare them (`Literal["retry", ...]`);
//! - this module holds their `#[pymethods]`: the Python-style `repr` of every record (which never
//!   shows a secret; [`PyRepr`], [`repr_record`], [`redacted`], also used by the binding's own
//!   classes) and the few methods that only read the record (`TokenLint.codes`,
//!   `Runbook.to_text`, `AssertionInput.finish`).
//!
//! A generic conversion (serde into Python dicts or objects) was the other way: it would lose the
//! classes (`isinstance`, attribute access, the `.pyi` checked by stubtest) that the Python API
//! promises, so each record stays a real class, declared once.
//!
//! What stays in `bindings-python`: the exception hierarchy and the error mapping, the classes
//! with Python constructors or methods that raise (`Cloud`, `Tenant`, `Endpoints`, `HttpRequest`,
//! `TokenSet`, `Pkce`, `AuthorizeRequest`, `ProviderMetadata`, ...), the classes whose Python
//! shape differs from the core's (`AuthOutcome`, `Action`, `PollResult`, `RelayOutput`, ...: a
//! `kind` string instead of a Rust enum), the state machines, and the functions.
//!
//! Off by default: `cargo build`, the wasm build and the UniFFI build never see pyo3.

use crate::apps::WellKnownApp;
use crate::assertion::{self, AssertionAlg, AssertionInput, KeyCheck};
use crate::authorize::AuthorizationCode;
use crate::consent::AdminConsentResult;
use crate::device::DeviceAuthorization;
use crate::diagnose::entra::{EntraExplanation, Remedy};
use crate::diagnose::runbook::{Runbook, RunbookStep};
use crate::diagnose::token_lint::{LintFinding, TokenClaims, TokenLint};
use crate::diagnose::{Diagnosis, Severity};
use crate::login::{Authenticated, Rejection};
use crate::sasl::{DecodedResponse, Mechanism, SaslError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::convert::Infallible;

// ------------------------------------------------------------------------------------------------
// Python-style `repr`

/// A value as Python would `repr` it, for the hand-written `__repr__`s.
pub trait PyRepr {
    /// The Python literal.
    fn py_repr(&self) -> String;
}

impl PyRepr for str {
    fn py_repr(&self) -> String {
        let mut out = String::with_capacity(self.len() + 2);
        out.push('\'');
        for c in self.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || c == '\x7f' => {
                    out.push_str(&format!("\\x{:02x}", c as u32))
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    }
}

impl PyRepr for String {
    fn py_repr(&self) -> String {
        self.as_str().py_repr()
    }
}

impl<T: PyRepr + ?Sized> PyRepr for &T {
    fn py_repr(&self) -> String {
        (**self).py_repr()
    }
}

impl PyRepr for bool {
    fn py_repr(&self) -> String {
        if *self { "True" } else { "False" }.to_owned()
    }
}

macro_rules! int_repr {
    ($($t:ty),*) => {$(
        impl PyRepr for $t {
            fn py_repr(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
int_repr!(u16, u32, u64, i64, usize);

impl<T: PyRepr> PyRepr for Option<T> {
    fn py_repr(&self) -> String {
        match self {
            Some(v) => v.py_repr(),
            None => "None".to_owned(),
        }
    }
}

impl<T: PyRepr> PyRepr for Vec<T> {
    fn py_repr(&self) -> String {
        let items: Vec<String> = self.iter().map(PyRepr::py_repr).collect();
        format!("[{}]", items.join(", "))
    }
}

impl<A: PyRepr, B: PyRepr> PyRepr for (A, B) {
    fn py_repr(&self) -> String {
        format!("({}, {})", self.0.py_repr(), self.1.py_repr())
    }
}

/// What a secret-holding field shows in a `repr`: whether it is set, never its value.
pub fn redacted(present: bool) -> String {
    if present {
        "'[redacted]'".to_owned()
    } else {
        "None".to_owned()
    }
}

/// `Name(field=value, ...)` from already-rendered values.
pub fn repr_record(name: &str, fields: &[(&str, String)]) -> String {
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{name}({})", parts.join(", "))
}

/// `Name(field=repr, ...)` of the listed fields of a record.
macro_rules! fields_repr {
    ($s:ident, $name:literal: $($field:ident),*) => {
        repr_record($name, &[$((stringify!($field), $s.$field.py_repr())),*])
    };
}

// ------------------------------------------------------------------------------------------------
// The small enums: Python strings

/// The enums that cross as their `as_str` name: `IntoPyObject` (a `str`) and [`PyRepr`].
macro_rules! str_enums {
    ($($t:ty),*) => {$(
        impl<'py> IntoPyObject<'py> for $t {
            type Target = PyString;
            type Output = Bound<'py, PyString>;
            type Error = Infallible;
            fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Infallible> {
                Ok(PyString::new(py, self.as_str()))
            }
        }

        impl<'py> IntoPyObject<'py> for &$t {
            type Target = PyString;
            type Output = Bound<'py, PyString>;
            type Error = Infallible;
            fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Infallible> {
                (*self).into_pyobject(py)
            }
        }

        impl PyRepr for $t {
            fn py_repr(&self) -> String {
                self.as_str().py_repr()
            }
        }
    )*};
}
str_enums!(Remedy, Severity, Mechanism, AssertionAlg);

// ------------------------------------------------------------------------------------------------
// The records' methods

#[pymethods]
impl AuthorizationCode {
    /// The code (a secret), redeemed once with the PKCE verifier.
    #[getter(code)]
    fn py_code(&self) -> &str {
        self.code.expose_secret()
    }
    /// The `state` of the redirect (equal to the one the client sent).
    #[getter(state)]
    fn py_state(&self) -> &str {
        &self.state
    }
    /// The `iss` of the redirect (RFC 9207), when sent.
    #[getter(iss)]
    fn py_iss(&self) -> Option<&str> {
        self.iss.as_deref()
    }
    /// Entra's `session_state`, when sent.
    #[getter(session_state)]
    fn py_session_state(&self) -> Option<&str> {
        self.session_state.as_deref()
    }
    fn __repr__(&self) -> String {
        repr_record(
            "AuthorizationCode",
            &[
                ("code", redacted(!self.code.is_empty())),
                ("state", self.state.py_repr()),
                ("iss", self.iss.py_repr()),
            ],
        )
    }
}

#[pymethods]
impl AdminConsentResult {
    fn __repr__(&self) -> String {
        fields_repr!(self, "AdminConsentResult": granted, tenant, scope, state)
    }
}

#[pymethods]
impl DeviceAuthorization {
    /// The device code the poller sends (a secret).
    #[getter(device_code)]
    fn py_device_code(&self) -> &str {
        self.device_code.expose_secret()
    }
    /// The code the user types.
    #[getter(user_code)]
    fn py_user_code(&self) -> &str {
        &self.user_code
    }
    /// Where the user signs in.
    #[getter(verification_uri)]
    fn py_verification_uri(&self) -> &str {
        &self.verification_uri
    }
    /// The URI with the code filled in, when sent.
    #[getter(verification_uri_complete)]
    fn py_verification_uri_complete(&self) -> Option<&str> {
        self.verification_uri_complete.as_deref()
    }
    /// When the codes expire (Unix seconds).
    #[getter(expires_at)]
    fn py_expires_at(&self) -> u64 {
        self.expires_at
    }
    /// Seconds between polls.
    #[getter(interval)]
    fn py_interval(&self) -> u64 {
        self.interval
    }
    /// The server's sentence for the user, when sent.
    #[getter(message)]
    fn py_message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    fn __repr__(&self) -> String {
        repr_record(
            "DeviceAuthorization",
            &[
                ("device_code", redacted(!self.device_code.is_empty())),
                ("user_code", self.user_code.py_repr()),
                ("verification_uri", self.verification_uri.py_repr()),
                ("expires_at", self.expires_at.py_repr()),
                ("interval", self.interval.py_repr()),
            ],
        )
    }
}

#[pymethods]
impl WellKnownApp {
    fn __repr__(&self) -> String {
        fields_repr!(self, "WellKnownApp": name, client_id, retired)
    }
}

#[pymethods]
impl KeyCheck {
    fn __repr__(&self) -> String {
        fields_repr!(self, "KeyCheck": key_format, key_bits, matches_certificate)
    }
}

#[pymethods]
impl AssertionInput {
    /// `PS256` or `RS256`.
    #[getter(alg)]
    fn py_alg(&self) -> AssertionAlg {
        self.alg
    }
    /// The header JSON.
    #[getter(header_json)]
    fn py_header_json(&self) -> &str {
        &self.header_json
    }
    /// The claims JSON.
    #[getter(claims_json)]
    fn py_claims_json(&self) -> &str {
        &self.claims_json
    }
    /// `base64url(header) "." base64url(claims)`: the bytes to sign.
    #[getter(signing_input)]
    fn py_signing_input(&self) -> &str {
        &self.signing_input
    }
    /// The compact JWS with the caller's signature over `signing_input`.
    fn finish(&self, signature: &[u8]) -> String {
        assertion::finish_assertion(self, signature)
            .expose_secret()
            .to_owned()
    }
    fn __repr__(&self) -> String {
        fields_repr!(self, "AssertionInput": alg)
    }
}

#[pymethods]
impl Diagnosis {
    fn __repr__(&self) -> String {
        fields_repr!(self, "Diagnosis": code, cause, fix)
    }
}

#[pymethods]
impl EntraExplanation {
    fn __repr__(&self) -> String {
        fields_repr!(self, "Explanation": aadsts, error, known, title, remedy)
    }
}

#[pymethods]
impl LintFinding {
    fn __repr__(&self) -> String {
        fields_repr!(self, "LintFinding": code, severity, message)
    }
}

#[pymethods]
impl TokenClaims {
    fn __repr__(&self) -> String {
        fields_repr!(self, "TokenClaims": aud, tid, appid, user, scp, roles, exp)
    }
}

#[pymethods]
impl TokenLint {
    /// The finding codes, in order.
    #[pyo3(name = "codes")]
    fn py_codes(&self) -> Vec<String> {
        self.codes()
    }
    fn __repr__(&self) -> String {
        format!("TokenLint(findings={})", self.codes().py_repr())
    }
}

#[pymethods]
impl RunbookStep {
    fn __repr__(&self) -> String {
        fields_repr!(self, "RunbookStep": title)
    }
}

#[pymethods]
impl Runbook {
    /// The runbook as numbered plain text.
    #[pyo3(name = "to_text")]
    fn py_to_text(&self) -> String {
        self.to_text()
    }
    fn __repr__(&self) -> String {
        format!("Runbook(steps={})", self.steps.len())
    }
}

#[pymethods]
impl Authenticated {
    fn __repr__(&self) -> String {
        fields_repr!(self, "Authenticated": server_text, capabilities)
    }
}

#[pymethods]
impl Rejection {
    fn __repr__(&self) -> String {
        let diagnosis = self.diagnosis.as_ref().map(|d| d.code.as_str());
        repr_record(
            "Rejection",
            &[
                ("status", self.status.py_repr()),
                ("server_text", self.server_text.py_repr()),
                ("diagnosis", diagnosis.py_repr()),
                (
                    "retry_with_fresh_token",
                    self.retry_with_fresh_token.py_repr(),
                ),
                ("reply_code", self.reply_code.py_repr()),
                ("enhanced_status", self.enhanced_status.py_repr()),
            ],
        )
    }
}

#[pymethods]
impl SaslError {
    fn __repr__(&self) -> String {
        fields_repr!(self, "SaslError": status, schemes, scope, openid_configuration)
    }
}

#[pymethods]
impl DecodedResponse {
    /// `XOAUTH2` or `OAUTHBEARER`.
    #[getter(mechanism)]
    fn py_mechanism(&self) -> Mechanism {
        self.mechanism
    }
    /// The user.
    #[getter(user)]
    fn py_user(&self) -> &str {
        &self.user
    }
    /// The bearer token (a secret).
    #[getter(token)]
    fn py_token(&self) -> &str {
        self.token.expose_secret()
    }
    /// OAUTHBEARER `host`.
    #[getter(host)]
    fn py_host(&self) -> Option<&str> {
        self.host.as_deref()
    }
    /// OAUTHBEARER `port`.
    #[getter(port)]
    fn py_port(&self) -> Option<u16> {
        self.port
    }
    fn __repr__(&self) -> String {
        repr_record(
            "DecodedResponse",
            &[
                ("mechanism", self.mechanism.py_repr()),
                ("user", self.user.py_repr()),
                ("token", redacted(!self.token.is_empty())),
                ("host", self.host.py_repr()),
                ("port", self.port.py_repr()),
            ],
        )
    }
}
