//! `mailoauth.cloud` over Python: `Cloud`, `Tenant`, `Endpoints`, client-id checks, well-known apps.

use crate::convert::{self, cloud_or_global, CloudArg, PyRepr};
use crate::errors::IntoPyResult;
use mailoauth::apps::{self, WellKnownApp};
use mailoauth::cloud::{self, Cloud, CloudId, Endpoints, Tenant};
use pyo3::prelude::*;

/// The hosts of one national cloud; every field can be overridden in the constructor.
#[pyclass(name = "Cloud", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyCloud {
    pub(crate) inner: Cloud,
}

#[pymethods]
impl PyCloud {
    #[new]
    #[pyo3(signature = (id = "global", *, login_base = None, outlook_resource = None, app_resource = None, imap_host = None, pop_host = None, smtp_host = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: &str,
        login_base: Option<String>,
        outlook_resource: Option<String>,
        app_resource: Option<String>,
        imap_host: Option<String>,
        pop_host: Option<String>,
        smtp_host: Option<String>,
    ) -> PyResult<Self> {
        let mut c = Cloud::from_name(id).py()?;
        let set = |field: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *field = v;
            }
        };
        set(&mut c.login_base, login_base);
        set(&mut c.outlook_resource, outlook_resource);
        set(&mut c.app_resource, app_resource);
        set(&mut c.imap_host, imap_host);
        set(&mut c.pop_host, pop_host);
        set(&mut c.smtp_host, smtp_host);
        Ok(PyCloud { inner: c })
    }

    /// The preset names: `global`, `usgov`, `usgov-dod`, `china`, and two presets of the
    /// worldwide cloud: `consumers` (personal Microsoft accounts: SMTP `smtp-mail.outlook.com`,
    /// tenant `consumers`, named delegated scopes only) and `hve` (High Volume Email: SMTP
    /// `smtp.hve.mx.microsoft`).
    #[staticmethod]
    fn presets() -> Vec<&'static str> {
        CloudId::ALL.iter().map(|c| c.as_str()).collect()
    }

    #[getter]
    fn id(&self) -> &'static str {
        self.inner.id.as_str()
    }
    #[getter]
    fn login_base(&self) -> &str {
        &self.inner.login_base
    }
    #[getter]
    fn outlook_resource(&self) -> &str {
        &self.inner.outlook_resource
    }
    #[getter]
    fn app_resource(&self) -> &str {
        &self.inner.app_resource
    }
    #[getter]
    fn imap_host(&self) -> &str {
        &self.inner.imap_host
    }
    #[getter]
    fn pop_host(&self) -> &str {
        &self.inner.pop_host
    }
    #[getter]
    fn smtp_host(&self) -> &str {
        &self.inner.smtp_host
    }

    /// The delegated scope of one protocol (`https://outlook.office.com/IMAP.AccessAsUser.All`).
    fn delegated_scope(&self, protocol: &str) -> PyResult<String> {
        Ok(self.inner.delegated_scope(convert::protocol(protocol)?))
    }

    /// Delegated scopes for protocols, plus `offline_access` when asked.
    #[pyo3(signature = (protocols, *, offline_access = true))]
    fn delegated_scopes(
        &self,
        protocols: Vec<String>,
        offline_access: bool,
    ) -> PyResult<Vec<String>> {
        Ok(self
            .inner
            .delegated_scopes(&convert::protocols(&protocols)?, offline_access))
    }

    /// Whether the preset is for personal Microsoft accounts (`consumers`).
    #[getter]
    fn is_personal(&self) -> bool {
        self.inner.id.is_personal()
    }

    /// The tenant the preset implies (`consumers` for personal accounts), else `None`.
    #[getter]
    fn implied_tenant(&self) -> Option<String> {
        self.inner
            .id
            .implied_tenant()
            .map(|t| t.as_str().to_owned())
    }

    /// The app-only scope (`https://outlook.office365.com/.default`).
    fn app_only_scope(&self) -> String {
        self.inner.app_only_scope()
    }

    /// The scopes to request for a grant (`delegated` or `app`) and protocols.
    fn scopes_for(&self, grant: &str, protocols: Vec<String>) -> PyResult<Vec<String>> {
        Ok(self
            .inner
            .scopes_for(convert::grant(grant)?, &convert::protocols(&protocols)?))
    }

    /// `(host, port)` of the mail server for a protocol.
    fn mail_server(&self, protocol: &str) -> PyResult<(String, u16)> {
        Ok(self.inner.mail_server(convert::protocol(protocol)?))
    }

    /// The `aud` values an Exchange Online token may carry in this cloud.
    fn exchange_audiences(&self) -> Vec<String> {
        self.inner.exchange_audiences()
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        convert::repr_record(
            "Cloud",
            &[
                ("id", c.id.as_str().py_repr()),
                ("login_base", c.login_base.py_repr()),
                ("outlook_resource", c.outlook_resource.py_repr()),
                ("app_resource", c.app_resource.py_repr()),
                ("imap_host", c.imap_host.py_repr()),
                ("pop_host", c.pop_host.py_repr()),
                ("smtp_host", c.smtp_host.py_repr()),
            ],
        )
    }
}

