//! Token requests for every grant, token-response parsing, and the [`TokenSet`] a host keeps
//! (RFC 6749 sections 4.1.3, 4.4, 5 and 6; RFC 7636 section 4.5; RFC 7523 section 2.2;
//! RFC 8628 section 3.4; Microsoft identity platform "OAuth 2.0 authorization code flow",
//! "client credentials flow" and "device authorization grant"; docs/protocol.md section 3).
//!
//! Each request is an [`HttpRequest`] value: an `application/x-www-form-urlencoded` `POST` to the
//! token endpoint with exactly the fields the grant needs and nothing else. The host sends it with
//! its own HTTP client and hands the [`HttpResponse`] to [`parse_token_response`].
//!
//! | grant | request (or its shorthand from text) | fields, in order |
//! |---|---|---|
//! | authorization code + PKCE | [`AuthCodeRequest`] ([`build_auth_code_request`]) | `grant_type=authorization_code`, `client_id`, `code`, `redirect_uri`, `code_verifier`, `scope`, client auth |
//! | refresh | [`RefreshRequest`] ([`build_refresh_request`]) | `grant_type=refresh_token`, `client_id`, `refresh_token`, `scope`, client auth |
//! | client credentials | [`ClientCredentialsRequest`] ([`build_client_credentials_request`]) | `grant_type=client_credentials`, `client_id`, `scope`, client auth (required) |
//! | device code | [`build_device_code_token_request_with_auth`] | `grant_type=urn:ietf:params:oauth:grant-type:device_code`, `client_id`, `device_code`, client auth |
//!
//! The request structs hold the client id, redirect URI and scopes as checked values
//! ([`crate::types`]: [`ClientId`], [`RedirectUri`], [`Scope`]), so the authorize URL and the
//! token request accept and refuse the same values; the `build_*` functions check text first.
//!
//! "Client auth" is [`ClientAuth`], one of the four methods of [`ClientAuthMethod`]: nothing
//! (`none`, a public client), `client_secret` in the body (`client_secret_post`), an
//! `Authorization: Basic` header (`client_secret_basic`, [`basic_authorization`]), or
//! `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` +
//! `client_assertion` (`private_key_jwt`, a certificate-signed JWT from [`crate::assertion`]). An empty scope list
//! leaves `scope` out (the server then uses the scopes of the original grant); Entra wants it.
//!
//! # Which errors mean what
//!
//! A failed token request is one of three things, and the difference matters for refresh tokens:
//!
//! - **Sign in again** ([`requires_new_sign_in`] is true): the grant itself is dead. `error`
//!   `invalid_grant` (covers AADSTS70000, 70008 and 700082 expired or unused refresh tokens, 50173
//!   and 50133 grants revoked by a password change, 700084 one-day SPA refresh tokens),
//!   `interaction_required` / `login_required` / `consent_required` (MFA, Conditional Access,
//!   consent: only an interactive sign-in fixes it). Drop the refresh token and start the
//!   authorization-code or device flow again.
//! - **Retry later** ([`Error::is_transient`] is true): HTTP 429 or 5xx, `temporarily_unavailable`,
//!   and every network failure the host sees (no response at all). Wait (honour
//!   `Retry-After`, kept in [`Error::HttpError`] and [`OAuthError::retry_after`]) and try again
//!   with the same refresh token. **Never throw a refresh token away over a transient error**:
//!   the grant is still alive, and a user who is asked to sign in again over an outage learns to
//!   distrust the app.
//! - **Fix the configuration**: everything else (`invalid_client` — a wrong or expired secret,
//!   AADSTS7000215/7000222 —, `unauthorized_client`, `invalid_scope`, AADSTS700016 wrong tenant
//!   or client id, ...). Retrying does not help and neither does signing in again; the
//!   [`crate::diagnose`] catalogue explains the AADSTS code.
//!
//! ```
//! use mailoauth::token::{build_refresh_request, ClientAuth};
//! use mailoauth::Secret;
//!
//! let req = build_refresh_request(
//!     "https://login.microsoftonline.com/common/oauth2/v2.0/token",
//!     "9e5f94bc-e8a4-4e73-b8be-63364c29d753",
//!     &Secret::new("0.AAAA-refresh"),
//!     &["https://outlook.office.com/IMAP.AccessAsUser.All".to_owned(), "offline_access".to_owned()],
//!     &ClientAuth::None,
//! )?;
//! assert_eq!(req.method.as_str(), "POST");
//! assert_eq!(
//!     String::from_utf8(req.body).unwrap(),
//!     "grant_type=refresh_token&client_id=9e5f94bc-e8a4-4e73-b8be-63364c29d753\
//!      &refresh_token=0.AAAA-refresh\
//!      &scope=https%3A%2F%2Foutlook.office.com%2FIMAP.AccessAsUser.All+offline_access"
//! );
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::cloud::validate_endpoint_url;
use crate::error::{Error, OAuthError, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{self, Json, WholePart};
use crate::secret::Secret;
use crate::types::{ClientId, RedirectUri, Scope};
use serde::{Deserialize, Serialize};

/// `client_assertion_type` of a JWT client assertion (RFC 7523 section 2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// `grant_type` of the device-code token request (RFC 8628 section 3.4).
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// AADSTS codes that mean the grant is dead and the user must sign in again (docs/protocol.md
/// section 7): 70008 / 700082 expired or unused refresh token, 700084 one-day SPA refresh token,
/// 50173 / 50133 grant revoked by a password change.
pub const SIGN_IN_AGAIN_AADSTS: [u32; 5] = [70008, 700082, 700084, 50173, 50133];

/// How the client proves who it is at the token endpoint (RFC 6749 section 2.3; the method
/// names of RFC 8414 / OpenID Connect Discovery `token_endpoint_auth_methods_supported`, see
/// [`ClientAuthMethod`]). Every token request builder ([`build_auth_code_request`],
/// [`build_refresh_request`], [`build_client_credentials_request`], the device-flow builders of
/// [`crate::device`]) applies it the same way ([`ClientAuth::apply`]).
///
/// `Debug` never shows the secret or the assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuth {
    /// A public client (`none`: desktop, mobile, browser, device code): no credential is sent.
    None,
    /// A confidential client's `client_secret` in the form body (`client_secret_post`). Paste
    /// the secret's *value*, not its ID (AADSTS7000215).
    Secret(Secret),
    /// A confidential client's secret in an `Authorization: Basic` header
    /// (`client_secret_basic`, RFC 6749 section 2.3.1): `base64(form_urlencode(client_id) ":"
    /// form_urlencode(secret))`. The form body keeps `client_id` and carries no secret.
    SecretBasic(Secret),
    /// A signed JWT client assertion (`private_key_jwt`, RFC 7523; see [`crate::assertion`]),
    /// sent as `client_assertion_type` + `client_assertion`. Mint a fresh one for every request.
    Assertion(Secret),
}

