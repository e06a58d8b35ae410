//! Kinds `xoauth2`, `oauthbearer`, `sasl_error_challenge`.
use super::support::*;
use mailoauth::sasl;
use serde_json::Value;

pub fn run(kind: &str, v: &Value) -> Outcome {
    match kind {
        "xoauth2" => {
            let r = sasl::xoauth2_base64(s(v, "input", "user")?, s(v, "input", "token")?);
            if let Some(b64) = check_error(v, r)? {
                eq("base64", b64.as_str(), s(v, "expect", "base64")?)?;
            }
            Ok(())
        }
        "oauthbearer" => {
            let port = match v["input"].get("port") {
                None | Some(Value::Null) => None,
                Some(p) => Some(
                    p.as_u64()
                        .and_then(|p| u16::try_from(p).ok())
                        .ok_or("input.port is not a port number")?,
                ),
            };
            let r = sasl::oauthbearer_base64(
                s(v, "input", "user")?,
                s(v, "input", "token")?,
                opt_s(v, "input", "host"),
                port,
            );
            if let Some(b64) = check_error(v, r)? {
                eq("base64", b64.as_str(), s(v, "expect", "base64")?)?;
            }
            Ok(())
        }
        "sasl_error_challenge" => {
            let r = sasl::decode_error_challenge(s(v, "input", "base64")?);
            if let Some(e) = check_error(v, r)? {
                eq("status", e.status, opt_string(expect(v, "status")))?;
                eq("schemes", e.schemes, opt_string(expect(v, "schemes")))?;
                eq("scope", e.scope, opt_string(expect(v, "scope")))?;
                eq(
                    "openid_configuration",
                    e.openid_configuration,
                    opt_string(expect(v, "openid_configuration")),
                )?;
            }
            Ok(())
        }
        other => Err(format!("sasl runner does not handle {other}")),
    }
}