/// A parsed tenant: `kind` is `id`, `domain`, `organizations`, `common` or `consumers`.
#[pyclass(name = "Tenant", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyTenant {
    pub(crate) inner: Tenant,
}

#[pymethods]
impl PyTenant {
    #[new]
    fn new(value: &str) -> PyResult<Self> {
        Ok(PyTenant {
            inner: Tenant::parse(value).py()?,
        })
    }
    /// `id`, `domain`, `organizations`, `common` or `consumers`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner {
            Tenant::Id(_) => "id",
            Tenant::Domain(_) => "domain",
            Tenant::Organizations => "organizations",
            Tenant::Common => "common",
            Tenant::Consumers => "consumers",
        }
    }
    /// The normalised tenant as it goes into URLs.
    #[getter]
    fn value(&self) -> &str {
        self.inner.as_str()
    }
    /// Whether client credentials (app-only) may use it: only a tenant id or a verified domain,
    /// never `organizations`, `common` or `consumers` (see `check_client_credentials`).
    #[getter]
    fn allows_client_credentials(&self) -> bool {
        self.inner.allows_client_credentials()
    }
    /// Raises `InvalidInputError` (`invalid_tenant`) with the reason when client credentials
    /// cannot use this tenant: `organizations` gives a token for a guessed tenant (usually the
    /// app's home tenant), `common` and `consumers` are refused by Entra (AADSTS9001023).
    fn check_client_credentials(&self) -> PyResult<()> {
        self.inner.check_client_credentials().py()
    }
    /// Whether it names one tenant (a GUID or a domain).
    #[getter]
    fn is_specific(&self) -> bool {
        self.inner.is_specific()
    }
    fn __str__(&self) -> &str {
        self.inner.as_str()
    }
    fn __repr__(&self) -> String {
        format!("Tenant({})", self.inner.as_str().py_repr())
    }
}

/// A tenant given as a string or a `Tenant`.
#[derive(FromPyObject)]
pub enum TenantArg {
    /// A parsed tenant.
    Object(PyTenant),
    /// A tenant string.
    Text(String),
}

impl TenantArg {
    /// The core tenant.
    pub fn into_tenant(self) -> PyResult<Tenant> {
        match self {
            TenantArg::Object(t) => Ok(t.inner),
            TenantArg::Text(s) => Tenant::parse(&s).py(),
        }
    }
}

/// The OAuth endpoint URLs one flow talks to.
#[pyclass(name = "Endpoints", module = "mailoauth", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyEndpoints {
    pub(crate) inner: Endpoints,
}

#[pymethods]
impl PyEndpoints {
    /// Endpoints of any OAuth 2.0 server (`https`, or `http` on loopback only). Empty strings
    /// mean "not used"; the token URL is required.
    #[new]
    #[pyo3(signature = (*, token_url, authorize_url = "", device_authorization_url = "", issuer = None))]
    fn new(
        token_url: &str,
        authorize_url: &str,
        device_authorization_url: &str,
        issuer: Option<String>,
    ) -> PyResult<Self> {
        let mut inner =
            Endpoints::custom(authorize_url, token_url, device_authorization_url).py()?;
        inner.issuer = issuer;
        Ok(PyEndpoints { inner })
    }

