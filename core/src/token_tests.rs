//! Unit tests of `token` (kept beside it so the module itself stays readable).

use super::*;
use crate::http::{Method, FORM_CONTENT_TYPE};
use proptest::prelude::*;

const TOKEN_URL: &str =
    "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
const CLIENT: &str = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn fields(r: &HttpRequest) -> Vec<(String, String)> {
    r.form_fields()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn assert_form_post(r: &HttpRequest, url: &str) {
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.url, url);
    assert_eq!(
        r.headers,
        vec![
            ("Content-Type".to_owned(), FORM_CONTENT_TYPE.to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
        ]
    );
}

fn scopes() -> Vec<String> {
    vec![
        "https://outlook.office.com/IMAP.AccessAsUser.All".to_owned(),
        "offline_access".to_owned(),
    ]
}

#[test]
fn auth_code_public_client_exact() {
    let r = build_auth_code_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("M.C507_BAY.2.U.code"),
        "https://localhost",
        &Secret::new(VERIFIER),
        &scopes(),
        &ClientAuth::None,
    )
    .unwrap();
    assert_form_post(&r, TOKEN_URL);
    assert_eq!(
        fields(&r),
        pairs(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", "M.C507_BAY.2.U.code"),
            ("redirect_uri", "https://localhost"),
            ("code_verifier", VERIFIER),
            (
                "scope",
                "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
            ),
        ])
    );
}

#[test]
fn auth_code_confidential_and_assertion() {
    let r = build_auth_code_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("code"),
        "http://localhost:8400/",
        &Secret::new(VERIFIER),
        &[],
        &ClientAuth::Secret(Secret::new("s3cr3t~value")),
    )
    .unwrap();
    assert_eq!(
        fields(&r),
        pairs(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", "code"),
            ("redirect_uri", "http://localhost:8400/"),
            ("code_verifier", VERIFIER),
            ("client_secret", "s3cr3t~value"),
        ])
    );
    let r = build_auth_code_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("code"),
        "https://localhost",
        &Secret::new(VERIFIER),
        &["openid".to_owned()],
        &ClientAuth::Assertion(Secret::new("a.b.c")),
    )
    .unwrap();
    assert_eq!(
        fields(&r),
        pairs(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", "code"),
            ("redirect_uri", "https://localhost"),
            ("code_verifier", VERIFIER),
            ("scope", "openid"),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", "a.b.c"),
        ])
    );
}

#[test]
fn refresh_exact() {
    let r = build_refresh_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("0.AAAA refresh+/="),
        &scopes(),
        &ClientAuth::None,
    )
    .unwrap();
    assert_form_post(&r, TOKEN_URL);
    assert_eq!(
        fields(&r),
        pairs(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", "0.AAAA refresh+/="),
            (
                "scope",
                "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
            ),
        ])
    );
    let r = build_refresh_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("rt"),
        &[],
        &ClientAuth::Secret(Secret::new("cs")),
    )
    .unwrap();
    assert_eq!(
        fields(&r),
        pairs(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", "rt"),
            ("client_secret", "cs"),
        ])
    );
}

#[test]
fn client_credentials_need_one_tenant() {
    let secret = ClientAuth::Secret(Secret::new("s3cr3t"));
    for (url, why) in [
        (
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
            "guessed tenant",
        ),
        (
            "https://login.microsoftonline.com/Common/oauth2/v2.0/token",
            "AADSTS9001023",
        ),
        (
            "https://login.microsoftonline.us/consumers/oauth2/v2.0/token",
            "personal Microsoft accounts",
        ),
    ] {
        let e = build_client_credentials_request(
            url,
            "c",
            "https://outlook.office365.com/.default",
            &secret,
        )
        .unwrap_err();
        assert_eq!(e.code(), "invalid_tenant", "{url}");
        assert!(e.to_string().contains(why), "{e}");
        assert!(!e.to_string().contains("s3cr3t"));
    }
    for url in [
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
        "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token",
        // Another server's path is not a tenant.
        "https://auth.example.com/organizations/token",
        "http://127.0.0.1:3000/common/token",
    ] {
        assert!(
            build_client_credentials_request(url, "c", "x/.default", &secret).is_ok(),
            "{url}"
        );
    }
}

