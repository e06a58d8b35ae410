//! `mailoauth::cloud` and `mailoauth::apps`: `Cloud`, `Tenant`, `Endpoints`, client-id checks,
//! well-known apps.

use crate::apps;
use crate::cloud::{
    self as core_cloud, Cloud as CoreCloud, Endpoints as CoreEndpoints, Tenant as CoreTenant,
};
use crate::uniffi_api::errors::{IntoFfi, Result};
use crate::uniffi_api::types::{CloudId, Grant, Protocol};

// `Cloud` and `Endpoints` are the core's own records (derived behind the feature).
pub use crate::cloud::{Cloud, Endpoints};

/// A mail server's address.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MailServer {
    /// The host name.
    pub host: String,
    /// The TLS port (993, 995, 587).
    pub port: u16,
}

// The core's `Cloud` has methods of these names for Rust callers (taking slices); the exported
// ones are private Rust methods under the same foreign names.
#[uniffi::export]
impl Cloud {
    /// The delegated scope of one protocol (`https://outlook.office.com/IMAP.AccessAsUser.All`).
    #[uniffi::method(name = "delegated_scope")]
    pub(crate) fn ffi_delegated_scope(&self, protocol: Protocol) -> String {
        self.delegated_scope(protocol)
    }

    /// Delegated scopes for protocols, plus `offline_access` when asked.
    #[uniffi::method(name = "delegated_scopes")]
    pub(crate) fn ffi_delegated_scopes(
        &self,
        protocols: Vec<Protocol>,
        offline_access: bool,
    ) -> Vec<String> {
        self.delegated_scopes(&protocols, offline_access)
    }

    /// The app-only scope (`https://outlook.office365.com/.default`).
    #[uniffi::method(name = "app_only_scope")]
    pub(crate) fn ffi_app_only_scope(&self) -> String {
        self.app_only_scope()
    }

    /// The scopes to request for a grant and protocols.
    #[uniffi::method(name = "scopes_for")]
    pub(crate) fn ffi_scopes_for(&self, grant: Grant, protocols: Vec<Protocol>) -> Vec<String> {
        self.scopes_for(grant, &protocols)
    }

    /// The mail server of a protocol.
    #[uniffi::method(name = "mail_server")]
    pub(crate) fn ffi_mail_server(&self, protocol: Protocol) -> MailServer {
        let (host, port) = self.mail_server(protocol);
        MailServer { host, port }
    }

    /// The `aud` values an Exchange Online token may carry in this cloud.
    #[uniffi::method(name = "exchange_audiences")]
    pub(crate) fn ffi_exchange_audiences(&self) -> Vec<String> {
        self.exchange_audiences()
    }
}

/// The hosts of a preset cloud.
#[uniffi::export]
pub fn cloud_preset(id: CloudId) -> Cloud {
    CoreCloud::preset(id)
}

/// A preset cloud by name (`global`, `usgov`, `usgov-dod`, `china`, `consumers`, `hve`).
#[uniffi::export]
pub fn cloud_from_name(name: String) -> Result<Cloud> {
    CoreCloud::from_name(&name).ffi()
}

/// Every preset.
#[uniffi::export]
pub fn cloud_presets() -> Vec<CloudId> {
    core_cloud::CloudId::ALL.to_vec()
}

/// What a tenant string names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TenantKind {
    /// A directory (tenant) id, a GUID.
    Id,
    /// A verified domain (`contoso.com`).
    Domain,
    /// `organizations`: any work or school account.
    Organizations,
    /// `common`: work, school or personal accounts.
    Common,
    /// `consumers`: personal Microsoft accounts.
    Consumers,
}

/// A parsed tenant.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Tenant {
    /// What it names.
    pub kind: TenantKind,
    /// The normalised tenant as it goes into URLs.
    pub value: String,
    /// Whether client credentials (app-only) may use it: only a tenant id or a verified domain,
    /// not `organizations`, `common` or `consumers` (see `check_client_credentials_tenant`).
    pub allows_client_credentials: bool,
    /// Whether it names one tenant (a GUID or a domain).
    pub is_specific: bool,
}