/// The name of a client authentication method, as RFC 8414 section 2 and OpenID Connect
/// Discovery list them in `token_endpoint_auth_methods_supported` (registry of RFC 7591
/// section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// `none`: a public client.
    None,
    /// `client_secret_post`: the secret in the form body.
    ClientSecretPost,
    /// `client_secret_basic`: the secret in HTTP Basic (the default of RFC 8414 when a server
    /// lists nothing).
    ClientSecretBasic,
    /// `private_key_jwt`: an RFC 7523 assertion signed with the client's key.
    PrivateKeyJwt,
}

impl ClientAuthMethod {
    /// Every method, in the order the CLI offers them.
    pub const ALL: [ClientAuthMethod; 4] = [
        ClientAuthMethod::ClientSecretPost,
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::PrivateKeyJwt,
        ClientAuthMethod::None,
    ];

    /// The wire name (`none`, `client_secret_post`, `client_secret_basic`, `private_key_jwt`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuthMethod::None => "none",
            ClientAuthMethod::ClientSecretPost => "client_secret_post",
            ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
            ClientAuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// Reads a wire name. Fails with [`Error::InvalidInput`] naming the four known methods
    /// (`client_secret_jwt`, `tls_client_auth`, ... are not supported).
    pub fn parse(name: &str) -> Result<ClientAuthMethod> {
        ClientAuthMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == name.trim())
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "client authentication method {} is not one of client_secret_post, client_secret_basic, private_key_jwt, none",
                    crate::error::quoted_excerpt(name, 40)
                ))
            })
    }

    /// Whether the method sends a client secret.
    pub fn uses_secret(self) -> bool {
        matches!(
            self,
            ClientAuthMethod::ClientSecretPost | ClientAuthMethod::ClientSecretBasic
        )
    }

    /// The [`ClientAuth`] of this method with its credential: the secret for the two secret
    /// methods, the signed assertion for `private_key_jwt`, nothing for `none`. Fails with
    /// [`Error::InvalidInput`] when the credential is missing, or given for `none`.
    pub fn with_credential(self, credential: Option<Secret>) -> Result<ClientAuth> {
        match (self, credential) {
            (ClientAuthMethod::None, None) => Ok(ClientAuth::None),
            (ClientAuthMethod::None, Some(_)) => Err(Error::invalid_input(
                "client authentication none sends no credential, but one was given",
            )),
            (ClientAuthMethod::ClientSecretPost, Some(s)) => Ok(ClientAuth::Secret(s)),
            (ClientAuthMethod::ClientSecretBasic, Some(s)) => Ok(ClientAuth::SecretBasic(s)),
            (ClientAuthMethod::PrivateKeyJwt, Some(a)) => Ok(ClientAuth::Assertion(a)),
            (m, None) => Err(Error::invalid_input(format!(
                "client authentication {} needs {}",
                m.as_str(),
                if m.uses_secret() {
                    "a client secret"
                } else {
                    "a signed client assertion (certificate and private key)"
                }
            ))),
        }
    }
}

impl std::fmt::Display for ClientAuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ClientAuthMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ClientAuthMethod::parse(s)
    }
}

