//! `mailoauth.diagnose` over Python: the Entra error explainer, the access-token and
//! configuration lints, and the Exchange admin runbook.

use crate::convert::{self, cloud_or_global, CloudArg, PyRepr};
use crate::errors::IntoPyResult;
use mailoauth::diagnose::config_lint::{self, ConfigInput, Flow};
use mailoauth::diagnose::entra::{self, EntraExplanation};
use mailoauth::diagnose::runbook::{self, Runbook, RunbookInput, RunbookVariant};
use mailoauth::diagnose::token_lint::{self, LintFinding, TokenClaims, TokenLint};
use mailoauth::diagnose::Diagnosis;
use mailoauth::Secret;
use pyo3::prelude::*;

/// A diagnosis: a stable code, the likely cause and the fix.
#[pyclass(name = "Diagnosis", module = "mailoauth", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct PyDiagnosis {
    code: String,
    cause: String,
    fix: String,
}

impl From<Diagnosis> for PyDiagnosis {
    fn from(d: Diagnosis) -> Self {
        PyDiagnosis {
            code: d.code,
            cause: d.cause,
            fix: d.fix,
        }
    }
}

impl PyDiagnosis {
    /// The diagnosis code.
    pub fn code(&self) -> &str {
        &self.code
    }
}

#[pymethods]
impl PyDiagnosis {
    fn __repr__(&self) -> String {
        convert::repr_record(
            "Diagnosis",
            &[
                ("code", self.code.py_repr()),
                ("cause", self.cause.py_repr()),
                ("fix", self.fix.py_repr()),
            ],
        )
    }
}

/// An error explained: cause, fix, remedy (`retry`, `sign_in_again`, `admin_action`,
/// `fix_configuration`, `user_action`) and the ids support staff ask for.
#[pyclass(name = "Explanation", module = "mailoauth", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct PyExplanation {
    aadsts: Option<u32>,
    error: Option<String>,
    known: bool,
    title: String,
    cause: String,
    fix: String,
    remedy: &'static str,
    retryable: bool,
    needs_sign_in: bool,
    needs_admin: bool,
    description: Option<String>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
    timestamp: Option<String>,
    retry_after: Option<u64>,
    admin_consent_url: Option<String>,
}

