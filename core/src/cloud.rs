//! Clouds, tenants, client ids, endpoints, protocols and scopes (docs/protocol.md sections 1–3).
//!
//! A [`Cloud`] holds the Microsoft hosts of one national cloud: the login host, the Outlook
//! resource that delegated scopes are minted for, the app-only `.default` scope and the mail
//! servers. Every field is public, so each can be overridden. [`Endpoints`] are the OAuth endpoint
//! URLs one flow talks to: derived from a cloud and a [`Tenant`], or given one by one for any
//! OAuth 2.0 authorization server (a local test server over `http://127.0.0.1` included; plain
//! `http` is refused for every other host).
//!
//! Cells marked *unconfirmed* or *seen* in docs/protocol.md are marked so below: they come from public
//! reports, not Microsoft's documents. Override them if your tenant differs.

use crate::error::{Error, Result};
use crate::weburl::{Host, Url};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The app id of the "Office 365 Exchange Online" resource: `aud` of app-only tokens may be it.
pub const EXCHANGE_ONLINE_APP_ID: &str = "00000002-0000-0ff1-ce00-000000000000";
/// The app id of Microsoft Graph: a token for it is the typical wrong audience for IMAP.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The Microsoft Graph resource URL.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
/// SMTP host for personal Microsoft accounts (Outlook.com, Hotmail; tenant `consumers`).
pub const CONSUMER_SMTP_HOST: &str = "smtp-mail.outlook.com";
/// SMTP host of Exchange Online High Volume Email (HVE): internal recipients only
/// (docs/protocol.md section 12). The older `smtp-hve.office365.com` is to be retired.
pub const HVE_SMTP_HOST: &str = "smtp.hve.mx.microsoft";
/// The tenant id of personal Microsoft accounts (the `consumers` tenant): the `tid` of their
/// tokens and id tokens.
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Whether a tenant id is the one of personal Microsoft accounts ([`CONSUMERS_TENANT_ID`],
/// compared case-insensitively, surrounding spaces ignored).
pub fn is_personal_tenant_id(tid: &str) -> bool {
    tid.trim().eq_ignore_ascii_case(CONSUMERS_TENANT_ID)
}

/// A mail protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// IMAP (RFC 9051).
    Imap,
    /// POP3 (RFC 1939, RFC 5034).
    Pop,
    /// SMTP submission (RFC 6409, RFC 4954).
    Smtp,
}

impl Protocol {
    /// All three, in a fixed order.
    pub const ALL: [Protocol; 3] = [Protocol::Imap, Protocol::Pop, Protocol::Smtp];

    /// `imap`, `pop` or `smtp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Imap => "imap",
            Protocol::Pop => "pop",
            Protocol::Smtp => "smtp",
        }
    }

    /// The delegated permission (scope suffix) on the Outlook resource.
    pub fn delegated_permission(self) -> &'static str {
        match self {
            Protocol::Imap => "IMAP.AccessAsUser.All",
            Protocol::Pop => "POP.AccessAsUser.All",
            Protocol::Smtp => "SMTP.Send",
        }
    }

    /// The application permission (app role) of "Office 365 Exchange Online".
    pub fn app_permission(self) -> &'static str {
        match self {
            Protocol::Imap => "IMAP.AccessAsApp",
            Protocol::Pop => "POP.AccessAsApp",
            Protocol::Smtp => "SMTP.SendAsApp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "imap" => Ok(Protocol::Imap),
            "pop" | "pop3" => Ok(Protocol::Pop),
            "smtp" | "submission" => Ok(Protocol::Smtp),
            _ => Err(Error::invalid_input(format!(
                "unknown protocol {s} (expected imap, pop or smtp)",
                s = crate::error::quoted(s)
            ))),
        }
    }
}

/// Who the token acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "lowercase")]
pub enum Grant {
    /// A user signed in (auth code, device code, refresh): scopes `*.AccessAsUser.All`/`SMTP.Send`.
    Delegated,
    /// App-only (client credentials): roles `*.AccessAsApp`/`SMTP.SendAsApp`, scope `.default`.
    App,
}

impl Grant {
    /// `delegated` or `app`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::Delegated => "delegated",
            Grant::App => "app",
        }
    }
}

