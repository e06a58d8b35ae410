//! `mailoauth.token`, `mailoauth.device` and `mailoauth.assertion` over Python: token requests
//! for every grant, response parsing, `TokenSet`, the device-code flow and certificate client
//! assertions.

use crate::convert::{self, redacted, PyRepr};
use crate::errors::{self, invalid_input, IntoPyResult};
use crate::http::{PyHttpRequest, PyHttpResponse};
use mailoauth::assertion::{self, AssertionAlg, AssertionInput, KeyCheck};
use mailoauth::device::{
    self, DeviceAction, DeviceAuthorization, DeviceOutcome, DevicePoller, PollResult,
};
use mailoauth::token::{self, ClientAuth, ClientAuthMethod, TokenSet};
use mailoauth::Secret;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

// ------------------------------------------------------------------------------------------------
// TokenSet

/// The tokens of one successful token response, with absolute expiry times (Unix seconds).
/// `repr` never shows a token.
#[pyclass(name = "TokenSet", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyTokenSet {
    pub(crate) inner: TokenSet,
}

impl From<TokenSet> for PyTokenSet {
    fn from(inner: TokenSet) -> Self {
        PyTokenSet { inner }
    }
}

#[pymethods]
impl PyTokenSet {
    /// A token set from values obtained elsewhere.
    #[new]
    #[pyo3(signature = (access_token, *, token_type = "Bearer".to_owned(), expires_at = None, refresh_token = None, scope = None, id_token = None, ext_expires_at = None))]
    fn new(
        access_token: String,
        token_type: String,
        expires_at: Option<u64>,
        refresh_token: Option<String>,
        scope: Option<String>,
        id_token: Option<String>,
        ext_expires_at: Option<u64>,
    ) -> Self {
        PyTokenSet {
            inner: TokenSet {
                access_token: Secret::new(access_token),
                token_type,
                expires_at,
                refresh_token: refresh_token.map(Secret::new),
                scope,
                id_token: id_token.map(Secret::new),
                ext_expires_at,
            },
        }
    }

    /// Reads a token set stored with `to_json` (the core's `TokenSet::from_json`: the message
    /// never quotes the input).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        TokenSet::from_json(text).map(PyTokenSet::from).py()
    }

    /// The token set as JSON (holds the tokens in clear: protect where it goes; the core's
    /// `TokenSet::to_json`, the same text every binding writes).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The access token (a secret).
    #[getter]
    fn access_token(&self) -> &str {
        self.inner.access_token.expose_secret()
    }
    /// `Bearer`.
    #[getter]
    fn token_type(&self) -> &str {
        &self.inner.token_type
    }
    /// When the access token expires (Unix seconds), when known.
    #[getter]
    fn expires_at(&self) -> Option<u64> {
        self.inner.expires_at
    }
    /// The refresh token (a secret), when one was issued.
    #[getter]
    fn refresh_token(&self) -> Option<&str> {
        self.inner.refresh_token.as_ref().map(Secret::expose_secret)
    }
    /// The granted scopes, space separated, when sent.
    #[getter]
    fn scope(&self) -> Option<&str> {
        self.inner.scope.as_deref()
    }
    /// The ID token (a secret), when sent.
    #[getter]
    fn id_token(&self) -> Option<&str> {
        self.inner.id_token.as_ref().map(Secret::expose_secret)
    }
    /// Entra's `ext_expires_in` as an absolute time, when sent.
    #[getter]
    fn ext_expires_at(&self) -> Option<u64> {
        self.inner.ext_expires_at
    }
    /// Whether the access token expires within `margin` seconds of `now`.
    #[pyo3(signature = (now, margin = 300))]
    fn needs_refresh(&self, now: u64, margin: u64) -> bool {
        self.inner.needs_refresh(now, margin)
    }
    /// Whether the access token has expired at `now`.
    fn is_expired(&self, now: u64) -> bool {
        self.inner.is_expired(now)
    }
    /// Seconds left at `now`, when the expiry is known.
    fn expires_in(&self, now: u64) -> Option<u64> {
        self.inner.expires_in(now)
    }
    /// The granted scopes as a list.
    fn scopes(&self) -> Vec<String> {
        self.inner.scopes()
    }
    /// This set updated with a refresh response: the new tokens, keeping the old refresh token
    /// (and scope, ID token) when the response has none.
    fn merged_with(&self, new: PyRef<'_, PyTokenSet>) -> PyTokenSet {
        self.inner.clone().merged_with(new.inner.clone()).into()
    }
    fn __repr__(&self) -> String {
        let t = &self.inner;
        convert::repr_record(
            "TokenSet",
            &[
                ("access_token", redacted(!t.access_token.is_empty())),
                ("token_type", t.token_type.py_repr()),
                ("expires_at", t.expires_at.py_repr()),
                ("refresh_token", redacted(t.refresh_token.is_some())),
                ("scope", t.scope.py_repr()),
                ("id_token", redacted(t.id_token.is_some())),
            ],
        )
    }
}

