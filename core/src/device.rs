//! The device authorization grant (RFC 8628; Microsoft identity platform "OAuth 2.0 device
//! authorization grant"; docs/protocol.md section 3): sign in on a phone or another computer while a
//! headless tool waits.
//!
//! 1. [`build_device_authorization_request`]: `POST /oauth2/v2.0/devicecode` with `client_id`,
//!    `scope` (RFC 8628 section 3.1).
//! 2. [`parse_device_authorization_response`]: the [`DeviceAuthorization`] (section 3.2). Show the
//!    user its `message` (or `verification_uri` and `user_code`).
//! 3. [`DevicePoller`]: polls the token endpoint (section 3.4) until the user finishes, declines,
//!    or the code expires. It never sleeps: it says when to poll next, and the host waits.
//!
//! Poll answers (section 3.5): `authorization_pending` (poll again after the interval),
//! `slow_down` (the interval grows by 5 s from then on), `authorization_declined` (Microsoft) or
//! `access_denied` (RFC 8628) end it as declined, `expired_token` (and Entra's `code_expired`)
//! end it as expired, `bad_verification_code` and everything else end it as failed. HTTP 429, 5xx
//! and network failures are transient: the poller backs off and keeps polling until the code
//! expires. The app needs "Allow public client flows" in Entra (else AADSTS7000218).
//!
//! ```
//! use mailoauth::device::*;
//! use mailoauth::http::HttpResponse;
//!
//! let token_url = "https://login.microsoftonline.com/organizations/oauth2/v2.0/token";
//! let auth = parse_device_authorization_response(
//!     &HttpResponse::new(200, r#"{"device_code":"DC","user_code":"FWMA4Z4LG",
//!         "verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5}"#),
//!     1_000,
//! )?;
//! let mut poller = DevicePoller::new(token_url, "9e5f94bc-e8a4-4e73-b8be-63364c29d753", &auth, 1_000)?;
//! assert_eq!(poller.next_action(1_000), DeviceAction::PollAt(1_005));
//! let DeviceAction::Send(request) = poller.next_action(1_005) else { unreachable!() };
//! assert_eq!(request.form_fields()[0].1, "urn:ietf:params:oauth:grant-type:device_code");
//! // The user has not finished yet.
//! poller.receive_response(&HttpResponse::new(400, r#"{"error":"authorization_pending"}"#), 1_006)?;
//! assert_eq!(poller.next_action(1_006), DeviceAction::PollAt(1_011));
//! let DeviceAction::Send(_) = poller.next_action(1_011) else { unreachable!() };
//! poller.receive_response(
//!     &HttpResponse::new(200, r#"{"token_type":"Bearer","expires_in":3599,"access_token":"AT"}"#),
//!     1_012,
//! )?;
//! let DeviceAction::Done(DeviceOutcome::Token(tokens)) = poller.next_action(1_012) else { unreachable!() };
//! assert_eq!(tokens.expires_at, Some(4_611));
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::Json;
use crate::secret::Secret;
use crate::token::{
    build_device_code_token_request_with_auth, endpoint, parse_token_response, seconds_field,
    string_field, success_object, ClientAuth, TokenSet,
};
use crate::types::{ClientId, Scope};
use serde::{Deserialize, Serialize};

/// The polling interval when the server does not send one (RFC 8628 section 3.2).
pub const DEFAULT_INTERVAL: u64 = 5;

/// How much `slow_down` adds to the interval, from then on (RFC 8628 section 3.5).
pub const SLOW_DOWN_INCREMENT: u64 = 5;

/// The longest interval the poller backs off to after network failures (it doubles the interval
/// on each, RFC 8628 section 3.5).
pub const MAX_BACKOFF_INTERVAL: u64 = 60;

/// The device authorization request (RFC 8628 section 3.1): a form `POST` to the device
/// authorization endpoint (Entra: `https://{login host}/{tenant}/oauth2/v2.0/devicecode`) with
/// `client_id` and `scope` (space separated; left out when `scopes` is empty). Include
/// `offline_access` for a refresh token.
///
/// Fails with [`Error::InvalidInput`] on a bad URL, an empty client id, a control character or a
/// scope outside RFC 6749 section 3.3.
pub fn build_device_authorization_request(
    device_url: &str,
    client_id: &str,
    scopes: &[String],
) -> Result<HttpRequest> {
    build_device_authorization_request_with_auth(device_url, client_id, scopes, &ClientAuth::None)
}

