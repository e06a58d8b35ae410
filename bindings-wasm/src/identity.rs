//! Clouds, tenants, endpoints, well-known apps, admin consent, PKCE and the authorize redirect.

#[cfg(feature = "full")]
use crate::convert::redacted;
use crate::convert::{self, cloud_value, options, to_js, Given};
#[cfg(feature = "full")]
use crate::errors::invalid_input;
use crate::errors::IntoJsResult;
use mailoauth::apps;
use mailoauth::authorize::{self, AuthorizationCode, AuthorizeRequest};
#[cfg(feature = "full")]
use mailoauth::cloud;
use mailoauth::cloud::{Cloud, CloudId, Endpoints, Tenant};
use mailoauth::consent::{self, AdminConsentRequest};
#[cfg(feature = "full")]
use mailoauth::pkce;
use mailoauth::pkce::Pkce as CorePkce;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_IDENTITY: &'static str = r#"
/**
 * A cloud preset name, or a preset whose hosts are overridden. `consumers` (also `personal`,
 * `outlook.com`) is for personal Microsoft accounts (Outlook.com, Hotmail: worldwide hosts, SMTP
 * at smtp-mail.outlook.com, tenant `consumers`, delegated access only); `hve` is Exchange Online
 * High Volume Email (worldwide hosts, SMTP at smtp.hve.mx.microsoft).
 */
export type CloudArg = CloudId | "personal" | "outlook.com" | string | CloudObject;
/**
 * A parsed tenant. `allowsClientCredentials` is true only for one tenant (an id or a domain):
 * client credentials (app-only) on `organizations` would get a token for a guessed tenant, and
 * Entra refuses them on `common` and `consumers` (see `checkClientCredentials`).
 */
export interface TenantInfo {
  kind: "id" | "domain" | "organizations" | "common" | "consumers";
  value: string; allowsClientCredentials: boolean; isSpecific: boolean;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A JS value of the TypeScript type `CloudArg`.
    #[wasm_bindgen(typescript_type = "CloudArg")]
    pub type CloudParam;
    /// A JS value of the TypeScript type `Protocol[]`.
    #[wasm_bindgen(typescript_type = "Protocol[]")]
    pub type ProtocolList;
    /// A JS value of the TypeScript type `AdminConsentOptions`.
    #[wasm_bindgen(typescript_type = "AdminConsentOptions")]
    pub type AdminConsentOptions;
    /// A JS value of the TypeScript type `AuthorizeUrlOptions`.
    #[wasm_bindgen(typescript_type = "AuthorizeUrlOptions")]
    pub type AuthorizeUrlOptions;
    /// A JS value of the TypeScript type `MicrosoftAuthorizeUrlOptions`.
    #[wasm_bindgen(typescript_type = "MicrosoftAuthorizeUrlOptions")]
    pub type MicrosoftAuthorizeUrlOptions;
    /// A JS value of the TypeScript type `CustomEndpointsOptions`.
    #[wasm_bindgen(typescript_type = "CustomEndpointsOptions")]
    pub type CustomEndpointsOptions;
    /// A JS value of the TypeScript type `Cloud`.
    #[wasm_bindgen(typescript_type = "Cloud")]
    pub type CloudRecord;
    /// A JS value of the TypeScript type `TenantInfo`.
    #[wasm_bindgen(typescript_type = "TenantInfo")]
    pub type TenantRecord;
    /// A JS value of the TypeScript type `Endpoints`.
    #[wasm_bindgen(typescript_type = "Endpoints")]
    pub type EndpointsRecord;
    /// A JS value of the TypeScript type `WellKnownApp`.
    #[wasm_bindgen(typescript_type = "WellKnownApp")]
    pub type AppRecord;
    /// A JS value of the TypeScript type `WellKnownApp[]`.
    #[wasm_bindgen(typescript_type = "WellKnownApp[]")]
    pub type AppList;
    /// A JS value of the TypeScript type `WellKnownApp | null`.
    #[wasm_bindgen(typescript_type = "WellKnownApp | null")]
    pub type OptionalApp;
    /// A JS value of the TypeScript type `AdminConsentResult`.
    #[wasm_bindgen(typescript_type = "AdminConsentResult")]
    pub type AdminConsentResultRecord;
    /// A JS value of the TypeScript type `string[]`.
    #[wasm_bindgen(typescript_type = "string[]")]
    pub type StringList;
    /// A JS value of the TypeScript type `string | null`.
    #[wasm_bindgen(typescript_type = "string | null")]
    pub type OptionalString;
    /// A JS value of the TypeScript type `{ host: string; port: number }`.
    #[wasm_bindgen(typescript_type = "{ host: string; port: number }")]
    pub type HostPort;
}

