//! `mailoauth::diagnose`: the Entra error explainer, the mail-reply catalogue, the access-token
//! and configuration lints, and the Exchange admin runbook.

use crate::cloud::Cloud as CoreCloud;
use crate::diagnose::config_lint::{self, ConfigInput};
use crate::diagnose::entra::{self, EntraExplanation};
use crate::diagnose::runbook::{self, RunbookInput};
use crate::diagnose::token_lint::{self, LintFinding as CoreFinding, TokenClaims as CoreClaims};
use crate::diagnose::{reply, Diagnosis as CoreDiagnosis};
use crate::uniffi_api::cloud::Cloud;
use crate::uniffi_api::errors::{IntoFfi, Result};
use crate::uniffi_api::types::{ConfigFlow, Grant, Protocol, Remedy, RunbookVariant, Severity};
use crate::Secret;

/// A diagnosis: a stable code, the likely cause and the fix.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Diagnosis {
    /// The stable code (`auth_failed_token`, ...).
    pub code: String,
    /// The likely cause.
    pub cause: String,
    /// The fix.
    pub fix: String,
}

impl From<CoreDiagnosis> for Diagnosis {
    fn from(d: CoreDiagnosis) -> Self {
        Diagnosis {
            code: d.code,
            cause: d.cause,
            fix: d.fix,
        }
    }
}

/// An error explained: cause, fix, remedy and the ids support staff ask for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Explanation {
    /// The AADSTS code, when there is one.
    pub aadsts: Option<u32>,
    /// The OAuth `error` value, when there is one.
    pub error: Option<String>,
    /// Whether the catalogue knows this error.
    pub known: bool,
    /// A one-line title.
    pub title: String,
    /// The likely cause.
    pub cause: String,
    /// The fix.
    pub fix: String,
    /// What kind of action fixes it.
    pub remedy: Remedy,
    /// Whether retrying later may succeed.
    pub retryable: bool,
    /// Whether the user must sign in again.
    pub needs_sign_in: bool,
    /// Whether an administrator must act.
    pub needs_admin: bool,
    /// The server's description, when sent.
    pub description: Option<String>,
    /// Entra's `trace_id`.
    pub trace_id: Option<String>,
    /// Entra's `correlation_id`.
    pub correlation_id: Option<String>,
    /// Entra's `timestamp`.
    pub timestamp: Option<String>,
    /// `Retry-After` seconds, when sent.
    pub retry_after: Option<u64>,
    /// The admin-consent URL to fix it, when the explainer can build one.
    pub admin_consent_url: Option<String>,
}

impl From<EntraExplanation> for Explanation {
    fn from(x: EntraExplanation) -> Self {
        Explanation {
            aadsts: x.aadsts,
            error: x.error,
            known: x.known,
            title: x.title,
            cause: x.cause,
            fix: x.fix,
            remedy: x.remedy,
            retryable: x.retryable,
            needs_sign_in: x.needs_sign_in,
            needs_admin: x.needs_admin,
            description: x.description,
            trace_id: x.trace_id,
            correlation_id: x.correlation_id,
            timestamp: x.timestamp,
            retry_after: x.retry_after,
            admin_consent_url: x.admin_consent_url,
        }
    }
}

/// Explains an AADSTS code from the catalogue.
#[uniffi::export]
pub fn explain_aadsts(code: u32) -> Option<Explanation> {
    entra::explain_aadsts(code).map(Explanation::from)
}

/// Explains a raw token-endpoint error body (JSON with an `error` member); fails with
/// `malformed` for anything else.
#[uniffi::export]
pub fn explain_error_body(body: String) -> Result<Explanation> {
    entra::explain_error_body(&body)
        .ffi()
        .map(Explanation::from)
}

/// Explains whatever was pasted: a JSON error body, a text with `AADSTSnnnn`, or a bare code.
#[uniffi::export]
pub fn explain_error_text(text: String) -> Option<Explanation> {
    entra::explain_error_text(&text).map(Explanation::from)
}

/// Every AADSTS code the catalogue explains.
#[uniffi::export]
pub fn entra_catalogue() -> Vec<Explanation> {
    entra::entra_catalogue()
        .into_iter()
        .map(Explanation::from)
        .collect()
}

