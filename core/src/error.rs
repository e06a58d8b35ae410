//! The error type and the server's refusals kept as data.
//!
//! Errors say whose fault a failure is (as h11 does): the caller's input ([`Error::InvalidInput`],
//! [`Error::InvalidTenant`], [`Error::InvalidClientId`]), the peer's garbage
//! ([`Error::Malformed`], [`Error::UnexpectedReply`], [`Error::HttpError`]), a check that failed
//! ([`Error::StateMismatch`], [`Error::IssuerMismatch`], [`Error::MechanismNotOffered`]), or the
//! authorization server's refusal ([`Error::OAuth`], with every field the server sent).
//!
//! Every error has a stable snake_case [`Error::code`]; the bindings and the conformance vectors
//! use the same codes. Messages never contain secrets.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Everything that can go wrong in the core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed a value that cannot be used (code `invalid_input`), for example a token
    /// with a line break that could not be framed on the wire.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The tenant is not a GUID, a domain, `organizations`, `common` or `consumers`, or is not
    /// allowed where it was used (code `invalid_tenant`).
    #[error("invalid tenant: {0}")]
    InvalidTenant(String),
    /// The client (application) id is not a GUID (code `invalid_client_id`).
    #[error("invalid client id: {0}")]
    InvalidClientId(String),
    /// The private key is encrypted with a passphrase (PKCS#8 `ENCRYPTED PRIVATE KEY` or a legacy
    /// `Proc-Type: 4,ENCRYPTED` PEM; code `encrypted_private_key`). The message holds the
    /// `openssl` command that writes an unencrypted copy.
    #[error("encrypted private key: {0}")]
    EncryptedPrivateKey(String),
    /// The provider does not allow this flow for these scopes (code `unsupported_flow`), for
    /// example Google's device flow for the Gmail scope; nothing was sent.
    #[error("unsupported flow: {0}")]
    UnsupportedFlow(String),
    /// The server does not advertise the SASL mechanism; nothing was sent
    /// (code `mechanism_not_offered`).
    #[error("the server does not offer SASL {mechanism}: {hint}")]
    MechanismNotOffered {
        /// The mechanism that was asked for (`XOAUTH2`, `OAUTHBEARER`).
        mechanism: String,
        /// What to do about it.
        hint: String,
    },
    /// The server's reply breaks the protocol at this point of the exchange
    /// (code `unexpected_reply`).
    #[error("unexpected reply from the server: {0}")]
    UnexpectedReply(String),
    /// A response or redirect could not be parsed, or lacks a required field (code `malformed`).
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The redirect's `state` is not the one this client sent (code `state_mismatch`): a possible
    /// CSRF or a stale browser tab. Nothing from the redirect was used.
    #[error("state mismatch: the redirect does not carry the state this client sent")]
    StateMismatch,
    /// The redirect's `iss` is not the expected issuer (RFC 9207, code `issuer_mismatch`).
    #[error("issuer mismatch: expected {expected}, got {got}")]
    IssuerMismatch {
        /// The issuer the caller expected.
        expected: String,
        /// The issuer in the redirect.
        got: String,
    },
    /// The server answered with an HTTP error whose body is not an OAuth error
    /// (a proxy page, an outage; code `http_error`).
    #[error("http error {status}: {body_excerpt}")]
    HttpError {
        /// The HTTP status.
        status: u16,
        /// The start of the body (at most 200 characters), for the log.
        body_excerpt: String,
        /// `Retry-After` in seconds, when sent.
        retry_after: Option<u64>,
    },
    /// The authorization server refused, with its error kept as data. The code is the server's
    /// `error` value (for example `invalid_client`, `invalid_grant`, `access_denied`).
    #[error("{0}")]
    OAuth(Box<OAuthError>),
}

/// Whose fault an error is, for the bindings to map mechanically (one exception class, error
/// variant or JS error name per kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's value cannot be used (`invalid_input`, `invalid_tenant`,
    /// `invalid_client_id`, `encrypted_private_key`, `unsupported_flow`): fix the call.
    InvalidInput,
    /// The peer broke the protocol (`unexpected_reply`, `malformed`) or lacks what it needs
    /// (`mechanism_not_offered`).
    Protocol,
    /// A security check failed (`state_mismatch`, `issuer_mismatch`): nothing was used.
    Security,
    /// The server refused (an OAuth error) or answered with an HTTP error (`http_error`).
    Server,
    /// The connection failed (never made by the core, which does no I/O: the bindings' drivers
    /// use it for their own socket and HTTP failures).
    Network,
}

