//! Vector kinds `diagnose_token_error`, `access_token_lint`, `config_lint` and `runbook`
//! (tests/vectors/README.md).

use super::support::*;
use mailoauth::cloud::{Cloud, Grant, Protocol};
use mailoauth::diagnose::config_lint::{lint_config, ConfigInput, Flow};
use mailoauth::diagnose::entra::explain_error_body;
use mailoauth::diagnose::runbook::{build_runbook, RunbookInput, RunbookVariant};
use mailoauth::diagnose::token_lint::lint_access_token;
use mailoauth::diagnose::token_lint::LintFinding;
use mailoauth::Secret;
use serde_json::Value;

pub fn run(kind: &str, v: &Value) -> Outcome {
    match kind {
        "diagnose_token_error" => token_error(v),
        "access_token_lint" => token_lint(v),
        "config_lint" => config_lint(v),
        "runbook" => runbook(v),
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
    findings(v, &lint.findings)
}

/// Checks `expect.findings` (a set of codes), and `expect.severities` and `expect.fix_contains`
/// when present.
fn findings(v: &Value, findings: &[LintFinding]) -> Outcome {
    let mut got: Vec<String> = findings.iter().map(|f| f.code.clone()).collect();
    got.sort();
    got.dedup();
    let mut want: Vec<String> = strings(expect(v, "findings"), "expect.findings")?;
    want.sort();
    want.dedup();
    eq("findings", got, want)?;
    if let Some(map) = expect(v, "severities").as_object() {
        for (code, sev) in map {
            let f = findings
                .iter()
                .find(|f| &f.code == code)
                .ok_or_else(|| format!("severities names {code:?}, which is not a finding"))?;
            eq(
                &format!("severity of {code}"),
                Some(f.severity.as_str()),
                sev.as_str(),
            )?;
        }
    }
    if let Some(map) = expect(v, "fix_contains").as_object() {
        for (code, text) in map {
            let f = findings
                .iter()
                .find(|f| &f.code == code)
                .ok_or_else(|| format!("fix_contains names {code:?}, which is not a finding"))?;
            let text = text.as_str().ok_or("fix_contains holds a non-string")?;
            if !f.fix.contains(text) {
                return Err(format!("fix of {code} {:?} lacks {text:?}", f.fix));
            }
        }
    }
    Ok(())
}

/// A JSON array of strings.
fn strings(x: &Value, what: &str) -> Result<Vec<String>, String> {
    x.as_array()
        .ok_or_else(|| format!("{what} missing or not an array"))?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{what} holds a non-string"))
        })
        .collect()
}

fn config_lint(v: &Value) -> Outcome {
    let flow: Flow = s(v, "input", "flow")?
        .parse()
        .map_err(|e| format!("input.flow: {e}"))?;
    let input = v.get("input").ok_or("input missing")?;
    let mut config = ConfigInput::new(flow);
    config.tenant = opt_s(v, "input", "tenant").map(str::to_owned);
    config.client_id = opt_s(v, "input", "client_id").map(str::to_owned);
    config.client_secret = opt_s(v, "input", "client_secret").map(Secret::new);
    config.scopes = strings(input.get("scopes").unwrap_or(&Value::Null), "input.scopes")?;
    config.authority = opt_s(v, "input", "authority").map(str::to_owned);
    config.has_certificate = input
        .get("has_certificate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    findings(v, &lint_config(&config))
}

fn runbook(v: &Value) -> Outcome {
    let input = v.get("input").ok_or("input missing")?;
    let variant: RunbookVariant = s(v, "input", "variant")?
        .parse()
        .map_err(|e| format!("input.variant: {e}"))?;
    let protocols = strings(
        input.get("protocols").unwrap_or(&Value::Null),
        "input.protocols",
    )?
    .iter()
    .map(|p| {
        p.parse::<Protocol>()
            .map_err(|e| format!("input.protocols: {e}"))
    })
    .collect::<Result<Vec<_>, _>>()?;
    let cloud =
        Cloud::from_name(s(v, "input", "cloud")?).map_err(|e| format!("input.cloud: {e}"))?;
    let rb = RunbookInput {
        tenant: s(v, "input", "tenant")?.to_owned(),
        client_id: s(v, "input", "client_id")?.to_owned(),
        service_principal_object_id: opt_s(v, "input", "object_id").map(str::to_owned),
        display_name: None,
        mailboxes: strings(
            input.get("mailboxes").unwrap_or(&Value::Null),
            "input.mailboxes",
        )?,
        protocols,
        cloud,
        send_as: false,
        variant,
    };
    let Some(r) = check_error(v, build_runbook(&rb))? else {
        return Ok(());
    };
    let commands: Vec<&String> = r.steps.iter().flat_map(|s| &s.commands).collect();
    for line in strings(expect(v, "commands_contain"), "expect.commands_contain")? {
        if !commands.iter().any(|c| **c == line) {
            return Err(format!(
                "no command is {line:?}; the commands: {commands:#?}"
            ));
        }
    }
    if !expect(v, "commands_exclude").is_null() {
        for text in strings(expect(v, "commands_exclude"), "expect.commands_exclude")? {
            if let Some(c) = commands.iter().find(|c| c.contains(&text)) {
                return Err(format!("command {c:?} contains {text:?}"));
            }
        }
    }
    Ok(())
}
