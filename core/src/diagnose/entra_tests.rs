//! Unit tests of `entra` (kept beside it so the module itself stays readable).

use super::*;

fn body(code: u32, error: &str) -> String {
    format!(
        r#"{{"error":"{error}","error_description":"AADSTS{code}: text.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2024-01-01 00:00:00Z","error_codes":[{code}],"trace_id":"trace","correlation_id":"corr","timestamp":"ts"}}"#
    )
}

/// (code, remedy, retryable, needs_sign_in, needs_admin, text the fix must contain)
#[rustfmt::skip]
const EXPECTED: &[(u32, Remedy, bool, bool, bool, &str)] = &[
    (50001, FixConfiguration, false, false, false, "https://outlook.office365.com/.default"),
    (50011, FixConfiguration, false, false, false, "Authentication > Platform configurations"),
    (50020, FixConfiguration, false, false, false, "Supported account types"),
    (50034, UserAction, false, false, false, "consumers"),
    (50053, UserAction, false, false, false, "lockout"),
    (50055, UserAction, false, true, false, "https://aka.ms/sspr"),
    (50057, AdminAction, false, false, true, "AccountEnabled:$true"),
    (50058, SignInAgain, false, true, false, "prompt=none"),
    (50059, FixConfiguration, false, false, false, "<tenant-id>/oauth2/v2.0/token"),
    (50072, UserAction, false, true, false, "https://aka.ms/mfasetup"),
    (50074, SignInAgain, false, true, false, "ROPC"),
    (50076, SignInAgain, false, true, false, "authorization code with PKCE"),
    (50079, UserAction, false, true, false, "https://aka.ms/mfasetup"),
    (50097, UserAction, false, false, false, "Access work or school"),
    (50105, AdminAction, false, false, true, "Assignment required?"),
    (50126, UserAction, false, false, false, "stop using the password grant"),
    (50128, FixConfiguration, false, false, false, "Tenant ID"),
    (50133, SignInAgain, false, true, false, "new refresh token"),
    (50158, SignInAgain, false, true, false, "complete the challenge"),
    (50173, SignInAgain, false, true, false, "drop the old one"),
    (50194, FixConfiguration, false, false, false, "tenant-specific endpoint"),
    (53000, UserAction, false, false, false, "Intune"),
    (53003, AdminAction, false, false, true, "Sign-in logs"),
    (54005, SignInAgain, false, true, false, "exactly once"),
    (65001, AdminAction, false, false, true, "v2.0/adminconsent?client_id="),
    (65004, UserAction, false, true, false, "accept the consent prompt"),
    (65005, FixConfiguration, false, false, false, "API permissions"),
    (70000, SignInAgain, false, true, false, "code_verifier"),
    (70008, SignInAgain, false, true, false, "newest refresh token"),
    (70011, FixConfiguration, false, false, false, "IMAP.AccessAsUser.All offline_access"),
    (70016, Retry, true, false, false, "interval"),
    (70019, SignInAgain, false, true, false, "/oauth2/v2.0/devicecode"),
    (70043, SignInAgain, false, true, false, "the policy decides how often"),
    (90002, FixConfiguration, false, false, false, "login.microsoftonline.us"),
    (90014, FixConfiguration, false, false, false, "x-www-form-urlencoded"),
    (90094, AdminAction, false, false, true, "Admin consent settings"),
    (500011, FixConfiguration, false, false, false, "https://outlook.office365.com/.default"),
    (500113, FixConfiguration, false, false, false, "Add a platform"),
    (700016, FixConfiguration, false, false, false, "Application (client) ID"),
    (700024, FixConfiguration, false, false, false, "exp` = now + 5 to 10 minutes"),
    (700025, FixConfiguration, false, false, false, "Allow public client flows' to No"),
    (700027, FixConfiguration, false, false, false, "x5t#S256"),
    (700054, FixConfiguration, false, false, false, "response_type=code"),
    (700082, SignInAgain, false, true, false, "90 days"),
    (700084, SignInAgain, false, true, false, "90-day refresh tokens"),
    (900023, FixConfiguration, false, false, false, "contoso.onmicrosoft.com"),
    (900144, FixConfiguration, false, false, false, "Content-Type: application/x-www-form-urlencoded"),
    (1002012, FixConfiguration, false, false, false, "scope=https://outlook.office365.com/.default"),
    (7000112, AdminAction, false, false, true, "9e5f94bc-e8a4-4e73-b8be-63364c29d753"),
    (7000215, FixConfiguration, false, false, false, "'Secret ID'"),
    (7000218, FixConfiguration, false, false, false, "'Allow public client flows' = Yes"),
    (7000222, FixConfiguration, false, false, false, "New client secret"),
    (9001023, FixConfiguration, false, false, false, "<tenant-id>/oauth2/v2.0/token"),
    (9002326, FixConfiguration, false, false, false, "'Single-page application'"),
    (9002327, FixConfiguration, false, false, false, "Origin header"),
    (650057, FixConfiguration, false, false, true, "Office 365 Exchange Online"),
    (650052, AdminAction, false, false, true, "Exchange Online"),
    (7000229, AdminAction, false, false, true, "New-MgServicePrincipal -AppId <client id>"),
    (9002331, FixConfiguration, false, false, false, "consumers"),
    (500200, UserAction, false, false, false, "work or school account"),
    (53001, UserAction, false, false, false, "hybrid-joined"),
    (53002, AdminAction, false, false, true, "approved client app"),
    (530003, UserAction, false, false, false, "managed device"),
];

