//! Mail providers beyond Microsoft: the Google (Gmail / Google Workspace) preset, and the rules
//! that differ per provider (client ids, scopes, which flows a provider allows).
//! docs/protocol.md section 14; Google Identity "OAuth 2.0 for Mobile & Desktop Apps",
//! "OAuth 2.0 for TV and Limited-Input Device Applications", "OAuth 2.0 Scopes for Google APIs"
//! and Gmail "IMAP, POP, and SMTP".
//!
//! Microsoft stays first: its clouds and tenants are [`crate::cloud`]; [`ProviderId::Microsoft`]
//! here only names it. Any other server is reached by its issuer ([`crate::discovery`]) or by
//! explicit endpoints ([`Endpoints::custom`]).
//!
//! ```
//! use mailoauth::provider::{google, ProviderId};
//! use mailoauth::cloud::Protocol;
//!
//! let p: ProviderId = "google".parse()?;
//! assert_eq!(google::endpoints().token_url, "https://oauth2.googleapis.com/token");
//! assert_eq!(google::mail_server(Protocol::Imap), ("imap.gmail.com".to_owned(), 993));
//! assert_eq!(p.validate_client_id(" 1234-abc.apps.googleusercontent.com ")?, "1234-abc.apps.googleusercontent.com");
//! assert_eq!(p.check_device_flow(&[google::MAIL_SCOPE.to_owned()]).unwrap_err().code(), "unsupported_flow");
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::cloud::{validate_client_id, Endpoints};
use crate::error::{quoted, Error, Result};
use serde::{Deserialize, Serialize};

/// A provider with a preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProviderId {
    /// Microsoft Entra / Exchange Online (every cloud: [`crate::cloud::CloudId`]).
    Microsoft,
    /// Google: Gmail and Google Workspace.
    Google,
}

impl ProviderId {
    /// Every preset, Microsoft first.
    pub const ALL: [ProviderId; 2] = [ProviderId::Microsoft, ProviderId::Google];

    /// `microsoft` or `google`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::Microsoft => "microsoft",
            ProviderId::Google => "google",
        }
    }

    /// Reads `microsoft` or `google` (case-insensitive; `gmail` is Google). Fails with
    /// [`Error::InvalidInput`] naming the presets and `--issuer` for other servers.
    pub fn parse(name: &str) -> Result<ProviderId> {
        match name.trim().to_ascii_lowercase().as_str() {
            "microsoft" | "entra" | "azure" => Ok(ProviderId::Microsoft),
            "google" | "gmail" => Ok(ProviderId::Google),
            _ => Err(Error::invalid_input(format!(
                "provider {} is not one of microsoft, google (for another server give its issuer, which is discovered, or its endpoints)",
                quoted(name)
            ))),
        }
    }

    /// Checks a client id as this provider issues them: a GUID for Microsoft (returned
    /// lowercased, [`validate_client_id`] with its hint where to find it); for Google any
    /// non-empty text without white space or control characters (Google's look like
    /// `1234-abc.apps.googleusercontent.com`), returned trimmed.
    pub fn validate_client_id(self, client_id: &str) -> Result<String> {
        match self {
            ProviderId::Microsoft => validate_client_id(client_id),
            ProviderId::Google => validate_free_form_client_id(client_id),
        }
    }

    /// Whether this provider lets a device-flow client ask for `scopes` (RFC 8628). Google's
    /// limited-input device flow allows only a short list of scopes, and Gmail's is not among
    /// them: asking would fail at Google with `invalid_scope`, after the user typed the code.
    /// Fails with [`Error::UnsupportedFlow`] then (use the browser sign-in with a loopback
    /// redirect instead).
    pub fn check_device_flow(self, scopes: &[String]) -> Result<()> {
        match self {
            ProviderId::Google if scopes.iter().any(|s| google::is_mail_scope(s)) => {
                Err(Error::UnsupportedFlow(
                    "Google's device flow (TVs and limited-input devices) does not allow the Gmail scope https://mail.google.com/: sign in with the browser (authorization code with a loopback redirect) instead".to_owned(),
                ))
            }
            _ => Ok(()),
        }
    }
}

