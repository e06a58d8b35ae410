//! Vector kinds `diagnose_token_error` and `access_token_lint` (tests/vectors/README.md).

use super::support::*;
use mailoauth::cloud::{Cloud, Grant, Protocol};
use mailoauth::diagnose::entra::explain_error_body;
use mailoauth::diagnose::token_lint::lint_access_token;
use serde_json::Value;

pub fn run(kind: &str, v: &Value) -> Outcome {
    match kind {
        "diagnose_token_error" => token_error(v),
        "access_token_lint" => token_lint(v),
        other => Err(format!("kind {other:?} is not a diagnose kind")),
    }
}

fn token_error(v: &Value) -> Outcome {
    let body = s(v, "input", "body")?;
    let Some(x) = check_error(v, explain_error_body(body))? else {
        return Ok(());
    };
    let want_aadsts = expect(v, "aadsts");
    if !want_aadsts.is_null() || v.get("expect").is_some_and(|e| e.get("aadsts").is_some()) {
        eq("aadsts", x.aadsts.map(u64::from), want_aadsts.as_u64())?;
    }
    if let Some(known) = expect(v, "known").as_bool() {
        eq("known", x.known, known)?;
    }
    Ok(())
}

fn token_lint(v: &Value) -> Outcome {
    let token = s(v, "input", "token")?;
    let protocol: Protocol = s(v, "input", "protocol")?
        .parse()
        .map_err(|e| format!("input.protocol: {e}"))?;
    let grant: Grant = s(v, "input", "grant")?
        .parse()
        .map_err(|e| format!("input.grant: {e}"))?;
    let user = opt_s(v, "input", "user");
    let now = u(v, "input", "now")?;
    let cloud = match opt_s(v, "input", "cloud") {
        Some(name) => Some(Cloud::from_name(name).map_err(|e| format!("input.cloud: {e}"))?),
        None => None,
    };
    let lint = lint_access_token(token, protocol, grant, user, now, cloud.as_ref());
    let mut got: Vec<String> = lint.findings.into_iter().map(|f| f.code).collect();
    got.sort();
    got.dedup();
    let mut want: Vec<String> = expect(v, "findings")
        .as_array()
        .ok_or("expect.findings missing or not an array")?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_owned)
                .ok_or("expect.findings holds a non-string")
        })
        .collect::<Result<_, _>>()?;
    want.sort();
    want.dedup();
    eq("findings", got, want)
}