impl ClientAuth {
    /// The credential of a request from what a caller gave: a client secret, a signed client
    /// assertion, and optionally the method by name ([`ClientAuthMethod::parse`]). Without a
    /// method, a secret is sent in the body (`client_secret_post`), an assertion as
    /// `private_key_jwt`, and neither means a public client ([`ClientAuth::None`]). With a
    /// method, the credential must be the one it sends ([`ClientAuthMethod::with_credential`]).
    ///
    /// Every binding turns its arguments into a credential with this, so they accept and refuse
    /// the same combinations. Fails with [`Error::InvalidInput`] for both a secret and an
    /// assertion, a secret for a method that sends none (`none`, `private_key_jwt`), an assertion
    /// for a method other than `private_key_jwt`, or a method without its credential. The
    /// messages never hold a credential.
    ///
    /// ```
    /// use mailoauth::token::{ClientAuth, ClientAuthMethod};
    /// use mailoauth::Secret;
    ///
    /// let basic = ClientAuth::from_parts(Some(Secret::new("s")), None, Some(ClientAuthMethod::ClientSecretBasic))?;
    /// assert_eq!(basic.method(), ClientAuthMethod::ClientSecretBasic);
    /// assert_eq!(ClientAuth::from_parts(None, None, None)?, ClientAuth::None);
    /// assert!(ClientAuth::from_parts(Some(Secret::new("s")), Some(Secret::new("a")), None).is_err());
    /// # Ok::<(), mailoauth::Error>(())
    /// ```
    // Inlined so a caller with a constant `None` method (the web page) carries no method branches.
    #[inline]
    pub fn from_parts(
        client_secret: Option<Secret>,
        client_assertion: Option<Secret>,
        method: Option<ClientAuthMethod>,
    ) -> Result<ClientAuth> {
        match (client_secret, client_assertion, method) {
            (Some(_), Some(_), _) => Err(Error::invalid_input(
                "give a client secret or a client assertion, not both",
            )),
            (Some(_), None, Some(m)) if !m.uses_secret() => Err(Error::invalid_input(format!(
                "client authentication {} sends no client secret",
                m.as_str()
            ))),
            (None, Some(_), Some(m)) if m != ClientAuthMethod::PrivateKeyJwt => {
                Err(Error::invalid_input(format!(
                    "client authentication {} sends no client assertion (only private_key_jwt does)",
                    m.as_str()
                )))
            }
            (s, a, Some(m)) => m.with_credential(s.or(a)),
            (Some(s), None, None) => Ok(ClientAuth::Secret(s)),
            (None, Some(a), None) => Ok(ClientAuth::Assertion(a)),
            (None, None, None) => Ok(ClientAuth::None),
        }
    }

    /// The method this credential is sent with.
    pub fn method(&self) -> ClientAuthMethod {
        match self {
            ClientAuth::None => ClientAuthMethod::None,
            ClientAuth::Secret(_) => ClientAuthMethod::ClientSecretPost,
            ClientAuth::SecretBasic(_) => ClientAuthMethod::ClientSecretBasic,
            ClientAuth::Assertion(_) => ClientAuthMethod::PrivateKeyJwt,
        }
    }

    /// Adds this credential to a token-endpoint form request of `client_id`: form fields
    /// (`client_secret`, or `client_assertion_type` + `client_assertion`) appended to the body,
    /// or an `Authorization: Basic` header ([`basic_authorization`]). The builders of this crate
    /// call it; a host that builds another request of the token endpoint can too.
    ///
    /// Fails with [`Error::InvalidInput`] on an empty credential or a control character in it
    /// (the message never holds the value).
    pub fn apply(&self, request: &mut HttpRequest, client_id: &str) -> Result<()> {
        let mut fields: Vec<(&'static str, &str)> = Vec::new();
        match self {
            ClientAuth::None => return Ok(()),
            ClientAuth::Secret(s) => {
                check_value("client_secret", s.expose_secret())?;
                fields.push(("client_secret", s.expose_secret()));
            }
            ClientAuth::SecretBasic(s) => {
                check_value("client_secret", s.expose_secret())?;
                let value = basic_authorization(client_id, s)?;
                request
                    .headers
                    .push(("Authorization".to_owned(), value.expose_secret().to_owned()));
                return Ok(());
            }
            ClientAuth::Assertion(a) => {
                check_value("client_assertion", a.expose_secret())?;
                fields.push(("client_assertion_type", JWT_BEARER_ASSERTION_TYPE));
                fields.push(("client_assertion", a.expose_secret()));
            }
        }
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            ser.append_pair(k, v);
        }
        let extra = ser.finish();
        if !request.body.is_empty() {
            request.body.push(b'&');
        }
        request.body.extend_from_slice(extra.as_bytes());
        Ok(())
    }
}

/// The `Authorization` header value of `client_secret_basic` (RFC 6749 section 2.3.1):
/// `Basic base64(form_urlencode(client_id) ":" form_urlencode(client_secret))`, each part encoded
/// with the `application/x-www-form-urlencoded` algorithm of RFC 6749 appendix B (UTF-8, a space
/// as `+`), so a `:` in either becomes `%3A` and non-ASCII text is percent-encoded UTF-8.
///
/// Fails with [`Error::InvalidInput`] on an empty or control-character id or secret.
///
/// ```
/// use mailoauth::{token::basic_authorization, Secret};
/// let v = basic_authorization("s6BhdRkqt3", &Secret::new("7Fjfp0ZBr1KtDRbnfVdmIw"))?;
/// assert_eq!(v.expose_secret(), "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3");
/// # Ok::<(), mailoauth::Error>(())
/// ```
pub fn basic_authorization(client_id: &str, client_secret: &Secret) -> Result<Secret> {
    check_value("client_id", client_id)?;
    check_value("client_secret", client_secret.expose_secret())?;
    let id: String = form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    let secret: String =
        form_urlencoded::byte_serialize(client_secret.expose_secret().as_bytes()).collect();
    Ok(Secret::new(format!(
        "Basic {}",
        crate::b64::encode(format!("{id}:{secret}").as_bytes())
    )))
}

