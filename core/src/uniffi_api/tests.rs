//! Rust-side checks of the binding's mapping: error variants and codes, and redaction of every
//! record that holds a secret (their `Display`/`Debug` become Kotlin `toString()` and Swift
//! `description`/`debugDescription`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::uniffi_api::*;

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
        Mechanism::XOAuth2,
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
    assert_eq!(decoded.token.expose_secret(), SECRET);
    assert_eq!(pkce.verifier, SECRET);
    assert_eq!(code.code.expose_secret(), SECRET);
}

const CLIENT: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const SMTP_DISABLED: &str = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.";

#[test]
fn consumers_and_hve_presets_cross() {
    assert_eq!(cloud_presets().len(), 6);
    assert!(cloud_presets().contains(&CloudId::Consumers));
    assert!(cloud_presets().contains(&CloudId::Hve));
    let personal = cloud_preset(CloudId::Consumers);
    assert_eq!(personal.smtp_host, "smtp-mail.outlook.com");
    assert_eq!(
        cloud_from_name("outlook.com".into()).unwrap().id,
        CloudId::Consumers
    );
    assert_eq!(cloud_id_name(CloudId::Consumers), "consumers");
    assert!(cloud_id_is_personal(CloudId::Consumers));
    assert!(!cloud_id_is_personal(CloudId::Hve));
    assert_eq!(
        cloud_id_implied_tenant(CloudId::Consumers).as_deref(),
        Some("consumers")
    );
    assert_eq!(cloud_id_implied_tenant(CloudId::Global), None);
    let hve = cloud_preset(CloudId::Hve);
    assert_eq!(hve.smtp_host, "smtp.hve.mx.microsoft");
    assert_eq!(cloud_id_from_name("hve".into()).unwrap(), CloudId::Hve);
    // A record built from the preset goes back to the core with its id intact.
    assert_eq!(
        hve.ffi_mail_server(Protocol::Smtp).host,
        "smtp.hve.mx.microsoft"
    );
    assert!(is_personal_tenant_id(
        " 9188040D-6C67-4C5B-B112-36A304B66DAD ".into()
    ));
    assert!(!is_personal_tenant_id(
        "11111111-2222-3333-4444-555555555555".into()
    ));
}

