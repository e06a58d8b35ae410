//! Identity kinds: `pkce_s256`, `admin_consent_url`, `admin_consent_redirect`, `authorize_redirect`.

use super::support::*;
use mailoauth::authorize::parse_authorize_redirect;
use mailoauth::cloud::Cloud;
use mailoauth::consent::{
    build_admin_consent_url, parse_admin_consent_redirect, AdminConsentRequest,
};
use mailoauth::pkce::Pkce;
use serde_json::Value;

pub fn run(kind: &str, v: &Value) -> Outcome {
    match kind {
        "pkce_s256" => pkce_s256(v),
        "admin_consent_url" => admin_consent_url(v),
        "admin_consent_redirect" => admin_consent_redirect(v),
        "authorize_redirect" => authorize_redirect(v),
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
