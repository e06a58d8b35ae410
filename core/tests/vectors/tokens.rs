//! Kinds `token_response`, `device_authorization_response`, `device_poll_response`.
use super::support::*;
use mailoauth::device::{
    parse_device_authorization_response, parse_device_poll_response, PollResult,
};
use mailoauth::http::HttpResponse;
use mailoauth::token::{parse_token_response, TokenSet};
use mailoauth::Error;
use serde_json::Value;

pub fn run(kind: &str, v: &Value) -> Outcome {
    let resp = response(v)?;
    let now = u(v, "input", "now")?;
    match kind {
        "token_response" => match parse_token_response(&resp, now) {
            Ok(t) => match expect(v, "token") {
                Value::Null => Err(format!("expected an error, got a token set {t:?}")),
                want => check_token(&t, want),
            },
            Err(e) => check_error_value(v, &e),
        },
        "device_authorization_response" => match parse_device_authorization_response(&resp, now) {
            Ok(a) => {
                if !expect(v, "error").is_null() {
                    return Err(format!("expected an error, got {a:?}"));
                }
                eq(
                    "device_code",
                    Some(a.device_code.expose_secret()),
                    expect(v, "device_code").as_str(),
                )?;
                eq(
                    "user_code",
                    Some(a.user_code.as_str()),
                    expect(v, "user_code").as_str(),
                )?;
                eq(
                    "verification_uri",
                    Some(a.verification_uri.as_str()),
                    expect(v, "verification_uri").as_str(),
                )?;
                eq(
                    "expires_at",
                    Some(a.expires_at),
                    expect(v, "expires_at").as_u64(),
                )?;
                eq("interval", Some(a.interval), expect(v, "interval").as_u64())?;
                if let Some(want) = v
                    .get("expect")
                    .and_then(|e| e.get("verification_uri_complete"))
                {
                    eq(
                        "verification_uri_complete",
                        a.verification_uri_complete.clone(),
                        opt_string(want),
                    )?;
                }
                if let Some(want) = v.get("expect").and_then(|e| e.get("message")) {
                    eq("message", a.message.clone(), opt_string(want))?;
                }
                Ok(())
            }
            Err(e) => check_error_value(v, &e),
        },
        "device_poll_response" => {
            let interval = u(v, "input", "interval")?;
            match parse_device_poll_response(&resp, now, interval) {
                Ok(r) => {
                    if !expect(v, "error").is_null() {
                        return Err(format!("expected an error, got {r:?}"));
                    }
                    let want_state = expect(v, "state")
                        .as_str()
                        .ok_or("expect.state missing or not a string")?;
                    match r {
                        PollResult::Pending {
                            interval,
                            next_poll_at,
                        } => {
                            eq("state", "pending", want_state)?;
                            eq("interval", Some(interval), expect(v, "interval").as_u64())?;
                            eq(
                                "next_poll_at",
                                Some(next_poll_at),
                                expect(v, "next_poll_at").as_u64(),
                            )
                        }
                        PollResult::Declined => eq("state", "declined", want_state),
                        PollResult::Expired => eq("state", "expired", want_state),
                        PollResult::Token(t) => {
                            eq("state", "token", want_state)?;
                            match expect(v, "token") {
                                Value::Null => Ok(()),
                                want => check_token(&t, want),
                            }
                        }
                    }
                }
                Err(e) => check_error_value(v, &e),
            }
        }
        other => Err(format!("tokens runner does not handle {other}")),
    }
}

/// The `HttpResponse` of `input.status`, `input.body` and optional `input.headers`
/// (an object of name → value).
fn response(v: &Value) -> Result<HttpResponse, String> {
    let status = u(v, "input", "status")?;
    let status = u16::try_from(status).map_err(|_| "input.status is not an HTTP status")?;
    let mut resp = HttpResponse::new(status, s(v, "input", "body")?.as_bytes().to_vec());
    if let Some(headers) = v["input"].get("headers").and_then(Value::as_object) {
        for (k, val) in headers {
            let val = val.as_str().ok_or("input.headers values must be strings")?;
            resp = resp.with_header(k.clone(), val);
        }
    }
    Ok(resp)
}

/// `expect.token`: `access_token`, `token_type`, `expires_at`, `refresh_token`, `scope`
/// (absent means null).
fn check_token(t: &TokenSet, want: &Value) -> Outcome {
    let field = |k: &str| want.get(k).unwrap_or(&Value::Null);
    eq(
        "token.access_token",
        Some(t.access_token.expose_secret()),
        field("access_token").as_str(),
    )?;
    eq(
        "token.token_type",
        Some(t.token_type.as_str()),
        field("token_type").as_str(),
    )?;
    eq(
        "token.expires_at",
        t.expires_at,
        field("expires_at").as_u64(),
    )?;
    eq(
        "token.refresh_token",
        t.refresh_token.as_ref().map(|r| r.expose_secret()),
        field("refresh_token").as_str(),
    )?;
    eq("token.scope", t.scope.as_deref(), field("scope").as_str())
}

/// `expect.error`: a code string, or an object {`error`, `error_codes`, `aadsts`} where
/// `error` is the server's value, or `http_error` / `malformed` with no codes.
fn check_error_value(v: &Value, e: &Error) -> Outcome {
    match expect(v, "error") {
        Value::Null => Err(format!("unexpected error {}: {e}", e.code())),
        Value::String(code) => eq("error code", e.code(), code.as_str()),
        Value::Object(want) => {
            let want_error = want
                .get("error")
                .and_then(Value::as_str)
                .ok_or("expect.error.error missing or not a string")?;
            eq("error.error", e.code(), want_error)?;
            let (codes, aadsts) = match e.oauth() {
                Some(o) => (o.error_codes.clone(), o.aadsts),
                None => (Vec::new(), None),
            };
            if let Some(w) = want.get("error_codes") {
                let w: Vec<u32> = w
                    .as_array()
                    .ok_or("expect.error.error_codes is not an array")?
                    .iter()
                    .map(|c| c.as_u64().and_then(|c| u32::try_from(c).ok()))
                    .collect::<Option<_>>()
                    .ok_or("expect.error.error_codes holds a non-integer")?;
                eq("error.error_codes", codes, w)?;
            }
            eq(
                "error.aadsts",
                aadsts.map(u64::from),
                want.get("aadsts").and_then(Value::as_u64),
            )
        }
        other => Err(format!("expect.error has an unexpected shape: {other}")),
    }
}
