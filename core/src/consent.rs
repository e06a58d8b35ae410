//! Admin consent: the URL an administrator opens to grant an app's permissions for the whole
//! tenant, and the parsing of the redirect that comes back (docs/protocol.md section 3).
//!
//! Two forms are built:
//! - [`ConsentVariant::V2`], `https://{login}/{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state`
//!   (Microsoft identity platform "admin consent" endpoint; note `/v2.0/adminconsent`, not
//!   `/oauth2/v2.0/adminconsent`). `common` and `consumers` are refused (Microsoft says not to use
//!   them here); `organizations` is allowed.
//! - [`ConsentVariant::Legacy`], the older articles' `https://{login}/{tenant}/oauth2/authorize?client_id&response_type=code&prompt=admin_consent`.
//!
//! For app-only IMAP/POP the consent scope is `https://ps.outlook.com/.default`; for SMTP it is
//! `https://outlook.office365.com/.default` ([`admin_consent_scope`]).
//!
//! After consenting, Entra redirects the admin to the redirect URI with `admin_consent=True`,
//! `tenant`, `scope` and `state`, or with `error` + `error_description` (and, even then,
//! `admin_consent=True`). [`parse_admin_consent_redirect`] reads it: malformed or repeated
//! parameters ([`Error::Malformed`]), then the `state` (constant time, when one is expected;
//! [`Error::StateMismatch`]), then the server's error ([`Error::OAuth`], with the AADSTS code of
//! the description), then `admin_consent` (compared case-insensitively).

use crate::authorize::RedirectParams;
use crate::cloud::{validate_client_id, Cloud, CloudId, Protocol, Tenant};
use crate::error::{Error, Result};
use crate::types::{RedirectUri, Scope};
use serde::{Deserialize, Serialize};

/// Which admin-consent URL to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ConsentVariant {
    /// `/{tenant}/v2.0/adminconsent` (current).
    #[serde(rename = "v2")]
    V2,
    /// `/{tenant}/oauth2/authorize?...&prompt=admin_consent` (older articles; vectors call it `v1`).
    #[serde(rename = "v1")]
    Legacy,
}

impl std::str::FromStr for ConsentVariant {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "v2" => Ok(ConsentVariant::V2),
            "v1" | "legacy" => Ok(ConsentVariant::Legacy),
            _ => Err(Error::invalid_input(format!(
                "unknown consent variant {s} (expected v2 or legacy)",
                s = crate::error::quoted(s)
            ))),
        }
    }
}

/// What an admin-consent URL is built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminConsentRequest {
    /// The cloud whose login host is used.
    pub cloud: Cloud,
    /// The tenant (GUID, domain, or `organizations`; `common` only for the legacy form).
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// Where Entra sends the admin afterwards (must be registered on the app), optional.
    pub redirect_uri: Option<String>,
    /// The scope (v2 only); defaults to [`admin_consent_scope`] for IMAP and POP.
    pub scope: Option<String>,
    /// An opaque value echoed back in the redirect, optional.
    pub state: Option<String>,
    /// The form of the URL.
    pub variant: ConsentVariant,
}

impl AdminConsentRequest {
    /// A v2 request for the global cloud with the default scope, no redirect and no state.
    pub fn new(tenant: impl Into<String>, client_id: impl Into<String>) -> Self {
        AdminConsentRequest {
            cloud: Cloud::global(),
            tenant: tenant.into(),
            client_id: client_id.into(),
            redirect_uri: None,
            scope: None,
            state: None,
            variant: ConsentVariant::V2,
        }
    }
}

