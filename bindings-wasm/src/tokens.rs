//! Token requests for every grant, token responses and `TokenSet`. The device-code flow is in
//! `device.rs`, certificate assertions in `assertion.rs`.

use crate::convert::{opt_num, options, secs};
#[cfg(feature = "full")]
use crate::convert::{redacted, to_js};
use crate::errors::{self, IntoJsResult};
use crate::http::{HttpRequest, HttpResponse};
use mailoauth::token::{self, ClientAuth, TokenSet as CoreTokenSet};
use mailoauth::Secret;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A JS value of the TypeScript type `TokenSetInit`.
    #[wasm_bindgen(typescript_type = "TokenSetInit")]
    pub type TokenSetInit;
    /// A JS value of the TypeScript type `AuthCodeRequestOptions`.
    #[wasm_bindgen(typescript_type = "AuthCodeRequestOptions")]
    pub type AuthCodeRequestOptions;
    /// A JS value of the TypeScript type `RefreshRequestOptions`.
    #[wasm_bindgen(typescript_type = "RefreshRequestOptions")]
    pub type RefreshRequestOptions;
    /// A JS value of the TypeScript type `ClientCredentialsRequestOptions`.
    #[wasm_bindgen(typescript_type = "ClientCredentialsRequestOptions")]
    pub type ClientCredentialsRequestOptions;
    /// A JS value of the TypeScript type `DeviceCodeTokenRequestOptions`.
    #[wasm_bindgen(typescript_type = "DeviceCodeTokenRequestOptions")]
    pub type DeviceCodeTokenRequestOptions;
    /// A JS value of the TypeScript type `string[]`.
    #[wasm_bindgen(typescript_type = "string[]")]
    pub type ScopeList;
}

// ------------------------------------------------------------------------------------------------
// TokenSet

/// The tokens of one successful token response, with absolute expiry times (Unix seconds).
/// `toString()` never shows a token; `toJson()` does (store it only where the user asked).
#[wasm_bindgen]
pub struct TokenSet {
    pub(crate) inner: CoreTokenSet,
}

impl From<CoreTokenSet> for TokenSet {
    fn from(inner: CoreTokenSet) -> Self {
        TokenSet { inner }
    }
}

#[cfg(feature = "full")]
options! {
    /// The tokens of a token set built by the caller (`new TokenSet(init)`).
    struct TokenSetArgs => TokenSetInit {
        /// The access token (a secret).
        access_token: String = "accessToken",
        /// The token type (default `Bearer`).
        token_type: Option<String> = "tokenType",
        /// When the access token expires (Unix seconds).
        expires_at: Option<u64> = "expiresAt",
        /// The refresh token (a secret).
        refresh_token: Option<String> = "refreshToken",
        /// The granted scopes, space-separated.
        scope: Option<String> = "scope",
        /// The OpenID Connect ID token.
        id_token: Option<String> = "idToken",
        /// Microsoft's extended expiry (Unix seconds).
        ext_expires_at: Option<u64> = "extExpiresAt",
    }
}

#[wasm_bindgen]
impl TokenSet {
    /// Reads a token set stored with `toJson`.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str) -> Result<TokenSet, JsValue> {
        stored_token_set(text)
            .map(TokenSet::from)
            .map_err(|e| errors::to_js(&e))
    }
    /// The token set as JSON (holds the tokens in clear: protect where it goes).
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }
    /// The access token (a secret).
    #[wasm_bindgen(getter, js_name = accessToken)]
    pub fn access_token(&self) -> String {
        self.inner.access_token.expose_secret().to_owned()
    }
    /// `Bearer`.
    #[wasm_bindgen(getter, js_name = tokenType)]
    pub fn token_type(&self) -> String {
        self.inner.token_type.clone()
    }
    /// When the access token expires (Unix seconds), or `null`.
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> JsValue {
        opt_num(self.inner.expires_at)
    }
    /// The refresh token (a secret), or `null`.
    #[wasm_bindgen(getter, js_name = refreshToken)]
    pub fn refresh_token(&self) -> JsValue {
        self.inner
            .refresh_token
            .as_ref()
            .map_or(JsValue::NULL, |s| JsValue::from_str(s.expose_secret()))
    }
    /// The granted scopes, space separated, or `null`.
    #[wasm_bindgen(getter)]
    pub fn scope(&self) -> JsValue {
        self.inner
            .scope
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str)
    }
    /// Seconds until the access token expires at `now` (0 once expired), or `null`.
    #[wasm_bindgen(js_name = expiresIn)]
    pub fn expires_in(&self, now: f64) -> Result<JsValue, JsValue> {
        Ok(opt_num(self.inner.expires_in(secs("now", now)?)))
    }
}

