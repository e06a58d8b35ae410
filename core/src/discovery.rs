//! Authorization server discovery: the well-known metadata document of an issuer (RFC 8414
//! "OAuth 2.0 Authorization Server Metadata"; OpenID Connect Discovery 1.0; docs/protocol.md
//! section 14).
//!
//! The core does no I/O: [`well_known_urls`] gives the addresses to fetch, in order, for an
//! issuer; the host `GET`s them (stopping at the first 200) and hands the response to
//! [`parse_provider_metadata`], which checks it and returns the endpoints, the grant types and
//! the client authentication methods the server supports.
//!
//! | check | error |
//! |---|---|
//! | the issuer is `https` (or `http` on loopback) with no query or fragment | [`Error::InvalidInput`] |
//! | the document is a JSON object with `issuer` and `token_endpoint` strings | [`Error::Malformed`] |
//! | its `issuer` is identical to the issuer asked for (RFC 8414 section 3.3; OpenID Connect Discovery section 4.3) | [`Error::IssuerMismatch`] |
//! | every endpoint is `https` (or `http` on loopback) | [`Error::Malformed`] |
//!
//! ```
//! use mailoauth::discovery::{parse_provider_metadata, well_known_urls};
//! use mailoauth::http::HttpResponse;
//! use mailoauth::token::ClientAuthMethod;
//!
//! let urls = well_known_urls("https://auth.example.com/tenant1")?;
//! assert_eq!(urls, [
//!     "https://auth.example.com/tenant1/.well-known/openid-configuration",
//!     "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
//! ]);
//! let doc = r#"{"issuer":"https://auth.example.com/tenant1",
//!   "token_endpoint":"https://auth.example.com/tenant1/token",
//!   "token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt"]}"#;
//! let meta = parse_provider_metadata(&HttpResponse::new(200, doc), "https://auth.example.com/tenant1", 0)?;
//! assert_eq!(meta.token_endpoint, "https://auth.example.com/tenant1/token");
//! assert_eq!(meta.choose_client_auth(true, false)?, ClientAuthMethod::ClientSecretPost);
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::cloud::{endpoint_url, validate_endpoint_url, Endpoints};
use crate::error::{quoted_excerpt, Error, Result};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::Json;
use crate::token::{success_object, ClientAuthMethod};
use serde::{Deserialize, Serialize};

/// The well-known path segment of OpenID Connect Discovery 1.0 section 4, appended to the issuer.
pub const OPENID_CONFIGURATION: &str = ".well-known/openid-configuration";

/// The well-known path segment of RFC 8414 section 3, inserted between the issuer's host and path.
pub const OAUTH_AUTHORIZATION_SERVER: &str = ".well-known/oauth-authorization-server";

/// What an authorization server says about itself (RFC 8414 section 2; the OpenID Connect
/// Discovery fields of the same names). Lists the server left out hold the defaults of RFC 8414
/// (see each field); endpoints it left out are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase", rename = "ProviderMetadataRecord")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProviderMetadata {
    /// `issuer`: the server's issuer identifier, identical to the one asked for.
    pub issuer: String,
    /// `authorization_endpoint` (browser sign-in), when the server has one.
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `device_authorization_endpoint` (RFC 8628 section 4), when the server has one.
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
    /// `code_challenge_methods_supported` (empty when not said: PKCE support unknown).
    pub code_challenge_methods_supported: Vec<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207; default false).
    pub authorization_response_iss_parameter_supported: bool,
}

