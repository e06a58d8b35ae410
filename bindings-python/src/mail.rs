//! `mailoauth.imap`, `mailoauth.pop3`, `mailoauth.smtp`, `mailoauth.exchange` and the reply
//! catalogue over Python: the authentication exchanges as state machines (`&mut self` pyclasses
//! wrapping the core machines) and their outcomes (`Authenticated`, `Rejection`: the core's own
//! classes, `mailoauth::python_api`).

use crate::convert::{self, PyRepr};
use crate::errors::{self, IntoPyResult};
use mailoauth::diagnose::{reply, Diagnosis};
use mailoauth::imap::{ImapAuth, ImapAuthConfig};
use mailoauth::login::{
    Action, AuthOutcome, Authenticated, InitialResponse, LoginMachine, Rejection,
};
use mailoauth::pop3::{PopAuth, PopAuthConfig};
use mailoauth::sasl::Credentials;
use mailoauth::smtp::{SmtpAuth, SmtpAuthConfig};
use mailoauth::Secret;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// How an exchange ended: `kind` is `authenticated`, `rejected` or `error`; exactly one of
/// `authenticated`, `rejection`, `error` (a `mailoauth.Error` instance, not raised) is set.
#[pyclass(name = "AuthOutcome", module = "mailoauth", frozen, get_all)]
pub struct PyAuthOutcome {
    kind: &'static str,
    authenticated: Option<Py<Authenticated>>,
    rejection: Option<Py<Rejection>>,
    error: Option<PyObject>,
}

impl PyAuthOutcome {
    fn new(py: Python<'_>, o: AuthOutcome) -> PyResult<Self> {
        let mut out = PyAuthOutcome {
            kind: "error",
            authenticated: None,
            rejection: None,
            error: None,
        };
        match o {
            AuthOutcome::Authenticated(a) => {
                out.kind = "authenticated";
                out.authenticated = Some(Py::new(py, a)?);
            }
            AuthOutcome::Rejected(r) => {
                out.kind = "rejected";
                out.rejection = Some(Py::new(py, r)?);
            }
            AuthOutcome::Error(e) => {
                out.error = Some(errors::exception(py, &e)?.unbind());
            }
        }
        Ok(out)
    }
}

#[pymethods]
impl PyAuthOutcome {
    /// Whether the login succeeded.
    fn is_authenticated(&self) -> bool {
        self.authenticated.is_some()
    }
    fn __repr__(&self) -> String {
        format!("AuthOutcome(kind={})", self.kind.py_repr())
    }
}

/// What the driver must do next: `kind` is `send` (write `data`, CR LF included; it may carry
/// the token), `need_line` (read one line, pass it to `receive_line`) or `done` (see `outcome`).
#[pyclass(name = "Action", module = "mailoauth", frozen, get_all)]
pub struct PyAction {
    kind: &'static str,
    data: Option<Py<PyBytes>>,
    outcome: Option<Py<PyAuthOutcome>>,
}

#[pymethods]
impl PyAction {
    fn __repr__(&self, py: Python<'_>) -> String {
        match &self.data {
            Some(d) => format!(
                "Action(kind='send', data='[{} bytes redacted]')",
                d.bind(py).as_bytes().len()
            ),
            None => format!("Action(kind={})", self.kind.py_repr()),
        }
    }
}

fn action(py: Python<'_>, a: Action) -> PyResult<PyAction> {
    Ok(match a {
        Action::Send(bytes) => PyAction {
            kind: "send",
            data: Some(PyBytes::new(py, &bytes).unbind()),
            outcome: None,
        },
        Action::NeedLine => PyAction {
            kind: "need_line",
            data: None,
            outcome: None,
        },
        Action::Done(o) => PyAction {
            kind: "done",
            data: None,
            outcome: Some(Py::new(py, PyAuthOutcome::new(py, o)?)?),
        },
        // The core's enum may grow; an action this binding does not know is a protocol error.
        #[allow(unreachable_patterns)]
        _ => return Err(errors::invalid_input("unknown action from the core")),
    })
}

fn credentials(user: &str, token: String, host: Option<String>, port: Option<u16>) -> Credentials {
    let mut c = Credentials::new(user, Secret::new(token));
    c.host = host;
    c.port = port;
    c
}

fn initial_response(s: &str) -> PyResult<InitialResponse> {
    s.parse().py()
}

/// The `#[pymethods]` of a machine class: its own items (constructor, `tag`), then what the three
/// share, forwarded through the core's one trait ([`LoginMachine`]). `$repr` adds the class's own
/// fields to `__repr__` (each followed by `, `).
macro_rules! login_machine_class {
    ($class:ident, $name:literal, repr = |$m:ident| $repr:expr, { $($own:tt)* }) => {
        #[pymethods]
        impl $class {
            $($own)*

            /// What to do next.
            fn next_action(&mut self, py: Python<'_>) -> PyResult<PyAction> {
                action(py, LoginMachine::next_action(&mut self.inner))
            }
            /// Feeds one server line (bytes, with or without CR LF). A server that breaks the
            /// protocol ends the exchange (the outcome's `error`); this raises only out of turn
            /// (`InvalidInputError`: after `done`, or before the bytes to send were taken).
            fn receive_line(&mut self, line: &[u8]) -> PyResult<()> {
                LoginMachine::receive_line(&mut self.inner, line).py()
            }
            /// Aborts the exchange (answers a pending continuation or challenge with `*`).
            fn cancel(&mut self) {
                LoginMachine::cancel(&mut self.inner)
            }
            /// `XOAUTH2` or `OAUTHBEARER`.
            #[getter]
            fn mechanism(&self) -> &'static str {
                LoginMachine::mechanism(&self.inner).as_str()
            }
            /// Whether the response goes on the command line (IMAP SASL-IR, the POP3/SMTP
            /// one-line form).
            #[getter]
            fn uses_initial_response(&self) -> bool {
                LoginMachine::uses_initial_response(&self.inner)
            }
            /// Whether the exchange is over.
            #[getter]
            fn is_done(&self) -> bool {
                LoginMachine::is_done(&self.inner)
            }
            fn __repr__(&self) -> String {
                let $m = &self.inner;
                format!(
                    "{}({}mechanism={}, is_done={})",
                    $name,
                    $repr,
                    LoginMachine::mechanism($m).as_str().py_repr(),
                    LoginMachine::is_done($m).py_repr()
                )
            }
        }
    };
}

