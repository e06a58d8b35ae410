//! SASL XOAUTH2 and OAUTHBEARER (RFC 7628) initial responses, their decoding, and the server's
//! failure challenge.
//!
//! - XOAUTH2 (Google's "OAuth 2.0 Mechanism", used by Exchange Online):
//!   `"user=" user "\x01auth=Bearer " token "\x01\x01"`.
//! - OAUTHBEARER (RFC 7628 section 3.1): `"n,a=" saslname "," "\x01" ["host=" h "\x01"]
//!   ["port=" p "\x01"] "auth=Bearer " token "\x01\x01"`, with `,` and `=` in the user escaped as
//!   `=2C` and `=3D` (RFC 5801 section 4).
//! - On failure the server may send a challenge holding base64 JSON (RFC 7628 section 3.2.2:
//!   `status`, `schemes`, `scope`, `openid-configuration`); the client answers it with an empty
//!   line (XOAUTH2) or `AQ==`, base64 of a single 0x01 (OAUTHBEARER), and the server then sends
//!   its final refusal.
//!
//! A user or token that cannot be framed (CR, LF, NUL, 0x01, a space or other control character
//! in the token, an empty token) is refused with [`Error::InvalidInput`] before anything exists
//! to be written.
//!
//! ```
//! let b64 = mailoauth::sasl::xoauth2_base64("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")?;
//! assert_eq!(b64, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::b64;
use crate::error::{Error, Result};
use crate::json::Json;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A SASL mechanism that carries an OAuth 2.0 bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Mechanism {
    /// `XOAUTH2` (Google, Microsoft; the only one Exchange Online offers).
    #[serde(rename = "XOAUTH2")]
    #[cfg_attr(feature = "uniffi", uniffi(name = "Xoauth2"))]
    XOAuth2,
    /// `OAUTHBEARER` (RFC 7628; Gmail, Dovecot and others).
    #[serde(rename = "OAUTHBEARER")]
    #[cfg_attr(feature = "uniffi", uniffi(name = "Oauthbearer"))]
    OAuthBearer,
}

impl Mechanism {
    /// The mechanism name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::XOAuth2 => "XOAUTH2",
            Mechanism::OAuthBearer => "OAUTHBEARER",
        }
    }

    /// What the client sends in answer to a failure challenge: an empty response for XOAUTH2,
    /// `AQ==` (base64 of 0x01, RFC 7628 section 3.2.3) for OAUTHBEARER. Without CR LF.
    pub fn error_challenge_answer(self) -> &'static str {
        match self {
            Mechanism::XOAuth2 => "",
            Mechanism::OAuthBearer => "AQ==",
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mechanism {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if s.eq_ignore_ascii_case("XOAUTH2") {
            Ok(Mechanism::XOAuth2)
        } else if s.eq_ignore_ascii_case("OAUTHBEARER") {
            Ok(Mechanism::OAuthBearer)
        } else {
            Err(Error::invalid_input(format!(
                "unknown SASL mechanism {s} (expected XOAUTH2 or OAUTHBEARER)",
                s = crate::error::quoted(s)
            )))
        }
    }
}

/// What goes into an initial response: the user (mailbox) and the bearer token, plus the
/// optional `host`/`port` of OAUTHBEARER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The mailbox to log in to: the signed-in user, a shared mailbox the user may open, or (app-only)
    /// the target mailbox.
    pub user: String,
    /// The access token.
    pub token: Secret,
    /// OAUTHBEARER `host=` (the server's host name), optional.
    pub host: Option<String>,
    /// OAUTHBEARER `port=`, optional.
    pub port: Option<u16>,
}

impl Credentials {
    /// User and token without host or port.
    pub fn new(user: impl Into<String>, token: impl Into<Secret>) -> Self {
        Credentials {
            user: user.into(),
            token: token.into(),
            host: None,
            port: None,
        }
    }

    /// Checks that the values can be framed; see the module docs.
    pub fn validate(&self) -> Result<()> {
        validate_user(&self.user)?;
        validate_token(self.token.expose_secret())?;
        if let Some(h) = &self.host {
            if h.is_empty() || h.bytes().any(|b| b <= b' ' || b == 0x7f) {
                return Err(Error::invalid_input(
                    "host must be a non-empty host name without spaces or control characters",
                ));
            }
        }
        Ok(())
    }

