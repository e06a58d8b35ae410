//! The mail-server reply catalogue (docs/protocol.md section 6): a cause and a fix for the replies
//! Exchange Online (and Gmail, Dovecot) send when an OAuth login fails.
//!
//! [`diagnose_reply`] reads ANY single reply line — with or without the IMAP tag, the POP status,
//! the SMTP reply code (RFC 5321 section 4.2) and enhanced status code (RFC 3463), with or without
//! CR LF — and names the failure when the catalogue knows it. The exchanges in [`crate::imap`],
//! [`crate::pop3`] and [`crate::smtp`] attach the result to every rejection, with
//! [`UNRECOGNIZED`] for a refusal the catalogue does not know (the server's words are kept; a
//! fresh token is suggested only when they say the token is bad or expired).
//!
//! | code | typical reply |
//! |---|---|
//! | `auth_failed` | IMAP `NO AUTHENTICATE failed.`, POP `-ERR Authentication failure: ...`, SMTP `535 5.7.3 Authentication unsuccessful` |
//! | `smtp_auth_disabled` | `535 5.7.139 ... SmtpClientAuthentication is disabled for the Tenant` |
//! | `security_defaults` | `535 5.7.139 ... locked by your organization's security defaults policy` |
//! | `not_connected` | IMAP `BAD User is authenticated but not connected.` |
//! | `session_token_expired` | `* BYE Session invalidated - AccessTokenExpired` |
//! | `pop_two_step_required` | POP `-ERR Protocol error. Connection is closed. 10` |
//! | `basic_auth_rejected` | `550 5.7.30 Basic authentication is not supported for Client Submission.` |
//! | `mechanism_not_offered` | no `AUTH=XOAUTH2` / `XOAUTH2` advertised, SMTP `504 5.7.4 Unrecognized authentication type` |
//! | `temporary_failure` | SMTP `454 4.7.0 ...` and other 4xx, IMAP `NO [UNAVAILABLE]`, POP `-ERR [SYS/TEMP]` |
//! | `tls_required` | SMTP `451 5.7.3 STARTTLS is required to send mail` (Exchange Online), `530 5.7.0 Must issue a STARTTLS command first`, IMAP `NO [PRIVACYREQUIRED]` (RFC 5530) |
//! | `mailbox_logon_failed` | SMTP `430 4.2.0 STOREDRV; mailbox logon failure; ... MapiExceptionLogonFailed` (not temporary) |
//! | `send_as_denied` | `550 5.7.60 SMTP; Client does not have permissions to send as this sender`, `554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException...` |
//! | `not_authenticated` | `530 5.7.57 Client not authenticated to send mail` |
//! | `hve_user_invalid` | `501 5.5.124 Invalid XOAUTH2 auth data - User address provided is not valid` (High Volume Email) |
//! | `hve_external_recipient` | `550 5.5.105 External sending is not supported` (High Volume Email) |
//! | `unrecognized` | any other refusal, given by the exchanges only |
//!
//! [`personal_account_diagnosis`] gives the fixes for personal Microsoft accounts (Outlook.com),
//! which speak to the account owner rather than a tenant administrator.
//!
//! ```
//! use mailoauth::cloud::Protocol;
//! use mailoauth::diagnose::reply::diagnose_reply;
//! let d = diagnose_reply(Protocol::Imap, "A01 NO AUTHENTICATE failed.\r\n").unwrap();
//! assert_eq!(d.code, "auth_failed");
//! assert!(diagnose_reply(Protocol::Imap, "A01 OK AUTHENTICATE completed.").is_none());
//! ```

use super::Diagnosis;
use crate::cloud::Protocol;

/// `auth_failed`: the server refused the token.
pub const AUTH_FAILED: &str = "auth_failed";
/// `smtp_auth_disabled`: SMTP AUTH is off for the mailbox or the tenant.
pub const SMTP_AUTH_DISABLED: &str = "smtp_auth_disabled";
/// `security_defaults`: Security Defaults block SMTP AUTH.
pub const SECURITY_DEFAULTS: &str = "security_defaults";
/// `not_connected`: the login worked, the mailbox cannot be opened.
pub const NOT_CONNECTED: &str = "not_connected";
/// `session_token_expired`: the session's token expired.
pub const SESSION_TOKEN_EXPIRED: &str = "session_token_expired";
/// `pop_two_step_required`: Exchange POP refuses the one-line AUTH.
pub const POP_TWO_STEP_REQUIRED: &str = "pop_two_step_required";
/// `basic_auth_rejected`: the client used a password.
pub const BASIC_AUTH_REJECTED: &str = "basic_auth_rejected";
/// `mechanism_not_offered`: the server does not offer the SASL mechanism.
pub const MECHANISM_NOT_OFFERED: &str = "mechanism_not_offered";
/// `temporary_failure`: a temporary server problem (SMTP 4xx such as 454); retry later with the
/// same token. Not in docs/protocol.md's table: added so that a 454 says "retry later".
pub const TEMPORARY_FAILURE: &str = "temporary_failure";

