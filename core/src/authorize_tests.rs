//! Unit tests of `authorize` (kept beside it so the module itself stays readable).

use super::*;
use crate::cloud::CloudId;
use proptest::prelude::*;

const CLIENT: &str = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";

/// Regression (fuzz target `local_input`): a redirect URI whose host holds non-ASCII and then
/// upper-case ASCII is refused, not a panic of the IDNA back end.
#[test]
fn non_ascii_redirect_host_is_refused() {
    for uri in [
        "http://YC\u{fffd}(.C\u{fffd}-(/cb",
        "http://\u{e9}.C/callback",
    ] {
        let mut r = request();
        r.redirect_uri = uri.into();
        assert_eq!(build_authorize_url(&r).unwrap_err().code(), "invalid_input");
    }
}
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn rfc_pkce() -> Pkce {
    Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap()
}

fn request() -> AuthorizeRequest {
    AuthorizeRequest {
        authorize_url: "http://127.0.0.1:3000/auth".into(),
        client_id: "local-test-client".into(),
        redirect_uri: "http://127.0.0.1:8080/cb".into(),
        scopes: vec!["openid".into(), "offline_access".into()],
        state: "st".into(),
        code_challenge: CHALLENGE.into(),
        response_mode: None,
        prompt: None,
        login_hint: None,
        domain_hint: None,
    }
}

fn pairs(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn code_of(r: Result<AuthorizationCode>) -> String {
    r.unwrap().code.expose_secret().to_owned()
}

#[test]
fn microsoft_exact() {
    let req = AuthorizeRequest::microsoft(
        &Cloud::global(),
        &Tenant::Organizations,
        "9E5F94BC-E8A4-4E73-B8BE-63364C29D753",
        "https://localhost",
        &[Protocol::Imap, Protocol::Smtp],
        "12345",
        &rfc_pkce(),
    )
    .unwrap();
    assert_eq!(req.client_id, CLIENT);
    assert_eq!(
        build_authorize_url(&req).unwrap(),
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize\
         ?client_id=9e5f94bc-e8a4-4e73-b8be-63364c29d753&response_type=code\
         &redirect_uri=https%3A%2F%2Flocalhost\
         &scope=https%3A%2F%2Foutlook.office.com%2FIMAP.AccessAsUser.All+https%3A%2F%2Foutlook.office.com%2FSMTP.Send+offline_access\
         &state=12345&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
}

#[test]
fn microsoft_other_cloud_and_refusals() {
    let req = AuthorizeRequest::microsoft(
        &Cloud::preset(CloudId::China),
        &Tenant::Domain("contoso.cn".into()),
        CLIENT,
        "https://localhost",
        &[Protocol::Pop],
        "s",
        &rfc_pkce(),
    )
    .unwrap();
    assert_eq!(
        req.authorize_url,
        "https://login.partner.microsoftonline.cn/contoso.cn/oauth2/v2.0/authorize"
    );
    assert_eq!(
        req.scopes,
        vec![
            "https://partner.outlook.cn/POP.AccessAsUser.All",
            "offline_access"
        ]
    );
    let bad = |client: &str, protocols: &[Protocol]| {
        AuthorizeRequest::microsoft(
            &Cloud::global(),
            &Tenant::Common,
            client,
            "https://localhost",
            protocols,
            "s",
            &rfc_pkce(),
        )
        .unwrap_err()
        .code()
        .to_owned()
    };
    assert_eq!(bad("thunderbird", &[Protocol::Imap]), "invalid_client_id");
    assert_eq!(bad(CLIENT, &[]), "invalid_input");
}

#[test]
fn optional_parameters() {
    let mut req = request();
    req.response_mode = Some(ResponseMode::FormPost);
    req.prompt = Some("select_account".into());
    req.login_hint = Some("user@contoso.com".into());
    req.domain_hint = Some("contoso.com".into());
    let p = pairs(&build_authorize_url(&req).unwrap());
    let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("response_mode"), Some("form_post"));
    assert_eq!(get("prompt"), Some("select_account"));
    assert_eq!(get("login_hint"), Some("user@contoso.com"));
    assert_eq!(get("domain_hint"), Some("contoso.com"));
    assert_eq!(get("client_id"), Some("local-test-client"));
    assert_eq!(get("scope"), Some("openid offline_access"));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("response_type"), Some("code"));
    for prompt in PROMPTS {
        req.prompt = Some(prompt.into());
        assert!(build_authorize_url(&req).is_ok(), "{prompt}");
    }
    // Empty optional strings are left out.
    req.prompt = Some(String::new());
    req.login_hint = Some(String::new());
    req.domain_hint = Some(String::new());
    req.response_mode = None;
    let p = pairs(&build_authorize_url(&req).unwrap());
    assert_eq!(p.len(), 7, "{p:?}");
}

