//! `mailoauth::pkce`, `mailoauth::authorize` and `mailoauth::consent`: PKCE, the authorize URL
//! and redirect, the admin-consent URL and redirect.

use crate::authorize;
use crate::cloud::{Cloud, Tenant as CoreTenant};
use crate::consent::{self, AdminConsentRequest};
use crate::pkce::{self, Pkce as CorePkce};
use crate::uniffi_api::errors::{IntoFfi, MailoauthError, Result};
use crate::uniffi_api::types::{ConsentVariant, Protocol};
use std::fmt;

/// A PKCE verifier and its `S256` challenge (RFC 7636). `toString()` never shows the verifier.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct Pkce {
    /// The verifier (a secret), sent as `code_verifier` in the token request.
    pub verifier: String,
    /// The challenge, sent as `code_challenge` in the authorize URL.
    pub challenge: String,
    /// `S256`.
    pub method: String,
}

impl From<CorePkce> for Pkce {
    fn from(p: CorePkce) -> Self {
        Pkce {
            verifier: p.verifier().expose_secret().to_owned(),
            challenge: p.challenge().to_owned(),
            method: p.method().to_owned(),
        }
    }
}

impl fmt::Display for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pkce(verifier=[redacted], challenge={:?}, method={:?})",
            self.challenge, self.method
        )
    }
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A PKCE pair from exactly 32 random bytes (`SecureRandom`, `SecRandomCopyBytes`).
#[uniffi::export]
pub fn pkce_from_random(random: Vec<u8>) -> Result<Pkce> {
    let bytes: [u8; 32] = random.as_slice().try_into().map_err(|_| {
        MailoauthError::invalid_input(format!(
            "PKCE needs exactly 32 random bytes, not {}",
            random.len()
        ))
    })?;
    Ok(CorePkce::from_random(&bytes).into())
}

/// A PKCE pair from a caller-supplied verifier (43–128 characters of `A-Z a-z 0-9 - . _ ~`).
#[uniffi::export]
pub fn pkce_from_verifier(verifier: String) -> Result<Pkce> {
    CorePkce::from_verifier(&verifier).ffi().map(Pkce::from)
}

/// `base64url(SHA-256(verifier))` without padding.
#[uniffi::export]
pub fn s256_challenge(verifier: String) -> String {
    pkce::s256_challenge(&verifier)
}

// `AuthorizeRequest`, `AuthorizationCode` and `AdminConsentResult` are the core's own records
// (derived behind the feature); the code is a `Secret`.
pub use crate::authorize::{AuthorizationCode, AuthorizeRequest};
pub use crate::consent::AdminConsentResult;

/// Kotlin `toString()` and Swift `description`: the `Debug` text, whose code is redacted.
impl fmt::Display for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A request to the Microsoft identity platform for the delegated mail scopes of `protocols`
/// plus `offline_access`, with the challenge of `pkce`.
#[uniffi::export]
pub fn authorize_request_microsoft(
    cloud: Cloud,
    tenant: String,
    client_id: String,
    redirect_uri: String,
    protocols: Vec<Protocol>,
    state: String,
    pkce: Pkce,
) -> Result<AuthorizeRequest> {
    let tenant = CoreTenant::parse(&tenant).ffi()?;
    let core_pkce = CorePkce::from_verifier(&pkce.verifier).ffi()?;
    AuthorizeRequest::microsoft(
        &cloud,
        &tenant,
        &client_id,
        &redirect_uri,
        &protocols,
        &state,
        &core_pkce,
    )
    .ffi()
}

/// The authorize URL to open in the browser.
#[uniffi::export]
pub fn authorize_url(request: AuthorizeRequest) -> Result<String> {
    authorize::build_authorize_url(&request).ffi()
}

/// Reads the authorization response from the redirect URL (query or fragment), checking
/// `state` (and `iss` when `expected_issuer` is given). Fails with `Security`
/// (`state_mismatch`, `issuer_mismatch`), `Server` (the server's `error`) or `Protocol`.
#[uniffi::export(default(expected_issuer = None))]
pub fn parse_authorize_redirect(
    redirect_url: String,
    expected_state: String,
    expected_issuer: Option<String>,
) -> Result<AuthorizationCode> {
    authorize::parse_authorize_redirect(&redirect_url, &expected_state, expected_issuer.as_deref())
        .ffi()
}

/// Same as `parseAuthorizeRedirect`, from bare `a=b&c=d` parameters (a `form_post` body).
#[uniffi::export(default(expected_issuer = None))]
pub fn parse_authorize_response_params(
    params: String,
    expected_state: String,
    expected_issuer: Option<String>,
) -> Result<AuthorizationCode> {
    authorize::parse_authorize_response_params(&params, &expected_state, expected_issuer.as_deref())
        .ffi()
}

/// The admin-consent URL for a tenant and app; `scope` defaults to the IMAP/POP app-only
/// consent scope.
#[uniffi::export(default(redirect_uri = None, scope = None, state = None))]
pub fn admin_consent_url(
    cloud: Cloud,
    tenant: String,
    client_id: String,
    variant: ConsentVariant,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
) -> Result<String> {
    let mut req = AdminConsentRequest::new(tenant, client_id);
    req.cloud = cloud;
    req.redirect_uri = redirect_uri;
    req.scope = scope;
    req.state = state;
    req.variant = variant;
    consent::build_admin_consent_url(&req).ffi()
}

/// The scope to consent to for app-only access to protocols.
#[uniffi::export]
pub fn admin_consent_scope(cloud: Cloud, protocols: Vec<Protocol>) -> String {
    consent::admin_consent_scope(&cloud, &protocols)
}

/// Reads the redirect after admin consent (checking `state` when given); a refusal fails with
/// `Server` (the server's `error`, `aadsts` in the details).
#[uniffi::export(default(expected_state = None))]
pub fn parse_admin_consent_redirect(
    redirect_url: String,
    expected_state: Option<String>,
) -> Result<AdminConsentResult> {
    consent::parse_admin_consent_redirect(&redirect_url, expected_state.as_deref()).ffi()
}