impl FromStr for Grant {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "delegated" | "user" => Ok(Grant::Delegated),
            "app" | "app-only" | "application" => Ok(Grant::App),
            _ => Err(Error::invalid_input(format!(
                "unknown grant kind {s} (expected delegated or app)",
                s = crate::error::quoted(s)
            ))),
        }
    }
}

/// The presets: the national clouds, and two presets of the worldwide cloud for personal accounts
/// (`consumers`) and High Volume Email (`hve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CloudId {
    /// Worldwide (`global`).
    #[serde(rename = "global")]
    Global,
    /// US Government GCC High (`usgov`).
    #[serde(rename = "usgov")]
    UsGov,
    /// US Government DoD (`usgov-dod`).
    #[serde(rename = "usgov-dod")]
    UsGovDod,
    /// China, operated by 21Vianet (`china`).
    #[serde(rename = "china")]
    China,
    /// Personal Microsoft accounts (Outlook.com, Hotmail: `consumers`): the worldwide hosts with
    /// SMTP at `smtp-mail.outlook.com`, tenant `consumers`, delegated scopes only (no app-only
    /// access, no `.default`).
    #[serde(rename = "consumers")]
    Consumers,
    /// Exchange Online High Volume Email (`hve`): the worldwide cloud with SMTP at
    /// `smtp.hve.mx.microsoft`.
    #[serde(rename = "hve")]
    Hve,
}

impl CloudId {
    /// All presets.
    pub const ALL: [CloudId; 6] = [
        CloudId::Global,
        CloudId::UsGov,
        CloudId::UsGovDod,
        CloudId::China,
        CloudId::Consumers,
        CloudId::Hve,
    ];

    /// The id as written in configuration and vectors.
    pub fn as_str(self) -> &'static str {
        match self {
            CloudId::Global => "global",
            CloudId::UsGov => "usgov",
            CloudId::UsGovDod => "usgov-dod",
            CloudId::China => "china",
            CloudId::Consumers => "consumers",
            CloudId::Hve => "hve",
        }
    }

    /// Whether the preset is for personal Microsoft accounts (`consumers`).
    pub fn is_personal(self) -> bool {
        self == CloudId::Consumers
    }

    /// The tenant a preset implies, when it implies one (`consumers` for personal accounts).
    pub fn implied_tenant(self) -> Option<Tenant> {
        match self {
            CloudId::Consumers => Some(Tenant::Consumers),
            _ => None,
        }
    }
}

impl fmt::Display for CloudId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CloudId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "global" | "public" | "worldwide" => Ok(CloudId::Global),
            "usgov" | "gcchigh" | "gcc-high" => Ok(CloudId::UsGov),
            "usgov-dod" | "dod" => Ok(CloudId::UsGovDod),
            "china" | "21vianet" => Ok(CloudId::China),
            "consumers" | "personal" | "outlook.com" => Ok(CloudId::Consumers),
            "hve" => Ok(CloudId::Hve),
            _ => Err(Error::invalid_input(format!(
                "unknown cloud {s} (expected global, usgov, usgov-dod, china, consumers or hve)",
                s = crate::error::quoted(s)
            ))),
        }
    }
}

/// The hosts of one cloud. Every field may be overridden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Cloud {
    /// The preset this came from.
    pub id: CloudId,
    /// Login base URL, e.g. `https://login.microsoftonline.com` (no trailing slash).
    pub login_base: String,
    /// Resource that delegated scopes are minted for, e.g. `https://outlook.office.com`.
    pub outlook_resource: String,
    /// Resource of app-only tokens, e.g. `https://outlook.office365.com`.
    pub app_resource: String,
    /// IMAP host (port 993, implicit TLS).
    pub imap_host: String,
    /// POP3 host (port 995, implicit TLS).
    pub pop_host: String,
    /// SMTP submission host (port 587, STARTTLS).
    pub smtp_host: String,
}