/// [`build_device_authorization_request`] for a client that authenticates (RFC 8628 section
/// 3.1: "the client MUST authenticate" when it is confidential): the client's credential is
/// applied as at the token endpoint ([`ClientAuth::apply`]). Google's device clients send their
/// `client_secret` here and in every poll.
pub fn build_device_authorization_request_with_auth(
    device_url: &str,
    client_id: &str,
    scopes: &[String],
    client_auth: &ClientAuth,
) -> Result<HttpRequest> {
    let url = endpoint(device_url)?;
    let client_id = ClientId::new(client_id)?;
    let scope = Scope::join(&Scope::list(scopes)?);
    let mut fields: Vec<(&str, &str)> = vec![("client_id", client_id.as_str())];
    if !scope.is_empty() {
        fields.push(("scope", &scope));
    }
    let mut req = HttpRequest::form_post(url, &fields);
    client_auth.apply(&mut req, client_id.as_str())?;
    Ok(req)
}

/// The device authorization response (RFC 8628 section 3.2), with absolute times.
///
/// `Debug` shows `[redacted]` for the device code (it is what the poller trades for tokens); the
/// user code is meant to be shown.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "DeviceAuthorization", module = "mailoauth", frozen, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi::export(Debug, Display)
)]
pub struct DeviceAuthorization {
    /// The device verification code the poller sends.
    pub device_code: Secret,
    /// The code the user types at the verification URI.
    pub user_code: String,
    /// Where the user signs in (Google sends it as `verification_url`).
    pub verification_uri: String,
    /// The verification URI with the user code filled in (for a QR code), when sent.
    pub verification_uri_complete: Option<String>,
    /// When the device and user codes expire (Unix seconds: `now + expires_in`).
    pub expires_at: u64,
    /// The minimum number of seconds between polls (5 when the server sends none).
    pub interval: u64,
    /// Text for the user, when sent (Entra sends a ready sentence with the URI and the code).
    pub message: Option<String>,
}

/// Parses the device authorization response received at `now` (RFC 8628 section 3.2).
///
/// `device_code`, `user_code`, `verification_uri` (or Google's `verification_url`) and
/// `expires_in` are required; `expires_in` and `interval` may be numbers or strings; `interval`
/// defaults to [`DEFAULT_INTERVAL`]. The verification URIs must be `https` (or `http` on
/// loopback). Errors as in [`parse_token_response`]: [`Error::OAuth`] for a JSON error body (for
/// example `invalid_client` with AADSTS7000218 when public client flows are off),
/// [`Error::HttpError`] for another non-2xx response, [`Error::Malformed`] otherwise.
pub fn parse_device_authorization_response(
    resp: &HttpResponse,
    now: u64,
) -> Result<DeviceAuthorization> {
    let obj = success_object(resp, "device authorization", now)?;
    let required = |key: &str| -> Result<String> {
        match string_field(&obj, key, "device authorization")? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(Error::malformed(format!(
                "the device authorization response has no {key}"
            ))),
        }
    };
    let device_code = required("device_code")?;
    let user_code = required("user_code")?;
    let verification_uri = match string_field(&obj, "verification_uri", "device authorization")? {
        Some(s) if !s.is_empty() => s,
        _ => required("verification_url").map_err(|_| {
            Error::malformed("the device authorization response has no verification_uri")
        })?,
    };
    check_verification_uri("verification_uri", &verification_uri)?;
    let verification_uri_complete = optional_uri(&obj, "verification_uri_complete")?;
    let expires_in = seconds_field(&obj, "expires_in", "device authorization")?
        .ok_or_else(|| Error::malformed("the device authorization response has no expires_in"))?;
    let interval =
        seconds_field(&obj, "interval", "device authorization")?.unwrap_or(DEFAULT_INTERVAL);
    let message = string_field(&obj, "message", "device authorization")?;
    Ok(DeviceAuthorization {
        device_code: Secret::new(device_code),
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_at: now.saturating_add(expires_in),
        interval,
        message,
    })
}

fn optional_uri(obj: &Json, key: &str) -> Result<Option<String>> {
    match string_field(obj, key, "device authorization")? {
        Some(s) if !s.is_empty() => {
            check_verification_uri(key, &s)?;
            Ok(Some(s))
        }
        _ => Ok(None),
    }
}

/// A URI the user is sent to must be `https` (or `http` on loopback, for local test servers):
/// never `javascript:` or another scheme a host might render as a link.
fn check_verification_uri(key: &str, uri: &str) -> Result<()> {
    crate::cloud::validate_endpoint_url(uri)
        .map(|_| ())
        .map_err(|_| {
            Error::malformed(format!(
                "the device authorization response's {key} is not an https URL"
            ))
        })
}

/// What one poll answer means (RFC 8628 section 3.5). From [`parse_device_poll_response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollResult {
    /// `authorization_pending` or `slow_down`: poll again at `next_poll_at`, and from then on
    /// every `interval` seconds.
    Pending {
        /// The interval to use from now on (grown by 5 s after `slow_down`).
        interval: u64,
        /// When to poll next (Unix seconds): `now + interval`.
        next_poll_at: u64,
    },
    /// The user declined (`authorization_declined`, `access_denied`).
    Declined,
    /// The device code expired (`expired_token`, Entra's `code_expired`): start again.
    Expired,
    /// The user signed in.
    Token(TokenSet),
}