/// An optional cloud argument (`global` when absent).
fn cloud_of(cloud: Option<CloudParam>) -> Result<Cloud, JsValue> {
    cloud_value(cloud.map_or(JsValue::UNDEFINED, JsValue::from))
}

#[cfg(feature = "full")]
fn protocols(list: JsValue) -> Result<Vec<cloud::Protocol>, JsValue> {
    convert::protocols(&convert::strings("protocols", list)?)
}

fn string_list(v: &[String]) -> Result<StringList, JsValue> {
    Ok(to_js(v)?.unchecked_into())
}

/// The cloud preset names: `global`, `usgov`, `usgov-dod`, `china`, `consumers` (personal
/// Microsoft accounts), `hve` (High Volume Email).
#[wasm_bindgen(js_name = cloudPresets)]
pub fn cloud_presets() -> Result<StringList, JsValue> {
    let names: Vec<String> = CloudId::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    string_list(&names)
}

/// The tenant a cloud preset implies (`consumers` for the personal-account preset `consumers`),
/// else `null`. A preset that implies its tenant has no tenant administrator: no admin consent
/// and no app-only access.
#[wasm_bindgen(js_name = impliedTenant)]
pub fn implied_tenant(cloud: Option<CloudParam>) -> Result<OptionalString, JsValue> {
    let t = cloud_of(cloud)?.id.implied_tenant();
    Ok(t.map_or(JsValue::NULL, |t| JsValue::from_str(t.as_str()))
        .unchecked_into())
}

#[cfg(feature = "full")]
/// The hosts of a cloud (a preset name, or a preset with overridden hosts).
#[wasm_bindgen(js_name = cloud)]
pub fn cloud_record(cloud: Option<CloudParam>) -> Result<CloudRecord, JsValue> {
    Ok(to_js(&cloud_of(cloud)?)?.unchecked_into())
}

#[cfg(feature = "full")]
/// The delegated scope of one protocol (`https://outlook.office.com/IMAP.AccessAsUser.All`).
#[wasm_bindgen(js_name = delegatedScope)]
pub fn delegated_scope(protocol: &str, cloud: Option<CloudParam>) -> Result<String, JsValue> {
    Ok(cloud_of(cloud)?.delegated_scope(convert::protocol(protocol)?))
}

#[cfg(feature = "full")]
/// Delegated scopes for protocols, plus `offline_access` when `offlineAccess` (default true).
#[wasm_bindgen(js_name = delegatedScopes)]
pub fn delegated_scopes(
    protocols: ProtocolList,
    cloud: Option<CloudParam>,
    #[wasm_bindgen(js_name = "offlineAccess")] offline_access: Option<bool>,
) -> Result<StringList, JsValue> {
    let c = cloud_of(cloud)?;
    string_list(&c.delegated_scopes(
        &self::protocols(protocols.into())?,
        offline_access.unwrap_or(true),
    ))
}

#[cfg(feature = "full")]
/// The app-only scope (`https://outlook.office365.com/.default`).
#[wasm_bindgen(js_name = appOnlyScope)]
pub fn app_only_scope(cloud: Option<CloudParam>) -> Result<String, JsValue> {
    Ok(cloud_of(cloud)?.app_only_scope())
}

#[cfg(feature = "full")]
/// The scopes to request for a grant (`delegated` or `app`) and protocols.
#[wasm_bindgen(js_name = scopesFor)]
pub fn scopes_for(
    grant: &str,
    protocols: ProtocolList,
    cloud: Option<CloudParam>,
) -> Result<StringList, JsValue> {
    let c = cloud_of(cloud)?;
    string_list(&c.scopes_for(convert::grant(grant)?, &self::protocols(protocols.into())?))
}

#[cfg(feature = "full")]
/// `{host, port}` of the mail server for a protocol.
#[wasm_bindgen(js_name = mailServer)]
pub fn mail_server(protocol: &str, cloud: Option<CloudParam>) -> Result<HostPort, JsValue> {
    let (host, port) = cloud_of(cloud)?.mail_server(convert::protocol(protocol)?);
    let o = js_sys::Object::new();
    convert::set(&o, "host", host);
    convert::set(&o, "port", port);
    Ok(JsValue::from(o).unchecked_into())
}

