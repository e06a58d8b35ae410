//! `mailoauth::token`, `mailoauth::device` and `mailoauth::assertion`: token requests for every
//! grant, response parsing, `TokenSet`, the device-code flow (`DevicePoller`) and certificate
//! client assertions.

use crate::assertion::{self, AssertionInput as CoreAssertionInput};
use crate::device::{
    self, DeviceAction as CoreDeviceAction, DeviceOutcome as CoreDeviceOutcome,
    DevicePoller as CoreDevicePoller, PollResult as CorePoll,
};
use crate::http::HttpResponse as CoreResponse;
use crate::token::{self, ClientAuth};
use crate::uniffi_api::errors::{IntoFfi, MailoauthError, Result};
use crate::uniffi_api::http::{HttpRequest, HttpResponse};
use crate::uniffi_api::types::AssertionAlg;
use crate::Secret;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

// ------------------------------------------------------------------------------------------------
// TokenSet

// `TokenSet` is the core's own record (derived behind the feature, with the defaults of the
// foreign constructor); its tokens are `Secret`s, which print `[redacted]`.
pub use crate::token::TokenSet;

/// Kotlin `toString()` and Swift `description`: the `Debug` text, whose tokens are redacted.
impl fmt::Display for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

// The core's `TokenSet` has methods of these names for Rust callers; the exported ones are Rust
// methods of other names under the same foreign names.
#[uniffi::export]
impl TokenSet {
    /// Whether the access token expires within `margin` seconds of `now`.
    #[uniffi::method(name = "needs_refresh")]
    pub(crate) fn ffi_needs_refresh(&self, now: u64, margin: u64) -> bool {
        self.needs_refresh(now, margin)
    }

    /// Whether the access token has expired at `now`.
    #[uniffi::method(name = "is_expired")]
    pub(crate) fn ffi_is_expired(&self, now: u64) -> bool {
        self.is_expired(now)
    }

    /// Seconds left at `now`, when the expiry is known.
    #[uniffi::method(name = "expires_in")]
    pub(crate) fn ffi_expires_in(&self, now: u64) -> Option<u64> {
        self.expires_in(now)
    }

    /// The granted scopes as a list.
    #[uniffi::method(name = "scopes")]
    pub(crate) fn ffi_scopes(&self) -> Vec<String> {
        self.scopes()
    }

    /// This set updated with a refresh response: the new tokens, keeping the old refresh token
    /// (and scope, ID token) when the response has none.
    #[uniffi::method(name = "merged_with")]
    pub(crate) fn ffi_merged_with(&self, new: TokenSet) -> TokenSet {
        self.clone().merged_with(new)
    }

    /// The set as JSON for storage (holds the tokens in clear: protect where it goes).
    #[uniffi::method(name = "to_json")]
    pub(crate) fn ffi_to_json(&self) -> Result<String> {
        Ok(self.to_json())
    }
}

/// Reads a token set stored with `toJson` (the core's `TokenSet::from_json`); fails with
/// `malformed`, whose message never quotes the input.
#[uniffi::export]
pub fn token_set_from_json(json: String) -> Result<TokenSet> {
    TokenSet::from_json(&json).ffi()
}

// ------------------------------------------------------------------------------------------------
// Token requests

/// The client authentication of a token request ([`ClientAuth::from_parts`]: the core decides
/// which combinations are valid), with the method by name when given. Secrets are plain
/// arguments, never stored in a record that could print.
fn client_auth(
    client_secret: Option<String>,
    client_assertion: Option<String>,
    method: Option<&str>,
) -> Result<ClientAuth> {
    let method = method
        .map(token::ClientAuthMethod::parse)
        .transpose()
        .ffi()?;
    ClientAuth::from_parts(
        client_secret.map(Secret::new),
        client_assertion.map(Secret::new),
        method,
    )
    .ffi()
}

/// The authorization-code token request (with the PKCE verifier); `client_secret` or
/// `client_assertion` for a confidential client.
#[allow(clippy::too_many_arguments)]
#[uniffi::export(default(scopes = [], client_secret = None, client_assertion = None))]
pub fn build_auth_code_request(
    token_url: String,
    client_id: String,
    code: String,
    redirect_uri: String,
    code_verifier: String,
    scopes: Vec<String>,
    client_secret: Option<String>,
    client_assertion: Option<String>,
) -> Result<HttpRequest> {
    let auth = client_auth(client_secret, client_assertion, None)?;
    token::build_auth_code_request(
        &token_url,
        &client_id,
        &Secret::new(code),
        &redirect_uri,
        &Secret::new(code_verifier),
        &scopes,
        &auth,
    )
    .ffi()
    .map(HttpRequest::from)
}

