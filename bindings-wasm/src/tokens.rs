//! Token requests for every grant, token responses, `TokenSet`, the device-code flow and the
//! certificate client assertion's signing input (signed by the caller, e.g. with WebCrypto).

use crate::convert::{self, opt_num, options, redacted, secs, to_js};
use crate::errors::{self, invalid_input, IntoJsResult};
use crate::http::{HttpRequest, HttpResponse};
use mailoauth::assertion::{self, AssertionInput as CoreAssertionInput};
use mailoauth::device::{
    self, DeviceAction, DeviceAuthorization as CoreDeviceAuthorization, DeviceOutcome,
    DevicePoller as CorePoller, PollResult,
};
use mailoauth::token::{self, ClientAuth, TokenSet as CoreTokenSet};
use mailoauth::Secret;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TOKENS: &'static str = r#"
export interface TokenSetInit {
  accessToken: string; tokenType?: string; expiresAt?: number; refreshToken?: string;
  scope?: string; idToken?: string; extExpiresAt?: number;
}
export interface AuthCodeRequestOptions {
  tokenUrl: string; clientId: string; code: string; redirectUri: string; codeVerifier: string;
  scopes?: string[]; clientSecret?: string; clientAssertion?: string;
}
export interface RefreshRequestOptions {
  tokenUrl: string; clientId: string; refreshToken: string; scopes?: string[];
  clientSecret?: string; clientAssertion?: string;
}
export interface ClientCredentialsRequestOptions {
  tokenUrl: string; clientId: string; scope: string; clientSecret?: string;
  clientAssertion?: string;
}
export interface DeviceCodeTokenRequestOptions { tokenUrl: string; clientId: string; deviceCode: string; }
export interface DeviceAuthorizationRequestOptions {
  deviceAuthorizationUrl: string; clientId: string; scopes: string[];
}
export interface PollResult {
  state: "pending" | "declined" | "expired" | "token";
  interval: number | null; nextPollAt: number | null; token: TokenSet | null;
}
export interface DeviceOutcome {
  kind: "token" | "declined" | "expired" | "failed";
  token: TokenSet | null; error: MailoauthError | null;
}
export interface DeviceAction {
  kind: "poll_at" | "send" | "done";
  at: number | null; request: HttpRequest | null; outcome: DeviceOutcome | null;
}
export interface AssertionSigningInputOptions {
  clientId: string; tokenUrl: string; jti: string; now: number;
  lifetime?: number; alg?: "PS256" | "RS256"; includeX5c?: boolean;
}
"#;

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
    /// A JS value of the TypeScript type `DeviceAuthorizationRequestOptions`.
    #[wasm_bindgen(typescript_type = "DeviceAuthorizationRequestOptions")]
    pub type DeviceAuthorizationRequestOptions;
    /// A JS value of the TypeScript type `PollResult`.
    #[wasm_bindgen(typescript_type = "PollResult")]
    pub type PollResultRecord;
    /// A JS value of the TypeScript type `DeviceOutcome`.
    #[wasm_bindgen(typescript_type = "DeviceOutcome")]
    pub type DeviceOutcomeRecord;
    /// A JS value of the TypeScript type `DeviceOutcome | null`.
    #[wasm_bindgen(typescript_type = "DeviceOutcome | null")]
    pub type OptionalDeviceOutcome;
    /// A JS value of the TypeScript type `DeviceAction`.
    #[wasm_bindgen(typescript_type = "DeviceAction")]
    pub type DeviceActionRecord;
    /// A JS value of the TypeScript type `AssertionSigningInputOptions`.
    #[wasm_bindgen(typescript_type = "AssertionSigningInputOptions")]
    pub type AssertionSigningInputOptions;
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

