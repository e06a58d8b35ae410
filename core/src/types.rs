//! Checked values of OAuth requests: [`ClientId`], [`Scope`], [`RedirectUri`].
//!
//! Each is checked once, when it is made, by one rule: the authorize URL
//! ([`crate::authorize::build_authorize_url`]), the token requests ([`crate::token`]), the
//! device-authorization request ([`crate::device`]) and admin consent ([`crate::consent`]) all
//! take their client id, scopes and redirect URI through these types, so a value one of them
//! accepts is accepted by all of them, with the same error. The rules (RFC 6749 sections 2.2,
//! 3.1.2, 3.3; `docs/protocol.md`):
//!
//! | type | accepts | error |
//! |---|---|---|
//! | [`ClientId::new`] | any server's id: non-empty, no white space or control character (trimmed first) | [`Error::InvalidClientId`] |
//! | [`ClientId::entra`] | a Microsoft Entra application id: a GUID (trimmed, lowercased) | [`Error::InvalidClientId`] |
//! | [`Scope::new`] | one RFC 6749 `scope-token`: printable ASCII without space, `"` and `\` | [`Error::InvalidInput`] |
//! | [`RedirectUri::new`] | an absolute URL without `#fragment`, control characters or surrounding white space | [`Error::InvalidInput`] |
//!
//! Messages quote the offending value (none of these is a secret), shortened when long.
//!
//! ```
//! use mailoauth::types::{ClientId, RedirectUri, Scope};
//!
//! let id = ClientId::entra(" 9E5F94BC-E8A4-4E73-B8BE-63364C29D753 ")?;
//! assert_eq!(id.as_str(), "9e5f94bc-e8a4-4e73-b8be-63364c29d753");
//! let scopes = Scope::list(&["https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"])?;
//! assert_eq!(Scope::join(&scopes), "https://outlook.office.com/IMAP.AccessAsUser.All offline_access");
//! assert!(Scope::new("two scopes").is_err());
//! assert!(RedirectUri::new("http://localhost:8080/#done").is_err());
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::error::quoted_excerpt;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A client (application) id, checked: non-empty, no white space or control character.
///
/// Serialized as its text; deserializing checks it with [`ClientId::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    /// A client id of any server (Google's look like `1234-abc.apps.googleusercontent.com`):
    /// trimmed, then it must be non-empty and hold no white space or control character.
    /// Fails with [`Error::InvalidClientId`].
    pub fn new(id: &str) -> Result<ClientId> {
        let t = id.trim();
        if t.is_empty() {
            return Err(Error::InvalidClientId("the client id is empty".to_owned()));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::InvalidClientId(format!(
                "{} holds white space or control characters",
                quoted_excerpt(t, 100)
            )));
        }
        Ok(ClientId(t.to_owned()))
    }

    /// A Microsoft Entra application (client) id: a GUID, trimmed and lowercased. Fails with
    /// [`Error::InvalidClientId`] saying where to find the id.
    pub fn entra(id: &str) -> Result<ClientId> {
        let t = id.trim();
        if crate::cloud::is_guid(t) {
            Ok(ClientId(t.to_ascii_lowercase()))
        } else {
            Err(Error::InvalidClientId(format!(
                "{s} is not an application (client) id: it must be a GUID such as 9e5f94bc-e8a4-4e73-b8be-63364c29d753 (Entra portal > App registrations > Overview)",
                s = quoted_excerpt(id, 100)
            )))
        }
    }
}

/// A scope token of RFC 6749 section 3.3: printable ASCII without space, `"` and `\`
/// (`%x21 / %x23-5B / %x5D-7E`), non-empty. A request's scopes are a list of these, sent joined
/// by spaces ([`Scope::join`]).
///
/// Serialized as its text; deserializing checks it with [`Scope::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scope(String);

impl Scope {
    /// One scope. Fails with [`Error::InvalidInput`] for an empty one or one with a space, a
    /// quote, a backslash, a control or a non-ASCII character (two scopes in one entry).
    pub fn new(scope: &str) -> Result<Scope> {
        let ok = !scope.is_empty()
            && scope
                .bytes()
                .all(|c| matches!(c, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
        if ok {
            Ok(Scope(scope.to_owned()))
        } else {
            Err(Error::invalid_input(format!(
                "scope {} is empty or holds a space, a quote, a backslash or a non-ASCII character (RFC 6749 section 3.3): give one scope per entry",
                quoted_excerpt(scope, 100)
            )))
        }
    }

    /// Every entry checked with [`Scope::new`]; the first bad one is the error.
    pub fn list<S: AsRef<str>>(scopes: &[S]) -> Result<Vec<Scope>> {
        let mut out = Vec::with_capacity(scopes.len());
        for s in scopes {
            out.push(Scope::new(s.as_ref())?);
        }
        Ok(out)
    }

    /// The scopes of a space-separated `scope` parameter (runs of spaces are one separator;
    /// leading and trailing spaces are ignored), each checked with [`Scope::new`]. Empty text
    /// gives no scope. Fails with [`Error::InvalidInput`] for a control character (a line break
    /// or a tab is no separator).
    pub fn split(text: &str) -> Result<Vec<Scope>> {
        let mut out = Vec::new();
        for s in text.split(' ') {
            if !s.is_empty() {
                out.push(Scope::new(s)?);
            }
        }
        Ok(out)
    }

    /// The value of a `scope` parameter: the scopes joined by single spaces.
    pub fn join(scopes: &[Scope]) -> String {
        let mut out = String::new();
        for (i, s) in scopes.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&s.0);
        }
        out
    }
}