// ------------------------------------------------------------------------------------------------
// Token requests

/// The credential: `client_auth` names the method (`client_secret_post`, `client_secret_basic`,
/// `private_key_jwt`, `none`); without it a secret goes in the body and an assertion as
/// `private_key_jwt`.
fn client_auth(
    client_secret: Option<String>,
    client_assertion: Option<String>,
    method: Option<&str>,
) -> PyResult<ClientAuth> {
    let method = method.map(ClientAuthMethod::parse).transpose().py()?;
    ClientAuth::from_parts(
        client_secret.map(Secret::new),
        client_assertion.map(Secret::new),
        method,
    )
    .py()
}

/// The authorization-code token request (with the PKCE verifier).
#[pyfunction]
#[pyo3(signature = (*, token_url, client_id, code, redirect_uri, code_verifier, scopes = Vec::new(), client_secret = None, client_assertion = None, client_auth = None))]
#[allow(clippy::too_many_arguments)]
pub fn build_auth_code_request(
    token_url: &str,
    client_id: &str,
    code: String,
    redirect_uri: &str,
    code_verifier: String,
    scopes: Vec<String>,
    client_secret: Option<String>,
    client_assertion: Option<String>,
    client_auth: Option<&str>,
) -> PyResult<PyHttpRequest> {
    let auth = self::client_auth(client_secret, client_assertion, client_auth)?;
    token::build_auth_code_request(
        token_url,
        client_id,
        &Secret::new(code),
        redirect_uri,
        &Secret::new(code_verifier),
        &scopes,
        &auth,
    )
    .py()
    .map(PyHttpRequest::from)
}

/// The refresh-token request. Keep a rotated refresh token with `TokenSet.merged_with`.
#[pyfunction]
#[pyo3(signature = (*, token_url, client_id, refresh_token, scopes = Vec::new(), client_secret = None, client_assertion = None, client_auth = None))]
pub fn build_refresh_request(
    token_url: &str,
    client_id: &str,
    refresh_token: String,
    scopes: Vec<String>,
    client_secret: Option<String>,
    client_assertion: Option<String>,
    client_auth: Option<&str>,
) -> PyResult<PyHttpRequest> {
    let auth = self::client_auth(client_secret, client_assertion, client_auth)?;
    token::build_refresh_request(
        token_url,
        client_id,
        &Secret::new(refresh_token),
        &scopes,
        &auth,
    )
    .py()
    .map(PyHttpRequest::from)
}

/// The client-credentials (app-only) request, with a secret or a signed client assertion.
#[pyfunction]
#[pyo3(signature = (*, token_url, client_id, scope, client_secret = None, client_assertion = None, client_auth = None))]
pub fn build_client_credentials_request(
    token_url: &str,
    client_id: &str,
    scope: &str,
    client_secret: Option<String>,
    client_assertion: Option<String>,
    client_auth: Option<&str>,
) -> PyResult<PyHttpRequest> {
    let auth = self::client_auth(client_secret, client_assertion, client_auth)?;
    token::build_client_credentials_request(token_url, client_id, scope, &auth)
        .py()
        .map(PyHttpRequest::from)
}

