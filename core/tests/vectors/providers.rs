//! Provider kinds: `well_known_urls`, `provider_metadata`, `provider_preset`, `provider_request`,
//! `certificate_pem`, `private_key_pem`.

use super::support::*;
use mailoauth::assertion::{certificate_der_from_pem, check_private_key, x5t_s256};
use mailoauth::authorize::{build_authorize_url, AuthorizeRequest};
use mailoauth::cloud::Protocol;
use mailoauth::discovery::{parse_provider_metadata, well_known_urls};
use mailoauth::http::HttpResponse;
use mailoauth::provider::{google, ProviderId};
use mailoauth::token::{build_auth_code_request, build_refresh_request, ClientAuth};
use mailoauth::Secret;
use serde_json::Value;

pub fn run(kind: &str, v: &Value) -> Outcome {
    match kind {
        "well_known_urls" => well_known(v),
        "provider_metadata" => provider_metadata(v),
        "provider_preset" => provider_preset(v),
        "provider_request" => provider_request(v),
        "certificate_pem" => certificate_pem(v),
        "private_key_pem" => private_key_pem(v),
        other => Err(format!("kind {other:?} is not a provider kind")),
    }
}

fn well_known(v: &Value) -> Outcome {
    let Some(urls) = check_error(v, well_known_urls(s(v, "input", "issuer")?))? else {
        return Ok(());
    };
    eq("urls", Some(urls), opt_strings(v, "urls")?)
}

fn provider_metadata(v: &Value) -> Outcome {
    let status = v["input"]
        .get("status")
        .and_then(Value::as_u64)
        .unwrap_or(200);
    let resp = HttpResponse::new(
        u16::try_from(status).map_err(|_| "input.status is not an HTTP status")?,
        s(v, "input", "document")?,
    );
    let now = v["input"].get("now").and_then(Value::as_u64).unwrap_or(0);
    let r = parse_provider_metadata(&resp, s(v, "input", "issuer")?, now);
    let Some(m) = check_error(v, r)? else {
        return Ok(());
    };
    let x = &v["expect"];
    let text = |field: &str, got: Option<&str>| -> Outcome {
        match x.get(field) {
            Some(want) => eq(field, got, want.as_str()),
            None => Ok(()),
        }
    };
    text("issuer", Some(&m.issuer))?;
    text(
        "authorization_endpoint",
        m.authorization_endpoint.as_deref(),
    )?;
    text("token_endpoint", Some(&m.token_endpoint))?;
    text(
        "device_authorization_endpoint",
        m.device_authorization_endpoint.as_deref(),
    )?;
    text("revocation_endpoint", m.revocation_endpoint.as_deref())?;
    for (field, got) in [
        ("grant_types_supported", &m.grant_types_supported),
        (
            "token_endpoint_auth_methods_supported",
            &m.token_endpoint_auth_methods_supported,
        ),
        (
            "token_endpoint_auth_signing_alg_values_supported",
            &m.token_endpoint_auth_signing_alg_values_supported,
        ),
        ("scopes_supported", &m.scopes_supported),
        (
            "code_challenge_methods_supported",
            &m.code_challenge_methods_supported,
        ),
    ] {
        if let Some(want) = opt_strings(v, field)? {
            eq(field, got, &want)?;
        }
    }
    if let Some(want) = x.get("authorization_response_iss_parameter_supported") {
        eq(
            "authorization_response_iss_parameter_supported",
            Some(m.authorization_response_iss_parameter_supported),
            want.as_bool(),
        )?;
    }
    if let Some(want) = x.get("chosen_client_auth") {
        let flag = |k: &str| v["input"].get(k).and_then(Value::as_bool).unwrap_or(false);
        let got = match m.choose_client_auth(flag("has_secret"), flag("has_key")) {
            Ok(method) => Some(method.as_str()),
            Err(e) if e.code() == "invalid_input" => None,
            Err(e) => return Err(format!("choose_client_auth: unexpected error {e}")),
        };
        eq("chosen_client_auth", got, want.as_str())?;
    }
    Ok(())
}

/// Google is the one preset with endpoints here (Microsoft's are `cloud_preset`'s).
fn google_only(v: &Value) -> Result<(), String> {
    match s(v, "input", "provider")? {
        "google" => Ok(()),
        other => Err(format!(
            "no preset request for provider {other:?} (only google)"
        )),
    }
}