/// Parses one answer to a device-code poll received at `now`, while polling every `interval`
/// seconds (RFC 8628 section 3.5).
///
/// `authorization_pending` → [`PollResult::Pending`] with the same interval; `slow_down` → the
/// interval plus [`SLOW_DOWN_INCREMENT`]; `authorization_declined` / `access_denied` →
/// [`PollResult::Declined`]; `expired_token` / `code_expired` → [`PollResult::Expired`]; a
/// token → [`PollResult::Token`]. Any other error (`bad_verification_code`, `invalid_client`, a
/// 429 or 5xx, a malformed body) is returned as the [`Error`] from [`parse_token_response`];
/// [`DevicePoller`] keeps polling after the transient ones.
pub fn parse_device_poll_response(
    resp: &HttpResponse,
    now: u64,
    interval: u64,
) -> Result<PollResult> {
    match parse_token_response(resp, now) {
        Ok(tokens) => Ok(PollResult::Token(tokens)),
        Err(Error::OAuth(e)) => match e.error.as_str() {
            "authorization_pending" => Ok(PollResult::Pending {
                interval,
                next_poll_at: now.saturating_add(interval),
            }),
            "slow_down" => {
                let interval = interval.saturating_add(SLOW_DOWN_INCREMENT);
                Ok(PollResult::Pending {
                    interval,
                    next_poll_at: now.saturating_add(interval),
                })
            }
            "authorization_declined" | "access_denied" => Ok(PollResult::Declined),
            "expired_token" | "code_expired" => Ok(PollResult::Expired),
            _ => Err(Error::OAuth(e)),
        },
        Err(e) => Err(e),
    }
}

/// How a device flow ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceOutcome {
    /// The user signed in: store the tokens.
    Token(TokenSet),
    /// The user declined the sign-in.
    Declined,
    /// The code expired before the user finished (or the server said `expired_token`): ask the
    /// user whether to start again.
    Expired,
    /// The server refused (`bad_verification_code`, `invalid_client`, AADSTS7000218 public client
    /// flows off, ...) or answered garbage.
    Failed(Error),
}

/// What the host does next for a [`DevicePoller`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum DeviceAction {
    /// Wait until this time (Unix seconds), then call [`DevicePoller::next_action`] again.
    PollAt(u64),
    /// Send this request to the token endpoint, then hand the answer to
    /// [`DevicePoller::receive_response`] (or call [`DevicePoller::network_failed`] when none
    /// came).
    Send(HttpRequest),
    /// The flow is over.
    Done(DeviceOutcome),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PollerState {
    /// Waiting for `next_poll_at`.
    Waiting,
    /// A poll request was handed out at this time and no answer has come back yet.
    Sent { at: u64 },
    /// Finished.
    Done(DeviceOutcome),
}

/// The device-code polling state machine (RFC 8628 section 3.4–3.5). It never sleeps and never
/// sends: the host calls [`DevicePoller::next_action`] and does what it says.
///
/// ```text
///  new(now) ─► Waiting ──now ≥ expires_at──────────────────────────► Done(Expired)
///               │  ▲
///  now ≥ next_poll_at   authorization_pending: next = now + interval
///               │  │    slow_down:             interval += 5, next = now + interval
///               ▼  │    429 / 5xx:             next = now + max(Retry-After, interval)
///            Send(request) ──► Sent      network_failed: interval doubled (≤ 60 s), next = now + interval
///                               │
///                               ├─ receive_response: token ──────────────► Done(Token)
///                               ├─ authorization_declined / access_denied ─► Done(Declined)
///                               ├─ expired_token / code_expired ───────────► Done(Expired)
///                               └─ any other error ────────────────────────► Done(Failed(err))
/// ```
///
/// Call order: `next_action` → `PollAt(t)`: sleep until `t`, call again; `Send(req)`: send it,
/// then `receive_response(resp, now)` (or `network_failed(now)` when the request got no answer);
/// `Done(outcome)`: stop (later calls keep returning the same `Done`). The first poll is one
/// interval after `new`. Calling `next_action` again while a request is out counts as a lost
/// answer: the next poll is one interval after the lost one was sent.
#[derive(Debug, Clone)]
pub struct DevicePoller {
    request: HttpRequest,
    token_url: String,
    client_id: String,
    device_code: Secret,
    expires_at: u64,
    interval: u64,
    next_poll_at: u64,
    state: PollerState,
}