/// `tls_required`: the server wants TLS (or STARTTLS) before any login.
pub const TLS_REQUIRED: &str = "tls_required";
/// `mailbox_logon_failed`: the login worked but Exchange could not open the mailbox to send.
pub const MAILBOX_LOGON_FAILED: &str = "mailbox_logon_failed";
/// `send_as_denied`: the sender address is one the login may not send as.
pub const SEND_AS_DENIED: &str = "send_as_denied";
/// `not_authenticated`: SMTP mail was sent without a successful AUTH first.
pub const NOT_AUTHENTICATED: &str = "not_authenticated";
/// `hve_user_invalid`: High Volume Email refused the `user=` of the login.
pub const HVE_USER_INVALID: &str = "hve_user_invalid";
/// `hve_external_recipient`: High Volume Email delivers to internal recipients only.
pub const HVE_EXTERNAL_RECIPIENT: &str = "hve_external_recipient";
/// `unrecognized`: a refusal the catalogue does not know. Given by the exchanges (never by
/// [`diagnose_reply`]), with the server's own words kept in the rejection.
pub const UNRECOGNIZED: &str = "unrecognized";

/// The catalogue: code, cause, fix.
static CATALOGUE: [(&str, &str, &str); 16] = [
    (
        AUTH_FAILED,
        "The server refused the token. Most often it was minted for the wrong resource (a Graph \
         scope such as https://graph.microsoft.com/IMAP.AccessAsUser.All instead of \
         https://outlook.office.com/IMAP.AccessAsUser.All), it has expired, user= is not the \
         mailbox the token may open, or (app-only) the service principal was never registered in \
         Exchange or has no permission on the mailbox. Over SMTP, user= must be the token's own \
         user: a shared mailbox cannot be an SMTP AUTH identity.",
        "Request a new token for the Outlook resource (delegated: \
         https://outlook.office.com/IMAP.AccessAsUser.All, .../POP.AccessAsUser.All or \
         .../SMTP.Send; app-only: https://outlook.office365.com/.default) and check it with the \
         token lint; put the mailbox's primary address in user=. SMTP with a delegated token: \
         user= is the signed-in user; to send as a shared mailbox put it in MAIL FROM and From: \
         and give the user Send As (Add-RecipientPermission -Identity <shared mailbox> -Trustee \
         <user> -AccessRights SendAs). App-only: New-ServicePrincipal -AppId <client id> \
         -ObjectId <enterprise application object id>, then Add-MailboxPermission -Identity \
         <mailbox> -User <service principal id> -AccessRights FullAccess (or, SMTP only, an App \
         RBAC role assignment). Permission changes take up to 2 hours to apply.",
    ),
    (
        SMTP_AUTH_DISABLED,
        "SMTP AUTH (authenticated client submission) is turned off for the mailbox or for the \
         whole tenant, so Exchange Online refuses every SMTP login, OAuth included.",
        "For the mailbox: Set-CasMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled \
         $false; for the tenant: Set-TransportConfig -SmtpClientAuthenticationDisabled $false.",
    ),
    (
        SECURITY_DEFAULTS,
        "The tenant's Security Defaults policy blocks SMTP AUTH, OAuth included.",
        "Turn Security Defaults off and protect sign-ins with Conditional Access policies \
         instead (Entra admin center, tenant properties, Manage security defaults), or send the \
         mail through Microsoft Graph instead of SMTP.",
    ),
    (
        NOT_CONNECTED,
        "The login worked but Exchange cannot open the mailbox: user= is not the primary address \
         of a mailbox the token may open (an alias, a typo, a user without a mailbox), IMAP is \
         turned off for the mailbox, or an app-only token's service principal has no \
         permission on it.",
        "Put the mailbox's primary SMTP address in user=. App-only: Add-MailboxPermission \
         -Identity <mailbox> -User <service principal id> -AccessRights FullAccess (check with \
         Get-MailboxPermission -Identity <mailbox>). IMAP off: Set-CasMailbox -Identity \
         <mailbox> -ImapEnabled $true. Permission changes take up to 2 hours to apply.",
    ),
    (
        SESSION_TOKEN_EXPIRED,
        "The access token the session was opened with has expired; Exchange Online ends the \
         session when it does.",
        "Refresh the token (or request a new one) and connect again; refresh before expires_at \
         to avoid the cut.",
    ),
    (
        POP_TWO_STEP_REQUIRED,
        "The client sent the initial response on the AUTH line (the RFC 5034 one-line form); \
         Exchange Online POP accepts only the two-line form and closes the connection.",
        "Send AUTH XOAUTH2 alone, wait for the server's +, then send the base64 string on its \
         own line (initial_response auto or never).",
    ),
    (
        BASIC_AUTH_REJECTED,
        "The client logged in with a password (AUTH LOGIN or PLAIN), and basic authentication \
         for client submission is off for this tenant. Microsoft's plan (message center \
         MC786329, January 2026 update): unchanged through December 2026; off by default for \
         existing tenants at the end of December 2026 (an admin can turn it back on); not \
         available for tenants created after December 2026; the final removal date is to be \
         announced in the second half of 2027.",
        "Switch the client to OAuth 2.0: AUTH XOAUTH2 with a token for \
         https://outlook.office.com/SMTP.Send (app-only: https://outlook.office365.com/.default \
         with the SMTP.SendAsApp permission).",
    ),
    (
        MECHANISM_NOT_OFFERED,
        "The server does not offer the SASL mechanism: no AUTH=XOAUTH2 capability (IMAP), no \
         XOAUTH2 in the CAPA SASL line (POP) or in the EHLO AUTH line (SMTP), or it refused the \
         mechanism as unknown (SMTP 504).",
        "SMTP: do STARTTLS and EHLO again first: Exchange advertises AUTH XOAUTH2 only after \
         STARTTLS. IMAP and POP: ask for the capabilities again on the TLS connection; if the \
         mechanism is still missing, the server does not support OAuth (for Exchange Online use \
         outlook.office365.com).",
    ),
    (
        TEMPORARY_FAILURE,
        "The server had a temporary problem (SMTP 4xx such as 454 4.7.0, IMAP [UNAVAILABLE], POP \
         [SYS/TEMP] or [IN-USE]); the token was not judged.",
        "Retry later with the same token: a fresh token will not help.",
    ),
    (
        TLS_REQUIRED,
        "The server accepts logins only over TLS, and this connection is not encrypted (SMTP \
         530 5.7.0 Must issue a STARTTLS command first, IMAP [PRIVACYREQUIRED]).",
        "Use TLS: IMAP port 993 and POP port 995 with implicit TLS; SMTP port 587 with STARTTLS, \
         then EHLO again, then AUTH. Never send a token over a plain connection.",
    ),
    (
        MAILBOX_LOGON_FAILED,
        "The login worked but Exchange could not open the mailbox to submit the message \
         (430 4.2.0 STOREDRV; mailbox logon failure; MapiExceptionLogonFailed): the login's \
         identity has no permission on the mailbox. Despite the 4xx code this is not a \
         temporary failure: retrying changes nothing.",
        "App-only: Add-MailboxPermission -Identity <mailbox> -User <service principal id> \
         -AccessRights FullAccess (or, with App RBAC, a New-ManagementRoleAssignment -Role \
         'Application SMTP.SendAsApp' whose scope holds the mailbox); delegated: user= must be \
         the signed-in user's own mailbox. Permission changes take up to 2 hours to apply.",
    ),
    (
        SEND_AS_DENIED,
        "The sender (MAIL FROM or From:) is an address the login may not send as (550 5.7.60 \
         Client does not have permissions to send as this sender, SendAsDeniedException).",
        "Send from the login's own address, or give the login Send As on the sender: \
         Add-RecipientPermission -Identity <sender mailbox> -Trustee <user or service principal \
         id> -AccessRights SendAs. For a shared mailbox over SMTP, log in as the delegate \
         (user= the delegate), and put the shared address in MAIL FROM and From:. Permission \
         changes take up to 2 hours to apply.",
    ),
    (
        NOT_AUTHENTICATED,
        "The client sent mail without a successful login (530 5.7.57 Client not authenticated \
         to send mail): AUTH was skipped, failed, or ran before STARTTLS and EHLO.",
        "Do STARTTLS, EHLO again, then AUTH XOAUTH2 and wait for 235 before MAIL FROM; if AUTH \
         failed, its reply says why.",
    ),
    (
        HVE_USER_INVALID,
        "High Volume Email refused user=: it is not an HVE account the app may use (501 5.5.124 \
         Invalid XOAUTH2 auth data - User address provided is not valid).",
        "Put the HVE account's address in user= (Get-MailUser -HVEAccount lists them) and give \
         the app access to it: Add-HVEAppAccess -Identity <HVE account> -AppIds <client id> (the \
         change takes a few minutes).",
    ),
    (
        HVE_EXTERNAL_RECIPIENT,
        "High Volume Email delivers to recipients inside the organisation only (550 5.5.105 \
         External sending is not supported).",
        "Send to internal recipients only through HVE; for external recipients send from a \
         regular mailbox (SMTP AUTH or Microsoft Graph) or a bulk mail service.",
    ),
    (
        UNRECOGNIZED,
        "The server refused with a reply this catalogue does not know; its own words are kept \
         in the rejection's server text.",
        "Read the server's text. Check the token with the token lint (audience, scope or role, \
         user, expiry), and the server's logs or message trace if you run it. A fresh token \
         helps only when the reply says the token is bad or expired.",
    ),
];