/// The refresh-token request. Keep a rotated refresh token with `TokenSet.mergedWith`.
#[uniffi::export(default(scopes = [], client_secret = None, client_assertion = None))]
pub fn build_refresh_request(
    token_url: String,
    client_id: String,
    refresh_token: String,
    scopes: Vec<String>,
    client_secret: Option<String>,
    client_assertion: Option<String>,
) -> Result<HttpRequest> {
    let auth = client_auth(client_secret, client_assertion, None)?;
    token::build_refresh_request(
        &token_url,
        &client_id,
        &Secret::new(refresh_token),
        &scopes,
        &auth,
    )
    .ffi()
    .map(HttpRequest::from)
}

/// The client-credentials (app-only) request, with a secret or a signed client assertion.
/// Fails with `invalid_tenant` when `token_url` is a Microsoft login host's and names
/// `organizations`, `common` or `consumers` instead of one tenant.
/// `client_auth` names the method (`client_secret_post`, the default with a secret,
/// `client_secret_basic`, `private_key_jwt`).
#[uniffi::export(default(client_secret = None, client_assertion = None, client_auth = None))]
pub fn build_client_credentials_request(
    token_url: String,
    client_id: String,
    scope: String,
    client_secret: Option<String>,
    client_assertion: Option<String>,
    client_auth: Option<String>,
) -> Result<HttpRequest> {
    let auth = self::client_auth(client_secret, client_assertion, client_auth.as_deref())?;
    token::build_client_credentials_request(&token_url, &client_id, &scope, &auth)
        .ffi()
        .map(HttpRequest::from)
}

/// The device-code token request sent at each poll (usually built by `DevicePoller`).
#[uniffi::export]
pub fn build_device_code_token_request(
    token_url: String,
    client_id: String,
    device_code: String,
) -> Result<HttpRequest> {
    token::build_device_code_token_request(&token_url, &client_id, &Secret::new(device_code))
        .ffi()
        .map(HttpRequest::from)
}

/// Parses a token-endpoint response received at `now` (Unix seconds); fails with `Server`
/// (the server's OAuth error, or `http_error`) or `Protocol` (`malformed`).
#[uniffi::export]
pub fn parse_token_response(response: HttpResponse, now: u64) -> Result<TokenSet> {
    token::parse_token_response(&CoreResponse::from(&response), now).ffi()
}

// ------------------------------------------------------------------------------------------------
// Device code

/// The device authorization request (include `offline_access` in `scopes` for a refresh token).
#[uniffi::export]
pub fn build_device_authorization_request(
    device_authorization_url: String,
    client_id: String,
    scopes: Vec<String>,
) -> Result<HttpRequest> {
    device::build_device_authorization_request(&device_authorization_url, &client_id, &scopes)
        .ffi()
        .map(HttpRequest::from)
}

// `DeviceAuthorization` is the core's own record (derived behind the feature); its device code
// is a `Secret`.
pub use crate::device::DeviceAuthorization;

/// Kotlin `toString()` and Swift `description`: the `Debug` text, whose device code is redacted.
impl fmt::Display for DeviceAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Parses the device authorization response received at `now`.
#[uniffi::export]
pub fn parse_device_authorization_response(
    response: HttpResponse,
    now: u64,
) -> Result<DeviceAuthorization> {
    device::parse_device_authorization_response(&CoreResponse::from(&response), now).ffi()
}

/// One poll answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PollResult {
    /// Not yet: poll again at `next_poll_at` (`slow_down` adds 5 s to the interval).
    Pending {
        /// The interval to use from now on.
        interval: u64,
        /// When to poll next (Unix seconds).
        next_poll_at: u64,
    },
    /// The user declined.
    Declined,
    /// The device code expired.
    Expired,
    /// The user signed in.
    Token {
        /// The tokens.
        token: TokenSet,
    },
}

/// Parses one device-code poll answer received at `now` while polling every `interval` seconds.
#[uniffi::export]
pub fn parse_device_poll_response(
    response: HttpResponse,
    now: u64,
    interval: u64,
) -> Result<PollResult> {
    let r =
        device::parse_device_poll_response(&CoreResponse::from(&response), now, interval).ffi()?;
    Ok(match r {
        CorePoll::Pending {
            interval,
            next_poll_at,
        } => PollResult::Pending {
            interval,
            next_poll_at,
        },
        CorePoll::Declined => PollResult::Declined,
        CorePoll::Expired => PollResult::Expired,
        CorePoll::Token(t) => PollResult::Token { token: t },
    })
}

