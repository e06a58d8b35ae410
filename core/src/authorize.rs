//! The authorization code flow's browser half: the authorize URL and the redirect that comes back
//! (RFC 6749 section 4.1, PKCE per RFC 7636, issuer check per RFC 9207; docs/protocol.md section 3).
//!
//! 1. [`build_authorize_url`] makes the URL the user's browser opens: `response_type=code`, the
//!    client, the redirect URI, the scopes, a `state` and the PKCE `S256` challenge
//!    ([`crate::pkce`]). [`AuthorizeRequest::microsoft`] fills it in for Exchange Online.
//! 2. The authorization server redirects back with `code` + `state`, or `error` +
//!    `error_description`, in the query (default), the fragment (`response_mode=fragment`) or a
//!    form-encoded POST body (`response_mode=form_post`). [`parse_authorize_redirect`] reads a
//!    redirect URL, [`parse_authorize_response_params`] a bare `a=b&c=d` body.
//!
//! The redirect is checked in this order, and nothing from it is used before the check that
//! guards it:
//!
//! | check | failure |
//! |---|---|
//! | parameters present, none repeated (RFC 6749 section 3.1), `code` or `error` present | [`Error::Malformed`] |
//! | `state` equals the state this client sent (constant-time; missing = mismatch) | [`Error::StateMismatch`] |
//! | `iss`, when both expected and present, equals the issuer (RFC 9207 section 2.4; error responses too) | [`Error::IssuerMismatch`] |
//! | `error` | [`Error::OAuth`] with the server's `error`, `error_description`, AADSTS code |
//! | `code` non-empty | [`Error::Malformed`] |
//!
//! ```
//! use mailoauth::authorize::{build_authorize_url, parse_authorize_redirect, AuthorizeRequest};
//! use mailoauth::cloud::{Cloud, Protocol, Tenant};
//! use mailoauth::pkce::Pkce;
//!
//! let pkce = Pkce::from_random(&[7u8; 32]); // use 32 bytes from a secure random source
//! let req = AuthorizeRequest::microsoft(
//!     &Cloud::global(),
//!     &Tenant::Organizations,
//!     "9e5f94bc-e8a4-4e73-b8be-63364c29d753",
//!     "http://localhost:8080/",
//!     &[Protocol::Imap],
//!     "af0ifjsldkj",
//!     &pkce,
//! )?;
//! let url = build_authorize_url(&req)?;
//! assert!(url.starts_with(
//!     "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=9e5f94bc-e8a4-4e73-b8be-63364c29d753&response_type=code&"
//! ));
//!
//! // ...the browser comes back to the redirect URI:
//! let got = parse_authorize_redirect("http://localhost:8080/?code=M.C123&state=af0ifjsldkj", "af0ifjsldkj", None)?;
//! assert_eq!(got.code.expose_secret(), "M.C123");
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::cloud::{validate_client_id, Cloud, Endpoints, Protocol, Tenant};
use crate::error::{excerpt, Error, OAuthError, Result};
use crate::pkce::{is_s256_challenge, Pkce};
use crate::secret::Secret;
use crate::types::{ClientId, RedirectUri, Scope};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How the authorization server returns the response (OAuth 2.0 Multiple Response Type Encoding
/// Practices; Form Post Response Mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// `query`: parameters in the redirect's query (the default for `response_type=code`).
    Query,
    /// `fragment`: parameters in the redirect's `#fragment` (a page reads `location.hash`).
    Fragment,
    /// `form_post`: an auto-submitted form POSTs the parameters to the redirect URI.
    FormPost,
}

impl ResponseMode {
    /// The wire value: `query`, `fragment` or `form_post`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::Fragment => "fragment",
            ResponseMode::FormPost => "form_post",
        }
    }
}

impl fmt::Display for ResponseMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResponseMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "query" => Ok(ResponseMode::Query),
            "fragment" => Ok(ResponseMode::Fragment),
            "form_post" => Ok(ResponseMode::FormPost),
            _ => Err(Error::invalid_input(format!(
                "unknown response_mode {s} (expected query, fragment or form_post)",
                s = crate::error::quoted(s)
            ))),
        }
    }
}

/// The `prompt` values [`build_authorize_url`] accepts (OpenID Connect Core section 3.1.2.1, as
/// Entra supports them).
pub const PROMPTS: [&str; 4] = ["login", "none", "consent", "select_account"];

