//! `mailoauth::discovery` and `mailoauth::provider`: authorization server metadata (RFC 8414,
//! OpenID Connect Discovery) and the Google preset.

use crate::discovery;
use crate::http::HttpResponse as CoreResponse;
use crate::provider::{google, ProviderId};
use crate::uniffi_api::cloud::{Endpoints, MailServer};
use crate::uniffi_api::errors::{IntoFfi, Result};
use crate::uniffi_api::http::{HttpRequest, HttpResponse};
use crate::uniffi_api::types::Protocol;

// `ProviderMetadata` is the core's own record (derived behind the feature); the core has methods
// of these names for Rust callers, so the exported ones are Rust methods of other names under the
// same foreign names.
pub use crate::discovery::ProviderMetadata;

#[uniffi::export]
impl ProviderMetadata {
    /// The endpoints for the flows (a missing one is empty), with the issuer for the `iss` check.
    #[uniffi::method(name = "endpoints")]
    pub(crate) fn ffi_endpoints(&self) -> Endpoints {
        self.endpoints()
    }

    /// Whether the server lists a grant type.
    #[uniffi::method(name = "supports_grant")]
    pub(crate) fn ffi_supports_grant(&self, grant_type: String) -> bool {
        self.supports_grant(&grant_type)
    }

    /// The client authentication method to use (`private_key_jwt` with a key, else
    /// `client_secret_basic` / `client_secret_post` with a secret, else `none`); fails with
    /// `invalid_input` naming what the server supports when none fits.
    #[uniffi::method(name = "choose_client_auth")]
    pub(crate) fn ffi_choose_client_auth(&self, has_secret: bool, has_key: bool) -> Result<String> {
        self.choose_client_auth(has_secret, has_key)
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
    discovery::parse_provider_metadata(&CoreResponse::from(&response), &expected_issuer, now).ffi()
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
    google::endpoints()
}

/// Google's mail scopes: `["https://mail.google.com/"]`.
#[uniffi::export]
pub fn google_scopes() -> Vec<String> {
    google::scopes()
}

/// Host and port of Gmail's server for a protocol.
#[uniffi::export]
pub fn google_mail_server(protocol: Protocol) -> MailServer {
    let (host, port) = google::mail_server(protocol);
    MailServer { host, port }
}

/// Fails with `invalid_input` unless the redirect URI is a loopback address (Google's installed
/// apps; the out-of-band `urn:ietf:wg:oauth:2.0:oob` flow is retired).
#[uniffi::export]
pub fn check_google_redirect_uri(redirect_uri: String) -> Result<()> {
    google::check_redirect_uri(&redirect_uri).ffi()
}