#[cfg(feature = "full")]
/// The `aud` values an Exchange Online token may carry in a cloud.
#[wasm_bindgen(js_name = exchangeAudiences)]
pub fn exchange_audiences(cloud: Option<CloudParam>) -> Result<StringList, JsValue> {
    string_list(&cloud_of(cloud)?.exchange_audiences())
}

#[cfg(feature = "full")]
/// Parses a tenant (GUID, domain, `organizations`, `common`, `consumers`).
#[wasm_bindgen(js_name = parseTenant)]
pub fn parse_tenant(value: &str) -> Result<TenantRecord, JsValue> {
    let t = Tenant::parse(value).js()?;
    let kind = match t {
        Tenant::Id(_) => "id",
        Tenant::Domain(_) => "domain",
        Tenant::Organizations => "organizations",
        Tenant::Common => "common",
        Tenant::Consumers => "consumers",
    };
    let o = js_sys::Object::new();
    convert::set(&o, "kind", kind);
    convert::set(&o, "value", t.as_str());
    convert::set(&o, "allowsClientCredentials", t.allows_client_credentials());
    convert::set(&o, "isSpecific", t.is_specific());
    Ok(JsValue::from(o).unchecked_into())
}

#[cfg(feature = "full")]
/// Checks that a tenant can be used for client credentials (app-only): a tenant id or a verified
/// domain. Throws `MailoauthError` (`invalid_tenant`) saying why for anything else:
/// `organizations` would give a token for a guessed tenant (usually the app's home tenant), and
/// Entra refuses the grant on `common` and `consumers` (AADSTS9001023).
#[wasm_bindgen(js_name = checkClientCredentials)]
pub fn check_client_credentials(tenant: &str) -> Result<(), JsValue> {
    Tenant::parse(tenant).js()?.check_client_credentials().js()
}

#[cfg(feature = "full")]
/// Checks an application (client) id (a GUID) and returns it lower-cased.
#[wasm_bindgen(js_name = validateClientId)]
pub fn validate_client_id(
    #[wasm_bindgen(js_name = "clientId")] client_id: &str,
) -> Result<String, JsValue> {
    cloud::validate_client_id(client_id).js()
}

/// The Microsoft endpoints of a tenant in a cloud.
#[wasm_bindgen(js_name = microsoftEndpoints)]
pub fn microsoft_endpoints(
    tenant: &str,
    cloud: Option<CloudParam>,
) -> Result<EndpointsRecord, JsValue> {
    let c = cloud_of(cloud)?;
    let e = Endpoints::microsoft(&c, &Tenant::parse(tenant).js()?);
    Ok(to_js(&e)?.unchecked_into())
}

options! {
    /// The endpoints of any OAuth 2.0 server.
    struct CustomEndpointsArgs => CustomEndpointsOptions {
        /// The token endpoint.
        token_url: String = "tokenUrl",
        /// The authorization endpoint (browser sign-in).
        authorize_url: Option<String> = "authorizeUrl",
        /// The device authorization endpoint (RFC 8628).
        device_authorization_url: Option<String> = "deviceAuthorizationUrl",
        /// The issuer to expect in an `iss` redirect parameter (RFC 9207).
        issuer: Option<String> = "issuer",
    }
}

/// Endpoints of any OAuth 2.0 server (`https`, or `http` on loopback only), checked.
#[wasm_bindgen(js_name = customEndpoints)]
pub fn custom_endpoints(options: CustomEndpointsOptions) -> Result<EndpointsRecord, JsValue> {
    let a = CustomEndpointsArgs::read("customEndpoints", options.into())?;
    let mut e = Endpoints::custom(
        a.authorize_url.as_deref().unwrap_or(""),
        &a.token_url,
        a.device_authorization_url.as_deref().unwrap_or(""),
    )
    .js()?;
    e.issuer = a.issuer;
    Ok(to_js(&e)?.unchecked_into())
}

/// Every well-known public client application.
#[wasm_bindgen(js_name = wellKnownApps)]
pub fn well_known_apps() -> Result<AppList, JsValue> {
    Ok(to_js(apps::WELL_KNOWN_APPS)?.unchecked_into())
}

/// A well-known app by short name (`thunderbird`) or client id, or `null`.
#[wasm_bindgen(js_name = lookupApp)]
pub fn lookup_app(
    #[wasm_bindgen(js_name = "nameOrClientId")] name_or_client_id: &str,
) -> Result<OptionalApp, JsValue> {
    Ok(to_js(&apps::lookup(name_or_client_id))?.unchecked_into())
}

