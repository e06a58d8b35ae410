//! The one place where Python values become core values and back: enum names, clouds, and the
//! Python-style `repr` of records (which never shows a secret).

use crate::errors::IntoPyResult;
use mailoauth::cloud::{Cloud, Grant, Protocol};
use mailoauth::sasl::Mechanism;
use pyo3::prelude::*;

/// `"imap"`, `"pop"`, `"smtp"` (also `pop3`, `submission`) → [`Protocol`].
pub fn protocol(s: &str) -> PyResult<Protocol> {
    s.parse().py()
}

/// A list of protocol names.
pub fn protocols(list: &[String]) -> PyResult<Vec<Protocol>> {
    list.iter().map(|s| protocol(s)).collect()
}

/// `"XOAUTH2"` / `"OAUTHBEARER"` (any case) → [`Mechanism`].
pub fn mechanism(s: &str) -> PyResult<Mechanism> {
    s.parse().py()
}

/// `"delegated"` / `"app"` → [`Grant`].
pub fn grant(s: &str) -> PyResult<Grant> {
    s.parse().py()
}

/// A cloud given as a preset name (`"global"`, `"usgov"`, ...) or a `Cloud` object.
#[derive(FromPyObject)]
pub enum CloudArg {
    /// A `mailoauth.Cloud` (possibly with overridden hosts).
    Object(crate::cloud::PyCloud),
    /// A preset name.
    Name(String),
}

impl CloudArg {
    /// The core cloud.
    pub fn into_cloud(self) -> PyResult<Cloud> {
        match self {
            CloudArg::Object(c) => Ok(c.inner),
            CloudArg::Name(n) => Cloud::from_name(&n).py(),
        }
    }
}

/// Optional cloud argument, `global` when absent.
pub fn cloud_or_global(c: Option<CloudArg>) -> PyResult<Cloud> {
    match c {
        Some(c) => c.into_cloud(),
        None => Ok(Cloud::global()),
    }
}

/// A value as Python would `repr` it, for the hand-written `__repr__`s.
pub trait PyRepr {
    /// The Python literal.
    fn py_repr(&self) -> String;
}

impl PyRepr for str {
    fn py_repr(&self) -> String {
        let mut out = String::with_capacity(self.len() + 2);
        out.push('\'');
        for c in self.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || c == '\x7f' => {
                    out.push_str(&format!("\\x{:02x}", c as u32))
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    }
}

impl PyRepr for String {
    fn py_repr(&self) -> String {
        self.as_str().py_repr()
    }
}

impl PyRepr for bool {
    fn py_repr(&self) -> String {
        if *self { "True" } else { "False" }.to_owned()
    }
}

macro_rules! int_repr {
    ($($t:ty),*) => {$(
        impl PyRepr for $t {
            fn py_repr(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
int_repr!(u16, u32, u64, i64, usize);

impl<T: PyRepr> PyRepr for Option<T> {
    fn py_repr(&self) -> String {
        match self {
            Some(v) => v.py_repr(),
            None => "None".to_owned(),
        }
    }
}

impl<T: PyRepr> PyRepr for Vec<T> {
    fn py_repr(&self) -> String {
        let items: Vec<String> = self.iter().map(PyRepr::py_repr).collect();
        format!("[{}]", items.join(", "))
    }
}

impl<A: PyRepr, B: PyRepr> PyRepr for (A, B) {
    fn py_repr(&self) -> String {
        format!("({}, {})", self.0.py_repr(), self.1.py_repr())
    }
}

/// What a secret-holding field shows in a `repr`: whether it is set, never its value.
pub fn redacted(present: bool) -> String {
    if present {
        "'[redacted]'".to_owned()
    } else {
        "None".to_owned()
    }
}

/// `Name(field=value, ...)` from already-rendered values.
pub fn repr_record(name: &str, fields: &[(&str, String)]) -> String {
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{name}({})", parts.join(", "))
}