/// The device-code token request sent at each poll (usually built by `DevicePoller`).
#[pyfunction]
#[pyo3(signature = (*, token_url, client_id, device_code, client_secret = None, client_assertion = None, client_auth = None))]
pub fn build_device_code_token_request(
    token_url: &str,
    client_id: &str,
    device_code: String,
    client_secret: Option<String>,
    client_assertion: Option<String>,
    client_auth: Option<&str>,
) -> PyResult<PyHttpRequest> {
    let auth = self::client_auth(client_secret, client_assertion, client_auth)?;
    token::build_device_code_token_request_with_auth(
        token_url,
        client_id,
        &Secret::new(device_code),
        &auth,
    )
    .py()
    .map(PyHttpRequest::from)
}

/// Parses a token-endpoint response received at `now` (Unix seconds): a `TokenSet`, or raises
/// `ServerError` (the server's OAuth error, or `http_error`) / `ProtocolError` (`malformed`).
#[pyfunction]
pub fn parse_token_response(response: PyRef<'_, PyHttpResponse>, now: u64) -> PyResult<PyTokenSet> {
    token::parse_token_response(&response.inner, now)
        .py()
        .map(PyTokenSet::from)
}

// ------------------------------------------------------------------------------------------------
// Device code

/// The device authorization request (include `offline_access` in `scopes` for a refresh token).
#[pyfunction]
#[pyo3(signature = (*, device_authorization_url, client_id, scopes, client_secret = None, client_assertion = None, client_auth = None))]
pub fn build_device_authorization_request(
    device_authorization_url: &str,
    client_id: &str,
    scopes: Vec<String>,
    client_secret: Option<String>,
    client_assertion: Option<String>,
    client_auth: Option<&str>,
) -> PyResult<PyHttpRequest> {
    let auth = self::client_auth(client_secret, client_assertion, client_auth)?;
    device::build_device_authorization_request_with_auth(
        device_authorization_url,
        client_id,
        &scopes,
        &auth,
    )
    .py()
    .map(PyHttpRequest::from)
}

/// Parses the device authorization response received at `now`.
#[pyfunction]
pub fn parse_device_authorization_response(
    response: PyRef<'_, PyHttpResponse>,
    now: u64,
) -> PyResult<DeviceAuthorization> {
    device::parse_device_authorization_response(&response.inner, now).py()
}

/// One poll answer: `state` is `pending` (with `interval`, `next_poll_at`), `declined`,
/// `expired` or `token` (with `token`).
#[pyclass(name = "PollResult", module = "mailoauth", frozen, get_all)]
pub struct PyPollResult {
    state: &'static str,
    interval: Option<u64>,
    next_poll_at: Option<u64>,
    token: Option<Py<PyTokenSet>>,
}

#[pymethods]
impl PyPollResult {
    fn __repr__(&self) -> String {
        convert::repr_record(
            "PollResult",
            &[
                ("state", self.state.py_repr()),
                ("interval", self.interval.py_repr()),
                ("next_poll_at", self.next_poll_at.py_repr()),
                (
                    "token",
                    if self.token.is_some() {
                        "TokenSet(...)".to_owned()
                    } else {
                        "None".to_owned()
                    },
                ),
            ],
        )
    }
}

/// Parses one device-code poll answer received at `now` while polling every `interval` seconds.
#[pyfunction]
pub fn parse_device_poll_response(
    py: Python<'_>,
    response: PyRef<'_, PyHttpResponse>,
    now: u64,
    interval: u64,
) -> PyResult<PyPollResult> {
    let r = device::parse_device_poll_response(&response.inner, now, interval).py()?;
    let none = |state| PyPollResult {
        state,
        interval: None,
        next_poll_at: None,
        token: None,
    };
    Ok(match r {
        PollResult::Pending {
            interval,
            next_poll_at,
        } => PyPollResult {
            state: "pending",
            interval: Some(interval),
            next_poll_at: Some(next_poll_at),
            token: None,
        },
        PollResult::Declined => none("declined"),
        PollResult::Expired => none("expired"),
        PollResult::Token(t) => PyPollResult {
            state: "token",
            interval: None,
            next_poll_at: None,
            token: Some(Py::new(py, PyTokenSet::from(t))?),
        },
    })
}