/// A redirect URI (RFC 6749 section 3.1.2), checked: an absolute URL (strict ASCII syntax) with
/// no `#fragment`, no control character and no surrounding white space. It is kept exactly as
/// given, because the token request must repeat the authorize request's redirect URI
/// byte for byte.
///
/// Serialized as its text; deserializing checks it with [`RedirectUri::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RedirectUri(String);

impl RedirectUri {
    /// The redirect URI. Fails with [`Error::InvalidInput`] saying what is wrong.
    pub fn new(uri: &str) -> Result<RedirectUri> {
        if uri.chars().any(char::is_control) || uri.trim() != uri {
            return Err(Error::invalid_input(format!(
                "redirect_uri {} holds control characters or surrounding white space",
                quoted_excerpt(uri, 100)
            )));
        }
        let u = crate::weburl::Url::parse_detail(uri).map_err(|why| {
            Error::invalid_input(format!(
                "redirect_uri {} is not an absolute URL: {why}",
                quoted_excerpt(uri, 100)
            ))
        })?;
        if u.fragment().is_some() {
            return Err(Error::invalid_input(format!(
                "redirect_uri {} must not have a #fragment (RFC 6749 section 3.1.2)",
                quoted_excerpt(uri, 100)
            )));
        }
        Ok(RedirectUri(uri.to_owned()))
    }
}

macro_rules! text_impls {
    ($($t:ident),*) => {$(
        impl $t {
            /// The checked text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The checked text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl std::str::FromStr for $t {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                $t::new(s)
            }
        }
        impl TryFrom<String> for $t {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                $t::new(&s)
            }
        }
        impl TryFrom<&str> for $t {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self> {
                $t::new(s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    )*};
}
text_impls!(ClientId, Scope, RedirectUri);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids() {
        assert_eq!(
            ClientId::new(" mail-client ").unwrap().as_str(),
            "mail-client"
        );
        for bad in ["", "   ", "two words", "tab\there", "nul\0"] {
            assert_eq!(
                ClientId::new(bad).unwrap_err().code(),
                "invalid_client_id",
                "{bad:?}"
            );
        }
        assert_eq!(
            ClientId::entra("9E5F94BC-E8A4-4E73-B8BE-63364C29D753")
                .unwrap()
                .as_str(),
            "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
        );
        let e = ClientId::entra("thunderbird").unwrap_err();
        assert_eq!(e.code(), "invalid_client_id");
        assert!(e.to_string().contains("App registrations"), "{e}");
    }

    #[test]
    fn scopes() {
        let s = Scope::list(&["a", "b:c/d.e"]).unwrap();
        assert_eq!(Scope::join(&s), "a b:c/d.e");
        assert_eq!(Scope::join(&[]), "");
        for bad in ["", "a b", "q\"", "back\\slash", "caf\u{e9}", "line\nbreak"] {
            assert_eq!(
                Scope::new(bad).unwrap_err().code(),
                "invalid_input",
                "{bad:?}"
            );
        }
        let split = Scope::split("  one   two ").unwrap();
        assert_eq!(
            split.iter().map(Scope::as_str).collect::<Vec<_>>(),
            ["one", "two"]
        );
        assert!(Scope::split("").unwrap().is_empty());
        assert!(Scope::split("one\ntwo").is_err());
    }

    #[test]
    fn redirect_uris() {
        for ok in [
            "http://localhost:8080/",
            "https://app.example/cb?x=1",
            "com.example.app:/oauth",
        ] {
            assert_eq!(RedirectUri::new(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            "/relative",
            " https://a.example/",
            "https://a.example/#f",
            "https://a.example/\n",
        ] {
            assert_eq!(
                RedirectUri::new(bad).unwrap_err().code(),
                "invalid_input",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn serde_checks_on_the_way_in() {
        let id: ClientId = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"abc\"");
        assert!(serde_json::from_str::<ClientId>("\"a b\"").is_err());
        assert!(serde_json::from_str::<Scope>("\"\"").is_err());
        assert!(serde_json::from_str::<RedirectUri>("\"nope\"").is_err());
    }

    #[test]
    fn messages_are_bounded() {
        let long = "x ".repeat(10_000);
        assert!(ClientId::new(&long).unwrap_err().to_string().len() < 400);
        assert!(ClientId::entra(&long).unwrap_err().to_string().len() < 400);
        assert!(Scope::new(&long).unwrap_err().to_string().len() < 400);
        assert!(RedirectUri::new(&long).unwrap_err().to_string().len() < 400);
    }
}
