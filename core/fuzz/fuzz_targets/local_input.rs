#![no_main]
//! What users type or point the library at: tenant names, cloud names, client ids, endpoint
//! URLs, certificate and private-key PEM files, AADSTS codes in pasted text, and configurations
//! for the lint. Anything must parse or fail with a typed error, never panic. A URL the core's
//! strict parser (`weburl`) accepts, the WHATWG parser (`url` crate) accepts too, with the same
//! serialization and components.
use mailoauth::assertion::{self, AssertionAlg};
use mailoauth::cloud::{self, Cloud, Tenant};
use mailoauth::diagnose::config_lint::{lint_config, ConfigInput, Flow};
use mailoauth::{weburl, Secret};

const FLOWS: [Flow; 3] = [Flow::AuthCode, Flow::DeviceCode, Flow::ClientCredentials];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    if let Ok(t) = Tenant::parse(&text) {
        assert!(!t.as_str().is_empty());
        assert_eq!(
            Tenant::parse(t.as_str()).ok().as_ref(),
            Some(&t),
            "parse is idempotent"
        );
    }
    let _ = Cloud::from_name(&text);
    if let Ok(id) = cloud::validate_client_id(&text) {
        assert_eq!(
            cloud::validate_client_id(&id).ok().as_deref(),
            Some(id.as_str())
        );
    }
    let _ = cloud::is_guid(&text);
    match weburl::Url::parse(&text) {
        Ok(u) => {
            // Only now is `url` given the input: its ASCII-only IDNA back end asserts on some
            // non-ASCII hosts, which weburl refuses.
            let w = url::Url::parse(&text).expect("url accepts what weburl accepts");
            assert_eq!(w.as_str(), u.as_str());
            assert_eq!(w.scheme(), u.scheme());
            assert_eq!(w.host_str(), u.host_str());
            assert_eq!(w.port(), u.port());
            assert_eq!(w.path(), u.path());
            assert_eq!(w.query(), u.query());
            assert_eq!(w.fragment(), u.fragment());
            assert_eq!(w.username(), u.username());
            assert_eq!(w.password(), u.password());
            assert_eq!(weburl::Url::parse(u.as_str()).ok(), Some(u), "stable");
        }
        Err(e) => assert_eq!(e.code(), "invalid_input"),
    }
    if let Ok(u) = cloud::validate_endpoint_url(&text) {
        assert!(
            cloud::validate_endpoint_url(u.as_str()).is_ok(),
            "a valid URL stays valid"
        );
    }
    let _ = mailoauth::error::parse_aadsts(&text);
    match assertion::certificate_der_from_pem(&text) {
        Ok(der) => assert!(!der.is_empty()),
        Err(e) => assert_eq!(e.code(), "invalid_input"),
    }
    // A key PEM (garbage almost always): reading it must fail cleanly, never panic.
    if sel & 1 != 0 {
        let input = assertion::build_assertion_signing_input(
            "00000000-1111-2222-3333-444444444444",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
            b"not a certificate",
            "jti-1",
            1_800_000_000,
            assertion::DEFAULT_ASSERTION_LIFETIME,
            if sel & 2 == 0 {
                AssertionAlg::RS256
            } else {
                AssertionAlg::PS256
            },
            false,
        );
        if let Ok(input) = input {
            // A passphrase-protected key has its own code (with the command that decrypts it).
            if let Err(e) = assertion::sign_assertion(&input, &text, &[7; 32]) {
                assert!(matches!(e.code(), "invalid_input" | "encrypted_private_key"));
            }
        }
    }
    // A configuration from the fields of the input (split on newlines).
    let mut f = text.split('\n');
    let mut next = || f.next().map(str::to_owned);
    let mut c = ConfigInput::new(FLOWS[usize::from(sel >> 2) % 3]);
    c.tenant = next();
    c.client_id = next();
    c.client_secret = next().map(Secret::new);
    c.authority = next();
    c.has_certificate = sel & 32 != 0;
    c.scopes = f.map(str::to_owned).collect();
    for finding in lint_config(&c) {
        assert!(!finding.code.is_empty());
    }
});