fn provider_preset(v: &Value) -> Outcome {
    google_only(v)?;
    let e = google::endpoints();
    eq("issuer", e.issuer.as_deref(), expect(v, "issuer").as_str())?;
    eq(
        "authorize_url",
        Some(e.authorize_url.as_str()),
        expect(v, "authorize_url").as_str(),
    )?;
    eq(
        "token_url",
        Some(e.token_url.as_str()),
        expect(v, "token_url").as_str(),
    )?;
    eq(
        "device_authorization_url",
        Some(e.device_authorization_url.as_str()),
        expect(v, "device_authorization_url").as_str(),
    )?;
    eq("scopes", Some(google::scopes()), opt_strings(v, "scopes")?)?;
    for (field, p) in [
        ("imap", Protocol::Imap),
        ("pop", Protocol::Pop),
        ("smtp", Protocol::Smtp),
    ] {
        let (host, port) = google::mail_server(p);
        let want = expect(v, field);
        eq(
            field,
            (Some(host.as_str()), Some(u64::from(port))),
            (want[0].as_str(), want[1].as_u64()),
        )?;
    }
    Ok(())
}

fn provider_request(v: &Value) -> Outcome {
    let input = |k: &str| v["input"].get(k).and_then(Value::as_str);
    let owned = |k: &str| input(k).map(str::to_owned);
    let request = s(v, "input", "request")?;
    if request == "device_flow" {
        let scopes: Vec<String> = v["input"]["scopes"]
            .as_array()
            .ok_or("input.scopes missing or not an array")?
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect();
        let r = ProviderId::parse(s(v, "input", "provider")?)
            .and_then(|p| p.check_device_flow(&scopes));
        return check_error(v, r).map(|_| ());
    }
    google_only(v)?;
    let secret = || ClientAuth::Secret(Secret::new(input("client_secret").unwrap_or_default()));
    match request {
        "redirect_uri" => check_error(
            v,
            google::check_redirect_uri(s(v, "input", "redirect_uri")?),
        )
        .map(|_| ()),
        "authorize" => {
            let req = AuthorizeRequest {
                authorize_url: google::endpoints().authorize_url,
                client_id: s(v, "input", "client_id")?.to_owned(),
                redirect_uri: s(v, "input", "redirect_uri")?.to_owned(),
                scopes: google::scopes(),
                state: s(v, "input", "state")?.to_owned(),
                code_challenge: s(v, "input", "code_challenge")?.to_owned(),
                response_mode: None,
                prompt: owned("prompt"),
                login_hint: owned("login_hint"),
                domain_hint: None,
            };
            // The preset's redirect rule first, as a Google client applies it.
            let r = google::check_redirect_uri(&req.redirect_uri)
                .and_then(|()| build_authorize_url(&req));
            let Some(url) = check_error(v, r)? else {
                return Ok(());
            };
            url_eq(&url, s(v, "expect", "url")?)
        }
        "auth_code" => {
            let r = build_auth_code_request(
                &google::endpoints().token_url,
                s(v, "input", "client_id")?,
                &Secret::new(s(v, "input", "code")?),
                s(v, "input", "redirect_uri")?,
                &Secret::new(s(v, "input", "code_verifier")?),
                &[],
                &secret(),
            );
            match check_error(v, r)? {
                Some(req) => check_request(v, &req),
                None => Ok(()),
            }
        }
        "refresh" => {
            let r = build_refresh_request(
                &google::endpoints().token_url,
                s(v, "input", "client_id")?,
                &Secret::new(s(v, "input", "refresh_token")?),
                &[],
                &secret(),
            );
            match check_error(v, r)? {
                Some(req) => check_request(v, &req),
                None => Ok(()),
            }
        }
        other => Err(format!("input.request {other:?} is not a provider request")),
    }
}

fn certificate_pem(v: &Value) -> Outcome {
    let r = certificate_der_from_pem(s(v, "input", "pem")?);
    let Some(der) = check_error(v, r)? else {
        return Ok(());
    };
    eq(
        "x5t_s256",
        Some(x5t_s256(&der).as_str()),
        expect(v, "x5t_s256").as_str(),
    )
}

fn private_key_pem(v: &Value) -> Outcome {
    let r = check_private_key(s(v, "input", "certificate_pem")?, s(v, "input", "key_pem")?);
    let Some(c) = check_error(v, r)? else {
        return Ok(());
    };
    eq(
        "key_format",
        Some(c.key_format.as_str()),
        expect(v, "key_format").as_str(),
    )?;
    eq(
        "key_bits",
        Some(u64::from(c.key_bits)),
        expect(v, "key_bits").as_u64(),
    )?;
    eq(
        "matches_certificate",
        Some(c.matches_certificate),
        expect(v, "matches_certificate").as_bool(),
    )
}