impl From<EntraExplanation> for PyExplanation {
    fn from(x: EntraExplanation) -> Self {
        PyExplanation {
            aadsts: x.aadsts,
            error: x.error,
            known: x.known,
            title: x.title,
            cause: x.cause,
            fix: x.fix,
            remedy: x.remedy.as_str(),
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

#[pymethods]
impl PyExplanation {
    fn __repr__(&self) -> String {
        convert::repr_record(
            "Explanation",
            &[
                ("aadsts", self.aadsts.py_repr()),
                ("error", self.error.py_repr()),
                ("known", self.known.py_repr()),
                ("title", self.title.py_repr()),
                ("remedy", self.remedy.py_repr()),
            ],
        )
    }
}

/// Explains an AADSTS code from the catalogue, or `None` when it is not in it.
#[pyfunction]
pub fn explain_aadsts(code: u32) -> Option<PyExplanation> {
    entra::explain_aadsts(code).map(PyExplanation::from)
}

/// Explains a raw token-endpoint error body (JSON with an `error` member); raises
/// `ProtocolError` (`malformed`) for anything else.
#[pyfunction]
pub fn explain_error_body(body: &str) -> PyResult<PyExplanation> {
    entra::explain_error_body(body)
        .py()
        .map(PyExplanation::from)
}

/// Explains whatever was pasted: a JSON error body, a text with `AADSTSnnnn`, or a bare code.
#[pyfunction]
pub fn explain_error_text(text: &str) -> Option<PyExplanation> {
    entra::explain_error_text(text).map(PyExplanation::from)
}

/// Every AADSTS code the catalogue explains.
#[pyfunction]
pub fn entra_catalogue() -> Vec<PyExplanation> {
    entra::entra_catalogue()
        .into_iter()
        .map(PyExplanation::from)
        .collect()
}

/// One lint finding: a stable code, its `severity` (`error`: the login or request will fail as
/// configured; `warning`: it may fail, or works only in a set-up the lint cannot see; `note`:
/// worth knowing, not a fault), what is wrong, and the fix.
#[pyclass(name = "LintFinding", module = "mailoauth", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct PyLintFinding {
    code: String,
    severity: &'static str,
    message: String,
    fix: String,
}

impl From<LintFinding> for PyLintFinding {
    fn from(f: LintFinding) -> Self {
        PyLintFinding {
            code: f.code,
            severity: f.severity.as_str(),
            message: f.message,
            fix: f.fix,
        }
    }
}

#[pymethods]
impl PyLintFinding {
    fn __repr__(&self) -> String {
        convert::repr_record(
            "LintFinding",
            &[
                ("code", self.code.py_repr()),
                ("severity", self.severity.py_repr()),
                ("message", self.message.py_repr()),
            ],
        )
    }
}

/// The claims of an access token, decoded WITHOUT verifying its signature (diagnosis only).
#[pyclass(name = "TokenClaims", module = "mailoauth", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct PyTokenClaims {
    aud: Vec<String>,
    iss: Option<String>,
    tid: Option<String>,
    appid: Option<String>,
    user: Option<String>,
    scp: Vec<String>,
    roles: Vec<String>,
    exp: Option<u64>,
    iat: Option<u64>,
    alg: Option<String>,
    typ: Option<String>,
}

impl From<TokenClaims> for PyTokenClaims {
    fn from(c: TokenClaims) -> Self {
        PyTokenClaims {
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

#[pymethods]
impl PyTokenClaims {
    fn __repr__(&self) -> String {
        convert::repr_record(
            "TokenClaims",
            &[
                ("aud", self.aud.py_repr()),
                ("tid", self.tid.py_repr()),
                ("appid", self.appid.py_repr()),
                ("user", self.user.py_repr()),
                ("scp", self.scp.py_repr()),
                ("roles", self.roles.py_repr()),
                ("exp", self.exp.py_repr()),
            ],
        )
    }
}

/// The access-token lint: the claims (when the token is a JWT) and the findings.
#[pyclass(name = "TokenLint", module = "mailoauth", frozen, get_all)]
pub struct PyTokenLint {
    claims: Option<Py<PyTokenClaims>>,
    findings: Vec<Py<PyLintFinding>>,
}

impl PyTokenLint {
    fn new(py: Python<'_>, l: TokenLint) -> PyResult<Self> {
        Ok(PyTokenLint {
            claims: l
                .claims
                .map(|c| Py::new(py, PyTokenClaims::from(c)))
                .transpose()?,
            findings: l
                .findings
                .into_iter()
                .map(|f| Py::new(py, PyLintFinding::from(f)))
                .collect::<PyResult<_>>()?,
        })
    }
}

#[pymethods]
impl PyTokenLint {
    /// The finding codes, in order.
    fn codes(&self) -> Vec<String> {
        self.findings.iter().map(|f| f.get().code.clone()).collect()
    }
    fn __repr__(&self) -> String {
        format!("TokenLint(findings={})", self.codes().py_repr())
    }
}

/// Lints an access token for a mail login (docs/protocol.md section 8): `expired`, `wrong_audience`,
/// `missing_scope`, `missing_role`, `smtp_role_absent`, `user_differs`, `opaque_token`, each
/// with its severity (`user_differs` is an error for SMTP, a note for IMAP/POP).
#[pyfunction]
#[pyo3(signature = (token, *, protocol, grant, now, user = None, cloud = None))]
pub fn lint_access_token(
    py: Python<'_>,
    token: &str,
    protocol: &str,
    grant: &str,
    now: u64,
    user: Option<&str>,
    cloud: Option<CloudArg>,
) -> PyResult<PyTokenLint> {
    let cloud = cloud.map(CloudArg::into_cloud).transpose()?;
    let lint = token_lint::lint_access_token(
        token,
        convert::protocol(protocol)?,
        convert::grant(grant)?,
        user,
        now,
        cloud.as_ref(),
    );
    PyTokenLint::new(py, lint)
}

/// The claims of a JWT access token, decoded without verification.
#[pyfunction]
pub fn token_claims(token: &str) -> PyResult<PyTokenClaims> {
    token_lint::token_claims(token)
        .py()
        .map(PyTokenClaims::from)
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
) -> PyResult<Vec<PyLintFinding>> {
    let mut input = ConfigInput::new(flow.parse::<Flow>().py()?);
    input.tenant = tenant;
    input.client_id = client_id;
    input.client_secret = client_secret.map(Secret::new);
    input.scopes = scopes;
    input.authority = authority;
    input.has_certificate = has_certificate;
    Ok(config_lint::lint_config(&input)
        .into_iter()
        .map(PyLintFinding::from)
        .collect())
}

/// One numbered step of the runbook.
#[pyclass(name = "RunbookStep", module = "mailoauth", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct PyRunbookStep {
    title: String,
    explanation: String,
    commands: Vec<String>,
}

#[pymethods]
impl PyRunbookStep {
    fn __repr__(&self) -> String {
        format!("RunbookStep(title={})", self.title.py_repr())
    }
}

/// The filled-in Exchange Online runbook for app-only access.
#[pyclass(name = "Runbook", module = "mailoauth", frozen)]
pub struct PyRunbook {
    inner: Runbook,
}

#[pymethods]
impl PyRunbook {
    /// The steps, in order.
    #[getter]
    fn steps(&self) -> Vec<PyRunbookStep> {
        self.inner
            .steps
            .iter()
            .map(|s| PyRunbookStep {
                title: s.title.clone(),
                explanation: s.explanation.clone(),
                commands: s.commands.clone(),
            })
            .collect()
    }
    /// The admin-consent URL of step 1.
    #[getter]
    fn consent_url(&self) -> &str {
        &self.inner.consent_url
    }
    /// The runbook as numbered plain text.
    fn to_text(&self) -> String {
        self.inner.to_text()
    }
    fn __repr__(&self) -> String {
        format!("Runbook(steps={})", self.inner.steps.len())
    }
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
) -> PyResult<PyRunbook> {
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
    Ok(PyRunbook {
        inner: runbook::build_runbook(&input).py()?,
    })
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
    m.add_class::<PyDiagnosis>()?;
    m.add_class::<PyExplanation>()?;
    m.add_class::<PyLintFinding>()?;
    m.add_class::<PyTokenClaims>()?;
    m.add_class::<PyTokenLint>()?;
    m.add_class::<PyRunbookStep>()?;
    m.add_class::<PyRunbook>()?;
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
