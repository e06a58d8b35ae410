//! Unit tests of `discovery`.

use super::*;

const ISSUER: &str = "https://auth.example.com/realms/mail";

fn doc(extra: &str) -> HttpResponse {
    HttpResponse::new(
        200,
        format!(r#"{{"issuer":"{ISSUER}","token_endpoint":"{ISSUER}/token"{extra}}}"#),
    )
}

#[test]
fn well_known_urls_of_rfc_8414_and_oidc() {
    assert_eq!(
        well_known_urls("https://accounts.google.com").unwrap(),
        [
            "https://accounts.google.com/.well-known/openid-configuration",
            "https://accounts.google.com/.well-known/oauth-authorization-server",
        ]
    );
    // RFC 8414 section 3.1's example: the segment goes before the issuer's path.
    assert_eq!(
        well_known_urls("https://example.com/issuer1/").unwrap(),
        [
            "https://example.com/issuer1/.well-known/openid-configuration",
            "https://example.com/.well-known/oauth-authorization-server/issuer1",
        ]
    );
    assert_eq!(
        well_known_urls("http://127.0.0.1:3000").unwrap()[0],
        "http://127.0.0.1:3000/.well-known/openid-configuration"
    );
    for bad in [
        "http://auth.example.com",
        "https://auth.example.com/?tenant=1",
        "https://auth.example.com/#x",
        "auth.example.com",
        "",
    ] {
        assert_eq!(
            well_known_urls(bad).unwrap_err().code(),
            "invalid_input",
            "{bad}"
        );
    }
}

#[test]
fn metadata_request_is_a_get() {
    let r = build_metadata_request("https://accounts.google.com/.well-known/openid-configuration")
        .unwrap();
    assert_eq!(r.method, Method::Get);
    assert!(r.body.is_empty());
    assert_eq!(r.header("accept"), Some("application/json"));
}

#[test]
fn full_document() {
    let m = parse_provider_metadata(
        &doc(&format!(
            r#","authorization_endpoint":"{ISSUER}/auth","device_authorization_endpoint":"{ISSUER}/device",
            "grant_types_supported":["authorization_code","refresh_token","client_credentials"],
            "token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported":["RS256","PS256"],
            "code_challenge_methods_supported":["S256"],
            "authorization_response_iss_parameter_supported":true,"unknown":{{"x":[1]}}"#
        )),
        ISSUER,
        0,
    )
    .unwrap();
    assert_eq!(
        m.authorization_endpoint.as_deref(),
        Some("https://auth.example.com/realms/mail/auth")
    );
    assert_eq!(
        m.device_authorization_endpoint.as_deref(),
        Some("https://auth.example.com/realms/mail/device")
    );
    assert!(m.supports_grant("client_credentials"));
    assert!(!m.supports_grant("implicit"));
    assert!(m.authorization_response_iss_parameter_supported);
    assert_eq!(
        m.choose_client_auth(true, true).unwrap(),
        ClientAuthMethod::PrivateKeyJwt
    );
    assert_eq!(
        m.choose_client_auth(true, false).unwrap(),
        ClientAuthMethod::ClientSecretPost
    );
    let e = m.choose_client_auth(false, false).unwrap_err();
    assert!(
        e.to_string()
            .contains("client_secret_post, private_key_jwt"),
        "{e}"
    );
    let ep = m.endpoints();
    assert_eq!(ep.token_url, "https://auth.example.com/realms/mail/token");
    assert_eq!(ep.issuer.as_deref(), Some(ISSUER));
}

#[test]
fn defaults_of_rfc_8414() {
    let m = parse_provider_metadata(&doc(""), ISSUER, 0).unwrap();
    assert_eq!(
        m.token_endpoint_auth_methods_supported,
        ["client_secret_basic"]
    );
    assert_eq!(m.grant_types_supported, ["authorization_code", "implicit"]);
    assert_eq!(
        m.choose_client_auth(true, false).unwrap(),
        ClientAuthMethod::ClientSecretBasic
    );
    assert!(m.choose_client_auth(false, true).is_err());
    assert_eq!(m.authorization_endpoint, None);
    assert_eq!(m.endpoints().device_authorization_url, "");
    assert!(!m.authorization_response_iss_parameter_supported);
}

#[test]
fn issuer_must_match() {
    let e =
        parse_provider_metadata(&doc(""), "https://auth.example.com/realms/other", 0).unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
    // A trailing slash either way is the same issuer.
    assert!(parse_provider_metadata(&doc(""), &format!("{ISSUER}/"), 0).is_ok());
    assert_eq!(
        parse_provider_metadata(&doc(""), "https://auth.example.com/realms", 0)
            .unwrap_err()
            .code(),
        "issuer_mismatch"
    );
}

#[test]
fn bad_documents() {
    let cases = [
        (HttpResponse::new(200, "<html>"), "malformed"),
        (HttpResponse::new(200, "[]"), "malformed"),
        (
            HttpResponse::new(200, r#"{"token_endpoint":"https://a/t"}"#),
            "malformed",
        ),
        (
            HttpResponse::new(200, format!(r#"{{"issuer":"{ISSUER}"}}"#)),
            "malformed",
        ),
        (
            doc(r#","authorization_endpoint":"http://evil.example/auth""#),
            "malformed",
        ),
        (
            doc(r#","grant_types_supported":"authorization_code""#),
            "malformed",
        ),
        (doc(r#","grant_types_supported":[1]"#), "malformed"),
        (
            doc(r#","authorization_response_iss_parameter_supported":"yes""#),
            "malformed",
        ),
        (HttpResponse::new(404, "Not Found"), "http_error"),
    ];
    for (resp, code) in cases {
        assert_eq!(
            parse_provider_metadata(&resp, ISSUER, 0)
                .unwrap_err()
                .code(),
            code
        );
    }
    let token_http = HttpResponse::new(
        200,
        format!(r#"{{"issuer":"{ISSUER}","token_endpoint":"http://auth.example.com/token"}}"#),
    );
    assert_eq!(
        parse_provider_metadata(&token_http, ISSUER, 0)
            .unwrap_err()
            .code(),
        "malformed"
    );
    // Loopback http is allowed (local test servers).
    let local = HttpResponse::new(
        200,
        r#"{"issuer":"http://127.0.0.1:3000","token_endpoint":"http://127.0.0.1:3000/token"}"#,
    );
    assert!(parse_provider_metadata(&local, "http://127.0.0.1:3000", 0).is_ok());
}

proptest::proptest! {
    #[test]
    fn parse_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        let _ = parse_provider_metadata(&HttpResponse::new(200, body), ISSUER, 0);
    }
}