/// How a device flow ended: `kind` is `token` (with `token`), `declined`, `expired` or `failed`
/// (with `error`, a `mailoauth.Error` instance).
#[pyclass(name = "DeviceOutcome", module = "mailoauth", frozen, get_all)]
pub struct PyDeviceOutcome {
    kind: &'static str,
    token: Option<Py<PyTokenSet>>,
    error: Option<PyObject>,
}

#[pymethods]
impl PyDeviceOutcome {
    fn __repr__(&self) -> String {
        format!("DeviceOutcome(kind={})", self.kind.py_repr())
    }
}

fn device_outcome(py: Python<'_>, o: &DeviceOutcome) -> PyResult<PyDeviceOutcome> {
    let plain = |kind| PyDeviceOutcome {
        kind,
        token: None,
        error: None,
    };
    Ok(match o {
        DeviceOutcome::Token(t) => PyDeviceOutcome {
            kind: "token",
            token: Some(Py::new(py, PyTokenSet::from(t.clone()))?),
            error: None,
        },
        DeviceOutcome::Declined => plain("declined"),
        DeviceOutcome::Expired => plain("expired"),
        DeviceOutcome::Failed(e) => PyDeviceOutcome {
            kind: "failed",
            token: None,
            error: Some(errors::exception(py, e)?.unbind()),
        },
    })
}

/// What the host does next: `kind` is `poll_at` (sleep until `at`), `send` (send `request`,
/// then `receive_response`), or `done` (see `outcome`).
#[pyclass(name = "DeviceAction", module = "mailoauth", frozen, get_all)]
pub struct PyDeviceAction {
    kind: &'static str,
    at: Option<u64>,
    request: Option<Py<PyHttpRequest>>,
    outcome: Option<Py<PyDeviceOutcome>>,
}

#[pymethods]
impl PyDeviceAction {
    fn __repr__(&self) -> String {
        convert::repr_record(
            "DeviceAction",
            &[("kind", self.kind.py_repr()), ("at", self.at.py_repr())],
        )
    }
}

/// The device-code polling state machine: it never sleeps and never sends.
#[pyclass(name = "DevicePoller", module = "mailoauth")]
pub struct PyDevicePoller {
    inner: DevicePoller,
}