    /// The raw (not yet base64) initial response for a mechanism.
    pub fn initial_response(&self, mechanism: Mechanism) -> Result<Vec<u8>> {
        self.validate()?;
        let token = self.token.expose_secret();
        let mut out = Vec::with_capacity(self.user.len() + token.len() + 40);
        match mechanism {
            Mechanism::XOAuth2 => {
                out.extend_from_slice(b"user=");
                out.extend_from_slice(self.user.as_bytes());
                out.extend_from_slice(b"\x01auth=Bearer ");
                out.extend_from_slice(token.as_bytes());
                out.extend_from_slice(b"\x01\x01");
            }
            Mechanism::OAuthBearer => {
                out.extend_from_slice(b"n,a=");
                out.extend_from_slice(escape_saslname(&self.user).as_bytes());
                out.extend_from_slice(b",\x01");
                if let Some(h) = &self.host {
                    out.extend_from_slice(b"host=");
                    out.extend_from_slice(h.as_bytes());
                    out.push(0x01);
                }
                if let Some(p) = self.port {
                    out.extend_from_slice(format!("port={p}\x01").as_bytes());
                }
                out.extend_from_slice(b"auth=Bearer ");
                out.extend_from_slice(token.as_bytes());
                out.extend_from_slice(b"\x01\x01");
            }
        }
        Ok(out)
    }

    /// The base64 initial response for a mechanism (what goes on the wire).
    pub fn initial_response_base64(&self, mechanism: Mechanism) -> Result<String> {
        Ok(b64::encode(&self.initial_response(mechanism)?))
    }
}

fn validate_user(user: &str) -> Result<()> {
    if user.is_empty() {
        return Err(Error::invalid_input(
            "user is empty: give the mailbox address",
        ));
    }
    if let Some(b) = user
        .bytes()
        .find(|&b| matches!(b, b'\r' | b'\n' | 0 | 0x01))
    {
        return Err(Error::invalid_input(format!(
            "user contains a forbidden control character (0x{b:02x}): it cannot be framed in SASL"
        )));
    }
    Ok(())
}

fn validate_token(token: &str) -> Result<()> {
    if token.is_empty() {
        return Err(Error::invalid_input("token is empty"));
    }
    if token.bytes().any(|b| b == b' ' || b == b'\t') {
        return Err(Error::invalid_input(
            "token contains white space: pass the access token alone, without a \"Bearer \" prefix",
        ));
    }
    if let Some(b) = token.bytes().find(|&b| b < b' ' || b == 0x7f) {
        return Err(Error::invalid_input(format!(
            "token contains a control character (0x{b:02x}): it cannot be framed in SASL"
        )));
    }
    if !token.is_ascii() {
        return Err(Error::invalid_input("token contains non-ASCII characters"));
    }
    Ok(())
}

/// RFC 5801 section 4 `saslname`: `,` becomes `=2C` and `=` becomes `=3D`.
fn escape_saslname(user: &str) -> String {
    user.replace('=', "=3D").replace(',', "=2C")
}

fn unescape_saslname(s: &str) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        let esc = rest.get(i..i + 3);
        match esc {
            Some("=2C") | Some("=2c") => out.push(','),
            Some("=3D") | Some("=3d") => out.push('='),
            _ => {
                return Err(Error::malformed(
                    "bad '=' escape in the OAUTHBEARER authzid",
                ))
            }
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The XOAUTH2 initial response, raw bytes (before base64).
pub fn xoauth2(user: &str, token: &str) -> Result<Vec<u8>> {
    Credentials::new(user, token).initial_response(Mechanism::XOAuth2)
}

/// The XOAUTH2 initial response, base64 (what IMAP/POP/SMTP carry).
pub fn xoauth2_base64(user: &str, token: &str) -> Result<String> {
    Credentials::new(user, token).initial_response_base64(Mechanism::XOAuth2)
}

/// The OAUTHBEARER initial response, raw bytes (before base64).
pub fn oauthbearer(
    user: &str,
    token: &str,
    host: Option<&str>,
    port: Option<u16>,
) -> Result<Vec<u8>> {
    let mut c = Credentials::new(user, token);
    c.host = host.map(str::to_owned);
    c.port = port;
    c.initial_response(Mechanism::OAuthBearer)
}

/// The OAUTHBEARER initial response, base64.
pub fn oauthbearer_base64(
    user: &str,
    token: &str,
    host: Option<&str>,
    port: Option<u16>,
) -> Result<String> {
    Ok(b64::encode(&oauthbearer(user, token, host, port)?))
}

/// A decoded initial response (what a server or a test sees).
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "DecodedResponse", module = "mailoauth", frozen, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi::export(Debug, Display)
)]
pub struct DecodedResponse {
    /// The mechanism it was decoded as.
    pub mechanism: Mechanism,
    /// The user (`user=` of XOAUTH2, the unescaped `a=` of OAUTHBEARER; may be empty there).
    pub user: String,
    /// The bearer token.
    pub token: Secret,
    /// OAUTHBEARER `host`.
    pub host: Option<String>,
    /// OAUTHBEARER `port`.
    pub port: Option<u16>,
}

