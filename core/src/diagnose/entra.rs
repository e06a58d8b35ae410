//! The Entra error explainer: an `AADSTSnnnn` code, an OAuth `error` value or a library error,
//! turned into a cause, a concrete fix and what kind of action it takes (docs/protocol.md sections 3
//! and 7; Microsoft identity platform "Microsoft Entra authentication and authorization error
//! codes"; RFC 6749 section 5.2; RFC 8628 section 3.5 for the device-code poll errors).
//!
//! - [`explain_error_body`]: a raw token-endpoint error body (JSON).
//! - [`explain_oauth_error`]: an [`OAuthError`] already parsed (token endpoint or redirect).
//! - [`explain_error`]: any [`crate::Error`], including HTTP 429/5xx (retry after `Retry-After`)
//!   and the library's own refusals.
//! - [`explain_aadsts`]: a catalogue lookup by code; [`explain_error_text`]: anything a user
//!   pasted (a JSON body, an error page's text, `AADSTS50011`, a bare number).
//! - [`ENTRA_CODES`], [`OAUTH_ERRORS`] and [`entra_catalogue`]: the catalogue itself.
//!
//! Every entry was checked against Microsoft's "Microsoft Entra authentication and authorization
//! error codes" reference (<https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes>)
//! in December 2026. Codes that page does not list were checked against the Microsoft Learn or
//! Q&A page cited in a comment beside them. What could not be checked is marked with
//! [`Advice::unchecked`] and said in the cause the user sees.
//!
//! Codes the catalogue does not know keep `known: false` and everything the server sent that helps
//! support staff (the description's first line, trace and correlation ids, timestamp), plus the
//! link to Microsoft's lookup page `https://login.microsoftonline.com/error?code=nnnn`.

use crate::apps;
use crate::cloud::is_guid;
use crate::consent::{build_admin_consent_url, AdminConsentRequest};
use crate::error::{Error, OAuthError, Result};
use serde::{Deserialize, Serialize};

/// What kind of action resolves an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Send the same request again later (after `Retry-After`, or the polling interval).
    Retry,
    /// The user must sign in again interactively (auth code or device code); drop stored tokens.
    SignInAgain,
    /// A tenant administrator must act (consent, Conditional Access, enabling an app or user).
    AdminAction,
    /// The request or the app registration is wrong: change the configuration.
    FixConfiguration,
    /// The user must do something (MFA registration, password change, accept consent).
    UserAction,
}

impl Remedy {
    /// The snake_case name (`retry`, `sign_in_again`, `admin_action`, `fix_configuration`,
    /// `user_action`).
    pub fn as_str(self) -> &'static str {
        match self {
            Remedy::Retry => "retry",
            Remedy::SignInAgain => "sign_in_again",
            Remedy::AdminAction => "admin_action",
            Remedy::FixConfiguration => "fix_configuration",
            Remedy::UserAction => "user_action",
        }
    }
}

/// An error explained: the cause, the fix, and what the server sent that support staff ask for.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "Explanation", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase", rename = "Explanation")
)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "Explanation")
)]
pub struct EntraExplanation {
    /// The AADSTS code, when there is one.
    pub aadsts: Option<u32>,
    /// The OAuth `error` value (`invalid_grant`, ...) or, for library errors, the error's code.
    pub error: Option<String>,
    /// Whether the catalogue has a cause and a fix for this error.
    pub known: bool,
    /// A short title.
    pub title: String,
    /// The likely cause, one or two sentences.
    pub cause: String,
    /// What to do, concretely (portal blade and setting, request parameter, PowerShell line).
    pub fix: String,
    /// The kind of action that resolves it.
    pub remedy: Remedy,
    /// Whether sending the same request again later may succeed.
    pub retryable: bool,
    /// Whether the user must sign in again interactively.
    pub needs_sign_in: bool,
    /// Whether a tenant administrator must act.
    pub needs_admin: bool,
    /// The server's description, first line only (Entra appends trace lines after it).
    pub description: Option<String>,
    /// Entra's `trace_id` (from the body, else from the description's `Trace ID:` line).
    pub trace_id: Option<String>,
    /// Entra's `correlation_id` (from the body, else the description's `Correlation ID:` line).
    pub correlation_id: Option<String>,
    /// Entra's `timestamp` (from the body, else the description's `Timestamp:` line).
    pub timestamp: Option<String>,
    /// `Retry-After` in seconds, when the server sent it.
    pub retry_after: Option<u64>,
    /// For consent errors (AADSTS65001, AADSTS90094) when the description names the app: the
    /// admin-consent URL for it (tenant `organizations`, i.e. the admin's own tenant).
    pub admin_consent_url: Option<String>,
}

/// The advice of one catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    /// A short title.
    pub title: &'static str,
    /// The likely cause.
    pub cause: &'static str,
    /// The concrete fix.
    pub fix: &'static str,
    /// The kind of action.
    pub remedy: Remedy,
    /// Whether trying again later may succeed.
    pub retryable: bool,
    /// Whether the user must sign in again.
    pub needs_sign_in: bool,
    /// Whether an administrator must act.
    pub needs_admin: bool,
    /// What of this entry could not be checked against Microsoft's error-code reference or
    /// another Microsoft page (`None`: checked). Shown to the user with the cause.
    pub unchecked: Option<&'static str>,
}

impl Advice {
    /// Advice whose flags follow from the remedy (`Retry` → retryable, `SignInAgain` → sign-in,
    /// `AdminAction` → admin).
    pub const fn new(
        remedy: Remedy,
        title: &'static str,
        cause: &'static str,
        fix: &'static str,
    ) -> Advice {
        Advice {
            title,
            cause,
            fix,
            remedy,
            retryable: matches!(remedy, Remedy::Retry),
            needs_sign_in: matches!(remedy, Remedy::SignInAgain),
            needs_admin: matches!(remedy, Remedy::AdminAction),
            unchecked: None,
        }
    }

    /// The same advice, marked as not (wholly) checked: `what` says which part.
    pub const fn unchecked(self, what: &'static str) -> Advice {
        Advice {
            unchecked: Some(what),
            ..self
        }
    }

    /// The cause as the user sees it: with the note when part of it could not be checked.
    pub fn cause_text(&self) -> String {
        match self.unchecked {
            None => self.cause.to_owned(),
            Some(what) => format!(
                "{} (Not confirmed by Microsoft's documentation: {what}.)",
                self.cause
            ),
        }
    }