impl ErrorKind {
    /// `invalid_input`, `protocol`, `security`, `server` or `network`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Security => "security",
            ErrorKind::Server => "server",
            ErrorKind::Network => "network",
        }
    }

    /// The kind of an error known only by its code: what a binding needs when its own code
    /// (a driver, a store) reports a failure under one of the core's codes.
    ///
    /// The core's codes map as [`Error::kind`] does, `network_error` (the drivers' socket and
    /// HTTP failures) is [`ErrorKind::Network`], and any other code is the server's OAuth
    /// `error` value, so [`ErrorKind::Server`].
    ///
    /// ```
    /// use mailoauth::error::ErrorKind;
    /// assert_eq!(ErrorKind::for_code("encrypted_private_key"), ErrorKind::InvalidInput);
    /// assert_eq!(ErrorKind::for_code("network_error"), ErrorKind::Network);
    /// assert_eq!(ErrorKind::for_code("invalid_grant"), ErrorKind::Server);
    /// ```
    pub fn for_code(code: &str) -> ErrorKind {
        match code {
            "invalid_input"
            | "invalid_tenant"
            | "invalid_client_id"
            | "encrypted_private_key"
            | "unsupported_flow" => ErrorKind::InvalidInput,
            "mechanism_not_offered" | "unexpected_reply" | "malformed" => ErrorKind::Protocol,
            "state_mismatch" | "issuer_mismatch" => ErrorKind::Security,
            NETWORK_ERROR_CODE => ErrorKind::Network,
            _ => ErrorKind::Server,
        }
    }
}

/// The code of a connection failure (`network_error`): never made by the core, which does no
/// I/O, but shared by every binding's drivers.
pub const NETWORK_ERROR_CODE: &str = "network_error";

impl Error {
    /// Whose fault this error is (see [`ErrorKind`]).
    ///
    /// ```
    /// use mailoauth::error::ErrorKind;
    /// assert_eq!(mailoauth::cloud::Tenant::parse("a/b").unwrap_err().kind(), ErrorKind::InvalidInput);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput(_)
            | Error::InvalidTenant(_)
            | Error::InvalidClientId(_)
            | Error::EncryptedPrivateKey(_)
            | Error::UnsupportedFlow(_) => ErrorKind::InvalidInput,
            Error::MechanismNotOffered { .. } | Error::UnexpectedReply(_) | Error::Malformed(_) => {
                ErrorKind::Protocol
            }
            Error::StateMismatch | Error::IssuerMismatch { .. } => ErrorKind::Security,
            Error::HttpError { .. } | Error::OAuth(_) => ErrorKind::Server,
        }
    }

    /// The stable snake_case code of this error (the same in every binding and in the vectors).
    pub fn code(&self) -> &str {
        match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::InvalidTenant(_) => "invalid_tenant",
            Error::InvalidClientId(_) => "invalid_client_id",
            Error::EncryptedPrivateKey(_) => "encrypted_private_key",
            Error::UnsupportedFlow(_) => "unsupported_flow",
            Error::MechanismNotOffered { .. } => "mechanism_not_offered",
            Error::UnexpectedReply(_) => "unexpected_reply",
            Error::Malformed(_) => "malformed",
            Error::StateMismatch => "state_mismatch",
            Error::IssuerMismatch { .. } => "issuer_mismatch",
            Error::HttpError { .. } => "http_error",
            Error::OAuth(e) => &e.error,
        }
    }

    /// Everything a binding shows of this error besides its code, kind and message, decided here
    /// once: the server's details, whether to try again, whether the user must sign in again,
    /// and the Entra explainer's cause and fix. Every binding maps it field by field.
    pub fn details(&self) -> ErrorDetails {
        let mut d = ErrorDetails {
            status: self.http_status(),
            retry_after: self.retry_after(),
            transient: self.is_transient(),
            requires_new_sign_in: crate::token::requires_new_sign_in(self),
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
            explanation: crate::diagnose::entra::explain_error(self),
        };
        if let Some(o) = self.oauth() {
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

    /// The server's OAuth error, when this is one.
    pub fn oauth(&self) -> Option<&OAuthError> {
        match self {
            Error::OAuth(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of the server's answer, when this error came from one (`http_error`, or an
    /// OAuth error that carried its status).
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::HttpError { status, .. } => Some(*status),
            Error::OAuth(e) => e.status,
            _ => None,
        }
    }

    /// The server's `Retry-After`, in seconds, when its answer carried one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::HttpError { retry_after, .. } => *retry_after,
            Error::OAuth(e) => e.retry_after,
            _ => None,
        }
    }

    /// Whether trying the same request again later may succeed (HTTP 429 and 5xx, Entra's
    /// `temporarily_unavailable`). A caller must never discard a refresh token over such an error.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::HttpError { status, .. } => *status == 429 || *status >= 500,
            Error::OAuth(e) => e.is_transient(),
            _ => false,
        }
    }

    pub(crate) fn invalid_input(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub(crate) fn malformed(msg: impl Into<String>) -> Self {
        Error::Malformed(msg.into())
    }
}

