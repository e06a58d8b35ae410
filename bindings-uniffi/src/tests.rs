//! Rust-side checks of the binding's mapping: error variants and codes, and redaction of every
//! record that holds a secret (their `Display`/`Debug` become Kotlin `toString()` and Swift
//! `description`/`debugDescription`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::*;

const SECRET: &str = "S3CRET-value-0123456789-S3CRET-value-0123456789";

fn assert_hidden(shown: &str) {
    assert!(!shown.contains(SECRET), "secret shown: {shown}");
}

#[test]
fn error_variants_follow_whose_fault() {
    let e = parse_tenant("not a tenant!".into()).unwrap_err();
    assert!(matches!(e, MailoauthError::InvalidInput { ref code, .. } if code == "invalid_tenant"));
    let e = decode_error_challenge("%%%".into()).unwrap_err();
    assert!(matches!(e, MailoauthError::Protocol { ref code, .. } if code == "malformed"));
    let e = parse_authorize_redirect("http://localhost/?code=c&state=x".into(), "y".into(), None)
        .unwrap_err();
    assert!(matches!(e, MailoauthError::Security { ref code, .. } if code == "state_mismatch"));
    let resp = HttpResponse {
        status: 400,
        headers: vec![],
        body: br#"{"error":"invalid_client","error_description":"AADSTS7000215: bad secret","error_codes":[7000215]}"#.to_vec(),
    };
    match parse_token_response(resp, 0).unwrap_err() {
        MailoauthError::Server { code, details, .. } => {
            assert_eq!(code, "invalid_client");
            assert_eq!(details.aadsts, Some(7000215));
            assert_eq!(details.status, Some(400));
            assert_eq!(details.explanation.aadsts, Some(7000215));
            assert!(!details.transient);
        }
        other => panic!("not a server error: {other:?}"),
    }
    assert_eq!(
        error_code(MailoauthError::invalid_input("x")),
        "invalid_input"
    );
}

#[test]
fn secrets_are_redacted_in_display_and_debug() {
    let token = TokenSet {
        access_token: SECRET.into(),
        token_type: "Bearer".into(),
        expires_at: Some(1),
        refresh_token: Some(SECRET.into()),
        scope: None,
        id_token: Some(SECRET.into()),
        ext_expires_at: None,
    };
    let request = build_client_credentials_request(
        "https://login.microsoftonline.com/t/oauth2/v2.0/token".into(),
        "9e5f94bc-e8a4-4e73-b8be-63364c29d753".into(),
        "https://outlook.office365.com/.default".into(),
        Some(SECRET.into()),
        None,
    )
    .unwrap();
    let response = HttpResponse {
        status: 200,
        headers: vec![HttpHeader {
            name: "Set-Cookie".into(),
            value: SECRET.into(),
        }],
        body: SECRET.as_bytes().to_vec(),
    };
    let decoded = decode_initial_response(
        Mechanism::Xoauth2,
        xoauth2("u@example.com".into(), SECRET.into()).unwrap(),
    )
    .unwrap();
    let pkce = pkce_from_verifier(SECRET.into()).unwrap();
    let code = parse_authorize_redirect(
        format!("http://localhost/?code={SECRET}&state=s"),
        "s".into(),
        None,
    )
    .unwrap();
    let device = DeviceAuthorization {
        device_code: SECRET.into(),
        user_code: "UC".into(),
        verification_uri: "https://x".into(),
        verification_uri_complete: None,
        expires_at: 1,
        interval: 5,
        message: None,
    };
    let action = MailAction::Send {
        data: SECRET.as_bytes().to_vec(),
    };
    for shown in [
        token.to_string(),
        format!("{token:?}"),
        request.to_string(),
        format!("{request:?}"),
        response.to_string(),
        format!("{response:?}"),
        decoded.to_string(),
        format!("{decoded:?}"),
        pkce.to_string(),
        format!("{pkce:?}"),
        code.to_string(),
        format!("{code:?}"),
        device.to_string(),
        format!("{device:?}"),
        format!("{action:?}"),
    ] {
        assert_hidden(&shown);
    }
    // The values themselves are intact: only their printing hides them.
    assert_eq!(decoded.token, SECRET);
    assert_eq!(pkce.verifier, SECRET);
    assert_eq!(code.code, SECRET);
}