/// The scope to consent to for app-only access to the given protocols: `https://ps.outlook.com/.default`
/// for IMAP/POP (global cloud; other clouds use their app-only scope, unconfirmed), and the app-only
/// scope (`https://outlook.office365.com/.default`) for SMTP; space separated when both.
pub fn admin_consent_scope(cloud: &Cloud, protocols: &[Protocol]) -> String {
    let mut scopes: Vec<String> = Vec::new();
    let wants_mailbox = protocols.is_empty()
        || protocols
            .iter()
            .any(|p| matches!(p, Protocol::Imap | Protocol::Pop));
    if wants_mailbox {
        scopes.push(match cloud.id {
            CloudId::Global | CloudId::Hve => "https://ps.outlook.com/.default".to_owned(),
            _ => cloud.app_only_scope(),
        });
    }
    if protocols.contains(&Protocol::Smtp) {
        let s = cloud.app_only_scope();
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    scopes.join(" ")
}

/// Builds the admin-consent URL. Errors: [`Error::InvalidTenant`] (bad tenant, or `common`/
/// `consumers` for v2, `consumers` for legacy), [`Error::InvalidClientId`], [`Error::InvalidInput`]
/// (the `consumers` preset, a redirect URI that is not an absolute URL, an empty scope).
pub fn build_admin_consent_url(req: &AdminConsentRequest) -> Result<String> {
    let tenant = Tenant::parse(&req.tenant)?;
    if req.cloud.id.is_personal() {
        return Err(Error::invalid_input(
            "the consumers preset is for personal Microsoft accounts, which have no administrator to consent: build admin-consent links with the global cloud (or the tenant's national cloud)",
        ));
    }
    match (req.variant, &tenant) {
        (ConsentVariant::V2, Tenant::Common | Tenant::Consumers) => {
            return Err(Error::InvalidTenant(format!(
                "{} cannot be used for admin consent: give the tenant id or domain (or organizations)",
                tenant.as_str()
            )))
        }
        (ConsentVariant::Legacy, Tenant::Consumers) => {
            return Err(Error::InvalidTenant(
                "consumers (personal accounts) have no administrator to consent".to_owned(),
            ))
        }
        _ => {}
    }
    let client_id = validate_client_id(&req.client_id)?;
    let redirect_uri = req
        .redirect_uri
        .as_deref()
        .map(RedirectUri::new)
        .transpose()?;
    let base = format!(
        "{}/{}",
        req.cloud.login_base.trim_end_matches('/'),
        tenant.as_str()
    );
    let mut ser = form_urlencoded::Serializer::new(String::new());
    match req.variant {
        ConsentVariant::V2 => {
            let scope = match &req.scope {
                Some(s) => match Scope::split(s)? {
                    scopes if scopes.is_empty() => {
                        return Err(Error::invalid_input("scope is empty"))
                    }
                    scopes => Scope::join(&scopes),
                },
                None => admin_consent_scope(&req.cloud, &[Protocol::Imap, Protocol::Pop]),
            };
            ser.append_pair("client_id", &client_id);
            ser.append_pair("scope", &scope);
            if let Some(r) = &redirect_uri {
                ser.append_pair("redirect_uri", r.as_str());
            }
            if let Some(s) = &req.state {
                ser.append_pair("state", s);
            }
            Ok(format!("{base}/v2.0/adminconsent?{}", ser.finish()))
        }
        ConsentVariant::Legacy => {
            ser.append_pair("client_id", &client_id);
            ser.append_pair("response_type", "code");
            if let Some(r) = &redirect_uri {
                ser.append_pair("redirect_uri", r.as_str());
            }
            if let Some(s) = &req.state {
                ser.append_pair("state", s);
            }
            ser.append_pair("prompt", "admin_consent");
            Ok(format!("{base}/oauth2/authorize?{}", ser.finish()))
        }
    }
}

/// What the admin-consent redirect says (Microsoft identity platform, "Request the permissions
/// from a directory admin": successful response).
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "AdminConsentResult", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AdminConsentResult {
    /// Whether `admin_consent` is `True` (case-insensitively), or, from the legacy form
    /// (`prompt=admin_consent`), whether the redirect carries an authorization `code` and no
    /// error. The code itself is not kept: consent needs no token.
    pub granted: bool,
    /// The `tenant` that granted the permissions (its id), when sent.
    pub tenant: Option<String>,
    /// The `scope` that was granted, when sent.
    pub scope: Option<String>,
    /// The `state`, when sent (equal to the expected one when one was expected).
    pub state: Option<String>,
}

/// The parameters of an admin-consent redirect; each may appear at most once.
const CONSENT_KEYS: [&str; 9] = [
    "admin_consent",
    "code",
    "session_state",
    "tenant",
    "scope",
    "state",
    "error",
    "error_description",
    "error_uri",
];

/// Reads the redirect that ends an admin consent: its query (or its `#fragment`, whichever
/// carries `admin_consent`, `error`, `state` or `tenant`). The URL may be absolute or just the
/// path and query an HTTP server sees; surrounding white space is ignored.
///
/// When `expected_state` is given, the redirect's `state` must equal it (constant-time compare;
/// a missing state is a mismatch) before anything else is used.
///
/// Errors: [`Error::Malformed`] (no parameters, a repeated parameter, neither `admin_consent`
/// nor `error`, an empty `error`), [`Error::StateMismatch`], [`Error::OAuth`] with the server's
/// `error` and `error_description` (its `aadsts` taken from the description's `AADSTSnnnn:`).
/// Never panics.
///
/// ```
/// use mailoauth::consent::parse_admin_consent_redirect;
/// let r = parse_admin_consent_redirect(
///     "https://localhost/?admin_consent=True&tenant=11111111-2222-3333-4444-555555555555&scope=https%3a%2f%2fps.outlook.com%2f.default&state=12345",
///     Some("12345"),
/// )?;
/// assert!(r.granted);
/// assert_eq!(r.scope.as_deref(), Some("https://ps.outlook.com/.default"));
///
/// let e = parse_admin_consent_redirect(
///     "https://localhost/?admin_consent=True&error=access_denied&error_description=AADSTS65004%3a+User+declined+to+consent.&state=12345",
///     Some("12345"),
/// ).unwrap_err();
/// assert_eq!(e.code(), "access_denied");
/// assert_eq!(e.oauth().and_then(|o| o.aadsts), Some(65004));
/// # Ok::<(), mailoauth::Error>(())
/// ```
pub fn parse_admin_consent_redirect(
    redirect_url: &str,
    expected_state: Option<&str>,
) -> Result<AdminConsentResult> {
    let params = RedirectParams::from_url(
        redirect_url,
        &["admin_consent", "code", "error", "state", "tenant"],
    )?;
    if params.is_empty() {
        return Err(Error::malformed(
            "the admin-consent redirect carries no parameters",
        ));
    }
    params.ensure_unique(&CONSENT_KEYS)?;
    // The legacy form (`/oauth2/authorize?...&prompt=admin_consent`) answers a grant with an
    // authorization code and the state, with or without `admin_consent`.
    let legacy_code = params.has("code") && !params.has("error");
    if !params.has("admin_consent") && !params.has("error") && !legacy_code {
        return Err(Error::malformed(
            "the admin-consent redirect carries neither admin_consent, code nor error",
        ));
    }
    if let Some(expected) = expected_state {
        params.check_state(expected)?;
    }
    params.oauth_error()?;
    let text = |k: &str| params.get(k).map(str::to_owned);
    Ok(AdminConsentResult {
        granted: match params.get("admin_consent") {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => legacy_code,
        },
        tenant: text("tenant"),
        scope: text("scope"),
        state: text("state"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "11111111-2222-3333-4444-555555555555";
    const C: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    #[test]
    fn legacy_form_success_is_granted() {
        let r = parse_admin_consent_redirect(
            "https://localhost/?code=0.AXoA-secret-code&session_state=abc&state=s1",
            Some("s1"),
        )
        .unwrap();
        assert_eq!(
            r,
            AdminConsentResult {
                granted: true,
                tenant: None,
                scope: None,
                state: Some("s1".into())
            }
        );
        // The code is never echoed back.
        assert!(!format!("{r:?}").contains("secret-code"));
        // The state is still checked.
        assert_eq!(
            parse_admin_consent_redirect("https://localhost/?code=x&state=other", Some("s1"))
                .unwrap_err()
                .code(),
            "state_mismatch"
        );
        // An error with a code is still the error.
        assert_eq!(
            parse_admin_consent_redirect(
                "https://localhost/?code=x&error=access_denied&error_description=AADSTS65004%3A+declined",
                None
            )
            .unwrap_err()
            .code(),
            "access_denied"
        );
        // Two codes are malformed.
        assert_eq!(
            parse_admin_consent_redirect("https://localhost/?code=x&code=y", None)
                .unwrap_err()
                .code(),
            "malformed"
        );
    }

    #[test]
    fn v2_exact() {
        let mut r = AdminConsentRequest::new(T, C);
        r.redirect_uri = Some("https://localhost".into());
        r.state = Some("xyz".into());
        assert_eq!(
            build_admin_consent_url(&r).unwrap(),
            "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0/adminconsent?client_id=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee&scope=https%3A%2F%2Fps.outlook.com%2F.default&redirect_uri=https%3A%2F%2Flocalhost&state=xyz"
        );
    }

    #[test]
    fn personal_accounts_have_no_admin_consent() {
        let mut r = AdminConsentRequest::new("contoso.onmicrosoft.com", C);
        r.cloud = Cloud::preset(CloudId::Consumers);
        let e = build_admin_consent_url(&r).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("no administrator"), "{e}");
    }

    #[test]
    fn every_cloud_and_variant() {
        for id in CloudId::ALL.into_iter().filter(|id| !id.is_personal()) {
            for variant in [ConsentVariant::V2, ConsentVariant::Legacy] {
                let mut r = AdminConsentRequest::new("contoso.onmicrosoft.com", C);
                r.cloud = Cloud::preset(id);
                r.variant = variant;
                let u = build_admin_consent_url(&r).unwrap();
                assert!(
                    u.starts_with(&format!("{}/contoso.onmicrosoft.com/", r.cloud.login_base)),
                    "{u}"
                );
            }
        }
    }

    #[test]
    fn refusals() {
        let mut r = AdminConsentRequest::new("common", C);
        assert_eq!(
            build_admin_consent_url(&r).unwrap_err().code(),
            "invalid_tenant"
        );
        r.variant = ConsentVariant::Legacy;
        assert!(build_admin_consent_url(&r).is_ok());
        r.tenant = "consumers".into();
        assert_eq!(
            build_admin_consent_url(&r).unwrap_err().code(),
            "invalid_tenant"
        );
        let r = AdminConsentRequest::new("organizations", "thunderbird");
        assert_eq!(
            build_admin_consent_url(&r).unwrap_err().code(),
            "invalid_client_id"
        );
        let mut r = AdminConsentRequest::new(T, C);
        r.redirect_uri = Some("not a url".into());
        assert_eq!(
            build_admin_consent_url(&r).unwrap_err().code(),
            "invalid_input"
        );
    }

    #[test]
    fn scopes() {
        let g = Cloud::global();
        assert_eq!(
            admin_consent_scope(&g, &[Protocol::Imap]),
            "https://ps.outlook.com/.default"
        );
        assert_eq!(
            admin_consent_scope(&g, &[Protocol::Smtp]),
            "https://outlook.office365.com/.default"
        );
        assert_eq!(
            admin_consent_scope(&g, &Protocol::ALL),
            "https://ps.outlook.com/.default https://outlook.office365.com/.default"
        );
    }

    const GRANTED: &str = "https://localhost/?admin_consent=True&tenant=11111111-2222-3333-4444-555555555555&scope=https%3a%2f%2fps.outlook.com%2f.default&state=12345";

    #[test]
    fn consent_granted() {
        let r = parse_admin_consent_redirect(GRANTED, Some("12345")).unwrap();
        assert_eq!(
            r,
            AdminConsentResult {
                granted: true,
                tenant: Some(T.into()),
                scope: Some("https://ps.outlook.com/.default".into()),
                state: Some("12345".into()),
            }
        );
        // No state expected: not checked.
        assert!(parse_admin_consent_redirect(GRANTED, None).unwrap().granted);
        for v in ["true", "TRUE", "tRuE"] {
            let u = format!("/?admin_consent={v}&tenant={T}");
            let r = parse_admin_consent_redirect(&u, None).unwrap();
            assert!(r.granted, "{v}");
            assert_eq!(r.state, None);
            assert_eq!(r.scope, None);
        }
        for v in ["False", "", "yes", "1"] {
            let u = format!("/?admin_consent={v}&tenant={T}");
            assert!(
                !parse_admin_consent_redirect(&u, None).unwrap().granted,
                "{v}"
            );
        }
        // Fragment form, and white space around.
        let r = parse_admin_consent_redirect(
            " https://app.example/cb?x=1#admin_consent=True&state=s\n",
            Some("s"),
        )
        .unwrap();
        assert!(r.granted);
    }

    #[test]
    fn consent_error_wins_over_admin_consent_true() {
        let e = parse_admin_consent_redirect(
            "https://localhost/?admin_consent=True&error=consent_required&error_description=AADSTS65001%3a+The+user+or+administrator+has+not+consented.&state=12345",
            Some("12345"),
        )
        .unwrap_err();
        assert_eq!(e.code(), "consent_required");
        let o = e.oauth().unwrap();
        assert_eq!(o.aadsts, Some(65001));
        assert_eq!(
            o.error_description.as_deref(),
            Some("AADSTS65001: The user or administrator has not consented.")
        );
        // Without admin_consent, and without a description.
        let e = parse_admin_consent_redirect("https://localhost/?error=access_denied", None)
            .unwrap_err();
        assert_eq!(e.code(), "access_denied");
        assert_eq!(e.oauth().unwrap().aadsts, None);
    }

    #[test]
    fn consent_state_checked_first() {
        for u in [
            "https://localhost/?admin_consent=True&state=other",
            "https://localhost/?admin_consent=True",
            "https://localhost/?admin_consent=True&state=",
            "https://localhost/?admin_consent=True&error=access_denied&state=other",
            "https://localhost/?error=access_denied",
        ] {
            assert_eq!(
                parse_admin_consent_redirect(u, Some("12345"))
                    .unwrap_err()
                    .code(),
                "state_mismatch",
                "{u}"
            );
        }
    }

    #[test]
    fn consent_malformed() {
        for u in [
            "",
            "https://localhost/",
            "https://localhost/?",
            "https://localhost/?tenant=x&state=12345",
            "https://localhost/?admin_consent=True&admin_consent=False&state=12345",
            "https://localhost/?admin_consent=True&state=12345&state=12345",
            "https://localhost/?admin_consent=True&tenant=a&tenant=b&state=12345",
            "https://localhost/?error=a&error=b&state=12345",
            "https://localhost/?error=&state=12345",
            "https://localhost/?admin_consent=True&state=12345#admin_consent=True&state=12345",
        ] {
            assert_eq!(
                parse_admin_consent_redirect(u, Some("12345"))
                    .unwrap_err()
                    .code(),
                "malformed",
                "{u}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn consent_parser_never_panics(input in ".{0,200}", state in proptest::option::of(".{0,10}")) {
            if let (Ok(r), Some(s)) = (parse_admin_consent_redirect(&input, state.as_deref()), &state) {
                proptest::prop_assert_eq!(r.state.as_deref(), Some(s.as_str()));
            }
        }

        #[test]
        fn consent_round_trips(tenant in ".{0,30}", scope in ".{0,30}", state in ".{0,30}") {
            let mut ser = form_urlencoded::Serializer::new(String::new());
            ser.append_pair("admin_consent", "True")
                .append_pair("tenant", &tenant)
                .append_pair("scope", &scope)
                .append_pair("state", &state);
            let u = format!("https://localhost/?{}", ser.finish());
            let r = parse_admin_consent_redirect(&u, Some(&state)).unwrap();
            proptest::prop_assert!(r.granted);
            proptest::prop_assert_eq!(r.tenant, Some(tenant));
            proptest::prop_assert_eq!(r.scope, Some(scope));
            proptest::prop_assert_eq!(r.state, Some(state));
        }
    }
}