impl Cloud {
    /// The preset hosts of a cloud (docs/protocol.md section 1).
    pub fn preset(id: CloudId) -> Cloud {
        let (login, outlook, app, imap, smtp) = match id {
            CloudId::Consumers => (
                "https://login.microsoftonline.com",
                "https://outlook.office.com",
                "https://outlook.office365.com",
                "outlook.office365.com",
                CONSUMER_SMTP_HOST,
            ),
            CloudId::Hve => (
                "https://login.microsoftonline.com",
                "https://outlook.office.com",
                "https://outlook.office365.com",
                "outlook.office365.com",
                HVE_SMTP_HOST,
            ),
            CloudId::Global => (
                "https://login.microsoftonline.com",
                "https://outlook.office.com",
                "https://outlook.office365.com",
                "outlook.office365.com",
                "smtp.office365.com",
            ),
            // GCC High; the SMTP host is "seen", not documented.
            CloudId::UsGov => (
                "https://login.microsoftonline.us",
                "https://outlook.office365.us",
                "https://outlook.office365.us",
                "outlook.office365.us",
                "smtp.office365.us",
            ),
            // DoD; the Outlook resource and app-only scope are unconfirmed.
            CloudId::UsGovDod => (
                "https://login.microsoftonline.us",
                "https://outlook-dod.office365.us",
                "https://outlook-dod.office365.us",
                "outlook-dod.office365.us",
                "outlook-dod.office365.us",
            ),
            // 21Vianet; resource, scope and IMAP host are "seen", SMTP host unconfirmed.
            // The deprecated login.chinacloudapi.cn is never emitted.
            CloudId::China => (
                "https://login.partner.microsoftonline.cn",
                "https://partner.outlook.cn",
                "https://partner.outlook.cn",
                "partner.outlook.cn",
                "partner.outlook.cn",
            ),
        };
        Cloud {
            id,
            login_base: login.to_owned(),
            outlook_resource: outlook.to_owned(),
            app_resource: app.to_owned(),
            imap_host: imap.to_owned(),
            pop_host: imap.to_owned(),
            smtp_host: smtp.to_owned(),
        }
    }

    /// The worldwide cloud.
    pub fn global() -> Cloud {
        Cloud::preset(CloudId::Global)
    }

    /// Parses a cloud id (`global`, `usgov`, `usgov-dod`, `china`) into its preset.
    pub fn from_name(name: &str) -> Result<Cloud> {
        Ok(Cloud::preset(name.parse()?))
    }

    /// The delegated scope of a protocol, e.g. `https://outlook.office.com/IMAP.AccessAsUser.All`.
    pub fn delegated_scope(&self, protocol: Protocol) -> String {
        format!(
            "{}/{}",
            self.outlook_resource,
            protocol.delegated_permission()
        )
    }

    /// Delegated scopes for protocols, plus `offline_access` when a refresh token is wanted.
    pub fn delegated_scopes(&self, protocols: &[Protocol], offline_access: bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in protocols {
            let s = self.delegated_scope(*p);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        if offline_access {
            out.push("offline_access".to_owned());
        }
        out
    }

    /// The app-only scope, e.g. `https://outlook.office365.com/.default` (client credentials; no
    /// refresh token is ever issued for it).
    pub fn app_only_scope(&self) -> String {
        format!("{}/.default", self.app_resource)
    }

    /// The scopes for a grant: delegated scopes with `offline_access`, or the app-only `.default`.
    pub fn scopes_for(&self, grant: Grant, protocols: &[Protocol]) -> Vec<String> {
        match grant {
            Grant::Delegated => self.delegated_scopes(protocols, true),
            Grant::App => vec![self.app_only_scope()],
        }
    }

    /// Host and port of a protocol's server: IMAP 993 and POP 995 with implicit TLS, SMTP 587 with
    /// STARTTLS.
    pub fn mail_server(&self, protocol: Protocol) -> (String, u16) {
        match protocol {
            Protocol::Imap => (self.imap_host.clone(), 993),
            Protocol::Pop => (self.pop_host.clone(), 995),
            Protocol::Smtp => (self.smtp_host.clone(), 587),
        }
    }

    /// The audiences an Exchange access token of this cloud may carry (for the token lint).
    pub fn exchange_audiences(&self) -> Vec<String> {
        let mut out = vec![self.outlook_resource.clone(), self.app_resource.clone()];
        out.push(EXCHANGE_ONLINE_APP_ID.to_owned());
        out.dedup();
        out
    }
}

impl Default for Cloud {
    fn default() -> Self {
        Cloud::global()
    }
}

/// An Entra tenant: who the sign-in is for (docs/protocol.md section 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Tenant {
    /// A tenant id (GUID, lowercased).
    Id(String),
    /// A verified domain (`contoso.onmicrosoft.com`, `contoso.com`), lowercased.
    Domain(String),
    /// Work or school accounts of any tenant.
    Organizations,
    /// Any account, work, school or personal.
    Common,
    /// Personal Microsoft accounts only (Outlook.com).
    Consumers,
}

