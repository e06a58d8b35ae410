//! Access-token lint: decode an access token's claims WITHOUT verifying its signature and say why
//! Exchange would refuse it (docs/protocol.md section 8; RFC 7519 for the JWT format, RFC 7515
//! section 7.1 for the compact serialization; Microsoft identity platform "Access token claims
//! reference" for `aud`, `scp`, `roles`, `upn`, `appid`/`azp`).
//!
//! This is diagnosis only: nothing decoded here may be trusted for an authorization decision.
//!
//! Stable finding codes of [`lint_access_token`]:
//!
//! | code | meaning |
//! |---|---|
//! | `opaque_token` | not a JWT (personal Outlook.com accounts get opaque tokens): nothing else can be checked |
//! | `expired` | `exp` <= now |
//! | `wrong_audience` | `aud` is not an Exchange Online resource of any cloud (Graph is the usual mistake) |
//! | `missing_scope` | delegated: `scp` lacks the protocol's permission (`IMAP.AccessAsUser.All`, ...) |
//! | `missing_role` | app-only IMAP/POP: `roles` lacks `IMAP.AccessAsApp` / `POP.AccessAsApp` (or the token is delegated) |
//! | `smtp_role_absent` | app-only SMTP: `roles` lacks `SMTP.SendAsApp`; a warning, since App RBAC and High Volume Email authorise SMTP without it |
//! | `user_differs` | delegated: the token's user is not the `user=` of the login; an error for SMTP (a shared mailbox cannot be an SMTP AUTH identity), a note for IMAP/POP (fine for a shared mailbox) |
//!
//! Every finding is of severity `error` except `smtp_role_absent` (warning), `user_differs` for
//! IMAP/POP (note) and `opaque_token` (a note for an opaque token, as personal accounts get; a
//! warning for a JWT that cannot be decoded; an error for an empty token). When the
//! token's `tid` is the personal-account tenant ([`crate::cloud::CONSUMERS_TENANT_ID`]), fixes
//! speak to the account owner instead of a tenant administrator.
//!
//! The token itself never appears in a finding, an error or a `Debug` output.

use super::Severity;
use crate::cloud::{
    Cloud, CloudId, Grant, Protocol, EXCHANGE_ONLINE_APP_ID, GRAPH_APP_ID, GRAPH_RESOURCE,
};
use crate::error::{Error, Result};
use crate::json::{self, Json, WholePart};
use serde::{Deserialize, Serialize};

/// The header and payload of a JWT, as JSON text. The signature is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DecodedJwt {
    /// The JOSE header (`{"typ":"JWT","alg":"RS256",...}`).
    pub header: String,
    /// The claims.
    pub payload: String,
}

/// A finding of a lint: a stable code, how much it matters, what is wrong and what to do.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "LintFinding", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LintFinding {
    /// The stable snake_case code.
    pub code: String,
    /// `error` (the login will fail), `warning` (it may) or `note`.
    #[serde(default)]
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: String,
}

impl LintFinding {
    /// A finding of severity `error`.
    pub(crate) fn new(code: &str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        LintFinding {
            code: code.to_owned(),
            severity: Severity::Error,
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// The same finding with another severity.
    pub(crate) fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// The claims of an access token that matter for mail.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "TokenClaims", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TokenClaims {
    /// `aud` (a string or an array in the token).
    pub aud: Vec<String>,
    /// `iss`.
    pub iss: Option<String>,
    /// `tid`, the tenant id.
    pub tid: Option<String>,
    /// The client id: `appid` (v1 tokens), else `azp` (v2 tokens).
    pub appid: Option<String>,
    /// The user: `upn`, else `preferred_username`, else `unique_name`.
    pub user: Option<String>,
    /// `scp`, the delegated permissions, split on spaces.
    pub scp: Vec<String>,
    /// `roles`, the application permissions.
    pub roles: Vec<String>,
    /// `exp`, Unix seconds.
    pub exp: Option<u64>,
    /// `iat`, Unix seconds.
    pub iat: Option<u64>,
    /// The header's `alg`.
    pub alg: Option<String>,
    /// The header's `typ`.
    pub typ: Option<String>,
}

/// The result of [`lint_access_token`].
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "TokenLint", module = "mailoauth", frozen, get_all)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TokenLint {
    /// The claims, when the token is a readable JWT.
    pub claims: Option<TokenClaims>,
    /// The findings; empty when the token looks right.
    pub findings: Vec<LintFinding>,
}

impl TokenLint {
    /// The finding codes, in order.
    pub fn codes(&self) -> Vec<String> {
        self.findings.iter().map(|f| f.code.clone()).collect()
    }
}

/// The fix of a finding for a personal Microsoft account (tenant `consumers`): words for the
/// account owner, who has no tenant admin, portal or PowerShell.
fn personal_fix(code: &str) -> Option<&'static str> {
    Some(match code {
        "wrong_audience" | "missing_scope" => "This is a personal Microsoft account (Outlook.com, Hotmail): the app must ask for https://outlook.office.com/IMAP.AccessAsUser.All (POP: .../POP.AccessAsUser.All, SMTP: .../SMTP.Send) and offline_access with tenant consumers, and you sign in again and accept; there is no admin to ask.",
        "missing_role" | "smtp_role_absent" => "Personal Microsoft accounts have no app-only access: sign in as the account owner with a delegated flow (device code or browser) instead.",
        _ => return None,
    })
}

