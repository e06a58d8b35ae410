//! Configuration lint: the mistakes in a client's OAuth settings that public threads show again
//! and again, found before any request is sent (docs/protocol.md sections 1–3 and 9).
//!
//! Stable finding codes of [`lint_config`]:
//!
//! | code | meaning |
//! |---|---|
//! | `missing_client_id` | no client id |
//! | `client_id_not_guid` | the client id is not a GUID |
//! | `retired_client_id` | the retired Thunderbird id (AADSTS7000112); names the replacement |
//! | `invalid_tenant` | not a GUID, a domain, or organizations/common/consumers |
//! | `missing_tenant` | client credentials without a tenant |
//! | `tenant_not_allowed_for_client_credentials` | `organizations`, `common` or `consumers` with client credentials: `organizations` gives a token for a guessed tenant, the others fail (AADSTS9001023) |
//! | `invalid_authority` | the authority is not a usable absolute URL |
//! | `insecure_authority` | `http://` on a non-loopback host |
//! | `deprecated_authority` | `login.chinacloudapi.cn` (use `login.partner.microsoftonline.cn`) |
//! | `secret_looks_like_id` | a GUID-shaped secret: probably the secret's ID (AADSTS7000215) |
//! | `secret_has_whitespace` | spaces or a line break around the secret (a copy-paste slip) |
//! | `missing_credentials` | client credentials without a secret or a certificate |
//! | `missing_scopes` | no scopes |
//! | `graph_scope` | a Microsoft Graph scope (or a bare permission name, which means Graph) |
//! | `default_scope_in_delegated` | `.default` mixed with other scopes in a delegated flow |
//! | `default_scope_for_personal_account` | `.default` with tenant `consumers`, where it is not valid |
//! | `offline_access_missing` | delegated sign-in without `offline_access`: no refresh token |
//! | `offline_access_with_client_credentials` | `offline_access` with client credentials |
//! | `delegated_scope_with_client_credentials` | a scope other than `<resource>/.default` with client credentials (AADSTS1002012) |
//!
//! Every finding is of severity `error` (the request or login will fail as configured) except
//! `deprecated_authority`, `secret_looks_like_id`, `secret_has_whitespace`,
//! `offline_access_missing` and `offline_access_with_client_credentials`, which are warnings.
//!
//! Messages and fixes never contain the client secret.

use super::token_lint::LintFinding;
use super::Severity;
use crate::apps;
use crate::cloud::{is_guid, is_loopback, Cloud, Grant, Tenant};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::weburl::Url;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The OAuth flow a configuration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "ConfigFlow"))]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Authorization code with PKCE (a user signs in in a browser).
    AuthCode,
    /// Device code (RFC 8628).
    DeviceCode,
    /// Client credentials (app-only).
    ClientCredentials,
    /// Refresh token.
    Refresh,
}

impl Flow {
    /// Who the token acts for: client credentials are app-only, every other flow is delegated.
    pub fn grant(self) -> Grant {
        match self {
            Flow::ClientCredentials => Grant::App,
            _ => Grant::Delegated,
        }
    }

    /// `auth_code`, `device_code`, `client_credentials` or `refresh`.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::AuthCode => "auth_code",
            Flow::DeviceCode => "device_code",
            Flow::ClientCredentials => "client_credentials",
            Flow::Refresh => "refresh",
        }
    }
}

impl FromStr for Flow {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "auth_code" | "authorization_code" | "code" => Ok(Flow::AuthCode),
            "device_code" | "device" => Ok(Flow::DeviceCode),
            "client_credentials" | "app" | "app_only" => Ok(Flow::ClientCredentials),
            "refresh" | "refresh_token" => Ok(Flow::Refresh),
            _ => Err(Error::InvalidInput(format!(
                "unknown flow {s} (expected auth_code, device_code, client_credentials or refresh)",
                s = crate::error::quoted(s)
            ))),
        }
    }
}

/// A client's OAuth configuration, as far as the lint needs it. `Debug` never shows the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigInput {
    /// The tenant (GUID, domain, `organizations`, `common`, `consumers`).
    pub tenant: Option<String>,
    /// The application (client) id.
    pub client_id: Option<String>,
    /// The client secret, for confidential clients.
    pub client_secret: Option<Secret>,
    /// The scopes to request (entries may also hold several space-separated scopes).
    pub scopes: Vec<String>,
    /// The flow.
    pub flow: Flow,
    /// A custom authority or login base URL (`https://login.microsoftonline.com/<tenant>`).
    pub authority: Option<String>,
    /// Whether a certificate (client assertion) is configured.
    pub has_certificate: bool,
}

