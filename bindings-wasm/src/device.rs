//! The device-code flow (RFC 8628): the device authorization request and response, poll
//! answers, and the `DevicePoller` state machine (feature `full`: not in the page's build).

use crate::convert::{self, opt_num, options, redacted, secs, Given};
use crate::errors::{self, IntoJsResult};
use crate::http::{HttpRequest, HttpResponse};
use crate::tokens::TokenSet;
use mailoauth::device::{
    self, DeviceAction, DeviceAuthorization as CoreDeviceAuthorization, DeviceOutcome,
    DevicePoller as CorePoller, PollResult,
};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_DEVICE: &'static str = r#"
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
"#;

#[wasm_bindgen]
extern "C" {
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
}

options! {
    /// The device authorization request (RFC 8628 section 3.1).
    struct DeviceAuthorizationArgs => DeviceAuthorizationRequestOptions {
        /// The device authorization endpoint.
        device_authorization_url: String = "deviceAuthorizationUrl",
        /// The application (client) id.
        client_id: String = "clientId",
        /// The scopes (include `offline_access` for a refresh token).
        scopes: Given = "scopes",
    }
}

/// The device authorization request (include `offline_access` in `scopes` for a refresh token).
#[wasm_bindgen(js_name = buildDeviceAuthorizationRequest)]
pub fn build_device_authorization_request(
    options: DeviceAuthorizationRequestOptions,
) -> Result<HttpRequest, JsValue> {
    let a = DeviceAuthorizationArgs::read("buildDeviceAuthorizationRequest", options.into())?;
    device::build_device_authorization_request(
        &a.device_authorization_url,
        &a.client_id,
        &a.scopes.0,
    )
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