    /// The same advice, also needing an interactive sign-in.
    pub const fn sign_in(self) -> Advice {
        Advice {
            needs_sign_in: true,
            ..self
        }
    }

    /// The same advice, also needing an administrator.
    pub const fn admin(self) -> Advice {
        Advice {
            needs_admin: true,
            ..self
        }
    }

    fn explanation(&self, aadsts: Option<u32>, error: Option<String>) -> EntraExplanation {
        EntraExplanation {
            aadsts,
            error,
            known: true,
            title: self.title.to_owned(),
            cause: self.cause_text(),
            fix: self.fix.to_owned(),
            remedy: self.remedy,
            retryable: self.retryable,
            needs_sign_in: self.needs_sign_in,
            needs_admin: self.needs_admin,
            description: None,
            trace_id: None,
            correlation_id: None,
            timestamp: None,
            retry_after: None,
            admin_consent_url: None,
        }
    }
}

/// One AADSTS code of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntraCode {
    /// The number after `AADSTS`.
    pub code: u32,
    /// The advice.
    pub advice: Advice,
}

/// One plain OAuth `error` value of the catalogue (used when there is no AADSTS code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthErrorCode {
    /// The `error` value (RFC 6749 section 5.2, RFC 8628 section 3.5, Entra).
    pub error: &'static str,
    /// The advice.
    pub advice: Advice,
}

const fn c(code: u32, advice: Advice) -> EntraCode {
    EntraCode { code, advice }
}

const fn o(error: &'static str, advice: Advice) -> OAuthErrorCode {
    OAuthErrorCode { error, advice }
}

use Remedy::{AdminAction, FixConfiguration, Retry, SignInAgain, UserAction};

