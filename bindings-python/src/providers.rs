//! `mailoauth.discovery` and `mailoauth.provider` over Python: authorization server metadata
//! (RFC 8414 / OpenID Connect Discovery), the Google preset, per-provider client-id rules, the
//! client authentication method names and HTTP-dates.

use crate::cloud::PyEndpoints;
use crate::convert::{self, PyRepr};
use crate::errors::IntoPyResult;
use crate::http::{PyHttpRequest, PyHttpResponse};
use mailoauth::cloud::Protocol;
use mailoauth::discovery::{self, ProviderMetadata};
use mailoauth::provider::{self, google, ProviderId};
use mailoauth::token::ClientAuthMethod;
use pyo3::prelude::*;

/// What an authorization server says about itself (checked: its issuer is the one asked for,
/// every endpoint is https or loopback http). Lists the server left out hold RFC 8414's defaults.
#[pyclass(name = "ProviderMetadata", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyProviderMetadata {
    inner: ProviderMetadata,
}

#[pymethods]
impl PyProviderMetadata {
    #[getter]
    fn issuer(&self) -> &str {
        &self.inner.issuer
    }
    #[getter]
    fn authorization_endpoint(&self) -> Option<&str> {
        self.inner.authorization_endpoint.as_deref()
    }
    #[getter]
    fn token_endpoint(&self) -> &str {
        &self.inner.token_endpoint
    }
    #[getter]
    fn device_authorization_endpoint(&self) -> Option<&str> {
        self.inner.device_authorization_endpoint.as_deref()
    }
    #[getter]
    fn revocation_endpoint(&self) -> Option<&str> {
        self.inner.revocation_endpoint.as_deref()
    }
    #[getter]
    fn grant_types_supported(&self) -> Vec<String> {
        self.inner.grant_types_supported.clone()
    }
    #[getter]
    fn token_endpoint_auth_methods_supported(&self) -> Vec<String> {
        self.inner.token_endpoint_auth_methods_supported.clone()
    }
    #[getter]
    fn token_endpoint_auth_signing_alg_values_supported(&self) -> Vec<String> {
        self.inner
            .token_endpoint_auth_signing_alg_values_supported
            .clone()
    }
    #[getter]
    fn scopes_supported(&self) -> Vec<String> {
        self.inner.scopes_supported.clone()
    }
    #[getter]
    fn code_challenge_methods_supported(&self) -> Vec<String> {
        self.inner.code_challenge_methods_supported.clone()
    }
    #[getter]
    fn authorization_response_iss_parameter_supported(&self) -> bool {
        self.inner.authorization_response_iss_parameter_supported
    }
    /// The endpoints for the flows (a missing one is empty), with the issuer for the `iss` check.
    fn endpoints(&self) -> PyEndpoints {
        PyEndpoints {
            inner: self.inner.endpoints(),
        }
    }
    /// Whether the server lists a grant type.
    fn supports_grant(&self, grant_type: &str) -> bool {
        self.inner.supports_grant(grant_type)
    }
    /// The client authentication method to use (`private_key_jwt` with a key, else
    /// `client_secret_basic` / `client_secret_post` with a secret, else `none`); raises
    /// `InvalidInputError` naming what the server supports when none fits.
    #[pyo3(signature = (*, has_secret, has_key))]
    fn choose_client_auth(&self, has_secret: bool, has_key: bool) -> PyResult<&'static str> {
        self.inner
            .choose_client_auth(has_secret, has_key)
            .py()
            .map(ClientAuthMethod::as_str)
    }
    fn __repr__(&self) -> String {
        let m = &self.inner;
        convert::repr_record(
            "ProviderMetadata",
            &[
                ("issuer", m.issuer.py_repr()),
                ("token_endpoint", m.token_endpoint.py_repr()),
                (
                    "token_endpoint_auth_methods_supported",
                    format!("{:?}", m.token_endpoint_auth_methods_supported),
                ),
            ],
        )
    }
}

/// The metadata addresses of an issuer, in the order to try them (OpenID Connect, then RFC 8414).
#[pyfunction]
pub fn well_known_urls(issuer: &str) -> PyResult<Vec<String>> {
    discovery::well_known_urls(issuer).py()
}