impl ConfigInput {
    /// An empty configuration for a flow.
    pub fn new(flow: Flow) -> Self {
        ConfigInput {
            tenant: None,
            client_id: None,
            client_secret: None,
            scopes: Vec::new(),
            flow,
            authority: None,
            has_certificate: false,
        }
    }
}

const OIDC_SCOPES: [&str; 4] = ["offline_access", "openid", "profile", "email"];
const MAIL_PERMISSIONS: [&str; 6] = [
    "IMAP.AccessAsUser.All",
    "POP.AccessAsUser.All",
    "SMTP.Send",
    "IMAP.AccessAsApp",
    "POP.AccessAsApp",
    "SMTP.SendAsApp",
];
const GRAPH_HOSTS: [&str; 4] = [
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
];

fn is_oidc(s: &str) -> bool {
    OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(s))
}

fn is_default_scope(s: &str) -> bool {
    s.eq_ignore_ascii_case(".default") || s.to_ascii_lowercase().ends_with("/.default")
}

fn is_graph_scope(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    let rest = l
        .strip_prefix("https://")
        .or_else(|| l.strip_prefix("http://"))
        .unwrap_or(&l);
    GRAPH_HOSTS
        .iter()
        .any(|h| rest == *h || rest.starts_with(&format!("{h}/")))
        || l == crate::cloud::GRAPH_APP_ID
        || l.starts_with(&format!("{}/", crate::cloud::GRAPH_APP_ID))
}

fn is_bare_mail_permission(s: &str) -> bool {
    MAIL_PERMISSIONS.iter().any(|p| p.eq_ignore_ascii_case(s))
}

/// The Outlook scope that replaces a Graph or bare one (`…/IMAP.AccessAsUser.All` →
/// `https://outlook.office.com/IMAP.AccessAsUser.All`, `…/.default` → the app-only scope).
fn outlook_equivalent(s: &str) -> String {
    let g = Cloud::global();
    let last = s.rsplit('/').next().unwrap_or(s);
    if last.eq_ignore_ascii_case(".default") {
        return g.app_only_scope();
    }
    match MAIL_PERMISSIONS
        .iter()
        .find(|p| p.eq_ignore_ascii_case(last))
    {
        Some(p) => format!("{}/{p}", g.outlook_resource),
        None => format!("{}/IMAP.AccessAsUser.All", g.outlook_resource),
    }
}