#[test]
fn unchecked_entries_say_so() {
    let x = explain_aadsts(7000215).unwrap();
    assert!(
        x.cause
            .contains("Not confirmed by Microsoft's documentation"),
        "{}",
        x.cause
    );
    let x = explain_aadsts(7000229).unwrap();
    assert!(!x.cause.contains("Not confirmed"), "{}", x.cause);
    let unchecked: Vec<u32> = ENTRA_CODES
        .iter()
        .filter(|e| e.advice.unchecked.is_some())
        .map(|e| e.code)
        .collect();
    assert_eq!(unchecked, [50020, 50097, 50126, 7000215, 500200, 530003]);
    // 9001023 no longer suggests organizations for client credentials.
    assert!(explain_aadsts(9001023)
        .unwrap()
        .fix
        .contains("Not organizations either"));
}

#[test]
fn every_catalogue_entry() {
    assert_eq!(
        EXPECTED.len(),
        ENTRA_CODES.len(),
        "one expectation per entry"
    );
    for &(code, remedy, retryable, sign_in, admin, needle) in EXPECTED {
        let x = explain_error_body(&body(code, "invalid_request"))
            .unwrap_or_else(|e| panic!("AADSTS{code}: {e}"));
        assert!(x.known, "AADSTS{code} known");
        assert_eq!(x.aadsts, Some(code), "AADSTS{code} code");
        assert_eq!(x.remedy, remedy, "AADSTS{code} remedy");
        assert_eq!(x.retryable, retryable, "AADSTS{code} retryable");
        assert_eq!(x.needs_sign_in, sign_in, "AADSTS{code} needs_sign_in");
        assert_eq!(x.needs_admin, admin, "AADSTS{code} needs_admin");
        assert!(
            x.fix.contains(needle),
            "AADSTS{code} fix {:?} lacks {needle:?}",
            x.fix
        );
        assert!(
            !x.title.is_empty() && !x.cause.is_empty(),
            "AADSTS{code} text"
        );
        assert_eq!(x.trace_id.as_deref(), Some("trace"), "AADSTS{code} trace");
        assert_eq!(
            x.correlation_id.as_deref(),
            Some("corr"),
            "AADSTS{code} corr"
        );
        assert_eq!(x.timestamp.as_deref(), Some("ts"), "AADSTS{code} timestamp");
        assert_eq!(
            x.description.as_deref(),
            Some(format!("AADSTS{code}: text.").as_str())
        );
        assert_eq!(explain_aadsts(code).map(|e| e.title), Some(x.title.clone()));
    }
}

#[test]
fn catalogue_covers_protocol_section_7() {
    for code in [
        50011, 50020, 50076, 50079, 50126, 50173, 50133, 53003, 65001, 65004, 70000, 70008, 700082,
        70011, 70016, 70019, 700016, 700024, 700027, 7000112, 7000215, 7000218, 7000222, 9001023,
        9002326, 9002327, 90094, 500011, 50194, 1002012, 50034, 50057, 50055, 50158, 53000, 90002,
        700054, 50105, 650057, 700025,
    ] {
        assert!(lookup_aadsts(code).is_some(), "AADSTS{code} missing");
    }
    let mut codes: Vec<u32> = ENTRA_CODES.iter().map(|e| e.code).collect();
    let n = codes.len();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), n, "duplicate codes");
    assert_eq!(entra_catalogue().len(), n);
    assert!(entra_catalogue()
        .iter()
        .all(|e| e.known && e.aadsts.is_some()));
}