/// The AADSTS codes with a cause and a fix (docs/protocol.md section 7 and more).
pub static ENTRA_CODES: &[EntraCode] = &[
    c(50001, Advice::new(FixConfiguration, "Resource not found or disabled",
        "The resource (API) named in the scope is disabled or does not exist in the tenant: usually a mistyped scope resource, or a tenant without Exchange Online.",
        "Request the Exchange resource exactly: delegated `https://outlook.office.com/IMAP.AccessAsUser.All` (POP.AccessAsUser.All, SMTP.Send), app-only `https://outlook.office365.com/.default`; check the tenant has an Exchange Online licence (Microsoft 365 admin center > Billing > Your products).")),
    c(50011, Advice::new(FixConfiguration, "Redirect URI mismatch",
        "The `redirect_uri` of the request is not one of the redirect URIs registered on the app (scheme, host, port, path and trailing slash must match exactly).",
        "Send a redirect_uri that is registered, or add it: Entra admin center > App registrations > your app > Authentication > Platform configurations (native/loopback apps under 'Mobile and desktop applications', browser apps under 'Single-page application'); the same redirect_uri must be sent in the authorize and the token request.")),
    c(50020, Advice::new(FixConfiguration, "Account from a tenant the app does not accept",
        "The user's account belongs to a tenant the app does not accept: the app is single-tenant, it accepts work accounts only and a personal account signed in (or the reverse), or the user is not a guest of the tenant.",
        "Use the tenant of the account in the URL (its tenant id or domain instead of common), invite the user as a guest, or widen App registrations > your app > Authentication > Supported account types (multitenant, or including personal Microsoft accounts); personal Outlook.com accounts use tenant `consumers`.")
        .unchecked("the reference names only an account that is not a guest of the tenant; the single-tenant and account-type causes come from public reports")),
    c(50034, Advice::new(UserAction, "User account does not exist",
        "The user name is not known in this directory: a typo, an alias instead of the sign-in name, or the wrong tenant (a personal Outlook.com account sent to a work tenant).",
        "Sign in with the account's user principal name (Entra admin center > Users > the user > User principal name); use tenant `consumers` or `common` for Outlook.com accounts; check the tenant in the URL.")),
    c(50053, Advice::new(UserAction, "Account locked",
        "The account is temporarily locked after too many sign-ins with a wrong password (smart lockout), or the sign-in came from an IP address Entra considers malicious.",
        "Wait for the lockout to pass (it grows with each attempt) and sign in with the right password; stop any client that keeps retrying an old password; an admin checks Entra admin center > Sign-in logs for the failing sources.")),
    c(50055, Advice::new(UserAction, "Password expired",
        "The user's password has expired.",
        "The user changes the password (https://aka.ms/sspr or an interactive sign-in at https://myaccount.microsoft.com), then signs in again; an admin can reset it under Entra admin center > Users > the user > Reset password.").sign_in()),
    c(50057, Advice::new(AdminAction, "User account disabled",
        "The user account is disabled in the directory (blocked sign-in).",
        "An admin enables it: Entra admin center > Users > the user > Properties > Settings > 'Account enabled', or `Update-MgUser -UserId <user> -AccountEnabled:$true`. Shared mailboxes are disabled on purpose: sign in as a delegate instead and use the shared mailbox as `user=`.")),
    c(50058, Advice::new(SignInAgain, "Silent sign-in impossible",
        "A silent request (prompt=none) found no signed-in user session.",
        "Send the authorize request again without `prompt=none` so the user can sign in.")),
    c(50059, Advice::new(FixConfiguration, "No tenant information",
        "The request names no tenant (it went to /common without anything that identifies one), which app-only and some other requests need.",
        "Put the tenant id or domain in the URL: `https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token`.")),
    c(50072, Advice::new(UserAction, "MFA registration required",
        "The user must register for multi-factor authentication before signing in.",
        "Sign in interactively once (auth code or device code) and complete the MFA registration (https://aka.ms/mfasetup), then sign in again.").sign_in()),
    c(50074, Advice::new(SignInAgain, "Strong authentication required",
        "A policy requires multi-factor authentication and this request could not do it.",
        "Use an interactive flow (authorization code with PKCE, or device code) so the user can complete MFA; the password grant (ROPC) can never do MFA.")),
    c(50076, Advice::new(SignInAgain, "MFA required",
        "Because of a policy (Conditional Access, per-user MFA, a new location) the user must complete multi-factor authentication, which this non-interactive request (password grant or refresh) cannot do.",
        "Sign in again with an interactive flow (authorization code with PKCE, or device code) so the user can complete MFA; stop using the password grant (ROPC).")),
    c(50079, Advice::new(UserAction, "MFA enrolment required",
        "The user must register for multi-factor authentication (a policy now requires it), which needs an interactive sign-in.",
        "The user signs in interactively (auth code or device code) and registers a method at https://aka.ms/mfasetup; then sign in again with an interactive flow.").sign_in()),
    c(50097, Advice::new(UserAction, "Device authentication required",
        "A Conditional Access policy requires an authenticated (registered or joined) device.",
        "Sign in from a device registered with Entra ID (Settings > Accounts > Access work or school), or an admin adjusts the device condition of the Conditional Access policy (Entra admin center > Protection > Conditional Access).")
        .unchecked("the reference says only that device authentication is required, not that a Conditional Access policy asks for it")),
    c(50105, Advice::new(AdminAction, "User not assigned to the app",
        "The app's enterprise application has 'Assignment required' on and the user is not assigned to it.",
        "An admin assigns the user or a group: Entra admin center > Enterprise applications > the app > Users and groups > Add user/group; or sets Properties > 'Assignment required?' to No.")),
    c(50126, Advice::new(UserAction, "Wrong user name or password",
        "The password grant (ROPC) was refused: wrong user name or password, or a federated account whose password Entra cannot check.",
        "Check the user name and password; better, stop using the password grant: use authorization code with PKCE or device code (ROPC never works with MFA, federated or personal accounts).")
        .unchecked("the federated-account case")),
    c(50128, Advice::new(FixConfiguration, "Invalid domain name",
        "The tenant in the URL, or the domain of the user name, is not a tenant Entra knows.",
        "Use the tenant id (Entra admin center > Overview > Tenant ID) or a verified domain such as contoso.onmicrosoft.com in the URL.")),
    c(50133, Advice::new(SignInAgain, "Session invalidated by a password change",
        "The session or refresh token was revoked because the password changed (or the session expired).",
        "Sign in again interactively and store the new refresh token; drop the old one.")),
    c(50158, Advice::new(SignInAgain, "External security challenge not satisfied",
        "An external challenge (third-party MFA, a Conditional Access custom control or federation provider) must be completed, which a non-interactive request cannot do.",
        "Sign in again with an interactive flow (authorization code with PKCE, or device code) and complete the challenge.")),
    c(50173, Advice::new(SignInAgain, "Grant revoked",
        "The refresh token was revoked: the user changed or reset the password, or an admin revoked the sessions (`Revoke-MgUserSignInSession`).",
        "Sign in again interactively and store the new refresh token; drop the old one.")),
    c(50194, Advice::new(FixConfiguration, "Single-tenant app used via /common",
        "The app is registered as single-tenant, so it cannot sign in through /common.",
        "Use the tenant-specific endpoint `https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/...` (tenant id or domain), or make the app multitenant: App registrations > your app > Authentication > Supported account types.")),
    c(53000, Advice::new(UserAction, "Device not compliant",
        "A Conditional Access policy requires a compliant or managed device (Intune), and this device is not.",
        "Use a device enrolled and compliant in Intune (Company Portal), or an admin adjusts the device condition of the Conditional Access policy (Entra admin center > Protection > Conditional Access).")),
    c(53003, Advice::new(AdminAction, "Blocked by Conditional Access",
        "A Conditional Access policy blocked the sign-in (location, client app, device platform, or legacy-authentication rule).",
        "An admin opens Entra admin center > Monitoring > Sign-in logs, finds the sign-in by its correlation id, reads the Conditional Access tab to see which policy blocked it, and changes that policy (Protection > Conditional Access) or excludes the app or user.")),
    c(54005, Advice::new(SignInAgain, "Authorization code already redeemed",
        "The authorization code was already exchanged for tokens; a code works once.",
        "Sign in again for a new code, and redeem each code exactly once (do not retry a token request that already succeeded).")),
    c(65001, Advice::new(AdminAction, "Consent not granted",
        "Neither the user nor an administrator has consented to the app's permissions (user consent may be disabled in the tenant).",
        "An administrator opens the app's admin-consent URL: `https://login.microsoftonline.com/<tenant>/v2.0/adminconsent?client_id=<client id>&scope=https://ps.outlook.com/.default` (mailoauth `build_admin_consent_url`), or Entra admin center > Enterprise applications > the app > Permissions > 'Grant admin consent'; where user consent is allowed, the user can consent in an interactive sign-in with `prompt=consent`.")),
    c(65004, Advice::new(UserAction, "Consent declined",
        "The user declined to consent to the app's permissions.",
        "Sign in again and accept the consent prompt, or have an administrator consent for the whole organisation with the admin-consent URL (mailoauth `build_admin_consent_url`) so users are not asked.").sign_in()),
    c(65005, Advice::new(FixConfiguration, "Resource missing from the app's API permissions",
        "The app registration's API permissions do not list the resource the request asks for (Office 365 Exchange Online), or the scope names a resource the registration does not know (a mistyped Outlook scope).",
        "Add the permission: App registrations > your app > API permissions > Add a permission > APIs my organization uses > 'Office 365 Exchange Online', then grant admin consent; check the scope's resource (`https://outlook.office.com/...` delegated, `https://outlook.office365.com/.default` app-only).")),
    c(650052, Advice::new(AdminAction, "Tenant not subscribed to the service",
        "The app needs a service the tenant has no subscription for: usually a tenant without Exchange Online.",
        "Check that the tenant has Exchange Online (Microsoft 365 admin center > Billing > Your products) and that the mailbox has a licence that includes it.")),
    c(70000, Advice::new(SignInAgain, "Invalid grant",
        "The authorization code or refresh token is invalid: already used, expired, revoked, issued to another client, or for other scopes.",
        "Sign in again; redeem each code once, within about 10 minutes, with the same client_id, redirect_uri and code_verifier as the authorize request; refresh only with the refresh token issued to this client_id.")),
    c(70008, Advice::new(SignInAgain, "Refresh token expired",
        "The refresh token has expired through inactivity, or was revoked.",
        "Sign in again interactively, and store the newest refresh token after every refresh.")),
    c(70011, Advice::new(FixConfiguration, "Invalid scope",
        "The `scope` parameter is not valid: a permission that does not exist, a `.default` mixed with other scopes of the resource, or a delegated scope with client credentials.",
        "Delegated: `https://outlook.office.com/IMAP.AccessAsUser.All offline_access` (full resource URL, space separated; POP.AccessAsUser.All, SMTP.Send); client credentials: exactly `https://outlook.office365.com/.default`.")),
    c(70016, Advice::new(Retry, "Authorization pending",
        "The user has not finished the device-code sign-in yet.",
        "Keep polling the token endpoint every `interval` seconds (5 when absent) until the user finishes or the code expires; this is not an error to show.")),
    c(70019, Advice::new(SignInAgain, "Device code expired",
        "The device code expired before the user finished signing in (a code lives the `expires_in` seconds of the device authorization response).",
        "Start a new device authorization (POST /oauth2/v2.0/devicecode) and show the new user code and URL.")),
    c(70043, Advice::new(SignInAgain, "Refresh token expired by sign-in frequency",
        "A Conditional Access sign-in frequency policy requires a fresh sign-in; the refresh token can no longer be used.",
        "Sign in again interactively (the policy decides how often); store the new refresh token.")),
    c(90002, Advice::new(FixConfiguration, "Tenant not found",
        "The tenant in the URL does not exist in this cloud (typo, a deleted tenant, or a national-cloud tenant sent to the global login host).",
        "Use the tenant id from Entra admin center > Overview > Tenant ID or a verified domain, with the right cloud (GCC High and DoD: login.microsoftonline.us; China: login.partner.microsoftonline.cn).")),
    c(90014, Advice::new(FixConfiguration, "Required field missing",
        "A field the credential must carry is missing: for example a claim of a client assertion (`aud`, `iss`, `sub`, `jti`, `exp`). A parameter missing from the request body is AADSTS900144.",
        "Build the client assertion with every claim (docs/protocol.md section 3), and send the fields of the grant as an `application/x-www-form-urlencoded` POST body.")),
    c(90094, Advice::new(AdminAction, "Admin approval required",
        "The app asks for permissions only an administrator may grant, or user consent is disabled in the tenant.",
        "An administrator grants consent: the app's admin-consent URL (`https://login.microsoftonline.com/<tenant>/v2.0/adminconsent?client_id=<client id>`, mailoauth `build_admin_consent_url`), or Entra admin center > Enterprise applications > the app > Permissions > 'Grant admin consent'; or enable the admin consent workflow (Enterprise applications > Consent and permissions > Admin consent settings) so users can request it.")),
    c(500011, Advice::new(FixConfiguration, "Resource principal not found",
        "The resource of the scope was not found in the tenant: a wrong resource URL in the scope (a typo, ps.outlook.com for a token), or Exchange Online is not in the tenant (no licence yet, or admin consent never given).",
        "Request tokens for `https://outlook.office365.com/.default` (app-only) or `https://outlook.office.com/IMAP.AccessAsUser.All` (delegated); check the tenant has Exchange Online; grant admin consent once with the admin-consent URL.")),
    // Not in Microsoft's reference; checked against https://learn.microsoft.com/en-us/answers/a/183761
    c(500113, Advice::new(FixConfiguration, "No redirect URI registered",
        "The app has no redirect URI registered for this flow.",
        "Add one: App registrations > your app > Authentication > Add a platform ('Mobile and desktop applications' with http://localhost for native apps, 'Single-page application' for browser apps), and send it as redirect_uri.")),
    c(700016, Advice::new(FixConfiguration, "Application not found in the tenant",
        "No app with this client id exists in the tenant named in the URL: a wrong client id (perhaps the object id was pasted), the wrong tenant, or a multitenant app not yet consented in this tenant.",
        "Copy client_id from App registrations > your app > Overview > 'Application (client) ID' (not 'Object ID'); use that app's tenant ('Directory (tenant) ID') in the URL; for a multitenant app an administrator of the target tenant consents first (admin-consent URL).")),
    // Not in Microsoft's reference; checked against https://github.com/Azure/aks-set-context/issues/101 (the server's message; no Microsoft page lists it)
    c(700024, Advice::new(FixConfiguration, "Client assertion outside its valid time",
        "The client assertion JWT is expired or not yet valid: it was reused, or the machine's clock is off.",
        "Mint a fresh assertion for every token request with `nbf` = `iat` = now and `exp` = now + 5 to 10 minutes; sync the clock (NTP); never cache assertions.")),
    c(700025, Advice::new(FixConfiguration, "Public client sent a credential",
        "The app is a public client ('Allow public client flows' on, or a native redirect) and the request carried a client_secret or client_assertion.",
        "Do not send client_secret or client_assertion from public clients (desktop, device code, browser); or, for a confidential app, set App registrations > your app > Authentication > 'Allow public client flows' to No.")),
    c(700027, Advice::new(FixConfiguration, "Client assertion signature invalid",
        "The client assertion's signature did not verify: the certificate is not uploaded on the app, the header's thumbprint (`x5t#S256` / `x5t`) names another certificate, or the wrong key signed it.",
        "Upload the certificate's public part (.cer/.pem) under App registrations > your app > Certificates & secrets > Certificates; set `x5t#S256` to base64url(SHA-256 of that certificate's DER) and sign with its private key (PS256 or RS256).")),
    c(700054, Advice::new(FixConfiguration, "id_token response type not enabled",
        "The authorize request asked for `response_type=id_token`, which the app does not allow.",
        "Use `response_type=code` with PKCE (what mail clients need), or enable App registrations > your app > Authentication > 'ID tokens (used for implicit and hybrid flows)'.")),
    c(700082, Advice::new(SignInAgain, "Refresh token expired (unused)",
        "The refresh token expired because it was not used for 90 days.",
        "Sign in again interactively and store the new refresh token; use it (refresh) at least once every 90 days and always store the refresh token each refresh returns.")),
    c(700084, Advice::new(SignInAgain, "SPA refresh token expired",
        "The refresh token was issued to a single-page-application redirect URI and lives only 24 hours.",
        "Sign in again; for long-running access, redeem the code from a native/desktop redirect URI instead of a 'Single-page application' one (90-day refresh tokens).")),
    // Not in Microsoft's reference; checked against https://github.com/microsoft/Analysis-Services/issues/194 (the server's message)
    c(900023, Advice::new(FixConfiguration, "Invalid tenant identifier",
        "The tenant in the URL is neither a valid tenant id (GUID) nor a valid domain name.",
        "Use the tenant id (Entra admin center > Overview > Tenant ID), a verified domain such as contoso.onmicrosoft.com, or organizations/common/consumers.")),
    c(900144, Advice::new(FixConfiguration, "Parameter missing from the request body",
        "The token request body lacks a required parameter (often `grant_type`, `client_id` or `scope`), usually because it was not sent form-encoded.",
        "POST the parameters of the grant (docs/protocol.md section 3) with `Content-Type: application/x-www-form-urlencoded` in the body.")),
    // Not in Microsoft's reference; checked against https://github.com/phantom-artist/ms-email-reader/issues/1 (the server's message)
    c(1002012, Advice::new(FixConfiguration, "Scope not valid for client credentials",
        "With client credentials the scope must be a resource followed by `/.default`; a delegated permission name such as IMAP.AccessAsUser.All was sent.",
        "Request exactly `scope=https://outlook.office365.com/.default` with client credentials; the application permissions (IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp) come from the app registration and admin consent.")),
    // Checked against the reference, and https://github.com/simonrob/email-oauth2-proxy/issues/267 for the retired Thunderbird id
    c(7000112, Advice::new(AdminAction, "Application disabled",
        "The application is disabled in the tenant, or by its publisher: for example the retired Thunderbird client id 08162f7c-0fd2-4200-a84a-f25a4db0b584, disabled since about August 2024.",
        "If the client id is the retired Thunderbird id 08162f7c-0fd2-4200-a84a-f25a4db0b584, use the current Thunderbird id 9e5f94bc-e8a4-4e73-b8be-63364c29d753 (and consent to that one). Otherwise an admin enables it: Entra admin center > Enterprise applications > the app > Properties > 'Enabled for users to sign-in?' = Yes.")),
    c(7000215, Advice::new(FixConfiguration, "Invalid client secret",
        "The client secret is wrong: most often the secret's ID (a GUID) was pasted instead of its value, or the secret belongs to another app.",
        "Use the secret's Value, shown only once at creation under App registrations > your app > Certificates & secrets > Client secrets (not the 'Secret ID' column); if it was not copied, create a new secret and use its Value.")
        .unchecked("Microsoft says only that the secret is invalid; the pasted secret ID is the cause most public reports find")),
    c(7000218, Advice::new(FixConfiguration, "Public client flows not enabled, or missing credential",
        "The request carries no client_secret or client_assertion: the app is treated as confidential because 'Allow public client flows' is off (device code, desktop apps), or a confidential app forgot its credential.",
        "For device code and desktop apps: App registrations > your app > Authentication > Advanced settings > 'Allow public client flows' = Yes. For a confidential (server) app: send client_secret, or client_assertion with a certificate.")),
    c(7000222, Advice::new(FixConfiguration, "Client secret expired",
        "The app's client secret has passed its expiry date.",
        "Create a new secret under App registrations > your app > Certificates & secrets > New client secret, put its Value into the configuration, then delete the expired one; note the new expiry date (or use a certificate).")),
    c(9001023, Advice::new(FixConfiguration, "Grant not allowed on /common or /consumers",
        "This grant (client credentials, or another tenant-bound grant) is not supported on the /common or /consumers endpoints.",
        "Put the tenant id or a verified domain in the URL: `https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token`. Not organizations either for client credentials: Entra would pick a tenant for you (usually the app's home tenant), and MSAL refuses it too.")),
    // Not in Microsoft's reference; checked against https://learn.microsoft.com/en-us/answers/questions/385914/aadsts9002326-how-to-use-single-page-app-redirect
    c(9002326, Advice::new(FixConfiguration, "SPA redirect URI needed for browser redemption",
        "The code was redeemed from a browser (cross-origin, with an Origin header) but its redirect URI is not registered as a 'Single-page application'.",
        "Register the redirect URI under App registrations > your app > Authentication > Add a platform > 'Single-page application' (not 'Web' or 'Mobile and desktop'), or redeem the code outside the browser.")),
    // Not in Microsoft's reference; checked against https://learn.microsoft.com/en-us/answers/questions/1601797/aadsts9002327-tokens-issued-for-the-single-page-ap
    c(9002327, Advice::new(FixConfiguration, "SPA code redeemed outside the browser",
        "The redirect URI is registered as a 'Single-page application', whose codes may only be redeemed by a cross-origin browser request.",
        "Redeem the code from the page with fetch (the browser sends the Origin header), or register the redirect URI under 'Mobile and desktop applications' (native apps) or 'Web' (servers) instead.")),
    c(650057, Advice::new(FixConfiguration, "Permission not on the app registration",
        "The app asked for a resource or permission that is not listed in its registration's API permissions.",
        "Add it: App registrations > your app > API permissions > Add a permission > APIs my organization uses > 'Office 365 Exchange Online' > Delegated (IMAP.AccessAsUser.All, POP.AccessAsUser.All, SMTP.Send) or Application (IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp), then 'Grant admin consent'.").admin()),
    // https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/create-service-principal-cross-tenant
    // and https://learn.microsoft.com/en-us/entra/identity-platform/retire-service-principal-less-authentication
    c(7000229, Advice::new(AdminAction, "Service principal missing in the tenant",
        "The app has no service principal (enterprise application) in the tenant it asks for a token from: usually an app registered in another tenant (a vendor's, or your own home tenant) that was never consented to here. Since 31 March 2026 Entra blocks such requests.",
        "An administrator of that tenant creates it: open the admin-consent URL once, or run `New-MgServicePrincipal -AppId <client id>` (after Connect-MgGraph -Scopes Application.ReadWrite.All) or `az ad sp create --id <client id>`. For app-only mail access, then register it in Exchange (New-ServicePrincipal) and grant mailbox permissions or an App RBAC role.")),
    // https://learn.microsoft.com/en-us/answers/questions/1160493/access-issue
    c(9002331, Advice::new(FixConfiguration, "App accepts personal accounts only",
        "The app registration accepts personal Microsoft accounts only, but the request went to /common, /organizations or a tenant.",
        "Send personal accounts to the consumers endpoint (`https://login.microsoftonline.com/consumers/oauth2/v2.0/...`), or let the app accept work accounts too: App registrations > your app > Authentication > Supported account types > 'Accounts in any organizational directory and personal Microsoft accounts'.")),
    c(500200, Advice::new(UserAction, "Personal account not accepted",
        "A personal Microsoft account (Outlook.com, Hotmail) signed in to an app or tenant that accepts only work or school accounts.",
        "Sign in with a work or school account; for a personal mailbox use an app registered for personal Microsoft accounts with tenant `consumers`; or an admin invites the personal account to the tenant as a guest.")
        .unchecked("the code is not in Microsoft's reference; the cause is the server's own message as seen in public reports")),
    c(53001, Advice::new(UserAction, "Domain-joined device required",
        "A Conditional Access policy requires a domain-joined (hybrid joined) device, and the sign-in did not come from one, or its device state did not reach Entra (device code on another machine carries none).",
        "Sign in interactively in the browser of a hybrid-joined work PC signed in with the work account; otherwise an administrator excludes this app or user from the policy (Entra admin center > Protection > Conditional Access).")),
    c(53002, Advice::new(AdminAction, "App not approved by Conditional Access",
        "A Conditional Access policy requires an approved client app or an app protection policy (Intune); a mail client or script outside that list cannot satisfy it.",
        "Nothing on the client can fix it: an administrator excludes this app (or IMAP/POP/SMTP access) from the 'Require approved client app' or 'Require app protection policy' grant, or the user uses an approved Microsoft app.")),
    // https://learn.microsoft.com/en-us/azure/iot-operations/troubleshoot/known-issues
    c(530003, Advice::new(UserAction, "Managed device required",
        "A Conditional Access policy requires a managed device (Intune compliant or hybrid joined), and the sign-in did not prove one; flows without a browser on the managed device (device code, scripts) carry no device identity.",
        "Sign in interactively (browser, authorization code) on a managed device; otherwise an administrator enrols the device in Intune or excludes this app from the device requirement (Entra admin center > Protection > Conditional Access).")
        .unchecked("the code is not in Microsoft's reference; its meaning comes from the server's message quoted on Microsoft Learn")),
];