impl DevicePoller {
    /// A poller for a device authorization received at about `now`. Fails with
    /// [`Error::InvalidInput`] on a bad token URL or client id. An interval of 0 is treated as 1.
    pub fn new(
        token_url: &str,
        client_id: &str,
        authorization: &DeviceAuthorization,
        now: u64,
    ) -> Result<DevicePoller> {
        DevicePoller::with_client_auth(token_url, client_id, authorization, now, &ClientAuth::None)
    }

    /// [`DevicePoller::new`] for a client that authenticates at the token endpoint: every poll
    /// carries `client_auth` (a `client_secret`, HTTP Basic, or an assertion — replace an
    /// assertion before it expires with [`DevicePoller::set_client_auth`]).
    pub fn with_client_auth(
        token_url: &str,
        client_id: &str,
        authorization: &DeviceAuthorization,
        now: u64,
        client_auth: &ClientAuth,
    ) -> Result<DevicePoller> {
        let request = build_device_code_token_request_with_auth(
            token_url,
            client_id,
            &authorization.device_code,
            client_auth,
        )?;
        let interval = authorization.interval.max(1);
        Ok(DevicePoller {
            request,
            token_url: token_url.to_owned(),
            client_id: client_id.to_owned(),
            device_code: authorization.device_code.clone(),
            expires_at: authorization.expires_at,
            interval,
            next_poll_at: now.saturating_add(interval),
            state: PollerState::Waiting,
        })
    }

    /// Replaces the credential the next polls carry (a fresh `private_key_jwt` assertion: each
    /// has its own `jti` and a short life). Fails with [`Error::InvalidInput`] as
    /// [`ClientAuth::apply`]; the poller then keeps its old credential.
    pub fn set_client_auth(&mut self, client_auth: &ClientAuth) -> Result<()> {
        self.request = build_device_code_token_request_with_auth(
            &self.token_url,
            &self.client_id,
            &self.device_code,
            client_auth,
        )?;
        Ok(())
    }

    /// What to do now. See the [type documentation](DevicePoller) for the state diagram.
    pub fn next_action(&mut self, now: u64) -> DeviceAction {
        match &self.state {
            PollerState::Done(outcome) => return DeviceAction::Done(outcome.clone()),
            PollerState::Sent { at } => {
                // The answer to the last request never came back.
                self.next_poll_at = at.saturating_add(self.interval);
                self.state = PollerState::Waiting;
            }
            PollerState::Waiting => {}
        }
        if now >= self.expires_at {
            return self.finish(DeviceOutcome::Expired);
        }
        if now < self.next_poll_at {
            return DeviceAction::PollAt(self.next_poll_at.min(self.expires_at));
        }
        self.state = PollerState::Sent { at: now };
        DeviceAction::Send(self.request.clone())
    }

    /// Takes the answer to the request of the last [`DeviceAction::Send`], received at `now`.
    ///
    /// The result of the poll is in the next [`DevicePoller::next_action`]; this returns an error
    /// only when no request is outstanding ([`Error::InvalidInput`]: call `next_action` first).
    pub fn receive_response(&mut self, resp: &HttpResponse, now: u64) -> Result<()> {
        self.expect_outstanding()?;
        match parse_device_poll_response(resp, now, self.interval) {
            Ok(PollResult::Token(tokens)) => {
                self.state = PollerState::Done(DeviceOutcome::Token(tokens));
            }
            Ok(PollResult::Pending {
                interval,
                next_poll_at,
            }) => {
                self.interval = interval.max(1);
                self.next_poll_at = next_poll_at.max(now.saturating_add(self.interval));
                self.state = PollerState::Waiting;
            }
            Ok(PollResult::Declined) => self.state = PollerState::Done(DeviceOutcome::Declined),
            Ok(PollResult::Expired) => self.state = PollerState::Done(DeviceOutcome::Expired),
            Err(e) if e.is_transient() => {
                let retry_after = match &e {
                    Error::HttpError { retry_after, .. } => *retry_after,
                    Error::OAuth(o) => o.retry_after,
                    _ => None,
                };
                let wait = retry_after.unwrap_or(0).max(self.interval);
                self.next_poll_at = now.saturating_add(wait);
                self.state = PollerState::Waiting;
            }
            Err(e) => self.state = PollerState::Done(DeviceOutcome::Failed(e)),
        }
        Ok(())
    }

    /// The request of the last [`DeviceAction::Send`] got no answer (connection refused, timeout,
    /// TLS failure) at `now`. The poller doubles its interval (at most
    /// [`MAX_BACKOFF_INTERVAL`], never below the current one; RFC 8628 section 3.5) and keeps
    /// polling until the code expires. Errors as in [`DevicePoller::receive_response`].
    pub fn network_failed(&mut self, now: u64) -> Result<()> {
        self.expect_outstanding()?;
        self.interval = self
            .interval
            .max(self.interval.saturating_mul(2).min(MAX_BACKOFF_INTERVAL));
        self.next_poll_at = now.saturating_add(self.interval);
        self.state = PollerState::Waiting;
        Ok(())
    }

