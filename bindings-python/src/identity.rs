//! `mailoauth.pkce`, `mailoauth.authorize` and the admin-consent redirect over Python.

use crate::cloud::TenantArg;
use crate::convert::{self, cloud_or_global, redacted, CloudArg, PyRepr};
use crate::errors::{invalid_input, IntoPyResult};
use mailoauth::authorize::{self, AuthorizationCode, AuthorizeRequest, ResponseMode};
use mailoauth::consent::{self, AdminConsentResult};
use mailoauth::pkce::{self, Pkce};
use pyo3::prelude::*;

/// A PKCE verifier and its `S256` challenge (RFC 7636). `repr` never shows the verifier.
#[pyclass(name = "Pkce", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyPkce {
    inner: Pkce,
}

#[pymethods]
impl PyPkce {
    /// A verifier from 32 random bytes (`secrets.token_bytes(32)`).
    #[staticmethod]
    fn from_random(random: &[u8]) -> PyResult<Self> {
        let bytes: [u8; 32] = random.try_into().map_err(|_| {
            invalid_input(format!(
                "PKCE needs exactly 32 random bytes, not {}",
                random.len()
            ))
        })?;
        Ok(PyPkce {
            inner: Pkce::from_random(&bytes),
        })
    }
    /// A caller-supplied verifier (43–128 characters of `A-Z a-z 0-9 - . _ ~`).
    #[staticmethod]
    fn from_verifier(verifier: &str) -> PyResult<Self> {
        Ok(PyPkce {
            inner: Pkce::from_verifier(verifier).py()?,
        })
    }
    /// The verifier (a secret), sent as `code_verifier` in the token request.
    #[getter]
    fn verifier(&self) -> &str {
        self.inner.verifier().expose_secret()
    }
    /// The challenge, sent as `code_challenge` in the authorize URL.
    #[getter]
    fn challenge(&self) -> &str {
        self.inner.challenge()
    }
    /// `S256`.
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method()
    }
    fn __repr__(&self) -> String {
        convert::repr_record(
            "Pkce",
            &[
                ("verifier", redacted(true)),
                ("challenge", self.inner.challenge().py_repr()),
            ],
        )
    }
}

/// `base64url(SHA-256(verifier))` without padding.
#[pyfunction]
pub fn s256_challenge(verifier: &str) -> String {
    pkce::s256_challenge(verifier)
}

fn response_mode(s: Option<&str>) -> PyResult<Option<ResponseMode>> {
    s.map(|m| m.parse().py()).transpose()
}

/// What an authorize URL is built from; `url()` builds it.
#[pyclass(name = "AuthorizeRequest", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyAuthorizeRequest {
    inner: AuthorizeRequest,
}