impl Tenant {
    /// Parses and validates a tenant. Anything but a GUID, a domain name or one of the three
    /// keywords (slashes, spaces, `..`, empty) is [`Error::InvalidTenant`].
    pub fn parse(s: &str) -> Result<Tenant> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "organizations" => return Ok(Tenant::Organizations),
            "common" => return Ok(Tenant::Common),
            "consumers" => return Ok(Tenant::Consumers),
            _ => {}
        }
        if is_guid(&lower) {
            return Ok(Tenant::Id(lower));
        }
        if is_domain(&lower) {
            return Ok(Tenant::Domain(lower));
        }
        Err(Error::InvalidTenant(format!(
            "{s} is not a tenant id (GUID), a domain such as contoso.onmicrosoft.com, or organizations/common/consumers",
            s = crate::error::quoted(s)
        )))
    }

    /// The path segment: the GUID, the domain or the keyword.
    pub fn as_str(&self) -> &str {
        match self {
            Tenant::Id(s) | Tenant::Domain(s) => s,
            Tenant::Organizations => "organizations",
            Tenant::Common => "common",
            Tenant::Consumers => "consumers",
        }
    }

    /// Whether the client-credentials grant can be used with it: only with a tenant id or a
    /// verified domain. See [`Tenant::check_client_credentials`] for why not the keywords.
    pub fn allows_client_credentials(&self) -> bool {
        self.is_specific()
    }

    /// Refuses the keywords for client credentials (app-only), with the reason, as
    /// [`Error::InvalidTenant`]:
    ///
    /// - `organizations`: Entra resolves it to a guessed tenant (usually the app's home tenant),
    ///   so a multi-tenant app gets a token for the wrong tenant and every login fails;
    /// - `common` and `consumers`: Entra refuses the grant there (AADSTS9001023), and personal
    ///   accounts have no app-only access at all.
    pub fn check_client_credentials(&self) -> Result<()> {
        let why = match self {
            Tenant::Id(_) | Tenant::Domain(_) => return Ok(()),
            Tenant::Organizations => "Entra resolves organizations to a guessed tenant (usually the app's home tenant), so a multi-tenant app would get a token for the wrong tenant",
            Tenant::Common => "Entra refuses the client-credentials grant on common (AADSTS9001023)",
            Tenant::Consumers => "personal Microsoft accounts have no app-only access, and Entra refuses the client-credentials grant on consumers (AADSTS9001023)",
        };
        Err(Error::InvalidTenant(format!(
            "client credentials (app-only) need the tenant id (GUID) or a verified domain of the tenant whose mailboxes the app opens, not {}: {why}",
            self.as_str()
        )))
    }

    /// Whether this names one tenant (a GUID or a domain) rather than a keyword.
    pub fn is_specific(&self) -> bool {
        matches!(self, Tenant::Id(_) | Tenant::Domain(_))
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tenant {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Tenant::parse(s)
    }
}

impl TryFrom<String> for Tenant {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Tenant::parse(&s)
    }
}

impl From<Tenant> for String {
    fn from(t: Tenant) -> String {
        t.as_str().to_owned()
    }
}

/// Whether a text is a GUID in the `8-4-4-4-12` hex form (either case, no braces).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_domain(s: &str) -> bool {
    if s.len() > 253 || !s.contains('.') {
        return false;
    }
    s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-')
    }) && s
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().any(|c| c.is_ascii_alphabetic()))
}

/// Validates an application (client) id: it must be a GUID. Returns it lowercased
/// ([`ClientId::entra`](crate::ClientId::entra)).
pub fn validate_client_id(s: &str) -> Result<String> {
    crate::ClientId::entra(s).map(crate::ClientId::into_string)
}

