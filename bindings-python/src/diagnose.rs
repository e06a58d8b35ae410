//! `mailoauth.diagnose` over Python: the Entra error explainer, the access-token and
//! configuration lints, and the Exchange admin runbook. Their records are the core's own classes
//! (`mailoauth::python_api`).

use crate::convert::{self, cloud_or_global, CloudArg};
use crate::errors::IntoPyResult;
use mailoauth::diagnose::config_lint::{self, ConfigInput, Flow};
use mailoauth::diagnose::entra::{self, EntraExplanation};
use mailoauth::diagnose::runbook::{self, Runbook, RunbookInput, RunbookStep, RunbookVariant};
use mailoauth::diagnose::token_lint::{self, LintFinding, TokenClaims, TokenLint};
use mailoauth::diagnose::Diagnosis;
use mailoauth::Secret;
use pyo3::prelude::*;

/// Explains an AADSTS code from the catalogue, or `None` when it is not in it.
#[pyfunction]
pub fn explain_aadsts(code: u32) -> Option<EntraExplanation> {
    entra::explain_aadsts(code)
}

/// Explains a raw token-endpoint error body (JSON with an `error` member); raises
/// `ProtocolError` (`malformed`) for anything else.
#[pyfunction]
pub fn explain_error_body(body: &str) -> PyResult<EntraExplanation> {
    entra::explain_error_body(body).py()
}

/// Explains whatever was pasted: a JSON error body, a text with `AADSTSnnnn`, or a bare code.
#[pyfunction]
pub fn explain_error_text(text: &str) -> Option<EntraExplanation> {
    entra::explain_error_text(text)
}

/// Every AADSTS code the catalogue explains.
#[pyfunction]
pub fn entra_catalogue() -> Vec<EntraExplanation> {
    entra::entra_catalogue()
}

/// Lints an access token for a mail login (docs/protocol.md section 8): `expired`, `wrong_audience`,
/// `missing_scope`, `missing_role`, `smtp_role_absent`, `user_differs`, `opaque_token`, each
/// with its severity (`user_differs` is an error for SMTP, a note for IMAP/POP).
#[pyfunction]
#[pyo3(signature = (token, *, protocol, grant, now, user = None, cloud = None))]
pub fn lint_access_token(
    token: &str,
    protocol: &str,
    grant: &str,
    now: u64,
    user: Option<&str>,
    cloud: Option<CloudArg>,
) -> PyResult<TokenLint> {
    let cloud = cloud.map(CloudArg::into_cloud).transpose()?;
    Ok(token_lint::lint_access_token(
        token,
        convert::protocol(protocol)?,
        convert::grant(grant)?,
        user,
        now,
        cloud.as_ref(),
    ))
}

/// The claims of a JWT access token, decoded without verification.
#[pyfunction]
pub fn token_claims(token: &str) -> PyResult<TokenClaims> {
    token_lint::token_claims(token).py()
}

/// `"app"` or `"delegated"`: what kind of token this looks like from its claims.
#[pyfunction]
pub fn guess_grant(token: &str) -> &'static str {
    token_lint::guess_grant(token).as_str()
}

/// `(header_json, payload_json)` of a JWT, decoded without verification.
#[pyfunction]
pub fn decode_jwt_unverified(token: &str) -> PyResult<(String, String)> {
    let d = token_lint::decode_jwt_unverified(token).py()?;
    Ok((d.header, d.payload))
}

/// Lints a client configuration before any request: client id, tenant, authority, secret and
/// scope mistakes. `flow` is `auth_code`, `device_code`, `client_credentials` or `refresh`.
#[pyfunction]
#[pyo3(signature = (*, flow, tenant = None, client_id = None, client_secret = None, scopes = Vec::new(), authority = None, has_certificate = false))]
pub fn lint_config(
    flow: &str,
    tenant: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scopes: Vec<String>,
    authority: Option<String>,
    has_certificate: bool,
) -> PyResult<Vec<LintFinding>> {
    let mut input = ConfigInput::new(flow.parse::<Flow>().py()?);
    input.tenant = tenant;
    input.client_id = client_id;
    input.client_secret = client_secret.map(Secret::new);
    input.scopes = scopes;
    input.authority = authority;
    input.has_certificate = has_certificate;
    Ok(config_lint::lint_config(&input))
}

