//! `mailoauth::diagnose`: the Entra error explainer, the mail-reply catalogue, the access-token
//! and configuration lints, and the Exchange admin runbook.

use crate::cloud::Cloud;
use crate::diagnose::config_lint::{self, ConfigInput};
use crate::diagnose::entra;
use crate::diagnose::reply;
use crate::diagnose::runbook::{self, RunbookInput};
use crate::diagnose::token_lint;
use crate::uniffi_api::errors::{IntoFfi, Result};
use crate::uniffi_api::types::{ConfigFlow, Grant, Protocol, RunbookVariant};
use crate::Secret;

// The records are the core's own (derived with `uniffi::Record` behind the feature;
// `EntraExplanation` is exported as `Explanation`).
pub use crate::diagnose::entra::EntraExplanation as Explanation;
pub use crate::diagnose::runbook::RunbookStep;
pub use crate::diagnose::token_lint::{DecodedJwt, LintFinding, TokenClaims, TokenLint};
pub use crate::diagnose::Diagnosis;

/// Explains an AADSTS code from the catalogue.
#[uniffi::export]
pub fn explain_aadsts(code: u32) -> Option<Explanation> {
    entra::explain_aadsts(code)
}

/// Explains a raw token-endpoint error body (JSON with an `error` member); fails with
/// `malformed` for anything else.
#[uniffi::export]
pub fn explain_error_body(body: String) -> Result<Explanation> {
    entra::explain_error_body(&body).ffi()
}

/// Explains whatever was pasted: a JSON error body, a text with `AADSTSnnnn`, or a bare code.
#[uniffi::export]
pub fn explain_error_text(text: String) -> Option<Explanation> {
    entra::explain_error_text(&text)
}

/// Every AADSTS code the catalogue explains.
#[uniffi::export]
pub fn entra_catalogue() -> Vec<Explanation> {
    entra::entra_catalogue()
}

/// The diagnosis of one mail server reply line, or `None` when the line is not a failure the
/// catalogue knows. With `personal`, for a personal Microsoft account (tenant `consumers`,
/// Outlook.com): the fix speaks to the account owner where a work account's fix needs a tenant
/// administrator.
#[uniffi::export(default(personal = false))]
pub fn diagnose_reply(protocol: Protocol, line: String, personal: bool) -> Option<Diagnosis> {
    let d = reply::diagnose_reply(protocol, &line)?;
    if personal {
        reply::personal_account_diagnosis(&d.code)
    } else {
        Some(d)
    }
}

/// The catalogue entry of a diagnosis code (`auth_failed`, ...), or `None` for an unknown code.
#[uniffi::export]
pub fn reply_diagnosis(code: String) -> Option<Diagnosis> {
    reply::diagnosis(&code)
}

/// The catalogue entry of a code for a personal Microsoft account: the owner's fix where the
/// work-account fix needs an administrator, otherwise the same as `reply_diagnosis` (for
/// example, to re-read a `Rejection`'s diagnosis when the token's `tid` is the personal one).
#[uniffi::export]
pub fn personal_account_diagnosis(code: String) -> Option<Diagnosis> {
    reply::personal_account_diagnosis(&code)
}

/// Every diagnosis of the mail-reply catalogue.
#[uniffi::export]
pub fn reply_catalogue() -> Vec<Diagnosis> {
    reply::reply_catalogue()
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
    token_lint::lint_access_token(
        &token,
        protocol,
        grant,
        user.as_deref(),
        now,
        cloud.as_ref(),
    )
}

/// The claims of a JWT access token, decoded without verification.
#[uniffi::export]
pub fn token_claims(token: String) -> Result<TokenClaims> {
    token_lint::token_claims(&token).ffi()
}

/// What kind of grant a token looks like it came from, by its claims.
#[uniffi::export]
pub fn guess_grant(token: String) -> Grant {
    token_lint::guess_grant(&token)
}

/// Decodes a JWT's header and payload without verifying it.
#[uniffi::export]
pub fn decode_jwt_unverified(token: String) -> Result<DecodedJwt> {
    token_lint::decode_jwt_unverified(&token).ffi()
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
        cloud,
        send_as,
        variant: variant.unwrap_or_default(),
    };
    let r = runbook::build_runbook(&input).ffi()?;
    Ok(Runbook {
        text: r.to_text(),
        consent_url: r.consent_url,
        steps: r.steps,
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
