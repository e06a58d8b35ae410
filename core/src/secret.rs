//! Secrets that never print.
//!
//! Access tokens, refresh tokens, client secrets, authorization codes and PKCE verifiers are held
//! in [`Secret`]: its `Debug` and `Display` print `[redacted]` in every build, so a secret cannot
//! leak through logs, panics or error messages. Read it only where it goes on the wire, with
//! [`Secret::expose_secret`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// A string that must not appear in logs: `Debug` and `Display` print `[redacted]`.
///
/// Serde (de)serializes the plain value, so a host can persist a [`crate::token::TokenSet`];
/// protect the file that holds it.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself. Call this only where the value goes on the wire.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

// UniFFI (feature `uniffi`): a `Secret` crosses the FFI as a plain string (`Secret` is a type
// alias of `String` in Kotlin and Swift; the foreign side holds the value anyway). The records
// that hold one print through their Rust `Debug`, so their Kotlin `toString()` and Swift
// `description` stay redacted.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(Secret, String, {
    lower: |secret| secret.0,
    try_lift: |value| Ok(Secret(value)),
});

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(s.expose_secret(), "hunter2");
    }

    #[test]
    fn serde_is_transparent() {
        let s = Secret::new("abc");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"abc\"");
        let back: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(back, s);
    }
}
