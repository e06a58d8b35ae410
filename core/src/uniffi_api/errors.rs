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

use crate::{Error, ErrorKind};

// The server's refusal kept as data: the core's own `ErrorDetails` (exported as
// `ServerErrorDetails`), the same record every binding maps.
pub use crate::error::ErrorDetails as ServerErrorDetails;

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
                details: e.details(),
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
