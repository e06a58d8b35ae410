//! The one place where core errors become the binding's error: `MailoauthError`.
//!
//! Every variant carries `code`, the core's stable snake_case `Error::code()` (the same codes as
//! the Python and wasm bindings and the vectors), and `reason`, the core's message (which never
//! holds a secret). The variant says whose fault a failure is:
//!
//! | variant | codes |
//! |---|---|
//! | `InvalidInput` | `invalid_input`, `invalid_tenant`, `invalid_client_id` |
//! | `Protocol` | `unexpected_reply`, `malformed`, `mechanism_not_offered` |
//! | `Security` | `state_mismatch`, `issuer_mismatch` |
//! | `Server` | the server's OAuth `error` values, `http_error`; with the server's details |
//! | `Other` | a core error this binding does not know yet (the core's enum may grow) |
//!
//! Kotlin sees a sealed `MailoauthException` hierarchy, Swift an `enum MailoauthError: Error`.

use crate::uniffi_api::diagnose::Explanation;
use crate::{Error, ErrorKind};

/// The server's refusal kept as data (OAuth error response or HTTP failure).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServerErrorDetails {
    /// The HTTP status, when the refusal came in an HTTP response.
    pub status: Option<u16>,
    /// `Retry-After` in seconds, when sent.
    pub retry_after: Option<u64>,
    /// Whether trying again later may succeed (429, 5xx, `temporarily_unavailable`).
    pub transient: bool,
    /// Whether the stored refresh token is dead and the user must sign in again.
    pub requires_new_sign_in: bool,
    /// The server's `error` value (`invalid_grant`, ...); `None` for `http_error`.
    pub error: Option<String>,
    /// The server's `error_description`.
    pub error_description: Option<String>,
    /// Entra's `error_codes`.
    pub error_codes: Vec<u32>,
    /// The AADSTS code (from `error_codes`, else from the description).
    pub aadsts: Option<u32>,
    /// The server's `error_uri`.
    pub error_uri: Option<String>,
    /// Entra's `trace_id`.
    pub trace_id: Option<String>,
    /// Entra's `correlation_id`.
    pub correlation_id: Option<String>,
    /// Entra's `timestamp`.
    pub timestamp: Option<String>,
    /// Entra's `suberror`.
    pub suberror: Option<String>,
    /// The `claims` challenge (conditional access), as JSON text.
    pub claims: Option<String>,
    /// The Entra explainer's cause and fix for this refusal.
    pub explanation: Explanation,
}

/// The error of every fallible export. `code` is the core's stable snake_case code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum MailoauthError {
    /// The caller's value cannot be used (`invalid_input`, `invalid_tenant`, `invalid_client_id`).
    #[error("{reason}")]
    InvalidInput {
        /// The stable code.
        code: String,
        /// What is wrong (never holds a secret).
        reason: String,
    },
    /// The peer broke the protocol (`unexpected_reply`, `malformed`, `mechanism_not_offered`).
    #[error("{reason}")]
    Protocol {
        /// The stable code.
        code: String,
        /// What is wrong (never holds a secret).
        reason: String,
    },
    /// A security check failed (`state_mismatch`, `issuer_mismatch`): nothing was used.
    #[error("{reason}")]
    Security {
        /// The stable code.
        code: String,
        /// What is wrong (never holds a secret).
        reason: String,
    },
    /// The authorization server refused (its OAuth `error` is the code) or answered with an
    /// HTTP error (`http_error`).
    #[error("{reason}")]
    Server {
        /// The stable code: the server's `error` value, or `http_error`.
        code: String,
        /// What is wrong (never holds a secret).
        reason: String,
        /// The server's details.
        details: ServerErrorDetails,
    },
    /// A core error this binding does not classify (the core's error enum may grow).
    #[error("{reason}")]
    Other {
        /// The stable code.
        code: String,
        /// What is wrong (never holds a secret).
        reason: String,
    },
}

impl MailoauthError {
    /// The stable snake_case code.
    pub fn code(&self) -> &str {
        match self {
            MailoauthError::InvalidInput { code, .. }
            | MailoauthError::Protocol { code, .. }
            | MailoauthError::Security { code, .. }
            | MailoauthError::Server { code, .. }
            | MailoauthError::Other { code, .. } => code,
        }
    }

    /// An `invalid_input` error for a binding-level argument check.
    pub fn invalid_input(reason: impl Into<String>) -> Self {
        MailoauthError::from(Error::InvalidInput(reason.into()))
    }
}

impl From<&Error> for MailoauthError {
    fn from(e: &Error) -> Self {
        let code = e.code().to_owned();
        let reason = e.to_string();
        // The core decides whose fault it is; a kind this binding has no variant for (network:
        // the core does no I/O) stays `Other`.
        match e.kind() {
            ErrorKind::InvalidInput => MailoauthError::InvalidInput { code, reason },
            ErrorKind::Protocol => MailoauthError::Protocol { code, reason },
            ErrorKind::Security => MailoauthError::Security { code, reason },
            ErrorKind::Server => MailoauthError::Server {
                code,
                reason,
                details: server_details(e),
            },
            _ => MailoauthError::Other { code, reason },
        }
    }
}

impl From<Error> for MailoauthError {
    fn from(e: Error) -> Self {
        MailoauthError::from(&e)
    }
}

fn server_details(e: &Error) -> ServerErrorDetails {
    let mut d = ServerErrorDetails {
        status: e.http_status(),
        retry_after: e.retry_after(),
        transient: e.is_transient(),
        requires_new_sign_in: crate::token::requires_new_sign_in(e),
        error: None,
        error_description: None,
        error_codes: Vec::new(),
        aadsts: None,
        error_uri: None,
        trace_id: None,
        correlation_id: None,
        timestamp: None,
        suberror: None,
        claims: None,
        explanation: crate::diagnose::entra::explain_error(e),
    };
    if let Some(o) = e.oauth() {
        d.error = Some(o.error.clone());
        d.error_description = o.error_description.clone();
        d.error_codes = o.error_codes.clone();
        d.aadsts = o.aadsts;
        d.error_uri = o.error_uri.clone();
        d.trace_id = o.trace_id.clone();
        d.correlation_id = o.correlation_id.clone();
        d.timestamp = o.timestamp.clone();
        d.suberror = o.suberror.clone();
        d.claims = o.claims.clone();
    }
    d
}

/// The binding's result type.
pub type Result<T, E = MailoauthError> = std::result::Result<T, E>;

/// `Result<T, mailoauth::Error>` → `Result<T, MailoauthError>`.
pub(crate) trait IntoFfi<T> {
    /// Maps the error.
    fn ffi(self) -> Result<T>;
}

impl<T> IntoFfi<T> for std::result::Result<T, Error> {
    fn ffi(self) -> Result<T> {
        self.map_err(MailoauthError::from)
    }
}

/// The stable code of an error (the same as the `code` field of its variant), for callers that
/// want one accessor for every variant.
#[uniffi::export]
pub fn error_code(error: MailoauthError) -> String {
    error.code().to_owned()
}