/// Fixes for personal Microsoft accounts (Outlook.com, Hotmail): for the account owner, who has
/// no tenant administrator, portal or PowerShell.
static PERSONAL: [(&str, &str); 4] = [
    (
        AUTH_FAILED,
        "Personal Microsoft account: request a new token with tenant consumers and the named \
         scopes (https://outlook.office.com/IMAP.AccessAsUser.All, .../POP.AccessAsUser.All or \
         .../SMTP.Send, and offline_access; .default is not valid), put the account's own \
         address in user=, and for POP check that POP is turned on in Outlook.com (Settings > \
         Mail > Forwarding and IMAP).",
    ),
    (
        SMTP_AUTH_DISABLED,
        "Personal Microsoft account: Outlook.com has turned SMTP AUTH off for this account (new \
         accounts have been seen refused this way), and there is no admin setting the owner can \
         change. Send through Microsoft Graph (Mail.Send) or another provider's SMTP server; \
         IMAP and POP are not affected.",
    ),
    (
        NOT_CONNECTED,
        "Personal Microsoft account: put the account's own address in user= (a personal \
         account opens only its own mailbox), and sign in again if the password or the \
         account's security settings changed.",
    ),
    (
        SEND_AS_DENIED,
        "Personal Microsoft account: send from the account's own address (or an alias added to \
         it in Outlook.com); personal accounts cannot send as other addresses.",
    ),
];