impl std::fmt::Display for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ProviderId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ProviderId::parse(s)
    }
}

/// A client id of a server that is not Microsoft's: any text without white space or control
/// characters (trimmed first; [`ClientId::new`](crate::ClientId::new)). Fails with
/// [`Error::InvalidClientId`].
pub fn validate_free_form_client_id(client_id: &str) -> Result<String> {
    crate::ClientId::new(client_id).map(crate::ClientId::into_string)
}

/// Google's preset (Gmail and Google Workspace).
pub mod google {
    use super::*;
    use crate::cloud::Protocol;
    use crate::token::ClientAuthMethod;

    /// Google's issuer (its discovery document is `{ISSUER}/.well-known/openid-configuration`).
    pub const ISSUER: &str = "https://accounts.google.com";
    /// The authorization endpoint, with `access_type=offline`: without it Google issues no
    /// refresh token to an installed app.
    pub const AUTHORIZE_URL: &str =
        "https://accounts.google.com/o/oauth2/v2/auth?access_type=offline";
    /// The token endpoint.
    pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
    /// The device authorization endpoint (not usable for Gmail: [`ProviderId::check_device_flow`]).
    pub const DEVICE_AUTHORIZATION_URL: &str = "https://oauth2.googleapis.com/device/code";
    /// The token revocation endpoint.
    pub const REVOCATION_URL: &str = "https://oauth2.googleapis.com/revoke";
    /// The scope of full IMAP, POP and SMTP access to Gmail (Google has no narrower mail-protocol
    /// scope; no `offline_access` scope either — the refresh token comes from `access_type=offline`).
    pub const MAIL_SCOPE: &str = "https://mail.google.com/";
    /// How Google's installed-app ("Desktop app") clients authenticate: they are issued a
    /// `client_secret` and send it in the body, though Google does not treat it as secret.
    pub const CLIENT_AUTH: ClientAuthMethod = ClientAuthMethod::ClientSecretPost;

    /// Google's endpoints, with its issuer for the RFC 9207 `iss` check.
    pub fn endpoints() -> Endpoints {
        Endpoints {
            authorize_url: AUTHORIZE_URL.to_owned(),
            token_url: TOKEN_URL.to_owned(),
            device_authorization_url: DEVICE_AUTHORIZATION_URL.to_owned(),
            issuer: Some(ISSUER.to_owned()),
        }
    }

    /// The scopes a mail client asks Google for: [`MAIL_SCOPE`] alone, whatever the protocols.
    pub fn scopes() -> Vec<String> {
        vec![MAIL_SCOPE.to_owned()]
    }

    /// Whether a scope is Gmail's mail scope (with or without the final `/`).
    pub fn is_mail_scope(scope: &str) -> bool {
        scope.trim_end_matches('/') == MAIL_SCOPE.trim_end_matches('/')
    }

    /// Host and port of Gmail's servers: `imap.gmail.com` 993 and `pop.gmail.com` 995 with
    /// implicit TLS, `smtp.gmail.com` 587 with STARTTLS (465 with implicit TLS also works).
    pub fn mail_server(protocol: Protocol) -> (String, u16) {
        match protocol {
            Protocol::Imap => ("imap.gmail.com".to_owned(), 993),
            Protocol::Pop => ("pop.gmail.com".to_owned(), 995),
            Protocol::Smtp => ("smtp.gmail.com".to_owned(), 587),
        }
    }