/// The OAuth `error` values with a cause and a fix, for errors without an AADSTS code (other
/// servers, redirects, device-code polling).
pub static OAUTH_ERRORS: &[OAuthErrorCode] = &[
    o("invalid_grant", Advice::new(SignInAgain, "Invalid grant",
        "The authorization code, device code or refresh token is invalid, expired or revoked.",
        "Sign in again interactively and store the new refresh token; redeem each code once with the same redirect_uri and code_verifier.")),
    o("authorization_pending", Advice::new(Retry, "Authorization pending",
        "The user has not finished the device-code sign-in yet.",
        "Keep polling every `interval` seconds (5 when absent) until the user finishes or the code expires.")),
    o("slow_down", Advice::new(Retry, "Polling too fast",
        "The device-code poll came too quickly.",
        "Add 5 seconds to the polling interval from now on (RFC 8628 section 3.5) and keep polling.")),
    o("expired_token", Advice::new(SignInAgain, "Device code expired",
        "The device code expired before the user finished signing in.",
        "Start a new device authorization (POST /devicecode) and show the new user code.")),
    o("access_denied", Advice::new(UserAction, "Access denied",
        "The user (or an administrator's policy) refused the authorization request or the device-code sign-in.",
        "Sign in again and accept the request; if a policy refused it, ask an administrator to grant consent (admin-consent URL).").sign_in()),
    o("authorization_declined", Advice::new(UserAction, "Sign-in declined",
        "The user declined the device-code sign-in.",
        "Start a new device authorization and accept it, if that was a mistake.").sign_in()),
    o("bad_verification_code", Advice::new(FixConfiguration, "Unknown device code",
        "The device_code sent is not one the server issued (a truncated or mixed-up value).",
        "Poll with the exact `device_code` of the device authorization response (not the user_code).")),
    o("invalid_client", Advice::new(FixConfiguration, "Client authentication failed",
        "The client id, secret or assertion was refused (unknown client, wrong or expired secret, bad assertion).",
        "Check client_id against the app registration and the secret's Value (not its ID) or the certificate uploaded on the app.")),
    o("unauthorized_client", Advice::new(FixConfiguration, "Client not allowed this grant",
        "The app is not allowed to use this grant type (for example device code without public client flows), or it is not registered in (or added to) the user's tenant.",
        "Enable the flow on the app (Entra: App registrations > your app > Authentication > 'Allow public client flows' for device code), or use the grant the app is registered for.")),
    o("invalid_scope", Advice::new(FixConfiguration, "Invalid scope",
        "The scope is unknown, malformed, or not allowed for this grant.",
        "Use the full Outlook scopes (`https://outlook.office.com/IMAP.AccessAsUser.All offline_access`) for users, `https://outlook.office365.com/.default` for app-only.")),
    o("unsupported_grant_type", Advice::new(FixConfiguration, "Unsupported grant type",
        "The server does not support this grant_type value, or it was misspelled.",
        "Send one of authorization_code, refresh_token, client_credentials or urn:ietf:params:oauth:grant-type:device_code, form-encoded.")),
    o("invalid_request", Advice::new(FixConfiguration, "Invalid request",
        "The request lacks a parameter, repeats one, or has a malformed value.",
        "Compare the request with docs/protocol.md section 3 (form-encoded POST, every parameter of the grant once); the server's description names the problem.")),
    o("interaction_required", Advice::new(SignInAgain, "Interaction required",
        "The request needs the user: MFA, consent, or a Conditional Access step that a silent request cannot do.",
        "Sign in again with an interactive flow (authorization code with PKCE, or device code); pass any `claims` challenge back in the authorize request.")),
    o("login_required", Advice::new(SignInAgain, "Sign-in required",
        "There is no usable session for a silent request.",
        "Send the authorize request without `prompt=none` so the user can sign in.")),
    o("consent_required", Advice::new(AdminAction, "Consent required",
        "The app's permissions have not been consented to.",
        "An administrator opens the admin-consent URL (mailoauth `build_admin_consent_url`), or the user consents with `prompt=consent`.")),
    o("temporarily_unavailable", Advice::new(Retry, "Temporarily unavailable",
        "The authorization server is overloaded or under maintenance.",
        "Retry the same request after `Retry-After` seconds (or a growing back-off); keep the refresh token.")),
    o("server_error", Advice::new(Retry, "Server error",
        "The authorization server failed unexpectedly.",
        "Retry the same request after a short back-off; keep the refresh token; if it persists, give support the trace and correlation ids.")),
];