#[test]
fn thunderbird_ids_match_apps_table() {
    let old = apps::lookup("thunderbird-retired").unwrap();
    let new = apps::replacement_for(old.client_id).unwrap();
    let e = lookup_aadsts(7000112).unwrap();
    assert!(e.advice.fix.contains(old.client_id));
    assert!(e.advice.fix.contains(new.client_id));
}

#[test]
fn retired_thunderbird_7000112_names_replacement() {
    let b = r#"{"error":"unauthorized_client","error_description":"AADSTS7000112: Application '08162f7c-0fd2-4200-a84a-f25a4db0b584'(Thunderbird) is disabled.\r\nTrace ID: abc\r\nCorrelation ID: def\r\nTimestamp: 2024-09-01 10:00:00Z","error_codes":[7000112]}"#;
    let x = explain_error_body(b).unwrap();
    assert_eq!(x.remedy, Remedy::FixConfiguration);
    assert!(!x.needs_admin);
    assert!(
        x.fix.contains("9e5f94bc-e8a4-4e73-b8be-63364c29d753"),
        "{}",
        x.fix
    );
    assert!(x.cause.contains("08162f7c-0fd2-4200-a84a-f25a4db0b584"));
    // Ids taken from the description when the body has none.
    assert_eq!(x.trace_id.as_deref(), Some("abc"));
    assert_eq!(x.correlation_id.as_deref(), Some("def"));
    assert_eq!(x.timestamp.as_deref(), Some("2024-09-01 10:00:00Z"));
    assert_eq!(
        x.description.as_deref(),
        Some("AADSTS7000112: Application '08162f7c-0fd2-4200-a84a-f25a4db0b584'(Thunderbird) is disabled.")
    );
    // Another disabled app: the admin enables it.
    let b = r#"{"error":"unauthorized_client","error_description":"AADSTS7000112: Application 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'(Mine) is disabled.","error_codes":[7000112]}"#;
    let x = explain_error_body(b).unwrap();
    assert_eq!(x.remedy, Remedy::AdminAction);
    assert!(x.needs_admin);
}

#[test]
fn consent_65001_builds_admin_consent_url() {
    let b = r#"{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application with ID '9E5F94BC-E8A4-4E73-B8BE-63364C29D753' named 'Thunderbird'.\r\nTrace ID: 11111111-1111-1111-1111-111111111111","error_codes":[65001],"suberror":"consent_required"}"#;
    let x = explain_error_body(b).unwrap();
    let u = x.admin_consent_url.clone().unwrap();
    assert_eq!(
        u,
        "https://login.microsoftonline.com/organizations/v2.0/adminconsent?client_id=9e5f94bc-e8a4-4e73-b8be-63364c29d753&scope=https%3A%2F%2Fps.outlook.com%2F.default"
    );
    assert!(x.fix.contains(&u));
    // Without an app id in the description: no URL, the generic fix.
    let x = explain_error_body(&body(65001, "invalid_grant")).unwrap();
    assert!(x.admin_consent_url.is_none());
    let x = explain_error_body(&body(90094, "invalid_grant")).unwrap();
    assert!(x.admin_consent_url.is_none());
}