#[pymethods]
impl PyDevicePoller {
    #[new]
    #[pyo3(signature = (*, token_url, client_id, authorization, now, client_secret = None, client_assertion = None, client_auth = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        token_url: &str,
        client_id: &str,
        authorization: PyRef<'_, DeviceAuthorization>,
        now: u64,
        client_secret: Option<String>,
        client_assertion: Option<String>,
        client_auth: Option<&str>,
    ) -> PyResult<Self> {
        let auth = self::client_auth(client_secret, client_assertion, client_auth)?;
        Ok(PyDevicePoller {
            inner: DevicePoller::with_client_auth(token_url, client_id, &authorization, now, &auth)
                .py()?,
        })
    }
    /// Replaces the credential the next polls carry (a fresh assertion before the old expires).
    #[pyo3(signature = (*, client_secret = None, client_assertion = None, client_auth = None))]
    fn set_client_auth(
        &mut self,
        client_secret: Option<String>,
        client_assertion: Option<String>,
        client_auth: Option<&str>,
    ) -> PyResult<()> {
        let auth = self::client_auth(client_secret, client_assertion, client_auth)?;
        self.inner.set_client_auth(&auth).py()
    }
    /// What to do at `now`.
    fn next_action(&mut self, py: Python<'_>, now: u64) -> PyResult<PyDeviceAction> {
        Ok(match self.inner.next_action(now) {
            DeviceAction::PollAt(at) => PyDeviceAction {
                kind: "poll_at",
                at: Some(at),
                request: None,
                outcome: None,
            },
            DeviceAction::Send(req) => PyDeviceAction {
                kind: "send",
                at: None,
                request: Some(Py::new(py, PyHttpRequest::from(req))?),
                outcome: None,
            },
            DeviceAction::Done(o) => PyDeviceAction {
                kind: "done",
                at: None,
                request: None,
                outcome: Some(Py::new(py, device_outcome(py, &o)?)?),
            },
        })
    }
    /// Hands the answer to the last `send` back, received at `now`.
    fn receive_response(&mut self, response: PyRef<'_, PyHttpResponse>, now: u64) -> PyResult<()> {
        self.inner.receive_response(&response.inner, now).py()
    }
    /// The last `send` got no answer (network failure) at `now`: back off.
    fn network_failed(&mut self, now: u64) -> PyResult<()> {
        self.inner.network_failed(now).py()
    }
    /// The current polling interval (seconds).
    #[getter]
    fn interval(&self) -> u64 {
        self.inner.interval()
    }
    /// When the next poll is due (Unix seconds).
    #[getter]
    fn next_poll_at(&self) -> u64 {
        self.inner.next_poll_at()
    }
    /// When the device code expires (Unix seconds).
    #[getter]
    fn expires_at(&self) -> u64 {
        self.inner.expires_at()
    }
    /// The outcome once done, else `None`.
    #[getter]
    fn outcome(&self, py: Python<'_>) -> PyResult<Option<PyDeviceOutcome>> {
        self.inner
            .outcome()
            .map(|o| device_outcome(py, o))
            .transpose()
    }
    fn __repr__(&self) -> String {
        convert::repr_record(
            "DevicePoller",
            &[
                ("interval", self.inner.interval().py_repr()),
                ("next_poll_at", self.inner.next_poll_at().py_repr()),
                ("expires_at", self.inner.expires_at().py_repr()),
            ],
        )
    }
}

// ------------------------------------------------------------------------------------------------
// Certificate client assertions

fn alg(s: &str) -> PyResult<AssertionAlg> {
    s.parse().py()
}

fn array<const N: usize>(name: &str, bytes: &[u8]) -> PyResult<[u8; N]> {
    bytes.try_into().map_err(|_| {
        invalid_input(format!(
            "{name} must be exactly {N} bytes, not {}",
            bytes.len()
        ))
    })
}

/// A `jti` (a version-4 GUID) from 16 random bytes (`secrets.token_bytes(16)`).
#[pyfunction]
pub fn jti_from_random(random: &[u8]) -> PyResult<String> {
    Ok(assertion::jti_from_random(&array::<16>("random", random)?))
}

/// `x5t`: base64url(SHA-1 of the certificate's DER), the thumbprint AD FS reads.
#[pyfunction]
pub fn x5t_sha1(certificate_der: &[u8]) -> String {
    assertion::x5t_sha1(certificate_der)
}

/// `x5t#S256`: base64url(SHA-256 of the certificate's DER).
#[pyfunction]
pub fn x5t_s256(certificate_der: &[u8]) -> String {
    assertion::x5t_s256(certificate_der)
}

/// The DER bytes of the first certificate in a PEM text.
#[pyfunction]
pub fn certificate_der_from_pem<'py>(py: Python<'py>, pem: &str) -> PyResult<Bound<'py, PyBytes>> {
    let der = assertion::certificate_der_from_pem(pem).py()?;
    Ok(PyBytes::new(py, &der))
}