/// What an authorize URL is built from (RFC 6749 section 4.1.1, RFC 7636 section 4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AuthorizeRequest {
    /// The authorization endpoint, e.g. [`Endpoints::authorize_url`]. May already carry a query.
    pub authorize_url: String,
    /// The client (application) id. Entra ids are GUIDs; other servers use other ids.
    pub client_id: String,
    /// The redirect URI, exactly as registered for the app.
    pub redirect_uri: String,
    /// The scopes, one per entry (sent space separated).
    pub scopes: Vec<String>,
    /// The `state`: an unguessable value from the caller's random source, checked on the way back.
    pub state: String,
    /// The PKCE `S256` challenge ([`Pkce::challenge`]).
    pub code_challenge: String,
    /// How the response comes back; `None` leaves it to the server (`query` for code).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub response_mode: Option<ResponseMode>,
    /// `prompt`: one of [`PROMPTS`]; `None` or empty sends none.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub prompt: Option<String>,
    /// `login_hint` (the user's address); `None` or empty sends none.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub login_hint: Option<String>,
    /// `domain_hint` (`consumers`, `organizations` or a tenant domain); `None` or empty sends none.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub domain_hint: Option<String>,
}

impl AuthorizeRequest {
    /// A request to the Microsoft identity platform for the delegated mail scopes of `protocols`
    /// plus `offline_access` (for a refresh token), with the PKCE challenge of `pkce`.
    ///
    /// Errors: [`Error::InvalidClientId`] when the client id is not a GUID (it is lowercased),
    /// [`Error::InvalidInput`] when no protocol is given. The rest is checked by
    /// [`build_authorize_url`].
    pub fn microsoft(
        cloud: &Cloud,
        tenant: &Tenant,
        client_id: &str,
        redirect_uri: &str,
        protocols: &[Protocol],
        state: &str,
        pkce: &Pkce,
    ) -> Result<AuthorizeRequest> {
        let client_id = validate_client_id(client_id)?;
        if protocols.is_empty() {
            return Err(Error::invalid_input(
                "name at least one mail protocol (imap, pop, smtp) to ask scopes for",
            ));
        }
        Ok(AuthorizeRequest {
            authorize_url: Endpoints::microsoft(cloud, tenant).authorize_url,
            client_id,
            redirect_uri: redirect_uri.to_owned(),
            scopes: cloud.delegated_scopes(protocols, true),
            state: state.to_owned(),
            code_challenge: pkce.challenge().to_owned(),
            response_mode: None,
            prompt: None,
            login_hint: None,
            domain_hint: None,
        })
    }
}

/// The parameters [`build_authorize_url`] writes; the endpoint's own query must not hold them.
const REQUEST_KEYS: [&str; 11] = [
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "prompt",
    "login_hint",
    "domain_hint",
];

/// A `state` for an authorize or admin-consent URL from 16 random bytes: their base64url without
/// padding (22 characters). The bytes must come from a cryptographically secure random source of
/// the host (`crypto.getRandomValues`, `secrets.token_bytes`, `SecRandomCopyBytes`).
///
/// ```
/// let state = mailoauth::authorize::state_from_random(&[0xfb; 16]);
/// assert_eq!(state, "-_v7-_v7-_v7-_v7-_v7-w");
/// ```
pub fn state_from_random(bytes: &[u8; 16]) -> String {
    crate::b64::encode_url(bytes)
}