/// The client side of IMAP `AUTHENTICATE` (SASL-IR when advertised).
#[pyclass(name = "ImapAuth", module = "mailoauth")]
pub struct PyImapAuth {
    inner: ImapAuth,
}

login_machine_class!(
    PyImapAuth,
    "ImapAuth",
    repr = |m| format!("tag={}, ", m.tag().py_repr()),
    {
        #[new]
        #[pyo3(signature = (*, user, token, tag, capabilities, mechanism = "XOAUTH2", host = None, port = None))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            user: &str,
            token: String,
            tag: String,
            capabilities: Vec<String>,
            mechanism: &str,
            host: Option<String>,
            port: Option<u16>,
        ) -> PyResult<Self> {
            let config = ImapAuthConfig {
                mechanism: convert::mechanism(mechanism)?,
                credentials: credentials(user, token, host, port),
                tag,
                capabilities,
            };
            Ok(PyImapAuth {
                inner: ImapAuth::new(config).py()?,
            })
        }
        /// The command tag.
        #[getter]
        fn tag(&self) -> &str {
            self.inner.tag()
        }
    }
);

/// The client side of POP3 `AUTH` (two-line form unless `initial_response="always"`).
#[pyclass(name = "PopAuth", module = "mailoauth")]
pub struct PyPopAuth {
    inner: PopAuth,
}

login_machine_class!(PyPopAuth, "PopAuth", repr = |m| "", {
    #[new]
    #[pyo3(signature = (*, user, token, mechanism = "XOAUTH2", capabilities = None, initial_response = "auto", host = None, port = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        user: &str,
        token: String,
        mechanism: &str,
        capabilities: Option<Vec<String>>,
        initial_response: &str,
        host: Option<String>,
        port: Option<u16>,
    ) -> PyResult<Self> {
        let config = PopAuthConfig {
            mechanism: convert::mechanism(mechanism)?,
            credentials: credentials(user, token, host, port),
            capabilities,
            initial_response: self::initial_response(initial_response)?,
        };
        Ok(PyPopAuth {
            inner: PopAuth::new(config).py()?,
        })
    }
});

/// The client side of SMTP `AUTH` (RFC 4954; the 512-octet rule decides the one-line form).
#[pyclass(name = "SmtpAuth", module = "mailoauth")]
pub struct PySmtpAuth {
    inner: SmtpAuth,
}

login_machine_class!(PySmtpAuth, "SmtpAuth", repr = |m| "", {
    #[new]
    #[pyo3(signature = (*, user, token, ehlo, mechanism = "XOAUTH2", initial_response = "auto", host = None, port = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        user: &str,
        token: String,
        ehlo: Vec<String>,
        mechanism: &str,
        initial_response: &str,
        host: Option<String>,
        port: Option<u16>,
    ) -> PyResult<Self> {
        let config = SmtpAuthConfig {
            mechanism: convert::mechanism(mechanism)?,
            credentials: credentials(user, token, host, port),
            ehlo_keywords: ehlo,
            initial_response: self::initial_response(initial_response)?,
        };
        Ok(PySmtpAuth {
            inner: SmtpAuth::new(config).py()?,
        })
    }
});

/// The diagnosis of one server reply line (`imap`, `pop`, `smtp`), or `None` when the line is
/// not a failure the catalogue knows. With `personal=True` (a personal Microsoft account:
/// Outlook.com, Hotmail, tenant `consumers`) the fix speaks to the account owner instead of a
/// tenant administrator (the core's `personal_account_diagnosis`).
#[pyfunction]
#[pyo3(signature = (protocol, line, personal = false))]
pub fn diagnose_reply(protocol: &str, line: &str, personal: bool) -> PyResult<Option<Diagnosis>> {
    let d = reply::diagnose_reply(convert::protocol(protocol)?, line);
    Ok(match d {
        Some(d) if personal => reply::personal_account_diagnosis(&d.code).or(Some(d)),
        d => d,
    })
}

/// The catalogue entry of a reply diagnosis code for a personal Microsoft account (fixes for the
/// account owner; the same as the work-account entry for codes without a personal variant), or
/// `None` for a code the catalogue does not have.
#[pyfunction]
pub fn personal_account_diagnosis(code: &str) -> Option<Diagnosis> {
    reply::personal_account_diagnosis(code)
}

/// Every diagnosis of the mail-reply catalogue.
#[pyfunction]
pub fn reply_catalogue() -> Vec<Diagnosis> {
    reply::reply_catalogue()
}

/// Adds this module's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Authenticated>()?;
    m.add_class::<Rejection>()?;
    m.add_class::<PyAuthOutcome>()?;
    m.add_class::<PyAction>()?;
    m.add_class::<PyImapAuth>()?;
    m.add_class::<PyPopAuth>()?;
    m.add_class::<PySmtpAuth>()?;
    m.add_function(wrap_pyfunction!(diagnose_reply, m)?)?;
    m.add_function(wrap_pyfunction!(reply_catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(personal_account_diagnosis, m)?)?;
    Ok(())
}