/// For a retired client id: the app that replaces it, else `null`.
#[wasm_bindgen(js_name = replacementFor)]
pub fn replacement_for(
    #[wasm_bindgen(js_name = "clientId")] client_id: &str,
) -> Result<OptionalApp, JsValue> {
    Ok(to_js(&apps::replacement_for(client_id))?.unchecked_into())
}

options! {
    /// The tenant and app of an admin-consent link.
    struct AdminConsentArgs => AdminConsentOptions {
        /// The tenant (id or domain) whose admin consents.
        tenant: String = "tenant",
        /// The application (client) id.
        client_id: String = "clientId",
        /// The cloud (default `global`).
        cloud: Option<Cloud> = "cloud",
        /// Where Entra sends the admin afterwards (one of the app's redirect URIs).
        redirect_uri: Option<String> = "redirectUri",
        /// The permissions (default: the IMAP/POP app-only consent scope).
        scope: Option<String> = "scope",
        /// The `state` to get back (e.g. from `randomState()`).
        state: Option<String> = "state",
        /// `v2` (default, `/v2.0/adminconsent`) or `legacy` (also `v1`: `prompt=admin_consent`).
        variant: Option<String> = "variant" as r#""v2" | "legacy" | "v1""#,
    }
}

/// The admin-consent URL for a tenant and app. `variant` is `v2` (default,
/// `/v2.0/adminconsent`) or `legacy` (also `v1`: `/oauth2/authorize?...&prompt=admin_consent`);
/// `scope` defaults to the IMAP/POP app-only consent scope.
#[wasm_bindgen(js_name = adminConsentUrl)]
pub fn admin_consent_url(options: AdminConsentOptions) -> Result<String, JsValue> {
    let a = AdminConsentArgs::read("adminConsentUrl", options.into())?;
    let mut req = AdminConsentRequest::new(a.tenant, a.client_id);
    req.cloud = a.cloud.unwrap_or_else(Cloud::global);
    req.redirect_uri = a.redirect_uri;
    req.scope = a.scope;
    req.state = a.state;
    req.variant = a.variant.as_deref().unwrap_or("v2").parse().js()?;
    consent::build_admin_consent_url(&req).js()
}

#[cfg(feature = "full")]
/// The scope to consent to for app-only access to protocols.
#[wasm_bindgen(js_name = adminConsentScope)]
pub fn admin_consent_scope(
    protocols: ProtocolList,
    cloud: Option<CloudParam>,
) -> Result<String, JsValue> {
    let c = cloud_of(cloud)?;
    Ok(consent::admin_consent_scope(
        &c,
        &self::protocols(protocols.into())?,
    ))
}

#[cfg(feature = "full")]
/// Reads the redirect after admin consent (checking `state` when given); a refusal throws
/// `MailoauthError` with the server's `error` and `aadsts`.
#[wasm_bindgen(js_name = parseAdminConsentRedirect)]
pub fn parse_admin_consent_redirect(
    #[wasm_bindgen(js_name = "redirectUrl")] redirect_url: &str,
    #[wasm_bindgen(js_name = "expectedState")] expected_state: Option<String>,
) -> Result<AdminConsentResultRecord, JsValue> {
    let r = consent::parse_admin_consent_redirect(redirect_url, expected_state.as_deref()).js()?;
    Ok(to_js(&r)?.unchecked_into())
}

/// A PKCE verifier and its `S256` challenge (RFC 7636). `toString()` never shows the verifier.
#[wasm_bindgen]
pub struct Pkce {
    inner: CorePkce,
}

#[wasm_bindgen]
impl Pkce {
    /// A fresh verifier from 32 bytes of `crypto.getRandomValues`.
    pub fn generate() -> Result<Pkce, JsValue> {
        Ok(Pkce {
            inner: CorePkce::from_random(&crate::random::<32>()?),
        })
    }
    /// The verifier (a secret), sent as `code_verifier` in the token request.
    #[wasm_bindgen(getter)]
    pub fn verifier(&self) -> String {
        self.inner.verifier().expose_secret().to_owned()
    }
    /// The challenge, sent as `code_challenge` in the authorize URL.
    #[wasm_bindgen(getter)]
    pub fn challenge(&self) -> String {
        self.inner.challenge().to_owned()
    }
}

