//! Diagnosis: turning cryptic failures into a cause and a fix (docs/protocol.md sections 6–10).
//!
//! - [`reply`]: the mail-server reply catalogue (`NO AUTHENTICATE failed.`, `535 5.7.139`, ...).
//! - [`entra`]: the Entra error explainer: AADSTS codes and OAuth `error` values turned into a
//!   cause, a concrete fix and a [`entra::Remedy`] (section 7).
//! - [`token_lint`]: the access-token lint: the claims decoded without verification and why
//!   Exchange would refuse the token (section 8).
//! - [`config_lint`]: the configuration lint: client id, tenant, authority, secret and scope
//!   mistakes found before any request (sections 1–3, 9).
//! - [`runbook`]: the filled-in Exchange Online admin runbook for app-only access, with safely
//!   quoted PowerShell (section 10).

use serde::{Deserialize, Serialize};

pub mod config_lint;
pub mod entra;
pub mod reply;
pub mod runbook;
pub mod token_lint;

/// How much a lint finding matters.
///
/// `error`: the login or request will fail as configured; `warning`: it may fail, or works only
/// in a set-up the lint cannot see (the finding says which); `note`: worth knowing, not a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The login or request will fail as configured.
    #[default]
    Error,
    /// It may fail, or it works only in a set-up the lint cannot see.
    Warning,
    /// Worth knowing; not a fault.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A diagnosis: a stable code, the likely cause and the fix, in plain words.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "Diagnosis", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Diagnosis {
    /// The stable snake_case code (`auth_failed`, `smtp_auth_disabled`, ...).
    pub code: String,
    /// The likely cause, one or two sentences.
    pub cause: String,
    /// What to do, concretely (portal setting, parameter, PowerShell line).
    pub fix: String,
}