/// Checks an endpoint URL: absolute (strict ASCII URL syntax, after trimming surrounding white
/// space), `https`, or `http` only on a loopback host (`127.0.0.0/8`, `[::1]`, `localhost`) for
/// local test servers. No fragment, no user info. Returns the URL in its serialized form (scheme
/// and host lower-cased, default port removed, empty path as `/`), the same text as the WHATWG
/// URL standard gives.
///
/// ```
/// use mailoauth::cloud::validate_endpoint_url;
///
/// let u = validate_endpoint_url("HTTPS://Login.Example:443/t/token").unwrap();
/// assert_eq!(u, "https://login.example/t/token");
/// assert!(validate_endpoint_url("http://127.0.0.1:9/token").is_ok());
/// assert!(validate_endpoint_url("http://example.com/token").is_err());
/// ```
pub fn validate_endpoint_url(s: &str) -> Result<String> {
    endpoint_url(s).map(Url::into_string)
}

/// [`validate_endpoint_url`], keeping the parsed URL.
pub(crate) fn endpoint_url(s: &str) -> Result<Url> {
    let u = Url::parse_detail(s.trim()).map_err(|why| {
        Error::invalid_input(format!(
            "endpoint {s} is not an absolute URL: {why}",
            s = crate::error::quoted(s)
        ))
    })?;
    if u.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "endpoint {s} must not have a #fragment",
            s = crate::error::quoted(s)
        )));
    }
    if u.has_userinfo() {
        return Err(Error::invalid_input(format!(
            "endpoint {s} must not carry user info",
            s = crate::error::quoted(s)
        )));
    }
    match u.scheme() {
        "https" => Ok(u),
        "http" if is_loopback(&u) => Ok(u),
        "http" => Err(Error::invalid_input(format!(
            "endpoint {s} uses plain http: only https is allowed, except on loopback (127.0.0.1, [::1], localhost) for local tests",
            s = crate::error::quoted(s)
        ))),
        other => Err(Error::invalid_input(format!("endpoint {s} has unsupported scheme {other}", s = crate::error::quoted(s), other = crate::error::quoted(other)))),
    }
}

/// Whether a URL's host is a loopback address (`127.0.0.0/8`, `[::1]`) or `localhost`.
pub(crate) fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The tenant segment of a URL on a Microsoft login host of any cloud, as written:
/// `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token` gives `<tenant>`. `None` for
/// another host, an empty first segment or a text that is not a URL.
///
/// ```
/// use mailoauth::cloud::microsoft_tenant;
/// assert_eq!(
///     microsoft_tenant("https://login.microsoftonline.com/organizations/oauth2/v2.0/token").as_deref(),
///     Some("organizations")
/// );
/// assert_eq!(microsoft_tenant("https://auth.example.com/organizations/token"), None);
/// ```
pub fn microsoft_tenant(url: &str) -> Option<String> {
    Url::parse(url.trim())
        .ok()
        .and_then(|u| microsoft_tenant_segment(&u))
}

