//! The small enums of the API and their conversions to and from the core's, plus name parsers
//! that use the core's own `FromStr` (so `"pop3"`, `"usgov-dod"`, `"v1"` mean what they mean in
//! every binding and in the vectors).

use crate::errors::{IntoFfi, Result};
use mailoauth::assertion::AssertionAlg as CoreAlg;
use mailoauth::authorize::ResponseMode as CoreResponseMode;
use mailoauth::cloud::{CloudId as CoreCloudId, Grant as CoreGrant, Protocol as CoreProtocol};
use mailoauth::consent::ConsentVariant as CoreVariant;
use mailoauth::diagnose::config_lint::Flow as CoreFlow;
use mailoauth::diagnose::entra::Remedy as CoreRemedy;
use mailoauth::diagnose::runbook::RunbookVariant as CoreRunbookVariant;
use mailoauth::diagnose::Severity as CoreSeverity;
use mailoauth::http::Method as CoreMethod;
use mailoauth::login::InitialResponse as CoreInitialResponse;
use mailoauth::sasl::Mechanism as CoreMechanism;

/// Declares a field-less FFI enum mirroring a core enum, with `From` both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $core:ty { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }
        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v {
                    $($name::$variant => <$core>::$variant),+
                }
            }
        }
        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                match v {
                    $(<$core>::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror_enum! {
    /// A mail protocol.
    Protocol <=> CoreProtocol {
        /// IMAP.
        Imap,
        /// POP3.
        Pop,
        /// SMTP submission.
        Smtp,
    }
}

mirror_enum! {
    /// Delegated (a user signs in) or app-only (client credentials).
    Grant <=> CoreGrant {
        /// A user signs in.
        Delegated,
        /// The app acts as itself (client credentials).
        App,
    }
}

mirror_enum! {
    /// A cloud preset: the national clouds, and two presets of the worldwide cloud for personal
    /// accounts (`Consumers`) and High Volume Email (`Hve`).
    CloudId <=> CoreCloudId {
        /// Microsoft's global cloud.
        Global,
        /// US Government (GCC High).
        UsGov,
        /// US Government DoD.
        UsGovDod,
        /// China (21Vianet).
        China,
        /// Personal Microsoft accounts (Outlook.com, Hotmail): the worldwide hosts with SMTP at
        /// `smtp-mail.outlook.com`, tenant `consumers`, delegated scopes only (no app-only access).
        Consumers,
        /// Exchange Online High Volume Email: the worldwide cloud with SMTP at
        /// `smtp.hve.mx.microsoft` (internal recipients only).
        Hve,
    }
}

mirror_enum! {
    /// How much a lint finding matters.
    Severity <=> CoreSeverity {
        /// The login or request will fail as configured.
        Error,
        /// It may fail, or it works only in a set-up the lint cannot see (the finding says which).
        Warning,
        /// Worth knowing; not a fault.
        Note,
    }
}

mirror_enum! {
    /// Which authorisation the app-only runbook sets up. IMAP and POP know only
    /// `MailboxPermission`; SMTP may use any of the three.
    RunbookVariant <=> CoreRunbookVariant {
        /// `mailbox-permission` (the default): Entra application permissions with admin consent,
        /// `New-ServicePrincipal`, `Add-MailboxPermission` (and Send As to send).
        MailboxPermission,
        /// `rbac`: SMTP only, Exchange's App RBAC: no Entra mail permission,
        /// `New-ManagementScope`, `New-ManagementRoleAssignment -Role 'Application SMTP.SendAsApp'`.
        Rbac,
        /// `hve`: SMTP only, High Volume Email: the Entra permission `Mail.Send`,
        /// `Add-HVEAppAccess`, host `smtp.hve.mx.microsoft`, internal recipients only.
        Hve,
    }
}

mirror_enum! {
    /// Whether the admin-consent URL uses the v2 endpoint or the legacy (v1) form.
    ConsentVariant <=> CoreVariant {
        /// `/{tenant}/v2.0/adminconsent`.
        V2,
        /// `/{tenant}/oauth2/authorize?...&prompt=admin_consent`.
        Legacy,
    }
}

mirror_enum! {
    /// How the authorization server returns the code.
    ResponseMode <=> CoreResponseMode {
        /// In the redirect's query.
        Query,
        /// In the redirect's fragment.
        Fragment,
        /// In a POSTed form.
        FormPost,
    }
}

mirror_enum! {
    /// The signature algorithm of a certificate client assertion.
    AssertionAlg <=> CoreAlg {
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        RS256,
        /// RSASSA-PSS with SHA-256 (Entra's recommendation).
        PS256,
    }
}

mirror_enum! {
    /// The OAuth flow a configuration is linted for.
    ConfigFlow <=> CoreFlow {
        /// Authorization code with PKCE.
        AuthCode,
        /// Device code.
        DeviceCode,
        /// Client credentials (app-only).
        ClientCredentials,
        /// Refresh token.
        Refresh,
    }
}

mirror_enum! {
    /// What to do about an error.
    Remedy <=> CoreRemedy {
        /// Try again later.
        Retry,
        /// The user signs in again.
        SignInAgain,
        /// An administrator must act (consent, policy, mailbox rights).
        AdminAction,
        /// The app's configuration is wrong.
        FixConfiguration,
        /// The user must act (MFA, password, account).
        UserAction,
    }
}

mirror_enum! {
    /// Whether a mail exchange sends the SASL response on the command line.
    InitialResponse <=> CoreInitialResponse {
        /// When the server allows it (SMTP: within the 512-octet line limit).
        Auto,
        /// Always on the command line.
        Always,
        /// Always after a continuation.
        Never,
    }
}

mirror_enum! {
    /// An HTTP method.
    HttpMethod <=> CoreMethod {
        /// `GET`.
        Get,
        /// `POST`.
        Post,
    }
}

/// A SASL mechanism for a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Mechanism {
    /// Google/Microsoft `XOAUTH2`.
    Xoauth2,
    /// RFC 7628 `OAUTHBEARER`.
    Oauthbearer,
}

impl From<Mechanism> for CoreMechanism {
    fn from(m: Mechanism) -> Self {
        match m {
            Mechanism::Xoauth2 => CoreMechanism::XOAuth2,
            Mechanism::Oauthbearer => CoreMechanism::OAuthBearer,
        }
    }
}

impl From<CoreMechanism> for Mechanism {
    fn from(m: CoreMechanism) -> Self {
        match m {
            CoreMechanism::XOAuth2 => Mechanism::Xoauth2,
            CoreMechanism::OAuthBearer => Mechanism::Oauthbearer,
        }
    }
}

/// A protocol by name: `imap`, `pop` (`pop3`), `smtp` (`submission`).
#[uniffi::export]
pub fn protocol_from_name(name: String) -> Result<Protocol> {
    name.parse::<CoreProtocol>().ffi().map(Protocol::from)
}

/// The wire name of a protocol (`imap`, `pop`, `smtp`).
#[uniffi::export]
pub fn protocol_name(protocol: Protocol) -> String {
    CoreProtocol::from(protocol).as_str().to_owned()
}

/// A mechanism by name: `XOAUTH2`, `OAUTHBEARER` (any case).
#[uniffi::export]
pub fn mechanism_from_name(name: String) -> Result<Mechanism> {
    name.parse::<CoreMechanism>().ffi().map(Mechanism::from)
}

/// The wire name of a mechanism (`XOAUTH2`, `OAUTHBEARER`).
#[uniffi::export]
pub fn mechanism_name(mechanism: Mechanism) -> String {
    CoreMechanism::from(mechanism).as_str().to_owned()
}

/// A grant by name: `delegated`, `app`.
#[uniffi::export]
pub fn grant_from_name(name: String) -> Result<Grant> {
    name.parse::<CoreGrant>().ffi().map(Grant::from)
}

/// A cloud preset by name: `global`, `usgov`, `usgov-dod`, `china`, `consumers` (also
/// `personal`, `outlook.com`), `hve`.
#[uniffi::export]
pub fn cloud_id_from_name(name: String) -> Result<CloudId> {
    name.parse::<CoreCloudId>().ffi().map(CloudId::from)
}

/// The name of a cloud preset (`global`, `usgov`, `usgov-dod`, `china`, `consumers`, `hve`).
#[uniffi::export]
pub fn cloud_id_name(id: CloudId) -> String {
    CoreCloudId::from(id).as_str().to_owned()
}

/// Whether a preset is for personal Microsoft accounts (`Consumers`).
#[uniffi::export]
pub fn cloud_id_is_personal(id: CloudId) -> bool {
    CoreCloudId::from(id).is_personal()
}

/// The tenant a preset implies, when it implies one (`consumers` for `Consumers`).
#[uniffi::export]
pub fn cloud_id_implied_tenant(id: CloudId) -> Option<String> {
    CoreCloudId::from(id)
        .implied_tenant()
        .map(|t| t.as_str().to_owned())
}

/// The name of a severity (`error`, `warning`, `note`).
#[uniffi::export]
pub fn severity_name(severity: Severity) -> String {
    CoreSeverity::from(severity).as_str().to_owned()
}

/// A runbook variant by name: `mailbox-permission`, `rbac` (also `app-rbac`), `hve`.
#[uniffi::export]
pub fn runbook_variant_from_name(name: String) -> Result<RunbookVariant> {
    name.parse::<CoreRunbookVariant>()
        .ffi()
        .map(RunbookVariant::from)
}

/// The name of a runbook variant (`mailbox-permission`, `rbac`, `hve`).
#[uniffi::export]
pub fn runbook_variant_name(variant: RunbookVariant) -> String {
    CoreRunbookVariant::from(variant).as_str().to_owned()
}

/// Every runbook variant.
#[uniffi::export]
pub fn runbook_variants() -> Vec<RunbookVariant> {
    CoreRunbookVariant::ALL
        .iter()
        .map(|v| (*v).into())
        .collect()
}

/// A consent variant by name: `v2`, `legacy` (also `v1`).
#[uniffi::export]
pub fn consent_variant_from_name(name: String) -> Result<ConsentVariant> {
    name.parse::<CoreVariant>().ffi().map(ConsentVariant::from)
}

/// A response mode by name: `query`, `fragment`, `form_post`.
#[uniffi::export]
pub fn response_mode_from_name(name: String) -> Result<ResponseMode> {
    name.parse::<CoreResponseMode>()
        .ffi()
        .map(ResponseMode::from)
}

/// An assertion algorithm by name: `PS256`, `RS256`.
#[uniffi::export]
pub fn assertion_alg_from_name(name: String) -> Result<AssertionAlg> {
    name.parse::<CoreAlg>().ffi().map(AssertionAlg::from)
}

/// A flow by name: `auth_code`, `device_code`, `client_credentials`, `refresh`.
#[uniffi::export]
pub fn config_flow_from_name(name: String) -> Result<ConfigFlow> {
    name.parse::<CoreFlow>().ffi().map(ConfigFlow::from)
}

/// An initial-response mode by name: `auto`, `always`, `never`.
#[uniffi::export]
pub fn initial_response_from_name(name: String) -> Result<InitialResponse> {
    name.parse::<CoreInitialResponse>()
        .ffi()
        .map(InitialResponse::from)
}

/// Converts a list of protocols.
pub(crate) fn core_protocols(list: &[Protocol]) -> Vec<CoreProtocol> {
    list.iter().map(|p| CoreProtocol::from(*p)).collect()
}