#[pymethods]
impl PyAuthorizeRequest {
    #[new]
    #[pyo3(signature = (*, authorize_url, client_id, redirect_uri, scopes, state, code_challenge, response_mode = None, prompt = None, login_hint = None, domain_hint = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        authorize_url: String,
        client_id: String,
        redirect_uri: String,
        scopes: Vec<String>,
        state: String,
        code_challenge: String,
        response_mode: Option<&str>,
        prompt: Option<String>,
        login_hint: Option<String>,
        domain_hint: Option<String>,
    ) -> PyResult<Self> {
        Ok(PyAuthorizeRequest {
            inner: AuthorizeRequest {
                authorize_url,
                client_id,
                redirect_uri,
                scopes,
                state,
                code_challenge,
                response_mode: self::response_mode(response_mode)?,
                prompt,
                login_hint,
                domain_hint,
            },
        })
    }

    /// A request to the Microsoft identity platform for the delegated mail scopes of
    /// `protocols` plus `offline_access`, with the challenge of `pkce`.
    #[staticmethod]
    #[pyo3(signature = (*, tenant, client_id, redirect_uri, protocols, state, pkce, cloud = None, response_mode = None, prompt = None, login_hint = None, domain_hint = None))]
    #[allow(clippy::too_many_arguments)]
    fn microsoft(
        tenant: TenantArg,
        client_id: &str,
        redirect_uri: &str,
        protocols: Vec<String>,
        state: &str,
        pkce: PyRef<'_, PyPkce>,
        cloud: Option<CloudArg>,
        response_mode: Option<&str>,
        prompt: Option<String>,
        login_hint: Option<String>,
        domain_hint: Option<String>,
    ) -> PyResult<Self> {
        let cloud = cloud_or_global(cloud)?;
        let mut inner = AuthorizeRequest::microsoft(
            &cloud,
            &tenant.into_tenant()?,
            client_id,
            redirect_uri,
            &convert::protocols(&protocols)?,
            state,
            &pkce.inner,
        )
        .py()?;
        inner.response_mode = self::response_mode(response_mode)?;
        inner.prompt = prompt;
        inner.login_hint = login_hint;
        inner.domain_hint = domain_hint;
        Ok(PyAuthorizeRequest { inner })
    }

    /// The authorize URL to open in the browser.
    fn url(&self) -> PyResult<String> {
        authorize::build_authorize_url(&self.inner).py()
    }

    #[getter]
    fn authorize_url(&self) -> &str {
        &self.inner.authorize_url
    }
    #[getter]
    fn client_id(&self) -> &str {
        &self.inner.client_id
    }
    #[getter]
    fn redirect_uri(&self) -> &str {
        &self.inner.redirect_uri
    }
    #[getter]
    fn scopes(&self) -> Vec<String> {
        self.inner.scopes.clone()
    }
    #[getter]
    fn state(&self) -> &str {
        &self.inner.state
    }
    #[getter]
    fn code_challenge(&self) -> &str {
        &self.inner.code_challenge
    }
    #[getter]
    fn response_mode(&self) -> Option<&'static str> {
        self.inner.response_mode.map(ResponseMode::as_str)
    }
    #[getter]
    fn prompt(&self) -> Option<&str> {
        self.inner.prompt.as_deref()
    }
    #[getter]
    fn login_hint(&self) -> Option<&str> {
        self.inner.login_hint.as_deref()
    }
    #[getter]
    fn domain_hint(&self) -> Option<&str> {
        self.inner.domain_hint.as_deref()
    }
    fn __repr__(&self) -> String {
        let r = &self.inner;
        convert::repr_record(
            "AuthorizeRequest",
            &[
                ("authorize_url", r.authorize_url.py_repr()),
                ("client_id", r.client_id.py_repr()),
                ("redirect_uri", r.redirect_uri.py_repr()),
                ("scopes", r.scopes.py_repr()),
                ("state", r.state.py_repr()),
                ("code_challenge", r.code_challenge.py_repr()),
            ],
        )
    }
}

/// Reads the authorization response from the redirect URL (query or fragment), checking the
/// `state` (and `iss` when `expected_issuer` is given). Raises `SecurityError`
/// (`state_mismatch`, `issuer_mismatch`), `ServerError` (the server's `error`), `ProtocolError`.
#[pyfunction]
#[pyo3(signature = (redirect_url, *, expected_state, expected_issuer = None))]
pub fn parse_authorize_redirect(
    redirect_url: &str,
    expected_state: &str,
    expected_issuer: Option<&str>,
) -> PyResult<AuthorizationCode> {
    authorize::parse_authorize_redirect(redirect_url, expected_state, expected_issuer).py()
}

/// Same as `parse_authorize_redirect`, from bare `a=b&c=d` parameters (a `form_post` body).
#[pyfunction]
#[pyo3(signature = (params, *, expected_state, expected_issuer = None))]
pub fn parse_authorize_response_params(
    params: &str,
    expected_state: &str,
    expected_issuer: Option<&str>,
) -> PyResult<AuthorizationCode> {
    authorize::parse_authorize_response_params(params, expected_state, expected_issuer).py()
}

/// Reads the redirect after admin consent (checking `state` when given); a refusal raises
/// `ServerError` with the server's `error` and `aadsts`.
#[pyfunction]
#[pyo3(signature = (redirect_url, *, expected_state = None))]
pub fn parse_admin_consent_redirect(
    redirect_url: &str,
    expected_state: Option<&str>,
) -> PyResult<AdminConsentResult> {
    consent::parse_admin_consent_redirect(redirect_url, expected_state).py()
}

/// Adds this module's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPkce>()?;
    m.add_class::<PyAuthorizeRequest>()?;
    m.add_class::<AuthorizationCode>()?;
    m.add_class::<AdminConsentResult>()?;
    m.add_function(wrap_pyfunction!(s256_challenge, m)?)?;
    m.add_function(wrap_pyfunction!(parse_authorize_redirect, m)?)?;
    m.add_function(wrap_pyfunction!(parse_authorize_response_params, m)?)?;
    m.add_function(wrap_pyfunction!(parse_admin_consent_redirect, m)?)?;
    Ok(())
}