options! {
    struct TokenSetArgs {
        access_token: String = "accessToken",
        token_type: Option<String> = "tokenType",
        expires_at: Option<u64> = "expiresAt",
        refresh_token: Option<String> = "refreshToken",
        scope: Option<String> = "scope",
        id_token: Option<String> = "idToken",
        ext_expires_at: Option<u64> = "extExpiresAt",
    }
}

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
    /// Reads a token set stored with `toJson`.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str) -> Result<TokenSet, JsValue> {
        stored_token_set(text)
            .map(TokenSet::from)
            .map_err(|e| errors::to_js(&e))
    }
    /// The token set as JSON (holds the tokens in clear: protect where it goes).
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> Result<String, JsValue> {
        serde_json::to_string(&self.inner).map_err(|e| invalid_input(e.to_string()))
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
    /// Seconds until the access token expires at `now` (0 once expired), or `null`.
    #[wasm_bindgen(js_name = expiresIn)]
    pub fn expires_in(&self, now: f64) -> Result<JsValue, JsValue> {
        Ok(opt_num(self.inner.expires_in(secs("now", now)?)))
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

fn client_auth(
    client_secret: Option<String>,
    client_assertion: Option<String>,
) -> Result<ClientAuth, JsValue> {
    match (client_secret, client_assertion) {
        (Some(_), Some(_)) => Err(invalid_input(
            "give clientSecret or clientAssertion, not both",
        )),
        (Some(s), None) => Ok(ClientAuth::Secret(Secret::new(s))),
        (None, Some(a)) => Ok(ClientAuth::Assertion(Secret::new(a))),
        (None, None) => Ok(ClientAuth::None),
    }
}

options! {
    struct AuthCodeArgs {
        token_url: String = "tokenUrl",
        client_id: String = "clientId",
        code: String = "code",
        redirect_uri: String = "redirectUri",
        code_verifier: String = "codeVerifier",
        scopes: Vec<String> = "scopes",
        client_secret: Option<String> = "clientSecret",
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

options! {
    struct RefreshArgs {
        token_url: String = "tokenUrl",
        client_id: String = "clientId",
        refresh_token: String = "refreshToken",
        scopes: Vec<String> = "scopes",
        client_secret: Option<String> = "clientSecret",
        client_assertion: Option<String> = "clientAssertion",
    }
}

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

options! {
    struct ClientCredentialsArgs {
        token_url: String = "tokenUrl",
        client_id: String = "clientId",
        scope: String = "scope",
        client_secret: Option<String> = "clientSecret",
        client_assertion: Option<String> = "clientAssertion",
    }
}

/// The client-credentials (app-only) request, with a secret or a signed client assertion.
#[wasm_bindgen(js_name = buildClientCredentialsRequest)]
pub fn build_client_credentials_request(
    options: ClientCredentialsRequestOptions,
) -> Result<HttpRequest, JsValue> {
    let a = ClientCredentialsArgs::read("buildClientCredentialsRequest", options.into())?;
    let auth = client_auth(a.client_secret, a.client_assertion)?;
    token::build_client_credentials_request(&a.token_url, &a.client_id, &a.scope, &auth)
        .js()
        .map(HttpRequest::from)
}

options! {
    struct DeviceCodeTokenArgs {
        token_url: String = "tokenUrl",
        client_id: String = "clientId",
        device_code: String = "deviceCode",
    }
}

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

// ------------------------------------------------------------------------------------------------
// Device code

options! {
    struct DeviceAuthorizationArgs {
        device_authorization_url: String = "deviceAuthorizationUrl",
        client_id: String = "clientId",
        scopes: Vec<String> = "scopes",
    }
}

/// The device authorization request (include `offline_access` in `scopes` for a refresh token).
#[wasm_bindgen(js_name = buildDeviceAuthorizationRequest)]
pub fn build_device_authorization_request(
    options: DeviceAuthorizationRequestOptions,
) -> Result<HttpRequest, JsValue> {
    let a = DeviceAuthorizationArgs::read("buildDeviceAuthorizationRequest", options.into())?;
    device::build_device_authorization_request(&a.device_authorization_url, &a.client_id, &a.scopes)
        .js()
        .map(HttpRequest::from)
}

/// The device authorization response: the code to show, where to enter it, and until when.
/// `toString()` never shows the device code.
#[wasm_bindgen]
pub struct DeviceAuthorization {
    inner: CoreDeviceAuthorization,
}

#[wasm_bindgen]
impl DeviceAuthorization {
    /// The device code the poller sends (a secret).
    #[wasm_bindgen(getter, js_name = deviceCode)]
    pub fn device_code(&self) -> String {
        self.inner.device_code.expose_secret().to_owned()
    }
    /// The code the user types.
    #[wasm_bindgen(getter, js_name = userCode)]
    pub fn user_code(&self) -> String {
        self.inner.user_code.clone()
    }
    /// Where the user signs in.
    #[wasm_bindgen(getter, js_name = verificationUri)]
    pub fn verification_uri(&self) -> String {
        self.inner.verification_uri.clone()
    }
    /// The URI with the code filled in, when sent.
    #[wasm_bindgen(getter, js_name = verificationUriComplete)]
    pub fn verification_uri_complete(&self) -> Option<String> {
        self.inner.verification_uri_complete.clone()
    }
    /// When the codes expire (Unix seconds).
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> f64 {
        self.inner.expires_at as f64
    }
    /// Seconds between polls.
    #[wasm_bindgen(getter)]
    pub fn interval(&self) -> f64 {
        self.inner.interval as f64
    }
    /// The server's sentence for the user, when sent.
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> Option<String> {
        self.inner.message.clone()
    }
    /// `DeviceAuthorization(deviceCode=[redacted], userCode=..., verificationUri=...)`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!(
            "DeviceAuthorization(deviceCode={}, userCode={}, verificationUri={}, expiresAt={}, interval={})",
            redacted(true),
            self.inner.user_code,
            self.inner.verification_uri,
            self.inner.expires_at,
            self.inner.interval
        )
    }
}

/// Parses the device authorization response received at `now`.
#[wasm_bindgen(js_name = parseDeviceAuthorizationResponse)]
pub fn parse_device_authorization_response(
    response: &HttpResponse,
    now: f64,
) -> Result<DeviceAuthorization, JsValue> {
    device::parse_device_authorization_response(&response.inner, secs("now", now)?)
        .js()
        .map(|inner| DeviceAuthorization { inner })
}

fn record(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        convert::set(&o, k, v.clone());
    }
    o.into()
}

/// Parses one device-code poll answer received at `now` while polling every `interval` seconds:
/// `{state, interval, nextPollAt, token}`.
#[wasm_bindgen(js_name = parseDevicePollResponse)]
pub fn parse_device_poll_response(
    response: &HttpResponse,
    now: f64,
    interval: f64,
) -> Result<PollResultRecord, JsValue> {
    let r = device::parse_device_poll_response(
        &response.inner,
        secs("now", now)?,
        secs("interval", interval)?,
    )
    .js()?;
    let (state, interval, next, token) = match r {
        PollResult::Pending {
            interval,
            next_poll_at,
        } => ("pending", Some(interval), Some(next_poll_at), JsValue::NULL),
        PollResult::Declined => ("declined", None, None, JsValue::NULL),
        PollResult::Expired => ("expired", None, None, JsValue::NULL),
        PollResult::Token(t) => ("token", None, None, TokenSet::from(t).into()),
    };
    Ok(record(&[
        ("state", state.into()),
        ("interval", opt_num(interval)),
        ("nextPollAt", opt_num(next)),
        ("token", token),
    ])
    .unchecked_into())
}

fn device_outcome(o: &DeviceOutcome) -> JsValue {
    let (kind, token, error) = match o {
        DeviceOutcome::Token(t) => ("token", TokenSet::from(t.clone()).into(), JsValue::NULL),
        DeviceOutcome::Declined => ("declined", JsValue::NULL, JsValue::NULL),
        DeviceOutcome::Expired => ("expired", JsValue::NULL, JsValue::NULL),
        DeviceOutcome::Failed(e) => ("failed", JsValue::NULL, errors::to_js(e)),
    };
    record(&[("kind", kind.into()), ("token", token), ("error", error)])
}

/// The device-code polling state machine: it never sleeps and never sends.
#[wasm_bindgen]
pub struct DevicePoller {
    inner: CorePoller,
}

#[wasm_bindgen]
impl DevicePoller {
    /// A poller for the authorization, started at `now`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = "tokenUrl")] token_url: &str,
        #[wasm_bindgen(js_name = "clientId")] client_id: &str,
        authorization: &DeviceAuthorization,
        now: f64,
    ) -> Result<DevicePoller, JsValue> {
        Ok(DevicePoller {
            inner: CorePoller::new(
                token_url,
                client_id,
                &authorization.inner,
                secs("now", now)?,
            )
            .js()?,
        })
    }
    /// What to do at `now`: `{kind: "poll_at", at}`, `{kind: "send", request}` (send it, then
    /// `receiveResponse`), or `{kind: "done", outcome}`.
    #[wasm_bindgen(js_name = nextAction)]
    pub fn next_action(&mut self, now: f64) -> Result<DeviceActionRecord, JsValue> {
        let (kind, at, request, outcome) = match self.inner.next_action(secs("now", now)?) {
            DeviceAction::PollAt(at) => ("poll_at", Some(at), JsValue::NULL, JsValue::NULL),
            DeviceAction::Send(req) => ("send", None, HttpRequest::from(req).into(), JsValue::NULL),
            DeviceAction::Done(o) => ("done", None, JsValue::NULL, device_outcome(&o)),
        };
        Ok(record(&[
            ("kind", kind.into()),
            ("at", opt_num(at)),
            ("request", request),
            ("outcome", outcome),
        ])
        .unchecked_into())
    }
    /// Hands the answer to the last `send` back, received at `now`.
    #[wasm_bindgen(js_name = receiveResponse)]
    pub fn receive_response(&mut self, response: &HttpResponse, now: f64) -> Result<(), JsValue> {
        self.inner
            .receive_response(&response.inner, secs("now", now)?)
            .js()
    }
    /// The last `send` got no answer (network failure) at `now`: back off.
    #[wasm_bindgen(js_name = networkFailed)]
    pub fn network_failed(&mut self, now: f64) -> Result<(), JsValue> {
        self.inner.network_failed(secs("now", now)?).js()
    }
    /// The current polling interval (seconds).
    #[wasm_bindgen(getter)]
    pub fn interval(&self) -> f64 {
        self.inner.interval() as f64
    }
    /// When the next poll is due (Unix seconds).
    #[wasm_bindgen(getter, js_name = nextPollAt)]
    pub fn next_poll_at(&self) -> f64 {
        self.inner.next_poll_at() as f64
    }
    /// When the device code expires (Unix seconds).
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> f64 {
        self.inner.expires_at() as f64
    }
    /// The outcome once done, else `null`.
    #[wasm_bindgen(getter)]
    pub fn outcome(&self) -> OptionalDeviceOutcome {
        self.inner
            .outcome()
            .map_or(JsValue::NULL, device_outcome)
            .unchecked_into()
    }
}

