//! Kinds `imap_auth`, `pop_auth`, `smtp_auth` (transcripts) and `diagnose_reply`.
//!
//! A transcript is walked in order (tests/vectors/README.md): `C` — the machine must now emit
//! exactly these bytes; `S` — the machine must be waiting for a line, and gets this one. After the
//! last entry the machine must be done, with the expected outcome.
use super::support::*;
use mailoauth::cloud::Protocol;
use mailoauth::diagnose::reply::{diagnose_reply, personal_account_diagnosis};
use mailoauth::imap::{ImapAuth, ImapAuthConfig};
use mailoauth::login::{Action, AuthOutcome, InitialResponse, LoginMachine};
use mailoauth::pop3::{PopAuth, PopAuthConfig};
use mailoauth::sasl::{Credentials, Mechanism};
use mailoauth::smtp::{SmtpAuth, SmtpAuthConfig};
use serde_json::Value;

pub fn run(kind: &str, v: &Value) -> Outcome {
    match kind {
        "imap_auth" => {
            let config = ImapAuthConfig {
                mechanism: mechanism(v)?,
                credentials: credentials(v)?,
                tag: s(v, "input", "tag")?.to_owned(),
                capabilities: string_list(v, "capabilities")?.unwrap_or_default(),
            };
            transcript(v, ImapAuth::new(config))
        }
        "pop_auth" => {
            let config = PopAuthConfig {
                mechanism: mechanism(v)?,
                credentials: credentials(v)?,
                capabilities: string_list(v, "capabilities")?,
                initial_response: initial_response(v)?,
            };
            transcript(v, PopAuth::new(config))
        }
        "smtp_auth" => {
            let config = SmtpAuthConfig {
                mechanism: mechanism(v)?,
                credentials: credentials(v)?,
                ehlo_keywords: string_list(v, "ehlo")?.unwrap_or_default(),
                initial_response: initial_response(v)?,
            };
            transcript(v, SmtpAuth::new(config))
        }
        "diagnose_reply" => {
            let protocol: Protocol = s(v, "input", "protocol")?
                .parse()
                .map_err(|e: mailoauth::Error| format!("input.protocol: {e}"))?;
            let line = s(v, "input", "line")?;
            let personal = v
                .get("input")
                .and_then(|i| i.get("personal"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let d = diagnose_reply(protocol, line);
            let d = if personal {
                d.and_then(|d| personal_account_diagnosis(&d.code))
            } else {
                d
            };
            eq(
                "code",
                d.as_ref().map(|d| d.code.clone()),
                opt_string(expect(v, "code")),
            )?;
            if let Some(text) = expect(v, "fix_contains").as_str() {
                let fix = d.map(|d| d.fix).unwrap_or_default();
                if !fix.contains(text) {
                    return Err(format!("fix {fix:?} lacks {text:?}"));
                }
            }
            Ok(())
        }
        other => Err(format!("mail runner does not handle {other}")),
    }
}

fn mechanism(v: &Value) -> Result<Mechanism, String> {
    s(v, "input", "mechanism")?
        .parse()
        .map_err(|e: mailoauth::Error| format!("input.mechanism: {e}"))
}

fn credentials(v: &Value) -> Result<Credentials, String> {
    let mut c = Credentials::new(s(v, "input", "user")?, s(v, "input", "token")?);
    c.host = opt_s(v, "input", "host").map(str::to_owned);
    c.port = match v["input"].get("port") {
        None | Some(Value::Null) => None,
        Some(p) => Some(
            p.as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or("input.port is not a port number")?,
        ),
    };
    Ok(c)
}

fn initial_response(v: &Value) -> Result<InitialResponse, String> {
    match opt_s(v, "input", "initial_response") {
        None => Ok(InitialResponse::Auto),
        Some(p) => p
            .parse()
            .map_err(|e: mailoauth::Error| format!("input.initial_response: {e}")),
    }
}

fn string_list(v: &Value, key: &str) -> Result<Option<Vec<String>>, String> {
    match v["input"].get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("input.{key} holds a non-string"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!("input.{key} is not an array")),
    }
}

fn transcript<M: LoginMachine>(v: &Value, built: mailoauth::Result<M>) -> Outcome {
    let entries = v
        .get("transcript")
        .and_then(Value::as_array)
        .ok_or("transcript missing or not an array")?;
    let outcome = match built {
        Err(e) => {
            if !entries.is_empty() {
                return Err(format!(
                    "the machine refused to start ({}: {e}) but the transcript is not empty",
                    e.code()
                ));
            }
            AuthOutcome::Error(e)
        }
        Ok(mut m) => {
            for (i, entry) in entries.iter().enumerate() {
                if let Some(c) = entry.get("C").and_then(Value::as_str) {
                    match m.next_action() {
                        Action::Send(bytes) => {
                            if bytes != c.as_bytes() {
                                return Err(format!(
                                    "transcript[{i}] C: got {:?}, want {c:?}",
                                    String::from_utf8_lossy(&bytes)
                                ));
                            }
                        }
                        other => {
                            return Err(format!("transcript[{i}] C: the machine wants {other:?}"))
                        }
                    }
                } else if let Some(line) = entry.get("S").and_then(Value::as_str) {
                    match m.next_action() {
                        Action::NeedLine => {}
                        other => {
                            return Err(format!(
                            "transcript[{i}] S: the machine is not waiting for a line: {other:?}"
                        ))
                        }
                    }
                    // A protocol error is the machine's outcome, checked below; an error of the
                    // call itself would be this runner's mistake.
                    m.receive_line(line.as_bytes())
                        .map_err(|e| format!("transcript[{i}] S: receive_line failed: {e}"))?;
                } else {
                    return Err(format!("transcript[{i}] has neither C nor S"));
                }
            }
            match m.next_action() {
                Action::Done(o) => o,
                other => {
                    return Err(format!(
                        "after the transcript the machine is not done: {other:?}"
                    ))
                }
            }
        }
    };
    check_outcome(v, &outcome)
}

fn check_outcome(v: &Value, outcome: &AuthOutcome) -> Outcome {
    let want = s(v, "expect", "outcome")?;
    let has = |k: &str| v.get("expect").and_then(|e| e.get(k)).is_some();
    match (want, outcome) {
        ("authenticated", AuthOutcome::Authenticated(a)) => {
            if has("server_text") {
                eq(
                    "server_text",
                    Some(a.server_text.clone()),
                    opt_string(expect(v, "server_text")),
                )?;
            }
            Ok(())
        }
        ("rejected", AuthOutcome::Rejected(r)) => {
            if has("server_text") {
                eq(
                    "server_text",
                    Some(r.server_text.clone()),
                    opt_string(expect(v, "server_text")),
                )?;
            }
            if has("diagnosis") {
                eq(
                    "diagnosis",
                    r.diagnosis.as_ref().map(|d| d.code.clone()),
                    opt_string(expect(v, "diagnosis")),
                )?;
            }
            if has("retry_with_fresh_token") {
                eq(
                    "retry_with_fresh_token",
                    Some(r.retry_with_fresh_token),
                    expect(v, "retry_with_fresh_token").as_bool(),
                )?;
            }
            if has("reply_code") {
                eq(
                    "reply_code",
                    r.reply_code.map(u64::from),
                    expect(v, "reply_code").as_u64(),
                )?;
            }
            if has("enhanced_status") {
                eq(
                    "enhanced_status",
                    r.enhanced_status.clone(),
                    opt_string(expect(v, "enhanced_status")),
                )?;
            }
            if has("sasl_error") {
                let want = expect(v, "sasl_error");
                match (&r.sasl_error, want) {
                    (None, Value::Null) => {}
                    (Some(got), Value::Object(_)) => {
                        let field = |k: &str| opt_string(&want[k]);
                        eq("sasl_error.status", got.status.clone(), field("status"))?;
                        eq("sasl_error.schemes", got.schemes.clone(), field("schemes"))?;
                        eq("sasl_error.scope", got.scope.clone(), field("scope"))?;
                        eq(
                            "sasl_error.openid_configuration",
                            got.openid_configuration.clone(),
                            field("openid_configuration"),
                        )?;
                    }
                    (got, want) => return Err(format!("sasl_error: got {got:?}, want {want}")),
                }
            }
            Ok(())
        }
        ("error", AuthOutcome::Error(e)) => {
            let code = expected_error(v).ok_or("expect.error missing for outcome error")?;
            eq("error code", e.code(), code)
        }
        (want, got) => Err(format!("outcome: got {got:?}, want {want}")),
    }
}