impl From<OAuthError> for Error {
    fn from(e: OAuthError) -> Self {
        Error::OAuth(Box::new(e))
    }
}

/// Convenience alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What every binding shows of an [`Error`] besides its code, kind and message
/// ([`Error::details`]): the server's details (empty unless the server answered), the flags a
/// caller acts on, and the explainer's cause and fix. Absent values are left out of its serde
/// form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "ServerErrorDetails")
)]
pub struct ErrorDetails {
    /// The HTTP status, when the error came in an HTTP response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Retry-After` in seconds, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Whether trying again later may succeed (429, 5xx, `temporarily_unavailable`).
    pub transient: bool,
    /// Whether the stored refresh token is dead and the user must sign in again.
    pub requires_new_sign_in: bool,
    /// The server's `error` value (`invalid_grant`, ...); `None` unless the server sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The server's `error_description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// Entra's `error_codes`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<u32>,
    /// The AADSTS code (from `error_codes`, else from the description).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aadsts: Option<u32>,
    /// The server's `error_uri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
    /// Entra's `trace_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Entra's `correlation_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Entra's `timestamp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Entra's `suberror`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suberror: Option<String>,
    /// The `claims` challenge (Conditional Access), as JSON text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<String>,
    /// The Entra explainer's cause and fix for this error.
    pub explanation: crate::diagnose::entra::EntraExplanation,
}

/// An OAuth 2.0 error from a token endpoint (RFC 6749 section 5.2) or a redirect (section 4.1.2.1),
/// with Entra's extra fields kept so support staff can trace it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status, for token-endpoint errors.
    pub status: Option<u16>,
    /// The `error` value (`invalid_grant`, `invalid_client`, `access_denied`, ...).
    pub error: String,
    /// The `error_description` (Entra's starts with `AADSTSnnnn:`).
    pub error_description: Option<String>,
    /// Entra's `error_codes` array.
    pub error_codes: Vec<u32>,
    /// The AADSTS code: the first of `error_codes`, else the `AADSTSnnnn:` prefix of the description.
    pub aadsts: Option<u32>,
    /// `error_uri`, when sent.
    pub error_uri: Option<String>,
    /// Entra's `trace_id`.
    pub trace_id: Option<String>,
    /// Entra's `correlation_id`.
    pub correlation_id: Option<String>,
    /// Entra's `timestamp`.
    pub timestamp: Option<String>,
    /// Entra's `suberror` (`consent_required`, `bad_token`, ...).
    pub suberror: Option<String>,
    /// Entra's `claims` challenge (a JSON string) for Conditional Access step-up.
    pub claims: Option<String>,
    /// `Retry-After` in seconds (429/503).
    pub retry_after: Option<u64>,
}

impl OAuthError {
    /// An error with just an `error` value.
    pub fn new(error: impl Into<String>) -> Self {
        OAuthError {
            error: error.into(),
            ..Default::default()
        }
    }

