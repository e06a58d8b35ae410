//! The UniFFI binding of mailoauth: one cdylib from which `uniffi-bindgen` generates Kotlin,
//! Swift and Python sources (library mode, see the Makefile's `uniffi-bindings`).
//!
//! Thin by design: exports, conversions and error mapping only; every decision is the core's.
//! Apps bring their own I/O (`java.net.Socket`, OkHttp, `URLSession`, Network.framework) and
//! drive the core's state machines with it.
//!
//! | file | exports |
//! |---|---|
//! | `errors.rs` | `MailoauthError` (one error enum; `code` is the core's stable `Error::code()`) |
//! | `types.rs` | the small enums (`Protocol`, `Mechanism`, `CloudId`, `Severity`, `RunbookVariant`, ...) and their name parsers |
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

pub use cloud::*;
pub use diagnose::*;
pub use errors::*;
pub use http::*;
pub use identity::*;
pub use mail::*;
pub use providers::*;
pub use sasl::*;
pub use tokens::*;
pub use types::*;

uniffi::setup_scaffolding!("mailoauth");

/// The version of the core this binding was built from.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