/// The catalogue entry of an AADSTS code.
pub fn lookup_aadsts(code: u32) -> Option<&'static EntraCode> {
    ENTRA_CODES.iter().find(|e| e.code == code)
}

/// The catalogue entry of an OAuth `error` value (case-sensitive, as on the wire).
pub fn lookup_oauth_error(error: &str) -> Option<&'static OAuthErrorCode> {
    OAUTH_ERRORS.iter().find(|e| e.error == error)
}

/// Explains an AADSTS code from the catalogue alone; `None` when the catalogue does not know it.
pub fn explain_aadsts(code: u32) -> Option<EntraExplanation> {
    lookup_aadsts(code).map(|e| e.advice.explanation(Some(code), None))
}

/// Every AADSTS entry of the catalogue as an explanation (for pages and bindings).
pub fn entra_catalogue() -> Vec<EntraExplanation> {
    ENTRA_CODES
        .iter()
        .map(|e| e.advice.explanation(Some(e.code), None))
        .collect()
}

/// Explains a server's OAuth error (token endpoint or redirect).
///
/// The AADSTS code decides when the catalogue knows it; otherwise the `error` value does (an
/// unknown AADSTS code keeps `known: false` but borrows the `error` value's advice). HTTP 429 and
/// 5xx make it retryable. A `claims` challenge is mentioned in the fix. The description's first
/// line and the trace and correlation ids are kept.
pub fn explain_oauth_error(err: &OAuthError) -> EntraExplanation {
    let aadsts = err.aadsts.or_else(|| err.derive_aadsts());
    let error = (!err.error.is_empty()).then(|| err.error.clone());
    let first_line = err
        .error_description
        .as_deref()
        .and_then(|d| d.lines().next())
        .map(|l| l.trim_end().to_owned())
        .filter(|l| !l.is_empty());
    let transient = err.is_transient();

    let mut x = match (
        aadsts.and_then(lookup_aadsts),
        lookup_oauth_error(&err.error),
    ) {
        (Some(entry), _) => entry.advice.explanation(aadsts, error),
        (None, generic) => {
            let mut x = match generic {
                Some(g) => g.advice.explanation(aadsts, error),
                None => unknown(aadsts, error, &err.error),
            };
            if let Some(code) = aadsts {
                // The AADSTS code itself is not in the catalogue.
                x.known = false;
                x.fix = format!(
                    "{} Look the code up at https://login.microsoftonline.com/error?code={code}.",
                    x.fix
                );
            }
            if transient && x.remedy != Remedy::Retry {
                x.remedy = Remedy::Retry;
                x.retryable = true;
                x.needs_sign_in = false;
                x.title = format!("{} (temporary)", x.title);
                x.fix = "Retry the same request after `Retry-After` seconds (or a growing back-off); keep the refresh token.".to_owned();
            }
            x
        }
    };

    let app_id = first_line.as_deref().and_then(find_guid);
    match aadsts {
        Some(7000112) => {
            if let Some((old, repl)) = app_id
                .as_deref()
                .and_then(|old| apps::replacement_for(old).map(|r| (old, r)))
            {
                x.cause = format!(
                    "The client id {old} is the retired {} id, disabled by its publisher.",
                    repl.display_name
                );
                x.fix = format!(
                    "Use the current {} client id {} instead of {old} (update the app or its configuration) and, if the tenant requires it, grant admin consent to the new id.",
                    repl.display_name, repl.client_id
                );
                x.remedy = Remedy::FixConfiguration;
                x.needs_admin = false;
            }
        }
        Some(65001) | Some(90094) => {
            if let Some(id) = app_id {
                let req = AdminConsentRequest::new("organizations", id);
                x.admin_consent_url = build_admin_consent_url(&req).ok();
                if let Some(u) = &x.admin_consent_url {
                    x.fix = format!("{} For this app: {u}", x.fix);
                }
            }
        }
        _ => {}
    }
    if err.claims.is_some() {
        x.fix = format!(
            "{} The response carries a `claims` challenge: send it back unchanged as the `claims` parameter of the next authorize request.",
            x.fix
        );
    }
    if transient {
        x.retryable = true;
    }
    let desc = err.error_description.as_deref();
    x.description = first_line;
    x.trace_id = err
        .trace_id
        .clone()
        .or_else(|| desc.and_then(|d| description_field(d, "Trace ID:")));
    x.correlation_id = err
        .correlation_id
        .clone()
        .or_else(|| desc.and_then(|d| description_field(d, "Correlation ID:")));
    x.timestamp = err
        .timestamp
        .clone()
        .or_else(|| desc.and_then(|d| description_field(d, "Timestamp:")));
    x.retry_after = err.retry_after;
    x
}