    /// The current polling interval in seconds.
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// When the next poll is due (Unix seconds).
    pub fn next_poll_at(&self) -> u64 {
        self.next_poll_at
    }

    /// When the device code expires (Unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// The outcome, once the flow is over.
    pub fn outcome(&self) -> Option<&DeviceOutcome> {
        match &self.state {
            PollerState::Done(o) => Some(o),
            _ => None,
        }
    }

    fn finish(&mut self, outcome: DeviceOutcome) -> DeviceAction {
        self.state = PollerState::Done(outcome.clone());
        DeviceAction::Done(outcome)
    }

    fn expect_outstanding(&self) -> Result<()> {
        match self.state {
            PollerState::Sent { .. } => Ok(()),
            PollerState::Waiting => Err(Error::invalid_input(
                "no device-code poll is outstanding: call next_action and send its request first",
            )),
            PollerState::Done(_) => Err(Error::invalid_input("the device flow is already over")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Method, FORM_CONTENT_TYPE};

    const DEVICE_URL: &str =
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode";
    const TOKEN_URL: &str = "https://login.microsoftonline.com/organizations/oauth2/v2.0/token";
    const CLIENT: &str = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";
    const NOW: u64 = 1_800_000_000;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, body)
    }

    fn auth(expires_in: u64, interval: u64) -> DeviceAuthorization {
        DeviceAuthorization {
            device_code: Secret::new("d3vice-code"),
            user_code: "FWMA4Z4LG".into(),
            verification_uri: "https://microsoft.com/devicelogin".into(),
            verification_uri_complete: None,
            expires_at: NOW + expires_in,
            interval,
            message: None,
        }
    }

    fn pending() -> HttpResponse {
        resp(
            400,
            r#"{"error":"authorization_pending","error_description":"AADSTS70016: pending","error_codes":[70016]}"#,
        )
    }

    fn token_ok() -> HttpResponse {
        resp(
            200,
            r#"{"token_type":"Bearer","scope":"https://outlook.office.com/IMAP.AccessAsUser.All offline_access","expires_in":3599,"access_token":"acc3ss","refresh_token":"r3fresh"}"#,
        )
    }

    fn send(p: &mut DevicePoller, now: u64) -> HttpRequest {
        match p.next_action(now) {
            DeviceAction::Send(r) => r,
            other => panic!("expected Send at {now}, got {other:?}"),
        }
    }