fn entry((code, cause, fix): (&str, &str, &str)) -> Diagnosis {
    Diagnosis {
        code: code.to_owned(),
        cause: cause.to_owned(),
        fix: fix.to_owned(),
    }
}

/// Every entry of the reply catalogue, in a fixed order.
pub fn reply_catalogue() -> Vec<Diagnosis> {
    CATALOGUE.iter().copied().map(entry).collect()
}

/// The catalogue entry of a code (`auth_failed`, ...), or `None` for an unknown code.
pub fn diagnosis(code: &str) -> Option<Diagnosis> {
    CATALOGUE
        .iter()
        .copied()
        .find(|(c, _, _)| *c == code)
        .map(entry)
}

/// The catalogue entry of a code for a personal Microsoft account (tenant `consumers`): the fix
/// speaks to the account owner where the work-account fix needs a tenant administrator;
/// otherwise the same as [`diagnosis`].
pub fn personal_account_diagnosis(code: &str) -> Option<Diagnosis> {
    let mut d = diagnosis(code)?;
    if let Some((_, fix)) = PERSONAL.iter().find(|(c, _)| *c == code) {
        d.fix = (*fix).to_owned();
    }
    Some(d)
}

/// Whether a reply's words say the token itself is bad or expired (so a fresh token may help).
pub(crate) fn says_token_is_bad(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    lower.contains("invalid_token")
        || (lower.contains("token")
            && (lower.contains("expired")
                || lower.contains("invalid")
                || lower.contains("not valid")))
}