/// A signed client assertion (compact JWS) from the certificate and private key PEM texts:
/// `jti` from `jti_from_random`, `random` (at least 32 bytes, `secrets.token_bytes(32)`) for the
/// PS256 salt; `include_x5t` adds the certificate's SHA-1 thumbprint `x5t` (AD FS). Mint a fresh
/// one for every token request.
#[pyfunction]
#[pyo3(signature = (*, client_id, token_url, certificate_pem, private_key_pem, jti, now, random, alg = "PS256", include_x5t = false))]
#[allow(clippy::too_many_arguments)]
pub fn client_assertion_from_pem(
    client_id: &str,
    token_url: &str,
    certificate_pem: &str,
    private_key_pem: &str,
    jti: &str,
    now: u64,
    random: &[u8],
    alg: &str,
    include_x5t: bool,
) -> PyResult<String> {
    let a = assertion::client_assertion_from_pem_with(
        client_id,
        token_url,
        certificate_pem,
        private_key_pem,
        jti,
        now,
        random,
        &assertion::AssertionOptions {
            alg: self::alg(alg)?,
            include_x5t,
            ..assertion::AssertionOptions::default()
        },
    )
    .py()?;
    Ok(a.expose_secret().to_owned())
}

/// What a private key (PEM: PKCS#8 or PKCS#1, any line length) is and whether it belongs to the
/// certificate (PEM), read without signing. Raises `InvalidInputError` with `code ==
/// "encrypted_private_key"` for a passphrase-protected key, `"invalid_input"` for an unreadable one.
#[pyfunction]
pub fn check_private_key(certificate_pem: &str, private_key_pem: &str) -> PyResult<KeyCheck> {
    assertion::check_private_key(certificate_pem, private_key_pem).py()
}

/// The input of a client assertion for a certificate (DER), to be signed by the caller;
/// `include_x5c` adds the certificate, `include_x5t` its SHA-1 thumbprint (AD FS).
#[pyfunction]
#[pyo3(signature = (*, client_id, token_url, certificate_der, jti, now, lifetime = 600, alg = "PS256", include_x5c = false, include_x5t = false))]
#[allow(clippy::too_many_arguments)]
pub fn build_assertion_signing_input(
    client_id: &str,
    token_url: &str,
    certificate_der: &[u8],
    jti: &str,
    now: u64,
    lifetime: u64,
    alg: &str,
    include_x5c: bool,
    include_x5t: bool,
) -> PyResult<AssertionInput> {
    assertion::build_assertion_signing_input_with(
        client_id,
        token_url,
        certificate_der,
        jti,
        now,
        &assertion::AssertionOptions {
            alg: self::alg(alg)?,
            lifetime_secs: lifetime,
            include_x5c,
            include_x5t,
        },
    )
    .py()
}

/// Adds this module's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTokenSet>()?;
    m.add_class::<DeviceAuthorization>()?;
    m.add_class::<PyPollResult>()?;
    m.add_class::<PyDeviceOutcome>()?;
    m.add_class::<PyDeviceAction>()?;
    m.add_class::<PyDevicePoller>()?;
    m.add_class::<AssertionInput>()?;
    m.add_class::<KeyCheck>()?;
    m.add_function(wrap_pyfunction!(check_private_key, m)?)?;
    m.add_function(wrap_pyfunction!(build_auth_code_request, m)?)?;
    m.add_function(wrap_pyfunction!(build_refresh_request, m)?)?;
    m.add_function(wrap_pyfunction!(build_client_credentials_request, m)?)?;
    m.add_function(wrap_pyfunction!(build_device_code_token_request, m)?)?;
    m.add_function(wrap_pyfunction!(parse_token_response, m)?)?;
    m.add_function(wrap_pyfunction!(build_device_authorization_request, m)?)?;
    m.add_function(wrap_pyfunction!(parse_device_authorization_response, m)?)?;
    m.add_function(wrap_pyfunction!(parse_device_poll_response, m)?)?;
    m.add_function(wrap_pyfunction!(jti_from_random, m)?)?;
    m.add_function(wrap_pyfunction!(x5t_s256, m)?)?;
    m.add_function(wrap_pyfunction!(x5t_sha1, m)?)?;
    m.add_function(wrap_pyfunction!(certificate_der_from_pem, m)?)?;
    m.add_function(wrap_pyfunction!(client_assertion_from_pem, m)?)?;
    m.add_function(wrap_pyfunction!(build_assertion_signing_input, m)?)?;
    Ok(())
}