/// How a device flow ended.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceOutcome {
    /// The user signed in.
    Token {
        /// The tokens.
        token: TokenSet,
    },
    /// The user declined.
    Declined,
    /// The device code expired before the user signed in.
    Expired,
    /// The server refused or answered garbage.
    Failed {
        /// The error.
        error: MailoauthError,
    },
}

impl From<&CoreDeviceOutcome> for DeviceOutcome {
    fn from(o: &CoreDeviceOutcome) -> Self {
        match o {
            CoreDeviceOutcome::Token(t) => DeviceOutcome::Token { token: t.clone() },
            CoreDeviceOutcome::Declined => DeviceOutcome::Declined,
            CoreDeviceOutcome::Expired => DeviceOutcome::Expired,
            CoreDeviceOutcome::Failed(e) => DeviceOutcome::Failed { error: e.into() },
        }
    }
}

/// What the host does next in a device flow.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceAction {
    /// Wait until `at` (Unix seconds), then ask again.
    PollAt {
        /// When to ask again.
        at: u64,
    },
    /// Send `request` to the token endpoint, then call `receiveResponse` (or `networkFailed`).
    Send {
        /// The poll request (its body holds the device code).
        request: HttpRequest,
    },
    /// The flow is over.
    Done {
        /// How it ended.
        outcome: DeviceOutcome,
    },
}

/// The device-code polling state machine: it never sleeps and never sends. Thread-safe (the
/// core machine sits behind a `Mutex`).
#[derive(uniffi::Object)]
pub struct DevicePoller {
    inner: Mutex<CoreDevicePoller>,
}

impl fmt::Debug for DevicePoller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DevicePoller")
    }
}

impl DevicePoller {
    fn lock(&self) -> MutexGuard<'_, CoreDevicePoller> {
        // A panic cannot leave the core machine half-updated in a way that matters more than
        // refusing every later call: keep going with the inner value.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[uniffi::export]
impl DevicePoller {
    /// A poller for an authorization received at `now`.
    #[uniffi::constructor]
    pub fn new(
        token_url: String,
        client_id: String,
        authorization: DeviceAuthorization,
        now: u64,
    ) -> Result<Self> {
        let inner = CoreDevicePoller::new(&token_url, &client_id, &authorization, now).ffi()?;
        Ok(DevicePoller {
            inner: Mutex::new(inner),
        })
    }

    /// What to do at `now`.
    pub fn next_action(&self, now: u64) -> DeviceAction {
        match self.lock().next_action(now) {
            CoreDeviceAction::PollAt(at) => DeviceAction::PollAt { at },
            CoreDeviceAction::Send(req) => DeviceAction::Send {
                request: req.into(),
            },
            CoreDeviceAction::Done(o) => DeviceAction::Done {
                outcome: (&o).into(),
            },
        }
    }

    /// Hands the answer to the last `Send` back, received at `now`.
    pub fn receive_response(&self, response: HttpResponse, now: u64) -> Result<()> {
        self.lock()
            .receive_response(&CoreResponse::from(&response), now)
            .ffi()
    }

    /// The last `Send` got no answer (network failure) at `now`: back off.
    pub fn network_failed(&self, now: u64) -> Result<()> {
        self.lock().network_failed(now).ffi()
    }

    /// The current polling interval (seconds).
    pub fn interval(&self) -> u64 {
        self.lock().interval()
    }

    /// When the next poll is due (Unix seconds).
    pub fn next_poll_at(&self) -> u64 {
        self.lock().next_poll_at()
    }

    /// When the device code expires (Unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.lock().expires_at()
    }

    /// The outcome once done.
    pub fn outcome(&self) -> Option<DeviceOutcome> {
        self.lock().outcome().map(DeviceOutcome::from)
    }
}

// ------------------------------------------------------------------------------------------------
// Certificate client assertions

/// A `jti` (a version-4 GUID) from exactly 16 random bytes.
#[uniffi::export]
pub fn jti_from_random(random: Vec<u8>) -> Result<String> {
    let bytes: [u8; 16] = random.as_slice().try_into().map_err(|_| {
        MailoauthError::invalid_input(format!(
            "random must be exactly 16 bytes, not {}",
            random.len()
        ))
    })?;
    Ok(assertion::jti_from_random(&bytes))
}

// `KeyCheck` is the core's own record (derived behind the feature).
pub use crate::assertion::KeyCheck;