#[test]
fn response_modes() {
    for (m, s) in [
        (ResponseMode::Query, "query"),
        (ResponseMode::Fragment, "fragment"),
        (ResponseMode::FormPost, "form_post"),
    ] {
        assert_eq!(m.as_str(), s);
        assert_eq!(m.to_string(), s);
        assert_eq!(s.parse::<ResponseMode>().unwrap(), m);
        assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{s}\""));
    }
    assert_eq!(
        "Query".parse::<ResponseMode>().unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn endpoint_with_query() {
    let mut req = request();
    req.authorize_url = "https://as.example/authorize?p=b2c_1_signin".into();
    let u = build_authorize_url(&req).unwrap();
    assert!(
        u.starts_with("https://as.example/authorize?p=b2c_1_signin&client_id=local-test-client&"),
        "{u}"
    );
    req.authorize_url = "https://as.example/authorize?".into();
    let u = build_authorize_url(&req).unwrap();
    assert!(
        u.starts_with("https://as.example/authorize?client_id="),
        "{u}"
    );
    req.authorize_url = "https://as.example/authorize?p=1&".into();
    let u = build_authorize_url(&req).unwrap();
    assert!(
        u.starts_with("https://as.example/authorize?p=1&client_id="),
        "{u}"
    );
    req.authorize_url = "https://as.example/authorize?client_id=other".into();
    assert_eq!(
        build_authorize_url(&req).unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn build_refusals() {
    let code = |f: &dyn Fn(&mut AuthorizeRequest)| {
        let mut r = request();
        f(&mut r);
        build_authorize_url(&r).unwrap_err().code().to_owned()
    };
    // endpoint
    assert_eq!(
        code(&|r| r.authorize_url = "http://example.com/auth".into()),
        "invalid_input"
    );
    assert_eq!(
        code(&|r| r.authorize_url = "not a url".into()),
        "invalid_input"
    );
    assert_eq!(
        code(&|r| r.authorize_url = "https://x/auth#f".into()),
        "invalid_input"
    );
    // client id
    assert_eq!(code(&|r| r.client_id = String::new()), "invalid_client_id");
    assert_eq!(code(&|r| r.client_id = "a b".into()), "invalid_client_id");
    // Surrounding white space is trimmed (crate::ClientId::new), as for every client id.
    let mut r = request();
    r.client_id = " ab\n".into();
    assert!(build_authorize_url(&r).unwrap().contains("client_id=ab&"));
    assert_eq!(
        code(&|r| r.client_id = "a\u{0}b".into()),
        "invalid_client_id"
    );
    // redirect uri
    assert_eq!(code(&|r| r.redirect_uri = String::new()), "invalid_input");
    assert_eq!(code(&|r| r.redirect_uri = "/cb".into()), "invalid_input");
    assert_eq!(
        code(&|r| r.redirect_uri = "https://x/cb#frag".into()),
        "invalid_input"
    );
    assert_eq!(
        code(&|r| r.redirect_uri = " https://x/cb".into()),
        "invalid_input"
    );
    assert_eq!(
        code(&|r| r.redirect_uri = "https://x/c\tb".into()),
        "invalid_input"
    );
    // scopes
    assert_eq!(code(&|r| r.scopes = vec![]), "invalid_input");
    assert_eq!(code(&|r| r.scopes = vec![String::new()]), "invalid_input");
    assert_eq!(
        code(&|r| r.scopes = vec!["openid offline_access".into()]),
        "invalid_input"
    );
    assert_eq!(code(&|r| r.scopes = vec!["a\"b".into()]), "invalid_input");
    assert_eq!(code(&|r| r.scopes = vec!["a\\b".into()]), "invalid_input");
    assert_eq!(code(&|r| r.scopes = vec!["é".into()]), "invalid_input");
    // state, challenge, prompt
    assert_eq!(code(&|r| r.state = String::new()), "invalid_input");
    assert_eq!(code(&|r| r.code_challenge = String::new()), "invalid_input");
    assert_eq!(
        code(&|r| r.code_challenge = format!("{CHALLENGE}A")),
        "invalid_input"
    );
    assert_eq!(
        code(&|r| r.code_challenge = CHALLENGE.replace('-', "+")),
        "invalid_input"
    );
    assert_eq!(
        code(&|r| r.prompt = Some("admin_consent".into())),
        "invalid_input"
    );
    assert_eq!(
        code(&|r| r.prompt = Some("login consent".into())),
        "invalid_input"
    );
}

#[test]
fn custom_redirect_schemes_are_fine() {
    let mut r = request();
    r.redirect_uri = "msauth.com.example.app://auth".into();
    assert!(build_authorize_url(&r).is_ok());
    r.redirect_uri = "com.example.app:/oauth2redirect".into();
    assert!(build_authorize_url(&r).is_ok());
}

// ---- redirect parsing ----

#[test]
fn code_in_query_fragment_and_form() {
    let got = parse_authorize_redirect(
        "http://localhost/?code=abc&state=s1&session_state=ss&iss=https%3A%2F%2Fas.example",
        "s1",
        Some("https://as.example"),
    )
    .unwrap();
    assert_eq!(got.code.expose_secret(), "abc");
    assert_eq!(got.state, "s1");
    assert_eq!(got.iss.as_deref(), Some("https://as.example"));
    assert_eq!(got.session_state.as_deref(), Some("ss"));
    assert_eq!(
        code_of(parse_authorize_redirect(
            "https://app.example/cb#code=abc&state=s1",
            "s1",
            None
        )),
        "abc"
    );
    // The redirect URI's own query stays out of the way of a fragment response.
    assert_eq!(
        code_of(parse_authorize_redirect(
            "https://app.example/cb?tab=2#code=abc&state=s1",
            "s1",
            None
        )),
        "abc"
    );
    // A query response with an unrelated fragment.
    assert_eq!(
        code_of(parse_authorize_redirect(
            "https://app.example/cb?code=abc&state=s1#_=_",
            "s1",
            None
        )),
        "abc"
    );
    // As an HTTP server sees it, with white space around.
    assert_eq!(
        code_of(parse_authorize_redirect(
            " /cb?code=abc&state=s1\n",
            "s1",
            None
        )),
        "abc"
    );
    for body in [
        "code=abc&state=s1",
        "?code=abc&state=s1",
        "#code=abc&state=s1",
    ] {
        assert_eq!(
            code_of(parse_authorize_response_params(body, "s1", None)),
            "abc"
        );
    }
    // Percent and plus decoding.
    assert_eq!(
        code_of(parse_authorize_response_params(
            "code=a%2Bb+c&state=s%201",
            "s 1",
            None
        )),
        "a+b c"
    );
}

#[test]
fn malformed_redirects() {
    for url in [
        "",
        "http://localhost/",
        "http://localhost/?",
        "http://localhost/#",
        "http://localhost/?foo=bar",
        "http://localhost/?state=s1",
        "http://localhost/?code=a&code=b&state=s1",
        "http://localhost/?code=a&state=s1&state=s1",
        "http://localhost/?error=a&error=b&state=s1",
        "http://localhost/?code=a&state=s1&iss=x&iss=y",
        "http://localhost/?code=a&state=s1#code=b&state=s1",
        "http://localhost/?code=&state=s1",
        "http://localhost/?error=&state=s1",
    ] {
        assert_eq!(
            parse_authorize_redirect(url, "s1", None)
                .unwrap_err()
                .code(),
            "malformed",
            "{url}"
        );
    }
    assert_eq!(
        parse_authorize_response_params("", "s1", None)
            .unwrap_err()
            .code(),
        "malformed"
    );
    assert_eq!(
        parse_authorize_response_params("code=a&code=a&state=s1", "s1", None)
            .unwrap_err()
            .code(),
        "malformed"
    );
}

#[test]
fn state_is_checked_before_anything_is_used() {
    for url in [
        "http://localhost/?code=abc&state=other",
        "http://localhost/?code=abc",
        "http://localhost/?code=abc&state=",
        "http://localhost/?code=abc&state=s",
        "http://localhost/?code=abc&state=s1x",
        "http://localhost/?code=abc&state=S1",
        // An error without the right state is not the server's: it is refused as such.
        "http://localhost/?error=access_denied&state=other",
        "http://localhost/?error=access_denied",
        // The issuer is not looked at before the state.
        "http://localhost/?code=abc&state=x&iss=https%3A%2F%2Fevil.example",
    ] {
        assert_eq!(
            parse_authorize_redirect(url, "s1", Some("https://as.example"))
                .unwrap_err()
                .code(),
            "state_mismatch",
            "{url}"
        );
    }
    assert_eq!(
        parse_authorize_response_params("code=abc&state=x", "s1", None)
            .unwrap_err()
            .code(),
        "state_mismatch"
    );
}

#[test]
fn empty_expected_state_is_the_callers_mistake() {
    assert_eq!(
        parse_authorize_redirect("http://localhost/?code=abc&state=", "", None)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        parse_authorize_response_params("code=abc", "", None)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
}

#[test]
fn server_error_after_state() {
    let e = parse_authorize_redirect(
        "http://localhost/?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent.&error_uri=https%3A%2F%2Fx&state=s1",
        "s1",
        None,
    )
    .unwrap_err();
    assert_eq!(e.code(), "access_denied");
    let o = e.oauth().unwrap();
    assert_eq!(
        o.error_description.as_deref(),
        Some("AADSTS65004: User declined to consent.")
    );
    assert_eq!(o.aadsts, Some(65004));
    assert_eq!(o.error_uri.as_deref(), Some("https://x"));
    // An error wins over a code that came with it.
    assert_eq!(
        parse_authorize_redirect(
            "http://localhost/?code=abc&error=server_error&state=s1",
            "s1",
            None
        )
        .unwrap_err()
        .code(),
        "server_error"
    );
    // Fragment and form-post errors.
    assert_eq!(
        parse_authorize_redirect("https://app/#error=login_required&state=s1", "s1", None)
            .unwrap_err()
            .code(),
        "login_required"
    );
    assert_eq!(
        parse_authorize_response_params("error=interaction_required&state=s1", "s1", None)
            .unwrap_err()
            .code(),
        "interaction_required"
    );
}

#[test]
fn issuer_check() {
    let ok = "http://localhost/?code=abc&state=s1&iss=https%3A%2F%2Fas.example";
    assert!(parse_authorize_redirect(ok, "s1", Some("https://as.example")).is_ok());
    // Not expected, or not sent: not checked.
    assert!(parse_authorize_redirect(ok, "s1", None).is_ok());
    assert!(parse_authorize_redirect(ok, "s1", Some("")).is_ok());
    assert!(parse_authorize_redirect(
        "http://localhost/?code=abc&state=s1",
        "s1",
        Some("https://as.example")
    )
    .is_ok());
    let e = parse_authorize_redirect(ok, "s1", Some("https://as.example/")).unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
    assert_eq!(
        e,
        Error::IssuerMismatch {
            expected: "https://as.example/".into(),
            got: "https://as.example".into()
        }
    );
    // RFC 9207 section 2.4: an error from another issuer is not the intended server's error.
    assert_eq!(
        parse_authorize_redirect(
            "http://localhost/?error=access_denied&state=s1&iss=https%3A%2F%2Fevil.example",
            "s1",
            Some("https://as.example")
        )
        .unwrap_err()
        .code(),
        "issuer_mismatch"
    );
}

#[test]
fn authorization_code_redacts() {
    let got =
        parse_authorize_redirect("http://localhost/?code=SECRETCODE&state=s1", "s1", None).unwrap();
    let dbg = format!("{got:?}");
    assert!(!dbg.contains("SECRETCODE"), "{dbg}");
    assert!(dbg.contains("[redacted]"), "{dbg}");
    // Errors never carry the code either.
    for url in [
        "http://localhost/?code=SECRETCODE&state=bad",
        "http://localhost/?code=SECRETCODE&code=SECRETCODE&state=s1",
        "http://localhost/?code=SECRETCODE&state=s1&iss=x",
    ] {
        let e = parse_authorize_redirect(url, "s1", Some("y")).unwrap_err();
        assert!(!e.to_string().contains("SECRETCODE"), "{e}");
        assert!(!format!("{e:?}").contains("SECRETCODE"), "{e:?}");
    }
}

#[test]
fn constant_time_eq() {
    assert!(ct_eq(b"", b""));
    assert!(ct_eq(b"abc", b"abc"));
    assert!(!ct_eq(b"abc", b"abd"));
    assert!(!ct_eq(b"abc", b"ab"));
    assert!(!ct_eq(b"", b"a"));
}

#[test]
fn params_helpers() {
    let p = RedirectParams::from_url("x?a=1&b&a=2", &["a"]).unwrap();
    assert_eq!(p.get("a"), Some("1"));
    assert_eq!(p.get("b"), Some(""));
    assert!(p.has("b"));
    assert!(!p.has("c"));
    assert_eq!(p.ensure_unique(&["a"]).unwrap_err().code(), "malformed");
    assert!(p.ensure_unique(&["b", "c"]).is_ok());
    // Neither part holds a key: the query wins when it has anything.
    let p = RedirectParams::from_url("x?z=1#y=2", &["a"]).unwrap();
    assert_eq!(p.get("z"), Some("1"));
    let p = RedirectParams::from_url("x#y=2", &["a"]).unwrap();
    assert_eq!(p.get("y"), Some("2"));
    assert!(RedirectParams::default().is_empty());
    assert!(RedirectParams::from_form("").is_empty());
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, control characters and URL delimiters included.
    proptest::collection::vec(any::<char>(), 1..40).prop_map(|c| c.into_iter().collect())
}

proptest! {
    #[test]
    fn build_round_trips(
        state in text(),
        login_hint in text(),
        domain_hint in text(),
        client_id in "[!-~]{1,40}",
        // No backslash: the URL parser refuses it (the WHATWG parser reads it as `/`). No `?`:
        // it would end the path, so a dot segment could hide in front of it (`/.?x`).
        path in "[^\\s\\x00-\\x1f\\x7f-\\x9f#\\\\?]{0,30}",
        query in proptest::option::of("[^\\s\\x00-\\x1f\\x7f-\\x9f#\\\\]{0,30}"),
        scopes in proptest::collection::vec("[!#-\\[\\]-~]{1,20}", 1..4),
        bytes in any::<[u8; 32]>(),
    ) {
        // Nor dot segments (the WHATWG parser resolves them).
        prop_assume!(!path.split('/').any(|s| [".", "..", "%2e", ".%2e", "%2e.", "%2e%2e"]
            .iter()
            .any(|d| s.eq_ignore_ascii_case(d))));
        let redirect_uri = match &query {
            Some(q) => format!("https://app.example/{path}?{q}"),
            None => format!("https://app.example/{path}"),
        };
        let pkce = Pkce::from_random(&bytes);
        let req = AuthorizeRequest {
            authorize_url: "https://login.example/t/authorize?x=1".into(),
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            scopes: scopes.clone(),
            state: state.clone(),
            code_challenge: pkce.challenge().to_owned(),
            response_mode: Some(ResponseMode::Fragment),
            prompt: Some("login".into()),
            login_hint: Some(login_hint.clone()),
            domain_hint: Some(domain_hint.clone()),
        };
        let url = build_authorize_url(&req).unwrap();
        let u = url::Url::parse(&url).unwrap();
        prop_assert_eq!(u.host_str(), Some("login.example"));
        prop_assert_eq!(u.path(), "/t/authorize");
        let p: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        let get = |k: &str| -> Vec<String> {
            p.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect()
        };
        prop_assert_eq!(get("x"), vec!["1".to_owned()]);
        prop_assert_eq!(get("state"), vec![state]);
        prop_assert_eq!(get("login_hint"), vec![login_hint]);
        prop_assert_eq!(get("domain_hint"), vec![domain_hint]);
        prop_assert_eq!(get("client_id"), vec![client_id]);
        prop_assert_eq!(get("redirect_uri"), vec![redirect_uri]);
        prop_assert_eq!(get("scope"), vec![scopes.join(" ")]);
        prop_assert_eq!(get("code_challenge"), vec![pkce.challenge().to_owned()]);
        prop_assert_eq!(p.len(), 12);
    }

    #[test]
    fn redirect_round_trips(code in text(), state in text(), fragment in any::<bool>()) {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        ser.append_pair("code", &code).append_pair("state", &state);
        let params = ser.finish();
        let url = if fragment {
            format!("https://app.example/cb#{params}")
        } else {
            format!("https://app.example/cb?{params}")
        };
        let got = parse_authorize_redirect(&url, &state, None).unwrap();
        prop_assert_eq!(got.code.expose_secret(), code.as_str());
        prop_assert_eq!(&got.state, &state);
        let got = parse_authorize_response_params(&params, &state, None).unwrap();
        prop_assert_eq!(got.code.expose_secret(), code.as_str());
    }

    #[test]
    fn parsers_never_panic_and_only_accept_the_state(input in ".{0,200}", state in ".{1,10}") {
        if let Ok(c) = parse_authorize_redirect(&input, &state, Some("https://as.example")) {
            prop_assert_eq!(c.state, state.clone());
        }
        if let Ok(c) = parse_authorize_response_params(&input, &state, None) {
            prop_assert_eq!(c.state, state);
        }
    }
}
