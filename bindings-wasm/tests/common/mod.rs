//! Marshalling and error-mapping tests, run by wasm-bindgen-test in Node (tests/node.rs) and in
//! headless Chromium (tests/browser.rs).

use js_sys::{Array, Reflect, Uint8Array};
use mailoauth_wasm::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn text(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

/// The thrown value is a `MailoauthError` (an `Error` subclass) with the given code.
fn assert_error(e: &JsValue, code: &str) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    assert_eq!(text(e, "name").as_deref(), Some("MailoauthError"));
    assert_eq!(text(e, "code").as_deref(), Some(code));
}

#[wasm_bindgen_test]
fn xoauth2_is_base64_of_the_sasl_string() {
    let got = xoauth2("user@contoso.com", "tok123").unwrap();
    let raw = "user=user@contoso.com\u{1}auth=Bearer tok123\u{1}\u{1}";
    let want = js_sys::global()
        .unchecked_into::<web_sys_btoa::Global>()
        .btoa(raw);
    assert_eq!(got, want);
}

mod web_sys_btoa {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        pub type Global;
        #[wasm_bindgen(method)]
        pub fn btoa(this: &Global, s: &str) -> String;
    }
}

#[wasm_bindgen_test]
fn invalid_input_is_a_mailoauth_error_with_code() {
    let e = xoauth2("user\u{1}x", "tok").unwrap_err();
    assert_error(&e, "invalid_input");
    assert_eq!(get(&e, "transient"), JsValue::FALSE);
    assert!(get(&e, "errorCodes").is_instance_of::<Array>());
}