/// The diagnosis of one mail server reply line, or `None` when the line is not a failure the
/// catalogue knows. With `personal`, for a personal Microsoft account (tenant `consumers`,
/// Outlook.com): the fix speaks to the account owner where a work account's fix needs a tenant
/// administrator.
#[uniffi::export(default(personal = false))]
pub fn diagnose_reply(protocol: Protocol, line: String, personal: bool) -> Option<Diagnosis> {
    let d = reply::diagnose_reply(protocol, &line)?;
    if personal {
        reply::personal_account_diagnosis(&d.code).map(Diagnosis::from)
    } else {
        Some(d.into())
    }
}

/// The catalogue entry of a diagnosis code (`auth_failed`, ...), or `None` for an unknown code.
#[uniffi::export]
pub fn reply_diagnosis(code: String) -> Option<Diagnosis> {
    reply::diagnosis(&code).map(Diagnosis::from)
}

/// The catalogue entry of a code for a personal Microsoft account: the owner's fix where the
/// work-account fix needs an administrator, otherwise the same as `reply_diagnosis` (for
/// example, to re-read a `Rejection`'s diagnosis when the token's `tid` is the personal one).
#[uniffi::export]
pub fn personal_account_diagnosis(code: String) -> Option<Diagnosis> {
    reply::personal_account_diagnosis(&code).map(Diagnosis::from)
}

/// Every diagnosis of the mail-reply catalogue.
#[uniffi::export]
pub fn reply_catalogue() -> Vec<Diagnosis> {
    reply::reply_catalogue()
        .into_iter()
        .map(Diagnosis::from)
        .collect()
}

/// One lint finding (of the token lint and the configuration lint): a stable code, how much it
/// matters, what is wrong, and the fix.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LintFinding {
    /// The stable code (`expired`, `wrong_audience`, ...).
    pub code: String,
    /// `Error`: the login or request will fail as configured; `Warning`: it may fail, or works
    /// only in a set-up the lint cannot see; `Note`: worth knowing, not a fault.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// The fix.
    pub fix: String,
}

impl From<CoreFinding> for LintFinding {
    fn from(f: CoreFinding) -> Self {
        LintFinding {
            code: f.code,
            severity: f.severity,
            message: f.message,
            fix: f.fix,
        }
    }
}

/// The claims of an access token, decoded WITHOUT verifying its signature (diagnosis only).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenClaims {
    /// `aud` (one or more).
    pub aud: Vec<String>,
    /// `iss`.
    pub iss: Option<String>,
    /// `tid`.
    pub tid: Option<String>,
    /// `appid` / `azp`.
    pub appid: Option<String>,
    /// The user (`upn`, `unique_name`, `preferred_username`, `email`).
    pub user: Option<String>,
    /// `scp`, split.
    pub scp: Vec<String>,
    /// `roles`.
    pub roles: Vec<String>,
    /// `exp`.
    pub exp: Option<u64>,
    /// `iat`.
    pub iat: Option<u64>,
    /// The header's `alg`.
    pub alg: Option<String>,
    /// The header's `typ`.
    pub typ: Option<String>,
}

impl From<CoreClaims> for TokenClaims {
    fn from(c: CoreClaims) -> Self {
        TokenClaims {
            aud: c.aud,
            iss: c.iss,
            tid: c.tid,
            appid: c.appid,
            user: c.user,
            scp: c.scp,
            roles: c.roles,
            exp: c.exp,
            iat: c.iat,
            alg: c.alg,
            typ: c.typ,
        }
    }
}

/// The access-token lint: the claims (when the token is a JWT) and the findings.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenLint {
    /// The claims, when the token is a JWT.
    pub claims: Option<TokenClaims>,
    /// The findings, in order (empty when the token looks right).
    pub findings: Vec<LintFinding>,
}

/// Lints an access token for a mail login: `expired`, `wrong_audience`, `missing_scope`,
/// `missing_role`, `smtp_role_absent`, `user_differs`, `opaque_token`, each with its severity
/// (`user_differs` is an error for SMTP, a note for IMAP/POP).
#[uniffi::export(default(user = None, cloud = None))]
pub fn lint_access_token(
    token: String,
    protocol: Protocol,
    grant: Grant,
    now: u64,
    user: Option<String>,
    cloud: Option<Cloud>,
) -> TokenLint {
    let cloud = cloud.as_ref().map(CoreCloud::from);
    let lint = token_lint::lint_access_token(
        &token,
        protocol,
        grant,
        user.as_deref(),
        now,
        cloud.as_ref(),
    );
    TokenLint {
        claims: lint.claims.map(TokenClaims::from),
        findings: lint.findings.into_iter().map(LintFinding::from).collect(),
    }
}

/// The claims of a JWT access token, decoded without verification.
#[uniffi::export]
pub fn token_claims(token: String) -> Result<TokenClaims> {
    token_lint::token_claims(&token)
        .ffi()
        .map(TokenClaims::from)
}