/// Lints a configuration; the findings are in a fixed order (client id, tenant, authority,
/// credentials, scopes). Empty when nothing looks wrong.
pub fn lint_config(input: &ConfigInput) -> Vec<LintFinding> {
    let mut out = Vec::new();
    let cc = input.flow == Flow::ClientCredentials;

    // Client id.
    match input.client_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => out.push(LintFinding::new(
            "missing_client_id",
            "no client (application) id is configured",
            "Copy 'Application (client) ID' from Entra admin center > App registrations > your app > Overview.",
        )),
        Some(id) if !is_guid(id) => {
            let fix = match apps::lookup(id) {
                Some(app) => format!(
                    "{id} is the name of a well-known app: use its client id {} ({}).",
                    app.client_id,
                    app.display_name,
                    id = crate::error::quoted(id)
                ),
                None => "Copy 'Application (client) ID' (a GUID such as 9e5f94bc-e8a4-4e73-b8be-63364c29d753) from Entra admin center > App registrations > your app > Overview; not the app's name or its Object ID URI.".to_owned(),
            };
            out.push(LintFinding::new(
                "client_id_not_guid",
                format!("the client id {id} is not a GUID", id = crate::error::quoted(id)),
                fix,
            ));
        }
        Some(id) => {
            if let Some(repl) = apps::replacement_for(id) {
                out.push(LintFinding::new(
                    "retired_client_id",
                    format!("{id} is a retired client id, disabled since about August 2024: sign-ins fail with AADSTS7000112"),
                    format!(
                        "Use the current {} client id {} instead (and grant admin consent to it if the tenant requires consent).",
                        repl.display_name, repl.client_id
                    ),
                ));
            }
        }
    }

    // Authority (and the tenant inside it).
    let mut authority_tenant = None;
    if let Some(a) = input
        .authority
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match Url::parse(a) {
            Err(_) => out.push(LintFinding::new(
                "invalid_authority",
                format!("the authority {a} is not an absolute URL", a = crate::error::quoted(a)),
                "Use https://login.microsoftonline.com/<tenant> (or your cloud's login host), or leave it empty.",
            )),
            Ok(u) => {
                if u.scheme() == "http" && !is_loopback(&u) {
                    out.push(LintFinding::new(
                        "insecure_authority",
                        format!("the authority {a} uses plain http: codes, secrets and tokens would cross the network unencrypted"),
                        "Use https; plain http is only acceptable on loopback (127.0.0.1, [::1], localhost) for local test servers.",
                    ));
                } else if let Err(e) = crate::cloud::validate_endpoint_url(a) {
                    out.push(LintFinding::new(
                        "invalid_authority",
                        e.to_string(),
                        "Use https://login.microsoftonline.com/<tenant> (or your cloud's login host), without user info or #fragment.",
                    ));
                }
                if u.host_str().is_some_and(|h| h.eq_ignore_ascii_case("login.chinacloudapi.cn")) {
                    out.push(LintFinding::new(
                        "deprecated_authority",
                        "login.chinacloudapi.cn is the deprecated login host of the China cloud",
                        "Use https://login.partner.microsoftonline.cn.",
                    ).with_severity(Severity::Warning));
                }
                authority_tenant = crate::cloud::microsoft_tenant_segment(&u);
            }
        }
    }

    // Tenant.
    let tenant = input
        .tenant
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or(authority_tenant);
    match tenant.as_deref() {
        None if cc => out.push(LintFinding::new(
            "missing_tenant",
            "client credentials need a tenant, and none is configured",
            "Set the tenant to the tenant id (Entra admin center > Overview > Tenant ID) or a verified domain such as contoso.onmicrosoft.com.",
        )),
        None => {}
        Some(t) => match Tenant::parse(t) {
            Err(_) => out.push(LintFinding::new(
                "invalid_tenant",
                format!("the tenant {t} is not a tenant id (GUID), a domain, or organizations/common/consumers", t = crate::error::quoted(t)),
                "Use the tenant id (Entra admin center > Overview > Tenant ID), a verified domain such as contoso.onmicrosoft.com, or organizations/common/consumers.",
            )),
            Ok(tenant) if cc => {
                if let Err(e) = tenant.check_client_credentials() {
                    let message = e.to_string();
                    out.push(LintFinding::new(
                        "tenant_not_allowed_for_client_credentials",
                        message.trim_start_matches("invalid tenant: ").to_owned(),
                        "Use the tenant id (Entra admin center > Overview > Tenant ID) or a verified domain such as contoso.onmicrosoft.com of the tenant whose mailboxes the app opens; a multi-tenant app requests one token per customer tenant.",
                    ));
                }
            }
            Ok(_) => {}
        },
    }
    let personal = matches!(
        tenant.as_deref().map(Tenant::parse),
        Some(Ok(Tenant::Consumers))
    );

    // Credentials.
    let secret = input
        .client_secret
        .as_ref()
        .map(Secret::expose_secret)
        .filter(|s| !s.is_empty());
    if let Some(s) = secret {
        if is_guid(s.trim()) {
            out.push(LintFinding::new(
                "secret_looks_like_id",
                "the client secret has the shape of a GUID: it is most likely the secret's ID, not its value (Entra answers AADSTS7000215)",
                "Use the secret's Value, shown only once when it was created (App registrations > your app > Certificates & secrets > Client secrets, 'Value' column, not 'Secret ID'); if it was not copied, create a new secret.",
            ).with_severity(Severity::Warning));
        }
        if s.trim() != s {
            out.push(LintFinding::new(
                "secret_has_whitespace",
                "the client secret starts or ends with whitespace or a line break (a copy-paste slip); Entra would refuse it",
                "Remove the spaces and line breaks around the secret.",
            ).with_severity(Severity::Warning));
        }
    }
    if cc && secret.is_none() && !input.has_certificate {
        out.push(LintFinding::new(
            "missing_credentials",
            "client credentials need a client secret or a certificate, and neither is configured",
            "Create a secret (App registrations > your app > Certificates & secrets > New client secret, copy its Value) or upload a certificate there and configure its private key.",
        ));
    }

    // Scopes.
    let scopes: Vec<&str> = input
        .scopes
        .iter()
        .flat_map(|s| s.split_whitespace())
        .collect();
    if scopes.is_empty() && input.flow != Flow::Refresh {
        let want = if cc {
            "https://outlook.office365.com/.default"
        } else {
            "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
        };
        out.push(LintFinding::new(
            "missing_scopes",
            "no scopes are configured",
            format!("Request `{want}` (SMTP: .../SMTP.Send, POP: .../POP.AccessAsUser.All)."),
        ));
    }
    let graph: Vec<&str> = scopes
        .iter()
        .copied()
        .filter(|s| is_graph_scope(s) || (!cc && is_bare_mail_permission(s)))
        .collect();
    if !graph.is_empty() {
        let replacements: Vec<String> = graph.iter().map(|s| outlook_equivalent(s)).collect();
        out.push(LintFinding::new(
            "graph_scope",
            format!(
                "{} {} Microsoft Graph (a bare permission name means Graph): IMAP, POP and SMTP refuse Graph tokens",
                graph.join(" "),
                if graph.len() == 1 { "is for" } else { "are for" }
            ),
            format!(
                "Use the Outlook resource instead: {}.",
                replacements.join(" ")
            ),
        ));
    }
    if cc {
        if scopes
            .iter()
            .any(|s| s.eq_ignore_ascii_case("offline_access"))
        {
            out.push(LintFinding::new(
                "offline_access_with_client_credentials",
                "offline_access is asked for with client credentials, which never issue a refresh token",
                "Remove offline_access; request only https://outlook.office365.com/.default and request a new token when it expires.",
            ).with_severity(Severity::Warning));
        }
        let delegated: Vec<&str> = scopes
            .iter()
            .copied()
            .filter(|s| !is_default_scope(s) && !s.eq_ignore_ascii_case("offline_access"))
            .collect();
        if !delegated.is_empty() {
            out.push(LintFinding::new(
                "delegated_scope_with_client_credentials",
                format!(
                    "client credentials accept only a resource's /.default scope, not {} (Entra answers AADSTS1002012 or AADSTS70011)",
                    delegated.join(" ")
                ),
                "Request exactly https://outlook.office365.com/.default; the application permissions (IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp) come from the app registration and admin consent.",
            ));
        }
    } else {
        let has_default = scopes.iter().any(|s| is_default_scope(s));
        let others: Vec<&str> = scopes
            .iter()
            .copied()
            .filter(|s| !is_default_scope(s) && !is_oidc(s))
            .collect();
        if personal && has_default {
            out.push(LintFinding::new(
                "default_scope_for_personal_account",
                "a .default scope is requested for personal Microsoft accounts (tenant consumers), where .default is not valid",
                "Request the named scopes: https://outlook.office.com/IMAP.AccessAsUser.All (POP: .../POP.AccessAsUser.All, SMTP: .../SMTP.Send) and offline_access.",
            ));
        } else if has_default && !others.is_empty() {
            out.push(LintFinding::new(
                "default_scope_in_delegated",
                format!(
                    "a .default scope is mixed with other scopes ({}) in a delegated flow; Entra refuses the mix (AADSTS70011)",
                    others.join(" ")
                ),
                "For a user sign-in request the named scopes (https://outlook.office.com/IMAP.AccessAsUser.All offline_access) without .default; .default belongs to client credentials.",
            ));
        }
        if matches!(input.flow, Flow::AuthCode | Flow::DeviceCode)
            && !scopes.is_empty()
            && !scopes
                .iter()
                .any(|s| s.eq_ignore_ascii_case("offline_access"))
        {
            out.push(LintFinding::new(
                "offline_access_missing",
                "offline_access is not requested: no refresh token will be issued, and the user must sign in again every hour",
                "Add offline_access to the scopes.",
            ).with_severity(Severity::Warning));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    const TENANT: &str = "11111111-2222-3333-4444-555555555555";

    fn good_delegated() -> ConfigInput {
        ConfigInput {
            tenant: Some("contoso.onmicrosoft.com".into()),
            client_id: Some(CLIENT.into()),
            client_secret: None,
            scopes: vec!["https://outlook.office.com/IMAP.AccessAsUser.All offline_access".into()],
            flow: Flow::AuthCode,
            authority: None,
            has_certificate: false,
        }
    }

    fn good_app() -> ConfigInput {
        ConfigInput {
            tenant: Some(TENANT.into()),
            client_id: Some(CLIENT.into()),
            client_secret: Some(Secret::new("abc~DEF.ghi_jkl-123")),
            scopes: vec!["https://outlook.office365.com/.default".into()],
            flow: Flow::ClientCredentials,
            authority: None,
            has_certificate: false,
        }
    }

    fn codes(i: &ConfigInput) -> Vec<String> {
        lint_config(i).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn good_configs_are_clean() {
        assert!(codes(&good_delegated()).is_empty());
        assert!(codes(&good_app()).is_empty());
        let mut i = good_app();
        i.client_secret = None;
        i.has_certificate = true;
        assert!(codes(&i).is_empty());
        let mut i = good_delegated();
        i.flow = Flow::DeviceCode;
        i.scopes = vec![
            "openid".into(),
            "https://outlook.office.com/SMTP.Send".into(),
            "OFFLINE_ACCESS".into(),
        ];
        assert!(codes(&i).is_empty());
        let mut i = good_delegated();
        i.flow = Flow::Refresh;
        i.scopes.clear();
        assert!(codes(&i).is_empty());
    }

    #[test]
    fn client_ids() {
        let mut i = good_delegated();
        i.client_id = None;
        assert_eq!(codes(&i), ["missing_client_id"]);
        i.client_id = Some("  ".into());
        assert_eq!(codes(&i), ["missing_client_id"]);
        i.client_id = Some("my-app".into());
        assert_eq!(codes(&i), ["client_id_not_guid"]);
        i.client_id = Some("thunderbird".into());
        let f = lint_config(&i);
        assert_eq!(f[0].code, "client_id_not_guid");
        assert!(f[0].fix.contains("9e5f94bc-e8a4-4e73-b8be-63364c29d753"));
        i.client_id = Some("08162F7C-0FD2-4200-A84A-F25A4DB0B584".into());
        let f = lint_config(&i);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "retired_client_id");
        assert!(f[0].message.contains("AADSTS7000112"));
        assert!(f[0].fix.contains("9e5f94bc-e8a4-4e73-b8be-63364c29d753"));
    }

    #[test]
    fn tenants() {
        let mut i = good_app();
        for t in ["common", "Consumers"] {
            i.tenant = Some(t.into());
            let f = lint_config(&i);
            assert_eq!(f.len(), 1, "{t}");
            assert_eq!(f[0].code, "tenant_not_allowed_for_client_credentials");
            assert!(f[0].message.contains("AADSTS9001023"));
        }
        // organizations is refused too, as an error that says why (a guessed tenant).
        i.tenant = Some("organizations".into());
        let f = lint_config(&i);
        assert_eq!(codes(&i), ["tenant_not_allowed_for_client_credentials"]);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("guessed tenant"), "{}", f[0].message);
        assert!(!f[0].fix.contains("organizations"), "{}", f[0].fix);
        i.authority = Some("https://login.microsoftonline.com/organizations/v2.0".into());
        i.tenant = None;
        assert_eq!(codes(&i), ["tenant_not_allowed_for_client_credentials"]);
        i.authority = None;
        i.tenant = Some("con toso".into());
        assert_eq!(codes(&i), ["invalid_tenant"]);
        i.tenant = None;
        assert_eq!(codes(&i), ["missing_tenant"]);
        // The tenant of a Microsoft authority counts.
        i.authority = Some("https://login.microsoftonline.com/common/".into());
        assert_eq!(codes(&i), ["tenant_not_allowed_for_client_credentials"]);
        i.authority = Some(format!("https://login.microsoftonline.us/{TENANT}/v2.0"));
        assert!(codes(&i).is_empty());
        // A custom authority's path is not a tenant.
        i.authority = Some("http://127.0.0.1:3000/common".into());
        assert_eq!(codes(&i), ["missing_tenant"]);
        // Delegated flows accept common.
        let mut d = good_delegated();
        d.tenant = Some("common".into());
        assert!(codes(&d).is_empty());
        d.tenant = Some("a/b".into());
        assert_eq!(codes(&d), ["invalid_tenant"]);
    }

    #[test]
    fn personal_accounts_take_named_scopes() {
        let mut d = good_delegated();
        d.tenant = Some("consumers".into());
        assert!(codes(&d).is_empty());
        d.scopes = vec!["https://outlook.office.com/.default offline_access".into()];
        let f = lint_config(&d);
        assert_eq!(codes(&d), ["default_scope_for_personal_account"]);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].fix.contains("IMAP.AccessAsUser.All"));
        // The same scope for a work tenant is not this finding.
        d.tenant = Some("contoso.onmicrosoft.com".into());
        assert!(!codes(&d).contains(&"default_scope_for_personal_account".to_owned()));
    }

    #[test]
    fn severities() {
        let mut i = good_app();
        i.client_secret = Some(Secret::new(" 11111111-2222-3333-4444-555555555555"));
        let f = lint_config(&i);
        assert_eq!(
            f.iter()
                .map(|f| (f.code.as_str(), f.severity))
                .collect::<Vec<_>>(),
            [
                ("secret_looks_like_id", Severity::Warning),
                ("secret_has_whitespace", Severity::Warning)
            ]
        );
        i.client_id = None;
        assert_eq!(lint_config(&i)[0].severity, Severity::Error);
    }

    #[test]
    fn authorities() {
        let mut i = good_delegated();
        i.authority = Some("http://login.example.com/contoso".into());
        assert_eq!(codes(&i), ["insecure_authority"]);
        i.authority = Some("http://localhost:8080".into());
        assert!(codes(&i).is_empty());
        i.authority = Some("http://[::1]:8080".into());
        assert!(codes(&i).is_empty());
        i.authority = Some("not a url".into());
        assert_eq!(codes(&i), ["invalid_authority"]);
        i.authority = Some("https://u:p@login.microsoftonline.com/x.com".into());
        assert_eq!(codes(&i), ["invalid_authority"]);
        i.authority = Some("ftp://login.example.com".into());
        assert_eq!(codes(&i), ["invalid_authority"]);
        i.authority = Some("https://login.chinacloudapi.cn/contoso.partner.onmschina.cn".into());
        let f = lint_config(&i);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "deprecated_authority");
        assert!(f[0].fix.contains("login.partner.microsoftonline.cn"));
        i.authority = Some(" ".into());
        assert!(codes(&i).is_empty());
    }

    #[test]
    fn secrets() {
        let mut i = good_app();
        i.client_secret = Some(Secret::new("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        let f = lint_config(&i);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "secret_looks_like_id");
        assert!(f[0].message.contains("AADSTS7000215"));
        assert!(f[0].fix.contains("Value"));
        i.client_secret = Some(Secret::new("abc~DEF.ghi_jkl-123\n"));
        assert_eq!(codes(&i), ["secret_has_whitespace"]);
        i.client_secret = Some(Secret::new(""));
        assert_eq!(codes(&i), ["missing_credentials"]);
        i.client_secret = None;
        assert_eq!(codes(&i), ["missing_credentials"]);
        // A public client needs no secret.
        assert!(codes(&good_delegated()).is_empty());
    }

    #[test]
    fn graph_scopes() {
        let mut i = good_delegated();
        i.scopes = vec![
            "https://graph.microsoft.com/IMAP.AccessAsUser.All".into(),
            "offline_access".into(),
        ];
        let f = lint_config(&i);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "graph_scope");
        assert!(f[0]
            .fix
            .contains("https://outlook.office.com/IMAP.AccessAsUser.All"));
        i.scopes = vec!["SMTP.Send offline_access".into()];
        let f = lint_config(&i);
        assert_eq!(f[0].code, "graph_scope");
        assert!(f[0].fix.contains("https://outlook.office.com/SMTP.Send"));
        i.scopes = vec![
            "https://graph.microsoft.com/Mail.Read".into(),
            "offline_access".into(),
        ];
        assert_eq!(codes(&i), ["graph_scope"]);
        let mut a = good_app();
        a.scopes = vec!["https://graph.microsoft.com/.default".into()];
        let f = lint_config(&a);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "graph_scope");
        assert!(f[0].fix.contains("https://outlook.office365.com/.default"));
        a.scopes = vec![format!("{}/.default", crate::cloud::GRAPH_APP_ID)];
        assert_eq!(codes(&a), ["graph_scope"]);
        // Not Graph: a host that merely starts the same.
        assert!(!is_graph_scope("https://graph.microsoft.com.evil/x"));
        assert!(is_graph_scope("graph.microsoft.com/x"));
    }

    #[test]
    fn delegated_scope_rules() {
        let mut i = good_delegated();
        i.scopes = vec!["https://outlook.office.com/IMAP.AccessAsUser.All".into()];
        assert_eq!(codes(&i), ["offline_access_missing"]);
        i.scopes = vec![
            "https://outlook.office365.com/.default".into(),
            "https://outlook.office.com/IMAP.AccessAsUser.All".into(),
            "offline_access".into(),
        ];
        assert_eq!(codes(&i), ["default_scope_in_delegated"]);
        // .default alone (with OIDC scopes) is allowed in a delegated flow.
        i.scopes = vec!["https://outlook.office.com/.default offline_access openid".into()];
        assert!(codes(&i).is_empty());
        i.scopes.clear();
        let f = lint_config(&i);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "missing_scopes");
        assert!(f[0].fix.contains("IMAP.AccessAsUser.All offline_access"));
        // Refresh needs no offline_access.
        i.flow = Flow::Refresh;
        i.scopes = vec!["https://outlook.office.com/IMAP.AccessAsUser.All".into()];
        assert!(codes(&i).is_empty());
    }

    #[test]
    fn client_credentials_scope_rules() {
        let mut i = good_app();
        i.scopes = vec!["https://outlook.office365.com/.default offline_access".into()];
        assert_eq!(codes(&i), ["offline_access_with_client_credentials"]);
        i.scopes = vec!["https://outlook.office.com/IMAP.AccessAsUser.All".into()];
        let f = lint_config(&i);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "delegated_scope_with_client_credentials");
        assert!(f[0].message.contains("AADSTS1002012"));
        i.scopes = vec!["IMAP.AccessAsApp".into()];
        assert_eq!(codes(&i), ["delegated_scope_with_client_credentials"]);
        i.scopes.clear();
        let f = lint_config(&i);
        assert_eq!(f[0].code, "missing_scopes");
        assert!(f[0].fix.contains("https://outlook.office365.com/.default"));
    }

    #[test]
    fn many_findings_in_order() {
        let i = ConfigInput {
            tenant: Some("common".into()),
            client_id: Some("nope".into()),
            client_secret: None,
            scopes: vec![
                "https://graph.microsoft.com/.default".into(),
                "offline_access".into(),
                "SMTP.Send".into(),
            ],
            flow: Flow::ClientCredentials,
            authority: Some("http://example.com".into()),
            has_certificate: false,
        };
        assert_eq!(
            codes(&i),
            [
                "client_id_not_guid",
                "insecure_authority",
                "tenant_not_allowed_for_client_credentials",
                "missing_credentials",
                "graph_scope",
                "offline_access_with_client_credentials",
                "delegated_scope_with_client_credentials",
            ]
        );
    }

    #[test]
    fn secret_never_printed() {
        for secret in [
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            " S3cr3t~value.with-stuff \n",
        ] {
            let mut i = good_app();
            i.client_secret = Some(Secret::new(secret));
            assert!(
                !format!("{i:?}").contains(secret.trim()),
                "Debug leaks the secret"
            );
            let findings = lint_config(&i);
            assert!(!findings.is_empty());
            for f in findings {
                assert!(!f.message.contains(secret.trim()), "{}", f.code);
                assert!(!f.fix.contains(secret.trim()), "{}", f.code);
                assert!(!format!("{f:?}").contains(secret.trim()), "{}", f.code);
            }
        }
    }

    #[test]
    fn flows() {
        for f in [
            Flow::AuthCode,
            Flow::DeviceCode,
            Flow::ClientCredentials,
            Flow::Refresh,
        ] {
            assert_eq!(f.as_str().parse::<Flow>().unwrap(), f);
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                format!("\"{}\"", f.as_str())
            );
        }
        assert_eq!(
            "authorization_code".parse::<Flow>().unwrap(),
            Flow::AuthCode
        );
        assert_eq!("device-code".parse::<Flow>().unwrap(), Flow::DeviceCode);
        assert_eq!("refresh_token".parse::<Flow>().unwrap(), Flow::Refresh);
        assert_eq!("x".parse::<Flow>().unwrap_err().code(), "invalid_input");
        assert_eq!(Flow::ClientCredentials.grant(), Grant::App);
        assert_eq!(Flow::Refresh.grant(), Grant::Delegated);
        let i = ConfigInput::new(Flow::DeviceCode);
        assert_eq!(codes(&i), ["missing_client_id", "missing_scopes"]);
    }
}