// ------------------------------------------------------------------------------------------------
// Certificate client assertions (signed by the caller)

/// A `jti` (a version-4 GUID) from 16 bytes of `crypto.getRandomValues`.
#[wasm_bindgen(js_name = newJti)]
pub fn new_jti() -> Result<String, JsValue> {
    Ok(assertion::jti_from_random(&crate::random::<16>()?))
}

/// A `jti` (a version-4 GUID) from exactly 16 caller-supplied random bytes.
#[wasm_bindgen(js_name = jtiFromRandom)]
pub fn jti_from_random(random: &[u8]) -> Result<String, JsValue> {
    let bytes: [u8; 16] = random.try_into().map_err(|_| {
        invalid_input(format!(
            "random must be exactly 16 bytes, not {}",
            random.len()
        ))
    })?;
    Ok(assertion::jti_from_random(&bytes))
}

/// `x5t#S256`: base64url(SHA-256 of the certificate's DER).
#[wasm_bindgen(js_name = x5tS256)]
pub fn x5t_s256(#[wasm_bindgen(js_name = "certificateDer")] certificate_der: &[u8]) -> String {
    assertion::x5t_s256(certificate_der)
}

/// The DER bytes of the first certificate in a PEM text.
#[wasm_bindgen(js_name = certificateDerFromPem)]
pub fn certificate_der_from_pem(pem: &str) -> Result<Vec<u8>, JsValue> {
    assertion::certificate_der_from_pem(pem).js()
}

