//! The small enums of the API are the core's own (derived with `uniffi::Enum` behind the
//! feature); this module adds their name parsers, which use the core's own `FromStr` (so
//! `"pop3"`, `"usgov-dod"`, `"v1"` mean what they mean in every binding and in the vectors).

use crate::uniffi_api::errors::{IntoFfi, Result};

pub use crate::assertion::AssertionAlg;
pub use crate::authorize::ResponseMode;
pub use crate::cloud::{CloudId, Grant, Protocol};
pub use crate::consent::ConsentVariant;
pub use crate::diagnose::config_lint::Flow as ConfigFlow;
pub use crate::diagnose::runbook::RunbookVariant;
pub use crate::diagnose::Severity;
pub use crate::http::Method as HttpMethod;
pub use crate::login::InitialResponse;
pub use crate::sasl::Mechanism;

/// A protocol by name: `imap`, `pop` (`pop3`), `smtp` (`submission`).
#[uniffi::export]
pub fn protocol_from_name(name: String) -> Result<Protocol> {
    name.parse::<Protocol>().ffi()
}

/// The wire name of a protocol (`imap`, `pop`, `smtp`).
#[uniffi::export]
pub fn protocol_name(protocol: Protocol) -> String {
    protocol.as_str().to_owned()
}

/// A mechanism by name: `XOAUTH2`, `OAUTHBEARER` (any case).
#[uniffi::export]
pub fn mechanism_from_name(name: String) -> Result<Mechanism> {
    name.parse::<Mechanism>().ffi()
}

/// The wire name of a mechanism (`XOAUTH2`, `OAUTHBEARER`).
#[uniffi::export]
pub fn mechanism_name(mechanism: Mechanism) -> String {
    mechanism.as_str().to_owned()
}

/// A grant by name: `delegated`, `app`.
#[uniffi::export]
pub fn grant_from_name(name: String) -> Result<Grant> {
    name.parse::<Grant>().ffi()
}

/// A cloud preset by name: `global`, `usgov`, `usgov-dod`, `china`, `consumers` (also
/// `personal`, `outlook.com`), `hve`.
#[uniffi::export]
pub fn cloud_id_from_name(name: String) -> Result<CloudId> {
    name.parse::<CloudId>().ffi()
}

/// The name of a cloud preset (`global`, `usgov`, `usgov-dod`, `china`, `consumers`, `hve`).
#[uniffi::export]
pub fn cloud_id_name(id: CloudId) -> String {
    id.as_str().to_owned()
}

/// Whether a preset is for personal Microsoft accounts (`Consumers`).
#[uniffi::export]
pub fn cloud_id_is_personal(id: CloudId) -> bool {
    id.is_personal()
}

/// The tenant a preset implies, when it implies one (`consumers` for `Consumers`).
#[uniffi::export]
pub fn cloud_id_implied_tenant(id: CloudId) -> Option<String> {
    id.implied_tenant().map(|t| t.as_str().to_owned())
}

/// The name of a severity (`error`, `warning`, `note`).
#[uniffi::export]
pub fn severity_name(severity: Severity) -> String {
    severity.as_str().to_owned()
}

/// A runbook variant by name: `mailbox-permission`, `rbac` (also `app-rbac`), `hve`.
#[uniffi::export]
pub fn runbook_variant_from_name(name: String) -> Result<RunbookVariant> {
    name.parse::<RunbookVariant>().ffi()
}

/// The name of a runbook variant (`mailbox-permission`, `rbac`, `hve`).
#[uniffi::export]
pub fn runbook_variant_name(variant: RunbookVariant) -> String {
    variant.as_str().to_owned()
}

/// Every runbook variant.
#[uniffi::export]
pub fn runbook_variants() -> Vec<RunbookVariant> {
    RunbookVariant::ALL.to_vec()
}

/// A consent variant by name: `v2`, `legacy` (also `v1`).
#[uniffi::export]
pub fn consent_variant_from_name(name: String) -> Result<ConsentVariant> {
    name.parse::<ConsentVariant>().ffi()
}

/// A response mode by name: `query`, `fragment`, `form_post`.
#[uniffi::export]
pub fn response_mode_from_name(name: String) -> Result<ResponseMode> {
    name.parse::<ResponseMode>().ffi()
}

/// An assertion algorithm by name: `PS256`, `RS256`.
#[uniffi::export]
pub fn assertion_alg_from_name(name: String) -> Result<AssertionAlg> {
    name.parse::<AssertionAlg>().ffi()
}

/// A flow by name: `auth_code`, `device_code`, `client_credentials`, `refresh`.
#[uniffi::export]
pub fn config_flow_from_name(name: String) -> Result<ConfigFlow> {
    name.parse::<ConfigFlow>().ffi()
}

/// An initial-response mode by name: `auto`, `always`, `never`.
#[uniffi::export]
pub fn initial_response_from_name(name: String) -> Result<InitialResponse> {
    name.parse::<InitialResponse>().ffi()
}