/// The `GET` of a metadata address.
#[pyfunction]
pub fn build_metadata_request(url: &str) -> PyResult<PyHttpRequest> {
    discovery::build_metadata_request(url)
        .py()
        .map(PyHttpRequest::from)
}

/// Parses and checks a metadata document received at `now` for `expected_issuer`.
#[pyfunction]
pub fn parse_provider_metadata(
    response: PyRef<'_, PyHttpResponse>,
    expected_issuer: &str,
    now: u64,
) -> PyResult<PyProviderMetadata> {
    discovery::parse_provider_metadata(&response.inner, expected_issuer, now)
        .py()
        .map(|inner| PyProviderMetadata { inner })
}

/// The client authentication method names: `client_secret_post`, `client_secret_basic`,
/// `private_key_jwt`, `none`.
#[pyfunction]
pub fn client_auth_methods() -> Vec<&'static str> {
    ClientAuthMethod::ALL.iter().map(|m| m.as_str()).collect()
}

/// The provider presets: `microsoft`, `google`.
#[pyfunction]
pub fn providers() -> Vec<&'static str> {
    ProviderId::ALL.iter().map(|p| p.as_str()).collect()
}

/// Checks a client id as `provider` issues them (a GUID for Microsoft, free-form otherwise;
/// `provider=None` is any other server: free-form).
#[pyfunction]
#[pyo3(signature = (client_id, provider = None))]
pub fn validate_provider_client_id(client_id: &str, provider: Option<&str>) -> PyResult<String> {
    match provider {
        Some(p) => ProviderId::parse(p)
            .py()?
            .validate_client_id(client_id)
            .py(),
        None => provider::validate_free_form_client_id(client_id).py(),
    }
}

/// Raises `InvalidInputError` (code `unsupported_flow`) when `provider` does not let the device
/// flow ask for `scopes` (Google and the Gmail scope).
#[pyfunction]
pub fn check_device_flow(provider: &str, scopes: Vec<String>) -> PyResult<()> {
    ProviderId::parse(provider)
        .py()?
        .check_device_flow(&scopes)
        .py()
}

/// Google's endpoints (authorize with `access_type=offline`, token, device), with its issuer.
#[pyfunction]
pub fn google_endpoints() -> PyEndpoints {
    PyEndpoints {
        inner: google::endpoints(),
    }
}

/// Google's mail scopes: `["https://mail.google.com/"]`.
#[pyfunction]
pub fn google_scopes() -> Vec<String> {
    google::scopes()
}

/// Host and port of Gmail's server for `imap`, `pop` or `smtp`.
#[pyfunction]
pub fn google_mail_server(protocol: &str) -> PyResult<(String, u16)> {
    let p: Protocol = protocol.parse().py()?;
    Ok(google::mail_server(p))
}

/// Raises `InvalidInputError` unless the redirect URI is a loopback address (Google's installed
/// apps; the out-of-band flow is retired).
#[pyfunction]
pub fn check_google_redirect_uri(redirect_uri: &str) -> PyResult<()> {
    google::check_redirect_uri(redirect_uri).py()
}

/// An HTTP-date (IMF-fixdate, RFC 850, asctime) as Unix seconds, or `None`.
#[pyfunction]
pub fn parse_http_date(text: &str, now: u64) -> Option<u64> {
    mailoauth::http::parse_http_date(text, now)
}

/// Adds this module's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyProviderMetadata>()?;
    m.add_function(wrap_pyfunction!(well_known_urls, m)?)?;
    m.add_function(wrap_pyfunction!(build_metadata_request, m)?)?;
    m.add_function(wrap_pyfunction!(parse_provider_metadata, m)?)?;
    m.add_function(wrap_pyfunction!(client_auth_methods, m)?)?;
    m.add_function(wrap_pyfunction!(providers, m)?)?;
    m.add_function(wrap_pyfunction!(validate_provider_client_id, m)?)?;
    m.add_function(wrap_pyfunction!(check_device_flow, m)?)?;
    m.add_function(wrap_pyfunction!(google_endpoints, m)?)?;
    m.add_function(wrap_pyfunction!(google_scopes, m)?)?;
    m.add_function(wrap_pyfunction!(google_mail_server, m)?)?;
    m.add_function(wrap_pyfunction!(check_google_redirect_uri, m)?)?;
    m.add_function(wrap_pyfunction!(parse_http_date, m)?)?;
    Ok(())
}