/// A reply line taken apart: the status word or code, the enhanced status, the rest.
struct Parts<'a> {
    /// `OK`/`NO`/`BAD`/`BYE`/`PREAUTH` (IMAP), `+OK`/`-ERR` (POP), uppercased; empty when absent.
    status: String,
    /// The SMTP reply code.
    code: Option<u16>,
    /// The SMTP enhanced status code.
    enhanced: Option<&'a str>,
}

fn split_word(s: &str) -> (&str, &str) {
    match s.split_once(' ') {
        Some((w, rest)) => (w, rest),
        None => (s, ""),
    }
}

fn parts(protocol: Protocol, line: &str) -> Parts<'_> {
    let mut out = Parts {
        status: String::new(),
        code: None,
        enhanced: None,
    };
    match protocol {
        Protocol::Imap => {
            const WORDS: [&str; 5] = ["OK", "NO", "BAD", "BYE", "PREAUTH"];
            let (first, rest) = split_word(line);
            let upper = first.to_ascii_uppercase();
            if WORDS.contains(&upper.as_str()) {
                out.status = upper;
            } else {
                let (second, _) = split_word(rest);
                let upper = second.to_ascii_uppercase();
                if WORDS.contains(&upper.as_str()) {
                    out.status = upper;
                }
            }
        }
        Protocol::Pop => {
            let (first, _) = split_word(line);
            let upper = first.to_ascii_uppercase();
            if upper == "+OK" || upper == "-ERR" {
                out.status = upper;
            }
        }
        Protocol::Smtp => {
            if let Some((code, _sep, text)) = crate::smtp::split_reply_line(line) {
                out.code = Some(code);
                out.enhanced = crate::smtp::split_enhanced_status(code, text).0;
            } else {
                out.enhanced = crate::smtp::split_enhanced_status(0, line).0;
            }
        }
    }
    out
}

/// Names the failure a single server reply line reports, when the catalogue knows it.
///
/// The line may carry the IMAP tag (or `*`), the POP status, the SMTP reply code and enhanced
/// status code, and CR LF, or not. Success replies (`OK`, `+OK`, 2xx, 3xx) are never a failure:
/// `None`. A refusal the catalogue does not recognise is `None` too; the exchanges give it the
/// code [`UNRECOGNIZED`] themselves (or `temporary_failure` for an SMTP 4xx).
pub fn diagnose_reply(protocol: Protocol, line: &str) -> Option<Diagnosis> {
    diagnose_code(protocol, line).and_then(diagnosis)
}