/// The metadata addresses of an issuer, in the order to try them: the OpenID Connect Discovery
/// address (`{issuer}/.well-known/openid-configuration`, what Google, Microsoft and most
/// servers publish), then the RFC 8414 address (the well-known segment goes *between* the host
/// and the issuer's path: `https://h/.well-known/oauth-authorization-server/path`). For an
/// issuer without a path the RFC 8414 address is `https://h/.well-known/oauth-authorization-server`.
///
/// Fails with [`Error::InvalidInput`] when the issuer is not an `https` URL (`http` only on
/// loopback) or carries a query or fragment (RFC 8414 section 2).
pub fn well_known_urls(issuer: &str) -> Result<Vec<String>> {
    let url = check_issuer(issuer)?;
    let text = url.as_str();
    let origin_end = text
        .find("://")
        .and_then(|i| text[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(text.len());
    let (origin, path) = text.split_at(origin_end);
    let path = path.trim_end_matches('/');
    Ok(vec![
        format!("{origin}{path}/{OPENID_CONFIGURATION}"),
        format!("{origin}/{OAUTH_AUTHORIZATION_SERVER}{path}"),
    ])
}

/// The `GET` of a metadata address (from [`well_known_urls`]) with `Accept: application/json`.
/// Fails as [`validate_endpoint_url`].
pub fn build_metadata_request(url: &str) -> Result<HttpRequest> {
    Ok(HttpRequest {
        method: Method::Get,
        url: validate_endpoint_url(url)?,
        headers: vec![("Accept".to_owned(), "application/json".to_owned())],
        body: Vec::new(),
    })
}

fn check_issuer(issuer: &str) -> Result<crate::weburl::Url> {
    let url = endpoint_url(issuer)?;
    if url.query().is_some() {
        return Err(Error::invalid_input(format!(
            "issuer {} must not have a query (RFC 8414 section 2)",
            quoted_excerpt(issuer, 100)
        )));
    }
    Ok(url)
}

/// Parses and checks a metadata document received at `now` for `expected_issuer` (see the
/// [module documentation](self) for the checks). The issuer must be identical to the one asked
/// for; the only leniency is a `/` at the end of `expected_issuer` that the document's issuer
/// lacks (or the reverse), as people type issuers both ways.
///
/// Errors: [`Error::InvalidInput`] for a bad `expected_issuer`; [`Error::OAuth`] /
/// [`Error::HttpError`] for an error response (try the next address on a 404);
/// [`Error::Malformed`] for a document that is not a JSON object, lacks `issuer` or
/// `token_endpoint`, has a member of the wrong type, or names an endpoint that is not `https`;
/// [`Error::IssuerMismatch`] when the document belongs to another issuer.
pub fn parse_provider_metadata(
    resp: &HttpResponse,
    expected_issuer: &str,
    now: u64,
) -> Result<ProviderMetadata> {
    check_issuer(expected_issuer)?;
    let obj = success_object(resp, "metadata", now)?;
    let issuer = string(&obj, "issuer")?
        .ok_or_else(|| Error::malformed("the metadata document has no issuer"))?;
    let want = expected_issuer.trim();
    if issuer.trim_end_matches('/') != want.trim_end_matches('/') {
        return Err(Error::IssuerMismatch {
            expected: want.to_owned(),
            got: quoted_excerpt(&issuer, 200),
        });
    }
    let token_endpoint = endpoint(&obj, "token_endpoint")?
        .ok_or_else(|| Error::malformed("the metadata document has no token_endpoint"))?;
    let list_or = |key: &str, default: &[&str]| -> Result<Vec<String>> {
        Ok(list(&obj, key)?.unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect()))
    };
    Ok(ProviderMetadata {
        issuer,
        authorization_endpoint: endpoint(&obj, "authorization_endpoint")?,
        token_endpoint,
        device_authorization_endpoint: endpoint(&obj, "device_authorization_endpoint")?,
        revocation_endpoint: endpoint(&obj, "revocation_endpoint")?,
        grant_types_supported: list_or("grant_types_supported", &["authorization_code", "implicit"])?,
        token_endpoint_auth_methods_supported: list_or(
            "token_endpoint_auth_methods_supported",
            &["client_secret_basic"],
        )?,
        token_endpoint_auth_signing_alg_values_supported: list_or(
            "token_endpoint_auth_signing_alg_values_supported",
            &[],
        )?,
        scopes_supported: list_or("scopes_supported", &[])?,
        code_challenge_methods_supported: list_or("code_challenge_methods_supported", &[])?,
        authorization_response_iss_parameter_supported: match obj
            .get("authorization_response_iss_parameter_supported")
        {
            None | Some(Json::Null) => false,
            Some(Json::Bool(b)) => *b,
            Some(_) => {
                return Err(Error::malformed(
                    "the metadata document's authorization_response_iss_parameter_supported is not a boolean",
                ))
            }
        },
    })
}

impl ProviderMetadata {
    /// The endpoints for the flows ([`Endpoints`]; an endpoint the server lacks is empty), with
    /// the issuer to expect in an RFC 9207 `iss` redirect parameter.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            authorize_url: self.authorization_endpoint.clone().unwrap_or_default(),
            token_url: self.token_endpoint.clone(),
            device_authorization_url: self
                .device_authorization_endpoint
                .clone()
                .unwrap_or_default(),
            issuer: Some(self.issuer.clone()),
        }
    }

    /// Whether the server lists a grant type (`authorization_code`, `refresh_token`,
    /// `client_credentials`, `urn:ietf:params:oauth:grant-type:device_code`).
    pub fn supports_grant(&self, grant_type: &str) -> bool {
        self.grant_types_supported.iter().any(|g| g == grant_type)
    }

    /// Whether the server lists a client authentication method.
    pub fn supports_client_auth(&self, method: ClientAuthMethod) -> bool {
        self.token_endpoint_auth_methods_supported
            .iter()
            .any(|m| m == method.as_str())
    }

    /// The client authentication method to use with the credentials the client has:
    /// `private_key_jwt` when it has a key and the server takes it; else, with a secret,
    /// `client_secret_basic` (RFC 6749's preferred method) or `client_secret_post`; else
    /// `none`. Fails with [`Error::InvalidInput`] naming what the server supports when none of
    /// them fits.
    pub fn choose_client_auth(&self, has_secret: bool, has_key: bool) -> Result<ClientAuthMethod> {
        let mut candidates = Vec::new();
        if has_key {
            candidates.push(ClientAuthMethod::PrivateKeyJwt);
        }
        if has_secret {
            candidates.push(ClientAuthMethod::ClientSecretBasic);
            candidates.push(ClientAuthMethod::ClientSecretPost);
        }
        if !has_key && !has_secret {
            candidates.push(ClientAuthMethod::None);
        }
        candidates
            .into_iter()
            .find(|m| self.supports_client_auth(*m))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "the server {} supports client authentication {} only, but the client has {}",
                    self.issuer,
                    self.token_endpoint_auth_methods_supported.join(", "),
                    match (has_key, has_secret) {
                        (true, true) => "a key and a secret",
                        (true, false) => "a key (private_key_jwt)",
                        (false, true) => "a secret",
                        (false, false) => "no credential (a public client: none)",
                    }
                ))
            })
    }
}

fn string(obj: &Json, key: &str) -> Result<Option<String>> {
    crate::token::string_field(obj, key, "metadata")
}

fn endpoint(obj: &Json, key: &str) -> Result<Option<String>> {
    match string(obj, key)? {
        None => Ok(None),
        Some(s) => validate_endpoint_url(&s).map(Some).map_err(|_| {
            Error::malformed(format!(
                "the metadata document's {key} {} is not an https URL (http only on loopback)",
                quoted_excerpt(&s, 100)
            ))
        }),
    }
}

fn list(obj: &Json, key: &str) -> Result<Option<Vec<String>>> {
    let bad = || {
        Error::malformed(format!(
            "the metadata document's {key} is not a list of strings"
        ))
    };
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(bad))
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