// What the page does not call is only in the full package (feature `full`).
#[cfg(feature = "full")]
#[wasm_bindgen]
impl Pkce {
    /// A verifier from exactly 32 caller-supplied random bytes.
    #[wasm_bindgen(js_name = fromRandom)]
    pub fn from_random(random: &[u8]) -> Result<Pkce, JsValue> {
        let bytes: [u8; 32] = random.try_into().map_err(|_| {
            invalid_input(format!(
                "PKCE needs exactly 32 random bytes, not {}",
                random.len()
            ))
        })?;
        Ok(Pkce {
            inner: CorePkce::from_random(&bytes),
        })
    }
    /// A caller-supplied verifier (43–128 characters of `A-Z a-z 0-9 - . _ ~`).
    #[wasm_bindgen(js_name = fromVerifier)]
    pub fn from_verifier(verifier: &str) -> Result<Pkce, JsValue> {
        Ok(Pkce {
            inner: CorePkce::from_verifier(verifier).js()?,
        })
    }
    /// `S256`.
    #[wasm_bindgen(getter)]
    pub fn method(&self) -> String {
        self.inner.method().to_owned()
    }
    /// `Pkce(verifier=[redacted], challenge=...)`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!(
            "Pkce(verifier={}, challenge={})",
            redacted(true),
            self.inner.challenge()
        )
    }
}

#[cfg(feature = "full")]
/// `base64url(SHA-256(verifier))` without padding.
#[wasm_bindgen(js_name = s256Challenge)]
pub fn s256_challenge(verifier: &str) -> String {
    pkce::s256_challenge(verifier)
}

/// The optional authorize-URL parameters both authorize functions take, with their docs.
macro_rules! authorize_options {
    ($(#[doc = $d:literal])* struct $name:ident => $ts:ident { $($fields:tt)* }) => {
        options! {
            $(#[doc = $d])*
            struct $name => $ts {
                $($fields)*
                /// The application (client) id.
                client_id: String = "clientId",
                /// The redirect URI (registered for the app).
                redirect_uri: String = "redirectUri",
                /// A fresh `state` (e.g. from `randomState()`), checked on the redirect.
                state: String = "state",
                /// How the redirect carries the result (default `query`).
                response_mode: Option<String> = "responseMode"
                    as r#""query" | "fragment" | "form_post""#,
                /// `login`, `consent`, `select_account` or `none`.
                prompt: Option<String> = "prompt",
                /// Pre-fills the sign-in name.
                login_hint: Option<String> = "loginHint",
                /// Skips the home-realm page (`organizations`, `consumers` or a domain).
                domain_hint: Option<String> = "domainHint",
            }
        }
        impl $name {
            fn url(self, req: AuthorizeRequest) -> Result<String, JsValue> {
                let hints = [self.prompt, self.login_hint, self.domain_hint];
                authorize_url_with(req, self.response_mode, hints)
            }
        }
    };
}

/// The URL of `req` with the optional parameters (one copy for both functions: the page pays
/// for each).
fn authorize_url_with(
    mut req: AuthorizeRequest,
    response_mode: Option<String>,
    [prompt, login_hint, domain_hint]: [Option<String>; 3],
) -> Result<String, JsValue> {
    req.response_mode = response_mode.map(|m| m.parse()).transpose().js()?;
    req.prompt = prompt;
    req.login_hint = login_hint;
    req.domain_hint = domain_hint;
    authorize::build_authorize_url(&req).js()
}

authorize_options! {
    /// The authorize URL of any OAuth 2.0 server.
    struct AuthorizeArgs => AuthorizeUrlOptions {
        /// The authorization endpoint.
        authorize_url: String = "authorizeUrl",
        /// The scopes, in order.
        scopes: Given = "scopes",
        /// The PKCE S256 challenge (`Pkce.challenge` or `s256Challenge`).
        code_challenge: String = "codeChallenge",
    }
}

authorize_options! {
    /// The Microsoft identity platform authorize URL for the delegated mail scopes.
    struct MicrosoftAuthorizeArgs => MicrosoftAuthorizeUrlOptions {
        /// The tenant (default `organizations`; `consumers` for personal accounts).
        tenant: Option<String> = "tenant",
        /// The cloud (default `global`).
        cloud: Option<Cloud> = "cloud",
        /// The protocols whose delegated scopes to ask for.
        protocols: Given = "protocols" as "Protocol[]",
    }
}

/// The authorize URL (authorization code + PKCE) of any OAuth 2.0 server.
#[wasm_bindgen(js_name = authorizeUrl)]
pub fn authorize_url(options: AuthorizeUrlOptions) -> Result<String, JsValue> {
    let a = AuthorizeArgs::read("authorizeUrl", options.into())?;
    let req = AuthorizeRequest {
        authorize_url: a.authorize_url.clone(),
        client_id: a.client_id.clone(),
        redirect_uri: a.redirect_uri.clone(),
        scopes: a.scopes.0.clone(),
        state: a.state.clone(),
        code_challenge: a.code_challenge.clone(),
        response_mode: None,
        prompt: None,
        login_hint: None,
        domain_hint: None,
    };
    a.url(req)
}

/// The Microsoft identity platform authorize URL for the delegated mail scopes of `protocols`
/// plus `offline_access`, with the challenge of `pkce`.
#[wasm_bindgen(js_name = microsoftAuthorizeUrl)]
pub fn microsoft_authorize_url(
    options: MicrosoftAuthorizeUrlOptions,
    pkce: &Pkce,
) -> Result<String, JsValue> {
    let a = MicrosoftAuthorizeArgs::read("microsoftAuthorizeUrl", options.into())?;
    let cloud = a.cloud.clone().unwrap_or_else(Cloud::global);
    let tenant = Tenant::parse(a.tenant.as_deref().unwrap_or("organizations")).js()?;
    let protocols = convert::protocols(&a.protocols.0)?;
    let req = AuthorizeRequest::microsoft(
        &cloud,
        &tenant,
        &a.client_id,
        &a.redirect_uri,
        &protocols,
        &a.state,
        &pkce.inner,
    )
    .js()?;
    a.url(req)
}

/// The authorization code of a successful redirect. `toString()` never shows the code.
#[wasm_bindgen]
pub struct AuthorizationCodeResult {
    inner: AuthorizationCode,
}

#[wasm_bindgen]
impl AuthorizationCodeResult {
    /// The code (a secret), redeemed once with the PKCE verifier.
    #[wasm_bindgen(getter)]
    pub fn code(&self) -> String {
        self.inner.code.expose_secret().to_owned()
    }
}

// What the page does not call is only in the full package (feature `full`).
#[cfg(feature = "full")]
#[wasm_bindgen]
impl AuthorizationCodeResult {
    /// The `state` of the redirect.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.inner.state.clone()
    }
    /// The `iss` of the redirect (RFC 9207), when sent.
    #[wasm_bindgen(getter)]
    pub fn iss(&self) -> Option<String> {
        self.inner.iss.clone()
    }
    /// Entra's `session_state`, when sent.
    #[wasm_bindgen(getter, js_name = sessionState)]
    pub fn session_state(&self) -> Option<String> {
        self.inner.session_state.clone()
    }
    /// `AuthorizationCode(code=[redacted], state=..., iss=...)`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!(
            "AuthorizationCode(code={}, state={}, iss={})",
            redacted(true),
            self.inner.state,
            self.inner.iss.as_deref().unwrap_or("null")
        )
    }
}