/// Decodes a JWT's header and payload without verifying anything.
///
/// Accepts the compact form `header.payload.signature` (base64url, with or without padding),
/// surrounding whitespace and a leading `Bearer `. Errors: [`Error::Malformed`] when it is not a
/// JWT (not three parts, not base64url, not JSON objects). Messages never contain the token.
pub fn decode_jwt_unverified(token: &str) -> Result<DecodedJwt> {
    let t = strip_bearer(token.trim());
    let mut parts = t.split('.');
    let (Some(h), Some(p), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        let n = t.split('.').count();
        return Err(Error::malformed(if n == 5 {
            "the token is an encrypted JWT (JWE, five parts): its claims cannot be read".to_owned()
        } else {
            format!("not a JWT: expected three dot-separated parts, found {n}")
        }));
    };
    let header = decode_part(h, "header")?;
    let payload = decode_part(p, "payload")?;
    Ok(DecodedJwt { header, payload })
}

fn strip_bearer(t: &str) -> &str {
    match t.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => t.get(7..).unwrap_or(t).trim(),
        _ => t,
    }
}

fn decode_part(part: &str, what: &str) -> Result<String> {
    // base64url, padding optional (JWTs have none; copies sometimes do), trailing bits tolerated.
    let bytes = crate::b64::decode_url_lenient(part.as_bytes())
        .map_err(|_| Error::malformed(format!("not a JWT: the {what} is not base64url")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::malformed(format!("not a JWT: the {what} is not UTF-8")))?;
    match json::parse(text.as_bytes()) {
        Ok(Json::Object(_)) => Ok(text),
        _ => Err(Error::malformed(format!(
            "not a JWT: the {what} is not a JSON object"
        ))),
    }
}

/// What kind of token this looks like, from its claims: [`Grant::App`] when it carries `roles`
/// and no `scp` (client credentials), otherwise [`Grant::Delegated`] (also for opaque tokens,
/// which only consumer sign-ins issue). For tools that lint a token whose origin they don't know.
pub fn guess_grant(token: &str) -> Grant {
    match token_claims(token) {
        Ok(c) if !c.roles.is_empty() && c.scp.is_empty() => Grant::App,
        _ => Grant::Delegated,
    }
}

/// Decodes a JWT's claims without verifying anything (see [`decode_jwt_unverified`]).
pub fn token_claims(token: &str) -> Result<TokenClaims> {
    let d = decode_jwt_unverified(token)?;
    let header = parse_object(&d.header)?;
    let payload = parse_object(&d.payload)?;
    let text = |o: &Json, k: &str| o.get(k).and_then(Json::as_str).map(str::to_owned);
    let list = |v: Option<&Json>, split: bool| -> Vec<String> {
        match v {
            Some(Json::String(s)) if split => s.split_whitespace().map(str::to_owned).collect(),
            Some(Json::String(s)) => vec![s.clone()],
            Some(Json::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    Ok(TokenClaims {
        aud: list(payload.get("aud"), false),
        iss: text(&payload, "iss"),
        tid: text(&payload, "tid"),
        appid: text(&payload, "appid").or_else(|| text(&payload, "azp")),
        user: text(&payload, "upn")
            .or_else(|| text(&payload, "preferred_username"))
            .or_else(|| text(&payload, "unique_name")),
        scp: list(payload.get("scp"), true),
        roles: list(payload.get("roles"), true),
        exp: payload.get("exp").and_then(numeric_date),
        iat: payload.get("iat").and_then(numeric_date),
        alg: text(&header, "alg"),
        typ: text(&header, "typ"),
    })
}

fn parse_object(text: &str) -> Result<Json> {
    match json::parse(text.as_bytes()) {
        Ok(o @ Json::Object(_)) => Ok(o),
        _ => Err(Error::malformed("not a JSON object")),
    }
}

/// A NumericDate (RFC 7519 section 2): an integer, a non-negative float (truncated; below 1e19),
/// or digits in a string.
fn numeric_date(v: &Json) -> Option<u64> {
    match v {
        Json::Number(n) => n.as_u64().or(match n.whole_part() {
            WholePart::Value(u) if u < 10_000_000_000_000_000_000 => Some(u),
            _ => None,
        }),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether an audience is an Exchange Online resource of any preset cloud (or of `cloud`), with
/// or without a trailing slash.
pub fn is_exchange_audience(aud: &str, cloud: Option<&Cloud>) -> bool {
    let a = aud.trim().trim_end_matches('/');
    let mut known: Vec<String> = CloudId::ALL
        .iter()
        .flat_map(|id| Cloud::preset(*id).exchange_audiences())
        .collect();
    if let Some(c) = cloud {
        known.extend(c.exchange_audiences());
    }
    known.push(EXCHANGE_ONLINE_APP_ID.to_owned());
    known
        .iter()
        .any(|k| k.trim_end_matches('/').eq_ignore_ascii_case(a))
}

fn is_graph_audience(aud: &str) -> bool {
    let a = aud.trim().trim_end_matches('/');
    a.eq_ignore_ascii_case(GRAPH_RESOURCE)
        || a.eq_ignore_ascii_case(GRAPH_APP_ID)
        // national Graph hosts: graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn
        || a.eq_ignore_ascii_case("https://graph.microsoft.us")
        || a.eq_ignore_ascii_case("https://dod-graph.microsoft.us")
        || a.eq_ignore_ascii_case("https://microsoftgraph.chinacloudapi.cn")
}

fn has_permission(list: &[String], permission: &str) -> bool {
    list.iter().any(|s| {
        let short = s.rsplit('/').next().unwrap_or(s);
        short.eq_ignore_ascii_case(permission)
    })
}

/// The user part of a `unique_name` such as `live.com#alice@outlook.com` (guest accounts).
fn plain_user(s: &str) -> &str {
    s.rsplit('#').next().unwrap_or(s).trim()
}

/// Whether two user names are the same ignoring letter case. Entra compares sign-in names
/// case-insensitively; the letters folded here are ASCII, Latin-1, Latin Extended-A, Greek and
/// Cyrillic (the scripts user names are written in). Other characters compare exactly, so at
/// worst a name in another script differing only in case gets a `user_differs` warning. Kept
/// out of `str::to_lowercase` on purpose: its full Unicode tables cost the web page about 8 KB.
fn same_user(a: &str, b: &str) -> bool {
    a.chars().map(fold_case).eq(b.chars().map(fold_case))
}

/// The lower-case form of `c` for the blocks [`same_user`] folds; `c` itself otherwise.
fn fold_case(c: char) -> char {
    let u = c as u32;
    let lower = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => u + 0x20,
        // Latin Extended-A: mostly upper/lower pairs, upper-case first (0x130 İ is left alone).
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if u % 2 == 0 => u + 1,
        0x139..=0x148 | 0x179..=0x17E if u % 2 == 1 => u + 1,
        0x178 => 0xFF,
        // Greek: Ά, Έ..Ί, Ό, Ύ..Ώ, Α..Ω (0x3A2 is unassigned).
        0x386 => 0x3AC,
        0x388..=0x38A => u + 0x25,
        0x38C => 0x3CC,
        0x38E..=0x38F => u + 0x3F,
        0x391..=0x3A1 | 0x3A3..=0x3AB => u + 0x20,
        // Final sigma compares as sigma (ΟΔΥΣΣΕΥΣ = οδυσσευς).
        0x3C2 => 0x3C3,
        // Cyrillic: Ѐ..Џ, А..Я.
        0x400..=0x40F => u + 0x50,
        0x410..=0x42F => u + 0x20,
        _ => u,
    };
    char::from_u32(lower).unwrap_or(c)
}

/// Lints an access token for a mail login (docs/protocol.md section 8).
///
/// `user` is the `user=` the SASL login will send (for a delegated token, normally the signed-in
/// user; for app-only, the target mailbox). `now` is Unix seconds. `cloud` adds that cloud's
/// audiences to the accepted ones (every preset cloud is always accepted). Findings are in a fixed
/// order: `opaque_token` alone, or `expired`, `wrong_audience`, `missing_scope`/`missing_role`,
/// `user_differs`.
pub fn lint_access_token(
    token: &str,
    protocol: Protocol,
    grant: Grant,
    user: Option<&str>,
    now: u64,
    cloud: Option<&Cloud>,
) -> TokenLint {
    let claims = match token_claims(token) {
        Ok(c) => c,
        Err(_) => {
            let t = token.trim();
            let (message, severity) = if t.is_empty() {
                ("the token is empty".to_owned(), Severity::Error)
            } else if t.starts_with("eyJ") && t.contains('.') {
                ("the token looks like a JWT but cannot be decoded (cut off when copied, or encrypted), so its claims cannot be checked".to_owned(), Severity::Warning)
            } else {
                ("the token is not a JWT: an opaque token, as issued for personal Microsoft accounts (Outlook.com); its claims cannot be checked".to_owned(), Severity::Note)
            };
            return TokenLint {
                claims: None,
                findings: vec![LintFinding::new(
                    "opaque_token",
                    message,
                    "Nothing to fix for personal accounts: send it as is. For a work account, copy the whole access_token (three dot-separated parts); if the login fails, check the scopes requested (https://outlook.office.com/IMAP.AccessAsUser.All, not Graph).",
                )
                .with_severity(severity)],
            };
        }
    };
    let mut findings = Vec::new();

    if let Some(exp) = claims.exp {
        if exp <= now {
            findings.push(LintFinding::new(
                "expired",
                format!(
                    "the token expired {} seconds ago (exp {exp}, now {now})",
                    now - exp
                ),
                "Refresh the token (grant_type=refresh_token) or request a new one before logging in; refresh a few minutes before exp.",
            ));
        }
    }

    if !claims.aud.iter().any(|a| is_exchange_audience(a, cloud)) {
        let shown = if claims.aud.is_empty() {
            "no aud claim".to_owned()
        } else {
            format!("aud {}", claims.aud.join(", "))
        };
        let wanted = match grant {
            Grant::Delegated => format!(
                "request the delegated scope `{}` (the full Outlook resource URL)",
                cloud.cloned().unwrap_or_default().delegated_scope(protocol)
            ),
            Grant::App => format!(
                "request the app-only scope `{}`",
                cloud.cloned().unwrap_or_default().app_only_scope()
            ),
        };
        let (message, fix) = if claims.aud.iter().any(|a| is_graph_audience(a)) {
            (
                format!("the token is for Microsoft Graph ({shown}), not Exchange Online: IMAP, POP and SMTP refuse it"),
                format!("Do not use Graph-prefixed scopes (https://graph.microsoft.com/IMAP.AccessAsUser.All) or bare permission names (Graph is their default resource): {wanted}."),
            )
        } else if claims.aud.iter().any(|a| {
            a.trim_end_matches('/')
                .eq_ignore_ascii_case("https://ps.outlook.com")
        }) {
            (
                format!("the token is for https://ps.outlook.com ({shown}), which mail logins have been seen to refuse"),
                format!("Use ps.outlook.com only for the admin-consent URL; for the token, {wanted}."),
            )
        } else {
            (
                format!("the token is not for Exchange Online ({shown})"),
                format!("Request a token for the Outlook resource: {wanted}."),
            )
        };
        findings.push(LintFinding::new("wrong_audience", message, fix));
    }

    match grant {
        Grant::Delegated => {
            let permission = protocol.delegated_permission();
            if !has_permission(&claims.scp, permission) {
                let message = if claims.scp.is_empty() && !claims.roles.is_empty() {
                    format!("the token is app-only (roles {}, no scp) but the login is delegated: it lacks the delegated permission {permission}", claims.roles.join(" "))
                } else {
                    format!(
                        "scp ({}) lacks {permission}, needed for {}",
                        claims.scp.join(" "),
                        protocol.as_str().to_ascii_uppercase()
                    )
                };
                findings.push(LintFinding::new(
                    "missing_scope",
                    message,
                    format!("Add the delegated permission {permission} of 'Office 365 Exchange Online' to the app (App registrations > API permissions), request the scope `{}` and sign in again (consent).", cloud.cloned().unwrap_or_default().delegated_scope(protocol)),
                ));
            }
        }
        Grant::App => {
            let permission = protocol.app_permission();
            if !has_permission(&claims.roles, permission) {
                let delegated_instead = claims.roles.is_empty() && !claims.scp.is_empty();
                if protocol == Protocol::Smtp && !delegated_instead {
                    // App RBAC and HVE authorise SMTP without the Entra role: not an error by itself.
                    findings.push(LintFinding::new(
                        "smtp_role_absent",
                        format!(
                            "roles ({}) lack SMTP.SendAsApp: Exchange accepts the token only if the app is authorised for SMTP another way",
                            claims.roles.join(" ")
                        ),
                        "One of three set-ups must be in place: (1) the Entra application permission SMTP.SendAsApp with admin consent, plus New-ServicePrincipal and Add-MailboxPermission/Add-RecipientPermission on the mailbox (runbook mailbox-permission); (2) App RBAC: no Entra permission, New-ServicePrincipal, New-ManagementScope and New-ManagementRoleAssignment -Role 'Application SMTP.SendAsApp' (runbook rbac; takes 30 minutes to 2 hours to apply); (3) High Volume Email: Entra Mail.Send and Add-HVEAppAccess, host smtp.hve.mx.microsoft (runbook hve).",
                    )
                    .with_severity(Severity::Warning));
                } else {
                    let message = if delegated_instead {
                        format!("the token is delegated (scp {}, no roles) but the login is app-only: it lacks the application permission {permission}", claims.scp.join(" "))
                    } else {
                        format!(
                            "roles ({}) lack {permission}, needed for {}",
                            claims.roles.join(" "),
                            protocol.as_str().to_ascii_uppercase()
                        )
                    };
                    findings.push(LintFinding::new(
                        "missing_role",
                        message,
                        format!("Add the application permission {permission} of 'Office 365 Exchange Online' (App registrations > API permissions > Add a permission > APIs my organization uses), grant admin consent, then request a new token with the client-credentials grant."),
                    ));
                }
            }
        }
    }

    if grant == Grant::Delegated {
        if let (Some(want), Some(have)) = (
            user.map(str::trim).filter(|u| !u.is_empty()),
            claims.user.as_deref(),
        ) {
            let have_plain = plain_user(have);
            if !same_user(have_plain, want) {
                findings.push(if protocol == Protocol::Smtp {
                    LintFinding::new(
                        "user_differs",
                        format!("the token belongs to {have_plain} but the SMTP login names {want}: SMTP AUTH accepts only the token's own user (a shared mailbox cannot be an SMTP AUTH identity)"),
                        format!(
                            "Log in with user={have_plain}. To send as a shared mailbox, put {want} in MAIL FROM and From: and give {have_plain} Send As on it: {}",
                            crate::diagnose::runbook::send_as_command(want, have_plain)
                        ),
                    )
                } else {
                    LintFinding::new(
                        "user_differs",
                        format!("the token belongs to {have_plain} but the login names {want}"),
                        format!("Fine when {want} is a shared mailbox {have_plain} has FullAccess to; otherwise log in with user={have_plain}, or sign in as {want} to get that user's token."),
                    )
                    .with_severity(Severity::Note)
                });
            }
        }
    }

    if claims
        .tid
        .as_deref()
        .is_some_and(crate::cloud::is_personal_tenant_id)
    {
        for f in &mut findings {
            if let Some(fix) = personal_fix(&f.code) {
                f.fix = fix.to_owned();
            }
        }
    }

    TokenLint {
        claims: Some(claims),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn grant_guessed_from_claims() {
        let b64 =
            |j: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, j);
        let jwt = |payload: &str| {
            format!(
                "{}.{}.c2ln",
                b64(r#"{"typ":"JWT","alg":"RS256"}"#),
                b64(payload)
            )
        };
        assert_eq!(
            guess_grant(&jwt(r#"{"roles":["IMAP.AccessAsApp"]}"#)),
            Grant::App
        );
        assert_eq!(
            guess_grant(&jwt(r#"{"scp":"IMAP.AccessAsUser.All"}"#)),
            Grant::Delegated
        );
        assert_eq!(
            guess_grant(&jwt(r#"{"scp":"SMTP.Send","roles":["x"]}"#)),
            Grant::Delegated
        );
        assert_eq!(
            guess_grant("EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA"),
            Grant::Delegated
        );
    }
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine as _;

    const NOW: u64 = 1_800_000_000;

    fn jwt(payload: &Value) -> String {
        let h = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"k"}"#);
        let p = URL_SAFE_NO_PAD.encode(payload.to_string());
        format!("{h}.{p}.c2lnbmF0dXJlLXNlY3JldA")
    }

    fn delegated(aud: &str, scp: &str, upn: &str, exp: u64) -> String {
        jwt(&serde_json::json!({
            "aud": aud, "iss": "https://sts.windows.net/t/", "tid": "t", "upn": upn,
            "scp": scp, "exp": exp, "iat": exp - 3600, "appid": "a"
        }))
    }

    fn codes(l: &TokenLint) -> Vec<String> {
        l.codes()
    }

    #[test]
    fn decode_with_and_without_padding() {
        // "{"a":1}" is 7 bytes: base64 needs one padding character.
        let h = URL_SAFE.encode(br#"{"alg":"none"}"#);
        let p = URL_SAFE.encode(br#"{"a":1}"#);
        assert!(p.ends_with('='));
        let d = decode_jwt_unverified(&format!("{h}.{p}.")).unwrap();
        assert_eq!(d.payload, r#"{"a":1}"#);
        let d = decode_jwt_unverified(&format!(
            " Bearer {}.{}.x\n",
            h.trim_end_matches('='),
            p.trim_end_matches('=')
        ))
        .unwrap();
        assert_eq!(d.header, r#"{"alg":"none"}"#);
        assert_eq!(d.payload, r#"{"a":1}"#);
    }

    #[test]
    fn decode_garbage() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let arr = URL_SAFE_NO_PAD.encode(b"[1]");
        let bad_utf8 = URL_SAFE_NO_PAD.encode([0xff, 0xfe]);
        for bad in [
            String::new(),
            "abc".to_owned(),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            "a.b.c.d.e".to_owned(),
            format!("{h}.!!!.x"),
            format!("{h}.{arr}.x"),
            format!("{h}.{bad_utf8}.x"),
            format!("{arr}.{h}.x"),
            "é.é.é".to_owned(),
        ] {
            let e = decode_jwt_unverified(&bad).unwrap_err();
            assert_eq!(e.code(), "malformed", "{bad:?}");
        }
        assert!(decode_jwt_unverified("a.b.c.d.e")
            .unwrap_err()
            .to_string()
            .contains("JWE"));
        assert_eq!(strip_bearer("BEARER x"), "x");
        assert_eq!(strip_bearer("Bear"), "Bear");
    }

    #[test]
    fn claims_extraction() {
        let t = jwt(&serde_json::json!({
            "aud": ["https://outlook.office365.com", "x"], "azp": "client", "preferred_username": "Bob@Contoso.com",
            "roles": ["IMAP.AccessAsApp"], "exp": 1.8e9, "iat": "1799990000", "tid": "tenant"
        }));
        let c = token_claims(&t).unwrap();
        assert_eq!(
            c.aud,
            vec!["https://outlook.office365.com".to_owned(), "x".to_owned()]
        );
        assert_eq!(c.appid.as_deref(), Some("client"));
        assert_eq!(c.user.as_deref(), Some("Bob@Contoso.com"));
        assert_eq!(c.roles, vec!["IMAP.AccessAsApp".to_owned()]);
        assert_eq!(c.exp, Some(1_800_000_000));
        assert_eq!(c.iat, Some(1_799_990_000));
        assert_eq!(c.alg.as_deref(), Some("RS256"));
        assert_eq!(c.typ.as_deref(), Some("JWT"));
        assert_eq!(c.tid.as_deref(), Some("tenant"));
        let t = jwt(
            &serde_json::json!({"unique_name": "live.com#u@outlook.com", "upn": 5, "exp": -1, "scp": 3}),
        );
        let c = token_claims(&t).unwrap();
        assert_eq!(c.user.as_deref(), Some("live.com#u@outlook.com"));
        assert_eq!(c.exp, None);
        assert!(c.scp.is_empty() && c.aud.is_empty() && c.iss.is_none());
    }

    #[test]
    fn good_delegated_token() {
        for p in Protocol::ALL {
            let t = delegated(
                "https://outlook.office.com",
                "IMAP.AccessAsUser.All POP.AccessAsUser.All SMTP.Send",
                "alice@contoso.com",
                NOW + 10,
            );
            let l = lint_access_token(
                &t,
                p,
                Grant::Delegated,
                Some("Alice@Contoso.com"),
                NOW,
                None,
            );
            assert!(l.findings.is_empty(), "{p}: {:?}", l.findings);
            assert!(l.claims.is_some());
        }
    }

    #[test]
    fn expired() {
        let t = delegated(
            "https://outlook.office.com",
            "IMAP.AccessAsUser.All",
            "a@b.c",
            NOW,
        );
        let l = lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None);
        assert_eq!(codes(&l), ["expired"]);
        assert!(l.findings[0].message.contains("0 seconds ago"));
        let t = delegated(
            "https://outlook.office.com",
            "IMAP.AccessAsUser.All",
            "a@b.c",
            NOW + 1,
        );
        assert!(
            lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None)
                .findings
                .is_empty()
        );
    }

    #[test]
    fn audiences() {
        for aud in [
            "https://outlook.office.com",
            "https://outlook.office.com/",
            "https://outlook.office365.com",
            "https://OUTLOOK.office365.com/",
            "https://outlook.office365.us",
            "https://outlook-dod.office365.us",
            "https://partner.outlook.cn",
            EXCHANGE_ONLINE_APP_ID,
        ] {
            let t = delegated(aud, "IMAP.AccessAsUser.All", "a@b.c", NOW + 10);
            let l = lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None);
            assert!(l.findings.is_empty(), "{aud}: {:?}", l.findings);
        }
        for aud in [GRAPH_RESOURCE, "https://graph.microsoft.com/", GRAPH_APP_ID] {
            let t = delegated(aud, "IMAP.AccessAsUser.All", "a@b.c", NOW + 10);
            let l = lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None);
            assert_eq!(codes(&l), ["wrong_audience"], "{aud}");
            assert!(l.findings[0].message.contains("Microsoft Graph"), "{aud}");
            assert!(l.findings[0]
                .fix
                .contains("https://outlook.office.com/IMAP.AccessAsUser.All"));
        }
        let t = delegated(
            "https://ps.outlook.com",
            "IMAP.AccessAsUser.All",
            "a@b.c",
            NOW + 10,
        );
        let l = lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None);
        assert_eq!(codes(&l), ["wrong_audience"]);
        assert!(l.findings[0].message.contains("ps.outlook.com"));
        let t = delegated("api://other", "IMAP.AccessAsUser.All", "a@b.c", NOW + 10);
        let l = lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None);
        assert_eq!(codes(&l), ["wrong_audience"]);
        assert!(l.findings[0].message.contains("api://other"));
        // A custom cloud's audience is accepted when that cloud is given.
        let mut custom = Cloud::global();
        custom.outlook_resource = "https://mail.example".into();
        let t = delegated(
            "https://mail.example",
            "IMAP.AccessAsUser.All",
            "a@b.c",
            NOW + 10,
        );
        assert!(lint_access_token(
            &t,
            Protocol::Imap,
            Grant::Delegated,
            None,
            NOW,
            Some(&custom)
        )
        .findings
        .is_empty());
        // No aud at all.
        let t = jwt(&serde_json::json!({"scp": "IMAP.AccessAsUser.All"}));
        let l = lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None);
        assert_eq!(codes(&l), ["wrong_audience"]);
        assert!(l.findings[0].message.contains("no aud claim"));
        // App-only fix names the app-only scope of the given cloud.
        let t = jwt(&serde_json::json!({"aud": GRAPH_RESOURCE, "roles": ["SMTP.SendAsApp"]}));
        let us = Cloud::from_name("usgov").unwrap();
        let l = lint_access_token(&t, Protocol::Smtp, Grant::App, None, NOW, Some(&us));
        assert_eq!(codes(&l), ["wrong_audience"]);
        assert!(l.findings[0]
            .fix
            .contains("https://outlook.office365.us/.default"));
    }

    #[test]
    fn scopes_and_roles() {
        let t = delegated(
            "https://outlook.office.com",
            "IMAP.AccessAsUser.All",
            "a@b.c",
            NOW + 10,
        );
        let l = lint_access_token(&t, Protocol::Smtp, Grant::Delegated, None, NOW, None);
        assert_eq!(codes(&l), ["missing_scope"]);
        assert!(l.findings[0].message.contains("SMTP.Send"));
        assert!(l.findings[0]
            .fix
            .contains("https://outlook.office.com/SMTP.Send"));
        let l = lint_access_token(&t, Protocol::Pop, Grant::Delegated, None, NOW, None);
        assert_eq!(codes(&l), ["missing_scope"]);
        // Case-insensitive; full-URL scope values accepted.
        let t = delegated(
            "https://outlook.office.com",
            "https://outlook.office.com/imap.accessasuser.all",
            "a@b.c",
            NOW + 10,
        );
        assert!(
            lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None)
                .findings
                .is_empty()
        );

        let app = |roles: Value| {
            jwt(
                &serde_json::json!({"aud": "https://outlook.office365.com", "roles": roles, "exp": NOW + 10}),
            )
        };
        let t = app(serde_json::json!(["IMAP.AccessAsApp", "POP.AccessAsApp"]));
        assert!(lint_access_token(
            &t,
            Protocol::Imap,
            Grant::App,
            Some("box@contoso.com"),
            NOW,
            None
        )
        .findings
        .is_empty());
        assert!(
            lint_access_token(&t, Protocol::Pop, Grant::App, None, NOW, None)
                .findings
                .is_empty()
        );
        // App-only SMTP without SMTP.SendAsApp: App RBAC and HVE tokens lack the role legitimately,
        // so it is a warning naming the three set-ups, not missing_role.
        let l = lint_access_token(&t, Protocol::Smtp, Grant::App, None, NOW, None);
        assert_eq!(codes(&l), ["smtp_role_absent"]);
        assert_eq!(l.findings[0].severity, Severity::Warning);
        assert!(l.findings[0].message.contains("SMTP.SendAsApp"));
        for way in [
            "admin consent",
            "New-ManagementRoleAssignment",
            "Add-HVEAppAccess",
            "smtp.hve.mx.microsoft",
        ] {
            assert!(l.findings[0].fix.contains(way), "{way}");
        }
        // IMAP keeps missing_role, an error.
        let no_roles = jwt(
            &serde_json::json!({"aud": "https://outlook.office365.com", "roles": ["Mail.Send"], "exp": NOW + 10}),
        );
        let l = lint_access_token(&no_roles, Protocol::Imap, Grant::App, None, NOW, None);
        assert_eq!(codes(&l), ["missing_role"]);
        assert_eq!(l.findings[0].severity, Severity::Error);
        assert!(l.findings[0].fix.contains("admin consent"));

        // Delegated token used for an app-only login, and the reverse.
        let t = delegated(
            "https://outlook.office365.com",
            "IMAP.AccessAsUser.All",
            "a@b.c",
            NOW + 10,
        );
        let l = lint_access_token(&t, Protocol::Imap, Grant::App, None, NOW, None);
        assert_eq!(codes(&l), ["missing_role"]);
        assert!(l.findings[0].message.contains("token is delegated"));
        let t = app(serde_json::json!(["IMAP.AccessAsApp"]));
        let l = lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None);
        assert_eq!(codes(&l), ["missing_scope"]);
        assert!(l.findings[0].message.contains("token is app-only"));
    }

    #[test]
    fn personal_account_tokens_get_owner_fixes() {
        let t = jwt(&serde_json::json!({
            "aud": "https://graph.microsoft.com", "scp": "Mail.Read", "exp": NOW + 10,
            "tid": "9188040D-6C67-4C5B-B112-36A304B66DAD", "preferred_username": "me@outlook.com"
        }));
        let l = lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None);
        assert_eq!(codes(&l), ["wrong_audience", "missing_scope"]);
        for f in &l.findings {
            assert!(f.fix.contains("personal Microsoft account"), "{}", f.fix);
            assert!(!f.fix.contains("App registrations"), "{}", f.fix);
        }
        // The same token from a work tenant keeps the admin's fix.
        let work = jwt(
            &serde_json::json!({"aud": "https://graph.microsoft.com", "scp": "Mail.Read", "exp": NOW + 10, "tid": "11111111-2222-3333-4444-555555555555"}),
        );
        let l = lint_access_token(&work, Protocol::Imap, Grant::Delegated, None, NOW, None);
        assert!(l
            .findings
            .iter()
            .all(|f| !f.fix.contains("personal Microsoft account")));
    }

    #[test]
    fn user_differs() {
        let t = delegated(
            "https://outlook.office.com",
            "IMAP.AccessAsUser.All",
            "Alice@Contoso.com",
            NOW + 10,
        );
        let l = lint_access_token(
            &t,
            Protocol::Imap,
            Grant::Delegated,
            Some("shared@contoso.com"),
            NOW,
            None,
        );
        assert_eq!(codes(&l), ["user_differs"]);
        assert_eq!(l.findings[0].severity, Severity::Note);
        assert!(l.findings[0].fix.contains("shared mailbox"));
        assert!(l.findings[0].fix.contains("otherwise"));
        // Over SMTP a shared mailbox cannot be the AUTH identity: an error with the Send As line.
        let t_smtp = delegated(
            "https://outlook.office.com",
            "SMTP.Send",
            "Alice@Contoso.com",
            NOW + 10,
        );
        let l = lint_access_token(
            &t_smtp,
            Protocol::Smtp,
            Grant::Delegated,
            Some("shared@contoso.com"),
            NOW,
            None,
        );
        assert_eq!(codes(&l), ["user_differs"]);
        assert_eq!(l.findings[0].severity, Severity::Error);
        assert!(l.findings[0]
            .message
            .contains("cannot be an SMTP AUTH identity"));
        assert!(
            l.findings[0]
                .fix
                .starts_with("Log in with user=Alice@Contoso.com."),
            "{}",
            l.findings[0].fix
        );
        assert!(l.findings[0].fix.contains("Add-RecipientPermission -Identity 'shared@contoso.com' -Trustee 'Alice@Contoso.com' -AccessRights SendAs"), "{}", l.findings[0].fix);
        assert!(lint_access_token(
            &t,
            Protocol::Imap,
            Grant::Delegated,
            Some("ALICE@contoso.COM"),
            NOW,
            None
        )
        .findings
        .is_empty());
        assert!(
            lint_access_token(&t, Protocol::Imap, Grant::Delegated, Some(" "), NOW, None)
                .findings
                .is_empty()
        );
        assert!(
            lint_access_token(&t, Protocol::Imap, Grant::Delegated, None, NOW, None)
                .findings
                .is_empty()
        );
        // Guest-style unique_name.
        let t = jwt(
            &serde_json::json!({"aud": "https://outlook.office.com", "scp": "IMAP.AccessAsUser.All", "unique_name": "live.com#u@outlook.com"}),
        );
        assert!(lint_access_token(
            &t,
            Protocol::Imap,
            Grant::Delegated,
            Some("u@outlook.com"),
            NOW,
            None
        )
        .findings
        .is_empty());
        // Case folding beyond ASCII.
        let t = jwt(
            &serde_json::json!({"aud": "https://outlook.office.com", "scp": "IMAP.AccessAsUser.All", "upn": "ÄRGER@x.de"}),
        );
        assert!(lint_access_token(
            &t,
            Protocol::Imap,
            Grant::Delegated,
            Some("ärger@x.de"),
            NOW,
            None
        )
        .findings
        .is_empty());
        // App-only logins name the target mailbox: no comparison.
        let t = jwt(
            &serde_json::json!({"aud": "https://outlook.office365.com", "roles": ["IMAP.AccessAsApp"], "upn": "x@y.z"}),
        );
        assert!(
            lint_access_token(&t, Protocol::Imap, Grant::App, Some("box@y.z"), NOW, None)
                .findings
                .is_empty()
        );
    }

    #[test]
    fn all_findings_at_once() {
        let t = delegated(GRAPH_RESOURCE, "Mail.Read", "a@b.c", NOW - 5);
        let l = lint_access_token(
            &t,
            Protocol::Imap,
            Grant::Delegated,
            Some("x@b.c"),
            NOW,
            None,
        );
        assert_eq!(
            codes(&l),
            ["expired", "wrong_audience", "missing_scope", "user_differs"]
        );
    }

    #[test]
    fn opaque_tokens() {
        for (t, needle) in [
            ("EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA", "personal"),
            ("", "empty"),
            ("eyJhbGciOi.eyJhdWQi", "cut off"),
        ] {
            let l = lint_access_token(
                t,
                Protocol::Imap,
                Grant::Delegated,
                Some("x@outlook.com"),
                NOW,
                None,
            );
            assert_eq!(codes(&l), ["opaque_token"], "{t:?}");
            assert!(l.claims.is_none());
            assert!(l.findings[0].message.contains(needle), "{t:?}");
        }
    }

    #[test]
    fn token_never_in_output() {
        let t = delegated(GRAPH_RESOURCE, "Mail.Read", "a@b.c", NOW - 5);
        let l = lint_access_token(
            &t,
            Protocol::Imap,
            Grant::Delegated,
            Some("x@b.c"),
            NOW,
            None,
        );
        let dbg = format!("{l:?}");
        let json = serde_json::to_string(&l).unwrap();
        let sig = t.rsplit('.').next().unwrap();
        for out in [&dbg, &json] {
            assert!(!out.contains(&t));
            assert!(!out.contains(sig));
            for part in t.split('.') {
                assert!(!out.contains(part), "a token part leaked");
            }
        }
        let d = decode_jwt_unverified(&t).unwrap();
        assert!(!format!("{d:?}").contains(sig));
        let opaque = "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA";
        let l = lint_access_token(opaque, Protocol::Imap, Grant::Delegated, None, NOW, None);
        assert!(!format!("{l:?}").contains(opaque));
        let e = decode_jwt_unverified(opaque).unwrap_err();
        assert!(!e.to_string().contains(opaque));
        let e = decode_jwt_unverified("eyJzZWNyZXQ.c2VjcmV0.c2lnbmF0dXJl").unwrap_err();
        assert!(!e.to_string().contains("eyJzZWNyZXQ"));
    }

    #[test]
    fn fold_case_agrees_with_unicode_lowercase_on_the_folded_blocks() {
        let blocks = [0x0..=0x24F_u32, 0x370..=0x3FF, 0x400..=0x4FF];
        let mut folded = 0;
        for c in blocks.into_iter().flatten().filter_map(char::from_u32) {
            let mut lower = c.to_lowercase();
            let want = match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c, // İ lowers to two characters: left alone.
            };
            let got = fold_case(c);
            if got != c {
                folded += 1;
            }
            // Either the same as Unicode, or left alone (the blocks not folded) or the sigma rule.
            assert!(
                got == want || got == c || (c == 'ς' && got == 'σ'),
                "{c:?} folds to {got:?}, Unicode lowercase is {want:?}"
            );
        }
        // Every upper-case letter of ASCII, Latin-1, Latin Extended-A, basic Greek and Cyrillic.
        for c in ('A'..='Z')
            .chain('À'..='Þ')
            .chain('Ā'..='ž')
            .chain('Α'..='Ω')
            .chain('Ѐ'..='Я')
            .filter(|c| c.is_uppercase() && *c != 'İ')
        {
            assert_ne!(fold_case(c), c, "{c:?} is not folded");
        }
        assert!(folded >= 195, "only {folded} characters folded");
        assert!(same_user("ΟΔΥΣΣΕΥΣ@x.gr", "οδυσσευς@x.gr"));
        assert!(same_user("ИВАН@x.ru", "иван@x.ru"));
        assert!(same_user("ŁUKASZ.ŻÓŁW@x.pl", "łukasz.żółw@x.pl"));
        assert!(!same_user("anna@x.de", "anne@x.de"));
        assert!(!same_user("anna@x.de", "anna@x.de "));
    }
}