/// What a client assertion signs, for signing by the caller (WebCrypto, a key vault).
#[wasm_bindgen]
pub struct AssertionInput {
    inner: CoreAssertionInput,
}

#[wasm_bindgen]
impl AssertionInput {
    /// `PS256` or `RS256`.
    #[wasm_bindgen(getter)]
    pub fn alg(&self) -> String {
        self.inner.alg.as_str().to_owned()
    }
    /// The header JSON.
    #[wasm_bindgen(getter, js_name = headerJson)]
    pub fn header_json(&self) -> String {
        self.inner.header_json.clone()
    }
    /// The claims JSON.
    #[wasm_bindgen(getter, js_name = claimsJson)]
    pub fn claims_json(&self) -> String {
        self.inner.claims_json.clone()
    }
    /// `base64url(header) "." base64url(claims)`: the bytes to sign.
    #[wasm_bindgen(getter, js_name = signingInput)]
    pub fn signing_input(&self) -> String {
        self.inner.signing_input.clone()
    }
    /// The compact JWS with the caller's signature over `signingInput`.
    pub fn finish(&self, signature: &[u8]) -> String {
        assertion::finish_assertion(&self.inner, signature)
            .expose_secret()
            .to_owned()
    }
}

options! {
    struct AssertionArgs {
        client_id: String = "clientId",
        token_url: String = "tokenUrl",
        jti: String = "jti",
        now: u64 = "now",
        lifetime: Option<u64> = "lifetime",
        alg: Option<String> = "alg",
        include_x5c: bool = "includeX5C",
    }
}