/// Decodes a raw (not base64) initial response of either mechanism.
pub fn decode_initial_response(mechanism: Mechanism, raw: &[u8]) -> Result<DecodedResponse> {
    let text =
        std::str::from_utf8(raw).map_err(|_| Error::malformed("initial response is not UTF-8"))?;
    let body = text
        .strip_suffix("\x01\x01")
        .ok_or_else(|| Error::malformed("initial response does not end with two 0x01 bytes"))?;
    let mut out = DecodedResponse {
        mechanism,
        user: String::new(),
        token: Secret::default(),
        host: None,
        port: None,
    };
    let kvs: &str = match mechanism {
        Mechanism::XOAuth2 => body,
        Mechanism::OAuthBearer => {
            let (gs2, rest) = body
                .split_once('\x01')
                .ok_or_else(|| Error::malformed("OAUTHBEARER response lacks the gs2 header"))?;
            let mut parts = gs2.split(',');
            let flag = parts.next().unwrap_or_default();
            if !matches!(flag, "n" | "y") && !flag.starts_with("p=") {
                return Err(Error::malformed(
                    "OAUTHBEARER gs2 header has a bad channel-binding flag",
                ));
            }
            let authzid = parts.next().unwrap_or_default();
            if !authzid.is_empty() {
                let name = authzid.strip_prefix("a=").ok_or_else(|| {
                    Error::malformed("OAUTHBEARER gs2 authzid must start with a=")
                })?;
                out.user = unescape_saslname(name)?;
            }
            if parts.next() != Some("") || parts.next().is_some() {
                return Err(Error::malformed("OAUTHBEARER gs2 header must end with ','"));
            }
            rest
        }
    };
    let mut saw_auth = false;
    for kv in kvs.split('\x01') {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Error::malformed("key-value pair without '='"))?;
        match k {
            "user" if mechanism == Mechanism::XOAuth2 => out.user = v.to_owned(),
            "host" if mechanism == Mechanism::OAuthBearer => out.host = Some(v.to_owned()),
            "port" if mechanism == Mechanism::OAuthBearer => {
                out.port = Some(
                    v.parse()
                        .map_err(|_| Error::malformed("port is not a number"))?,
                )
            }
            "auth" => {
                let token = v
                    .get(..7)
                    .filter(|p| p.eq_ignore_ascii_case("bearer "))
                    .map(|_| &v[7..])
                    .ok_or_else(|| Error::malformed("auth value is not 'Bearer <token>'"))?;
                out.token = Secret::new(token);
                saw_auth = true;
            }
            _ => {}
        }
    }
    if !saw_auth {
        return Err(Error::malformed("initial response has no auth= value"));
    }
    if mechanism == Mechanism::XOAuth2 && out.user.is_empty() {
        return Err(Error::malformed("XOAUTH2 response has no user= value"));
    }
    Ok(out)
}

/// Decodes a base64 initial response of either mechanism.
pub fn decode_initial_response_base64(mechanism: Mechanism, b64: &str) -> Result<DecodedResponse> {
    let raw = crate::b64::decode(b64.trim().as_bytes())
        .map_err(|_| Error::malformed("initial response is not valid base64"))?;
    decode_initial_response(mechanism, &raw)
}

/// The server's failure challenge (RFC 7628 section 3.2.2; Google's XOAUTH2 sends the same JSON).
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "SaslError", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SaslError {
    /// `status`: an HTTP-like status (`"401"`, `"invalid_token"`, ...).
    pub status: Option<String>,
    /// `schemes`: the HTTP auth schemes the server accepts (`"bearer mac"`).
    pub schemes: Option<String>,
    /// `scope`: the scope a token needs.
    pub scope: Option<String>,
    /// `openid-configuration`: where to discover the authorization server.
    pub openid_configuration: Option<String>,
}

