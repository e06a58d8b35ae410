//! # mailoauth
//!
//! OAuth 2.0 for mail servers — Microsoft Exchange Online first — as a sans-IO library.
//!
//! The core never touches a socket, a clock, a random source, a file or the environment. The
//! caller supplies bytes in, the time as Unix seconds (`now: u64`) and random bytes, and gets
//! bytes, HTTP requests ([`http::HttpRequest`]) and decisions out. Every host does its own I/O with
//! its native tools; the bindings (wasm, Python, UniFFI) carry the same core to browsers, scripts
//! and apps.
//!
//! | concern | module |
//! |---|---|
//! | HTTP requests and responses as values | [`http`] |
//! | checked client ids, scopes, redirect URIs | [`types`] |
//! | secrets that never print | [`secret`] |
//! | clouds, tenants, endpoints, scopes | [`cloud`] |
//! | other providers (Google) and their rules | [`provider`] |
//! | well-known public clients | [`apps`] |
//! | SASL XOAUTH2 / OAUTHBEARER | [`sasl`] |
//! | IMAP / POP3 / SMTP logins (the SASL exchanges) | [`imap`], [`pop3`], [`smtp`], [`login`] |
//! | the client-facing side of a local relay (password in, XOAUTH2 upstream) | [`relay`] |
//! | admin consent | [`consent`] |
//! | PKCE and the authorize redirect | [`pkce`], [`authorize`] |
//! | token requests, responses, token sets | [`token`] |
//! | certificate client assertions | [`assertion`] |
//! | device code flow | [`device`] |
//! | authorization server discovery (RFC 8414, OpenID Connect) | [`discovery`] |
//! | diagnosis of failures | [`diagnose`] |
// The features `uniffi` and `python` generate FFI scaffolding (`extern "C"` functions, `unsafe
// impl`s of UniFFI's converter traits, pyo3's class objects); the core's own code stays free of
// `unsafe` either way.
#![cfg_attr(not(any(feature = "uniffi", feature = "python")), forbid(unsafe_code))]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod apps;
pub mod assertion;
pub mod authorize;
// Base64 for the core's few uses (the web page's size budget); the fuzz target `b64` checks it
// against the `base64` crate through the `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod b64;
#[cfg(not(feature = "fuzzing"))]
mod b64;
pub mod cloud;
pub mod consent;
pub mod device;
pub mod diagnose;
pub mod discovery;
pub mod error;
pub mod http;
pub mod imap;
mod json;
mod json_writer;
pub mod login;
pub mod pkce;
pub mod pop3;
pub mod provider;
pub mod relay;
pub mod sasl;
pub mod secret;
pub mod smtp;
pub mod token;
pub mod types;
// The strict URL parser is internal; the fuzz targets reach it through the `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod weburl;
#[cfg(not(feature = "fuzzing"))]
mod weburl;

pub use error::{Error, ErrorDetails, ErrorKind, OAuthError, Result};

/// The old name of [`login`] ("exchange" read as Exchange Online): use `mailoauth::login`.
#[deprecated(since = "0.2.0", note = "renamed to mailoauth::login")]
pub mod exchange {
    pub use crate::login::*;
}
pub use json_writer::to_json_text;
pub use secret::Secret;
pub use types::{ClientId, RedirectUri, Scope};

// The UniFFI component (Kotlin, Swift, Python through `bindings-uniffi`'s cdylib): the namespace
// `mailoauth`, with its configuration in core/uniffi.toml. One crate is one UniFFI component, and
// one component is one Kotlin file in one package: the exported API lives here, behind the
// feature, so that the Kotlin package `dev.mailoauth` holds all of it.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("mailoauth");
#[cfg(feature = "uniffi")]
mod uniffi_api;

// The Python classes of the core's records (`bindings-python` exports them as `mailoauth._native`):
// `#[pyclass]` on the records where they are declared, their `#[pymethods]` in this module.
#[cfg(feature = "python")]
#[cfg_attr(docsrs, doc(cfg(feature = "python")))]
pub mod python_api;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