    /// Reads an OAuth error from a JSON body (any status). `None` when the body is not JSON or
    /// has no string `error` member. `status` and `retry_after` are recorded as given.
    pub fn from_json_body(
        status: Option<u16>,
        body: &[u8],
        retry_after: Option<u64>,
    ) -> Option<Self> {
        Self::from_json(status, &crate::json::parse(body).ok()?, retry_after)
    }

    /// [`OAuthError::from_json_body`] of a body already parsed.
    pub(crate) fn from_json(
        status: Option<u16>,
        obj: &crate::json::Json,
        retry_after: Option<u64>,
    ) -> Option<Self> {
        obj.as_object()?;
        let error = obj.get("error")?.as_str()?.to_owned();
        let text = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let error_codes: Vec<u32> = obj
            .get("error_codes")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_u64().and_then(|n| u32::try_from(n).ok()))
                    .collect()
            })
            .unwrap_or_default();
        let error_description = text("error_description");
        let claims = obj.get("claims").map(|c| match c.as_str() {
            Some(s) => s.to_owned(),
            None => c.to_text(),
        });
        let mut e = OAuthError {
            status,
            error,
            error_description,
            error_codes,
            aadsts: None,
            error_uri: text("error_uri"),
            trace_id: text("trace_id"),
            correlation_id: text("correlation_id"),
            timestamp: text("timestamp"),
            suberror: text("suberror"),
            claims,
            retry_after,
        };
        e.aadsts = e.derive_aadsts();
        Some(e)
    }

    /// Builds an error from redirect parameters (`error`, `error_description`, `error_uri`, ...).
    /// `None` when there is no `error` parameter.
    pub fn from_params<'a, I>(params: I) -> Option<Self>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut e = OAuthError::default();
        let mut found = false;
        for (k, v) in params {
            match k {
                "error" => {
                    e.error = v.to_owned();
                    found = true;
                }
                "error_description" => e.error_description = Some(v.to_owned()),
                "error_uri" => e.error_uri = Some(v.to_owned()),
                "trace_id" => e.trace_id = Some(v.to_owned()),
                "correlation_id" => e.correlation_id = Some(v.to_owned()),
                "error_subcode" | "suberror" => e.suberror = Some(v.to_owned()),
                _ => {}
            }
        }
        if !found {
            return None;
        }
        e.aadsts = e.derive_aadsts();
        Some(e)
    }

    /// The AADSTS code from `error_codes`, else from the description's `AADSTSnnnn:` prefix.
    pub fn derive_aadsts(&self) -> Option<u32> {
        self.error_codes
            .first()
            .copied()
            .or_else(|| self.error_description.as_deref().and_then(parse_aadsts))
    }

    /// Whether retrying later may succeed (HTTP 429/5xx, `temporarily_unavailable`, `server_error`).
    pub fn is_transient(&self) -> bool {
        matches!(self.status, Some(s) if s == 429 || s >= 500)
            || self.error == "temporarily_unavailable"
            || self.error == "server_error"
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "authorization server refused: {}", self.error)?;
        if let Some(d) = &self.error_description {
            // Entra appends trace lines after CR LF; the first line is the message.
            let first = d.lines().next().unwrap_or_default();
            write!(f, ": {first}")?;
        }
        Ok(())
    }
}