/// Decodes a failure challenge: the base64 text after `+ ` (IMAP), `+ ` (POP) or `334 ` (SMTP).
///
/// The JSON must be an object; its members may be absent. Non-string values of the four known
/// members are kept as their JSON text (some servers send `"status": 401`).
pub fn decode_error_challenge(b64: &str) -> Result<SaslError> {
    let raw = crate::b64::decode(b64.trim().as_bytes())
        .map_err(|_| Error::malformed("SASL challenge is not valid base64"))?;
    let obj =
        crate::json::parse(&raw).map_err(|_| Error::malformed("SASL challenge is not JSON"))?;
    if obj.as_object().is_none() {
        return Err(Error::malformed("SASL challenge JSON is not an object"));
    }
    let get = |k: &str| {
        obj.get(k).and_then(|v| match v {
            Json::Null => None,
            Json::String(s) => Some(s.clone()),
            other => Some(other.to_text()),
        })
    };
    Ok(SaslError {
        status: get("status"),
        schemes: get("schemes"),
        scope: get("scope"),
        openid_configuration: get("openid-configuration"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc7628_example() {
        let b64 = oauthbearer_base64(
            "user@example.com",
            "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
            Some("server.example.com"),
            Some(143),
        )
        .unwrap();
        assert_eq!(b64, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
    }

    #[test]
    fn refuses_unframeable() {
        for (u, t) in [
            ("a\r\nb", "tok"),
            ("a\nb", "tok"),
            ("a\0b", "tok"),
            ("a\x01b", "tok"),
            ("", "tok"),
            ("a@b", ""),
            ("a@b", "to k"),
            ("a@b", "Bearer tok"),
            ("a@b", "tok\r\n"),
            ("a@b", "tok\x01"),
            ("a@b", "tök"),
        ] {
            let e = xoauth2(u, t).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{u:?} {t:?}");
            assert_eq!(
                oauthbearer(u, t, None, None).unwrap_err().code(),
                "invalid_input"
            );
        }
        assert_eq!(
            oauthbearer("a", "t", Some("h st"), None)
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn saslname_escaping() {
        let raw = oauthbearer("a,b=c", "t", None, None).unwrap();
        assert_eq!(raw, b"n,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01");
        let d = decode_initial_response(Mechanism::OAuthBearer, &raw).unwrap();
        assert_eq!(d.user, "a,b=c");
        assert!(decode_initial_response(
            Mechanism::OAuthBearer,
            b"n,a=x=41,\x01auth=Bearer t\x01\x01"
        )
        .is_err());
    }

    #[test]
    fn challenge_decoding() {
        let e = decode_error_challenge("eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5jb20vIn0K").unwrap();
        assert_eq!(e.status.as_deref(), Some("401"));
        assert_eq!(e.schemes.as_deref(), Some("bearer mac"));
        assert_eq!(e.openid_configuration, None);
        let oidc = b64::encode(br#"{"status":"invalid_token","openid-configuration":"https://x/.well-known/openid-configuration"}"#);
        let e = decode_error_challenge(&oidc).unwrap();
        assert_eq!(
            e.openid_configuration.as_deref(),
            Some("https://x/.well-known/openid-configuration")
        );
        for bad in ["!!!", "bm90IGpzb24=", "WzFd"] {
            assert_eq!(
                decode_error_challenge(bad).unwrap_err().code(),
                "malformed",
                "{bad}"
            );
        }
    }

    #[test]
    fn mechanism_names() {
        assert_eq!("xoauth2".parse::<Mechanism>().unwrap(), Mechanism::XOAuth2);
        assert_eq!(
            "OAUTHBEARER".parse::<Mechanism>().unwrap(),
            Mechanism::OAuthBearer
        );
        assert_eq!(
            "PLAIN".parse::<Mechanism>().unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(Mechanism::OAuthBearer.error_challenge_answer(), "AQ==");
    }

    #[test]
    fn credentials_debug_redacts_token() {
        let c = Credentials::new("u@x", "sekrit-token");
        assert!(!format!("{c:?}").contains("sekrit"));
        let d = decode_initial_response(
            Mechanism::XOAuth2,
            &c.initial_response(Mechanism::XOAuth2).unwrap(),
        )
        .unwrap();
        assert!(!format!("{d:?}").contains("sekrit"));
    }

    fn user_strategy() -> impl Strategy<Value = String> {
        "[^\r\n\u{0}\u{1}]{1,40}"
    }
    fn token_strategy() -> impl Strategy<Value = String> {
        "[A-Za-z0-9._~+/=!*-]{1,300}"
    }

    proptest! {
        #[test]
        fn xoauth2_round_trip(user in user_strategy(), token in token_strategy()) {
            let b64 = xoauth2_base64(&user, &token).unwrap();
            let d = decode_initial_response_base64(Mechanism::XOAuth2, &b64).unwrap();
            prop_assert_eq!(d.user, user);
            prop_assert_eq!(d.token.expose_secret(), token.as_str());
        }

        #[test]
        fn oauthbearer_round_trip(user in user_strategy(), token in token_strategy(),
                                  host in proptest::option::of("[a-z0-9.-]{1,30}"), port in proptest::option::of(any::<u16>())) {
            let b64 = oauthbearer_base64(&user, &token, host.as_deref(), port).unwrap();
            let d = decode_initial_response_base64(Mechanism::OAuthBearer, &b64).unwrap();
            prop_assert_eq!(d.user, user);
            prop_assert_eq!(d.token.expose_secret(), token.as_str());
            prop_assert_eq!(d.host, host);
            prop_assert_eq!(d.port, port);
        }

        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_initial_response(Mechanism::XOAuth2, &bytes);
            let _ = decode_initial_response(Mechanism::OAuthBearer, &bytes);
            let _ = decode_error_challenge(&String::from_utf8_lossy(&bytes));
        }
    }
}