fn unknown(aadsts: Option<u32>, error: Option<String>, value: &str) -> EntraExplanation {
    let title = match aadsts {
        Some(code) => format!("AADSTS{code}"),
        None if value.is_empty() => "Unknown error".to_owned(),
        None => format!("Error {value}"),
    };
    EntraExplanation {
        aadsts,
        error,
        known: false,
        title,
        cause: "The catalogue has no explanation for this error; the server's description says what it saw.".to_owned(),
        fix: "Read the description; an administrator finds the attempt in Entra admin center > Monitoring > Sign-in logs by its correlation id, and support asks for the trace and correlation ids below.".to_owned(),
        remedy: Remedy::FixConfiguration,
        retryable: false,
        needs_sign_in: false,
        needs_admin: false,
        description: None,
        trace_id: None,
        correlation_id: None,
        timestamp: None,
        retry_after: None,
        admin_consent_url: None,
    }
}

/// Explains a raw token-endpoint error body (JSON with an `error` member).
///
/// Errors: [`Error::Malformed`] when the body is not JSON or has no string `error` member (a proxy
/// page, an outage). The body itself is never copied into the error message.
pub fn explain_error_body(body: &str) -> Result<EntraExplanation> {
    match OAuthError::from_json_body(None, body.as_bytes(), None) {
        Some(e) => Ok(explain_oauth_error(&e)),
        None => {
            let is_json = crate::json::parse(body.as_bytes()).is_ok();
            Err(Error::malformed(if is_json {
                "the body is JSON but has no string \"error\" member: not an OAuth error response"
            } else {
                "the body is not JSON (a proxy page or an outage?)"
            }))
        }
    }
}