    /// Checks a redirect URI for a Google installed app: Google accepts only a loopback address
    /// (`http://127.0.0.1:{port}`, `http://[::1]:{port}`, or `http://localhost:{port}`); the
    /// out-of-band `urn:ietf:wg:oauth:2.0:oob` flow is retired. Fails with
    /// [`Error::InvalidInput`] saying so.
    pub fn check_redirect_uri(uri: &str) -> Result<()> {
        let t = uri.trim();
        if t.starts_with("urn:ietf:wg:oauth:2.0:oob") {
            return Err(Error::invalid_input(
                "Google retired the out-of-band redirect (urn:ietf:wg:oauth:2.0:oob): use a loopback redirect such as http://127.0.0.1:8080/",
            ));
        }
        let loopback = crate::weburl::Url::parse(t)
            .ok()
            .filter(|u| u.scheme() == "http")
            .is_some_and(|u| crate::cloud::is_loopback(&u));
        if loopback {
            Ok(())
        } else {
            Err(Error::invalid_input(format!(
                "redirect URI {} is not a loopback address: Google's installed apps redirect to http://127.0.0.1:PORT/ (or [::1], localhost)",
                quoted(t)
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Protocol;

    #[test]
    fn names() {
        for p in ProviderId::ALL {
            assert_eq!(ProviderId::parse(p.as_str()).unwrap(), p);
        }
        assert_eq!(ProviderId::parse(" Gmail ").unwrap(), ProviderId::Google);
        assert_eq!(
            ProviderId::parse("yahoo").unwrap_err().code(),
            "invalid_input"
        );
    }

    #[test]
    fn client_ids_per_provider() {
        let g = ProviderId::Google;
        assert_eq!(g.validate_client_id("mail-client").unwrap(), "mail-client");
        for bad in ["", "  ", "a b", "a\nb"] {
            assert_eq!(
                g.validate_client_id(bad).unwrap_err().code(),
                "invalid_client_id"
            );
        }
        let m = ProviderId::Microsoft;
        assert_eq!(
            m.validate_client_id("mail-client").unwrap_err().code(),
            "invalid_client_id"
        );
        assert_eq!(
            m.validate_client_id("9E5F94BC-E8A4-4E73-B8BE-63364C29D753")
                .unwrap(),
            "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
        );
    }

    #[test]
    fn google_device_flow_refuses_gmail() {
        let g = ProviderId::Google;
        for s in ["https://mail.google.com/", "https://mail.google.com"] {
            let e = g.check_device_flow(&[s.to_owned()]).unwrap_err();
            assert_eq!(e.code(), "unsupported_flow");
            assert_eq!(e.kind(), crate::error::ErrorKind::InvalidInput);
        }
        assert!(g
            .check_device_flow(&["openid".to_owned(), "email".to_owned()])
            .is_ok());
        assert!(ProviderId::Microsoft
            .check_device_flow(&["https://mail.google.com/".to_owned()])
            .is_ok());
    }

    #[test]
    fn google_authorize_url_asks_for_offline_access() {
        let url = crate::authorize::build_authorize_url(&crate::authorize::AuthorizeRequest {
            authorize_url: google::AUTHORIZE_URL.to_owned(),
            client_id: "1234-abc.apps.googleusercontent.com".to_owned(),
            redirect_uri: "http://127.0.0.1:8080/".to_owned(),
            scopes: google::scopes(),
            state: "st".to_owned(),
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned(),
            response_mode: None,
            prompt: Some("consent".to_owned()),
            login_hint: Some("user@gmail.com".to_owned()),
            domain_hint: None,
        })
        .unwrap();
        assert_eq!(
            url,
            "https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&client_id=1234-abc.apps.googleusercontent.com\
             &response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F&scope=https%3A%2F%2Fmail.google.com%2F\
             &state=st&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256\
             &prompt=consent&login_hint=user%40gmail.com"
        );
    }

    #[test]
    fn google_preset() {
        let e = google::endpoints();
        e.validate().unwrap();
        assert_eq!(e.issuer.as_deref(), Some("https://accounts.google.com"));
        assert_eq!(google::scopes(), ["https://mail.google.com/"]);
        assert_eq!(
            google::mail_server(Protocol::Smtp),
            ("smtp.gmail.com".to_owned(), 587)
        );
        assert_eq!(
            google::mail_server(Protocol::Pop),
            ("pop.gmail.com".to_owned(), 995)
        );
        for ok in [
            "http://127.0.0.1:8080/",
            "http://[::1]:9/",
            "http://localhost:1/cb",
        ] {
            google::check_redirect_uri(ok).unwrap();
        }
        for bad in [
            "urn:ietf:wg:oauth:2.0:oob",
            "urn:ietf:wg:oauth:2.0:oob:auto",
            "https://app.example/cb",
            "http://example.com/",
            "",
        ] {
            assert_eq!(
                google::check_redirect_uri(bad).unwrap_err().code(),
                "invalid_input"
            );
        }
    }
}
