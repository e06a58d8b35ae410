//! The UniFFI exports of mailoauth (feature `uniffi`): `bindings-uniffi` links them into one
//! cdylib from which `uniffi-bindgen` generates Kotlin, Swift and Python sources (library mode,
//! see the Makefile's `uniffi-bindings`).
//!
//! Why here and not in `bindings-uniffi`: UniFFI makes one component of each crate, and each
//! component becomes its own Kotlin file with its own copy of the runtime (`RustBuffer`,
//! `UniffiLib`, `FfiConverterString`, ...), which cannot share one package. The types derived on
//! the core's own records and enums belong to the core's component, so the objects and functions
//! that use them live in the same component, and Kotlin keeps one package, `dev.mailoauth`.
//!
//! The foreign API is declared once, on the domain types: a record or enum whose foreign shape is
//! the core's own derives `uniffi::Record` / `uniffi::Enum` where the core declares it (behind
//! `cfg_attr(feature = "uniffi", ...)`, with `uniffi(name = ...)` where the foreign name differs,
//! as `ConfigFlow` for `diagnose::config_lint::Flow`), and a [`crate::Secret`] crosses the FFI as
//! a string (`uniffi::custom_type!` in `secret.rs`). What stays here: the records whose foreign
//! shape differs from the core's (`HttpRequest` with header records instead of tuples, `Pkce`,
//! `Tenant`, `Runbook` with its text, ...), the outcome enums that carry `MailoauthError`, the
//! objects, and the functions, which take owned arguments.
//!
//! Thin by design: exports, conversions and error mapping only; every decision is the core's.
//! Apps bring their own I/O (`java.net.Socket`, OkHttp, `URLSession`, Network.framework) and
//! drive the core's state machines with it.
//!
//! | file | exports |
//! |---|---|
//! | `errors.rs` | `MailoauthError` (one error enum; `code` is the core's stable `Error::code()`) |
//! | `types.rs` | the name parsers of the small enums (`Protocol`, `Mechanism`, `CloudId`, `Severity`, `RunbookVariant`, ...: the core's own) |
//! | `cloud.rs` | `Cloud`, `Tenant`, `Endpoints`, well-known apps, client-id checks |
//! | `http.rs` | `HttpRequest`, `HttpResponse` (what the host sends and hands back) |
//! | `sasl.rs` | XOAUTH2 / OAUTHBEARER strings, their decoding, the failure challenge |
//! | `identity.rs` | PKCE, the authorize URL and redirect, admin consent |
//! | `tokens.rs` | token requests and responses, `TokenSet`, the device-code flow, client assertions |
//! | `providers.rs` | authorization server discovery (`ProviderMetadata`), the Google preset, the device-flow check per provider |
//! | `mail.rs` | `ImapAuth`, `PopAuth`, `SmtpAuth` state machines; IMAP/POP3/SMTP line helpers for raw-socket drivers |
//! | `diagnose.rs` | Entra error explainer, mail-reply diagnosis, token and configuration lints, the admin runbook |
//!
//! Objects that wrap a core state machine hold it in a `Mutex` (UniFFI objects are shared
//! `Arc`s; the core's drivers take `&mut self`). Records that hold a secret (tokens, codes,
//! verifiers, request bodies) export a redacting `Display`, which becomes Kotlin's `toString()`
//! and Swift's `description`.

// `MailoauthError::Server` carries the server's details by value: UniFFI serialises errors
// across the boundary anyway, so boxing would only add an allocation on the Rust side.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

mod cloud;
mod diagnose;
mod errors;
mod http;
mod identity;
mod mail;
mod providers;
mod sasl;
mod tokens;
mod types;

#[cfg(test)]
mod tests;

// The tests call the exports as Rust functions (the foreign side reaches them through UniFFI's
// scaffolding, not through Rust paths).
#[cfg(test)]
use {
    cloud::*, diagnose::*, errors::*, http::*, identity::*, mail::*, providers::*, sasl::*,
    tokens::*, types::*,
};

/// The version of the core this binding was built from.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