/// Explains whatever a user pasted: a JSON error body, the text of an error page or log line
/// containing `AADSTSnnnn`, or a bare code (`50011`, `AADSTS50011`). `None` when no error can be
/// found in it.
pub fn explain_error_text(text: &str) -> Option<EntraExplanation> {
    if let Ok(x) = explain_error_body(text) {
        return Some(x);
    }
    let t = text.trim();
    let code = crate::error::parse_aadsts(t).or_else(|| {
        (!t.is_empty() && t.len() <= 9 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    })?;
    let e = OAuthError {
        error_description: Some(t.to_owned()),
        error_codes: vec![code],
        aadsts: Some(code),
        ..OAuthError::default()
    };
    let mut x = explain_oauth_error(&e);
    // A bare number is not a description.
    if x.description.as_deref() == Some(t) && t.bytes().all(|b| b.is_ascii_digit()) {
        x.description = None;
    }
    Some(x)
}

/// Explains any library error: the server's OAuth refusal (as [`explain_oauth_error`]), an HTTP
/// error without an OAuth body (429 and 5xx are retryable, with `Retry-After`), and the library's
/// own refusals (invalid input, tenant, client id, state mismatch, ...).
#[allow(unreachable_patterns)] // other variants may be added to the non-exhaustive enum
pub fn explain_error(err: &Error) -> EntraExplanation {
    let advice = |remedy: Remedy, title: &str, cause: String, fix: String| EntraExplanation {
        aadsts: None,
        error: Some(err.code().to_owned()),
        known: true,
        title: title.to_owned(),
        cause,
        fix,
        remedy,
        retryable: matches!(remedy, Remedy::Retry),
        needs_sign_in: matches!(remedy, Remedy::SignInAgain),
        needs_admin: matches!(remedy, Remedy::AdminAction),
        description: Some(err.to_string()),
        trace_id: None,
        correlation_id: None,
        timestamp: None,
        retry_after: None,
        admin_consent_url: None,
    };
    match err {
        Error::OAuth(e) => explain_oauth_error(e),
        Error::HttpError {
            status,
            retry_after,
            ..
        } => {
            let wait = match retry_after {
                Some(s) => format!("Wait the {s} seconds the server asked for (Retry-After)"),
                None => "Wait (no Retry-After was sent: back off, starting at a few seconds and doubling)".to_owned(),
            };
            let mut x = match status {
                429 => advice(
                    Remedy::Retry,
                    "Throttled",
                    "The server received too many requests from this client or tenant (HTTP 429).".to_owned(),
                    format!("{wait}, then send the same request again; keep the refresh token."),
                ),
                500..=599 => advice(
                    Remedy::Retry,
                    "Server unavailable",
                    format!("The authorization server or a proxy in front of it failed or is unavailable (HTTP {status})."),
                    format!("{wait}, then send the same request again; keep the refresh token. If it persists, check https://status.cloud.microsoft and the proxy."),
                ),
                404 => advice(
                    Remedy::FixConfiguration,
                    "Endpoint not found",
                    "The URL does not name an endpoint of the authorization server (HTTP 404): a wrong login host, tenant or path.".to_owned(),
                    "Use `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token` (or `/devicecode`, `/authorize`) with the cloud's login host; check custom endpoint URLs.".to_owned(),
                ),
                _ => {
                    let mut x = advice(
                        Remedy::FixConfiguration,
                        "HTTP error without an OAuth error",
                        format!("The server answered HTTP {status} with a body that is not an OAuth error: a proxy, a firewall page, or not an OAuth endpoint."),
                        "Check the endpoint URL and any proxy between this client and the authorization server; the body excerpt in the description shows what answered.".to_owned(),
                    );
                    x.known = false;
                    x
                }
            };
            x.retry_after = *retry_after;
            x
        }
        Error::InvalidInput(_) => advice(
            Remedy::FixConfiguration,
            "Invalid input",
            "The library refused a value before anything was sent.".to_owned(),
            "Correct the value the description names.".to_owned(),
        ),
        Error::InvalidTenant(_) => advice(
            Remedy::FixConfiguration,
            "Invalid tenant",
            "The tenant is not a tenant id (GUID), a domain, or organizations/common/consumers, or it cannot be used here (admin consent and client credentials need a specific tenant).".to_owned(),
            "Use the tenant id from Entra admin center > Overview > Tenant ID, or a verified domain such as contoso.onmicrosoft.com.".to_owned(),
        ),
        Error::InvalidClientId(_) => advice(
            Remedy::FixConfiguration,
            "Invalid client id",
            "The application (client) id is not a GUID.".to_owned(),
            "Copy 'Application (client) ID' from Entra admin center > App registrations > your app > Overview.".to_owned(),
        ),
        Error::MechanismNotOffered { hint, .. } => advice(
            Remedy::FixConfiguration,
            "SASL mechanism not offered",
            "The mail server does not advertise the OAuth SASL mechanism at this point; nothing was sent.".to_owned(),
            hint.clone(),
        ),
        Error::UnexpectedReply(_) => advice(
            Remedy::FixConfiguration,
            "Unexpected server reply",
            "The server's reply broke the protocol at this point of the exchange: another protocol on that port, a proxy, or a server bug.".to_owned(),
            "Check host and port (IMAP 993 and POP 995 with TLS, SMTP 587 with STARTTLS) and any proxy; the description shows the reply.".to_owned(),
        ),
        Error::Malformed(_) => advice(
            Remedy::FixConfiguration,
            "Unreadable response",
            "A response or redirect could not be parsed or lacks a required field: a proxy page, a truncated copy, or a server that is not the expected one.".to_owned(),
            "Check the endpoint URL and any proxy; when a redirect URL was copied by hand, copy it whole.".to_owned(),
        ),
        Error::StateMismatch => advice(
            Remedy::SignInAgain,
            "State mismatch",
            "The redirect does not carry the state this client sent: a stale browser tab, a second sign-in started in parallel, or a forged redirect.".to_owned(),
            "Start the sign-in again from this client and finish it in the tab it opens.".to_owned(),
        ),
        Error::IssuerMismatch { .. } => advice(
            Remedy::FixConfiguration,
            "Issuer mismatch",
            "The redirect names another issuer than expected (RFC 9207): the sign-in went to another tenant or authorization server.".to_owned(),
            "Check the tenant and authority of the configuration; start the sign-in again.".to_owned(),
        ),
        _ => {
            let mut x = advice(
                Remedy::FixConfiguration,
                "Error",
                "The catalogue has no explanation for this error.".to_owned(),
                "Read the description.".to_owned(),
            );
            x.known = false;
            x
        }
    }
}

/// The first GUID in a text (the app id in `Application '…' is disabled.` and similar).
fn find_guid(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| {
        let cand = text.get(i..i.checked_add(36)?)?;
        let before_ok = i == 0 || bytes.get(i - 1).is_some_and(|b| !b.is_ascii_hexdigit());
        let after_ok = bytes.get(i + 36).is_none_or(|b| !b.is_ascii_hexdigit());
        (before_ok && after_ok && is_guid(cand)).then(|| cand.to_ascii_lowercase())
    })
}

/// A `Label: value` line of an Entra description (`Trace ID:`, `Correlation ID:`, `Timestamp:`).
fn description_field(desc: &str, label: &str) -> Option<String> {
    desc.lines().find_map(|l| {
        let v = l.trim().strip_prefix(label)?.trim();
        (!v.is_empty()).then(|| v.to_owned())
    })
}

#[cfg(test)]
#[path = "entra_tests.rs"]
mod tests;