/// What a private key (PEM: PKCS#8 or PKCS#1, any line length) is and whether it belongs to the
/// certificate (PEM), read without signing; `encrypted_private_key` for a passphrase-protected
/// key.
#[uniffi::export]
pub fn check_private_key(certificate_pem: String, private_key_pem: String) -> Result<KeyCheck> {
    assertion::check_private_key(&certificate_pem, &private_key_pem).ffi()
}

/// `x5t`: base64url(SHA-1 of the certificate's DER), the thumbprint AD FS reads.
#[uniffi::export]
pub fn x5t_sha1(certificate_der: Vec<u8>) -> String {
    assertion::x5t_sha1(&certificate_der)
}

/// `x5t#S256`: base64url(SHA-256 of the certificate's DER).
#[uniffi::export]
pub fn x5t_s256(certificate_der: Vec<u8>) -> String {
    assertion::x5t_s256(&certificate_der)
}

/// The DER bytes of the first certificate in a PEM text.
#[uniffi::export]
pub fn certificate_der_from_pem(pem: String) -> Result<Vec<u8>> {
    assertion::certificate_der_from_pem(&pem).ffi()
}

/// A signed client assertion (compact JWS) from the certificate and private key PEM texts:
/// `jti` from `jtiFromRandom`, `random` (at least 32 bytes) for the PS256 salt. Mint a fresh
/// one for every token request. `include_x5t` adds the certificate's SHA-1 thumbprint `x5t`
/// beside `x5t#S256` (AD FS reads only `x5t`).
#[allow(clippy::too_many_arguments)]
#[uniffi::export(default(include_x5t = false))]
pub fn client_assertion_from_pem(
    client_id: String,
    token_url: String,
    certificate_pem: String,
    private_key_pem: String,
    jti: String,
    now: u64,
    alg: AssertionAlg,
    random: Vec<u8>,
    include_x5t: bool,
) -> Result<String> {
    let a = assertion::client_assertion_from_pem_with(
        &client_id,
        &token_url,
        &certificate_pem,
        &private_key_pem,
        &jti,
        now,
        &random,
        &assertion::AssertionOptions {
            alg,
            include_x5t,
            ..assertion::AssertionOptions::default()
        },
    )
    .ffi()?;
    Ok(a.expose_secret().to_owned())
}

/// What a client assertion signs, for signing elsewhere (Android Keystore, the Secure Enclave,
/// a key vault): sign `signingInput()`, then `finish(signature)`. Nothing in it is secret.
#[derive(Debug, uniffi::Object)]
pub struct AssertionInput {
    inner: CoreAssertionInput,
}

#[uniffi::export]
impl AssertionInput {
    /// `PS256` or `RS256`.
    pub fn alg(&self) -> AssertionAlg {
        self.inner.alg
    }

    /// The header JSON, exactly as encoded.
    pub fn header_json(&self) -> String {
        self.inner.header_json.clone()
    }

    /// The claims JSON, exactly as encoded.
    pub fn claims_json(&self) -> String {
        self.inner.claims_json.clone()
    }

    /// `base64url(header) "." base64url(claims)`: the ASCII bytes to sign.
    pub fn signing_input(&self) -> String {
        self.inner.signing_input.clone()
    }

    /// The compact JWS with the caller's signature over `signingInput()`.
    pub fn finish(&self, signature: Vec<u8>) -> String {
        assertion::finish_assertion(&self.inner, &signature)
            .expose_secret()
            .to_owned()
    }
}

/// The input of a client assertion for a certificate (DER), to be signed by the caller;
/// `include_x5c` adds the certificate, `include_x5t` its SHA-1 thumbprint (AD FS).
#[allow(clippy::too_many_arguments)]
#[uniffi::export(default(lifetime = 600, include_x5c = false, include_x5t = false))]
pub fn build_assertion_signing_input(
    client_id: String,
    token_url: String,
    certificate_der: Vec<u8>,
    jti: String,
    now: u64,
    alg: AssertionAlg,
    lifetime: u64,
    include_x5c: bool,
    include_x5t: bool,
) -> Result<std::sync::Arc<AssertionInput>> {
    let inner = assertion::build_assertion_signing_input_with(
        &client_id,
        &token_url,
        &certificate_der,
        &jti,
        now,
        &assertion::AssertionOptions {
            alg,
            lifetime_secs: lifetime,
            include_x5c,
            include_x5t,
        },
    )
    .ffi()?;
    Ok(std::sync::Arc::new(AssertionInput { inner }))
}