    #[test]
    fn authorization_request_exact() {
        let r = build_device_authorization_request(
            DEVICE_URL,
            CLIENT,
            &[
                "https://outlook.office.com/IMAP.AccessAsUser.All".to_owned(),
                "offline_access".to_owned(),
            ],
        )
        .unwrap();
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.url, DEVICE_URL);
        assert_eq!(
            r.headers,
            vec![
                ("Content-Type".to_owned(), FORM_CONTENT_TYPE.to_owned()),
                ("Accept".to_owned(), "application/json".to_owned()),
            ]
        );
        assert_eq!(
            r.form_fields(),
            vec![
                ("client_id".to_owned(), CLIENT.to_owned()),
                (
                    "scope".to_owned(),
                    "https://outlook.office.com/IMAP.AccessAsUser.All offline_access".to_owned()
                ),
            ]
        );
        let r = build_device_authorization_request(DEVICE_URL, CLIENT, &[]).unwrap();
        assert_eq!(
            r.form_fields(),
            vec![("client_id".to_owned(), CLIENT.to_owned())]
        );
        for (url, client, scopes) in [
            ("http://example.com/devicecode", CLIENT, vec![]),
            (DEVICE_URL, CLIENT, vec!["a b".to_owned()]),
        ] {
            let e = build_device_authorization_request(url, client, &scopes).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
        }
        let e = build_device_authorization_request(DEVICE_URL, "", &[]).unwrap_err();
        assert_eq!(e.code(), "invalid_client_id");
    }

    #[test]
    fn parses_microsoft_response() {
        let body = r#"{"device_code":"GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8","user_code":"FWMA4Z4LG","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5,"message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FWMA4Z4LG to authenticate."}"#;
        let a = parse_device_authorization_response(&resp(200, body), NOW).unwrap();
        assert_eq!(
            a.device_code.expose_secret(),
            "GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8"
        );
        assert_eq!(a.user_code, "FWMA4Z4LG");
        assert_eq!(a.verification_uri, "https://microsoft.com/devicelogin");
        assert_eq!(a.verification_uri_complete, None);
        assert_eq!(a.expires_at, NOW + 900);
        assert_eq!(a.interval, 5);
        assert!(a.message.unwrap().starts_with("To sign in"));
    }

    #[test]
    fn parses_google_and_rfc_variants() {
        // Google: verification_url; strings for numbers; no interval.
        let body = r#"{"device_code":"4/4-GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8","user_code":"GQVQ-JKEC","verification_url":"https://www.google.com/device","expires_in":"1800"}"#;
        let a = parse_device_authorization_response(&resp(200, body), NOW).unwrap();
        assert_eq!(a.verification_uri, "https://www.google.com/device");
        assert_eq!(a.expires_at, NOW + 1800);
        assert_eq!(a.interval, DEFAULT_INTERVAL);
        // RFC 8628 section 3.2 example, with verification_uri_complete.
        let body = r#"{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT","expires_in":1800,"interval":"7"}"#;
        let a = parse_device_authorization_response(&resp(200, body), NOW).unwrap();
        assert_eq!(
            a.verification_uri_complete.as_deref(),
            Some("https://example.com/device?user_code=WDJB-MJHT")
        );
        assert_eq!(a.interval, 7);
    }

    #[test]
    fn authorization_response_errors() {
        for body in [
            r#"{"user_code":"U","verification_uri":"https://x/d","expires_in":900}"#,
            r#"{"device_code":"D","verification_uri":"https://x/d","expires_in":900}"#,
            r#"{"device_code":"D","user_code":"U","expires_in":900}"#,
            r#"{"device_code":"D","user_code":"U","verification_uri":"https://x/d"}"#,
            r#"{"device_code":"D","user_code":"U","verification_uri":"https://x/d","expires_in":"x"}"#,
            r#"{"device_code":"D","user_code":"U","verification_uri":"javascript:alert(1)","expires_in":9}"#,
            r#"{"device_code":"D","user_code":"U","verification_uri":"https://x/d","verification_uri_complete":"data:x","expires_in":9}"#,
            r#"{"device_code":"","user_code":"U","verification_uri":"https://x/d","expires_in":9}"#,
            "<html>",
            "[]",
        ] {
            let e = parse_device_authorization_response(&resp(200, body), NOW).unwrap_err();
            assert_eq!(e.code(), "malformed", "{body}");
        }
        let e = parse_device_authorization_response(
            &resp(
                400,
                r#"{"error":"invalid_client","error_description":"AADSTS7000218: The request body must contain client_assertion or client_secret.","error_codes":[7000218]}"#,
            ),
            NOW,
        )
        .unwrap_err();
        assert_eq!(e.code(), "invalid_client");
        assert_eq!(e.oauth().unwrap().aadsts, Some(7000218));
        let e = parse_device_authorization_response(
            &resp(503, "Service Unavailable").with_header("Retry-After", "30"),
            NOW,
        )
        .unwrap_err();
        assert_eq!(
            e,
            Error::HttpError {
                status: 503,
                body_excerpt: "Service Unavailable".into(),
                retry_after: Some(30)
            }
        );
    }

    #[test]
    fn poll_results() {
        assert_eq!(
            parse_device_poll_response(&pending(), NOW, 5).unwrap(),
            PollResult::Pending {
                interval: 5,
                next_poll_at: NOW + 5
            }
        );
        assert_eq!(
            parse_device_poll_response(&resp(400, r#"{"error":"slow_down"}"#), NOW, 5).unwrap(),
            PollResult::Pending {
                interval: 10,
                next_poll_at: NOW + 10
            }
        );
        for (e, want) in [
            ("authorization_declined", PollResult::Declined),
            ("access_denied", PollResult::Declined),
            ("expired_token", PollResult::Expired),
            ("code_expired", PollResult::Expired),
        ] {
            let body = format!(r#"{{"error":"{e}"}}"#);
            assert_eq!(
                parse_device_poll_response(&resp(400, &body), NOW, 5).unwrap(),
                want
            );
        }
        let PollResult::Token(t) = parse_device_poll_response(&token_ok(), NOW, 5).unwrap() else {
            panic!()
        };
        assert_eq!(t.expires_at, Some(NOW + 3599));
        let e =
            parse_device_poll_response(&resp(400, r#"{"error":"bad_verification_code"}"#), NOW, 5)
                .unwrap_err();
        assert_eq!(e.code(), "bad_verification_code");
        let e = parse_device_poll_response(&resp(502, "<html>"), NOW, 5).unwrap_err();
        assert_eq!(e.code(), "http_error");
    }

    #[test]
    fn walk_pending_slow_down_success() {
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(900, 5), NOW).unwrap();
        assert_eq!(p.next_action(NOW), DeviceAction::PollAt(NOW + 5));
        assert_eq!(p.next_action(NOW + 4), DeviceAction::PollAt(NOW + 5));
        let r = send(&mut p, NOW + 5);
        assert_eq!(r.url, TOKEN_URL);
        assert_eq!(
            r.form_fields(),
            vec![
                (
                    "grant_type".to_owned(),
                    "urn:ietf:params:oauth:grant-type:device_code".to_owned()
                ),
                ("client_id".to_owned(), CLIENT.to_owned()),
                ("device_code".to_owned(), "d3vice-code".to_owned()),
            ]
        );
        p.receive_response(&pending(), NOW + 6).unwrap();
        assert_eq!(p.next_action(NOW + 6), DeviceAction::PollAt(NOW + 11));
        send(&mut p, NOW + 11);
        p.receive_response(&resp(400, r#"{"error":"slow_down"}"#), NOW + 11)
            .unwrap();
        assert_eq!(p.interval(), 10);
        assert_eq!(p.next_action(NOW + 12), DeviceAction::PollAt(NOW + 21));
        send(&mut p, NOW + 21);
        p.receive_response(&pending(), NOW + 21).unwrap();
        // The slower interval stays.
        assert_eq!(p.next_action(NOW + 21), DeviceAction::PollAt(NOW + 31));
        send(&mut p, NOW + 31);
        p.receive_response(&token_ok(), NOW + 32).unwrap();
        let DeviceAction::Done(DeviceOutcome::Token(t)) = p.next_action(NOW + 32) else {
            panic!()
        };
        assert_eq!(t.access_token.expose_secret(), "acc3ss");
        assert_eq!(t.expires_at, Some(NOW + 32 + 3599));
        assert!(matches!(p.outcome(), Some(DeviceOutcome::Token(_))));
        // Done stays done; feeding more is refused.
        assert!(matches!(
            p.next_action(NOW + 99),
            DeviceAction::Done(DeviceOutcome::Token(_))
        ));
        assert_eq!(
            p.receive_response(&pending(), NOW + 99).unwrap_err().code(),
            "invalid_input"
        );
    }

    #[test]
    fn polls_carry_the_client_auth_and_take_a_new_one() {
        let a1 = ClientAuth::Assertion(Secret::new("eyJ.one.sig"));
        let mut p =
            DevicePoller::with_client_auth(TOKEN_URL, CLIENT, &auth(900, 5), NOW, &a1).unwrap();
        let DeviceAction::Send(r) = p.next_action(NOW + 5) else {
            panic!("no request")
        };
        assert!(r
            .form_fields()
            .contains(&("client_assertion".into(), "eyJ.one.sig".into())));
        p.receive_response(&pending(), NOW + 5).unwrap();
        p.set_client_auth(&ClientAuth::SecretBasic(Secret::new("s")))
            .unwrap();
        let DeviceAction::Send(r) = p.next_action(NOW + 10) else {
            panic!("no request")
        };
        assert!(r
            .header("authorization")
            .is_some_and(|h| h.starts_with("Basic ")));
        assert!(!r
            .form_fields()
            .iter()
            .any(|(k, _)| k.starts_with("client_assertion")));
        // A bad credential is refused and the old one kept.
        assert!(p
            .set_client_auth(&ClientAuth::Secret(Secret::new("")))
            .is_err());
        p.receive_response(&pending(), NOW + 10).unwrap();
        let DeviceAction::Send(r) = p.next_action(NOW + 15) else {
            panic!("no request")
        };
        assert!(r.header("authorization").is_some());
    }

    #[test]
    fn walk_expiry() {
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(12, 5), NOW).unwrap();
        assert_eq!(p.expires_at(), NOW + 12);
        send(&mut p, NOW + 5);
        p.receive_response(&pending(), NOW + 5).unwrap();
        send(&mut p, NOW + 10);
        p.receive_response(&pending(), NOW + 10).unwrap();
        // Next poll would be after expiry: wake at expiry instead.
        assert_eq!(p.next_action(NOW + 10), DeviceAction::PollAt(NOW + 12));
        assert_eq!(
            p.next_action(NOW + 12),
            DeviceAction::Done(DeviceOutcome::Expired)
        );
        assert_eq!(p.outcome(), Some(&DeviceOutcome::Expired));
        // The server saying so ends it too.
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(900, 5), NOW).unwrap();
        send(&mut p, NOW + 5);
        p.receive_response(
            &resp(400, r#"{"error":"expired_token","error_codes":[70019]}"#),
            NOW + 5,
        )
        .unwrap();
        assert_eq!(
            p.next_action(NOW + 5),
            DeviceAction::Done(DeviceOutcome::Expired)
        );
        // Already expired at creation.
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(0, 5), NOW).unwrap();
        assert_eq!(
            p.next_action(NOW),
            DeviceAction::Done(DeviceOutcome::Expired)
        );
    }

    #[test]
    fn walk_decline_and_failure() {
        for body in [
            r#"{"error":"authorization_declined"}"#,
            r#"{"error":"access_denied"}"#,
        ] {
            let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(900, 5), NOW).unwrap();
            send(&mut p, NOW + 5);
            p.receive_response(&resp(400, body), NOW + 6).unwrap();
            assert_eq!(
                p.next_action(NOW + 6),
                DeviceAction::Done(DeviceOutcome::Declined)
            );
        }
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(900, 5), NOW).unwrap();
        send(&mut p, NOW + 5);
        p.receive_response(&resp(400, r#"{"error":"bad_verification_code"}"#), NOW + 6)
            .unwrap();
        let DeviceAction::Done(DeviceOutcome::Failed(e)) = p.next_action(NOW + 6) else {
            panic!()
        };
        assert_eq!(e.code(), "bad_verification_code");
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(900, 5), NOW).unwrap();
        send(&mut p, NOW + 5);
        p.receive_response(&resp(200, "<html>"), NOW + 6).unwrap();
        let DeviceAction::Done(DeviceOutcome::Failed(e)) = p.next_action(NOW + 6) else {
            panic!()
        };
        assert_eq!(e.code(), "malformed");
    }

    #[test]
    fn transient_errors_back_off_and_keep_polling() {
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(900, 5), NOW).unwrap();
        send(&mut p, NOW + 5);
        p.receive_response(
            &resp(503, "<html>down</html>").with_header("Retry-After", "30"),
            NOW + 5,
        )
        .unwrap();
        assert_eq!(p.next_action(NOW + 6), DeviceAction::PollAt(NOW + 35));
        send(&mut p, NOW + 35);
        // Retry-After shorter than the interval: the interval wins.
        p.receive_response(
            &resp(429, r#"{"error":"temporarily_unavailable"}"#).with_header("Retry-After", "1"),
            NOW + 35,
        )
        .unwrap();
        assert_eq!(p.next_action(NOW + 35), DeviceAction::PollAt(NOW + 40));
        send(&mut p, NOW + 40);
        p.receive_response(&resp(500, ""), NOW + 40).unwrap();
        assert_eq!(p.next_action(NOW + 40), DeviceAction::PollAt(NOW + 45));
        send(&mut p, NOW + 45);
        // No answer at all: the interval doubles.
        p.network_failed(NOW + 50).unwrap();
        assert_eq!(p.interval(), 10);
        assert_eq!(p.next_poll_at(), NOW + 60);
        assert_eq!(p.next_action(NOW + 50), DeviceAction::PollAt(NOW + 60));
        // A lost answer (next_action while a request is out) counts from the send time.
        send(&mut p, NOW + 60);
        assert_eq!(p.next_action(NOW + 61), DeviceAction::PollAt(NOW + 70));
        assert_eq!(
            p.network_failed(NOW + 61).unwrap_err().code(),
            "invalid_input"
        );
        send(&mut p, NOW + 70);
        p.receive_response(&token_ok(), NOW + 71).unwrap();
        assert!(matches!(
            p.next_action(NOW + 71),
            DeviceAction::Done(DeviceOutcome::Token(_))
        ));
    }

    #[test]
    fn backoff_is_capped_and_zero_interval_is_one() {
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(100_000, 0), NOW).unwrap();
        assert_eq!(p.interval(), 1);
        assert_eq!(p.next_action(NOW), DeviceAction::PollAt(NOW + 1));
        let mut now = NOW + 1;
        for _ in 0..10 {
            send(&mut p, now);
            p.network_failed(now).unwrap();
            now = p.next_poll_at();
        }
        assert_eq!(p.interval(), MAX_BACKOFF_INTERVAL);
        // Receiving before sending is a caller error.
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &auth(900, 5), NOW).unwrap();
        assert_eq!(
            p.receive_response(&pending(), NOW).unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(
            DevicePoller::new("http://example.com/t", CLIENT, &auth(900, 5), NOW)
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn redaction() {
        let a = auth(900, 5);
        let d = format!("{a:?}");
        assert!(!d.contains("d3vice-code"), "{d}");
        assert!(d.contains("FWMA4Z4LG"));
        let json = serde_json::to_string(&a).unwrap();
        let back: DeviceAuthorization = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        let mut p = DevicePoller::new(TOKEN_URL, CLIENT, &a, NOW).unwrap();
        assert!(!format!("{p:?}").contains("d3vice-code"));
        let action = p.next_action(NOW + 5);
        assert!(!format!("{action:?}").contains("d3vice-code"));
        p.receive_response(&token_ok(), NOW + 5).unwrap();
        let action = p.next_action(NOW + 5);
        let d = format!("{action:?} {p:?}");
        for s in ["d3vice-code", "acc3ss", "r3fresh"] {
            assert!(!d.contains(s), "{d}");
        }
        let r = parse_device_poll_response(&token_ok(), NOW, 5).unwrap();
        assert!(!format!("{r:?}").contains("acc3ss"));
        let req = build_device_authorization_request(DEVICE_URL, CLIENT, &[]).unwrap();
        assert!(!format!("{req:?}").contains("body: \"client"));
    }
}