/// Builds the runbook: admin consent, then the steps of `variant`: `mailbox-permission`
/// (default: `New-ServicePrincipal`, mailbox permissions, checks), `rbac` (SMTP only: App RBAC,
/// `New-ManagementScope`, `New-ManagementRoleAssignment`) or `hve` (SMTP only: High Volume Email,
/// `Add-HVEAppAccess`). For `rbac` and `hve`, empty `protocols` mean SMTP.
#[pyfunction]
#[pyo3(signature = (*, tenant, client_id, service_principal_object_id = None, display_name = None, mailboxes = Vec::new(), protocols = Vec::new(), cloud = None, send_as = false, variant = "mailbox-permission"))]
#[allow(clippy::too_many_arguments)]
pub fn build_runbook(
    tenant: String,
    client_id: String,
    service_principal_object_id: Option<String>,
    display_name: Option<String>,
    mailboxes: Vec<String>,
    protocols: Vec<String>,
    cloud: Option<CloudArg>,
    send_as: bool,
    variant: &str,
) -> PyResult<Runbook> {
    let variant = variant.parse::<RunbookVariant>().py()?;
    let input = RunbookInput {
        tenant,
        client_id,
        service_principal_object_id,
        display_name,
        mailboxes,
        protocols: convert::protocols(&protocols)?,
        cloud: cloud_or_global(cloud)?,
        send_as,
        variant,
    };
    runbook::build_runbook(&input).py()
}

/// Quotes a value as a PowerShell single-quoted literal.
#[pyfunction]
pub fn quote_powershell(value: &str) -> String {
    runbook::quote_powershell(value)
}

/// The runbook variants: `mailbox-permission`, `rbac`, `hve`.
#[pyfunction]
pub fn runbook_variants() -> Vec<&'static str> {
    RunbookVariant::ALL.iter().map(|v| v.as_str()).collect()
}

/// The PowerShell line giving `trustee` Send As on `mailbox`
/// (`Add-RecipientPermission -Identity <mailbox> -Trustee <trustee> -AccessRights SendAs
/// -Confirm:$false`), each value quoted. Over SMTP a shared mailbox cannot be the AUTH identity:
/// the delegate logs in as itself and sends from the shared address with this permission.
#[pyfunction]
pub fn send_as_command(mailbox: &str, trustee: &str) -> String {
    runbook::send_as_command(mailbox, trustee)
}

/// Adds this module's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Diagnosis>()?;
    m.add_class::<EntraExplanation>()?;
    m.add_class::<LintFinding>()?;
    m.add_class::<TokenClaims>()?;
    m.add_class::<TokenLint>()?;
    m.add_class::<RunbookStep>()?;
    m.add_class::<Runbook>()?;
    m.add_function(wrap_pyfunction!(explain_aadsts, m)?)?;
    m.add_function(wrap_pyfunction!(explain_error_body, m)?)?;
    m.add_function(wrap_pyfunction!(explain_error_text, m)?)?;
    m.add_function(wrap_pyfunction!(entra_catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(lint_access_token, m)?)?;
    m.add_function(wrap_pyfunction!(token_claims, m)?)?;
    m.add_function(wrap_pyfunction!(guess_grant, m)?)?;
    m.add_function(wrap_pyfunction!(decode_jwt_unverified, m)?)?;
    m.add_function(wrap_pyfunction!(lint_config, m)?)?;
    m.add_function(wrap_pyfunction!(build_runbook, m)?)?;
    m.add_function(wrap_pyfunction!(quote_powershell, m)?)?;
    m.add_function(wrap_pyfunction!(runbook_variants, m)?)?;
    m.add_function(wrap_pyfunction!(send_as_command, m)?)?;
    Ok(())
}
