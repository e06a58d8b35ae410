//! `mailoauth.relay` over Python: the client-facing side of the local relay (`RelaySession`,
//! one per client connection) and the capability rewriting. Conversions only; every protocol
//! decision is the core's.

use crate::convert::{self, PyRepr};
use crate::errors::{self, IntoPyResult};
use mailoauth::relay::{
    self, LoginRefusal, PreambleAction, RelayConfig, RelayOutput, RelaySession, UpstreamPreamble,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// What the host must do next: `kind` is `send` (write `data` to the client), `start_tls`
/// (upgrade the connection as the server, then call `tls_started`), `login` (check `user` /
/// `password`, log in upstream, then `login_succeeded` or `login_failed`; `method` names the
/// client's command) or `close` (close the connection; `reason` is a stable code).
#[pyclass(name = "RelayOutput", module = "mailoauth", frozen, get_all)]
pub struct PyRelayOutput {
    kind: &'static str,
    data: Option<Py<PyBytes>>,
    user: Option<String>,
    password: Option<String>,
    method: Option<&'static str>,
    reason: Option<&'static str>,
}

#[pymethods]
impl PyRelayOutput {
    fn __repr__(&self, py: Python<'_>) -> String {
        match self.kind {
            "send" => format!(
                "RelayOutput(kind='send', data=<{} bytes>)",
                self.data
                    .as_ref()
                    .map_or(0, |d| d.bind(py).as_bytes().len())
            ),
            "login" => convert::repr_record(
                "RelayOutput",
                &[
                    ("kind", "'login'".to_owned()),
                    ("user", self.user.py_repr()),
                    ("password", convert::redacted(self.password.is_some())),
                    ("method", self.method.map(str::to_owned).py_repr()),
                ],
            ),
            "close" => format!(
                "RelayOutput(kind='close', reason={})",
                self.reason.map(str::to_owned).py_repr()
            ),
            kind => format!("RelayOutput(kind={})", kind.py_repr()),
        }
    }
}

fn output(py: Python<'_>, o: RelayOutput) -> PyResult<PyRelayOutput> {
    let mut out = PyRelayOutput {
        kind: "send",
        data: None,
        user: None,
        password: None,
        method: None,
        reason: None,
    };
    match o {
        RelayOutput::Send(bytes) => out.data = Some(PyBytes::new(py, &bytes).unbind()),
        RelayOutput::StartTls => out.kind = "start_tls",
        RelayOutput::Login(login) => {
            out.kind = "login";
            out.user = Some(login.user);
            out.password = Some(login.password.expose_secret().to_owned());
            out.method = Some(login.method.as_str());
        }
        RelayOutput::Close(reason) => {
            out.kind = "close";
            out.reason = Some(reason.code());
        }
        // The core's enum may grow; an output this binding does not know is an error.
        #[allow(unreachable_patterns)]
        _ => return Err(errors::invalid_input("unknown relay output from the core")),
    }
    Ok(out)
}

fn config(
    hostname: String,
    tls_active: bool,
    starttls: bool,
    plaintext_login: bool,
    upstream_capabilities: Vec<String>,
) -> RelayConfig {
    RelayConfig {
        hostname,
        tls_active,
        starttls,
        plaintext_login,
        upstream_capabilities,
    }
}

/// The client-facing side of one relay connection (`imap`, `pop` or `smtp`): greeting,
/// pre-login commands, capability rewriting, the client's login; then pass-through.
#[pyclass(name = "RelaySession", module = "mailoauth")]
pub struct PyRelaySession {
    inner: RelaySession,
}

#[pymethods]
impl PyRelaySession {
    #[new]
    #[pyo3(signature = (protocol, *, hostname = String::new(), tls_active = false, starttls = false, plaintext_login = false, upstream_capabilities = Vec::new()))]
    fn new(
        protocol: &str,
        hostname: String,
        tls_active: bool,
        starttls: bool,
        plaintext_login: bool,
        upstream_capabilities: Vec<String>,
    ) -> PyResult<Self> {
        let config = config(
            hostname,
            tls_active,
            starttls,
            plaintext_login,
            upstream_capabilities,
        );
        Ok(PyRelaySession {
            inner: RelaySession::new(convert::protocol(protocol)?, config).py()?,
        })
    }
    /// The next output, `None` when the session waits for input or a verdict.
    fn poll_output(&mut self, py: Python<'_>) -> PyResult<Option<PyRelayOutput>> {
        self.inner.poll_output().map(|o| output(py, o)).transpose()
    }
    /// Feeds bytes read from the client.
    fn receive(&mut self, data: &[u8]) -> PyResult<()> {
        self.inner.receive(data).py()
    }
    /// Reports the finished TLS handshake after a `start_tls` output.
    fn tls_started(&mut self) -> PyResult<()> {
        self.inner.tls_started().py()
    }
    /// Reports the upstream login's success (IMAP: with the upstream's capabilities).
    #[pyo3(signature = (capabilities = None))]
    fn login_succeeded(&mut self, capabilities: Option<Vec<String>>) -> PyResult<()> {
        self.inner.login_succeeded(capabilities).py()
    }
    /// Reports a refused login: `code` (a diagnosis code), one short `text`, `temporary`.
    #[pyo3(signature = (code, text, *, temporary = false))]
    fn login_failed(&mut self, code: String, text: String, temporary: bool) -> PyResult<()> {
        self.inner
            .login_failed(&LoginRefusal {
                code,
                text,
                temporary,
            })
            .py()
    }
    /// Ends the session with the protocol's farewell (unless relaying or closed).
    fn shutdown(&mut self) {
        self.inner.shutdown()
    }
    /// Ends a session whose client did not log in in time (the protocol's farewell).
    fn timed_out(&mut self) {
        self.inner.timed_out()
    }
    /// Turns a new client away: the host serves as many sessions as it may.
    fn busy(&mut self) {
        self.inner.busy()
    }
    /// The client's bytes after its login command (write them upstream once relaying).
    fn take_pending_input<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.take_pending_input())
    }
    /// `pre_login`, `starting_tls`, `checking_login`, `relaying` or `closed`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state().as_str()
    }
    /// `imap`, `pop` or `smtp`.
    #[getter]
    fn protocol(&self) -> &'static str {
        self.inner.protocol().as_str()
    }
    /// Whether the connection is TLS.
    #[getter]
    fn tls_active(&self) -> bool {
        self.inner.tls_active()
    }
    /// Failed logins so far.
    #[getter]
    fn failures(&self) -> u32 {
        self.inner.failures()
    }
    fn __repr__(&self) -> String {
        format!(
            "RelaySession(protocol={}, state={}, tls_active={})",
            self.inner.protocol().as_str().py_repr(),
            self.inner.state().as_str().py_repr(),
            self.inner.tls_active().py_repr()
        )
    }
}

