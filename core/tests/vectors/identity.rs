//! Identity kinds: `pkce_s256`, `admin_consent_url`, `admin_consent_redirect`, `authorize_redirect`,
//! `client_credentials_request`, `cloud_preset`.

use super::support::*;
use mailoauth::authorize::parse_authorize_redirect;
use mailoauth::cloud::{Cloud, Protocol};
use mailoauth::consent::{
    build_admin_consent_url, parse_admin_consent_redirect, AdminConsentRequest,
};
use mailoauth::pkce::Pkce;
use mailoauth::token::{build_client_credentials_request, ClientAuth, ClientAuthMethod};
use mailoauth::Secret;
use serde_json::Value;

pub fn run(kind: &str, v: &Value) -> Outcome {
    match kind {
        "pkce_s256" => pkce_s256(v),
        "admin_consent_url" => admin_consent_url(v),
        "admin_consent_redirect" => admin_consent_redirect(v),
        "authorize_redirect" => authorize_redirect(v),
        "client_credentials_request" => client_credentials_request(v),
        "cloud_preset" => cloud_preset(v),
        other => Err(format!("kind {other:?} is not an identity kind")),
    }
}

fn pkce_s256(v: &Value) -> Outcome {
    let input = v.get("input").ok_or("input missing")?;
    let result = if let Some(octets) = input.get("octets") {
        let list = octets.as_array().ok_or("input.octets is not an array")?;
        let bytes: Vec<u8> = list
            .iter()
            .map(|n| {
                n.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| format!("input.octets holds {n}, not a byte"))
            })
            .collect::<Result<_, _>>()?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("input.octets has {} bytes, not 32", b.len()))?;
        Ok(Pkce::from_random(&bytes))
    } else {
        Pkce::from_verifier(s(v, "input", "verifier")?)
    };
    let Some(p) = check_error(v, result)? else {
        return Ok(());
    };
    if let Some(want) = expect(v, "verifier").as_str() {
        eq("verifier", p.verifier().expose_secret(), want)?;
    }
    eq("challenge", p.challenge(), s(v, "expect", "challenge")?)?;
    eq("method", p.method(), "S256")
}

fn admin_consent_url(v: &Value) -> Outcome {
    let cloud =
        Cloud::from_name(s(v, "input", "cloud")?).map_err(|e| format!("input.cloud: {e}"))?;
    let variant = s(v, "input", "variant")?
        .parse()
        .map_err(|e| format!("input.variant: {e}"))?;
    let owned = |k: &str| opt_s(v, "input", k).map(str::to_owned);
    let req = AdminConsentRequest {
        cloud,
        tenant: s(v, "input", "tenant")?.to_owned(),
        client_id: s(v, "input", "client_id")?.to_owned(),
        redirect_uri: owned("redirect_uri"),
        scope: owned("scope"),
        state: owned("state"),
        variant,
    };
    let Some(url) = check_error(v, build_admin_consent_url(&req))? else {
        return Ok(());
    };
    url_eq(&url, s(v, "expect", "url")?)
}

fn admin_consent_redirect(v: &Value) -> Outcome {
    let r = parse_admin_consent_redirect(
        s(v, "input", "redirect_url")?,
        opt_s(v, "input", "expected_state"),
    );
    if let (Some(want), Err(e)) = (expect(v, "aadsts").as_u64(), &r) {
        let got = e.oauth().and_then(|o| o.aadsts).map(u64::from);
        eq("aadsts", got, Some(want))?;
    }
    let Some(r) = check_error(v, r)? else {
        return Ok(());
    };
    eq("granted", Some(r.granted), expect(v, "granted").as_bool())?;
    if let Some(t) = v.get("expect").and_then(|e| e.get("tenant")) {
        eq("tenant", r.tenant, opt_string(t))?;
    }
    if let Some(sc) = v.get("expect").and_then(|e| e.get("scope")) {
        eq("scope", r.scope, opt_string(sc))?;
    }
    Ok(())
}

fn authorize_redirect(v: &Value) -> Outcome {
    let r = parse_authorize_redirect(
        s(v, "input", "redirect_url")?,
        s(v, "input", "expected_state")?,
        opt_s(v, "input", "expected_issuer"),
    );
    if let (Some(_), Err(e)) = (v.get("expect").and_then(|x| x.get("error_description")), &r) {
        let got = e.oauth().and_then(|o| o.error_description.clone());
        eq(
            "error_description",
            got,
            opt_string(expect(v, "error_description")),
        )?;
    }
    let Some(c) = check_error(v, r)? else {
        return Ok(());
    };
    eq("code", c.code.expose_secret(), s(v, "expect", "code")?)
}

fn client_credentials_request(v: &Value) -> Outcome {
    let input = |k: &str| v["input"].get(k).and_then(Value::as_str);
    let (secret, assertion) = (input("client_secret"), input("client_assertion"));
    // Optional `client_auth` names the method; without it a secret goes in the body.
    let auth = match input("client_auth") {
        Some(m) => ClientAuthMethod::parse(m)
            .and_then(|m| m.with_credential(secret.or(assertion).map(Secret::new))),
        None => Ok(match (secret, assertion) {
            (Some(x), _) => ClientAuth::Secret(Secret::new(x)),
            (None, Some(a)) => ClientAuth::Assertion(Secret::new(a)),
            (None, None) => ClientAuth::None,
        }),
    };
    let r = auth.and_then(|auth| {
        build_client_credentials_request(
            input("token_url").unwrap_or_default(),
            input("client_id").unwrap_or_default(),
            input("scope").unwrap_or_default(),
            &auth,
        )
    });
    let Some(req) = check_error(v, r)? else {
        return Ok(());
    };
    check_request(v, &req)
}

fn cloud_preset(v: &Value) -> Outcome {
    let Some(c) = check_error(v, Cloud::from_name(s(v, "input", "cloud")?))? else {
        return Ok(());
    };
    eq("id", Some(c.id.as_str()), expect(v, "id").as_str())?;
    eq(
        "login_base",
        Some(c.login_base.as_str()),
        expect(v, "login_base").as_str(),
    )?;
    eq(
        "imap_host",
        Some(c.imap_host.as_str()),
        expect(v, "imap_host").as_str(),
    )?;
    eq(
        "pop_host",
        Some(c.pop_host.as_str()),
        expect(v, "pop_host").as_str(),
    )?;
    eq(
        "smtp_host",
        Some(c.smtp_host.as_str()),
        expect(v, "smtp_host").as_str(),
    )?;
    let got = c.delegated_scopes(&Protocol::ALL, true);
    let want: Vec<String> = expect(v, "delegated_scopes")
        .as_array()
        .ok_or("expect.delegated_scopes missing or not an array")?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_owned)
                .ok_or("expect.delegated_scopes holds a non-string")
        })
        .collect::<Result<_, _>>()?;
    eq("delegated_scopes", got, want)
}