/// Finds `AADSTS<digits>` in a text (Entra puts it at the start of `error_description`).
pub fn parse_aadsts(text: &str) -> Option<u32> {
    let idx = text.find("AADSTS")?;
    let digits: String = text[idx + 6..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    digits.parse().ok()
}

/// The first `max` characters of a text, for error messages (never cut inside a character).
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// `text` in double quotes for an error message, escaped as `{:?}` escapes it (`\"`, `\\`, `\0`,
/// `\t`, `\r`, `\n`, other control characters as `\u{..}`), and also every space other than
/// U+0020 and the invisible format characters (no-break and zero-width spaces, bidi marks, BOM),
/// so a pasted value shows what it really holds. Used instead of `{:?}`, whose Unicode
/// printability tables cost the wasm page about 3 KB gzipped.
pub(crate) fn quoted(text: impl AsRef<str>) -> String {
    quote(text.as_ref().chars(), '"')
}

/// [`quoted`] of the first `max` characters ([`excerpt`]).
pub(crate) fn quoted_excerpt(text: &str, max: usize) -> String {
    quoted(excerpt(text, max))
}

/// A character in single quotes, escaped as [`quoted`] escapes it (`'` too, as `{:?}` does).
pub(crate) fn quoted_char(c: char) -> String {
    quote(std::iter::once(c), '\'')
}

fn quote(chars: impl Iterator<Item = char>, mark: char) -> String {
    let mut out = String::new();
    out.push(mark);
    for c in chars {
        match c {
            '\0' => out.push_str("\\0"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\\' => out.push_str("\\\\"),
            c if c == mark => {
                out.push('\\');
                out.push(c);
            }
            c if invisible(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(mark);
    out
}

/// Control characters, spaces other than U+0020, and invisible format characters.
fn invisible(c: char) -> bool {
    matches!(c as u32,
        0..=0x1f | 0x7f..=0xa0 | 0xad | 0x34f | 0x61c | 0x115f..=0x1160 | 0x17b4..=0x17b5
        | 0x180b..=0x180f | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x206f | 0x3000
        | 0x3164 | 0xfe00..=0xfe0f | 0xfeff | 0xffa0 | 0xfff0..=0xfffb | 0xe0000..=0xe0fff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_retry_after_from_either_server_error() {
        let http = Error::HttpError {
            status: 503,
            body_excerpt: "<html>".into(),
            retry_after: Some(7),
        };
        assert_eq!(
            (http.http_status(), http.retry_after()),
            (Some(503), Some(7))
        );
        let mut o = OAuthError::new("temporarily_unavailable");
        o.status = Some(429);
        o.retry_after = Some(30);
        let oauth = Error::OAuth(Box::new(o));
        assert_eq!(
            (oauth.http_status(), oauth.retry_after()),
            (Some(429), Some(30))
        );
        let local = Error::StateMismatch;
        assert_eq!((local.http_status(), local.retry_after()), (None, None));
    }

    #[test]
    fn aadsts_from_codes_then_description() {
        let e = OAuthError::from_json_body(
            Some(400),
            br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret","error_codes":[7000215],"trace_id":"t","correlation_id":"c"}"#,
            None,
        )
        .unwrap();
        assert_eq!(e.aadsts, Some(7000215));
        assert_eq!(e.trace_id.as_deref(), Some("t"));
        let e = OAuthError::from_json_body(
            None,
            br#"{"error":"x","error_description":"AADSTS50011: no"}"#,
            None,
        )
        .unwrap();
        assert_eq!(e.aadsts, Some(50011));
        assert_eq!(parse_aadsts("no code"), None);
        assert_eq!(parse_aadsts("AADSTS: none"), None);
    }

    #[test]
    fn non_json_is_none() {
        assert!(OAuthError::from_json_body(Some(503), b"<html>", None).is_none());
        assert!(OAuthError::from_json_body(Some(200), b"{\"access_token\":\"x\"}", None).is_none());
    }

    #[test]
    fn codes() {
        assert_eq!(Error::StateMismatch.code(), "state_mismatch");
        assert_eq!(
            Error::from(OAuthError::new("invalid_grant")).code(),
            "invalid_grant"
        );
        assert!(Error::HttpError {
            status: 503,
            body_excerpt: String::new(),
            retry_after: None
        }
        .is_transient());
        assert!(!Error::from(OAuthError::new("invalid_grant")).is_transient());
    }

    #[test]
    fn quoted_escapes_like_debug_and_shows_invisible_characters() {
        // Whatever `{:?}` prints for text without invisible characters, quoted prints too.
        let samples = [
            "plain",
            "ä ß € 😀 ÄRGER",
            "q\"uote\\back 'single'",
            "\0\t\r\n\u{1}\u{1b}\u{7f}",
            "",
        ];
        for s in samples {
            assert_eq!(quoted(s), format!("{s:?}"), "{s}");
        }
        for c in ['a', '\'', '"', '\t', '\u{7f}', 'é'] {
            assert_eq!(quoted_char(c), format!("{c:?}"));
        }
        // Invisible characters a copied value may carry are shown, not printed as they are.
        assert_eq!(
            quoted("con\u{a0}toso\u{200b}.com\u{feff}\u{2028}"),
            "\"con\\u{a0}toso\\u{200b}.com\\u{feff}\\u{2028}\""
        );
        assert_eq!(quoted_excerpt("héllo", 2), "\"hé…\"");
    }

    #[test]
    fn excerpt_cuts_on_chars() {
        assert_eq!(excerpt("héllo", 2), "hé…");
        assert_eq!(excerpt("hi", 5), "hi");
    }

    #[test]
    fn kinds() {
        let cases = [
            (Error::InvalidInput("x".into()), ErrorKind::InvalidInput),
            (Error::InvalidTenant("x".into()), ErrorKind::InvalidInput),
            (Error::InvalidClientId("x".into()), ErrorKind::InvalidInput),
            (
                Error::EncryptedPrivateKey("x".into()),
                ErrorKind::InvalidInput,
            ),
            (Error::UnsupportedFlow("x".into()), ErrorKind::InvalidInput),
            (
                Error::MechanismNotOffered {
                    mechanism: "XOAUTH2".into(),
                    hint: String::new(),
                },
                ErrorKind::Protocol,
            ),
            (Error::UnexpectedReply("x".into()), ErrorKind::Protocol),
            (Error::Malformed("x".into()), ErrorKind::Protocol),
            (Error::StateMismatch, ErrorKind::Security),
            (
                Error::IssuerMismatch {
                    expected: "a".into(),
                    got: "b".into(),
                },
                ErrorKind::Security,
            ),
            (
                Error::HttpError {
                    status: 503,
                    body_excerpt: String::new(),
                    retry_after: None,
                },
                ErrorKind::Server,
            ),
            (Error::from(OAuthError::default()), ErrorKind::Server),
        ];
        for (e, kind) in cases {
            assert_eq!(e.kind(), kind, "{e}");
            // A binding that knows only the code decides the same way.
            let by_code = ErrorKind::for_code(e.code());
            assert_eq!(by_code, kind, "{}", e.code());
        }
        assert_eq!(ErrorKind::for_code(NETWORK_ERROR_CODE), ErrorKind::Network);
        assert_eq!(ErrorKind::for_code("invalid_grant"), ErrorKind::Server);
        assert_eq!(ErrorKind::for_code(""), ErrorKind::Server);
        assert_eq!(ErrorKind::Network.as_str(), "network");
        assert_eq!(ErrorKind::InvalidInput.as_str(), "invalid_input");
    }

    #[test]
    fn details_are_decided_once_for_every_binding() {
        let refused = Error::OAuth(Box::new(
            OAuthError::from_json_body(
                Some(400),
                br#"{"error":"invalid_grant","error_description":"AADSTS70008: expired","error_codes":[70008],"trace_id":"t","correlation_id":"c","timestamp":"2026-12-05 09:00:00Z","suberror":"bad_token"}"#,
                None,
            )
            .unwrap(),
        ));
        let d = refused.details();
        assert_eq!(d.status, Some(400));
        assert_eq!(d.error.as_deref(), Some("invalid_grant"));
        assert_eq!(d.error_codes, [70008]);
        assert_eq!(d.aadsts, Some(70008));
        assert_eq!(
            (d.trace_id.as_deref(), d.correlation_id.as_deref()),
            (Some("t"), Some("c"))
        );
        assert_eq!(d.suberror.as_deref(), Some("bad_token"));
        assert!(d.requires_new_sign_in && !d.transient);
        assert_eq!(d.explanation.aadsts, Some(70008));

        let throttled = Error::HttpError {
            status: 429,
            body_excerpt: String::new(),
            retry_after: Some(30),
        };
        let d = throttled.details();
        assert_eq!((d.status, d.retry_after), (Some(429), Some(30)));
        assert!(d.transient && !d.requires_new_sign_in);
        assert_eq!((d.error, d.error_codes.len()), (None, 0));

        // A local error has no server details, only the explainer's advice; its serde form
        // leaves the absent values out.
        let d = Error::StateMismatch.details();
        assert_eq!((d.status, d.error.as_deref()), (None, None));
        assert_eq!(d.explanation.error.as_deref(), Some("state_mismatch"));
        let json = serde_json::to_string(&d).unwrap();
        assert!(
            json.starts_with(r#"{"transient":false,"requires_new_sign_in":false,"explanation":{"#),
            "{json}"
        );
    }
}