impl From<&CoreTenant> for Tenant {
    fn from(t: &CoreTenant) -> Self {
        Tenant {
            kind: match t {
                CoreTenant::Id(_) => TenantKind::Id,
                CoreTenant::Domain(_) => TenantKind::Domain,
                CoreTenant::Organizations => TenantKind::Organizations,
                CoreTenant::Common => TenantKind::Common,
                CoreTenant::Consumers => TenantKind::Consumers,
            },
            value: t.as_str().to_owned(),
            allows_client_credentials: t.allows_client_credentials(),
            is_specific: t.is_specific(),
        }
    }
}

/// Parses a tenant (GUID, domain, `organizations`, `common`, `consumers`); fails with
/// `invalid_tenant`.
#[uniffi::export]
pub fn parse_tenant(value: String) -> Result<Tenant> {
    CoreTenant::parse(&value).ffi().map(|t| Tenant::from(&t))
}

/// Parses a tenant for client credentials (app-only): a tenant id or a verified domain. Fails
/// with `invalid_tenant` saying why for `organizations` (Entra would pick a guessed tenant,
/// usually the app's home tenant), `common` and `consumers` (AADSTS9001023; personal accounts
/// have no app-only access), and for anything that is not a tenant.
#[uniffi::export]
pub fn check_client_credentials_tenant(value: String) -> Result<Tenant> {
    let t = CoreTenant::parse(&value).ffi()?;
    t.check_client_credentials().ffi()?;
    Ok(Tenant::from(&t))
}

/// Whether a tenant id (a token's `tid`) is the one of personal Microsoft accounts
/// (`9188040d-6c67-4c5b-b112-36a304b66dad`; case and surrounding spaces ignored).
#[uniffi::export]
pub fn is_personal_tenant_id(tid: String) -> bool {
    core_cloud::is_personal_tenant_id(&tid)
}

/// Checks an application (client) id (a GUID) and returns it lower-cased; fails with
/// `invalid_client_id`.
#[uniffi::export]
pub fn validate_client_id(client_id: String) -> Result<String> {
    core_cloud::validate_client_id(&client_id).ffi()
}

/// The Microsoft endpoints of a tenant in a cloud.
#[uniffi::export]
pub fn endpoints_microsoft(cloud: Cloud, tenant: String) -> Result<Endpoints> {
    let tenant = CoreTenant::parse(&tenant).ffi()?;
    Ok(CoreEndpoints::microsoft(&cloud, &tenant))
}

/// Endpoints of any OAuth 2.0 server (`https`, or `http` on loopback only); the token URL is
/// required, the others may be empty.
#[uniffi::export(default(authorize_url = "", device_authorization_url = "", issuer = None))]
pub fn endpoints_custom(
    token_url: String,
    authorize_url: String,
    device_authorization_url: String,
    issuer: Option<String>,
) -> Result<Endpoints> {
    let mut e =
        CoreEndpoints::custom(&authorize_url, &token_url, &device_authorization_url).ffi()?;
    e.issuer = issuer;
    Ok(e)
}

/// A well-known public client application.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WellKnownApp {
    /// Short name (`thunderbird`).
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// The application (client) id.
    pub client_id: String,
    /// Its registered redirect URI, when it has a fixed one.
    pub redirect_uri: Option<String>,
    /// Whether the id is retired.
    pub retired: bool,
    /// The short name of the app that replaces a retired one.
    pub replaced_by: Option<String>,
    /// A note for admins.
    pub note: String,
}

fn app(a: &apps::WellKnownApp) -> WellKnownApp {
    WellKnownApp {
        name: a.name.to_owned(),
        display_name: a.display_name.to_owned(),
        client_id: a.client_id.to_owned(),
        redirect_uri: a.redirect_uri.map(str::to_owned),
        retired: a.retired,
        replaced_by: a.replaced_by.map(str::to_owned),
        note: a.note.to_owned(),
    }
}

/// Every well-known public client.
#[uniffi::export]
pub fn well_known_apps() -> Vec<WellKnownApp> {
    apps::WELL_KNOWN_APPS.iter().map(app).collect()
}

/// A well-known app by short name (`thunderbird`) or client id.
#[uniffi::export]
pub fn lookup_app(name_or_client_id: String) -> Option<WellKnownApp> {
    apps::lookup(&name_or_client_id).map(app)
}

/// For a retired client id: the app that replaces it.
#[uniffi::export]
pub fn replacement_for(client_id: String) -> Option<WellKnownApp> {
    apps::replacement_for(&client_id).map(app)
}