/// Builds the form request and applies the client's credential.
fn form_with_auth(
    url: String,
    fields: &[(&str, &str)],
    client_id: &ClientId,
    client_auth: &ClientAuth,
) -> Result<HttpRequest> {
    let mut req = HttpRequest::form_post(url, fields);
    client_auth.apply(&mut req, client_id.as_str())?;
    Ok(req)
}

/// The token request of the authorization-code grant with PKCE (RFC 6749 section 4.1.3,
/// RFC 7636 section 4.5), built by [`AuthCodeRequest::build`]: `grant_type=authorization_code`,
/// `client_id`, `code`, `redirect_uri` (exactly the one of the authorize request), `code_verifier`,
/// `scope` (space separated; left out when `scopes` is empty), then the client's credential, if
/// any.
///
/// ```
/// use mailoauth::token::{AuthCodeRequest, ClientAuth};
/// use mailoauth::{ClientId, RedirectUri, Scope, Secret};
///
/// let req = AuthCodeRequest {
///     token_url: "https://login.microsoftonline.com/organizations/oauth2/v2.0/token".into(),
///     client_id: ClientId::new("9e5f94bc-e8a4-4e73-b8be-63364c29d753")?,
///     code: Secret::new("the-code"),
///     redirect_uri: RedirectUri::new("http://localhost:8400/")?,
///     code_verifier: Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
///     scopes: Scope::list(&["https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"])?,
///     client_auth: ClientAuth::None,
/// }
/// .build()?;
/// assert!(String::from_utf8(req.body)?.starts_with("grant_type=authorization_code&client_id=9e5f94bc"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCodeRequest {
    /// The token endpoint (checked by [`validate_endpoint_url`] when built).
    pub token_url: String,
    /// The client id.
    pub client_id: ClientId,
    /// The authorization code of the redirect ([`crate::authorize::AuthorizationCode::code`]).
    pub code: Secret,
    /// The redirect URI, exactly as sent in the authorize request.
    pub redirect_uri: RedirectUri,
    /// The PKCE verifier ([`crate::pkce::Pkce::verifier`]).
    pub code_verifier: Secret,
    /// The scopes; empty leaves `scope` out.
    pub scopes: Vec<Scope>,
    /// The client's credential ([`ClientAuth::None`] for a public client).
    pub client_auth: ClientAuth,
}

impl AuthCodeRequest {
    /// The request. Fails with [`Error::InvalidInput`] on a bad token URL, an empty code, a
    /// control character in it, or a verifier outside RFC 7636 section 4.1 (43–128 characters of
    /// `A-Z a-z 0-9 - . _ ~`); the client id, redirect URI and scopes were checked when made.
    pub fn build(&self) -> Result<HttpRequest> {
        let url = endpoint(&self.token_url)?;
        check_value("code", self.code.expose_secret())?;
        check_verifier(self.code_verifier.expose_secret())?;
        let scope = Scope::join(&self.scopes);
        let mut fields: Vec<(&'static str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("client_id", self.client_id.as_str()),
            ("code", self.code.expose_secret()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", self.code_verifier.expose_secret()),
        ];
        if !scope.is_empty() {
            fields.push(("scope", &scope));
        }
        form_with_auth(url, &fields, &self.client_id, &self.client_auth)
    }
}

/// [`AuthCodeRequest::build`] from unchecked text: the client id ([`ClientId::new`]), redirect
/// URI ([`RedirectUri::new`]) and scopes ([`Scope::list`]) are checked first, then the request is
/// built. Errors: those of the three checks and of [`AuthCodeRequest::build`].
pub fn build_auth_code_request(
    token_url: &str,
    client_id: &str,
    code: &Secret,
    redirect_uri: &str,
    code_verifier: &Secret,
    scopes: &[String],
    client_auth: &ClientAuth,
) -> Result<HttpRequest> {
    let url = endpoint(token_url)?;
    AuthCodeRequest {
        token_url: url,
        client_id: ClientId::new(client_id)?,
        code: code.clone(),
        redirect_uri: RedirectUri::new(redirect_uri)?,
        code_verifier: code_verifier.clone(),
        scopes: Scope::list(scopes)?,
        client_auth: client_auth.clone(),
    }
    .build()
}

/// The refresh request (RFC 6749 section 6), built by [`RefreshRequest::build`]:
/// `grant_type=refresh_token`, `client_id`, `refresh_token`, `scope` (left out when `scopes` is
/// empty), then the client's credential, if any. The response may carry a new refresh token:
/// keep it with [`TokenSet::merge_refresh`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRequest {
    /// The token endpoint (checked by [`validate_endpoint_url`] when built).
    pub token_url: String,
    /// The client id.
    pub client_id: ClientId,
    /// The refresh token ([`TokenSet::refresh_token`]).
    pub refresh_token: Secret,
    /// The scopes; empty leaves `scope` out.
    pub scopes: Vec<Scope>,
    /// The client's credential ([`ClientAuth::None`] for a public client).
    pub client_auth: ClientAuth,
}