/// The input of a client assertion for a certificate (`certificateDer`, DER bytes), to be signed by the caller (the
/// default lifetime is 600 s, the default alg `PS256`).
#[wasm_bindgen(js_name = buildAssertionSigningInput)]
pub fn build_assertion_signing_input(
    options: AssertionSigningInputOptions,
    #[wasm_bindgen(js_name = "certificateDer")] certificate_der: &[u8],
) -> Result<AssertionInput, JsValue> {
    let a = AssertionArgs::read("buildAssertionSigningInput", options.into())?;
    let alg = a.alg.as_deref().unwrap_or("PS256").parse().js()?;
    let inner = assertion::build_assertion_signing_input(
        &a.client_id,
        &a.token_url,
        certificate_der,
        &a.jti,
        a.now,
        a.lifetime.unwrap_or(assertion::DEFAULT_ASSERTION_LIFETIME),
        alg,
        a.include_x5c,
    )
    .js()?;
    Ok(AssertionInput { inner })
}

/// A token set stored with `toJson` (the core's serde form), read through `serde_json::Value`
/// rather than the derived deserializer (whose monomorphised code and float-formatting error
/// paths cost the page several KB). Same rules as the derived form: an object with the string
/// members `access_token` and `token_type`; `expires_at` / `ext_expires_at` whole numbers >= 0;
/// `refresh_token`, `scope`, `id_token` strings; optional members may be absent or `null`;
/// other members are ignored. Errors never quote the input (it holds tokens).
fn stored_token_set(text: &str) -> Result<CoreTokenSet, mailoauth::Error> {
    use serde_json::Value;
    let bad = |why: String| mailoauth::Error::Malformed(format!("not a stored token set ({why})"));
    let value: Value = serde_json::from_slice(text.as_bytes())
        .map_err(|e| bad(format!("line {}, column {}", e.line(), e.column())))?;
    let Value::Object(obj) = value else {
        return Err(bad("not a JSON object".to_owned()));
    };
    let string = |key: &str| -> Result<Option<String>, mailoauth::Error> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("{key} is not a string"))),
        }
    };
    let number = |key: &str| -> Result<Option<u64>, mailoauth::Error> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| bad(format!("{key} is not a whole number >= 0"))),
            Some(_) => Err(bad(format!("{key} is not a number"))),
        }
    };
    let required = |key: &str| string(key)?.ok_or_else(|| bad(format!("{key} is missing")));
    Ok(CoreTokenSet {
        access_token: Secret::new(required("access_token")?),
        token_type: required("token_type")?,
        expires_at: number("expires_at")?,
        refresh_token: string("refresh_token")?.map(Secret::new),
        scope: string("scope")?,
        id_token: string("id_token")?.map(Secret::new),
        ext_expires_at: number("ext_expires_at")?,
    })
}