/// What kind of grant a token looks like it came from, by its claims.
#[uniffi::export]
pub fn guess_grant(token: String) -> Grant {
    token_lint::guess_grant(&token)
}

/// The header and payload JSON of a JWT, decoded without verification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DecodedJwt {
    /// The header JSON.
    pub header: String,
    /// The payload JSON.
    pub payload: String,
}

/// Decodes a JWT's header and payload without verifying it.
#[uniffi::export]
pub fn decode_jwt_unverified(token: String) -> Result<DecodedJwt> {
    let d = token_lint::decode_jwt_unverified(&token).ffi()?;
    Ok(DecodedJwt {
        header: d.header,
        payload: d.payload,
    })
}

/// Lints a client configuration before any request: client id, tenant, authority, secret and
/// scope mistakes (client credentials refuse `organizations`, `common` and `consumers`), each
/// with its severity.
#[allow(clippy::too_many_arguments)]
#[uniffi::export(default(tenant = None, client_id = None, client_secret = None, scopes = [], authority = None, has_certificate = false))]
pub fn lint_config(
    flow: ConfigFlow,
    tenant: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scopes: Vec<String>,
    authority: Option<String>,
    has_certificate: bool,
) -> Vec<LintFinding> {
    let mut input = ConfigInput::new(flow);
    input.tenant = tenant;
    input.client_id = client_id;
    input.client_secret = client_secret.map(Secret::new);
    input.scopes = scopes;
    input.authority = authority;
    input.has_certificate = has_certificate;
    config_lint::lint_config(&input)
        .into_iter()
        .map(LintFinding::from)
        .collect()
}

/// One numbered step of the runbook.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RunbookStep {
    /// The step's title.
    pub title: String,
    /// Why and what to watch for.
    pub explanation: String,
    /// The URL or PowerShell lines to run, in order.
    pub commands: Vec<String>,
}

/// The filled-in Exchange Online runbook for app-only access.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Runbook {
    /// The steps, in order.
    pub steps: Vec<RunbookStep>,
    /// The admin-consent URL of step 1.
    pub consent_url: String,
    /// The runbook as numbered plain text.
    pub text: String,
}

/// Builds the runbook: admin consent, then the steps of `variant` (`None`: `MailboxPermission`,
/// with `New-ServicePrincipal`, mailbox permissions, checks; `Rbac` and `Hve` are SMTP only,
/// and empty `protocols` mean SMTP for them). Fails with `invalid_input` for IMAP/POP with
/// `Rbac`/`Hve` and for the `Consumers` cloud (personal accounts have no app-only access).
#[allow(clippy::too_many_arguments)]
#[uniffi::export(default(service_principal_object_id = None, display_name = None, mailboxes = [], protocols = [], send_as = false, variant = None))]
pub fn build_runbook(
    cloud: Cloud,
    tenant: String,
    client_id: String,
    service_principal_object_id: Option<String>,
    display_name: Option<String>,
    mailboxes: Vec<String>,
    protocols: Vec<Protocol>,
    send_as: bool,
    variant: Option<RunbookVariant>,
) -> Result<Runbook> {
    let input = RunbookInput {
        tenant,
        client_id,
        service_principal_object_id,
        display_name,
        mailboxes,
        protocols,
        cloud: CoreCloud::from(&cloud),
        send_as,
        variant: variant.unwrap_or_default(),
    };
    let r = runbook::build_runbook(&input).ffi()?;
    Ok(Runbook {
        text: r.to_text(),
        consent_url: r.consent_url.clone(),
        steps: r
            .steps
            .into_iter()
            .map(|s| RunbookStep {
                title: s.title,
                explanation: s.explanation,
                commands: s.commands,
            })
            .collect(),
    })
}

/// Quotes a value as a PowerShell single-quoted literal.
#[uniffi::export]
pub fn quote_powershell(value: String) -> String {
    runbook::quote_powershell(&value)
}

/// The PowerShell line that gives `trustee` Send As on `mailbox`
/// (`Add-RecipientPermission -Identity <mailbox> -Trustee <trustee> -AccessRights SendAs
/// -Confirm:$false`), each value quoted. Over SMTP a shared mailbox cannot be the AUTH identity:
/// the delegate logs in as itself and sends from the shared address with this permission.
#[uniffi::export]
pub fn send_as_command(mailbox: String, trustee: String) -> String {
    runbook::send_as_command(&mailbox, &trustee)
}