// What the page does not call is only in the full package (feature `full`).
#[cfg(feature = "full")]
#[wasm_bindgen]
impl TokenSet {
    /// A token set from values obtained elsewhere.
    #[wasm_bindgen(constructor)]
    pub fn new(init: TokenSetInit) -> Result<TokenSet, JsValue> {
        let a = TokenSetArgs::read("TokenSet", init.into())?;
        Ok(TokenSet {
            inner: CoreTokenSet {
                access_token: Secret::new(a.access_token),
                token_type: a.token_type.unwrap_or_else(|| "Bearer".to_owned()),
                expires_at: a.expires_at,
                refresh_token: a.refresh_token.map(Secret::new),
                scope: a.scope,
                id_token: a.id_token.map(Secret::new),
                ext_expires_at: a.ext_expires_at,
            },
        })
    }
    /// The ID token (a secret), or `null`.
    #[wasm_bindgen(getter, js_name = idToken)]
    pub fn id_token(&self) -> JsValue {
        self.inner
            .id_token
            .as_ref()
            .map_or(JsValue::NULL, |s| JsValue::from_str(s.expose_secret()))
    }
    /// Entra's `ext_expires_in` as an absolute time, or `null`.
    #[wasm_bindgen(getter, js_name = extExpiresAt)]
    pub fn ext_expires_at(&self) -> JsValue {
        opt_num(self.inner.ext_expires_at)
    }
    /// The granted scopes as a list.
    pub fn scopes(&self) -> Result<ScopeList, JsValue> {
        Ok(to_js(&self.inner.scopes())?.unchecked_into())
    }
    /// Whether the access token expires within `margin` seconds (default 300) of `now`.
    #[wasm_bindgen(js_name = needsRefresh)]
    pub fn needs_refresh(&self, now: f64, margin: Option<f64>) -> Result<bool, JsValue> {
        Ok(self
            .inner
            .needs_refresh(secs("now", now)?, secs("margin", margin.unwrap_or(300.0))?))
    }
    /// Whether the access token has expired at `now`.
    #[wasm_bindgen(js_name = isExpired)]
    pub fn is_expired(&self, now: f64) -> Result<bool, JsValue> {
        Ok(self.inner.is_expired(secs("now", now)?))
    }
    /// This set updated by a refresh response: the new tokens, keeping this refresh token (and
    /// ID token) when the response carries none.
    #[wasm_bindgen(js_name = mergedWith)]
    pub fn merged_with(&self, newer: &TokenSet) -> TokenSet {
        self.inner.clone().merged_with(newer.inner.clone()).into()
    }
    /// `TokenSet(tokenType=Bearer, expiresAt=..., accessToken=[redacted], ...)`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        let t = &self.inner;
        format!(
            "TokenSet(tokenType={}, expiresAt={}, scope={}, accessToken={}, refreshToken={}, idToken={})",
            t.token_type,
            t.expires_at.map_or("null".to_owned(), |n| n.to_string()),
            t.scope.as_deref().unwrap_or("null"),
            redacted(true),
            redacted(t.refresh_token.is_some()),
            redacted(t.id_token.is_some()),
        )
    }
}

// ------------------------------------------------------------------------------------------------
// Token requests

/// The credential of a request ([`ClientAuth::from_parts`]: the core decides which combinations
/// are valid).
fn client_auth(
    client_secret: Option<String>,
    client_assertion: Option<String>,
) -> Result<ClientAuth, JsValue> {
    ClientAuth::from_parts(
        client_secret.map(Secret::new),
        client_assertion.map(Secret::new),
        None,
    )
    .js()
}

/// [`client_auth`] with the method by name when the options give one (`clientAuth`). Outside
/// the page's feature set.
#[cfg(feature = "full")]
fn named_client_auth(
    client_secret: Option<String>,
    client_assertion: Option<String>,
    method: Option<&str>,
) -> Result<ClientAuth, JsValue> {
    let method = method
        .map(token::ClientAuthMethod::parse)
        .transpose()
        .js()?;
    ClientAuth::from_parts(
        client_secret.map(Secret::new),
        client_assertion.map(Secret::new),
        method,
    )
    .js()
}

options! {
    /// The authorization-code token request.
    struct AuthCodeArgs => AuthCodeRequestOptions {
        /// The token endpoint.
        token_url: String = "tokenUrl",
        /// The application (client) id.
        client_id: String = "clientId",
        /// The authorization code of the redirect (a secret).
        code: String = "code",
        /// The redirect URI of the authorize URL, exactly.
        redirect_uri: String = "redirectUri",
        /// The PKCE verifier (a secret).
        code_verifier: String = "codeVerifier",
        /// The scopes (Microsoft wants them again here).
        scopes: Vec<String> = "scopes",
        /// A confidential client's secret (a secret).
        client_secret: Option<String> = "clientSecret",
        /// A signed client assertion (a secret), instead of a secret.
        client_assertion: Option<String> = "clientAssertion",
    }
}

/// The authorization-code token request (with the PKCE verifier).
#[wasm_bindgen(js_name = buildAuthCodeRequest)]
pub fn build_auth_code_request(options: AuthCodeRequestOptions) -> Result<HttpRequest, JsValue> {
    let a = AuthCodeArgs::read("buildAuthCodeRequest", options.into())?;
    let auth = client_auth(a.client_secret, a.client_assertion)?;
    token::build_auth_code_request(
        &a.token_url,
        &a.client_id,
        &Secret::new(a.code),
        &a.redirect_uri,
        &Secret::new(a.code_verifier),
        &a.scopes,
        &auth,
    )
    .js()
    .map(HttpRequest::from)
}