#[test]
fn unknown_code_keeps_ids() {
    let x = explain_error_body(&body(123456, "invalid_grant")).unwrap();
    assert!(!x.known);
    assert_eq!(x.aadsts, Some(123456));
    assert_eq!(x.error.as_deref(), Some("invalid_grant"));
    // Borrows the error value's advice, and points to Microsoft's lookup page.
    assert_eq!(x.remedy, Remedy::SignInAgain);
    assert!(x
        .fix
        .contains("https://login.microsoftonline.com/error?code=123456"));
    assert_eq!(x.trace_id.as_deref(), Some("trace"));
    assert_eq!(x.correlation_id.as_deref(), Some("corr"));
    assert_eq!(x.description.as_deref(), Some("AADSTS123456: text."));

    let x = explain_error_body(&body(123456, "weird_error")).unwrap();
    assert!(!x.known);
    assert_eq!(x.title, "AADSTS123456");
    assert_eq!(x.remedy, Remedy::FixConfiguration);
    assert!(x.fix.contains("Sign-in logs"));

    let x = explain_error_body(r#"{"error":"weird_error"}"#).unwrap();
    assert!(!x.known);
    assert_eq!(x.title, "Error weird_error");
    assert_eq!(x.aadsts, None);
    assert_eq!(x.description, None);
    let x = explain_error_body(r#"{"error":""}"#).unwrap();
    assert_eq!(x.title, "Unknown error");
    assert_eq!(x.error, None);
}

#[test]
fn plain_oauth_errors() {
    let cases: &[(&str, Remedy, bool, &str)] = &[
        ("invalid_grant", SignInAgain, false, "Sign in again"),
        ("authorization_pending", Retry, true, "interval"),
        ("slow_down", Retry, true, "Add 5 seconds"),
        (
            "expired_token",
            SignInAgain,
            false,
            "new device authorization",
        ),
        ("access_denied", UserAction, false, "accept"),
        (
            "authorization_declined",
            UserAction,
            false,
            "new device authorization",
        ),
        (
            "bad_verification_code",
            FixConfiguration,
            false,
            "device_code",
        ),
        (
            "invalid_client",
            FixConfiguration,
            false,
            "Value (not its ID)",
        ),
        (
            "unauthorized_client",
            FixConfiguration,
            false,
            "Allow public client flows",
        ),
        (
            "invalid_scope",
            FixConfiguration,
            false,
            "https://outlook.office365.com/.default",
        ),
        (
            "unsupported_grant_type",
            FixConfiguration,
            false,
            "client_credentials",
        ),
        ("invalid_request", FixConfiguration, false, "form-encoded"),
        ("interaction_required", SignInAgain, false, "claims"),
        ("login_required", SignInAgain, false, "prompt=none"),
        (
            "consent_required",
            AdminAction,
            false,
            "build_admin_consent_url",
        ),
        ("temporarily_unavailable", Retry, true, "Retry-After"),
        ("server_error", Retry, true, "back-off"),
    ];
    assert_eq!(cases.len(), OAUTH_ERRORS.len());
    for &(error, remedy, retryable, needle) in cases {
        let x = explain_error_body(&format!(r#"{{"error":"{error}"}}"#)).unwrap();
        assert!(x.known, "{error}");
        assert_eq!(x.aadsts, None, "{error}");
        assert_eq!(x.error.as_deref(), Some(error));
        assert_eq!(x.remedy, remedy, "{error}");
        assert_eq!(x.retryable, retryable, "{error}");
        assert!(
            x.fix.contains(needle),
            "{error}: {:?} lacks {needle:?}",
            x.fix
        );
    }
    let x = explain_error_body(r#"{"error":"access_denied"}"#).unwrap();
    assert!(x.needs_sign_in);
}

#[test]
fn transient_status_makes_retryable() {
    let mut e = OAuthError::new("weird");
    e.status = Some(503);
    e.retry_after = Some(30);
    let x = explain_oauth_error(&e);
    assert!(x.retryable);
    assert_eq!(x.remedy, Remedy::Retry);
    assert_eq!(x.retry_after, Some(30));
    assert!(!x.needs_sign_in);
    // A catalogued code wins, but a 5xx still says retrying may help.
    let mut e = OAuthError::new("invalid_request");
    e.status = Some(500);
    e.error_codes = vec![50011];
    let x = explain_oauth_error(&e);
    assert_eq!(x.aadsts, Some(50011));
    assert_eq!(x.remedy, Remedy::FixConfiguration);
    assert!(x.retryable);
}

#[test]
fn claims_challenge_is_mentioned() {
    let b = r#"{"error":"interaction_required","error_description":"AADSTS50076: Due to a configuration change...","error_codes":[50076],"claims":"{\"access_token\":{\"capolids\":{\"essential\":true,\"values\":[\"x\"]}}}"}"#;
    let x = explain_error_body(b).unwrap();
    assert!(x.fix.contains("`claims` parameter"));
    assert!(x.needs_sign_in);
}

#[test]
fn aadsts_only_in_description() {
    let x =
        explain_error_body(r#"{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys are expired."}"#)
            .unwrap();
    assert_eq!(x.aadsts, Some(7000222));
    assert!(x.known);
}

#[test]
fn non_json_body_is_malformed() {
    for b in [
        "<html>503</html>",
        "",
        "null",
        "[1]",
        r#"{"error":5}"#,
        r#"{"access_token":"x"}"#,
    ] {
        let e = explain_error_body(b).unwrap_err();
        assert_eq!(e.code(), "malformed", "{b:?}");
    }
    let e = explain_error_body("secret-looking <html>").unwrap_err();
    assert!(!e.to_string().contains("secret-looking"));
}

#[test]
fn pasted_text() {
    let x = explain_error_text("Sorry, but we're having trouble signing you in.\nAADSTS50011: The redirect URI 'x' does not match").unwrap();
    assert_eq!(x.aadsts, Some(50011));
    assert!(x.known);
    let x = explain_error_text(" 7000215 ").unwrap();
    assert_eq!(x.aadsts, Some(7000215));
    assert_eq!(x.description, None);
    let x = explain_error_text("AADSTS65001").unwrap();
    assert_eq!(x.aadsts, Some(65001));
    assert_eq!(x.description.as_deref(), Some("AADSTS65001"));
    assert!(
        explain_error_text(&body(70000, "invalid_grant"))
            .unwrap()
            .known
    );
    assert!(explain_error_text("hello").is_none());
    assert!(explain_error_text("").is_none());
    assert!(explain_error_text("1234567890").is_none());
}

#[test]
fn library_errors() {
    let x = explain_error(&Error::HttpError {
        status: 429,
        body_excerpt: String::new(),
        retry_after: Some(12),
    });
    assert!(x.retryable && x.known);
    assert_eq!(x.remedy, Remedy::Retry);
    assert_eq!(x.retry_after, Some(12));
    assert!(x.fix.contains("12 seconds"));
    let x = explain_error(&Error::HttpError {
        status: 503,
        body_excerpt: "<html>".into(),
        retry_after: None,
    });
    assert!(x.retryable);
    assert!(x.fix.contains("back off"));
    assert_eq!(x.error.as_deref(), Some("http_error"));
    let x = explain_error(&Error::HttpError {
        status: 404,
        body_excerpt: String::new(),
        retry_after: None,
    });
    assert!(!x.retryable && x.known);
    assert!(x.fix.contains("/oauth2/v2.0/token"));
    let x = explain_error(&Error::HttpError {
        status: 400,
        body_excerpt: String::new(),
        retry_after: None,
    });
    assert!(!x.known && !x.retryable);

    let x = explain_error(&Error::from(OAuthError::new("slow_down")));
    assert_eq!(x.remedy, Remedy::Retry);
    for (err, remedy, needle) in [
        (
            Error::InvalidInput("x".into()),
            Remedy::FixConfiguration,
            "Correct",
        ),
        (
            Error::InvalidTenant("x".into()),
            Remedy::FixConfiguration,
            "Tenant ID",
        ),
        (
            Error::InvalidClientId("x".into()),
            Remedy::FixConfiguration,
            "Application (client) ID",
        ),
        (
            Error::MechanismNotOffered {
                mechanism: "XOAUTH2".into(),
                hint: "do STARTTLS".into(),
            },
            Remedy::FixConfiguration,
            "do STARTTLS",
        ),
        (
            Error::UnexpectedReply("x".into()),
            Remedy::FixConfiguration,
            "587",
        ),
        (
            Error::Malformed("x".into()),
            Remedy::FixConfiguration,
            "copy it whole",
        ),
        (
            Error::StateMismatch,
            Remedy::SignInAgain,
            "Start the sign-in again",
        ),
        (
            Error::IssuerMismatch {
                expected: "a".into(),
                got: "b".into(),
            },
            Remedy::FixConfiguration,
            "tenant and authority",
        ),
    ] {
        let x = explain_error(&err);
        assert!(x.known, "{err:?}");
        assert_eq!(x.remedy, remedy, "{err:?}");
        assert!(x.fix.contains(needle), "{err:?}: {}", x.fix);
        assert_eq!(x.error.as_deref(), Some(err.code()));
        assert_eq!(x.description, Some(err.to_string()));
    }
}

#[test]
fn guid_search() {
    assert_eq!(
        find_guid("x 'AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee' y").as_deref(),
        Some("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
    );
    assert_eq!(find_guid("faaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), None);
    assert_eq!(
        find_guid("é aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        Some("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee".into())
    );
    assert_eq!(find_guid("short"), None);
}

#[test]
fn remedy_serde() {
    assert_eq!(
        serde_json::to_string(&Remedy::SignInAgain).unwrap(),
        "\"sign_in_again\""
    );
    for r in [
        Retry,
        SignInAgain,
        AdminAction,
        FixConfiguration,
        UserAction,
    ] {
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            format!("\"{}\"", r.as_str())
        );
    }
}