/// [`microsoft_tenant`] of a parsed URL.
pub(crate) fn microsoft_tenant_segment(u: &Url) -> Option<String> {
    let host = u.host_str()?;
    let microsoft = CloudId::ALL.iter().any(|id| {
        Url::parse(&Cloud::preset(*id).login_base)
            .ok()
            .and_then(|b| b.host_str().map(|h| h.eq_ignore_ascii_case(host)))
            .unwrap_or(false)
    }) || host.eq_ignore_ascii_case("login.chinacloudapi.cn")
        || host.eq_ignore_ascii_case("login.windows.net")
        || host.eq_ignore_ascii_case("login.microsoft.com");
    if !microsoft {
        return None;
    }
    u.path_segments()?
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The OAuth endpoints one flow talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Endpoints {
    /// The authorization endpoint (browser sign-in).
    pub authorize_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The device authorization endpoint (RFC 8628).
    pub device_authorization_url: String,
    /// The issuer to expect in an `iss` redirect parameter (RFC 9207), when known.
    pub issuer: Option<String>,
}

impl Endpoints {
    /// Microsoft identity platform v2.0 endpoints for a cloud and tenant:
    /// `{login}/{tenant}/oauth2/v2.0/authorize`, `.../token`, `.../devicecode`.
    pub fn microsoft(cloud: &Cloud, tenant: &Tenant) -> Endpoints {
        let base = format!(
            "{}/{}",
            cloud.login_base.trim_end_matches('/'),
            tenant.as_str()
        );
        Endpoints {
            authorize_url: format!("{base}/oauth2/v2.0/authorize"),
            token_url: format!("{base}/oauth2/v2.0/token"),
            device_authorization_url: format!("{base}/oauth2/v2.0/devicecode"),
            issuer: match tenant {
                Tenant::Id(id) => Some(format!(
                    "{}/{id}/v2.0",
                    cloud.login_base.trim_end_matches('/')
                )),
                _ => None,
            },
        }
    }

    /// Endpoints of any OAuth 2.0 authorization server, each validated with
    /// [`validate_endpoint_url`]. Pass an empty device URL when the server has none.
    pub fn custom(
        authorize_url: &str,
        token_url: &str,
        device_authorization_url: &str,
    ) -> Result<Endpoints> {
        let check = |s: &str| -> Result<String> {
            if s.is_empty() {
                Ok(String::new())
            } else {
                validate_endpoint_url(s)
            }
        };
        let token = check(token_url)?;
        if token.is_empty() {
            return Err(Error::invalid_input("the token endpoint URL is required"));
        }
        Ok(Endpoints {
            authorize_url: check(authorize_url)?,
            token_url: token,
            device_authorization_url: check(device_authorization_url)?,
            issuer: None,
        })
    }

    /// Checks every non-empty URL with [`validate_endpoint_url`] (after fields were overridden).
    pub fn validate(&self) -> Result<()> {
        for u in [
            &self.authorize_url,
            &self.token_url,
            &self.device_authorization_url,
        ] {
            if !u.is_empty() {
                validate_endpoint_url(u)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (fuzz target `local_input`): a non-ASCII host with upper-case ASCII after the
    /// first non-ASCII character panicked inside the ASCII-only IDNA back end in debug builds.
    #[test]
    fn non_ascii_hosts_fail_without_panicking() {
        for s in [
            "http://YC\u{fffd}(.C\u{fffd}-(",
            "https://\u{e9}.C/",
            "https://a\u{e9}B.example/token",
            "HTTPS://\u{e9}XAMPLE.COM",
            "http:\u{e9}.C",
            "\nhttp:A%dd\0\0\0\0\0\0\0\x12",
            "https://%C3%A9%41.example/",
            "https://%c3%a9.Example/",
        ] {
            assert!(Url::parse(s).is_err(), "{s:?}");
            assert_eq!(
                validate_endpoint_url(s).unwrap_err().code(),
                "invalid_input",
                "{s:?}"
            );
        }
    }

    #[test]
    fn endpoints_https_or_loopback_http() {
        for (input, want) in [
            ("https://Login.Example", "https://login.example/"),
            ("  https://x:443/t?a=1  ", "https://x/t?a=1"),
            ("http://127.0.0.1:9/token", "http://127.0.0.1:9/token"),
            ("http://127.255.0.1/", "http://127.255.0.1/"),
            ("http://[::1]:8080/t", "http://[::1]:8080/t"),
            ("http://LocalHost/t", "http://localhost/t"),
        ] {
            assert_eq!(validate_endpoint_url(input).unwrap().as_str(), want);
        }
        for bad in [
            "http://example.com/token",
            "http://[::2]/",
            "http://128.0.0.1/",
            "http://localhost.example/",
            // The WHATWG parser read these as 127.0.0.1; refused now.
            "http://127.1/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "https://x/a/../token",
            "https:x/token",
            "https://x/to ken",
            "https://u@x/",
            "https://x/#f",
            "ftp://x/token",
            "msauth.com.contoso.app://auth",
        ] {
            assert_eq!(
                validate_endpoint_url(bad).unwrap_err().code(),
                "invalid_input",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn non_ascii_outside_the_host_keeps_its_case() {
        let u = Url::parse("https://Login.Example/T\u{e9}nant/token?State=\u{c9}A").unwrap();
        assert_eq!(u.host_str(), Some("login.example"));
        assert_eq!(u.path(), "/T%C3%A9nant/token");
        assert_eq!(u.query(), Some("State=%C3%89A"));
        // Changed with the own URL parser: internationalised (xn--) host labels are refused (the
        // WHATWG parser checked their Punycode; this one does not decode it). It was accepted
        // as `xn--bcher-kva.example`.
        assert_eq!(
            validate_endpoint_url("https://XN--bcher-kva.example/")
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn presets() {
        let g = Cloud::global();
        assert_eq!(
            g.delegated_scope(Protocol::Imap),
            "https://outlook.office.com/IMAP.AccessAsUser.All"
        );
        assert_eq!(g.app_only_scope(), "https://outlook.office365.com/.default");
        assert_eq!(
            g.mail_server(Protocol::Smtp),
            ("smtp.office365.com".to_owned(), 587)
        );
        let us = Cloud::from_name("usgov").unwrap();
        assert_eq!(us.login_base, "https://login.microsoftonline.us");
        assert_eq!(us.app_only_scope(), "https://outlook.office365.us/.default");
        let cn = Cloud::preset(CloudId::China);
        assert_eq!(cn.login_base, "https://login.partner.microsoftonline.cn");
        assert_eq!(
            Cloud::from_name("mars").unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(
            g.delegated_scopes(&[Protocol::Imap, Protocol::Smtp, Protocol::Imap], true),
            vec![
                "https://outlook.office.com/IMAP.AccessAsUser.All".to_owned(),
                "https://outlook.office.com/SMTP.Send".to_owned(),
                "offline_access".to_owned()
            ]
        );
    }

    #[test]
    fn tenants() {
        assert_eq!(
            Tenant::parse("11111111-2222-3333-4444-55555555555A").unwrap(),
            Tenant::Id("11111111-2222-3333-4444-55555555555a".into())
        );
        assert_eq!(
            Tenant::parse("Contoso.onmicrosoft.com").unwrap(),
            Tenant::Domain("contoso.onmicrosoft.com".into())
        );
        assert_eq!(Tenant::parse("common").unwrap(), Tenant::Common);
        for bad in [
            "",
            " ",
            "a/b",
            "con toso.com",
            "contoso..com",
            "contoso",
            "-a.com",
            "a.com/../x",
            "1.2.3.4",
            "x?y.com",
        ] {
            assert_eq!(
                Tenant::parse(bad).unwrap_err().code(),
                "invalid_tenant",
                "{bad:?}"
            );
        }
        for keyword in [Tenant::Common, Tenant::Organizations, Tenant::Consumers] {
            assert!(!keyword.allows_client_credentials());
            let e = keyword.check_client_credentials().unwrap_err();
            assert_eq!(e.code(), "invalid_tenant");
            assert!(e.to_string().contains(keyword.as_str()), "{e}");
        }
        assert!(Tenant::Organizations
            .check_client_credentials()
            .unwrap_err()
            .to_string()
            .contains("guessed tenant"));
        assert!(Tenant::Common
            .check_client_credentials()
            .unwrap_err()
            .to_string()
            .contains("AADSTS9001023"));
        for specific in [
            "contoso.onmicrosoft.com",
            "11111111-2222-3333-4444-555555555555",
        ] {
            let t = Tenant::parse(specific).unwrap();
            assert!(t.allows_client_credentials());
            assert!(t.check_client_credentials().is_ok());
        }
    }

    #[test]
    fn client_ids() {
        assert!(validate_client_id("9e5f94bc-e8a4-4e73-b8be-63364c29d753").is_ok());
        assert_eq!(
            validate_client_id("thunderbird").unwrap_err().code(),
            "invalid_client_id"
        );
        assert_eq!(
            validate_client_id("9e5f94bc-e8a4-4e73-b8be-63364c29d75")
                .unwrap_err()
                .code(),
            "invalid_client_id"
        );
    }

    #[test]
    fn endpoint_urls() {
        let e = Endpoints::microsoft(&Cloud::global(), &Tenant::Organizations);
        assert_eq!(
            e.token_url,
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        );
        assert_eq!(
            e.device_authorization_url,
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode"
        );
        assert!(Endpoints::custom(
            "http://127.0.0.1:3000/auth",
            "http://127.0.0.1:3000/token",
            ""
        )
        .is_ok());
        assert!(Endpoints::custom("", "http://localhost:3000/token", "").is_ok());
        assert!(Endpoints::custom("", "http://[::1]:3000/token", "").is_ok());
        assert_eq!(
            Endpoints::custom("", "http://example.com/token", "")
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        assert_eq!(
            Endpoints::custom("", "ftp://x/token", "")
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        assert_eq!(
            Endpoints::custom("", "https://u:p@x/token", "")
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        assert_eq!(
            Endpoints::custom("", "", "").unwrap_err().code(),
            "invalid_input"
        );
    }
}