impl RefreshRequest {
    /// The request. Fails with [`Error::InvalidInput`] on a bad token URL, or an empty refresh
    /// token or a control character in it.
    pub fn build(&self) -> Result<HttpRequest> {
        let url = endpoint(&self.token_url)?;
        check_value("refresh_token", self.refresh_token.expose_secret())?;
        let scope = Scope::join(&self.scopes);
        let mut fields: Vec<(&'static str, &str)> = vec![
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("refresh_token", self.refresh_token.expose_secret()),
        ];
        if !scope.is_empty() {
            fields.push(("scope", &scope));
        }
        form_with_auth(url, &fields, &self.client_id, &self.client_auth)
    }
}

/// [`RefreshRequest::build`] from unchecked text (the client id and scopes checked first).
pub fn build_refresh_request(
    token_url: &str,
    client_id: &str,
    refresh_token: &Secret,
    scopes: &[String],
    client_auth: &ClientAuth,
) -> Result<HttpRequest> {
    let url = endpoint(token_url)?;
    RefreshRequest {
        token_url: url,
        client_id: ClientId::new(client_id)?,
        refresh_token: refresh_token.clone(),
        scopes: Scope::list(scopes)?,
        client_auth: client_auth.clone(),
    }
    .build()
}

/// The client-credentials request of an app-only daemon (RFC 6749 section 4.4), built by
/// [`ClientCredentialsRequest::build`]: `grant_type=client_credentials`, `client_id`, `scope`
/// (for Exchange Online `https://outlook.office365.com/.default`, see
/// [`crate::cloud::Cloud::app_only_scope`]), then `client_secret`, or `client_assertion_type` +
/// `client_assertion`. No refresh token is ever issued for this grant: request a new token when
/// the old one nears expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentialsRequest {
    /// The token endpoint of one tenant (checked by [`validate_endpoint_url`] when built).
    pub token_url: String,
    /// The client id.
    pub client_id: ClientId,
    /// The scopes: at least one.
    pub scopes: Vec<Scope>,
    /// The client's credential: a secret or an assertion.
    pub client_auth: ClientAuth,
}

impl ClientCredentialsRequest {
    /// The request. Fails with [`Error::InvalidInput`] for [`ClientAuth::None`] (client
    /// credentials needs a secret or an assertion), a bad token URL or no scope; with
    /// [`Error::InvalidTenant`] when the token URL is a Microsoft login host's and names
    /// `organizations`, `common` or `consumers` instead of one tenant (see
    /// [`crate::cloud::Tenant::check_client_credentials`]: `organizations` would give a token
    /// for a guessed tenant).
    pub fn build(&self) -> Result<HttpRequest> {
        let parsed = crate::cloud::endpoint_url(&self.token_url)?;
        if let Some(segment) = crate::cloud::microsoft_tenant_segment(&parsed) {
            if let Ok(tenant) = crate::cloud::Tenant::parse(&segment) {
                tenant.check_client_credentials()?;
            }
        }
        if matches!(self.client_auth, ClientAuth::None) {
            return Err(Error::invalid_input(
                "client credentials needs a secret or an assertion (a public client cannot use this grant)",
            ));
        }
        if self.scopes.is_empty() {
            return Err(Error::invalid_input(
                "scope must not be empty (for Exchange Online: https://outlook.office365.com/.default)",
            ));
        }
        let scope = Scope::join(&self.scopes);
        let fields: Vec<(&'static str, &str)> = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("scope", &scope),
        ];
        form_with_auth(
            parsed.into_string(),
            &fields,
            &self.client_id,
            &self.client_auth,
        )
    }
}

/// [`ClientCredentialsRequest::build`] from unchecked text: the client id is checked, and
/// `scope` is a space-separated list ([`Scope::split`]).
pub fn build_client_credentials_request(
    token_url: &str,
    client_id: &str,
    scope: &str,
    client_auth: &ClientAuth,
) -> Result<HttpRequest> {
    ClientCredentialsRequest {
        token_url: token_url.to_owned(),
        client_id: ClientId::new(client_id)?,
        scopes: Scope::split(scope)?,
        client_auth: client_auth.clone(),
    }
    .build()
}

/// The device-code token request, sent at each poll (RFC 8628 section 3.4):
/// `grant_type=urn:ietf:params:oauth:grant-type:device_code`, `client_id`, `device_code`.
/// Usually built for you by [`crate::device::DevicePoller`]. A confidential client (Google's
/// "TVs and Limited Input devices" clients send their secret) uses
/// [`build_device_code_token_request_with_auth`].
///
/// Fails with [`Error::InvalidInput`] on a bad token URL, an empty value or a control character.
pub fn build_device_code_token_request(
    token_url: &str,
    client_id: &str,
    device_code: &Secret,
) -> Result<HttpRequest> {
    build_device_code_token_request_with_auth(token_url, client_id, device_code, &ClientAuth::None)
}

/// [`build_device_code_token_request`] followed by the client's credential ([`ClientAuth::apply`]).
pub fn build_device_code_token_request_with_auth(
    token_url: &str,
    client_id: &str,
    device_code: &Secret,
    client_auth: &ClientAuth,
) -> Result<HttpRequest> {
    let url = endpoint(token_url)?;
    let client_id = ClientId::new(client_id)?;
    check_value("device_code", device_code.expose_secret())?;
    form_with_auth(
        url,
        &[
            ("grant_type", DEVICE_CODE_GRANT_TYPE),
            ("client_id", client_id.as_str()),
            ("device_code", device_code.expose_secret()),
        ],
        &client_id,
        client_auth,
    )
}