/// Builds the authorize URL: the endpoint with `client_id`, `response_type=code`, `redirect_uri`,
/// `scope`, `state`, `code_challenge`, `code_challenge_method=S256` and the optional
/// `response_mode`, `prompt`, `login_hint`, `domain_hint`, form-encoded and appended to the
/// endpoint's query (with `&` when it already has one).
///
/// Errors: [`Error::InvalidInput`] for an endpoint that [`crate::cloud::validate_endpoint_url`] refuses or whose
/// query already holds one of these parameters, a redirect URI that is not an absolute URL
/// (or has a `#fragment`, RFC 6749 section 3.1.2, or control characters), no scopes or a scope
/// with characters outside RFC 6749 section 3.3 (a space inside one entry), an empty state, a
/// challenge that is not 43 base64url characters, a `prompt` outside [`PROMPTS`];
/// [`Error::InvalidClientId`] for an empty client id or one with white space or control
/// characters.
pub fn build_authorize_url(req: &AuthorizeRequest) -> Result<String> {
    let endpoint = crate::cloud::endpoint_url(&req.authorize_url)?;
    if let Some((k, _)) = endpoint
        .query_pairs()
        .find(|(k, _)| REQUEST_KEYS.contains(&k.as_ref()))
    {
        return Err(Error::invalid_input(format!(
            "the authorize endpoint's query already holds {k}: give the endpoint without it",
            k = crate::error::quoted(k)
        )));
    }
    let client_id = ClientId::new(&req.client_id)?;
    let redirect_uri = RedirectUri::new(&req.redirect_uri)?;
    if req.scopes.is_empty() {
        return Err(Error::invalid_input("no scope given"));
    }
    let scope = Scope::join(&Scope::list(&req.scopes)?);
    if req.state.is_empty() {
        return Err(Error::invalid_input(
            "state is empty: pass an unguessable value (for example 16 random bytes, base64url)",
        ));
    }
    if !is_s256_challenge(&req.code_challenge) {
        return Err(Error::invalid_input(
            "code_challenge must be an S256 challenge: 43 characters of base64url (Pkce::challenge)",
        ));
    }
    let prompt = non_empty(&req.prompt);
    if let Some(p) = prompt {
        if !PROMPTS.contains(&p) {
            return Err(Error::invalid_input(format!(
                "prompt {p} is not one of login, none, consent, select_account",
                p = crate::error::quoted(p)
            )));
        }
    }

    let mut ser = form_urlencoded::Serializer::new(String::new());
    ser.append_pair("client_id", client_id.as_str());
    ser.append_pair("response_type", "code");
    ser.append_pair("redirect_uri", redirect_uri.as_str());
    ser.append_pair("scope", &scope);
    ser.append_pair("state", &req.state);
    ser.append_pair("code_challenge", &req.code_challenge);
    ser.append_pair("code_challenge_method", "S256");
    if let Some(m) = req.response_mode {
        ser.append_pair("response_mode", m.as_str());
    }
    if let Some(p) = prompt {
        ser.append_pair("prompt", p);
    }
    if let Some(h) = non_empty(&req.login_hint) {
        ser.append_pair("login_hint", h);
    }
    if let Some(h) = non_empty(&req.domain_hint) {
        ser.append_pair("domain_hint", h);
    }
    let query = ser.finish();

    let mut out = String::from(endpoint.as_str());
    match endpoint.query() {
        None => out.push('?'),
        Some(q) if q.is_empty() || q.ends_with('&') => {}
        Some(_) => out.push('&'),
    }
    out.push_str(&query);
    Ok(out)
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// The authorization code from a successful redirect (RFC 6749 section 4.1.2).
///
/// `Debug` prints `[redacted]` for the code.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "AuthorizationCode", module = "mailoauth", frozen, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi::export(Debug, Display)
)]
pub struct AuthorizationCode {
    /// The code, to be redeemed once at the token endpoint (with the PKCE verifier).
    pub code: Secret,
    /// The `state` of the redirect (equal to the one the client sent).
    pub state: String,
    /// The `iss` of the redirect (RFC 9207), when sent.
    pub iss: Option<String>,
    /// Entra's `session_state`, when sent.
    pub session_state: Option<String>,
}

/// The response parameters of an authorize redirect; each may appear at most once.
const RESPONSE_KEYS: [&str; 7] = [
    "code",
    "state",
    "error",
    "error_description",
    "error_uri",
    "iss",
    "session_state",
];

/// Reads the authorization response from the URL the browser was redirected to: its query, or
/// its `#fragment` (`response_mode=fragment`), whichever carries `code`, `error` or `state`. The
/// URL may be absolute or just the path and query an HTTP server sees (`/?code=..&state=..`);
/// surrounding white space is ignored.
///
/// `expected_state` is the state sent in the authorize URL; `expected_issuer` the issuer
/// identifier of the server (RFC 9207; [`Endpoints::issuer`]), checked when the redirect carries
/// `iss` (`None` or empty: not checked). The checks and their order are in the module
/// documentation.
///
/// Errors: [`Error::InvalidInput`] for an empty `expected_state`, [`Error::Malformed`],
/// [`Error::StateMismatch`], [`Error::IssuerMismatch`], [`Error::OAuth`]. Never panics.
pub fn parse_authorize_redirect(
    redirect_url: &str,
    expected_state: &str,
    expected_issuer: Option<&str>,
) -> Result<AuthorizationCode> {
    check_expected_state(expected_state)?;
    let params = RedirectParams::from_url(redirect_url, &["code", "error", "state"])?;
    parse_response(&params, expected_state, expected_issuer)
}

/// Reads the authorization response from bare `a=b&c=d` parameters: a `form_post` body, or a
/// query or fragment the host already split off (one leading `?` or `#` is ignored). Same checks
/// and errors as [`parse_authorize_redirect`].
pub fn parse_authorize_response_params(
    params: &str,
    expected_state: &str,
    expected_issuer: Option<&str>,
) -> Result<AuthorizationCode> {
    check_expected_state(expected_state)?;
    let params = RedirectParams::from_form(params);
    parse_response(&params, expected_state, expected_issuer)
}