/// What the driver of an `UpstreamPreamble` must do next: `kind` is `send` (write `data`),
/// `need_line` (read one line, pass it to `receive_line`), `start_tls` (upgrade as the client,
/// then `tls_started`) or `done` (`capabilities` holds the server's list).
#[pyclass(name = "PreambleAction", module = "mailoauth", frozen, get_all)]
pub struct PyPreambleAction {
    kind: &'static str,
    data: Option<Py<PyBytes>>,
    capabilities: Option<Vec<String>>,
}

#[pymethods]
impl PyPreambleAction {
    fn __repr__(&self) -> String {
        format!("PreambleAction(kind={})", self.kind.py_repr())
    }
}

/// The relay's upstream preamble: greeting, STARTTLS when asked for, capabilities.
#[pyclass(name = "UpstreamPreamble", module = "mailoauth")]
pub struct PyUpstreamPreamble {
    inner: UpstreamPreamble,
}

#[pymethods]
impl PyUpstreamPreamble {
    #[new]
    #[pyo3(signature = (protocol, *, hostname, starttls = false))]
    fn new(protocol: &str, hostname: &str, starttls: bool) -> PyResult<Self> {
        Ok(PyUpstreamPreamble {
            inner: UpstreamPreamble::new(convert::protocol(protocol)?, hostname, starttls).py()?,
        })
    }
    /// What to do next.
    fn next_action(&mut self, py: Python<'_>) -> PyResult<PyPreambleAction> {
        let mut out = PyPreambleAction {
            kind: "need_line",
            data: None,
            capabilities: None,
        };
        match self.inner.next_action() {
            PreambleAction::Send(bytes) => {
                out.kind = "send";
                out.data = Some(PyBytes::new(py, &bytes).unbind());
            }
            PreambleAction::NeedLine => {}
            PreambleAction::StartTls => out.kind = "start_tls",
            PreambleAction::Done(caps) => {
                out.kind = "done";
                out.capabilities = Some(caps);
            }
            #[allow(unreachable_patterns)]
            _ => {
                return Err(errors::invalid_input(
                    "unknown preamble action from the core",
                ))
            }
        }
        Ok(out)
    }
    /// Feeds one server line (bytes, with or without CR LF).
    fn receive_line(&mut self, line: &[u8]) -> PyResult<()> {
        self.inner.receive_line(line).py()
    }
    /// Reports the finished TLS handshake after a `start_tls` action.
    fn tls_started(&mut self) -> PyResult<()> {
        self.inner.tls_started().py()
    }
    fn __repr__(&self) -> String {
        "UpstreamPreamble()".to_owned()
    }
}

/// The pre-login capabilities a relay client sees, from the upstream's.
#[pyfunction]
#[pyo3(signature = (protocol, upstream, *, tls_active = false, starttls = false, plaintext_login = false))]
fn rewrite_capabilities(
    protocol: &str,
    upstream: Vec<String>,
    tls_active: bool,
    starttls: bool,
    plaintext_login: bool,
) -> PyResult<Vec<String>> {
    let config = config(
        String::new(),
        tls_active,
        starttls,
        plaintext_login,
        Vec::new(),
    );
    Ok(relay::rewrite_capabilities(
        convert::protocol(protocol)?,
        &upstream,
        &config,
    ))
}

/// The upstream's post-login capabilities without authentication and TLS entries.
#[pyfunction]
fn post_login_capabilities(protocol: &str, upstream: Vec<String>) -> PyResult<Vec<String>> {
    Ok(relay::post_login_capabilities(
        convert::protocol(protocol)?,
        &upstream,
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRelayOutput>()?;
    m.add_class::<PyRelaySession>()?;
    m.add_class::<PyPreambleAction>()?;
    m.add_class::<PyUpstreamPreamble>()?;
    m.add_function(wrap_pyfunction!(rewrite_capabilities, m)?)?;
    m.add_function(wrap_pyfunction!(post_login_capabilities, m)?)?;
    Ok(())
}