#[cfg(feature = "full")]
options! {
    /// The refresh-token request.
    struct RefreshArgs => RefreshRequestOptions {
        /// The token endpoint.
        token_url: String = "tokenUrl",
        /// The application (client) id.
        client_id: String = "clientId",
        /// The refresh token (a secret).
        refresh_token: String = "refreshToken",
        /// The scopes (empty: those of the original grant).
        scopes: Vec<String> = "scopes",
        /// A confidential client's secret (a secret).
        client_secret: Option<String> = "clientSecret",
        /// A signed client assertion (a secret), instead of a secret.
        client_assertion: Option<String> = "clientAssertion",
    }
}

#[cfg(feature = "full")]
/// The refresh-token request. Keep a rotated refresh token with `TokenSet.mergedWith`.
#[wasm_bindgen(js_name = buildRefreshRequest)]
pub fn build_refresh_request(options: RefreshRequestOptions) -> Result<HttpRequest, JsValue> {
    let a = RefreshArgs::read("buildRefreshRequest", options.into())?;
    let auth = client_auth(a.client_secret, a.client_assertion)?;
    token::build_refresh_request(
        &a.token_url,
        &a.client_id,
        &Secret::new(a.refresh_token),
        &a.scopes,
        &auth,
    )
    .js()
    .map(HttpRequest::from)
}

#[cfg(feature = "full")]
options! {
    /// The client-credentials (app-only) request.
    struct ClientCredentialsArgs => ClientCredentialsRequestOptions {
        /// The token endpoint (of one tenant).
        token_url: String = "tokenUrl",
        /// The application (client) id.
        client_id: String = "clientId",
        /// The one `.default` scope, e.g. `https://outlook.office365.com/.default`.
        scope: String = "scope",
        /// The client secret (a secret).
        client_secret: Option<String> = "clientSecret",
        /// A signed client assertion (a secret), instead of a secret.
        client_assertion: Option<String> = "clientAssertion",
        /// `client_secret_post` (default with a secret), `client_secret_basic`, `private_key_jwt`.
        client_auth: Option<String> = "clientAuth"
            as r#""client_secret_post" | "client_secret_basic" | "private_key_jwt""#,
    }
}

#[cfg(feature = "full")]
/// The client-credentials (app-only) request, with a secret or a signed client assertion.
#[wasm_bindgen(js_name = buildClientCredentialsRequest)]
pub fn build_client_credentials_request(
    options: ClientCredentialsRequestOptions,
) -> Result<HttpRequest, JsValue> {
    let a = ClientCredentialsArgs::read("buildClientCredentialsRequest", options.into())?;
    let auth = named_client_auth(
        a.client_secret,
        a.client_assertion,
        a.client_auth.as_deref(),
    )?;
    token::build_client_credentials_request(&a.token_url, &a.client_id, &a.scope, &auth)
        .js()
        .map(HttpRequest::from)
}

#[cfg(feature = "full")]
options! {
    /// The device-code token request of one poll.
    struct DeviceCodeTokenArgs => DeviceCodeTokenRequestOptions {
        /// The token endpoint.
        token_url: String = "tokenUrl",
        /// The application (client) id.
        client_id: String = "clientId",
        /// The `device_code` of the device authorization response (a secret).
        device_code: String = "deviceCode",
    }
}

#[cfg(feature = "full")]
/// The device-code token request sent at each poll (usually built by `DevicePoller`).
#[wasm_bindgen(js_name = buildDeviceCodeTokenRequest)]
pub fn build_device_code_token_request(
    options: DeviceCodeTokenRequestOptions,
) -> Result<HttpRequest, JsValue> {
    let a = DeviceCodeTokenArgs::read("buildDeviceCodeTokenRequest", options.into())?;
    token::build_device_code_token_request(&a.token_url, &a.client_id, &Secret::new(a.device_code))
        .js()
        .map(HttpRequest::from)
}

/// Parses a token-endpoint response received at `now` (Unix seconds): a `TokenSet`, or throws
/// `MailoauthError` (the server's OAuth error with its details, `http_error`, `malformed`).
#[wasm_bindgen(js_name = parseTokenResponse)]
pub fn parse_token_response(response: &HttpResponse, now: f64) -> Result<TokenSet, JsValue> {
    token::parse_token_response(&response.inner, secs("now", now)?)
        .js()
        .map(TokenSet::from)
}

/// A token set stored with `toJson` (the core's serde form), read with the core's own JSON reader
/// rather than the derived deserializer (whose monomorphised code and float-formatting error paths
/// cost the page several KB): see `mailoauth::token::TokenSet::from_json` for the rules. Errors
/// never quote the input (it holds tokens).
fn stored_token_set(text: &str) -> Result<CoreTokenSet, mailoauth::Error> {
    CoreTokenSet::from_json(text)
}
