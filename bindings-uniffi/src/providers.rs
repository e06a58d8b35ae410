//! `mailoauth::discovery` and `mailoauth::provider`: authorization server metadata (RFC 8414,
//! OpenID Connect Discovery) and the Google preset.

use crate::cloud::{Endpoints, MailServer};
use crate::errors::{IntoFfi, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::types::Protocol;
use mailoauth::discovery::{self, ProviderMetadata as CoreMetadata};
use mailoauth::http::HttpResponse as CoreResponse;
use mailoauth::provider::{google, ProviderId};

/// What an authorization server says about itself (RFC 8414 section 2), checked: its issuer is
/// the one asked for, every endpoint is `https` (or `http` on loopback). Lists the server left
/// out hold RFC 8414's defaults.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProviderMetadata {
    /// `issuer`, identical to the one asked for.
    pub issuer: String,
    /// `authorization_endpoint`, when the server has one.
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `device_authorization_endpoint` (RFC 8628), when the server has one.
    pub device_authorization_endpoint: Option<String>,
    /// `revocation_endpoint` (RFC 7009), when the server has one.
    pub revocation_endpoint: Option<String>,
    /// `grant_types_supported` (default `authorization_code`, `implicit`).
    pub grant_types_supported: Vec<String>,
    /// `token_endpoint_auth_methods_supported` (default `client_secret_basic`).
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// `token_endpoint_auth_signing_alg_values_supported` (empty when not said).
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// `scopes_supported` (empty when not said).
    pub scopes_supported: Vec<String>,
    /// `code_challenge_methods_supported` (empty when not said).
    pub code_challenge_methods_supported: Vec<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207; default false).
    pub authorization_response_iss_parameter_supported: bool,
}

impl From<CoreMetadata> for ProviderMetadata {
    fn from(m: CoreMetadata) -> Self {
        ProviderMetadata {
            issuer: m.issuer,
            authorization_endpoint: m.authorization_endpoint,
            token_endpoint: m.token_endpoint,
            device_authorization_endpoint: m.device_authorization_endpoint,
            revocation_endpoint: m.revocation_endpoint,
            grant_types_supported: m.grant_types_supported,
            token_endpoint_auth_methods_supported: m.token_endpoint_auth_methods_supported,
            token_endpoint_auth_signing_alg_values_supported: m
                .token_endpoint_auth_signing_alg_values_supported,
            scopes_supported: m.scopes_supported,
            code_challenge_methods_supported: m.code_challenge_methods_supported,
            authorization_response_iss_parameter_supported: m
                .authorization_response_iss_parameter_supported,
        }
    }
}

impl From<&ProviderMetadata> for CoreMetadata {
    fn from(m: &ProviderMetadata) -> Self {
        let m = m.clone();
        CoreMetadata {
            issuer: m.issuer,
            authorization_endpoint: m.authorization_endpoint,
            token_endpoint: m.token_endpoint,
            device_authorization_endpoint: m.device_authorization_endpoint,
            revocation_endpoint: m.revocation_endpoint,
            grant_types_supported: m.grant_types_supported,
            token_endpoint_auth_methods_supported: m.token_endpoint_auth_methods_supported,
            token_endpoint_auth_signing_alg_values_supported: m
                .token_endpoint_auth_signing_alg_values_supported,
            scopes_supported: m.scopes_supported,
            code_challenge_methods_supported: m.code_challenge_methods_supported,
            authorization_response_iss_parameter_supported: m
                .authorization_response_iss_parameter_supported,
        }
    }
}

#[uniffi::export]
impl ProviderMetadata {
    /// The endpoints for the flows (a missing one is empty), with the issuer for the `iss` check.
    pub fn endpoints(&self) -> Endpoints {
        CoreMetadata::from(self).endpoints().into()
    }

    /// Whether the server lists a grant type.
    pub fn supports_grant(&self, grant_type: String) -> bool {
        CoreMetadata::from(self).supports_grant(&grant_type)
    }

    /// The client authentication method to use (`private_key_jwt` with a key, else
    /// `client_secret_basic` / `client_secret_post` with a secret, else `none`); fails with
    /// `invalid_input` naming what the server supports when none fits.
    pub fn choose_client_auth(&self, has_secret: bool, has_key: bool) -> Result<String> {
        CoreMetadata::from(self)
            .choose_client_auth(has_secret, has_key)
            .ffi()
            .map(|m| m.as_str().to_owned())
    }
}

/// The metadata addresses of an issuer, in the order to try them: OpenID Connect Discovery's
/// `{issuer}/.well-known/openid-configuration`, then RFC 8414's
/// `https://host/.well-known/oauth-authorization-server{path}`.
#[uniffi::export]
pub fn well_known_urls(issuer: String) -> Result<Vec<String>> {
    discovery::well_known_urls(&issuer).ffi()
}

/// The `GET` of a metadata address (`Accept: application/json`).
#[uniffi::export]
pub fn build_metadata_request(url: String) -> Result<HttpRequest> {
    discovery::build_metadata_request(&url)
        .ffi()
        .map(HttpRequest::from)
}

/// Parses and checks a metadata document received at `now` (Unix seconds) for
/// `expected_issuer`; fails with `issuer_mismatch`, `malformed`, `http_error` or `invalid_input`.
#[uniffi::export]
pub fn parse_provider_metadata(
    response: HttpResponse,
    expected_issuer: String,
    now: u64,
) -> Result<ProviderMetadata> {
    discovery::parse_provider_metadata(&CoreResponse::from(&response), &expected_issuer, now)
        .ffi()
        .map(ProviderMetadata::from)
}

/// Fails with `unsupported_flow` when `provider` (`microsoft`, `google`) does not let the device
/// flow ask for `scopes` (Google and the Gmail scope: sign in with the browser instead).
#[uniffi::export]
pub fn check_device_flow(provider: String, scopes: Vec<String>) -> Result<()> {
    ProviderId::parse(&provider)
        .ffi()?
        .check_device_flow(&scopes)
        .ffi()
}

/// Google's endpoints (authorize with `access_type=offline`, token, device), with its issuer.
#[uniffi::export]
pub fn google_endpoints() -> Endpoints {
    google::endpoints().into()
}

/// Google's mail scopes: `["https://mail.google.com/"]`.
#[uniffi::export]
pub fn google_scopes() -> Vec<String> {
    google::scopes()
}

/// Host and port of Gmail's server for a protocol.
#[uniffi::export]
pub fn google_mail_server(protocol: Protocol) -> MailServer {
    let (host, port) = google::mail_server(protocol.into());
    MailServer { host, port }
}

/// Fails with `invalid_input` unless the redirect URI is a loopback address (Google's installed
/// apps; the out-of-band `urn:ietf:wg:oauth:2.0:oob` flow is retired).
#[uniffi::export]
pub fn check_google_redirect_uri(redirect_uri: String) -> Result<()> {
    google::check_redirect_uri(&redirect_uri).ffi()
}