#[test]
fn client_credentials_exact() {
    let scope = "https://outlook.office365.com/.default";
    let r = build_client_credentials_request(
        TOKEN_URL,
        CLIENT,
        scope,
        &ClientAuth::Secret(Secret::new("Abc8Q~secret")),
    )
    .unwrap();
    assert_form_post(&r, TOKEN_URL);
    assert_eq!(
        fields(&r),
        pairs(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", scope),
            ("client_secret", "Abc8Q~secret"),
        ])
    );
    assert_eq!(
        String::from_utf8(r.body).unwrap(),
        "grant_type=client_credentials&client_id=9e5f94bc-e8a4-4e73-b8be-63364c29d753\
         &scope=https%3A%2F%2Foutlook.office365.com%2F.default&client_secret=Abc8Q%7Esecret"
    );
    let r = build_client_credentials_request(
        TOKEN_URL,
        CLIENT,
        scope,
        &ClientAuth::Assertion(Secret::new("h.c.s")),
    )
    .unwrap();
    assert_eq!(
        fields(&r),
        pairs(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", scope),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            ),
            ("client_assertion", "h.c.s"),
        ])
    );
    let e =
        build_client_credentials_request(TOKEN_URL, CLIENT, scope, &ClientAuth::None).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("secret or an assertion"), "{e}");
    for bad in ["", "  ", "a\tb", "a\"b"] {
        let e = build_client_credentials_request(
            TOKEN_URL,
            CLIENT,
            bad,
            &ClientAuth::Secret(Secret::new("x")),
        )
        .unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{bad:?}");
    }
}

#[test]
fn device_code_exact() {
    let r = build_device_code_token_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8"),
    )
    .unwrap();
    assert_form_post(&r, TOKEN_URL);
    assert_eq!(
        fields(&r),
        pairs(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", CLIENT),
            ("device_code", "GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8"),
        ])
    );
}

#[test]
fn invalid_inputs() {
    let ok = Secret::new("x");
    let v = Secret::new(VERIFIER);
    let none = ClientAuth::None;
    // The client id is checked by crate::ClientId::new, the same rule as the authorize URL's.
    for client in ["", " ", "a\nb", "a b"] {
        for e in [
            build_refresh_request(TOKEN_URL, client, &ok, &[], &none).unwrap_err(),
            build_auth_code_request(TOKEN_URL, client, &ok, "https://x", &v, &[], &none)
                .unwrap_err(),
            build_device_code_token_request(TOKEN_URL, client, &ok).unwrap_err(),
            build_client_credentials_request(
                TOKEN_URL,
                client,
                "s",
                &ClientAuth::Secret(ok.clone()),
            )
            .unwrap_err(),
        ] {
            assert_eq!(e.code(), "invalid_client_id", "{client:?}: {e}");
        }
    }
    let cases: Vec<Result<HttpRequest>> = vec![
        build_refresh_request("http://example.com/token", CLIENT, &ok, &[], &none),
        build_refresh_request("not a url", CLIENT, &ok, &[], &none),
        build_refresh_request(TOKEN_URL, CLIENT, &Secret::new(""), &[], &none),
        build_refresh_request(TOKEN_URL, CLIENT, &Secret::new("a\r\nb"), &[], &none),
        build_refresh_request(TOKEN_URL, CLIENT, &ok, &["a b".to_owned()], &none),
        build_refresh_request(TOKEN_URL, CLIENT, &ok, &[String::new()], &none),
        build_refresh_request(
            TOKEN_URL,
            CLIENT,
            &ok,
            &[],
            &ClientAuth::Secret(Secret::new("")),
        ),
        build_refresh_request(
            TOKEN_URL,
            CLIENT,
            &ok,
            &[],
            &ClientAuth::Assertion(Secret::new("a\0")),
        ),
        build_auth_code_request(TOKEN_URL, CLIENT, &ok, "", &v, &[], &none),
        build_auth_code_request(TOKEN_URL, CLIENT, &ok, "/relative", &v, &[], &none),
        build_auth_code_request(TOKEN_URL, CLIENT, &ok, "https://x", &ok, &[], &none),
        build_auth_code_request(
            TOKEN_URL,
            CLIENT,
            &ok,
            "https://x",
            &Secret::new(format!("{VERIFIER}!")),
            &[],
            &none,
        ),
        build_device_code_token_request(TOKEN_URL, CLIENT, &Secret::new("")),
        build_device_code_token_request("ftp://x/token", CLIENT, &ok),
    ];
    for (i, c) in cases.into_iter().enumerate() {
        let e = c.unwrap_err();
        assert_eq!(e.code(), "invalid_input", "case {i}: {e}");
    }
    // Loopback plain http is fine (local test servers).
    build_device_code_token_request("http://127.0.0.1:3000/token", CLIENT, &ok).unwrap();
}