fn check_expected_state(expected_state: &str) -> Result<()> {
    if expected_state.is_empty() {
        return Err(Error::invalid_input(
            "expected_state is empty: pass the state that was sent in the authorize URL",
        ));
    }
    Ok(())
}

fn parse_response(
    params: &RedirectParams,
    expected_state: &str,
    expected_issuer: Option<&str>,
) -> Result<AuthorizationCode> {
    if params.is_empty() {
        return Err(Error::malformed("the redirect carries no parameters"));
    }
    params.ensure_unique(&RESPONSE_KEYS)?;
    if !params.has("code") && !params.has("error") {
        return Err(Error::malformed(
            "the redirect carries neither code nor error",
        ));
    }
    params.check_state(expected_state)?;
    let iss = params.get("iss");
    if let (Some(want), Some(got)) = (expected_issuer.filter(|s| !s.is_empty()), iss) {
        if want != got {
            return Err(Error::IssuerMismatch {
                expected: want.to_owned(),
                got: excerpt(got, 200),
            });
        }
    }
    params.oauth_error()?;
    let code = params
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Error::malformed("the redirect's code is empty"))?;
    Ok(AuthorizationCode {
        code: Secret::new(code),
        state: expected_state.to_owned(),
        iss: iss.map(str::to_owned),
        session_state: params.get("session_state").map(str::to_owned),
    })
}

/// Compares two byte strings in time that depends only on their lengths (for `state` values).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The decoded parameters of a redirect (query, fragment or form body), shared by the authorize
/// and admin-consent parsers.
#[derive(Default)]
pub(crate) struct RedirectParams {
    pairs: Vec<(String, String)>,
}

impl RedirectParams {
    /// From a redirect URL (absolute, or a path with a query): the query's parameters, or the
    /// fragment's when only the fragment holds one of `keys`. Both holding one is
    /// [`Error::Malformed`]: the response would be ambiguous.
    pub(crate) fn from_url(redirect_url: &str, keys: &[&str]) -> Result<Self> {
        let s = redirect_url.trim();
        let (before, fragment) = match s.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (s, None),
        };
        let query = before.split_once('?').map(|(_, q)| q);
        let q = query.map(Self::decode).unwrap_or_default();
        let f = fragment.map(Self::decode).unwrap_or_default();
        match (q.has_any(keys), f.has_any(keys)) {
            (true, true) => Err(Error::malformed(
                "the redirect carries response parameters in both its query and its fragment",
            )),
            (false, true) => Ok(f),
            (true, false) => Ok(q),
            (false, false) if q.is_empty() => Ok(f),
            (false, false) => Ok(q),
        }
    }

    /// From bare form-encoded parameters; one leading `?` or `#` is skipped.
    pub(crate) fn from_form(body: &str) -> Self {
        let s = body.trim();
        let s = s
            .strip_prefix('?')
            .or_else(|| s.strip_prefix('#'))
            .unwrap_or(s);
        Self::decode(s)
    }

    fn decode(s: &str) -> Self {
        RedirectParams {
            pairs: form_urlencoded::parse(s.as_bytes()).into_owned().collect(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn has_any(&self, keys: &[&str]) -> bool {
        self.pairs.iter().any(|(k, _)| keys.contains(&k.as_str()))
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// The value of a parameter (the first, but [`Self::ensure_unique`] runs before any use).
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// [`Error::Malformed`] when one of `keys` appears more than once (RFC 6749 section 3.1:
    /// parameters must not be included more than once).
    pub(crate) fn ensure_unique(&self, keys: &[&str]) -> Result<()> {
        for key in keys {
            if self.pairs.iter().filter(|(k, _)| k == key).count() > 1 {
                return Err(Error::malformed(format!(
                    "the redirect carries {key} more than once"
                )));
            }
        }
        Ok(())
    }

    /// [`Error::StateMismatch`] unless `state` is present and equal to `expected` (constant time).
    pub(crate) fn check_state(&self, expected: &str) -> Result<()> {
        match self.get("state") {
            Some(got) if ct_eq(got.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(Error::StateMismatch),
        }
    }

    /// The server's refusal as [`Error::OAuth`] when an `error` parameter is present
    /// ([`Error::Malformed`] when it is empty); `Ok` otherwise.
    pub(crate) fn oauth_error(&self) -> Result<()> {
        let pairs = self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        match OAuthError::from_params(pairs) {
            None => Ok(()),
            Some(e) if e.error.is_empty() => {
                Err(Error::malformed("the redirect's error parameter is empty"))
            }
            Some(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