/// The tokens of one successful token response (RFC 6749 section 5.1), with absolute expiry
/// times. Hosts persist it with serde (protect the file: it holds the tokens in clear).
///
/// `Debug` shows `[redacted]` for the access, refresh and ID tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi::export(Debug, Display)
)]
pub struct TokenSet {
    /// The access token (for SASL XOAUTH2 / OAUTHBEARER).
    pub access_token: Secret,
    /// The token type, normalised to `Bearer` (the only one accepted).
    #[cfg_attr(feature = "uniffi", uniffi(default = "Bearer"))]
    pub token_type: String,
    /// When the access token expires (Unix seconds: `now + expires_in`), when the server said.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub expires_at: Option<u64>,
    /// The refresh token, when one was issued (delegated grants with `offline_access`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub refresh_token: Option<Secret>,
    /// The granted scopes, space separated, when the server said.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub scope: Option<String>,
    /// The OpenID Connect ID token, when issued.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub id_token: Option<Secret>,
    /// Entra's `ext_expires_in` as an absolute time: how long the token stays usable during an
    /// Entra outage.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub ext_expires_at: Option<u64>,
}

impl TokenSet {
    /// Whether the access token should be refreshed now: it expires within `margin_secs`
    /// (`expires_at - margin <= now`). An unknown expiry is `false`: use the token until a server
    /// refuses it.
    pub fn needs_refresh(&self, now: u64, margin_secs: u64) -> bool {
        self.expires_at
            .is_some_and(|e| e.saturating_sub(margin_secs) <= now)
    }

    /// Whether the access token has expired (`expires_at <= now`); unknown expiry is `false`.
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }

    /// Seconds until the access token expires (0 when it has), or `None` when unknown.
    pub fn expires_in(&self, now: u64) -> Option<u64> {
        self.expires_at.map(|e| e.saturating_sub(now))
    }

    /// The granted scopes as a list (empty when the server did not say).
    pub fn scopes(&self) -> Vec<String> {
        self.scope
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Takes in the response to a refresh request (RFC 6749 section 6): the new access token and
    /// expiry replace the old ones; a new refresh token replaces the old one (store it and drop
    /// the old: Entra rotates them), and when none is returned the old one is kept. `scope` and
    /// `id_token` are likewise kept when the response leaves them out.
    pub fn merge_refresh(&mut self, new: TokenSet) {
        let old = std::mem::replace(self, new);
        if self.refresh_token.is_none() {
            self.refresh_token = old.refresh_token;
        }
        if self.scope.is_none() {
            self.scope = old.scope;
        }
        if self.id_token.is_none() {
            self.id_token = old.id_token;
        }
    }

    /// [`TokenSet::merge_refresh`] by value.
    #[must_use]
    pub fn merged_with(mut self, new: TokenSet) -> TokenSet {
        self.merge_refresh(new);
        self
    }

    /// The stored form of a token set: the same JSON text as its serde form
    /// (`serde_json::to_string(&token_set)`), which [`TokenSet::from_json`] reads back. Every
    /// binding stores token sets with it, so a token set written by one (a Python worker, an
    /// app) is read by any other.
    ///
    /// It holds the tokens in clear: protect where you keep it. Members in a fixed order:
    /// `access_token`, `token_type`, `expires_at`, `refresh_token`, `scope`, `id_token`,
    /// `ext_expires_at`; absent values are `null`.
    ///
    /// ```
    /// # use mailoauth::token::TokenSet;
    /// let t = TokenSet::from_json(r#"{"access_token":"at","token_type":"Bearer","expires_at":42}"#)?;
    /// assert_eq!(
    ///     t.to_json(),
    ///     r#"{"access_token":"at","token_type":"Bearer","expires_at":42,"refresh_token":null,"scope":null,"id_token":null,"ext_expires_at":null}"#
    /// );
    /// assert_eq!(TokenSet::from_json(&t.to_json())?, t);
    /// # Ok::<(), mailoauth::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        match crate::json_writer::to_string(self) {
            Ok(text) => text,
            // The writer refuses only floats and non-string map keys; a token set holds strings
            // and whole numbers (the unit tests write every shape of it).
            Err(e) => unreachable!("a token set is always writable as JSON: {e}"),
        }
    }

    /// Reads a token set stored with its serde form (what `serde_json::to_string(&token_set)`
    /// writes), without serde's deserializer: an object with the string members `access_token`
    /// and `token_type`; `expires_at` and `ext_expires_at` whole numbers >= 0 (digits only, as
    /// written by serde); `refresh_token`, `scope` and `id_token` strings; optional members
    /// absent or `null`; other members ignored (a repeated member counts once, the last).
    ///
    /// Fails with [`Error::Malformed`] saying what is wrong or where the JSON breaks (line and
    /// column); the message never quotes the input, which holds tokens.
    ///
    /// ```
    /// # use mailoauth::token::TokenSet;
    /// let t = TokenSet::from_json(r#"{"access_token":"at","token_type":"Bearer","expires_at":42}"#)?;
    /// assert_eq!(t.expires_at, Some(42));
    /// assert_eq!(t.refresh_token, None);
    /// # Ok::<(), mailoauth::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<TokenSet> {
        let bad = |why: String| Error::malformed(format!("not a stored token set ({why})"));
        let obj = json::parse(text.as_bytes())
            .map_err(|e| bad(format!("line {}, column {}", e.line, e.column)))?;
        if obj.as_object().is_none() {
            return Err(bad("not a JSON object".to_owned()));
        }
        let string = |key: &str| -> Result<Option<String>> {
            match obj.get(key) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(format!("{key} is not a string"))),
            }
        };
        let number = |key: &str| -> Result<Option<u64>> {
            match obj.get(key) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::Number(n)) => n
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| bad(format!("{key} is not a whole number >= 0"))),
                Some(_) => Err(bad(format!("{key} is not a number"))),
            }
        };
        let required = |key: &str| string(key)?.ok_or_else(|| bad(format!("{key} is missing")));
        Ok(TokenSet {
            access_token: Secret::new(required("access_token")?),
            token_type: required("token_type")?,
            expires_at: number("expires_at")?,
            refresh_token: string("refresh_token")?.map(Secret::new),
            scope: string("scope")?,
            id_token: string("id_token")?.map(Secret::new),
            ext_expires_at: number("ext_expires_at")?,
        })
    }
}

