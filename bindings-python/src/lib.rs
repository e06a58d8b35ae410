//! The Python binding of mailoauth: the native module `mailoauth._native`.
//!
//! Thin by design: exports, conversions (`convert.rs`) and error mapping (`errors.rs`) only. The
//! public package `mailoauth` (bindings-python/python/mailoauth) re-exports this module and adds
//! the pure-Python I/O drivers and the command line.

mod cloud;
mod consent;
mod convert;
mod diagnose;
mod errors;
mod http;
mod identity;
mod mail;
mod providers;
mod relay;
mod sasl;
mod tokens;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("core_version", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(errors::error_from, m)?)?;
    cloud::register(m)?;
    http::register(m)?;
    sasl::register(m)?;
    consent::register(m)?;
    identity::register(m)?;
    tokens::register(m)?;
    diagnose::register(m)?;
    mail::register(m)?;
    relay::register(m)?;
    providers::register(m)?;
    Ok(())
}