/// Reads the authorization response from the redirect URL (query or fragment), checking the
/// `state` (and `iss` when `expectedIssuer` is given). Throws `MailoauthError` with
/// `state_mismatch`, `issuer_mismatch`, the server's `error`, or `malformed`.
#[wasm_bindgen(js_name = parseAuthorizeRedirect)]
pub fn parse_authorize_redirect(
    #[wasm_bindgen(js_name = "redirectUrl")] redirect_url: &str,
    #[wasm_bindgen(js_name = "expectedState")] expected_state: &str,
    #[wasm_bindgen(js_name = "expectedIssuer")] expected_issuer: Option<String>,
) -> Result<AuthorizationCodeResult, JsValue> {
    authorize::parse_authorize_redirect(redirect_url, expected_state, expected_issuer.as_deref())
        .js()
        .map(|inner| AuthorizationCodeResult { inner })
}

#[cfg(feature = "full")]
/// Same as `parseAuthorizeRedirect`, from bare `a=b&c=d` parameters (a `form_post` body).
#[wasm_bindgen(js_name = parseAuthorizeResponseParams)]
pub fn parse_authorize_response_params(
    params: &str,
    #[wasm_bindgen(js_name = "expectedState")] expected_state: &str,
    #[wasm_bindgen(js_name = "expectedIssuer")] expected_issuer: Option<String>,
) -> Result<AuthorizationCodeResult, JsValue> {
    authorize::parse_authorize_response_params(params, expected_state, expected_issuer.as_deref())
        .js()
        .map(|inner| AuthorizationCodeResult { inner })
}