/// Whether an error from a token request means the user must sign in again (the refresh token,
/// or the device or authorization code, is dead): `invalid_grant`, `interaction_required`,
/// `login_required`, `consent_required`, or an AADSTS code in [`SIGN_IN_AGAIN_AADSTS`].
///
/// Always `false` for transient errors (HTTP 429/5xx, `temporarily_unavailable`, network
/// failures: [`Error::is_transient`]) and for configuration errors (`invalid_client`, ...). See
/// the [module documentation](self) for the full rule. Never discard a refresh token unless this
/// says `true`.
pub fn requires_new_sign_in(err: &Error) -> bool {
    let Some(e) = err.oauth() else {
        return false;
    };
    if e.is_transient() {
        return false;
    }
    matches!(
        e.error.as_str(),
        "invalid_grant" | "interaction_required" | "login_required" | "consent_required"
    ) || e
        .error_codes
        .iter()
        .chain(e.aadsts.iter())
        .any(|c| SIGN_IN_AGAIN_AADSTS.contains(c))
}

/// Parses a token-endpoint response (RFC 6749 sections 5.1 and 5.2) received at `now`.
///
/// - 2xx with a JSON object holding `access_token`: a [`TokenSet`]. `expires_in` and
///   `ext_expires_in` may be numbers or strings (Entra has sent both); `token_type` is compared
///   case-insensitively and normalised to `Bearer` (missing counts as `Bearer`; any other type
///   is [`Error::Malformed`]); `refresh_token`, `scope`, `id_token` are optional.
/// - Any status with a JSON body holding a string `error`: [`Error::OAuth`] with every field
///   Entra sends (AADSTS code, trace and correlation ids), the HTTP status and `Retry-After`.
/// - Another status with another body (a proxy's HTML page, an outage): [`Error::HttpError`] with
///   the status, `Retry-After` and a short excerpt of the body, cut before anything that looks
///   like a token.
/// - 2xx that is not JSON, or lacks `access_token`: [`Error::Malformed`] (the message never holds
///   the body).
pub fn parse_token_response(resp: &HttpResponse, now: u64) -> Result<TokenSet> {
    let obj = success_object(resp, "token", now)?;
    token_set_from_object(&obj, now)
}

/// Builds a [`TokenSet`] from the JSON object of a successful response.
fn token_set_from_object(obj: &Json, now: u64) -> Result<TokenSet> {
    let access_token = match obj.get("access_token") {
        Some(Json::String(s)) if !s.is_empty() => s.clone(),
        Some(Json::String(_)) => {
            return Err(Error::malformed(
                "the token response's access_token is empty",
            ))
        }
        Some(_) => {
            return Err(Error::malformed(
                "the token response's access_token is not a string",
            ))
        }
        None => return Err(Error::malformed("the token response has no access_token")),
    };
    let token_type = match string_field(obj, "token_type", "token")? {
        None => "Bearer".to_owned(),
        Some(t) if t.trim().eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
        Some(t) => {
            return Err(Error::malformed(format!(
                "the token response's token_type {} is not Bearer",
                crate::error::quoted_excerpt(&t, 20)
            )))
        }
    };
    let expires_at = seconds_field(obj, "expires_in", "token")?.map(|s| now.saturating_add(s));
    let ext_expires_at =
        seconds_field(obj, "ext_expires_in", "token")?.map(|s| now.saturating_add(s));
    let refresh_token = string_field(obj, "refresh_token", "token")?
        .filter(|s| !s.is_empty())
        .map(Secret::new);
    let id_token = string_field(obj, "id_token", "token")?
        .filter(|s| !s.is_empty())
        .map(Secret::new);
    let scope = string_field(obj, "scope", "token")?;
    Ok(TokenSet {
        access_token: Secret::new(access_token),
        token_type,
        expires_at,
        refresh_token,
        scope,
        id_token,
        ext_expires_at,
    })
}

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by `device`).

/// Validates an endpoint URL and returns it normalised.
pub(crate) fn endpoint(url: &str) -> Result<String> {
    validate_endpoint_url(url)
}