#[test]
fn invalid_input_messages_never_echo_secrets() {
    let e = build_refresh_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("sup3r\nsecret"),
        &[],
        &ClientAuth::None,
    )
    .unwrap_err();
    assert!(!e.to_string().contains("sup3r"), "{e}");
    let e = build_refresh_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("x"),
        &[],
        &ClientAuth::Secret(Secret::new("sup3r\u{7f}")),
    )
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("sup3r"));
}

// ---- responses ----

fn resp(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(status, body)
}

#[test]
fn parses_entra_success() {
    let body = r#"{"token_type":"Bearer","scope":"https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send","expires_in":4779,"ext_expires_in":4779,"access_token":"eyJ0eXAi.x.y","refresh_token":"0.AAAA","id_token":"eyJ.id.tok"}"#;
    let t = parse_token_response(&resp(200, body), 1_000).unwrap();
    assert_eq!(t.access_token.expose_secret(), "eyJ0eXAi.x.y");
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_at, Some(5_779));
    assert_eq!(t.ext_expires_at, Some(5_779));
    assert_eq!(
        t.refresh_token.as_ref().map(Secret::expose_secret),
        Some("0.AAAA")
    );
    assert_eq!(
        t.id_token.as_ref().map(Secret::expose_secret),
        Some("eyJ.id.tok")
    );
    assert_eq!(
        t.scopes(),
        vec![
            "https://outlook.office.com/IMAP.AccessAsUser.All",
            "https://outlook.office.com/SMTP.Send"
        ]
    );
}

#[test]
fn expires_in_as_string_and_bearer_case() {
    let t = parse_token_response(
        &resp(
            200,
            r#"{"token_type":"bearer","expires_in":"3599","ext_expires_in":" 3600 ","access_token":"a"}"#,
        ),
        10,
    )
    .unwrap();
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_at, Some(3_609));
    assert_eq!(t.ext_expires_at, Some(3_610));
    assert_eq!(t.refresh_token, None);
    assert_eq!(t.scope, None);
    assert_eq!(t.scopes(), Vec::<String>::new());
    let t = parse_token_response(
        &resp(201, r#"{"token_type":"BEARER","access_token":"a"}"#),
        10,
    )
    .unwrap();
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_at, None);
    // Missing token_type counts as Bearer; a float expires_in is truncated.
    let t =
        parse_token_response(&resp(200, r#"{"access_token":"a","expires_in":59.9}"#), 1).unwrap();
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_at, Some(60));
    // Saturates instead of overflowing.
    let t = parse_token_response(
        &resp(
            200,
            r#"{"access_token":"a","expires_in":18446744073709551615}"#,
        ),
        10,
    )
    .unwrap();
    assert_eq!(t.expires_at, Some(u64::MAX));
}

#[test]
fn malformed_successes() {
    for body in [
        r#"{"token_type":"Bearer","expires_in":3599}"#,
        r#"{"access_token":""}"#,
        r#"{"access_token":42}"#,
        r#"{"access_token":"a","token_type":"mac"}"#,
        r#"{"access_token":"a","token_type":"DPoP"}"#,
        r#"{"access_token":"a","expires_in":"soon"}"#,
        r#"{"access_token":"a","expires_in":-1}"#,
        r#"{"access_token":"a","expires_in":true}"#,
        r#"{"access_token":"a","refresh_token":7}"#,
        r#"{"access_token":"a","scope":["x"]}"#,
        r#"["access_token"]"#,
        "<html><body>Sign in</body></html>",
        "",
    ] {
        let e = parse_token_response(&resp(200, body), 0).unwrap_err();
        assert_eq!(e.code(), "malformed", "{body}");
        assert!(!e.to_string().contains("Sign in"));
    }
}

#[test]
fn html_200_is_malformed_without_the_body() {
    let r = resp(200, "<html>eyJhbGciOi.secret</html>").with_header("Content-Type", "text/html");
    let e = parse_token_response(&r, 0).unwrap_err();
    assert_eq!(e.code(), "malformed");
    let msg = e.to_string();
    assert!(msg.contains("text/html"), "{msg}");
    assert!(!msg.contains("eyJ"), "{msg}");
}

