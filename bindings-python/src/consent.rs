//! `mailoauth.consent` over Python: the admin-consent URL.

use crate::convert::{self, cloud_or_global, CloudArg};
use crate::errors::IntoPyResult;
use mailoauth::consent::{self, AdminConsentRequest};
use pyo3::prelude::*;

/// The admin-consent URL for a tenant and app. `variant` is `v2` (`/v2.0/adminconsent`) or
/// `legacy` (also `v1`: `/oauth2/authorize?...&prompt=admin_consent`); `scope` defaults to
/// the IMAP/POP app-only consent scope.
#[pyfunction]
#[pyo3(signature = (*, tenant, client_id, cloud = None, redirect_uri = None, scope = None, state = None, variant = "v2"))]
pub fn admin_consent_url(
    tenant: String,
    client_id: String,
    cloud: Option<CloudArg>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    variant: &str,
) -> PyResult<String> {
    let mut req = AdminConsentRequest::new(tenant, client_id);
    req.cloud = cloud_or_global(cloud)?;
    req.redirect_uri = redirect_uri;
    req.scope = scope;
    req.state = state;
    req.variant = variant.parse().py()?;
    consent::build_admin_consent_url(&req).py()
}

/// The scope to consent to for app-only access to protocols (`imap`, `pop`, `smtp`).
#[pyfunction]
#[pyo3(signature = (protocols, *, cloud = None))]
pub fn admin_consent_scope(protocols: Vec<String>, cloud: Option<CloudArg>) -> PyResult<String> {
    let cloud = cloud_or_global(cloud)?;
    Ok(consent::admin_consent_scope(
        &cloud,
        &convert::protocols(&protocols)?,
    ))
}

/// Adds this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(admin_consent_url, m)?)?;
    m.add_function(wrap_pyfunction!(admin_consent_scope, m)?)?;
    Ok(())
}
