//! Admin consent: the URL an administrator opens to grant an app's permissions for the whole
//! tenant, and the parsing of the redirect that comes back (PROTOCOL.md section 3).
//!
//! Two forms are built:
//! - [`ConsentVariant::V2`]: `https://{login}/{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state`
//!   (Microsoft identity platform "admin consent" endpoint; note `/v2.0/adminconsent`, not
//!   `/oauth2/v2.0/adminconsent`). `common` and `consumers` are refused (Microsoft says not to use
//!   them here); `organizations` is allowed.
//! - [`ConsentVariant::Legacy`]: the older articles' `https://{login}/{tenant}/oauth2/authorize?client_id&response_type=code&prompt=admin_consent`.
//!
//! For app-only IMAP/POP the consent scope is `https://ps.outlook.com/.default`; for SMTP it is
//! `https://outlook.office365.com/.default` ([`admin_consent_scope`]).

use crate::cloud::{validate_client_id, Cloud, CloudId, Protocol, Tenant};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Which admin-consent URL to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
            _ => Err(Error::invalid_input(format!("unknown consent variant {s:?} (expected v2 or legacy)"))),
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
    let wants_mailbox = protocols.is_empty() || protocols.iter().any(|p| matches!(p, Protocol::Imap | Protocol::Pop));
    if wants_mailbox {
        scopes.push(match cloud.id {
            CloudId::Global => "https://ps.outlook.com/.default".to_owned(),
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
/// (a redirect URI that is not an absolute URL, an empty scope).
pub fn build_admin_consent_url(req: &AdminConsentRequest) -> Result<String> {
    let tenant = Tenant::parse(&req.tenant)?;
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
    if let Some(r) = &req.redirect_uri {
        url::Url::parse(r).map_err(|e| {
            Error::invalid_input(format!("redirect_uri {r:?} is not an absolute URL: {e}"))
        })?;
    }
    let base = format!("{}/{}", req.cloud.login_base.trim_end_matches('/'), tenant.as_str());
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    match req.variant {
        ConsentVariant::V2 => {
            let scope = match &req.scope {
                Some(s) if s.trim().is_empty() => return Err(Error::invalid_input("scope is empty")),
                Some(s) => s.trim().to_owned(),
                None => admin_consent_scope(&req.cloud, &[Protocol::Imap, Protocol::Pop]),
            };
            ser.append_pair("client_id", &client_id);
            ser.append_pair("scope", &scope);
            if let Some(r) = &req.redirect_uri {
                ser.append_pair("redirect_uri", r);
            }
            if let Some(s) = &req.state {
                ser.append_pair("state", s);
            }
            Ok(format!("{base}/v2.0/adminconsent?{}", ser.finish()))
        }
        ConsentVariant::Legacy => {
            ser.append_pair("client_id", &client_id);
            ser.append_pair("response_type", "code");
            if let Some(r) = &req.redirect_uri {
                ser.append_pair("redirect_uri", r);
            }
            if let Some(s) = &req.state {
                ser.append_pair("state", s);
            }
            ser.append_pair("prompt", "admin_consent");
            Ok(format!("{base}/oauth2/authorize?{}", ser.finish()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "11111111-2222-3333-4444-555555555555";
    const C: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

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
    fn every_cloud_and_variant() {
        for id in CloudId::ALL {
            for variant in [ConsentVariant::V2, ConsentVariant::Legacy] {
                let mut r = AdminConsentRequest::new("contoso.onmicrosoft.com", C);
                r.cloud = Cloud::preset(id);
                r.variant = variant;
                let u = build_admin_consent_url(&r).unwrap();
                assert!(u.starts_with(&format!("{}/contoso.onmicrosoft.com/", r.cloud.login_base)), "{u}");
            }
        }
    }

    #[test]
    fn refusals() {
        let mut r = AdminConsentRequest::new("common", C);
        assert_eq!(build_admin_consent_url(&r).unwrap_err().code(), "invalid_tenant");
        r.variant = ConsentVariant::Legacy;
        assert!(build_admin_consent_url(&r).is_ok());
        r.tenant = "consumers".into();
        assert_eq!(build_admin_consent_url(&r).unwrap_err().code(), "invalid_tenant");
        let r = AdminConsentRequest::new("organizations", "thunderbird");
        assert_eq!(build_admin_consent_url(&r).unwrap_err().code(), "invalid_client_id");
        let mut r = AdminConsentRequest::new(T, C);
        r.redirect_uri = Some("not a url".into());
        assert_eq!(build_admin_consent_url(&r).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn scopes() {
        let g = Cloud::global();
        assert_eq!(admin_consent_scope(&g, &[Protocol::Imap]), "https://ps.outlook.com/.default");
        assert_eq!(admin_consent_scope(&g, &[Protocol::Smtp]), "https://outlook.office365.com/.default");
        assert_eq!(
            admin_consent_scope(&g, &Protocol::ALL),
            "https://ps.outlook.com/.default https://outlook.office365.com/.default"
        );
    }
}