#[test]
fn oauth_error_any_status_keeps_fields() {
    let body = r#"{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: t1","error_codes":[700082],"timestamp":"2026-01-01 00:00:00Z","trace_id":"t1","correlation_id":"c1","suberror":"bad_token"}"#;
    let e = parse_token_response(&resp(400, body), 0).unwrap_err();
    assert_eq!(e.code(), "invalid_grant");
    let o = e.oauth().unwrap();
    assert_eq!(o.status, Some(400));
    assert_eq!(o.aadsts, Some(700082));
    assert_eq!(o.trace_id.as_deref(), Some("t1"));
    assert_eq!(o.correlation_id.as_deref(), Some("c1"));
    assert_eq!(o.suberror.as_deref(), Some("bad_token"));
    assert!(requires_new_sign_in(&e));
    assert!(!e.is_transient());
    // An error body on a 200 is still an error.
    let e = parse_token_response(&resp(200, r#"{"error":"server_error"}"#), 0).unwrap_err();
    assert_eq!(e.code(), "server_error");
    assert!(e.is_transient());
}

#[test]
fn json_429_records_retry_after() {
    let r = resp(
        429,
        r#"{"error":"temporarily_unavailable","error_description":"AADSTS50196: loop"}"#,
    )
    .with_header("Retry-After", "17");
    let e = parse_token_response(&r, 0).unwrap_err();
    let o = e.oauth().unwrap();
    assert_eq!(o.status, Some(429));
    assert_eq!(o.retry_after, Some(17));
    assert_eq!(o.aadsts, Some(50196));
    assert!(e.is_transient());
    assert!(!requires_new_sign_in(&e));
}

#[test]
fn html_503_is_http_error_with_retry_after() {
    let r = resp(
        503,
        "<html>\r\n<head><title>503 Service Unavailable</title></head>\r\n<body>down</body></html>",
    )
    .with_header("retry-after", "120");
    let e = parse_token_response(&r, 0).unwrap_err();
    match &e {
        Error::HttpError {
            status,
            body_excerpt,
            retry_after,
        } => {
            assert_eq!(*status, 503);
            assert_eq!(*retry_after, Some(120));
            assert_eq!(
                body_excerpt,
                "<html> <head><title>503 Service Unavailable</title></head> <body>down</body></html>"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "http_error");
    assert!(e.is_transient());
    assert!(!requires_new_sign_in(&e));
    // JSON without `error` on an error status is an HTTP error too.
    let e = parse_token_response(&resp(502, r#"{"message":"bad gateway"}"#), 0).unwrap_err();
    assert_eq!(e.code(), "http_error");
}

#[test]
fn excerpt_is_short_and_cuts_tokens() {
    let long = "x ".repeat(300);
    let e = safe_excerpt(long.as_bytes());
    assert_eq!(e.chars().count(), 200);
    assert!(e.ends_with('…'));
    let e = safe_excerpt(b"proxy said: token=0.AAAAbcdefGHIJ12345678xyz and more");
    assert_eq!(e, "proxy said:…");
    let e = safe_excerpt(b"bad bearer eyJ0eXAiOiJKV1Qi.eyJhdWQiOi.sig");
    assert_eq!(e, "bad bearer…");
    assert_eq!(
        safe_excerpt(b"refresh_token=1//0gABCDEFGHIJKLMNOPQRSTUV"),
        "…"
    );
    assert_eq!(
        safe_excerpt(b"  Service   Unavailable \n"),
        "Service Unavailable"
    );
    assert_eq!(
        safe_excerpt(b"login.microsoftonline.com is down"),
        "login.microsoftonline.com is down"
    );
    assert_eq!(safe_excerpt(&[0xff, b'o', b'k']), "\u{fffd}ok");
    assert_eq!(safe_excerpt(b""), "");
}

#[test]
fn requires_new_sign_in_rule() {
    let oauth = |error: &str, codes: &[u32], status: u16| {
        let mut o = OAuthError::new(error);
        o.error_codes = codes.to_vec();
        o.aadsts = o.derive_aadsts();
        o.status = Some(status);
        Error::from(o)
    };
    assert!(requires_new_sign_in(&oauth("invalid_grant", &[70000], 400)));
    assert!(requires_new_sign_in(&oauth(
        "interaction_required",
        &[50076],
        400
    )));
    assert!(requires_new_sign_in(&oauth("login_required", &[], 400)));
    assert!(requires_new_sign_in(&oauth(
        "something_else",
        &[70008],
        400
    )));
    assert!(requires_new_sign_in(&oauth("x", &[50173], 400)));
    assert!(!requires_new_sign_in(&oauth(
        "invalid_client",
        &[7000215],
        401
    )));
    assert!(!requires_new_sign_in(&oauth("invalid_grant", &[], 503)));
    assert!(!requires_new_sign_in(&oauth(
        "temporarily_unavailable",
        &[],
        400
    )));
    assert!(!requires_new_sign_in(&Error::HttpError {
        status: 429,
        body_excerpt: String::new(),
        retry_after: Some(3)
    }));
    assert!(!requires_new_sign_in(&Error::Malformed("x".into())));
}

// ---- token sets ----

fn set(rt: Option<&str>, exp: Option<u64>) -> TokenSet {
    TokenSet {
        access_token: Secret::new("at"),
        token_type: "Bearer".into(),
        expires_at: exp,
        refresh_token: rt.map(Secret::new),
        scope: Some("a b".into()),
        id_token: Some(Secret::new("idt")),
        ext_expires_at: None,
    }
}

#[test]
fn needs_refresh_and_expiry() {
    let t = set(None, Some(1_000));
    assert!(!t.needs_refresh(699, 300));
    assert!(t.needs_refresh(700, 300));
    assert!(t.needs_refresh(2_000, 300));
    assert!(!t.is_expired(999));
    assert!(t.is_expired(1_000));
    assert_eq!(t.expires_in(400), Some(600));
    assert_eq!(t.expires_in(4_000), Some(0));
    // A margin larger than the expiry time saturates.
    assert!(set(None, Some(10)).needs_refresh(0, 300));
    let unknown = set(None, None);
    assert!(!unknown.needs_refresh(u64::MAX, 300));
    assert!(!unknown.is_expired(u64::MAX));
    assert_eq!(unknown.expires_in(0), None);
}

#[test]
fn merge_keeps_or_replaces_refresh_token() {
    let old = set(Some("old-rt"), Some(100));
    let mut new = set(None, Some(5_000));
    new.access_token = Secret::new("new-at");
    new.scope = None;
    new.id_token = None;
    let merged = old.clone().merged_with(new.clone());
    assert_eq!(merged.access_token.expose_secret(), "new-at");
    assert_eq!(merged.expires_at, Some(5_000));
    assert_eq!(
        merged.refresh_token.as_ref().unwrap().expose_secret(),
        "old-rt"
    );
    assert_eq!(merged.scope.as_deref(), Some("a b"));
    assert_eq!(merged.id_token.as_ref().unwrap().expose_secret(), "idt");
    let mut rotated = new;
    rotated.refresh_token = Some(Secret::new("new-rt"));
    rotated.scope = Some("c".into());
    let mut m = old;
    m.merge_refresh(rotated);
    assert_eq!(m.refresh_token.as_ref().unwrap().expose_secret(), "new-rt");
    assert_eq!(m.scope.as_deref(), Some("c"));
}

#[test]
fn token_set_serde_round_trip() {
    let t = set(Some("rt"), Some(42));
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(
        json,
        r#"{"access_token":"at","token_type":"Bearer","expires_at":42,"refresh_token":"rt","scope":"a b","id_token":"idt","ext_expires_at":null}"#
    );
    let back: TokenSet = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
    // Older files without the optional fields still load.
    let min: TokenSet =
        serde_json::from_str(r#"{"access_token":"at","token_type":"Bearer"}"#).unwrap();
    assert_eq!(min.expires_at, None);
    assert_eq!(min.refresh_token, None);
}

#[test]
fn token_set_from_json_round_trip() {
    for t in [
        set(Some("rt"), Some(42)),
        set(None, None),
        TokenSet {
            access_token: Secret::new("a\"t\\\u{1}é😀"),
            token_type: "Bearer".into(),
            expires_at: Some(u64::MAX),
            refresh_token: Some(Secret::new("")),
            scope: None,
            id_token: None,
            ext_expires_at: Some(0),
        },
    ] {
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(TokenSet::from_json(&json).unwrap(), t, "{json}");
        let pretty = serde_json::to_string_pretty(&t).unwrap();
        assert_eq!(TokenSet::from_json(&pretty).unwrap(), t);
    }
    let min = TokenSet::from_json(r#"{"access_token":"at","token_type":"Bearer"}"#).unwrap();
    assert_eq!(
        min,
        serde_json::from_str(r#"{"access_token":"at","token_type":"Bearer"}"#).unwrap()
    );
    let t = TokenSet::from_json(
        r#"{"access_token":"at","token_type":"Bearer","scope":null,"id_token":null,
            "expires_at":null,"extra":[1,{"x":2.5}],"access_token":"at2"}"#,
    )
    .unwrap();
    assert_eq!(t.access_token.expose_secret(), "at2");
    assert_eq!((t.scope, t.expires_at), (None, None));
}

#[test]
fn token_set_from_json_refusals() {
    let msg = |s: &str| match TokenSet::from_json(s) {
        Err(Error::Malformed(m)) => m,
        other => panic!("{s}: {other:?}"),
    };
    let cases = [
        ("", "not a stored token set (line 1, column 0)"),
        (
            "{\"access_token\":\"s3cret\",\n x}",
            "not a stored token set (line 2, column 2)",
        ),
        ("[\"s3cret\"]", "not a stored token set (not a JSON object)"),
        (
            r#"{"token_type":"Bearer"}"#,
            "not a stored token set (access_token is missing)",
        ),
        (
            r#"{"access_token":null,"token_type":"Bearer"}"#,
            "not a stored token set (access_token is missing)",
        ),
        (
            r#"{"access_token":"s3cret"}"#,
            "not a stored token set (token_type is missing)",
        ),
        (
            r#"{"access_token":1,"token_type":"Bearer"}"#,
            "not a stored token set (access_token is not a string)",
        ),
        (
            r#"{"access_token":"s3cret","token_type":"Bearer","refresh_token":["s3cret"]}"#,
            "not a stored token set (refresh_token is not a string)",
        ),
        (
            r#"{"access_token":"s3cret","token_type":"Bearer","scope":true}"#,
            "not a stored token set (scope is not a string)",
        ),
        (
            r#"{"access_token":"s3cret","token_type":"Bearer","id_token":{}}"#,
            "not a stored token set (id_token is not a string)",
        ),
        (
            r#"{"access_token":"s3cret","token_type":"Bearer","expires_at":"42"}"#,
            "not a stored token set (expires_at is not a number)",
        ),
        (
            r#"{"access_token":"s3cret","token_type":"Bearer","expires_at":-1}"#,
            "not a stored token set (expires_at is not a whole number >= 0)",
        ),
        (
            r#"{"access_token":"s3cret","token_type":"Bearer","expires_at":42.0}"#,
            "not a stored token set (expires_at is not a whole number >= 0)",
        ),
        (
            r#"{"access_token":"s3cret","token_type":"Bearer","ext_expires_at":18446744073709551616}"#,
            "not a stored token set (ext_expires_at is not a whole number >= 0)",
        ),
        (
            r#"{"access_token":"s3cret","token_type":"Bearer","ext_expires_at":false}"#,
            "not a stored token set (ext_expires_at is not a number)",
        ),
    ];
    for (input, want) in cases {
        let m = msg(input);
        assert_eq!(m, want, "{input}");
        assert!(!m.contains("s3cret"));
    }
}

#[test]
fn redaction() {
    let t = set(Some("r3fresh"), Some(1));
    let mut t = t;
    t.access_token = Secret::new("acc3ss");
    t.id_token = Some(Secret::new("id3ntity"));
    let d = format!("{t:?}");
    for s in ["r3fresh", "acc3ss", "id3ntity"] {
        assert!(!d.contains(s), "{d}");
    }
    for auth in [
        ClientAuth::Secret(Secret::new("cl1ent")),
        ClientAuth::Assertion(Secret::new("ass3rtion")),
    ] {
        let d = format!("{auth:?}");
        assert!(!d.contains("cl1ent") && !d.contains("ass3rtion"), "{d}");
        let r = build_auth_code_request(
            TOKEN_URL,
            CLIENT,
            &Secret::new("c0de"),
            "https://localhost",
            &Secret::new(VERIFIER),
            &[],
            &auth,
        )
        .unwrap();
        let d = format!("{r:?}");
        for s in ["cl1ent", "ass3rtion", "c0de", VERIFIER] {
            assert!(!d.contains(s), "{d}");
        }
    }
    let r = build_refresh_request(
        TOKEN_URL,
        CLIENT,
        &Secret::new("r3fresh"),
        &[],
        &ClientAuth::None,
    )
    .unwrap();
    assert!(!format!("{r:?}").contains("r3fresh"));
    let resp = resp(
        200,
        r#"{"access_token":"acc3ss","refresh_token":"r3fresh"}"#,
    );
    assert!(!format!("{resp:?}").contains("acc3ss"));
    // Errors never carry token-looking text from the body.
    let e = parse_token_response(
        &HttpResponse::new(500, "oops access_token=acc3ssTOKEN1234567890abcdef"),
        0,
    )
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("acc3ss"), "{e:?}");
}

proptest! {
    #[test]
    fn secrets_round_trip_through_form_encoding(
        code in "\\PC{1,80}",
        refresh in "\\PC{1,80}",
        secret in "\\PC{1,80}",
        client in "[!-~]{1,40}",
    ) {
        let r = build_auth_code_request(
            TOKEN_URL, &client, &Secret::new(code.clone()), "https://localhost",
            &Secret::new(VERIFIER), &[], &ClientAuth::Secret(Secret::new(secret.clone())),
        ).unwrap();
        let f = r.form_fields();
        prop_assert_eq!(&f[1].1, &client);
        prop_assert_eq!(&f[2].1, &code);
        prop_assert_eq!(&f[5].1, &secret);
        let r = build_refresh_request(
            TOKEN_URL, &client, &Secret::new(refresh.clone()), &[],
            &ClientAuth::Assertion(Secret::new(secret.clone())),
        ).unwrap();
        let f = r.form_fields();
        prop_assert_eq!(f.len(), 5);
        prop_assert_eq!(&f[2].1, &refresh);
        prop_assert_eq!(&f[4].1, &secret);
        let r = build_device_code_token_request(TOKEN_URL, &client, &Secret::new(code.clone())).unwrap();
        prop_assert_eq!(&r.form_fields()[2].1, &code);
        // The body is plain ASCII: nothing can break out of the form.
        prop_assert!(r.body.iter().all(|b| b.is_ascii_graphic()));
    }

    #[test]
    fn parse_never_panics(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_token_response(&HttpResponse::new(status, body), 1_800_000_000);
    }
}

proptest! {
    /// `to_json` writes exactly what serde writes, and `from_json` reads it back.
    #[test]
    fn to_json_is_the_serde_form(
        at in any::<String>(),
        tt in any::<String>(),
        exp in proptest::option::of(any::<u64>()),
        rt in proptest::option::of(any::<String>()),
        scope in proptest::option::of(any::<String>()),
        id in proptest::option::of(any::<String>()),
        ext in proptest::option::of(any::<u64>()),
    ) {
        let t = TokenSet {
            access_token: Secret::new(at),
            token_type: tt,
            expires_at: exp,
            refresh_token: rt.map(Secret::new),
            scope,
            id_token: id.map(Secret::new),
            ext_expires_at: ext,
        };
        prop_assert_eq!(t.to_json(), serde_json::to_string(&t).unwrap());
        prop_assert_eq!(TokenSet::from_json(&t.to_json()).unwrap(), t);
    }
}

/// RFC 6749 section 2.3.1: id and secret are form-encoded before Basic. The expected values were
/// computed outside the core: `base64(quote_plus(id) + ":" + quote_plus(secret))` in Python.
#[test]
fn basic_authorization_form_encodes_id_and_secret() {
    let v = basic_authorization("my:app", &Secret::new("pä ss:wörd")).unwrap();
    assert_eq!(
        v.expose_secret(),
        "Basic bXklM0FhcHA6cCVDMyVBNCtzcyUzQXclQzMlQjZyZA=="
    );
    assert_eq!(format!("{v:?}"), "[redacted]");
    for (id, secret) in [("", "s"), ("id", ""), ("id", "a\nb")] {
        let e = basic_authorization(id, &Secret::new(secret)).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(!e.to_string().contains("a\nb"));
    }
}

#[test]
fn every_grant_carries_every_client_auth_method() {
    let basic = ClientAuth::SecretBasic(Secret::new("s:é"));
    let expected_header = basic_authorization("my-app", &Secret::new("s:é")).unwrap();
    let auths = [
        (ClientAuth::None, vec![], None),
        (
            ClientAuth::Secret(Secret::new("s:é")),
            pairs(&[("client_secret", "s:é")]),
            None,
        ),
        (
            basic,
            vec![],
            Some(expected_header.expose_secret().to_owned()),
        ),
        (
            ClientAuth::Assertion(Secret::new("eyJ.a.b")),
            pairs(&[
                ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
                ("client_assertion", "eyJ.a.b"),
            ]),
            None,
        ),
    ];
    let scopes = vec!["https://mail.google.com/".to_owned()];
    let url = "https://oauth2.googleapis.com/token";
    for (auth, extra, header) in auths {
        let requests = [
            build_auth_code_request(
                url,
                "my-app",
                &Secret::new("c"),
                "http://127.0.0.1:8080/",
                &Secret::new(VERIFIER),
                &scopes,
                &auth,
            ),
            build_refresh_request(url, "my-app", &Secret::new("r"), &scopes, &auth),
            build_device_code_token_request_with_auth(url, "my-app", &Secret::new("d"), &auth),
            crate::device::build_device_authorization_request_with_auth(
                "https://oauth2.googleapis.com/device/code",
                "my-app",
                &scopes,
                &auth,
            ),
        ];
        for r in requests {
            let r = r.unwrap();
            let f = fields(&r);
            assert_eq!(
                f[f.len() - extra.len()..].to_vec(),
                extra,
                "{:?}",
                auth.method()
            );
            assert!(f.iter().any(|(k, v)| k == "client_id" && v == "my-app"));
            assert_eq!(r.header("authorization").map(str::to_owned), header);
            if matches!(auth, ClientAuth::SecretBasic(_)) {
                assert!(!f.iter().any(|(k, _)| k == "client_secret"));
            }
        }
        if auth != ClientAuth::None {
            let r = build_client_credentials_request(url, "my-app", "x", &auth).unwrap();
            assert_eq!(r.header("authorization").map(str::to_owned), header);
        }
    }
}

#[test]
fn client_auth_methods_by_name() {
    for m in ClientAuthMethod::ALL {
        assert_eq!(ClientAuthMethod::parse(m.as_str()).unwrap(), m);
        assert_eq!(m.to_string(), m.as_str());
    }
    assert_eq!(
        ClientAuthMethod::parse("tls_client_auth")
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    let s = || Some(Secret::new("x"));
    assert_eq!(
        ClientAuthMethod::ClientSecretBasic
            .with_credential(s())
            .unwrap()
            .method(),
        ClientAuthMethod::ClientSecretBasic
    );
    assert!(ClientAuthMethod::PrivateKeyJwt
        .with_credential(None)
        .is_err());
    assert!(ClientAuthMethod::None.with_credential(s()).is_err());
    assert_eq!(
        ClientAuthMethod::None.with_credential(None).unwrap(),
        ClientAuth::None
    );
}

#[test]
fn retry_after_http_date_becomes_seconds_from_now() {
    // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
    let resp = HttpResponse::new(503, "<html>down</html>")
        .with_header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT");
    let e = parse_token_response(&resp, 784_111_777 - 42).unwrap_err();
    assert_eq!(e.retry_after(), Some(42));
    let json = HttpResponse::new(429, r#"{"error":"temporarily_unavailable"}"#)
        .with_header("Retry-After", "Sunday, 06-Nov-94 08:49:37 GMT");
    let e = parse_token_response(&json, 784_111_777 - 7).unwrap_err();
    assert_eq!(e.retry_after(), Some(7));
}

#[test]
fn request_structs_build_what_the_shorthands_build() {
    let client_id = ClientId::new(CLIENT).unwrap();
    let scopes = Scope::list(&["offline_access"]).unwrap();
    let refresh = RefreshRequest {
        token_url: TOKEN_URL.to_owned(),
        client_id: client_id.clone(),
        refresh_token: Secret::new("rt"),
        scopes: scopes.clone(),
        client_auth: ClientAuth::None,
    };
    assert_eq!(
        refresh.build().unwrap(),
        build_refresh_request(
            TOKEN_URL,
            CLIENT,
            &Secret::new("rt"),
            &["offline_access".to_owned()],
            &ClientAuth::None
        )
        .unwrap()
    );
    let mut cc = ClientCredentialsRequest {
        token_url: TOKEN_URL.to_owned(),
        client_id,
        scopes: Vec::new(),
        client_auth: ClientAuth::Secret(Secret::new("s")),
    };
    assert_eq!(cc.build().unwrap_err().code(), "invalid_input");
    cc.scopes = scopes;
    cc.client_auth = ClientAuth::None;
    assert_eq!(cc.build().unwrap_err().code(), "invalid_input");
}

#[test]
fn client_auth_from_parts() {
    use ClientAuthMethod as M;
    let s = || Some(Secret::new("s"));
    let a = || Some(Secret::new("a"));
    assert_eq!(
        ClientAuth::from_parts(None, None, None).unwrap(),
        ClientAuth::None
    );
    assert_eq!(
        ClientAuth::from_parts(s(), None, None).unwrap(),
        ClientAuth::Secret(Secret::new("s"))
    );
    assert_eq!(
        ClientAuth::from_parts(None, a(), None).unwrap(),
        ClientAuth::Assertion(Secret::new("a"))
    );
    for (secret, assertion, method, want) in [
        (s(), None, Some(M::ClientSecretPost), M::ClientSecretPost),
        (s(), None, Some(M::ClientSecretBasic), M::ClientSecretBasic),
        (None, a(), Some(M::PrivateKeyJwt), M::PrivateKeyJwt),
        (None, None, Some(M::None), M::None),
    ] {
        assert_eq!(
            ClientAuth::from_parts(secret, assertion, method)
                .unwrap()
                .method(),
            want
        );
    }
    for (secret, assertion, method) in [
        (s(), a(), None),
        (s(), a(), Some(M::PrivateKeyJwt)),
        (s(), None, Some(M::None)),
        (s(), None, Some(M::PrivateKeyJwt)),
        (None, a(), Some(M::ClientSecretPost)),
        (None, a(), Some(M::None)),
        (None, None, Some(M::ClientSecretBasic)),
        (None, None, Some(M::PrivateKeyJwt)),
    ] {
        let e = ClientAuth::from_parts(secret, assertion, method).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{method:?}: {e}");
        assert!(!e.to_string().contains("\"s\""), "{e}");
    }
}