#[test]
fn client_credentials_need_one_tenant() {
    for keyword in ["organizations", "common", "consumers"] {
        let e = check_client_credentials_tenant(keyword.into()).unwrap_err();
        assert!(
            matches!(e, MailoauthError::InvalidInput { ref code, ref reason } if code == "invalid_tenant" && reason.contains(keyword)),
            "{e:?}"
        );
        assert!(
            !parse_tenant(keyword.into())
                .unwrap()
                .allows_client_credentials
        );
        let e = build_client_credentials_request(
            format!("https://login.microsoftonline.com/{keyword}/oauth2/v2.0/token"),
            CLIENT.into(),
            "https://outlook.office365.com/.default".into(),
            Some(SECRET.into()),
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(error_code(e.clone()), "invalid_tenant");
        assert_hidden(&format!("{e:?}"));
    }
    assert!(
        error_text_of(check_client_credentials_tenant("organizations".into()))
            .contains("guessed tenant")
    );
    let t = check_client_credentials_tenant("contoso.onmicrosoft.com".into()).unwrap();
    assert_eq!(t.kind, TenantKind::Domain);
    assert!(t.allows_client_credentials);
}

fn error_text_of<T: std::fmt::Debug>(r: Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn lint_findings_carry_their_severity() {
    let findings = lint_config(
        ConfigFlow::ClientCredentials,
        Some("organizations".into()),
        Some(CLIENT.into()),
        Some("abc~DEF.ghi_jkl-123".into()),
        vec!["https://outlook.office365.com/.default".into()],
        None,
        false,
    );
    let f = findings
        .iter()
        .find(|f| f.code == "tenant_not_allowed_for_client_credentials")
        .unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(severity_name(f.severity), "error");
    // An opaque (non-JWT) token is only worth knowing about.
    let lint = lint_access_token(
        "EwBwA8l6BAAU-opaque".into(),
        Protocol::Imap,
        Grant::Delegated,
        0,
        None,
        None,
    );
    let f = lint
        .findings
        .iter()
        .find(|f| f.code == "opaque_token")
        .unwrap();
    assert_eq!(f.severity, Severity::Note);
    assert_eq!(severity_name(Severity::Warning), "warning");
}

#[test]
fn personal_diagnosis_speaks_to_the_owner() {
    let work = diagnose_reply(Protocol::Smtp, SMTP_DISABLED.into(), false).unwrap();
    let personal = diagnose_reply(Protocol::Smtp, SMTP_DISABLED.into(), true).unwrap();
    assert_eq!(work.code, "smtp_auth_disabled");
    assert_eq!(personal.code, "smtp_auth_disabled");
    assert!(work.fix.contains("Set-CasMailbox"), "{}", work.fix);
    assert!(
        personal.fix.contains("Personal Microsoft account"),
        "{}",
        personal.fix
    );
    assert_eq!(
        personal_account_diagnosis("smtp_auth_disabled".into()),
        Some(personal)
    );
    assert_eq!(reply_diagnosis("smtp_auth_disabled".into()), Some(work));
    // A code without a personal variant is the same for both.
    assert_eq!(
        personal_account_diagnosis("temporary_failure".into()),
        reply_diagnosis("temporary_failure".into())
    );
    assert_eq!(reply_diagnosis("no_such_code".into()), None);
    assert_eq!(reply_catalogue().len(), 16);
}

fn runbook(
    variant: Option<RunbookVariant>,
    protocols: Vec<Protocol>,
    cloud: CloudId,
) -> Result<Runbook> {
    build_runbook(
        cloud_preset(cloud),
        "contoso.onmicrosoft.com".into(),
        CLIENT.into(),
        Some("99999999-8888-7777-6666-555555555555".into()),
        None,
        vec!["info@contoso.com".into()],
        protocols,
        false,
        variant,
    )
}

fn commands(r: &Runbook) -> Vec<String> {
    r.steps.iter().flat_map(|s| s.commands.clone()).collect()
}

#[test]
fn runbook_variants_cross() {
    assert_eq!(
        runbook_variants(),
        vec![
            RunbookVariant::MailboxPermission,
            RunbookVariant::Rbac,
            RunbookVariant::Hve
        ]
    );
    for v in runbook_variants() {
        assert_eq!(
            runbook_variant_from_name(runbook_variant_name(v)).unwrap(),
            v
        );
    }
    assert_eq!(
        runbook_variant_from_name("app_rbac".into()).unwrap(),
        RunbookVariant::Rbac
    );
    assert!(runbook_variant_from_name("x".into()).is_err());

    // None is the mailbox-permission runbook.
    let default = runbook(None, vec![Protocol::Smtp], CloudId::Global).unwrap();
    let explicit = runbook(
        Some(RunbookVariant::MailboxPermission),
        vec![Protocol::Smtp],
        CloudId::Global,
    )
    .unwrap();
    assert_eq!(default, explicit);
    let send_as = send_as_command(
        "info@contoso.com".into(),
        "99999999-8888-7777-6666-555555555555".into(),
    );
    assert_eq!(send_as, "Add-RecipientPermission -Identity 'info@contoso.com' -Trustee '99999999-8888-7777-6666-555555555555' -AccessRights SendAs -Confirm:$false");
    assert!(commands(&default).contains(&send_as));

    // rbac and hve: SMTP (the default protocol for them) only.
    let rbac = commands(&runbook(Some(RunbookVariant::Rbac), vec![], CloudId::Global).unwrap());
    assert!(
        rbac.iter()
            .any(|c| c.starts_with("New-ManagementRoleAssignment -App")),
        "{rbac:#?}"
    );
    assert!(
        !rbac.iter().any(|c| c.contains("Add-MailboxPermission")),
        "{rbac:#?}"
    );
    let hve = commands(
        &runbook(
            Some(RunbookVariant::Hve),
            vec![Protocol::Smtp],
            CloudId::Global,
        )
        .unwrap(),
    );
    assert!(
        hve.contains(&format!(
            "Add-HVEAppAccess -Identity 'info@contoso.com' -AppIds '{CLIENT}'"
        )),
        "{hve:#?}"
    );
    let e = runbook(
        Some(RunbookVariant::Rbac),
        vec![Protocol::Imap],
        CloudId::Global,
    )
    .unwrap_err();
    assert_eq!(error_code(e), "invalid_input");
    let e = runbook(None, vec![Protocol::Imap], CloudId::Consumers).unwrap_err();
    assert_eq!(error_code(e), "invalid_input");
}

#[test]
fn client_credentials_with_client_secret_basic() {
    let r = build_client_credentials_request(
        "https://as.example/token".into(),
        "s6BhdRkqt3".into(),
        "mail".into(),
        Some("gX1fBat3bV".into()),
        None,
        Some("client_secret_basic".into()),
    )
    .unwrap();
    let auth = r
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("authorization"));
    assert_eq!(
        auth.map(|h| h.value.as_str()),
        Some("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
    );
    let e = build_client_credentials_request(
        "https://as.example/token".into(),
        "c".into(),
        "mail".into(),
        None,
        Some("a.b.c".into()),
        Some("client_secret_post".into()),
    )
    .unwrap_err();
    assert_eq!(error_code(e), "invalid_input");
}

#[test]
fn provider_metadata_methods_and_the_google_preset() {
    let doc = r#"{"issuer":"https://idp.example/realms/mail","token_endpoint":"https://idp.example/realms/mail/token",
      "device_authorization_endpoint":"https://idp.example/realms/mail/device",
      "token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt"],
      "authorization_response_iss_parameter_supported":true}"#;
    let response = HttpResponse {
        status: 200,
        headers: vec![],
        body: doc.as_bytes().to_vec(),
    };
    let m = parse_provider_metadata(response, "https://idp.example/realms/mail".into(), 0).unwrap();
    assert_eq!(
        m.ffi_choose_client_auth(true, true).unwrap(),
        "private_key_jwt"
    );
    assert_eq!(
        m.ffi_choose_client_auth(true, false).unwrap(),
        "client_secret_post"
    );
    assert_eq!(
        error_code(m.ffi_choose_client_auth(false, false).unwrap_err()),
        "invalid_input"
    );
    assert_eq!(
        m.ffi_endpoints().device_authorization_url,
        "https://idp.example/realms/mail/device"
    );
    assert!(m.ffi_supports_grant("authorization_code".into()));
    assert_eq!(
        error_code(check_device_flow("gmail".into(), google_scopes()).unwrap_err()),
        "unsupported_flow"
    );
    assert_eq!(google_mail_server(Protocol::Smtp).port, 587);
}