#[wasm_bindgen_test]
fn consent_url_and_camel_case_records() {
    let url = admin_consent_url(
        options(
            r#"{"tenant":"contoso.onmicrosoft.com","clientId":"08162f7c-0fd2-4200-a84a-f25a4db0b584","state":"s1"}"#,
        )
        .unchecked_into(),
    )
    .unwrap();
    assert!(
        url.starts_with(
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?"
        ),
        "{url}"
    );
    assert!(url.contains("state=s1"), "{url}");
    let apps: Array = well_known_apps().unwrap().unchecked_into();
    assert!(apps.length() > 0);
    let first = apps.get(0);
    assert!(
        text(&first, "clientId").is_some(),
        "records use camelCase keys"
    );
    assert!(get(&first, "client_id").is_undefined());
    // A typo in an option is an error, not a silently ignored option.
    let e =
        admin_consent_url(options(r#"{"tenant":"contoso.com","clientID":"x"}"#).unchecked_into())
            .unwrap_err();
    assert_error(&e, "invalid_input");
    let e = admin_consent_url(
        options(r#"{"tenant":"not a tenant!","clientId":"08162f7c-0fd2-4200-a84a-f25a4db0b584"}"#)
            .unchecked_into(),
    )
    .unwrap_err();
    assert_error(&e, "invalid_tenant");
}

#[wasm_bindgen_test]
fn random_values_come_from_crypto() {
    let a = Pkce::generate().unwrap();
    let b = Pkce::generate().unwrap();
    assert_eq!(a.verifier().len(), 43);
    assert_ne!(a.verifier(), b.verifier());
    assert_eq!(a.challenge(), s256_challenge(&a.verifier()));
    assert!(
        !a.to_string_js().contains(&a.verifier()),
        "toString redacts the verifier"
    );
    let s1 = random_state().unwrap();
    let s2 = random_state().unwrap();
    assert_eq!(s1.len(), 22);
    assert_ne!(s1, s2);
    assert_error(
        &Pkce::from_random(&[1, 2, 3]).err().unwrap(),
        "invalid_input",
    );
}

#[wasm_bindgen_test]
fn token_error_carries_the_server_details() {
    let body = r#"{"error":"invalid_grant","error_description":"AADSTS70008: The provided authorization code or refresh token has expired.","error_codes":[70008],"trace_id":"t-1","correlation_id":"c-2"}"#;
    let resp = HttpResponse::new(
        400,
        JsValue::from_str(body),
        JsValue::UNDEFINED.unchecked_into(),
    )
    .unwrap();
    let e = parse_token_response(&resp, 1_700_000_000.0).err().unwrap();
    assert_error(&e, "invalid_grant");
    assert_eq!(get(&e, "aadsts").as_f64(), Some(70008.0));
    assert_eq!(text(&e, "traceId").as_deref(), Some("t-1"));
    assert_eq!(text(&e, "correlationId").as_deref(), Some("c-2"));
    assert_eq!(get(&e, "requiresNewSignIn"), JsValue::TRUE);
    let errors: Array = get(&e, "errorCodes").unchecked_into();
    assert_eq!(errors.get(0).as_f64(), Some(70008.0));
    let x = get(&e, "explanation");
    assert_eq!(get(&x, "aadsts").as_f64(), Some(70008.0));
}

#[wasm_bindgen_test]
fn token_set_parses_and_redacts() {
    let body = r#"{"token_type":"bearer","access_token":"AT-secret","refresh_token":"RT-secret","expires_in":3600,"scope":"a b"}"#;
    let resp = HttpResponse::new(
        200,
        JsValue::from(Uint8Array::from(body.as_bytes())),
        JsValue::UNDEFINED.unchecked_into(),
    )
    .unwrap();
    let t = parse_token_response(&resp, 1000.0).unwrap();
    assert_eq!(t.access_token(), "AT-secret");
    assert_eq!(t.token_type(), "Bearer");
    assert_eq!(t.expires_at().as_f64(), Some(4600.0));
    assert_eq!(t.refresh_token().as_string().as_deref(), Some("RT-secret"));
    let s = t.to_string_js();
    assert!(!s.contains("AT-secret") && !s.contains("RT-secret"), "{s}");
    let again = TokenSet::from_json(&t.to_json()).unwrap();
    assert_eq!(again.access_token(), "AT-secret");
    assert!(t.needs_refresh(4500.0, None).unwrap());
    assert!(!t.needs_refresh(1000.0, None).unwrap());
    assert_error(&t.is_expired(-1.0).unwrap_err(), "invalid_input");
}

#[wasm_bindgen_test]
fn auth_code_request_is_a_form_post() {
    let req = build_auth_code_request(
        options(r#"{"tokenUrl":"https://login.microsoftonline.com/common/oauth2/v2.0/token","clientId":"08162f7c-0fd2-4200-a84a-f25a4db0b584","code":"C0DE","redirectUri":"http://localhost/","codeVerifier":"0123456789012345678901234567890123456789abc"}"#)
            .unchecked_into(),
    )
    .unwrap();
    assert_eq!(req.method(), "POST");
    assert!(req.body_text().contains("grant_type=authorization_code"));
    assert!(req
        .body_text()
        .contains("code_verifier=0123456789012345678901234567890123456789abc"));
    assert!(
        !req.to_string_js().contains("C0DE"),
        "toString hides the body"
    );
}

#[wasm_bindgen_test]
fn imap_machine_round_trip() {
    let mut m = ImapAuth::new(
        options(r#"{"user":"u@contoso.com","token":"tok","tag":"A1","capabilities":["IMAP4rev1","AUTH=XOAUTH2","SASL-IR"]}"#)
            .unchecked_into(),
    )
    .unwrap();
    let a = m.next_action().unwrap();
    assert_eq!(text(&a, "kind").as_deref(), Some("send"));
    let data = Uint8Array::new(&get(&a, "data")).to_vec();
    let want = format!(
        "A1 AUTHENTICATE XOAUTH2 {}\r\n",
        xoauth2("u@contoso.com", "tok").unwrap()
    );
    assert_eq!(String::from_utf8(data).unwrap(), want);
    let a = m.next_action().unwrap();
    assert_eq!(text(&a, "kind").as_deref(), Some("need_line"));
    m.receive_line(JsValue::from_str("A1 NO AUTHENTICATE failed.").unchecked_into())
        .unwrap();
    let a = m.next_action().unwrap();
    let outcome = get(&a, "outcome");
    assert_eq!(text(&outcome, "kind").as_deref(), Some("rejected"));
    let rejection = get(&outcome, "rejection");
    assert_eq!(
        text(&rejection, "serverText").as_deref(),
        Some("AUTHENTICATE failed.")
    );
    assert!(m.is_done());
}

#[wasm_bindgen_test]
fn lint_and_explain() {
    let lint = lint_access_token(
        "not-a-jwt",
        options(r#"{"protocol":"imap","grant":"delegated","now":1700000000}"#).unchecked_into(),
    )
    .unwrap();
    let findings: Array = get(&lint, "findings").unchecked_into();
    let codes: Vec<String> = findings.iter().filter_map(|f| text(&f, "code")).collect();
    assert!(codes.contains(&"opaque_token".to_owned()), "{codes:?}");
    let x = explain_error_text("AADSTS65001: The user or administrator has not consented").unwrap();
    assert_eq!(get(&x, "aadsts").as_f64(), Some(65001.0));
    assert_eq!(get(&x, "known"), JsValue::TRUE);
    assert!(text(&x, "needsAdmin").is_none() && get(&x, "needsAdmin").as_bool().is_some());
}

#[wasm_bindgen_test]
fn findings_carry_their_severity() {
    // An opaque token is a note; client credentials on organizations are an error.
    let lint = lint_access_token(
        "not-a-jwt",
        options(r#"{"protocol":"smtp","grant":"app","now":1700000000}"#).unchecked_into(),
    )
    .unwrap();
    let first = Array::from(&get(&lint, "findings")).get(0);
    assert_eq!(text(&first, "code").as_deref(), Some("opaque_token"));
    assert_eq!(text(&first, "severity").as_deref(), Some("note"));
    let findings: Array = lint_config(
        options(r#"{"flow":"client_credentials","tenant":"organizations","clientId":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","clientSecret":"s","scopes":["https://outlook.office365.com/.default"]}"#)
            .unchecked_into(),
    )
    .unwrap()
    .unchecked_into();
    assert_eq!(findings.length(), 1);
    let f = findings.get(0);
    assert_eq!(
        text(&f, "code").as_deref(),
        Some("tenant_not_allowed_for_client_credentials")
    );
    assert_eq!(text(&f, "severity").as_deref(), Some("error"));
    assert_error(
        &check_client_credentials("organizations").unwrap_err(),
        "invalid_tenant",
    );
}

#[wasm_bindgen_test]
fn runbook_variant_option_and_personal_replies() {
    let rb = build_runbook(
        options(r#"{"tenant":"contoso.onmicrosoft.com","clientId":"08162f7c-0fd2-4200-a84a-f25a4db0b584","mailboxes":["alerts@contoso.com"],"variant":"hve"}"#)
            .unchecked_into(),
    )
    .unwrap();
    let text_of = text(&rb, "text").unwrap();
    assert!(
        text_of.contains(
            "Add-HVEAppAccess -Identity 'alerts@contoso.com' -AppIds '08162f7c-0fd2-4200-a84a-f25a4db0b584'"
        ),
        "{text_of}"
    );
    let e = build_runbook(
        options(r#"{"tenant":"contoso.onmicrosoft.com","clientId":"08162f7c-0fd2-4200-a84a-f25a4db0b584","protocols":["imap"],"variant":"rbac"}"#)
            .unchecked_into(),
    )
    .err()
    .unwrap();
    assert_error(&e, "invalid_input");
    let e = build_runbook(
        options(r#"{"tenant":"contoso.onmicrosoft.com","clientId":"08162f7c-0fd2-4200-a84a-f25a4db0b584","variant":7}"#)
            .unchecked_into(),
    )
    .err()
    .unwrap();
    assert_error(&e, "invalid_input");

    let line = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.";
    let work = diagnose_reply("smtp", line, None).unwrap();
    let personal = diagnose_reply("smtp", line, Some(true)).unwrap();
    assert_eq!(
        text(&personal, "code").as_deref(),
        Some("smtp_auth_disabled")
    );
    assert_ne!(text(&personal, "fix"), text(&work, "fix"));
    assert!(text(&personal, "fix")
        .unwrap()
        .contains("Personal Microsoft account"));
    assert_eq!(
        text(&diagnose_reply("smtp", line, Some(false)).unwrap(), "fix"),
        text(&work, "fix")
    );
    let consumers: JsValue = implied_tenant(Some(JsValue::from_str("consumers").unchecked_into()))
        .unwrap()
        .into();
    assert_eq!(consumers.as_string().as_deref(), Some("consumers"));
    assert!(JsValue::from(implied_tenant(None).unwrap()).is_null());
}