/// The code part of [`diagnose_reply`].
pub(crate) fn diagnose_code(protocol: Protocol, line: &str) -> Option<&'static str> {
    let line = line.trim_end_matches(['\r', '\n']).trim();
    let p = parts(protocol, line);
    let success =
        matches!(p.status.as_str(), "OK" | "PREAUTH" | "+OK") || p.code.is_some_and(|c| c < 400);
    if success {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    let has = |needle: &str| lower.contains(needle);
    if has("smtpclientauthentication is disabled") || has("aka.ms/smtp_auth_disabled") {
        return Some(SMTP_AUTH_DISABLED);
    }
    if has("security defaults") {
        return Some(SECURITY_DEFAULTS);
    }
    if has("basic authentication is not supported")
        || has("basic authentication is disabled")
        || (protocol == Protocol::Smtp && p.enhanced == Some("5.7.30"))
    {
        return Some(BASIC_AUTH_REJECTED);
    }
    if has("authenticated but not connected") {
        return Some(NOT_CONNECTED);
    }
    if has("[privacyrequired]")
        || has("must issue a starttls command first")
        || has("starttls is required")
        || has("plaintext authentication disallowed")
        || has("plaintext authentication not allowed")
        || has("tls required")
        || has("requires tls")
        || (protocol == Protocol::Smtp && p.code == Some(530) && p.enhanced == Some("5.7.0"))
    {
        return Some(TLS_REQUIRED);
    }
    if has("mapiexceptionlogonfailed") || has("mailbox logon failure") {
        return Some(MAILBOX_LOGON_FAILED);
    }
    if has("sendasdenied")
        || has("permissions to send as this sender")
        || (protocol == Protocol::Smtp && p.enhanced == Some("5.7.60"))
    {
        return Some(SEND_AS_DENIED);
    }
    if has("client not authenticated")
        || (protocol == Protocol::Smtp && p.enhanced == Some("5.7.57"))
    {
        return Some(NOT_AUTHENTICATED);
    }
    if has("user address provided is not valid")
        || (protocol == Protocol::Smtp && p.enhanced == Some("5.5.124"))
    {
        return Some(HVE_USER_INVALID);
    }
    if has("external sending is not supported")
        || (protocol == Protocol::Smtp && p.enhanced == Some("5.5.105"))
    {
        return Some(HVE_EXTERNAL_RECIPIENT);
    }
    if has("accesstokenexpired") || has("token expired") || has("token has expired") {
        return Some(SESSION_TOKEN_EXPIRED);
    }
    if protocol == Protocol::Pop
        && p.status != "+OK"
        && lower
            .trim_start_matches("-err")
            .trim_start()
            .starts_with("protocol error")
    {
        return Some(POP_TWO_STEP_REQUIRED);
    }
    if (protocol == Protocol::Smtp && p.code == Some(504))
        || has("unrecognized authentication type")
        || has("unsupported authentication mechanism")
        || has("unknown authentication mechanism")
    {
        return Some(MECHANISM_NOT_OFFERED);
    }
    let temporary = match protocol {
        Protocol::Smtp => p.code.is_some_and(|c| (400..500).contains(&c)),
        Protocol::Imap => has("[unavailable]"),
        Protocol::Pop => has("[sys/temp]") || has("[in-use]"),
    };
    if temporary {
        return Some(TEMPORARY_FAILURE);
    }
    let auth_failed = match protocol {
        Protocol::Smtp => p.code == Some(535) || has("authentication unsuccessful"),
        Protocol::Imap => {
            p.status == "NO"
                && (has("authenticate failed")
                    || has("authentication failed")
                    || has("[authenticationfailed]")
                    || has("invalid credentials")
                    || has("login failed"))
        }
        Protocol::Pop => {
            p.status == "-ERR"
                && (has("authentication fail")
                    || has("[auth]")
                    || has("invalid credentials")
                    || has("bad password"))
        }
    };
    auth_failed.then_some(AUTH_FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(p: Protocol, line: &str) -> Option<String> {
        diagnose_reply(p, line).map(|d| d.code)
    }

    #[test]
    fn catalogue_is_complete_and_unique() {
        let all = reply_catalogue();
        assert_eq!(all.len(), 16);
        for d in &all {
            assert!(!d.cause.is_empty() && !d.fix.is_empty(), "{}", d.code);
            assert_eq!(diagnosis(&d.code).as_ref(), Some(d));
            assert_eq!(all.iter().filter(|x| x.code == d.code).count(), 1);
        }
        assert!(diagnosis("nope").is_none());
    }

    #[test]
    fn auth_failed() {
        for (p, l) in [
            (Protocol::Imap, "A01 NO AUTHENTICATE failed.\r\n"),
            (Protocol::Imap, "NO AUTHENTICATE failed."),
            (
                Protocol::Imap,
                "a NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
            ),
            (
                Protocol::Pop,
                "-ERR Authentication failure: unknown user name or bad password.",
            ),
            (
                Protocol::Smtp,
                "535 5.7.3 Authentication unsuccessful [SN2PR00CA0018.namprd00.prod.outlook.com]",
            ),
            (
                Protocol::Smtp,
                "535-5.7.8 Username and Password not accepted.",
            ),
            (Protocol::Smtp, "5.7.3 Authentication unsuccessful"),
        ] {
            assert_eq!(code(p, l).as_deref(), Some("auth_failed"), "{l}");
        }
        let d = diagnosis(AUTH_FAILED).unwrap();
        assert!(d.fix.contains("New-ServicePrincipal"));
        assert!(d.cause.contains("graph.microsoft.com"));
    }

    #[test]
    fn smtp_auth_disabled() {
        for l in [
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.\r\n",
        ] {
            assert_eq!(code(Protocol::Smtp, l).as_deref(), Some("smtp_auth_disabled"));
        }
        let d = diagnosis(SMTP_AUTH_DISABLED).unwrap();
        assert!(d.fix.contains(
            "Set-CasMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false"
        ));
        assert!(d
            .fix
            .contains("Set-TransportConfig -SmtpClientAuthenticationDisabled $false"));
    }

    #[test]
    fn security_defaults() {
        let l = "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.";
        assert_eq!(
            code(Protocol::Smtp, l).as_deref(),
            Some("security_defaults")
        );
        assert!(diagnosis(SECURITY_DEFAULTS)
            .unwrap()
            .fix
            .contains("Conditional Access"));
    }

    #[test]
    fn not_connected() {
        assert_eq!(
            code(
                Protocol::Imap,
                "A02 BAD User is authenticated but not connected."
            )
            .as_deref(),
            Some("not_connected")
        );
        assert!(diagnosis(NOT_CONNECTED).unwrap().fix.contains(
            "Add-MailboxPermission -Identity <mailbox> -User <service principal id> -AccessRights FullAccess"
        ));
    }

    #[test]
    fn session_token_expired() {
        assert_eq!(
            code(
                Protocol::Imap,
                "* BYE Session invalidated - AccessTokenExpired\r\n"
            )
            .as_deref(),
            Some("session_token_expired")
        );
        assert_eq!(
            code(
                Protocol::Pop,
                "-ERR Session invalidated - AccessTokenExpired"
            )
            .as_deref(),
            Some("session_token_expired")
        );
    }

    #[test]
    fn pop_two_step_required() {
        assert_eq!(
            code(
                Protocol::Pop,
                "-ERR Protocol error. Connection is closed. 10"
            )
            .as_deref(),
            Some("pop_two_step_required")
        );
        // Only POP says it this way.
        assert_eq!(code(Protocol::Imap, "A1 NO Protocol error."), None);
    }

    #[test]
    fn basic_auth_rejected() {
        for l in [
            "550 5.7.30 Basic authentication is not supported for Client Submission.",
            "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
        ] {
            assert_eq!(
                code(Protocol::Smtp, l).as_deref(),
                Some("basic_auth_rejected")
            );
        }
        assert!(diagnosis(BASIC_AUTH_REJECTED)
            .unwrap()
            .fix
            .contains("XOAUTH2"));
    }

    #[test]
    fn mechanism_not_offered() {
        assert_eq!(
            code(Protocol::Smtp, "504 5.7.4 Unrecognized authentication type").as_deref(),
            Some("mechanism_not_offered")
        );
        assert_eq!(
            code(
                Protocol::Imap,
                "A1 NO [CANNOT] Unsupported authentication mechanism."
            )
            .as_deref(),
            Some("mechanism_not_offered")
        );
        assert!(diagnosis(MECHANISM_NOT_OFFERED)
            .unwrap()
            .fix
            .contains("STARTTLS and EHLO again"));
    }

    #[test]
    fn temporary_failure() {
        assert_eq!(
            code(Protocol::Smtp, "454 4.7.0 Temporary authentication failure").as_deref(),
            Some("temporary_failure")
        );
        assert_eq!(
            code(Protocol::Imap, "A1 NO [UNAVAILABLE] try later").as_deref(),
            Some("temporary_failure")
        );
        assert_eq!(
            code(Protocol::Pop, "-ERR [SYS/TEMP] busy").as_deref(),
            Some("temporary_failure")
        );
        assert!(diagnosis(TEMPORARY_FAILURE)
            .unwrap()
            .fix
            .contains("same token"));
    }

    #[test]
    fn tls_required() {
        for (p, l) in [
            (Protocol::Smtp, "530 5.7.0 Must issue a STARTTLS command first"),
            (Protocol::Smtp, "451 5.7.3 STARTTLS is required to send mail [SN4PR0201CA0045.namprd02.prod.outlook.com]"),
            (Protocol::Smtp, "530-5.7.0 Must issue a STARTTLS command first. d2sm123 - gsmtp"),
            (
                Protocol::Imap,
                "a NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.",
            ),
            (Protocol::Pop, "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."),
        ] {
            assert_eq!(code(p, l).as_deref(), Some("tls_required"), "{l}");
        }
        assert!(diagnosis(TLS_REQUIRED).unwrap().fix.contains("STARTTLS"));
    }

    #[test]
    fn mailbox_logon_failed_is_not_temporary() {
        let l = "430 4.2.0 STOREDRV; mailbox logon failure; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot open mailbox /o=ExchangeLabs/ou=Exchange Administrative Group. MapiExceptionLogonFailed";
        assert_eq!(
            code(Protocol::Smtp, l).as_deref(),
            Some("mailbox_logon_failed")
        );
        let d = diagnosis(MAILBOX_LOGON_FAILED).unwrap();
        assert!(d.cause.contains("not a temporary failure"));
        assert!(d.fix.contains("FullAccess") && d.fix.contains("2 hours"));
    }

    #[test]
    fn send_as_denied() {
        for l in [
            "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
            "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception",
        ] {
            assert_eq!(code(Protocol::Smtp, l).as_deref(), Some("send_as_denied"), "{l}");
        }
        assert!(diagnosis(SEND_AS_DENIED)
            .unwrap()
            .fix
            .contains("-AccessRights SendAs"));
    }

    #[test]
    fn not_authenticated() {
        assert_eq!(
            code(Protocol::Smtp, "530 5.7.57 Client not authenticated to send mail. [DM6PR02CA0083.namprd02.prod.outlook.com]").as_deref(),
            Some("not_authenticated")
        );
    }

    #[test]
    fn high_volume_email() {
        assert_eq!(
            code(
                Protocol::Smtp,
                "501 5.5.124 Invalid XOAUTH2 auth data - User address provided is not valid"
            )
            .as_deref(),
            Some("hve_user_invalid")
        );
        assert_eq!(
            code(
                Protocol::Smtp,
                "550 5.5.105 External sending is not supported"
            )
            .as_deref(),
            Some("hve_external_recipient")
        );
        assert!(diagnosis(HVE_USER_INVALID)
            .unwrap()
            .fix
            .contains("Add-HVEAppAccess"));
    }

    #[test]
    fn advice_mentions_the_smtp_shared_mailbox_rule_and_the_delay() {
        let a = diagnosis(AUTH_FAILED).unwrap();
        assert!(a
            .cause
            .contains("shared mailbox cannot be an SMTP AUTH identity"));
        assert!(a.fix.contains("-AccessRights SendAs"));
        assert!(a.fix.contains("up to 2 hours"));
        assert!(diagnosis(NOT_CONNECTED)
            .unwrap()
            .fix
            .contains("up to 2 hours"));
    }

    #[test]
    fn personal_accounts_get_owner_fixes() {
        let d = personal_account_diagnosis(SMTP_AUTH_DISABLED).unwrap();
        assert_eq!(d.code, "smtp_auth_disabled");
        assert!(d.fix.starts_with("Personal Microsoft account"));
        assert!(!d.fix.contains("Set-CasMailbox"));
        let a = personal_account_diagnosis(AUTH_FAILED).unwrap();
        assert!(!a.fix.contains("New-ServicePrincipal"));
        // Codes without a personal variant keep the common fix.
        assert_eq!(
            personal_account_diagnosis(TEMPORARY_FAILURE),
            diagnosis(TEMPORARY_FAILURE)
        );
        assert!(personal_account_diagnosis("nope").is_none());
        for (c, _) in PERSONAL {
            assert!(diagnosis(c).is_some(), "{c}");
        }
    }

    #[test]
    fn unrecognized_is_never_returned_by_diagnose_reply() {
        assert!(diagnosis(UNRECOGNIZED).is_some());
        assert_eq!(code(Protocol::Smtp, "550 5.7.1 Some new refusal"), None);
        assert!(says_token_is_bad("NO the access token has expired"));
        assert!(says_token_is_bad("535 5.7.8 invalid_token"));
        assert!(!says_token_is_bad("550 5.7.1 go away"));
    }

    #[test]
    fn successes_and_unknowns_are_none() {
        for (p, l) in [
            (Protocol::Imap, "A01 OK AUTHENTICATE completed."),
            (Protocol::Imap, "* OK security defaults are great"),
            (Protocol::Imap, "A01 NO [TRYCREATE] no such mailbox"),
            (Protocol::Pop, "+OK User successfully authenticated."),
            (Protocol::Pop, "-ERR no such message"),
            (Protocol::Smtp, "235 2.7.0 Authentication successful"),
            (Protocol::Smtp, "334 "),
            (Protocol::Smtp, "550 5.1.1 mailbox unavailable"),
            (Protocol::Smtp, ""),
            (Protocol::Imap, ""),
            (Protocol::Pop, "garbage"),
        ] {
            assert_eq!(code(p, l), None, "{l}");
        }
    }
}