/// A value must be non-empty and hold no control character. The message names the field, never
/// the value (it may be a secret).
pub(crate) fn check_value(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(format!("{name} must not be empty")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!(
            "{name} must not contain control characters (CR, LF, TAB, NUL, ...)"
        )));
    }
    Ok(())
}

/// RFC 7636 section 4.1: 43–128 characters of `[A-Za-z0-9-._~]`.
fn check_verifier(v: &str) -> Result<()> {
    let ok = (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 section 4.1)",
        ))
    }
}

/// The JSON object of a successful (2xx) response, or the error the response stands for:
/// [`Error::OAuth`] for a JSON error body at any status, [`Error::HttpError`] for another non-2xx
/// response, [`Error::Malformed`] for a 2xx body that is not a JSON object. `what` names the
/// response in messages (`token`, `device authorization`).
/// `now` turns a `Retry-After` HTTP-date into seconds.
pub(crate) fn success_object(resp: &HttpResponse, what: &str, now: u64) -> Result<Json> {
    let body = resp
        .body
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&resp.body);
    let retry_after = resp.retry_after_at(now);
    // Parsed once: first read as an OAuth error (any status), then as the success object.
    let parsed = json::parse(body);
    if let Some(e) = parsed
        .as_ref()
        .ok()
        .and_then(|obj| OAuthError::from_json(Some(resp.status), obj, retry_after))
    {
        return Err(e.into());
    }
    if !(200..300).contains(&resp.status) {
        return Err(Error::HttpError {
            status: resp.status,
            body_excerpt: safe_excerpt(body),
            retry_after,
        });
    }
    match parsed {
        Ok(obj @ Json::Object(_)) => Ok(obj),
        Ok(_) => Err(Error::malformed(format!(
            "the {what} response (HTTP {}) is JSON but not an object",
            resp.status
        ))),
        Err(_) => Err(Error::malformed(format!(
            "the {what} response (HTTP {}) is not JSON{}",
            resp.status,
            resp.header("content-type")
                .map(|c| format!(" (content-type {})", crate::error::quoted_excerpt(c, 60)))
                .unwrap_or_default()
        ))),
    }
}

/// An optional string member: absent or `null` is `None`, another type is [`Error::Malformed`].
pub(crate) fn string_field(obj: &Json, key: &str, what: &str) -> Result<Option<String>> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::malformed(format!(
            "the {what} response's {key} is not a string"
        ))),
    }
}

/// An optional number of seconds, sent as a JSON number or a string of digits (absent or `null`
/// is `None`; negative, fractional garbage or another type is [`Error::Malformed`]).
pub(crate) fn seconds_field(obj: &Json, key: &str, what: &str) -> Result<Option<u64>> {
    let bad = || {
        Error::malformed(format!(
            "the {what} response's {key} is not a number of seconds"
        ))
    };
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        // A fractional count of seconds is truncated; one too large saturates.
        Some(Json::Number(n)) => match n.whole_part() {
            WholePart::Value(u) => Ok(Some(u)),
            WholePart::TooLarge => Ok(Some(u64::MAX)),
            WholePart::Negative => Err(bad()),
        },
        Some(Json::String(s)) => s.trim().parse::<u64>().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// The start of a non-JSON error body for [`Error::HttpError`]: control characters and runs of
/// white space become one space, the text is cut before the first run that looks like a token
/// (20 or more characters of `A-Z a-z 0-9 - . _ ~ + / =` holding letters and digits, or a run
/// starting `eyJ`, the start of a JWT), and at most 200 characters are kept (the last one `…`
/// when something was cut).
pub(crate) fn safe_excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    // Enough input for the excerpt; the rest is never looked at.
    let head = body.get(..4096).unwrap_or(body);
    let text = String::from_utf8_lossy(head);
    let mut cleaned = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                cleaned.push(' ');
                last_space = true;
            }
        } else {
            cleaned.push(c);
            last_space = false;
        }
    }
    let cut_at = first_token_like(&cleaned);
    let kept = cut_at
        .and_then(|i| cleaned.get(..i))
        .unwrap_or(&cleaned)
        .trim_end();
    let truncated = cut_at.is_some() || head.len() < body.len() || kept.chars().count() > MAX;
    if truncated {
        let mut out: String = kept.chars().take(MAX - 1).collect();
        out.push('…');
        out
    } else {
        kept.to_owned()
    }
}

/// Byte index of the first token-looking run in `text`.
fn first_token_like(text: &str) -> Option<usize> {
    let is_tok =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=');
    let mut start: Option<usize> = None;
    let mut len = 0usize;
    let mut digit = false;
    let mut alpha = false;
    let looks_like = |s: usize, len: usize, digit: bool, alpha: bool| {
        (len >= 20 && digit && alpha)
            || (len >= 10 && text.get(s..).is_some_and(|t| t.starts_with("eyJ")))
    };
    for (i, c) in text.char_indices() {
        if is_tok(c) {
            if start.is_none() {
                start = Some(i);
                len = 0;
                digit = false;
                alpha = false;
            }
            len += 1;
            digit |= c.is_ascii_digit();
            alpha |= c.is_ascii_alphabetic();
        } else if let Some(s) = start.take() {
            if looks_like(s, len, digit, alpha) {
                return Some(s);
            }
        }
    }
    match start {
        Some(s) if looks_like(s, len, digit, alpha) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