    /// The Microsoft endpoints of a tenant in a cloud.
    #[staticmethod]
    #[pyo3(signature = (tenant, cloud = None))]
    fn microsoft(tenant: TenantArg, cloud: Option<CloudArg>) -> PyResult<Self> {
        let cloud = cloud_or_global(cloud)?;
        Ok(PyEndpoints {
            inner: Endpoints::microsoft(&cloud, &tenant.into_tenant()?),
        })
    }

    #[getter]
    fn authorize_url(&self) -> &str {
        &self.inner.authorize_url
    }
    #[getter]
    fn token_url(&self) -> &str {
        &self.inner.token_url
    }
    #[getter]
    fn device_authorization_url(&self) -> &str {
        &self.inner.device_authorization_url
    }
    #[getter]
    fn issuer(&self) -> Option<&str> {
        self.inner.issuer.as_deref()
    }

    fn __repr__(&self) -> String {
        let e = &self.inner;
        convert::repr_record(
            "Endpoints",
            &[
                ("token_url", e.token_url.py_repr()),
                ("authorize_url", e.authorize_url.py_repr()),
                (
                    "device_authorization_url",
                    e.device_authorization_url.py_repr(),
                ),
                ("issuer", e.issuer.py_repr()),
            ],
        )
    }
}

/// Parses a tenant (GUID, domain, `organizations`, `common`, `consumers`).
#[pyfunction]
pub fn parse_tenant(value: &str) -> PyResult<PyTenant> {
    PyTenant::new(value)
}

/// Checks an application (client) id (a GUID) and returns it lower-cased.
#[pyfunction]
pub fn validate_client_id(client_id: &str) -> PyResult<String> {
    cloud::validate_client_id(client_id).py()
}

/// Every well-known public client.
#[pyfunction]
pub fn well_known_apps() -> Vec<WellKnownApp> {
    apps::WELL_KNOWN_APPS.to_vec()
}

/// A well-known app by short name (`thunderbird`) or client id, or `None`.
#[pyfunction]
pub fn lookup_app(name_or_client_id: &str) -> Option<WellKnownApp> {
    apps::lookup(name_or_client_id).cloned()
}

/// For a retired client id: the app that replaces it, else `None`.
#[pyfunction]
pub fn replacement_for(client_id: &str) -> Option<WellKnownApp> {
    apps::replacement_for(client_id).cloned()
}

/// Whether a tenant id is the one of personal Microsoft accounts (`CONSUMERS_TENANT_ID`,
/// case-insensitively): the `tid` of their tokens.
#[pyfunction]
pub fn is_personal_tenant_id(tid: &str) -> bool {
    cloud::is_personal_tenant_id(tid)
}

/// Adds this module's classes, functions and constants.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("HVE_SMTP_HOST", cloud::HVE_SMTP_HOST)?;
    m.add("CONSUMER_SMTP_HOST", cloud::CONSUMER_SMTP_HOST)?;
    m.add("CONSUMERS_TENANT_ID", cloud::CONSUMERS_TENANT_ID)?;
    m.add_function(wrap_pyfunction!(is_personal_tenant_id, m)?)?;
    m.add_class::<PyCloud>()?;
    m.add_class::<PyTenant>()?;
    m.add_class::<PyEndpoints>()?;
    m.add_class::<WellKnownApp>()?;
    m.add_function(wrap_pyfunction!(parse_tenant, m)?)?;
    m.add_function(wrap_pyfunction!(validate_client_id, m)?)?;
    m.add_function(wrap_pyfunction!(well_known_apps, m)?)?;
    m.add_function(wrap_pyfunction!(lookup_app, m)?)?;
    m.add_function(wrap_pyfunction!(replacement_for, m)?)?;
    Ok(())
}
